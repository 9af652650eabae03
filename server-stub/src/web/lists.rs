//! The listings — hosts, findings, products — with the filter form, sortable column headers and
//! pager they share, and the hosts' and findings' CSV exports (the same rows, in the same order, as
//! the JSON API).
//!
//! Sorting and paging are the database's (`?sort=&dir=`, `?offset=`): a page is never the sorted
//! part of a bigger read. Every link a page draws — headers, pager, filter form, CSV — keeps the
//! other parameters, so a sorted, filtered list stays so while it is paged or exported.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use sunset_catalog::evaluate::Status;

use super::format::{release, when};
use super::page::{PAGE, layout, page_error, pager, status_badge, with_query};
use super::risk::finding_status;
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{
    self, Direction, FindingSort, HostSort, Organisation, ProductSort, Selection, Sort, SortKey,
};

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
pub(super) fn names(reference: Option<&str>, org: &Organisation) -> bool {
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
            label { "Product" input type="text" name="product" value=(v(&filter.product)) size="14" placeholder="name or id"; }
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
            // A new filter keeps the order chosen by a column header.
            @if let Some(sort) = &filter.sort { input type="hidden" name="sort" value=(sort); }
            @if let Some(dir) = &filter.dir { input type="hidden" name="dir" value=(dir); }
            button.primary type="submit" { "Filter" }
        }
    }
}

/// A column header that sorts the list at `path` by `key`, keeping the other filters and going
/// back to the first page: the column sorted now flips its direction, another starts with its
/// usual one. The sorted column says so to screen readers (`aria-sort`) and shows an arrow.
pub(super) fn sort_th<K: SortKey>(
    path: &str,
    filter: &Filter,
    current: Sort<K>,
    key: K,
    label: &str,
    numeric: bool,
) -> Markup {
    let active = current.key == key;
    let dir = if active {
        current.dir.flipped()
    } else {
        key.first_direction()
    };
    let href = with_query(
        path,
        &Filter {
            sort: Some(key.name().to_string()),
            dir: Some(dir.as_str().to_string()),
            offset: None,
            ..filter.clone()
        },
    );
    let (aria, arrow) = match (active, current.dir) {
        (false, _) => (None, ""),
        (true, Direction::Asc) => (Some("ascending"), " ▲"),
        (true, Direction::Desc) => (Some("descending"), " ▼"),
    };
    html! {
        th class=[numeric.then_some("num")] aria-sort=[aria] {
            a.sort href=(href) title=(format!("Sort by {}", label.to_lowercase())) { (label) (arrow) }
        }
    }
}

/// What a paged listing of `K` rows starts from: the page and order asked for (a bad offset,
/// limit or sort is refused before anything is read), the caller's selection and the filter
/// form's choices.
async fn listing<K: SortKey>(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<((i64, i64), Sort<K>, Selection, Choices), ApiError> {
    let page = filter.page(PAGE, PAGE)?;
    let sort = filter.sort()?;
    let (selection, choices) = selection_and_choices(state, caller, filter).await?;
    Ok((page, sort, selection, choices))
}

/// `GET /hosts`: one page of hosts, filtered.
pub(super) async fn hosts_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let ((limit, offset), sort, selection, choices) =
        match listing::<HostSort>(&state, &caller, &filter).await {
            Ok(x) => x,
            Err(e) => return page_error(e),
        };
    let cutoff = state.stale_cutoff();
    let found = store::hosts(&state.db, &selection, &cutoff, sort, limit, offset).await;
    let (rows, total) = match found {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let stale_before = cutoff;
    let now = state.now();
    let th = |key, label| sort_th("/hosts", &filter, sort, key, label, false);
    let body = html! {
        h1 { "Hosts" }
        (filter_form("/hosts", &filter, &choices, false))
        p.noprint { a href=(with_query("/exports/hosts.csv", &Filter { limit: None, offset: None, ..filter.clone() })) { "Download CSV" } }
        (pager("/hosts", &filter, total, limit, offset))
        div.table-wrap { table {
            thead { tr {
                (th(HostSort::Host, "Host")) (th(HostSort::Site, "Site")) (th(HostSort::Status, "Status"))
                (th(HostSort::OsStatus, "OS")) (th(HostSort::SoftwareStatus, "Software"))
                (th(HostSort::HardwareStatus, "Hardware")) (th(HostSort::Os, "Operating system"))
                (sort_th("/hosts", &filter, sort, HostSort::Unsupported, "Unsupported", true))
                (th(HostSort::NextUnsupported, "Next unsupported")) (th(HostSort::LastSeen, "Last seen"))
            } }
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
                        td.nowrap { (when(&h.last_seen_at, now)) @if h.last_seen_at < stale_before { " " span.error { "stale" } } }
                    }
                }
            }
        } }
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
    let ((limit, offset), sort, selection, choices) =
        match listing::<FindingSort>(&state, &caller, &filter).await {
            Ok(x) => x,
            Err(e) => return page_error(e),
        };
    let cutoff = state.stale_cutoff();
    let (found, risks) = match tokio::try_join!(
        store::findings(&state.db, &selection, &cutoff, sort, limit, offset),
        store::risks(&state.db, &selection, &cutoff)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let (rows, total) = found;
    let today = state.today();
    let th = |key, label| sort_th("/findings", &filter, sort, key, label, false);
    let body = html! {
        h1 { "Findings" }
        (filter_form("/findings", &filter, &choices, true))
        p.noprint { a href=(with_query("/exports/findings.csv", &Filter { limit: None, offset: None, ..filter.clone() })) { "Download CSV" } }
        (pager("/findings", &filter, total, limit, offset))
        div.table-wrap { table {
            thead { tr {
                (th(FindingSort::Status, "Status")) (th(FindingSort::Host, "Host")) (th(FindingSort::Site, "Site"))
                (th(FindingSort::Part, "Part")) (th(FindingSort::Product, "Product"))
                (th(FindingSort::Installed, "Installed")) (th(FindingSort::Version, "Version"))
                (th(FindingSort::Release, "Release")) (th(FindingSort::SecuritySupportEnd, "Security support ends"))
                (th(FindingSort::Since, "Since"))
            } }
            tbody { @for f in &rows { tr {
                td { (finding_status(&risks, f, today)) }
                td { a href=(format!("/hosts/{}", f.host_id)) { (f.hostname) } }
                td { (f.site) } td { (f.target.as_str()) }
                td { (f.product_name) @if !f.layer.is_built_in() { " " span.muted { "(" (f.layer) ")" } } }
                td { (f.subject) }
                td { (f.installed_version.clone().unwrap_or_default()) }
                td { (release(f.cycle_label.as_deref().or(f.cycle.as_deref()).unwrap_or_default())) }
                td { (f.security_support_end.clone().unwrap_or_default()) }
                td.nowrap { (f.status_since.get(..10).unwrap_or(&f.status_since)) }
            } } }
        } }
        (pager("/findings", &filter, total, limit, offset))
    };
    layout("Findings", &caller, &state, body).into_response()
}

/// `GET /products`: installations by product and release, a page at a time.
pub(super) async fn products_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let ((limit, offset), sort, selection, choices) =
        match listing::<ProductSort>(&state, &caller, &filter).await {
            Ok(x) => x,
            Err(e) => return page_error(e),
        };
    let cutoff = state.stale_cutoff();
    let found = store::products(&state.db, &selection, &cutoff, sort, limit, offset).await;
    let (rows, total) = match found {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let th = |key, label, numeric| sort_th("/products", &filter, sort, key, label, numeric);
    // A product's findings: its id (exact), this page's other filters, the findings' own order.
    let findings_of = |product_id: &str| {
        with_query(
            "/findings",
            &Filter {
                product: Some(product_id.to_string()),
                sort: None,
                dir: None,
                limit: None,
                offset: None,
                ..filter.clone()
            },
        )
    };
    let body = html! {
        h1 { "By product and release" }
        (filter_form("/products", &filter, &choices, false))
        (pager("/products", &filter, total, limit, offset))
        div.table-wrap { table {
            thead { tr {
                (th(ProductSort::Status, "Status", false)) (th(ProductSort::Product, "Product", false))
                (th(ProductSort::Release, "Release", false)) (th(ProductSort::Hosts, "Hosts", true))
                (th(ProductSort::Installations, "Installations", true))
            } }
            tbody { @for p in &rows { tr {
                td { (status_badge(&p.status)) }
                td { a href=(findings_of(&p.product_id)) { (p.product_name) } }
                td { @match p.cycle_label.as_deref().or(p.cycle.as_deref()) {
                    Some(label) => (release(label)),
                    None => "(version not recognised)",
                } }
                td.num { (p.hosts) } td.num { (p.installations) }
            } } }
        } }
        (pager("/products", &filter, total, limit, offset))
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
