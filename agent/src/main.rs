//! `sunset-agent`: inventories this machine and checks it against the end-of-support catalogue.
//! Argument parsing and exit codes only; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use sunset_agent::{report, scan};
use sunset_catalog::Catalog;
use sunset_catalog::evaluate::Status;

#[derive(Parser)]
#[command(name = "sunset-agent", version = version(), about = "Finds out-of-support OS, software and hardware on this machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inventory this machine (or a mounted root) and check it against the catalogue.
    Scan(ScanArgs),
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

fn version() -> String {
    let catalog = sunset_catalog::builtin::catalog()
        .map(|c| c.version().to_string())
        .unwrap_or_else(|_| "invalid".to_string());
    format!("{} (catalogue {catalog})", env!("CARGO_PKG_VERSION"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    sunset_agent::logging::init_stderr();
    let outcome = match cli.command {
        Command::Scan(args) => run_scan(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sunset-agent: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let request = scan::Request {
        root: args.root.clone(),
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
    let today = args.today.unwrap_or_else(|| chrono::Local::now().date_naive());
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
    Ok(if failing { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
