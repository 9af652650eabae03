//! Logging setup. Commands log to standard error so standard output stays the report.

use tracing_subscriber::EnvFilter;

/// Logs warnings (or `RUST_LOG`) to standard error.
pub fn init_stderr() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Its default is an `eprintln!` when a write fails, which panics on a closed stderr.
        .log_internal_errors(false)
        .try_init();
}
