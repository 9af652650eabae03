//! The throwaway Wine prefix (`ci/wine.sh prefix`) and running commands in it, with time limits.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sunset_tests::support::workspace;

use crate::util::{parse_reg_query, read_msi_log, say, skip};
use crate::{HKLM_UNINSTALL, SERVICE, ensure};

/// Longest any single Wine command may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for the service to reach a state or for a line in its log.
pub const SERVICE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest `ci/wine.sh prefix` may take (it may install wine64 and wine32 with apt first).
const SETUP_TIMEOUT: Duration = Duration::from_secs(900);

/// A throwaway prefix made by `ci/wine.sh prefix`. Dropping it stops its wineserver (and with it every
/// Wine process of the prefix, the service included) and removes the directory, even after a failure.
pub struct Prefix {
    dir: tempfile::TempDir,
    prefix: PathBuf,
    wine: PathBuf,
    wineserver: Option<PathBuf>,
}

impl Prefix {
    /// `None` (after a message; a failure in CI) when Wine is missing and cannot be installed.
    pub fn create(arch: &str) -> Option<Prefix> {
        let dir = tempfile::Builder::new()
            .prefix("sunset-wine-")
            .tempdir()
            .expect("temp dir");
        let prefix = dir.path().join("prefix");
        // The guard exists before the script runs, so a half-made prefix is cleaned up too.
        let mut guard = Prefix {
            dir,
            prefix,
            wine: PathBuf::new(),
            wineserver: ["/usr/lib/wine/wineserver", "/usr/bin/wineserver"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file()),
        };
        let mut setup = Command::new("bash");
        setup
            .arg(workspace().join("ci/wine.sh"))
            .arg("prefix")
            .arg(&guard.prefix)
            .arg(arch);
        let ran = run_for(&mut setup, SETUP_TIMEOUT);
        if ran.code == Some(3) {
            skip(&format!(
                "ci/wine.sh cannot prepare Wine: {}",
                ran.stderr.trim()
            ));
            return None;
        }
        assert!(ran.ok(), "ci/wine.sh prefix failed: {ran}");
        let vars: BTreeMap<&str, &str> = ran
            .stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .collect();
        guard.wine = PathBuf::from(vars.get("WINE").expect("ci/wine.sh prints WINE="));
        guard.wineserver = vars.get("WINESERVER").map(PathBuf::from);
        say(&format!(
            "{arch} Wine prefix {} claiming Windows 7 SP1 ({})",
            guard.prefix.display(),
            guard.wine.display()
        ));
        Some(guard)
    }

    /// The installed agent, as Windows sees it (32-bit Windows has one Program Files too).
    pub fn program_files_exe(&self) -> String {
        r"C:\Program Files\Sunset\sunset-agent.exe".to_string()
    }

    pub fn drive_c(&self) -> PathBuf {
        self.prefix.join("drive_c")
    }

    /// `C:\ProgramData\Sunset`.
    pub fn program_data(&self) -> PathBuf {
        self.drive_c().join("ProgramData/Sunset")
    }

    /// A new directory next to the prefix, for files the test makes.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.dir.path().join(name);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    /// A Unix path as Wine's `Z:` drive shows it.
    pub fn windows_path(path: &Path) -> String {
        format!("Z:{}", path.display()).replace('/', "\\")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.args(args)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs a Wine program. When Wine's loader could not start the program at all (it falls back to
    /// ShellExecuteEx and prints "Application could not be started"; seen about once in twenty runs on
    /// a busy two-core machine, at any step), nothing ran, so the same command is tried again, at most
    /// twice, and the retry is said. A program that started and failed is never retried.
    pub fn run(&self, args: &[&str]) -> Ran {
        let mut tries = 1;
        loop {
            let ran = run_for(&mut self.command(args), COMMAND_TIMEOUT);
            if ran.ok() || !ran.not_started() || tries == 3 {
                return ran;
            }
            say(&format!(
                "Wine could not start {args:?} (try {tries}); trying again"
            ));
            std::thread::sleep(Duration::from_secs(2));
            tries += 1;
        }
    }

    /// `msiexec <action> <msi> /qn /l*v <log> [properties]`. Through Wine only the low byte of the exit
    /// code arrives (1603 is 67): enough to tell 0 from failure; [`Prefix::msiexec_exit_code`] gets all of it.
    pub fn msiexec(&self, action: &str, msi: &Path, log: &str, properties: &[&str]) -> Ran {
        let msi = Prefix::windows_path(msi);
        let log = Prefix::windows_path(&self.dir.path().join(log));
        let mut args = vec!["msiexec", action, &msi, "/qn", "/l*v", &log];
        args.extend_from_slice(properties);
        self.run(&args)
    }

    /// Installs `msi` through a batch file that prints msiexec's full exit code; returns it and the log.
    pub fn msiexec_exit_code(&self, msi: &Path, log: &str) -> Result<(u32, String), String> {
        let script = self.dir.path().join("msiexec-exit-code.cmd");
        fs::write(
            &script,
            "@start \"\" /wait msiexec %*\r\n@echo msiexec exit code: %ERRORLEVEL%\r\n",
        )
        .map_err(|e| e.to_string())?;
        let log_path = self.dir.path().join(log);
        let ran = self.run(&[
            "cmd",
            "/c",
            &Prefix::windows_path(&script),
            "/i",
            &Prefix::windows_path(msi),
            "/qn",
            "/l*v",
            &Prefix::windows_path(&log_path),
        ]);
        let code = ran
            .stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("msiexec exit code: "))
            .and_then(|c| c.parse().ok())
            .ok_or(format!("no exit code from the batch file: {ran}"))?;
        Ok((code, read_msi_log(&log_path)))
    }

    /// The values of a key (`reg query KEY`), or `None` when it does not exist.
    pub fn reg_values(&self, key: &str) -> Option<BTreeMap<String, String>> {
        let ran = self.run(&["reg", "query", key]);
        if !ran.ok() {
            return None;
        }
        Some(
            parse_reg_query(&ran.stdout)
                .into_iter()
                .next()
                .map(|(_, values)| values)
                .unwrap_or_default(),
        )
    }

    /// `DisplayVersion` of every 64-bit view `Uninstall` entry whose `DisplayName` is `name`.
    pub fn arp_entries(&self, name: &str, view: Option<&str>) -> Vec<String> {
        let mut args = vec!["reg", "query", HKLM_UNINSTALL, "/s"];
        args.extend(view);
        let ran = self.run(&args);
        parse_reg_query(&ran.stdout)
            .into_iter()
            .filter(|(_, values)| values.get("DisplayName").is_some_and(|n| n == name))
            .map(|(_, values)| values.get("DisplayVersion").cloned().unwrap_or_default())
            .collect()
    }

    pub fn sc(&self, verb: &str) -> Result<(), String> {
        let ran = self.run(&["sc", verb, SERVICE]);
        ensure!(ran.ok(), "sc {verb} {SERVICE}: {ran}");
        Ok(())
    }

    /// `RUNNING`, `STOPPED`, …; `None` when the service does not exist.
    pub fn service_state(&self) -> Option<String> {
        let ran = self.run(&["sc", "query", SERVICE]);
        if !ran.ok() {
            return None;
        }
        ran.stdout.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "STATE")
                .then(|| value.split_whitespace().last().unwrap_or("").to_string())
        })
    }

    pub fn wait_for_service(&self, state: &str) -> Result<(), String> {
        let deadline = Instant::now() + SERVICE_TIMEOUT;
        loop {
            let now = self.service_state();
            if now.as_deref() == Some(state) {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "{SERVICE} is {now:?}, not {state}, after {SERVICE_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        if let Some(wineserver) = &self.wineserver {
            let mut kill = Command::new(wineserver);
            kill.arg("-k").env("WINEPREFIX", &self.prefix);
            let _ = run_until(&mut kill, Duration::from_secs(30));
        }
        // The TempDir field removes the directory after this.
    }
}

/// What a command did.
pub struct Ran {
    shown: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Wine's loader found no way to start the program (its ShellExecuteEx fallback failed): the
    /// program itself never ran.
    fn not_started(&self) -> bool {
        self.stdout.contains("ShellExecuteEx failed")
            || self.stderr.contains("ShellExecuteEx failed")
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.shown,
            self.code,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

/// The end of a command's output, enough to see why it failed (Wine's crash dumps run to pages).
fn tail(text: &str) -> &str {
    const SHOWN: usize = 4000;
    let text = text.trim_end();
    let mut start = text.len().saturating_sub(SHOWN);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs a command with a time limit; panics if it cannot start or overruns.
pub fn run_for(cmd: &mut Command, limit: Duration) -> Ran {
    let shown = format!("{cmd:?}");
    run_until(cmd, limit).unwrap_or_else(|e| panic!("{shown}: {e}"))
}

/// Output goes to files, not pipes: Wine may leave processes behind (wineserver, services.exe) that hold
/// inherited pipe ends open, and reading a pipe to its end would wait for them.
pub fn run_until(cmd: &mut Command, limit: Duration) -> Result<Ran, String> {
    let shown = format!("{cmd:?}");
    let mut out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut err = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |file: &mut fs::File| {
        let mut text = String::new();
        let _ = file.rewind();
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text.push_str(&String::from_utf8_lossy(&bytes));
        text
    };
    Ok(Ran {
        shown,
        code: status.code(),
        stdout: read(&mut out),
        stderr: read(&mut err),
    })
}
