//! The forecast page: how many hosts lose support for each release in each of the next 24 months,
//! as a stacked bar chart (pure SVG, no script) and the same numbers as a table, and what ends in
//! the next 12 months, where; and its CSV export.
//!
//! The chart draws the few releases that weigh most in their own colours and the rest as "other":
//! more colours than that cannot be told apart, and the table and CSV carry every release.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::lists::{filter_form, selection_and_choices};
use super::page::{layout, page_error, with_query};
use crate::api;
use crate::filter::Filter;
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store::{self, ENDING_NEXT_MONTHS, Forecast};

/// Colours of the releases drawn on their own, largest first (distinct in hue and lightness, so
/// neighbours in a stack stay apart in greyscale print too).
const COLOURS: [&str; 6] = [
    "#b3261e", "#005eb8", "#e08a00", "#1e7b34", "#6b4fa3", "#7a4a1e",
];
/// The colour of "other".
const OTHER_COLOUR: &str = "#9aa5ae";
/// Sites named per row of "what ends next"; the rest are counted.
const SITES_SHOWN: usize = 5;

/// One stacked series: a release, or every other release together.
struct Series {
    label: String,
    colour: &'static str,
    hosts: Vec<i64>,
}

/// The chart's series: the largest releases, each in its colour, then "other" (if any).
fn series(forecast: &Forecast) -> Vec<Series> {
    let own = forecast.releases.len().min(COLOURS.len());
    let mut out: Vec<Series> = forecast.releases[..own]
        .iter()
        .zip(COLOURS)
        .map(|(r, colour)| Series {
            label: r.release.label(),
            colour,
            hosts: r.hosts.clone(),
        })
        .collect();
    let rest = &forecast.releases[own..];
    if !rest.is_empty() {
        let mut hosts = vec![0; forecast.months.len()];
        for r in rest {
            for (sum, n) in hosts.iter_mut().zip(&r.hosts) {
                *sum += n;
            }
        }
        out.push(Series {
            label: format!("Other ({} releases)", rest.len()),
            colour: OTHER_COLOUR,
            hosts,
        });
    }
    out
}

/// Month `i`'s segments, bottom up: each series with hosts, its count, top and height (`scale`
/// pixels per host, from the axis at `axis`); and the top of the whole bar.
fn stack(
    series: &[Series],
    i: usize,
    axis: f64,
    scale: f64,
) -> (Vec<(&Series, i64, f64, f64)>, f64) {
    let mut base = axis;
    let mut out = Vec::new();
    for s in series {
        let n = s.hosts.get(i).copied().unwrap_or(0);
        if n > 0 {
            let h = n as f64 * scale;
            base -= h;
            out.push((s, n, base, h));
        }
    }
    (out, base)
}

/// The stacked bar chart: per month, one segment per series, bottom up in the series' order,
/// each with a tooltip title; the month's total above the bar; the legend below the plot.
fn chart(months: &[String], series: &[Series], totals: &[i64]) -> Markup {
    let (width, left, right, top, plot) = (760.0_f64, 44.0_f64, 10.0_f64, 18.0_f64, 200.0_f64);
    let axis = top + plot;
    let legend_top = axis + 34.0;
    let legend_rows = series.len().div_ceil(2) as f64;
    let height = legend_top + legend_rows * 18.0 + 6.0;
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let slot = (width - left - right) / months.len().max(1) as f64;
    let bar = (slot - 4.0).max(1.0);
    let f = |v: f64| format!("{v:.1}");
    let summary = format!(
        "Hosts losing support per release and month, {} to {}: {} in all",
        months.first().map_or("", String::as_str),
        months.last().map_or("", String::as_str),
        totals.iter().sum::<i64>()
    );
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {height:.0}"))
            width=(width) height=(format!("{height:.0}")) role="img" aria-label=(summary) {
            title { (summary) }
            line x1=(left) y1=(axis) x2=(width - right) y2=(axis) stroke="#5b6670" stroke-width="1" {}
            text x=(left - 6.0) y=(top + 4.0) text-anchor="end" font-size="11" fill="#5b6670" { (max as i64) }
            text x=(left - 6.0) y=(axis) text-anchor="end" font-size="11" fill="#5b6670" { "0" }
            @for (i, month) in months.iter().enumerate() {
                @let x = left + i as f64 * slot + 2.0;
                @let (segments, top_of_bar) = stack(series, i, axis, plot / max);
                g {
                    @for (s, n, y, h) in segments {
                        rect x=(f(x)) y=(f(y)) width=(f(bar)) height=(f(h)) fill=(s.colour) {
                            title { (month) ": " (s.label) ", " (n) " hosts" }
                        }
                    }
                    @let total = totals.get(i).copied().unwrap_or(0);
                    @if total > 0 {
                        text x=(f(x + bar / 2.0)) y=(f(top_of_bar - 3.0)) text-anchor="middle" font-size="10" fill="#1d2329" { (total) }
                    }
                    @if i % 3 == 0 {
                        text x=(f(x + bar / 2.0)) y=(f(axis + 14.0)) text-anchor="middle" font-size="10" fill="#5b6670" { (month) }
                    }
                }
            }
            @for (i, s) in series.iter().enumerate() {
                @let x = left + (i % 2) as f64 * 360.0;
                @let y = legend_top + (i / 2) as f64 * 18.0;
                rect x=(f(x)) y=(f(y - 10.0)) width="12" height="12" fill=(s.colour) {}
                text x=(f(x + 18.0)) y=(f(y)) font-size="12" fill="#1d2329" { (s.label) }
            }
        }
    }
}

/// The chart's numbers as a table: a row per month, a column per series, and the totals.
fn table(months: &[String], series: &[Series], totals: &[i64]) -> Markup {
    html! {
        table.forecast {
            caption.muted { "Hosts losing support, by the month the release's support ends." }
            thead { tr {
                th { "Month" }
                @for s in series { th.num { (s.label) } }
                th.num { "All releases" }
            } }
            tbody {
                @for (i, month) in months.iter().enumerate() {
                    tr {
                        td { (month) }
                        @for s in series { td.num { (s.hosts.get(i).copied().unwrap_or(0)) } }
                        td.num { (totals.get(i).copied().unwrap_or(0)) }
                    }
                }
            }
            tfoot { tr {
                th { "24 months" }
                @for s in series { th.num { (s.hosts.iter().sum::<i64>()) } }
                th.num { (totals.iter().sum::<i64>()) }
            } }
        }
    }
}

/// Releases ending within [`ENDING_NEXT_MONTHS`]: the hosts and (the first few) sites each is
/// on, each site a link to its hosts with that product.
fn ending_next(forecast: &Forecast, filter: &Filter) -> Markup {
    html! {
        @if forecast.ending_next.is_empty() {
            p.muted { "No release ends in the next " (ENDING_NEXT_MONTHS) " months on these hosts." }
        } @else {
            table {
                thead { tr { th { "Support ends" } th { "Release" } th { "Part" } th.num { "Hosts" } th { "Sites" } } }
                tbody {
                    @for e in &forecast.ending_next {
                        @let more = e.sites.len().saturating_sub(SITES_SHOWN);
                        tr {
                            td { (e.ends_on) }
                            td { a href=(with_query("/hosts", &Filter { product: Some(e.release.product_id.clone()), ..filter.clone() })) {
                                (e.release.label()) } " " span.muted { (e.release.product_name) } }
                            td { (e.release.target.as_str()) }
                            td.num { (e.hosts) }
                            td {
                                @for (i, s) in e.sites.iter().take(SITES_SHOWN).enumerate() {
                                    @if i > 0 { ", " }
                                    a href=(with_query("/hosts", &Filter { site: Some(s.site.clone()), product: Some(e.release.product_id.clone()), ..filter.clone() })) {
                                        (s.site) } " (" (s.hosts) ")"
                                }
                                @if more > 0 { " " span.muted { "+" (more) " more" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /forecast`: the forecast of the filtered hosts.
pub(super) async fn forecast_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let (selection, choices) = match selection_and_choices(&state, &caller, &filter).await {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let forecast =
        match store::forecast(&state.db, &selection, &state.stale_cutoff(), state.today()).await {
            Ok(x) => x,
            Err(e) => return page_error(ApiError::internal(e)),
        };
    let series = series(&forecast);
    let totals = forecast.month_totals();
    let body = html! {
        h1 { "Forecast: what loses support when" }
        (filter_form("/forecast", &filter, &choices, true))
        p.muted {
            "For each of the next 24 months, the hosts that lose security support for each product release "
            "in that month. A host counts once for every release it has, even if something else on it is "
            "already unsupported; a release in paid extended support counts when its extended support ends, "
            "or when the host's licence or contract for it does, if sooner."
        }
        (chart(&forecast.months, &series, &totals))
        (table(&forecast.months, &series, &totals))
        h2 { "What ends in the next " (ENDING_NEXT_MONTHS) " months" }
        (ending_next(&forecast, &filter))
        p.noprint { a href=(with_query("/exports/forecast.csv", &filter)) { "Forecast CSV" } " (every release, by month)" }
    };
    layout("Forecast", &caller, &state, body).into_response()
}

/// `GET /exports/forecast.csv`: one row per month and release, as [`store::ForecastRow`].
pub(super) async fn export_forecast(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    match api::forecast_csv_text(&state, &caller, &filter).await {
        Ok(text) => api::csv_response("sunset-forecast.csv", text),
        Err(e) => page_error(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::{Release, ReleaseForecast};
    use sunset_catalog::catalog::Target;

    /// Eight releases: the six largest are drawn in their own colours, the other two as one
    /// "other", and every month's stack adds up to the month's total.
    #[test]
    fn the_largest_releases_get_colours_and_the_rest_are_other() {
        let releases = (0..8)
            .map(|i| ReleaseForecast {
                release: Release {
                    target: Target::Software,
                    product_id: format!("p{i}"),
                    product_name: format!("Product {i}"),
                    cycle: Some("1".to_string()),
                    cycle_label: None,
                },
                hosts: vec![8 - i, 1],
                total: 9 - i,
            })
            .collect();
        let forecast = Forecast {
            today: "2026-12-04".parse().unwrap(),
            months: vec!["2026-12".to_string(), "2027-01".to_string()],
            releases,
            ending_next: Vec::new(),
        };
        let series = series(&forecast);
        assert_eq!(series.len(), 7);
        assert_eq!(series[0].label, "Product 0 1");
        assert_eq!(series[6].label, "Other (2 releases)");
        assert_eq!(series[6].colour, OTHER_COLOUR);
        assert_eq!(series[6].hosts, [2 + 1, 2]);
        let totals = forecast.month_totals();
        for (i, total) in totals.iter().enumerate() {
            assert_eq!(series.iter().map(|s| s.hosts[i]).sum::<i64>(), *total);
            let (segments, top) = stack(&series, i, 100.0, 1.0);
            assert_eq!(segments.len(), 7);
            assert!((100.0 - top - *total as f64).abs() < 1e-9);
        }
        let svg = chart(&forecast.months, &series, &totals).into_string();
        assert_eq!(
            svg.matches("<rect").count(),
            14 + 7,
            "bars and legend swatches"
        );
        assert!(svg.contains("2026-12: Other (2 releases), 3 hosts"));
    }
}
