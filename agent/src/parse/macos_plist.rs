//! macOS: the OS release from `SystemVersion.plist` and installed applications from their
//! bundles' `Contents/Info.plist`.
//!
//! Both are property lists, XML or binary (`bplist00`); the `plist` crate reads either. The
//! application walker looks where the Finder installs applications: `/Applications`,
//! `/System/Applications` and `/Users/<name>/Applications`, each with one level of plain subfolders
//! (`/Applications/Utilities`). It does not descend into bundles, so helper apps inside an app are
//! not listed as separate programs.
//!
//! Decisions:
//! - **Version is `CFBundleShortVersionString` only.** When it is absent the version is reported
//!   as unknown rather than taken from `CFBundleVersion`, which Apple defines as the *build*
//!   number: Google Chrome's `6723.69` is the tail of `130.0.6723.69`, Slack's is `450000128`.
//!   Presenting a build number as the release would give a wrong end-of-support verdict; an
//!   unknown version gives an `unknown` one that a person can check.
//! - Name is `CFBundleDisplayName`, else `CFBundleName`, else the bundle folder name without
//!   `.app`. `identifier` is `CFBundleIdentifier`; `install_location` is the bundle's path on the
//!   scanned machine.
//! - A bundle without `Contents/Info.plist` (iOS apps on Apple silicon keep theirs elsewhere) is
//!   skipped silently; an unreadable or malformed one is a warning.

use std::fs;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};

use plist::{Dictionary, Value};
use sunset_catalog::inventory::{Os, OsFamily, Software, Source, Warning};

use super::{cap_warnings, machine_path, non_empty, read_bounded, under_root};

/// The OS release record.
pub const SYSTEM_VERSION_PATH: &str = "/System/Library/CoreServices/SystemVersion.plist";
/// Folders holding applications (each also searched one subfolder deep).
pub const APPLICATION_DIRS: [&str; 2] = ["/Applications", "/System/Applications"];
/// Parent of the users' home folders; each home's `Applications` is searched too.
pub const USERS_DIR: &str = "/Users";
/// The source of every entry read here; its name labels the warnings.
pub const SOURCE: Source = Source::MacosApp;
/// The source name used in warnings about the OS record.
pub const OS_SOURCE: &str = "macos-system-version";
/// Largest plist read (real Info.plists are tens of KiB).
const MAX_PLIST_BYTES: u64 = 16 * 1024 * 1024;

/// Why a property list could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PlistError {
    /// Not a property list (neither XML nor binary), or damaged.
    #[error("not a readable property list: {0}")]
    Parse(#[from] plist::Error),
    /// A property list whose root is not a dictionary.
    #[error("the property list's root is not a dictionary")]
    NotADictionary,
    /// A version record of something other than macOS: an iOS SDK's copy (`iPhone OS`), or the
    /// stub `grub-install` writes so Apple firmware boots GRUB (`GRUB`).
    #[error("ProductName {0:?} is not macOS: not read as the OS")]
    NotMacos(String),
}

/// `ProductName`s that are macOS: `macOS` (11 and later, and some 10.x), `Mac OS X` (to 10.15), and
/// their server editions.
pub const MACOS_PRODUCT_NAMES: [&str; 4] = ["macOS", "Mac OS X", "Mac OS X Server", "macOS Server"];

/// Parses a property list (XML or binary) whose root must be a dictionary.
pub fn parse_dictionary(bytes: &[u8]) -> Result<Dictionary, PlistError> {
    match Value::from_reader(Cursor::new(bytes))? {
        Value::Dictionary(dictionary) => Ok(dictionary),
        _ => Err(PlistError::NotADictionary),
    }
}

fn string(dictionary: &Dictionary, key: &str) -> Option<String> {
    dictionary
        .get(key)
        .and_then(Value::as_string)
        .and_then(non_empty)
}

/// Parses `SystemVersion.plist` into an [`Os`]: family macOS, `name` = `ProductName` (`macOS`,
/// or `Mac OS X` up to 10.15), `version` = `ProductVersion`, `build` = `ProductBuildVersion`.
/// A record whose `ProductName` is present and not one of [`MACOS_PRODUCT_NAMES`] is refused
/// ([`PlistError::NotMacos`]): the same file name holds iOS SDK copies and GRUB's boot stub.
pub fn parse_system_version(bytes: &[u8]) -> Result<Os, PlistError> {
    let dictionary = parse_dictionary(bytes)?;
    let name = string(&dictionary, "ProductName");
    if let Some(name) = &name
        && !MACOS_PRODUCT_NAMES
            .iter()
            .any(|macos| name.eq_ignore_ascii_case(macos))
    {
        return Err(PlistError::NotMacos(name.clone()));
    }
    Ok(Os {
        family: Some(OsFamily::Macos),
        name: name.unwrap_or_default(),
        version: string(&dictionary, "ProductVersion").unwrap_or_default(),
        build: string(&dictionary, "ProductBuildVersion"),
        ..Os::default()
    })
}

/// Why `SystemVersion.plist` gave no macOS.
#[derive(Debug)]
pub struct SystemVersionError {
    /// What to tell the user.
    pub warning: Warning,
    /// Whether the file is another system's record (so the root is not macOS at all).
    pub not_macos: bool,
}

/// Reads `SystemVersion.plist` under `root`.
pub fn read_system_version(root: &Path) -> Result<Os, SystemVersionError> {
    let path = under_root(root, SYSTEM_VERSION_PATH);
    let fail = |message: String, not_macos: bool| SystemVersionError {
        warning: Warning::new(OS_SOURCE, format!("{SYSTEM_VERSION_PATH}: {message}")),
        not_macos,
    };
    let bytes = read_bounded(&path, MAX_PLIST_BYTES).map_err(|e| fail(e.to_string(), false))?;
    parse_system_version(&bytes).map_err(|e| {
        let not_macos = matches!(e, PlistError::NotMacos(_));
        fail(e.to_string(), not_macos)
    })
}

/// Parses an application's `Info.plist`; `bundle_path` is the `.app` folder as seen on the
/// scanned machine (`/Applications/Slack.app`), used for the fallback name and `install_location`.
pub fn parse_info_plist(bytes: &[u8], bundle_path: &str) -> Result<Software, PlistError> {
    let dictionary = parse_dictionary(bytes)?;
    let folder = bundle_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let folder = folder.strip_suffix(".app").unwrap_or(folder);
    let name = string(&dictionary, "CFBundleDisplayName")
        .or_else(|| string(&dictionary, "CFBundleName"))
        .unwrap_or_else(|| folder.to_string());
    let version = string(&dictionary, "CFBundleShortVersionString");
    let key = Software::identity_key(&name, version.as_deref(), None);
    Ok(Software {
        name,
        version,
        publisher: None,
        install_date: None,
        architecture: None,
        source: SOURCE,
        origin: None,
        install_location: non_empty(bundle_path),
        identifier: string(&dictionary, "CFBundleIdentifier"),
        key,
    })
}

/// Lists the application bundles under `root` (see the module documentation for where it looks),
/// sorted by path.
pub fn find_bundles(root: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = APPLICATION_DIRS
        .iter()
        .map(|dir| under_root(root, dir))
        .collect();
    folders.extend(
        subdirectories(&under_root(root, USERS_DIR))
            .into_iter()
            .map(|home| home.join("Applications")),
    );
    let mut bundles = Vec::new();
    for folder in folders {
        for entry in subdirectories(&folder) {
            if is_bundle(&entry) {
                bundles.push(entry);
            } else {
                bundles.extend(subdirectories(&entry).into_iter().filter(|p| is_bundle(p)));
            }
        }
    }
    bundles.sort();
    bundles
}

/// Reads every application under `root`: one entry per bundle with an `Info.plist`.
pub fn read_applications(root: &Path) -> (Vec<Software>, Vec<Warning>) {
    let mut software = Vec::new();
    let mut warnings = Vec::new();
    for bundle in find_bundles(root) {
        let shown = machine_path(root, &bundle);
        let info = bundle.join("Contents").join("Info.plist");
        match read_bounded(&info, MAX_PLIST_BYTES) {
            Ok(bytes) => match parse_info_plist(&bytes, &shown) {
                Ok(entry) => software.push(entry),
                Err(e) => warnings.push(Warning::new(SOURCE.name(), format!("{shown}: {e}"))),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tracing::debug!(bundle = %shown, "no Contents/Info.plist; skipped");
            }
            Err(e) => warnings.push(Warning::new(
                SOURCE.name(),
                format!("{shown}/Contents/Info.plist: {e}"),
            )),
        }
    }
    (software, cap_warnings(SOURCE.name(), warnings))
}

fn is_bundle(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("app"))
}

/// The directories directly inside `dir` (following symbolic links), or none when unreadable.
fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleVersion</key><string>99</string>
<key>CFBundleIdentifier</key><string>org.example.x</string>
</dict></plist>"#;

    #[test]
    fn falls_back_to_the_folder_name_and_no_version() {
        let software = parse_info_plist(XML.as_bytes(), "/Applications/Example Tool.app").unwrap();
        assert_eq!(software.name, "Example Tool");
        assert_eq!(software.version, None);
        assert_eq!(software.identifier.as_deref(), Some("org.example.x"));
        assert_eq!(
            software.install_location.as_deref(),
            Some("/Applications/Example Tool.app")
        );
    }

    #[test]
    fn non_dictionary_and_garbage_are_errors() {
        let array = r#"<?xml version="1.0"?><plist version="1.0"><array/></plist>"#;
        assert!(matches!(
            parse_dictionary(array.as_bytes()),
            Err(PlistError::NotADictionary)
        ));
        assert!(parse_dictionary(b"bplist00\xff").is_err());
        assert!(parse_dictionary(b"").is_err());
    }
}
