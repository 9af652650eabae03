//! SYSTEM hives: control sets, computer name, NT 4.0 lists, a corrupted hive.

use super::*;

/// The current control set's path, through `Select\Current`.
fn current_control_set(root: &HiveKey<'_>) -> String {
    let current = number(&open(root, "Select"), "Current").unwrap();
    format!("ControlSet{current:03}")
}

fn computer_name(root: &HiveKey<'_>) -> Option<String> {
    let path = format!(
        r"{}\Control\ComputerName\ComputerName",
        current_control_set(root)
    );
    string(&open(root, &path), "ComputerName")
}

#[test]
fn win7_system() {
    let Some(hive) = load("SYSTEM.xz") else {
        return;
    };
    let root = hive.root();
    assert_eq!(current_control_set(&root), "ControlSet001");
    assert_eq!(computer_name(&root).as_deref(), Some("WKS-WIN732BITA"));
    let control = open(&root, r"ControlSet001\Control");
    assert_eq!(
        string(&open(&control, "ProductOptions"), "ProductType").as_deref(),
        Some("WinNT")
    );
    assert_eq!(
        number(&open(&control, "Windows"), "CSDVersion"),
        Some(0x100)
    );
    let env = open(&control, r"Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("x86")
    );
    assert!(control.open(r"SecureBoot\State").unwrap().is_none());
    let setup = open(&root, "Setup");
    assert!(
        !setup
            .subkeys()
            .unwrap()
            .iter()
            .any(|k| k.starts_with("Source OS"))
    );
}

#[test]
fn win10_system_keeps_source_os_values() {
    let Some(hive) = load("SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let root = hive.root();
    assert_eq!(computer_name(&root).as_deref(), Some("DESKTOP-2KGM189"));
    let env = open(&root, r"ControlSet001\Control\Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("AMD64")
    );
    assert_eq!(number(&env, "NUMBER_OF_PROCESSORS"), Some(4));
    let setup = open(&root, "Setup");
    let mut sources: Vec<_> = setup
        .subkeys()
        .unwrap()
        .into_iter()
        .filter(|k| k.starts_with("Source OS"))
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            "Source OS (Updated on 1/6/2019 02:18:37)",
            "Source OS (Updated on 5/16/2019 00:55:20)"
        ]
    );
    for (source, build, release, ubr) in [
        (&sources[0], "15063", "1703", 1387),
        (&sources[1], "17134", "1803", 765),
    ] {
        let key = open(&setup, source);
        assert_eq!(
            string(&key, "ProductName").as_deref(),
            Some("Windows 10 Pro")
        );
        assert_eq!(string(&key, "CurrentBuild").as_deref(), Some(build));
        assert_eq!(string(&key, "EditionID").as_deref(), Some("Professional"));
        assert_eq!(string(&key, "ReleaseId").as_deref(), Some(release));
        assert_eq!(number(&key, "UBR"), Some(ubr));
    }
}

#[test]
fn second_win10_system() {
    let Some(hive) = load("regipy-extra/SYSTEM_B.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    assert_eq!(
        computer_name(&hive.root()).as_deref(),
        Some("DESKTOP-PM6C56D")
    );
}

#[test]
fn nt4_system_with_lf_lists_only() {
    let Some(hive) = load("aiowinreg-nt4/SYSTEM.xz") else {
        return;
    };
    assert_eq!(hive.version(), (1, 3));
    assert!(!hive.is_dirty());
    let root = hive.root();
    let select = open(&root, "Select");
    let select_values: Vec<_> = ["Current", "Default", "LastKnownGood", "Failed"]
        .iter()
        .map(|v| number(&select, v))
        .collect();
    assert_eq!(select_values, [Some(1), Some(1), Some(2), Some(0)]);
    assert_eq!(computer_name(&root).as_deref(), Some("SERVER"));
    let options = open(&root, r"ControlSet001\Control\ProductOptions");
    assert_eq!(string(&options, "ProductType").as_deref(), Some("LanmanNT"));
    assert_eq!(
        options.value("ProductSuite").unwrap(),
        Some(Value::MultiString(vec!["Enterprise".into()]))
    );
    assert_eq!(
        number(&open(&root, r"ControlSet001\Control\Windows"), "CSDVersion"),
        Some(0x300)
    );
    let env = open(&root, r"controlset001\control\session manager\environment");
    assert_eq!(string(&env, "OS").as_deref(), Some("Windows_NT"));
    assert_eq!(
        env.value("NUMBER_OF_PROCESSORS").unwrap(),
        Some(Value::String("1".into()))
    );
    assert_eq!(number(&env, "NUMBER_OF_PROCESSORS"), Some(1));
    assert_eq!(
        string(&env, "PROCESSOR_IDENTIFIER").as_deref(),
        Some("x86 Family 7 Model 1 Stepping 0, AuthenticAMD")
    );
    let mut seen = Walk::default();
    walk(&root, 0, usize::MAX, &mut seen);
    assert_eq!((seen.keys, seen.errors), (1971, 0), "{seen:?}");
}

#[test]
fn corrupted_system_hive_reads_what_it_can() {
    let Some(hive) = load("corrupted_system_hive.xz") else {
        return;
    };
    let started = Instant::now();
    let root = hive.root();
    assert_eq!(computer_name(&root).as_deref(), Some("GINEVRA"));
    let env = open(&root, r"ControlSet001\Control\Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("x86")
    );
    assert_eq!(
        number(&open(&root, r"ControlSet001\Control\Windows"), "CSDVersion"),
        Some(0x300)
    );
    // The damaged cells come out as errors that say where they are, and the walk goes on past them.
    let bios = open(&root, r"ControlSet001\Control\Biosinfo");
    assert_eq!(string(&bios, "InfName").as_deref(), Some("biosinfo.inf"));
    let err = bios.value("SystemBiosDate").unwrap_err().to_string();
    assert!(
        err.contains(
            "corrupt hive corrupted_system_hive.xz: cell of 3238597 bytes runs past the end"
        ) && err.contains(r#"key "ControlSet001\\Control\\Biosinfo", file offset 0x99308"#),
        "{err}"
    );
    let mut seen = Walk::default();
    walk(&root, 0, 1_000_000, &mut seen);
    assert!(seen.keys > 1500 && seen.errors > 0, "{seen:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
}
