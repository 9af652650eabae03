//! The `sunset-catalog` binary: exit codes, file:line in its output, and the files it writes.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const REVISION: &str = "a70eca337600e7d721dc48112c271f98661d208b";

const META: &str = "[catalog]\nversion = \"tool-test\"\n";

const PYTHON: &str = r#"# Dates from endoflife.date; rules ours.
[[product]]
id = "python"
name = "Python"
kind = "runtime"
source = { name = "endoflife.date", product = "python" }

[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'

[[product.release]]
cycle = "3.12"
versions = "3.12.*"
released = 2023-10-02
security_support_end = 2028-10-31

[[product.release]]
cycle = "3.9"
versions = "3.9.*"
released = 2020-10-05
security_support_end = 2025-10-31
"#;

const PAGE: &str = r#"---
title: Python
releases:
  - releaseCycle: "3.13"
    releaseDate: 2024-10-07
    eol: 2029-10-31

  - releaseCycle: "3.12"
    releaseDate: 2023-10-02
    eol: 2028-10-31

  - releaseCycle: "3.9"
    releaseDate: 2020-10-05
    eol: 2025-10-30
---
"#;

/// Runs the tool; its exit code and stdout + stderr.
fn tool(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sunset-catalog"))
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn catalogue(dir: &Path, python: &str) -> PathBuf {
    let path = dir.join("catalog");
    fs::create_dir_all(&path).unwrap();
    fs::write(path.join("catalog.toml"), META).unwrap();
    fs::write(path.join("python.toml"), python).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn check_accepts_a_good_catalogue_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    let (code, out) = tool(&["check", s(&cat)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("catalogue tool-test: 2 file(s), 1 product(s), 2 cycle(s)"),
        "{out}"
    );
}

#[test]
fn check_reports_a_typo_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(
        dir.path(),
        &PYTHON.replace("released = 2020", "relased = 2020"),
    );
    let (code, out) = tool(&["check", s(&cat)]);
    assert_eq!(code, 1, "{out}");
    let file_line = format!("{}:20:", cat.join("python.toml").display());
    assert!(out.contains(&file_line), "{out}");
    assert!(out.contains("relased"), "{out}");
}

#[test]
fn check_lays_overlays_over_the_base_and_reports_their_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    let overlay = dir.path().join("overlay-dir");
    fs::create_dir_all(&overlay).unwrap();
    let gp = "[[product]]\nid = \"docman\"\nname = \"Docman\"\nkind = \"application\"\n\
              [[product.match]]\nname_glob = \"Docman 10*\"\n[[product.release]]\n\
              cycle = \"10.2\"\nversions = \"10.2.*\"\nsecurity_support_end = 2027-09-30\n";
    fs::write(overlay.join("gp-clinical.toml"), gp).unwrap();
    let (code, out) = tool(&["check", s(&cat), "--overlay", s(&overlay)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("catalogue tool-test+overlay."), "{out}");
    assert!(
        out.contains("2 product(s), 3 cycle(s) with 1 overlay file(s)"),
        "{out}"
    );

    fs::write(
        overlay.join("gp-clinical.toml"),
        gp.replace("versions", "version"),
    )
    .unwrap();
    let (code, out) = tool(&["check", s(&cat), "--overlay", s(&overlay)]);
    assert_eq!(code, 1, "{out}");
    let file_line = format!("{}:9:", overlay.join("gp-clinical.toml").display());
    assert!(out.contains(&file_line), "{out}");
}

#[test]
fn check_of_a_missing_directory_is_an_error() {
    let (code, out) = tool(&["check", "/nonexistent/catalogue"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("/nonexistent/catalogue"), "{out}");
}

#[test]
fn keygen_sign_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    let prefix = dir.path().join("release");
    let (code, out) = tool(&["keygen", "--out", s(&prefix)]);
    assert_eq!(code, 0, "{out}");
    let (secret, public) = (
        dir.path().join("release.key"),
        dir.path().join("release.pub"),
    );
    assert!(secret.is_file() && public.is_file(), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (code, out) = tool(&["keygen", "--out", s(&prefix)]);
    assert_eq!(code, 2, "an existing key is never overwritten: {out}");

    let bundle = dir.path().join("bundle.json");
    let (code, out) = tool(&["sign", s(&cat), "--key", s(&secret), "--out", s(&bundle)]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = tool(&["verify", s(&bundle), "--pub", s(&public)]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("catalogue tool-test (2 file(s), 1 product(s), 2 cycle(s))"),
        "{out}"
    );

    let text = fs::read_to_string(&bundle).unwrap();
    let tampered = dir.path().join("tampered.json");
    fs::write(&tampered, text.replacen("2028-10-31", "2030-10-31", 1)).unwrap();
    let (code, out) = tool(&["verify", s(&tampered), "--pub", s(&public)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rejected: signature does not verify"), "{out}");

    let (code, out) = tool(&["keygen", "--out", s(&dir.path().join("other"))]);
    assert_eq!(code, 0, "{out}");
    let other = dir.path().join("other.pub");
    let (code, out) = tool(&["verify", s(&bundle), "--pub", s(&other)]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn sign_refuses_a_catalogue_that_does_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(
        dir.path(),
        &PYTHON.replace("versions = \"3.9.*\"", "versions = \">>3\""),
    );
    let prefix = dir.path().join("k");
    assert_eq!(tool(&["keygen", "--out", s(&prefix)]).0, 0);
    let bundle = dir.path().join("bundle.json");
    let key = dir.path().join("k.key");
    let (code, out) = tool(&["sign", s(&cat), "--key", s(&key), "--out", s(&bundle)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{}:19:", cat.join("python.toml").display())),
        "{out}"
    );
    assert!(!bundle.exists());
}

/// A source snapshot laid out like `../shared/data/endoflife-date`.
fn source(dir: &Path) -> PathBuf {
    let products = dir.join("endoflife-date/products");
    fs::create_dir_all(&products).unwrap();
    fs::write(products.join("python.md"), PAGE).unwrap();
    let notes = format!("# endoflife.date\n- Upstream: commit\n  {REVISION}, committed\n");
    fs::write(dir.join("endoflife-date/SOURCE.md"), notes).unwrap();
    products
}

#[test]
fn import_updates_in_place_reports_and_is_a_no_op_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    let products = source(dir.path());
    let file = cat.join("python.toml");

    let (code, out) = tool(&[
        "import",
        "endoflife-date",
        s(&products),
        "--catalog",
        s(&cat),
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 file(s) would change"), "{out}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        PYTHON,
        "a dry run writes nothing"
    );

    let (code, out) = tool(&[
        "import",
        "endoflife-date",
        s(&products),
        "--catalog",
        s(&cat),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "{}:21: python 3.9: security_support_end: 2025-10-31 -> 2025-10-30",
            file.display()
        )),
        "{out}"
    );
    assert!(
        out.contains("python.md:4: python: new cycle 3.13 in source, not in catalogue"),
        "{out}"
    );
    let expected = PYTHON.replace("2025-10-31", "2025-10-30").replace(
        "product = \"python\" }",
        &format!("product = \"python\", revision = \"{REVISION}\" }}"),
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), expected);

    let (code, out) = tool(&[
        "import",
        "endoflife-date",
        s(&products),
        "--catalog",
        s(&cat),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 file(s) written"), "{out}");
    assert_eq!(fs::read_to_string(&file).unwrap(), expected);

    let (code, out) = tool(&[
        "import",
        "endoflife-date",
        s(&products),
        "--catalog",
        s(&cat),
        "--revision",
        "0123456789abcdef0123456789abcdef01234567",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .contains("0123456789abcdef0123456789abcdef01234567")
    );
}

#[test]
fn import_refuses_to_write_a_catalogue_that_would_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    let products = source(dir.path());
    // The source moves 3.9's end of support before its release date.
    fs::write(
        products.join("python.md"),
        PAGE.replace("eol: 2025-10-30", "eol: 2019-01-01"),
    )
    .unwrap();
    let (code, out) = tool(&[
        "import",
        "endoflife-date",
        s(&products),
        "--catalog",
        s(&cat),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nothing written"), "{out}");
    assert!(
        out.contains(&format!("{}:", cat.join("python.toml").display())),
        "{out}"
    );
    assert_eq!(fs::read_to_string(cat.join("python.toml")).unwrap(), PYTHON);
}

#[test]
fn the_shared_snapshot_imports_into_a_copy_of_the_catalogue_and_reimports_identically() {
    let shared = common::shared_data("endoflife-date/products");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("data");
    fs::create_dir_all(&copy).unwrap();
    for entry in
        fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/data")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
    }
    let (_, first) = tool(&[
        "import",
        "endoflife-date",
        s(&shared),
        "--catalog",
        s(&copy),
    ]);
    assert!(
        first.contains(&format!("endoflife.date import at {REVISION}")),
        "{first}"
    );
    let snapshot: Vec<_> = read_dir_sorted(&copy);
    let (_, second) = tool(&[
        "import",
        "endoflife-date",
        s(&shared),
        "--catalog",
        s(&copy),
    ]);
    assert!(
        second.contains("0 file(s) written") || second.contains("nothing written"),
        "{second}"
    );
    assert_eq!(
        read_dir_sorted(&copy),
        snapshot,
        "a second import changed files"
    );
}

fn read_dir_sorted(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn diff_shows_moved_dates_and_status_flips_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = catalogue(&dir.path().join("old"), PYTHON);
    let moved = PYTHON
        .replace(
            "security_support_end = 2025-10-31",
            "security_support_end = 2025-10-31\nextended_support_end = 2027-01-01\nextended_cover = { kind = \"contract\" }",
        )
        .replace("versions = \"3.12.*\"", "versions = \">=3.12, <3.13\"")
        + "\n[[product.release]]\ncycle = \"3.13\"\nversions = \"3.13.*\"\nsecurity_support_end = 2029-10-31\n";
    let new = catalogue(&dir.path().join("new"), &moved);
    let (code, out) = tool(&["diff", s(&old), s(&new), "--today", "2026-11-25"]);
    assert_eq!(code, 0, "{out}");
    let file = new.join("python.toml");
    let want = [
        format!(
            "{}:18: python 3.9: extended_support_end: (none) -> 2027-01-01",
            file.display()
        ),
        format!(
            "{}:18: python 3.9: status flips: unsupported -> extended",
            file.display()
        ),
        format!(
            "{}:26: python 3.13: cycle added (supported)",
            file.display()
        ),
        "statuses as of 2026-11-25".to_string(),
    ];
    for line in want {
        assert!(out.contains(&line), "missing {line:?} in\n{out}");
    }
    assert!(out.contains("python 3.12: versions:"), "{out}");
    let (code, _) = tool(&[
        "diff",
        s(&old),
        s(&new),
        "--today",
        "2026-11-25",
        "--exit-code",
    ]);
    assert_eq!(code, 1);
    let (code, out) = tool(&["diff", s(&old), s(&old), "--exit-code"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 change(s)"), "{out}");
}

/// The public API's v1 answer for the same releases as [`PAGE`], as an administrator saves it.
const API_V1: &str = r#"{"schema_version":"1.2.0","generated_at":"2026-12-01T04:00:00+00:00","last_modified":"2026-11-28T10:00:00+00:00",
"result":{"name":"python","label":"Python","category":"lang","releases":[
{"name":"3.13","label":"3.13","releaseDate":"2024-10-07","isLts":false,"ltsFrom":null,"isEol":false,"eolFrom":"2029-10-31","isMaintained":true,"latest":{"name":"3.13.9","date":"2026-10-14","link":null}},
{"name":"3.12","label":"3.12","releaseDate":"2023-10-02","isLts":false,"ltsFrom":null,"isEol":false,"eolFrom":"2028-10-31","isMaintained":true,"latest":null},
{"name":"3.9","label":"3.9","releaseDate":"2020-10-05","isLts":false,"ltsFrom":null,"isEol":true,"eolFrom":"2025-10-30","isMaintained":false,"latest":null}]}}"#;

#[test]
fn import_reads_api_json_and_moves_the_catalogue_date() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalogue(dir.path(), PYTHON);
    fs::write(
        cat.join("catalog.toml"),
        format!("{META}date = 2026-08-22\n"),
    )
    .unwrap();
    let api = dir.path().join("api");
    fs::create_dir_all(&api).unwrap();
    fs::write(api.join("python.json"), API_V1).unwrap();
    let (code, out) = tool(&["import", "endoflife-date", s(&api), "--catalog", s(&cat)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("data of 2026-12-01"), "{out}");
    assert!(
        out.contains("python 3.9: security_support_end: 2025-10-31 -> 2025-10-30"),
        "{out}"
    );
    assert!(
        out.contains("python.json:3: python: new cycle 3.13"),
        "{out}"
    );
    assert!(
        out.contains("catalog: date: 2026-08-22 -> 2026-12-01"),
        "{out}"
    );
    assert!(out.contains("2 file(s) written"), "{out}");
    let meta = fs::read_to_string(cat.join("catalog.toml")).unwrap();
    assert_eq!(meta, format!("{META}date = 2026-12-01\n"));
    let python = fs::read_to_string(cat.join("python.toml")).unwrap();
    assert!(python.contains("security_support_end = 2025-10-30"));
    assert!(!python.contains("revision"), "no revision from an API file");

    let (code, out) = tool(&["import", "endoflife-date", s(&api), "--catalog", s(&cat)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 file(s) written"), "{out}");
}
