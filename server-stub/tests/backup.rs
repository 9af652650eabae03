//! `sunset-collector backup`, proven by restoring: the real binary serves and ingests a report, a backup
//! is taken while it runs, and a second collector started on the restored file serves that host. Also:
//! the database and the backup are created 0600, a backup never overwrites a file, PostgreSQL is pointed
//! at pg_dump, and a database from a newer collector (an unknown migration) is refused, not downgraded.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

fn collector(data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", "warn");
    command
}

fn run_ok(data_dir: &Path, args: &[&str]) -> String {
    let output = collector(data_dir, args).output().unwrap();
    assert!(
        output.status.success(),
        "sunset-collector {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A running collector that is killed when dropped.
struct Serving {
    child: Child,
    url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data_dir: &Path) -> Serving {
    let mut child = collector(data_dir, &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("collector exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("Sunset collector listening on ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Serving { child, url }
}

/// Readable and writable by its owner only (Unix; Windows has no mode bits to check).
#[cfg(unix)]
fn assert_private(path: &Path, why: &str) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}: {why}", path.display());
}

#[cfg(not(unix))]
fn assert_private(_: &Path, _: &str) {}

#[tokio::test(flavor = "multi_thread")]
async fn backup_while_serving_restores_to_a_working_collector() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let token = run_ok(&live, &["site", "add", "Riverside Surgery"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    let password = dir.path().join("password");
    std::fs::write(&password, "a long enough password for the test\n").unwrap();
    run_ok(
        &live,
        &[
            "user",
            "add",
            "auditor",
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    let database = live.join("collector.db");
    assert_private(&database, "the database is created for its owner only");

    let server = serve(&live);
    // The workspace builds reqwest without a crypto provider (the agent's `rustls-no-provider`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let inventory = sunset_loadgen::fake::inventory(7, 25, "Riverside Surgery", Utc::now());
    let host_id = inventory.host.host_id;
    let sent = client
        .post(format!("{}/api/v1/reports", server.url))
        .bearer_auth(&token)
        .json(&inventory)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());

    // Online: the collector is still serving while the copy is made.
    let backup = dir.path().join("backups/nightly.db");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    let said = run_ok(&live, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(
        said.contains("1 hosts") && said.contains("integrity check"),
        "{said}"
    );
    assert_private(&backup, "the backup holds token hashes: owner only");
    let again = collector(&live, &["backup", "--out", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "a backup overwrote an existing file"
    );
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("must not exist"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let health = client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "still serving after the backup");
    drop(server);

    // Restore: the backup file becomes a new collector's database.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&backup, restored.join("collector.db")).unwrap();
    let server = serve(&restored);
    let hosts = client
        .get(format!("{}/api/v1/hosts", server.url))
        .basic_auth("auditor", Some("a long enough password for the test"))
        .send()
        .await
        .unwrap();
    assert_eq!(hosts.status(), 200);
    let body = hosts.text().await.unwrap();
    assert!(
        body.contains(&host_id.to_string()),
        "the restored collector lacks the host: {body}"
    );
    let listed = run_ok(&restored, &["site", "list"]);
    assert!(listed.contains("Riverside Surgery"), "{listed}");
    drop(server);

    // A database a newer collector migrated is refused, never used by older code.
    let url = format!("sqlite://{}", restored.join("collector.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer collector', 1, X'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let refused = collector(&restored, &["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!refused.status.success(), "a newer database was opened");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("9999") && said.contains("migration"),
        "{said}"
    );
}

#[test]
fn postgresql_is_backed_up_with_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        "database_url = \"postgres://sunset@127.0.0.1:1/sunset\"\n",
    )
    .unwrap();
    let output = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["backup", "--out"])
        .arg(dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("pg_dump"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!dir.path().join("x.db").exists());
}
