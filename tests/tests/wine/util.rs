//! Helpers of the Wine test: building the MSIs, reading what Wine's tools print, waiting for logs, and
//! the step report.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sunset_tests::support::workspace;

use crate::ensure;
use crate::prefix::{COMMAND_TIMEOUT, SERVICE_TIMEOUT, run_for};

/// The next minor version (`0.1.0` → `0.2.0`): a newer build for the major upgrade.
pub fn bumped(version: &str) -> String {
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let (major, minor) = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
    );
    format!("{major}.{}.0", minor + 1)
}

/// Prints past the test harness's capture: skips and Wine's answers must be seen even when the test passes.
pub fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "wine: {message}");
}

/// Skips with a message, or fails in CI, where nothing may be skipped.
pub fn skip(why: &str) {
    assert!(
        !sunset_tests::support::in_ci(),
        "the Wine test cannot run in CI: {why}"
    );
    say(&format!("SKIPPED the Wine test: {why}"));
}

/// Builds the MSI with `ci/package.sh msi`. For `version`, the same script runs from a copy of its inputs
/// (`ci/package.sh`, `packaging/`, a manifest with that version): the script takes the version from the
/// workspace manifest only, and the newer MSI must differ from the current one in nothing else.
pub fn build_msi(exe: &Path, out: &Path, version: Option<&str>) -> PathBuf {
    let script = match version {
        None => workspace().join("ci/package.sh"),
        Some(version) => {
            let tree = out.join("tree");
            copy_dir(&workspace().join("packaging"), &tree.join("packaging"));
            fs::create_dir_all(tree.join("ci")).expect("ci dir");
            fs::copy(
                workspace().join("ci/package.sh"),
                tree.join("ci/package.sh"),
            )
            .expect("copy ci/package.sh");
            fs::write(
                tree.join("Cargo.toml"),
                format!("[workspace.package]\nversion = \"{version}\"\n"),
            )
            .expect("manifest");
            tree.join("ci/package.sh")
        }
    };
    let mut build = Command::new("bash");
    build.arg(&script).arg("msi").arg(exe).arg(out);
    let ran = run_for(&mut build, COMMAND_TIMEOUT);
    assert!(ran.ok(), "ci/package.sh msi failed: {ran}");
    let msi = PathBuf::from(ran.stdout.lines().last().unwrap_or_default().trim());
    assert!(msi.is_file(), "ci/package.sh printed no MSI: {ran}");
    msi
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// `reg query` output: `HKEY_…` header lines, each followed by `    Name    REG_TYPE    Data` lines.
pub fn parse_reg_query(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut keys: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("HKEY_") {
            keys.push((line.trim().to_string(), BTreeMap::new()));
        } else if let Some((_, values)) = keys.last_mut() {
            let mut fields = line.trim_start().splitn(3, "    ");
            if let (Some(name), Some(kind)) = (fields.next(), fields.next())
                && kind.starts_with("REG_")
            {
                let data = fields.next().unwrap_or("").trim_end();
                values.insert(name.to_string(), data.to_string());
            }
        }
    }
    keys
}

/// An msiexec log: UTF-16 on Windows, plain text from Wine.
pub fn read_msi_log(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    match bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some(utf16) => String::from_utf16_lossy(
            &utf16
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        ),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Waits until the log has every one of `needles` after byte `from`; returns that part.
pub fn wait_for_log(log: &Path, from: u64, needles: &[&str]) -> Result<String, String> {
    let deadline = Instant::now() + SERVICE_TIMEOUT;
    loop {
        let bytes = fs::read(log).unwrap_or_default();
        let start = usize::try_from(from).unwrap_or(0).min(bytes.len());
        let text = String::from_utf8_lossy(&bytes[start..]).into_owned();
        if needles.iter().all(|n| text.contains(n)) {
            return Ok(text);
        }
        ensure!(
            Instant::now() < deadline,
            "{} has no {needles:?} after {SERVICE_TIMEOUT:?}:\n{text}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub fn same_bytes(a: &Path, b: &Path) -> bool {
    matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y)
}

pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Files below `dir`, relative to it.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                found.push(relative.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// Step timings and the checks that failed, reported at the end.
pub struct Steps {
    started: Instant,
    last: Instant,
    failures: Vec<String>,
}

impl Steps {
    pub fn new(started: Instant) -> Steps {
        Steps {
            started,
            last: started,
            failures: Vec::new(),
        }
    }

    pub fn lap(&mut self, what: &str) {
        say(&format!(
            "{:>6.1}s  {what}",
            self.last.elapsed().as_secs_f64()
        ));
        self.last = Instant::now();
    }

    pub fn check(&mut self, what: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.lap(&format!("ok: {what}")),
            Err(e) => {
                // Said now too, in case a later step panics before the report.
                self.lap(&format!("FAILED: {what}: {e}"));
                self.failures.push(format!("{what}:\n{e}"));
            }
        }
    }

    pub fn finish(self) {
        say(&format!(
            "{:>6.1}s  whole Wine test",
            self.started.elapsed().as_secs_f64()
        ));
        assert!(
            self.failures.is_empty(),
            "under Wine (not Windows), {} check(s) failed:\n\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}
