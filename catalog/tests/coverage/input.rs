//! What a coverage row puts into an inventory, and the constructors the rows are written with.

use super::*;

/// What a row puts into the inventory.
pub(crate) enum Input {
    Software(Software),
    Os(Os),
}

/// One expectation: this input is this product and cycle, with this status on [`TODAY`].
pub(crate) struct Row {
    pub(crate) input: Input,
    pub(crate) product: &'static str,
    pub(crate) cycle: Option<&'static str>,
    pub(crate) status: Status,
}

pub(crate) fn software(
    name: &str,
    version: &str,
    publisher: Option<&str>,
    source: Source,
    identifier: Option<&str>,
) -> Input {
    let version = (!version.is_empty()).then(|| version.to_string());
    Input::Software(Software {
        name: name.into(),
        key: Software::identity_key(name, version.as_deref(), None),
        version,
        publisher: publisher.map(Into::into),
        install_date: None,
        architecture: None,
        source,
        origin: None,
        install_location: None,
        identifier: identifier.map(Into::into),
    })
}

/// An entry of `HKLM\…\Uninstall` (64-bit view).
pub(crate) fn hklm(name: &str, version: &str, publisher: &str) -> Input {
    software(name, version, Some(publisher), Source::HklmUninstall, None)
}

/// An entry of the 32-bit view (`WOW6432Node`).
pub(crate) fn wow(name: &str, version: &str, publisher: &str) -> Input {
    software(
        name,
        version,
        Some(publisher),
        Source::Wow6432Uninstall,
        None,
    )
}

/// A per-user Uninstall entry.
pub(crate) fn user(name: &str, version: &str, publisher: &str) -> Input {
    let source = Source::UserUninstall {
        user_sid: None,
        user_name: Some("alice".into()),
    };
    software(name, version, Some(publisher), source, None)
}

/// A product Windows registers outside Uninstall.
pub(crate) fn registry(name: &str, version: &str) -> Input {
    let path = r"HKLM\SOFTWARE\Microsoft\Internet Explorer".to_string();
    software(
        name,
        version,
        Some("Microsoft Corporation"),
        Source::WindowsRegistry { path },
        None,
    )
}

pub(crate) fn dpkg(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Dpkg, None)
}

pub(crate) fn rpm(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Rpm, None)
}

/// A package the agent found to come from a vendor's repository (apt list, maintainer, version
/// mark or rpm vendor), not from the distribution.
pub(crate) fn vendor(input: Input, vendor: &str, publisher: Option<&str>) -> Input {
    let Input::Software(software) = input else {
        unreachable!("vendor() wraps a package")
    };
    Input::Software(Software {
        publisher: publisher.map(Into::into),
        origin: Some(Origin::vendor(
            vendor,
            vec![OriginEvidence::new(OriginField::AptOrigin, vendor)],
        )),
        ..software
    })
}

pub(crate) fn vendor_dpkg(name: &str, version: &str, from: &str) -> Input {
    vendor(dpkg(name, version), from, None)
}

pub(crate) fn vendor_rpm(name: &str, version: &str, from: &str) -> Input {
    vendor(rpm(name, version), from, Some(from))
}

pub(crate) fn snap(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Snap, None)
}

pub(crate) fn mac_app(name: &str, version: &str, bundle_id: &str) -> Input {
    software(name, version, None, Source::MacosApp, Some(bundle_id))
}

pub(crate) fn windows_os(
    name: &str,
    version: &str,
    edition: &str,
    installation_type: Option<InstallationType>,
) -> Input {
    Input::Os(Os {
        family: Some(OsFamily::Windows),
        name: name.into(),
        version: version.into(),
        edition: Some(edition.into()),
        installation_type,
        ..Os::default()
    })
}

pub(crate) fn client(name: &str, version: &str, edition: &str) -> Input {
    windows_os(name, version, edition, Some(InstallationType::Client))
}

pub(crate) fn server(name: &str, version: &str, edition: &str) -> Input {
    windows_os(name, version, edition, Some(InstallationType::Server))
}

/// A Linux OS as `/etc/os-release` describes it (`ID`, `VERSION_ID`, `PRETTY_NAME`).
pub(crate) fn linux(id: &str, version_id: &str, pretty_name: &str) -> Input {
    Input::Os(Os {
        family: Some(OsFamily::Linux),
        name: pretty_name.into(),
        version: version_id.into(),
        distro_id: Some(id.into()),
        distro_version_id: Some(version_id.into()),
        installation_type: Some(InstallationType::Server),
        ..Os::default()
    })
}

pub(crate) fn macos(name: &str, version: &str) -> Input {
    Input::Os(Os {
        family: Some(OsFamily::Macos),
        name: name.into(),
        version: version.into(),
        installation_type: Some(InstallationType::Client),
        ..Os::default()
    })
}

/// Judged without a cycle: older than every cycle (and the oldest has ended), or by a vendor
/// minimum version.
pub(crate) fn outside(input: Input, product: &'static str, status: Status) -> Row {
    Row {
        input,
        product,
        cycle: None,
        status,
    }
}

pub(crate) fn row(input: Input, product: &'static str, cycle: &'static str, status: Status) -> Row {
    Row {
        input,
        product,
        cycle: Some(cycle),
        status,
    }
}

/// Recognised, but no dated cycle: a product without sourced dates, or a version the data lacks.
/// (Rows are judged with no cover reported and none declared, so a paid extended window without
/// cover is `unsupported`; `Extended` is only Debian's automatic LTS. `tests/evaluate.rs` covers
/// licences and declarations.)
pub(crate) fn unknown(input: Input, product: &'static str) -> Row {
    Row {
        input,
        product,
        cycle: None,
        status: Unknown,
    }
}
