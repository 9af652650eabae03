//! Reports built to hurt (issue 11.3 to 11.6 and the schema version of 11.8): an amplification body,
//! a report under another site's token, a clock in the future, duplicate keys, a schema from the
//! future. Each is refused with a precise answer and changes nothing; an admin can still move a
//! host between sites.

use std::io::Write;

use serde_json::Value;
use sunset_collector::store;

use crate::util::{Backend, TestServer, inventory, read, start};

backend_tests!(
    amplification_body_is_refused_cheaply_and_padding_is_not_stored_or_served,
    another_sites_token_cannot_take_a_host_over,
    a_clock_in_the_future_cannot_freeze_a_host,
    duplicate_keys_are_400,
    newer_schema_versions_are_422_naming_them,
);

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

async fn post_gzip(server: &TestServer, token: &str, json: &[u8]) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/api/v1/reports", server.url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(json))
        .send()
        .await
        .unwrap();
    read(response).await
}

/// `inventory` as JSON with `extra` spliced in as one more top-level field.
fn with_field(inventory: &sunset_catalog::inventory::Inventory, extra: &str) -> Vec<u8> {
    let json = serde_json::to_string(inventory).unwrap();
    format!("{}, {extra}}}", &json[..json.len() - 1]).into_bytes()
}

async fn amplification_body_is_refused_cheaply_and_padding_is_not_stored_or_served(
    backend: Backend,
) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let before = server.table_counts().await;
    // As reported: ~53 KB of gzip unpacking to 32 MiB, an unknown field holding 835 arrays of
    // 20,000 zeros, with a valid host name.
    let zeros = format!("[{}0]", "0,".repeat(19_999));
    let junk = format!(
        "\"future_field\": [{}]",
        vec![zeros.as_str(); 835].join(",")
    );
    let body = with_field(&inventory(1), &junk);
    assert!(body.len() > 32_000_000);
    let (status, reply) = post_gzip(&server, &token, &body).await;
    // Refused while decompressing, at the size cap: nothing of it was parsed, let alone built.
    assert_eq!(status, 413, "refused as too large to look at: {reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("decompressed body exceeds"),
        "{reply}"
    );
    // Within the decompressed limit, a report of many values is refused after a bounded count.
    let junk = format!(
        "\"future_field\": [{}]",
        vec![zeros.as_str(); 300].join(",")
    );
    let (status, reply) = post_gzip(&server, &token, &with_field(&inventory(1), &junk)).await;
    assert_eq!(status, 413, "{reply}");
    assert!(
        reply["field"]
            .as_str()
            .unwrap()
            .starts_with("future_field["),
        "{reply}"
    );
    assert_eq!(server.table_counts().await, before);

    // Padding within every limit is accepted but not stored: what is kept, and served, is what
    // the collector understands of the report.
    let inv = inventory(2);
    let padding = format!("\"future_field\": \"{}\"", "x".repeat(4000));
    let padded: Vec<String> = (0..200)
        .map(|i| format!("\"pad{i}\": {}", &padding[16..]))
        .collect();
    let body = with_field(&inv, &padded.join(", "));
    let (status, reply) = post_gzip(&server, &token, &body).await;
    assert_eq!(status, 200, "{reply}");
    let row = sqlx::query("SELECT inventory_gz FROM hosts WHERE host_id = $1")
        .bind(inv.host.host_id.to_string())
        .fetch_one(server.state.db.reader())
        .await
        .unwrap();
    let stored: Vec<u8> = sqlx::Row::get(&row, "inventory_gz");
    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(stored.as_slice()),
        &mut json,
    )
    .unwrap();
    assert!(
        json.len() < body.len() / 4,
        "{} of {}",
        json.len(),
        body.len()
    );
    assert!(!String::from_utf8(json).unwrap().contains("pad1"));

    // An inventory stored with junk by an older collector is served without it.
    let junk = format!(
        "\"future_field\": [{}]",
        vec![zeros.as_str(); 100].join(",")
    );
    let junk = gzip(&with_field(&inv, &junk));
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query("UPDATE hosts SET inventory_gz = $1 WHERE host_id = $2")
                .bind(junk)
                .bind(inv.host.host_id.to_string())
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
    let cookie = server.session("viewer").await;
    let (status, text) = server
        .get(&cookie, &format!("/api/v1/hosts/{}", inv.host.host_id))
        .await;
    assert_eq!(status, 200);
    assert!(text.len() < 200_000, "served {} bytes", text.len());
    assert!(!text.contains("future_field"));
    let detail: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(detail["inventory"]["host"]["hostname"], "WKS-00002");
}

async fn another_sites_token_cannot_take_a_host_over(backend: Backend) {
    let server = start(&backend).await;
    let riverside = server.site("Riverside").await;
    let hillside = server.site("Hillside").await;
    let inv = inventory(1);
    assert_eq!(server.send(&riverside, &inv).await.0, 200);
    let before = server.table_counts().await;
    let cookie = server.session("viewer").await;
    let path = format!("/api/v1/hosts/{}", inv.host.host_id);
    let host_before = server.get_json(&cookie, &path).await;

    // Hillside's token, Riverside's host id, a new inventory: refused.
    let mut takeover = inventory(1);
    takeover.host.hostname = "EVIL".into();
    takeover.software.clear();
    let (status, reply) = server.send(&hillside, &takeover).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["field"], "host.host_id");
    assert!(
        !reply["error"].as_str().unwrap().contains("Riverside"),
        "the other site is not named to the caller: {reply}"
    );
    assert_eq!(server.table_counts().await, before);
    let host_after = server.get_json(&cookie, &path).await;
    assert_eq!(host_after["host"], host_before["host"]);
    assert_eq!(host_after["host"]["site"], "Riverside");
    let audit = store::audit_log(&server.state.db, 10).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "host.wrong_site")
        .unwrap();
    assert!(entry.detail.contains(&inv.host.host_id.to_string()));
    assert!(entry.detail.contains("EVIL"));

    // An administrator moves the host; then Hillside's reports are its own.
    let from = sunset_collector::ownership::move_host(
        &server.state.db,
        &inv.host.host_id.to_string(),
        "Hillside",
        "admin",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(from, "Riverside");
    let (status, reply) = server.send(&hillside, &takeover).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        server.get_json(&cookie, &path).await["host"]["site"],
        "Hillside"
    );
    let (status, _) = server.send(&riverside, &inventory(1)).await;
    assert_eq!(status, 409, "now Riverside's token is the stranger");
    let audit = store::audit_log(&server.state.db, 10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "host.move" && e.actor == "admin")
    );
}

async fn a_clock_in_the_future_cannot_freeze_a_host(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let cookie = server.session("viewer").await;
    let mut future = inventory(1);
    future.host.collected_at = "9999-12-31T00:00:00Z".parse().unwrap();
    let (status, reply) = server.send(&token, &future).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["field"], "host.collected_at");
    let mut bad_clock = inventory(1);
    bad_clock.host.collected_at = chrono::Utc::now() + chrono::Duration::days(400);
    let (status, _) = server.send(&token, &bad_clock).await;
    assert_eq!(status, 422);
    let mut json: Value = serde_json::to_value(inventory(1)).unwrap();
    json["host"]["collected_at"] = "+10000-01-01T00:00:00Z".into();
    let (status, reply) = server
        .post_report(&token, serde_json::to_vec(&json).unwrap())
        .await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["field"], "host.collected_at");

    // A host frozen in the future by an older collector: genuine reports replace it anyway.
    assert_eq!(server.send(&token, &inventory(1)).await.0, 200);
    let host_id = inventory(1).host.host_id.to_string();
    server
        .state
        .db
        .write(async |tx| {
            sqlx::query("UPDATE hosts SET collected_at = '9999-12-31T00:00:00Z' WHERE host_id = $1")
                .bind(host_id.clone())
                .execute(&mut *tx)
                .await
        })
        .await
        .unwrap();
    let mut next = inventory(1);
    next.os.version = "10.0.26100.2314".into();
    next.os.name = "Windows 11 Pro".into();
    let (status, reply) = server.send(&token, &next).await;
    assert_eq!(status, 200);
    assert_eq!(reply["status"], "accepted", "{reply}");
    let host = server
        .get_json(&cookie, &format!("/api/v1/hosts/{host_id}"))
        .await;
    assert_eq!(host["host"]["os_name"], "Windows 11 Pro");
    // While a trustworthy newer inventory still wins over an older one.
    let mut older = inventory(1);
    older.host.collected_at = next.host.collected_at - chrono::Duration::days(1);
    assert_eq!(server.send(&token, &older).await.1["status"], "superseded");
}

async fn duplicate_keys_are_400(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let before = server.table_counts().await;
    // A real software list, then an empty one: serde would keep the last silently, and the stored
    // report could never be read again ("duplicate field").
    let body = with_field(&inventory(1), "\"software\": []");
    let (status, reply) = server.post_report(&token, body).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["field"], "software");
    assert!(
        reply["error"].as_str().unwrap().contains("duplicate key"),
        "{reply}"
    );
    let body = with_field(&inventory(1), "\"x\": {\"a\": 1, \"a\": 1}");
    let (status, reply) = post_gzip(&server, &token, &body).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["field"], "x.a");
    assert_eq!(server.table_counts().await, before);
}

async fn newer_schema_versions_are_422_naming_them(backend: Backend) {
    let server = start(&backend).await;
    let token = server.site("Riverside").await;
    let before = server.table_counts().await;
    let mut json: Value = serde_json::to_value(inventory(1)).unwrap();
    json["schema_version"] = 999.into();
    let (status, reply) = server
        .post_report(&token, serde_json::to_vec(&json).unwrap())
        .await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["field"], "schema_version");
    assert!(reply["error"].as_str().unwrap().contains("999"), "{reply}");
    assert_eq!(server.table_counts().await, before);
}
