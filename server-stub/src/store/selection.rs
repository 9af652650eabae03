//! Which hosts and findings a listing is about: the typed form of a request's filters (parsed from
//! the query string in the HTTP layer, `crate::filter`), and the SQL clauses they add, with every
//! value bound.
//!
//! Every selection is inside a [`Scope`], the organisation subtree its caller may see: a
//! [`Selection`] cannot be made without one (its field is private, there is no `Default`), and
//! every query of the read side takes a `Selection` or a `Scope`, so no listing, export, page or
//! check can forget it. A `Scope` comes only from the database (the organisation a user is
//! granted, or one found inside it for `?org=`), or [`Scope::estate`] for the command line's
//! operator and background work.

use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::sql::Builder;

/// The id of the root organisation, the whole estate (made by migration 5).
pub const ROOT_ORG_ID: &str = "00000000-0000-0000-0000-000000000000";

/// An organisation subtree: what a user may see and change (their grant), or what a request is
/// narrowed to (`?org=`). Hosts are in it when their site's organisation is the subtree's root or
/// below it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Scope {
    /// The organisation at the top of the subtree.
    #[sqlx(rename = "scope_org_id")]
    org_id: String,
    /// Its path: the ids from the root down, each followed by `/` (see migration 5).
    #[sqlx(rename = "scope_path")]
    path: String,
}

impl Scope {
    /// The whole estate: for the command line's operator, background work and tests. HTTP
    /// callers never get this: their scope is their grant, read from the database.
    pub fn estate() -> Scope {
        Scope {
            org_id: ROOT_ORG_ID.to_string(),
            path: format!("/{ROOT_ORG_ID}/"),
        }
    }

    /// The subtree of a stored organisation (its id and path as stored).
    pub(super) fn of(org_id: String, path: String) -> Scope {
        Scope { org_id, path }
    }

    /// The organisation at the top.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Whether this is the whole estate (the root's subtree).
    pub fn is_estate(&self) -> bool {
        self.org_id == ROOT_ORG_ID
    }

    /// Whether `other` lies inside this subtree (or is it).
    pub fn contains(&self, other: &Scope) -> bool {
        other.path.starts_with(&self.path)
    }

    /// The `LIKE` pattern of every path in the subtree. Paths are made of UUIDs and `/` only, so
    /// nothing in them needs escaping.
    pub(super) fn path_pattern(&self) -> String {
        format!("{}%", self.path)
    }

    /// `AND <host column> IN (hosts of sites in the subtree)`; nothing for the whole estate (every
    /// site is in it, and the summary's unfiltered counts stay index-only).
    pub(super) fn push_host_clause(&self, sql: &mut Builder, host_site_column: &str) {
        if self.is_estate() {
            return;
        }
        sql.push(format!(
            " AND {host_site_column} IN (SELECT sc.id FROM sites sc JOIN organisations oc ON oc.id = sc.org_id WHERE oc.path LIKE "
        ))
        .push_bind(self.path_pattern())
        .push(")");
    }
}

/// What a listing, summary or export is narrowed to, always inside a [`Scope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The organisation subtree (private: only [`Selection::new`] sets it).
    scope: Scope,
    /// Site name, exact.
    pub site: Option<String>,
    /// A host's worst status, or (findings, products) a finding's status.
    pub status: Option<Status>,
    /// Hosts with a finding of this product, or (findings, products) its findings: the
    /// product's id, or any part of its name, either case-insensitive (`chrome`, `Google Chrome`,
    /// `google`). People know products by name; ids are the catalogue's.
    pub product: Option<String>,
    /// OS name, substring, case-insensitive.
    pub os: Option<String>,
    /// Host name, substring, case-insensitive.
    pub host_name: Option<String>,
    /// Findings of this part (findings only).
    pub target: Option<Target>,
    /// Only hosts not seen since the stale cutoff.
    pub stale: bool,
    /// Only hosts flagged as clones (`store::identity`): seen since the stale cutoff, with another
    /// host on the same hardware seen since then too, or a second machine received since then.
    pub clones: bool,
}

/// `%text%` for LIKE with `\` escaping, lower-cased.
pub(super) fn contains_pattern(text: &str) -> String {
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

/// A product filter on the findings aliased `finding`: its id when some finding in `scope` has
/// that id, else any part of its name, both without regard to case (the text's `%`, `_` and `\`
/// match themselves). An id wins so that `edge` means Microsoft Edge, not also every product
/// whose name contains "edge" (Edge WebView2); that check is made inside the scope, so whether a
/// product is installed elsewhere changes nothing.
///
/// The products are matched first, by name, one row per product: their ids are walked through the
/// index on `findings.product_id` (each next id is one index seek, a recursive query both back
/// ends run), each named by one of its findings. The findings are then chosen by id, through the
/// index: a LIKE on every finding's name read all of them (at 1,000,000 findings, 0.4 s on SQLite
/// instead of the id lookup's 0.13 s, for each of a page's two queries).
fn push_product_clause(sql: &mut Builder, finding: &str, product: &str, scope: &Scope) {
    let id = product.to_lowercase();
    sql.push(format!(
        "{finding}.product_id IN (WITH RECURSIVE ids(id) AS (SELECT MIN(product_id) FROM findings \
         UNION ALL SELECT (SELECT MIN(n.product_id) FROM findings n WHERE n.product_id > ids.id) \
         FROM ids WHERE ids.id IS NOT NULL) \
         SELECT id FROM ids WHERE id IS NOT NULL AND (id = "
    ))
    .push_bind(id.clone())
    .push(
        " OR (LOWER((SELECT y.product_name FROM findings y WHERE y.product_id = ids.id LIMIT 1)) LIKE ",
    )
    .push_bind(contains_pattern(product))
    .push(
        " ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM findings px JOIN hosts hx ON hx.host_id = px.host_id \
         WHERE px.product_id = ",
    )
    .push_bind(id);
    scope.push_host_clause(sql, "hx.site_id");
    sql.push("))))");
}

impl Selection {
    /// Everything in `scope`, no filter set.
    pub fn new(scope: Scope) -> Selection {
        Selection {
            scope,
            site: None,
            status: None,
            product: None,
            os: None,
            host_name: None,
            target: None,
            stale: false,
            clones: false,
        }
    }

    /// The organisation subtree it is inside.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether any host-level filter is set, a scope below the whole estate included (the target
    /// is not one).
    pub fn narrows_hosts(&self) -> bool {
        let Selection {
            scope,
            site,
            status,
            product,
            os,
            host_name,
            target: _,
            stale,
            clones,
        } = self;
        !scope.is_estate()
            || site.is_some()
            || status.is_some()
            || product.is_some()
            || os.is_some()
            || host_name.is_some()
            || *stale
            || *clones
    }

    /// Whether a filter only a host has is set (a scope below the whole estate, site, OS, name,
    /// staleness): a query of findings alone must then join their hosts.
    pub(super) fn narrows_by_host(&self) -> bool {
        !self.scope.is_estate()
            || self.site.is_some()
            || self.os.is_some()
            || self.host_name.is_some()
            || self.stale
    }

    /// `AND …` for each host-level filter, on `hosts h JOIN sites s`: status is the host's worst,
    /// product any of its findings.
    pub(super) fn push_host_clauses(&self, sql: &mut Builder, stale_cutoff: &str) {
        self.push_host_only_clauses(sql, stale_cutoff);
        if let Some(status) = self.status {
            sql.push(" AND h.status = ").push_bind(status.as_str());
        }
        if let Some(product) = &self.product {
            sql.push(" AND h.host_id IN (SELECT fp.host_id FROM findings fp WHERE ");
            push_product_clause(sql, "fp", product, &self.scope);
            sql.push(")");
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
        self.push_finding_only_clauses(sql, with_target);
    }

    /// `AND …` for each filter a finding has itself (status, product, and the target only
    /// `with_target`), on `findings f`.
    pub(super) fn push_finding_only_clauses(&self, sql: &mut Builder, with_target: bool) {
        if let Some(status) = self.status {
            sql.push(" AND f.status = ").push_bind(status.as_str());
        }
        if let Some(product) = &self.product {
            sql.push(" AND ");
            push_product_clause(sql, "f", product, &self.scope);
        }
        if let Some(target) = self.target.filter(|_| with_target) {
            sql.push(" AND f.target = ").push_bind(target.as_str());
        }
    }

    /// The filters that only a host has: scope, site, OS, name, staleness (on `hosts h JOIN
    /// sites s`).
    pub(super) fn push_host_only_clauses(&self, sql: &mut Builder, stale_cutoff: &str) {
        self.scope.push_host_clause(sql, "h.site_id");
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
        if self.clones {
            let cutoff = || stale_cutoff.to_string();
            sql.push(" AND h.last_seen_at >= ")
                .push_bind(cutoff())
                // The flags first, by `CROSS JOIN`, then each one's other host: led by the
                // hosts' last-report index, SQLite read every recent host of the estate to find
                // the few flagged (85 ms at 100,000 hosts with none flagged).
                .push(
                    " AND h.host_id IN (SELECT c.host_id FROM host_clones c \
                     CROSS JOIN hosts o WHERE o.host_id = c.other_host_id \
                     AND c.dismissed_at IS NULL AND o.last_seen_at >= ",
                )
                .push_bind(cutoff())
                .push(" AND (c.other_host_id <> c.host_id OR c.seen_at >= ")
                .push_bind(cutoff())
                .push("))");
        }
    }
}
