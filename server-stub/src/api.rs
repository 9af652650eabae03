//! The JSON API and the CSV exports, for other tools and for spreadsheets.
//!
//! Every call answers inside its caller's scope (the organisation subtree their role is granted
//! on), and every list takes the same filters as the dashboard ([`Filter`]): `org`, `site`,
//! `status`, `product`, `os`, `q` (host name), `target`, `stale`, `limit`, `offset`, and is
//! ordered by `sort` (one of its columns) and `dir`, as the pages are. A host outside
//! the scope is a 404, as one that does not exist. The contract is written down in
//! `openapi.json`, served at `/api/v1/openapi.json` ([`crate::openapi`]).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use sunset_catalog::evaluate::Finding;
use sunset_catalog::inventory::Inventory;
use sunset_catalog::wire;

use crate::admin::{self, Action, Admin, Proof};
use crate::csv::CsvWriter;
use crate::filter::{Filter, RiskQuery};
use crate::http::{ApiCaller, ApiError, Caller};
use crate::openapi::{self, Endpoint};
use crate::state::Shared;
use crate::store;
use crate::verdict;

/// Rows per JSON page by default, and at most.
const PAGE_DEFAULT: i64 = 100;
const PAGE_MAX: i64 = 1000;
/// Rows in one CSV export at most.
pub const EXPORT_MAX: i64 = 1_000_000;

/// The endpoints of people's tools.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(wire::path::OPENAPI, openapi::document),
        Endpoint::get("/api/v1/hosts", hosts),
        Endpoint::get("/api/v1/hosts.csv", hosts_csv),
        Endpoint::get("/api/v1/hosts/{host_id}", host),
        Endpoint::get("/api/v1/findings", findings),
        Endpoint::get("/api/v1/findings.csv", findings_csv),
        Endpoint::get("/api/v1/summary", summary),
        Endpoint::get("/api/v1/forecast", forecast),
        Endpoint::get("/api/v1/trend", trend),
        Endpoint::get("/api/v1/products", products),
        Endpoint::get("/api/v1/triage", triage),
        Endpoint::get("/api/v1/risks", risks),
        Endpoint::post("/api/v1/catalog/reload", reload),
    ]
}

async fn hosts(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter.page(PAGE_DEFAULT, PAGE_MAX)?;
    let sort = filter.sort()?;
    let selection = filter.selection(&state.db, &caller).await?;
    let cutoff = state.stale_cutoff();
    let (rows, total) = store::hosts(&state.db, &selection, &cutoff, sort, limit, offset).await?;
    Ok(
        axum::Json(json!({"total": total, "limit": limit, "offset": offset, "hosts": rows}))
            .into_response(),
    )
}

/// Host list as CSV: the fields of [`store::HostRow`], as in the JSON API.
pub async fn hosts_csv_text(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<String, ApiError> {
    let sort = filter.sort()?;
    let selection = filter.selection(&state.db, caller).await?;
    let cutoff = state.stale_cutoff();
    let (rows, _) = store::hosts(&state.db, &selection, &cutoff, sort, EXPORT_MAX, 0).await?;
    csv_text(&rows)
}

/// Finding list as CSV: the fields of [`store::FindingListRow`], as in the JSON API.
pub async fn findings_csv_text(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<String, ApiError> {
    let sort = filter.sort()?;
    let selection = filter.selection(&state.db, caller).await?;
    let cutoff = state.stale_cutoff();
    let (rows, _) = store::findings(&state.db, &selection, &cutoff, sort, EXPORT_MAX, 0).await?;
    csv_text(&rows)
}

/// The forecast as CSV: a row per month and release, the fields of [`store::ForecastRow`].
pub async fn forecast_csv_text(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<String, ApiError> {
    let selection = filter.selection(&state.db, caller).await?;
    let forecast =
        store::forecast(&state.db, &selection, &state.stale_cutoff(), state.today()).await?;
    csv_text(&forecast.rows())
}

/// Rows as CSV, with their type's header.
pub fn csv_text<'de, T: Serialize + serde::Deserialize<'de>>(
    rows: &[T],
) -> Result<String, ApiError> {
    let mut w = CsvWriter::for_rows::<T>();
    for row in rows {
        w.serialize(row).map_err(ApiError::internal)?;
    }
    Ok(w.finish())
}

/// A CSV download response.
pub fn csv_response(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

async fn hosts_csv(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let text = hosts_csv_text(&state, &caller, &filter).await?;
    Ok(csv_response("sunset-hosts.csv", text))
}

async fn findings_csv(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let text = findings_csv_text(&state, &caller, &filter).await?;
    Ok(csv_response("sunset-findings.csv", text))
}

/// A stored finding's detail, read back; one that does not read is an error, never a blank.
pub fn finding_detail(detail: &str) -> Result<Finding, ApiError> {
    verdict::stored_finding(detail)
        .map_err(|e| ApiError::internal(format!("stored finding detail unreadable: {e}")))
}

/// The typed inventory of a stored row, decoded on a decoding thread
/// ([`crate::admission`]); `None` (logged) when it cannot be read.
pub async fn decode_inventory(
    state: &Shared,
    stored: store::StoredInventory,
) -> Result<Option<Inventory>, ApiError> {
    let turn = state.admission.decoders.turn().await.map_err(|_| {
        ApiError::retry(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector is busy; retry later",
            crate::admission::BUSY_RETRY_AFTER_SECONDS,
        )
    })?;
    let decoded = turn
        .run(move || stored.inventory())
        .await
        .map_err(|_| ApiError::internal("stored inventory decoding failed"))?;
    Ok(decoded
        .map_err(|e| tracing::warn!(error = %e, "stored inventory unreadable"))
        .ok())
}

/// `GET /api/v1/hosts/{id}`: serialised straight from typed values, never through a JSON tree.
#[derive(Serialize)]
struct HostResponse<'a> {
    host: &'a store::HostRow,
    first_seen_at: &'a str,
    findings: Vec<HostFinding<'a>>,
    history: &'a [store::StatusChange],
    risks: &'a [store::Risk],
    /// Its clone flags in force (other hosts outside the caller's scope counted, not named).
    clones: store::Clones,
    /// The latest dismissal of its clone flags by an admin, if any.
    clone_dismissal: Option<store::CloneDismissal>,
    inventory: Option<Inventory>,
}

/// One of a host's findings: its listing row, and the whole finding it stores as `detail`.
#[derive(Serialize)]
struct HostFinding<'a> {
    #[serde(flatten)]
    row: &'a store::FindingListRow,
    detail: Finding,
}

async fn host(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Path(host_id): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let scope = filter.scope(&state.db, &caller).await?;
    let Some(detail) = store::host(&state.db, &scope, &host_id).await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such host"));
    };
    let risks = store::risks_for_host(&state.db, &scope, &host_id).await?;
    let findings = detail
        .findings
        .iter()
        .map(|(row, detail)| {
            Ok(HostFinding {
                row,
                detail: finding_detail(detail)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let clones = store::clones_of(&state.db, &scope, &host_id, &state.stale_cutoff()).await?;
    let clone_dismissal = store::clone_dismissal(&state.db, &host_id).await?;
    let inventory = decode_inventory(&state, detail.inventory).await?;
    Ok(axum::Json(HostResponse {
        host: &detail.host,
        first_seen_at: &detail.first_seen_at,
        findings,
        history: &detail.history,
        risks: &risks,
        clones,
        clone_dismissal,
        inventory,
    })
    .into_response())
}

async fn findings(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter.page(PAGE_DEFAULT, PAGE_MAX)?;
    let sort = filter.sort()?;
    let selection = filter.selection(&state.db, &caller).await?;
    let cutoff = state.stale_cutoff();
    let (rows, total) =
        store::findings(&state.db, &selection, &cutoff, sort, limit, offset).await?;
    Ok(
        axum::Json(json!({"total": total, "limit": limit, "offset": offset, "findings": rows}))
            .into_response(),
    )
}

async fn summary(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let selection = filter.selection(&state.db, &caller).await?;
    let summary =
        store::summary(&state.db, &selection, &state.stale_cutoff(), state.today()).await?;
    let catalog = state.catalog();
    Ok(axum::Json(json!({
        "catalog_version": catalog.version(),
        "today": state.today().to_string(),
        "stale_days": state.config.stale_days,
        "summary": summary,
    }))
    .into_response())
}

/// `GET /api/v1/forecast`: [`store::Forecast`], with the catalogue it rests on.
async fn forecast(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let selection = filter.selection(&state.db, &caller).await?;
    let forecast =
        store::forecast(&state.db, &selection, &state.stale_cutoff(), state.today()).await?;
    Ok(axum::Json(json!({
        "catalog_version": state.catalog().version(),
        "forecast": forecast,
    }))
    .into_response())
}

/// The trend of the organisation the caller's filter is about (their scope's top, or `?org=`
/// inside it) since `since`, of the filter's `target` part or of every part: for the JSON API, the
/// CSV export and the chart. The other filters are checked but do not narrow it: a snapshot counts
/// whole organisations.
pub async fn trend_rows(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
    since: chrono::NaiveDate,
) -> Result<(store::Organisation, store::Trend), ApiError> {
    let selection = filter.selection(&state.db, caller).await?;
    let scope = selection.scope();
    let org = match store::find_org(&state.db, scope, scope.org_id()).await {
        Ok(org) => org,
        Err(store::OrgError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let part = selection.target.map(store::Part::of);
    let trend = store::trend(&state.db, scope, since, part).await?;
    Ok((org, trend))
}

/// The first day of the trend the API and the CSV export serve: every day kept.
pub fn trend_since(today: chrono::NaiveDate) -> chrono::NaiveDate {
    today
        .checked_sub_months(chrono::Months::new(store::TREND_KEEP_MONTHS))
        .unwrap_or(today)
}

async fn trend(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let today = state.today();
    let since = trend_since(today);
    let (org, trend) = trend_rows(&state, &caller, &filter, since).await?;
    // Not the whole `Organisation`: its parent may lie outside the caller's scope.
    Ok(axum::Json(json!({
        "org": {"id": org.id, "name": org.name, "kind": org.kind, "ods_code": org.ods_code},
        "today": today.to_string(),
        "since": since.to_string(),
        "keep_months": store::TREND_KEEP_MONTHS,
        "days": trend.days,
        "rows": trend.rows,
    }))
    .into_response())
}

async fn products(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter.page(PAGE_DEFAULT, PAGE_MAX)?;
    let sort = filter.sort()?;
    let selection = filter.selection(&state.db, &caller).await?;
    let cutoff = state.stale_cutoff();
    let (rows, total) =
        store::products(&state.db, &selection, &cutoff, sort, limit, offset).await?;
    Ok(
        axum::Json(json!({"total": total, "limit": limit, "offset": offset, "products": rows}))
            .into_response(),
    )
}

/// The triage of unmatched software a filter asks for, inside the caller's scope (`org`
/// narrows it): `product` is part of the software's name, `sort`/`dir` one of its columns (most
/// hosts first by default), what the catalogue marks reviewed left out and counted.
pub async fn triage_rows(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(store::Sort<store::TriageSort>, store::TriagePage), ApiError> {
    let mut sort = filter.sort::<store::TriageSort>()?;
    if filter.sort.is_none() && filter.dir.is_none() {
        sort.dir = store::Direction::Desc;
    }
    let scope = filter.scope(&state.db, caller).await?;
    let catalog = state.catalog();
    let query = store::TriageFilter::named(
        filter
            .product
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(200).collect()),
    )
    .excluding(crate::triage::reviewed_keys(&catalog.catalog));
    let page = store::triage(&state.db, &scope, &query, sort, limit, offset).await?;
    Ok((sort, page))
}

async fn triage(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter.page(PAGE_DEFAULT, PAGE_MAX)?;
    let (_, page) = triage_rows(&state, &caller, &filter, limit, offset).await?;
    Ok(axum::Json(json!({
        "total": page.total, "limit": limit, "offset": offset,
        "reviewed_hidden": page.reviewed_hidden, "software": page.rows,
    }))
    .into_response())
}

/// The triage as CSV (all pages): the fields of [`store::TriageCsvRow`].
pub async fn triage_csv_text(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<String, ApiError> {
    let (_, page) = triage_rows(state, caller, filter, EXPORT_MAX, 0).await?;
    let rows: Vec<store::TriageCsvRow> = page.rows.iter().map(Into::into).collect();
    csv_text(&rows)
}

/// A register record as the API lists it: the record with its host, site, organisation, product
/// and release, and whether the acceptance holds today (`accepted`) or has `expired`.
#[derive(Serialize)]
struct RegisterEntry<'a> {
    #[serde(flatten)]
    row: &'a store::RegisterRow,
    state: &'static str,
}

async fn risks(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    Query(filter): Query<Filter>,
    Query(query): Query<RiskQuery>,
) -> Result<Response, ApiError> {
    let selection = filter.selection(&state.db, &caller).await?;
    let risk_filter = query.risk_filter()?;
    let today = state.today();
    let rows = store::risk_register(
        &state.db,
        &selection,
        &state.stale_cutoff(),
        &risk_filter,
        today,
    )
    .await?;
    let entries: Vec<RegisterEntry> = rows
        .iter()
        .map(|row| RegisterEntry {
            row,
            state: if row.risk.in_force(today) {
                "accepted"
            } else {
                "expired"
            },
        })
        .collect();
    Ok(axum::Json(json!({"today": today.to_string(), "risks": entries})).into_response())
}

async fn reload(
    State(state): State<Shared>,
    ApiCaller(caller): ApiCaller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    let admin = Admin::check(&caller, Proof::Header(csrf), Action::ReloadCatalog)?;
    let report = admin::reload_catalog(&state, &admin).await?;
    Ok(axum::Json(report).into_response())
}
