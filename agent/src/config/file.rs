//! The configuration file as written: [`FileConfig`] (serde, `deny_unknown_fields`, every value
//! with its span) and its parse errors with the key and line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::settings::{Origin, Problem};

/// Largest CA bundle or token file read.
pub(super) const MAX_SMALL_FILE_BYTES: u64 = 1024 * 1024;

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

impl FileConfig {
    pub(super) fn ca_file_str(&self) -> Option<Spanned<String>> {
        self.ca_file
            .as_ref()
            .map(|p| Spanned::new(p.span(), p.get_ref().to_string_lossy().into_owned()))
    }
}

/// Reads a small text file, refusing anything larger than 1 MiB.
pub(super) fn read_small(path: &Path) -> std::io::Result<String> {
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

/// The 1-based line of a byte offset.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(1, |b| b.iter().filter(|&&c| c == b'\n').count() + 1)
}

/// The bare key at the start of the line a span points into, if any (`spool_dir = 3` → `spool_dir`).
pub(super) fn key_at(text: &str, span: Option<std::ops::Range<usize>>) -> Option<String> {
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
