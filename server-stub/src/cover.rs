//! Contract cover the organisation declares in `collector.toml` (`[[declared_cover]]`), and how it
//! reaches evaluation.
//!
//! A release in a paid extended window (Java 8 under Oracle's subscription, RHEL 7 ELS, SQL Server
//! ESU) is `extended` only with evidence of cover; for a contract, the evidence is the organisation's
//! word, with a reference a reviewer can check. A declaration names a catalogue product, optionally a
//! cycle, a collector site (the site whose token the host reports with) and a last day.
//!
//! Declarations are checked against the catalogue whenever one is loaded (start-up and reload), so a
//! misspelt product id or cycle is a refused start or reload naming the entry, never a declaration
//! that silently covers nothing. Verdicts are judged again when the declarations change (their
//! digest is kept in `meta`, see [`crate::jobs`]).

use sha2::{Digest, Sha256};
use sunset_catalog::Catalog;
use sunset_catalog::cover::DeclaredCover;

/// `meta` key holding the digest of the declarations the stored verdicts were judged with.
pub const META_DECLARED_COVER: &str = "declared_cover_digest";

/// Problems with the declarations against `catalog`, each naming its entry
/// (`declared_cover[2].cycle: …`).
pub fn check(declared: &DeclaredCover, catalog: &Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, d) in declared.declarations.iter().enumerate() {
        let Some(entry) = catalog.product(&d.product) else {
            problems.push(format!(
                "declared_cover[{i}].product: {:?} is not a product of catalogue {}",
                d.product,
                catalog.version()
            ));
            continue;
        };
        if let Some(cycle) = &d.cycle
            && !entry.releases.iter().any(|r| &r.cycle == cycle)
        {
            let cycles: Vec<&str> = entry.releases.iter().map(|r| r.cycle.as_str()).collect();
            problems.push(format!(
                "declared_cover[{i}].cycle: {cycle:?} is not a cycle of {} (cycles: {})",
                d.product,
                cycles.join(", ")
            ));
        }
    }
    problems
}

/// The declarations that apply to hosts of `site`: those for every site and those for this one,
/// with the site cleared, because evaluation matches a declaration's site against the agent's own
/// site tag and the collector's site is decided by the token instead.
pub fn for_site(declared: &DeclaredCover, site: &str) -> DeclaredCover {
    DeclaredCover {
        declarations: declared
            .declarations
            .iter()
            .filter(|d| d.site.as_deref().is_none_or(|s| s == site))
            .map(|d| sunset_catalog::cover::Declaration {
                site: None,
                ..d.clone()
            })
            .collect(),
    }
}

/// A short digest of the declarations ("none" when there are none), to notice a change.
pub fn digest(declared: &DeclaredCover) -> String {
    if declared.declarations.is_empty() {
        return "none".to_string();
    }
    let json = serde_json::to_vec(&declared.declarations).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..12])
}
