//! Built hives: the OS from a SOFTWARE hive's `CurrentVersion`, and the products outside
//! Uninstall (browsers, .NET, Office, `WOW6432Node`, updates, packed versions).

use sunset_agent::inventory::windows::{self, extras};
use sunset_catalog::inventory::{InstallationType, Source};

use crate::util::{data_hive, machine_only};

#[test]
fn windows_11_software_hive() {
    let hive = data_hive("software-win11.hive");
    let root = hive.root();
    let inventory = windows::collect(&machine_only(&root), &[]);
    let os = &inventory.os;
    assert_eq!(os.name, "Windows 11 Pro");
    assert_eq!(os.version, "10.0.22631.4460");
    assert_eq!(os.display_version.as_deref(), Some("23H2"));
    assert_eq!(os.installation_type, Some(InstallationType::Client));
    assert_eq!(os.architecture, None); // no SYSTEM hive given
    assert!(inventory.warnings.is_empty(), "{:#?}", inventory.warnings);

    let rows: Vec<_> = inventory
        .software
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
                s.identifier.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Microsoft Edge", Some("131.0.2903.70"), None, None),
            // Chrome's client key has an empty `pv`: no entry.
            ("Mozilla Firefox", Some("128.5.1"), Some("x86"), None),
            ("Microsoft .NET Framework 4", Some("4.0"), None, None),
            (
                "Microsoft Office LTSC Professional Plus 2021",
                Some("16.0.14332.20812"),
                Some("x86"),
                Some("ProPlus2021Volume")
            ),
            (
                "Microsoft Office (SomethingNew2030Retail)",
                Some("16.0.14332.20812"),
                Some("x86"),
                Some("SomethingNew2030Retail")
            ),
        ]
    );
    let paths: Vec<_> = inventory
        .software
        .iter()
        .map(|s| match &s.source {
            Source::WindowsRegistry { path } => path.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            r"HKLM\SOFTWARE\Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}",
            r"HKLM\SOFTWARE\WOW6432Node\Mozilla\Mozilla Firefox",
            r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full",
            r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration",
            r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration",
        ]
    );
}

#[test]
fn extras_alone_on_the_windows_10_software_hive() {
    let hive = data_hive("volume/Windows/System32/config/SOFTWARE");
    let mut warnings = Vec::new();
    let found = extras::collect(&hive.root(), &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let rows: Vec<_> = found
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Microsoft Edge", Some("120.0.2210.91"), None),
            ("Google Chrome", Some("120.0.6099.130"), None),
            ("Mozilla Firefox ESR", Some("115.5.0esr"), Some("x64")),
            ("Microsoft .NET Framework 4.8.1", Some("4.8.1"), None),
            (
                "Microsoft .NET Runtime - 6.0.25 (x64)",
                Some("6.0.25"),
                Some("x64")
            ),
            (
                "Microsoft .NET Runtime - 8.0.11 (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft .NET Runtime - 8.0.11 (x86)",
                Some("8.0.11"),
                Some("x86")
            ),
            (
                "Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft Windows Desktop Runtime - 8.0.11 (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft 365 Apps for enterprise",
                Some("16.0.17029.20108"),
                Some("x64")
            ),
            (
                "Microsoft Visio Professional",
                Some("16.0.17029.20108"),
                Some("x64")
            ),
        ]
    );
    assert_eq!(
        found[4].identifier.as_deref(),
        Some("Microsoft.NETCore.App")
    );
    assert!(found.iter().all(|s| s.publisher.is_some()));
}
