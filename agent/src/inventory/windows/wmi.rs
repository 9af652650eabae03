//! What the agent asks WMI (`root\cimv2`) and how the answers become inventory facts.
//!
//! The queries run in the platform layer through the `wmi` crate, which deserialises each row into
//! the serde types here; everything else — which IDs to ask for, what a row means, what a failed
//! query means — is plain code, tested on Linux with rows built by hand. WMI is asked only what the
//! registry cannot tell: the licence store and the SMBIOS identity.
//!
//! **Windows 10 ESU.** Microsoft Learn, "Enable Extended Security Updates (ESU)"
//! (<https://learn.microsoft.com/windows/whats-new/enable-extended-security-updates>, read
//! 2026-12-03) lists the activation IDs, "the same across all eligible Windows ESU editions and all
//! devices", and has `slmgr /dlv` show "License Status: Licensed"; slmgr reads
//! `SoftwareLicensingProduct`, whose `ID` is that activation ID and whose `LicenseStatus` is 1 when
//! licensed (0 unlicensed, 2–6 grace and notification states). ESU needs Windows 10 22H2 with
//! KB5046613 (build 19045.5131) or later. Windows Server 2012/2012 R2 ESU is left out: its IDs
//! appear only in third-party scripts, and no Microsoft page giving them was found.
//!
//! A failed query is `not-collected`, never `not-licensed`; an offline volume is `not-collected` too
//! (the licence store is not in the registry).

use serde::Deserialize;
use sunset_catalog::inventory::{Cover, CoverState, Fact, InstallationType, Os, OsFamily, Warning};

use crate::inventory::identity::{self, Field};

/// The cover programme id of Windows 10 ESU (as the catalogue's extended windows name it).
pub const ESU_PROGRAM: &str = "windows-10-esu";
/// ESU year and the add-on licence's activation ID (`SoftwareLicensingProduct.ID`).
pub const ESU_YEARS: [(u32, &str); 3] = [
    (1, "f520e45e-7413-4a34-a497-d2765967d094"),
    (2, "1043add5-23b1-4afb-9a0f-64343c8f3f8d"),
    (3, "83d49986-add3-41d7-ba33-87c7bfb5c0fb"),
];
/// The oldest Windows 10 build (and UBR) that takes ESU updates: 22H2 with KB5046613.
pub const ESU_MIN_BUILD: (u32, u32) = (19045, 5131);
/// `LicenseStatus` of a licensed product.
pub const LICENSED: u32 = 1;

/// One `SoftwareLicensingProduct` row.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename = "SoftwareLicensingProduct")]
pub struct LicenseRow {
    /// The activation ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// 0 unlicensed, 1 licensed, 2–6 grace or notification.
    #[serde(rename = "LicenseStatus", default)]
    pub license_status: Option<u32>,
}

/// One `Win32_ComputerSystemProduct` row (SMBIOS type 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "Win32_ComputerSystemProduct")]
pub struct ProductRow {
    /// The system UUID.
    #[serde(rename = "UUID", default)]
    pub uuid: Option<String>,
    /// The system serial number.
    #[serde(rename = "IdentifyingNumber", default)]
    pub identifying_number: Option<String>,
}

/// One `Win32_BaseBoard` row (SMBIOS type 2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "Win32_BaseBoard")]
pub struct BaseBoardRow {
    /// The baseboard serial number.
    #[serde(rename = "SerialNumber", default)]
    pub serial_number: Option<String>,
}

/// One physical `Win32_NetworkAdapter` row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "Win32_NetworkAdapter")]
pub struct AdapterRow {
    /// `AA:BB:CC:DD:EE:FF`.
    #[serde(rename = "MACAddress", default)]
    pub mac_address: Option<String>,
}

/// The ESU licence rows, and nothing else.
pub fn esu_query() -> String {
    let ids: Vec<String> = ESU_YEARS
        .iter()
        .map(|(_, id)| format!("ID = '{id}'"))
        .collect();
    format!(
        "SELECT ID, LicenseStatus FROM SoftwareLicensingProduct WHERE {}",
        ids.join(" OR ")
    )
}
/// The SMBIOS system identity.
pub const PRODUCT_QUERY: &str = "SELECT UUID, IdentifyingNumber FROM Win32_ComputerSystemProduct";
/// The baseboard serial.
pub const BASEBOARD_QUERY: &str = "SELECT SerialNumber FROM Win32_BaseBoard";
/// The physical adapters' addresses (`PhysicalAdapter` exists from Vista on).
pub const ADAPTER_QUERY: &str =
    "SELECT MACAddress FROM Win32_NetworkAdapter WHERE PhysicalAdapter = TRUE";

/// Whether ESU cover is looked for: a Windows 10 client (not LTSC's own lifecycle, not Windows 11,
/// not a server; the build decides, as NT 10.0 covers all three).
pub fn esu_applies(os: &Os) -> bool {
    let build = os.build.as_deref().and_then(|b| b.parse::<u32>().ok());
    os.family == Some(OsFamily::Windows)
        && os.installation_type != Some(InstallationType::Server)
        && build.is_some_and(|b| (10240..22000).contains(&b))
        && !os
            .edition
            .as_deref()
            .is_some_and(|e| e.to_ascii_lowercase().contains("enterprises"))
}

fn esu_cover(year: u32, state: CoverState, evidence: String) -> Cover {
    Cover {
        program: ESU_PROGRAM.to_string(),
        year: Some(year),
        state,
        evidence: Some(evidence),
    }
}

/// All three years `not-collected` (offline, or the query failed), when ESU applies at all.
pub fn esu_not_collected(os: &Os, why: &str) -> Vec<Cover> {
    if !esu_applies(os) {
        return Vec::new();
    }
    ESU_YEARS
        .iter()
        .map(|&(year, _)| esu_cover(year, CoverState::NotCollected, why.to_string()))
        .collect()
}

fn license_status_name(status: u32) -> &'static str {
    match status {
        0 => "unlicensed",
        1 => "licensed",
        2 => "out-of-box grace",
        3 => "out-of-tolerance grace",
        4 => "non-genuine grace",
        5 => "notification",
        6 => "extended grace",
        _ => "unknown",
    }
}

/// The ESU cover from the licence rows, or from the query's error.
pub fn esu(os: &Os, rows: Result<&[LicenseRow], String>) -> Vec<Cover> {
    let rows = match rows {
        Ok(rows) => rows,
        Err(error) => {
            let why = format!("WMI SoftwareLicensingProduct query failed: {error}");
            return esu_not_collected(os, &why);
        }
    };
    if !esu_applies(os) {
        return Vec::new();
    }
    let build = os.build.as_deref().and_then(|b| b.parse::<u32>().ok());
    let too_old = match (build, os.update_revision) {
        (Some(build), Some(ubr)) => (build, ubr) < ESU_MIN_BUILD,
        (Some(build), None) => build < ESU_MIN_BUILD.0,
        _ => false,
    };
    ESU_YEARS
        .iter()
        .map(|&(year, id)| {
            let at = format!("WMI SoftwareLicensingProduct {id}");
            let row = rows.iter().find(|r| r.id.trim().eq_ignore_ascii_case(id));
            let (state, evidence) = match row.map(|r| r.license_status) {
                None => (
                    CoverState::NotLicensed,
                    format!("{at}: no ESU year {year} licence installed"),
                ),
                Some(Some(LICENSED)) if too_old => (
                    CoverState::NotLicensed,
                    format!(
                        "{at}: licensed, but ESU updates need build {}.{} or later (this machine: {})",
                        ESU_MIN_BUILD.0, ESU_MIN_BUILD.1, os.version
                    ),
                ),
                Some(Some(LICENSED)) => (
                    CoverState::Licensed,
                    format!("{at}: LicenseStatus 1 (licensed)"),
                ),
                Some(Some(other)) => (
                    CoverState::NotLicensed,
                    format!("{at}: LicenseStatus {other} ({})", license_status_name(other)),
                ),
                Some(None) => (
                    CoverState::NotCollected,
                    format!("{at}: the row has no LicenseStatus"),
                ),
            };
            esu_cover(year, state, evidence)
        })
        .collect()
}

/// Hardware identity read through WMI.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// SMBIOS system UUID.
    pub system_uuid: Fact<String>,
    /// System serial number.
    pub serial: Fact<String>,
    /// Baseboard serial number.
    pub board_serial: Fact<String>,
    /// Physical adapters' MAC addresses.
    pub mac_addresses: Fact<Vec<String>>,
}

/// A query's rows, or its error as a warning and `None`.
fn rows_or_warn<T>(
    rows: Result<Vec<T>, String>,
    class: &str,
    warnings: &mut Vec<Warning>,
) -> Option<Vec<T>> {
    rows.map_err(|e| warnings.push(Warning::new(format!("wmi:{class}"), e)))
        .ok()
}

/// The identity facts from the three queries' answers. No row at all: `Absent`; a failed query:
/// `NotCollected` and a warning.
pub fn identity(
    product: Result<Vec<ProductRow>, String>,
    board: Result<Vec<BaseBoardRow>, String>,
    adapters: Result<Vec<AdapterRow>, String>,
    warnings: &mut Vec<Warning>,
) -> Identity {
    let mut out = Identity::default();
    if let Some(rows) = rows_or_warn(product, "Win32_ComputerSystemProduct", warnings) {
        let first = rows.into_iter().next().unwrap_or_default();
        out.system_uuid = match first.uuid.as_deref() {
            None => Fact::Absent,
            uuid => identity::uuid(uuid),
        };
        out.serial = match first.identifying_number.as_deref() {
            None => Fact::Absent,
            serial => identity::text(Field::Serial, serial),
        };
    }
    if let Some(rows) = rows_or_warn(board, "Win32_BaseBoard", warnings) {
        let first = rows.into_iter().next().unwrap_or_default();
        out.board_serial = match first.serial_number.as_deref() {
            None => Fact::Absent,
            serial => identity::text(Field::Serial, serial),
        };
    }
    if let Some(rows) = rows_or_warn(adapters, "Win32_NetworkAdapter", warnings) {
        out.mac_addresses = identity::macs(rows.iter().filter_map(|r| r.mac_address.as_deref()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows10(version: &str) -> Os {
        let parts: Vec<&str> = version.split('.').collect();
        Os {
            family: Some(OsFamily::Windows),
            name: "Windows 10 Pro".into(),
            version: version.into(),
            build: parts.get(2).map(|s| s.to_string()),
            update_revision: parts.get(3).and_then(|s| s.parse().ok()),
            edition: Some("Professional".into()),
            installation_type: Some(InstallationType::Client),
            ..Os::default()
        }
    }

    fn row(id: &str, status: u32) -> LicenseRow {
        LicenseRow {
            id: id.to_uppercase(),
            license_status: Some(status),
        }
    }

    #[test]
    fn the_query_asks_for_the_three_ids_only() {
        assert_eq!(
            esu_query(),
            "SELECT ID, LicenseStatus FROM SoftwareLicensingProduct WHERE \
             ID = 'f520e45e-7413-4a34-a497-d2765967d094' OR \
             ID = '1043add5-23b1-4afb-9a0f-64343c8f3f8d' OR \
             ID = '83d49986-add3-41d7-ba33-87c7bfb5c0fb'"
        );
    }

    #[test]
    fn year_one_licensed_the_others_not() {
        let os = windows10("10.0.19045.6456");
        let rows = [row(ESU_YEARS[0].1, 1), row(ESU_YEARS[1].1, 0)];
        let cover = esu(&os, Ok(&rows));
        let states: Vec<(Option<u32>, CoverState)> =
            cover.iter().map(|c| (c.year, c.state)).collect();
        assert_eq!(
            states,
            [
                (Some(1), CoverState::Licensed),
                (Some(2), CoverState::NotLicensed),
                (Some(3), CoverState::NotLicensed)
            ]
        );
        assert!(cover.iter().all(|c| c.program == ESU_PROGRAM));
        assert_eq!(
            cover[1].evidence.as_deref(),
            Some(
                "WMI SoftwareLicensingProduct 1043add5-23b1-4afb-9a0f-64343c8f3f8d: LicenseStatus 0 (unlicensed)"
            )
        );
        assert!(
            cover[2]
                .evidence
                .as_deref()
                .unwrap()
                .contains("no ESU year 3 licence")
        );
    }

    #[test]
    fn a_failed_query_or_an_offline_scan_is_not_collected() {
        let os = windows10("10.0.19045.6456");
        let cover = esu(&os, Err("0x80041010 (WBEM_E_INVALID_CLASS)".into()));
        assert_eq!(cover.len(), 3);
        assert!(cover.iter().all(|c| c.state == CoverState::NotCollected));
        assert!(
            cover[0]
                .evidence
                .as_deref()
                .unwrap()
                .contains("WBEM_E_INVALID_CLASS")
        );
        let offline = esu_not_collected(&os, "offline scan");
        assert!(offline.iter().all(|c| c.state == CoverState::NotCollected));
    }

    #[test]
    fn too_old_a_build_takes_no_esu_updates() {
        let os = windows10("10.0.19045.4170");
        let cover = esu(&os, Ok(&[row(ESU_YEARS[0].1, 1)]));
        assert_eq!(cover[0].state, CoverState::NotLicensed);
        assert!(cover[0].evidence.as_deref().unwrap().contains("19045.5131"));
        let os = windows10("10.0.19045.5131");
        assert_eq!(
            esu(&os, Ok(&[row(ESU_YEARS[0].1, 1)]))[0].state,
            CoverState::Licensed
        );
    }

    #[test]
    fn only_windows_10_clients_are_asked() {
        let mut os = windows10("10.0.22631.4460");
        assert!(esu(&os, Ok(&[])).is_empty(), "Windows 11");
        os = windows10("10.0.17763.6414");
        os.installation_type = Some(InstallationType::Server);
        assert!(!esu_applies(&os), "Server 2019");
        os = windows10("10.0.17763.6414");
        os.edition = Some("EnterpriseS".into());
        assert!(!esu_applies(&os), "LTSC has its own lifecycle");
        assert!(esu_not_collected(&Os::default(), "x").is_empty());
        assert!(esu(&windows10("10.0.19045.6456"), Ok(&[])).len() == 3);
    }

    #[test]
    fn identity_rows() {
        let mut warnings = Vec::new();
        let found = identity(
            Ok(vec![ProductRow {
                uuid: Some("4C4C4544-0042-3510-8052-B3C04F4B4E32".into()),
                identifying_number: Some("To be filled by O.E.M.".into()),
            }]),
            Ok(vec![]),
            Ok(vec![
                AdapterRow {
                    mac_address: Some("00:1A:2B:3C:4D:5E".into()),
                },
                AdapterRow { mac_address: None },
            ]),
            &mut warnings,
        );
        assert_eq!(
            found.system_uuid,
            Fact::Known("4c4c4544-0042-3510-8052-b3c04f4b4e32".into())
        );
        assert_eq!(found.serial, Fact::Absent);
        assert_eq!(found.board_serial, Fact::Absent);
        assert_eq!(
            found.mac_addresses,
            Fact::Known(vec!["00:1a:2b:3c:4d:5e".into()])
        );
        assert!(warnings.is_empty());
        let failed = identity(
            Err("access denied".into()),
            Err("access denied".into()),
            Err("x".into()),
            &mut warnings,
        );
        assert_eq!(failed, Identity::default());
        assert_eq!(warnings.len(), 3);
        assert_eq!(warnings[0].source, "wmi:Win32_ComputerSystemProduct");
    }

    #[test]
    fn rows_deserialise_from_wmi_shaped_json() {
        let rows: Vec<LicenseRow> = serde_json::from_str(
            r#"[{"ID": "f520e45e-7413-4a34-a497-d2765967d094", "LicenseStatus": 1},
                {"ID": "1043add5-23b1-4afb-9a0f-64343c8f3f8d", "LicenseStatus": null}]"#,
        )
        .unwrap();
        assert_eq!(rows[0].license_status, Some(1));
        assert_eq!(rows[1].license_status, None);
        let product: ProductRow = serde_json::from_str(r#"{"UUID": null}"#).unwrap();
        assert_eq!(product, ProductRow::default());
    }
}
