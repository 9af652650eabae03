//! What one answer from the collector means: delivered (only an [`Ack`] naming this very report),
//! worth retrying (with the collector's `Retry-After`), or refused — and then whose fault, the
//! agent's configuration or this one report. The rules are in the parent module's documentation.

use std::time::Duration;

use serde::Deserialize;
use sunset_catalog::wire::{Ack, ErrorBody};

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

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sunset_catalog::wire;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    /// The report the tests deliver.
    pub(in crate::deliver) const REPORT: uuid::Uuid = uuid::Uuid::from_u128(0x5e7_0001);

    /// The collector's acknowledgement of `report_id`, as JSON.
    pub(in crate::deliver) fn ack(status: &str, report_id: uuid::Uuid) -> String {
        format!(
            "{{\"status\":\"{status}\",\"report_id\":\"{report_id}\",\"host_id\":\"{}\",\
             \"site\":\"Riverside\",\"catalog_version\":\"7\"}}",
            uuid::Uuid::new_v4()
        )
    }

    /// [`super::classify`] of an answer to [`REPORT`].
    pub(in crate::deliver) fn classify(
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Attempt {
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
}
