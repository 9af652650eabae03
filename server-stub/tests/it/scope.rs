//! Scoped users (issue 16, part 2): a user sees and changes only the hosts of their organisation
//! subtree. Every route of the router — the API's endpoint table and the dashboard's, so a route
//! added later fails here until it says what a user of another organisation gets — is tried by
//! users of one PCN against the hosts, sites and organisations of another PCN (and of a trust
//! outside their ICB): each is refused, or answers without a trace of them. An ICB's user sees
//! the roll-up of both PCNs, and `?org=` narrows every answer to an organisation inside the scope.

use axum::http::Method;
use serde_json::Value;
use sunset_collector::admin::{self, Admin, RiskEntry};
use sunset_collector::org::OrgKind;
use sunset_collector::store::{self, Scope, Selection};
use sunset_collector::{jobs, server, web};

use crate::util::{Backend, TestServer, http, inventory, start};

backend_tests!(
    every_route_refuses_or_hides_another_pcns_hosts,
    an_icb_user_sees_the_roll_up_of_its_pcns,
);

/// The estate: an ICB with two PCNs of one practice each, and a trust outside the ICB; one site
/// and one host in each practice and in the trust.
struct Estate {
    server: TestServer,
    alpha_host: String,
    bravo_host: String,
    county_host: String,
    bravo_pcn_id: String,
}

async fn estate(backend: &Backend) -> Estate {
    let server = start(backend).await;
    let (db, op, now) = (&server.state.db, Admin::operator(), server.state.now());
    let add = async |name: &str, kind, parent: Option<&str>, ods: &str| {
        admin::add_org(db, &op, name, kind, parent, Some(ods), now)
            .await
            .unwrap()
    };
    add("Example ICB", OrgKind::Icb, None, "QWE").await;
    add("Alpha PCN", OrgKind::Pcn, Some("QWE"), "U00001").await;
    add(
        "Alpha Practice",
        OrgKind::Practice,
        Some("U00001"),
        "A81001",
    )
    .await;
    let bravo_pcn = add("Bravo PCN", OrgKind::Pcn, Some("QWE"), "U00002").await;
    add(
        "Bravo Practice",
        OrgKind::Practice,
        Some("U00002"),
        "B81001",
    )
    .await;
    add("County Trust", OrgKind::Trust, None, "RXX").await;
    let mut hosts = Vec::new();
    for (n, site, org, hostname) in [
        (1, "Alpha Surgery", "A81001", "ALPHA-WKS-1"),
        (2, "Bravo Surgery", "B81001", "BRAVO-WKS-1"),
        (3, "County Ward", "RXX", "COUNTY-WKS-1"),
    ] {
        let (_, token) = admin::add_site(db, &op, site, Some(org), now)
            .await
            .unwrap();
        let mut inv = inventory(n);
        inv.host.hostname = hostname.to_string();
        let (status, ack) = server.send(&token, &inv).await;
        assert_eq!(status, 200, "{ack}");
        hosts.push(inv.host.host_id.to_string());
    }
    // Bravo's host has a risk on record.
    let review = (server.state.today() + chrono::Duration::days(30)).to_string();
    let entry = RiskEntry {
        finding_key: "",
        owner: "Bravo owner",
        mitigation: "Bravo VLAN",
        review_date: &review,
    };
    admin::save_risk(&server.state, &op, &hosts[1], entry)
        .await
        .unwrap();
    // A trend snapshot, so the trend's chart, API and export have every organisation's rows.
    jobs::snapshot(db, server.state.today(), now, true)
        .await
        .unwrap();
    Estate {
        alpha_host: hosts[0].clone(),
        bravo_host: hosts[1].clone(),
        county_host: hosts[2].clone(),
        bravo_pcn_id: bravo_pcn.id,
        server,
    }
}

impl Estate {
    /// What a user of Alpha PCN must never see: Bravo's and the trust's hosts, sites,
    /// organisations, codes and risk.
    fn foreign(&self) -> Vec<&str> {
        vec![
            &self.bravo_host,
            "BRAVO-WKS-1",
            "Bravo Surgery",
            "Bravo Practice",
            "Bravo PCN",
            "B81001",
            "U00002",
            &self.bravo_pcn_id,
            "Bravo owner",
            "Bravo VLAN",
            &self.county_host,
            "COUNTY-WKS-1",
            "County Ward",
            "County Trust",
            "RXX",
        ]
    }

    fn assert_hidden(&self, what: &str, body: &str) {
        for secret in self.foreign() {
            assert!(!body.contains(secret), "{what} shows {secret:?}:\n{body}");
        }
    }

    /// Sends `method path` with a session (and, for posts, its CSRF token in the form and header).
    async fn call(
        &self,
        method: &Method,
        path: &str,
        (cookie, csrf): &(String, String),
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let client = http()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = format!("{}{path}", self.server.url);
        let request = if *method == Method::POST {
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend_from_slice(form);
            client.post(url).header("x-csrf-token", csrf).form(&fields)
        } else {
            client.request(method.clone(), url)
        };
        let response = request.header("cookie", cookie).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn risks_of_bravo(&self) -> Vec<store::Risk> {
        store::risks_for_host(&self.server.state.db, &Scope::estate(), &self.bravo_host)
            .await
            .unwrap()
    }

    async fn reload_entries(&self) -> usize {
        store::audit_log(&self.server.state.db, 500)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "catalog.reload")
            .count()
    }
}

/// What a route is, for a user of another organisation.
#[derive(Debug)]
enum Kind {
    /// A page, listing, export or summary: it answers, showing nothing of another organisation,
    /// and takes `?org=` for an organisation in the caller's scope only.
    Listing,
    /// A page only users granted the whole estate read (the audit log): refused.
    WholeEstateOnly,
    /// One host by id: another organisation's host is "no such host", word for word as a host
    /// that does not exist.
    HostById,
    /// A change to the risk register of one host (the caller may change risks in their scope):
    /// refused as no such host, and nothing changes.
    RiskChange,
    /// Dismissing a host's clone flags (the caller is an admin of their PCN): another
    /// organisation's host is no such host; their own answers.
    CloneReview,
    /// One unmatched program's overlay snippet, by name: a name only another organisation's
    /// hosts have is not found, word for word as a name no host has.
    Snippet,
    /// The catalogue reload (the caller is an admin, of their PCN only): refused, not done.
    Reload,
    /// Not about organisations (monitoring, the API's document, the agents' catalogue, the
    /// stylesheet, the login form): answers alike for everyone, and shows nothing of them.
    Open,
    /// The agents' report upload: a site token's, not a user's.
    SiteToken,
    /// Logging in or out: about the caller's own session.
    Session,
}

/// Every route's kind. A route missing here fails the test: decide what it must do for a user of
/// another organisation, and add it.
fn kind(method: &Method, path: &str) -> Kind {
    match (method.as_str(), path) {
        ("GET", "/" | "/hosts" | "/findings" | "/products" | "/risks" | "/evidence")
        | ("GET", "/evidence.csv" | "/exports/hosts.csv" | "/exports/findings.csv")
        | ("GET", "/forecast" | "/exports/forecast.csv" | "/api/v1/forecast")
        | ("GET", "/evidence.zip" | "/evidence/assets" | "/evidence/assets.csv")
        | ("GET", "/evidence/sites.csv" | "/evidence/products.csv")
        | ("GET", "/evidence/requirements.csv")
        | ("GET", "/api/v1/hosts" | "/api/v1/hosts.csv" | "/api/v1/findings")
        | ("GET", "/api/v1/findings.csv" | "/api/v1/summary" | "/api/v1/products")
        | ("GET", "/api/v1/risks" | "/api/v1/trend" | "/exports/trend.csv")
        | ("GET", "/triage" | "/exports/triage.csv" | "/api/v1/triage") => Kind::Listing,
        ("GET", "/triage/snippet.toml") => Kind::Snippet,
        ("GET", "/audit" | "/exports/audit.csv") => Kind::WholeEstateOnly,
        ("GET", "/hosts/{host_id}" | "/api/v1/hosts/{host_id}") => Kind::HostById,
        ("POST", "/hosts/{host_id}/risks" | "/hosts/{host_id}/risks/delete") => Kind::RiskChange,
        ("POST", "/hosts/{host_id}/clones/dismiss") => Kind::CloneReview,
        ("POST", "/admin/catalog/reload" | "/api/v1/catalog/reload") => Kind::Reload,
        ("GET", "/healthz" | "/metrics" | "/api/v1/openapi.json" | "/api/v1/catalog")
        | ("GET", "/static/style.css" | "/login") => Kind::Open,
        ("POST", "/api/v1/reports") => Kind::SiteToken,
        ("POST", "/login" | "/logout") => Kind::Session,
        (method, path) => panic!(
            "{method} {path} is not in the scope test's table: say what a user of another \
             organisation gets from it"
        ),
    }
}

async fn every_route_refuses_or_hides_another_pcns_hosts(backend: Backend) {
    let estate = estate(&backend).await;
    let server = &estate.server;
    let viewer = server.session_on("viewer", Some("U00001")).await;
    let risk_owner = server.session_on("risk-owner", Some("U00001")).await;
    let pcn_admin = server.session_on("admin", Some("Alpha PCN")).await;
    let nowhere = "00000000-0000-4000-8000-00000000dead";
    let routes: Vec<(Method, &str)> = server::endpoints()
        .iter()
        .chain(web::endpoints().iter())
        .map(|e| (e.method.clone(), e.path))
        .collect();
    assert!(routes.len() >= 30, "{routes:?}");
    let risks_before = estate.risks_of_bravo().await;
    assert_eq!(risks_before.len(), 1);

    for (method, path) in &routes {
        let at = |host: &str| path.replace("{host_id}", host);
        let what = format!("{method} {path}");
        match kind(method, path) {
            Kind::Listing => {
                let (status, body) = estate.call(method, path, &viewer, &[]).await;
                assert_eq!(status, 200, "{what}: {body}");
                estate.assert_hidden(&what, &body);
                let (status, body) = estate
                    .call(
                        method,
                        &format!("{path}?site=Bravo%20Surgery"),
                        &viewer,
                        &[],
                    )
                    .await;
                assert_eq!(status, 200, "{what}?site=: {body}");
                for secret in [estate.bravo_host.as_str(), "BRAVO-WKS-1", "Bravo owner"] {
                    assert!(!body.contains(secret), "{what}?site= shows {secret}");
                }
                // Their own organisations narrow the answer; any other is not found.
                let (status, body) = estate
                    .call(method, &format!("{path}?org=A81001"), &viewer, &[])
                    .await;
                assert_eq!(status, 200, "{what}?org=A81001: {body}");
                estate.assert_hidden(&what, &body);
                let mut answers = Vec::new();
                for org in [
                    "U00002",
                    "B81001",
                    "RXX",
                    "QWE",
                    &estate.bravo_pcn_id,
                    "Nowhere",
                ] {
                    let (status, body) = estate
                        .call(method, &format!("{path}?org={org}"), &viewer, &[])
                        .await;
                    assert_eq!(status, 404, "{what}?org={org}: {body}");
                    answers.push(body.replace(org, "ORG"));
                }
                answers.dedup();
                assert_eq!(answers.len(), 1, "{what}: not found differs: {answers:?}");
            }
            Kind::WholeEstateOnly => {
                let (status, body) = estate.call(method, path, &viewer, &[]).await;
                assert_eq!(status, 403, "{what}: {body}");
                estate.assert_hidden(&what, &body);
            }
            Kind::HostById => {
                let (status, body) = estate
                    .call(method, &at(&estate.alpha_host), &viewer, &[])
                    .await;
                assert_eq!(status, 200, "{what} of their own host: {body}");
                estate.assert_hidden(&what, &body);
                let (status, missing) = estate.call(method, &at(nowhere), &viewer, &[]).await;
                assert_eq!(status, 404, "{what}: {missing}");
                for host in [&estate.bravo_host, &estate.county_host] {
                    let (status, body) = estate.call(method, &at(host), &viewer, &[]).await;
                    assert_eq!(
                        (status, body.as_str()),
                        (404, missing.as_str()),
                        "{what} of another organisation's host"
                    );
                }
            }
            Kind::RiskChange => {
                let review = (server.state.today() + chrono::Duration::days(60)).to_string();
                let form = [
                    ("finding_key", ""),
                    ("owner", "Alpha owner"),
                    ("mitigation", "Alpha VLAN"),
                    ("review_date", review.as_str()),
                ];
                let form: &[(&str, &str)] = if path.ends_with("/delete") {
                    &form[..1]
                } else {
                    &form
                };
                let (status, missing) = estate.call(method, &at(nowhere), &risk_owner, form).await;
                assert_eq!(status, 404, "{what}: {missing}");
                let (status, body) = estate
                    .call(method, &at(&estate.bravo_host), &risk_owner, form)
                    .await;
                assert_eq!((status, body.as_str()), (404, missing.as_str()), "{what}");
                assert_eq!(
                    estate.risks_of_bravo().await,
                    risks_before,
                    "{what} changed it"
                );
                // On their own host it works (the refusal above is the scope, not the role).
                let (status, body) = estate
                    .call(method, &at(&estate.alpha_host), &risk_owner, form)
                    .await;
                assert_eq!(status, 303, "{what} of their own host: {body}");
            }
            Kind::CloneReview => {
                let form = [("reason", "VDI pool")];
                let (status, missing) = estate.call(method, &at(nowhere), &pcn_admin, &form).await;
                assert_eq!(status, 404, "{what}: {missing}");
                let (status, body) = estate
                    .call(method, &at(&estate.bravo_host), &pcn_admin, &form)
                    .await;
                assert_eq!((status, body.as_str()), (404, missing.as_str()), "{what}");
                let (status, body) = estate
                    .call(method, &at(&estate.alpha_host), &pcn_admin, &form)
                    .await;
                assert_eq!(status, 303, "{what} of their own host: {body}");
            }
            Kind::Snippet => {
                // Each host has its own clinic's line-of-business app (the load generator's).
                let of = |clinic: u32| {
                    format!(
                        "{path}?name=Line-of-business%20app%20008%20for%20clinic%20{clinic}&publisher=Vendor%208"
                    )
                };
                let (status, body) = estate.call(method, &of(1), &viewer, &[]).await;
                assert_eq!(status, 200, "{what} of their own host's program: {body}");
                assert!(body.contains("[[product]]"), "{body}");
                estate.assert_hidden(&what, &body);
                let (status, missing) = estate.call(method, &of(9), &viewer, &[]).await;
                assert_eq!(status, 404, "{what}: {missing}");
                for clinic in [2, 3] {
                    let (status, body) = estate.call(method, &of(clinic), &viewer, &[]).await;
                    let body = body.replace(&format!("clinic {clinic}"), "clinic 9");
                    assert_eq!((status, body.as_str()), (404, missing.as_str()), "{what}");
                }
            }
            Kind::Reload => {
                let before = estate.reload_entries().await;
                let (status, body) = estate.call(method, path, &pcn_admin, &[]).await;
                assert_eq!(status, 403, "{what}: {body}");
                assert!(
                    body.contains("Only admins of the whole estate can reload the catalogue."),
                    "{what}: {body}"
                );
                assert_eq!(estate.reload_entries().await, before, "{what} reloaded");
            }
            Kind::Open => {
                let (status, body) = estate.call(method, path, &viewer, &[]).await;
                assert!(status == 200 || status == 503, "{what}: {status} {body}");
                estate.assert_hidden(&what, &body);
            }
            Kind::SiteToken => {
                let (status, body) = estate.call(method, path, &viewer, &[]).await;
                assert_eq!(status, 401, "{what}: {body}");
                estate.assert_hidden(&what, &body);
            }
            Kind::Session => {
                // On a session of its own: logging out ends only the caller's session.
                let own = server.session_on("viewer", Some("U00001")).await;
                let (status, body) = estate.call(method, path, &own, &[]).await;
                assert!(status < 500, "{what}: {status} {body}");
                estate.assert_hidden(&what, &body);
            }
        }
    }
    // The refusals changed nothing of Bravo's, and the viewer's own summary is their PCN alone.
    assert_eq!(estate.risks_of_bravo().await, risks_before);
    let summary: Value = server.get_json(&viewer.0, "/api/v1/summary").await;
    assert_eq!(summary["summary"]["hosts"], 1, "{summary}");
}

async fn an_icb_user_sees_the_roll_up_of_its_pcns(backend: Backend) {
    let estate = estate(&backend).await;
    let server = &estate.server;
    let (icb, _) = server.session_on("viewer", Some("QWE")).await;
    let summary: Value = server.get_json(&icb, "/api/v1/summary").await;
    assert_eq!(summary["summary"]["hosts"], 2, "{summary}");
    let sites: Vec<&str> = summary["summary"]["by_site"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["Alpha Surgery", "Bravo Surgery"]);
    // The ICB has more of the sites than the rest of the estate, so its unsupported items are
    // counted as the estate's less those outside it: they are its two PCNs' (counted directly).
    let items = |summary: &Value| -> std::collections::BTreeMap<String, i64> {
        let mut out = std::collections::BTreeMap::new();
        for pair in summary["summary"]["unsupported_items"].as_array().unwrap() {
            *out.entry(pair[0].as_str().unwrap().to_string())
                .or_default() += pair[1].as_i64().unwrap();
        }
        out
    };
    let mut of_pcns = items(&server.get_json(&icb, "/api/v1/summary?org=U00001").await);
    for (target, n) in items(&server.get_json(&icb, "/api/v1/summary?org=U00002").await) {
        *of_pcns.entry(target).or_default() += n;
    }
    assert!(!of_pcns.is_empty(), "{summary}");
    assert_eq!(items(&summary), of_pcns, "{summary}");
    let hosts: Value = server.get_json(&icb, "/api/v1/hosts").await;
    assert_eq!(hosts["total"], 2);
    // `?org=` rolls up below the organisation it names, by code, name or id.
    for org in [
        "U00002",
        "Bravo%20PCN",
        estate.bravo_pcn_id.as_str(),
        "B81001",
    ] {
        let hosts: Value = server
            .get_json(&icb, &format!("/api/v1/hosts?org={org}"))
            .await;
        assert_eq!(hosts["total"], 1, "{org}: {hosts}");
        assert_eq!(hosts["hosts"][0]["hostname"], "BRAVO-WKS-1");
    }
    let (status, _) = server.get(&icb, "/api/v1/hosts?org=RXX").await;
    assert_eq!(status, 404, "the trust is outside the ICB");
    let (_, page) = server.get(&icb, "/hosts").await;
    assert!(page.contains("ALPHA-WKS-1") && page.contains("BRAVO-WKS-1"));
    assert!(!page.contains("COUNTY-WKS-1"));
    let (_, page) = server.get(&icb, "/").await;
    for org in [
        "Alpha PCN [U00001]",
        "Bravo PCN [U00002]",
        "Bravo Practice [B81001]",
    ] {
        assert!(page.contains(org), "the organisation filter offers {org}");
    }
    // The summary rolls up by the organisations below the ICB, each with its whole subtree.
    for pcn in ["Alpha PCN [U00001]", "Bravo PCN [U00002]"] {
        let row = format!(">{pcn}</a></td><td>pcn</td><td class=\"num\">1</td>");
        assert!(page.contains(&row), "no roll-up row {row}:\n{page}");
    }
    let (status, _) = server
        .get(&icb, &format!("/hosts/{}", estate.bravo_host))
        .await;
    assert_eq!(status, 200);
    let (_, risks) = server.get(&icb, "/risks").await;
    assert!(risks.contains("Bravo owner"));
    let (_, csv) = server.get(&icb, "/exports/findings.csv?org=U00001").await;
    assert!(
        csv.contains("ALPHA-WKS-1") && !csv.contains("BRAVO-WKS-1"),
        "{csv}"
    );

    // The whole estate's users see all three; the store agrees.
    let (root, _) = server.session_on("viewer", None).await;
    let summary: Value = server.get_json(&root, "/api/v1/summary").await;
    assert_eq!(summary["summary"]["hosts"], 3);
    let everything = Selection::new(Scope::estate());
    let (_, total) = store::hosts(
        &server.state.db,
        &everything,
        &server.state.stale_cutoff(),
        store::Sort::default(),
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(total, 3);
}
