//! Software an organisation has looked at and decided needs no lifecycle (`[[reviewed]]`).
//!
//! Unmatched software is a to-do list for whoever keeps the catalogue; most of it (drivers,
//! runtimes' helpers, in-house scripts) needs no end-of-support date at all. A `[[reviewed]]`
//! entry records that decision with its reason, who made it and when, so the triage page can set
//! it aside. Allowed in base and overlay files alike, read by the same loader.
//!
//! ```toml
//! [[reviewed]]
//! name = "Lexmark * Driver"      # exact, case-insensitive; or a glob with * and ?
//! publisher = "Lexmark*"         # optional, matched the same way
//! reason = "Printer driver; replaced with the printer"
//! by = "IT service desk"
//! on = 2026-12-01
//! ```

use chrono::NaiveDate;
use toml::Spanned;

use super::layer::Layer;
use super::load::{Checker, Here};
use super::model::ReviewedSpec;
use super::pattern::{Pattern, glob_to_regex};

/// One reviewed entry, checked.
#[derive(Debug)]
pub struct Reviewed {
    /// The name as written (exact or glob).
    pub name: String,
    /// The publisher as written, if any.
    pub publisher: Option<String>,
    /// Why it needs no lifecycle.
    pub reason: String,
    /// Who decided.
    pub by: Option<String>,
    /// When.
    pub on: Option<NaiveDate>,
    /// The file that says so.
    pub layer: Layer,
    name_match: NameMatch,
    publisher_match: Option<NameMatch>,
}

/// A name as compared exactly: trimmed, runs of white space as one, lower case (installers
/// differ in spacing; the collector's triage keys names the same way).
fn collapsed(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// An exact name (lower-cased) or a glob compiled to a case-insensitive anchored regex.
#[derive(Debug)]
enum NameMatch {
    Exact(String),
    Glob(Pattern),
}

impl NameMatch {
    fn new(text: &str) -> Result<NameMatch, String> {
        if text.contains(['*', '?']) {
            let regex = format!("(?i)^(?:{})$", glob_to_regex(text.trim()));
            Pattern::new(regex).map(NameMatch::Glob)
        } else {
            Ok(NameMatch::Exact(collapsed(text)))
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            NameMatch::Exact(name) => *name == collapsed(value),
            NameMatch::Glob(pattern) => pattern.is_match(value.trim()),
        }
    }
}

impl Reviewed {
    /// Whether this entry covers software with this name and publisher. An entry with a publisher
    /// needs the software's publisher to match it; one without covers any publisher.
    pub fn covers(&self, name: &str, publisher: Option<&str>) -> bool {
        self.name_match.matches(name)
            && self
                .publisher_match
                .as_ref()
                .is_none_or(|p| publisher.is_some_and(|value| p.matches(value)))
    }
}

impl Checker {
    /// Checks one `[[reviewed]]` entry: a non-empty name and reason, a calendar date.
    pub(super) fn reviewed(
        &mut self,
        here: &Here,
        layer: &Layer,
        n: usize,
        spec: Spanned<ReviewedSpec>,
    ) -> Option<Reviewed> {
        let before = self.problems.len();
        let spec = spec.into_inner();
        let path = format!("reviewed[{n}]");
        let mut text = |field: &str, value: &Spanned<String>| -> Option<NameMatch> {
            if value.get_ref().trim().is_empty() {
                self.at(
                    here,
                    value.span(),
                    &format!("{path}.{field}"),
                    "must not be empty",
                );
                return None;
            }
            match NameMatch::new(value.get_ref()) {
                Ok(matcher) => Some(matcher),
                Err(error) => {
                    let message = format!("pattern does not compile: {error}");
                    self.at(here, value.span(), &format!("{path}.{field}"), &message);
                    None
                }
            }
        };
        let name_match = text("name", &spec.name);
        let publisher_match = spec.publisher.as_ref().map(|p| text("publisher", p));
        if spec.reason.get_ref().trim().is_empty() {
            let message = "say why it needs no lifecycle";
            self.at(here, spec.reason.span(), &format!("{path}.reason"), message);
        }
        let on = match &spec.on {
            Some(value) => self.date(here, &format!("{path}.on"), value),
            None => None,
        };
        if self.problems.len() != before {
            return None;
        }
        Some(Reviewed {
            name: spec.name.into_inner(),
            publisher: spec.publisher.map(Spanned::into_inner),
            reason: spec.reason.into_inner(),
            by: spec.by,
            on,
            layer: layer.clone(),
            name_match: name_match?,
            // A publisher that did not check was reported above, so `None` here is no publisher.
            publisher_match: publisher_match.flatten(),
        })
    }
}
