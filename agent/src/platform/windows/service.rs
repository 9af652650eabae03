//! Windows glue for `sunset-agent run`: the service control handler and the registry hook for the
//! MSI's configuration values. Thin on purpose: the loop is [`crate::service::run`] and the override
//! rules are [`crate::config::overrides_from`], both tested on Linux; this file only connects them to
//! the service control manager and the live registry.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use windows_service::service::{
    ServiceControl, ServiceControlAccept, ServiceExitCode, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::{define_windows_service, service_dispatcher};

use super::registry::{LiveKey, View};
use crate::config::{self, Config, ConfigError, Overrides};
use crate::deliver::RetryPolicy;
use crate::proxy::winhttp;
use crate::service::{Agent, run_foreground};

/// The service name the MSI installs (`ServiceInstall/@Name`).
pub const SERVICE_NAME: &str = "SunsetAgent";
/// `ERROR_FAILED_SERVICE_CONTROLLER_CONNECT`: the process was not started by the SCM.
const NOT_A_SERVICE: i32 = 1063;

/// The configuration handed from `main` to the service entry point (the SCM calls it on its own
/// thread, with no way to pass data).
static CONFIG: Mutex<Option<Config>> = Mutex::new(None);

/// The values under `HKLM\SOFTWARE\Sunset\Agent`, read from the 64-bit view.
pub fn machine_overrides() -> Result<Overrides, ConfigError> {
    let hklm = LiveKey::local_machine(View::Native64)?;
    Ok(config::overrides_from(&hklm)?)
}

/// The machine's WinHTTP proxy (`netsh winhttp`), from the 64-bit view; decoding is shared code
/// (`crate::proxy::winhttp`). An unreadable value is logged and ignored: the agent then connects as if
/// none were set, which is what WinHTTP itself would do.
pub fn winhttp_proxy() -> Option<winhttp::Settings> {
    let read = LiveKey::local_machine(View::Native64)
        .map_err(winhttp::ReadError::from)
        .and_then(|hklm| winhttp::read(&hklm));
    match read {
        Ok(settings) => settings,
        Err(e) => {
            tracing::warn!(error = %e, "the WinHTTP proxy setting is ignored");
            None
        }
    }
}

/// Runs as a service when started by the SCM, else in the foreground (Ctrl-C stops it).
pub fn run(config: Config) -> anyhow::Result<()> {
    match CONFIG.lock() {
        Ok(mut slot) => *slot = Some(config.clone()),
        Err(poisoned) => *poisoned.into_inner() = Some(config.clone()),
    }
    match service_dispatcher::start(SERVICE_NAME, ffi_service_main) {
        Ok(()) => Ok(()),
        Err(windows_service::Error::Winapi(e)) if e.raw_os_error() == Some(NOT_A_SERVICE) => {
            run_foreground(config)
        }
        Err(e) => Err(anyhow::anyhow!("cannot start the service dispatcher: {e}")),
    }
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    let config = match CONFIG.lock() {
        Ok(mut slot) => slot.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    let Some(config) = config else {
        tracing::error!("service started without a configuration");
        return;
    };
    let stop = Arc::new(Notify::new());
    let on_control = {
        let stop = Arc::clone(&stop);
        move |control| match control {
            ServiceControl::Stop | ServiceControl::Shutdown | ServiceControl::Preshutdown => {
                tracing::info!(?control, "service stop requested");
                stop.notify_one();
                ServiceControlHandlerResult::NoError
            }
            ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
            _ => ServiceControlHandlerResult::NotImplemented,
        }
    };
    let status = match service_control_handler::register(SERVICE_NAME, on_control) {
        Ok(handle) => handle,
        Err(e) => {
            tracing::error!(error = %e, "cannot register the service control handler");
            return;
        }
    };
    let report = |state: ServiceState, exit: u32| {
        let accepted = if state == ServiceState::Running {
            ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN
        } else {
            ServiceControlAccept::empty()
        };
        let result = status.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accepted,
            exit_code: if exit == 0 {
                ServiceExitCode::Win32(0)
            } else {
                ServiceExitCode::ServiceSpecific(exit)
            },
            checkpoint: 0,
            wait_hint: Duration::from_secs(10),
            process_id: None,
        });
        if let Err(e) = result {
            tracing::error!(error = %e, ?state, "cannot report the service status");
        }
    };
    report(ServiceState::Running, 0);
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            let result = runtime.block_on(async {
                let agent = Agent::new(config, RetryPolicy::service())?;
                crate::service::run(agent, stop.notified()).await;
                Ok::<_, anyhow::Error>(())
            });
            runtime.shutdown_timeout(Duration::from_secs(5));
            result
        });
    match outcome {
        Ok(()) => report(ServiceState::Stopped, 0),
        Err(e) => {
            tracing::error!(error = %e, "the agent service failed");
            report(ServiceState::Stopped, 1);
        }
    }
}
