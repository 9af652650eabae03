//! Everything the collector reads from and writes to its database.
//!
//! Queries are written once for both back ends with bound `$n` parameters. Where a filter adds a
//! clause, the clause text comes from this file and only the value comes from the request. Writes
//! that belong together (a report, its findings and the host's history) share one transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};
use sunset_catalog::inventory::Inventory;
use uuid::Uuid;

use crate::auth;
use crate::db::Db;
use crate::verdict::{FindingRow, HostVerdict};

/// A database failure; callers log it and answer 500 or exit.
pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Columns per finding row in the multi-row insert.
const FINDING_COLUMNS: usize = 16;
/// Finding rows per insert statement (keeps bound parameters well under both back ends' limits).
const FINDINGS_PER_INSERT: usize = 400;

/// Formats an instant as stored: RFC 3339, UTC, whole seconds.
pub fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A bound value.
#[derive(Clone, Debug)]
pub enum Arg {
    /// Text.
    Text(String),
    /// Nullable text.
    OptText(Option<String>),
    /// Integer.
    Int(i64),
}

fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    args: &[Arg],
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::OptText(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
        };
    }
    query
}

/// A query under construction: clause text from code, values as bound arguments.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }
    /// Appends `clause`, replacing each `?` with the next `$n` and binding `arg`.
    fn push(&mut self, clause: &str, args: impl IntoIterator<Item = Arg>) {
        let mut args = args.into_iter();
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                if let Some(arg) = args.next() {
                    self.args.push(arg);
                }
                self.text.push_str(&format!("${}", self.args.len()));
            }
            self.text.push_str(part);
        }
    }
    fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        bind_all(sqlx::query(&self.text), &self.args)
    }
}

fn text(row: &AnyRow, column: &str) -> String {
    row.try_get::<Option<String>, _>(column)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn opt_text(row: &AnyRow, column: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(column).ok().flatten()
}

fn int(row: &AnyRow, column: &str) -> i64 {
    row.try_get::<Option<i64>, _>(column)
        .ok()
        .flatten()
        .unwrap_or_default()
}

// ----------------------------------------------------------------------------------------------
// Meta

/// Reads a `meta` value.
pub async fn meta_get(db: &Db, key: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(key.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| text(&r, "value")))
}

/// Writes a `meta` value.
pub async fn meta_set(db: &Db, key: &str, value: &str) -> Result<()> {
    db.write(async |conn| {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key.to_string())
        .bind(value.to_string())
        .execute(conn)
        .await
    })
    .await?;
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Sites

/// An enrolled site.
#[derive(Clone, Debug, Serialize)]
pub struct Site {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// When enrolled.
    pub created_at: String,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
    /// Hosts reporting for the site.
    pub hosts: i64,
}

/// Why a site could not be added.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// The name is taken.
    #[error("a site named {0:?} already exists")]
    Exists(String),
    /// The name is empty or too long.
    #[error("a site name must be 1 to 200 characters")]
    BadName,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Enrols a site; returns it and its token (shown once; only its hash is stored).
pub async fn add_site(
    db: &Db,
    name: &str,
    now: DateTime<Utc>,
) -> std::result::Result<(Site, String), SiteError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(SiteError::BadName);
    }
    let token = auth::new_site_token();
    let id = Uuid::new_v4().to_string();
    let result = db
        .write(async |conn| {
            sqlx::query(
                "INSERT INTO sites (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
            )
            .bind(id.clone())
            .bind(name.to_string())
            .bind(auth::hash_token(&token))
            .bind(ts(now))
            .execute(conn)
            .await
        })
        .await?;
    if result.rows_affected() == 0 {
        return Err(SiteError::Exists(name.to_string()));
    }
    let site = Site {
        id,
        name: name.to_string(),
        created_at: ts(now),
        revoked_at: None,
        hosts: 0,
    };
    Ok((site, token))
}

/// All sites, by name.
pub async fn list_sites(db: &Db) -> Result<Vec<Site>> {
    let rows = sqlx::query(
        "SELECT s.id, s.name, s.created_at, s.revoked_at, \
         (SELECT COUNT(*) FROM hosts h WHERE h.site_id = s.id) AS hosts \
         FROM sites s ORDER BY s.name",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Site {
            id: text(r, "id"),
            name: text(r, "name"),
            created_at: text(r, "created_at"),
            revoked_at: opt_text(r, "revoked_at"),
            hosts: int(r, "hosts"),
        })
        .collect())
}

/// Revokes a site's token; `false` when no active site has that name.
pub async fn revoke_site(db: &Db, name: &str, now: DateTime<Utc>) -> Result<bool> {
    let result = db
        .write(async |conn| {
            sqlx::query("UPDATE sites SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
                .bind(ts(now))
                .bind(name.to_string())
                .execute(conn)
                .await
        })
        .await?;
    Ok(result.rows_affected() > 0)
}

/// The active site a token belongs to.
pub async fn site_for_token(db: &Db, token: &str) -> Result<Option<(String, String)>> {
    let row =
        sqlx::query("SELECT id, name FROM sites WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(auth::hash_token(token))
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|r| (text(&r, "id"), text(&r, "name"))))
}

// ----------------------------------------------------------------------------------------------
// Users and sessions

/// A dashboard user.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub name: String,
    /// `viewer` or `admin`.
    pub role: String,
}

impl User {
    /// Whether the user may change the risk register and reload the catalogue.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// Adds or replaces a user (a second `user add` resets the password and role). A reset ends every
/// session the user had: whoever knew the old password is logged out.
pub async fn upsert_user(
    db: &Db,
    name: &str,
    role: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| {
        sqlx::query(
            "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(name.to_string())
        .bind(role.to_string())
        .bind(password_hash.to_string())
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)")
            .bind(name.to_string())
            .execute(&mut *conn)
            .await
    })
    .await?;
    Ok(())
}

/// A user and their password hash, by name.
pub async fn user_by_name(db: &Db, name: &str) -> Result<Option<(User, String)>> {
    let row = sqlx::query("SELECT id, name, role, password_hash FROM users WHERE name = $1")
        .bind(name.to_string())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| {
        (
            User {
                id: text(&r, "id"),
                name: text(&r, "name"),
                role: text(&r, "role"),
            },
            text(&r, "password_hash"),
        )
    }))
}

/// A logged-in session.
#[derive(Clone, Debug)]
pub struct Session {
    /// Who.
    pub user: User,
    /// The session's CSRF token, required on every form post.
    pub csrf_token: String,
}

/// Stores a new session; the caller gives the raw id to the browser.
pub async fn create_session(
    db: &Db,
    user: &User,
    session_id: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(auth::hash_token(session_id))
        .bind(user.id.clone())
        .bind(csrf_token.to_string())
        .bind(ts(now))
        .bind(ts(expires))
        .execute(&mut *conn)
        .await
    })
    .await?;
    Ok(())
}

/// The live session with this raw id.
pub async fn session(db: &Db, session_id: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
    let row = sqlx::query(
        "SELECT u.id, u.name, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2",
    )
    .bind(auth::hash_token(session_id))
    .bind(ts(now))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| Session {
        user: User {
            id: text(&r, "id"),
            name: text(&r, "name"),
            role: text(&r, "role"),
        },
        csrf_token: text(&r, "csrf_token"),
    }))
}

/// Ends a session.
pub async fn delete_session(db: &Db, session_id: &str) -> Result<()> {
    db.write(async |conn| {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(auth::hash_token(session_id))
            .execute(conn)
            .await
    })
    .await?;
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Ingest and re-evaluation

/// What happened to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Stored; the host now reflects it.
    Accepted,
    /// Already stored earlier under the same report id; nothing changed.
    Duplicate,
    /// Stored as received, but the host already has a newer inventory, which stays.
    Superseded,
    /// Refused and nothing stored but the audit entry: the host belongs to another site (a site's
    /// token cannot write another site's hosts; an admin moves a host with `host move`).
    #[serde(skip)]
    WrongSite,
}

/// A report ready to store: validated, evaluated, with the site its token belongs to.
#[derive(Clone, Debug)]
pub struct IngestJob {
    /// Site of the token.
    pub site_id: String,
    /// What the hosts table keeps of the inventory (the rest is in `inventory_gz`).
    pub facts: HostFacts,
    /// The inventory JSON gzip-compressed (usually the agent's request body as received), stored
    /// for re-evaluation and the host page.
    pub inventory_gz: bytes::Bytes,
    /// The collector's verdict.
    pub verdict: HostVerdict,
    /// Catalogue version of the verdict.
    pub catalog_version: String,
    /// Day of the verdict.
    pub today: NaiveDate,
    /// Receipt time.
    pub now: DateTime<Utc>,
    /// How far ahead of receipt an agent's clock may be: a stored `collected_at` beyond that is
    /// not trusted to order reports (it came from a bad clock before the limit existed).
    pub max_clock_skew: chrono::Duration,
}

/// What the hosts table keeps of an inventory beside the compressed inventory itself. Jobs carry
/// this rather than the whole parsed inventory, so the writer neither holds nor frees it.
#[derive(Clone, Debug)]
pub struct HostFacts {
    /// The inventory's host section.
    pub host: sunset_catalog::inventory::Host,
    /// OS family as written in reports (`windows`, …).
    pub os_family: Option<String>,
    /// OS name.
    pub os_name: String,
    /// OS version.
    pub os_version: String,
}

impl HostFacts {
    /// The facts of an inventory.
    pub fn of(inventory: &Inventory) -> HostFacts {
        HostFacts {
            host: inventory.host.clone(),
            os_family: inventory.os.family.and_then(|f| {
                serde_json::to_value(f)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            }),
            os_name: inventory.os.name.clone(),
            os_version: inventory.os.version.clone(),
        }
    }
}

/// Stores a report, its inventory and findings in one transaction, keyed by report id.
pub async fn ingest(db: &Db, job: &IngestJob) -> Result<IngestOutcome> {
    db.write(async |conn| ingest_on(conn, job).await).await
}

/// Stores several reports in one transaction (group commit: one sync to disk for all). If any
/// fails, each is retried in its own transaction so one bad report cannot fail the others.
pub async fn ingest_batch(db: &Db, jobs: &[IngestJob]) -> Vec<Result<IngestOutcome>> {
    if jobs.len() == 1 {
        return vec![ingest(db, &jobs[0]).await];
    }
    let together = db
        .write(async |conn| {
            let mut outcomes = Vec::with_capacity(jobs.len());
            for job in jobs {
                outcomes.push(ingest_on(conn, job).await?);
            }
            Ok(outcomes)
        })
        .await;
    match together {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::warn!(error = %e, reports = jobs.len(), "batched commit failed; storing one by one");
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                results.push(ingest(db, job).await);
            }
            results
        }
    }
}

/// Stores one report inside the caller's transaction; a duplicate writes nothing.
async fn ingest_on(tx: &mut AnyConnection, job: &IngestJob) -> Result<IngestOutcome> {
    let IngestJob {
        site_id,
        facts,
        inventory_gz,
        verdict,
        catalog_version,
        today,
        now,
        max_clock_skew,
    } = job;
    let (today, now) = (*today, *now);
    let host = &facts.host;
    let host_id = host.host_id.to_string();
    let collected_at = ts(host.collected_at);
    let now_text = ts(now);
    crate::db::lock_host(tx, &host_id).await?;
    let previous =
        sqlx::query("SELECT site_id, status, collected_at FROM hosts WHERE host_id = $1")
            .bind(host_id.clone())
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(previous) = &previous
        && text(previous, "site_id") != *site_id
    {
        let owner = text(previous, "site_id");
        tracing::warn!(host_id = %host_id, report_site = %site_id, owner_site = %owner, "report refused: the host belongs to another site");
        let detail = serde_json::json!({
            "host_id": host_id, "report_id": host.report_id.to_string(),
            "hostname": host.hostname, "owner_site_id": owner,
        });
        audit_on(
            tx,
            &format!("site:{site_id}"),
            "host.wrong_site",
            &detail.to_string(),
            now,
        )
        .await?;
        return Ok(IngestOutcome::WrongSite);
    }
    let receipt = sqlx::query(
        "INSERT INTO reports (report_id, host_id, site_id, collected_at, received_at, catalog_version) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id) DO NOTHING",
    )
    .bind(host.report_id.to_string())
    .bind(host_id.clone())
    .bind(site_id.to_string())
    .bind(collected_at.clone())
    .bind(now_text.clone())
    .bind(catalog_version.to_string())
    .execute(&mut *tx)
    .await?;
    if receipt.rows_affected() == 0 {
        return Ok(IngestOutcome::Duplicate);
    }
    // An older inventory than the stored one does not replace it, unless the stored one claims a
    // time too far ahead of now to trust (its agent's clock was wrong).
    let trusted_until = ts(now + *max_clock_skew);
    if let Some(previous) = &previous
        && text(previous, "collected_at") > collected_at
        && text(previous, "collected_at") <= trusted_until
    {
        sqlx::query("UPDATE hosts SET last_seen_at = $1 WHERE host_id = $2")
            .bind(now_text.clone())
            .bind(host_id.clone())
            .execute(&mut *tx)
            .await?;
        return Ok(IngestOutcome::Superseded);
    }
    let previous_status = previous.as_ref().map(|r| text(r, "status"));
    let status_since = match &previous_status {
        Some(old) if old == verdict.status => None,
        _ => Some(now_text.clone()),
    };
    sqlx::query(
        "INSERT INTO hosts (host_id, site_id, hostname, hostname_lower, site_tag, os_family, os_name, os_version, \
         agent_version, collected_at, first_seen_at, last_seen_at, last_report_id, status, status_since, os_status, \
         software_status, hardware_status, finding_count, unsupported_count, next_unsupported_on, catalog_version, \
         evaluated_on, inventory, inventory_gz) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, '', $23) \
         ON CONFLICT (host_id) DO UPDATE SET site_id = excluded.site_id, hostname = excluded.hostname, \
         hostname_lower = excluded.hostname_lower, site_tag = excluded.site_tag, os_family = excluded.os_family, \
         os_name = excluded.os_name, os_version = excluded.os_version, agent_version = excluded.agent_version, \
         collected_at = excluded.collected_at, last_seen_at = excluded.last_seen_at, \
         last_report_id = excluded.last_report_id, status = excluded.status, \
         status_since = COALESCE($24, hosts.status_since), os_status = excluded.os_status, \
         software_status = excluded.software_status, hardware_status = excluded.hardware_status, \
         finding_count = excluded.finding_count, unsupported_count = excluded.unsupported_count, \
         next_unsupported_on = excluded.next_unsupported_on, catalog_version = excluded.catalog_version, \
         evaluated_on = excluded.evaluated_on, inventory = excluded.inventory, \
         inventory_gz = excluded.inventory_gz",
    )
    .bind(host_id.clone())
    .bind(site_id.to_string())
    .bind(host.hostname.clone())
    .bind(host.hostname.to_lowercase())
    .bind(host.site.clone())
    .bind(facts.os_family.clone())
    .bind(facts.os_name.clone())
    .bind(facts.os_version.clone())
    .bind(host.agent_version.clone())
    .bind(collected_at)
    .bind(now_text.clone())
    .bind(host.report_id.to_string())
    .bind(verdict.status)
    .bind(now_text.clone())
    .bind(verdict.os_status)
    .bind(verdict.software_status)
    .bind(verdict.hardware_status)
    .bind(verdict.findings.len() as i64)
    .bind(verdict.unsupported_count)
    .bind(verdict.next_unsupported_on.map(|d| d.to_string()))
    .bind(catalog_version.to_string())
    .bind(today.to_string())
    .bind(inventory_gz.to_vec())
    .bind(status_since)
    .execute(&mut *tx)
    .await?;
    replace_findings(tx, &host_id, verdict, &now_text).await?;
    record_status_change(
        tx,
        &host_id,
        previous_status.as_deref(),
        verdict.status,
        catalog_version,
        &now_text,
    )
    .await?;
    Ok(IngestOutcome::Accepted)
}

pub(crate) async fn record_status_change(
    conn: &mut AnyConnection,
    host_id: &str,
    old: Option<&str>,
    new: &str,
    catalog_version: &str,
    now: &str,
) -> Result<()> {
    if old == Some(new) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO host_status_changes (id, host_id, changed_at, old_status, new_status, catalog_version) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(host_id.to_string())
    .bind(now.to_string())
    .bind(old.map(str::to_string))
    .bind(new.to_string())
    .bind(catalog_version.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Brings a host's stored findings in line with `verdict`, keeping each finding's first-seen time
/// and, when its status did not change, the time it has had that status.
///
/// Only what changed is written: a finding stored exactly as it would be written again is left
/// alone, changed and new ones are upserted, and gone ones deleted. Most reports repeat the last
/// night's findings, so they cost one read here instead of rewriting every row and its indexes.
pub(crate) async fn replace_findings(
    conn: &mut AnyConnection,
    host_id: &str,
    verdict: &HostVerdict,
    now: &str,
) -> Result<()> {
    let old_rows = sqlx::query(
        "SELECT finding_key, target, kind, product_id, product_name, subject, installed_version, cycle, \
         cycle_label, status, security_support_end, extended_support_end, first_seen_at, status_since, detail \
         FROM findings WHERE host_id = $1",
    )
    .bind(host_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut old: HashMap<String, &AnyRow> = old_rows
        .iter()
        .map(|r| (text(r, "finding_key"), r))
        .collect();
    let mut writes: Vec<(&FindingRow, String, String)> = Vec::new();
    for f in &verdict.findings {
        let (first_seen, status_since) = match old.remove(&f.key) {
            Some(row) if text(row, "status") == f.status => {
                if stored_as(row, f) {
                    continue;
                }
                (text(row, "first_seen_at"), text(row, "status_since"))
            }
            Some(row) => (text(row, "first_seen_at"), now.to_string()),
            None => (now.to_string(), now.to_string()),
        };
        writes.push((f, first_seen, status_since));
    }
    let gone: Vec<&String> = old.keys().collect();
    for chunk in gone.chunks(FINDINGS_PER_INSERT) {
        let mut sql = Sql::new("DELETE FROM findings WHERE host_id = ");
        sql.push("?", [Arg::Text(host_id.to_string())]);
        sql.push(" AND finding_key IN (", []);
        for (i, key) in chunk.iter().enumerate() {
            sql.push(
                if i == 0 { "?" } else { ", ?" },
                [Arg::Text((*key).clone())],
            );
        }
        sql.push(")", []);
        sql.query().execute(&mut *conn).await?;
    }
    for chunk in writes.chunks(FINDINGS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO findings (host_id, finding_key, target, kind, product_id, product_name, subject, \
             installed_version, cycle, cycle_label, status, security_support_end, extended_support_end, \
             first_seen_at, status_since, detail) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..FINDING_COLUMNS {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * FINDING_COLUMNS + c + 1));
            }
            sql.push(')');
        }
        sql.push_str(
            " ON CONFLICT (host_id, finding_key) DO UPDATE SET target = excluded.target, \
             kind = excluded.kind, product_id = excluded.product_id, product_name = excluded.product_name, \
             subject = excluded.subject, installed_version = excluded.installed_version, \
             cycle = excluded.cycle, cycle_label = excluded.cycle_label, status = excluded.status, \
             security_support_end = excluded.security_support_end, \
             extended_support_end = excluded.extended_support_end, first_seen_at = excluded.first_seen_at, \
             status_since = excluded.status_since, detail = excluded.detail",
        );
        let mut query = sqlx::query(&sql);
        for (f, first_seen, status_since) in chunk {
            query = bind_finding(query, host_id, f, first_seen.clone(), status_since.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Whether a stored finding row already holds exactly what writing `f` (same status) would store.
fn stored_as(row: &AnyRow, f: &FindingRow) -> bool {
    text(row, "target") == f.target
        && text(row, "kind") == f.kind
        && text(row, "product_id") == f.product_id
        && text(row, "product_name") == f.product_name
        && text(row, "subject") == f.subject
        && opt_text(row, "installed_version") == f.installed_version
        && opt_text(row, "cycle") == f.cycle
        && opt_text(row, "cycle_label") == f.cycle_label
        && opt_text(row, "security_support_end") == f.security_support_end
        && opt_text(row, "extended_support_end") == f.extended_support_end
        && text(row, "detail") == f.detail
}

fn bind_finding<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    host_id: &str,
    f: &FindingRow,
    first_seen: String,
    status_since: String,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(host_id.to_string())
        .bind(f.key.clone())
        .bind(f.target)
        .bind(f.kind.clone())
        .bind(f.product_id.clone())
        .bind(f.product_name.clone())
        .bind(f.subject.clone())
        .bind(f.installed_version.clone())
        .bind(f.cycle.clone())
        .bind(f.cycle_label.clone())
        .bind(f.status)
        .bind(f.security_support_end.clone())
        .bind(f.extended_support_end.clone())
        .bind(first_seen)
        .bind(status_since)
        .bind(f.detail.clone())
}

/// Largest stored inventory read back, decompressed (the most `max_decompressed_bytes` may be).
pub const MAX_STORED_INVENTORY_BYTES: usize = 64 * 1024 * 1024;

/// A stored inventory: gzip-compressed JSON (`inventory_gz`), or, for rows written before
/// compression, JSON text (`inventory`).
#[derive(Clone, Debug)]
pub enum StoredInventory {
    /// gzip-compressed JSON.
    Gzip(Vec<u8>),
    /// JSON text.
    Text(String),
}

impl StoredInventory {
    /// From a row with `inventory` and `inventory_gz` columns.
    pub fn from_row(row: &AnyRow) -> StoredInventory {
        match row
            .try_get::<Option<Vec<u8>>, _>("inventory_gz")
            .ok()
            .flatten()
        {
            Some(gz) => StoredInventory::Gzip(gz),
            None => StoredInventory::Text(text(row, "inventory")),
        }
    }

    /// The JSON bytes (decompressing at most [`MAX_STORED_INVENTORY_BYTES`]).
    pub fn json(&self) -> std::result::Result<std::borrow::Cow<'_, [u8]>, String> {
        match self {
            StoredInventory::Text(text) => Ok(std::borrow::Cow::Borrowed(text.as_bytes())),
            StoredInventory::Gzip(gz) => {
                use std::io::Read;
                let mut out = Vec::with_capacity((gz.len() * 8).min(1024 * 1024));
                flate2::read::MultiGzDecoder::new(gz.as_slice())
                    .take(MAX_STORED_INVENTORY_BYTES as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("stored inventory is not valid gzip: {e}"))?;
                if out.len() > MAX_STORED_INVENTORY_BYTES {
                    return Err("stored inventory is larger than the limit".to_string());
                }
                Ok(std::borrow::Cow::Owned(out))
            }
        }
    }

    /// The typed inventory: what the collector understands of it, never more (fields it does not
    /// know are skipped, not kept), so what is served is bounded by the inventory's own limits.
    pub fn inventory(&self) -> std::result::Result<Inventory, String> {
        let json = self.json()?;
        serde_json::from_slice(&json).map_err(|e| format!("stored inventory unreadable: {e}"))
    }
}

/// Deletes report receipts, history and hosts older than the retention period.
pub async fn purge(db: &Db, cutoff: DateTime<Utc>) -> Result<u64> {
    let cutoff = ts(cutoff);
    db.write(async |tx| {
        let mut removed = 0;
        for sql in [
            "DELETE FROM reports WHERE received_at < $1",
            "DELETE FROM host_status_changes WHERE changed_at < $1",
            "DELETE FROM findings WHERE host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1)",
            "DELETE FROM hosts WHERE last_seen_at < $1",
        ] {
            removed += sqlx::query(sql)
                .bind(cutoff.clone())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        Ok(removed)
    })
    .await
}

// ----------------------------------------------------------------------------------------------
// Reading: filters, hosts, findings, summary

/// Largest `offset` a listing accepts.
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// Filters shared by the dashboard, the JSON API and the exports.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Filter {
    /// Site name, exact.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub site: Option<String>,
    /// Status (`unsupported`, …).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub status: Option<String>,
    /// Catalogue product id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub product: Option<String>,
    /// OS name, substring, case-insensitive.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub os: Option<String>,
    /// Host name, substring, case-insensitive.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub q: Option<String>,
    /// Finding target (`os`, `software`, `hardware`); findings only.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub target: Option<String>,
    /// Only hosts not seen for the stale period (`true`).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub stale: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Rows to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn value(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(200).collect())
}

/// `%text%` for LIKE with `\` escaping, lower-cased.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

const STATUS_ORDER: &str = "CASE {col} WHEN 'unsupported' THEN 0 WHEN 'extended' THEN 1 WHEN 'expiring' THEN 2 \
                            WHEN 'unknown' THEN 3 ELSE 4 END";

fn status_order(column: &str) -> String {
    STATUS_ORDER.replace("{col}", column)
}

impl Filter {
    fn host_clauses(&self, sql: &mut Sql, stale_cutoff: &str) {
        if let Some(site) = value(&self.site) {
            sql.push(" AND s.name = ?", [Arg::Text(site)]);
        }
        if let Some(status) = value(&self.status) {
            sql.push(" AND h.status = ?", [Arg::Text(status)]);
        }
        if let Some(product) = value(&self.product) {
            sql.push(
                " AND h.host_id IN (SELECT fp.host_id FROM findings fp WHERE fp.product_id = ?)",
                [Arg::Text(product)],
            );
        }
        if let Some(os) = value(&self.os) {
            sql.push(
                " AND LOWER(h.os_name) LIKE ? ESCAPE '\\'",
                [Arg::Text(contains_pattern(&os))],
            );
        }
        if let Some(q) = value(&self.q) {
            sql.push(
                " AND h.hostname_lower LIKE ? ESCAPE '\\'",
                [Arg::Text(contains_pattern(&q))],
            );
        }
        if value(&self.stale).is_some_and(|v| v != "false" && v != "0") {
            sql.push(
                " AND h.last_seen_at < ?",
                [Arg::Text(stale_cutoff.to_string())],
            );
        }
    }

    /// Whether any host-level filter is set.
    pub fn narrows_hosts(&self) -> bool {
        [
            &self.site,
            &self.status,
            &self.product,
            &self.os,
            &self.q,
            &self.stale,
        ]
        .iter()
        .any(|v| value(v).is_some())
    }

    /// Page bounds: at most `max` rows, from an offset of 0 to [`MAX_OFFSET`] (anything else is
    /// refused, so `offset + limit` can never overflow).
    pub fn page(&self, default: i64, max: i64) -> std::result::Result<(i64, i64), String> {
        let limit = self.limit.unwrap_or(default).clamp(1, max);
        let offset = self.offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(format!("offset must be 0 to {MAX_OFFSET} (got {offset})"));
        }
        Ok((limit, offset))
    }
}

/// A host as listed.
#[derive(Clone, Debug, Serialize)]
pub struct HostRow {
    /// Agent's host id.
    pub host_id: String,
    /// Host name.
    pub hostname: String,
    /// Enrolled site.
    pub site: String,
    /// Site tag the agent reported.
    pub site_tag: Option<String>,
    /// OS name.
    pub os_name: String,
    /// OS version.
    pub os_version: String,
    /// Worst status.
    pub status: String,
    /// Since when it has had that status.
    pub status_since: String,
    /// OS status.
    pub os_status: Option<String>,
    /// Worst software status.
    pub software_status: Option<String>,
    /// Hardware status.
    pub hardware_status: Option<String>,
    /// Findings.
    pub finding_count: i64,
    /// Unsupported findings.
    pub unsupported_count: i64,
    /// Next day something becomes unsupported.
    pub next_unsupported_on: Option<String>,
    /// Last report received.
    pub last_seen_at: String,
    /// When the last inventory was taken.
    pub collected_at: String,
    /// Agent version.
    pub agent_version: String,
    /// Catalogue version of the verdicts.
    pub catalog_version: String,
}

const HOST_COLUMNS: &str = "h.host_id, h.hostname, s.name AS site, h.site_tag, h.os_name, h.os_version, h.status, \
    h.status_since, h.os_status, h.software_status, h.hardware_status, h.finding_count, h.unsupported_count, \
    h.next_unsupported_on, h.last_seen_at, h.collected_at, h.agent_version, h.catalog_version";

fn host_row(r: &AnyRow) -> HostRow {
    HostRow {
        host_id: text(r, "host_id"),
        hostname: text(r, "hostname"),
        site: text(r, "site"),
        site_tag: opt_text(r, "site_tag"),
        os_name: text(r, "os_name"),
        os_version: text(r, "os_version"),
        status: text(r, "status"),
        status_since: text(r, "status_since"),
        os_status: opt_text(r, "os_status"),
        software_status: opt_text(r, "software_status"),
        hardware_status: opt_text(r, "hardware_status"),
        finding_count: int(r, "finding_count"),
        unsupported_count: int(r, "unsupported_count"),
        next_unsupported_on: opt_text(r, "next_unsupported_on"),
        last_seen_at: text(r, "last_seen_at"),
        collected_at: text(r, "collected_at"),
        agent_version: text(r, "agent_version"),
        catalog_version: text(r, "catalog_version"),
    }
}

/// Hosts matching a filter, worst first, and how many match in all.
pub async fn hosts(
    db: &Db,
    filter: &Filter,
    stale_cutoff: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<HostRow>, i64)> {
    let mut count =
        Sql::new("SELECT COUNT(*) AS n FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1");
    filter.host_clauses(&mut count, stale_cutoff);
    let total = int(&count.query().fetch_one(&db.pool).await?, "n");
    let mut sql = Sql::new(&format!(
        "SELECT {HOST_COLUMNS} FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1"
    ));
    filter.host_clauses(&mut sql, stale_cutoff);
    sql.push(
        &format!(
            " ORDER BY {}, h.hostname_lower, h.host_id LIMIT ? OFFSET ?",
            status_order("h.status")
        ),
        [Arg::Int(limit), Arg::Int(offset)],
    );
    let rows = sql.query().fetch_all(&db.pool).await?;
    Ok((rows.iter().map(host_row).collect(), total))
}

/// A finding as listed, with its host.
#[derive(Clone, Debug, Serialize)]
pub struct FindingListRow {
    /// Host id.
    pub host_id: String,
    /// Host name.
    pub hostname: String,
    /// Site.
    pub site: String,
    /// Finding key within the host.
    pub finding_key: String,
    /// `os`, `software`, `hardware`.
    pub target: String,
    /// Product kind.
    pub kind: String,
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// What is installed.
    pub subject: String,
    /// Installed version.
    pub installed_version: Option<String>,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    pub status: String,
    /// End of security support.
    pub security_support_end: Option<String>,
    /// End of extended support.
    pub extended_support_end: Option<String>,
    /// First reported.
    pub first_seen_at: String,
    /// Has had this status since.
    pub status_since: String,
}

fn finding_row(r: &AnyRow) -> FindingListRow {
    FindingListRow {
        host_id: text(r, "host_id"),
        hostname: text(r, "hostname"),
        site: text(r, "site"),
        finding_key: text(r, "finding_key"),
        target: text(r, "target"),
        kind: text(r, "kind"),
        product_id: text(r, "product_id"),
        product_name: text(r, "product_name"),
        subject: text(r, "subject"),
        installed_version: opt_text(r, "installed_version"),
        cycle: opt_text(r, "cycle"),
        cycle_label: opt_text(r, "cycle_label"),
        status: text(r, "status"),
        security_support_end: opt_text(r, "security_support_end"),
        extended_support_end: opt_text(r, "extended_support_end"),
        first_seen_at: text(r, "first_seen_at"),
        status_since: text(r, "status_since"),
    }
}

const FINDING_COLUMNS_SELECT: &str = "f.host_id, h.hostname, s.name AS site, f.finding_key, f.target, f.kind, \
    f.product_id, f.product_name, f.subject, f.installed_version, f.cycle, f.cycle_label, f.status, \
    f.security_support_end, f.extended_support_end, f.first_seen_at, f.status_since";

/// Findings matching a filter (status and product apply to the finding), worst first.
pub async fn findings(
    db: &Db,
    filter: &Filter,
    stale_cutoff: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<FindingListRow>, i64)> {
    let build = |select: &str| {
        let mut sql = Sql::new(&format!(
            "SELECT {select} FROM findings f JOIN hosts h ON h.host_id = f.host_id JOIN sites s ON s.id = h.site_id WHERE 1 = 1"
        ));
        let host_filter = Filter {
            status: None,
            product: None,
            ..filter.clone()
        };
        host_filter.host_clauses(&mut sql, stale_cutoff);
        if let Some(status) = value(&filter.status) {
            sql.push(" AND f.status = ?", [Arg::Text(status)]);
        }
        if let Some(product) = value(&filter.product) {
            sql.push(" AND f.product_id = ?", [Arg::Text(product)]);
        }
        if let Some(target) = value(&filter.target) {
            sql.push(" AND f.target = ?", [Arg::Text(target)]);
        }
        sql
    };
    let count = build("COUNT(*) AS n");
    let total = int(&count.query().fetch_one(&db.pool).await?, "n");
    let mut sql = build(FINDING_COLUMNS_SELECT);
    sql.push(
        &format!(
            " ORDER BY {}, f.product_id, h.hostname_lower, f.finding_key LIMIT ? OFFSET ?",
            status_order("f.status")
        ),
        [Arg::Int(limit), Arg::Int(offset)],
    );
    let rows = sql.query().fetch_all(&db.pool).await?;
    Ok((rows.iter().map(finding_row).collect(), total))
}

/// The estate at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by worst status.
    pub by_status: Vec<(String, i64)>,
    /// Hosts with an unsupported OS.
    pub hosts_unsupported_os: i64,
    /// Hosts with unsupported software.
    pub hosts_unsupported_software: i64,
    /// Hosts with unsupported hardware.
    pub hosts_unsupported_hardware: i64,
    /// Unsupported findings by target (`os`, `software`, `hardware`).
    pub unsupported_items: Vec<(String, i64)>,
    /// Per site: hosts by status.
    pub by_site: Vec<SiteSummary>,
    /// Hosts not seen for the stale period.
    pub stale_hosts: i64,
    /// Hosts (not yet unsupported) becoming unsupported, by month (`YYYY-MM`), next 24 months.
    pub forecast: Vec<(String, i64)>,
    /// Risk records in force.
    pub risks_accepted: i64,
}

/// One site's hosts by status.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteSummary {
    /// Site name.
    pub site: String,
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by status.
    pub by_status: Vec<(String, i64)>,
}

/// Summary of hosts matching a filter.
pub async fn summary(
    db: &Db,
    filter: &Filter,
    stale_cutoff: &str,
    today: NaiveDate,
) -> Result<Summary> {
    let mut sql = Sql::new(
        "SELECT s.name AS site, h.status AS status, COUNT(*) AS n, \
         CAST(SUM(CASE WHEN h.os_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS os_n, \
         CAST(SUM(CASE WHEN h.software_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS sw_n, \
         CAST(SUM(CASE WHEN h.hardware_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS hw_n, \
         CAST(SUM(CASE WHEN h.last_seen_at < ? THEN 1 ELSE 0 END) AS BIGINT) AS stale_n \
         FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
    );
    sql.args.push(Arg::Text(stale_cutoff.to_string()));
    sql.text = sql.text.replacen('?', "$1", 1);
    filter.host_clauses(&mut sql, stale_cutoff);
    sql.text
        .push_str(" GROUP BY s.name, h.status ORDER BY s.name");
    let rows = sql.query().fetch_all(&db.pool).await?;
    let mut out = Summary::default();
    let mut by_status: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        let site = text(r, "site");
        let status = text(r, "status");
        let n = int(r, "n");
        out.hosts += n;
        out.hosts_unsupported_os += int(r, "os_n");
        out.hosts_unsupported_software += int(r, "sw_n");
        out.hosts_unsupported_hardware += int(r, "hw_n");
        out.stale_hosts += int(r, "stale_n");
        *by_status.entry(status.clone()).or_default() += n;
        if out.by_site.last().is_none_or(|s| s.site != site) {
            out.by_site.push(SiteSummary {
                site: site.clone(),
                ..SiteSummary::default()
            });
        }
        if let Some(entry) = out.by_site.last_mut() {
            entry.hosts += n;
            entry.by_status.push((status, n));
        }
    }
    out.by_status = sorted_statuses(by_status);
    for site in &mut out.by_site {
        site.by_status = sorted_statuses(site.by_status.drain(..).collect());
    }

    // Unfiltered, the count is answered from the (status, target) index alone.
    let mut items = if filter.narrows_hosts() {
        let mut sql = Sql::new(
            "SELECT f.target AS target, COUNT(*) AS n FROM findings f JOIN hosts h ON h.host_id = f.host_id \
             JOIN sites s ON s.id = h.site_id WHERE f.status = 'unsupported'",
        );
        filter.host_clauses(&mut sql, stale_cutoff);
        sql
    } else {
        Sql::new(
            "SELECT f.target AS target, COUNT(*) AS n FROM findings f WHERE f.status = 'unsupported'",
        )
    };
    items.text.push_str(" GROUP BY f.target ORDER BY f.target");
    out.unsupported_items = items
        .query()
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (text(r, "target"), int(r, "n")))
        .collect();

    let first_month = today.with_day0(0).unwrap_or(today);
    let horizon = first_month
        .checked_add_months(chrono::Months::new(24))
        .unwrap_or(today);
    let mut forecast = Sql::new(
        "SELECT SUBSTR(h.next_unsupported_on, 1, 7) AS month, COUNT(*) AS n FROM hosts h \
         JOIN sites s ON s.id = h.site_id WHERE h.status <> 'unsupported'",
    );
    forecast.push(
        " AND h.next_unsupported_on > ? AND h.next_unsupported_on < ?",
        [Arg::Text(today.to_string()), Arg::Text(horizon.to_string())],
    );
    filter.host_clauses(&mut forecast, stale_cutoff);
    forecast
        .text
        .push_str(" GROUP BY SUBSTR(h.next_unsupported_on, 1, 7) ORDER BY month");
    let counts: HashMap<String, i64> = forecast
        .query()
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| (text(r, "month"), int(r, "n")))
        .collect();
    let mut month = first_month;
    for _ in 0..24 {
        let key = month.format("%Y-%m").to_string();
        out.forecast
            .push((key.clone(), counts.get(&key).copied().unwrap_or(0)));
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(month);
    }

    let risks = sqlx::query("SELECT COUNT(*) AS n FROM risks WHERE review_date >= $1")
        .bind(today.to_string())
        .fetch_one(&db.pool)
        .await?;
    out.risks_accepted = int(&risks, "n");
    Ok(out)
}

use chrono::Datelike;

fn sorted_statuses(counts: HashMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = counts.into_iter().collect();
    v.sort_by_key(|(s, _)| (crate::verdict::status_rank(s), s.clone()));
    v
}

/// Findings by product and release: how many hosts have each, by status.
#[derive(Clone, Debug, Serialize)]
pub struct ProductRow {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    pub status: String,
    /// Findings (installations).
    pub installations: i64,
    /// Distinct hosts.
    pub hosts: i64,
}

/// Installations by product and release.
pub async fn products(db: &Db, filter: &Filter, stale_cutoff: &str) -> Result<Vec<ProductRow>> {
    let mut sql = Sql::new(
        "SELECT f.product_id, MAX(f.product_name) AS product_name, f.cycle, MAX(f.cycle_label) AS cycle_label, \
         f.status, COUNT(*) AS n, COUNT(DISTINCT f.host_id) AS hosts \
         FROM findings f JOIN hosts h ON h.host_id = f.host_id JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
    );
    let host_filter = Filter {
        status: None,
        product: None,
        ..filter.clone()
    };
    host_filter.host_clauses(&mut sql, stale_cutoff);
    if let Some(status) = value(&filter.status) {
        sql.push(" AND f.status = ?", [Arg::Text(status)]);
    }
    if let Some(product) = value(&filter.product) {
        sql.push(" AND f.product_id = ?", [Arg::Text(product)]);
    }
    sql.text.push_str(&format!(
        " GROUP BY f.product_id, f.cycle, f.status ORDER BY {}, f.product_id, f.cycle",
        status_order("f.status")
    ));
    let rows = sql.query().fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|r| ProductRow {
            product_id: text(r, "product_id"),
            product_name: text(r, "product_name"),
            cycle: opt_text(r, "cycle"),
            cycle_label: opt_text(r, "cycle_label"),
            status: text(r, "status"),
            installations: int(r, "n"),
            hosts: int(r, "hosts"),
        })
        .collect())
}

/// Hosts per status, for `/metrics`.
pub async fn host_status_counts(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM hosts GROUP BY status")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (text(r, "status"), int(r, "n")))
        .collect())
}

/// One host in full.
#[derive(Clone, Debug, Serialize)]
pub struct HostDetail {
    /// The listing row.
    pub host: HostRow,
    /// First report received.
    pub first_seen_at: String,
    /// Latest inventory as stored.
    #[serde(skip)]
    pub inventory: StoredInventory,
    /// Findings with their full detail (JSON text).
    pub findings: Vec<(FindingListRow, String)>,
    /// Status history, newest first.
    pub history: Vec<StatusChange>,
}

/// A change of a host's status.
#[derive(Clone, Debug, Serialize)]
pub struct StatusChange {
    /// When.
    pub changed_at: String,
    /// From.
    pub old_status: Option<String>,
    /// To.
    pub new_status: String,
    /// Catalogue version of the new verdict.
    pub catalog_version: String,
}

/// A host by id.
pub async fn host(db: &Db, host_id: &str) -> Result<Option<HostDetail>> {
    let row = sqlx::query(&format!(
        "SELECT {HOST_COLUMNS}, h.first_seen_at, h.inventory, h.inventory_gz FROM hosts h JOIN sites s ON s.id = h.site_id \
         WHERE h.host_id = $1"
    ))
    .bind(host_id.to_string())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let findings = sqlx::query(&format!(
        "SELECT {FINDING_COLUMNS_SELECT}, f.detail FROM findings f JOIN hosts h ON h.host_id = f.host_id \
         JOIN sites s ON s.id = h.site_id WHERE f.host_id = $1 ORDER BY {}, f.target, f.product_id, f.finding_key",
        status_order("f.status")
    ))
    .bind(host_id.to_string())
    .fetch_all(&db.pool)
    .await?;
    let history = sqlx::query(
        "SELECT changed_at, old_status, new_status, catalog_version FROM host_status_changes \
         WHERE host_id = $1 ORDER BY changed_at DESC, id LIMIT 200",
    )
    .bind(host_id.to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(Some(HostDetail {
        host: host_row(&row),
        first_seen_at: text(&row, "first_seen_at"),
        inventory: StoredInventory::from_row(&row),
        findings: findings
            .iter()
            .map(|r| (finding_row(r), text(r, "detail")))
            .collect(),
        history: history
            .iter()
            .map(|r| StatusChange {
                changed_at: text(r, "changed_at"),
                old_status: opt_text(r, "old_status"),
                new_status: text(r, "new_status"),
                catalog_version: text(r, "catalog_version"),
            })
            .collect(),
    }))
}

/// Whether a report id has been stored.
pub async fn report_exists(db: &Db, report_id: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE report_id = $1")
        .bind(report_id.to_string())
        .fetch_one(&db.pool)
        .await?;
    Ok(int(&row, "n") > 0)
}

// ----------------------------------------------------------------------------------------------
// Risk register and audit log

/// An accepted risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// Id.
    pub id: String,
    /// Host.
    pub host_id: String,
    /// Finding key, or empty for the whole host.
    pub finding_key: String,
    /// Who owns the risk.
    pub owner: String,
    /// What reduces it.
    pub mitigation: String,
    /// Accepted until (inclusive), `YYYY-MM-DD`.
    pub review_date: String,
    /// Last changed by.
    pub updated_by: String,
    /// Last changed at.
    pub updated_at: String,
}

fn risk_row(r: &AnyRow) -> Risk {
    Risk {
        id: text(r, "id"),
        host_id: text(r, "host_id"),
        finding_key: text(r, "finding_key"),
        owner: text(r, "owner"),
        mitigation: text(r, "mitigation"),
        review_date: text(r, "review_date"),
        updated_by: text(r, "updated_by"),
        updated_at: text(r, "updated_at"),
    }
}

/// Risk records of one host.
pub async fn risks_for_host(db: &Db, host_id: &str) -> Result<Vec<Risk>> {
    let rows = sqlx::query("SELECT * FROM risks WHERE host_id = $1 ORDER BY finding_key")
        .bind(host_id.to_string())
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(risk_row).collect())
}

/// Every risk record, by host and finding.
pub async fn all_risks(db: &Db) -> Result<Vec<Risk>> {
    let rows = sqlx::query("SELECT * FROM risks ORDER BY host_id, finding_key")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(risk_row).collect())
}

/// Records or updates a risk and writes the audit entry in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn save_risk(
    db: &Db,
    host_id: &str,
    finding_key: &str,
    owner: &str,
    mitigation: &str,
    review_date: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |tx| {
    sqlx::query(
        "INSERT INTO risks (id, host_id, finding_key, owner, mitigation, review_date, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (host_id, finding_key) DO UPDATE SET \
         owner = excluded.owner, mitigation = excluded.mitigation, review_date = excluded.review_date, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(host_id.to_string())
    .bind(finding_key.to_string())
    .bind(owner.to_string())
    .bind(mitigation.to_string())
    .bind(review_date.to_string())
    .bind(actor.to_string())
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({
        "host_id": host_id, "finding_key": finding_key, "owner": owner,
        "mitigation": mitigation, "review_date": review_date.to_string(),
    });
    audit_on(tx, actor, "risk.save", &detail.to_string(), now).await
    })
    .await
}

/// Deletes a risk record, with its audit entry.
pub async fn delete_risk(
    db: &Db,
    host_id: &str,
    finding_key: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write(async |tx| {
        let result = sqlx::query("DELETE FROM risks WHERE host_id = $1 AND finding_key = $2")
            .bind(host_id.to_string())
            .bind(finding_key.to_string())
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({"host_id": host_id, "finding_key": finding_key});
        if result.rows_affected() > 0 {
            audit_on(tx, actor, "risk.delete", &detail.to_string(), now).await?;
        }
        Ok(result.rows_affected() > 0)
    })
    .await
}

/// Writes one audit entry inside the caller's transaction.
pub(crate) async fn audit_on(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(ts(now))
    .bind(actor.to_string())
    .bind(action.to_string())
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes one audit entry on its own.
pub async fn audit_event(
    db: &Db,
    actor: &str,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| audit_on(conn, actor, action, detail, now).await)
        .await
}

/// An audit entry.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// Details (JSON).
    pub detail: String,
}

/// The newest audit entries.
pub async fn audit_log(db: &Db, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT at, actor, action, detail FROM audit_log ORDER BY at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            at: text(r, "at"),
            actor: text(r, "actor"),
            action: text(r, "action"),
            detail: text(r, "detail"),
        })
        .collect())
}

/// Unsupported and extended-support findings with their full detail, for the evidence pack.
pub async fn evidence_findings(db: &Db) -> Result<Vec<(FindingListRow, String)>> {
    let rows = sqlx::query(&format!(
        "SELECT {FINDING_COLUMNS_SELECT}, f.detail FROM findings f JOIN hosts h ON h.host_id = f.host_id \
         JOIN sites s ON s.id = h.site_id WHERE f.status IN ('unsupported', 'extended') \
         ORDER BY {}, f.target, f.product_id, s.name, h.hostname_lower, f.finding_key",
        status_order("f.status")
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (finding_row(r), text(r, "detail")))
        .collect())
}
