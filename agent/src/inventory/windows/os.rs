//! The Windows version from `SOFTWARE\Microsoft\Windows NT\CurrentVersion`.
//!
//! Reading ([`CurrentVersion::read`]) and deciding ([`CurrentVersion::decode`]) are separate, so every rule
//! is tested on plain values, including Windows' own copies of these values kept in a real `SYSTEM` hive
//! under `Setup\Source OS (…)`.
//!
//! Rules (see NOTES.md, "Windows version traps"):
//! - `version` is `major.minor.build.UBR` (`10.0.19045.5247`), or `major.minor.build` without a UBR
//!   (Windows 8 and Server 2012 have none: `6.2.9200`). Major/minor come from
//!   `CurrentMajorVersionNumber`/`CurrentMinorVersionNumber` (Windows 10 and later), else from
//!   `CurrentVersion` (`6.1`, `6.3`); Windows 10 still writes `CurrentVersion` = `6.3`, so `6.3` with a
//!   build of 10240 or more is read as 10.0. The build is `CurrentBuildNumber`, else `CurrentBuild` when
//!   it is a plain number: NT 4.0 to XP fill `CurrentBuild` with `1.511.1 () (Obsolete data - do not
//!   use)`.
//! - `display_version` is `DisplayVersion` (`22H2`), else `ReleaseId` (`1703`; it stays `2009` from 20H2 on),
//!   else the service pack, `CSDVersion` (`Service Pack 3`), as releases before Windows 10 name themselves.
//! - NT 4.0 writes no `ProductName`: the name is then `Windows NT 4.0` (from `CurrentVersion`), and client
//!   or server comes from the `SYSTEM` hive's `ProductType` (see [`super::hardware::SystemInfo`]).
//! - Client or server comes from `InstallationType` (`Client`; `Server`, `Server Core`, `Nano Server`),
//!   else from `EditionID` (`Server…` is a server, any other edition a client), else from a product name
//!   starting `Windows Server`; never from the build, which servers and clients share (14393, 17763).
//! - Windows 11 is a *client* with build 22000 or later; its `ProductName` still says `Windows 10 …`, so
//!   the name is corrected to `Windows 11 …`. A server with such a build (Server 2025 is 26100) keeps its
//!   name.

use sunset_catalog::inventory::{Fact, InstallationType, Os, OsFamily, Warning};

use super::{HKLM_SOFTWARE, join, read_text, read_u32, warn};
use crate::inventory::identity;
use crate::registry::Key;

/// `CurrentVersion`, relative to the `SOFTWARE` root.
pub const CURRENT_VERSION: &str = r"Microsoft\Windows NT\CurrentVersion";
/// The first Windows 11 build.
pub const FIRST_WINDOWS_11_BUILD: u32 = 22000;
/// The first Windows 10 build (NT 10.0).
pub const FIRST_WINDOWS_10_BUILD: u32 = 10240;

/// The key holding `MachineGuid`, relative to the `SOFTWARE` root.
pub const CRYPTOGRAPHY: &str = r"Microsoft\Cryptography";

/// The installation's `MachineGuid` (made at setup, new after a reinstall or sysprep): `Absent`
/// when the key or value is missing, `NotCollected` (with a warning) when it cannot be read.
pub fn machine_guid<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Fact<String> {
    let at = join(HKLM_SOFTWARE, CRYPTOGRAPHY);
    let key = match software.open(CRYPTOGRAPHY) {
        Ok(Some(key)) => key,
        Ok(None) => return Fact::Absent,
        Err(e) => {
            warn(warnings, &at, &e);
            return Fact::NotCollected;
        }
    };
    match key.value("MachineGuid") {
        Ok(Some(value)) => match super::text(Some(value)) {
            Some(text) => identity::machine_id(Some(&text)),
            None => Fact::Absent,
        },
        Ok(None) => Fact::Absent,
        Err(e) => {
            warn(warnings, &at, &e);
            Fact::NotCollected
        }
    }
}

/// Reads the OS from a `SOFTWARE` root. A missing or unreadable `CurrentVersion` is a warning and leaves
/// an OS with only its family.
pub fn collect<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Os {
    let at = join(HKLM_SOFTWARE, CURRENT_VERSION);
    match software.open(CURRENT_VERSION) {
        Ok(Some(key)) => CurrentVersion::read(&key, &at, warnings).decode(),
        Ok(None) => {
            warn(warnings, &at, &"key not found: the OS version is unknown");
            Os {
                family: Some(OsFamily::Windows),
                ..Os::default()
            }
        }
        Err(e) => {
            warn(warnings, &at, &e);
            Os {
                family: Some(OsFamily::Windows),
                ..Os::default()
            }
        }
    }
}

/// The raw values of a `CurrentVersion` key (or of a `Setup\Source OS (…)` copy of it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentVersion {
    /// `ProductName` (`Windows 10 Pro`).
    pub product_name: Option<String>,
    /// `DisplayVersion` (`22H2`).
    pub display_version: Option<String>,
    /// `ReleaseId` (`1703`).
    pub release_id: Option<String>,
    /// `CurrentBuild` (`19045`).
    pub current_build: Option<String>,
    /// `CurrentBuildNumber`.
    pub current_build_number: Option<String>,
    /// `CSDVersion`, the service pack (`Service Pack 3`).
    pub csd_version: Option<String>,
    /// `UBR`, the update build revision.
    pub ubr: Option<u32>,
    /// `EditionID` (`Professional`, `EnterpriseS`, `ServerStandard`).
    pub edition_id: Option<String>,
    /// `InstallationType` (`Client`, `Server`, `Server Core`).
    pub installation_type: Option<String>,
    /// `CurrentMajorVersionNumber` (10 on Windows 10 and later).
    pub major: Option<u32>,
    /// `CurrentMinorVersionNumber`.
    pub minor: Option<u32>,
    /// `CurrentVersion` (`6.1`, `6.3`).
    pub current_version: Option<String>,
}

impl CurrentVersion {
    /// Reads the values from `key` (at logical path `at`); unreadable values are warnings.
    pub fn read<K: Key>(key: &K, at: &str, warnings: &mut Vec<Warning>) -> CurrentVersion {
        let mut text = |name| read_text(key, at, name, warnings);
        let product_name = text("ProductName");
        let display_version = text("DisplayVersion");
        let release_id = text("ReleaseId");
        let current_build = text("CurrentBuild");
        let current_build_number = text("CurrentBuildNumber");
        let csd_version = text("CSDVersion");
        let edition_id = text("EditionID");
        let installation_type = text("InstallationType");
        let current_version = text("CurrentVersion");
        CurrentVersion {
            product_name,
            display_version,
            release_id,
            current_build,
            current_build_number,
            csd_version,
            ubr: read_u32(key, at, "UBR", warnings),
            edition_id,
            installation_type,
            major: read_u32(key, at, "CurrentMajorVersionNumber", warnings),
            minor: read_u32(key, at, "CurrentMinorVersionNumber", warnings),
            current_version,
        }
    }

    /// The build number: the leading digits of `CurrentBuildNumber`, else `CurrentBuild` when it is
    /// a plain number (NT 4.0 to XP fill it with obsolete text whose leading `1` is no build).
    pub fn build(&self) -> Option<u32> {
        let number = self
            .current_build_number
            .as_deref()
            .and_then(leading_number);
        number.or_else(|| {
            let build = self.current_build.as_deref()?.trim();
            build
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| build.parse().ok())
                .flatten()
        })
    }

    /// Major and minor NT version.
    pub fn major_minor(&self) -> Option<(u32, u32)> {
        if let Some(major) = self.major {
            return Some((major, self.minor.unwrap_or(0)));
        }
        let text = self.current_version.as_deref()?;
        let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
        let parsed = (major.trim().parse().ok()?, minor.trim().parse().ok()?);
        match (parsed, self.build()) {
            ((6, 3), Some(build)) if build >= FIRST_WINDOWS_10_BUILD => Some((10, 0)),
            _ => Some(parsed),
        }
    }

    /// Client or server, by the rules in the module documentation.
    pub fn installation_type(&self) -> Option<InstallationType> {
        let declared = self
            .installation_type
            .as_deref()
            .map(str::to_ascii_lowercase);
        match declared.as_deref() {
            Some("client") => return Some(InstallationType::Client),
            Some(t) if t.contains("server") => return Some(InstallationType::Server),
            _ => {}
        }
        if let Some(edition) = &self.edition_id {
            let server = edition.to_ascii_lowercase().starts_with("server");
            return Some(if server {
                InstallationType::Server
            } else {
                InstallationType::Client
            });
        }
        if self
            .product_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().starts_with("windows server"))
        {
            return Some(InstallationType::Server);
        }
        declared.map(|_| InstallationType::Other)
    }

    /// The inventory's view of these values.
    pub fn decode(&self) -> Os {
        let build = self.build();
        let major_minor = self.major_minor();
        let installation_type = self.installation_type();
        let mut version = String::new();
        let mut kernel_version = None;
        if let Some((major, minor)) = major_minor {
            version = format!("{major}.{minor}");
            if let Some(build) = build {
                version = format!("{version}.{build}");
                kernel_version = Some(version.clone());
                if let Some(ubr) = self.ubr {
                    version = format!("{version}.{ubr}");
                }
            }
        }
        let mut name = match (&self.product_name, major_minor) {
            (Some(name), _) => name.clone(),
            (None, Some((major, minor))) if major < 5 => format!("Windows NT {major}.{minor}"),
            (None, _) => String::new(),
        };
        let windows_11 = installation_type == Some(InstallationType::Client)
            && build.is_some_and(|b| b >= FIRST_WINDOWS_11_BUILD)
            && major_minor.is_none_or(|(major, _)| major == 10);
        if windows_11 && let Some(rest) = name.strip_prefix("Windows 10") {
            name = format!("Windows 11{rest}");
        }
        Os {
            family: Some(OsFamily::Windows),
            name,
            version,
            display_version: self
                .display_version
                .clone()
                .or_else(|| self.release_id.clone())
                .or_else(|| self.csd_version.clone()),
            build: build.map(|b| b.to_string()),
            update_revision: self.ubr,
            edition: self.edition_id.clone(),
            installation_type,
            kernel_version,
            ..Os::default()
        }
    }
}

/// The number formed by the leading ASCII digits of `text` (`7601` from `7601.win7sp1`).
fn leading_number(text: &str) -> Option<u32> {
    let text = text.trim();
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.get(..end)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cv(pairs: &[(&str, &str)]) -> CurrentVersion {
        let mut cv = CurrentVersion::default();
        for (name, value) in pairs {
            let s = Some((*value).to_owned());
            let n = value.parse().ok();
            match *name {
                "ProductName" => cv.product_name = s,
                "DisplayVersion" => cv.display_version = s,
                "ReleaseId" => cv.release_id = s,
                "CurrentBuild" => cv.current_build = s,
                "CurrentBuildNumber" => cv.current_build_number = s,
                "CSDVersion" => cv.csd_version = s,
                "UBR" => cv.ubr = n,
                "EditionID" => cv.edition_id = s,
                "InstallationType" => cv.installation_type = s,
                "CurrentMajorVersionNumber" => cv.major = n,
                "CurrentMinorVersionNumber" => cv.minor = n,
                "CurrentVersion" => cv.current_version = s,
                other => panic!("unknown value {other}"),
            }
        }
        cv
    }

    #[test]
    fn windows_10_22h2() {
        let os = cv(&[
            ("ProductName", "Windows 10 Enterprise"),
            ("DisplayVersion", "22H2"),
            ("ReleaseId", "2009"),
            ("CurrentBuild", "19045"),
            ("UBR", "5247"),
            ("EditionID", "Enterprise"),
            ("InstallationType", "Client"),
            ("CurrentMajorVersionNumber", "10"),
            ("CurrentMinorVersionNumber", "0"),
            ("CurrentVersion", "6.3"),
        ])
        .decode();
        assert_eq!(os.name, "Windows 10 Enterprise");
        assert_eq!(os.version, "10.0.19045.5247");
        assert_eq!(os.kernel_version.as_deref(), Some("10.0.19045"));
        assert_eq!(os.display_version.as_deref(), Some("22H2"));
        assert_eq!(os.build.as_deref(), Some("19045"));
        assert_eq!(os.update_revision, Some(5247));
        assert_eq!(os.edition.as_deref(), Some("Enterprise"));
        assert_eq!(os.installation_type, Some(InstallationType::Client));
        assert_eq!(os.family, Some(OsFamily::Windows));
    }

    #[test]
    fn windows_11_is_renamed_from_its_windows_10_product_name() {
        let os = cv(&[
            ("ProductName", "Windows 10 Pro"),
            ("DisplayVersion", "23H2"),
            ("CurrentBuild", "22631"),
            ("UBR", "4460"),
            ("EditionID", "Professional"),
            ("InstallationType", "Client"),
            ("CurrentMajorVersionNumber", "10"),
            ("CurrentMinorVersionNumber", "0"),
        ])
        .decode();
        assert_eq!(os.name, "Windows 11 Pro");
        assert_eq!(os.version, "10.0.22631.4460");
    }

    #[test]
    fn server_2025_stays_a_server_despite_its_build() {
        let os = cv(&[
            ("ProductName", "Windows Server 2025 Standard"),
            ("DisplayVersion", "24H2"),
            ("CurrentBuild", "26100"),
            ("UBR", "2314"),
            ("EditionID", "ServerStandard"),
            ("InstallationType", "Server Core"),
            ("CurrentMajorVersionNumber", "10"),
            ("CurrentMinorVersionNumber", "0"),
        ])
        .decode();
        assert_eq!(os.name, "Windows Server 2025 Standard");
        assert_eq!(os.installation_type, Some(InstallationType::Server));
        assert_eq!(os.version, "10.0.26100.2314");
    }

    #[test]
    fn server_2019_shares_its_build_with_windows_10_1809() {
        let server = cv(&[
            ("ProductName", "Windows Server 2019 Datacenter"),
            ("CurrentBuild", "17763"),
        ]);
        let server = CurrentVersion {
            edition_id: Some("ServerDatacenter".into()),
            ..server
        };
        assert_eq!(
            server.decode().installation_type,
            Some(InstallationType::Server)
        );
        let client = cv(&[
            ("ProductName", "Windows 10 Enterprise LTSC 2019"),
            ("CurrentBuild", "17763"),
        ]);
        let client = CurrentVersion {
            edition_id: Some("EnterpriseS".into()),
            ..client
        };
        assert_eq!(
            client.decode().installation_type,
            Some(InstallationType::Client)
        );
    }

    #[test]
    fn before_windows_10_major_minor_comes_from_current_version() {
        let os = cv(&[
            ("ProductName", "Windows Server 2012 Standard"),
            ("CurrentVersion", "6.2"),
            ("CurrentBuild", "9200"),
            ("EditionID", "ServerStandard"),
        ])
        .decode();
        assert_eq!(os.version, "6.2.9200");
        assert_eq!(os.update_revision, None);
        assert_eq!(os.display_version, None);
        let win7 = cv(&[
            ("ProductName", "Windows 7 Professional"),
            ("CurrentVersion", "6.1"),
            ("CurrentBuild", "7601"),
            ("EditionID", "Professional"),
        ])
        .decode();
        assert_eq!(win7.version, "6.1.7601");
        assert_eq!(win7.installation_type, Some(InstallationType::Client));
    }

    #[test]
    fn windows_10_without_major_number_is_not_6_3() {
        let os = cv(&[
            ("CurrentVersion", "6.3"),
            ("CurrentBuildNumber", "15063"),
            ("UBR", "1387"),
        ])
        .decode();
        assert_eq!(os.version, "10.0.15063.1387");
        let os = cv(&[("CurrentVersion", "6.3"), ("CurrentBuild", "9600")]).decode();
        assert_eq!(os.version, "6.3.9600");
    }

    #[test]
    fn installation_type_fallbacks() {
        let it = |pairs: &[(&str, &str)]| cv(pairs).installation_type();
        assert_eq!(
            it(&[("InstallationType", "Nano Server")]),
            Some(InstallationType::Server)
        );
        assert_eq!(
            it(&[("InstallationType", "WindowsPE")]),
            Some(InstallationType::Other)
        );
        assert_eq!(
            it(&[
                ("InstallationType", "WindowsPE"),
                ("EditionID", "ServerStandard")
            ]),
            Some(InstallationType::Server)
        );
        assert_eq!(
            it(&[("ProductName", "Windows Server 2008 R2 Standard")]),
            Some(InstallationType::Server)
        );
        assert_eq!(it(&[("ProductName", "Windows 7 Professional")]), None);
        assert_eq!(it(&[]), None);
    }

    #[test]
    fn missing_values_leave_fields_empty() {
        let os = CurrentVersion::default().decode();
        assert_eq!(os.version, "");
        assert_eq!(os.name, "");
        assert_eq!(os.build, None);
        assert_eq!(os.family, Some(OsFamily::Windows));
        let os = cv(&[("CurrentBuild", "junk"), ("CurrentVersion", "x.y")]).decode();
        assert_eq!(os.version, "");
    }

    #[test]
    fn nt_4_and_xp_take_the_build_from_current_build_number() {
        // The values of the real NT 4.0 SOFTWARE hive (agent/tests/data/windows/nt4-SOFTWARE.xz).
        let nt4 = cv(&[
            ("CurrentBuild", "1.511.1 () (Obsolete data - do not use)"),
            ("CurrentVersion", "4.0"),
            ("CurrentBuildNumber", "1381"),
            ("CSDVersion", "Service Pack 3"),
        ])
        .decode();
        assert_eq!(nt4.name, "Windows NT 4.0");
        assert_eq!(nt4.version, "4.0.1381");
        assert_eq!(nt4.build.as_deref(), Some("1381"));
        assert_eq!(nt4.display_version.as_deref(), Some("Service Pack 3"));
        // XP writes the same obsolete CurrentBuild, with a ProductName.
        let xp = cv(&[
            ("ProductName", "Microsoft Windows XP"),
            ("CurrentBuild", "1.511.1 () (Obsolete data - do not use)"),
            ("CurrentVersion", "5.1"),
            ("CurrentBuildNumber", "2600"),
            ("CSDVersion", "Service Pack 3"),
        ])
        .decode();
        assert_eq!(
            (xp.name.as_str(), xp.version.as_str()),
            ("Microsoft Windows XP", "5.1.2600")
        );
        let vista = cv(&[
            ("ProductName", "Windows Vista (TM) Business"),
            ("CurrentBuild", "6002"),
            ("CurrentBuildNumber", "6002"),
            ("CurrentVersion", "6.0"),
            ("CSDVersion", "Service Pack 2"),
            ("EditionID", "Business"),
        ])
        .decode();
        assert_eq!(vista.version, "6.0.6002");
        assert_eq!(vista.display_version.as_deref(), Some("Service Pack 2"));
        let windows_2000 = cv(&[
            ("ProductName", "Microsoft Windows 2000"),
            ("CurrentBuild", "1.511.1 () (Obsolete data - do not use)"),
            ("CurrentBuildNumber", "2195"),
            ("CurrentVersion", "5.0"),
            ("CSDVersion", "Service Pack 4"),
        ])
        .decode();
        assert_eq!(windows_2000.version, "5.0.2195");
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_number("7601.win7sp1_ldr"), Some(7601));
        assert_eq!(leading_number(" 19045 "), Some(19045));
        assert_eq!(leading_number("x1"), None);
        assert_eq!(leading_number("99999999999"), None);
    }
}
