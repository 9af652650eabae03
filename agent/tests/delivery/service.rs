//! The `run` loop in-process: a missed scan is caught up, delivered, and the loop stops on its
//! shutdown signal.

use std::time::{Duration, Instant};

use sunset_agent::service;

use crate::fake::{Fake, dead_port};
use crate::util::{Install, block_on, fast};

#[test]
fn run_catches_up_delivers_and_stops_on_shutdown() {
    let fake = Fake::start();
    let install = Install::new(&fake.url(), "t", "");
    let agent = install
        .agent(fast())
        .with_catch_up(Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    let stop = async {
        while fake.stored().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no report delivered"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    block_on(service::run(agent, stop));
    assert_eq!(fake.stored().len(), 1);
    assert!(install.state_dir().join("last-run").exists());
    // A restart right after does not scan again: the next run is tonight.
    let agent = install.agent(fast());
    block_on(service::run(agent, async {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }));
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn run_retries_the_spool_between_scans() {
    let port = dead_port();
    let install = Install::new(&format!("http://{port}"), "t", "");
    let agent = install
        .agent(fast())
        .with_catch_up(Duration::ZERO, Duration::ZERO)
        .with_spool_retry(Duration::from_millis(300));
    let start = Instant::now();
    let mut fake = None;
    let stop = async {
        // The catch-up scan is queued (collector down); then the collector comes back and the
        // next spool retry, not the next night, delivers it.
        while install.spooled() == 0 {
            assert!(start.elapsed() < Duration::from_secs(20), "nothing queued");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let up = fake.insert(Fake::start_on(port));
        // Stored by the collector, then removed from the spool once the agent reads the
        // acknowledgement: stopping between the two would leave the report queued.
        while up.stored().is_empty() || install.spooled() > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the spool was not retried"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    block_on(service::run(agent, stop));
    assert_eq!(fake.unwrap().stored().len(), 1);
    assert_eq!(install.spooled(), 0);
}
