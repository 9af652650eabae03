//! The Windows agent as built for release by `ci/windows.sh build`: a PE32+ x86-64 console executable that
//! needs nothing but DLLs every Windows PC has (the C runtime is linked statically, so no MinGW or Visual
//! C++ runtime DLL has to be shipped or installed). Reports its size.
//!
//! The PE header is read here (no tool involved); the imported DLLs are listed with MinGW's
//! `x86_64-w64-mingw32-objdump -p`, which `ci/windows.sh` installs. Inputs: `SUNSET_AGENT_EXE`, else
//! where `ci/windows.sh build` leaves the exe. Missing exe or objdump: skipped with a message, a failure
//! with `CI=true`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `ci/windows.sh build` leaves the agent.
const WINDOWS_EXE: &str = "target/windows-gnu/x86_64-pc-windows-gnu/release/sunset-agent.exe";
/// `IMAGE_FILE_MACHINE_AMD64`.
const MACHINE_AMD64: u16 = 0x8664;
/// Optional header magic of PE32+ (64-bit images).
const PE32_PLUS: u16 = 0x20b;
/// `IMAGE_FILE_EXECUTABLE_IMAGE` and `IMAGE_FILE_DLL` in the COFF characteristics.
const EXECUTABLE_IMAGE: u16 = 0x0002;
const DLL: u16 = 0x2000;
/// `IMAGE_SUBSYSTEM_WINDOWS_CUI`: a console program (the agent is a CLI and a service).
const CONSOLE: u16 = 3;
/// DLLs that ship with every supported Windows (10 and later) in System32, compared case-insensitively.
/// `api-ms-win-*` API sets are system DLLs too. Anything else must be shipped in the MSI: add it here
/// only if it really is part of Windows.
const SYSTEM_DLLS: [&str; 23] = [
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "crypt32.dll",
    "iphlpapi.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ncrypt.dll",
    "netapi32.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "pdh.dll",
    "powrprof.dll",
    "psapi.dll",
    "secur32.dll",
    "setupapi.dll",
    "shell32.dll",
    "tbs.dll",
    "user32.dll",
    "userenv.dll",
    "version.dll",
    "ws2_32.dll",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Prints past the test harness's capture.
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "exe: {message}");
}

/// Skips with a message, or fails in CI, where nothing may be skipped.
fn skip(test: &str, why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: cannot run in CI: {why}"
    );
    say(&format!("SKIPPED {test}: {why}"));
}

/// The built agent: `SUNSET_AGENT_EXE`, else where `ci/windows.sh build` leaves it.
fn agent_exe(test: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SUNSET_AGENT_EXE") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "SUNSET_AGENT_EXE={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let path = workspace().join(WINDOWS_EXE);
    if path.is_file() {
        return Some(path);
    }
    skip(
        test,
        &format!(
            "no {WINDOWS_EXE}: run `bash ci/windows.sh build` first (or set SUNSET_AGENT_EXE)"
        ),
    );
    None
}

/// The header fields that say what kind of image a PE file is.
#[derive(Debug, PartialEq, Eq)]
struct PeHeader {
    machine: u16,
    characteristics: u16,
    magic: u16,
    subsystem: u16,
}

/// Reads the DOS stub's pointer to the PE signature, then the COFF header and the start of the optional
/// header. `Err` says what is wrong; nothing here trusts the file's offsets without a bounds check.
fn pe_header(bytes: &[u8]) -> Result<PeHeader, String> {
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or(format!("file too short for a field at offset {at:#x}"))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(format!("file too short for a field at offset {at:#x}"))
    };
    if bytes.get(..2) != Some(b"MZ") {
        return Err("no MZ signature: not a Windows executable".into());
    }
    let pe = usize::try_from(u32_at(0x3c)?).map_err(|e| e.to_string())?;
    if bytes.get(pe..pe + 4) != Some(b"PE\0\0") {
        return Err(format!("no PE signature at {pe:#x}"));
    }
    let coff = pe + 4;
    let optional = coff + 20;
    Ok(PeHeader {
        machine: u16_at(coff)?,
        characteristics: u16_at(coff + 18)?,
        magic: u16_at(optional)?,
        // Subsystem sits at offset 68 of the optional header in both PE32 and PE32+.
        subsystem: u16_at(optional + 68)?,
    })
}

#[test]
fn exe_is_a_pe32_plus_x86_64_console_executable() {
    let Some(exe) = agent_exe("exe_is_a_pe32_plus_x86_64_console_executable") else {
        return;
    };
    let bytes = fs::read(&exe).expect("read the exe");
    let header = pe_header(&bytes).unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    assert_eq!(
        header.machine, MACHINE_AMD64,
        "machine {:#x}, expected x86-64",
        header.machine
    );
    assert_eq!(
        header.magic, PE32_PLUS,
        "optional header magic {:#x}, expected PE32+",
        header.magic
    );
    assert!(
        header.characteristics & EXECUTABLE_IMAGE != 0 && header.characteristics & DLL == 0,
        "characteristics {:#x}: not an executable image",
        header.characteristics
    );
    assert_eq!(
        header.subsystem, CONSOLE,
        "subsystem {}, expected the console subsystem",
        header.subsystem
    );
    let size = bytes.len();
    say(&format!(
        "{}: PE32+ x86-64 console executable, {size} bytes ({:.1} MiB)",
        exe.display(),
        size as f64 / (1024.0 * 1024.0)
    ));
}

#[test]
fn exe_imports_only_dlls_that_ship_with_windows() {
    let test = "exe_imports_only_dlls_that_ship_with_windows";
    let Some(exe) = agent_exe(test) else { return };
    let output = match Command::new("x86_64-w64-mingw32-objdump")
        .arg("-p")
        .arg(&exe)
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            skip(
                test,
                &format!(
                    "x86_64-w64-mingw32-objdump cannot run ({e}); `ci/windows.sh` installs it"
                ),
            );
            return;
        }
    };
    assert!(
        output.status.success(),
        "objdump -p failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut imports: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name:"))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    imports.sort();
    imports.dedup();
    assert!(
        imports.iter().any(|d| d == "kernel32.dll"),
        "objdump listed no kernel32.dll import; its output changed?\n{text}"
    );
    let foreign: Vec<&String> = imports
        .iter()
        .filter(|d| !d.starts_with("api-ms-win-") && !SYSTEM_DLLS.contains(&d.as_str()))
        .collect();
    assert!(
        foreign.is_empty(),
        "the agent imports DLLs that are not part of Windows: {foreign:?} (a runtime DLL such as \
         libgcc_s_seh-1.dll or libwinpthread-1.dll means the C runtime is not linked statically)"
    );
    say(&format!("imports {}", imports.join(", ")));
}

#[test]
fn pe_header_refuses_what_is_not_a_windows_executable() {
    let this = fs::read(std::env::current_exe().expect("test binary")).expect("read test binary");
    assert!(pe_header(&this).is_err(), "a Linux test binary read as PE");
    let mut stub = b"MZ".to_vec();
    stub.resize(0x40, 0);
    stub[0x3c] = 0xf0; // points past the end
    assert!(pe_header(&stub).is_err(), "a truncated MZ stub read as PE");
}
