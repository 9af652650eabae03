//! Growing delays after failed password checks, per user name and per client address.
//!
//! The first [`FREE_FAILURES`] failures cost nothing; after that each failure doubles the wait
//! before the next attempt is even looked at (1 s, 2 s, 4 s … at most [`MAX_DELAY`]). A success
//! clears both records. Attempts during a wait are refused at once with `Retry-After`, without
//! running argon2. The records live in memory, are forgotten a day after the last failure, and are
//! capped in number, so a flood from many addresses cannot grow them without bound. Each collector
//! instance throttles on its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::clock::Clock;

/// Failures before any delay.
pub const FREE_FAILURES: u32 = 5;
/// Longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Records kept per kind at most.
const MAX_RECORDS: usize = 10_000;
/// A record is forgotten this long after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, Copy, Debug)]
struct Record {
    failures: u32,
    last: Instant,
    blocked_until: Instant,
}

#[derive(Debug, Default)]
struct Records<K> {
    map: HashMap<K, Record>,
}

impl<K: Eq + Hash + Clone> Records<K> {
    fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let record = self.map.get(key)?;
        (record.blocked_until > now).then(|| record.blocked_until - now)
    }

    fn fail(&mut self, key: K, now: Instant) {
        if !self.map.contains_key(&key) && self.map.len() >= MAX_RECORDS {
            self.map
                .retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if self.map.len() >= MAX_RECORDS
                && let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, r)| r.last)
                    .map(|(k, _)| k.clone())
            {
                self.map.remove(&oldest);
            }
        }
        let record = self.map.entry(key).or_insert(Record {
            failures: 0,
            last: now,
            blocked_until: now,
        });
        if now.duration_since(record.last) >= FORGET_AFTER {
            record.failures = 0;
        }
        record.failures = record.failures.saturating_add(1);
        record.last = now;
        record.blocked_until = now + delay(record.failures);
    }

    fn clear(&mut self, key: &K) {
        self.map.remove(key);
    }
}

/// The wait after `failures` failures.
pub fn delay(failures: u32) -> Duration {
    match failures.saturating_sub(FREE_FAILURES) {
        0 => Duration::ZERO,
        over => Duration::from_secs(1u64 << (over - 1).min(20)).min(MAX_DELAY),
    }
}

/// Failure records by user name and by address.
#[derive(Debug, Default)]
pub struct Throttle {
    inner: Mutex<(Records<String>, Records<Option<IpAddr>>)>,
    /// Waits are measured on this clock's monotonic time.
    clock: Clock,
}

impl Throttle {
    /// A throttle measuring waits on `clock`.
    pub fn new(clock: Clock) -> Throttle {
        Throttle {
            inner: Mutex::default(),
            clock,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut (Records<String>, Records<Option<IpAddr>>)) -> T) -> T {
        match self.inner.lock() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// How long this user or this address must still wait, if at all.
    pub fn wait(&self, user: &str, address: Option<IpAddr>) -> Option<Duration> {
        let now = self.clock.instant();
        let key = user_key(user);
        self.with(|(users, addresses)| {
            match (users.wait(&key, now), addresses.wait(&address, now)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        })
    }

    /// A password check failed.
    pub fn failed(&self, user: &str, address: Option<IpAddr>) {
        let now = self.clock.instant();
        self.with(|(users, addresses)| {
            users.fail(user_key(user), now);
            addresses.fail(address, now);
        });
    }

    /// A password check succeeded: both records are cleared.
    pub fn succeeded(&self, user: &str, address: Option<IpAddr>) {
        self.with(|(users, addresses)| {
            users.clear(&user_key(user));
            addresses.clear(&address);
        });
    }
}

/// User names are compared as typed, but never kept longer than a real one can be.
fn user_key(user: &str) -> String {
    user.chars().take(200).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_and_are_capped() {
        assert_eq!(delay(FREE_FAILURES), Duration::ZERO);
        assert_eq!(delay(FREE_FAILURES + 1), Duration::from_secs(1));
        assert_eq!(delay(FREE_FAILURES + 3), Duration::from_secs(4));
        assert_eq!(delay(1000), MAX_DELAY);
    }

    #[test]
    fn a_user_is_throttled_from_any_address_and_an_address_for_any_user() {
        let throttle = Throttle::default();
        let here = Some("192.0.2.1".parse().unwrap());
        let there = Some("192.0.2.2".parse().unwrap());
        for _ in 0..=FREE_FAILURES {
            assert!(throttle.wait("alice", here).is_none());
            throttle.failed("alice", here);
        }
        assert!(
            throttle.wait("alice", there).is_some(),
            "same user elsewhere"
        );
        assert!(
            throttle.wait("bob", here).is_some(),
            "same address, other user"
        );
        assert!(throttle.wait("bob", there).is_none());
        throttle.succeeded("alice", here);
        assert!(throttle.wait("alice", here).is_none());
    }

    #[test]
    fn a_wait_ends_when_the_clock_has_moved_on() {
        let manual = crate::clock::ManualClock::new(chrono::Utc::now());
        let throttle = Throttle::new(manual.clock());
        let here = Some("192.0.2.1".parse().unwrap());
        for _ in 0..FREE_FAILURES + 2 {
            throttle.failed("alice", here);
        }
        assert_eq!(throttle.wait("alice", here), Some(delay(FREE_FAILURES + 2)));
        manual.advance(Duration::from_millis(1500));
        assert_eq!(
            throttle.wait("alice", here),
            Some(Duration::from_millis(500))
        );
        manual.advance(Duration::from_millis(500));
        assert_eq!(throttle.wait("alice", here), None);
        // A day after the last failure the count starts again: one more failure is free.
        manual.advance(FORGET_AFTER);
        throttle.failed("alice", here);
        assert_eq!(throttle.wait("alice", here), None);
    }

    #[test]
    fn records_are_capped() {
        let mut records = Records::<u32>::default();
        let now = Instant::now();
        for i in 0..(MAX_RECORDS as u32 + 50) {
            records.fail(i, now + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(records.map.len(), MAX_RECORDS);
        assert!(
            !records.map.contains_key(&0),
            "the oldest record goes first"
        );
    }
}
