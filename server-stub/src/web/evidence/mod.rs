//! The assurance evidence pack for the annual data-security return (issue 16 part 6), for the
//! caller's organisations or `?org=`'s: the asset register, every unsupported and extended item
//! with its risk record, totals by site and by product and release, and which of these answers
//! which DSPT 2025-26 evidence item and CAF outcome.
//!
//! - `GET /evidence`: the printable page — heading, requirement mapping, totals, and the items a
//!   page at a time (`?page=`); `GET /evidence/assets`: the asset register a page at a time. The
//!   full register and every item are only in the downloads.
//! - `GET /evidence.csv` (items), `/evidence/assets.csv`, `/evidence/sites.csv`,
//!   `/evidence/products.csv`, `/evidence/requirements.csv`: one section each.
//! - `GET /evidence.zip`: `README.txt` (organisation, date, catalogue version, requirement
//!   mapping), `index.html`, and one CSV per section.
//!
//! Every download is written while it is read from one database snapshot (`pack`, `stream`), so
//! 100,000 hosts fit in bounded memory. Modules: `requirements` (the mapping and its citations),
//! `section` (the sections and their files), `rows` (CSV rows, the risk rule's one call, totals), `host_split` (a release's hosts split
//! as the summary's headline splits them), `pack` (sections written as
//! read), `stream` (the HTTP bodies, the zip), `html` (what the pages and `index.html` share).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::page::{layout, page_error, with_query};
use crate::admission::BUSY_RETRY_AFTER_SECONDS;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{self, OrgError, PackReader};

mod host_split;
mod html;
mod pack;
mod requirements;
mod rows;
mod section;
mod stream;

use pack::Pack;
use rows::{AssetExtras, Item};
use section::Section;

/// Rows per page on screen.
const PAGE_ROWS: i64 = 50;
/// The last page a listing may ask for (so the offset stays far from overflowing).
const MAX_PAGE: i64 = 10_000_000;

/// `?page=` (1 is the first).
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

impl PageQuery {
    /// The page asked for as (number, offset); anything but 1 to [`MAX_PAGE`] is a 400.
    fn offset(&self) -> Result<(i64, i64), ApiError> {
        let page = self.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                format!("page must be 1 to {MAX_PAGE} (got {page})"),
                "page",
            ));
        }
        Ok((page, (page - 1) * PAGE_ROWS))
    }
}

/// The pack for a caller: their selection (a `?org=` outside their scope is a 404), the
/// organisation it is about, and its turn (503 when others are being made).
async fn pack(state: &Shared, caller: &Caller, filter: &Filter) -> Result<Pack, ApiError> {
    let selection = filter.selection(&state.db, caller).await?;
    let turn = state.admission.pack().await.map_err(|_| {
        ApiError::retry(
            StatusCode::SERVICE_UNAVAILABLE,
            "other evidence packs are being made; try again shortly",
            BUSY_RETRY_AFTER_SECONDS,
        )
    })?;
    let scope = selection.scope().clone();
    let organisation = match store::find_org(&state.db, &scope, scope.org_id()).await {
        Ok(org) => org.label(),
        Err(OrgError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let catalog = state.catalog();
    Ok(Pack {
        state: state.clone(),
        selection,
        organisation,
        today: state.today(),
        now: state.now(),
        stale_cutoff: state.stale_cutoff(),
        catalog_version: catalog.version().to_string(),
        catalog_origin: catalog.origin.clone(),
        _turn: turn,
    })
}

/// `path?<filter>&page=<page>`.
fn page_link(path: &str, filter: &Filter, page: i64) -> String {
    let query = serde_urlencoded::to_string(filter).unwrap_or_default();
    if query.is_empty() {
        format!("{path}?page={page}")
    } else {
        format!("{path}?{query}&page={page}")
    }
}

/// The pager of a page of the pack: previous and next, keeping the filter.
fn pager(path: &str, filter: &Filter, page: i64, total: i64) -> maud::Markup {
    let last = ((total + PAGE_ROWS - 1) / PAGE_ROWS).max(1);
    html! {
        div.pager {
            span { "page " (page) " of " (last) " (" (total) " rows)" }
            @if page > 1 { a href=(page_link(path, filter, page - 1)) { "← previous" } }
            @if page < last { a href=(page_link(path, filter, page + 1)) { "next →" } }
        }
    }
}

/// The download links, keeping the filter.
fn downloads(filter: &Filter) -> maud::Markup {
    html! {
        p.noprint {
            "Download: " a href=(with_query("/evidence.zip", filter)) { strong { "the whole pack (zip)" } }
            @for s in Section::ALL { " · " a href=(with_query(s.path(), filter)) { (s.file_name()) } }
        }
    }
}

/// `GET /evidence`: the printable page — mapping, totals, and a page of the items.
pub(super) async fn evidence_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
    Query(page): Query<PageQuery>,
) -> Response {
    match evidence_body(&state, &caller, &filter, &page).await {
        Ok(body) => layout("Evidence pack", &caller, &state, body).into_response(),
        Err(e) => page_error(e),
    }
}

async fn evidence_body(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
    page: &PageQuery,
) -> Result<maud::Markup, ApiError> {
    let (number, offset) = page.offset()?;
    let pack = pack(state, caller, filter).await?;
    let mut reader = PackReader::open(&state.db).await?;
    let tallies = pack
        .count_items(&mut reader)
        .await
        .map_err(ApiError::internal)?;
    let (sites, products) = pack
        .totals(&mut reader, &tallies)
        .await
        .map_err(ApiError::internal)?;
    let rows = reader
        .items_page(&pack.selection, &pack.stale_cutoff, PAGE_ROWS, offset)
        .await?;
    reader.close().await?;
    let today = pack.today;
    let items: Vec<Item> = tokio::task::spawn_blocking(move || {
        rows.into_iter().map(|row| Item::of(row, today)).collect()
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(html! {
        (html::heading(&pack.about(), Some(&tallies)))
        (downloads(filter))
        p.noprint { a href=(with_query("/evidence/assets", filter)) { "The asset register, page by page" } }
        (html::mapping(|s| with_query(s.path(), filter)))
        (html::sites_table(&sites))
        (html::products_table(&products))
        h2 { "Unsupported and extended items (" (tallies.all.items()) ")" }
        (pager("/evidence", filter, number, tallies.all.items()))
        (html::items_table(&items))
    })
}

/// `GET /evidence/assets`: the asset register, a page at a time.
pub(super) async fn assets_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
    Query(page): Query<PageQuery>,
) -> Response {
    match assets_body(&state, &caller, &filter, &page).await {
        Ok(body) => layout("Asset register", &caller, &state, body).into_response(),
        Err(e) => page_error(e),
    }
}

async fn assets_body(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
    page: &PageQuery,
) -> Result<maud::Markup, ApiError> {
    let (number, offset) = page.offset()?;
    let pack = pack(state, caller, filter).await?;
    let mut reader = PackReader::open(&state.db).await?;
    let (rows, total) = reader
        .assets_page(&pack.selection, &pack.stale_cutoff, PAGE_ROWS, offset)
        .await?;
    reader.close().await?;
    let cutoff = pack.stale_cutoff.clone();
    let hosts: Vec<_> = tokio::task::spawn_blocking(move || {
        rows.into_iter()
            .map(|row| {
                let extras = AssetExtras::of(&row, &cutoff);
                (row, extras)
            })
            .collect()
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(html! {
        h1 { "Asset register — " (pack.organisation) }
        p { "Every computer that reports to Sunset, with its operating system, hardware and software counts. "
            "Answers DSPT 2025-26 evidence item 7.1.1 and CAF A3.a (see " a href=(with_query("/evidence", filter)) { "the evidence pack" } ")." }
        (downloads(filter))
        (pager("/evidence/assets", filter, number, total))
        (html::assets_table(&hosts))
    })
}

/// A download of one section.
async fn section_csv(state: Shared, caller: Caller, filter: Filter, section: Section) -> Response {
    match pack(&state, &caller, &filter).await {
        Ok(pack) => {
            let name = format!("sunset-evidence-{}-{}", pack.today, section.file_name());
            stream::csv_body(pack, section, name)
        }
        Err(e) => page_error(e),
    }
}

/// `GET /evidence.csv`: every unsupported and extended item with its risk record.
pub(super) async fn items_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    section_csv(state, caller, filter, Section::Items).await
}

/// `GET /evidence/assets.csv`: the asset register.
pub(super) async fn assets_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    section_csv(state, caller, filter, Section::Assets).await
}

/// `GET /evidence/sites.csv`: totals by site.
pub(super) async fn sites_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    section_csv(state, caller, filter, Section::Sites).await
}

/// `GET /evidence/products.csv`: totals by product and release.
pub(super) async fn products_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    section_csv(state, caller, filter, Section::Products).await
}

/// `GET /evidence/requirements.csv`: the requirement mapping.
pub(super) async fn requirements_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    section_csv(state, caller, filter, Section::Requirements).await
}

/// `GET /evidence.zip`: the whole pack.
pub(super) async fn evidence_zip(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match pack(&state, &caller, &filter).await {
        Ok(pack) => {
            let name = format!("sunset-evidence-{}.zip", pack.today);
            stream::zip_body(pack, name)
        }
        Err(e) => page_error(e),
    }
}
