//! The command line: `serve` and the management commands, which share `--data-dir`/`--config`.
//!
//! This module (with `accounts`, the site, user and token commands) is the only place that prints
//! to standard output. `site add` and `site rotate-token` print the token alone on the last line so
//! scripts can take it with `tail -n 1`. Organisations are named on the command line by their
//! name, ODS code or id (`--org`, `--parent`).

use std::io::Read;
use std::path::PathBuf;

use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::admin::{self, Admin};
use crate::catalog_source;
use crate::config::{Config, Overrides};
use crate::db::Db;
use crate::org::OrgKind;
use crate::server;
use crate::state::AppState;
use crate::store;

mod accounts;

pub use accounts::{SiteCommand, TokenCommand, UserCommand};

/// Sunset collector: ingests agent reports, re-evaluates them and serves the dashboard.
#[derive(Debug, Parser)]
#[command(name = "sunset-collector", version)]
pub struct Args {
    /// Configuration file (collector.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (holds the SQLite database unless database_url says otherwise).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the collector (HTTP API and dashboard).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Organisations: the tree (ICB → PCN → practice, trust → hospital → ward) sites belong to
    /// and users are granted roles on.
    Org {
        /// Organisation command.
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Enrol, list, move and revoke sites; rotate, list and revoke their tokens.
    Site {
        /// Site command.
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage dashboard users: add, list, remove, change role.
    User {
        /// User command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Database maintenance.
    Db {
        /// Database command.
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Catalogue maintenance.
    Catalog {
        /// Catalogue command.
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Hosts: move one to another site.
    Host {
        /// Host command.
        #[command(subcommand)]
        command: HostCommand,
    },
    /// API tokens for tools and scripts (preferred to a password over HTTP Basic).
    Token {
        /// Token command.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Take today's trend snapshot now, replacing one taken earlier today (the service takes one
    /// a day by itself; this is for cron and tests).
    Snapshot,
    /// Check the configuration and catalogue without starting (for ExecStartPre).
    Check,
    /// Try the collector on this machine: a made-up estate (an ICB's GP practices, a trust's
    /// wards; a few hundred hosts with real product names, judged today) in a new SQLite database,
    /// served on loopback with a generated login until Ctrl-C.
    Demo {
        /// Loopback address to listen on (default: a free port on 127.0.0.1).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// About how many hosts (default: the whole demo estate, about 300).
        #[arg(long, value_name = "N")]
        hosts: Option<usize>,
    },
    /// Copy the SQLite database, online, to a new file (PostgreSQL: use pg_dump).
    Backup {
        /// The backup file to create (it must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `org …`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        /// Name, e.g. "Riverside Surgery".
        name: String,
        /// Kind.
        #[arg(long, value_enum)]
        kind: OrgKind,
        /// The organisation it belongs to (name, ODS code or id); default: directly under the
        /// root, the whole estate.
        #[arg(long, value_name = "NAME|ODS")]
        parent: Option<String>,
        /// Its ODS code (1 to 9 letters and digits, e.g. A81001).
        #[arg(long, value_name = "CODE")]
        ods: Option<String>,
    },
    /// Show the organisations as a tree, with their sites and hosts.
    List,
    /// Add or update organisations from a CSV file with a header row: ods_code, name,
    /// parent_ods_code and optionally kind. Every bad row is reported as file:line: field: what,
    /// and nothing is imported when any row is bad.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
    },
}

/// `host …`.
#[derive(Debug, Subcommand)]
pub enum HostCommand {
    /// Move a host to another site (a site's token cannot report for another site's hosts).
    Move {
        /// The host id (as on the host page).
        host_id: String,
        /// The site it now belongs to.
        #[arg(long, value_name = "NAME")]
        site: String,
    },
}

/// `db …`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending schema migrations.
    Migrate,
}

/// `catalog …`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Load the configured catalogue and re-evaluate every host from its stored inventory.
    Reload,
    /// Make an Ed25519 key pair for signing the catalogue agents download: `<out>.key` (secret,
    /// mode 0600; set catalog_signing_key_file to it) and `<out>.pub` (agents' catalog_public_key).
    Keygen {
        /// Path prefix of the two files, e.g. /etc/sunset/catalog.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
    },
    /// Write the configured catalogue as a signed bundle file (what /api/v1/catalog serves).
    Sign {
        /// The bundle file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Secret key file (default: catalog_signing_key_file from the configuration).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
}

/// Runs a command to completion.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Command::Demo { listen, hosts } = args.command {
        if args.config.is_some() {
            anyhow::bail!("demo makes its own configuration: leave out --config");
        }
        let options = crate::demo::Options {
            listen,
            data_dir: args.data_dir,
            hosts,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(demo(options));
    }
    let listen = match &args.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let config = Config::load(&Overrides {
        listen,
        data_dir: args.data_dir.clone(),
        config_file: args.config.clone(),
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(args.command, config))
}

async fn run_async(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => serve(config).await,
        Command::Demo { .. } => anyhow::bail!("demo runs without a configuration"),
        Command::Backup { out } => {
            let done = crate::backup::sqlite(&config, &out).await?;
            println!(
                "backup {} ({} bytes, {} hosts, {} sites) passed its integrity check",
                done.path.display(),
                done.bytes,
                done.hosts,
                done.sites
            );
            Ok(())
        }
        Command::Check => {
            let catalog = catalog_source::load_configured(&config)?;
            if let Some(path) = &config.metrics_token_file {
                crate::config::read_secret_file(path)
                    .map_err(|e| anyhow::anyhow!("metrics_token_file: {e}"))?;
            }
            println!(
                "configuration ok; catalogue {} ({}); {}",
                catalog.version(),
                catalog.origin,
                signing_note(&catalog)
            );
            Ok(())
        }
        Command::Snapshot => {
            let db = Db::open(&config).await?;
            let now = Utc::now();
            let done = crate::jobs::snapshot(&db, now.date_naive(), now, true)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the trend job's lock was not granted"))?;
            println!(
                "trend snapshot of {}: {} host(s), {} organisation(s), {} row(s); {} row(s) older than {} months pruned",
                done.day,
                done.hosts,
                done.organisations,
                done.rows,
                done.pruned,
                store::TREND_KEEP_MONTHS
            );
            Ok(())
        }
        Command::Db {
            command: DbCommand::Migrate,
        } => {
            let db = Db::connect(&config).await?;
            let applied = db.migrate().await?;
            if applied.is_empty() {
                println!("database schema is up to date");
            } else {
                println!("applied migrations: {applied:?}");
            }
            Ok(())
        }
        Command::Org { command } => {
            let db = Db::open(&config).await?;
            org(&db, command).await
        }
        Command::Site { command } => {
            let db = Db::open(&config).await?;
            accounts::site(&db, command).await
        }
        Command::Host {
            command: HostCommand::Move { host_id, site },
        } => {
            let db = Db::open(&config).await?;
            let from =
                admin::move_host(&db, &Admin::operator(), &host_id, &site, Utc::now()).await?;
            println!("host {host_id} moved from site {from:?} to {site:?}");
            Ok(())
        }
        Command::Token { command } => {
            let db = Db::open(&config).await?;
            accounts::token(&db, command).await
        }
        Command::User { command } => {
            let db = Db::open(&config).await?;
            accounts::user(&db, command).await
        }
        Command::Catalog {
            command: CatalogCommand::Keygen { out },
        } => keygen(&out),
        Command::Catalog {
            command: CatalogCommand::Sign { out, key },
        } => {
            let key_file = key
                .or_else(|| config.catalog_signing_key_file.clone())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no key: give --key FILE or set catalog_signing_key_file in the configuration"
                    )
                })?;
            let mut catalog = catalog_source::load_layers(
                config.catalog_dir.as_deref(),
                config.catalog_overlay_dir.as_deref(),
            )?;
            catalog.sign(&catalog_source::read_signing_key(&key_file)?)?;
            let signed = catalog
                .signed
                .ok_or_else(|| anyhow::anyhow!("catalogue was not signed"))?;
            write_new_or_replace(&out, &signed.bytes)?;
            println!(
                "catalogue {} ({}) signed into {}; agents verify it with catalog_public_key = \"{}\"",
                catalog.catalog.version(),
                catalog.origin,
                out.display(),
                signed.public_key
            );
            Ok(())
        }
        Command::Catalog {
            command: CatalogCommand::Reload,
        } => {
            // The state needs a catalogue to start with: the configured one, checked here once
            // before the database is touched, and read again by the reload itself.
            let catalog = catalog_source::load_configured(&config)?;
            let db = Db::open(&config).await?;
            let state = AppState::new(db, config, catalog);
            let report = admin::reload_catalog(&state, &Admin::operator()).await?;
            println!(
                "catalogue {}: re-evaluated {} host(s){}",
                report.catalog_version,
                report.hosts,
                if report.unreadable > 0 {
                    format!(", {} unreadable", report.unreadable)
                } else {
                    String::new()
                }
            );
            Ok(())
        }
    }
}

/// One line on whether agents can download the catalogue, for `serve` and `check`.
fn signing_note(catalog: &catalog_source::LoadedCatalog) -> String {
    match &catalog.signed {
        Some(signed) => format!(
            "agents' bundle signed; agents need catalog_public_key = \"{}\"",
            signed.public_key
        ),
        None => "no catalog_signing_key_file: /api/v1/catalog answers 503 (agents keep their own catalogue)".to_string(),
    }
}

/// `catalog keygen`: writes `<out>.key` (0600, never over an existing file) and `<out>.pub`.
fn keygen(out: &std::path::Path) -> anyhow::Result<()> {
    let with_suffix = |suffix: &str| {
        let mut name = out.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let (secret_path, public_path) = (with_suffix(".key"), with_suffix(".pub"));
    let (secret, public) = catalog_source::generate_key_pair();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&secret_path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", secret_path.display()))?;
    std::io::Write::write_all(&mut file, secret.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", secret_path.display()))?;
    write_new_or_replace(&public_path, public.as_bytes())?;
    println!("secret key: {} (keep it private)", secret_path.display());
    println!("public key: {}", public_path.display());
    println!(
        "collector.toml:  catalog_signing_key_file = {:?}",
        secret_path.display().to_string()
    );
    println!(
        "agent.toml:      catalog_public_key = \"{}\"",
        public.trim()
    );
    Ok(())
}

/// Writes a file through a temporary file beside it, so a reader never sees half of it.
fn write_new_or_replace(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e}", path.display())
    })
}

async fn org(db: &Db, command: OrgCommand) -> anyhow::Result<()> {
    let operator = Admin::operator();
    match command {
        OrgCommand::Add {
            name,
            kind,
            parent,
            ods,
        } => {
            let org = admin::add_org(
                db,
                &operator,
                &name,
                kind,
                parent.as_deref(),
                ods.as_deref(),
                Utc::now(),
            )
            .await?;
            println!(
                "organisation {} ({}) added (id {})",
                org.label(),
                org.kind,
                org.id
            );
        }
        OrgCommand::List => {
            let tree = store::org_tree(db, &store::Scope::estate()).await?;
            print!("{}", render_tree(&tree));
        }
        OrgCommand::Import { file } => {
            let bytes = read_bounded(&file, crate::org_import::MAX_FILE_BYTES)?;
            let label = file.display().to_string();
            let done = admin::import_orgs(db, &operator, &label, &bytes, Utc::now()).await?;
            println!(
                "{label}: {} added, {} renamed or re-kinded, {} moved, {} unchanged",
                done.added, done.changed, done.moved, done.unchanged
            );
        }
    }
    Ok(())
}

/// The tree as text: one organisation a line, drawn with box characters, with its kind, its own
/// sites and the hosts of its whole subtree.
fn render_tree(tree: &store::OrgNode) -> String {
    fn line(out: &mut String, node: &store::OrgNode, prefix: &str, branch: &str) {
        out.push_str(&format!(
            "{prefix}{branch}{} ({}) — {} site(s), {} host(s)\n",
            node.org.label(),
            node.org.kind,
            node.sites,
            node.hosts
        ));
    }
    fn below(out: &mut String, node: &store::OrgNode, prefix: &str) {
        for (i, child) in node.children.iter().enumerate() {
            let last = i + 1 == node.children.len();
            line(out, child, prefix, if last { "└─ " } else { "├─ " });
            below(
                out,
                child,
                &format!("{prefix}{}", if last { "   " } else { "│  " }),
            );
        }
    }
    let mut out = String::new();
    line(&mut out, tree, "", "");
    below(&mut out, tree, "");
    out
}

/// A file's bytes, refusing one larger than `max`.
fn read_bounded(path: &std::path::Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        anyhow::bail!("{} is larger than {max} bytes", path.display());
    }
    Ok(bytes)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let catalog = catalog_source::load_configured(&config)?;
    let db = Db::open(&config).await?;
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let data_dir = config.data_dir.display().to_string();
    println!("Sunset collector listening on {scheme}://{addr}/");
    println!(
        "Catalogue {} ({}); database {}",
        catalog.version(),
        catalog.origin,
        redact(&config.database_url)
    );
    println!("Catalogue for agents: {}", signing_note(&catalog));
    println!(
        "Add a site:  sunset-collector --data-dir {data_dir:?} site add \"Riverside Surgery\" [--org NAME|ODS]"
    );
    println!(
        "Add a user:  sunset-collector --data-dir {data_dir:?} user add alice --role admin [--org NAME|ODS]"
    );
    let state = AppState::new(db, config, catalog);
    server::run(state, listener, server::shutdown_signal()).await
}

/// `demo`: fills a new database, prints where to log in and with what (the password only here),
/// and serves until stopped. The lines are written at once: a reader that stops reading after
/// the password (a script, `| head`) must not make a later line fail the demo.
async fn demo(options: crate::demo::Options) -> anyhow::Result<()> {
    let demo = crate::demo::prepare(options).await?;
    let seeded = &demo.seeded;
    let kept = if demo.temporary {
        "temporary: deleted when the demo stops"
    } else {
        "kept"
    };
    let text = format!(
        "Sunset demo: {} hosts at {} sites of {} organisations, judged today with the built-in \
         catalogue; {} accepted risks; {} days of trend (the past year's are synthetic).\n\
         Data: {} ({kept})\n\n\
         Open:     {}\n\
         User:     {}\n\
         Password: {}   (shown only now)\n\n\
         Ctrl-C stops the demo.\n",
        seeded.hosts,
        seeded.sites,
        seeded.organisations,
        seeded.risks,
        seeded.trend_days,
        demo.data_dir.display(),
        demo.url,
        demo.login.user,
        demo.login.password,
    );
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, text.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout))
        .map_err(|e| anyhow::anyhow!("cannot print the demo's login: {e}"))?;
    drop(stdout);
    demo.serve().await
}

/// A database URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
