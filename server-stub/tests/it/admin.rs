//! Administrative actions behave alike whichever door they come through: the dashboard's form and
//! the JSON API refuse a forged request before they look at the role, refuse viewers, and audit
//! what they do; an audit entry that cannot be written is an error, never a silent success.

use sunset_collector::admin::{self, Admin};
use sunset_collector::store;

use crate::util::{Backend, TestServer, http, inventory, start};

backend_tests!(
    a_catalogue_reload_is_checked_and_audited_alike_on_every_door,
    a_reload_whose_audit_entry_fails_is_an_error_on_every_door,
    site_and_user_changes_are_undone_when_their_audit_entry_cannot_be_written,
);

/// The `catalog.reload` entries of the audit log: (actor, detail).
async fn reloads(server: &TestServer) -> Vec<(String, serde_json::Value)> {
    store::audit_log(&server.state.db, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "catalog.reload")
        .map(|e| (e.actor, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

/// Posts the dashboard's reload form; returns the status and the page.
async fn by_form(server: &TestServer, cookie: &str, csrf: &str) -> (u16, String) {
    let no_redirect = http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirect
        .post(format!("{}/admin/catalog/reload", server.url))
        .header("cookie", cookie)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Calls the API's reload with a session cookie (and its CSRF header) or an API token.
async fn by_api(server: &TestServer, auth: Auth<'_>) -> (u16, serde_json::Value) {
    let request = server
        .client
        .post(format!("{}/api/v1/catalog/reload", server.url));
    let request = match auth {
        Auth::Session(cookie, csrf) => request
            .header("cookie", cookie)
            .header("x-csrf-token", csrf),
        Auth::Token(token) => request.bearer_auth(token),
        Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
    };
    crate::util::read(request.send().await.unwrap()).await
}

enum Auth<'a> {
    Session(&'a str, &'a str),
    Token(&'a str),
    Basic(&'a str, &'a str),
}

async fn a_catalogue_reload_is_checked_and_audited_alike_on_every_door(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    server.send(&token, &inventory(1)).await;
    let forged = "0".repeat(64);

    // A viewer's forged request is refused as forged on both doors: the role is not looked at.
    let (viewer, viewer_csrf) = server.session_with_csrf("viewer").await;
    let (status, page) = by_form(&server, &viewer, &forged).await;
    assert_eq!(status, 403);
    assert!(page.contains("CSRF check failed"), "{page}");
    let (status, reply) = by_api(&server, Auth::Session(&viewer, &forged)).await;
    assert_eq!(status, 403);
    assert_eq!(reply["error"], "missing or wrong X-CSRF-Token");
    // Not forged, but a viewer: the same refusal on both.
    let (status, page) = by_form(&server, &viewer, &viewer_csrf).await;
    assert_eq!(status, 403);
    assert!(
        page.contains("Only admins of the whole estate can reload the catalogue."),
        "{page}"
    );
    let (status, reply) = by_api(&server, Auth::Session(&viewer, &viewer_csrf)).await;
    assert_eq!(status, 403);
    assert_eq!(
        reply["error"],
        "Only admins of the whole estate can reload the catalogue."
    );
    assert!(reloads(&server).await.is_empty());

    // An admin through the form, the API with a session, and the API with a token: each audited.
    let (admin_cookie, csrf) = server.session_with_csrf("admin").await;
    let (status, page) = by_form(&server, &admin_cookie, &csrf).await;
    assert_eq!(status, 303, "{page}");
    let (status, reply) = by_api(&server, Auth::Session(&admin_cookie, &csrf)).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["hosts"], 1);
    store::upsert_user(
        &server.state.db,
        "ops",
        admin::Role::Admin,
        None,
        "unused",
        "test",
        server.state.now(),
    )
    .await
    .unwrap();
    let api_token = admin::issue_token(
        &server.state.db,
        &Admin::operator(),
        "ops",
        "cmdb-sync",
        server.state.now(),
    )
    .await
    .unwrap();
    let (status, reply) = by_api(&server, Auth::Token(&api_token)).await;
    assert_eq!(status, 200, "{reply}");
    // A viewer's token is refused as a viewer (tools send no CSRF header).
    store::upsert_user(
        &server.state.db,
        "dashboards",
        admin::Role::Viewer,
        None,
        "unused",
        "test",
        server.state.now(),
    )
    .await
    .unwrap();
    let viewer_token = admin::issue_token(
        &server.state.db,
        &Admin::operator(),
        "dashboards",
        "grafana",
        server.state.now(),
    )
    .await
    .unwrap();
    let (status, reply) = by_api(&server, Auth::Token(&viewer_token)).await;
    assert_eq!(status, 403);
    assert_eq!(
        reply["error"],
        "Only admins of the whole estate can reload the catalogue."
    );
    // An admin's right password over HTTP Basic: refused, since a browser resends Basic
    // credentials on a request another site forged.
    admin::add_user(
        &server.state.db,
        &Admin::operator(),
        "carol",
        admin::Role::Admin,
        None,
        "correct horse battery".into(),
        server.state.now(),
    )
    .await
    .unwrap();
    let (status, reply) = by_api(&server, Auth::Basic("carol", "correct horse battery")).await;
    assert_eq!(status, 403, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("use an API token"),
        "{reply}"
    );

    let mut entries = reloads(&server).await;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries[0].0.starts_with("admin-") && entries[1].0 == entries[0].0);
    assert_eq!(entries[2].0, "ops");
    for (_, detail) in &entries {
        assert_eq!(detail["catalog_version"], "test-1");
        assert_eq!(detail["hosts"], 1);
    }
    // The command line's reload is the same function, audited as the operator.
    server.reload_catalog().await;
    assert!(
        reloads(&server)
            .await
            .iter()
            .any(|(actor, _)| actor == "cli")
    );
}

/// Renames a table (to make the audit log unwritable for a moment).
async fn rename_table(server: &TestServer, from: &str, to: &str) {
    let sql = format!("ALTER TABLE {from} RENAME TO {to}");
    server
        .state
        .db
        .write(async |tx| sqlx::query(&sql).execute(&mut *tx).await.map(drop))
        .await
        .unwrap();
}

async fn a_reload_whose_audit_entry_fails_is_an_error_on_every_door(backend: Backend) {
    let server = start(&backend).await;
    let (cookie, csrf) = server.session_with_csrf("admin").await;
    // The audit log cannot be written (its table is out of the way for a moment).
    rename_table(&server, "audit_log", "audit_log_away").await;
    let (status, page) = by_form(&server, &cookie, &csrf).await;
    let (api_status, reply) = by_api(&server, Auth::Session(&cookie, &csrf)).await;
    rename_table(&server, "audit_log_away", "audit_log").await;
    assert_eq!(status, 500);
    assert!(
        page.contains("catalogue test-1 is in force and 0 host(s) were re-evaluated, but its audit log entry could not be written"),
        "{page}"
    );
    assert_eq!(api_status, 500);
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("but its audit log entry could not be written; see the collector's log"),
        "{reply}"
    );
    assert!(reloads(&server).await.is_empty());
    // Once the audit log can be written, so is the reload's entry.
    let (status, _) = by_api(&server, Auth::Session(&cookie, &csrf)).await;
    assert_eq!(status, 200);
    assert_eq!(reloads(&server).await.len(), 1);
}

/// Sites and users are changed in the same transaction as their audit entry: when the entry cannot
/// be written, the change is not made either (no enrolled site, account, new role or removal the
/// log does not show).
async fn site_and_user_changes_are_undone_when_their_audit_entry_cannot_be_written(
    backend: Backend,
) {
    let server = start(&backend).await;
    let db = &server.state.db;
    let (operator, now) = (Admin::operator(), server.state.now());
    admin::add_site(db, &operator, "Lakeside", None, now)
        .await
        .unwrap();
    admin::add_user(
        db,
        &operator,
        "dora",
        admin::Role::Viewer,
        None,
        "a long enough password".to_string(),
        now,
    )
    .await
    .unwrap();
    let audited = store::audit_log(db, 100).await.unwrap().len();

    rename_table(&server, "audit_log", "audit_log_away").await;
    assert!(
        admin::add_site(db, &operator, "Hillside", None, now)
            .await
            .is_err()
    );
    assert!(
        admin::revoke_site(db, &operator, "Lakeside", now)
            .await
            .is_err()
    );
    let password = "a long enough password".to_string();
    let user = admin::add_user(
        db,
        &operator,
        "carol",
        admin::Role::Viewer,
        None,
        password,
        now,
    )
    .await;
    assert!(user.is_err());
    // Nor is an existing user given another role, or removed.
    let role = admin::set_user_role(db, &operator, "dora", admin::Role::Admin, None, now).await;
    let removed = admin::remove_user(db, &operator, "dora", now).await;
    assert!(role.is_err() && removed.is_err());
    rename_table(&server, "audit_log_away", "audit_log").await;
    let (dora, _) = store::user_by_name(db, "dora")
        .await
        .unwrap()
        .expect("dora stays");
    assert_eq!(
        dora.role,
        admin::Role::Viewer,
        "her role changed without an audit entry"
    );

    let sites = store::list_sites(db, &store::Scope::estate())
        .await
        .unwrap();
    assert!(!sites.iter().any(|s| s.name == "Hillside"), "{sites:?}");
    let lakeside = sites.iter().find(|s| s.name == "Lakeside").unwrap();
    assert_eq!(lakeside.revoked_at, None, "revoked without an audit entry");
    assert!(store::user_by_name(db, "carol").await.unwrap().is_none());
    assert_eq!(store::audit_log(db, 100).await.unwrap().len(), audited);

    // With the log back, each is made and audited by its actor.
    admin::revoke_site(db, &operator, "Lakeside", now)
        .await
        .unwrap();
    let entries = store::audit_log(db, 100).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "site.revoke" && e.actor == "cli")
    );
}
