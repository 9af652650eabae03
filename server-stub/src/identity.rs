//! A host's hardware identity, read from its inventory and compared with another's: what tells a
//! re-imaged PC (same hardware, new host id) and a clone (one identity, two host ids; or one host
//! id on two machines) apart. Pure: the store ([`crate::store`]'s `identity`) decides with it.
//!
//! Which facts, and why:
//! - The **SMBIOS system UUID** anchors it: the firmware's own id of the machine, which survives a
//!   re-image. Without a usable UUID a host has no identity and is never merged or flagged, as
//!   before: a serial alone is unique only per manufacturer, and white-box boards repeat made-up
//!   serials no placeholder list knows.
//! - The **system serial** and **baseboard serial** confirm it, and contradict it when both sides
//!   know them and they differ (boards of one batch sharing a UUID that is in no list).
//! - **MAC addresses** are the weakest: a USB or dock adapter moves between PCs, and a VM clone gets
//!   new ones. They never identify a machine alone; they only confirm a UUID for a merge, and a
//!   merge is refused when both sides list adapters and share none.
//! - The OS's **machine id** (MachineGuid, `/etc/machine-id`) identifies an installation, not
//!   hardware: a re-image makes a new one, and a Windows image is often deployed with one MachineGuid
//!   on every PC (Sysprep does not always reset it), so it neither merges nor flags. It is kept as
//!   evidence: a merge records whether the OS was reinstalled (its machine id changed).
//!
//! Every value is spelled and filtered again with the catalogue's identity rules
//! ([`sunset_catalog::inventory::identity`], the table the agent uses): the collector does not
//! trust an agent to have dropped the placeholders.

use sunset_catalog::inventory::identity::{self as rules, Field};
use sunset_catalog::inventory::{Fact, Inventory};

/// Most MAC addresses kept from one report (a PC has a few physical adapters; the rest of a long
/// list from a hostile report is dropped, so a stored identity stays small).
pub const MAX_MACS: usize = 16;
/// Longest serial kept, in characters (real ones are 7 to 30; longer is junk, cut to bound rows).
const MAX_SERIAL_CHARS: usize = 64;

/// The hardware identity of one report: only facts that survived the placeholder rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardwareIdentity {
    /// SMBIOS system UUID, lower-case and hyphenated.
    pub system_uuid: String,
    /// System serial number, upper case with single spaces; `None` when not known.
    pub serial: Option<String>,
    /// Baseboard serial number, spelled as `serial`.
    pub board_serial: Option<String>,
    /// Physical adapters' MAC addresses, `aa:bb:cc:dd:ee:ff`, sorted; empty when none is known.
    pub mac_addresses: Vec<String>,
    /// The OS installation's id (evidence only, see the module documentation).
    pub machine_id: Option<String>,
}

/// Why two identities are taken as the same machine: the facts that agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// UUID and system serial.
    UuidAndSerial,
    /// UUID and baseboard serial (the system serial unknown on one side).
    UuidAndBoardSerial,
    /// UUID and at least one MAC address (no serial known on both sides).
    UuidAndMac,
    /// The UUID alone: enough to flag a clone, not to merge.
    Uuid,
}

impl Basis {
    /// How it is stored and audited.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::UuidAndSerial => "system_uuid+serial",
            Basis::UuidAndBoardSerial => "system_uuid+board_serial",
            Basis::UuidAndMac => "system_uuid+mac",
            Basis::Uuid => "system_uuid",
        }
    }
}

/// A serial as compared: known, not a placeholder, upper case with single spaces, bounded.
fn serial(field: &Fact<String>) -> Option<String> {
    let raw = field.known()?;
    let text = rules::text(Field::Serial, Some(raw));
    text.known().map(|s| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase()
            .chars()
            .take(MAX_SERIAL_CHARS)
            .collect()
    })
}

impl HardwareIdentity {
    /// The identity an inventory reports, or `None` when it has no usable system UUID (not
    /// collected, absent, or a placeholder): such a host is neither merged nor flagged.
    pub fn of(inventory: &Inventory) -> Option<HardwareIdentity> {
        let hardware = &inventory.hardware;
        let system_uuid = rules::uuid(hardware.system_uuid.known().map(String::as_str))
            .known()?
            .clone();
        let mut mac_addresses: Vec<String> = hardware
            .mac_addresses
            .known()
            .map(|macs| macs.iter().filter_map(|m| rules::mac(m)).collect())
            .unwrap_or_default();
        mac_addresses.sort();
        mac_addresses.dedup();
        mac_addresses.truncate(MAX_MACS);
        let machine_id = rules::machine_id(inventory.os.machine_id.known().map(String::as_str))
            .known()
            .cloned();
        Some(HardwareIdentity {
            system_uuid,
            serial: serial(&hardware.serial),
            board_serial: serial(&hardware.board_serial),
            mac_addresses,
            machine_id,
        })
    }

    /// What a host's identity rows are keyed by: the UUID and the serial (empty when unknown).
    /// The rest may change on the same machine (an adapter, the OS) without making it another one.
    pub fn key(&self) -> String {
        format!(
            "{}/{}",
            self.system_uuid,
            self.serial.as_deref().unwrap_or_default()
        )
    }

    /// Whether `other` is the same machine, and on what basis; `None` when it is another one (other
    /// UUID, or a serial both know that differs).
    pub fn same_hardware(&self, other: &HardwareIdentity) -> Option<Basis> {
        if self.system_uuid != other.system_uuid {
            return None;
        }
        let agree = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        };
        let serial = agree(&self.serial, &other.serial);
        let board = agree(&self.board_serial, &other.board_serial);
        if serial == Some(false) || board == Some(false) {
            return None;
        }
        Some(if serial == Some(true) {
            Basis::UuidAndSerial
        } else if board == Some(true) {
            Basis::UuidAndBoardSerial
        } else if self.shares_a_mac(other) {
            Basis::UuidAndMac
        } else {
            Basis::Uuid
        })
    }

    /// Whether a new host id reporting `self` may take over the host last seen as `old`: the same
    /// machine confirmed by more than the UUID, and not contradicted by its adapters (both list
    /// some and share none: two machines whose firmware repeats a UUID and serial).
    pub fn takes_over(&self, old: &HardwareIdentity) -> Option<Basis> {
        let basis = self.same_hardware(old)?;
        let disjoint = !self.mac_addresses.is_empty()
            && !old.mac_addresses.is_empty()
            && !self.shares_a_mac(old);
        (basis != Basis::Uuid && !disjoint).then_some(basis)
    }

    fn shares_a_mac(&self, other: &HardwareIdentity) -> bool {
        self.mac_addresses
            .iter()
            .any(|m| other.mac_addresses.binary_search(m).is_ok())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn inventory(uuid: &str, serial: &str, macs: &[&str]) -> Inventory {
        let mut inventory: Inventory = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "host": {
                "host_id": "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
                "report_id": "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a12",
                "hostname": "WKS-1", "agent_version": "1", "collected_at": "2026-01-01T00:00:00Z"
            },
            "os": {}
        }))
        .unwrap();
        inventory.hardware.system_uuid = Fact::Known(uuid.into());
        inventory.hardware.serial = Fact::Known(serial.into());
        inventory.hardware.mac_addresses =
            Fact::Known(macs.iter().map(|m| m.to_string()).collect());
        inventory
    }

    #[test]
    fn placeholders_and_missing_uuids_are_no_identity() {
        for uuid in [
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "03000200-0400-0500-0006-000700080009",
            "Not Settable",
            "",
        ] {
            assert_eq!(
                HardwareIdentity::of(&inventory(uuid, "PF2ABCDE", &[])),
                None,
                "{uuid:?}"
            );
        }
        let mut none = inventory("4c4c4544-0042-3510-8052-b3c04f4b4e32", "X", &[]);
        none.hardware.system_uuid = Fact::NotCollected;
        assert_eq!(HardwareIdentity::of(&none), None);
    }

    #[test]
    fn values_are_spelled_again_and_junk_serials_dropped() {
        let id = HardwareIdentity::of(&inventory(
            "{4C4C4544-0042-3510-8052-B3C04F4B4E32}",
            "To be filled by O.E.M.",
            &["00-1A-2B-3C-4D-5E", "00:00:00:00:00:00", "junk"],
        ))
        .unwrap();
        assert_eq!(id.system_uuid, "4c4c4544-0042-3510-8052-b3c04f4b4e32");
        assert_eq!(id.serial, None);
        assert_eq!(id.mac_addresses, vec!["00:1a:2b:3c:4d:5e"]);
        assert_eq!(id.key(), "4c4c4544-0042-3510-8052-b3c04f4b4e32/");
        let id = HardwareIdentity::of(&inventory(
            "4c4c4544-0042-3510-8052-b3c04f4b4e32",
            " 5cg8123xyz ",
            &[],
        ))
        .unwrap();
        assert_eq!(id.serial.as_deref(), Some("5CG8123XYZ"));
    }

    #[test]
    fn sameness_needs_the_uuid_and_no_contradiction() {
        let uuid = "4c4c4544-0042-3510-8052-b3c04f4b4e32";
        let a = HardwareIdentity::of(&inventory(uuid, "ABC", &["00:1a:2b:3c:4d:5e"])).unwrap();
        let same = HardwareIdentity::of(&inventory(uuid, "abc", &["00:1a:2b:3c:4d:5f"])).unwrap();
        assert_eq!(a.same_hardware(&same), Some(Basis::UuidAndSerial));
        // New adapters on both sides, no shared one: flagged as one machine, never merged.
        assert_eq!(a.takes_over(&same), None);
        let other_serial = HardwareIdentity::of(&inventory(uuid, "XYZ", &[])).unwrap();
        assert_eq!(a.same_hardware(&other_serial), None);
        let mut no_serial = a.clone();
        no_serial.serial = None;
        assert_eq!(a.same_hardware(&no_serial), Some(Basis::UuidAndMac));
        assert_eq!(a.takes_over(&no_serial), Some(Basis::UuidAndMac));
        no_serial.mac_addresses.clear();
        assert_eq!(a.same_hardware(&no_serial), Some(Basis::Uuid));
        assert_eq!(a.takes_over(&no_serial), None, "a UUID alone never merges");
        let other = HardwareIdentity::of(&inventory(
            "4c4c4544-0042-3510-8052-b3c04f4b4e33",
            "ABC",
            &[],
        ))
        .unwrap();
        assert_eq!(a.same_hardware(&other), None);
    }
}
