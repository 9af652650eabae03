//! Re-imaged and cloned hosts (issue 17, part 3): a new host id on known hardware takes over the
//! old record with its history and accepted risks, audited; one hardware identity under two
//! reporting host ids, or one host id from two machines, is flagged and kept apart; placeholder
//! identities never merge or flag; a host without identity facts is stored as before.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sunset_catalog::inventory::{Fact, Inventory};
use sunset_collector::clock::ManualClock;
use sunset_collector::store::{self, Scope};

use crate::util::{Backend, TestServer, inventory, postgres, start_with_clock};

backend_tests!(
    a_reimaged_host_keeps_its_history_and_accepted_risk_audited,
    clones_are_flagged_both_ways_and_kept_apart,
    placeholder_identities_never_merge_or_flag,
    a_host_without_identity_facts_behaves_as_before,
    a_clone_in_another_organisation_is_counted_not_named,
);

pub(crate) const UUID: &str = "4c4c4544-0042-3510-8052-b3c04f4b4e32";
pub(crate) const MAC: &str = "00:1a:2b:3c:4d:5e";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

pub(crate) async fn collector(backend: &Backend) -> (TestServer, ManualClock) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(backend, true, tweak, clock.clock()).await;
    (server, clock)
}

/// Host `n`'s inventory taken now by `clock`, on the machine these facts describe.
pub(crate) fn on_machine(
    n: u64,
    clock: &ManualClock,
    uuid: &str,
    serial: &str,
    macs: &[&str],
    machine_id: &str,
) -> Inventory {
    let mut inv = inventory(n);
    inv.host.collected_at = clock.clock().now();
    inv.hardware.system_uuid = Fact::Known(uuid.into());
    inv.hardware.serial = Fact::Known(serial.into());
    inv.hardware.mac_addresses = Fact::Known(macs.iter().map(|m| m.to_string()).collect());
    inv.os.machine_id = Fact::Known(machine_id.into());
    inv
}

/// The same host's next scan: a new report id, taken now.
pub(crate) fn again(inv: &Inventory, clock: &ManualClock) -> Inventory {
    let mut next = inv.clone();
    next.host.report_id = uuid::Uuid::new_v4();
    next.host.collected_at = clock.clock().now();
    next
}

pub(crate) async fn send(server: &TestServer, token: &str, inv: &Inventory) -> String {
    let (status, ack) = server.send(token, inv).await;
    assert_eq!(status, 200, "{ack}");
    ack["status"].as_str().unwrap().to_string()
}

pub(crate) async fn audited(server: &TestServer, action: &str) -> Vec<(String, Value)> {
    store::audit_log(&server.state.db, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| (e.actor, serde_json::from_str(&e.detail).unwrap()))
        .collect()
}

/// Host ids listed by `/api/v1/hosts` with `query`, sorted (asked in a new session: the clock
/// moves past a session's hour).
pub(crate) async fn listed(server: &TestServer, query: &str) -> Vec<String> {
    let cookie = server.session("viewer").await;
    let page = server
        .get_json(&cookie, &format!("/api/v1/hosts?limit=500&{query}"))
        .await;
    let mut ids: Vec<String> = page["hosts"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|h| h["host_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(page["total"], ids.len(), "{page}");
    ids
}

pub(crate) fn sorted(ids: &[&Inventory]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|i| i.host.host_id.to_string()).collect();
    ids.sort();
    ids
}

async fn a_reimaged_host_keeps_its_history_and_accepted_risk_audited(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let token = server.site("Riverside").await;
    let db = &server.state.db;
    let old = on_machine(1, &clock, UUID, "5CG8123XYZ", &[MAC], "aaaa1111");
    assert_eq!(send(&server, &token, &old).await, "accepted");
    let first_seen = store::ts(clock.clock().now());
    assert!(
        store::save_risk(
            db,
            &Scope::estate(),
            &old.host.host_id.to_string(),
            "",
            "Practice manager",
            "Isolated network",
            at("2029-06-01T00:00:00Z").date_naive(),
            "admin",
            clock.clock().now(),
        )
        .await
        .unwrap()
    );
    clock.advance(std::time::Duration::from_secs(86400));
    assert_eq!(
        send(&server, &token, &again(&old, &clock)).await,
        "accepted"
    );
    let before_reimage = clock.clock().now();

    // Re-imaged: a new OS (new machine id) and a new agent state, so a new host id and name, on
    // the same hardware, spelled as another agent might (upper case, braces, lower-case serial).
    clock.advance(std::time::Duration::from_secs(86400));
    let mut new = on_machine(
        2,
        &clock,
        "{4C4C4544-0042-3510-8052-B3C04F4B4E32}",
        "5cg8123xyz",
        &["00-1A-2B-3C-4D-5E"],
        "bbbb2222",
    );
    new.host.hostname = "WKS-NEW".into();
    assert_eq!(send(&server, &token, &new).await, "accepted");
    let (old_id, new_id) = (old.host.host_id.to_string(), new.host.host_id.to_string());

    let cookie = server.session("viewer").await;
    assert_eq!(listed(&server, "").await, vec![new_id.clone()]);
    let (status, _) = server
        .get(&cookie, &format!("/api/v1/hosts/{old_id}"))
        .await;
    assert_eq!(status, 404, "the old record is retired");
    let host = server
        .get_json(&cookie, &format!("/api/v1/hosts/{new_id}"))
        .await;
    assert_eq!(host["host"]["hostname"], "WKS-NEW");
    assert_eq!(host["first_seen_at"], first_seen.as_str(), "{host}");
    let history = host["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|c| c["changed_at"] == first_seen.as_str()),
        "the old host's status history moved with it: {history:?}"
    );
    let findings = host["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["target"] == "os" && f["first_seen_at"] == first_seen.as_str()),
        "findings keep their first-seen time: {findings:?}"
    );
    let risks = store::risks_for_host(db, &Scope::estate(), &new_id)
        .await
        .unwrap();
    assert_eq!(risks.len(), 1, "the accepted risk moved with it");
    assert_eq!(risks[0].owner, "Practice manager");

    let merged = audited(&server, "host.merged").await;
    assert_eq!(merged.len(), 1, "{merged:?}");
    let (actor, detail) = &merged[0];
    assert!(actor.starts_with("site:"), "{actor}");
    assert_eq!(detail["host_id"], new_id.as_str());
    assert_eq!(detail["old_host_id"], old_id.as_str());
    assert_eq!(detail["identity"], "system_uuid+serial");
    assert_eq!(detail["system_uuid"], UUID);
    assert_eq!(detail["os_reinstalled"], "yes (new machine id)");
    // The audit page names the host and says which identity was used.
    let admin = server.session("admin").await;
    let (status, page) = server.get(&admin, "/audit?action=host").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("host.merged") && page.contains("system_uuid+serial"),
        "{page}"
    );

    // A scan the old install took before the re-image, delivered late: stored, nothing changes.
    let mut late = again(&old, &clock);
    late.host.collected_at = before_reimage;
    assert_eq!(send(&server, &token, &late).await, "superseded");
    assert_eq!(listed(&server, "").await, vec![new_id.clone()]);
    assert_eq!(listed(&server, "clone=true").await.len(), 0);

    // The new id keeps reporting on its machine: no second merge, no flag.
    clock.advance(std::time::Duration::from_secs(86400));
    assert_eq!(
        send(&server, &token, &again(&new, &clock)).await,
        "accepted"
    );
    assert_eq!(audited(&server, "host.merged").await.len(), 1);
    assert_eq!(listed(&server, "clone=true").await.len(), 0);
}

async fn clones_are_flagged_both_ways_and_kept_apart(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let token = server.site("Riverside").await;
    let hour = std::time::Duration::from_secs(3600);

    // A cloned virtual machine: same firmware UUID and serial, new MAC address. Never merged.
    let a = on_machine(10, &clock, UUID, "VMware-56 4d 7b", &[MAC], "cccc");
    let b = on_machine(
        11,
        &clock,
        UUID,
        "VMware-56 4d 7b",
        &["00:50:56:aa:bb:cc"],
        "cccc",
    );
    send(&server, &token, &a).await;
    clock.advance(hour);
    send(&server, &token, &b).await;
    // A clone whose adapters were copied too looks like a re-image at first: merged...
    let c = on_machine(
        12,
        &clock,
        "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
        "PF2ABCDE",
        &[MAC],
        "dd",
    );
    send(&server, &token, &c).await;
    clock.advance(hour);
    let d = on_machine(
        13,
        &clock,
        "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
        "PF2ABCDE",
        &[MAC],
        "dd",
    );
    send(&server, &token, &d).await;
    assert_eq!(audited(&server, "host.merged").await.len(), 1);
    // ...until the old id reports again: the old install still runs, so it is a host again.
    clock.advance(hour);
    assert_eq!(send(&server, &token, &again(&c, &clock)).await, "accepted");
    let contradicted = audited(&server, "host.merge_contradicted").await;
    assert_eq!(contradicted.len(), 1, "{contradicted:?}");
    assert_eq!(contradicted[0].1["host_id"], c.host.host_id.to_string());
    assert_eq!(contradicted[0].1["merged_into"], d.host.host_id.to_string());

    // A golden image copied with the agent's state: one host id from two machines at once.
    let e1 = on_machine(
        20,
        &clock,
        "11111111-2222-3333-4444-555555555555",
        "SN-E1",
        &[],
        "ee",
    );
    let mut e2 = on_machine(
        20,
        &clock,
        "66666666-7777-8888-9999-aaaaaaaaaaaa",
        "SN-E2",
        &[],
        "ee",
    );
    e2.host.hostname = "WKS-COPY".into();
    // A mainboard replaced: one host id, one machine after the other. Not a clone.
    let f1 = on_machine(
        21,
        &clock,
        "12121212-3434-5656-7878-909090909090",
        "SN-F1",
        &[],
        "ff",
    );
    send(&server, &token, &f1).await;
    send(&server, &token, &e1).await;
    clock.advance(hour);
    send(&server, &token, &again(&e2, &clock)).await;
    let f2 = on_machine(
        21,
        &clock,
        "abababab-cdcd-efef-0101-232323232323",
        "SN-F2",
        &[],
        "ff",
    );
    send(&server, &token, &again(&f2, &clock)).await;
    clock.advance(hour);
    send(&server, &token, &again(&e1, &clock)).await;
    send(&server, &token, &again(&f2, &clock)).await;

    // Kept apart and flagged, both ways; the replaced mainboard is not.
    assert_eq!(listed(&server, "").await.len(), 6);
    assert_eq!(
        listed(&server, "clone=true").await,
        sorted(&[&a, &b, &c, &d, &e1])
    );
    let cookie = server.session("viewer").await;
    let (status, page) = server
        .get(&cookie, &format!("/hosts/{}", a.host.host_id))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Possible clone"), "{page}");
    assert!(
        page.contains(&format!("/hosts/{}", b.host.host_id)),
        "{page}"
    );
    assert!(page.contains(&b.host.hostname), "{page}");
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", b.host.host_id))
        .await;
    assert!(
        page.contains(&format!("/hosts/{}", a.host.host_id)),
        "{page}"
    );
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", e1.host.host_id))
        .await;
    assert!(
        page.contains("more than one machine")
            && page.contains("11111111-2222-3333-4444-555555555555")
            && page.contains("66666666-7777-8888-9999-aaaaaaaaaaaa")
            && page.contains("WKS-COPY"),
        "{page}"
    );
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", f1.host.host_id))
        .await;
    assert!(!page.contains("Possible clone"), "{page}");
    let (status, summary) = server.get(&cookie, "/").await;
    assert_eq!(status, 200);
    assert!(
        summary.contains(r#"href="/hosts?clone=true""#)
            && summary.contains(r#"<span class="n">5</span>possible clones"#),
        "{summary}"
    );
    let (status, hosts_page) = server.get(&cookie, "/hosts?clone=true").await;
    assert_eq!(status, 200);
    assert!(hosts_page.contains(&b.host.hostname), "{hosts_page}");
    let (status, _) = server.get(&cookie, "/api/v1/hosts?clone=maybe").await;
    assert_eq!(status, 400);

    // Fifteen days on, only `a` and `d` still report: a flag needs both sides within the stale
    // period, so nothing is flagged any more.
    clock.advance(std::time::Duration::from_secs(15 * 86400));
    send(&server, &token, &again(&a, &clock)).await;
    send(&server, &token, &again(&d, &clock)).await;
    assert_eq!(listed(&server, "clone=true").await.len(), 0);
    // `b` comes back on the same hardware: flagged again, and stays flagged while both keep
    // reporting unchanged, however long.
    send(&server, &token, &again(&b, &clock)).await;
    assert_eq!(listed(&server, "clone=true").await, sorted(&[&a, &b]));
    for _ in 0..3 {
        clock.advance(std::time::Duration::from_secs(10 * 86400));
        send(&server, &token, &again(&a, &clock)).await;
        send(&server, &token, &again(&b, &clock)).await;
    }
    assert_eq!(listed(&server, "clone=true").await, sorted(&[&a, &b]));
}

async fn placeholder_identities_never_merge_or_flag(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let token = server.site("Riverside").await;
    // What OEM templates and hypervisors leave in these fields, sent as if known: the collector
    // filters them again rather than trusting the agent to have.
    let junk = [
        ("00000000-0000-0000-0000-000000000000", "Default string"),
        (
            "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
            "System Serial Number",
        ),
        (
            "03000200-0400-0500-0006-000700080009",
            "To be filled by O.E.M.",
        ),
        ("{00000000-0000-0000-0000-000000000000}", "0"),
        ("", ""),
        ("Not Settable", "None"),
    ];
    let mut sent = Vec::new();
    for (i, (uuid, serial)) in junk.iter().enumerate() {
        for n in [30 + 2 * i as u64, 31 + 2 * i as u64] {
            clock.advance(std::time::Duration::from_secs(3600));
            let inv = on_machine(n, &clock, uuid, serial, &[MAC], "abcd");
            assert_eq!(send(&server, &token, &inv).await, "accepted");
            sent.push(inv);
        }
    }
    clock.advance(std::time::Duration::from_secs(3600));
    for inv in &sent {
        send(&server, &token, &again(inv, &clock)).await;
    }
    let refs: Vec<&Inventory> = sent.iter().collect();
    assert_eq!(listed(&server, "").await, sorted(&refs));
    assert_eq!(listed(&server, "clone=true").await.len(), 0);
    assert!(audited(&server, "host.merged").await.is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM host_identities")
        .fetch_one(server.state.db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 0, "a placeholder is no identity");
}

async fn a_host_without_identity_facts_behaves_as_before(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let token = server.site("Riverside").await;
    // Agents that do not send the facts (older ones, or not run as root): not collected.
    let mut first = inventory(40);
    first.host.collected_at = clock.clock().now();
    assert_eq!(first.hardware.system_uuid, Fact::NotCollected);
    assert_eq!(send(&server, &token, &first).await, "accepted");
    clock.advance(std::time::Duration::from_secs(3600));
    let mut second = inventory(41);
    second.host.collected_at = clock.clock().now();
    assert_eq!(send(&server, &token, &second).await, "accepted");
    assert_eq!(send(&server, &token, &second).await, "duplicate");
    let mut older = again(&first, &clock);
    older.host.collected_at = clock.clock().now() - Duration::hours(2);
    assert_eq!(send(&server, &token, &older).await, "superseded");
    assert_eq!(listed(&server, "").await, sorted(&[&first, &second]));
    assert_eq!(listed(&server, "clone=true").await.len(), 0);
    let cookie = server.session("viewer").await;
    let (_, summary) = server.get(&cookie, "/").await;
    assert!(
        summary.contains(r#"<span class="n">0</span>possible clones"#),
        "{summary}"
    );
    let (_, page) = server
        .get(&cookie, &format!("/hosts/{}", first.host.host_id))
        .await;
    assert!(!page.contains("Possible clone"), "{page}");
    for table in ["host_identities", "host_clones", "host_merges"] {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(server.state.db.reader())
            .await
            .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}

async fn a_clone_in_another_organisation_is_counted_not_named(backend: Backend) {
    use sunset_collector::admin::{self, Admin};
    use sunset_collector::org::OrgKind;
    let (server, clock) = collector(&backend).await;
    let (db, op, now) = (&server.state.db, Admin::operator(), server.state.now());
    let mut tokens = Vec::new();
    for (org, ods, site) in [
        ("Alpha PCN", "U00001", "Alpha Surgery"),
        ("Bravo PCN", "U00002", "Bravo Surgery"),
    ] {
        admin::add_org(db, &op, org, OrgKind::Pcn, None, Some(ods), now)
            .await
            .unwrap();
        let (_, token) = admin::add_site(db, &op, site, Some(ods), now)
            .await
            .unwrap();
        tokens.push(token);
    }
    // The same PC's identity in two organisations' sites, the second later, adapters and all: a
    // site's token writes only its own hosts, so it is never merged across sites, only flagged.
    let mut alpha = on_machine(50, &clock, UUID, "5CG8123XYZ", &[MAC], "aa");
    alpha.host.hostname = "ALPHA-WKS".into();
    send(&server, &tokens[0], &alpha).await;
    clock.advance(std::time::Duration::from_secs(3600));
    let mut bravo = on_machine(51, &clock, UUID, "5CG8123XYZ", &[MAC], "bb");
    bravo.host.hostname = "BRAVO-WKS".into();
    assert_eq!(send(&server, &tokens[1], &bravo).await, "accepted");
    assert!(audited(&server, "host.merged").await.is_empty());
    assert_eq!(
        listed(&server, "clone=true").await,
        sorted(&[&alpha, &bravo])
    );

    let (cookie, _) = server.session_on("viewer", Some("U00001")).await;
    let page = server.get_json(&cookie, "/api/v1/hosts?clone=true").await;
    assert_eq!(page["total"], 1, "{page}");
    let (status, page) = server
        .get(&cookie, &format!("/hosts/{}", alpha.host.host_id))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Possible clone") && page.contains("1 host(s) outside your organisations"),
        "{page}"
    );
    assert!(
        !page.contains("BRAVO-WKS") && !page.contains(&bravo.host.host_id.to_string()),
        "{page}"
    );
    let (status, _) = server
        .get(&cookie, &format!("/hosts/{}", bravo.host.host_id))
        .await;
    assert_eq!(status, 404);
}

/// Two collectors on one PostgreSQL database take the first reports of two new host ids on the
/// same re-imaged hardware at the same moment: exactly one takes over the old record, the other
/// stays a host of its own, flagged with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set SUNSET_TEST_POSTGRES_URL and run with --include-ignored"]
async fn two_collectors_never_both_merge_one_host() {
    let (one, clock) = collector(&postgres()).await;
    let two = one.second_instance().await;
    let token = one.site("Riverside").await;
    const ROUNDS: u64 = 8;
    let uuid = |r: u64| format!("4c4c4544-0042-3510-8052-{r:012x}");
    let mut old = Vec::new();
    for r in 0..ROUNDS {
        let inv = on_machine(200 + r, &clock, &uuid(r), &format!("SN{r}"), &[MAC], "aa");
        send(&one, &token, &inv).await;
        old.push(inv);
    }
    clock.advance(std::time::Duration::from_secs(86400));
    let mut winners = 0;
    for r in 0..ROUNDS {
        let a = on_machine(300 + r, &clock, &uuid(r), &format!("SN{r}"), &[MAC], "bb");
        let b = on_machine(400 + r, &clock, &uuid(r), &format!("SN{r}"), &[MAC], "cc");
        let (sa, sb) = tokio::join!(send(&one, &token, &a), send(&two, &token, &b));
        assert_eq!((sa.as_str(), sb.as_str()), ("accepted", "accepted"));
        let merged: Vec<Value> = audited(&one, "host.merged")
            .await
            .into_iter()
            .map(|(_, d)| d)
            .filter(|d| d["old_host_id"] == old[r as usize].host.host_id.to_string())
            .collect();
        assert_eq!(merged.len(), 1, "round {r}: {merged:?}");
        winners += 1;
        assert_eq!(
            listed(&one, "clone=true")
                .await
                .iter()
                .filter(|id| [a.host.host_id.to_string(), b.host.host_id.to_string()].contains(id))
                .count(),
            2,
            "round {r}: the other new id is kept apart and flagged"
        );
    }
    assert_eq!(winners, ROUNDS);
    assert_eq!(listed(&one, "").await.len(), 2 * ROUNDS as usize);
}
