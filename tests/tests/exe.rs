//! The Windows agents as built for release by `ci/windows.sh build` (Rust's `x86_64-win7-windows-gnu`
//! and `i686-win7-windows-gnu`): console executables that Windows 7 SP1 / Server 2008 R2 SP1 can load.
//!
//! Each exe's import tables (normal and delay-load, read with the `object` crate) must name only DLLs of a
//! Windows 7 SP1 System32 (SysWOW64 for the 32-bit exe) and only functions in the documented allow-list
//! `tests/data/windows7/exports.txt`; none of the known Windows 8+ functions (`WaitOnAddress`,
//! `GetSystemTimePreciseAsFileTime`, `ProcessPrng`, …) and no API set newer than Windows 7's; and the PE
//! header must not ask for a subsystem newer than 6.1. The C runtime is linked statically, so no MinGW DLL
//! is needed. Wine exports everything, so this, not Wine, is the evidence (packaging/WINE.md).
//!
//! `windows_10_only_build_would_not_load_on_windows_7` runs the same check on the import list recorded from
//! the `x86_64-pc-windows-gnu` exe the project shipped before (tests/data/windows7/imports-x86_64-pc-windows-gnu.txt)
//! and shows that it fails.
//!
//! Inputs: `SUNSET_AGENT_EXE_X64` and `SUNSET_AGENT_EXE_X86` (set by `ci/test.sh`), else where
//! `ci/windows.sh build` leaves them. A missing exe fails under `CI=true` and is skipped, loudly, elsewhere.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sunset_tests::windows7::{self, Arch, NEWER_THAN_WINDOWS_7, Windows7};

/// `IMAGE_SUBSYSTEM_WINDOWS_CUI`: a console program (the agent is a CLI and a service).
const CONSOLE: u16 = 3;

/// One release build: its variable, where `ci/windows.sh build` leaves it, and its CPU.
struct Target {
    var: &'static str,
    path: &'static str,
    arch: Arch,
}

const X64: Target = Target {
    var: "SUNSET_AGENT_EXE_X64",
    path: "target/windows-gnu/x86_64-win7-windows-gnu/release/sunset-agent.exe",
    arch: Arch::X64,
};
const X86: Target = Target {
    var: "SUNSET_AGENT_EXE_X86",
    path: "target/windows-gnu/i686-win7-windows-gnu/release/sunset-agent.exe",
    arch: Arch::X86,
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn windows7() -> Windows7 {
    Windows7::load(&workspace().join("tests/data/windows7")).unwrap_or_else(|e| panic!("{e}"))
}

/// Prints past the test harness's capture.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "exe: {message}");
}

/// The built exe, or `None` after saying why (a failure under `CI=true`, where nothing may be skipped).
fn agent_exe(target: &Target) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(target.var) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{}={} is not a file",
            target.var,
            path.display()
        );
        return Some(path);
    }
    let path = workspace().join(target.path);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "no {}: run `bash ci/windows.sh build` first (or set {})",
        target.path, target.var
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "cannot run in CI: {why}"
    );
    say(&format!("SKIPPED: {why}"));
    None
}

fn check_exe(target: &Target) {
    let Some(exe) = agent_exe(target) else { return };
    let bytes = fs::read(&exe).expect("read the exe");
    let image = windows7::read_image(&bytes).unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    assert_eq!(image.arch, target.arch, "{}", exe.display());
    assert!(!image.is_dll, "{} is a DLL", exe.display());
    assert_eq!(
        image.subsystem, CONSOLE,
        "subsystem {}, expected the console",
        image.subsystem
    );
    assert!(
        image.imports.iter().any(|(dll, _)| dll == "kernel32.dll"),
        "no kernel32.dll import read from {}: the reader is broken",
        exe.display()
    );
    let problems = windows7().check(&image);
    let dlls: std::collections::BTreeSet<&str> =
        image.imports.iter().map(|(dll, _)| dll.as_str()).collect();
    say(&format!(
        "{}: {:?}, {} bytes ({:.1} MiB), subsystem {}.{}, {} imports from {dlls:?}",
        exe.display(),
        image.arch,
        bytes.len(),
        bytes.len() as f64 / (1024.0 * 1024.0),
        image.subsystem_version.0,
        image.subsystem_version.1,
        image.imports.len()
    ));
    assert!(
        problems.is_empty(),
        "{} would not start on Windows 7 SP1 ({} problem(s)):\n  {}",
        exe.display(),
        problems.len(),
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn x64_exe_loads_on_windows_7_sp1() {
    check_exe(&X64);
}

#[test]
fn x86_exe_loads_on_windows_7_sp1() {
    check_exe(&X86);
}

/// The exe the project built before (Rust's Windows 10+ `x86_64-pc-windows-gnu` target, main at
/// 355ffb6), whose import table was recorded with `x86_64-w64-mingw32-objdump -p`: it must fail, and for the
/// reasons the Windows 7 builds exist.
#[test]
fn windows_10_only_build_would_not_load_on_windows_7() {
    let path = workspace().join("tests/data/windows7/imports-x86_64-pc-windows-gnu.txt");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image = windows7::Image {
        arch: Arch::X64,
        subsystem_version: (5, 2),
        subsystem: CONSOLE,
        is_dll: false,
        imports: windows7::recorded_imports(&text),
    };
    assert!(image.imports.len() > 200, "the recorded list is incomplete");
    let problems = windows7().check(&image);
    let flagged: Vec<&str> = problems.iter().map(|p| p.what.as_str()).collect();
    for expected in [
        "api-ms-win-core-synch-l1-2-0.dll!WaitOnAddress",
        "api-ms-win-core-synch-l1-2-0.dll!WakeByAddressAll",
        "api-ms-win-core-synch-l1-2-0.dll!WakeByAddressSingle",
        "kernel32.dll!GetSystemTimePreciseAsFileTime",
        "bcryptprimitives.dll!ProcessPrng",
        "tbs.dll!Tbsi_GetDeviceInfo",
    ] {
        assert!(
            flagged.contains(&expected),
            "{expected} not flagged: {flagged:?}"
        );
    }
    say(&format!(
        "the x86_64-pc-windows-gnu exe fails the Windows 7 check with {} problems:\n  {}",
        problems.len(),
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    ));
}

/// The allow-list can never be edited into accepting a known Windows 8+ function or a newer API set, and
/// every entry carries its evidence (checked when it loads).
#[test]
fn allow_list_forbids_what_windows_7_lacks() {
    let windows7 = windows7();
    assert!(windows7.exports.len() > 250, "exports.txt lost entries");
    for (dll, function) in &windows7.exports {
        assert!(
            !NEWER_THAN_WINDOWS_7
                .iter()
                .any(|(name, _)| name == function),
            "exports.txt allows {dll}!{function}, which Windows 7 does not have"
        );
        assert!(
            !dll.starts_with("api-ms-win-"),
            "exports.txt allows an API set import ({dll}!{function}): name the DLL that implements it"
        );
        assert!(
            windows7.system32_x64.contains(dll) || windows7.syswow64_x86.contains(dll),
            "exports.txt names {dll}, which is not a Windows 7 SP1 DLL"
        );
    }
    for list in [&windows7.system32_x64, &windows7.syswow64_x86] {
        for set in list.iter().filter(|d| d.starts_with("api-ms-win-")) {
            assert!(
                set.ends_with("-1-0.dll"),
                "{set}: Windows 7's API sets are all version 1.0"
            );
        }
        assert!(
            list.contains("kernel32.dll") && !list.contains("api-ms-win-core-synch-l1-2-0.dll")
        );
    }
}

#[test]
fn pe_reader_refuses_what_is_not_a_windows_executable() {
    let this = fs::read(std::env::current_exe().expect("test binary")).expect("read test binary");
    assert!(
        windows7::read_image(&this).is_err(),
        "a Linux test binary read as PE"
    );
    let mut stub = b"MZ".to_vec();
    stub.resize(0x40, 0);
    stub[0x3c] = 0xf0; // points past the end
    assert!(
        windows7::read_image(&stub).is_err(),
        "a truncated MZ stub read as PE"
    );
}
