//! The trend (issue 16, part 5): daily snapshots of hosts by organisation (rolled up over its
//! subtree), part and status, taken on days set by the collector's clock (moved, never slept on);
//! a day taken again is replaced, not doubled; snapshots older than 25 months are pruned; the
//! summary's chart and the CSV export show the days; a user of one organisation cannot see
//! another's trend; the scheduler takes one a day by itself; `sunset-collector snapshot` takes one
//! now.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sunset_catalog::evaluate::Status;
use sunset_collector::clock::ManualClock;
use sunset_collector::config::FileConfig;
use sunset_collector::db::Db;
use sunset_collector::jobs;
use sunset_collector::store::{self, Part, Scope, Selection};
use sunset_loadgen::fake;

use crate::util::{Backend, EXAMPLE_ICB, EXAMPLE_SITES, TestServer, start_with_clock};

backend_tests!(
    snapshots_count_each_organisation_by_part_and_status_with_roll_up,
    a_day_taken_again_replaces_its_rows,
    snapshots_are_pruned_after_25_months,
    the_chart_and_the_csv_show_the_days,
    a_scoped_user_sees_only_their_organisations_trend,
    the_scheduler_takes_one_snapshot_a_day,
    two_collectors_write_a_day_once,
    the_snapshot_command_takes_one_now,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Counts as `(day, org_id, part, status) -> hosts`.
type Counts = BTreeMap<(String, String, Part, Status), i64>;

/// An ICB with two PCNs of one practice each: hosts 1–3 in Alpha's practice, host 4 on a site of
/// Alpha PCN itself, hosts 5–6 in Bravo's practice. Returns the server, the clock and the sites'
/// tokens (Alpha practice, Alpha PCN, Bravo practice).
async fn estate(backend: &Backend) -> (TestServer, ManualClock, [String; 3]) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    // The background jobs run once at start and then keep out of the way.
    let tweak = |file: &mut FileConfig| file.jobs_interval_seconds = Some(3600);
    let server = start_with_clock(backend, true, tweak, clock.clock()).await;
    let tokens = server.org_tree(&EXAMPLE_ICB, &EXAMPLE_SITES).await;
    for (n, token) in [(1, 0), (2, 0), (3, 0), (4, 1), (5, 2), (6, 2)] {
        send(&server, &clock, &tokens[token], n).await;
    }
    (server, clock, tokens.try_into().unwrap())
}

async fn send(server: &TestServer, clock: &ManualClock, token: &str, n: u64) {
    let inv = fake::inventory(n, 12, "Riverside", clock.clock().now());
    let (status, ack) = server.send(token, &inv).await;
    assert_eq!(status, 200, "{ack}");
}

/// Takes today's snapshot as `sunset-collector snapshot` does.
async fn snapshot(server: &TestServer) -> store::SnapshotReport {
    let state = &server.state;
    jobs::snapshot(&state.db, state.today(), state.now(), true)
        .await
        .unwrap()
        .unwrap()
}

/// Every stored count, from the store's read side, for the organisations `orgs` name.
async fn stored(server: &TestServer, orgs: &[&str]) -> Counts {
    let mut out = Counts::new();
    for org in orgs {
        let scope = store::find_org(&server.state.db, &Scope::estate(), org)
            .await
            .unwrap()
            .scope();
        let trend = store::trend(&server.state.db, &scope, day("2000-01-01"), None)
            .await
            .unwrap();
        for r in trend.rows {
            out.insert((r.day, r.org_id, r.part, r.status), r.hosts);
        }
    }
    out
}

/// What the snapshot of `today` must say of `org`, counted from its hosts as listed now.
async fn expected(server: &TestServer, org: &str, today: &str) -> Counts {
    let db = &server.state.db;
    let found = store::find_org(db, &Scope::estate(), org).await.unwrap();
    let selection = Selection::new(found.scope());
    let (hosts, _) = store::hosts(
        db,
        &selection,
        &server.state.stale_cutoff(),
        store::Sort::default(),
        1000,
        0,
    )
    .await
    .unwrap();
    let mut out = Counts::new();
    for h in hosts {
        for (part, status) in [
            (Part::Overall, Some(h.status)),
            (Part::Os, h.os_status),
            (Part::Software, h.software_status),
            (Part::Hardware, h.hardware_status),
        ] {
            if let Some(status) = status {
                *out.entry((today.to_string(), found.id.clone(), part, status))
                    .or_default() += 1;
            }
        }
    }
    out
}

/// The day's counts of `org` only.
fn of_day(counts: &Counts, today: &str) -> Counts {
    counts
        .iter()
        .filter(|((d, ..), _)| d == today)
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

fn overall_total(counts: &Counts, org_id: &str, today: &str) -> i64 {
    counts
        .iter()
        .filter(|((d, o, p, _), _)| d == today && o == org_id && *p == Part::Overall)
        .map(|(_, n)| n)
        .sum()
}

async fn org_id(server: &TestServer, org: &str) -> String {
    store::find_org(&server.state.db, &Scope::estate(), org)
        .await
        .unwrap()
        .id
}

async fn snapshots_count_each_organisation_by_part_and_status_with_roll_up(backend: Backend) {
    let (server, clock, tokens) = estate(&backend).await;
    let orgs = ["QWE", "U00001", "A81001", "U00002", "B81001"];
    let first = snapshot(&server).await;
    assert_eq!(first.day, "2029-01-02");
    assert_eq!(first.hosts, 6);
    // The root, the ICB, both PCNs and both practices.
    assert_eq!(first.organisations, 6, "{first:?}");
    let counts = stored(&server, &orgs).await;
    for org in orgs {
        let want = expected(&server, org, "2029-01-02").await;
        let id = org_id(&server, org).await;
        let got: Counts = of_day(&counts, "2029-01-02")
            .into_iter()
            .filter(|((_, o, ..), _)| *o == id)
            .collect();
        assert_eq!(got, want, "{org} on the first day");
    }
    // Roll-up: a PCN counts its own site's hosts and its practice's; the ICB both PCNs'.
    for (org, total) in [
        ("A81001", 3),
        ("U00001", 4),
        ("B81001", 2),
        ("U00002", 2),
        ("QWE", 6),
    ] {
        let id = org_id(&server, org).await;
        assert_eq!(overall_total(&counts, &id, "2029-01-02"), total, "{org}");
    }
    let root = stored(&server, &[store::ROOT_ORG_ID]).await;
    assert_eq!(
        overall_total(&root, store::ROOT_ORG_ID, "2029-01-02"),
        6,
        "the whole estate"
    );

    // Months later Windows 11 24H2 (host 3) has passed its end of support in the test catalogue,
    // and Bravo has a third host: the new day says so, the first day stays as it was.
    clock.set(at("2029-10-10T09:00:00Z"));
    jobs::keep_verdicts_current(&server.state).await.unwrap();
    send(&server, &clock, &tokens[2], 7).await;
    let second = snapshot(&server).await;
    assert_eq!((second.day.as_str(), second.hosts), ("2029-10-10", 7));
    let later = stored(&server, &orgs).await;
    assert_eq!(
        of_day(&later, "2029-01-02"),
        of_day(&counts, "2029-01-02"),
        "an earlier day is never rewritten"
    );
    for org in orgs {
        let want = expected(&server, org, "2029-10-10").await;
        let id = org_id(&server, org).await;
        let got: Counts = of_day(&later, "2029-10-10")
            .into_iter()
            .filter(|((_, o, ..), _)| *o == id)
            .collect();
        assert_eq!(got, want, "{org} on the second day");
    }
    let alpha = org_id(&server, "A81001").await;
    let os_unsupported = |counts: &Counts, d: &str| {
        counts
            .get(&(d.to_string(), alpha.clone(), Part::Os, Status::Unsupported))
            .copied()
            .unwrap_or(0)
    };
    assert!(
        os_unsupported(&later, "2029-10-10") > os_unsupported(&later, "2029-01-02"),
        "host 3's OS became unsupported: {later:?}"
    );
    let bravo = org_id(&server, "U00002").await;
    assert_eq!(overall_total(&later, &bravo, "2029-10-10"), 3);
    assert_eq!(overall_total(&later, &bravo, "2029-01-02"), 2);
    let trend = store::trend(
        &server.state.db,
        &Scope::estate(),
        day("2029-01-01"),
        Some(Part::Os),
    )
    .await
    .unwrap();
    assert_eq!(trend.days, ["2029-01-02", "2029-10-10"]);
    assert!(trend.rows.iter().all(|r| r.part == Part::Os));
}

async fn a_day_taken_again_replaces_its_rows(backend: Backend) {
    let (server, clock, tokens) = estate(&backend).await;
    snapshot(&server).await;
    let before = stored(&server, &["QWE"]).await;
    let qwe = org_id(&server, "QWE").await;
    assert_eq!(overall_total(&before, &qwe, "2029-01-02"), 6);
    // The same day, later: two more hosts, and the snapshot taken again.
    clock.advance(Duration::from_secs(3600));
    send(&server, &clock, &tokens[0], 8).await;
    send(&server, &clock, &tokens[2], 9).await;
    let again = snapshot(&server).await;
    assert_eq!((again.day.as_str(), again.hosts), ("2029-01-02", 8));
    let after = stored(&server, &["QWE", "A81001", "B81001"]).await;
    assert_eq!(
        overall_total(&after, &qwe, "2029-01-02"),
        8,
        "replaced, not doubled"
    );
    for org in ["QWE", "A81001", "B81001"] {
        let id = org_id(&server, org).await;
        let got: Counts = after
            .iter()
            .filter(|((_, o, ..), _)| *o == id)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(got, expected(&server, org, "2029-01-02").await, "{org}");
    }
    // A third run with nothing new writes exactly the same rows.
    snapshot(&server).await;
    assert_eq!(stored(&server, &["QWE", "A81001", "B81001"]).await, after);
    let days = store::trend(&server.state.db, &Scope::estate(), day("2000-01-01"), None)
        .await
        .unwrap()
        .days;
    assert_eq!(days, ["2029-01-02"]);
}

async fn snapshots_are_pruned_after_25_months(backend: Backend) {
    let (server, clock, _) = estate(&backend).await;
    let all_days = async || {
        store::trend(&server.state.db, &Scope::estate(), day("2000-01-01"), None)
            .await
            .unwrap()
    };
    snapshot(&server).await; // 2029-01-02
    clock.set(at("2030-01-02T09:00:00Z"));
    snapshot(&server).await;
    // Exactly 25 months after the first: still kept.
    clock.set(at("2031-02-02T09:00:00Z"));
    let kept = snapshot(&server).await;
    assert_eq!(kept.pruned, 0);
    let trend = all_days().await;
    assert_eq!(trend.days, ["2029-01-02", "2030-01-02", "2031-02-02"]);
    // A day later the first day goes, its counts with it; the next year's stays.
    clock.set(at("2031-02-03T09:00:00Z"));
    let pruned = snapshot(&server).await;
    assert!(pruned.pruned > 1, "{pruned:?}");
    let trend = all_days().await;
    assert_eq!(trend.days, ["2030-01-02", "2031-02-02", "2031-02-03"]);
    assert!(trend.rows.iter().all(|r| r.day.as_str() >= "2030-01-02"));
    assert!(trend.rows.iter().any(|r| r.day == "2030-01-02"));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trend_counts WHERE day < $1")
        .bind("2030-01-02")
        .fetch_one(server.state.db.reader())
        .await
        .unwrap();
    assert_eq!(left, 0, "no organisation keeps rows of a pruned day");
}

async fn the_chart_and_the_csv_show_the_days(backend: Backend) {
    let (server, clock, _) = estate(&backend).await;
    for at_day in [
        "2029-01-02T09:00:00Z",
        "2029-01-03T09:00:00Z",
        "2029-01-05T09:00:00Z",
    ] {
        clock.set(at(at_day));
        snapshot(&server).await;
    }
    let cookie = server.session("viewer").await;
    let (status, page) = server.get(&cookie, "/").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(r#"role="img" aria-labelledby="trend-title trend-desc""#),
        "{page}"
    );
    assert!(page.contains("<title id=\"trend-title\">Estate: hosts by worst status (overall), daily, 2028-01-06 to 2029-01-05</title>"), "{page}");
    for d in ["2029-01-02: ", "2029-01-03: ", "2029-01-05: "] {
        assert!(page.contains(&format!("<title>{d}")), "the chart has {d}");
    }
    assert!(!page.contains("<title>2029-01-04: "), "no snapshot, no day");
    assert!(!page.contains("<script"), "no JavaScript");
    // One part; the organisation's own chart, on its view of the summary.
    let (status, page) = server.get(&cookie, "/?org=U00002&target=hardware").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Bravo PCN [U00002]: hosts by worst status (hardware)"),
        "{page}"
    );
    assert!(page.contains("<title>2029-01-05: "), "{page}");

    let (status, csv) = server.get(&cookie, "/exports/trend.csv").await;
    assert_eq!(status, 200, "{csv}");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("day,org_id,part,status,hosts"));
    for d in ["2029-01-02", "2029-01-03", "2029-01-05"] {
        let line = format!("{d},{},overall,", store::ROOT_ORG_ID);
        assert!(csv.contains(&line), "the CSV has {d}:\n{csv}");
    }
    let (status, csv) = server
        .get(&cookie, "/exports/trend.csv?org=B81001&target=os")
        .await;
    assert_eq!(status, 200, "{csv}");
    let bravo = org_id(&server, "B81001").await;
    for line in csv.lines().skip(1) {
        assert!(line.contains(&format!(",{bravo},os,")), "{line}");
    }
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("2029-01-05,")).count(),
        csv.lines().filter(|l| l.starts_with("2029-01-02,")).count()
    );

    let json: Value = server.get_json(&cookie, "/api/v1/trend").await;
    assert_eq!(
        json["days"],
        serde_json::json!(["2029-01-02", "2029-01-03", "2029-01-05"])
    );
    assert_eq!(json["keep_months"], 25);
    assert_eq!(json["org"]["name"], "Estate");
    let total: i64 = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["day"] == "2029-01-05" && r["part"] == "overall")
        .map(|r| r["hosts"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 6);
    let (status, body) = server.get(&cookie, "/api/v1/trend?target=firmware").await;
    assert_eq!(status, 400, "{body}");
}

async fn a_scoped_user_sees_only_their_organisations_trend(backend: Backend) {
    let (server, _clock, _) = estate(&backend).await;
    snapshot(&server).await;
    let (alpha, _) = server.session_on("viewer", Some("U00001")).await;
    let alpha_id = org_id(&server, "U00001").await;
    let json: Value = server.get_json(&alpha, "/api/v1/trend").await;
    assert_eq!(json["org"]["id"], alpha_id.as_str());
    let rows = json["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r["org_id"] == alpha_id.as_str()),
        "{json}"
    );
    let total: i64 = rows
        .iter()
        .filter(|r| r["part"] == "overall")
        .map(|r| r["hosts"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 4, "Alpha PCN's own site and its practice");
    // Inside their scope, narrowed; outside it, the same answer as an organisation that does not
    // exist, on the API, the CSV export and the summary's chart alike.
    let json: Value = server.get_json(&alpha, "/api/v1/trend?org=A81001").await;
    assert_eq!(json["org"]["ods_code"], "A81001");
    let bravo_id = org_id(&server, "B81001").await;
    let icb_id = org_id(&server, "QWE").await;
    for path in ["/api/v1/trend", "/exports/trend.csv", "/"] {
        let (status, missing) = server.get(&alpha, &format!("{path}?org=Nowhere")).await;
        assert_eq!(status, 404, "{path}: {missing}");
        for org in ["U00002", "B81001", "QWE", bravo_id.as_str()] {
            let (status, body) = server.get(&alpha, &format!("{path}?org={org}")).await;
            assert_eq!(status, 404, "{path}?org={org}: {body}");
            assert_eq!(body.replace(org, "Nowhere"), missing, "{path}?org={org}");
        }
        let (_, body) = server.get(&alpha, path).await;
        for foreign in [
            bravo_id.as_str(),
            // The ICB above them, whose id the organisation's parent would have given away.
            icb_id.as_str(),
            "Example ICB",
            "Bravo",
            "U00002",
            "B81001",
            store::ROOT_ORG_ID,
        ] {
            assert!(!body.contains(foreign), "{path} shows {foreign}");
        }
    }
}

async fn the_scheduler_takes_one_snapshot_a_day(backend: Backend) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    let tweak = |file: &mut FileConfig| file.jobs_interval_seconds = Some(1);
    let server = start_with_clock(&backend, true, tweak, clock.clock()).await;
    let db = &server.state.db;
    let taken = async |d: &str| {
        for _ in 0..200 {
            if store::snapshot_taken(db, day(d)).await.unwrap() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(taken("2029-01-02").await, "taken on the first tick");
    let token = server.site("Riverside").await;
    send(&server, &clock, &token, 1).await;
    // The next day (by the collector's clock) the scheduler re-judges, then takes the new day.
    clock.set(at("2029-01-03T00:05:00Z"));
    assert!(taken("2029-01-03").await, "taken on the new day");
    let trend = store::trend(db, &Scope::estate(), day("2029-01-01"), Some(Part::Overall))
        .await
        .unwrap();
    assert_eq!(trend.days, ["2029-01-02", "2029-01-03"]);
    let hosts: i64 = trend
        .rows
        .iter()
        .filter(|r| r.day == "2029-01-03")
        .map(|r| r.hosts)
        .sum();
    assert_eq!(hosts, 1);
    // Later ticks the same day leave it alone.
    let taken_at = || async {
        sqlx::query_scalar::<_, String>("SELECT taken_at FROM trend_days WHERE day = $1")
            .bind("2029-01-03")
            .fetch_one(db.reader())
            .await
            .unwrap()
    };
    let first = taken_at().await;
    clock.advance(Duration::from_secs(600));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(taken_at().await, first);
}

async fn two_collectors_write_a_day_once(backend: Backend) {
    let (server, clock, _) = estate(&backend).await;
    // A day the scheduler (which ran once at start) has not taken.
    clock.set(at("2029-01-03T09:00:00Z"));
    // A second collector on the same database: its own pool and its own in-process locks.
    let other = Db::open(&server.config).await.unwrap();
    let (state, now) = (&server.state, server.state.now());
    let (a, b) = tokio::join!(
        jobs::snapshot(&state.db, state.today(), now, false),
        jobs::snapshot(&other, state.today(), now, false),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    if let Backend::Postgres(_) = backend {
        // The job's advisory lock lets one take the day; the other finds it taken, or held.
        assert!(a.is_some() != b.is_some(), "{a:?} {b:?}");
    }
    let counts = stored(&server, &["QWE"]).await;
    let qwe = org_id(&server, "QWE").await;
    assert_eq!(
        overall_total(&counts, &qwe, "2029-01-03"),
        6,
        "written once"
    );
    other.close().await;
}

async fn the_snapshot_command_takes_one_now(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::util::database_url(&backend, dir.path()).await;
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {url:?}\ncatalog_dir = {:?}\n",
            crate::util::fixture_catalog().display().to_string()
        ),
    )
    .unwrap();
    let run = || {
        let output = Command::new(env!("CARGO_BIN_EXE_sunset-collector"))
            .arg("--config")
            .arg(&config)
            .arg("snapshot")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        out
    };
    let today = Utc::now().date_naive().to_string();
    let out = run();
    assert!(
        out.starts_with(&format!("trend snapshot of {today}: 0 host(s)")),
        "{out}"
    );
    assert!(run().contains("0 row(s) older than 25 months pruned"));
}
