//! When the nightly scan runs: a fixed time inside the configured window, chosen from the host id so
//! that 5,000 PCs spread over the window instead of all calling at its start, plus catch-up after a
//! missed night.
//!
//! Everything here is pure over naive local date-times; the service converts to and from the local
//! time zone. The host-id hash is part of the contract (a PC keeps its time across agent upgrades), so it
//! is written out here rather than taken from `std`'s hasher, whose output may change between releases.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use uuid::Uuid;

/// Seconds in a day.
const DAY_SECS: u32 = 24 * 60 * 60;

/// A daily local-time window, `HH:MM-HH:MM`; it may cross midnight (`22:00-02:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    start: NaiveTime,
    /// Length in seconds, 1 ..= 86,400 (`00:00-00:00` is not accepted; use `00:00-23:59`).
    len_secs: u32,
}

impl Window {
    /// The window start.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// The window length.
    pub fn len(&self) -> Duration {
        Duration::from_secs(u64::from(self.len_secs))
    }

    /// Whether the window is empty (never: construction refuses it).
    pub fn is_empty(&self) -> bool {
        self.len_secs == 0
    }

    /// This host's offset into the window: a stable hash of the host id, reduced to whole seconds.
    pub fn offset(&self, host_id: Uuid) -> Duration {
        Duration::from_secs(host_hash(host_id) % u64::from(self.len_secs))
    }
}

impl FromStr for Window {
    type Err = String;

    fn from_str(text: &str) -> Result<Window, String> {
        let expected = "expected HH:MM-HH:MM, e.g. \"01:00-05:00\"";
        let (a, b) = text
            .trim()
            .split_once('-')
            .ok_or_else(|| expected.to_string())?;
        let parse = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("{:?} is not a time of day; {expected}", t.trim()))
        };
        let (start, end) = (parse(a)?, parse(b)?);
        let start_secs = start.num_seconds_from_midnight();
        let end_secs = end.num_seconds_from_midnight();
        let len_secs = (end_secs + DAY_SECS - start_secs) % DAY_SECS;
        if len_secs == 0 {
            return Err("window start and end are equal; the window must have a length".into());
        }
        Ok(Window { start, len_secs })
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self.start + TimeDelta::seconds(i64::from(self.len_secs));
        write!(f, "{}-{}", self.start.format("%H:%M"), end.format("%H:%M"))
    }
}

/// A stable 64-bit hash of a host id (SplitMix64 finaliser over both halves). Uniform even for
/// sequential or hand-made ids, and fixed forever.
pub fn host_hash(host_id: Uuid) -> u64 {
    let v = host_id.as_u128();
    let (hi, lo) = ((v >> 64) as u64, v as u64);
    mix(mix(hi) ^ lo)
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One host's daily plan.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    window: Window,
    host_id: Uuid,
    /// How long after start-up a missed scan runs: at least one minute, plus a host-specific spread
    /// of up to `catch_up_spread` so a building that powers on at 08:00 does not report in one burst.
    pub catch_up_min: Duration,
    /// See `catch_up_min`.
    pub catch_up_spread: Duration,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// When to scan (local time).
    pub at: NaiveDateTime,
    /// True when this is a catch-up for a missed (or never run) scheduled scan.
    pub catch_up: bool,
}

impl Schedule {
    /// The schedule of `host_id` in `window`.
    pub fn new(window: Window, host_id: Uuid) -> Schedule {
        Schedule {
            window,
            host_id,
            catch_up_min: Duration::from_secs(60),
            catch_up_spread: Duration::from_secs(9 * 60),
        }
    }

    /// The host's daily time of day.
    pub fn time_of_day(&self) -> NaiveTime {
        self.window.start + TimeDelta::seconds(self.window.offset(self.host_id).as_secs() as i64)
    }

    /// The scheduled scan belonging to the window that opens on `date` (it may fall on the next
    /// calendar day when the window crosses midnight).
    pub fn slot(&self, date: NaiveDate) -> NaiveDateTime {
        date.and_time(self.window.start)
            + TimeDelta::seconds(self.window.offset(self.host_id).as_secs() as i64)
    }

    /// The latest scheduled scan at or before `now`.
    pub fn last_slot(&self, now: NaiveDateTime) -> NaiveDateTime {
        let mut date = now.date() + TimeDelta::days(1);
        loop {
            let slot = self.slot(date);
            if slot <= now {
                return slot;
            }
            match date.pred_opt() {
                Some(d) => date = d,
                None => return slot,
            }
        }
    }

    /// The first scheduled scan strictly after `now`.
    pub fn next_slot(&self, now: NaiveDateTime) -> NaiveDateTime {
        self.last_slot(now) + TimeDelta::days(1)
    }

    /// The next scan: soon (catch-up) when the latest scheduled scan was missed or the agent never
    /// ran, else the next scheduled time. A last run in the future (the clock was moved back) counts as
    /// having run.
    pub fn next_run(&self, now: NaiveDateTime, last_run: Option<NaiveDateTime>) -> Plan {
        let due = self.last_slot(now);
        let missed = match last_run {
            None => true,
            Some(last) => last < due,
        };
        if missed {
            let spread = self.catch_up_spread.as_secs();
            let extra = if spread == 0 {
                0
            } else {
                host_hash(self.host_id).rotate_left(17) % spread
            };
            let delay = self.catch_up_min.as_secs() + extra;
            Plan {
                at: now + TimeDelta::seconds(delay as i64),
                catch_up: true,
            }
        } else {
            Plan {
                at: self.next_slot(now),
                catch_up: false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn windows_parse_and_print() {
        let w: Window = "01:00-05:00".parse().unwrap();
        assert_eq!(w.len(), Duration::from_secs(4 * 3600));
        assert_eq!(w.to_string(), "01:00-05:00");
        let w: Window = "22:30 - 01:30".parse().unwrap();
        assert_eq!(w.len(), Duration::from_secs(3 * 3600));
        assert_eq!(w.to_string(), "22:30-01:30");
        assert!("01:00-01:00".parse::<Window>().is_err());
        assert!("1am-5am".parse::<Window>().is_err());
        assert!("25:00-03:00".parse::<Window>().is_err());
        assert!("01:00".parse::<Window>().is_err());
    }

    #[test]
    fn hash_is_fixed_forever() {
        // Changing this value moves every PC's nightly time: don't.
        let id = Uuid::parse_str("6f1c2a7e-0b7d-4c55-9a3e-2f0d4c9b8a11").unwrap();
        assert_eq!(host_hash(id), host_hash(id));
        assert_eq!(host_hash(Uuid::nil()), 0xA706_DD2F_4D19_7E6F);
    }

    #[test]
    fn catch_up_when_never_run_or_missed() {
        let s = Schedule::new("01:00-05:00".parse().unwrap(), Uuid::from_u128(7));
        let now = at("2026-11-23 09:00");
        let plan = s.next_run(now, None);
        assert!(plan.catch_up);
        assert!(plan.at >= now + TimeDelta::minutes(1) && plan.at <= now + TimeDelta::minutes(10));
        // Last ran two days ago: last night's run was missed.
        let plan = s.next_run(now, Some(at("2026-11-21 03:00")));
        assert!(plan.catch_up);
        // Ran last night: next is tonight.
        let last = s.slot(at("2026-11-23 00:00").date());
        let plan = s.next_run(now, Some(last));
        assert!(!plan.catch_up);
        assert_eq!(plan.at, last + TimeDelta::days(1));
    }

    #[test]
    fn window_across_midnight() {
        let s = Schedule::new("23:00-01:00".parse().unwrap(), Uuid::from_u128(99));
        let t = s.time_of_day();
        assert!(
            t >= NaiveTime::from_hms_opt(23, 0, 0).unwrap()
                || t < NaiveTime::from_hms_opt(1, 0, 0).unwrap()
        );
        let now = at("2026-11-23 12:00");
        let next = s.next_slot(now);
        assert!(next > now && next <= now + TimeDelta::days(1));
    }
}
