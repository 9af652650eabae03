//! rpm's ordering: every row of rpm's `rpmvercmp.at`, the oddities it documents, whole
//! `[epoch:]version[-release]` strings, huge numbers, and the upstream part.

use super::*;

/// Every `RPMVERCMP(a, b, result)` row of rpm's `tests/rpmvercmp.at`
/// (rpm-software-management/rpm), including the tilde and caret cases.
const RPMVERCMP_AT: &[(&str, &str, i8)] = &[
    ("1.0", "1.0", 0),
    ("1.0", "2.0", -1),
    ("2.0", "1.0", 1),
    ("2.0.1", "2.0.1", 0),
    ("2.0", "2.0.1", -1),
    ("2.0.1", "2.0", 1),
    ("2.0.1a", "2.0.1a", 0),
    ("2.0.1a", "2.0.1", 1),
    ("2.0.1", "2.0.1a", -1),
    ("5.5p1", "5.5p1", 0),
    ("5.5p1", "5.5p2", -1),
    ("5.5p2", "5.5p1", 1),
    ("5.5p10", "5.5p10", 0),
    ("5.5p1", "5.5p10", -1),
    ("5.5p10", "5.5p1", 1),
    ("10xyz", "10.1xyz", -1),
    ("10.1xyz", "10xyz", 1),
    ("xyz10", "xyz10", 0),
    ("xyz10", "xyz10.1", -1),
    ("xyz10.1", "xyz10", 1),
    ("xyz.4", "xyz.4", 0),
    ("xyz.4", "8", -1),
    ("8", "xyz.4", 1),
    ("xyz.4", "2", -1),
    ("2", "xyz.4", 1),
    ("5.5p2", "5.6p1", -1),
    ("5.6p1", "5.5p2", 1),
    ("5.6p1", "6.5p1", -1),
    ("6.5p1", "5.6p1", 1),
    ("6.0.rc1", "6.0", 1),
    ("6.0", "6.0.rc1", -1),
    ("10b2", "10a1", 1),
    ("10a2", "10b2", -1),
    ("1.0aa", "1.0aa", 0),
    ("1.0a", "1.0aa", -1),
    ("1.0aa", "1.0a", 1),
    ("10.0001", "10.0001", 0),
    ("10.0001", "10.1", 0),
    ("10.1", "10.0001", 0),
    ("10.0001", "10.0039", -1),
    ("10.0039", "10.0001", 1),
    ("4.999.9", "5.0", -1),
    ("5.0", "4.999.9", 1),
    ("20101121", "20101121", 0),
    ("20101121", "20101122", -1),
    ("20101122", "20101121", 1),
    ("2_0", "2_0", 0),
    ("2.0", "2_0", 0),
    ("2_0", "2.0", 0),
    // RhBug:178798
    ("a", "a", 0),
    ("a+", "a+", 0),
    ("a+", "a_", 0),
    ("a_", "a+", 0),
    ("+a", "+a", 0),
    ("+a", "_a", 0),
    ("_a", "+a", 0),
    ("+_", "+_", 0),
    ("_+", "+_", 0),
    ("_+", "_+", 0),
    ("+", "_", 0),
    ("_", "+", 0),
    // Tilde
    ("1.0~rc1", "1.0~rc1", 0),
    ("1.0~rc1", "1.0", -1),
    ("1.0", "1.0~rc1", 1),
    ("1.0~rc1", "1.0~rc2", -1),
    ("1.0~rc2", "1.0~rc1", 1),
    ("1.0~rc1~git123", "1.0~rc1~git123", 0),
    ("1.0~rc1~git123", "1.0~rc1", -1),
    ("1.0~rc1", "1.0~rc1~git123", 1),
    // Caret
    ("1.0^", "1.0^", 0),
    ("1.0^", "1.0", 1),
    ("1.0", "1.0^", -1),
    ("1.0^git1", "1.0^git1", 0),
    ("1.0^git1", "1.0", 1),
    ("1.0", "1.0^git1", -1),
    ("1.0^git1", "1.0^git2", -1),
    ("1.0^git2", "1.0^git1", 1),
    ("1.0^git1", "1.01", -1),
    ("1.01", "1.0^git1", 1),
    ("1.0^20160101", "1.0^20160101", 0),
    ("1.0^20160101", "1.0.1", -1),
    ("1.0.1", "1.0^20160101", 1),
    ("1.0^20160101^git1", "1.0^20160101^git1", 0),
    ("1.0^20160102", "1.0^20160101^git1", 1),
    ("1.0^20160101^git1", "1.0^20160102", -1),
    // Tilde and caret
    ("1.0~rc1^git1", "1.0~rc1^git1", 0),
    ("1.0~rc1^git1", "1.0~rc1", 1),
    ("1.0~rc1", "1.0~rc1^git1", -1),
    ("1.0^git1~pre", "1.0^git1~pre", 0),
    ("1.0^git1", "1.0^git1~pre", 1),
    ("1.0^git1~pre", "1.0^git1", -1),
];

/// The "oddities" rpmvercmp.at keeps commented out to document rpm's actual behaviour
/// (RhBug:811992, and non-ASCII bytes acting as separators).
const RPMVERCMP_ODDITIES: &[(&str, &str, i8)] = &[
    ("1b.fc17", "1b.fc17", 0),
    ("1b.fc17", "1.fc17", -1),
    ("1.fc17", "1b.fc17", 1),
    ("1g.fc17", "1g.fc17", 0),
    ("1g.fc17", "1.fc17", 1),
    ("1.fc17", "1g.fc17", -1),
    ("1.1.α", "1.1.α", 0),
    ("1.1.α", "1.1.β", 0),
    ("1.1.β", "1.1.α", 0),
    ("1.1.αα", "1.1.α", 0),
    ("1.1.α", "1.1.ββ", 0),
    ("1.1.ββ", "1.1.αα", 0),
];

/// Whole `[epoch:]version[-release]` strings as `rpm -q` reports them.
const EVR: &[(&str, &str, i8)] = &[
    ("1:1.0-1", "2.0-1", 1),
    ("0:1.0-1", "1.0-1", 0),
    (":1.0-1", "0:1.0-1", 0),
    ("1:3.0.7-27.el9", "1:3.0.7-28.el9", -1),
    ("1:3.0.7-27.el9", "1:3.0.7-3.el9", 1),
    ("3.0.7-27.el9", "1:3.0.1-1.el9", -1),
    ("2.34-100.el9_4.2", "2.34-100.el9_4.10", -1),
    ("5.14.0-427.13.1.el9_4", "5.14.0-427.40.1.el9_4", -1),
    ("1.0~rc1-1", "1.0-1", -1),
    ("1.0^git1-1", "1.0-1", 1),
    // A missing release sorts as an empty one (rpm would skip the release; see rpm.rs).
    ("1.0", "1.0-1", -1),
    ("2.0", "1.0-5", 1),
];

#[test]
fn rpmvercmp_at_table() {
    check_table("rpmvercmp.at", RPMVERCMP_AT, rpm::rpmvercmp);
}

#[test]
fn rpmvercmp_documented_oddities() {
    check_table("rpmvercmp.at oddities", RPMVERCMP_ODDITIES, rpm::rpmvercmp);
}

#[test]
fn evr_compare() {
    check_table("EVR", EVR, rpm::compare);
}

#[test]
fn huge_numbers_do_not_overflow() {
    check_increasing(
        &[
            "99999999999999999999998",
            "99999999999999999999999",
            "100000000000000000000000",
        ],
        rpm::rpmvercmp,
    );
    assert_eq!(rpm::rpmvercmp("000000000000000000000000001", "1"), Equal);
}

#[test]
fn upstream_strips_epoch_and_release() {
    assert_eq!(rpm::upstream("1:3.0.7-27.el9"), "3.0.7");
    assert_eq!(rpm::upstream("3.0.7-27.el9"), "3.0.7");
    assert_eq!(rpm::upstream("3.0.7"), "3.0.7");
    assert_eq!(rpm::upstream("1:3.0.7"), "3.0.7");
    assert_eq!(rpm::upstream("1.0-1-2"), "1.0-1");
    assert_eq!(rpm::upstream(""), "");
}
