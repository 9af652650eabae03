//! CSV output for spreadsheets: RFC 4180 quoting, and cells that a spreadsheet would run as a
//! formula (`=`, `+`, `-`, `@`, tab, CR) prefixed with `'`, since agent strings are untrusted.

/// Writes rows of cells as CSV text.
#[derive(Default)]
pub struct CsvWriter {
    out: String,
}

impl CsvWriter {
    /// A writer starting with a header row.
    pub fn with_header(header: &[&str]) -> CsvWriter {
        let mut writer = CsvWriter::default();
        writer.row(header.iter().copied());
        writer
    }

    /// Appends one row.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.cell(cell);
        }
        self.out.push_str("\r\n");
    }

    fn cell(&mut self, cell: &str) {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses_formulas() {
        let mut w = CsvWriter::with_header(&["a", "b"]);
        w.row(["x,y", "=HYPERLINK(\"evil\")"]);
        assert_eq!(
            w.finish(),
            "a,b\r\n\"x,y\",\"'=HYPERLINK(\"\"evil\"\")\"\r\n"
        );
    }
}
