//! The TPM, which only the running Windows can tell, read without WMI or admin rights through TBS
//! (`Tbsi_GetDeviceInfo`).
#![allow(unsafe_code)] // one documented Win32 call with a caller-owned, correctly sized buffer

use sunset_catalog::inventory::{Fact, Tpm};
use windows_sys::Win32::System::TpmBaseServices::{
    TBS_SUCCESS, TPM_DEVICE_INFO, TPM_VERSION_12, TPM_VERSION_20, Tbsi_GetDeviceInfo,
};

/// `TBS_E_TPM_NOT_FOUND`: the machine has no (enabled) TPM.
const TBS_E_TPM_NOT_FOUND: u32 = 0x8028_400F;

/// The TPM as TBS reports it.
pub fn tpm() -> Fact<Tpm> {
    let mut info = TPM_DEVICE_INFO::default();
    let size = u32::try_from(std::mem::size_of::<TPM_DEVICE_INFO>()).unwrap_or(16);
    // SAFETY: `info` is a valid, writable TPM_DEVICE_INFO of `size` bytes for the call's duration.
    let status = unsafe { Tbsi_GetDeviceInfo(size, (&raw mut info).cast()) };
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
