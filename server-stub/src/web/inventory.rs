//! A stored inventory as the host page shows it, rendered from the typed [`Inventory`]: every OS
//! and hardware fact under a label in words, a [`Fact`] as its value, `absent` or `not collected`;
//! then the host id's origin, support cover, software and scan warnings.
//!
//! Values read as people read them (`web::format`): sizes in GiB, flags as yes or no, records
//! (processor, disk, TPM, Secure Boot servicing) as a sentence rather than field names, enum
//! values as words. The agent's own field names stay in the JSON API.
//!
//! The OS and hardware records are taken apart field by field without `..`, so a field added to
//! the inventory does not compile here until the page shows it.

use chrono::NaiveDate;
use maud::{Markup, html};
use sunset_catalog::inventory::{
    CoverState, Cpu, Disk, Fact, Hardware, InstallationType, Inventory, Os, OsFamily, SecureBoot,
    SecureBootServicing, ServicingStatus, Tpm,
};

use super::format::{bytes, yes_no};

/// The inventory's sections, under the host page's "Inventory" heading.
pub(super) fn inventory_view(inv: &Inventory) -> Markup {
    html! {
        h3 { "Operating system" }
        dl.facts { @for (name, value) in os_facts(&inv.os) { dt { (name) } dd { (value) } } }
        h3 { "Hardware" }
        dl.facts { @for (name, value) in hardware_facts(&inv.hardware) { dt { (name) } dd { (value) } } }
        @if let Some(source) = &inv.host.host_id_source {
            p { "Host id: " (inv.host.host_id) " (" (source) ")" }
        }
        @if !inv.cover.is_empty() {
            h3 { "Support cover" }
            div.table-wrap { table {
                thead { tr { th { "Programme" } th { "Year" } th { "State" } th { "Evidence" } } }
                tbody { @for c in &inv.cover { tr {
                    td { (c.program) } td { (c.year.map(|y| y.to_string()).unwrap_or_default()) }
                    td { (cover_state(c.state)) } td { (c.evidence.as_deref().unwrap_or("")) }
                } } }
            } }
        }
        h3 { "Software (" (inv.software.len()) ")" }
        div.table-wrap { table {
            thead { tr { th { "Name" } th { "Version" } th { "Publisher" } th { "Source" } th { "Architecture" } } }
            tbody { @for s in &inv.software { tr {
                td { (s.name) } td { (s.version.as_deref().unwrap_or("")) } td { (s.publisher.as_deref().unwrap_or("")) }
                td { (s.source.name()) } td { (s.architecture.as_deref().unwrap_or("")) }
            } } }
        } }
        @if !inv.warnings.is_empty() {
            h3 { "Scan warnings" }
            ul { @for w in &inv.warnings { li { (w.source) ": " (w.message) } } }
        }
    }
}

/// The OS's fields that have a value, by label.
fn os_facts(os: &Os) -> Vec<(&'static str, String)> {
    let Os {
        family,
        name,
        version,
        display_version,
        build,
        update_revision,
        edition,
        installation_type,
        architecture,
        kernel_version,
        distro_id,
        distro_version_id,
        distro_codename,
        distro_id_like,
        machine_id,
    } = os;
    let rows = [
        ("Name", Some(name.clone())),
        ("Version", Some(version.clone())),
        ("Release", display_version.clone()),
        ("Build", build.clone()),
        (
            "Update revision (UBR)",
            update_revision.map(|r| r.to_string()),
        ),
        ("Edition", edition.clone()),
        ("Installation type", installation_type.map(installation)),
        ("Family", family.map(os_family)),
        ("Architecture", architecture.clone()),
        ("Kernel", kernel_version.clone()),
        ("Distribution", distro_id.clone()),
        ("Distribution version", distro_version_id.clone()),
        ("Distribution codename", distro_codename.clone()),
        (
            "Distribution family",
            (!distro_id_like.is_empty()).then(|| distro_id_like.join(", ")),
        ),
        ("Installation id", Some(fact(machine_id))),
    ];
    rows.into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// Every hardware fact, by label.
fn hardware_facts(hardware: &Hardware) -> [(&'static str, String); 18] {
    let Hardware {
        manufacturer,
        model,
        serial,
        system_uuid,
        board_serial,
        mac_addresses,
        firmware_vendor,
        firmware_version,
        firmware_date,
        uefi,
        secure_boot,
        tpm,
        cpu,
        memory_bytes,
        system_disk,
        secure_boot_db,
        secure_boot_kek,
        secure_boot_servicing,
    } = hardware;
    [
        ("Manufacturer", fact(manufacturer)),
        ("Model", fact(model)),
        ("Serial number", fact(serial)),
        ("Board serial number", fact(board_serial)),
        ("System UUID", fact(system_uuid)),
        ("MAC addresses", fact(mac_addresses)),
        ("Processor", fact(cpu)),
        ("Memory", fact_as(memory_bytes, |n| bytes(*n))),
        ("System disk", fact(system_disk)),
        ("Firmware vendor", fact(firmware_vendor)),
        ("Firmware version", fact(firmware_version)),
        ("Firmware date", fact(firmware_date)),
        ("UEFI", fact(uefi)),
        ("Secure Boot", fact(secure_boot)),
        ("TPM", fact(tpm)),
        (
            "Secure Boot allowed certificates (db)",
            fact(secure_boot_db),
        ),
        ("Secure Boot key exchange keys (KEK)", fact(secure_boot_kek)),
        (
            "Secure Boot certificate update (2023 CAs)",
            fact(secure_boot_servicing),
        ),
    ]
}

/// A fact as text: its value, `absent` (looked, there is none) or `not collected`.
fn fact<T: Shown>(fact: &Fact<T>) -> String {
    fact_as(fact, T::shown)
}

/// A fact as text, its value shown by `show`.
fn fact_as<T>(fact: &Fact<T>, show: impl Fn(&T) -> String) -> String {
    match fact {
        Fact::Known(value) => show(value),
        Fact::Absent => "absent".to_string(),
        Fact::NotCollected => "not collected".to_string(),
    }
}

/// A known value as text: lists (MAC addresses, Secure Boot certificates) joined, records (the
/// processor, the TPM, the disk, the Secure Boot servicing values) as a short phrase, leaving out
/// the fields that have no value.
trait Shown {
    fn shown(&self) -> String;
}

impl Shown for String {
    fn shown(&self) -> String {
        self.clone()
    }
}

impl Shown for Vec<String> {
    fn shown(&self) -> String {
        self.join(", ")
    }
}

impl Shown for NaiveDate {
    fn shown(&self) -> String {
        self.to_string()
    }
}

impl Shown for bool {
    fn shown(&self) -> String {
        yes_no(*self).to_string()
    }
}

impl Shown for SecureBoot {
    fn shown(&self) -> String {
        match self {
            SecureBoot::Enabled => "enabled",
            SecureBoot::Disabled => "disabled",
        }
        .to_string()
    }
}

impl Shown for Tpm {
    fn shown(&self) -> String {
        let Tpm {
            version,
            manufacturer,
        } = self;
        match manufacturer {
            Some(m) => format!("version {version}, made by {m}"),
            None => format!("version {version}"),
        }
    }
}

impl Shown for Cpu {
    fn shown(&self) -> String {
        let Cpu {
            brand,
            vendor,
            family,
            model,
            stepping,
            cores,
            threads,
        } = self;
        let count = |n: &Option<u32>, one: &str, many: &str| {
            n.map(|n| format!("{n} {}", if n == 1 { one } else { many }))
        };
        let number = |name: &str, n: &Option<u32>| n.map(|n| format!("{name} {n}"));
        let mut text = brand.clone();
        let counts: Vec<String> = [
            count(cores, "core", "cores"),
            count(threads, "thread", "threads"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !counts.is_empty() {
            text.push_str(&format!(", {}", counts.join(", ")));
        }
        // What Windows 11 readiness rules read: shown in brackets, as a detail.
        let ids: Vec<String> = [
            vendor.clone(),
            number("family", family),
            number("model", model),
            number("stepping", stepping),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !ids.is_empty() {
            text.push_str(&format!(" ({})", ids.join(", ")));
        }
        text
    }
}

impl Shown for Disk {
    fn shown(&self) -> String {
        let Disk {
            size_bytes,
            free_bytes,
        } = self;
        format!("{}, {} free", bytes(*size_bytes), bytes(*free_bytes))
    }
}

impl Shown for SecureBootServicing {
    fn shown(&self) -> String {
        let SecureBootServicing {
            status,
            error,
            capable,
            available_updates,
        } = self;
        let parts: Vec<String> = [
            status.map(|s| servicing_status(s).to_string()),
            capable.map(capable_text),
            available_updates.map(|u| format!("updates pending 0x{u:04X}")),
            error.map(|e| format!("error {e}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "no values".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// `WindowsUEFICA2023Capable` in words (KB5068202).
fn capable_text(capable: u32) -> String {
    match capable {
        0 => "2023 CA not in db".to_string(),
        1 => "2023 CA in db".to_string(),
        2 => "2023 CA in db, booting the 2023-signed boot manager".to_string(),
        other => format!("capable value {other}"),
    }
}

/// Windows' record of the 2023 certificate update (KB5068202) in words.
fn servicing_status(status: ServicingStatus) -> &'static str {
    match status {
        ServicingStatus::NotStarted => "not started",
        ServicingStatus::InProgress => "in progress",
        ServicingStatus::Updated => "updated",
        ServicingStatus::Other => "an unknown state",
    }
}

fn os_family(family: OsFamily) -> String {
    match family {
        OsFamily::Windows => "Windows",
        OsFamily::Linux => "Linux",
        OsFamily::Macos => "macOS",
        OsFamily::Other => "other",
    }
    .to_string()
}

fn installation(kind: InstallationType) -> String {
    match kind {
        InstallationType::Client => "client",
        InstallationType::Server => "server",
        InstallationType::Other => "other",
    }
    .to_string()
}

fn cover_state(state: CoverState) -> &'static str {
    match state {
        CoverState::Licensed => "licensed",
        CoverState::NotLicensed => "not licensed",
        CoverState::NotCollected => "not collected",
        CoverState::Other => "other",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use sunset_catalog::inventory::{Cover, Host, SCHEMA_VERSION, ServicingStatus};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_host_page_shows_identity_secure_boot_and_cover() {
        let inventory = Inventory {
            schema_version: SCHEMA_VERSION,
            host: Host {
                host_id: "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11".parse().unwrap(),
                report_id: Uuid::from_u128(2),
                hostname: "WKS-0042".into(),
                domain: None,
                fqdn: None,
                site: None,
                agent_version: "0.1.0".into(),
                collected_at: "2026-11-25T01:30:00Z".parse().unwrap(),
                host_id_source: Some(
                    "state directory C:\\ProgramData\\Sunset\\state (host-id)".into(),
                ),
            },
            os: Os {
                name: "Windows 10 Pro".into(),
                machine_id: Fact::Known("5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d".into()),
                ..Os::default()
            },
            software: Vec::new(),
            hardware: Hardware {
                system_uuid: Fact::Known("4c4c4544-0042-3510-8052-b3c04f4b4e32".into()),
                board_serial: Fact::Absent,
                mac_addresses: Fact::Known(vec![
                    "00:1a:2b:3c:4d:5e".into(),
                    "00:50:56:ab:cd:ef".into(),
                ]),
                secure_boot_kek: Fact::Known(vec!["Microsoft Corporation KEK CA 2011".into()]),
                secure_boot_servicing: Fact::Known(SecureBootServicing {
                    status: Some(ServicingStatus::NotStarted),
                    available_updates: Some(22852),
                    ..SecureBootServicing::default()
                }),
                tpm: Fact::Known(Tpm {
                    version: "2.0".into(),
                    manufacturer: None,
                }),
                memory_bytes: Fact::Known(17_069_305_856),
                system_disk: Fact::Known(Disk {
                    size_bytes: 511_101_108_224,
                    free_bytes: 128_849_018_880,
                }),
                uefi: Fact::Known(true),
                cpu: Fact::Known(Cpu {
                    brand: "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz".into(),
                    vendor: Some("GenuineIntel".into()),
                    family: Some(6),
                    model: Some(158),
                    stepping: Some(10),
                    cores: Some(6),
                    threads: Some(6),
                }),
                ..Hardware::default()
            },
            cover: vec![Cover {
                program: "windows-10-esu".into(),
                year: Some(1),
                state: CoverState::Licensed,
                evidence: Some(
                    "WMI SoftwareLicensingProduct f520e45e-7413-4a34-a497-d2765967d094: \
                     LicenseStatus 1 (licensed)"
                        .into(),
                ),
            }],
            warnings: Vec::new(),
        };
        let html = inventory_view(&inventory).into_string();
        for shown in [
            "<dt>Installation id</dt><dd>5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d</dd>",
            "<dt>System UUID</dt><dd>4c4c4544-0042-3510-8052-b3c04f4b4e32</dd>",
            "<dt>Board serial number</dt><dd>absent</dd>",
            "<dt>Serial number</dt><dd>not collected</dd>",
            "<dd>00:1a:2b:3c:4d:5e, 00:50:56:ab:cd:ef</dd>",
            "<dd>Microsoft Corporation KEK CA 2011</dd>",
            "<dd>not started, updates pending 0x5944</dd>",
            "<dt>TPM</dt><dd>version 2.0</dd>",
            "<dt>Memory</dt><dd>15.9 GiB</dd>",
            "<dt>System disk</dt><dd>476 GiB, 120 GiB free</dd>",
            "<dt>UEFI</dt><dd>yes</dd>",
            "<dt>Processor</dt><dd>Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz, 6 cores, 6 threads \
             (GenuineIntel, family 6, model 158, stepping 10)</dd>",
            "(state directory C:\\ProgramData\\Sunset\\state (host-id))",
            "<td>windows-10-esu</td><td>1</td><td>licensed</td>",
        ] {
            assert!(html.contains(shown), "{shown} not in {html}");
        }
        // An OS field without a value is left out, not shown as empty or "null"; no raw field
        // names, byte counts or JSON.
        assert!(!html.contains("<dt>Family</dt>"), "{html}");
        for raw in [
            "memory_bytes",
            "17069305856",
            "size_bytes",
            "true",
            "{",
            "NotStarted",
        ] {
            assert!(!html.contains(raw), "{raw} in {html}");
        }
        assert!(!html.contains("Scan warnings"), "{html}");
    }
}
