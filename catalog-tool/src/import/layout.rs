//! Where things are in a catalogue file: its products and their releases in document order, and
//! the line each product, `source` key, release and release key is written on in the file as it
//! was read — what the review report and the catalogue diff cite.

use std::collections::HashMap;

use toml_edit::{Document, Item, Key, Table};

use super::report::Location;

/// Lines of a product in the file as it was.
#[derive(Default)]
pub(super) struct ProductLines {
    pub(super) id: usize,
    pub(super) source: usize,
    pub(super) source_keys: HashMap<String, usize>,
    pub(super) releases: Vec<ReleaseLines>,
}

/// Lines of a release in the file as it was.
#[derive(Default)]
pub(super) struct ReleaseLines {
    pub(super) cycle: usize,
    pub(super) keys: HashMap<String, usize>,
}

/// The `[[product]]` tables of a document, in order.
pub(super) fn products(root: &Table) -> impl Iterator<Item = &Table> {
    root.get("product")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|a| a.iter())
}

/// The `[[product.release]]` tables of a product, in order.
pub(super) fn releases(product: &Table) -> impl Iterator<Item = &Table> {
    product
        .get("release")
        .and_then(Item::as_array_of_tables)
        .into_iter()
        .flat_map(|a| a.iter())
}

/// 1-based line of a byte offset.
pub(super) fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Lines of every product of a parsed (not yet edited) document, in document order.
pub(super) fn product_lines(text: &str, doc: &Table) -> Vec<ProductLines> {
    let line = |span: Option<std::ops::Range<usize>>| span.map_or(1, |s| line_at(text, s.start));
    let key_lines = |table: &dyn toml_edit::TableLike| {
        table
            .iter()
            .map(|(key, _)| (key.to_string(), line(table.key(key).and_then(Key::span))))
            .collect::<HashMap<_, _>>()
    };
    products(doc)
        .map(|product| {
            let id = line(
                product
                    .key("id")
                    .and_then(Key::span)
                    .or_else(|| product.span()),
            );
            let source = product
                .key("source")
                .and_then(Key::span)
                .map_or(id, |s| line_at(text, s.start));
            let source_keys = product
                .get("source")
                .and_then(Item::as_table_like)
                .map(key_lines)
                .unwrap_or_default();
            let releases = releases(product)
                .map(|release| ReleaseLines {
                    cycle: line(
                        release
                            .key("cycle")
                            .and_then(Key::span)
                            .or_else(|| release.span()),
                    ),
                    keys: key_lines(release),
                })
                .collect();
            ProductLines {
                id,
                source,
                source_keys,
                releases,
            }
        })
        .collect()
}

/// Where each product (`(id, None)`) and release (`(id, Some(cycle))`) of the files is written.
pub(crate) fn locate<N: AsRef<str>, T: AsRef<str>>(
    files: &[(N, T)],
) -> HashMap<(String, Option<String>), Location> {
    let mut found = HashMap::new();
    for (name, text) in files {
        let (name, text) = (name.as_ref(), text.as_ref());
        let Ok(doc) = Document::parse(text) else {
            continue;
        };
        let lines = product_lines(text, doc.as_table());
        for (product, lines) in products(doc.as_table()).zip(&lines) {
            let Some(id) = product.get("id").and_then(Item::as_str) else {
                continue;
            };
            let at = |line| Location {
                file: name.to_string(),
                line,
            };
            found
                .entry((id.to_string(), None))
                .or_insert_with(|| at(lines.id));
            for (release, release_lines) in releases(product).zip(&lines.releases) {
                if let Some(cycle) = release.get("cycle").and_then(Item::as_str) {
                    found
                        .entry((id.to_string(), Some(cycle.to_string())))
                        .or_insert_with(|| at(release_lines.cycle));
                }
            }
        }
    }
    found
}
