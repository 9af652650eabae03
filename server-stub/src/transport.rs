//! What depends on how the collector is reached: security headers on every response (HSTS when
//! serving TLS, `Cache-Control: no-store` unless a handler says otherwise, so authenticated pages
//! and exports are never kept by a browser or proxy), and the dashboard over plain HTTP.
//!
//! The dashboard's session cookie is `Secure`: a browser keeps it over HTTPS or on localhost only.
//! Over plain HTTP on a network address the login therefore cannot work, so the dashboard answers
//! other machines with a page that says why, unless `dashboard_over_plain_http = true` (a
//! TLS-terminating proxy in front). Agents and the JSON API are not affected.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::config::Config;
use crate::state::Shared;

/// HSTS: a year, as browsers' preload lists expect.
const HSTS: &str = "max-age=31536000";

/// Headers every response gets.
pub async fn security_headers(
    State(state): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.tls.is_some() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// Whether the dashboard is refused to this peer: plain HTTP, not from this machine, and not
/// allowed by the configuration.
pub fn dashboard_refused(config: &Config, peer: Option<SocketAddr>) -> bool {
    config.tls.is_none()
        && !config.dashboard_over_plain_http
        && !peer.is_some_and(|p| p.ip().is_loopback() || p.ip().to_canonical().is_loopback())
}

/// Middleware on the dashboard's routes: see the module documentation.
pub async fn dashboard_gate(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    if !dashboard_refused(&state.config, peer) {
        return next.run(request).await;
    }
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="en" { head { meta charset="utf-8"; title { "Use HTTPS — Sunset" } }
        body { main {
            h1 { "The dashboard needs HTTPS" }
            p { "This collector serves plain HTTP on a network address. Browsers keep the login \
                 cookie only over HTTPS, so logging in here would fail, and passwords would cross \
                 the network in clear." }
            p { "Administrator: configure " code { "[tls]" } " in collector.toml, or put a \
                 TLS-terminating proxy in front and set " code { "dashboard_over_plain_http = true" }
                ". On the collector itself the dashboard works at http://127.0.0.1." }
        } } }
    };
    (StatusCode::FORBIDDEN, Html(page.into_string())).into_response()
}

/// Start-up warning for a plain-HTTP listener on a network address.
pub fn warn_at_start(config: &Config) {
    if config.tls.is_none() && !config.listen.ip().is_loopback() {
        if config.dashboard_over_plain_http {
            tracing::warn!(listen = %config.listen, "serving plain HTTP on a network address with dashboard_over_plain_http = true: browsers must reach the dashboard through an HTTPS proxy");
        } else {
            tracing::warn!(listen = %config.listen, "serving plain HTTP on a network address: agents and the API are served, the dashboard only to this machine; configure [tls] to serve it to others");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides};

    #[test]
    fn the_dashboard_is_refused_to_other_machines_over_plain_http_only() {
        let plain = Config::resolve(FileConfig::default(), &Overrides::default()).unwrap();
        let lan: SocketAddr = "192.0.2.7:50000".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:50000".parse().unwrap();
        assert!(dashboard_refused(&plain, Some(lan)));
        assert!(dashboard_refused(&plain, None));
        assert!(!dashboard_refused(&plain, Some(local)));
        assert!(!dashboard_refused(&plain, Some(mapped)));
        let allowed = Config {
            dashboard_over_plain_http: true,
            ..plain.clone()
        };
        assert!(!dashboard_refused(&allowed, Some(lan)));
        let tls = Config {
            tls: Some(crate::config::TlsConfig {
                cert_file: "c".into(),
                key_file: "k".into(),
            }),
            ..plain
        };
        assert!(!dashboard_refused(&tls, Some(lan)));
    }

    /// Issue 11.9: plain HTTP on a network address is said out loud at start-up.
    #[test]
    fn plain_http_on_a_network_address_is_warned_about() {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let logged = |listen: &str| {
            let buffer = Buffer::default();
            let writer = buffer.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            let config = Config::resolve(
                FileConfig::default(),
                &Overrides {
                    listen: Some(listen.into()),
                    ..Overrides::default()
                },
            )
            .unwrap();
            tracing::subscriber::with_default(subscriber, || warn_at_start(&config));
            String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
        };
        assert!(logged("0.0.0.0:8080").contains("plain HTTP on a network address"));
        assert!(logged("127.0.0.1:8080").is_empty());
    }
}
