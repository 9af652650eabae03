//! The signed catalogue bundle agents download: what the collector serves at `/api/v1/catalog`
//! passes the agent's own check (`Bundle::parse_and_verify` with the configured public key), is
//! refused under any other key or after any change, follows a catalogue reload, and is never served
//! unsigned. The key commands of the real binary, and its refusal of a key file others can read.

use std::process::Command;

use sunset_catalog::bundle::{self, Bundle, BundleError};

use crate::util::{Backend, database_url, fixture_catalog, inventory, start, start_with};

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

backend_tests!(served_bundle_passes_the_agents_verification);

async fn fetch(server: &crate::util::TestServer) -> reqwest::Response {
    server
        .client
        .get(format!("{}/api/v1/catalog", server.url))
        .send()
        .await
        .unwrap()
}

async fn served_bundle_passes_the_agents_verification(backend: Backend) {
    let server = start(&backend).await;
    let public = server.catalog_public_key.unwrap();
    let token = server.site("Riverside").await;
    let (_, ack) = server.send(&token, &inventory(1)).await;

    let response = fetch(&server).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let bytes = response.bytes().await.unwrap();

    // Exactly what the agent does with the download (agent/src/update.rs).
    let bundle = Bundle::parse_and_verify(&bytes, &public).expect("agent accepts the bundle");
    assert_eq!(bundle.version(), "test-1");
    assert_eq!(ack["catalog_version"], bundle.version());
    let fixture = std::fs::read_to_string(fixture_catalog().join("catalog.toml")).unwrap();
    assert_eq!(bundle.files().len(), 1);
    assert_eq!(bundle.files()[0].name, "catalog.toml");
    assert_eq!(bundle.files()[0].text, fixture);
    assert_eq!(bundle.catalog().expect("bundle loads").version(), "test-1");

    // Another key, or any change to the bytes, and the agent refuses it.
    let (_, other) = sunset_collector::catalog_source::generate_key_pair();
    let other = bundle::decode_verifying_key(&other).unwrap();
    assert!(matches!(
        Bundle::parse_and_verify(&bytes, &other),
        Err(BundleError::BadSignature)
    ));
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    for tampered in [
        text.replace("\"version\": \"test-1\"", "\"version\": \"test-9\""),
        text.replace("2029-10-09", "2039-10-09"),
    ] {
        assert_ne!(tampered, text, "the tampering must change something");
        assert!(matches!(
            Bundle::parse_and_verify(tampered.as_bytes(), &public),
            Err(BundleError::BadSignature)
        ));
    }

    // Conditional download: unchanged bundle, no body.
    let unchanged = server
        .client
        .get(format!("{}/api/v1/catalog", server.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status().as_u16(), 304);

    // A reloaded catalogue is served signed, with its new version.
    let path = server.catalog_dir.join("catalog.toml");
    std::fs::write(
        &path,
        fixture.replace("version = \"test-1\"", "version = \"test-2\""),
    )
    .unwrap();
    server.reload_catalog().await;
    let response = fetch(&server).await;
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    let bytes = response.bytes().await.unwrap();
    let bundle = Bundle::parse_and_verify(&bytes, &public).expect("reloaded bundle verifies");
    assert_eq!(bundle.version(), "test-2");
    let (_, ack) = server.send(&token, &inventory(2)).await;
    assert_eq!(ack["catalog_version"], "test-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_signing_key_the_catalogue_is_503_not_unsigned() {
    let server = start_with(&Backend::Sqlite, false).await;
    let response = fetch(&server).await;
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("catalog_signing_key_file"), "{error}");
    assert!(body.get("files").is_none() && body.get("signature").is_none());
}

fn run(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run collector");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keygen_sign_and_a_key_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&Backend::Sqlite, dir.path()).await;
    let prefix = dir.path().join("signing");
    let key_file = dir.path().join("signing.key");
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {url:?}\ncatalog_dir = {:?}\ncatalog_signing_key_file = {:?}\n",
            fixture_catalog().display().to_string(),
            key_file.display().to_string()
        ),
    )
    .unwrap();

    let (ok, out, err) = run(
        &config,
        &["catalog", "keygen", "--out", prefix.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let public_text = std::fs::read_to_string(dir.path().join("signing.pub")).unwrap();
    assert!(
        out.contains(&format!("catalog_public_key = \"{}\"", public_text.trim())),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (ok, _, err) = run(
        &config,
        &["catalog", "keygen", "--out", prefix.to_str().unwrap()],
    );
    assert!(
        !ok && err.contains("signing.key"),
        "never overwrites a key: {err}"
    );

    let (ok, out, err) = run(&config, &["check"]);
    assert!(ok && out.contains(public_text.trim()), "{out}{err}");

    let bundle_file = dir.path().join("catalog.bundle");
    let (ok, out, err) = run(
        &config,
        &["catalog", "sign", "--out", bundle_file.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    let public = bundle::decode_verifying_key(&public_text).unwrap();
    let bundle = Bundle::parse_and_verify(&std::fs::read(&bundle_file).unwrap(), &public)
        .expect("signed file verifies");
    assert_eq!(bundle.version(), "test-1");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        use std::process::Stdio;
        use std::time::{Duration, Instant};
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (ok, _, err) = run(&config, &["check"]);
        assert!(!ok && err.contains("chmod 600"), "{err}");
        // `serve` refuses to start rather than serve with a key anyone may have copied.
        let mut child = Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("serve started with a world-readable signing key");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(!status.success() && err.contains("chmod 600"), "{err}");
    }
}
