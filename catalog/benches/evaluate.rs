//! Evaluation throughput on a realistic synthetic estate ([`estate`]): 10,000 inventories of 300
//! software entries each. Target: ≥ 1,500,000 entries/s on one core (unloaded). On a shared
//! machine wall time lies; `examples/evaluate_cpu.rs` measures CPU time on the same workload.
//!
//! `cargo bench -p sunset-catalog --bench evaluate`
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

#[path = "support/estate.rs"]
mod estate;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use estate::{ENTRIES, ESTATE, PROFILES};
use sunset_catalog::builtin;
use sunset_catalog::evaluate::{Options, evaluate_with};

fn bench(c: &mut Criterion) {
    let catalog = match builtin::catalog() {
        Ok(catalog) => catalog,
        Err(error) => panic!("built-in catalogue: {error}"),
    };
    let profiles = estate::profiles();
    let options = Options::new(estate::today());
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements((ESTATE * ENTRIES) as u64));
    group.sample_size(10);
    group.bench_function("estate_10000x300", |b| {
        b.iter(|| {
            let mut findings = 0;
            for i in 0..ESTATE {
                findings += evaluate_with(&profiles[i % PROFILES], &catalog, &options)
                    .findings
                    .len();
            }
            findings
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
