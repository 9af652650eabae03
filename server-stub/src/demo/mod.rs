//! `sunset-collector demo`: the collector on this machine with a made-up but realistic estate, to
//! look at without agents, a database server or a configuration file.
//!
//! It makes a new SQLite database (in a temporary directory deleted on exit, or in `--data-dir`),
//! fills it through the collector's own paths ([`seed`]): an ICB with its PCNs and practices and
//! an acute trust with its hospitals and wards ([`estate`]), a few hundred Windows and Linux
//! machines with real product names ([`machines`], [`roles`], [`systems`], [`programs`]) reported to the agents' endpoint
//! and judged with the built-in catalogue on the day, accepted risks ([`risks`]) and a year of
//! trend whose past days are synthetic ([`past`]). It then serves on loopback only — a free port
//! unless `--listen` says which — with a user `demo` whose password is generated and shown once,
//! until Ctrl-C, SIGTERM, or the end of its standard input when that is a pipe (a parent process
//! that exits takes the demo with it; `demo < /dev/null &` keeps running).
//!
//! The command line prints what [`prepare`] returns ([`Demo`]); nothing here prints.

mod dice;
mod estate;
mod machines;
mod past;
mod programs;
mod risks;
mod roles;
mod seed;
mod systems;

use std::net::TcpListener;
use std::path::PathBuf;

use chrono::Utc;

pub use seed::{DEMO_USER, Login, Seeded, add_login, seed};

use crate::config::{Config, FileConfig, Overrides, SQLITE_FILE};
use crate::db::Db;
use crate::state::AppState;

/// What `sunset-collector demo` was asked for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Loopback address and port to listen on; a free port on 127.0.0.1 when absent.
    pub listen: Option<String>,
    /// Directory for the database; a temporary one, deleted on exit, when absent.
    pub data_dir: Option<PathBuf>,
    /// About how many hosts; the full estate when absent.
    pub hosts: Option<usize>,
}

/// A demo collector ready to serve.
pub struct Demo {
    /// Where the dashboard is (`http://127.0.0.1:PORT/`).
    pub url: String,
    /// The dashboard login.
    pub login: Login,
    /// What the database holds.
    pub seeded: Seeded,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Whether the data directory is deleted when the demo ends.
    pub temporary: bool,
    config: Config,
    db: Db,
    listener: TcpListener,
    stop: Stop,
    /// Keeps the temporary directory until the demo ends.
    temp_dir: Option<tempfile::TempDir>,
}

/// The full estate's size, the default of `--hosts`.
pub fn full_size() -> usize {
    estate::full_size()
}

/// Makes the database, fills it, binds the port and adds the login: everything but serving.
pub async fn prepare(options: Options) -> anyhow::Result<Demo> {
    let listen = options.listen.unwrap_or_else(|| "127.0.0.1:0".to_string());
    let (data_dir, temp_dir) = match options.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            if dir.join(SQLITE_FILE).exists() {
                anyhow::bail!(
                    "{} already holds a collector database ({SQLITE_FILE}): the demo fills a new \
                     one; give it an empty directory, or leave out --data-dir for a temporary one",
                    dir.display()
                );
            }
            (dir, None)
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("sunset-demo-")
                .tempdir()
                .map_err(|e| anyhow::anyhow!("cannot create a temporary directory: {e}"))?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let file = FileConfig {
        // A demo's database is thrown away: commits need not wait for the disk.
        sqlite_synchronous: Some("normal".to_string()),
        ..FileConfig::default()
    };
    let config = Config::resolve(
        file,
        &Overrides {
            listen: Some(listen),
            data_dir: Some(data_dir.clone()),
            config_file: None,
        },
    )?;
    if !config.listen.ip().is_loopback() {
        anyhow::bail!(
            "--listen {}: the demo serves this machine only (a loopback address such as \
             127.0.0.1:8080), as its password is printed on the terminal",
            config.listen
        );
    }
    let stop = Stop::listen()?;
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let url = format!("http://{}/", listener.local_addr()?);
    let db = Db::open(&config).await?;
    let now = Utc::now();
    let hosts = options.hosts.unwrap_or_else(full_size).max(1);
    let seeded = seed(&db, &config, hosts, now).await?;
    let login = add_login(&db, now).await?;
    Ok(Demo {
        url,
        login,
        seeded,
        temporary: temp_dir.is_some(),
        data_dir,
        config,
        db,
        listener,
        stop,
        temp_dir,
    })
}

impl Demo {
    /// Serves until Ctrl-C, SIGTERM or the end of a piped standard input, then deletes a
    /// temporary data directory.
    pub async fn serve(self) -> anyhow::Result<()> {
        let catalog = crate::catalog_source::load_configured(&self.config)?;
        let state = AppState::new(self.db.clone(), self.config, catalog);
        let result = crate::server::run(state, self.listener, self.stop.wait()).await;
        self.db.close().await;
        drop(self.temp_dir);
        result
    }
}

/// What stops the demo. The signals are listened for from before the login is printed, so one
/// sent as soon as it is read stops the demo cleanly instead of killing it with its default
/// action (which would leave a temporary directory behind).
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    #[cfg(unix)]
    fn listen() -> anyhow::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn listen() -> anyhow::Result<Stop> {
        Ok(Stop {})
    }

    /// Resolves on Ctrl-C or SIGTERM, or when standard input is a pipe and reaches its end.
    async fn wait(mut self) {
        #[cfg(unix)]
        let signalled = async {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        };
        #[cfg(not(unix))]
        let signalled = crate::server::shutdown_signal();
        tokio::select! {
            () = signalled => tracing::info!("signal received: shutting down"),
            () = piped_stdin_closed() => tracing::info!("standard input closed: shutting down"),
        }
    }
}

/// Resolves when standard input is a pipe whose writer has closed it; never otherwise. A plain
/// thread reads it, so a read still blocked at exit cannot hold up the runtime's shutdown.
async fn piped_stdin_closed() {
    if !stdin_is_pipe() {
        return std::future::pending().await;
    }
    let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("demo-stdin".to_string())
        .spawn(move || {
            use std::io::Read;
            let mut stdin = std::io::stdin();
            let mut buffer = [0u8; 512];
            while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
            let _ = closed.send(());
        });
    if spawned.is_err() {
        return std::future::pending().await;
    }
    // A dropped sender (the thread ended some other way) counts as closed too.
    let _ = on_close.await;
}

#[cfg(unix)]
fn stdin_is_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
fn stdin_is_pipe() -> bool {
    false
}
