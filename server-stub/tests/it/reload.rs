//! A catalogue change re-evaluates every stored host, without waiting for agents.

use crate::util::{Backend, inventory, start};

backend_tests!(catalog_reload_reevaluates_stored_hosts);

async fn catalog_reload_reevaluates_stored_hosts(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    // Host 3: Windows 11 24H2 (supported), Python 3.12 (supported) and Python 2.7 (unsupported).
    let inv = inventory(3);
    let (_, ack) = server.send(&token, &inv).await;
    assert_eq!(ack["status"], "accepted");
    let cookie = server.session("admin").await;
    let before = server
        .get_json(&cookie, &format!("/api/v1/hosts/{}", inv.host.host_id))
        .await;
    assert_eq!(before["host"]["os_status"], "supported");

    // New catalogue: Windows 11 24H2 support already ended.
    let path = server.catalog_dir.join("catalog.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace("version = \"test-1\"", "version = \"test-2\"")
        .replace(
            "security_support_end = 2029-10-09",
            "security_support_end = 2026-01-01",
        );
    std::fs::write(&path, text).unwrap();

    let csrf_less = server
        .client
        .post(format!("{}/api/v1/catalog/reload", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        csrf_less.status().as_u16(),
        403,
        "session callers need the CSRF header"
    );

    let report = server.reload_catalog().await;
    assert_eq!(report.hosts, 1);
    assert_eq!(report.catalog_version, "test-2");

    let after = server
        .get_json(&cookie, &format!("/api/v1/hosts/{}", inv.host.host_id))
        .await;
    assert_eq!(after["host"]["os_status"], "unsupported");
    assert_eq!(after["host"]["catalog_version"], "test-2");
    let bundle = server
        .client
        .get(format!("{}/api/v1/catalog", server.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let bundle = sunset_catalog::bundle::Bundle::parse_and_verify(
        &bundle,
        server.catalog_public_key.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(bundle.version(), "test-2");
    // A new report is acknowledged with the new version.
    let (_, ack) = server.send(&token, &inventory(4)).await;
    assert_eq!(ack["catalog_version"], "test-2");
}
