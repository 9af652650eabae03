//! Products that hide from `Uninstall` or lie there, read from where the product records its version.
//!
//! | product | key (below `SOFTWARE`, also below `WOW6432Node`) | value | emitted name |
//! |---|---|---|---|
//! | Edge | `Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}` | `pv` | [`EDGE`] |
//! | Chrome | `Google\Update\Clients\{8A69D345-D564-463c-AFF1-A69D9E530F96}` | `pv` | [`CHROME`] |
//! | Firefox | `Mozilla\Mozilla Firefox`, `Mozilla\Mozilla Firefox ESR` | `CurrentVersion` (`115.5.0esr (x64 en-GB)`) | [`FIREFOX`], or [`FIREFOX_ESR`] when the version ends in `esr` or the key is the ESR one |
//! | .NET Framework 4 | `Microsoft\NET Framework Setup\NDP\v4\Full` (native view only) | `Release` | `Microsoft .NET Framework 4.8.1` ([`dotnet_framework_version`]); `Microsoft .NET Framework 4` without `Release` |
//! | .NET runtimes | `dotnet\Setup\InstalledVersions\<x64/x86/arm64>\sharedfx\<framework>` | value *names* | as their installers name them ([`dotnet_runtime_name`]): `Microsoft .NET Runtime - 8.0.11 (x64)` |
//! | Office click-to-run | `Microsoft\Office\ClickToRun\Configuration` (native view only) | `VersionToReport` (else `ClientVersionToReport`), `ProductReleaseIds`, `Platform` | one per product id ([`office_product_name`]): `Microsoft 365 Apps for enterprise` |
//! | Internet Explorer | `Microsoft\Internet Explorer` (native view only) | `svcVersion` (IE 10 and 11: `11.0.9600.20778`), else `Version` (IE 9 and older; IE 10/11 write `9.10.…`/`9.11.…` there) | [`INTERNET_EXPLORER`]; not on Windows 11, which has no IE desktop application ([`has_internet_explorer`]) |
//!
//! Each becomes a [`Software`] with [`Source::WindowsRegistry`] naming the key it was read from; names
//! are the ones the catalogue's rules (`catalog/data/*.toml`) match. Versions are as the product reports
//! them (`115.5.0esr`), except .NET Framework, whose `Release` number is mapped to the product version
//! with Microsoft's table: its `Version` value (`4.8.09032` for 4.8.1) would place 4.8.1 in 4.8.
//!
//! **The product's own record is authoritative.** Browsers update themselves without always updating
//! their `Uninstall` entry, and the .NET and Office installers list one product several times (per
//! bundle, per language), so an entry of the machine's `Uninstall` views (`HklmUninstall`,
//! `Wow6432Uninstall`) for a product found here is removed ([`replace_uninstall_entries`]). Same product
//! ([`replaces`]), compared case-insensitively: the same DisplayName (`Microsoft Edge`, not `Microsoft
//! Edge Update` or `… WebView2 Runtime`; `Google Chrome`, not `Google Chrome Beta`), or that name and a
//! language (`Microsoft 365 Apps for enterprise - en-us`), or for Firefox any DisplayName starting
//! `Mozilla Firefox` (`Mozilla Firefox 57.0.2 (fr)`, `Mozilla Firefox ESR (x64 en-GB)`; not `Mozilla
//! Maintenance Service`). Per-user installs are separate copies and are kept.

use sunset_catalog::inventory::{InstallationType, Os, Software, Source, Warning};

use super::{HKLM_SOFTWARE, ValueNames, join, read_text, read_u32, warn};
use crate::registry::Key;

/// Name emitted for Microsoft Edge.
pub const EDGE: &str = "Microsoft Edge";
/// Name emitted for Google Chrome.
pub const CHROME: &str = "Google Chrome";
/// Name emitted for Mozilla Firefox (the rapid release).
pub const FIREFOX: &str = "Mozilla Firefox";
/// Name emitted for Mozilla Firefox ESR.
pub const FIREFOX_ESR: &str = "Mozilla Firefox ESR";
/// Name emitted for Internet Explorer.
pub const INTERNET_EXPLORER: &str = "Internet Explorer";
/// Internet Explorer's key.
pub const IE_KEY: &str = r"Microsoft\Internet Explorer";
/// Edge's Google-Update-style client id.
pub const EDGE_CLIENT: &str = "{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}";
/// Chrome's Google Update client id.
pub const CHROME_CLIENT: &str = "{8A69D345-D564-463c-AFF1-A69D9E530F96}";
/// .NET Framework 4.x's setup key.
pub const NDP_V4_FULL: &str = r"Microsoft\NET Framework Setup\NDP\v4\Full";
/// Office click-to-run's configuration key.
pub const CLICK_TO_RUN: &str = r"Microsoft\Office\ClickToRun\Configuration";
/// The .NET shared frameworks read.
pub const DOTNET_FRAMEWORKS: [&str; 3] = [
    "Microsoft.NETCore.App",
    "Microsoft.AspNetCore.App",
    "Microsoft.WindowsDesktop.App",
];
/// Architectures the .NET installers record.
const DOTNET_ARCHITECTURES: [&str; 3] = ["x64", "x86", "arm64"];
/// Where 32-bit programs' keys live on 64-bit Windows; tried after the native path.
const VIEWS: [&str; 2] = ["", r"WOW6432Node\"];

/// .NET Framework `Release` minimums, newest first, from Microsoft's "How to: Determine which .NET
/// Framework versions are installed" (learn.microsoft.com/dotnet/framework/install/how-to-determine-which-versions-are-installed).
/// A value at or above a minimum is that version or later.
pub const DOTNET_FRAMEWORK_RELEASES: [(u32, &str); 11] = [
    (533_320, "4.8.1"),
    (528_040, "4.8"),
    (461_808, "4.7.2"),
    (461_308, "4.7.1"),
    (460_798, "4.7"),
    (394_802, "4.6.2"),
    (394_254, "4.6.1"),
    (393_295, "4.6"),
    (379_893, "4.5.2"),
    (378_675, "4.5.1"),
    (378_389, "4.5"),
];

/// Every product below a `SOFTWARE` root, in the order of the table above.
pub fn collect<K: Key + ValueNames>(software: &K, warnings: &mut Vec<Warning>) -> Vec<Software> {
    let mut out = Vec::new();
    for (name, client, publisher) in [
        (EDGE, EDGE_CLIENT, "Microsoft Corporation"),
        (CHROME, CHROME_CLIENT, "Google LLC"),
    ] {
        let path = if name == EDGE {
            format!(r"Microsoft\EdgeUpdate\Clients\{client}")
        } else {
            format!(r"Google\Update\Clients\{client}")
        };
        for view in VIEWS {
            let path = format!("{view}{path}");
            let Some((key, at)) = open_quiet(software, &path, warnings) else {
                continue;
            };
            if let Some(version) = read_text(&key, &at, "pv", warnings) {
                out.push(entry(name, Some(version), Some(publisher), None, None, at));
            }
        }
    }
    for product in [FIREFOX, FIREFOX_ESR] {
        for view in VIEWS {
            let path = format!(r"{view}Mozilla\{product}");
            let Some((key, at)) = open_quiet(software, &path, warnings) else {
                continue;
            };
            let Some(current) = read_text(&key, &at, "CurrentVersion", warnings) else {
                continue;
            };
            let (version, architecture) = parse_firefox_version(&current);
            let esr = product == FIREFOX_ESR || version.to_ascii_lowercase().ends_with("esr");
            let name = if esr { FIREFOX_ESR } else { FIREFOX };
            out.push(entry(
                name,
                Some(version),
                Some("Mozilla"),
                architecture,
                None,
                at,
            ));
        }
    }
    out.extend(dotnet_framework(software, warnings));
    out.extend(dotnet_runtimes(software, warnings));
    out.extend(office_click_to_run(software, warnings));
    out
}

/// Internet Explorer, from its own key: `svcVersion` where IE 10 and 11 keep their real version,
/// else `Version`. NT 4.0's key holds only `IVer` and gives nothing.
pub fn internet_explorer<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Option<Software> {
    let (key, at) = open_quiet(software, IE_KEY, warnings)?;
    let version = read_text(&key, &at, "svcVersion", warnings)
        .or_else(|| read_text(&key, &at, "Version", warnings))?;
    Some(entry(
        INTERNET_EXPLORER,
        Some(version),
        Some("Microsoft Corporation"),
        None,
        None,
        at,
    ))
}

/// Whether this Windows can have the Internet Explorer desktop application: every Windows before
/// Windows 11. Windows 11 (a client with build 22000 or later) keeps the key for compatibility but
/// has no IE application, so reporting it would flag every Windows 11 PC.
pub fn has_internet_explorer(os: &Os) -> bool {
    let build = os.build.as_deref().and_then(|b| b.parse::<u32>().ok());
    let windows_11 = os.installation_type == Some(InstallationType::Client)
        && build.is_some_and(|b| b >= super::os::FIRST_WINDOWS_11_BUILD);
    !windows_11
}

/// Removes the machine `Uninstall` entries that `extras` replace ([`replaces`]), then appends `extras`.
pub fn replace_uninstall_entries(found: &mut Vec<Software>, extras: Vec<Software>) {
    found.retain(|entry| {
        let machine = matches!(
            entry.source,
            Source::HklmUninstall | Source::Wow6432Uninstall
        );
        !(machine
            && extras
                .iter()
                .any(|extra| replaces(&extra.name, &entry.name)))
    });
    found.extend(extras);
}

/// Whether a product found here under the name `extra` replaces an `Uninstall` entry called
/// `display_name`: the same name, or the same name and ` - <language>` (`- en-us`), or for Firefox any
/// name starting `Mozilla Firefox`; case-insensitively.
pub fn replaces(extra: &str, display_name: &str) -> bool {
    let (extra, shown) = (
        extra.trim().to_lowercase(),
        display_name.trim().to_lowercase(),
    );
    if extra == FIREFOX.to_lowercase() || extra == FIREFOX_ESR.to_lowercase() {
        return shown.starts_with("mozilla firefox");
    }
    match shown.strip_prefix(&extra) {
        Some("") => true,
        Some(rest) => rest.strip_prefix(" - ").is_some_and(is_language_tag),
        None => false,
    }
}

/// `en-us`, `fr-fr`, `zh-hans-cn`: letters in dash-separated groups of 2 to 4.
fn is_language_tag(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    (2..=3).contains(&groups.len())
        && groups
            .iter()
            .all(|g| (2..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// Firefox's `CurrentVersion` (`115.5.0esr (x64 en-GB)`) as version and architecture (`x64`, `x86`,
/// `arm64` when the parentheses start with one).
pub fn parse_firefox_version(current: &str) -> (String, Option<String>) {
    let (version, rest) = current.split_once('(').unwrap_or((current, ""));
    let architecture = match rest
        .split_whitespace()
        .next()
        .map(|a| a.trim_end_matches(')').to_ascii_lowercase())
    {
        Some(a) if a == "x64" || a == "x86" => Some(a),
        Some(a) if a == "aarch64" || a == "arm64" => Some("arm64".to_owned()),
        _ => None,
    };
    (version.trim().to_owned(), architecture)
}

/// The .NET Framework version for a `Release` value, per [`DOTNET_FRAMEWORK_RELEASES`].
pub fn dotnet_framework_version(release: u32) -> Option<&'static str> {
    DOTNET_FRAMEWORK_RELEASES
        .iter()
        .find(|(min, _)| release >= *min)
        .map(|(_, version)| *version)
}

/// .NET Framework 4.x: from `Release` (4.5 and later), or 4.0 when the key exists without one.
fn dotnet_framework<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Option<Software> {
    let (key, at) = open_quiet(software, NDP_V4_FULL, warnings)?;
    let (name, version) = match read_u32(&key, &at, "Release", warnings) {
        Some(release) => {
            let version = dotnet_framework_version(release)?;
            (format!("Microsoft .NET Framework {version}"), version)
        }
        None if read_u32(&key, &at, "Install", warnings) == Some(1) => {
            ("Microsoft .NET Framework 4".to_owned(), "4.0")
        }
        None => return None,
    };
    let publisher = Some("Microsoft Corporation");
    Some(entry(
        &name,
        Some(version.to_owned()),
        publisher,
        None,
        None,
        at,
    ))
}

/// The name a .NET runtime's installer gives it (`Microsoft .NET Runtime - 8.0.11 (x64)`,
/// `Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64)`, `Microsoft Windows Desktop Runtime - 8.0.11
/// (x64)`; `.NET Core Runtime` before .NET 5), or `None` for another framework.
pub fn dotnet_runtime_name(framework: &str, version: &str, architecture: &str) -> Option<String> {
    let before_5 = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m < 5);
    match framework {
        "Microsoft.NETCore.App" if before_5 => Some(format!(
            "Microsoft .NET Core Runtime - {version} ({architecture})"
        )),
        "Microsoft.NETCore.App" => Some(format!(
            "Microsoft .NET Runtime - {version} ({architecture})"
        )),
        "Microsoft.AspNetCore.App" => Some(format!(
            "Microsoft ASP.NET Core {version} - Shared Framework ({architecture})"
        )),
        "Microsoft.WindowsDesktop.App" => Some(format!(
            "Microsoft Windows Desktop Runtime - {version} ({architecture})"
        )),
        _ => None,
    }
}

/// .NET (Core) shared runtimes: every version of every framework and architecture.
fn dotnet_runtimes<K: Key + ValueNames>(
    software: &K,
    warnings: &mut Vec<Warning>,
) -> Vec<Software> {
    let mut out = Vec::new();
    for framework in DOTNET_FRAMEWORKS {
        for arch in DOTNET_ARCHITECTURES {
            for view in VIEWS {
                let path =
                    format!(r"{view}dotnet\Setup\InstalledVersions\{arch}\sharedfx\{framework}");
                let Some((key, at)) = open_quiet(software, &path, warnings) else {
                    continue;
                };
                let versions = ValueNames::value_names(&key).unwrap_or_else(|e| {
                    warn(warnings, &at, &e);
                    Vec::new()
                });
                for version in versions
                    .into_iter()
                    .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                {
                    let Some(name) = dotnet_runtime_name(framework, &version, arch) else {
                        continue;
                    };
                    let (publisher, architecture) =
                        (Some("Microsoft Corporation"), Some(arch.to_owned()));
                    out.push(entry(
                        &name,
                        Some(version),
                        publisher,
                        architecture,
                        Some(framework),
                        at.clone(),
                    ));
                }
            }
        }
    }
    out
}

/// Office click-to-run: one entry per product in `ProductReleaseIds`.
fn office_click_to_run<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Vec<Software> {
    let Some((key, at)) = open_quiet(software, CLICK_TO_RUN, warnings) else {
        return Vec::new();
    };
    let version = read_text(&key, &at, "VersionToReport", warnings)
        .or_else(|| read_text(&key, &at, "ClientVersionToReport", warnings));
    let architecture = read_text(&key, &at, "Platform", warnings).map(|p| p.to_ascii_lowercase());
    let ids = read_text(&key, &at, "ProductReleaseIds", warnings).unwrap_or_default();
    ids.split(',')
        .map(str::trim)
        .filter(|id| {
            !id.is_empty()
                && !["LanguagePack", "ProofingTools"]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(id))
        })
        .map(|id| {
            let name = office_product_name(id)
                .map_or_else(|| format!("Microsoft Office ({id})"), str::to_owned);
            let publisher = Some("Microsoft Corporation");
            entry(
                &name,
                version.clone(),
                publisher,
                architecture.clone(),
                Some(id),
                at.clone(),
            )
        })
        .collect()
}

/// The product name of a click-to-run `ProductReleaseIds` entry (Microsoft's product ids for the
/// Office Deployment Tool), or `None` for ids not in this list (emitted as `Microsoft Office (<id>)`).
pub fn office_product_name(id: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 26] = [
        ("O365ProPlusRetail", "Microsoft 365 Apps for enterprise"),
        (
            "O365ProPlusEEANoTeamsRetail",
            "Microsoft 365 Apps for enterprise",
        ),
        ("O365BusinessRetail", "Microsoft 365 Apps for business"),
        (
            "O365BusinessEEANoTeamsRetail",
            "Microsoft 365 Apps for business",
        ),
        ("O365HomePremRetail", "Microsoft 365 Family"),
        ("ProPlusRetail", "Microsoft Office Professional Plus 2016"),
        ("ProPlusVolume", "Microsoft Office Professional Plus 2016"),
        ("StandardRetail", "Microsoft Office Standard 2016"),
        ("StandardVolume", "Microsoft Office Standard 2016"),
        (
            "HomeBusinessRetail",
            "Microsoft Office Home and Business 2016",
        ),
        (
            "HomeStudentRetail",
            "Microsoft Office Home and Student 2016",
        ),
        (
            "ProPlus2019Retail",
            "Microsoft Office Professional Plus 2019",
        ),
        (
            "ProPlus2019Volume",
            "Microsoft Office Professional Plus 2019",
        ),
        ("Standard2019Volume", "Microsoft Office Standard 2019"),
        (
            "HomeBusiness2019Retail",
            "Microsoft Office Home and Business 2019",
        ),
        (
            "HomeStudent2019Retail",
            "Microsoft Office Home and Student 2019",
        ),
        (
            "ProPlus2021Retail",
            "Microsoft Office Professional Plus 2021",
        ),
        (
            "ProPlus2021Volume",
            "Microsoft Office LTSC Professional Plus 2021",
        ),
        ("Standard2021Volume", "Microsoft Office LTSC Standard 2021"),
        (
            "HomeBusiness2021Retail",
            "Microsoft Office Home and Business 2021",
        ),
        (
            "HomeStudent2021Retail",
            "Microsoft Office Home and Student 2021",
        ),
        (
            "ProPlus2024Volume",
            "Microsoft Office LTSC Professional Plus 2024",
        ),
        ("Standard2024Volume", "Microsoft Office LTSC Standard 2024"),
        (
            "HomeBusiness2024Retail",
            "Microsoft Office Home and Business 2024",
        ),
        ("Home2024Retail", "Microsoft Office Home 2024"),
        ("VisioProRetail", "Microsoft Visio Professional"),
    ];
    NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(id))
        .map(|(_, name)| *name)
}

/// Opens `path` below the `SOFTWARE` root, with its logical path; absence is normal here (most machines
/// lack most products), a read failure is a warning.
fn open_quiet<K: Key>(
    software: &K,
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Option<(K, String)> {
    let at = join(HKLM_SOFTWARE, path);
    match software.open(path) {
        Ok(key) => key.map(|key| (key, at)),
        Err(e) => {
            warn(warnings, &at, &e);
            None
        }
    }
}

fn entry(
    name: &str,
    version: Option<String>,
    publisher: Option<&str>,
    architecture: Option<String>,
    identifier: Option<&str>,
    path: String,
) -> Software {
    Software {
        name: name.to_owned(),
        key: Software::identity_key(name, version.as_deref(), None),
        version,
        publisher: publisher.map(str::to_owned),
        install_date: None,
        architecture,
        source: Source::WindowsRegistry { path },
        origin: None,
        install_location: None,
        identifier: identifier.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_framework_release_table() {
        // Every value Microsoft lists for each version, and the boundaries between them.
        let listed = [
            (378_389, "4.5"),
            (378_675, "4.5.1"),
            (378_758, "4.5.1"),
            (379_893, "4.5.2"),
            (393_295, "4.6"),
            (393_297, "4.6"),
            (394_254, "4.6.1"),
            (394_271, "4.6.1"),
            (394_802, "4.6.2"),
            (394_806, "4.6.2"),
            (460_798, "4.7"),
            (460_805, "4.7"),
            (461_308, "4.7.1"),
            (461_310, "4.7.1"),
            (461_808, "4.7.2"),
            (461_814, "4.7.2"),
            (528_040, "4.8"),
            (528_049, "4.8"),
            (528_372, "4.8"),
            (528_449, "4.8"),
            (533_320, "4.8.1"),
            (533_325, "4.8.1"),
            (600_000, "4.8.1"),
        ];
        for (release, version) in listed {
            assert_eq!(
                dotnet_framework_version(release),
                Some(version),
                "{release}"
            );
        }
        assert_eq!(dotnet_framework_version(378_388), None);
        assert_eq!(dotnet_framework_version(0), None);
    }

    #[test]
    fn firefox_current_version() {
        assert_eq!(
            parse_firefox_version("115.5.0esr (x64 en-GB)"),
            ("115.5.0esr".into(), Some("x64".into()))
        );
        assert_eq!(
            parse_firefox_version("57.0.2 (x86 fr)"),
            ("57.0.2".into(), Some("x86".into()))
        );
        assert_eq!(
            parse_firefox_version("128.0 (AArch64 en-US)"),
            ("128.0".into(), Some("arm64".into()))
        );
        assert_eq!(
            parse_firefox_version("57.0.2 (fr)"),
            ("57.0.2".into(), None)
        );
        assert_eq!(parse_firefox_version("57.0.2"), ("57.0.2".into(), None));
    }

    #[test]
    fn which_uninstall_entries_the_browsers_replace() {
        assert!(replaces(EDGE, "Microsoft Edge"));
        assert!(!replaces(EDGE, "Microsoft Edge Update"));
        assert!(!replaces(EDGE, "Microsoft Edge WebView2 Runtime"));
        assert!(replaces(CHROME, "google chrome"));
        assert!(!replaces(CHROME, "Google Chrome Beta"));
        assert!(replaces(FIREFOX, "Mozilla Firefox 57.0.2 (fr)"));
        assert!(replaces(FIREFOX_ESR, "Mozilla Firefox ESR (x64 en-GB)"));
        assert!(replaces(
            FIREFOX_ESR,
            "Mozilla Firefox 115.5.0 ESR (x64 en-GB)"
        ));
        assert!(!replaces(FIREFOX, "Mozilla Maintenance Service"));
        let runtime = "Microsoft .NET Runtime - 8.0.11 (x64)";
        assert!(replaces(runtime, "microsoft .net runtime - 8.0.11 (x64)"));
        assert!(!replaces(runtime, "Microsoft .NET Runtime - 8.0.11 (x86)"));
        let m365 = "Microsoft 365 Apps for enterprise";
        assert!(replaces(m365, "Microsoft 365 Apps for enterprise - en-us"));
        assert!(replaces(
            m365,
            "Microsoft 365 Apps for enterprise - zh-hans-cn"
        ));
        assert!(!replaces(
            m365,
            "Microsoft 365 Apps for enterprise - Proofing Tools"
        ));
        assert!(!replaces(
            "Microsoft .NET Framework 4",
            "Microsoft .NET Framework 4 Client Profile"
        ));
    }

    #[test]
    fn replacement_keeps_user_installs() {
        let sw = |name: &str, source: Source| Software {
            name: name.into(),
            version: Some("1".into()),
            publisher: None,
            install_date: None,
            architecture: None,
            source,
            origin: None,
            install_location: None,
            identifier: None,
            key: Software::identity_key(name, Some("1"), None),
        };
        let user = Source::UserUninstall {
            user_sid: None,
            user_name: Some("alice".into()),
        };
        let mut found = vec![
            sw("Google Chrome", Source::Wow6432Uninstall),
            sw("Google Chrome", user.clone()),
            sw("7-Zip", Source::HklmUninstall),
        ];
        let chrome = sw(
            "Google Chrome",
            Source::WindowsRegistry { path: "x".into() },
        );
        replace_uninstall_entries(&mut found, vec![chrome]);
        let sources: Vec<_> = found
            .iter()
            .map(|s| (s.name.as_str(), s.source.name()))
            .collect();
        assert_eq!(
            sources,
            [
                ("Google Chrome", "user-uninstall"),
                ("7-Zip", "hklm-uninstall"),
                ("Google Chrome", "windows-registry")
            ]
        );
    }

    #[test]
    fn dotnet_runtime_names_are_the_installers() {
        let name = |f, v, a| dotnet_runtime_name(f, v, a);
        assert_eq!(
            name("Microsoft.NETCore.App", "8.0.11", "x64").as_deref(),
            Some("Microsoft .NET Runtime - 8.0.11 (x64)")
        );
        assert_eq!(
            name("Microsoft.NETCore.App", "3.1.32", "x86").as_deref(),
            Some("Microsoft .NET Core Runtime - 3.1.32 (x86)")
        );
        assert_eq!(
            name("Microsoft.AspNetCore.App", "6.0.25", "x64").as_deref(),
            Some("Microsoft ASP.NET Core 6.0.25 - Shared Framework (x64)")
        );
        assert_eq!(
            name("Microsoft.WindowsDesktop.App", "8.0.11", "arm64").as_deref(),
            Some("Microsoft Windows Desktop Runtime - 8.0.11 (arm64)")
        );
        assert_eq!(name("Microsoft.Other.App", "1.0.0", "x64"), None);
    }

    #[test]
    fn office_names() {
        assert_eq!(
            office_product_name("O365ProPlusRetail"),
            Some("Microsoft 365 Apps for enterprise")
        );
        assert_eq!(
            office_product_name("proplus2021volume"),
            Some("Microsoft Office LTSC Professional Plus 2021")
        );
        assert_eq!(office_product_name("SomethingNew2030Retail"), None);
    }
}
