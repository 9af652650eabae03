//! The smaller items of issue 11: risk-register keys, page offsets, caching and HSTS headers, the
//! `/metrics` token, and the dashboard over plain HTTP (issue 11.8 and 11.9).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use tower::ServiceExt;

use crate::util::{Backend, inventory, start, start_with_config};

backend_tests!(
    risk_register_accepts_only_real_finding_keys,
    page_offsets_and_filter_values_out_of_range_are_400,
    authenticated_pages_and_exports_are_never_cached,
    metrics_can_require_a_token,
    the_dashboard_over_plain_http_is_for_this_machine_only,
);

/// The CSRF token on a page.
fn csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).expect("csrf field") + marker.len();
    page[at..at + 64].to_string()
}

async fn risk_register_accepts_only_real_finding_keys(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let inv = inventory(1);
    server.send(&token, &inv).await;
    let cookie = server.session("admin").await;
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", inv.host.host_id))
        .await;
    let csrf = csrf(&page);
    let no_redirect = crate::util::http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let review = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let save = |key: String| {
        no_redirect
            .post(format!("{}/hosts/{}/risks", server.url, inv.host.host_id))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.clone()),
                ("finding_key", key),
                ("owner", "Practice manager".to_string()),
                ("mitigation", "Isolated VLAN".to_string()),
                ("review_date", review.clone()),
            ])
            .send()
    };
    let all_risks = async || {
        use sunset_collector::store::{Scope, Selection, risks};
        let everything = Selection::new(Scope::estate());
        risks(&server.state.db, &everything, &server.state.stale_cutoff())
            .await
            .unwrap()
    };
    let before = all_risks().await;
    for key in [
        "x".repeat(100_000),
        "software|nonexistent|thing".to_string(),
    ] {
        let response = save(key).await.unwrap();
        assert_eq!(response.status().as_u16(), 422);
    }
    assert_eq!(all_risks().await, before);
    let real = {
        let marker = "option value=\"";
        let at = page.find(&format!("{marker}os|")).expect("an OS finding") + marker.len();
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    assert_eq!(save(real.clone()).await.unwrap().status().as_u16(), 303);
    assert_eq!(save(String::new()).await.unwrap().status().as_u16(), 303);
    let risks = all_risks().await;
    assert_eq!(risks.len(), 2);
    assert!(risks.iter().any(|r| r.finding_key == real));
}

async fn page_offsets_and_filter_values_out_of_range_are_400(backend: Backend) {
    let server = start(&backend).await;
    let cookie = server.session("viewer").await;
    for path in [
        "/hosts?offset=9223372036854775807",
        "/findings?offset=9223372036854775807",
        "/api/v1/hosts?offset=9223372036854775807",
        "/api/v1/findings?offset=-1",
        "/hosts?offset=-5",
    ] {
        let (status, body) = server.get(&cookie, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("offset"), "{path}: {body}");
    }
    let (status, _) = server.get(&cookie, "/api/v1/hosts?offset=1000000000").await;
    assert_eq!(status, 200);
    // Filters are parsed before the store is asked: a value that is not one is a 400 naming it.
    for (path, parameter) in [
        ("/api/v1/hosts?status=retired", "status"),
        ("/api/v1/findings.csv?target=firmware", "target"),
        ("/api/v1/summary?stale=maybe", "stale"),
        ("/hosts?status=Unsupported", "status"),
        ("/exports/findings.csv?target=bios", "target"),
    ] {
        let (status, body) = server.get(&cookie, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(parameter), "{path}: {body}");
    }
    for path in [
        "/api/v1/hosts?status=unsupported&stale=false",
        "/findings?target=os&stale=true",
    ] {
        let (status, body) = server.get(&cookie, path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}

async fn authenticated_pages_and_exports_are_never_cached(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    server.send(&token, &inventory(1)).await;
    let cookie = server.session("viewer").await;
    for path in [
        "/",
        "/hosts",
        "/evidence",
        "/exports/hosts.csv",
        "/evidence.csv",
        "/api/v1/hosts",
        "/api/v1/findings.csv",
        &format!("/api/v1/hosts/{}", inventory(1).host.host_id),
    ] {
        let response = server
            .client
            .get(format!("{}{path}", server.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "no HSTS over plain HTTP"
        );
    }
    let style = server
        .client
        .get(format!("{}/static/style.css", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(style.headers()["cache-control"], "max-age=3600");

    // Configured for TLS, every answer carries HSTS (checked on the router: the TLS handshake
    // itself is axum-server's).
    let mut config = server.state.config.clone();
    config.tls = Some(sunset_collector::config::TlsConfig {
        cert_file: "cert.pem".into(),
        key_file: "key.pem".into(),
    });
    let state = sunset_collector::state::AppState::new(
        server.state.db.clone(),
        config,
        sunset_collector::catalog_source::load(Some(&server.catalog_dir)).unwrap(),
    );
    for path in ["/login", "/healthz", "/api/v1/hosts"] {
        let response = sunset_collector::server::app(state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}

async fn metrics_can_require_a_token(backend: Backend) {
    let secret_dir = tempfile::tempdir().unwrap();
    let path = secret_dir.path().join("metrics.token");
    std::fs::write(&path, "a-long-random-metrics-token\n").unwrap();
    let server = start_with_config(&backend, true, |file| {
        file.metrics_token_file = Some(path.clone());
    })
    .await;
    let url = format!("{}/metrics", server.url);
    let get = |token: Option<&'static str>| {
        let mut request = server.client.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(get(None).await.unwrap().status().as_u16(), 401);
    assert_eq!(get(Some("wrong")).await.unwrap().status().as_u16(), 401);
    let ok = get(Some("a-long-random-metrics-token")).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("sunset_reports_received_total")
    );
    // Rotated without a restart.
    std::fs::write(&path, "another-long-metrics-token\n").unwrap();
    assert_eq!(
        get(Some("a-long-random-metrics-token"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        get(Some("another-long-metrics-token"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

/// A request as it arrives from `peer` (the server adds the peer address the same way).
fn from(peer: &str, method: &str, path: &str, body: &str) -> Request<Body> {
    let peer: SocketAddr = peer.parse().unwrap();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn body_text(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn the_dashboard_over_plain_http_is_for_this_machine_only(backend: Backend) {
    let server = start(&backend).await;
    let app = sunset_collector::server::app(server.state.clone());
    let lan = "192.0.2.7:50123";
    // From another machine over plain HTTP: the dashboard says why it cannot work.
    for path in ["/login", "/", "/hosts"] {
        let response = app
            .clone()
            .oneshot(from(lan, "GET", path, ""))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{path}");
        let page = body_text(response).await;
        assert!(page.contains("The dashboard needs HTTPS"), "{page}");
        assert!(page.contains("dashboard_over_plain_http"), "{page}");
    }
    // Agents and the API are not the dashboard.
    let api = app
        .clone()
        .oneshot(from(lan, "GET", "/api/v1/hosts", ""))
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 401);
    let health = app
        .clone()
        .oneshot(from(lan, "GET", "/healthz", ""))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    // On this machine it works, and a login whose cookie did not come back says why.
    let local = app
        .clone()
        .oneshot(from("127.0.0.1:50123", "GET", "/login", ""))
        .await
        .unwrap();
    assert_eq!(local.status().as_u16(), 200);
    let no_cookie = app
        .clone()
        .oneshot(from(
            "127.0.0.1:50123",
            "POST",
            "/login",
            "csrf=x&username=alice&password=secret",
        ))
        .await
        .unwrap();
    assert_eq!(no_cookie.status().as_u16(), 403);
    let page = body_text(no_cookie).await;
    assert!(page.contains("HTTPS"), "{page}");
    assert!(!page.contains("form expired"), "{page}");
    // Behind a TLS proxy the configuration says so.
    let mut config = server.state.config.clone();
    config.dashboard_over_plain_http = true;
    let proxied = sunset_collector::state::AppState::new(
        server.state.db.clone(),
        config,
        sunset_collector::catalog_source::load(Some(&server.catalog_dir)).unwrap(),
    );
    let response = sunset_collector::server::app(proxied)
        .oneshot(from(lan, "GET", "/login", ""))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
