//! The read side: hosts and findings as listed, products, one host in full.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sunset_catalog::catalog::{Layer, Target};
use sunset_catalog::evaluate::Status;

use super::Result;
use super::column::status_order;
use super::inventory::StoredInventory;
use super::selection::{Scope, Selection};
use super::sort::{FindingSort, HostSort, ProductSort, Sort};
use super::sql::{Builder, Statement};
use crate::db::Db;

/// Findings with their hosts and sites, for `SELECT … {FINDINGS_OF_HOSTS}`.
const FINDINGS_OF_HOSTS: &str =
    "FROM findings f JOIN hosts h ON h.host_id = f.host_id JOIN sites s ON s.id = h.site_id";

/// A host as listed (and as exported: the CSV columns are these fields).
#[derive(Clone, Debug, Serialize, Deserialize, FromRow)]
pub struct HostRow {
    /// Agent's host id.
    pub host_id: String,
    /// Host name.
    pub hostname: String,
    /// Enrolled site.
    pub site: String,
    /// Site tag the agent reported.
    pub site_tag: Option<String>,
    /// OS name.
    pub os_name: String,
    /// OS version.
    pub os_version: String,
    /// Worst status.
    #[sqlx(try_from = "super::ByName<Status>")]
    pub status: Status,
    /// Since when it has had that status.
    pub status_since: String,
    /// OS status.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub os_status: Option<Status>,
    /// Worst software status.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub software_status: Option<Status>,
    /// Hardware status.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub hardware_status: Option<Status>,
    /// Findings.
    pub finding_count: i64,
    /// Unsupported findings.
    pub unsupported_count: i64,
    /// Next day something becomes unsupported.
    pub next_unsupported_on: Option<String>,
    /// Last report received.
    pub last_seen_at: String,
    /// When the last inventory was taken.
    pub collected_at: String,
    /// Agent version.
    pub agent_version: String,
    /// Catalogue version of the verdicts.
    pub catalog_version: String,
}

const HOST_COLUMNS: &str = "h.host_id, h.hostname, s.name AS site, h.site_tag, h.os_name, h.os_version, h.status, \
    h.status_since, h.os_status, h.software_status, h.hardware_status, h.finding_count, h.unsupported_count, \
    h.next_unsupported_on, h.last_seen_at, h.collected_at, h.agent_version, h.catalog_version";

/// Hosts in a selection in `sort`'s order (by default worst first), a page of them, and how many
/// there are in all.
///
/// The page's host ids are chosen first, by a query that reads only columns of the
/// `hosts_listing` index (migration 12); the hosts are then read by id. Choosing them from host
/// rows, each with its stored inventory inline on SQLite, read every row to sort on most columns
/// (see the migration for the figures).
pub async fn hosts(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    sort: Sort<HostSort>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<HostRow>, i64)> {
    let order = sort.order_by();
    let filtered = |select: &str| {
        let mut sql = Builder::new(format!(
            "SELECT {select} FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1"
        ));
        selection.push_host_clauses(&mut sql, stale_cutoff);
        sql
    };
    let total = Statement::new(filtered("COUNT(*)"))
        .fetch_scalar(db.reader())
        .await?;
    let mut sql = Builder::new(format!(
        "SELECT {HOST_COLUMNS} FROM hosts h JOIN sites s ON s.id = h.site_id WHERE h.host_id IN ("
    ));
    // The same filters again, inside: the builder's text and bindings are appended in order.
    sql.push("SELECT h.host_id FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1");
    selection.push_host_clauses(&mut sql, stale_cutoff);
    sql.push(format!(" ORDER BY {order} LIMIT "))
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset)
        .push(format!(") ORDER BY {order}"));
    let rows = Statement::new(sql).fetch_all(db.reader()).await?;
    Ok((rows, total))
}

/// A page of the rows `build(columns)` selects, in `order`, and how many it selects in all
/// (`build("COUNT(*)")`).
pub(super) async fn page<T>(
    db: &Db,
    build: impl Fn(&str) -> Builder,
    columns: &str,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<T>, i64)>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let total = Statement::new(build("COUNT(*)"))
        .fetch_scalar(db.reader())
        .await?;
    let mut sql = build(columns);
    sql.push(format!(" ORDER BY {order} LIMIT "))
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows = Statement::new(sql).fetch_all(db.reader()).await?;
    Ok((rows, total))
}

/// A page of the grouped rows `sql` selects (its columns end with `COUNT(*) OVER () AS total`,
/// which `total` reads back), in `order`, and how many there are in all: one query, the count
/// asked alone (`count`) only for a page past the last row, where no row carries it. Counting
/// the groups apart read them all a second time.
pub(super) async fn page_with_total<T>(
    db: &Db,
    mut sql: Builder,
    count: Builder,
    order: &str,
    (limit, offset): (i64, i64),
    total: impl Fn(&T) -> i64,
) -> Result<(Vec<T>, i64)>
where
    T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sql.push(format!(" ORDER BY {order} LIMIT "))
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows: Vec<T> = Statement::new(sql).fetch_all(db.reader()).await?;
    let total = match rows.first() {
        Some(first) => total(first),
        None if offset > 0 => Statement::new(count).fetch_scalar(db.reader()).await?,
        None => 0,
    };
    Ok((rows, total))
}

/// A finding as listed, with its host (and as exported: the CSV columns are these fields).
#[derive(Clone, Debug, Serialize, Deserialize, FromRow)]
pub struct FindingListRow {
    /// Host id.
    pub host_id: String,
    /// Host name.
    pub hostname: String,
    /// Site.
    pub site: String,
    /// Finding key within the host.
    pub finding_key: String,
    /// Which part of the inventory it judges.
    #[sqlx(try_from = "super::ByName<Target>")]
    pub target: Target,
    /// Product kind.
    pub kind: String,
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// What is installed.
    pub subject: String,
    /// Installed version.
    pub installed_version: Option<String>,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    #[sqlx(try_from = "super::ByName<Status>")]
    pub status: Status,
    /// End of security support.
    pub security_support_end: Option<String>,
    /// End of extended support.
    pub extended_support_end: Option<String>,
    /// Which catalogue layer decided it: `built-in` or `overlay:<file name>`.
    #[sqlx(try_from = "super::ByName<Layer>")]
    pub layer: Layer,
    /// First reported.
    pub first_seen_at: String,
    /// Has had this status since.
    pub status_since: String,
}

pub(super) const FINDING_COLUMNS_SELECT: &str = "f.host_id, h.hostname, s.name AS site, f.finding_key, f.target, f.kind, \
    f.product_id, f.product_name, f.subject, f.installed_version, f.cycle, f.cycle_label, f.status, \
    f.security_support_end, f.extended_support_end, f.layer, f.first_seen_at, f.status_since";

/// Findings in a selection (status and product apply to the finding) in `sort`'s order (by
/// default worst first), a page of them, and how many there are in all.
pub async fn findings(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    sort: Sort<FindingSort>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<FindingListRow>, i64)> {
    let build = |select: &str| {
        let mut sql = Builder::new(format!("SELECT {select} {FINDINGS_OF_HOSTS} WHERE 1 = 1"));
        selection.push_finding_clauses(&mut sql, stale_cutoff, true);
        sql
    };
    page(
        db,
        build,
        FINDING_COLUMNS_SELECT,
        &sort.order_by(),
        limit,
        offset,
    )
    .await
}

/// Findings by product and release: how many hosts have each, by status.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow)]
pub struct ProductRow {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    #[sqlx(try_from = "super::ByName<Status>")]
    pub status: Status,
    /// Findings (installations).
    pub installations: i64,
    /// Distinct hosts.
    pub hosts: i64,
}

/// Installations by product and release, in a selection (its target aside), in `sort`'s order
/// (by default worst first), a page of them, and how many rows there are in all.
///
/// One grouped query, its row count taken with the page (`COUNT(*) OVER ()`): grouping reads
/// every finding of the selection, so it is not run twice. Without a filter that only a host has
/// (organisation, site, OS, name, staleness), findings are grouped without joining their hosts,
/// from the `findings_grouped` index alone (migration 12).
pub async fn products(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    sort: Sort<ProductSort>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ProductRow>, i64)> {
    #[derive(FromRow)]
    struct Counted {
        #[sqlx(flatten)]
        row: ProductRow,
        total: i64,
    }
    // The groups are a derived table, so the order is over its columns by name on both back ends
    // (PostgreSQL resolves a name inside an ORDER BY expression to the input column, not the
    // aggregate).
    let build = |select: &str| {
        let mut sql = Builder::new(format!(
            "SELECT {select} FROM (SELECT f.product_id, MAX(f.product_name) AS product_name, \
             f.cycle, MAX(f.cycle_label) AS cycle_label, f.status, COUNT(*) AS installations, \
             COUNT(DISTINCT f.host_id) AS hosts "
        ));
        if selection.narrows_by_host() {
            sql.push(format!("{FINDINGS_OF_HOSTS} WHERE 1 = 1"));
            selection.push_finding_clauses(&mut sql, stale_cutoff, false);
        } else {
            sql.push("FROM findings f WHERE 1 = 1");
            selection.push_finding_only_clauses(&mut sql, false);
        }
        sql.push(" GROUP BY f.product_id, f.cycle, f.status) p");
        sql
    };
    let (rows, total) = page_with_total(
        db,
        build(
            "p.product_id, p.product_name, p.cycle, p.cycle_label, p.status, p.installations, \
             p.hosts, COUNT(*) OVER () AS total",
        ),
        build("COUNT(*)"),
        &sort.order_by(),
        (limit, offset),
        |c: &Counted| c.total,
    )
    .await?;
    Ok((rows.into_iter().map(|c| c.row).collect(), total))
}

/// Hosts per status across the whole estate, for `/metrics` (the monitoring token's, not a
/// user's: counts only, nothing that names a host, site or organisation).
pub async fn host_status_counts(db: &Db) -> Result<Vec<(Status, i64)>> {
    #[derive(FromRow)]
    struct Count {
        #[sqlx(try_from = "super::ByName<Status>")]
        status: Status,
        n: i64,
    }
    let rows: Vec<Count> =
        sqlx::query_as("SELECT status, COUNT(*) AS n FROM hosts GROUP BY status")
            .fetch_all(db.reader())
            .await?;
    Ok(rows.into_iter().map(|c| (c.status, c.n)).collect())
}

/// One host in full.
#[derive(Clone, Debug, Serialize)]
pub struct HostDetail {
    /// The listing row.
    pub host: HostRow,
    /// First report received.
    pub first_seen_at: String,
    /// Latest inventory as stored.
    #[serde(skip)]
    pub inventory: StoredInventory,
    /// Findings with their full detail (JSON text).
    pub findings: Vec<(FindingListRow, String)>,
    /// Status history, newest first.
    pub history: Vec<StatusChange>,
}

/// A change of a host's status.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct StatusChange {
    /// When.
    pub changed_at: String,
    /// From.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub old_status: Option<Status>,
    /// To.
    #[sqlx(try_from = "super::ByName<Status>")]
    pub new_status: Status,
    /// Catalogue version of the new verdict.
    pub catalog_version: String,
}

/// A host by id, if it is in `scope` (one outside reads as one that does not exist).
pub async fn host(db: &Db, scope: &Scope, host_id: &str) -> Result<Option<HostDetail>> {
    #[derive(FromRow)]
    struct Host {
        #[sqlx(flatten)]
        host: HostRow,
        first_seen_at: String,
        #[sqlx(flatten)]
        inventory: StoredInventory,
    }
    let mut sql = Builder::new(format!(
        "SELECT {HOST_COLUMNS}, h.first_seen_at, h.inventory, h.inventory_gz FROM hosts h \
         JOIN sites s ON s.id = h.site_id WHERE h.host_id = "
    ));
    sql.push_bind(host_id.to_string());
    scope.push_host_clause(&mut sql, "h.site_id");
    let row: Option<Host> = Statement::new(sql).fetch_all(db.reader()).await?.pop();
    let Some(row) = row else { return Ok(None) };
    let findings: Vec<WithDetail> = sqlx::query_as(&format!(
        "SELECT {FINDING_COLUMNS_SELECT}, f.detail {FINDINGS_OF_HOSTS} WHERE f.host_id = $1 \
         ORDER BY {}, f.target, f.product_id, f.finding_key",
        status_order("f.status")
    ))
    .bind(host_id.to_string())
    .fetch_all(db.reader())
    .await?;
    let history = sqlx::query_as(
        "SELECT changed_at, old_status, new_status, catalog_version FROM host_status_changes \
         WHERE host_id = $1 ORDER BY changed_at DESC, id LIMIT 200",
    )
    .bind(host_id.to_string())
    .fetch_all(db.reader())
    .await?;
    Ok(Some(HostDetail {
        host: row.host,
        first_seen_at: row.first_seen_at,
        inventory: row.inventory,
        findings: findings.into_iter().map(WithDetail::pair).collect(),
        history,
    }))
}

/// Whether a report id has been stored.
pub async fn report_exists(db: &Db, report_id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) AS n FROM reports WHERE report_id = $1")
        .bind(report_id.to_string())
        .fetch_one(db.reader())
        .await?;
    Ok(n > 0)
}

/// A listed finding with its full detail (JSON text).
#[derive(FromRow)]
struct WithDetail {
    #[sqlx(flatten)]
    finding: FindingListRow,
    detail: String,
}

impl WithDetail {
    fn pair(self) -> (FindingListRow, String) {
        (self.finding, self.detail)
    }
}
