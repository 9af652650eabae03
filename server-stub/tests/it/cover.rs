//! Contract cover declared in `collector.toml` (`[[declared_cover]]`): Java 8 past Oracle's premier
//! support is `extended` only on hosts of the site the contract covers, `unsupported` with the paid
//! offer elsewhere; a change of declarations judges every stored host again on restart; a
//! declaration that names no catalogue product or cycle refuses the start, naming the entry.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sunset_catalog::cover::Declaration;
use sunset_catalog::inventory::{Inventory, Software, Source};
use sunset_collector::config::{Config, FileConfig, Overrides};

use crate::util::{Backend, database_url, inventory, start_with_config};

backend_tests!(declared_contract_cover_counts_only_where_declared);

/// The built-in catalogue's files (the fixture catalogue has no paid windows).
fn builtin_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/data")
}

fn java_8(name: &str, version: &str) -> Software {
    Software {
        name: name.into(),
        version: Some(version.into()),
        publisher: Some("Oracle Corporation".into()),
        install_date: None,
        architecture: None,
        key: Software::identity_key(name, Some(version), None),
        source: Source::HklmUninstall,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

/// Host `n` with Oracle Java 8 Update 202 (its real Add/Remove Programs name and version).
fn java_pc(n: u64) -> Inventory {
    let mut inv = inventory(n);
    inv.software
        .push(java_8("Java 8 Update 202 (64-bit)", "8.0.2020.8"));
    inv
}

fn java_declaration(site: Option<&str>) -> Declaration {
    Declaration {
        product: "oracle-jdk".into(),
        cycle: Some("8".into()),
        site: site.map(Into::into),
        until: None,
        reference: "Oracle Java SE Subscription order 1234567".into(),
    }
}

/// The Java finding of a host, from the API.
async fn java_finding(
    server: &crate::util::TestServer,
    cookie: &str,
    host_id: uuid::Uuid,
) -> Value {
    let host = server
        .get_json(cookie, &format!("/api/v1/hosts/{host_id}"))
        .await;
    host["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["product_id"] == "oracle-jdk")
        .unwrap_or_else(|| panic!("no Java finding: {host}"))
        .clone()
}

async fn declared_contract_cover_counts_only_where_declared(backend: Backend) {
    let server = start_with_config(&backend, false, |file| {
        file.catalog_dir = Some(builtin_catalog());
        file.declared_cover = Some(vec![java_declaration(Some("Riverside"))]);
    })
    .await;
    let riverside = server.site("Riverside").await;
    let hillside = server.site("Hillside").await;
    let (covered, uncovered) = (java_pc(1), java_pc(2));
    assert_eq!(server.send(&riverside, &covered).await.0, 200);
    assert_eq!(server.send(&hillside, &uncovered).await.0, 200);
    let cookie = server.session("admin").await;

    let java = java_finding(&server, &cookie, covered.host.host_id).await;
    assert_eq!(java["status"], "extended", "{java}");
    assert_eq!(java["detail"]["cover"]["found"], "declared", "{java}");
    assert_eq!(
        java["detail"]["cover"]["evidence"], "Oracle Java SE Subscription order 1234567",
        "{java}"
    );
    let java = java_finding(&server, &cookie, uncovered.host.host_id).await;
    assert_eq!(java["status"], "unsupported", "{java}");
    let advice = java["detail"]["replacement"].as_str().unwrap_or_default();
    assert!(
        advice.starts_with("Extended support available to 2030-12-31 (paid"),
        "{java}"
    );

    // The contract now covers every site: after a restart every stored host is judged again (both
    // were judged today already, so only the changed declarations can cause it).
    let mut config = server.config.clone();
    config.declared_cover.declarations = vec![java_declaration(None)];
    let server = server.restart_with(config).await;
    let cookie = server.session("admin").await;
    // The scheduler may be running the same job as this test calls it: wait for whichever runs.
    for _ in 0..60 {
        sunset_collector::jobs::keep_verdicts_current(&server.state)
            .await
            .expect("re-evaluation");
        if java_finding(&server, &cookie, uncovered.host.host_id).await["status"] == "extended" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let java = java_finding(&server, &cookie, uncovered.host.host_id).await;
    assert_eq!(java["status"], "extended", "{java}");
}

#[tokio::test]
async fn declared_cover_naming_no_catalogue_product_or_cycle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&Backend::Sqlite, dir.path()).await;
    let mut wrong_cycle = java_declaration(None);
    wrong_cycle.cycle = Some("8u".into());
    let file = FileConfig {
        database_url: Some(url),
        catalog_dir: Some(builtin_catalog()),
        declared_cover: Some(vec![
            Declaration {
                product: "oracle-java".into(),
                ..java_declaration(None)
            },
            wrong_cycle,
        ]),
        ..FileConfig::default()
    };
    let overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_path_buf()),
        config_file: None,
    };
    let config = Config::resolve(file, &overrides).expect("config");
    let Err(error) = sunset_collector::catalog_source::load_configured(&config) else {
        panic!("a declaration naming no catalogue product was accepted");
    };
    let error = error.to_string();
    assert!(
        error.contains("declared_cover[0].product: \"oracle-java\" is not a product"),
        "{error}"
    );
    assert!(
        error.contains("declared_cover[1].cycle: \"8u\" is not a cycle of oracle-jdk"),
        "{error}"
    );
    // A misspelt key in a declaration is an error naming it, not a declaration covering nothing.
    let toml = "[[declared_cover]]\nproduct = \"oracle-jdk\"\ncylce = \"8\"\nreference = \"x\"\n";
    let error = toml::from_str::<FileConfig>(toml)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("cylce"), "{error}");
}
