//! Patch currency: beside the support status, whether an install has its release's latest update.
//!
//! Two sources. For Windows, the build's UBR against the catalogue's table of cumulative updates
//! (keyed by product and build, ordered by date because hotpatch UBRs can be lower than the update
//! before them). For everything else, the installed version against the release's `latest`, compared
//! under the product's version scheme (Java 8 Update 202 is behind 8u501). A `latest` that is not a
//! version, or a version taken from the product name rather than the install, gives no patch finding.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{Update, UpdateKind, Updates};
use crate::version::Scheme;

/// How long after the catalogue's newest Windows update a PC at that update still counts as current:
/// Microsoft ships a security update every month, so past this the table is too old to tell.
pub const WINDOWS_UPDATE_FRESH_DAYS: i64 = 35;

/// Whether an install is at its release's latest update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchLevel {
    /// Current, behind, or not known.
    pub state: PatchState,
    /// The latest update the catalogue knows (`8u501`, `26100.9168 (KB5121003)`).
    pub latest: String,
    /// When that update was released, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_released: Option<NaiveDate>,
    /// The release date of the first update the install lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_since: Option<NaiveDate>,
    /// Security updates released since the install's own (Windows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_updates: Option<usize>,
    /// The verdict in words, for people.
    pub note: String,
}

/// Patch currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchState {
    /// At the latest update the catalogue knows, and the catalogue is recent enough to tell.
    Current,
    /// Older than the latest update.
    Behind,
    /// At the newest update known, but the catalogue is too old to tell whether newer ones exist.
    Unknown,
}

/// Compares an installed version with its release's `latest` (the first word of it, so
/// `16.0.4265.3 CU26` reads as `16.0.4265.3`). `None` when `latest` is not a version.
pub(crate) fn against_latest(scheme: Scheme, installed: &str, latest: &str) -> Option<PatchLevel> {
    let latest_version = latest.split_whitespace().next()?;
    if !latest_version.contains(|c: char| c.is_ascii_digit())
        || !installed.contains(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let behind = scheme.compare(installed, latest_version).is_lt();
    Some(PatchLevel {
        state: if behind {
            PatchState::Behind
        } else {
            PatchState::Current
        },
        latest: latest.to_owned(),
        latest_released: None,
        missing_since: None,
        missing_updates: None,
        note: if behind {
            format!("behind: the latest update of this release is {latest}")
        } else {
            format!("current: at or above the latest update known ({latest})")
        },
    })
}

/// Compares a Windows build's UBR with the catalogue's cumulative updates of that product and
/// build. `None` when the table has no rows for it.
pub(crate) fn windows(
    updates: &Updates,
    product: &str,
    build: u32,
    ubr: u32,
    today: NaiveDate,
) -> Option<PatchLevel> {
    let rows = updates.of(product, build);
    // The install's own update: its UBR, the newest row with it when several share one.
    let own = rows.iter().rev().find(|u| u.revision == ubr);
    // Hotpatches reach only devices enrolled in hotpatching: a device is measured against them only
    // when its own UBR is a hotpatch.
    let hotpatched = own.is_some_and(|u| is_hotpatch(u.kind));
    let counts = |u: &&Update| u.kind.is_security() && (hotpatched || !is_hotpatch(u.kind));
    let latest = rows.iter().rev().find(counts)?;
    let name = |u: &Update| {
        if u.kb.is_empty() {
            format!("{build}.{}", u.revision)
        } else {
            format!("{build}.{} ({})", u.revision, u.kb)
        }
    };
    let until = updates.data_until.unwrap_or(latest.released);
    let mut level = PatchLevel {
        state: PatchState::Current,
        latest: name(latest),
        latest_released: Some(latest.released),
        missing_since: None,
        missing_updates: None,
        note: String::new(),
    };
    let installed_on = match own {
        Some(own) => Some(own.released),
        // Not listed: newer than every non-hotpatch UBR means newer than the table; otherwise it is
        // an older build the table does not list (before its first row, or a private build).
        None if rows
            .iter()
            .filter(|u| !is_hotpatch(u.kind))
            .all(|u| ubr > u.revision) =>
        {
            level.state = fresh_or_unknown(today, until);
            level.note = format!(
                "{build}.{ubr} is newer than every update in the catalogue's table (to {until})"
            );
            return Some(level);
        }
        None => rows
            .iter()
            .filter(|u| u.revision < ubr)
            .map(|u| u.released)
            .max(),
    };
    let missing: Vec<&Update> = rows
        .iter()
        .filter(|u| counts(u) && installed_on.is_none_or(|d| u.released > d))
        .collect();
    if let Some(first) = missing.first() {
        level.state = PatchState::Behind;
        level.missing_since = Some(first.released);
        level.missing_updates = Some(missing.len());
        level.note = format!(
            "behind: {build}.{ubr} lacks {} security update(s) since {} (first {}); the latest known is {} of {}",
            missing.len(),
            first.released,
            name(first),
            level.latest,
            latest.released
        );
    } else {
        level.state = fresh_or_unknown(today, until);
        level.note = match level.state {
            PatchState::Current => format!("current: has {} of {}", level.latest, latest.released),
            _ => format!(
                "at the newest update the catalogue knows ({} of {}); its table ends {until}, so newer updates are likely",
                level.latest, latest.released
            ),
        };
    }
    Some(level)
}

fn is_hotpatch(kind: UpdateKind) -> bool {
    matches!(kind, UpdateKind::Hotpatch | UpdateKind::HotpatchOob)
}

fn fresh_or_unknown(today: NaiveDate, until: NaiveDate) -> PatchState {
    if (today - until).num_days() <= WINDOWS_UPDATE_FRESH_DAYS {
        PatchState::Current
    } else {
        PatchState::Unknown
    }
}
