//! Coverage of the built-in catalogue: every product is pinned by real names and versions.
//!
//! Each row is one thing a machine really reports — a DisplayName/DisplayVersion/Publisher from an
//! Uninstall key (many from the fixtures in `../shared/fixtures/windows-hives`), a dpkg or rpm
//! package, a macOS bundle, or an OS as the agent describes it — and the product, cycle and status
//! the catalogue must give it on a fixed day. Look-alikes that must match nothing have their own
//! table. [`every_product_has_a_row`] fails when a product has no row, so coverage cannot drop
//! silently when products are added or renamed.
//!
//! `input` builds what a row puts into an inventory; `rows` holds the rows and the look-alikes.

#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::{Catalog, Target};
use sunset_catalog::evaluate::{Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Origin, OriginEvidence, OriginField, Os, OsFamily,
    SCHEMA_VERSION, Software, Source,
};

use Status::{Expiring, Extended, Supported, Unknown, Unsupported};

mod input;
mod rows;

use input::{Input, Row};
use rows::{look_alikes, os_rows, software_rows};

/// The day every row is judged on (the catalogue's version date).
const TODAY: (i32, u32, u32) = (2026, 11, 25);

fn today() -> NaiveDate {
    let (y, m, d) = TODAY;
    NaiveDate::from_ymd_opt(y, m, d).expect("TODAY is a calendar date")
}

fn catalogue() -> Catalog {
    builtin::catalog().unwrap_or_else(|e| panic!("the built-in catalogue does not load:\n{e}"))
}

fn inventory(input: &Input) -> Inventory {
    let (os, software) = match input {
        Input::Os(os) => (os.clone(), vec![]),
        Input::Software(s) => (Os::default(), vec![s.clone()]),
    };
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "WKS-0042".into(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            collected_at: "2026-11-25T01:30:00Z".parse().expect("an RFC 3339 time"),
            host_id_source: None,
        },
        os,
        software,
        hardware: Hardware::default(),
        cover: Vec::new(),
        warnings: vec![],
    }
}

/// The findings for one input: OS findings for an OS, software findings for a program.
fn findings(catalog: &Catalog, input: &Input) -> Vec<Finding> {
    let target = match input {
        Input::Os(_) => Target::Os,
        Input::Software(_) => Target::Software,
    };
    evaluate_with(&inventory(input), catalog, &Options::new(today()))
        .findings
        .into_iter()
        .filter(|f| f.target == target)
        .collect()
}

fn describe(input: &Input) -> String {
    match input {
        Input::Os(os) => format!(
            "OS {:?} {} {:?} {:?}",
            os.name, os.version, os.edition, os.distro_id
        ),
        Input::Software(s) => format!(
            "{:?} {:?} [{}]",
            s.name,
            s.version.as_deref().unwrap_or(""),
            s.source.name()
        ),
    }
}

fn all_rows() -> Vec<Row> {
    let mut rows = os_rows();
    rows.extend(software_rows());
    rows
}

#[test]
fn every_row_gets_its_product_cycle_and_status() {
    let catalog = catalogue();
    let mut failures = Vec::new();
    for row in all_rows() {
        let found = findings(&catalog, &row.input);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.product_id.as_str(), f.cycle.as_deref(), f.status))
            .collect();
        if got != [(row.product, row.cycle, row.status)] {
            failures.push(format!(
                "{}: expected [({:?}, {:?}, {:?})], got {got:?}",
                describe(&row.input),
                row.product,
                row.cycle,
                row.status
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn look_alikes_match_nothing() {
    let catalog = catalogue();
    let failures: Vec<String> = look_alikes()
        .iter()
        .filter_map(|input| {
            let found = findings(&catalog, input);
            (!found.is_empty()).then(|| {
                let ids: Vec<_> = found.iter().map(|f| f.product_id.as_str()).collect();
                format!("{} matched {ids:?}", describe(input))
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "look-alikes matched:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_product_has_a_row() {
    let catalog = catalogue();
    let in_catalogue: BTreeSet<&str> = catalog
        .entries()
        .iter()
        .map(|e| e.product.id.get_ref().as_str())
        .collect();
    let rows = all_rows();
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.product).collect();
    let missing: Vec<_> = in_catalogue.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "products without a coverage row: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&in_catalogue).collect();
    assert!(
        stale.is_empty(),
        "rows for products not in the catalogue: {stale:?}"
    );
}

#[test]
fn every_dated_product_has_a_row_that_maps_to_a_cycle() {
    let catalog = catalogue();
    let rows = all_rows();
    let mapped: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.cycle.is_some())
        .map(|r| r.product)
        .collect();
    let missing: Vec<&str> = catalog
        .entries()
        .iter()
        .filter(|e| !e.releases.is_empty())
        .map(|e| e.product.id.get_ref().as_str())
        .filter(|id| !mapped.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "dated products with no row that reaches a cycle: {missing:?}"
    );
}
