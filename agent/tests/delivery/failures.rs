//! Collector down or misbehaving: bounded retries, no duplicates, no lost reports.

use std::time::{Duration, Instant};

use sunset_agent::service::ReportOutcome;

use crate::fake::{Fake, Reply, dead_port};
use crate::util::{Install, block_on, fast};

#[test]
fn delivers_gzip_with_the_token_and_a_stable_host_id() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "tok-123", "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].authorization, "Bearer tok-123");
    assert_eq!(seen[0].encoding, "gzip");
    assert_eq!(seen[0].host_id, seen[1].host_id, "host id is stable");
    assert_ne!(
        seen[0].report_id, seen[1].report_id,
        "report id is unique per scan"
    );
    assert_eq!(
        install.agent(fast()).host_id(),
        seen[0].host_id,
        "host id survives a restart"
    );
    assert_eq!(install.spooled(), 0);
}

#[test]
fn collector_down_then_back_delivers_everything_once_in_order() {
    let port = dead_port();
    let install = Install::new(&format!("http://{port}"), "t", "");
    let mut agent = install.agent(fast());
    for _ in 0..3 {
        assert!(matches!(
            block_on(agent.report_once()),
            ReportOutcome::Queued(_)
        ));
    }
    assert_eq!(install.spooled(), 3);
    let fake = Fake::start_on(port);
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(install.spooled(), 0);
    let stored = fake.stored();
    assert_eq!(stored.len(), 4);
    let seen: Vec<_> = fake.seen().iter().map(|s| s.report_id).collect();
    assert_eq!(
        seen, stored,
        "each report sent once, oldest first, the new one last"
    );
}

#[test]
fn server_errors_are_retried_without_duplicates() {
    let fake = Fake::start();
    fake.script([
        Reply::Status(500),
        Reply::Status(503),
        Reply::Status(408),
        Reply::Ok,
    ]);
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.seen().len(), 4);
    assert_eq!(fake.stored().len(), 1);
}

#[test]
fn retries_are_bounded_and_the_report_stays_queued() {
    let fake = Fake::start();
    fake.set_default(Reply::Status(502));
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    let outcome = block_on(agent.report_once());
    assert!(
        matches!(&outcome, ReportOutcome::Queued(why) if why.contains("502")),
        "{outcome:?}"
    );
    assert_eq!(fake.seen().len(), fast().max_attempts as usize);
    assert_eq!(install.spooled(), 1);
    // The collector recovers: both reports go, oldest first, nothing twice.
    fake.set_default(Reply::Ok);
    let first = fake.seen()[0].report_id;
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let stored = fake.stored();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], first);
}

#[test]
fn retry_after_is_honoured() {
    let fake = Fake::start();
    fake.script([Reply::RetryAfter(429, 1), Reply::Ok]);
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    let start = Instant::now();
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_secs(1), "waited only {gap:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.stored().len(), 1);
}

#[test]
fn retry_after_is_capped() {
    let fake = Fake::start();
    // A day's Retry-After is capped by the policy (1 s here), not obeyed blindly.
    fake.script([Reply::RetryAfter(503, 86_400), Reply::Ok]);
    let install = Install::new(&fake.url(), "t", "");
    let mut policy = fast();
    policy.max_retry_after = Duration::from_secs(1);
    let mut agent = install.agent(policy);
    let start = Instant::now();
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn slow_collector_times_out_and_the_retry_is_not_stored_twice() {
    let fake = Fake::start();
    // The first answer comes after the client's timeout, but the collector had stored the report.
    fake.script([Reply::Slow(Duration::from_secs(3)), Reply::Ok]);
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.seen().len(), 2);
    assert_eq!(
        fake.stored().len(),
        1,
        "the redelivery is a duplicate, stored once"
    );
}

#[test]
fn closed_connections_are_retried() {
    let fake = Fake::start();
    fake.script([Reply::Close, Reply::StoreThenClose, Reply::Ok]);
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
    assert_eq!(fake.seen().len(), 3);
    assert_eq!(fake.stored().len(), 1);
    assert_eq!(install.spooled(), 0);
}

#[test]
fn bad_token_is_a_configuration_error_and_not_retried() {
    let fake = Fake::start();
    fake.set_default(Reply::Status(401));
    let install = Install::new(&fake.url(), "revoked", "");
    let mut agent = install.agent(fast());
    let outcome = block_on(agent.report_once());
    assert!(
        matches!(&outcome, ReportOutcome::Refused(why) if why.contains("401") && why.contains("enroll_token")),
        "{outcome:?}"
    );
    assert_eq!(outcome.exit_code(), 1);
    assert_eq!(fake.seen().len(), 1, "no retry on 401");
    assert_eq!(
        install.spooled(),
        1,
        "the report is kept for when the token is fixed"
    );
}

#[test]
fn invalid_report_is_moved_aside_and_the_queue_goes_on() {
    let fake = Fake::start();
    fake.script([Reply::Status(422)]);
    let install = Install::new(&fake.url(), "t", "");
    let mut agent = install.agent(fast());
    assert!(matches!(
        block_on(agent.report_once()),
        ReportOutcome::Refused(_)
    ));
    assert_eq!(fake.seen().len(), 1);
    assert_eq!(install.spooled(), 0);
    assert_eq!(
        std::fs::read_dir(install.spool_dir().join("rejected"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(block_on(agent.report_once()), ReportOutcome::Delivered);
}
