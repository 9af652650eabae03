//! Test harness: start a collector on 127.0.0.1:0 against a fresh database of either back end.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::Value;
use sunset_catalog::inventory::Inventory;
use sunset_collector::catalog_source;
use sunset_collector::clock::Clock;
use sunset_collector::config::{Config, FileConfig, Overrides};
use sunset_collector::db::Db;
use sunset_collector::server;
use sunset_collector::state::{AppState, Shared};
use sunset_collector::store;
use tempfile::TempDir;

/// A client builder for the tests. `cargo test --workspace` builds one reqwest for the collector
/// and the agent, and the agent's `rustls-no-provider` feature then leaves reqwest without a crypto
/// provider: building a client panics unless one is installed first (ring, as the collector's TLS).
pub fn http() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// The back end a test body runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// Server URL (no database name needed; each test creates its own database).
    Postgres(String),
}

/// Environment variable naming a PostgreSQL server for the tests.
pub const POSTGRES_ENV: &str = "SUNSET_TEST_POSTGRES_URL";

/// The PostgreSQL back end. The PostgreSQL variants are `#[ignore]`d (so a plain `cargo test`
/// shows them as ignored, never as passed); run with `--include-ignored`, as `ci/test.sh` does
/// after starting a server, they fail without one.
pub fn postgres() -> Backend {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Backend::Postgres(url),
        _ => panic!(
            "{POSTGRES_ENV} is not set: name a PostgreSQL server the tests may create databases on \
             (ci/test.sh starts one), or leave the PostgreSQL tests ignored"
        ),
    }
}

/// Runs one async test body on SQLite and on PostgreSQL, as two tests.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::util::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set SUNSET_TEST_POSTGRES_URL and run with --include-ignored"]
                async fn postgres() {
                    super::$name(crate::util::postgres()).await;
                }
            }
        )*
    };
}

/// The test catalogue directory shipped with the tests.
pub fn fixture_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog")
}

/// A fresh database URL for the back end (a new PostgreSQL database per call).
pub async fn database_url(backend: &Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => sunset_collector::config::sqlite_url(&dir.join("collector.db")),
        Backend::Postgres(server) => {
            use sqlx::Connection;
            let name = format!("sunset_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(server)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            with_database(server, &name)
        }
    }
}

/// `server` URL with its database replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = &base[scheme_end..];
    let base = match host_part.find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A database at schema version `last`, built by the migrations exactly as shipped (to test what
/// a later migration does to a database of an earlier version).
pub async fn shipped_schema(url: &str, last: i64) -> sqlx::AnyPool {
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    use std::borrow::Cow;
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let shipped: [(i64, &str, &str); 5] = [
        (1, "init", include_str!("../../migrations/0001_init.sql")),
        (
            2,
            "compressed inventories",
            include_str!("../../migrations/0002_inventory_gz.sql"),
        ),
        (
            3,
            "api tokens",
            include_str!("../../migrations/0003_api_tokens.sql"),
        ),
        (
            4,
            "summary roll-up index",
            include_str!("../../migrations/0004_hosts_rollup.sql"),
        ),
        (
            5,
            "organisations",
            include_str!("../../migrations/0005_organisations.sql"),
        ),
    ];
    let migrator = Migrator {
        migrations: Cow::Owned(
            shipped
                .iter()
                .filter(|(v, _, _)| *v <= last)
                .map(|(v, d, sql)| {
                    Migration::new(
                        *v,
                        Cow::Borrowed(d),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    migrator.run(&pool).await.unwrap();
    pool
}

/// A collector running in-process.
pub struct TestServer {
    pub url: String,
    pub state: Shared,
    pub client: reqwest::Client,
    /// The configuration it runs with (kept for [`TestServer::restart`]).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub config: Config,
    _dir: std::sync::Arc<TempDir>,
    pub catalog_dir: PathBuf,
    /// The public key agents would verify the catalogue bundle with (`None`: served unsigned
    /// collector, whose `/api/v1/catalog` answers 503).
    pub catalog_public_key: Option<sunset_catalog::bundle::VerifyingKey>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts a collector with a copy of the fixture catalogue in its own directory, signing its
/// catalogue bundle with a fresh key.
pub async fn start(backend: &Backend) -> TestServer {
    start_with_config(backend, true, |_| {}).await
}

/// Starts a collector; `signed` says whether it gets a `catalog_signing_key_file`.
pub async fn start_with(backend: &Backend, signed: bool) -> TestServer {
    start_with_config(backend, signed, |_| {}).await
}

/// Starts a collector after `tweak` has had its say on the configuration file.
pub async fn start_with_config(
    backend: &Backend,
    signed: bool,
    tweak: impl FnOnce(&mut FileConfig),
) -> TestServer {
    start_with_clock(backend, signed, tweak, Clock::system()).await
}

/// Starts a collector reading the time from `clock` (a test's `ManualClock`).
pub async fn start_with_clock(
    backend: &Backend,
    signed: bool,
    tweak: impl FnOnce(&mut FileConfig),
    clock: Clock,
) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog_dir = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog_dir).expect("catalog dir");
    for entry in std::fs::read_dir(fixture_catalog()).expect("fixture") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, catalog_dir.join(path.file_name().expect("name"))).expect("copy");
    }
    let url = database_url(backend, dir.path()).await;
    let (key_file, catalog_public_key) = if signed {
        let (secret, public) = catalog_source::generate_key_pair();
        let path = dir.path().join("catalog.key");
        std::fs::write(&path, secret).expect("key file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod key");
        }
        let public = sunset_catalog::bundle::decode_verifying_key(&public).expect("public key");
        (Some(path), Some(public))
    } else {
        (None, None)
    };
    let mut file = FileConfig {
        database_url: Some(url),
        catalog_dir: Some(catalog_dir.clone()),
        catalog_signing_key_file: key_file,
        ..FileConfig::default()
    };
    tweak(&mut file);
    let config = Config::resolve(
        file,
        &Overrides {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
            config_file: None,
        },
    )
    .expect("config");
    serve(
        config,
        std::sync::Arc::new(dir),
        catalog_dir,
        catalog_public_key,
        clock,
    )
    .await
}

async fn serve(
    config: Config,
    dir: std::sync::Arc<TempDir>,
    catalog_dir: PathBuf,
    catalog_public_key: Option<sunset_catalog::bundle::VerifyingKey>,
    clock: Clock,
) -> TestServer {
    let db = Db::open(&config).await.expect("database");
    let catalog = catalog_source::load_configured(&config).expect("catalogue");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::with_clock(db, config.clone(), catalog, clock);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run_state = state.clone();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = server::run(run_state, listener, shutdown).await {
            eprintln!("server stopped: {e}");
        }
    });
    TestServer {
        url: format!("http://{addr}"),
        state,
        client: http().build().expect("client"),
        config,
        _dir: dir,
        catalog_dir,
        catalog_public_key,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestServer {
    /// Stops this collector, closes its database, and starts a new one on the same configuration
    /// and database (a restart of the service). Used by the Linux-only durability tests.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub async fn restart(self) -> TestServer {
        let config = self.config.clone();
        self.restart_with(config).await
    }

    /// [`TestServer::restart`] with a changed configuration (collector.toml edited meanwhile).
    pub async fn restart_with(mut self, config: Config) -> TestServer {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(15), task).await;
        }
        self.state.db.close().await;
        serve(
            config,
            self._dir.clone(),
            self.catalog_dir.clone(),
            self.catalog_public_key.take(),
            self.state.clock.clone(),
        )
        .await
    }

    /// A second collector on the same database, configuration and clock, as behind a load
    /// balancer (on SQLite the two share the file, which only PostgreSQL tests should rely on).
    pub async fn second_instance(&self) -> TestServer {
        serve(
            self.config.clone(),
            self._dir.clone(),
            self.catalog_dir.clone(),
            self.catalog_public_key,
            self.state.clock.clone(),
        )
        .await
    }

    /// Builds an organisation tree and its sites through the real administrative functions (as
    /// `org add` and `site add --org` do): `orgs` parents first, then each site of `sites`
    /// (name, its organisation's ODS code). Returns the sites' tokens, in `sites`' order.
    pub async fn org_tree(&self, orgs: &[Org], sites: &[(&str, &str)]) -> Vec<String> {
        use sunset_collector::admin::{self, Admin};
        let (db, op, now) = (&self.state.db, Admin::operator(), self.state.now());
        for (name, kind, parent, ods) in orgs {
            admin::add_org(db, &op, name, *kind, *parent, Some(ods), now)
                .await
                .expect("organisation");
        }
        let mut tokens = Vec::with_capacity(sites.len());
        for (site, org) in sites {
            let (_, token) = admin::add_site(db, &op, site, Some(org), now)
                .await
                .expect("site");
            tokens.push(token);
        }
        tokens
    }

    /// Enrols a site and returns its token.
    pub async fn site(&self, name: &str) -> String {
        store::add_site(&self.state.db, name, None, "test", self.state.now())
            .await
            .expect("site")
            .1
    }

    /// Posts a JSON body with a token.
    pub async fn post_report(&self, token: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/reports", self.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        read(response).await
    }

    /// Posts an inventory.
    pub async fn send(&self, token: &str, inventory: &Inventory) -> (u16, Value) {
        self.post_report(token, serde_json::to_vec(inventory).expect("json"))
            .await
    }

    /// A session cookie for a new user with `role` (created directly, without a password), valid
    /// for an hour by the collector's clock.
    pub async fn session(&self, role: &str) -> String {
        self.session_with_csrf(role).await.0
    }

    /// Reloads the catalogue as the command line does (`catalog reload`).
    pub async fn reload_catalog(&self) -> sunset_collector::reevaluate::ReevaluateReport {
        use sunset_collector::admin::{self, Admin};
        admin::reload_catalog(&self.state, &Admin::operator())
            .await
            .expect("reload")
    }

    /// A session as [`TestServer::session`] makes, with its CSRF token.
    pub async fn session_with_csrf(&self, role: &str) -> (String, String) {
        self.session_on(role, None).await
    }

    /// A session of a new user with `role` granted on the organisation `org` names (`None`: the
    /// root), with its CSRF token.
    pub async fn session_on(&self, role: &str, org: Option<&str>) -> (String, String) {
        let name = format!("{role}-{}", uuid::Uuid::new_v4().simple());
        store::upsert_user(
            &self.state.db,
            &name,
            role.parse().expect("role"),
            org,
            "unused",
            "test",
            self.state.now(),
        )
        .await
        .expect("user");
        let (user, _) = store::user_by_name(&self.state.db, &name)
            .await
            .expect("lookup")
            .expect("user");
        let id = sunset_collector::auth::random_hex();
        let csrf = sunset_collector::auth::random_hex();
        let now = self.state.now();
        store::create_session(
            &self.state.db,
            &user,
            &id,
            &csrf,
            now,
            now + chrono::Duration::hours(1),
        )
        .await
        .expect("session");
        (format!("sunset_session={id}"), csrf)
    }

    /// GET with a session cookie; returns status and body text.
    pub async fn get(&self, cookie: &str, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .header("cookie", cookie)
            .send()
            .await
            .expect("get");
        let status = response.status().as_u16();
        (status, response.text().await.expect("text"))
    }

    /// GET JSON with a session cookie.
    pub async fn get_json(&self, cookie: &str, path: &str) -> Value {
        let (status, text) = self.get(cookie, path).await;
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// Row counts of every table, to prove a rejection changed nothing.
    pub async fn table_counts(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for table in [
            "reports",
            "hosts",
            "findings",
            "host_status_changes",
            "sites",
        ] {
            let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .fetch_one(self.state.db.reader())
                .await
                .expect("count");
            out.push((table.to_string(), sqlx::Row::get::<i64, _>(&row, "n")));
        }
        out
    }
}

/// Status code and JSON body (or `{"text": …}` when not JSON).
pub async fn read(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|_| serde_json::json!({ "text": text }));
    (status, value)
}

/// A small inventory for host `n` (3 of its programs are in the test catalogue).
pub fn inventory(n: u64) -> Inventory {
    sunset_loadgen::fake::inventory(n, 12, "Riverside", Utc::now())
}

/// An organisation to add: name, kind, parent's ODS code (`None`: under the root), ODS code.
pub type Org = (
    &'static str,
    sunset_collector::org::OrgKind,
    Option<&'static str>,
    &'static str,
);

/// The tree the scoped tests share: an ICB (QWE) with two PCNs (Alpha U00001, Bravo U00002) of
/// one practice each (A81001, B81001).
pub const EXAMPLE_ICB: [Org; 5] = {
    use sunset_collector::org::OrgKind::{Icb, Pcn, Practice};
    [
        ("Example ICB", Icb, None, "QWE"),
        ("Alpha PCN", Pcn, Some("QWE"), "U00001"),
        ("Alpha Practice", Practice, Some("U00001"), "A81001"),
        ("Bravo PCN", Pcn, Some("QWE"), "U00002"),
        ("Bravo Practice", Practice, Some("U00002"), "B81001"),
    ]
};

/// Sites of [`EXAMPLE_ICB`]: one at each practice and one of Alpha PCN's own.
pub const EXAMPLE_SITES: [(&str, &str); 3] = [
    ("Alpha Surgery", "A81001"),
    ("Alpha Hub", "U00001"),
    ("Bravo Surgery", "B81001"),
];
