//! The organisation tree (issue 16, part 1): a database of flat sites migrates without losing a
//! site, host, user, session or token; organisations are managed from the command line and
//! imported from CSV (`org_import.rs`).

use std::process::Command;

use sunset_collector::config::{Config, FileConfig, Overrides};
use sunset_collector::db::Db;
use sunset_collector::org::{OrgKind, Role};
use sunset_collector::store::{self, ROOT_ORG_ID, Scope};

use crate::util::{Backend, database_url, fixture_catalog};

backend_tests!(
    a_database_of_flat_sites_migrates_without_loss,
    organisations_are_managed_from_the_command_line,
);

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

/// The schema as it was before organisations (migrations 1 to 4, exactly as shipped).
async fn schema_v4(url: &str) -> sqlx::AnyPool {
    crate::util::shipped_schema(url, 4).await
}

fn config(url: String, dir: &std::path::Path) -> Config {
    Config::resolve(
        FileConfig {
            database_url: Some(url),
            catalog_dir: Some(fixture_catalog()),
            ..FileConfig::default()
        },
        &Overrides {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.to_path_buf()),
            config_file: None,
        },
    )
    .unwrap()
}

/// Every row of `table` as text, in a fixed order (to compare before and after).
async fn rows(pool: &sqlx::AnyPool, sql: &str) -> Vec<Vec<Option<String>>> {
    use sqlx::Row;
    let rows = sqlx::query(sql).fetch_all(pool).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                .collect()
        })
        .collect()
}

// The token hashes move to `site_tokens` in migration 6; that they still work is checked below.
const SITES: &str = "SELECT id, name, created_at, revoked_at FROM sites ORDER BY id";
const HOSTS: &str =
    "SELECT host_id, site_id, hostname, status, last_report_id FROM hosts ORDER BY host_id";
const USERS: &str = "SELECT id, name, role, password_hash, created_at FROM users ORDER BY id";
const SESSIONS: &str =
    "SELECT id_hash, user_id, csrf_token, expires_at FROM sessions ORDER BY id_hash";
const TOKENS: &str = "SELECT id, user_id, name, token_hash, revoked_at FROM api_tokens ORDER BY id";
const RISKS: &str = "SELECT id, host_id, finding_key, owner, review_date FROM risks ORDER BY id";

async fn a_database_of_flat_sites_migrates_without_loss(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let old = schema_v4(&url).await;
    // A flat estate as version 4 stored it: two sites (one revoked), hosts, users of both roles,
    // a live session, API tokens (one revoked) and a risk.
    let (session_id, site_token, api_token) = ("a".repeat(64), "sst_site", "sut_tool");
    let hash = sunset_collector::auth::hash_token;
    let statements = [
        format!(
            "INSERT INTO sites VALUES ('s1', 'Riverside Surgery', '{}', '2026-01-01T00:00:00Z', NULL), \
             ('s2', 'Old Clinic', 'h2', '2026-01-02T00:00:00Z', '2026-06-01T00:00:00Z')",
            hash(site_token)
        ),
        "INSERT INTO users VALUES ('u1', 'alice', 'admin', 'argon-a', '2026-01-01T00:00:00Z'), \
         ('u2', 'bob', 'viewer', 'argon-b', '2026-01-03T00:00:00Z')"
            .to_string(),
        format!(
            "INSERT INTO sessions VALUES ('{}', 'u2', 'csrf', '2026-01-04T00:00:00Z', '2999-01-01T00:00:00Z')",
            hash(&session_id)
        ),
        format!(
            "INSERT INTO api_tokens VALUES ('t1', 'u1', 'cmdb', '{}', '2026-01-05T00:00:00Z', NULL), \
             ('t2', 'u2', 'old', 'h-old', '2026-01-05T00:00:00Z', '2026-02-01T00:00:00Z')",
            hash(api_token)
        ),
        "INSERT INTO risks VALUES ('r1', 'h1', '', 'Practice manager', 'VLAN', '2027-01-01', 'alice', '2026-01-06T00:00:00Z')"
            .to_string(),
    ];
    for sql in statements {
        sqlx::query(&sql).execute(&old).await.unwrap();
    }
    for (n, site) in [(1, "s1"), (2, "s1"), (3, "s2")] {
        sqlx::query(
            "INSERT INTO hosts (host_id, site_id, hostname, hostname_lower, os_name, os_version, \
             agent_version, collected_at, first_seen_at, last_seen_at, last_report_id, status, \
             status_since, finding_count, unsupported_count, catalog_version, evaluated_on, inventory) \
             VALUES ($1, $2, $3, $4, 'Windows 10', '22H2', '0.1.0', '2026-01-01T00:00:00Z', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', $5, 'unsupported', '2026-01-01T00:00:00Z', \
             1, 1, 'test-1', '2026-01-01', '{}')",
        )
        .bind(format!("h{n}"))
        .bind(site)
        .bind(format!("WKS-{n}"))
        .bind(format!("wks-{n}"))
        .bind(format!("report-{n}"))
        .execute(&old)
        .await
        .unwrap();
    }
    let before: Vec<_> = snapshot(&old).await;
    old.close().await;

    let db = Db::open(&config(url, dir.path())).await.unwrap();
    let after: Vec<_> = snapshot(db.reader()).await;
    assert_eq!(
        before, after,
        "every site, host, user, session, token and risk is kept"
    );

    // Every site and user is now under the root, the whole estate, with the role they had.
    let tree = store::org_tree(&db, &Scope::estate()).await.unwrap();
    assert_eq!(tree.org.id, ROOT_ORG_ID);
    assert_eq!(
        (tree.org.kind, tree.org.name.as_str()),
        (OrgKind::Estate, "Estate")
    );
    assert_eq!((tree.sites, tree.hosts, tree.children.len()), (2, 3, 0));
    let sites = store::list_sites(&db, &Scope::estate()).await.unwrap();
    assert!(sites.iter().all(|s| s.org_id == ROOT_ORG_ID), "{sites:?}");
    let session = store::session(&db, &session_id, chrono::Utc::now())
        .await
        .unwrap()
        .expect("the session still works");
    assert_eq!(session.user.name, "bob");
    assert_eq!(session.user.role, Role::Viewer);
    assert!(session.user.scope.is_estate());
    let tool = store::tokens::user_for_token(&db, api_token)
        .await
        .unwrap()
        .expect("the API token still works");
    assert_eq!((tool.name.as_str(), tool.role), ("alice", Role::Admin));
    assert!(tool.scope.is_estate());
    let site = store::check_site_token(&db, site_token, chrono::Utc::now())
        .await
        .unwrap()
        .expect("the site token still works");
    assert_eq!(
        (site.site_id.as_str(), site.site_name.as_str()),
        ("s1", "Riverside Surgery")
    );
    // The new constraints hold: a site needs an organisation, and there is one root.
    let orphan = db
        .write(async |tx| {
            sqlx::query("INSERT INTO sites (id, name, created_at) VALUES ('s9', 'x', 'now')")
                .execute(&mut *tx)
                .await
        })
        .await;
    assert!(orphan.is_err(), "a site without an organisation was stored");
    let second_root = db
        .write(async |tx| {
            sqlx::query(
                "INSERT INTO organisations (id, parent_id, name, kind, path, created_at) \
                 VALUES ('r2', NULL, 'Other estate', 'estate', '/r2/', 'now')",
            )
            .execute(&mut *tx)
            .await
        })
        .await;
    assert!(second_root.is_err(), "a second root was stored");
    db.close().await;
}

/// The compared tables' rows.
async fn snapshot(pool: &sqlx::AnyPool) -> Vec<Vec<Vec<Option<String>>>> {
    let mut out = Vec::new();
    for sql in [SITES, HOSTS, USERS, SESSIONS, TOKENS, RISKS] {
        out.push(rows(pool, sql).await);
    }
    out
}

pub(crate) fn run(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run collector");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn organisations_are_managed_from_the_command_line(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {url:?}\ncatalog_dir = {:?}\n",
            fixture_catalog().display().to_string()
        ),
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let (ok, out, err) = run(&config, args);
        assert!(ok, "{args:?}: {err}");
        out
    };
    let refused = |args: &[&str]| {
        let (ok, _, err) = run(&config, args);
        assert!(!ok, "{args:?} was accepted");
        err
    };
    let out = ok(&[
        "org",
        "add",
        "NHS Example ICB",
        "--kind",
        "icb",
        "--ods",
        "qwe",
    ]);
    assert!(out.contains("NHS Example ICB [QWE] (icb) added"), "{out}");
    ok(&[
        "org",
        "add",
        "North PCN",
        "--kind",
        "pcn",
        "--parent",
        "QWE",
        "--ods",
        "U00001",
    ]);
    ok(&[
        "org",
        "add",
        "South PCN",
        "--kind",
        "pcn",
        "--parent",
        "NHS Example ICB",
    ]);
    ok(&[
        "org",
        "add",
        "Riverside Surgery",
        "--kind",
        "practice",
        "--parent",
        "u00001",
        "--ods",
        "A81001",
    ]);
    ok(&[
        "org",
        "add",
        "The Surgery",
        "--kind",
        "practice",
        "--parent",
        "North PCN",
    ]);
    ok(&[
        "org",
        "add",
        "The Surgery",
        "--kind",
        "practice",
        "--parent",
        "South PCN",
    ]);
    ok(&[
        "org",
        "add",
        "County Trust",
        "--kind",
        "trust",
        "--ods",
        "RXX",
    ]);
    ok(&[
        "org",
        "add",
        "General Hospital",
        "--kind",
        "hospital",
        "--parent",
        "RXX",
        "--ods",
        "RXX01",
    ]);
    ok(&[
        "org", "add", "Ward 7", "--kind", "ward", "--parent", "RXX01",
    ]);

    // Refusals name what is wrong.
    assert!(
        refused(&[
            "org",
            "add",
            "Elsewhere",
            "--kind",
            "practice",
            "--ods",
            "A81001"
        ])
        .contains("ODS code A81001 is already \"Riverside Surgery\"'s")
    );
    assert!(
        refused(&["org", "add", "Bad", "--kind", "other", "--ods", "A81-001"])
            .contains("an ODS code is 1 to 9 letters and digits")
    );
    assert!(
        refused(&[
            "org", "add", "Lost", "--kind", "other", "--parent", "Nowhere"
        ])
        .contains("no organisation \"Nowhere\"")
    );
    assert!(
        refused(&[
            "org",
            "add",
            "Ward 8",
            "--kind",
            "ward",
            "--parent",
            "The Surgery"
        ])
        .contains("2 organisations are named \"The Surgery\": give its ODS code or id")
    );
    assert!(
        refused(&[
            "org",
            "add",
            "North PCN",
            "--kind",
            "pcn",
            "--parent",
            "QWE"
        ])
        .contains("\"NHS Example ICB\" already has an organisation named \"North PCN\"")
    );
    assert!(
        refused(&["org", "add", "Root", "--kind", "estate"]).contains("invalid value 'estate'")
    );

    // Sites: under an organisation by ODS code or name, under the root without --org, moved.
    let out = ok(&["site", "add", "Riverside Main", "--org", "A81001"]);
    assert!(out.contains("enrolled under Riverside Surgery"), "{out}");
    assert!(out.lines().last().unwrap().starts_with("sst_"));
    let out = ok(&["site", "add", "Unplaced"]);
    assert!(out.contains("enrolled under Estate"), "{out}");
    ok(&["site", "move", "Unplaced", "--org", "Ward 7"]);
    assert!(
        refused(&["site", "move", "Nobody", "--org", "RXX"])
            .contains("no active site named \"Nobody\"")
    );
    assert!(refused(&["site", "add", "Lost", "--org", "ZZZ"]).contains("no organisation \"ZZZ\""));
    let list = ok(&["site", "list"]);
    assert!(
        list.lines()
            .any(|l| l.contains("Unplaced") && l.contains("Ward 7")),
        "{list}"
    );

    // Users: a role on an organisation.
    let password = dir.path().join("password");
    std::fs::write(&password, "a long enough password\n").unwrap();
    let pw = password.to_str().unwrap();
    let out = ok(&[
        "user",
        "add",
        "nora",
        "--role",
        "risk-owner",
        "--org",
        "U00001",
        "--password-file",
        pw,
    ]);
    assert!(
        out.contains("user nora (risk-owner of North PCN) saved"),
        "{out}"
    );
    let out = ok(&["user", "add", "olga", "--password-file", pw]);
    assert!(out.contains("user olga (viewer of Estate) saved"), "{out}");
    assert!(
        refused(&[
            "user",
            "add",
            "pat",
            "--org",
            "Nowhere",
            "--password-file",
            pw
        ])
        .contains("no organisation")
    );

    // The tree, with sites and rolled-up hosts.
    let tree = ok(&["org", "list"]);
    let expected = "\
Estate (estate) — 0 site(s), 0 host(s)
├─ County Trust [RXX] (trust) — 0 site(s), 0 host(s)
│  └─ General Hospital [RXX01] (hospital) — 0 site(s), 0 host(s)
│     └─ Ward 7 (ward) — 1 site(s), 0 host(s)
└─ NHS Example ICB [QWE] (icb) — 0 site(s), 0 host(s)
   ├─ North PCN [U00001] (pcn) — 0 site(s), 0 host(s)
   │  ├─ Riverside Surgery [A81001] (practice) — 1 site(s), 0 host(s)
   │  └─ The Surgery (practice) — 0 site(s), 0 host(s)
   └─ South PCN (pcn) — 0 site(s), 0 host(s)
      └─ The Surgery (practice) — 0 site(s), 0 host(s)
";
    assert_eq!(tree, expected);

    // Each change is audited by the operator.
    let db = Db::open(&config_from_file(&config, dir.path()))
        .await
        .unwrap();
    let audit = store::audit_log(&db, 100).await.unwrap();
    for (action, n) in [
        ("org.add", 9),
        ("site.add", 2),
        ("site.move", 1),
        ("user.add", 2),
    ] {
        let found = audit
            .iter()
            .filter(|e| e.action == action && e.actor == "cli")
            .count();
        assert_eq!(found, n, "{action}: {audit:?}");
    }
    let nora = store::user_by_name(&db, "nora").await.unwrap().unwrap().0;
    assert_eq!(
        (nora.role, nora.org_name.as_str()),
        (Role::RiskOwner, "North PCN")
    );
    assert!(!nora.scope.is_estate());
    db.close().await;
}

fn config_from_file(file: &std::path::Path, dir: &std::path::Path) -> Config {
    Config::load(&Overrides {
        listen: None,
        data_dir: Some(dir.to_path_buf()),
        config_file: Some(file.to_path_buf()),
    })
    .unwrap()
}
