//! The evidence pack's reads (issue 16 part 6): the asset register, the unsupported and extended
//! items with the risk records that may apply to them, hosts by site and installations by product
//! and release.
//!
//! A pack is read through one [`PackReader`]: one read transaction (PostgreSQL `REPEATABLE READ`;
//! SQLite's WAL snapshot), so its sections agree with each other however long the download takes.
//! The two long sections (and the items' keys, for the totals) are sent on in batches as the
//! database produces them (`Statement::send_batches`), never collected: a pack of 100,000 hosts
//! is written in bounded memory, and a slow download slows the read.
//! Every read takes the caller's [`Selection`].
//!
//! Which risk record applies to an item and whether it is still in force is not decided here: an
//! item carries both records that may apply (its own, and its host's whole-host record), and the
//! web layer applies the one rule (`web::risk_state`) to them.

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use sqlx::{Any, Executor, FromRow, Transaction};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;
use sunset_catalog::inventory::Fact;
use tokio::sync::mpsc;

use super::acceptance::{UnsupportedHosts, acceptance_by_site};
use super::column::status_order;
use super::inventory::StoredInventory;
use super::queries::{FINDING_COLUMNS_SELECT, FindingListRow};
use super::risks::Risk;
use super::selection::Selection;
use super::sql::{Builder, Statement};
use super::{ByName, NullableByName, Result};
use crate::db::Db;

/// The statuses an item of the pack has: unsupported, and extended (paid support with cover).
pub const ITEM_STATUSES: [Status; 2] = [Status::Unsupported, Status::Extended];

/// One pack's reads, from one snapshot of the database.
pub struct PackReader {
    tx: Transaction<'static, Any>,
}

/// A host of the asset register as stored; what only the inventory knows is read from it with
/// [`AssetRow::facts`].
#[derive(Debug, FromRow)]
pub struct AssetRow {
    /// Agent's host id.
    pub host_id: String,
    /// Host name.
    pub hostname: String,
    /// Site.
    pub site: String,
    /// The site's organisation.
    pub organisation: String,
    /// Its ODS code, when it has one.
    pub organisation_ods_code: Option<String>,
    /// OS name as reported.
    pub os_name: String,
    /// OS version as reported.
    pub os_version: String,
    /// The OS finding's release (label, else cycle id), when the catalogue placed it.
    pub os_release: Option<String>,
    /// The OS's verdict.
    #[sqlx(try_from = "NullableByName<Status>")]
    pub os_status: Option<Status>,
    /// End of the OS release's security support.
    pub os_security_support_end: Option<String>,
    /// The OS finding's stored detail (its patch level).
    pub os_detail: Option<String>,
    /// The hardware's verdict.
    #[sqlx(try_from = "NullableByName<Status>")]
    pub hardware_status: Option<Status>,
    /// The host's worst status.
    #[sqlx(try_from = "ByName<Status>")]
    pub status: Status,
    /// Software findings (installations the catalogue judged).
    pub software_judged: i64,
    /// Of them, unsupported.
    pub software_unsupported: i64,
    /// Of them, extended.
    pub software_extended: i64,
    /// Last report received.
    pub last_seen_at: String,
    /// When its inventory was taken.
    pub collected_at: String,
    /// Agent version.
    pub agent_version: String,
    /// Catalogue version of its verdicts.
    pub catalog_version: String,
    /// The manufacturer's `Fact` as JSON, kept at ingest (migration 11); NULL before.
    pub hardware_manufacturer: Option<String>,
    /// The model's `Fact` as JSON.
    pub hardware_model: Option<String>,
    /// Software entries in the inventory.
    pub software_entries: Option<i64>,
    /// The stored inventory, read only for a host whose facts were not kept (stored before
    /// migration 11); empty text otherwise.
    #[sqlx(flatten)]
    pub inventory: StoredInventory,
}

/// What the asset register takes from a host's stored inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssetFacts {
    /// System manufacturer.
    pub manufacturer: Fact<String>,
    /// System model.
    pub model: Fact<String>,
    /// Software entries in the inventory (whether or not the catalogue knows them).
    pub software_entries: u64,
}

impl AssetRow {
    /// The hardware and software count: as kept at ingest, else from the stored inventory, of
    /// which only those fields are decoded (the software list is counted, not built).
    pub fn facts(&self) -> std::result::Result<AssetFacts, String> {
        if let (Some(manufacturer), Some(model), Some(entries)) = (
            &self.hardware_manufacturer,
            &self.hardware_model,
            self.software_entries,
        ) {
            let fact = |json: &str| {
                serde_json::from_str::<Fact<String>>(json)
                    .map_err(|e| format!("stored hardware fact unreadable: {e}"))
            };
            return Ok(AssetFacts {
                manufacturer: fact(manufacturer)?,
                model: fact(model)?,
                software_entries: u64::try_from(entries).unwrap_or(0),
            });
        }
        #[derive(Deserialize)]
        struct Hardware {
            #[serde(default)]
            manufacturer: Fact<String>,
            #[serde(default)]
            model: Fact<String>,
        }
        #[derive(Deserialize)]
        struct Partial {
            #[serde(default)]
            hardware: Option<Hardware>,
            #[serde(default, deserialize_with = "count")]
            software: u64,
        }
        let json = self.inventory.json()?;
        let partial: Partial = serde_json::from_slice(&json)
            .map_err(|e| format!("stored inventory unreadable: {e}"))?;
        let (manufacturer, model) = partial
            .hardware
            .map_or((Fact::NotCollected, Fact::NotCollected), |h| {
                (h.manufacturer, h.model)
            });
        Ok(AssetFacts {
            manufacturer,
            model,
            software_entries: partial.software,
        })
    }
}

/// The length of a JSON list, without keeping its elements.
fn count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<u64, D::Error> {
    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<u64, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    deserializer.deserialize_seq(Count)
}

/// The risk records that may apply to an item: its own and its host's (`UNIQUE (host_id,
/// finding_key)` allows at most one of each). Which one applies, and whether it is in force, is
/// the web layer's `risk_state`.
#[derive(Debug, Default, FromRow)]
pub struct ItemRisks {
    rf_id: Option<String>,
    rf_owner: Option<String>,
    rf_mitigation: Option<String>,
    rf_review_date: Option<String>,
    rf_updated_by: Option<String>,
    rf_updated_at: Option<String>,
    rh_id: Option<String>,
    rh_owner: Option<String>,
    rh_mitigation: Option<String>,
    rh_review_date: Option<String>,
    rh_updated_by: Option<String>,
    rh_updated_at: Option<String>,
}

/// A risk record from its joined columns (all set when `id` is: every column is NOT NULL).
fn joined_risk(host_id: &str, finding_key: &str, columns: [&Option<String>; 6]) -> Option<Risk> {
    let [id, owner, mitigation, review_date, updated_by, updated_at] = columns;
    Some(Risk {
        id: id.clone()?,
        host_id: host_id.to_string(),
        finding_key: finding_key.to_string(),
        owner: owner.clone().unwrap_or_default(),
        mitigation: mitigation.clone().unwrap_or_default(),
        // Stored as `YYYY-MM-DD` by `save_risk`; a date that does not read would count as long
        // expired (the item as unsupported again), never as accepted.
        review_date: review_date
            .as_deref()
            .and_then(|d| d.parse().ok())
            .unwrap_or_default(),
        updated_by: updated_by.clone().unwrap_or_default(),
        updated_at: updated_at.clone().unwrap_or_default(),
    })
}

/// An unsupported or extended finding of the pack, with its organisation and the risk records
/// that may apply to it.
#[derive(Debug, FromRow)]
pub struct ItemRow {
    /// The finding as listed.
    #[sqlx(flatten)]
    pub finding: FindingListRow,
    /// The site's organisation.
    pub organisation: String,
    /// Its ODS code, when it has one.
    pub organisation_ods_code: Option<String>,
    /// The finding's stored detail (its date source and patch level); empty when not asked for.
    pub detail: String,
    /// Risk records that may apply.
    #[sqlx(flatten)]
    pub risks: ItemRisks,
}

impl ItemRow {
    /// The risk records that may apply to it: its own, then its host's.
    pub fn risk_records(&self) -> Vec<Risk> {
        let (host, key) = (&self.finding.host_id, &self.finding.finding_key);
        let r = &self.risks;
        [
            joined_risk(
                host,
                key,
                [
                    &r.rf_id,
                    &r.rf_owner,
                    &r.rf_mitigation,
                    &r.rf_review_date,
                    &r.rf_updated_by,
                    &r.rf_updated_at,
                ],
            ),
            joined_risk(
                host,
                "",
                [
                    &r.rh_id,
                    &r.rh_owner,
                    &r.rh_mitigation,
                    &r.rh_review_date,
                    &r.rh_updated_by,
                    &r.rh_updated_at,
                ],
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// What the totals need of an item: where it is, what it is, and the two risk records' ids and
/// review dates (a tenth of an item's columns: the totals of 500,000 items in a fraction of the
/// time).
#[derive(Debug, FromRow)]
pub struct ItemKey {
    /// Host.
    pub host_id: String,
    /// Finding key within the host.
    pub finding_key: String,
    /// Site.
    pub site: String,
    /// Product id.
    pub product_id: String,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Status.
    #[sqlx(try_from = "ByName<Status>")]
    pub status: Status,
    rf_id: Option<String>,
    rf_review_date: Option<String>,
    rh_id: Option<String>,
    rh_review_date: Option<String>,
}

impl ItemKey {
    /// The risk records that may apply to it, as far as whether they are in force goes (owner,
    /// mitigation and who accepted them are not read): its own, then its host's.
    pub fn risk_records(&self) -> Vec<Risk> {
        let none = None;
        [
            joined_risk(
                &self.host_id,
                &self.finding_key,
                [
                    &self.rf_id,
                    &none,
                    &none,
                    &self.rf_review_date,
                    &none,
                    &none,
                ],
            ),
            joined_risk(
                &self.host_id,
                "",
                [
                    &self.rh_id,
                    &none,
                    &none,
                    &self.rh_review_date,
                    &none,
                    &none,
                ],
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// One site's hosts, for the totals by site.
#[derive(Clone, Debug, Default, FromRow)]
pub struct SiteHosts {
    /// The site's organisation.
    pub organisation: String,
    /// Its ODS code.
    pub organisation_ods_code: Option<String>,
    /// Site.
    pub site: String,
    /// Hosts.
    pub hosts: i64,
    /// Hosts whose worst status is unsupported.
    pub hosts_unsupported: i64,
    /// Hosts whose worst status is extended.
    pub hosts_extended: i64,
    /// Hosts with an unsupported OS.
    pub hosts_unsupported_os: i64,
    /// Hosts with unsupported software.
    pub hosts_unsupported_software: i64,
    /// Hosts with unsupported hardware.
    pub hosts_unsupported_hardware: i64,
    /// Hosts not seen since the stale cutoff.
    pub hosts_stale: i64,
    /// The `hosts_unsupported`, split by the risk register as the summary's headline splits
    /// them (`acceptance`: the same query, in the pack's snapshot).
    #[sqlx(skip)]
    pub unsupported: UnsupportedHosts,
}

/// One product release in one status, for the totals by product and release.
#[derive(Clone, Debug, FromRow)]
pub struct ProductInstalls {
    /// Catalogue product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Release cycle id.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    #[sqlx(try_from = "ByName<Status>")]
    pub status: Status,
    /// Installations (findings).
    pub installations: i64,
    /// Distinct hosts.
    pub hosts: i64,
}

/// `FROM hosts h, findings f JOIN sites s JOIN organisations o` and the two risk records that may
/// apply to `f` (the query says `f.host_id = h.host_id`). Hosts first, by `CROSS JOIN`: SQLite then
/// walks the hosts in name order and each host's findings by key, already in the items' order,
/// where it would otherwise start from the findings' status index and sort every item with its
/// detail (SQLite's documented way to fix a join order; PostgreSQL reads it as an inner join).
const ITEMS_FROM: &str = " FROM hosts h CROSS JOIN findings f \
    JOIN sites s ON s.id = h.site_id JOIN organisations o ON o.id = s.org_id \
    LEFT JOIN risks rf ON rf.host_id = f.host_id AND rf.finding_key = f.finding_key \
    LEFT JOIN risks rh ON rh.host_id = f.host_id AND rh.finding_key = ''";

const RISK_COLUMNS: &str = "rf.id AS rf_id, rf.owner AS rf_owner, rf.mitigation AS rf_mitigation, \
    rf.review_date AS rf_review_date, rf.updated_by AS rf_updated_by, rf.updated_at AS rf_updated_at, \
    rh.id AS rh_id, rh.owner AS rh_owner, rh.mitigation AS rh_mitigation, \
    rh.review_date AS rh_review_date, rh.updated_by AS rh_updated_by, rh.updated_at AS rh_updated_at";

/// The order of hosts in the register and of items (each host's by key after it): the host-name
/// index's, so the database walks the index instead of sorting every row with its stored
/// inventory or detail (hundreds of MB at 100,000 hosts); by site and by product are the totals.
const HOST_ORDER: &str = "h.hostname_lower, h.host_id";

/// The asset register's query: every host of the selection with its organisation, its OS finding
/// (the first by key, should a host have two) and its software findings counted.
fn assets_query(selection: &Selection, stale_cutoff: &str) -> Builder {
    let mut sql = Builder::new(
        "SELECT h.host_id, h.hostname, s.name AS site, o.name AS organisation, \
         o.ods_code AS organisation_ods_code, h.os_name, h.os_version, \
         COALESCE(fo.cycle_label, fo.cycle) AS os_release, h.os_status, \
         fo.security_support_end AS os_security_support_end, fo.detail AS os_detail, \
         h.hardware_status, h.status",
    );
    // Each count reads the host's own findings (by the primary key): a `status = ?` in the WHERE
    // would let SQLite pick the (status, target) index and read every unsupported finding of the
    // estate once per host.
    let (software, os) = (Target::Software.as_str(), Target::Os.as_str());
    for (status, name) in [
        (None, "software_judged"),
        (Some(Status::Unsupported), "software_unsupported"),
        (Some(Status::Extended), "software_extended"),
    ] {
        sql.push(", CAST(COALESCE((SELECT SUM(");
        match status {
            None => sql.push("1"),
            Some(status) => sql
                .push("CASE WHEN fs.status = ")
                .push_bind(status.as_str())
                .push(" THEN 1 ELSE 0 END"),
        };
        sql.push(") FROM findings fs WHERE fs.host_id = h.host_id AND fs.target = ")
            .push_bind(software)
            .push(format!("), 0) AS BIGINT) AS {name}"));
    }
    // The stored inventory only where its facts were not kept at ingest (stored before migration 11).
    sql.push(
        ", h.last_seen_at, h.collected_at, h.agent_version, h.catalog_version, \
         h.hardware_manufacturer, h.hardware_model, h.software_entries, \
         CASE WHEN h.software_entries IS NULL THEN h.inventory ELSE '' END AS inventory, \
         CASE WHEN h.software_entries IS NULL THEN h.inventory_gz END AS inventory_gz \
         FROM hosts h JOIN sites s ON s.id = h.site_id \
         JOIN organisations o ON o.id = s.org_id LEFT JOIN findings fo ON fo.host_id = h.host_id \
         AND fo.target = ",
    )
    .push_bind(os)
    // The first OS finding by key, should several OS products match: said as "no OS finding
    // before it", which both databases read as an index look-up per host. `fo.finding_key =
    // (SELECT MIN(…))` left PostgreSQL no index path: it hashed all the findings with their
    // details (7.4 s of the 100,000-host register; 3.3 s now).
    .push(" AND NOT EXISTS (SELECT 1 FROM findings y WHERE y.host_id = fo.host_id AND y.target = ")
    .push_bind(os)
    .push(" AND y.finding_key < fo.finding_key) WHERE 1 = 1");
    selection.push_host_clauses(&mut sql, stale_cutoff);
    sql.push(format!(" ORDER BY {HOST_ORDER}"));
    sql
}

/// The items' query: the selection's unsupported and extended findings, by host; with their
/// stored detail when `with_detail`.
fn items_query(selection: &Selection, stale_cutoff: &str, with_detail: bool) -> Builder {
    let detail = if with_detail { "f.detail" } else { "''" };
    let mut sql = Builder::new(format!(
        "SELECT {FINDING_COLUMNS_SELECT}, o.name AS organisation, o.ods_code AS organisation_ods_code, \
         {detail} AS detail, {RISK_COLUMNS}{ITEMS_FROM} WHERE f.host_id = h.host_id AND f.status IN ("
    ));
    let mut statuses = sql.separated(", ");
    for status in ITEM_STATUSES {
        statuses.push_bind(status.as_str());
    }
    sql.push(")");
    selection.push_finding_clauses(&mut sql, stale_cutoff, true);
    sql.push(format!(" ORDER BY {HOST_ORDER}, f.finding_key"));
    sql
}

/// The item keys' query: the items' rows and order, a tenth of their columns.
fn item_keys_query(selection: &Selection, stale_cutoff: &str) -> Builder {
    let mut sql = Builder::new(format!(
        "SELECT f.host_id, f.finding_key, s.name AS site, f.product_id, f.cycle, f.status, \
         rf.id AS rf_id, rf.review_date AS rf_review_date, rh.id AS rh_id, \
         rh.review_date AS rh_review_date{ITEMS_FROM} WHERE f.host_id = h.host_id AND f.status IN ("
    ));
    let mut statuses = sql.separated(", ");
    for status in ITEM_STATUSES {
        statuses.push_bind(status.as_str());
    }
    sql.push(")");
    selection.push_finding_clauses(&mut sql, stale_cutoff, true);
    sql.push(format!(" ORDER BY {HOST_ORDER}, f.finding_key"));
    sql
}

/// `sql` with a page's `LIMIT`/`OFFSET`.
fn paged(mut sql: Builder, limit: i64, offset: i64) -> Builder {
    sql.push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    sql
}

impl PackReader {
    /// Opens the snapshot every read of one pack comes from.
    pub async fn open(db: &Db) -> Result<PackReader> {
        let mut tx = db.reader().begin().await?;
        if !tx.backend_name().eq_ignore_ascii_case("sqlite") {
            // SQLite's read transaction is a snapshot already; PostgreSQL's default is not.
            (&mut *tx)
                .execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .await?;
            // The pack's queries are long but simple (index walks and look-ups): compiling
            // them cost PostgreSQL 15 ~0.4 s a query and saved nothing.
            (&mut *tx).execute("SET LOCAL jit = off").await?;
        }
        Ok(PackReader { tx })
    }

    /// Every host of the selection, by name, sent in batches of `batch`.
    pub async fn each_asset(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        batch: usize,
        to: &mpsc::Sender<Vec<AssetRow>>,
    ) -> Result<()> {
        Statement::new(assets_query(selection, stale_cutoff))
            .send_batches(&mut *self.tx, batch, to)
            .await
    }

    /// A page of the asset register, and how many hosts it has in all.
    pub async fn assets_page(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AssetRow>, i64)> {
        let mut count = Builder::new(
            "SELECT COUNT(*) FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
        );
        selection.push_host_clauses(&mut count, stale_cutoff);
        let total = Statement::new(count).fetch_scalar(&mut *self.tx).await?;
        let page = paged(assets_query(selection, stale_cutoff), limit, offset);
        Ok((Statement::new(page).fetch_all(&mut *self.tx).await?, total))
    }

    /// Every unsupported and extended item of the selection (with its stored detail when
    /// `with_detail`), sent in batches of `batch`.
    pub async fn each_item(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        with_detail: bool,
        batch: usize,
        to: &mpsc::Sender<Vec<ItemRow>>,
    ) -> Result<()> {
        Statement::new(items_query(selection, stale_cutoff, with_detail))
            .send_batches(&mut *self.tx, batch, to)
            .await
    }

    /// Every item's key, sent in batches of `batch` (for the totals alone).
    pub async fn each_item_key(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        batch: usize,
        to: &mpsc::Sender<Vec<ItemKey>>,
    ) -> Result<()> {
        Statement::new(item_keys_query(selection, stale_cutoff))
            .send_batches(&mut *self.tx, batch, to)
            .await
    }

    /// A page of the items, with their stored detail.
    pub async fn items_page(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ItemRow>> {
        let page = paged(items_query(selection, stale_cutoff, true), limit, offset);
        Statement::new(page).fetch_all(&mut *self.tx).await
    }

    /// Hosts by site (with organisation), in organisation and site order, their unsupported
    /// hosts split by the risk register on `today` as the summary splits them.
    pub async fn site_hosts(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
        today: NaiveDate,
    ) -> Result<Vec<SiteHosts>> {
        let mut sql = Builder::new(
            "SELECT o.name AS organisation, o.ods_code AS organisation_ods_code, s.name AS site, \
             COUNT(*) AS hosts",
        );
        for (column, status, name) in [
            ("h.status", Status::Unsupported, "hosts_unsupported"),
            ("h.status", Status::Extended, "hosts_extended"),
            ("h.os_status", Status::Unsupported, "hosts_unsupported_os"),
            (
                "h.software_status",
                Status::Unsupported,
                "hosts_unsupported_software",
            ),
            (
                "h.hardware_status",
                Status::Unsupported,
                "hosts_unsupported_hardware",
            ),
        ] {
            sql.push(format!(", CAST(SUM(CASE WHEN {column} = "))
                .push_bind(status.as_str())
                .push(format!(" THEN 1 ELSE 0 END) AS BIGINT) AS {name}"));
        }
        sql.push(", CAST(SUM(CASE WHEN h.last_seen_at < ")
            .push_bind(stale_cutoff.to_string())
            .push(
                " THEN 1 ELSE 0 END) AS BIGINT) AS hosts_stale FROM hosts h \
                 JOIN sites s ON s.id = h.site_id JOIN organisations o ON o.id = s.org_id WHERE 1 = 1",
            );
        selection.push_host_clauses(&mut sql, stale_cutoff);
        sql.push(" GROUP BY o.name, o.ods_code, s.name ORDER BY o.name, s.name");
        let mut sites: Vec<SiteHosts> = Statement::new(sql).fetch_all(&mut *self.tx).await?;
        let acceptance = acceptance_by_site(&mut *self.tx, selection, stale_cutoff, today).await?;
        for site in &mut sites {
            site.unsupported =
                UnsupportedHosts::split(site.hosts_unsupported, acceptance.get(&site.site));
        }
        Ok(sites)
    }

    /// Installations by product, release and status (every status: the register's software
    /// side), most urgent first.
    pub async fn product_installs(
        &mut self,
        selection: &Selection,
        stale_cutoff: &str,
    ) -> Result<Vec<ProductInstalls>> {
        // The findings alone, their hosts narrowed by one set of host ids: a join would read each
        // of a million findings' host rows (with their stored inventories) at random.
        let mut sql = Builder::new(
            "SELECT f.product_id, MAX(f.product_name) AS product_name, f.cycle, \
             MAX(f.cycle_label) AS cycle_label, f.status, COUNT(*) AS installations, \
             COUNT(DISTINCT f.host_id) AS hosts FROM findings f WHERE 1 = 1",
        );
        if selection.narrows_hosts() {
            sql.push(
                " AND f.host_id IN (SELECT h.host_id FROM hosts h JOIN sites s ON s.id = h.site_id \
                 WHERE 1 = 1",
            );
            selection.push_host_only_clauses(&mut sql, stale_cutoff);
            sql.push(")");
        }
        selection.push_finding_only_clauses(&mut sql, true);
        sql.push(format!(
            " GROUP BY f.product_id, f.cycle, f.status ORDER BY {}, f.product_id, f.cycle",
            status_order("f.status")
        ));
        Statement::new(sql).fetch_all(&mut *self.tx).await
    }

    /// Ends the read (its snapshot is released).
    pub async fn close(self) -> Result<()> {
        self.tx.rollback().await
    }
}
