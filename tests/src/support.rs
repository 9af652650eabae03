//! What every end-to-end test needs: the workspace, the built Windows agents, running tools, and the
//! rule that a test may skip (loudly) on a developer's machine but never under `CI=true`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `[workspace.package] version` of the root manifest.
pub fn workspace_version() -> String {
    let text = fs::read_to_string(workspace().join("Cargo.toml")).expect("root Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("root Cargo.toml parses");
    manifest["workspace"]["package"]["version"]
        .as_str()
        .expect("workspace version is a string")
        .to_string()
}

/// The MSI's ProductVersion, as `ci/package.sh` makes it: the semver without pre-release or build.
pub fn msi_version(semver: &str) -> String {
    semver
        .split(['-', '+'])
        .next()
        .unwrap_or(semver)
        .to_string()
}

/// Prints to the real stderr, past the test harness's capture: what was skipped or stood in for must be
/// seen even when the test passes.
pub fn say(who: &str, message: &str) {
    let _ = writeln!(std::io::stderr(), "{who}: {message}");
}

/// `CI=true`: nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips the calling test with a message, or fails it in CI.
pub fn skip(test: &str, why: &str) {
    assert!(!in_ci(), "{test}: cannot run in CI: {why}");
    say(test, &format!("SKIPPED: {why}"));
}

/// Whether an executable named `tool` is on `PATH`.
pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| fs::metadata(dir.join(tool)).is_ok_and(|m| m.is_file() && executable(&m)))
    })
}

#[cfg(unix)]
fn executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &fs::Metadata) -> bool {
    true
}

/// Whether this process runs as root (dpkg, Wine packages and network namespaces need it).
pub fn is_root() -> bool {
    run(Command::new("id").arg("-u")).stdout.trim() == "0"
}

/// What a finished command did.
pub struct Ran {
    /// Exit status 0.
    pub ok: bool,
    /// The exit code, if it exited.
    pub code: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

/// Runs a command to the end with no input.
pub fn run(cmd: &mut Command) -> Ran {
    let shown = format!("{cmd:?}");
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    Ran {
        ok: status.success(),
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs a command that must succeed and returns its standard output.
pub fn run_ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let r = run(cmd);
    assert!(
        r.ok,
        "{shown} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    r.stdout
}

/// One of the two Windows agents `ci/windows.sh build` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// 64-bit Windows: `x86_64-win7-windows-gnu`, `sunset-agent-X.Y.Z-x64.msi`.
    X64,
    /// 32-bit Windows: `i686-win7-windows-gnu`, `sunset-agent-X.Y.Z-x86.msi`.
    X86,
}

impl Platform {
    /// Both, 64-bit first.
    pub const ALL: [Platform; 2] = [Platform::X64, Platform::X86];

    /// `x64` or `x86`, as in the MSI's file name.
    pub fn name(self) -> &'static str {
        match self {
            Platform::X64 => "x64",
            Platform::X86 => "x86",
        }
    }

    /// The variable `ci/test.sh` sets to the built exe.
    pub fn exe_var(self) -> &'static str {
        match self {
            Platform::X64 => "SUNSET_AGENT_EXE_X64",
            Platform::X86 => "SUNSET_AGENT_EXE_X86",
        }
    }

    /// Where `ci/windows.sh build` leaves the exe, relative to the workspace.
    pub fn exe_path(self) -> &'static str {
        match self {
            Platform::X64 => "target/windows-gnu/x86_64-win7-windows-gnu/release/sunset-agent.exe",
            Platform::X86 => "target/windows-gnu/i686-win7-windows-gnu/release/sunset-agent.exe",
        }
    }

    /// The built agent: the variable, else the build's output; `None` when neither exists.
    pub fn built_exe(self) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(self.exe_var()) {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "{}={} is not a file",
                self.exe_var(),
                path.display()
            );
            return Some(path);
        }
        Some(workspace().join(self.exe_path())).filter(|p| p.is_file())
    }
}

/// dpkg with a few retries while another dpkg (an apt run elsewhere) holds the lock; panics on failure.
pub fn dpkg(args: &[&str]) -> String {
    for attempt in 1.. {
        let r = run(Command::new("dpkg")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive"));
        if r.ok {
            return r.stdout;
        }
        if attempt < 10 && r.stderr.contains("lock") {
            std::thread::sleep(std::time::Duration::from_secs(3));
            continue;
        }
        panic!(
            "dpkg {args:?} failed ({:?})\n--- stdout\n{}\n--- stderr\n{}",
            r.code, r.stdout, r.stderr
        );
    }
    unreachable!()
}

/// Whether `package` is installed (`ii`).
pub fn installed(package: &str) -> bool {
    run(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev}", package]))
        .stdout
        .starts_with("ii")
}

/// Whether anything (a file, a directory, a dangling symlink) is at `path`.
pub fn exists(path: &str) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// One deb test at a time on this machine: the agent's and the collector's packages share `/etc/sunset`,
/// and two runs would install and purge under each other's feet. Held until dropped.
pub fn deb_lock() -> fs::File {
    let lock = fs::File::create(std::env::temp_dir().join("sunset-packaging-deb.lock"))
        .expect("lock file");
    lock.lock().expect("lock");
    lock
}
