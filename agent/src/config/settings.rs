//! The effective, validated configuration ([`Config`]), where each value came from ([`Origin`]),
//! what can be wrong with it ([`Problem`], [`ConfigError`]), and the per-OS defaults.

use std::fmt;
use std::path::{Path, PathBuf};

use sunset_catalog::bundle::VerifyingKey;

use super::overrides::REGISTRY_KEY;
use crate::proxy;
use crate::registry::RegistryError;
use crate::schedule::Window;

/// Where the configuration file is looked for when `--config` is not given (Linux and macOS).
pub const DEFAULT_PATH_UNIX: &str = "/etc/sunset/agent.toml";
/// Default number of reports the spool keeps (two months of nightly reports).
pub const DEFAULT_SPOOL_MAX_REPORTS: u32 = 60;
/// Default spool size cap.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Default schedule window (local time).
pub const DEFAULT_SCHEDULE_WINDOW: &str = "01:00-05:00";

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

    pub(super) fn parse(text: &str) -> Option<LogLevel> {
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
    /// The `proxy` setting: a proxy URL, or `none` for direct.
    pub proxy: Option<proxy::Configured>,
    /// The machine's proxy settings (environment, WinHTTP), used when `proxy` is not set. Empty from
    /// [`resolve`](super::resolve); the program fills it in at start (`service::machine_proxy`).
    pub system_proxy: proxy::SystemProxy,
    /// Log level.
    pub log_level: LogLevel,
    /// Log directory; `None` logs to standard error.
    pub log_dir: Option<PathBuf>,
    /// Where each key's value came from, in key order.
    pub origins: Vec<(&'static str, Origin)>,
}

impl Config {
    /// How the agent reaches the collector: the `proxy` setting, else the machine's (see [`proxy`]).
    pub fn route(&self) -> Result<proxy::Route, proxy::RouteError> {
        proxy::route(self.proxy.as_ref(), &self.system_proxy, &self.collector_url)
    }
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
pub(super) fn program_data() -> Option<PathBuf> {
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
