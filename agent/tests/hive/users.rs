//! Per-user Uninstall keys (NTUSER.DAT and friends).

use super::*;

#[test]
fn ntuser_with_winscp_has_four_uninstall_entries() {
    let Some(hive) = load("NTUSER_with_winscp.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let uninstall = open(&hive.root(), UNINSTALL);
    assert_eq!(uninstall.subkeys().unwrap().len(), 4);
    let entries = uninstall_entries(&uninstall);
    let names: Vec<_> = entries
        .iter()
        .map(|(_, name, version)| (name.as_str(), version.as_deref()))
        .collect();
    assert!(
        names.contains(&("GitHub Desktop", Some("3.0.0"))),
        "{entries:?}"
    );
    assert!(
        names.contains(&("JetBrains dotPeek 2021.3.3", Some("2021.3.3"))),
        "{entries:?}"
    );
    assert!(
        names.contains(&("Python 3.10.2 (64-bit)", Some("3.10.2150.0"))),
        "{entries:?}"
    );
    let zoom = open(&uninstall, "zoomumx");
    assert_eq!(
        string(&zoom, "DisplayVersion").as_deref(),
        Some("5.9.3 (3169)")
    );
    assert_eq!(
        zoom.path(),
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX"
    );
    for (_, _, version) in &entries {
        assert!(version.is_some());
    }
    for name in uninstall.subkeys().unwrap() {
        assert_eq!(
            open(&uninstall, &name).value("SystemComponent").unwrap(),
            None
        );
    }
}

#[test]
fn ntuser_wsl_has_onedrive() {
    let Some(hive) = load("NTUSER-WSL.DAT.xz") else {
        return;
    };
    let entries = uninstall_entries(&open(&hive.root(), UNINSTALL));
    assert_eq!(
        entries,
        [(
            "OneDriveSetup.exe".into(),
            "Microsoft OneDrive".into(),
            Some("21.220.1024.0005".into())
        )]
    );
}

#[test]
fn partial_hive_rooted_at_software() {
    let Some(hive) = load("ntuser_software_partial.xz") else {
        return;
    };
    let uninstall = open(&hive.root(), r"Microsoft\Windows\CurrentVersion\Uninstall");
    let entries = uninstall_entries(&uninstall);
    let pairs: Vec<_> = entries
        .iter()
        .map(|(_, n, v)| (n.as_str(), v.as_deref()))
        .collect();
    assert_eq!(entries.len(), 5, "{entries:?}");
    for expected in [
        ("Python 3.7 distorm3-3.3.4", None),
        ("GitKraken", Some("5.0.4")),
        ("Microsoft OneDrive", Some("20.028.0206.0009")),
        ("Python 3.7.0 (Anaconda3 5.3.0 64-bit)", Some("5.3.0")),
        ("Microsoft Visual Studio Code (User)", Some("1.33.1")),
    ] {
        assert!(pairs.contains(&expected), "{expected:?} not in {pairs:?}");
    }
}

#[test]
fn win7_ntuser_has_no_uninstall_key() {
    let Some(hive) = load("NTUSER.DAT.xz") else {
        return;
    };
    assert!(
        hive.root()
            .open(r"Software\Microsoft\Windows\CurrentVersion")
            .unwrap()
            .is_some()
    );
    assert!(hive.root().open(UNINSTALL).unwrap().is_none());
    let Some(hive) = load("dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz") else {
        return;
    };
    assert!(!hive.is_dirty());
    assert!(hive.root().open(UNINSTALL).unwrap().is_none());
}

#[test]
fn empty_uninstall_keys_have_no_entries() {
    let Some(hive) = load("dfir-artifact-museum/Win7_NTUSER1.DAT.xz") else {
        return;
    };
    assert!(!hive.is_dirty());
    assert!(
        hive.embedded_file_name()
            .ends_with(r"\NetworkService\NTUSER.DAT"),
        "{}",
        hive.embedded_file_name()
    );
    assert_eq!(
        open(&hive.root(), UNINSTALL).subkeys().unwrap(),
        Vec::<String>::new()
    );
    let Some(hive) = load("dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    assert_eq!(
        open(&hive.root(), UNINSTALL).subkeys().unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn win10_user_onedrive() {
    let Some(hive) = load("dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let entry = open(&hive.root(), &format!(r"{UNINSTALL}\OneDriveSetup.exe"));
    assert_eq!(
        string(&entry, "DisplayName").as_deref(),
        Some("Microsoft OneDrive")
    );
    assert_eq!(
        string(&entry, "DisplayVersion").as_deref(),
        Some("22.002.0103.0004")
    );
    assert_eq!(
        string(&entry, "Publisher").as_deref(),
        Some("Microsoft Corporation")
    );
    assert_eq!(open(&hive.root(), UNINSTALL).subkeys().unwrap().len(), 1);
}

#[test]
fn dirty_ntuser_reads_without_logs() {
    let Some(hive) = load("regipy-extra/transactions_NTUSER.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let entries = uninstall_entries(&open(&hive.root(), UNINSTALL));
    assert_eq!(
        entries,
        [(
            "OneDriveSetup.exe".into(),
            "Microsoft OneDrive".into(),
            Some("17.3.6917.0607".into())
        )]
    );
    let Some(modified) = load("regipy-extra/NTUSER_modified.DAT.xz") else {
        return;
    };
    assert!(modified.root().open(UNINSTALL).unwrap().is_none());
}

#[test]
fn transaction_logs_are_not_hives() {
    let Some(bytes) = fixture_bytes("regipy-extra/transactions_ntuser.dat.log1.xz") else {
        return;
    };
    let err = Hive::from_bytes(bytes, "log1").unwrap_err();
    assert!(err.to_string().contains("not a primary hive file"), "{err}");
}
