//! Clone flags on the dashboard: the summary's count (linking to the hosts list filtered to
//! clones) and the host page's notice naming the other host(s) or machines. Its own module so the
//! summary and the host page each call it in one line.

use maud::{Markup, html};

use super::page::with_query;
use crate::filter::Filter;
use crate::http::ApiError;
use crate::state::Shared;
use crate::store::{self, Scope, Selection};

/// The summary's card: how many hosts of the selection are flagged as clones.
pub(super) async fn summary_card(
    state: &Shared,
    selection: &Selection,
    filter: &Filter,
) -> Result<Markup, ApiError> {
    let count = store::clone_count(&state.db, selection, &state.stale_cutoff()).await?;
    let link = with_query(
        "/hosts",
        &Filter {
            clone: Some("true".into()),
            ..filter.clone()
        },
    );
    Ok(html! {
        div.card { a href=(link) title="One hardware identity reported by two host ids, or one host id from two machines" {
            span.n { (count) } "possible clones" } }
    })
}

/// The host page's notice, empty when the host is not flagged (or, once an admin dismissed its
/// flags, a line saying who, when and why). Other hosts outside the caller's scope are counted, not
/// named. `admin_csrf`: the caller may dismiss the flags (an admin), with their form token.
pub(super) async fn host_notice(
    state: &Shared,
    scope: &Scope,
    host_id: &str,
    admin_csrf: Option<&str>,
) -> Result<Markup, ApiError> {
    let clones = store::clones_of(&state.db, scope, host_id, &state.stale_cutoff()).await?;
    if !clones.any() {
        let dismissal = store::clone_dismissal(&state.db, host_id).await?;
        return Ok(html! {
            @if let Some(d) = dismissal {
                p.muted { "A clone flag on this host was dismissed by " (d.dismissed_by) " on "
                    (d.dismissed_at) ": " (d.dismissed_reason) }
            }
        });
    }
    Ok(html! {
        div.warning role="note" {
            p { strong { "Possible clone. " }
                "Kept apart from the host(s) below: the collector does not merge hosts that keep reporting. "
                "A PC copied from another (a golden image with the agent's state, or a virtual machine "
                "cloned with its firmware id) should be given its own identity." }
            @if !clones.others.is_empty() || clones.others_hidden > 0 {
                p { "The same hardware (" (clones.others.first().map_or("system UUID", |o| o.basis.as_str()))
                    ") is reported by:" }
                ul {
                    @for other in &clones.others {
                        li { a href=(format!("/hosts/{}", other.host_id)) { (other.hostname) }
                             " (site " (other.site) ", last report " (other.last_seen_at) ", matched on " (other.basis) ")" }
                    }
                    @if clones.others_hidden > 0 {
                        li { (clones.others_hidden) " host(s) outside your organisations" }
                    }
                }
            }
            @if !clones.machines.is_empty() {
                p { "This host id reports from more than one machine at the same time:" }
                ul {
                    @for m in &clones.machines {
                        li { (m.hostname) ": system UUID " (m.system_uuid)
                             @if let Some(serial) = &m.serial { ", serial " (serial) }
                             @if let Some(id) = &m.machine_id { ", machine id " (id) }
                             ", reports from " (m.first_collected_at) " to " (m.last_collected_at) }
                    }
                }
            }
            @if let Some(csrf) = admin_csrf {
                form.inline method="post" action=(format!("/hosts/{host_id}/clones/dismiss")) {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Reviewed, not a problem because: "
                        input type="text" name="reason" required maxlength="2000"
                            placeholder="e.g. non-persistent VDI pool, one image by design"; }
                    " " button type="submit" { "Dismiss the flag" }
                }
            }
        }
    })
}
