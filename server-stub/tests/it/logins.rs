//! Who may call (issue 11.2 and 11.7): password checks are few at a time and throttled per user and
//! per address with growing delays, failed logins are audited, API tokens let tools in without a
//! password, and a password reset ends the user's sessions.

use std::time::Duration;

use sunset_collector::store::tokens as api_tokens;
use sunset_collector::{auth, store};

use crate::util::{Backend, TestServer, start};

backend_tests!(
    basic_auth_floods_are_throttled_and_api_tokens_work,
    login_form_is_throttled_audited_and_a_reset_ends_sessions,
);

async fn add_user(server: &TestServer, name: &str, password: &str, role: &str) {
    let hash = auth::hash_password(password).unwrap();
    store::upsert_user(
        &server.state.db,
        name,
        role.parse().unwrap(),
        None,
        &hash,
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok())
}

async fn basic_auth_floods_are_throttled_and_api_tokens_work(backend: Backend) {
    let server = start(&backend).await;
    add_user(&server, "alice", "correct horse battery", "viewer").await;
    let url = format!("{}/api/v1/summary", server.url);

    // 64 wrong passwords at once: refused (401), throttled (429) or told to come back (503) —
    // never let in, never a 500, and only a few of them cost an argon2 check.
    let mut flood = Vec::new();
    for _ in 0..64 {
        let request = server
            .client
            .get(&url)
            .basic_auth("alice", Some("wrong password"));
        flood.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), retry_after(&response))
        }));
    }
    let mut statuses = Vec::new();
    for request in flood {
        statuses.push(request.await.unwrap());
    }
    assert!(
        statuses.iter().all(|(s, _)| matches!(s, 401 | 429 | 503)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|(s, _)| *s != 401).count() > 40,
        "most of the flood is throttled (429) or, on a slow machine, told to come back (503): \
         {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .filter(|(s, _)| *s != 401)
            .all(|(_, r)| r.is_some()),
        "429 and 503 carry Retry-After"
    );
    let failed = store::audit_log(&server.state.db, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failed" && e.actor == "alice")
        .count();
    assert!(
        (6..=16).contains(&failed),
        "{failed} argon2 checks failed and were audited; the rest were refused unchecked"
    );

    // The right password is refused too while the wait lasts, and the address is throttled for
    // any user.
    let right = server
        .client
        .get(&url)
        .basic_auth("alice", Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 429);
    let wait = retry_after(&right).unwrap();
    let other = server
        .client
        .get(&url)
        .basic_auth("bob", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 429);

    // An API token is not a password: it is not throttled, and costs one indexed lookup.
    let token = api_tokens::issue(
        &server.state.db,
        "alice",
        "monitoring",
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(token.starts_with("sut_") && token.len() == 68);
    let with_token = server
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status().as_u16(), 200);
    assert!(
        api_tokens::revoke(
            &server.state.db,
            "alice",
            "monitoring",
            "test",
            chrono::Utc::now()
        )
        .await
        .unwrap()
    );
    let revoked = server
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 401);

    // After the wait, the right password works again.
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    let later = server
        .client
        .get(&url)
        .basic_auth("alice", Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status().as_u16(), 200);
}

/// The login form's round trip; returns the response (no redirects followed).
pub async fn log_in(server: &TestServer, user: &str, password: &str) -> reqwest::Response {
    let client = crate::util::http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/login", server.url))
        .send()
        .await
        .unwrap();
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = cookie.split_once('=').unwrap().1.to_string();
    client
        .post(format!("{}/login", server.url))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn login_form_is_throttled_audited_and_a_reset_ends_sessions(backend: Backend) {
    let server = start(&backend).await;
    add_user(&server, "alice", "correct horse battery", "admin").await;
    for attempt in 0..6 {
        let response = log_in(&server, "alice", &format!("guess {attempt}")).await;
        assert_eq!(response.status().as_u16(), 303, "attempt {attempt}");
        assert_eq!(response.headers()["location"], "/login?failed=1");
    }
    // Six failures in a row: the next attempt waits, even with the right password.
    let throttled = log_in(&server, "alice", "correct horse battery").await;
    assert_eq!(throttled.status().as_u16(), 429);
    let wait = retry_after(&throttled).unwrap();
    let page = throttled.text().await.unwrap();
    assert!(page.contains("too many failed logins"), "{page}");
    let audit = store::audit_log(&server.state.db, 100).await.unwrap();
    let failures: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "login.failed")
        .collect();
    assert_eq!(failures.len(), 6, "{audit:?}");
    assert!(failures.iter().all(|e| e.actor == "alice"
        && e.detail.contains("\"via\":\"form\"")
        && e.detail.contains("127.0.0.1")));

    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    let ok = log_in(&server, "alice", "correct horse battery").await;
    assert_eq!(ok.status().as_u16(), 303);
    assert_eq!(ok.headers()["location"], "/");
    let session = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("sunset_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let audit = store::audit_log(&server.state.db, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login" && e.actor == "alice")
    );
    let (status, _) = server.get(&session, "/").await;
    assert_eq!(status, 200);

    // A password reset (`user add` again) logs out whoever had the old one.
    add_user(&server, "alice", "a new long passphrase", "admin").await;
    let no_redirect = crate::util::http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let after = no_redirect
        .get(format!("{}/", server.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status().as_u16(),
        303,
        "the old session no longer works"
    );
    assert_eq!(after.headers()["location"], "/login");
}
