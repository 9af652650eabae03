//! The machine-wide overrides: the values the MSI writes under `HKLM\SOFTWARE\Sunset\Agent`,
//! read through the [`Key`] trait (the live registry on Windows, a hive in tests).

use crate::registry::{Key, RegistryError};

/// The registry key (under `HKEY_LOCAL_MACHINE`) whose values override the file on Windows.
pub const REGISTRY_KEY: &str = r"SOFTWARE\Sunset\Agent";
/// Registry value: collector URL.
pub const REG_COLLECTOR_URL: &str = "CollectorUrl";
/// Registry value: enrolment token.
pub const REG_ENROLL_TOKEN: &str = "EnrollToken";
/// Registry value: site tag.
pub const REG_SITE: &str = "Site";
/// Registry value: schedule window.
pub const REG_SCHEDULE_WINDOW: &str = "ScheduleWindow";
/// Registry value: CA bundle file.
pub const REG_CA_FILE: &str = "CaFile";

/// Machine-wide values (the MSI's registry values on Windows) that win over the file. Empty strings
/// count as not set, as an MSI writes empty properties.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Overrides {
    /// `CollectorUrl`.
    pub collector_url: Option<String>,
    /// `EnrollToken`.
    pub enroll_token: Option<String>,
    /// `Site`.
    pub site: Option<String>,
    /// `ScheduleWindow`.
    pub schedule_window: Option<String>,
    /// `CaFile`.
    pub ca_file: Option<String>,
}

impl Overrides {
    /// True when no value is set.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// Reads the overrides under [`REGISTRY_KEY`] from `local_machine` (HKLM, live or an offline
/// SOFTWARE hive's parent). A missing key means no overrides.
pub fn overrides_from<K: Key>(local_machine: &K) -> Result<Overrides, RegistryError> {
    let Some(key) = local_machine.open(REGISTRY_KEY)? else {
        return Ok(Overrides::default());
    };
    overrides_from_key(&key)
}

/// Reads the override values from the `Sunset\Agent` key itself.
pub fn overrides_from_key<K: Key>(key: &K) -> Result<Overrides, RegistryError> {
    let read = |name: &str| -> Result<Option<String>, RegistryError> {
        Ok(key
            .value(name)?
            .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty()))
    };
    Ok(Overrides {
        collector_url: read(REG_COLLECTOR_URL)?,
        enroll_token: read(REG_ENROLL_TOKEN)?,
        site: read(REG_SITE)?,
        schedule_window: read(REG_SCHEDULE_WINDOW)?,
        ca_file: read(REG_CA_FILE)?,
    })
}
