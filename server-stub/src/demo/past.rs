//! The demo's past year of trend snapshots. **These days are synthetic**: a new database has no
//! past to count, so each of the 365 days before today is made up from today's real counts, as an
//! estate that has been upgrading all year would have looked — more of today's supported hosts
//! were still on a release past its end (mostly Windows 10 22H2, unsupported since October 2025),
//! fewer the nearer the day is to today. Today's snapshot is the real one, taken by the snapshot
//! job from the judged hosts.
//!
//! Each day is written by the store's own `record_day`, rolled up over the organisation tree from
//! per-organisation status combinations exactly as a real snapshot is, so every organisation's
//! counts add up to its parent's; its `taken_at` is the time the demo wrote it, never the day.

use chrono::{DateTime, Duration, Utc};
use sunset_catalog::evaluate::Status;

use crate::db::Db;
use crate::store::{self, StatusMix};

/// Days before today the demo makes up (the chart shows twelve months).
pub(super) const PAST_DAYS: i64 = 365;

/// Of the hosts not unsupported today, the share that still was `days_ago` days ago: 60 % a year
/// ago, falling faster in the months after Windows 10's end, when upgrades were rushed.
fn still_unsupported(days_ago: i64) -> f64 {
    let t = days_ago as f64 / PAST_DAYS as f64;
    0.6 * t.powf(1.3)
}

/// A fixed fraction in `[0, 1)` for a combination (FNV-1a of its organisation and statuses): how
/// far its rounding is offset. Plain rounding would never move a combination of one host while
/// the share is under a half, and most combinations are a host or two; offset by its own fixed
/// amount, each moves on its own day, the estate's total follows the share, and every
/// combination only ever moves one way as the days go back.
fn offset(c: &StatusMix) -> f64 {
    let statuses = [
        Some(c.status),
        c.os_status,
        c.software_status,
        c.hardware_status,
    ];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = statuses.iter().map(|s| s.map_or("-", Status::as_str));
    for bytes in std::iter::once(c.path.as_str())
        .chain(text)
        .map(str::as_bytes)
    {
        for b in bytes.iter().chain(b"/") {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Today's `mix` as it was `days_ago` days ago: in each combination, the share
/// [`still_unsupported`] of hosts not unsupported today counted as unsupported then, overall and
/// for their operating system. Whole hosts per combination ([`offset`]), so the roll-up stays
/// whole.
fn mix_on(mix: &[StatusMix], days_ago: i64) -> Vec<StatusMix> {
    let share = still_unsupported(days_ago);
    let mut out = Vec::with_capacity(mix.len() * 2);
    for c in mix {
        let then = if c.status == Status::Unsupported {
            0
        } else {
            ((c.hosts as f64) * share + offset(c)).floor() as i64
        };
        if then < c.hosts {
            out.push(StatusMix {
                hosts: c.hosts - then,
                ..c.clone()
            });
        }
        if then > 0 {
            out.push(StatusMix {
                status: Status::Unsupported,
                os_status: Some(Status::Unsupported),
                hosts: then,
                ..c.clone()
            });
        }
    }
    out
}

/// Records the [`PAST_DAYS`] days before `now`'s day, oldest first, from today's estate; returns
/// how many.
pub(super) async fn record_year(db: &Db, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let today = store::status_mix(db).await?;
    let mut recorded = 0;
    for days_ago in (1..=PAST_DAYS).rev() {
        let day = (now - Duration::days(days_ago)).date_naive();
        store::record_day(db, day, now, &mix_on(&today, days_ago)).await?;
        recorded += 1;
    }
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combination(path: &str, status: Status, hosts: i64) -> StatusMix {
        StatusMix {
            path: path.to_string(),
            status,
            os_status: Some(status),
            software_status: None,
            hardware_status: None,
            hosts,
        }
    }

    #[test]
    fn the_past_had_more_unsupported_hosts_and_as_many_hosts() {
        let today = vec![
            combination("/r/a/", Status::Supported, 40),
            combination("/r/a/", Status::Unsupported, 10),
            combination("/r/b/", Status::Extended, 7),
        ];
        let unsupported = |mix: &[StatusMix]| -> i64 {
            mix.iter()
                .filter(|c| c.status == Status::Unsupported)
                .map(|c| c.hosts)
                .sum()
        };
        let year_ago = mix_on(&today, PAST_DAYS);
        let month_ago = mix_on(&today, 30);
        assert!(unsupported(&year_ago) > unsupported(&month_ago));
        assert!(unsupported(&month_ago) > unsupported(&today));
        for past in [&year_ago, &month_ago] {
            assert_eq!(past.iter().map(|c| c.hosts).sum::<i64>(), 57);
            assert!(past.iter().all(|c| c.hosts > 0));
        }
        assert_eq!(mix_on(&today, 0), today);
    }
}
