//! The TPM, which only the running Windows can tell, read without WMI or admin rights through TBS
//! (`Tbsi_GetDeviceInfo`).
//!
//! `Tbsi_GetDeviceInfo` exists from Windows 8 / Server 2012 on (Microsoft's "Requirements" for it). A
//! static import would stop the whole exe from loading on Windows 7 ("procedure entry point not
//! found"), so it is looked up at run time in System32's `tbs.dll`; where it is missing the TPM is "not
//! collected", never guessed (Windows 7's TBS cannot tell TPM 1.2 from 2.0 this way).
#![allow(unsafe_code)] // Win32 calls with caller-owned, correctly sized buffers; see each SAFETY note

use std::ffi::OsString;
use std::os::windows::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use sunset_catalog::inventory::{Fact, Tpm};
use windows_sys::Win32::Foundation::FreeLibrary;
use windows_sys::Win32::System::LibraryLoader::{GetProcAddress, LoadLibraryW};
use windows_sys::Win32::System::SystemInformation::GetSystemDirectoryW;
use windows_sys::Win32::System::TpmBaseServices::{
    TBS_SUCCESS, TPM_DEVICE_INFO, TPM_VERSION_12, TPM_VERSION_20,
};

/// `TBS_E_TPM_NOT_FOUND`: the machine has no (enabled) TPM.
const TBS_E_TPM_NOT_FOUND: u32 = 0x8028_400F;

/// `TBS_RESULT Tbsi_GetDeviceInfo(UINT32 Size, PVOID Info)`.
type GetDeviceInfo = unsafe extern "system" fn(u32, *mut core::ffi::c_void) -> u32;

/// The TPM as TBS reports it.
pub fn tpm() -> Fact<Tpm> {
    let Some(path) = system_dll("tbs.dll") else {
        return Fact::NotCollected;
    };
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    // SAFETY: `wide` is a NUL-terminated UTF-16 path that outlives the call.
    let module = unsafe { LoadLibraryW(wide.as_ptr()) };
    if module.is_null() {
        tracing::warn!(dll = %path.display(), "TPM state not read: tbs.dll cannot be loaded");
        return Fact::NotCollected;
    }
    // SAFETY: `module` is a loaded module; the name is a NUL-terminated ASCII string.
    let found = unsafe { GetProcAddress(module, c"Tbsi_GetDeviceInfo".as_ptr().cast()) };
    let fact = match found {
        Some(function) => {
            // SAFETY: the export has this documented signature (tbs.h).
            let get: GetDeviceInfo = unsafe {
                std::mem::transmute::<unsafe extern "system" fn() -> isize, GetDeviceInfo>(function)
            };
            device_info(get)
        }
        None => {
            tracing::info!(
                "TPM state not collected: Tbsi_GetDeviceInfo needs Windows 8 / Server 2012 or later"
            );
            Fact::NotCollected
        }
    };
    // SAFETY: `module` came from LoadLibraryW above and `get` is not used after this.
    unsafe { FreeLibrary(module) };
    fact
}

fn device_info(get: GetDeviceInfo) -> Fact<Tpm> {
    let mut info = TPM_DEVICE_INFO::default();
    let size = u32::try_from(std::mem::size_of::<TPM_DEVICE_INFO>()).unwrap_or(16);
    // SAFETY: `info` is a valid, writable TPM_DEVICE_INFO of `size` bytes for the call's duration.
    let status = unsafe { get(size, (&raw mut info).cast()) };
    match status {
        TBS_SUCCESS => Fact::Known(Tpm {
            version: match info.tpmVersion {
                TPM_VERSION_20 => "2.0".to_string(),
                TPM_VERSION_12 => "1.2".to_string(),
                _ => "unknown".to_string(),
            },
            manufacturer: None,
        }),
        TBS_E_TPM_NOT_FOUND => Fact::Absent,
        other => {
            tracing::warn!(
                status = format!("{other:#x}"),
                "TPM state could not be read"
            );
            Fact::NotCollected
        }
    }
}

/// `C:\Windows\System32\<name>` (SysWOW64 for a 32-bit process): a full path, so that no DLL of the
/// same name elsewhere on the search path is loaded instead.
fn system_dll(name: &str) -> Option<PathBuf> {
    let mut buffer = vec![0u16; 260];
    let capacity = u32::try_from(buffer.len()).unwrap_or(260);
    // SAFETY: `buffer` is writable for `capacity` UTF-16 units.
    let length = unsafe { GetSystemDirectoryW(buffer.as_mut_ptr(), capacity) };
    let length = usize::try_from(length).ok()?;
    if length == 0 || length >= buffer.len() {
        tracing::warn!("TPM state not read: no system directory");
        return None;
    }
    buffer.truncate(length);
    Some(PathBuf::from(OsString::from_wide(&buffer)).join(name))
}
