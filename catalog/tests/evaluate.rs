//! Evaluation pinned on real cases: Windows editions and builds, Java's two numbering schemes, dpkg
//! packaging, and the status boundaries.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use sunset_catalog::catalog::{Catalog, DateSource, Target};
use sunset_catalog::evaluate::{Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION, Software, Source,
};
use sunset_catalog::{builtin, evaluate};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn inventory(os: Os, software: Vec<Software>) -> Inventory {
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "WKS-0001".into(),
            domain: None,
            fqdn: None,
            site: Some("Riverside Surgery".into()),
            agent_version: "0.1.0".into(),
            collected_at: "2026-11-25T01:30:00Z".parse().unwrap(),
            host_id_source: None,
        },
        os,
        software,
        hardware: Hardware::default(),
        cover: Vec::new(),
        warnings: vec![],
    }
}

fn windows(name: &str, version: &str, edition: &str) -> Os {
    Os {
        family: Some(OsFamily::Windows),
        name: name.into(),
        version: version.into(),
        edition: Some(edition.into()),
        installation_type: Some(InstallationType::Client),
        ..Os::default()
    }
}

fn app(name: &str, version: &str, source: Source) -> Software {
    Software {
        name: name.into(),
        version: Some(version.into()),
        publisher: None,
        install_date: None,
        architecture: None,
        key: Software::identity_key(name, Some(version), None),
        source,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

fn os_finding(catalog: &Catalog, os: Os, today: &str) -> sunset_catalog::Finding {
    let findings: Vec<_> = evaluate(&inventory(os, vec![]), catalog, day(today))
        .into_iter()
        .filter(|f| f.target == Target::Os)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.into_iter().next().unwrap()
}

#[test]
fn builtin_catalogue_loads() {
    let catalog = builtin::catalog().unwrap_or_else(|e| panic!("{e}"));
    assert!(!catalog.version().is_empty());
    // Patterns are compiled lazily; every one of them must compile.
    assert_eq!(catalog.compile_all(), Vec::<String>::new());
}

#[test]
fn windows_10_22h2_pro_without_an_esu_licence_is_unsupported_after_october_2025() {
    let catalog = builtin::catalog().unwrap();
    let os = windows("Windows 10 Pro", "10.0.19045.5247", "Professional");
    let finding = os_finding(&catalog, os.clone(), "2026-11-25");
    assert_eq!(finding.cycle.as_deref(), Some("10-22h2"));
    // Inside the paid ESU window, but no licence was reported: unsupported, with the offer.
    assert_eq!(finding.status, Status::Unsupported);
    let advice = finding.replacement.as_deref().unwrap();
    assert!(
        advice.starts_with(
            "Extended support available to 2028-10-10 (paid: a Windows 10 ESU licence)"
        ),
        "{advice}"
    );
    // Security support ended on 2025-10-14: 407 days before 2026-11-25.
    assert_eq!(finding.days_until_eol, Some(-407));
    assert_eq!(
        os_finding(&catalog, os.clone(), "2028-10-11").status,
        Status::Unsupported
    );
    assert_eq!(
        os_finding(&catalog, os, "2025-06-01").status,
        Status::Expiring
    );
}

#[test]
fn windows_10_ltsc_2021_outlives_21h2_enterprise_on_the_same_build() {
    let catalog = builtin::catalog().unwrap();
    let ltsc = windows(
        "Windows 10 Enterprise LTSC 2021",
        "10.0.19044.5131",
        "EnterpriseS",
    );
    let finding = os_finding(&catalog, ltsc.clone(), "2026-06-01");
    assert_eq!(finding.cycle.as_deref(), Some("10-21h2-e-lts"));
    assert_eq!(finding.status, Status::Supported);
    assert_eq!(finding.evidence.edition.as_deref(), Some("EnterpriseS"));
    // Its end (2027-01-12) is 48 days after 2026-11-25: inside the default 180-day window.
    assert_eq!(
        os_finding(&catalog, ltsc, "2026-11-25").status,
        Status::Expiring
    );
    // The same build as plain Enterprise 21H2 ended on 2024-06-11.
    let enterprise = windows("Windows 10 Enterprise", "10.0.19044.5131", "Enterprise");
    let finding = os_finding(&catalog, enterprise, "2026-06-01");
    assert_eq!(finding.cycle.as_deref(), Some("10-21h2-e"));
    assert_eq!(finding.status, Status::Unsupported);
}

#[test]
fn build_22631_is_windows_11_23h2_whatever_product_name_says() {
    let catalog = builtin::catalog().unwrap();
    // Windows 11 keeps "Windows 10" in ProductName; the build decides.
    let os = windows("Windows 10 Pro", "10.0.22631.4460", "Professional");
    let finding = os_finding(&catalog, os, "2026-11-25");
    assert_eq!(finding.cycle.as_deref(), Some("11-23h2-w"));
    assert_eq!(finding.status, Status::Unsupported);
    let os = windows("Windows 10 Enterprise", "10.0.22631.4460", "Enterprise");
    let finding = os_finding(&catalog, os, "2026-11-01");
    assert_eq!(finding.cycle.as_deref(), Some("11-23h2-e"));
    assert_eq!(finding.status, Status::Expiring);
}

#[test]
fn unknown_build_of_a_known_product_is_unknown_not_supported() {
    let catalog = builtin::catalog().unwrap();
    let os = windows("Windows 10 Pro", "10.0.99999.1", "Professional");
    let finding = os_finding(&catalog, os, "2026-11-25");
    assert_eq!(finding.status, Status::Unknown);
    assert_eq!(finding.cycle, None);
}

#[test]
fn java_1_8_0_391_maps_to_java_8() {
    let catalog = Catalog::from_files(&[(
        "java.toml",
        r#"
[catalog]
version = "test"

[[product]]
id = "java"
name = "Java"
kind = "runtime"
scheme = "java"
[[product.match]]
name_regex = 'OpenJDK Runtime'
[[product.release]]
cycle = "8"
versions = "8.*"
security_support_end = 2030-12-31
[[product.release]]
cycle = "21"
versions = "21.*"
security_support_end = 2031-09-30
"#,
    )])
    .unwrap();
    for (version, cycle) in [
        ("1.8.0_391", "8"),
        ("8u391", "8"),
        ("1.8.0_391-b13", "8"),
        ("21.0.2+13", "21"),
    ] {
        let inv = inventory(
            Os::default(),
            vec![app("OpenJDK Runtime", version, Source::HklmUninstall)],
        );
        let findings = evaluate(&inv, &catalog, day("2026-11-25"));
        assert_eq!(findings.len(), 1, "{version}");
        assert_eq!(findings[0].cycle.as_deref(), Some(cycle), "{version}");
        assert_eq!(findings[0].status, Status::Supported);
    }
}

const PACKAGED: &str = r#"
[catalog]
version = "test"

[[product]]
id = "cups"
name = "CUPS"
kind = "application"
extended_cover = { kind = "automatic" }
[[product.match]]
name = ["cups"]
sources = ["dpkg", "rpm"]
[[product.release]]
cycle = "2.4"
versions = "2.4.*"
security_support_end = 2026-12-01
extended_support_end = 2027-01-01
[[product.release]]
cycle = "2.3"
versions = "2.3.*"
security_support_end = true
"#;

#[test]
fn dpkg_epoch_and_revision_are_stripped_before_mapping() {
    let catalog = Catalog::from_files(&[("cups.toml", PACKAGED)]).unwrap();
    let inv = inventory(
        Os::default(),
        vec![
            app("cups", "1:2.4.7-1ubuntu0.2", Source::Dpkg),
            app("cups", "2.3.3op2-3+deb11u8", Source::Dpkg),
            app("cups", "1:2.4.7-1.2.el9", Source::Rpm),
            app("cups", "2.4.7", Source::HklmUninstall),
        ],
    );
    let evaluation = evaluate_with(&inv, &catalog, &Options::new(day("2026-11-25")));
    let by_version = |v: &str| {
        evaluation
            .findings
            .iter()
            .find(|f| f.installed_version.as_deref() == Some(v))
            .unwrap()
    };
    let ubuntu = by_version("1:2.4.7-1ubuntu0.2");
    assert_eq!(ubuntu.cycle.as_deref(), Some("2.4"));
    assert_eq!(ubuntu.evidence.version.as_deref(), Some("2.4.7"));
    assert_eq!(ubuntu.status, Status::Expiring);
    assert_eq!(ubuntu.days_until_eol, Some(6));
    let debian = by_version("2.3.3op2-3+deb11u8");
    assert_eq!(
        (debian.cycle.as_deref(), debian.status),
        (Some("2.3"), Status::Unsupported)
    );
    assert_eq!(by_version("1:2.4.7-1.2.el9").cycle.as_deref(), Some("2.4"));
    // The rule is limited to package managers: the Windows entry is not CUPS.
    assert_eq!(evaluation.findings.len(), 3);
    assert_eq!(evaluation.software.unmatched(), 1);
    // Past security support but inside the extended window, then past both.
    let later = evaluate(&inv, &catalog, day("2026-12-15"));
    assert!(later.iter().any(|f| f.status == Status::Extended));
    let latest = evaluate(&inv, &catalog, day("2027-01-02"));
    assert!(latest.iter().all(|f| f.status == Status::Unsupported));
}

#[test]
fn the_same_input_gives_byte_identical_json() {
    let catalog = builtin::catalog().unwrap();
    let inv = inventory(
        windows("Windows 10 Pro", "10.0.19045.5247", "Professional"),
        vec![
            app(
                "Mozilla Firefox (x64 en-GB)",
                "115.0",
                Source::HklmUninstall,
            ),
            app(
                "Python 3.8.10 (64-bit)",
                "3.8.10150.0",
                Source::HklmUninstall,
            ),
            app("Notepad", "1.0", Source::HklmUninstall),
        ],
    );
    let a = serde_json::to_string(&evaluate(&inv, &catalog, day("2026-11-25"))).unwrap();
    let b = serde_json::to_string(&evaluate(&inv, &catalog, day("2026-11-25"))).unwrap();
    assert_eq!(a, b);
    let findings = evaluate(&inv, &catalog, day("2026-11-25"));
    let statuses: Vec<_> = findings.iter().map(|f| f.status).collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(statuses, sorted, "most urgent first");
}

#[test]
fn findings_come_in_their_fixed_order_each_once() {
    let catalog = builtin::catalog().unwrap();
    // Given in no particular order: statuses, products and versions interleaved.
    let names = [
        ("Python 3.12.1 (64-bit)", "3.12.1150.0"),
        ("Java 8 Update 202", "8.0.2020.8"),
        ("Mozilla Firefox (x64 en-GB)", "115.0"),
        ("Python 3.8.10 (64-bit)", "3.8.10150.0"),
        ("Adobe Reader XI (11.0.23)", "11.0.23"),
        ("Microsoft Silverlight", "5.1.50918.0"),
        ("Python 3.11.4 (64-bit)", "3.11.4150.0"),
        ("Java 8 Update 391 (64-bit)", "8.0.3910.13"),
        ("Mozilla Firefox (x64 en-GB)", "128.5.1"),
        ("Notepad", "1.0"),
        ("Python 3.8.10 (64-bit)", "3.8.10150.0"),
    ];
    let software = names
        .iter()
        .map(|(name, version)| app(name, version, Source::HklmUninstall))
        .collect();
    let inv = inventory(
        windows("Windows 10 Pro", "10.0.19045.5247", "Professional"),
        software,
    );
    let findings = evaluate(&inv, &catalog, day("2026-11-25"));
    let key = |f: &Finding| {
        (
            f.status,
            f.target,
            f.product_id.clone(),
            f.subject.clone(),
            f.installed_version.clone(),
        )
    };
    for pair in findings.windows(2) {
        assert!(
            key(&pair[0]) <= key(&pair[1]),
            "{:?} before {:?}",
            key(&pair[0]),
            key(&pair[1])
        );
    }
    // Every recognised entry once (Notepad is not a product), plus the OS.
    let mut subjects: Vec<_> = findings
        .iter()
        .filter(|f| f.target == Target::Software)
        .map(|f| (f.subject.clone(), f.installed_version.clone().unwrap()))
        .collect();
    subjects.sort();
    let mut expected: Vec<_> = names
        .iter()
        .filter(|(name, _)| *name != "Notepad")
        .map(|(name, version)| (name.to_string(), version.to_string()))
        .collect();
    expected.sort();
    assert_eq!(subjects, expected);
    assert_eq!(
        findings.iter().filter(|f| f.target == Target::Os).count(),
        1
    );
}

/// A finding is JSON in the agent's report and the collector's store and API: where its dates come
/// from serialises as plain values (`"retrieved": "2026-11-25"`, not a TOML date's private form)
/// and the finding reads back equal.
#[test]
fn findings_read_back_from_json_with_plain_dates() {
    let catalog = builtin::catalog().unwrap();
    let inv = inventory(
        windows("Windows 10 Pro", "10.0.19045.5247", "Professional"),
        vec![
            app(
                "Adobe Flash Player 32 ActiveX",
                "32.0.0.465",
                Source::HklmUninstall,
            ),
            app(
                "Python 3.8.10 (64-bit)",
                "3.8.10150.0",
                Source::HklmUninstall,
            ),
        ],
    );
    let findings = evaluate(&inv, &catalog, day("2026-11-25"));
    let flash = findings
        .iter()
        .find(|f| f.product_id == "adobe-flash-player")
        .unwrap();
    // Vendor-sourced, read on 2026-11-25 (catalog/data/adobe.toml).
    assert_eq!(
        serde_json::to_value(flash.date_source.as_ref().unwrap()).unwrap(),
        serde_json::json!({
            "name": "vendor",
            "url": "https://www.adobe.com/products/flashplayer/end-of-life.html",
            "retrieved": "2026-11-25",
        })
    );
    // endoflife.date-sourced: cited by product and revision, no `retrieved`.
    let python = findings.iter().find(|f| f.product_id == "python").unwrap();
    let source = python.date_source.as_ref().unwrap();
    assert_eq!(source.product.as_deref(), Some("python"));
    assert!(source.revision.is_some() && source.retrieved.is_none());
    assert!(findings.len() >= 3, "{findings:#?}");
    for finding in &findings {
        let json = serde_json::to_string(finding).unwrap();
        assert!(!json.contains("$__toml"), "{json}");
        assert_eq!(&serde_json::from_str::<Finding>(&json).unwrap(), finding);
    }
}

/// Collectors stored findings whose `retrieved` was a TOML date in its serde form, with the
/// source's absent fields as `null`; those still read.
#[test]
fn a_date_source_in_the_toml_date_form_still_reads() {
    let stored = r#"{"name":"vendor","product":null,"revision":null,
        "url":"https://www.adobe.com/products/flashplayer/end-of-life.html",
        "retrieved":{"$__toml_private_datetime":"2026-11-25"}}"#;
    let read: DateSource = serde_json::from_str(stored).unwrap();
    assert_eq!(read.retrieved, Some(day("2026-11-25")));
    assert_eq!(read.product, None);
    let not_a_date = r#"{"name":"vendor","retrieved":{"$__toml_private_datetime":"10:00:00"}}"#;
    assert!(serde_json::from_str::<DateSource>(not_a_date).is_err());
    let plain: DateSource = serde_json::from_str(r#"{"name":"vendor","retrieved":null}"#).unwrap();
    assert_eq!(plain.retrieved, None);
}

/// Windows Server 2012 R2 as the registry describes it (`ProductName` "Windows Server 2012 R2
/// Standard", `CurrentVersion` 6.3, build 9600 with a UBR, `EditionID` ServerStandard,
/// `InstallationType` Server, no `DisplayVersion`) is named once: the catalogue's labels were
/// once written from endoflife.date's template "Windows Server __RELEASE_CYCLE__" with the cycle's
/// own label, which already says "Windows Server", so pages read "Windows Server Windows Server
/// 2012 R2".
#[test]
fn windows_server_2012_r2_is_named_once() {
    let catalog = builtin::catalog().unwrap();
    let os = Os {
        installation_type: Some(InstallationType::Server),
        build: Some("9600".into()),
        update_revision: Some(21620),
        ..windows(
            "Windows Server 2012 R2 Standard",
            "6.3.9600.21620",
            "ServerStandard",
        )
    };
    let finding = os_finding(&catalog, os, "2026-12-03");
    assert_eq!(finding.product_name, "Microsoft Windows Server");
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("Windows Server 2012 R2")
    );
}

/// No release label of the built-in catalogue says the same words twice in a row.
#[test]
fn no_release_label_repeats_itself() {
    let catalog = builtin::catalog().unwrap();
    let mut doubled = Vec::new();
    for entry in catalog.entries() {
        for release in &entry.releases {
            let Some(label) = &release.label else {
                continue;
            };
            let words: Vec<&str> = label.split_whitespace().collect();
            let repeats = (1..=words.len() / 2).any(|n| {
                words
                    .windows(2 * n)
                    .any(|w| w[..n] == w[n..] && w[0].parse::<u64>().is_err())
            });
            if repeats {
                doubled.push(format!("{}: {label}", entry.product.id));
            }
        }
    }
    assert!(doubled.is_empty(), "{doubled:#?}");
}

/// The entries no rule matched are named (the collector's triage lists them), distribution
/// packages aside: the OS verdict covers those.
#[test]
fn unmatched_entries_are_named_distribution_packages_aside() {
    let inv = inventory(
        windows("Windows 11 Pro", "10.0.26100.2314", "Professional"),
        vec![
            app("Google Chrome", "126.0.6478.127", Source::HklmUninstall),
            app(
                "FusionInventory Agent 2.4.x-build-26 (x64 edition)",
                "2.4.x-build-26",
                Source::HklmUninstall,
            ),
            app("Strawberry Perl (64-bit)", "5.24.1", Source::HklmUninstall),
            app("libfoo1", "1.2-3", Source::Dpkg),
            app("In-house rota tool", "2.0", Source::Wow6432Uninstall),
        ],
    );
    let catalog = builtin::catalog().unwrap();
    let evaluation = evaluate_with(&inv, &catalog, &Options::new(day("2026-11-25")));
    let names: Vec<&str> = evaluate::unmatched_software(&inv, &evaluation)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "FusionInventory Agent 2.4.x-build-26 (x64 edition)",
            "In-house rota tool"
        ]
    );
    assert_eq!(evaluation.software.unknown, 2);
    assert_eq!(evaluation.software.distribution, 1);
}
