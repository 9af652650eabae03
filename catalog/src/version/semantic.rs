//! The semver scheme's reading of installed versions that may not be semver at all.
//!
//! A valid semver string (after trimming and dropping a leading `v`) is taken as it is. Anything
//! else is read leniently and coerced: the first three numbers become `major.minor.patch`
//! (missing ones are zero), a pre-release tag becomes a pre-release (`1.0rc1` → `1.0.0-rc.1`),
//! and further numbers and a post-release letter become build metadata
//! (`10.0.19045.5247` → `10.0.19045+5247`), which requirements ignore but the order uses last.

use semver::{BuildMetadata, Prerelease};

use crate::version::lenient::Version;
use crate::version::tag::Tag;

/// The semver version an installed version string stands for.
pub(crate) fn coerce(v: &str) -> semver::Version {
    let text = v.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    if let Ok(version) = semver::Version::parse(text) {
        return version;
    }
    let lenient = Version::parse(text);
    let numbers = lenient.components();
    let part = |i: usize| numbers.get(i).copied().unwrap_or(0);
    let mut version = semver::Version::new(part(0), part(1), part(2));
    let mut build: Vec<String> = numbers.iter().skip(3).map(u64::to_string).collect();
    while build.last().is_some_and(|n| n == "0") {
        build.pop();
    }
    match lenient.tag() {
        Tag::Pre(kind, number) => {
            let pre = format!("{}.{number}", kind.label());
            version.pre = Prerelease::new(&pre).unwrap_or(Prerelease::EMPTY);
        }
        Tag::Post(word, number) => {
            build.push(word.clone());
            if *number > 0 {
                build.push(number.to_string());
            }
        }
        Tag::Release => {}
    }
    if !build.is_empty() {
        version.build = BuildMetadata::new(&build.join(".")).unwrap_or(BuildMetadata::EMPTY);
    }
    version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_lenient_versions() {
        assert_eq!(coerce("v1.2.3-rc.1").to_string(), "1.2.3-rc.1");
        assert_eq!(coerce("3.11").to_string(), "3.11.0");
        assert_eq!(coerce("1.0rc1").to_string(), "1.0.0-rc.1");
        assert_eq!(coerce("10.0.19045.5247").to_string(), "10.0.19045+5247");
        assert_eq!(coerce("1.1.1w").to_string(), "1.1.1+w");
        assert_eq!(coerce("junk").to_string(), "0.0.0");
    }
}
