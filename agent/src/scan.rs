//! One scan: collect an inventory (from this machine or from a mounted root) and evaluate it.
//!
//! Collectors return [`Collected`] parts; this module stamps the host identity on them and runs the
//! catalogue. A `--root` goes to [`inventory::collect_root`], which inspects its layout; without one
//! the platform module collects the live machine.

use std::path::PathBuf;

use chrono::{NaiveDate, Utc};
use sunset_catalog::evaluate::{Options, evaluate_with};
use sunset_catalog::inventory::{Host, Inventory, SCHEMA_VERSION};
use sunset_catalog::{Catalog, ScanResult};
use uuid::Uuid;

use crate::inventory;
use crate::platform;

/// Where to collect from and how to label the result.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// A mounted root to scan instead of this machine.
    pub root: Option<PathBuf>,
    /// The host id to report (the agent's persisted id), or a fresh one.
    pub host_id: Option<Uuid>,
    /// Where `host_id` came from, for the inventory (`state directory …`, or why there is none).
    pub host_id_source: Option<String>,
    /// Site tag.
    pub site: Option<String>,
}

/// Collects an inventory.
pub fn inventory(request: &Request) -> Inventory {
    let collected = match &request.root {
        Some(root) => inventory::collect_root(root),
        None => platform::collect_live(),
    };
    for warning in &collected.warnings {
        tracing::warn!(source = %warning.source, "{}", warning.message);
    }
    let hostname = collected
        .hostname
        .clone()
        .or_else(|| {
            request
                .root
                .is_none()
                .then(crate::probe::hostname)
                .flatten()
        })
        .unwrap_or_else(|| "unknown".to_string());
    let fqdn = collected
        .domain
        .as_ref()
        .map(|domain| format!("{hostname}.{domain}"));
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: request.host_id.unwrap_or_else(Uuid::new_v4),
            report_id: Uuid::new_v4(),
            hostname,
            domain: collected.domain,
            fqdn,
            site: request.site.clone(),
            agent_version: env!("CARGO_PKG_VERSION").to_string(),
            collected_at: Utc::now(),
            host_id_source: match (request.host_id, &request.host_id_source) {
                (_, Some(source)) => Some(source.clone()),
                (None, None) => Some("generated for this scan only".to_string()),
                (Some(_), None) => None,
            },
        },
        os: collected.os,
        software: collected.software,
        hardware: collected.hardware,
        cover: collected.cover,
        warnings: collected.warnings,
    }
}

/// Evaluates an inventory with a catalogue on `today`.
pub fn evaluate(inventory: Inventory, catalog: &Catalog, today: NaiveDate) -> ScanResult {
    let evaluation = evaluate_with(&inventory, catalog, &Options::new(today));
    if let Some(warning) = catalog.freshness(today).warning() {
        tracing::warn!("{warning}");
    }
    ScanResult {
        inventory,
        findings: evaluation.findings,
        catalog_version: catalog.version().to_string(),
        catalog_freshness: Some(catalog.freshness(today)),
        software_unmatched: evaluation.software.unmatched(),
        software: evaluation.software,
    }
}
