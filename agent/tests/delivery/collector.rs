//! The real collector (`sunset-collector`, built by `cargo build -p sunset-collector`): the agent's
//! report arrives, the host shows up with the right findings, and redelivery is idempotent.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sunset_agent::service::ReportOutcome;

use crate::fake::dead_port;
use crate::util::{Install, block_on, fast, skip, target_debug};

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

fn collector_binary() -> Option<std::path::PathBuf> {
    let path = target_debug().join("sunset-collector");
    path.exists().then_some(path)
}

fn start(bin: &std::path::Path, data: &std::path::Path) -> Collector {
    let addr = dead_port();
    let child = Command::new(bin)
        .args(["--data-dir"])
        .arg(data)
        .args(["serve", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "collector did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Collector {
        child,
        url: format!("http://{addr}"),
    }
}

fn run(
    bin: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> String {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn get_json(url: &str, user: &str, password: &str) -> serde_json::Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .basic_auth(user, Some(password))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    })
}

#[test]
fn real_collector_stores_the_report_with_its_findings() {
    let Some(bin) = collector_binary() else {
        skip("target/debug/sunset-collector not built (cargo build -p sunset-collector)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let out = run(&bin, data.path(), &["site", "add", "Ward 7"], None);
    let token = BufReader::new(out.as_bytes())
        .lines()
        .last()
        .unwrap()
        .unwrap();
    let password = "correct horse battery staple";
    let pw_file = data.path().join("pw");
    std::fs::write(&pw_file, format!("{password}\n")).unwrap();
    run(
        &bin,
        data.path(),
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-file",
            pw_file.to_str().unwrap(),
        ],
        None,
    );
    let collector = start(&bin, data.path());

    let install = Install::new(&collector.url, token.trim(), "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let host_id = agent.host_id();

    let host = get_json(
        &format!("{}/api/v1/hosts/{host_id}", collector.url),
        "admin",
        password,
    );
    let findings = host["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings
            .iter()
            .any(|f| f["product_id"] == "debian" && f["status"] == "unsupported"),
        "Debian 9 should be found unsupported: {host:#}"
    );

    let hosts = get_json(
        &format!("{}/api/v1/hosts", collector.url),
        "admin",
        password,
    );
    assert_eq!(hosts["total"], 1, "{hosts:#}");
}

#[test]
fn real_collector_down_then_back_gets_every_report_once() {
    let Some(bin) = collector_binary() else {
        skip("target/debug/sunset-collector not built (cargo build -p sunset-collector)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let out = run(&bin, data.path(), &["site", "add", "Ward 8"], None);
    let token = out.lines().last().unwrap().trim().to_string();
    let collector = start(&bin, data.path());
    let url = collector.url.clone();
    drop(collector);

    let install = Install::new(&url, &token, "");
    let mut agent = install.agent(fast());
    for _ in 0..2 {
        assert!(matches!(
            block_on(agent.report_once()),
            ReportOutcome::Queued(_)
        ));
    }
    assert_eq!(install.spooled(), 2);
    // Back, on the same address.
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let child = Command::new(&bin)
        .arg("--data-dir")
        .arg(data.path())
        .args(["serve", "--listen", &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _collector = Collector {
        child,
        url: url.clone(),
    };
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(install.spooled(), 0);
}
