//! endoflife.date product pages (`products/<id>.md`): the releases of their YAML front matter.
//!
//! Only the front matter (between the first two `---` lines) is data. It is read from
//! saphyr-parser's events into a small tree, so that every value keeps its line (a problem names
//! `windows.md:123`) and its text as written (a plain `latest: 3.10` stays "3.10", not the number
//! 3.1). Anchors and aliases are refused: endoflife.date does not use them, and they would let a
//! small page expand into a huge tree.

use std::borrow::Cow;

use chrono::NaiveDate;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Largest page accepted, in bytes (the largest upstream page is about 100 KB).
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Deepest nesting accepted in the front matter.
const MAX_DEPTH: usize = 32;

/// A release field's value as the page writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A `YYYY-MM-DD` date.
    Date(NaiveDate),
    /// `true` or `false` (for support ends: ended with no date / no end announced).
    Flag(bool),
    /// Anything else, as written (`"16.0.4265.3 CU26"`, `10.0.19045`).
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Date(date) => write!(f, "{date}"),
            Value::Flag(flag) => write!(f, "{flag}"),
            Value::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// A field of a release with the line it is on (1-based, in the whole page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The value.
    pub value: Value,
    /// Its line.
    pub line: usize,
}

/// One entry of the page's `releases:` list. Absent and `null` fields are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRelease {
    /// `releaseCycle`: the cycle id the catalogue's `cycle` is matched with.
    pub cycle: String,
    /// Line of the entry's `releaseCycle`.
    pub line: usize,
    /// `releaseDate`.
    pub release_date: Option<Field>,
    /// `eoas`: end of active support.
    pub eoas: Option<Field>,
    /// `eol`: end of security support.
    pub eol: Option<Field>,
    /// `eoes`: end of paid extended support.
    pub eoes: Option<Field>,
    /// `lts`: a flag, or the date the cycle becomes LTS.
    pub lts: Option<Field>,
    /// `latest`: the latest version, sometimes free text.
    pub latest: Option<Field>,
    /// `link`: the release's reference page.
    pub link: Option<Field>,
}

/// A parsed product page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The releases, in page order.
    pub releases: Vec<PageRelease>,
    /// Entries that were skipped, and why (the rest of the page is still usable).
    pub warnings: Vec<PageError>,
}

impl Page {
    /// The release with this cycle id.
    pub fn release(&self, cycle: &str) -> Option<&PageRelease> {
        self.releases.iter().find(|r| r.cycle == cycle)
    }
}

/// Why a page (or one entry of it) could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PageError {
    /// 1-based line in the page.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl PageError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        PageError {
            line,
            message: message.into(),
        }
    }
}

/// Reads the releases of a product page.
pub fn parse_page(text: &str) -> Result<Page, PageError> {
    if text.len() > MAX_PAGE_BYTES {
        let message = format!(
            "page is {} bytes, more than the {MAX_PAGE_BYTES} accepted",
            text.len()
        );
        return Err(PageError::new(1, message));
    }
    let (yaml, first_line) = front_matter(text)?;
    let root = tree(yaml, first_line)?;
    let Node::Map { entries, .. } = &root else {
        return Err(PageError::new(first_line, "front matter is not a mapping"));
    };
    let Some((_, releases)) = entries.iter().find(|(key, _)| key == "releases") else {
        return Err(PageError::new(first_line, "front matter has no `releases`"));
    };
    let Node::Seq { items, .. } = releases else {
        return Err(PageError::new(releases.line(), "`releases` is not a list"));
    };
    let mut page = Page::default();
    for item in items {
        match release(item) {
            Ok(release) => {
                if let Some(first) = page.release(&release.cycle) {
                    let message = format!(
                        "duplicate releaseCycle {:?} (first on line {}); ignored",
                        release.cycle, first.line
                    );
                    page.warnings.push(PageError::new(release.line, message));
                } else {
                    page.releases.push(release);
                }
            }
            Err(error) => page.warnings.push(error),
        }
    }
    Ok(page)
}

/// The YAML between the first two `---` lines, and the page line it starts on.
fn front_matter(text: &str) -> Result<(&str, usize), PageError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return Err(PageError::new(
            1,
            "no front matter: the page does not start with a `---` line",
        ));
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        if line.trim_end() == "---" {
            return Ok((&text[start..offset], 2));
        }
        offset += line.len();
    }
    Err(PageError::new(1, "front matter has no closing `---` line"))
}

/// A YAML node with the line it starts on.
#[derive(Debug)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        line: usize,
    },
    Seq {
        items: Vec<Node>,
        line: usize,
    },
    Map {
        entries: Vec<(String, Node)>,
        line: usize,
    },
}

impl Node {
    fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
        }
    }
}

enum Frame {
    Seq(Vec<Node>, usize),
    Map(Vec<(String, Node)>, Option<String>, usize),
}

/// Builds the tree of the first YAML document; `first_line` is the page line of the YAML's line 1.
fn tree(yaml: &str, first_line: usize) -> Result<Node, PageError> {
    let mut stack: Vec<Frame> = Vec::new();
    for event in Parser::new_from_str(yaml) {
        let (event, span) = event.map_err(|e| {
            PageError::new(
                e.marker().line() + first_line - 1,
                format!("YAML: {}", e.info()),
            )
        })?;
        let line = span.start.line() + first_line - 1;
        let node = match event {
            Event::Alias(_) => return Err(PageError::new(line, "YAML aliases are not supported")),
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(PageError::new(line, "YAML anchors are not supported"));
                }
                let plain = style == ScalarStyle::Plain && tag.is_none();
                if let Some(Frame::Map(_, key @ None, _)) = stack.last_mut() {
                    *key = Some(Cow::into_owned(text));
                    continue;
                }
                Node::Scalar {
                    text: text.into_owned(),
                    plain,
                    line,
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if anchor != 0 {
                    return Err(PageError::new(line, "YAML anchors are not supported"));
                }
                if let Some(Frame::Map(_, None, _)) = stack.last() {
                    return Err(PageError::new(line, "only plain keys are supported"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(PageError::new(line, "front matter is nested too deeply"));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Frame::Seq(Vec::new(), line),
                    _ => Frame::Map(Vec::new(), None, line),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, line)) => Node::Seq { items, line },
                Some(Frame::Map(entries, _, line)) => Node::Map { entries, line },
                None => return Err(PageError::new(line, "unbalanced YAML")),
            },
            Event::DocumentEnd | Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => continue,
        };
        match stack.last_mut() {
            None => return Ok(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, key, _)) => {
                if let Some(key) = key.take() {
                    entries.push((key, node));
                }
            }
        }
    }
    Err(PageError::new(first_line, "front matter is empty"))
}

fn release(node: &Node) -> Result<PageRelease, PageError> {
    let Node::Map { entries, line } = node else {
        return Err(PageError::new(
            node.line(),
            "a `releases` entry is not a mapping; ignored",
        ));
    };
    let field = |name: &str| -> Result<Option<Field>, PageError> {
        match entries.iter().find(|(key, _)| key == name) {
            None => Ok(None),
            Some((_, Node::Scalar { text, plain, line })) => {
                Ok(value(text, *plain).map(|value| Field { value, line: *line }))
            }
            Some((_, other)) => {
                let message = format!("`{name}` is not a single value; entry ignored");
                Err(PageError::new(other.line(), message))
            }
        }
    };
    let cycle = match field("releaseCycle")? {
        Some(Field {
            value: Value::Text(text),
            line,
        }) => (text, line),
        Some(Field { value, line }) => (scalar_text(&value), line),
        None => {
            let message = "a `releases` entry has no releaseCycle; ignored";
            return Err(PageError::new(*line, message));
        }
    };
    Ok(PageRelease {
        cycle: cycle.0,
        line: cycle.1,
        release_date: field("releaseDate")?,
        eoas: field("eoas")?,
        eol: field("eol")?,
        eoes: field("eoes")?,
        lts: field("lts")?,
        latest: field("latest")?,
        link: field("link")?,
    })
}

/// The text a value was written as (for fields that are always text, such as `latest`).
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::Date(date) => date.to_string(),
        Value::Flag(flag) => flag.to_string(),
        Value::Text(text) => text.clone(),
    }
}

/// Resolves a scalar the way YAML's core schema does for the types endoflife.date uses; `None`
/// is null. A quoted `YYYY-MM-DD` is still a date.
fn value(text: &str, plain: bool) -> Option<Value> {
    if plain {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return None,
            "true" | "True" | "TRUE" => return Some(Value::Flag(true)),
            "false" | "False" | "FALSE" => return Some(Value::Flag(false)),
            _ => {}
        }
    }
    Some(date(text).map_or_else(|| Value::Text(text.to_string()), Value::Date))
}

/// A strict `YYYY-MM-DD` date.
fn date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The commit a `SOURCE.md` note names: the first 40-hex-digit word after the word "commit".
pub fn revision_from_source_notes(text: &str) -> Option<String> {
    let after = &text[text.find("commit")?..];
    after
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| word.len() == 40 && word.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: X\nreleases:\n  - releaseCycle: \"1.10\"\n    releaseDate: 2020-01-02\n    eol: false\n    latest: 1.10\n    lts: 2021-01-01\n    link:\n\n  - releaseCycle: 2\n    releaseDate: 2021-01-02\n    eol: true # ended\n---\n\n# Body\n";

    #[test]
    fn reads_values_with_lines_and_text_as_written() {
        let page = parse_page(PAGE).unwrap();
        assert_eq!(page.releases.len(), 2);
        let first = &page.releases[0];
        assert_eq!((first.cycle.as_str(), first.line), ("1.10", 4));
        assert_eq!(
            first.latest.as_ref().unwrap().value,
            Value::Text("1.10".into())
        );
        assert_eq!(first.eol.as_ref().unwrap().value, Value::Flag(false));
        assert_eq!(first.lts.as_ref().unwrap().line, 8);
        assert_eq!(first.link, None);
        assert_eq!(page.releases[1].cycle, "2");
        assert_eq!(
            page.releases[1].eol.as_ref().unwrap().value,
            Value::Flag(true)
        );
    }

    #[test]
    fn refuses_aliases_and_missing_front_matter() {
        let alias = "---\na: &x [1]\nreleases: *x\n---\n";
        assert!(parse_page(alias).unwrap_err().message.contains("anchors"));
        assert_eq!(parse_page("# title\n").unwrap_err().line, 1);
        assert!(parse_page("---\nreleases: [\n").is_err());
    }

    #[test]
    fn finds_the_commit_in_source_notes() {
        let notes =
            "- Upstream: repo, commit\n  a70eca337600e7d721dc48112c271f98661d208b, committed";
        assert_eq!(
            revision_from_source_notes(notes).as_deref(),
            Some("a70eca337600e7d721dc48112c271f98661d208b")
        );
        assert_eq!(revision_from_source_notes("no commit here"), None);
    }
}
