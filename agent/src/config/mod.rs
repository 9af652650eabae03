//! The agent's configuration: one TOML file, overridden on Windows by the values the MSI writes to
//! `HKLM\SOFTWARE\Sunset\Agent`, checked as a whole before anything runs.
//!
//! Reading is split in three so every decision is testable on any OS: [`FileConfig`] is the file as
//! written (serde, `deny_unknown_fields`, every value with its span), [`Overrides`] are the machine-wide
//! registry values read through the [`Key`] trait ([`overrides_from`]), and [`resolve`] merges and
//! validates both into a [`Config`], reporting every problem at once with the key and the line (or the
//! registry value) it came from. The live registry hook is the only platform code involved.

//!
//! Files by concern: `file` (the TOML file as written), `overrides` (the registry values),
//! `settings` (the validated [`Config`] and its errors), `resolve` (merging and checking), `render`
//! (the masked `config check` listing).

mod file;
mod overrides;
mod render;
mod resolve;
mod settings;
#[cfg(test)]
mod tests;

use std::path::Path;

use file::read_small;

pub use file::{FileConfig, parse_file};
pub use overrides::{
    Overrides, REG_CA_FILE, REG_COLLECTOR_URL, REG_ENROLL_TOKEN, REG_PROXY, REG_SCHEDULE_WINDOW,
    REG_SITE, REGISTRY_KEY, overrides_from, overrides_from_key,
};
pub use resolve::resolve;
pub use settings::{
    Config, ConfigError, DEFAULT_PATH_UNIX, DEFAULT_SCHEDULE_WINDOW, DEFAULT_SPOOL_MAX_BYTES,
    DEFAULT_SPOOL_MAX_REPORTS, LogLevel, Origin, Problem, Secret, default_path, default_state_dir,
};

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
