//! The live machine, one module per OS, chosen once here. This is the only place in the agent with
//! platform `cfg`s, and every backend exposes the same names:
//!
//! - `collect_live() -> Collected`: this machine's inventory, read by handing live keys and paths
//!   to the shared collectors in [`crate::inventory`];
//! - `local_machine()`: the machine-wide registry (`HKLM`) behind [`crate::registry::Key`], `None`
//!   where there is none;
//! - `run_service(service)`: runs the closure it is handed as the OS runs services (the Windows
//!   service control manager, or the foreground under systemd/launchd), with a [`StopSignal`];
//! - `stop_requested()`: resolves when the OS asks a foreground process to stop.
//!
//! The layer sits below everything that decides: it imports only the shared code it hands data to
//! (`inventory`, `registry`, `probe`) and never `service`, `scan`, `config` or `deliver`.

use std::future::Future;
use std::pin::Pin;

/// Resolves when the service is asked to stop (service control manager Stop, Ctrl-C, SIGTERM).
pub type StopSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What `run_service` runs: the service's whole life, until the stop signal it is given resolves.
pub type Service = Box<dyn FnOnce(StopSignal) -> anyhow::Result<()> + Send>;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::collect_live;

#[cfg(windows)]
pub mod windows;
#[cfg(windows)]
pub use windows::{collect_live, local_machine, run_service, stop_requested};

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::collect_live;

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod unsupported;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub use unsupported::collect_live;

#[cfg(not(windows))]
mod foreground;
#[cfg(not(windows))]
pub use foreground::{local_machine, run_service, stop_requested};
