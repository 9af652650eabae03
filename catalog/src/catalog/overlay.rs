//! Overlay files: an organisation's own catalogue files laid over the base catalogue.
//!
//! Clinical and local systems (GP clinical system clients, PACS viewers, in-house tools) have no
//! public lifecycle: the organisation decides it. An overlay file is read by the same loader as a
//! base file (same types, same checks, the same `file:line` problems) and then merged:
//!
//! - a `[[product]]` whose id the base does not have is added;
//! - a `[[product]]` whose id the base has is an error: changing a base product must say so, with
//!   `[[override]]` and `product = "<id>"`, whose `[[override.release]]` cycles replace the base
//!   cycle with the same id or are added to the product (every cycle checked as the base's are,
//!   with its own `security_support_end`, and none overlapping another for the same editions);
//! - two overlay files defining, or overriding, the same product is an error;
//! - `[[reviewed]]` entries are kept as in base files;
//! - catalogue-wide tables (`[catalog]`, `[updates]`, `[[readiness]]`, `[firmware_age]`,
//!   `[secure_boot_certificates]`) are the base's alone, and an error in an overlay: the base's
//!   version stands, with the overlays' digest added to it (`Catalog::version`).
//!
//! Every added product and every added or replaced cycle carries its [`Layer`], which each finding
//! reports.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::layer::Layer;
use super::load::{Checker, Here};
use super::model::{File, Override};
use super::reviewed::Reviewed;
use super::{Entry, MajorIndex};

/// What overlay files merge into: the products so far, and which file overrode which product.
struct Merge<'a> {
    entries: &'a mut Vec<Entry>,
    reviewed: &'a mut Vec<Reviewed>,
    overridden: HashMap<String, String>,
}

impl Checker {
    /// Reads overlay files (`(name, text)`, as base files are read) and merges each into the
    /// base's `entries` and `reviewed`.
    pub(super) fn overlays<M: AsRef<str>, U: AsRef<str>>(
        &mut self,
        overlays: &[(M, U)],
        entries: &mut Vec<Entry>,
        reviewed: &mut Vec<Reviewed>,
    ) {
        let mut merge = Merge {
            entries,
            reviewed,
            overridden: HashMap::new(),
        };
        for (name, text) in overlays {
            let (name, text) = (name.as_ref(), text.as_ref());
            match toml::from_str::<File>(text) {
                Ok(file) => self.overlay(&Here { name, text }, file, &mut merge),
                Err(error) => {
                    let span = error.span().unwrap_or(0..0);
                    let message = error.message().trim().to_string();
                    self.push(name, text, span, "(file)".to_string(), message);
                }
            }
        }
    }

    /// Checks one overlay file and merges what passes into `merge`.
    fn overlay(&mut self, here: &Here, file: File, merge: &mut Merge) {
        let layer = Layer::overlay(here.name);
        let base_only = "is the base catalogue's alone: an overlay file has only [[product]], \
                         [[override]] and [[reviewed]]";
        if let Some(table) = &file.catalog {
            let message = format!("[catalog] {base_only} (the base's version stands)");
            self.at(here, table.span(), "catalog", &message);
        }
        if let Some(table) = &file.updates {
            self.at(
                here,
                table.span(),
                "updates",
                &format!("[updates] {base_only}"),
            );
        }
        for spec in &file.readiness {
            let message = format!("[[readiness]] {base_only}");
            self.at(here, spec.span(), "readiness", &message);
        }
        if let Some(table) = &file.firmware_age {
            let message = format!("[firmware_age] {base_only}");
            self.at(here, table.span(), "firmware_age", &message);
        }
        if let Some(table) = &file.secure_boot_certificates {
            let message = format!("[secure_boot_certificates] {base_only}");
            self.at(here, table.span(), "secure_boot_certificates", &message);
        }
        for product in file.product {
            let id = product.id.get_ref().clone();
            let in_base = merge
                .entries
                .iter()
                .any(|e| e.product.id.get_ref() == &id && e.layer.is_built_in());
            if in_base {
                let first = self.ids.get(&id).cloned().unwrap_or_default();
                let message = format!(
                    "product '{id}' is in the base catalogue ({first}); to add or replace its \
                     cycles write [[override]] with product = \"{id}\""
                );
                self.at(
                    here,
                    product.id.span(),
                    &format!("product[{id}].id"),
                    &message,
                );
                continue;
            }
            // An id another overlay defined is reported by `product` as a duplicate.
            if let Some(mut entry) = self.product(here, product) {
                entry.layer = layer.clone();
                for release in &mut entry.releases {
                    release.layer = layer.clone();
                }
                merge.entries.push(entry);
            }
        }
        for spec in file.overrides {
            self.override_cycles(here, &layer, spec, merge);
        }
        for (n, spec) in file.reviewed.into_iter().enumerate() {
            if let Some(reviewed) = self.reviewed(here, &layer, n, spec) {
                merge.reviewed.push(reviewed);
            }
        }
    }

    /// Checks an `[[override]]` and, when all of it passes, puts its cycles into the base product.
    fn override_cycles(
        &mut self,
        here: &Here,
        layer: &Layer,
        spec: Spanned<Override>,
        merge: &mut Merge,
    ) {
        let span = spec.span();
        let spec = spec.into_inner();
        let id = spec.product.get_ref().clone();
        let path = format!("override[{id}]");
        let field = format!("{path}.product");
        let Some(entry) = merge
            .entries
            .iter_mut()
            .find(|e| e.product.id.get_ref() == &id)
        else {
            let message =
                format!("no product '{id}' in the base catalogue (a new product is a [[product]])");
            self.at(here, spec.product.span(), &field, &message);
            return;
        };
        if let Some(file) = entry.layer.overlay_file() {
            let message = format!("product '{id}' comes from overlay {file}: change it there");
            self.at(here, spec.product.span(), &field, &message);
            return;
        }
        if let Some(first) = merge.overridden.get(&id) {
            let message = format!(
                "product '{id}' is already overridden in {first}: one [[override]] per product"
            );
            self.at(here, spec.product.span(), &field, &message);
            return;
        }
        merge.overridden.insert(id.clone(), here.name.to_string());
        if spec.releases.is_empty() {
            self.at(
                here,
                span,
                &path,
                "no [[override.release]]: nothing to change",
            );
            return;
        }
        let before = self.problems.len();
        let mut cycles = HashSet::new();
        let mut compiled = Vec::new();
        for release in &spec.releases {
            let cycle = release.cycle.get_ref();
            let field = format!("{path}.release[{cycle}]");
            if !cycles.insert(cycle.clone()) {
                let message = "duplicate cycle in this override";
                self.at(here, release.cycle.span(), &field, message);
            }
            if release.security_support_end.is_none() {
                let message = "missing: an overlay's cycle gives its own end of security support";
                let field = format!("{field}.security_support_end");
                self.at(here, release.cycle.span(), &field, message);
            }
            if let Some(mut release) = self.release(here, &field, &entry.product, release) {
                release.layer = layer.clone();
                compiled.push(release);
            }
        }
        if self.problems.len() != before {
            return;
        }
        let mut releases = entry.releases.clone();
        let mut raw = entry.product.releases.clone();
        for (release, written) in compiled.into_iter().zip(&spec.releases) {
            match releases.iter().position(|r| r.cycle == release.cycle) {
                Some(i) => releases[i] = release,
                None => releases.push(release),
            }
            match raw
                .iter()
                .position(|r| r.cycle.get_ref() == written.cycle.get_ref())
            {
                Some(i) => raw[i] = written.clone(),
                None => raw.push(written.clone()),
            }
        }
        for (i, release) in releases.iter().enumerate() {
            if release.layer != *layer {
                continue;
            }
            let clash = releases.iter().enumerate().find(|(j, other)| {
                *j != i && (other.layer != *layer || *j < i) && release.collides(other)
            });
            if let Some((_, other)) = clash {
                let written = spec
                    .releases
                    .iter()
                    .find(|r| *r.cycle.get_ref() == release.cycle);
                let span = written.map_or(span.clone(), |r| r.versions.span());
                let message = format!(
                    "versions '{}' overlap cycle '{}' ('{}', {}) for the same editions",
                    release.range, other.cycle, other.range, other.layer
                );
                let field = format!("{path}.release[{}].versions", release.cycle);
                self.at(here, span, &field, &message);
            }
        }
        if self.problems.len() != before {
            return;
        }
        entry.majors = MajorIndex::new(&releases);
        entry.releases = releases;
        entry.product.releases = raw;
    }
}
