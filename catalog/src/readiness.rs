//! Hardware verdicts that are not about a product's dates: whether a machine can take the next OS
//! (Windows 11's TPM, firmware, memory, disk and processor rules) and whether its firmware is old.
//!
//! A requirement is only failed on evidence: a fact that was not collected, or a processor no rule
//! classifies, makes the verdict `unknown`, never "needs replacement" by guess.

use chrono::{Datelike, NaiveDate};

use crate::catalog::{Catalog, CompiledReadiness, Kind, Layer, SupportEnd, Target};
use crate::finding::{Check, Dates, Evidence, Finding, Options, Outcome, Status};
use crate::inventory::{Fact, Hardware, Inventory, SecureBoot};

/// Label of a machine that fails an upgrade requirement.
pub const CANNOT_UPGRADE: &str = "cannot upgrade: needs hardware replacement";

/// Memory the OS reports excludes what firmware and graphics reserve; a 4 GB machine shows ~3.8 GiB.
const MEMORY_SLACK_PERCENT: u64 = 10;

/// Adds readiness and firmware-age findings for this inventory.
pub(crate) fn judge(
    inventory: &Inventory,
    catalog: &Catalog,
    options: &Options,
    out: &mut Vec<Finding>,
) {
    for readiness in catalog.readiness() {
        if readiness.rule.matches_os(&inventory.os).is_some()
            && readiness.versions.contains(&inventory.os.version)
        {
            out.push(upgrade(inventory, readiness));
        }
    }
    if let (Some(policy), Some(date)) = (
        catalog.firmware_age(),
        inventory.hardware.firmware_date.known(),
    ) {
        let limit = years_after(*date, policy.max_years);
        if options.today > limit {
            out.push(firmware_finding(
                inventory,
                *date,
                limit,
                policy.max_years,
                policy.replacement.clone(),
                options,
            ));
        }
    }
    if let Some(policy) = catalog.secure_boot()
        && let Some(finding) = crate::secure_boot::judge(inventory, policy, options)
    {
        out.push(finding);
    }
}

fn years_after(date: NaiveDate, years: u32) -> NaiveDate {
    let year = date
        .year()
        .saturating_add(i32::try_from(years).unwrap_or(i32::MAX));
    date.with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
        .unwrap_or(NaiveDate::MAX)
}

fn fact<T>(fact: &Fact<T>, requirement: String, judge: impl Fn(&T) -> (bool, String)) -> Check {
    let (outcome, actual) = match fact {
        Fact::Known(value) => {
            let (pass, actual) = judge(value);
            (if pass { Outcome::Pass } else { Outcome::Fail }, actual)
        }
        Fact::Absent => (Outcome::Fail, "none".to_string()),
        Fact::NotCollected => (Outcome::Unknown, "not collected".to_string()),
    };
    Check {
        requirement,
        actual,
        outcome,
    }
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// The checks of one readiness specification against the hardware.
pub fn checks(hardware: &Hardware, readiness: &CompiledReadiness) -> Vec<Check> {
    let spec = &readiness.spec;
    let mut checks = Vec::new();
    if let Some(min) = spec.min_tpm_major {
        checks.push(fact(&hardware.tpm, format!("TPM {min}.0"), |tpm| {
            let major = tpm
                .version
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok());
            (
                major.is_some_and(|m| m >= min),
                format!("TPM {}", tpm.version),
            )
        }));
    }
    if spec.secure_boot_capable {
        checks.push(firmware_check(hardware));
    }
    if let Some(min) = spec.min_memory_bytes {
        let floor = min - min / 100 * MEMORY_SLACK_PERCENT;
        checks.push(fact(
            &hardware.memory_bytes,
            format!("memory ≥ {}", gib(min)),
            |bytes| (*bytes >= floor, gib(*bytes)),
        ));
    }
    if let Some(min) = spec.min_system_disk_bytes {
        let requirement = format!("system disk ≥ {} GB", min / 1_000_000_000);
        checks.push(fact(&hardware.system_disk, requirement, |disk| {
            (
                disk.size_bytes >= min,
                format!("{} GB", disk.size_bytes / 1_000_000_000),
            )
        }));
    }
    if !readiness.cpu.is_empty() {
        checks.push(cpu_check(hardware, readiness));
    }
    checks
}

/// UEFI with Secure Boot capability. A machine booted in legacy (CSM) mode may still have UEFI
/// firmware, so legacy boot is `unknown`, not a reason to replace hardware.
fn firmware_check(hardware: &Hardware) -> Check {
    let requirement = "UEFI, Secure Boot capable".to_string();
    let (outcome, actual) = match (&hardware.uefi, &hardware.secure_boot) {
        (_, Fact::Known(SecureBoot::Enabled)) => (Outcome::Pass, "Secure Boot on"),
        (_, Fact::Known(SecureBoot::Disabled)) => (Outcome::Pass, "Secure Boot capable (off)"),
        (Fact::Known(true), Fact::Absent) => (Outcome::Fail, "UEFI without Secure Boot"),
        (Fact::Known(false), _) => (Outcome::Unknown, "legacy BIOS boot: check UEFI support"),
        _ => (Outcome::Unknown, "not collected"),
    };
    Check {
        requirement,
        actual: actual.to_string(),
        outcome,
    }
}

fn cpu_check(hardware: &Hardware, readiness: &CompiledReadiness) -> Check {
    let requirement = format!("processor supported for {}", readiness.spec.name);
    let Some(cpu) = hardware.cpu.known() else {
        return Check {
            requirement,
            actual: "not collected".to_string(),
            outcome: Outcome::Unknown,
        };
    };
    let verdict = readiness
        .cpu
        .iter()
        .find(|(regex, _)| regex.is_match(&cpu.brand))
        .map(|(_, n)| &readiness.spec.cpu[*n]);
    let (outcome, why) = match verdict {
        Some(rule) if rule.supported => (Outcome::Pass, rule.note.clone()),
        Some(rule) => (Outcome::Fail, rule.note.clone()),
        None => (
            Outcome::Unknown,
            "not classified by the catalogue".to_string(),
        ),
    };
    Check {
        requirement,
        actual: format!("{} ({why})", cpu.brand),
        outcome,
    }
}

fn upgrade(inventory: &Inventory, readiness: &CompiledReadiness) -> Finding {
    let checks = checks(&inventory.hardware, readiness);
    let failed: Vec<&Check> = checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .collect();
    let unknown = checks.iter().any(|c| c.outcome == Outcome::Unknown);
    let (status, label) = if !failed.is_empty() {
        (Status::Unsupported, CANNOT_UPGRADE.to_string())
    } else if unknown {
        (
            Status::Unknown,
            "readiness unknown: some facts not collected".to_string(),
        )
    } else {
        (
            Status::Supported,
            format!("ready for {}", readiness.spec.name),
        )
    };
    let spec = &readiness.spec;
    let summary = if failed.is_empty() {
        checks
            .iter()
            .map(|c| format!("{}: {}", c.requirement, c.actual))
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        failed
            .iter()
            .map(|c| format!("{}: {}", c.requirement, c.actual))
            .collect::<Vec<_>>()
            .join("; ")
    };
    Finding {
        target: Target::Hardware,
        subject: hardware_name(&inventory.hardware),
        installed_version: None,
        software_key: None,
        install_source: None,
        product_id: spec.id.clone(),
        product_name: spec.name.clone(),
        kind: Kind::Hardware,
        cycle: None,
        cycle_label: Some(label),
        status,
        dates: Dates::default(),
        days_until_eol: None,
        latest: None,
        replacement: (status == Status::Unsupported)
            .then(|| spec.replacement.clone())
            .flatten(),
        link: spec.link.clone(),
        date_source: readiness.source.clone(),
        evidence: Evidence {
            rule: readiness.rule.describe(),
            field: "hardware".to_string(),
            value: summary,
            version: Some(inventory.os.version.clone()),
            edition: None,
            notes: Vec::new(),
        },
        checks,
        cover: None,
        patch: None,
        layer: Layer::BuiltIn,
    }
}

fn hardware_name(hardware: &Hardware) -> String {
    hardware.name()
}

fn firmware_finding(
    inventory: &Inventory,
    date: NaiveDate,
    limit: NaiveDate,
    max_years: u32,
    replacement: Option<String>,
    options: &Options,
) -> Finding {
    let hardware = &inventory.hardware;
    let version = hardware.firmware_version.known().cloned();
    Finding {
        target: Target::Hardware,
        subject: hardware_name(hardware),
        installed_version: version.clone(),
        software_key: None,
        install_source: None,
        product_id: "firmware-age".to_string(),
        product_name: "System firmware (BIOS/UEFI)".to_string(),
        kind: Kind::Firmware,
        cycle: None,
        cycle_label: Some(format!("firmware older than {max_years} years")),
        status: Status::Unsupported,
        dates: Dates {
            released: Some(date),
            security_support_end: Some(SupportEnd::On(limit)),
            ..Dates::default()
        },
        days_until_eol: Some((limit - options.today).num_days()),
        latest: None,
        replacement,
        link: None,
        date_source: None,
        evidence: Evidence {
            rule: format!("firmware_age max_years {max_years}"),
            field: "hardware.firmware_date".to_string(),
            value: date.to_string(),
            version,
            edition: None,
            notes: Vec::new(),
        },
        checks: Vec::new(),
        cover: None,
        patch: None,
        layer: Layer::BuiltIn,
    }
}
