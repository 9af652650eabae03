//! Importing organisations from a CSV file (`sunset-collector org import FILE.csv`): the file's
//! rows read and checked ([`parse`]), then checked against the organisations already stored and
//! turned into changes ([`plan`], run by the store inside the import's transaction).
//!
//! The file has a header row naming its columns — `ods_code`, `name`, `parent_ods_code` and,
//! optionally, `kind` (spaces or hyphens for underscores, any case) — in any order. A blank parent
//! puts the organisation directly under the estate (the root); a parent may come later in the file
//! or already be stored. A blank kind is `other` for a new organisation and leaves a stored one's
//! kind as it is. A code already stored updates that organisation: its name and kind, and its place
//! in the tree (its subtree moves with it). Every bad row is reported as `file:line: field: what`,
//! and when any row is bad nothing is imported. Cycles (A under B under A) are refused.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use uuid::Uuid;

use crate::org::{OdsCode, OrgKind, checked_name};

/// Most rows a file may have (England has about 6,300 GP practices and 1,250 PCNs).
pub const MAX_ROWS: usize = 100_000;
/// Largest file read.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A row that reads well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    /// Line of the file the row starts on.
    pub line: u64,
    /// Its ODS code.
    pub ods_code: OdsCode,
    /// Its name.
    pub name: String,
    /// Its parent's ODS code; `None`: directly under the root.
    pub parent: Option<OdsCode>,
    /// Its kind, when given.
    pub kind: Option<OrgKind>,
}

/// What is wrong with a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Line of the file.
    pub line: u64,
    /// Column (`ods_code`, `name`, `parent_ods_code`, `kind`), or `row` for the row as a whole.
    pub field: &'static str,
    /// What.
    pub what: String,
}

impl RowError {
    fn new(line: u64, field: &'static str, what: impl Into<String>) -> RowError {
        RowError {
            line,
            field,
            what: what.into(),
        }
    }

    /// `file:line: field: what`.
    pub fn in_file(&self, file: &str) -> String {
        format!("{file}:{}: {}: {}", self.line, self.field, self.what)
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.what)
    }
}

/// A file read: its good rows and what is wrong with the others.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Rows that read well.
    pub rows: Vec<ImportRow>,
    /// Every problem found, by line.
    pub errors: Vec<RowError>,
    /// The ODS codes of rows that did not read well (a row naming one as its parent is not
    /// reported again for it).
    pub bad_codes: HashSet<OdsCode>,
}

const ODS: &str = "ods_code";
const NAME: &str = "name";
const PARENT: &str = "parent_ods_code";
const KIND: &str = "kind";

/// A header cell's column: lower case, spaces and hyphens as underscores, a few plain aliases.
fn column(header: &str) -> Option<&'static str> {
    let key = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    match key.as_str() {
        "ods_code" | "ods" | "code" | "organisation_code" => Some(ODS),
        "name" | "organisation_name" => Some(NAME),
        "parent_ods_code" | "parent_ods" | "parent_code" | "parent" => Some(PARENT),
        "kind" | "type" => Some(KIND),
        _ => None,
    }
}

/// Reads a file's rows (see the module documentation); it never fails as a whole, every problem is
/// a [`RowError`].
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => {
            out.errors.push(RowError::new(
                1,
                "row",
                format!("the file is empty: expected a header row naming {ODS}, {NAME}, {PARENT} and optionally {KIND}"),
            ));
            return out;
        }
        Some(Err(e)) => {
            out.errors.push(csv_error(&e, 1));
            return out;
        }
        Some(Ok(header)) => header,
    };
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    let mut header_ok = true;
    for (i, cell) in header.iter().enumerate() {
        let text = String::from_utf8_lossy(cell);
        match column(&text) {
            Some(c) if columns.contains(&Some(c)) => {
                out.errors.push(RowError::new(
                    1,
                    c,
                    format!("column {} is named twice", i + 1),
                ));
                header_ok = false;
            }
            Some(c) => columns.push(Some(c)),
            None => {
                out.errors.push(RowError::new(
                    1,
                    "row",
                    format!("unknown column {text:?} (expected {ODS}, {NAME}, {PARENT} and optionally {KIND})"),
                ));
                columns.push(None);
                header_ok = false;
            }
        }
    }
    for required in [ODS, NAME, PARENT] {
        if !columns.contains(&Some(required)) {
            out.errors
                .push(RowError::new(1, required, "the header has no such column"));
            header_ok = false;
        }
    }
    if !header_ok {
        return out;
    }
    let mut seen: HashMap<OdsCode, u64> = HashMap::new();
    for (index, record) in records.enumerate() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                out.errors.push(csv_error(&e, index as u64 + 2));
                continue;
            }
        };
        let line = record.position().map_or(index as u64 + 2, |p| p.line());
        if index >= MAX_ROWS {
            out.errors.push(RowError::new(
                line,
                "row",
                format!("more than {MAX_ROWS} rows: split the file"),
            ));
            break;
        }
        if record.len() != columns.len() {
            out.errors.push(RowError::new(
                line,
                "row",
                format!(
                    "{} fields, but the header has {}",
                    record.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        if let Some(row) = read_row(line, &columns, &record, &mut out) {
            match seen.get(&row.ods_code) {
                Some(first) => out.errors.push(RowError::new(
                    line,
                    ODS,
                    format!("{} is also on line {first}", row.ods_code),
                )),
                None => {
                    seen.insert(row.ods_code.clone(), line);
                    out.rows.push(row);
                }
            }
        }
    }
    out
}

fn csv_error(e: &::csv::Error, fallback_line: u64) -> RowError {
    let line = e.position().map_or(fallback_line, |p| p.line());
    RowError::new(line, "row", format!("not readable as CSV: {e}"))
}

/// One record's row, or its problems added to `errors`.
fn read_row(
    line: u64,
    columns: &[Option<&'static str>],
    record: &::csv::ByteRecord,
    out: &mut Parsed,
) -> Option<ImportRow> {
    let errors = &mut out.errors;
    let before = errors.len();
    let mut cells: HashMap<&'static str, String> = HashMap::new();
    for (column, cell) in columns.iter().zip(record.iter()) {
        let Some(column) = column else { continue };
        match std::str::from_utf8(cell) {
            Ok(text) => {
                cells.insert(column, text.trim().to_string());
            }
            Err(_) => errors.push(RowError::new(
                line,
                column,
                "not UTF-8 text (save the file as UTF-8 CSV)",
            )),
        }
    }
    let cell = |c: &str| cells.get(c).map(String::as_str).unwrap_or("");
    let ods_code = match cell(ODS) {
        "" => {
            errors.push(RowError::new(
                line,
                ODS,
                "missing (every row needs its ODS code)",
            ));
            None
        }
        text => text
            .parse::<OdsCode>()
            .map_err(|e| errors.push(RowError::new(line, ODS, e.to_string())))
            .ok(),
    };
    let name = match checked_name(cell(NAME)) {
        Some(name) => Some(name.to_string()),
        None => {
            errors.push(RowError::new(
                line,
                NAME,
                "must be 1 to 200 characters on one line",
            ));
            None
        }
    };
    let parent = match cell(PARENT) {
        "" => None,
        text => match text.parse::<OdsCode>() {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(RowError::new(line, PARENT, e.to_string()));
                None
            }
        },
    };
    let kind = match cell(KIND) {
        "" => None,
        text => match text.to_ascii_lowercase().parse::<OrgKind>() {
            Ok(OrgKind::Estate) | Err(_) => {
                let kinds: Vec<&str> = OrgKind::assignable().map(OrgKind::as_str).collect();
                errors.push(RowError::new(
                    line,
                    KIND,
                    format!("{text:?} is not one of {}", kinds.join(", ")),
                ));
                None
            }
            Ok(kind) => Some(kind),
        },
    };
    if errors.len() > before {
        out.bad_codes.extend(ods_code);
        return None;
    }
    Some(ImportRow {
        line,
        ods_code: ods_code?,
        name: name?,
        parent,
        kind,
    })
}

/// A stored organisation, as [`plan`] needs it.
#[derive(Clone, Debug)]
pub struct Existing {
    /// Id.
    pub id: String,
    /// Parent's id (`None` for the root).
    pub parent_id: Option<String>,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// ODS code.
    pub ods_code: Option<String>,
}

/// One change to make, in order (parents before their children).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new organisation.
    Add {
        /// Its new id.
        id: String,
        /// Its parent's id.
        parent_id: String,
        /// Name.
        name: String,
        /// Kind.
        kind: OrgKind,
        /// ODS code.
        ods_code: OdsCode,
    },
    /// A stored organisation's parent, name and kind as they now are.
    Set {
        /// Its id.
        id: String,
        /// Its parent's id.
        parent_id: String,
        /// Name.
        name: String,
        /// Kind.
        kind: OrgKind,
    },
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Organisations added.
    pub added: usize,
    /// Stored organisations renamed or given another kind.
    pub changed: usize,
    /// Stored organisations moved to another parent (with their subtrees).
    pub moved: usize,
    /// Rows that matched what was stored.
    pub unchanged: usize,
}

/// The changes an import makes, in order.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Parents before children.
    pub changes: Vec<Change>,
    /// Counts.
    pub summary: ImportSummary,
}

/// Checks a file's rows that read well against the stored organisations and turns them into
/// changes; otherwise every bad row's problem (an unknown parent, a cycle, a name a sibling already
/// has).
pub fn plan(parsed: &Parsed, existing: &[Existing]) -> Result<Plan, Vec<RowError>> {
    let rows = &parsed.rows;
    let mut errors = Vec::new();
    let root = existing
        .iter()
        .find(|o| o.parent_id.is_none())
        .map(|o| o.id.clone())
        .unwrap_or_default();
    let stored_by_code: HashMap<&str, &Existing> = existing
        .iter()
        .filter_map(|o| o.ods_code.as_deref().map(|c| (c, o)))
        .collect();
    // Every organisation as it will be: id → (parent id, name); the file's rows overlaid on the
    // stored ones.
    let row_ids: Vec<String> = rows
        .iter()
        .map(|r| match stored_by_code.get(r.ods_code.as_str()) {
            Some(stored) => stored.id.clone(),
            None => Uuid::new_v4().to_string(),
        })
        .collect();
    let id_of_code: HashMap<&str, &str> = rows
        .iter()
        .zip(&row_ids)
        .map(|(r, id)| (r.ods_code.as_str(), id.as_str()))
        .chain(stored_by_code.iter().map(|(c, o)| (*c, o.id.as_str())))
        .collect();
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|o| (o.id.as_str(), o.parent_id.as_deref()))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let parent = match &row.parent {
            None => Some(root.as_str()),
            Some(code) if *code == row.ods_code => {
                errors.push(RowError::new(
                    row.line,
                    PARENT,
                    "an organisation cannot be its own parent",
                ));
                None
            }
            Some(code) => match id_of_code.get(code.as_str()) {
                Some(id) => Some(*id),
                // A row that did not read well, already reported.
                None if parsed.bad_codes.contains(code) => None,
                None => {
                    errors.push(RowError::new(
                        row.line,
                        PARENT,
                        format!(
                            "no organisation with ODS code {code} in the file or already stored"
                        ),
                    ));
                    None
                }
            },
        };
        parent_of.insert(row_ids[i].as_str(), parent);
    }
    let line_of: HashMap<&str, u64> = rows
        .iter()
        .zip(&row_ids)
        .map(|(r, id)| (id.as_str(), r.line))
        .collect();
    // How an organisation is named in errors: its ODS code, else its name.
    let labels: HashMap<&str, &str> = existing
        .iter()
        .map(|o| (o.id.as_str(), o.ods_code.as_deref().unwrap_or(&o.name)))
        .chain(
            rows.iter()
                .zip(&row_ids)
                .map(|(r, id)| (id.as_str(), r.ods_code.as_str())),
        )
        .collect();
    let label_of = |id: &str| labels.get(id).copied().unwrap_or_default().to_string();

    // Cycles: walk up from every row; a walk that comes back to where it has been is a cycle, and
    // every row on it is reported once.
    let mut depth: HashMap<&str, usize> = HashMap::new();
    depth.insert(root.as_str(), 0);
    // Nodes already known to lead nowhere (into a cycle or an unknown parent).
    let mut dead: HashSet<&str> = HashSet::new();
    for id in &row_ids {
        let mut walk: Vec<&str> = Vec::new();
        let mut on_walk: HashMap<&str, usize> = HashMap::new();
        let mut at = id.as_str();
        let base = loop {
            if let Some(d) = depth.get(at) {
                break Some(*d);
            }
            if dead.contains(at) {
                break None;
            }
            if let Some(&pos) = on_walk.get(at) {
                let cycle = &walk[pos..];
                let mut names: Vec<String> = cycle.iter().map(|c| label_of(c)).collect();
                names.push(label_of(at));
                for member in cycle {
                    if let Some(line) = line_of.get(member) {
                        errors.push(RowError::new(
                            *line,
                            PARENT,
                            format!("cycle: {}", names.join(" → ")),
                        ));
                    }
                }
                break None;
            }
            on_walk.insert(at, walk.len());
            walk.push(at);
            match parent_of.get(at).copied().flatten() {
                Some(parent) => at = parent,
                // An unknown parent, already reported.
                None => break None,
            }
        };
        match base {
            Some(base) => {
                for (n, node) in walk.iter().rev().enumerate() {
                    depth.insert(node, base + n + 1);
                }
            }
            None => dead.extend(walk),
        }
    }

    // Names are unique among siblings, as they will be.
    let mut names: HashMap<&str, &str> = existing
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    for (row, id) in rows.iter().zip(&row_ids) {
        names.insert(id.as_str(), row.name.as_str());
    }
    let mut by_place: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for (id, parent) in &parent_of {
        if let (Some(parent), Some(name)) = (parent, names.get(id)) {
            by_place.entry((parent, name)).or_default().push(id);
        }
    }
    for ((parent, name), ids) in &by_place {
        if ids.len() < 2 {
            continue;
        }
        let mut lines: Vec<u64> = ids
            .iter()
            .filter_map(|id| line_of.get(id).copied())
            .collect();
        lines.sort_unstable();
        let stored = ids.len() > lines.len();
        for (n, line) in lines.iter().enumerate() {
            let other = match (stored, n) {
                (true, _) => "an organisation already stored".to_string(),
                (false, 0) => continue,
                (false, _) => format!("the organisation on line {}", lines[0]),
            };
            errors.push(RowError::new(
                *line,
                NAME,
                format!("{other} under {} is also named {name:?}", label_of(parent)),
            ));
        }
    }

    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|i| {
        (
            depth.get(row_ids[*i].as_str()).copied().unwrap_or(0),
            rows[*i].line,
        )
    });
    let mut plan = Plan::default();
    for i in order {
        let (row, id) = (&rows[i], &row_ids[i]);
        let parent_id = parent_of
            .get(id.as_str())
            .copied()
            .flatten()
            .unwrap_or(&root)
            .to_string();
        match stored_by_code.get(row.ods_code.as_str()) {
            None => {
                plan.summary.added += 1;
                plan.changes.push(Change::Add {
                    id: id.clone(),
                    parent_id,
                    name: row.name.clone(),
                    kind: row.kind.unwrap_or(OrgKind::Other),
                    ods_code: row.ods_code.clone(),
                });
            }
            Some(stored) => {
                let kind = row.kind.unwrap_or(stored.kind);
                let moved = stored.parent_id.as_deref() != Some(parent_id.as_str());
                let changed = stored.name != row.name || stored.kind != kind;
                if !moved && !changed {
                    plan.summary.unchanged += 1;
                    continue;
                }
                plan.summary.moved += usize::from(moved);
                plan.summary.changed += usize::from(changed);
                plan.changes.push(Change::Set {
                    id: id.clone(),
                    parent_id,
                    name: row.name.clone(),
                    kind,
                });
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn root() -> Existing {
        Existing {
            id: "root".into(),
            parent_id: None,
            name: "Estate".into(),
            kind: OrgKind::Estate,
            ods_code: None,
        }
    }

    #[test]
    fn parents_are_placed_before_their_children_whatever_the_file_order() {
        let parsed = parse(
            b"ods_code,name,parent_ods_code\nA81001,Practice,U00001\nU00001,PCN,QWE\nQWE,ICB,\n",
        );
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let plan = plan(&parsed, &[root()]).unwrap();
        let added: Vec<(&str, &str)> = plan
            .changes
            .iter()
            .map(|c| match c {
                Change::Add {
                    name, parent_id, ..
                } => (name.as_str(), parent_id.as_str()),
                Change::Set { .. } => panic!("{c:?}"),
            })
            .collect();
        assert_eq!(added[0], ("ICB", "root"));
        assert_eq!(added[1].0, "PCN");
        assert_eq!(added[2].0, "Practice");
        let Change::Add { id: icb, .. } = &plan.changes[0] else {
            unreachable!()
        };
        assert_eq!(added[1].1, icb);
    }

    #[test]
    fn a_file_is_read_up_to_its_row_limit() {
        let mut text = String::from("ods_code,name,parent_ods_code\n");
        for n in 0..=MAX_ROWS {
            text.push_str(&format!("X{n},Org {n},\n"));
        }
        let parsed = parse(text.as_bytes());
        assert_eq!(parsed.rows.len(), MAX_ROWS);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, MAX_ROWS as u64 + 2);
        assert!(parsed.errors[0].what.contains("split the file"));
    }

    #[test]
    fn quoting_and_line_breaks_inside_cells_keep_line_numbers_right() {
        let parsed = parse(
            b"ods_code,name,parent_ods_code\n\"A1\",\"Smith, Jones & Partners\",\nA2,\"Two\nLines\",\nA3,,\n",
        );
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].name, "Smith, Jones & Partners");
        let lines: Vec<(u64, &str)> = parsed.errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(lines, [(3, NAME), (5, NAME)]);
    }
}
