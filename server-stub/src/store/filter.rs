//! The filters every listing takes, turned into SQL clauses with bound values.

use serde::{Deserialize, Serialize};

use super::sql::{Arg, Sql};

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

pub(super) fn value(v: &Option<String>) -> Option<String> {
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

impl Filter {
    pub(super) fn host_clauses(&self, sql: &mut Sql, stale_cutoff: &str) {
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
