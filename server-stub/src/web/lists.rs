//! The listings — hosts, findings, products — with the filter form and pager they share, and the
//! hosts' and findings' CSV exports (the same rows as the JSON API).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use sunset_catalog::evaluate::Status;

use super::page::{layout, page_error, status_badge, with_query};
use super::risk::finding_status;
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{self, Organisation, Selection};

/// Hosts or findings per dashboard page.
const PAGE: i64 = 100;

/// What a page's filter form offers: the caller's organisations (with their depth below the
/// caller's own, in tree order) and sites.
pub(super) struct Choices {
    pub(super) orgs: Vec<(usize, Organisation)>,
    pub(super) sites: Vec<store::Site>,
}

/// The selection a page's filter asks for (inside the caller's scope) and its form's choices.
pub(super) async fn selection_and_choices(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<(Selection, Choices), ApiError> {
    let scope = &caller.user.scope;
    let (selection, orgs, sites) = tokio::try_join!(
        filter.selection(&state.db, caller),
        async {
            store::org_outline(&state.db, scope)
                .await
                .map_err(ApiError::from)
        },
        async {
            store::list_sites(&state.db, scope)
                .await
                .map_err(ApiError::from)
        },
    )?;
    Ok((selection, Choices { orgs, sites }))
}

/// Whether `reference` (a filter's `org`) names `org`.
fn names(reference: Option<&str>, org: &Organisation) -> bool {
    reference.is_some_and(|r| {
        let r = r.trim();
        r == org.id || r == org.name || org.ods_code.as_deref() == Some(&r.to_ascii_uppercase())
    })
}

/// The filters of a listing (and of the summary); `with_target` adds the part (OS, software,
/// hardware) a finding is about.
pub(super) fn filter_form(
    action: &str,
    filter: &Filter,
    choices: &Choices,
    with_target: bool,
) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let sites = &choices.sites;
    html! {
        form.filters method="get" action=(action) {
            label { "Host name" input type="search" name="q" value=(v(&filter.q)) placeholder="search"; }
            @if choices.orgs.len() > 1 {
                label { "Organisation" select name="org" {
                    @for (depth, org) in &choices.orgs {
                        option value=(if *depth == 0 { "" } else { org.id.as_str() })
                            selected[*depth > 0 && names(filter.org.as_deref(), org)] {
                            (" ".repeat(depth * 2)) (org.label())
                        }
                    }
                } }
            }
            label { "Site" select name="site" {
                option value="" { "All sites" }
                @for site in sites {
                    option value=(site.name) selected[filter.site.as_deref() == Some(site.name.as_str())] { (site.name) }
                }
            } }
            label { "Status" select name="status" {
                option value="" { "Any status" }
                @for s in Status::ALL {
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
            label { "Clones only" input type="checkbox" name="clone" value="true" checked[filter.clone.as_deref() == Some("true")]; }
            button.primary type="submit" { "Filter" }
        }
    }
}

/// Where this page of a listing is, with links to the previous and next pages.
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

/// What a paged listing starts from: the page asked for (a bad offset or limit is refused before
/// anything is read), the caller's selection and the filter form's choices.
async fn listing(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<((i64, i64), Selection, Choices), ApiError> {
    let page = filter.page(PAGE, PAGE)?;
    let (selection, choices) = selection_and_choices(state, caller, filter).await?;
    Ok((page, selection, choices))
}

/// `GET /hosts`: one page of hosts, filtered.
pub(super) async fn hosts_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let ((limit, offset), selection, choices) = match listing(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let cutoff = state.stale_cutoff();
    let (rows, total) = match store::hosts(&state.db, &selection, &cutoff, limit, offset).await {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let stale_before = cutoff;
    let body = html! {
        h1 { "Hosts" }
        (filter_form("/hosts", &filter, &choices, false))
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

/// `GET /findings`: one page of findings, filtered, with the risk register applied.
pub(super) async fn findings_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let ((limit, offset), selection, choices) = match listing(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let cutoff = state.stale_cutoff();
    let (found, risks) = match tokio::try_join!(
        store::findings(&state.db, &selection, &cutoff, limit, offset),
        store::risks(&state.db, &selection, &cutoff)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let (rows, total) = found;
    let today = state.today();
    let body = html! {
        h1 { "Findings" }
        (filter_form("/findings", &filter, &choices, true))
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

/// `GET /products`: installations by product and release.
pub(super) async fn products_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let (selection, choices) = match selection_and_choices(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let rows = match store::products(&state.db, &selection, &state.stale_cutoff()).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let body = html! {
        h1 { "By product and release" }
        (filter_form("/products", &filter, &choices, false))
        table {
            thead { tr { th { "Status" } th { "Product" } th { "Release" } th.num { "Hosts" } th.num { "Installations" } } }
            tbody { @for p in &rows { tr {
                td { (status_badge(&p.status)) }
                td { a href=(with_query("/findings", &Filter { product: Some(p.product_id.clone()), ..filter.clone() })) { (p.product_name) } }
                td { (p.cycle_label.clone().or_else(|| p.cycle.clone()).unwrap_or_else(|| "(version not recognised)".into())) }
                td.num { (p.hosts) } td.num { (p.installations) }
            } } }
        }
    };
    layout("Products", &caller, &state, body).into_response()
}

/// `GET /exports/hosts.csv`: the filtered host list (all pages).
pub(super) async fn export_hosts(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::hosts_csv_text(&state, &caller, &filter).await {
        Ok(text) => api::csv_response("sunset-hosts.csv", text),
        Err(e) => page_error(e),
    }
}

/// `GET /exports/findings.csv`: the filtered finding list (all pages).
pub(super) async fn export_findings(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::findings_csv_text(&state, &caller, &filter).await {
        Ok(text) => api::csv_response("sunset-findings.csv", text),
        Err(e) => page_error(e),
    }
}
