//! [`Collected`]: what every collector returns — the OS, software, hardware and warnings of one
//! system, before the scan adds the host identity. Its own file so the collectors beneath
//! `inventory` and the platform backends share it without importing `inventory`'s dispatch.

use sunset_catalog::inventory::{Cover, Hardware, Os, Software, Warning};

/// What a collector found, before the host identity is added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collected {
    /// The operating system.
    pub os: Os,
    /// Installed software, de-duplicated.
    pub software: Vec<Software>,
    /// Hardware facts.
    pub hardware: Hardware,
    /// Support cover looked for (Windows 10 ESU licences, Ubuntu Pro ESM).
    pub cover: Vec<Cover>,
    /// Host name, when the source knows it.
    pub hostname: Option<String>,
    /// Domain, when joined.
    pub domain: Option<String>,
    /// The users whose own software was read (Windows user hives), in order.
    pub users: Vec<UserSummary>,
    /// Sources that failed.
    pub warnings: Vec<Warning>,
}

/// One user whose per-user installs were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    /// The user's SID, when known.
    pub sid: Option<String>,
    /// The user's account or profile folder name, when known.
    pub name: Option<String>,
    /// Programs found in the user's own install list (before de-duplication against other sources).
    pub entries: usize,
}
