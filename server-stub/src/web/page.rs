//! What every page shares: the layout with its navigation, the error page, the stylesheet, status
//! badges, links that keep a listing's filter, the pager of every list that can grow, and the
//! citation of a finding's dates.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use sunset_catalog::catalog::DateSource;
use sunset_catalog::evaluate::Status;

use crate::filter::Filter;
use crate::http::{ApiError, Caller};
use crate::state::AppState;

/// The stylesheet (also inlined into the evidence pack's standalone `index.html`).
pub(super) const STYLE: &str = include_str!("../../assets/style.css");

/// Rows per dashboard page (hosts, findings, products, risk records).
pub(super) const PAGE: i64 = 100;

/// A form that carries only the session's CSRF token (logout, catalogue reload).
#[derive(Deserialize)]
pub(super) struct CsrfForm {
    pub(super) csrf: String,
}

/// `GET /static/style.css`.
pub(super) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// The error page for `e`, with its status (and `Retry-After`, when it has one).
pub(super) fn page_error(e: ApiError) -> Response {
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

/// A whole page: `body` inside the navigation, the caller's name and logout form, and the
/// catalogue version and time it was generated with.
pub(super) fn layout(title: &str, caller: &Caller, state: &AppState, body: Markup) -> Html<String> {
    let (catalog, now) = (state.catalog(), state.now());
    // Verdicts from old data miss every release and end date announced since: say so on every page.
    let freshness = catalog.catalog.freshness(now.date_naive());
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
                            a href="/forecast" { "Forecast" }
                            a href="/triage" { "Unmatched software" }
                            a href="/risks" { "Risk register" }
                            a href="/evidence" { "Evidence pack" }
                            @if caller.user.scope.is_estate() { a href="/audit" { "Audit log" } }
                        }
                        div.who {
                            span { (caller.user.name) " (" (caller.user.role) ", " (caller.user.org_name) ")" }
                            @if caller.csrf_token.is_some() {
                                form method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Log out" }
                                }
                            }
                        }
                    }
                    main {
                        @if let Some(warning) = freshness.warning() {
                            p.warning role="alert" { "Out-of-date catalogue: " (warning) "." }
                        }
                        (body)
                        p.muted {
                            "Catalogue " (catalog.version())
                            @if let Some(date) = freshness.date { ", data read " (date) }
                            " · generated " (now.format("%Y-%m-%d %H:%M UTC"))
                        }
                    }
                }
            }
        }
        .into_string(),
    )
}

/// A status as a coloured badge.
pub(super) fn status_badge(status: &Status) -> Markup {
    let status = status.as_str();
    html! { span class=(format!("status status-{status}")) { (status) } }
}

/// Where a finding's dates come from: the source's name and page, and the day they were read
/// (`vendor https://… (retrieved 2026-11-01)`).
pub(super) fn cite(source: Option<&DateSource>) -> String {
    let Some(source) = source else {
        return String::new();
    };
    let mut text = [Some(source.name.as_str()), source.url.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(retrieved) = source.retrieved {
        text.push_str(&format!(" (retrieved {retrieved})"));
    }
    text
}

/// `path` with `filter` as its query string.
pub(super) fn with_query(path: &str, filter: &Filter) -> String {
    let query = serde_urlencoded::to_string(filter).unwrap_or_default();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// Where this page of a listing is, with links to the previous and next pages.
pub(super) fn pager(path: &str, filter: &Filter, total: i64, limit: i64, offset: i64) -> Markup {
    pager_by(total, limit, offset, |offset| {
        with_query(
            path,
            &Filter {
                offset: Some(offset),
                ..filter.clone()
            },
        )
    })
}

/// [`pager`] for a page whose links carry more than a [`Filter`]: `link` makes the address of the
/// page at an offset.
pub(super) fn pager_by(
    total: i64,
    limit: i64,
    offset: i64,
    link: impl Fn(i64) -> String,
) -> Markup {
    let prev = (offset > 0).then(|| link((offset - limit).max(0)));
    let next = (offset + limit < total).then(|| link(offset + limit));
    html! {
        div.pager {
            span { (if total == 0 { 0 } else { offset + 1 }) "–" ((offset + limit).min(total)) " of " (total) }
            @if let Some(p) = prev { a href=(p) { "← previous" } }
            @if let Some(n) = next { a href=(n) { "next →" } }
        }
    }
}
