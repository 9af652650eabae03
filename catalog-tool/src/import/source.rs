//! Which upstream page a catalogue product imports from: its `source` table, the page as the
//! caller hands it over (front matter or API JSON), and the endoflife.date ids a catalogue needs.

use toml_edit::{DocumentMut, Item, Table};

use super::endoflife_api;
use super::endoflife_date::{self, Page, PageError};
use super::layout::products;

/// The `source.name` of products imported from endoflife.date.
pub const ENDOFLIFE_DATE: &str = "endoflife.date";

/// An upstream product page, given to the import by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePage {
    /// Where the page was read from, used in the report (`…/products/windows.md`,
    /// `…/api/windows.json`); a `.json` name (or a text that opens a JSON object or list) is read
    /// as API JSON.
    pub name: String,
    /// Its text.
    pub text: String,
}

impl SourcePage {
    /// Reads the page in whichever form it is.
    pub fn parse(&self) -> Result<Page, PageError> {
        if endoflife_api::is_api_json(&self.name, &self.text) {
            endoflife_api::parse_api(&self.text)
        } else {
            endoflife_date::parse_page(&self.text)
        }
    }
}

/// The endoflife.date product ids a catalogue imports from, sorted, without repeats. Ids that are
/// not a plain file name are left out (the import reports them).
pub fn endoflife_date_products<N: AsRef<str>, T: AsRef<str>>(files: &[(N, T)]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for (_, text) in files {
        let Ok(doc) = text.as_ref().parse::<DocumentMut>() else {
            continue;
        };
        for product in products(doc.as_table()) {
            if let Some(id) = source(product)
                .filter(|s| s.name.as_deref() == Some(ENDOFLIFE_DATE))
                .and_then(|s| s.upstream_id)
                && is_page_id(&id)
            {
                ids.push(id);
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Whether an upstream id is safe to use as a file name.
pub(super) fn is_page_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// What a product's `source` says.
pub(super) struct SourceFields {
    pub(super) name: Option<String>,
    pub(super) upstream_id: Option<String>,
}

pub(super) fn source(product: &Table) -> Option<SourceFields> {
    let source = product.get("source")?.as_table_like()?;
    let text = |key: &str| source.get(key).and_then(Item::as_str).map(str::to_string);
    Some(SourceFields {
        name: text("name"),
        upstream_id: text("product"),
    })
}
