//! Which user hives a scan of the running Windows reads. Decided here, in shared code tested on
//! Linux against real hives, so `platform/windows` only opens what it is told to.
//!
//! Rules: every real user (see [`users::is_user_sid`]) whose hive is loaded under `HKU` (logged on,
//! or running a process) is read there, named from `ProfileList` when it is listed; every other real
//! profile in `ProfileList` is read from its `NTUSER.DAT` with the offline hive reader, at
//! `ProfileImagePath` with `%SystemDrive%` expanded. SIDs compare case-insensitively, so a user is
//! read once. Order: the loaded hives in `HKU` order, then the files in `ProfileList` order. Not
//! users: `.DEFAULT`, the service accounts, `…_Classes` hives.

use super::offline::NTUSER_DAT;
use super::users::{self, Profile};

/// One user hive a live scan reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveUserHive {
    /// Loaded under `HKU\<sid>`: read through the live registry.
    Loaded {
        /// The `HKU` subkey name (the user's SID).
        sid: String,
        /// The profile folder name from `ProfileList`, when listed.
        name: Option<String>,
    },
    /// Not loaded: read from the profile's hive file.
    File {
        /// The user's SID.
        sid: String,
        /// The profile folder name.
        name: String,
        /// The hive file (`C:\Users\alice\NTUSER.DAT`).
        path: String,
    },
}

/// The user hives to read, given the names of `HKU`'s subkeys, the profiles of `ProfileList`
/// ([`users::profiles`]) and the system drive (`%SystemDrive%`, `C:` by default).
pub fn live_user_hives(
    hku_subkeys: &[String],
    profiles: &[Profile],
    system_drive: &str,
) -> Vec<LiveUserHive> {
    let mut out: Vec<LiveUserHive> = Vec::new();
    for sid in hku_subkeys.iter().filter(|sid| users::is_user_sid(sid)) {
        let name = profiles
            .iter()
            .find(|p| p.sid.eq_ignore_ascii_case(sid))
            .map(|p| p.user_name.clone());
        out.push(LiveUserHive::Loaded {
            sid: sid.clone(),
            name,
        });
    }
    for profile in profiles {
        let loaded = hku_subkeys
            .iter()
            .any(|sid| sid.eq_ignore_ascii_case(&profile.sid));
        if loaded {
            continue;
        }
        let folder = expand_system_drive(&profile.profile_path, system_drive);
        out.push(LiveUserHive::File {
            sid: profile.sid.clone(),
            name: profile.user_name.clone(),
            path: format!("{}\\{NTUSER_DAT}", folder.trim_end_matches(['\\', '/'])),
        });
    }
    out
}

/// `ProfileImagePath` is `REG_EXPAND_SZ` and usually starts with `%SystemDrive%` (any case).
pub fn expand_system_drive(path: &str, system_drive: &str) -> String {
    const VARIABLE: &str = "%SystemDrive%";
    match path.get(..VARIABLE.len()) {
        Some(head) if head.eq_ignore_ascii_case(VARIABLE) => {
            format!("{system_drive}{}", &path[VARIABLE.len()..])
        }
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::registry::Hive;

    const ALICE: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
    const BOB: &str = "S-1-5-21-1004336348-1177238915-682003330-1002";
    const CAROL: &str = "S-1-5-21-1004336348-1177238915-682003330-1003";

    /// `ProfileList` of the test volume's real SOFTWARE hive, read with the offline reader: Alice
    /// (`C:\Users\Alice`), bob (`%SystemDrive%\Users\bob`), carol (`C:\Users\carol`), and the
    /// service accounts, which are not users.
    fn volume_profiles() -> Vec<Profile> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/windows/volume/Windows/System32/config/SOFTWARE");
        let hive = Hive::open(&path).unwrap();
        let mut warnings = Vec::new();
        let profiles = users::profiles(&hive.root(), &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        profiles
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_volume_lists_three_real_profiles() {
        let sids: Vec<String> = volume_profiles().into_iter().map(|p| p.sid).collect();
        assert_eq!(sids, [ALICE, BOB, CAROL]);
    }

    #[test]
    fn loaded_users_are_read_live_and_the_others_from_their_files() {
        // HKU as a machine with Alice logged on and carol running a scheduled task shows it: the
        // logon screen's .DEFAULT, the service accounts, and each user's _Classes hive.
        let hku = names(&[
            ".DEFAULT",
            "S-1-5-18",
            "S-1-5-19",
            "S-1-5-20",
            ALICE,
            &format!("{ALICE}_Classes"),
            &CAROL.to_ascii_lowercase(),
        ]);
        let hives = live_user_hives(&hku, &volume_profiles(), "D:");
        assert_eq!(
            hives,
            [
                LiveUserHive::Loaded {
                    sid: ALICE.to_string(),
                    name: Some("Alice".to_string()),
                },
                LiveUserHive::Loaded {
                    sid: CAROL.to_ascii_lowercase(),
                    name: Some("carol".to_string()),
                },
                LiveUserHive::File {
                    sid: BOB.to_string(),
                    name: "bob".to_string(),
                    path: r"D:\Users\bob\NTUSER.DAT".to_string(),
                },
            ]
        );
    }

    #[test]
    fn nobody_logged_on_reads_every_profile_from_its_file() {
        let hives = live_user_hives(&names(&[".DEFAULT", "S-1-5-18"]), &volume_profiles(), "C:");
        let paths: Vec<&str> = hives
            .iter()
            .map(|h| match h {
                LiveUserHive::File { path, .. } => path.as_str(),
                LiveUserHive::Loaded { .. } => panic!("nothing is loaded: {h:?}"),
            })
            .collect();
        assert_eq!(
            paths,
            [
                r"C:\Users\Alice\NTUSER.DAT",
                r"C:\Users\bob\NTUSER.DAT",
                r"C:\Users\carol\NTUSER.DAT"
            ]
        );
    }

    #[test]
    fn a_loaded_user_missing_from_profile_list_is_read_without_a_name() {
        let sid = "S-1-12-1-3340467021-1144222458-2340345753-2470390536";
        let hives = live_user_hives(&names(&[sid]), &[], "C:");
        assert_eq!(
            hives,
            [LiveUserHive::Loaded {
                sid: sid.to_string(),
                name: None
            }]
        );
    }

    #[test]
    fn system_drive_expands_in_any_case() {
        assert_eq!(
            expand_system_drive(r"%SystemDrive%\Users\bob", "E:"),
            r"E:\Users\bob"
        );
        assert_eq!(
            expand_system_drive(r"%systemdrive%\Users\bob", "C:"),
            r"C:\Users\bob"
        );
        assert_eq!(
            expand_system_drive(r"C:\Users\alice", "E:"),
            r"C:\Users\alice"
        );
        assert_eq!(expand_system_drive("%Sys", "E:"), "%Sys");
        assert_eq!(expand_system_drive("%SystemDrivé%", "E:"), "%SystemDrivé%");
    }
}
