//! A held-out estate judged end to end: how much of what is out of support the catalogue flags,
//! and how many of its flags are right.
//!
//! The estate (`tests/data/estate-gp-hospital.txt`) is a GP practice's and an acute hospital's
//! Windows machines — Add/Remove Programs names and versions, Internet Explorer's key, the OS —
//! plus three Linux servers, each item with the vendor's verdict for 2026-12-03. It was written
//! from vendor lifecycle statements and real installed names, not from the catalogue or the
//! coverage rows, and no ESU licence, Ubuntu Pro or support contract is in it.
//!
//! Each machine becomes one inventory, evaluated with the built-in catalogue as an agent would:
//!
//! - *flagged*: the item's finding is `unsupported`;
//! - *recall*: flagged end-of-support items / end-of-support items (≥ 90 %);
//! - *precision*: flagged end-of-support items / flagged items (≥ 98 %; a flag on an item whose
//!   vendor publishes no lifecycle counts as wrong);
//! - no end-of-support item may be called `supported` or `expiring`.
//!
//! `cargo test -p sunset-catalog --test estate -- --nocapture` prints the figures and every miss.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::{Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION, Software, Source,
};

const ESTATE: &str = include_str!("data/estate-gp-hospital.txt");

/// The day the estate is judged on.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    Eos,
    Supported,
    Unrated,
}

/// One line of the estate.
#[derive(Debug)]
struct Item {
    line: usize,
    machine: String,
    what: What,
    truth: Truth,
    basis: String,
}

#[derive(Debug)]
enum What {
    Os(Os),
    Software(Software),
}

impl Item {
    fn label(&self) -> String {
        match &self.what {
            What::Os(os) => format!("{} [OS] {} {}", self.machine, os.name, os.version),
            What::Software(s) => format!(
                "{} {} {}",
                self.machine,
                s.name,
                s.version.as_deref().unwrap_or("")
            ),
        }
    }
}

fn parse(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(f.len(), 8, "line {line_no}: 8 fields expected: {line}");
        let [machine, source, name, version, who, display, truth, basis] = f[..] else {
            unreachable!()
        };
        let truth = match truth {
            "eos" => Truth::Eos,
            "supported" => Truth::Supported,
            "unrated" => Truth::Unrated,
            other => panic!("line {line_no}: truth {other:?}"),
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let what = match source {
            "client" | "server" => {
                let parts: Vec<&str> = version.split('.').collect();
                What::Os(Os {
                    family: Some(OsFamily::Windows),
                    name: name.into(),
                    version: version.into(),
                    display_version: opt(display),
                    build: parts.get(2).map(|b| (*b).to_string()),
                    update_revision: parts.get(3).and_then(|r| r.parse().ok()),
                    edition: opt(who),
                    installation_type: Some(if source == "client" {
                        InstallationType::Client
                    } else {
                        InstallationType::Server
                    }),
                    kernel_version: Some(parts[..parts.len().min(3)].join(".")),
                    ..Os::default()
                })
            }
            "linux" => What::Os(Os {
                family: Some(OsFamily::Linux),
                name: name.into(),
                version: version.into(),
                distro_id: Some(who.into()),
                distro_version_id: Some(version.into()),
                installation_type: Some(InstallationType::Server),
                ..Os::default()
            }),
            _ => {
                let source = match source {
                    "hklm" => Source::HklmUninstall,
                    "wow" => Source::Wow6432Uninstall,
                    "user" => Source::UserUninstall {
                        user_sid: None,
                        user_name: Some("clinician".into()),
                    },
                    "ie" => Source::WindowsRegistry {
                        path: r"HKLM\SOFTWARE\Microsoft\Internet Explorer".into(),
                    },
                    other => panic!("line {line_no}: source {other:?}"),
                };
                let version = opt(version);
                What::Software(Software {
                    name: name.into(),
                    key: Software::identity_key(name, version.as_deref(), None),
                    version,
                    publisher: opt(who),
                    install_date: None,
                    architecture: None,
                    source,
                    origin: None,
                    install_location: None,
                    identifier: None,
                })
            }
        };
        items.push(Item {
            line: line_no,
            machine: machine.into(),
            what,
            truth,
            basis: basis.into(),
        });
    }
    items
}

fn inventory(machine: &str, items: &[&Item]) -> Inventory {
    let mut os = Os::default();
    let mut software = Vec::new();
    for item in items {
        match &item.what {
            What::Os(o) => os = o.clone(),
            What::Software(s) => software.push(s.clone()),
        }
    }
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: machine.to_uppercase(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            host_id_source: None,
            collected_at: "2026-12-03T02:00:00Z".parse().unwrap(),
        },
        os,
        software,
        hardware: Hardware::default(),
        cover: Vec::new(),
        warnings: vec![],
    }
}

/// Each item with the finding the catalogue made for it, if any.
fn judge(items: &[Item]) -> Vec<(&Item, Option<Finding>)> {
    let catalog = builtin::catalog().unwrap();
    let mut machines: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for item in items {
        machines.entry(&item.machine).or_default().push(item);
    }
    let options = Options::new(today());
    let mut judged = Vec::new();
    for (machine, items) in machines {
        let os_count = items
            .iter()
            .filter(|i| matches!(i.what, What::Os(_)))
            .count();
        assert!(os_count <= 1, "{machine}: more than one OS");
        let evaluation = evaluate_with(&inventory(machine, &items), &catalog, &options);
        for item in items {
            let finding = evaluation
                .findings
                .iter()
                .find(|f| match &item.what {
                    What::Os(_) => f.target == Target::Os,
                    What::Software(s) => {
                        f.target == Target::Software && f.software_key.as_deref() == Some(&s.key)
                    }
                })
                .cloned();
            judged.push((item, finding));
        }
    }
    judged.sort_by_key(|(item, _)| item.line);
    judged
}

fn status(finding: Option<&Finding>) -> &'static str {
    finding.map_or("no finding", |f| f.status.as_str())
}

#[test]
fn the_estate_is_flagged_with_high_recall_and_precision() {
    let items = parse(ESTATE);
    let machines = items
        .iter()
        .map(|i| i.machine.as_str())
        .collect::<std::collections::BTreeSet<_>>();
    assert!(items.len() >= 120, "{} items", items.len());
    let judged = judge(&items);

    let flagged = |f: &Option<Finding>| f.as_ref().is_some_and(|f| f.status == Status::Unsupported);
    let eos: Vec<_> = judged
        .iter()
        .filter(|(i, _)| i.truth == Truth::Eos)
        .collect();
    let eos_flagged = eos.iter().filter(|(_, f)| flagged(f)).count();
    let flags: Vec<_> = judged.iter().filter(|(_, f)| flagged(f)).collect();
    let wrong_flags: Vec<_> = flags
        .iter()
        .filter(|(i, _)| i.truth != Truth::Eos)
        .collect();
    let called_supported: Vec<_> = eos
        .iter()
        .filter(|(_, f)| {
            f.as_ref()
                .is_some_and(|f| matches!(f.status, Status::Supported | Status::Expiring))
        })
        .collect();
    let recall = eos_flagged as f64 / eos.len() as f64;
    let precision = (flags.len() - wrong_flags.len()) as f64 / flags.len() as f64;

    let count = |t: Truth| judged.iter().filter(|(i, _)| i.truth == t).count();
    println!(
        "estate: {} items on {} machines ({} end of support, {} supported, {} unrated), judged {}",
        items.len(),
        machines.len(),
        count(Truth::Eos),
        count(Truth::Supported),
        count(Truth::Unrated),
        today()
    );
    println!(
        "recall {eos_flagged}/{} = {:.1} %, precision {}/{} = {:.1} %",
        eos.len(),
        recall * 100.0,
        flags.len() - wrong_flags.len(),
        flags.len(),
        precision * 100.0
    );
    let mut by_status: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (item, finding) in &judged {
        let truth = format!("{:?}", item.truth).to_lowercase();
        *by_status
            .entry((status(finding.as_ref()), truth))
            .or_default() += 1;
    }
    println!("verdict by truth: {by_status:?}");
    println!("end-of-support items not flagged:");
    for (item, finding) in eos.iter().filter(|(_, f)| !flagged(f)) {
        let notes = finding
            .as_ref()
            .map(|f| f.evidence.notes.join("; "))
            .unwrap_or_default();
        println!(
            "  line {}: {} -> {} ({}) {notes}",
            item.line,
            item.label(),
            status(finding.as_ref()),
            item.basis
        );
    }
    println!("wrong flags:");
    for (item, finding) in &wrong_flags {
        let f = finding.as_ref().unwrap();
        println!(
            "  line {}: {} -> {} {} ({:?})",
            item.line,
            item.label(),
            f.product_id,
            f.cycle.as_deref().unwrap_or("-"),
            item.truth
        );
    }

    assert!(
        called_supported.is_empty(),
        "end-of-support items called supported: {called_supported:#?}"
    );
    assert!(recall >= 0.90, "recall {recall}");
    assert!(precision >= 0.98, "precision {precision}");
}

/// The items the issue names, on their machines.
#[test]
fn named_verdicts_hold_on_the_estate() {
    let items = parse(ESTATE);
    let judged = judge(&items);
    let find = |machine: &str, name: &str| {
        judged
            .iter()
            .find(|(i, _)| {
                i.machine == machine
                    && match &i.what {
                        What::Os(os) => os.name == name,
                        What::Software(s) => s.name == name,
                    }
            })
            .and_then(|(_, f)| f.clone())
            .unwrap_or_else(|| panic!("{machine} {name}: no finding"))
    };
    let win10 = find("gp-reception", "Windows 10 Pro");
    assert_eq!(win10.status, Status::Unsupported);
    assert!(
        win10
            .replacement
            .as_deref()
            .is_some_and(|r| r.contains("paid")),
        "{win10:#?}"
    );
    assert_eq!(
        find("monitoring-01", "Debian GNU/Linux 12 (bookworm)").status,
        Status::Extended
    );
    assert_eq!(
        find("mri-console", "Windows NT 4.0").status,
        Status::Unsupported
    );
    let java = find("gp-reception", "Java 8 Update 202");
    assert_eq!(java.status, Status::Unsupported);
}
