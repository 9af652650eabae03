//! Imports support dates from endoflife.date into catalogue files, editing them in place.
//!
//! Dates come from the source; everything else is ours. For every product whose
//! `source = { name = "endoflife.date", product = "<id>", … }`, each release whose `cycle` equals
//! an upstream `releaseCycle` gets `released`, `active_support_end`, `security_support_end`,
//! `extended_support_end`, `lts` and `latest` from the page, and the product gets
//! `source.revision`. Match rules, `versions`, `editions`, `label`, `replacement` and `link` are
//! never touched, nor is any comment or formatting: files are edited with `toml_edit`, and a file
//! with nothing to change is returned byte for byte, so re-running an import is a no-op.
//!
//! Upstream cycles that the catalogue lacks are only reported: a new cycle needs a version range,
//! and ranges are ours. A field the page does not have is left as it is (and reported as kept).
//! `lts` given as a date (Node.js, RHEL: the day the cycle becomes LTS) is imported as `true`.
//!
//! Pure: catalogue and page texts in, texts and a [`Report`] out; the `sunset-catalog` tool reads
//! and writes the files.

pub mod diff;
mod edit;
pub mod endoflife_date;
mod report;

use std::collections::{BTreeMap, HashMap};

use toml_edit::{Document, DocumentMut, Item, Key, Table};

use edit::{Want, set, set_in_table};
use endoflife_date::{Field, Page, PageError, Value as PageValue};
pub use report::{Change, CycleNote, ImportProblem, Kept, Location, Report};

/// The `source.name` of products imported from endoflife.date.
pub const ENDOFLIFE_DATE: &str = "endoflife.date";

/// Release keys in the order the catalogue writes them; a key the import adds goes after the
/// last key present that comes before it here.
const RELEASE_KEYS: &[&str] = &[
    "cycle",
    "label",
    "versions",
    "editions",
    "released",
    "active_support_end",
    "security_support_end",
    "extended_support_end",
    "lts",
    "latest",
    "replacement",
    "link",
];

/// Source keys in the catalogue's order.
const SOURCE_KEYS: &[&str] = &["name", "product", "revision", "url", "retrieved"];

/// An upstream product page, given to the import by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePage {
    /// Where the page was read from, used in the report (`…/products/windows.md`).
    pub name: String,
    /// Its text.
    pub text: String,
}

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

/// The endoflife.date product ids a catalogue imports from, sorted, without repeats. Ids that are
/// not a plain file name are left out (the import reports them).
pub fn endoflife_date_products<N: AsRef<str>, T: AsRef<str>>(files: &[(N, T)]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for (_, text) in files {
        let Ok(doc) = text.as_ref().parse::<DocumentMut>() else {
            continue;
        };
        for product in products(doc.as_table()) {
            if let Some(id) = source(product)
                .filter(|s| s.name.as_deref() == Some(ENDOFLIFE_DATE))
                .and_then(|s| s.upstream_id)
                && is_page_id(&id)
            {
                ids.push(id);
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Whether an upstream id is safe to use as a file name.
fn is_page_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
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
    let mut parsed: HashMap<&str, Result<Page, PageError>> = HashMap::new();
    for (id, page) in pages {
        parsed.insert(id, endoflife_date::parse_page(&page.text));
    }
    let mut run = Run {
        pages,
        parsed,
        revision,
        report: Report {
            revision: revision.map(str::to_string),
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
    report: Report,
    /// Pages whose warnings were already reported.
    reported_pages: Vec<String>,
}

/// Lines of a product in the file as it was.
#[derive(Default)]
struct ProductLines {
    id: usize,
    source: usize,
    source_keys: HashMap<String, usize>,
    releases: Vec<ReleaseLines>,
}

#[derive(Default)]
struct ReleaseLines {
    cycle: usize,
    keys: HashMap<String, usize>,
}

/// What a product's `source` says.
struct SourceFields {
    name: Option<String>,
    upstream_id: Option<String>,
}

fn products(root: &Table) -> impl Iterator<Item = &Table> {
    root.get("product")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|a| a.iter())
}

fn source(product: &Table) -> Option<SourceFields> {
    let source = product.get("source")?.as_table_like()?;
    let text = |key: &str| source.get(key).and_then(Item::as_str).map(str::to_string);
    Some(SourceFields {
        name: text("name"),
        upstream_id: text("product"),
    })
}

fn releases(product: &Table) -> impl Iterator<Item = &Table> {
    product
        .get("release")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|a| a.iter())
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Lines of every product of a parsed (not yet edited) document, in document order.
fn product_lines(text: &str, doc: &Table) -> Vec<ProductLines> {
    let line = |span: Option<std::ops::Range<usize>>| span.map_or(1, |s| line_at(text, s.start));
    let key_lines = |table: &dyn toml_edit::TableLike| {
        table
            .iter()
            .map(|(key, _)| (key.to_string(), line(table.key(key).and_then(Key::span))))
            .collect::<HashMap<_, _>>()
    };
    products(doc)
        .map(|product| {
            let id = line(
                product
                    .key("id")
                    .and_then(Key::span)
                    .or_else(|| product.span()),
            );
            let source = product
                .key("source")
                .and_then(Key::span)
                .map_or(id, |s| line_at(text, s.start));
            let source_keys = product
                .get("source")
                .and_then(Item::as_table_like)
                .map(key_lines)
                .unwrap_or_default();
            let releases = releases(product)
                .map(|release| ReleaseLines {
                    cycle: line(
                        release
                            .key("cycle")
                            .and_then(Key::span)
                            .or_else(|| release.span()),
                    ),
                    keys: key_lines(release),
                })
                .collect();
            ProductLines {
                id,
                source,
                source_keys,
                releases,
            }
        })
        .collect()
}

/// How a page field maps to a catalogue key.
#[derive(Clone, Copy)]
enum Mapping {
    /// A date only (`released`).
    Date,
    /// A date or `true`/`false` (support ends).
    DateOrFlag,
    /// `lts`: a flag; a date means the cycle is (or becomes) LTS.
    Lts,
    /// `latest`: text as written.
    Text,
}

fn want(mapping: Mapping, value: &PageValue) -> Result<Want, String> {
    match (mapping, value) {
        (Mapping::Date | Mapping::DateOrFlag, PageValue::Date(d)) => Ok(Want::Date(*d)),
        (Mapping::DateOrFlag, PageValue::Flag(f)) => Ok(Want::Flag(*f)),
        (Mapping::Date, other) => Err(format!("{other} is not a date")),
        (Mapping::DateOrFlag, other) => Err(format!("{other} is not a date, true or false")),
        (Mapping::Lts, PageValue::Flag(f)) => Ok(Want::Flag(*f)),
        (Mapping::Lts, PageValue::Date(_)) => Ok(Want::Flag(true)),
        (Mapping::Lts, other) => Err(format!("{other} is not true, false or a date")),
        (Mapping::Text, value) => Ok(Want::Text(endoflife_date::scalar_text(value))),
    }
}

impl Run<'_> {
    fn problem(&mut self, file: &str, line: usize, message: String) {
        self.report.problems.push(ImportProblem {
            at: Location {
                file: file.to_string(),
                line,
            },
            message,
        });
    }

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
                self.problem(name, line, message);
                return unchanged;
            }
        };
        let lines = product_lines(text, doc.as_table());
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
            self.problem(file, lines.source, message);
            return false;
        };
        if !is_page_id(&upstream) {
            let message =
                format!("{id}: source.product {upstream:?} is not a valid endoflife.date id");
            self.problem(file, lines.source, message);
            return false;
        }
        let Some(page_file) = self.pages.get(&upstream) else {
            let message = format!(
                "{id}: no endoflife.date page {upstream}.md in the source; product not imported"
            );
            self.problem(file, lines.source, message);
            return false;
        };
        let page = match self.parsed.get(upstream.as_str()) {
            Some(Ok(page)) => page.clone(),
            Some(Err(error)) => {
                let message = format!("{id}: page not imported: {}", error.message);
                let page_name = page_file.name.clone();
                self.problem(&page_name, error.line, message);
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
                if self.release(release, upstream_release, &context) {
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
                self.problem(file, line, format!("{id}: source.revision: {message}"));
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

    /// Updates one release; whether it changed.
    fn release(
        &mut self,
        release: &mut Table,
        upstream: &endoflife_date::PageRelease,
        context: &Context,
    ) -> bool {
        let fields: [(&str, Mapping, Option<&Field>, &str); 6] = [
            (
                "released",
                Mapping::Date,
                upstream.release_date.as_ref(),
                "releaseDate",
            ),
            (
                "active_support_end",
                Mapping::DateOrFlag,
                upstream.eoas.as_ref(),
                "eoas",
            ),
            (
                "security_support_end",
                Mapping::DateOrFlag,
                upstream.eol.as_ref(),
                "eol",
            ),
            (
                "extended_support_end",
                Mapping::DateOrFlag,
                upstream.eoes.as_ref(),
                "eoes",
            ),
            ("lts", Mapping::Lts, upstream.lts.as_ref(), "lts"),
            ("latest", Mapping::Text, upstream.latest.as_ref(), "latest"),
        ];
        let mut changed = false;
        for (key, mapping, field, upstream_key) in fields {
            let line = context
                .lines
                .keys
                .get(key)
                .copied()
                .unwrap_or(context.lines.cycle);
            let at = Location {
                file: context.file.to_string(),
                line,
            };
            let Some(field) = field else {
                if key == "lts" {
                    // No `lts` upstream means not LTS.
                    if release.get(key).and_then(Item::as_bool) == Some(true) {
                        changed |= self.set_release(release, key, &Want::Flag(false), at, context);
                    }
                } else if release.contains_key(key) {
                    self.report.kept.push(Kept {
                        at,
                        product: context.product.to_string(),
                        cycle: context.cycle.to_string(),
                        field: key.to_string(),
                    });
                } else if key == "security_support_end" {
                    let message = format!(
                        "{} {}: the source has no eol for this cycle",
                        context.product, context.cycle
                    );
                    self.problem(context.page, upstream.line, message);
                }
                continue;
            };
            match want(mapping, &field.value) {
                Ok(want) => changed |= self.set_release(release, key, &want, at, context),
                Err(message) => {
                    let message = format!(
                        "{} {}: {upstream_key} {message}; {key} left as it is",
                        context.product, context.cycle
                    );
                    self.problem(context.page, field.line, message);
                }
            }
        }
        changed
    }

    fn set_release(
        &mut self,
        release: &mut Table,
        key: &str,
        want: &Want,
        at: Location,
        context: &Context,
    ) -> bool {
        match set_in_table(release, key, want, RELEASE_KEYS) {
            Ok(None) => false,
            Ok(Some(old)) => {
                self.report.changes.push(Change {
                    at,
                    product: context.product.to_string(),
                    cycle: Some(context.cycle.to_string()),
                    field: key.to_string(),
                    old,
                    new: want.to_string(),
                });
                true
            }
            Err(message) => {
                let message = format!("{} {}: {key}: {message}", context.product, context.cycle);
                self.report.problems.push(ImportProblem { at, message });
                false
            }
        }
    }
}

/// Where a release is, for the report.
struct Context<'a> {
    file: &'a str,
    page: &'a str,
    product: &'a str,
    cycle: &'a str,
    lines: &'a ReleaseLines,
}

/// Where each product (`(id, None)`) and release (`(id, Some(cycle))`) of the files is written.
pub(crate) fn locate<N: AsRef<str>, T: AsRef<str>>(
    files: &[(N, T)],
) -> HashMap<(String, Option<String>), Location> {
    let mut found = HashMap::new();
    for (name, text) in files {
        let (name, text) = (name.as_ref(), text.as_ref());
        let Ok(doc) = Document::parse(text) else {
            continue;
        };
        let lines = product_lines(text, doc.as_table());
        for (product, lines) in products(doc.as_table()).zip(&lines) {
            let Some(id) = product.get("id").and_then(Item::as_str) else {
                continue;
            };
            let at = |line| Location {
                file: name.to_string(),
                line,
            };
            found
                .entry((id.to_string(), None))
                .or_insert_with(|| at(lines.id));
            for (release, release_lines) in releases(product).zip(&lines.releases) {
                if let Some(cycle) = release.get("cycle").and_then(Item::as_str) {
                    found
                        .entry((id.to_string(), Some(cycle.to_string())))
                        .or_insert_with(|| at(release_lines.cycle));
                }
            }
        }
    }
    found
}
