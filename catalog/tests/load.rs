//! Catalogue loading: every problem is reported with file, line and field.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use sunset_catalog::catalog::{Catalog, LoadError, Problem};

const META: &str = "[catalog]\nversion = \"test\"\n";

fn problems(files: &[(&str, &str)]) -> Vec<Problem> {
    match Catalog::from_files(files) {
        Err(LoadError::Invalid(problems)) => problems,
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("catalogue loaded but should not"),
    }
}

const PYTHON: &str = r#"
[[product]]
id = "python"
name = "Python"
kind = "runtime"

[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'

[[product.release]]
cycle = "3.12"
versions = "3.12.*"
released = 2023-10-02
security_support_end = 2028-10-31
"#;

#[test]
fn a_valid_catalogue_loads() {
    let catalog = Catalog::from_files(&[("catalog.toml", META), ("python.toml", PYTHON)]).unwrap();
    assert_eq!(catalog.version(), "test");
    assert_eq!(catalog.entries().len(), 1);
}

#[test]
fn a_typo_in_a_key_names_file_line_and_key() {
    let text = PYTHON.replace("released = ", "relased = ");
    let found = problems(&[("catalog.toml", META), ("python.toml", &text)]);
    assert_eq!(found.len(), 1, "{found:?}");
    let problem = &found[0];
    assert_eq!(problem.file, "python.toml");
    assert_eq!(problem.line, 13);
    assert!(
        problem.message.contains("unknown field `relased`"),
        "{problem}"
    );
    assert!(
        problem.to_string().starts_with("python.toml:13:"),
        "{problem}"
    );
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let broken = r#"
[[product]]
id = "python"
name = "Python again"
kind = "runtime"
[[product.match]]
name_regex = 'Python (3'
[[product.release]]
cycle = "3.11"
versions = "3.11.*"
security_support_end = 2027-10-31
[[product.release]]
cycle = "3.11b"
versions = ">=3.11.4, <3.12"
security_support_end = 2027-10-31
[[product.release]]
cycle = "bad-range"
versions = ">>3"
security_support_end = 2027-10-31
[[product.release]]
cycle = "bad-dates"
versions = "2.7.*"
released = 2030-01-01
security_support_end = 2020-01-01

[[product]]
id = "loose"
name = "Loose"
kind = "application"
[[product.match]]
publisher_regex = "Microsoft.*"
sources = ["winget"]
"#;
    let found = problems(&[
        ("catalog.toml", META),
        ("python.toml", PYTHON),
        ("broken.toml", broken),
    ]);
    let has = |line: usize, field: &str, text: &str| {
        assert!(
            found.iter().any(|p| p.file == "broken.toml"
                && p.line == line
                && p.field.contains(field)
                && p.message.contains(text)),
            "no problem at line {line} on {field} saying '{text}' in:\n{}",
            found.iter().map(|p| format!("{p}\n")).collect::<String>()
        );
    };
    has(
        3,
        "product[python].id",
        "duplicate product id (first defined in python.toml)",
    );
    has(6, "match[0].name_regex", "regex does not compile");
    has(14, "release[3.11b].versions", "overlap cycle '3.11'");
    has(18, "release[bad-range].versions", "");
    has(
        21,
        "release[bad-dates]",
        "released (2030-01-01) is after security_support_end",
    );
    has(
        30,
        "product[loose].match[0]",
        "a publisher alone matches too much",
    );
    has(30, "match[0].sources", "unknown source 'winget'");
    assert_eq!(found.len(), 7, "{found:#?}");
}

#[test]
fn editions_may_share_builds_but_not_within_one_edition() {
    let windows = |second_editions: &str| {
        format!(
            r#"
[[product]]
id = "windows"
name = "Windows"
kind = "os"
[[product.match]]
os_family = "windows"
[[product.release]]
cycle = "10-21h2-e"
versions = "10.0.19044.*"
editions = ["Enterprise"]
security_support_end = 2024-06-11
[[product.release]]
cycle = "10-21h2-e-lts"
versions = "10.0.19044.*"
editions = [{second_editions}]
security_support_end = 2027-01-12
"#
        )
    };
    let ok = windows("\"EnterpriseS\"");
    assert!(Catalog::from_files(&[("c.toml", META), ("w.toml", &ok)]).is_ok());
    let clash = windows("\"EnterpriseS\", \"enterprise\"");
    let found = problems(&[("c.toml", META), ("w.toml", &clash)]);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("for the same editions"));
}

#[test]
fn a_catalogue_without_metadata_or_with_bad_dates_is_refused() {
    let found = problems(&[("python.toml", PYTHON)]);
    assert!(found[0].message.contains("[catalog]"));
    let text = PYTHON.replace("2028-10-31", "2028-10-31T10:00:00");
    let found = problems(&[("catalog.toml", META), ("python.toml", &text)]);
    assert_eq!(found[0].line, 14);
    assert!(found[0].message.contains("not a calendar date"));
}

#[test]
fn os_rules_cannot_use_software_keys() {
    let text = r#"
[[product]]
id = "macos"
name = "macOS"
kind = "os"
[[product.match]]
os_family = "macos"
name = ["macOS"]
"#;
    let found = problems(&[("c.toml", META), ("m.toml", text)]);
    assert!(found[0].message.contains("an OS rule may only use"));
    assert_eq!(found[0].line, 6);
}

#[test]
fn only_software_follows_the_os_and_a_build_limit_needs_follows_os() {
    let limit_alone = PYTHON.replace(
        "security_support_end = 2028-10-31",
        "security_support_end = 2028-10-31\nfollows_os_below_build = 17763",
    );
    let found = problems(&[("catalog.toml", META), ("python.toml", &limit_alone)]);
    assert_eq!((found.len(), found[0].line), (1, 15), "{found:?}");
    assert!(found[0].message.contains("needs follows_os = true"));
    assert!(found[0].field.ends_with("follows_os_below_build"));

    let os = PYTHON
        .replace("kind = \"runtime\"", "kind = \"os\"")
        .replace(
            "name_regex = 'Python (?P<version>\\d+\\.\\d+)\\.\\d+ \\((64|32)-bit\\)'",
            "os_family = \"windows\"",
        )
        .replace(
            "security_support_end = 2028-10-31",
            "security_support_end = 2028-10-31\nfollows_os = true",
        );
    let found = problems(&[("catalog.toml", META), ("os.toml", &os)]);
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("cannot follow the OS")),
        "{found:?}"
    );
    let fine = PYTHON.replace(
        "security_support_end = 2028-10-31",
        "security_support_end = 2028-10-31\nfollows_os = true\nfollows_os_below_build = 17763",
    );
    Catalog::from_files(&[("catalog.toml", META), ("python.toml", &fine)]).unwrap();
}

#[test]
fn an_origin_is_vendor_or_distribution_and_only_for_packages() {
    let rule = |lines: &str| {
        format!(
            "[[product]]\nid = \"nodejs\"\nname = \"Node.js\"\nkind = \"runtime\"\n\
             [[product.match]]\nname = [\"nodejs\"]\n{lines}\n"
        )
    };
    let typo = rule("sources = [\"dpkg\"]\norigin = \"vendr\"");
    let found = problems(&[("c.toml", META), ("n.toml", &typo)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "product[nodejs].match[0].origin");
    assert!(found[0].message.contains("unknown origin 'vendr'"));
    for sources in [
        "",
        "sources = [\"hklm-uninstall\"]\n",
        "sources = [\"dpkg\", \"snap\"]\n",
    ] {
        let text = rule(&format!("{sources}origin = \"vendor\""));
        let found = problems(&[("c.toml", META), ("n.toml", &text)]);
        assert!(
            found[0].message.contains("an origin applies to packages"),
            "{sources}: {found:?}"
        );
    }
    let good = rule("sources = [\"dpkg\", \"rpm\"]\norigin = \"vendor\"");
    Catalog::from_files(&[("c.toml", META), ("n.toml", &good)]).unwrap();
}

/// Findings cite `source.retrieved` as a date: a time of day there is refused where it is written,
/// not dropped when a finding is made.
#[test]
fn a_source_read_at_a_time_of_day_is_a_problem_at_its_line() {
    let source = "kind = \"runtime\"\nsource = { name = \"vendor\", url = \"https://www.python.org/downloads/\", retrieved = 2026-11-25T10:00:00 }";
    let text = PYTHON.replacen("kind = \"runtime\"", source, 1);
    let found = problems(&[("catalog.toml", META), ("python.toml", &text)]);
    assert_eq!(found.len(), 1, "{found:?}");
    let problem = &found[0];
    assert_eq!(
        (problem.line, problem.field.as_str()),
        (6, "product[python].source.retrieved"),
        "{problem}"
    );
    assert!(problem.message.contains("not a calendar date"), "{problem}");
    let dated = text.replace("2026-11-25T10:00:00", "2026-11-25");
    let catalog = Catalog::from_files(&[("catalog.toml", META), ("python.toml", &dated)]).unwrap();
    let source = catalog.entries()[0].source.as_ref().unwrap();
    assert_eq!(
        source.retrieved,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
    );
}
