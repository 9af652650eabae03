//! The real `sunset-agent.exe` and its MSIs, exercised under Wine claiming to be Windows 7 SP1. **Wine is not
//! Windows.**
//!
//! Debian's Wine 8 stands in for Windows' service control manager, registry and msiexec, so the Windows
//! agents and installers run on every CI machine, early and cheaply. It is not evidence of what Windows does:
//! the `windows-latest` GitHub workflow, on real Windows, is the final word, and Windows 7 compatibility is
//! proven from the import tables (`exe.rs`; Wine exports everything). Facts Wine cannot provide (TPM,
//! firmware type, Secure Boot, the hardware) are printed, never asserted. What Wine does differently and how
//! the prefix works around it: `packaging/WINE.md`.
//!
//! Two tests, each in its own throwaway prefix made by `ci/wine.sh prefix` (set to Windows 7 SP1):
//! * **x64**, a 64-bit prefix with WoW64: the x64 MSI and agent, plus the 32-bit agent reading the
//!   64-bit registry view from a 32-bit process (`KEY_WOW64_64KEY`), and the x86 MSI refusing 64-bit Windows;
//! * **x86**, a 32-bit prefix: the x86 MSI and agent.
//!
//! Each, in order:
//! 1. builds the MSI with `ci/package.sh msi` (the real exe as payload) and installs it silently with
//!    `COLLECTOR_URL`, `ENROLL_TOKEN`, `SITE` and `PROXY`: files under Program Files and ProgramData, the
//!    values under `HKLM\SOFTWARE\Sunset\Agent`, the `SunsetAgent` service RUNNING;
//! 2. adds known `Uninstall` entries with `reg add` (both views on 64-bit Windows, and HKCU; one hidden
//!    with `SystemComponent`, one update with `ParentKeyName`) and checks that `scan --format json` (the
//!    live `windows-registry` adapter) returns exactly the visible ones, each with its source;
//! 3. `config check`: registry values override `agent.toml`, an empty registry value does not, the
//!    token and the proxy password are masked;
//! 4. issue 14's live facts (`facts.rs`): the ESU WMI query's cover and the Secure Boot servicing
//!    values set with `reg add`, and the verdict;
//! 5. `sc stop`: the service stops and its log records a clean shutdown;
//! 6. a newer build of the same MSI upgrades in place and keeps the configuration; the older one is
//!    refused; `msiexec /x` removes the service, the files and the registry key (what stays in
//!    ProgramData is printed and documented in `packaging/WINE.md`).
//!
//! Checks after step 1 are collected and reported together, so one failure does not hide the others.
//!
//! Inputs: `SUNSET_AGENT_EXE_X64` / `SUNSET_AGENT_EXE_X86` (set by `ci/test.sh` after `ci/windows.sh
//! build`), else the exes where that build leaves them. Without an exe or Wine a test is skipped with a
//! message; with `CI=true` it fails.
#![cfg(unix)]

mod facts;
mod prefix;
mod steps;
mod util;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;
use sunset_tests::support::{Platform, msi_version, workspace, workspace_version};

use prefix::Prefix;
use steps::{
    check_config, check_downgrade_refused, check_installed, check_scan, check_service_stop,
    check_uninstalled, check_upgraded, check_x86_msi_refused,
};
use util::{Steps, build_msi, bumped, files_below, names_in, same_bytes, say, skip, wait_for_log};
/// The installer's public properties, as a deployment tool would pass them.
const COLLECTOR_URL: &str = "https://collector.example.nhs.uk";
const ENROLL_TOKEN: &str = "sst_wine_test_0123456789abcdef";
const SITE: &str = "Riverside Surgery";
/// A proxy with a password: written to the registry by the MSI, masked by `config check`.
const PROXY: &str = "http://ward7:Proxy-Secret-1@proxy.example.nhs.uk:3128";
/// The service the MSI installs.
pub const SERVICE: &str = "SunsetAgent";
/// The key the MSI writes and the agent reads over its file.
const SETTINGS_KEY: &str = r"HKLM\SOFTWARE\Sunset\Agent";
/// `Uninstall` below HKLM (both views) and HKCU.
pub const HKLM_UNINSTALL: &str = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
const HKCU_UNINSTALL: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall";
/// Every test entry's display name starts with this, so Wine's own entries can be told apart.
const TEST_NAME_PREFIX: &str = "Sunset Wine Test";
/// Added to the installed `agent.toml`: values the registry must win over, one it must not (the MSI
/// writes an empty `ScheduleWindow`), and a log level that shows the service's stop.
const FILE_SETTINGS: &str = "\n# Added by tests/tests/wine\n\
    collector_url = \"https://file.example.nhs.uk\"\n\
    enroll_token = \"sst_from_the_file\"\n\
    site = \"Set in the file\"\n\
    schedule_window = \"02:00-04:00\"\n\
    log_level = \"info\"\n";

// ---------------------------------------------------------------------------------------------------
// The Uninstall entries the scan must (or must not) report

/// Where a test entry is written: a key for `reg add` and the view flag.
struct Place {
    key: &'static str,
    view: Option<&'static str>,
}

const HKLM_64: Place = Place {
    key: HKLM_UNINSTALL,
    view: Some("/reg:64"),
};
const HKLM_32: Place = Place {
    key: HKLM_UNINSTALL,
    view: Some("/reg:32"),
};
const HKCU: Place = Place {
    key: HKCU_UNINSTALL,
    view: None,
};

struct Entry {
    place: Place,
    subkey: &'static str,
    /// `(name, type, data)` for `reg add /v /t /d`.
    values: &'static [(&'static str, &'static str, &'static str)],
    /// `(source kind, version, architecture)` expected in the scan, or `None`: must not be listed.
    expect: Option<(&'static str, &'static str, Option<&'static str>)>,
}

/// The entries for `flavour`: on 32-bit Windows there is one registry view, so the entries meant for the
/// 32-bit view go to the only one, and everything native is `x86`.
fn entries(flavour: Flavour) -> Vec<Entry> {
    let all = [
        Entry {
            place: HKLM_64,
            subkey: "SunsetWineTest.Imaging",
            values: &[
                ("DisplayName", "REG_SZ", "Sunset Wine Test Imaging Suite"),
                ("DisplayVersion", "REG_SZ", "4.2.1"),
                ("Publisher", "REG_SZ", "Sunset Test Publisher"),
                ("InstallDate", "REG_SZ", "20260115"),
            ],
            expect: Some(("hklm-uninstall", "4.2.1", Some("x64"))),
        },
        Entry {
            // No DisplayVersion: the packed Version DWORD (5 << 24 | 24 << 16 | 1) read through the live adapter.
            place: HKLM_64,
            subkey: "SunsetWineTest.Packed",
            values: &[
                ("DisplayName", "REG_SZ", "Sunset Wine Test Packed Version"),
                ("Version", "REG_DWORD", "85458945"),
            ],
            expect: Some(("hklm-uninstall", "5.24.1", Some("x64"))),
        },
        Entry {
            place: HKLM_64,
            subkey: "SunsetWineTest.Hidden",
            values: &[
                ("DisplayName", "REG_SZ", "Sunset Wine Test Hidden Component"),
                ("DisplayVersion", "REG_SZ", "1.0"),
                ("SystemComponent", "REG_DWORD", "1"),
            ],
            expect: None,
        },
        Entry {
            place: HKLM_32,
            subkey: "SunsetWineTest.Legacy",
            values: &[
                ("DisplayName", "REG_SZ", "Sunset Wine Test Legacy Viewer"),
                ("DisplayVersion", "REG_SZ", "2.0.7"),
            ],
            expect: Some(("wow6432-uninstall", "2.0.7", Some("x86"))),
        },
        Entry {
            place: HKLM_32,
            subkey: "SunsetWineTest.Legacy.KB100",
            values: &[
                (
                    "DisplayName",
                    "REG_SZ",
                    "Sunset Wine Test Legacy Viewer Update KB100",
                ),
                ("DisplayVersion", "REG_SZ", "2.0.8"),
                ("ParentKeyName", "REG_SZ", "SunsetWineTest.Legacy"),
                (
                    "ParentDisplayName",
                    "REG_SZ",
                    "Sunset Wine Test Legacy Viewer",
                ),
            ],
            expect: None,
        },
        Entry {
            place: HKCU,
            subkey: "SunsetWineTest.PerUser",
            values: &[
                ("DisplayName", "REG_SZ", "Sunset Wine Test Per-User Tool"),
                ("DisplayVersion", "REG_SZ", "1.5"),
            ],
            expect: Some(("user-uninstall", "1.5", None)),
        },
    ];
    match flavour {
        Flavour::X64 => all.into(),
        Flavour::X86 => all
            .into_iter()
            .map(|mut entry| {
                if entry.place.key == HKLM_UNINSTALL {
                    entry.place.view = None;
                    if let Some((kind, _, arch)) = &mut entry.expect {
                        *kind = "hklm-uninstall";
                        *arch = Some("x86");
                    }
                }
                entry
            })
            .collect(),
    }
}

/// Which Windows the test imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    /// 64-bit Windows 7 with WoW64, the x64 MSI.
    X64,
    /// 32-bit Windows 7, the x86 MSI.
    X86,
}

impl Flavour {
    fn platform(self) -> Platform {
        match self {
            Flavour::X64 => Platform::X64,
            Flavour::X86 => Platform::X86,
        }
    }

    /// `ci/wine.sh prefix` architecture.
    fn prefix_arch(self) -> &'static str {
        match self {
            Flavour::X64 => "win64",
            Flavour::X86 => "win32",
        }
    }

    /// The architecture of programs in the native registry view.
    fn native(self) -> &'static str {
        self.platform().name()
    }

    /// `reg` view flag for the native view (only 64-bit Windows has two).
    fn native_view(self) -> Option<&'static str> {
        match self {
            Flavour::X64 => Some("/reg:64"),
            Flavour::X86 => None,
        }
    }
}

/// The built exe for `platform`, or a skip (a failure in CI).
fn agent_exe(platform: Platform) -> Option<PathBuf> {
    let exe = platform.built_exe();
    if exe.is_none() {
        skip(&format!(
            "no {}: run `bash ci/windows.sh build` first (or set {})",
            platform.exe_path(),
            platform.exe_var()
        ));
    }
    exe
}

// ---------------------------------------------------------------------------------------------------
// The test

#[test]
fn wine_not_windows_x64_msi_on_windows_7_installs_scans_stops_upgrades_and_uninstalls() {
    whole_cycle(Flavour::X64);
}

#[test]
fn wine_not_windows_x86_msi_on_32_bit_windows_7_installs_scans_stops_upgrades_and_uninstalls() {
    whole_cycle(Flavour::X86);
}

fn whole_cycle(flavour: Flavour) {
    let started = Instant::now();
    let Some(exe) = agent_exe(flavour.platform()) else {
        return;
    };
    let Some(wine) = Prefix::create(flavour.prefix_arch()) else {
        return;
    };
    let mut steps = Steps::new(started);
    steps.lap(&format!(
        "{} Wine prefix ready (ci/wine.sh prefix)",
        flavour.prefix_arch()
    ));

    let version = msi_version(&workspace_version());
    let newer = bumped(&version);
    let v1 = build_msi(&exe, &wine.scratch("msi-current"), None);
    let v2 = build_msi(&exe, &wine.scratch("msi-newer"), Some(&newer));
    steps.lap(&format!(
        "{} MSIs {version} and {newer} built",
        flavour.native()
    ));

    // 1. Silent install with the public properties. Everything else depends on it: failures here stop the test.
    let install = wine.msiexec(
        "/i",
        &v1,
        "install.log",
        &[
            &format!("COLLECTOR_URL={COLLECTOR_URL}"),
            &format!("ENROLL_TOKEN={ENROLL_TOKEN}"),
            &format!("SITE={SITE}"),
            &format!("PROXY={PROXY}"),
        ],
    );
    assert_eq!(install.code, Some(0), "install failed: {install}");
    if let Err(e) = check_installed(&wine, &exe, &version) {
        panic!("after the install: {e}");
    }
    steps.lap("installed; files, registry values and RUNNING service checked");

    // 2-5 are independent of each other: collected.
    let installed = wine.program_files_exe();
    let result = check_scan(&wine, flavour, &installed, &version);
    steps.check("scan: Uninstall entries from every view and HKCU", result);
    if flavour == Flavour::X64 {
        match Platform::X86.built_exe() {
            Some(x86) => {
                let result = check_scan(&wine, flavour, &Prefix::windows_path(&x86), &version);
                steps.check(
                    "the 32-bit agent under WoW64 reads the 64-bit view (KEY_WOW64_64KEY)",
                    result,
                );
                let x86_msi = build_msi(&x86, &wine.scratch("msi-x86"), None);
                let result = check_x86_msi_refused(&wine, &x86_msi);
                steps.check("the x86 MSI refuses 64-bit Windows", result);
            }
            None => skip(&format!(
                "the WoW64 and x86-MSI checks need {} (bash ci/windows.sh build)",
                Platform::X86.exe_path()
            )),
        }
    }
    let result = check_config(&wine);
    steps.check(
        "config check: registry over file, token and proxy password masked",
        result,
    );
    let result = facts::check(&wine, &installed);
    steps.check(
        "ESU cover and Secure Boot servicing from the live machine",
        result,
    );
    let result = check_service_stop(&wine);
    steps.check("sc stop: clean shutdown in the agent's log", result);

    // 5. Upgrade, downgrade, uninstall.
    let upgrade = wine.msiexec("/i", &v2, "upgrade.log", &[]);
    assert_eq!(upgrade.code, Some(0), "upgrade failed: {upgrade}");
    let result = check_upgraded(&wine, flavour, &newer);
    steps.check(&format!("upgrade to {newer}: configuration kept"), result);
    let result = check_downgrade_refused(&wine, &v1, &newer);
    steps.check(&format!("downgrade to {version}: refused"), result);
    let result = check_uninstalled(&wine, flavour, &v2);
    steps.check("uninstall: service, files and key gone", result);

    drop(wine);
    steps.lap("wineserver stopped, prefix removed");
    steps.finish();
}
