//! HKLM Uninstall exports (glpi), checked against regipy's listing beside each hive.

use super::*;

#[test]
fn glpi_uninstall_hives_match_regipy() {
    for name in [
        "10_russian-Uninstall",
        "mssql-Uninstall",
        "mssql_engine-Uninstall",
    ] {
        let Some(hive) = load(&format!("glpi-uninstall-reg/{name}.hive.xz")) else {
            return;
        };
        let tsv = std::fs::read_to_string(
            fixtures_dir()
                .unwrap()
                .join(format!("glpi-uninstall-reg/{name}.expected.tsv")),
        )
        .unwrap();
        let mut lines = tsv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .split('\t')
            .collect();
        let uninstall = open(&hive.root(), r"Microsoft\Windows\CurrentVersion\Uninstall");
        let mut expected_keys = Vec::new();
        for line in lines.filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            expected_keys.push(fields[0].to_owned());
            let entry = open(&uninstall, fields[0]);
            for (column, expected) in header.iter().zip(&fields).skip(1) {
                let actual = match entry.value(column).unwrap() {
                    None => String::new(),
                    Some(Value::String(s)) => s,
                    Some(Value::Dword(n)) => n.to_string(),
                    Some(other) => panic!("{name} {}: {column} = {other:?}", fields[0]),
                };
                assert_eq!(&actual, expected, "{name} {} {column}", fields[0]);
            }
        }
        let mut keys = uninstall.subkeys().unwrap();
        keys.sort();
        expected_keys.sort();
        assert_eq!(keys, expected_keys, "{name}");
    }
}
