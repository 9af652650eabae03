//! The evidence pack's sections and their rows: one serde row type per CSV file (the header is its
//! field names, `crate::csv`), built from the store's rows; how the risk register reads for an
//! item; and the running totals the items add to the totals by site and by product.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sunset_catalog::catalog::{DateSource, Target};
use sunset_catalog::evaluate::Status;
use sunset_catalog::inventory::Fact;
use sunset_catalog::patch::{PatchLevel, PatchState};

use super::super::page::cite;
use super::super::risk::{RiskState, risk_state};
use super::host_split::{HostItems, HostSplit};
use super::requirements::{Requirement, Wording};
use crate::store::{AssetFacts, AssetRow, ItemKey, ItemRow, ProductInstalls, Risk, SiteHosts};

/// A patch state as the pack words it.
pub fn patch_name(state: PatchState) -> &'static str {
    match state {
        PatchState::Current => "current",
        PatchState::Behind => "behind",
        PatchState::Unknown => "unknown",
    }
}

/// A fact as a cell: its value, `absent` or `not collected`.
fn fact(fact: &Fact<String>) -> &str {
    match fact {
        Fact::Known(value) => value,
        Fact::Absent => "absent",
        Fact::NotCollected => "not collected",
    }
}

/// What the pack reads of a stored finding's detail: where its dates come from and its patch
/// level (the rest of the ~1-2 KB is skipped, not built).
#[derive(Default, Deserialize)]
pub struct DetailPart {
    /// Where the dates come from.
    #[serde(default)]
    pub date_source: Option<DateSource>,
    /// Whether the install has its release's latest update.
    #[serde(default)]
    pub patch: Option<PatchLevel>,
}

impl DetailPart {
    /// From a stored detail; an empty one (not read) or one that does not parse reads as nothing
    /// known — the item itself is still listed.
    pub fn of(detail: Option<&str>) -> DetailPart {
        detail
            .filter(|d| !d.is_empty())
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default()
    }
}

/// One host of the asset register (`asset-register.csv`).
#[derive(Serialize, Deserialize)]
pub struct AssetCsvRow<'a> {
    pub organisation: &'a str,
    pub organisation_ods_code: &'a str,
    pub site: &'a str,
    pub hostname: &'a str,
    pub host_id: &'a str,
    pub os_name: &'a str,
    pub os_version: &'a str,
    pub os_release: &'a str,
    pub os_status: Option<Status>,
    pub os_security_support_end: &'a str,
    pub os_patch_state: Option<PatchState>,
    pub os_latest_update: &'a str,
    pub os_missing_update_since: Option<NaiveDate>,
    pub hardware_manufacturer: &'a str,
    pub hardware_model: &'a str,
    pub hardware_status: Option<Status>,
    pub software_entries: Option<u64>,
    pub software_judged: i64,
    pub software_unsupported: i64,
    pub software_extended: i64,
    pub worst_status: Status,
    pub last_seen_at: &'a str,
    pub stale: bool,
    pub agent_version: &'a str,
    pub catalog_version: &'a str,
    pub inventory_note: &'a str,
}

/// An asset row's cells that are computed rather than stored.
pub struct AssetExtras {
    facts: Result<AssetFacts, String>,
    patch: Option<PatchLevel>,
    stale: bool,
}

impl AssetExtras {
    /// Reads what a host's stored inventory and OS finding add (CPU work: call off the runtime).
    pub fn of(row: &AssetRow, stale_cutoff: &str) -> AssetExtras {
        AssetExtras {
            facts: row.facts(),
            patch: DetailPart::of(row.os_detail.as_deref()).patch,
            stale: row.last_seen_at.as_str() < stale_cutoff,
        }
    }

    /// The register's row.
    pub fn csv_row<'a>(&'a self, row: &'a AssetRow) -> AssetCsvRow<'a> {
        let facts = self.facts.as_ref().ok();
        let patch = self.patch.as_ref();
        AssetCsvRow {
            organisation: &row.organisation,
            organisation_ods_code: row.organisation_ods_code.as_deref().unwrap_or(""),
            site: &row.site,
            hostname: &row.hostname,
            host_id: &row.host_id,
            os_name: &row.os_name,
            os_version: &row.os_version,
            os_release: row.os_release.as_deref().unwrap_or(""),
            os_status: row.os_status,
            os_security_support_end: row.os_security_support_end.as_deref().unwrap_or(""),
            os_patch_state: patch.map(|p| p.state),
            os_latest_update: patch.map_or("", |p| p.latest.as_str()),
            os_missing_update_since: patch.and_then(|p| p.missing_since),
            hardware_manufacturer: facts.map_or("", |f| fact(&f.manufacturer)),
            hardware_model: facts.map_or("", |f| fact(&f.model)),
            hardware_status: row.hardware_status,
            software_entries: facts.map(|f| f.software_entries),
            software_judged: row.software_judged,
            software_unsupported: row.software_unsupported,
            software_extended: row.software_extended,
            worst_status: row.status,
            last_seen_at: &row.last_seen_at,
            stale: self.stale,
            agent_version: &row.agent_version,
            catalog_version: &row.catalog_version,
            inventory_note: self.facts.as_ref().err().map_or("", String::as_str),
        }
    }
}

/// How the risk register reads for an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// No record applies.
    None,
    /// A record applies and is in force.
    Accepted,
    /// A record applies, but its review date has passed.
    Overdue,
}

/// The risk record that applies to an item, and whether it is in force: the one place the pack
/// applies the register's rule, by calling `risk_state` (the single definition, which may move to
/// `store::acceptance`; re-point this call then) on the records that may apply to it.
pub fn treatment<'a>(
    records: &'a [Risk],
    host_id: &str,
    finding_key: &str,
    status: Status,
    today: NaiveDate,
) -> (Treatment, Option<&'a Risk>) {
    match risk_state(records, host_id, finding_key, status, today) {
        RiskState::None => (Treatment::None, None),
        RiskState::Accepted(r) => (Treatment::Accepted, Some(r)),
        RiskState::Overdue(r) => (Treatment::Overdue, Some(r)),
    }
}

/// An item's treatment and the record that applies.
pub fn item_risk(item: &ItemRow, today: NaiveDate) -> (Treatment, Option<Risk>) {
    let records = item.risk_records();
    let f = &item.finding;
    let (treatment, risk) = treatment(&records, &f.host_id, &f.finding_key, f.status, today);
    (treatment, risk.cloned())
}

/// An item key's treatment (for the totals).
pub fn key_treatment(key: &ItemKey, today: NaiveDate) -> Treatment {
    let records = key.risk_records();
    treatment(&records, &key.host_id, &key.finding_key, key.status, today).0
}

/// One item (`unsupported-items.csv`): the first two columns as the pack has always had them.
#[derive(Serialize, Deserialize)]
pub struct ItemCsvRow<'a> {
    pub report_date: &'a str,
    pub catalog_version: &'a str,
    pub status: Status,
    pub target: Target,
    pub product: &'a str,
    pub subject: &'a str,
    pub installed_version: &'a str,
    pub release: &'a str,
    pub organisation: &'a str,
    pub organisation_ods_code: &'a str,
    pub site: &'a str,
    pub hostname: &'a str,
    pub host_id: &'a str,
    pub first_seen_in_status: &'a str,
    pub security_support_end: &'a str,
    pub extended_support_end: &'a str,
    pub patch_state: Option<PatchState>,
    pub latest_version: &'a str,
    pub risk_state: Treatment,
    pub risk_applies_to: &'a str,
    pub risk_owner: &'a str,
    pub risk_mitigation: &'a str,
    pub risk_review_date: Option<chrono::NaiveDate>,
    pub risk_accepted_by: &'a str,
    pub risk_recorded_at: &'a str,
    pub date_source: &'a str,
}

/// An item with what the pack derives from it: its risk treatment and its detail's parts.
pub struct Item {
    /// The stored row.
    pub row: ItemRow,
    /// How the register reads for it.
    pub treatment: Treatment,
    /// The record that applies.
    pub risk: Option<Risk>,
    /// Where its dates come from, cited.
    pub source: String,
    /// Its patch level.
    pub patch: Option<PatchLevel>,
}

impl Item {
    /// Judges an item's risk and reads its detail (CPU work: call off the runtime for many).
    pub fn of(row: ItemRow, today: NaiveDate) -> Item {
        let (treatment, risk) = item_risk(&row, today);
        let detail = DetailPart::of(Some(&row.detail));
        Item {
            source: cite(detail.date_source.as_ref()),
            patch: detail.patch,
            row,
            treatment,
            risk,
        }
    }

    /// Its CSV row.
    pub fn csv_row<'a>(&'a self, report_date: &'a str, catalog_version: &'a str) -> ItemCsvRow<'a> {
        let f = &self.row.finding;
        let risk = self.risk.as_ref();
        ItemCsvRow {
            report_date,
            catalog_version,
            status: f.status,
            target: f.target,
            product: &f.product_name,
            subject: &f.subject,
            installed_version: f.installed_version.as_deref().unwrap_or(""),
            release: f
                .cycle_label
                .as_deref()
                .or(f.cycle.as_deref())
                .unwrap_or(""),
            organisation: &self.row.organisation,
            organisation_ods_code: self.row.organisation_ods_code.as_deref().unwrap_or(""),
            site: &f.site,
            hostname: &f.hostname,
            host_id: &f.host_id,
            first_seen_in_status: &f.status_since,
            security_support_end: f.security_support_end.as_deref().unwrap_or(""),
            extended_support_end: f.extended_support_end.as_deref().unwrap_or(""),
            patch_state: self.patch.as_ref().map(|p| p.state),
            latest_version: self.patch.as_ref().map_or("", |p| p.latest.as_str()),
            risk_state: self.treatment,
            risk_applies_to: risk.map_or("", |r| {
                if r.finding_key.is_empty() {
                    "whole host"
                } else {
                    "this item"
                }
            }),
            risk_owner: risk.map_or("", |r| r.owner.as_str()),
            risk_mitigation: risk.map_or("", |r| r.mitigation.as_str()),
            risk_review_date: risk.map(|r| r.review_date),
            risk_accepted_by: risk.map_or("", |r| r.updated_by.as_str()),
            risk_recorded_at: risk.map_or("", |r| r.updated_at.as_str()),
            date_source: &self.source,
        }
    }
}

/// Items counted by status and risk treatment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Unsupported items.
    pub unsupported: i64,
    /// Extended items.
    pub extended: i64,
    /// Items with a risk accepted and in force.
    pub accepted: i64,
    /// Items whose risk record's review date has passed.
    pub overdue: i64,
    /// Items with no risk record.
    pub none: i64,
}

impl Tally {
    fn add(&mut self, status: Status, treatment: Treatment) {
        match status {
            Status::Extended => self.extended += 1,
            _ => self.unsupported += 1,
        }
        match treatment {
            Treatment::Accepted => self.accepted += 1,
            Treatment::Overdue => self.overdue += 1,
            Treatment::None => self.none += 1,
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.unsupported += other.unsupported;
        self.extended += other.extended;
        self.accepted += other.accepted;
        self.overdue += other.overdue;
        self.none += other.none;
    }

    /// Items in all.
    pub fn items(&self) -> i64 {
        self.unsupported + self.extended
    }
}

/// A product release in one status: the key of the totals by product.
pub type ProductKey = (String, Option<String>, Status);

/// The host whose items are being counted, with its releases' items so far.
pub type OpenHost = (String, HashMap<ProductKey, HostItems>);

/// The items' tallies by site and by product release: as many entries as sites and releases,
/// however many items (and one host's releases, held while its items are counted).
#[derive(Clone, Debug, Default)]
pub struct Tallies {
    /// By site name (unique across the estate).
    pub by_site: HashMap<String, Tally>,
    /// By product release and status.
    pub by_product: HashMap<ProductKey, Tally>,
    /// By product release and status, the hosts with such items split by the risk register
    /// (complete once [`Tallies::finish`] has run).
    pub hosts_by_product: HashMap<ProductKey, HostSplit>,
    /// Over all items.
    pub all: Tally,
    /// Items come host by host (the items' query orders them so), and a host counts once per
    /// release when its last item has been seen: the next host's first item, or
    /// [`Tallies::finish`]. A batch may end inside a host, so the next batch's tallies take it
    /// on ([`Tallies::hand_on`], [`Tallies::continuing`]).
    open: Option<OpenHost>,
}

impl Tallies {
    /// Tallies for the next batch, taking on the host the last one ended inside.
    pub fn continuing(open: Option<OpenHost>) -> Tallies {
        Tallies {
            open,
            ..Tallies::default()
        }
    }

    /// The host this batch ended inside, for the next batch ([`Tallies::continuing`]).
    pub fn hand_on(&mut self) -> Option<OpenHost> {
        self.open.take()
    }

    /// Counts the last host: call once every item has been added.
    pub fn finish(&mut self) {
        if let Some((_, releases)) = self.open.take() {
            for (key, host) in releases {
                self.hosts_by_product.entry(key).or_default().add(host);
            }
        }
    }

    /// Counts one item: its host, site, product release and status, and how the register reads
    /// for it.
    pub fn add(
        &mut self,
        host_id: &str,
        site: &str,
        product_id: &str,
        cycle: Option<&str>,
        status: Status,
        treatment: Treatment,
    ) {
        self.all.add(status, treatment);
        match self.by_site.get_mut(site) {
            Some(tally) => tally.add(status, treatment),
            None => {
                let mut tally = Tally::default();
                tally.add(status, treatment);
                self.by_site.insert(site.to_string(), tally);
            }
        }
        let key = (product_id.to_string(), cycle.map(str::to_string), status);
        if self.open.as_ref().is_none_or(|(h, _)| h != host_id) {
            self.finish();
            self.open = Some((host_id.to_string(), HashMap::new()));
        }
        if let Some((_, releases)) = &mut self.open {
            releases.entry(key.clone()).or_default().note(
                treatment == Treatment::Accepted,
                treatment == Treatment::Overdue,
            );
        }
        self.by_product
            .entry(key)
            .or_default()
            .add(status, treatment);
    }

    /// Counts an item by its key.
    pub fn add_key(&mut self, key: &ItemKey, today: NaiveDate) {
        let treatment = key_treatment(key, today);
        self.add(
            &key.host_id,
            &key.site,
            &key.product_id,
            key.cycle.as_deref(),
            key.status,
            treatment,
        );
    }

    /// Counts an item read in full.
    pub fn add_item(&mut self, item: &Item) {
        let f = &item.row.finding;
        self.add(
            &f.host_id,
            &f.site,
            &f.product_id,
            f.cycle.as_deref(),
            f.status,
            item.treatment,
        );
    }

    /// Adds the next batch's counts (made [`Tallies::continuing`] this one's open host, so this
    /// one has none of its own), and takes on the host it ended inside.
    pub fn merge(&mut self, mut other: Tallies) {
        debug_assert!(self.open.is_none(), "the open host was not handed on");
        self.finish();
        self.open = other.open.take();
        self.all.merge(&other.all);
        for (site, tally) in other.by_site {
            self.by_site.entry(site).or_default().merge(&tally);
        }
        for (key, tally) in other.by_product {
            self.by_product.entry(key).or_default().merge(&tally);
        }
        for (key, split) in other.hosts_by_product {
            self.hosts_by_product.entry(key).or_default().merge(&split);
        }
    }
}

/// One site (`totals-by-site.csv`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SiteTotalRow {
    pub organisation: String,
    pub organisation_ods_code: String,
    pub site: String,
    pub hosts: i64,
    pub hosts_unsupported: i64,
    pub hosts_no_accepted_risk: i64,
    pub hosts_risk_accepted: i64,
    pub hosts_risk_accepted_until: Option<NaiveDate>,
    pub hosts_acceptance_expired: i64,
    pub hosts_acceptance_expired_on: Option<NaiveDate>,
    pub hosts_extended: i64,
    pub hosts_unsupported_os: i64,
    pub hosts_unsupported_software: i64,
    pub hosts_unsupported_hardware: i64,
    pub hosts_stale: i64,
    pub items_unsupported: i64,
    pub items_extended: i64,
    pub items_risk_accepted: i64,
    pub items_risk_overdue: i64,
    pub items_no_risk_record: i64,
}

/// The totals by site: the hosts the store counted — the unsupported ones split by the risk
/// register exactly as the summary's headline splits them (`store::UnsupportedHosts`) —, with
/// the items' tallies.
pub fn site_totals(sites: Vec<SiteHosts>, tallies: &Tallies) -> Vec<SiteTotalRow> {
    sites
        .into_iter()
        .map(|s| {
            let t = tallies.by_site.get(&s.site).copied().unwrap_or_default();
            SiteTotalRow {
                organisation: s.organisation,
                organisation_ods_code: s.organisation_ods_code.unwrap_or_default(),
                site: s.site,
                hosts: s.hosts,
                hosts_unsupported: s.hosts_unsupported,
                hosts_no_accepted_risk: s.unsupported.no_accepted_risk,
                hosts_risk_accepted: s.unsupported.risk_accepted,
                hosts_risk_accepted_until: s.unsupported.risk_accepted_until,
                hosts_acceptance_expired: s.unsupported.acceptance_expired,
                hosts_acceptance_expired_on: s.unsupported.acceptance_expired_on,
                hosts_extended: s.hosts_extended,
                hosts_unsupported_os: s.hosts_unsupported_os,
                hosts_unsupported_software: s.hosts_unsupported_software,
                hosts_unsupported_hardware: s.hosts_unsupported_hardware,
                hosts_stale: s.hosts_stale,
                items_unsupported: t.unsupported,
                items_extended: t.extended,
                items_risk_accepted: t.accepted,
                items_risk_overdue: t.overdue,
                items_no_risk_record: t.none,
            }
        })
        .collect()
}

/// One product release in one status (`totals-by-product.csv`); the risk columns — its hosts
/// split as the summary splits hosts, and its items — are empty for statuses that are not items
/// of the pack.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductTotalRow {
    pub product_id: String,
    pub product: String,
    pub release: String,
    pub status: Status,
    pub installations: i64,
    pub hosts: i64,
    pub hosts_no_accepted_risk: Option<i64>,
    pub hosts_risk_accepted: Option<i64>,
    pub hosts_acceptance_expired: Option<i64>,
    pub items_risk_accepted: Option<i64>,
    pub items_risk_overdue: Option<i64>,
    pub items_no_risk_record: Option<i64>,
}

/// The totals by product: the installations the store counted, with the items' tallies.
pub fn product_totals(products: Vec<ProductInstalls>, tallies: &Tallies) -> Vec<ProductTotalRow> {
    products
        .into_iter()
        .map(|p| {
            let key = (p.product_id.clone(), p.cycle.clone(), p.status);
            let item = crate::store::ITEM_STATUSES.contains(&p.status);
            let t = item.then(|| tallies.by_product.get(&key).copied().unwrap_or_default());
            let h = item.then(|| {
                tallies
                    .hosts_by_product
                    .get(&key)
                    .copied()
                    .unwrap_or_default()
            });
            ProductTotalRow {
                release: p.cycle_label.or(p.cycle).unwrap_or_default(),
                product_id: p.product_id,
                product: p.product_name,
                status: p.status,
                installations: p.installations,
                hosts: p.hosts,
                hosts_no_accepted_risk: h.map(|h| h.no_accepted_risk),
                hosts_risk_accepted: h.map(|h| h.risk_accepted),
                hosts_acceptance_expired: h.map(|h| h.acceptance_expired),
                items_risk_accepted: t.map(|t| t.accepted),
                items_risk_overdue: t.map(|t| t.overdue),
                items_no_risk_record: t.map(|t| t.none),
            }
        })
        .collect()
}

/// One requirement (`requirements.csv`).
#[derive(Serialize, Deserialize)]
pub struct RequirementCsvRow<'a> {
    pub framework: &'a str,
    pub requirement: &'a str,
    pub topic: &'a str,
    pub wording_found: bool,
    pub wording: &'a str,
    pub wording_source: &'a str,
    pub wording_url: &'a str,
    pub wording_read_on: &'a str,
    pub answered_by: String,
    pub how: &'a str,
    pub note: &'a str,
}

impl<'a> RequirementCsvRow<'a> {
    /// The row of a requirement.
    pub fn of(r: &'a Requirement) -> RequirementCsvRow<'a> {
        let (found, text, source, url, read_on) = match r.wording {
            Wording::Quoted {
                text,
                source,
                url,
                read_on,
            } => (true, text, source, url, read_on),
            Wording::NotFound => (false, "exact wording not found; see note", "", "", ""),
        };
        RequirementCsvRow {
            framework: r.framework.name(),
            requirement: r.id,
            topic: r.topic,
            wording_found: found,
            wording: text,
            wording_source: source,
            wording_url: url,
            wording_read_on: read_on,
            answered_by: r
                .answered_by
                .iter()
                .map(|s| s.file_name())
                .collect::<Vec<_>>()
                .join("; "),
            how: r.how,
            note: r.note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items of one release, host by host, as the pack counts them: `(host, treatment)`.
    const ITEMS: [(&str, Treatment); 4] = [
        ("a", Treatment::Accepted),
        ("a", Treatment::Overdue),
        ("b", Treatment::None),
        ("c", Treatment::Accepted),
    ];

    fn count(batches: &[&[(&str, Treatment)]]) -> HostSplit {
        let mut tallies = Tallies::default();
        for batch in batches {
            let mut counted = Tallies::continuing(tallies.hand_on());
            for (host, treatment) in *batch {
                counted.add(
                    host,
                    "Site",
                    "python",
                    Some("2.7"),
                    Status::Unsupported,
                    *treatment,
                );
            }
            tallies.merge(counted);
        }
        tallies.finish();
        let key = (
            "python".to_string(),
            Some("2.7".to_string()),
            Status::Unsupported,
        );
        tallies.hosts_by_product[&key]
    }

    /// A host counts once per release however its items fall into batches: host `a`, with one
    /// item accepted and one lapsed, is not covered and has an expired acceptance.
    #[test]
    fn a_host_split_across_batches_counts_once() {
        let expected = HostSplit {
            no_accepted_risk: 2,
            risk_accepted: 1,
            acceptance_expired: 1,
        };
        assert_eq!(count(&[&ITEMS]), expected);
        assert_eq!(count(&[&ITEMS[..1], &ITEMS[1..]]), expected);
        assert_eq!(
            count(&[&ITEMS[..1], &ITEMS[1..2], &[], &ITEMS[2..]]),
            expected
        );
    }
}
