//! The dashboard: login, escaping of agent strings, filters, exports and the risk register.

use crate::util::{Backend, http, inventory, start};

backend_tests!(
    script_in_software_name_is_escaped,
    login_filters_and_csv_export,
    risk_register_requires_csrf_and_is_audited,
    findings_cite_their_source_with_a_plain_date_even_as_stored_before,
);

async fn script_in_software_name_is_escaped(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let mut inv = inventory(10);
    inv.software[9].name = "<script>alert(1)</script> Viewer".into();
    inv.host.hostname = "<b>WKS</b>".into();
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    let cookie = server.session("viewer").await;
    for path in [
        format!("/hosts/{}", inv.host.host_id),
        "/hosts".to_string(),
        "/findings".to_string(),
    ] {
        let (status, html) = server.get(&cookie, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>"), "{path} contains a raw <script>");
        assert!(
            !html.contains("<b>WKS</b>"),
            "{path} contains raw agent markup"
        );
        assert!(
            html.contains("&lt;b&gt;WKS&lt;/b&gt;"),
            "{path} lacks the escaped host name"
        );
    }
    let (_, host_page) = server
        .get(&cookie, &format!("/hosts/{}", inv.host.host_id))
        .await;
    assert!(host_page.contains("&lt;script&gt;alert(1)&lt;/script&gt; Viewer"));
}

async fn login_filters_and_csv_export(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let other = server.site("Hillside").await;
    for n in 0..6 {
        let token = if n % 2 == 0 { &token } else { &other };
        server.send(token, &inventory(100 + n)).await;
    }
    // Unauthenticated: the dashboard redirects, the API answers 401.
    let (status, _) = server.get("", "/api/v1/hosts").await;
    assert_eq!(status, 401);
    let no_redirect = http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirect
        .get(format!("{}/", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);

    // Real login with a password (argon2id) and the login form's CSRF cookie.
    let hash = sunset_collector::auth::hash_password("correct horse battery").unwrap();
    sunset_collector::store::upsert_user(
        &server.state.db,
        "alice",
        sunset_collector::org::Role::Viewer,
        None,
        &hash,
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let page = no_redirect
        .get(format!("{}/login", server.url))
        .send()
        .await
        .unwrap();
    let set_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("Secure")
            && set_cookie.contains("SameSite=Strict")
    );
    let login_csrf = set_cookie.split(';').next().unwrap().to_string();
    let csrf_value = login_csrf.split_once('=').unwrap().1.to_string();
    let wrong = no_redirect
        .post(format!("{}/login", server.url))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf", csrf_value.as_str()),
            ("username", "alice"),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.headers()["location"], "/login?failed=1");
    let forged = no_redirect
        .post(format!("{}/login", server.url))
        .form(&[
            ("csrf", "forged"),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let ok = no_redirect
        .post(format!("{}/login", server.url))
        .header("cookie", &login_csrf)
        .form(&[
            ("csrf", csrf_value.as_str()),
            ("username", "alice"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()["location"], "/");
    let session = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("sunset_session="))
        .unwrap()
        .to_string();
    assert!(
        session.contains("HttpOnly")
            && session.contains("Secure")
            && session.contains("SameSite=Strict")
    );
    let cookie = session.split(';').next().unwrap().to_string();

    let (status, summary) = server.get(&cookie, "/").await;
    assert_eq!(status, 200);
    assert!(
        summary.contains("Estate summary") && summary.contains("href=\"/forecast\""),
        "{summary}"
    );
    let (status, forecast) = server.get(&cookie, "/forecast").await;
    assert_eq!(status, 200);
    assert!(forecast.contains("<svg"), "{forecast}");
    for page in [&summary, &forecast] {
        assert!(
            !page.contains("<script"),
            "the dashboard needs no JavaScript"
        );
    }

    let (_, filtered) = server.get(&cookie, "/hosts?site=Hillside").await;
    assert!(filtered.contains("WKS-00101") && !filtered.contains("WKS-00100"));
    let (_, searched) = server.get(&cookie, "/hosts?q=00104").await;
    assert!(searched.contains("WKS-00104") && !searched.contains("WKS-00102"));
    let hosts = server
        .get_json(&cookie, "/api/v1/hosts?os=windows%2011")
        .await;
    assert_eq!(hosts["total"], 2, "{hosts}"); // 102 and 105 run Windows 11
    let hosts = server
        .get_json(
            &cookie,
            "/api/v1/hosts?product=python&status=unsupported&site=Riverside",
        )
        .await;
    assert_eq!(hosts["total"], 3);

    let (status, csv) = server
        .get(&cookie, "/exports/hosts.csv?site=Riverside")
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("host_id,hostname,site"));
    assert_eq!(lines.len(), 4, "{csv}");
    let (_, findings_csv) = server
        .get(&cookie, "/api/v1/findings.csv?status=unsupported&target=os")
        .await;
    assert_eq!(findings_csv.lines().count(), 1 + 4, "{findings_csv}");
    let (status, openapi) = server.get(&cookie, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(openapi.contains("\"/api/v1/reports\""));
    let (status, evidence) = server.get(&cookie, "/evidence.csv").await;
    assert_eq!(status, 200);
    assert!(evidence.starts_with("report_date,catalog_version"));
    // Each item cites its dates' source and the day they were read (the test catalogue's
    // Windows source, `retrieved = 2026-11-01`).
    let cited = "vendor https://learn.microsoft.com/lifecycle (retrieved 2026-11-01)";
    assert!(evidence.contains(cited), "{evidence}");
    let (_, pack) = server.get(&cookie, "/evidence").await;
    assert!(pack.contains(cited), "{pack}");
}

/// A finding's source is cited with the day its dates were read — on the host page, in the
/// evidence pack and in the API as a plain `"retrieved": "2026-11-01"` — including for findings
/// stored before, whose `retrieved` was a TOML date in serde's form.
async fn findings_cite_their_source_with_a_plain_date_even_as_stored_before(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let inv = inventory(100); // Windows 10: unsupported in the test catalogue, so in the pack
    server.send(&token, &inv).await;
    let cookie = server.session("viewer").await;
    let host = format!("/hosts/{}", inv.host.host_id);
    // The test catalogue's Windows source.
    let cited = "vendor https://learn.microsoft.com/lifecycle (retrieved 2026-11-01)";
    let check = async |when: &str| {
        let (status, page) = server.get(&cookie, &host).await;
        assert_eq!(status, 200, "{when}: {page}");
        assert!(page.contains(cited), "{when}: host page lacks {cited}");
        let (_, pack) = server.get(&cookie, "/evidence").await;
        assert!(pack.contains(cited), "{when}: evidence pack lacks {cited}");
        let (_, csv) = server.get(&cookie, "/evidence.csv").await;
        assert!(csv.contains(cited), "{when}: evidence CSV lacks {cited}");
        let detail = server.get_json(&cookie, &format!("/api/v1{host}")).await;
        assert!(!detail.to_string().contains("$__toml"), "{when}: {detail}");
        let os = detail["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["target"] == "os")
            .unwrap_or_else(|| panic!("{when}: no OS finding in {detail}"));
        assert_eq!(os["status"], "unsupported", "{when}");
        assert_eq!(
            os["detail"]["date_source"],
            serde_json::json!({
                "name": "vendor",
                "url": "https://learn.microsoft.com/lifecycle",
                "retrieved": "2026-11-01",
            }),
            "{when}"
        );
    };
    check("as stored now").await;

    // As collectors stored it before: the catalogue's TOML source, serialised as it was.
    let new_form = r#""date_source":{"name":"vendor","url":"https://learn.microsoft.com/lifecycle","retrieved":"2026-11-01"}"#;
    let old_form = r#""date_source":{"name":"vendor","product":null,"revision":null,"url":"https://learn.microsoft.com/lifecycle","retrieved":{"$__toml_private_datetime":"2026-11-01"}}"#;
    let rewritten = server
        .state
        .db
        .write(async |tx| {
            sqlx::query(
                "UPDATE findings SET detail = REPLACE(detail, $1, $2) \
                 WHERE host_id = $3 AND detail LIKE '%' || $1 || '%'",
            )
            .bind(new_form)
            .bind(old_form)
            .bind(inv.host.host_id.to_string())
            .execute(&mut *tx)
            .await
            .map(|done| done.rows_affected())
        })
        .await
        .unwrap();
    assert!(rewritten > 0);
    let (_, text) = server.get(&cookie, &format!("/api/v1{host}")).await;
    assert!(!text.contains("$__toml"), "{text}");
    check("as stored before").await;
}

async fn risk_register_requires_csrf_and_is_audited(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let inv = inventory(1);
    server.send(&token, &inv).await;
    let cookie = server.session("admin").await;
    let no_redirect = http()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", inv.host.host_id))
        .await;
    let marker = "name=\"csrf\" value=\"";
    let start_at = page.find(marker).expect("csrf field") + marker.len();
    let csrf = &page[start_at..start_at + 64];
    let review = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let url = format!("{}/hosts/{}/risks", server.url, inv.host.host_id);
    let form = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("finding_key", String::new()),
            ("owner", "Practice manager".to_string()),
            ("mitigation", "Isolated VLAN, no internet".to_string()),
            ("review_date", review.clone()),
        ]
    };
    let forged = no_redirect
        .post(&url)
        .header("cookie", &cookie)
        .form(&form("0".repeat(64).as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    let saved = no_redirect
        .post(&url)
        .header("cookie", &cookie)
        .form(&form(csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 303);
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", inv.host.host_id))
        .await;
    assert!(
        page.contains(&format!("risk accepted until {review}")),
        "{page}"
    );
    let (_, audit) = server.get(&cookie, "/audit").await;
    assert!(audit.contains("risk.save") && audit.contains("Isolated VLAN"));
    // A viewer cannot change the register.
    let viewer = server.session("viewer").await;
    let (_, viewer_page) = server
        .get(&viewer, &format!("/hosts/{}", inv.host.host_id))
        .await;
    assert!(!viewer_page.contains("Record an accepted risk"));
}
