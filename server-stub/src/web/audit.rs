//! The audit log: a page of entries, newest first, filtered by actor, action and dates, and the
//! same entries as CSV (`/exports/audit.csv`). Each entry reads as its time, actor, action, the
//! subject it is about and its details in words ([`store::AuditRow`]), never as raw JSON.
//!
//! Audit entries carry no organisation — they name sites, users, hosts and organisations anywhere
//! in the estate — so only users granted the whole estate read them; anyone else is refused (403),
//! on the page and the export alike. `?org=` is checked as everywhere else, but does not split the
//! log.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::page::{layout, page_error};
use crate::api;
use crate::filter::{Filter, MAX_OFFSET};
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{self, AuditFilter, AuditRow};

/// Entries per page.
const PAGE: i64 = 100;
/// Most entries one CSV export holds: about 20 MB of text. A larger export is refused with a
/// request to narrow the dates, rather than cut short or held in memory whole.
pub(super) const EXPORT_MAX: i64 = 100_000;
/// Longest actor looked for (user names are at most 200 characters).
const MAX_ACTOR: usize = 200;

/// The audit page's query string, as sent (echoed into its form and links).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct AuditQuery {
    /// Who, exactly.
    #[serde(default, skip_serializing_if = "is_blank")]
    actor: Option<String>,
    /// An action or a family of them (`site`).
    #[serde(default, skip_serializing_if = "is_blank")]
    action: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "is_blank")]
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    #[serde(default, skip_serializing_if = "is_blank")]
    to: Option<String>,
    /// Checked like every page's, but the log is not split by organisation.
    #[serde(default, skip_serializing_if = "is_blank")]
    org: Option<String>,
    /// Entries to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offset: Option<i64>,
}

fn is_blank(value: &Option<String>) -> bool {
    text(value).is_none()
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::field(StatusCode::BAD_REQUEST, message, field)
}

impl AuditQuery {
    /// What the store is asked for; a bad date or action is a 400 naming the parameter.
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let day = |field: &str, value: &Option<String>| {
            text(value)
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                        let v: String = v.chars().take(40).collect();
                        bad(
                            field,
                            format!("{field} must be a date, YYYY-MM-DD (got {v:?})"),
                        )
                    })
                })
                .transpose()
        };
        let (from, to) = (day("from", &self.from)?, day("to", &self.to)?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(bad("to", format!("to ({to}) is before from ({from})")));
        }
        let action = text(&self.action).map(str::to_string);
        if let Some(action) = &action
            && !store::is_action_name(action)
        {
            return Err(bad(
                "action",
                "action must be an action's name, such as site.add, or its family, such as site"
                    .to_string(),
            ));
        }
        Ok(AuditFilter {
            actor: text(&self.actor).map(|a| a.chars().take(MAX_ACTOR).collect()),
            action,
            from,
            to,
        })
    }

    /// The entries to skip: 0 to [`MAX_OFFSET`].
    fn offset(&self) -> Result<i64, ApiError> {
        let offset = self.offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(bad(
                "offset",
                format!("offset must be 0 to {MAX_OFFSET} (got {offset})"),
            ));
        }
        Ok(offset)
    }

    /// `path` with this query (at `offset`, none for the first page).
    fn link(&self, path: &str, offset: Option<i64>) -> String {
        let query = AuditQuery {
            offset: offset.filter(|o| *o > 0),
            ..self.clone()
        };
        match serde_urlencoded::to_string(&query).unwrap_or_default() {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }
}

/// Whether `caller` may read the audit log: granted the whole estate, and any `?org=` one they
/// can see.
async fn may_read(state: &Shared, caller: &Caller, query: &AuditQuery) -> Result<(), ApiError> {
    if !caller.user.scope.is_estate() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "The audit log covers the whole estate: only users granted the whole estate can read it.",
        ));
    }
    let org = Filter {
        org: query.org.clone(),
        ..Filter::default()
    };
    org.scope(&state.db, caller).await.map(drop)
}

/// `GET /audit`: one page of the audit log, filtered, newest first.
pub(super) async fn audit_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(query): Query<AuditQuery>,
) -> Response {
    match audit_body(&state, &caller, &query).await {
        Ok(body) => layout("Audit log", &caller, &state, body).into_response(),
        Err(e) => page_error(e),
    }
}

async fn audit_body(
    state: &Shared,
    caller: &Caller,
    query: &AuditQuery,
) -> Result<Markup, ApiError> {
    may_read(state, caller, query).await?;
    let (filter, offset) = (query.filter()?, query.offset()?);
    let ((entries, total), actions) = tokio::try_join!(
        store::audit_entries(&state.db, &filter, PAGE, offset),
        store::audit_actions(&state.db),
    )?;
    let rows: Vec<AuditRow> = entries.iter().map(store::AuditEntry::readable).collect();
    let pager = pager(query, total, offset);
    Ok(html! {
        h1 { "Audit log" }
        p.muted { "Every change, login and refusal the collector recorded, for the whole estate (entries are not split by organisation)." }
        (form(query, &actions))
        p.noprint { a href=(query.link("/exports/audit.csv", None)) { "Download CSV" } }
        (pager)
        table {
            thead { tr { th { "When (UTC)" } th { "Who" } th { "What" } th { "Subject" } th { "Details" } } }
            tbody { @for e in &rows { tr {
                td.nowrap { (e.at.trim_end_matches('Z').replacen('T', " ", 1)) }
                td { (e.actor) } td { (e.action) } td { (e.subject) } td { (e.details) }
            } } }
        }
        (pager)
    })
}

/// The filter form: actor, action (those the log holds, and their families), dates.
fn form(query: &AuditQuery, actions: &[String]) -> Markup {
    let v = |o: &Option<String>| text(o).unwrap_or("").to_string();
    let mut families: Vec<&str> = actions
        .iter()
        .filter_map(|a| a.split_once('.').map(|(family, _)| family))
        .collect();
    families.dedup();
    // A family that is an action itself (`login`) is offered once, as the action.
    families.retain(|family| !actions.iter().any(|a| a == family));
    let chosen = text(&query.action);
    html! {
        form.filters method="get" action="/audit" {
            label { "Who" input type="search" name="actor" value=(v(&query.actor)) placeholder="user name or cli"; }
            label { "What" select name="action" {
                option value="" { "Every action" }
                @for family in &families {
                    option value=(family) selected[chosen == Some(*family)] { (family) ".* (all)" }
                }
                @for action in actions {
                    option value=(action) selected[chosen == Some(action.as_str())] { (action) }
                }
            } }
            label { "From" input type="date" name="from" value=(v(&query.from)); }
            label { "To" input type="date" name="to" value=(v(&query.to)); }
            button.primary type="submit" { "Filter" }
        }
    }
}

/// Where this page is, with links to the previous and next pages.
fn pager(query: &AuditQuery, total: i64, offset: i64) -> Markup {
    let prev = (offset > 0).then(|| query.link("/audit", Some((offset - PAGE).max(0))));
    let next = (offset + PAGE < total).then(|| query.link("/audit", Some(offset + PAGE)));
    html! {
        div.pager {
            span { (if total == 0 { 0 } else { offset + 1 }) "–" ((offset + PAGE).min(total)) " of " (total) }
            @if let Some(p) = prev { a href=(p) { "← previous" } }
            @if let Some(n) = next { a href=(n) { "next →" } }
        }
    }
}

/// `GET /exports/audit.csv`: every entry the filter selects (up to [`EXPORT_MAX`]), newest first,
/// as [`AuditRow`]s.
pub(super) async fn export_audit(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(query): Query<AuditQuery>,
) -> Response {
    match audit_csv(&state, &caller, &query).await {
        Ok(text) => api::csv_response("sunset-audit.csv", text),
        Err(e) => page_error(e),
    }
}

async fn audit_csv(
    state: &Shared,
    caller: &Caller,
    query: &AuditQuery,
) -> Result<String, ApiError> {
    may_read(state, caller, query).await?;
    let filter = query.filter()?;
    let (entries, total) = store::audit_entries(&state.db, &filter, EXPORT_MAX, 0).await?;
    if total > EXPORT_MAX {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the export would hold {total} entries, more than {EXPORT_MAX}: narrow it with from and to"
            ),
        ));
    }
    let rows: Vec<AuditRow> = entries.iter().map(store::AuditEntry::readable).collect();
    api::csv_text(&rows)
}
