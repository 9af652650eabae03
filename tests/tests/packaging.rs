//! Packaging: the MSI and the deb, built with `ci/package.sh` exactly as a release builds them.
//!
//! * **MSI**: built with Debian's `wixl` (plus the fix-ups in `packaging/wix/fixups.sql`) and read back
//!   table by table with `msiinfo`. This checks the installer's *structure* (what goes where, the
//!   service, the registry values bound to the public properties, upgrade rules); it does not install
//!   it. The payload is the real Windows agent when `ci/windows.sh build` has produced it, otherwise a
//!   stand-in file, and the test says which.
//! * **deb**: built with cargo-deb from the release agent, inspected with `dpkg-deb`, then installed into
//!   this machine with `dpkg -i`, configured, removed and purged. That needs root (CI runs as root).
//!
//! Anything this machine cannot do is skipped with a message; with `CI=true` a skip is a failure.
//! Unix only: on Windows the release workflow builds and installs the MSI for real.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The MSI's UpgradeCode. It must never change: it is what lets a newer MSI replace an older one.
const UPGRADE_CODE: &str = "{34D50758-2259-4AC5-86D0-A7B478445633}";
/// Where `ci/windows.sh build` leaves the real Windows agent.
const WINDOWS_EXE: &str = "target/windows-gnu/x86_64-pc-windows-gnu/release/sunset-agent.exe";
/// The registry values the MSI writes under `HKLM\SOFTWARE\Sunset\Agent`, with their public property.
const SETTINGS: [(&str, &str); 5] = [
    ("CollectorUrl", "COLLECTOR_URL"),
    ("EnrollToken", "ENROLL_TOKEN"),
    ("Site", "SITE"),
    ("ScheduleWindow", "SCHEDULE_WINDOW"),
    ("CaFile", "CA_FILE"),
];

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

/// Prints to the real stderr, past the test harness's capture: what was skipped or stood in for must
/// be seen even when the test passes.
fn say(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "packaging: {message}");
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips the calling test with a message, or fails it in CI, where nothing may be skipped.
fn skip(test: &str, why: &str) {
    assert!(!in_ci(), "{test}: cannot run in CI: {why}");
    say(&format!("SKIPPED {test}: {why}"));
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            fs::metadata(dir.join(tool))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

fn is_root() -> bool {
    run(Command::new("id").arg("-u")).stdout.trim() == "0"
}

struct Ran {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Ran {
    let shown = format!("{cmd:?}");
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    Ran {
        ok: status.success(),
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs a command that must succeed and returns its standard output.
fn run_ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let r = run(cmd);
    assert!(
        r.ok,
        "{shown} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r.stdout
}

// ---------------------------------------------------------------------------------------------------
// MSI

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

/// Builds the MSI once for all MSI tests; `None` (after a message) when wixl or msiinfo are missing.
fn msi() -> Option<&'static Msi> {
    static MSI: OnceLock<Option<Msi>> = OnceLock::new();
    MSI.get_or_init(|| {
        if !(on_path("wixl") && on_path("msiinfo") && on_path("msibuild")) {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        // The real agent: SUNSET_AGENT_EXE (set by ci/test.sh after `ci/windows.sh build`), else where
        // that build leaves it, else a stand-in.
        let real = match std::env::var_os("SUNSET_AGENT_EXE") {
            Some(path) => {
                let path = PathBuf::from(path);
                assert!(path.is_file(), "SUNSET_AGENT_EXE={} is not a file", path.display());
                Some(path)
            }
            None => Some(workspace().join(WINDOWS_EXE)).filter(|p| p.is_file()),
        };
        let payload = match real {
            Some(real) => {
                say(&format!("MSI payload: the real Windows agent, {}", real.display()));
                real
            }
            None => {
                say(&format!(
                    "MSI payload is a stand-in, not the real agent: this test checks installer structure \
                     only ({WINDOWS_EXE} not built; `ci/windows.sh build` makes it)"
                ));
                let stand_in = dir.path().join("sunset-agent.exe");
                fs::write(
                    &stand_in,
                    b"MZ stand-in for sunset-agent.exe: installer structure test only\n",
                )
                .expect("write stand-in");
                stand_in
            }
        };
        let out = dir.path().join("out");
        let started = Instant::now();
        let printed = run_ok(
            Command::new("bash")
                .arg(workspace().join("ci/package.sh"))
                .arg("msi")
                .arg(&payload)
                .arg(&out),
        );
        let path = PathBuf::from(printed.lines().last().expect("package.sh prints the MSI path"));
        say(&format!("built {} in {:.1?}", path.display(), started.elapsed()));
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

/// The MSI, or a skip (a failure in CI) when the tools are missing.
fn msi_or_skip(test: &str) -> Option<&'static Msi> {
    let msi = msi();
    if msi.is_none() {
        skip(
            test,
            "wixl, msiinfo or msibuild is missing (apt-get install wixl msitools)",
        );
    }
    msi
}

#[test]
fn msi_is_named_and_versioned_after_the_workspace() {
    let Some(msi) = msi_or_skip("msi_is_named_and_versioned_after_the_workspace") else {
        return;
    };
    let version = workspace_version();
    let numeric = version
        .split(['-', '+'])
        .next()
        .expect("version")
        .to_string();
    assert_eq!(
        msi.path.file_name().and_then(|n| n.to_str()),
        Some(format!("sunset-agent-{numeric}-x64.msi").as_str())
    );
    assert_eq!(
        msi.property("ProductVersion").as_deref(),
        Some(numeric.as_str())
    );
    assert_eq!(msi.property("ProductName").as_deref(), Some("Sunset agent"));
    assert_eq!(
        msi.property("ALLUSERS").as_deref(),
        Some("1"),
        "per-machine"
    );
    let summary = run_ok(Command::new("msiinfo").arg("suminfo").arg(&msi.path));
    assert!(
        summary.contains("Template: x64;1033"),
        "a 64-bit package:\n{summary}"
    );
    assert!(
        summary.contains("Version: 500"),
        "Windows Installer 5.0:\n{summary}"
    );
    let tables = msi.tables();
    for table in [
        "File",
        "Component",
        "Directory",
        "ServiceInstall",
        "ServiceControl",
        "Registry",
        "Property",
        "Upgrade",
        "MsiServiceConfigFailureActions",
        "MsiLockPermissionsEx",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "no {table} table in {tables:?}"
        );
    }
}

#[test]
fn msi_installs_the_agent_in_program_files_and_a_kept_config_in_program_data() {
    let Some(msi) =
        msi_or_skip("msi_installs_the_agent_in_program_files_and_a_kept_config_in_program_data")
    else {
        return;
    };
    let installdir = msi.row("Directory", "Directory", "INSTALLDIR");
    assert_eq!(installdir["Directory_Parent"], "ProgramFiles64Folder");
    assert_eq!(installdir["DefaultDir"], "Sunset");
    let datadir = msi.row("Directory", "Directory", "DATADIR");
    assert_eq!(datadir["Directory_Parent"], "CommonAppDataFolder");
    assert_eq!(datadir["DefaultDir"], "Sunset");

    let exe = msi.row("File", "File", "SunsetAgentExe");
    assert_eq!(exe["FileName"], "sunset-agent.exe");
    let exe_component = msi.row("Component", "Component", &exe["Component_"]);
    assert_eq!(exe_component["Directory_"], "INSTALLDIR");
    assert_eq!(exe_component["KeyPath"], "SunsetAgentExe");
    assert_eq!(
        exe_component["Attributes"], "256",
        "64-bit component, removed on uninstall"
    );

    let config = msi.row("File", "File", "AgentToml");
    assert_eq!(config["FileName"], "agent.toml");
    let expected_size = fs::metadata(workspace().join("packaging/agent.toml.example"))
        .expect("packaging/agent.toml.example")
        .len();
    assert_eq!(
        config["FileSize"],
        expected_size.to_string(),
        "the default config is agent.toml.example"
    );
    let config_component = msi.row("Component", "Component", &config["Component_"]);
    assert_eq!(config_component["Directory_"], "DATADIR");
    // 256 = 64-bit, 128 = NeverOverwrite (an edited file stays), 16 = Permanent (kept by the major
    // upgrade, which removes the old product first, and so left behind by uninstall).
    assert_eq!(config_component["Attributes"], "400");

    let components: Vec<String> = msi
        .table("Component")
        .into_iter()
        .map(|r| r["ComponentId"].clone())
        .collect();
    assert_eq!(
        components.len(),
        components
            .iter()
            .filter(|g| g.starts_with('{') && g.ends_with('}'))
            .count(),
        "every component has a fixed GUID: {components:?}"
    );
}

#[test]
fn msi_registers_starts_and_removes_the_sunset_agent_service() {
    let Some(msi) = msi_or_skip("msi_registers_starts_and_removes_the_sunset_agent_service") else {
        return;
    };
    let service = msi.row("ServiceInstall", "Name", "SunsetAgent");
    assert_eq!(service["ServiceType"], "16", "SERVICE_WIN32_OWN_PROCESS");
    assert_eq!(service["StartType"], "2", "SERVICE_AUTO_START");
    assert_eq!(service["ErrorControl"], "1", "SERVICE_ERROR_NORMAL");
    assert_eq!(service["StartName"], "LocalSystem");
    assert_eq!(service["Arguments"], "run");
    assert_eq!(
        service["Component_"], "AgentService",
        "installed with the exe"
    );

    let control = msi.row("ServiceControl", "Name", "SunsetAgent");
    let event: u32 = control["Event"].parse().expect("numeric event");
    const START_ON_INSTALL: u32 = 0x1;
    const STOP_ON_INSTALL: u32 = 0x2;
    const STOP_ON_UNINSTALL: u32 = 0x20;
    const DELETE_ON_UNINSTALL: u32 = 0x80;
    assert_eq!(
        event,
        START_ON_INSTALL | STOP_ON_INSTALL | STOP_ON_UNINSTALL | DELETE_ON_UNINSTALL,
        "start on install, stop on install and uninstall, delete on uninstall"
    );
    assert_eq!(control["Wait"], "1");
    assert_eq!(control["Component_"], "AgentService");

    // Restart on failure (Windows Installer 5.0's MsiConfigureServices, between install and start).
    let failure = msi.row("MsiServiceConfigFailureActions", "Name", "SunsetAgent");
    assert_eq!(
        failure["Actions"], "1[~]1[~]1",
        "SC_ACTION_RESTART three times"
    );
    assert_eq!(failure["DelayActions"], "60000[~]60000[~]300000");
    assert_eq!(failure["ResetPeriod"], "86400");
    assert_eq!(failure["Event"], "5", "on install and reinstall");
    let (install, configure, start) = (
        msi.sequence("InstallServices"),
        msi.sequence("MsiConfigureServices"),
        msi.sequence("StartServices"),
    );
    assert!(
        install < configure && configure < start,
        "{install} < {configure} < {start}"
    );
    assert!(msi.sequence("StopServices") < msi.sequence("DeleteServices"));
}

#[test]
fn msi_writes_the_public_properties_to_the_agent_key_and_remembers_them() {
    let Some(msi) =
        msi_or_skip("msi_writes_the_public_properties_to_the_agent_key_and_remembers_them")
    else {
        return;
    };
    let registry = msi.table("Registry");
    for (name, property) in SETTINGS {
        let row = registry
            .iter()
            .find(|r| r["Name"] == name)
            .unwrap_or_else(|| panic!("no Registry row for {name}: {registry:#?}"));
        assert_eq!(row["Root"], "2", "{name}: HKEY_LOCAL_MACHINE");
        assert_eq!(
            row["Key"].trim_end_matches('\\'),
            r"SOFTWARE\Sunset\Agent",
            "{name}"
        );
        assert_eq!(
            row["Value"],
            format!("[{property}]"),
            "{name} is bound to {property}"
        );
        assert_eq!(row["Component_"], "Settings");

        // Kept across upgrades and repairs: the property's default is what the last install wrote...
        let search = msi.row("AppSearch", "Property", property);
        let locator = msi.row("RegLocator", "Signature_", &search["Signature_"]);
        assert_eq!(locator["Root"], "2");
        assert_eq!(locator["Key"], r"SOFTWARE\Sunset\Agent");
        assert_eq!(locator["Name"], name);
        assert_eq!(locator["Type"], "18", "raw value from the 64-bit view");
        // ...unless the command line gives one: saved before AppSearch and restored after it.
        let save = msi.row("CustomAction", "Target", &format!("[{property}]"));
        let restore = msi.row("CustomAction", "Source", property);
        assert_eq!(restore["Target"], format!("[{}]", save["Source"]));
        for sequence in ["InstallExecuteSequence", "InstallUISequence"] {
            let order = |action: &str| -> i64 {
                msi.row(sequence, "Action", action)["Sequence"]
                    .parse()
                    .expect("numeric")
            };
            assert!(
                order(&save["Action"]) < order("AppSearch"),
                "{sequence}: {} before AppSearch",
                save["Action"]
            );
            assert!(
                order("AppSearch") < order(&restore["Action"]),
                "{sequence}: {} after AppSearch",
                restore["Action"]
            );
            assert!(
                order(&restore["Action"]) < order("CostFinalize"),
                "{sequence}: {}",
                restore["Action"]
            );
        }
        assert_eq!(
            msi.property(property),
            None,
            "{property} has no built-in default"
        );
    }
    let settings = msi.row("Component", "Component", "Settings");
    assert_eq!(
        settings["Attributes"], "260",
        "64-bit registry view, registry key path"
    );

    let secure = msi
        .property("SecureCustomProperties")
        .expect("SecureCustomProperties");
    for (_, property) in SETTINGS {
        assert!(
            secure.split(';').any(|p| p == property),
            "{property} not secure: {secure}"
        );
    }
    let hidden = msi
        .property("MsiHiddenProperties")
        .expect("MsiHiddenProperties");
    assert!(
        hidden.split(';').any(|p| p == "ENROLL_TOKEN"),
        "token not hidden: {hidden}"
    );
    for action in msi.table("CustomAction") {
        if action["Source"].contains("ENROLL_TOKEN") {
            let kind: u32 = action["Type"].parse().expect("numeric type");
            assert_ne!(
                kind & 0x2000,
                0,
                "{} must hide its target (the token)",
                action["Action"]
            );
        }
    }

    // The key and ProgramData\Sunset (both may hold the token) are for SYSTEM and Administrators only.
    let locks = msi.table("MsiLockPermissionsEx");
    let key = locks
        .iter()
        .find(|r| r["Table"] == "Registry")
        .expect("a lock on the key");
    assert_eq!(
        msi.row("Registry", "Registry", &key["LockObject"])["Key"].trim_end_matches('\\'),
        r"SOFTWARE\Sunset\Agent"
    );
    let folder = locks
        .iter()
        .find(|r| r["Table"] == "CreateFolder")
        .expect("a lock on the folder");
    assert_eq!(folder["LockObject"], "DATADIR");
    for lock in [key, folder] {
        let sddl = &lock["SDDLText"];
        assert!(sddl.starts_with("D:P"), "protected DACL: {sddl}");
        assert!(sddl.contains(";;;SY)") && sddl.contains(";;;BA)"), "{sddl}");
        assert!(
            !sddl.contains(";;;BU)") && !sddl.contains(";;;WD)"),
            "no users: {sddl}"
        );
    }
}

#[test]
fn msi_upgrades_in_place_and_refuses_a_downgrade() {
    let Some(msi) = msi_or_skip("msi_upgrades_in_place_and_refuses_a_downgrade") else {
        return;
    };
    assert_eq!(
        msi.property("UpgradeCode").as_deref(),
        Some(UPGRADE_CODE),
        "the UpgradeCode never changes"
    );
    let wxs = fs::read_to_string(workspace().join("packaging/wix/sunset-agent.wxs")).expect("wxs");
    assert!(
        wxs.contains(UPGRADE_CODE.trim_matches(['{', '}'])),
        "the .wxs and this test agree"
    );
    let product_code = msi.property("ProductCode").expect("ProductCode");
    assert_ne!(product_code, UPGRADE_CODE);

    let version = msi.property("ProductVersion").expect("ProductVersion");
    let upgrade = msi.table("Upgrade");
    assert_eq!(upgrade.len(), 2, "{upgrade:#?}");
    let replace = msi.row("Upgrade", "ActionProperty", "WIX_UPGRADE_DETECTED");
    assert_eq!(replace["UpgradeCode"], UPGRADE_CODE);
    assert_eq!(replace["VersionMin"], "", "any older version");
    assert_eq!(replace["VersionMax"], version);
    assert_eq!(
        replace["Attributes"], "513",
        "migrate features, and the same version is replaced too"
    );
    let newer = msi.row("Upgrade", "ActionProperty", "WIX_DOWNGRADE_DETECTED");
    assert_eq!(newer["UpgradeCode"], UPGRADE_CODE);
    assert_eq!(newer["VersionMin"], version);
    assert_eq!(newer["Attributes"], "2", "only detect a newer version");
    let refuse = msi.row("LaunchCondition", "Condition", "NOT WIX_DOWNGRADE_DETECTED");
    assert!(
        refuse["Description"].contains("newer version of the Sunset agent"),
        "{refuse:?}"
    );
    // The old product is removed before anything is installed (so the config component is Permanent).
    let remove = msi.sequence("RemoveExistingProducts");
    assert!(msi.sequence("InstallValidate") < remove && remove < msi.sequence("InstallInitialize"));
}

// ---------------------------------------------------------------------------------------------------
// deb

const DEB_FILES: [(&str, u32); 4] = [
    ("/usr/bin/sunset-agent", 0o755),
    ("/etc/sunset/agent.toml", 0o640),
    ("/usr/lib/systemd/system/sunset-agent.service", 0o644),
    ("/usr/share/doc/sunset-agent/README.md", 0o644),
];
const WANTS_LINK: &str = "/etc/systemd/system/multi-user.target.wants/sunset-agent.service";
const MASK: &str = "/etc/systemd/system/sunset-agent.service";

/// dpkg with a few retries while another dpkg (an apt run elsewhere) holds the lock.
fn dpkg(args: &[&str]) -> String {
    for attempt in 1.. {
        let r = run(Command::new("dpkg")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive"));
        if r.ok {
            return r.stdout;
        }
        if attempt < 10 && r.stderr.contains("lock") {
            std::thread::sleep(std::time::Duration::from_secs(3));
            continue;
        }
        panic!(
            "dpkg {args:?} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
            r.code, r.stdout, r.stderr
        );
    }
    unreachable!()
}

fn installed() -> bool {
    run(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev}", "sunset-agent"]))
        .stdout
        .starts_with("ii")
}

fn exists(path: &str) -> bool {
    fs::symlink_metadata(path).is_ok()
}

#[test]
fn deb_installs_configures_removes_and_purges_cleanly() {
    const TEST: &str = "deb_installs_configures_removes_and_purges_cleanly";
    if !on_path("dpkg") || !on_path("dpkg-deb") {
        return skip(TEST, "not a Debian system (no dpkg)");
    }
    if !is_root() {
        return skip(
            TEST,
            "needs root: it installs the package into this machine with dpkg -i",
        );
    }
    // One run at a time on this machine: two would install and purge under each other's feet.
    let lock = fs::File::create(std::env::temp_dir().join("sunset-packaging-deb.lock"))
        .expect("lock file");
    lock.lock().expect("lock");

    // Build.
    let out = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let printed = run_ok(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("deb")
            .arg(out.path()),
    );
    let deb = fs::read_dir(out.path())
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {} ({printed})", out.path().display()));
    say(&format!(
        "built {} in {:.1?}",
        deb.display(),
        started.elapsed()
    ));
    let deb = deb.to_str().expect("UTF-8 path");

    // Inspect: control fields, conffiles, maintainer scripts, files.
    let version = workspace_version();
    let info = run_ok(Command::new("dpkg-deb").args(["-f", deb]));
    assert!(info.contains("Package: sunset-agent\n"), "{info}");
    assert!(info.contains(&format!("Version: {version}-1\n")), "{info}");
    assert!(
        info.contains("Depends: ") && info.contains("libc6"),
        "depends found by $auto: {info}"
    );
    let conffiles = run_ok(Command::new("dpkg-deb").args(["-I", deb, "conffiles"]));
    assert_eq!(conffiles.trim(), "/etc/sunset/agent.toml");
    let postinst = run_ok(Command::new("dpkg-deb").args(["-I", deb, "postinst"]));
    assert!(
        postinst.contains("deb-systemd-helper enable sunset-agent.service"),
        "enabled on install:\n{postinst}"
    );
    assert!(
        postinst.contains("deb-systemd-invoke $_dh_action sunset-agent.service"),
        "started:\n{postinst}"
    );
    let prerm = run_ok(Command::new("dpkg-deb").args(["-I", deb, "prerm"]));
    assert!(
        prerm.contains("deb-systemd-invoke stop sunset-agent.service"),
        "stopped on removal:\n{prerm}"
    );
    let postrm = run_ok(Command::new("dpkg-deb").args(["-I", deb, "postrm"]));
    assert!(
        postrm.contains("rm -rf /var/lib/sunset /var/log/sunset"),
        "purge removes state and logs:\n{postrm}"
    );
    assert!(
        postrm.contains("deb-systemd-helper purge sunset-agent.service"),
        "{postrm}"
    );
    assert!(
        !postrm.contains("#DEBHELPER#"),
        "snippets substituted:\n{postrm}"
    );
    let contents = run_ok(Command::new("dpkg-deb").args(["-c", deb]));
    for (path, mode) in DEB_FILES {
        let line = contents
            .lines()
            .find(|l| l.ends_with(&format!(".{path}")))
            .unwrap_or_else(|| panic!("{path} not in the package:\n{contents}"));
        let shown = match mode {
            0o755 => "-rwxr-xr-x",
            0o640 => "-rw-r-----",
            _ => "-rw-r--r--",
        };
        assert!(line.starts_with(shown), "{path} should be {shown}: {line}");
        assert!(
            line.contains(" root/root ") || line.contains(" 0/0 "),
            "owned by root: {line}"
        );
    }

    // Install (after clearing a previous run's leftovers).
    if installed() || exists("/etc/sunset") || exists("/var/lib/sunset") {
        say("purging a previous sunset-agent first");
        dpkg(&["--purge", "sunset-agent"]);
        let _ = fs::remove_dir_all("/var/lib/sunset");
        let _ = fs::remove_dir_all("/var/log/sunset");
    }
    dpkg(&["-i", deb]);
    assert!(installed());
    for (path, mode) in DEB_FILES {
        let meta = fs::metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{path}");
    }
    assert_eq!(
        fs::read(workspace().join("packaging/agent.toml.example")).expect("example"),
        fs::read("/etc/sunset/agent.toml").expect("installed config"),
        "the installed config is packaging/agent.toml.example"
    );
    let conffiles =
        run_ok(Command::new("dpkg-query").args(["-W", "-f=${Conffiles}", "sunset-agent"]));
    assert!(conffiles.contains("/etc/sunset/agent.toml"), "{conffiles}");
    assert!(
        fs::read_link(WANTS_LINK).is_ok_and(|t| t.ends_with("sunset-agent.service")),
        "enabled: {WANTS_LINK}"
    );
    if on_path("systemd-analyze") {
        let r = run(Command::new("systemd-analyze")
            .args(["verify", "/usr/lib/systemd/system/sunset-agent.service"]));
        assert!(
            r.ok && !r.stderr.contains("sunset-agent.service:"),
            "systemd-analyze verify:\n{}{}",
            r.stdout,
            r.stderr
        );
    } else {
        say("systemd-analyze not installed: unit syntax not verified");
    }

    // The installed agent runs from the installed paths.
    let shown = run_ok(Command::new("/usr/bin/sunset-agent").arg("--version"));
    assert!(shown.contains(&version), "--version: {shown}");
    // The default file is all comments: the check fails and names what is missing.
    let default = run(Command::new("/usr/bin/sunset-agent").args([
        "config",
        "check",
        "--config",
        "/etc/sunset/agent.toml",
    ]));
    if !default.ok {
        let said = format!("{}{}", default.stdout, default.stderr);
        assert!(
            said.contains("collector_url"),
            "config check on the default file:\n{said}"
        );
    }
    // A filled-in file passes (also as the default path the unit's ExecStartPre uses), and dpkg keeps
    // it, a modified conffile, when the package is installed again.
    // `.invalid` never resolves: where systemd runs and starts the service, it sends nothing.
    let filled = "collector_url = \"https://sunset.invalid\"\nenroll_token = \"packaging-test-token\"\nsite = \"packaging-test\"\n";
    fs::write("/etc/sunset/agent.toml", filled).expect("write config");
    run_ok(Command::new("/usr/bin/sunset-agent").args([
        "config",
        "check",
        "--config",
        "/etc/sunset/agent.toml",
    ]));
    run_ok(Command::new("/usr/bin/sunset-agent").args(["config", "check"]));
    dpkg(&["-i", deb]);
    assert_eq!(
        fs::read_to_string("/etc/sunset/agent.toml").expect("config"),
        filled,
        "conffile kept"
    );

    // Remove: binary and unit go, the unit is masked, configuration and state stay.
    fs::create_dir_all("/var/lib/sunset/spool").expect("state dir");
    fs::write("/var/lib/sunset/spool/report.json.gz", b"queued").expect("spooled report");
    fs::create_dir_all("/var/log/sunset").expect("log dir");
    fs::write("/var/log/sunset/agent.log", b"log").expect("log file");
    dpkg(&["--remove", "sunset-agent"]);
    assert!(
        !exists("/usr/bin/sunset-agent") && !exists("/usr/lib/systemd/system/sunset-agent.service")
    );
    assert!(
        fs::read_link(MASK).is_ok_and(|t| t == Path::new("/dev/null")),
        "masked after removal: {MASK}"
    );
    assert!(
        exists("/etc/sunset/agent.toml"),
        "remove keeps the configuration"
    );
    assert!(
        exists("/var/lib/sunset/spool/report.json.gz"),
        "remove keeps the state"
    );

    // Purge: everything goes.
    dpkg(&["--purge", "sunset-agent"]);
    assert!(!installed());
    for gone in [
        "/etc/sunset",
        "/var/lib/sunset",
        "/var/log/sunset",
        WANTS_LINK,
        MASK,
    ] {
        assert!(!exists(gone), "{gone} left behind by purge");
    }
}
