//! Two collector processes on one PostgreSQL database, as behind a load balancer: both ingest at
//! once (the same hosts through both), one reloads the catalogue, and afterwards every acknowledged
//! report is stored once, no host's status history has a duplicate, and the re-evaluation ran once
//! for the estate, not once per instance; when both start together on a new catalogue, exactly one
//! of them re-evaluates.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Row;
use sunset_catalog::inventory::Inventory;

use crate::util::{database_url, fixture_catalog, inventory, postgres};

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

/// One `sunset-collector serve` process; killed on drop. Its log goes to a file.
struct Instance {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    fn start(config: &Path, log: PathBuf) -> Instance {
        let mut child = Command::new(BIN)
            .arg("--config")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn collector");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("collector exited").unwrap();
            if let Some(rest) = line.strip_prefix("Sunset collector listening on ") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Instance { child, url, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// `sunset_hosts_reevaluated_total` of this instance.
    async fn reevaluated(&self, client: &reqwest::Client) -> u64 {
        let text = client
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("sunset_hosts_reevaluated_total "))
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Sets the catalogue's version and the end of Windows 11 24H2's support in `dir`.
fn set_catalogue(dir: &Path, version: &str, windows11_end: &str) {
    let path = dir.join("catalog.toml");
    let text = std::fs::read_to_string(fixture_catalog().join("catalog.toml"))
        .unwrap()
        .replace("version = \"test-1\"", &format!("version = \"{version}\""))
        .replace(
            "security_support_end = 2029-10-09",
            &format!("security_support_end = {windows11_end}"),
        );
    std::fs::write(path, text).unwrap();
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .get::<i64, _>("n")
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set SUNSET_TEST_POSTGRES_URL and run with --include-ignored"]
async fn two_collectors_on_one_postgresql() {
    let backend = postgres();
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let catalog_dir = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog_dir).unwrap();
    set_catalogue(&catalog_dir, "test-1", "2029-10-09");
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url = {url:?}\ncatalog_dir = {:?}\njobs_interval_seconds = 1\n",
            dir.path().display().to_string(),
            catalog_dir.display().to_string(),
        ),
    )
    .unwrap();
    let file = sunset_collector::config::FileConfig {
        database_url: Some(url),
        ..Default::default()
    };
    let resolved = sunset_collector::config::Config::resolve(file, &Default::default()).unwrap();
    let db = sunset_collector::db::Db::open(&resolved).await.unwrap();
    let pool = db.reader().clone();
    let now = chrono::Utc::now();
    let token = sunset_collector::store::add_site(&db, "Riverside", None, "test", now)
        .await
        .unwrap()
        .1;
    let hash = sunset_collector::auth::hash_password("a long enough password").unwrap();
    use sunset_collector::org::Role;
    sunset_collector::store::upsert_user(&db, "admin", Role::Admin, None, &hash, "test", now)
        .await
        .unwrap();
    let api = sunset_collector::store::tokens::issue(&db, "admin", "test", "test", now)
        .await
        .unwrap();

    let a = Instance::start(&config, dir.path().join("a.log"));
    let b = Instance::start(&config, dir.path().join("b.log"));
    let client = crate::util::http()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Four agents' worth of reports over 60 hosts, alternating instances, so each host is written
    // through both, often at the same moment.
    // Each acknowledged report, with the instance that stored it and when.
    let acknowledged: Arc<Mutex<Vec<(Inventory, usize, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for worker in 0..4u64 {
        let urls = [a.url.clone(), b.url.clone()];
        let (client, token, acknowledged, stop) = (
            client.clone(),
            token.clone(),
            acknowledged.clone(),
            stop.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let mut inv = inventory((worker * 7 + i) % 60);
                inv.host.collected_at = chrono::Utc::now();
                let instance = (i % 2) as usize;
                let response = client
                    .post(format!("{}/api/v1/reports", urls[instance]))
                    .bearer_auth(&token)
                    .json(&inv)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                assert_eq!(status, 200, "{body}");
                acknowledged
                    .lock()
                    .unwrap()
                    .push((inv, instance, Instant::now()));
            }
        }));
    }
    wait_until("hosts from both instances", async || {
        count(&pool, "SELECT COUNT(*) AS n FROM hosts").await >= 60
    })
    .await;

    // The catalogue changes on disk (as configuration management would for every instance), and an
    // administrator reloads it through instance A while both keep ingesting.
    set_catalogue(&catalog_dir, "test-2", "2026-01-01");
    let reload_started = Instant::now();
    let reload = client
        .post(format!("{}/api/v1/catalog/reload", a.url))
        .bearer_auth(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(reload.status().as_u16(), 200);
    let report: serde_json::Value = reload.json().await.unwrap();
    assert_eq!(report["catalog_version"], "test-2");
    // Hosts whose report changed while they were being judged are left to the newer report.
    let reloaded = report["hosts"].as_u64().unwrap();
    assert!(reloaded > 0, "{report}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for sender in senders {
        sender.await.unwrap();
    }
    // B notices within a job interval, re-reads its catalogue and judges only what it stored with
    // the old one meanwhile.
    wait_until("every host judged with test-2", async || {
        count(
            &pool,
            "SELECT COUNT(*) AS n FROM hosts WHERE catalog_version <> 'test-2'",
        )
        .await
            == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        b.log()
            .contains("catalogue re-read after a change by another process"),
        "{}",
        b.log()
    );

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 100, "{} reports", acknowledged.len());
    let b_after_reload = acknowledged
        .iter()
        .filter(|(_, instance, at)| *instance == 1 && *at > reload_started)
        .count() as u64;
    for (inv, _, _) in &acknowledged {
        let stored = sqlx::query("SELECT COUNT(*) AS n FROM reports WHERE report_id = $1")
            .bind(inv.host.report_id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap()
            .get::<i64, _>("n");
        assert_eq!(stored, 1, "report {}", inv.host.report_id);
    }
    assert_eq!(
        count(&pool, "SELECT COUNT(*) AS n FROM reports").await as usize,
        acknowledged.len()
    );
    assert_status_history_has_no_duplicates(&pool).await;
    let hosts = count(&pool, "SELECT COUNT(*) AS n FROM hosts").await as u64;
    let (by_a, by_b) = (a.reevaluated(&client).await, b.reevaluated(&client).await);
    // A judged the estate once, for the reload (its start found no hosts). B judged again only
    // hosts whose report it had itself stored with test-1 after A's run began, never the estate.
    assert_eq!(by_a, reloaded, "A re-evaluated {by_a}");
    assert!(
        by_b <= b_after_reload && by_b < hosts,
        "B re-evaluated {by_b} hosts of {hosts}, having stored {b_after_reload} reports since the reload"
    );

    // Both start together on a newer catalogue: exactly one of them re-evaluates the estate.
    drop((a, b));
    set_catalogue(&catalog_dir, "test-3", "2026-01-02");
    let a = Instance::start(&config, dir.path().join("a2.log"));
    let b = Instance::start(&config, dir.path().join("b2.log"));
    wait_until("every host judged with test-3", async || {
        count(
            &pool,
            "SELECT COUNT(*) AS n FROM hosts WHERE catalog_version <> 'test-3'",
        )
        .await
            == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (by_a, by_b) = (a.reevaluated(&client).await, b.reevaluated(&client).await);
    assert_eq!(
        by_a + by_b,
        hosts,
        "each host re-evaluated once (A {by_a}, B {by_b})"
    );
    assert_status_history_has_no_duplicates(&pool).await;
}

/// No host became known twice, and no change repeats (same host, same change, same catalogue).
async fn assert_status_history_has_no_duplicates(pool: &sqlx::AnyPool) {
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) AS n FROM (SELECT host_id FROM host_status_changes \
             WHERE old_status IS NULL GROUP BY host_id HAVING COUNT(*) > 1) AS twice"
        )
        .await,
        0,
        "a host's first status recorded twice"
    );
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) AS n FROM host_status_changes WHERE old_status = new_status"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            pool,
            "SELECT COUNT(*) AS n FROM (SELECT host_id FROM host_status_changes \
             GROUP BY host_id, old_status, new_status, catalog_version HAVING COUNT(*) > 1) AS again"
        )
        .await,
        0,
        "a status change recorded twice"
    );
}
