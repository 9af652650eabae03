//! `sunset-collector`: parse arguments, set up logging, run the command, map the result to an exit
//! code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc serves every allocation of the process, SQLite's included (see Cargo.toml): rows
/// are allocated on sqlx's SQLite thread and freed on the runtime's, which glibc's allocator
/// serialises on its arena locks.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let args = sunset_collector::cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match sunset_collector::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
