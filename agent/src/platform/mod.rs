//! The live machine, one module per OS, chosen once here. This is the only place in the agent with
//! platform `cfg`s; every backend exposes the same functions.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::collect_live;

#[cfg(windows)]
pub mod windows;
#[cfg(windows)]
pub use windows::{collect_live, machine_overrides, run_service, terminate_signal, winhttp_proxy};

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::collect_live;

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod unsupported;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub use unsupported::collect_live;

#[cfg(not(windows))]
mod service;
#[cfg(not(windows))]
pub use service::{machine_overrides, run_service, terminate_signal, winhttp_proxy};
