//! `POST /api/v1/reports`: what is stored, what is refused, and that refusals change nothing.

use std::io::Write;

use crate::util::{Backend, inventory, start};

backend_tests!(
    happy_path_stores_host_and_findings,
    duplicate_report_is_acknowledged_once,
    wrong_and_revoked_tokens_are_refused,
    malformed_json_is_400,
    oversize_body_is_413,
    gzip_bomb_is_413_and_gzip_reports_are_accepted,
    absurd_field_lengths_are_422,
    older_report_does_not_replace_newer_inventory,
    inventories_are_stored_compressed_and_old_text_ones_still_read,
    findings_follow_each_report_and_keep_their_history,
    only_a_write_transaction_can_write,
    a_stored_value_that_does_not_decode_is_an_error,
);

async fn happy_path_stores_host_and_findings(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside Surgery").await;
    let inv = inventory(1); // Windows 10 22H2 + Python 2.7: unsupported.
    let (status, ack) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["status"], "accepted");
    assert_eq!(ack["catalog_version"], "test-1");
    assert_eq!(ack["site"], "Riverside Surgery");
    assert_eq!(ack["host_status"], "unsupported");

    let cookie = server.session("viewer").await;
    let hosts = server.get_json(&cookie, "/api/v1/hosts").await;
    assert_eq!(hosts["total"], 1);
    let host = &hosts["hosts"][0];
    assert_eq!(host["hostname"], "WKS-00001");
    assert_eq!(host["status"], "unsupported");
    assert_eq!(host["os_status"], "unsupported");
    assert_eq!(host["site"], "Riverside Surgery");

    let findings = server
        .get_json(&cookie, "/api/v1/findings?status=unsupported")
        .await;
    let products: Vec<&str> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["product_id"].as_str().unwrap())
        .collect();
    assert!(
        products.contains(&"windows") && products.contains(&"python"),
        "{products:?}"
    );

    let detail = server
        .get_json(&cookie, &format!("/api/v1/hosts/{}", inv.host.host_id))
        .await;
    assert_eq!(detail["inventory"]["host"]["hostname"], "WKS-00001");
    assert_eq!(detail["history"][0]["new_status"], "unsupported");

    let summary = server.get_json(&cookie, "/api/v1/summary").await;
    assert_eq!(summary["summary"]["hosts"], 1);
    assert_eq!(summary["summary"]["hosts_unsupported_os"], 1);

    let metrics = server
        .client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sunset_reports_stored_total{outcome=\"accepted\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sunset_hosts{status=\"unsupported\"} 1"),
        "{metrics}"
    );
    let health = server
        .client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    let bundle = server
        .client
        .get(format!("{}/api/v1/catalog", server.url))
        .send()
        .await
        .unwrap();
    let bundle = sunset_catalog::bundle::Bundle::parse_and_verify(
        &bundle.bytes().await.unwrap(),
        server.catalog_public_key.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(bundle.version(), "test-1");
    assert_eq!(bundle.files()[0].name, "catalog.toml");
}

async fn duplicate_report_is_acknowledged_once(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let inv = inventory(2);
    let (status, first) = server.send(&token, &inv).await;
    assert_eq!((status, first["status"].as_str()), (200, Some("accepted")));
    let before = server.table_counts().await;
    let (status, again) = server.send(&token, &inv).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["catalog_version"], "test-1");
    assert_eq!(server.table_counts().await, before);
}

async fn wrong_and_revoked_tokens_are_refused(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let before = server.table_counts().await;
    let (status, body) = server.send("sst_not-a-token", &inventory(3)).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].as_str().unwrap().contains("token"));
    let response = server
        .client
        .post(format!("{}/api/v1/reports", server.url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        sunset_collector::store::revoke_site(
            &server.state.db,
            "Riverside",
            "test",
            chrono::Utc::now()
        )
        .await
        .unwrap()
    );
    let (status, _) = server.send(&token, &inventory(3)).await;
    assert_eq!(status, 401);
    assert_eq!(server.table_counts().await, before);
}

async fn malformed_json_is_400(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    server.send(&token, &inventory(4)).await;
    let before = server.table_counts().await;
    let (status, body) = server
        .post_report(&token, "{\"schema_version\": 1, \"host\": ")
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );
    // Valid JSON, not an inventory: 422 naming the field.
    let (status, body) = server
        .post_report(&token, "{\"schema_version\": 1, \"host\": {}, \"os\": {}}")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "host", "{body}");
    assert_eq!(server.table_counts().await, before);
}

async fn oversize_body_is_413(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let before = server.table_counts().await;
    let max = server.state.config.limits.max_body_bytes;
    let body = vec![b' '; max + 1];
    let (status, body) = server.post_report(&token, body).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(server.table_counts().await, before);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

async fn gzip_bomb_is_413_and_gzip_reports_are_accepted(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let post_gzip = |body: Vec<u8>| {
        server
            .client
            .post(format!("{}/api/v1/reports", server.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body)
            .send()
    };
    let inv = inventory(5);
    let (status, ack) = crate::util::read(
        post_gzip(gzip(&serde_json::to_vec(&inv).unwrap()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, ack["status"].as_str()),
        (200, Some("accepted")),
        "{ack}"
    );
    let before = server.table_counts().await;
    // 64 MiB of spaces compresses to ~64 KiB: far under the wire limit, far over the decompressed one.
    let bomb = gzip(&vec![b' '; 64 * 1024 * 1024]);
    assert!(bomb.len() < server.state.config.limits.max_body_bytes);
    let (status, body) = crate::util::read(post_gzip(bomb).await.unwrap()).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("decompressed"),
        "{body}"
    );
    let (status, _) = crate::util::read(post_gzip(b"not gzip".to_vec()).await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(server.table_counts().await, before);
}

async fn absurd_field_lengths_are_422(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    server.send(&token, &inventory(6)).await;
    let before = server.table_counts().await;
    let mut inv = inventory(6);
    inv.host.report_id = uuid::Uuid::new_v4();
    inv.software[3].name = "A".repeat(100_000);
    let (status, body) = server.send(&token, &inv).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "software[3].name");
    let mut inv = inventory(6);
    inv.host.report_id = uuid::Uuid::new_v4();
    let entry = inv.software[0].clone();
    inv.software = vec![entry; server.state.config.limits.max_entries + 1];
    let (status, body) = server.send(&token, &inv).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "software");
    assert_eq!(server.table_counts().await, before);
}

async fn older_report_does_not_replace_newer_inventory(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let newer = inventory(7);
    let mut older = inventory(7);
    older.host.collected_at = newer.host.collected_at - chrono::Duration::days(2);
    older.os.name = "Windows 11 Pro".into();
    older.os.version = "10.0.26100.1".into();
    assert_eq!(server.send(&token, &newer).await.1["status"], "accepted");
    assert_eq!(server.send(&token, &older).await.1["status"], "superseded");
    let cookie = server.session("viewer").await;
    let host = server
        .get_json(&cookie, &format!("/api/v1/hosts/{}", newer.host.host_id))
        .await;
    assert_eq!(host["host"]["os_name"], newer.os.name);
}

/// A gzip report is stored as the bytes that arrived; an uncompressed one is compressed; an
/// inventory stored as JSON text by a collector before compression is still shown and re-evaluated.
async fn inventories_are_stored_compressed_and_old_text_ones_still_read(backend: Backend) {
    use sqlx::Row;
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let stored = |host_id: String| {
        let pool = server.state.db.reader().clone();
        async move {
            let row = sqlx::query("SELECT inventory, inventory_gz FROM hosts WHERE host_id = $1")
                .bind(host_id)
                .fetch_one(&pool)
                .await
                .unwrap();
            (
                row.get::<String, _>("inventory"),
                row.get::<Option<Vec<u8>>, _>("inventory_gz"),
            )
        }
    };

    let gzipped = inventory(3);
    let body = gzip(&serde_json::to_vec(&gzipped).unwrap());
    let response = server
        .client
        .post(format!("{}/api/v1/reports", server.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (text, gz) = stored(gzipped.host.host_id.to_string()).await;
    assert_eq!((text.as_str(), gz.as_deref()), ("", Some(body.as_slice())));

    let plain = inventory(4);
    let json = serde_json::to_vec(&plain).unwrap();
    let (status, _) = server.post_report(&token, json.clone()).await;
    assert_eq!(status, 200);
    let (_, gz) = stored(plain.host.host_id.to_string()).await;
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.unwrap().as_slice()),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, json);
    assert!(
        unpacked.len()
            > 3 * stored(plain.host.host_id.to_string())
                .await
                .1
                .unwrap()
                .len(),
        "compressed"
    );

    // As a collector before compression left it: JSON text, no blob.
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query("UPDATE hosts SET inventory = $1, inventory_gz = NULL WHERE host_id = $2")
                .bind(String::from_utf8(json).unwrap())
                .bind(plain.host.host_id.to_string())
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
    let cookie = server.session("viewer").await;
    for host in [&gzipped, &plain] {
        let detail = server
            .get_json(&cookie, &format!("/api/v1/hosts/{}", host.host.host_id))
            .await;
        assert_eq!(
            detail["inventory"]["host"]["hostname"],
            host.host.hostname.as_str()
        );
        let (status, page) = server
            .get(&cookie, &format!("/hosts/{}", host.host.host_id))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("Line-of-business app 011"), "inventory shown");
    }
    let report = server.state.reevaluate_all().await.unwrap();
    assert_eq!((report.hosts, report.unreadable), (2, 0));
}

/// Findings are brought in line with each report: gone ones deleted, new ones added, a changed
/// status restarts "since" but not "first seen", and an unchanged finding keeps both.
async fn findings_follow_each_report_and_keep_their_history(backend: Backend) {
    use sqlx::Row;
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let host_id = inventory(1).host.host_id.to_string();
    let findings = || {
        let pool = server.state.db.reader().clone();
        let host_id = host_id.clone();
        async move {
            let rows = sqlx::query(
                "SELECT finding_key, status, first_seen_at, status_since, detail FROM findings \
                 WHERE host_id = $1 ORDER BY finding_key",
            )
            .bind(host_id)
            .fetch_all(&pool)
            .await
            .unwrap();
            rows.iter()
                .map(|r| {
                    (
                        r.get::<String, _>("finding_key"),
                        r.get::<String, _>("status"),
                        r.get::<String, _>("first_seen_at"),
                        r.get::<String, _>("status_since"),
                        r.get::<String, _>("detail"),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // Windows 10 22H2 (unsupported), Python 2.7 (unsupported), Python 3.12 (supported).
    let (status, _) = server.send(&token, &inventory(1)).await;
    assert_eq!(status, 200);
    let first = findings().await;
    assert_eq!(first.len(), 3, "{first:?}");
    // Pretend they were first seen long ago.
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query(
                "UPDATE findings SET first_seen_at = '2020-01-01T00:00:00Z', \
                 status_since = '2020-01-02T00:00:00Z' WHERE host_id = $1",
            )
            .bind(host_id.clone())
            .execute(&mut *tx)
            .await
        })
        .await
        .unwrap();

    // Next night: Windows updated to 24H2 (same product, now supported), Python 2.7 removed, a
    // Viewer 1 installed (unsupported).
    let mut next = inventory(1);
    next.host.collected_at = chrono::Utc::now() + chrono::Duration::seconds(5);
    next.os.version = "10.0.26100.2314".into();
    next.software.retain(|s| !s.name.starts_with("Python 2"));
    let mut viewer = next.software[0].clone();
    viewer.name = "Acme Viewer".into();
    viewer.version = Some("1.4".into());
    viewer.key =
        sunset_catalog::inventory::Software::identity_key("Acme Viewer", Some("1.4"), None);
    next.software.push(viewer);
    let (status, ack) = server.send(&token, &next).await;
    assert_eq!(
        (status, ack["status"].as_str()),
        (200, Some("accepted")),
        "{ack}"
    );
    let second = findings().await;
    assert_eq!(second.len(), 3, "{second:?}");
    let find = |part: &str| {
        second
            .iter()
            .find(|f| f.0.contains(part))
            .unwrap_or_else(|| panic!("no {part} finding in {second:?}"))
            .clone()
    };
    assert!(
        !second.iter().any(|f| f.4.contains("Python 2.7")),
        "removed"
    );
    let os = find("os|windows");
    assert_eq!(os.1, "supported");
    assert_eq!(os.2, "2020-01-01T00:00:00Z", "first seen is kept");
    assert_ne!(os.3, "2020-01-02T00:00:00Z", "a new status has a new since");
    let python = find("python");
    assert_eq!(
        (python.1.as_str(), python.2.as_str(), python.3.as_str()),
        ("supported", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z"),
        "unchanged finding keeps its times"
    );
    let viewer = find("viewer");
    assert_eq!(viewer.1, "unsupported");
    assert_ne!(viewer.2, "2020-01-01T00:00:00Z");

    // The same inventory again: nothing changes.
    let mut again = next.clone();
    again.host.report_id = uuid::Uuid::new_v4();
    again.host.collected_at = next.host.collected_at + chrono::Duration::seconds(5);
    let (status, _) = server.send(&token, &again).await;
    assert_eq!(status, 200);
    assert_eq!(findings().await, second);
}

/// A write is possible only inside `Db::write` (which holds the writer lock and discards a failed
/// transaction's connection): the pooled connections are read-only in the database itself, before
/// and after a write transaction has used them.
async fn only_a_write_transaction_can_write(backend: Backend) {
    let server = start(&backend).await;
    let db = &server.state.db;
    for round in 0..3 {
        let refused = sqlx::query("INSERT INTO meta (key, value) VALUES ('outside', 'x')")
            .execute(db.reader())
            .await;
        assert!(
            refused.is_err(),
            "round {round}: a write through the reader was accepted"
        );
        db.write(async |tx| {
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, 'x')")
                .bind(format!("inside-{round}"))
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
    }
    use sunset_collector::store::meta_get;
    assert_eq!(meta_get(db, "outside").await.unwrap(), None);
    assert_eq!(
        meta_get(db, "inside-2").await.unwrap().as_deref(),
        Some("x")
    );
    assert!(
        db.writable().await.is_ok(),
        "a refused read-side write is not a write failure"
    );
}

/// Rows are decoded into their types, and a value that does not decode (a status no collector
/// writes) is an error naming the column, never a blank or a default: the listing fails (500)
/// rather than show a host as something it is not.
async fn a_stored_value_that_does_not_decode_is_an_error(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let inv = inventory(1);
    assert_eq!(server.send(&token, &inv).await.0, 200);
    let cookie = server.session("viewer").await;
    let (status, _) = server.get(&cookie, "/api/v1/hosts").await;
    assert_eq!(status, 200);
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query("UPDATE hosts SET os_status = 'retired' WHERE host_id = $1")
                .bind(inv.host.host_id.to_string())
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
    use sunset_collector::store::{Scope, Selection};
    let error = sunset_collector::store::hosts(
        &server.state.db,
        &Selection::new(Scope::estate()),
        "2000-01-01T00:00:00Z",
        sunset_collector::store::Sort::default(),
        10,
        0,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("os_status") && error.contains("unknown status \"retired\""),
        "{error}"
    );
    let (status, body) = server.get(&cookie, "/api/v1/hosts").await;
    assert_eq!(status, 500, "{body}");
    let (status, _) = server
        .get(
            &cookie,
            "/hosts/{}"
                .replace("{}", &inv.host.host_id.to_string())
                .as_str(),
        )
        .await;
    assert_eq!(status, 500);
}
