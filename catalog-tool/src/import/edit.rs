//! Format-preserving edits of catalogue TOML with `toml_edit`: set a key of a table or inline
//! table to the value the page gives, keeping its decoration, or insert it in the catalogue's key
//! order with the indentation of its neighbours. Comments and layout survive.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use toml_edit::{InlineTable, Item, Key, Table, Value};

/// A value the catalogue should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Want {
    Date(NaiveDate),
    Flag(bool),
    Text(String),
}

impl Want {
    pub(super) fn holds(&self, value: &Value) -> bool {
        match (self, value) {
            (Want::Date(want), Value::Datetime(have)) => {
                let have = have.value();
                have.time.is_none()
                    && have.offset.is_none()
                    && have.date.is_some_and(|d| {
                        i32::from(d.year) == want.year()
                            && u32::from(d.month) == want.month()
                            && u32::from(d.day) == want.day()
                    })
            }
            (Want::Flag(want), Value::Boolean(have)) => want == have.value(),
            (Want::Text(want), Value::String(have)) => want == have.value(),
            _ => false,
        }
    }

    fn to_value(&self) -> Option<Value> {
        Some(match self {
            Want::Date(date) => {
                let date = toml_edit::Date {
                    year: u16::try_from(date.year()).ok().filter(|y| *y <= 9999)?,
                    month: u8::try_from(date.month()).ok()?,
                    day: u8::try_from(date.day()).ok()?,
                };
                Value::from(toml_edit::Datetime {
                    date: Some(date),
                    time: None,
                    offset: None,
                })
            }
            Want::Flag(flag) => Value::from(*flag),
            Want::Text(text) => Value::from(text.as_str()),
        })
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Date(date) => write!(f, "{date}"),
            Want::Flag(flag) => write!(f, "{flag}"),
            Want::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// A TOML value as a reviewer reads it (no decoration).
pub(super) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", s.value()),
        Value::Datetime(d) => d.value().to_string(),
        Value::Boolean(b) => b.value().to_string(),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(x) => x.value().to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// Sets a key of a table or inline table. `Ok(None)`: already equal; `Ok(Some(old))`: changed,
/// with the old value shown (`None` if the key was absent).
pub(super) fn set(
    item: &mut Item,
    key: &str,
    want: &Want,
    order: &[&str],
) -> Result<Option<Option<String>>, String> {
    match item {
        Item::Table(table) => set_in_table(table, key, want, order),
        Item::Value(Value::InlineTable(table)) => set_in_inline(table, key, want, order),
        _ => Err("not a table".into()),
    }
}

pub(super) fn set_in_table(
    table: &mut Table,
    key: &str,
    want: &Want,
    order: &[&str],
) -> Result<Option<Option<String>>, String> {
    let mut new = want
        .to_value()
        .ok_or_else(|| format!("{want} cannot be written in TOML"))?;
    if let Some(item) = table.get_mut(key) {
        let Some(value) = item.as_value_mut() else {
            return Err("not a plain value".into());
        };
        if want.holds(value) {
            return Ok(None);
        }
        let old = show(value);
        *new.decor_mut() = value.decor().clone();
        *value = new;
        return Ok(Some(Some(old)));
    }
    // Insert after the last key that comes before `key` in the catalogue's order, indented like it.
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let position = insert_position(&keys, key, order);
    let indent = position
        .checked_sub(1)
        .and_then(|i| table.key(&keys[i]))
        .map(indentation)
        .unwrap_or_default();
    let mut tail = Vec::new();
    for k in &keys[position..] {
        if let Some(entry) = table.remove_entry(k) {
            tail.push(entry);
        }
    }
    let mut new_key = Key::new(key);
    new_key.leaf_decor_mut().set_prefix(indent);
    table.insert_formatted(&new_key, Item::Value(new));
    for (k, item) in tail {
        table.insert_formatted(&k, item);
    }
    Ok(Some(None))
}

fn set_in_inline(
    table: &mut InlineTable,
    key: &str,
    want: &Want,
    order: &[&str],
) -> Result<Option<Option<String>>, String> {
    let mut new = want
        .to_value()
        .ok_or_else(|| format!("{want} cannot be written in TOML"))?;
    if let Some(value) = table.get_mut(key) {
        if want.holds(value) {
            return Ok(None);
        }
        let old = show(value);
        *new.decor_mut() = value.decor().clone();
        *value = new;
        return Ok(Some(Some(old)));
    }
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    let position = insert_position(&keys, key, order);
    let mut tail = Vec::new();
    for k in &keys[position..] {
        if let Some(entry) = table.remove_entry(k) {
            tail.push(entry);
        }
    }
    new.decor_mut().set_prefix(" ");
    if tail.is_empty() {
        // The space before `}` belongs to the last value: hand it on to the new last value.
        let last = position
            .checked_sub(1)
            .and_then(|i| table.get_mut(&keys[i]));
        if let Some(last) = last {
            let suffix = last.decor().suffix().cloned();
            last.decor_mut().set_suffix("");
            if let Some(suffix) = suffix {
                new.decor_mut().set_suffix(suffix);
            }
        }
    }
    let mut new_key = Key::new(key);
    new_key.leaf_decor_mut().set_prefix(" ");
    new_key.leaf_decor_mut().set_suffix(" ");
    table.insert_formatted(&new_key, new);
    for (k, value) in tail {
        table.insert_formatted(&k, value);
    }
    Ok(Some(None))
}

/// Index to insert `key` at: after the last present key that precedes it in `order`.
fn insert_position(keys: &[String], key: &str, order: &[&str]) -> usize {
    let rank = |k: &str| order.iter().position(|o| *o == k);
    let Some(own) = rank(key) else {
        return keys.len();
    };
    keys.iter()
        .rposition(|k| rank(k).is_some_and(|r| r < own))
        .map_or(0, |i| i + 1)
}

/// The whitespace a key's line starts with (its decor after the last newline, if only blanks).
fn indentation(key: &Key) -> String {
    let prefix = key
        .leaf_decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default();
    let last = prefix.rsplit('\n').next().unwrap_or_default();
    if last.chars().all(|c| c == ' ' || c == '\t') {
        last.to_string()
    } else {
        String::new()
    }
}
