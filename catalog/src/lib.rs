//! Sunset's domain, with no I/O at its core.
//!
//! `inventory` is the wire model that agents produce and the collector stores; `version` orders the
//! version strings real systems report; `catalog` is the end-of-support catalogue (TOML) and its
//! validating loader; `evaluate` turns an inventory and a catalogue into findings (`finding`), with
//! `readiness` adding the hardware verdicts. `wire` is the rest of the agent–collector protocol
//! (endpoints, acknowledgement, error body, token limit) and `bundle` the signed catalogue download.
#![deny(missing_docs)]

pub mod builtin;
pub mod bundle;
pub mod catalog;
pub mod cover;
pub mod evaluate;
pub mod finding;
pub mod inventory;
mod judge;
pub mod patch;
pub mod readiness;
pub mod secure_boot;
pub mod version;
pub mod wire;

pub use catalog::Catalog;
pub use evaluate::{Finding, ScanResult, Status, evaluate};
pub use inventory::Inventory;
