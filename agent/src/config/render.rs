//! `sunset-agent config check`'s listing: every effective value with its origin, secrets and
//! proxy passwords masked.

use std::path::PathBuf;

use sunset_catalog::bundle;

use super::settings::{Config, Origin};

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
