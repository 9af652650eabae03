//! End-to-end tests of the agent <-> collector path (issue 6), over 127.0.0.1 only.
//!
//! Table of contents:
//! - `cli`: `report` exit codes, `config check`, `run` stopping on SIGTERM while idle.
//! - `failures`: collector down, 500, 429 with Retry-After, slow, closed connections, refusals.
//! - `spool`: order, caps, unwritable and full spools.
//! - `catalog`: signed catalogue updates, tampered and older bundles.
//! - `schedule`: the nightly time is in the window, stable, and evenly spread.
//! - `service`: the `run` loop catches up, delivers and stops on its shutdown signal.
//! - `collector`: the real collector (`in_process`: the `sunset-collector` library in this process).
//! - `tls`: HTTPS with verification always on; `ca_file` trusts a private CA.
//! - `proxy`: HTTPS through a real proxy on loopback (Debian's tinyproxy): configured, from the
//!   environment and from a WinHTTP setting; basic auth; refusals keep the report in the spool.
//!
//! Failure modes use the scripted fake collector in `fake`; `util` holds the helpers.
#![allow(clippy::unwrap_used)]

#[path = "delivery/fake.rs"]
mod fake;
#[path = "delivery/in_process.rs"]
mod in_process;
#[path = "delivery/util.rs"]
mod util;

#[path = "delivery/catalog.rs"]
mod catalog;
#[path = "delivery/cli.rs"]
mod cli;
#[path = "delivery/collector.rs"]
mod collector;
#[path = "delivery/failures.rs"]
mod failures;
#[path = "delivery/proxy.rs"]
mod proxy;
#[path = "delivery/schedule.rs"]
mod schedule;
#[path = "delivery/service.rs"]
mod service;
#[path = "delivery/spool.rs"]
mod spool;
#[path = "delivery/tls.rs"]
mod tls;
