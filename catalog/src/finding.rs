//! What an evaluation says: a [`Finding`] per product, release or hardware verdict, its
//! [`Status`], the [`Evidence`] and [`Dates`] behind it, and the readiness [`Check`]s it rests on.
//!
//! Its own module because both judges produce findings — `evaluate` for product dates and
//! `readiness` for hardware — and neither should import the other's types. These are wire types:
//! the agent prints them and the collector stores them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{DateSource, Kind, Layer, SupportEnd, Target};
use crate::cover::{CoverCheck, DeclaredCover};
use crate::patch::PatchLevel;

/// How long before the end of security support a release counts as `expiring`, by default.
pub const DEFAULT_EXPIRING_DAYS: i64 = 180;

/// Support status of one finding, most urgent first (`Ord` is that order).
///
/// Its name ([`Status::as_str`], the serde tag) is also how the collector stores and filters it;
/// `FromStr` reads it back.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    /// Past the end of security support, with no extended support left.
    Unsupported,
    /// Past the end of security support but inside a paid extended (ESU) window.
    Extended,
    /// Security support ends within the expiring window.
    Expiring,
    /// Product recognised, but its version maps to no known release.
    Unknown,
    /// Supported beyond the expiring window.
    Supported,
}

impl Status {
    /// All statuses, most urgent first.
    pub const ALL: [Status; 5] = [
        Status::Unsupported,
        Status::Extended,
        Status::Expiring,
        Status::Unknown,
        Status::Supported,
    ];

    /// The status as written in JSON and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unsupported => "unsupported",
            Status::Extended => "extended",
            Status::Expiring => "expiring",
            Status::Unknown => "unknown",
            Status::Supported => "supported",
        }
    }
}

/// Knobs of an evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The day to judge support on.
    pub today: NaiveDate,
    /// Days before end of security support that count as `expiring`.
    pub expiring_days: i64,
    /// Contract cover the organisation declares (the collector's configuration); empty for an
    /// agent. Only windows whose cover is a contract, or an enrolment the agent could not check,
    /// take it into account (see [`crate::cover`]).
    pub declared_cover: DeclaredCover,
}

impl Options {
    /// Options for `today` with the default expiring window and no declared cover.
    pub fn new(today: NaiveDate) -> Self {
        Options {
            today,
            expiring_days: DEFAULT_EXPIRING_DAYS,
            declared_cover: DeclaredCover::default(),
        }
    }

    /// These options with `declared` contract cover.
    pub fn with_declared_cover(mut self, declared: DeclaredCover) -> Self {
        self.declared_cover = declared;
        self
    }
}

/// Why a finding was made: which rule matched which inventory field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The matching rule, as written in the catalogue.
    pub rule: String,
    /// The inventory field the rule matched (`software.name`, `os.name`).
    pub field: String,
    /// That field's value.
    pub value: String,
    /// The version that was mapped to a release (after removing packaging such as dpkg epochs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The edition that selected an edition-specific release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Why the verdict is what it is when the cycle's dates alone do not say it ("older than 7.5,
    /// which ended 2023-12-07", "newer than catalogue 151", a rolling policy, a vendor minimum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The dates a verdict rests on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dates {
    /// First release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<NaiveDate>,
    /// End of active support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_support_end: Option<SupportEnd>,
    /// End of security support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_support_end: Option<SupportEnd>,
    /// End of paid extended support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_support_end: Option<SupportEnd>,
}

/// One verdict: a part of the inventory, the product and release it is, and its support status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Which part of the inventory this is about.
    pub target: Target,
    /// What it is on the machine: OS product name, software name, or hardware description.
    pub subject: String,
    /// Version as installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_version: Option<String>,
    /// For software: its identity key in the inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_key: Option<String>,
    /// For software: where it was found (`hklm-uninstall`, `dpkg`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_source: Option<String>,
    /// Catalogue product id.
    pub product_id: String,
    /// Product display name.
    pub product_name: String,
    /// Product kind.
    pub kind: Kind,
    /// Release cycle id, when the version mapped to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// Release label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_label: Option<String>,
    /// The verdict.
    pub status: Status,
    /// The dates of the release.
    pub dates: Dates,
    /// Days from today to the end of security support; negative once it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_until_eol: Option<i64>,
    /// Latest version of the release, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// Reference page for the dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Where the dates come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_source: Option<DateSource>,
    /// Why the product matched.
    pub evidence: Evidence,
    /// Requirement checks behind a hardware-readiness verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Cover found (or not) for a release in its extended window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<CoverCheck>,
    /// Whether the install has its release's latest update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchLevel>,
    /// Which catalogue layer decided it: the base (`built-in`) or an overlay file
    /// (`overlay:<file name>`) whose product or cycle was used. Findings written before layers
    /// existed read as `built-in`, which they were.
    #[serde(default)]
    pub layer: Layer,
}

/// The outcome of one requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Met.
    Pass,
    /// Not met, on evidence.
    Fail,
    /// Not known: the fact was not collected or cannot be classified.
    Unknown,
}

/// One requirement checked against the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What is required (`TPM 2.0`).
    pub requirement: String,
    /// What the machine has (`TPM 1.2`, `not collected`).
    pub actual: String,
    /// The outcome.
    pub outcome: Outcome,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The collector stores and filters statuses and targets by name: `as_str`, the serde tag and
    /// `FromStr` must be one spelling, and `ALL` must list every value in `Ord` order.
    #[test]
    fn status_and_target_names_are_one_spelling() {
        let mut sorted = Status::ALL;
        sorted.sort();
        assert_eq!(sorted, Status::ALL);
        for status in Status::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
            assert_eq!(status.as_str().parse::<Status>().unwrap(), status);
        }
        for target in Target::ALL {
            assert_eq!(serde_json::to_value(target).unwrap(), target.as_str());
            assert_eq!(target.as_str().parse::<Target>().unwrap(), target);
        }
        assert!("Unsupported".parse::<Status>().is_err());
        assert!("".parse::<Target>().is_err());
    }
}
