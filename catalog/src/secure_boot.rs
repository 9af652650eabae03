//! Whether a machine can keep receiving Secure Boot updates once Microsoft's 2011 CAs expire.
//!
//! Microsoft's 2011 Secure Boot CAs expire in June and October 2026 (KB5062713). Firmware does not
//! check expiry, so such a machine still boots; but boot-manager, `db` and `dbx` updates signed
//! after that are signed by the 2023 CAs, which it does not trust. The finding is therefore
//! "2023 CA missing", not "certificate expired", and it is judged against the catalogue's
//! `[secure_boot_certificates]` table (which CAs, their dates, their replacements and the advice).
//!
//! Evidence, best first:
//! 1. the firmware's own `db` and `KEK` lists (subject common names), the ground truth;
//! 2. where the firmware could not be read (an offline volume, no privilege) or has no such
//!    variable, Windows' servicing record (`UEFICA2023Status`, `WindowsUEFICA2023Capable`), which
//!    can lag the firmware;
//! 3. otherwise the verdict is `unknown`.
//!
//! A machine that boots without Secure Boot (legacy BIOS, or switched off) gets its own advice as an
//! `unknown` finding: the certificates do not protect it either way.

use chrono::NaiveDate;

use crate::catalog::{CertificateStore, CompiledSecureBoot, Kind, Layer, SupportEnd, Target};
use crate::finding::{Check, Dates, Evidence, Finding, Options, Outcome, Status};
use crate::inventory::{
    Fact, Hardware, Inventory, SecureBoot, SecureBootServicing, ServicingStatus,
};

/// The rule named in every finding's evidence.
const RULE: &str = "secure_boot_certificates";

/// The Secure Boot certificate finding for this inventory, if its OS family is judged.
pub(crate) fn judge(
    inventory: &Inventory,
    policy: &CompiledSecureBoot,
    options: &Options,
) -> Option<Finding> {
    let spec = &policy.spec;
    let family = inventory.os.family?;
    if !spec.os_families.contains(&family) {
        return None;
    }
    let hardware = &inventory.hardware;
    let checks = checks(hardware, policy);
    let state = match (&hardware.uefi, &hardware.secure_boot) {
        (_, Fact::Known(SecureBoot::Enabled)) => None,
        (_, Fact::Known(SecureBoot::Disabled)) => Some((
            "Secure Boot is off: the certificates do not protect this machine",
            Some(&spec.secure_boot_off_advice),
        )),
        (Fact::Known(false), _) => Some((
            "legacy BIOS boot: no Secure Boot",
            Some(&spec.no_secure_boot_advice),
        )),
        (_, Fact::Absent) => Some((
            "firmware without Secure Boot",
            Some(&spec.no_secure_boot_advice),
        )),
        (_, Fact::NotCollected) => Some(("Secure Boot state not collected", None)),
    };
    let mut finding = base(inventory, policy, &checks);
    if let Some((label, advice)) = state {
        finding.cycle_label = Some(label.to_string());
        finding.replacement = advice.cloned();
        return Some(finding);
    }
    let failed: Vec<usize> = (0..checks.len())
        .filter(|&i| checks[i].outcome == Outcome::Fail)
        .collect();
    if let Some(end) = failed.iter().map(|&i| policy.expires[i]).min() {
        let (status, days) = status_on(end, options);
        finding.status = status;
        finding.days_until_eol = Some(days);
        finding.dates.security_support_end = Some(SupportEnd::On(end));
        finding.cycle_label = Some(format!("cannot receive Secure Boot updates after {end}"));
        finding.replacement = Some(spec.missing_advice.clone());
    } else if checks.iter().any(|c| c.outcome == Outcome::Unknown) {
        finding.cycle_label = Some("Secure Boot certificates not collected".to_string());
    } else {
        finding.status = Status::Supported;
        finding.cycle_label = Some("2023 Secure Boot certificates present".to_string());
    }
    Some(finding)
}

/// `expiring` within the window, `unsupported` after the date (the date is the last good day).
fn status_on(end: NaiveDate, options: &Options) -> (Status, i64) {
    let days = (end - options.today).num_days();
    let status = if days < 0 {
        Status::Unsupported
    } else if days <= options.expiring_days {
        Status::Expiring
    } else {
        Status::Supported
    };
    (status, days)
}

/// An `unknown` finding with the checks and the evidence; [`judge`] sets the verdict.
fn base(inventory: &Inventory, policy: &CompiledSecureBoot, checks: &[Check]) -> Finding {
    let spec = &policy.spec;
    let hardware = &inventory.hardware;
    let from_firmware =
        hardware.secure_boot_db.known().is_some() || hardware.secure_boot_kek.known().is_some();
    let field = if from_firmware {
        "hardware.secure_boot_db, hardware.secure_boot_kek"
    } else {
        "hardware.secure_boot_servicing"
    };
    let value = checks
        .iter()
        .map(|c| format!("{}: {}", c.requirement, c.actual))
        .collect::<Vec<_>>()
        .join("; ");
    Finding {
        target: Target::Hardware,
        subject: hardware.name(),
        installed_version: None,
        software_key: None,
        install_source: None,
        product_id: spec.id.clone(),
        product_name: spec.name.clone(),
        kind: Kind::Firmware,
        cycle: None,
        cycle_label: None,
        status: Status::Unknown,
        dates: Dates::default(),
        days_until_eol: None,
        latest: None,
        replacement: None,
        link: spec.link.clone(),
        date_source: policy.source.clone(),
        evidence: Evidence {
            rule: RULE.to_string(),
            field: field.to_string(),
            value,
            version: None,
            edition: None,
            notes: Vec::new(),
        },
        checks: checks.to_vec(),
        cover: None,
        patch: None,
        layer: Layer::BuiltIn,
    }
}

/// One check per expiring CA: are its replacements trusted?
pub fn checks(hardware: &Hardware, policy: &CompiledSecureBoot) -> Vec<Check> {
    policy
        .spec
        .certificate
        .iter()
        .zip(&policy.expires)
        .map(|(ca, expires)| {
            let store = match ca.store {
                CertificateStore::Db => &hardware.secure_boot_db,
                CertificateStore::Kek => &hardware.secure_boot_kek,
            };
            let requirement = format!(
                "{}: {} (replaces {}, which expires {expires})",
                ca.store.as_str(),
                ca.replaced_by.join(" + "),
                ca.name
            );
            let (outcome, actual) = match store {
                Fact::Known(names) => in_firmware(names, &ca.name, &ca.replaced_by),
                // A Secure Boot machine without the variable is an anomaly, not "no CAs": the
                // next evidence decides, as when the variable could not be read.
                Fact::Absent | Fact::NotCollected => from_servicing(
                    &hardware.secure_boot_servicing,
                    ca.proven_by_windows_capable,
                ),
            };
            Check {
                requirement,
                actual,
                outcome,
            }
        })
        .collect()
}

/// Judged from the firmware's list: ready when every replacement is present; failed when the old
/// CA is trusted without them; not needed when the old CA is not trusted at all (a Secured-core PC
/// that never trusted the third-party 2011 CA needs no third-party 2023 CA).
fn in_firmware(names: &[String], old: &str, replacements: &[String]) -> (Outcome, String) {
    let has = |name: &str| names.iter().any(|n| n.trim().eq_ignore_ascii_case(name));
    let missing: Vec<&str> = replacements
        .iter()
        .map(String::as_str)
        .filter(|r| !has(r))
        .collect();
    if missing.is_empty() {
        (Outcome::Pass, "present in firmware".to_string())
    } else if has(old) {
        (
            Outcome::Fail,
            format!(
                "missing {} (firmware trusts only {old})",
                missing.join(", ")
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!("not needed: firmware does not trust {old}"),
        )
    }
}

/// Judged from Windows' servicing record when the firmware could not be read.
fn from_servicing(
    servicing: &Fact<SecureBootServicing>,
    capable_proves: bool,
) -> (Outcome, String) {
    let Fact::Known(record) = servicing else {
        return (Outcome::Unknown, "not collected".to_string());
    };
    let status = record.status.map_or("(none)", ServicingStatus::as_str);
    let error = record
        .error
        .filter(|&e| e != 0)
        .map(|e| format!(", UEFICA2023Error 0x{e:08X}"))
        .unwrap_or_default();
    if record.status == Some(ServicingStatus::Updated) {
        return (Outcome::Pass, "Windows servicing: Updated".to_string());
    }
    if capable_proves && matches!(record.capable, Some(1 | 2)) {
        let capable = record.capable.unwrap_or_default();
        return (
            Outcome::Pass,
            format!("Windows servicing: WindowsUEFICA2023Capable {capable}"),
        );
    }
    match record.status {
        Some(ServicingStatus::NotStarted | ServicingStatus::InProgress) => (
            Outcome::Fail,
            format!(
                "Windows servicing: UEFICA2023Status {status}{error} (firmware not read; the registry can lag it)"
            ),
        ),
        _ => (
            Outcome::Unknown,
            format!("Windows servicing: UEFICA2023Status {status}{error}"),
        ),
    }
}
