//! Checked forms of the catalogue's lifecycle rules beyond cycle dates: who covers an extended
//! window, a rolling-release product's policy, and the Windows cumulative-update table.
//!
//! The loader builds these from the TOML types in [`super::model`] (checking them, with every problem
//! located) and evaluation reads them; nothing here looks at an inventory.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::model::{CoverKind, DateSource, UpdateKind};

/// Who gives cover in a release's extended window, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledCover {
    /// Automatic, an enrolment the agent can see, or a contract.
    pub kind: CoverKind,
    /// The programme an agent reports in `Inventory.cover` (enrolments).
    pub program: Option<String>,
    /// For a programme sold by the year: the last day of each year, year 1 first.
    pub years: Vec<NaiveDate>,
    /// What an organisation buys (`Windows 10 ESU licence`).
    pub offer: Option<String>,
}

impl CompiledCover {
    /// The last day a licence for `year` covers: the year's own end, or the whole window when the
    /// programme is not sold by the year (or the year is not known).
    pub fn year_end(&self, year: Option<u32>) -> Option<NaiveDate> {
        let index = usize::try_from(year?.checked_sub(1)?).ok()?;
        self.years.get(index).copied()
    }
}

/// Which releases a rolling-release product supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyRule {
    /// Only the newest N releases (cycles) get security fixes.
    LatestReleases(u32),
    /// The vendor refuses (and does not fix) versions below this one, from `since`.
    Minimum {
        /// The minimum version.
        version: String,
        /// When it took effect.
        since: NaiveDate,
    },
}

/// A rolling-release product's policy, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledPolicy {
    /// The rule.
    pub rule: PolicyRule,
    /// How often the vendor releases or raises its minimum, in days.
    pub cadence_days: u32,
    /// The day the product's release list was last complete, when the policy says.
    pub releases_as_of: Option<NaiveDate>,
    /// Where the policy is stated.
    pub source: DateSource,
    /// The policy in the vendor's words.
    pub note: Option<String>,
}

impl CompiledPolicy {
    /// How long after the product's data was read its newest release (or minimum) is still known
    /// to be current: for "latest N releases", N releases' worth of the cadence; for a minimum, one
    /// cadence after it took effect.
    pub fn trusted_days(&self) -> i64 {
        let releases = match self.rule {
            PolicyRule::LatestReleases(n) => i64::from(n.max(1)),
            PolicyRule::Minimum { .. } => 1,
        };
        releases * i64::from(self.cadence_days)
    }

    /// A short description for evidence (`only the latest 1 release(s), a new one every 14 days`).
    pub fn describe(&self) -> String {
        match &self.rule {
            PolicyRule::LatestReleases(n) => format!(
                "only the latest {n} release(s) get security fixes, a new release about every {} days",
                self.cadence_days
            ),
            PolicyRule::Minimum { version, since } => format!(
                "minimum supported version {version} (since {since}), raised about every {} days",
                self.cadence_days
            ),
        }
    }
}

/// One cumulative update of a Windows build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// UBR after the update.
    pub revision: u32,
    /// Release date.
    pub released: NaiveDate,
    /// Knowledge-base article; empty for a build's first release.
    pub kb: String,
    /// Microsoft's release type.
    pub kind: UpdateKind,
}

/// The cumulative updates of each (product, build), oldest first.
#[derive(Clone, Debug, Default)]
pub struct Updates {
    /// Where the rows come from.
    pub source: Option<DateSource>,
    /// The newest release date the table covers.
    pub data_until: Option<NaiveDate>,
    by_build: HashMap<(String, u32), Vec<Update>>,
}

impl Updates {
    /// A table from its checked rows.
    pub(crate) fn new(
        source: DateSource,
        data_until: NaiveDate,
        rows: Vec<(String, u32, Update)>,
    ) -> Updates {
        let mut by_build: HashMap<(String, u32), Vec<Update>> = HashMap::new();
        for (product, build, update) in rows {
            by_build.entry((product, build)).or_default().push(update);
        }
        for updates in by_build.values_mut() {
            updates.sort_by_key(|u| (u.released, u.revision));
        }
        Updates {
            source: Some(source),
            data_until: Some(data_until),
            by_build,
        }
    }

    /// The updates of `build` for the catalogue product `product`, oldest first.
    pub fn of(&self, product: &str, build: u32) -> &[Update] {
        self.by_build
            .get(&(product.to_owned(), build))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the table has any rows.
    pub fn is_empty(&self) -> bool {
        self.by_build.is_empty()
    }
}
