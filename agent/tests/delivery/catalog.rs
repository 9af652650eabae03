//! Signed catalogue updates: a good newer bundle is kept; tampered, foreign-signed or older bundles
//! are rejected and the previous catalogue stays.

use sunset_agent::service::ReportOutcome;
use sunset_catalog::bundle::{self, Bundle, SigningKey};

use crate::fake::Fake;
use crate::util::{Install, block_on, capture_logs, fast};

fn key(seed: u8) -> SigningKey {
    bundle::signing_key_from_seed(&[seed; 32])
}

/// The built-in catalogue's files as a bundle of `version`, signed with `key`.
fn signed(version: &str, key: &SigningKey) -> Vec<u8> {
    let files = sunset_catalog::builtin::FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    Bundle::from_dir_files(version, files)
        .unwrap()
        .sign(key)
        .unwrap()
}

fn install_with_key(fake: &Fake) -> Install {
    let public = bundle::encode_verifying_key(&key(1).verifying_key());
    Install::new(
        &fake.url(),
        "t",
        &format!("catalog_public_key = {:?}", public.trim()),
    )
}

fn stored_bundle(install: &Install) -> Option<Vec<u8>> {
    std::fs::read(install.state_dir().join("catalog.bundle")).ok()
}

#[test]
fn newer_signed_catalogue_is_verified_and_kept() {
    let fake = Fake::start();
    let good = signed("2999.1.1", &key(1));
    fake.set_catalog("2999.1.1", Some(good.clone()));
    let install = install_with_key(&fake);
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.catalog_fetches(), 1);
    assert_eq!(agent.catalog_version(), "2999.1.1");
    assert_eq!(stored_bundle(&install), Some(good));
    // Up to date: no second download.
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.catalog_fetches(), 1);
    // A restarted agent uses the stored catalogue.
    assert_eq!(install.agent(fast()).catalog_version(), "2999.1.1");
}

#[test]
fn tampered_catalogue_is_rejected_and_the_previous_one_kept() {
    let fake = Fake::start();
    let good = signed("2999.1.1", &key(1));
    fake.set_catalog("2999.1.1", Some(good.clone()));
    let install = install_with_key(&fake);
    let mut agent = install.agent(fast());
    block_on(agent.report_once());
    assert_eq!(agent.catalog_version(), "2999.1.1");

    // The next bundle is altered in transit: one date changed after signing.
    let newer = String::from_utf8(signed("2999.2.1", &key(1))).unwrap();
    let tampered = newer.replacen("20", "21", 1);
    assert_ne!(tampered, newer);
    fake.set_catalog("2999.2.1", Some(tampered.into_bytes()));
    let (_, logs) = capture_logs(|| block_on(agent.report_once()));
    assert!(logs.contains("catalogue bundle rejected"), "{logs}");
    assert_eq!(agent.catalog_version(), "2999.1.1");
    assert_eq!(stored_bundle(&install), Some(good.clone()));

    // Signed with somebody else's key: rejected too.
    fake.set_catalog("2999.2.1", Some(signed("2999.2.1", &key(2))));
    block_on(agent.report_once());
    assert_eq!(agent.catalog_version(), "2999.1.1");
    assert_eq!(stored_bundle(&install), Some(good));
}

#[test]
fn older_catalogue_is_rejected() {
    let fake = Fake::start();
    fake.set_catalog("2999.1.1", Some(signed("2999.1.1", &key(1))));
    let install = install_with_key(&fake);
    let mut agent = install.agent(fast());
    block_on(agent.report_once());
    // The collector announces a newer version but serves an older (validly signed) bundle.
    fake.set_catalog("2999.3.1", Some(signed("2000.1.1", &key(1))));
    let (_, logs) = capture_logs(|| block_on(agent.report_once()));
    assert!(logs.contains("older than the catalogue in use"), "{logs}");
    assert_eq!(agent.catalog_version(), "2999.1.1");
}

#[test]
fn without_a_key_updates_are_off() {
    let fake = Fake::start();
    fake.set_catalog("2999.1.1", Some(signed("2999.1.1", &key(1))));
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    let before = agent.catalog_version().to_string();
    block_on(agent.report_once());
    assert_eq!(fake.catalog_fetches(), 0);
    assert_eq!(agent.catalog_version(), before);
}
