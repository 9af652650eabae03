//! The review report of an import: every change with its file and line, cycles on one side only,
//! fields kept for want of a value, and problems. Its `Display` is what the tool prints.

use std::fmt;

/// A place in a catalogue file or a source page.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// File name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A field the import changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The field's line in the catalogue file as it was (for a new field: the release's `cycle`).
    pub at: Location,
    /// Catalogue product id.
    pub product: String,
    /// The cycle; `None` for `source.revision`.
    pub cycle: Option<String>,
    /// The catalogue key (`security_support_end`, `source.revision`).
    pub field: String,
    /// The old value as TOML shows it; `None` when the field was absent.
    pub old: Option<String>,
    /// The new value.
    pub new: String,
}

/// A cycle that is on one side only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CycleNote {
    /// In the source page (new cycles) or the catalogue file (cycles missing upstream).
    pub at: Location,
    /// Catalogue product id.
    pub product: String,
    /// The cycle id.
    pub cycle: String,
}

/// A catalogue field the page has no value for, left as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// The field's line.
    pub at: Location,
    /// Catalogue product id.
    pub product: String,
    /// The cycle.
    pub cycle: String,
    /// The catalogue key.
    pub field: String,
}

/// Something the import could not do; the rest of the import still happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    /// Where.
    pub at: Location,
    /// What.
    pub message: String,
}

/// The review report of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The source revision recorded, if one was given.
    pub revision: Option<String>,
    /// The day the imported data was read upstream, when every page says it (see
    /// [`super::import_endoflife_date_as_of`]).
    pub data_date: Option<chrono::NaiveDate>,
    /// Products imported (their page was found and read).
    pub products: usize,
    /// Fields that changed, dates moved old → new included.
    pub changes: Vec<Change>,
    /// Cycles in the source that the catalogue lacks: each needs a version range to be added.
    pub new_cycles: Vec<CycleNote>,
    /// Cycles in the catalogue that the source lacks.
    pub missing_cycles: Vec<CycleNote>,
    /// Catalogue fields the source has no value for, kept.
    pub kept: Vec<Kept>,
    /// Releases matched to the source whose fields were already equal.
    pub unchanged: usize,
    /// Releases matched to the source.
    pub matched: usize,
    /// What could not be imported.
    pub problems: Vec<ImportProblem>,
}

impl Report {
    /// Notes something the import could not do at `file:line`.
    pub(super) fn problem(&mut self, file: &str, line: usize, message: String) {
        self.problems.push(ImportProblem {
            at: Location {
                file: file.to_string(),
                line,
            },
            message,
        });
    }
}

/// One titled, counted list of the review report; nothing when the list is empty.
fn section<T>(
    f: &mut fmt::Formatter<'_>,
    title: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(f, "\n{title} ({}):", items.len())?;
    for item in items {
        writeln!(f, "  {}", line(item))?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let revision = self.revision.as_deref().unwrap_or("(revision unknown)");
        let data = self
            .data_date
            .map(|date| format!(", data of {date}"))
            .unwrap_or_default();
        writeln!(
            f,
            "endoflife.date import at {revision}{data}: {} product(s), {} cycle(s) matched, {} changed, {} unchanged",
            self.products,
            self.matched,
            self.matched - self.unchanged,
            self.unchanged
        )?;
        section(f, "changed", &self.changes, |c| {
            let cycle = c
                .cycle
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            let old = c.old.as_deref().unwrap_or("(none)");
            format!(
                "{}: {}{cycle}: {}: {old} -> {}",
                c.at, c.product, c.field, c.new
            )
        })?;
        section(f, "new cycles", &self.new_cycles, |n| {
            format!(
                "{}: {}: new cycle {} in source, not in catalogue (needs a versions range)",
                n.at, n.product, n.cycle
            )
        })?;
        section(f, "cycles not in source", &self.missing_cycles, |n| {
            format!(
                "{}: {}: cycle {} in catalogue, not in source (left as it is)",
                n.at, n.product, n.cycle
            )
        })?;
        section(f, "kept, no value in source", &self.kept, |k| {
            format!("{}: {} {}: {}", k.at, k.product, k.cycle, k.field)
        })?;
        section(f, "problems", &self.problems, |p| {
            format!("{}: {}", p.at, p.message)
        })?;
        Ok(())
    }
}
