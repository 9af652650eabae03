//! `[[reviewed]]`: software names an organisation has looked at and decided need no lifecycle
//! (an in-house tool, a driver package, a licence key file). They are not judged — nothing about
//! them changes — but the collector's triage of unmatched software hides them, so what is left is
//! what still needs a decision.
//!
//! A minimal reading kept in its own file: the overlay work (local catalogue files beside the
//! shipped ones) owns the full feature; this is only `name`, `publisher`, `reason`, `by`, `on`.

use std::ops::Range;

use chrono::NaiveDate;
use serde::Serialize;

use super::model::ReviewedSpec;

/// A software name reviewed as needing no lifecycle, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reviewed {
    /// The software name, exact (compared without regard to case or repeated spaces).
    pub name: String,
    /// The publisher, when the decision is only about that publisher's software of this name.
    pub publisher: Option<String>,
    /// Why no lifecycle is needed (required: a decision without a reason cannot be reviewed).
    pub reason: String,
    /// Who decided.
    pub by: Option<String>,
    /// When.
    pub on: Option<NaiveDate>,
}

/// A name as compared: trimmed, runs of white space as one space, lower case.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Reviewed {
    /// Whether this decision covers software `name` from `publisher`.
    pub fn covers(&self, name: &str, publisher: Option<&str>) -> bool {
        if name_key(&self.name) != name_key(name) {
            return false;
        }
        match &self.publisher {
            None => true,
            Some(wanted) => publisher.is_some_and(|p| name_key(p) == name_key(wanted)),
        }
    }
}

/// What is wrong with a `[[reviewed]]` table besides its date, as (span, field, message): a blank
/// name or reason.
pub(super) fn problems(spec: &ReviewedSpec) -> Vec<(Range<usize>, &'static str, &'static str)> {
    let mut out = Vec::new();
    if spec.name.get_ref().trim().is_empty() {
        out.push((spec.name.span(), "reviewed.name", "a name is required"));
    }
    if spec.reason.get_ref().trim().is_empty() {
        let message = "say why no lifecycle is needed";
        out.push((spec.reason.span(), "reviewed.reason", message));
    }
    out
}

impl Reviewed {
    /// The decision `spec` says, its day `on` already checked.
    pub(super) fn from_spec(spec: ReviewedSpec, on: Option<NaiveDate>) -> Reviewed {
        Reviewed {
            name: spec.name.into_inner().trim().to_string(),
            publisher: spec
                .publisher
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            reason: spec.reason.into_inner().trim().to_string(),
            by: spec.by,
            on,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewed(name: &str, publisher: Option<&str>) -> Reviewed {
        Reviewed {
            name: name.into(),
            publisher: publisher.map(str::to_string),
            reason: "in-house".into(),
            by: None,
            on: None,
        }
    }

    #[test]
    fn names_compare_without_case_or_repeated_spaces_and_a_publisher_narrows() {
        let any = reviewed("Strawberry  Perl (64-bit)", None);
        assert!(any.covers(" strawberry perl (64-BIT) ", None));
        assert!(any.covers("Strawberry Perl (64-bit)", Some("anyone")));
        assert!(!any.covers("Strawberry Perl", None));
        let one = reviewed("Git", Some("The Git Development Community"));
        assert!(one.covers("git", Some("the git  development community")));
        assert!(!one.covers("Git", Some("Someone Else")));
        assert!(!one.covers("Git", None));
        assert_eq!(name_key("  КриптоПро   CSP "), "криптопро csp");
    }
}
