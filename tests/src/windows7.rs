//! Can a Windows executable load on Windows 7 SP1 / Server 2008 R2 SP1? Windows refuses to start an exe
//! when one imported DLL or function is missing ("The procedure entry point … could not be located"), or
//! when its PE header asks for a newer subsystem. Wine exports everything whatever version it claims, so
//! this is decided from the import table, against what Windows 7 SP1 is documented to export
//! (`tests/data/windows7/`, sources in its README).

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use object::LittleEndian as LE;
use object::pe;
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, ImageThunkData, PeFile};

/// Functions that Windows 7 lacks and that toolchains are known to pull in, with the Windows version
/// that added each (Microsoft's "Minimum supported client"). An import of one of them is reported with
/// this reason, and none of them may ever appear in the allow-list.
pub const NEWER_THAN_WINDOWS_7: [(&str, &str); 9] = [
    (
        "WaitOnAddress",
        "Windows 8 (Rust's x86_64-pc-windows-gnu std: futex locks)",
    ),
    (
        "WakeByAddressAll",
        "Windows 8 (Rust's x86_64-pc-windows-gnu std)",
    ),
    (
        "WakeByAddressSingle",
        "Windows 8 (Rust's x86_64-pc-windows-gnu std)",
    ),
    (
        "GetSystemTimePreciseAsFileTime",
        "Windows 8 (Rust's x86_64-pc-windows-gnu std: SystemTime::now)",
    ),
    (
        "ProcessPrng",
        "Windows 10's bcryptprimitives.dll (Rust's x86_64-pc-windows-gnu std: hash seeds)",
    ),
    ("Tbsi_GetDeviceInfo", "Windows 8 / Server 2012 (tbs.h)"),
    ("GetFirmwareType", "Windows 8 / Server 2012 (winbase.h)"),
    ("CreateFile2", "Windows 8 (fileapi.h)"),
    (
        "GetSystemCpuSetInformation",
        "Windows 10 (processthreadsapi.h)",
    ),
];

/// The CPU an image is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// `IMAGE_FILE_MACHINE_AMD64`, PE32+.
    X64,
    /// `IMAGE_FILE_MACHINE_I386`, PE32.
    X86,
}

/// What the loader needs from Windows to start an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The CPU.
    pub arch: Arch,
    /// `MajorSubsystemVersion.MinorSubsystemVersion` of the optional header: Windows refuses an image
    /// that asks for a newer one than itself (Windows 7 is 6.1).
    pub subsystem_version: (u16, u16),
    /// `IMAGE_SUBSYSTEM_*`.
    pub subsystem: u16,
    /// Whether it is a DLL rather than an executable.
    pub is_dll: bool,
    /// Every import, `(dll in lower case, function)`; an import by ordinal is `#<n>`. Delay-loaded
    /// imports are included: they fail at the first call instead of at start.
    pub imports: BTreeSet<(String, String)>,
}

/// Reads a PE file's headers and import tables (normal and delay-load).
pub fn read_image(bytes: &[u8]) -> Result<Image, String> {
    match object::FileKind::parse(bytes).map_err(|e| e.to_string())? {
        object::FileKind::Pe64 => parse::<pe::ImageNtHeaders64>(bytes, Arch::X64),
        object::FileKind::Pe32 => parse::<pe::ImageNtHeaders32>(bytes, Arch::X86),
        other => Err(format!("not a Windows PE image: {other:?}")),
    }
}

fn parse<Pe: ImageNtHeaders>(bytes: &[u8], arch: Arch) -> Result<Image, String> {
    let file = PeFile::<Pe>::parse(bytes).map_err(|e| format!("PE: {e}"))?;
    let machine = file.nt_headers().file_header().machine.get(LE);
    let expected = match arch {
        Arch::X64 => pe::IMAGE_FILE_MACHINE_AMD64,
        Arch::X86 => pe::IMAGE_FILE_MACHINE_I386,
    };
    if machine != expected {
        return Err(format!(
            "machine {machine:#x} does not match a {arch:?} image"
        ));
    }
    let optional = file.nt_headers().optional_header();
    let characteristics = file.nt_headers().file_header().characteristics.get(LE);
    let mut imports = BTreeSet::new();
    let named = |hint_name: object::Result<(u16, &[u8])>| -> Result<String, String> {
        let (_, name) = hint_name.map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(name).into_owned())
    };
    if let Some(table) = file.import_table().map_err(|e| e.to_string())? {
        let mut descriptors = table.descriptors().map_err(|e| e.to_string())?;
        while let Some(descriptor) = descriptors.next().map_err(|e| e.to_string())? {
            let dll = lower(
                table
                    .name(descriptor.name.get(LE))
                    .map_err(|e| e.to_string())?,
            );
            let mut first = descriptor.original_first_thunk.get(LE);
            if first == 0 {
                first = descriptor.first_thunk.get(LE);
            }
            let mut thunks = table.thunks(first).map_err(|e| e.to_string())?;
            while let Some(thunk) = thunks.next::<Pe>().map_err(|e| e.to_string())? {
                let function = if thunk.is_ordinal() {
                    format!("#{}", thunk.ordinal())
                } else {
                    named(table.hint_name(thunk.address()))?
                };
                imports.insert((dll.clone(), function));
            }
        }
    }
    let directories = file.data_directories();
    if let Some(table) = directories
        .delay_load_import_table(bytes, &file.section_table())
        .map_err(|e| e.to_string())?
    {
        let mut descriptors = table.descriptors().map_err(|e| e.to_string())?;
        while let Some(descriptor) = descriptors.next().map_err(|e| e.to_string())? {
            let dll = lower(
                table
                    .name(descriptor.dll_name_rva.get(LE))
                    .map_err(|e| e.to_string())?,
            );
            let mut thunks = table
                .thunks(descriptor.import_name_table_rva.get(LE))
                .map_err(|e| e.to_string())?;
            while let Some(thunk) = thunks.next::<Pe>().map_err(|e| e.to_string())? {
                let function = if thunk.is_ordinal() {
                    format!("#{}", thunk.ordinal())
                } else {
                    named(table.hint_name(thunk.address()))?
                };
                imports.insert((dll.clone(), function));
            }
        }
    }
    Ok(Image {
        arch,
        subsystem_version: (
            optional.major_subsystem_version(),
            optional.minor_subsystem_version(),
        ),
        subsystem: optional.subsystem(),
        is_dll: characteristics & pe::IMAGE_FILE_DLL != 0,
        imports,
    })
}

fn lower(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_ascii_lowercase()
}

/// What Windows 7 SP1 provides, from `tests/data/windows7/`.
#[derive(Debug)]
pub struct Windows7 {
    /// `(dll, function)` pairs it exports that the agent may use (the allow-list).
    pub exports: BTreeSet<(String, String)>,
    /// DLL file names in a 64-bit Windows 7 SP1's System32.
    pub system32_x64: BTreeSet<String>,
    /// DLL file names in its SysWOW64 (what a 32-bit process gets).
    pub syswow64_x86: BTreeSet<String>,
}

/// One reason an image would not start on Windows 7 SP1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `dll!function`, or the header field.
    pub what: String,
    /// Why.
    pub why: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}

impl Windows7 {
    /// Loads the lists from `dir` (`tests/data/windows7`).
    pub fn load(dir: &Path) -> Result<Windows7, String> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map_err(|e| format!("{}: {e}", dir.join(name).display()))
        };
        let mut exports = BTreeSet::new();
        for (n, line) in read("exports.txt")?.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let pair = fields.next().unwrap_or_default();
            let evidence = fields.next();
            let (dll, function) = pair.split_once('!').ok_or(format!(
                "exports.txt:{}: expected dll!function evidence",
                n + 1
            ))?;
            if evidence.is_none() || dll != dll.to_ascii_lowercase() || !dll.ends_with(".dll") {
                return Err(format!(
                    "exports.txt:{}: {line:?}: expected `lower-case.dll!Function evidence`",
                    n + 1
                ));
            }
            exports.insert((dll.to_string(), function.to_string()));
        }
        let names = |text: String| -> BTreeSet<String> {
            text.lines()
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect()
        };
        Ok(Windows7 {
            exports,
            system32_x64: names(read("system32-x64.txt")?),
            syswow64_x86: names(read("syswow64-x86.txt")?),
        })
    }

    /// Every reason `image` would not start on Windows 7 SP1; empty when it would.
    pub fn check(&self, image: &Image) -> Vec<Problem> {
        let mut problems = Vec::new();
        if image.subsystem_version > (6, 1) {
            problems.push(Problem {
                what: "optional header MajorSubsystemVersion.MinorSubsystemVersion".into(),
                why: format!(
                    "{}.{} is newer than Windows 7's 6.1: Windows 7 refuses to start the image",
                    image.subsystem_version.0, image.subsystem_version.1
                ),
            });
        }
        let dlls = match image.arch {
            Arch::X64 => &self.system32_x64,
            Arch::X86 => &self.syswow64_x86,
        };
        for (dll, function) in &image.imports {
            let what = format!("{dll}!{function}");
            let known = NEWER_THAN_WINDOWS_7
                .iter()
                .find(|(name, _)| name == function);
            let why = if let Some((_, since)) = known {
                format!("needs {since}")
            } else if !dlls.contains(dll) {
                if dll.starts_with("api-ms-win-") {
                    format!(
                        "API set {dll} does not exist on Windows 7 SP1 (its sets are the l1-1-0 generation)"
                    )
                } else {
                    format!(
                        "{dll} is not a Windows 7 SP1 system DLL (a runtime DLL to ship, or a newer Windows's)"
                    )
                }
            } else if !self.exports.contains(&(dll.clone(), function.clone())) {
                "not in tests/data/windows7/exports.txt: check that Windows 7 SP1 exports it and add it \
                 with its evidence, or avoid the call (look it up at run time)"
                    .into()
            } else {
                continue;
            };
            problems.push(Problem { what, why });
        }
        problems
    }
}

/// An import list recorded as `dll!function` lines (`#` comments), e.g. from `objdump -p`.
pub fn recorded_imports(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (dll, function) = l.split_whitespace().next()?.split_once('!')?;
            Some((dll.to_ascii_lowercase(), function.to_string()))
        })
        .collect()
}
