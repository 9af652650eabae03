//! An offline Windows volume end to end, and the live side's `Collector` mixing readers.

use sunset_agent::inventory::windows::{self, Machine, UserHive, offline, users};
use sunset_catalog::inventory::{Fact, OsFamily, SecureBoot};

use crate::util::{data_dir, data_hive, date, find, rows};

#[test]
fn offline_volume_end_to_end() {
    let root = data_dir().join("volume");
    assert!(offline::find_hive(&root, "SOFTWARE").is_some());
    assert!(offline::find_hive(&root, "system").is_some());
    let inventory = offline::collect_volume(&root);

    const ALICE: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
    let expected: [&str; 24] = [
        // 64-bit view, subkey order. Skipped: AddressBook and IE40 (no DisplayName), SQL Server 2008
        // (SystemComponent), the Office update (ParentKeyName), KB976902 (ReleaseType), the Adobe MUI
        // (IsMinorUpgrade). Replaced by the products' own records: Firefox 57.0.2 and the Microsoft 365
        // Apps language entry.
        "FusionInventory Agent 2.4.x-build-26 (x64 edition) | 2.4.x-build-26 | hklm-uninstall | x64",
        "Git version 2.12.2.2 | 2.12.2.2 | hklm-uninstall | x64",
        "Microsoft SQL Server 2017 | 17.77.6700.34 | hklm-uninstall | x64",
        "Python 3.10.2 (64-bit) | 3.10.2150.0 | hklm-uninstall | x64",
        "КриптоПро CSP | 5.0 | hklm-uninstall | x64",
        "Strawberry Perl (64-bit) | 5.24.1 | hklm-uninstall | x64",
        // WOW6432Node: SQL Server 2017 is the same program as above; Chrome, Edge and the .NET runtime
        // bundle are replaced by their own records.
        "1C Предприятие 7.7 | 77.27 | wow6432-uninstall | x86",
        "Microsoft Edge Update | 1.3.181.5 | wow6432-uninstall | x86",
        "Microsoft SQL Server 2005 | 10.53.6000.34 | wow6432-uninstall | x86",
        // Products' own records.
        r"Microsoft Edge | 120.0.2210.91 | registry:HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062} | -",
        r"Google Chrome | 120.0.6099.130 | registry:HKLM\SOFTWARE\WOW6432Node\Google\Update\Clients\{8A69D345-D564-463c-AFF1-A69D9E530F96} | -",
        r"Mozilla Firefox ESR | 115.5.0esr | registry:HKLM\SOFTWARE\Mozilla\Mozilla Firefox | x64",
        r"Microsoft .NET Framework 4.8.1 | 4.8.1 | registry:HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full | -",
        r"Microsoft .NET Runtime - 6.0.25 (x64) | 6.0.25 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.NETCore.App | x64",
        r"Microsoft .NET Runtime - 8.0.11 (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.NETCore.App | x64",
        r"Microsoft .NET Runtime - 8.0.11 (x86) | 8.0.11 | registry:HKLM\SOFTWARE\WOW6432Node\dotnet\Setup\InstalledVersions\x86\sharedfx\Microsoft.NETCore.App | x86",
        r"Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.AspNetCore.App | x64",
        r"Microsoft Windows Desktop Runtime - 8.0.11 (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.WindowsDesktop.App | x64",
        r"Microsoft 365 Apps for enterprise | 16.0.17029.20108 | registry:HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration | x64",
        r"Microsoft Visio Professional | 16.0.17029.20108 | registry:HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration | x64",
        // Users: Alice (ProfileList says C:\Users\Alice; the folder is `alice`), whose Python is the
        // machine-wide one; Dave (not in ProfileList), whose per-user Chrome is kept.
        &format!("GitHub Desktop | 3.0.0 | user:{ALICE}:Alice | -"),
        &format!("Zoom | 5.9.3 (3169) | user:{ALICE}:Alice | -"),
        &format!("JetBrains dotPeek 2021.3.3 | 2021.3.3 | user:{ALICE}:Alice | -"),
        "Google Chrome | 120.0.6099.110 | user:-:dave | -",
    ];
    assert_eq!(rows(&inventory), expected);
    let keys: std::collections::HashSet<_> =
        inventory.software.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len(), inventory.software.len(), "keys are unique");

    let perl = find(&inventory.software, "Strawberry Perl (64-bit)");
    assert_eq!(perl.install_date, date(2017, 6, 22));
    assert_eq!(
        perl.identifier.as_deref(),
        Some("{532C05E1-7376-1014-987E-E28031843670}")
    );
    assert_eq!(
        find(&inventory.software, "КриптоПро CSP").install_date,
        None
    ); // "2021-07-24" is not YYYYMMDD
    assert_eq!(
        find(&inventory.software, "1C Предприятие 7.7").install_date,
        None
    ); // "junk"

    // Users read: Alice and Dave; not Default, Public, carol (no folder) or bob (unreadable).
    let users: Vec<_> = inventory
        .users
        .iter()
        .map(|u| (u.sid.as_deref(), u.name.as_deref(), u.entries))
        .collect();
    assert_eq!(
        users,
        [(Some(ALICE), Some("Alice"), 4), (None, Some("dave"), 1)]
    );
    let warnings: Vec<_> = inventory
        .warnings
        .iter()
        .map(|w| (w.source.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].0, "hive:Users/bob/ntuser.dat");
    assert!(
        warnings[0]
            .1
            .contains("shorter than the 4096-byte base block"),
        "{}",
        warnings[0].1
    );

    // OS: the real CurrentVersion values of a Windows 10 1803 machine; architecture from SYSTEM.
    let os = &inventory.os;
    assert_eq!(
        (os.name.as_str(), os.version.as_str()),
        ("Windows 10 Pro", "10.0.17134.765")
    );
    assert_eq!(os.display_version.as_deref(), Some("1803"));
    assert_eq!(os.architecture.as_deref(), Some("x86_64"));
    assert_eq!(os.family, Some(OsFamily::Windows));

    // SYSTEM: Select\Current = 2, so ControlSet002, not the stale ControlSet001.
    assert_eq!(inventory.hostname.as_deref(), Some("WKS-0042"));
    assert_eq!(inventory.domain.as_deref(), Some("ward7.trust.example"));
    let hw = &inventory.hardware;
    assert_eq!(hw.secure_boot, Fact::Known(SecureBoot::Enabled));
    assert_eq!(hw.uefi, Fact::Known(true));
    // HARDWARE exists only on a running machine: nothing else is collected offline.
    assert_eq!(
        (&hw.manufacturer, &hw.cpu, &hw.tpm),
        (
            &Fact::NotCollected,
            &Fact::NotCollected,
            &Fact::NotCollected
        )
    );

    // The `scan --root` entry point gives the same inventory.
    let collected = sunset_agent::inventory::collect_root(&root);
    assert_eq!(collected, inventory);
}

/// The live side hands over keys of different readers; `Collector` takes them one by one.
#[test]
fn collector_mixes_readers_and_keeps_the_order() {
    let software = data_hive("volume/Windows/System32/config/SOFTWARE");
    let system = data_hive("volume/Windows/System32/config/system");
    let alice = data_hive("volume/Users/alice/NTUSER.DAT");
    let (software_root, system_root, alice_root) = (software.root(), system.root(), alice.root());
    let mut collector = windows::Collector::new();
    collector.machine(&Machine {
        software: Some(&software_root),
        system: Some(&system_root),
        hardware: None,
    });
    let profiles = users::profiles(&software_root, collector.warnings_mut());
    let names: Vec<_> = profiles.iter().map(|p| p.user_name.as_str()).collect();
    assert_eq!(names, ["Alice", "bob", "carol"]);
    let alice_profile = &profiles[0];
    collector.user(&UserHive {
        sid: Some(alice_profile.sid.clone()),
        name: Some("Alice".into()),
        root: &alice_root,
    });
    let inventory = collector.finish();
    // The same as the offline scan, without Dave (not handed over here).
    let volume = offline::collect_volume(&data_dir().join("volume"));
    let (dave, without_dave) = volume.software.split_last().unwrap();
    assert_eq!(dave.source.name(), "user-uninstall");
    assert_eq!(inventory.software, without_dave);
    assert!(inventory.warnings.is_empty(), "{:#?}", inventory.warnings);
}
