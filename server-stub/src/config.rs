//! `collector.toml`: where the collector listens, where it keeps its data and how it judges.
//!
//! Every field is optional; command-line flags override the file, the file overrides the
//! defaults. Unknown keys are errors that name the key and its line, so a typo is never ignored.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sunset_catalog::cover::{Declaration, DeclaredCover};

/// Default listen address: loopback only, so a fresh install exposes nothing.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "sunset-data";
/// SQLite file inside the data directory.
pub const SQLITE_FILE: &str = "collector.db";

/// The file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port to listen on (`127.0.0.1:8080`).
    pub listen: Option<String>,
    /// Data directory (SQLite database when no `database_url` is given).
    pub data_dir: Option<PathBuf>,
    /// `sqlite:///var/lib/sunset/collector.db` or `postgres://user@host/db`.
    pub database_url: Option<String>,
    /// Directory of catalogue TOML files; the built-in catalogue when absent.
    pub catalog_dir: Option<PathBuf>,
    /// Directory of the organisation's own catalogue files (clinical and local systems), laid
    /// over the catalogue: new products, `[[override]]` cycles of a base product, `[[reviewed]]`.
    /// Checked by the same loader; signed into the bundle agents fetch; read again on reload.
    pub catalog_overlay_dir: Option<PathBuf>,
    /// Private Ed25519 key (`sunset-collector catalog keygen`) that signs the catalogue bundle
    /// agents download from `/api/v1/catalog`; without it that endpoint answers 503. Must not be
    /// readable by other users.
    pub catalog_signing_key_file: Option<PathBuf>,
    /// Days after which report receipts, history and hosts not seen are deleted.
    pub retention_days: Option<u32>,
    /// Days before end of security support that count as `expiring`.
    pub expiring_days: Option<u32>,
    /// Days without a report after which a host is shown as stale.
    pub stale_days: Option<u32>,
    /// HTTPS: PEM certificate chain and private key.
    pub tls: Option<TlsConfig>,
    /// Ingest bounds.
    pub limits: Option<LimitsFile>,
    /// SQLite `synchronous` setting: `full` (default; every acknowledged report survives power
    /// loss) or `normal` (survives a crash of the collector, faster).
    pub sqlite_synchronous: Option<String>,
    /// Database connections per collector process.
    pub database_max_connections: Option<u32>,
    /// How far ahead of the collector's clock a report's `collected_at` may be, in hours.
    pub max_clock_skew_hours: Option<u32>,
    /// File holding a token `/metrics` then requires (`Authorization: Bearer <token>`); read on
    /// every scrape, so it can be rotated without a restart. Without it `/metrics` is open.
    pub metrics_token_file: Option<PathBuf>,
    /// Serve the dashboard over plain HTTP to other machines too. Only for a collector behind a
    /// TLS-terminating proxy: browsers keep the `Secure` session cookie over HTTPS only.
    pub dashboard_over_plain_http: Option<bool>,
    /// Seconds between runs of the background jobs (re-evaluation check, retention).
    pub jobs_interval_seconds: Option<u32>,
    /// Contract cover the organisation holds (`[[declared_cover]]` tables: product, cycle, site,
    /// until, reference), checked against the catalogue at load (see [`crate::cover`]).
    pub declared_cover: Option<Vec<Declaration>>,
}

/// HTTPS certificate and key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain.
    pub cert_file: PathBuf,
    /// PEM file with the private key.
    pub key_file: PathBuf,
}

/// Ingest bounds as written in the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    /// Largest request body on the wire, in bytes.
    pub max_body_bytes: Option<usize>,
    /// Largest body after gzip decompression, in bytes.
    pub max_decompressed_bytes: Option<usize>,
    /// Most entries in any one list (software, warnings).
    pub max_entries: Option<usize>,
    /// Longest string anywhere in a report, in bytes.
    pub max_string_bytes: Option<usize>,
    /// Most JSON values (strings, numbers, lists, objects…) in one report.
    pub max_values: Option<usize>,
}

/// Ingest bounds in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body on the wire, in bytes.
    pub max_body_bytes: usize,
    /// Largest body after gzip decompression, in bytes.
    pub max_decompressed_bytes: usize,
    /// Most entries in any one list.
    pub max_entries: usize,
    /// Longest string anywhere in a report, in bytes.
    pub max_string_bytes: usize,
    /// Most JSON values in one report.
    pub max_values: usize,
}

impl Default for Limits {
    /// A real report is ~80 KB of JSON for 300 programs; 20,000 programs (the most any list may
    /// hold) come to ~6 MB and some 300,000 values, so these leave room without inviting abuse.
    fn default() -> Self {
        Limits {
            max_body_bytes: 8 * 1024 * 1024,
            max_decompressed_bytes: 16 * 1024 * 1024,
            max_entries: 20_000,
            max_string_bytes: 4096,
            max_values: 500_000,
        }
    }
}

/// The configuration in force.
#[derive(Clone, Debug)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database_url: String,
    /// Catalogue directory; `None` = built-in catalogue.
    pub catalog_dir: Option<PathBuf>,
    /// Overlay directory laid over the catalogue; `None` = none.
    pub catalog_overlay_dir: Option<PathBuf>,
    /// Private key that signs the catalogue bundle for agents; `None` = no bundle is served.
    pub catalog_signing_key_file: Option<PathBuf>,
    /// Retention in days.
    pub retention_days: u32,
    /// Expiring window in days.
    pub expiring_days: u32,
    /// Stale threshold in days.
    pub stale_days: u32,
    /// HTTPS, when configured.
    pub tls: Option<TlsConfig>,
    /// Ingest bounds.
    pub limits: Limits,
    /// SQLite `synchronous` pragma value.
    pub sqlite_synchronous: String,
    /// Pool size.
    pub database_max_connections: u32,
    /// How far ahead of receipt a report's `collected_at` may be.
    pub max_clock_skew: chrono::Duration,
    /// The `/metrics` token file, when `/metrics` requires one.
    pub metrics_token_file: Option<PathBuf>,
    /// Whether the dashboard is served over plain HTTP to other machines.
    pub dashboard_over_plain_http: bool,
    /// Time between background job runs.
    pub jobs_interval: std::time::Duration,
    /// Contract cover the organisation declares (Oracle Java SE Subscription, RHEL ELS, SQL Server
    /// ESU…): evaluation counts an extended window as covered only with it or the agent's evidence.
    pub declared_cover: DeclaredCover,
}

/// Command-line values that override the file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--config`.
    pub config_file: Option<PathBuf>,
}

/// A configuration problem, located.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, naming the key.
        message: String,
    },
    /// Values are individually valid but wrong.
    #[error("invalid configuration:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// Parses `collector.toml` text; `path` is only used in messages.
pub fn parse_file(path: &Path, text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((1, 1));
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Config {
    /// Reads the file named in `overrides` (if any) and applies the overrides.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let file = match &overrides.config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                parse_file(path, &text)?
            }
            None => FileConfig::default(),
        };
        Config::resolve(file, overrides)
    }

    /// Merges file values, overrides and defaults, reporting every bad value at once.
    pub fn resolve(file: FileConfig, overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let listen_text = overrides
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = match listen_text.parse::<SocketAddr>() {
            Ok(addr) => addr,
            Err(e) => {
                problems.push(format!(
                    "listen: {listen_text:?} is not an address:port ({e})"
                ));
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        };
        let data_dir = overrides
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = match file.database_url {
            Some(url) => {
                if !(url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://"))
                {
                    problems.push(format!(
                        "database_url: must start with sqlite:, postgres:// or postgresql:// (got {:?})",
                        url.split(':').next().unwrap_or("")
                    ));
                }
                url
            }
            None => sqlite_url(&data_dir.join(SQLITE_FILE)),
        };
        let sqlite_synchronous = file
            .sqlite_synchronous
            .unwrap_or_else(|| "full".to_string())
            .to_ascii_lowercase();
        if !matches!(sqlite_synchronous.as_str(), "full" | "normal" | "extra") {
            problems.push(format!(
                "sqlite_synchronous: must be full, normal or extra (got {sqlite_synchronous:?})"
            ));
        }
        let defaults = Limits::default();
        let limits_file = file.limits.unwrap_or_default();
        let limits = Limits {
            max_body_bytes: limits_file
                .max_body_bytes
                .unwrap_or(defaults.max_body_bytes),
            max_decompressed_bytes: limits_file
                .max_decompressed_bytes
                .unwrap_or(defaults.max_decompressed_bytes),
            max_entries: limits_file.max_entries.unwrap_or(defaults.max_entries),
            max_string_bytes: limits_file
                .max_string_bytes
                .unwrap_or(defaults.max_string_bytes),
            max_values: limits_file.max_values.unwrap_or(defaults.max_values),
        };
        if limits.max_body_bytes == 0 || limits.max_decompressed_bytes == 0 {
            problems.push("limits: byte limits must be above zero".to_string());
        }
        if limits.max_values < 1000 {
            problems.push(format!(
                "limits.max_values: at least 1000 (got {})",
                limits.max_values
            ));
        }
        let skew_hours = file.max_clock_skew_hours.unwrap_or(24);
        if skew_hours == 0 || skew_hours > 24 * 31 {
            problems.push(format!("max_clock_skew_hours: 1 to 744 (got {skew_hours})"));
        }
        let jobs_seconds = file.jobs_interval_seconds.unwrap_or(60);
        if jobs_seconds == 0 || jobs_seconds > 3600 {
            problems.push(format!(
                "jobs_interval_seconds: 1 to 3600 (got {jobs_seconds})"
            ));
        }
        if limits.max_decompressed_bytes > crate::store::MAX_STORED_INVENTORY_BYTES {
            problems.push(format!(
                "limits.max_decompressed_bytes: at most {} (got {})",
                crate::store::MAX_STORED_INVENTORY_BYTES,
                limits.max_decompressed_bytes
            ));
        }
        let expiring_days = file
            .expiring_days
            .unwrap_or(sunset_catalog::evaluate::DEFAULT_EXPIRING_DAYS as u32);
        if expiring_days > 3650 {
            problems.push(format!(
                "expiring_days: {expiring_days} is more than ten years"
            ));
        }
        let max_connections = file.database_max_connections.unwrap_or(8);
        if max_connections == 0 {
            problems.push("database_max_connections: must be at least 1".to_string());
        }
        let declarations = file.declared_cover.unwrap_or_default();
        for (i, d) in declarations.iter().enumerate() {
            if d.product.trim().is_empty() {
                problems.push(format!("declared_cover[{i}].product: must not be empty"));
            }
            if d.reference.trim().is_empty() {
                problems.push(format!(
                    "declared_cover[{i}].reference: say what a reviewer can check (an order or \
                     contract number)"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid(problems));
        }
        Ok(Config {
            listen,
            data_dir,
            database_url,
            catalog_dir: file.catalog_dir,
            catalog_overlay_dir: file.catalog_overlay_dir,
            catalog_signing_key_file: file.catalog_signing_key_file,
            retention_days: file.retention_days.unwrap_or(400),
            expiring_days,
            stale_days: file.stale_days.unwrap_or(14),
            tls: file.tls,
            limits,
            sqlite_synchronous,
            database_max_connections: max_connections,
            max_clock_skew: chrono::Duration::hours(i64::from(skew_hours)),
            metrics_token_file: file.metrics_token_file,
            dashboard_over_plain_http: file.dashboard_over_plain_http.unwrap_or(false),
            jobs_interval: std::time::Duration::from_secs(u64::from(jobs_seconds)),
            declared_cover: DeclaredCover { declarations },
        })
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// The first line of a small secret file (a token), which must not be empty.
pub fn read_secret_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_string(&mut text))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let secret = text.lines().next().unwrap_or("").trim();
    if secret.len() < 16 {
        return Err(format!(
            "{}: the token must be at least 16 characters",
            path.display()
        ));
    }
    Ok(secret.to_string())
}

/// A `sqlite://` URL for a file, created if missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = "listen = \"127.0.0.1:9000\"\nretention_dayz = 3\n";
        let err = parse_file(Path::new("collector.toml"), text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("collector.toml:2:"), "{shown}");
        assert!(shown.contains("retention_dayz"), "{shown}");
    }

    #[test]
    fn defaults_are_loopback_and_sqlite_in_the_data_dir() {
        let config = Config::resolve(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert!(config.is_sqlite());
        assert!(config.database_url.contains(SQLITE_FILE));
    }

    #[test]
    fn every_bad_value_is_reported() {
        let file = parse_file(
            Path::new("c.toml"),
            "listen = \"nowhere\"\ndatabase_url = \"mysql://x\"\n",
        )
        .unwrap();
        let err = Config::resolve(file, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("listen") && err.contains("database_url"),
            "{err}"
        );
    }
}
