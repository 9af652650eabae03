//! The service glue everywhere but Windows: no machine-wide overrides (the file is the whole
//! configuration), `run` stays in the foreground (systemd or launchd supervise it), and SIGTERM stops it.

use crate::config::{Config, ConfigError, Overrides};

/// No registry here: the configuration file is all there is.
pub fn machine_overrides() -> Result<Overrides, ConfigError> {
    Ok(Overrides::default())
}

/// No WinHTTP here: proxies come from the configuration and the environment.
pub fn winhttp_proxy() -> Option<crate::proxy::winhttp::Settings> {
    None
}

/// Runs the service loop in the foreground.
pub fn run_service(config: Config) -> anyhow::Result<()> {
    crate::service::run_foreground(config)
}

/// Resolves on SIGTERM (how systemd stops a unit); never on platforms without it.
pub async fn terminate_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            terminate.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await;
}
