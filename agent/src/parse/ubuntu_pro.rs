//! Ubuntu Pro (Expanded Security Maintenance): whether this Ubuntu machine is attached and which ESM
//! services are on, from the Pro client's own files, read under a root so `--root` works.
//!
//! The client (`ubuntu-pro-client`, formerly `ubuntu-advantage-tools`) keeps, in its data directory
//! (`/var/lib/ubuntu-advantage`, or `data_dir` in `/etc/ubuntu-advantage/uaclient.conf`):
//! - `status.json`: the last status a root run of `pro status` computed (world-readable; can be
//!   stale). `attached` (bool) and `services[]` with `name` and `status` (`enabled`, `disabled`,
//!   `n/a`, `—`, `warning`); `expires` is the contract's end. Older clients (27.x, no
//!   `_schema_version`) wrote the same keys. `pro status --format json` prints the same dictionary
//!   with a few more keys, so it reads too.
//! - `private/machine-token.json` (root only) and `machine-token.json` (its public copy): written on
//!   attach, deleted on detach. The client's own rule is "attached ⇔ this file is a non-empty
//!   object".
//!
//! The decision, per ESM service (`esm-infra`, `esm-apps`):
//! - a readable `status.json` decides: `enabled` → licensed; `disabled`, `n/a`, `—`, absent → not
//!   licensed; anything else (`warning`, a newer value) → not collected. A contract whose `expires`
//!   is more than the client's 14-day grace period in the past → not licensed.
//! - `status.json` says attached but no machine token exists: detached since → not licensed.
//! - no `status.json`, but a machine token: attached; the service counts as enabled when the token
//!   entitles it and its APT source (`/etc/apt/sources.list.d/ubuntu-<service>.{sources,list}`)
//!   exists (what the client itself checks, short of asking APT).
//! - none of the files: not attached → not licensed.
//!
//! A file that exists but cannot be read or parsed makes both services `not-collected` (with a
//! warning): an unreadable file is never "not licensed".

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sunset_catalog::inventory::{Cover, CoverState, Warning};

use super::{read_bounded, under_root};

/// The ESM services reported as cover, with the program id the catalogue uses.
pub const SERVICES: [(&str, &str); 2] = [
    ("esm-infra", "ubuntu-pro-esm-infra"),
    ("esm-apps", "ubuntu-pro-esm-apps"),
];
/// The client's default data directory.
pub const DATA_DIR: &str = "/var/lib/ubuntu-advantage";
/// The client's configuration, which may move the data directory.
pub const CONFIG: &str = "/etc/ubuntu-advantage/uaclient.conf";
/// Days after `expires` during which the client still treats the contract as active.
pub const GRACE_DAYS: i64 = 14;
/// Largest file read (real ones are a few KiB).
const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Source name in warnings.
const SOURCE: &str = "ubuntu-pro";

/// `status.json`, as far as the decision needs it. Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Status {
    /// Whether the machine was attached when the status was written.
    pub attached: bool,
    /// Contract end (ISO-8601), or null / "n/a" when not attached.
    #[serde(default)]
    pub expires: Option<serde_json::Value>,
    /// Every service the client knows.
    #[serde(default)]
    pub services: Vec<Service>,
}

/// One service in `status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Service {
    /// `esm-infra`, `esm-apps`, `livepatch`, …
    pub name: String,
    /// `enabled`, `disabled`, `n/a`, `—`, `warning`; absent on unattached machines.
    #[serde(default)]
    pub status: Option<String>,
}

/// The machine token, as far as the decision needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MachineToken {
    /// Contract details.
    #[serde(default, rename = "machineTokenInfo")]
    pub info: Option<TokenInfo>,
}

/// `machineTokenInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenInfo {
    /// `contractInfo`.
    #[serde(default, rename = "contractInfo")]
    pub contract: Option<ContractInfo>,
}

/// `contractInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContractInfo {
    /// `effectiveTo`: the contract's end.
    #[serde(default, rename = "effectiveTo")]
    pub effective_to: Option<String>,
    /// `resourceEntitlements`.
    #[serde(default, rename = "resourceEntitlements")]
    pub entitlements: Vec<Entitlement>,
}

/// One entitlement of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Entitlement {
    /// Service name (`esm-infra`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether the contract includes it.
    #[serde(default)]
    pub entitled: bool,
}

/// Parses `status.json` (or `pro status --format json`).
pub fn parse_status(bytes: &[u8]) -> Result<Status, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Parses a machine token; `None` for an empty object (the client's "not attached").
pub fn parse_machine_token(bytes: &[u8]) -> Result<Option<MachineToken>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes)?;
    match value.as_object() {
        Some(object) if object.is_empty() => Ok(None),
        Some(_) => serde_json::from_value(value).map(Some),
        None => Err(serde::de::Error::custom("a machine token is a JSON object")),
    }
}

/// An ISO-8601 contract end more than [`GRACE_DAYS`] before `now`.
fn lapsed(expires: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let end = DateTime::parse_from_rfc3339(expires?.trim()).ok()?;
    let end = end.with_timezone(&Utc);
    (end + Duration::days(GRACE_DAYS) < now).then_some(end)
}

fn cover(program: &str, state: CoverState, evidence: String) -> Cover {
    Cover {
        program: program.to_string(),
        year: None,
        state,
        evidence: Some(evidence),
    }
}

/// Both services in the same state, for the same reason.
fn all(state: CoverState, evidence: &str) -> Vec<Cover> {
    SERVICES
        .iter()
        .map(|(_, program)| cover(program, state, evidence.to_string()))
        .collect()
}

/// The decision from a parsed `status.json` and whether a machine token exists.
pub fn from_status(
    status: &Status,
    token_exists: bool,
    at: &str,
    now: DateTime<Utc>,
) -> Vec<Cover> {
    if !status.attached {
        return all(
            CoverState::NotLicensed,
            &format!("{at}: not attached to Ubuntu Pro"),
        );
    }
    if !token_exists {
        let why = format!("{at} says attached, but the machine token is gone (detached since)");
        return all(CoverState::NotLicensed, &why);
    }
    let expires = status.expires.as_ref().and_then(|v| v.as_str());
    if let Some(end) = lapsed(expires, now) {
        let why = format!(
            "{at}: the Ubuntu Pro contract expired on {}",
            end.date_naive()
        );
        return all(CoverState::NotLicensed, &why);
    }
    SERVICES
        .iter()
        .map(|(name, program)| {
            let service = status.services.iter().find(|s| s.name == *name);
            let found = service.and_then(|s| s.status.as_deref()).map(str::trim);
            let (state, evidence) = match found {
                Some("enabled") => (CoverState::Licensed, format!("{at}: {name} enabled")),
                Some(other @ ("disabled" | "n/a" | "\u{2014}")) => {
                    (CoverState::NotLicensed, format!("{at}: {name} {other}"))
                }
                None => (CoverState::NotLicensed, format!("{at}: {name} not listed")),
                Some(other) => (
                    CoverState::NotCollected,
                    format!("{at}: {name} status {other:?}"),
                ),
            };
            cover(program, state, evidence)
        })
        .collect()
}

/// The decision from a machine token alone (no `status.json`): entitled, and the APT source in
/// place.
pub fn from_token(
    token: &MachineToken,
    apt_source: impl Fn(&str) -> bool,
    at: &str,
    now: DateTime<Utc>,
) -> Vec<Cover> {
    let contract = token
        .info
        .as_ref()
        .and_then(|i| i.contract.as_ref())
        .cloned()
        .unwrap_or_default();
    if let Some(end) = lapsed(contract.effective_to.as_deref(), now) {
        let why = format!(
            "{at}: the Ubuntu Pro contract expired on {}",
            end.date_naive()
        );
        return all(CoverState::NotLicensed, &why);
    }
    SERVICES
        .iter()
        .map(|(name, program)| {
            let entitled = contract
                .entitlements
                .iter()
                .any(|e| e.kind == *name && e.entitled);
            let (state, evidence) = match (entitled, apt_source(name)) {
                (true, true) => (
                    CoverState::Licensed,
                    format!("{at}: entitled to {name}, and its APT source is configured"),
                ),
                (true, false) => (
                    CoverState::NotLicensed,
                    format!("{at}: entitled to {name}, but it is not enabled (no APT source)"),
                ),
                (false, _) => (
                    CoverState::NotLicensed,
                    format!("{at}: the contract does not include {name}"),
                ),
            };
            cover(program, state, evidence)
        })
        .collect()
}

/// Reads a file: `Ok(None)` when it does not exist.
fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match read_bounded(path, MAX_BYTES) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The data directory, on the machine: `data_dir` from `uaclient.conf` when set.
fn data_dir(root: &Path) -> String {
    let config = read_optional(&under_root(root, CONFIG)).ok().flatten();
    let text = config.map(|b| String::from_utf8_lossy(&b).into_owned());
    text.as_deref()
        .and_then(|text| {
            text.lines()
                .filter(|l| !l.starts_with([' ', '\t', '#']))
                .find_map(|l| l.strip_prefix("data_dir:"))
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
        })
        .filter(|dir| dir.starts_with('/'))
        .unwrap_or_else(|| DATA_DIR.to_string())
}

/// The cover of an Ubuntu root (`/`, or a mounted image). Call only for Ubuntu: other systems have
/// no Ubuntu Pro.
pub fn read_cover(root: &Path, now: DateTime<Utc>) -> (Vec<Cover>, Vec<Warning>) {
    let dir = data_dir(root);
    let status_at = format!("{dir}/status.json");
    let tokens: [String; 2] = [
        format!("{dir}/private/machine-token.json"),
        format!("{dir}/machine-token.json"),
    ];
    let unreadable = |at: &str, error: &dyn std::fmt::Display| {
        let warning = Warning::new(SOURCE, format!("{at}: {error}"));
        let evidence = format!("{at} could not be read: {error}");
        (all(CoverState::NotCollected, &evidence), vec![warning])
    };
    // The first token that exists and parses; a non-root scan cannot read the private one.
    let mut token: Option<(String, Option<MachineToken>)> = None;
    let mut token_error = None;
    for at in &tokens {
        match read_optional(&under_root(root, at)) {
            Ok(Some(bytes)) => match parse_machine_token(&bytes) {
                Ok(parsed) => {
                    token = Some((at.clone(), parsed));
                    break;
                }
                Err(e) => token_error = Some((at.clone(), e.to_string())),
            },
            Ok(None) => {}
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {}
            Err(e) => token_error = Some((at.clone(), e.to_string())),
        }
    }
    let token_exists = matches!(token, Some((_, Some(_))));
    match read_optional(&under_root(root, &status_at)) {
        Ok(Some(bytes)) => match parse_status(&bytes) {
            Ok(status) => {
                // A damaged token cannot tell "detached"; trust the status then.
                let exists = token_exists || token_error.is_some();
                (from_status(&status, exists, &status_at, now), Vec::new())
            }
            Err(e) => unreadable(&status_at, &e),
        },
        Ok(None) => match (token, token_error) {
            (Some((at, Some(token))), _) => {
                let apt = |name: &str| {
                    ["sources", "list"].iter().any(|ext| {
                        let file = format!("/etc/apt/sources.list.d/ubuntu-{name}.{ext}");
                        under_root(root, &file).is_file()
                    })
                };
                (from_token(&token, apt, &at, now), Vec::new())
            }
            (_, Some((at, error))) => unreadable(&at, &error),
            _ => {
                let why = format!(
                    "not attached to Ubuntu Pro (no status.json or machine token in {dir})"
                );
                (all(CoverState::NotLicensed, &why), Vec::new())
            }
        },
        Err(e) => unreadable(&status_at, &e),
    }
}

/// The data directory's status file below `root`, for tests and messages.
pub fn status_path(root: &Path) -> PathBuf {
    under_root(root, &format!("{}/status.json", data_dir(root)))
}
