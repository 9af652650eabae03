//! The identity facts that outlive a re-image (SMBIOS UUID, serials, MAC addresses) and the one that
//! does not (the OS's machine id): normalised to one spelling and stripped of placeholders.
//!
//! One definition for both sides of the wire. The agent spells every value this way whichever OS
//! reported it (Linux sysfs, Windows WMI and registry), and the collector applies the same rules
//! again to what it receives, because it must not trust an agent (an older one, or one that is not
//! ours) to have filtered the junk before it merges or flags hosts by these facts. A placeholder
//! ("To be filled by O.E.M.", the AMI template UUID, an all-zero MAC) is shared by thousands of
//! machines and identifies none: it becomes `Absent`. The list of placeholders is data
//! (`identity-placeholders.toml` beside this file, each entry sourced there); the one rule in code
//! is that an empty value, or one repeated character once separators are removed, is a placeholder
//! in every field.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use super::Fact;
use serde::Deserialize;
use uuid::Uuid;

/// The placeholder table, compiled into the agent.
const PLACEHOLDERS: &str = include_str!("identity-placeholders.toml");

/// Which kind of field a value was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// A system, baseboard or chassis serial number.
    Serial,
    /// A manufacturer or model name.
    Product,
    /// An SMBIOS system UUID.
    Uuid,
    /// Windows `MachineGuid` or Linux `/etc/machine-id`.
    MachineId,
    /// A MAC address.
    Mac,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    serial: List,
    product: List,
    uuid: List,
    machine_id: List,
    mac: List,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    values: Vec<String>,
}

/// The table with every value normalised ([`normalise`]), per field.
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    // The file is compiled in and a test parses it, so this cannot fail in a shipped binary.
    let mut table: Table = toml::from_str(PLACEHOLDERS).unwrap_or_default();
    for list in [
        &mut table.serial,
        &mut table.product,
        &mut table.uuid,
        &mut table.machine_id,
        &mut table.mac,
    ] {
        for value in &mut list.values {
            *value = normalise(value);
        }
    }
    table
});

/// Lower case, trimmed, inner runs of whitespace collapsed to one space.
fn normalise(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `value` is a placeholder for `field`.
pub fn is_placeholder(field: Field, value: &str) -> bool {
    let significant: Vec<char> = value
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | ':' | '.' | '_' | '{' | '}'))
        .collect();
    let repeated = significant
        .first()
        .is_none_or(|first| significant.iter().all(|c| c.eq_ignore_ascii_case(first)));
    if repeated {
        return true;
    }
    let table = &*TABLE;
    let list = match field {
        Field::Serial => &table.serial,
        Field::Product => &table.product,
        Field::Uuid => &table.uuid,
        Field::MachineId => &table.machine_id,
        Field::Mac => &table.mac,
    };
    let value = normalise(value);
    list.values.contains(&value)
}

/// A text fact (serial, manufacturer, model): `NotCollected` when unread, `Absent` when a
/// placeholder, else the trimmed text.
pub fn text(field: Field, raw: Option<&str>) -> Fact<String> {
    match raw {
        None => Fact::NotCollected,
        Some(value) if is_placeholder(field, value) => Fact::Absent,
        Some(value) => Fact::Known(value.trim().to_string()),
    }
}

/// An SMBIOS UUID, lower-case and hyphenated. Braces and case are normalised; text that is not a
/// UUID at all is `Absent` (firmware garbage identifies nothing).
pub fn uuid(raw: Option<&str>) -> Fact<String> {
    let Some(value) = raw else {
        return Fact::NotCollected;
    };
    let value = value.trim().trim_start_matches('{').trim_end_matches('}');
    match Uuid::parse_str(value) {
        Ok(parsed) => {
            let text = parsed.hyphenated().to_string();
            if is_placeholder(Field::Uuid, &text) {
                Fact::Absent
            } else {
                Fact::Known(text)
            }
        }
        Err(_) => Fact::Absent,
    }
}

/// An OS installation id: Windows `MachineGuid` (a UUID) or Linux `/etc/machine-id` (32 hex
/// digits), lower case, braces removed.
pub fn machine_id(raw: Option<&str>) -> Fact<String> {
    let Some(value) = raw else {
        return Fact::NotCollected;
    };
    let value = value
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase();
    if is_placeholder(Field::MachineId, &value)
        || !value.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    {
        return Fact::Absent;
    }
    Fact::Known(value)
}

/// A MAC address as `aa:bb:cc:dd:ee:ff`, from any of `AA-BB-…`, `aa:bb:…` or `aabbcc…`; `None` for
/// text that is not one, a placeholder, or a multicast address.
pub fn mac(raw: &str) -> Option<String> {
    let hex: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let octets: Vec<&str> = (0..6).map(|i| &hex[i * 2..i * 2 + 2]).collect();
    let first = u8::from_str_radix(octets[0], 16).ok()?;
    let text = octets.join(":");
    (first & 1 == 0 && !is_placeholder(Field::Mac, &text)).then_some(text)
}

/// The MAC addresses of a machine's physical adapters: normalised, placeholders dropped, sorted and
/// without repeats; `Absent` when none is left.
pub fn macs<'a>(raw: impl IntoIterator<Item = &'a str>) -> Fact<Vec<String>> {
    let set: BTreeSet<String> = raw.into_iter().filter_map(mac).collect();
    if set.is_empty() {
        Fact::Absent
    } else {
        Fact::Known(set.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_entry_is_a_placeholder() {
        let table: Table = toml::from_str(PLACEHOLDERS).expect("identity-placeholders.toml");
        for (field, list) in [
            (Field::Serial, &table.serial),
            (Field::Product, &table.product),
            (Field::Uuid, &table.uuid),
            (Field::MachineId, &table.machine_id),
            (Field::Mac, &table.mac),
        ] {
            assert!(!list.values.is_empty(), "{field:?}");
            for value in &list.values {
                assert!(is_placeholder(field, value), "{field:?} {value:?}");
                assert!(is_placeholder(field, &value.to_uppercase()), "{value:?}");
                assert!(is_placeholder(field, &format!("  {value} ")), "{value:?}");
            }
        }
    }

    #[test]
    fn oem_and_hypervisor_serials_are_absent() {
        for junk in [
            "To Be Filled By O.E.M.",
            "To be filled by O.E.M.",
            "Default string",
            "System Serial Number",
            "Base Board Serial Number",
            "0",
            "0000000000",
            "XXXXXXXXXXXX",
            "0000-0000-0000-0000-0000-0000-00",
            "",
            "   ",
            "None",
        ] {
            assert_eq!(text(Field::Serial, Some(junk)), Fact::Absent, "{junk:?}");
        }
        for real in [
            "5CG8123XYZ",
            "VMware-56 4d 7b 9d 2a 11 3c 7e-5f 0e 44 2c 9a 1b 7d 30",
            "/7XYZ123/CN1296382B0123/",
            "PF2ABCDE",
        ] {
            assert_eq!(
                text(Field::Serial, Some(real)),
                Fact::Known(real.trim().to_string())
            );
        }
        assert_eq!(text(Field::Serial, None), Fact::NotCollected);
        assert_eq!(
            text(Field::Product, Some("System Product Name")),
            Fact::Absent
        );
        assert_eq!(
            text(Field::Product, Some("OptiPlex 7060")),
            Fact::Known("OptiPlex 7060".into())
        );
    }

    #[test]
    fn uuids_are_normalised_and_template_uuids_absent() {
        assert_eq!(
            uuid(Some("{4C4C4544-0042-3510-8052-B3C04F4B4E32}")),
            Fact::Known("4c4c4544-0042-3510-8052-b3c04f4b4e32".into())
        );
        for junk in [
            "00000000-0000-0000-0000-000000000000",
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "03000200-0400-0500-0006-000700080009",
            "FEFEFEFE-FEFE-FEFE-FEFE-FEFEFEFEFEFE",
            "Not Settable",
            "",
        ] {
            assert_eq!(uuid(Some(junk)), Fact::Absent, "{junk:?}");
        }
        assert_eq!(uuid(None), Fact::NotCollected);
    }

    #[test]
    fn machine_ids() {
        assert_eq!(
            machine_id(Some("3d1219c7c4c5404aaa1f6d2a48adfda4\n")),
            Fact::Known("3d1219c7c4c5404aaa1f6d2a48adfda4".into())
        );
        assert_eq!(
            machine_id(Some("{6F0D3F6C-3C5E-4F55-9D7E-3F1F5F0B1A11}")),
            Fact::Known("6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11".into())
        );
        assert_eq!(machine_id(Some("uninitialized\n")), Fact::Absent);
        assert_eq!(machine_id(Some("")), Fact::Absent);
        assert_eq!(machine_id(Some("not hex at all")), Fact::Absent);
    }

    #[test]
    fn macs_are_normalised_sorted_and_filtered() {
        assert_eq!(
            mac("00-1A-2B-3C-4D-5E").as_deref(),
            Some("00:1a:2b:3c:4d:5e")
        );
        assert_eq!(mac("001a2b3c4d5e").as_deref(), Some("00:1a:2b:3c:4d:5e"));
        assert_eq!(mac("00:00:00:00:00:00"), None);
        assert_eq!(mac("ff:ff:ff:ff:ff:ff"), None);
        assert_eq!(mac("01:00:5e:00:00:fb"), None, "multicast");
        assert_eq!(mac("02-00-4C-4F-4F-50"), None, "Microsoft loopback");
        assert_eq!(mac("00:1a:2b"), None);
        assert_eq!(
            macs([
                "00:50:56:AB:CD:EF",
                "00-1A-2B-3C-4D-5E",
                "00:1a:2b:3c:4d:5e",
                "junk"
            ]),
            Fact::Known(vec!["00:1a:2b:3c:4d:5e".into(), "00:50:56:ab:cd:ef".into()])
        );
        assert_eq!(macs(["00:00:00:00:00:00"]), Fact::Absent);
    }
}
