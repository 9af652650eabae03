//! The HTTP service: `app(state) -> Router` and `run(listener, shutdown)`.
//!
//! Routes are grouped by who calls them: agents (`ingest`, catalogue download), people and tools
//! (`api`, `web`), and monitoring (`/healthz`, `/metrics`). Background work is in `jobs`, and
//! re-evaluation in `reevaluate`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use sunset_catalog::wire;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::db::Db;
use crate::http::ApiError;
use crate::openapi::{self, Endpoint};
use crate::state::{AppState, Shared};
use crate::{api, ingest, jobs, store, transport, web};

/// The whole HTTP surface.
pub fn app(state: Shared) -> Router {
    let dashboard = web::routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        transport::dashboard_gate,
    ));
    openapi::router(endpoints())
        .merge(dashboard)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            transport::security_headers,
        ))
        .with_state(state)
}

/// Every documented endpoint: agents', tools' and monitoring's (the OpenAPI document lists exactly
/// these; the dashboard is not among them).
pub fn endpoints() -> Vec<Endpoint> {
    let mut all = vec![
        Endpoint::get(wire::path::HEALTHZ, healthz),
        Endpoint::get(wire::path::METRICS, metrics),
    ];
    all.extend(ingest::endpoints());
    all.extend(api::endpoints());
    all
}

/// Ready when the database answers and writes work (after a probe write if they were failing).
async fn healthz(axum::extract::State(state): axum::extract::State<Shared>) -> impl IntoResponse {
    if let Err(failure) = state.db.writable().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not ready: database writes failing since {}: {}\n",
                store::ts(failure.since),
                failure.error
            ),
        );
    }
    match sqlx::query("SELECT 1").execute(state.db.reader()).await {
        Ok(_) => (StatusCode::OK, "ok\n".to_string()),
        Err(e) => {
            error!(error = %e, "health check: database unreachable");
            state.db.health.read_failed(&e);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: database unavailable\n".to_string(),
            )
        }
    }
}

/// Prometheus metrics; with `metrics_token_file`, only for `Authorization: Bearer <that token>`.
async fn metrics(
    axum::extract::State(state): axum::extract::State<Shared>,
    headers: HeaderMap,
) -> axum::response::Response {
    if let Some(path) = &state.config.metrics_token_file {
        let expected = match crate::config::read_secret_file(path) {
            Ok(token) => token,
            Err(e) => {
                error!(error = %e, "metrics: cannot read metrics_token_file");
                return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "metrics token unreadable")
                    .into_response();
            }
        };
        let given = crate::http::bearer(&headers).unwrap_or("");
        if !crate::auth::same(
            &crate::auth::hash_token(given),
            &crate::auth::hash_token(&expected),
        ) {
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, "metrics need the metrics token")
                    .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"sunset-metrics\""),
            );
            return response;
        }
    }
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

/// Loads the configured catalogue, opens (and migrates) the database and serves on `listener` until
/// `shutdown` completes: `sunset-collector serve` without its start-up messages, for tests and
/// embedding.
pub async fn serve(
    config: Config,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let catalog = crate::catalog_source::load_configured(&config)?;
    let db = Db::open(&config).await?;
    run(AppState::new(db, config, catalog), listener, shutdown).await
}

/// Serves until `shutdown` completes, over HTTPS when TLS is configured.
pub async fn run(
    state: Shared,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    transport::warn_at_start(&state.config);
    let background = jobs::spawn(state.clone());
    let tls = state.config.tls.clone();
    let router = app(state).into_make_service_with_connect_info::<SocketAddr>();
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
                .serve(router)
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
