//! The filters every page, listing and export takes in its query string — `org`, `site`,
//! `status`, `product`, `os`, `q` (host name), `target`, `stale`, `clone`, `limit`, `offset` — for the
//! dashboard, the JSON API and the exports, and their parse into the store's typed [`Selection`].
//!
//! [`Filter`] is the query string as sent (the dashboard echoes it into its forms and links);
//! [`Filter::selection`] is what the store is asked, always inside the caller's scope: `org` (an
//! organisation's name, ODS code or id) narrows it to that organisation's subtree, and one the
//! caller cannot see is a 404, exactly as one that does not exist. A status or target that is not
//! one, or a `stale` that is neither yes nor no, is a 400 naming the parameter, rather than an
//! empty list.

use std::str::FromStr;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use crate::db::Db;
use crate::http::{ApiError, Caller};
use crate::store::{self, OrgError, Scope, Selection};

/// Largest `offset` a listing accepts.
pub const MAX_OFFSET: i64 = 1_000_000_000;
/// Longest text filter kept (longer is cut; no real site, product or host name comes close).
const MAX_TEXT: usize = 200;

/// A listing's query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Filter {
    /// Organisation (name, ODS code or id): only hosts of its subtree.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub org: Option<String>,
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
    /// Only hosts flagged as clones (`true`): one hardware identity under two host ids, or one
    /// host id on two machines.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub clone: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Rows to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

fn is_blank(value: &Option<String>) -> bool {
    text(value).is_none()
}

/// A text filter: trimmed, `None` when blank, at most [`MAX_TEXT`] characters.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(MAX_TEXT).collect())
}

/// A catalogue enum by name; anything else is a 400 listing the names it could be.
fn named<T: FromStr + Copy>(
    value: &Option<String>,
    field: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Option<T>, ApiError> {
    let Some(given) = text(value) else {
        return Ok(None);
    };
    given.parse().map(Some).map_err(|_| {
        let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
        ApiError::field(
            StatusCode::BAD_REQUEST,
            format!(
                "{field} must be one of {} (got {given:?})",
                names.join(", ")
            ),
            field,
        )
    })
}

/// A yes/no filter (`true`, `1`, `yes`, `on` or their opposites; blank is no); anything else is a
/// 400 naming the parameter.
fn yes_or_no(value: &Option<String>, field: &str) -> Result<bool, ApiError> {
    match text(value).as_deref() {
        None | Some("false" | "0" | "no" | "off") => Ok(false),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some(other) => Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            format!("{field} must be true or false (got {other:?})"),
            field,
        )),
    }
}

impl Filter {
    /// What the store is asked for on behalf of `caller`: inside their scope, narrowed to `org`.
    pub async fn selection(&self, db: &Db, caller: &Caller) -> Result<Selection, ApiError> {
        let scope = self.scope(db, caller).await?;
        self.selection_within(scope)
    }

    /// The caller's scope, or the subtree of the organisation `org` names inside it.
    pub async fn scope(&self, db: &Db, caller: &Caller) -> Result<Scope, ApiError> {
        let Some(reference) = text(&self.org) else {
            return Ok(caller.user.scope.clone());
        };
        match store::find_org(db, &caller.user.scope, &reference).await {
            Ok(org) => Ok(org.scope()),
            Err(OrgError::Db(e)) => Err(e.into()),
            Err(e @ OrgError::Ambiguous { .. }) => Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                e.to_string(),
                "org",
            )),
            // Not found, or not the caller's to see: the same answer.
            Err(_) => Err(ApiError::field(
                StatusCode::NOT_FOUND,
                format!("no organisation {reference:?} that you can see"),
                "org",
            )),
        }
    }

    /// What the store is asked for inside `scope` (every filter but `org`, which chose it).
    pub fn selection_within(&self, scope: Scope) -> Result<Selection, ApiError> {
        let stale = yes_or_no(&self.stale, "stale")?;
        let clones = yes_or_no(&self.clone, "clone")?;
        let mut selection = Selection::new(scope);
        selection.site = text(&self.site);
        selection.status = named(&self.status, "status", &Status::ALL, Status::as_str)?;
        selection.product = text(&self.product);
        selection.os = text(&self.os);
        selection.host_name = text(&self.q);
        selection.target = named(&self.target, "target", &Target::ALL, Target::as_str)?;
        selection.stale = stale;
        selection.clones = clones;
        Ok(selection)
    }

    /// Page bounds: at most `max` rows, from an offset of 0 to [`MAX_OFFSET`] (anything else is
    /// refused, so `offset + limit` can never overflow).
    pub fn page(&self, default: i64, max: i64) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(default).clamp(1, max);
        let offset = self.offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                format!("offset must be 0 to {MAX_OFFSET} (got {offset})"),
                "offset",
            ));
        }
        Ok((limit, offset))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn filter(query: &str) -> Filter {
        serde_urlencoded::from_str(query).unwrap()
    }

    #[test]
    fn the_query_string_becomes_a_typed_selection() {
        let selection =
            filter("site=Riverside&status=unsupported&target=os&q=+WKS+&stale=true&os=")
                .selection_within(Scope::estate())
                .unwrap();
        let mut expected = Selection::new(Scope::estate());
        expected.site = Some("Riverside".into());
        expected.status = Some(Status::Unsupported);
        expected.host_name = Some("WKS".into());
        expected.target = Some(Target::Os);
        expected.stale = true;
        assert_eq!(selection, expected);
        let everything = filter("").selection_within(Scope::estate()).unwrap();
        assert_eq!(everything, Selection::new(Scope::estate()));
        assert!(
            !filter("stale=false")
                .selection_within(Scope::estate())
                .unwrap()
                .stale
        );
    }

    #[test]
    fn bad_values_are_400_naming_the_parameter() {
        for (query, field) in [
            ("status=retired", "status"),
            ("status=Unsupported", "status"),
            ("target=firmware", "target"),
            ("stale=maybe", "stale"),
            ("clone=maybe", "clone"),
            ("offset=-1", "offset"),
        ] {
            let f = filter(query);
            let error = f
                .selection_within(Scope::estate())
                .and_then(|_| f.page(10, 10).map(|_| ()))
                .unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(error.field.as_deref(), Some(field), "{query}");
        }
    }
}
