//! Values as people read them: instants as "2026-12-03 14:05 UTC (2 days ago)", sizes in KiB, MiB
//! and GiB, flags as yes or no, and release labels with the catalogue's edition marks — `(W)`,
//! `(E)` — in words. The store keeps machine forms (RFC 3339, bytes, `true`); only pages turn them
//! into these, so exports and the API stay exact.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};

/// A stored instant (RFC 3339) as `2026-12-03 14:05 UTC (2 days ago)`, relative to `now`; text
/// that is not an instant is shown as it is, never hidden.
pub(super) fn when(stored: &str, now: DateTime<Utc>) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => {
            let at = at.with_timezone(&Utc);
            format!("{} ({})", at.format("%Y-%m-%d %H:%M UTC"), ago(at, now))
        }
        Err(_) => stored.to_string(),
    }
}

/// How long before `now` (or after it, for a clock that ran ahead): the largest whole unit.
fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    let (amount, future) = (seconds.unsigned_abs(), seconds < 0);
    let (n, unit) = match amount {
        0..60 => return "just now".to_string(),
        60..3_600 => (amount / 60, "minute"),
        3_600..86_400 => (amount / 3_600, "hour"),
        86_400..2_678_400 => (amount / 86_400, "day"),
        2_678_400..31_536_000 => (amount / 2_629_800, "month"),
        _ => (amount / 31_557_600, "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// A day as `2026-12-03 (in 10 days)`, relative to `today`.
pub(super) fn day(date: NaiveDate, today: NaiveDate) -> String {
    let days = (date - today).num_days();
    let relative = match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        -1 => "yesterday".to_string(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    };
    format!("{date} ({relative})")
}

/// A size in bytes in binary units, to three significant figures: `512 bytes`, `1.50 KiB`,
/// `15.9 GiB`, `476 GiB`.
pub(super) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    // Display only: the loss of precision in the float is far below the digits shown.
    #[allow(clippy::cast_precision_loss)]
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let digits = match value {
        v if v < 10.0 => 2,
        v if v < 100.0 => 1,
        _ => 0,
    };
    format!("{value:.digits$} {}", UNITS[unit])
}

/// A flag as a word.
pub(super) fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// The catalogue's short marks at the end of a release label, and what they stand for: Windows
/// client releases come in two lifecycles by edition (endoflife.date's `-w` and `-e` cycles).
const MARKS: [(&str, &str, &str); 2] = [
    (
        " (W)",
        "Home, Pro",
        "Home, Pro, Pro Education and Pro for Workstations: the shorter servicing period",
    ),
    (
        " (E)",
        "Enterprise, Education",
        "Enterprise, Education and IoT Enterprise: the longer servicing period",
    ),
];

/// A release label, its edition mark in words (`Windows 11 24H2 (W)` reads "Windows 11 24H2
/// (Home, Pro)", the full list of editions in its title).
pub(super) fn release(label: &str) -> Markup {
    for (mark, words, title) in MARKS {
        if let Some(base) = label.strip_suffix(mark) {
            return html! { (base) " (" abbr title=(title) { (words) } ")" };
        }
    }
    html! { (label) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn instants_read_as_a_date_time_and_how_long_ago() {
        let now = at("2026-12-05T14:05:00Z");
        assert_eq!(
            when("2026-12-03T14:05:00Z", now),
            "2026-12-03 14:05 UTC (2 days ago)"
        );
        assert_eq!(
            when("2026-12-05T14:04:30Z", now),
            "2026-12-05 14:04 UTC (just now)"
        );
        assert_eq!(
            when("2026-12-05T13:05:00Z", now),
            "2026-12-05 13:05 UTC (1 hour ago)"
        );
        assert_eq!(
            when("2026-09-01T00:00:00Z", now),
            "2026-09-01 00:00 UTC (3 months ago)"
        );
        assert_eq!(
            when("2024-11-01T00:00:00Z", now),
            "2024-11-01 00:00 UTC (2 years ago)"
        );
        assert_eq!(
            when("2026-12-05T14:35:00Z", now),
            "2026-12-05 14:35 UTC (in 30 minutes)"
        );
        assert_eq!(when("yesterday-ish", now), "yesterday-ish");
        let today = now.date_naive();
        let date = |d: &str| d.parse::<NaiveDate>().unwrap();
        assert_eq!(day(date("2026-12-15"), today), "2026-12-15 (in 10 days)");
        assert_eq!(day(date("2026-12-04"), today), "2026-12-04 (yesterday)");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(1023), "1023 bytes");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(bytes(16 * 1024 * 1024 * 1024), "16.0 GiB");
        assert_eq!(bytes(17_069_305_856), "15.9 GiB");
        assert_eq!(bytes(511_101_108_224), "476 GiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.00 MiB");
        assert_eq!(bytes(u64::MAX), "16384 PiB");
    }

    #[test]
    fn edition_marks_read_as_words() {
        assert_eq!(
            release("Windows 11 24H2 (W)").into_string(),
            "Windows 11 24H2 (<abbr title=\"Home, Pro, Pro Education and Pro for Workstations: \
             the shorter servicing period\">Home, Pro</abbr>)"
        );
        assert!(
            release("Windows 11 24H2 (E)")
                .into_string()
                .contains(">Enterprise, Education</abbr>)")
        );
        assert_eq!(
            release("Windows Server 2012 R2").into_string(),
            "Windows Server 2012 R2"
        );
        assert_eq!(release("<b>").into_string(), "&lt;b&gt;");
    }
}
