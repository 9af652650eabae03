//! A stored inventory and how it is read back: bounded, and only as the typed inventory.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use sunset_catalog::inventory::Inventory;

use super::sql::{Builder, Statement};
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
    /// The host's site (declared contract cover may be per site).
    pub site: String,
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
    // With `stale`, only hosts judged with another catalogue or on another day.
    let page = |select: &str, last: Option<String>| {
        let mut sql = Builder::new(format!("SELECT {select} FROM hosts WHERE host_id > "));
        sql.push_bind(after.to_string());
        if let Some(last) = last {
            sql.push(" AND host_id <= ").push_bind(last);
        }
        if let Some((version, day)) = stale {
            sql.push(" AND (catalog_version <> ")
                .push_bind(version.clone())
                .push(" OR evaluated_on <> ")
                .push_bind(day.to_string())
                .push(")");
        }
        sql.push(" ORDER BY host_id LIMIT ").push_bind(PAGE_HOSTS);
        sql
    };
    let sizes: Vec<(String, Option<i64>)> = Statement::new(page(
        "host_id, CAST(COALESCE(LENGTH(inventory_gz), 0) + LENGTH(inventory) AS BIGINT) AS size",
        None,
    ))
    .fetch_all(db.reader())
    .await?;
    let mut total = 0i64;
    let mut last = None;
    for (host_id, size) in sizes {
        let size = size.unwrap_or(0);
        if last.is_some() && total + size > PAGE_BYTES {
            break;
        }
        total += size;
        last = Some(host_id);
    }
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    Statement::new(page(
        "host_id, last_report_id AS report_id, inventory, inventory_gz, \
         (SELECT s.name FROM sites s WHERE s.id = hosts.site_id) AS site",
        Some(last),
    ))
    .fetch_all(db.reader())
    .await
}
