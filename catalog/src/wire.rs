//! The agent–collector protocol around the inventory, defined once for both sides: where each
//! endpoint is ([`path`]), what the collector answers to a report ([`Ack`]), what an error looks
//! like ([`ErrorBody`]) and how long a token may be ([`MAX_TOKEN_LEN`]).
//!
//! The request body is the [`crate::inventory::Inventory`] and the catalogue download is the
//! [`crate::bundle`]; this module holds the rest. Pure serde types and constants: no I/O and no
//! HTTP crate, so the agent, the collector and their tests share one definition. The collector's
//! OpenAPI document describes the same shapes (its tests check the status list).
//!
//! Evolution follows the inventory's rule: readers ignore fields they do not know, and a value
//! added to an enum later reads as that enum's catch-all, so an agent in the field keeps working
//! against a newer collector. A field is never removed or renamed without a new API version.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::finding::Status;

/// The collector's endpoints, as absolute paths from the collector's base URL. The agent joins them
/// to `collector_url` without the leading `/` (`/` is stripped), so a collector behind a path
/// prefix (`https://host/sunset/`) works.
pub mod path {
    /// `POST`: an agent submits its inventory (gzip or plain JSON, the site token as bearer);
    /// answered with an [`Ack`](super::Ack).
    pub const REPORTS: &str = "/api/v1/reports";
    /// `GET`: the signed catalogue bundle ([`crate::bundle`]) agents update from.
    pub const CATALOG: &str = "/api/v1/catalog";
    /// `GET`: readiness for load balancers and monitoring (200 `ok`, 503 with the reason).
    pub const HEALTHZ: &str = "/healthz";
    /// `GET`: Prometheus metrics (bearer token when `metrics_token_file` is set).
    pub const METRICS: &str = "/metrics";
    /// `GET`: the collector's OpenAPI document.
    pub const OPENAPI: &str = "/api/v1/openapi.json";
}

/// Longest bearer token (site enrolment, API or metrics token) a collector accepts, in bytes. A
/// token travels in an HTTP header, so it is printable ASCII and bytes and characters are the same
/// count. The collector's own tokens are far shorter (64 hex digits); the limit bounds what a
/// request can make the collector hash, and lets an agent refuse a pasted token that cannot work.
pub const MAX_TOKEN_LEN: usize = 256;

/// What happened to a delivered report. Every value is an acknowledgement: the report is stored
/// durably (or was already), so the agent may delete its copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Stored; the host now reflects it.
    Accepted,
    /// Already stored under the same report id (a retry after a lost answer); nothing changed.
    Duplicate,
    /// Stored as received, but the host already has a newer inventory, which stays current.
    Superseded,
    /// A status a newer collector added. It still acknowledges a stored report: an older agent
    /// reads it as this value instead of failing to read the acknowledgement, and carries on.
    /// A collector never sends it.
    #[serde(other)]
    Unknown,
}

impl AckStatus {
    /// The statuses a collector sends (everything but [`AckStatus::Unknown`]).
    pub const SENT: [AckStatus; 3] = [
        AckStatus::Accepted,
        AckStatus::Duplicate,
        AckStatus::Superseded,
    ];

    /// The status as written on the wire, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AckStatus::Accepted => "accepted",
            AckStatus::Duplicate => "duplicate",
            AckStatus::Superseded => "superseded",
            AckStatus::Unknown => "unknown",
        }
    }
}

/// A host's worst status as the collector judged it. A status the agent's catalogue crate does
/// not know (added by a newer collector) is kept as text rather than failing the acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HostStatus {
    /// One of the statuses this build knows.
    Known(Status),
    /// A status added later.
    Other(String),
}

/// The collector's answer to `POST /api/v1/reports` (HTTP 200), sent only after the report's
/// transaction committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// What happened to the report.
    pub status: AckStatus,
    /// The report's id (`host.report_id` of the inventory).
    pub report_id: Uuid,
    /// The host's id.
    pub host_id: Uuid,
    /// The site the token belongs to.
    pub site: String,
    /// The collector's catalogue version: an agent whose catalogue differs downloads the bundle.
    pub catalog_version: String,
    /// The host's worst status after this report (absent for a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_status: Option<HostStatus>,
    /// Findings stored for the host (absent for a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<u64>,
}

/// Every error the collector's API answers with (4xx and 5xx), as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What is wrong, for a person (and the agent's log).
    pub error: String,
    /// The offending field's path (`software[3].name`, `host.host_id`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ack() -> Ack {
        Ack {
            status: AckStatus::Accepted,
            report_id: Uuid::from_u128(1),
            host_id: Uuid::from_u128(2),
            site: "Riverside".into(),
            catalog_version: "2026.11.25".into(),
            host_status: Some(HostStatus::Known(Status::Unsupported)),
            findings: Some(7),
        }
    }

    #[test]
    fn an_ack_reads_back_as_written() {
        let text = serde_json::to_string(&ack()).unwrap();
        assert_eq!(
            text,
            "{\"status\":\"accepted\",\"report_id\":\"00000000-0000-0000-0000-000000000001\",\
             \"host_id\":\"00000000-0000-0000-0000-000000000002\",\"site\":\"Riverside\",\
             \"catalog_version\":\"2026.11.25\",\"host_status\":\"unsupported\",\"findings\":7}"
        );
        assert_eq!(serde_json::from_str::<Ack>(&text).unwrap(), ack());
        let duplicate = Ack {
            status: AckStatus::Duplicate,
            host_status: None,
            findings: None,
            ..ack()
        };
        let text = serde_json::to_string(&duplicate).unwrap();
        assert!(
            !text.contains("host_status") && !text.contains("findings"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Ack>(&text).unwrap(), duplicate);
    }

    /// An agent in the field against a newer collector: new statuses and fields are not errors.
    #[test]
    fn an_older_agent_reads_a_newer_collector() {
        let newer = r#"{"status":"quarantined","report_id":"00000000-0000-0000-0000-000000000001",
            "host_id":"00000000-0000-0000-0000-000000000002","site":"Riverside",
            "catalog_version":"2027.1.1","host_status":"unmanaged","findings":3,
            "next_report_after":"2027-01-02T00:00:00Z"}"#;
        let ack: Ack = serde_json::from_str(newer).unwrap();
        assert_eq!(ack.status, AckStatus::Unknown);
        assert_eq!(ack.host_status, Some(HostStatus::Other("unmanaged".into())));
        assert_eq!(ack.catalog_version, "2027.1.1");
    }

    #[test]
    fn statuses_are_spelt_as_serde_writes_them() {
        for status in AckStatus::SENT.into_iter().chain([AckStatus::Unknown]) {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::from(status.as_str())
            );
        }
    }

    #[test]
    fn an_error_body_names_its_field_only_when_there_is_one() {
        let plain = ErrorBody {
            error: "unknown or revoked site token".into(),
            field: None,
        };
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"error":"unknown or revoked site token"}"#
        );
        let with_field: ErrorBody =
            serde_json::from_str(r#"{"error":"too long","field":"software[3].name"}"#).unwrap();
        assert_eq!(with_field.field.as_deref(), Some("software[3].name"));
    }
}
