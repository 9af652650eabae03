//! WMI on the running Windows, through the maintained `wmi` crate (COM, `root\cimv2`): the licence
//! store (ESU) and the SMBIOS identity. What to ask and what the rows mean is shared code
//! (`crate::inventory::windows::wmi`); this file only connects and runs queries.
//!
//! COM is initialised here, on the calling thread (multithreaded apartment), with the default
//! process security, before the crate connects. That is what the crate asks of its caller on
//! Windows 7 (its `win7` targets do not call `CoIncrementMTAUsage`, which Windows 7 lacks), and doing
//! it on every target keeps one behaviour. `CoInitializeEx` and `CoInitializeSecurity` are in
//! `ole32.dll` on every Windows from XP on.
#![allow(unsafe_code)] // two documented COM calls with null optional arguments

use std::ptr;

use serde::de::DeserializeOwned;
use windows_sys::Win32::Foundation::{RPC_E_CHANGED_MODE, RPC_E_TOO_LATE};
use windows_sys::Win32::System::Com::{
    COINIT_MULTITHREADED, CoInitializeEx, CoInitializeSecurity, CoUninitialize, EOAC_NONE,
    RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE,
};

/// A WMI connection; COM stays initialised on this thread while it lives.
pub struct Session {
    connection: wmi::WMIConnection,
    _com: Com,
}

/// Balances a successful `CoInitializeEx` (dropped after the connection: fields drop in order).
struct Com {
    initialised: bool,
}

impl Drop for Com {
    fn drop(&mut self) {
        if self.initialised {
            // SAFETY: balances this thread's successful CoInitializeEx.
            unsafe { CoUninitialize() };
        }
    }
}

impl Session {
    /// Initialises COM on this thread and connects to `root\cimv2`.
    pub fn connect() -> Result<Session, String> {
        // SAFETY: reserved argument null, documented flags.
        let hr = unsafe { CoInitializeEx(ptr::null(), COINIT_MULTITHREADED as u32) };
        // S_OK or S_FALSE (already initialised here): ours to balance. RPC_E_CHANGED_MODE: the
        // thread is single-threaded already, which WMI also works in; not ours to undo.
        if hr < 0 && hr != RPC_E_CHANGED_MODE {
            return Err(format!(
                "CoInitializeEx failed: HRESULT {:#010x}",
                hr as u32
            ));
        }
        let com = Com {
            initialised: hr >= 0,
        };
        // SAFETY: every pointer argument is optional and null; -1 lets COM choose the services.
        let hr = unsafe {
            CoInitializeSecurity(
                ptr::null_mut(),
                -1,
                ptr::null(),
                ptr::null(),
                RPC_C_AUTHN_LEVEL_DEFAULT,
                RPC_C_IMP_LEVEL_IMPERSONATE,
                ptr::null(),
                EOAC_NONE as u32,
                ptr::null(),
            )
        };
        // RPC_E_TOO_LATE: the process's security was set before (by us or a host); keep it.
        if hr < 0 && hr != RPC_E_TOO_LATE {
            return Err(format!(
                "CoInitializeSecurity failed: HRESULT {:#010x}",
                hr as u32
            ));
        }
        let connection = wmi::WMIConnection::new().map_err(|e| format!("WMI connect: {e}"))?;
        Ok(Session {
            connection,
            _com: com,
        })
    }

    /// Runs a WQL query; each row is deserialised into `T`.
    pub fn query<T: DeserializeOwned>(&self, wql: &str) -> Result<Vec<T>, String> {
        self.connection
            .raw_query(wql)
            .map_err(|e| format!("{wql}: {e}"))
    }
}
