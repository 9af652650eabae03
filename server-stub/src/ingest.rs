//! `POST /api/v1/reports` (agents send inventories) and `GET /api/v1/catalog` (agents update).
//!
//! Order of checks: token, size on the wire, decompression with a cap (gzip bombs), JSON syntax,
//! bounds on every list and string, the inventory schema; only then evaluation and one
//! transaction. The agent is acknowledged after commit, so an acknowledged report is stored.

use std::io::Read;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Serialize;
use serde_json::Value;
use sunset_catalog::inventory::Inventory;

use crate::config::Limits;
use crate::http::ApiError;
use crate::metrics::Rejection;
use crate::server::Shared;
use crate::store::{self, IngestOutcome};
use crate::verdict;

/// Most keys in any one JSON object of a report.
const MAX_OBJECT_KEYS: usize = 256;
/// Longest object key in a report.
const MAX_KEY_BYTES: usize = 256;

/// Agent-facing routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/reports", post(receive))
        .route("/api/v1/catalog", get(catalog_bundle))
}

/// The acknowledgement.
#[derive(Debug, Serialize)]
pub struct Ack {
    /// `accepted`, `duplicate` or `superseded`.
    pub status: IngestOutcome,
    /// The report id.
    pub report_id: String,
    /// The host id.
    pub host_id: String,
    /// The site the token belongs to.
    pub site: String,
    /// The collector's catalogue version (agents update when theirs differs).
    pub catalog_version: String,
    /// The host's worst status as the collector judged it (absent for duplicates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_status: Option<&'static str>,
    /// Findings stored (absent for duplicates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<usize>,
}

async fn receive(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    state.metrics.received();
    match receive_inner(&state, request).await {
        Ok(ack) => {
            state.metrics.stored(ack.status, started.elapsed());
            (StatusCode::OK, axum::Json(ack)).into_response()
        }
        Err((why, error)) => {
            state.metrics.rejected(why);
            error.into_response()
        }
    }
}

type Rejected = (Rejection, ApiError);

fn reject(why: Rejection, status: StatusCode, message: impl Into<String>) -> Rejected {
    (why, ApiError::new(status, message))
}

async fn receive_inner(state: &Shared, request: Request) -> Result<Ack, Rejected> {
    let (parts, body) = request.into_parts();
    let token = bearer(&parts.headers).ok_or_else(|| {
        reject(
            Rejection::Unauthorized,
            StatusCode::UNAUTHORIZED,
            "missing site token (Authorization: Bearer <token>)",
        )
    })?;
    let (site_id, site_name) = store::site_for_token(&state.db, token)
        .await
        .map_err(|e| (Rejection::Internal, ApiError::internal(e)))?
        .ok_or_else(|| {
            reject(
                Rejection::Unauthorized,
                StatusCode::UNAUTHORIZED,
                "unknown or revoked site token",
            )
        })?;
    let limits = state.config.limits;
    if let Some(kind) = parts.headers.get(header::CONTENT_TYPE) {
        let kind = kind.to_str().unwrap_or("");
        if !kind.starts_with("application/json") {
            return Err(reject(
                Rejection::Unsupported,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content type must be application/json",
            ));
        }
    }
    let gzip = match parts
        .headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase())
    {
        None => false,
        Some(e) if e == "identity" => false,
        Some(e) if e == "gzip" => true,
        Some(_) => {
            return Err(reject(
                Rejection::Unsupported,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content encoding must be gzip or identity",
            ));
        }
    };
    let body = read_body(body, limits.max_body_bytes).await?;
    let catalog = state.catalog();
    let expiring_days = state.config.expiring_days;
    let today = state.today();
    let catalog_for_eval = catalog.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let json = if gzip {
            gunzip(&body, limits.max_decompressed_bytes)?
        } else {
            body.to_vec()
        };
        let inventory = parse(&json, &limits)?;
        let verdict = verdict::judge(&inventory, &catalog_for_eval.catalog, today, expiring_days);
        let text = String::from_utf8(json).map_err(|_| {
            reject(
                Rejection::Malformed,
                StatusCode::BAD_REQUEST,
                "body is not UTF-8",
            )
        })?;
        Ok::<_, Rejected>((inventory, text, verdict))
    })
    .await
    .map_err(|e| (Rejection::Internal, ApiError::internal(e)))?;
    let (inventory, text, verdict) = parsed?;
    let job = store::IngestJob {
        site_id,
        inventory,
        inventory_json: text,
        verdict,
        catalog_version: catalog.version().to_string(),
        today,
        now: Utc::now(),
    };
    let (report_id, host_id) = (job.inventory.host.report_id, job.inventory.host.host_id);
    let (host_status, findings) = (job.verdict.status, job.verdict.findings.len());
    let outcome = state
        .store_report(job)
        .await
        .map_err(|e| (Rejection::Internal, ApiError::internal(e)))?;
    let stored = outcome != IngestOutcome::Duplicate;
    Ok(Ack {
        status: outcome,
        report_id: report_id.to_string(),
        host_id: host_id.to_string(),
        site: site_name,
        catalog_version: catalog.version().to_string(),
        host_status: stored.then_some(host_status),
        findings: stored.then_some(findings),
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

async fn read_body(body: Body, max: usize) -> Result<Bytes, Rejected> {
    axum::body::to_bytes(body, max).await.map_err(|_| {
        reject(
            Rejection::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body exceeds {max} bytes"),
        )
    })
}

/// Decompresses at most `max` bytes; more is a gzip bomb (or just too big) and is refused.
pub fn gunzip(body: &[u8], max: usize) -> Result<Vec<u8>, Rejected> {
    let mut out = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(body);
    decoder
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            reject(
                Rejection::Malformed,
                StatusCode::BAD_REQUEST,
                format!("invalid gzip body: {e}"),
            )
        })?;
    if out.len() > max {
        return Err(reject(
            Rejection::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("decompressed body exceeds {max} bytes"),
        ));
    }
    Ok(out)
}

/// JSON syntax (400), then bounds and schema (422).
pub fn parse(json: &[u8], limits: &Limits) -> Result<Inventory, Rejected> {
    let value: Value = serde_json::from_slice(json).map_err(|e| {
        reject(
            Rejection::Malformed,
            StatusCode::BAD_REQUEST,
            format!("malformed JSON: {e}"),
        )
    })?;
    let mut path = String::new();
    check_bounds(&value, &mut path, limits).map_err(|(field, message)| {
        (
            Rejection::Invalid,
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, message, field),
        )
    })?;
    let inventory: Inventory = serde_path_to_error::deserialize(&value).map_err(|e| {
        let field = e.path().to_string();
        (
            Rejection::Invalid,
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("not a valid inventory: {}", e.inner()),
                field,
            ),
        )
    })?;
    if inventory.schema_version == 0 {
        return Err((
            Rejection::Invalid,
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "schema_version must be 1 or more",
                "schema_version",
            ),
        ));
    }
    if inventory.host.hostname.trim().is_empty() {
        return Err((
            Rejection::Invalid,
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "hostname is empty",
                "host.hostname",
            ),
        ));
    }
    Ok(inventory)
}

/// Every list at most `max_entries` long, every string at most `max_string_bytes`, every object
/// at most [`MAX_OBJECT_KEYS`] keys. Returns the first offending field and why.
fn check_bounds(value: &Value, path: &mut String, limits: &Limits) -> Result<(), (String, String)> {
    match value {
        Value::String(s) if s.len() > limits.max_string_bytes => Err((
            display_path(path),
            format!(
                "string of {} bytes exceeds the limit of {}",
                s.len(),
                limits.max_string_bytes
            ),
        )),
        Value::Array(items) => {
            if items.len() > limits.max_entries {
                return Err((
                    display_path(path),
                    format!(
                        "{} entries exceed the limit of {}",
                        items.len(),
                        limits.max_entries
                    ),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_bounds(item, path, limits)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            if map.len() > MAX_OBJECT_KEYS {
                return Err((
                    display_path(path),
                    format!("more than {MAX_OBJECT_KEYS} keys"),
                ));
            }
            for (key, item) in map {
                let len = path.len();
                if key.len() > MAX_KEY_BYTES {
                    return Err((display_path(path), "key too long".to_string()));
                }
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_bounds(item, path, limits)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        ".".to_string()
    } else {
        path.to_string()
    }
}

/// The signed catalogue bundle (`sunset-catalog-bundle/1`), exactly as agents verify it. Without a
/// signing key there is nothing an agent could trust, so the answer is 503, never an unsigned
/// catalogue.
async fn catalog_bundle(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let catalog = state.catalog();
    let Some(signed) = &catalog.signed else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this collector does not sign its catalogue (catalog_signing_key_file is not set); \
             agents keep the catalogue they have",
        )
        .into_response();
    };
    let etag = format!("\"{}\"", crate::auth::hash_bytes(&signed.bytes));
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "no-cache".to_string()),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(Bytes::from_owner(signed.bytes.clone())),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bounds_name_the_offending_field() {
        let limits = Limits {
            max_string_bytes: 5,
            ..Limits::default()
        };
        let value: Value = serde_json::json!({"software": [{"name": "ok"}, {"name": "toolong"}]});
        let mut path = String::new();
        let (field, _) = check_bounds(&value, &mut path, &limits).unwrap_err();
        assert_eq!(field, "software[1].name");
    }

    #[test]
    fn gzip_bombs_stop_at_the_cap() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b' '; 1_000_000]).unwrap();
        let bomb = encoder.finish().unwrap();
        let (why, error) = gunzip(&bomb, 1000).unwrap_err();
        assert_eq!(why, Rejection::TooLarge);
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
