//! The endoflife.date importer: dates come from the source, everything else is ours, and a second
//! import of the same source changes nothing.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sunset_catalog::Catalog;
use sunset_catalog_tool::import::endoflife_date::{self, Value};
use sunset_catalog_tool::import::{self, Import, SourcePage};

const REVISION: &str = "a70eca337600e7d721dc48112c271f98661d208b";

/// The shared endoflife.date snapshot, or `None` (and a note) where `../shared` is not there.
fn snapshot() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/endoflife-date");
    if dir.join("products").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the shared endoflife.date snapshot is missing at {}",
        dir.display()
    );
    println!("skipped: ../shared absent");
    None
}

/// The pages a catalogue needs, read from a snapshot's `products/`.
fn pages_for(files: &[(String, String)], products: &Path) -> BTreeMap<String, SourcePage> {
    let mut pages = BTreeMap::new();
    for id in import::endoflife_date_products(files) {
        let path = products.join(format!("{id}.md"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let name = format!("{id}.md");
            pages.insert(id, SourcePage { name, text });
        }
    }
    pages
}

fn texts(import: &Import) -> Vec<(String, String)> {
    import
        .files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect()
}

fn one_page(id: &str, text: &str) -> BTreeMap<String, SourcePage> {
    let page = SourcePage {
        name: format!("products/{id}.md"),
        text: text.to_string(),
    };
    BTreeMap::from([(id.to_string(), page)])
}

fn run(catalog: &str, pages: &BTreeMap<String, SourcePage>, revision: Option<&str>) -> Import {
    import::import_endoflife_date(&[("python.toml", catalog)], pages, revision)
}

#[test]
fn the_snapshot_imports_into_the_catalogue_and_a_second_import_is_a_no_op() {
    let Some(snapshot) = snapshot() else {
        return;
    };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/data");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.sort();
    let notes = std::fs::read_to_string(snapshot.join("SOURCE.md")).unwrap();
    let revision = endoflife_date::revision_from_source_notes(&notes);
    assert_eq!(revision.as_deref(), Some(REVISION));
    let pages = pages_for(&files, &snapshot.join("products"));
    let first = import::import_endoflife_date(&files, &pages, revision.as_deref());
    // The committed catalogue is what the importer makes of this snapshot: no file changes.
    assert!(
        first.files.iter().all(|f| !f.changed),
        "catalog/data is out of date with the snapshot:\n{}",
        first.report
    );
    let after_first = texts(&first);
    let second = import::import_endoflife_date(&after_first, &pages, revision.as_deref());
    assert!(second.files.iter().all(|f| !f.changed), "{}", second.report);
    assert_eq!(
        texts(&second),
        after_first,
        "a second import changed the files"
    );
    assert!(second.report.changes.is_empty(), "{}", second.report);
    if Catalog::from_files(&files).is_ok()
        && let Err(error) = Catalog::from_files(&after_first)
    {
        panic!("the imported catalogue does not load: {error}");
    }
    println!("{}", first.report);
}

/// Real pages with awkward values: `lts` as a date (Node.js, RHEL), free-text `latest` (SQL Server),
/// ESR flags (Firefox), Windows edition cycles.
const REAL: &str = r#"
[catalog]
version = "real"

[[product]]
id = "nodejs"
name = "Node.js"
kind = "runtime"
source = { name = "endoflife.date", product = "nodejs" }
[[product.match]]
name = ["Node.js"]
[[product.release]]
cycle = "24"
versions = "24.*"
security_support_end = true
[[product.release]]
cycle = "16"
versions = "16.*"
security_support_end = true

[[product]]
id = "rhel"
name = "Red Hat Enterprise Linux"
kind = "os"
[product.source]
name = "endoflife.date"
product = "rhel"
[[product.match]]
os_family = "linux"
distro_id = ["rhel"]
[[product.release]]
cycle = "9"
versions = "9.*"
security_support_end = false

[[product]]
id = "mssqlserver"
name = "SQL Server"
kind = "server"
source = { name = "endoflife.date", product = "mssqlserver" }
[[product.match]]
name_regex = 'Microsoft SQL Server 2022 .*'
[[product.release]]
cycle = "16.0"
label = "SQL Server 2022"
versions = "16.*"
security_support_end = false

[[product]]
id = "windows"
name = "Windows"
kind = "os"
source = { name = "endoflife.date", product = "windows" }
[[product.match]]
os_family = "windows"
[[product.release]]
cycle = "10-22h2"
versions = ">=10.0.19045, <10.0.19046"
security_support_end = false
[[product.release]]
cycle = "11-24h2-e"
versions = ">=10.0.26100, <10.0.26101"
editions = ["Enterprise"]
security_support_end = false
"#;

#[test]
fn real_pages_with_date_lts_and_free_text_latest_import_and_round_trip() {
    let Some(snapshot) = snapshot() else {
        return;
    };
    let files = vec![("real.toml".to_string(), REAL.to_string())];
    let pages = pages_for(&files, &snapshot.join("products"));
    assert_eq!(pages.len(), 4);
    let first = import::import_endoflife_date(&files, &pages, Some(REVISION));
    assert!(first.report.problems.is_empty(), "{}", first.report);
    assert_eq!(first.report.matched, 6);
    let text = &first.files[0].text;
    let catalog = Catalog::from_files(&[("real.toml", text)]).unwrap();
    let node24 = catalog.product("nodejs").unwrap().releases[0].clone();
    assert!(node24.lts, "lts given as a date means LTS");
    assert!(node24.latest.is_some());
    let sql = &catalog.product("mssqlserver").unwrap().releases[0];
    assert!(
        sql.latest.as_deref().unwrap().contains(" CU"),
        "{:?}",
        sql.latest
    );
    assert_eq!(
        sql.label.as_deref(),
        Some("SQL Server 2022"),
        "labels are ours"
    );
    let win = &catalog.product("windows").unwrap().releases[0];
    assert!(matches!(
        win.extended_support_end,
        Some(sunset_catalog::catalog::SupportEnd::On(d)) if d.to_string() == "2028-10-10"
    ));
    assert!(text.contains(&format!("revision = \"{REVISION}\"")));
    let rhel = catalog.product("rhel").unwrap();
    assert_eq!(
        rhel.product.source.as_ref().unwrap().revision.as_deref(),
        Some(REVISION)
    );
    let second = import::import_endoflife_date(&texts(&first), &pages, Some(REVISION));
    assert!(second.files.iter().all(|f| !f.changed), "{}", second.report);
    assert_eq!(texts(&second), texts(&first));
}

const CATALOG: &str = r#"[catalog]
version = "golden"

# Python: dates from endoflife.date, rules ours.
[[product]]
id = "python"
name = "Python"
kind = "runtime"
source = { name = "endoflife.date", product = "python", revision = "0000000000000000000000000000000000000000" }

# Windows installers only.
[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'
publisher_regex = 'Python Software Foundation'

[[product.release]]
cycle = "3.12"
label = "Python 3.12"
versions = "3.12.*"
released = 2023-10-02
security_support_end = 2028-10-31 # five years
latest = "3.12.5"
link = "https://peps.python.org/pep-0693/"

[[product.release]]
cycle = "3.11"
versions = "3.11.*"
released = 2022-10-24
security_support_end = 2027-10-31   # PEP 664
replacement = "Upgrade to 3.12."
"#;

const PAGE: &str = r#"---
title: Python
category: lang
releases:
  - releaseCycle: "3.13"
    releaseDate: 2024-10-07
    eol: 2029-10-31
    link: https://example.org/3.13

  - releaseCycle: "3.12"
    releaseDate: 2023-10-02
    eol: 2028-10-31
    latest: "3.12.5"
    link: https://example.org/not-ours

  - releaseCycle: "3.11"
    releaseDate: 2022-10-24
    eol: 2027-10-24
---
# Python

Body: not data.
"#;

/// CATALOG with the moved date and the revision changed, and nothing else.
const GOLDEN: &str = r#"[catalog]
version = "golden"

# Python: dates from endoflife.date, rules ours.
[[product]]
id = "python"
name = "Python"
kind = "runtime"
source = { name = "endoflife.date", product = "python", revision = "a70eca337600e7d721dc48112c271f98661d208b" }

# Windows installers only.
[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'
publisher_regex = 'Python Software Foundation'

[[product.release]]
cycle = "3.12"
label = "Python 3.12"
versions = "3.12.*"
released = 2023-10-02
security_support_end = 2028-10-31 # five years
latest = "3.12.5"
link = "https://peps.python.org/pep-0693/"

[[product.release]]
cycle = "3.11"
versions = "3.11.*"
released = 2022-10-24
security_support_end = 2027-10-24   # PEP 664
replacement = "Upgrade to 3.12."
"#;

#[test]
fn a_moved_date_changes_exactly_that_line_and_a_new_cycle_is_only_reported() {
    let pages = one_page("python", PAGE);
    let imported = run(CATALOG, &pages, Some(REVISION));
    assert_eq!(imported.files[0].text, GOLDEN);
    assert!(imported.files[0].changed);
    let report = &imported.report;
    assert!(report.problems.is_empty(), "{report}");
    assert_eq!(
        (report.products, report.matched, report.unchanged),
        (1, 2, 1)
    );
    assert_eq!(report.changes.len(), 2, "{report}");
    let moved = &report.changes[0];
    assert_eq!(
        (
            moved.cycle.as_deref(),
            moved.field.as_str(),
            moved.old.as_deref(),
            moved.new.as_str()
        ),
        (
            Some("3.11"),
            "security_support_end",
            Some("2027-10-31"),
            "2027-10-24"
        )
    );
    assert_eq!(moved.at.to_string(), "python.toml:29");
    assert_eq!(report.changes[1].field, "source.revision");
    assert_eq!(report.new_cycles.len(), 1);
    assert_eq!(report.new_cycles[0].cycle, "3.13");
    assert_eq!(report.new_cycles[0].at.to_string(), "products/python.md:5");
    let text = report.to_string();
    assert!(
        text.contains(
            "products/python.md:5: python: new cycle 3.13 in source, not in catalogue (needs a versions range)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "python.toml:29: python 3.11: security_support_end: 2027-10-31 -> 2027-10-24"
        ),
        "{text}"
    );
    assert!(text.contains("1 unchanged"), "{text}");
    // The result still loads, with the rules as they were.
    let catalog = Catalog::from_files(&[("python.toml", GOLDEN)]).unwrap();
    assert_eq!(catalog.product("python").unwrap().releases.len(), 2);
}

#[test]
fn a_second_import_of_the_same_source_is_byte_identical() {
    let pages = one_page("python", PAGE);
    let first = run(CATALOG, &pages, Some(REVISION));
    let second = run(&first.files[0].text, &pages, Some(REVISION));
    assert!(!second.files[0].changed);
    assert_eq!(second.files[0].text, first.files[0].text);
    assert!(second.report.changes.is_empty());
    assert_eq!(second.report.unchanged, 2);
    assert_eq!(
        second.report.new_cycles.len(),
        1,
        "still reported until a range is added"
    );
}

#[test]
fn without_a_revision_the_recorded_one_is_kept() {
    let pages = one_page("python", PAGE);
    let imported = run(CATALOG, &pages, None);
    assert!(
        imported.files[0]
            .text
            .contains("revision = \"0000000000000000000000000000000000000000\"")
    );
    assert_eq!(imported.report.changes.len(), 1);
}

const INDENTED: &str = r#"[catalog]
version = "t"

[[product]]
id = "py"
name = "Python"
kind = "runtime"
[product.source]
name = "endoflife.date"
product = "python"  # upstream id

[[product.match]]
name = ["python3"]

  [[product.release]]
  cycle = "3.12"
  versions = "3.12.*"
  security_support_end = 2028-10-31
  link = "https://example.org/ours"
"#;

const INDENTED_PAGE: &str = "---\nreleases:\n  - releaseCycle: \"3.12\"\n    releaseDate: 2023-10-02\n    eoas: 2025-04-02\n    eol: 2028-10-31\n    eoes: false\n    lts: 2024-01-01\n    latest: 3.12.10\n    link: https://example.org/upstream\n---\n";

const INDENTED_GOLDEN: &str = r#"[catalog]
version = "t"

[[product]]
id = "py"
name = "Python"
kind = "runtime"
[product.source]
name = "endoflife.date"
product = "python"  # upstream id
revision = "a70eca337600e7d721dc48112c271f98661d208b"

[[product.match]]
name = ["python3"]

  [[product.release]]
  cycle = "3.12"
  versions = "3.12.*"
  released = 2023-10-02
  active_support_end = 2025-04-02
  security_support_end = 2028-10-31
  extended_support_end = false
  lts = true
  latest = "3.12.10"
  link = "https://example.org/ours"
"#;

#[test]
fn added_fields_go_in_catalogue_order_with_the_tables_indentation() {
    let pages = one_page("python", INDENTED_PAGE);
    let imported = run(INDENTED, &pages, Some(REVISION));
    assert_eq!(imported.files[0].text, INDENTED_GOLDEN);
    let added: Vec<_> = imported
        .report
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(
        added,
        [
            "released",
            "active_support_end",
            "extended_support_end",
            "lts",
            "latest",
            "source.revision"
        ]
    );
    assert!(
        imported
            .report
            .changes
            .iter()
            .all(|c| c.at.line == 16 || c.field == "source.revision")
    );
    Catalog::from_files(&[("py.toml", INDENTED_GOLDEN)]).unwrap();
}

#[test]
fn fields_missing_upstream_are_kept_and_an_absent_lts_means_not_lts() {
    let catalog = INDENTED_GOLDEN;
    let page = "---\nreleases:\n  - releaseCycle: \"3.12\"\n    releaseDate: 2023-10-02\n    eol: 2028-10-31\n---\n";
    let imported = run(catalog, &one_page("python", page), Some(REVISION));
    let report = &imported.report;
    let kept: Vec<_> = report.kept.iter().map(|k| k.field.as_str()).collect();
    assert_eq!(
        kept,
        ["active_support_end", "extended_support_end", "latest"]
    );
    assert_eq!(report.changes.len(), 1);
    assert_eq!(report.changes[0].field, "lts");
    assert_eq!(
        imported.files[0].text,
        INDENTED_GOLDEN.replace("  lts = true\n", "  lts = false\n")
    );
}

#[test]
fn problems_name_the_file_and_line_and_the_rest_is_still_imported() {
    let catalog = format!(
        "{CATALOG}\n[[product]]\nid = \"ghost\"\nname = \"Ghost\"\nkind = \"application\"\nsource = {{ name = \"endoflife.date\", product = \"ghost\" }}\n[[product.match]]\nname = [\"ghost\"]\n"
    );
    let page = PAGE.replace("eol: 2027-10-24", "eol: \"soon\"");
    let imported = run(&catalog, &one_page("python", &page), Some(REVISION));
    let problems: Vec<String> = imported
        .report
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.at, p.message))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("products/python.md:18: python 3.11: eol"),
        "{problems:?}"
    );
    assert!(problems[0].contains("left as it is"), "{problems:?}");
    assert!(
        problems[1].starts_with("python.toml:36: ghost: no endoflife.date page ghost.md"),
        "{problems:?}"
    );
    // 3.11 keeps its date; the revision is still recorded for python.
    assert!(
        imported.files[0]
            .text
            .contains("security_support_end = 2027-10-31   # PEP 664")
    );
    assert!(imported.files[0].text.contains(REVISION));
}

#[test]
fn a_broken_page_or_catalogue_file_is_reported_not_fatal() {
    let imported = run(
        CATALOG,
        &one_page("python", "---\nreleases: [\n---\n"),
        Some(REVISION),
    );
    assert!(!imported.files[0].changed);
    assert_eq!(imported.report.problems.len(), 1);
    assert!(imported.report.problems[0].at.file.ends_with("python.md"));

    let broken = "[[product]]\nid = \"x\"\nname = = 1\n";
    let imported = import::import_endoflife_date(&[("bad.toml", broken)], &BTreeMap::new(), None);
    assert_eq!(imported.files[0].text, broken);
    assert_eq!(imported.report.problems[0].at.to_string(), "bad.toml:3");
}

#[test]
fn products_from_other_sources_are_not_touched() {
    let vendor = CATALOG.replace("name = \"endoflife.date\"", "name = \"vendor\"");
    assert!(import::endoflife_date_products(&[("v.toml", vendor.as_str())]).is_empty());
    let imported = run(&vendor, &one_page("python", PAGE), Some(REVISION));
    assert!(!imported.files[0].changed);
    assert_eq!(imported.report.products, 0);
}

#[test]
fn page_values_keep_their_text_and_lines() {
    let page = endoflife_date::parse_page(PAGE).unwrap();
    assert_eq!(page.releases.len(), 3);
    let r = page.release("3.12").unwrap();
    assert_eq!(r.line, 10);
    assert_eq!(
        r.latest.as_ref().unwrap().value,
        Value::Text("3.12.5".into())
    );
    assert_eq!(
        r.link.as_ref().unwrap().value,
        Value::Text("https://example.org/not-ours".into())
    );
}
