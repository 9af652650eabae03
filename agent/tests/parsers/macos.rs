//! macOS: SystemVersion.plist, app Info.plists (XML and binary), the application walker.

use std::fs;

use sunset_agent::parse::macos_plist;
use sunset_catalog::inventory::{OsFamily, Source};

use crate::util::{data, file_names, shared, write};

#[test]
fn macos_system_version_plists() {
    let Some(dir) = shared("macos/SystemVersion") else {
        return;
    };
    let table = [
        (
            "macOS-12.3-21E5227a__SystemVersion.plist",
            "macOS",
            "12.3",
            "21E5227a",
        ),
        (
            "MacOSX-10.6.8-10K549__sdk-phracker__SystemVersion.plist",
            "Mac OS X",
            "10.6.8",
            "10K549",
        ),
        (
            "macOS-11.3-20E214__sdk-phracker__SystemVersion.plist",
            "macOS",
            "11.3",
            "20E214",
        ),
        (
            "MacOSX-10.15.1-19B89__sdk-alexey-lysiuk__SystemVersion.plist",
            "Mac OS X",
            "10.15.1",
            "19B89",
        ),
    ];
    assert_eq!(file_names(&dir).len(), table.len());
    for (file, name, version, build) in table {
        let os = macos_plist::parse_system_version(&fs::read(dir.join(file)).unwrap()).unwrap();
        assert_eq!(os.family, Some(OsFamily::Macos), "{file}");
        assert_eq!(
            (os.name.as_str(), os.version.as_str()),
            (name, version),
            "{file}"
        );
        assert_eq!(os.build.as_deref(), Some(build), "{file}");
    }
    // Through a root folder.
    let root = tempfile::tempdir().unwrap();
    let target = root
        .path()
        .join("System/Library/CoreServices/SystemVersion.plist");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::copy(dir.join(table[0].0), &target).unwrap();
    assert_eq!(
        macos_plist::read_system_version(root.path())
            .unwrap()
            .version,
        "12.3"
    );
    assert!(macos_plist::read_system_version(tempfile::tempdir().unwrap().path()).is_err());
}

#[test]
fn macos_app_info_plists() {
    let app = |file: &str, bundle: &str| {
        macos_plist::parse_info_plist(
            &fs::read(data(&format!("macos/apps/{file}"))).unwrap(),
            bundle,
        )
        .unwrap()
    };
    let slack = app(
        "Slack.app__Contents__Info.plist__syft",
        "/Applications/Slack.app",
    );
    assert_eq!(slack.name, "Slack");
    assert_eq!(slack.version.as_deref(), Some("4.50.128"));
    assert_eq!(
        slack.identifier.as_deref(),
        Some("com.tinyspeck.slackmacgap")
    );
    assert_eq!(
        slack.install_location.as_deref(),
        Some("/Applications/Slack.app")
    );
    assert_eq!(slack.source, Source::MacosApp);
    assert_eq!(slack.key, "slack|4.50.128|");

    let ghostty = app(
        "Ghostty.app__Contents__Info.plist__syft",
        "/Applications/Ghostty.app",
    );
    assert_eq!(ghostty.name, "Ghostty");
    assert_eq!(ghostty.version.as_deref(), Some("1.3.1"));
    assert_eq!(ghostty.identifier.as_deref(), Some("com.mitchellh.ghostty"));

    let binary = app(
        "gMacInformation.app__Info.plist__binary__scalibr",
        "/Applications/gMacInformation.app",
    );
    assert_eq!(binary.name, "gMacInformation");
    assert_eq!(binary.version.as_deref(), Some("202410231131"));
    assert_eq!(
        binary.identifier.as_deref(),
        Some("com.google.corp.gMacInformation")
    );

    // Decision: no CFBundleShortVersionString → unknown version, not the build number 6723.69.
    let chrome = app(
        "Chrome-no-CFBundleShortVersionString__Info.plist__scalibr",
        "/Applications/Google Chrome.app",
    );
    assert_eq!(chrome.name, "Chrome");
    assert_eq!(chrome.version, None);
    assert_eq!(chrome.identifier.as_deref(), Some("com.google.Chrome"));
}

#[test]
fn macos_application_walker() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let slack = fs::read(data("macos/apps/Slack.app__Contents__Info.plist__syft")).unwrap();
    let ghostty = fs::read(data("macos/apps/Ghostty.app__Contents__Info.plist__syft")).unwrap();
    let binary = fs::read(data(
        "macos/apps/gMacInformation.app__Info.plist__binary__scalibr",
    ))
    .unwrap();
    write(
        &r.join("Applications/Slack.app/Contents/Info.plist"),
        &slack,
    );
    write(
        &r.join("Applications/Utilities/Ghostty.app/Contents/Info.plist"),
        &ghostty,
    );
    write(
        &r.join("System/Applications/gMac.app/Contents/Info.plist"),
        &binary,
    );
    write(
        &r.join("Users/alice/Applications/Mine.app/Contents/Info.plist"),
        &slack,
    );
    // Too deep, inside another bundle, without Info.plist, or damaged.
    write(
        &r.join("Applications/a/b/Deep.app/Contents/Info.plist"),
        &slack,
    );
    write(
        &r.join("Applications/Slack.app/Contents/Frameworks/Helper.app/Contents/Info.plist"),
        &slack,
    );
    fs::create_dir_all(r.join("Applications/Empty.app")).unwrap();
    write(
        &r.join("Applications/Broken.app/Contents/Info.plist"),
        b"<plist><dict><key>",
    );

    let (software, warnings) = macos_plist::read_applications(r);
    let locations: Vec<&str> = software
        .iter()
        .map(|s| s.install_location.as_deref().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "/Applications/Slack.app",
            "/Applications/Utilities/Ghostty.app",
            "/System/Applications/gMac.app",
            "/Users/alice/Applications/Mine.app",
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.starts_with("/Applications/Broken.app"));

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        macos_plist::read_applications(empty.path()),
        (Vec::new(), Vec::new())
    );
}
