//! Proxy settings: the WinHTTP decoder on real values read from real profiles.

use super::*;

/// WinINet's per-user `DefaultConnectionSettings` starts with the same fields as WinHTTP's machine
/// `WinHttpSettings` (`netsh winhttp import proxy source=ie` copies one into the other). These profiles come
/// from real Windows 10 machines (PROVENANCE.md): version 0x46, flags 9 = "automatically detect settings"
/// with no manual proxy, which the agent does not follow (no WPAD), so no proxy.
#[test]
fn winhttp_decoder_reads_real_connection_settings() {
    use sunset_agent::proxy::winhttp;
    const CONNECTIONS: &str =
        r"Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
    for (hive, counter) in [
        ("NTUSER.DAT.xz", 0x1a9),
        ("NTUSER_with_winscp.DAT.xz", 2),
        ("dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz", 2),
    ] {
        let Some(hive_file) = load(hive) else { return };
        let connections = open(&hive_file.root(), CONNECTIONS);
        let settings = winhttp::from_key(&connections, "DefaultConnectionSettings")
            .unwrap_or_else(|e| panic!("{hive}: {e}"))
            .unwrap_or_else(|| panic!("{hive}: no DefaultConnectionSettings"));
        assert_eq!(
            (settings.version, settings.counter, settings.flags),
            (0x46, counter, 9),
            "{hive}"
        );
        assert_eq!(
            (settings.proxy.as_str(), settings.bypass.as_str()),
            ("", ""),
            "{hive}"
        );
        assert_eq!(settings.proxy_for("https"), None, "{hive}");
        // No WinHttpSettings value in a user's hive: the machine setting is HKLM's.
        assert!(
            winhttp::from_key(&connections, winhttp::VALUE)
                .unwrap()
                .is_none()
        );
    }
}
