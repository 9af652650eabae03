//! The organisation CSV import (issue 16, part 1): a good file imports the tree (a second run changes
//! only what changed), every bad row is reported with its line and nothing is imported, cycles are
//! refused.

use sunset_collector::admin::{self, Admin, AdminError};
use sunset_collector::org::OrgKind;
use sunset_collector::store::{self, OrgNode, Scope};

use crate::orgs::run;
use crate::util::{Backend, fixture_catalog, start};

backend_tests!(
    a_good_csv_file_imports_the_tree_and_a_second_run_changes_only_what_changed,
    a_csv_file_with_bad_rows_reports_each_and_imports_nothing,
    cycles_in_a_csv_file_are_refused,
);

/// The tree as (depth, label, kind) lines.
fn outline(tree: &OrgNode) -> Vec<String> {
    tree.flatten()
        .into_iter()
        .map(|(depth, node)| {
            format!(
                "{}{} ({})",
                "  ".repeat(depth),
                node.org.label(),
                node.org.kind
            )
        })
        .collect()
}

async fn a_good_csv_file_imports_the_tree_and_a_second_run_changes_only_what_changed(
    backend: Backend,
) {
    let server = start(&backend).await;
    let db = &server.state.db;
    let (operator, now) = (Admin::operator(), server.state.now());
    // Excel's byte-order mark, columns in another order, a quoted name with a comma, parents
    // after their children, a blank kind, and a parent already stored.
    admin::add_org(
        db,
        &operator,
        "County Trust",
        OrgKind::Trust,
        None,
        Some("RXX"),
        now,
    )
    .await
    .unwrap();
    let file = "\u{feff}Name,ODS code,Parent ODS code,Kind\n\
                \"Riverside Surgery, Main\",A81001,U00001,practice\n\
                Hillside Practice,a81002,U00001,\n\
                North PCN,U00001,QWE,pcn\n\
                NHS Example ICB,QWE,,icb\n\
                General Hospital,RXX01,RXX,hospital\n";
    let done = admin::import_orgs(db, &operator, "orgs.csv", file.as_bytes(), now)
        .await
        .unwrap();
    assert_eq!(
        (done.added, done.changed, done.moved, done.unchanged),
        (5, 0, 0, 0)
    );
    let tree = store::org_tree(db, &Scope::estate()).await.unwrap();
    assert_eq!(
        outline(&tree),
        [
            "Estate (estate)",
            "  County Trust [RXX] (trust)",
            "    General Hospital [RXX01] (hospital)",
            "  NHS Example ICB [QWE] (icb)",
            "    North PCN [U00001] (pcn)",
            "      Hillside Practice [A81002] (other)",
            "      Riverside Surgery, Main [A81001] (practice)",
        ]
    );
    // A site under the PCN's practice, with a host, moves with it below.
    let (_, token) = admin::add_site(db, &operator, "Hillside", Some("A81002"), now)
        .await
        .unwrap();
    let (status, _) = server.send(&token, &crate::util::inventory(1)).await;
    assert_eq!(status, 200);

    // The same file again changes nothing; then a practice moves to a new PCN and is renamed,
    // and its site and host move with it.
    let again = admin::import_orgs(db, &operator, "orgs.csv", file.as_bytes(), now)
        .await
        .unwrap();
    assert_eq!(
        (again.added, again.changed, again.moved, again.unchanged),
        (0, 0, 0, 5)
    );
    let update = "ods_code,name,parent_ods_code\n\
                  A81002,Hillside Medical Practice,U00002\n\
                  U00002,South PCN,QWE\n";
    let done = admin::import_orgs(db, &operator, "update.csv", update.as_bytes(), now)
        .await
        .unwrap();
    assert_eq!(
        (done.added, done.changed, done.moved, done.unchanged),
        (1, 1, 1, 0)
    );
    let south = store::find_org(db, &Scope::estate(), "U00002")
        .await
        .unwrap();
    let south_tree = store::org_tree(db, &south.scope()).await.unwrap();
    assert_eq!(
        outline(&south_tree),
        [
            "South PCN [U00002] (other)",
            "  Hillside Medical Practice [A81002] (other)",
        ]
    );
    assert_eq!((south_tree.hosts, south_tree.children[0].sites), (1, 1));
    let north = store::find_org(db, &Scope::estate(), "U00001")
        .await
        .unwrap();
    assert_eq!(store::org_tree(db, &north.scope()).await.unwrap().hosts, 0);
    // A PCN moves to another ICB with its practices below it: their scope follows.
    let moved = "ods_code,name,parent_ods_code,kind\n\
                 U00001,North PCN,QWF,\n\
                 QWF,Other ICB,,icb\n";
    let done = admin::import_orgs(db, &operator, "move.csv", moved.as_bytes(), now)
        .await
        .unwrap();
    assert_eq!((done.added, done.moved), (1, 1));
    let qwe = store::find_org(db, &Scope::estate(), "QWE").await.unwrap();
    let qwf = store::find_org(db, &Scope::estate(), "QWF").await.unwrap();
    assert!(store::find_org(db, &qwf.scope(), "A81001").await.is_ok());
    assert!(matches!(
        store::find_org(db, &qwe.scope(), "A81001").await,
        Err(store::OrgError::NotFound(_))
    ));
    assert_eq!(
        outline(&store::org_tree(db, &qwf.scope()).await.unwrap()),
        [
            "Other ICB [QWF] (icb)",
            "  North PCN [U00001] (pcn)",
            "    Riverside Surgery, Main [A81001] (practice)",
        ]
    );
    let audit = store::audit_log(db, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "org.import").count(), 4);
}

async fn a_csv_file_with_bad_rows_reports_each_and_imports_nothing(backend: Backend) {
    let server = start(&backend).await;
    let db = &server.state.db;
    let (operator, now) = (Admin::operator(), server.state.now());
    admin::add_org(
        db,
        &operator,
        "NHS Example ICB",
        OrgKind::Icb,
        None,
        Some("QWE"),
        now,
    )
    .await
    .unwrap();
    admin::add_org(
        db,
        &operator,
        "North PCN",
        OrgKind::Pcn,
        Some("QWE"),
        Some("U00001"),
        now,
    )
    .await
    .unwrap();
    let before = outline(&store::org_tree(db, &Scope::estate()).await.unwrap());
    let audited = store::audit_log(db, 100).await.unwrap().len();
    let file = "ods_code,name,parent_ods_code,kind\n\
                A81001,Good Practice,U00001,practice\n\
                A81-002,Bad Code,U00001,practice\n\
                A81003,,U00001,practice\n\
                A81004,Unknown Parent,ZZZ99,practice\n\
                A81005,Bad Kind,U00001,surgery\n\
                A81001,Duplicate Code,U00001,practice\n\
                A81006,Child Of Bad Row,A81-002,practice\n\
                A81007,Good Practice,U00001,practice\n\
                A81008,North PCN,QWE,pcn\n\
                A81009,Too,Many,Fields,practice\n\
                A81010,Root,,estate\n\
                A81011,Own Parent,A81011,practice\n\
                A81012,Child Of A Nameless Row,A81003,practice\n";
    let err = admin::import_orgs(db, &operator, "practices.csv", file.as_bytes(), now)
        .await
        .unwrap_err();
    let AdminError::Import { errors, .. } = &err else {
        panic!("{err}");
    };
    let got: Vec<String> = errors.iter().map(|e| e.in_file("practices.csv")).collect();
    let expected = [
        "practices.csv:3: ods_code: an ODS code is 1 to 9 letters and digits (got \"A81-002\")",
        "practices.csv:4: name: must be 1 to 200 characters on one line",
        "practices.csv:5: parent_ods_code: no organisation with ODS code ZZZ99 in the file or already stored",
        "practices.csv:6: kind: \"surgery\" is not one of icb, pcn, practice, trust, hospital, ward, clinic, other",
        "practices.csv:7: ods_code: A81001 is also on line 2",
        "practices.csv:8: parent_ods_code: an ODS code is 1 to 9 letters and digits (got \"A81-002\")",
        "practices.csv:9: name: the organisation on line 2 under U00001 is also named \"Good Practice\"",
        "practices.csv:10: name: an organisation already stored under QWE is also named \"North PCN\"",
        "practices.csv:11: row: 5 fields, but the header has 4",
        "practices.csv:12: kind: \"estate\" is not one of icb, pcn, practice, trust, hospital, ward, clinic, other",
        "practices.csv:13: parent_ods_code: an organisation cannot be its own parent",
    ];
    assert_eq!(got, expected, "{err}");
    let message = err.to_string();
    assert!(
        message.ends_with("11 bad row(s); nothing was imported"),
        "{message}"
    );
    assert_eq!(
        outline(&store::org_tree(db, &Scope::estate()).await.unwrap()),
        before
    );
    assert_eq!(store::audit_log(db, 100).await.unwrap().len(), audited);

    // A header that does not name the columns is refused as a whole, and so is an empty file.
    for (file, expected) in [
        (
            "code,title,parent\n",
            "import.csv:1: row: unknown column \"title\"",
        ),
        (
            "ods_code,name\nA1,X\n",
            "import.csv:1: parent_ods_code: the header has no such column",
        ),
        ("", "import.csv:1: row: the file is empty"),
    ] {
        let err = admin::import_orgs(db, &operator, "import.csv", file.as_bytes(), now)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{file:?}: {err}");
    }

    // Through the command line: the same report on standard error, and a failing exit.
    let path = server.config.data_dir.join("practices.csv");
    std::fs::write(&path, file).unwrap();
    let config = server.config.data_dir.join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {:?}\ncatalog_dir = {:?}\n",
            server.config.database_url,
            fixture_catalog().display().to_string()
        ),
    )
    .unwrap();
    let (ok, _, err) = run(&config, &["org", "import", path.to_str().unwrap()]);
    assert!(!ok);
    let shown = format!(
        "{}:5: parent_ods_code: no organisation with ODS code ZZZ99",
        path.display()
    );
    assert!(err.contains(&shown), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let good = server.config.data_dir.join("good.csv");
    std::fs::write(
        &good,
        "ods_code,name,parent_ods_code\nA81001,Good Practice,U00001\n",
    )
    .unwrap();
    let (ok, out, err) = run(&config, &["org", "import", good.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("1 added, 0 renamed or re-kinded, 0 moved, 0 unchanged"),
        "{out}"
    );
}

async fn cycles_in_a_csv_file_are_refused(backend: Backend) {
    let server = start(&backend).await;
    let db = &server.state.db;
    let (operator, now) = (Admin::operator(), server.state.now());
    admin::add_org(
        db,
        &operator,
        "North PCN",
        OrgKind::Pcn,
        None,
        Some("U00001"),
        now,
    )
    .await
    .unwrap();
    admin::add_org(
        db,
        &operator,
        "Riverside",
        OrgKind::Practice,
        Some("U00001"),
        Some("A81001"),
        now,
    )
    .await
    .unwrap();
    let before = outline(&store::org_tree(db, &Scope::estate()).await.unwrap());
    // In the file alone (A → B → C → A), and through a stored organisation: the PCN under its
    // own practice.
    let file = "ods_code,name,parent_ods_code\n\
                AAA,A,CCC\n\
                BBB,B,AAA\n\
                CCC,C,BBB\n\
                U00001,North PCN,A81001\n\
                DDD,Fine,\n";
    let err = admin::import_orgs(db, &operator, "loop.csv", file.as_bytes(), now)
        .await
        .unwrap_err();
    let AdminError::Import { errors, .. } = &err else {
        panic!("{err}");
    };
    let got: Vec<String> = errors.iter().map(|e| e.in_file("loop.csv")).collect();
    assert_eq!(got.len(), 4, "{got:?}");
    for line in 2..=4 {
        assert!(
            got.iter().any(|e| e
                .starts_with(&format!("loop.csv:{line}: parent_ods_code: cycle: "))
                && e.contains("AAA")
                && e.contains("BBB")
                && e.contains("CCC")),
            "{got:?}"
        );
    }
    assert!(
        got.contains(&"loop.csv:5: parent_ods_code: cycle: U00001 → A81001 → U00001".to_string()),
        "{got:?}"
    );
    assert_eq!(
        outline(&store::org_tree(db, &Scope::estate()).await.unwrap()),
        before
    );
}
