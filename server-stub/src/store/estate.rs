//! The estate at a glance: hosts by status and site, unsupported items, the 24-month forecast.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Result;
use super::filter::Filter;
use super::sql::{Arg, Sql, int, text};
use crate::db::Db;

/// The estate at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by worst status.
    pub by_status: Vec<(String, i64)>,
    /// Hosts with an unsupported OS.
    pub hosts_unsupported_os: i64,
    /// Hosts with unsupported software.
    pub hosts_unsupported_software: i64,
    /// Hosts with unsupported hardware.
    pub hosts_unsupported_hardware: i64,
    /// Unsupported findings by target (`os`, `software`, `hardware`).
    pub unsupported_items: Vec<(String, i64)>,
    /// Per site: hosts by status.
    pub by_site: Vec<SiteSummary>,
    /// Hosts not seen for the stale period.
    pub stale_hosts: i64,
    /// Hosts (not yet unsupported) becoming unsupported, by month (`YYYY-MM`), next 24 months.
    pub forecast: Vec<(String, i64)>,
    /// Risk records in force.
    pub risks_accepted: i64,
}

/// One site's hosts by status.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteSummary {
    /// Site name.
    pub site: String,
    /// Hosts in all.
    pub hosts: i64,
    /// Hosts by status.
    pub by_status: Vec<(String, i64)>,
}

/// Summary of hosts matching a filter.
pub async fn summary(
    db: &Db,
    filter: &Filter,
    stale_cutoff: &str,
    today: NaiveDate,
) -> Result<Summary> {
    let mut sql = Sql::new(
        "SELECT s.name AS site, h.status AS status, COUNT(*) AS n, \
         CAST(SUM(CASE WHEN h.os_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS os_n, \
         CAST(SUM(CASE WHEN h.software_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS sw_n, \
         CAST(SUM(CASE WHEN h.hardware_status = 'unsupported' THEN 1 ELSE 0 END) AS BIGINT) AS hw_n, \
         CAST(SUM(CASE WHEN h.last_seen_at < ? THEN 1 ELSE 0 END) AS BIGINT) AS stale_n \
         FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
    );
    sql.args.push(Arg::Text(stale_cutoff.to_string()));
    sql.text = sql.text.replacen('?', "$1", 1);
    filter.host_clauses(&mut sql, stale_cutoff);
    sql.text
        .push_str(" GROUP BY s.name, h.status ORDER BY s.name");
    let rows = sql.query().fetch_all(db.reader()).await?;
    let mut out = Summary::default();
    let mut by_status: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        let site = text(r, "site");
        let status = text(r, "status");
        let n = int(r, "n");
        out.hosts += n;
        out.hosts_unsupported_os += int(r, "os_n");
        out.hosts_unsupported_software += int(r, "sw_n");
        out.hosts_unsupported_hardware += int(r, "hw_n");
        out.stale_hosts += int(r, "stale_n");
        *by_status.entry(status.clone()).or_default() += n;
        if out.by_site.last().is_none_or(|s| s.site != site) {
            out.by_site.push(SiteSummary {
                site: site.clone(),
                ..SiteSummary::default()
            });
        }
        if let Some(entry) = out.by_site.last_mut() {
            entry.hosts += n;
            entry.by_status.push((status, n));
        }
    }
    out.by_status = sorted_statuses(by_status);
    for site in &mut out.by_site {
        site.by_status = sorted_statuses(site.by_status.drain(..).collect());
    }

    // Unfiltered, the count is answered from the (status, target) index alone.
    let mut items = if filter.narrows_hosts() {
        let mut sql = Sql::new(
            "SELECT f.target AS target, COUNT(*) AS n FROM findings f JOIN hosts h ON h.host_id = f.host_id \
             JOIN sites s ON s.id = h.site_id WHERE f.status = 'unsupported'",
        );
        filter.host_clauses(&mut sql, stale_cutoff);
        sql
    } else {
        Sql::new(
            "SELECT f.target AS target, COUNT(*) AS n FROM findings f WHERE f.status = 'unsupported'",
        )
    };
    items.text.push_str(" GROUP BY f.target ORDER BY f.target");
    out.unsupported_items = items
        .query()
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| (text(r, "target"), int(r, "n")))
        .collect();

    let first_month = today.with_day0(0).unwrap_or(today);
    let horizon = first_month
        .checked_add_months(chrono::Months::new(24))
        .unwrap_or(today);
    let mut forecast = Sql::new(
        "SELECT SUBSTR(h.next_unsupported_on, 1, 7) AS month, COUNT(*) AS n FROM hosts h \
         JOIN sites s ON s.id = h.site_id WHERE h.status <> 'unsupported'",
    );
    forecast.push(
        " AND h.next_unsupported_on > ? AND h.next_unsupported_on < ?",
        [Arg::Text(today.to_string()), Arg::Text(horizon.to_string())],
    );
    filter.host_clauses(&mut forecast, stale_cutoff);
    forecast
        .text
        .push_str(" GROUP BY SUBSTR(h.next_unsupported_on, 1, 7) ORDER BY month");
    let counts: HashMap<String, i64> = forecast
        .query()
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| (text(r, "month"), int(r, "n")))
        .collect();
    let mut month = first_month;
    for _ in 0..24 {
        let key = month.format("%Y-%m").to_string();
        out.forecast
            .push((key.clone(), counts.get(&key).copied().unwrap_or(0)));
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(month);
    }

    let risks = sqlx::query("SELECT COUNT(*) AS n FROM risks WHERE review_date >= $1")
        .bind(today.to_string())
        .fetch_one(db.reader())
        .await?;
    out.risks_accepted = int(&risks, "n");
    Ok(out)
}

fn sorted_statuses(counts: HashMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = counts.into_iter().collect();
    v.sort_by_key(|(s, _)| (crate::verdict::status_rank(s), s.clone()));
    v
}
