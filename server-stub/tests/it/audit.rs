//! Users and the audit log (issue 17, part 5): users are listed with their last login, removed
//! (their sessions and API tokens end) and given another role, each audited; logins, failed
//! logins and logouts are audited with the client's address; the audit page reads in words, is
//! filtered by actor, action and dates, paged, and exported as CSV — for whole-estate users only.

use chrono::{DateTime, Duration, Utc};
use sunset_collector::admin::{self, Admin, AdminError, Role};
use sunset_collector::clock::ManualClock;
use sunset_collector::org::OrgKind;
use sunset_collector::store::{self, OrgError, Scope, UserError};

use crate::logins::log_in;
use crate::util::{Backend, TestServer, start_with_clock};

backend_tests!(
    users_are_listed_removed_and_regranted_each_audited,
    the_audit_page_reads_in_words_filters_pages_and_exports_csv,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn collector(backend: &Backend) -> (TestServer, ManualClock) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    let server = start_with_clock(backend, true, |_| {}, clock.clock()).await;
    (server, clock)
}

/// The session cookie a login response sets.
fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("sunset_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// The CSRF token of the logout form on a page.
fn page_csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[start..start + 64].to_string()
}

/// The audit entries of `action`, newest first, as (actor, detail).
async fn entries(server: &TestServer, action: &str) -> Vec<(String, serde_json::Value)> {
    store::audit_log(&server.state.db, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| (e.actor, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

async fn users_are_listed_removed_and_regranted_each_audited(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let now = server.state.now();
    admin::add_org(
        db,
        &op,
        "Riverside PCN",
        OrgKind::Pcn,
        None,
        Some("U00001"),
        now,
    )
    .await
    .unwrap();
    for (name, role, org) in [
        ("alice", Role::Admin, None),
        ("bob", Role::Viewer, Some("U00001")),
    ] {
        let password = format!("{name}'s long password");
        admin::add_user(db, &op, name, role, org, password, now)
            .await
            .unwrap();
    }
    // Bob logs in through the form an hour later, and fails once first.
    clock.advance(std::time::Duration::from_secs(3600));
    let failed = log_in(&server, "bob", "not bob's password").await;
    assert_eq!(failed.headers()["location"], "/login?failed=1");
    let ok = log_in(&server, "bob", "bob's long password").await;
    assert_eq!(ok.headers()["location"], "/");
    let bob_session = session_cookie(&ok);

    let users = store::list_users(db, &Scope::estate()).await.unwrap();
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            (
                u.name.as_str(),
                u.role,
                u.org.as_str(),
                u.created_at.as_str(),
                u.last_login_at.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("alice", Role::Admin, "Estate", "2029-01-02T09:00:00Z", None),
            (
                "bob",
                Role::Viewer,
                "Riverside PCN",
                "2029-01-02T09:00:00Z",
                Some("2029-01-02T10:00:00Z")
            ),
        ]
    );
    let logins = entries(&server, "login").await;
    assert_eq!(logins.len(), 1);
    assert_eq!(
        (logins[0].0.as_str(), &logins[0].1["address"]),
        ("bob", &"127.0.0.1".into())
    );
    let failures = entries(&server, "login.failed").await;
    assert_eq!(failures[0].1["address"], "127.0.0.1");

    // Bob becomes an admin of the whole estate: his session reads the new grant at once.
    let (status, _) = server.get(&bob_session, "/audit").await;
    assert_eq!(status, 403, "a PCN's viewer reads no audit log");
    let change = admin::set_user_role(db, &op, "bob", Role::Admin, Some("Estate"), now)
        .await
        .unwrap();
    assert_eq!(
        (change.from_role, change.from_org.as_str()),
        (Role::Viewer, "Riverside PCN")
    );
    assert_eq!(change.to_org, "Estate");
    let (status, page) = server.get(&bob_session, "/audit").await;
    assert_eq!(status, 200, "{page}");
    // A role alone keeps the organisation.
    let change = admin::set_user_role(db, &op, "bob", Role::RiskOwner, None, now)
        .await
        .unwrap();
    assert_eq!(
        (change.from_role, change.to_org.as_str()),
        (Role::Admin, "Estate")
    );
    let roles = entries(&server, "user.role").await;
    assert_eq!(roles.len(), 2);
    assert_eq!(roles.iter().filter(|(actor, _)| actor == "cli").count(), 2);
    assert!(roles.iter().any(|(_, d)| d["from_role"] == "viewer"
        && d["role"] == "admin"
        && d["from_org"] == "Riverside PCN"
        && d["org"] == "Estate"));
    for refused in [
        admin::set_user_role(db, &op, "nobody", Role::Admin, None, now).await,
        admin::set_user_role(db, &op, "bob", Role::Admin, Some("Nowhere"), now).await,
    ] {
        assert!(
            matches!(
                refused,
                Err(AdminError::User(
                    UserError::NoUser(_) | UserError::Org(OrgError::NotFound(_))
                ))
            ),
            "{refused:?}"
        );
    }

    // Bob logs out (audited), logs in again, gets an API token; then he is removed.
    let csrf = page_csrf(&page);
    let logout = crate::util::http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/logout", server.url))
        .header("cookie", &bob_session)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status().as_u16(), 303);
    let logouts = entries(&server, "logout").await;
    assert_eq!(
        (logouts[0].0.as_str(), &logouts[0].1["address"]),
        ("bob", &"127.0.0.1".into())
    );
    let bob_session = session_cookie(&log_in(&server, "bob", "bob's long password").await);
    let api_token = admin::issue_token(db, &op, "bob", "scripts", now)
        .await
        .unwrap();
    let removed = admin::remove_user(db, &op, "bob", now).await.unwrap();
    assert_eq!((removed.sessions, removed.tokens), (1, 1));
    let (status, _) = server.get(&bob_session, "/api/v1/summary").await;
    assert_eq!(status, 401, "his session ended");
    let by_token = server
        .client
        .get(format!("{}/api/v1/summary", server.url))
        .bearer_auth(&api_token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status().as_u16(), 401, "his API token ended");
    assert!(store::user_by_name(db, "bob").await.unwrap().is_none());
    let removals = entries(&server, "user.remove").await;
    assert_eq!(removals[0].1["sessions_ended"], 1);
    assert_eq!(removals[0].1["api_tokens_deleted"], 1);
    let again = admin::remove_user(db, &op, "bob", now).await;
    assert!(matches!(again, Err(AdminError::User(UserError::NoUser(_)))));
    let names: Vec<_> = store::list_users(db, &Scope::estate())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["alice"]);
    // Bob's name can be used again.
    admin::add_user(
        db,
        &op,
        "bob",
        Role::Viewer,
        None,
        "a new long password".into(),
        now,
    )
    .await
    .unwrap();
}

async fn the_audit_page_reads_in_words_filters_pages_and_exports_csv(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    // Day 1: a site enrolled and its token rotated. Day 2: a catalogue reload. Day 3: a user
    // added, and 120 failed logins of one name.
    admin::add_site(db, &op, "Riverside", None, server.state.now())
        .await
        .unwrap();
    clock.advance(std::time::Duration::from_secs(60));
    let grace = "7d".parse().unwrap();
    admin::rotate_site_token(db, &op, "Riverside", grace, None, server.state.now())
        .await
        .unwrap();
    clock.advance(std::time::Duration::from_secs(86400));
    server.reload_catalog().await;
    clock.advance(std::time::Duration::from_secs(86400));
    // The session's user is added by the test harness on day 3 (`user.add`, actor `test`).
    let (admin_cookie, _) = server.session_with_csrf("admin").await;
    for n in 0..120 {
        let detail = format!("{{\"address\":\"192.0.2.{n}\",\"via\":\"basic\"}}");
        let at = server.state.now() + Duration::seconds(n);
        store::audit_event(db, "mallory", "login.failed", &detail, at)
            .await
            .unwrap();
    }

    // Readable: subject and details in words, not JSON.
    let (status, page) = server.get(&admin_cookie, "/audit?action=site").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<td>site.rotate-token</td><td>Riverside</td><td>grace until: 2029-01-09T09:01:00Z; reactivated: false; replaced: 1; site id:"), "{page}");
    assert!(!page.contains("{&quot;"), "raw JSON on the page: {page}");
    assert!(page.contains("1–2 of 2"), "{page}");
    // Filtered by actor, action (one or its family) and dates; paged by 100.
    for (query, total) in [
        ("", 124),
        ("?actor=cli", 3),
        ("?actor=mallory", 120),
        ("?action=site.add", 1),
        ("?action=site", 2),
        ("?action=login", 120),
        ("?from=2029-01-03&to=2029-01-03", 1),
        ("?to=2029-01-02", 2),
        ("?from=2029-01-04", 121),
        ("?actor=cli&from=2029-01-03", 1),
        ("?actor=nobody", 0),
    ] {
        let (status, page) = server.get(&admin_cookie, &format!("/audit{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert!(
            page.contains(&format!(" of {total}</span>")),
            "{query}: {total}\n{page}"
        );
    }
    let (_, first) = server.get(&admin_cookie, "/audit?actor=mallory").await;
    assert!(first.contains("1–100 of 120") && first.contains("192.0.2.119"));
    assert!(
        first.contains("href=\"/audit?actor=mallory&amp;offset=100\""),
        "{first}"
    );
    let (_, second) = server
        .get(&admin_cookie, "/audit?actor=mallory&offset=100")
        .await;
    assert!(
        second.contains("101–120 of 120") && second.contains("192.0.2.0;"),
        "{second}"
    );
    assert!(!second.contains("192.0.2.119"));
    let (_, reloads) = server
        .get(&admin_cookie, "/audit?action=catalog.reload")
        .await;
    assert!(
        reloads.contains("<td>cli</td><td>catalog.reload</td><td>test-1</td><td>hosts: 0; origin:"),
        "{reloads}"
    );

    // Bad filters: 400 naming what.
    for (query, words) in [
        ("?from=yesterday", "from must be a date"),
        (
            "?from=2029-01-04&to=2029-01-03",
            "to (2029-01-03) is before from (2029-01-04)",
        ),
        ("?action=site%25", "action must be"),
        ("?offset=-1", "offset must be"),
    ] {
        let (status, page) = server.get(&admin_cookie, &format!("/audit{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(page.contains(words), "{query}: {page}");
    }

    // CSV: the same rows, every page, header first; formulas defused.
    let (status, csv) = server
        .get(&admin_cookie, "/exports/audit.csv?action=site")
        .await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "at,actor,action,subject,details");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("2029-01-02T09:01:00Z,cli,site.rotate-token,Riverside,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("2029-01-02T09:00:00Z,cli,site.add,Riverside,"),
        "{csv}"
    );
    let (_, all) = server
        .get(&admin_cookie, "/exports/audit.csv?actor=mallory")
        .await;
    assert_eq!(all.lines().count(), 121);
    store::audit_event(db, "=cmd()", "login.failed", "{}", server.state.now())
        .await
        .unwrap();
    let (_, csv) = server
        .get(&admin_cookie, "/exports/audit.csv?action=login")
        .await;
    assert!(csv.contains("\"'=cmd()\""), "{csv}");

    // Only whole-estate users read it, on the page and the export alike.
    admin::add_org(
        db,
        &op,
        "Riverside PCN",
        OrgKind::Pcn,
        None,
        Some("U00001"),
        server.state.now(),
    )
    .await
    .unwrap();
    let (pcn_admin, _) = server.session_on("admin", Some("U00001")).await;
    for path in [
        "/audit",
        "/exports/audit.csv",
        "/exports/audit.csv?actor=mallory",
    ] {
        let (status, body) = server.get(&pcn_admin, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(
            body.contains("only users granted the whole estate"),
            "{body}"
        );
        assert!(!body.contains("mallory"));
    }
}
