//! The agent's deb, built with `ci/package.sh deb` (cargo-deb) from the release agent exactly as a release
//! builds it, inspected with `dpkg-deb`, then installed into this machine with `dpkg -i`, configured,
//! removed and purged. That needs root (CI runs as root); elsewhere the test says it skipped, and with
//! `CI=true` a skip is a failure. The collector's deb: `collector_deb.rs`.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use sunset_tests::support::{
    deb_lock, dpkg, exists, installed, is_root, on_path, run, run_ok, say, skip, workspace,
    workspace_version,
};

const DEB_FILES: [(&str, u32); 4] = [
    ("/usr/bin/sunset-agent", 0o755),
    ("/etc/sunset/agent.toml", 0o640),
    ("/usr/lib/systemd/system/sunset-agent.service", 0o644),
    ("/usr/share/doc/sunset-agent/README.md", 0o644),
];
const WANTS_LINK: &str = "/etc/systemd/system/multi-user.target.wants/sunset-agent.service";
const MASK: &str = "/etc/systemd/system/sunset-agent.service";

#[test]
fn deb_installs_configures_removes_and_purges_cleanly() {
    const TEST: &str = "deb_installs_configures_removes_and_purges_cleanly";
    if !on_path("dpkg") || !on_path("dpkg-deb") {
        return skip(TEST, "not a Debian system (no dpkg)");
    }
    if !is_root() {
        return skip(
            TEST,
            "needs root: it installs the package into this machine with dpkg -i",
        );
    }
    // One run at a time on this machine: two would install and purge under each other's feet.
    let _lock = deb_lock();

    // Build.
    let out = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let printed = run_ok(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("deb")
            .arg(out.path()),
    );
    let deb = fs::read_dir(out.path())
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {} ({printed})", out.path().display()));
    say(
        TEST,
        &format!("built {} in {:.1?}", deb.display(), started.elapsed()),
    );
    let deb = deb.to_str().expect("UTF-8 path");

    // Inspect: control fields, conffiles, maintainer scripts, files.
    let version = workspace_version();
    let info = run_ok(Command::new("dpkg-deb").args(["-f", deb]));
    assert!(info.contains("Package: sunset-agent\n"), "{info}");
    assert!(info.contains(&format!("Version: {version}-1\n")), "{info}");
    assert!(
        info.contains("Depends: ") && info.contains("libc6"),
        "depends found by $auto: {info}"
    );
    let conffiles = run_ok(Command::new("dpkg-deb").args(["-I", deb, "conffiles"]));
    assert_eq!(conffiles.trim(), "/etc/sunset/agent.toml");
    let postinst = run_ok(Command::new("dpkg-deb").args(["-I", deb, "postinst"]));
    assert!(
        postinst.contains("deb-systemd-helper enable sunset-agent.service"),
        "enabled on install:\n{postinst}"
    );
    assert!(
        postinst.contains("deb-systemd-invoke $_dh_action sunset-agent.service"),
        "started:\n{postinst}"
    );
    let prerm = run_ok(Command::new("dpkg-deb").args(["-I", deb, "prerm"]));
    assert!(
        prerm.contains("deb-systemd-invoke stop sunset-agent.service"),
        "stopped on removal:\n{prerm}"
    );
    let postrm = run_ok(Command::new("dpkg-deb").args(["-I", deb, "postrm"]));
    assert!(
        postrm.contains("rm -rf /var/lib/sunset /var/log/sunset"),
        "purge removes state and logs:\n{postrm}"
    );
    assert!(
        postrm.contains("deb-systemd-helper purge sunset-agent.service"),
        "{postrm}"
    );
    assert!(
        !postrm.contains("#DEBHELPER#"),
        "snippets substituted:\n{postrm}"
    );
    let contents = run_ok(Command::new("dpkg-deb").args(["-c", deb]));
    for (path, mode) in DEB_FILES {
        let line = contents
            .lines()
            .find(|l| l.ends_with(&format!(".{path}")))
            .unwrap_or_else(|| panic!("{path} not in the package:\n{contents}"));
        let shown = match mode {
            0o755 => "-rwxr-xr-x",
            0o640 => "-rw-r-----",
            _ => "-rw-r--r--",
        };
        assert!(line.starts_with(shown), "{path} should be {shown}: {line}");
        assert!(
            line.contains(" root/root ") || line.contains(" 0/0 "),
            "owned by root: {line}"
        );
    }

    // Install (after clearing a previous run's leftovers).
    if installed("sunset-agent") || exists("/etc/sunset") || exists("/var/lib/sunset") {
        say(TEST, "purging a previous sunset-agent first");
        dpkg(&["--purge", "sunset-agent"]);
        let _ = fs::remove_dir_all("/var/lib/sunset");
        let _ = fs::remove_dir_all("/var/log/sunset");
    }
    dpkg(&["-i", deb]);
    assert!(installed("sunset-agent"));
    for (path, mode) in DEB_FILES {
        let meta = fs::metadata(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{path}");
    }
    assert_eq!(
        fs::read(workspace().join("packaging/agent.toml.example")).expect("example"),
        fs::read("/etc/sunset/agent.toml").expect("installed config"),
        "the installed config is packaging/agent.toml.example"
    );
    let conffiles =
        run_ok(Command::new("dpkg-query").args(["-W", "-f=${Conffiles}", "sunset-agent"]));
    assert!(conffiles.contains("/etc/sunset/agent.toml"), "{conffiles}");
    assert!(
        fs::read_link(WANTS_LINK).is_ok_and(|t| t.ends_with("sunset-agent.service")),
        "enabled: {WANTS_LINK}"
    );
    if on_path("systemd-analyze") {
        let r = run(Command::new("systemd-analyze")
            .args(["verify", "/usr/lib/systemd/system/sunset-agent.service"]));
        assert!(
            r.ok && !r.stderr.contains("sunset-agent.service:"),
            "systemd-analyze verify:\n{}{}",
            r.stdout,
            r.stderr
        );
    } else {
        say(
            TEST,
            "systemd-analyze not installed: unit syntax not verified",
        );
    }

    // The installed agent runs from the installed paths.
    let shown = run_ok(Command::new("/usr/bin/sunset-agent").arg("--version"));
    assert!(shown.contains(&version), "--version: {shown}");
    // The default file is all comments: the check fails and names what is missing.
    let default = run(Command::new("/usr/bin/sunset-agent").args([
        "config",
        "check",
        "--config",
        "/etc/sunset/agent.toml",
    ]));
    if !default.ok {
        let said = format!("{}{}", default.stdout, default.stderr);
        assert!(
            said.contains("collector_url"),
            "config check on the default file:\n{said}"
        );
    }
    // A filled-in file passes (also as the default path the unit's ExecStartPre uses), and dpkg keeps
    // it, a modified conffile, when the package is installed again.
    // `.invalid` never resolves: where systemd runs and starts the service, it sends nothing.
    let filled = "collector_url = \"https://sunset.invalid\"\nenroll_token = \"packaging-test-token\"\nsite = \"packaging-test\"\n";
    fs::write("/etc/sunset/agent.toml", filled).expect("write config");
    run_ok(Command::new("/usr/bin/sunset-agent").args([
        "config",
        "check",
        "--config",
        "/etc/sunset/agent.toml",
    ]));
    run_ok(Command::new("/usr/bin/sunset-agent").args(["config", "check"]));
    dpkg(&["-i", deb]);
    assert_eq!(
        fs::read_to_string("/etc/sunset/agent.toml").expect("config"),
        filled,
        "conffile kept"
    );

    // Remove: binary and unit go, the unit is masked, configuration and state stay.
    fs::create_dir_all("/var/lib/sunset/spool").expect("state dir");
    fs::write("/var/lib/sunset/spool/report.json.gz", b"queued").expect("spooled report");
    fs::create_dir_all("/var/log/sunset").expect("log dir");
    fs::write("/var/log/sunset/agent.log", b"log").expect("log file");
    dpkg(&["--remove", "sunset-agent"]);
    assert!(
        !exists("/usr/bin/sunset-agent") && !exists("/usr/lib/systemd/system/sunset-agent.service")
    );
    assert!(
        fs::read_link(MASK).is_ok_and(|t| t == Path::new("/dev/null")),
        "masked after removal: {MASK}"
    );
    assert!(
        exists("/etc/sunset/agent.toml"),
        "remove keeps the configuration"
    );
    assert!(
        exists("/var/lib/sunset/spool/report.json.gz"),
        "remove keeps the state"
    );

    // Purge: everything goes.
    dpkg(&["--purge", "sunset-agent"]);
    assert!(!installed("sunset-agent"));
    for gone in [
        "/etc/sunset",
        "/var/lib/sunset",
        "/var/log/sunset",
        WANTS_LINK,
        MASK,
    ] {
        assert!(!exists(gone), "{gone} left behind by purge");
    }
}
