//! End-to-end catalogue update from the real collector (the `sunset-collector` library, serving
//! from this process on 127.0.0.1): the collector signs a newer catalogue with a key made as its
//! `catalog keygen` makes one, the agent verifies it with the `.pub` contents, uses it and stores it
//! in its state directory; a bundle signed with another key is rejected and the previous catalogue
//! is kept.
#![allow(clippy::unwrap_used)]

#[path = "delivery/in_process.rs"]
mod in_process;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use in_process::{Collector, add_site, keygen};
use sunset_agent::config::{self, Overrides};
use sunset_agent::deliver::RetryPolicy;
use sunset_agent::service::{Agent, ReportOutcome};
use sunset_collector::config::FileConfig;

/// Debian 9, so the scan has something to report.
const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nNAME=\"Debian GNU/Linux\"\n\
VERSION_ID=\"9\"\nVERSION=\"9 (stretch)\"\nID=debian\n";

/// Newer than the built-in catalogue (checked below).
const NEWER: &str = "2999.1.1";
/// Newer still, served signed with the wrong key.
const NEWEST: &str = "2999.2.1";

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

/// Starts the collector with the catalogue in `catalog_dir`, signed with `key_file`.
fn start(data: &Path, catalog_dir: &Path, key_file: &Path) -> Collector {
    let file = FileConfig {
        catalog_dir: Some(catalog_dir.to_path_buf()),
        catalog_signing_key_file: Some(key_file.to_path_buf()),
        ..FileConfig::default()
    };
    Collector::start(data, file, None)
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
    let built_in = sunset_agent::update::built_in_version().unwrap();
    assert_eq!(
        sunset_agent::update::compare_versions(NEWER, &built_in),
        std::cmp::Ordering::Greater,
        "test versions must be newer than the built-in catalogue {built_in}"
    );

    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let (key_a, public_a) = keygen(&keys.path().join("a"));
    let (key_b, public_b) = keygen(&keys.path().join("b"));
    assert_ne!(public_a, public_b);
    let token = add_site(data.path(), "Ward 7");

    // 1. The collector signs NEWER with key A; the agent trusts A: updated and stored.
    let collector = start(data.path(), &catalog_copy(keys.path(), NEWER), &key_a);
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
    let collector = start(data.path(), &catalog_copy(keys.path(), NEWEST), &key_b);
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

/// The practice's decision about its Docman connector, laid over the base catalogue.
fn gp_clinical(ten_one_ends: &str) -> String {
    format!(
        "[[product]]\nid = \"docman\"\nname = \"Docman\"\nkind = \"application\"\n\
         [[product.match]]\nname = [\"docman-connect\"]\n\
         [[product.release]]\ncycle = \"10.1\"\nversions = \"10.1.*\"\n\
         security_support_end = {ten_one_ends}\n\
         [[product.release]]\ncycle = \"10.2\"\nversions = \"10.2.*\"\n\
         security_support_end = 2099-12-31\n"
    )
}

/// The Docman finding of the agent's own scan, judged with the catalogue it has in use.
fn docman_verdict(install: &Install, public: &str) -> Option<(String, sunset_catalog::Status)> {
    let state = sunset_agent::state::State::open(&install.state_dir()).unwrap();
    let key = sunset_catalog::bundle::decode_verifying_key(public).unwrap();
    let in_use = sunset_agent::update::current(&state, Some(&key)).unwrap();
    let request = sunset_agent::scan::Request {
        root: Some(install.dir.path().join("root")),
        ..Default::default()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let result = sunset_agent::scan::evaluate(
        sunset_agent::scan::inventory(&request),
        &in_use.catalog,
        today,
    );
    result
        .findings
        .into_iter()
        .find(|f| f.product_id == "docman")
        .map(|f| (f.layer.to_string(), f.status))
}

#[test]
fn a_collector_overlay_reaches_the_agent_and_decides_its_verdict() {
    use sunset_catalog::Status;
    let built_in = sunset_agent::update::built_in_version().unwrap();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = keygen(&keys.path().join("a"));
    let token = add_site(data.path(), "Ward 7");
    // The same base catalogue as the agent's: only the overlay is news.
    let base = catalog_copy(keys.path(), &built_in);
    let overlay = keys.path().join("overlay");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(overlay.join("gp-clinical.toml"), gp_clinical("2020-01-01")).unwrap();
    let config = |overlay: &Path| FileConfig {
        catalog_dir: Some(base.clone()),
        catalog_overlay_dir: Some(overlay.to_path_buf()),
        catalog_signing_key_file: Some(key.clone()),
        ..FileConfig::default()
    };
    let collector = Collector::start(data.path(), config(&overlay), None);
    let install = Install::new(&collector.url, &token, &public);
    let dpkg = install.dir.path().join("root/var/lib/dpkg");
    std::fs::create_dir_all(&dpkg).unwrap();
    std::fs::write(
        dpkg.join("status"),
        "Package: docman-connect\nStatus: install ok installed\nVersion: 10.1.4-1\n\
         Architecture: amd64\nMaintainer: Docman <support@docman.com>\n\
         Description: Docman practice connector\n\n",
    )
    .unwrap();
    let mut agent = install.agent();
    assert_eq!(
        docman_verdict(&install, &public),
        None,
        "the built-in catalogue does not know it"
    );

    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let first = agent.catalog_version().to_string();
    assert!(
        first.starts_with(&format!("{built_in}+overlay.")),
        "{first}"
    );
    assert_eq!(
        docman_verdict(&install, &public),
        Some(("overlay:gp-clinical.toml".into(), Status::Unsupported))
    );
    drop(collector);

    // The practice extends 10.1's support: a new overlay digest, fetched and used.
    std::fs::write(overlay.join("gp-clinical.toml"), gp_clinical("2099-06-30")).unwrap();
    let collector = Collector::start(data.path(), config(&overlay), None);
    let text = std::fs::read_to_string(install.config_path()).unwrap();
    let text = text
        .lines()
        .map(|l| match l.starts_with("collector_url") {
            true => format!("collector_url = {:?}\n", collector.url),
            false => format!("{l}\n"),
        })
        .collect::<String>();
    std::fs::write(install.config_path(), text).unwrap();
    let mut agent = install.agent();
    assert_eq!(agent.catalog_version(), first);
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_ne!(agent.catalog_version(), first);
    assert_eq!(
        docman_verdict(&install, &public),
        Some(("overlay:gp-clinical.toml".into(), Status::Supported))
    );
    drop(collector);
}
