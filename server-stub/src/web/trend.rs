//! The trend on the summary: twelve months of daily snapshots of the organisation the summary is
//! about (its whole subtree), hosts by worst status, overall or for one part, as an SVG chart drawn
//! on the server (no JavaScript: a browser, a print and a screen reader get the same document), and
//! its CSV export with every day kept.
//!
//! The snapshots count whole organisations, so of the summary's filters only `org` (which
//! organisation) and `target` (which part) apply to it; the page says so.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use maud::{Markup, html};
use sunset_catalog::evaluate::Status;

use super::page::{page_error, with_query};
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, Caller, PageCaller};
use crate::state::Shared;
use crate::store::{self, Part, Trend};

/// Months the chart shows.
const CHART_MONTHS: u32 = 12;

/// Hosts by status (in [`Status::ALL`] order) on one day.
type DayCounts = [i64; Status::ALL.len()];

/// The summary's trend section: the chart for the filter's part (overall without one), links to
/// the other parts, and the CSV export.
pub(super) async fn section(
    state: &Shared,
    caller: &Caller,
    filter: &Filter,
) -> Result<Markup, ApiError> {
    let to = state.today();
    let from = to
        .checked_sub_months(Months::new(CHART_MONTHS))
        .and_then(|d| d.succ_opt())
        .unwrap_or(to);
    let (org, trend) = api::trend_rows(state, caller, filter, from).await?;
    let part = trend_part(filter);
    let link = |p: Part| {
        let target = (p != Part::Overall).then(|| p.as_str().to_string());
        with_query(
            "/",
            &Filter {
                target,
                ..filter.clone()
            },
        )
    };
    Ok(html! {
        h2 { "Trend over the last " (CHART_MONTHS) " months" }
        p.muted {
            "Hosts of " (org.label()) " and every organisation below it, by worst status, counted once a day. "
            "Site, status and the other filters do not apply here; snapshots are kept "
            (store::TREND_KEEP_MONTHS) " months."
        }
        p.noprint {
            @for (i, p) in Part::ALL.iter().enumerate() {
                @if i > 0 { " · " }
                @if *p == part { strong { (part_name(*p)) } } @else { a href=(link(*p)) { (part_name(*p)) } }
            }
            " · " a href=(with_query("/exports/trend.csv", filter)) { "Trend CSV" }
        }
        @if trend.days.is_empty() {
            p.muted { "No snapshot yet: the collector takes one a day (" code { "sunset-collector snapshot" } " takes one now)." }
        } @else {
            (chart(&org.label(), part, &trend, from, to))
        }
    })
}

/// The part the filter's `target` names (already checked by the selection), overall without one.
fn trend_part(filter: &Filter) -> Part {
    Part::ALL
        .into_iter()
        .find(|p| filter.target.as_deref().map(str::trim) == Some(p.as_str()))
        .unwrap_or(Part::Overall)
}

fn part_name(part: Part) -> &'static str {
    match part {
        Part::Overall => "Overall",
        Part::Os => "Operating system",
        Part::Software => "Software",
        Part::Hardware => "Hardware",
    }
}

/// `2026-03-05: 3 unsupported, 1 expiring, 12 supported` (statuses no host had are left out).
fn describe(day: &str, counts: &DayCounts) -> String {
    let counts: Vec<String> = Status::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    if counts.is_empty() {
        format!("{day}: no hosts")
    } else {
        format!("{day}: {}", counts.join(", "))
    }
}

/// Each snapshot day from `from` on, with its counts of `part`.
fn days(trend: &Trend, part: Part, from: NaiveDate) -> Vec<(NaiveDate, &str, DayCounts)> {
    let mut out: Vec<(NaiveDate, &str, DayCounts)> = trend
        .days
        .iter()
        .filter_map(|d| Some((d.parse().ok()?, d.as_str(), DayCounts::default())))
        .filter(|(d, _, _)| *d >= from)
        .collect();
    for row in trend.rows.iter().filter(|r| r.part == part) {
        if let Ok(i) = out.binary_search_by(|(_, d, _)| (*d).cmp(row.day.as_str()))
            && let Some(s) = Status::ALL.iter().position(|s| *s == row.status)
        {
            out[i].2[s] = row.hosts;
        }
    }
    out
}

/// Width of one day in the chart's units: whole numbers throughout keep a year of daily points
/// small to send (each coordinate a few digits).
const DAY_WIDTH: i64 = 2;

/// One line per status over the days from `from` to `to`; a missing day breaks the lines (no
/// snapshot is not zero hosts). Each day is a column whose tooltip gives its counts, and the
/// chart's title and description say what it shows and its first and last day, for screen readers.
fn chart(org: &str, part: Part, trend: &Trend, from: NaiveDate, to: NaiveDate) -> Markup {
    let (left, right, top, plot_h, bottom) = (64_i64, 28_i64, 16_i64, 192_i64, 62_i64);
    let plot_w = DAY_WIDTH * ((to - from).num_days() + 1).max(1);
    let (width, height) = (left + plot_w + right, top + plot_h + bottom);
    let days = days(trend, part, from);
    let x = |d: NaiveDate| left + DAY_WIDTH * (d - from).num_days() + DAY_WIDTH / 2;
    let max = days
        .iter()
        .flat_map(|(_, _, c)| c.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let y = |n: i64| top + plot_h - (n as f64 / max as f64 * plot_h as f64).round() as i64;
    let title = format!(
        "{org}: hosts by worst status ({}), daily, {from} to {to}",
        part_name(part).to_lowercase()
    );
    let desc = match (days.first(), days.last()) {
        (Some(first), Some(last)) => format!(
            "{} daily snapshots. First, {}. Last, {}.",
            days.len(),
            describe(first.1, &first.2),
            describe(last.1, &last.2)
        ),
        _ => "No snapshots.".to_string(),
    };
    // A status no host had on any day is left to the axis (and the legend).
    let lines: Vec<(Status, String)> = Status::ALL
        .iter()
        .enumerate()
        .filter(|(s, _)| days.iter().any(|(_, _, counts)| counts[*s] > 0))
        .map(|(s, status)| {
            let mut d = String::new();
            let mut previous: Option<NaiveDate> = None;
            for (day, _, counts) in &days {
                let joined = previous.and_then(|p| p.succ_opt()) == Some(*day);
                let command = if joined { 'L' } else { 'M' };
                d.push_str(&format!(" {command}{} {}", x(*day), y(counts[s])));
                previous = Some(*day);
            }
            (*status, isolated_dots(&d))
        })
        .collect();
    let months = month_starts(from, to);
    let axis = top + plot_h;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height)
            role="img" aria-labelledby="trend-title trend-desc" {
            title id="trend-title" { (title) }
            desc id="trend-desc" { (desc) }
            line x1=(left) y1=(axis) x2=(width - right) y2=(axis) stroke="#5b6670" stroke-width="1" {}
            @for n in [max, max / 2] {
                line x1=(left) y1=(y(n)) x2=(width - right) y2=(y(n)) stroke="#d4d9de" stroke-width="1" {}
                text x=(left - 6) y=(y(n) + 4) text-anchor="end" font-size="11" fill="#5b6670" { (n) }
            }
            text x=(left - 6) y=(axis + 4) text-anchor="end" font-size="11" fill="#5b6670" { "0" }
            @for month in &months {
                line x1=(x(*month)) y1=(axis) x2=(x(*month)) y2=(axis + 4) stroke="#5b6670" {}
                text x=(x(*month)) y=(axis + 16) text-anchor="middle" font-size="10" fill="#5b6670" {
                    (month.format("%Y-%m"))
                }
            }
            @for (status, d) in &lines {
                path class=(format!("status-{}", status.as_str())) d=(d) fill="none" stroke="currentColor"
                     stroke-width="2" stroke-linecap="round" stroke-linejoin="round" {}
            }
            // The columns that carry each day's tooltip: a transparent stroke the day's width.
            g stroke="transparent" stroke-width=(DAY_WIDTH) {
                @for (day, text, counts) in &days {
                    path d=(format!("M{} {top}v{plot_h}", x(*day))) { title { (describe(text, counts)) } }
                }
            }
            @for (i, status) in Status::ALL.iter().enumerate() {
                @let lx = left + i as i64 * 130;
                g class=(format!("status-{}", status.as_str())) {
                    line x1=(lx) y1=(height - 14) x2=(lx + 18) y2=(height - 14) stroke="currentColor" stroke-width="3" {}
                    text x=(lx + 22) y=(height - 10) font-size="11" fill="currentColor" { (status.as_str()) }
                }
            }
        }
    }
}

/// `d` with every one-point subpath (`M x y` followed by another `M` or the end) given a
/// zero-length segment, which round caps draw as a dot: a day between two gaps stays visible.
fn isolated_dots(d: &str) -> String {
    let mut out = String::with_capacity(d.len() + 16);
    let commands: Vec<&str> = d.split(" M").filter(|c| !c.trim().is_empty()).collect();
    for command in commands {
        let command = command.trim().trim_start_matches('M');
        out.push_str(" M");
        out.push_str(command);
        if !command.contains('L') {
            out.push_str(" l0 0");
        }
    }
    out.trim().to_string()
}

/// The first day of every month after `from` up to `to`: where the axis is labelled.
fn month_starts(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = from
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)));
    while let Some(m) = month.filter(|m| *m <= to) {
        out.push(m);
        month = m.checked_add_months(Months::new(1));
    }
    out
}

/// `GET /exports/trend.csv`: the trend of the organisation the filter is about, every day kept
/// (the rows of `GET /api/v1/trend`).
pub(super) async fn export_trend(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let since = api::trend_since(state.today());
    let (org, trend) = match api::trend_rows(&state, &caller, &filter, since).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let text = match api::csv_text(&trend.rows) {
        Ok(text) => text,
        Err(e) => return page_error(e),
    };
    // An ODS code is letters and digits, an id a UUID: safe in a file name as they are.
    let name = match (&org.ods_code, org.parent_id.is_none()) {
        (_, true) => "sunset-trend.csv".to_string(),
        (Some(code), false) => format!("sunset-trend-{code}.csv"),
        (None, false) => format!("sunset-trend-{}.csv", org.id),
    };
    api::csv_response(&name, text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_day_between_gaps_is_drawn_as_a_dot_and_runs_as_lines() {
        assert_eq!(
            isolated_dots(" M1 2 M3 4 L5 6 M7 8"),
            "M1 2 l0 0 M3 4 L5 6 M7 8 l0 0"
        );
        assert_eq!(isolated_dots(""), "");
    }

    #[test]
    fn the_axis_is_labelled_at_each_month_start() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let months = month_starts(d("2026-03-16"), d("2027-03-15"));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], d("2026-04-01"));
        assert_eq!(months[11], d("2027-03-01"));
    }
}
