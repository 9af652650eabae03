//! The demo's machines: host number `n` of a site, with its role's operating system and hardware
//! ([`super::systems`]) and programs ([`super::programs`]), drawn from a generator seeded by `n`
//! alone ([`super::dice`]), so a host is the same machine whatever the size of the estate, and
//! the same on every run. Each becomes the inventory its agent would report.

use chrono::{DateTime, Utc};
use sunset_catalog::inventory::{Host, Inventory, Os, SCHEMA_VERSION, Software, Source};
use uuid::Uuid;

use super::dice::Dice;
use super::programs::{self, Choice, Program, View};
use super::roles::Role;
use super::systems::{hardware, operating_system};

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
                host_id_source: Some(host_id_source(&os)),
            },
            os,
            software,
            hardware,
            cover,
            warnings: Vec::new(),
        },
    }
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

/// Where the agent keeps its host id (its default state directory), as it reports it.
fn host_id_source(os: &Os) -> String {
    let dir = match os.family {
        Some(sunset_catalog::inventory::OsFamily::Windows) => r"C:\ProgramData\Sunset\state",
        _ => "/var/lib/sunset",
    };
    format!("state directory {dir} (host-id)")
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
