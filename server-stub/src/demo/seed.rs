//! Filling a new database with the demo estate through the collector's own paths: organisations and
//! sites by the administrative functions, every host's inventory POSTed to the agents' endpoint
//! in-process (validated, judged with the collector's catalogue on the day, stored and
//! acknowledged exactly as an agent's report), accepted risks through the risk register's
//! function, verdicts brought up to date by the background job's own step, and today's trend
//! snapshot by the snapshot job. Only the past year of the trend is made up ([`super::past`]).
//!
//! The seeding state reads a [`ManualClock`]: a few hosts report days before today (they show as
//! stale), and risk records are entered on the days they would have been, so the audit log and
//! the register tell one consistent story, an acceptance that has since expired included.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use sunset_catalog::wire::{self, Ack, AckStatus};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::estate::{self, SITES};
use super::machines::{self, Machine};
use super::{past, risks};
use crate::admin::{self, Admin, Role};
use crate::clock::ManualClock;
use crate::config::Config;
use crate::db::Db;
use crate::state::{AppState, Shared};

/// What the demo database holds.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// Hosts reported.
    pub hosts: usize,
    /// Organisations made (the root not counted).
    pub organisations: usize,
    /// Sites enrolled.
    pub sites: usize,
    /// Risk records entered.
    pub risks: usize,
    /// Days of trend recorded, today's included.
    pub trend_days: usize,
}

/// The demo's dashboard login: a user `demo`, admin of the whole estate, and its password.
#[derive(Clone, Debug)]
pub struct Login {
    /// User name.
    pub user: String,
    /// The password, generated for this database and shown once.
    pub password: String,
}

/// User name of the demo's login.
pub const DEMO_USER: &str = "demo";

/// Reports in flight at once: enough for SQLite's writer to commit them in groups.
const IN_FLIGHT: usize = 16;

/// One in this many hosts last reported weeks ago (stale on the summary).
const STALE_ONE_IN: u64 = 31;

/// Fills `db` (new, migrated) with the demo estate of about `hosts` hosts as of `now`, judged with
/// the catalogue `config` names (the built-in one for `sunset-collector demo`).
pub async fn seed(
    db: &Db,
    config: &Config,
    hosts: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let catalog = crate::catalog_source::load_configured(config)?;
    let clock = ManualClock::new(now);
    let state = AppState::with_clock(db.clone(), config.clone(), catalog, clock.clock());
    let operator = Admin::operator();
    let created = estate::create(db, &operator, now).await?;
    let machines = plan(hosts, now);
    // Hosts that stopped reporting weeks ago go first, each on the day it last reported.
    let (stale, current): (Vec<_>, Vec<_>) = machines
        .into_iter()
        .partition(|(_, m)| m.inventory.host.collected_at < now - Duration::days(2));
    for (site, machine) in &stale {
        clock.set(machine.inventory.host.collected_at + Duration::minutes(3));
        report(&state, &created.tokens[*site], machine).await?;
    }
    clock.set(now);
    let mut in_flight = JoinSet::new();
    for (site, machine) in &current {
        if in_flight.len() >= IN_FLIGHT
            && let Some(done) = in_flight.join_next().await
        {
            done??;
        }
        let (state, token, machine) = (
            state.clone(),
            created.tokens[*site].clone(),
            machine.clone(),
        );
        in_flight.spawn(async move { report(&state, &token, &machine).await });
    }
    while let Some(done) = in_flight.join_next().await {
        done??;
    }
    // What the collector's background job does first thing: the stale hosts judged again today.
    crate::jobs::keep_verdicts_current(&state).await?;
    let everyone: Vec<&Machine> = stale.iter().chain(&current).map(|(_, m)| m).collect();
    let risks = risks::enter(&state, &clock, &operator, &everyone, now).await?;
    clock.set(now);
    let trend_days = past::record_year(db, now).await?;
    crate::jobs::snapshot(db, now.date_naive(), now, true)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the trend job's lock was not granted"))?;
    Ok(Seeded {
        hosts: everyone.len(),
        organisations: created.organisations,
        sites: SITES.len(),
        risks,
        trend_days: trend_days + 1,
    })
}

/// Every machine of an estate of about `hosts` hosts, with the index of its site in [`SITES`].
/// Host `n` is numbered by site, role and place, so it is the same machine at any size.
fn plan(hosts: usize, now: DateTime<Utc>) -> Vec<(usize, Machine)> {
    let mut out = Vec::new();
    for (s, site) in SITES.iter().enumerate() {
        let mut index = 0;
        for (r, (role, full)) in site.machines.iter().enumerate() {
            for i in 0..estate::scaled(*full, hosts) {
                index += 1;
                let n = (s as u64 * 10 + r as u64) * 1000 + i as u64;
                // The nightly scan, between 01:00 and 03:00 before `now`; some hosts weeks ago.
                let mut collected_at =
                    now - Duration::hours(1) - Duration::minutes((n * 37 % 120) as i64);
                if n % STALE_ONE_IN == 7 {
                    collected_at -= Duration::days(15 + (n % 20) as i64);
                }
                let machine =
                    machines::machine(n, *role, site.prefix, index, site.name, collected_at);
                out.push((s, machine));
            }
        }
    }
    out
}

/// POSTs one machine's inventory to the agents' endpoint, in-process, as its agent would (gzip,
/// the site's token), and requires an acknowledgement that it was stored.
async fn report(state: &Shared, token: &str, machine: &Machine) -> anyhow::Result<()> {
    let json = serde_json::to_vec(&machine.inventory)?;
    let body = gzip(&json)?;
    let request = Request::post(wire::path::REPORTS)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))?;
    let response = crate::server::app(state.clone()).oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    let host = &machine.inventory.host.hostname;
    if status != StatusCode::OK {
        anyhow::bail!(
            "demo host {host}: the collector answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let ack: Ack = serde_json::from_slice(&bytes)?;
    if ack.status != AckStatus::Accepted {
        anyhow::bail!("demo host {host}: report {:?}, not accepted", ack.status);
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Adds the user `demo`, admin of the whole estate, with a new random password (audited as
/// `user.add`), and returns the login.
pub async fn add_login(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Login> {
    let hex = crate::auth::random_hex();
    // 80 random bits in four groups, easy to read off a terminal and type.
    let password = [&hex[0..5], &hex[5..10], &hex[10..15], &hex[15..20]].join("-");
    admin::add_user(
        db,
        &Admin::operator(),
        DEMO_USER,
        Role::Admin,
        None,
        password.clone(),
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo user: {e}"))?;
    Ok(Login {
        user: DEMO_USER.to_string(),
        password,
    })
}
