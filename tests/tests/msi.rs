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

#[test]
fn msi_is_named_and_versioned_after_the_workspace() {
    for (platform, msi) in msis_or_skip("msi_is_named_and_versioned_after_the_workspace") {
        named_and_versioned(platform, msi);
    }
}

fn named_and_versioned(platform: Platform, msi: &Msi) {
    let version = workspace_version();
    let numeric = version
        .split(['-', '+'])
        .next()
        .expect("version")
        .to_string();
    assert_eq!(
        msi.path.file_name().and_then(|n| n.to_str()),
        Some(format!("sunset-agent-{numeric}-{}.msi", platform.name()).as_str())
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
        summary.contains(expected(platform).template),
        "a {} package:\n{summary}",
        platform.name()
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
    for (platform, msi) in
        msis_or_skip("msi_installs_the_agent_in_program_files_and_a_kept_config_in_program_data")
    {
        installs_where_expected(platform, msi);
    }
}

fn installs_where_expected(platform: Platform, msi: &Msi) {
    let bits = expected(platform).component_64bit;
    let installdir = msi.row("Directory", "Directory", "INSTALLDIR");
    assert_eq!(
        installdir["Directory_Parent"],
        expected(platform).program_files
    );
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
        exe_component["Attributes"],
        bits.to_string(),
        "{} component, removed on uninstall",
        platform.name()
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
    // 256 = 64-bit (x64 only), 128 = NeverOverwrite (an edited file stays), 16 = Permanent (kept by the
    // major upgrade, which removes the old product first, and so left behind by uninstall).
    assert_eq!(
        config_component["Attributes"],
        (bits + 128 + 16).to_string()
    );

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
    for (_, msi) in msis_or_skip("msi_registers_starts_and_removes_the_sunset_agent_service") {
        registers_the_service(msi);
    }
}

fn registers_the_service(msi: &Msi) {
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
    for (platform, msi) in
        msis_or_skip("msi_writes_the_public_properties_to_the_agent_key_and_remembers_them")
    {
        writes_and_remembers_properties(platform, msi);
    }
}

fn writes_and_remembers_properties(platform: Platform, msi: &Msi) {
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
        assert_eq!(
            locator["Type"],
            expected(platform).locator_type,
            "raw value, from the 64-bit view in the x64 package"
        );
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
        settings["Attributes"],
        (expected(platform).component_64bit + 4).to_string(),
        "registry key path (in the 64-bit view for x64)"
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
    for secret in HIDDEN {
        assert!(
            hidden.split(';').any(|p| p == secret),
            "{secret} not hidden: {hidden}"
        );
    }
    for action in msi.table("CustomAction") {
        if HIDDEN
            .iter()
            .any(|secret| action["Source"].contains(secret))
        {
            let kind: u32 = action["Type"].parse().expect("numeric type");
            assert_ne!(
                kind & 0x2000,
                0,
                "{} must hide its target (a secret)",
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
    for (_, msi) in msis_or_skip("msi_upgrades_in_place_and_refuses_a_downgrade") {
        upgrade_rules(msi);
    }
}

fn upgrade_rules(msi: &Msi) {
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

#[test]
fn msis_need_windows_7_sp1_and_the_x86_one_refuses_64_bit_windows() {
    for (platform, msi) in
        msis_or_skip("msis_need_windows_7_sp1_and_the_x86_one_refuses_64_bit_windows")
    {
        let conditions: Vec<String> = msi
            .table("LaunchCondition")
            .into_iter()
            .map(|r| r["Condition"].clone())
            .collect();
        let windows7 = msi.row(
            "LaunchCondition",
            "Condition",
            "Installed OR VersionNT > 601 OR (VersionNT = 601 AND ServicePackLevel >= 1)",
        );
        assert!(
            windows7["Description"].contains("Windows 7 SP1"),
            "{windows7:?}"
        );
        let refuses_x64 = conditions
            .iter()
            .any(|c| c == "Installed OR NOT VersionNT64");
        assert_eq!(
            refuses_x64,
            platform == Platform::X86,
            "{}: {conditions:?}",
            platform.name()
        );
    }
}

/// Authenticode: `ci/package.sh` signs the exe inside the MSI and the MSI itself when given a PKCS#12
/// certificate (here a throwaway CA and code-signing certificate made with openssl), and `osslsigncode
/// verify` accepts both against that CA; a changed byte breaks the signature; `ci/package.sh sign` signs a
/// lone exe. The release workflow does the same with the real certificate from its secrets.
#[test]
fn package_signs_the_exe_and_the_msi_with_authenticode() {
    let test = "package_signs_the_exe_and_the_msi_with_authenticode";
    for tool in ["osslsigncode", "openssl", "wixl", "msibuild", "msiextract"] {
        if !on_path(tool) {
            skip(
                test,
                &format!("{tool} is missing (apt-get install osslsigncode openssl wixl msitools)"),
            );
            return;
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = throwaway_code_signing(dir.path());
    let exe = dir.path().join("sunset-agent.exe");
    match Platform::X64.built_exe() {
        Some(real) => {
            fs::copy(real, &exe).expect("copy the exe");
        }
        None => {
            skip(
                test,
                "the x64 agent is not built (bash ci/windows.sh build): signing needs a real PE file",
            );
            return;
        }
    }
    let signing = |cmd: &mut Command| -> String {
        run_ok(
            cmd.env("SUNSET_SIGN_PKCS12", &pki.p12)
                .env("SUNSET_SIGN_PASSWORD_FILE", &pki.password)
                .env_remove("SUNSET_SIGN_PASSWORD")
                .env_remove("SUNSET_SIGN_TIMESTAMP_URL"),
        )
    };
    let out = dir.path().join("out");
    let printed = signing(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("msi")
            .arg(&exe)
            .arg(&out),
    );
    let msi = PathBuf::from(printed.lines().last().expect("the MSI path"));
    let verify = |file: &Path| {
        run(Command::new("osslsigncode")
            .arg("verify")
            .arg("-CAfile")
            .arg(&pki.ca)
            .arg("-in")
            .arg(file))
    };
    let checked = verify(&msi);
    assert!(
        checked.ok,
        "the signed MSI does not verify:\n{}{}",
        checked.stdout, checked.stderr
    );
    assert!(
        checked.stdout.contains("Signature verification: ok"),
        "{}",
        checked.stdout
    );

    // The exe inside the MSI is signed too.
    let extracted = dir.path().join("extracted");
    fs::create_dir_all(&extracted).expect("mkdir");
    run_ok(
        Command::new("msiextract")
            .arg("-C")
            .arg(&extracted)
            .arg(&msi),
    );
    let inside = find_file(&extracted, "sunset-agent.exe").expect("sunset-agent.exe in the MSI");
    let checked = verify(&inside);
    assert!(
        checked.ok,
        "the exe inside the MSI does not verify:\n{}{}",
        checked.stdout, checked.stderr
    );
    assert!(
        checked.stdout.contains("Signer's certificate:") || checked.stdout.contains("Subject:")
    );

    // A lone exe, and a changed byte.
    let lone = dir.path().join("lone.exe");
    signing(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("sign")
            .arg(&exe)
            .arg(&lone),
    );
    assert!(
        verify(&lone).ok,
        "ci/package.sh sign: the exe does not verify"
    );
    let mut bytes = fs::read(&lone).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    fs::write(&lone, bytes).expect("write");
    assert!(!verify(&lone).ok, "a modified exe still verifies");
    assert!(!verify(&exe).ok, "the unsigned exe verifies");
    say(
        who(),
        &format!(
            "signed and verified {} and the exe inside it",
            msi.display()
        ),
    );
}

struct Pki {
    ca: PathBuf,
    p12: PathBuf,
    password: PathBuf,
}

/// A throwaway CA and a code-signing certificate it issued (EKU codeSigning), as PKCS#12.
fn throwaway_code_signing(dir: &Path) -> Pki {
    let at = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        run_ok(Command::new("openssl").args(args).current_dir(dir));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Sunset CI throwaway code-signing CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-keyout",
        "signer.key",
        "-out",
        "signer.csr",
        "-subj",
        "/CN=Sunset CI signer/O=Sunset",
    ]);
    fs::write(
        at("signer.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "signer.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "signer.pem",
        "-days",
        "2",
        "-extfile",
        "signer.ext",
    ]);
    fs::write(at("password"), "throwaway-password").expect("password");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        "signer.key",
        "-in",
        "signer.pem",
        "-certfile",
        "ca.pem",
        "-out",
        "signer.p12",
        "-passout",
        "file:password",
    ]);
    Pki {
        ca: at("ca.pem"),
        p12: at("signer.p12"),
        password: at("password"),
    }
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if entry.file_name() == name {
            return Some(path);
        }
    }
    None
}
