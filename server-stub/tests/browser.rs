//! The dashboard in a real browser: Debian's headless Chromium, driven through chromedriver's W3C
//! WebDriver API with plain HTTP calls, against a collector running in-process on 127.0.0.1.
//!
//! A person's morning: log in through the form, read the estate summary, filter by site, open a
//! host, download the hosts CSV (a real browser download) and check what is in it. Screenshots land
//! in `target/tmp/` (`dashboard-summary.png`, `dashboard-host.png`) for a human to look at.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`), so it is `#[ignore]`d; `ci/test.sh` installs them and runs it with
//! `--include-ignored`, where a missing browser is a failure.

#![allow(clippy::unwrap_used)] // A test that cannot unwrap should fail loudly.

#[allow(dead_code, unused_macros)]
#[path = "it/util.rs"]
mod util;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any one wait for the page may take.
const WAIT: Duration = Duration::from_secs(20);
/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Fails, saying what to install, when the browser is missing.
fn require_browser() {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "{} missing: install Debian's chromium and chromium-driver",
        missing.join(", ")
    );
}

/// chromedriver on a free loopback port; killed on drop.
struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(log: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: util::http().build().expect("client"),
        };
        let started = Instant::now();
        loop {
            let ready = match driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
            {
                Ok(r) => r.json::<Value>().await.ok(),
                Err(_) => None,
            };
            if ready.is_some_and(|v| v["value"]["ready"] == true) {
                return driver;
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A headless Chromium session that downloads into `downloads`.
    async fn session(&self, profile: &Path, downloads: &Path) -> Session {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1200",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            },
        }}});
        let response = self
            .http
            .post(format!("{}/session", self.base))
            .json(&capabilities)
            .send()
            .await
            .unwrap();
        let value: Value = response.json().await.unwrap();
        let id = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {value}"))
            .to_string();
        let session = Session {
            http: self.http.clone(),
            url: format!("{}/session/{id}", self.base),
        };
        // Headless Chromium downloads only where it is told to.
        session
            .call(
                reqwest::Method::POST,
                "/goog/cdp/execute",
                Some(json!({"cmd": "Browser.setDownloadBehavior", "params": {
                    "behavior": "allow", "downloadPath": downloads.display().to_string(),
                }})),
            )
            .await
            .unwrap();
        session
    }
}

/// One browser session.
struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    /// A WebDriver command; `Err` carries the W3C error code (`no such element`, …).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(value["value"].clone())
        } else {
            Err(format!(
                "{}: {}",
                value["value"]["error"].as_str().unwrap_or("?"),
                value["value"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ))
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    async fn current_url(&self) -> String {
        let url = self.get("/url").await;
        url.as_str()
            .unwrap_or_else(|| panic!("url: {url}"))
            .to_string()
    }

    /// Every element matching a CSS selector, now.
    async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("element: {e}"))
                    .to_string()
            })
            .collect()
    }

    /// The first element matching `css`, waiting for it to appear.
    async fn wait_for(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(first) = self.find_all(css).await.into_iter().next() {
                return first;
            }
            assert!(
                started.elapsed() < WAIT,
                "{css} never appeared on {}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's URL satisfies `check`.
    async fn wait_for_url(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let url = self.current_url().await;
            if check(&url) {
                return url;
            }
            assert!(started.elapsed() < WAIT, "never reached {what}; at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, element: &str) -> String {
        self.get(&format!("/element/{element}/text"))
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for element in self.find_all(css).await {
            out.push(self.text(&element).await);
        }
        out
    }

    async fn click(&self, element: &str) {
        self.post(&format!("/element/{element}/click"), json!({}))
            .await;
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn screenshot(&self, path: &Path) {
        let png = self.get("/screenshot").await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, bytes).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    async fn close(self) {
        let _ = self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// `(number, label)` of each summary card ("5 hosts", "3 unsupported").
async fn cards(session: &Session) -> Vec<(i64, String)> {
    session
        .texts(".cards .card")
        .await
        .iter()
        .filter_map(|text| {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let (n, label) = text.split_once(' ')?;
            Some((n.parse().ok()?, label.to_string()))
        })
        .collect()
}

fn card(cards: &[(i64, String)], label: &str) -> i64 {
    cards
        .iter()
        .find(|(_, l)| l == label)
        .unwrap_or_else(|| panic!("no card {label:?} in {cards:?}"))
        .0
}

/// Waits for a finished download named `name` in `dir`.
async fn downloaded(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let started = Instant::now();
    loop {
        let partial = std::fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "crdownload")
        });
        if path.exists() && !partial {
            return std::fs::read_to_string(&path).unwrap();
        }
        assert!(started.elapsed() < WAIT, "{name} was never downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver (Debian packages); run with --include-ignored"]
async fn dashboard_in_headless_chromium() {
    require_browser();
    // Five PCs at two sites: three on Windows 10 22H2 (unsupported), two on Windows 11 24H2 with
    // nothing but a supported Python.
    let server = util::start(&util::Backend::Sqlite).await;
    let riverside = server.site("Riverside").await;
    let hillside = server.site("Hillside").await;
    for (n, token) in [
        (1, &riverside),
        (2, &hillside),
        (3, &riverside),
        (4, &riverside),
        (6, &hillside),
    ] {
        let mut inventory = util::inventory(n);
        if n % 3 == 0 {
            inventory
                .software
                .retain(|s| s.name.starts_with("Python 3"));
        }
        let (status, ack) = server.send(token, &inventory).await;
        assert_eq!(status, 200, "{ack}");
    }
    let password = "a browser-typed password";
    let hash = sunset_collector::auth::hash_password(password).unwrap();
    sunset_collector::store::upsert_user(
        &server.state.db,
        "alice",
        sunset_collector::org::Role::Viewer,
        None,
        &hash,
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let (profile, downloads) = (scratch.path().join("profile"), scratch.path().join("dl"));
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = Driver::start(&scratch.path().join("chromedriver.log")).await;
    let browser = driver.session(&profile, &downloads).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    // Not logged in: the dashboard sends the browser to the login form.
    browser.goto(&format!("{}/", server.url)).await;
    browser
        .wait_for_url("the login page", |u| u.contains("/login"))
        .await;
    let user = browser.wait_for("input[name=username]").await;
    browser.type_into(&user, "alice").await;
    let field = browser.wait_for("input[name=password]").await;
    browser.type_into(&field, password).await;
    let submit = browser.wait_for("form button[type=submit]").await;
    browser.click(&submit).await;
    browser
        .wait_for_url("the summary", |u| u.trim_end_matches('/') == server.url)
        .await;
    let heading = browser.wait_for("h1").await;
    assert_eq!(browser.text(&heading).await, "Estate summary");
    assert!(
        browser
            .texts("header, nav")
            .await
            .concat()
            .contains("alice"),
        "the page shows who is logged in"
    );

    // The summary's numbers.
    let all = cards(&browser).await;
    assert_eq!(card(&all, "hosts"), 5, "{all:?}");
    assert_eq!(card(&all, "unsupported — no accepted risk"), 3, "{all:?}");
    browser
        .screenshot(&shots.join("dashboard-summary.png"))
        .await;

    // Filter by site through the form.
    let hillside_option = browser
        .wait_for("form.filters select[name=site] option[value=Hillside]")
        .await;
    browser.click(&hillside_option).await;
    let filter = browser.wait_for("form.filters button[type=submit]").await;
    browser.click(&filter).await;
    browser
        .wait_for_url("the filtered summary", |u| u.contains("site=Hillside"))
        .await;
    let filtered = cards(&browser).await;
    assert_eq!(card(&filtered, "hosts"), 2, "{filtered:?}");
    assert_eq!(
        card(&filtered, "unsupported — no accepted risk"),
        1,
        "{filtered:?}"
    );

    // The host list for that site, from the summary's card.
    let hosts_card = browser.wait_for(".cards .card a[href^='/hosts']").await;
    browser.click(&hosts_card).await;
    browser
        .wait_for_url("the hosts page", |u| {
            u.contains("/hosts?") && u.contains("site=Hillside")
        })
        .await;
    browser.wait_for("table tbody tr").await;
    let mut names = browser.texts("table tbody td:first-child a").await;
    names.sort();
    assert_eq!(names, ["WKS-00002", "WKS-00006"]);
    let hosts_url = browser.current_url().await;

    // One host's page: its findings.
    let link = browser.find_all("table tbody td:first-child a").await;
    let mut unsupported_host = None;
    for element in link {
        if browser.text(&element).await == "WKS-00002" {
            unsupported_host = Some(element);
        }
    }
    browser.click(&unsupported_host.unwrap()).await;
    browser
        .wait_for_url("the host page", |u| {
            u.contains(&sunset_loadgen::fake::host_uuid(2).to_string())
        })
        .await;
    let heading = browser.wait_for("h1").await;
    let heading = browser.text(&heading).await;
    assert!(
        heading.contains("WKS-00002") && heading.contains("unsupported"),
        "{heading}"
    );
    let findings = browser.texts("table tbody tr").await.join("\n");
    assert!(findings.contains("Windows 10 22H2"), "{findings}");
    assert!(findings.contains("Python 2.7.18"), "{findings}");
    browser.screenshot(&shots.join("dashboard-host.png")).await;

    // Download the filtered hosts CSV the way a person does: by clicking the link.
    browser.goto(&hosts_url).await;
    let download = browser.wait_for("a[href^='/exports/hosts.csv']").await;
    browser.click(&download).await;
    let csv = downloaded(&downloads, "sunset-hosts.csv").await;
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], ["host_id", "hostname", "site"]);
    let status_column = header.iter().position(|c| *c == "status").unwrap();
    let mut rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    rows.sort_by(|a, b| a[1].cmp(&b[1]));
    assert_eq!(rows.len(), 2, "{csv}");
    assert_eq!(
        (rows[0][1].as_str(), rows[0][2].as_str()),
        ("WKS-00002", "Hillside")
    );
    assert_eq!(rows[0][status_column], "unsupported");
    assert_eq!(
        (rows[1][1].as_str(), rows[1][2].as_str()),
        ("WKS-00006", "Hillside")
    );
    assert_ne!(rows[1][status_column], "unsupported");

    browser.close().await;
    drop(driver);
}
