//! Usable lists (issue 16, part 7): hosts, findings and products sorted by the database on every
//! column both ways, with a stable order across pages and a 400 for a column that is not one;
//! products found by name as well as id, with LIKE's wildcards taken literally; the host page in
//! human units and without a doubled OS name; the risk register and products paged.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sunset_catalog::inventory::{Disk, Fact, InstallationType, Inventory, Os, OsFamily};
use sunset_collector::clock::ManualClock;
use sunset_collector::config::FileConfig;
use sunset_loadgen::fake;

use crate::util::{Backend, TestServer, start_with_clock, start_with_config};

/// The OpenAPI document lists exactly the sort columns each list takes.
#[test]
fn the_documented_sort_columns_are_the_lists_own() {
    use sunset_collector::store::{FindingSort, HostSort, ProductSort, SortKey};
    fn names<K: SortKey>() -> Vec<String> {
        K::ALL.iter().map(|k| k.name().to_string()).collect()
    }
    let document: Value = serde_json::from_str(sunset_collector::openapi::DOCUMENT).unwrap();
    for (path, expected) in [
        ("/api/v1/hosts", names::<HostSort>()),
        ("/api/v1/hosts.csv", names::<HostSort>()),
        ("/api/v1/findings", names::<FindingSort>()),
        ("/api/v1/findings.csv", names::<FindingSort>()),
        ("/api/v1/products", names::<ProductSort>()),
    ] {
        let parameters = document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap();
        let sort = parameters
            .iter()
            .find(|p| p["name"] == "sort")
            .unwrap_or_else(|| panic!("{path} documents no sort"));
        let documented: Vec<String> = sort["schema"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(documented, expected, "{path}");
    }
}

backend_tests!(
    hosts_sort_on_each_column_both_ways,
    findings_and_products_sort_both_ways,
    an_unknown_sort_column_is_a_400_naming_it,
    products_are_found_by_name_with_wildcards_taken_literally,
    the_host_page_reads_in_human_units_and_names_the_os_once,
    the_risk_register_and_products_are_paged,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A field of every row of a JSON listing, in order.
fn column(listing: &Value, rows: &str, field: &str) -> Vec<String> {
    listing[rows]
        .as_array()
        .unwrap_or_else(|| panic!("no {rows} in {listing}"))
        .iter()
        .map(|row| match &row[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Host names in the order `query` lists them, through the JSON API.
async fn hostnames(server: &TestServer, cookie: &str, query: &str) -> Vec<String> {
    let listing = server
        .get_json(cookie, &format!("/api/v1/hosts?{query}"))
        .await;
    column(&listing, "hosts", "hostname")
}

/// Five hosts on two sites, reported a minute apart by the collector's clock: `delta` first,
/// `Echo` last. Windows 11 hosts (numbers divisible by 3: Alpha, bravo) have one unsupported
/// finding in the test catalogue (Python 2.7), Windows 10 ones two.
async fn send_five(server: &TestServer, clock: &ManualClock) {
    let riverside = server.site("Riverside").await;
    let hillside = server.site("Hillside").await;
    for (n, name, token) in [
        (1, "delta", &riverside),
        (3, "Alpha", &hillside),
        (4, "charlie", &riverside),
        (6, "bravo", &hillside),
        (7, "Echo", &riverside),
    ] {
        let mut inv = fake::inventory(n, 12, "Riverside", clock.clock().now());
        inv.host.hostname = name.to_string();
        let (status, ack) = server.send(token, &inv).await;
        assert_eq!(status, 200, "{ack}");
        clock.advance(std::time::Duration::from_secs(60));
    }
}

async fn started(backend: &Backend) -> (TestServer, ManualClock) {
    let clock = ManualClock::new(at("2026-12-01T09:00:00Z"));
    let tweak = |file: &mut FileConfig| file.jobs_interval_seconds = Some(3600);
    let server = start_with_clock(backend, true, tweak, clock.clock()).await;
    send_five(&server, &clock).await;
    (server, clock)
}

async fn hosts_sort_on_each_column_both_ways(backend: Backend) {
    let (server, _clock) = started(&backend).await;
    let cookie = server.session("viewer").await;
    let names = |q: &'static str| hostnames(&server, &cookie, q);

    // By name, without regard to case.
    let ascending = ["Alpha", "bravo", "charlie", "delta", "Echo"];
    assert_eq!(names("sort=host").await, ascending);
    let mut descending = ascending;
    descending.reverse();
    assert_eq!(names("sort=host&dir=desc").await, descending);
    // By last report: newest first is the column's usual direction.
    assert_eq!(
        names("sort=last_seen").await,
        ["Echo", "bravo", "charlie", "Alpha", "delta"]
    );
    assert_eq!(
        names("sort=last_seen&dir=asc").await,
        ["delta", "Alpha", "charlie", "bravo", "Echo"]
    );
    // By unsupported findings (Windows 10: 2, Windows 11: 1), ties by name.
    assert_eq!(
        names("sort=unsupported").await,
        ["charlie", "delta", "Echo", "Alpha", "bravo"]
    );
    assert_eq!(
        names("sort=unsupported&dir=asc").await,
        ["Alpha", "bravo", "charlie", "delta", "Echo"]
    );
    // By site, then name; by status (most urgent first by default, least urgent with desc).
    assert_eq!(
        names("sort=site").await,
        ["Alpha", "bravo", "charlie", "delta", "Echo"]
    );
    assert_eq!(
        names("sort=site&dir=desc").await,
        ["charlie", "delta", "Echo", "Alpha", "bravo"]
    );
    assert_eq!(
        names("sort=os_status&dir=desc").await,
        ["Alpha", "bravo", "charlie", "delta", "Echo"]
    );
    // Every column sorts, both ways, and pages of two put together are the whole list.
    for key in [
        "host",
        "site",
        "status",
        "os_status",
        "software_status",
        "hardware_status",
        "os",
        "unsupported",
        "next_unsupported",
        "last_seen",
    ] {
        for dir in ["asc", "desc"] {
            let whole = hostnames(&server, &cookie, &format!("sort={key}&dir={dir}")).await;
            assert_eq!(whole.len(), 5, "{key} {dir}");
            let mut paged = Vec::new();
            for offset in [0, 2, 4] {
                let q = format!("sort={key}&dir={dir}&limit=2&offset={offset}");
                paged.extend(hostnames(&server, &cookie, &q).await);
            }
            assert_eq!(paged, whole, "{key} {dir}: pages overlap or skip");
        }
    }
    // The CSV export is in the order asked for.
    let (status, csv) = server
        .get(&cookie, "/exports/hosts.csv?sort=host&dir=desc")
        .await;
    assert_eq!(status, 200);
    let csv_names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(csv_names, descending);
    let (_, csv) = server
        .get(&cookie, "/api/v1/hosts.csv?sort=last_seen&dir=asc")
        .await;
    assert!(csv.lines().nth(1).unwrap().contains(",delta,"), "{csv}");

    // The page: column headers are links that keep the other filters, back to the first page,
    // and the sorted one flips its direction.
    let (status, page) = server
        .get(&cookie, "/hosts?site=Riverside&sort=host&offset=0")
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/hosts?site=Riverside&amp;sort=host&amp;dir=desc\""),
        "{page}"
    );
    assert!(
        page.contains("href=\"/hosts?site=Riverside&amp;sort=last_seen&amp;dir=desc\""),
        "{page}"
    );
    assert!(page.contains("aria-sort=\"ascending\""), "{page}");
    // The filter form keeps the order; the CSV link carries it.
    assert!(
        page.contains("<input type=\"hidden\" name=\"sort\" value=\"host\">"),
        "{page}"
    );
    assert!(
        page.contains("/exports/hosts.csv?site=Riverside&amp;sort=host"),
        "{page}"
    );
    let charlie = page.find(">charlie<").unwrap();
    let delta = page.find(">delta<").unwrap();
    let echo = page.find(">Echo<").unwrap();
    assert!(charlie < delta && delta < echo);
    assert!(page.contains("class=\"table-wrap\""), "{page}");
}

async fn findings_and_products_sort_both_ways(backend: Backend) {
    let (server, _clock) = started(&backend).await;
    let cookie = server.session("viewer").await;
    // Findings by product name: Microsoft Windows, Python, Python (and never by id).
    let listing = server
        .get_json(&cookie, "/api/v1/findings?sort=product&q=alpha")
        .await;
    assert_eq!(
        column(&listing, "findings", "product_name"),
        ["Microsoft Windows", "Python", "Python"]
    );
    let listing = server
        .get_json(&cookie, "/api/v1/findings?sort=product&dir=desc&q=alpha")
        .await;
    assert_eq!(
        column(&listing, "findings", "product_name"),
        ["Python", "Python", "Microsoft Windows"]
    );
    // By host, both ways: each host's findings together, names in order.
    let hosts_of = async |q: &str| {
        let listing = server
            .get_json(&cookie, &format!("/api/v1/findings?target=os&{q}"))
            .await;
        column(&listing, "findings", "hostname")
    };
    assert_eq!(
        hosts_of("sort=host").await,
        ["Alpha", "bravo", "charlie", "delta", "Echo"]
    );
    assert_eq!(
        hosts_of("sort=host&dir=desc").await,
        ["Echo", "delta", "charlie", "bravo", "Alpha"]
    );
    // By release label: "Windows 10 22H2" before "Windows 11 24H2".
    assert_eq!(
        hosts_of("sort=release").await,
        ["charlie", "delta", "Echo", "Alpha", "bravo"]
    );
    assert_eq!(
        hosts_of("sort=release&dir=desc").await,
        ["Alpha", "bravo", "charlie", "delta", "Echo"]
    );
    let (_, csv) = server
        .get(&cookie, "/api/v1/findings.csv?target=os&sort=host&dir=desc")
        .await;
    assert!(csv.lines().nth(1).unwrap().contains(",Echo,"), "{csv}");

    // Products: Python 2.7 (5 hosts), 3.12 (5), Windows 10 22H2 (3), Windows 11 24H2 (2).
    let products = async |q: &str| {
        let listing = server
            .get_json(&cookie, &format!("/api/v1/products?{q}"))
            .await;
        assert_eq!(listing["total"], 4, "{listing}");
        listing["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["product_id"].as_str().unwrap(), p["hosts"]))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        products("sort=hosts&dir=asc").await,
        ["windows 2", "windows 3", "python 5", "python 5"]
    );
    assert_eq!(
        products("sort=hosts").await,
        ["python 5", "python 5", "windows 3", "windows 2"]
    );
    assert_eq!(
        products("sort=product&dir=desc").await,
        ["python 5", "python 5", "windows 3", "windows 2"]
    );
    // A filter only hosts have (the site) joins the findings to their hosts: Hillside's two
    // Windows 11 hosts.
    let listing = server
        .get_json(&cookie, "/api/v1/products?site=Hillside&sort=product")
        .await;
    assert_eq!(listing["total"], 3, "{listing}");
    assert_eq!(column(&listing, "products", "hosts"), ["2", "2", "2"]);
    // Past the last row: no rows, and still the count.
    let listing = server.get_json(&cookie, "/api/v1/products?offset=10").await;
    assert_eq!(listing["total"], 4, "{listing}");
    assert_eq!(listing["products"].as_array().unwrap().len(), 0);
    let listing = server
        .get_json(&cookie, "/api/v1/products?sort=release")
        .await;
    assert_eq!(
        column(&listing, "products", "cycle"),
        ["2.7", "3.12", "10-22h2", "11-24h2"]
    );
    let (status, page) = server.get(&cookie, "/products?sort=hosts").await;
    assert_eq!(status, 200);
    assert!(page.contains("aria-sort=\"descending\""), "{page}");
    assert!(
        page.contains("href=\"/products?sort=hosts&amp;dir=asc\""),
        "{page}"
    );
    // A product's link shows its findings in the findings' own order, not the products'.
    assert!(page.contains("href=\"/findings?product=python\""), "{page}");
}

async fn an_unknown_sort_column_is_a_400_naming_it(backend: Backend) {
    let (server, _clock) = started(&backend).await;
    let cookie = server.session("viewer").await;
    for path in [
        "/api/v1/hosts?sort=hostname",
        "/api/v1/hosts.csv?sort=h.hostname_lower",
        "/api/v1/findings?sort=last_seen",
        "/api/v1/findings.csv?sort=1",
        "/api/v1/products?sort=os",
        "/hosts?sort=hostname%3B+DROP+TABLE+hosts",
        "/findings?sort=hostname",
        "/products?sort=hostname",
        "/exports/hosts.csv?sort=hostname",
        "/exports/findings.csv?sort=hostname",
    ] {
        let (status, body) = server.get(&cookie, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("sort must be one of"), "{path}: {body}");
    }
    let (_, body) = server.get(&cookie, "/api/v1/hosts?sort=hostname").await;
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["field"], "sort");
    assert!(
        error["error"].as_str().unwrap().contains("\"hostname\""),
        "{error}"
    );
    let (status, body) = server.get(&cookie, "/api/v1/hosts?dir=up").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"dir\""), "{body}");
    // The hosts are all still there.
    assert_eq!(server.get_json(&cookie, "/api/v1/hosts").await["total"], 5);
}

async fn products_are_found_by_name_with_wildcards_taken_literally(backend: Backend) {
    // The built-in catalogue, which knows Google Chrome (id `chrome`).
    let server = start_with_config(&backend, true, |file| file.catalog_dir = None).await;
    let token = server.site("Riverside").await;
    for n in 0..4 {
        let mut inv = fake::inventory(n, 12, "Riverside", Utc::now());
        if n == 3 {
            inv.software.retain(|s| s.name != "Google Chrome");
        }
        let (status, ack) = server.send(&token, &inv).await;
        assert_eq!(status, 200, "{ack}");
    }
    let cookie = server.session("viewer").await;
    let total = async |path: &str| {
        let listing = server.get_json(&cookie, path).await;
        listing["total"]
            .as_i64()
            .unwrap_or_else(|| panic!("{path}: {listing}"))
    };
    for product in [
        "chrome",
        "Google%20Chrome",
        "google%20chrome",
        "GOOGLE",
        "rome",
    ] {
        assert_eq!(
            total(&format!("/api/v1/hosts?product={product}")).await,
            3,
            "{product}"
        );
        let findings = server
            .get_json(&cookie, &format!("/api/v1/findings?product={product}"))
            .await;
        let names = column(&findings, "findings", "product_name");
        assert_eq!(names.len(), 3, "{product}: {findings}");
        assert!(names.iter().all(|n| n == "Google Chrome"), "{names:?}");
        let listing = server
            .get_json(&cookie, &format!("/api/v1/products?product={product}"))
            .await;
        assert!(
            column(&listing, "products", "product_id")
                .iter()
                .all(|id| id == "chrome"),
            "{listing}"
        );
        let (_, csv) = server
            .get(&cookie, &format!("/exports/hosts.csv?product={product}"))
            .await;
        assert_eq!(csv.lines().count(), 1 + 3, "{product}: {csv}");
        let (status, page) = server
            .get(&cookie, &format!("/hosts?product={product}"))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("1–3 of 3"), "{product}: {page}");
    }
    // `%` and `_` are characters to find, not wildcards: no product name has them.
    for pattern in ["%25", "Google%25Chrome", "_oogle", "Goo%5F", "%5C"] {
        assert_eq!(
            total(&format!("/api/v1/hosts?product={pattern}")).await,
            0,
            "{pattern}"
        );
        assert_eq!(
            total(&format!("/api/v1/findings?product={pattern}")).await,
            0,
            "{pattern}"
        );
    }
    // An id wins over a name that contains it: `python` is Python, and no other product whose
    // name says "python".
    let listing = server
        .get_json(&cookie, "/api/v1/findings?product=python")
        .await;
    assert!(
        column(&listing, "findings", "product_id")
            .iter()
            .all(|id| id == "python"),
        "{listing}"
    );
}

/// Windows Server 2012 R2 Standard as its registry describes it (see the agent's `os.rs`): no
/// `DisplayVersion`, a UBR, `EditionID` ServerStandard.
fn server_2012_r2(mut inv: Inventory) -> Inventory {
    inv.os = Os {
        family: Some(OsFamily::Windows),
        name: "Windows Server 2012 R2 Standard".into(),
        version: "6.3.9600.21620".into(),
        build: Some("9600".into()),
        update_revision: Some(21620),
        edition: Some("ServerStandard".into()),
        installation_type: Some(InstallationType::Server),
        architecture: Some("x86_64".into()),
        ..Os::default()
    };
    inv.hardware.system_disk = Fact::Known(Disk {
        size_bytes: 127_999_998_976,
        free_bytes: 41_875_365_888,
    });
    inv.software.clear();
    inv
}

async fn the_host_page_reads_in_human_units_and_names_the_os_once(backend: Backend) {
    let clock = ManualClock::new(at("2026-12-03T14:05:00Z"));
    let tweak = |file: &mut FileConfig| {
        file.catalog_dir = None;
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(&backend, true, tweak, clock.clock()).await;
    let token = server.site("Riverside").await;
    let mut inv = server_2012_r2(fake::inventory(1, 0, "Riverside", clock.clock().now()));
    inv.host.hostname = "GP-SERVER".into();
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    clock.advance(std::time::Duration::from_secs(2 * 86400));
    let cookie = server.session("viewer").await;
    let (status, page) = server
        .get(&cookie, &format!("/hosts/{}", inv.host.host_id))
        .await;
    assert_eq!(status, 200);
    for shown in [
        "Windows Server 2012 R2 Standard 6.3.9600.21620",
        "<td>Windows Server 2012 R2</td>",
        "2026-12-03 14:05 UTC (2 days ago)",
        "<dt>Memory</dt><dd>16.0 GiB</dd>",
        "<dt>System disk</dt><dd>119 GiB, 39.0 GiB free</dd>",
        "<dt>UEFI</dt><dd>yes</dd>",
        "<dt>Installation type</dt><dd>server</dd>",
    ] {
        assert!(page.contains(shown), "{shown} not in {page}");
    }
    for raw in [
        "Windows Server Windows Server",
        "memory_bytes",
        "17179869184",
        "2026-12-03T14:05:00Z",
        "<dd>true</dd>",
        "\"detail\"",
    ] {
        assert!(!page.contains(raw), "{raw} in {page}");
    }
    // The findings list names the release once too.
    let (_, findings) = server.get(&cookie, "/findings?target=os").await;
    assert!(
        findings.contains("<td>Windows Server 2012 R2</td>"),
        "{findings}"
    );
    assert!(!findings.contains("Windows Server Windows Server"));
}

async fn the_risk_register_and_products_are_paged(backend: Backend) {
    let (server, _clock) = started(&backend).await;
    let cookie = server.session("viewer").await;
    let hosts = server.get_json(&cookie, "/api/v1/hosts?sort=host").await;
    let host_id = hosts["hosts"][0]["host_id"].as_str().unwrap().to_string();
    server
        .state
        .db
        .write(async |tx| {
            for i in 0..130 {
                sqlx::query(
                    "INSERT INTO risks (id, host_id, finding_key, owner, mitigation, review_date, \
                     updated_by, updated_at) VALUES ($1, $2, $3, $4, 'Isolated', '2027-01-01', \
                     'test', '2026-12-01T09:00:00Z')",
                )
                .bind(format!("risk-{i:03}"))
                .bind(host_id.clone())
                .bind(format!("finding-{i:03}"))
                .bind(format!("Owner {i:03}"))
                .execute(&mut *tx)
                .await?;
            }
            Ok::<_, sqlx::Error>(())
        })
        .await
        .unwrap();
    let (status, first) = server.get(&cookie, "/risks").await;
    assert_eq!(status, 200);
    assert!(first.contains("1–100 of 130"), "{first}");
    assert!(first.contains("Owner 099") && !first.contains("Owner 100"));
    assert!(first.contains("href=\"/risks?offset=100\""), "{first}");
    let (_, second) = server.get(&cookie, "/risks?offset=100").await;
    assert!(second.contains("101–130 of 130"), "{second}");
    assert!(second.contains("Owner 100") && second.contains("Owner 129"));
    assert!(!second.contains("Owner 099"));
    // The register's own filters stay on its pages.
    let (_, owned) = server.get(&cookie, "/risks?owner=Owner+1").await;
    assert!(owned.contains("1–30 of 30"), "{owned}"); // Owner 100 to 129
    let (_, owned) = server.get(&cookie, "/risks?owner=Owner&limit=50").await;
    assert!(
        owned.contains("href=\"/risks?limit=50&amp;offset=50&amp;owner=Owner\""),
        "{owned}"
    );
    let (status, _) = server.get(&cookie, "/risks?offset=-5").await;
    assert_eq!(status, 400);

    // Products, a page at a time, on the page and in the API.
    let (_, page) = server.get(&cookie, "/products?limit=2").await;
    assert!(page.contains("of 4"), "{page}");
    let listing = server
        .get_json(&cookie, "/api/v1/products?limit=3&offset=2&sort=release")
        .await;
    assert_eq!(listing["total"], 4);
    assert_eq!(
        column(&listing, "products", "cycle"),
        ["10-22h2", "11-24h2"]
    );
}
