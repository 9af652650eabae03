//! How a listing is ordered: one typed key per list ([`HostSort`], [`FindingSort`],
//! [`ProductSort`]) and a [`Direction`], parsed from `?sort=&dir=` in the HTTP layer
//! (`crate::filter`).
//!
//! Only this module writes ORDER BY text, and only from its own constants: a request picks a key,
//! never a column, so nothing a caller sends reaches the SQL. Every order ends with a tie-break
//! that is unique per row (a host's id; a finding's host and key; a product row's group), so
//! LIMIT/OFFSET pages never repeat or skip a row. Empty values (NULL) come last in either
//! direction, the same on SQLite (which puts them first) and PostgreSQL (last): a blank date is
//! "none", not "earliest". Statuses sort by urgency, not by name: ascending is most urgent first.

use super::column::status_order;

/// Ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Smallest (or, for a status, most urgent) first.
    Asc,
    /// Largest (or, for a status, least urgent) first.
    Desc,
}

impl Direction {
    /// As in the query string.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    /// The other one (a column header's link flips the current order).
    pub fn flipped(self) -> Direction {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// A list's sort key: what the query string names, and the SQL it orders by.
pub trait SortKey: Copy + Eq + std::fmt::Debug + 'static {
    /// Every key, in the order the 400 lists them.
    const ALL: &'static [Self];
    /// The list's order when the request names none.
    const DEFAULT: Self;
    /// Unique per row, after the key: the stable tie-break.
    const TIE_BREAK: &'static str;
    /// As in the query string (`?sort=last_seen`).
    fn name(self) -> &'static str;
    /// Which way a first click on its column sorts: counts and dates of activity largest first,
    /// everything else ascending.
    fn first_direction(self) -> Direction {
        Direction::Asc
    }
    /// The SQL terms it orders by.
    fn terms(self) -> Vec<Term>;
}

/// One ORDER BY term: an expression of the code's own, and what, when NULL, puts the row last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    expr: String,
    null_last: Option<String>,
}

impl Term {
    /// A term that is never NULL.
    fn plain(expr: &str) -> Term {
        Term {
            expr: expr.to_string(),
            null_last: None,
        }
    }

    /// A term that may be NULL: those rows last.
    fn nullable(expr: &str) -> Term {
        Term {
            expr: expr.to_string(),
            null_last: Some(expr.to_string()),
        }
    }

    /// A status column by urgency; a NULL one (no finding of that part) last.
    fn status(column: &str, nullable: bool) -> Term {
        Term {
            expr: status_order(column),
            null_last: nullable.then(|| column.to_string()),
        }
    }
}

/// A key and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort<K> {
    /// What to order by.
    pub key: K,
    /// Which way.
    pub dir: Direction,
}

impl<K: SortKey> Default for Sort<K> {
    fn default() -> Self {
        Sort {
            key: K::DEFAULT,
            dir: Direction::Asc,
        }
    }
}

impl<K: SortKey> Sort<K> {
    /// `ORDER BY` text (without the keywords): the key's terms in the direction asked, NULLs last,
    /// then the tie-break.
    pub(super) fn order_by(&self) -> String {
        let mut out = Vec::new();
        for term in self.key.terms() {
            if let Some(null) = term.null_last {
                out.push(format!("CASE WHEN {null} IS NULL THEN 1 ELSE 0 END"));
            }
            out.push(format!("{} {}", term.expr, self.dir.sql()));
        }
        out.push(K::TIE_BREAK.to_string());
        out.join(", ")
    }
}

/// Looks a key up by its query-string name.
pub fn sort_key<K: SortKey>(name: &str) -> Option<K> {
    K::ALL.iter().copied().find(|k| k.name() == name)
}

/// The host list's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostSort {
    /// Host name (case-insensitive).
    Host,
    /// Site name.
    Site,
    /// Worst status.
    Status,
    /// The OS's status.
    OsStatus,
    /// The worst software status.
    SoftwareStatus,
    /// The hardware's status.
    HardwareStatus,
    /// OS name, then version.
    Os,
    /// Unsupported findings.
    Unsupported,
    /// The next day something becomes unsupported.
    NextUnsupported,
    /// Last report received.
    LastSeen,
}

impl SortKey for HostSort {
    const ALL: &'static [HostSort] = &[
        HostSort::Host,
        HostSort::Site,
        HostSort::Status,
        HostSort::OsStatus,
        HostSort::SoftwareStatus,
        HostSort::HardwareStatus,
        HostSort::Os,
        HostSort::Unsupported,
        HostSort::NextUnsupported,
        HostSort::LastSeen,
    ];
    const DEFAULT: HostSort = HostSort::Status;
    const TIE_BREAK: &'static str = "h.hostname_lower, h.host_id";

    fn name(self) -> &'static str {
        match self {
            HostSort::Host => "host",
            HostSort::Site => "site",
            HostSort::Status => "status",
            HostSort::OsStatus => "os_status",
            HostSort::SoftwareStatus => "software_status",
            HostSort::HardwareStatus => "hardware_status",
            HostSort::Os => "os",
            HostSort::Unsupported => "unsupported",
            HostSort::NextUnsupported => "next_unsupported",
            HostSort::LastSeen => "last_seen",
        }
    }

    fn first_direction(self) -> Direction {
        match self {
            HostSort::Unsupported | HostSort::LastSeen => Direction::Desc,
            _ => Direction::Asc,
        }
    }

    fn terms(self) -> Vec<Term> {
        match self {
            HostSort::Host => vec![Term::plain("h.hostname_lower")],
            HostSort::Site => vec![Term::plain("s.name")],
            HostSort::Status => vec![Term::status("h.status", false)],
            HostSort::OsStatus => vec![Term::status("h.os_status", true)],
            HostSort::SoftwareStatus => vec![Term::status("h.software_status", true)],
            HostSort::HardwareStatus => vec![Term::status("h.hardware_status", true)],
            HostSort::Os => vec![Term::plain("LOWER(h.os_name)"), Term::plain("h.os_version")],
            HostSort::Unsupported => vec![Term::plain("h.unsupported_count")],
            HostSort::NextUnsupported => vec![Term::nullable("h.next_unsupported_on")],
            HostSort::LastSeen => vec![Term::plain("h.last_seen_at")],
        }
    }
}

/// The finding list's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingSort {
    /// Status.
    Status,
    /// Host name.
    Host,
    /// Site name.
    Site,
    /// OS, software or hardware.
    Part,
    /// Product name.
    Product,
    /// What is installed.
    Installed,
    /// Installed version.
    Version,
    /// Release (its label, else its cycle).
    Release,
    /// End of security support.
    SecuritySupportEnd,
    /// Has had this status since.
    Since,
}

impl SortKey for FindingSort {
    const ALL: &'static [FindingSort] = &[
        FindingSort::Status,
        FindingSort::Host,
        FindingSort::Site,
        FindingSort::Part,
        FindingSort::Product,
        FindingSort::Installed,
        FindingSort::Version,
        FindingSort::Release,
        FindingSort::SecuritySupportEnd,
        FindingSort::Since,
    ];
    const DEFAULT: FindingSort = FindingSort::Status;
    const TIE_BREAK: &'static str = "f.product_id, h.hostname_lower, f.host_id, f.finding_key";

    fn name(self) -> &'static str {
        match self {
            FindingSort::Status => "status",
            FindingSort::Host => "host",
            FindingSort::Site => "site",
            FindingSort::Part => "part",
            FindingSort::Product => "product",
            FindingSort::Installed => "installed",
            FindingSort::Version => "version",
            FindingSort::Release => "release",
            FindingSort::SecuritySupportEnd => "security_support_end",
            FindingSort::Since => "since",
        }
    }

    fn first_direction(self) -> Direction {
        match self {
            FindingSort::Since => Direction::Desc,
            _ => Direction::Asc,
        }
    }

    fn terms(self) -> Vec<Term> {
        vec![match self {
            FindingSort::Status => Term::status("f.status", false),
            FindingSort::Host => Term::plain("h.hostname_lower"),
            FindingSort::Site => Term::plain("s.name"),
            FindingSort::Part => Term::plain("f.target"),
            FindingSort::Product => Term::plain("LOWER(f.product_name)"),
            FindingSort::Installed => Term::plain("LOWER(f.subject)"),
            FindingSort::Version => Term::nullable("f.installed_version"),
            FindingSort::Release => Term::nullable("COALESCE(f.cycle_label, f.cycle)"),
            FindingSort::SecuritySupportEnd => Term::nullable("f.security_support_end"),
            FindingSort::Since => Term::plain("f.status_since"),
        }]
    }
}

/// The product list's columns (rows are product, release and status groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductSort {
    /// Status.
    Status,
    /// Product name.
    Product,
    /// Release (its label, else its cycle).
    Release,
    /// Distinct hosts.
    Hosts,
    /// Installations.
    Installations,
}

impl SortKey for ProductSort {
    const ALL: &'static [ProductSort] = &[
        ProductSort::Status,
        ProductSort::Product,
        ProductSort::Release,
        ProductSort::Hosts,
        ProductSort::Installations,
    ];
    const DEFAULT: ProductSort = ProductSort::Status;
    // The group's key: product, release, status. A NULL cycle sorts last on both back ends.
    const TIE_BREAK: &'static str =
        "product_id, CASE WHEN cycle IS NULL THEN 1 ELSE 0 END, cycle, status";

    fn name(self) -> &'static str {
        match self {
            ProductSort::Status => "status",
            ProductSort::Product => "product",
            ProductSort::Release => "release",
            ProductSort::Hosts => "hosts",
            ProductSort::Installations => "installations",
        }
    }

    fn first_direction(self) -> Direction {
        match self {
            ProductSort::Hosts | ProductSort::Installations => Direction::Desc,
            _ => Direction::Asc,
        }
    }

    // Over the grouped rows' output columns (see `store::products`).
    fn terms(self) -> Vec<Term> {
        vec![match self {
            ProductSort::Status => Term::status("status", false),
            ProductSort::Product => Term::plain("LOWER(product_name)"),
            ProductSort::Release => Term::nullable("COALESCE(cycle_label, cycle)"),
            ProductSort::Hosts => Term::plain("hosts"),
            ProductSort::Installations => Term::plain("installations"),
        }]
    }
}

/// The triage's columns (software no catalogue rule matches, `store::triage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriageSort {
    /// Name (as compared: lower case).
    Name,
    /// Publisher (as compared).
    Publisher,
    /// Hosts that have it.
    Hosts,
    /// Organisations that have it.
    Organisations,
    /// Distinct versions.
    Versions,
}

impl SortKey for TriageSort {
    const ALL: &'static [TriageSort] = &[
        TriageSort::Name,
        TriageSort::Publisher,
        TriageSort::Hosts,
        TriageSort::Organisations,
        TriageSort::Versions,
    ];
    /// Most hosts first: the list's default direction is descending (`filter::Filter::sort`
    /// gives ascending without `dir`; the triage's handlers flip it when neither is given).
    const DEFAULT: TriageSort = TriageSort::Hosts;
    // The group's key.
    const TIE_BREAK: &'static str = "name_key, publisher_key";

    fn name(self) -> &'static str {
        match self {
            TriageSort::Name => "name",
            TriageSort::Publisher => "publisher",
            TriageSort::Hosts => "hosts",
            TriageSort::Organisations => "organisations",
            TriageSort::Versions => "versions",
        }
    }

    fn first_direction(self) -> Direction {
        match self {
            TriageSort::Name | TriageSort::Publisher => Direction::Asc,
            _ => Direction::Desc,
        }
    }

    // Over the grouped rows' output columns (see `store::triage`).
    fn terms(self) -> Vec<Term> {
        vec![match self {
            TriageSort::Name => Term::plain("name_key"),
            TriageSort::Publisher => Term::plain("publisher_key"),
            TriageSort::Hosts => Term::plain("hosts"),
            TriageSort::Organisations => Term::plain("organisations"),
            TriageSort::Versions => Term::plain("versions"),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<K: SortKey>() -> Vec<&'static str> {
        K::ALL.iter().map(|k| k.name()).collect()
    }

    #[test]
    fn every_key_reads_back_from_its_name_and_names_are_unique() {
        fn check<K: SortKey>() {
            let mut seen = names::<K>();
            for key in K::ALL {
                assert_eq!(sort_key::<K>(key.name()), Some(*key));
            }
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), K::ALL.len());
            assert_eq!(sort_key::<K>("h.hostname; DROP TABLE hosts"), None);
        }
        check::<HostSort>();
        check::<FindingSort>();
        check::<ProductSort>();
        check::<TriageSort>();
    }

    #[test]
    fn nullable_terms_sort_last_and_the_tie_break_ends_every_order() {
        let sort = Sort {
            key: HostSort::NextUnsupported,
            dir: Direction::Desc,
        };
        assert_eq!(
            sort.order_by(),
            "CASE WHEN h.next_unsupported_on IS NULL THEN 1 ELSE 0 END, \
             h.next_unsupported_on DESC, h.hostname_lower, h.host_id"
        );
        let default = Sort::<FindingSort>::default().order_by();
        assert!(default.starts_with("CASE f.status WHEN"), "{default}");
        assert!(default.ends_with("f.host_id, f.finding_key"), "{default}");
    }
}
