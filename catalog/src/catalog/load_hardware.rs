//! Checks of the catalogue's hardware requirements: upgrade readiness (`[[readiness]]`, a target
//! OS's processor and version rules) and the Secure Boot certificate policy. Their own module so
//! `load.rs` keeps to reading files and checking products; the same [`Checker`] reports problems.

use std::collections::HashSet;

use toml::Spanned;

use super::load::{Checker, Here};
use super::model::{Kind, Readiness, SecureBootCertificates};
use super::{CompiledReadiness, CompiledSecureBoot, Pattern};
use crate::version::{Scheme, VersionRange};

impl Checker {
    pub(super) fn readiness(
        &mut self,
        here: &Here,
        spec: Spanned<Readiness>,
    ) -> Option<CompiledReadiness> {
        let before = self.problems.len();
        let span = spec.span();
        let spec = spec.into_inner();
        let path = format!("readiness[{}]", spec.id);
        if let Some(first) = self.ids.insert(spec.id.clone(), here.name.to_string()) {
            let message = format!("duplicate id (first defined in {first})");
            self.at(here, span.clone(), &format!("{path}.id"), &message);
        }
        let source = spec
            .source
            .as_ref()
            .and_then(|s| self.source(here, &format!("{path}.source"), s));
        let applies_to = Spanned::new(span.clone(), spec.applies_to.clone());
        let rule = self.rule(here, &format!("{path}.applies_to"), Kind::Os, &applies_to);
        let versions = match VersionRange::parse(Scheme::Dotted, spec.os_versions.get_ref()) {
            Ok(range) => Some(range),
            Err(error) => {
                let field = format!("{path}.os_versions");
                self.at(here, spec.os_versions.span(), &field, &error.to_string());
                None
            }
        };
        let mut cpu = Vec::new();
        for (n, cpu_rule) in spec.cpu.iter().enumerate() {
            match Pattern::new(format!("(?i){}", cpu_rule.regex.get_ref())) {
                Ok(regex) => cpu.push((regex, n)),
                Err(error) => {
                    let message = format!("regex does not compile: {error}");
                    let field = format!("{path}.cpu[{n}].regex");
                    self.at(here, cpu_rule.regex.span(), &field, &message);
                }
            }
        }
        if self.problems.len() != before {
            return None;
        }
        Some(CompiledReadiness {
            rule: rule?,
            versions: versions?,
            cpu,
            spec,
            source,
        })
    }

    /// Checks the Secure Boot certificate policy: every CA has a calendar date, a name and at least
    /// one replacement, and no CA is listed twice.
    pub(super) fn secure_boot(
        &mut self,
        here: &Here,
        policy: Spanned<SecureBootCertificates>,
    ) -> Option<CompiledSecureBoot> {
        let before = self.problems.len();
        let span = policy.span();
        let spec = policy.into_inner();
        let path = "secure_boot_certificates";
        if spec.certificate.is_empty() {
            self.at(
                here,
                span.clone(),
                path,
                "needs at least one [[…certificate]]",
            );
        }
        let source = spec
            .source
            .as_ref()
            .and_then(|s| self.source(here, &format!("{path}.source"), s));
        let mut expires = Vec::new();
        let mut seen = HashSet::new();
        for (n, certificate) in spec.certificate.iter().enumerate() {
            let field = format!("{path}.certificate[{n}]");
            if let Some(date) = self.date(here, &format!("{field}.expires"), &certificate.expires) {
                expires.push(date);
            }
            if certificate.name.trim().is_empty() || certificate.replaced_by.is_empty() {
                let message = "needs a name and at least one replaced_by common name";
                self.at(here, certificate.expires.span(), &field, message);
            }
            if !seen.insert((certificate.store, certificate.name.to_lowercase())) {
                let message = format!("{} is listed twice", certificate.name);
                self.at(here, certificate.expires.span(), &field, &message);
            }
        }
        (self.problems.len() == before).then_some(CompiledSecureBoot {
            spec,
            source,
            expires,
        })
    }
}
