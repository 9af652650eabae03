//! CSV output for spreadsheets, written by serde from the same row types the JSON API serves: the
//! header is the row type's field names, each row its fields in order (a missing value is an empty
//! cell, a status or target its name). RFC 4180 quoting, and cells that a spreadsheet would run as
//! a formula (`=`, `+`, `-`, `@`, tab, CR) prefixed with `'`, since agent strings are untrusted.
//!
//! Hand-written rather than the `csv` crate: that crate writes the header only with a first row
//! (an empty export would have none) and has no hook to defuse formula cells.

use std::fmt::Display;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{self, Impossible, Serialize, Serializer};

/// A row type that cannot be written as CSV (a nested list or map): a programming error.
#[derive(Debug, thiserror::Error)]
#[error("CSV: {0}")]
pub struct CsvError(String);

impl ser::Error for CsvError {
    fn custom<T: Display>(msg: T) -> Self {
        CsvError(msg.to_string())
    }
}

impl de::Error for CsvError {
    fn custom<T: Display>(msg: T) -> Self {
        CsvError(msg.to_string())
    }
}

/// Writes rows of cells as CSV text.
#[derive(Default)]
pub struct CsvWriter {
    out: String,
    /// Cells written in the current row.
    cells: usize,
}

impl CsvWriter {
    /// A writer whose header row is the field names of the row type `T`.
    pub fn for_rows<'de, T: Deserialize<'de>>() -> CsvWriter {
        let mut writer = CsvWriter::default();
        writer.row(field_names::<T>().iter().copied());
        writer
    }

    /// Appends one row of plain cells.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for cell in cells {
            self.cell(cell);
        }
        self.end_row();
    }

    /// Appends one row: the fields of a struct, in order.
    pub fn serialize<T: Serialize>(&mut self, row: &T) -> Result<(), CsvError> {
        row.serialize(RowSerializer { writer: self })
    }

    fn end_row(&mut self) {
        self.out.push_str("\r\n");
        self.cells = 0;
    }

    fn cell(&mut self, cell: &str) {
        if self.cells > 0 {
            self.out.push(',');
        }
        self.cells += 1;
        let guarded = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quote = guarded || cell.contains([',', '"', '\n', '\r']);
        if quote {
            self.out.push('"');
        }
        if guarded {
            self.out.push('\'');
        }
        for c in cell.chars() {
            if c == '"' {
                self.out.push('"');
            }
            self.out.push(c);
        }
        if quote {
            self.out.push('"');
        }
    }

    /// The CSV text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// The field names of a struct, as its serde derive spells them (its `Deserialize` impl hands them
/// to `deserialize_struct`, which is all this deserializer answers).
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Names<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = CsvError;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, CsvError> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, CsvError> {
            *self.0 = fields;
            Err(de::Error::custom("field names taken"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut names));
    names
}

/// A row: only a struct is one.
struct RowSerializer<'a> {
    writer: &'a mut CsvWriter,
}

/// One cell: a string, number, boolean, unit enum variant (by its serde name) or missing value.
struct CellSerializer<'a> {
    writer: &'a mut CsvWriter,
}

fn unsupported<T>(what: &str) -> Result<T, CsvError> {
    Err(CsvError(format!("{what} cannot be a CSV row or cell")))
}

macro_rules! not_a_row {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), CsvError> {
            unsupported(stringify!($method))
        })*
    };
}

macro_rules! display_cells {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), CsvError> {
            self.writer.cell(&v.to_string());
            Ok(())
        })*
    };
}

/// The compound parts of `Serializer` that neither a row nor a cell has.
macro_rules! no_compounds {
    () => {
        type SerializeSeq = Impossible<(), CsvError>;
        type SerializeTuple = Impossible<(), CsvError>;
        type SerializeTupleStruct = Impossible<(), CsvError>;
        type SerializeTupleVariant = Impossible<(), CsvError>;
        type SerializeMap = Impossible<(), CsvError>;
        type SerializeStructVariant = Impossible<(), CsvError>;

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CsvError> {
            unsupported("a list")
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CsvError> {
            unsupported("a tuple")
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, CsvError> {
            unsupported("a tuple struct")
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, CsvError> {
            unsupported("a tuple variant")
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CsvError> {
            unsupported("a map")
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, CsvError> {
            unsupported("a struct variant")
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), CsvError> {
            unsupported("a newtype variant")
        }
    };
}

impl<'a> Serializer for RowSerializer<'a> {
    type Ok = ();
    type Error = CsvError;
    type SerializeStruct = RowSerializer<'a>;
    no_compounds!();
    not_a_row! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_str(&str), serialize_bytes(&[u8]), serialize_none(), serialize_unit(),
        serialize_unit_struct(&'static str), serialize_unit_variant(&'static str, u32, &'static str),
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), CsvError> {
        unsupported("an optional row")
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CsvError> {
        value.serialize(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, CsvError> {
        Ok(self)
    }
}

impl ser::SerializeStruct for RowSerializer<'_> {
    type Ok = ();
    type Error = CsvError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), CsvError> {
        value.serialize(CellSerializer {
            writer: self.writer,
        })
    }
    fn end(self) -> Result<(), CsvError> {
        self.writer.end_row();
        Ok(())
    }
}

impl Serializer for CellSerializer<'_> {
    type Ok = ();
    type Error = CsvError;
    type SerializeStruct = Impossible<(), CsvError>;
    no_compounds!();
    display_cells! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_f32(f32), serialize_f64(f64), serialize_char(char),
        serialize_str(&str),
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), CsvError> {
        unsupported("bytes")
    }
    fn serialize_none(self) -> Result<(), CsvError> {
        self.writer.cell("");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), CsvError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CsvError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CsvError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), CsvError> {
        self.writer.cell(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CsvError> {
        value.serialize(self)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CsvError> {
        unsupported("a nested struct")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use sunset_catalog::evaluate::Status;

    #[derive(Serialize, Deserialize)]
    struct Row {
        name: String,
        status: Status,
        since: Option<String>,
        #[serde(rename = "n")]
        count: i64,
    }

    #[test]
    fn rows_are_their_fields_quoted_and_defused() {
        let mut w = CsvWriter::for_rows::<Row>();
        w.serialize(&Row {
            name: "x,y".into(),
            status: Status::Unsupported,
            since: None,
            count: 3,
        })
        .unwrap();
        w.serialize(&Row {
            name: "=HYPERLINK(\"evil\")".into(),
            status: Status::Supported,
            since: Some("2026-01-01".into()),
            count: -1,
        })
        .unwrap();
        assert_eq!(
            w.finish(),
            "name,status,since,n\r\n\"x,y\",unsupported,,3\r\n\
             \"'=HYPERLINK(\"\"evil\"\")\",supported,2026-01-01,\"'-1\"\r\n"
        );
    }

    #[test]
    fn an_empty_export_still_has_its_header() {
        assert_eq!(
            CsvWriter::for_rows::<Row>().finish(),
            "name,status,since,n\r\n"
        );
    }
}
