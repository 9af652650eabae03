//! Collector-wide values (`meta`): the catalogue version and day the stored verdicts rest on.

use super::Result;
use crate::db::Db;

/// Reads a `meta` value.
pub async fn meta_get(db: &Db, key: &str) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key.to_string())
        .fetch_optional(db.reader())
        .await
}

/// Writes a `meta` value.
pub async fn meta_set(db: &Db, key: &str, value: &str) -> Result<()> {
    db.write(async |conn| {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key.to_string())
        .bind(value.to_string())
        .execute(conn)
        .await
    })
    .await?;
    Ok(())
}
