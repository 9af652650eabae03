//! Verdict semantics on real names, judged on 2026-12-03 with the built-in catalogue: extended
//! support needs cover, versions outside the catalogue's cycles, rolling-release policies and vendor
//! minimums, Internet Explorer by the OS edition, and patch currency (Java update, Windows UBR).
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::{Catalog, Target};
use sunset_catalog::cover::{CoverFound, Declaration, DeclaredCover};
use sunset_catalog::evaluate::{Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Cover, CoverState, Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION,
    Software, Source,
};
use sunset_catalog::patch::PatchState;

use Status::{Extended, Supported, Unknown, Unsupported};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The day the issue's estate is judged on.
const TODAY: &str = "2026-12-03";

fn catalog() -> Catalog {
    builtin::catalog().unwrap_or_else(|e| panic!("{e}"))
}

fn inventory(os: Os, software: Vec<Software>, cover: Vec<Cover>) -> Inventory {
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "WKS-0042".into(),
            domain: None,
            fqdn: None,
            site: Some("Riverside Surgery".into()),
            agent_version: "0.1.0".into(),
            host_id_source: None,
            collected_at: "2026-12-03T01:30:00Z".parse().unwrap(),
        },
        os,
        software,
        hardware: Hardware::default(),
        cover,
        warnings: vec![],
    }
}

fn windows(name: &str, version: &str, edition: &str, kind: InstallationType) -> Os {
    let parts: Vec<&str> = version.split('.').collect();
    Os {
        family: Some(OsFamily::Windows),
        name: name.into(),
        version: version.into(),
        build: parts.get(2).map(|b| (*b).to_string()),
        update_revision: parts.get(3).and_then(|u| u.parse().ok()),
        edition: Some(edition.into()),
        installation_type: Some(kind),
        ..Os::default()
    }
}

fn debian(version_id: &str, pretty: &str) -> Os {
    Os {
        family: Some(OsFamily::Linux),
        name: pretty.into(),
        version: version_id.into(),
        distro_id: Some("debian".into()),
        distro_version_id: Some(version_id.into()),
        installation_type: Some(InstallationType::Server),
        ..Os::default()
    }
}

fn app(name: &str, version: &str, publisher: &str) -> Software {
    Software {
        name: name.into(),
        version: Some(version.into()),
        publisher: Some(publisher.into()),
        install_date: None,
        architecture: None,
        key: Software::identity_key(name, Some(version), None),
        source: Source::HklmUninstall,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

fn esu(year: u32, state: CoverState) -> Cover {
    Cover {
        program: "windows-10-esu".into(),
        year: Some(year),
        state,
        evidence: Some("WMI SoftwareLicensingProduct LicenseStatus".into()),
    }
}

fn judge(catalog: &Catalog, inventory: &Inventory, options: &Options, target: Target) -> Finding {
    let findings: Vec<Finding> = evaluate_with(inventory, catalog, options)
        .findings
        .into_iter()
        .filter(|f| f.target == target)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.into_iter().next().unwrap()
}

fn os_finding(os: Os, cover: Vec<Cover>, options: &Options) -> Finding {
    judge(
        &catalog(),
        &inventory(os, vec![], cover),
        options,
        Target::Os,
    )
}

fn app_finding(software: Software, os: Os, today: &str) -> Finding {
    let options = Options::new(day(today));
    judge(
        &catalog(),
        &inventory(os, vec![software], vec![]),
        &options,
        Target::Software,
    )
}

fn win10_pro() -> Os {
    windows(
        "Windows 10 Pro",
        "10.0.19045.6456",
        "Professional",
        InstallationType::Client,
    )
}

#[test]
fn windows_10_22h2_needs_an_esu_licence_for_the_current_year() {
    let options = Options::new(day(TODAY));
    // No cover reported (an agent that does not collect it yet, or an offline scan).
    let none = os_finding(win10_pro(), vec![], &options);
    assert_eq!(
        (none.cycle.as_deref(), none.status),
        (Some("10-22h2"), Unsupported)
    );
    let advice = none.replacement.unwrap();
    assert!(
        advice.starts_with(
            "Extended support available to 2028-10-10 (paid: a Windows 10 ESU licence); no licence was reported."
        ),
        "{advice}"
    );
    assert_eq!(none.cover.as_ref().unwrap().found, CoverFound::None);
    // A year-2 licence covers 2026-12-03 (year 2 runs to 2027-10-13).
    let licensed = os_finding(
        win10_pro(),
        vec![esu(1, CoverState::Licensed), esu(2, CoverState::Licensed)],
        &options,
    );
    assert_eq!(licensed.status, Extended);
    let cover = licensed.cover.unwrap();
    assert_eq!(
        (cover.found, cover.until),
        (CoverFound::Licensed, Some(day("2027-10-13")))
    );
    // Only year 1, which ended on 2026-10-13: not covered any more.
    let expired = os_finding(win10_pro(), vec![esu(1, CoverState::Licensed)], &options);
    assert_eq!(expired.status, Unsupported);
    assert_eq!(expired.cover.unwrap().found, CoverFound::Expired);
    // The agent looked and found no licence: an organisation's declaration does not override it.
    let declared = Options::new(day(TODAY)).with_declared_cover(DeclaredCover {
        declarations: vec![Declaration {
            product: "windows".into(),
            cycle: Some("10-22h2".into()),
            site: None,
            until: None,
            reference: "Windows 10 ESU, volume licence agreement 0001".into(),
        }],
    });
    let looked = os_finding(
        win10_pro(),
        vec![esu(2, CoverState::NotLicensed)],
        &declared,
    );
    assert_eq!(looked.status, Unsupported);
    assert!(
        looked
            .replacement
            .unwrap()
            .contains("the agent found no active licence")
    );
    // It could not look (offline scan): the declaration counts.
    let offline = os_finding(
        win10_pro(),
        vec![esu(2, CoverState::NotCollected)],
        &declared,
    );
    assert_eq!(offline.status, Extended);
    assert_eq!(offline.cover.unwrap().found, CoverFound::Declared);
}

#[test]
fn debian_12_after_its_security_end_is_extended_because_lts_is_automatic() {
    let options = Options::new(day(TODAY));
    let finding = os_finding(
        debian("12", "Debian GNU/Linux 12 (bookworm)"),
        vec![],
        &options,
    );
    assert_eq!(
        (finding.cycle.as_deref(), finding.status),
        (Some("12"), Extended)
    );
    assert_eq!(finding.cover.unwrap().found, CoverFound::Automatic);
    // Debian 11's LTS ended on 2026-08-31.
    let old = os_finding(
        debian("11", "Debian GNU/Linux 11 (bullseye)"),
        vec![],
        &options,
    );
    assert_eq!(old.status, Unsupported);
}

#[test]
fn contract_cover_is_declared_per_product_cycle_and_site() {
    let catalog = catalog();
    let java = app("Java 8 Update 202", "8.0.2020.8", "Oracle Corporation");
    let inv = inventory(Os::default(), vec![java], vec![]);
    let declare = |site: Option<&str>, until: Option<&str>| {
        Options::new(day(TODAY)).with_declared_cover(DeclaredCover {
            declarations: vec![Declaration {
                product: "oracle-jdk".into(),
                cycle: Some("8".into()),
                site: site.map(Into::into),
                until: until.map(day),
                reference: "Oracle Java SE Subscription order 1234567".into(),
            }],
        })
    };
    let judged = |options: &Options| judge(&catalog, &inv, options, Target::Software);
    // Oracle sells extended support for Java 8 to 2030, but only the organisation knows whether it
    // bought it: without a declaration, unsupported with the offer.
    let undeclared = judged(&Options::new(day(TODAY)));
    assert_eq!(undeclared.status, Unsupported);
    assert!(
        undeclared
            .replacement
            .unwrap()
            .starts_with("Extended support available to 2030-12-31 (paid: an Oracle Java SE Subscription (Extended Support)); no contract is declared")
    );
    let everywhere = judged(&declare(None, None));
    assert_eq!(everywhere.status, Extended);
    let cover = everywhere.cover.unwrap();
    assert_eq!(cover.found, CoverFound::Declared);
    assert_eq!(
        cover.evidence.as_deref(),
        Some("Oracle Java SE Subscription order 1234567")
    );
    assert_eq!(
        judged(&declare(Some("Riverside Surgery"), None)).status,
        Extended
    );
    assert_eq!(
        judged(&declare(Some("Hilltop Practice"), None)).status,
        Unsupported
    );
    assert_eq!(
        judged(&declare(None, Some("2026-06-30"))).status,
        Unsupported
    );
}

#[test]
fn java_8_update_202_is_behind_the_latest_update() {
    let finding = app_finding(
        app("Java 8 Update 202", "8.0.2020.8", "Oracle Corporation"),
        Os::default(),
        TODAY,
    );
    assert_eq!(finding.cycle.as_deref(), Some("8"));
    let patch = finding.patch.unwrap();
    assert_eq!(patch.state, PatchState::Behind);
    assert_eq!(patch.latest, "8u501");
    assert_eq!(
        patch.note,
        "behind: the latest update of this release is 8u501"
    );
    // The same release at its latest update is current.
    let current = app_finding(
        app(
            "Java 8 Update 501 (64-bit)",
            "8.0.5010.9",
            "Oracle Corporation",
        ),
        Os::default(),
        TODAY,
    );
    assert_eq!(current.patch.unwrap().state, PatchState::Current);
}

#[test]
fn windows_11_24h2_with_an_old_ubr_is_behind_with_the_date_of_the_update_it_lacks() {
    let options = Options::new(day(TODAY));
    // 26100.4061 is May 2025's update (KB5058411, 2025-05-13).
    let old = os_finding(
        windows(
            "Windows 11 Pro",
            "10.0.26100.4061",
            "Professional",
            InstallationType::Client,
        ),
        vec![],
        &options,
    );
    let patch = old.patch.unwrap();
    assert_eq!(patch.state, PatchState::Behind);
    // The first security update it lacks is the out-of-band KB5061977 of 2025-05-27.
    assert_eq!(patch.missing_since, Some(day("2025-05-27")));
    assert_eq!(patch.latest, "26100.9168 (KB5121003)");
    assert_eq!(patch.latest_released, Some(day("2026-08-11")));
    assert!(
        patch
            .note
            .contains("since 2025-05-27 (first 26100.4066 (KB5061977))"),
        "{}",
        patch.note
    );
    // At the newest update the catalogue knows, but its table ends in August: not known to be
    // current on 2026-12-03; it was on 2026-08-20.
    let latest = windows(
        "Windows 11 Pro",
        "10.0.26100.9168",
        "Professional",
        InstallationType::Client,
    );
    let december = os_finding(latest.clone(), vec![], &options).patch.unwrap();
    assert_eq!(december.state, PatchState::Unknown);
    let august = os_finding(latest, vec![], &Options::new(day("2026-08-20")))
        .patch
        .unwrap();
    assert_eq!(august.state, PatchState::Current);
}

#[test]
fn server_2025_and_windows_11_24h2_share_build_26100_but_not_their_updates() {
    let options = Options::new(day("2026-08-20"));
    // Server 2025's own series since January 2026: 26100.32230 is KB5073379 (2026-01-13).
    let server = os_finding(
        windows(
            "Windows Server 2025 Standard",
            "10.0.26100.32230",
            "ServerStandard",
            InstallationType::Server,
        ),
        vec![],
        &options,
    );
    assert_eq!(server.product_id, "windows-server");
    let patch = server.patch.unwrap();
    assert_eq!(patch.state, PatchState::Behind);
    assert_eq!(patch.latest, "26100.33296 (KB5120233)");
    // The client's January update on a client is behind by the client's series.
    let client = os_finding(
        windows(
            "Windows 11 Enterprise",
            "10.0.26100.7623",
            "Enterprise",
            InstallationType::Client,
        ),
        vec![],
        &options,
    );
    assert_eq!(client.patch.unwrap().latest, "26100.9168 (KB5121003)");
}

#[test]
fn versions_outside_the_catalogue_are_never_a_bare_unknown() {
    // Older than every cycle, and the oldest has ended.
    let notepad = app_finding(
        app("Notepad++ (32-bit x86)", "7.4", "Notepad++ Team"),
        Os::default(),
        TODAY,
    );
    assert_eq!(notepad.status, Unsupported);
    assert!(
        notepad.evidence.notes[0].starts_with("older than "),
        "{:?}",
        notepad.evidence.notes
    );
    // Newer than the catalogue: Chrome's two-week cadence outruns data from August.
    let chrome = app_finding(
        app("Google Chrome", "155.0.7523.80", "Google LLC"),
        Os::default(),
        TODAY,
    );
    assert_eq!(chrome.status, Unknown);
    assert_eq!(chrome.evidence.notes[0], "newer than catalogue Chrome 151");
    assert!(
        chrome.evidence.notes[1].contains("refresh the catalogue"),
        "{:?}",
        chrome.evidence.notes
    );
    // Within the policy's window after the data, a newer Chrome is the current release.
    let early = app_finding(
        app("Google Chrome", "152.0.7390.55", "Google LLC"),
        Os::default(),
        "2026-08-30",
    );
    assert_eq!(early.status, Supported);
    // A product without a rolling policy just says it is newer.
    let firefox = app_finding(
        app("Mozilla Firefox (x64 en-GB)", "155.0", "Mozilla"),
        Os::default(),
        TODAY,
    );
    assert_eq!(
        (firefox.status, firefox.evidence.notes.as_slice()),
        (
            Unknown,
            &["newer than catalogue Firefox 153".to_string()][..]
        )
    );
}

#[test]
fn edge_and_zoom_follow_their_vendors_rolling_rules() {
    // Edge 109, the last for Windows 7, is older than every Edge release the catalogue lists.
    let edge = app_finding(
        app("Microsoft Edge", "109.0.1518.140", "Microsoft Corporation"),
        Os::default(),
        TODAY,
    );
    assert_eq!(edge.status, Unsupported);
    assert_eq!(
        edge.evidence.notes[0],
        "older than Edge 120, which ended 2024-01-25"
    );
    // Edge 125 ended when 126 came out.
    let edge125 = app_finding(
        app("Microsoft Edge", "125.0.2535.92", "Microsoft Corporation"),
        Os::default(),
        TODAY,
    );
    assert_eq!(edge125.status, Unsupported);
    assert!(
        edge125.evidence.notes[0].starts_with("5 release(s) behind"),
        "{:?}",
        edge125.evidence.notes
    );
    // The newest Edge the schedule lists is no longer known to be current.
    let edge130 = app_finding(
        app("Microsoft Edge", "130.0.2849.80", "Microsoft Corporation"),
        Os::default(),
        TODAY,
    );
    assert_eq!(edge130.status, Unknown);
    // Zoom below its minimum is unsupported whatever the date; above it, the minimum is too old.
    let zoom = app_finding(
        app("Zoom", "5.9.3 (3169)", "Zoom Video Communications, Inc."),
        Os::default(),
        TODAY,
    );
    assert_eq!(zoom.status, Unsupported);
    assert!(
        zoom.evidence.notes[0].starts_with("below the vendor's minimum supported version 5.17.5")
    );
    let current = app_finding(
        app(
            "Zoom Workplace (64-bit)",
            "6.4.6 (53970)",
            "Zoom Video Communications, Inc.",
        ),
        Os::default(),
        TODAY,
    );
    assert_eq!(current.status, Unknown);
    let then = app_finding(
        app(
            "Zoom Workplace (64-bit)",
            "6.4.6 (53970)",
            "Zoom Video Communications, Inc.",
        ),
        Os::default(),
        "2025-12-01",
    );
    assert_eq!(then.status, Supported);
}

#[test]
fn internet_explorer_11_follows_the_os_on_ltsc_and_server() {
    let ie = |version: &str| Software {
        source: Source::WindowsRegistry {
            path: r"HKLM\SOFTWARE\Microsoft\Internet Explorer".into(),
        },
        ..app("Internet Explorer", version, "Microsoft Corporation")
    };
    let client = app_finding(ie("11.1790.17763.0"), win10_pro(), TODAY);
    assert_eq!(
        (client.cycle.as_deref(), client.status),
        (Some("11"), Unsupported)
    );
    let server = windows(
        "Windows Server 2019 Standard",
        "10.0.17763.6532",
        "ServerStandard",
        InstallationType::Server,
    );
    let on_server = app_finding(ie("11.1790.17763.0"), server, TODAY);
    assert_eq!(
        (on_server.cycle.as_deref(), on_server.status),
        (Some("11-lts-server"), Supported)
    );
    assert_eq!(
        on_server.evidence.edition.as_deref(),
        Some("ServerStandard")
    );
    let ltsc = windows(
        "Windows 10 Enterprise LTSC 2019",
        "10.0.17763.6532",
        "EnterpriseS",
        InstallationType::Client,
    );
    assert_eq!(
        app_finding(ie("11.1790.17763.0"), ltsc, TODAY)
            .cycle
            .as_deref(),
        Some("11-lts-server")
    );
    // On an OS out of support, IE 11 is too: LTSB 2016 ended 2026-10-13, Server 2008 R2 in 2020.
    for (os, ended) in [
        (
            windows(
                "Windows 10 Enterprise 2016 LTSB",
                "10.0.14393.8519",
                "EnterpriseS",
                InstallationType::Client,
            ),
            "2026-10-13",
        ),
        (
            windows(
                "Windows Server 2008 R2 Enterprise",
                "6.1.7601.24544",
                "ServerEnterprise",
                InstallationType::Server,
            ),
            "2020-01-14",
        ),
    ] {
        let finding = app_finding(ie("11.0.14393.0"), os, TODAY);
        assert_eq!(
            (finding.cycle.as_deref(), finding.status),
            (Some("11-lts-server"), Unsupported)
        );
        let note = finding.evidence.notes.join("; ");
        assert!(note.contains(&format!("support ended {ended}")), "{note}");
        assert!(note.starts_with("a component of Windows"), "{note}");
    }
    // IE 8 on XP: the Uninstall entry's version is a date stamp; the name gives 8.
    let ie8 = app_finding(
        app(
            "Windows Internet Explorer 8",
            "20090308.140743",
            "Microsoft Corporation",
        ),
        Os::default(),
        TODAY,
    );
    assert_eq!((ie8.cycle.as_deref(), ie8.status), (Some("8"), Unsupported));
}

/// .NET Framework is a Windows component (Microsoft's component lifecycle): supported only while
/// the OS is; 3.5 SP1 is a product of its own (to 2029-01-09) from build 17763.
#[test]
fn dotnet_framework_follows_the_windows_it_runs_on() {
    const MS: &str = "Microsoft Corporation";
    let win7 = windows(
        "Windows 7 Enterprise",
        "6.1.7601.24544",
        "Enterprise",
        InstallationType::Client,
    );
    let fx48 = || app("Microsoft .NET Framework 4.8", "4.8.03761", MS);
    let on_win7 = app_finding(fx48(), win7.clone(), TODAY);
    assert_eq!(
        (on_win7.cycle.as_deref(), on_win7.status),
        (Some("4.8"), Unsupported)
    );
    assert!(
        on_win7
            .replacement
            .as_deref()
            .is_some_and(|r| r.starts_with("Supported only as part of a supported OS")),
        "{on_win7:#?}"
    );
    let fx35 = || app("Microsoft .NET Framework 3.5 SP1", "3.5.30729.01", MS);
    let xp = Os {
        family: Some(OsFamily::Windows),
        name: "Microsoft Windows XP".into(),
        version: "5.1.2600".into(),
        build: Some("2600".into()),
        display_version: Some("Service Pack 3".into()),
        installation_type: Some(InstallationType::Client),
        ..Os::default()
    };
    assert_eq!(app_finding(fx35(), xp, TODAY).status, Unsupported);
    // Windows 10 22H2 (build 19045) without ESU: 4.8 goes with it, 3.5 SP1 keeps its own date.
    assert_eq!(app_finding(fx48(), win10_pro(), TODAY).status, Unsupported);
    let own = app_finding(fx35(), win10_pro(), TODAY);
    assert_eq!((own.status, own.evidence.notes.len()), (Supported, 0));
    // With an ESU licence the OS is in its extended window, and so is its .NET Framework.
    let covered = judge(
        &catalog(),
        &inventory(
            win10_pro(),
            vec![fx48()],
            vec![esu(2, CoverState::Licensed)],
        ),
        &Options::new(day(TODAY)),
        Target::Software,
    );
    assert_eq!(covered.status, Extended);
    assert!(covered.cover.is_some());
    // On a supported OS its own (open) end decides.
    let server = windows(
        "Windows Server 2022 Standard",
        "10.0.20348.4297",
        "ServerStandard",
        InstallationType::Server,
    );
    assert_eq!(app_finding(fx48(), server, TODAY).status, Supported);
    // Already ended on its own: unchanged, and no OS note.
    let fx461 = app_finding(
        app("Microsoft .NET Framework 4.6.1", "4.6.01055", MS),
        win7,
        TODAY,
    );
    assert_eq!((fx461.status, fx461.evidence.notes.len()), (Unsupported, 0));
}

#[test]
fn rhel_atomic_host_is_not_plain_rhel() {
    let atomic = Os {
        family: Some(OsFamily::Linux),
        name: "Red Hat Enterprise Linux Atomic Host 7.7.3".into(),
        version: "7.7".into(),
        distro_id: Some("rhel".into()),
        distro_version_id: Some("7.7".into()),
        installation_type: Some(InstallationType::Server),
        ..Os::default()
    };
    let finding = os_finding(atomic, vec![], &Options::new(day(TODAY)));
    assert_eq!(
        (finding.product_id.as_str(), finding.status),
        ("rhel-atomic-host", Unsupported)
    );
}
