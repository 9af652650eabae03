//! What a report must be before the collector believes it, checked without ever building a tree
//! of the untrusted JSON.
//!
//! One pass over the bytes ([`scan`]) checks the syntax (400), refuses duplicate keys anywhere
//! (400: serde would keep one silently, and the stored report could then never be read again),
//! and bounds every string, list, object and the number of values in the whole document (422).
//! Unknown fields are walked by the same allocation-free scanner and skipped by the typed pass. The
//! typed pass ([`parse`]) then deserialises the inventory and [`check`] applies the rules serde
//! cannot: a schema version this collector knows, a host name, and a `collected_at` that is not in
//! the future. A report that fails is looked at again with its path tracked, so the answer names
//! the offending field (`software[3].name`) and, for JSON errors, the line and column.

use std::cell::Cell;
use std::hash::BuildHasher;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::de::{DeserializeSeed, Visitor};
use sunset_catalog::inventory::{Inventory, SCHEMA_VERSION};

use crate::config::Limits;
use crate::http::ApiError;
use crate::metrics::Rejection;

/// Most keys in any one JSON object of a report.
pub const MAX_OBJECT_KEYS: usize = 256;
/// Longest object key in a report.
pub const MAX_KEY_BYTES: usize = 256;
/// Earliest `collected_at` accepted: stored times are RFC 3339 text, whose order is time order
/// only for four-digit years, and no agent ran before this.
const EARLIEST: &str = "1970-01-01T00:00:00Z";

/// A refused report: the metrics counter and the answer.
pub type Rejected = (Rejection, ApiError);

fn rejected(
    why: Rejection,
    status: StatusCode,
    message: String,
    field: Option<String>,
) -> Rejected {
    let error = match field {
        Some(field) => ApiError::field(status, message, field),
        None => ApiError::new(status, message),
    };
    (why, error)
}

/// The inventory in `json`, or why it is refused; `now` is the time of receipt and `max_skew` how
/// far ahead of it an agent's clock may be.
pub fn parse(
    json: &[u8],
    limits: &Limits,
    now: DateTime<Utc>,
    max_skew: Duration,
) -> Result<Inventory, Rejected> {
    scan(json, limits)?;
    let inventory = match serde_json::from_slice::<Inventory>(json) {
        Ok(inventory) => inventory,
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_slice(json);
            let error = match serde_path_to_error::deserialize::<_, Inventory>(&mut deserializer) {
                Ok(_) => return Err(internal("typed parse failed only once")),
                Err(error) => error,
            };
            return Err(rejected(
                Rejection::Invalid,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("not a valid inventory: {}", error.inner()),
                Some(display_path(&error.path().to_string())),
            ));
        }
    };
    check(&inventory, now, max_skew)?;
    Ok(inventory)
}

fn internal(message: &str) -> Rejected {
    (Rejection::Internal, ApiError::internal(message))
}

/// The rules the types cannot say.
pub fn check(
    inventory: &Inventory,
    now: DateTime<Utc>,
    max_skew: Duration,
) -> Result<(), Rejected> {
    let invalid = |message: String, field: &str| {
        Err(rejected(
            Rejection::Invalid,
            StatusCode::UNPROCESSABLE_ENTITY,
            message,
            Some(field.to_string()),
        ))
    };
    match inventory.schema_version {
        0 => return invalid("schema_version must be 1 or more".into(), "schema_version"),
        v if v > SCHEMA_VERSION => {
            return invalid(
                format!(
                    "schema_version {v} is newer than this collector understands \
                     ({SCHEMA_VERSION}); upgrade the collector before the agents"
                ),
                "schema_version",
            );
        }
        _ => {}
    }
    if inventory.host.hostname.trim().is_empty() {
        return invalid("hostname is empty".into(), "host.hostname");
    }
    let collected = inventory.host.collected_at;
    if collected > now + max_skew {
        return invalid(
            format!(
                "collected_at {} is more than {} hours ahead of the collector's clock ({}): \
                 fix the clock of this computer",
                crate::store::ts(collected),
                max_skew.num_hours(),
                crate::store::ts(now)
            ),
            "host.collected_at",
        );
    }
    if crate::store::ts(collected).as_str() < EARLIEST {
        return invalid(
            format!(
                "collected_at {collected} is before {EARLIEST}: fix the clock of this computer"
            ),
            "host.collected_at",
        );
    }
    Ok(())
}

/// Checks syntax, duplicate keys and bounds in one allocation-free pass; on failure, a second pass
/// tracks the path to name the field.
pub fn scan(json: &[u8], limits: &Limits) -> Result<(), Rejected> {
    let context = Context::new(limits);
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let first = Scan { context: &context }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if first.is_ok() {
        return Ok(());
    }
    let context = Context::new(limits);
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let mut track = serde_path_to_error::Track::new();
    let result = Scan { context: &context }
        .deserialize(serde_path_to_error::Deserializer::new(
            &mut deserializer,
            &mut track,
        ))
        .and_then(|()| deserializer.end());
    let Err(error) = result else {
        return Err(internal("report scan failed only once"));
    };
    let path = track.path();
    let message = error.to_string();
    let violation = context.violation.take();
    // A key's own problem is tracked with the key as the last segment: name the object instead,
    // except for a duplicate, where the key is the point.
    let keep_last = !matches!(violation, Some(Violation::KeyBound));
    let path = field_path(&path, keep_last);
    Err(match violation {
        Some(Violation::Duplicate(key)) => rejected(
            Rejection::Malformed,
            StatusCode::BAD_REQUEST,
            format!("duplicate key {key:?} in one JSON object ({message})"),
            Some(path),
        ),
        Some(Violation::Bound | Violation::KeyBound) => rejected(
            Rejection::Invalid,
            StatusCode::UNPROCESSABLE_ENTITY,
            message,
            Some(path),
        ),
        Some(Violation::TooManyValues) => rejected(
            Rejection::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            message,
            Some(path),
        ),
        None => rejected(
            Rejection::Malformed,
            StatusCode::BAD_REQUEST,
            format!("malformed JSON: {message}"),
            None,
        ),
    })
}

fn display_path(path: &str) -> String {
    if path.is_empty() || path == "?" {
        ".".to_string()
    } else {
        path.to_string()
    }
}

/// `software[3].name`, from tracked segments; without the last one unless `keep_last`.
fn field_path(path: &serde_path_to_error::Path, keep_last: bool) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let take = if keep_last {
        segments.len()
    } else {
        segments.len().saturating_sub(1)
    };
    let mut out = String::new();
    for segment in &segments[..take] {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => out.push('?'),
        }
    }
    display_path(&out)
}

/// What made the scan stop, beside a syntax error.
#[derive(Debug)]
enum Violation {
    Duplicate(String),
    /// A value out of bounds.
    Bound,
    /// An object key out of bounds (too long, one too many).
    KeyBound,
    TooManyValues,
}

/// State shared by every level of one scan.
struct Context<'a> {
    limits: &'a Limits,
    /// Values seen so far in the whole document.
    values: Cell<usize>,
    violation: Cell<Option<Violation>>,
    /// Random per scan, so no two keys collide for every report.
    seed: u64,
}

impl<'a> Context<'a> {
    fn new(limits: &'a Limits) -> Context<'a> {
        Context {
            limits,
            values: Cell::new(0),
            violation: Cell::new(None),
            seed: std::hash::RandomState::new().hash_one(0u8),
        }
    }

    /// FNV-1a from the seed: keys are short, and SipHash cost a few per cent of a report.
    fn key_hash(&self, key: &str) -> u64 {
        key.bytes()
            .fold(self.seed ^ 0xcbf2_9ce4_8422_2325, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
            })
    }

    fn fail<E: serde::de::Error>(&self, violation: Violation, message: String) -> E {
        self.violation.set(Some(violation));
        E::custom(message)
    }

    fn count<E: serde::de::Error>(&self) -> Result<(), E> {
        let n = self.values.get() + 1;
        self.values.set(n);
        if n > self.limits.max_values {
            return Err(self.fail(
                Violation::TooManyValues,
                format!("more than {} values in one report", self.limits.max_values),
            ));
        }
        Ok(())
    }
}

/// Walks any JSON value, refusing one out of bounds.
#[derive(Clone, Copy)]
struct Scan<'c, 'l> {
    context: &'c Context<'l>,
}

impl<'de> DeserializeSeed<'de> for Scan<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.context.count()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.context.count()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.context.count()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.context.count()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.context.count()
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        self.context.count()?;
        let max = self.context.limits.max_string_bytes;
        if s.len() > max {
            return Err(self.context.fail(
                Violation::Bound,
                format!("string of {} bytes exceeds the limit of {max}", s.len()),
            ));
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.context.count()?;
        let max = self.context.limits.max_entries;
        let mut entries = 0usize;
        while seq.next_element_seed(self)?.is_some() {
            entries += 1;
            if entries > max {
                return Err(self.context.fail(
                    Violation::Bound,
                    format!("more than {max} entries in one list"),
                ));
            }
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.context.count()?;
        let mut seen = KeySet::default();
        while map
            .next_key_seed(ScanKey {
                context: self.context,
                seen: &mut seen,
            })?
            .is_some()
        {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

/// Hashes of the keys of one object so far: the first 32 inline, so the objects of a real report
/// cost no allocation. A 64-bit hash with a per-scan random seed makes a false "duplicate" as
/// likely as never; a crafted collision could only get its own report refused.
#[derive(Default)]
struct KeySet {
    inline: [u64; 32],
    len: usize,
    spill: Vec<u64>,
}

impl KeySet {
    /// Adds a hash; `false` when it was already there.
    fn insert(&mut self, hash: u64) -> bool {
        let inline = &self.inline[..self.len.min(self.inline.len())];
        if inline.contains(&hash) || self.spill.contains(&hash) {
            return false;
        }
        if self.len < self.inline.len() {
            self.inline[self.len] = hash;
        } else {
            self.spill.push(hash);
        }
        self.len += 1;
        true
    }
}

/// One object key: bounded, and new in its object.
struct ScanKey<'c, 'l, 's> {
    context: &'c Context<'l>,
    seen: &'s mut KeySet,
}

impl<'de> DeserializeSeed<'de> for ScanKey<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for ScanKey<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<(), E> {
        if key.len() > MAX_KEY_BYTES {
            return Err(self.context.fail(
                Violation::KeyBound,
                format!("object key of {} bytes exceeds {MAX_KEY_BYTES}", key.len()),
            ));
        }
        if self.seen.len >= MAX_OBJECT_KEYS {
            return Err(self.context.fail(
                Violation::KeyBound,
                format!("more than {MAX_OBJECT_KEYS} keys in one object"),
            ));
        }
        if !self.seen.insert(self.context.key_hash(key)) {
            return Err(self.context.fail(
                Violation::Duplicate(key.chars().take(MAX_KEY_BYTES).collect()),
                format!("duplicate key {key:?}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn limits() -> Limits {
        Limits {
            max_string_bytes: 64,
            max_entries: 20,
            max_values: 2_000,
            ..Limits::default()
        }
    }

    fn good() -> Value {
        serde_json::to_value(sunset_loadgen::fake::inventory(
            7,
            12,
            "Riverside",
            Utc::now(),
        ))
        .unwrap()
    }

    fn refuse(json: &[u8]) -> (Rejection, ApiError) {
        parse(json, &limits(), Utc::now(), Duration::hours(24)).unwrap_err()
    }

    #[test]
    fn a_good_report_parses() {
        let json = serde_json::to_vec(&good()).unwrap();
        let inventory = parse(&json, &limits(), Utc::now(), Duration::hours(24)).unwrap();
        assert_eq!(inventory.host.hostname, "WKS-00007");
    }

    #[test]
    fn bounds_name_the_offending_field() {
        let mut long = good();
        long["software"][3]["name"] = Value::String("x".repeat(65));
        let (why, error) = refuse(&serde_json::to_vec(&long).unwrap());
        assert_eq!(
            (why, error.status, error.field.as_deref()),
            (
                Rejection::Invalid,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("software[3].name")
            ),
            "{}",
            error.error
        );
        let mut many = good();
        many["software"] = Value::Array(vec![good()["software"][0].clone(); 21]);
        let (_, error) = refuse(&serde_json::to_vec(&many).unwrap());
        assert_eq!(error.field.as_deref(), Some("software"), "{}", error.error);
        let mut long_key = good();
        long_key["os"]["k".repeat(MAX_KEY_BYTES + 1)] = Value::Bool(true);
        let (_, error) = refuse(&serde_json::to_vec(&long_key).unwrap());
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut wide = good();
        for i in 0..=MAX_OBJECT_KEYS {
            wide["hardware"][format!("extra{i}")] = Value::Null;
        }
        let (_, error) = refuse(&serde_json::to_vec(&wide).unwrap());
        assert_eq!(error.field.as_deref(), Some("hardware"), "{}", error.error);
    }

    #[test]
    fn type_errors_name_the_field() {
        let mut wrong = good();
        wrong["host"]["hostname"] = Value::from(5);
        let (why, error) = refuse(&serde_json::to_vec(&wrong).unwrap());
        assert_eq!(why, Rejection::Invalid);
        assert_eq!(error.field.as_deref(), Some("host.hostname"));
        let mut blank = good();
        blank["host"]["hostname"] = Value::String("  ".into());
        let (_, error) = refuse(&serde_json::to_vec(&blank).unwrap());
        assert_eq!(error.field.as_deref(), Some("host.hostname"));
    }

    #[test]
    fn syntax_errors_are_400_with_line_and_column() {
        for text in [&b"{\"schema_version\": 1,"[..], b"{} {}", b"[1, 2"] {
            let (why, error) = refuse(text);
            assert_eq!(
                (why, error.status),
                (Rejection::Malformed, StatusCode::BAD_REQUEST)
            );
            assert!(error.error.contains("line 1 column"), "{}", error.error);
        }
    }

    /// Issue 11.6: serde keeps one of two equal keys silently; a report with a duplicate is refused
    /// wherever the duplicate is, known field or not.
    #[test]
    fn duplicate_keys_are_400_naming_the_key() {
        let json = serde_json::to_string(&good()).unwrap();
        let top = format!("{}, \"software\": []}}", &json[..json.len() - 1]);
        let (why, error) = refuse(top.as_bytes());
        assert_eq!(
            (why, error.status),
            (Rejection::Malformed, StatusCode::BAD_REQUEST)
        );
        assert_eq!(error.field.as_deref(), Some("software"), "{}", error.error);
        let nested = json.replacen("\"hostname\":", "\"hostname\":\"A\",\"hostname\":", 1);
        let (_, error) = refuse(nested.as_bytes());
        assert_eq!(
            error.field.as_deref(),
            Some("host.hostname"),
            "{}",
            error.error
        );
        let unknown = format!(
            "{}, \"x\": {{\"a\": 1, \"a\": 2}}}}",
            &json[..json.len() - 1]
        );
        let (_, error) = refuse(unknown.as_bytes());
        assert_eq!(error.field.as_deref(), Some("x.a"), "{}", error.error);
    }

    /// Issue 11.3: an unknown field holding a mass of small values is refused after a bounded
    /// number of them, without building anything.
    #[test]
    fn too_many_values_are_413() {
        let json = serde_json::to_string(&good()).unwrap();
        let zeros = format!("[{}0]", "0,".repeat(19));
        let twenty = format!("[{}]", vec![zeros; 20].join(","));
        let junk = format!("[{}]", vec![twenty; 20].join(","));
        let text = format!("{}, \"future\": {junk}}}", &json[..json.len() - 1]);
        let (why, error) = refuse(text.as_bytes());
        assert_eq!(
            (why, error.status),
            (Rejection::TooLarge, StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert!(
            error.field.as_deref().unwrap().starts_with("future["),
            "{error:?}"
        );
    }

    #[test]
    fn unknown_fields_within_bounds_are_skipped() {
        let mut value = good();
        value["future_field"] = serde_json::json!({"nested": [1, 2, 3]});
        value["software"][0]["source"]["new"] = Value::Bool(true);
        let inventory = parse(
            &serde_json::to_vec(&value).unwrap(),
            &limits(),
            Utc::now(),
            Duration::hours(24),
        )
        .unwrap();
        assert_eq!(inventory.software.len(), 12);
    }

    /// Issue 11.8: a schema this collector does not know is refused, naming the version.
    #[test]
    fn newer_schema_versions_are_422_naming_them() {
        let mut value = good();
        value["schema_version"] = Value::from(999);
        let (_, error) = refuse(&serde_json::to_vec(&value).unwrap());
        assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.field.as_deref(), Some("schema_version"));
        assert!(error.error.contains("999"), "{}", error.error);
    }

    /// Issue 11.5: a clock in the future cannot freeze a host; years that would not sort as text are
    /// refused too.
    #[test]
    fn collected_at_must_not_be_ahead_of_receipt() {
        let now = Utc::now();
        for (when, ok) in [
            (now + Duration::hours(23), true),
            (now - Duration::days(400), true),
            (now + Duration::hours(25), false),
            ("9999-12-31T00:00:00Z".parse().unwrap(), false),
            ("1969-12-31T23:59:59Z".parse().unwrap(), false),
        ] {
            let mut inventory = sunset_loadgen::fake::inventory(1, 3, "x", when);
            inventory.host.collected_at = when;
            let result = check(&inventory, now, Duration::hours(24));
            assert_eq!(result.is_ok(), ok, "{when}");
            if let Err((_, error)) = result {
                assert_eq!(error.field.as_deref(), Some("host.collected_at"));
            }
        }
        let far = r#"{"schema_version":1,"host":{"host_id":"5375e9f8-0000-0000-0000-000000000001",
            "report_id":"5375e9f8-0000-0000-0000-000000000002","hostname":"A","agent_version":"1",
            "collected_at":"+10000-01-01T00:00:00Z"},"os":{"name":"x","version":"1"}}"#;
        let result = parse(far.as_bytes(), &limits(), now, Duration::hours(24));
        let (_, error) = result.unwrap_err();
        assert_eq!(
            error.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            error.error
        );
        assert_eq!(
            error.field.as_deref(),
            Some("host.collected_at"),
            "{}",
            error.error
        );
    }
}
