//! `os-release(5)`: which Linux distribution and release a machine runs.
//!
//! The file is a list of shell variable assignments (`ID=debian`, `PRETTY_NAME="Debian GNU/Linux
//! 12 (bookworm)"`). It is parsed with the shell's quoting rules, as the format requires, but
//! never executed: double quotes (where `\` escapes `$`, `` ` ``, `"` and `\`), single quotes
//! (literal), unquoted backslash escapes, comments and blank lines. Unknown or malformed lines are
//! ignored, so any input yields an [`Os`].
//!
//! [`read_os_release`] chooses `/etc/os-release`, then `/usr/lib/os-release`, under a root
//! directory. Distroless Debian images ship an os-release without `VERSION_ID`; the release is then
//! taken from `/etc/debian_version` (`10.8`), which is what the end-of-support verdict needs.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use sunset_catalog::inventory::{Os, OsFamily, Warning};

use super::{non_empty, read_bounded, resolve_in_root, under_root};

/// Where systemd says to look first.
pub const ETC_OS_RELEASE: &str = "/etc/os-release";
/// The fallback when `/etc/os-release` is absent.
pub const USR_LIB_OS_RELEASE: &str = "/usr/lib/os-release";
/// Debian's point-release file (`12.8`, or `trixie/sid` on testing).
pub const DEBIAN_VERSION: &str = "/etc/debian_version";
/// The source name used in warnings.
pub const SOURCE: &str = "os-release";

/// Largest os-release file read (real ones are under 1 KiB).
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Parses os-release text into `KEY → value`, applying shell quoting. A later assignment of the
/// same key wins, as in the shell. Lines that are not `KEY=value` with a valid shell name are
/// skipped.
pub fn parse_assignments(text: &str) -> BTreeMap<String, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        // Skip blank space between assignments.
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        if first == '#' {
            skip_line(&mut chars);
            continue;
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|&c| c != '=' && c != '\n' && !c.is_whitespace()) {
            key.push(c);
        }
        if chars.next_if_eq(&'=').is_none() || !is_shell_name(&key) {
            skip_line(&mut chars);
            continue;
        }
        let value = parse_value(&mut chars);
        out.insert(key, value);
    }
    out
}

/// Parses os-release text into an [`Os`] (family Linux; `name` is `PRETTY_NAME`, else `NAME`,
/// else `Linux`, the default os-release(5) gives; `version` is `VERSION_ID` or empty).
pub fn parse_os_release(text: &str) -> Os {
    os_from_fields(&parse_assignments(text))
}

/// Builds the [`Os`] from parsed fields; see [`parse_os_release`].
pub fn os_from_fields(fields: &BTreeMap<String, String>) -> Os {
    let get = |key: &str| fields.get(key).and_then(|v| non_empty(v));
    let version_id = get("VERSION_ID");
    Os {
        family: Some(OsFamily::Linux),
        name: get("PRETTY_NAME")
            .or_else(|| get("NAME"))
            .unwrap_or_else(|| "Linux".to_string()),
        version: version_id.clone().unwrap_or_default(),
        distro_id: get("ID"),
        distro_version_id: version_id,
        distro_codename: get("VERSION_CODENAME"),
        distro_id_like: fields
            .get("ID_LIKE")
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        ..Os::default()
    }
}

/// The release in `/etc/debian_version` when it is a number (`10.8`, `13.5`); `None` for
/// testing/unstable's `trixie/sid` and anything else that does not start with a digit.
pub fn parse_debian_version(text: &str) -> Option<String> {
    let first = text.lines().next()?.trim();
    let starts_with_digit = first.chars().next().is_some_and(|c| c.is_ascii_digit());
    (starts_with_digit && first.len() <= 64).then(|| first.to_string())
}

/// Reads the OS of the machine whose file system starts at `root`: `/etc/os-release`, else
/// `/usr/lib/os-release`. When the distribution is Debian (`ID=debian`) and `VERSION_ID` is
/// absent, `version` comes from `/etc/debian_version` (`distro_version_id` stays `None`: the
/// os-release file did not say). Neither file readable → a warning.
pub fn read_os_release(root: &Path) -> Result<Os, Warning> {
    let mut failures = Vec::new();
    for candidate in [ETC_OS_RELEASE, USR_LIB_OS_RELEASE] {
        let path = resolve_in_root(root, &under_root(root, candidate));
        match read_bounded(&path, MAX_FILE_BYTES) {
            Ok(bytes) => {
                let mut os = parse_os_release(&String::from_utf8_lossy(&bytes));
                if os.distro_version_id.is_none() && os.distro_id.as_deref() == Some("debian") {
                    let debian_version = resolve_in_root(root, &under_root(root, DEBIAN_VERSION));
                    if let Some(version) = read_bounded(&debian_version, MAX_FILE_BYTES)
                        .ok()
                        .and_then(|b| parse_debian_version(&String::from_utf8_lossy(&b)))
                    {
                        os.version = version;
                    }
                }
                return Ok(os);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => failures.push(format!("{candidate}: {e}")),
        }
    }
    let message = if failures.is_empty() {
        format!("neither {ETC_OS_RELEASE} nor {USR_LIB_OS_RELEASE} exists")
    } else {
        failures.join("; ")
    };
    Err(Warning::new(SOURCE, message))
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if c == '\n' {
            break;
        }
    }
}

/// A shell variable name: a letter or `_`, then letters, digits or `_`.
fn is_shell_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads one shell word: unquoted text, `'…'` and `"…"` pieces, until unquoted blank space. The
/// rest of the line after the word is ignored. An unterminated quote takes the rest of the input.
fn parse_value(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    value.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('$' | '`' | '"' | '\\')) => value.push(e),
                            Some('\n') => {}
                            Some(other) => {
                                value.push('\\');
                                value.push(other);
                            }
                            None => value.push('\\'),
                        },
                        _ => value.push(c),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(other) => value.push(other),
            },
            '\n' => break,
            c if c.is_whitespace() => {
                skip_line(chars);
                break;
            }
            c => value.push(c),
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_rules() {
        let text = "# comment\n\nA=plain\nB=\"double \\\"q\\\" \\$x \\\\ \\n\"\nC='single \\ \"x\"'\n\
                    D=un\\ quoted trailing words\n  E=\"multi\nline\"\n1BAD=x\nF=a'b'\"c\"\nG\nH=\n";
        let fields = parse_assignments(text);
        assert_eq!(fields["A"], "plain");
        assert_eq!(fields["B"], "double \"q\" $x \\ \\n");
        assert_eq!(fields["C"], "single \\ \"x\"");
        assert_eq!(fields["D"], "un quoted");
        assert_eq!(fields["E"], "multi\nline");
        assert_eq!(fields["F"], "abc");
        assert_eq!(fields["H"], "");
        assert!(!fields.contains_key("1BAD"));
        assert!(!fields.contains_key("G"));
    }

    #[test]
    fn crlf_and_bom_are_tolerated() {
        let fields = parse_assignments("\u{feff}ID=debian\r\nVERSION_ID=\"12\"\r\n");
        assert_eq!(fields["ID"], "debian");
        assert_eq!(fields["VERSION_ID"], "12");
    }

    #[test]
    fn later_assignment_wins_and_empty_values_are_none() {
        let os = parse_os_release("ID=a\nID=b\nVERSION_CODENAME=\"\"\nID_LIKE=\"rhel  fedora\"\n");
        assert_eq!(os.distro_id.as_deref(), Some("b"));
        assert_eq!(os.distro_codename, None);
        assert_eq!(os.distro_id_like, ["rhel", "fedora"]);
        assert_eq!(os.name, "Linux");
        assert_eq!(os.version, "");
    }

    #[test]
    fn debian_version_only_when_numeric() {
        assert_eq!(parse_debian_version("10.8\n").as_deref(), Some("10.8"));
        assert_eq!(parse_debian_version("trixie/sid\n"), None);
        assert_eq!(parse_debian_version(""), None);
    }
}
