//! Property tests: ordering laws (reflexive, antisymmetric, transitive, consistent with equality
//! and hashing) for every scheme, and that ranges never panic, overlap soundly and contradict only
//! when they must.

use super::*;

/// Version-like strings that exercise separators, tildes, carets, epochs and huge numbers.
fn version_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        concat!(
            "([0-9]{1,3}:)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}",
            "([~^+._-]?[a-c0-9]{0,3}){0,3}(-[0-9a-z.~+]{1,5})?"
        ),
        "[0-9.~^a-zA-Z+_:-]{0,10}",
        "[0-9]{18,25}(\\.[0-9]{18,25})?",
        "(1\\.)?[0-9]{1,2}(\\.[0-9]){0,2}([_u][0-9]{1,3})?(-b[0-9]{1,2}|\\+[0-9]{1,2})?",
        any::<String>(),
    ]
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(SCHEMES.to_vec())
}

proptest! {
    #[test]
    fn compare_is_reflexive(scheme in scheme(), a in version_like()) {
        prop_assert_eq!(scheme.compare(&a, &a), Equal);
    }

    #[test]
    fn compare_is_antisymmetric(scheme in scheme(), a in version_like(), b in version_like()) {
        prop_assert_eq!(scheme.compare(&a, &b), scheme.compare(&b, &a).reverse());
    }

    #[test]
    fn compare_is_transitive(
        scheme in scheme(),
        a in version_like(),
        b in version_like(),
        c in version_like(),
    ) {
        let ab = scheme.compare(&a, &b);
        let bc = scheme.compare(&b, &c);
        let ac = scheme.compare(&a, &c);
        if ab != Greater && bc != Greater {
            prop_assert_ne!(ac, Greater, "{:?} <= {:?} <= {:?}", a, b, c);
        }
        if ab == Equal && bc == Equal {
            prop_assert_eq!(ac, Equal);
        }
    }

    /// Sorting then checking every pair catches intransitive cycles triples rarely hit.
    #[test]
    fn sorted_lists_are_consistent(
        scheme in scheme(),
        mut list in prop::collection::vec(version_like(), 2..24),
    ) {
        list.sort_by(|a, b| scheme.compare(a, b));
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                prop_assert_ne!(scheme.compare(a, b), Greater, "{:?} sorted before {:?}", a, b);
            }
        }
    }

    #[test]
    fn rpmvercmp_and_dpkg_laws(a in version_like(), b in version_like()) {
        prop_assert_eq!(rpm::rpmvercmp(&a, &b), rpm::rpmvercmp(&b, &a).reverse());
        prop_assert_eq!(debian::compare(&a, &b), debian::compare(&b, &a).reverse());
    }

    #[test]
    fn lenient_eq_ord_and_hash_agree(a in version_like(), b in version_like()) {
        use std::hash::{BuildHasher, RandomState};
        let (va, vb) = (Version::parse(&a), Version::parse(&b));
        prop_assert_eq!(va == vb, va.cmp(&vb) == Equal);
        if va == vb {
            let hasher = RandomState::new();
            prop_assert_eq!(hasher.hash_one(&va), hasher.hash_one(&vb));
        }
    }

    #[test]
    fn upstream_and_java_never_panic(a in any::<String>()) {
        let _ = debian::upstream(&a);
        let _ = rpm::upstream(&a);
        let _ = java::major(&a);
        let _ = Version::parse(&a).to_string();
    }

    #[test]
    fn ranges_never_panic(scheme in scheme(), text in any::<String>(), v in version_like()) {
        if let Ok(r) = VersionRange::parse(scheme, &text) {
            let _ = r.contains(&v);
            let _ = r.overlaps(&r);
        }
    }

    /// `overlaps` may only say "no" when no version is in both ranges, and a range the
    /// parser accepts as consistent must not be called disjoint from itself.
    #[test]
    fn overlaps_is_sound(
        scheme in scheme(),
        a in range_text(),
        b in range_text(),
        versions in prop::collection::vec(version_like(), 1..8),
    ) {
        let halves = (VersionRange::parse(scheme, &a), VersionRange::parse(scheme, &b));
        let (Ok(ra), Ok(rb)) = halves else {
            return Ok(());
        };
        prop_assert!(ra.overlaps(&ra), "{:?} disjoint from itself", a);
        if !ra.overlaps(&rb) {
            for v in &versions {
                prop_assert!(
                    !(ra.contains(v) && rb.contains(v)),
                    "{:?} is in {:?} and {:?}, said not to overlap", v, a, b
                );
            }
        }
    }

    /// A range rejected as contradictory really has no version in both halves.
    #[test]
    fn contradictions_are_real(
        scheme in scheme(),
        a in range_text(),
        b in range_text(),
        versions in prop::collection::vec(version_like(), 1..8),
    ) {
        let joined = format!("{a}, {b}");
        let halves = (VersionRange::parse(scheme, &a), VersionRange::parse(scheme, &b));
        if let (Err(RangeError::Contradictory { .. }), (Ok(ra), Ok(rb))) =
            (VersionRange::parse(scheme, &joined), halves)
        {
            for v in &versions {
                prop_assert!(
                    !(ra.contains(v) && rb.contains(v)),
                    "{:?} satisfies {:?}", v, joined
                );
            }
        }
    }
}

/// Small ranges over a small version space, so that overlaps and misses both happen.
fn range_text() -> impl Strategy<Value = String> {
    let version = "[0-2](\\.[0-2]){0,2}([~^]?(rc)?[0-2])?";
    let comparison = (
        prop::sample::select(vec!["", "=", ">", ">=", "<", "<="]),
        version,
    )
        .prop_map(|(op, v)| format!("{op}{v}"));
    let prefix = "[0-2](\\.[0-2]){0,2}\\.\\*";
    let one = prop_oneof![
        comparison,
        prefix.prop_map(String::from),
        Just("*".to_owned())
    ];
    prop::collection::vec(one, 1..3).prop_map(|parts| parts.join(", "))
}
