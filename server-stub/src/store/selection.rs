//! Which hosts and findings a listing is about: the typed form of a request's filters (parsed from
//! the query string in the HTTP layer, `crate::filter`), and the SQL clauses they add, with every
//! value bound.

use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::sql::Builder;

/// What a listing, summary or export is narrowed to; `Default` is everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Site name, exact.
    pub site: Option<String>,
    /// A host's worst status, or (findings, products) a finding's status.
    pub status: Option<Status>,
    /// Hosts with a finding of this catalogue product, or (findings, products) its findings.
    pub product: Option<String>,
    /// OS name, substring, case-insensitive.
    pub os: Option<String>,
    /// Host name, substring, case-insensitive.
    pub host_name: Option<String>,
    /// Findings of this part (findings only).
    pub target: Option<Target>,
    /// Only hosts not seen since the stale cutoff.
    pub stale: bool,
}

/// `%text%` for LIKE with `\` escaping, lower-cased.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Selection {
    /// Whether any host-level filter is set (the target is not one).
    pub fn narrows_hosts(&self) -> bool {
        let Selection {
            site,
            status,
            product,
            os,
            host_name,
            target: _,
            stale,
        } = self;
        site.is_some()
            || status.is_some()
            || product.is_some()
            || os.is_some()
            || host_name.is_some()
            || *stale
    }

    /// `AND …` for each host-level filter, on `hosts h JOIN sites s`: status is the host's worst,
    /// product any of its findings.
    pub(super) fn push_host_clauses(&self, sql: &mut Builder, stale_cutoff: &str) {
        self.push_host_only_clauses(sql, stale_cutoff);
        if let Some(status) = self.status {
            sql.push(" AND h.status = ").push_bind(status.as_str());
        }
        if let Some(product) = &self.product {
            sql.push(
                " AND h.host_id IN (SELECT fp.host_id FROM findings fp WHERE fp.product_id = ",
            )
            .push_bind(product.clone())
            .push(")");
        }
    }

    /// `AND …` for each filter, on `findings f JOIN hosts h JOIN sites s`: status and product
    /// are the finding's own; the target only `with_target`.
    pub(super) fn push_finding_clauses(
        &self,
        sql: &mut Builder,
        stale_cutoff: &str,
        with_target: bool,
    ) {
        self.push_host_only_clauses(sql, stale_cutoff);
        if let Some(status) = self.status {
            sql.push(" AND f.status = ").push_bind(status.as_str());
        }
        if let Some(product) = &self.product {
            sql.push(" AND f.product_id = ").push_bind(product.clone());
        }
        if let Some(target) = self.target.filter(|_| with_target) {
            sql.push(" AND f.target = ").push_bind(target.as_str());
        }
    }

    /// The filters that only a host has: site, OS, name, staleness.
    fn push_host_only_clauses(&self, sql: &mut Builder, stale_cutoff: &str) {
        if let Some(site) = &self.site {
            sql.push(" AND s.name = ").push_bind(site.clone());
        }
        if let Some(os) = &self.os {
            sql.push(" AND LOWER(h.os_name) LIKE ")
                .push_bind(contains_pattern(os))
                .push(" ESCAPE '\\'");
        }
        if let Some(name) = &self.host_name {
            sql.push(" AND h.hostname_lower LIKE ")
                .push_bind(contains_pattern(name))
                .push(" ESCAPE '\\'");
        }
        if self.stale {
            sql.push(" AND h.last_seen_at < ")
                .push_bind(stale_cutoff.to_string());
        }
    }
}
