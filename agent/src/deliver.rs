//! Delivery to the collector: one HTTPS client, one attempt classified, retries with exponential
//! backoff and jitter, and flushing the spool oldest-first.
//!
//! The rules: network errors, 5xx, 408 and 429 are retried (a `Retry-After` is honoured, up to a
//! cap); every other 4xx is not, because repeating it cannot help: 401/403/404 mean the agent is
//! misconfigured (token, URL) and stop the flush with the report kept; 400/413/415/422 mean this one
//! report is unacceptable, so it is moved aside and the next is sent. A 2xx means the collector
//! stored the report durably (a duplicate of a report it already has is 2xx too), and only then is the
//! spooled file removed, so nothing is lost and the collector's report-id idempotency absorbs repeats.
//!
//! TLS is rustls with certificate verification always on: the system's roots plus, with `ca_file`,
//! a private CA. There is no switch to turn verification off.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use rand::Rng;
use serde::Deserialize;
use sunset_catalog::wire::{self, Ack, ErrorBody};

use crate::config::Config;
use crate::proxy::Route;
use crate::spool::{Spool, SpoolError};

/// Largest acknowledgement or error body read.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

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

/// Why a refused report was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The agent's configuration is wrong (401, 403, 404, 405, 407, 410): stop, keep the report.
    Configuration,
    /// This report is unacceptable (400, 413, 415, 422, other 4xx): move it aside, go on.
    Report,
}

/// The outcome of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// 2xx with the collector's acknowledgement of this very report ([`Ack`]; fields and statuses a
    /// newer collector adds are tolerated). Only this deletes a spooled report: a 2xx without it (a
    /// captive portal, a proxy answering for the collector, a body cut short) is retried, which is
    /// harmless because the collector answers `duplicate` for a report it already holds.
    Delivered(Ack),
    /// Worth retrying.
    Retry {
        /// What happened, for the log.
        reason: String,
        /// The collector's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// Not worth retrying.
    Refused {
        /// HTTP status.
        status: u16,
        /// The collector's message.
        message: String,
        /// Whose fault.
        refusal: Refusal,
    },
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

/// Cannot build the HTTP client (bad CA file, bad proxy): a configuration error.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up HTTPS to the collector: {0}")]
pub struct ClientError(String);

/// The collector, as the agent talks to it.
#[derive(Clone, Debug)]
pub struct Collector {
    client: reqwest::Client,
    reports: reqwest::Url,
    catalog: reqwest::Url,
    token: crate::config::Secret,
}

impl Collector {
    /// Builds the HTTPS client from the configuration.
    pub fn new(config: &Config, policy: &RetryPolicy) -> Result<Collector, ClientError> {
        // ring: cross-builds for Windows without cmake. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("sunset-agent/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .https_only(config.collector_url.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1);
        if let Some(ca_file) = &config.ca_file {
            let pem = std::fs::read(ca_file)
                .map_err(|e| ClientError(format!("ca_file {}: {e}", ca_file.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ClientError(format!("ca_file {}: {e}", ca_file.display())))?;
            builder = builder.tls_certs_merge(certs);
        }
        // The route is decided once (crate::proxy); reqwest's own environment and system lookups are
        // off either way, so what `config check` shows is what is used.
        let route = config
            .route()
            .map_err(|e| ClientError(format!("proxy: {e}")))?;
        builder = match &route {
            Route::Via { proxy, .. } => {
                builder.proxy(reqwest::Proxy::all(proxy.as_str()).map_err(|e| {
                    ClientError(format!("proxy {}: {e}", crate::proxy::mask(proxy.as_str())))
                })?)
            }
            Route::Direct { .. } => builder.no_proxy(),
        };
        tracing::debug!(%route, "route to the collector");
        let client = builder.build().map_err(|e| ClientError(format!("{e:#}")))?;
        let base = with_trailing_slash(&config.collector_url);
        // Relative to the base, so a collector served under a path prefix works.
        let join = |path: &str| {
            base.join(path.trim_start_matches('/'))
                .map_err(|e| ClientError(format!("collector_url: {e}")))
        };
        Ok(Collector {
            client,
            reports: join(wire::path::REPORTS)?,
            catalog: join(wire::path::CATALOG)?,
            token: config.enroll_token.clone(),
        })
    }

    /// The catalogue endpoint.
    pub fn catalog_url(&self) -> &reqwest::Url {
        &self.catalog
    }

    /// One attempt to deliver the gzip body of report `report_id`.
    pub async fn send(&self, report_id: uuid::Uuid, gzip_body: &[u8]) -> Attempt {
        let request = self
            .client
            .post(self.reports.clone())
            .bearer_auth(self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzip_body.to_vec());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    reason: describe(&e),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match read_bounded(response, MAX_RESPONSE_BYTES).await {
            Ok(body) => body,
            Err(e) => {
                return Attempt::Retry {
                    reason: format!("HTTP {status}, then {e}"),
                    retry_after,
                };
            }
        };
        classify(status.as_u16(), &body, retry_after, report_id)
    }

    /// Downloads the catalogue bundle (at most `max_bytes`).
    pub async fn fetch_catalog(&self, max_bytes: usize) -> Result<Vec<u8>, String> {
        let response = self
            .client
            .get(self.catalog.clone())
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        read_bounded(response, max_bytes).await
    }
}

/// Classifies the response to report `report_id`.
pub fn classify(
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    report_id: uuid::Uuid,
) -> Attempt {
    let message = || error_message(body);
    match status {
        200..=299 => match serde_json::from_slice::<Ack>(body) {
            Ok(ack) if ack.report_id == report_id => Attempt::Delivered(ack),
            Ok(ack) => Attempt::Retry {
                reason: format!(
                    "HTTP {status} acknowledged report {} instead of {report_id}",
                    ack.report_id
                ),
                retry_after,
            },
            Err(_) => Attempt::Retry {
                reason: format!(
                    "HTTP {status} without an acknowledgement (a proxy or portal answering for the \
                     collector?): {}",
                    message()
                ),
                retry_after,
            },
        },
        408 | 429 | 500..=599 => Attempt::Retry {
            reason: format!("HTTP {status}: {}", message()),
            retry_after,
        },
        401 | 403 | 404 | 405 | 407 | 410 => Attempt::Refused {
            status,
            message: message(),
            refusal: Refusal::Configuration,
        },
        400..=499 => Attempt::Refused {
            status,
            message: message(),
            refusal: Refusal::Report,
        },
        // 1xx/3xx: redirects are not followed (a moved collector is a configuration change).
        _ => Attempt::Refused {
            status,
            message: format!("unexpected response: {}", message()),
            refusal: Refusal::Configuration,
        },
    }
}

/// The collector's [`ErrorBody`] message; else, from a proxy or gateway in between, the `error` (or
/// `message`) field of its JSON; else the start of the text.
fn error_message(body: &[u8]) -> String {
    if let Ok(collector) = serde_json::from_slice::<ErrorBody>(body) {
        return collector.error;
    }
    #[derive(Deserialize)]
    struct Foreign {
        error: Option<serde_json::Value>,
        message: Option<String>,
    }
    if let Ok(parsed) = serde_json::from_slice::<Foreign>(body) {
        match (parsed.error, parsed.message) {
            (Some(serde_json::Value::String(s)), _) => return s,
            (Some(v), _) => return v.to_string(),
            (None, Some(m)) => return m,
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let text: String = text.trim().chars().take(200).collect();
    if text.is_empty() {
        "(no body)".into()
    } else {
        text
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

async fn read_bounded(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(format!("response larger than {max} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(describe(&e)),
        }
    }
}

/// A reqwest error with its causes (reqwest's own Display hides the interesting part).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn with_trailing_slash(url: &reqwest::Url) -> reqwest::Url {
    let mut url = url.clone();
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// Gzips a report body.
pub fn gzip(json: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(json);
    encoder.finish().unwrap_or_default()
}

/// What a flush of the spool achieved.
#[derive(Debug, Default)]
pub struct Flushed {
    /// Reports delivered, in order.
    pub delivered: Vec<uuid::Uuid>,
    /// Reports the collector refused as invalid (moved aside).
    pub refused: Vec<uuid::Uuid>,
    /// Why the flush stopped early, if it did.
    pub stopped: Option<Failure>,
    /// The collector's catalogue version, from the last acknowledgement.
    pub catalog_version: Option<String>,
    /// Reports still in the spool.
    pub remaining: usize,
}

/// Sends every spooled report, oldest first, each with retries. Stops at the first report that
/// cannot be delivered (the collector is down, or the agent is misconfigured), leaving it and the
/// newer ones queued.
pub async fn flush(
    spool: &Spool,
    collector: &Collector,
    policy: &RetryPolicy,
) -> Result<Flushed, SpoolError> {
    flush_with(spool, policy, |report_id, body| {
        let collector = collector.clone();
        async move { collector.send(report_id, &body).await }
    })
    .await
}

/// [`flush`] over any transport (tests use a scripted one).
pub async fn flush_with<F, Fut>(
    spool: &Spool,
    policy: &RetryPolicy,
    mut send: F,
) -> Result<Flushed, SpoolError>
where
    F: FnMut(uuid::Uuid, Vec<u8>) -> Fut,
    Fut: Future<Output = Attempt>,
{
    let mut flushed = Flushed::default();
    let entries = spool.entries()?;
    let total = entries.len();
    for (i, entry) in entries.iter().enumerate() {
        let body = match spool.read(entry) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "skipping an unreadable spooled report");
                continue;
            }
        };
        match with_retries(policy, |_| send(entry.report_id, body.clone())).await {
            Ok(ack) => {
                tracing::info!(report_id = %entry.report_id, status = ack.status.as_str(), "report delivered");
                flushed.catalog_version = Some(ack.catalog_version);
                flushed.delivered.push(entry.report_id);
                if let Err(e) = spool.remove(entry) {
                    // Redelivery is harmless (the collector deduplicates by report id).
                    tracing::error!(error = %e, "cannot remove a delivered report from the spool");
                }
            }
            Err(Failure::Refused {
                status,
                message,
                refusal: Refusal::Report,
            }) => {
                tracing::error!(report_id = %entry.report_id, status, message = %message, "collector refused this report as invalid; moved aside");
                flushed.refused.push(entry.report_id);
                if let Err(e) = spool.reject(entry) {
                    tracing::error!(error = %e, "cannot move a refused report aside");
                }
            }
            Err(failure) => {
                if let Failure::Refused {
                    status, message, ..
                } = &failure
                {
                    tracing::error!(status, message = %message, "collector refused the agent: check collector_url and enroll_token");
                } else {
                    tracing::warn!(error = %failure, "collector unreachable; reports stay queued");
                }
                flushed.stopped = Some(failure);
                flushed.remaining = total - i;
                return Ok(flushed);
            }
        }
    }
    Ok(flushed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
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

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    const REPORT: uuid::Uuid = uuid::Uuid::from_u128(0x5e7_0001);

    fn ack(status: &str, report_id: uuid::Uuid) -> String {
        format!(
            "{{\"status\":\"{status}\",\"report_id\":\"{report_id}\",\"host_id\":\"{}\",\
             \"site\":\"Riverside\",\"catalog_version\":\"7\"}}",
            uuid::Uuid::new_v4()
        )
    }

    fn classify(status: u16, body: &[u8], retry_after: Option<Duration>) -> Attempt {
        super::classify(status, body, retry_after, REPORT)
    }

    #[test]
    fn statuses_are_classified() {
        assert!(
            matches!(classify(200, ack("accepted", REPORT).as_bytes(), None),
            Attempt::Delivered(Ack { status: wire::AckStatus::Accepted, ref catalog_version, .. }) if catalog_version == "7")
        );
        // A status added by a newer collector is still an acknowledgement, with its catalogue.
        assert!(
            matches!(classify(200, ack("quarantined", REPORT).as_bytes(), None),
            Attempt::Delivered(Ack { status: wire::AckStatus::Unknown, ref catalog_version, .. }) if catalog_version == "7")
        );
        // A 2xx that does not acknowledge this report (a portal's page, another report's
        // acknowledgement, nothing) keeps it queued: only the collector's word deletes it.
        for body in [
            b"<html>Welcome to the hospital guest Wi-Fi</html>".to_vec(),
            Vec::new(),
            ack("accepted", uuid::Uuid::new_v4()).into_bytes(),
        ] {
            assert!(
                matches!(classify(200, &body, None), Attempt::Retry { .. }),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify(s, b"", None), Attempt::Retry { .. }),
                "{s}"
            );
        }
        for s in [401, 403, 404] {
            assert!(
                matches!(classify(s, b"{\"error\":\"unknown or revoked site token\"}", None),
                Attempt::Refused { refusal: Refusal::Configuration, ref message, .. } if message == "unknown or revoked site token"),
                "{s}"
            );
        }
        for s in [400, 413, 415, 422] {
            assert!(
                matches!(
                    classify(s, b"", None),
                    Attempt::Refused {
                        refusal: Refusal::Report,
                        ..
                    }
                ),
                "{s}"
            );
        }
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
