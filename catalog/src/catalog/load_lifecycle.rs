//! Checks of the lifecycle rules beyond cycle dates: extended cover, rolling-release policies and the
//! Windows update table. Part of the loader ([`super::load`]); every problem is located.

use chrono::NaiveDate;
use toml::Spanned;

use super::CompiledRelease;
use super::lifecycle::{CompiledCover, CompiledPolicy, PolicyRule, Update, Updates};
use super::load::{Checker, Here};
use super::model::{CoverKind, ExtendedCover, Policy, Product, Release, SupportEnd, UpdateTable};

impl Checker {
    /// The cover of a release's extended window: the release's own, else the product's. A dated
    /// extended window needs one, so that no paid window is ever counted as cover by default.
    pub(super) fn extended_cover(
        &mut self,
        here: &Here,
        field: &str,
        product: &Product,
        release: &Release,
        extended: Option<SupportEnd>,
    ) -> Option<CompiledCover> {
        let cover = release
            .extended_cover
            .as_ref()
            .or(product.extended_cover.as_ref());
        let span = release.cycle.span();
        let Some(cover) = cover else {
            if let Some(SupportEnd::On(_)) = extended {
                let message = "a dated extended_support_end needs extended_cover (on the release \
                               or the product): automatic, enrolment or contract";
                self.at(here, span, &format!("{field}.extended_cover"), message);
            }
            return None;
        };
        self.cover(
            here,
            &format!("{field}.extended_cover"),
            span,
            cover,
            extended,
        )
    }

    fn cover(
        &mut self,
        here: &Here,
        field: &str,
        span: std::ops::Range<usize>,
        cover: &ExtendedCover,
        extended: Option<SupportEnd>,
    ) -> Option<CompiledCover> {
        let before = self.problems.len();
        if cover.kind == CoverKind::Enrolment && cover.program.as_deref().is_none_or(str::is_empty)
        {
            let message = "an enrolment names the program an agent reports (windows-10-esu, …)";
            self.at(here, span.clone(), &format!("{field}.program"), message);
        }
        let mut years = Vec::new();
        for (n, year) in cover.years.iter().enumerate() {
            let at = Spanned::new(span.clone(), *year);
            if let Some(date) = self.date(here, &format!("{field}.years[{n}]"), &at) {
                years.push(date);
            }
        }
        if years.windows(2).any(|w| w[0] >= w[1]) {
            self.at(
                here,
                span.clone(),
                &format!("{field}.years"),
                "years must be in order",
            );
        }
        if let (Some(last), Some(SupportEnd::On(end))) = (years.last(), extended)
            && *last > end
        {
            let message = format!("the last year ends {last}, after extended_support_end {end}");
            self.at(here, span, &format!("{field}.years"), &message);
        }
        (self.problems.len() == before).then(|| CompiledCover {
            kind: cover.kind,
            program: cover.program.clone(),
            years,
            offer: cover.offer.clone(),
        })
    }

    /// A rolling-release policy: exactly one of `latest_releases` and `minimum_version` (with
    /// `minimum_since`), a cadence of at least a day, and a source with the date it was read.
    pub(super) fn policy(
        &mut self,
        here: &Here,
        field: &str,
        policy: &Spanned<Policy>,
    ) -> Option<CompiledPolicy> {
        let span = policy.span();
        let policy = policy.get_ref();
        let before = self.problems.len();
        let rule = match (&policy.latest_releases, &policy.minimum_version) {
            (Some(n), None) if *n >= 1 => Some(PolicyRule::LatestReleases(*n)),
            (Some(_), None) => {
                self.at(
                    here,
                    span.clone(),
                    field,
                    "latest_releases must be at least 1",
                );
                None
            }
            (None, Some(version)) => match &policy.minimum_since {
                Some(since) => {
                    let at = Spanned::new(span.clone(), *since);
                    self.date(here, &format!("{field}.minimum_since"), &at)
                        .map(|since| PolicyRule::Minimum {
                            version: version.clone(),
                            since,
                        })
                }
                None => {
                    let message = "minimum_version needs minimum_since (when it took effect)";
                    self.at(here, span.clone(), field, message);
                    None
                }
            },
            _ => {
                let message = "give exactly one of latest_releases and minimum_version";
                self.at(here, span.clone(), field, message);
                None
            }
        };
        let releases_as_of = policy.releases_as_of.and_then(|date| {
            let at = Spanned::new(span.clone(), date);
            self.date(here, &format!("{field}.releases_as_of"), &at)
        });
        if policy.cadence_days == 0 {
            self.at(
                here,
                span.clone(),
                &format!("{field}.cadence_days"),
                "must be at least 1",
            );
        }
        if policy.source.retrieved.is_none() || policy.source.url.is_none() {
            let message = "a policy cites its source: url and the date it was read (retrieved)";
            self.at(here, span, &format!("{field}.source"), message);
        }
        let source = self.source(here, &format!("{field}.source"), &policy.source);
        if self.problems.len() != before {
            return None;
        }
        Some(CompiledPolicy {
            rule: rule?,
            cadence_days: policy.cadence_days,
            releases_as_of,
            source: source?,
            note: policy.note.clone(),
        })
    }

    /// Fills in the security ends a "latest N releases" policy implies: a release ends on the day
    /// the Nth newer release came out; the newest N have no end. Releases that give an end keep it.
    /// Without such a policy, every release must give its end.
    pub(super) fn policy_ends(
        &mut self,
        here: &Here,
        path: &str,
        product: &Product,
        policy: Option<&CompiledPolicy>,
        releases: &mut [CompiledRelease],
    ) {
        let missing: Vec<&Release> = product
            .releases
            .iter()
            .filter(|r| r.security_support_end.is_none())
            .collect();
        let latest = match policy.map(|p| &p.rule) {
            Some(PolicyRule::LatestReleases(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        let Some(keep) = latest else {
            for release in missing {
                let field = format!(
                    "{path}.release[{}].security_support_end",
                    release.cycle.get_ref()
                );
                let message = "missing: only a product whose policy keeps the latest N releases \
                               may leave it to the release dates";
                self.at(here, release.cycle.span(), &field, message);
            }
            return;
        };
        let mut dated: Vec<(NaiveDate, usize)> = releases
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.released.map(|d| (d, i)))
            .collect();
        dated.sort_by(|a, b| b.cmp(a));
        for release in missing {
            let Some(index) = releases
                .iter()
                .position(|r| r.cycle == *release.cycle.get_ref())
            else {
                continue;
            };
            let Some(rank) = dated.iter().position(|&(_, i)| i == index) else {
                let field = format!("{path}.release[{}].released", release.cycle.get_ref());
                let message = "a release whose end follows from the policy needs its release date";
                self.at(here, release.cycle.span(), &field, message);
                continue;
            };
            releases[index].security_support_end = match rank.checked_sub(keep) {
                Some(newer) => SupportEnd::On(dated[newer].0),
                None => SupportEnd::NotAnnounced,
            };
        }
    }

    /// The Windows update table: known products, dates, and one row per (product, build, UBR, KB).
    pub(super) fn updates(&mut self, here: &Here, table: Spanned<UpdateTable>) -> Option<Updates> {
        let span = table.span();
        let table = table.into_inner();
        let before = self.problems.len();
        let until = self.date(
            here,
            "updates.data_until",
            &Spanned::new(span.clone(), table.data_until),
        );
        let source = self.source(here, "updates.source", &table.source);
        let mut rows = Vec::with_capacity(table.rows.len());
        let mut seen = std::collections::HashSet::new();
        for (n, row) in table.rows.into_iter().enumerate() {
            let field = format!("updates.rows[{n}]");
            let Some(released) = self.date(
                here,
                &format!("{field}.released"),
                &Spanned::new(span.clone(), row.released),
            ) else {
                continue;
            };
            if until.is_some_and(|until| released > until) {
                let message = format!("released {released} is after data_until");
                self.at(here, span.clone(), &field, &message);
            }
            if !seen.insert((row.product.clone(), row.build, row.revision, row.kb.clone())) {
                let message = format!(
                    "duplicate row {} {}.{} {}",
                    row.product, row.build, row.revision, row.kb
                );
                self.at(here, span.clone(), &field, &message);
            }
            rows.push((
                row.product,
                row.build,
                Update {
                    revision: row.revision,
                    released,
                    kb: row.kb,
                    kind: row.kind,
                },
            ));
        }
        if self.problems.len() != before {
            return None;
        }
        Some(Updates::new(source?, until?, rows))
    }
}
