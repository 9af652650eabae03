//! Version ranges per scheme: containment, display and serialisation, overlapping cycles, and
//! errors that quote the offending part.

use super::*;

fn check_contains(scheme: Scheme, text: &str, inside: &[&str], outside: &[&str]) {
    let r = range(scheme, text);
    for v in inside {
        assert!(r.contains(v), "{text:?} ({scheme:?}) should contain {v:?}");
    }
    for v in outside {
        assert!(
            !r.contains(v),
            "{text:?} ({scheme:?}) should not contain {v:?}"
        );
    }
}

#[test]
fn dotted_contains() {
    let d = Scheme::Dotted;
    check_contains(
        d,
        "3.11.*",
        &["3.11", "3.11.4", "3.11.0rc1", "v3.11.9"],
        &["3.1", "3.110.0", "3.12.0a1", "3.10.14", "garbage", ""],
    );
    check_contains(
        d,
        "10.0.19045.*",
        &["10.0.19045.5247", "10.0.19045"],
        &["10.0.19044.1", "10.0.190450"],
    );
    check_contains(d, "*", &["1", "0.0.1", "2016 R2"], &["", "garbage"]);
    check_contains(
        d,
        ">=10.0.19041, <10.0.19042",
        &["10.0.19041", "10.0.19041.1415"],
        &["10.0.19040.9999", "10.0.19042", "10.0.19042.1"],
    );
    check_contains(d, "=3.11", &["3.11", "3.11.0"], &["3.11.4", "3.11.0rc1"]);
    check_contains(d, "3.11.4", &["3.11.4", "3.11.4.0"], &["3.11.5", "3.11"]);
    check_contains(d, ">3.11", &["3.11.1", "3.12"], &["3.11.0", "3.11.0rc1"]);
    check_contains(d, "<=3.11", &["3.11", "3.10", "3.11.0rc1"], &["3.11.1"]);
    // `<X` stops before X's pre-releases: a series and its pre-releases belong to one cycle.
    check_contains(
        d,
        "< 3.12",
        &["3.11.9", "3.11.99rc1"],
        &["3.12", "3.12.0rc1"],
    );
}

#[test]
fn java_contains() {
    let j = Scheme::Java;
    check_contains(
        j,
        "8.*",
        &["1.8.0_391", "8u391", "8.0.3910.13", "jdk8u391-b13"],
        &["11.0.21.9", "1.7.0_80", "18"],
    );
    check_contains(j, "1.8.*", &["8u391"], &["11.0.1"]);
    check_contains(j, "11.*", &["11.0.21.9", "11.0.21+9"], &["1.8.0_391"]);
    check_contains(
        j,
        ">=1.8.0_381, <1.8.0_401",
        &["8u391", "8.0.3910.13"],
        &["8u401"],
    );
    check_contains(j, "21.*", &["21.0.2+13", "21-ea+35"], &["17.0.9"]);
}

#[test]
fn debian_contains() {
    let d = Scheme::Debian;
    check_contains(
        d,
        "3.0.*",
        &["3.0.2-0ubuntu1.15", "3.0.11-1~deb12u2", "1:3.0.2-1"],
        &["3.1.0-1", "1.1.1w-0+deb11u1", "3.01"],
    );
    check_contains(
        d,
        ">=2.4.7-1, <2.4.8",
        &["2.4.7-1", "2.4.7-1ubuntu0.2", "2.4.8~rc1-1"],
        &["2.4.7", "2.4.8", "1:2.4.7-1"],
    );
    check_contains(d, ">=1:2.4", &["1:2.4.7-1"], &["2.4.9-1"]);
}

#[test]
fn rpm_contains() {
    let r = Scheme::Rpm;
    check_contains(
        r,
        "3.0.*",
        &["1:3.0.7-27.el9", "3.0.7-27.el9"],
        &["1:1.1.1k-12.el8_9", "3.1.0"],
    );
    check_contains(
        r,
        ">=3.0.7-27.el9",
        &["3.0.7-28.el9", "3.0.8-1.el9", "1:3.0.1"],
        &["3.0.7-3.el9", "3.0.7"],
    );
    check_contains(r, "<1.0.0", &["1.0.0~rc1"], &["1.0.0^git1", "1.0.0"]);
}

#[test]
fn semver_contains() {
    let s = Scheme::Semver;
    check_contains(s, "^1.2", &["1.4.0", "v1.9.9", "1.2"], &["2.0.0", "1.1.9"]);
    // semver hides pre-releases unless the requirement names one of the same numbers.
    check_contains(s, "^1.2", &[], &["1.3.0-rc.1"]);
    check_contains(
        s,
        ">=1.3.0-rc.1",
        &["1.3.0-rc.2", "1.3.0"],
        &["1.3.0-beta.1"],
    );
    // A bare version is a caret requirement, as in Cargo.
    check_contains(s, "1.2.3", &["1.2.3", "1.9.0"], &["2.0.0"]);
    check_contains(s, ">=1.2.3, <2", &["1.2.3", "1.99.0"], &["2.0.0", "1.2.2"]);
    check_contains(s, "10.0.*", &["10.0.19045.5247"], &["10.1.0"]);
    check_contains(s, "*", &["0.0.1"], &["unknown"]);
}

#[test]
fn display_and_serialise_give_back_the_text() -> Result<(), serde_json::Error> {
    let r = range(Scheme::Dotted, "  >=3.11, <3.12 ");
    assert_eq!(r.to_string(), ">=3.11, <3.12");
    assert_eq!(r.as_str(), ">=3.11, <3.12");
    assert_eq!(r.scheme(), Scheme::Dotted);
    assert_eq!(serde_json::to_string(&r)?, "\">=3.11, <3.12\"");
    assert_eq!(range(Scheme::Semver, "^1.2").to_string(), "^1.2");
    Ok(())
}

fn overlaps(scheme: Scheme, a: &str, b: &str) -> bool {
    let (a, b) = (range(scheme, a), range(scheme, b));
    let answer = a.overlaps(&b);
    assert_eq!(b.overlaps(&a), answer, "overlaps must be symmetric");
    answer
}

#[test]
fn overlapping_cycles() {
    for (scheme, a, b, expected) in [
        (Scheme::Dotted, "3.11.*", "3.12.*", false),
        (Scheme::Dotted, "3.11.*", "3.1.*", false),
        (Scheme::Dotted, "3.11.*", "3.110.*", false),
        (Scheme::Dotted, "3.*", "3.11.*", true),
        (Scheme::Dotted, "3.11.*", "3.11.0.*", true),
        (Scheme::Dotted, "*", "3.11.*", true),
        (
            Scheme::Dotted,
            ">=10.0.19041, <10.0.19042",
            "10.0.19041.*",
            true,
        ),
        (
            Scheme::Dotted,
            ">=10.0.19041, <10.0.19042",
            "10.0.19040.*",
            false,
        ),
        (
            Scheme::Dotted,
            ">=10.0.19041, <10.0.19042",
            ">=10.0.19042",
            false,
        ),
        (Scheme::Dotted, "<=10.0.19042", ">=10.0.19042", true),
        (Scheme::Dotted, "<10.0.19042", ">10.0.19041.9999", true),
        (Scheme::Dotted, "=3.11", "3.11.0", true),
        (Scheme::Dotted, "3.11.4", "3.11.5", false),
        (Scheme::Dotted, ">=3.12", "3.11.*", false),
        (Scheme::Dotted, "<3.11", "3.11.*", false), // 3.11.0rc1 belongs to 3.11.* only
        (Scheme::Dotted, "<3.11.dev0", "3.11.*", false), // 3.11.dev0 starts the 3.11 block
        (Scheme::Dotted, ">1", "<1a", true),        // conservative: nothing lies between them
        (Scheme::Java, "8.*", "11.*", false),
        (Scheme::Java, "1.8.*", "8.*", true),
        (Scheme::Java, "<9", "8.*", true),
        (Scheme::Java, ">=9", "1.8.*", false),
        (Scheme::Debian, "3.0.*", "1.1.*", false),
        (Scheme::Debian, ">=1.0, <2.0", ">=2.0", false),
        (Scheme::Debian, ">=1.0~, <2.0~", ">=2.0~rc1", false),
        (Scheme::Debian, ">=1.0~, <2.0~", ">=2.0~~", true),
        (Scheme::Debian, "3.0.*", ">=4", true), // conservative: patterns read upstream only
        (Scheme::Rpm, "3.0.*", "1.1.*", false),
        (Scheme::Rpm, "<1.0", ">=1.0~rc1", true),
        (Scheme::Rpm, "<1.0~rc1", ">=1.0", false),
        (Scheme::Semver, "^1.2", "^2", false),
        (Scheme::Semver, ">=1.2, <1.5", "~1.4", true),
        (Scheme::Semver, "1.*", "2.*", false),
        (Scheme::Semver, "^0.2", "^0.3", false),
        (Scheme::Semver, "*", "^0.3", true),
        (Scheme::Semver, "<1.5.0", ">=1.5.0-rc.1", true),
    ] {
        assert_eq!(
            overlaps(scheme, a, b),
            expected,
            "{scheme:?}: {a:?} vs {b:?}"
        );
    }
}

#[test]
fn ranges_of_different_schemes_are_assumed_to_overlap() {
    let a = range(Scheme::Dotted, "3.11.*");
    let b = range(Scheme::Debian, "3.12.*");
    assert!(a.overlaps(&b));
}

#[test]
fn errors_quote_the_offending_part() {
    let d = Scheme::Dotted;
    for (scheme, text, expected, message) in [
        (
            d,
            "",
            RangeError::Empty,
            "empty version range: write `*` to match every version",
        ),
        (d, "   ", RangeError::Empty, "empty version range"),
        (
            d,
            "3.11.*,,3.12",
            RangeError::EmptyConstraint {
                range: "3.11.*,,3.12".into(),
            },
            "empty constraint in `3.11.*,,3.12`",
        ),
        (
            d,
            ">=3.11,",
            RangeError::EmptyConstraint {
                range: ">=3.11,".into(),
            },
            "remove the stray comma",
        ),
        (
            d,
            "~>3.1",
            RangeError::UnknownOperator {
                operator: "~>".into(),
                constraint: "~>3.1".into(),
            },
            "unknown operator `~>` in `~>3.1`",
        ),
        (
            d,
            ">=1, !=3",
            RangeError::UnknownOperator {
                operator: "!=".into(),
                constraint: "!=3".into(),
            },
            "unknown operator `!=` in `!=3`",
        ),
        (
            d,
            "==3",
            RangeError::UnknownOperator {
                operator: "==".into(),
                constraint: "==3".into(),
            },
            "unknown operator `==`",
        ),
        (
            d,
            ">=",
            RangeError::MissingVersion {
                operator: ">=".into(),
                constraint: ">=".into(),
            },
            "no version after operator `>=` in `>=`",
        ),
        (
            d,
            "<  , >1",
            RangeError::MissingVersion {
                operator: "<".into(),
                constraint: "<".into(),
            },
            "no version after operator `<`",
        ),
        (
            d,
            ">=abc",
            RangeError::NoNumber {
                constraint: ">=abc".into(),
            },
            "`>=abc` has no version number",
        ),
        (
            d,
            ">=1.0 <2.0",
            RangeError::Space {
                constraint: ">=1.0 <2.0".into(),
            },
            "`>=1.0 <2.0` contains a space: separate constraints with commas",
        ),
        (
            d,
            "3.*.1",
            RangeError::BadPrefix {
                constraint: "3.*.1".into(),
            },
            "bad prefix pattern `3.*.1`",
        ),
        (
            d,
            ">=3.*",
            RangeError::BadPrefix {
                constraint: ">=3.*".into(),
            },
            "`>=3.*`",
        ),
        (
            d,
            "3.x.*",
            RangeError::BadPrefix {
                constraint: "3.x.*".into(),
            },
            "`3.x.*`",
        ),
        (
            d,
            ">=2, <1",
            RangeError::Contradictory {
                first: ">=2".into(),
                second: "<1".into(),
            },
            "contradictory bounds `>=2` and `<1`: no version satisfies both",
        ),
        (
            d,
            "3.11.*, 3.12.*",
            RangeError::Contradictory {
                first: "3.11.*".into(),
                second: "3.12.*".into(),
            },
            "contradictory bounds `3.11.*` and `3.12.*`",
        ),
        (
            d,
            ">1, <=1",
            RangeError::Contradictory {
                first: ">1".into(),
                second: "<=1".into(),
            },
            "contradictory bounds",
        ),
        (
            Scheme::Debian,
            ">=1:1.0, <2.0",
            RangeError::Contradictory {
                first: ">=1:1.0".into(),
                second: "<2.0".into(),
            },
            "contradictory bounds `>=1:1.0` and `<2.0`",
        ),
        (
            Scheme::Semver,
            ">=2, <1",
            RangeError::Contradictory {
                first: ">=2".into(),
                second: "<1".into(),
            },
            "contradictory bounds `>=2` and `<1`",
        ),
    ] {
        let error = range_error(scheme, text);
        assert_eq!(error, expected, "{text:?}");
        assert!(
            error.to_string().contains(message),
            "{text:?}: {error} should mention {message:?}"
        );
    }
}

#[test]
fn semver_errors_carry_the_crate_reason() {
    let error = range_error(Scheme::Semver, ">=1.2.3.4");
    assert!(matches!(error, RangeError::Semver { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("invalid semver requirement `>=1.2.3.4`: ")
    );
}
