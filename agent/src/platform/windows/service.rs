//! Windows glue for `sunset-agent run`: the service control handler. Thin on purpose: it runs the
//! service closure it is handed (the loop in `crate::service`, tested on Linux) and turns the
//! service control manager's Stop and Shutdown into the closure's stop signal.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use windows_service::service::{
    ServiceControl, ServiceControlAccept, ServiceExitCode, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::{define_windows_service, service_dispatcher};

use crate::platform::{Service, StopSignal};

/// The service name the MSI installs (`ServiceInstall/@Name`).
pub const SERVICE_NAME: &str = "SunsetAgent";
/// `ERROR_FAILED_SERVICE_CONTROLLER_CONNECT`: the process was not started by the SCM.
const NOT_A_SERVICE: i32 = 1063;

/// The service handed from `run` to the service entry point (the SCM calls it on its own thread,
/// with no way to pass data).
static SERVICE: Mutex<Option<Service>> = Mutex::new(None);

/// Runs `service` as a Windows service when started by the SCM, else in the foreground (Ctrl-C
/// stops it).
pub fn run(service: Service) -> anyhow::Result<()> {
    match SERVICE.lock() {
        Ok(mut slot) => *slot = Some(service),
        Err(poisoned) => *poisoned.into_inner() = Some(service),
    }
    match service_dispatcher::start(SERVICE_NAME, ffi_service_main) {
        Ok(()) => Ok(()),
        Err(windows_service::Error::Winapi(e)) if e.raw_os_error() == Some(NOT_A_SERVICE) => {
            let service = match SERVICE.lock() {
                Ok(mut slot) => slot.take(),
                Err(poisoned) => poisoned.into_inner().take(),
            };
            match service {
                Some(service) => service(Box::pin(stop_requested())),
                None => Err(anyhow::anyhow!("the service was already started")),
            }
        }
        Err(e) => Err(anyhow::anyhow!("cannot start the service dispatcher: {e}")),
    }
}

/// Resolves on Ctrl-C: a Windows service is stopped through the service control manager, and a
/// foreground run by Ctrl-C. Needs a Tokio runtime when polled.
pub async fn stop_requested() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

define_windows_service!(ffi_service_main, service_main);

fn service_main(_arguments: Vec<OsString>) {
    let service = match SERVICE.lock() {
        Ok(mut slot) => slot.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    let Some(service) = service else {
        tracing::error!("service started without anything to run");
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
    let stop: StopSignal = Box::pin(async move { stop.notified().await });
    let outcome = service(stop);
    match outcome {
        Ok(()) => report(ServiceState::Stopped, 0),
        Err(e) => {
            tracing::error!(error = %e, "the agent service failed");
            report(ServiceState::Stopped, 1);
        }
    }
}
