//! Crash safety: SIGKILL the real collector binary in the middle of a stream of reports, restart
//! it, and check that every acknowledged report is stored whole.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::{Backend, database_url, fixture_catalog, http, inventory};

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

backend_tests!(sigkill_mid_stream_loses_no_acknowledged_report);

fn collector(config: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn");
    command
}

/// Starts `serve` and waits for its "listening on" line; returns the child and base URL.
fn serve(config: &std::path::Path) -> (Child, String) {
    let mut child = collector(config, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn collector");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("collector exited before listening")
            .expect("line");
        if let Some(rest) = line.strip_prefix("Sunset collector listening on ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

async fn sigkill_mid_stream_loses_no_acknowledged_report(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url = {:?}\ncatalog_dir = {:?}\n",
            dir.path().display().to_string(),
            url,
            fixture_catalog().display().to_string()
        ),
    )
    .unwrap();
    let output = collector(&config, &["site", "add", "Crash Test Surgery"])
        .output()
        .expect("site add");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(token.starts_with("sst_"), "{token}");

    let (mut child, base) = serve(&config);
    let client = http().timeout(Duration::from_secs(10)).build().unwrap();
    let acked: Arc<Mutex<Vec<sunset_catalog::inventory::Inventory>>> = Arc::default();
    let sent: Arc<Mutex<Vec<sunset_catalog::inventory::Inventory>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut senders = Vec::new();
    for worker in 0..4u64 {
        let (client, base, token, acked, sent) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acked.clone(),
            sent.clone(),
        );
        senders.push(tokio::spawn(async move {
            for i in 0..10_000u64 {
                if Instant::now() > deadline {
                    break;
                }
                let mut inv = inventory(worker * 100_000 + i);
                inv.software =
                    sunset_loadgen::fake::inventory(i, 150, "x", chrono::Utc::now()).software;
                sent.lock().unwrap().push(inv.clone());
                let result = client
                    .post(format!("{base}/api/v1/reports"))
                    .bearer_auth(&token)
                    .json(&inv)
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push(inv),
                    Ok(r) => panic!("unexpected status {}", r.status()),
                    Err(_) => break, // the collector is gone
                }
            }
        }));
    }
    // Let a stream build up, then kill without warning while requests are in flight.
    while acked.lock().unwrap().len() < 40 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(
        acked.len() >= 40,
        "only {} reports acknowledged before the kill",
        acked.len()
    );
    assert!(
        sent.len() > acked.len(),
        "the kill should interrupt in-flight reports"
    );

    let (mut child, base) = serve(&config);
    // Every acknowledged report is known (a resend is a duplicate) and its host stored whole.
    for inv in &acked {
        let response = client
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(&token)
            .json(inv)
            .send()
            .await
            .unwrap();
        let ack: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            ack["status"], "duplicate",
            "acknowledged report {} was lost",
            inv.host.report_id
        );
    }
    let file = sunset_collector::config::FileConfig {
        database_url: Some(url),
        ..Default::default()
    };
    let config = sunset_collector::config::Config::resolve(file, &Default::default()).unwrap();
    let db = sunset_collector::db::Db::open(&config).await.unwrap();
    let pool = db.reader();
    let count = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(pool).await.unwrap();
        sqlx::Row::get::<i64, _>(&row, "n")
    };
    // No half-stored report: every receipt has its host, every host all of its findings.
    assert_eq!(count("SELECT COUNT(*) AS n FROM reports r WHERE NOT EXISTS (SELECT 1 FROM hosts h WHERE h.last_report_id = r.report_id)").await, 0);
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM hosts h WHERE h.finding_count <> (SELECT COUNT(*) FROM findings f WHERE f.host_id = h.host_id)").await,
        0
    );
    let hosts = count("SELECT COUNT(*) AS n FROM hosts").await;
    assert!(hosts as usize >= acked.len() && hosts as usize <= sent.len());
    child.kill().unwrap();
    child.wait().unwrap();
}
