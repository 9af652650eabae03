//! One host's page: what is known of it (and whether it may be a clone), its findings with the risk register applied and the
//! source of their dates, its risk records (and, for an administrator, the form to add one), its status history and the stored
//! inventory.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use sunset_catalog::evaluate::Status;

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
    let clones = match super::clones::host_notice(&state, &scope, &host_id).await {
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
    let body = html! {
        h1 { (h.hostname) " " (status_badge(&h.status)) }
        (clones)
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
                         th { "Security support ends" } th { "Extended support ends" } th { "Since" } th { "Advice" } th { "Date source" } } }
            tbody {
                @for (f, d) in &findings {
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
                        td { (d.replacement.as_deref().unwrap_or("")) }
                        td { (cite(d.date_source.as_ref())) }
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
        @if let Some(inventory) = &inventory { (inventory_view(inventory)) }
        @else { p.muted { "The stored inventory could not be read." } }
    };
    layout(&h.hostname, &caller, &state, body).into_response()
}
