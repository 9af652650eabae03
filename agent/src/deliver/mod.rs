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
//!
//! One part per module, each depending only on the ones before it: `attempt` (what one answer
//! from the collector means), `retry` (how hard to try), `client` (the HTTPS [`Collector`]) and
//! `flush` (the spool, oldest first). The rest of the agent names them through this module.

mod attempt;
mod client;
mod flush;
mod retry;

pub use attempt::{Attempt, Refusal, classify, parse_retry_after};
pub use client::{ClientError, Collector, gzip};
pub use flush::{Flushed, flush, flush_with};
pub use retry::{Failure, RetryPolicy, with_retries};
