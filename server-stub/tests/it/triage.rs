//! The triage of unmatched software (issue 17 part 2), from real Uninstall entries: GLPI's
//! registry fixtures (`shared/fixtures/windows-hives/glpi-uninstall-reg/*.expected.tsv`, the
//! DisplayName, DisplayVersion and Publisher of real machines' Uninstall keys) as the software of
//! hosts in two organisations. What no rule of the test catalogue matches is listed by hosts and
//! organisations, inside the caller's scope; `[[reviewed]]` names are hidden and counted; a row's
//! snippet downloads, loads with the real loader once its dates are filled in, and after a reload
//! the software is judged and leaves the list (re-evaluation rewrites the table); entries are
//! bounded per host.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sunset_catalog::Catalog;
use sunset_catalog::inventory::{Inventory, Software, Source};
use sunset_collector::admin::{self, Admin};
use sunset_collector::org::OrgKind;
use sunset_collector::triage::{MAX_NAME, MAX_PER_HOST, snippet::DATE_PLACEHOLDER};

use crate::util::{Backend, TestServer, fixture_catalog, inventory, start};

backend_tests!(
    real_uninstall_entries_no_rule_matches_are_listed_by_hosts_and_organisations,
    a_pcn_user_sees_only_its_own_hosts_software,
    reviewed_names_are_hidden_and_counted,
    a_downloaded_snippet_loads_once_filled_in_and_then_judges_the_software,
    entries_are_bounded_per_host,
);

/// `shared/fixtures` above this crate (a worktree in `/work/wt/NAME` finds `/work/shared`);
/// absent, the test fails rather than passing without real data.
fn shared_fixture(relative: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = here
        .ancestors()
        .map(|d| d.join("shared/fixtures"))
        .find(|d| d.join("PROVENANCE.md").is_file())
        .unwrap_or_else(|| panic!("no shared/fixtures above {}", here.display()));
    let path = dir.join(relative);
    assert!(path.is_file(), "fixture missing: {}", path.display());
    path
}

/// The Uninstall entries of one GLPI fixture, as the agent reports them (system components,
/// which Add/Remove Programs hides, left out as the agent leaves them out).
fn glpi_software(name: &str) -> Vec<Software> {
    let path = shared_fixture(&format!(
        "windows-hives/glpi-uninstall-reg/{name}-Uninstall.expected.tsv"
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(|cols| cols.get(5).is_none_or(|c| *c != "1") && !cols[1].is_empty())
        .map(|cols| Software {
            key: Software::identity_key(cols[1], opt(cols[2]).as_deref(), None),
            name: cols[1].to_string(),
            version: opt(cols[2]),
            publisher: opt(cols[3]),
            install_date: None,
            architecture: None,
            install_location: None,
            identifier: None,
            source: Source::HklmUninstall,
            origin: None,
        })
        .collect()
}

/// Host `n` of the load generator with `software` instead of its own.
fn host_with(n: u64, software: Vec<Software>) -> Inventory {
    let mut inv = inventory(n);
    inv.software = software;
    inv
}

/// Two practices in two PCNs; Alpha's site has the `mssql` and `mssql_engine` machines, Bravo's
/// the `mssql` and `10_russian` one.
async fn estate(backend: &Backend) -> TestServer {
    let server = start(backend).await;
    let (db, op, now) = (&server.state.db, Admin::operator(), server.state.now());
    for (name, kind, parent, ods) in [
        ("Alpha PCN", OrgKind::Pcn, None, "U00001"),
        (
            "Alpha Practice",
            OrgKind::Practice,
            Some("U00001"),
            "A81001",
        ),
        ("Bravo PCN", OrgKind::Pcn, None, "U00002"),
        (
            "Bravo Practice",
            OrgKind::Practice,
            Some("U00002"),
            "B81001",
        ),
    ] {
        admin::add_org(db, &op, name, kind, parent, Some(ods), now)
            .await
            .unwrap();
    }
    let (_, alpha) = admin::add_site(db, &op, "Alpha Surgery", Some("A81001"), now)
        .await
        .unwrap();
    let (_, bravo) = admin::add_site(db, &op, "Bravo Surgery", Some("B81001"), now)
        .await
        .unwrap();
    let mut engine = glpi_software("mssql_engine");
    // One program the test catalogue knows (its `python` rule): judged, so never listed.
    engine.push(Software {
        key: Software::identity_key("Python 3.12.4 (64-bit)", Some("3.12.4150.0"), None),
        name: "Python 3.12.4 (64-bit)".into(),
        version: Some("3.12.4150.0".into()),
        publisher: Some("Python Software Foundation".into()),
        ..glpi_software("mssql").remove(0)
    });
    let mut russian = glpi_software("mssql");
    russian.extend(glpi_software("10_russian"));
    for (token, inv) in [
        (&alpha, host_with(1, glpi_software("mssql"))),
        (&alpha, host_with(2, engine)),
        (&bravo, host_with(3, russian)),
    ] {
        let (status, ack) = server.send(token, &inv).await;
        assert_eq!(status, 200, "{ack}");
    }
    server
}

/// The API's rows as (name, publisher, hosts, organisations).
fn rows(page: &Value) -> Vec<(String, String, i64, i64)> {
    page["software"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["publisher"].as_str().unwrap().to_string(),
                r["hosts"].as_i64().unwrap(),
                r["organisations"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row<'a>(page: &'a Value, name: &str) -> Option<&'a Value> {
    page["software"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
}

async fn real_uninstall_entries_no_rule_matches_are_listed_by_hosts_and_organisations(
    backend: Backend,
) {
    let server = estate(&backend).await;
    let cookie = server.session("viewer").await;
    let page = server.get_json(&cookie, "/api/v1/triage").await;
    // mssql: 7 programs; mssql_engine: 2 (+ Python, judged); 10_russian: 2 (1C, CryptoPro).
    assert_eq!(page["total"], 11, "{page}");
    assert_eq!(page["reviewed_hidden"], 0);
    let listed = rows(&page);
    // Most hosts first: the seven mssql programs are on two hosts in two organisations.
    for r in &listed[..7] {
        assert_eq!((r.2, r.3), (2, 2), "{r:?}");
    }
    for r in &listed[7..] {
        assert_eq!((r.2, r.3), (1, 1), "{r:?}");
    }
    let perl = row(&page, "Strawberry Perl (64-bit)").expect("Strawberry Perl listed");
    assert_eq!(perl["publisher"], "strawberryperl.com project");
    assert_eq!(perl["versions"], 1);
    assert_eq!(perl["top_versions"][0]["version"], "5.24.1");
    assert_eq!(perl["top_versions"][0]["hosts"], 2);
    for name in [
        "Mozilla Firefox 57.0.2 (fr)",
        "Git version 2.12.2.2",
        "FusionInventory Agent 2.4.x-build-26 (x64 edition)",
        "SQL Server 2011 Database Engine Services",
        "КриптоПро CSP",
        "1C Предприятие 7.7",
    ] {
        assert!(row(&page, name).is_some(), "{name} not listed: {page}");
    }
    let crypto = row(&page, "КриптоПро CSP").unwrap();
    assert_eq!(crypto["publisher"], "Компания КриптоПро");
    assert!(
        row(&page, "Python 3.12.4 (64-bit)").is_none(),
        "a judged program is listed"
    );

    // Sorted by name both ways, paged without overlap, filtered by part of the name.
    let by_name = server
        .get_json(&cookie, "/api/v1/triage?sort=name&dir=asc&limit=6")
        .await;
    let rest = server
        .get_json(&cookie, "/api/v1/triage?sort=name&dir=asc&limit=6&offset=6")
        .await;
    let mut names: Vec<String> = rows(&by_name).into_iter().map(|r| r.0).collect();
    names.extend(rows(&rest).into_iter().map(|r| r.0));
    assert_eq!(names.len(), 11);
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    let desc = server
        .get_json(&cookie, "/api/v1/triage?sort=name&dir=desc")
        .await;
    let mut reversed: Vec<String> = rows(&desc).into_iter().map(|r| r.0).collect();
    reversed.reverse();
    assert_eq!(reversed, sorted);
    let perl_only = server
        .get_json(&cookie, "/api/v1/triage?product=PERL")
        .await;
    assert_eq!(rows(&perl_only).len(), 1, "{perl_only}");
    let (status, bad) = server.get(&cookie, "/api/v1/triage?sort=hostname").await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad.contains("sort must be one of name, publisher, hosts, organisations, versions"));

    // The page: the rows, escaped, each with its snippet link; the CSV export.
    let (status, html) = server.get(&cookie, "/triage").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Strawberry Perl (64-bit)"), "{html}");
    assert!(html.contains("КриптоПро CSP"));
    assert!(html.contains(
        "/triage/snippet.toml?name=Strawberry+Perl+%2864-bit%29&amp;publisher=strawberryperl.com+project"
    ), "{html}");
    assert!(html.contains("href=\"/triage\""), "nav link");
    let (status, csv) = server.get(&cookie, "/exports/triage.csv?sort=name").await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,publisher,hosts,organisations,versions,top_versions")
    );
    assert_eq!(csv.lines().count(), 12, "{csv}");
    assert!(
        csv.contains("Strawberry Perl (64-bit),strawberryperl.com project,2,2,1,5.24.1 (2)"),
        "{csv}"
    );
}

async fn a_pcn_user_sees_only_its_own_hosts_software(backend: Backend) {
    let server = estate(&backend).await;
    let (alpha, _) = server.session_on("viewer", Some("U00001")).await;
    let page = server.get_json(&alpha, "/api/v1/triage").await;
    // Alpha's two machines: mssql (7) and mssql_engine (2); nothing of Bravo's russian one.
    assert_eq!(page["total"], 9, "{page}");
    for r in rows(&page) {
        assert_eq!((r.2, r.3), (1, 1), "{r:?}: counted over Alpha's hosts only");
    }
    assert!(row(&page, "КриптоПро CSP").is_none());
    let (_, html) = server.get(&alpha, "/triage").await;
    assert!(
        !html.contains("КриптоПро") && !html.contains("Bravo"),
        "{html}"
    );
    let (_, csv) = server.get(&alpha, "/exports/triage.csv").await;
    assert!(!csv.contains("КриптоПро"), "{csv}");
    // Bravo's program has no snippet for Alpha, as one nobody has; Alpha's own has.
    let crypto = "/triage/snippet.toml?name=%D0%9A%D1%80%D0%B8%D0%BF%D1%82%D0%BE%D0%9F%D1%80%D0%BE%20CSP&publisher=%D0%9A%D0%BE%D0%BC%D0%BF%D0%B0%D0%BD%D0%B8%D1%8F%20%D0%9A%D1%80%D0%B8%D0%BF%D1%82%D0%BE%D0%9F%D1%80%D0%BE";
    let (status, _) = server.get(&alpha, crypto).await;
    assert_eq!(status, 404);
    let (admin, _) = server.session_on("viewer", None).await;
    let (status, text) = server.get(&admin, crypto).await;
    assert_eq!(status, 200, "{text}");
    // `?org=` narrows inside the scope; another PCN's is not found.
    let (status, _) = server.get(&alpha, "/api/v1/triage?org=B81001").await;
    assert_eq!(status, 404);
    let bravo = server.get_json(&admin, "/api/v1/triage?org=U00002").await;
    assert_eq!(bravo["total"], 9, "{bravo}");
    assert!(row(&bravo, "SQL Server 2011 Database Engine Services").is_none());
    // Bravo's machine moved to Alpha's site: its software moves with it.
    let bravo_host = sunset_loadgen::fake::host_uuid(3).to_string();
    let now = server.state.now();
    sunset_collector::ownership::move_host(
        &server.state.db,
        &bravo_host,
        "Alpha Surgery",
        "admin",
        now,
    )
    .await
    .unwrap();
    let page = server.get_json(&alpha, "/api/v1/triage").await;
    assert_eq!(page["total"], 11, "{page}");
    assert_eq!(row(&page, "КриптоПро CSP").unwrap()["hosts"], 1);
    assert_eq!(row(&page, "Strawberry Perl (64-bit)").unwrap()["hosts"], 2);
    let bravo = server.get_json(&admin, "/api/v1/triage?org=U00002").await;
    assert_eq!(bravo["total"], 0, "{bravo}");
}

async fn reviewed_names_are_hidden_and_counted(backend: Backend) {
    let server = estate(&backend).await;
    std::fs::write(
        server.catalog_dir.join("reviewed.toml"),
        r#"
[[reviewed]]
name = "strawberry  PERL (64-bit)"
reason = "Build tool on the integration server only; not patient-facing"
by = "IT lead"
on = 2026-11-30

[[reviewed]]
name = "Git version 2.12.2.2"
publisher = "Someone Else"
reason = "another publisher's Git"
"#,
    )
    .unwrap();
    server.reload_catalog().await;
    let cookie = server.session("viewer").await;
    let page = server.get_json(&cookie, "/api/v1/triage").await;
    assert_eq!(page["total"], 10, "{page}");
    assert_eq!(page["reviewed_hidden"], 1);
    assert!(row(&page, "Strawberry Perl (64-bit)").is_none());
    assert!(
        row(&page, "Git version 2.12.2.2").is_some(),
        "another publisher's decision"
    );
    let (_, html) = server.get(&cookie, "/triage").await;
    assert!(html.contains("1 reviewed names hidden"), "{html}");
    // A reviewed entry without a reason is refused by the loader, saying where.
    std::fs::write(
        server.catalog_dir.join("reviewed.toml"),
        "[[reviewed]]\nname = \"Git\"\nreason = \" \"\n",
    )
    .unwrap();
    let loaded = sunset_collector::catalog_source::load_configured(&server.config);
    let Err(error) = loaded else {
        panic!("a reviewed entry without a reason was accepted");
    };
    let error = format!("{error:#}");
    assert!(
        error.contains("reviewed.toml:3") && error.contains("reviewed[0].reason"),
        "{error}"
    );
}

async fn a_downloaded_snippet_loads_once_filled_in_and_then_judges_the_software(backend: Backend) {
    let server = estate(&backend).await;
    let cookie = server.session("viewer").await;
    let response = server
        .client
        .get(format!(
            "{}/triage/snippet.toml?name=Strawberry%20Perl%20(64-bit)&publisher=strawberryperl.com%20project",
            server.url
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"local-strawberry-perl-64-bit.toml\""
    );
    assert!(header("content-type").starts_with("application/toml"));
    let text = response.text().await.unwrap();
    // Valid TOML as downloaded: the product, its exact-name rule, one release per major version.
    let value: toml::Table = toml::from_str(&text).expect(&text);
    let product = &value["product"][0];
    assert_eq!(product["id"].as_str(), Some("local-strawberry-perl-64-bit"));
    assert_eq!(
        product["match"][0]["name"][0].as_str(),
        Some("Strawberry Perl (64-bit)")
    );
    assert_eq!(
        product["match"][0]["publisher_regex"].as_str(),
        Some(r"strawberryperl\.com project")
    );
    assert_eq!(product["release"][0]["versions"].as_str(), Some("5.*"));
    assert_eq!(text.matches(DATE_PLACEHOLDER).count(), 1, "{text}");
    assert!(
        text.contains("# [[reviewed]]\n# name = \"Strawberry Perl (64-bit)\""),
        "{text}"
    );
    assert!(text.contains("2 host(s) in 2 organisation(s)"), "{text}");

    // Filled in, it loads with the catalogue's loader beside the test catalogue.
    let filled = text.replace(DATE_PLACEHOLDER, "security_support_end = 2030-06-30");
    let mut files: Vec<(String, String)> = std::fs::read_dir(fixture_catalog())
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect();
    files.push(("overlay.toml".into(), filled.clone()));
    let catalog = Catalog::from_files(&files).expect("the filled snippet loads");
    assert!(catalog.product("local-strawberry-perl-64-bit").is_some());
    // The commented-out decision, uncommented instead, loads too.
    let decision: String = text
        .split("# [[reviewed]]")
        .nth(1)
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches("# "))
        .collect::<Vec<_>>()
        .join("\n");
    files.pop();
    files.push(("reviewed.toml".into(), format!("[[reviewed]]{decision}\n")));
    let catalog = Catalog::from_files(&files).expect("the decision loads");
    assert!(catalog.is_reviewed(
        "Strawberry Perl (64-bit)",
        Some("strawberryperl.com project")
    ));

    // Put in the collector's catalogue and reloaded: the hosts are judged again, the program is
    // a finding now, and leaves the triage.
    std::fs::write(server.catalog_dir.join("overlay.toml"), filled).unwrap();
    server.reload_catalog().await;
    let page = server.get_json(&cookie, "/api/v1/triage").await;
    assert_eq!(page["total"], 10, "{page}");
    assert!(row(&page, "Strawberry Perl (64-bit)").is_none());
    let findings = server
        .get_json(
            &cookie,
            "/api/v1/findings?product=local-strawberry-perl-64-bit",
        )
        .await;
    assert_eq!(findings["total"], 2, "{findings}");
    // Nobody has it now: its snippet is not found.
    let (status, _) = server
        .get(&cookie, "/triage/snippet.toml?name=Strawberry%20Perl%20(64-bit)&publisher=strawberryperl.com%20project")
        .await;
    assert_eq!(status, 404);
}

async fn entries_are_bounded_per_host(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let mut inv = inventory(7);
    let template = inv.software[0].clone();
    inv.software = (0..MAX_PER_HOST + 50)
        .map(|i| Software {
            name: format!("In-house tool {i:04}"),
            key: format!("tool-{i}"),
            ..template.clone()
        })
        .collect();
    inv.software.push(Software {
        name: "N".repeat(MAX_NAME + 1),
        key: "long".into(),
        ..template.clone()
    });
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    let cookie = server.session("viewer").await;
    let page = server
        .get_json(&cookie, "/api/v1/triage?sort=name&limit=1000")
        .await;
    assert_eq!(page["total"], MAX_PER_HOST, "{}", page["total"]);
    let names: Vec<String> = rows(&page).into_iter().map(|r| r.0).collect();
    assert_eq!(
        names.first().map(String::as_str),
        Some("In-house tool 0000")
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some(format!("In-house tool {:04}", MAX_PER_HOST - 1).as_str())
    );
    // The next report replaces the host's rows (one program left).
    inv.software.truncate(1);
    inv.host.report_id = uuid::Uuid::new_v4();
    inv.host.collected_at += chrono::Duration::minutes(1);
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    let page = server.get_json(&cookie, "/api/v1/triage").await;
    assert_eq!(page["total"], 1, "{page}");
}
