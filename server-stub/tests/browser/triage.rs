//! The triage of unmatched software in a real browser: log in, follow the navigation's link to
//! the triage page, read the rows (real Uninstall names from GLPI's fixtures beside the load
//! generator's programs), and download one row's overlay snippet by clicking it.

use sunset_catalog::inventory::Software;

use crate::driver::{Driver, add_user, downloaded, require_browser, screenshots_dir};
use crate::util;

/// A program from `shared/fixtures/windows-hives/glpi-uninstall-reg/mssql-Uninstall.expected.tsv`
/// (a real machine's Uninstall key), at `version`.
fn strawberry_perl(template: &Software, version: &str) -> Software {
    Software {
        key: Software::identity_key("Strawberry Perl (64-bit)", Some(version), None),
        name: "Strawberry Perl (64-bit)".into(),
        version: Some(version.into()),
        publisher: Some("strawberryperl.com project".into()),
        ..template.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver (Debian packages); run with --include-ignored"]
async fn triage_page_and_snippet_download_in_headless_chromium() {
    require_browser();
    let server = util::start(&util::Backend::Sqlite).await;
    let riverside = server.site("Riverside").await;
    for (n, version) in [(1, "5.24.1"), (2, "5.26.0.1")] {
        let mut inventory = util::inventory(n);
        let perl = strawberry_perl(&inventory.software[0], version);
        inventory.software.push(perl);
        let (status, ack) = server.send(&riverside, &inventory).await;
        assert_eq!(status, 200, "{ack}");
    }
    add_user(&server, "tess", sunset_collector::org::Role::Viewer, None).await;

    let scratch = tempfile::tempdir().unwrap();
    let (profile, downloads) = (scratch.path().join("profile"), scratch.path().join("dl"));
    std::fs::create_dir_all(&downloads).unwrap();
    let driver = Driver::start(&scratch.path().join("chromedriver.log")).await;
    let browser = driver.session(&profile, &downloads).await;

    browser.log_in(&server, "tess").await;

    // The navigation's link to the triage.
    let link = browser.wait_for("nav a[href='/triage']").await;
    browser.click(&link).await;
    browser
        .wait_for_url("the triage page", |u| u.ends_with("/triage"))
        .await;
    let heading = browser.wait_for("h1").await;
    assert_eq!(browser.text(&heading).await, "Unmatched software");
    browser.wait_for("table.triage tbody tr").await;
    let names = browser.texts("table.triage tbody td.name").await;
    let hosts = browser.texts("table.triage tbody td.hosts").await;
    // The test catalogue knows Python only: the other programs both hosts have are listed, with
    // each host's own line-of-business apps; most hosts first.
    for name in [
        "Strawberry Perl (64-bit)",
        "Mozilla Firefox (x64 en-GB)",
        "Line-of-business app 008 for clinic 1",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("Python")), "{names:?}");
    let perl = names
        .iter()
        .position(|n| n == "Strawberry Perl (64-bit)")
        .unwrap();
    assert_eq!(hosts[perl], "2");
    assert!(
        hosts
            .windows(2)
            .all(|w| w[0].parse::<i64>().unwrap() >= w[1].parse::<i64>().unwrap())
    );
    let shots = screenshots_dir();
    browser
        .screenshot(&shots.join("dashboard-triage.png"))
        .await;

    // Its snippet, downloaded by clicking the row's link.
    let snippet = browser.wait_for("a.snippet[href*='Strawberry+Perl']").await;
    browser.click(&snippet).await;
    let text = downloaded(&downloads, "local-strawberry-perl-64-bit.toml").await;
    let value: toml::Table = toml::from_str(&text).expect(&text);
    let product = &value["product"][0];
    assert_eq!(product["name"].as_str(), Some("Strawberry Perl (64-bit)"));
    assert_eq!(
        product["match"][0]["name"][0].as_str(),
        Some("Strawberry Perl (64-bit)")
    );
    assert_eq!(product["release"][0]["versions"].as_str(), Some("5.*"));
    assert!(
        text.contains("# security_support_end = YYYY-MM-DD"),
        "{text}"
    );
    assert!(text.contains("# [[reviewed]]"), "{text}");
    assert!(
        text.contains("#   \"5.24.1\" (1)") && text.contains("#   \"5.26.0.1\" (1)"),
        "{text}"
    );

    browser.close().await;
    drop(driver);
}
