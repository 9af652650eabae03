//! The collector's one clock: every decision taken from "now" — the ingest clock-skew check and
//! which report supersedes which, the day verdicts are judged on and re-judged after, session
//! expiry, staleness, retention, the login throttle's waits — reads it from the shared state
//! ([`crate::state::AppState::clock`]), never from the wall clock directly.
//!
//! The service runs on the system clock. Tests hold a [`ManualClock`] and move it (a host goes
//! stale, a release passes its end of support) without sleeping and without depending on the day
//! they run.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

/// What time it is: the system's, or a test's.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// `None`: the system clock.
    manual: Option<ManualClock>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Wall-clock time, UTC.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(manual) => manual.read(|t| t.wall),
        }
    }

    /// Today, UTC: the day verdicts are judged on.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Monotonic time, for waits and intervals (it never goes back, whatever the wall clock does).
    pub fn instant(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(manual) => manual.read(|t| t.start + t.elapsed),
        }
    }
}

/// A clock that stands still until a test moves it. Clones share the time, so a test keeps one
/// and gives [`ManualClock::clock`] to the collector.
#[derive(Clone, Debug)]
pub struct ManualClock {
    time: Arc<Mutex<ManualTime>>,
}

#[derive(Debug)]
struct ManualTime {
    wall: DateTime<Utc>,
    /// Monotonic time: `start` is a real instant, `elapsed` how far the clock has been moved on.
    start: Instant,
    elapsed: Duration,
}

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock {
            time: Arc::new(Mutex::new(ManualTime {
                wall: at,
                start: Instant::now(),
                elapsed: Duration::ZERO,
            })),
        }
    }

    /// The [`Clock`] that reads this time.
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(self.clone()),
        }
    }

    /// Sets the wall clock to `at`. Monotonic time moves on by the same amount when `at` is later,
    /// and stays where it is when `at` is earlier (a wall clock put back).
    pub fn set(&self, at: DateTime<Utc>) {
        self.write(|t| {
            if let Ok(forward) = (at - t.wall).to_std() {
                t.elapsed += forward;
            }
            t.wall = at;
        });
    }

    /// Moves both clocks on by `by`.
    pub fn advance(&self, by: Duration) {
        self.write(|t| {
            t.elapsed += by;
            t.wall += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        });
    }

    fn read<T>(&self, f: impl FnOnce(&ManualTime) -> T) -> T {
        match self.time.lock() {
            Ok(guard) => f(&guard),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    fn write(&self, f: impl FnOnce(&mut ManualTime)) {
        match self.time.lock() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(manual: ManualClock) -> Clock {
        manual.clock()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_share_the_time() {
        let at = DateTime::parse_from_rfc3339("2029-10-09T23:30:00Z")
            .unwrap()
            .to_utc();
        let manual = ManualClock::new(at);
        let clock = manual.clock();
        let (wall, mono) = (clock.now(), clock.instant());
        assert_eq!(wall, at);
        assert_eq!(clock.instant(), mono, "stands still");
        manual.advance(Duration::from_secs(3600));
        assert_eq!(clock.today().to_string(), "2029-10-10");
        assert_eq!(clock.instant() - mono, Duration::from_secs(3600));
        manual.set(at);
        assert_eq!(clock.now(), at, "the wall clock can be put back");
        assert_eq!(
            clock.instant() - mono,
            Duration::from_secs(3600),
            "monotonic time never goes back"
        );
        manual.set(at + chrono::Duration::days(1));
        assert_eq!(clock.instant() - mono, Duration::from_secs(3600 + 86400));
    }

    #[test]
    fn the_system_clock_is_the_wall_clock() {
        let before = Utc::now();
        let now = Clock::system().now();
        assert!(before <= now && now <= Utc::now());
    }
}
