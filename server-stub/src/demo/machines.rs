//! The demo's machines: what each kind of machine in a GP practice or a hospital runs — its
//! Windows (or Linux) release, its programs ([`super::programs`]), its hardware — drawn for host
//! number `n` from a generator seeded by `n` alone, so a host is the same machine whatever the
//! size of the estate, and the same on every run.
//!
//! The mix is what an NHS estate looked like at the end of 2026: Windows 10 22H2 past its October
//! 2025 end, some of it on paid ESU (year 2 runs to October 2027, the next Windows 10 cliff),
//! Windows 10 Enterprise LTSC 2021 ending in January 2027, Windows 11 23H2 and 24H2 Pro already
//! past their end, 24H2 Enterprise ending in October 2027, a few Windows 7 and XP machines tied to
//! imaging and laboratory devices, Server 2012 R2 and 2016 beside current servers.

use chrono::{DateTime, NaiveDate, Utc};
use sunset_catalog::inventory::{
    Cover, CoverState, Cpu, Disk, Fact, Hardware, Host, InstallationType, Inventory, Os, OsFamily,
    SCHEMA_VERSION, SecureBoot, Software, Source, Tpm,
};
use uuid::Uuid;

use super::programs::{self, Choice, Program, View};

/// What a machine is for; it decides the operating systems and programs it may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// A practice's front desk.
    Reception,
    /// A GP's or nurse's consulting room.
    Consulting,
    /// The practice manager's PC.
    Manager,
    /// The practice's own server (appointments, backups).
    PracticeServer,
    /// A ward's or department's shared clinical desktop.
    WardPc,
    /// A self check-in kiosk or a ward's whiteboard PC.
    Kiosk,
    /// A radiology (PACS) reporting workstation.
    Imaging,
    /// A PC attached to a laboratory analyser.
    Laboratory,
    /// A pharmacy dispensing PC.
    Pharmacy,
    /// A server in the trust's data centre.
    Server,
    /// A Linux server in the trust's data centre.
    LinuxServer,
    /// The IT team's laptop.
    ItLaptop,
}

impl Role {
    /// The host name's middle part (`RAD-PACS03`).
    fn tag(self) -> &'static str {
        match self {
            Role::Reception => "REC",
            Role::Consulting => "CON",
            Role::Manager => "MGR",
            Role::PracticeServer => "SRV",
            Role::WardPc => "PC",
            Role::Kiosk => "KSK",
            Role::Imaging => "PACS",
            Role::Laboratory => "LAB",
            Role::Pharmacy => "PHM",
            Role::Server => "SRV",
            Role::LinuxServer => "LNX",
            Role::ItLaptop => "ITL",
        }
    }
}

/// A Windows release as its registry reports it: ProductName, version with the UBR, EditionID,
/// DisplayVersion (or service pack), and whether it is a server.
#[derive(Clone, Copy, Debug)]
struct Windows {
    name: &'static str,
    version: &'static str,
    edition: &'static str,
    display: &'static str,
    server: bool,
    /// Windows 10 22H2 with a paid ESU licence for years 1 and 2 (to October 2027).
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

const fn with_esu(windows: Windows) -> Windows {
    Windows {
        esu: true,
        ..windows
    }
}

// Builds and UBRs are real cumulative updates of autumn 2026 (the estate file's).
const W10_PRO: Windows = client("Windows 10 Pro", "10.0.19045.6456", "Professional", "22H2");
const W10_ENT: Windows = client(
    "Windows 10 Enterprise",
    "10.0.19045.6332",
    "Enterprise",
    "22H2",
);
const W10_PRO_ESU: Windows = with_esu(W10_PRO);
const W10_ENT_ESU: Windows = with_esu(W10_ENT);
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
    "10.0.22631.6060",
    "Enterprise",
    "23H2",
);
const W11_24H2_PRO: Windows = client("Windows 11 Pro", "10.0.26100.7019", "Professional", "24H2");
const W11_24H2_ENT: Windows = client(
    "Windows 11 Enterprise",
    "10.0.26100.7171",
    "Enterprise",
    "24H2",
);
const W11_25H2_PRO: Windows = client("Windows 11 Pro", "10.0.26200.7171", "Professional", "25H2");
const W11_25H2_ENT: Windows = client(
    "Windows 11 Enterprise",
    "10.0.26200.7171",
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
    "10.0.20348.4297",
    "ServerStandard",
    "21H2",
);
const S2025: Windows = server(
    "Windows Server 2025 Datacenter",
    "10.0.26100.7171",
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

/// A deterministic generator (SplitMix64): the same host number gives the same machine.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed ^ 0x5375_6e73_6574_4465)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of weighted `options` (the first when all weigh nothing).
    fn pick<'a, T>(&mut self, options: &'a [(u32, T)]) -> &'a T {
        let total: u64 = options.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (weight, option) in options {
            if roll < u64::from(*weight) {
                return option;
            }
            roll -= u64::from(*weight);
        }
        &options[0].1
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The host id of demo host `n`: stable, and recognisably the demo's.
pub(super) fn host_id(n: u64) -> Uuid {
    Uuid::from_u64_pair(0xde40_5375_6e73_6574, n)
}

/// What the demo knows of a host beyond its inventory: enough to pick stories for the risk
/// register without reading findings back by name.
#[derive(Clone, Debug)]
pub(super) struct Machine {
    /// Its role.
    pub role: Role,
    /// Its inventory.
    pub inventory: Inventory,
}

/// Host number `n` of a site: `prefix` is the site's short name in host names (`Y99901`,
/// `SVGH-RAD`), `index` its number there, `collected_at` when its agent scanned it.
pub(super) fn machine(
    n: u64,
    role: Role,
    prefix: &str,
    index: usize,
    site: &str,
    collected_at: DateTime<Utc>,
) -> Machine {
    let mut dice = Dice::new(n);
    let hostname = format!("{prefix}-{}{index:02}", role.tag());
    let (os, modern, cover) = operating_system(role, &mut dice);
    let software = programs_for(role, &os, &mut dice);
    let hardware = hardware(role, modern, &mut dice);
    Machine {
        role,
        inventory: Inventory {
            schema_version: SCHEMA_VERSION,
            host: Host {
                host_id: host_id(n),
                report_id: Uuid::new_v4(),
                hostname,
                domain: Some("sunsetvale.nhs.example".to_string()),
                fqdn: None,
                site: Some(site.to_string()),
                agent_version: env!("CARGO_PKG_VERSION").to_string(),
                collected_at,
                host_id_source: Some("smbios-uuid".to_string()),
            },
            os,
            software,
            hardware,
            cover,
            warnings: Vec::new(),
        },
    }
}

/// The OS, whether the machine is new enough for Windows 11, and its ESU licences as the agent
/// reads them from WMI (every Windows 10 22H2 machine is asked; most have none).
fn operating_system(role: Role, dice: &mut Dice) -> (Os, bool, Vec<Cover>) {
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

/// How likely a machine is to be well managed (kept current, old programs removed), in percent:
/// most Windows 11 PCs are, few Windows 10 ones, no Windows 7 or XP device PC.
fn managed_percent(role: Role, os: &Os) -> u64 {
    let build: u32 = os
        .build
        .as_deref()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    match (role, build) {
        (Role::Server | Role::PracticeServer, _) => 40,
        (_, 22000..) => 75,
        (_, 19044 | 17763) => 55,
        (_, 19045) => 30,
        _ => 0,
    }
}

/// One of `choice`'s options; a managed machine's only from the first and "not installed".
fn draw(dice: &mut Dice, choice: Choice, managed: bool) -> Option<Program> {
    if !managed {
        return *dice.pick(choice);
    }
    let kept: Vec<(u32, Option<Program>)> = choice
        .iter()
        .enumerate()
        .filter(|(i, (_, option))| *i == 0 || option.is_none())
        .map(|(_, option)| *option)
        .collect();
    *dice.pick(&kept)
}

/// A role's programs, drawn from its choices.
fn programs_for(role: Role, os: &Os, dice: &mut Dice) -> Vec<Software> {
    let windows_7 = os.version.starts_with("6.1.");
    let xp = os.version.starts_with("5.");
    let managed = dice.chance(managed_percent(role, os));
    let mut out: Vec<Program> = Vec::new();
    let choose = |choice: Choice, dice: &mut Dice, out: &mut Vec<Program>| {
        if let Some(program) = draw(dice, choice, managed) {
            out.push(program);
        }
    };
    let desktop = [
        programs::EDGE,
        programs::OFFICE,
        programs::ACROBAT,
        programs::JAVA,
        programs::SEVEN_ZIP,
    ];
    match role {
        Role::LinuxServer => return Vec::new(),
        Role::Reception | Role::Consulting | Role::Manager => {
            for choice in [
                programs::CHROME,
                programs::FIREFOX,
                programs::TEAMS,
                programs::ZOOM,
                programs::ONEDRIVE,
                programs::DICTATION,
                programs::DOTNET,
            ] {
                choose(choice, dice, &mut out);
            }
            desktop.iter().for_each(|c| choose(c, dice, &mut out));
            out.extend(programs::GP_CLINICAL);
            if role == Role::Manager {
                choose(programs::OFFICE_OLD, dice, &mut out);
                out.extend(programs::PRACTICE_OFFICE);
            }
        }
        Role::WardPc | Role::Pharmacy => {
            for choice in [
                programs::CHROME,
                programs::FIREFOX,
                programs::LEGACY_PLUGINS,
                programs::TEAMS,
                programs::DOTNET,
            ] {
                choose(choice, dice, &mut out);
            }
            if os.version.starts_with("10.0.1904") {
                choose(programs::IE_WINDOWS_10, dice, &mut out);
            }
            desktop.iter().for_each(|c| choose(c, dice, &mut out));
            out.extend(if role == Role::Pharmacy {
                programs::PHARMACY
            } else {
                programs::WARD_CLINICAL
            });
        }
        Role::Kiosk => out.extend(programs::KIOSK),
        Role::Imaging | Role::Laboratory if windows_7 || xp => {
            if windows_7 {
                for choice in [
                    programs::CHROME_WINDOWS_7,
                    programs::IE_WINDOWS_7,
                    programs::FIREFOX_ESR_115,
                ] {
                    choose(choice, dice, &mut out);
                }
            }
            out.extend(if role == Role::Imaging {
                programs::IMAGING_WINDOWS_7
            } else {
                programs::LABORATORY
            });
            if role == Role::Imaging {
                out.extend(programs::IMAGING);
            }
        }
        Role::Imaging | Role::Laboratory => {
            choose(programs::EDGE, dice, &mut out);
            choose(programs::FIREFOX_ESR_115, dice, &mut out);
            out.extend(if role == Role::Imaging {
                programs::IMAGING
            } else {
                &programs::LABORATORY[..1]
            });
        }
        Role::PracticeServer => out.extend(programs::PRACTICE_SERVER),
        Role::Server => {
            for choice in [
                programs::DATABASE_SERVER,
                programs::SERVER_EXTRAS,
                programs::SERVER_JAVA,
            ] {
                choose(choice, dice, &mut out);
            }
        }
        Role::ItLaptop => {
            for choice in [
                programs::CHROME,
                programs::EDGE,
                programs::FIREFOX,
                programs::ONEDRIVE,
                programs::DOTNET,
            ] {
                choose(choice, dice, &mut out);
            }
            out.extend(programs::IT_TOOLS);
        }
    }
    if !xp && role != Role::Kiosk {
        out.push(programs::VC_REDIST);
        choose(programs::VC_REDIST_OLD, dice, &mut out);
    }
    out.iter().map(software).collect()
}

/// A program as the agent reports it.
fn software(program: &Program) -> Software {
    let (source, architecture) = match program.view {
        View::Hklm => (Source::HklmUninstall, Some("x64")),
        View::Wow => (Source::Wow6432Uninstall, Some("x86")),
        View::User => (
            Source::UserUninstall {
                user_sid: None,
                user_name: Some("clinician".to_string()),
            },
            None,
        ),
        View::Ie => (
            Source::WindowsRegistry {
                path: r"HKLM\SOFTWARE\Microsoft\Internet Explorer".to_string(),
            },
            None,
        ),
    };
    Software {
        key: Software::identity_key(program.name, Some(program.version), architecture),
        name: program.name.to_string(),
        version: Some(program.version.to_string()),
        publisher: Some(program.publisher.to_string()),
        install_date: None,
        architecture: architecture.map(str::to_string),
        source,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

/// Desktop and server models with a processor of their generation and their firmware's date.
const MODERN: &[(u32, (&str, &str, &str, &str))] = &[
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
const OLD: &[(u32, (&str, &str, &str, &str))] = &[
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
const SERVERS: &[(u32, (&str, &str, &str, &str))] = &[
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
fn hardware(role: Role, modern: bool, dice: &mut Dice) -> Hardware {
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
