//! The MSIs, built with `ci/package.sh msi` exactly as a release builds them (Debian's `wixl` plus the fix-ups
//! in `packaging/wix/fixups.sql`), one per Windows platform (x64 and x86), read back table by table with
//! `msiinfo`. This checks each installer's *structure*: what goes where, the service, the registry values
//! bound to the public properties, the upgrade rules and the Windows version rules. `tests/tests/wine/`
//! installs them; the release workflow installs the x64 one on real Windows.
//!
//! The payload is the real Windows agent when `ci/windows.sh build` has produced it, else a stand-in with
//! the right PE header (the test says which). Also here: Authenticode signing of the exe and the MSI with a
//! throwaway certificate, checked with `osslsigncode verify`.
//!
//! Missing tools are a skip with a message; with `CI=true` a skip is a failure.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use sunset_tests::support::{
    Platform, on_path, run, run_ok, say, skip, workspace, workspace_version,
};

/// The MSIs' UpgradeCode, shared by both platforms. It must never change: it is what lets a newer MSI
/// replace an older one.
const UPGRADE_CODE: &str = "{34D50758-2259-4AC5-86D0-A7B478445633}";
/// The registry values the MSI writes under `HKLM\SOFTWARE\Sunset\Agent`, with their public property.
const SETTINGS: [(&str, &str); 6] = [
    ("CollectorUrl", "COLLECTOR_URL"),
    ("EnrollToken", "ENROLL_TOKEN"),
    ("Site", "SITE"),
    ("ScheduleWindow", "SCHEDULE_WINDOW"),
    ("CaFile", "CA_FILE"),
    ("Proxy", "PROXY"),
];
/// Public properties that may hold a secret: never in an installer log.
const HIDDEN: [&str; 2] = ["ENROLL_TOKEN", "PROXY"];

/// What differs between the two packages.
struct Expected {
    template: &'static str,
    program_files: &'static str,
    /// `msidbComponentAttributes64bit` on every component, or 0.
    component_64bit: u32,
    /// `RegLocator.Type`: raw value (2), plus 16 for the 64-bit registry view.
    locator_type: &'static str,
}

fn expected(platform: Platform) -> Expected {
    match platform {
        Platform::X64 => Expected {
            template: "Template: x64;1033",
            program_files: "ProgramFiles64Folder",
            component_64bit: 256,
            locator_type: "18",
        },
        Platform::X86 => Expected {
            template: "Template: Intel;1033",
            program_files: "ProgramFilesFolder",
            component_64bit: 0,
            locator_type: "2",
        },
    }
}

fn who() -> &'static str {
    "msi"
}

/// One table of an MSI as `msiinfo export` prints it: rows keyed by column name.
type Table = Vec<BTreeMap<String, String>>;

struct Msi {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Msi {
    fn tables(&self) -> Vec<String> {
        run_ok(Command::new("msiinfo").arg("tables").arg(&self.path))
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `msiinfo export`: line 1 column names, line 2 column types, line 3 table name and keys, then rows.
    fn table(&self, name: &str) -> Table {
        let text = run_ok(
            Command::new("msiinfo")
                .arg("export")
                .arg(&self.path)
                .arg(name),
        );
        let mut lines = text.lines();
        let columns: Vec<&str> = lines.next().expect("column names").split('\t').collect();
        lines
            .skip(2)
            .filter(|line| !line.is_empty())
            .map(|line| {
                columns
                    .iter()
                    .map(|c| c.to_string())
                    .zip(
                        line.split('\t')
                            .map(str::to_string)
                            .chain(std::iter::repeat(String::new())),
                    )
                    .collect()
            })
            .collect()
    }

    /// The one row of `table` whose `column` is `value`.
    fn row(&self, table: &str, column: &str, value: &str) -> BTreeMap<String, String> {
        let rows: Vec<_> = self
            .table(table)
            .into_iter()
            .filter(|r| r[column] == value)
            .collect();
        assert_eq!(
            rows.len(),
            1,
            "{table} rows with {column} = {value}: {rows:#?}"
        );
        rows.into_iter().next().expect("one row")
    }

    fn property(&self, name: &str) -> Option<String> {
        self.table("Property")
            .into_iter()
            .find(|r| r["Property"] == name)
            .map(|r| r["Value"].clone())
    }

    /// Sequence number of `action` in InstallExecuteSequence.
    fn sequence(&self, action: &str) -> i64 {
        let row = self.row("InstallExecuteSequence", "Action", action);
        row["Sequence"].parse().expect("numeric sequence")
    }
}

/// A stand-in payload with just enough PE header for `ci/package.sh` to tell the platform.
fn stand_in(platform: Platform, path: &Path) {
    let mut bytes = b"MZ".to_vec();
    bytes.resize(0x40, 0);
    bytes[0x3c] = 0x40;
    bytes.extend(b"PE\0\0");
    let machine: u16 = match platform {
        Platform::X64 => 0x8664,
        Platform::X86 => 0x014c,
    };
    bytes.extend(machine.to_le_bytes());
    bytes.extend(b"\nstand-in for sunset-agent.exe: installer structure test only\n");
    fs::write(path, bytes).expect("write stand-in");
}

/// Builds the MSI for `platform` once for all tests; `None` (after a message) when wixl or msiinfo are missing.
fn msi(platform: Platform) -> Option<&'static Msi> {
    static MSIS: [OnceLock<Option<Msi>>; 2] = [OnceLock::new(), OnceLock::new()];
    MSIS[platform as usize]
        .get_or_init(|| {
            if !(on_path("wixl") && on_path("msiinfo") && on_path("msibuild")) {
                return None;
            }
            let dir = tempfile::tempdir().expect("temp dir");
            let payload = match platform.built_exe() {
                Some(real) => {
                    say(who(), &format!("{} MSI payload: the real agent, {}", platform.name(), real.display()));
                    real
                }
                None => {
                    say(
                        who(),
                        &format!(
                            "{} MSI payload is a stand-in, not the real agent: this test checks installer structure \
                             only ({} not built; `ci/windows.sh build` makes it)",
                            platform.name(),
                            platform.exe_path()
                        ),
                    );
                    let path = dir.path().join("sunset-agent.exe");
                    stand_in(platform, &path);
                    path
                }
            };
            let out = dir.path().join("out");
            let started = Instant::now();
            let printed = run_ok(
                Command::new("bash")
                    .arg(workspace().join("ci/package.sh"))
                    .arg("msi")
                    .arg(&payload)
                    .arg(&out)
                    .env_remove("SUNSET_SIGN_PKCS12"),
            );
            let path = PathBuf::from(printed.lines().last().expect("package.sh prints the MSI path"));
            say(who(), &format!("built {} in {:.1?}", path.display(), started.elapsed()));
            let msi = Msi { path, _dir: dir };
            let size = fs::metadata(&payload).expect("payload").len().to_string();
            assert_eq!(
                msi.row("File", "File", "SunsetAgentExe")["FileSize"],
                size,
                "the MSI carries the payload it was given"
            );
            Some(msi)
        })
        .as_ref()
}

/// Both MSIs, or a skip (a failure in CI) when the tools are missing.
fn msis_or_skip(test: &str) -> Vec<(Platform, &'static Msi)> {
    let built: Vec<_> = Platform::ALL
        .into_iter()
        .filter_map(|p| msi(p).map(|m| (p, m)))
        .collect();
    if built.is_empty() {
        skip(
            test,
            "wixl, msiinfo or msibuild is missing (apt-get install wixl msitools)",
        );
    }
    built
}

mod signing;
mod tables;
