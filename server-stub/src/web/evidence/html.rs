//! The evidence pack as HTML: the parts the dashboard's pages and the zip's `index.html` share —
//! the requirement mapping, the totals by site and by product, a page of items or hosts — and the
//! zip's standalone page (its stylesheet inline, its links to the CSV files beside it).

use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::super::page::{STYLE, status_badge};
use super::requirements::{REQUIREMENTS, Wording};
use super::rows::{
    AssetExtras, Item, ProductTotalRow, SiteTotalRow, Tallies, Treatment, patch_name,
};
use super::section::Section;
use crate::store::AssetRow;

/// Who, when and on what a pack is: what its pages say about it.
pub struct About<'a> {
    /// The organisation, as people refer to it.
    pub organisation: &'a str,
    /// When it was made.
    pub now: DateTime<Utc>,
    /// The day it was made.
    pub today: NaiveDate,
    /// The catalogue the verdicts rest on.
    pub catalog_version: &'a str,
    /// Where that catalogue came from.
    pub catalog_origin: &'a str,
}

/// Who, when and on what the pack is.
pub fn heading(pack: &About, tallies: Option<&Tallies>) -> Markup {
    html! {
        h1 { "Assurance evidence pack — " (pack.organisation) }
        p {
            "Made " (pack.now.format("%Y-%m-%d %H:%M UTC")) " for " strong { (pack.organisation) }
            ", from the computers that report to Sunset. Verdicts rest on catalogue "
            strong { (pack.catalog_version) } " (" (pack.catalog_origin) ")."
        }
        @if let Some(t) = tallies {
            p { (t.all.unsupported) " unsupported and " (t.all.extended) " extended-support items: "
                (t.all.accepted) " with a risk accepted and in force, " (t.all.overdue) " whose review date has passed, "
                (t.all.none) " with no risk record." }
        }
    }
}

/// Which section answers which requirement, with each requirement's words where they were found
/// (and a plain statement where they were not). `link` is where a section's file is.
pub fn mapping(link: impl Fn(Section) -> String) -> Markup {
    html! {
        h2 { "What answers which requirement" }
        table {
            thead { tr { th { "Requirement" } th { "Its wording" } th { "Answered by" } th { "How" } } }
            tbody { @for r in REQUIREMENTS { tr {
                td.nowrap { (r.framework.name()) " " strong { (r.id) } br; span.muted { (r.topic) } }
                td {
                    @match r.wording {
                        Wording::Quoted { text, source, url, read_on } => {
                            q { (text) } br;
                            span.muted { (source) ", " a href=(url) { (url) } " (read " (read_on) ")" }
                        }
                        Wording::NotFound => { span.error { "Exact 2025-26 wording not found." } }
                    }
                    br; span.muted { (r.note) }
                }
                td { @for s in r.answered_by { a href=(link(*s)) { (s.file_name()) } br; } }
                td { (r.how) }
            } } }
        }
    }
}

/// The totals by site, under the summary's headline: the unsupported hosts split by the risk
/// register, summed over the sites (the same numbers the summary shows for the organisation).
pub fn sites_table(sites: &[SiteTotalRow]) -> Markup {
    let sum = |f: fn(&SiteTotalRow) -> i64| sites.iter().map(f).sum::<i64>();
    let (exposed, accepted, expired) = (
        sum(|s| s.hosts_no_accepted_risk),
        sum(|s| s.hosts_risk_accepted),
        sum(|s| s.hosts_acceptance_expired),
    );
    let until = sites
        .iter()
        .filter_map(|s| s.hosts_risk_accepted_until)
        .min();
    html! {
        h2 { "Totals by site" }
        p.headline {
            "Unsupported hosts: " strong { (exposed) } " with no accepted risk"
            @if expired > 0 { " (" (expired) " of them with an acceptance expired)" }
            "; " strong { (accepted) } " with a risk accepted"
            @if let Some(until) = until { " (until " (until) " at the earliest)" }
            "."
        }
        table {
            thead { tr {
                th { "Organisation" } th { "Site" } th.num { "Hosts" } th.num { "Unsupported hosts" }
                th.num { "— no accepted risk" } th.num { "— risk accepted" } th.num { "— acceptance expired" }
                th.num { "Extended" } th.num { "Stale" } th.num { "Unsupported items" } th.num { "Extended items" }
                th.num { "Risk accepted" } th.num { "Review overdue" } th.num { "No risk record" }
            } }
            tbody { @for s in sites { tr {
                td { (s.organisation) @if !s.organisation_ods_code.is_empty() { " [" (s.organisation_ods_code) "]" } }
                td { (s.site) } td.num { (s.hosts) } td.num { (s.hosts_unsupported) }
                td.num { (s.hosts_no_accepted_risk) } td.num { (s.hosts_risk_accepted) }
                td.num { (s.hosts_acceptance_expired) } td.num { (s.hosts_extended) }
                td.num { (s.hosts_stale) } td.num { (s.items_unsupported) } td.num { (s.items_extended) }
                td.num { (s.items_risk_accepted) } td.num { (s.items_risk_overdue) } td.num { (s.items_no_risk_record) }
            } } }
        }
    }
}

/// The totals by product and release.
pub fn products_table(products: &[ProductTotalRow]) -> Markup {
    let cell = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    html! {
        h2 { "Totals by product and release" }
        table {
            thead { tr {
                th { "Status" } th { "Product" } th { "Release" } th.num { "Installations" } th.num { "Hosts" }
                th.num { "Hosts — no accepted risk" } th.num { "Hosts — risk accepted" } th.num { "Hosts — acceptance expired" }
                th.num { "Items: risk accepted" } th.num { "Review overdue" } th.num { "No risk record" }
            } }
            tbody { @for p in products { tr {
                td { (status_badge(&p.status)) } td { (p.product) } td { (p.release) }
                td.num { (p.installations) } td.num { (p.hosts) } td.num { (cell(p.hosts_no_accepted_risk)) }
                td.num { (cell(p.hosts_risk_accepted)) } td.num { (cell(p.hosts_acceptance_expired)) }
                td.num { (cell(p.items_risk_accepted)) }
                td.num { (cell(p.items_risk_overdue)) } td.num { (cell(p.items_no_risk_record)) }
            } } }
        }
    }
}

/// Items with their risk records.
pub fn items_table(items: &[Item]) -> Markup {
    html! {
        table {
            thead { tr { th { "Status" } th { "Part" } th { "Product" } th { "Release" } th { "Host" } th { "Site" }
                         th { "Since" } th { "Security support ended" } th { "Risk record" } th { "Date source" } } }
            tbody { @for item in items {
                @let f = &item.row.finding;
                tr {
                    td { (status_badge(&f.status)) }
                    td { (f.target.as_str()) }
                    td { (f.product_name) " — " (f.subject) " " (f.installed_version.as_deref().unwrap_or("")) }
                    td { (f.cycle_label.as_deref().or(f.cycle.as_deref()).unwrap_or("")) }
                    td { (f.hostname) }
                    td { (f.site) }
                    td { (f.status_since) }
                    td { (f.security_support_end.as_deref().unwrap_or("")) }
                    td { @match (&item.risk, item.treatment) {
                        (Some(r), Treatment::Accepted) => { "Accepted until " (r.review_date) "; owner " (r.owner) "; " (r.mitigation) "; accepted by " (r.updated_by) " " (r.updated_at) }
                        (Some(r), _) => { span.error { "OVERDUE since " (r.review_date) } "; owner " (r.owner) "; " (r.mitigation) "; accepted by " (r.updated_by) }
                        (None, _) => { "none" }
                    } }
                    td { (item.source) }
                }
            } }
        }
    }
}

/// Hosts of the asset register.
pub fn assets_table(hosts: &[(AssetRow, AssetExtras)]) -> Markup {
    html! {
        table {
            thead { tr { th { "Host" } th { "Site" } th { "Organisation" } th { "Operating system" } th { "Release" }
                         th { "Patch level" } th { "Hardware" } th.num { "Software" } th.num { "Unsupported" } th { "Last seen" } } }
            tbody { @for (host, extras) in hosts {
                @let row = extras.csv_row(host);
                tr {
                    td { a href=(format!("/hosts/{}", host.host_id)) { (host.hostname) } }
                    td { (host.site) }
                    td { (host.organisation) }
                    td { (host.os_name) " " (host.os_version) br; @if let Some(s) = host.os_status { (status_badge(&s)) } }
                    td { (row.os_release) }
                    td { (row.os_patch_state.map(patch_name).unwrap_or_default()) " " (row.os_latest_update) }
                    td { (row.hardware_manufacturer) " " (row.hardware_model) }
                    td.num { (row.software_entries.map(|n| n.to_string()).unwrap_or_default()) }
                    td.num { (host.software_unsupported) }
                    td { (host.last_seen_at) @if row.stale { " " span.error { "stale" } } }
                }
            } }
        }
    }
}

/// The zip's `index.html`: a page that stands alone (stylesheet inline, links to the CSV files
/// beside it), with the mapping and the totals; every row is in the CSV files.
pub fn standalone(
    pack: &About,
    sites: &[SiteTotalRow],
    products: &[ProductTotalRow],
    tallies: &Tallies,
) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Assurance evidence pack — " (pack.organisation) " — " (pack.today) }
                style { (PreEscaped(STYLE)) }
            }
            body { main {
                (heading(pack, Some(tallies)))
                h2 { "Files" }
                ul { @for s in Section::ALL { li { a href=(s.file_name()) { (s.file_name()) } ": " (s.title()) } } }
                (mapping(|s| s.file_name().to_string()))
                (sites_table(sites))
                (products_table(products))
                p.muted { "Catalogue " (pack.catalog_version) " · generated " (pack.now.format("%Y-%m-%d %H:%M UTC")) }
            } }
        }
    }
    .into_string()
}
