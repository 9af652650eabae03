//! The real collector (the `sunset-collector` library, in this process): the agent's report
//! arrives, the host shows up with the right findings, and redelivery is idempotent.

use sunset_agent::service::ReportOutcome;
use sunset_collector::config::FileConfig;

use crate::in_process::{Collector, add_site, add_user};
use crate::util::{Install, block_on, fast};

fn get_json(url: &str, user: &str, password: &str) -> serde_json::Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .basic_auth(user, Some(password))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    })
}

#[test]
fn real_collector_stores_the_report_with_its_findings() {
    let data = tempfile::tempdir().unwrap();
    let token = add_site(data.path(), "Ward 7");
    let password = "correct horse battery staple";
    add_user(data.path(), "admin", password, "admin");
    let collector = Collector::start(data.path(), FileConfig::default(), None);

    let install = Install::new(&collector.url, token.trim(), "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let host_id = agent.host_id();

    let host = get_json(
        &format!("{}/api/v1/hosts/{host_id}", collector.url),
        "admin",
        password,
    );
    let findings = host["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings
            .iter()
            .any(|f| f["product_id"] == "debian" && f["status"] == "unsupported"),
        "Debian 9 should be found unsupported: {host:#}"
    );

    let hosts = get_json(
        &format!("{}/api/v1/hosts", collector.url),
        "admin",
        password,
    );
    assert_eq!(hosts["total"], 1, "{hosts:#}");
}

#[test]
fn real_collector_down_then_back_gets_every_report_once() {
    let data = tempfile::tempdir().unwrap();
    let token = add_site(data.path(), "Ward 8");
    let collector = Collector::start(data.path(), FileConfig::default(), None);
    let (url, addr) = (collector.url.clone(), collector.addr);
    drop(collector);

    let install = Install::new(&url, &token, "");
    let mut agent = install.agent(fast());
    for _ in 0..2 {
        assert!(matches!(
            block_on(agent.report_once()),
            ReportOutcome::Queued(_)
        ));
    }
    assert_eq!(install.spooled(), 2);
    // Back, on the same address.
    let _collector = Collector::start(data.path(), FileConfig::default(), Some(addr));
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(install.spooled(), 0);
}
