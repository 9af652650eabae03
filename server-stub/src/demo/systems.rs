//! The demo machines' operating systems and hardware: which Windows (or Linux) release each role
//! runs, with the ESU licences the agent reads from WMI, and the hardware facts the agent collects.
//!
//! The mix is what an NHS estate looked like at the end of 2026: Windows 10 22H2 past its October
//! 2025 end, some of it on paid ESU, Windows 10 Enterprise LTSC 2021 ending in January 2027,
//! Windows 11 23H2 and 24H2 Pro already past their end, 24H2 Enterprise ending in October 2027, a
//! few Windows 7 and XP machines tied to imaging and laboratory devices, Server 2012 R2 and 2016
//! beside current servers; old PCs that cannot take Windows 11 beside new ones that can.

use chrono::NaiveDate;
use sunset_catalog::inventory::{
    Cover, CoverState, Cpu, Disk, Fact, Hardware, InstallationType, Os, OsFamily, SecureBoot, Tpm,
};

use super::dice::Dice;
use super::roles::Role;

/// A Windows release as its registry reports it: ProductName, version with the UBR, EditionID,
/// DisplayVersion (or service pack), and whether it is a server.
#[derive(Clone, Copy, Debug)]
struct Windows {
    name: &'static str,
    version: &'static str,
    edition: &'static str,
    display: &'static str,
    server: bool,
    /// Windows 10 22H2 with paid ESU licences for years 1 and 2 (year 2 ends in October 2027).
    esu: bool,
}

const fn client(
    name: &'static str,
    version: &'static str,
    edition: &'static str,
    display: &'static str,
) -> Windows {
    Windows {
        name,
        version,
        edition,
        display,
        server: false,
        esu: false,
    }
}

const fn server(
    name: &'static str,
    version: &'static str,
    edition: &'static str,
    display: &'static str,
) -> Windows {
    Windows {
        server: true,
        ..client(name, version, edition, display)
    }
}

/// `windows` with ESU years 1 and 2, patched to `version` (ESU keeps the updates coming).
const fn with_esu(windows: Windows, version: &'static str) -> Windows {
    Windows {
        esu: true,
        version,
        ..windows
    }
}

// Builds and UBRs are real cumulative updates (Microsoft's update history, as in the catalogue's
// `windows-updates.toml`). A release still serviced is at the latest one the catalogue knows
// (August 2026: 19045.7663, 22631.7517, 26100/26200.9168, Server 2022 20348.5499, Server 2025
// 26100.33296); Windows 10 22H2 without ESU stopped at October 2025's (19045.6456, the last free
// update), releases that ended since at their last month's, the rest as the estate file has them.
const W10_PRO: Windows = client("Windows 10 Pro", "10.0.19045.6456", "Professional", "22H2");
const W10_ENT: Windows = client(
    "Windows 10 Enterprise",
    "10.0.19045.6456",
    "Enterprise",
    "22H2",
);
const W10_PRO_ESU: Windows = with_esu(W10_PRO, "10.0.19045.7663");
const W10_ENT_ESU: Windows = with_esu(W10_ENT, "10.0.19045.7663");
const W10_LTSC_2021: Windows = client(
    "Windows 10 Enterprise LTSC 2021",
    "10.0.19044.6456",
    "EnterpriseS",
    "21H2",
);
const W10_IOT_LTSC_2021: Windows = client(
    "Windows 10 IoT Enterprise LTSC 2021",
    "10.0.19044.6456",
    "IoTEnterpriseS",
    "21H2",
);
const W10_LTSC_2019: Windows = client(
    "Windows 10 Enterprise LTSC 2019",
    "10.0.17763.7919",
    "EnterpriseS",
    "1809",
);
const W11_23H2_PRO: Windows = client("Windows 11 Pro", "10.0.22631.6060", "Professional", "23H2");
const W11_23H2_ENT: Windows = client(
    "Windows 11 Enterprise",
    "10.0.22631.7517",
    "Enterprise",
    "23H2",
);
const W11_24H2_PRO: Windows = client("Windows 11 Pro", "10.0.26100.7019", "Professional", "24H2");
const W11_24H2_ENT: Windows = client(
    "Windows 11 Enterprise",
    "10.0.26100.9168",
    "Enterprise",
    "24H2",
);
const W11_25H2_PRO: Windows = client("Windows 11 Pro", "10.0.26200.9168", "Professional", "25H2");
const W11_25H2_ENT: Windows = client(
    "Windows 11 Enterprise",
    "10.0.26200.9168",
    "Enterprise",
    "25H2",
);
const W7_ENT: Windows = client(
    "Windows 7 Enterprise",
    "6.1.7601.24544",
    "Enterprise",
    "Service Pack 1",
);
const WXP: Windows = client("Microsoft Windows XP", "5.1.2600", "", "Service Pack 3");
const S2012R2: Windows = server(
    "Windows Server 2012 R2 Standard",
    "6.3.9600.21620",
    "ServerStandard",
    "",
);
const S2016: Windows = server(
    "Windows Server 2016 Standard",
    "10.0.14393.8422",
    "ServerStandard",
    "1607",
);
const S2019: Windows = server(
    "Windows Server 2019 Standard",
    "10.0.17763.7919",
    "ServerStandard",
    "1809",
);
const S2022: Windows = server(
    "Windows Server 2022 Standard",
    "10.0.20348.5499",
    "ServerStandard",
    "21H2",
);
const S2025: Windows = server(
    "Windows Server 2025 Datacenter",
    "10.0.26100.33296",
    "ServerDatacenter",
    "24H2",
);

/// The operating systems a role draws from, with weights.
fn windows_for(role: Role) -> &'static [(u32, Windows)] {
    match role {
        Role::Reception | Role::Consulting | Role::Manager => &[
            (30, W10_PRO),
            (10, W10_PRO_ESU),
            (8, W11_23H2_PRO),
            (8, W11_24H2_PRO),
            (14, W11_24H2_ENT),
            (15, W11_25H2_PRO),
            (15, W11_25H2_ENT),
        ],
        Role::WardPc => &[
            (28, W10_ENT),
            (20, W10_ENT_ESU),
            (6, W10_LTSC_2021),
            (8, W11_23H2_ENT),
            (22, W11_24H2_ENT),
            (16, W11_25H2_ENT),
        ],
        Role::Kiosk => &[(60, W10_IOT_LTSC_2021), (40, W10_LTSC_2021)],
        Role::Imaging => &[(35, W7_ENT), (25, W10_LTSC_2019), (40, W10_ENT_ESU)],
        Role::Laboratory => &[(25, WXP), (35, W7_ENT), (40, W10_LTSC_2021)],
        Role::Pharmacy => &[(100, W10_LTSC_2019)],
        Role::PracticeServer => &[(40, S2012R2), (35, S2016), (25, S2019)],
        Role::Server => &[
            (15, S2012R2),
            (25, S2016),
            (25, S2019),
            (25, S2022),
            (10, S2025),
        ],
        Role::ItLaptop => &[(50, W11_25H2_ENT), (50, W11_24H2_ENT)],
        Role::LinuxServer => &[],
    }
}

/// Linux servers of the estate file: (PRETTY_NAME, VERSION_ID, ID).
const LINUX: &[(u32, (&str, &str, &str))] = &[
    (40, ("Ubuntu 20.04.6 LTS", "20.04", "ubuntu")),
    (
        30,
        ("Red Hat Enterprise Linux Server 7.9 (Maipo)", "7.9", "rhel"),
    ),
    (30, ("Debian GNU/Linux 12 (bookworm)", "12", "debian")),
];

/// The OS, whether the machine is new enough for Windows 11, and its ESU licences as the agent
/// reads them from WMI (every Windows 10 22H2 machine is asked; most have none).
pub(super) fn operating_system(role: Role, dice: &mut Dice) -> (Os, bool, Vec<Cover>) {
    if role == Role::LinuxServer {
        let (name, version, id) = *dice.pick(LINUX);
        let os = Os {
            family: Some(OsFamily::Linux),
            name: name.to_string(),
            version: version.to_string(),
            distro_id: Some(id.to_string()),
            distro_version_id: Some(version.to_string()),
            installation_type: Some(InstallationType::Server),
            architecture: Some("x86_64".to_string()),
            ..Os::default()
        };
        return (os, true, Vec::new());
    }
    let windows = *dice.pick(windows_for(role));
    let parts: Vec<&str> = windows.version.split('.').collect();
    let build: Option<u32> = parts.get(2).and_then(|b| b.parse().ok());
    let os = Os {
        family: Some(OsFamily::Windows),
        name: windows.name.to_string(),
        version: windows.version.to_string(),
        display_version: (!windows.display.is_empty()).then(|| windows.display.to_string()),
        build: build.map(|b| b.to_string()),
        update_revision: parts.get(3).and_then(|r| r.parse().ok()),
        edition: (!windows.edition.is_empty()).then(|| windows.edition.to_string()),
        installation_type: Some(if windows.server {
            InstallationType::Server
        } else {
            InstallationType::Client
        }),
        architecture: Some(
            if windows.version.starts_with("5.") {
                "x86"
            } else {
                "x86_64"
            }
            .to_string(),
        ),
        kernel_version: Some(parts[..parts.len().min(3)].join(".")),
        ..Os::default()
    };
    // Windows 11 and the servers run on hardware Windows 11 accepts; a Windows 10 PC often does not.
    let modern = build.is_some_and(|b| b >= 22000) || windows.server || dice.chance(50);
    let cover = if build == Some(19045) {
        esu_licences(windows.esu)
    } else {
        Vec::new()
    };
    (os, modern, cover)
}

/// The three ESU years as the agent reports them (activation IDs Microsoft publishes).
fn esu_licences(licensed: bool) -> Vec<Cover> {
    const YEARS: [(u32, &str); 3] = [
        (1, "f520e45e-7413-4a34-a497-d2765967d094"),
        (2, "1043add5-23b1-4afb-9a0f-64343c8f3f8d"),
        (3, "83d49986-add3-41d7-ba33-87c7bfb5c0fb"),
    ];
    YEARS
        .iter()
        .map(|&(year, id)| {
            let state = if licensed && year <= 2 {
                CoverState::Licensed
            } else {
                CoverState::NotLicensed
            };
            let evidence = match state {
                CoverState::Licensed => {
                    format!("WMI SoftwareLicensingProduct {id}: LicenseStatus 1 (licensed)")
                }
                _ => format!(
                    "WMI SoftwareLicensingProduct {id}: no ESU year {year} licence installed"
                ),
            };
            Cover {
                program: "windows-10-esu".to_string(),
                year: Some(year),
                state,
                evidence: Some(evidence),
            }
        })
        .collect()
}

/// A model as SMBIOS names it: manufacturer, model, processor brand string, firmware date.
type Model = (&'static str, &'static str, &'static str, &'static str);

/// Desktop and server models with a processor of their generation and their firmware's date.
const MODERN: &[(u32, Model)] = &[
    (
        30,
        (
            "Dell Inc.",
            "OptiPlex 7070",
            "Intel(R) Core(TM) i5-9500 CPU @ 3.00GHz",
            "2024-03-12",
        ),
    ),
    (
        25,
        (
            "HP",
            "HP EliteDesk 800 G6 Small Form Factor PC",
            "Intel(R) Core(TM) i5-10500 CPU @ 3.10GHz",
            "2025-01-20",
        ),
    ),
    (
        25,
        (
            "Dell Inc.",
            "OptiPlex 7010",
            "13th Gen Intel(R) Core(TM) i5-13500",
            "2025-06-04",
        ),
    ),
    (
        20,
        (
            "LENOVO",
            "ThinkCentre M75q Gen 2",
            "AMD Ryzen 5 PRO 4650GE with Radeon Graphics",
            "2024-09-30",
        ),
    ),
];
const OLD: &[(u32, Model)] = &[
    (
        40,
        (
            "Dell Inc.",
            "OptiPlex 3050",
            "Intel(R) Core(TM) i5-6500 CPU @ 3.20GHz",
            "2019-11-05",
        ),
    ),
    (
        35,
        (
            "HP",
            "HP EliteDesk 800 G1 SFF",
            "Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz",
            "2018-02-14",
        ),
    ),
    (
        25,
        (
            "Dell Inc.",
            "OptiPlex 7040",
            "Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz",
            "2020-06-22",
        ),
    ),
];
const SERVERS: &[(u32, Model)] = &[
    (
        50,
        (
            "VMware, Inc.",
            "VMware7,1",
            "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz",
            "2023-10-18",
        ),
    ),
    (
        50,
        (
            "Dell Inc.",
            "PowerEdge R740",
            "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz",
            "2024-05-09",
        ),
    ),
];

/// Hardware facts as the agent collects them. Machines bought for Windows 11 have the 2023 Secure
/// Boot certificates; older ones only the 2011 ones that expired in 2026.
pub(super) fn hardware(role: Role, modern: bool, dice: &mut Dice) -> Hardware {
    let table = match role {
        Role::Server | Role::LinuxServer | Role::PracticeServer => SERVERS,
        _ if modern => MODERN,
        _ => OLD,
    };
    let (manufacturer, model, cpu, firmware_date) = *dice.pick(table);
    let gib = 1024 * 1024 * 1024_u64;
    let memory = if modern { 16 } else { 8 } * gib;
    let mut db = vec![
        "Microsoft Windows Production PCA 2011".to_string(),
        "Microsoft Corporation UEFI CA 2011".to_string(),
    ];
    let mut kek = vec!["Microsoft Corporation KEK CA 2011".to_string()];
    if modern {
        db.extend([
            "Windows UEFI CA 2023".to_string(),
            "Microsoft UEFI CA 2023".to_string(),
            "Microsoft Option ROM UEFI CA 2023".to_string(),
        ]);
        kek.push("Microsoft Corporation KEK 2K CA 2023".to_string());
    }
    Hardware {
        manufacturer: Fact::Known(manufacturer.to_string()),
        model: Fact::Known(model.to_string()),
        serial: Fact::Known(format!("{:07X}", dice.below(0x0FFF_FFFF))),
        firmware_vendor: Fact::Known(manufacturer.to_string()),
        firmware_version: Fact::Known(format!("{}.{}.0", 1 + dice.below(2), dice.below(30))),
        firmware_date: firmware_date
            .parse::<NaiveDate>()
            .map_or(Fact::NotCollected, Fact::Known),
        uefi: Fact::Known(true),
        secure_boot: Fact::Known(SecureBoot::Enabled),
        tpm: Fact::Known(Tpm {
            version: "2.0".to_string(),
            manufacturer: None,
        }),
        cpu: Fact::Known(Cpu {
            brand: cpu.to_string(),
            ..Cpu::default()
        }),
        memory_bytes: Fact::Known(memory),
        system_disk: Fact::Known(Disk {
            size_bytes: 256 * 1000 * 1000 * 1000,
            free_bytes: (40 + dice.below(120)) * 1000 * 1000 * 1000,
        }),
        secure_boot_db: Fact::Known(db),
        secure_boot_kek: Fact::Known(kek),
        ..Hardware::default()
    }
}
