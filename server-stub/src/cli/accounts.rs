//! The command line's accounts: sites and their enrolment tokens, dashboard users and API tokens
//! (`site …`, `user …`, `token …`). Each command calls one [`crate::admin`] action as the operator
//! and prints what it did; a token is printed once, alone on the last line, so scripts can take it
//! with `tail -n 1`.

use std::io::Read;
use std::path::PathBuf;

use chrono::Utc;
use clap::Subcommand;

use crate::admin::{self, Admin, Role};
use crate::db::Db;
use crate::period::Period;
use crate::store;

/// `site …`.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Enrol a site (or a revoked one again, with its hosts); prints its token once, alone on the
    /// last line.
    Add {
        /// Site name, e.g. "Riverside Surgery".
        name: String,
        /// The organisation it belongs to (name, ODS code or id); default: the root, the whole
        /// estate (move it lower with `site move`); a revoked site enrolled again stays where it
        /// was.
        #[arg(long, value_name = "NAME|ODS")]
        org: Option<String>,
        /// The token stops working after this long, e.g. 90d (m, h, d, w); default: never.
        #[arg(long, value_name = "PERIOD")]
        expires: Option<Period>,
    },
    /// List sites.
    List,
    /// Move a site, with its hosts, to another organisation.
    Move {
        /// Site name.
        name: String,
        /// The organisation it now belongs to (name, ODS code or id).
        #[arg(long, value_name = "NAME|ODS")]
        org: String,
    },
    /// Revoke a site and all its tokens; its agents are refused from now on (`site add` or
    /// `site rotate-token` gives it a new token).
    Revoke {
        /// Site name.
        name: String,
    },
    /// Give a site a new token; its current tokens keep working for the grace period, then are
    /// refused. Prints the new token once, alone on the last line.
    RotateToken {
        /// Site name.
        name: String,
        /// How long the current tokens keep working, e.g. 7d, or 0 for not at all.
        #[arg(long, value_name = "PERIOD", default_value_t = admin::DEFAULT_GRACE)]
        grace: Period,
        /// The new token stops working after this long, e.g. 90d; default: never.
        #[arg(long, value_name = "PERIOD")]
        expires: Option<Period>,
    },
    /// List a site's tokens: created, last used, expiry, revocation (never the tokens).
    Tokens {
        /// Site name.
        name: String,
    },
    /// Revoke one of a site's tokens.
    RevokeToken {
        /// Site name.
        name: String,
        /// The token's id, or its first 8 or more characters (see `site tokens`).
        id: String,
    },
}

/// `user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (or reset an existing user's password, role and organisation). The password is
    /// read from standard input unless --password-file is given.
    Add {
        /// Login name.
        name: String,
        /// Role: viewer (sees), risk-owner (also edits the risk register), admin (also, on the
        /// whole estate, reloads the catalogue).
        #[arg(long, value_enum, default_value = "viewer")]
        role: Role,
        /// The organisation the role is granted on (name, ODS code or id): the user sees its
        /// sites and every site below it. Default: the root, the whole estate.
        #[arg(long, value_name = "NAME|ODS")]
        org: Option<String>,
        /// File whose first line is the password.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// List users: role, organisation, when added, last login.
    List,
    /// Remove a user: their sessions end and their API tokens are deleted.
    Remove {
        /// Login name.
        name: String,
    },
    /// Change a user's role (and organisation); it applies to their sessions at once.
    Role {
        /// Login name.
        name: String,
        /// The new role.
        #[arg(long, value_enum)]
        role: Role,
        /// The organisation it is granted on (name, ODS code or id); default: the one they have.
        #[arg(long, value_name = "NAME|ODS")]
        org: Option<String>,
    },
}

/// `token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token acting as USER; prints it once, alone on the last line.
    Add {
        /// The user the token acts as (with that user's role).
        user: String,
        /// A name for the token, e.g. "prometheus" or "cmdb-sync".
        #[arg(long)]
        name: String,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke USER's token NAME.
    Revoke {
        /// The user.
        user: String,
        /// The token's name.
        #[arg(long)]
        name: String,
    },
}

/// An optional time as listed: the time, or `-`.
fn or_dash(at: Option<&str>) -> &str {
    at.unwrap_or("-")
}

/// Runs a `site …` command.
pub async fn site(db: &Db, command: SiteCommand) -> anyhow::Result<()> {
    let operator = Admin::operator();
    let now = Utc::now();
    match command {
        SiteCommand::Add { name, org, expires } => {
            let (site, token) =
                admin::enrol_site(db, &operator, &name, org.as_deref(), expires, now).await?;
            println!(
                "Site {:?} enrolled under {} (id {}{}).",
                site.name,
                site.org,
                site.id,
                if site.hosts > 0 {
                    format!(", {} host(s) kept", site.hosts)
                } else {
                    String::new()
                }
            );
            if let Some(expires) = expires {
                println!(
                    "The token expires in {expires}, at {}.",
                    store::ts(now + expires.duration())
                );
            }
            println!(
                "Put this token in the agents' configuration for the site; it is shown only once:"
            );
            println!("{token}");
        }
        SiteCommand::List => {
            let sites = store::list_sites(db, &store::Scope::estate()).await?;
            println!(
                "{:<36}  {:<30}  {:<30}  {:>6}  {:<20}  revoked",
                "id", "name", "organisation", "hosts", "created"
            );
            for s in sites {
                println!(
                    "{:<36}  {:<30}  {:<30}  {:>6}  {:<20}  {}",
                    s.id,
                    s.name,
                    s.org,
                    s.hosts,
                    s.created_at,
                    s.revoked_at.unwrap_or_default()
                );
            }
        }
        SiteCommand::Move { name, org } => {
            let from = admin::move_site(db, &operator, &name, &org, now).await?;
            println!("site {name:?} moved from {from:?} to {org:?}");
        }
        SiteCommand::Revoke { name } => {
            admin::revoke_site(db, &operator, &name, now).await?;
            println!("site {name:?} and its tokens revoked");
        }
        SiteCommand::RotateToken {
            name,
            grace,
            expires,
        } => {
            let rotated =
                admin::rotate_site_token(db, &operator, &name, grace, expires, now).await?;
            println!(
                "Site {name:?} has a new token (id {}), {}.",
                rotated.token_id,
                match &rotated.expires_at {
                    Some(at) => format!("expiring at {at}"),
                    None => "not expiring".to_string(),
                }
            );
            if rotated.reactivated {
                println!("The site was revoked; it is active again.");
            }
            match &rotated.grace_until {
                Some(until) => println!(
                    "Its {} earlier token(s) keep working until {until} (grace {grace}), then are refused.",
                    rotated.replaced
                ),
                None => println!("It had no other working token."),
            }
            println!(
                "Put this token in the agents' configuration for the site; it is shown only once:"
            );
            println!("{}", rotated.token);
        }
        SiteCommand::Tokens { name } => {
            let Some(tokens) = store::list_site_tokens(db, &store::Scope::estate(), &name).await?
            else {
                anyhow::bail!("no site named {name:?}");
            };
            println!(
                "{:<36}  {:<7}  {:<20}  {:<20}  {:<20}  revoked",
                "id", "state", "created", "last used", "expires"
            );
            for t in tokens {
                println!(
                    "{:<36}  {:<7}  {:<20}  {:<20}  {:<20}  {}",
                    t.id,
                    t.state(now).as_str(),
                    t.created_at,
                    or_dash(t.last_used_at.as_deref()),
                    or_dash(t.expires_at.as_deref()),
                    or_dash(t.revoked_at.as_deref()),
                );
            }
        }
        SiteCommand::RevokeToken { name, id } => {
            let id = admin::revoke_site_token(db, &operator, &name, &id, now).await?;
            println!("token {id} of site {name:?} revoked");
        }
    }
    Ok(())
}

/// Runs a `user …` command.
pub async fn user(db: &Db, command: UserCommand) -> anyhow::Result<()> {
    let operator = Admin::operator();
    let now = Utc::now();
    match command {
        UserCommand::Add {
            name,
            role,
            org,
            password_file,
        } => {
            let password = read_password(password_file)?;
            let org =
                admin::add_user(db, &operator, &name, role, org.as_deref(), password, now).await?;
            println!("user {} ({role} of {org}) saved", name.trim());
        }
        UserCommand::List => {
            let users = store::list_users(db, &store::Scope::estate()).await?;
            println!(
                "{:<24}  {:<10}  {:<30}  {:<20}  last login",
                "name", "role", "organisation", "created"
            );
            for u in users {
                println!(
                    "{:<24}  {:<10}  {:<30}  {:<20}  {}",
                    u.name,
                    u.role.as_str(),
                    u.org,
                    u.created_at,
                    u.last_login_at.as_deref().unwrap_or("never")
                );
            }
        }
        UserCommand::Remove { name } => {
            let removed = admin::remove_user(db, &operator, &name, now).await?;
            println!(
                "user {name} removed ({} session(s) ended, {} API token(s) deleted)",
                removed.sessions, removed.tokens
            );
        }
        UserCommand::Role { name, role, org } => {
            let change =
                admin::set_user_role(db, &operator, &name, role, org.as_deref(), now).await?;
            println!(
                "user {name}: {} of {} → {role} of {}",
                change.from_role, change.from_org, change.to_org
            );
        }
    }
    Ok(())
}

/// Runs a `token …` command.
pub async fn token(db: &Db, command: TokenCommand) -> anyhow::Result<()> {
    let operator = Admin::operator();
    match command {
        TokenCommand::Add { user, name } => {
            let token = admin::issue_token(db, &operator, &user, &name, Utc::now()).await?;
            println!(
                "API token {:?} issued for {user}; send it as Authorization: Bearer <token>.",
                name.trim()
            );
            println!("It is shown only once:");
            println!("{token}");
        }
        TokenCommand::List => {
            println!("{:<24}  {:<24}  {:<20}  revoked", "user", "name", "created");
            for t in store::tokens::list(db).await? {
                println!(
                    "{:<24}  {:<24}  {:<20}  {}",
                    t.user,
                    t.name,
                    t.created_at,
                    t.revoked_at.unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { user, name } => {
            admin::revoke_token(db, &operator, &user, &name, Utc::now()).await?;
            println!("token {name:?} of {user} revoked");
        }
    }
    Ok(())
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
    Ok(text.lines().next().unwrap_or("").to_string())
}
