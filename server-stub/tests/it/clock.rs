//! Verdicts that depend on the date follow the collector's clock. The clock is moved, never slept
//! on: a session expires, a host turns stale, a release enters its last months and then passes its
//! end of support, and a report is judged against the collector's time, not the test machine's.

use chrono::{DateTime, Duration, Utc};
use sunset_collector::clock::ManualClock;
use sunset_collector::jobs;
use sunset_loadgen::fake;

use crate::util::{Backend, start_with_clock};

backend_tests!(verdicts_follow_the_collectors_clock);

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

async fn verdicts_follow_the_collectors_clock(backend: Backend) {
    let clock = ManualClock::new(at("2029-01-02T09:00:00Z"));
    // The background jobs are kept out of the way: the test runs them when it has moved the clock.
    let tweak = |file: &mut sunset_collector::config::FileConfig| {
        file.jobs_interval_seconds = Some(3600);
    };
    let server = start_with_clock(&backend, true, tweak, clock.clock()).await;
    let token = server.site("Riverside").await;
    // Host 3 runs Windows 11 24H2, whose support ends 2029-10-09 in the test catalogue.
    let inv = fake::inventory(3, 12, "Riverside", clock.clock().now());
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    let host = format!("/api/v1/hosts/{}", inv.host.host_id);
    let stale = "/api/v1/hosts?stale=1";
    let cookie = server.session("viewer").await;
    assert_eq!(
        server.get_json(&cookie, &host).await["host"]["os_status"],
        "supported"
    );
    assert_eq!(server.get_json(&cookie, stale).await["total"], 0);
    let summary = server.get_json(&cookie, "/api/v1/summary").await;
    assert_eq!(summary["today"], "2029-01-02");

    // An agent whose clock is two days ahead of the collector's is refused (24 hours allowed),
    // whatever the machine running the test thinks the time is.
    let ahead = fake::inventory(4, 12, "Riverside", clock.clock().now() + Duration::days(2));
    let (status, reply) = server.send(&token, &ahead).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["field"], "host.collected_at");

    // Fifteen days without a report (stale after 14); the one-hour session has expired.
    clock.advance(std::time::Duration::from_secs(15 * 86400));
    let (status, _) = server.get(&cookie, &host).await;
    assert_eq!(status, 401, "the session expired by the collector's clock");
    let cookie = server.session("viewer").await;
    assert_eq!(server.get_json(&cookie, stale).await["total"], 1);

    // Inside the last 180 days of Windows 11 24H2: the nightly job re-judges the stored inventory.
    clock.set(at("2029-06-01T09:00:00Z"));
    jobs::keep_verdicts_current(&server.state).await.unwrap();
    let cookie = server.session("viewer").await;
    let judged = server.get_json(&cookie, &host).await;
    assert_eq!(judged["host"]["os_status"], "expiring");

    // The day after its end of support.
    clock.set(at("2029-10-10T09:00:00Z"));
    jobs::keep_verdicts_current(&server.state).await.unwrap();
    let cookie = server.session("viewer").await;
    let judged = server.get_json(&cookie, &host).await;
    assert_eq!(judged["host"]["os_status"], "unsupported");
    let summary = server.get_json(&cookie, "/api/v1/summary").await;
    assert_eq!(summary["today"], "2029-10-10");

    // The agent reports again, by the same clock: accepted, judged today, no longer stale.
    let next = fake::inventory(3, 12, "Riverside", clock.clock().now());
    let (status, ack) = server.send(&token, &next).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["status"], "accepted");
    assert_eq!(server.get_json(&cookie, stale).await["total"], 0);
    let judged = server.get_json(&cookie, &host).await;
    assert_eq!(judged["host"]["os_status"], "unsupported");
    assert!(
        judged["host"]["last_seen_at"]
            .as_str()
            .unwrap()
            .starts_with("2029-10-10"),
        "{judged}"
    );
}
