//! Berkeley DB rpm databases (`Packages`, RHEL 7–8, CentOS, older SUSE), read through the `rpm`
//! program on a copy in a temporary directory (rpm may create files beside the database).

use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sunset_catalog::inventory::{Software, Warning};

use super::header::{HeaderError, tag};
use super::{RpmPackage, RpmdbFormat, SOURCE, collect};
use crate::parse::{cap_warnings, non_empty};

/// The `--qf` format given to the rpm tool: one tab-separated line per package, empty fields for
/// absent tags.
pub const QUERY_FORMAT: &str = "%{NAME}\\t%|EPOCH?{%{EPOCH}}:{}|\\t%{VERSION}\\t%{RELEASE}\\t\
%|ARCH?{%{ARCH}}:{}|\\t%|VENDOR?{%{VENDOR}}:{}|\\t%|INSTALLTIME?{%{INSTALLTIME}}:{}|\\t\
%|PACKAGER?{%{PACKAGER}}:{}|\\t%|DISTRIBUTION?{%{DISTRIBUTION}}:{}|\\n";
/// How long the rpm tool may run.
pub const RPM_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest output read from the rpm tool.
const MAX_TOOL_OUTPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Parses the output of `rpm -qa --qf` [`QUERY_FORMAT`]: one package per line, 9 tab-separated
/// fields. Malformed lines are warnings.
pub fn parse_query_output(text: &str) -> (Vec<Software>, Vec<Warning>) {
    let mut results = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label = format!("rpm output line {}", index + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let result = match fields.as_slice() {
            [
                name,
                epoch,
                version,
                release,
                arch,
                vendor,
                install_time,
                packager,
                distribution,
            ] if !name.is_empty() => Ok(RpmPackage {
                name: name.to_string(),
                epoch: epoch.parse().ok(),
                version: non_empty(version),
                release: non_empty(release),
                arch: non_empty(arch),
                vendor: non_empty(vendor),
                install_time: install_time.parse().ok(),
                packager: non_empty(packager),
                distribution: non_empty(distribution),
            }),
            _ => Err(HeaderError::BadEntry {
                tag: tag::NAME,
                reason: "line is not 9 tab-separated fields with a name",
            }),
        };
        results.push((label, result));
    }
    let (software, warnings) = collect(results, SOURCE.name());
    (software, cap_warnings(SOURCE.name(), warnings))
}

/// Lists a database with the rpm program: copies `db_file` into a temporary directory, runs
/// `rpm --dbpath <tmp> -qa --qf QUERY_FORMAT` (at most [`RPM_TIMEOUT`]) and parses its output. A
/// missing rpm program, a failure, or an empty listing is a warning naming the format found.
pub fn read_with_rpm_tool(
    db_file: &Path,
    format: RpmdbFormat,
    rpm_program: &OsStr,
) -> (Vec<Software>, Vec<Warning>) {
    let what = format!(
        "{} rpm database at {}",
        format.describe(),
        db_file.display()
    );
    let fail = |message: String| (Vec::new(), vec![Warning::new(SOURCE.name(), message)]);
    let Some(file_name) = db_file.file_name() else {
        return fail(format!("{what}: not a file"));
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return fail(format!("{what}: cannot create a temporary directory: {e}")),
    };
    if let Err(e) = std::fs::copy(db_file, dir.path().join(file_name)) {
        return fail(format!("{what}: cannot copy it: {e}"));
    }
    let output = match run_with_timeout(
        Command::new(rpm_program)
            .arg("--dbpath")
            .arg(dir.path())
            .args(["-qa", "--qf", QUERY_FORMAT])
            .env("LC_ALL", "C"),
        RPM_TIMEOUT,
    ) {
        Ok(output) => output,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return fail(format!(
                "found a {what}, but the rpm tool ({}) is not installed: its packages are not listed",
                rpm_program.to_string_lossy()
            ));
        }
        Err(e) => return fail(format!("{what}: running rpm failed: {e}")),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .take(3)
        .collect();
    if !output.success {
        return fail(format!("{what}: rpm failed: {}", errors.join(" / ")));
    }
    let (software, mut warnings) = parse_query_output(&String::from_utf8_lossy(&output.stdout));
    if software.is_empty() && warnings.is_empty() {
        warnings.push(Warning::new(
            SOURCE.name(),
            format!(
                "{what}: rpm listed no packages (this rpm may not support the {} format)",
                format.describe()
            ),
        ));
    }
    (software, warnings)
}

struct ToolOutput {
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs a command with stdin closed, reading bounded stdout and stderr, killing it after `timeout`.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> io::Result<ToolOutput> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                // A read error leaves what was read; the exit status tells the rest.
                let _ = pipe.take(MAX_TOOL_OUTPUT_BYTES).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s; stopped", timeout.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(ToolOutput {
        success: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_output_lines() {
        let text = "hello\t1\t0.0.1\trls\tx86_64\t\t1693395934\t\t\ngpg-pubkey\t\tabc\tdef\t\t\t\t\t\nbroken\n";
        let (software, warnings) = parse_query_output(text);
        assert_eq!(software.len(), 1);
        assert_eq!(software[0].version.as_deref(), Some("1:0.0.1-rls"));
        assert_eq!(software[0].publisher, None);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("line 3"));
    }
}
