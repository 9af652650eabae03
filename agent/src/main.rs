//! `sunset-agent`: inventories this machine and checks it against the end-of-support catalogue.
//! Argument parsing and exit codes only; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use sunset_agent::{config, deliver, report, scan, service};
use sunset_catalog::Catalog;
use sunset_catalog::evaluate::Status;

/// A line to standard error. A closed stream is ignored, never a panic: with `panic = abort`,
/// `sunset-agent report 2>&1 | head -c 10` would otherwise die of SIGABRT once `head` has gone.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// A line to standard output, ignoring a closed stream like [`say!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(name = "sunset-agent", version = version(), about = "Finds out-of-support OS, software and hardware on this machine")]
struct Cli {
    /// Configuration file [default: /etc/sunset/agent.toml; %ProgramData%\Sunset\agent.toml on Windows].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inventory this machine (or a mounted root) and check it against the catalogue.
    Scan(ScanArgs),
    /// Scan and deliver one report to the collector (queued in the spool if it cannot be delivered).
    ///
    /// Exit codes: 0 delivered; 1 configuration error, or the collector refused the agent (token, URL)
    /// or the report; 3 the collector could not be reached and the report is queued for the next run;
    /// 4 neither delivered nor queued (the spool is not writable).
    Report(ReportArgs),
    /// Run as a service: scan every night at this host's time inside the schedule window, deliver,
    /// keep the catalogue current; stop on SIGTERM, Ctrl-C or a Windows service stop.
    Run,
    /// Configuration commands.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Scan a mounted root instead of this machine (for testing the delivery path).
    #[arg(long, value_name = "DIR", hide = true)]
    root: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and print the effective values, secrets masked (exit 1 if invalid).
    Check,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Scan a mounted Windows volume or Linux root instead of this machine.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print the inventory only, without evaluating it.
    #[arg(long)]
    inventory_only: bool,
    /// Use this catalogue directory instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Exit with status 2 when a finding is at least this urgent.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Judge support as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE")]
    today: Option<NaiveDate>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Unsupported,
    Expiring,
}

/// Evaluated on every start (clap needs it before parsing), so it reads only the built-in catalogue's
/// `[catalog]` table: compiling the whole catalogue here would cost every command, including the idle
/// service, several MiB of memory. A test keeps the built-in catalogue valid.
fn version() -> String {
    let catalog = sunset_agent::update::built_in_version().unwrap_or_else(|| "invalid".to_string());
    format!("{} (catalogue {catalog})", env!("CARGO_PKG_VERSION"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Scan(args) => {
            sunset_agent::logging::init_stderr();
            run_scan(cli.config.as_deref(), args)
        }
        Command::Report(args) => run_report(cli.config.as_deref(), args),
        Command::Run => run_service(cli.config.as_deref()),
        Command::Config(ConfigCommand::Check) => run_config_check(cli.config.as_deref()),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            say!("sunset-agent: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The effective configuration: the file, overridden by the machine's registry values on Windows,
/// and the machine's proxy settings for when `proxy` is not set.
fn load_config(path: Option<&Path>) -> Result<config::Config, config::ConfigError> {
    let overrides = service::machine_overrides()?;
    let mut config = config::load(path, &overrides)?;
    config.system_proxy = service::machine_proxy();
    Ok(config)
}

fn run_config_check(path: Option<&Path>) -> Result<ExitCode> {
    match load_config(path) {
        Ok(config) => {
            let source = config
                .path
                .as_ref()
                .map_or_else(|| "no file".to_string(), |p| p.display().to_string());
            out!("# effective configuration ({source}); secrets masked");
            out!("{}", config.render_masked().trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            say!("sunset-agent: {error}");
            Ok(ExitCode::from(service::exit::CONFIG))
        }
    }
}

fn run_report(path: Option<&Path>, args: ReportArgs) -> Result<ExitCode> {
    let config = match load_config(path) {
        Ok(config) => config,
        Err(error) => {
            say!("sunset-agent: {error}");
            return Ok(ExitCode::from(service::exit::CONFIG));
        }
    };
    service::init_logging(&config, false);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let mut agent = service::Agent::new(config, deliver::RetryPolicy::interactive())?;
        agent = agent.with_root(args.root);
        Ok::<_, service::SetupError>(agent.report_once().await)
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            say!("sunset-agent: {error}");
            return Ok(ExitCode::from(service::exit::CONFIG));
        }
    };
    match &outcome {
        service::ReportOutcome::Delivered => say!("sunset-agent: report delivered"),
        service::ReportOutcome::Queued(why) => {
            say!("sunset-agent: report queued for the next run: {why}")
        }
        service::ReportOutcome::Refused(why) => say!("sunset-agent: report refused: {why}"),
        service::ReportOutcome::Lost(why) => {
            say!("sunset-agent: report neither delivered nor queued: {why}")
        }
    }
    Ok(ExitCode::from(outcome.exit_code()))
}

fn run_service(path: Option<&Path>) -> Result<ExitCode> {
    let config = match load_config(path) {
        Ok(config) => config,
        Err(error) => {
            // The service refuses to start half-configured.
            say!("sunset-agent: {error}");
            return Ok(ExitCode::from(service::exit::CONFIG));
        }
    };
    service::init_logging(&config, true);
    service::run_blocking(config)?;
    Ok(ExitCode::SUCCESS)
}

fn run_scan(config: Option<&Path>, args: ScanArgs) -> Result<ExitCode> {
    // The configured state directory when the configuration loads; the default one otherwise (a
    // scan needs no collector settings).
    let state_dir = load_config(config).map_or_else(
        |_| sunset_agent::config::default_state_dir(),
        |config| config.state_dir,
    );
    let (host_id, host_id_source) =
        sunset_agent::state::scan_host_id(&state_dir, args.root.as_deref());
    let request = scan::Request {
        root: args.root.clone(),
        host_id,
        host_id_source: Some(host_id_source),
        ..scan::Request::default()
    };
    if let Some(root) = &args.root
        && !root.is_dir()
    {
        anyhow::bail!("--root {}: not a directory", root.display());
    }
    let inventory = scan::inventory(&request);
    let mut stdout = std::io::stdout().lock();
    if args.inventory_only {
        serde_json::to_writer_pretty(&mut stdout, &inventory)?;
        writeln!(stdout)?;
        return Ok(ExitCode::SUCCESS);
    }
    let catalog = match &args.catalog {
        Some(dir) => Catalog::load_dir(dir)
            .with_context(|| format!("loading catalogue {}", dir.display()))?,
        None => sunset_catalog::builtin::catalog().context("built-in catalogue")?,
    };
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let result = scan::evaluate(inventory, &catalog, today);
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &result)?;
            writeln!(stdout)?;
        }
        Format::Table => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            write!(stdout, "{}", report::render(&result, colour))?;
        }
    }
    let threshold = match args.fail_on {
        None => return Ok(ExitCode::SUCCESS),
        Some(FailOn::Unsupported) => Status::Unsupported,
        Some(FailOn::Expiring) => Status::Expiring,
    };
    let failing = result.findings.iter().any(|f| f.status <= threshold);
    Ok(if failing {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
