//! Java versions: every spelling of a runtime normalised to one, majors, and order.

use super::*;

#[test]
fn normalises_every_spelling() {
    for (text, numbers, build) in [
        ("1.8.0_391", &[8, 0, 391][..], None),
        ("8u391", &[8, 0, 391], None),
        ("1.8.0_391-b13", &[8, 0, 391], Some(13)),
        ("8u391-b13", &[8, 0, 391], Some(13)),
        ("8u391b13", &[8, 0, 391], Some(13)),
        ("jdk8u391-b13", &[8, 0, 391], Some(13)),
        ("8.0.3910.13", &[8, 0, 391], Some(13)),
        ("8.0.510.16", &[8, 0, 51], Some(16)),
        ("8.0.392.8", &[8, 0, 392, 8], None),
        ("21.0.2+13", &[21, 0, 2], Some(13)),
        ("jdk-21.0.2+13-LTS", &[21, 0, 2], Some(13)),
        ("17.0.9+9-Ubuntu-122.04", &[17, 0, 9], Some(9)),
        ("11.0.21.9", &[11, 0, 21, 9], None),
        ("1.6.0_45", &[6, 0, 45], None),
        ("17", &[17], None),
    ] {
        let v = java::parse(text);
        assert_eq!(v.components(), numbers, "{text}");
        assert_eq!(v.build(), build, "{text}");
        assert_eq!(v.to_string(), text);
    }
}

#[test]
fn spellings_of_the_same_runtime_are_equal() {
    let same = ["1.8.0_391-b13", "8u391-b13", "8.0.3910.13", "jdk8u391-b13"];
    for a in same {
        for b in same {
            assert_eq!(java::parse(a), java::parse(b), "{a} vs {b}");
        }
    }
    assert_eq!(java::parse("1.8.0_391"), java::parse("8u391"));
}

#[test]
fn majors() {
    for (text, major) in [
        ("1.8.0_391", Some(8)),
        ("8u391", Some(8)),
        ("8.0.3910.13", Some(8)),
        ("21.0.2+13", Some(21)),
        ("jdk-21.0.2+13-LTS", Some(21)),
        ("11.0.21.9", Some(11)),
        ("1.7.0_80", Some(7)),
        ("", None),
        ("java", None),
    ] {
        assert_eq!(java::major(text), major, "{text:?}");
    }
}

#[test]
fn order() {
    check_increasing(
        &[
            "1.7.0_80",
            "1.8.0_381",
            "8u391",
            "1.8.0_391-b13",
            "8.0.3910.14",
            "8u401",
            "11.0.21",
            "11.0.21.9",
            "17.0.9",
            "21-ea+35",
            "21",
            "21.0.2",
            "21.0.2+13",
            "21.0.2+14",
            "21.0.3+9",
        ],
        |a, b| Scheme::Java.compare(a, b),
    );
}
