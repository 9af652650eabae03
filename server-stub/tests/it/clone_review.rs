//! Clone flags an admin has reviewed (issue 17, part 3): dismissing a host's flags with a reason
//! takes them out of the summary, the `clone=` filter and the host page, says who dismissed them
//! when and why (page, API, audit log), and is refused to anyone but an admin of the host.

use serde_json::Value;

use crate::identity::{MAC, UUID, audited, collector, listed, on_machine, send, sorted};
use crate::util::Backend;

backend_tests!(an_admin_dismisses_a_clone_flag_with_a_reason_audited,);

async fn an_admin_dismisses_a_clone_flag_with_a_reason_audited(backend: Backend) {
    let (server, clock) = collector(&backend).await;
    let token = server.site("Riverside").await;
    // A non-persistent VDI pool: desktops cloned from one template, firmware UUID and serial too.
    let a = on_machine(30, &clock, UUID, "VMware-56 4d 7b", &[MAC], "aa");
    let b = on_machine(
        31,
        &clock,
        UUID,
        "VMware-56 4d 7b",
        &["00:50:56:aa:bb:cc"],
        "bb",
    );
    send(&server, &token, &a).await;
    clock.advance(std::time::Duration::from_secs(3600));
    send(&server, &token, &b).await;
    assert_eq!(listed(&server, "clone=true").await, sorted(&[&a, &b]));
    let page_of =
        |host: &sunset_catalog::inventory::Inventory| format!("/hosts/{}", host.host.host_id);
    let dismiss = |host: &sunset_catalog::inventory::Inventory| {
        format!("/hosts/{}/clones/dismiss", host.host.host_id)
    };
    let post = async |session: &(String, String), path: &str, reason: &str| {
        let response = crate::util::http()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}{path}", server.url))
            .header("cookie", &session.0)
            .form(&[("csrf", session.1.as_str()), ("reason", reason)])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    };

    // A viewer sees the flag but no form, and may not dismiss it.
    let viewer = server.session_with_csrf("viewer").await;
    let (_, page) = server.get(&viewer.0, &page_of(&a)).await;
    assert!(page.contains("Possible clone"), "{page}");
    assert!(!page.contains("clones/dismiss"), "{page}");
    let (status, body) = post(&viewer, &dismiss(&a), "VDI pool").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("Only admins can dismiss a clone flag."),
        "{body}"
    );

    // An admin sees the form; a reason is required; a forged form is refused.
    let admin = server.session_with_csrf("admin").await;
    let (_, page) = server.get(&admin.0, &page_of(&a)).await;
    assert!(page.contains(&dismiss(&a)), "{page}");
    let (status, body) = post(&admin, &dismiss(&a), "   ").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Say why the flag is dismissed"), "{body}");
    let forged = (admin.0.clone(), "not-the-token".to_string());
    let (status, _) = post(&forged, &dismiss(&a), "VDI pool").await;
    assert_eq!(status, 403);
    assert_eq!(listed(&server, "clone=true").await, sorted(&[&a, &b]));

    let reason = "Non-persistent VDI pool <Ward 7>: one image by design";
    let (status, body) = post(&admin, &dismiss(&a), reason).await;
    assert_eq!(status, 303, "{body}");

    // Gone from the filter, the summary's card and both host pages; said who, when and why.
    assert!(listed(&server, "clone=true").await.is_empty());
    let (_, summary) = server.get(&viewer.0, "/").await;
    assert!(
        summary.contains(r#"<span class="n">0</span>possible clones"#),
        "{summary}"
    );
    for host in [&a, &b] {
        let (_, page) = server.get(&viewer.0, &page_of(host)).await;
        assert!(!page.contains("Possible clone"), "{page}");
        assert!(
            page.contains("dismissed by admin")
                && page.contains("Non-persistent VDI pool &lt;Ward 7&gt;"),
            "{page}"
        );
    }
    let api: Value = server
        .get_json(&viewer.0, &format!("/api/v1/hosts/{}", a.host.host_id))
        .await;
    assert_eq!(api["clones"]["others"], serde_json::json!([]), "{api}");
    let by = api["clone_dismissal"]["dismissed_by"].as_str().unwrap();
    assert!(by.starts_with("admin-"), "{api}");
    assert_eq!(api["clone_dismissal"]["dismissed_reason"], reason, "{api}");
    let entries = audited(&server, "host.clone_dismissed").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].0, by);
    assert_eq!(entries[0].1["host_id"], a.host.host_id.to_string());
    assert_eq!(entries[0].1["flags"], 2, "both directions of the pair");

    // Both keep reporting on the same hardware: the flag stays dismissed.
    clock.advance(std::time::Duration::from_secs(86400));
    send(&server, &token, &crate::identity::again(&a, &clock)).await;
    send(&server, &token, &crate::identity::again(&b, &clock)).await;
    assert!(listed(&server, "clone=true").await.is_empty());
    // Dismissing again changes nothing and writes no second entry.
    let (status, _) = post(&admin, &dismiss(&a), reason).await;
    assert_eq!(status, 303);
    assert_eq!(audited(&server, "host.clone_dismissed").await.len(), 1);
}
