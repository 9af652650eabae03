//! The dashboard in a real browser: Debian's headless Chromium, driven through chromedriver's W3C
//! WebDriver API with plain HTTP calls, against a collector running in-process on 127.0.0.1.
//!
//! A person's morning: log in through the form, read the estate summary, filter by site, open a
//! host, download the hosts CSV (a real browser download) and check what is in it. The central view
//! of an organisation tree (`central.rs`): a PCN's user and an ICB's admin. Screenshots land in
//! `target/artefacts/screenshots/` (or `$SUNSET_ARTEFACTS_DIR/screenshots/`, `driver::screenshots_dir`)
//! for a human to look at; CI keeps them as artefacts.
//! `triage`: the unmatched-software page and a row's overlay snippet, downloaded by clicking it
//! (`dashboard-triage.png`).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`), so it is `#[ignore]`d; `ci/test.sh` installs them and runs it with
//! `--include-ignored`, where a missing browser is a failure.

#![allow(clippy::unwrap_used)] // A test that cannot unwrap should fail loudly.

#[allow(dead_code, unused_macros)]
#[path = "../it/util.rs"]
mod util;

mod central;
mod driver;
mod triage;

use driver::{Driver, add_user, card, cards, downloaded, require_browser, screenshots_dir};

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
    add_user(&server, "alice", sunset_collector::org::Role::Viewer, None).await;

    let scratch = tempfile::tempdir().unwrap();
    let (profile, downloads) = (scratch.path().join("profile"), scratch.path().join("dl"));
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = Driver::start(&scratch.path().join("chromedriver.log")).await;
    let browser = driver.session(&profile, &downloads).await;
    let shots = screenshots_dir();

    // Not logged in: the dashboard sends the browser to the login form.
    browser.log_in(&server, "alice").await;
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
