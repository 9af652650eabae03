//! Signed catalogue bundles: what verifies is exactly what was signed.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use sunset_catalog::bundle::{
    self, Bundle, BundleError, MAX_BUNDLE_BYTES, SigningKey, VerifyingKey, decode_signing_key,
    decode_verifying_key, encode_signing_key, encode_verifying_key,
};

const META: &str = "[catalog]\nversion = \"2026.11.25\"\n";

const PYTHON: &str = r#"[[product]]
id = "python"
name = "Python"
kind = "runtime"

[[product.match]]
name_regex = 'Python (?P<version>\d+\.\d+)\.\d+ \((64|32)-bit\)'

[[product.release]]
cycle = "3.12"
versions = "3.12.*"
security_support_end = 2028-10-31
"#;

fn key(seed: u8) -> SigningKey {
    bundle::signing_key_from_seed(&[seed; 32])
}

fn files() -> Vec<(String, String)> {
    vec![
        ("python.toml".to_string(), PYTHON.to_string()),
        ("catalog.toml".to_string(), META.to_string()),
    ]
}

fn signed() -> (Vec<u8>, VerifyingKey) {
    let key = key(7);
    let bundle = Bundle::from_dir_files("2026.11.25", files()).unwrap();
    (bundle.sign(&key).unwrap(), key.verifying_key())
}

/// The bundle's JSON with `edit` applied, re-serialised.
fn edited(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    edit(&mut json);
    serde_json::to_vec(&json).unwrap()
}

fn rejected(bytes: &[u8], key: &VerifyingKey) -> BundleError {
    match Bundle::parse_and_verify(bytes, key) {
        Ok(_) => panic!("a bad bundle verified"),
        Err(error) => error,
    }
}

#[test]
fn a_signed_bundle_verifies_and_carries_the_catalogue() {
    let (bytes, public) = signed();
    let bundle = Bundle::parse_and_verify(&bytes, &public).unwrap();
    assert_eq!(bundle.version(), "2026.11.25");
    let names: Vec<_> = bundle.files().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["catalog.toml", "python.toml"], "sorted by name");
    assert_eq!(bundle.files()[1].text, PYTHON);
    let catalog = bundle.catalog().unwrap();
    assert_eq!(catalog.version(), "2026.11.25");
    assert_eq!(catalog.entries().len(), 1);
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["format"], bundle::FORMAT);
}

#[test]
fn file_order_in_the_input_does_not_matter() {
    let key = key(7);
    let mut reversed = files();
    reversed.reverse();
    let a = Bundle::from_dir_files("v", files())
        .unwrap()
        .sign(&key)
        .unwrap();
    let b = Bundle::from_dir_files("v", reversed)
        .unwrap()
        .sign(&key)
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn any_changed_byte_of_a_file_is_rejected() {
    let (bytes, public) = signed();
    let one_byte = edited(&bytes, |j| {
        j["files"][1]["text"] = PYTHON.replace("2028-10-31", "2029-10-31").into();
    });
    assert!(matches!(
        rejected(&one_byte, &public),
        BundleError::BadSignature
    ));
    let appended = edited(&bytes, |j| {
        j["files"][0]["text"] = format!("{META}\n").into()
    });
    assert!(matches!(
        rejected(&appended, &public),
        BundleError::BadSignature
    ));
    let renamed = edited(&bytes, |j| j["files"][1]["name"] = "python2.toml".into());
    assert!(matches!(
        rejected(&renamed, &public),
        BundleError::BadSignature
    ));
}

#[test]
fn moving_text_between_files_is_rejected() {
    let (bytes, public) = signed();
    let moved = edited(&bytes, |j| {
        j["files"][0]["text"] = format!("{META}{}", &PYTHON[..10]).into();
        j["files"][1]["text"] = PYTHON[10..].to_string().into();
    });
    assert!(matches!(
        rejected(&moved, &public),
        BundleError::BadSignature
    ));
}

#[test]
fn a_removed_or_added_file_is_rejected() {
    let (bytes, public) = signed();
    let removed = edited(&bytes, |j| {
        j["files"].as_array_mut().unwrap().pop();
    });
    assert!(matches!(
        rejected(&removed, &public),
        BundleError::BadSignature
    ));
    let added = edited(&bytes, |j| {
        let extra = serde_json::json!({"name": "extra.toml", "text": ""});
        j["files"].as_array_mut().unwrap().push(extra);
    });
    assert!(matches!(
        rejected(&added, &public),
        BundleError::BadSignature
    ));
}

#[test]
fn a_changed_version_is_rejected() {
    let (bytes, public) = signed();
    let changed = edited(&bytes, |j| j["version"] = "2026.11.26".into());
    assert!(matches!(
        rejected(&changed, &public),
        BundleError::BadSignature
    ));
}

#[test]
fn a_changed_or_garbled_signature_is_rejected() {
    let (bytes, public) = signed();
    let flipped = edited(&bytes, |j| {
        let sig = j["signature"].as_str().unwrap().to_string();
        let first = if sig.starts_with('A') { "B" } else { "A" };
        j["signature"] = format!("{first}{}", &sig[1..]).into();
    });
    assert!(matches!(
        rejected(&flipped, &public),
        BundleError::BadSignature
    ));
    let garbled = edited(&bytes, |j| j["signature"] = "not base64!".into());
    assert!(matches!(
        rejected(&garbled, &public),
        BundleError::BadSignature
    ));
    let short = edited(&bytes, |j| j["signature"] = "AAAA".into());
    assert!(matches!(
        rejected(&short, &public),
        BundleError::BadSignature
    ));
}

#[test]
fn another_key_is_rejected() {
    let (bytes, _) = signed();
    let other = key(8).verifying_key();
    assert!(matches!(
        rejected(&bytes, &other),
        BundleError::BadSignature
    ));
}

#[test]
fn oversize_input_is_rejected_before_parsing() {
    let (_, public) = signed();
    let huge = vec![b' '; MAX_BUNDLE_BYTES + 1];
    assert!(matches!(
        rejected(&huge, &public),
        BundleError::TooLarge { .. }
    ));
}

#[test]
fn malformed_input_and_other_formats_are_rejected() {
    let (bytes, public) = signed();
    assert!(matches!(rejected(b"{", &public), BundleError::Malformed(_)));
    assert!(matches!(
        rejected(b"\xff\xfe", &public),
        BundleError::Malformed(_)
    ));
    let unknown_field = edited(&bytes, |j| j["extra"] = 1.into());
    assert!(matches!(
        rejected(&unknown_field, &public),
        BundleError::Malformed(_)
    ));
    let format = edited(&bytes, |j| j["format"] = "sunset-catalog-bundle/2".into());
    assert!(matches!(rejected(&format, &public), BundleError::Format(_)));
}

#[test]
fn file_names_must_be_plain_and_unique() {
    for name in [
        "../evil.toml",
        "dir/x.toml",
        ".hidden.toml",
        "",
        "x.txt",
        "C:\\x.toml",
    ] {
        let files = vec![(name.to_string(), String::new())];
        let error = Bundle::from_dir_files("v", files).unwrap_err();
        assert!(
            matches!(error, BundleError::FileName { .. }),
            "{name}: {error}"
        );
    }
    let twice = vec![
        ("a.toml".to_string(), String::new()),
        ("a.toml".to_string(), "x".into()),
    ];
    assert!(matches!(
        Bundle::from_dir_files("v", twice).unwrap_err(),
        BundleError::FileName { .. }
    ));
    // A signed bundle edited to repeat a name is refused too.
    let (bytes, public) = signed();
    let repeated = edited(&bytes, |j| j["files"][1]["name"] = "catalog.toml".into());
    assert!(matches!(
        rejected(&repeated, &public),
        BundleError::FileName { .. }
    ));
}

#[test]
fn keys_round_trip_through_their_text_files() {
    let secret = key(9);
    let secret_text = encode_signing_key(&secret);
    assert!(secret_text.ends_with('\n'));
    assert_eq!(
        decode_signing_key(&secret_text).unwrap().to_bytes(),
        secret.to_bytes()
    );
    let public_text = encode_verifying_key(&secret.verifying_key());
    assert_eq!(
        decode_verifying_key(&public_text).unwrap(),
        secret.verifying_key()
    );
    assert!(matches!(
        decode_verifying_key("AAAA"),
        Err(BundleError::Key(_))
    ));
    assert!(matches!(
        decode_signing_key("not base64"),
        Err(BundleError::Key(_))
    ));
}

#[test]
fn a_bundle_whose_catalogue_is_broken_still_names_file_and_line() {
    let key = key(7);
    let broken = PYTHON.replace("versions = ", "version = ");
    let files = vec![
        ("catalog.toml".to_string(), META.to_string()),
        ("python.toml".to_string(), broken),
    ];
    let bytes = Bundle::from_dir_files("v", files)
        .unwrap()
        .sign(&key)
        .unwrap();
    let bundle = Bundle::parse_and_verify(&bytes, &key.verifying_key()).unwrap();
    let error = bundle.catalog().unwrap_err().to_string();
    assert!(error.contains("python.toml:"), "{error}");
}
