//! The filters every page, listing and export takes in its query string — `org`, `site`,
//! `status`, `product`, `os`, `q` (host name), `target`, `stale`, `clone`, `sort`, `dir`, `limit`,
//! `offset` — for the dashboard, the JSON API and the exports, and their parse into the store's
//! typed [`Selection`] and [`Sort`].
//!
//! [`Filter`] is the query string as sent (the dashboard echoes it into its forms and links);
//! [`Filter::selection`] is what the store is asked, always inside the caller's scope: `org` (an
//! organisation's name, ODS code or id) narrows it to that organisation's subtree, and one the
//! caller cannot see is a 404, exactly as one that does not exist. A status or target that is not
//! one, or a `stale` that is neither yes nor no, is a 400 naming the parameter, rather than an
//! empty list. So is a `sort` that is not one of the list's columns ([`Filter::sort`]): the
//! request picks one of the store's typed keys, and its text never reaches the SQL.
//!
//! The risk register takes its own parameters besides (`owner`, `review`, `days`, `date`:
//! [`RiskQuery`]), parsed the same way into the store's [`RiskFilter`].

use std::str::FromStr;

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use crate::db::Db;
use crate::http::{ApiError, Caller};
use crate::store::{
    self, Direction, OrgError, ReviewWindow, RiskFilter, Scope, Selection, Sort, SortKey,
};

/// Days ahead `review=due` looks without `days`.
pub const DUE_DAYS_DEFAULT: u32 = 30;
/// Largest `days` accepted: ten years (a review date is at most three years away).
const DUE_DAYS_MAX: u32 = 3660;

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
    /// Product: its id, or part of its name, case-insensitive.
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
    /// Column to sort by (each list has its own: [`store::HostSort`], …).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub sort: Option<String>,
    /// `asc` or `desc` (the column's usual direction when left out).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub dir: Option<String>,
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

    /// The order a list of `K` rows is asked for: `sort` one of its columns (a 400 naming the
    /// ones it could be otherwise), `dir` `asc` or `desc`; without `dir`, the column's usual
    /// direction; without either, the list's default order.
    pub fn sort<K: SortKey>(&self) -> Result<Sort<K>, ApiError> {
        let key = match text(&self.sort) {
            None => None,
            Some(given) => Some(store::sort_key::<K>(&given).ok_or_else(|| {
                let names: Vec<&str> = K::ALL.iter().map(|k| k.name()).collect();
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    format!("sort must be one of {} (got {given:?})", names.join(", ")),
                    "sort",
                )
            })?),
        };
        let dir = match text(&self.dir).as_deref() {
            None => None,
            Some("asc") => Some(Direction::Asc),
            Some("desc") => Some(Direction::Desc),
            Some(other) => {
                return Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    format!("dir must be asc or desc (got {other:?})"),
                    "dir",
                ));
            }
        };
        Ok(match key {
            Some(key) => Sort {
                key,
                dir: dir.unwrap_or(key.first_direction()),
            },
            None => Sort {
                dir: dir.unwrap_or(Direction::Asc),
                ..Sort::default()
            },
        })
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

/// The risk register's query string, besides [`Filter`]'s: `owner` (substring), and review dates —
/// `review=overdue` (the date has passed), `review=due` with `days` (in force and due within that
/// many days, 30 without it), or `review=before` with `date` (`YYYY-MM-DD`: review before that
/// day, overdue ones included). Numbers and dates are kept as text so a bad one is a 400 naming
/// its parameter, like every other filter.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RiskQuery {
    /// Owner, substring, case-insensitive.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub owner: Option<String>,
    /// `overdue`, `due` or `before`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub review: Option<String>,
    /// Days ahead, for `review=due`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub days: Option<String>,
    /// The day, for `review=before`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub date: Option<String>,
}

impl RiskQuery {
    /// The register's filter; a review window that is not one, or its number or date missing or
    /// malformed, is a 400 naming the parameter.
    pub fn risk_filter(&self) -> Result<RiskFilter, ApiError> {
        let bad = |field: &str, message: String| {
            Err(ApiError::field(StatusCode::BAD_REQUEST, message, field))
        };
        let review = match text(&self.review).as_deref() {
            None => None,
            Some("overdue") => Some(ReviewWindow::Overdue),
            Some("due") => {
                let days = match text(&self.days) {
                    None => DUE_DAYS_DEFAULT,
                    Some(days) => match days.parse::<u32>() {
                        Ok(n) if n <= DUE_DAYS_MAX => n,
                        _ => {
                            return bad(
                                "days",
                                format!("days must be 0 to {DUE_DAYS_MAX} (got {days:?})"),
                            );
                        }
                    },
                };
                Some(ReviewWindow::DueWithin(days))
            }
            Some("before") => {
                let given = text(&self.date).unwrap_or_default();
                match NaiveDate::parse_from_str(&given, "%Y-%m-%d") {
                    Ok(day) => Some(ReviewWindow::Before(day)),
                    Err(_) => {
                        return bad(
                            "date",
                            format!("review=before needs date=YYYY-MM-DD (got {given:?})"),
                        );
                    }
                }
            }
            Some(other) => {
                return bad(
                    "review",
                    format!("review must be one of overdue, due, before (got {other:?})"),
                );
            }
        };
        Ok(RiskFilter {
            owner: text(&self.owner),
            review,
        })
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
    fn the_register_query_becomes_a_risk_filter() {
        let parse = |query: &str| {
            serde_urlencoded::from_str::<RiskQuery>(query)
                .unwrap()
                .risk_filter()
        };
        assert_eq!(parse("").unwrap(), RiskFilter::default());
        let due = parse("owner=+Manager+&review=due").unwrap();
        assert_eq!(due.owner.as_deref(), Some("Manager"));
        assert_eq!(due.review, Some(ReviewWindow::DueWithin(DUE_DAYS_DEFAULT)));
        assert_eq!(
            parse("review=due&days=7").unwrap().review,
            Some(ReviewWindow::DueWithin(7))
        );
        assert_eq!(
            parse("review=overdue&days=x").unwrap().review,
            Some(ReviewWindow::Overdue)
        );
        assert_eq!(
            parse("review=before&date=2027-02-01").unwrap().review,
            Some(ReviewWindow::Before(
                NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
            ))
        );
        for (query, field) in [
            ("review=soon", "review"),
            ("review=due&days=-1", "days"),
            ("review=due&days=99999", "days"),
            ("review=before", "date"),
            ("review=before&date=01/02/2027", "date"),
        ] {
            let error = parse(query).unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(error.field.as_deref(), Some(field), "{query}");
        }
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
            ("sort=hostname", "sort"),
            ("sort=h.hostname_lower", "sort"),
            ("sort=host&dir=up", "dir"),
        ] {
            let f = filter(query);
            let error = f
                .selection_within(Scope::estate())
                .and_then(|_| f.page(10, 10).map(|_| ()))
                .and_then(|_| f.sort::<store::HostSort>().map(|_| ()))
                .unwrap_err();
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(error.field.as_deref(), Some(field), "{query}");
        }
    }

    #[test]
    fn sort_names_a_column_and_takes_its_usual_direction() {
        use store::{FindingSort, HostSort, ProductSort};
        let sort = |q: &str| filter(q).sort::<HostSort>().unwrap();
        assert_eq!(sort(""), Sort::default());
        assert_eq!(
            sort("sort=last_seen"),
            Sort {
                key: HostSort::LastSeen,
                dir: Direction::Desc
            }
        );
        assert_eq!(
            sort("sort=host&dir=desc"),
            Sort {
                key: HostSort::Host,
                dir: Direction::Desc
            }
        );
        assert_eq!(
            sort("dir=desc"),
            Sort {
                key: HostSort::Status,
                dir: Direction::Desc
            }
        );
        // Each list has its own columns: the hosts' `last_seen` is no finding's or product's.
        let error = filter("sort=last_seen").sort::<FindingSort>().unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert!(error.error.contains("\"last_seen\""), "{}", error.error);
        assert!(
            error.error.contains("security_support_end"),
            "{}",
            error.error
        );
        assert!(filter("sort=hosts").sort::<ProductSort>().is_ok());
    }
}
