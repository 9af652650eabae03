//! The two delivering commands over one pipeline: `report` (scan, queue, deliver once) and `run` (the
//! long-running service that does that every night inside its window).
//!
//! A report is written to the spool before the first attempt to send it, so a crash, a stop or a
//! network failure at any point leaves it queued; the spool is then sent oldest-first, the new report
//! last. `run` sleeps until the next scan (waking at most every [`MAX_NAP`] to re-read the wall clock,
//! because a monotonic sleep does not count the hours a laptop spends suspended) and has one shutdown
//! path: the future passed to [`run`], fed by Ctrl-C and SIGTERM or by the Windows service control
//! handler (`platform::run_service` hands it to the closure it runs). Stopping mid-delivery is safe: the report is still in the spool.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{Local, NaiveDateTime, Utc};
use sunset_catalog::inventory::Inventory;
use uuid::Uuid;

use crate::config::{self, Config, ConfigError, Overrides};
use crate::deliver::{self, Collector, Failure, Flushed, Refusal, RetryPolicy};
use crate::proxy::{SystemProxy, winhttp};
use crate::schedule::Schedule;
use crate::spool::{self, Spool, SpoolError};
use crate::state::{State, StateError};
use crate::{platform, scan, update};

/// Exit codes of `sunset-agent report`.
pub mod exit {
    /// The report (and everything queued before it) was delivered.
    pub const DELIVERED: u8 = 0;
    /// Configuration error, or the collector refused the agent or the report: a person must act.
    pub const CONFIG: u8 = 1;
    /// The collector could not be reached; the report is queued in the spool for the next run.
    pub const QUEUED: u8 = 3;
    /// Not delivered and not queued either (the spool is not writable): the report is lost.
    pub const LOST: u8 = 4;
}

/// Longest single sleep of `run`: the wall clock is re-read at least this often.
pub const MAX_NAP: Duration = Duration::from_secs(10 * 60);
/// While reports are queued, `run` retries them about this often between nightly scans.
pub const SPOOL_RETRY_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The machine-wide configuration overrides: the MSI's registry values on Windows, none elsewhere.
pub fn machine_overrides() -> Result<Overrides, ConfigError> {
    match platform::local_machine()? {
        Some(hklm) => Ok(config::overrides_from(&hklm)?),
        None => Ok(Overrides::default()),
    }
}

/// The machine's proxy settings: the proxy environment variables and, on Windows, the WinHTTP proxy
/// (decoded by shared code from `HKLM`'s 64-bit view). An unreadable WinHTTP value is logged and
/// ignored: the agent then connects as if none were set, which is what WinHTTP itself would do.
pub fn machine_proxy() -> SystemProxy {
    let winhttp = platform::local_machine()
        .map_err(winhttp::ReadError::from)
        .and_then(|hklm| match hklm {
            Some(hklm) => winhttp::read(&hklm),
            None => Ok(None),
        })
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the WinHTTP proxy setting is ignored");
            None
        });
    SystemProxy::detect(winhttp)
}

/// Runs the service until stopped: as a Windows service when the service control manager started
/// the process, otherwise in the foreground until Ctrl-C or SIGTERM.
pub fn run_blocking(config: Config) -> anyhow::Result<()> {
    platform::run_service(Box::new(move |stop| run_until(config, stop)))
}

/// Runs the service in the foreground until Ctrl-C or SIGTERM.
pub fn run_foreground(config: Config) -> anyhow::Result<()> {
    run_until(config, Box::pin(platform::stop_requested()))
}

/// The service's whole life on its own runtime, until `stop` resolves.
fn run_until(config: Config, stop: platform::StopSignal) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let agent = Agent::new(config, RetryPolicy::service())?;
        run(agent, async {
            stop.await;
            tracing::info!("shutdown requested");
        })
        .await;
        Ok::<_, anyhow::Error>(())
    });
    // A scan still running on the blocking pool is abandoned (its report was not queued yet).
    runtime.shutdown_timeout(Duration::from_secs(5));
    result
}

/// The agent cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// State directory.
    #[error(transparent)]
    State(#[from] StateError),
    /// HTTPS client.
    #[error(transparent)]
    Client(#[from] deliver::ClientError),
}

/// What became of one report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportOutcome {
    /// Delivered (with everything queued before it).
    Delivered,
    /// Queued in the spool; the next run sends it.
    Queued(String),
    /// The collector refused the agent (token, URL) or the report: a person must act.
    Refused(String),
    /// Neither delivered nor queued.
    Lost(String),
}

impl ReportOutcome {
    /// The exit code of `sunset-agent report` ([`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            ReportOutcome::Delivered => exit::DELIVERED,
            ReportOutcome::Queued(_) => exit::QUEUED,
            ReportOutcome::Refused(_) => exit::CONFIG,
            ReportOutcome::Lost(_) => exit::LOST,
        }
    }
}

/// A scanned report, queued or not.
#[derive(Debug)]
pub struct Queued {
    /// Its id.
    pub report_id: Uuid,
    /// The gzip body.
    body: Vec<u8>,
    /// Whether it made it into the spool.
    spooled: Result<(), String>,
}

/// The agent: configuration, state, the collector client and the catalogue version in use.
#[derive(Debug)]
pub struct Agent {
    config: Config,
    state: State,
    host_id: Uuid,
    policy: RetryPolicy,
    catalog_version: String,
    root: Option<PathBuf>,
    schedule: Schedule,
    spool_retry: Duration,
}

impl Agent {
    /// Opens the state directory (creating the host id on first use) and sets up HTTPS.
    pub fn new(config: Config, policy: RetryPolicy) -> Result<Agent, SetupError> {
        let state = State::open(&config.state_dir)?;
        let host_id = state.host_id()?;
        // Checked now so a bad CA file or proxy stops the start; built again for each delivery so
        // the idle service holds no TLS roots or connections.
        drop(Collector::new(&config, &policy)?);
        let (catalog_version, _) =
            update::current_version(&state, config.catalog_public_key.as_ref());
        let schedule = Schedule::new(config.schedule_window, host_id);
        Ok(Agent {
            config,
            state,
            host_id,
            policy,
            catalog_version,
            root: None,
            schedule,
            spool_retry: SPOOL_RETRY_INTERVAL,
        })
    }

    /// Scans a mounted root instead of this machine (tests, and inspecting an image).
    pub fn with_root(mut self, root: Option<PathBuf>) -> Agent {
        self.root = root;
        self
    }

    /// Replaces the schedule's catch-up delay (tests).
    pub fn with_catch_up(mut self, min: Duration, spread: Duration) -> Agent {
        self.schedule.catch_up_min = min;
        self.schedule.catch_up_spread = spread;
        self
    }

    /// Replaces how often queued reports are retried between scans (tests).
    pub fn with_spool_retry(mut self, interval: Duration) -> Agent {
        self.spool_retry = interval;
        self
    }

    /// This machine's host id.
    pub fn host_id(&self) -> Uuid {
        self.host_id
    }

    /// The nightly schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The catalogue version in use.
    pub fn catalog_version(&self) -> &str {
        &self.catalog_version
    }

    fn spool(&self) -> Result<Spool, SpoolError> {
        Spool::open(
            &self.config.spool_dir,
            spool::Limits {
                max_reports: self.config.spool_max_reports,
                max_bytes: self.config.spool_max_bytes,
            },
        )
    }

    /// Scans and writes the report to the spool.
    pub async fn scan_and_queue(&self) -> Queued {
        let request = scan::Request {
            root: self.root.clone(),
            host_id: Some(self.host_id),
            host_id_source: Some(crate::state::host_id_source(&self.config.state_dir)),
            site: self.config.site.clone(),
        };
        let inventory: Inventory =
            match tokio::task::spawn_blocking(move || scan::inventory(&request)).await {
                Ok(inventory) => inventory,
                Err(e) => {
                    return Queued {
                        report_id: Uuid::nil(),
                        body: Vec::new(),
                        spooled: Err(format!("the scan failed: {e}")),
                    };
                }
            };
        let report_id = inventory.host.report_id;
        let body = match serde_json::to_vec(&inventory) {
            Ok(json) => deliver::gzip(&json),
            Err(e) => {
                return Queued {
                    report_id,
                    body: Vec::new(),
                    spooled: Err(format!("cannot encode the report: {e}")),
                };
            }
        };
        tracing::info!(report_id = %report_id, software = inventory.software.len(), bytes = body.len(), "scan complete");
        let spooled = self
            .spool()
            .and_then(|spool| spool.push(report_id, &body))
            .map(|_| ())
            .map_err(|e| {
                tracing::error!(error = %e, report_id = %report_id, "cannot queue the report; sending it without a spool");
                e.to_string()
            });
        Queued {
            report_id,
            body,
            spooled,
        }
    }

    /// Delivers the spool (oldest first) and the new report, then updates the catalogue if the
    /// collector has a newer one.
    pub async fn deliver(&mut self, queued: Queued) -> ReportOutcome {
        if queued.body.is_empty() {
            let reason = queued.spooled.err().unwrap_or_default();
            return ReportOutcome::Lost(reason);
        }
        let collector = match Collector::new(&self.config, &self.policy) {
            Ok(collector) => collector,
            Err(e) => {
                let outcome = match queued.spooled {
                    Ok(()) => ReportOutcome::Queued(e.to_string()),
                    Err(spool_error) => ReportOutcome::Lost(format!("{e}; and {spool_error}")),
                };
                tracing::error!(report_id = %queued.report_id, outcome = ?outcome, "cannot set up HTTPS");
                return outcome;
            }
        };
        let flushed = self.flush_spool_with(&collector).await;
        let outcome = match (&queued.spooled, flushed) {
            (Ok(()), Some(f)) => queued_outcome(queued.report_id, &f),
            (Ok(()), None) => ReportOutcome::Queued("the spool could not be read".into()),
            (Err(spool_error), _) => {
                let body = queued.body.clone();
                let result = deliver::with_retries(&self.policy, |_| {
                    let collector = collector.clone();
                    let body = body.clone();
                    let report_id = queued.report_id;
                    async move { collector.send(report_id, &body).await }
                })
                .await;
                match result {
                    Ok(ack) => {
                        self.maybe_update(&collector, Some(ack.catalog_version.as_str()))
                            .await;
                        ReportOutcome::Delivered
                    }
                    Err(Failure::Refused {
                        status, message, ..
                    }) => ReportOutcome::Refused(format!("HTTP {status}: {message}")),
                    Err(e) => ReportOutcome::Lost(format!("{e}; and {spool_error}")),
                }
            }
        };
        match &outcome {
            ReportOutcome::Delivered => {
                tracing::info!(report_id = %queued.report_id, "report delivered")
            }
            ReportOutcome::Queued(why) => {
                tracing::warn!(report_id = %queued.report_id, reason = %why, "report queued")
            }
            ReportOutcome::Refused(why) => {
                tracing::error!(report_id = %queued.report_id, reason = %why, "report refused")
            }
            ReportOutcome::Lost(why) => {
                tracing::error!(report_id = %queued.report_id, reason = %why, "report lost")
            }
        }
        outcome
    }

    /// Scans once and delivers: the `report` command.
    pub async fn report_once(&mut self) -> ReportOutcome {
        let queued = self.scan_and_queue().await;
        self.deliver(queued).await
    }

    /// Sends what is queued; `None` if the spool cannot be read.
    pub async fn flush_spool(&mut self) -> Option<Flushed> {
        match Collector::new(&self.config, &self.policy) {
            Ok(collector) => self.flush_spool_with(&collector).await,
            Err(e) => {
                tracing::error!(error = %e, "cannot set up HTTPS");
                None
            }
        }
    }

    async fn flush_spool_with(&mut self, collector: &Collector) -> Option<Flushed> {
        let spool = match self.spool() {
            Ok(spool) => spool,
            Err(e) => {
                tracing::error!(error = %e, "cannot open the spool");
                return None;
            }
        };
        match deliver::flush(&spool, collector, &self.policy).await {
            Ok(flushed) => {
                self.maybe_update(collector, flushed.catalog_version.as_deref())
                    .await;
                Some(flushed)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the spool");
                None
            }
        }
    }

    /// Whether reports are waiting in the spool.
    fn spool_pending(&self) -> bool {
        self.spool()
            .and_then(|s| s.entries())
            .is_ok_and(|e| !e.is_empty())
    }

    async fn maybe_update(&mut self, collector: &Collector, offered: Option<&str>) {
        let Some(offered) = offered else { return };
        let outcome = update::update(
            collector,
            &self.state,
            self.config.catalog_public_key.as_ref(),
            &self.catalog_version,
            Some(offered),
        )
        .await;
        if let update::Outcome::Updated { to, .. } = outcome {
            self.catalog_version = to;
        }
    }
}

fn queued_outcome(report_id: Uuid, flushed: &Flushed) -> ReportOutcome {
    if flushed.delivered.contains(&report_id) {
        return ReportOutcome::Delivered;
    }
    if flushed.refused.contains(&report_id) {
        return ReportOutcome::Refused("the collector refused the report as invalid".into());
    }
    match &flushed.stopped {
        Some(Failure::Refused {
            status,
            message,
            refusal: Refusal::Configuration,
        }) => ReportOutcome::Refused(format!(
            "HTTP {status}: {message} (check collector_url and enroll_token; the report stays queued)"
        )),
        Some(failure) => ReportOutcome::Queued(failure.to_string()),
        None => ReportOutcome::Queued("not sent".into()),
    }
}

/// The service loop: sleep until the next scan, scan, deliver; retry the spool about hourly while it
/// holds reports; return when `shutdown` resolves.
pub async fn run(mut agent: Agent, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let schedule = *agent.schedule();
    tracing::info!(
        host_id = %agent.host_id(),
        window = %agent.config.schedule_window,
        daily_at = %schedule.time_of_day().format("%H:%M:%S"),
        route = %agent.config.route().map_or_else(|e| format!("unusable proxy: {e}"), |r| r.to_string()),
        "agent running"
    );
    // Remembered in memory too, so an unwritable state directory cannot cause a scan loop.
    let mut last_run: Option<NaiveDateTime> = None;
    loop {
        let stored = agent
            .state
            .last_run()
            .map(|t| t.with_timezone(&Local).naive_local());
        let last = stored.max(last_run);
        let now = Local::now().naive_local();
        let plan = schedule.next_run(now, last);
        let retry_at = agent
            .spool_pending()
            .then(|| now + jittered(agent.spool_retry, agent.host_id));
        let wake = retry_at.map_or(plan.at, |r| r.min(plan.at));
        tracing::info!(next_scan = %plan.at, catch_up = plan.catch_up, retry_spool = ?retry_at, "sleeping");
        tokio::select! {
            () = sleep_until_local(wake) => {}
            () = &mut shutdown => break,
        }
        if Local::now().naive_local() >= plan.at {
            let queued = tokio::select! {
                q = agent.scan_and_queue() => q,
                () = &mut shutdown => break,
            };
            last_run = Some(Local::now().naive_local());
            if let Err(e) = agent.state.set_last_run(Utc::now()) {
                tracing::error!(error = %e, "cannot record the scan time");
            }
            tokio::select! {
                _ = agent.deliver(queued) => {}
                () = &mut shutdown => break,
            }
        } else {
            tokio::select! {
                _ = agent.flush_spool() => {}
                () = &mut shutdown => break,
            }
        }
    }
    tracing::info!("agent stopped");
}

/// `interval` plus up to a quarter more, fixed per host.
fn jittered(interval: Duration, host_id: Uuid) -> chrono::TimeDelta {
    let ms = interval.as_millis() as u64;
    let extra = crate::schedule::host_hash(host_id) % (ms / 4 + 1);
    chrono::TimeDelta::milliseconds((ms + extra) as i64)
}

/// Sleeps until a local wall-clock time, in naps of at most [`MAX_NAP`].
pub async fn sleep_until_local(target: NaiveDateTime) {
    loop {
        let now = Local::now().naive_local();
        let Ok(left) = (target - now).to_std() else {
            return;
        };
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(left.min(MAX_NAP)).await;
    }
}

/// Log files: `agent.log` in the log directory, rotated at 10 MiB, five old files kept.
pub mod log_file {
    use std::fs::{self, File, OpenOptions};
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    /// Size at which the log rotates.
    pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
    /// Old files kept (`agent.log.1` … `agent.log.5`).
    pub const KEEP: u32 = 5;

    /// An appending, size-rotated log file.
    #[derive(Debug)]
    pub struct Rotating {
        dir: PathBuf,
        file: File,
        size: u64,
    }

    impl Rotating {
        /// Opens `dir/agent.log` for appending.
        pub fn open(dir: &Path) -> io::Result<Rotating> {
            fs::create_dir_all(dir)?;
            let path = dir.join("agent.log");
            let file = OpenOptions::new().create(true).append(true).open(&path)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            Ok(Rotating {
                dir: dir.to_path_buf(),
                file,
                size,
            })
        }

        fn rotate(&mut self) -> io::Result<()> {
            let name = |n: u32| self.dir.join(format!("agent.log.{n}"));
            let _ = fs::remove_file(name(KEEP));
            for n in (1..KEEP).rev() {
                let _ = fs::rename(name(n), name(n + 1));
            }
            let current = self.dir.join("agent.log");
            fs::rename(&current, name(1))?;
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&current)?;
            self.size = 0;
            Ok(())
        }
    }

    impl Write for Rotating {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.size + buf.len() as u64 > MAX_BYTES && self.size > 0 {
                // If rotation fails, keep appending rather than lose the message.
                let _ = self.rotate();
            }
            let n = self.file.write(buf)?;
            self.size += n as u64;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.file.flush()
        }
    }
}

/// Logging for `report` and `run`: the configured level (`RUST_LOG` wins), to the rotated file in
/// `log_dir` when `to_file` and a directory is configured, else to standard error (journald adds
/// its own timestamps, so none are written there).
pub fn init_logging(config: &Config, to_file: bool) {
    use std::io::Write as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(config.log_level.as_str()));
    let file = match (&config.log_dir, to_file) {
        (Some(dir), true) => match log_file::Rotating::open(dir) {
            Ok(file) => Some(file),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "sunset-agent: cannot open a log file in {}: {e}; logging to standard error",
                    dir.display()
                );
                None
            }
        },
        _ => None,
    };
    let _ = match file {
        // Never `log_internal_errors`: it `eprintln!`s, which panics (aborts) on a closed stderr.
        Some(file) => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .log_internal_errors(false)
            .try_init(),
        None => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .log_internal_errors(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .without_time()
            .try_init(),
    };
}
