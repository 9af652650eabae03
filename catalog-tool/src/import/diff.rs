//! What a catalogue change (an import, a hand edit) changes for findings.
//!
//! Compares two catalogues product by product and cycle by cycle: cycles added or removed, support
//! ends moved, version ranges and editions changed, and which releases' statuses flip as of a
//! given day. Pure: file texts and `today` in, a [`Diff`] out.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::NaiveDate;

use super::Location;
use sunset_catalog::catalog::{Catalog, CompiledRelease, Entry, LoadError, SupportEnd};
use sunset_catalog::finding::{Options, Status};

/// One change that matters for findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A product only in the new catalogue.
    ProductAdded,
    /// A product only in the old catalogue.
    ProductRemoved,
    /// A cycle only in the new catalogue, with its status on the day.
    CycleAdded(Status),
    /// A cycle only in the old catalogue, with its status on the day.
    CycleRemoved(Status),
    /// A support end moved (`None`: the field is absent on that side).
    Moved {
        /// `active_support_end`, `security_support_end` or `extended_support_end`.
        field: &'static str,
        /// Before.
        old: Option<SupportEnd>,
        /// After.
        new: Option<SupportEnd>,
    },
    /// The cycle's version range changed.
    Versions {
        /// Before.
        old: String,
        /// After.
        new: String,
    },
    /// The editions the cycle is limited to changed.
    Editions {
        /// Before.
        old: Vec<String>,
        /// After.
        new: Vec<String>,
    },
    /// Findings for this cycle would change status on the day.
    Status {
        /// Before.
        old: Status,
        /// After.
        new: Status,
    },
}

/// A change to a product or one of its cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Where it is written: in the new catalogue, or the old one for removals.
    pub at: Option<Location>,
    /// Product id.
    pub product: String,
    /// Cycle id; `None` for product-level changes.
    pub cycle: Option<String>,
    /// What changed.
    pub change: Change,
}

/// The differences between two catalogues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// The day statuses are judged on.
    pub today: NaiveDate,
    /// Old catalogue version.
    pub old_version: String,
    /// New catalogue version.
    pub new_version: String,
    /// Cycles present in both.
    pub cycles_compared: usize,
    /// The changes, by product then cycle.
    pub lines: Vec<Line>,
}

impl Diff {
    /// How many statuses flip.
    pub fn status_flips(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| matches!(l.change, Change::Status { .. }))
            .count()
    }
}

/// Which side failed to load.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The old catalogue does not load.
    #[error("old catalogue: {0}")]
    Old(LoadError),
    /// The new catalogue does not load.
    #[error("new catalogue: {0}")]
    New(LoadError),
}

fn show(end: Option<SupportEnd>) -> String {
    end.map_or_else(|| "(none)".to_string(), |e| e.to_string())
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        write!(f, "{}", self.product)?;
        if let Some(cycle) = &self.cycle {
            write!(f, " {cycle}")?;
        }
        match &self.change {
            Change::ProductAdded => write!(f, ": product added"),
            Change::ProductRemoved => write!(f, ": product removed"),
            Change::CycleAdded(status) => write!(f, ": cycle added ({})", status.as_str()),
            Change::CycleRemoved(status) => write!(f, ": cycle removed (was {})", status.as_str()),
            Change::Moved { field, old, new } => {
                write!(f, ": {field}: {} -> {}", show(*old), show(*new))
            }
            Change::Versions { old, new } => write!(f, ": versions: '{old}' -> '{new}'"),
            Change::Editions { old, new } => write!(f, ": editions: {old:?} -> {new:?}"),
            Change::Status { old, new } => {
                write!(f, ": status flips: {} -> {}", old.as_str(), new.as_str())
            }
        }
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "catalogue {} -> {}, statuses as of {}",
            self.old_version, self.new_version, self.today
        )?;
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        let products: BTreeSet<&str> = self.lines.iter().map(|l| l.product.as_str()).collect();
        writeln!(
            f,
            "{} change(s) in {} product(s), {} status flip(s); {} cycle(s) in both",
            self.lines.len(),
            products.len(),
            self.status_flips(),
            self.cycles_compared
        )
    }
}

/// Compares two catalogues given as `(file name, text)` pairs, judging statuses on `today`.
pub fn diff<N: AsRef<str>, T: AsRef<str>>(
    old_files: &[(N, T)],
    new_files: &[(N, T)],
    today: NaiveDate,
) -> Result<Diff, DiffError> {
    let old = Catalog::from_files(old_files).map_err(DiffError::Old)?;
    let new = Catalog::from_files(new_files).map_err(DiffError::New)?;
    let old_at = super::layout::locate(old_files);
    let new_at = super::layout::locate(new_files);
    let mut diff = Diff {
        today,
        old_version: old.version().to_string(),
        new_version: new.version().to_string(),
        cycles_compared: 0,
        lines: Vec::new(),
    };
    let mut ids: Vec<&str> = old
        .entries()
        .iter()
        .chain(new.entries())
        .map(|e| e.product.id.get_ref().as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let key = |cycle: Option<&str>| (id.to_string(), cycle.map(str::to_string));
        let mut push = |at: Option<&Location>, cycle: Option<&str>, change| {
            diff.lines.push(Line {
                at: at.cloned(),
                product: id.to_string(),
                cycle: cycle.map(str::to_string),
                change,
            });
        };
        match (old.product(id), new.product(id)) {
            (None, Some(entry)) => {
                push(new_at.get(&key(None)), None, Change::ProductAdded);
                for r in &entry.releases {
                    let at = new_at.get(&key(Some(&r.cycle)));
                    push(at, Some(&r.cycle), Change::CycleAdded(status_on(r, today)));
                }
            }
            (Some(entry), None) => {
                push(old_at.get(&key(None)), None, Change::ProductRemoved);
                for r in &entry.releases {
                    let at = old_at.get(&key(Some(&r.cycle)));
                    push(
                        at,
                        Some(&r.cycle),
                        Change::CycleRemoved(status_on(r, today)),
                    );
                }
            }
            (Some(old_entry), Some(new_entry)) => {
                let lines = cycles(old_entry, new_entry, today, &mut diff.cycles_compared);
                for (cycle, removed, change) in lines {
                    let at = if removed { &old_at } else { &new_at };
                    push(at.get(&key(Some(&cycle))), Some(&cycle), change);
                }
            }
            (None, None) => {}
        }
    }
    Ok(diff)
}

/// Changes between the cycles of one product: `(cycle, on the old side only, change)`.
fn cycles(
    old: &Entry,
    new: &Entry,
    today: NaiveDate,
    compared: &mut usize,
) -> Vec<(String, bool, Change)> {
    let mut out = Vec::new();
    let new_by_cycle: HashMap<&str, &CompiledRelease> =
        new.releases.iter().map(|r| (r.cycle.as_str(), r)).collect();
    for o in &old.releases {
        let Some(n) = new_by_cycle.get(o.cycle.as_str()) else {
            out.push((
                o.cycle.clone(),
                true,
                Change::CycleRemoved(status_on(o, today)),
            ));
            continue;
        };
        *compared += 1;
        let moved = [
            (
                "active_support_end",
                o.active_support_end,
                n.active_support_end,
            ),
            (
                "security_support_end",
                Some(o.security_support_end),
                Some(n.security_support_end),
            ),
            (
                "extended_support_end",
                o.extended_support_end,
                n.extended_support_end,
            ),
        ];
        for (field, old_end, new_end) in moved {
            if old_end != new_end {
                let change = Change::Moved {
                    field,
                    old: old_end,
                    new: new_end,
                };
                out.push((o.cycle.clone(), false, change));
            }
        }
        if o.range.to_string() != n.range.to_string() {
            let change = Change::Versions {
                old: o.range.to_string(),
                new: n.range.to_string(),
            };
            out.push((o.cycle.clone(), false, change));
        }
        if o.editions != n.editions {
            let change = Change::Editions {
                old: o.editions.clone(),
                new: n.editions.clone(),
            };
            out.push((o.cycle.clone(), false, change));
        }
        let (old_status, new_status) = (status_on(o, today), status_on(n, today));
        if old_status != new_status {
            let change = Change::Status {
                old: old_status,
                new: new_status,
            };
            out.push((o.cycle.clone(), false, change));
        }
    }
    let old_cycles: BTreeSet<&str> = old.releases.iter().map(|r| r.cycle.as_str()).collect();
    for n in &new.releases {
        if !old_cycles.contains(n.cycle.as_str()) {
            out.push((
                n.cycle.clone(),
                false,
                Change::CycleAdded(status_on(n, today)),
            ));
        }
    }
    out
}

/// The status a finding for this release gets on `today` with the default expiring window.
pub fn status_on(release: &CompiledRelease, today: NaiveDate) -> Status {
    release.status(&Options::new(today)).0
}
