//! Parses and checks catalogue files, reporting every problem with file, line and field.
//!
//! Parsing is pure (file names and texts in, [`Catalog`] or problems out); only
//! [`Catalog::load_dir`] touches the file system. A file with a syntax or schema error yields one
//! problem (TOML cannot be read past it); every other check runs over all files and reports all.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;

use super::layer::{Layer, layered_version};
use super::lifecycle::Updates;
use super::model::{
    DateOrFlag, DateSource, File, FirmwareAge, Kind, Meta, Product, Release, Rule, SourceRef,
    SupportEnd, Target,
};
use super::pattern::glob_to_regex;
use super::{
    Catalog, CompiledRelease, CompiledRule, CompiledSecureBoot, Entry, FollowsOs, MajorIndex,
    Pattern,
};
use crate::inventory::{OriginKind, Packaging, Source};
use crate::version::VersionRange;

/// One problem in a catalogue, located precisely enough to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {field}: {message}")]
pub struct Problem {
    /// File name as given to the loader.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted path of the offending field (`product[python].release[3.12].versions`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or the directory could not be read.
    #[error("cannot read catalogue file {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The catalogue has problems; all of them are listed.
    #[error("{} problem(s) in the catalogue:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Catalog {
    /// Reads every `*.toml` file of a directory, in name order.
    pub fn load_dir(dir: &Path) -> Result<Catalog, LoadError> {
        let io = |source, path: &Path| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(e, dir))? {
            let path = entry.map_err(|e| io(e, dir))?.path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| io(e, &path))?;
            files.push((path.display().to_string(), text));
        }
        Catalog::from_files(&files)
    }

    /// Parses and checks a catalogue given as `(file name, text)` pairs.
    pub fn from_files<N: AsRef<str>, T: AsRef<str>>(
        files: &[(N, T)],
    ) -> Result<Catalog, LoadError> {
        Catalog::from_layers(files, &[] as &[(&str, &str)])
    }

    /// Parses and checks a base catalogue and overlay files laid over it (`overlay.rs`), each
    /// given as `(file name, text)` pairs; problems name the file as given. An overlay's layer is
    /// its file name without any directory.
    pub fn from_layers<N: AsRef<str>, T: AsRef<str>, M: AsRef<str>, U: AsRef<str>>(
        files: &[(N, T)],
        overlays: &[(M, U)],
    ) -> Result<Catalog, LoadError> {
        let mut checker = Checker::default();
        let mut reviewed = Vec::new();
        let mut meta: Option<Meta> = None;
        let mut entries = Vec::new();
        let mut readiness = Vec::new();
        let mut firmware_age: Option<FirmwareAge> = None;
        let mut updates: Option<Updates> = None;
        let mut date = None;
        let mut secure_boot: Option<CompiledSecureBoot> = None;
        for (name, text) in files {
            let (name, text) = (name.as_ref(), text.as_ref());
            let file: File = match toml::from_str(text) {
                Ok(file) => file,
                Err(error) => {
                    let span = error.span().unwrap_or(0..0);
                    let field = "(file)".to_string();
                    checker.push(name, text, span, field, error.message().trim().to_string());
                    continue;
                }
            };
            let at = Here { name, text };
            if let Some(file_meta) = file.catalog {
                if meta.is_some() {
                    checker.at(&at, file_meta.span(), "catalog", "a second [catalog] table");
                } else {
                    let span = file_meta.span();
                    let file_meta = file_meta.into_inner();
                    if let Some(value) = &file_meta.date {
                        date = checker.date(&at, "catalog.date", &Spanned::new(span, *value));
                    }
                    meta = Some(file_meta);
                }
            }
            if let Some(table) = file.updates {
                if updates.is_some() {
                    checker.at(&at, table.span(), "updates", "a second [updates] table");
                } else {
                    updates = checker.updates(&at, table);
                }
            }
            for product in file.product {
                if let Some(entry) = checker.product(&at, product) {
                    entries.push(entry);
                }
            }
            for spec in file.readiness {
                if let Some(compiled) = checker.readiness(&at, spec) {
                    readiness.push(compiled);
                }
            }
            for spec in &file.overrides {
                let message = "[[override]] is for overlay files: a base file changes its own \
                               [[product]]";
                checker.at(&at, spec.span(), "override", message);
            }
            for (n, spec) in file.reviewed.into_iter().enumerate() {
                if let Some(entry) = checker.reviewed(&at, &Layer::BuiltIn, n, spec) {
                    reviewed.push(entry);
                }
            }
            if let Some(age) = file.firmware_age {
                if firmware_age.is_some() {
                    checker.at(
                        &at,
                        age.span(),
                        "firmware_age",
                        "a second [firmware_age] table",
                    );
                }
                firmware_age = Some(age.into_inner());
            }
            if let Some(policy) = file.secure_boot_certificates {
                if secure_boot.is_some() {
                    let field = "secure_boot_certificates";
                    checker.at(
                        &at,
                        policy.span(),
                        field,
                        "a second [secure_boot_certificates] table",
                    );
                }
                secure_boot = checker.secure_boot(&at, policy);
            }
        }
        // Overlay files, read the same way and merged (`overlay.rs`).
        checker.overlays(overlays, &mut entries, &mut reviewed);
        let Some(meta) = meta else {
            let name = files.first().map_or("(no files)", |(n, _)| n.as_ref());
            checker.problems.push(Problem {
                file: name.to_string(),
                line: 1,
                column: 1,
                field: "catalog".into(),
                message: "no file has a [catalog] table with the catalogue version".into(),
            });
            return Err(LoadError::Invalid(checker.problems));
        };
        if !checker.problems.is_empty() {
            return Err(LoadError::Invalid(checker.problems));
        }
        let updates = updates.unwrap_or_default();
        let mut catalog = Catalog::new(meta, date, entries, updates, readiness, firmware_age)
            .map_err(|message| {
                LoadError::Invalid(vec![Problem {
                    file: "(catalogue)".into(),
                    line: 1,
                    column: 1,
                    field: "match".into(),
                    message,
                }])
            })?;
        catalog.secure_boot = secure_boot;
        catalog.reviewed = reviewed;
        catalog.version = layered_version(&catalog.meta.version, overlays);
        Ok(catalog)
    }
}

/// The file being checked, to turn spans into lines.
pub(super) struct Here<'a> {
    pub(super) name: &'a str,
    pub(super) text: &'a str,
}

#[derive(Default)]
pub(super) struct Checker {
    pub(super) problems: Vec<Problem>,
    /// Product and readiness ids, with the file that first defined each.
    pub(super) ids: HashMap<String, String>,
}

impl Checker {
    pub(super) fn push(
        &mut self,
        file: &str,
        text: &str,
        span: Range<usize>,
        field: String,
        message: String,
    ) {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        self.problems.push(Problem {
            file: file.to_string(),
            line,
            column,
            field,
            message,
        });
    }

    pub(super) fn at(&mut self, here: &Here, span: Range<usize>, field: &str, message: &str) {
        self.push(here.name, here.text, span, field.into(), message.into());
    }

    pub(super) fn product(&mut self, here: &Here, product: Product) -> Option<Entry> {
        let before = self.problems.len();
        let id = product.id.get_ref().clone();
        let path = format!("product[{id}]");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            let message = "id must be non-empty ASCII letters, digits, '-', '_' or '.'";
            self.at(here, product.id.span(), &format!("{path}.id"), message);
        }
        if let Some(first) = self.ids.insert(id.clone(), here.name.to_string()) {
            let message = format!("duplicate product id (first defined in {first})");
            self.at(here, product.id.span(), &format!("{path}.id"), &message);
        }
        if product.rules.is_empty() {
            let message = "product has no [[product.match]] rule, so it can never match";
            self.at(here, product.id.span(), &path, message);
        }
        let mut rules = Vec::new();
        for (n, rule) in product.rules.iter().enumerate() {
            let field = format!("{path}.match[{n}]");
            if let Some(compiled) = self.rule(here, &field, product.kind, rule) {
                rules.push(compiled);
            }
        }
        let source = product
            .source
            .as_ref()
            .and_then(|s| self.source(here, &format!("{path}.source"), s));
        let policy = product
            .policy
            .as_ref()
            .and_then(|p| self.policy(here, &format!("{path}.policy"), p));
        let mut releases: Vec<CompiledRelease> = Vec::new();
        let mut cycles = HashSet::new();
        for release in &product.releases {
            let field = format!("{path}.release[{}]", release.cycle.get_ref());
            if !cycles.insert(release.cycle.get_ref().clone()) {
                self.at(
                    here,
                    release.cycle.span(),
                    &field,
                    "duplicate cycle in this product",
                );
            }
            let Some(compiled) = self.release(here, &field, &product, release) else {
                continue;
            };
            for other in &releases {
                if compiled.collides(other) {
                    let message = format!(
                        "versions '{}' overlap cycle '{}' ('{}') for the same editions",
                        compiled.range, other.cycle, other.range
                    );
                    self.at(
                        here,
                        release.versions.span(),
                        &format!("{field}.versions"),
                        &message,
                    );
                }
            }
            releases.push(compiled);
        }
        self.policy_ends(here, &path, &product, policy.as_ref(), &mut releases);
        (self.problems.len() == before).then(|| Entry {
            product,
            source,
            rules,
            majors: MajorIndex::new(&releases),
            releases,
            policy,
            layer: Layer::BuiltIn,
        })
    }

    pub(super) fn rule(
        &mut self,
        here: &Here,
        field: &str,
        kind: Kind,
        rule: &Spanned<Rule>,
    ) -> Option<CompiledRule> {
        let span = rule.span();
        let rule = rule.get_ref();
        let before = self.problems.len();
        let mut regex = |name: &str, pattern: &Option<String>| -> Option<Pattern> {
            let pattern = pattern.as_ref()?;
            match Pattern::new(format!("(?i)^(?:{pattern})$")) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    let message = format!("regex does not compile: {error}");
                    self.at(here, span.clone(), &format!("{field}.{name}"), &message);
                    None
                }
            }
        };
        let glob = rule.name_glob.as_ref().map(|g| glob_to_regex(g));
        let compiled = CompiledRule {
            names: rule.name.iter().map(|n| n.to_lowercase()).collect(),
            name_pattern: regex("name_regex", &rule.name_regex)
                .or_else(|| regex("name_glob", &glob)),
            not_name: regex("not_name_regex", &rule.not_name_regex),
            publisher: regex("publisher_regex", &rule.publisher_regex),
            os_name: regex("os_name_regex", &rule.os_name_regex),
            manufacturer: regex("manufacturer_regex", &rule.manufacturer_regex),
            model: regex("model_regex", &rule.model_regex),
            cpu: regex("cpu_regex", &rule.cpu_regex),
            origin: match rule.origin.as_deref() {
                None => None,
                Some("vendor") => Some(OriginKind::Vendor),
                Some("distribution") => Some(OriginKind::Distribution),
                Some(other) => {
                    let message = format!("unknown origin '{other}' (vendor or distribution)");
                    self.at(here, span.clone(), &format!("{field}.origin"), &message);
                    None
                }
            },
            description: super::rule::describe(rule),
            rule: rule.clone(),
        };
        let software_keys = !rule.name.is_empty()
            || rule.name_glob.is_some()
            || rule.name_regex.is_some()
            || (rule.not_name_regex.is_some() && kind.target() != Target::Os)
            || rule.publisher_regex.is_some()
            || !rule.identifier.is_empty()
            || !rule.sources.is_empty()
            || rule.origin.is_some();
        let os_keys = rule.os_family.is_some()
            || rule.os_name_regex.is_some()
            || !rule.distro_id.is_empty()
            || rule.installation_type.is_some();
        let hardware_keys = rule.manufacturer_regex.is_some()
            || rule.model_regex.is_some()
            || rule.cpu_regex.is_some();
        if rule.name_glob.is_some() && rule.name_regex.is_some() {
            self.at(
                here,
                span.clone(),
                field,
                "give name_glob or name_regex, not both",
            );
        }
        match kind.target() {
            Target::Software => {
                if rule.name.is_empty()
                    && rule.name_glob.is_none()
                    && rule.name_regex.is_none()
                    && rule.identifier.is_empty()
                {
                    let message = "a software rule needs name, name_glob, name_regex or identifier \
                                   (a publisher alone matches too much)";
                    self.at(here, span.clone(), field, message);
                }
                if hardware_keys {
                    let message = "hardware keys in a rule of a software product";
                    self.at(here, span.clone(), field, message);
                }
            }
            Target::Os => {
                if rule.os_family.is_none() {
                    self.at(here, span.clone(), field, "an OS rule needs os_family");
                }
                if software_keys || hardware_keys {
                    let message = "an OS rule may only use os_family, os_name_regex, \
                                   not_name_regex, distro_id and installation_type";
                    self.at(here, span.clone(), field, message);
                }
            }
            Target::Hardware => {
                if !hardware_keys {
                    let message =
                        "a hardware rule needs manufacturer_regex, model_regex or cpu_regex";
                    self.at(here, span.clone(), field, message);
                }
                if software_keys || os_keys {
                    let message = "a hardware rule may only use manufacturer_regex, model_regex and cpu_regex";
                    self.at(here, span.clone(), field, message);
                }
            }
        }
        for source in &rule.sources {
            if !Source::known().any(|known| known.name() == source) {
                let known: Vec<&str> = Source::known().map(|s| s.name()).collect();
                let message = format!("unknown source '{source}' (known: {})", known.join(", "));
                self.at(here, span.clone(), &format!("{field}.sources"), &message);
            }
        }
        let package_sources = Source::known()
            .filter(|s| s.packaging() != Packaging::Plain)
            .map(|s| s.name())
            .collect::<Vec<_>>();
        if rule.origin.is_some()
            && (rule.sources.is_empty()
                || rule
                    .sources
                    .iter()
                    .any(|s| !package_sources.contains(&s.as_str())))
        {
            let message = format!(
                "an origin applies to packages: give sources among {}",
                package_sources.join(", ")
            );
            self.at(here, span.clone(), &format!("{field}.origin"), &message);
        }
        if let Some(family) = &rule.os_family
            && !["windows", "linux", "macos"].contains(&family.as_str())
        {
            let message = format!("unknown os_family '{family}' (windows, linux or macos)");
            self.at(here, span.clone(), &format!("{field}.os_family"), &message);
        }
        if let Some(kind) = &rule.installation_type
            && !["client", "server", "unknown"].contains(&kind.as_str())
        {
            let message = format!("unknown installation_type '{kind}' (client, server or unknown)");
            self.at(
                here,
                span.clone(),
                &format!("{field}.installation_type"),
                &message,
            );
        }
        (self.problems.len() == before).then_some(compiled)
    }

    pub(super) fn release(
        &mut self,
        here: &Here,
        field: &str,
        product: &Product,
        release: &Release,
    ) -> Option<CompiledRelease> {
        let before = self.problems.len();
        let range = match VersionRange::parse(product.scheme, release.versions.get_ref()) {
            Ok(range) => Some(range),
            Err(error) => {
                let span = release.versions.span();
                self.at(here, span, &format!("{field}.versions"), &error.to_string());
                None
            }
        };
        let released = release
            .released
            .as_ref()
            .and_then(|d| self.date(here, &format!("{field}.released"), d));
        let mut end = |name: &str, value: &Option<Spanned<DateOrFlag>>| {
            let value = value.as_ref()?;
            let field = format!("{field}.{name}");
            match value.get_ref() {
                DateOrFlag::Flag(true) => Some(SupportEnd::Ended),
                DateOrFlag::Flag(false) => Some(SupportEnd::NotAnnounced),
                DateOrFlag::Date(date) => {
                    let date = Spanned::new(value.span(), *date);
                    self.date(here, &field, &date).map(SupportEnd::On)
                }
            }
        };
        let active = end("active_support_end", &release.active_support_end);
        let security = end("security_support_end", &release.security_support_end);
        let extended = end("extended_support_end", &release.extended_support_end);
        let cover = self.extended_cover(here, field, product, release, extended);
        let order = [
            ("released", released.map(SupportEnd::On)),
            ("active_support_end", active),
            ("security_support_end", security),
            ("extended_support_end", extended),
        ];
        let dated: Vec<_> = order
            .iter()
            .filter_map(|(n, d)| match d {
                Some(SupportEnd::On(date)) => Some((*n, *date)),
                _ => None,
            })
            .collect();
        for pair in dated.windows(2) {
            let ((a, a_date), (b, b_date)) = (pair[0], pair[1]);
            if a_date > b_date {
                let message = format!("{a} ({a_date}) is after {b} ({b_date})");
                self.at(here, release.cycle.span(), field, &message);
            }
        }
        let follows_os = match (release.follows_os, &release.follows_os_below_build) {
            (false, None) => FollowsOs::No,
            (true, _) if product.kind == Kind::Os => {
                let message = "an OS release cannot follow the OS";
                self.at(
                    here,
                    release.cycle.span(),
                    &format!("{field}.follows_os"),
                    message,
                );
                FollowsOs::No
            }
            (true, None) => FollowsOs::Always,
            (true, Some(build)) => FollowsOs::BelowBuild(*build.get_ref()),
            (false, Some(build)) => {
                let message = "follows_os_below_build needs follows_os = true";
                self.at(
                    here,
                    build.span(),
                    &format!("{field}.follows_os_below_build"),
                    message,
                );
                FollowsOs::No
            }
        };
        if self.problems.len() != before {
            return None;
        }
        Some(CompiledRelease {
            cycle: release.cycle.get_ref().clone(),
            label: release.label.clone(),
            range: range?,
            editions: release.editions.iter().map(|e| e.to_lowercase()).collect(),
            released,
            active_support_end: active,
            // A missing end is filled in from the policy (`policy_ends`) or reported there.
            security_support_end: security.unwrap_or(SupportEnd::NotAnnounced),
            extended_support_end: extended,
            extended_cover: cover,
            follows_os,
            lts: release.lts,
            latest: release.latest.clone(),
            replacement: release.replacement.clone(),
            link: release.link.clone(),
            layer: Layer::BuiltIn,
        })
    }

    pub(super) fn date(
        &mut self,
        here: &Here,
        field: &str,
        value: &Spanned<toml::value::Datetime>,
    ) -> Option<NaiveDate> {
        let datetime = value.get_ref();
        let parsed = match (datetime.date, datetime.time) {
            (Some(date), None) => {
                NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
            }
            _ => None,
        };
        if parsed.is_none() {
            let message = format!("'{datetime}' is not a calendar date (write YYYY-MM-DD)");
            self.at(here, value.span(), field, &message);
        }
        parsed
    }

    /// A cited source, with `retrieved` checked to be a calendar date.
    pub(super) fn source(
        &mut self,
        here: &Here,
        field: &str,
        source: &SourceRef,
    ) -> Option<DateSource> {
        let retrieved = match &source.retrieved {
            Some(value) => Some(self.date(here, &format!("{field}.retrieved"), value)?),
            None => None,
        };
        Some(DateSource {
            name: source.name.clone(),
            product: source.product.clone(),
            revision: source.revision.clone(),
            url: source.url.clone(),
            retrieved,
        })
    }
}
