//! Matching one compiled rule against an inventory (software entry, OS, hardware), and the rule
//! in words for a finding's evidence. Its own module so `mod.rs` keeps the catalogue's types and
//! look-ups; the index (`index.rs`) picks which rules to try, this says whether one matches.

use super::model::Rule;
use super::{CompiledRule, Matched, Pattern};
use crate::inventory::{Hardware, InstallationType, OriginKind, Os, OsFamily, Software};

fn optional_match(regex: &Option<Pattern>, value: Option<&str>) -> bool {
    regex
        .as_ref()
        .is_none_or(|r| value.is_some_and(|v| r.is_match(v)))
}

impl CompiledRule {
    /// Whether this rule matches a software entry. `lower` is its trimmed name lower-cased and
    /// `by_pattern` whether this rule's name pattern matches that name, both worked out once per
    /// entry by [`Index::software_candidates`] (the pattern by the index's set of all name patterns): running
    /// the rule's own regex again, or lower-casing the name per rule, was a fifth of evaluation.
    pub(crate) fn matches_software(
        &self,
        software: &Software,
        lower: &str,
        by_pattern: bool,
    ) -> Option<Matched> {
        // Installers leave stray spaces in DisplayName; they are not part of the name.
        let name = software.name.trim();
        let by_name = self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
            || self.names.iter().any(|n| n == lower);
        let by_identifier = software
            .identifier
            .as_ref()
            .is_some_and(|id| self.rule.identifier.contains(id));
        if !(by_name || by_identifier || by_pattern) {
            return None;
        }
        if self.not_name.as_ref().is_some_and(|r| r.is_match(name))
            || !optional_match(&self.publisher, software.publisher.as_deref())
            || !(self.rule.sources.is_empty()
                || self
                    .rule
                    .sources
                    .iter()
                    .any(|s| s == software.source.name()))
            || !self.origin.is_none_or(|wanted| match wanted {
                OriginKind::Vendor => software.is_vendor_package(),
                _ => software.is_distribution_package(),
            })
        {
            return None;
        }
        // Only a pattern with a `version` group needs its captures.
        let version = self
            .name_pattern
            .as_ref()
            .filter(|p| by_pattern && p.may_capture_version())
            .and_then(|p| p.captures(name))
            .and_then(|c| c.name("version").map(|m| m.as_str().to_string()));
        let (field, value) = if by_identifier && !by_name && !by_pattern {
            (
                "software.identifier",
                software.identifier.clone().unwrap_or_default(),
            )
        } else {
            ("software.name", software.name.clone())
        };
        Some(Matched {
            field,
            value,
            version,
        })
    }

    /// Whether this rule matches the operating system.
    pub(crate) fn matches_os(&self, os: &Os) -> Option<Matched> {
        let family = match os.family? {
            OsFamily::Windows => "windows",
            OsFamily::Linux => "linux",
            OsFamily::Macos => "macos",
            OsFamily::Other => return None,
        };
        if self.rule.os_family.as_deref() != Some(family) {
            return None;
        }
        if !optional_match(&self.os_name, Some(&os.name))
            || self.not_name.as_ref().is_some_and(|r| r.is_match(&os.name))
        {
            return None;
        }
        if !self.rule.distro_id.is_empty()
            && !os
                .distro_id
                .as_ref()
                .is_some_and(|id| self.rule.distro_id.iter().any(|d| d == id))
        {
            return None;
        }
        if let Some(wanted) = &self.rule.installation_type {
            let actual = match os.installation_type {
                Some(InstallationType::Client) => "client",
                Some(InstallationType::Server) => "server",
                None => "unknown",
                Some(InstallationType::Other) => return None,
            };
            if wanted != actual {
                return None;
            }
        }
        let (field, value) = match &os.distro_id {
            Some(id) if !self.rule.distro_id.is_empty() => ("os.distro_id", id.clone()),
            _ => ("os.name", os.name.clone()),
        };
        Some(Matched {
            field,
            value,
            version: None,
        })
    }

    /// Whether this rule matches the hardware. Unknown facts never match.
    pub(crate) fn matches_hardware(&self, hardware: &Hardware) -> Option<Matched> {
        let manufacturer = hardware.manufacturer.known().map(String::as_str);
        let model = hardware.model.known().map(String::as_str);
        let cpu = hardware.cpu.known().map(|c| c.brand.as_str());
        if !optional_match(&self.manufacturer, manufacturer)
            || !optional_match(&self.model, model)
            || !optional_match(&self.cpu, cpu)
        {
            return None;
        }
        let (field, value) = if self.cpu.is_some() {
            ("hardware.cpu.brand", cpu.unwrap_or_default())
        } else if self.model.is_some() {
            ("hardware.model", model.unwrap_or_default())
        } else {
            ("hardware.manufacturer", manufacturer.unwrap_or_default())
        };
        Some(Matched {
            field,
            value: value.to_string(),
            version: None,
        })
    }

    /// A short description of the rule for evidence (`name_regex '^Python 3…'`).
    pub(crate) fn describe(&self) -> String {
        self.description.clone()
    }
}

/// Describes a match rule for evidence (`name_regex '^Python 3…'`).
pub(super) fn describe(rule: &Rule) -> String {
    let mut parts = Vec::new();
    let mut add = |key: &str, value: String| parts.push(format!("{key} {value}"));
    if !rule.name.is_empty() {
        add("name", format!("{:?}", rule.name));
    }
    if let Some(v) = &rule.name_glob {
        add("name_glob", format!("'{v}'"));
    }
    if let Some(v) = &rule.name_regex {
        add("name_regex", format!("'{v}'"));
    }
    if !rule.identifier.is_empty() {
        add("identifier", format!("{:?}", rule.identifier));
    }
    if let Some(v) = &rule.publisher_regex {
        add("publisher_regex", format!("'{v}'"));
    }
    if !rule.sources.is_empty() {
        add("sources", format!("{:?}", rule.sources));
    }
    if let Some(v) = &rule.origin {
        add("origin", v.clone());
    }
    if let Some(v) = &rule.os_family {
        add("os_family", v.clone());
    }
    if let Some(v) = &rule.os_name_regex {
        add("os_name_regex", format!("'{v}'"));
    }
    if !rule.distro_id.is_empty() {
        add("distro_id", format!("{:?}", rule.distro_id));
    }
    if let Some(v) = &rule.installation_type {
        add("installation_type", v.clone());
    }
    if let Some(v) = &rule.manufacturer_regex {
        add("manufacturer_regex", format!("'{v}'"));
    }
    if let Some(v) = &rule.model_regex {
        add("model_regex", format!("'{v}'"));
    }
    if let Some(v) = &rule.cpu_regex {
        add("cpu_regex", format!("'{v}'"));
    }
    parts.join(", ")
}
