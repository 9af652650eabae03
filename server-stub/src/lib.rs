//! Sunset collector: receives agent inventories, judges them against the end-of-support catalogue,
//! stores them in SQLite or PostgreSQL, and shows central IT which machines are a risk.
//!
//! Code map: `config` (collector.toml), `db` (pool + migrations, one code path for both back
//! ends), `store` (every query), `verdict` (inventory → stored findings), `ingest` (agents' API),
//! `api` (JSON/CSV for tools), `web` (dashboard), `server` (router, background re-evaluation,
//! `run`), `cli` (management commands). `main.rs` only parses arguments and calls `cli::run`.

pub mod api;
pub mod auth;
pub mod backup;
pub mod catalog_source;
pub mod cli;
pub mod config;
pub mod csv;
pub mod db;
pub mod fake;
pub mod http;
pub mod ingest;
pub mod metrics;
pub mod server;
pub mod store;
pub mod verdict;
pub mod web;
