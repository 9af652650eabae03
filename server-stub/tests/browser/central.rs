//! The central view (issue 16) in a real browser: an ICB with two PCNs of two practices each,
//! every practice a site with its PCs, built through the real administrative functions.
//!
//! A PCN's user logs in through the form and sees only their practices — the summary's numbers,
//! the hosts list, the organisation pages (the summary of an organisation, `/?org=`, with its
//! roll-up by the organisations below it) — gets a 404 opening another PCN's host by its URL, and
//! downloads the evidence pack by clicking its link: the zip opens and holds their hosts alone. The
//! ICB's admin sees the roll-up: the summary's counts are the sum of the PCNs', and its "By
//! organisation" table lists the two PCNs. Screenshots of the summaries, organisation pages, the
//! forecast, the trend chart and the evidence pack page (its top and its totals) go to
//! `driver::screenshots_dir()`.

use std::collections::BTreeSet;
use std::io::Read;

use sunset_collector::admin::{self, Admin, RiskEntry};
use sunset_collector::org::{OrgKind, Role};

use crate::driver::{
    Driver, Session, add_user, card, card_starting, cards, downloaded_bytes, require_browser,
    screenshots_dir,
};
use crate::util::{self, EXAMPLE_ICB, Org, TestServer};

/// A practice of each PCN beside [`EXAMPLE_ICB`]'s one.
const SECOND_PRACTICES: [Org; 2] = [
    (
        "Alpha Two Practice",
        OrgKind::Practice,
        Some("U00001"),
        "A81002",
    ),
    (
        "Bravo Two Practice",
        OrgKind::Practice,
        Some("U00002"),
        "B81002",
    ),
];

/// One site per practice: (site, practice's ODS code).
const SITES: [(&str, &str); 4] = [
    ("Alpha Surgery", "A81001"),
    ("Alpha Two Surgery", "A81002"),
    ("Bravo Surgery", "B81001"),
    ("Bravo Two Surgery", "B81002"),
];

/// The PCs: (host number, index in [`SITES`], host name). Host numbers divisible by 3 keep only a
/// supported Python (Windows 11, nothing unsupported); the others run Windows 10 22H2 with
/// Python 2.7 (unsupported).
const PCS: [(u64, usize, &str); 7] = [
    (1, 0, "ALPHA-WKS-1"),
    (2, 0, "ALPHA-WKS-2"),
    (3, 1, "ALPHA-WKS-3"),
    (4, 2, "BRAVO-WKS-4"),
    (5, 2, "BRAVO-WKS-5"),
    (6, 3, "BRAVO-WKS-6"),
    (7, 3, "BRAVO-WKS-7"),
];

/// The estate, its users, and host ids by name.
async fn estate() -> (TestServer, Vec<(String, String)>) {
    let server = util::start(&util::Backend::Sqlite).await;
    let orgs: Vec<Org> = EXAMPLE_ICB
        .iter()
        .chain(&SECOND_PRACTICES)
        .copied()
        .collect();
    let tokens = server.org_tree(&orgs, &SITES).await;
    let mut hosts = Vec::new();
    for (n, site, name) in PCS {
        let mut inventory =
            sunset_loadgen::fake::inventory(n, 12, SITES[site].0, server.state.now());
        inventory.host.hostname = name.to_string();
        if n % 3 == 0 {
            inventory
                .software
                .retain(|s| s.name.starts_with("Python 3"));
        }
        let (status, ack) = server.send(&tokens[site], &inventory).await;
        assert_eq!(status, 200, "{ack}");
        hosts.push((name.to_string(), inventory.host.host_id.to_string()));
    }
    // ALPHA-WKS-1's risk is accepted for the whole host, for 30 days.
    let review = (server.state.today() + chrono::Duration::days(30)).to_string();
    let entry = RiskEntry {
        finding_key: "",
        owner: "Practice manager",
        mitigation: "Isolated VLAN",
        review_date: &review,
    };
    admin::save_risk(&server.state, &Admin::operator(), &hosts[0].1, entry)
        .await
        .unwrap();
    // The trend: a snapshot on each of the last 30 days (of today's verdicts).
    let today = server.state.today();
    for days_ago in (0..30).rev() {
        let day = today - chrono::Duration::days(days_ago);
        sunset_collector::jobs::snapshot(&server.state.db, day, server.state.now(), true)
            .await
            .unwrap();
    }
    for (name, role, org) in [
        ("alpha-pcn", Role::Viewer, "U00001"),
        ("icb-admin", Role::Admin, "QWE"),
    ] {
        add_user(&server, name, role, Some(org)).await;
    }
    (server, hosts)
}

/// The rows of the summary's "By organisation" table: (organisation, hosts).
async fn organisations(browser: &Session) -> Vec<(String, i64)> {
    let rows = browser
        .texts_xpath("//h2[.='By organisation']/following-sibling::table[1]/tbody/tr")
        .await;
    let mut out = Vec::new();
    for row in rows {
        let organisation = browser
            .texts_xpath(&format!(
                "//h2[.='By organisation']/following-sibling::table[1]/tbody/tr[{}]/td",
                out.len() + 1
            ))
            .await;
        assert!(organisation.len() > 3, "{row}");
        out.push((organisation[0].clone(), organisation[2].parse().unwrap()));
    }
    out
}

/// The host names of the hosts list (`/hosts` with `query`).
async fn host_names(browser: &Session, server: &TestServer, query: &str) -> Vec<String> {
    browser.goto(&format!("{}/hosts{query}", server.url)).await;
    browser.wait_for("table tbody tr").await;
    let mut names = browser.texts("table tbody td:first-child a").await;
    names.sort();
    names
}

/// The files of a zip, by name; panics when it does not open.
fn unzip(bytes: Vec<u8>) -> std::collections::HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the zip opens");
    let mut files = std::collections::HashMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().unwrap().to_string(), text);
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver (Debian packages); run with --include-ignored"]
async fn central_view_for_a_pcn_and_its_icb() {
    require_browser();
    let (server, hosts) = estate().await;
    let host_id = |name: &str| {
        hosts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    let shots = screenshots_dir();
    let scratch = tempfile::tempdir().unwrap();
    let driver = Driver::start(&scratch.path().join("chromedriver.log")).await;

    // (a) Alpha PCN's viewer.
    let downloads = scratch.path().join("dl-pcn");
    std::fs::create_dir_all(&downloads).unwrap();
    let browser = driver
        .session(&scratch.path().join("profile-pcn"), &downloads)
        .await;
    browser.log_in(&server, "alpha-pcn").await;
    let pcn = cards(&browser).await;
    assert_eq!(card(&pcn, "hosts"), 3, "{pcn:?}");
    assert_eq!(card(&pcn, "unsupported — no accepted risk"), 1, "{pcn:?}");
    assert_eq!(card_starting(&pcn, "risk accepted"), 1, "{pcn:?}");
    let below = organisations(&browser).await;
    assert_eq!(
        below,
        [
            ("Alpha Practice [A81001]".to_string(), 2),
            ("Alpha Two Practice [A81002]".to_string(), 1)
        ],
        "the PCN's summary lists its practices"
    );
    let page = browser.texts("main").await.concat();
    assert!(!page.contains("Bravo") && !page.contains("BRAVO"), "{page}");
    browser
        .screenshot(&shots.join("central-pcn-summary.png"))
        .await;
    // The trend chart, drawn from the snapshots.
    let chart = browser.wait_for("svg.chart").await;
    browser
        .element_screenshot(&chart, &shots.join("central-trend.png"))
        .await;

    // An organisation page: the second practice, from the roll-up's link.
    let link = browser
        .find_all_xpath(
            "//h2[.='By organisation']/following-sibling::table[1]//a[contains(., 'Alpha Two Practice')]",
        )
        .await;
    browser.click(&link[0]).await;
    browser
        .wait_for_url("the practice's page", |u| u.contains("org="))
        .await;
    browser.wait_for(".cards .card").await;
    let practice = cards(&browser).await;
    assert_eq!(card(&practice, "hosts"), 1, "{practice:?}");
    browser
        .screenshot(&shots.join("central-organisation.png"))
        .await;

    // The hosts list: Alpha's PCs alone.
    assert_eq!(
        host_names(&browser, &server, "").await,
        ["ALPHA-WKS-1", "ALPHA-WKS-2", "ALPHA-WKS-3"]
    );

    // Another PCN's host by its URL: the same 404 as a host that does not exist.
    let bravo = host_id("BRAVO-WKS-4");
    browser.goto(&format!("{}/hosts/{bravo}", server.url)).await;
    let heading = browser.wait_for("h1").await;
    assert_eq!(browser.text(&heading).await, "Something went wrong");
    assert!(!browser.texts("main").await.concat().contains("BRAVO"));
    let session = browser.cookie("sunset_session").await;
    for id in [bravo.as_str(), "00000000-0000-0000-0000-00000000abcd"] {
        let (status, _) = server
            .get(
                &format!("sunset_session={session}"),
                &format!("/hosts/{id}"),
            )
            .await;
        assert_eq!(status, 404, "{id}");
    }
    let (status, _) = server
        .get(
            &format!("sunset_session={session}"),
            &format!("/hosts/{}", host_id("ALPHA-WKS-2")),
        )
        .await;
    assert_eq!(status, 200, "the browser's own session opens its own hosts");

    // The forecast page.
    browser.goto(&format!("{}/forecast", server.url)).await;
    let heading = browser.wait_for("h1").await;
    assert!(browser.text(&heading).await.contains("Forecast"));
    browser
        .screenshot(&shots.join("central-forecast.png"))
        .await;

    // The evidence pack: its page, then the zip by clicking its link.
    browser.goto(&format!("{}/evidence", server.url)).await;
    browser.wait_for("a[href^='/evidence.zip']").await;
    let page = browser.texts("main").await.concat();
    assert!(
        page.contains("Unsupported hosts: 1 with no accepted risk; 1 with a risk accepted"),
        "the pack's totals carry the summary's split: {page}"
    );
    assert!(!page.contains("Bravo") && !page.contains("BRAVO"), "{page}");
    browser
        .screenshot(&shots.join("central-evidence.png"))
        .await;
    let totals = browser.find_all_xpath("//h2[.='Totals by site']").await;
    browser.scroll_to(&totals[0]).await;
    browser
        .screenshot(&shots.join("central-evidence-totals.png"))
        .await;
    let zip_link = browser.wait_for("a[href^='/evidence.zip']").await;
    browser.click(&zip_link).await;
    let name = format!("sunset-evidence-{}.zip", server.state.today());
    let files = unzip(downloaded_bytes(&downloads, &name).await);
    let assets: BTreeSet<String> = csv::Reader::from_reader(files["asset-register.csv"].as_bytes())
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| r.unwrap()["hostname"].clone())
        .collect();
    assert_eq!(
        assets,
        BTreeSet::from(["ALPHA-WKS-1", "ALPHA-WKS-2", "ALPHA-WKS-3"].map(String::from))
    );
    for (file, text) in &files {
        assert!(
            !text.contains("BRAVO") && !text.contains("Bravo") && !text.contains(&bravo),
            "{file} names another PCN's"
        );
    }
    browser.close().await;

    // (b) The ICB's admin: the roll-up of both PCNs.
    let downloads = scratch.path().join("dl-icb");
    std::fs::create_dir_all(&downloads).unwrap();
    let browser = driver
        .session(&scratch.path().join("profile-icb"), &downloads)
        .await;
    browser.log_in(&server, "icb-admin").await;
    let icb = cards(&browser).await;
    let below = organisations(&browser).await;
    assert_eq!(
        below.iter().map(|(o, _)| o.as_str()).collect::<Vec<_>>(),
        ["Alpha PCN [U00001]", "Bravo PCN [U00002]"],
        "the ICB's summary lists its PCNs"
    );
    assert_eq!(card(&icb, "hosts"), 7, "{icb:?}");
    assert_eq!(
        card(&icb, "hosts"),
        below.iter().map(|(_, n)| n).sum::<i64>(),
        "the ICB's hosts are its PCNs' hosts"
    );
    browser
        .screenshot(&shots.join("central-icb-summary.png"))
        .await;
    let roll_up = browser.find_all_xpath("//h2[.='By organisation']").await;
    browser.scroll_to(&roll_up[0]).await;
    browser
        .screenshot(&shots.join("central-icb-organisations.png"))
        .await;
    // Each PCN's page, from the roll-up: the ICB's headline is their sum.
    let mut sum: Vec<(i64, i64, i64)> = Vec::new();
    for pcn in ["Alpha PCN", "Bravo PCN"] {
        browser.goto(&format!("{}/", server.url)).await;
        let link = browser
            .find_all_xpath(&format!(
                "//h2[.='By organisation']/following-sibling::table[1]//a[contains(., '{pcn}')]"
            ))
            .await;
        browser.click(&link[0]).await;
        browser
            .wait_for_url("the PCN's page", |u| u.contains("org="))
            .await;
        browser.wait_for(".cards .card").await;
        let c = cards(&browser).await;
        sum.push((
            card(&c, "hosts"),
            card(&c, "unsupported — no accepted risk"),
            card_starting(&c, "risk accepted"),
        ));
    }
    assert_eq!(sum, [(3, 1, 1), (4, 3, 0)]);
    assert_eq!(
        (
            card(&icb, "hosts"),
            card(&icb, "unsupported — no accepted risk"),
            card_starting(&icb, "risk accepted"),
        ),
        sum.iter()
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2)),
        "{icb:?}"
    );
    browser
        .screenshot(&shots.join("central-bravo-pcn.png"))
        .await;
    browser.close().await;
    drop(driver);
}
