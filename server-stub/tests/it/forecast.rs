//! The forecast (issue 16, part 4): hosts losing support per release and month, judged with the
//! built-in catalogue (real product names and dates) on a fixed day of the collector's clock.
//! A host with an unsupported browser still counts under the Windows 10 cliff; the chart, the
//! table, the CSV and the JSON agree; "what ends next" names the releases ending within 12 months
//! with their hosts and sites; a scoped user's forecast is their subtree's; and an already
//! unsupported Windows 7 host's next date is a real one to come, or none.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sunset_catalog::inventory::{Cover, CoverState, Inventory, Os, Software, Source};
use sunset_collector::admin::{self, Admin};
use sunset_collector::clock::ManualClock;
use sunset_collector::org::OrgKind;
use sunset_loadgen::fake;

use crate::util::{Backend, TestServer, start_with_clock};

backend_tests!(
    hosts_with_an_unsupported_browser_still_count_under_the_windows_10_cliff,
    a_scoped_users_forecast_counts_only_their_subtree,
    a_host_in_covered_extended_support_counts_when_its_cover_ends,
    an_unsupported_windows_7_hosts_next_date_is_to_come_or_none,
);

/// The collector's day: Windows 10 22H2 (security support to 2025-10-14) ends within 12 months,
/// Windows 11 24H2 Pro (to 2026-10-13) within 24 but not 12.
const TODAY: &str = "2025-03-03T09:00:00Z";

/// A Chrome release long out of support (only the current stable release is).
const OLD_CHROME: (&str, &str) = ("Google Chrome", "80.0.3987.163");
/// Python 3.12: security support to 2028-10-31.
const PYTHON_312: (&str, &str) = ("Python 3.12.4 (64-bit)", "3.12.4150.0");
/// Oracle Java 8: security support ended 2022-03-31; a paid window to 2030-12-31 (a contract
/// this collector has none declared of).
const ORACLE_JAVA_8: (&str, &str) = ("Java 8 Update 411 (64-bit)", "8.0.4110.9");

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn now() -> DateTime<Utc> {
    at(TODAY)
}

/// A collector judging with the built-in catalogue on [`TODAY`].
async fn start(backend: &Backend) -> TestServer {
    start_at(backend, now()).await
}

/// A collector judging with the built-in catalogue at `now`.
async fn start_at(backend: &Backend, now: DateTime<Utc>) -> TestServer {
    let clock = ManualClock::new(now);
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.catalog_dir = None;
        file.jobs_interval_seconds = Some(3600);
    };
    start_with_clock(backend, true, tweak, clock.clock()).await
}

/// Windows 10 22H2 Pro.
fn windows_10() -> Os {
    os("Windows 10 Pro", "10.0.19045.5247", Some("22H2"), "19045")
}

/// Windows 11 24H2 Pro.
fn windows_11() -> Os {
    os("Windows 11 Pro", "10.0.26100.2314", Some("24H2"), "26100")
}

/// Windows 7 Professional SP1.
fn windows_7() -> Os {
    os("Windows 7 Professional", "6.1.7601.24544", None, "7601")
}

fn os(name: &str, version: &str, display: Option<&str>, build: &str) -> Os {
    Os {
        name: name.to_string(),
        version: version.to_string(),
        display_version: display.map(str::to_string),
        build: Some(build.to_string()),
        ..fake::inventory(1, 0, "", now()).os
    }
}

/// Host `n` named `name` at `site`, running `os` and `software` (name, version), as taken on
/// [`TODAY`].
fn host(n: u64, name: &str, site: &str, os: Os, software: &[(&str, &str)]) -> Inventory {
    host_at(now(), n, name, site, os, software)
}

/// [`host`], taken at `taken`.
fn host_at(
    taken: DateTime<Utc>,
    n: u64,
    name: &str,
    site: &str,
    os: Os,
    software: &[(&str, &str)],
) -> Inventory {
    let mut inv = fake::inventory(n, 0, site, taken);
    inv.host.hostname = name.to_string();
    inv.os = os;
    inv.software = software
        .iter()
        .map(|(name, version)| Software {
            key: Software::identity_key(name, Some(version), Some("x64")),
            publisher: None,
            install_date: None,
            architecture: Some("x64".to_string()),
            install_location: None,
            identifier: None,
            name: name.to_string(),
            version: Some(version.to_string()),
            source: Source::HklmUninstall,
            origin: None,
        })
        .collect();
    inv
}

/// Sends each inventory with its site's token (enrolling the site, in the whole estate, the first
/// time).
async fn send_all(server: &TestServer, hosts: &[Inventory]) {
    let mut tokens: BTreeMap<String, String> = BTreeMap::new();
    for inv in hosts {
        let site = inv.host.site.clone().unwrap();
        if !tokens.contains_key(&site) {
            tokens.insert(site.clone(), server.site(&site).await);
        }
        let (status, ack) = server.send(&tokens[&site], inv).await;
        assert_eq!(status, 200, "{ack}");
    }
}

/// The forecast's release `product`/`cycle` in the JSON answer.
fn release<'a>(forecast: &'a Value, product: &str, cycle: &str) -> &'a Value {
    forecast["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product_id"] == product && r["cycle"] == cycle)
        .unwrap_or_else(|| panic!("no {product} {cycle} in {forecast}"))
}

fn month_index(forecast: &Value, month: &str) -> usize {
    forecast["months"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m == month)
        .unwrap_or_else(|| panic!("no month {month}"))
}

/// Per month, hosts summed over every release, from the JSON answer.
fn json_totals(forecast: &Value) -> Vec<i64> {
    let months = forecast["months"].as_array().unwrap().len();
    let mut totals = vec![0; months];
    for r in forecast["releases"].as_array().unwrap() {
        for (i, n) in r["hosts"].as_array().unwrap().iter().enumerate() {
            totals[i] += n.as_i64().unwrap();
        }
    }
    totals
}

/// From the page: per month, the chart's segments summed (their titles say `month: release, n
/// hosts`), and the table's last column.
fn page_totals(page: &str, months: &[String]) -> (Vec<i64>, Vec<i64>) {
    let mut chart = vec![0; months.len()];
    for title in page.split("<title>").skip(1) {
        let title = &title[..title.find("</title>").unwrap()];
        let Some((month, rest)) = title.split_once(": ") else {
            continue;
        };
        let Some(i) = months.iter().position(|m| m == month) else {
            continue;
        };
        let n = rest.rsplit(", ").next().unwrap().trim_end_matches(" hosts");
        chart[i] += n.parse::<i64>().unwrap();
    }
    let table = &page[page.find("<table class=\"forecast\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let mut cells = vec![0; months.len()];
    for row in table.split("<tr>").skip(1) {
        let Some(month) = row
            .strip_prefix("<td>")
            .and_then(|r| r.split("</td>").next())
        else {
            continue;
        };
        let i = months.iter().position(|m| m == month).unwrap();
        let cells_of_row: Vec<&str> = row
            .split("<td class=\"num\">")
            .skip(1)
            .map(|c| &c[..c.find("</td>").unwrap()])
            .collect();
        let (total, series) = cells_of_row.split_last().unwrap();
        let sum: i64 = series.iter().map(|c| c.parse::<i64>().unwrap()).sum();
        assert_eq!(sum.to_string(), *total, "{month}: the table's row adds up");
        cells[i] = total.parse().unwrap();
    }
    (chart, cells)
}

/// Per month, the CSV's hosts summed over its rows.
fn csv_totals(csv: &str, months: &[String]) -> Vec<i64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "month",
            "target",
            "product_id",
            "product_name",
            "cycle",
            "cycle_label",
            "hosts"
        ]
    );
    let mut totals = vec![0; months.len()];
    for line in lines {
        let month = line.split(',').next().unwrap();
        let hosts: i64 = line.rsplit(',').next().unwrap().parse().unwrap();
        totals[months.iter().position(|m| m == month).unwrap()] += hosts;
    }
    totals
}

async fn hosts_with_an_unsupported_browser_still_count_under_the_windows_10_cliff(
    backend: Backend,
) {
    let server = start(&backend).await;
    // Nine Windows 10 PCs on seven sites; the three at North also run an old Chrome, so they
    // are unsupported already. A Windows 11 PC at South runs the old Chrome too.
    let mut hosts = Vec::new();
    for n in 1..=3 {
        let name = format!("NORTH-{n}");
        hosts.push(host(n, &name, "North Surgery", windows_10(), &[OLD_CHROME]));
    }
    for n in 4..=9 {
        let (name, site) = (format!("PC-{n}"), format!("Site {n}"));
        hosts.push(host(n, &name, &site, windows_10(), &[PYTHON_312]));
    }
    hosts.push(host(
        10,
        "SOUTH-11",
        "Site 4",
        windows_11(),
        &[OLD_CHROME, PYTHON_312],
    ));
    send_all(&server, &hosts).await;
    let cookie = server.session("viewer").await;

    let north = server
        .get_json(&cookie, &format!("/api/v1/hosts/{}", hosts[0].host.host_id))
        .await;
    assert_eq!(north["host"]["status"], "unsupported", "{north}");
    let answer = server.get_json(&cookie, "/api/v1/forecast").await;
    let forecast = &answer["forecast"];
    assert_eq!(forecast["today"], "2025-03-03");
    assert_eq!(forecast["months"][0], "2025-03");
    assert_eq!(forecast["months"].as_array().unwrap().len(), 24);

    // All nine Windows 10 PCs lose Windows 10 in October 2025, the unsupported ones included.
    let windows_10 = release(forecast, "windows", "10-22h2");
    let october = month_index(forecast, "2025-10");
    assert_eq!(windows_10["hosts"][october], 9, "{windows_10}");
    assert_eq!(windows_10["total"], 9);
    assert_eq!(windows_10["cycle_label"], "Windows 10 22H2");
    // Windows 11 24H2 Pro ends in October 2026 (within 24 months); the old Chrome is already
    // unsupported and counts nowhere.
    let windows_11 = release(forecast, "windows", "11-24h2-w");
    assert_eq!(
        windows_11["hosts"][month_index(forecast, "2026-10")],
        1,
        "{forecast}"
    );
    assert!(
        forecast["releases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["product_id"] != "chrome"),
        "{forecast}"
    );
    // The biggest cliff comes first.
    assert_eq!(forecast["releases"][0]["cycle"], "10-22h2", "{forecast}");

    // What ends next: Windows 10 on nine hosts at seven sites, North (three) first; not Windows 11.
    let next = forecast["ending_next"].as_array().unwrap();
    let w10 = next
        .iter()
        .find(|e| e["cycle"] == "10-22h2")
        .unwrap_or_else(|| panic!("{forecast}"));
    assert_eq!(w10["ends_on"], "2025-10-14");
    assert_eq!(w10["hosts"], 9);
    let sites = w10["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 7);
    assert_eq!(sites[0]["site"], "North Surgery");
    assert_eq!(sites[0]["hosts"], 3);
    assert!(next.iter().all(|e| e["cycle"] != "11-24h2-w"), "{forecast}");
    for e in next {
        let ends_on: NaiveDate = e["ends_on"].as_str().unwrap().parse().unwrap();
        assert!(
            ends_on >= NaiveDate::from_ymd_opt(2025, 3, 3).unwrap()
                && ends_on < NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            "{e}"
        );
    }

    // The page: the chart's stacks, the table and the CSV are the same numbers as the JSON.
    let months: Vec<String> = forecast["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    let expected = json_totals(forecast);
    let (status, page) = server.get(&cookie, "/forecast").await;
    assert_eq!(status, 200, "{page}");
    let (chart, table) = page_totals(&page, &months);
    assert_eq!(chart, expected, "chart");
    assert_eq!(table, expected, "table");
    let (status, csv) = server.get(&cookie, "/exports/forecast.csv").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(csv_totals(&csv, &months), expected, "CSV:\n{csv}");
    assert!(csv.contains("2025-10,os,windows,Microsoft Windows,10-22h2,Windows 10 22H2,9\r\n"));
    // The chart is labelled; "what ends next" names five sites and counts the rest.
    assert!(page.contains("role=\"img\" aria-label=\"Hosts losing support per release"));
    assert!(page.contains("Windows 10 22H2"));
    assert!(page.contains(">North Surgery</a> (3)"), "{page}");
    assert!(page.contains("+2 more"), "{page}");

    // Filters apply: one site, one product.
    let north = server
        .get_json(&cookie, "/api/v1/forecast?site=North%20Surgery")
        .await;
    assert_eq!(
        release(&north["forecast"], "windows", "10-22h2")["total"],
        3
    );
    let python = server
        .get_json(&cookie, "/api/v1/forecast?product=python")
        .await;
    let releases = python["forecast"]["releases"].as_array().unwrap();
    assert!(
        releases.iter().all(|r| r["product_id"] == "python"),
        "{python}"
    );
    // The summary links to the forecast, keeping its filter.
    let (_, summary) = server.get(&cookie, "/?site=Site%204").await;
    assert!(
        summary.contains("href=\"/forecast?site=Site+4\""),
        "{summary}"
    );
}

async fn a_scoped_users_forecast_counts_only_their_subtree(backend: Backend) {
    let server = start(&backend).await;
    let (db, op, at) = (&server.state.db, Admin::operator(), server.state.now());
    admin::add_org(db, &op, "Example ICB", OrgKind::Icb, None, Some("QWE"), at)
        .await
        .unwrap();
    for (name, ods) in [("Alpha PCN", "U00001"), ("Bravo PCN", "U00002")] {
        admin::add_org(db, &op, name, OrgKind::Pcn, Some("QWE"), Some(ods), at)
            .await
            .unwrap();
    }
    let mut n = 0;
    for (site, org, count) in [
        ("Alpha Surgery", "U00001", 2),
        ("Bravo Surgery", "U00002", 5),
    ] {
        let (_, token) = admin::add_site(db, &op, site, Some(org), at).await.unwrap();
        for _ in 0..count {
            n += 1;
            let inv = host(n, &format!("WKS-{n}"), site, windows_10(), &[OLD_CHROME]);
            let (status, ack) = server.send(&token, &inv).await;
            assert_eq!(status, 200, "{ack}");
        }
    }
    let (alpha, _) = server.session_on("viewer", Some("U00001")).await;
    let answer = server.get_json(&alpha, "/api/v1/forecast").await;
    let windows_10 = release(&answer["forecast"], "windows", "10-22h2");
    assert_eq!(windows_10["total"], 2, "{answer}");
    let text = answer.to_string();
    assert!(!text.contains("Bravo"), "{text}");
    let (status, page) = server.get(&alpha, "/forecast").await;
    assert_eq!(status, 200);
    assert!(page.contains("Alpha Surgery") && !page.contains("Bravo Surgery"));
    let (_, csv) = server.get(&alpha, "/exports/forecast.csv").await;
    assert!(csv.contains("Windows 10 22H2,2\r\n"), "{csv}");
    let (status, _) = server.get(&alpha, "/api/v1/forecast?org=U00002").await;
    assert_eq!(status, 404);

    // The ICB's user sees both PCNs, and narrows to one with `?org=`.
    let (icb, _) = server.session_on("viewer", Some("QWE")).await;
    let answer = server.get_json(&icb, "/api/v1/forecast").await;
    assert_eq!(
        release(&answer["forecast"], "windows", "10-22h2")["total"],
        7
    );
    let answer = server.get_json(&icb, "/api/v1/forecast?org=U00002").await;
    let w10 = release(&answer["forecast"], "windows", "10-22h2");
    assert_eq!(w10["total"], 5);
    let ending = answer["forecast"]["ending_next"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["cycle"] == "10-22h2")
        .unwrap();
    assert_eq!(
        ending["sites"],
        serde_json::json!([{"site": "Bravo Surgery", "hosts": 5}])
    );
}

/// A Windows 7 PC is unsupported; in June 2021 its Oracle Java 8 was still supported (to
/// 2022-03-31), with a paid window to 2030-12-31 that no contract covers here. Its next date is
/// Java 8's end, not the paid window's (2031-01-01); a PC with nothing else to lose has none.
async fn an_unsupported_windows_7_hosts_next_date_is_to_come_or_none(backend: Backend) {
    let taken = at("2021-06-01T09:00:00Z");
    let today = taken.date_naive();
    let server = start_at(&backend, taken).await;
    let hosts = [
        host_at(
            taken,
            1,
            "WIN7-JAVA",
            "Ward",
            windows_7(),
            &[ORACLE_JAVA_8, OLD_CHROME],
        ),
        host_at(taken, 2, "WIN7-CHROME", "Ward", windows_7(), &[OLD_CHROME]),
    ];
    send_all(&server, &hosts).await;
    let cookie = server.session("viewer").await;
    let mut nexts = Vec::new();
    for inv in &hosts {
        let id = inv.host.host_id;
        let detail = server
            .get_json(&cookie, &format!("/api/v1/hosts/{id}"))
            .await;
        let h = &detail["host"];
        assert_eq!(h["status"], "unsupported", "{detail}");
        assert_eq!(h["os_status"], "unsupported", "{detail}");
        // The day after the earliest end to come among the items not yet unsupported, from the
        // host's own findings.
        let expected = detail["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] != "unsupported")
            .filter_map(|f| {
                let end = if f["status"] == "extended" {
                    &f["extended_support_end"]
                } else {
                    &f["security_support_end"]
                };
                end.as_str()?.parse::<NaiveDate>().ok()
            })
            .filter(|end| *end >= today)
            .min()
            .map(|end| end.succ_opt().unwrap().to_string());
        let next = h["next_unsupported_on"].as_str().map(str::to_string);
        assert_eq!(next, expected, "{}: {detail}", inv.host.hostname);
        let (status, page) = server.get(&cookie, &format!("/hosts/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Already unsupported"), "{page}");
        nexts.push(next);
    }
    assert_eq!(nexts, [Some("2022-04-01".to_string()), None]);
    let (_, list) = server.get(&cookie, "/hosts").await;
    assert!(
        list.contains("2022-04-01") && !list.contains("2031-01-01"),
        "{list}"
    );
    // The forecast counts the Java 8 host under March 2022.
    let answer = server.get_json(&cookie, "/api/v1/forecast").await;
    let java = release(&answer["forecast"], "oracle-jdk", "8");
    assert_eq!(
        java["hosts"][month_index(&answer["forecast"], "2022-03")],
        1
    );
}

/// The Windows 10 ESU licence of `year` (1 to 3), as the agent reports it.
fn esu_licence(year: u32) -> Cover {
    Cover {
        program: "windows-10-esu".to_string(),
        year: Some(year),
        state: CoverState::Licensed,
        evidence: Some("test".to_string()),
    }
}

/// In January 2027 a Windows 10 PC with its second ESU year is in extended support (`extended`)
/// and loses Windows 10 when its licence ends, 2027-10-13 — not when the ESU window ends
/// (2028-10-10, where the forecast once counted it); one with the third year counts when the
/// window ends; one without ESU is unsupported already and counts under nothing for Windows 10.
async fn a_host_in_covered_extended_support_counts_when_its_cover_ends(backend: Backend) {
    let taken = at("2027-01-15T09:00:00Z");
    let server = start_at(&backend, taken).await;
    let mut year_2 = host_at(taken, 1, "ESU-PC", "Ward", windows_10(), &[]);
    year_2.cover = vec![esu_licence(2)];
    let mut year_3 = host_at(taken, 3, "ESU3-PC", "Ward", windows_10(), &[]);
    year_3.cover = vec![esu_licence(3)];
    let plain = host_at(taken, 2, "PLAIN-PC", "Ward", windows_10(), &[]);
    send_all(&server, &[year_2.clone(), year_3.clone(), plain]).await;
    let cookie = server.session("viewer").await;
    for (host, next, end) in [
        (&year_2, "2027-10-14", "2027-10-13"),
        (&year_3, "2028-10-11", "2028-10-10"),
    ] {
        let detail = server
            .get_json(&cookie, &format!("/api/v1/hosts/{}", host.host.host_id))
            .await;
        assert_eq!(detail["host"]["os_status"], "extended", "{detail}");
        assert_eq!(detail["host"]["next_unsupported_on"], next, "{detail}");
        let windows = detail["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["product_id"] == "windows")
            .unwrap();
        assert_eq!(windows["extended_support_end"], end, "{windows}");
    }
    let answer = server.get_json(&cookie, "/api/v1/forecast").await;
    let forecast = &answer["forecast"];
    let windows_10 = release(forecast, "windows", "10-22h2");
    assert_eq!(windows_10["total"], 2, "{forecast}");
    assert_eq!(windows_10["hosts"][month_index(forecast, "2027-10")], 1);
    assert_eq!(windows_10["hosts"][month_index(forecast, "2028-10")], 1);
    // What ends in the next 12 months: the year-2 licence's host, on its licence's last day.
    let ending: Vec<&Value> = forecast["ending_next"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["product_id"] == "windows")
        .collect();
    assert_eq!(ending.len(), 1, "{forecast}");
    assert_eq!(ending[0]["ends_on"], "2027-10-13");
    assert_eq!(ending[0]["hosts"], 1);
}
