//! `sunset-agent config check`'s listing: every effective value with its origin, secrets and
//! proxy passwords masked.

use std::path::PathBuf;

use sunset_catalog::bundle;

use super::settings::{Config, Origin};
use crate::proxy;

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
            match &self.proxy {
                None => "(not set)".to_string(),
                Some(proxy::Configured::Direct) => "\"none\"".to_string(),
                Some(proxy::Configured::Via(url)) => format!("{:?}", proxy::mask(url.as_str())),
            },
        );
        line("log_level", format!("{:?}", self.log_level.as_str()));
        line(
            "log_dir",
            self.log_dir.as_ref().map_or_else(
                || "(not set: standard error)".to_string(),
                |p| format!("{:?}", p.display().to_string()),
            ),
        );
        match self.route() {
            Ok(route) => out.push_str(&format!("# route to the collector: {route}\n")),
            Err(e) => out.push_str(&format!("# route to the collector: unusable proxy: {e}\n")),
        }
        out
    }
}
