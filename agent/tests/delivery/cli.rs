//! The binary: `report` exit codes, `config check`, and `run` idling and stopping on SIGTERM.

use std::time::{Duration, Instant};

use crate::fake::{Fake, Reply, dead_port};
use crate::util::{AGENT, Install, text};

#[test]
fn report_exits_0_when_delivered() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    let output = install.run_bin(&["report", "--root", install.root.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(fake.stored().len(), 1);
    assert_eq!(install.spooled(), 0);
}

#[test]
fn report_exits_3_when_queued() {
    let install = Install::new(&format!("http://{}", dead_port()), "t", "");
    let output = install.run_bin(&["report", "--root", install.root.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("queued"), "{}", text(&output));
    assert_eq!(install.spooled(), 1);
}

/// Runs the agent binary with standard output and error already closed by the reader, as in
/// `sunset-agent report 2>&1 | head -c 10` once `head` has its ten bytes.
fn run_with_closed_output(install: &Install, args: &[&str]) -> std::process::ExitStatus {
    let mut child = std::process::Command::new(AGENT)
        .args(args)
        .arg("--config")
        .arg(&install.config_path)
        .env("RUST_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().unwrap()
}

/// Issue 11.8: a closed stdout or stderr must never abort the agent or lose its report.
#[test]
fn closed_output_neither_aborts_nor_loses_the_report() {
    let root = |install: &Install| install.root.to_str().unwrap().to_string();
    let down = Install::new(&format!("http://{}", dead_port()), "t", "");
    let status = run_with_closed_output(&down, &["report", "--root", &root(&down)]);
    assert_eq!(status.code(), Some(3), "queued, not killed: {status:?}");
    assert_eq!(down.spooled(), 1, "the report is kept for the next run");

    let fake = Fake::start();
    let up = Install::new(&fake.url(), "t", "");
    let status = run_with_closed_output(&up, &["report", "--root", &root(&up)]);
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(fake.stored().len(), 1);
    assert_eq!(up.spooled(), 0);

    let status = run_with_closed_output(&up, &["scan", "--root", &root(&up)]);
    assert!(
        status.code().is_some(),
        "scan must exit, not die of a signal: {status:?}"
    );
}

#[test]
fn report_exits_1_when_the_collector_refuses_the_token() {
    let fake = Fake::start();
    fake.set_default(Reply::Status(401));
    let install = Install::new(&fake.url(), "revoked", "");
    let output = install.run_bin(&["report", "--root", install.root.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("401"), "{}", text(&output));
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn bad_configuration_exits_1_naming_key_and_line() {
    let install = Install::new(
        "https://collector.example.nhs.uk",
        "t",
        "spool_max_reports = 0\ninsecure = true",
    );
    let output = install.run_bin(&["report"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let all = text(&output);
    assert!(
        all.contains("agent.toml:7: insecure: unknown field"),
        "{all}"
    );
    let output = install.run_bin(&["config", "check"]);
    assert_eq!(output.status.code(), Some(1));
    let output = install.run_bin(&["run"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the service refuses to start half-configured"
    );
}

#[test]
fn config_check_prints_the_effective_configuration_masked() {
    let install = Install::new(
        "https://collector.example.nhs.uk",
        "very-secret-token",
        "schedule_window = \"23:00-03:00\"",
    );
    let output = install.run_bin(&["config", "check"]);
    let out = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(!out.contains("very-secret-token"), "{out}");
    assert!(
        out.contains("enroll_token        = ******** (17 characters)"),
        "{out}"
    );
    assert!(out.contains("\"23:00-03:00\""), "{out}");
    assert!(out.contains("spool_max_reports   = 60"), "{out}");
}

/// CPU ticks (user + system) and resident anonymous memory (heap and stacks: what the program
/// allocates, unlike the mapped binary, which is far larger in a debug build) of a process, from /proc.
fn usage(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb = status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ticks, rss_kb))
}

/// Kills the child if the test fails half-way.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn run_idles_without_cpu_and_stops_on_sigterm() {
    use std::io::BufRead;
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    // Pretend tonight's scan already ran, so the service has nothing to do but sleep.
    std::fs::create_dir_all(install.state_dir()).unwrap();
    std::fs::write(
        install.state_dir().join("last-run"),
        format!("{}\n", chrono::Utc::now().to_rfc3339()),
    )
    .unwrap();
    let mut child = KillOnDrop(
        std::process::Command::new(AGENT)
            .args(["run", "--config"])
            .arg(&install.config_path)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let pid = child.0.id();
    // Read the log on a thread; wait until the service says it is sleeping.
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut logs = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the service never went to sleep");
        let sleeping = line.contains("sleeping");
        logs.push(line);
        if sleeping {
            break;
        }
    }
    assert!(
        logs.iter().any(|l| l.contains("catch_up=false")),
        "{logs:?}"
    );
    if let Some((before, _)) = usage(pid) {
        std::thread::sleep(Duration::from_secs(3));
        let (after, rss_kb) = usage(pid).unwrap();
        assert!(
            after - before <= 2,
            "busy while idle: {} ticks in 3 s",
            after - before
        );
        assert!(
            rss_kb <= 10 * 1024,
            "idle anonymous memory {rss_kb} KiB > 10 MiB"
        );
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = child.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
        logs.push(line);
    }
    assert_eq!(exit.code(), Some(0), "{logs:?}");
    assert!(logs.iter().any(|l| l.contains("agent stopped")), "{logs:?}");
    assert!(fake.seen().is_empty(), "nothing was due");
}
