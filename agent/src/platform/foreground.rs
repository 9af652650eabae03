//! The service glue everywhere but Windows: no machine-wide registry (the configuration file is
//! the whole configuration), and the service runs in the foreground (systemd or launchd supervise
//! it) until Ctrl-C or SIGTERM.

use crate::registry::{Key, RegistryError, Value};

use super::{Service, StopSignal};

/// No registry here: the configuration file is all there is.
pub fn local_machine() -> Result<Option<impl Key>, RegistryError> {
    Ok(None::<NoRegistry>)
}

/// Runs the service in the foreground until Ctrl-C or SIGTERM.
pub fn run_service(service: Service) -> anyhow::Result<()> {
    let stop: StopSignal = Box::pin(stop_requested());
    service(stop)
}

/// Resolves on Ctrl-C or SIGTERM (how systemd stops a unit). Needs a Tokio runtime when polled.
pub async fn stop_requested() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Ok(mut terminate) = signal(SignalKind::terminate()) {
                terminate.recv().await;
                return;
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// The registry of a platform without one: no value of this type exists.
enum NoRegistry {}

impl Key for NoRegistry {
    fn open(&self, _path: &str) -> Result<Option<Self>, RegistryError> {
        match *self {}
    }

    fn subkeys(&self) -> Result<Vec<String>, RegistryError> {
        match *self {}
    }

    fn value(&self, _name: &str) -> Result<Option<Value>, RegistryError> {
        match *self {}
    }
}
