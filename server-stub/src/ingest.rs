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
        // The inventory is stored compressed: a gzip body as it arrived, anything else gzipped here.
        let (json, inventory_gz) = if gzip {
            (gunzip(&body, limits.max_decompressed_bytes)?, body)
        } else {
            let compressed =
                compress(&body).map_err(|e| (Rejection::Internal, ApiError::internal(e)))?;
            (body.to_vec(), Bytes::from(compressed))
        };
        let inventory = parse(&json, &limits)?;
        let verdict = verdict::judge(&inventory, &catalog_for_eval.catalog, today, expiring_days);
        // The parsed inventory ends here, on this worker thread, not in the database writer.
        Ok::<_, Rejected>((store::HostFacts::of(&inventory), inventory_gz, verdict))
    })
    .await
    .map_err(|e| (Rejection::Internal, ApiError::internal(e)))?;
    let (facts, inventory_gz, verdict) = parsed?;
    let job = store::IngestJob {
        site_id,
        facts,
        inventory_gz,
        verdict,
        catalog_version: catalog.version().to_string(),
        today,
        now: Utc::now(),
    };
    let (report_id, host_id) = (job.facts.host.report_id, job.facts.host.host_id);
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

/// JSON syntax (400), then bounds and schema (422).
///
/// The common case, a good report, costs one allocation-free pass over the bytes (syntax and
/// bounds, [`within_bounds`]) and one typed deserialisation. Only a report that fails either is
/// looked at again, by [`parse_detailed`], to say exactly what is wrong and where.
pub fn parse(json: &[u8], limits: &Limits) -> Result<Inventory, Rejected> {
    if within_bounds(json, limits)
        && let Ok(inventory) = serde_json::from_slice::<Inventory>(json)
    {
        check_inventory(&inventory)?;
        return Ok(inventory);
    }
    parse_detailed(json, limits)
}

/// The same checks as [`parse`], slowly, through a `serde_json::Value`, naming the offending
/// field.
pub fn parse_detailed(json: &[u8], limits: &Limits) -> Result<Inventory, Rejected> {
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
    check_inventory(&inventory)?;
    Ok(inventory)
}

fn check_inventory(inventory: &Inventory) -> Result<(), Rejected> {
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
    Ok(())
}

/// Whether `json` is one well-formed JSON value within every bound [`check_bounds`] enforces,
/// checked in one pass over the bytes without building anything.
fn within_bounds(json: &[u8], limits: &Limits) -> bool {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    serde::de::DeserializeSeed::deserialize(Scan { limits }, &mut deserializer).is_ok()
        && deserializer.end().is_ok()
}

/// Walks any JSON value, refusing one out of bounds.
#[derive(Clone, Copy)]
struct Scan<'a> {
    limits: &'a Limits,
}

impl<'de> serde::de::DeserializeSeed<'de> for Scan<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Scan<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        if s.len() > self.limits.max_string_bytes {
            return Err(E::custom("string too long"));
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut entries = 0usize;
        while seq.next_element_seed(self)?.is_some() {
            entries += 1;
            if entries > self.limits.max_entries {
                return Err(serde::de::Error::custom("too many entries"));
            }
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = 0usize;
        while map.next_key_seed(ScanKey)?.is_some() {
            keys += 1;
            if keys > MAX_OBJECT_KEYS {
                return Err(serde::de::Error::custom("too many keys"));
            }
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

/// An object key of at most [`MAX_KEY_BYTES`].
struct ScanKey;

impl<'de> serde::de::DeserializeSeed<'de> for ScanKey {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl serde::de::Visitor<'_> for ScanKey {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        if s.len() > MAX_KEY_BYTES {
            return Err(E::custom("key too long"));
        }
        Ok(())
    }
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

    /// The fast path accepts exactly what the detailed path accepts, and a report it refuses gets
    /// the detailed path's precise error.
    #[test]
    fn fast_and_detailed_parsing_agree() {
        let limits = Limits {
            max_string_bytes: 64,
            max_entries: 20,
            ..Limits::default()
        };
        let good =
            serde_json::to_value(crate::fake::inventory(7, 12, "Riverside", Utc::now())).unwrap();
        let mut cases: Vec<(String, Vec<u8>)> = vec![
            ("good".into(), serde_json::to_vec(&good).unwrap()),
            ("malformed".into(), b"{\"schema_version\": 1,".to_vec()),
            ("trailing".into(), b"{} {}".to_vec()),
            ("not an object".into(), b"[1, 2]".to_vec()),
            ("empty object".into(), b"{}".to_vec()),
        ];
        let mut long_string = good.clone();
        long_string["software"][3]["name"] = Value::String("x".repeat(65));
        let mut many = good.clone();
        many["software"] = Value::Array(vec![good["software"][0].clone(); 21]);
        let mut long_key = good.clone();
        long_key["os"]["k".repeat(MAX_KEY_BYTES + 1)] = Value::Bool(true);
        let mut wide = good.clone();
        for i in 0..=MAX_OBJECT_KEYS {
            wide["hardware"][format!("extra{i}")] = Value::Null;
        }
        let mut wrong_type = good.clone();
        wrong_type["host"]["hostname"] = Value::from(5);
        let mut no_host = good.clone();
        no_host["host"]["hostname"] = Value::String("  ".into());
        let mut unknown_field = good.clone();
        unknown_field["future_field"] = serde_json::json!({"nested": [1, 2, 3]});
        for (name, value) in [
            ("long string", long_string),
            ("many entries", many),
            ("long key", long_key),
            ("wide object", wide),
            ("wrong type", wrong_type),
            ("blank hostname", no_host),
            ("unknown field", unknown_field),
        ] {
            cases.push((name.into(), serde_json::to_vec(&value).unwrap()));
        }
        for (name, json) in cases {
            let fast = parse(&json, &limits);
            let slow = parse_detailed(&json, &limits);
            match (fast, slow) {
                (Ok(a), Ok(b)) => assert_eq!(
                    serde_json::to_value(a).unwrap(),
                    serde_json::to_value(b).unwrap(),
                    "{name}"
                ),
                (Err((wa, ea)), Err((wb, eb))) => {
                    assert_eq!(wa, wb, "{name}");
                    assert_eq!(
                        (ea.status, ea.error, ea.field),
                        (eb.status, eb.error, eb.field),
                        "{name}"
                    );
                }
                (a, b) => panic!("{name}: fast {:?} vs detailed {:?}", a.is_ok(), b.is_ok()),
            }
        }
        assert!(parse(&serde_json::to_vec(&good).unwrap(), &limits).is_ok());
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
