//! Organisations and what users are granted on them: an organisation's kind, its ODS code, and the
//! roles. Pure values (no I/O): the store keeps them by name, the command line parses them, and
//! `admin` decides what each role may do.
//!
//! Organisations form one tree under a root, the whole estate the collector serves (created by
//! migration 5, kind [`OrgKind::Estate`]): an ICB → PCN → practice, a trust → hospital → ward.
//! Every site belongs to one organisation; a user holds one role on one organisation and sees
//! everything below it (`store::Scope`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of organisation a node of the tree is. Stored by name ([`OrgKind::as_str`]).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum OrgKind {
    /// The root: the whole estate this collector serves (one per database, made by the migration).
    #[value(skip)]
    Estate,
    /// Integrated care board.
    Icb,
    /// Primary care network.
    Pcn,
    /// GP practice.
    Practice,
    /// NHS trust.
    Trust,
    /// A hospital or other trust site.
    Hospital,
    /// A ward or department.
    Ward,
    /// A community clinic.
    Clinic,
    /// Anything else (a federation, a social care provider, a team).
    Other,
}

impl OrgKind {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The kinds an organisation can be given (every kind but the root's).
    pub fn assignable() -> impl Iterator<Item = OrgKind> {
        <OrgKind as strum::IntoEnumIterator>::iter().filter(|k| *k != OrgKind::Estate)
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a user may do within the organisation subtree they are granted. Stored by name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    /// Sees the hosts of the subtree.
    Viewer,
    /// Also records and removes accepted risks for them.
    RiskOwner,
    /// Also, on the whole estate (the root), reloads the catalogue.
    Admin,
}

impl Role {
    /// As stored and shown (the command line's `--role` spelling).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the role may change the risk register (within its scope).
    pub fn may_change_risks(self) -> bool {
        self >= Role::RiskOwner
    }

    /// Whether the role administers what it is granted (the catalogue, on the root only).
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest ODS code: NHS England's developer guide says codes are "1 to 9 alphanumeric
/// characters" (<https://digital.nhs.uk/developer/guides-and-documentation/building-healthcare-software/organisations-and-services>,
/// read 2026-12-04: `A81001` a practice, `K81003001` a branch surgery, `RXX` a trust).
pub const MAX_ODS_CHARS: usize = 9;

/// An ODS code (Organisation Data Service): 1 to 9 ASCII letters and digits, kept upper case (the
/// service's own spelling), so `a81001` and `A81001` are the same code.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OdsCode(String);

/// Why a text is not an ODS code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an ODS code is 1 to {MAX_ODS_CHARS} letters and digits (got {0:?})")]
pub struct BadOdsCode(pub String);

impl FromStr for OdsCode {
    type Err = BadOdsCode;

    fn from_str(text: &str) -> Result<OdsCode, BadOdsCode> {
        let code = text.trim();
        if code.is_empty()
            || code.len() > MAX_ODS_CHARS
            || !code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            let shown: String = code.chars().take(40).collect();
            return Err(BadOdsCode(shown));
        }
        Ok(OdsCode(code.to_ascii_uppercase()))
    }
}

impl OdsCode {
    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OdsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest organisation name (NHS names run to about 100 characters).
pub const MAX_NAME_CHARS: usize = 200;

/// An organisation's name, trimmed; `None` when empty or longer than [`MAX_NAME_CHARS`].
pub fn checked_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.contains(['\n', '\r']))
        .then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_spelling_each_way() {
        for kind in <OrgKind as strum::IntoEnumIterator>::iter() {
            assert_eq!(kind.as_str().parse::<OrgKind>().unwrap(), kind);
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        for role in [Role::Viewer, Role::RiskOwner, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            let value = clap::ValueEnum::to_possible_value(&role).unwrap();
            assert_eq!(
                value.get_name(),
                role.as_str(),
                "the CLI spells it as stored"
            );
        }
        assert_eq!(Role::RiskOwner.as_str(), "risk-owner");
        assert!(!OrgKind::assignable().any(|k| k == OrgKind::Estate));
        assert!(clap::ValueEnum::to_possible_value(&OrgKind::Estate).is_none());
    }

    #[test]
    fn roles_are_ordered_by_what_they_may_do() {
        assert!(!Role::Viewer.may_change_risks());
        assert!(Role::RiskOwner.may_change_risks() && !Role::RiskOwner.is_admin());
        assert!(Role::Admin.may_change_risks() && Role::Admin.is_admin());
    }

    #[test]
    fn ods_codes_are_short_alphanumeric_and_upper_case() {
        for (given, stored) in [
            ("A81001", "A81001"),
            (" qwe ", "QWE"),
            ("K81003001", "K81003001"),
            ("U12345", "U12345"),
        ] {
            assert_eq!(given.parse::<OdsCode>().unwrap().as_str(), stored);
        }
        for bad in [
            "",
            "  ",
            "A8100100X1",
            "A81-001",
            "Ä81001",
            "A 81001",
            "RXX;",
        ] {
            assert!(bad.parse::<OdsCode>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            checked_name("  Riverside Surgery "),
            Some("Riverside Surgery")
        );
        assert_eq!(checked_name(" "), None);
        assert_eq!(checked_name(&"x".repeat(MAX_NAME_CHARS + 1)), None);
        assert_eq!(checked_name("two\nlines"), None);
    }
}
