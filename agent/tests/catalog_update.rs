//! End-to-end catalogue update from the real collector (`sunset-collector`, built by
//! `cargo build -p sunset-collector`), over 127.0.0.1 only: the collector signs a newer catalogue
//! with a key made by its own `catalog keygen`, the agent verifies it with the `.pub` contents,
//! uses it and stores it in its state directory; a bundle signed with another key is rejected and
//! the previous catalogue is kept.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sunset_agent::config::{self, Overrides};
use sunset_agent::deliver::RetryPolicy;
use sunset_agent::service::{Agent, ReportOutcome};

/// Debian 9, so the scan has something to report.
const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nNAME=\"Debian GNU/Linux\"\n\
VERSION_ID=\"9\"\nVERSION=\"9 (stretch)\"\nID=debian\n";

/// Newer than the built-in catalogue (checked below).
const NEWER: &str = "2999.1.1";
/// Newer still, served signed with the wrong key.
const NEWEST: &str = "2999.2.1";

/// The collector process; killed on drop.
struct Collector {
    child: Child,
    url: String,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn target_debug() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug")
}

fn collector_binary() -> Option<PathBuf> {
    let path = target_debug().join("sunset-collector");
    path.exists().then_some(path)
}

/// Prints why the test is skipped, except in CI (`CI=true`), where it fails instead.
fn skip(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI must not skip: {what}");
    }
    eprintln!("skipped: {what}");
}

/// A free port on 127.0.0.1.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Runs a collector management command; returns its stdout.
fn run(bin: &Path, data: &Path, args: &[&str]) -> String {
    let output = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `catalog keygen --out PREFIX`: returns the public key (the line in PREFIX.pub).
fn keygen(bin: &Path, data: &Path, prefix: &Path) -> String {
    run(
        bin,
        data,
        &["catalog", "keygen", "--out", prefix.to_str().unwrap()],
    );
    let public = std::fs::read_to_string(prefix.with_extension("pub")).unwrap();
    public.trim().to_string()
}

/// A copy of `catalog/data` whose `[catalog] version` is `version`.
fn catalog_copy(dir: &Path, version: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/data");
    let target = dir.join(format!("catalog-{version}"));
    std::fs::create_dir_all(&target).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
    let meta = target.join("catalog.toml");
    let text = std::fs::read_to_string(&meta).unwrap();
    let builtin = sunset_agent::update::built_in_version().unwrap();
    let old = format!("version = \"{builtin}\"");
    assert!(text.contains(&old), "catalog.toml has no {old}");
    std::fs::write(
        &meta,
        text.replacen(&old, &format!("version = {version:?}"), 1),
    )
    .unwrap();
    target
}

/// Starts the collector with a `collector.toml` naming the catalogue and the signing key.
fn start(bin: &Path, data: &Path, catalog_dir: &Path, key_file: &Path) -> Collector {
    let config = data.join("collector.toml");
    std::fs::write(
        &config,
        format!("catalog_dir = {catalog_dir:?}\ncatalog_signing_key_file = {key_file:?}\n"),
    )
    .unwrap();
    let addr = free_addr();
    let child = Command::new(bin)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut collector = Collector {
        child,
        url: format!("http://{addr}"),
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if let Some(status) = collector.child.try_wait().unwrap() {
            panic!("collector exited: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "collector did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    collector
}

/// An agent installation: configuration, state and spool directories, a tiny root to scan.
struct Install {
    dir: tempfile::TempDir,
}

impl Install {
    fn new(url: &str, token: &str, public_key: &str) -> Install {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("root/etc")).unwrap();
        std::fs::write(dir.path().join("root/etc/os-release"), OS_RELEASE).unwrap();
        let install = Install { dir };
        let text = format!(
            "collector_url = {url:?}\nenroll_token = {token:?}\nsite = \"Ward 7\"\nstate_dir = {:?}\n\
             spool_dir = {:?}\ncatalog_public_key = {public_key:?}\n",
            install.state_dir(),
            install.dir.path().join("spool"),
        );
        std::fs::write(install.config_path(), text).unwrap();
        install
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("agent.toml")
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn stored_bundle(&self) -> Option<Vec<u8>> {
        std::fs::read(self.state_dir().join("catalog.bundle")).ok()
    }

    fn agent(&self) -> Agent {
        let config = config::load(Some(&self.config_path()), &Overrides::default()).unwrap();
        let policy = RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(10),
        };
        Agent::new(config, policy)
            .unwrap()
            .with_root(Some(self.dir.path().join("root")))
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with warnings and errors captured; returns its result and the log text.
fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (result, text)
}

#[test]
fn real_collector_catalogue_is_taken_under_its_key_and_rejected_under_another() {
    let Some(bin) = collector_binary() else {
        skip("target/debug/sunset-collector not built (cargo build -p sunset-collector)");
        return;
    };
    let built_in = sunset_agent::update::built_in_version().unwrap();
    assert_eq!(
        sunset_agent::update::compare_versions(NEWER, &built_in),
        std::cmp::Ordering::Greater,
        "test versions must be newer than the built-in catalogue {built_in}"
    );

    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let public_a = keygen(&bin, data.path(), &keys.path().join("a"));
    let public_b = keygen(&bin, data.path(), &keys.path().join("b"));
    assert_ne!(public_a, public_b);
    let token = run(&bin, data.path(), &["site", "add", "Ward 7"])
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();

    // 1. The collector signs NEWER with key A; the agent trusts A: updated and stored.
    let collector = start(
        &bin,
        data.path(),
        &catalog_copy(keys.path(), NEWER),
        &keys.path().join("a.key"),
    );
    let install = Install::new(&collector.url, &token, &public_a);
    let mut agent = install.agent();
    assert_eq!(agent.catalog_version(), built_in);
    assert!(install.stored_bundle().is_none());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(agent.catalog_version(), NEWER);
    let stored = install.stored_bundle().expect("bundle stored in state dir");
    let text = String::from_utf8(stored.clone()).unwrap();
    assert!(text.contains(NEWER), "stored bundle is not {NEWER}");
    // A restarted agent uses the stored catalogue.
    assert_eq!(install.agent().catalog_version(), NEWER);

    // 2. An agent that trusts key B only: the same bundle is rejected, nothing stored.
    let other = Install::new(&collector.url, &token, &public_b);
    let mut other_agent = other.agent();
    let (outcome, logs) = capture_logs(|| block_on(other_agent.report_once()));
    assert_eq!(outcome, ReportOutcome::Delivered);
    assert!(logs.contains("catalogue bundle rejected"), "{logs}");
    assert_eq!(other_agent.catalog_version(), built_in);
    assert!(other.stored_bundle().is_none());
    drop(collector);

    // 3. The collector now signs NEWEST with key B; the first agent still trusts A: rejected,
    // NEWER is kept in use and on disk.
    let collector = start(
        &bin,
        data.path(),
        &catalog_copy(keys.path(), NEWEST),
        &keys.path().join("b.key"),
    );
    std::fs::write(
        install.config_path(),
        std::fs::read_to_string(install.config_path())
            .unwrap()
            .lines()
            .map(|l| {
                if l.starts_with("collector_url") {
                    format!("collector_url = {:?}\n", collector.url)
                } else {
                    format!("{l}\n")
                }
            })
            .collect::<String>(),
    )
    .unwrap();
    let mut agent = install.agent();
    assert_eq!(agent.catalog_version(), NEWER);
    let (outcome, logs) = capture_logs(|| block_on(agent.report_once()));
    assert_eq!(outcome, ReportOutcome::Delivered);
    assert!(logs.contains("catalogue bundle rejected"), "{logs}");
    assert_eq!(agent.catalog_version(), NEWER);
    assert_eq!(install.stored_bundle(), Some(stored));
    drop(collector);
}
