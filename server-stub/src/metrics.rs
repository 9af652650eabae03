//! Prometheus counters and the ingest latency histogram, rendered as text on `/metrics`.
//!
//! A handful of atomics: no registry crate is needed for this few series.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Why a report was rejected; one counter each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Missing, wrong or revoked token.
    Unauthorized,
    /// Body or decompressed body too large.
    TooLarge,
    /// Not JSON, or bad gzip.
    Malformed,
    /// JSON, but not a valid or bounded inventory.
    Invalid,
    /// Unsupported media type or encoding.
    Unsupported,
    /// The database failed.
    Internal,
    /// The report's host belongs to another site.
    WrongSite,
    /// Writes are failing, or the collector is too busy: try again later (503).
    Unavailable,
}

const REJECTIONS: [(Rejection, &str); 8] = [
    (Rejection::Unauthorized, "unauthorized"),
    (Rejection::TooLarge, "too_large"),
    (Rejection::Malformed, "malformed"),
    (Rejection::Invalid, "invalid"),
    (Rejection::Unsupported, "unsupported_media"),
    (Rejection::Internal, "internal_error"),
    (Rejection::WrongSite, "wrong_site"),
    (Rejection::Unavailable, "unavailable"),
];

/// The collector's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    received: AtomicU64,
    accepted: AtomicU64,
    duplicate: AtomicU64,
    superseded: AtomicU64,
    rejected: [AtomicU64; REJECTIONS.len()],
    reevaluated: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    /// A report arrived.
    pub fn received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    /// A report was rejected.
    pub fn rejected(&self, why: Rejection) {
        if let Some(i) = REJECTIONS.iter().position(|(r, _)| *r == why) {
            self.rejected[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Hosts were re-evaluated.
    pub fn reevaluated(&self, hosts: usize) {
        self.reevaluated.fetch_add(hosts as u64, Ordering::Relaxed);
    }

    /// A report was stored (or recognised as a duplicate / superseded), taking `elapsed`.
    pub fn stored(&self, outcome: crate::store::IngestOutcome, elapsed: Duration) {
        use crate::store::IngestOutcome;
        let counter = match outcome {
            IngestOutcome::Accepted => &self.accepted,
            IngestOutcome::Duplicate => &self.duplicate,
            IngestOutcome::Superseded => &self.superseded,
            IngestOutcome::WrongSite => {
                self.rejected(Rejection::WrongSite);
                return;
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(
            elapsed.as_micros().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    /// Prometheus text exposition, with the hosts-by-status gauge from the database.
    pub fn render(
        &self,
        hosts_by_status: &[(sunset_catalog::evaluate::Status, i64)],
        catalog_version: &str,
    ) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP sunset_reports_received_total Reports received on the ingest endpoint."
        );
        let _ = writeln!(out, "# TYPE sunset_reports_received_total counter");
        let _ = writeln!(out, "sunset_reports_received_total {}", get(&self.received));
        let _ = writeln!(
            out,
            "# HELP sunset_reports_stored_total Reports acknowledged, by outcome."
        );
        let _ = writeln!(out, "# TYPE sunset_reports_stored_total counter");
        for (name, counter) in [
            ("accepted", &self.accepted),
            ("duplicate", &self.duplicate),
            ("superseded", &self.superseded),
        ] {
            let _ = writeln!(
                out,
                "sunset_reports_stored_total{{outcome=\"{name}\"}} {}",
                get(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP sunset_reports_rejected_total Reports rejected, by reason."
        );
        let _ = writeln!(out, "# TYPE sunset_reports_rejected_total counter");
        for ((_, name), counter) in REJECTIONS.iter().zip(&self.rejected) {
            let _ = writeln!(
                out,
                "sunset_reports_rejected_total{{reason=\"{name}\"}} {}",
                get(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP sunset_ingest_duration_seconds Time to validate, evaluate and commit a report."
        );
        let _ = writeln!(out, "# TYPE sunset_ingest_duration_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "sunset_ingest_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                get(bucket)
            );
        }
        let count = get(&self.latency_count);
        let _ = writeln!(
            out,
            "sunset_ingest_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "sunset_ingest_duration_seconds_sum {}",
            get(&self.latency_sum_micros) as f64 / 1e6
        );
        let _ = writeln!(out, "sunset_ingest_duration_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP sunset_hosts_reevaluated_total Hosts re-evaluated by this instance (catalogue change, new day)."
        );
        let _ = writeln!(out, "# TYPE sunset_hosts_reevaluated_total counter");
        let _ = writeln!(
            out,
            "sunset_hosts_reevaluated_total {}",
            get(&self.reevaluated)
        );
        let _ = writeln!(out, "# HELP sunset_hosts Hosts by worst status.");
        let _ = writeln!(out, "# TYPE sunset_hosts gauge");
        for status in sunset_catalog::evaluate::Status::ALL {
            let n = hosts_by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "sunset_hosts{{status=\"{}\"}} {n}", status.as_str());
        }
        let _ = writeln!(
            out,
            "# HELP sunset_catalog_info The catalogue the collector judges with."
        );
        let _ = writeln!(out, "# TYPE sunset_catalog_info gauge");
        let version: String = catalog_version
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || ".-_+".contains(*c))
            .collect();
        let _ = writeln!(out, "sunset_catalog_info{{version=\"{version}\"}} 1");
        out
    }
}
