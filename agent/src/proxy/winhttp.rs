//! The machine's WinHTTP proxy (`netsh winhttp set proxy …`): the binary `WinHttpSettings` value under
//! `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`, and its bypass list.
//!
//! The value is undocumented; its layout is the one Wine's `winhttp` writes and reads
//! (`WinHttpSetDefaultProxyConfiguration`) and that admin tools decode: little-endian
//! `u32 version` (0x18 on Windows 7/8, 0x28 on Windows 10 and later), `u32 counter`, `u32 flags`
//! (1 = direct, 2 = use the named proxy; netsh writes 1 or 3), then `u32 length` + ASCII proxy list,
//! `u32 length` + ASCII bypass list. Anything after the bypass list (newer versions pad it) is ignored.
//! Windows services use this setting, not a user's Internet Options, so it is the one the agent honours.
//! Auto-detection and PAC scripts are not WinHTTP's machine setting and are not followed.

use std::fmt;

use crate::registry::{Key, RegistryError, Value};

/// Where the value lives, below `HKEY_LOCAL_MACHINE`.
pub const KEY: &str = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
/// The value's name.
pub const VALUE: &str = "WinHttpSettings";
/// `WINHTTP_PROXY_TYPE_PROXY`: the named proxy is in use.
const FLAG_PROXY: u32 = 0x2;
/// A proxy or bypass list longer than this is not a real setting (netsh accepts a command line's worth).
const MAX_LIST_BYTES: usize = 32 * 1024;

/// The decoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The layout version (0x18, 0x28, …).
    pub version: u32,
    /// Bumped by Windows on every change.
    pub counter: u32,
    /// `WINHTTP_PROXY_TYPE_*` bits.
    pub flags: u32,
    /// The proxy list as written (`proxy:8080`, or `http=a:80;https=b:443`).
    pub proxy: String,
    /// The bypass list as written (`<local>;*.nhs.uk`).
    pub bypass: String,
}

/// Why a `WinHttpSettings` value could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The data ends inside a field.
    #[error("WinHttpSettings is truncated: {field} at byte {at} needs {need} bytes, {have} left")]
    Truncated {
        /// Which field.
        field: &'static str,
        /// Its offset.
        at: usize,
        /// Bytes it needs.
        need: usize,
        /// Bytes left.
        have: usize,
    },
    /// A list holds bytes that are not printable ASCII (WinHTTP accepts ASCII only).
    #[error("WinHttpSettings {field} is not ASCII text")]
    NotAscii {
        /// Which field.
        field: &'static str,
    },
    /// A list is implausibly long.
    #[error("WinHttpSettings {field} is {len} bytes long (limit {MAX_LIST_BYTES})")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its stated length.
        len: usize,
    },
}

/// Why the machine's setting could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The registry refused.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The value is not `REG_BINARY`.
    #[error("{0} is not a binary value")]
    NotBinary(String),
    /// The value's bytes do not decode.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The machine's WinHTTP setting, from `HKEY_LOCAL_MACHINE` (the live registry, or a test's hive);
/// `None` when it was never set (Windows then connects directly).
pub fn read<K: Key>(local_machine: &K) -> Result<Option<Settings>, ReadError> {
    match local_machine.open(KEY)? {
        Some(connections) => from_key(&connections, VALUE),
        None => Ok(None),
    }
}

/// Decodes the binary value `name` of a `…\Internet Settings\Connections` key. WinINet's per-user
/// `DefaultConnectionSettings` starts with the same fields, so it decodes too (`netsh winhttp import
/// proxy source=ie` copies from it).
pub fn from_key<K: Key>(connections: &K, name: &str) -> Result<Option<Settings>, ReadError> {
    match connections.value(name)? {
        None => Ok(None),
        Some(Value::Binary(bytes)) => Ok(Some(parse(&bytes)?)),
        Some(_) => Err(ReadError::NotBinary(name.to_string())),
    }
}

/// Decodes a `WinHttpSettings` value. The bypass list may be missing entirely when the data ends right
/// after the proxy list (some tools write it that way); a length field cut short is an error.
pub fn parse(data: &[u8]) -> Result<Settings, ParseError> {
    let mut reader = Reader { data, at: 0 };
    let version = reader.u32("version")?;
    let counter = reader.u32("counter")?;
    let flags = reader.u32("flags")?;
    let proxy = reader.string("proxy list")?;
    let bypass = if reader.at == data.len() {
        String::new()
    } else {
        reader.string("bypass list")?
    };
    Ok(Settings {
        version,
        counter,
        flags,
        proxy,
        bypass,
    })
}

impl Settings {
    /// The proxy an `https://` (or `http://`) request to a host would use, if the setting names one.
    /// Per WinHTTP, the list holds `[scheme=]host[:port]` entries separated by `;` or white space; an
    /// entry for the request's scheme wins over one without a scheme.
    pub fn proxy_for(&self, scheme: &str) -> Option<String> {
        if self.flags & FLAG_PROXY == 0 {
            return None;
        }
        let entries = || {
            self.proxy
                .split([';', ' ', '\t', '\r', '\n'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
        };
        let for_scheme = entries().find_map(|e| {
            let (s, rest) = e.split_once('=')?;
            s.trim().eq_ignore_ascii_case(scheme).then(|| rest.trim())
        });
        let plain = || entries().find(|e| !e.contains('='));
        for_scheme
            .or_else(plain)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
    }

    /// Whether `host` is in the bypass list: `;`- or space-separated patterns where `*` matches any run
    /// of characters, compared case-insensitively; `<local>` matches every host name without a dot.
    pub fn bypasses(&self, host: &str) -> bool {
        bypass_matches(&self.bypass, host)
    }
}

/// The WinHTTP bypass rule for one host (see [`Settings::bypasses`]).
pub fn bypass_matches(list: &str, host: &str) -> bool {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    list.split([';', ' ', '\t', '\r', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry.eq_ignore_ascii_case("<local>") {
                return !host.contains('.') && !host.contains(':');
            }
            let pattern = entry
                .split_once("://")
                .map_or(entry, |(_, rest)| rest)
                .to_ascii_lowercase();
            wildcard(pattern.as_bytes(), host.as_bytes())
        })
}

/// `*` matches any run of bytes (including none); everything else matches itself.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            backtrack = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, from)) = backtrack {
            p = star + 1;
            t = from + 1;
            backtrack = Some((star, from + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, field: &'static str, need: usize) -> Result<&[u8], ParseError> {
        let have = self.data.len().saturating_sub(self.at);
        let bytes =
            self.data
                .get(self.at..self.at.saturating_add(need))
                .ok_or(ParseError::Truncated {
                    field,
                    at: self.at,
                    need,
                    have,
                })?;
        self.at += need;
        Ok(bytes)
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, ParseError> {
        let bytes = self.take(field, 4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn string(&mut self, field: &'static str) -> Result<String, ParseError> {
        let len = usize::try_from(self.u32(field)?).unwrap_or(usize::MAX);
        if len > MAX_LIST_BYTES {
            return Err(ParseError::TooLong { field, len });
        }
        let bytes = self.take(field, len)?;
        if !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
            return Err(ParseError::NotAscii { field });
        }
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.flags & FLAG_PROXY == 0 {
            return f.write_str("direct access (no proxy server)");
        }
        write!(f, "proxy {:?}", self.proxy)?;
        if !self.bypass.is_empty() {
            write!(f, ", bypass {:?}", self.bypass)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Windows' own "direct access" value, as Microsoft documents it (KB 4494447, "Use Group Policy
    /// to apply WinHTTP proxy settings to Windows clients": `Data (for Direct Access or No Proxy)`).
    #[test]
    fn microsoft_direct_access_value() {
        let settings = parse(&hex("1800000000000000010000000000000000000000")).unwrap();
        assert_eq!(settings.version, 0x18);
        assert_eq!(settings.flags, 1);
        assert_eq!(settings.proxy_for("https"), None);
        assert!(!settings.bypasses("collector.example.nhs.uk"));
        assert_eq!(settings.to_string(), "direct access (no proxy server)");
    }

    /// Windows 10's layout (version 0x28), from vbfox/proxyconf's tests of values `netsh winhttp` writes
    /// (src/proxyconf/ie/modern/serialization.rs: `winhttp_deserialize_no_proxy`, `…_some_proxy`).
    #[test]
    fn windows_10_values_from_proxyconf() {
        let direct = parse(&hex("2800000000000000010000000000000000000000")).unwrap();
        assert_eq!((direct.version, direct.proxy_for("https")), (0x28, None));

        let named = parse(&hex(
            "28000000000000000300000004000000613A3432040000002A2E3432",
        ))
        .unwrap();
        assert_eq!(named.flags, 3);
        assert_eq!(named.proxy, "a:42");
        assert_eq!(named.bypass, "*.42");
        assert_eq!(named.proxy_for("https").as_deref(), Some("a:42"));
        assert!(named.bypasses("host.42"));
        assert!(!named.bypasses("host.43"));
    }

    /// A per-scheme list without a bypass length at all: the value a public WinHTTP admin tool's tests
    /// expect for `http=192.168.5.45:3128` (no `https=` entry, so an https request goes direct).
    #[test]
    fn per_scheme_list_without_bypass_field() {
        let settings = parse(&hex(
            "28000000000000000300000016000000687474703d3139322e3136382e352e34353a33313238",
        ))
        .unwrap();
        assert_eq!(settings.proxy, "http=192.168.5.45:3128");
        assert_eq!(settings.bypass, "");
        assert_eq!(
            settings.proxy_for("http").as_deref(),
            Some("192.168.5.45:3128")
        );
        assert_eq!(settings.proxy_for("https"), None);
    }

    /// A 19-byte value that a public Wine prefix script writes as "what `netsh winhttp reset proxy`
    /// writes": the bypass length is cut short, which must be reported, not guessed.
    #[test]
    fn truncated_value_is_an_error() {
        let error = parse(&hex("28000000000000000100000000000000000000")).unwrap_err();
        assert_eq!(
            error,
            ParseError::Truncated {
                field: "bypass list",
                at: 16,
                need: 4,
                have: 3
            }
        );
        assert!(error.to_string().contains("truncated"), "{error}");
        assert!(parse(&[0x18, 0, 0]).is_err());
        assert!(parse(&[]).is_err());
    }

    /// `netsh winhttp set proxy proxy.contoso.com:8080 "localhost;*.contoso.com"`, Microsoft's own example
    /// (KB 4494447), in the Windows 7 layout Wine's WinHttpSetDefaultProxyConfiguration writes.
    #[test]
    fn microsoft_example_with_bypass_list() {
        let proxy = b"proxy.contoso.com:8080";
        let bypass = b"localhost;*.contoso.com";
        let mut data = Vec::new();
        for n in [0x18u32, 7, 3] {
            data.extend(n.to_le_bytes());
        }
        data.extend((proxy.len() as u32).to_le_bytes());
        data.extend(proxy);
        data.extend((bypass.len() as u32).to_le_bytes());
        data.extend(bypass);
        let settings = parse(&data).unwrap();
        assert_eq!(
            settings.proxy_for("https").as_deref(),
            Some("proxy.contoso.com:8080")
        );
        assert!(settings.bypasses("LOCALHOST"));
        assert!(settings.bypasses("intranet.contoso.com"));
        assert!(
            !settings.bypasses("contoso.com"),
            "*.contoso.com needs a label"
        );
        assert!(!settings.bypasses("sunset.example.nhs.uk"));
    }

    #[test]
    fn lengths_beyond_the_data_and_binary_text_are_errors() {
        let mut data = hex("180000000000000003000000");
        data.extend(100u32.to_le_bytes());
        data.extend(b"short");
        assert!(matches!(
            parse(&data),
            Err(ParseError::Truncated {
                field: "proxy list",
                ..
            })
        ));
        let mut data = hex("180000000000000003000000");
        data.extend(u32::MAX.to_le_bytes());
        assert!(matches!(parse(&data), Err(ParseError::TooLong { .. })));
        let mut data = hex("180000000000000003000000");
        data.extend(2u32.to_le_bytes());
        data.extend([0xC3, 0xA9]);
        assert_eq!(
            parse(&data),
            Err(ParseError::NotAscii {
                field: "proxy list"
            })
        );
    }

    #[test]
    fn proxy_lists_pick_the_scheme_entry_first() {
        let settings = |proxy: &str| Settings {
            version: 0x28,
            counter: 0,
            flags: 3,
            proxy: proxy.into(),
            bypass: String::new(),
        };
        let mixed = settings("http=myproxy;https=sproxy:88");
        assert_eq!(mixed.proxy_for("https").as_deref(), Some("sproxy:88"));
        assert_eq!(mixed.proxy_for("http").as_deref(), Some("myproxy"));
        let two = settings("first:3128 second:3128");
        assert_eq!(two.proxy_for("https").as_deref(), Some("first:3128"));
        let off = Settings {
            flags: 1,
            ..settings("leftover:8080")
        };
        assert_eq!(
            off.proxy_for("https"),
            None,
            "flag 2 off: the list is not used"
        );
    }

    #[test]
    fn bypass_patterns() {
        assert!(bypass_matches("<local>", "collector"));
        assert!(!bypass_matches("<local>", "collector.trust.nhs.uk"));
        assert!(bypass_matches("10.*", "10.1.2.3"));
        assert!(!bypass_matches("10.*", "110.1.2.3"));
        assert!(bypass_matches("*.nhs.uk; other", "sunset.trust.nhs.uk"));
        assert!(bypass_matches("*sunset*", "my-sunset-host"));
        assert!(bypass_matches("https://collector.trust", "collector.trust"));
        assert!(!bypass_matches("", "anything"));
        assert!(bypass_matches("a*b*c", "axxbyyc"));
        assert!(!bypass_matches("a*b*c", "axxbyy"));
    }
}
