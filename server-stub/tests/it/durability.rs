//! Nothing is acknowledged that is not stored, when the disk fills up (a real, small tmpfs) and when
//! PostgreSQL stops in the middle of a load and comes back: while writes fail, ingest answers 503
//! with `Retry-After` and `/healthz` says not ready; once writes work again the collector recovers
//! by itself; and after a restart every acknowledged report is there.

#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use sunset_catalog::inventory::Inventory;

use crate::util::{Backend, TestServer, start_with_config};

/// A tmpfs of a given size mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        run(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            dir.path(),
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn resize(&self, size: &str) {
        run(
            "mount",
            &["-o", &format!("remount,size={size}")],
            self.path(),
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn run(program: &str, args: &[&str], path: &Path) {
    let output = Command::new(program).args(args).arg(path).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A report of ~120 KB of gzip: 1,500 programs, each with a random identifier so it does not
/// compress away.
fn big_report(n: u64) -> (Inventory, Vec<u8>) {
    let mut inventory = sunset_loadgen::fake::inventory(n, 1500, "Riverside", chrono::Utc::now());
    for entry in &mut inventory.software {
        entry.identifier = Some(format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ));
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(&serde_json::to_vec(&inventory).unwrap())
        .unwrap();
    (inventory, encoder.finish().unwrap())
}

/// Posts a gzip report; returns the status, the `Retry-After` header and the body.
async fn post(server: &TestServer, token: &str, body: Vec<u8>) -> (u16, Option<String>, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/reports", server.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let (status, body) = crate::util::read(response).await;
    (status, retry_after, body)
}

async fn healthz(server: &TestServer) -> (u16, String) {
    let response = server
        .client
        .get(format!("{}/healthz", server.url))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// The report ids a fresh start of the collector finds stored, and whether each host's row points
/// at a stored report with all of its findings.
async fn assert_all_stored(server: TestServer, acknowledged: &[Inventory]) {
    let server = server.restart().await;
    for inventory in acknowledged {
        assert!(
            sunset_collector::store::report_exists(
                &server.state.db,
                &inventory.host.report_id.to_string()
            )
            .await
            .unwrap(),
            "acknowledged report {} of host {} is not stored",
            inventory.host.report_id,
            inventory.host.hostname
        );
    }
    let pool = server.state.db.reader();
    let count = |sql: &'static str| async move {
        let row = sqlx::query(sql).fetch_one(pool).await.unwrap();
        sqlx::Row::get::<i64, _>(&row, "n")
    };
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM hosts h WHERE h.finding_count <> \
             (SELECT COUNT(*) FROM findings f WHERE f.host_id = h.host_id)"
        )
        .await,
        0,
        "a host lost some of its findings"
    );
    let hosts = count("SELECT COUNT(*) AS n FROM hosts").await;
    assert!(hosts as usize >= acknowledged.len(), "{hosts} hosts");
}

/// SQLite on a 24 MB tmpfs: fill it with ~120 KB reports sent one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root: mounts a 24 MB tmpfs (CI runs as root)"]
async fn full_disk_is_503_until_space_returns_and_loses_nothing() {
    let tmpfs = Tmpfs::mount("24m");
    let database = sunset_collector::config::sqlite_url(&tmpfs.path().join("collector.db"));
    let server = start_with_config(&Backend::Sqlite, true, |file| {
        file.database_url = Some(database);
    })
    .await;
    let token = server.site("Riverside").await;

    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut n = 0;
    // Fill the disk: every report is acknowledged until the first that cannot be stored.
    loop {
        n += 1;
        assert!(n < 1000, "24 MB never filled up");
        let (inventory, body) = big_report(n);
        let (status, retry_after, reply) = post(&server, &token, body).await;
        match status {
            200 => acknowledged.push(inventory),
            503 => {
                assert!(retry_after.is_some(), "503 without Retry-After: {reply}");
                refused.push(inventory);
                break;
            }
            other => panic!("report {n}: HTTP {other} {reply} (want 200, or 503 when full)"),
        }
    }
    assert!(acknowledged.len() > 20, "{} stored", acknowledged.len());
    let (status, text) = healthz(&server).await;
    assert_eq!(status, 503, "/healthz while the disk is full: {text}");
    // While the disk stays full, nothing is acknowledged (an acknowledgement would have to be stored).
    for _ in 0..10 {
        n += 1;
        let (inventory, body) = big_report(n);
        let (status, retry_after, reply) = post(&server, &token, body).await;
        match status {
            200 => acknowledged.push(inventory),
            503 => {
                assert!(retry_after.is_some(), "503 without Retry-After: {reply}");
                refused.push(inventory);
            }
            other => panic!("report {n} on a full disk: HTTP {other} {reply}"),
        }
    }
    assert!(
        refused.len() >= 5,
        "most reports on a full disk are refused"
    );

    // Space returns: the collector recovers by itself, and the refused reports now go in.
    tmpfs.resize("256m");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, text) = healthz(&server).await;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still not ready after space returned: {text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for inventory in refused {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder
            .write_all(&serde_json::to_vec(&inventory).unwrap())
            .unwrap();
        let (status, _, reply) = post(&server, &token, encoder.finish().unwrap()).await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["status"], "accepted", "{reply}");
        acknowledged.push(inventory);
    }
    assert_all_stored(server, &acknowledged).await;
    drop(tmpfs);
}

/// A throwaway PostgreSQL cluster of our own (the tests' shared server must not be stopped),
/// run as the `postgres` user as PostgreSQL requires.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries in /usr/lib/postgresql")
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("pg_ctl").exists())
            .max()
            .expect("pg_ctl under /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let cluster = Cluster { dir, bin, port };
        cluster.pg(&["initdb", "-A", "trust", "-U", "postgres"], &["-D"]);
        cluster.ctl("start");
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg(&self, tool_and_args: &[&str], data_flag: &[&str]) {
        let (tool, args) = tool_and_args.split_first().unwrap();
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(data_flag)
            .arg(self.data())
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `pg_ctl start`, or `stop` as a crash would (`-m immediate`: no shutdown checkpoint).
    fn ctl(&self, action: &str) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        let log = log.to_str().unwrap();
        match action {
            "start" => self.pg(
                &["pg_ctl", "-w", "-l", log, "-o", &options, "start"],
                &["-D"],
            ),
            _ => self.pg(&["pg_ctl", "-m", "immediate", "stop"], &["-D"]),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

/// PostgreSQL stops (as a crash would) while four agents keep sending, then comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs root and PostgreSQL's server binaries: runs its own cluster as the postgres user"]
async fn postgres_stopped_mid_load_is_503_then_recovers_and_loses_nothing() {
    let cluster = Cluster::start();
    let url = cluster.url();
    let server = start_with_config(&Backend::Sqlite, true, |file| {
        file.database_url = Some(url);
    })
    .await;
    let token = server.site("Riverside").await;
    let server = std::sync::Arc::new(server);

    #[derive(Default)]
    struct Seen {
        acknowledged: Vec<Inventory>,
        unavailable: usize,
        during_outage: Vec<u16>,
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Seen::default()));
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for worker in 0..4u64 {
        let (server, token, seen, down, stop) = (
            server.clone(),
            token.clone(),
            seen.clone(),
            down.clone(),
            stop.clone(),
        );
        senders.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let inventory = crate::util::inventory(worker * 100_000 + i);
                let body = serde_json::to_vec(&inventory).unwrap();
                let was_down = down.load(std::sync::atomic::Ordering::SeqCst);
                let response = server
                    .client
                    .post(format!("{}/api/v1/reports", server.url))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .timeout(Duration::from_secs(60))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                {
                    let mut seen = seen.lock().unwrap();
                    if was_down && down.load(std::sync::atomic::Ordering::SeqCst) {
                        seen.during_outage.push(status);
                    }
                    match status {
                        200 => seen.acknowledged.push(inventory),
                        503 => {
                            assert!(retry_after, "503 without Retry-After");
                            seen.unavailable += 1;
                        }
                        other => {
                            panic!("HTTP {other} (want 200, or 503 while the database is down)")
                        }
                    }
                }
                if status == 503 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    let wait_for = |what: &'static str, done: &dyn Fn(&Seen) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if done(&seen.lock().unwrap()) {
                break;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for("40 acknowledged reports", &|s| s.acknowledged.len() >= 40);
    cluster.ctl("stop");
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    wait_for("refusals while PostgreSQL is down", &|s| s.unavailable >= 8);
    let (status, text) = healthz(&server).await;
    assert_eq!(status, 503, "/healthz while PostgreSQL is down: {text}");
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    cluster.ctl("start");
    let before = seen.lock().unwrap().acknowledged.len();
    wait_for("reports accepted again", &|s| {
        s.acknowledged.len() >= before + 40
    });
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for sender in senders {
        sender.await.unwrap();
    }
    let (status, text) = healthz(&server).await;
    assert_eq!(status, 200, "{text}");
    let seen = std::sync::Arc::try_unwrap(seen)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    assert!(
        seen.during_outage.iter().all(|s| *s == 503),
        "while PostgreSQL was down: {:?}",
        seen.during_outage
    );
    let server = std::sync::Arc::try_unwrap(server).ok().unwrap();
    assert_all_stored(server, &seen.acknowledged).await;
    drop(cluster);
}
