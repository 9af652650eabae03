//! Queries whose shape depends on the request are built with sqlx's `QueryBuilder` and run as a
//! [`Statement`], which numbers their placeholders.
//!
//! Through the `Any` driver, `QueryBuilder::push_bind` writes `?` placeholders: SQLite takes them,
//! PostgreSQL refuses them (sqlx issue 3000, still open in 0.8.6: `AnyArguments` has no placeholder
//! format of its own, and the back end is only known when the query runs). Both take `$1`-style
//! placeholders, so [`Statement::new`] rewrites each `?` to `$n` before the query runs. The text is
//! the code's own — every value is bound, never written into it — so a `?` outside a quoted literal
//! is always a placeholder. Delete this once sqlx numbers them itself.

use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow};
use sqlx::{Any, Execute, Executor, FromRow, QueryBuilder};
use tokio::sync::mpsc;

use super::Result;

/// A query under construction: SQL text from code, values bound.
pub(super) type Builder = QueryBuilder<'static, Any>;

/// Values one statement binds at most. sqlx's SQLite driver asks for every placeholder's name
/// before binding it, and SQLite finds the name by walking the statement's list of names: binding
/// is quadratic in the placeholders of one statement. Multi-row INSERTs of 250 and 400 rows (1,750
/// and 7,200 values) made it a third of ingest's CPU; at a few hundred it costs nothing, and a
/// statement still writes dozens of rows in one round trip.
pub(super) const MAX_BOUND_VALUES: usize = 256;

/// Rows one multi-row statement takes when each binds `values` values.
pub(super) const fn rows_per_statement(values: usize) -> usize {
    MAX_BOUND_VALUES / values
}

/// A built query: its text with numbered placeholders, and the builder holding its values.
pub(super) struct Statement {
    sql: String,
    builder: Builder,
}

/// The values bound in `builder` (they can only be taken for as long as it is borrowed).
fn arguments(builder: &mut Builder) -> Result<AnyArguments<'_>> {
    Ok(builder
        .build()
        .take_arguments()
        .map_err(sqlx::Error::Encode)?
        .unwrap_or_default())
}

impl Statement {
    /// The query `builder` holds, placeholders numbered.
    pub(super) fn new(builder: Builder) -> Statement {
        Statement {
            sql: numbered(builder.sql()),
            builder,
        }
    }

    /// Every row, decoded.
    pub(super) async fn fetch_all<'c, T>(
        mut self,
        executor: impl Executor<'c, Database = Any>,
    ) -> Result<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let args = arguments(&mut self.builder)?;
        sqlx::query_as_with(&self.sql, args)
            .fetch_all(executor)
            .await
    }

    /// Every row, decoded, sent to `to` in batches of `batch` rows as the database produces them:
    /// memory stays bounded by a few batches and the driver's small buffer, whatever the number of
    /// rows (the evidence pack's 100,000 hosts), and a slow receiver slows the read. Stops early,
    /// without error, when the receiver has gone.
    pub(super) async fn send_batches<'c, T>(
        mut self,
        executor: impl Executor<'c, Database = Any>,
        batch: usize,
        to: &mpsc::Sender<Vec<T>>,
    ) -> Result<()>
    where
        T: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let args = arguments(&mut self.builder)?;
        let mut rows = sqlx::query_as_with(&self.sql, args).fetch(executor);
        let mut rows_of_batch = Vec::with_capacity(batch);
        while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
            rows_of_batch.push(row?);
            if rows_of_batch.len() == batch {
                let full = std::mem::replace(&mut rows_of_batch, Vec::with_capacity(batch));
                if to.send(full).await.is_err() {
                    return Ok(());
                }
            }
        }
        if !rows_of_batch.is_empty() {
            let _ = to.send(rows_of_batch).await;
        }
        Ok(())
    }

    /// The one row's first column (a count).
    pub(super) async fn fetch_scalar<'c>(
        mut self,
        executor: impl Executor<'c, Database = Any>,
    ) -> Result<i64> {
        let args = arguments(&mut self.builder)?;
        sqlx::query_scalar_with(&self.sql, args)
            .fetch_one(executor)
            .await
    }

    /// Runs a statement that returns no rows.
    pub(super) async fn execute<'c>(
        mut self,
        executor: impl Executor<'c, Database = Any>,
    ) -> Result<AnyQueryResult> {
        let args = arguments(&mut self.builder)?;
        sqlx::query_with(&self.sql, args).execute(executor).await
    }
}

/// `sql` with each `?` outside a `'…'` literal replaced by `$1`, `$2`, … in order.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_literals() {
        assert_eq!(
            numbered("SELECT 1 WHERE a = ? AND b LIKE ? ESCAPE '\\' AND c = '?' AND d IN (?, ?)"),
            "SELECT 1 WHERE a = $1 AND b LIKE $2 ESCAPE '\\' AND c = '?' AND d IN ($3, $4)"
        );
    }
}
