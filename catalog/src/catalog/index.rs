//! The lookup from an inventory entry to the few rules that may match it: exact names and
//! identifiers in hash maps, every name pattern in one set of regexes.
//!
//! Evaluation asks this once per software entry — millions of times across an estate — so the
//! lookup works in caller-owned buffers ([`Lookup`]) and does per entry what the rules would
//! otherwise each redo: lower-case the name and run the patterns.

use foldhash::HashMap;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet, meta};

use super::model::Target;
use crate::inventory::Software;

/// Rules by the keys that select them. The maps hash with foldhash: its keys are the catalogue's,
/// and it is several times faster than the standard SipHash on short names.
#[derive(Debug, Default)]
pub(super) struct Index {
    names: HashMap<String, Vec<RuleRef>>,
    identifiers: HashMap<String, Vec<RuleRef>>,
    /// Every name pattern, as one set: configured as `regex::RegexSet` configures it, built with
    /// the engine directly so that a search reports into a caller's [`PatternSet`].
    patterns: Option<meta::Regex>,
    pattern_rules: Vec<RuleRef>,
    pub os: Vec<RuleRef>,
    pub hardware: Vec<RuleRef>,
}

/// A rule that may match a software entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    /// The rule.
    pub at: RuleRef,
    /// Whether its name pattern matched the entry's trimmed name.
    pub by_pattern: bool,
}

/// The lookup's answer for one software entry, in buffers reused from entry to entry.
#[derive(Debug)]
pub(crate) struct Lookup {
    /// Candidate rules, sorted by rule and without repeats; callers still check each.
    pub candidates: Vec<Candidate>,
    /// The entry's trimmed name, lower-cased.
    pub lower: String,
    /// Which name patterns matched.
    matched: PatternSet,
}

/// Which rule of which product: indexes into `Catalog::entries` and `Entry::rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RuleRef {
    pub entry: usize,
    pub rule: usize,
}

/// What the index needs of one rule: where it is, what it judges, and the keys it matches by.
/// (Handed in by the catalogue, so this module does not import the catalogue that imports it.)
pub(crate) struct RuleKeys<'a> {
    pub at: RuleRef,
    pub target: Target,
    pub names: &'a [String],
    pub identifiers: &'a [String],
    pub pattern: Option<&'a str>,
}

impl Index {
    /// Indexes every rule by its target and keys.
    pub fn build<'a>(rules: impl IntoIterator<Item = RuleKeys<'a>>) -> Result<Index, String> {
        let mut index = Index::default();
        let mut patterns = Vec::new();
        for rule in rules {
            let at = rule.at;
            match rule.target {
                Target::Os => index.os.push(at),
                Target::Hardware => index.hardware.push(at),
                Target::Software => {
                    for name in rule.names {
                        index.names.entry(name.clone()).or_default().push(at);
                    }
                    for id in rule.identifiers {
                        index.identifiers.entry(id.clone()).or_default().push(at);
                    }
                    if let Some(pattern) = rule.pattern {
                        patterns.push(pattern.to_string());
                        index.pattern_rules.push(at);
                    }
                }
            }
        }
        if !patterns.is_empty() {
            // What `regex::RegexSet::new` does, so that matching is unchanged.
            let config = meta::Config::new()
                .nfa_size_limit(Some(10 << 20))
                .hybrid_cache_capacity(2 << 20)
                .match_kind(MatchKind::All)
                .utf8_empty(true)
                .which_captures(WhichCaptures::None);
            let set = meta::Builder::new()
                .configure(config)
                .syntax(syntax::Config::new().utf8(true))
                .build_many(&patterns)
                .map_err(|e| format!("name patterns: {e}"))?;
            index.patterns = Some(set);
        }
        Ok(index)
    }

    /// Empty buffers for [`Index::software_candidates`].
    pub fn lookup(&self) -> Lookup {
        Lookup {
            candidates: Vec::new(),
            lower: String::new(),
            matched: PatternSet::new(self.patterns.as_ref().map_or(0, |p| p.pattern_len())),
        }
    }

    /// Fills `lookup` for `software`.
    pub fn software_candidates(&self, software: &Software, lookup: &mut Lookup) {
        let Lookup {
            candidates,
            lower,
            matched,
        } = lookup;
        candidates.clear();
        let name = software.name.trim();
        lower.clear();
        if name.is_ascii() {
            lower.push_str(name);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&name.to_lowercase());
        }
        let by_key = |&at: &RuleRef| Candidate {
            at,
            by_pattern: false,
        };
        if let Some(found) = self.names.get(lower.as_str()) {
            candidates.extend(found.iter().map(by_key));
        }
        if let Some(found) = software
            .identifier
            .as_ref()
            .and_then(|id| self.identifiers.get(id))
        {
            candidates.extend(found.iter().map(by_key));
        }
        if let Some(set) = &self.patterns {
            matched.clear();
            set.which_overlapping_matches(&Input::new(name), matched);
            // The set's flags are walked only as far as its last match (most entries match no
            // pattern, and a few at most).
            candidates.extend(matched.iter().take(matched.len()).map(|i| Candidate {
                at: self.pattern_rules[i.as_usize()],
                by_pattern: true,
            }));
        }
        // A rule found by key and by pattern is one candidate, marked as matched by pattern.
        candidates.sort_unstable_by_key(|c| (c.at, !c.by_pattern));
        candidates.dedup_by_key(|c| c.at);
    }
}
