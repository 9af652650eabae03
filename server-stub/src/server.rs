//! The HTTP service: shared state, `app(state) -> Router`, and `run(listener, shutdown)`.
//!
//! Routes are grouped by who calls them: agents (`ingest`, catalogue download), people and tools
//! (`api`, `web`), and monitoring (`/healthz`, `/metrics`). Background work (re-evaluation on a
//! catalogue change or a new day, retention) lives here too.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use tracing::{error, info, warn};

use crate::catalog_source::LoadedCatalog;
use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::{api, ingest, store, verdict, web};

/// Hosts re-evaluated per transaction.
const REEVALUATE_BATCH: i64 = 200;
/// `meta` key holding the catalogue version the stored verdicts rest on.
pub const META_CATALOG_VERSION: &str = "catalog_version";

/// State shared by every request.
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Configuration in force.
    pub config: Config,
    /// Ingest and latency counters.
    pub metrics: Metrics,
    catalog: RwLock<Arc<LoadedCatalog>>,
    reevaluating: tokio::sync::Mutex<()>,
    /// SQLite only: reports queue here for group commit.
    writer: Option<tokio::sync::mpsc::Sender<Pending>>,
}

/// A report waiting for the group-commit writer, and where to send its outcome.
type Pending = (
    store::IngestJob,
    tokio::sync::oneshot::Sender<Result<store::IngestOutcome, sqlx::Error>>,
);

/// Most reports committed in one SQLite transaction.
const MAX_GROUP_COMMIT: usize = 64;

/// Takes every report waiting (up to [`MAX_GROUP_COMMIT`]) and commits them together, so a burst
/// of reports costs one sync to disk instead of one each. Each is acknowledged after the commit.
async fn group_commit_writer(db: Db, mut queue: tokio::sync::mpsc::Receiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first.0];
        let mut replies = vec![first.1];
        while jobs.len() < MAX_GROUP_COMMIT {
            match queue.try_recv() {
                Ok((job, reply)) => {
                    jobs.push(job);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let results = store::ingest_batch(&db, &jobs).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// The state as handlers see it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// New state.
    /// New state. Must be called inside a Tokio runtime (SQLite starts its writer task).
    pub fn new(db: Db, config: Config, catalog: LoadedCatalog) -> Shared {
        let writer = (db.backend == crate::db::Backend::Sqlite).then(|| {
            let (sender, queue) = tokio::sync::mpsc::channel(1024);
            tokio::spawn(group_commit_writer(db.clone(), queue));
            sender
        });
        Arc::new(AppState {
            db,
            config,
            metrics: Metrics::default(),
            catalog: RwLock::new(Arc::new(catalog)),
            reevaluating: tokio::sync::Mutex::new(()),
            writer,
        })
    }

    /// Stores a report: through the group-commit writer on SQLite, in its own transaction on
    /// PostgreSQL (which groups concurrent commits itself). Returns after commit.
    pub async fn store_report(
        &self,
        job: store::IngestJob,
    ) -> anyhow::Result<store::IngestOutcome> {
        let Some(writer) = &self.writer else {
            return Ok(store::ingest(&self.db, &job).await?);
        };
        let (reply, outcome) = tokio::sync::oneshot::channel();
        writer
            .send((job, reply))
            .await
            .map_err(|_| anyhow::anyhow!("report writer stopped"))?;
        Ok(outcome
            .await
            .map_err(|_| anyhow::anyhow!("report writer stopped"))??)
    }

    /// The catalogue in force.
    pub fn catalog(&self) -> Arc<LoadedCatalog> {
        match self.catalog.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the catalogue.
    pub fn set_catalog(&self, catalog: LoadedCatalog) {
        let catalog = Arc::new(catalog);
        match self.catalog.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }

    /// Today, in UTC.
    pub fn today(&self) -> NaiveDate {
        Utc::now().date_naive()
    }

    /// Hosts last seen before this are stale.
    pub fn stale_cutoff(&self) -> String {
        let days = chrono::Duration::days(i64::from(self.config.stale_days));
        store::ts(Utc::now() - days)
    }

    /// Reloads the catalogue from its source and re-evaluates every host.
    pub async fn reload_catalog(&self) -> anyhow::Result<ReevaluateReport> {
        let config = self.config.clone();
        let loaded =
            tokio::task::spawn_blocking(move || crate::catalog_source::load_configured(&config))
                .await??;
        info!(version = %loaded.version(), origin = %loaded.origin, "catalogue loaded");
        self.set_catalog(loaded);
        self.reevaluate_all().await
    }

    /// Re-evaluates every stored inventory with the current catalogue and today's date.
    pub async fn reevaluate_all(&self) -> anyhow::Result<ReevaluateReport> {
        let _running = self.reevaluating.lock().await;
        let catalog = self.catalog();
        let today = self.today();
        let expiring_days = self.config.expiring_days;
        let mut after = String::new();
        let mut report = ReevaluateReport {
            catalog_version: catalog.version().to_string(),
            ..ReevaluateReport::default()
        };
        loop {
            let page = store::inventories_after(&self.db, &after, REEVALUATE_BATCH).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.clone();
            let task_catalog = catalog.clone();
            let (verdicts, unreadable) = tokio::task::spawn_blocking(move || {
                let mut verdicts = Vec::with_capacity(page.len());
                let mut unreadable = 0;
                for (host_id, stored) in page {
                    let parsed = stored.json().and_then(|json| {
                        serde_json::from_slice(&json).map_err(|e| e.to_string())
                    });
                    match parsed {
                        Ok(inventory) => verdicts.push((
                            host_id,
                            verdict::judge(&inventory, &task_catalog.catalog, today, expiring_days),
                        )),
                        Err(e) => {
                            warn!(host_id = %host_id, error = %e, "stored inventory unreadable; not re-evaluated");
                            unreadable += 1;
                        }
                    }
                }
                (verdicts, unreadable)
            })
            .await?;
            store::apply_verdicts(&self.db, &verdicts, catalog.version(), today, Utc::now())
                .await?;
            report.hosts += verdicts.len();
            report.unreadable += unreadable;
        }
        store::meta_set(&self.db, META_CATALOG_VERSION, catalog.version()).await?;
        store::meta_set(&self.db, "evaluated_on", &today.to_string()).await?;
        info!(hosts = report.hosts, version = %report.catalog_version, "hosts re-evaluated");
        Ok(report)
    }
}

/// What a re-evaluation did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReevaluateReport {
    /// Hosts re-evaluated.
    pub hosts: usize,
    /// Stored inventories that could not be read.
    pub unreadable: usize,
    /// Catalogue version used.
    pub catalog_version: String,
}

/// The whole HTTP surface.
pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(ingest::routes())
        .merge(api::routes())
        .merge(web::routes())
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
    response
}

async fn healthz(axum::extract::State(state): axum::extract::State<Shared>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(&state.db.pool).await {
        Ok(_) => (axum::http::StatusCode::OK, "ok\n"),
        Err(e) => {
            error!(error = %e, "health check: database unreachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n",
            )
        }
    }
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<Shared>,
) -> axum::response::Response {
    let counts = match store::host_status_counts(&state.db).await {
        Ok(counts) => counts,
        Err(e) => {
            error!(error = %e, "metrics: cannot count hosts");
            Vec::new()
        }
    };
    let body = state.metrics.render(&counts, state.catalog().version());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Re-evaluates when the stored verdicts rest on another catalogue or an earlier day, then keeps
/// checking once a minute (so "expiring" becomes "unsupported" on the right day) and applies
/// retention once an hour.
pub fn spawn_background(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut minutes = 0u64;
        loop {
            tick.tick().await;
            if let Err(e) = reevaluate_if_stale(&state).await {
                error!(error = %e, "re-evaluation failed");
            }
            if minutes.is_multiple_of(60) {
                let days = chrono::Duration::days(i64::from(state.config.retention_days));
                match store::purge(&state.db, Utc::now() - days).await {
                    Ok(0) => {}
                    Ok(n) => info!(rows = n, "retention: old records deleted"),
                    Err(e) => error!(error = %e, "retention purge failed"),
                }
            }
            minutes += 1;
        }
    })
}

async fn reevaluate_if_stale(state: &Shared) -> anyhow::Result<()> {
    let stored = store::meta_get(&state.db, META_CATALOG_VERSION).await?;
    let day = store::meta_get(&state.db, "evaluated_on").await?;
    let today = state.today().to_string();
    if let Some(stored) = &stored
        && stored != state.catalog().version()
    {
        // Another process (`catalog reload`, another collector) re-evaluated with a different
        // catalogue: read ours again rather than flip every host back to the old verdicts.
        let config = state.config.clone();
        let loaded =
            tokio::task::spawn_blocking(move || crate::catalog_source::load_configured(&config))
                .await??;
        let already_done = loaded.version() == stored && day.as_deref() == Some(today.as_str());
        info!(version = %loaded.version(), "catalogue re-read after a change by another process");
        state.set_catalog(loaded);
        if already_done {
            return Ok(());
        }
    }
    if stored.as_deref() != Some(state.catalog().version())
        || day.as_deref() != Some(today.as_str())
    {
        state.reevaluate_all().await?;
    }
    Ok(())
}

/// Serves until `shutdown` completes, over HTTPS when TLS is configured.
pub async fn run(
    state: Shared,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let background = spawn_background(state.clone());
    let tls = state.config.tls.clone();
    let router = app(state);
    listener.set_nonblocking(true)?;
    let result = match tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(anyhow::Error::from)
        }
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert_file, &tls.key_file)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "tls: cannot load {} / {}: {e}",
                            tls.cert_file.display(),
                            tls.key_file.display()
                        )
                    })?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            axum_server::from_tcp_rustls(listener, config)
                .handle(handle)
                .serve(router.into_make_service())
                .await
                .map_err(anyhow::Error::from)
        }
    };
    background.abort();
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    info!("shutting down");
}
