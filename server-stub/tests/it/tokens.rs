//! Site enrolment tokens (issue 17, part 4), on the collector's clock (moved, never slept on): a
//! rotated token works through its grace period and is refused after it, an expiring token after
//! its expiry, a revoked one at once, each with a 401 that says which; tokens are listed with their
//! last use, written at most once a minute; a revoked site can be enrolled again, hosts and all;
//! and a version 5 database keeps every site's token.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sunset_collector::admin::{self, Admin, AdminError};
use sunset_collector::clock::ManualClock;
use sunset_collector::period::Period;
use sunset_collector::store::{self, Scope, SiteError, SiteToken, TokenState};
use sunset_loadgen::fake;

use crate::util::{
    Backend, TestServer, database_url, fixture_catalog, shipped_schema, start_with_clock,
};

backend_tests!(
    a_rotated_token_works_through_its_grace_period_then_is_refused,
    an_expiring_token_is_refused_after_its_expiry,
    one_token_can_be_revoked_and_a_revoked_site_enrolled_again,
    tokens_are_listed_with_their_last_use_written_at_most_once_a_minute,
    every_token_change_is_audited_or_not_made,
    a_version_5_database_keeps_every_site_token,
);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn period(text: &str) -> Period {
    text.parse().unwrap()
}

/// A collector on a manual clock standing at 2029-01-02 09:00 UTC.
async fn collector(backend: &Backend) -> (TestServer, ManualClock) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    let server = start_with_clock(backend, true, |_| {}, clock.clock()).await;
    (server, clock)
}

/// Sends a report of host `n`, collected now by the collector's clock.
async fn report(server: &TestServer, token: &str, n: u64) -> (u16, Value) {
    let inventory = fake::inventory(n, 12, "Riverside", server.state.now());
    server.send(token, &inventory).await
}

/// The site's tokens, oldest first.
async fn tokens(server: &TestServer, site: &str) -> Vec<SiteToken> {
    store::list_site_tokens(&server.state.db, &Scope::estate(), site)
        .await
        .unwrap()
        .expect("site")
}

fn advance(clock: &ManualClock, by: Duration) {
    clock.advance(by.to_std().unwrap());
}

async fn a_rotated_token_works_through_its_grace_period_then_is_refused(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let (_, old) = admin::add_site(db, &op, "Riverside", None, server.state.now())
        .await
        .unwrap();
    assert_eq!(report(&server, &old, 1).await.0, 200);

    advance(&clock, Duration::minutes(1));
    let rotated =
        admin::rotate_site_token(db, &op, "Riverside", period("7d"), None, server.state.now())
            .await
            .unwrap();
    assert_eq!(rotated.replaced, 1);
    assert_eq!(rotated.grace_until.as_deref(), Some("2029-01-09T09:01:00Z"));
    assert!(!rotated.reactivated && rotated.expires_at.is_none());
    let new = rotated.token;
    assert!(new.starts_with("sst_") && new != old);
    // Both work during the grace period, for the same site and host.
    for token in [&old, &new] {
        let (status, ack) = report(&server, token, 1).await;
        assert_eq!(status, 200, "{ack}");
        assert_eq!(ack["site"], "Riverside");
    }
    let states: Vec<_> = tokens(&server, "Riverside")
        .await
        .iter()
        .map(|t| t.state(server.state.now()))
        .collect();
    assert_eq!(states, [TokenState::Grace, TokenState::Active]);

    // The last minute of the grace period, then its end.
    advance(&clock, Duration::days(7) - Duration::minutes(1));
    assert_eq!(report(&server, &old, 1).await.0, 200);
    advance(&clock, Duration::minutes(1));
    let (status, reply) = report(&server, &old, 1).await;
    assert_eq!(status, 401, "{reply}");
    assert_eq!(
        reply["error"],
        "site token replaced at 2029-01-02T09:01:00Z and refused since 2029-01-09T09:01:00Z, \
         when its grace period ended; put the site's new token in the agent's configuration"
    );
    assert_eq!(report(&server, &new, 1).await.0, 200);

    // No grace: the token in use is refused at once.
    let again =
        admin::rotate_site_token(db, &op, "Riverside", period("0"), None, server.state.now())
            .await
            .unwrap();
    assert_eq!(again.replaced, 1, "the expired token is not replaced again");
    assert_eq!(report(&server, &new, 1).await.0, 401);
    assert_eq!(report(&server, &again.token, 1).await.0, 200);
    let states: Vec<_> = tokens(&server, "Riverside")
        .await
        .iter()
        .map(|t| t.state(server.state.now()))
        .collect();
    assert_eq!(
        states,
        [TokenState::Expired, TokenState::Expired, TokenState::Active]
    );
    // A rotation of a site that does not exist.
    let missing =
        admin::rotate_site_token(db, &op, "Nowhere", period("1d"), None, server.state.now()).await;
    assert!(
        matches!(missing, Err(AdminError::Site(SiteError::Unknown(ref n))) if n == "Nowhere"),
        "{missing:?}"
    );
}

async fn an_expiring_token_is_refused_after_its_expiry(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let now = server.state.now();
    let (_, token) = admin::enrol_site(db, &op, "Riverside", None, Some(period("90d")), now)
        .await
        .unwrap();
    let listed = tokens(&server, "Riverside").await;
    assert_eq!(
        listed[0].expires_at.as_deref(),
        Some("2029-04-02T09:00:00Z")
    );
    advance(&clock, Duration::days(90) - Duration::seconds(1));
    assert_eq!(report(&server, &token, 1).await.0, 200);
    advance(&clock, Duration::seconds(1));
    let (status, reply) = report(&server, &token, 1).await;
    assert_eq!(status, 401, "{reply}");
    assert_eq!(
        reply["error"],
        "site token expired at 2029-04-02T09:00:00Z; ask the collector's administrator for the \
         site's current token"
    );

    // A rotation's new token may expire too, and a grace period never outlasts the old token's
    // own expiry.
    let (_, short) = admin::enrol_site(
        db,
        &op,
        "Hillside",
        None,
        Some(period("1d")),
        server.state.now(),
    )
    .await
    .unwrap();
    let rotated = admin::rotate_site_token(
        db,
        &op,
        "Hillside",
        period("30d"),
        Some(period("12h")),
        server.state.now(),
    )
    .await
    .unwrap();
    assert_eq!(rotated.expires_at.as_deref(), Some("2029-04-02T21:00:00Z"));
    let listed = tokens(&server, "Hillside").await;
    let replaced = listed.iter().find(|t| t.id != rotated.token_id).unwrap();
    assert_eq!(replaced.expires_at.as_deref(), Some("2029-04-03T09:00:00Z"));
    advance(&clock, Duration::hours(12));
    assert_eq!(report(&server, &rotated.token, 2).await.0, 401);
    assert_eq!(report(&server, &short, 2).await.0, 200, "still in its day");
    advance(&clock, Duration::hours(12));
    let (status, reply) = report(&server, &short, 2).await;
    assert_eq!(status, 401);
    assert!(
        reply["error"].as_str().unwrap().contains("replaced at"),
        "{reply}"
    );
}

async fn one_token_can_be_revoked_and_a_revoked_site_enrolled_again(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let (site, first) = admin::add_site(db, &op, "Riverside", None, server.state.now())
        .await
        .unwrap();
    let (status, ack) = report(&server, &first, 1).await;
    assert_eq!(status, 200, "{ack}");
    let host_id = ack["host_id"].as_str().unwrap().to_string();
    advance(&clock, Duration::minutes(1));
    let now = server.state.now();
    let second = admin::rotate_site_token(db, &op, "Riverside", period("7d"), None, now)
        .await
        .unwrap();

    // One token revoked by a prefix of its id; the other keeps working.
    let ids: Vec<String> = tokens(&server, "Riverside")
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    let revoked = admin::revoke_site_token(db, &op, "Riverside", &ids[0][..8], now)
        .await
        .unwrap();
    assert_eq!(revoked, ids[0]);
    let (status, reply) = report(&server, &first, 1).await;
    assert_eq!(status, 401);
    assert_eq!(
        reply["error"],
        "site token revoked at 2029-01-02T09:01:00Z; ask the collector's administrator for the \
         site's current token"
    );
    assert_eq!(report(&server, &second.token, 1).await.0, 200);
    for (id, why) in [
        (ids[0].as_str(), "already revoked"),
        ("0000000", "too short"),
        ("zzzzzzzz", "not an id"),
        ("%%%%%%%%", "a wildcard"),
    ] {
        let refused = admin::revoke_site_token(db, &op, "Riverside", id, now).await;
        assert!(
            matches!(refused, Err(AdminError::Site(SiteError::NoToken { .. }))),
            "{why}: {refused:?}"
        );
    }

    // The site revoked: every token refused, and "already exists" is no dead end any more.
    admin::revoke_site(db, &op, "Riverside", now).await.unwrap();
    assert_eq!(report(&server, &second.token, 1).await.0, 401);
    let (again, third) = admin::add_site(db, &op, "Riverside", None, now)
        .await
        .unwrap();
    assert_eq!(again.id, site.id, "the same site, enrolled again");
    assert_eq!((again.hosts, again.revoked_at.as_deref()), (1, None));
    let (status, ack) = report(&server, &third, 1).await;
    assert_eq!(status, 200, "its host reports for it again: {ack}");
    assert_eq!(ack["host_id"], host_id.as_str());
    assert_eq!(
        report(&server, &second.token, 1).await.0,
        401,
        "old tokens stay revoked"
    );
    let exists = admin::add_site(db, &op, "Riverside", None, now).await;
    assert!(matches!(
        exists,
        Err(AdminError::Site(SiteError::Exists(_)))
    ));

    // Or revoked, then given a new token by a rotation: active again.
    admin::revoke_site(db, &op, "Riverside", now).await.unwrap();
    let fourth = admin::rotate_site_token(db, &op, "Riverside", period("7d"), None, now)
        .await
        .unwrap();
    assert!(fourth.reactivated);
    assert_eq!(fourth.replaced, 0);
    assert_eq!(report(&server, &fourth.token, 1).await.0, 200);
    assert_eq!(report(&server, &third, 1).await.0, 401);
    let sites = store::list_sites(db, &Scope::estate()).await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].revoked_at, None);
    assert_eq!(
        report(&server, "sst_unknown", 1).await.1["error"],
        "unknown site token"
    );
}

async fn tokens_are_listed_with_their_last_use_written_at_most_once_a_minute(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let (_, token) = admin::add_site(db, &op, "Riverside", None, server.state.now())
        .await
        .unwrap();
    let listed = tokens(&server, "Riverside").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].created_at, "2029-01-02T09:00:00Z");
    assert_eq!(listed[0].last_used_at, None);
    assert_eq!(report(&server, &token, 1).await.0, 200);
    let used = |t: &[SiteToken]| t[0].last_used_at.clone();
    assert_eq!(
        used(&tokens(&server, "Riverside").await).as_deref(),
        Some("2029-01-02T09:00:00Z")
    );
    // Within the minute, reports write nothing about the token.
    advance(&clock, Duration::seconds(59));
    for n in 2..5 {
        assert_eq!(report(&server, &token, n).await.0, 200);
    }
    assert_eq!(
        used(&tokens(&server, "Riverside").await).as_deref(),
        Some("2029-01-02T09:00:00Z")
    );
    advance(&clock, Duration::seconds(2));
    assert_eq!(report(&server, &token, 5).await.0, 200);
    assert_eq!(
        used(&tokens(&server, "Riverside").await).as_deref(),
        Some("2029-01-02T09:01:01Z")
    );
    // A refused report (a host of another site) still used the token; an unknown site lists none.
    let (_, other) = admin::add_site(db, &op, "Hillside", None, server.state.now())
        .await
        .unwrap();
    advance(&clock, Duration::minutes(5));
    assert_eq!(report(&server, &other, 1).await.0, 409);
    assert_eq!(
        used(&tokens(&server, "Hillside").await).as_deref(),
        Some("2029-01-02T09:06:01Z")
    );
    assert!(
        store::list_site_tokens(db, &Scope::estate(), "Nowhere")
            .await
            .unwrap()
            .is_none()
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

async fn every_token_change_is_audited_or_not_made(backend: Backend) {
    let (server, _clock) = collector(&backend).await;
    let (db, op) = (&server.state.db, Admin::operator());
    let now = server.state.now();
    let (_, token) = admin::enrol_site(db, &op, "Riverside", None, Some(period("90d")), now)
        .await
        .unwrap();
    rename_table(&server, "audit_log", "audit_log_away").await;
    let rotated = admin::rotate_site_token(db, &op, "Riverside", period("0"), None, now).await;
    let id = tokens(&server, "Riverside").await[0].id.clone();
    let revoked = admin::revoke_site_token(db, &op, "Riverside", &id, now).await;
    rename_table(&server, "audit_log_away", "audit_log").await;
    assert!(rotated.is_err() && revoked.is_err());
    assert_eq!(tokens(&server, "Riverside").await.len(), 1, "no new token");
    assert_eq!(
        report(&server, &token, 1).await.0,
        200,
        "not replaced, not revoked"
    );

    let rotated = admin::rotate_site_token(db, &op, "Riverside", period("1d"), None, now)
        .await
        .unwrap();
    admin::revoke_site_token(db, &op, "Riverside", &id, now)
        .await
        .unwrap();
    admin::revoke_site(db, &op, "Riverside", now).await.unwrap();
    admin::add_site(db, &op, "Riverside", None, now)
        .await
        .unwrap();
    let entries = store::audit_log(db, 100).await.unwrap();
    let details = |action: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e.action == action && e.actor == "cli")
            .map(|e| serde_json::from_str(&e.detail).unwrap())
            .collect()
    };
    let adds = details("site.add");
    assert_eq!(adds.len(), 2);
    assert!(
        adds.iter()
            .any(|a| a["reactivated"] == true && a["expires_at"].is_null()),
        "{adds:?}"
    );
    assert!(
        adds.iter()
            .any(|a| a["reactivated"] == false && a["expires_at"] == "2029-04-02T09:00:00Z"),
        "{adds:?}"
    );
    let rotation = &details("site.rotate-token")[0];
    assert_eq!(rotation["site"], "Riverside");
    assert_eq!(rotation["token_id"], rotated.token_id.as_str());
    assert_eq!(rotation["grace_until"], "2029-01-03T09:00:00Z");
    assert_eq!(details("site.revoke-token")[0]["token_id"], id.as_str());
    assert_eq!(details("site.revoke")[0]["tokens_revoked"], 1);
    // No secret reaches the log: neither a token nor its hash.
    let log = format!("{entries:?}");
    let hash = sunset_collector::auth::hash_token(&rotated.token);
    for secret in [&token, &rotated.token, &hash] {
        assert!(!log.contains(secret.as_str()));
    }
}

async fn a_version_5_database_keeps_every_site_token(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let old = shipped_schema(&url, 5).await;
    let hash = sunset_collector::auth::hash_token;
    let root = store::ROOT_ORG_ID;
    let insert = format!(
        "INSERT INTO sites (id, name, org_id, token_hash, created_at, revoked_at) VALUES \
         ('s1', 'Riverside', '{root}', '{}', '2026-01-01T00:00:00Z', NULL), \
         ('s2', 'Old Clinic', '{root}', '{}', '2026-01-02T00:00:00Z', '2026-06-01T00:00:00Z')",
        hash("sst_riverside"),
        hash("sst_old_clinic"),
    );
    sqlx::query(&insert).execute(&old).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, name, role, password_hash, created_at, org_id) VALUES \
         ('u1', 'alice', 'admin', 'argon', '2026-01-01T00:00:00Z', $1)",
    )
    .bind(root)
    .execute(&old)
    .await
    .unwrap();
    old.close().await;

    let config = sunset_collector::config::Config::resolve(
        sunset_collector::config::FileConfig {
            database_url: Some(url),
            catalog_dir: Some(fixture_catalog()),
            ..Default::default()
        },
        &sunset_collector::config::Overrides {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
            config_file: None,
        },
    )
    .unwrap();
    let db = sunset_collector::db::Db::open(&config).await.unwrap();
    let now = at("2026-12-01T00:00:00Z");
    let site = store::check_site_token(&db, "sst_riverside", now)
        .await
        .unwrap()
        .expect("the token still works");
    assert_eq!(
        (site.site_id.as_str(), site.site_name.as_str()),
        ("s1", "Riverside")
    );
    assert!(site.record_use, "never used since the migration");
    let refused = store::check_site_token(&db, "sst_old_clinic", now)
        .await
        .unwrap();
    assert_eq!(
        refused,
        Err(store::TokenRefusal::Revoked("2026-06-01T00:00:00Z".into()))
    );
    let listed = store::list_site_tokens(&db, &Scope::estate(), "Riverside")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        listed,
        [SiteToken {
            id: "s1".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: None,
            replaced_at: None,
            revoked_at: None,
            last_used_at: None,
        }]
    );
    let users = store::list_users(&db, &Scope::estate()).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].name.as_str(), users[0].last_login_at.as_deref()),
        ("alice", None)
    );
    // The revoked site can be enrolled again, keeping its id.
    let (again, _) = admin::add_site(&db, &Admin::operator(), "Old Clinic", None, now)
        .await
        .unwrap();
    assert_eq!(again.id, "s2");
    db.close().await;
}
