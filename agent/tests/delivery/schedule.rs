//! The nightly time: inside the window, stable per host, evenly spread, with catch-up.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use sunset_agent::schedule::{Schedule, Window};
use uuid::Uuid;

/// 10,000 host ids as the agent makes them (random v4), from a fixed seed so the test is stable.
fn host_ids() -> Vec<Uuid> {
    let mut state: u64 = 0x5EED;
    (0..10_000)
        .map(|_| {
            let mut bytes = [0u8; 16];
            for b in &mut bytes {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (state >> 56) as u8;
            }
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        })
        .collect()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

#[test]
fn every_time_is_inside_the_window() {
    for text in ["01:00-05:00", "22:00-02:00", "00:00-23:59", "12:30-12:45"] {
        let window: Window = text.parse().unwrap();
        for id in host_ids().iter().take(2000) {
            let slot = Schedule::new(window, *id).slot(day());
            let start = day().and_time(window.start());
            assert!(
                slot >= start && slot < start + TimeDelta::from_std(window.len()).unwrap(),
                "{text}: {slot}"
            );
        }
    }
}

#[test]
fn time_is_stable_per_host() {
    let window: Window = "01:00-05:00".parse().unwrap();
    for id in host_ids().iter().take(100) {
        let a = Schedule::new(window, *id).time_of_day();
        let b = Schedule::new(window, *id).time_of_day();
        assert_eq!(a, b);
        let tomorrow = Schedule::new(window, *id).slot(day() + TimeDelta::days(1));
        assert_eq!(tomorrow.time(), a);
    }
}

#[test]
fn ten_thousand_hosts_spread_evenly_over_the_window() {
    let window: Window = "01:00-05:00".parse().unwrap();
    let start = NaiveTime::from_hms_opt(1, 0, 0).unwrap();
    let mut buckets = [0u32; 16];
    for id in host_ids() {
        let t = Schedule::new(window, id).time_of_day();
        let minutes = (t - start).num_minutes();
        buckets[(minutes / 15) as usize] += 1;
    }
    let mean = 10_000.0 / 16.0;
    for (i, n) in buckets.iter().enumerate() {
        let off = (f64::from(*n) - mean).abs() / mean;
        assert!(
            off <= 0.20,
            "bucket {i} ({n}) is {:.0}% off the mean {mean}: {buckets:?}",
            off * 100.0
        );
    }
}

#[test]
fn sequential_host_ids_spread_too() {
    // Ids made by hand or by a buggy generator must not bunch up.
    let window: Window = "01:00-05:00".parse().unwrap();
    let start = NaiveTime::from_hms_opt(1, 0, 0).unwrap();
    let mut buckets = [0u32; 16];
    for i in 0..10_000u128 {
        let t = Schedule::new(window, Uuid::from_u128(i)).time_of_day();
        buckets[((t - start).num_minutes() / 15) as usize] += 1;
    }
    assert!(
        buckets.iter().all(|n| (500..=750).contains(n)),
        "{buckets:?}"
    );
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

#[test]
fn missed_night_is_caught_up_soon_after_start() {
    let window: Window = "01:00-05:00".parse().unwrap();
    let s = Schedule::new(window, Uuid::from_u128(42));
    // The PC was off all night; it starts at 08:00 having last run two nights ago.
    let now = at("2026-11-23 08:00");
    let plan = s.next_run(now, Some(at("2026-11-21 03:00")));
    assert!(plan.catch_up);
    assert!(
        plan.at > now && plan.at <= now + TimeDelta::minutes(10),
        "{plan:?}"
    );
    // After the catch-up scan the next run is tonight's slot, not another catch-up.
    let plan = s.next_run(plan.at, Some(plan.at));
    assert!(!plan.catch_up);
    assert_eq!(plan.at, s.slot(day() + TimeDelta::days(1)));
}

#[test]
fn asleep_at_the_time_is_caught_up_on_wake() {
    let window: Window = "01:00-05:00".parse().unwrap();
    let s = Schedule::new(window, Uuid::from_u128(7));
    let slot = s.slot(day());
    // Last ran yesterday; the laptop slept through tonight's slot and wakes an hour after it.
    let plan = s.next_run(slot + TimeDelta::hours(1), Some(slot - TimeDelta::days(1)));
    assert!(plan.catch_up);
    // Woken just before the slot: no catch-up, wait for the slot.
    let plan = s.next_run(
        slot - TimeDelta::minutes(1),
        Some(slot - TimeDelta::days(1)),
    );
    assert!(!plan.catch_up);
    assert_eq!(plan.at, slot);
}
