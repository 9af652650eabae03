//! A stored inventory as the host page shows it, rendered from the typed [`Inventory`]: every OS
//! and hardware fact under its field name (in field-name order), a [`Fact`] as its value, `absent`
//! or `not collected`; then the host id's origin, support cover, software and scan warnings.
//!
//! The OS and hardware records are taken apart field by field without `..`, so a field added to
//! the inventory does not compile here until the page shows it.

use chrono::NaiveDate;
use maud::{Markup, html};
use sunset_catalog::inventory::{
    CoverState, Cpu, Disk, Fact, Hardware, InstallationType, Inventory, Os, OsFamily, SecureBoot,
    SecureBootServicing, Tpm,
};

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
            table {
                thead { tr { th { "Programme" } th { "Year" } th { "State" } th { "Evidence" } } }
                tbody { @for c in &inv.cover { tr {
                    td { (c.program) } td { (c.year.map(|y| y.to_string()).unwrap_or_default()) }
                    td { (cover_state(c.state)) } td { (c.evidence.as_deref().unwrap_or("")) }
                } } }
            }
        }
        h3 { "Software (" (inv.software.len()) ")" }
        table {
            thead { tr { th { "Name" } th { "Version" } th { "Publisher" } th { "Source" } th { "Architecture" } } }
            tbody { @for s in &inv.software { tr {
                td { (s.name) } td { (s.version.as_deref().unwrap_or("")) } td { (s.publisher.as_deref().unwrap_or("")) }
                td { (s.source.name()) } td { (s.architecture.as_deref().unwrap_or("")) }
            } } }
        }
        @if !inv.warnings.is_empty() {
            h3 { "Scan warnings" }
            ul { @for w in &inv.warnings { li { (w.source) ": " (w.message) } } }
        }
    }
}

/// The OS's fields that have a value, by name.
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
        ("architecture", architecture.clone()),
        ("build", build.clone()),
        ("display_version", display_version.clone()),
        ("distro_codename", distro_codename.clone()),
        ("distro_id", distro_id.clone()),
        (
            "distro_id_like",
            (!distro_id_like.is_empty()).then(|| distro_id_like.shown()),
        ),
        ("distro_version_id", distro_version_id.clone()),
        ("edition", edition.clone()),
        ("family", family.map(os_family)),
        ("installation_type", installation_type.map(installation)),
        ("kernel_version", kernel_version.clone()),
        ("machine_id", Some(fact(machine_id))),
        ("name", Some(name.clone())),
        ("update_revision", update_revision.map(|r| r.to_string())),
        ("version", Some(version.clone())),
    ];
    rows.into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// Every hardware fact, by name.
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
        ("board_serial", fact(board_serial)),
        ("cpu", fact(cpu)),
        ("firmware_date", fact(firmware_date)),
        ("firmware_vendor", fact(firmware_vendor)),
        ("firmware_version", fact(firmware_version)),
        ("mac_addresses", fact(mac_addresses)),
        ("manufacturer", fact(manufacturer)),
        ("memory_bytes", fact(memory_bytes)),
        ("model", fact(model)),
        ("secure_boot", fact(secure_boot)),
        ("secure_boot_db", fact(secure_boot_db)),
        ("secure_boot_kek", fact(secure_boot_kek)),
        ("secure_boot_servicing", fact(secure_boot_servicing)),
        ("serial", fact(serial)),
        ("system_disk", fact(system_disk)),
        ("system_uuid", fact(system_uuid)),
        ("tpm", fact(tpm)),
        ("uefi", fact(uefi)),
    ]
}

/// A fact as text: its value, `absent` (looked, there is none) or `not collected`.
fn fact<T: Shown>(fact: &Fact<T>) -> String {
    match fact {
        Fact::Known(value) => value.shown(),
        Fact::Absent => "absent".to_string(),
        Fact::NotCollected => "not collected".to_string(),
    }
}

/// A known value as text: lists (MAC addresses, Secure Boot certificates) joined, records (the
/// processor, the TPM, the disk, the Secure Boot servicing values) as `field value` pairs in
/// field-name order, leaving out the fields that have none.
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
        self.to_string()
    }
}

impl Shown for u64 {
    fn shown(&self) -> String {
        self.to_string()
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
        pairs([
            ("manufacturer", manufacturer.clone()),
            ("version", Some(version.clone())),
        ])
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
        let number = |n: &Option<u32>| n.map(|n| n.to_string());
        pairs([
            ("brand", Some(brand.clone())),
            ("cores", number(cores)),
            ("family", number(family)),
            ("model", number(model)),
            ("stepping", number(stepping)),
            ("threads", number(threads)),
            ("vendor", vendor.clone()),
        ])
    }
}

impl Shown for Disk {
    fn shown(&self) -> String {
        let Disk {
            size_bytes,
            free_bytes,
        } = self;
        pairs([
            ("free_bytes", Some(free_bytes.to_string())),
            ("size_bytes", Some(size_bytes.to_string())),
        ])
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
        let number = |n: &Option<u32>| n.map(|n| n.to_string());
        pairs([
            ("available_updates", number(available_updates)),
            ("capable", number(capable)),
            ("error", number(error)),
            ("status", status.map(|s| s.as_str().to_string())),
        ])
    }
}

/// `field value` pairs joined with commas, leaving out fields without a value.
fn pairs<const N: usize>(fields: [(&str, Option<String>); N]) -> String {
    fields
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name} {}", value?)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn os_family(family: OsFamily) -> String {
    match family {
        OsFamily::Windows => "windows",
        OsFamily::Linux => "linux",
        OsFamily::Macos => "macos",
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
        CoverState::NotLicensed => "not-licensed",
        CoverState::NotCollected => "not-collected",
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
            "<dt>machine_id</dt><dd>5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d</dd>",
            "<dt>system_uuid</dt><dd>4c4c4544-0042-3510-8052-b3c04f4b4e32</dd>",
            "<dt>board_serial</dt><dd>absent</dd>",
            "<dt>serial</dt><dd>not collected</dd>",
            "<dd>00:1a:2b:3c:4d:5e, 00:50:56:ab:cd:ef</dd>",
            "<dd>Microsoft Corporation KEK CA 2011</dd>",
            "<dd>available_updates 22852, status NotStarted</dd>",
            "<dt>tpm</dt><dd>version 2.0</dd>",
            "(state directory C:\\ProgramData\\Sunset\\state (host-id))",
            "<td>windows-10-esu</td><td>1</td><td>licensed</td>",
        ] {
            assert!(html.contains(shown), "{shown} not in {html}");
        }
        // An OS field without a value is left out, not shown as empty or "null".
        assert!(!html.contains("<dt>family</dt>"), "{html}");
        assert!(!html.contains("Scan warnings"), "{html}");
    }
}
