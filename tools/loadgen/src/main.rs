//! `sunset-loadgen`: sends realistic agent reports (gzip JSON, N software entries each) to a
//! collector over loopback and prints throughput and latency percentiles.
//!
//! Bodies are generated and compressed before the clock starts, so the figures measure the
//! collector, not the generator. Bounded by `--reports`; stops by itself.
//!
//! A developer tool (`tools/loadgen`), never shipped with the collector:
//!
//! ```text
//! cargo build --release -p sunset-loadgen
//! target/release/sunset-loadgen --url http://127.0.0.1:8080 --token sst_… --reports 20000 --concurrency 32
//! ```
//!
//! Give `--url` more than once to spread the reports over several collector instances, as a load
//! balancer would (round robin).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

/// Load generator for the Sunset collector.
#[derive(Debug, Parser)]
struct Args {
    /// Collector base URL (loopback only); repeat for several instances.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: Vec<String>,
    /// Site token.
    #[arg(long)]
    token: Option<String>,
    /// Reports to send in all.
    #[arg(long, default_value_t = 10_000)]
    reports: usize,
    /// Distinct hosts the reports are spread over.
    #[arg(long, default_value_t = 5_000)]
    hosts: u64,
    /// Requests in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Software entries per report.
    #[arg(long, default_value_t = 300)]
    software: usize,
    /// First host number (to fill a database in several runs).
    #[arg(long, default_value_t = 0)]
    first_host: u64,
    /// Print one report's JSON to stdout and exit.
    #[arg(long)]
    dump: bool,
}

fn body(n: u64, software: usize) -> anyhow::Result<Vec<u8>> {
    let inventory = sunset_loadgen::fake::inventory(n, software, "Load test", chrono::Utc::now());
    let json = serde_json::to_vec(&inventory)?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&json)?;
    Ok(encoder.finish()?)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.dump {
        let inventory = sunset_loadgen::fake::inventory(
            args.first_host,
            args.software,
            "Load test",
            chrono::Utc::now(),
        );
        println!("{}", serde_json::to_string_pretty(&inventory)?);
        return Ok(());
    }
    for url in &args.url {
        let host = reqwest::Url::parse(url)?;
        let loopback = matches!(
            host.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        );
        anyhow::ensure!(
            loopback,
            "the load generator only targets loopback addresses"
        );
    }
    let token = args.token.clone().context("--token is required")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args, token))
}

async fn run(args: Args, token: String) -> anyhow::Result<()> {
    eprintln!(
        "generating {} reports with {} software entries…",
        args.reports, args.software
    );
    let started = Instant::now();
    let mut bodies = Vec::with_capacity(args.reports);
    for i in 0..args.reports {
        bodies.push(body(
            args.first_host + (i as u64 % args.hosts.max(1)),
            args.software,
        )?);
    }
    let avg = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len().max(1);
    eprintln!(
        "generated in {:.1?}; average gzip body {avg} bytes",
        started.elapsed()
    );
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(60))
        .build()?;
    let urls: Arc<Vec<String>> = Arc::new(
        args.url
            .iter()
            .map(|u| format!("{}/api/v1/reports", u.trim_end_matches('/')))
            .collect(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, urls, token, bodies, next) = (
            client.clone(),
            urls.clone(),
            token.clone(),
            bodies.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let response = client
                    .post(&urls[i % urls.len()])
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .header("content-encoding", "gzip")
                    .body(body.clone())
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    Ok(r) => {
                        failures += 1;
                        if failures <= 3 {
                            eprintln!(
                                "HTTP {}: {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            );
                        }
                    }
                    Err(e) => {
                        failures += 1;
                        if failures <= 3 {
                            eprintln!("request failed: {e}");
                        }
                    }
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await?;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "sent {} reports ({} ok, {} failed) in {:.2?}: {:.0} reports/s; latency p50 {:.1?} p95 {:.1?} p99 {:.1?} max {:.1?}",
        args.reports,
        latencies.len(),
        failures,
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.95),
        pct(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    anyhow::ensure!(failures == 0, "{failures} report(s) failed");
    Ok(())
}
