//! The collector as the agent talks to it: one HTTPS client (rustls, verification always on, the
//! system's roots plus an optional private CA; the route decided once by `crate::proxy`), the
//! report and catalogue endpoints joined to the configured URL, and response bodies read up to a
//! bound.

use std::io::Write;

use sunset_catalog::wire;

use super::attempt::{Attempt, classify, parse_retry_after};
use super::retry::RetryPolicy;
use crate::config::Config;
use crate::proxy::Route;

/// Largest acknowledgement or error body read.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Cannot build the HTTP client (bad CA file, bad proxy): a configuration error.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up HTTPS to the collector: {0}")]
pub struct ClientError(String);

/// The collector, as the agent talks to it.
#[derive(Clone, Debug)]
pub struct Collector {
    client: reqwest::Client,
    reports: reqwest::Url,
    catalog: reqwest::Url,
    token: crate::config::Secret,
}

impl Collector {
    /// Builds the HTTPS client from the configuration.
    pub fn new(config: &Config, policy: &RetryPolicy) -> Result<Collector, ClientError> {
        // ring: cross-builds for Windows without cmake. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("sunset-agent/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .https_only(config.collector_url.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1);
        if let Some(ca_file) = &config.ca_file {
            let pem = std::fs::read(ca_file)
                .map_err(|e| ClientError(format!("ca_file {}: {e}", ca_file.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ClientError(format!("ca_file {}: {e}", ca_file.display())))?;
            builder = builder.tls_certs_merge(certs);
        }
        // The route is decided once (crate::proxy); reqwest's own environment and system lookups are
        // off either way, so what `config check` shows is what is used.
        let route = config
            .route()
            .map_err(|e| ClientError(format!("proxy: {e}")))?;
        builder = match &route {
            Route::Via { proxy, .. } => {
                builder.proxy(reqwest::Proxy::all(proxy.as_str()).map_err(|e| {
                    ClientError(format!("proxy {}: {e}", crate::proxy::mask(proxy.as_str())))
                })?)
            }
            Route::Direct { .. } => builder.no_proxy(),
        };
        tracing::debug!(%route, "route to the collector");
        let client = builder.build().map_err(|e| ClientError(format!("{e:#}")))?;
        let base = with_trailing_slash(&config.collector_url);
        // Relative to the base, so a collector served under a path prefix works.
        let join = |path: &str| {
            base.join(path.trim_start_matches('/'))
                .map_err(|e| ClientError(format!("collector_url: {e}")))
        };
        Ok(Collector {
            client,
            reports: join(wire::path::REPORTS)?,
            catalog: join(wire::path::CATALOG)?,
            token: config.enroll_token.clone(),
        })
    }

    /// The catalogue endpoint.
    pub fn catalog_url(&self) -> &reqwest::Url {
        &self.catalog
    }

    /// One attempt to deliver the gzip body of report `report_id`.
    pub async fn send(&self, report_id: uuid::Uuid, gzip_body: &[u8]) -> Attempt {
        let request = self
            .client
            .post(self.reports.clone())
            .bearer_auth(self.token.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_ENCODING, "gzip")
            .body(gzip_body.to_vec());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    reason: describe(&e),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = match read_bounded(response, MAX_RESPONSE_BYTES).await {
            Ok(body) => body,
            Err(e) => {
                return Attempt::Retry {
                    reason: format!("HTTP {status}, then {e}"),
                    retry_after,
                };
            }
        };
        classify(status.as_u16(), &body, retry_after, report_id)
    }

    /// Downloads the catalogue bundle (at most `max_bytes`).
    pub async fn fetch_catalog(&self, max_bytes: usize) -> Result<Vec<u8>, String> {
        let response = self
            .client
            .get(self.catalog.clone())
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        read_bounded(response, max_bytes).await
    }
}

async fn read_bounded(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(format!("response larger than {max} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(describe(&e)),
        }
    }
}

/// A reqwest error with its causes (reqwest's own Display hides the interesting part).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn with_trailing_slash(url: &reqwest::Url) -> reqwest::Url {
    let mut url = url.clone();
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

/// Gzips a report body.
pub fn gzip(json: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(json);
    encoder.finish().unwrap_or_default()
}
