//! Lengths of time as an administrator types them: `90d`, `12h`, `2w`, `30m`, or `0`.
//!
//! Token lifetimes and rotation grace periods (`site add --expires 90d`, `site rotate-token
//! --grace 7d`) are whole minutes, hours, days or weeks; anything else — a bare number other than
//! 0, a fraction, months (whose length varies), a negative or a length past [`MAX_DAYS`] — is
//! refused with what was given and what is accepted, rather than guessed at.

use std::fmt;
use std::str::FromStr;

use chrono::Duration;

/// The longest period accepted: ten years (a token that outlives that is a token nobody rotates).
pub const MAX_DAYS: i64 = 3660;

/// A length of time, from zero to [`MAX_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// The length in minutes (the finest unit accepted).
    minutes: i64,
}

impl Period {
    /// The length as a chrono duration.
    pub fn duration(self) -> Duration {
        Duration::minutes(self.minutes)
    }

    /// A period of `days` days (within bounds: callers pass constants).
    pub const fn days(days: i64) -> Period {
        Period {
            minutes: days * 24 * 60,
        }
    }
}

/// Why a period was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{given:?} is not a period: write a whole number and a unit, m (minutes), h (hours), \
     d (days) or w (weeks), e.g. 90d, or 0; at most {MAX_DAYS} days"
)]
pub struct PeriodError {
    /// What was given.
    pub given: String,
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Period, PeriodError> {
        let refuse = || PeriodError {
            given: text.chars().take(40).collect(),
        };
        let trimmed = text.trim();
        if trimmed == "0" {
            return Ok(Period { minutes: 0 });
        }
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(refuse)?;
        let (number, unit) = trimmed.split_at(split);
        if number.is_empty() || number.len() > 9 {
            return Err(refuse());
        }
        let number: i64 = number.parse().map_err(|_| refuse())?;
        let per_unit = match unit {
            "m" => 1,
            "h" => 60,
            "d" => 24 * 60,
            "w" => 7 * 24 * 60,
            _ => return Err(refuse()),
        };
        let minutes = number * per_unit;
        if minutes > MAX_DAYS * 24 * 60 {
            return Err(refuse());
        }
        Ok(Period { minutes })
    }
}

impl fmt::Display for Period {
    /// The largest unit that says it exactly (`10080` minutes is `1w`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.minutes;
        match m {
            0 => write!(f, "0"),
            _ if m % (7 * 24 * 60) == 0 => write!(f, "{}w", m / (7 * 24 * 60)),
            _ if m % (24 * 60) == 0 => write!(f, "{}d", m / (24 * 60)),
            _ if m % 60 == 0 => write!(f, "{}h", m / 60),
            _ => write!(f, "{m}m"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn whole_units_are_read_and_written_back() {
        for (text, minutes, shown) in [
            ("0", 0, "0"),
            ("90d", 90 * 1440, "90d"),
            ("7d", 7 * 1440, "1w"),
            ("12h", 720, "12h"),
            ("30m", 30, "30m"),
            (" 2w ", 2 * 7 * 1440, "2w"),
            ("3660d", 3660 * 1440, "3660d"),
        ] {
            let period: Period = text.parse().unwrap();
            assert_eq!(period.duration(), Duration::minutes(minutes), "{text}");
            assert_eq!(period.to_string(), shown);
        }
        assert_eq!(Period::days(7), "1w".parse().unwrap());
    }

    #[test]
    fn anything_else_is_refused_saying_what_is_accepted() {
        for text in [
            "",
            "7",
            "d",
            "-7d",
            "1.5d",
            "3mo",
            "7 d",
            "7D",
            "3661d",
            "99999999999d",
            "1y",
        ] {
            let error = text.parse::<Period>().unwrap_err();
            assert!(error.to_string().contains("e.g. 90d"), "{text}: {error}");
        }
    }
}
