//! One host's page: what is known of it (and whether it may be a clone), its findings with the
//! risk register applied and the source of their dates, its risk records (and, for an
//! administrator, the form to add one), its status history and the stored inventory. Times read as
//! "2026-12-03 14:05 UTC (2 days ago)" and release labels in words (`web::format`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use sunset_catalog::evaluate::Status;

use super::format::{day, release, when};
use super::inventory::inventory_view;
use super::page::{cite, layout, page_error, status_badge};
use super::risk::finding_status;
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store;

/// `GET /hosts/{host_id}`: a host outside the caller's scope (or `?org=`'s) is "No such host.",
/// exactly as one that does not exist, so its id is not confirmed.
pub(super) async fn host_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Path(host_id): Path<String>,
    Query(filter): Query<Filter>,
) -> Response {
    let scope = match filter.scope(&state.db, &caller).await {
        Ok(scope) => scope,
        Err(e) => return page_error(e),
    };
    let detail = match store::host(&state.db, &scope, &host_id).await {
        Ok(Some(d)) => d,
        Ok(None) => return page_error(ApiError::new(StatusCode::NOT_FOUND, "No such host.")),
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let risks = match store::risks_for_host(&state.db, &scope, &host_id).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let clone_admin = caller
        .csrf_token
        .as_deref()
        .filter(|_| caller.user.role.is_admin());
    let clones = match super::clones::host_notice(&state, &scope, &host_id, clone_admin).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let today = state.today();
    let inventory = match api::decode_inventory(&state, detail.inventory).await {
        Ok(inventory) => inventory,
        Err(e) => return page_error(e),
    };
    let findings = match detail
        .findings
        .iter()
        .map(|(row, detail)| Ok((row, api::finding_detail(detail)?)))
        .collect::<Result<Vec<_>, ApiError>>()
    {
        Ok(findings) => findings,
        Err(e) => return page_error(e),
    };
    let h = &detail.host;
    let csrf = caller.csrf_token.clone().unwrap_or_default();
    let admin = caller.user.role.may_change_risks() && caller.csrf_token.is_some();
    let host_risk = risks.iter().find(|r| r.finding_key.is_empty());
    let now = state.now();
    let next_unsupported = match &h.next_unsupported_on {
        Some(date) => match date.parse() {
            Ok(date) => day(date, today),
            Err(_) => date.clone(),
        },
        None => "—".to_string(),
    };
    let body = html! {
        h1 { (h.hostname) " " (status_badge(&h.status)) }
        (clones)
        dl.facts {
            dt { "Host id" } dd { (h.host_id) }
            dt { "Site" } dd { (h.site) @if let Some(tag) = &h.site_tag { " " span.muted { "(agent tag: " (tag) ")" } } }
            dt { "Operating system" } dd { (h.os_name) " " (h.os_version) }
            dt { "Status since" } dd { (when(&h.status_since, now)) }
            @if h.status == Status::Unsupported {
                dt { "Support" } dd { span.error { "Already unsupported" } " (" (h.unsupported_count) " unsupported " (if h.unsupported_count == 1 { "item" } else { "items" }) ")" }
            }
            dt { "Next item becomes unsupported" } dd { (next_unsupported) }
            dt { "Inventory taken" } dd { (when(&h.collected_at, now)) }
            dt { "Last report" } dd { (when(&h.last_seen_at, now)) }
            dt { "First seen" } dd { (when(&detail.first_seen_at, now)) }
            dt { "Agent" } dd { (h.agent_version) }
            dt { "Judged with catalogue" } dd { (h.catalog_version) }
            @if let Some(r) = host_risk {
                dt { "Host risk record" } dd { "Owner " (r.owner) "; mitigation: " (r.mitigation) "; review by " (r.review_date) }
            }
        }
        h2 { "Findings (" (detail.findings.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "Status" } th { "Part" } th { "Product" } th { "Installed" } th { "Version" } th { "Release" }
                         th { "Security support ends" } th { "Extended support ends" } th { "Since" } th { "Advice" } th { "Date source" } th { "Decided by" } } }
            tbody {
                @for (f, d) in &findings {
                    tr {
                        td { (finding_status(&risks, f, today)) }
                        td { (f.target.as_str()) }
                        td { (f.product_name) }
                        td { (f.subject) }
                        td { (f.installed_version.clone().unwrap_or_default()) }
                        td { (release(f.cycle_label.as_deref().or(f.cycle.as_deref()).unwrap_or_default())) }
                        td.nowrap { (f.security_support_end.clone().unwrap_or_default()) }
                        td.nowrap { (f.extended_support_end.clone().unwrap_or_default()) }
                        td.nowrap { (f.status_since.get(..10).unwrap_or(&f.status_since)) }
                        td { (d.replacement.as_deref().unwrap_or("")) }
                        td { (cite(d.date_source.as_ref())) }
                        td.nowrap { (f.layer) }
                    }
                }
            }
        } }
        h2 { "Risk register" }
        @if risks.is_empty() { p.muted { "No risk recorded for this host." } }
        @else {
            div.table-wrap { table {
                thead { tr { th { "Applies to" } th { "Owner" } th { "Mitigation" } th { "Review date" } th { "Recorded" } @if admin { th {} } } }
                tbody {
                    @for r in &risks {
                        tr {
                            td { @if r.finding_key.is_empty() { "whole host" } @else { (r.finding_key) } }
                            td { (r.owner) } td { (r.mitigation) }
                            td { (r.review_date) @if !r.in_force(today) { " " span.error { "acceptance expired" } } }
                            td { (r.updated_by) ", " (when(&r.updated_at, now)) }
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
            } }
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
        div.table-wrap { table {
            thead { tr { th { "When" } th { "From" } th { "To" } th { "Catalogue" } } }
            tbody { @for c in &detail.history { tr {
                td { (when(&c.changed_at, now)) } td { @if let Some(s) = &c.old_status { (status_badge(s)) } @else { "—" } }
                td { (status_badge(&c.new_status)) } td { (c.catalog_version) } } } }
        } }
        h2 { "Inventory" }
        @if let Some(inventory) = &inventory { (inventory_view(inventory)) }
        @else { p.muted { "The stored inventory could not be read." } }
    };
    layout(&h.hostname, &caller, &state, body).into_response()
}
