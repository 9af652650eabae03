//! The agent's configuration: one TOML file, overridden on Windows by the values the MSI writes to
//! `HKLM\SOFTWARE\Sunset\Agent`, checked as a whole before anything runs.
//!
//! Reading is split in three so every decision is testable on any OS: [`FileConfig`] is the file as
//! written (serde, `deny_unknown_fields`, every value with its span), [`Overrides`] are the machine-wide
//! registry values read through the [`Key`] trait ([`overrides_from`]), and [`resolve`] merges and
//! validates both into a [`Config`], reporting every problem at once with the key and the line (or the
//! registry value) it came from. The live registry hook is the only platform code involved.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use sunset_catalog::bundle::{self, VerifyingKey};

use crate::registry::{Key, RegistryError};
use crate::schedule::Window;

/// Where the configuration file is looked for when `--config` is not given (Linux and macOS).
pub const DEFAULT_PATH_UNIX: &str = "/etc/sunset/agent.toml";
/// The registry key (under `HKEY_LOCAL_MACHINE`) whose values override the file on Windows.
pub const REGISTRY_KEY: &str = r"SOFTWARE\Sunset\Agent";
/// Registry value: collector URL.
pub const REG_COLLECTOR_URL: &str = "CollectorUrl";
/// Registry value: enrolment token.
pub const REG_ENROLL_TOKEN: &str = "EnrollToken";
/// Registry value: site tag.
pub const REG_SITE: &str = "Site";
/// Registry value: schedule window.
pub const REG_SCHEDULE_WINDOW: &str = "ScheduleWindow";
/// Registry value: CA bundle file.
pub const REG_CA_FILE: &str = "CaFile";

/// Default number of reports the spool keeps (two months of nightly reports).
pub const DEFAULT_SPOOL_MAX_REPORTS: u32 = 60;
/// Default spool size cap.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Default schedule window (local time).
pub const DEFAULT_SCHEDULE_WINDOW: &str = "01:00-05:00";
/// Longest enrolment token accepted (the collector refuses longer ones).
const MAX_TOKEN_CHARS: usize = 256;
/// Longest site tag accepted.
const MAX_SITE_CHARS: usize = 128;
/// Largest CA bundle or token file read.
const MAX_SMALL_FILE_BYTES: u64 = 1024 * 1024;

/// The configuration file exactly as written. Every field is optional here; [`resolve`] decides what is
/// required, so that all problems can be reported together.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Base URL of the collector (`https://sunset.example.nhs.uk`); reports go to `/api/v1/reports`.
    pub collector_url: Option<Spanned<String>>,
    /// The site's enrolment token, sent as `Authorization: Bearer`. Secret.
    pub enroll_token: Option<Spanned<String>>,
    /// A file holding the enrolment token instead (first line), e.g. readable by the service only.
    pub enroll_token_file: Option<Spanned<PathBuf>>,
    /// Site tag put in every report (a ward, a GP practice).
    pub site: Option<Spanned<String>>,
    /// Local-time window for the nightly scan, `HH:MM-HH:MM` (may cross midnight).
    pub schedule_window: Option<Spanned<String>>,
    /// Directory for the host id, the last good catalogue and the last run time.
    pub state_dir: Option<Spanned<PathBuf>>,
    /// Directory for reports not yet delivered.
    pub spool_dir: Option<Spanned<PathBuf>>,
    /// Most reports kept in the spool; the oldest is dropped first.
    pub spool_max_reports: Option<Spanned<u32>>,
    /// Most bytes kept in the spool; the oldest report is dropped first.
    pub spool_max_bytes: Option<Spanned<u64>>,
    /// PEM file with extra trusted CA certificates (a private PKI), added to the system's roots.
    pub ca_file: Option<Spanned<PathBuf>>,
    /// Ed25519 public key (base64, the text of `sunset-catalog keygen`'s `.pub` file) that catalogue
    /// bundles must be signed with; without it the agent keeps its built-in catalogue.
    pub catalog_public_key: Option<Spanned<String>>,
    /// HTTP(S) proxy URL (`http://proxy.trust.nhs.uk:8080`).
    pub proxy: Option<Spanned<String>>,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub log_level: Option<Spanned<String>>,
    /// Directory for rotated log files; without it the agent logs to standard error (journald).
    pub log_dir: Option<Spanned<PathBuf>>,
}

/// Machine-wide values (the MSI's registry values on Windows) that win over the file. Empty strings
/// count as not set, as an MSI writes empty properties.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Overrides {
    /// `CollectorUrl`.
    pub collector_url: Option<String>,
    /// `EnrollToken`.
    pub enroll_token: Option<String>,
    /// `Site`.
    pub site: Option<String>,
    /// `ScheduleWindow`.
    pub schedule_window: Option<String>,
    /// `CaFile`.
    pub ca_file: Option<String>,
}

impl Overrides {
    /// True when no value is set.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// Reads the overrides under [`REGISTRY_KEY`] from `local_machine` (HKLM, live or an offline
/// SOFTWARE hive's parent). A missing key means no overrides.
pub fn overrides_from<K: Key>(local_machine: &K) -> Result<Overrides, RegistryError> {
    let Some(key) = local_machine.open(REGISTRY_KEY)? else {
        return Ok(Overrides::default());
    };
    overrides_from_key(&key)
}

/// Reads the override values from the `Sunset\Agent` key itself.
pub fn overrides_from_key<K: Key>(key: &K) -> Result<Overrides, RegistryError> {
    let read = |name: &str| -> Result<Option<String>, RegistryError> {
        Ok(key
            .value(name)?
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty()))
    };
    Ok(Overrides {
        collector_url: read(REG_COLLECTOR_URL)?,
        enroll_token: read(REG_ENROLL_TOKEN)?,
        site: read(REG_SITE)?,
        schedule_window: read(REG_SCHEDULE_WINDOW)?,
        ca_file: read(REG_CA_FILE)?,
    })
}

/// A secret that never prints: `Debug` and `Display` show it masked.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "******** ({} characters)", self.0.chars().count())
    }
}

/// Where an effective value came from, for `config check` and for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// The configuration file, at this line.
    File {
        /// 1-based line.
        line: usize,
    },
    /// A registry value under [`REGISTRY_KEY`].
    Registry(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { line } => write!(f, "file, line {line}"),
            Origin::Registry(name) => write!(f, r"registry HKLM\{REGISTRY_KEY}\{name}"),
        }
    }
}

/// Log verbosity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// Only what an operator must act on.
    Error,
    /// Also what went wrong but was handled (the default).
    Warn,
    /// Also each run and delivery.
    Info,
    /// Troubleshooting.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// The `tracing` filter directive.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    fn parse(text: &str) -> Option<LogLevel> {
        Some(match text.to_ascii_lowercase().as_str() {
            "error" => LogLevel::Error,
            "warn" | "warning" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::Trace,
            _ => return None,
        })
    }
}

/// The effective, validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from (`None`: no file, registry and defaults only).
    pub path: Option<PathBuf>,
    /// Collector base URL.
    pub collector_url: reqwest::Url,
    /// Enrolment token.
    pub enroll_token: Secret,
    /// Site tag.
    pub site: Option<String>,
    /// Nightly window.
    pub schedule_window: Window,
    /// State directory.
    pub state_dir: PathBuf,
    /// Spool directory.
    pub spool_dir: PathBuf,
    /// Spool cap, in reports.
    pub spool_max_reports: u32,
    /// Spool cap, in bytes.
    pub spool_max_bytes: u64,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// Catalogue signing key; without one, catalogue updates are off.
    pub catalog_public_key: Option<VerifyingKey>,
    /// Proxy URL.
    pub proxy: Option<reqwest::Url>,
    /// Log level.
    pub log_level: LogLevel,
    /// Log directory; `None` logs to standard error.
    pub log_dir: Option<PathBuf>,
    /// Where each key's value came from, in key order.
    pub origins: Vec<(&'static str, Origin)>,
}

/// One thing wrong with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The key (`collector_url`), or `(file)` for syntax errors.
    pub key: String,
    /// Where the bad value came from.
    pub origin: Origin,
    /// What is wrong.
    pub message: String,
}

/// Everything wrong with a configuration, reported at once.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The registry overrides could not be read.
    #[error(r"cannot read HKLM\{REGISTRY_KEY}: {0}")]
    Registry(#[from] RegistryError),
    /// The values are wrong.
    #[error("{}", render_problems(path.as_deref(), problems))]
    Invalid {
        /// The file, if any.
        path: Option<PathBuf>,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn render_problems(path: Option<&Path>, problems: &[Problem]) -> String {
    let file = path.map_or_else(|| "(no file)".to_string(), |p| p.display().to_string());
    let mut out = format!(
        "invalid configuration ({} problem{}):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        let at = match &p.origin {
            Origin::File { line } => format!("{file}:{line}"),
            other => other.to_string(),
        };
        out.push_str(&format!("\n  {at}: {}: {}", p.key, p.message));
    }
    out
}

/// The default configuration file for this OS (`%ProgramData%\Sunset\agent.toml` on Windows).
pub fn default_path() -> PathBuf {
    match program_data() {
        Some(dir) => dir.join("Sunset").join("agent.toml"),
        None => PathBuf::from(DEFAULT_PATH_UNIX),
    }
}

/// `%ProgramData%` on Windows; `None` elsewhere.
fn program_data() -> Option<PathBuf> {
    if std::env::consts::OS != "windows" {
        return None;
    }
    Some(
        std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData")),
    )
}

/// The state directory when the configuration names none: `%ProgramData%\Sunset\state` on
/// Windows, `/var/lib/sunset` elsewhere.
pub fn default_state_dir() -> PathBuf {
    match program_data() {
        Some(dir) => dir.join("Sunset").join("state"),
        None => PathBuf::from("/var/lib/sunset"),
    }
}

/// Parses the file's text. Syntax errors and unknown keys are problems with a line.
pub fn parse_file(text: &str) -> Result<FileConfig, Vec<Problem>> {
    toml::from_str::<FileConfig>(text).map_err(|error| {
        let line = error.span().map_or(1, |s| line_of(text, s.start));
        let message = error.message().trim().to_string();
        let key = key_at(text, error.span()).unwrap_or_else(|| "(file)".to_string());
        vec![Problem {
            key,
            origin: Origin::File { line },
            message,
        }]
    })
}

/// Loads the effective configuration: `path` (or the default file, which may be missing when the
/// registry supplies everything) merged with `overrides`.
pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
    let (file_path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (default_path(), overrides.is_empty()),
    };
    let text = match read_small(&file_path) {
        Ok(text) => Some(text),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ConfigError::Read {
                path: file_path,
                source,
            });
        }
    };
    let (file, text) = match text {
        Some(text) => match parse_file(&text) {
            Ok(file) => (file, text),
            Err(problems) => {
                return Err(ConfigError::Invalid {
                    path: Some(file_path),
                    problems,
                });
            }
        },
        None => (FileConfig::default(), String::new()),
    };
    let path = (!text.is_empty() || required).then_some(file_path);
    resolve(&file, &text, overrides, path.as_deref())
}

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
    let proxy = file.proxy.as_ref().and_then(|v| {
        let o = r.file_origin(v.span());
        r.origins.push(("proxy", o.clone()));
        r.check("proxy", o, parse_proxy(v.get_ref()))
    });
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

impl FileConfig {
    fn ca_file_str(&self) -> Option<Spanned<String>> {
        self.ca_file
            .as_ref()
            .map(|p| Spanned::new(p.span(), p.get_ref().to_string_lossy().into_owned()))
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

/// Reads a small text file, refusing anything larger than 1 MiB.
fn read_small(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(MAX_SMALL_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_SMALL_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "file larger than 1 MiB",
        ));
    }
    Ok(text)
}

/// HTTPS only; plain HTTP is accepted for a loopback collector (tests, a local relay).
fn parse_collector_url(text: &str) -> Result<reqwest::Url, String> {
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
    if token.chars().count() > MAX_TOKEN_CHARS {
        return Err(format!("longer than {MAX_TOKEN_CHARS} characters"));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or control characters".into());
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

fn parse_proxy(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "unsupported proxy scheme {other:?}; expected http:// or https://"
            ));
        }
    }
    if url.host().is_none() {
        return Err("has no host".into());
    }
    Ok(url)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(1, |b| b.iter().filter(|&&c| c == b'\n').count() + 1)
}

/// The bare key at the start of the line a span points into, if any (`spool_dir = 3` → `spool_dir`).
fn key_at(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
    let start = span?.start.min(text.len());
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..)?.lines().next()?;
    let key = line.split('=').next()?.trim();
    let valid = !key.is_empty()
        && line.contains('=')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then(|| key.to_string())
}

impl Config {
    /// The effective configuration as `key = value` lines, secrets masked, with each value's origin.
    pub fn render_masked(&self) -> String {
        let origin = |key: &str| {
            self.origins
                .iter()
                .find(|(k, _)| *k == key || (key == "enroll_token" && *k == "enroll_token_file"))
                .map_or(Origin::Default, |(_, o)| o.clone())
        };
        let mut out = String::new();
        let mut line = |key: &str, value: String| {
            out.push_str(&format!("{key:<19} = {value:<48} # {}\n", origin(key)));
        };
        let opt_path = |p: &Option<PathBuf>| {
            p.as_ref().map_or_else(
                || "(not set)".to_string(),
                |p| format!("{:?}", p.display().to_string()),
            )
        };
        line(
            "collector_url",
            format!("{:?}", self.collector_url.as_str()),
        );
        line("enroll_token", self.enroll_token.to_string());
        line(
            "site",
            self.site
                .as_ref()
                .map_or_else(|| "(not set)".to_string(), |s| format!("{s:?}")),
        );
        line(
            "schedule_window",
            format!("{:?}", self.schedule_window.to_string()),
        );
        line(
            "state_dir",
            format!("{:?}", self.state_dir.display().to_string()),
        );
        line(
            "spool_dir",
            format!("{:?}", self.spool_dir.display().to_string()),
        );
        line("spool_max_reports", self.spool_max_reports.to_string());
        line("spool_max_bytes", self.spool_max_bytes.to_string());
        line("ca_file", opt_path(&self.ca_file));
        line(
            "catalog_public_key",
            self.catalog_public_key.as_ref().map_or_else(
                || "(not set: catalogue updates off)".to_string(),
                |k| format!("{:?}", bundle::encode_verifying_key(k).trim()),
            ),
        );
        line(
            "proxy",
            self.proxy
                .as_ref()
                .map_or_else(|| "(not set)".to_string(), |p| format!("{:?}", mask_url(p))),
        );
        line("log_level", format!("{:?}", self.log_level.as_str()));
        line(
            "log_dir",
            self.log_dir.as_ref().map_or_else(
                || "(not set: standard error)".to_string(),
                |p| format!("{:?}", p.display().to_string()),
            ),
        );
        out
    }
}

/// A URL with its password replaced by `****`.
fn mask_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("****"));
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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

    #[test]
    fn missing_required_keys_are_named() {
        let p = problems(resolve_text("site = \"x\"\n", &Overrides::default()));
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["collector_url", "enroll_token"]);
    }

    #[test]
    fn token_and_token_file_together_are_refused() {
        let text = "collector_url = \"https://x.example\"\nenroll_token = \"a\"\nenroll_token_file = \"/t\"\n";
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
        };
        let config = resolve_text(GOOD, &overrides).unwrap();
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
}
