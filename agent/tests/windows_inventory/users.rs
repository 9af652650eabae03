//! Real user hives (regipy, DFIRArtifactMuseum; PROVENANCE.md): per-user installs, partial
//! hives, users without programs, and the `.DEFAULT` and `Default` hives that are not users.

use sunset_agent::inventory::windows::{offline, software, users};
use sunset_catalog::inventory::Source;

use crate::common::{fixture_bytes, fixture_hive};
use crate::util::{date, find, names_versions, open, user_entries};

#[test]
fn ntuser_with_winscp_has_exactly_four_programs() {
    let Some(hive) = fixture_hive("NTUSER_with_winscp.DAT.xz") else {
        return;
    };
    let sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
    let (found, warnings) = user_entries(&hive.root(), Some(sid), "tony");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        names_versions(&found),
        [
            ("GitHub Desktop", Some("3.0.0")),
            ("Zoom", Some("5.9.3 (3169)")),
            ("JetBrains dotPeek 2021.3.3", Some("2021.3.3")),
            ("Python 3.10.2 (64-bit)", Some("3.10.2150.0")),
        ]
    );
    let source = Source::UserUninstall {
        user_sid: Some(sid.into()),
        user_name: Some("tony".into()),
    };
    assert!(
        found
            .iter()
            .all(|s| s.source == source && s.architecture.is_none())
    );
    let github = find(&found, "GitHub Desktop");
    assert_eq!(github.publisher.as_deref(), Some("GitHub, Inc."));
    assert_eq!(github.install_date, date(2022, 4, 28));
    assert_eq!(github.identifier, None);
    assert_eq!(
        find(&found, "Zoom").publisher.as_deref(),
        Some("Zoom Video Communications, Inc.")
    );
    let python = find(&found, "Python 3.10.2 (64-bit)");
    assert_eq!(
        python.identifier.as_deref(),
        Some("{c60fd5ac-367d-4e3a-a975-f157502ac30a}")
    );
    assert_eq!(python.key, "python 3.10.2 (64-bit)|3.10.2150.0|");
}

#[test]
fn partial_hive_rooted_at_software() {
    let Some(hive) = fixture_hive("ntuser_software_partial.xz") else {
        return;
    };
    // The root is the user's Software key, so Uninstall is at the SOFTWARE-relative path.
    let uninstall = open(&hive.root(), software::UNINSTALL);
    let source = Source::UserUninstall {
        user_sid: None,
        user_name: Some("tony".into()),
    };
    let mut warnings = Vec::new();
    let found = software::read_uninstall(
        &uninstall,
        r"HKU\tony\Software\…\Uninstall",
        &source,
        None,
        &mut warnings,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut pairs = names_versions(&found);
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("GitKraken", Some("5.0.4")),
            ("Microsoft OneDrive", Some("20.028.0206.0009")),
            ("Microsoft Visual Studio Code (User)", Some("1.33.1")),
            ("Python 3.7 distorm3-3.3.4", None),
            ("Python 3.7.0 (Anaconda3 5.3.0 64-bit)", Some("5.3.0")),
        ]
    );
    // `{771FD6B0-…}_is1` is an Inno Setup key, not an MSI product code.
    assert_eq!(
        find(&found, "Microsoft Visual Studio Code (User)").identifier,
        None
    );
    assert_eq!(find(&found, "GitKraken").install_date, date(2019, 4, 10));
}

#[test]
fn single_onedrive_users() {
    for (name, version) in [
        ("NTUSER-WSL.DAT.xz", "21.220.1024.0005"),
        (
            "dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz",
            "22.002.0103.0004",
        ),
        ("regipy-extra/transactions_NTUSER.DAT.xz", "17.3.6917.0607"),
    ] {
        let Some(hive) = fixture_hive(name) else {
            return;
        };
        let (found, warnings) = user_entries(&hive.root(), None, "user");
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(
            names_versions(&found),
            [("Microsoft OneDrive", Some(version))],
            "{name}"
        );
    }
}

#[test]
fn users_without_programs_give_nothing_and_no_warning() {
    for name in [
        "NTUSER.DAT.xz",                            // no Uninstall key (Windows 7)
        "dfir-artifact-museum/Win7_NTUSER1.DAT.xz", // Uninstall with 0 subkeys
        "dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz", // new-user template
        "dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz", // the .DEFAULT hive
    ] {
        let Some(hive) = fixture_hive(name) else {
            return;
        };
        let (found, warnings) = user_entries(&hive.root(), None, "user");
        assert!(
            found.is_empty() && warnings.is_empty(),
            "{name}: {found:?} {warnings:?}"
        );
    }
}

/// The `.DEFAULT` hive and the `Default` profile are not users: an offline scan of a volume that holds
/// them (real hives) reads only the real user's hive.
#[test]
fn default_hives_are_not_users() {
    assert!(!users::is_user_sid(".DEFAULT"));
    let (Some(default), Some(template), Some(tony)) = (
        fixture_bytes("dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz"),
        fixture_bytes("dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz"),
        fixture_bytes("NTUSER_with_winscp.DAT.xz"),
    ) else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let put = |relative: &str, bytes: &[u8]| {
        let path = volume.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    put("Windows/System32/config/DEFAULT", &default);
    put("Users/Default/NTUSER.DAT", &template);
    put("Users/Default User/NTUSER.DAT", &template);
    put("Users/tony/NTUSER.DAT", &tony);
    let inventory = offline::collect_volume(volume.path());
    assert_eq!(
        inventory.users,
        [sunset_agent::inventory::UserSummary {
            sid: None,
            name: Some("tony".into()),
            entries: 4
        }]
    );
    assert_eq!(inventory.software.len(), 4);
    // No SOFTWARE or SYSTEM hive on this volume: two warnings, and the scan went on.
    let sources: Vec<_> = inventory
        .warnings
        .iter()
        .map(|w| w.source.as_str())
        .collect();
    assert_eq!(
        sources,
        [
            "hive:Windows/System32/config/SOFTWARE",
            "hive:Windows/System32/config/SYSTEM"
        ]
    );
}
