//! The dashboard: server-rendered HTML with maud (every interpolated string is escaped), no
//! JavaScript, no external assets, and a print stylesheet for audit evidence.
//!
//! Login creates a random session id; the browser gets it in a `Secure; HttpOnly; SameSite=Strict`
//! cookie and the database keeps only its hash. Every form carries the session's CSRF token.

use std::collections::HashMap;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use crate::admin::{self, Action, Admin, Proof, RiskEntry};
use crate::api;
use crate::auth;
use crate::csv::CsvWriter;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, ClientAddress, PageCaller, SESSION_COOKIE, cookie};
use crate::login::{self, Refusal};
use crate::state::{AppState, Shared};
use crate::store::{self, FindingListRow, Risk, Selection};

/// Session lifetime.
const SESSION_HOURS: i64 = 12;
/// Cookie holding the pre-login CSRF token (double-submit).
const LOGIN_CSRF_COOKIE: &str = "sunset_login_csrf";
/// Hosts or findings per dashboard page.
const PAGE: i64 = 100;

const STYLE: &str = include_str!("../assets/style.css");

/// Dashboard routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(summary_page))
        .route("/static/style.css", get(style))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/hosts", get(hosts_page))
        .route("/hosts/{host_id}", get(host_page))
        .route("/hosts/{host_id}/risks", post(save_risk))
        .route("/hosts/{host_id}/risks/delete", post(delete_risk))
        .route("/findings", get(findings_page))
        .route("/products", get(products_page))
        .route("/risks", get(risks_page))
        .route("/audit", get(audit_page))
        .route("/evidence", get(evidence_page))
        .route("/evidence.csv", get(evidence_csv))
        .route("/exports/hosts.csv", get(export_hosts))
        .route("/exports/findings.csv", get(export_findings))
        .route("/admin/catalog/reload", post(reload_catalog))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

fn page_error(e: ApiError) -> Response {
    let status = e.status;
    let retry_after = e.retry_after;
    let body = html! {
        (DOCTYPE)
        html lang="en" { head { meta charset="utf-8"; title { "Error" } link rel="stylesheet" href="/static/style.css"; }
        body { main { h1 { "Something went wrong" } p.error { (e.error) } p { a href="/" { "Back to the summary" } } } } }
    };
    let mut response = (status, Html(body.into_string())).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
    }
    response
}

fn layout(title: &str, caller: &Caller, state: &AppState, body: Markup) -> Html<String> {
    let (catalog, now) = (state.catalog(), state.now());
    let csrf = caller.csrf_token.clone().unwrap_or_default();
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " — Sunset" }
                    link rel="stylesheet" href="/static/style.css";
                }
                body {
                    header.top {
                        a href="/" { "Sunset" }
                        nav {
                            a href="/" { "Summary" }
                            a href="/hosts" { "Hosts" }
                            a href="/findings" { "Findings" }
                            a href="/products" { "Products" }
                            a href="/risks" { "Risk register" }
                            a href="/evidence" { "Evidence pack" }
                            a href="/audit" { "Audit log" }
                        }
                        div.who {
                            span { (caller.user.name) " (" (caller.user.role) ")" }
                            @if caller.csrf_token.is_some() {
                                form method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Log out" }
                                }
                            }
                        }
                    }
                    main {
                        (body)
                        p.muted { "Catalogue " (catalog.version()) " · generated " (now.format("%Y-%m-%d %H:%M UTC")) }
                    }
                }
            }
        }
        .into_string(),
    )
}

fn status_badge(status: &Status) -> Markup {
    let status = status.as_str();
    html! { span class=(format!("status status-{status}")) { (status) } }
}

fn query_string(filter: &Filter) -> String {
    serde_urlencoded::to_string(filter).unwrap_or_default()
}

fn with_query(path: &str, filter: &Filter) -> String {
    let q = query_string(filter);
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

// ----------------------------------------------------------------------------------------------
// Login

#[derive(Deserialize)]
struct LoginQuery {
    #[serde(default)]
    failed: Option<String>,
}

async fn login_page(Query(query): Query<LoginQuery>) -> Response {
    let token = auth::random_hex();
    let body = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Log in — Sunset" } link rel="stylesheet" href="/static/style.css"; }
            body { main { div.login {
                h1 { "Sunset" }
                p.muted { "End-of-support risk across the estate." }
                @if query.failed.is_some() { p.error { "Wrong user name or password." } }
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(token);
                    label { "User name" input type="text" name="username" autocomplete="username" required; }
                    label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                    button.primary type="submit" { "Log in" }
                }
            } } }
        }
    };
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=3600"
    );
    ([(header::SET_COOKIE, cookie)], Html(body.into_string())).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
}

async fn login(
    State(state): State<Shared>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(expected) = cookie(&headers, LOGIN_CSRF_COOKIE) else {
        // The browser did not send back the cookie the login page set: it keeps `Secure` cookies
        // over HTTPS (and on localhost) only.
        return page_error(ApiError::new(
            StatusCode::FORBIDDEN,
            "Your browser did not send back the login page's cookie. Browsers keep it only over \
             HTTPS (or on this machine as localhost): open the dashboard with https://, or ask \
             the administrator to configure [tls] in collector.toml.",
        ));
    };
    if !auth::same(expected, &form.csrf) {
        return page_error(ApiError::new(
            StatusCode::FORBIDDEN,
            "The login form expired; reload the page and try again.",
        ));
    }
    let user =
        match login::check_password(&state, &form.username, form.password, address, "form").await {
            Ok(user) => user,
            Err(Refusal::Wrong) => return Redirect::to("/login?failed=1").into_response(),
            Err(refusal) => return page_error(crate::http::refusal_error(refusal)),
        };
    let session_id = auth::random_hex();
    let csrf = auth::random_hex();
    let now = state.now();
    if let Err(e) = store::create_session(
        &state.db,
        &user,
        &session_id,
        &csrf,
        now,
        now + Duration::hours(SESSION_HOURS),
    )
    .await
    {
        return page_error(ApiError::from(e));
    }
    let detail = serde_json::json!({
        "address": address.map_or_else(|| "unknown".to_string(), |a| a.to_string()),
    });
    if let Err(e) =
        store::audit_event(&state.db, &user.name, "login", &detail.to_string(), now).await
    {
        tracing::error!(error = %e, "cannot write the audit log entry of a login");
    }
    let session_cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let clear =
        format!("{LOGIN_CSRF_COOKIE}=; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    for value in [session_cookie, clear] {
        if let Ok(value) = value.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `None` when the form's CSRF token matches the session's, else the refusal to send.
fn check_csrf(caller: &Caller, given: &str) -> Option<Response> {
    admin::not_forged(caller, Proof::Form(given))
        .err()
        .map(|e| page_error(e.into()))
}

async fn logout(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(response) = check_csrf(&caller, &form.csrf) {
        return response;
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = store::delete_session(&state.db, id).await
    {
        return page_error(ApiError::internal(e));
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

// ----------------------------------------------------------------------------------------------
// Summary

fn filter_form(action: &str, filter: &Filter, sites: &[store::Site], with_target: bool) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    html! {
        form.filters method="get" action=(action) {
            label { "Host name" input type="search" name="q" value=(v(&filter.q)) placeholder="search"; }
            label { "Site" select name="site" {
                option value="" { "All sites" }
                @for site in sites {
                    option value=(site.name) selected[filter.site.as_deref() == Some(site.name.as_str())] { (site.name) }
                }
            } }
            label { "Status" select name="status" {
                option value="" { "Any status" }
                @for s in sunset_catalog::evaluate::Status::ALL {
                    option value=(s.as_str()) selected[filter.status.as_deref() == Some(s.as_str())] { (s.as_str()) }
                }
            } }
            label { "Product id" input type="text" name="product" value=(v(&filter.product)) size="12"; }
            label { "OS" input type="text" name="os" value=(v(&filter.os)) size="14"; }
            @if with_target {
                label { "Part" select name="target" {
                    option value="" { "OS, software, hardware" }
                    @for t in ["os", "software", "hardware"] {
                        option value=(t) selected[filter.target.as_deref() == Some(t)] { (t) }
                    }
                } }
            }
            label { "Stale only" input type="checkbox" name="stale" value="true" checked[filter.stale.as_deref() == Some("true")]; }
            button.primary type="submit" { "Filter" }
        }
    }
}

fn forecast_chart(forecast: &[(String, i64)]) -> Markup {
    let (width, height, left, bottom, top) = (760.0_f64, 240.0_f64, 40.0_f64, 40.0_f64, 16.0_f64);
    let max = forecast.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let slot = (width - left - 10.0) / forecast.len().max(1) as f64;
    let plot = height - bottom - top;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height)
            role="img" aria-label="Hosts becoming unsupported per month, next 24 months" {
            title { "Hosts becoming unsupported per month" }
            line x1=(left) y1=(top + plot) x2=(width - 10.0) y2=(top + plot) stroke="#5b6670" stroke-width="1" {}
            text x=(left - 6.0) y=(top + 4.0) text-anchor="end" font-size="11" fill="#5b6670" { (max as i64) }
            text x=(left - 6.0) y=(top + plot) text-anchor="end" font-size="11" fill="#5b6670" { "0" }
            @for (i, (month, n)) in forecast.iter().enumerate() {
                @let h = (*n as f64 / max) * plot;
                @let x = left + i as f64 * slot + 2.0;
                rect x=(format!("{x:.1}")) y=(format!("{:.1}", top + plot - h)) width=(format!("{:.1}", slot - 4.0))
                     height=(format!("{h:.1}")) fill="#b3261e" { title { (month) ": " (n) } }
                @if *n > 0 {
                    text x=(format!("{:.1}", x + (slot - 4.0) / 2.0)) y=(format!("{:.1}", top + plot - h - 3.0))
                         text-anchor="middle" font-size="10" fill="#1d2329" { (n) }
                }
                @if i % 3 == 0 {
                    text x=(format!("{:.1}", x + (slot - 4.0) / 2.0)) y=(format!("{:.1}", top + plot + 14.0))
                         text-anchor="middle" font-size="10" fill="#5b6670" { (month) }
                }
            }
        }
    }
}

async fn summary_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let today = state.today();
    let cutoff = state.stale_cutoff();
    let selection = match filter.selection() {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let (summary, sites) = match tokio::try_join!(
        store::summary(&state.db, &selection, &cutoff, today),
        store::list_sites(&state.db)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let catalog = state.catalog();
    let link = |status: &Status| {
        with_query(
            "/hosts",
            &Filter {
                status: Some(status.as_str().to_string()),
                ..filter.clone()
            },
        )
    };
    let items: HashMap<Target, i64> = summary.unsupported_items.iter().copied().collect();
    let body = html! {
        h1 { "Estate summary" }
        (filter_form("/", &filter, &sites, false))
        div.cards {
            div.card { a href=(with_query("/hosts", &filter)) { span.n { (summary.hosts) } "hosts" } }
            @for (status, n) in &summary.by_status {
                div.card { a href=(link(status)) { span.n { (n) } (status_badge(status)) } }
            }
            div.card { a href=(with_query("/hosts", &Filter { stale: Some("true".into()), ..filter.clone() })) {
                span.n { (summary.stale_hosts) } "stale (no report for " (state.config.stale_days) " days)" } }
            div.card { a href="/risks" { span.n { (summary.risks_accepted) } "risks accepted" } }
        }
        h2 { "Unsupported" }
        table {
            thead { tr { th { "Part" } th.num { "Hosts affected" } th.num { "Unsupported items" } } }
            tbody {
                tr { td { a href=(with_query("/findings", &Filter { status: Some("unsupported".into()), target: Some("os".into()), ..filter.clone() })) { "Operating system" } }
                     td.num { (summary.hosts_unsupported_os) } td.num { (items.get(&Target::Os).copied().unwrap_or(0)) } }
                tr { td { a href=(with_query("/findings", &Filter { status: Some("unsupported".into()), target: Some("software".into()), ..filter.clone() })) { "Software" } }
                     td.num { (summary.hosts_unsupported_software) } td.num { (items.get(&Target::Software).copied().unwrap_or(0)) } }
                tr { td { a href=(with_query("/findings", &Filter { status: Some("unsupported".into()), target: Some("hardware".into()), ..filter.clone() })) { "Hardware" } }
                     td.num { (summary.hosts_unsupported_hardware) } td.num { (items.get(&Target::Hardware).copied().unwrap_or(0)) } }
            }
        }
        h2 { "Becoming unsupported in the next 24 months" }
        p.muted { "Hosts not yet unsupported, by the month in which the first item on them loses all security support." }
        (forecast_chart(&summary.forecast))
        h2 { "By site" }
        table {
            thead { tr { th { "Site" } th.num { "Hosts" }
                @for s in sunset_catalog::evaluate::Status::ALL { th.num { (s.as_str()) } } } }
            tbody {
                @for site in &summary.by_site {
                    tr {
                        td { a href=(with_query("/hosts", &Filter { site: Some(site.site.clone()), ..filter.clone() })) { (site.site) } }
                        td.num { (site.hosts) }
                        @for s in sunset_catalog::evaluate::Status::ALL {
                            td.num { (site.by_status.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n)) }
                        }
                    }
                }
            }
        }
        p.noprint {
            a href=(with_query("/products", &filter)) { "By product and release" } " · "
            a href=(with_query("/exports/hosts.csv", &filter)) { "Hosts CSV" } " · "
            a href=(with_query("/exports/findings.csv", &filter)) { "Findings CSV" }
        }
        @if caller.user.is_admin() {
            form.noprint method="post" action="/admin/catalog/reload" {
                input type="hidden" name="csrf" value=(caller.csrf_token.clone().unwrap_or_default());
                "Catalogue " (catalog.version()) " from " (catalog.origin) " "
                button type="submit" { "Reload catalogue and re-evaluate all hosts" }
            }
        }
    };
    layout("Summary", &caller, &state, body).into_response()
}

// ----------------------------------------------------------------------------------------------
// Hosts and findings

fn pager(path: &str, filter: &Filter, total: i64, limit: i64, offset: i64) -> Markup {
    let prev = (offset > 0).then(|| {
        with_query(
            path,
            &Filter {
                offset: Some((offset - limit).max(0)),
                ..filter.clone()
            },
        )
    });
    let next = (offset + limit < total).then(|| {
        with_query(
            path,
            &Filter {
                offset: Some(offset + limit),
                ..filter.clone()
            },
        )
    });
    html! {
        div.pager {
            span { (if total == 0 { 0 } else { offset + 1 }) "–" ((offset + limit).min(total)) " of " (total) }
            @if let Some(p) = prev { a href=(p) { "← previous" } }
            @if let Some(n) = next { a href=(n) { "next →" } }
        }
    }
}

async fn hosts_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let (limit, offset) = match filter.page(PAGE, PAGE) {
        Ok(page) => page,
        Err(e) => return page_error(e),
    };
    let selection = match filter.selection() {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let cutoff = state.stale_cutoff();
    let (hosts, sites) = match tokio::try_join!(
        store::hosts(&state.db, &selection, &cutoff, limit, offset),
        store::list_sites(&state.db)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let (rows, total) = hosts;
    let stale_before = cutoff;
    let body = html! {
        h1 { "Hosts" }
        (filter_form("/hosts", &filter, &sites, false))
        p.noprint { a href=(with_query("/exports/hosts.csv", &Filter { limit: None, offset: None, ..filter.clone() })) { "Download CSV" } }
        (pager("/hosts", &filter, total, limit, offset))
        table {
            thead { tr { th { "Host" } th { "Site" } th { "Status" } th { "OS" } th { "Software" } th { "Hardware" }
                         th { "Operating system" } th.num { "Unsupported" } th { "Next unsupported" } th { "Last seen" } } }
            tbody {
                @for h in &rows {
                    tr {
                        td { a href=(format!("/hosts/{}", h.host_id)) { (h.hostname) } }
                        td { (h.site) }
                        td { (status_badge(&h.status)) }
                        td { @if let Some(s) = &h.os_status { (status_badge(s)) } }
                        td { @if let Some(s) = &h.software_status { (status_badge(s)) } }
                        td { @if let Some(s) = &h.hardware_status { (status_badge(s)) } }
                        td { (h.os_name) " " span.muted { (h.os_version) } }
                        td.num { (h.unsupported_count) }
                        td { (h.next_unsupported_on.clone().unwrap_or_default()) }
                        td { (h.last_seen_at) @if h.last_seen_at < stale_before { " " span.error { "stale" } } }
                    }
                }
            }
        }
        (pager("/hosts", &filter, total, limit, offset))
    };
    layout("Hosts", &caller, &state, body).into_response()
}

/// How a finding reads once the risk register is taken into account.
#[derive(Debug, PartialEq, Eq)]
pub enum RiskState<'a> {
    /// No risk record applies.
    None,
    /// Accepted until the review date (inclusive).
    Accepted(&'a Risk),
    /// The review date has passed: the finding counts as its status again.
    Overdue(&'a Risk),
}

/// The risk record that applies to a finding (its own, else the host's) and whether it is in force.
pub fn risk_state<'a>(
    risks: &'a [Risk],
    host_id: &str,
    finding_key: &str,
    status: Status,
    today: NaiveDate,
) -> RiskState<'a> {
    if status == Status::Supported {
        return RiskState::None;
    }
    let risk = risks
        .iter()
        .find(|r| r.host_id == host_id && r.finding_key == finding_key)
        .or_else(|| {
            risks
                .iter()
                .find(|r| r.host_id == host_id && r.finding_key.is_empty())
        });
    match risk {
        None => RiskState::None,
        Some(r) if r.review_date.as_str() >= today.to_string().as_str() => RiskState::Accepted(r),
        Some(r) => RiskState::Overdue(r),
    }
}

fn finding_status(risks: &[Risk], f: &FindingListRow, today: NaiveDate) -> Markup {
    match risk_state(risks, &f.host_id, &f.finding_key, f.status, today) {
        RiskState::None => status_badge(&f.status),
        RiskState::Accepted(r) => html! {
            span.status.status-accepted { "risk accepted until " (r.review_date) }
            br; span.muted { (f.status.as_str()) }
        },
        RiskState::Overdue(r) => html! {
            (status_badge(&f.status)) br;
            span.error { "risk review overdue since " (r.review_date) }
        },
    }
}

async fn host_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
) -> Response {
    let detail = match store::host(&state.db, &host_id).await {
        Ok(Some(d)) => d,
        Ok(None) => return page_error(ApiError::new(StatusCode::NOT_FOUND, "No such host.")),
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let risks = match store::risks_for_host(&state.db, &host_id).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let today = state.today();
    let inventory = match api::decode_inventory(&state, detail.inventory).await {
        Ok(inventory) => inventory
            .and_then(|i| serde_json::to_value(i).ok())
            .unwrap_or(Value::Null),
        Err(e) => return page_error(e),
    };
    let h = &detail.host;
    let csrf = caller.csrf_token.clone().unwrap_or_default();
    let admin = caller.user.is_admin() && caller.csrf_token.is_some();
    let host_risk = risks.iter().find(|r| r.finding_key.is_empty());
    let body = html! {
        h1 { (h.hostname) " " (status_badge(&h.status)) }
        dl.facts {
            dt { "Host id" } dd { (h.host_id) }
            dt { "Site" } dd { (h.site) @if let Some(tag) = &h.site_tag { " " span.muted { "(agent tag: " (tag) ")" } } }
            dt { "Operating system" } dd { (h.os_name) " " (h.os_version) }
            dt { "Status since" } dd { (h.status_since) }
            dt { "Next item becomes unsupported" } dd { (h.next_unsupported_on.clone().unwrap_or_else(|| "—".into())) }
            dt { "Inventory taken" } dd { (h.collected_at) }
            dt { "Last report" } dd { (h.last_seen_at) }
            dt { "First seen" } dd { (detail.first_seen_at) }
            dt { "Agent" } dd { (h.agent_version) }
            dt { "Judged with catalogue" } dd { (h.catalog_version) }
            @if let Some(r) = host_risk {
                dt { "Host risk record" } dd { "Owner " (r.owner) "; mitigation: " (r.mitigation) "; review by " (r.review_date) }
            }
        }
        h2 { "Findings (" (detail.findings.len()) ")" }
        table {
            thead { tr { th { "Status" } th { "Part" } th { "Product" } th { "Installed" } th { "Version" } th { "Release" }
                         th { "Security support ends" } th { "Extended support ends" } th { "Since" } th { "Advice" } } }
            tbody {
                @for (f, detail_json) in &detail.findings {
                    @let d: Value = serde_json::from_str(detail_json).unwrap_or(Value::Null);
                    tr {
                        td { (finding_status(&risks, f, today)) }
                        td { (f.target.as_str()) }
                        td { (f.product_name) }
                        td { (f.subject) }
                        td { (f.installed_version.clone().unwrap_or_default()) }
                        td { (f.cycle_label.clone().or_else(|| f.cycle.clone()).unwrap_or_default()) }
                        td { (f.security_support_end.clone().unwrap_or_default()) }
                        td { (f.extended_support_end.clone().unwrap_or_default()) }
                        td { (f.status_since) }
                        td { (d.get("replacement").and_then(Value::as_str).unwrap_or("")) }
                    }
                }
            }
        }
        h2 { "Risk register" }
        @if risks.is_empty() { p.muted { "No risk recorded for this host." } }
        @else {
            table {
                thead { tr { th { "Applies to" } th { "Owner" } th { "Mitigation" } th { "Review date" } th { "Recorded" } @if admin { th {} } } }
                tbody {
                    @for r in &risks {
                        tr {
                            td { @if r.finding_key.is_empty() { "whole host" } @else { (r.finding_key) } }
                            td { (r.owner) } td { (r.mitigation) }
                            td { (r.review_date) @if r.review_date < today.to_string() { " " span.error { "overdue" } } }
                            td { (r.updated_by) " " (r.updated_at) }
                            @if admin {
                                td { form method="post" action=(format!("/hosts/{}/risks/delete", h.host_id)) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="finding_key" value=(r.finding_key);
                                    button type="submit" { "Remove" }
                                } }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            details.noprint {
                summary { "Record an accepted risk" }
                form.risk-form method="post" action=(format!("/hosts/{}/risks", h.host_id)) {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="finding_key" { "Applies to" }
                    select id="finding_key" name="finding_key" {
                        option value="" { "Whole host" }
                        @for (f, _) in &detail.findings {
                            @if f.status != Status::Supported {
                                option value=(f.finding_key) { (f.status.as_str()) ": " (f.product_name) " — " (f.subject) }
                            }
                        }
                    }
                    label for="owner" { "Risk owner" } input id="owner" type="text" name="owner" required maxlength="200";
                    label for="mitigation" { "Mitigation" } textarea id="mitigation" name="mitigation" required rows="3" maxlength="2000" {}
                    label for="review_date" { "Review date" } input id="review_date" type="date" name="review_date" required min=(today.to_string());
                    span {} button.primary type="submit" { "Save" }
                }
            }
        }
        h2 { "Status history" }
        table {
            thead { tr { th { "When" } th { "From" } th { "To" } th { "Catalogue" } } }
            tbody { @for c in &detail.history { tr {
                td { (c.changed_at) } td { @if let Some(s) = &c.old_status { (status_badge(s)) } @else { "—" } }
                td { (status_badge(&c.new_status)) } td { (c.catalog_version) } } } }
        }
        h2 { "Inventory" }
        (inventory_view(&inventory))
    };
    layout(&h.hostname, &caller, &state, body).into_response()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// A known value as text: lists (MAC addresses, Secure Boot certificates) joined, records (the
/// Secure Boot servicing values) as `key value` pairs.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", plain(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

fn fact(v: &Value) -> String {
    match v.get("state").and_then(Value::as_str) {
        Some("known") => v.get("value").map(plain).unwrap_or_default(),
        Some("absent") => "absent".to_string(),
        _ => "not collected".to_string(),
    }
}

fn inventory_view(inv: &Value) -> Markup {
    let empty = Vec::new();
    let software = inv
        .get("software")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let warnings = inv
        .get("warnings")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let hardware = inv.get("hardware").cloned().unwrap_or(Value::Null);
    let os = inv.get("os").cloned().unwrap_or(Value::Null);
    html! {
        h3 { "Operating system" }
        dl.facts {
            @if let Some(map) = os.as_object() {
                @for (k, v) in map {
                    dt { (k) } dd { @if v.get("state").is_some() { (fact(v)) } @else { (plain(v)) } }
                }
            }
        }
        h3 { "Hardware" }
        dl.facts {
            @if let Some(map) = hardware.as_object() {
                @for (k, v) in map { dt { (k) } dd { (fact(v)) } }
            }
        }
        @if let Some(source) = inv.pointer("/host/host_id_source").and_then(Value::as_str) {
            p { "Host id: " (str_at(inv, &["host", "host_id"])) " (" (source) ")" }
        }
        @if let Some(cover) = inv.get("cover").and_then(Value::as_array) {
            h3 { "Support cover" }
            table {
                thead { tr { th { "Programme" } th { "Year" } th { "State" } th { "Evidence" } } }
                tbody { @for c in cover { tr {
                    td { (str_at(c, &["program"])) } td { (c.get("year").map(plain).unwrap_or_default()) }
                    td { (str_at(c, &["state"])) } td { (str_at(c, &["evidence"])) }
                } } }
            }
        }
        h3 { "Software (" (software.len()) ")" }
        table {
            thead { tr { th { "Name" } th { "Version" } th { "Publisher" } th { "Source" } th { "Architecture" } } }
            tbody { @for s in software { tr {
                td { (str_at(s, &["name"])) } td { (str_at(s, &["version"])) } td { (str_at(s, &["publisher"])) }
                td { (str_at(s, &["source", "kind"])) } td { (str_at(s, &["architecture"])) }
            } } }
        }
        @if !warnings.is_empty() {
            h3 { "Scan warnings" }
            ul { @for w in warnings { li { (str_at(w, &["source"])) ": " (str_at(w, &["message"])) } } }
        }
    }
}

async fn findings_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let (limit, offset) = match filter.page(PAGE, PAGE) {
        Ok(page) => page,
        Err(e) => return page_error(e),
    };
    let selection = match filter.selection() {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let cutoff = state.stale_cutoff();
    let (found, sites, risks) = match tokio::try_join!(
        store::findings(&state.db, &selection, &cutoff, limit, offset),
        store::list_sites(&state.db),
        store::all_risks(&state.db)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let (rows, total) = found;
    let today = state.today();
    let body = html! {
        h1 { "Findings" }
        (filter_form("/findings", &filter, &sites, true))
        p.noprint { a href=(with_query("/exports/findings.csv", &Filter { limit: None, offset: None, ..filter.clone() })) { "Download CSV" } }
        (pager("/findings", &filter, total, limit, offset))
        table {
            thead { tr { th { "Status" } th { "Host" } th { "Site" } th { "Part" } th { "Product" } th { "Installed" }
                         th { "Version" } th { "Release" } th { "Security support ends" } th { "Since" } } }
            tbody { @for f in &rows { tr {
                td { (finding_status(&risks, f, today)) }
                td { a href=(format!("/hosts/{}", f.host_id)) { (f.hostname) } }
                td { (f.site) } td { (f.target.as_str()) } td { (f.product_name) } td { (f.subject) }
                td { (f.installed_version.clone().unwrap_or_default()) }
                td { (f.cycle_label.clone().or_else(|| f.cycle.clone()).unwrap_or_default()) }
                td { (f.security_support_end.clone().unwrap_or_default()) }
                td { (f.status_since) }
            } } }
        }
        (pager("/findings", &filter, total, limit, offset))
    };
    layout("Findings", &caller, &state, body).into_response()
}

async fn products_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let selection = match filter.selection() {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let rows = match store::products(&state.db, &selection, &state.stale_cutoff()).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let body = html! {
        h1 { "By product and release" }
        table {
            thead { tr { th { "Status" } th { "Product" } th { "Release" } th.num { "Hosts" } th.num { "Installations" } } }
            tbody { @for p in &rows { tr {
                td { (status_badge(&p.status)) }
                td { a href=(with_query("/findings", &Filter { product: Some(p.product_id.clone()), ..Filter::default() })) { (p.product_name) } }
                td { (p.cycle_label.clone().or_else(|| p.cycle.clone()).unwrap_or_else(|| "(version not recognised)".into())) }
                td.num { (p.hosts) } td.num { (p.installations) }
            } } }
        }
    };
    layout("Products", &caller, &state, body).into_response()
}

// ----------------------------------------------------------------------------------------------
// Risk register, audit log, evidence pack

#[derive(Deserialize)]
struct RiskForm {
    csrf: String,
    #[serde(default)]
    finding_key: String,
    owner: String,
    mitigation: String,
    review_date: String,
}

async fn save_risk(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Form(form): Form<RiskForm>,
) -> Response {
    let entry = RiskEntry {
        finding_key: &form.finding_key,
        owner: &form.owner,
        mitigation: &form.mitigation,
        review_date: &form.review_date,
    };
    let saved = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ChangeRiskRegister) {
        Ok(admin) => admin::save_risk(&state, &admin, &host_id, entry).await,
        Err(refused) => Err(refused),
    };
    match saved {
        Ok(()) => Redirect::to(&format!("/hosts/{host_id}")).into_response(),
        Err(e) => page_error(e.into()),
    }
}

#[derive(Deserialize)]
struct DeleteRiskForm {
    csrf: String,
    #[serde(default)]
    finding_key: String,
}

async fn delete_risk(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Form(form): Form<DeleteRiskForm>,
) -> Response {
    let deleted = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ChangeRiskRegister) {
        Ok(admin) => admin::delete_risk(&state, &admin, &host_id, &form.finding_key).await,
        Err(refused) => Err(refused),
    };
    match deleted {
        Ok(()) => Redirect::to(&format!("/hosts/{host_id}")).into_response(),
        Err(e) => page_error(e.into()),
    }
}

async fn risks_page(State(state): State<Shared>, PageCaller(caller): PageCaller) -> Response {
    let risks = match store::all_risks(&state.db).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let today = state.today().to_string();
    let body = html! {
        h1 { "Risk register" }
        p.muted { "Accepted risks stay visible as “risk accepted until” their review date, then count as unsupported again." }
        table {
            thead { tr { th { "Host" } th { "Applies to" } th { "Owner" } th { "Mitigation" } th { "Review date" } th { "State" } th { "Recorded" } } }
            tbody { @for r in &risks { tr {
                td { a href=(format!("/hosts/{}", r.host_id)) { (r.host_id) } }
                td { @if r.finding_key.is_empty() { "whole host" } @else { (r.finding_key) } }
                td { (r.owner) } td { (r.mitigation) } td { (r.review_date) }
                td { @if r.review_date >= today { span.status.status-accepted { "accepted" } } @else { span.error { "review overdue" } } }
                td { (r.updated_by) " " (r.updated_at) }
            } } }
        }
    };
    layout("Risk register", &caller, &state, body).into_response()
}

async fn audit_page(State(state): State<Shared>, PageCaller(caller): PageCaller) -> Response {
    let entries = match store::audit_log(&state.db, 500).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let body = html! {
        h1 { "Audit log" }
        table {
            thead { tr { th { "When" } th { "Who" } th { "What" } th { "Details" } } }
            tbody { @for e in &entries { tr { td { (e.at) } td { (e.actor) } td { (e.action) } td { code { (e.detail) } } } } }
        }
    };
    layout("Audit log", &caller, &state, body).into_response()
}

struct EvidenceRow {
    finding: FindingListRow,
    source: String,
    risk: Option<Risk>,
    risk_in_force: bool,
}

async fn evidence_rows(state: &Shared) -> Result<Vec<EvidenceRow>, ApiError> {
    let (rows, risks) = tokio::try_join!(
        store::evidence_findings(&state.db),
        store::all_risks(&state.db)
    )?;
    let today = state.today();
    Ok(rows
        .into_iter()
        .map(|(finding, detail)| {
            let d: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
            let src = d.get("date_source").cloned().unwrap_or(Value::Null);
            let mut source = [str_at(&src, &["name"]), str_at(&src, &["url"])]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(retrieved) = src.get("retrieved").and_then(Value::as_str) {
                source.push_str(&format!(" (retrieved {retrieved})"));
            }
            let (risk, in_force) = match risk_state(
                &risks,
                &finding.host_id,
                &finding.finding_key,
                finding.status,
                today,
            ) {
                RiskState::None => (None, false),
                RiskState::Accepted(r) => (Some(r.clone()), true),
                RiskState::Overdue(r) => (Some(r.clone()), false),
            };
            EvidenceRow {
                finding,
                source,
                risk,
                risk_in_force: in_force,
            }
        })
        .collect())
}

async fn evidence_page(State(state): State<Shared>, PageCaller(caller): PageCaller) -> Response {
    let today = state.today();
    let cutoff = state.stale_cutoff();
    let (summary, rows) = match tokio::try_join!(
        async {
            store::summary(&state.db, &Selection::default(), &cutoff, today)
                .await
                .map_err(ApiError::from)
        },
        evidence_rows(&state)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let catalog = state.catalog();
    let attribution = &catalog.catalog.meta().attribution;
    let body = html! {
        h1 { "Assurance evidence pack — " (today) }
        p { "Unsupported and extended-support systems found by Sunset across " (summary.hosts) " hosts, for the annual data-security return. "
            "Verdicts rest on catalogue " strong { (catalog.version()) } " (" (catalog.origin) ")." }
        @if !attribution.is_empty() { p.muted { "Date sources: " (attribution.join("; ")) } }
        p.noprint { a href="/evidence.csv" { "Download CSV" } }
        h2 { "Totals" }
        table { tbody {
            tr { th { "Hosts" } td.num { (summary.hosts) } }
            @for (status, n) in &summary.by_status { tr { th { "Hosts " (status.as_str()) } td.num { (n) } } }
            tr { th { "Hosts with unsupported OS" } td.num { (summary.hosts_unsupported_os) } }
            tr { th { "Hosts with unsupported software" } td.num { (summary.hosts_unsupported_software) } }
            tr { th { "Hosts with unsupported hardware" } td.num { (summary.hosts_unsupported_hardware) } }
            tr { th { "Risks accepted and in force" } td.num { (summary.risks_accepted) } }
            tr { th { "Hosts not reporting for " (state.config.stale_days) " days" } td.num { (summary.stale_hosts) } }
        } }
        h2 { "Unsupported items (" (rows.len()) ")" }
        table {
            thead { tr { th { "Status" } th { "Part" } th { "Product" } th { "Release" } th { "Host" } th { "Site" }
                         th { "First seen in this status" } th { "Security support ended" } th { "Risk record" } th { "Date source" } } }
            tbody { @for r in &rows { tr {
                td { (status_badge(&r.finding.status)) }
                td { (r.finding.target.as_str()) }
                td { (r.finding.product_name) " — " (r.finding.subject) " " (r.finding.installed_version.clone().unwrap_or_default()) }
                td { (r.finding.cycle_label.clone().or_else(|| r.finding.cycle.clone()).unwrap_or_default()) }
                td { (r.finding.hostname) }
                td { (r.finding.site) }
                td { (r.finding.status_since) }
                td { (r.finding.security_support_end.clone().unwrap_or_default()) }
                td { @if let Some(risk) = &r.risk {
                        @if r.risk_in_force { "Accepted until " } @else { "OVERDUE since " }
                        (risk.review_date) "; owner " (risk.owner) "; " (risk.mitigation)
                     } @else { "none" } }
                td { (r.source) }
            } } }
        }
    };
    layout("Evidence pack", &caller, &state, body).into_response()
}

/// One line of the evidence pack's CSV (its fields are the columns).
#[derive(Serialize, Deserialize)]
struct EvidenceCsvRow<'a> {
    report_date: &'a str,
    catalog_version: &'a str,
    status: Status,
    target: Target,
    product: &'a str,
    subject: &'a str,
    installed_version: &'a str,
    release: &'a str,
    hostname: &'a str,
    site: &'a str,
    first_seen_in_status: &'a str,
    security_support_end: &'a str,
    extended_support_end: &'a str,
    risk_state: &'a str,
    risk_owner: &'a str,
    risk_mitigation: &'a str,
    risk_review_date: &'a str,
    date_source: &'a str,
}

async fn evidence_csv(State(state): State<Shared>, PageCaller(_caller): PageCaller) -> Response {
    let rows = match evidence_rows(&state).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let catalog = state.catalog();
    let today = state.today().to_string();
    let mut w = CsvWriter::for_rows::<EvidenceCsvRow>();
    for r in &rows {
        let f = &r.finding;
        let risk = r.risk.as_ref();
        let row = EvidenceCsvRow {
            report_date: &today,
            catalog_version: catalog.version(),
            status: f.status,
            target: f.target,
            product: &f.product_name,
            subject: &f.subject,
            installed_version: f.installed_version.as_deref().unwrap_or(""),
            release: f
                .cycle_label
                .as_deref()
                .or(f.cycle.as_deref())
                .unwrap_or(""),
            hostname: &f.hostname,
            site: &f.site,
            first_seen_in_status: &f.status_since,
            security_support_end: f.security_support_end.as_deref().unwrap_or(""),
            extended_support_end: f.extended_support_end.as_deref().unwrap_or(""),
            risk_state: match (risk, r.risk_in_force) {
                (None, _) => "none",
                (Some(_), true) => "accepted",
                (Some(_), false) => "overdue",
            },
            risk_owner: risk.map_or("", |x| x.owner.as_str()),
            risk_mitigation: risk.map_or("", |x| x.mitigation.as_str()),
            risk_review_date: risk.map_or("", |x| x.review_date.as_str()),
            date_source: &r.source,
        };
        if let Err(e) = w.serialize(&row) {
            return page_error(ApiError::internal(e));
        }
    }
    api::csv_response(&format!("sunset-evidence-{today}.csv"), w.finish())
}

async fn export_hosts(
    State(state): State<Shared>,
    PageCaller(_caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::hosts_csv_text(&state, &filter).await {
        Ok(text) => api::csv_response("sunset-hosts.csv", text),
        Err(e) => page_error(e),
    }
}

async fn export_findings(
    State(state): State<Shared>,
    PageCaller(_caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::findings_csv_text(&state, &filter).await {
        Ok(text) => api::csv_response("sunset-findings.csv", text),
        Err(e) => page_error(e),
    }
}

async fn reload_catalog(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Form(form): Form<CsrfForm>,
) -> Response {
    let reloaded = match Admin::check(&caller, Proof::Form(&form.csrf), Action::ReloadCatalog) {
        Ok(admin) => admin::reload_catalog(&state, &admin).await,
        Err(refused) => Err(refused),
    };
    match reloaded {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => page_error(e.into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn risk(finding_key: &str, review_date: &str) -> Risk {
        Risk {
            id: "r".into(),
            host_id: "h".into(),
            finding_key: finding_key.into(),
            owner: "Practice manager".into(),
            mitigation: "Isolated VLAN".into(),
            review_date: review_date.into(),
            updated_by: "alice".into(),
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn accepted_risk_reverts_to_unsupported_after_its_review_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let risks = [risk("", "2026-11-25")];
        assert!(matches!(
            risk_state(&risks, "h", "os|windows|x", Status::Unsupported, today),
            RiskState::Accepted(_)
        ));
        let tomorrow = today.succ_opt().unwrap();
        assert!(matches!(
            risk_state(&risks, "h", "os|windows|x", Status::Unsupported, tomorrow),
            RiskState::Overdue(_)
        ));
        assert_eq!(
            risk_state(&risks, "h", "k", Status::Supported, today),
            RiskState::None
        );
        assert_eq!(
            risk_state(&risks, "other", "k", Status::Unsupported, today),
            RiskState::None
        );
    }

    #[test]
    fn a_finding_risk_wins_over_the_host_risk() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let risks = [risk("", "2026-01-01"), risk("k", "2027-01-01")];
        match risk_state(&risks, "h", "k", Status::Unsupported, today) {
            RiskState::Accepted(r) => assert_eq!(r.review_date, "2027-01-01"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_host_page_shows_identity_secure_boot_and_cover() {
        let inventory = serde_json::json!({
            "host": {"host_id": "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
                     "host_id_source": "state directory C:\\ProgramData\\Sunset\\state (host-id)"},
            "os": {"name": "Windows 10 Pro", "machine_id": {"state": "known", "value": "5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d"}},
            "hardware": {
                "system_uuid": {"state": "known", "value": "4c4c4544-0042-3510-8052-b3c04f4b4e32"},
                "board_serial": {"state": "absent"},
                "mac_addresses": {"state": "known", "value": ["00:1a:2b:3c:4d:5e", "00:50:56:ab:cd:ef"]},
                "secure_boot_kek": {"state": "known", "value": ["Microsoft Corporation KEK CA 2011"]},
                "secure_boot_servicing": {"state": "known", "value": {"status": "NotStarted", "available_updates": 22852}}
            },
            "cover": [{"program": "windows-10-esu", "year": 1, "state": "licensed",
                       "evidence": "WMI SoftwareLicensingProduct f520e45e-7413-4a34-a497-d2765967d094: LicenseStatus 1 (licensed)"}],
            "software": [], "warnings": []
        });
        let html = inventory_view(&inventory).into_string();
        for shown in [
            "<dd>5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d</dd>",
            "<dd>4c4c4544-0042-3510-8052-b3c04f4b4e32</dd>",
            "<dd>absent</dd>",
            "<dd>00:1a:2b:3c:4d:5e, 00:50:56:ab:cd:ef</dd>",
            "<dd>Microsoft Corporation KEK CA 2011</dd>",
            "<dd>available_updates 22852, status NotStarted</dd>",
            "(state directory C:\\ProgramData\\Sunset\\state (host-id))",
            "<td>windows-10-esu</td><td>1</td><td>licensed</td>",
        ] {
            assert!(html.contains(shown), "{shown} not in {html}");
        }
    }
}
