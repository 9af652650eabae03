//! How hard to try: the retry policy (attempts, exponential backoff with jitter, the cap on a
//! `Retry-After`, timeouts) and the loop that runs one report's attempts under it.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use sunset_catalog::wire::Ack;

use super::attempt::{Attempt, Refusal};

/// How hard to try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per report, including the first.
    pub max_attempts: u32,
    /// Delay before the second attempt; it doubles each time.
    pub base_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Longest wait a `Retry-After` can impose.
    pub max_retry_after: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (a slow collector counts as a network error).
    pub request_timeout: Duration,
}

impl RetryPolicy {
    /// For `sunset-agent report`, run by hand or by a scheduler: a few quick tries, then the spool.
    pub fn interactive() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }

    /// For the service: more patience; the spool and the next run cover longer outages.
    pub fn service() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            max_retry_after: Duration::from_secs(900),
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(120),
        }
    }

    /// The delay after failed attempt number `attempt` (1-based): `base * 2^(attempt-1)` capped at
    /// `max_delay`, with "equal jitter" (a random point in the upper half), so retries from many PCs
    /// spread out. A `Retry-After` replaces it, capped at `max_retry_after`, plus up to 10 % jitter.
    pub fn delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        if let Some(wait) = retry_after {
            let wait = wait.min(self.max_retry_after);
            let jitter_ms = (wait.as_millis() as u64 / 10).max(1);
            return wait + Duration::from_millis(rng.gen_range(0..jitter_ms));
        }
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1).min(30))
            .unwrap_or(u32::MAX);
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        let spread = (full - half).as_millis() as u64;
        half + Duration::from_millis(if spread == 0 {
            0
        } else {
            rng.gen_range(0..=spread)
        })
    }
}

/// A report that could not be delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// Retries ran out.
    #[error("collector unreachable after {attempts} attempts: {reason}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last reason.
        reason: String,
    },
    /// The collector refused it.
    #[error("collector refused the report (HTTP {status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The collector's message.
        message: String,
        /// Whose fault.
        refusal: Refusal,
    },
}

/// Runs `attempt` until it delivers, is refused, or `policy.max_attempts` is reached, sleeping
/// between tries with [`RetryPolicy::delay`] (tokio's clock, so tests can pause it).
pub async fn with_retries<F, Fut>(policy: &RetryPolicy, mut attempt: F) -> Result<Ack, Failure>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Attempt>,
{
    let mut n = 0;
    loop {
        n += 1;
        match attempt(n).await {
            Attempt::Delivered(ack) => return Ok(ack),
            Attempt::Refused {
                status,
                message,
                refusal,
            } => {
                return Err(Failure::Refused {
                    status,
                    message,
                    refusal,
                });
            }
            Attempt::Retry {
                reason,
                retry_after,
            } => {
                if n >= policy.max_attempts {
                    return Err(Failure::Exhausted {
                        attempts: n,
                        reason,
                    });
                }
                let delay = policy.delay(n, retry_after, &mut rand::thread_rng());
                tracing::info!(attempt = n, delay_ms = delay.as_millis() as u64, reason = %reason, "delivery failed; retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::deliver::attempt::tests::{REPORT, ack, classify};
    use rand::SeedableRng;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(1),
            request_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let p = fast();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for attempt in 1..=10 {
            let full = Duration::from_secs(1 << (attempt - 1).min(3));
            for _ in 0..50 {
                let d = p.delay(attempt, None, &mut rng);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = fast();
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let d = p.delay(1, Some(Duration::from_secs(30)), &mut rng);
        assert!(
            d >= Duration::from_secs(30) && d < Duration::from_secs(33),
            "{d:?}"
        );
        let d = p.delay(1, Some(Duration::from_secs(86_400)), &mut rng);
        assert!(
            d >= Duration::from_secs(120) && d < Duration::from_secs(132),
            "{d:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_wait_retry_after() {
        let p = fast();
        let start = tokio::time::Instant::now();
        let mut calls = 0;
        let result = with_retries(&p, |_| {
            calls += 1;
            async {
                Attempt::Retry {
                    reason: "HTTP 429".into(),
                    retry_after: Some(Duration::from_secs(40)),
                }
            }
        })
        .await;
        assert_eq!(calls, 5);
        assert!(matches!(
            result,
            Err(Failure::Exhausted { attempts: 5, .. })
        ));
        let waited = start.elapsed();
        // Four waits of 40 s each, plus at most 10 % jitter.
        assert!(
            waited >= Duration::from_secs(160) && waited <= Duration::from_secs(176),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_total_is_bounded() {
        let p = fast();
        let start = tokio::time::Instant::now();
        let mut calls = 0;
        let result = with_retries(&p, |n| {
            calls += 1;
            async move {
                if n < 4 {
                    Attempt::Retry {
                        reason: "HTTP 503".into(),
                        retry_after: None,
                    }
                } else {
                    classify(200, ack("accepted", REPORT).as_bytes(), None)
                }
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls, 4);
        let waited = start.elapsed();
        // 1 + 2 + 4 s at most, half of that at least.
        assert!(
            waited >= Duration::from_millis(3500) && waited <= Duration::from_secs(7),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refusal_is_not_retried() {
        let mut calls = 0;
        let result = with_retries(&fast(), |_| {
            calls += 1;
            async { classify(401, b"{\"error\":\"bad token\"}", None) }
        })
        .await;
        assert_eq!(calls, 1);
        assert!(matches!(
            result,
            Err(Failure::Refused {
                status: 401,
                refusal: Refusal::Configuration,
                ..
            })
        ));
    }
}
