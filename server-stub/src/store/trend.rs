//! The trend (migration 7): a daily snapshot of how many hosts of each organisation — rolled up over
//! its whole subtree — have each worst status, overall and per part, and its read side for the
//! chart and the exports.
//!
//! The counts come from one grouped query over every host: grouped by site and its four statuses
//! (answered from the `hosts_rollup` index alone), joined to each site's organisation and grouped
//! again by organisation, so the query's result has a few rows per organisation with hosts, never
//! one per host. The organisation closure is each row's path (the ids from the root down), so the
//! roll-up to every ancestor is a walk along it here. Joining the closure in SQL instead
//! (`d.path LIKE a.path || '%'`) cannot use an index on either back end and compares every row
//! with every organisation: at 100,000 hosts on SQLite it took 0.91 s instead of 0.04 s once the
//! tree had 6,000 more organisations, and 8.8 s instead of 0.54 s when the hosts' statuses were
//! spread over 76,000 combinations (README "Benchmark"). The job's cost grows with the hosts once,
//! not once per organisation.
//!
//! A day's rows are replaced in one transaction with the prune, so re-running a day never doubles
//! it, and rows older than [`KEEP_MONTHS`] go with the next snapshot. A day is recorded from a
//! mix of status combinations ([`StatusMix`]): today's estate for a snapshot, or a mix made up for
//! a past day by the demo (`crate::demo`), which has no past to count.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::column::{ByName, Named};
use super::selection::Scope;
use super::sql::{Builder, Statement, rows_per_statement};
use super::{Result, ts};
use crate::db::{Db, WriteTx};

/// How long snapshots are kept: a little over two years, so this month can always be set beside
/// the same month a year and two years before, whatever day the comparison is made.
pub const KEEP_MONTHS: u32 = 25;

/// Rows per INSERT (five values each).
const INSERT_CHUNK: usize = rows_per_statement(5);

/// What a count is about: a host's worst status overall, or in one part of it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Part {
    /// The host's worst status over everything judged (`hosts.status`).
    Overall,
    /// Its operating system.
    Os,
    /// Its software.
    Software,
    /// Its hardware.
    Hardware,
}

impl Part {
    /// Every part, in the order pages show them.
    pub const ALL: [Part; 4] = [Part::Overall, Part::Os, Part::Software, Part::Hardware];

    /// The part as stored and written in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Overall => "overall",
            Part::Os => "os",
            Part::Software => "software",
            Part::Hardware => "hardware",
        }
    }

    /// The part a finding's target is about.
    pub fn of(target: Target) -> Part {
        match target {
            Target::Os => Part::Os,
            Target::Software => Part::Software,
            Target::Hardware => Part::Hardware,
        }
    }
}

impl Named for Part {
    const WHAT: &'static str = "trend part";
}

impl From<ByName<Part>> for Part {
    fn from(stored: ByName<Part>) -> Part {
        stored.into_inner()
    }
}

/// One count of a snapshot: on `day`, `hosts` hosts of the organisation's subtree had `status` as
/// their worst in `part`. The JSON API and the CSV export serve these rows as they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromRow)]
pub struct TrendRow {
    /// The day of the snapshot (`YYYY-MM-DD`, UTC).
    pub day: String,
    /// The organisation the count rolls up.
    pub org_id: String,
    /// Overall, or which part.
    #[sqlx(try_from = "ByName<Part>")]
    pub part: Part,
    /// The worst status.
    #[sqlx(try_from = "ByName<Status>")]
    pub status: Status,
    /// Hosts with it.
    pub hosts: i64,
}

/// One organisation's trend: the days snapshots were taken, and its counts on them. A day listed
/// without rows is a day its subtree had no hosts; a day not listed is a gap (no snapshot).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Trend {
    /// Days with a snapshot, oldest first.
    pub days: Vec<String>,
    /// Counts, by day, then part, then status (most urgent first); zero counts are left out.
    pub rows: Vec<TrendRow>,
}

/// What one snapshot wrote.
#[derive(Clone, Debug, Serialize)]
pub struct SnapshotReport {
    /// The day it is of.
    pub day: String,
    /// Hosts counted.
    pub hosts: i64,
    /// Organisations with at least one host in their subtree.
    pub organisations: usize,
    /// Count rows written for the day.
    pub rows: usize,
    /// Rows (counts and days) older than [`KEEP_MONTHS`] deleted.
    pub pruned: u64,
}

/// Hosts of one combination of worst statuses on the sites of one organisation (its own, not
/// below): what a day's counts are rolled up from. Public so that a day can be recorded from a mix
/// other than today's estate (the demo's synthetic past days, `crate::demo`).
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct StatusMix {
    /// The organisation's path: the ids from the root down, `/`-separated.
    pub path: String,
    /// The hosts' worst status overall.
    #[sqlx(try_from = "ByName<Status>")]
    pub status: Status,
    /// Their worst about the operating system (`None`: nothing judged about it).
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub os_status: Option<Status>,
    /// Their worst about software.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub software_status: Option<Status>,
    /// Their worst about hardware.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub hardware_status: Option<Status>,
    /// How many hosts.
    pub hosts: i64,
}

/// The counts of today's estate, per organisation: hosts by part (in [`Part::ALL`] order) and
/// status (in [`Status::ALL`] order).
type Counts = BTreeMap<String, [[i64; Status::ALL.len()]; Part::ALL.len()]>;

/// The one grouped query (module documentation).
const COUNT_SQL: &str = "\
SELECT o.path AS path, c.status AS status, c.os_status AS os_status, \
       c.software_status AS software_status, c.hardware_status AS hardware_status, \
       CAST(SUM(c.n) AS BIGINT) AS hosts \
FROM (SELECT h.site_id AS site_id, h.status AS status, h.os_status AS os_status, \
             h.software_status AS software_status, h.hardware_status AS hardware_status, \
             COUNT(*) AS n \
      FROM hosts h \
      GROUP BY h.site_id, h.status, h.os_status, h.software_status, h.hardware_status) c \
JOIN sites s ON s.id = c.site_id \
JOIN organisations o ON o.id = s.org_id \
GROUP BY o.path, c.status, c.os_status, c.software_status, c.hardware_status";

fn status_index(status: Status) -> usize {
    Status::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default()
}

/// Today's estate as a mix of status combinations per organisation (the one grouped query). Read
/// on a read-only connection (under WAL, SQLite's readers do not hold up reports while the query
/// runs); the write that follows is short.
pub async fn status_mix(db: &Db) -> Result<Vec<StatusMix>> {
    sqlx::query_as(COUNT_SQL).fetch_all(db.reader()).await
}

/// The counts of every organisation in `mix`, rolled up over its subtree, and the hosts in all. A
/// host with no finding about a part has no status there and is counted in `overall` only.
fn roll_up(mix: &[StatusMix]) -> (Counts, i64) {
    let mut counts = Counts::new();
    let mut hosts = 0;
    for c in mix {
        hosts += c.hosts;
        let parts = [
            Some(c.status),
            c.os_status,
            c.software_status,
            c.hardware_status,
        ];
        // The organisation and each above it: the ids of its path.
        for org in c.path.split('/').filter(|id| !id.is_empty()) {
            let by_part = match counts.get_mut(org) {
                Some(by_part) => by_part,
                None => counts.entry(org.to_string()).or_default(),
            };
            for (part, status) in parts.iter().enumerate() {
                if let Some(status) = status {
                    by_part[part][status_index(*status)] += c.hosts;
                }
            }
        }
    }
    (counts, hosts)
}

/// Takes the snapshot of `day` (the collector's today), replacing any taken earlier that day, and
/// prunes what is older than [`KEEP_MONTHS`], all in one transaction. Callers serialise it across
/// collectors with [`crate::db::Job::Trend`].
pub async fn take_snapshot(db: &Db, day: NaiveDate, now: DateTime<Utc>) -> Result<SnapshotReport> {
    record_day(db, day, now, &status_mix(db).await?).await
}

/// Records `day`'s counts rolled up from `mix` — [`take_snapshot`] hands it today's estate —
/// replacing any rows of that day, with `now` as the time it was taken, and prunes what is older
/// than [`KEEP_MONTHS`] before `day`, all in one transaction.
pub async fn record_day(
    db: &Db,
    day: NaiveDate,
    now: DateTime<Utc>,
    mix: &[StatusMix],
) -> Result<SnapshotReport> {
    let (counts, hosts) = roll_up(mix);
    let day_text = day.to_string();
    let rows: Vec<(&str, Part, Status, i64)> = counts
        .iter()
        .flat_map(|(org, by_part)| {
            Part::ALL
                .iter()
                .zip(by_part)
                .flat_map(move |(part, by_status)| {
                    Status::ALL
                        .iter()
                        .zip(by_status)
                        .filter(|(_, n)| **n > 0)
                        .map(move |(status, n)| (org.as_str(), *part, *status, *n))
                })
        })
        .collect();
    let cutoff = day
        .checked_sub_months(Months::new(KEEP_MONTHS))
        .unwrap_or(NaiveDate::MIN)
        .to_string();
    let pruned = db
        .write(async |tx| {
            sqlx::query("DELETE FROM trend_counts WHERE day = $1")
                .bind(day_text.clone())
                .execute(&mut *tx)
                .await?;
            for chunk in rows.chunks(INSERT_CHUNK) {
                insert(tx, &day_text, chunk).await?;
            }
            sqlx::query(
                "INSERT INTO trend_days (day, taken_at) VALUES ($1, $2) \
                 ON CONFLICT (day) DO UPDATE SET taken_at = excluded.taken_at",
            )
            .bind(day_text.clone())
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let mut pruned = 0;
            for sql in [
                "DELETE FROM trend_counts WHERE day < $1",
                "DELETE FROM trend_days WHERE day < $1",
            ] {
                pruned += sqlx::query(sql)
                    .bind(cutoff.clone())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            Ok(pruned)
        })
        .await?;
    Ok(SnapshotReport {
        day: day_text,
        hosts,
        organisations: counts.len(),
        rows: rows.len(),
        pruned,
    })
}

/// One multi-row INSERT of a day's counts.
async fn insert(tx: &mut WriteTx<'_>, day: &str, rows: &[(&str, Part, Status, i64)]) -> Result<()> {
    let mut sql = Builder::new("INSERT INTO trend_counts (org_id, day, part, status, hosts) ");
    sql.push_values(rows, |mut values, (org, part, status, n)| {
        values
            .push_bind(org.to_string())
            .push_bind(day.to_string())
            .push_bind(part.as_str())
            .push_bind(status.as_str())
            .push_bind(*n);
    });
    Statement::new(sql).execute(&mut *tx).await?;
    Ok(())
}

/// Whether the snapshot of `day` has been taken (by this collector or another).
pub async fn snapshot_taken(db: &Db, day: NaiveDate) -> Result<bool> {
    let found = sqlx::query("SELECT 1 AS x FROM trend_days WHERE day = $1")
        .bind(day.to_string())
        .fetch_optional(db.reader())
        .await?;
    Ok(found.is_some())
}

/// The trend of `scope`'s organisation (its whole subtree, as counted each day) from `since` on,
/// of one part or of all.
pub async fn trend(db: &Db, scope: &Scope, since: NaiveDate, part: Option<Part>) -> Result<Trend> {
    let since = since.to_string();
    let days: Vec<String> =
        sqlx::query_scalar("SELECT day FROM trend_days WHERE day >= $1 ORDER BY day")
            .bind(since.clone())
            .fetch_all(db.reader())
            .await?;
    let mut sql = Builder::new(
        "SELECT t.day, t.org_id, t.part, t.status, t.hosts FROM trend_counts t WHERE t.org_id = ",
    );
    sql.push_bind(scope.org_id().to_string())
        .push(" AND t.day >= ")
        .push_bind(since);
    if let Some(part) = part {
        sql.push(" AND t.part = ").push_bind(part.as_str());
    }
    let mut rows: Vec<TrendRow> = Statement::new(sql).fetch_all(db.reader()).await?;
    rows.sort_by(|a, b| (&a.day, a.part, a.status).cmp(&(&b.day, b.part, b.status)));
    Ok(Trend { days, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_read_back_by_the_name_they_are_stored_by() {
        for part in Part::ALL {
            assert_eq!(part.as_str().parse::<Part>().ok(), Some(part));
            assert_eq!(
                serde_json::to_value(part).ok(),
                Some(serde_json::json!(part.as_str()))
            );
        }
        assert!("all".parse::<Part>().is_err());
        for target in Target::ALL {
            assert_eq!(Part::of(target).as_str(), target.as_str());
        }
    }
}
