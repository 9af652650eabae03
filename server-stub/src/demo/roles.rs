//! What each machine of the demo estate is for: the roles a GP practice's and a hospital's
//! machines play, which decide their operating system, programs and hardware.

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
    pub(super) fn tag(self) -> &'static str {
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
