//! What a release takes from its upstream cycle: which page field feeds which catalogue key, how
//! a page value becomes a catalogue value (`lts` given as a date is `true`; `lts: false` says no
//! more than no `lts`), and the change, kept field or problem each gives in the report.

use toml_edit::{Item, Table};

use super::edit::{Want, set_in_table};
use super::endoflife_date::{self, Field, PageRelease, Value as PageValue};
use super::layout::ReleaseLines;
use super::report::{Change, ImportProblem, Kept, Location, Report};

/// Release keys in the order the catalogue writes them; a key the import adds goes after the
/// last key present that comes before it here.
const RELEASE_KEYS: &[&str] = &[
    "cycle",
    "label",
    "versions",
    "editions",
    "released",
    "active_support_end",
    "security_support_end",
    "extended_support_end",
    "lts",
    "latest",
    "replacement",
    "link",
];

/// Where a release is, for the report.
pub(super) struct Context<'a> {
    pub(super) file: &'a str,
    pub(super) page: &'a str,
    pub(super) product: &'a str,
    pub(super) cycle: &'a str,
    pub(super) lines: &'a ReleaseLines,
}

/// How a page field maps to a catalogue key.
#[derive(Clone, Copy)]
enum Mapping {
    /// A date only (`released`).
    Date,
    /// A date or `true`/`false` (support ends).
    DateOrFlag,
    /// `lts`: a flag; a date means the cycle is (or becomes) LTS.
    Lts,
    /// `latest`: text as written.
    Text,
}

fn want(mapping: Mapping, value: &PageValue) -> Result<Want, String> {
    match (mapping, value) {
        (Mapping::Date | Mapping::DateOrFlag, PageValue::Date(d)) => Ok(Want::Date(*d)),
        (Mapping::DateOrFlag, PageValue::Flag(f)) => Ok(Want::Flag(*f)),
        (Mapping::Date, other) => Err(format!("{other} is not a date")),
        (Mapping::DateOrFlag, other) => Err(format!("{other} is not a date, true or false")),
        (Mapping::Lts, PageValue::Flag(f)) => Ok(Want::Flag(*f)),
        (Mapping::Lts, PageValue::Date(_)) => Ok(Want::Flag(true)),
        (Mapping::Lts, other) => Err(format!("{other} is not true, false or a date")),
        (Mapping::Text, value) => Ok(Want::Text(endoflife_date::scalar_text(value))),
    }
}

/// Updates one release, noting in `report` what changed, what was kept and what could not be
/// imported; whether it changed.
pub(super) fn update_release(
    report: &mut Report,
    release: &mut Table,
    upstream: &PageRelease,
    context: &Context,
) -> bool {
    let fields: [(&str, Mapping, Option<&Field>, &str); 6] = [
        (
            "released",
            Mapping::Date,
            upstream.release_date.as_ref(),
            "releaseDate",
        ),
        (
            "active_support_end",
            Mapping::DateOrFlag,
            upstream.eoas.as_ref(),
            "eoas",
        ),
        (
            "security_support_end",
            Mapping::DateOrFlag,
            upstream.eol.as_ref(),
            "eol",
        ),
        (
            "extended_support_end",
            Mapping::DateOrFlag,
            upstream.eoes.as_ref(),
            "eoes",
        ),
        ("lts", Mapping::Lts, upstream.lts.as_ref(), "lts"),
        ("latest", Mapping::Text, upstream.latest.as_ref(), "latest"),
    ];
    let mut changed = false;
    for (key, mapping, field, upstream_key) in fields {
        let line = context
            .lines
            .keys
            .get(key)
            .copied()
            .unwrap_or(context.lines.cycle);
        let at = Location {
            file: context.file.to_string(),
            line,
        };
        // `lts: false` (the API writes `isLts` on every cycle) says no more than no `lts`:
        // not LTS, which is also what a catalogue release without `lts` means.
        let field = field.filter(|f| !(key == "lts" && f.value == PageValue::Flag(false)));
        let Some(field) = field else {
            if key == "lts" {
                // No `lts` upstream means not LTS.
                if release.get(key).and_then(Item::as_bool) == Some(true) {
                    changed |= set_release(report, release, key, &Want::Flag(false), at, context);
                }
            } else if release.contains_key(key) {
                report.kept.push(Kept {
                    at,
                    product: context.product.to_string(),
                    cycle: context.cycle.to_string(),
                    field: key.to_string(),
                });
            } else if key == "security_support_end" {
                let message = format!(
                    "{} {}: the source has no eol for this cycle",
                    context.product, context.cycle
                );
                report.problem(context.page, upstream.line, message);
            }
            continue;
        };
        match want(mapping, &field.value) {
            Ok(want) => changed |= set_release(report, release, key, &want, at, context),
            Err(message) => {
                let message = format!(
                    "{} {}: {upstream_key} {message}; {key} left as it is",
                    context.product, context.cycle
                );
                report.problem(context.page, field.line, message);
            }
        }
    }
    changed
}

fn set_release(
    report: &mut Report,
    release: &mut Table,
    key: &str,
    want: &Want,
    at: Location,
    context: &Context,
) -> bool {
    match set_in_table(release, key, want, RELEASE_KEYS) {
        Ok(None) => false,
        Ok(Some(old)) => {
            report.changes.push(Change {
                at,
                product: context.product.to_string(),
                cycle: Some(context.cycle.to_string()),
                field: key.to_string(),
                old,
                new: want.to_string(),
            });
            true
        }
        Err(message) => {
            let message = format!("{} {}: {key}: {message}", context.product, context.cycle);
            report.problems.push(ImportProblem { at, message });
            false
        }
    }
}
