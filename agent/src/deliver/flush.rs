//! Flushing the spool: every queued report, oldest first, each with retries; a delivered report
//! is removed only on its acknowledgement, a report refused as invalid is moved aside, and the
//! first report that cannot be delivered stops the flush with it and the newer ones kept.

use std::future::Future;

use super::attempt::{Attempt, Refusal};
use super::client::Collector;
use super::retry::{Failure, RetryPolicy, with_retries};
use crate::spool::{Spool, SpoolError};

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
