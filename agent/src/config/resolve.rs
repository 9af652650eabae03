//! Merging the file with the registry overrides and checking every value; every problem is
//! reported at once with the key and the line (or registry value) it came from.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;

use sunset_catalog::{bundle, wire};

use super::file::{FileConfig, line_of, read_small};
use super::overrides::{
    Overrides, REG_CA_FILE, REG_COLLECTOR_URL, REG_ENROLL_TOKEN, REG_PROXY, REG_SCHEDULE_WINDOW,
    REG_SITE,
};
use super::settings::{
    Config, ConfigError, DEFAULT_SCHEDULE_WINDOW, DEFAULT_SPOOL_MAX_BYTES,
    DEFAULT_SPOOL_MAX_REPORTS, LogLevel, Origin, Problem, Secret, default_state_dir, program_data,
};
use crate::proxy;
use crate::schedule::Window;

/// Longest site tag accepted.
const MAX_SITE_CHARS: usize = 128;

/// Merges the file with the overrides and checks every value; all problems are returned together.
/// `text` is the file's text, for line numbers; `path` is used to resolve relative file paths.
pub fn resolve(
    file: &FileConfig,
    text: &str,
    overrides: &Overrides,
    path: Option<&Path>,
) -> Result<Config, ConfigError> {
    let mut r = Resolver {
        text,
        base: path.and_then(Path::parent).map(Path::to_path_buf),
        problems: Vec::new(),
        origins: Vec::new(),
    };

    let collector_url = r
        .pick(
            "collector_url",
            &file.collector_url,
            &overrides.collector_url,
            REG_COLLECTOR_URL,
        )
        .and_then(|(v, o)| r.check("collector_url", o, parse_collector_url(&v)));
    if collector_url.is_none() && !r.has("collector_url") {
        r.missing("collector_url", "required: the collector's https:// URL");
    }

    let enroll_token = r.token(file, overrides);
    let site = r
        .pick("site", &file.site, &overrides.site, REG_SITE)
        .and_then(|(v, o)| r.check("site", o, check_site(&v)));

    let window_text = r.pick(
        "schedule_window",
        &file.schedule_window,
        &overrides.schedule_window,
        REG_SCHEDULE_WINDOW,
    );
    let schedule_window = match window_text {
        Some((v, o)) => r.check("schedule_window", o, v.parse::<Window>()),
        None => DEFAULT_SCHEDULE_WINDOW.parse::<Window>().ok(),
    };

    let state_dir = r
        .path("state_dir", &file.state_dir)
        .unwrap_or_else(default_state_dir);
    let spool_dir = r
        .path("spool_dir", &file.spool_dir)
        .unwrap_or_else(|| state_dir.join("spool"));
    let spool_max_reports = r
        .number("spool_max_reports", &file.spool_max_reports, 1)
        .unwrap_or(DEFAULT_SPOOL_MAX_REPORTS);
    let spool_max_bytes = r
        .number("spool_max_bytes", &file.spool_max_bytes, 4096)
        .unwrap_or(DEFAULT_SPOOL_MAX_BYTES);

    let ca_file = match r.pick(
        "ca_file",
        &file.ca_file_str(),
        &overrides.ca_file,
        REG_CA_FILE,
    ) {
        Some((v, o)) => {
            let p = r.relative(PathBuf::from(v));
            r.check("ca_file", o, check_ca_file(&p).map(|()| p))
        }
        None => None,
    };
    let catalog_public_key = file.catalog_public_key.as_ref().and_then(|v| {
        let o = r.file_origin(v.span());
        r.origins.push(("catalog_public_key", o.clone()));
        r.check(
            "catalog_public_key",
            o,
            bundle::decode_verifying_key(v.get_ref()).map_err(|e| e.to_string()),
        )
    });
    let proxy = r
        .pick("proxy", &file.proxy, &overrides.proxy, REG_PROXY)
        .and_then(|(v, o)| r.check("proxy", o, proxy::parse_configured(&v)));
    let log_level = match &file.log_level {
        Some(v) => {
            let o = r.file_origin(v.span());
            r.origins.push(("log_level", o.clone()));
            r.check(
                "log_level",
                o,
                LogLevel::parse(v.get_ref().trim())
                    .ok_or_else(|| "expected error, warn, info, debug or trace".to_string()),
            )
        }
        // A few lines a night (start, scan, delivery, next run, stop): what an operator checks.
        None => Some(LogLevel::Info),
    };
    // A Windows service has no console: it logs to files unless told otherwise.
    let log_dir = r
        .path("log_dir", &file.log_dir)
        .or_else(|| program_data().map(|d| d.join("Sunset").join("logs")));

    if !r.problems.is_empty() {
        return Err(ConfigError::Invalid {
            path: path.map(Path::to_path_buf),
            problems: r.problems,
        });
    }
    match (collector_url, enroll_token, schedule_window, log_level) {
        (Some(collector_url), Some(enroll_token), Some(schedule_window), Some(log_level)) => {
            Ok(Config {
                path: path.map(Path::to_path_buf),
                collector_url,
                enroll_token,
                site,
                schedule_window,
                state_dir,
                spool_dir,
                spool_max_reports,
                spool_max_bytes,
                ca_file,
                catalog_public_key,
                proxy,
                system_proxy: proxy::SystemProxy::default(),
                log_level,
                log_dir,
                origins: r.origins,
            })
        }
        // Unreachable in practice: every `None` above records a problem.
        _ => Err(ConfigError::Invalid {
            path: path.map(Path::to_path_buf),
            problems: vec![Problem {
                key: "(file)".into(),
                origin: Origin::Default,
                message: "incomplete configuration".into(),
            }],
        }),
    }
}

struct Resolver<'a> {
    text: &'a str,
    base: Option<PathBuf>,
    problems: Vec<Problem>,
    origins: Vec<(&'static str, Origin)>,
}

impl Resolver<'_> {
    fn file_origin(&self, span: std::ops::Range<usize>) -> Origin {
        Origin::File {
            line: line_of(self.text, span.start),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.problems.iter().any(|p| p.key == key)
    }

    fn missing(&mut self, key: &str, message: &str) {
        self.problems.push(Problem {
            key: key.to_string(),
            origin: Origin::Default,
            message: message.to_string(),
        });
    }

    /// The registry value if set, else the file's; records the origin.
    fn pick(
        &mut self,
        key: &'static str,
        file: &Option<Spanned<String>>,
        registry: &Option<String>,
        value_name: &'static str,
    ) -> Option<(String, Origin)> {
        let picked = match (registry, file) {
            (Some(v), _) => Some((v.clone(), Origin::Registry(value_name))),
            (None, Some(v)) => Some((v.get_ref().clone(), self.file_origin(v.span()))),
            (None, None) => None,
        };
        if let Some((_, origin)) = &picked {
            self.origins.push((key, origin.clone()));
        }
        picked
    }

    fn check<T>(&mut self, key: &str, origin: Origin, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.problems.push(Problem {
                    key: key.to_string(),
                    origin,
                    message,
                });
                None
            }
        }
    }

    fn relative(&self, p: PathBuf) -> PathBuf {
        match &self.base {
            Some(base) if p.is_relative() => base.join(p),
            _ => p,
        }
    }

    fn path(&mut self, key: &'static str, value: &Option<Spanned<PathBuf>>) -> Option<PathBuf> {
        let v = value.as_ref()?;
        let origin = self.file_origin(v.span());
        self.origins.push((key, origin.clone()));
        if v.get_ref().as_os_str().is_empty() {
            self.check::<()>(key, origin, Err("must not be empty".into()));
            return None;
        }
        Some(self.relative(v.get_ref().clone()))
    }

    fn number<T: Copy + PartialOrd + fmt::Display>(
        &mut self,
        key: &'static str,
        value: &Option<Spanned<T>>,
        min: T,
    ) -> Option<T> {
        let v = value.as_ref()?;
        let origin = self.file_origin(v.span());
        self.origins.push((key, origin.clone()));
        let n = *v.get_ref();
        self.check(
            key,
            origin,
            if n < min {
                Err(format!("must be at least {min}"))
            } else {
                Ok(n)
            },
        )
    }

    fn token(&mut self, file: &FileConfig, overrides: &Overrides) -> Option<Secret> {
        const KEY: &str = "enroll_token";
        if let Some(v) = &overrides.enroll_token {
            self.origins.push((KEY, Origin::Registry(REG_ENROLL_TOKEN)));
            return self.check(KEY, Origin::Registry(REG_ENROLL_TOKEN), check_token(v));
        }
        match (&file.enroll_token, &file.enroll_token_file) {
            (Some(_), Some(f)) => {
                let origin = self.file_origin(f.span());
                self.check::<()>(
                    "enroll_token_file",
                    origin,
                    Err("set either enroll_token or enroll_token_file, not both".into()),
                );
                None
            }
            (Some(v), None) => {
                let origin = self.file_origin(v.span());
                self.origins.push((KEY, origin.clone()));
                self.check(KEY, origin, check_token(v.get_ref()))
            }
            (None, Some(f)) => {
                let origin = self.file_origin(f.span());
                self.origins.push(("enroll_token_file", origin.clone()));
                let p = self.relative(f.get_ref().clone());
                let token = read_small(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))
                    .and_then(|t| check_token(t.lines().next().unwrap_or("")));
                self.check("enroll_token_file", origin, token)
            }
            (None, None) => {
                self.missing(KEY, "required: enroll_token or enroll_token_file");
                None
            }
        }
    }
}

/// HTTPS only; plain HTTP is accepted for a loopback collector (tests, a local relay).
pub(super) fn parse_collector_url(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("must be https:// (plain http only for a loopback address)".into()),
        other => return Err(format!("unsupported scheme {other:?}; expected https://")),
    }
    if url.host().is_none() {
        return Err("has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials; use enroll_token".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(url)
}

fn check_token(text: &str) -> Result<Secret, String> {
    let token = text.trim();
    if token.is_empty() {
        return Err("is empty".into());
    }
    // A token travels in an HTTP header: printable ASCII, no longer than the collector accepts.
    if token.chars().count() > wire::MAX_TOKEN_LEN {
        return Err(format!("longer than {} characters", wire::MAX_TOKEN_LEN));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or control characters".into());
    }
    if !token.is_ascii() {
        return Err(
            "contains characters other than printable ASCII (it goes in an HTTP header)".into(),
        );
    }
    Ok(Secret::new(token))
}

fn check_site(text: &str) -> Result<String, String> {
    let site = text.trim();
    if site.is_empty() {
        return Err("is empty".into());
    }
    if site.chars().count() > MAX_SITE_CHARS {
        return Err(format!("longer than {MAX_SITE_CHARS} characters"));
    }
    if site.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(site.to_string())
}

fn check_ca_file(path: &Path) -> Result<(), String> {
    let text = read_small(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(text.as_bytes())
        .map_err(|e| format!("{}: not a PEM certificate bundle: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: holds no PEM certificate", path.display()));
    }
    Ok(())
}
