//! One scan: collect an inventory (from this machine or from a mounted root) and evaluate it.
//!
//! Collectors return [`Collected`] parts; this module stamps the host identity on them and runs the
//! catalogue. Which collector runs is decided once here: a `--root` is inspected for its layout, and
//! without one the platform module collects the live machine.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use sunset_catalog::evaluate::{Options, evaluate_with};
use sunset_catalog::inventory::{
    Cover, Hardware, Host, Inventory, Os, SCHEMA_VERSION, Software, Warning,
};
use sunset_catalog::{Catalog, ScanResult};
use uuid::Uuid;

use crate::{linux, macos, platform, windows};

/// What a collector found, before the host identity is added.
#[derive(Debug, Default)]
pub struct Collected {
    /// The operating system.
    pub os: Os,
    /// Installed software, de-duplicated.
    pub software: Vec<Software>,
    /// Hardware facts.
    pub hardware: Hardware,
    /// Support cover looked for (ESU licences, Ubuntu Pro).
    pub cover: Vec<Cover>,
    /// Host name, when the source knows it.
    pub hostname: Option<String>,
    /// Domain, when joined.
    pub domain: Option<String>,
    /// Sources that failed.
    pub warnings: Vec<Warning>,
}

/// The kinds of system a `--root` can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A Windows volume (`Windows/System32/config/SOFTWARE`).
    Windows,
    /// A Linux root (`etc/os-release`, `usr/lib/os-release` or `var/lib/dpkg/status`).
    Linux,
    /// A macOS volume (`System/Library/CoreServices/SystemVersion.plist`).
    Macos,
}

/// Recognises what a mounted root holds.
pub fn detect(root: &Path) -> Option<Layout> {
    if windows::offline::find_hive(root, "SOFTWARE").is_some() {
        return Some(Layout::Windows);
    }
    if root.join(macos::SYSTEM_VERSION).is_file() {
        return Some(Layout::Macos);
    }
    let linux_markers = [
        "etc/os-release",
        "usr/lib/os-release",
        "var/lib/dpkg/status",
    ];
    linux_markers
        .iter()
        .any(|m| root.join(m).exists())
        .then_some(Layout::Linux)
}

/// Collects from a mounted root. Facts an image cannot tell (TPM, memory) stay "not collected".
pub fn collect_root(root: &Path) -> Collected {
    match detect(root) {
        Some(Layout::Windows) => windows::offline::scan_volume(root),
        Some(Layout::Linux) => linux::collect(root),
        Some(Layout::Macos) => macos::collect(root),
        None => Collected {
            warnings: vec![Warning::new(
                "root",
                format!(
                    "{} holds no Windows volume (Windows/System32/config/SOFTWARE), Linux root \
                     (etc/os-release, var/lib/dpkg/status) or macOS volume ({})",
                    root.display(),
                    macos::SYSTEM_VERSION
                ),
            )],
            ..Collected::default()
        },
    }
}

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
        Some(root) => collect_root(root),
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
    ScanResult {
        inventory,
        findings: evaluation.findings,
        catalog_version: catalog.version().to_string(),
        software_unmatched: evaluation.software_unmatched,
    }
}
