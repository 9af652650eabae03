//! The forecast: for each of the next 24 months, how many hosts lose support for each product
//! release, and which releases end in the next 12 months, on how many hosts and at which sites.
//!
//! It is counted per release, not per host: a host whose browser is already unsupported still
//! loses Windows 10 when Windows 10 ends, and that is the cliff a plan has to see. (A count of hosts
//! by the first day anything on them ends hid it: such a host had dropped out long before.) A host
//! counts once per release, in the month that release's support ends for it — the end of its
//! extended window when it is in one with cover (`extended`), or of the cover itself when that
//! ends first (a year-2 Windows 10 ESU licence: 2027-10-13; the stored `extended_support_end` is
//! already the host's own, `verdict::extended_end`), the end of security support
//! otherwise (a paid window without cover is no support: see `sunset_catalog::judge`). Items already
//! unsupported have nothing left to lose and are not counted.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::Result;
use super::selection::Selection;
use super::sql::{Builder, Statement};
use crate::db::Db;

/// Months the forecast looks ahead, the current one first.
pub const FORECAST_MONTHS: u32 = 24;
/// How far ahead "what ends next" looks, in months from today.
pub const ENDING_NEXT_MONTHS: u32 = 12;

/// A product release, as findings name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Release {
    /// Which part of a host it is.
    pub target: Target,
    /// Catalogue product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Release cycle, when the version mapped to one.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
}

impl Release {
    /// How people call it: the release's label, else the product and cycle.
    pub fn label(&self) -> String {
        match (&self.cycle_label, &self.cycle) {
            (Some(label), _) => label.clone(),
            (None, Some(cycle)) => format!("{} {cycle}", self.product_name),
            (None, None) => self.product_name.clone(),
        }
    }
}

/// One release's hosts losing support, month by month.
#[derive(Clone, Debug, Serialize)]
pub struct ReleaseForecast {
    /// The release.
    #[serde(flatten)]
    pub release: Release,
    /// Hosts losing support for it in each month of [`Forecast::months`].
    pub hosts: Vec<i64>,
    /// Their sum.
    pub total: i64,
}

/// A site's hosts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteCount {
    /// Site name.
    pub site: String,
    /// Hosts.
    pub hosts: i64,
}

/// A release whose support ends soon for some hosts.
#[derive(Clone, Debug, Serialize)]
pub struct EndingRelease {
    /// The release.
    #[serde(flatten)]
    pub release: Release,
    /// The last day of support.
    pub ends_on: NaiveDate,
    /// Hosts that lose it then.
    pub hosts: i64,
    /// The sites they are at, most hosts first.
    pub sites: Vec<SiteCount>,
}

/// The forecast of a selection.
#[derive(Clone, Debug, Serialize)]
pub struct Forecast {
    /// The day it was made for.
    pub today: NaiveDate,
    /// The months it covers (`YYYY-MM`), the current one first.
    pub months: Vec<String>,
    /// Every release losing support on some host within them, most hosts first.
    pub releases: Vec<ReleaseForecast>,
    /// Releases whose support ends within [`ENDING_NEXT_MONTHS`] of today, soonest first.
    pub ending_next: Vec<EndingRelease>,
}

/// One release in one month, as exported (the CSV's columns are these fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastRow {
    /// `YYYY-MM`.
    pub month: String,
    /// Which part of a host it is.
    pub target: Target,
    /// Catalogue product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Hosts losing support for the release in that month.
    pub hosts: i64,
}

impl Forecast {
    /// Every (month, release) with hosts, month by month, most hosts first within a month.
    pub fn rows(&self) -> Vec<ForecastRow> {
        let mut out = Vec::new();
        for (i, month) in self.months.iter().enumerate() {
            let start = out.len();
            for r in &self.releases {
                let hosts = r.hosts.get(i).copied().unwrap_or(0);
                if hosts > 0 {
                    let release = r.release.clone();
                    out.push(ForecastRow {
                        month: month.clone(),
                        target: release.target,
                        product_id: release.product_id,
                        product_name: release.product_name,
                        cycle: release.cycle,
                        cycle_label: release.cycle_label,
                        hosts,
                    });
                }
            }
            out[start..].sort_by_key(|r| Reverse(r.hosts));
        }
        out
    }

    /// Per month, hosts losing support summed over releases (a host losing two releases in a
    /// month counts twice: it is two pieces of work).
    pub fn month_totals(&self) -> Vec<i64> {
        (0..self.months.len())
            .map(|i| self.releases.iter().map(|r| r.hosts[i]).sum())
            .collect()
    }
}

/// Hosts losing one release on one day, at one site when the query asks by site (a query row).
#[derive(FromRow)]
struct Ending {
    #[sqlx(try_from = "super::ByName<Target>")]
    target: Target,
    product_id: String,
    cycle: Option<String>,
    ends_on: String,
    #[sqlx(default)]
    site: Option<String>,
    hosts: i64,
}

/// A release's names, as its findings carry them.
#[derive(FromRow)]
struct Names {
    product_name: String,
    cycle_label: Option<String>,
}

/// The first day of `day`'s month.
fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Months from `first` (a first of the month) to the month of `day`.
fn months_between(first: NaiveDate, day: NaiveDate) -> i64 {
    i64::from(day.year() - first.year()) * 12 + i64::from(day.month()) - i64::from(first.month())
}

/// Statuses whose items keep support to the end of security support (`extended` ones keep it to
/// the end of their extended window).
const TO_SECURITY_END: [Status; 3] = [Status::Supported, Status::Expiring, Status::Unknown];

/// `f.status <> 'unsupported'`, word for word the predicate of the partial index
/// `findings_forecast` (migration 9): SQLite uses a partial index only for a query whose WHERE
/// holds the index's own terms, and cannot see through a bound value. The name is the
/// catalogue's constant, never a request's.
fn not_unsupported() -> String {
    format!("f.status <> '{}'", Status::Unsupported.as_str())
}

/// Per release and last day of support in `[from, to)`, the hosts in `selection` that lose it
/// (per site too, `by_site`). Two branches, one per kind of end, each a range of the index
/// `findings_forecast`, narrowed by one set of the selection's host ids; hosts and sites are
/// joined only to name sites. (Joining each finding to its host to filter took SQLite 0.56 s for
/// a PCN of 10,000 hosts among 100,000, one host look-up per finding of the estate; the set of
/// ids, 0.04 s.)
fn ending_between(
    selection: &Selection,
    stale_cutoff: &str,
    (from, to): (NaiveDate, NaiveDate),
    by_site: bool,
) -> Builder {
    // The product is the findings' own column; every other filter is a host's.
    let mut host_filters = selection.clone();
    host_filters.product = None;
    let narrowed = host_filters.narrows_hosts();
    let mut sql = Builder::new(
        "SELECT e.target, e.product_id, e.cycle, e.ends_on, COUNT(DISTINCT e.host_id) AS hosts",
    );
    if by_site {
        sql.push(", s.name AS site");
    }
    sql.push(" FROM (");
    for (i, end) in ["security_support_end", "extended_support_end"]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(format!(
            "SELECT f.target, f.product_id, f.cycle, f.host_id, f.{end} AS ends_on FROM findings f \
             WHERE {} AND f.status",
            not_unsupported()
        ));
        if i == 0 {
            sql.push(" IN (");
            let mut statuses = sql.separated(", ");
            for status in TO_SECURITY_END {
                statuses.push_bind(status.as_str());
            }
            sql.push(")");
        } else {
            sql.push(" = ").push_bind(Status::Extended.as_str());
        }
        // `ended` never falls in the range: it sorts after every date.
        sql.push(format!(" AND f.{end} >= "))
            .push_bind(from.to_string())
            .push(format!(" AND f.{end} < "))
            .push_bind(to.to_string());
        if let Some(product) = &selection.product {
            sql.push(" AND f.product_id = ").push_bind(product.clone());
        }
        if let Some(target) = selection.target {
            sql.push(" AND f.target = ").push_bind(target.as_str());
        }
        if narrowed {
            sql.push(
                " AND f.host_id IN (SELECT h.host_id FROM hosts h \
                 JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
            );
            selection.push_host_only_clauses(&mut sql, stale_cutoff);
            if let Some(status) = selection.status {
                sql.push(" AND h.status = ").push_bind(status.as_str());
            }
            sql.push(")");
        }
    }
    sql.push(") e");
    if by_site {
        sql.push(" JOIN hosts h ON h.host_id = e.host_id JOIN sites s ON s.id = h.site_id");
    }
    sql.push(" GROUP BY e.target, e.product_id, e.cycle, e.ends_on");
    if by_site {
        sql.push(", s.name");
    }
    sql
}

/// The names of release `product_id`/`cycle`, from one of its findings (index `findings_product`):
/// the catalogue's names, the same on every host. Should the release's last finding have gone
/// since it was counted (a report replaced it), the product id stands in for its name.
async fn names(db: &Db, product_id: &str, cycle: Option<&str>) -> Result<Names> {
    let mut sql =
        Builder::new("SELECT f.product_name, f.cycle_label FROM findings f WHERE f.product_id = ");
    sql.push_bind(product_id.to_string());
    match cycle {
        Some(cycle) => sql.push(" AND f.cycle = ").push_bind(cycle.to_string()),
        None => sql.push(" AND f.cycle IS NULL"),
    };
    sql.push(" LIMIT 1");
    let found: Option<Names> = Statement::new(sql).fetch_all(db.reader()).await?.pop();
    Ok(found.unwrap_or_else(|| Names {
        product_name: product_id.to_string(),
        cycle_label: None,
    }))
}

/// The forecast of the hosts in `selection` from `today`. The selection's status is the host's
/// worst (hosts already unsupported are where the next cliffs matter most), its product and target
/// narrow the releases.
///
/// The next [`ENDING_NEXT_MONTHS`] are read with their sites and the rest of the
/// [`FORECAST_MONTHS`] without, at once on two connections: a host loses a release on one day, so
/// it is counted in exactly one of them.
pub async fn forecast(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    today: NaiveDate,
) -> Result<Forecast> {
    let first = month_of(today);
    let horizon = first
        .checked_add_months(Months::new(FORECAST_MONTHS))
        .unwrap_or(today);
    let soon = today
        .checked_add_months(Months::new(ENDING_NEXT_MONTHS))
        .unwrap_or(today)
        .min(horizon);
    let near = ending_between(selection, stale_cutoff, (today, soon), true);
    let far = ending_between(selection, stale_cutoff, (soon, horizon), false);
    let (near, far): (Vec<Ending>, Vec<Ending>) = tokio::try_join!(
        Statement::new(near).fetch_all(db.reader()),
        Statement::new(far).fetch_all(db.reader()),
    )?;
    let mut releases: BTreeMap<(String, Option<String>), Release> = BTreeMap::new();
    for row in near.iter().chain(&far) {
        if let Entry::Vacant(entry) = releases.entry((row.product_id.clone(), row.cycle.clone())) {
            let Names {
                product_name,
                cycle_label,
            } = names(db, &row.product_id, row.cycle.as_deref()).await?;
            entry.insert(Release {
                target: row.target,
                product_id: row.product_id.clone(),
                product_name,
                cycle: row.cycle.clone(),
                cycle_label,
            });
        }
    }
    assemble(near.into_iter().chain(far), &releases, today)
}

/// Months and release series, and what ends next (the rows with a site), from the query's rows.
fn assemble(
    rows: impl IntoIterator<Item = Ending>,
    releases: &BTreeMap<(String, Option<String>), Release>,
    today: NaiveDate,
) -> Result<Forecast> {
    let first = month_of(today);
    let months: Vec<String> = (0..FORECAST_MONTHS)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .map(|m| m.format("%Y-%m").to_string())
        .collect();
    let mut series: BTreeMap<&(String, Option<String>), ReleaseForecast> = BTreeMap::new();
    let mut ending: BTreeMap<(NaiveDate, &(String, Option<String>)), EndingRelease> =
        BTreeMap::new();
    for row in rows {
        let ends_on: NaiveDate = row
            .ends_on
            .parse()
            .map_err(|e| sqlx::Error::Decode(format!("ends_on {:?}: {e}", row.ends_on).into()))?;
        let Some((key, release)) = releases.get_key_value(&(row.product_id, row.cycle)) else {
            continue;
        };
        let Some(month) = usize::try_from(months_between(first, ends_on))
            .ok()
            .filter(|m| *m < months.len())
        else {
            continue;
        };
        let entry = series.entry(key).or_insert_with(|| ReleaseForecast {
            release: release.clone(),
            hosts: vec![0; months.len()],
            total: 0,
        });
        entry.hosts[month] += row.hosts;
        entry.total += row.hosts;
        if let Some(site) = row.site {
            let entry = ending
                .entry((ends_on, key))
                .or_insert_with(|| EndingRelease {
                    release: release.clone(),
                    ends_on,
                    hosts: 0,
                    sites: Vec::new(),
                });
            entry.hosts += row.hosts;
            entry.sites.push(SiteCount {
                site,
                hosts: row.hosts,
            });
        }
    }
    let mut releases: Vec<ReleaseForecast> = series.into_values().collect();
    releases.sort_by_key(|r| Reverse(r.total));
    let mut ending_next: Vec<EndingRelease> = ending.into_values().collect();
    for e in &mut ending_next {
        e.sites
            .sort_by(|a, b| b.hosts.cmp(&a.hosts).then_with(|| a.site.cmp(&b.site)));
    }
    Ok(Forecast {
        today,
        months,
        releases,
        ending_next,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// `hosts` losing `product` `cycle` on `ends_on`, at `site` (a row of the next 12 months).
    fn ending(product: &str, cycle: &str, ends_on: &str, site: Option<&str>, hosts: i64) -> Ending {
        Ending {
            target: Target::Software,
            product_id: product.to_string(),
            cycle: Some(cycle.to_string()),
            ends_on: ends_on.to_string(),
            site: site.map(str::to_string),
            hosts,
        }
    }

    fn releases(rows: &[Ending]) -> BTreeMap<(String, Option<String>), Release> {
        rows.iter()
            .map(|r| {
                let release = Release {
                    target: r.target,
                    product_id: r.product_id.clone(),
                    product_name: r.product_id.to_uppercase(),
                    cycle: r.cycle.clone(),
                    cycle_label: None,
                };
                ((r.product_id.clone(), r.cycle.clone()), release)
            })
            .collect()
    }

    #[test]
    fn releases_are_counted_by_month_and_sites_by_release() {
        let rows = vec![
            ending("windows", "10", "2025-10-14", Some("B"), 2),
            ending("windows", "10", "2025-10-14", Some("A"), 3),
            ending("chrome", "126", "2025-10-01", Some("A"), 1),
            ending("python", "3.12", "2026-04-30", None, 4),
            ending("python", "3.12", "2027-02-28", None, 9),
        ];
        let names = releases(&rows);
        let forecast = assemble(rows, &names, day("2025-03-15")).unwrap();
        assert_eq!(forecast.months.len(), 24);
        assert_eq!(forecast.months[0], "2025-03");
        assert_eq!(forecast.months[23], "2027-02");
        let python = &forecast.releases[0];
        assert_eq!(
            (python.release.product_id.as_str(), python.total),
            ("python", 13)
        );
        assert_eq!((python.hosts[13], python.hosts[23]), (4, 9));
        assert_eq!(python.release.label(), "PYTHON 3.12");
        assert_eq!(forecast.releases[1].hosts[7], 5);
        assert_eq!(forecast.month_totals()[7], 6);
        // What ends next is what was read with sites: Chrome, then Windows (both sites).
        let next: Vec<(&str, i64)> = forecast
            .ending_next
            .iter()
            .map(|e| (e.release.product_id.as_str(), e.hosts))
            .collect();
        assert_eq!(next, [("chrome", 1), ("windows", 5)]);
        let sites: Vec<&str> = forecast.ending_next[1]
            .sites
            .iter()
            .map(|s| s.site.as_str())
            .collect();
        assert_eq!(sites, ["A", "B"]);
        let rows = forecast.rows();
        assert_eq!(rows.iter().map(|r| r.hosts).sum::<i64>(), 19);
        assert_eq!(rows[0].month, "2025-10");
        assert_eq!(rows[0].product_id, "windows");
    }

    #[test]
    fn a_date_that_does_not_read_is_an_error() {
        let rows = vec![ending("windows", "10", "soon", Some("A"), 1)];
        let names = releases(&rows);
        assert!(assemble(rows, &names, day("2025-03-15")).is_err());
    }
}
