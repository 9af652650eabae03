//! The JSON API and the CSV exports, for other tools and for spreadsheets.
//!
//! Every list takes the same filters as the dashboard ([`store::Filter`]): `site`, `status`,
//! `product`, `os`, `q` (host name), `target`, `stale`, `limit`, `offset`. The contract is written
//! down in `openapi.json`, served at `/api/v1/openapi.json` ([`crate::openapi`]).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use sunset_catalog::inventory::Inventory;
use sunset_catalog::wire;

use crate::admin::{self, Action, Admin, Proof};
use crate::csv::CsvWriter;
use crate::http::{ApiCaller, ApiError};
use crate::openapi::{self, Endpoint};
use crate::state::Shared;
use crate::store::{self, Filter};

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
        Endpoint::get("/api/v1/products", products),
        Endpoint::get("/api/v1/risks", risks),
        Endpoint::post("/api/v1/catalog/reload", reload),
    ]
}

async fn hosts(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter
        .page(PAGE_DEFAULT, PAGE_MAX)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e, "offset"))?;
    let (rows, total) =
        store::hosts(&state.db, &filter, &state.stale_cutoff(), limit, offset).await?;
    Ok(
        axum::Json(json!({"total": total, "limit": limit, "offset": offset, "hosts": rows}))
            .into_response(),
    )
}

/// Host list as CSV.
pub async fn hosts_csv_text(state: &Shared, filter: &Filter) -> Result<String, ApiError> {
    let (rows, _) = store::hosts(&state.db, filter, &state.stale_cutoff(), EXPORT_MAX, 0).await?;
    let mut w = CsvWriter::with_header(&[
        "host_id",
        "hostname",
        "site",
        "site_tag",
        "os_name",
        "os_version",
        "status",
        "status_since",
        "os_status",
        "software_status",
        "hardware_status",
        "findings",
        "unsupported",
        "next_unsupported_on",
        "last_seen_at",
        "collected_at",
        "agent_version",
        "catalog_version",
    ]);
    for h in &rows {
        let findings = h.finding_count.to_string();
        let unsupported = h.unsupported_count.to_string();
        w.row([
            h.host_id.as_str(),
            &h.hostname,
            &h.site,
            h.site_tag.as_deref().unwrap_or(""),
            &h.os_name,
            &h.os_version,
            &h.status,
            &h.status_since,
            h.os_status.as_deref().unwrap_or(""),
            h.software_status.as_deref().unwrap_or(""),
            h.hardware_status.as_deref().unwrap_or(""),
            &findings,
            &unsupported,
            h.next_unsupported_on.as_deref().unwrap_or(""),
            &h.last_seen_at,
            &h.collected_at,
            &h.agent_version,
            &h.catalog_version,
        ]);
    }
    Ok(w.finish())
}

/// Finding list as CSV.
pub async fn findings_csv_text(state: &Shared, filter: &Filter) -> Result<String, ApiError> {
    let (rows, _) =
        store::findings(&state.db, filter, &state.stale_cutoff(), EXPORT_MAX, 0).await?;
    let mut w = CsvWriter::with_header(&[
        "host_id",
        "hostname",
        "site",
        "target",
        "kind",
        "product_id",
        "product_name",
        "subject",
        "installed_version",
        "cycle",
        "cycle_label",
        "status",
        "security_support_end",
        "extended_support_end",
        "first_seen_at",
        "status_since",
    ]);
    for f in &rows {
        w.row([
            f.host_id.as_str(),
            &f.hostname,
            &f.site,
            &f.target,
            &f.kind,
            &f.product_id,
            &f.product_name,
            &f.subject,
            f.installed_version.as_deref().unwrap_or(""),
            f.cycle.as_deref().unwrap_or(""),
            f.cycle_label.as_deref().unwrap_or(""),
            &f.status,
            f.security_support_end.as_deref().unwrap_or(""),
            f.extended_support_end.as_deref().unwrap_or(""),
            &f.first_seen_at,
            &f.status_since,
        ]);
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
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let text = hosts_csv_text(&state, &filter).await?;
    Ok(csv_response("sunset-hosts.csv", text))
}

async fn findings_csv(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let text = findings_csv_text(&state, &filter).await?;
    Ok(csv_response("sunset-findings.csv", text))
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
    findings: Vec<Value>,
    history: &'a [store::StatusChange],
    risks: &'a [store::Risk],
    inventory: Option<Inventory>,
}

async fn host(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Path(host_id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(detail) = store::host(&state.db, &host_id).await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no such host"));
    };
    let risks = store::risks_for_host(&state.db, &host_id).await?;
    let findings: Vec<Value> = detail
        .findings
        .iter()
        .map(|(row, detail)| {
            let mut value = serde_json::to_value(row).unwrap_or(Value::Null);
            if let (Some(map), Ok(detail)) =
                (value.as_object_mut(), serde_json::from_str::<Value>(detail))
            {
                map.insert("detail".to_string(), detail);
            }
            value
        })
        .collect();
    let inventory = decode_inventory(&state, detail.inventory).await?;
    Ok(axum::Json(HostResponse {
        host: &detail.host,
        first_seen_at: &detail.first_seen_at,
        findings,
        history: &detail.history,
        risks: &risks,
        inventory,
    })
    .into_response())
}

async fn findings(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let (limit, offset) = filter
        .page(PAGE_DEFAULT, PAGE_MAX)
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e, "offset"))?;
    let (rows, total) =
        store::findings(&state.db, &filter, &state.stale_cutoff(), limit, offset).await?;
    Ok(
        axum::Json(json!({"total": total, "limit": limit, "offset": offset, "findings": rows}))
            .into_response(),
    )
}

async fn summary(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let summary = store::summary(&state.db, &filter, &state.stale_cutoff(), state.today()).await?;
    let catalog = state.catalog();
    Ok(axum::Json(json!({
        "catalog_version": catalog.version(),
        "today": state.today().to_string(),
        "stale_days": state.config.stale_days,
        "summary": summary,
    }))
    .into_response())
}

async fn products(
    State(state): State<Shared>,
    _caller: ApiCaller,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiError> {
    let rows = store::products(&state.db, &filter, &state.stale_cutoff()).await?;
    Ok(axum::Json(json!({"products": rows})).into_response())
}

async fn risks(State(state): State<Shared>, _caller: ApiCaller) -> Result<Response, ApiError> {
    let rows = store::all_risks(&state.db).await?;
    Ok(axum::Json(json!({"today": state.today().to_string(), "risks": rows})).into_response())
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
