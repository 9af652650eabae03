//! The browser side of the browser tests: chromedriver's W3C WebDriver API through plain HTTP calls,
//! and the waits and readings every test needs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::util::{self, TestServer};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any one wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(20);
/// The W3C element reference key.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Names the directory CI keeps as artefacts (`target/artefacts` when unset).
pub const ARTEFACTS_ENV: &str = "SUNSET_ARTEFACTS_DIR";

/// Where the browser tests' screenshots go, created: `$SUNSET_ARTEFACTS_DIR/screenshots`, else
/// `target/artefacts/screenshots` (beside cargo's `target/tmp`), so CI keeps them as artefacts
/// and `ci/test.sh` says where they are.
pub fn screenshots_dir() -> PathBuf {
    let base = std::env::var_os(ARTEFACTS_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .parent()
                .expect("target/tmp has a parent")
                .join("artefacts")
        });
    let dir = base.join("screenshots");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Fails, saying what to install, when the browser is missing.
pub fn require_browser() {
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
pub struct Driver {
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
    pub async fn start(log: &Path) -> Driver {
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
    pub async fn session(&self, profile: &Path, downloads: &Path) -> Session {
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
/// The password every browser test's user types.
pub const PASSWORD: &str = "a browser-typed password";

/// A dashboard user with [`PASSWORD`], granted `role` on `org` (the whole estate when `None`).
pub async fn add_user(
    server: &TestServer,
    name: &str,
    role: sunset_collector::org::Role,
    org: Option<&str>,
) {
    let hash = sunset_collector::auth::hash_password(PASSWORD).unwrap();
    sunset_collector::store::upsert_user(
        &server.state.db,
        name,
        role,
        org,
        &hash,
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

pub struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    /// Logs `user` (made by [`add_user`]) in through the form, from the summary's redirect to the
    /// login page, and waits for the summary.
    pub async fn log_in(&self, server: &TestServer, user: &str) {
        self.goto(&format!("{}/", server.url)).await;
        self.wait_for_url("the login page", |u| u.contains("/login"))
            .await;
        let field = self.wait_for("input[name=username]").await;
        self.type_into(&field, user).await;
        let field = self.wait_for("input[name=password]").await;
        self.type_into(&field, PASSWORD).await;
        let submit = self.wait_for("form button[type=submit]").await;
        self.click(&submit).await;
        self.wait_for_url("the summary", |u| u.trim_end_matches('/') == server.url)
            .await;
        let heading = self.wait_for("h1").await;
        assert_eq!(self.text(&heading).await, "Estate summary");
    }

    /// A WebDriver command; `Err` carries the W3C error code (`no such element`, …).
    pub async fn call(
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

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        let url = self.get("/url").await;
        url.as_str()
            .unwrap_or_else(|| panic!("url: {url}"))
            .to_string()
    }

    /// Every element matching a CSS selector, now.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        self.elements("css selector", css).await
    }

    /// Every element an XPath expression selects, now (for what CSS cannot say: a table after a
    /// heading with a given text).
    pub async fn find_all_xpath(&self, xpath: &str) -> Vec<String> {
        self.elements("xpath", xpath).await
    }

    /// The ids of the elements `value` selects, by WebDriver's location strategy `using`.
    async fn elements(&self, using: &str, value: &str) -> Vec<String> {
        let found = self
            .post("/elements", json!({"using": using, "value": value}))
            .await;
        found
            .as_array()
            .unwrap_or_else(|| panic!("elements {value}: {found}"))
            .iter()
            .map(|e| {
                e[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("element: {e}"))
                    .to_string()
            })
            .collect()
    }

    /// The texts of the elements `xpath` selects.
    pub async fn texts_xpath(&self, xpath: &str) -> Vec<String> {
        self.texts_of(self.find_all_xpath(xpath).await).await
    }

    /// The texts of `elements`, in order.
    async fn texts_of(&self, elements: Vec<String>) -> Vec<String> {
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            out.push(self.text(&element).await);
        }
        out
    }

    /// The value of the browser's cookie `name` for the current page's site.
    pub async fn cookie(&self, name: &str) -> String {
        let cookie = self.get(&format!("/cookie/{name}")).await;
        cookie["value"]
            .as_str()
            .unwrap_or_else(|| panic!("cookie {name}: {cookie}"))
            .to_string()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn wait_for(&self, css: &str) -> String {
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
    pub async fn wait_for_url(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
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

    pub async fn text(&self, element: &str) -> String {
        self.get(&format!("/element/{element}/text"))
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub async fn texts(&self, css: &str) -> Vec<String> {
        self.texts_of(self.find_all(css).await).await
    }

    pub async fn click(&self, element: &str) {
        self.post(&format!("/element/{element}/click"), json!({}))
            .await;
    }

    pub async fn type_into(&self, element: &str, text: &str) {
        self.post(
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    pub async fn screenshot(&self, path: &Path) {
        save_png(&self.get("/screenshot").await, path);
    }

    /// Scrolls the page so that `element` is at the top of the window (a screenshot of the
    /// window or of an element shows only what is in view).
    pub async fn scroll_to(&self, element: &str) {
        self.post(
            "/execute/sync",
            json!({
                "script": "arguments[0].scrollIntoView({block: 'start'});",
                "args": [{ ELEMENT: element }],
            }),
        )
        .await;
    }

    /// A screenshot of one element (a chart), scrolled into view, written to `path`.
    pub async fn element_screenshot(&self, element: &str, path: &Path) {
        self.scroll_to(element).await;
        save_png(
            &self.get(&format!("/element/{element}/screenshot")).await,
            path,
        );
    }

    pub async fn close(self) {
        let _ = self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// `(number, label)` of each summary card ("5 hosts", "3 unsupported").
pub async fn cards(session: &Session) -> Vec<(i64, String)> {
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

/// The number of the card whose label starts with `label` ("risk accepted (until …)").
pub fn card_starting(cards: &[(i64, String)], label: &str) -> i64 {
    cards
        .iter()
        .find(|(_, l)| l.starts_with(label))
        .unwrap_or_else(|| panic!("no card {label:?}… in {cards:?}"))
        .0
}

pub fn card(cards: &[(i64, String)], label: &str) -> i64 {
    cards
        .iter()
        .find(|(_, l)| l == label)
        .unwrap_or_else(|| panic!("no card {label:?} in {cards:?}"))
        .0
}

/// Waits for a finished download named `name` in `dir`: its text.
pub async fn downloaded(dir: &Path, name: &str) -> String {
    String::from_utf8(downloaded_bytes(dir, name).await)
        .unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

/// Waits for a finished download named `name` in `dir`: its bytes.
pub async fn downloaded_bytes(dir: &Path, name: &str) -> Vec<u8> {
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
            return std::fs::read(&path).unwrap();
        }
        assert!(started.elapsed() < WAIT, "{name} was never downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes a WebDriver screenshot (a base64 PNG) to `path`.
fn save_png(png: &Value, path: &Path) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap_or_else(|| panic!("screenshot: {png}")))
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(path, bytes).unwrap();
    eprintln!("screenshot: {}", path.display());
}
