//! A stored inventory and how it is read back: bounded, and only as the typed inventory.

use sqlx::Row;
use sqlx::any::AnyRow;
use sunset_catalog::inventory::Inventory;

use super::sql::text;

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

impl StoredInventory {
    /// From a row with `inventory` and `inventory_gz` columns.
    pub fn from_row(row: &AnyRow) -> StoredInventory {
        match row
            .try_get::<Option<Vec<u8>>, _>("inventory_gz")
            .ok()
            .flatten()
        {
            Some(gz) => StoredInventory::Gzip(gz),
            None => StoredInventory::Text(text(row, "inventory")),
        }
    }

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
