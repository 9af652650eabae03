//! HTTPS: certificate verification is always on; `ca_file` adds a private CA.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sunset_agent::service::ReportOutcome;

use crate::fake::Fake;
use crate::util::{Install, block_on, fast};

/// A private CA and a server configuration with a certificate it issued for 127.0.0.1.
pub fn private_pki() -> (String, Arc<rustls::ServerConfig>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Sunset test private CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    (ca.pem(), Arc::new(config))
}

#[test]
fn private_ca_in_ca_file_is_trusted() {
    let (ca_pem, tls) = private_pki();
    let fake = Fake::start_tls(tls);
    let install = Install::new(&fake.https_url(), "t", "");
    let ca_file = install.dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    install.write_config(&fake.https_url(), "t", &format!("ca_file = {ca_file:?}"));
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.stored().len(), 1);
}

#[test]
fn unknown_ca_is_refused_and_the_report_kept() {
    let (_, tls) = private_pki();
    let fake = Fake::start_tls(tls);
    let install = Install::new(&fake.https_url(), "t", "");
    let mut agent = install.agent(fast());
    let outcome = block_on(agent.report_once());
    assert!(
        matches!(&outcome, ReportOutcome::Queued(why) if why.to_lowercase().contains("certificate")),
        "{outcome:?}"
    );
    assert!(
        fake.seen().is_empty(),
        "nothing was sent over an unverified connection"
    );
    assert_eq!(install.spooled(), 1);
}

#[test]
fn ca_file_that_is_not_pem_is_a_configuration_error() {
    let install = Install::new(
        "https://collector.example.nhs.uk",
        "t",
        "ca_file = \"ca.pem\"",
    );
    std::fs::write(install.dir.path().join("ca.pem"), "not a certificate").unwrap();
    let output = install.run_bin(&["config", "check"]);
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("ca_file"), "{err}");
}
