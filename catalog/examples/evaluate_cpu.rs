//! CPU time per iteration of the evaluate bench's workload (`benches/support/estate.rs`), for a
//! shared machine where criterion's wall-clock figures lie. Linux only (reads `/proc/self/stat`).
//!
//! `cargo run --release -p sunset-catalog --example evaluate_cpu -- [ITERATIONS] [INVENTORIES]`
//!
//! Prints CPU seconds per iteration (10,000 inventories × 300 entries by default) and entries per
//! CPU second, and a digest of the JSON of the first 100 evaluations (one per profile) so that two
//! builds can be shown to give byte-identical verdicts; with `DUMP=<dir>` those evaluations are
//! also written there as `<profile>.json`, to diff two builds. Under `valgrind --tool=callgrind`
//! pass a smaller INVENTORIES (1000) and compare instruction counts instead.
#![allow(clippy::unwrap_used)] // a measuring tool: a failure is a panic

#[path = "../benches/support/estate.rs"]
mod estate;

use estate::{ENTRIES, ESTATE, PROFILES};
use sunset_catalog::builtin;
use sunset_catalog::evaluate::{Options, evaluate_with};

/// User plus system CPU time of this process, in seconds (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces: state is the
    // first, utime the 12th and stime the 13th.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().map_or(3, |a| a.parse().unwrap());
    let inventories: usize = args.next().map_or(ESTATE, |a| a.parse().unwrap());
    let catalog = builtin::catalog().unwrap();
    let profiles = estate::profiles();
    let options = Options::new(estate::today());
    let mut findings = 0;
    // FNV-1a over the JSON of one evaluation per profile.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    let dump = std::env::var("DUMP").ok();
    let start = cpu_seconds();
    for iteration in 0..iterations {
        for i in 0..inventories {
            let evaluation = evaluate_with(&profiles[i % PROFILES], &catalog, &options);
            findings += evaluation.findings.len();
            if iteration == 0 && i < PROFILES {
                if let Some(dir) = &dump {
                    std::fs::write(
                        format!("{dir}/{i}.json"),
                        serde_json::to_vec_pretty(&evaluation).unwrap(),
                    )
                    .unwrap();
                }
                for byte in serde_json::to_vec(&evaluation).unwrap() {
                    digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
    }
    let cpu = cpu_seconds() - start;
    let per_iteration = cpu / iterations.max(1) as f64;
    println!(
        "{iterations} iteration(s) of {inventories} inventories x {ENTRIES} entries: \
         {per_iteration:.3} CPU s/iteration, {:.0} entries/CPU s; \
         {findings} findings; JSON digest {digest:016x}",
        (inventories * ENTRIES) as f64 / per_iteration
    );
}
