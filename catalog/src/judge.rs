//! The verdict for one matched product: where the installed version lies among the catalogue's
//! cycles, what the cycle's dates say on the day, what a rolling-release policy adds, and whether an
//! extended window is really covered.
//!
//! - In a cycle: the cycle's dates decide; an extended window counts only with cover
//!   ([`crate::cover`]), otherwise the verdict is `unsupported` with the paid offer in the advice.
//! - Older than every cycle, when the oldest has ended: `unsupported` ("older than 7.5, which ended
//!   2023-12-07") — an older release never outlives a newer one.
//! - Newer than every cycle: never a bare `unknown`. A rolling-release product is judged by its
//!   policy while the catalogue is recent enough to know its newest release; otherwise the finding
//!   says the catalogue is too old to tell.
//! - A vendor minimum version (Zoom) makes anything below it `unsupported`, whatever the cycles say.

use chrono::NaiveDate;

use crate::catalog::{Catalog, CompiledRelease, Entry, Placement, PolicyRule, SupportEnd};
use crate::cover::{self, CoverCheck, DeclaredCover};
use crate::finding::{Options, Status};
use crate::inventory::Inventory;

/// The verdict and what it rests on.
#[derive(Debug, Default)]
pub(crate) struct Judgement<'a> {
    /// The cycle the version is in, when it is in one.
    pub release: Option<&'a CompiledRelease>,
    /// The verdict.
    pub status: Option<Status>,
    /// Days until (negative: since) the end of security support that decided it.
    pub days: Option<i64>,
    /// Why, in words, when the cycle's dates alone do not say it.
    pub notes: Vec<String>,
    /// The cover check of an extended window.
    pub cover: Option<CoverCheck>,
    /// Advice to put before the product's (the paid offer).
    pub advice: Option<String>,
}

impl Judgement<'_> {
    fn status(&self) -> Status {
        self.status.unwrap_or(Status::Unknown)
    }
}

/// What the verdict needs besides the product.
pub(crate) struct Context<'a> {
    pub catalog: &'a Catalog,
    pub inventory: &'a Inventory,
    pub options: &'a Options,
}

/// Judges `version` (already reduced to what the cycles compare) of `entry`.
pub(crate) fn judge<'a>(
    ctx: &Context<'_>,
    entry: &'a Entry,
    version: Option<&str>,
    edition: Option<&str>,
) -> (Judgement<'a>, Status) {
    let today = ctx.options.today;
    let mut j = Judgement::default();
    let placement = version.map_or(Placement::Unplaced, |v| entry.place(v, edition));
    let fresh = fresh(ctx.catalog, entry, today);
    match placement {
        Placement::In(release) => {
            j.release = Some(release);
            let (status, days) = release.status(ctx.options);
            j.status = Some(status);
            j.days = days;
            if status == Status::Extended {
                extended(ctx, entry, release, &mut j);
            }
            if let Some(policy) = &entry.policy
                && matches!(policy.rule, PolicyRule::LatestReleases(_))
            {
                if release.security_support_end == SupportEnd::NotAnnounced && !fresh.0 {
                    j.status = Some(Status::Unknown);
                    j.notes.push(stale(entry, fresh.1, &policy.describe()));
                } else if status == Status::Unsupported {
                    let newer = newer_releases(entry, release);
                    if newer > 0 {
                        j.notes.push(format!(
                            "{newer} release(s) behind the newest the catalogue knows; unsupported since {}",
                            release.security_support_end
                        ));
                    }
                }
            }
        }
        Placement::Older(oldest) => {
            let (status, _) = oldest.status(ctx.options);
            let ended = matches!(status, Status::Unsupported | Status::Extended);
            let label = oldest.label.as_deref().unwrap_or(&oldest.cycle);
            if ended {
                j.status = Some(Status::Unsupported);
                if let SupportEnd::On(end) = oldest.security_support_end {
                    j.days = Some((end - today).num_days());
                }
                j.notes.push(format!(
                    "older than {label}, which ended {}",
                    oldest.security_support_end
                ));
            } else {
                j.notes.push(format!(
                    "older than the oldest cycle the catalogue has ({label}), which has not ended"
                ));
            }
        }
        Placement::Newer(newest) => {
            let label = newest.label.as_deref().unwrap_or(&newest.cycle);
            j.notes.push(format!("newer than catalogue {label}"));
            if let Some(policy) = &entry.policy
                && matches!(policy.rule, PolicyRule::LatestReleases(_))
            {
                if fresh.0 {
                    j.status = Some(Status::Supported);
                    j.notes.push(format!(
                        "{} (policy: {})",
                        data_as_of(fresh.1),
                        policy.describe()
                    ));
                } else {
                    j.notes.push(stale(entry, fresh.1, &policy.describe()));
                }
            }
        }
        Placement::Unplaced => {}
    }
    minimum(entry, version, fresh, &mut j);
    let status = j.status();
    (j, status)
}

/// A vendor minimum version: below it is unsupported; at or above it, and in no cycle that says
/// otherwise, supported while the minimum is recent enough to trust.
fn minimum(
    entry: &Entry,
    version: Option<&str>,
    fresh: (bool, Option<NaiveDate>),
    j: &mut Judgement,
) {
    let Some(policy) = &entry.policy else {
        return;
    };
    let PolicyRule::Minimum {
        version: min,
        since,
    } = &policy.rule
    else {
        return;
    };
    let Some(version) = version.filter(|v| v.contains(|c: char| c.is_ascii_digit())) else {
        return;
    };
    if entry.product.scheme.compare(version, min).is_lt() {
        j.status = Some(Status::Unsupported);
        j.days = None;
        j.notes.push(format!(
            "below the vendor's minimum supported version {min} (in force since {since})"
        ));
    } else if j.release.is_some() && j.status != Some(Status::Unknown) {
        // A cycle with dates of its own has decided.
    } else if fresh.0 {
        j.status = Some(Status::Supported);
        j.notes.push(format!(
            "at or above the vendor's minimum version {min} ({})",
            policy.describe()
        ));
    } else {
        j.status = None;
        j.notes.push(format!(
            "at or above the minimum version {min} the catalogue knows (in force since {since}), \
             but the vendor raises it about every {} days: the catalogue is too old to tell \
             whether {version} is still supported; refresh the catalogue",
            policy.cadence_days
        ));
    }
}

/// Whether the product's data is recent enough for its rolling policy on `today`, and the data's
/// date. "Latest N releases": N cadences after the data was read. A minimum version: one cadence
/// after it took effect (the vendor's next minimum is not known).
fn fresh(catalog: &Catalog, entry: &Entry, today: NaiveDate) -> (bool, Option<NaiveDate>) {
    let date = entry
        .policy
        .as_ref()
        .and_then(|p| p.releases_as_of)
        .or_else(|| catalog.data_date(entry));
    let from = match entry.policy.as_ref().map(|p| &p.rule) {
        Some(PolicyRule::Minimum { since, .. }) => Some(*since),
        Some(PolicyRule::LatestReleases(_)) => date,
        None => None,
    };
    let ok = match (&entry.policy, from) {
        (Some(policy), Some(from)) => (today - from).num_days() <= policy.trusted_days(),
        _ => false,
    };
    (ok, date)
}

fn data_as_of(date: Option<NaiveDate>) -> String {
    match date {
        Some(date) => format!("within the vendor's policy as of the catalogue's data ({date})"),
        None => "within the vendor's policy".to_string(),
    }
}

fn stale(entry: &Entry, date: Option<NaiveDate>, policy: &str) -> String {
    let when = date.map_or("undated".to_string(), |d| d.to_string());
    format!(
        "the catalogue's data for {} ({when}) is older than its policy can judge ({policy}): \
         refresh the catalogue to tell whether this release is still supported",
        entry.product.name
    )
}

/// Releases newer than `release` (by release date).
fn newer_releases(entry: &Entry, release: &CompiledRelease) -> usize {
    let Some(released) = release.released else {
        return 0;
    };
    entry
        .releases
        .iter()
        .filter(|r| r.released.is_some_and(|d| d > released))
        .count()
}

/// An extended window counts only with cover; without it the verdict is `unsupported` and the
/// advice names the paid offer.
fn extended(ctx: &Context<'_>, entry: &Entry, release: &CompiledRelease, j: &mut Judgement) {
    let Some(SupportEnd::On(window_end)) = release.extended_support_end else {
        return;
    };
    let Some(cover) = &release.extended_cover else {
        // The loader requires cover for dated windows; be strict if it is ever missing.
        j.status = Some(Status::Unsupported);
        return;
    };
    let declared: &DeclaredCover = &ctx.options.declared_cover;
    let check = cover::check(
        cover,
        window_end,
        entry.product.id.get_ref(),
        &release.cycle,
        ctx.inventory,
        declared,
        ctx.options.today,
    );
    if !check.found.covers() {
        j.status = Some(Status::Unsupported);
        j.advice = Some(cover::offer_advice(cover, &check, window_end));
    }
    j.cover = Some(check);
}
