//! Hardware identity at ingest (migration 10): each report's identity recorded per host, a
//! re-imaged host's new id taking over its old record, and clones flagged; and the read side
//! that shows those flags.
//!
//! Everything written here runs inside the report's own transaction ([`WriteTx`]), after its host
//! is locked: a merge locks the old host too and checks again under that lock, so two collectors
//! sharing a database cannot both merge one host, nor merge it while it reports. What counts as
//! the same machine is [`crate::identity`]'s to say; this module only finds the candidates.
//!
//! - **Re-imaged**: a new host id whose identity is confirmed equal to exactly one existing host of
//!   the same site, last seen on that identity and not since this report was taken, takes over that
//!   host: its findings, status history, risk records, report receipts and identity rows move to the
//!   new id, the old id is retired (`host_merges`) and `host.merged` is audited. Only within a site:
//!   a site's token writes only its own hosts, so a forged identity cannot pull another site's
//!   history. A retired id that reports again later shows the merge was wrong (the old install
//!   still runs): it becomes a host again, `host.merge_contradicted` is audited, and the two are
//!   then flagged as clones.
//! - **Cloned**: two host ids whose current identities are the same machine (`host_clones`, both
//!   directions), or one host id whose reports come from two machines at the same time — their
//!   spans of reports overlap, which a replaced mainboard's do not (a row with itself as the
//!   other). Flags are shown while both sides report within the stale period: for two host ids,
//!   their last reports; for one host id, when each of its machines was last received.

use serde::Serialize;
use sqlx::FromRow;

use super::selection::{Scope, Selection};
use super::sql::{Builder, Statement};
use super::{Result, audit_on, ts};
use crate::db::{Db, WriteTx};
use crate::identity::{Basis, HardwareIdentity};

/// Identity rows kept per host id: its latest machines, so a report inventing a new UUID each time
/// cannot grow a host's rows (or the work of reading them) without bound.
const ROWS_PER_HOST: i64 = 8;
/// Hosts compared with a report's identity at most: an identity shared by more hosts than this is
/// not a re-image, and flagging the first ones is enough to show it.
const CANDIDATES: i64 = 50;
/// The `basis` of a host id seen on two machines at once (a row with itself as the other).
pub const TWO_MACHINES: &str = "one host id, two machines";
/// Every table keyed by a host id whose rows a merge moves to the new id (hosts itself first).
const MERGED_TABLES: [&str; 7] = [
    "hosts",
    "findings",
    "unmatched_software",
    "host_status_changes",
    "risks",
    "reports",
    "host_identities",
];

/// One stored identity row.
#[derive(Clone, Debug, FromRow)]
struct IdentityRow {
    host_id: String,
    system_uuid: String,
    serial: Option<String>,
    board_serial: Option<String>,
    mac_addresses: String,
    machine_id: Option<String>,
    hostname: String,
    first_collected_at: String,
    last_collected_at: String,
    last_received_at: String,
}

const IDENTITY_COLUMNS: &str = "i.host_id, i.system_uuid, i.serial, i.board_serial, i.mac_addresses, \
    i.machine_id, i.hostname, i.first_collected_at, i.last_collected_at, i.last_received_at";

impl IdentityRow {
    fn identity(&self) -> HardwareIdentity {
        HardwareIdentity {
            system_uuid: self.system_uuid.clone(),
            serial: self.serial.clone(),
            board_serial: self.board_serial.clone(),
            mac_addresses: self
                .mac_addresses
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            machine_id: self.machine_id.clone(),
        }
    }
}

/// Another host's current identity (its latest row) with what a merge needs of the host.
#[derive(Clone, Debug, FromRow)]
struct Candidate {
    #[sqlx(flatten)]
    row: IdentityRow,
    site_id: String,
    collected_at: String,
}

/// The current identity of every other host (at most [`CANDIDATES`]) that has reported `uuid`.
async fn others_on(tx: &mut WriteTx<'_>, uuid: &str, host_id: &str) -> Result<Vec<Candidate>> {
    let mut rows: Vec<Candidate> = sqlx::query_as(&format!(
        "SELECT {IDENTITY_COLUMNS}, h.site_id, h.collected_at FROM host_identities i \
         JOIN hosts h ON h.host_id = i.host_id \
         WHERE i.system_uuid = $1 AND i.host_id <> $2 AND i.last_collected_at = \
         (SELECT MAX(j.last_collected_at) FROM host_identities j WHERE j.host_id = i.host_id) \
         ORDER BY i.host_id LIMIT $3"
    ))
    .bind(uuid.to_string())
    .bind(host_id.to_string())
    .bind(CANDIDATES)
    .fetch_all(&mut *tx)
    .await?;
    rows.dedup_by(|a, b| a.row.host_id == b.row.host_id);
    Ok(rows)
}

/// A report being stored: what this module needs of it.
pub(super) struct Arrival<'a> {
    /// Its host id.
    pub host_id: &'a str,
    /// The site of the token it came with.
    pub site_id: &'a str,
    /// The host name it reports.
    pub hostname: &'a str,
    /// Its `collected_at`, as stored.
    pub collected_at: &'a str,
    /// Receipt time.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The one host a report of `identity` takes over, if any (see the module documentation).
fn predecessor(
    arrival: &Arrival<'_>,
    identity: &HardwareIdentity,
    others: &[Candidate],
) -> Option<(Candidate, Basis)> {
    let mut same = others
        .iter()
        .filter(|c| identity.same_hardware(&c.row.identity()).is_some());
    let old = same.next()?;
    if same.next().is_some() {
        return None; // already two hosts on this hardware: a clone, not a re-image
    }
    let basis = identity.takes_over(&old.row.identity())?;
    (old.site_id == arrival.site_id && old.collected_at.as_str() < arrival.collected_at)
        .then(|| (old.clone(), basis))
}

/// When `host_id` was retired by a merge: the id that took it over and that id's report time.
pub(super) struct Retired {
    new_host_id: String,
    new_collected_at: String,
}

/// Whether `host_id` was retired by a merge.
pub(super) async fn retired_on(tx: &mut WriteTx<'_>, host_id: &str) -> Result<Option<Retired>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT new_host_id, new_collected_at FROM host_merges WHERE old_host_id = $1",
    )
    .bind(host_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(new_host_id, new_collected_at)| Retired {
        new_host_id,
        new_collected_at,
    }))
}

/// What to do with a report from a retired host id.
pub(super) enum RetiredReport {
    /// Taken before the merge: the old install's last word, which the new id already replaces.
    Stale,
    /// Taken after it: the old install still runs, so the merge was wrong; the id is a host again.
    Revived,
}

/// Decides about a report from a retired id; a revived one is no longer retired, and that is
/// audited (the `host.merged` entry before it was wrong).
pub(super) async fn retired_report_on(
    tx: &mut WriteTx<'_>,
    retired: &Retired,
    arrival: &Arrival<'_>,
) -> Result<RetiredReport> {
    if arrival.collected_at <= retired.new_collected_at.as_str() {
        return Ok(RetiredReport::Stale);
    }
    sqlx::query("DELETE FROM host_merges WHERE old_host_id = $1")
        .bind(arrival.host_id.to_string())
        .execute(&mut *tx)
        .await?;
    let detail = serde_json::json!({
        "host_id": arrival.host_id, "merged_into": retired.new_host_id,
        "hostname": arrival.hostname,
    });
    audit_on(
        tx,
        &format!("site:{}", arrival.site_id),
        "host.merge_contradicted",
        &detail.to_string(),
        arrival.now,
    )
    .await?;
    Ok(RetiredReport::Revived)
}

/// Makes `arrival`'s new host id, reporting `identity`, take over the record of the host it
/// re-images, if there is one; returns whether it did. Runs before the new host's row is written,
/// so that row is the old one updated: first seen, status history and finding times carry on.
pub(super) async fn take_over_on(
    tx: &mut WriteTx<'_>,
    arrival: &Arrival<'_>,
    identity: &HardwareIdentity,
) -> Result<bool> {
    let uuid = &identity.system_uuid;
    let others = others_on(tx, uuid, arrival.host_id).await?;
    let Some((first_choice, _)) = predecessor(arrival, identity, &others) else {
        return Ok(false);
    };
    // Under the old host's lock, decide again: another collector may have merged it or taken
    // a report from it meanwhile.
    tx.lock_host(&first_choice.row.host_id).await?;
    let others = others_on(tx, uuid, arrival.host_id).await?;
    let Some((old, basis)) = predecessor(arrival, identity, &others)
        .filter(|(old, _)| old.row.host_id == first_choice.row.host_id)
    else {
        return Ok(false);
    };
    let (old_id, new_id) = (old.row.host_id.as_str(), arrival.host_id);
    for table in MERGED_TABLES {
        sqlx::query(&format!(
            "UPDATE {table} SET host_id = $1 WHERE host_id = $2"
        ))
        .bind(new_id.to_string())
        .bind(old_id.to_string())
        .execute(&mut *tx)
        .await?;
    }
    // Only a two-machines flag can name the old host: a host sharing its hardware would have
    // been a second candidate, and then nothing is merged.
    sqlx::query(
        "UPDATE host_clones SET host_id = $1, other_host_id = $1 \
         WHERE host_id = $2 AND other_host_id = $2",
    )
    .bind(new_id.to_string())
    .bind(old_id.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM host_clones WHERE host_id = $1 OR other_host_id = $1")
        .bind(old_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO host_merges (old_host_id, new_host_id, basis, merged_at, new_collected_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(old_id.to_string())
    .bind(new_id.to_string())
    .bind(basis.as_str())
    .bind(ts(arrival.now))
    .bind(arrival.collected_at.to_string())
    .execute(&mut *tx)
    .await?;
    let reinstalled = match (&identity.machine_id, &old.row.machine_id) {
        (Some(new), Some(old)) if new == old => "no (same machine id)",
        (Some(_), Some(_)) => "yes (new machine id)",
        _ => "unknown",
    };
    let detail = serde_json::json!({
        "host_id": new_id, "old_host_id": old_id, "identity": basis.as_str(),
        "system_uuid": identity.system_uuid, "serial": identity.serial,
        "hostname": arrival.hostname, "old_hostname": old.row.hostname,
        "os_reinstalled": reinstalled,
    });
    audit_on(
        tx,
        &format!("site:{}", arrival.site_id),
        "host.merged",
        &detail.to_string(),
        arrival.now,
    )
    .await?;
    tracing::info!(old_host_id = %old_id, new_host_id = %new_id, basis = basis.as_str(), "re-imaged host took over its old record");
    Ok(true)
}

/// Records that `arrival`'s host reported `identity`, then, when that changed which machine the
/// host is on, brings its clone flags up to date.
///
/// A host still on the machine it was on needs nothing more (two queries, the nightly case): a
/// flag about two host ids is written, and cleared, by whichever of them changes, in both
/// directions; and a two-machines flag changes only when the other machine reports again, which
/// makes it the current one.
pub(super) async fn record_on(
    tx: &mut WriteTx<'_>,
    arrival: &Arrival<'_>,
    identity: &HardwareIdentity,
) -> Result<()> {
    let now = ts(arrival.now);
    let key = identity.key();
    let current_before: Option<String> = sqlx::query_scalar(
        "SELECT identity_key FROM host_identities WHERE host_id = $1 \
         ORDER BY last_collected_at DESC, identity_key LIMIT 1",
    )
    .bind(arrival.host_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    // Columns that describe the machine now follow the newest report; the span of reports widens.
    let newer = "excluded.last_collected_at >= host_identities.last_collected_at";
    sqlx::query(&format!(
        "INSERT INTO host_identities (host_id, identity_key, system_uuid, serial, board_serial, \
         mac_addresses, machine_id, hostname, first_collected_at, last_collected_at, last_received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
         ON CONFLICT (host_id, identity_key) DO UPDATE SET \
         board_serial = CASE WHEN {newer} THEN excluded.board_serial ELSE host_identities.board_serial END, \
         mac_addresses = CASE WHEN {newer} THEN excluded.mac_addresses ELSE host_identities.mac_addresses END, \
         machine_id = CASE WHEN {newer} THEN excluded.machine_id ELSE host_identities.machine_id END, \
         hostname = CASE WHEN {newer} THEN excluded.hostname ELSE host_identities.hostname END, \
         first_collected_at = CASE WHEN excluded.first_collected_at < host_identities.first_collected_at \
           THEN excluded.first_collected_at ELSE host_identities.first_collected_at END, \
         last_collected_at = CASE WHEN {newer} THEN excluded.last_collected_at ELSE host_identities.last_collected_at END, \
         last_received_at = excluded.last_received_at"
    ))
    .bind(arrival.host_id.to_string())
    .bind(key.clone())
    .bind(identity.system_uuid.clone())
    .bind(identity.serial.clone())
    .bind(identity.board_serial.clone())
    .bind(identity.mac_addresses.join(" "))
    .bind(identity.machine_id.clone())
    .bind(arrival.hostname.to_string())
    .bind(arrival.collected_at.to_string())
    .bind(now.clone())
    .execute(&mut *tx)
    .await?;
    if current_before.as_deref() == Some(key.as_str()) {
        return Ok(()); // the same machine as before, still the newest: nothing to re-flag
    }
    let rows = rows_of(tx, arrival.host_id).await?;
    if rows.len() as i64 > ROWS_PER_HOST {
        sqlx::query("DELETE FROM host_identities WHERE host_id = $1 AND last_collected_at < $2")
            .bind(arrival.host_id.to_string())
            .bind(rows[ROWS_PER_HOST as usize - 1].last_collected_at.clone())
            .execute(&mut *tx)
            .await?;
    }
    let Some(current) = rows.first() else {
        return Ok(());
    };
    flag_shared_hardware(tx, current, &now).await?;
    let kept = rows.len().min(ROWS_PER_HOST as usize);
    flag_two_machines(tx, current, &rows[1..kept], &now).await
}

/// A host's identity rows, newest first (at most one more than it keeps).
async fn rows_of(tx: &mut WriteTx<'_>, host_id: &str) -> Result<Vec<IdentityRow>> {
    sqlx::query_as(&format!(
        "SELECT {IDENTITY_COLUMNS} FROM host_identities i WHERE i.host_id = $1 \
         ORDER BY i.last_collected_at DESC, i.identity_key LIMIT $2"
    ))
    .bind(host_id.to_string())
    .bind(ROWS_PER_HOST + 1)
    .fetch_all(&mut *tx)
    .await
}

/// Flags, both ways, every other host whose current identity is the same machine as `current`, and
/// drops the flags of hosts that no longer are. Pairs are written lower id first, so two
/// collectors writing one pair from either side take its row locks in the same order.
async fn flag_shared_hardware(
    tx: &mut WriteTx<'_>,
    current: &IdentityRow,
    now: &str,
) -> Result<()> {
    let host_id = current.host_id.as_str();
    let identity = current.identity();
    let same: Vec<(String, Basis)> = others_on(tx, &current.system_uuid, host_id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let basis = identity.same_hardware(&c.row.identity())?;
            Some((c.row.host_id, basis))
        })
        .collect();
    let flagged: Vec<String> = sqlx::query_scalar(
        "SELECT other_host_id FROM host_clones WHERE host_id = $1 AND other_host_id <> $1",
    )
    .bind(host_id.to_string())
    .fetch_all(&mut *tx)
    .await?;
    for gone in flagged
        .iter()
        .filter(|f| !same.iter().any(|(s, _)| s == *f))
    {
        sqlx::query(
            "DELETE FROM host_clones WHERE (host_id = $1 AND other_host_id = $2) \
             OR (host_id = $2 AND other_host_id = $1)",
        )
        .bind(host_id.to_string())
        .bind(gone.clone())
        .execute(&mut *tx)
        .await?;
    }
    for (other, basis) in &same {
        let (low, high) = if host_id < other.as_str() {
            (host_id, other.as_str())
        } else {
            (other.as_str(), host_id)
        };
        for (a, b) in [(low, high), (high, low)] {
            upsert_flag(tx, a, b, basis.as_str(), now).await?;
        }
    }
    Ok(())
}

/// Flags a host id whose current machine and another of its machines reported over overlapping
/// spans of time (two machines at once, not one replacing the other); clears the flag otherwise.
/// The flag's time is when the older of the two was last received: both must keep reporting.
async fn flag_two_machines(
    tx: &mut WriteTx<'_>,
    current: &IdentityRow,
    earlier: &[IdentityRow],
    now: &str,
) -> Result<()> {
    let identity = current.identity();
    let seen = earlier
        .iter()
        .filter(|other| {
            identity.same_hardware(&other.identity()).is_none()
                && other.first_collected_at <= current.last_collected_at
                && current.first_collected_at <= other.last_collected_at
        })
        .map(|other| other.last_received_at.as_str().min(now))
        .max();
    let host_id = current.host_id.as_str();
    match seen {
        Some(seen) => upsert_flag(tx, host_id, host_id, TWO_MACHINES, seen).await,
        None => {
            sqlx::query("DELETE FROM host_clones WHERE host_id = $1 AND other_host_id = $1")
                .bind(host_id.to_string())
                .execute(&mut *tx)
                .await?;
            Ok(())
        }
    }
}

async fn upsert_flag(
    tx: &mut WriteTx<'_>,
    host_id: &str,
    other: &str,
    basis: &str,
    seen_at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO host_clones (host_id, other_host_id, basis, seen_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (host_id, other_host_id) DO UPDATE SET basis = excluded.basis, seen_at = excluded.seen_at",
    )
    .bind(host_id.to_string())
    .bind(other.to_string())
    .bind(basis.to_string())
    .bind(seen_at.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Statements that delete what retention removes with the hosts last seen before `$1` (run before
/// the hosts themselves go), and retirements older than it.
pub(super) const PURGE: [&str; 3] = [
    "DELETE FROM host_identities WHERE host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1)",
    "DELETE FROM host_clones WHERE host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1) \
     OR other_host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1)",
    "DELETE FROM host_merges WHERE merged_at < $1",
];

/// Another host on the same hardware as the one shown.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct CloneOf {
    /// Its host id.
    pub host_id: String,
    /// Its host name.
    pub hostname: String,
    /// Its site.
    pub site: String,
    /// Which facts matched ([`Basis::as_str`]).
    pub basis: String,
    /// Its last report.
    pub last_seen_at: String,
}

/// A machine one host id was seen on.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct MachineSeen {
    /// SMBIOS system UUID.
    pub system_uuid: String,
    /// System serial, when known.
    pub serial: Option<String>,
    /// The host name reported from it.
    pub hostname: String,
    /// Its OS installation's id, when known.
    pub machine_id: Option<String>,
    /// First report from it.
    pub first_collected_at: String,
    /// Latest report from it.
    pub last_collected_at: String,
}

/// A host's clone flags in force, as its page shows them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Clones {
    /// Other hosts on the same hardware that the caller may see.
    pub others: Vec<CloneOf>,
    /// How many more there are outside the caller's scope (not named).
    pub others_hidden: i64,
    /// The machines this host id was seen on, when it reports from two at once (else empty).
    pub machines: Vec<MachineSeen>,
}

impl Clones {
    /// Whether the host is flagged at all.
    pub fn any(&self) -> bool {
        !self.others.is_empty() || self.others_hidden > 0 || !self.machines.is_empty()
    }
}

/// The clone flags of `host_id` in force at `stale_cutoff`: it and each other host seen since (and,
/// for two machines, both machines received since).
/// The caller has checked that the host is in `scope`; others outside it are counted, not named.
pub async fn clones_of(
    db: &Db,
    scope: &Scope,
    host_id: &str,
    stale_cutoff: &str,
) -> Result<Clones> {
    let others = |columns: &str| {
        let mut sql = Builder::new(format!(
            "SELECT {columns} FROM host_clones c JOIN hosts h ON h.host_id = c.host_id \
             JOIN hosts o ON o.host_id = c.other_host_id JOIN sites s ON s.id = o.site_id \
             WHERE c.other_host_id <> c.host_id AND c.dismissed_at IS NULL AND c.host_id = "
        ));
        sql.push_bind(host_id.to_string());
        for column in ["h.last_seen_at", "o.last_seen_at"] {
            sql.push(format!(" AND {column} >= "))
                .push_bind(stale_cutoff.to_string());
        }
        sql
    };
    let all = Statement::new(others("COUNT(*)"))
        .fetch_scalar(db.reader())
        .await?;
    let mut visible = others("o.host_id, o.hostname, s.name AS site, c.basis, o.last_seen_at");
    scope.push_host_clause(&mut visible, "o.site_id");
    visible.push(" ORDER BY o.hostname_lower, o.host_id");
    let others: Vec<CloneOf> = Statement::new(visible).fetch_all(db.reader()).await?;
    let two_machines: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM host_clones c JOIN hosts h ON h.host_id = c.host_id \
         WHERE c.host_id = $1 AND c.other_host_id = $1 AND c.dismissed_at IS NULL \
         AND c.seen_at >= $2 AND h.last_seen_at >= $2",
    )
    .bind(host_id.to_string())
    .bind(stale_cutoff.to_string())
    .fetch_one(db.reader())
    .await?;
    let machines = if two_machines > 0 {
        sqlx::query_as(
            "SELECT system_uuid, serial, hostname, machine_id, first_collected_at, last_collected_at \
             FROM host_identities WHERE host_id = $1 ORDER BY last_collected_at DESC, identity_key",
        )
        .bind(host_id.to_string())
        .fetch_all(db.reader())
        .await?
    } else {
        Vec::new()
    };
    Ok(Clones {
        others_hidden: all - others.len() as i64,
        others,
        machines,
    })
}

/// How many hosts of a selection are flagged as clones (what `?clone=true` lists).
pub async fn clone_count(db: &Db, selection: &Selection, stale_cutoff: &str) -> Result<i64> {
    let mut clones = selection.clone();
    clones.clones = true;
    let mut sql =
        Builder::new("SELECT COUNT(*) FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1");
    clones.push_host_clauses(&mut sql, stale_cutoff);
    Statement::new(sql).fetch_scalar(db.reader()).await
}
