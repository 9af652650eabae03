//! Flatpak and Snap on small built trees.

use std::fs;

use sunset_agent::parse::{flatpak, snap};
use sunset_catalog::inventory::Source;

use crate::util::{find, write};

#[test]
fn flatpak_apps_and_runtimes() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let app = r.join("var/lib/flatpak/app/org.gimp.GIMP/x86_64/stable/active");
    write(
        &app.join("metadata"),
        "[Application]\nname=org.gimp.GIMP\nruntime=org.gnome.Platform/x86_64/45\n",
    );
    write(
        &app.join("files/share/metainfo/org.gimp.GIMP.metainfo.xml"),
        r#"<?xml version="1.0"?><component type="desktop-application"><id>org.gimp.GIMP</id>
        <releases><release version="2.10.36" date="2023-11-07"/><release version="2.10.34"/></releases>
        </component>"#,
    );
    let runtime = r.join("var/lib/flatpak/runtime/org.gnome.Platform/x86_64/45/active");
    write(
        &runtime.join("metadata"),
        "[Runtime]\nname=org.gnome.Platform\n",
    );
    let no_version = r.join("var/lib/flatpak/app/org.example.Bare/aarch64/beta/active");
    write(
        &no_version.join("metadata"),
        "[Application]\nname=org.example.Bare\n",
    );
    // An undeployed branch (no active/metadata) is skipped.
    fs::create_dir_all(r.join("var/lib/flatpak/app/org.example.Gone/x86_64/stable")).unwrap();

    let (software, warnings) = flatpak::read_installed(r);
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = software
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("org.example.Bare", None, Some("aarch64")),
            ("org.gimp.GIMP", Some("2.10.36"), Some("x86_64")),
            ("org.gnome.Platform", Some("45"), Some("x86_64")),
        ]
    );
    let gimp = find(&software, "org.gimp.GIMP");
    assert_eq!(gimp.source, Source::Flatpak);
    assert_eq!(gimp.identifier.as_deref(), Some("org.gimp.GIMP"));
    assert_eq!(
        gimp.install_location.as_deref(),
        Some("/var/lib/flatpak/app/org.gimp.GIMP/x86_64/stable")
    );

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        flatpak::read_installed(empty.path()),
        (Vec::new(), Vec::new())
    );
}

#[test]
fn snap_mounted_and_unmounted() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(
        &r.join("snap/firefox/current/meta/snap.yaml"),
        "name: firefox\nversion: 128.0.3-1\nsummary: Mozilla Firefox web browser\n",
    );
    write(&r.join("snap/README"), "not a snap");
    fs::create_dir_all(r.join("snap/bin")).unwrap();
    for file in ["firefox_4650.snap", "core22_1380.snap", "core22_1439.snap"] {
        write(&r.join("var/lib/snapd/snaps").join(file), b"hsqs");
    }
    fs::create_dir_all(r.join("var/lib/snapd/snaps/partial")).unwrap();

    let (software, warnings) = snap::read_installed(r);
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<(&str, Option<&str>)> = software
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect();
    assert_eq!(got, [("core22", None), ("firefox", Some("128.0.3-1"))]);
    assert_eq!(
        find(&software, "firefox").install_location.as_deref(),
        Some("/snap/firefox/current")
    );
    assert_eq!(find(&software, "firefox").source, Source::Snap);

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(snap::read_installed(empty.path()), (Vec::new(), Vec::new()));
}
