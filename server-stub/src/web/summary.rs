//! The estate summary: hosts by status and by site, what is unsupported by part, and a link to
//! the forecast of what loses support when (`forecast`).
//!
//! The headline tells the truth about unsupported hosts: those with an unsupported item no risk in
//! force covers ("unsupported — no accepted risk", expired acceptances included and counted) apart
//! from those whose every unsupported item has an accepted risk ("risk accepted (until …)"), the
//! split `store::summary` computes; the site and organisation rows split the same way.

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
use crate::store::{self, UnsupportedHosts};

/// One organisation's roll-up: its whole subtree's hosts by status.
struct OrgRollUp<'a> {
    org: &'a store::Organisation,
    hosts: i64,
    by_status: HashMap<Status, i64>,
    unsupported: UnsupportedHosts,
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
                unsupported: UnsupportedHosts::default(),
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
            entry.unsupported.add(&site.unsupported);
        }
    }
    out
}

/// The `/risks` link for the summary's filter's organisation, with a `review` window.
fn register_link(filter: &Filter, review: Option<&str>) -> String {
    let base = with_query(
        "/risks",
        &Filter {
            org: filter.org.clone(),
            ..Filter::default()
        },
    );
    match review {
        None => base,
        Some(review) if base.contains('?') => format!("{base}&review={review}"),
        Some(review) => format!("{base}?review={review}"),
    }
}

/// The headline's unsupported hosts, split: no accepted risk (with how many of them had an
/// acceptance that expired), and risk accepted until the earliest review date.
fn unsupported_cards(split: &UnsupportedHosts, hosts_link: &str, filter: &Filter) -> Markup {
    html! {
        div.card { a href=(hosts_link) { span.n { (split.no_accepted_risk) }
            (status_badge(&Status::Unsupported)) " — no accepted risk" } }
        @if split.acceptance_expired > 0 {
            div.card { a href=(register_link(filter, Some("overdue"))) { span.n { (split.acceptance_expired) }
                span.error { @if split.acceptance_expired == 1 { "acceptance expired" } @else { "acceptances expired" }
                    @if let Some(on) = split.acceptance_expired_on {
                        @if split.acceptance_expired == 1 { " on " (on) } @else { " (the first on " (on) ")" } } }
                " — counted as unsupported again" } }
        }
        div.card { a href=(register_link(filter, None)) { span.n { (split.risk_accepted) }
            span.status.status-accepted { "risk accepted" }
            @if let Some(until) = split.risk_accepted_until { " (until " (until) ")" } } }
    }
}

/// The status columns' headings: unsupported split in two, then every other status.
fn status_headings() -> Markup {
    html! {
        @for s in Status::ALL {
            @if s == Status::Unsupported {
                th.num { "unsupported, no accepted risk" } th.num { "risk accepted" }
            } @else { th.num { (s.as_str()) } }
        }
    }
}

/// A row's status cells under [`status_headings`]: `count` of each status, the unsupported ones as
/// `split` (expired acceptances noted).
fn status_cells(count: impl Fn(Status) -> i64, split: &UnsupportedHosts) -> Markup {
    html! {
        @for s in Status::ALL {
            @if s == Status::Unsupported {
                td.num { (split.no_accepted_risk)
                    @if split.acceptance_expired > 0 { " " span.error { "(" (split.acceptance_expired) " expired)" } } }
                td.num { (split.risk_accepted) }
            } @else { td.num { (count(s)) } }
        }
    }
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
                @if *status == Status::Unsupported {
                    (unsupported_cards(&summary.unsupported, &link(status), &filter))
                } @else {
                    div.card { a href=(link(status)) { span.n { (n) } (status_badge(status)) } }
                }
            }
            div.card { a href=(with_query("/hosts", &Filter { stale: Some("true".into()), ..filter.clone() })) {
                span.n { (summary.stale_hosts) } "stale (no report for " (state.config.stale_days) " days)" } }
            div.card { a href=(with_query("/risks", &filter)) { span.n { (summary.risks_accepted) } "risk records in force" } }
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
        p { a href=(with_query("/forecast", &filter)) { "Forecast" } ": how many hosts lose support for each release in each of the next 24 months, and what ends in the next 12." }
        (trend)
        @if !below.is_empty() {
            h2 { "By organisation" }
            table {
                thead { tr { th { "Organisation" } th { "Kind" } th.num { "Hosts" } (status_headings()) } }
                tbody {
                    @for r in &below {
                        tr {
                            td { a href=(with_query("/", &Filter { org: Some(r.org.id.clone()), ..filter.clone() })) { (r.org.label()) } }
                            td { (r.org.kind) }
                            td.num { (r.hosts) }
                            (status_cells(|s| r.by_status.get(&s).copied().unwrap_or(0), &r.unsupported))
                        }
                    }
                }
            }
        }
        h2 { "By site" }
        table {
            thead { tr { th { "Site" } th.num { "Hosts" } (status_headings()) } }
            tbody {
                @for site in &summary.by_site {
                    tr {
                        td { a href=(with_query("/hosts", &Filter { site: Some(site.site.clone()), ..filter.clone() })) { (site.site) } }
                        td.num { (site.hosts) }
                        (status_cells(|s| site.by_status.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n), &site.unsupported))
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
