//! The organisation's catalogue overlay (`catalog_overlay_dir`): its products and cycles change
//! stored verdicts on reload, every finding says which layer decided it (API, CSV, host page),
//! the agents' bundle carries it, and a broken overlay is refused with file:line while the old
//! catalogue keeps serving.

use std::path::Path;

use sunset_catalog::bundle::Bundle;
use sunset_catalog::inventory::{Software, Source};

use crate::util::{Backend, TestServer, inventory, start_with_config};

backend_tests!(
    overlay_products_and_overrides_change_verdicts_on_reload_and_a_broken_one_is_refused
);

/// The practice's own lifecycle for its document management client, and a local decision to
/// retire Python 3.12 early (the fixture's own date is 2028-10-31).
const GP_CLINICAL: &str = r#"# Docman: no public lifecycle; dates agreed with the supplier.
[[product]]
id = "docman"
name = "Docman"
kind = "application"

[[product.match]]
name_glob = "Docman 10*"

[[product.release]]
cycle = "10.1"
versions = "10.1.*"
security_support_end = 2020-01-01

[[product.release]]
cycle = "10.2"
versions = "10.2.*"
security_support_end = 2099-12-31

[[override]]
product = "python"

[[override.release]]
cycle = "3.12"
versions = "3.12.*"
security_support_end = 2026-01-01
replacement = "Retired locally: move to 3.13 (CAB 2026-41)."

[[reviewed]]
name = "Lexmark * Driver"
reason = "Printer driver, replaced with the printer"
"#;

fn docman(version: &str) -> Software {
    Software {
        name: "Docman 10".into(),
        version: Some(version.into()),
        publisher: Some("Docman".into()),
        install_date: None,
        architecture: None,
        key: Software::identity_key("Docman 10", Some(version), None),
        source: Source::HklmUninstall,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

/// The host's findings as the API lists them: (product id, status, layer).
async fn verdicts(server: &TestServer, cookie: &str, host: &str) -> Vec<(String, String, String)> {
    let detail = server
        .get_json(cookie, &format!("/api/v1/hosts/{host}"))
        .await;
    let mut out: Vec<_> = detail["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"] == "software")
        .map(|f| {
            assert_eq!(f["layer"], f["detail"]["layer"], "{f}");
            let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
            (
                text(&f["product_id"]),
                text(&f["status"]),
                text(&f["layer"]),
            )
        })
        .collect();
    out.sort();
    out
}

fn owned(text: &str) -> (String, String, String) {
    let mut parts = text.split(' ');
    let mut next = || parts.next().unwrap().to_string();
    (next(), next(), next())
}

async fn overlay_products_and_overrides_change_verdicts_on_reload_and_a_broken_one_is_refused(
    backend: Backend,
) {
    let overlay_dir = tempfile::tempdir().unwrap();
    let overlay: &Path = overlay_dir.path();
    let server = start_with_config(&backend, true, |file| {
        file.catalog_overlay_dir = Some(overlay.to_path_buf());
    })
    .await;
    // An empty overlay directory changes nothing, not even the version.
    assert_eq!(server.state.catalog().version(), "test-1");
    let token = server.site("Riverside").await;
    let mut inv = inventory(3);
    inv.software.push(docman("10.1.4.0"));
    let host = inv.host.host_id.to_string();
    let (_, ack) = server.send(&token, &inv).await;
    assert_eq!(ack["status"], "accepted");
    let cookie = server.session("admin").await;
    let before = verdicts(&server, &cookie, &host).await;
    assert!(before.iter().all(|(id, _, _)| id != "docman"), "{before:?}");
    assert!(
        before.contains(&owned("python supported built-in")),
        "{before:?}"
    );

    // The overlay arrives: reload judges the stored host again.
    std::fs::write(overlay.join("gp-clinical.toml"), GP_CLINICAL).unwrap();
    let report = server.reload_catalog().await;
    assert_eq!(report.hosts, 1);
    let version = report.catalog_version.clone();
    assert!(version.starts_with("test-1+overlay."), "{version}");
    let after = verdicts(&server, &cookie, &host).await;
    assert!(
        after.contains(&owned("docman unsupported overlay:gp-clinical.toml")),
        "{after:?}"
    );
    assert!(
        after.contains(&owned("python unsupported overlay:gp-clinical.toml")),
        "{after:?}"
    );
    assert!(
        after.contains(&owned("python unsupported built-in")),
        "Python 2.7: {after:?}"
    );
    assert!(
        server
            .state
            .catalog()
            .catalog
            .is_reviewed("Lexmark MX510 Driver", None)
    );

    // The reload is audited with where the catalogue came from, overlays included.
    let audit = sunset_collector::store::audit_log(&server.state.db, 100)
        .await
        .unwrap();
    let reload = audit.iter().find(|e| e.action == "catalog.reload").unwrap();
    assert!(reload.detail.contains("overlays from"), "{}", reload.detail);
    assert!(reload.detail.contains(&version), "{}", reload.detail);

    // The layer is in the findings CSV, the findings API and on the host page.
    let (status, csv) = server.get(&cookie, "/api/v1/findings.csv").await;
    assert_eq!(status, 200);
    let header = csv.lines().next().unwrap();
    assert!(header.split(',').any(|c| c == "layer"), "{header}");
    assert!(csv.contains("overlay:gp-clinical.toml"), "{csv}");
    let listed = server
        .get_json(&cookie, "/api/v1/findings?product=docman")
        .await;
    assert_eq!(listed["findings"][0]["layer"], "overlay:gp-clinical.toml");
    let (status, page) = server.get(&cookie, &format!("/hosts/{host}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Decided by") && page.contains("overlay:gp-clinical.toml"));

    // The bundle agents fetch carries the overlay, at the same version, and loads the same merge.
    let bytes = server
        .client
        .get(format!("{}/api/v1/catalog", server.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let bundle =
        Bundle::parse_and_verify(&bytes, server.catalog_public_key.as_ref().unwrap()).unwrap();
    assert_eq!(bundle.version(), version);
    assert!(
        bundle
            .files()
            .iter()
            .any(|f| f.overlay && f.name == "gp-clinical.toml")
    );
    assert_eq!(bundle.catalog().unwrap().version(), version);
    let (_, ack) = server.send(&token, &inventory(4)).await;
    assert_eq!(ack["catalog_version"], version.as_str());

    // A broken overlay is refused with its file and line; the old catalogue keeps serving.
    let broken = GP_CLINICAL.replace(
        "versions = \"10.2.*\"",
        "versions = \"10.2.*\"\nedition = \"x\"",
    );
    std::fs::write(overlay.join("gp-clinical.toml"), &broken).unwrap();
    std::fs::write(
        overlay.join("pacs.toml"),
        "[[product]]\nid = \"python\"\nname = \"Python\"\nkind = \"runtime\"\n",
    )
    .unwrap();
    use sunset_collector::admin::{self, Admin};
    let error = admin::reload_catalog(&server.state, &Admin::operator())
        .await
        .unwrap_err()
        .to_string();
    let gp = overlay.join("gp-clinical.toml").display().to_string();
    assert!(error.contains(&format!("{gp}:18:")), "{error}");
    assert!(error.contains("unknown field `edition`"), "{error}");
    let pacs = overlay.join("pacs.toml").display().to_string();
    assert!(error.contains(&format!("{pacs}:2:")), "{error}");
    assert!(error.contains("[[override]]"), "{error}");
    assert_eq!(server.state.catalog().version(), version);
    assert_eq!(verdicts(&server, &cookie, &host).await, after);
    let again = Bundle::parse_and_verify(
        &server
            .client
            .get(format!("{}/api/v1/catalog", server.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
        server.catalog_public_key.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(again.version(), version);

    // Fixed: the upgraded client on 10.2 is supported, still by the overlay.
    std::fs::remove_file(overlay.join("pacs.toml")).unwrap();
    std::fs::write(overlay.join("gp-clinical.toml"), GP_CLINICAL).unwrap();
    inv.host.report_id = uuid::Uuid::new_v4();
    inv.software.retain(|s| s.name != "Docman 10");
    inv.software.push(docman("10.2.3.0"));
    let (_, ack) = server.send(&token, &inv).await;
    assert_eq!(ack["status"], "accepted");
    let fixed = verdicts(&server, &cookie, &host).await;
    assert!(
        fixed.contains(&owned("docman supported overlay:gp-clinical.toml")),
        "{fixed:?}"
    );
}
