//! Per-user installs (`Software\Microsoft\Windows\CurrentVersion\Uninstall` in each user's hive) and the
//! helpers that find whose hive is whose.
//!
//! Which hives are users: SIDs of real accounts (`S-1-5-21-…` for local and domain accounts,
//! `S-1-12-1-…` for Entra ID accounts), never the service accounts (`S-1-5-18` SYSTEM, `-19` LOCAL
//! SERVICE, `-20` NETWORK SERVICE), the `.DEFAULT` hive (the logon screen's settings, which is not a
//! user), `…_Classes` hives, or `.bak` copies of damaged profiles; and never the profile folders
//! `Default` (the template for new users), `Default User` and `All Users` (links to it and to
//! ProgramData) or `Public`.
//!
//! A profile's user name is the last component of its `ProfileImagePath` (`C:\Users\alice` → `alice`),
//! which is the account name at the time the profile was created.

use sunset_catalog::inventory::{Software, Source, Warning};

use super::{HKLM_SOFTWARE, join, open, read_text, software, subkeys};
use crate::registry::Key;

/// The `Uninstall` key in a user's hive, from the hive root (`HKU\<SID>`).
pub const USER_UNINSTALL: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall";
/// `ProfileList`, relative to the `SOFTWARE` root.
pub const PROFILE_LIST: &str = r"Microsoft\Windows NT\CurrentVersion\ProfileList";
/// SIDs of the service accounts, whose hives are not users.
pub const SERVICE_SIDS: [&str; 3] = ["S-1-5-18", "S-1-5-19", "S-1-5-20"];
/// Profile folders that are not users (compared case-insensitively).
pub const NON_USER_FOLDERS: [&str; 4] = ["Default", "Default User", "All Users", "Public"];

/// A user's hive root (`HKU\<SID>` live, the root of an `NTUSER.DAT` offline) and whose it is.
#[derive(Debug, Clone)]
pub struct UserHive<'a, K> {
    /// The user's SID, when known.
    pub sid: Option<String>,
    /// The account or profile folder name, when known.
    pub name: Option<String>,
    /// The hive root.
    pub root: &'a K,
}

impl<K> UserHive<'_, K> {
    /// The logical path of the hive root, for warnings: `HKU\<SID>`, else `HKU\<name>`.
    pub fn logical_path(&self) -> String {
        let id = self.sid.as_deref().or(self.name.as_deref()).unwrap_or("?");
        format!(r"HKU\{id}")
    }
}

/// A user profile from `ProfileList`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The account's SID.
    pub sid: String,
    /// `ProfileImagePath` as stored (`C:\Users\alice`, or with `%SystemDrive%`).
    pub profile_path: String,
    /// The profile folder name (`alice`).
    pub user_name: String,
}

/// Whether a SID (or `HKU` subkey name) is a real user account, by the rules in the module documentation.
pub fn is_user_sid(sid: &str) -> bool {
    let upper = sid.trim().to_ascii_uppercase();
    let Some(rest) = upper
        .strip_prefix("S-1-5-21-")
        .or_else(|| upper.strip_prefix("S-1-12-1-"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && !rest.ends_with('-')
}

/// Whether a profile folder name is one of [`NON_USER_FOLDERS`].
pub fn is_non_user_folder(name: &str) -> bool {
    NON_USER_FOLDERS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name.trim()))
}

/// The folder name at the end of a profile path (`C:\Users\alice` → `alice`).
pub fn profile_folder_name(profile_path: &str) -> Option<&str> {
    profile_path
        .trim()
        .trim_end_matches(['\\', '/'])
        .rsplit(['\\', '/'])
        .next()
        .filter(|n| !n.is_empty())
}

/// The real users' profiles listed in `ProfileList` below a `SOFTWARE` root, in subkey order.
pub fn profiles<K: Key>(software: &K, warnings: &mut Vec<Warning>) -> Vec<Profile> {
    let Some(list) = open(software, HKLM_SOFTWARE, PROFILE_LIST, warnings) else {
        return Vec::new();
    };
    let at = join(HKLM_SOFTWARE, PROFILE_LIST);
    let mut out = Vec::new();
    for sid in subkeys(&list, &at, warnings) {
        if !is_user_sid(&sid) {
            continue;
        }
        let at = join(&at, &sid);
        let Some(key) = open(&list, &at, &sid, warnings) else {
            continue;
        };
        let Some(profile_path) = read_text(&key, &at, "ProfileImagePath", warnings) else {
            continue;
        };
        let Some(user_name) = profile_folder_name(&profile_path).map(str::to_owned) else {
            continue;
        };
        if is_non_user_folder(&user_name) {
            continue;
        }
        out.push(Profile {
            sid,
            profile_path,
            user_name,
        });
    }
    out
}

/// One user's per-user installs (none, without a warning, when the hive has no `Uninstall` key).
pub fn collect<K: Key>(user: &UserHive<'_, K>, warnings: &mut Vec<Warning>) -> Vec<Software> {
    let root = user.logical_path();
    let Some(uninstall) = open(user.root, &root, USER_UNINSTALL, warnings) else {
        return Vec::new();
    };
    let source = Source::UserUninstall {
        user_sid: user.sid.clone(),
        user_name: user.name.clone(),
    };
    software::read_uninstall(
        &uninstall,
        &join(&root, USER_UNINSTALL),
        &source,
        None,
        warnings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_sids() {
        assert!(is_user_sid("S-1-5-21-3623811015-3361044348-30300820-1013"));
        assert!(is_user_sid(
            "S-1-12-1-1234567890-1234567890-1234567890-1234567890"
        ));
        for not in [
            "S-1-5-18",
            "S-1-5-19",
            "S-1-5-20",
            ".DEFAULT",
            "S-1-5-21-3623811015-3361044348-30300820-1013_Classes",
            "S-1-5-21-3623811015-3361044348-30300820-1013.bak",
            "S-1-5-21-",
            "S-1-5-21-1-",
            "",
        ] {
            assert!(!is_user_sid(not), "{not}");
        }
        assert!(SERVICE_SIDS.iter().all(|s| !is_user_sid(s)));
    }

    #[test]
    fn folder_names() {
        assert_eq!(profile_folder_name(r"C:\Users\alice"), Some("alice"));
        assert_eq!(
            profile_folder_name(r"%SystemDrive%\Users\Bob Smith\"),
            Some("Bob Smith")
        );
        assert_eq!(
            profile_folder_name(r"C:\Windows\ServiceProfiles\LocalService"),
            Some("LocalService")
        );
        assert_eq!(profile_folder_name(""), None);
        assert!(is_non_user_folder("default user"));
        assert!(is_non_user_folder("PUBLIC"));
        assert!(!is_non_user_folder("defaultuser0"));
    }

    #[test]
    fn logical_paths() {
        let root = ();
        let user = UserHive {
            sid: Some("S-1-5-21-1-2-3-1001".into()),
            name: Some("alice".into()),
            root: &root,
        };
        assert_eq!(user.logical_path(), r"HKU\S-1-5-21-1-2-3-1001");
        let user = UserHive {
            sid: None,
            name: Some("alice".into()),
            root: &root,
        };
        assert_eq!(user.logical_path(), r"HKU\alice");
    }
}
