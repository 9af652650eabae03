//! `sunset-collector demo` (issue 16, part 8): the real binary fills a new database with the demo
//! estate, prints where to log in and the generated password, serves the dashboard with it — the
//! summary's unsupported hosts split by the risk register, the trend chart over a year, the
//! forecast with a Windows 10 month — and stops cleanly when its piped standard input closes or on
//! SIGTERM. The seeding itself runs on both back ends against an in-process collector.
//!
//! A small estate (`--hosts`) keeps each run to a few seconds; it still has every kind of machine.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Backend, TestServer, http, start_with_config};

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

backend_tests!(the_demo_estate_tells_its_stories);

/// A demo started from the binary, with what it printed.
struct Running {
    child: Child,
    url: String,
    password: String,
    data_dir: PathBuf,
    printed: String,
}

/// Starts `sunset-collector demo ARGS` and reads its standard output up to the password line.
fn start_demo(args: &[&str], stdin: Stdio) -> Running {
    let mut child = Command::new(BIN)
        .arg("demo")
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().unwrap();
    let (lines, printed) = std::sync::mpsc::channel();
    // Read to the end, as a terminal would, even after the test stops listening.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut text = String::new();
    let field = |text: &str, name: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
    };
    while field(&text, "Password:").is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match printed.recv_timeout(left) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(e) => panic!("the demo printed no password ({e}); it printed:\n{text}"),
        }
    }
    let data_dir = text
        .lines()
        .find_map(|l| l.strip_prefix("Data: "))
        .and_then(|rest| rest.split(" (").next())
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no data directory in:\n{text}"));
    Running {
        url: field(&text, "Open:").unwrap_or_else(|| panic!("no URL in:\n{text}")),
        password: field(&text, "Password:").unwrap(),
        child,
        data_dir,
        printed: text,
    }
}

/// Waits for the demo to exit (at most `secs`), killing it if it does not.
fn wait_for_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not stop within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Logs in through the login form as a browser does; returns the session cookie.
async fn log_in(url: &str, user: &str, password: &str) -> String {
    let client = http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(format!("{url}login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = cookie.split_once('=').unwrap().1.to_string();
    let response = client
        .post(format!("{url}login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "login refused");
    assert_eq!(response.headers()["location"], "/");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sunset_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn get(url: &str, cookie: &str, path: &str) -> (u16, String) {
    let response = http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{url}{}", path.trim_start_matches('/')))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn get_json(url: &str, cookie: &str, path: &str) -> Value {
    let (status, text) = get(url, cookie, path).await;
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Whether the forecast has a Windows 10 release losing hosts in some month.
fn has_windows_10_month(forecast: &Value) -> bool {
    forecast["forecast"]["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["cycle_label"]
                .as_str()
                .is_some_and(|l| l.starts_with("Windows 10"))
        })
        .any(|r| {
            r["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_i64() > Some(0))
        })
}

/// The headline's split, the register's states and the trend, through the API with `cookie`.
async fn check_the_stories(url: &str, cookie: &str) {
    let summary = get_json(url, cookie, "/api/v1/summary").await;
    let split = &summary["summary"]["unsupported"];
    assert!(split["no_accepted_risk"].as_i64() > Some(0), "{split}");
    assert!(split["risk_accepted"].as_i64() > Some(0), "{split}");
    assert!(split["acceptance_expired"].as_i64() > Some(0), "{split}");
    let trend = get_json(url, cookie, "/api/v1/trend").await;
    assert_eq!(
        trend["days"].as_array().unwrap().len(),
        366,
        "a year and today"
    );
    let forecast = get_json(url, cookie, "/api/v1/forecast").await;
    assert!(has_windows_10_month(&forecast), "{forecast}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_its_estate_with_the_printed_login_and_stops_when_stdin_closes() {
    let mut demo = start_demo(&["--hosts", "40"], Stdio::piped());
    assert!(
        demo.url.starts_with("http://127.0.0.1:"),
        "{}",
        demo.printed
    );
    assert!(
        demo.data_dir.join("collector.db").exists(),
        "{}",
        demo.printed
    );
    let cookie = log_in(&demo.url, "demo", &demo.password).await;

    let (status, page) = get(&demo.url, &cookie, "/").await;
    assert_eq!(status, 200, "{page}");
    for shown in [
        "no accepted risk",
        "risk accepted",
        "acceptance expired",
        "Trend over the last 12 months",
        "<svg class=\"chart\"",
    ] {
        assert!(page.contains(shown), "the summary lacks {shown:?}");
    }
    let (status, forecast) = get(&demo.url, &cookie, "/forecast").await;
    assert_eq!(status, 200, "{forecast}");
    assert!(forecast.contains("Windows 10"), "{forecast}");
    check_the_stories(&demo.url, &cookie).await;
    // Without that login the dashboard is not served.
    let (status, _) = get(&demo.url, "sunset_session=forged", "/").await;
    assert_eq!(status, 303);

    drop(demo.child.stdin.take());
    let status = wait_for_exit(&mut demo.child, 30);
    assert!(status.success(), "{status}");
    assert!(
        !demo.data_dir.exists(),
        "the temporary data directory {} is left behind",
        demo.data_dir.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_stops_on_sigterm_keeps_a_given_data_dir_and_refuses_to_refill_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let data_arg = data.to_str().unwrap();
    let mut demo = start_demo(&["--hosts", "10", "--data-dir", data_arg], Stdio::null());
    assert_eq!(demo.data_dir, data, "{}", demo.printed);
    let killed = Command::new("kill")
        .args(["-TERM", &demo.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_for_exit(&mut demo.child, 30);
    assert!(status.success(), "{status}");
    assert!(
        data.join("collector.db").exists(),
        "a given data directory is kept"
    );

    let again = Command::new(BIN)
        .args(["demo", "--data-dir", data_arg])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        !again.status.success() && err.contains("already holds"),
        "{err}"
    );

    let exposed = Command::new(BIN)
        .args(["demo", "--listen", "0.0.0.0:0"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&exposed.stderr);
    assert!(
        !exposed.status.success() && err.contains("loopback"),
        "{err}"
    );
}

/// The seeding through the collector's own paths on either back end: the headline's three parts,
/// a year of trend, a Windows 10 month in the forecast, and every change in the audit log.
async fn the_demo_estate_tells_its_stories(backend: Backend) {
    let server: TestServer = start_with_config(&backend, false, |file| {
        // The demo judges with the built-in catalogue; the jobs stay out of the way.
        file.catalog_dir = None;
        file.jobs_interval_seconds = Some(3600);
    })
    .await;
    let seeded =
        sunset_collector::demo::seed(&server.state.db, &server.config, 30, server.state.now())
            .await
            .unwrap();
    assert!(seeded.hosts >= 30 && seeded.risks == 4, "{seeded:?}");
    assert_eq!((seeded.sites, seeded.trend_days), (14, 366));
    let cookie = server.session("viewer").await;
    check_the_stories(&format!("{}/", server.url), &cookie).await;
    let risks = server.get_json(&cookie, "/api/v1/risks").await;
    let states: Vec<&str> = risks["risks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert!(states.contains(&"expired"), "{risks}");
    let audit = sunset_collector::store::audit_log(&server.state.db, 1000)
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("org.add"), 20);
    assert_eq!(count("site.add"), 14);
    assert_eq!(count("risk.save"), 4);
}
