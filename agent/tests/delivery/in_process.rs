//! A real collector, the `sunset-collector` library, serving on 127.0.0.1 from a thread of this test
//! process: no binary to look for in a target directory, so nothing to skip. Management steps (enrol
//! a site, add a user, make a signing key) call the same library functions the collector's commands
//! do; the commands themselves are tested in `server-stub/tests`.
#![allow(dead_code)] // Shared by two test crates, each of which uses part of it.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use sunset_collector::config::{Config, FileConfig, Overrides};
use sunset_collector::db::Db;
use sunset_collector::store;

/// A collector serving one data directory (SQLite inside it); stopped on drop.
pub struct Collector {
    pub url: String,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The collector's configuration for `data`, with `file`'s settings, listening on `listen`.
fn config(data: &Path, file: FileConfig, listen: SocketAddr) -> Config {
    Config::resolve(
        file,
        &Overrides {
            listen: Some(listen.to_string()),
            data_dir: Some(data.to_path_buf()),
            config_file: None,
        },
    )
    .unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Runs `f` on the collector's database for `data`, as a management command would.
fn with_db<T>(data: &Path, f: impl AsyncFnOnce(&Db) -> T) -> T {
    let config = config(data, FileConfig::default(), "127.0.0.1:0".parse().unwrap());
    block_on(async {
        let db = Db::open(&config).await.unwrap();
        let value = f(&db).await;
        db.close().await;
        value
    })
}

impl Collector {
    /// Serves `data` with `file`'s settings on `addr` (a free port when `None`).
    pub fn start(data: &Path, file: FileConfig, addr: Option<SocketAddr>) -> Collector {
        let listener =
            TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap())).unwrap();
        let addr = listener.local_addr().unwrap();
        let config = config(data, file, addr);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) =
                runtime.block_on(sunset_collector::server::serve(config, listener, shutdown))
            {
                panic!("collector stopped: {e:#}");
            }
        });
        // The socket is listening already: requests wait in its backlog until the server runs.
        Collector {
            url: format!("http://{addr}"),
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// Enrols a site; returns its token.
pub fn add_site(data: &Path, name: &str) -> String {
    with_db(data, async |db| {
        store::add_site(db, name, None, "test", chrono::Utc::now())
            .await
            .unwrap()
            .1
    })
}

/// Adds a dashboard user with a password and `role` on the whole estate.
pub fn add_user(data: &Path, name: &str, password: &str, role: &str) {
    let hash = sunset_collector::auth::hash_password(password).unwrap();
    let role = role.parse().unwrap();
    with_db(data, async |db| {
        store::upsert_user(db, name, role, None, &hash, "test", chrono::Utc::now())
            .await
            .unwrap();
    })
}

/// A catalogue signing key pair as `catalog keygen --out PREFIX` writes it: `PREFIX.key` (mode
/// 0600) and `PREFIX.pub`; returns the secret key file and the public key.
pub fn keygen(prefix: &Path) -> (PathBuf, String) {
    let (secret, public) = sunset_collector::catalog_source::generate_key_pair();
    let key = prefix.with_extension("key");
    std::fs::write(&key, secret).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::write(prefix.with_extension("pub"), &public).unwrap();
    (key, public.trim().to_string())
}
