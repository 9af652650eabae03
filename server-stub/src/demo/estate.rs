//! The demo's organisations and sites: an integrated care board with two primary care networks and
//! their GP practices, and an acute trust with two hospitals and their wards and departments — a
//! site for each practice and ward, each with the machines it has at full size.
//!
//! The names are made up in the NHS's style. The ODS codes have the real formats (an ICB `Q` and
//! two characters, a PCN `U` and five digits, a practice a letter and five digits, a trust `R` and
//! two characters, a trust site the trust's code and two digits) but are taken from the far ends
//! of those ranges — `QZ9`, `U99901`–`U99902`, `Y99901`–`Y99907`, `R9Z`, `R9Z01`–`R9Z02` — which
//! are believed not to be issued; the register could not be searched from here, so a code found
//! to be real should be changed. Wards have no ODS code, as in the register.
//!
//! Everything is created through the administrative functions the command line uses, so each
//! organisation and site is in the audit log like a real one.

use chrono::{DateTime, Utc};

use super::roles::Role;
use crate::admin::{self, Admin};
use crate::db::Db;
use crate::org::OrgKind;

/// An organisation of the demo tree; `parent` indexes [`ORGS`] (`None`: under the root).
struct OrgSpec {
    name: &'static str,
    kind: OrgKind,
    ods: Option<&'static str>,
    parent: Option<usize>,
}

const fn org(
    name: &'static str,
    kind: OrgKind,
    ods: Option<&'static str>,
    parent: Option<usize>,
) -> OrgSpec {
    OrgSpec {
        name,
        kind,
        ods,
        parent,
    }
}

/// The tree, parents first.
const ORGS: &[OrgSpec] = &[
    org(
        "NHS Sunset Vale Integrated Care Board",
        OrgKind::Icb,
        Some("QZ9"),
        None,
    ),
    org(
        "Riverside and Millbrook PCN",
        OrgKind::Pcn,
        Some("U99901"),
        Some(0),
    ),
    org("Wealdmoor Rural PCN", OrgKind::Pcn, Some("U99902"), Some(0)),
    org(
        "Riverside Surgery",
        OrgKind::Practice,
        Some("Y99901"),
        Some(1),
    ),
    org(
        "Millbrook Medical Centre",
        OrgKind::Practice,
        Some("Y99902"),
        Some(1),
    ),
    org(
        "Castle Street Health Centre",
        OrgKind::Practice,
        Some("Y99903"),
        Some(1),
    ),
    org(
        "Orchard Lane Practice",
        OrgKind::Practice,
        Some("Y99904"),
        Some(1),
    ),
    org(
        "Wealdmoor Family Practice",
        OrgKind::Practice,
        Some("Y99905"),
        Some(2),
    ),
    org(
        "Hollins Green Surgery",
        OrgKind::Practice,
        Some("Y99906"),
        Some(2),
    ),
    org(
        "The Old Forge Surgery",
        OrgKind::Practice,
        Some("Y99907"),
        Some(2),
    ),
    org(
        "Sunset Vale Hospitals NHS Foundation Trust",
        OrgKind::Trust,
        Some("R9Z"),
        None,
    ),
    org(
        "Sunset Vale General Hospital",
        OrgKind::Hospital,
        Some("R9Z01"),
        Some(10),
    ),
    org(
        "Millbrook Community Hospital",
        OrgKind::Hospital,
        Some("R9Z02"),
        Some(10),
    ),
    org("Acute Medical Unit (Ward 7)", OrgKind::Ward, None, Some(11)),
    org("Emergency Department", OrgKind::Ward, None, Some(11)),
    org("Radiology", OrgKind::Ward, None, Some(11)),
    org("Pathology Laboratory", OrgKind::Ward, None, Some(11)),
    org("Digital Services", OrgKind::Ward, None, Some(11)),
    org("Rowan Ward", OrgKind::Ward, None, Some(12)),
    org("Outpatients and Pharmacy", OrgKind::Ward, None, Some(12)),
];

/// A site: its organisation (index into [`ORGS`]), the prefix of its host names, and how many
/// machines of each role it has at full size.
pub(super) struct SitePlan {
    /// Site name.
    pub name: &'static str,
    org: usize,
    /// Host names start with it (`SVGH-RAD-PACS03`).
    pub prefix: &'static str,
    /// Machines by role.
    pub machines: &'static [(Role, usize)],
}

const fn site(
    name: &'static str,
    org: usize,
    prefix: &'static str,
    machines: &'static [(Role, usize)],
) -> SitePlan {
    SitePlan {
        name,
        org,
        prefix,
        machines,
    }
}

use Role::{
    Consulting, Imaging, ItLaptop, Kiosk, Laboratory, LinuxServer, Manager, Pharmacy,
    PracticeServer, Reception, Server, WardPc,
};

/// One site per practice and ward.
pub(super) const SITES: &[SitePlan] = &[
    site(
        "Riverside Surgery",
        3,
        "Y99901",
        &[
            (Reception, 4),
            (Consulting, 10),
            (Manager, 1),
            (PracticeServer, 1),
        ],
    ),
    site(
        "Millbrook Medical Centre",
        4,
        "Y99902",
        &[
            (Reception, 3),
            (Consulting, 8),
            (Manager, 1),
            (PracticeServer, 1),
        ],
    ),
    site(
        "Castle Street Health Centre",
        5,
        "Y99903",
        &[
            (Reception, 4),
            (Consulting, 12),
            (Manager, 1),
            (PracticeServer, 1),
        ],
    ),
    site(
        "Orchard Lane Practice",
        6,
        "Y99904",
        &[(Reception, 2), (Consulting, 6), (Manager, 1)],
    ),
    site(
        "Wealdmoor Family Practice",
        7,
        "Y99905",
        &[
            (Reception, 3),
            (Consulting, 9),
            (Manager, 1),
            (PracticeServer, 1),
        ],
    ),
    site(
        "Hollins Green Surgery",
        8,
        "Y99906",
        &[(Reception, 2), (Consulting, 7), (Manager, 1)],
    ),
    site(
        "The Old Forge Surgery",
        9,
        "Y99907",
        &[
            (Reception, 2),
            (Consulting, 5),
            (Manager, 1),
            (PracticeServer, 1),
        ],
    ),
    site("SVGH Ward 7", 13, "SVGH-W7", &[(WardPc, 40), (Kiosk, 3)]),
    site(
        "SVGH Emergency Department",
        14,
        "SVGH-ED",
        &[(WardPc, 36), (Kiosk, 6)],
    ),
    site(
        "SVGH Radiology",
        15,
        "SVGH-RAD",
        &[(Imaging, 12), (WardPc, 6)],
    ),
    site(
        "SVGH Pathology",
        16,
        "SVGH-PATH",
        &[(Laboratory, 8), (WardPc, 6)],
    ),
    site(
        "SVGH Data Centre",
        17,
        "SVGH-DC",
        &[(Server, 26), (LinuxServer, 3), (ItLaptop, 6)],
    ),
    site("MCH Rowan Ward", 18, "MCH-ROW", &[(WardPc, 22), (Kiosk, 2)]),
    site(
        "MCH Outpatients",
        19,
        "MCH-OPD",
        &[(WardPc, 16), (Pharmacy, 6), (Kiosk, 4)],
    ),
];

/// Hosts of the estate at full size (the default of `--hosts`).
pub(super) fn full_size() -> usize {
    SITES
        .iter()
        .flat_map(|s| s.machines.iter().map(|(_, n)| n))
        .sum()
}

/// How many of `full` machines a site has when the estate has about `hosts` hosts: scaled, but
/// never none, so every kind of machine (and every story the demo tells) is there.
pub(super) fn scaled(full: usize, hosts: usize) -> usize {
    (full * hosts).div_ceil(full_size()).clamp(1, full.max(1))
}

/// What was created: organisations and each site's token.
pub(super) struct Created {
    /// Organisations made.
    pub organisations: usize,
    /// Each of [`SITES`] with its enrolment token, in order.
    pub tokens: Vec<String>,
}

/// Creates the organisations and sites as `admin`, each audited.
pub(super) async fn create(db: &Db, admin: &Admin, now: DateTime<Utc>) -> anyhow::Result<Created> {
    let mut ids: Vec<String> = Vec::with_capacity(ORGS.len());
    for spec in ORGS {
        let parent = spec.parent.and_then(|i| ids.get(i)).map(String::as_str);
        let made = admin::add_org(db, admin, spec.name, spec.kind, parent, spec.ods, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo organisation {:?}: {e}", spec.name))?;
        ids.push(made.id);
    }
    let mut tokens = Vec::with_capacity(SITES.len());
    for plan in SITES {
        let org = ids.get(plan.org).map(String::as_str);
        let (_, token) = admin::add_site(db, admin, plan.name, org, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo site {:?}: {e}", plan.name))?;
        tokens.push(token);
    }
    Ok(Created {
        organisations: ORGS.len(),
        tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OdsCode;

    #[test]
    fn the_tree_is_parents_first_and_every_code_reads() {
        for (i, spec) in ORGS.iter().enumerate() {
            assert!(spec.parent.is_none_or(|p| p < i), "{}", spec.name);
            if let Some(code) = spec.ods {
                assert!(code.parse::<OdsCode>().is_ok(), "{code}");
            }
        }
        for plan in SITES {
            assert!(
                plan.org < ORGS.len() && !plan.machines.is_empty(),
                "{}",
                plan.name
            );
        }
    }

    #[test]
    fn a_smaller_estate_keeps_every_kind_of_machine() {
        assert!((280..=320).contains(&full_size()), "{}", full_size());
        assert_eq!(scaled(40, full_size()), 40);
        assert_eq!(scaled(1, 10), 1);
        assert!(scaled(40, 60) < 40);
    }
}
