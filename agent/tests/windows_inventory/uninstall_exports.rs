//! Real HKLM Uninstall exports (glpi-agent), built into SOFTWARE-shaped hives and checked against
//! what an independent reader of the `.reg` text expects by the Programs-and-Features rules.

use std::collections::HashMap;

use sunset_agent::inventory::windows::{self, software};
use sunset_catalog::inventory::Source;

use crate::common::{fixture_hive, fixtures_dir};
use crate::util::{date, find, machine_only};

/// One key of a `.reg` export: its path and values (names lower-cased).
struct RegKey {
    path: String,
    values: HashMap<String, RegValue>,
}

#[derive(Debug, Clone)]
enum RegValue {
    Text(String),
    Dword(u32),
    Other,
}

/// A minimal, independent reader of regedit exports (UTF-16LE with BOM, `\` line continuations).
fn parse_reg(bytes: &[u8]) -> Vec<RegKey> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units)
        .unwrap()
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n");
    let text = text.replace("\\\n  ", "");
    let mut keys: Vec<RegKey> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            keys.push(RegKey {
                path: path.to_owned(),
                values: HashMap::new(),
            });
            continue;
        }
        let (Some(key), Some(rest)) = (keys.last_mut(), line.strip_prefix('"')) else {
            continue;
        };
        let Some((name, data)) = rest.split_once("\"=") else {
            continue;
        };
        let value = if let Some(s) = data.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
            RegValue::Text(s.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else if let Some(hex) = data.strip_prefix("dword:") {
            RegValue::Dword(u32::from_str_radix(hex, 16).unwrap())
        } else if let Some(hex) = data.strip_prefix("hex(2):") {
            let bytes: Vec<u8> = hex
                .split(',')
                .map(|b| u8::from_str_radix(b.trim(), 16).unwrap())
                .collect();
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            RegValue::Text(
                String::from_utf16_lossy(&units)
                    .trim_end_matches('\0')
                    .to_owned(),
            )
        } else {
            RegValue::Other
        };
        key.values.insert(name.to_lowercase(), value);
    }
    keys
}

/// Programs in a glpi export by the Programs-and-Features rules, computed from the text.
fn expected_from_reg(keys: &[RegKey]) -> Vec<(String, Option<String>)> {
    const PREFIX: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\";
    let mut out = Vec::new();
    for key in keys {
        let Some(sub) = key.path.strip_prefix(PREFIX) else {
            continue;
        };
        assert!(!sub.contains('\\'), "nested key {sub}");
        let text = |n: &str| match key.values.get(n) {
            Some(RegValue::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        };
        let dword = |n: &str| match key.values.get(n) {
            Some(RegValue::Dword(v)) => Some(*v),
            _ => None,
        };
        let Some(name) = text("displayname") else {
            continue;
        };
        let update_types = [
            "update",
            "hotfix",
            "security update",
            "service pack",
            "update rollup",
        ];
        if dword("systemcomponent") == Some(1)
            || key.values.contains_key("parentkeyname")
            || text("releasetype")
                .is_some_and(|t| update_types.contains(&t.to_lowercase().as_str()))
            || dword("isminorupgrade") == Some(1)
        {
            continue;
        }
        out.push((name, text("displayversion")));
    }
    out.sort();
    out
}

#[test]
fn glpi_uninstall_exports() {
    for (name, count) in [
        ("10_russian-Uninstall", 2),
        ("mssql-Uninstall", 7),
        ("mssql_engine-Uninstall", 2),
    ] {
        let Some(dir) = fixtures_dir() else { return };
        let reg = std::fs::read(dir.join(format!("glpi-uninstall-reg/{name}.reg"))).unwrap();
        let keys = parse_reg(&reg);
        let expected = expected_from_reg(&keys);
        assert_eq!(expected.len(), count, "{name}: PROVENANCE count");

        // Real packed `Version` values decode to the DisplayVersion written beside them.
        for key in &keys {
            if let (Some(RegValue::Dword(packed)), Some(RegValue::Text(display))) =
                (key.values.get("version"), key.values.get("displayversion"))
            {
                assert_eq!(&software::unpack_version(*packed), display, "{}", key.path);
            }
        }

        let hive = fixture_hive(&format!("glpi-uninstall-reg/{name}.hive.xz")).unwrap();
        let root = hive.root();
        let inventory = windows::collect(&machine_only(&root), &[]);
        let mut got: Vec<_> = inventory
            .software
            .iter()
            .map(|s| (s.name.clone(), s.version.clone()))
            .collect();
        got.sort();
        assert_eq!(got, expected, "{name}");
        assert!(
            inventory
                .software
                .iter()
                .all(|s| s.source == Source::HklmUninstall)
        );
        // No WOW6432Node and no SYSTEM: the view's architecture is unknown, not guessed.
        assert!(inventory.software.iter().all(|s| s.architecture.is_none()));
        // The hive has no Windows NT\CurrentVersion: one warning, nothing else.
        let sources: Vec<_> = inventory
            .warnings
            .iter()
            .map(|w| w.source.as_str())
            .collect();
        assert_eq!(
            sources,
            [r"registry:HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"],
            "{name}"
        );
        assert_eq!(inventory.os.version, "");

        match name {
            "10_russian-Uninstall" => {
                let csp = find(&inventory.software, "КриптоПро CSP");
                assert_eq!(csp.version.as_deref(), Some("5.0.12000"));
                assert_eq!(csp.publisher.as_deref(), Some("Компания КриптоПро"));
                assert_eq!(
                    csp.identifier.as_deref(),
                    Some("{50F91F80-D397-437C-B0C8-62128DE3B55E}")
                );
                assert_eq!(csp.install_date, date(2021, 7, 24));
                let one_c = find(&inventory.software, "1C Предприятие 7.7");
                assert_eq!(
                    (one_c.version.as_deref(), one_c.publisher.as_deref()),
                    (Some("77.27"), None)
                );
            }
            "mssql-Uninstall" => {
                let git = find(&inventory.software, "Git version 2.12.2.2");
                assert_eq!(git.install_date, date(2017, 5, 2));
                assert_eq!(
                    git.install_location.as_deref(),
                    Some(r"C:\Program Files\Git\")
                );
                let perl = find(&inventory.software, "Strawberry Perl (64-bit)");
                assert_eq!(perl.version.as_deref(), Some("5.24.1"));
                assert_eq!(
                    perl.identifier.as_deref(),
                    Some("{532C05E1-7376-1014-987E-E28031843670}")
                );
                assert_eq!(
                    find(&inventory.software, "Mozilla Firefox 57.0.2 (fr)")
                        .version
                        .as_deref(),
                    Some("57.0.2")
                );
            }
            _ => {
                let engine = find(&inventory.software, "SQL Server Database Engine Services");
                assert_eq!(engine.version.as_deref(), Some("17.77.6700.34"));
            }
        }
    }
}
