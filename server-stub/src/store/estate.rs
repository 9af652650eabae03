//! The estate at a glance: hosts by status and site, the unsupported ones split by the risk
//! register (`acceptance`), unsupported items. (What loses support when is `forecast`'s.)

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::FromRow;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::Result;
use super::acceptance::{UnsupportedHosts, acceptance_by_site};
use super::selection::Selection;
use super::sql::{Builder, Statement};
use crate::db::Db;

/// The estate at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by worst status, most urgent first.
    pub by_status: Vec<(Status, i64)>,
    /// The `unsupported` hosts of `by_status`, split by the risk register: the headline.
    pub unsupported: UnsupportedHosts,
    /// Hosts with an unsupported OS.
    pub hosts_unsupported_os: i64,
    /// Hosts with unsupported software.
    pub hosts_unsupported_software: i64,
    /// Hosts with unsupported hardware.
    pub hosts_unsupported_hardware: i64,
    /// Unsupported findings by target.
    pub unsupported_items: Vec<(Target, i64)>,
    /// Per site: hosts by status.
    pub by_site: Vec<SiteSummary>,
    /// Hosts not seen for the stale period.
    pub stale_hosts: i64,
    /// Risk records in force (of the selection's hosts).
    pub risks_accepted: i64,
}

/// One site's hosts by status.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteSummary {
    /// Site name.
    pub site: String,
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by status, most urgent first.
    pub by_status: Vec<(Status, i64)>,
    /// Its `unsupported` hosts, split by the risk register.
    pub unsupported: UnsupportedHosts,
}

/// One site's hosts of one status, with how many of them are unsupported in each part and stale.
#[derive(FromRow)]
struct SiteStatusCount {
    site: String,
    #[sqlx(try_from = "super::ByName<Status>")]
    status: Status,
    n: i64,
    os_n: i64,
    sw_n: i64,
    hw_n: i64,
    stale_n: i64,
}

/// Unsupported findings of a part.
#[derive(FromRow)]
struct TargetCount {
    #[sqlx(try_from = "super::ByName<Target>")]
    target: Target,
    n: i64,
}

/// The selection's unsupported findings by part.
///
/// Unfiltered, the count is answered from the (status, target) index alone. Narrowed (an
/// organisation's subtree, a site, a filter), the selected hosts come first, by `CROSS JOIN`, and
/// each one's unsupported findings from the partial index `findings_unsupported` (migration 16;
/// the status is written, not bound, for SQLite to use it): led by the status index instead,
/// SQLite read every unsupported finding of the estate and looked up its host, 3.3 s for a PCN of
/// 10,000 hosts out of 100,000 (37 s for the ICB above it). A subtree with more of the sites than
/// the rest of the estate (an ICB's users on that ICB's collector) is counted the other way round,
/// in the same statement: the estate's count less that of the hosts outside it, so the ICB's
/// page costs what the estate's does. Which way is only a matter of speed: both give the subtree's
/// count, whatever sites are added meanwhile.
async fn unsupported_items(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
) -> Result<Vec<TargetCount>> {
    const ESTATE: &str = "SELECT f.target AS target, COUNT(*) AS n FROM findings f WHERE f.status = 'unsupported' \
         GROUP BY f.target";
    if !selection.narrows_hosts() {
        let sql = Builder::new(format!("{ESTATE} ORDER BY f.target"));
        return Statement::new(sql).fetch_all(db.reader()).await;
    }
    let scope = selection.scope();
    if *selection == Selection::new(scope.clone()) {
        let mut balance = Builder::new("SELECT CAST(COALESCE(SUM(CASE WHEN o.path LIKE ");
        balance.push_bind(scope.path_pattern()).push(
            " THEN 1 ELSE -1 END), 0) AS BIGINT) FROM sites s JOIN organisations o ON o.id = s.org_id",
        );
        if Statement::new(balance).fetch_scalar(db.reader()).await? > 0 {
            let mut sql = Builder::new(format!(
                "SELECT x.target AS target, CAST(SUM(x.n) AS BIGINT) AS n FROM ({ESTATE} UNION ALL \
                 SELECT f.target AS target, -COUNT(*) AS n FROM hosts h CROSS JOIN findings f \
                 WHERE f.host_id = h.host_id AND f.status = 'unsupported' AND h.site_id NOT IN \
                 (SELECT sc.id FROM sites sc JOIN organisations oc ON oc.id = sc.org_id WHERE oc.path LIKE "
            ));
            sql.push_bind(scope.path_pattern()).push(
                ") GROUP BY f.target) x GROUP BY x.target HAVING SUM(x.n) <> 0 ORDER BY x.target",
            );
            return Statement::new(sql).fetch_all(db.reader()).await;
        }
    }
    let mut sql = Builder::new(
        "SELECT f.target AS target, COUNT(*) AS n FROM hosts h CROSS JOIN findings f \
         JOIN sites s ON s.id = h.site_id WHERE f.host_id = h.host_id AND f.status = 'unsupported'",
    );
    selection.push_host_clauses(&mut sql, stale_cutoff);
    sql.push(" GROUP BY f.target ORDER BY f.target");
    Statement::new(sql).fetch_all(db.reader()).await
}

/// Summary of the hosts in a selection.
pub async fn summary(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    today: NaiveDate,
) -> Result<Summary> {
    let unsupported = Status::Unsupported.as_str();
    let mut sql = Builder::new("SELECT s.name AS site, h.status AS status, COUNT(*) AS n");
    for (column, name) in [
        ("h.os_status", "os_n"),
        ("h.software_status", "sw_n"),
        ("h.hardware_status", "hw_n"),
    ] {
        sql.push(format!(", CAST(SUM(CASE WHEN {column} = "))
            .push_bind(unsupported)
            .push(format!(" THEN 1 ELSE 0 END) AS BIGINT) AS {name}"));
    }
    sql.push(", CAST(SUM(CASE WHEN h.last_seen_at < ")
        .push_bind(stale_cutoff.to_string())
        .push(" THEN 1 ELSE 0 END) AS BIGINT) AS stale_n FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1");
    selection.push_host_clauses(&mut sql, stale_cutoff);
    sql.push(" GROUP BY s.name, h.status ORDER BY s.name");

    let mut risks = Builder::new("SELECT COUNT(*) FROM risks r WHERE r.review_date >= ");
    risks.push_bind(today.to_string());
    // Each record's host is checked (`EXISTS`), rather than the selection's hosts listed first
    // (`IN`): 150 ms for an ICB's 100,000 hosts when the register is empty.
    if selection.narrows_hosts() {
        risks.push(
            " AND EXISTS (SELECT 1 FROM hosts h JOIN sites s ON s.id = h.site_id WHERE h.host_id = r.host_id",
        );
        selection.push_host_clauses(&mut risks, stale_cutoff);
        risks.push(")");
    }
    // The split reads only hosts with a risk record: it runs beside the roll-up, not after it;
    // so do the items' and the risk records' counts (each on its own connection).
    let (rows, acceptance, items, risks_accepted): (Vec<SiteStatusCount>, _, Vec<TargetCount>, _) =
        tokio::try_join!(
            Statement::new(sql).fetch_all(db.reader()),
            acceptance_by_site(db.reader(), selection, stale_cutoff, today),
            unsupported_items(db, selection, stale_cutoff),
            Statement::new(risks).fetch_scalar(db.reader()),
        )?;
    let mut out = Summary::default();
    let mut by_status: BTreeMap<Status, i64> = BTreeMap::new();
    for SiteStatusCount {
        site,
        status,
        n,
        os_n,
        sw_n,
        hw_n,
        stale_n,
    } in rows
    {
        out.hosts += n;
        out.hosts_unsupported_os += os_n;
        out.hosts_unsupported_software += sw_n;
        out.hosts_unsupported_hardware += hw_n;
        out.stale_hosts += stale_n;
        *by_status.entry(status).or_default() += n;
        if out.by_site.last().is_none_or(|s| s.site != site) {
            out.by_site.push(SiteSummary {
                site,
                ..SiteSummary::default()
            });
        }
        if let Some(entry) = out.by_site.last_mut() {
            entry.hosts += n;
            entry.by_status.push((status, n));
            if status == Status::Unsupported {
                entry.unsupported = UnsupportedHosts::split(n, acceptance.get(&entry.site));
                out.unsupported.add(&entry.unsupported);
            }
        }
    }
    out.by_status = by_status.into_iter().collect();
    for site in &mut out.by_site {
        site.by_status.sort();
    }

    out.unsupported_items = items.into_iter().map(|c| (c.target, c.n)).collect();
    out.risks_accepted = risks_accepted;
    Ok(out)
}
