//! Helpers: a temporary agent installation (config, state and spool directories, a tiny Linux root to
//! scan), fast retry policies, log capture, and the agent binary.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sunset_agent::config::{self, Config, Overrides};
use sunset_agent::deliver::RetryPolicy;
use sunset_agent::proxy::SystemProxy;
use sunset_agent::service::Agent;

/// The agent binary under test.
pub const AGENT: &str = env!("CARGO_BIN_EXE_sunset-agent");

/// Debian 9: out of support, so the collector has something to find.
pub const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nNAME=\"Debian GNU/Linux\"\n\
VERSION_ID=\"9\"\nVERSION=\"9 (stretch)\"\nID=debian\n";

/// A temporary agent installation.
pub struct Install {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
    pub root: PathBuf,
}

impl Install {
    /// An installation reporting to `url` with `token`, plus extra TOML lines.
    pub fn new(url: &str, token: &str, extra: &str) -> Install {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/os-release"), OS_RELEASE).unwrap();
        let config_path = dir.path().join("agent.toml");
        let install = Install {
            config_path,
            root,
            dir,
        };
        install.write_config(url, token, extra);
        install
    }

    /// Rewrites the configuration.
    pub fn write_config(&self, url: &str, token: &str, extra: &str) {
        let text = format!(
            "collector_url = {url:?}\nenroll_token = {token:?}\nsite = \"Ward 7\"\nstate_dir = {:?}\nspool_dir = {:?}\n{extra}\n",
            self.state_dir(),
            self.spool_dir(),
        );
        std::fs::write(&self.config_path, text).unwrap();
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn spool_dir(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    /// The effective configuration.
    pub fn config(&self) -> Config {
        config::load(Some(&self.config_path), &Overrides::default()).unwrap()
    }

    /// An in-process agent with `policy`, scanning the tiny root.
    pub fn agent(&self, policy: RetryPolicy) -> Agent {
        self.agent_with_proxy(policy, SystemProxy::default())
    }

    /// The same, with these machine proxy settings (as if from the environment and the registry).
    pub fn agent_with_proxy(&self, policy: RetryPolicy, system: SystemProxy) -> Agent {
        let mut config = self.config();
        config.system_proxy = system;
        Agent::new(config, policy)
            .unwrap()
            .with_root(Some(self.root.clone()))
    }

    /// Report files waiting in the spool.
    pub fn spooled(&self) -> usize {
        std::fs::read_dir(self.spool_dir())
            .map(|r| {
                r.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json.gz"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Runs the agent binary with `--config` and these arguments.
    pub fn run_bin(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(AGENT)
            .args(args)
            .arg("--config")
            .arg(&self.config_path)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }
}

/// Retries in milliseconds, short timeouts.
pub fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(700),
    }
}

/// Runs a future on a current-thread runtime, as the agent does.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with warnings and errors captured; returns its result and the log text.
pub fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (result, text)
}

/// Text of a process's output.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
