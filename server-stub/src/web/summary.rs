//! The estate summary: hosts by status and by site, what is unsupported by part, and the forecast
//! of hosts becoming unsupported over the next 24 months.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::lists::{Choices, filter_form, selection_and_choices};
use super::page::{layout, page_error, status_badge, with_query};
use crate::filter::Filter;
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store;

/// The forecast as an SVG bar chart: hosts per month.
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

/// One organisation's roll-up: its whole subtree's hosts by status.
struct OrgRollUp<'a> {
    org: &'a store::Organisation,
    hosts: i64,
    by_status: HashMap<Status, i64>,
}

/// The organisations directly below the one the summary is about, each with the hosts of its whole
/// subtree by status (from the summary's sites, so the other filters apply too).
fn roll_up<'a>(
    choices: &'a Choices,
    top: &str,
    by_site: &[store::SiteSummary],
) -> Vec<OrgRollUp<'a>> {
    let Some(start) = choices.orgs.iter().position(|(_, o)| o.id == top) else {
        return Vec::new();
    };
    let depth = choices.orgs[start].0;
    let org_of_site: HashMap<&str, &str> = choices
        .sites
        .iter()
        .map(|s| (s.name.as_str(), s.org_id.as_str()))
        .collect();
    let mut out: Vec<OrgRollUp<'a>> = Vec::new();
    // The orgs below `top` in tree order: each child, then its subtree, until `top`'s subtree ends.
    let mut subtree_of: HashMap<&str, usize> = HashMap::new();
    for (d, org) in choices.orgs[start + 1..]
        .iter()
        .take_while(|(d, _)| *d > depth)
    {
        if *d == depth + 1 {
            out.push(OrgRollUp {
                org,
                hosts: 0,
                by_status: HashMap::new(),
            });
        }
        if let Some(child) = out.len().checked_sub(1) {
            subtree_of.insert(org.id.as_str(), child);
        }
    }
    for site in by_site {
        let child = org_of_site
            .get(site.site.as_str())
            .and_then(|org| subtree_of.get(org));
        if let Some(entry) = child.and_then(|i| out.get_mut(*i)) {
            entry.hosts += site.hosts;
            for (status, n) in &site.by_status {
                *entry.by_status.entry(*status).or_default() += n;
            }
        }
    }
    out
}

/// `GET /`: the summary, filtered like the listings it links to.
pub(super) async fn summary_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let today = state.today();
    let cutoff = state.stale_cutoff();
    let (selection, choices) = match selection_and_choices(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let summary = match store::summary(&state.db, &selection, &cutoff, today).await {
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
    let below = roll_up(&choices, selection.scope().org_id(), &summary.by_site);
    let trend = match super::trend::section(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let clones = match super::clones::summary_card(&state, &selection, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let body = html! {
        h1 { "Estate summary" }
        (filter_form("/", &filter, &choices, false))
        div.cards {
            div.card { a href=(with_query("/hosts", &filter)) { span.n { (summary.hosts) } "hosts" } }
            @for (status, n) in &summary.by_status {
                div.card { a href=(link(status)) { span.n { (n) } (status_badge(status)) } }
            }
            div.card { a href=(with_query("/hosts", &Filter { stale: Some("true".into()), ..filter.clone() })) {
                span.n { (summary.stale_hosts) } "stale (no report for " (state.config.stale_days) " days)" } }
            div.card { a href=(with_query("/risks", &filter)) { span.n { (summary.risks_accepted) } "risks accepted" } }
            (clones)
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
        (trend)
        @if !below.is_empty() {
            h2 { "By organisation" }
            table {
                thead { tr { th { "Organisation" } th { "Kind" } th.num { "Hosts" }
                    @for s in Status::ALL { th.num { (s.as_str()) } } } }
                tbody {
                    @for r in &below {
                        tr {
                            td { a href=(with_query("/", &Filter { org: Some(r.org.id.clone()), ..filter.clone() })) { (r.org.label()) } }
                            td { (r.org.kind) }
                            td.num { (r.hosts) }
                            @for s in Status::ALL { td.num { (r.by_status.get(&s).copied().unwrap_or(0)) } }
                        }
                    }
                }
            }
        }
        h2 { "By site" }
        table {
            thead { tr { th { "Site" } th.num { "Hosts" }
                @for s in Status::ALL { th.num { (s.as_str()) } } } }
            tbody {
                @for site in &summary.by_site {
                    tr {
                        td { a href=(with_query("/hosts", &Filter { site: Some(site.site.clone()), ..filter.clone() })) { (site.site) } }
                        td.num { (site.hosts) }
                        @for s in Status::ALL {
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
        @if caller.user.role.is_admin() && caller.user.scope.is_estate() {
            form.noprint method="post" action="/admin/catalog/reload" {
                input type="hidden" name="csrf" value=(caller.csrf_token.clone().unwrap_or_default());
                "Catalogue " (catalog.version()) " from " (catalog.origin) " "
                button type="submit" { "Reload catalogue and re-evaluate all hosts" }
            }
        }
    };
    layout("Summary", &caller, &state, body).into_response()
}
