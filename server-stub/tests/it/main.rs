//! Integration tests of the collector, in-process on 127.0.0.1:0 with a real HTTP client.
//!
//! Every test body in `backend_tests!` runs twice: on SQLite (always) and on PostgreSQL when
//! `SUNSET_TEST_POSTGRES_URL` is set (a missing PostgreSQL is a failure when `CI=true`).
//!
//! - `ingest`: happy path, duplicates, bad tokens, malformed, oversize, gzip bombs, bounds.
//! - `reload`: a catalogue change re-evaluates stored hosts.
//! - `dashboard`: login, escaping of agent strings, filters, exports, risk register.
//! - `catalog`: the signed catalogue bundle agents verify; key commands.
//! - `cli`: the management commands of the real binary.
//! - `crash`: SIGKILL of the real binary mid-stream; every acknowledged report survives.
//! - `util`: the server harness and report builders.

#![allow(clippy::unwrap_used)] // A test that cannot unwrap should fail loudly.

#[macro_use]
mod util;

mod catalog;
mod cli;
mod crash;
mod dashboard;
mod durability;
mod hardening;
mod hostile_reports;
mod ingest;
mod logins;
mod reload;
