//! Coverage of the built-in catalogue: every product is pinned by real names and versions.
//!
//! Each row is one thing a machine really reports — a DisplayName/DisplayVersion/Publisher from an
//! Uninstall key (many from the fixtures in `../shared/fixtures/windows-hives`), a dpkg or rpm
//! package, a macOS bundle, or an OS as the agent describes it — and the product, cycle and status
//! the catalogue must give it on a fixed day. Look-alikes that must match nothing have their own
//! table. [`every_product_has_a_row`] fails when a product has no row, so coverage cannot drop
//! silently when products are added or renamed.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::{Catalog, Target};
use sunset_catalog::evaluate::{Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Origin, OriginEvidence, OriginField, Os, OsFamily,
    SCHEMA_VERSION, Software, Source,
};

use Status::{Expiring, Extended, Supported, Unknown, Unsupported};

/// The day every row is judged on (the catalogue's version date).
const TODAY: (i32, u32, u32) = (2026, 11, 25);

/// What a row puts into the inventory.
enum Input {
    Software(Software),
    Os(Os),
}

/// One expectation: this input is this product and cycle, with this status on [`TODAY`].
struct Row {
    input: Input,
    product: &'static str,
    cycle: Option<&'static str>,
    status: Status,
}

fn software(
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
fn hklm(name: &str, version: &str, publisher: &str) -> Input {
    software(name, version, Some(publisher), Source::HklmUninstall, None)
}

/// An entry of the 32-bit view (`WOW6432Node`).
fn wow(name: &str, version: &str, publisher: &str) -> Input {
    software(
        name,
        version,
        Some(publisher),
        Source::Wow6432Uninstall,
        None,
    )
}

/// A per-user Uninstall entry.
fn user(name: &str, version: &str, publisher: &str) -> Input {
    let source = Source::UserUninstall {
        user_sid: None,
        user_name: Some("alice".into()),
    };
    software(name, version, Some(publisher), source, None)
}

/// A product Windows registers outside Uninstall.
fn registry(name: &str, version: &str) -> Input {
    let path = r"HKLM\SOFTWARE\Microsoft\Internet Explorer".to_string();
    software(
        name,
        version,
        Some("Microsoft Corporation"),
        Source::WindowsRegistry { path },
        None,
    )
}

fn dpkg(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Dpkg, None)
}

fn rpm(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Rpm, None)
}

/// A package the agent found to come from a vendor's repository (apt list, maintainer, version
/// mark or rpm vendor), not from the distribution.
fn vendor(input: Input, vendor: &str, publisher: Option<&str>) -> Input {
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

fn vendor_dpkg(name: &str, version: &str, from: &str) -> Input {
    vendor(dpkg(name, version), from, None)
}

fn vendor_rpm(name: &str, version: &str, from: &str) -> Input {
    vendor(rpm(name, version), from, Some(from))
}

fn snap(name: &str, version: &str) -> Input {
    software(name, version, None, Source::Snap, None)
}

fn mac_app(name: &str, version: &str, bundle_id: &str) -> Input {
    software(name, version, None, Source::MacosApp, Some(bundle_id))
}

fn windows_os(
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

fn client(name: &str, version: &str, edition: &str) -> Input {
    windows_os(name, version, edition, Some(InstallationType::Client))
}

fn server(name: &str, version: &str, edition: &str) -> Input {
    windows_os(name, version, edition, Some(InstallationType::Server))
}

/// A Linux OS as `/etc/os-release` describes it (`ID`, `VERSION_ID`, `PRETTY_NAME`).
fn linux(id: &str, version_id: &str, pretty_name: &str) -> Input {
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

fn macos(name: &str, version: &str) -> Input {
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
fn outside(input: Input, product: &'static str, status: Status) -> Row {
    Row {
        input,
        product,
        cycle: None,
        status,
    }
}

fn row(input: Input, product: &'static str, cycle: &'static str, status: Status) -> Row {
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
fn unknown(input: Input, product: &'static str) -> Row {
    Row {
        input,
        product,
        cycle: None,
        status: Unknown,
    }
}

#[rustfmt::skip]
fn os_rows() -> Vec<Row> {
    vec![
        // Windows client: build + EditionID decide the cycle; Windows 11 still says "Windows 10".
        row(client("Windows 10 Pro", "10.0.19045.5247", "Professional"), "windows", "10-22h2", Unsupported),
        row(client("Windows 10 Pro", "10.0.22631.4460", "Professional"), "windows", "11-23h2-w", Unsupported),
        row(client("Windows 10 Enterprise", "10.0.26100.2314", "Enterprise"), "windows", "11-24h2-e", Supported),
        row(client("Windows 10 Pro", "10.0.26200.7171", "Professional"), "windows", "11-25h2-w", Supported),
        row(client("Windows 10 Enterprise LTSC 2024", "10.0.26100.2314", "EnterpriseS"), "windows", "11-24h2-e-lts", Supported),
        row(client("Windows 10 Enterprise LTSC 2021", "10.0.19044.5131", "EnterpriseS"), "windows", "10-21h2-e-lts", Expiring),
        row(client("Windows 10 IoT Enterprise LTSC 2021", "10.0.19044.5131", "IoTEnterpriseS"), "windows", "10-21h2-iot-lts", Supported),
        row(client("Windows 10 Enterprise", "10.0.19044.5131", "Enterprise"), "windows", "10-21h2-e", Unsupported),
        row(client("Windows 10 Enterprise LTSC 2019", "10.0.17763.6532", "EnterpriseS"), "windows", "10-1809-e-lts", Supported),
        row(client("Windows 10 Enterprise", "10.0.17763.6532", "Enterprise"), "windows", "10-1809-e", Unsupported),
        row(client("Windows 10 Enterprise 2016 LTSB", "10.0.14393.7515", "EnterpriseS"), "windows", "10-1607-e-lts", Unsupported),
        // SYSTEM_WIN_10_1709.xz keeps "Windows 10 Pro", build 17134, Professional, UBR 765.
        row(client("Windows 10 Pro", "10.0.17134.765", "Professional"), "windows", "10-1803-w", Unsupported),
        row(client("Windows 8.1 Pro", "6.3.9600.20778", "Professional"), "windows", "8.1", Unsupported),
        row(client("Windows 7 Professional", "6.1.7601.24546", "Professional"), "windows", "7-sp1", Unsupported),
        row(client("Windows 7 Enterprise", "6.1.7600.16385", "Enterprise"), "windows", "7-rtm", Unsupported),
        // Legacy Windows as the agent reads it (version from CurrentVersion + CurrentBuildNumber).
        row(client("Windows 7 Enterprise", "6.1.7600", "Enterprise"), "windows", "7-rtm", Unsupported),
        row(client("Windows Vista (TM) Business", "6.0.6001", "Business"), "windows", "6-sp1", Unsupported),
        row(client("Windows Vista (TM) Ultimate", "6.0.6000", "Ultimate"), "windows", "6-rtm", Unsupported),
        row(client("Windows Vista (TM) Business", "6.0.6002", "Business"), "windows", "6-sp2", Unsupported),
        row(client("Microsoft Windows XP", "5.1.2600", "Professional"), "windows", "5-sp3", Unsupported),
        row(windows_os("Microsoft Windows XP", "5.2.3790", "", Some(InstallationType::Client)), "windows", "5-x64", Unsupported),
        row(windows_os("Microsoft Windows 2000", "5.0.2195", "", Some(InstallationType::Client)), "windows", "2000", Unsupported),
        row(windows_os("Windows NT 4.0", "4.0.1381", "", Some(InstallationType::Client)), "windows", "nt-4.0", Unsupported),
        row(windows_os("Windows NT 4.0", "4.0.1381", "", Some(InstallationType::Server)), "windows-server", "nt-4.0", Unsupported),
        row(windows_os("Microsoft Windows 2000", "5.0.2195", "", Some(InstallationType::Server)), "windows-server", "2000", Unsupported),
        row(server("Windows Server (R) 2008 Standard", "6.0.6001", "ServerStandard"), "windows-server", "2008-rtm", Unsupported),
        // InstallationType not collected: the product name decides client or server.
        row(windows_os("Windows 10 Pro", "10.0.19045.5247", "Professional", None), "windows", "10-22h2", Unsupported),
        row(windows_os("Windows Server 2019 Standard", "10.0.17763.6532", "ServerStandard", None), "windows-server", "2019", Supported),
        // Windows Server: the same builds as client releases, told apart by InstallationType.
        row(server("Windows Server 2025 Datacenter", "10.0.26100.2314", "ServerDatacenter"), "windows-server", "2025", Supported),
        row(server("Windows Server 2022 Standard", "10.0.20348.2849", "ServerStandard"), "windows-server", "2022", Supported),
        row(server("Windows Server 2019 Datacenter", "10.0.17763.6532", "ServerDatacenter"), "windows-server", "2019", Supported),
        row(server("Windows Server Datacenter", "10.0.17763.2061", "ServerDatacenterACor"), "windows-server", "1809-sac", Unsupported),
        row(server("Windows Server 2016 Standard", "10.0.14393.7515", "ServerStandard"), "windows-server", "2016", Expiring),
        row(server("Windows Server 2012 R2 Standard", "6.3.9600.21620", "ServerStandard"), "windows-server", "2012-r2", Unsupported),
        row(server("Windows Server 2012 Standard", "6.2.9200", "ServerStandard"), "windows-server", "2012", Unsupported),
        row(server("Windows Server 2008 R2 Enterprise", "6.1.7601.24546", "ServerEnterprise"), "windows-server", "2008-r2-sp1", Unsupported),
        // macOS: ProductVersion (fixtures/macos/SystemVersion has 10.6.8, 10.15.1, 11.3, 12.3).
        row(macos("Mac OS X", "10.6.8"), "macos", "10.6", Unsupported),
        row(macos("macOS", "10.15.1"), "macos", "10.15", Unsupported),
        row(macos("macOS", "11.3"), "macos", "11", Unsupported),
        row(macos("macOS", "12.3"), "macos", "12", Unsupported),
        row(macos("macOS", "14.2"), "macos", "14", Supported),
        row(macos("macOS", "26.1"), "macos", "26", Supported),
        // Linux: os-release as in fixtures/os-release.
        row(linux("ubuntu", "20.04", "Ubuntu 20.04 LTS"), "ubuntu", "20.04", Unsupported),
        row(linux("ubuntu", "22.04", "Ubuntu 22.04.5 LTS"), "ubuntu", "22.04", Expiring),
        row(linux("ubuntu", "24.04", "Ubuntu 24.04.3 LTS"), "ubuntu", "24.04", Supported),
        row(linux("debian", "10", "Debian GNU/Linux 10 (buster)"), "debian", "10", Unsupported),
        row(linux("debian", "12", "Debian GNU/Linux 12 (bookworm)"), "debian", "12", Extended),
        row(linux("debian", "13", "Debian GNU/Linux 13 (trixie)"), "debian", "13", Supported),
        row(linux("rhel", "7.3", "Red Hat Enterprise Linux Server 7.3 (Maipo)"), "rhel", "7", Unsupported),
        row(linux("rhel", "8.1", "Red Hat Enterprise Linux 8.1 (Ootpa)"), "rhel", "8", Supported),
        row(linux("rhel", "7.7", "Red Hat Enterprise Linux Atomic Host 7.7.3"), "rhel-atomic-host", "7", Unsupported),
        row(linux("rhel", "9.0", "Red Hat Enterprise Linux 9.0 (Plow)"), "rhel", "9", Supported),
        row(linux("centos", "7", "CentOS Linux 7 (Core)"), "centos", "7", Unsupported),
        row(linux("centos", "8", "CentOS Linux 8 (Core)"), "centos", "8", Unsupported),
        row(linux("centos", "9", "CentOS Stream 9"), "centos-stream", "9", Supported),
        row(linux("rocky", "8.4", "Rocky Linux 8.4 (Green Obsidian)"), "rocky-linux", "8", Supported),
        row(linux("almalinux", "8.4", "AlmaLinux 8.4 (Electric Cheetah)"), "almalinux", "8", Supported),
        row(linux("ol", "8.3", "Oracle Linux Server 8.3"), "oracle-linux", "8", Supported),
        row(linux("sles", "15.2", "SUSE Linux Enterprise Server 15 SP2"), "sles", "15.2", Unsupported),
        row(linux("opensuse-leap", "15.2", "openSUSE Leap 15.2"), "opensuse", "15.2", Unsupported),
        row(linux("linuxmint", "21.3", "Linux Mint 21.3"), "linuxmint", "21.3", Expiring),
        row(linux("amzn", "2", "Amazon Linux 2"), "amazon-linux", "2", Unsupported),
        row(linux("alpine", "3.18.4", "Alpine Linux v3.18"), "alpine-linux", "3.18", Unsupported),
        row(linux("fedora", "36", "Fedora Linux 36 (Container Image)"), "fedora", "36", Unsupported),
        // fixtures/os-release: mariner-1.0__syft and photon-2.0__syft; the rest as their vendors ship them.
        row(linux("mariner", "1.0", "CBL-Mariner/Linux"), "azure-linux", "1.0", Unsupported),
        row(linux("mariner", "2.0", "CBL-Mariner/Linux"), "azure-linux", "2.0", Unsupported),
        row(linux("azurelinux", "3.0", "Microsoft Azure Linux 3.0"), "azure-linux", "3.0", Supported),
        row(linux("photon", "2.0", "VMware Photon OS/Linux"), "photon", "2.0", Unsupported),
        row(linux("photon", "3.0", "VMware Photon OS/Linux"), "photon", "3.0", Unsupported),
        row(linux("photon", "5.0", "VMware Photon OS/Linux"), "photon", "5.0", Supported),
        row(linux("sle-micro", "5.3", "SUSE Linux Enterprise Micro 5.3"), "suse-linux-micro", "5.3", Unsupported),
        row(linux("sle-micro", "5.5", "SUSE Linux Enterprise Micro 5.5"), "suse-linux-micro", "5.5", Supported),
        row(linux("sl-micro", "6.1", "SUSE Linux Micro 6.1"), "suse-linux-micro", "6.1", Supported),
    ]
}

#[rustfmt::skip]
fn software_rows() -> Vec<Row> {
    const MS: &str = "Microsoft Corporation";
    vec![
        // Java. Oracle's registry DisplayVersion for 8u391 is 8.0.3910.13.
        row(hklm("Java 8 Update 391 (64-bit)", "8.0.3910.13", "Oracle Corporation"), "oracle-jdk", "8", Unsupported),
        row(wow("Java 8 Update 391", "8.0.3910.13", "Oracle Corporation"), "oracle-jdk", "8", Unsupported),
        row(hklm("Java(TM) SE Development Kit 17.0.9 (64-bit)", "17.0.9.0", "Oracle Corporation"), "oracle-jdk", "17", Unsupported),
        row(hklm("Java(TM) SE Development Kit 21.0.1 (64-bit)", "21.0.1.0", "Oracle Corporation"), "oracle-jdk", "21", Supported),
        row(wow("Java(TM) 6 Update 45", "6.0.450", "Oracle"), "oracle-jdk", "6", Unsupported),
        row(vendor_rpm("jdk1.8", "2000:1.8.0_202-fcs", "Oracle Corporation"), "oracle-jdk", "8", Unsupported),
        row(vendor_rpm("jdk-21", "2000:21.0.1-12", "Oracle Corporation"), "oracle-jdk", "21", Supported),
        row(wow("J2SE Runtime Environment 5.0 Update 22", "1.5.0.220", "Sun Microsystems, Inc."), "oracle-jdk", "5", Unsupported),
        row(hklm("Eclipse Temurin JDK with Hotspot 17.0.9+9 (x64)", "17.0.9.9", "Eclipse Adoptium"), "eclipse-temurin", "17", Supported),
        row(hklm("Eclipse Temurin JRE with Hotspot 8u392-b08 (x64)", "8.0.392.8", "Eclipse Adoptium"), "eclipse-temurin", "8", Supported),
        row(dpkg("temurin-17-jdk", "17.0.9.0.0+9-1"), "eclipse-temurin", "17", Supported),
        row(hklm("Azul Zulu JDK 17.46.19 (17.0.9), 64-bit", "17.46.19", "Azul Systems, Inc."), "azul-zulu", "17", Supported),
        row(dpkg("zulu8-jdk", "8.0.392-1"), "azul-zulu", "8", Supported),
        row(rpm("java-17-amazon-corretto-devel", "1:17.0.9.8-1"), "amazon-corretto", "17", Supported),
        row(rpm("java-1.8.0-amazon-corretto-devel", "1:1.8.0_392.b08-1"), "amazon-corretto", "8", Supported),
        row(hklm("Microsoft Build of OpenJDK with Hotspot 17.0.9+8 (x64)", "17.0.9.8", "Microsoft"), "microsoft-build-of-openjdk", "17", Supported),
        row(hklm("Microsoft Build of OpenJDK with Hotspot 11.0.21+9 (x64)", "11.0.21.9", "Microsoft"), "microsoft-build-of-openjdk", "11", Supported),
        row(dpkg("bellsoft-java17", "17.0.9+11"), "bellsoft-liberica", "17", Supported),
        // Python: NTUSER_with_winscp.DAT holds "Python 3.10.2 (64-bit)" 3.10.2150.0 (per-user).
        row(user("Python 3.10.2 (64-bit)", "3.10.2150.0", "Python Software Foundation"), "python", "3.10", Unsupported),
        row(hklm("Python 2.7.18 (64-bit)", "2.7.18150", "Python Software Foundation"), "python", "2.7", Unsupported),
        row(hklm("Python 3.8.10 (64-bit)", "3.8.10150.0", "Python Software Foundation"), "python", "3.8", Unsupported),
        row(hklm("Python 3.12.1 (64-bit)", "3.12.1150.0", "Python Software Foundation"), "python", "3.12", Supported),
        // .NET Framework and .NET.
        row(hklm("Microsoft .NET Framework 4.5.2", "4.5.51209", MS), "dotnetfx", "4.5.2", Unsupported),
        row(hklm("Microsoft .NET Framework 4.6.2", "4.6.01590", MS), "dotnetfx", "4.6.2", Expiring),
        row(hklm("Microsoft .NET Framework 4.8", "4.8.03761", MS), "dotnetfx", "4.8", Supported),
        row(hklm("Microsoft .NET Framework 4 Client Profile", "4.0.30319", MS), "dotnetfx", "4.0", Unsupported),
        row(hklm("Microsoft .NET Framework 3.5 SP1", "3.5.30729.01", MS), "dotnetfx", "3.5-sp1", Supported),
        row(hklm("Microsoft .NET Runtime - 8.0.0 (x64)", "64.0.31813", MS), "dotnet", "8", Unsupported),
        row(hklm("Microsoft Windows Desktop Runtime - 6.0.25 (x64)", "48.100.17232", MS), "dotnet", "6", Unsupported),
        row(hklm("Microsoft ASP.NET Core 10.0.0 - Shared Framework (x64)", "10.0.0.25509", MS), "dotnet", "10", Supported),
        row(hklm("Microsoft .NET SDK 9.0.100 (x64)", "9.1.24.52305", MS), "dotnet", "9", Unsupported),
        row(vendor_dpkg("dotnet-runtime-8.0", "8.0.11-1", "packages.microsoft.com"), "dotnet", "8", Unsupported),
        row(vendor_rpm("aspnetcore-runtime-10.0", "10.0.0-1", "Microsoft Corporation"), "dotnet", "10", Supported),
        // Node.js, PHP, Perl, PowerShell.
        row(hklm("Node.js", "20.11.0", "Node.js Foundation"), "nodejs", "20", Unsupported),
        row(hklm("Node.js", "22.11.0", "Node.js Foundation"), "nodejs", "22", Expiring),
        row(hklm("Node.js", "24.11.1", "Node.js Foundation"), "nodejs", "24", Supported),
        // NodeSource's packages (deb.nodesource.com, rpm.nodesource.com): epoch and revision off.
        row(vendor_dpkg("nodejs", "20.20.2-1nodesource1+repack1", "NodeSource"), "nodejs", "20", Unsupported),
        row(vendor_dpkg("nodejs", "18.14.0-deb-1nodesource1", "NodeSource"), "nodejs", "18", Unsupported),
        row(vendor_dpkg("nodejs", "24.11.1-1nodesource1", "deb.nodesource.com"), "nodejs", "24", Supported),
        row(vendor_rpm("nodejs", "2:22.11.0-1nodesource", "NodeSource"), "nodejs", "22", Expiring),
        row(wow("PHP 5.3.29", "5.3.29", "The PHP Group"), "php", "5.3", Unsupported),
        // glpi-uninstall-reg/mssql-Uninstall.reg: Strawberry Perl (64-bit) 5.24.1.
        row(hklm("Strawberry Perl (64-bit)", "5.24.1", "strawberryperl.com project"), "perl", "5.24-and-older", Unsupported),
        row(hklm("Strawberry Perl (64-bit)", "5.38.0.1", "strawberryperl.com project"), "perl", "5.38", Unsupported),
        row(hklm("Strawberry Perl (64-bit)", "5.40.0.1", "strawberryperl.com project"), "perl", "5.40", Supported),
        row(hklm("PowerShell 7-x64", "7.4.6.0", MS), "powershell", "7.4", Unsupported),
        row(hklm("PowerShell 7-x64", "7.6.0.0", MS), "powershell", "7.6", Supported),
        row(vendor_dpkg("powershell", "7.4.6-1.deb", "Microsoft"), "powershell", "7.4", Unsupported),
        row(vendor_rpm("powershell-lts", "7.6.0-1.rh", "Microsoft Corporation"), "powershell", "7.6", Supported),
        // Visual C++ redistributables: the runtime version picks the Visual Studio release.
        row(hklm("Microsoft Visual C++ v14 Redistributable (x64) - 14.50.35719", "14.50.35719.0", MS), "vcredist", "2026", Supported),
        row(hklm("Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135", "14.38.33135.0", MS), "vcredist", "2022", Supported),
        row(wow("Microsoft Visual C++ 2015-2019 Redistributable (x86) - 14.29.30139", "14.29.30139.0", MS), "vcredist", "2019", Supported),
        row(wow("Microsoft Visual C++ 2017 Redistributable (x86) - 14.16.27033", "14.16.27033.0", MS), "vcredist", "2017", Expiring),
        row(wow("Microsoft Visual C++ 2015 Redistributable (x86) - 14.0.24215", "14.0.24215.1", MS), "vcredist", "2015", Unsupported),
        row(wow("Microsoft Visual C++ 2013 Redistributable (x86) - 12.0.40664", "12.0.40664.0", MS), "vcredist", "2013", Unsupported),
        row(wow("Microsoft Visual C++ 2012 Redistributable (x64) - 11.0.61030", "11.0.61030.0", MS), "vcredist", "2012", Unsupported),
        row(hklm("Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219", "10.0.40219", MS), "vcredist", "2010", Unsupported),
        row(wow("Microsoft Visual C++ 2008 Redistributable - x86 9.0.30729.6161", "9.0.30729.6161", MS), "vcredist", "2008", Unsupported),
        row(wow("Microsoft Visual C++ 2005 Redistributable", "8.0.61001", MS), "vcredist", "2005", Unsupported),
        // Office: 2016-2024 all report 16.0.x, so the year comes from the name.
        row(wow("Microsoft Office Professional Plus 2010", "14.0.7015.1000", MS), "office", "2010", Unsupported),
        row(wow("Microsoft Office Standard 2013", "15.0.4569.1506", MS), "office", "2013", Unsupported),
        row(hklm("Microsoft Office Professional Plus 2016", "16.0.4266.1001", MS), "office", "2016", Unsupported),
        row(hklm("Microsoft Office Professional Plus 2019 - en-us", "16.0.10417.20007", MS), "office", "2019", Unsupported),
        row(hklm("Microsoft Office LTSC Professional Plus 2021 - en-gb", "16.0.14332.20828", MS), "office", "2021", Unsupported),
        row(hklm("Microsoft Office Home and Business 2024 - en-gb", "16.0.17932.20130", MS), "office", "2024", Supported),
        unknown(hklm("Microsoft 365 Apps for enterprise - en-us", "16.0.17328.20142", MS), "microsoft-365-apps"),
        // SQL Server: glpi-uninstall-reg/mssql*.reg names (their versions are odd; the year decides).
        row(hklm("Microsoft SQL Server 2005", "10.53.6000.34", "Microsoft"), "mssqlserver", "2005", Unsupported),
        row(hklm("Microsoft SQL Server 2008", "14.72.6100.34", "Microsoft"), "mssqlserver", "2008", Unsupported),
        row(hklm("Microsoft SQL Server 2017", "17.77.6700.34", "Microsoft"), "mssqlserver", "2017", Supported),
        unknown(hklm("SQL Server 2011 Database Engine Services", "11.0.2100.60", "Microsoft"), "mssqlserver"),
        row(hklm("Microsoft SQL Server 2008 R2 (64-bit)", "10.53.6000.34", MS), "mssqlserver", "2008", Unsupported),
        row(hklm("Microsoft SQL Server 2012 (64-bit)", "", MS), "mssqlserver", "2012", Unsupported),
        row(hklm("Microsoft SQL Server 2014 (64-bit)", "", MS), "mssqlserver", "2014", Unsupported),
        row(hklm("Microsoft SQL Server 2016 (64-bit)", "", MS), "mssqlserver", "2016", Unsupported),
        row(hklm("Microsoft SQL Server 2019 (64-bit)", "15.0.2000.5", MS), "mssqlserver", "2019", Supported),
        row(hklm("SQL Server 2022 Database Engine Services", "16.0.1000.6", MS), "mssqlserver", "2022", Supported),
        row(hklm("Microsoft SQL Server 2012 Express LocalDB", "11.4.7462.6", MS), "mssqlserver", "2012", Unsupported),
        // Office 2003 and XP suites (MSI ProductName; Office XP by its 10.0 DisplayVersion).
        row(wow("Microsoft Office Professional Edition 2003", "11.0.8173.0", MS), "office", "2003", Unsupported),
        row(wow("Microsoft Office Standard Edition 2003", "11.0.8173.0", MS), "office", "2003", Unsupported),
        row(wow("Microsoft Office XP Professional with FrontPage", "10.0.6626.0", MS), "office", "xp", Unsupported),
        row(wow("Microsoft Office Professional Plus 2007", "12.0.6612.1000", MS), "office", "2007", Unsupported),
        // Office family products sold apart from the suites, by the year in the name.
        row(wow("Microsoft Office Visio Professional 2007", "12.0.6612.1000", MS), "visio", "2007", Unsupported),
        row(wow("Microsoft Visio Premium 2010", "14.0.7015.1000", MS), "visio", "2010", Unsupported),
        row(wow("Microsoft Visio Standard 2013", "15.0.4569.1506", MS), "visio", "2013", Unsupported),
        row(hklm("Microsoft Visio Professional 2016", "16.0.4266.1001", MS), "visio", "2016", Unsupported),
        row(hklm("Microsoft Visio Professional 2019 - en-us", "16.0.10417.20007", MS), "visio", "2019", Unsupported),
        row(hklm("Microsoft Visio LTSC Professional 2021 - en-gb", "16.0.14332.20828", MS), "visio", "2021", Unsupported),
        row(hklm("Microsoft Visio LTSC Professional 2024 - en-gb", "16.0.17932.20130", MS), "visio", "2024", Supported),
        row(wow("Microsoft Office Project Professional 2003", "11.0.8173.0", MS), "project", "2003", Unsupported),
        row(wow("Microsoft Project Standard 2010", "14.0.7015.1000", MS), "project", "2010", Unsupported),
        row(hklm("Microsoft Project Professional 2016", "16.0.4266.1001", MS), "project", "2016", Unsupported),
        row(hklm("Microsoft Project Professional 2021 - en-us", "16.0.14332.20828", MS), "project", "2021", Unsupported),
        row(wow("Microsoft Office Access 2003 Runtime", "11.0.8166.0", MS), "access", "2003", Unsupported),
        row(wow("Microsoft Office Access Runtime 2007", "12.0.6612.1000", MS), "access", "2007", Unsupported),
        row(wow("Microsoft Access database engine 2010 (English)", "14.0.7015.1000", MS), "access", "2010", Unsupported),
        row(wow("Microsoft Access Runtime 2013", "15.0.4569.1506", MS), "access", "2013", Unsupported),
        row(hklm("Microsoft Access database engine 2016 (English)", "16.0.5044.1000", MS), "access", "2016", Unsupported),
        row(hklm("Microsoft Access Runtime 2016", "16.0.4266.1001", MS), "access", "2016", Unsupported),
        row(hklm("Microsoft Access LTSC 2021 - en-us", "16.0.14332.20828", MS), "access", "2021", Unsupported),
        unknown(hklm("Microsoft Access 2024 - en-us", "16.0.17932.20130", MS), "access"),
        row(wow("Microsoft Office InfoPath 2007", "12.0.6612.1000", MS), "infopath", "2007", Unsupported),
        row(wow("Microsoft InfoPath 2013", "15.0.4569.1506", MS), "infopath", "2013", Unsupported),
        row(wow("Microsoft SharePoint Designer 2010", "14.0.7015.1000", MS), "sharepoint-designer", "2010", Unsupported),
        row(hklm("Microsoft SharePoint Designer 2013", "15.0.4569.1506", MS), "sharepoint-designer", "2013", Unsupported),
        // Communication clients: classic Teams (1.x) per user and machine-wide; Lync, Skype for
        // Business and Office Communicator.
        row(user("Microsoft Teams", "1.6.00.4472", MS), "teams-classic", "classic", Unsupported),
        row(wow("Teams Machine-Wide Installer", "1.5.0.30767", MS), "teams-classic", "classic", Unsupported),
        row(wow("Microsoft Office Communicator 2007 R2", "3.5.6907.268", MS), "office-communicator", "2007-r2", Unsupported),
        row(wow("Microsoft Office Communicator 2007", "2.0.6362.111", MS), "office-communicator", "2007", Unsupported),
        row(wow("Microsoft Lync 2010", "4.0.7577.4487", MS), "skype-for-business", "2010", Unsupported),
        row(wow("Microsoft Lync Basic 2013", "15.0.4569.1506", MS), "skype-for-business", "2015", Unsupported),
        row(hklm("Skype for Business Basic 2016 - en-us", "16.0.4266.1001", MS), "skype-for-business", "2016", Unsupported),
        row(hklm("Skype for Business 2019 - en-gb", "16.0.10417.20007", MS), "skype-for-business", "2019", Unsupported),
        // Runtimes and plug-ins: MSXML 4.0, Silverlight, .NET Framework before 3.5.
        row(wow("MSXML 4.0 SP2 Parser and SDK", "4.20.9818.0", MS), "msxml4", "4.0", Unsupported),
        row(wow("MSXML 4.0 SP3 Parser", "4.30.2100.0", MS), "msxml4", "4.0", Unsupported),
        row(wow("MSXML 4.0 SP2 (KB954430)", "4.20.9870.0", MS), "msxml4", "4.0", Unsupported),
        row(wow("Microsoft Silverlight", "5.1.50918.0", MS), "silverlight", "5", Unsupported),
        row(wow("Microsoft Silverlight", "4.1.10329.0", MS), "silverlight", "4", Unsupported),
        row(wow("Microsoft .NET Framework 1.1", "1.1.4322", MS), "dotnetfx", "1.1", Unsupported),
        row(wow("Microsoft .NET Framework 2.0 Service Pack 2", "2.2.30729", MS), "dotnetfx", "2.0", Unsupported),
        row(wow("Microsoft .NET Framework 3.0 Service Pack 2", "3.2.30729", MS), "dotnetfx", "3.0", Unsupported),
        // Legacy third-party software (legacy-apps.toml).
        row(wow("QuickTime 7", "7.79.80.95", "Apple Inc."), "quicktime-windows", "7", Unsupported),
        row(wow("Adobe Shockwave Player 12.3", "12.3.5.205", "Adobe Systems, Inc."), "shockwave", "all", Unsupported),
        row(hklm("Symantec Endpoint Protection", "14.2.5569.2100", "Symantec Corporation"), "symantec-endpoint-protection", "before-14.3", Unsupported),
        row(hklm("Symantec Endpoint Protection", "12.1.7454.7000", "Symantec Corporation"), "symantec-endpoint-protection", "before-14.3", Unsupported),
        unknown(hklm("Symantec Endpoint Protection", "14.3.10148.8000", "Broadcom"), "symantec-endpoint-protection"),
        unknown(wow("McAfee VirusScan Enterprise", "8.8.0.2190", "McAfee, Inc."), "mcafee-virusscan-enterprise"),
        row(wow("Sophos Endpoint Security and Control", "10.8.11.1", "Sophos Limited"), "sophos-endpoint-security-and-control", "10", Unsupported),
        unknown(wow("SAP Crystal Reports runtime engine for .NET Framework (32-bit)", "13.0.22.2668", "SAP"), "crystal-reports-runtime"),
        unknown(wow("Crystal Reports Basic Runtime for Visual Studio 2008", "10.5.3700.0", "Business Objects"), "crystal-reports-runtime"),
        unknown(hklm("Mozilla Thunderbird (x64 en-GB)", "128.5.0", "Mozilla"), "thunderbird"),
        unknown(user("Opera Stable 114.0.5282.102", "114.0.5282.102", "Opera Software"), "opera"),
        // Exchange and SharePoint by the year in the name; Exchange SE by build.
        row(hklm("Microsoft Exchange Server 2016 Cumulative Update 23", "15.1.2507.6", MS), "msexchange", "2016", Unsupported),
        row(hklm("Microsoft Exchange Server 2019 Cumulative Update 14", "15.2.1544.4", MS), "msexchange", "2019", Unsupported),
        row(hklm("Microsoft Exchange Server Subscription Edition", "15.2.2562.17", MS), "msexchange", "subscription", Supported),
        row(hklm("Microsoft SharePoint Server 2016", "16.0.4351.1000", MS), "sharepoint", "2016", Unsupported),
        row(hklm("Microsoft SharePoint Server Subscription Edition", "16.0.17328.20000", MS), "sharepoint", "subscription", Supported),
        // Visual Studio by servicing baseline.
        row(wow("Visual Studio Professional 2019", "16.11.34", MS), "visual-studio", "16.11", Supported),
        row(wow("Visual Studio Community 2022", "17.8.3", MS), "visual-studio", "17.8", Unsupported),
        row(wow("Visual Studio Build Tools 2022", "17.14.38", MS), "visual-studio", "17.14", Supported),
        row(wow("Microsoft Visual Studio Professional 2015", "14.0.25431.01", MS), "visual-studio", "14.0", Unsupported),
        // Browsers.
        row(hklm("Google Chrome", "120.0.6099.130", "Google LLC"), "chrome", "120", Unsupported),
        row(mac_app("Google Chrome", "151.0.7339.80", "com.google.Chrome"), "chrome", "151", Unsupported),
        row(dpkg("google-chrome-stable", "120.0.6099.129-1"), "chrome", "120", Unsupported),
        unknown(hklm("Google Chrome", "155.0.7450.60", "Google LLC"), "chrome"),
        // glpi-uninstall-reg/mssql-Uninstall.reg: "Mozilla Firefox 57.0.2 (fr)".
        row(hklm("Mozilla Firefox 57.0.2 (fr)", "57.0.2", "Mozilla"), "firefox", "older", Unsupported),
        row(hklm("Mozilla Firefox (x64 en-GB)", "145.0.2", "Mozilla"), "firefox", "145", Unsupported),
        row(hklm("Mozilla Firefox (x64 en-GB)", "140.0.4", "Mozilla"), "firefox", "140-rapid", Unsupported),
        unknown(hklm("Mozilla Firefox (x64 en-GB)", "154.0", "Mozilla"), "firefox"),
        row(mac_app("Firefox", "140.5.0", "org.mozilla.firefox"), "firefox", "140", Unsupported),
        row(mac_app("Firefox", "153.2.0", "org.mozilla.firefox"), "firefox", "153", Supported),
        row(rpm("firefox", "128.5.0-1.el9_5"), "firefox", "128", Unsupported),
        row(snap("firefox", "146.0"), "firefox", "146", Unsupported),
        row(hklm("Mozilla Firefox ESR (x64 en-US)", "115.18.0", "Mozilla"), "firefox-esr", "115", Expiring),
        row(hklm("Mozilla Firefox 52.5.0 ESR (x64 en-US)", "52.5.0", "Mozilla"), "firefox-esr", "older", Unsupported),
        row(dpkg("firefox-esr", "128.5.0esr-1~deb12u1"), "firefox-esr", "128", Unsupported),
        unknown(hklm("Microsoft Edge", "131.0.2903.70", MS), "edge"),
        unknown(mac_app("Microsoft Edge", "131.0.2903.70", "com.microsoft.edgemac"), "edge"),
        row(registry("Internet Explorer", "9.0.8112.16421"), "internet-explorer", "9", Unsupported),
        // IE 11 on a Windows 10 client: the desktop app was retired (on LTSC/Server it follows the
        // OS: tests/verdicts.rs).
        row(registry("Internet Explorer", "11.1790.17763.0"), "internet-explorer", "11", Unsupported),
        // XP's Uninstall entry for IE 8 has a date stamp for a version: the name gives it.
        row(wow("Windows Internet Explorer 8", "20090308.140743", MS), "internet-explorer", "8", Unsupported),
        row(hklm("Microsoft Edge", "125.0.2535.92", MS), "edge", "125", Unsupported),
        // Edge 109, the last for Windows 7: older than the oldest release the catalogue lists.
        outside(hklm("Microsoft Edge", "109.0.1518.140", MS), "edge", Unsupported),
        // Adobe (vendor-sourced dates).
        row(wow("Adobe Reader XI (11.0.23)", "11.0.23", "Adobe Systems Incorporated"), "adobe-acrobat", "11", Unsupported),
        row(wow("Adobe Reader X (10.1.16)", "10.1.16", "Adobe Systems Incorporated"), "adobe-acrobat", "10", Unsupported),
        row(wow("Adobe Reader 9.5.5 MUI", "9.5.5", "Adobe Systems Incorporated"), "adobe-acrobat", "9-and-older", Unsupported),
        row(wow("Adobe Acrobat Reader DC", "23.008.20470", "Adobe Systems Incorporated"), "adobe-acrobat", "continuous-23", Unsupported),
        row(wow("Adobe Acrobat 2017", "17.011.30207", "Adobe Systems Incorporated"), "adobe-acrobat", "2017", Unsupported),
        unknown(hklm("Adobe Acrobat (64-bit)", "25.001.20844", "Adobe"), "adobe-acrobat"),
        row(wow("Adobe Flash Player 32 NPAPI", "32.0.0.465", "Adobe"), "adobe-flash-player", "all", Unsupported),
        // Databases and servers.
        row(hklm("PostgreSQL 13", "13.7-1", "PostgreSQL Global Development Group"), "postgresql", "13", Unsupported),
        row(hklm("PostgreSQL 16", "16.1-1", "PostgreSQL Global Development Group"), "postgresql", "16", Supported),
        row(vendor_dpkg("postgresql-16", "16.4-1.pgdg120+1", "apt.postgresql.org"), "postgresql", "16", Supported),
        row(vendor_dpkg("postgresql-12", "12.22-1.pgdg120+1", "apt.postgresql.org"), "postgresql", "12", Unsupported),
        row(vendor_rpm("postgresql13-server", "13.16-1PGDG.rhel9", "PostgreSQL Global Development Group"), "postgresql", "13", Unsupported),
        row(vendor_dpkg("docker-ce", "5:27.3.1-1~ubuntu.24.04~noble", "Docker"), "docker-engine", "27", Unsupported),
        row(vendor_dpkg("docker-ce", "5:29.7.2-1~debian.12~bookworm", "Docker"), "docker-engine", "29", Supported),
        row(vendor_dpkg("docker-ce", "5:20.10.9~3-0~debian-buster", "Docker"), "docker-engine", "20.10", Unsupported),
        row(vendor_rpm("docker-ce", "3:28.5.2-1.el9", "Docker"), "docker-engine", "28", Unsupported),
        row(hklm("MySQL Server 8.0", "8.0.35", "Oracle Corporation"), "mysql", "8.0", Unsupported),
        row(hklm("MySQL Server 8.4", "8.4.3", "Oracle Corporation"), "mysql", "8.4", Supported),
        row(hklm("MariaDB 10.6 (x64)", "10.6.16.0", "MariaDB Corporation Ab"), "mariadb", "10.6", Unsupported),
        row(hklm("MariaDB 11.4 (x64)", "11.4.4.0", "MariaDB Corporation Ab"), "mariadb", "11.4", Supported),
        row(hklm("Apache Tomcat 9.0 Tomcat9", "9.0.83", "The Apache Software Foundation"), "tomcat", "9.0", Expiring),
        row(hklm("Apache Tomcat 8.5 Tomcat8", "8.5.96", "The Apache Software Foundation"), "tomcat", "8.5", Unsupported),
        row(wow("Apache HTTP Server 2.2.25", "2.2.25", "Apache Software Foundation"), "apache-http-server", "2.2", Unsupported),
        row(hklm("Win64 OpenSSL v3.1.1 Light", "3.1.1", "OpenSSL Win64 Installer Team"), "openssl", "3.1", Unsupported),
        row(hklm("Zabbix Agent 2 (64-bit)", "6.0.25.2400", "Zabbix SIA"), "zabbix", "6.0", Expiring),
        row(hklm("Zabbix Agent (64-bit)", "7.0.6.2400", "Zabbix SIA"), "zabbix", "7.0", Supported),
        row(hklm("Veeam Backup & Replication", "12.1.2.172", "Veeam Software Group GmbH"), "veeam-backup-and-replication", "12", Expiring),
        row(hklm("Veeam Backup & Replication", "11.0.1.1261", "Veeam Software Group GmbH"), "veeam-backup-and-replication", "11", Unsupported),
        row(hklm("Citrix Virtual Apps and Desktops 7 2203 LTSR CU4 - Virtual Delivery Agent", "2203.0.4000.4", "Citrix Systems,Inc."), "citrix-vad", "2203", Expiring),
        row(hklm("Citrix Virtual Apps and Desktops 7 1912 LTSR CU8 - Virtual Delivery Agent", "1912.0.8000.13", "Citrix Systems,Inc."), "citrix-vad", "1912", Unsupported),
        // Desktop applications with endoflife.date dates.
        row(hklm("LibreOffice 7.6.4.1", "7.6.4.1", "The Document Foundation"), "libreoffice", "7.6", Unsupported),
        row(hklm("LibreOffice 26.2.0.3", "26.2.0.3", "The Document Foundation"), "libreoffice", "26.2", Expiring),
        row(hklm("Notepad++ (64-bit x64)", "8.6.2", "Notepad++ Team"), "notepad-plus-plus", "8.6", Unsupported),
        row(hklm("Notepad++ (64-bit x64)", "8.9.1", "Notepad++ Team"), "notepad-plus-plus", "8.9", Supported),
        // Older than the oldest cycle in the data, which has ended.
        outside(wow("Notepad++ (32-bit x86)", "7.4", "Notepad++ Team"), "notepad-plus-plus", Unsupported),
        outside(wow("LibreOffice 6.4.7.2", "6.4.7.2", "The Document Foundation"), "libreoffice", Unsupported),
        row(hklm("Wireshark 4.2.0 x64", "4.2.0", "The Wireshark developer community, https://www.wireshark.org"), "wireshark", "4.2", Unsupported),
        row(hklm("Wireshark 4.4.2 x64", "4.4.2", "The Wireshark developer community, https://www.wireshark.org"), "wireshark", "4.4", Supported),
        row(hklm("Oracle VM VirtualBox 7.0.12", "7.0.12", "Oracle Corporation"), "virtualbox", "7.0", Unsupported),
        row(hklm("Oracle VirtualBox 7.2.4", "7.2.4", "Oracle Corporation"), "virtualbox", "7.2", Supported),
        // Recognised, but no sourced per-version dates: always unknown.
        unknown(hklm("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov"), "7zip"),
        unknown(hklm("7-Zip 19.00 (x64 edition)", "19.00.00.0", "Igor Pavlov"), "7zip"),
        unknown(hklm("TeamViewer", "15.48.5", "TeamViewer"), "teamviewer"),
        unknown(vendor_dpkg("teamviewer", "15.22.3", "TeamViewer"), "teamviewer"),
        unknown(wow("VLC media player", "3.0.20", "VideoLAN"), "vlc"),
        // NTUSER_with_winscp.DAT: key ZoomUMX, "Zoom" 5.9.3 (3169), Zoom Video Communications, Inc.
        // Below Zoom's minimum supported version (5.17.5); above it the catalogue is too old to tell.
        outside(user("Zoom", "5.9.3 (3169)", "Zoom Video Communications, Inc."), "zoom", Unsupported),
        unknown(user("Zoom Workplace (64-bit)", "6.4.6 (53970)", "Zoom Video Communications, Inc."), "zoom"),
        unknown(hklm("PuTTY release 0.79 (64-bit)", "0.79.0.0", "Simon Tatham"), "putty"),
        unknown(wow("WinSCP 6.1.2", "6.1.2", "Martin Prikryl"), "winscp"),
        unknown(hklm("FileZilla 3.66.4", "3.66.4", "Tim Kosse"), "filezilla"),
        // glpi-uninstall-reg/mssql-Uninstall.reg: "Git version 2.12.2.2".
        unknown(hklm("Git version 2.12.2.2", "2.12.2.2", "The Git Development Community"), "git"),
        unknown(hklm("Git", "2.43.0", "The Git Development Community"), "git"),
        unknown(wow("Citrix Workspace 2402", "24.2.0.187", "Citrix Systems, Inc."), "citrix-workspace"),
        unknown(hklm("VMware Tools", "12.3.5.22544099", "VMware, Inc."), "vmware-tools"),
    ]
}

/// Things that look like catalogue products but are not: none may match anything.
#[rustfmt::skip]
fn look_alikes() -> Vec<Input> {
    const MS: &str = "Microsoft Corporation";
    vec![
        // Browser components and updaters.
        hklm("Microsoft Edge WebView2 Runtime", "131.0.2903.70", MS),
        hklm("Microsoft Edge Update", "1.3.195.39", MS),
        wow("Mozilla Maintenance Service", "115.18.0", "Mozilla"),
        hklm("Google Chrome Beta", "121.0.6167.57", "Google LLC"),
        // Java and Python helpers.
        wow("Java Auto Updater", "2.8.391.13", "Oracle Corporation"),
        hklm("Python Launcher", "3.10.7644.0", "Python Software Foundation"),
        hklm("Python 3.10.2 Core Interpreter (64-bit)", "3.10.2150.0", "Python Software Foundation"),
        hklm("Python 3.10.2 Standard Library (64-bit)", "3.10.2150.0", "Python Software Foundation"),
        hklm("Python 3.10.2 pip Bootstrap (64-bit)", "3.10.2150.0", "Python Software Foundation"),
        // ntuser_software_partial.xz: Anaconda's entry reports Anaconda's version, and a package.
        user("Python 3.7.0 (Anaconda3 5.3.0 64-bit)", "5.3.0", "Anaconda, Inc."),
        user("Python 3.7 distorm3-3.3.4", "", ""),
        // Components of redistributables, Office and .NET.
        hklm("Microsoft Visual C++ 2019 X64 Minimum Runtime - 14.29.30139", "14.29.30139", MS),
        hklm("Microsoft Visual C++ 2022 X86 Additional Runtime - 14.38.33135", "14.38.33135", MS),
        hklm("Microsoft Office Click-to-Run Extensibility Component", "16.0.17328.20142", MS),
        hklm("Microsoft Office Proofing Tools 2016 - en-us", "16.0.4266.1001", MS),
        hklm("Microsoft Office 64-bit Components 2016", "16.0.4266.1001", MS),
        hklm("Microsoft .NET Framework 4.8 Targeting Pack", "4.8.03761", MS),
        hklm("Microsoft .NET Host FX Resolver - 8.0.0 (x64)", "64.0.31813", MS),
        hklm("Microsoft SQL Server 2012 Native Client", "11.4.7001.0", MS),
        wow("Microsoft SQL Server 2019 Setup (English)", "15.0.4013.40", MS),
        wow("Microsoft SQL Server Management Studio - 19.2", "19.2.56.2", MS),
        hklm("Microsoft Visual Studio 2010 Tools for Office Runtime (x64)", "10.0.60917", MS),
        hklm("Oracle VM VirtualBox Guest Additions 7.0.12", "7.0.12.0", "Oracle Corporation"),
        user("Zoom Outlook Plugin", "5.17.0", "Zoom Video Communications, Inc."),
        wow("Citrix Workspace(USB)", "24.2.0.187", "Citrix Systems, Inc."),
        wow("Adobe Refresh Manager", "1.8.0", "Adobe Systems Incorporated"),
        // Office family components, language packs and viewers; new Teams' add-in.
        wow("Microsoft Visio Viewer 2016", "16.0.4266.1001", MS),
        wow("Microsoft Visio MUI (English) 2013", "15.0.4569.1506", MS),
        hklm("Microsoft Project MUI (English) 2016", "16.0.4266.1001", MS),
        hklm("Microsoft Access MUI (English) 2016", "16.0.4266.1001", MS),
        hklm("Microsoft Office 2010 Language Pack", "14.0.7015.1000", MS),
        hklm("Microsoft Access Runtime - en-us", "16.0.17328.20142", MS),
        hklm("Microsoft Visio - en-us", "16.0.17328.20142", MS),
        user("Microsoft Teams Meeting Add-in for Microsoft Office", "1.23.33413", MS),
        hklm("Microsoft Teams (work or school)", "25044.2208.3471.2155", MS),
        wow("Microsoft Lync Web App Plug-in", "15.8.8308.945", MS),
        hklm("Skype for Business Online, Windows PowerShell Module", "7.0.2373.0", MS),
        wow("Skype™ 7.40", "7.40.151", "Skype Technologies S.A."),
        wow("MSXML 6.0 Parser", "6.10.1129.0", MS),
        wow("Microsoft Silverlight 5 SDK - English", "5.0.61118.0", MS),
        wow("Apple Software Update", "2.6.3.1", "Apple Inc."),
        hklm("Symantec Endpoint Protection Manager", "14.3.7388.4000", "Broadcom"),
        hklm("McAfee Agent", "5.7.9.182", "McAfee, Inc."),
        wow("Sophos Anti-Virus", "10.8.11.1", "Sophos Limited"),
        wow("Sophos AutoUpdate", "5.23.225", "Sophos Limited"),
        hklm("Mozilla Maintenance Service", "128.5.0", "Mozilla"),
        user("Opera GX Stable 114.0.5282.102", "114.0.5282.102", "Opera Software"),
        // Names other scanners matched wrongly (NOTES: fleetdm/fleet #39899, wazuh/wazuh #35706).
        hklm("Line", "8.5.0", "LINE Corporation"),
        hklm("Root", "6.30.02", "CERN"),
        // Real neighbours from the fixtures.
        user("GitHub Desktop", "3.0.0", "GitHub, Inc."),
        user("JetBrains dotPeek 2021.3.3", "2021.3.3", "JetBrains s.r.o."),
        user("Microsoft Visual Studio Code (User)", "1.33.1", "Microsoft Corporation"),
        user("Microsoft OneDrive", "21.220.1024.0005", MS),
        hklm("FusionInventory Agent 2.4.x-build-26 (x64 edition)", "2.4.x-build-26", "FusionInventory Team"),
        hklm("КриптоПро CSP", "5.0.12000", "Компания КриптоПро"),
        // Distribution packages are the OS vendor's to support: Debian and Red Hat backport fixes
        // for the life of the OS release, so upstream dates would flag every machine (this
        // machine's libssl3 3.0 is security-supported by Debian 12). Also names that merely
        // contain a product's name.
        dpkg("openssl", "3.0.19-1~deb12u2"),
        dpkg("libssl3", "3.0.19-1~deb12u2"),
        dpkg("libssl1.1", "1.1.1f-1ubuntu2.20"),
        rpm("openssl-libs", "1:3.0.7-27.el9"),
        dpkg("apache2", "2.4.62-1~deb12u2"),
        rpm("httpd", "2.4.37-65.module+el8.10.0+22069+b47f5c72.2"),
        dpkg("nginx", "1.22.1-9+deb12u1"),
        rpm("nginx", "1:1.20.1-20.el9"),
        dpkg("python3.11", "3.11.2-6+deb12u6"),
        dpkg("nodejs", "20.20.2-1nodesource1+repack1"),
        // The same names from the distribution: patched by it, covered by the OS finding.
        dpkg("nodejs", "18.19.0+dfsg-6~deb12u2"),
        rpm("nodejs", "1:20.18.2-1.module+el9.5.0+22735+c0c6e4a5"),
        dpkg("dotnet-runtime-8.0", "8.0.11-0ubuntu1~24.04.1"),
        rpm("dotnet-runtime-8.0", "8.0.11-1.el9_5"),
        dpkg("postgresql-15", "15.8-0+deb12u1"),
        dpkg("postgresql-client-16", "16.4-1.pgdg120+1"),
        vendor_dpkg("postgresql-client-16", "16.4-1.pgdg120+1", "apt.postgresql.org"),
        dpkg("docker.io", "20.10.24+dfsg1-1+deb12u1"),
        vendor_rpm("java-17-openjdk", "1:17.0.9.0.9-2.el9", "Red Hat, Inc."),
        dpkg("openjdk-17-jre", "17.0.15+6-1~deb12u1"),
        dpkg("libgnutls-openssl27", "3.7.9-2+deb12u6"),
        dpkg("libxmlsec1-openssl", "1.2.37-2"),
        dpkg("firefox", "1:1snap1-0ubuntu5"),
    ]
}

fn today() -> NaiveDate {
    let (y, m, d) = TODAY;
    NaiveDate::from_ymd_opt(y, m, d).expect("TODAY is a calendar date")
}

fn catalogue() -> Catalog {
    builtin::catalog().unwrap_or_else(|e| panic!("the built-in catalogue does not load:\n{e}"))
}

fn inventory(input: &Input) -> Inventory {
    let (os, software) = match input {
        Input::Os(os) => (os.clone(), vec![]),
        Input::Software(s) => (Os::default(), vec![s.clone()]),
    };
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "WKS-0042".into(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            collected_at: "2026-11-25T01:30:00Z".parse().expect("an RFC 3339 time"),
            host_id_source: None,
        },
        os,
        software,
        hardware: Hardware::default(),
        cover: Vec::new(),
        warnings: vec![],
    }
}

/// The findings for one input: OS findings for an OS, software findings for a program.
fn findings(catalog: &Catalog, input: &Input) -> Vec<Finding> {
    let target = match input {
        Input::Os(_) => Target::Os,
        Input::Software(_) => Target::Software,
    };
    evaluate_with(&inventory(input), catalog, &Options::new(today()))
        .findings
        .into_iter()
        .filter(|f| f.target == target)
        .collect()
}

fn describe(input: &Input) -> String {
    match input {
        Input::Os(os) => format!(
            "OS {:?} {} {:?} {:?}",
            os.name, os.version, os.edition, os.distro_id
        ),
        Input::Software(s) => format!(
            "{:?} {:?} [{}]",
            s.name,
            s.version.as_deref().unwrap_or(""),
            s.source.name()
        ),
    }
}

fn all_rows() -> Vec<Row> {
    let mut rows = os_rows();
    rows.extend(software_rows());
    rows
}

#[test]
fn every_row_gets_its_product_cycle_and_status() {
    let catalog = catalogue();
    let mut failures = Vec::new();
    for row in all_rows() {
        let found = findings(&catalog, &row.input);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.product_id.as_str(), f.cycle.as_deref(), f.status))
            .collect();
        if got != [(row.product, row.cycle, row.status)] {
            failures.push(format!(
                "{}: expected [({:?}, {:?}, {:?})], got {got:?}",
                describe(&row.input),
                row.product,
                row.cycle,
                row.status
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn look_alikes_match_nothing() {
    let catalog = catalogue();
    let failures: Vec<String> = look_alikes()
        .iter()
        .filter_map(|input| {
            let found = findings(&catalog, input);
            (!found.is_empty()).then(|| {
                let ids: Vec<_> = found.iter().map(|f| f.product_id.as_str()).collect();
                format!("{} matched {ids:?}", describe(input))
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "look-alikes matched:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_product_has_a_row() {
    let catalog = catalogue();
    let in_catalogue: BTreeSet<&str> = catalog
        .entries()
        .iter()
        .map(|e| e.product.id.get_ref().as_str())
        .collect();
    let rows = all_rows();
    let covered: BTreeSet<&str> = rows.iter().map(|r| r.product).collect();
    let missing: Vec<_> = in_catalogue.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "products without a coverage row: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&in_catalogue).collect();
    assert!(
        stale.is_empty(),
        "rows for products not in the catalogue: {stale:?}"
    );
}

#[test]
fn every_dated_product_has_a_row_that_maps_to_a_cycle() {
    let catalog = catalogue();
    let rows = all_rows();
    let mapped: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.cycle.is_some())
        .map(|r| r.product)
        .collect();
    let missing: Vec<&str> = catalog
        .entries()
        .iter()
        .filter(|e| !e.releases.is_empty())
        .map(|e| e.product.id.get_ref().as_str())
        .filter(|id| !mapped.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "dated products with no row that reaches a cycle: {missing:?}"
    );
}
