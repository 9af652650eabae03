//! The evidence pack (issue 16 part 6): the zip opens and holds every section — the asset
//! register, the items with their risk records, the totals and the requirement mapping — for the
//! caller's organisations only; accepted and lapsed risks carry their owner, mitigation, review
//! date and who accepted them; the CSV sections parse with the `csv` crate; the pages page.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use chrono::{DateTime, Duration, Utc};
use sunset_collector::admin::{self, Admin, RiskEntry};
use sunset_collector::clock::ManualClock;
use sunset_collector::store::{self, Scope};
use sunset_loadgen::fake;

use crate::util::{
    Backend, EXAMPLE_ICB, EXAMPLE_SITES, TestServer, inventory, start, start_with_clock,
};

backend_tests!(
    the_zip_holds_every_section_for_the_callers_organisations_only,
    the_sections_parse_and_the_pages_page,
    the_pack_totals_split_hosts_as_the_summary_headline_does,
);

type Record = HashMap<String, String>;

/// The records of a CSV text, by column name.
fn records(text: &str) -> Vec<Record> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("CSV does not parse: {e}\n{text}"))
}

/// Runs `sql` on the collector's database with `$1` the host id `host` (stored state the
/// collector's own paths do not make).
async fn on_host(server: &TestServer, sql: &str, host: &str) {
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query(sql)
                .bind(host.to_string())
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
}

/// The one record whose `column` is `value`.
fn row<'a>(records: &'a [Record], column: &str, value: &str) -> &'a Record {
    let found: Vec<&Record> = records.iter().filter(|r| r[column] == value).collect();
    assert_eq!(found.len(), 1, "{column} = {value}: {records:?}");
    found[0]
}

/// GETs `path` with a session; the status, content type and body bytes.
async fn download(server: &TestServer, cookie: &str, path: &str) -> (u16, String, Vec<u8>) {
    let response = server
        .client
        .get(format!("{}{path}", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// The files of a zip, by name.
fn unzip(bytes: Vec<u8>) -> HashMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the zip opens");
    let mut files = HashMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().unwrap().to_string(), text);
    }
    files
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// The key of a host's unsupported finding of `product`.
async fn finding_key(server: &TestServer, host_id: &str, product: &str) -> String {
    let host = store::host(&server.state.db, &Scope::estate(), host_id)
        .await
        .unwrap()
        .unwrap();
    host.findings
        .iter()
        .find(|(f, _)| f.product_id == product)
        .map(|(f, _)| f.finding_key.clone())
        .unwrap()
}

async fn the_zip_holds_every_section_for_the_callers_organisations_only(backend: Backend) {
    let clock = ManualClock::new(at("2026-12-04T09:00:00Z"));
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(&backend, true, tweak, clock.clock()).await;
    let op = Admin::operator();
    let tokens = server.org_tree(&EXAMPLE_ICB, &EXAMPLE_SITES).await;
    // Alpha PCN: a Windows 10 PC at the practice, a Windows 11 PC at the PCN's own site; Bravo:
    // one PC. Every PC has Python 2.7 (unsupported in the test catalogue).
    let mut hosts = HashMap::new();
    for (n, (site, _), token, hostname) in [
        (1, EXAMPLE_SITES[0], &tokens[0], "ALPHA-WKS-1"),
        (3, EXAMPLE_SITES[1], &tokens[1], "ALPHA-WKS-3"),
        (2, EXAMPLE_SITES[2], &tokens[2], "BRAVO-WKS-2"),
    ] {
        let mut inv = fake::inventory(n, 12, site, clock.clock().now());
        inv.host.hostname = hostname.to_string();
        let (status, ack) = server.send(token, &inv).await;
        assert_eq!(status, 200, "{ack}");
        hosts.insert(hostname, inv.host.host_id.to_string());
    }
    let today = server.state.today();
    let save = async |host: &str, finding_key: &str, owner: &str, mitigation: &str, days| {
        let review = (today + Duration::days(days)).to_string();
        let entry = RiskEntry {
            finding_key,
            owner,
            mitigation,
            review_date: &review,
        };
        admin::save_risk(&server.state, &op, &hosts[host], entry)
            .await
            .unwrap();
        review
    };
    // The whole of ALPHA-WKS-1 accepted for 30 days; ALPHA-WKS-3's Python for 10 days only.
    let host_review = save("ALPHA-WKS-1", "", "Practice manager", "Isolated VLAN", 30).await;
    let python = finding_key(&server, &hosts["ALPHA-WKS-3"], "python").await;
    let python_review = save("ALPHA-WKS-3", &python, "IT lead", "No internet access", 10).await;
    save("BRAVO-WKS-2", "", "Bravo owner", "Bravo VLAN", 30).await;
    // Twenty days on: the first acceptance holds, the second has lapsed (and the PCs are stale).
    clock.advance(std::time::Duration::from_secs(20 * 86400));
    let day = server.state.today().to_string();
    let (cookie, _) = server.session_on("viewer", Some("U00001")).await;

    let (status, kind, bytes) = download(&server, &cookie, "/evidence.zip").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(kind, "application/zip");
    let files = unzip(bytes);
    let names: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "README.txt",
            "index.html",
            "requirements.csv",
            "asset-register.csv",
            "unsupported-items.csv",
            "totals-by-site.csv",
            "totals-by-product.csv",
        ])
    );
    for (name, text) in &files {
        for foreign in [
            "BRAVO",
            "Bravo",
            "B81001",
            "U00002",
            hosts["BRAVO-WKS-2"].as_str(),
        ] {
            assert!(!text.contains(foreign), "{name} shows {foreign}:\n{text}");
        }
    }

    // The asset register: both Alpha PCs, with what only their inventories know.
    let assets = records(&files["asset-register.csv"]);
    assert_eq!(assets.len(), 2, "{assets:?}");
    let pc = row(&assets, "hostname", "ALPHA-WKS-1");
    for (column, value) in [
        ("organisation", "Alpha Practice"),
        ("organisation_ods_code", "A81001"),
        ("site", "Alpha Surgery"),
        ("host_id", hosts["ALPHA-WKS-1"].as_str()),
        ("os_name", "Windows 10 Pro"),
        ("os_release", "Windows 10 22H2"),
        ("os_status", "unsupported"),
        ("os_security_support_end", "2025-10-14"),
        ("hardware_manufacturer", "Dell Inc."),
        ("hardware_model", "OptiPlex 3010"),
        ("software_entries", "12"),
        ("software_judged", "2"),
        ("software_unsupported", "1"),
        ("worst_status", "unsupported"),
        ("stale", "true"),
        ("inventory_note", ""),
    ] {
        assert_eq!(pc[column], value, "{column}: {pc:?}");
    }
    let hub = row(&assets, "hostname", "ALPHA-WKS-3");
    assert_eq!(hub["organisation"], "Alpha PCN");
    assert_eq!(hub["os_release"], "Windows 11 24H2");
    assert_eq!(hub["os_status"], "supported");

    // Items: each with the record that applies — the host's, in force; the finding's, lapsed.
    let items = records(&files["unsupported-items.csv"]);
    assert_eq!(items.len(), 3, "{items:?}");
    for item in &items {
        assert_eq!(item["report_date"], day);
        assert_eq!(item["catalog_version"], "test-1");
        assert_eq!(item["risk_accepted_by"], "cli", "{item:?}");
        assert!(!item["risk_recorded_at"].is_empty(), "{item:?}");
    }
    let accepted: Vec<&Record> = items
        .iter()
        .filter(|i| i["hostname"] == "ALPHA-WKS-1")
        .collect();
    assert_eq!(accepted.len(), 2);
    for item in accepted {
        assert_eq!(item["risk_state"], "accepted", "{item:?}");
        assert_eq!(item["risk_applies_to"], "whole host");
        assert_eq!(item["risk_owner"], "Practice manager");
        assert_eq!(item["risk_mitigation"], "Isolated VLAN");
        assert_eq!(item["risk_review_date"], host_review);
    }
    let windows = row(&items, "product", "Microsoft Windows");
    assert_eq!(windows["release"], "Windows 10 22H2");
    assert_eq!(windows["organisation_ods_code"], "A81001");
    assert_eq!(
        windows["date_source"],
        "vendor https://learn.microsoft.com/lifecycle (retrieved 2026-11-01)"
    );
    let lapsed = row(&items, "hostname", "ALPHA-WKS-3");
    assert_eq!(lapsed["risk_state"], "overdue", "{lapsed:?}");
    assert_eq!(lapsed["risk_applies_to"], "this item");
    assert_eq!(lapsed["risk_owner"], "IT lead");
    assert_eq!(lapsed["risk_mitigation"], "No internet access");
    assert_eq!(lapsed["risk_review_date"], python_review);

    // Totals: by site, and by product and release.
    let sites = records(&files["totals-by-site.csv"]);
    assert_eq!(sites.len(), 2, "{sites:?}");
    let surgery = row(&sites, "site", "Alpha Surgery");
    for (column, value) in [
        ("hosts", "1"),
        ("hosts_unsupported", "1"),
        ("hosts_stale", "1"),
        ("items_unsupported", "2"),
        ("items_risk_accepted", "2"),
        ("items_risk_overdue", "0"),
        ("items_no_risk_record", "0"),
    ] {
        assert_eq!(surgery[column], value, "{column}: {surgery:?}");
    }
    let hub = row(&sites, "site", "Alpha Hub");
    assert_eq!(
        (
            hub["items_unsupported"].as_str(),
            hub["items_risk_overdue"].as_str()
        ),
        ("1", "1")
    );
    let products = records(&files["totals-by-product.csv"]);
    let python = products
        .iter()
        .find(|p| p["product_id"] == "python" && p["release"] == "2.7")
        .unwrap();
    assert_eq!(python["installations"], "2");
    assert_eq!(python["items_risk_accepted"], "1");
    assert_eq!(python["items_risk_overdue"], "1");
    let supported = products
        .iter()
        .find(|p| p["status"] == "supported")
        .unwrap();
    assert_eq!(
        supported["items_risk_accepted"], "",
        "not an item: {supported:?}"
    );

    // The mapping: every requirement, its wording where found, saying so where not.
    let mapping = records(&files["requirements.csv"]);
    let ids: Vec<&str> = mapping.iter().map(|r| r["requirement"].as_str()).collect();
    assert_eq!(ids, ["7.1.1", "8.1.4", "8.2.1", "8.3.1", "A3.a", "B4.d"]);
    let register = row(&mapping, "requirement", "7.1.1");
    assert_eq!(register["wording_found"], "true");
    assert!(register["wording"].contains("asset register"));
    assert!(register["wording_url"].starts_with("https://"));
    assert!(register["answered_by"].contains("asset-register.csv"));
    let unsupported = row(&mapping, "requirement", "8.1.4");
    assert_eq!(unsupported["wording_found"], "false");
    assert!(unsupported["note"].contains("was not found"));
    let readme = &files["README.txt"];
    for expected in [
        "Organisation: Alpha PCN [U00001]",
        &format!("Date: {day}"),
        "Catalogue version: test-1",
        "DSPT 2025-26 7.1.1",
        "DSPT 2025-26 8.2.1",
        "NCSC CAF B4.d",
        "the exact 2025-26 wording was not found",
        "asset-register.csv",
    ] {
        assert!(
            readme.contains(expected),
            "README lacks {expected}:\n{readme}"
        );
    }
    let index = &files["index.html"];
    assert!(index.contains("Alpha PCN [U00001]") && index.contains("href=\"asset-register.csv\""));
    assert!(index.contains("Alpha Surgery") && index.contains("A3.a"));

    // Bravo's viewer gets Bravo's pack; the ICB's narrows it with `?org=`.
    let (bravo, _) = server.session_on("viewer", Some("U00002")).await;
    let (icb, _) = server.session_on("viewer", Some("QWE")).await;
    for (cookie, path) in [
        (&bravo, "/evidence.zip"),
        (&icb, "/evidence.zip?org=B81001"),
    ] {
        let (status, _, bytes) = download(&server, cookie, path).await;
        assert_eq!(status, 200, "{path}");
        let files = unzip(bytes);
        let assets = records(&files["asset-register.csv"]);
        let names: Vec<&str> = assets.iter().map(|r| r["hostname"].as_str()).collect();
        assert_eq!(names, ["BRAVO-WKS-2"], "{path}");
        assert!(!files.values().any(|text| text.contains("ALPHA")), "{path}");
    }
    let (status, _, _) = download(&server, &bravo, "/evidence.zip?org=U00001").await;
    assert_eq!(status, 404, "another PCN's organisation");
}

async fn the_sections_parse_and_the_pages_page(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    // 31 PCs: 20 on Windows 10 (2 items each), 11 on Windows 11 (1 each): 51 items, two pages.
    for n in 0..31 {
        let mut inv = inventory(n);
        if n == 7 {
            inv.host.hostname = "=HYPERLINK(\"http://evil\")".to_string();
        }
        let (status, ack) = server.send(&token, &inv).await;
        assert_eq!(status, 200, "{ack}");
    }
    // Host 5 as stored before migration 11: its hardware and software count were not kept, and
    // the register reads them from its stored inventory.
    let old = inventory(5).host.host_id.to_string();
    on_host(
        &server,
        "UPDATE hosts SET hardware_manufacturer = NULL, hardware_model = NULL, \
         software_entries = NULL WHERE host_id = $1",
        &old,
    )
    .await;
    // Host 9 with a second OS finding (two OS products of a catalogue can match one OS): the
    // register keeps one row a host, with the first finding by key.
    let twice = inventory(9).host.host_id.to_string();
    on_host(
        &server,
        "INSERT INTO findings (host_id, finding_key, target, kind, product_id, product_name, \
         subject, installed_version, cycle, cycle_label, status, security_support_end, \
         extended_support_end, first_seen_at, status_since, detail, layer) \
         SELECT host_id, finding_key || '|second', target, kind, product_id, product_name, \
         subject, installed_version, cycle, 'Second OS match', status, security_support_end, \
         extended_support_end, first_seen_at, status_since, detail, layer \
         FROM findings WHERE host_id = $1 AND target = 'os'",
        &twice,
    )
    .await;
    let cookie = server.session("viewer").await;

    let (status, kind, body) = download(&server, &cookie, "/evidence/assets.csv").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let text = String::from_utf8(body).unwrap();
    let assets = records(&text);
    assert_eq!(assets.len(), 31);
    let first = &row(&assets, "host_id", &twice)["os_release"];
    assert!(!first.is_empty() && first != "Second OS match", "{first}");
    for (host, model) in [
        (old.as_str(), "OptiPlex 3050"),
        (&*inventory(6).host.host_id.to_string(), "OptiPlex 3060"),
    ] {
        let register = row(&assets, "host_id", host);
        assert_eq!(
            register["hardware_manufacturer"], "Dell Inc.",
            "{register:?}"
        );
        assert_eq!(register["hardware_model"], model);
        assert_eq!(register["software_entries"], "12");
        assert_eq!(register["inventory_note"], "");
    }
    // A formula in an agent's string is defused.
    assert!(
        assets
            .iter()
            .any(|r| r["hostname"] == "'=HYPERLINK(\"http://evil\")")
    );
    let (_, _, body) = download(&server, &cookie, "/evidence.csv").await;
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with("report_date,catalog_version"));
    assert_eq!(records(&text).len(), 51);
    let (_, _, body) = download(&server, &cookie, "/evidence/sites.csv").await;
    let sites = records(&String::from_utf8(body).unwrap());
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["hosts"], "31");
    assert_eq!(sites[0]["items_unsupported"], "51");
    assert_eq!(sites[0]["items_no_risk_record"], "51");
    let (_, _, body) = download(&server, &cookie, "/evidence/products.csv").await;
    let products = records(&String::from_utf8(body).unwrap());
    let python = row(&products, "release", "2.7");
    assert_eq!(python["installations"], "31");
    let (_, _, body) = download(&server, &cookie, "/evidence/requirements.csv").await;
    assert_eq!(records(&String::from_utf8(body).unwrap()).len(), 6);

    // On screen, the items and the register a page at a time.
    let (status, page) = server.get(&cookie, "/evidence").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("page 1 of 2 (51 rows)"), "{page}");
    assert!(page.contains("Exact 2025-26 wording not found."));
    assert!(page.contains("href=\"/evidence.zip\""));
    let (status, second) = server.get(&cookie, "/evidence?page=2").await;
    assert_eq!(status, 200);
    assert!(second.contains("page 2 of 2 (51 rows)"));
    assert_eq!(
        second.matches("<td>Riverside</td>").count(),
        1 + 1,
        "one item, one site total"
    );
    let (status, register) = server.get(&cookie, "/evidence/assets?site=Riverside").await;
    assert_eq!(status, 200);
    assert!(register.contains("page 1 of 1 (31 rows)"), "{register}");
    assert!(register.contains("OptiPlex"));
    // Packs are made two at a time: a third caller is told to come back.
    let both = server
        .state
        .admission
        .packs
        .clone()
        .acquire_many_owned(2)
        .await
        .unwrap();
    let response = server
        .client
        .get(format!("{}/evidence.zip", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    drop(both);
    let (status, _, _) = download(&server, &cookie, "/evidence.zip").await;
    assert_eq!(status, 200);
    for bad in [
        "/evidence?page=0",
        "/evidence/assets?page=-1",
        "/evidence?page=x",
    ] {
        let (status, _) = server.get(&cookie, bad).await;
        assert_eq!(status, 400, "{bad}");
    }
}

/// The sum of `column` over CSV records (empty cells count 0).
fn sum(records: &[Record], column: &str) -> i64 {
    records
        .iter()
        .map(|r| r[column].parse::<i64>().unwrap_or(0))
        .sum()
}

/// The pack's totals carry the summary's host split: for a PCN's viewer (and an ICB viewer
/// narrowing to that PCN, and to the whole ICB), the totals by site add up to the summary's
/// headline — unsupported hosts with no accepted risk, risk accepted, acceptance expired — and
/// the totals by product split each release's hosts the same way.
async fn the_pack_totals_split_hosts_as_the_summary_headline_does(backend: Backend) {
    let clock = ManualClock::new(at("2026-12-04T09:00:00Z"));
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(&backend, true, tweak, clock.clock()).await;
    let tokens = server.org_tree(&EXAMPLE_ICB, &EXAMPLE_SITES).await;
    // Hosts n % 3 == 0 run Windows 11 (only Python 2.7 unsupported), the others Windows 10 22H2
    // (Windows and Python unsupported).
    let mut hosts = HashMap::new();
    for (n, token) in [(1, 0), (4, 0), (7, 0), (3, 1), (6, 1), (2, 2), (5, 2)] {
        let inv = fake::inventory(n, 12, EXAMPLE_SITES[token].0, clock.clock().now());
        let (status, ack) = server.send(&tokens[token], &inv).await;
        assert_eq!(status, 200, "{ack}");
        hosts.insert(n, inv.host.host_id.to_string());
    }
    let today = server.state.today();
    let save = async |n: u64, finding_key: &str, days| {
        let review = (today + Duration::days(days)).to_string();
        let entry = RiskEntry {
            finding_key,
            owner: "Practice manager",
            mitigation: "Isolated VLAN",
            review_date: &review,
        };
        admin::save_risk(&server.state, &Admin::operator(), &hosts[&n], entry)
            .await
            .unwrap();
    };
    // 1: the whole host accepted. 4: only its Python (Windows is not). 3: its Python, lapsing.
    // 6: its only unsupported item. 2 (Bravo): the whole host. 7 and 5: nothing.
    save(1, "", 30).await;
    let python = |n: u64| {
        let server = &server;
        let host = hosts[&n].clone();
        async move { finding_key(server, &host, "python").await }
    };
    save(4, &python(4).await, 30).await;
    save(3, &python(3).await, 10).await;
    save(6, &python(6).await, 30).await;
    save(2, "", 30).await;
    clock.advance(std::time::Duration::from_secs(20 * 86400));

    let (alpha, _) = server.session_on("viewer", Some("U00001")).await;
    let (icb, _) = server.session_on("viewer", Some("QWE")).await;
    for (cookie, query, expected) in [
        (&alpha, "", (3, 2, 1)),
        (&icb, "?org=U00001", (3, 2, 1)),
        (&icb, "", (4, 3, 1)),
    ] {
        let summary = server
            .get_json(cookie, &format!("/api/v1/summary{query}"))
            .await;
        let headline = &summary["summary"]["unsupported"];
        let (status, _, bytes) = download(&server, cookie, &format!("/evidence.zip{query}")).await;
        assert_eq!(status, 200, "{query}");
        let files = unzip(bytes);
        let sites = records(&files["totals-by-site.csv"]);
        let pack = (
            sum(&sites, "hosts_no_accepted_risk"),
            sum(&sites, "hosts_risk_accepted"),
            sum(&sites, "hosts_acceptance_expired"),
        );
        assert_eq!(pack, expected, "{query}: {sites:?}");
        assert_eq!(
            (
                headline["no_accepted_risk"].as_i64().unwrap(),
                headline["risk_accepted"].as_i64().unwrap(),
                headline["acceptance_expired"].as_i64().unwrap(),
            ),
            pack,
            "{query}: the pack's totals are the summary's headline: {headline}"
        );
        assert_eq!(
            sum(&sites, "hosts_unsupported"),
            summary["summary"]["by_status"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s[0] == "unsupported")
                .map_or(0, |s| s[1].as_i64().unwrap()),
            "{query}"
        );
        // The earliest dates the summary names are the pack's too.
        let earliest = |column: &str| {
            sites
                .iter()
                .map(|r| r[column].as_str())
                .filter(|d| !d.is_empty())
                .min()
                .map(str::to_string)
        };
        assert_eq!(
            earliest("hosts_risk_accepted_until").as_deref(),
            headline["risk_accepted_until"].as_str(),
            "{query}"
        );
        assert_eq!(
            earliest("hosts_acceptance_expired_on").as_deref(),
            headline["acceptance_expired_on"].as_str(),
            "{query}"
        );
        // The same split on the pack's page.
        let (status, page) = server.get(cookie, &format!("/evidence{query}")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!(
                "Unsupported hosts: <strong>{}</strong> with no accepted risk",
                expected.0
            )),
            "{page}"
        );
    }

    // By product, for Alpha: Python 2.7 on all five hosts (1, 4, 6 covered; 3 lapsed; 7 not),
    // Windows 10 22H2 on 1, 4 and 7 (only 1 covered, by its host record).
    let (_, _, bytes) = download(&server, &alpha, "/evidence/products.csv").await;
    let products = records(&String::from_utf8(bytes).unwrap());
    let release = |product: &str, release: &str| {
        products
            .iter()
            .find(|p| {
                p["product_id"] == product
                    && p["release"] == release
                    && p["status"] == "unsupported"
            })
            .unwrap_or_else(|| panic!("no {product} {release}: {products:?}"))
    };
    let python = release("python", "2.7");
    let windows = release("windows", "Windows 10 22H2");
    for (row, hosts, expected) in [
        (python, "5", ["2", "3", "1"]),
        (windows, "3", ["2", "1", "0"]),
    ] {
        assert_eq!(row["hosts"], hosts, "{row:?}");
        assert_eq!(
            [
                row["hosts_no_accepted_risk"].as_str(),
                row["hosts_risk_accepted"].as_str(),
                row["hosts_acceptance_expired"].as_str(),
            ],
            expected,
            "{row:?}"
        );
    }
}

/// The bundled SQLite is built without memory statistics (`.cargo/config.toml`): with them, each
/// of its allocations takes one process-wide mutex, which sqlx's SQLite thread and the runtime's
/// threads queue on, and the 100,000-host pack took more than twice as long.
#[tokio::test]
async fn the_bundled_sqlite_keeps_no_memory_statistics() {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect("sqlite::memory:").await.unwrap();
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "SQLite's compile options: {options:?}"
    );
}
