//! dpkg's ordering: the tables of dpkg's own tests (`Dpkg_Version.t`, `t-version.c`), the rules of
//! deb-version(5), huge numbers and epochs, and the upstream part of a package version.

use super::*;

/// The `__DATA__` table of dpkg's `scripts/t/Dpkg_Version.t` (guillemj/dpkg), which the
/// dpkg test suite checks against `dpkg --compare-versions`.
const DPKG_VERSION_T: &[(&str, &str, i8)] = &[
    ("1.0-1", "2.0-2", -1),
    ("2.2~rc-4", "2.2-1", -1),
    ("2.2-1", "2.2~rc-4", 1),
    ("1.0000-1", "1.0-1", 0),
    ("1", "0:1", 0),
    ("0", "0:0-0", 0),
    ("2:2.5", "1:7.5", 1),
    ("1:0foo", "0foo", 1),
    ("0:0foo", "0foo", 0),
    ("0foo", "0foo", 0),
    ("0foo-", "0foo", 0),
    ("0foo-", "0foo-0", 0),
    ("0foo", "0fo", 1),
    ("0foo-", "0foo+", -1),
    ("0foo~1", "0foo", -1),
    ("0foo~foo+Bar", "0foo~foo+bar", -1),
    ("0foo~~", "0foo~", -1),
    ("1~", "1", -1),
    (
        "12345+that-really-is-some-ver-0",
        "12345+that-really-is-some-ver-10",
        -1,
    ),
    ("0foo-0", "0foo-01", -1),
    ("0foo.bar", "0foobar", 1),
    ("0foo.bar", "0foo1bar", 1),
    ("0foo.bar", "0foo0bar", 1),
    ("0foo1bar-1", "0foobar-1", -1),
    ("0foo2.0", "0foo2", 1),
    ("0foo2.0.0", "0foo2.10.0", -1),
    ("0foo2.0", "0foo2.0.0", -1),
    ("0foo2.0", "0foo2.10", -1),
    ("0foo2.1", "0foo2.10", -1),
    ("1.09", "1.9", 0),
    ("1.0.8+nmu1", "1.0.8", 1),
    ("3.11", "3.10+nmu1", 1),
    ("0.9j-20080306-4", "0.9i-20070324-2", 1),
    ("1.2.0~b7-1", "1.2.0~b6-1", 1),
    ("1.011-1", "1.06-2", 1),
    ("0.0.9+dfsg1-1", "0.0.8+dfsg1-3", 1),
    ("4.6.99+svn6582-1", "4.6.99+svn6496-1", 1),
    ("53", "52", 1),
    ("0.9.9~pre122-1", "0.9.9~pre111-1", 1),
    ("2:2.3.2-2+lenny2", "2:2.3.2-2", 1),
    ("1:3.8.1-1", "3.8.GA-1", 1),
    ("1.0.1+gpl-1", "1.0.1-2", 1),
    ("1a", "1000a", -1),
    ("-0.6.5", "0.9.1", -1),
];

/// Equalities from dpkg's `lib/dpkg/t/t-version.c` (`parseversion` then compare).
const T_VERSION_C: &[(&str, &str, i8)] = &[
    ("0", "0:0", 0),
    ("0:0-", "0", 0),
    ("0:0-0", "0:0-00", 0),
    ("0:0.0-0.0", "0.0-0.0", 0),
    ("1:0", "1:0-", 0),
    ("0:0-0-0", "0-0-0", 0),
    ("0:0:0-0", "0:0:0-0", 0),
    ("  \t0:0-1", "0:0-1", 0),
    ("0:0-1\t  ", "0:0-1", 0),
    ("0:a-0", "0:b-0", -1),
    ("0:0-a", "0:0-b", -1),
    ("0:0-0", "1:0-0", -1),
];

/// deb-version(5) and Debian Policy §5.6.12, and the cases an estate meets daily.
const MANUAL: &[(&str, &str, i8)] = &[
    ("1.0~rc1", "1.0", -1),
    ("1.0~rc1-1", "1.0-1", -1),
    ("1:2.4.7-1", "2.4.8-1", 1),
    ("1:2.4.7-1ubuntu0.2", "1:2.4.7-1", 1),
    ("1:2.4.7-1ubuntu0.2", "1:2.4.7-1ubuntu0.10", -1),
    ("3.0.2-0ubuntu1.15", "3.0.2-0ubuntu1.9", 1),
    ("1.1.1n-0+deb11u5", "1.1.1w-0+deb11u1", -1),
    ("2.36-9+deb12u4", "2.36-9+deb12u10", -1),
    ("1.0", "1.0-0", 0),
    ("7.4.052-1ubuntu3", "7.4.052-1ubuntu3.1", -1),
];

#[test]
fn dpkg_version_t_table() {
    check_table("Dpkg_Version.t", DPKG_VERSION_T, debian::compare);
}

#[test]
fn t_version_c_table() {
    check_table("t-version.c", T_VERSION_C, debian::compare);
}

#[test]
fn manual_examples() {
    check_table("deb-version(5)", MANUAL, debian::compare);
}

/// deb-version(5): "the following parts are in sorted order: '~~', '~~a', '~', the empty
/// part, 'a'", as whole upstream versions and after a common number.
#[test]
fn tilde_sorts_before_everything_even_the_end() {
    check_increasing(&["~~", "~~a", "~", "", "a"], debian::compare);
    check_increasing(&["1~~", "1~~a", "1~", "1", "1a"], debian::compare);
}

/// deb-version(5): letters sort before non-letters.
#[test]
fn letters_sort_before_non_letters() {
    check_increasing(&["1a", "1z", "1+", "1.", "1:"], |a, b| {
        debian::compare(&format!("0:{a}"), &format!("0:{b}"))
    });
    check_increasing(&["1.0", "1.0a", "1.0+b1", "1.0.1"], debian::compare);
}

#[test]
fn huge_numbers_and_epochs_do_not_overflow() {
    check_increasing(
        &[
            "99999999999999999999998",
            "99999999999999999999999",
            "999999999999999999999999:0",
            "1000000000000000000000000:0",
        ],
        debian::compare,
    );
}

#[test]
fn upstream_strips_epoch_and_last_revision() {
    assert_eq!(debian::upstream("1:2.4.7-1ubuntu0.2"), "2.4.7");
    assert_eq!(debian::upstream("2.4.7"), "2.4.7");
    assert_eq!(debian::upstream("0:0-0-0"), "0-0");
    assert_eq!(debian::upstream("1:2:3-4"), "2:3");
    assert_eq!(debian::upstream(" 3.0.2-0ubuntu1.15 "), "3.0.2");
    assert_eq!(debian::upstream("a:1.0"), "a:1.0");
    assert_eq!(debian::upstream(""), "");
}
