//! Each installer read back table by table: names and versions, files and folders, the service, the
//! public properties in the registry, the upgrade rules and the Windows version rules.

use super::*;

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
