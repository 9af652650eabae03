//! The configuration rules, end to end: text and overrides in, `Config` or every problem out.
#![allow(clippy::unwrap_used)]

use super::resolve::parse_collector_url;
use super::*;
use sunset_catalog::bundle;

use crate::registry::{Key, RegistryError};

const GOOD: &str = r#"
collector_url = "https://sunset.example.nhs.uk"
enroll_token = "s3cret-token"
site = "Ward 7"
schedule_window = "22:00-02:00"
spool_max_reports = 10
"#;

fn resolve_text(text: &str, overrides: &Overrides) -> Result<Config, ConfigError> {
    let file = parse_file(text).map_err(|problems| ConfigError::Invalid {
        path: None,
        problems,
    })?;
    resolve(&file, text, overrides, None)
}

fn problems(result: Result<Config, ConfigError>) -> Vec<Problem> {
    match result {
        Err(ConfigError::Invalid { problems, .. }) => problems,
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn good_file_resolves_with_defaults() {
    let config = resolve_text(GOOD, &Overrides::default()).unwrap();
    assert_eq!(
        config.collector_url.as_str(),
        "https://sunset.example.nhs.uk/"
    );
    assert_eq!(config.enroll_token.expose(), "s3cret-token");
    assert_eq!(config.site.as_deref(), Some("Ward 7"));
    assert_eq!(config.schedule_window.to_string(), "22:00-02:00");
    assert_eq!(config.spool_max_reports, 10);
    assert_eq!(config.spool_max_bytes, DEFAULT_SPOOL_MAX_BYTES);
    assert_eq!(config.spool_dir, config.state_dir.join("spool"));
    assert_eq!(config.log_level, LogLevel::Info);
}

#[test]
fn unknown_key_is_reported_with_its_line() {
    let text = "collector_url = \"https://x.example\"\nenroll_token = \"t\"\ninsecure = true\n";
    let p = problems(resolve_text(text, &Overrides::default()));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].key, "insecure");
    assert_eq!(p[0].origin, Origin::File { line: 3 });
    assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
}

#[test]
fn wrong_type_is_reported_with_key_and_line() {
    let text = "collector_url = \"https://x.example\"\nenroll_token = \"t\"\n\nspool_max_reports = \"many\"\n";
    let p = problems(resolve_text(text, &Overrides::default()));
    assert_eq!(p[0].key, "spool_max_reports");
    assert_eq!(p[0].origin, Origin::File { line: 4 });
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let text = r#"collector_url = "http://collector.example.nhs.uk"
enroll_token = "has space"
schedule_window = "25:00-03:00"
spool_max_reports = 0
catalog_public_key = "abc"
log_level = "loud"
proxy = "ftp://proxy"
"#;
    let p = problems(resolve_text(text, &Overrides::default()));
    let keys: Vec<_> = p
        .iter()
        .map(|p| (p.key.as_str(), p.origin.clone()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("collector_url", Origin::File { line: 1 }),
            ("enroll_token", Origin::File { line: 2 }),
            ("schedule_window", Origin::File { line: 3 }),
            ("spool_max_reports", Origin::File { line: 4 }),
            ("catalog_public_key", Origin::File { line: 5 }),
            ("proxy", Origin::File { line: 7 }),
            ("log_level", Origin::File { line: 6 }),
        ]
    );
    let shown = ConfigError::Invalid {
        path: Some("/etc/sunset/agent.toml".into()),
        problems: p,
    }
    .to_string();
    assert!(
        shown.contains("/etc/sunset/agent.toml:3: schedule_window:"),
        "{shown}"
    );
}

/// The token goes in an HTTP header: what the collector would refuse is refused at `config check`.
#[test]
fn a_token_the_collector_cannot_accept_is_refused() {
    let with = |token: &str| {
        let text = format!("collector_url = \"https://x.example\"\nenroll_token = \"{token}\"\n");
        resolve_text(&text, &Overrides::default())
    };
    let longest = "t".repeat(sunset_catalog::wire::MAX_TOKEN_LEN);
    assert!(with(&longest).is_ok());
    for (token, why) in [
        (format!("{longest}t"), "longer than 256 characters"),
        ("has space".to_string(), "whitespace"),
        ("caf\u{e9}-token".to_string(), "printable ASCII"),
    ] {
        let p = problems(with(&token));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].key, "enroll_token");
        assert!(p[0].message.contains(why), "{}", p[0].message);
    }
}

#[test]
fn missing_required_keys_are_named() {
    let p = problems(resolve_text("site = \"x\"\n", &Overrides::default()));
    let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["collector_url", "enroll_token"]);
}

#[test]
fn token_and_token_file_together_are_refused() {
    let text =
        "collector_url = \"https://x.example\"\nenroll_token = \"a\"\nenroll_token_file = \"/t\"\n";
    let p = problems(resolve_text(text, &Overrides::default()));
    assert_eq!(p[0].key, "enroll_token_file");
    assert_eq!(p[0].origin, Origin::File { line: 3 });
}

#[test]
fn token_file_is_read_relative_to_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "abc123\n").unwrap();
    let config_path = dir.path().join("agent.toml");
    std::fs::write(
        &config_path,
        "collector_url = \"https://x.example\"\nenroll_token_file = \"token\"\n",
    )
    .unwrap();
    let config = load(Some(&config_path), &Overrides::default()).unwrap();
    assert_eq!(config.enroll_token.expose(), "abc123");
}

#[test]
fn plain_http_only_for_loopback() {
    assert!(parse_collector_url("http://127.0.0.1:8080").is_ok());
    assert!(parse_collector_url("http://localhost:8080").is_ok());
    assert!(parse_collector_url("http://[::1]:8080").is_ok());
    assert!(parse_collector_url("http://10.0.0.1").is_err());
    assert!(parse_collector_url("https://user:pw@x.example").is_err());
    assert!(parse_collector_url("ftp://x.example").is_err());
}

#[test]
fn registry_overrides_win_over_the_file() {
    let overrides = Overrides {
        collector_url: Some("https://msi.example.nhs.uk".into()),
        enroll_token: Some("from-msi".into()),
        site: Some("Practice 12".into()),
        schedule_window: Some("02:00-03:00".into()),
        ca_file: None,
        proxy: Some("http://msi-proxy.example.nhs.uk:3128".into()),
    };
    let config = resolve_text(GOOD, &overrides).unwrap();
    assert_eq!(
        config.proxy,
        Some(crate::proxy::Configured::Via(
            reqwest::Url::parse("http://msi-proxy.example.nhs.uk:3128").unwrap()
        ))
    );
    assert_eq!(config.collector_url.as_str(), "https://msi.example.nhs.uk/");
    assert_eq!(config.enroll_token.expose(), "from-msi");
    assert_eq!(config.site.as_deref(), Some("Practice 12"));
    assert_eq!(config.schedule_window.to_string(), "02:00-03:00");
    assert!(
        config
            .render_masked()
            .contains(r"registry HKLM\SOFTWARE\Sunset\Agent\CollectorUrl")
    );
}

#[test]
fn registry_only_configuration_needs_no_file() {
    let overrides = Overrides {
        collector_url: Some("https://msi.example.nhs.uk".into()),
        enroll_token: Some("from-msi".into()),
        ..Overrides::default()
    };
    let config = resolve_text("", &overrides).unwrap();
    assert_eq!(config.enroll_token.expose(), "from-msi");
}

#[test]
fn bad_registry_value_names_the_registry_value() {
    let overrides = Overrides {
        schedule_window: Some("nonsense".into()),
        ..Overrides::default()
    };
    let p = problems(resolve_text(GOOD, &overrides));
    assert_eq!(p[0].origin, Origin::Registry(REG_SCHEDULE_WINDOW));
}

#[test]
fn secrets_are_masked() {
    let text = format!("{GOOD}proxy = \"http://user:pa55@proxy.example:8080\"\n");
    let config = resolve_text(&text, &Overrides::default()).unwrap();
    let shown = config.render_masked();
    assert!(!shown.contains("s3cret-token"), "{shown}");
    assert!(!shown.contains("pa55"), "{shown}");
    assert!(shown.contains("******** (12 characters)"), "{shown}");
    assert!(!format!("{config:?}").contains("s3cret-token"));
}

#[test]
fn public_key_is_base64_of_a_valid_key() {
    let key = bundle::signing_key_from_seed(&[7; 32]).verifying_key();
    let text = format!(
        "{GOOD}catalog_public_key = {:?}\n",
        bundle::encode_verifying_key(&key).trim()
    );
    let config = resolve_text(&text, &Overrides::default()).unwrap();
    assert_eq!(config.catalog_public_key, Some(key));
    let text = format!("{GOOD}catalog_public_key = \"AAAA\"\n");
    let p = problems(resolve_text(&text, &Overrides::default()));
    assert_eq!(p[0].key, "catalog_public_key");
}

#[test]
fn packaged_example_documents_every_key() {
    let example = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../packaging/agent.toml.example"
    ));
    // As shipped (everything commented out) it is valid TOML.
    assert!(parse_file(example).is_ok());
    // Uncommented, every documented key is a real key of the right type.
    let uncommented: String = example
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter(|l| {
            l.split('=').next().is_some_and(|k| {
                let k = k.trim();
                !k.is_empty()
                    && l.contains(" = ")
                    && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let file = parse_file(&uncommented).unwrap();
    let keys = [
        "collector_url",
        "enroll_token",
        "enroll_token_file",
        "site",
        "schedule_window",
        "state_dir",
        "spool_dir",
        "spool_max_reports",
        "spool_max_bytes",
        "ca_file",
        "catalog_public_key",
        "proxy",
        "log_level",
        "log_dir",
    ];
    for key in keys {
        assert!(
            uncommented.contains(&format!("{key} = ")),
            "{key} is not documented"
        );
    }
    assert_eq!(uncommented.lines().count(), keys.len());
    assert_eq!(
        file.spool_max_reports.map(|v| *v.get_ref()),
        Some(DEFAULT_SPOOL_MAX_REPORTS)
    );
    assert_eq!(
        file.spool_max_bytes.map(|v| *v.get_ref()),
        Some(DEFAULT_SPOOL_MAX_BYTES)
    );
    assert_eq!(
        file.schedule_window.map(|v| v.into_inner()).as_deref(),
        Some(DEFAULT_SCHEDULE_WINDOW)
    );
}

/// A fake registry: a tree of keys holding string values.
#[derive(Default, Clone)]
struct FakeKey {
    children: Vec<(String, FakeKey)>,
    values: Vec<(String, crate::registry::Value)>,
}

impl Key for FakeKey {
    fn open(&self, path: &str) -> Result<Option<Self>, RegistryError> {
        let mut key = self.clone();
        for part in path.split('\\') {
            match key
                .children
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(part))
            {
                Some((_, child)) => key = child.clone(),
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }
    fn subkeys(&self) -> Result<Vec<String>, RegistryError> {
        Ok(self.children.iter().map(|(n, _)| n.clone()).collect())
    }
    fn value(&self, name: &str) -> Result<Option<crate::registry::Value>, RegistryError> {
        Ok(self
            .values
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone()))
    }
}

fn nest(path: &str, leaf: FakeKey) -> FakeKey {
    path.rsplit('\\').fold(leaf, |child, name| FakeKey {
        children: vec![(name.to_string(), child)],
        values: vec![],
    })
}

#[test]
fn overrides_are_read_through_the_key_trait() {
    use crate::registry::Value;
    let agent = FakeKey {
        children: vec![],
        values: vec![
            (
                "CollectorUrl".into(),
                Value::String("https://c.example".into()),
            ),
            ("EnrollToken".into(), Value::String(" tok ".into())),
            ("Site".into(), Value::String(String::new())),
            ("ScheduleWindow".into(), Value::Dword(3)),
        ],
    };
    let hklm = nest(REGISTRY_KEY, agent);
    let o = overrides_from(&hklm).unwrap();
    assert_eq!(o.collector_url.as_deref(), Some("https://c.example"));
    assert_eq!(o.enroll_token.as_deref(), Some("tok"));
    assert_eq!(o.site, None, "empty MSI property = not set");
    assert_eq!(o.schedule_window, None, "non-string value ignored");
    assert!(overrides_from(&FakeKey::default()).unwrap().is_empty());
}
