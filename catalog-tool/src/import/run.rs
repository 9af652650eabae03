//! One import over the catalogue files: each file parsed once, each endoflife.date product
//! matched to its page, its releases updated (`release`), `source.revision` recorded, and
//! `[catalog] date` moved forward to the data's date; a file with nothing to change comes back
//! byte for byte.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use toml_edit::{Document, DocumentMut, Item, Key, Table};

use super::edit::{Want, set, set_in_table};
use super::endoflife_date::{Page, PageError};
use super::layout::{ProductLines, line_at, product_lines};
use super::release::{Context, update_release};
use super::report::{Change, CycleNote, ImportProblem, Location, Report};
use super::source::{ENDOFLIFE_DATE, SourcePage, endoflife_date_products, is_page_id, source};

/// Source keys in the catalogue's order.
const SOURCE_KEYS: &[&str] = &["name", "product", "revision", "url", "retrieved"];

/// `[catalog]` keys in the catalogue's order.
const CATALOG_KEYS: &[&str] = &["version", "date", "attribution"];

/// A catalogue file after the import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFile {
    /// The file name as given.
    pub name: String,
    /// The new text; the input text, byte for byte, when nothing changed.
    pub text: String,
    /// Whether the text differs from the input.
    pub changed: bool,
}

/// What an import did to the catalogue files, and what it found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Import {
    /// Every input file, in input order.
    pub files: Vec<ImportedFile>,
    /// The review report.
    pub report: Report,
}

/// Imports endoflife.date dates into catalogue files given as `(name, text)` pairs.
///
/// `pages` maps upstream product ids to their pages (a product without a page is reported);
/// `revision` is recorded as `source.revision` of every product imported.
pub fn import_endoflife_date<N: AsRef<str>, T: AsRef<str>>(
    files: &[(N, T)],
    pages: &BTreeMap<String, SourcePage>,
    revision: Option<&str>,
) -> Import {
    import_endoflife_date_as_of(files, pages, revision, None)
}

/// [`import_endoflife_date`], with `pages_date`: the day front-matter pages were read upstream
/// (the snapshot's commit date), which with the API files' own dates decides the catalogue's new
/// `[catalog] date`.
pub fn import_endoflife_date_as_of<N: AsRef<str>, T: AsRef<str>>(
    files: &[(N, T)],
    pages: &BTreeMap<String, SourcePage>,
    revision: Option<&str>,
    pages_date: Option<NaiveDate>,
) -> Import {
    let mut parsed: HashMap<&str, Result<Page, PageError>> = HashMap::new();
    for (id, page) in pages {
        parsed.insert(id, page.parse());
    }
    // The data's date: the oldest page's, and only if every product has a dated page.
    let ids = endoflife_date_products(files);
    let data_date = ids
        .iter()
        .map(|id| match parsed.get(id.as_str()) {
            Some(Ok(page)) => page.data_date.or(pages_date),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .and_then(|dates| dates.into_iter().min());
    let mut run = Run {
        pages,
        parsed,
        revision,
        data_date,
        report: Report {
            revision: revision.map(str::to_string),
            data_date,
            ..Report::default()
        },
        reported_pages: Vec::new(),
    };
    let files = files
        .iter()
        .map(|(name, text)| run.file(name.as_ref(), text.as_ref()))
        .collect();
    Import {
        files,
        report: run.report,
    }
}

/// State of one import.
struct Run<'a> {
    pages: &'a BTreeMap<String, SourcePage>,
    parsed: HashMap<&'a str, Result<Page, PageError>>,
    revision: Option<&'a str>,
    /// The catalogue date to move to, if the data has one.
    data_date: Option<NaiveDate>,
    report: Report,
    /// Pages whose warnings were already reported.
    reported_pages: Vec<String>,
}

impl Run<'_> {
    fn file(&mut self, name: &str, text: &str) -> ImportedFile {
        let unchanged = ImportedFile {
            name: name.to_string(),
            text: text.to_string(),
            changed: false,
        };
        let doc = match Document::parse(text) {
            Ok(doc) => doc,
            Err(error) => {
                let line = error.span().map_or(1, |s| line_at(text, s.start));
                let message = format!("not valid TOML, skipped: {}", error.message().trim());
                self.report.problem(name, line, message);
                return unchanged;
            }
        };
        let lines = product_lines(text, doc.as_table());
        let catalog_date_line = doc
            .get("catalog")
            .and_then(Item::as_table)
            .and_then(|t| t.key("date").and_then(Key::span).or_else(|| t.span()))
            .map_or(1, |s| line_at(text, s.start));
        let mut doc = doc.into_mut();
        let mut changed = false;
        if let Some(array) = doc
            .get_mut("product")
            .and_then(Item::as_array_of_tables_mut)
        {
            for (product, lines) in array.iter_mut().zip(&lines) {
                changed |= self.product(name, product, lines);
            }
        }
        if let Some(date) = self.data_date {
            changed |= self.catalog_date(name, catalog_date_line, &mut doc, date);
        }
        if !changed {
            return unchanged;
        }
        ImportedFile {
            name: name.to_string(),
            text: doc.to_string(),
            changed: true,
        }
    }

    /// Imports one product; whether it changed.
    fn product(&mut self, file: &str, product: &mut Table, lines: &ProductLines) -> bool {
        let Some(source) = source(product) else {
            return false;
        };
        if source.name.as_deref() != Some(ENDOFLIFE_DATE) {
            return false;
        }
        let id = product
            .get("id")
            .and_then(Item::as_str)
            .unwrap_or("(no id)")
            .to_string();
        let Some(upstream) = source.upstream_id else {
            let message =
                format!("{id}: source.name is {ENDOFLIFE_DATE:?} but source.product is missing");
            self.report.problem(file, lines.source, message);
            return false;
        };
        if !is_page_id(&upstream) {
            let message =
                format!("{id}: source.product {upstream:?} is not a valid endoflife.date id");
            self.report.problem(file, lines.source, message);
            return false;
        }
        let Some(page_file) = self.pages.get(&upstream) else {
            let message = format!(
                "{id}: no endoflife.date page {upstream}.md in the source; product not imported"
            );
            self.report.problem(file, lines.source, message);
            return false;
        };
        let page = match self.parsed.get(upstream.as_str()) {
            Some(Ok(page)) => page.clone(),
            Some(Err(error)) => {
                let message = format!("{id}: page not imported: {}", error.message);
                let page_name = page_file.name.clone();
                self.report.problem(&page_name, error.line, message);
                return false;
            }
            None => return false,
        };
        if !self.reported_pages.contains(&upstream) {
            self.reported_pages.push(upstream.clone());
            for warning in &page.warnings {
                let at = Location {
                    file: page_file.name.clone(),
                    line: warning.line,
                };
                let message = warning.message.clone();
                self.report.problems.push(ImportProblem { at, message });
            }
        }
        self.report.products += 1;
        let mut changed = false;
        let mut cycles = Vec::new();
        if let Some(array) = product
            .get_mut("release")
            .and_then(Item::as_array_of_tables_mut)
        {
            for (release, release_lines) in array.iter_mut().zip(&lines.releases) {
                let Some(cycle) = release
                    .get("cycle")
                    .and_then(Item::as_str)
                    .map(str::to_string)
                else {
                    continue;
                };
                cycles.push(cycle.clone());
                let at = Location {
                    file: file.to_string(),
                    line: release_lines.cycle,
                };
                let Some(upstream_release) = page.release(&cycle) else {
                    self.report.missing_cycles.push(CycleNote {
                        at,
                        product: id.clone(),
                        cycle,
                    });
                    continue;
                };
                self.report.matched += 1;
                let context = Context {
                    file,
                    page: &page_file.name,
                    product: &id,
                    cycle: &cycle,
                    lines: release_lines,
                };
                if update_release(&mut self.report, release, upstream_release, &context) {
                    changed = true;
                } else {
                    self.report.unchanged += 1;
                }
            }
        }
        for upstream_release in &page.releases {
            if !cycles.contains(&upstream_release.cycle) {
                self.report.new_cycles.push(CycleNote {
                    at: Location {
                        file: page_file.name.clone(),
                        line: upstream_release.line,
                    },
                    product: id.clone(),
                    cycle: upstream_release.cycle.clone(),
                });
            }
        }
        if let Some(revision) = self.revision {
            changed |= self.revision(file, product, &id, revision, lines);
        }
        changed
    }

    /// Moves `[catalog] date` forward to `date`, if this file has the `[catalog]` table; whether
    /// it changed.
    fn catalog_date(
        &mut self,
        file: &str,
        line: usize,
        doc: &mut DocumentMut,
        date: NaiveDate,
    ) -> bool {
        let Some(table) = doc.get_mut("catalog").and_then(Item::as_table_mut) else {
            return false;
        };
        let current = table
            .get("date")
            .and_then(Item::as_datetime)
            .and_then(|d| d.date)
            .and_then(|d| {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            });
        if current.is_some_and(|current| current >= date) {
            return false;
        }
        let at = Location {
            file: file.to_string(),
            line,
        };
        let want = Want::Date(date);
        match set_in_table(table, "date", &want, CATALOG_KEYS) {
            Ok(None) => false,
            Ok(Some(old)) => {
                self.report.changes.push(Change {
                    at,
                    product: "catalog".into(),
                    cycle: None,
                    field: "date".into(),
                    old,
                    new: want.to_string(),
                });
                true
            }
            Err(message) => {
                let message = format!("[catalog] date: {message}");
                self.report.problems.push(ImportProblem { at, message });
                false
            }
        }
    }

    /// Sets `source.revision`; whether it changed.
    fn revision(
        &mut self,
        file: &str,
        product: &mut Table,
        id: &str,
        revision: &str,
        lines: &ProductLines,
    ) -> bool {
        let want = Want::Text(revision.to_string());
        let Some(item) = product.get_mut("source") else {
            return false;
        };
        let line = lines
            .source_keys
            .get("revision")
            .copied()
            .unwrap_or(lines.source);
        let old = match set(item, "revision", &want, SOURCE_KEYS) {
            Ok(None) => return false,
            Ok(Some(old)) => old,
            Err(message) => {
                self.report
                    .problem(file, line, format!("{id}: source.revision: {message}"));
                return false;
            }
        };
        self.report.changes.push(Change {
            at: Location {
                file: file.to_string(),
                line,
            },
            product: id.to_string(),
            cycle: None,
            field: "source.revision".into(),
            old,
            new: want.to_string(),
        });
        true
    }
}
