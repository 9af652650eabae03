//! The collector's deb, built with `ci/package.sh collector-deb` (cargo-deb) exactly as a release builds it,
//! inspected, installed into this machine with `dpkg -i`, started, fed a report, backed up, removed and
//! purged. Started under systemd where this machine runs it; otherwise the test does what the unit says
//! (its `User=`, `StateDirectory=`, `UMask=`, then its `ExecStartPre=` and `ExecStart=` lines), since the
//! test machines run no systemd. Needs root (CI runs as root); elsewhere the test says it skipped, and
//! with `CI=true` a skip is a failure.
#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use sunset_tests::support::{
    deb_lock, dpkg, exists, installed, is_root, on_path, run, run_ok, say, skip, workspace,
    workspace_version,
};

const PACKAGE: &str = "sunset-collector";
const UNIT: &str = "/usr/lib/systemd/system/sunset-collector.service";
const CONFIG: &str = "/etc/sunset/collector.toml";
const STATE: &str = "/var/lib/sunset-collector";
const USER: &str = "sunset-collector";
const WANTS_LINK: &str = "/etc/systemd/system/multi-user.target.wants/sunset-collector.service";
/// Hardening the unit must keep (server-stub/README.md explains each).
const HARDENING: [&str; 12] = [
    "User=sunset-collector",
    "StateDirectory=sunset-collector",
    "UMask=0077",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
    "SystemCallFilter=@system-service",
    "MemoryDenyWriteExecute=yes",
    "ExecStartPre=/usr/bin/sunset-collector --config /etc/sunset/collector.toml check",
];

fn who() -> &'static str {
    "collector-deb"
}

/// The values of `key=` lines in the unit, in order.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

/// The service, however this machine runs it.
enum Service {
    Systemd,
    /// The unit's ExecStart line run by this test as the unit's user.
    Emulated(Child),
}

impl Service {
    fn start(unit: &str) -> Service {
        if Path::new("/run/systemd/system").is_dir() && on_path("systemctl") {
            run_ok(Command::new("systemctl").args(["restart", PACKAGE]));
            say(who(), "started with systemctl (systemd is running)");
            return Service::Systemd;
        }
        say(
            who(),
            "no systemd here: doing what the unit says (User=, StateDirectory=, UMask=, ExecStartPre=, ExecStart=)",
        );
        let user = unit_values(unit, "User").pop().expect("User=");
        let state = unit_values(unit, "StateDirectory")
            .pop()
            .expect("StateDirectory=");
        let umask = unit_values(unit, "UMask").pop().expect("UMask=");
        let state = Path::new("/var/lib").join(state);
        std::fs::create_dir_all(&state).expect("state dir");
        run_ok(
            Command::new("chown")
                .arg(format!("{user}:{user}"))
                .arg(&state),
        );
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let as_user = |line: &str| {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", &user, "--", "sh", "-c"])
                .arg(format!("umask {umask} && exec {line}"));
            cmd
        };
        for pre in unit_values(unit, "ExecStartPre") {
            run_ok(&mut as_user(&pre));
        }
        let start = unit_values(unit, "ExecStart").pop().expect("ExecStart=");
        let child = as_user(&start)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the collector");
        Service::Emulated(child)
    }

    fn stop(self) {
        match self {
            Service::Systemd => {
                run_ok(Command::new("systemctl").args(["stop", PACKAGE]));
            }
            Service::Emulated(mut child) => {
                // runuser forwards SIGTERM, which is what systemd sends.
                let _ = run(Command::new("kill").arg(child.id().to_string()));
                let deadline = Instant::now() + Duration::from_secs(20);
                while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The collector CLI as the service user, with the installed configuration (how an admin runs it).
fn admin(args: &[&str]) -> String {
    run_ok(
        Command::new("runuser")
            .args([
                "-u",
                USER,
                "--",
                "/usr/bin/sunset-collector",
                "--config",
                CONFIG,
            ])
            .args(args),
    )
}

#[test]
fn collector_deb_installs_serves_backs_up_and_purges() {
    const TEST: &str = "collector_deb_installs_serves_backs_up_and_purges";
    if !on_path("dpkg") || !on_path("dpkg-deb") || !on_path("runuser") {
        return skip(TEST, "not a Debian system (no dpkg or runuser)");
    }
    if !is_root() {
        return skip(
            TEST,
            "needs root: it installs the package into this machine with dpkg -i",
        );
    }
    let _lock = deb_lock();

    // Build and inspect.
    let out = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let printed = run_ok(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("collector-deb")
            .arg(out.path()),
    );
    let deb = std::fs::read_dir(out.path())
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {} ({printed})", out.path().display()));
    say(
        who(),
        &format!("built {} in {:.1?}", deb.display(), started.elapsed()),
    );
    let deb = deb.to_str().expect("UTF-8 path");
    let info = run_ok(Command::new("dpkg-deb").args(["-f", deb]));
    assert!(info.contains("Package: sunset-collector\n"), "{info}");
    assert!(
        info.contains(&format!("Version: {}-1\n", workspace_version())),
        "{info}"
    );
    let conffiles = run_ok(Command::new("dpkg-deb").args(["-I", deb, "conffiles"]));
    assert_eq!(conffiles.trim(), CONFIG);
    let contents = run_ok(Command::new("dpkg-deb").args(["-c", deb]));
    for (path, shown) in [
        ("/usr/bin/sunset-collector", "-rwxr-xr-x"),
        ("/etc/sunset/collector.toml", "-rw-r-----"),
        (
            "/usr/lib/systemd/system/sunset-collector.service",
            "-rw-r--r--",
        ),
        ("/usr/share/doc/sunset-collector/README.md", "-rw-r--r--"),
    ] {
        let line = contents
            .lines()
            .find(|l| l.ends_with(&format!(".{path}")))
            .unwrap_or_else(|| panic!("{path} not in the package:\n{contents}"));
        assert!(line.starts_with(shown), "{path} should be {shown}: {line}");
    }
    // The collector is the only program shipped: developer tools (tools/loadgen) stay out.
    let programs: Vec<&str> = contents
        .lines()
        .filter(|l| l.contains("./usr/bin/") && !l.ends_with("/usr/bin/"))
        .collect();
    assert_eq!(programs.len(), 1, "one program in /usr/bin: {programs:?}");

    // Install (after clearing a previous run's leftovers).
    if installed(PACKAGE) || exists(CONFIG) || exists(STATE) {
        say(who(), "purging a previous sunset-collector first");
        let _ = run(Command::new("dpkg").args(["--purge", PACKAGE]));
        let _ = std::fs::remove_dir_all(STATE);
    }
    dpkg(&["-i", deb]);
    assert!(installed(PACKAGE));
    let unit = std::fs::read_to_string(UNIT).expect("the unit");
    for line in HARDENING {
        assert!(unit.lines().any(|l| l == line), "{UNIT} lacks {line:?}");
    }
    assert!(
        std::fs::read_link(WANTS_LINK).is_ok_and(|t| t.ends_with("sunset-collector.service")),
        "enabled: {WANTS_LINK}"
    );
    if on_path("systemd-analyze") {
        let r = run(Command::new("systemd-analyze").args(["verify", UNIT]));
        assert!(
            r.ok && !r.stderr.contains("sunset-collector.service:"),
            "systemd-analyze verify:\n{}{}",
            r.stdout,
            r.stderr
        );
        let security =
            run(Command::new("systemd-analyze").args(["security", "--offline=yes", UNIT]));
        say(
            who(),
            &format!(
                "systemd-analyze security: {}",
                security.stdout.lines().last().unwrap_or_default()
            ),
        );
    }
    let uid = run_ok(Command::new("id").args(["-u", USER]));
    let config = std::fs::metadata(CONFIG).expect("config");
    assert_eq!(config.permissions().mode() & 0o777, 0o640, "{CONFIG}");
    assert_eq!(config.uid(), 0, "{CONFIG} owned by root");
    let gid = run_ok(Command::new("id").args(["-g", USER]));
    assert_eq!(
        config.gid().to_string(),
        gid.trim(),
        "{CONFIG} group is {USER}"
    );

    // Configure a free port (the admin's edit), start, enrol a site, send a report.
    let port = free_port();
    let text = std::fs::read_to_string(CONFIG).expect("config");
    std::fs::write(
        CONFIG,
        text.replace(
            "listen = \"127.0.0.1:8080\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        ),
    )
    .expect("edit config");
    let service = Service::start(&unit);
    let base = format!("http://127.0.0.1:{port}");
    let result = std::panic::catch_unwind(|| serve_and_check(&base, uid.trim()));
    service.stop();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }

    // Remove: program and unit go; configuration and database stay. Purge: everything of ours goes.
    dpkg(&["--remove", PACKAGE]);
    assert!(!exists("/usr/bin/sunset-collector") && !exists(UNIT));
    assert!(exists(CONFIG), "remove keeps the configuration");
    assert!(
        exists(&format!("{STATE}/collector.db")),
        "remove keeps the database"
    );
    dpkg(&["--purge", PACKAGE]);
    assert!(!installed(PACKAGE));
    for gone in [CONFIG, STATE, WANTS_LINK] {
        assert!(!exists(gone), "{gone} left behind by purge");
    }
}

/// With the service running: health, enrolment, one report stored, the database 0600 and the service
/// user's, an online backup.
fn serve_and_check(base: &str, uid: &str) {
    // Same provider as the agent and collector; reqwest panics at build time without one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the collector did not answer /healthz at {base}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let token = admin(&["site", "add", "Deb Test Surgery"])
        .lines()
        .last()
        .expect("token")
        .to_string();
    let inventory = sunset_loadgen::fake::inventory(3, 20, "Deb Test Surgery", Utc::now());
    let sent = client
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(&token)
        .json(&inventory)
        .send()
        .expect("POST report");
    assert_eq!(sent.status(), 200, "{}", sent.text().unwrap_or_default());

    let database = PathBuf::from(STATE).join("collector.db");
    let meta = std::fs::metadata(&database).expect("database");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "{}",
        database.display()
    );
    assert_eq!(
        meta.uid().to_string(),
        uid,
        "the database belongs to the service user"
    );
    let state = std::fs::metadata(STATE).expect("state dir");
    assert_eq!(state.permissions().mode() & 0o777, 0o700, "{STATE}");

    let backup = format!("{STATE}/backup-test.db");
    let said = admin(&["backup", "--out", &backup]);
    assert!(said.contains("1 hosts"), "{said}");
    std::fs::remove_file(&backup).expect("remove the backup");
}

#[test]
fn collector_unit_and_readme_agree() {
    let unit =
        std::fs::read_to_string(workspace().join("packaging/systemd/sunset-collector.service"))
            .expect("unit");
    for line in HARDENING {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line:?}");
    }
    let readme =
        std::fs::read_to_string(workspace().join("server-stub/README.md")).expect("README");
    for topic in [
        "nginx",
        "pg_dump",
        "sunset-collector backup",
        "Downgrade",
        "Sizing",
    ] {
        assert!(
            readme.contains(topic),
            "server-stub/README.md does not cover {topic}"
        );
    }
    let example = std::fs::read_to_string(workspace().join("packaging/collector.toml.example"))
        .expect("example");
    assert!(
        example.contains("listen = \"127.0.0.1:8080\""),
        "the test edits this line"
    );
}
