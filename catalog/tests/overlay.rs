//! Overlay files laid over a base catalogue: what they may add or replace, what is refused (with
//! file and line), which layer each finding reports, `[[reviewed]]`, the version and the bundle.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use sunset_catalog::bundle::{self, Bundle};
use sunset_catalog::catalog::{Catalog, Layer, LoadError, Problem, Target};
use sunset_catalog::evaluate::{Finding, Status, evaluate};
use sunset_catalog::inventory::{Hardware, Host, Inventory, Os, SCHEMA_VERSION, Software, Source};

const META: &str = "[catalog]\nversion = \"2026.11.25\"\n";

const PYTHON: &str = r#"
[[product]]
id = "python"
name = "Python"
kind = "runtime"

[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'

[[product.release]]
cycle = "3.12"
versions = "3.12.*"
released = 2023-10-02
security_support_end = 2028-10-31
"#;

/// A GP practice's document management client: no public lifecycle, the practice's decision.
const GP_CLINICAL: &str = r#"
[[product]]
id = "docman"
name = "Docman"
kind = "application"

[[product.match]]
name_glob = "Docman 10*"

[[product.release]]
cycle = "10.1"
versions = "10.1.*"
security_support_end = 2026-06-30

[[product.release]]
cycle = "10.2"
versions = "10.2.*"
security_support_end = 2027-09-30
"#;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![("catalog.toml", META), ("python.toml", PYTHON)]
}

fn load(overlays: &[(&str, &str)]) -> Catalog {
    Catalog::from_layers(&base(), overlays).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(overlays: &[(&str, &str)]) -> Vec<Problem> {
    match Catalog::from_layers(&base(), overlays) {
        Err(LoadError::Invalid(problems)) => problems,
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("catalogue loaded but should not"),
    }
}

fn app(name: &str, version: &str) -> Software {
    Software {
        name: name.into(),
        version: Some(version.into()),
        publisher: None,
        install_date: None,
        architecture: None,
        key: Software::identity_key(name, Some(version), None),
        source: Source::HklmUninstall,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

fn software_findings(catalog: &Catalog, software: Vec<Software>) -> Vec<Finding> {
    let inventory = Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "GP-RECEPTION-01".into(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            collected_at: "2026-11-25T01:30:00Z".parse().unwrap(),
            host_id_source: None,
        },
        os: Os::default(),
        software,
        hardware: Hardware::default(),
        cover: Vec::new(),
        warnings: vec![],
    };
    evaluate(&inventory, catalog, day("2026-12-04"))
        .into_iter()
        .filter(|f| f.target == Target::Software)
        .collect()
}

#[test]
fn an_overlay_product_judges_a_clinical_client_and_says_its_layer() {
    let docman = || vec![app("Docman 10", "10.1.4.0"), app("Docman 10", "10.2.3.0")];
    assert!(software_findings(&load(&[]), docman()).is_empty());
    let catalog = load(&[("overlay-dir/gp-clinical.toml", GP_CLINICAL)]);
    let findings = software_findings(&catalog, docman());
    let verdicts: Vec<_> = findings
        .iter()
        .map(|f| (f.cycle.as_deref().unwrap(), f.status, f.layer.to_string()))
        .collect();
    assert_eq!(
        verdicts,
        [
            (
                "10.1",
                Status::Unsupported,
                "overlay:gp-clinical.toml".into()
            ),
            ("10.2", Status::Supported, "overlay:gp-clinical.toml".into()),
        ]
    );
    let python = software_findings(&catalog, vec![app("Python 3.12.1 (64-bit)", "3.12.1")]);
    assert_eq!(python[0].layer, Layer::BuiltIn);
    // A finding's layer is in its JSON and reads back.
    let json = serde_json::to_value(&findings[0]).unwrap();
    assert_eq!(json["layer"], "overlay:gp-clinical.toml");
    let mut old = serde_json::to_value(&python[0]).unwrap();
    old.as_object_mut().unwrap().remove("layer");
    let old: Finding = serde_json::from_value(old).unwrap();
    assert_eq!(old.layer, Layer::BuiltIn);
}

#[test]
fn an_override_replaces_a_base_cycle_by_id_and_adds_new_ones() {
    let overlay = r#"
[[override]]
product = "python"

[[override.release]]
cycle = "3.12"
versions = "3.12.*"
security_support_end = 2026-06-30
replacement = "Move the lab analysers' scripts to 3.13 (local decision, CAB 2026-41)"

[[override.release]]
cycle = "3.13"
versions = "3.13.*"
security_support_end = 2029-10-31
"#;
    let catalog = load(&[("local.toml", overlay)]);
    let findings = software_findings(
        &catalog,
        vec![
            app("Python 3.12.1 (64-bit)", "3.12.1"),
            app("Python 3.13.0 (64-bit)", "3.13.0"),
        ],
    );
    let verdicts: Vec<_> = findings
        .iter()
        .map(|f| (f.cycle.clone().unwrap(), f.status, f.layer.clone()))
        .collect();
    let local = Layer::Overlay("local.toml".into());
    assert!(verdicts.contains(&("3.12".into(), Status::Unsupported, local.clone())));
    assert!(verdicts.contains(&("3.13".into(), Status::Supported, local)));
    let python = catalog.product("python").unwrap();
    assert_eq!(python.layer, Layer::BuiltIn);
    assert_eq!(python.releases.len(), 2);
}

#[test]
fn a_base_product_redefined_without_override_is_refused_with_file_and_line() {
    let found = problems(&[("overlay-dir/mine.toml", PYTHON)]);
    assert_eq!(found.len(), 1, "{found:?}");
    let text = found[0].to_string();
    assert!(text.starts_with("overlay-dir/mine.toml:3:"), "{text}");
    assert!(
        text.contains("is in the base catalogue (python.toml)"),
        "{text}"
    );
    assert!(text.contains("[[override]]"), "{text}");
}

#[test]
fn two_overlays_defining_or_overriding_one_product_are_refused() {
    let found = problems(&[("a.toml", GP_CLINICAL), ("b.toml", GP_CLINICAL)]);
    assert!(
        found.iter().any(|p| p.file == "b.toml"
            && p.message
                .contains("duplicate product id (first defined in a.toml)")),
        "{found:?}"
    );
    let overlay = "[[override]]\nproduct = \"python\"\n[[override.release]]\ncycle = \"3.13\"\n\
                   versions = \"3.13.*\"\nsecurity_support_end = 2029-10-31\n";
    let found = problems(&[("a.toml", overlay), ("b.toml", overlay)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].file.as_str(), found[0].line), ("b.toml", 2));
    assert!(
        found[0].message.contains("already overridden in a.toml"),
        "{found:?}"
    );
}

#[test]
fn overrides_are_checked_like_base_cycles() {
    // An unknown product, an overlapping cycle, a cycle without its own end, a typo'd key.
    let unknown = "[[override]]\nproduct = \"pyhton\"\n[[override.release]]\ncycle = \"1\"\n\
                   versions = \"1.*\"\nsecurity_support_end = 2029-10-31\n";
    let found = problems(&[("o.toml", unknown)]);
    assert!(found[0].to_string().starts_with("o.toml:2:"), "{found:?}");
    assert!(
        found[0].message.contains("no product 'pyhton' in the base"),
        "{found:?}"
    );

    let overlap = "[[override]]\nproduct = \"python\"\n[[override.release]]\ncycle = \"3.12-lab\"\n\
                   versions = \">=3.12.5, <3.13\"\nsecurity_support_end = 2029-10-31\n";
    let found = problems(&[("o.toml", overlap)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].line, 5, "{found:?}");
    assert!(
        found[0].message.contains("overlap cycle '3.12'"),
        "{found:?}"
    );
    assert!(found[0].message.contains("built-in"), "{found:?}");

    let no_end = "[[override]]\nproduct = \"python\"\n[[override.release]]\ncycle = \"3.13\"\n\
                  versions = \"3.13.*\"\n";
    let found = problems(&[("o.toml", no_end)]);
    assert!(
        found[0].field.ends_with("security_support_end"),
        "{found:?}"
    );

    // An overlay's own product is changed in its file, not overridden from another.
    let of_overlay = "[[override]]\nproduct = \"docman\"\n[[override.release]]\ncycle = \"11\"\n\
                      versions = \"11.*\"\nsecurity_support_end = 2029-10-31\n";
    let found = problems(&[("gp-clinical.toml", GP_CLINICAL), ("o.toml", of_overlay)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .contains("comes from overlay gp-clinical.toml"),
        "{found:?}"
    );

    let typo = GP_CLINICAL.replace("security_support_end = 2027", "security_suport_end = 2027");
    let found = problems(&[("overlay-dir/gp-clinical.toml", &typo)]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .to_string()
            .starts_with("overlay-dir/gp-clinical.toml:18:"),
        "{found:?}"
    );
}

#[test]
fn catalogue_wide_tables_are_the_bases_and_override_is_the_overlays() {
    let found = problems(&[("o.toml", "[catalog]\nversion = \"mine\"\n")]);
    assert!(
        found[0].message.contains("base catalogue's alone"),
        "{found:?}"
    );
    let with_override = format!(
        "{PYTHON}\n[[override]]\nproduct = \"python\"\n[[override.release]]\ncycle = \"3.13\"\n\
         versions = \"3.13.*\"\nsecurity_support_end = 2029-10-31\n"
    );
    match Catalog::from_files(&[("catalog.toml", META), ("python.toml", &with_override)]) {
        Err(LoadError::Invalid(found)) => {
            assert!(found[0].message.contains("for overlay files"), "{found:?}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reviewed_entries_are_checked_and_matched() {
    let overlay = r#"
[[reviewed]]
name = "Lexmark * Driver"
publisher = "Lexmark*"
reason = "Printer driver; replaced with the printer"
by = "IT service desk"
on = 2026-12-01

[[reviewed]]
name = "Practice Rota Spreadsheet Macros"
reason = "In-house, reviewed by the practice manager"
"#;
    let base_reviewed = format!(
        "{META}\n[[reviewed]]\nname = \"Microsoft Edge Update\"\nreason = \"Part of Edge\"\n"
    );
    let catalog = Catalog::from_layers(
        &[
            ("catalog.toml", base_reviewed.as_str()),
            ("python.toml", PYTHON),
        ],
        &[("local.toml", overlay)],
    )
    .unwrap();
    assert_eq!(catalog.reviewed().len(), 3);
    assert_eq!(catalog.reviewed()[0].layer, Layer::BuiltIn);
    assert_eq!(
        catalog.reviewed()[1].layer,
        Layer::Overlay("local.toml".into())
    );
    assert_eq!(catalog.reviewed()[1].on, Some(day("2026-12-01")));
    assert!(catalog.is_reviewed("Lexmark MX510 Driver", Some("Lexmark International")));
    assert!(!catalog.is_reviewed("Lexmark MX510 Driver", None));
    assert!(!catalog.is_reviewed("Lexmark MX510 Driver", Some("HP Inc.")));
    assert!(catalog.is_reviewed("practice rota spreadsheet macros ", Some("anyone")));
    assert!(catalog.is_reviewed("MICROSOFT EDGE UPDATE", None));
    assert!(!catalog.is_reviewed("Practice Rota", None));

    let no_reason = "[[reviewed]]\nname = \"Thing\"\nreason = \" \"\non = 2026-13-01\n";
    let found = problems(&[("local.toml", no_reason)]);
    // A month 13 is a TOML syntax error, reported alone; then the empty reason.
    assert!(
        found[0].to_string().starts_with("local.toml:4:"),
        "{found:?}"
    );
    let found = problems(&[("local.toml", &no_reason.replace("2026-13-01", "2026-12-01"))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].line, found[0].field.as_str()),
        (3, "reviewed[0].reason")
    );
}

#[test]
fn the_version_carries_the_overlays_digest() {
    assert_eq!(load(&[]).version(), "2026.11.25");
    let one = load(&[("dir/gp-clinical.toml", GP_CLINICAL)]);
    let same = load(&[("other-dir/gp-clinical.toml", GP_CLINICAL)]);
    let changed = GP_CLINICAL.replace("2027-09-30", "2027-12-31");
    let two = load(&[("dir/gp-clinical.toml", &changed)]);
    assert!(
        one.version().starts_with("2026.11.25+overlay."),
        "{}",
        one.version()
    );
    assert_eq!(one.version(), same.version());
    assert_ne!(one.version(), two.version());
    assert_eq!(
        sunset_catalog::catalog::base_version(two.version()),
        "2026.11.25"
    );
}

#[test]
fn a_bundle_carries_the_overlays_and_loads_the_same_merge() {
    let key = bundle::signing_key_from_seed(&[7; 32]);
    let owned = |files: &[(&str, &str)]| -> Vec<(String, String)> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    };
    let collector = load(&[("gp-clinical.toml", GP_CLINICAL)]);
    let signed = Bundle::from_layers(
        collector.version(),
        owned(&base()),
        owned(&[("gp-clinical.toml", GP_CLINICAL), ("python.toml", "")]),
    )
    .unwrap()
    .sign(&key)
    .unwrap();
    let bundle = Bundle::parse_and_verify(&signed, &key.verifying_key()).unwrap();
    let files: Vec<_> = bundle
        .files()
        .iter()
        .map(|f| (f.name.as_str(), f.overlay))
        .collect();
    assert_eq!(
        files,
        [
            ("catalog.toml", false),
            ("python.toml", false),
            ("gp-clinical.toml", true),
            ("python.toml", true),
        ]
    );
    let agent = bundle.catalog().unwrap();
    assert_ne!(
        agent.version(),
        collector.version(),
        "an extra (empty) overlay is a change"
    );
    let findings = software_findings(&agent, vec![app("Docman 10", "10.2.3.0")]);
    assert_eq!(findings[0].layer, Layer::Overlay("gp-clinical.toml".into()));

    // Turning an overlay file into a base file breaks the signature.
    let text = String::from_utf8(signed).unwrap();
    assert!(text.contains("\"overlay\": true"));
    let moved = text.replacen(",\n      \"overlay\": true", "", 1);
    assert_ne!(moved, text);
    assert!(Bundle::parse_and_verify(moved.as_bytes(), &key.verifying_key()).is_err());
    // Without overlays the JSON has no overlay key at all (what agents before overlays read).
    let plain = Bundle::from_dir_files("2026.11.25", owned(&base()))
        .unwrap()
        .sign(&key)
        .unwrap();
    assert!(!String::from_utf8(plain).unwrap().contains("overlay"));
}
