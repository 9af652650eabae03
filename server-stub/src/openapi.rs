//! The documented HTTP surface: the table of endpoints the router is built from, and the OpenAPI
//! document (`openapi.json`, served at `/api/v1/openapi.json`) that describes them.
//!
//! Agents, tools and monitoring call the collector through [`Endpoint`]s only: each module lists
//! its own (`ingest::endpoints`, `api::endpoints`, `server::endpoints` gathers them with the
//! monitoring ones) and [`router`] registers exactly that list, so the list is the router. A test
//! (`tests/it/openapi.rs`) holds the served document to it both ways, method by method. The
//! dashboard's HTML pages (`web`) are for browsers, not part of the API, and are not in it; their
//! routes are a table of the same type (`web::endpoints`), so `tests/it/scope.rs` can try every
//! route of both.
//!
//! The document itself stays hand-written JSON: its prose, status codes and security schemes are
//! what tools read, and generating it (utoipa) would move all of that into attributes on the
//! handlers while checking no more than the test does.

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};

use crate::state::Shared;

/// The OpenAPI document, as served.
pub const DOCUMENT: &str = include_str!("../openapi.json");

/// One documented operation: a method on a path, and the handler that serves it.
pub struct Endpoint {
    /// The HTTP method (a `GET` also answers `HEAD`, as axum does).
    pub method: Method,
    /// The path, with `{parameter}` segments as both axum and OpenAPI write them.
    pub path: &'static str,
    handler: MethodRouter<Shared>,
}

impl Endpoint {
    /// `GET path`.
    pub fn get<H, T>(path: &'static str, handler: H) -> Endpoint
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        Endpoint {
            method: Method::GET,
            path,
            handler: routing::get(handler),
        }
    }

    /// `POST path`.
    pub fn post<H, T>(path: &'static str, handler: H) -> Endpoint
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        Endpoint {
            method: Method::POST,
            path,
            handler: routing::post(handler),
        }
    }
}

/// The router serving `endpoints` (methods on one path are merged, as axum does).
pub fn router(endpoints: Vec<Endpoint>) -> Router<Shared> {
    endpoints
        .into_iter()
        .fold(Router::new(), |router, endpoint| {
            router.route(endpoint.path, endpoint.handler)
        })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}
