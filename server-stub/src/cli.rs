//! The command line: `serve` and the management commands, which share `--data-dir`/`--config`.
//!
//! This module is the only place that prints to standard output. `site add` prints the token
//! alone on the last line so scripts can take it with `tail -n 1`.

use std::io::Read;
use std::path::PathBuf;

use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog_source;
use crate::config::{Config, Overrides};
use crate::db::Db;
use crate::server::{self, AppState};
use crate::store;

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
    /// Enrol, list and revoke sites.
    Site {
        /// Site command.
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Manage dashboard users.
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
    /// Check the configuration and catalogue without starting (for ExecStartPre).
    Check,
}

/// `site …`.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Enrol a site; prints its token once, alone on the last line.
    Add {
        /// Site name, e.g. "Riverside Surgery".
        name: String,
    },
    /// List sites.
    List,
    /// Revoke a site's token; its agents are refused from now on.
    Revoke {
        /// Site name.
        name: String,
    },
}

/// Dashboard roles.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Role {
    /// Can see everything.
    Viewer,
    /// Can also change the risk register and reload the catalogue.
    Admin,
}

/// `user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (or reset an existing user's password and role). The password is read from
    /// standard input unless --password-file is given.
    Add {
        /// Login name.
        name: String,
        /// Role.
        #[arg(long, value_enum, default_value = "viewer")]
        role: Role,
        /// File whose first line is the password.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
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
}

/// Runs a command to completion.
pub fn run(args: Args) -> anyhow::Result<()> {
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
        Command::Check => {
            let catalog = catalog_source::load(config.catalog_dir.as_deref())?;
            println!(
                "configuration ok; catalogue {} ({})",
                catalog.version(),
                catalog.origin
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
        Command::Site { command } => {
            let db = Db::open(&config).await?;
            site(&db, command).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    password_file,
                },
        } => {
            let db = Db::open(&config).await?;
            let password = read_password(password_file)?;
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
                .await??;
            let role = match role {
                Role::Viewer => "viewer",
                Role::Admin => "admin",
            };
            let name = name.trim();
            if name.is_empty() || name.len() > 200 {
                anyhow::bail!("a user name must be 1 to 200 characters");
            }
            store::upsert_user(&db, name, role, &hash, Utc::now()).await?;
            store::audit_event(
                &db,
                "cli",
                "user.add",
                &serde_json::json!({"user": name, "role": role}).to_string(),
                Utc::now(),
            )
            .await?;
            println!("user {name} ({role}) saved");
            Ok(())
        }
        Command::Catalog {
            command: CatalogCommand::Reload,
        } => {
            let db = Db::open(&config).await?;
            let catalog = catalog_source::load(config.catalog_dir.as_deref())?;
            let state = AppState::new(db, config, catalog);
            let report = state.reevaluate_all().await?;
            store::audit_event(
                &state.db,
                "cli",
                "catalog.reload",
                &serde_json::json!({"catalog_version": report.catalog_version, "hosts": report.hosts}).to_string(),
                Utc::now(),
            )
            .await?;
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

fn read_password(file: Option<PathBuf>) -> anyhow::Result<String> {
    let text = match file {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
        None => {
            let mut text = String::new();
            std::io::stdin().take(4096).read_to_string(&mut text)?;
            text
        }
    };
    let password = text.lines().next().unwrap_or("").to_string();
    if password.chars().count() < 8 {
        anyhow::bail!("the password must be at least 8 characters");
    }
    Ok(password)
}

async fn site(db: &Db, command: SiteCommand) -> anyhow::Result<()> {
    match command {
        SiteCommand::Add { name } => {
            let (site, token) = store::add_site(db, &name, Utc::now()).await?;
            println!("Site {:?} enrolled (id {}).", site.name, site.id);
            println!(
                "Put this token in the agents' configuration for the site; it is shown only once:"
            );
            println!("{token}");
        }
        SiteCommand::List => {
            let sites = store::list_sites(db).await?;
            println!(
                "{:<36}  {:<30}  {:>6}  {:<20}  revoked",
                "id", "name", "hosts", "created"
            );
            for s in sites {
                println!(
                    "{:<36}  {:<30}  {:>6}  {:<20}  {}",
                    s.id,
                    s.name,
                    s.hosts,
                    s.created_at,
                    s.revoked_at.unwrap_or_default()
                );
            }
        }
        SiteCommand::Revoke { name } => {
            if store::revoke_site(db, &name, Utc::now()).await? {
                println!("site {name:?} revoked");
            } else {
                anyhow::bail!("no active site named {name:?}");
            }
        }
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let catalog = catalog_source::load(config.catalog_dir.as_deref())?;
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
    println!(
        "Add a site:  sunset-collector --data-dir {data_dir:?} site add \"Riverside Surgery\""
    );
    println!("Add a user:  sunset-collector --data-dir {data_dir:?} user add alice --role admin");
    let state = AppState::new(db, config, catalog);
    server::run(state, listener, server::shutdown_signal()).await
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
