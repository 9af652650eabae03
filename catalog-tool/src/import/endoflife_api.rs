//! endoflife.date's public API JSON, one file per product, as an administrator downloads it — so a
//! central team can refresh the catalogue's dates without waiting for a Sunset release or cloning
//! the upstream repository.
//!
//! Two shapes are read, both into the same [`Page`] the front-matter reader produces, so the
//! import does not care where a page came from:
//!
//! - **v1** (`https://endoflife.date/api/v1/products/<id>`, saved as `<id>.json`): an object
//!   `{"schema_version": "1.x", "generated_at": …, "last_modified": …, "result": {…,
//!   "releases": [ … ]}}`. Each release has `name` (the cycle), `releaseDate`, and each support
//!   end as a pair `isEol`/`eolFrom`, `isEoas`/`eoasFrom`, `isEoes`/`eoesFrom`: a date in `…From`
//!   is the date; otherwise `is…` says whether it has passed (`true`: ended, date unknown;
//!   `false`: no end announced) — the catalogue's `true`/`false`. A pair that is absent or both
//!   `null` is no value (the product does not track that date). `isLts`/`ltsFrom` is the LTS flag
//!   (a date means the cycle is or becomes LTS, as for the pages); `latest.name` is the latest
//!   version and `latest.link` the release link. The day of `generated_at` is the data's date.
//! - **v0** (`https://endoflife.date/api/<id>.json`): an array of the pages' own release entries
//!   with `cycle` for `releaseCycle`. Older v0 files name the support ends `support` and
//!   `extendedSupport`, whose booleans mean the opposite ("still supported"); they are read as
//!   such when `eoas`/`eoes` are absent. v0 has no generation date.
//!
//! JSON has no lines worth the name in a review report, so each release's line is where its cycle
//! id is written (found by a scan of the text, best effort) and its fields share that line.

use chrono::NaiveDate;
use serde_json::{Map, Value as Json};

use super::endoflife_date::{Field, MAX_PAGE_BYTES, Page, PageError, PageRelease, Value};

/// Whether a source file is API JSON rather than a Markdown page: a `.json` name, or a text whose
/// first non-blank character opens a JSON object or array.
pub fn is_api_json(name: &str, text: &str) -> bool {
    name.ends_with(".json")
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '['])
}

/// Reads the releases of a product's API JSON (v1 or v0).
pub fn parse_api(text: &str) -> Result<Page, PageError> {
    if text.len() > MAX_PAGE_BYTES {
        let message = format!(
            "file is {} bytes, more than the {MAX_PAGE_BYTES} accepted",
            text.len()
        );
        return Err(PageError::new(1, message));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json: Json = serde_json::from_str(text)
        .map_err(|e| PageError::new(e.line().max(1), format!("JSON: {e}")))?;
    let (releases, key, shape, data_date) = match &json {
        Json::Object(top) => {
            let result = top.get("result").and_then(Json::as_object).ok_or_else(|| {
                PageError::new(
                    1,
                    "API v1 file has no `result` object (is it a product file?)",
                )
            })?;
            let releases = result
                .get("releases")
                .and_then(Json::as_array)
                .ok_or_else(|| PageError::new(1, "API v1 `result` has no `releases` list"))?;
            let data_date = top
                .get("generated_at")
                .and_then(Json::as_str)
                .and_then(day_of_timestamp);
            (releases, "name", Shape::V1, data_date)
        }
        Json::Array(releases) => (releases, "cycle", Shape::V0, None),
        _ => {
            return Err(PageError::new(
                1,
                "not an API product file (object or list)",
            ));
        }
    };
    let mut lines = CycleLines::new(text, key);
    let mut page = Page {
        data_date,
        ..Page::default()
    };
    for (index, entry) in releases.iter().enumerate() {
        let Some(entry) = entry.as_object() else {
            let line = lines.approximate();
            let message = format!("release {} is not an object; ignored", index + 1);
            page.warnings.push(PageError::new(line, message));
            continue;
        };
        let Some(cycle) = entry.get(key).and_then(cycle_id) else {
            let line = lines.approximate();
            let message = format!("release {} has no `{key}`; ignored", index + 1);
            page.warnings.push(PageError::new(line, message));
            continue;
        };
        let line = lines.find(&cycle);
        let release = match shape {
            Shape::V1 => v1_release(entry, cycle, line),
            Shape::V0 => v0_release(entry, cycle, line),
        };
        if let Some(first) = page.release(&release.cycle) {
            let message = format!(
                "duplicate cycle {:?} (first on line {}); ignored",
                release.cycle, first.line
            );
            page.warnings.push(PageError::new(line, message));
        } else {
            page.releases.push(release);
        }
    }
    Ok(page)
}

#[derive(Clone, Copy)]
enum Shape {
    V1,
    V0,
}

/// A cycle id as written: a string, or a number written as one (v0 of old pages).
fn cycle_id(value: &Json) -> Option<String> {
    match value {
        Json::String(text) if !text.is_empty() => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn v1_release(entry: &Map<String, Json>, cycle: String, line: usize) -> PageRelease {
    let field = |value: Option<Value>| value.map(|value| Field { value, line });
    let latest = entry.get("latest").and_then(Json::as_object);
    PageRelease {
        cycle,
        line,
        release_date: field(entry.get("releaseDate").and_then(scalar)),
        eoas: field(phase(entry, "isEoas", "eoasFrom")),
        eol: field(phase(entry, "isEol", "eolFrom")),
        eoes: field(phase(entry, "isEoes", "eoesFrom")),
        lts: field(phase(entry, "isLts", "ltsFrom")),
        latest: field(latest.and_then(|l| l.get("name")).and_then(scalar)),
        link: field(latest.and_then(|l| l.get("link")).and_then(scalar)),
    }
}

/// A v1 `is…`/`…From` pair: the date if there is one, else the flag; `None` when neither is set.
fn phase(entry: &Map<String, Json>, flag: &str, from: &str) -> Option<Value> {
    match entry.get(from).and_then(scalar) {
        Some(value @ Value::Date(_)) => Some(value),
        _ => entry.get(flag).and_then(Json::as_bool).map(Value::Flag),
    }
}

fn v0_release(entry: &Map<String, Json>, cycle: String, line: usize) -> PageRelease {
    let field = |value: Option<Value>| value.map(|value| Field { value, line });
    let get = |key: &str| entry.get(key).and_then(scalar);
    // `support`/`extendedSupport` (older v0 files): `true` meant "still supported".
    let inverted = |key: &str| {
        get(key).map(|value| match value {
            Value::Flag(flag) => Value::Flag(!flag),
            other => other,
        })
    };
    PageRelease {
        cycle,
        line,
        release_date: field(get("releaseDate")),
        eoas: field(get("eoas").or_else(|| inverted("support"))),
        eol: field(get("eol")),
        eoes: field(get("eoes").or_else(|| inverted("extendedSupport"))),
        lts: field(get("lts")),
        latest: field(get("latest")),
        link: field(get("link")),
    }
}

/// A JSON scalar as a page value: a `YYYY-MM-DD` string is a date, a boolean a flag, any other
/// string or number its text; `null`, arrays and objects are no value.
fn scalar(value: &Json) -> Option<Value> {
    match value {
        Json::Bool(flag) => Some(Value::Flag(*flag)),
        Json::String(text) => Some(
            super::endoflife_date::date(text)
                .map_or_else(|| Value::Text(text.clone()), Value::Date),
        ),
        Json::Number(number) => Some(Value::Text(number.to_string())),
        Json::Null | Json::Array(_) | Json::Object(_) => None,
    }
}

/// The day of an ISO 8601 timestamp (`2026-11-30T06:12:09+00:00` → 2026-11-30).
fn day_of_timestamp(text: &str) -> Option<NaiveDate> {
    text.get(..10).and_then(super::endoflife_date::date)
}

/// Finds, in order, the line on which each release's cycle id is written.
struct CycleLines<'a> {
    text: &'a str,
    /// `"name"` or `"cycle"`, quoted.
    key: String,
    /// Where to search from.
    at: usize,
}

impl<'a> CycleLines<'a> {
    fn new(text: &'a str, key: &str) -> Self {
        // v1: the releases come after the product's own `name`; start at the `releases` key.
        let at = text.find("\"releases\"").unwrap_or(0);
        CycleLines {
            text,
            key: format!("\"{key}\""),
            at,
        }
    }

    /// The line of the search position (for entries without a usable cycle id).
    fn approximate(&self) -> usize {
        line_at(self.text, self.at)
    }

    /// The line of the next `"<key>": "<cycle>"` (or a number), moving past it; the current line
    /// when it cannot be found.
    fn find(&mut self, cycle: &str) -> usize {
        let mut from = self.at;
        while let Some(offset) = self.text[from..].find(&self.key) {
            let start = from + offset;
            let rest = self.text[start + self.key.len()..].trim_start();
            if let Some(value) = rest.strip_prefix(':').map(str::trim_start)
                && first_json_value(value).as_deref() == Some(cycle)
            {
                self.at = start + self.key.len();
                return line_at(self.text, start);
            }
            from = start + self.key.len();
        }
        self.approximate()
    }
}

/// The string or number a JSON text starts with.
fn first_json_value(text: &str) -> Option<String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Json>();
    match stream.next()? {
        Ok(Json::String(s)) => Some(s),
        Ok(Json::Number(n)) => Some(n.to_string()),
        // The value is followed by more of the document: read only the first token.
        _ => {
            let end = text.find([',', '}', ']', '\n']).unwrap_or(text.len());
            match serde_json::from_str::<Json>(text[..end].trim()).ok()? {
                Json::String(s) => Some(s),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            }
        }
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{
  "schema_version": "1.2.0",
  "generated_at": "2026-11-30T06:12:09+00:00",
  "last_modified": "2026-11-02T10:00:00+00:00",
  "result": {
    "name": "demo",
    "label": "Demo",
    "releases": [
      {
        "name": "2",
        "codename": null,
        "label": "2 (LTS)",
        "releaseDate": "2025-04-17",
        "isLts": true,
        "ltsFrom": null,
        "isEoas": false,
        "eoasFrom": "2027-04-17",
        "isEol": false,
        "eolFrom": null,
        "isEoes": null,
        "eoesFrom": null,
        "isMaintained": true,
        "latest": {"name": "2.0.3", "date": "2026-10-01", "link": "https://example.org/2.0.3"}
      },
      {
        "name": "1",
        "releaseDate": "2023-04-17",
        "isLts": false,
        "ltsFrom": null,
        "isEol": true,
        "eolFrom": null,
        "isMaintained": false,
        "latest": null
      }
    ]
  }
}"#;

    #[test]
    fn v1_pairs_become_dates_or_flags_and_absent_pairs_no_value() {
        let page = parse_api(V1).unwrap();
        assert_eq!(page.data_date, NaiveDate::from_ymd_opt(2026, 11, 30));
        let two = page.release("2").unwrap();
        assert_eq!(two.line, 10);
        let value = |f: &Option<Field>| f.as_ref().map(|f| f.value.clone());
        assert_eq!(
            value(&two.eoas),
            Some(Value::Date(NaiveDate::from_ymd_opt(2027, 4, 17).unwrap()))
        );
        assert_eq!(value(&two.eol), Some(Value::Flag(false)));
        assert_eq!(value(&two.eoes), None);
        assert_eq!(value(&two.lts), Some(Value::Flag(true)));
        assert_eq!(value(&two.latest), Some(Value::Text("2.0.3".into())));
        let one = page.release("1").unwrap();
        assert_eq!(one.line, 26);
        assert_eq!(value(&one.eol), Some(Value::Flag(true)));
        assert_eq!((value(&one.eoas), value(&one.latest)), (None, None));
    }

    #[test]
    fn v0_reads_page_keys_and_inverts_the_old_support_flags() {
        let v0 = r#"[{"cycle":"22.04","releaseDate":"2022-04-21","eol":"2027-06-01","eoes":"2032-04-09","lts":true,"latest":"22.04.5"},
{"cycle":"7","releaseDate":"2014-06-10","support":true,"extendedSupport":"2028-06-30","eol":"2024-06-30","latest":7.9}]"#;
        let page = parse_api(v0).unwrap();
        assert_eq!(page.data_date, None);
        let seven = page.release("7").unwrap();
        assert_eq!(seven.line, 2);
        assert_eq!(seven.eoas.as_ref().unwrap().value, Value::Flag(false));
        assert_eq!(
            seven.latest.as_ref().unwrap().value,
            Value::Text("7.9".into())
        );
        assert!(matches!(
            page.release("22.04").unwrap().eoes.as_ref().unwrap().value,
            Value::Date(_)
        ));
    }

    #[test]
    fn broken_or_foreign_json_is_an_error_with_a_line() {
        assert_eq!(parse_api("{\n\"result\": [").unwrap_err().line, 2);
        assert!(parse_api(r#"{"result": {"name": "x"}}"#).is_err());
        assert!(parse_api("3").is_err());
        let page = parse_api(r#"[{"releaseDate": "2020-01-01"}, 4]"#).unwrap();
        assert_eq!((page.releases.len(), page.warnings.len()), (0, 2));
        assert!(
            is_api_json("x.json", "") && is_api_json("x", " \n{") && !is_api_json("x.md", "---")
        );
    }
}
