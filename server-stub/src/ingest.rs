//! `POST /api/v1/reports` (agents send inventories) and `GET /api/v1/catalog` (agents update), with
//! the shapes of [`sunset_catalog::wire`].
//!
//! Order of checks: writes working (503 with `Retry-After` while they fail, before any work), the
//! site token (unknown, revoked, expired or past its grace period: 401 saying which), type and
//! encoding, the size on the wire (413), room for the body in memory and a
//! turn to decode it ([`crate::admission`]), decompression with a cap (gzip bombs), then
//! [`crate::validate`] (syntax, duplicate keys, bounds, schema, clock); only then evaluation and one
//! transaction. The agent is acknowledged after the commit succeeded, so an acknowledged report is
//! stored; a failed write is a 503, which agents retry.

use std::io::Read;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use sunset_catalog::inventory::Inventory;
use sunset_catalog::wire::{self, Ack, AckStatus, HostStatus};

use crate::http::ApiError;
use crate::metrics::Rejection;
use crate::openapi::Endpoint;
use crate::state::Shared;
use crate::store::{self, IngestOutcome};
use crate::validate::{self, Rejected};
use crate::verdict;

/// Agent-facing endpoints.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(wire::path::REPORTS, receive),
        Endpoint::get(wire::path::CATALOG, catalog_bundle),
    ]
}

async fn receive(State(state): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    state.metrics.received();
    match receive_inner(&state, request).await {
        Ok((outcome, ack)) => {
            state.metrics.stored(outcome, started.elapsed());
            (StatusCode::OK, axum::Json(ack)).into_response()
        }
        Err((why, error)) => {
            state.metrics.rejected(why);
            error.into_response()
        }
    }
}

fn reject(why: Rejection, status: StatusCode, message: impl Into<String>) -> Rejected {
    (why, ApiError::new(status, message))
}

/// A database failure: 503 to retry when the store is failing, 500 otherwise.
fn database(e: sqlx::Error) -> Rejected {
    let error = ApiError::from(e);
    let why = if error.status == StatusCode::SERVICE_UNAVAILABLE {
        Rejection::Unavailable
    } else {
        Rejection::Internal
    };
    (why, error)
}

fn busy() -> Rejected {
    (
        Rejection::Unavailable,
        ApiError::retry(
            StatusCode::SERVICE_UNAVAILABLE,
            "the collector is busy; retry later",
            crate::admission::BUSY_RETRY_AFTER_SECONDS,
        ),
    )
}

/// The acknowledgement, with the store's outcome for the metrics.
async fn receive_inner(state: &Shared, request: Request) -> Result<(IngestOutcome, Ack), Rejected> {
    if let Err(failure) = state.db.writable().await {
        return Err((
            Rejection::Unavailable,
            ApiError::retry(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the collector cannot store reports now (database writes failing since {}); \
                     retry later",
                    store::ts(failure.since)
                ),
                crate::health::RETRY_AFTER_SECONDS,
            ),
        ));
    }
    let (parts, body) = request.into_parts();
    let token = crate::http::bearer(&parts.headers).ok_or_else(|| {
        reject(
            Rejection::Unauthorized,
            StatusCode::UNAUTHORIZED,
            "missing site token (Authorization: Bearer <token>)",
        )
    })?;
    let credential = store::check_site_token(&state.db, token, state.now())
        .await
        .map_err(|e| {
            state.db.health.read_failed(&e);
            database(e)
        })?
        .map_err(|refusal| {
            reject(
                Rejection::Unauthorized,
                StatusCode::UNAUTHORIZED,
                refusal.to_string(),
            )
        })?;
    let (site_id, site_name) = (credential.site_id, credential.site_name);
    let record_token_use = credential.record_use.then_some(credential.token_id);
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
    let length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if length.is_some_and(|n| n > limits.max_body_bytes as u64) {
        discard(body, limits.max_body_bytes).await;
        return Err(too_large(limits.max_body_bytes));
    }
    let _room = state.admission.body(length).await.map_err(|_| busy())?;
    let body = read_body(body, length, limits.max_body_bytes).await?;
    let catalog = state.catalog();
    let expiring_days = state.config.expiring_days;
    let max_clock_skew = state.config.max_clock_skew;
    let now = state.now();
    let today = now.date_naive();
    let catalog_for_eval = catalog.clone();
    let declared = crate::cover::for_site(&state.config.declared_cover, &site_name);
    let turn = state.admission.decoders.turn().await.map_err(|_| busy())?;
    let parsed = turn
        .run(move || {
            let json = if gzip {
                std::borrow::Cow::Owned(gunzip(&body, limits.max_decompressed_bytes)?)
            } else {
                std::borrow::Cow::Borrowed(&body[..])
            };
            let inventory = validate::parse(&json, &limits, now, max_clock_skew)?;
            let inventory_gz = stored_form(&json, gzip.then_some(&body), &inventory)
                .map_err(|e| (Rejection::Internal, ApiError::internal(e)))?;
            drop(json);
            let verdict = verdict::judge(
                &inventory,
                &catalog_for_eval.catalog,
                today,
                expiring_days,
                declared,
            );
            // The parsed inventory ends here, on this worker thread, not in the database writer.
            Ok::<_, Rejected>((store::HostFacts::of(&inventory), inventory_gz, verdict))
        })
        .await
        .map_err(|_| {
            (
                Rejection::Internal,
                ApiError::internal("report decoding failed"),
            )
        })?;
    let (facts, inventory_gz, verdict) = parsed?;
    let job = store::IngestJob {
        site_id,
        record_token_use,
        facts,
        inventory_gz,
        verdict,
        catalog_version: catalog.version().to_string(),
        today,
        now,
        max_clock_skew,
    };
    let (report_id, host_id) = (job.facts.host.report_id, job.facts.host.host_id);
    let (host_status, findings) = (job.verdict.status, job.verdict.findings.len());
    let outcome = state.store_report(job).await.map_err(database)?;
    let status = match outcome {
        IngestOutcome::Accepted => AckStatus::Accepted,
        IngestOutcome::Duplicate => AckStatus::Duplicate,
        IngestOutcome::Superseded => AckStatus::Superseded,
        IngestOutcome::WrongSite => {
            return Err((
                Rejection::WrongSite,
                ApiError::field(
                    StatusCode::CONFLICT,
                    format!(
                        "host {host_id} belongs to another site; this site's token cannot report \
                         for it (an administrator can move it: sunset-collector host move \
                         {host_id} --site {site_name:?})"
                    ),
                    "host.host_id",
                ),
            ));
        }
    };
    let stored = status != AckStatus::Duplicate;
    let ack = Ack {
        status,
        report_id,
        host_id,
        site: site_name,
        catalog_version: catalog.version().to_string(),
        host_status: stored.then_some(HostStatus::Known(host_status)),
        findings: stored.then_some(findings as u64),
    };
    Ok((outcome, ack))
}

/// Reads the body into memory, at most `max` bytes; a longer one is a 413.
async fn read_body(mut body: Body, declared: Option<u64>, max: usize) -> Result<Bytes, Rejected> {
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(max));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            reject(
                Rejection::Malformed,
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            )
        })?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        if bytes.len() + data.len() > max {
            discard(body, max).await;
            return Err(too_large(max));
        }
        bytes.extend_from_slice(data);
    }
    Ok(Bytes::from(bytes))
}

/// How long a refused body is read and thrown away before the 413 is sent.
const DISCARD_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and drops what is left of a refused body: at most `max` more bytes, for at most
/// [`DISCARD_TIME`]. A server that closes a connection with unread data in its receive buffer
/// resets it, and the reset can destroy the 413 before the agent has read it (the agent would then
/// retry a report that can never be accepted instead of logging why). Nothing is kept, so this
/// costs bandwidth, not memory.
async fn discard(mut body: Body, max: usize) {
    let drain = async {
        let mut left = max;
        while let Some(Ok(frame)) = body.frame().await {
            let n = frame.data_ref().map_or(0, |d| d.len());
            if n >= left {
                break;
            }
            left -= n;
        }
    };
    let _ = tokio::time::timeout(DISCARD_TIME, drain).await;
}

fn too_large(max: usize) -> Rejected {
    reject(
        Rejection::TooLarge,
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("body exceeds {max} bytes"),
    )
}

/// Decompresses at most `max` bytes; more is a gzip bomb (or just too big) and is refused.
pub fn gunzip(body: &[u8], max: usize) -> Result<Vec<u8>, Rejected> {
    let mut out = Vec::with_capacity((body.len() * 8).min(max));
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

/// The inventory as it is stored, gzip-compressed: the agent's gzip body as received, or its JSON
/// compressed here; but when the JSON is much larger than what the collector understands of it
/// (fields it does not know, padding), the typed inventory re-encoded, so nobody can store, and
/// make every later reader decompress, megabytes the collector ignores.
///
/// Serialising the inventory to measure it costs a tenth of a good report's processing, so a cheap
/// lower estimate ([`estimated_len`]) settles the usual case first.
pub fn stored_form(
    json: &[u8],
    gzip_body: Option<&Bytes>,
    inventory: &Inventory,
) -> std::io::Result<Bytes> {
    let as_received = || match gzip_body {
        Some(body) => Ok(body.clone()),
        None => compress(json).map(Bytes::from),
    };
    if json.len() <= 2 * estimated_len(inventory) {
        return as_received();
    }
    let understood = serialized_len(inventory)?;
    if json.len() <= understood + understood / 8 + 4096 {
        return match gzip_body {
            Some(body) => Ok(body.clone()),
            None => compress(json).map(Bytes::from),
        };
    }
    compress(&serde_json::to_vec(inventory)?).map(Bytes::from)
}

/// Roughly the bytes of `inventory` as compact JSON, without serialising it: its programs' and
/// warnings' text plus a little for keys, and a fixed allowance for the rest.
fn estimated_len(inventory: &Inventory) -> usize {
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let software: usize = inventory
        .software
        .iter()
        .map(|e| {
            e.name.len()
                + e.key.len()
                + text(&e.version)
                + text(&e.publisher)
                + text(&e.architecture)
                + text(&e.install_location)
                + text(&e.identifier)
                + 100
        })
        .sum();
    let warnings: usize = inventory
        .warnings
        .iter()
        .map(|w| w.source.len() + w.message.len() + 40)
        .sum();
    software + warnings + 4096
}

/// Bytes of `inventory` as compact JSON, counted without building them.
fn serialized_len(inventory: &Inventory) -> std::io::Result<usize> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, inventory)?;
    Ok(count.0)
}

/// gzip at the fastest level, for inventories that arrived uncompressed.
fn compress(json: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 6),
        flate2::Compression::fast(),
    );
    encoder.write_all(json)?;
    encoder.finish()
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
    fn gzip_bombs_stop_at_the_cap() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b' '; 1_000_000]).unwrap();
        let bomb = encoder.finish().unwrap();
        let (why, error) = gunzip(&bomb, 1000).unwrap_err();
        assert_eq!(why, Rejection::TooLarge);
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    /// Issue 11.3: what is stored is bounded by what the collector understands of a report.
    #[test]
    fn padding_the_collector_ignores_is_not_stored() {
        let inventory = sunset_loadgen::fake::inventory(3, 40, "Riverside", chrono::Utc::now());
        let json = serde_json::to_vec(&inventory).unwrap();
        let body = Bytes::from(compress(&json).unwrap());
        assert_eq!(stored_form(&json, Some(&body), &inventory).unwrap(), body);
        let mut padded = serde_json::to_value(&inventory).unwrap();
        padded["future_field"] = serde_json::Value::Array(vec![0.into(); 100_000]);
        let padded = serde_json::to_vec(&padded).unwrap();
        let stored = stored_form(&padded, None, &inventory).unwrap();
        let back = gunzip(&stored, 1 << 24).unwrap();
        assert_eq!(back, json, "the typed inventory, re-encoded");
        // A real report needs no serialisation to be kept as it came.
        assert!(json.len() <= 2 * estimated_len(&inventory));
        assert!(serialized_len(&inventory).unwrap() < 2 * estimated_len(&inventory));
    }
}
