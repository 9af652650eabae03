//! The schemes themselves: default and serde names, and each ordering its own strings.

use super::*;

#[test]
fn default_and_serde_names() -> Result<(), serde_json::Error> {
    assert_eq!(Scheme::default(), Scheme::Dotted);
    for (scheme, name) in [
        (Scheme::Dotted, "\"dotted\""),
        (Scheme::Java, "\"java\""),
        (Scheme::Debian, "\"debian\""),
        (Scheme::Rpm, "\"rpm\""),
        (Scheme::Semver, "\"semver\""),
    ] {
        assert_eq!(serde_json::to_string(&scheme)?, name);
        assert_eq!(serde_json::from_str::<Scheme>(name)?, scheme);
    }
    assert!(serde_json::from_str::<Scheme>("\"Dotted\"").is_err());
    Ok(())
}

#[test]
fn each_scheme_orders_its_own_strings() {
    for (scheme, a, b, expected) in [
        (Scheme::Dotted, "10.0.9999", "10.0.19045", Less),
        (Scheme::Java, "1.8.0_391", "8u391", Equal),
        (Scheme::Java, "1.8.0_391", "11.0.1", Less),
        (Scheme::Debian, "1:2.4.7-1", "2.4.8-1", Greater),
        (Scheme::Rpm, "1.0^git1", "1.0", Greater),
        (Scheme::Rpm, "1:1.0", "2.0", Greater),
        (Scheme::Semver, "1.0.0-rc.1", "1.0.0", Less),
        (Scheme::Semver, "1.0.0-alpha.10", "1.0.0-alpha.9", Greater),
        (Scheme::Semver, "v1.2.3", "1.2.3", Equal),
        (Scheme::Semver, "1.2", "1.2.0", Equal),
        (Scheme::Semver, "10.0.19045.5247", "10.0.19045.5371", Less),
        (Scheme::Semver, "1.0rc1", "1.0", Less),
    ] {
        assert_eq!(scheme.compare(a, b), expected, "{scheme:?}: {a} vs {b}");
    }
}
