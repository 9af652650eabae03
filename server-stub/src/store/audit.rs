//! The audit log: who changed what, written in the same transaction as the change; read back
//! filtered (actor, action, dates) a page at a time, and as readable rows — the subject an entry is
//! about, and its details as text — for the audit page and its CSV export.
//!
//! Entries carry no organisation: they name sites, users, hosts and organisations anywhere in the
//! estate, so only users granted the whole estate read them (`web::audit`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::queries::page;
use super::sql::Builder;
use super::{Result, ts};
use crate::db::{Db, WriteTx};

/// Writes one audit entry inside the caller's transaction.
pub(crate) async fn audit_on(
    conn: &mut WriteTx<'_>,
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

/// An audit entry, as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
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
    sqlx::query_as("SELECT at, actor, action, detail FROM audit_log ORDER BY at DESC, id LIMIT $1")
        .bind(limit)
        .fetch_all(db.reader())
        .await
}

/// Which audit entries to read; every filter given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who, exactly (a user name, `cli`, or `site:<id>`).
    pub actor: Option<String>,
    /// What: an action (`site.add`), or a family of them (`site`: every `site.…`, and `login`
    /// with `login.failed`). Letters, digits, `.`, `-` and `_` only ([`is_action_name`]): it goes
    /// into a LIKE, with `_` escaped.
    pub action: Option<String>,
    /// From this day on (UTC).
    pub from: Option<NaiveDate>,
    /// Up to and including this day (UTC).
    pub to: Option<NaiveDate>,
}

impl AuditFilter {
    /// `AND …` for each filter given, on `audit_log`.
    fn push_clauses(&self, sql: &mut Builder) {
        if let Some(actor) = &self.actor {
            sql.push(" AND actor = ").push_bind(actor.clone());
        }
        if let Some(action) = &self.action {
            sql.push(" AND (action = ")
                .push_bind(action.clone())
                .push(" OR action LIKE ")
                .push_bind(format!("{}.%", action.replace('_', "\\_")))
                .push(" ESCAPE '\\')");
        }
        if let Some(from) = self.from {
            sql.push(" AND at >= ")
                .push_bind(format!("{from}T00:00:00Z"));
        }
        if let Some(to) = self.to.and_then(|to| to.succ_opt()) {
            sql.push(" AND at < ").push_bind(format!("{to}T00:00:00Z"));
        }
    }
}

/// Whether `action` can be an action filter: what actions are written with.
pub fn is_action_name(action: &str) -> bool {
    !action.is_empty()
        && action.len() <= 100
        && action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The entries `filter` selects, newest first, a page of them, and how many there are in all.
pub async fn audit_entries(
    db: &Db,
    filter: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64)> {
    let build = |select: &str| {
        let mut sql = Builder::new(format!("SELECT {select} FROM audit_log WHERE 1 = 1"));
        filter.push_clauses(&mut sql);
        sql
    };
    page(
        db,
        build,
        "at, actor, action, detail",
        "at DESC, id",
        limit,
        offset,
    )
    .await
}

/// Every action the log holds, by name (the audit page's filter offers them).
pub async fn audit_actions(db: &Db) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(db.reader())
        .await
}

/// An audit entry as people read it (the audit page, `/exports/audit.csv`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// What it was about: the site, user, organisation, host or catalogue it names.
    pub subject: String,
    /// Everything else the entry records, as `name: value` pairs separated by `; `.
    pub details: String,
}

/// Which details name an action's subject, by the action's family (the part before the first
/// dot), first found wins; the rest are its details.
fn subject_keys(action: &str) -> &'static [&'static str] {
    match action.split('.').next().unwrap_or("") {
        "site" => &["site"],
        "user" => &["user"],
        "token" => &["user", "name"],
        "org" => &["org", "file"],
        "host" | "risk" => &["host_id", "finding_key"],
        "catalog" => &["catalog_version"],
        _ => &[],
    }
}

impl AuditEntry {
    /// The entry as people read it. A login's subject is the user who logged in (its actor);
    /// details that are not a JSON object (none are written so) are shown as they are.
    pub fn readable(&self) -> AuditRow {
        let (subject, details) = match serde_json::from_str::<Value>(&self.detail) {
            Ok(Value::Object(mut fields)) => {
                let mut parts = Vec::new();
                for key in subject_keys(&self.action) {
                    match fields.remove(*key) {
                        Some(Value::String(s)) if !s.is_empty() => parts.push(s),
                        Some(Value::Null | Value::String(_)) | None => {}
                        Some(other) => parts.push(other.to_string()),
                    }
                }
                let details: Vec<String> = fields
                    .iter()
                    .filter(|(_, value)| !value.is_null())
                    .map(|(key, value)| {
                        let value = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        format!("{}: {value}", key.replace('_', " "))
                    })
                    .collect();
                (parts.join(" / "), details.join("; "))
            }
            _ => (String::new(), self.detail.clone()),
        };
        let subject = if subject.is_empty() && self.action.starts_with("login") {
            self.actor.clone()
        } else {
            subject
        };
        AuditRow {
            at: self.at.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            subject,
            details,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(action: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-12-01T09:00:00Z".into(),
            actor: "alice".into(),
            action: action.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn entries_read_as_a_subject_and_details_in_words() {
        let row = entry(
            "site.rotate-token",
            r#"{"site":"Riverside","site_id":"s1","grace_until":"2026-12-08T09:00:00Z","expires_at":null,"replaced":1}"#,
        )
        .readable();
        assert_eq!(row.subject, "Riverside");
        assert_eq!(
            row.details,
            "grace until: 2026-12-08T09:00:00Z; replaced: 1; site id: s1"
        );
        let token = entry("token.add", r#"{"user":"ops","name":"grafana"}"#).readable();
        assert_eq!(
            (token.subject.as_str(), token.details.as_str()),
            ("ops / grafana", "")
        );
        let login = entry("login.failed", r#"{"address":"127.0.0.1","via":"form"}"#).readable();
        assert_eq!(login.subject, "alice");
        assert_eq!(login.details, "address: 127.0.0.1; via: form");
        let risk = entry("risk.delete", r#"{"host_id":"h1","finding_key":""}"#).readable();
        assert_eq!(risk.subject, "h1");
        let odd = entry("site.add", "not json").readable();
        assert_eq!(
            (odd.subject.as_str(), odd.details.as_str()),
            ("", "not json")
        );
    }

    #[test]
    fn action_filters_are_names_only() {
        for good in [
            "site",
            "site.add",
            "login.failed",
            "site.rotate-token",
            "host.wrong_site",
        ] {
            assert!(is_action_name(good), "{good}");
        }
        for bad in ["", "site%", "site_%' OR 1", "a b", &"x".repeat(101)] {
            assert!(!is_action_name(bad), "{bad}");
        }
    }
}
