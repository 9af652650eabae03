//! A stored inventory and how it is read back: bounded, and only as the typed inventory.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use sunset_catalog::inventory::Inventory;

use crate::db::Db;

/// Hosts per page of [`inventories_after`] (and per re-evaluation transaction).
const PAGE_HOSTS: i64 = 200;
/// Stored inventory bytes per page (at least one host whatever its size).
const PAGE_BYTES: i64 = 32 * 1024 * 1024;

/// Largest stored inventory read back, decompressed (the most `max_decompressed_bytes` may be).
pub const MAX_STORED_INVENTORY_BYTES: usize = 64 * 1024 * 1024;

/// A stored inventory: gzip-compressed JSON (`inventory_gz`), or, for rows written before
/// compression, JSON text (`inventory`).
#[derive(Clone, Debug)]
pub enum StoredInventory {
    /// gzip-compressed JSON.
    Gzip(Vec<u8>),
    /// JSON text.
    Text(String),
}

/// From a row with `inventory` and `inventory_gz` columns.
impl FromRow<'_, AnyRow> for StoredInventory {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(match row.try_get::<Option<Vec<u8>>, _>("inventory_gz")? {
            Some(gz) => StoredInventory::Gzip(gz),
            None => StoredInventory::Text(row.try_get("inventory")?),
        })
    }
}

impl StoredInventory {
    /// The JSON bytes (decompressing at most [`MAX_STORED_INVENTORY_BYTES`]).
    pub fn json(&self) -> std::result::Result<std::borrow::Cow<'_, [u8]>, String> {
        match self {
            StoredInventory::Text(text) => Ok(std::borrow::Cow::Borrowed(text.as_bytes())),
            StoredInventory::Gzip(gz) => {
                use std::io::Read;
                let mut out = Vec::with_capacity((gz.len() * 8).min(1024 * 1024));
                flate2::read::MultiGzDecoder::new(gz.as_slice())
                    .take(MAX_STORED_INVENTORY_BYTES as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("stored inventory is not valid gzip: {e}"))?;
                if out.len() > MAX_STORED_INVENTORY_BYTES {
                    return Err("stored inventory is larger than the limit".to_string());
                }
                Ok(std::borrow::Cow::Owned(out))
            }
        }
    }

    /// The typed inventory: what the collector understands of it, never more (fields it does not
    /// know are skipped, not kept), so what is served is bounded by the inventory's own limits.
    pub fn inventory(&self) -> std::result::Result<Inventory, String> {
        let json = self.json()?;
        serde_json::from_slice(&json).map_err(|e| format!("stored inventory unreadable: {e}"))
    }
}

/// A host's stored inventory, to judge again.
#[derive(Debug, FromRow)]
pub struct InventoryToJudge {
    /// The host.
    pub host_id: String,
    /// The report the inventory came from (its verdict is stored only if it is still the latest).
    pub report_id: String,
    /// The inventory.
    #[sqlx(flatten)]
    pub inventory: StoredInventory,
}

/// Hosts after `after` in id order, with the report their inventory came from: at most
/// [`PAGE_HOSTS`] and, beyond the first, [`PAGE_BYTES`] of stored inventory. With `stale`, only
/// hosts judged with another catalogue version or before that day.
pub async fn inventories_after(
    db: &Db,
    after: &str,
    stale: Option<&(String, NaiveDate)>,
) -> Result<Vec<InventoryToJudge>, sqlx::Error> {
    let filter = if stale.is_some() {
        " AND (catalog_version <> $3 OR evaluated_on <> $4)"
    } else {
        ""
    };
    let sizes_sql = format!(
        "SELECT host_id, CAST(COALESCE(LENGTH(inventory_gz), 0) + LENGTH(inventory) AS BIGINT) AS size \
         FROM hosts WHERE host_id > $1{filter} ORDER BY host_id LIMIT $2"
    );
    let mut sizes = sqlx::query(&sizes_sql)
        .bind(after.to_string())
        .bind(PAGE_HOSTS);
    if let Some((version, day)) = stale {
        sizes = sizes.bind(version.clone()).bind(day.to_string());
    }
    let sizes = sizes.fetch_all(db.reader()).await?;
    let mut total = 0i64;
    let mut last = None;
    for row in &sizes {
        let size: i64 = row.try_get::<Option<i64>, _>("size")?.unwrap_or(0);
        if last.is_some() && total + size > PAGE_BYTES {
            break;
        }
        total += size;
        last = Some(row.try_get::<String, _>("host_id")?);
    }
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    let rows_sql = format!(
        "SELECT host_id, last_report_id AS report_id, inventory, inventory_gz FROM hosts \
         WHERE host_id > $1 AND host_id <= $2{filter} ORDER BY host_id LIMIT {PAGE_HOSTS}"
    );
    let mut rows = sqlx::query(&rows_sql).bind(after.to_string()).bind(last);
    if let Some((version, day)) = stale {
        rows = rows.bind(version.clone()).bind(day.to_string());
    }
    rows.fetch_all(db.reader())
        .await?
        .iter()
        .map(InventoryToJudge::from_row)
        .collect()
}
