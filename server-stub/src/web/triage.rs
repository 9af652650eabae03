//! The triage of unmatched software (issue 17 part 2): software names no catalogue rule
//! matches, by hosts and organisations, inside the caller's scope, with what the catalogue marks
//! reviewed left out and counted; each row links to its overlay snippet
//! (`/triage/snippet.toml`, a download) — how an estate's coverage grows. Its CSV export is
//! `/exports/triage.csv`.
//!
//! The name filter is `product` (part of the software's name), so the shared pager, headers and
//! links keep it as they keep every listing's filters.

use crate::triage::name_key;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::lists::{names, sort_th};
use super::page::{PAGE, layout, page_error, pager, with_query};
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{self, TriageRow, TriageSort};
use crate::triage::snippet::{SnippetInput, slug, snippet};

/// A snippet's query string: the row's name and publisher as listed, and the page's `org`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(super) struct SnippetQuery {
    /// The software name.
    #[serde(default)]
    name: String,
    /// Its publisher (`""` or absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    /// The organisation the page was narrowed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org: Option<String>,
}

/// The link to a row's snippet, inside the page's organisation.
fn snippet_link(row: &TriageRow, filter: &Filter) -> String {
    let query = SnippetQuery {
        name: row.name.clone(),
        publisher: (!row.publisher.is_empty()).then(|| row.publisher.clone()),
        org: filter.org.clone().filter(|o| !o.trim().is_empty()),
    };
    format!(
        "/triage/snippet.toml?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

/// The filter form: part of the name, and the caller's organisations.
async fn form(state: &Shared, caller: &Caller, filter: &Filter) -> Result<Markup, ApiError> {
    let orgs = store::org_outline(&state.db, &caller.user.scope).await?;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    Ok(html! {
        form.filters method="get" action="/triage" {
            label { "Name" input type="search" name="product" value=(v(&filter.product)) placeholder="part of the name"; }
            @if orgs.len() > 1 {
                label { "Organisation" select name="org" {
                    @for (depth, org) in &orgs {
                        option value=(if *depth == 0 { "" } else { org.id.as_str() })
                            selected[*depth > 0 && names(filter.org.as_deref(), org)] {
                            (" ".repeat(depth * 2)) (org.label())
                        }
                    }
                } }
            }
            @if let Some(sort) = &filter.sort { input type="hidden" name="sort" value=(sort); }
            @if let Some(dir) = &filter.dir { input type="hidden" name="dir" value=(dir); }
            button.primary type="submit" { "Filter" }
        }
    })
}

/// `GET /triage`: a page of unmatched software, most hosts first.
pub(super) async fn triage_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let found = async {
        let (limit, offset) = filter.page(PAGE, PAGE)?;
        let (sort, page) = api::triage_rows(&state, &caller, &filter, limit, offset).await?;
        let form = form(&state, &caller, &filter).await?;
        Ok::<_, ApiError>((limit, offset, sort, page, form))
    };
    let (limit, offset, sort, page, form) = match found.await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let th = |key, label, numeric| sort_th("/triage", &filter, sort, key, label, numeric);
    let export = Filter {
        limit: None,
        offset: None,
        ..filter.clone()
    };
    let body = html! {
        h1 { "Unmatched software" }
        p { "Software on your hosts that no catalogue rule recognises, so nothing about its support is judged. "
            "For each, download an overlay snippet: a product with a rule for this name and a release per major "
            "version seen, whose end-of-support dates you fill in from the vendor's lifecycle; or, when it needs "
            "no lifecycle, the " code { "[[reviewed]]" } " decision it also contains, which hides it here. "
            "Distribution packages are not listed: the operating system's verdict covers them." }
        (form)
        @if page.reviewed_hidden > 0 {
            p.reviewed-hidden { (page.reviewed_hidden) " reviewed names hidden (marked \"reviewed: no lifecycle needed\" in the catalogue)." }
        }
        p.noprint { a href=(with_query("/exports/triage.csv", &export)) { "Download CSV" } }
        (pager("/triage", &filter, page.total, limit, offset))
        div.table-wrap { table.triage {
            thead { tr {
                (th(TriageSort::Name, "Name", false)) (th(TriageSort::Publisher, "Publisher", false))
                (th(TriageSort::Hosts, "Hosts", true)) (th(TriageSort::Organisations, "Organisations", true))
                (th(TriageSort::Versions, "Versions", true))
                th { "Most common versions (hosts)" }
                th.noprint { "Overlay" }
            } }
            tbody { @for row in &page.rows { tr {
                td.name { (row.name) }
                td.publisher { @if row.publisher.is_empty() { "(none)" } @else { (row.publisher) } }
                td.num.hosts { (row.hosts) } td.num.orgs { (row.organisations) } td.num { (row.versions) }
                td { @for (i, v) in row.top_versions.iter().enumerate() {
                    @if i > 0 { ", " }
                    @if v.version.is_empty() { "(none)" } @else { (v.version) } " (" (v.hosts) ")"
                } }
                td.noprint { a.snippet href=(snippet_link(row, &filter)) download { "snippet.toml" } }
            } } }
        } }
        @if page.rows.is_empty() { p { "Nothing unmatched: every program on these hosts is in the catalogue or reviewed." } }
        (pager("/triage", &filter, page.total, limit, offset))
    };
    layout("Unmatched software", &caller, &state, body).into_response()
}

/// `GET /triage/snippet.toml?name=&publisher=`: the overlay snippet of one row, as a download. A
/// name no host in the caller's scope has is a 404, as it would be for one that does not exist.
pub(super) async fn snippet_download(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(query): Query<SnippetQuery>,
) -> Response {
    match snippet_text(&state, &caller, &query).await {
        Ok((file, text)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/toml; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => page_error(e),
    }
}

async fn snippet_text(
    state: &Shared,
    caller: &Caller,
    query: &SnippetQuery,
) -> Result<(String, String), ApiError> {
    let name = query.name.trim();
    if name.is_empty() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "name is required",
            "name",
        ));
    }
    let publisher = query.publisher.as_deref().unwrap_or("");
    let scope = Filter {
        org: query.org.clone(),
        ..Filter::default()
    }
    .scope(&state.db, caller)
    .await?;
    let Some((row, versions)) =
        store::triage_entry(&state.db, &scope, &name_key(name), &name_key(publisher)).await?
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no unmatched software {name:?} on the hosts you can see"),
        ));
    };
    let versions: Vec<(String, i64)> = versions.into_iter().map(|v| (v.version, v.hosts)).collect();
    let text = snippet(&SnippetInput {
        name: &row.name,
        publisher: (!row.publisher.is_empty()).then_some(row.publisher.as_str()),
        versions: &versions,
        hosts: row.hosts,
        organisations: row.organisations,
        today: state.today(),
    })
    .map_err(ApiError::internal)?;
    Ok((format!("{}.toml", slug(&row.name)), text))
}

/// `GET /exports/triage.csv`: the filtered triage (all pages).
pub(super) async fn export_triage(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::triage_csv_text(&state, &caller, &filter).await {
        Ok(text) => api::csv_response("sunset-triage.csv", text),
        Err(e) => page_error(e),
    }
}
