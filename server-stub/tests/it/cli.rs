//! The management commands of the real binary: sites and their tokens, users, migrations,
//! catalogue reload (each change audited), and configuration errors that name the key and line.

use std::process::Command;

use crate::util::{Backend, database_url, fixture_catalog};

const BIN: &str = env!("CARGO_BIN_EXE_sunset-collector");

backend_tests!(management_commands_work_end_to_end);

fn run(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run collector");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn management_commands_work_end_to_end(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&backend, dir.path()).await;
    let config = dir.path().join("collector.toml");
    let write_config = |extra: &str| {
        std::fs::write(
            &config,
            format!(
                "database_url = {url:?}\ncatalog_dir = {:?}\n{extra}",
                fixture_catalog().display().to_string()
            ),
        )
        .unwrap();
    };
    write_config("");
    let (ok, out, err) = run(&config, &["db", "migrate"]);
    assert!(ok, "{err}");
    // Every migration from 1 on (numbers may skip while branches each add their own).
    assert!(
        out.contains("applied migrations: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17]"),
        "{out}"
    );
    let (ok, out, _) = run(&config, &["db", "migrate"]);
    assert!(ok && out.contains("up to date"), "{out}");

    let (ok, out, err) = run(&config, &["site", "add", "Riverside Surgery"]);
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap();
    assert!(token.starts_with("sst_") && token.len() == 68, "{out}");
    let (ok, _, err) = run(&config, &["site", "add", "Riverside Surgery"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (_, list, _) = run(&config, &["site", "list"]);
    assert!(list.contains("Riverside Surgery"), "{list}");
    assert!(!list.contains(token), "the token is never shown again");
    let (ok, _, _) = run(&config, &["site", "revoke", "Riverside Surgery"]);
    assert!(ok);
    let (ok, _, err) = run(&config, &["site", "revoke", "Riverside Surgery"]);
    assert!(!ok && err.contains("no active site"), "{err}");

    let password = dir.path().join("password");
    std::fs::write(&password, "a long enough password\n").unwrap();
    let (ok, out, err) = run(
        &config,
        &[
            "user",
            "add",
            "alice",
            "--role",
            "admin",
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert!(
        ok && out.contains("user alice (admin of Estate) saved"),
        "{out}{err}"
    );
    std::fs::write(&password, "short\n").unwrap();
    let (ok, _, err) = run(
        &config,
        &[
            "user",
            "add",
            "bob",
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert!(!ok && err.contains("at least 8"), "{err}");

    // API tokens: shown once, listed without the secret, revoked; all audited.
    let (ok, out, err) = run(&config, &["token", "add", "alice", "--name", "prometheus"]);
    assert!(ok, "{err}");
    let api_token = out.lines().last().unwrap();
    assert!(
        api_token.starts_with("sut_") && api_token.len() == 68,
        "{out}"
    );
    let (ok, _, err) = run(&config, &["token", "add", "alice", "--name", "prometheus"]);
    assert!(!ok && err.contains("already has"), "{err}");
    let (ok, _, err) = run(&config, &["token", "add", "nobody", "--name", "x"]);
    assert!(!ok && err.contains("no user"), "{err}");
    let (_, list, _) = run(&config, &["token", "list"]);
    assert!(
        list.contains("prometheus") && !list.contains(api_token),
        "{list}"
    );
    let (ok, _, err) = run(
        &config,
        &["token", "revoke", "alice", "--name", "prometheus"],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &config,
        &["token", "revoke", "alice", "--name", "prometheus"],
    );
    assert!(!ok && err.contains("no active token"), "{err}");

    // Moving a host between sites (here: one that does not exist, and to a revoked site).
    let (ok, _, err) = run(&config, &["site", "add", "Hillside"]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        &config,
        &["host", "move", "no-such-host", "--site", "Hillside"],
    );
    assert!(!ok && err.contains("no host"), "{err}");
    let (ok, _, err) = run(
        &config,
        &[
            "host",
            "move",
            "no-such-host",
            "--site",
            "Riverside Surgery",
        ],
    );
    assert!(!ok && err.contains("no active site"), "{err}");

    // Site tokens: the revoked site enrolled again with an expiring token, rotated with a grace
    // period, listed (never the tokens), one revoked by a prefix of its id.
    let (ok, out, err) = run(
        &config,
        &["site", "add", "Riverside Surgery", "--expires", "90d"],
    );
    assert!(ok && out.contains("The token expires in 90d"), "{out}{err}");
    let (ok, out, err) = run(
        &config,
        &["site", "rotate-token", "Riverside Surgery", "--grace", "2d"],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("Its 1 earlier token(s) keep working until") && out.contains("(grace 2d)"),
        "{out}"
    );
    let rotated = out.lines().last().unwrap();
    assert!(rotated.starts_with("sst_") && rotated.len() == 68, "{out}");
    let (ok, list, err) = run(&config, &["site", "tokens", "Riverside Surgery"]);
    assert!(ok, "{err}");
    assert!(!list.contains(token) && !list.contains(rotated), "{list}");
    let states: Vec<(&str, &str)> = list
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split_whitespace();
            (cells.next().unwrap(), cells.next().unwrap())
        })
        .collect();
    assert_eq!(states.len(), 3, "{list}");
    let mut by_state: Vec<&str> = states.iter().map(|(_, state)| *state).collect();
    by_state.sort();
    assert_eq!(by_state, ["active", "grace", "revoked"], "{list}");
    let active = states.iter().find(|(_, s)| *s == "active").unwrap().0;
    let (ok, out, err) = run(
        &config,
        &["site", "revoke-token", "Riverside Surgery", &active[..8]],
    );
    assert!(ok && out.contains(active), "{out}{err}");
    let (ok, _, err) = run(
        &config,
        &["site", "revoke-token", "Riverside Surgery", &active[..8]],
    );
    assert!(!ok && err.contains("no unrevoked token"), "{err}");
    let (ok, _, err) = run(
        &config,
        &["site", "rotate-token", "Riverside Surgery", "--grace", "1y"],
    );
    assert!(!ok && err.contains("e.g. 90d"), "{err}");
    let (ok, _, err) = run(&config, &["site", "tokens", "Nowhere"]);
    assert!(!ok && err.contains("no site named"), "{err}");

    // Users: listed with their last login, given another role, removed.
    let (ok, list, _) = run(&config, &["user", "list"]);
    let alice = list.lines().find(|l| l.starts_with("alice")).unwrap();
    assert!(
        ok && alice.contains("admin") && alice.contains("Estate") && alice.ends_with("never"),
        "{list}"
    );
    let (ok, out, err) = run(&config, &["user", "role", "alice", "--role", "viewer"]);
    assert!(
        ok && out.contains("user alice: admin of Estate → viewer of Estate"),
        "{out}{err}"
    );
    let (ok, out, err) = run(&config, &["user", "remove", "alice"]);
    assert!(
        ok && out.contains("user alice removed (0 session(s) ended, 1 API token(s) deleted)"),
        "{out}{err}"
    );
    let (ok, _, err) = run(&config, &["user", "remove", "alice"]);
    assert!(!ok && err.contains("no user named \"alice\""), "{err}");

    let (ok, out, err) = run(&config, &["catalog", "reload"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("catalogue test-1: re-evaluated 0 host(s)"),
        "{out}"
    );
    let (ok, out, _) = run(&config, &["check"]);
    assert!(ok && out.contains("test-1"), "{out}");

    // Every change above is in the audit log, by the operator.
    let loaded = sunset_collector::config::Config::load(&sunset_collector::config::Overrides {
        listen: None,
        data_dir: Some(dir.path().to_path_buf()),
        config_file: Some(config.clone()),
    })
    .unwrap();
    let db = sunset_collector::db::Db::open(&loaded).await.unwrap();
    let audit = sunset_collector::store::audit_log(&db, 100).await.unwrap();
    for action in [
        "site.add",
        "site.revoke",
        "user.add",
        "token.add",
        "token.revoke",
        "site.rotate-token",
        "site.revoke-token",
        "user.role",
        "user.remove",
        "catalog.reload",
    ] {
        assert!(
            audit.iter().any(|e| e.action == action && e.actor == "cli"),
            "{action} not audited: {audit:?}"
        );
    }
    assert_eq!(
        audit.iter().filter(|e| e.action == "site.add").count(),
        3,
        "a refused site add is not audited"
    );
    db.close().await;

    write_config("retention_dayz = 3\n");
    let (ok, _, err) = run(&config, &["check"]);
    assert!(!ok, "an unknown key must fail");
    assert!(
        err.contains("collector.toml:3:") && err.contains("retention_dayz"),
        "{err}"
    );
}
