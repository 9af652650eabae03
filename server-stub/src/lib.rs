//! Sunset collector: receives agent inventories, judges them against the end-of-support catalogue,
//! stores them in SQLite or PostgreSQL, and shows central IT which machines are a risk.
//!
//! Code map: `config` (collector.toml), `db` (pool + migrations, one code path for both back ends,
//! every write in one checked `WriteTx`, reads on read-only connections, job locks), `health`
//! (whether writes work), `store` (every query, one file per concern, rows typed, the read side
//! always inside a caller's `Scope`; site enrolment tokens in `store::site_tokens`, API tokens in
//! `store::tokens`), `org` (organisation kinds, ODS codes, roles), `org_import` (the organisation
//! CSV import), `filter` (a listing's query string, parsed into a `store::Selection` inside the
//! caller's scope), `verdict` (inventory → stored findings, and each read back as the `Finding`),
//! `identity` (a report's hardware identity and how two compare: re-imaged or cloned),
//! `validate` (what a report must be), `ingest` (agents' API), `admission` (how much memory-hungry
//! work runs at once), `login`, `throttle` (who may call), `admin` (every administrative action,
//! checked for role and scope and audited once for the dashboard, the API and the command line),
//! `api` (JSON/CSV for tools), `csv` (CSV from the same rows), `openapi` (the endpoint table the
//! router is built from, and the document describing it), `web` (the dashboard, one module per page
//! or concern: `page` the shared frame, `session` login, `summary`, `lists`, `host` with
//! `inventory` rendered from the typed inventory, `risk`, `evidence`, `audit` the audit log,
//! `actions` the administrative forms), `transport` (headers, plain HTTP), `ownership` (which site
//! a host belongs to), `period` (lengths of time as typed: `90d`), `reevaluate` and `jobs`
//! (keeping verdicts current, across instances), `state` (what every request shares), `clock` (the
//! one "now" every decision reads, settable in tests), `server` (router, `run`), `cli` (management
//! commands), `demo` (`sunset-collector demo`: a made-up estate filled through the collector's own
//! paths and served on loopback).
//! `main.rs` only parses arguments and calls `cli::run`.

pub mod admin;
pub mod admission;
pub mod api;
pub mod auth;
pub mod backup;
pub mod catalog_source;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cover;
pub mod csv;
pub mod db;
pub mod demo;
pub mod filter;
pub mod health;
pub mod http;
pub mod identity;
pub mod ingest;
pub mod jobs;
pub mod login;
pub mod metrics;
pub mod openapi;
pub mod org;
pub mod org_import;
pub mod ownership;
pub mod period;
pub mod reevaluate;
pub mod server;
pub mod state;
pub mod store;
pub mod throttle;
pub mod transport;
pub mod triage;
pub mod validate;
pub mod verdict;
pub mod web;
