//! The OpenAPI document the collector serves describes its router exactly: every endpoint the
//! router is built from is documented, every documented operation is routed (and answered by the
//! real router), and the acknowledgement and error schemas are the wire types'.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use serde_json::Value;
use sunset_catalog::wire::{self, Ack, AckStatus, ErrorBody, HostStatus};
use sunset_collector::server;
use tower::ServiceExt;

use crate::util::{Backend, start};

/// The operation keys of an OpenAPI path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (method, path) of every operation in the document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().expect("path item");
        for method in item.keys().filter(|k| METHODS.contains(&k.as_str())) {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// The keys of `value`'s JSON object.
fn keys(value: impl serde::Serialize) -> BTreeSet<String> {
    let value = serde_json::to_value(value).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// A request from this machine, with a concrete value for every `{parameter}`.
fn request(method: &str, path: &str) -> Request<Body> {
    let uri: String = path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "00000000-0000-4000-8000-000000000001"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let peer: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_and_the_router_agree() {
    let server = start(&Backend::Sqlite).await;
    let (status, text) = server.get("", wire::path::OPENAPI).await;
    assert_eq!(status, 200, "{text}");
    let document: Value = serde_json::from_str(&text).expect("the document is JSON");
    let documented = operations(&document);
    let routed: BTreeSet<(String, String)> = server::endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unrouted.is_empty(),
        "openapi.json documents operations no route serves: {unrouted:?}"
    );

    // The real router (with its middleware and the dashboard merged in) answers every documented
    // operation, and refuses the methods the document does not list with 405: the table above is
    // the router, not a list beside it.
    let app = server::app(server.state.clone());
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ] {
            let response = app
                .clone()
                .oneshot(request(method.as_str(), path))
                .await
                .unwrap();
            let status = response.status().as_u16();
            if documented.contains(&(method.to_string(), path.clone())) {
                assert!(
                    status != 404 && status != 405,
                    "{method} {path}: documented but answered {status}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path}: not documented");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_schemas_are_the_wire_types() {
    let server = start(&Backend::Sqlite).await;
    let (_, text) = server.get("", wire::path::OPENAPI).await;
    let document: Value = serde_json::from_str(&text).unwrap();
    let schemas = &document["components"]["schemas"];

    let ack = &schemas["Ack"];
    let sent: BTreeSet<String> = AckStatus::SENT
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    assert_eq!(strings(&ack["properties"]["status"]["enum"]), sent);
    let full = Ack {
        status: AckStatus::Accepted,
        report_id: uuid::Uuid::nil(),
        host_id: uuid::Uuid::nil(),
        site: String::new(),
        catalog_version: String::new(),
        host_status: Some(HostStatus::Known(sunset_catalog::Status::Supported)),
        findings: Some(0),
    };
    let duplicate = Ack {
        status: AckStatus::Duplicate,
        host_status: None,
        findings: None,
        ..full.clone()
    };
    let properties: BTreeSet<String> = ack["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(properties, keys(&full), "Ack properties");
    assert_eq!(strings(&ack["required"]), keys(&duplicate), "Ack required");

    let error = &schemas["Error"];
    let with_field = ErrorBody {
        error: String::new(),
        field: Some(String::new()),
    };
    let plain = ErrorBody {
        field: None,
        ..with_field.clone()
    };
    let properties: BTreeSet<String> = error["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(properties, keys(&with_field), "Error properties");
    assert_eq!(strings(&error["required"]), keys(&plain), "Error required");
}
