//! The real `sunset-agent.exe` and its MSI, exercised under Wine. **Wine is not Windows.**
//!
//! Debian's Wine 8 stands in for Windows' service control manager, registry and msiexec, so the Windows
//! agent and installer run on every CI machine, early and cheaply. It is not evidence of what Windows does:
//! the `windows-latest` GitHub workflow, on real Windows, is the final word. Facts Wine cannot provide
//! (TPM, firmware type, Secure Boot, the real Windows version) are printed, never asserted. What Wine does
//! differently and how the prefix works around it: `packaging/WINE.md`.
//!
//! One test, in one throwaway prefix made by `ci/wine.sh prefix`, in order:
//! 1. builds the MSI with `ci/package.sh msi` (the real exe as payload) and installs it silently with
//!    `COLLECTOR_URL`, `ENROLL_TOKEN` and `SITE`: files under Program Files and ProgramData, the values
//!    under `HKLM\SOFTWARE\Sunset\Agent`, the `SunsetAgent` service RUNNING;
//! 2. adds known `Uninstall` entries with `reg add` in the 64-bit view, the 32-bit view and HKCU (one hidden
//!    with `SystemComponent`, one update with `ParentKeyName`) and checks that `scan --format json` (the
//!    live `windows-registry` adapter) returns exactly the visible ones, each with its source;
//! 3. `config check`: registry values override `agent.toml`, an empty registry value does not, the
//!    token is masked;
//! 4. issue 14's live facts (`wine/facts.rs`): the ESU WMI query's cover and the Secure Boot servicing
//!    values set with `reg add`, and the verdict;
//! 5. `sc stop`: the service stops and its log records a clean shutdown;
//! 6. a newer build of the same MSI upgrades in place and keeps the configuration; the older one is
//!    refused; `msiexec /x` removes the service, the files and the registry key (what stays in
//!    ProgramData is printed and documented in `packaging/WINE.md`).
//!
//! Checks after step 1 are collected and reported together, so one failure does not hide the others.
//!
//! Inputs: `SUNSET_AGENT_EXE` (set by `ci/test.sh` after `ci/windows.sh build`), else the exe where that
//! build leaves it. Without the exe or Wine the test is skipped with a message; with `CI=true` it fails.
#![cfg(unix)]

#[path = "wine/facts.rs"]
mod facts;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where `ci/windows.sh build` leaves the agent.
const WINDOWS_EXE: &str = "target/windows-gnu/x86_64-pc-windows-gnu/release/sunset-agent.exe";
/// The installer's public properties, as a deployment tool would pass them.
const COLLECTOR_URL: &str = "https://collector.example.nhs.uk";
const ENROLL_TOKEN: &str = "sst_wine_test_0123456789abcdef";
const SITE: &str = "Riverside Surgery";
/// The service the MSI installs.
const SERVICE: &str = "SunsetAgent";
/// The key the MSI writes and the agent reads over its file.
const SETTINGS_KEY: &str = r"HKLM\SOFTWARE\Sunset\Agent";
/// `Uninstall` below HKLM (both views) and HKCU.
const HKLM_UNINSTALL: &str = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
const HKCU_UNINSTALL: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall";
/// The installed agent, as Windows sees it.
const INSTALLED_EXE: &str = r"C:\Program Files\Sunset\sunset-agent.exe";
/// Every test entry's display name starts with this, so Wine's own entries can be told apart.
const TEST_NAME_PREFIX: &str = "Sunset Wine Test";
/// Longest any single Wine command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for the service to reach a state or for a line in its log.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest `ci/wine.sh prefix` may take (it may install wine64 with apt first).
const SETUP_TIMEOUT: Duration = Duration::from_secs(600);
/// Added to the installed `agent.toml`: values the registry must win over, one it must not (the MSI
/// writes an empty `ScheduleWindow`), and a log level that shows the service's stop.
const FILE_SETTINGS: &str = "\n# Added by tests/tests/wine.rs\n\
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

fn entries() -> [Entry; 6] {
    [
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
    ]
}

// ---------------------------------------------------------------------------------------------------
// The test

#[test]
fn wine_not_windows_msi_installs_scans_stops_upgrades_and_uninstalls() {
    let started = Instant::now();
    let Some(exe) = agent_exe() else { return };
    let Some(wine) = Prefix::create() else { return };
    let mut steps = Steps::new(started);
    steps.lap("Wine prefix ready (ci/wine.sh prefix)");

    let version = msi_version(&workspace_version());
    let newer = bumped(&version);
    let v1 = build_msi(&exe, &wine.scratch("msi-current"), None);
    let v2 = build_msi(&exe, &wine.scratch("msi-newer"), Some(&newer));
    steps.lap(&format!("MSIs {version} and {newer} built"));

    // 1. Silent install with the public properties. Everything else depends on it: failures here stop the test.
    let install = wine.msiexec(
        "/i",
        &v1,
        "install.log",
        &[
            &format!("COLLECTOR_URL={COLLECTOR_URL}"),
            &format!("ENROLL_TOKEN={ENROLL_TOKEN}"),
            &format!("SITE={SITE}"),
        ],
    );
    assert_eq!(install.code, Some(0), "install failed: {install}");
    if let Err(e) = check_installed(&wine, &exe, &version) {
        panic!("after the install: {e}");
    }
    steps.lap("installed; files, registry values and RUNNING service checked");

    // 2-5 are independent of each other: collected.
    let result = check_scan(&wine, &version);
    steps.check("scan: Uninstall entries from both views and HKCU", result);
    let result = check_config(&wine);
    steps.check("config check: registry over file, token masked", result);
    let result = facts::check(&wine, INSTALLED_EXE);
    steps.check(
        "ESU cover and Secure Boot servicing from the live machine",
        result,
    );
    let result = check_service_stop(&wine);
    steps.check("sc stop: clean shutdown in the agent's log", result);

    // 6. Upgrade, downgrade, uninstall.
    let upgrade = wine.msiexec("/i", &v2, "upgrade.log", &[]);
    assert_eq!(upgrade.code, Some(0), "upgrade failed: {upgrade}");
    let result = check_upgraded(&wine, &newer);
    steps.check(&format!("upgrade to {newer}: configuration kept"), result);
    let result = check_downgrade_refused(&wine, &v1, &newer);
    steps.check(&format!("downgrade to {version}: refused"), result);
    let result = check_uninstalled(&wine, &v2);
    steps.check("uninstall: service, files and key gone", result);

    drop(wine);
    steps.lap("wineserver stopped, prefix removed");
    steps.finish();
}

// ---------------------------------------------------------------------------------------------------
// Steps

/// Fails the step with a message (steps return `Result<(), String>`).
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+));
        }
    };
}

/// Program Files, ProgramData, the settings key and the running service, right after the install.
fn check_installed(wine: &Prefix, exe: &Path, version: &str) -> Result<(), String> {
    let program_files = wine.drive_c().join("Program Files/Sunset");
    let installed = names_in(&program_files);
    ensure!(
        installed == ["sunset-agent.exe"],
        "Program Files\\Sunset holds {installed:?}, expected only sunset-agent.exe"
    );
    ensure!(
        same_bytes(&program_files.join("sunset-agent.exe"), exe),
        "the installed sunset-agent.exe differs from {}",
        exe.display()
    );
    let config = wine.program_data().join("agent.toml");
    ensure!(
        same_bytes(&config, &workspace().join("packaging/agent.toml.example")),
        "{} is not packaging/agent.toml.example",
        config.display()
    );
    let values = wine
        .reg_values(SETTINGS_KEY)
        .ok_or(format!("{SETTINGS_KEY} is missing"))?;
    let expected = [
        ("CollectorUrl", COLLECTOR_URL),
        ("EnrollToken", ENROLL_TOKEN),
        ("Site", SITE),
        ("ScheduleWindow", ""),
        ("CaFile", ""),
        ("InstalledVersion", version),
    ];
    for (name, want) in expected {
        ensure!(
            values.get(name).map(String::as_str) == Some(want),
            "{SETTINGS_KEY}\\{name} = {:?}, expected {want:?} (all: {values:?})",
            values.get(name)
        );
    }
    wine.wait_for_service("RUNNING")
}

/// The live registry adapter: exactly the visible test entries, each from its view.
fn check_scan(wine: &Prefix, version: &str) -> Result<(), String> {
    for entry in entries() {
        for (name, kind, data) in entry.values {
            let key = format!(r"{}\{}", entry.place.key, entry.subkey);
            let mut args = vec!["reg", "add", &key, "/v", name, "/t", kind, "/d", data, "/f"];
            args.extend(entry.place.view);
            let added = wine.run(&args);
            ensure!(added.ok(), "reg add {key} {name}: {added}");
        }
    }
    let scan = wine.run(&[INSTALLED_EXE, "scan", "--format", "json"]);
    if scan.stderr.contains("GetFirmwareType") {
        let wine_says: Vec<&str> = scan
            .stderr
            .lines()
            .filter(|l| l.contains("GetFirmwareType"))
            .collect();
        return Err(format!(
            "the scan aborted (exit {:?}): the agent calls GetFirmwareType, which Wine 8's kernel32 exports \
             only as a stub that kills the process (packaging/WINE.md, \"What Wine cannot do\"):\n{}",
            scan.code,
            wine_says.join("\n")
        ));
    }
    ensure!(scan.ok(), "scan failed: {scan}");
    let result: Value =
        serde_json::from_str(&scan.stdout).map_err(|e| format!("scan JSON: {e}: {scan}"))?;
    let software = result["inventory"]["software"]
        .as_array()
        .ok_or("no inventory.software in the scan")?;

    let mut found: BTreeMap<String, Vec<(String, String, Option<String>)>> = BTreeMap::new();
    for s in software {
        let name = s["name"].as_str().unwrap_or_default();
        if name.starts_with(TEST_NAME_PREFIX) || name == "Sunset agent" {
            found.entry(name.to_string()).or_default().push((
                s["source"]["kind"].as_str().unwrap_or_default().to_string(),
                s["version"].as_str().unwrap_or_default().to_string(),
                s["architecture"].as_str().map(str::to_string),
            ));
        }
    }
    let mut problems = Vec::new();
    for entry in entries() {
        let name = entry.values[0].2;
        let got = found.remove(name).unwrap_or_default();
        match entry.expect {
            Some((kind, version, arch)) => {
                let want = (
                    kind.to_string(),
                    version.to_string(),
                    arch.map(str::to_string),
                );
                if got != [want.clone()] {
                    problems.push(format!("{name:?}: got {got:?}, expected [{want:?}]"));
                }
            }
            None if !got.is_empty() => {
                problems.push(format!("{name:?} must not be listed: {got:?}"))
            }
            None => {}
        }
    }
    // Windows Installer's own Add/Remove Programs entry for the agent.
    let own = found.remove("Sunset agent").unwrap_or_default();
    let want = (
        "hklm-uninstall".to_string(),
        version.to_string(),
        Some("x64".to_string()),
    );
    if own != [want.clone()] {
        problems.push(format!(
            "the MSI's own entry \"Sunset agent\": got {own:?}, expected [{want:?}]"
        ));
    }
    problems.extend(
        found
            .into_iter()
            .map(|(name, got)| format!("unexpected {name:?}: {got:?}")),
    );
    if let Some(user) = software
        .iter()
        .find(|s| s["source"]["kind"] == "user-uninstall")
    {
        let sid = user["source"]["user_sid"].as_str().unwrap_or_default();
        if !sid.starts_with("S-1-5-21-") {
            problems.push(format!("per-user entry without the user's SID: {user}"));
        }
    }
    // Not asserted: Wine cannot answer these like Windows (packaging/WINE.md).
    let hardware = &result["inventory"]["hardware"];
    say(&format!(
        "not asserted under Wine: os = {}, uefi = {}, tpm = {}, secure_boot = {}",
        result["inventory"]["os"]["name"],
        hardware["uefi"],
        hardware["tpm"],
        hardware["secure_boot"]
    ));
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// `config check` after adding conflicting values to the installed file.
fn check_config(wine: &Prefix) -> Result<(), String> {
    let config = wine.program_data().join("agent.toml");
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(&config)
        .map_err(|e| format!("{}: {e}", config.display()))?;
    file.write_all(FILE_SETTINGS.as_bytes())
        .map_err(|e| format!("{}: {e}", config.display()))?;
    let line_of = |key: &str| {
        let text = fs::read_to_string(&config).unwrap_or_default();
        text.lines()
            .position(|l| l.starts_with(&format!("{key} = ")))
            .map_or(0, |i| i + 1)
    };

    let check = wine.run(&[INSTALLED_EXE, "config", "check"]);
    ensure!(check.ok(), "config check failed: {check}");
    let out = &check.stdout;
    ensure!(
        out.lines()
            .next()
            .is_some_and(|l| l.contains(r"C:\ProgramData\Sunset\agent.toml")),
        "config check did not read C:\\ProgramData\\Sunset\\agent.toml:\n{out}"
    );
    // `key = value # origin`, one per line.
    let effective: BTreeMap<&str, (&str, &str)> = out
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (key, rest) = l.split_once(" = ")?;
            let (value, origin) = rest.rsplit_once(" # ")?;
            Some((key.trim(), (value.trim(), origin.trim())))
        })
        .collect();
    let registry = |name: &str| format!(r"registry HKLM\SOFTWARE\Sunset\Agent\{name}");
    let token_masked = format!("******** ({} characters)", ENROLL_TOKEN.chars().count());
    let expected = [
        (
            "collector_url",
            format!("\"{COLLECTOR_URL}/\""),
            registry("CollectorUrl"),
        ),
        ("enroll_token", token_masked, registry("EnrollToken")),
        ("site", format!("\"{SITE}\""), registry("Site")),
        // The MSI wrote an empty ScheduleWindow: it counts as unset, so the file wins.
        (
            "schedule_window",
            "\"02:00-04:00\"".to_string(),
            format!("file, line {}", line_of("schedule_window")),
        ),
        (
            "log_level",
            "\"info\"".to_string(),
            format!("file, line {}", line_of("log_level")),
        ),
    ];
    let mut problems = Vec::new();
    for (key, value, origin) in &expected {
        let got = effective.get(key);
        if got != Some(&(value.as_str(), origin.as_str())) {
            problems.push(format!(
                "{key}: got {got:?}, expected ({value:?}, {origin:?})"
            ));
        }
    }
    for secret in [ENROLL_TOKEN, "sst_from_the_file"] {
        if out.contains(secret) || check.stderr.contains(secret) {
            problems.push(format!("config check printed the token {secret:?}"));
        }
    }
    ensure!(
        problems.is_empty(),
        "{}\n--- config check\n{out}",
        problems.join("\n")
    );
    Ok(())
}

/// Restarts the service (so it reads `log_level = "info"`), stops it, and reads its log.
fn check_service_stop(wine: &Prefix) -> Result<(), String> {
    let log = wine.program_data().join("logs/agent.log");
    wine.sc("stop")?;
    wine.wait_for_service("STOPPED")?;
    let from = fs::metadata(&log).map_or(0, |m| m.len());
    wine.sc("start")?;
    wine.wait_for_service("RUNNING")?;
    wait_for_log(&log, from, &["agent running"])?;
    wine.sc("stop")?;
    wine.wait_for_service("STOPPED")?;
    let text = wait_for_log(&log, from, &["service stop requested", "agent stopped"])?;
    ensure!(
        !text.contains(" ERROR "),
        "the service logged errors:\n{text}"
    );
    say(&format!(
        "service log (C:\\ProgramData\\Sunset\\logs\\agent.log):\n{}",
        text.trim_end()
    ));
    Ok(())
}

/// After installing the newer MSI without properties.
fn check_upgraded(wine: &Prefix, newer: &str) -> Result<(), String> {
    let values = wine
        .reg_values(SETTINGS_KEY)
        .ok_or(format!("{SETTINGS_KEY} is gone after the upgrade"))?;
    for (name, want) in [
        ("CollectorUrl", COLLECTOR_URL),
        ("EnrollToken", ENROLL_TOKEN),
        ("Site", SITE),
        ("InstalledVersion", newer),
    ] {
        ensure!(
            values.get(name).map(String::as_str) == Some(want),
            "after the upgrade {SETTINGS_KEY}\\{name} = {:?}, expected {want:?}",
            values.get(name)
        );
    }
    let config = fs::read_to_string(wine.program_data().join("agent.toml")).unwrap_or_default();
    ensure!(
        config.ends_with(FILE_SETTINGS),
        "the upgrade replaced the edited agent.toml"
    );
    let programs = wine.arp_entries("Sunset agent");
    ensure!(
        programs == [newer],
        "Add/Remove Programs lists the agent as {programs:?}, expected only [{newer:?}]"
    );
    ensure!(
        wine.drive_c()
            .join("Program Files/Sunset/sunset-agent.exe")
            .is_file(),
        "sunset-agent.exe is gone after the upgrade"
    );
    wine.wait_for_service("RUNNING")
}

/// The older MSI over the newer one: refused, nothing changed.
fn check_downgrade_refused(wine: &Prefix, older: &Path, newer: &str) -> Result<(), String> {
    let (code, log) = wine.msiexec_exit_code(older, "downgrade.log")?;
    ensure!(
        matches!(code, 1603 | 1638),
        "the downgrade exited with {code}, expected 1603 or 1638\n{log}"
    );
    say(&format!(
        "downgrade refused by msiexec with exit code {code}"
    ));
    // Windows shows the DowngradeErrorMessage; Wine's msi logs only the launch condition failing.
    let refused = log.contains("A newer version of the Sunset agent is already installed")
        || (log.contains("WIX_DOWNGRADE_DETECTED = {")
            && log.contains("LaunchConditions. Return value 0"));
    ensure!(refused, "the downgrade log shows no refusal:\n{log}");
    let values = wine.reg_values(SETTINGS_KEY).unwrap_or_default();
    ensure!(
        values.get("InstalledVersion").map(String::as_str) == Some(newer),
        "after the refused downgrade InstalledVersion = {:?}",
        values.get("InstalledVersion")
    );
    wine.wait_for_service("RUNNING")
}

/// `msiexec /x`: what goes and what stays.
fn check_uninstalled(wine: &Prefix, msi: &Path) -> Result<(), String> {
    let removed = wine.msiexec("/x", msi, "uninstall.log", &[]);
    ensure!(removed.code == Some(0), "uninstall failed: {removed}");
    ensure!(
        wine.service_state().is_none(),
        "the SunsetAgent service is still registered: {:?}",
        wine.service_state()
    );
    let program_files = wine.drive_c().join("Program Files/Sunset");
    ensure!(
        !program_files.exists(),
        "Program Files\\Sunset is still there: {:?}",
        names_in(&program_files)
    );
    ensure!(
        wine.reg_values(SETTINGS_KEY).is_none(),
        "{SETTINGS_KEY} is still there"
    );
    ensure!(
        wine.reg_values(r"HKLM\SOFTWARE\Sunset").is_none(),
        r"HKLM\SOFTWARE\Sunset is still there"
    );
    let programs = wine.arp_entries("Sunset agent");
    ensure!(
        programs.is_empty(),
        "Add/Remove Programs still lists the agent: {programs:?}"
    );
    // What stays, by design (packaging/WINE.md): the Permanent agent.toml, and what the agent itself wrote.
    let data = wine.program_data();
    ensure!(
        data.join("agent.toml").is_file(),
        "agent.toml (Permanent) was removed"
    );
    say(&format!(
        "left in C:\\ProgramData\\Sunset after the uninstall: {:?}",
        files_below(&data)
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// The Wine prefix

/// A throwaway prefix made by `ci/wine.sh prefix`. Dropping it stops its wineserver (and with it every
/// Wine process of the prefix, the service included) and removes the directory, even after a failure.
struct Prefix {
    dir: tempfile::TempDir,
    prefix: PathBuf,
    wine: PathBuf,
    wineserver: Option<PathBuf>,
}

impl Prefix {
    /// `None` (after a message; a failure in CI) when Wine is missing and cannot be installed.
    fn create() -> Option<Prefix> {
        let dir = tempfile::Builder::new()
            .prefix("sunset-wine-")
            .tempdir()
            .expect("temp dir");
        let prefix = dir.path().join("prefix");
        // The guard exists before the script runs, so a half-made prefix is cleaned up too.
        let mut guard = Prefix {
            dir,
            prefix,
            wine: PathBuf::new(),
            wineserver: ["/usr/lib/wine/wineserver", "/usr/bin/wineserver"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file()),
        };
        let mut setup = Command::new("bash");
        setup
            .arg(workspace().join("ci/wine.sh"))
            .arg("prefix")
            .arg(&guard.prefix);
        let ran = run_for(&mut setup, SETUP_TIMEOUT);
        if ran.code == Some(3) {
            skip(&format!(
                "ci/wine.sh cannot prepare Wine: {}",
                ran.stderr.trim()
            ));
            return None;
        }
        assert!(ran.ok(), "ci/wine.sh prefix failed: {ran}");
        let vars: BTreeMap<&str, &str> = ran
            .stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .collect();
        guard.wine = PathBuf::from(vars.get("WINE").expect("ci/wine.sh prints WINE="));
        guard.wineserver = vars.get("WINESERVER").map(PathBuf::from);
        say(&format!(
            "Wine prefix {} ({})",
            guard.prefix.display(),
            guard.wine.display()
        ));
        Some(guard)
    }

    fn drive_c(&self) -> PathBuf {
        self.prefix.join("drive_c")
    }

    /// `C:\ProgramData\Sunset`.
    fn program_data(&self) -> PathBuf {
        self.drive_c().join("ProgramData/Sunset")
    }

    /// A new directory next to the prefix, for files the test makes.
    fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    /// A Unix path as Wine's `Z:` drive shows it.
    fn windows_path(path: &Path) -> String {
        format!("Z:{}", path.display()).replace('/', "\\")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.args(args)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .current_dir(self.dir.path());
        cmd
    }

    fn run(&self, args: &[&str]) -> Ran {
        run_for(&mut self.command(args), COMMAND_TIMEOUT)
    }

    /// `msiexec <action> <msi> /qn /l*v <log> [properties]`. Through Wine only the low byte of the exit
    /// code arrives (1603 is 67): enough to tell 0 from failure; [`Prefix::msiexec_exit_code`] gets all of it.
    fn msiexec(&self, action: &str, msi: &Path, log: &str, properties: &[&str]) -> Ran {
        let msi = Prefix::windows_path(msi);
        let log = Prefix::windows_path(&self.dir.path().join(log));
        let mut args = vec!["msiexec", action, &msi, "/qn", "/l*v", &log];
        args.extend_from_slice(properties);
        self.run(&args)
    }

    /// Installs `msi` through a batch file that prints msiexec's full exit code; returns it and the log.
    fn msiexec_exit_code(&self, msi: &Path, log: &str) -> Result<(u32, String), String> {
        let script = self.dir.path().join("msiexec-exit-code.cmd");
        fs::write(
            &script,
            "@start \"\" /wait msiexec %*\r\n@echo msiexec exit code: %ERRORLEVEL%\r\n",
        )
        .map_err(|e| e.to_string())?;
        let log_path = self.dir.path().join(log);
        let ran = self.run(&[
            "cmd",
            "/c",
            &Prefix::windows_path(&script),
            "/i",
            &Prefix::windows_path(msi),
            "/qn",
            "/l*v",
            &Prefix::windows_path(&log_path),
        ]);
        let code = ran
            .stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("msiexec exit code: "))
            .and_then(|c| c.parse().ok())
            .ok_or(format!("no exit code from the batch file: {ran}"))?;
        Ok((code, read_msi_log(&log_path)))
    }

    /// The values of a key (`reg query KEY`), or `None` when it does not exist.
    fn reg_values(&self, key: &str) -> Option<BTreeMap<String, String>> {
        let ran = self.run(&["reg", "query", key]);
        if !ran.ok() {
            return None;
        }
        Some(
            parse_reg_query(&ran.stdout)
                .into_iter()
                .next()
                .map(|(_, values)| values)
                .unwrap_or_default(),
        )
    }

    /// `DisplayVersion` of every 64-bit view `Uninstall` entry whose `DisplayName` is `name`.
    fn arp_entries(&self, name: &str) -> Vec<String> {
        let ran = self.run(&["reg", "query", HKLM_UNINSTALL, "/s", "/reg:64"]);
        parse_reg_query(&ran.stdout)
            .into_iter()
            .filter(|(_, values)| values.get("DisplayName").is_some_and(|n| n == name))
            .map(|(_, values)| values.get("DisplayVersion").cloned().unwrap_or_default())
            .collect()
    }

    fn sc(&self, verb: &str) -> Result<(), String> {
        let ran = self.run(&["sc", verb, SERVICE]);
        ensure!(ran.ok(), "sc {verb} {SERVICE}: {ran}");
        Ok(())
    }

    /// `RUNNING`, `STOPPED`, …; `None` when the service does not exist.
    fn service_state(&self) -> Option<String> {
        let ran = self.run(&["sc", "query", SERVICE]);
        if !ran.ok() {
            return None;
        }
        ran.stdout.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "STATE")
                .then(|| value.split_whitespace().last().unwrap_or("").to_string())
        })
    }

    fn wait_for_service(&self, state: &str) -> Result<(), String> {
        let deadline = Instant::now() + SERVICE_TIMEOUT;
        loop {
            let now = self.service_state();
            if now.as_deref() == Some(state) {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "{SERVICE} is {now:?}, not {state}, after {SERVICE_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        if let Some(wineserver) = &self.wineserver {
            let mut kill = Command::new(wineserver);
            kill.arg("-k").env("WINEPREFIX", &self.prefix);
            let _ = run_until(&mut kill, Duration::from_secs(30));
        }
        // The TempDir field removes the directory after this.
    }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `[workspace.package] version` of the root manifest.
fn workspace_version() -> String {
    let text = fs::read_to_string(workspace().join("Cargo.toml")).expect("root Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("root Cargo.toml parses");
    manifest["workspace"]["package"]["version"]
        .as_str()
        .expect("workspace version is a string")
        .to_string()
}

/// The MSI's ProductVersion, as `ci/package.sh` makes it: the semver without pre-release or build.
fn msi_version(semver: &str) -> String {
    semver
        .split(['-', '+'])
        .next()
        .unwrap_or(semver)
        .to_string()
}

/// The next minor version (`0.1.0` → `0.2.0`): a newer build for the major upgrade.
fn bumped(version: &str) -> String {
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let (major, minor) = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
    );
    format!("{major}.{}.0", minor + 1)
}

/// Prints past the test harness's capture: skips and Wine's answers must be seen even when the test passes.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "wine: {message}");
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips with a message, or fails in CI, where nothing may be skipped.
fn skip(why: &str) {
    assert!(!in_ci(), "the Wine test cannot run in CI: {why}");
    say(&format!("SKIPPED the Wine test: {why}"));
}

/// The agent to install: `SUNSET_AGENT_EXE`, else where `ci/windows.sh build` leaves it.
fn agent_exe() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SUNSET_AGENT_EXE") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "SUNSET_AGENT_EXE={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let path = workspace().join(WINDOWS_EXE);
    if path.is_file() {
        return Some(path);
    }
    skip(&format!(
        "no {WINDOWS_EXE}: run `bash ci/windows.sh build` first (or set SUNSET_AGENT_EXE)"
    ));
    None
}

/// Builds the MSI with `ci/package.sh msi`. For `version`, the same script runs from a copy of its inputs
/// (`ci/package.sh`, `packaging/`, a manifest with that version): the script takes the version from the
/// workspace manifest only, and the newer MSI must differ from the current one in nothing else.
fn build_msi(exe: &Path, out: &Path, version: Option<&str>) -> PathBuf {
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
fn parse_reg_query(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
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
fn read_msi_log(path: &Path) -> String {
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
fn wait_for_log(log: &Path, from: u64, needles: &[&str]) -> Result<String, String> {
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

fn same_bytes(a: &Path, b: &Path) -> bool {
    matches!((fs::read(a), fs::read(b)), (Ok(x), Ok(y)) if x == y)
}

fn names_in(dir: &Path) -> Vec<String> {
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
fn files_below(dir: &Path) -> Vec<String> {
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

/// What a command did.
struct Ran {
    shown: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.shown,
            self.code,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// The end of a command's output, enough to see why it failed (Wine's crash dumps run to pages).
fn tail(text: &str) -> &str {
    const SHOWN: usize = 4000;
    let text = text.trim_end();
    let mut start = text.len().saturating_sub(SHOWN);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs a command with a time limit; panics if it cannot start or overruns.
fn run_for(cmd: &mut Command, limit: Duration) -> Ran {
    let shown = format!("{cmd:?}");
    run_until(cmd, limit).unwrap_or_else(|e| panic!("{shown}: {e}"))
}

/// Output goes to files, not pipes: Wine may leave processes behind (wineserver, services.exe) that hold
/// inherited pipe ends open, and reading a pipe to its end would wait for them.
fn run_until(cmd: &mut Command, limit: Duration) -> Result<Ran, String> {
    let shown = format!("{cmd:?}");
    let mut out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut err = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |file: &mut fs::File| {
        let mut text = String::new();
        let _ = file.rewind();
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text.push_str(&String::from_utf8_lossy(&bytes));
        text
    };
    Ok(Ran {
        shown,
        code: status.code(),
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
}

/// Step timings and the checks that failed, reported at the end.
struct Steps {
    started: Instant,
    last: Instant,
    failures: Vec<String>,
}

impl Steps {
    fn new(started: Instant) -> Steps {
        Steps {
            started,
            last: started,
            failures: Vec::new(),
        }
    }

    fn lap(&mut self, what: &str) {
        say(&format!(
            "{:>6.1}s  {what}",
            self.last.elapsed().as_secs_f64()
        ));
        self.last = Instant::now();
    }

    fn check(&mut self, what: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.lap(&format!("ok: {what}")),
            Err(e) => {
                // Said now too, in case a later step panics before the report.
                self.lap(&format!("FAILED: {what}: {e}"));
                self.failures.push(format!("{what}:\n{e}"));
            }
        }
    }

    fn finish(self) {
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
