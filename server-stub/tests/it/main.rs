//! Integration tests of the collector, in-process on 127.0.0.1:0 with a real HTTP client.
//!
//! Every test body in `backend_tests!` runs twice: on SQLite, and on PostgreSQL as an ignored test
//! that `--include-ignored` runs (`ci/test.sh` starts a server and sets `SUNSET_TEST_POSTGRES_URL`;
//! without it the PostgreSQL tests fail rather than pass). Tests that need root (a tmpfs, an own
//! PostgreSQL cluster) are ignored the same way, saying what they need.
//!
//! - `admin`: administrative actions checked and audited alike through the form, the API and the
//!   command line; a failed audit write is an error.
//! - `audit`: users listed, removed and re-granted; logins and logouts audited with the address;
//!   the audit page in words, filtered, paged and exported as CSV, for whole-estate users only.
//! - `identity`: re-imaged hosts take over their old record (history, risks, audited); clones
//!   flagged both ways and kept apart; placeholder identities never merge or flag.
//! - `clone_review`: an admin dismisses a clone flag with a reason (page, API, audit; others refused).
//! - `ingest`: happy path, duplicates, bad tokens, malformed, oversize, gzip bombs, bounds.
//! - `reload`: a catalogue change re-evaluates stored hosts.
//! - `overlay`: the organisation's catalogue overlay changes verdicts on reload, each finding says
//!   its layer (API, CSV, host page), the bundle carries it, a broken one is refused.
//! - `dashboard`: login, escaping of agent strings, filters, exports, risk register.
//! - `headline`: the summary's unsupported hosts split by the risk register (no accepted risk,
//!   risk accepted, acceptance expired) and the register's names and filters.
//! - `forecast`: hosts losing support per release and month, what ends next, inside a scope; an
//!   unsupported host's next date.
//! - `catalog`: the signed catalogue bundle agents verify; key commands.
//! - `cli`: the management commands of the real binary.
//! - `demo`: `sunset-collector demo` — its estate, login, pages and clean stop; its seeding on
//!   both back ends.
//! - `clock`: date-dependent verdicts follow the collector's clock (moved, never slept on).
//! - `evidence`: the evidence pack's zip, CSV sections and pages, for the caller's organisations
//!   only, with risk records and the requirement mapping.
//! - `crash`: SIGKILL of the real binary mid-stream; every acknowledged report survives.
//! - `durability`: a full disk (tmpfs) and PostgreSQL stopped mid-load: 503, recovery, no loss.
//! - `lists`: hosts, findings and products sorted on every column both ways, paged without
//!   overlap; products found by name; the host page in human units; the risk register paged.
//! - `logins`, `hostile_reports`, `hardening`: the attacks of issue 11, each refused.
//! - `instances`: two collector processes on one PostgreSQL database.
//! - `openapi`: the served OpenAPI document and the router agree, and its schemas are the wire types.
//! - `orgs`: the organisation tree — migration of flat sites, the command line, CSV import.
//! - `scope`: users see and change only their organisations' hosts, route by route.
//! - `tokens`: site tokens rotated with a grace period, expiring, revoked, listed with their last
//!   use; a revoked site enrolled again; a version 5 database keeps every token.
//! - `triage`: software no catalogue rule matches, from real Uninstall entries: by hosts and
//!   organisations, scoped, reviewed names hidden, snippets that load, bounds.
//! - `trend`: daily snapshots by organisation, part and status; replaced, pruned, charted, scoped.
//! - `util`: the server harness and report builders.

#![allow(clippy::unwrap_used)] // A test that cannot unwrap should fail loudly.

#[macro_use]
mod util;

mod admin;
mod audit;
mod catalog;
mod cli;
mod clock;
mod clone_review;
mod cover;
mod crash;
mod dashboard;
mod demo;
mod durability;
mod evidence;
mod forecast;
mod hardening;
mod headline;
mod hostile_reports;
mod identity;
mod ingest;
mod instances;
mod lists;
mod logins;
mod openapi;
mod org_import;
mod orgs;
mod overlay;
mod reload;
mod scope;
mod tokens;
mod trend;
mod triage;
