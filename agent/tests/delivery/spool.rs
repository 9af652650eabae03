//! The spool: caps, and spools that cannot be written.

use sunset_agent::service::ReportOutcome;

use crate::fake::{Fake, dead_port};
use crate::util::{AGENT, Install, block_on, capture_logs, fast, text};

#[test]
fn full_spool_drops_the_oldest_with_a_warning_and_keeps_the_newest() {
    let port = dead_port();
    let install = Install::new(&format!("http://{port}"), "t", "spool_max_reports = 2");
    let mut agent = install.agent(fast());
    let (_, logs) = capture_logs(|| {
        for _ in 0..3 {
            assert!(matches!(
                block_on(agent.report_once()),
                ReportOutcome::Queued(_)
            ));
        }
    });
    assert!(
        logs.contains("spool full: dropped the oldest undelivered report"),
        "{logs}"
    );
    assert_eq!(install.spooled(), 2);
    let queued = queued_ids(&install);
    let fake = Fake::start_on(port);
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let seen: Vec<_> = fake.seen().iter().map(|s| s.report_id).collect();
    // The new report 4 counts against the cap too: report 2 goes, 3 and 4 are delivered, in order.
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], queued[1]);
    assert_eq!(fake.stored(), seen);
}

/// Report ids in the spool, oldest first (file names sort by sequence).
fn queued_ids(install: &Install) -> Vec<uuid::Uuid> {
    let mut names: Vec<String> = std::fs::read_dir(install.spool_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json.gz"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| uuid::Uuid::parse_str(&n[21..n.len() - 8]).unwrap())
        .collect()
}

#[test]
fn spool_byte_cap_is_enforced() {
    let port = dead_port();
    // Each tiny report is a few hundred bytes gzipped: a 4 KiB cap keeps only some.
    let install = Install::new(&format!("http://{port}"), "t", "spool_max_bytes = 4096");
    let mut agent = install.agent(fast());
    for _ in 0..40 {
        block_on(agent.report_once());
    }
    let total: u64 = std::fs::read_dir(install.spool_dir())
        .unwrap()
        .flatten()
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(total <= 4096, "{total}");
    assert!(install.spooled() >= 1);
}

#[test]
fn unwritable_spool_is_a_clear_error_and_delivery_still_happens() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    // The spool directory lies below a regular file: it can never be created.
    let blocker = install.dir.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();
    install.write_config(&fake.url(), "t", "");
    let text_config = std::fs::read_to_string(&install.config_path)
        .unwrap()
        .replace(
            &format!("spool_dir = {:?}", install.spool_dir()),
            &format!("spool_dir = {:?}", blocker.join("spool")),
        );
    std::fs::write(&install.config_path, text_config).unwrap();
    let mut agent = install.agent(fast());
    let (outcome, logs) = capture_logs(|| block_on(agent.report_once()));
    assert_eq!(outcome, ReportOutcome::Delivered);
    assert!(logs.contains("cannot queue the report"), "{logs}");
    assert_eq!(fake.stored().len(), 1);

    // Collector down too: the report is lost, and the error says why.
    let install_down = Install::new(&format!("http://{}", dead_port()), "t", "");
    let text_config = std::fs::read_to_string(&install_down.config_path)
        .unwrap()
        .replace(
            &format!("spool_dir = {:?}", install_down.spool_dir()),
            &format!("spool_dir = {:?}", blocker.join("spool")),
        );
    std::fs::write(&install_down.config_path, text_config).unwrap();
    let mut agent = install_down.agent(fast());
    let outcome = block_on(agent.report_once());
    assert!(
        matches!(&outcome, ReportOutcome::Lost(why) if why.contains("spool")),
        "{outcome:?}"
    );
    assert_eq!(outcome.exit_code(), 4);
}

/// Runs `sunset-agent report` in a private mount namespace where `setup` (shell) has prepared the
/// spool directory.
fn report_in_namespace(install: &Install, setup: &str) -> std::process::Output {
    let spool = install.spool_dir();
    std::fs::create_dir_all(&spool).unwrap();
    let script = format!(
        "set -e; SPOOL={spool:?}; {setup}; exec {AGENT:?} report --root {root:?} --config {config:?}",
        root = install.root,
        config = install.config_path,
    );
    std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs mount namespaces (unshare -rm: root or user namespaces); run with --include-ignored"]
fn read_only_spool_is_reported_clearly_without_a_crash() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    let output = report_in_namespace(
        &install,
        "mount --bind \"$SPOOL\" \"$SPOOL\"; mount -o remount,bind,ro \"$SPOOL\"",
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("read-only"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert_eq!(fake.stored().len(), 1);
}

#[test]
#[ignore = "needs mount namespaces (unshare -rm: root or user namespaces); run with --include-ignored"]
fn full_disk_is_reported_clearly_without_a_crash() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    let output = report_in_namespace(
        &install,
        "mount -t tmpfs -o size=64k tmpfs \"$SPOOL\"; dd if=/dev/zero of=\"$SPOOL/filler\" bs=4k 2>/dev/null || true",
    );
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("full"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert_eq!(fake.stored().len(), 1);
}
