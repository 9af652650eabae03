//! The overlay snippet a triage row downloads: a `[[product]]` for the software, with a rule for
//! its exact name (and publisher) and one release per major version seen, whose
//! `security_support_end` the organisation fills in — commented out, since no date may be
//! guessed — and, commented out too, the `[[reviewed]]` decision to make instead when the software
//! needs no lifecycle.
//!
//! Every value is written by the `toml` crate; a name quoted in a comment is escaped on one line
//! (`quoted`), so a newline an agent put in a name cannot end the comment. The product, once its
//! dates are filled in, loads with the catalogue's own loader (tested).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// The placeholder line each release carries; filling it in is the organisation's job.
pub const DATE_PLACEHOLDER: &str = "# security_support_end = YYYY-MM-DD";
/// Longest product id written (the slug of the name, after `local-`).
const MAX_SLUG: usize = 48;

/// What a snippet is written from: one triage row.
#[derive(Clone, Debug)]
pub struct SnippetInput<'a> {
    /// The name as reported.
    pub name: &'a str,
    /// The publisher as reported, when any.
    pub publisher: Option<&'a str>,
    /// Each version seen, with how many hosts have it.
    pub versions: &'a [(String, i64)],
    /// Hosts with it, in the caller's scope.
    pub hosts: i64,
    /// Organisations with it, in the caller's scope.
    pub organisations: i64,
    /// The day it is written.
    pub today: NaiveDate,
}

#[derive(Serialize)]
struct Overlay {
    product: Vec<Product>,
}

#[derive(Serialize)]
struct Product {
    id: String,
    name: String,
    kind: &'static str,
    #[serde(rename = "match")]
    rules: Vec<Rule>,
    release: Vec<Release>,
}

#[derive(Serialize)]
struct Rule {
    name: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher_regex: Option<String>,
}

#[derive(Serialize)]
struct Release {
    cycle: String,
    label: String,
    versions: String,
}

#[derive(Serialize)]
struct Reviewed<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<&'a str>,
    reason: &'a str,
    by: &'a str,
}

/// A string for a comment: quoted and escaped on one line (a TOML basic string, as JSON writes
/// it: every control character escaped — DEL too, which JSON leaves alone and a TOML comment may
/// not hold), so nothing in it can end the comment. (The `toml` crate writes a string with a
/// newline as a multi-line string, which would.)
fn quoted(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_default()
        .replace('\u{7f}', "\\u007f")
}

/// The product id: `local-` and the name's letters and digits, lower case, `-` between words.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(MAX_SLUG).collect();
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "local-software".to_string()
    } else {
        format!("local-{out}")
    }
}

/// The leading number of a version (`v5.24.1` → `5`), when it has one.
fn major(version: &str) -> Option<u64> {
    let digits: String = version
        .trim()
        .trim_start_matches(['v', 'V'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The snippet's text.
pub fn snippet(input: &SnippetInput<'_>) -> Result<String, toml::ser::Error> {
    let SnippetInput {
        name,
        publisher,
        versions,
        hosts,
        organisations,
        today,
    } = input;
    let publisher = publisher.map(str::trim).filter(|p| !p.is_empty());
    // Hosts per major version; versions without a leading number listed apart.
    let mut majors: BTreeMap<u64, i64> = BTreeMap::new();
    let mut other = Vec::new();
    for (version, count) in versions.iter() {
        match major(version) {
            Some(m) => *majors.entry(m).or_default() += count,
            None if !version.is_empty() => other.push(version.as_str()),
            None => {}
        }
    }
    let mut release: Vec<Release> = majors
        .keys()
        .rev()
        .map(|m| Release {
            cycle: m.to_string(),
            label: format!("{name} {m}"),
            versions: format!("{m}.*"),
        })
        .collect();
    if release.is_empty() {
        release.push(Release {
            cycle: "all".to_string(),
            label: name.to_string(),
            versions: "*".to_string(),
        });
    }
    let overlay = Overlay {
        product: vec![Product {
            id: slug(name),
            name: name.to_string(),
            kind: "application",
            rules: vec![Rule {
                name: vec![name.to_string()],
                publisher_regex: publisher.map(regex::escape),
            }],
            release,
        }],
    };
    let mut out = String::new();
    out.push_str("# Sunset catalogue overlay, written by the collector's triage on ");
    out.push_str(&format!("{today}.\n"));
    out.push_str(&format!("# Software: {}", quoted(name)));
    if let Some(p) = publisher {
        out.push_str(&format!(", publisher {}", quoted(p)));
    }
    out.push_str(&format!(
        "\n# Seen on {hosts} host(s) in {organisations} organisation(s); versions (hosts):\n"
    ));
    for (version, count) in versions.iter().take(20) {
        out.push_str(&format!("#   {} ({count})\n", quoted(version)));
    }
    if versions.len() > 20 {
        out.push_str(&format!("#   … and {} more\n", versions.len() - 20));
    }
    if !other.is_empty() {
        out.push_str(
            "# Versions without a leading number are in no release below: add a range for them.\n",
        );
    }
    out.push_str(
        "#\n# Fill in each release's security_support_end from the vendor's published lifecycle\n\
         # (YYYY-MM-DD, or false while supported) and cite it: no date is guessed here.\n\
         # Source (fill in and uncomment, inside [[product]]):\n\
         # source = { name = \"vendor\", url = \"https://…\", retrieved = YYYY-MM-DD }\n\n",
    );
    for line in toml::to_string(&overlay)?.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("versions = ") {
            out.push_str(DATE_PLACEHOLDER);
            out.push('\n');
        }
    }
    let reviewed = Reviewed {
        name,
        publisher,
        reason: "why no lifecycle is needed",
        by: "who decided",
    };
    out.push_str(
        "\n# Or, if this software needs no lifecycle, delete the product above and keep this\n\
         # decision instead (the triage then hides the name):\n# [[reviewed]]\n",
    );
    for line in toml::to_string(&reviewed)?.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("# on = {today}\n"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ids_the_loader_accepts() {
        assert_eq!(
            slug("Strawberry Perl (64-bit)"),
            "local-strawberry-perl-64-bit"
        );
        assert_eq!(slug("КриптоПро CSP"), "local-csp");
        assert_eq!(slug("!!!"), "local-software");
        assert!(slug(&"a b ".repeat(100)).len() <= "local-".len() + MAX_SLUG);
    }

    #[test]
    fn a_name_with_quotes_and_newlines_stays_inside_its_strings() {
        let versions = vec![
            ("1.2\n[[product]]".to_string(), 1),
            ("2.0\u{7f}".to_string(), 3),
        ];
        let text = snippet(&SnippetInput {
            name: "Evil \"app\"\nid = \"x\"",
            publisher: Some("A\\B"),
            versions: &versions,
            hosts: 4,
            organisations: 1,
            today: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        })
        .unwrap();
        let value: toml::Table = toml::from_str(&text).expect(&text);
        let product = &value["product"][0];
        assert_eq!(product["name"].as_str(), Some("Evil \"app\"\nid = \"x\""));
        assert_eq!(
            product["match"][0]["publisher_regex"].as_str(),
            Some("A\\\\B")
        );
        let cycles: Vec<&str> = product["release"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cycle"].as_str().unwrap())
            .collect();
        assert_eq!(cycles, ["2", "1"]);
        assert_eq!(text.matches(DATE_PLACEHOLDER).count(), 2);
    }
}
