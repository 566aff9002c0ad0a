//! Reading and writing spreadsheets as community offices have them: .xlsx (as Excel writes it)
//! and .csv (UTF-8 with or without BOM, or GBK).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

use crate::{AppError, Result};

/// Marks a cell Excel stored as a number too long to keep every digit (an ID number typed into
/// a cell formatted as number); the importer reports it instead of importing a wrong number.
pub const LOST_PRECISION: &str = "\u{0}lost-precision";

/// A table read from a file: rows of cells as text, the header row first.
pub type Table = Vec<Vec<String>>;

/// Reads the first sheet of an .xlsx or a .csv file, chosen by content (a zip is .xlsx).
pub fn read_table(bytes: &[u8]) -> Result<Table> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            // Doubles keep 15 significant digits; beyond that the digits Excel shows are not the typed ones.
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else if f.fract() == 0.0 {
                LOST_PRECISION.to_string()
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|dt| dt.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|_| AppError::field("file", "err-file-unreadable"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| AppError::field("file", "err-file-empty"))?
        .map_err(|_| AppError::field("file", "err-file-unreadable"))?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect())
}

/// Decodes CSV bytes: a UTF-8 BOM is dropped, valid UTF-8 is taken as is, anything else is read
/// as GBK (GB18030), which is what Excel on a Chinese Windows writes.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|_| AppError::field("file", "err-file-unreadable"))?;
        out.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(out)
}

/// Writes rows under a bold, frozen header into an .xlsx, row by row (constant memory, so a
/// million rows fit).
pub struct SheetWriter {
    book: Workbook,
    row: u32,
    columns: u16,
}

impl SheetWriter {
    /// A workbook with one sheet named `name` and this header.
    pub fn new(name: &str, header: &[&str]) -> Result<SheetWriter> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name(name).map_err(xlsx_error)?;
        let bold = Format::new().set_bold();
        for (i, h) in header.iter().enumerate() {
            sheet
                .write_string_with_format(0, i as u16, *h, &bold)
                .map_err(xlsx_error)?;
            sheet
                .set_column_width(i as u16, (h.chars().count() as f64 * 2.2).max(12.0))
                .map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        Ok(SheetWriter {
            book,
            row: 1,
            columns: header.len() as u16,
        })
    }

    /// Appends a row of text cells (always text, so ID numbers keep every digit).
    pub fn push<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<()> {
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx_error)?;
        for (i, c) in cells.iter().enumerate().take(self.columns as usize) {
            sheet
                .write_string(self.row, i as u16, c.as_ref())
                .map_err(xlsx_error)?;
        }
        self.row += 1;
        Ok(())
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        self.book.save_to_buffer().map_err(xlsx_error)
    }
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlsx_round_trip_keeps_id_numbers_as_text() {
        let mut w = SheetWriter::new("居民", &["姓名", "身份证号"]).unwrap();
        w.push(&["王淑兰", "11010519491231002X"]).unwrap();
        let t = read_table(&w.finish().unwrap()).unwrap();
        assert_eq!(
            t,
            vec![
                vec!["姓名".to_string(), "身份证号".into()],
                vec!["王淑兰".into(), "11010519491231002X".into()]
            ]
        );
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk() {
        let utf8 = "\u{feff}姓名,性别\n张三,男\n";
        assert_eq!(read_table(utf8.as_bytes()).unwrap()[0][0], "姓名");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,性别\n张三,男\n");
        let t = read_table(&gbk).unwrap();
        assert_eq!(t[1], vec!["张三".to_string(), "男".into()]);
    }

    #[test]
    fn long_numbers_stored_as_numbers_are_flagged() {
        assert_eq!(
            cell_text(&Data::Float(110105194912310020.0)),
            LOST_PRECISION
        );
        assert_eq!(cell_text(&Data::Float(13812345678.0)), "13812345678");
    }
}
