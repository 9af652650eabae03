//! `[[reviewed]]`: software names an organisation has looked at and decided need no lifecycle
//! (an in-house tool, a driver package, a licence key file). They are not judged — nothing about
//! them changes — but the collector's triage of unmatched software hides them, so what is left is
//! what still needs a decision.
//!
//! A minimal reading kept in its own file: the overlay work (local catalogue files beside the
//! shipped ones) owns the full feature; this is only `name`, `publisher`, `reason`, `by`, `on`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::Catalog;
use super::load::{Checker, Here};

/// A `[[reviewed]]` table as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewedSpec {
    name: Spanned<String>,
    publisher: Option<String>,
    reason: Spanned<String>,
    by: Option<String>,
    on: Option<Spanned<toml::value::Datetime>>,
}

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

impl Checker {
    /// A `[[reviewed]]` table: a name and a reason that are not blank, `on` a calendar date.
    pub(super) fn reviewed(&mut self, here: &Here, spec: ReviewedSpec) -> Option<Reviewed> {
        let mut ok = true;
        if spec.name.get_ref().trim().is_empty() {
            self.at(
                here,
                spec.name.span(),
                "reviewed.name",
                "a name is required",
            );
            ok = false;
        }
        if spec.reason.get_ref().trim().is_empty() {
            let message = "say why no lifecycle is needed";
            self.at(here, spec.reason.span(), "reviewed.reason", message);
            ok = false;
        }
        let on = match &spec.on {
            Some(value) => Some(self.date(here, "reviewed.on", value)?),
            None => None,
        };
        ok.then(|| Reviewed {
            name: spec.name.into_inner().trim().to_string(),
            publisher: spec
                .publisher
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            reason: spec.reason.into_inner().trim().to_string(),
            by: spec.by,
            on,
        })
    }
}

impl Catalog {
    /// Every `[[reviewed]]` entry, in file order.
    pub fn reviewed(&self) -> &[Reviewed] {
        &self.reviewed
    }

    /// Whether software `name` from `publisher` was reviewed as needing no lifecycle.
    pub fn is_reviewed(&self, name: &str, publisher: Option<&str>) -> bool {
        self.reviewed.iter().any(|r| r.covers(name, publisher))
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
