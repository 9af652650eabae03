//! The triage of unmatched software (migration 14): each host's unmatched entries, replaced with
//! its verdict, and the estate's list — software by name and publisher with the hosts and
//! organisations that have it, inside the caller's scope — as one grouped query.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::Result;
use super::queries::page_with_total;
use super::selection::{Scope, contains_pattern};
use super::sort::{Sort, TriageSort};
use super::sql::{Builder, MAX_BOUND_VALUES, Statement, rows_per_statement};
use crate::db::{Db, WriteTx};
use crate::triage::{ReviewedKey, UnmatchedEntry};

/// Rows per INSERT (seven values each).
const ROWS_PER_INSERT: usize = rows_per_statement(7);
/// Versions shown per row (the most common first).
pub const TOP_VERSIONS: usize = 5;
/// Versions read for one row's snippet at most.
const SNIPPET_VERSIONS: i64 = 1000;
/// Names whose versions one query reads (one value each; the scope's take a few more).
const KEYS_PER_QUERY: usize = MAX_BOUND_VALUES - 16;

/// The columns of an [`UnmatchedEntry`], in its field order.
const COLUMNS: &str = "name_key, publisher_key, version, name, publisher";

/// Brings a host's stored unmatched entries in line with `entries` (in key order, as
/// `triage::unmatched_entries` gives them): nothing is written when they are the same, which is
/// most nights.
pub(crate) async fn replace_unmatched(
    conn: &mut WriteTx<'_>,
    host_id: &str,
    site_id: &str,
    entries: &[UnmatchedEntry],
) -> Result<()> {
    let stored: Vec<UnmatchedEntry> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM unmatched_software WHERE host_id = $1 \
         ORDER BY name_key, publisher_key, version"
    ))
    .bind(host_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    // Byte order in both: the stored rows sorted by the database may differ (collations), so
    // compare sorted copies.
    let mut stored = stored;
    stored.sort();
    let mut wanted = entries.to_vec();
    wanted.sort();
    if stored == wanted {
        return Ok(());
    }
    sqlx::query("DELETE FROM unmatched_software WHERE host_id = $1")
        .bind(host_id.to_string())
        .execute(&mut *conn)
        .await?;
    for chunk in wanted.chunks(ROWS_PER_INSERT) {
        let mut sql = Builder::new(format!(
            "INSERT INTO unmatched_software (host_id, site_id, {COLUMNS}) "
        ));
        sql.push_values(chunk, |mut row, e| {
            row.push_bind(host_id.to_string())
                .push_bind(site_id.to_string())
                .push_bind(e.name_key.clone())
                .push_bind(e.publisher_key.clone())
                .push_bind(e.version.clone())
                .push_bind(e.name.clone())
                .push_bind(e.publisher.clone());
        });
        Statement::new(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// What the triage list is asked for, inside a scope.
#[derive(Clone, Debug, Default)]
pub struct TriageFilter {
    /// Part of the name, case-insensitive.
    pub name: Option<String>,
    /// Names the catalogue marks reviewed: left out, and counted.
    pub reviewed: Vec<ReviewedKey>,
    /// Exactly this name and publisher key (a snippet's row).
    key: Option<(String, String)>,
}

impl TriageFilter {
    /// Names containing `name` (all without).
    pub fn named(name: Option<String>) -> TriageFilter {
        TriageFilter {
            name,
            ..TriageFilter::default()
        }
    }

    /// The same, without the names of `reviewed`.
    pub fn excluding(self, reviewed: Vec<ReviewedKey>) -> TriageFilter {
        TriageFilter { reviewed, ..self }
    }
}

/// A version and how many hosts have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCount {
    /// The version as installed (`""`: none reported).
    pub version: String,
    /// Hosts with it.
    pub hosts: i64,
}

/// One software name and publisher no catalogue rule matches.
#[derive(Clone, Debug, Serialize, Deserialize, FromRow)]
pub struct TriageRow {
    /// The name as a host reported it.
    pub name: String,
    /// The publisher (`""`: none reported).
    pub publisher: String,
    /// Hosts that have it.
    pub hosts: i64,
    /// Organisations (of those hosts' sites) that have it.
    pub organisations: i64,
    /// Distinct versions installed.
    pub versions: i64,
    /// The most common versions, most hosts first (at most [`TOP_VERSIONS`]).
    #[sqlx(skip)]
    pub top_versions: Vec<VersionCount>,
}

/// A row as the CSV export writes it: the versions in one cell (`5.24.1 (3); 5.26.0 (1)`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TriageCsvRow {
    /// The name.
    pub name: String,
    /// The publisher.
    pub publisher: String,
    /// Hosts.
    pub hosts: i64,
    /// Organisations.
    pub organisations: i64,
    /// Distinct versions.
    pub versions: i64,
    /// The most common versions with their hosts.
    pub top_versions: String,
}

impl From<&TriageRow> for TriageCsvRow {
    fn from(row: &TriageRow) -> Self {
        let top: Vec<String> = row
            .top_versions
            .iter()
            .map(|v| format!("{} ({})", v.version, v.hosts))
            .collect();
        TriageCsvRow {
            name: row.name.clone(),
            publisher: row.publisher.clone(),
            hosts: row.hosts,
            organisations: row.organisations,
            versions: row.versions,
            top_versions: top.join("; "),
        }
    }
}

/// A page of the triage.
#[derive(Clone, Debug)]
pub struct TriagePage {
    /// This page's rows.
    pub rows: Vec<TriageRow>,
    /// Rows in all (reviewed names aside).
    pub total: i64,
    /// Names (with publisher) left out as reviewed.
    pub reviewed_hidden: i64,
}

/// `FROM unmatched_software u JOIN sites s WHERE <scope>`: the rows carry their host's site, so
/// no host row is read (see migration 14).
fn from_scope(select: &str, scope: &Scope) -> Builder {
    let mut sql = Builder::new(format!("SELECT {select}"));
    push_from_scope(&mut sql, scope);
    sql
}

/// ` FROM unmatched_software u JOIN sites s WHERE <scope>`.
fn push_from_scope(sql: &mut Builder, scope: &Scope) {
    sql.push(" FROM unmatched_software u JOIN sites s ON s.id = u.site_id WHERE 1 = 1");
    scope.push_host_clause(sql, "u.site_id");
}

/// `, (name) AS name, (publisher) AS publisher`: a grouped row's spelling, read from one of its
/// rows inside `scope`, for the page's rows only.
fn push_spelling(sql: &mut Builder, scope: &Scope) {
    for column in ["name", "publisher"] {
        sql.push(format!(
            ", (SELECT x.{column} FROM unmatched_software x WHERE x.name_key = g.name_key \
             AND x.publisher_key = g.publisher_key"
        ));
        scope.push_host_clause(sql, "x.site_id");
        sql.push(format!(" LIMIT 1) AS {column}"));
    }
}

/// `(u.name_key LIKE … [AND u.publisher_key LIKE …])`: one reviewed decision.
fn push_reviewed(sql: &mut Builder, key: &ReviewedKey) {
    sql.push("(u.name_key LIKE ")
        .push_bind(key.name_like.clone())
        .push(" ESCAPE '\\'");
    if let Some(publisher) = &key.publisher_like {
        sql.push(" AND u.publisher_key LIKE ")
            .push_bind(publisher.clone())
            .push(" ESCAPE '\\'");
    }
    sql.push(")");
}

/// The grouped rows, as a derived table `g` (reviewed ones left out, or only they when
/// `reviewed_only`); `select` is what is read from it, then `spelled` adds each row's name and
/// publisher.
fn grouped(
    select: &str,
    scope: &Scope,
    filter: &TriageFilter,
    reviewed_only: bool,
    spelled: bool,
) -> Builder {
    let mut sql = Builder::new(format!("SELECT {select}"));
    if spelled {
        push_spelling(&mut sql, scope);
    }
    sql.push(
        " FROM (SELECT u.name_key, u.publisher_key, COUNT(DISTINCT u.host_id) AS hosts, \
         COUNT(DISTINCT s.org_id) AS organisations, COUNT(DISTINCT u.version) AS versions",
    );
    push_from_scope(&mut sql, scope);
    if let Some(name) = &filter.name {
        sql.push(" AND u.name_key LIKE ")
            .push_bind(contains_pattern(name))
            .push(" ESCAPE '\\'");
    }
    if let Some((name_key, publisher_key)) = &filter.key {
        sql.push(" AND u.name_key = ")
            .push_bind(name_key.clone())
            .push(" AND u.publisher_key = ")
            .push_bind(publisher_key.clone());
    }
    if reviewed_only {
        sql.push(" AND (");
        for (i, key) in filter.reviewed.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            push_reviewed(&mut sql, key);
        }
        sql.push(")");
    } else {
        for key in &filter.reviewed {
            sql.push(" AND NOT ");
            push_reviewed(&mut sql, key);
        }
    }
    sql.push(" GROUP BY u.name_key, u.publisher_key) g");
    sql
}

/// Software no catalogue rule matches, by name and publisher, on the hosts of `scope`: a page in
/// `sort`'s order (by default most hosts first), how many rows there are, and how many reviewed
/// names were left out.
pub async fn triage(
    db: &Db,
    scope: &Scope,
    filter: &TriageFilter,
    sort: Sort<TriageSort>,
    limit: i64,
    offset: i64,
) -> Result<TriagePage> {
    #[derive(FromRow)]
    struct Counted {
        name_key: String,
        publisher_key: String,
        #[sqlx(flatten)]
        row: TriageRow,
        total: i64,
    }
    let (rows, total) = page_with_total(
        db,
        grouped(
            "g.name_key, g.publisher_key, g.hosts, g.organisations, g.versions, \
             COUNT(*) OVER () AS total",
            scope,
            filter,
            false,
            true,
        ),
        grouped("COUNT(*)", scope, filter, false, false),
        &sort.order_by(),
        (limit, offset),
        |c: &Counted| c.total,
    )
    .await?;
    let reviewed_hidden = if filter.reviewed.is_empty() {
        0
    } else {
        Statement::new(grouped("COUNT(*)", scope, filter, true, false))
            .fetch_scalar(db.reader())
            .await?
    };
    let keys: Vec<String> = rows.iter().map(|r| r.name_key.clone()).collect();
    let mut versions = versions_of(db, scope, &keys, None).await?;
    let rows = rows
        .into_iter()
        .map(|c| {
            let mut row = c.row;
            let mut list = versions
                .remove(&(c.name_key, c.publisher_key))
                .unwrap_or_default();
            list.truncate(TOP_VERSIONS);
            row.top_versions = list;
            row
        })
        .collect();
    Ok(TriagePage {
        rows,
        total,
        reviewed_hidden,
    })
}

/// The versions of the names `keys` (and, when given, one publisher) on the hosts of `scope`,
/// most hosts first, by name and publisher key.
async fn versions_of(
    db: &Db,
    scope: &Scope,
    keys: &[String],
    publisher_key: Option<&str>,
) -> Result<HashMap<(String, String), Vec<VersionCount>>> {
    #[derive(FromRow)]
    struct Version {
        name_key: String,
        publisher_key: String,
        version: String,
        hosts: i64,
    }
    let mut out: HashMap<(String, String), Vec<VersionCount>> = HashMap::new();
    // A page's names in one query; an export's in batches (bound parameters stay few).
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let mut sql = from_scope(
            "u.name_key, u.publisher_key, u.version, COUNT(DISTINCT u.host_id) AS hosts",
            scope,
        );
        sql.push(" AND u.name_key IN (");
        let mut list = sql.separated(", ");
        for key in chunk {
            list.push_bind(key.clone());
        }
        sql.push(")");
        if let Some(publisher) = publisher_key {
            sql.push(" AND u.publisher_key = ")
                .push_bind(publisher.to_string());
        }
        sql.push(
            " GROUP BY u.name_key, u.publisher_key, u.version \
             ORDER BY hosts DESC, u.version LIMIT ",
        )
        .push_bind(SNIPPET_VERSIONS * chunk.len() as i64);
        let rows: Vec<Version> = Statement::new(sql).fetch_all(db.reader()).await?;
        for v in rows {
            out.entry((v.name_key, v.publisher_key))
                .or_default()
                .push(VersionCount {
                    version: v.version,
                    hosts: v.hosts,
                });
        }
    }
    Ok(out)
}

/// One name and publisher on the hosts of `scope`, with all its versions (most hosts first, at
/// most 1,000): what its snippet is written from. `None` when no host in the scope has it.
pub async fn triage_entry(
    db: &Db,
    scope: &Scope,
    name_key: &str,
    publisher_key: &str,
) -> Result<Option<(TriageRow, Vec<VersionCount>)>> {
    let sql = grouped(
        "g.hosts, g.organisations, g.versions",
        scope,
        &TriageFilter {
            key: Some((name_key.to_string(), publisher_key.to_string())),
            ..TriageFilter::default()
        },
        false,
        true,
    );
    let rows: Vec<TriageRow> = Statement::new(sql).fetch_all(db.reader()).await?;
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let mut versions = versions_of(db, scope, &[name_key.to_string()], Some(publisher_key)).await?;
    let list = versions
        .remove(&(name_key.to_string(), publisher_key.to_string()))
        .unwrap_or_default();
    Ok(Some((row, list)))
}
