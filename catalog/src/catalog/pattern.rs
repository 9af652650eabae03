//! A regex that is checked when the catalogue loads but compiled on first use.
//!
//! A catalogue has a few hundred patterns and one scan touches a handful of them; compiling them all
//! up front was most of an agent's start-up. Loading still parses every pattern, so a bad one is a
//! load error with its file and line, never a surprise during a scan. A rule's `name_glob` becomes
//! such a regex ([`glob_to_regex`]).

use std::fmt;
use std::sync::OnceLock;

use regex::{Captures, Regex};

/// A validated pattern, compiled lazily.
pub struct Pattern {
    source: String,
    /// Whether the text names a `version` group (a textual check, so it errs towards yes).
    version_group: bool,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// Checks `source` (the full regex text) and keeps it for compiling later.
    pub fn new(source: String) -> Result<Pattern, String> {
        // The syntax tree catches every mistake a catalogue author makes (unbalanced groups, bad
        // escapes, repetition errors) at a tenth of the cost of a full translation.
        regex_syntax::ast::parse::Parser::new()
            .parse(&source)
            .map_err(|e| e.to_string())?;
        Ok(Pattern {
            version_group: source.contains("<version>"),
            source,
            compiled: OnceLock::new(),
        })
    }

    /// The regex text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern may have a named group `version`; when not, its captures hold nothing
    /// an evaluation needs beyond whether it matched.
    pub fn may_capture_version(&self) -> bool {
        self.version_group
    }

    fn regex(&self) -> Option<&Regex> {
        // Parsed at load, so only a compiled-size limit could fail here: the rule then matches
        // nothing. `Catalog::compile_all` (run by the tests on the built-in catalogue) rules it out.
        self.compiled
            .get_or_init(|| Regex::new(&self.source).ok())
            .as_ref()
    }

    /// Compiles now; `false` if the regex engine refuses it.
    pub fn compiles(&self) -> bool {
        self.regex().is_some()
    }

    /// Whether the pattern matches `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|r| r.is_match(text))
    }

    /// The pattern's captures in `text`.
    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.regex()?.captures(text)
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// Translates a glob (`*`, `?`) into an unanchored regex body.
pub(super) fn glob_to_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() * 2);
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::glob_to_regex;

    #[test]
    fn globs_escape_regex_syntax() {
        assert_eq!(glob_to_regex("7-Zip *(x64)"), r"7\-Zip .*\(x64\)");
    }
}
