//! A headline that tells the truth (issue 16, part 3): the summary splits its unsupported hosts by
//! the risk register — "unsupported — no accepted risk", "risk accepted (until …)", and
//! acceptances that expired counted as unsupported again — in the page, the JSON API and the site
//! and organisation rows, for the caller's scope; and the register names the host, site,
//! organisation, product and release of each record and filters by owner and review date.
//!
//! The collector's clock is a `ManualClock`, moved past review dates, never slept on. In the
//! test catalogue, host `n` runs Windows 10 22H2 (unsupported) unless `n` is a multiple of 3
//! (Windows 11 24H2, supported), and every host has Python 2.7 (unsupported) and 3.12 (supported).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sunset_collector::admin::{self, Admin, RiskEntry};
use sunset_collector::clock::ManualClock;
use sunset_collector::org::OrgKind;
use sunset_collector::store::{self, RiskState, Scope, Selection, UnsupportedHosts};
use sunset_loadgen::fake;

use crate::util::{Backend, TestServer, start_with_clock};

backend_tests!(
    an_accepted_finding_moves_its_host_to_risk_accepted,
    a_host_level_acceptance_covers_all_its_findings,
    an_expired_acceptance_counts_as_unsupported_again,
    one_of_two_unsupported_findings_accepted_is_still_no_accepted_risk,
    the_register_names_hosts_products_and_releases_and_filters,
    a_scoped_users_headline_counts_only_their_subtree,
    the_headline_agrees_with_risk_state,
);

const START: &str = "2027-01-04T09:00:00Z";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A collector on `START` by its own clock, the background jobs kept out of the way.
async fn start(backend: &Backend) -> (TestServer, ManualClock) {
    let clock = ManualClock::new(at(START));
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(backend, true, tweak, clock.clock()).await;
    (server, clock)
}

/// Sends host `n`'s inventory to the site of `token`, taken now by the collector's clock.
async fn send(server: &TestServer, token: &str, n: u64) -> String {
    let inv = fake::inventory(n, 12, "Riverside", server.state.now());
    let (status, ack) = server.send(token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    inv.host.host_id.to_string()
}

/// The key of a host's finding of `product` in `cycle`.
async fn finding_key(server: &TestServer, host: &str, product: &str, cycle: &str) -> String {
    let cookie = server.session("viewer").await;
    let detail = server
        .get_json(&cookie, &format!("/api/v1/hosts/{host}"))
        .await;
    detail["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["product_id"] == product && f["cycle"] == cycle)
        .unwrap_or_else(|| panic!("no {product} {cycle} finding: {detail}"))["finding_key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Accepts the risk of a host's finding (`finding_key` empty: the whole host) until `review`.
async fn accept(server: &TestServer, host: &str, finding_key: &str, owner: &str, review: &str) {
    let entry = RiskEntry {
        finding_key,
        owner,
        mitigation: "Isolated VLAN",
        review_date: review,
    };
    admin::save_risk(&server.state, &Admin::operator(), host, entry)
        .await
        .unwrap();
}

/// The summary API's split of unsupported hosts, for a fresh session of the estate (or `org`).
async fn split(server: &TestServer, org: Option<&str>) -> Value {
    let (cookie, _) = server.session_on("viewer", org).await;
    let summary = server.get_json(&cookie, "/api/v1/summary").await;
    summary["summary"]["unsupported"].clone()
}

/// The expected split, as JSON.
fn expect(
    no_accepted: i64,
    accepted: i64,
    until: Option<&str>,
    expired: i64,
    on: Option<&str>,
) -> Value {
    serde_json::json!({
        "no_accepted_risk": no_accepted,
        "risk_accepted": accepted,
        "risk_accepted_until": until,
        "acceptance_expired": expired,
        "acceptance_expired_on": on,
    })
}

/// The summary page for a fresh session of the estate.
async fn page(server: &TestServer, path: &str) -> String {
    let cookie = server.session("viewer").await;
    let (status, page) = server.get(&cookie, path).await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn an_accepted_finding_moves_its_host_to_risk_accepted(backend: Backend) {
    let (server, _clock) = start(&backend).await;
    let token = server.site("Riverside").await;
    let one = send(&server, &token, 3).await; // one unsupported finding: Python 2.7
    send(&server, &token, 1).await; // two: Windows 10 and Python 2.7
    assert_eq!(split(&server, None).await, expect(2, 0, None, 0, None));

    let python = finding_key(&server, &one, "python", "2.7").await;
    accept(&server, &one, &python, "Practice manager", "2027-03-01").await;
    assert_eq!(
        split(&server, None).await,
        expect(1, 1, Some("2027-03-01"), 0, None)
    );
    let (cookie, _) = server.session_on("viewer", None).await;
    let summary = server.get_json(&cookie, "/api/v1/summary").await;
    assert_eq!(
        summary["summary"]["by_site"][0]["unsupported"]["risk_accepted"],
        1
    );
    let page = page(&server, "/").await;
    assert!(page.contains("risk accepted"), "{page}");
    assert!(page.contains("(until 2027-03-01)"), "{page}");
    assert!(page.contains("no accepted risk"), "{page}");
}

async fn a_host_level_acceptance_covers_all_its_findings(backend: Backend) {
    let (server, _clock) = start(&backend).await;
    let token = server.site("Riverside").await;
    let two = send(&server, &token, 1).await;
    assert_eq!(split(&server, None).await, expect(1, 0, None, 0, None));
    accept(&server, &two, "", "Practice manager", "2027-02-01").await;
    assert_eq!(
        split(&server, None).await,
        expect(0, 1, Some("2027-02-01"), 0, None)
    );
}

async fn an_expired_acceptance_counts_as_unsupported_again(backend: Backend) {
    let (server, clock) = start(&backend).await;
    let token = server.site("Riverside").await;
    let host = send(&server, &token, 3).await;
    let python = finding_key(&server, &host, "python", "2.7").await;
    accept(&server, &host, &python, "Practice manager", "2027-01-10").await;
    assert_eq!(
        split(&server, None).await,
        expect(0, 1, Some("2027-01-10"), 0, None)
    );
    // The review date is the last day the acceptance holds.
    clock.set(at("2027-01-10T23:00:00Z"));
    assert_eq!(split(&server, None).await["risk_accepted"], 1);

    clock.set(at("2027-01-11T09:00:00Z"));
    assert_eq!(
        split(&server, None).await,
        expect(1, 0, None, 1, Some("2027-01-10"))
    );
    let summary = page(&server, "/").await;
    assert!(
        summary.contains("acceptance expired on 2027-01-10"),
        "{summary}"
    );
    let register = page(&server, "/risks").await;
    assert!(
        register.contains("acceptance expired on 2027-01-10"),
        "{register}"
    );
    let (cookie, _) = server.session_on("viewer", None).await;
    let risks = server.get_json(&cookie, "/api/v1/risks").await;
    assert_eq!(risks["risks"][0]["state"], "expired", "{risks}");
    let host_page = page(&server, &format!("/hosts/{host}")).await;
    assert!(host_page.contains("acceptance expired on 2027-01-10"));
}

async fn one_of_two_unsupported_findings_accepted_is_still_no_accepted_risk(backend: Backend) {
    let (server, _clock) = start(&backend).await;
    let token = server.site("Riverside").await;
    let host = send(&server, &token, 1).await;
    let windows = finding_key(&server, &host, "windows", "10-22h2").await;
    accept(&server, &host, &windows, "Practice manager", "2027-02-01").await;
    assert_eq!(split(&server, None).await, expect(1, 0, None, 0, None));
}

async fn the_register_names_hosts_products_and_releases_and_filters(backend: Backend) {
    let (server, clock) = start(&backend).await;
    let token = server.site("Riverside").await;
    let one = send(&server, &token, 1).await;
    let three = send(&server, &token, 3).await;
    let windows = finding_key(&server, &one, "windows", "10-22h2").await;
    let python = finding_key(&server, &three, "python", "2.7").await;
    accept(&server, &one, "", "Practice Manager", "2027-03-05").await;
    accept(&server, &one, &windows, "IT lead", "2027-01-09").await;
    accept(&server, &three, &python, "IT lead (ICB)", "2027-01-24").await;

    let (cookie, _) = server.session_on("viewer", None).await;
    let all = server.get_json(&cookie, "/api/v1/risks").await;
    let rows = all["risks"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{all}");
    let row = |key: &str| {
        rows.iter()
            .find(|r| r["finding_key"] == key)
            .unwrap_or_else(|| panic!("no record for {key}: {all}"))
    };
    let os = row(&windows);
    assert_eq!(os["hostname"], "WKS-00001");
    assert_eq!(os["site"], "Riverside");
    assert_eq!(os["organisation"], "Estate");
    assert_eq!(os["product"], "Microsoft Windows");
    assert_eq!(os["release"], "Windows 10 22H2");
    assert_eq!(os["finding_status"], "unsupported");
    assert_eq!(os["review_date"], "2027-01-09");
    assert_eq!(os["state"], "accepted");
    let py = row(&python);
    assert_eq!(
        (py["hostname"].as_str(), py["product"].as_str()),
        (Some("WKS-00003"), Some("Python"))
    );
    assert_eq!(py["release"], "2.7");
    assert_eq!(
        row("")["product"],
        Value::Null,
        "a whole-host record has no product"
    );

    let page = page(&server, "/risks").await;
    for shown in [
        "WKS-00001",
        "WKS-00003",
        "Riverside",
        "Estate",
        "Microsoft Windows — Windows 10 22H2",
        "Python — 2.7",
        "whole host",
    ] {
        assert!(
            page.contains(shown),
            "the register shows {shown:?}:\n{page}"
        );
    }
    assert!(
        !page.contains(&windows) && !page.contains(&python),
        "no internal keys:\n{page}"
    );

    let keys = async |query: &str| -> Vec<String> {
        let (cookie, _) = server.session_on("viewer", None).await;
        let found = server
            .get_json(&cookie, &format!("/api/v1/risks?{query}"))
            .await;
        let mut keys: Vec<String> = found["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["finding_key"].as_str().unwrap().to_string())
            .collect();
        keys.sort();
        keys
    };
    let mut it_lead = vec![windows.clone(), python.clone()];
    it_lead.sort();
    assert_eq!(keys("owner=it+LEAD").await, it_lead);
    assert_eq!(keys("owner=manager").await, [""]);
    assert_eq!(keys("review=due&days=7").await, [windows.as_str()]);
    assert_eq!(keys("review=due").await, it_lead, "30 days by default");
    assert_eq!(keys("review=before&date=2027-03-01").await, it_lead);
    assert_eq!(keys("review=overdue").await, Vec::<String>::new());
    let (status, text) = server.get(&cookie, "/api/v1/risks?review=soon").await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("\"field\":\"review\""), "{text}");

    // After the Windows record's review date, it alone is overdue.
    clock.set(at("2027-01-12T09:00:00Z"));
    assert_eq!(keys("review=overdue").await, [windows.as_str()]);
    assert_eq!(keys("review=overdue&owner=ICB").await, Vec::<String>::new());
    assert_eq!(keys("review=due&days=14").await, [python.as_str()]);
    let overdue = self::page(&server, "/risks?review=overdue").await;
    assert!(
        overdue.contains("1 record") && overdue.contains("WKS-00001"),
        "{overdue}"
    );
    assert!(!overdue.contains("WKS-00003"), "{overdue}");
}

async fn a_scoped_users_headline_counts_only_their_subtree(backend: Backend) {
    let (server, _clock) = start(&backend).await;
    let (db, op, now) = (&server.state.db, Admin::operator(), server.state.now());
    let add = async |name: &str, kind, parent: Option<&str>, ods: &str| {
        admin::add_org(db, &op, name, kind, parent, Some(ods), now)
            .await
            .unwrap()
    };
    add("Example ICB", OrgKind::Icb, None, "QWE").await;
    add("Alpha PCN", OrgKind::Pcn, Some("QWE"), "U00001").await;
    add("Bravo PCN", OrgKind::Pcn, Some("QWE"), "U00002").await;
    let mut tokens = HashMap::new();
    for (site, org) in [("Alpha Surgery", "U00001"), ("Bravo Surgery", "U00002")] {
        let (_, token) = admin::add_site(db, &op, site, Some(org), now)
            .await
            .unwrap();
        tokens.insert(site, token);
    }
    // Alpha: one host accepted, one not. Bravo: two accepted (one host-level), one not.
    let alpha = &tokens["Alpha Surgery"];
    let a3 = send(&server, alpha, 3).await;
    send(&server, alpha, 1).await;
    let key = finding_key(&server, &a3, "python", "2.7").await;
    accept(&server, &a3, &key, "Alpha owner", "2027-02-01").await;
    let bravo = &tokens["Bravo Surgery"];
    let b4 = send(&server, bravo, 4).await;
    let b6 = send(&server, bravo, 6).await;
    send(&server, bravo, 7).await;
    accept(&server, &b4, "", "Bravo owner", "2027-03-01").await;
    let key = finding_key(&server, &b6, "python", "2.7").await;
    accept(&server, &b6, &key, "Bravo owner", "2027-02-15").await;

    assert_eq!(
        split(&server, Some("U00001")).await,
        expect(1, 1, Some("2027-02-01"), 0, None)
    );
    assert_eq!(
        split(&server, Some("U00002")).await,
        expect(1, 2, Some("2027-02-15"), 0, None)
    );
    assert_eq!(
        split(&server, Some("QWE")).await,
        expect(2, 3, Some("2027-02-01"), 0, None)
    );
    // `?org=` narrows the ICB user's headline the same way.
    let (icb, _) = server.session_on("viewer", Some("QWE")).await;
    let bravo_only = server.get_json(&icb, "/api/v1/summary?org=U00002").await;
    assert_eq!(
        bravo_only["summary"]["unsupported"],
        expect(1, 2, Some("2027-02-15"), 0, None)
    );
    // The ICB's page rolls its PCNs up with the split: hosts, no accepted risk, risk accepted.
    let (_, page) = server.get(&icb, "/").await;
    for (pcn, cells) in [
        (
            "Alpha PCN [U00001]",
            "2</td><td class=\"num\">1</td><td class=\"num\">1</td>",
        ),
        (
            "Bravo PCN [U00002]",
            "3</td><td class=\"num\">1</td><td class=\"num\">2</td>",
        ),
    ] {
        let row = format!(">{pcn}</a></td><td>pcn</td><td class=\"num\">{cells}");
        assert!(page.contains(&row), "no roll-up row {row}:\n{page}");
    }
    // A PCN user's register holds their own records only.
    let (alpha_user, _) = server.session_on("viewer", Some("U00001")).await;
    let (_, register) = server.get(&alpha_user, "/risks").await;
    assert!(
        register.contains("Alpha owner") && !register.contains("Bravo owner"),
        "{register}"
    );
}

async fn the_headline_agrees_with_risk_state(backend: Backend) {
    let (server, clock) = start(&backend).await;
    let (north, south) = (server.site("North").await, server.site("South").await);
    let mut hosts = Vec::new();
    for n in 1..=12 {
        let token = if n % 2 == 1 { &north } else { &south };
        hosts.push(send(&server, token, n).await);
    }
    let host = |n: usize| hosts[n - 1].as_str();
    let py = async |n: usize| finding_key(&server, host(n), "python", "2.7").await;
    let win = async |n: usize| finding_key(&server, host(n), "windows", "10-22h2").await;
    let (soon, later, gone) = ("2027-01-09", "2027-01-20", "2027-01-08");
    accept(&server, host(1), "", "o", later).await; // accepted
    accept(&server, host(2), "", "o", gone).await; // expired
    accept(&server, host(3), &py(3).await, "o", gone).await; // expired (its only one)
    accept(&server, host(4), &py(4).await, "o", later).await; // Windows expired, Python held
    accept(&server, host(4), &win(4).await, "o", gone).await;
    accept(&server, host(5), "", "o", later).await; // its own expired record wins over the host's
    accept(&server, host(5), &py(5).await, "o", gone).await;
    accept(&server, host(6), "", "o", gone).await; // its own record in force wins: accepted
    accept(&server, host(6), &py(6).await, "o", later).await;
    accept(&server, host(7), &win(7).await, "o", later).await; // Python not covered
    accept(&server, host(8), "", "o", soon).await; // expired, though Windows is held
    accept(&server, host(8), &win(8).await, "o", later).await;
    let supported = finding_key(&server, host(9), "python", "3.12").await;
    accept(&server, host(9), &supported, "o", gone).await; // a supported finding: no part
    accept(&server, host(10), "", "o", "2027-01-15").await; // accepted
    clock.set(at("2027-01-10T09:00:00Z"));
    let today = server.state.today();

    // By `risk_state` (the authoritative rules), from every finding and record.
    let db = &server.state.db;
    let everything = Selection::new(Scope::estate());
    let cutoff = server.state.stale_cutoff();
    let (findings, _) =
        store::findings(db, &everything, &cutoff, store::Sort::default(), 10_000, 0)
            .await
            .unwrap();
    let risks = store::risks(db, &everything, &cutoff).await.unwrap();
    let (host_rows, _) = store::hosts(db, &everything, &cutoff, store::Sort::default(), 100, 0)
        .await
        .unwrap();
    let mut expected: HashMap<String, UnsupportedHosts> = HashMap::new();
    for h in host_rows
        .iter()
        .filter(|h| h.status.as_str() == "unsupported")
    {
        let states: Vec<RiskState> = findings
            .iter()
            .filter(|f| f.host_id == h.host_id && f.status.as_str() == "unsupported")
            .map(|f| store::risk_state(&risks, &f.host_id, &f.finding_key, f.status, today))
            .collect();
        let accepted_until = states.iter().try_fold(None::<NaiveDate>, |min, s| match s {
            RiskState::Accepted(r) => {
                Some(Some(min.map_or(r.review_date, |m| m.min(r.review_date))))
            }
            _ => None,
        });
        let expired_on = states
            .iter()
            .filter_map(|s| match s {
                RiskState::Overdue(r) => Some(r.review_date),
                _ => None,
            })
            .min();
        let mut one = UnsupportedHosts::default();
        match accepted_until {
            Some(until) => {
                one.risk_accepted = 1;
                one.risk_accepted_until = until;
            }
            None => {
                one.no_accepted_risk = 1;
                one.acceptance_expired = i64::from(expired_on.is_some());
                one.acceptance_expired_on = expired_on;
            }
        }
        expected.entry(h.site.clone()).or_default().add(&one);
    }
    let mut expected_total = UnsupportedHosts::default();
    expected.values().for_each(|s| expected_total.add(s));

    // By the summary's SQL.
    let summary = store::summary(db, &everything, &cutoff, today)
        .await
        .unwrap();
    let by_site: HashMap<String, UnsupportedHosts> = summary
        .by_site
        .iter()
        .map(|s| (s.site.clone(), s.unsupported))
        .collect();
    assert_eq!(by_site, expected);
    assert_eq!(summary.unsupported, expected_total);
    // And the numbers the comments above promise.
    assert_eq!(
        summary.unsupported,
        UnsupportedHosts {
            no_accepted_risk: 9,
            risk_accepted: 3,
            risk_accepted_until: Some(day("2027-01-15")),
            acceptance_expired: 5,
            acceptance_expired_on: Some(day(gone)),
        }
    );
}
