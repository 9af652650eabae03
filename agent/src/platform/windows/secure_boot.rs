//! The Secure Boot `db` and `KEK` variables of the running machine, read with
//! `GetFirmwareEnvironmentVariableW` (kernel32) after enabling `SeSystemEnvironmentPrivilege`
//! (advapi32), which LocalSystem — the service — and elevated administrators hold, disabled. Both
//! exist on Windows 7. What each outcome means is decided in shared code
//! (`crate::inventory::windows::secure_boot::certificate_list`).
#![allow(unsafe_code)] // documented Win32 calls with caller-owned, correctly sized buffers

use std::ptr;

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ENVVAR_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_FUNCTION,
    ERROR_PRIVILEGE_NOT_HELD, GetLastError, HANDLE, LUID,
};
use windows_sys::Win32::Security::{
    AdjustTokenPrivileges, LUID_AND_ATTRIBUTES, LookupPrivilegeValueW, SE_PRIVILEGE_ENABLED,
    TOKEN_ADJUST_PRIVILEGES, TOKEN_PRIVILEGES, TOKEN_QUERY,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows_sys::Win32::System::WindowsProgramming::GetFirmwareEnvironmentVariableW;

use crate::inventory::windows::secure_boot::{MAX_VARIABLE_BYTES, VariableRead};

/// NUL-terminated UTF-16.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Enables `SeSystemEnvironmentPrivilege` in this process's token, if the token holds it. Whether
/// it worked shows in the variable read (`ERROR_PRIVILEGE_NOT_HELD`), so failures are ignored here.
pub fn enable_firmware_privilege() {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: the pseudo-handle needs no closing; `token` receives a handle we close below.
    let opened = unsafe {
        OpenProcessToken(
            GetCurrentProcess(),
            TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY,
            &raw mut token,
        )
    };
    if opened == 0 {
        return;
    }
    let name = wide("SeSystemEnvironmentPrivilege");
    let mut luid = LUID::default();
    // SAFETY: `name` is NUL-terminated and outlives the call; `luid` is writable.
    let found = unsafe { LookupPrivilegeValueW(ptr::null(), name.as_ptr(), &raw mut luid) };
    if found != 0 {
        let privileges = TOKEN_PRIVILEGES {
            PrivilegeCount: 1,
            Privileges: [LUID_AND_ATTRIBUTES {
                Luid: luid,
                Attributes: SE_PRIVILEGE_ENABLED,
            }],
        };
        // SAFETY: one privilege, no previous-state buffer.
        unsafe {
            AdjustTokenPrivileges(
                token,
                0,
                &raw const privileges,
                0,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
    }
    // SAFETY: `token` was opened above.
    unsafe { CloseHandle(token) };
}

/// Reads one firmware variable (name, vendor GUID) of the running machine.
pub fn read_variable((name, guid): (&str, &str)) -> VariableRead {
    let name = wide(name);
    let guid = wide(&format!("{{{guid}}}"));
    let mut size = 64 * 1024;
    loop {
        let mut buffer = vec![0u8; size];
        let capacity = u32::try_from(buffer.len()).unwrap_or(u32::MAX);
        // SAFETY: `buffer` is writable for `capacity` bytes; both strings are NUL-terminated.
        let read = unsafe {
            GetFirmwareEnvironmentVariableW(
                name.as_ptr(),
                guid.as_ptr(),
                buffer.as_mut_ptr().cast(),
                capacity,
            )
        };
        if read > 0 {
            buffer.truncate(read as usize);
            return VariableRead::Value(buffer);
        }
        // SAFETY: reads this thread's last error, set by the call above.
        let error = unsafe { GetLastError() };
        match error {
            ERROR_INSUFFICIENT_BUFFER if (size as u64) < MAX_VARIABLE_BYTES => size *= 4,
            // A zero-length variable reads as 0 bytes with no error.
            0 => return VariableRead::Value(Vec::new()),
            ERROR_ENVVAR_NOT_FOUND => return VariableRead::Missing,
            ERROR_INVALID_FUNCTION => return VariableRead::NotUefi,
            ERROR_PRIVILEGE_NOT_HELD => return VariableRead::NoPrivilege,
            other => return VariableRead::Failed(other),
        }
    }
}
