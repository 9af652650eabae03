//! The live Windows registry behind the [`Key`] trait: a thin wrapper over `windows_registry::Key`.
//!
//! No decisions here: decoding is [`Value::from_raw`], shared with the offline hive reader, and what to
//! read is decided by the code above the trait (tested on Linux with hive files). The one thing this
//! adapter keeps is the registry view (64- or 32-bit), passed on to every key it opens.

use crate::inventory::windows::ValueNames;
use crate::registry::{Key, RegistryError, Value};

/// `KEY_WOW64_64KEY`: see the 64-bit registry view even from a 32-bit process.
const KEY_WOW64_64KEY: u32 = 0x0100;
/// `KEY_WOW64_32KEY`: see the 32-bit view (`WOW6432Node`) from a 64-bit process.
const KEY_WOW64_32KEY: u32 = 0x0200;
/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`: the key or value does not exist.
const NOT_FOUND: u32 = 0x8007_0002;
/// `HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)`.
const PATH_NOT_FOUND: u32 = 0x8007_0003;

/// Which registry view to read on 64-bit Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The 64-bit view (native programs).
    Native64,
    /// The 32-bit view (what 32-bit programs see; `WOW6432Node` under HKLM\SOFTWARE).
    Wow32,
}

impl View {
    fn access(self) -> u32 {
        match self {
            View::Native64 => KEY_WOW64_64KEY,
            View::Wow32 => KEY_WOW64_32KEY,
        }
    }
}

/// An open key of the live registry, read-only.
#[derive(Debug)]
pub struct LiveKey {
    key: windows_registry::Key,
    /// Extra access flags (the view) used for every descendant.
    access: u32,
    /// Full path such as `HKLM\SOFTWARE\…`, for errors.
    path: String,
}

impl LiveKey {
    /// `HKEY_LOCAL_MACHINE` in the given view.
    pub fn local_machine(view: View) -> Result<LiveKey, RegistryError> {
        LiveKey::root(windows_registry::LOCAL_MACHINE, view.access(), "HKLM")
    }

    /// `HKEY_USERS`: the loaded hives of logged-on users (and services), one subkey per SID.
    pub fn users() -> Result<LiveKey, RegistryError> {
        LiveKey::root(windows_registry::USERS, 0, "HKU")
    }

    /// `HKEY_CURRENT_USER` of the account the agent runs as.
    pub fn current_user() -> Result<LiveKey, RegistryError> {
        LiveKey::root(windows_registry::CURRENT_USER, 0, "HKCU")
    }

    /// The full path of this key, such as `HKLM\SOFTWARE\Microsoft`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A new handle to a predefined key (opening "" reopens the key itself), with read access.
    fn root(
        parent: &windows_registry::Key,
        access: u32,
        name: &str,
    ) -> Result<LiveKey, RegistryError> {
        let key = parent
            .options()
            .read()
            .access(access)
            .open("")
            .map_err(|e| os_error("open", name, &e))?;
        Ok(LiveKey {
            key,
            access,
            path: name.to_owned(),
        })
    }
}

impl Key for LiveKey {
    fn open(&self, path: &str) -> Result<Option<Self>, RegistryError> {
        let full = format!("{}\\{path}", self.path);
        match self.key.options().read().access(self.access).open(path) {
            Ok(key) => Ok(Some(LiveKey {
                key,
                access: self.access,
                path: full,
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(os_error("open", &full, &e)),
        }
    }

    fn subkeys(&self) -> Result<Vec<String>, RegistryError> {
        let keys = self
            .key
            .keys()
            .map_err(|e| os_error("list subkeys", &self.path, &e))?;
        Ok(keys.collect())
    }

    fn value(&self, name: &str) -> Result<Option<Value>, RegistryError> {
        match self.key.get_value(name) {
            Ok(value) => Ok(Some(Value::from_raw(value.ty().into(), value.to_vec()))),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(os_error(
                "read value",
                &format!("{} value {name:?}", self.path),
                &e,
            )),
        }
    }
}

impl ValueNames for LiveKey {
    fn value_names(&self) -> Result<Vec<String>, RegistryError> {
        let values = self
            .key
            .values()
            .map_err(|e| os_error("list values", &self.path, &e))?;
        Ok(values.map(|(name, _)| name).collect())
    }
}

fn is_not_found(e: &windows_result::Error) -> bool {
    matches!(hresult(e), NOT_FOUND | PATH_NOT_FOUND)
}

fn hresult(e: &windows_result::Error) -> u32 {
    e.code().0 as u32
}

fn os_error(operation: &'static str, key: &str, e: &windows_result::Error) -> RegistryError {
    RegistryError::Os {
        operation,
        key: key.to_owned(),
        code: hresult(e),
        message: e.message(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_live_registry() {
        let hklm = LiveKey::local_machine(View::Native64).unwrap();
        assert!(
            hklm.subkeys()
                .unwrap()
                .iter()
                .any(|k| k.eq_ignore_ascii_case("SOFTWARE"))
        );
        let current = hklm
            .open(r"software\microsoft\windows nt\currentversion")
            .unwrap()
            .unwrap();
        assert_eq!(
            current.path(),
            r"HKLM\software\microsoft\windows nt\currentversion"
        );
        assert!(
            current
                .value("currentbuild")
                .unwrap()
                .unwrap()
                .as_str()
                .is_some()
        );
        assert_eq!(current.value("no such value").unwrap(), None);
        assert!(hklm.open(r"SOFTWARE\no such key\below").unwrap().is_none());
        let wow = LiveKey::local_machine(View::Wow32).unwrap();
        assert!(wow.open("SOFTWARE").unwrap().is_some());
        assert!(!LiveKey::users().unwrap().subkeys().unwrap().is_empty());
        assert!(
            LiveKey::current_user()
                .unwrap()
                .open("Software")
                .unwrap()
                .is_some()
        );
    }
}
