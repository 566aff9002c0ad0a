//! Reading and writing spreadsheets as community offices have them: .xlsx (as Excel writes it)
//! and .csv (UTF-8 with or without BOM, or GBK).
//!
//! Every upload is hostile until bounded. A sheet is read as a stream of rows, never as a dense
//! grid, and every limit of `SheetLimits` holds before memory is spent on what it bounds: the
//! zip's entries are inflated once into a counter (a zip bomb stops at the byte limit, having
//! kept nothing), the longest text run between two XML tags is bounded before the XML reader
//! buffers it, a CSV record's field count is bounded before the CSV reader indexes it, and cells
//! far to the right or below are refused by their reference, not allocated up to.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

use crate::{AppError, Result};

/// Marks a cell Excel stored as a number too long to keep every digit (an ID number typed into
/// a cell formatted as number); the importer reports it instead of importing a wrong number.
pub const LOST_PRECISION: &str = "\u{0}lost-precision";

/// A table read from a file: rows of cells as text, the sheet's first row first.
pub type Table = Vec<Vec<String>>;

/// How much of a sheet sanshe reads; a sheet beyond any of these is refused on field `file`
/// with a message naming the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Rows, counting the header and any title rows above it.
    pub max_rows: usize,
    /// Columns that may hold something (A … the limit's letter).
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// Non-empty cells in the whole sheet.
    pub max_cells: usize,
    /// Bytes of the .xlsx's parts once inflated (all parts together).
    pub max_unzipped_bytes: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            // A street's register (the demo community has 2,500 households) fits many times.
            max_rows: 100_000,
            max_columns: 64,
            max_cell_chars: 1_000,
            max_cells: 2_000_000,
            max_unzipped_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Bytes of text between two XML tags that the reader will buffer: the longest cell (32,767
/// characters in Excel, up to four bytes each) with room for entities.
const MAX_XML_RUN: u64 = 256 * 1024;
/// The shared-string table is held whole by the xlsx reader; its inflated size bounds that.
const MAX_SHARED_STRINGS_BYTES: u64 = 32 * 1024 * 1024;
/// Parts in an .xlsx: a workbook from Excel has a dozen or two.
const MAX_ZIP_ENTRIES: usize = 1_000;
/// Fields in one CSV record, empty ones included: the CSV reader keeps an index entry for each.
const MAX_CSV_FIELDS: usize = 1_024;

/// One row of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// Its number as the spreadsheet shows it (the first row is 1).
    pub number: usize,
    /// Its cells as text, from column A; trailing empty cells may be missing.
    pub cells: Vec<String>,
}

impl SheetRow {
    /// Whether every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A refusal of the uploaded file because of a limit, naming it.
fn over(key: &'static str, limit: usize) -> AppError {
    AppError::limit("file", key, limit as i64)
}

fn unreadable() -> AppError {
    AppError::field("file", "err-file-unreadable")
}

/// Reads every row of the first sheet of an .xlsx or a .csv (chosen by content: a zip is
/// .xlsx), handing each to `each` in order; stops at the first error, of the file or of `each`.
pub fn read_rows(
    bytes: &[u8],
    limits: &SheetLimits,
    each: &mut dyn FnMut(SheetRow) -> Result<()>,
) -> Result<()> {
    if bytes.starts_with(b"PK\x03\x04") {
        check_zip(bytes, limits)?;
        read_xlsx(bytes, limits, each)
    } else {
        read_csv(bytes, limits, each)
    }
}

/// Checks a sheet against the limits and counts its rows, keeping nothing: a file refused here
/// has imported nothing, and a file that passes will not be refused half-way.
pub fn check(bytes: &[u8], limits: &SheetLimits) -> Result<usize> {
    let mut rows = 0;
    read_rows(bytes, limits, &mut |_| {
        rows += 1;
        Ok(())
    })?;
    Ok(rows)
}

/// The first sheet as a dense table from row 1 (blank rows kept as empty rows), with the
/// default limits. For small sheets and tests; imports stream with `read_rows`.
pub fn read_table(bytes: &[u8]) -> Result<Table> {
    let mut table: Table = Vec::new();
    read_rows(bytes, &SheetLimits::default(), &mut |row| {
        table.resize(row.number - 1, Vec::new());
        table.push(row.cells);
        Ok(())
    })?;
    Ok(table)
}

/// Inflates each part of the zip into a counter, refusing it before the reader sees it when it
/// inflates beyond the limits or holds a text run longer than a cell can be.
fn check_zip(bytes: &[u8], limits: &SheetLimits) -> Result<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(unreadable());
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| unreadable())?;
        let shared_strings = part.name().ends_with("sharedStrings.xml");
        let mut size: u64 = 0;
        let mut run: u64 = 0;
        loop {
            let n = part.read(&mut buf).map_err(|_| unreadable())?;
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if total > limits.max_unzipped_bytes {
                return Err(over(
                    "err-file-unzipped-too-large",
                    (limits.max_unzipped_bytes / (1024 * 1024)) as usize,
                ));
            }
            if shared_strings && size > MAX_SHARED_STRINGS_BYTES {
                return Err(over(
                    "err-file-unzipped-too-large",
                    (MAX_SHARED_STRINGS_BYTES / (1024 * 1024)) as usize,
                ));
            }
            for &b in &buf[..n] {
                if b == b'<' || b == b'>' {
                    run = 0;
                } else {
                    run += 1;
                }
            }
            // Checked at each 64 KB chunk's end: a run is caught before it grows a chunk past
            // the bound, which is all the XML reader's buffer needs.
            if run > MAX_XML_RUN {
                return Err(over("err-file-cell-too-long", limits.max_cell_chars));
            }
        }
    }
    Ok(())
}

/// The text of a cell as the office sees it.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            // Doubles keep 15 significant digits; beyond that the digits Excel shows are not the typed ones.
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else if f.fract() == 0.0 {
                LOST_PRECISION.to_string()
            } else {
                f.to_string()
            }
        }
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        DataRef::DateTime(d) => d
            .as_datetime()
            .map(|dt| dt.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// Builds rows from cells in sheet order and enforces the per-cell and per-sheet limits.
struct RowBuilder<'a> {
    limits: &'a SheetLimits,
    current: Option<SheetRow>,
    cells: usize,
    each: &'a mut dyn FnMut(SheetRow) -> Result<()>,
}

impl RowBuilder<'_> {
    /// Adds the cell at 0-based `(row, column)`.
    fn cell(&mut self, row: usize, column: usize, text: String) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if column >= self.limits.max_columns {
            return Err(over("err-file-too-many-columns", self.limits.max_columns));
        }
        if row >= self.limits.max_rows {
            return Err(over("err-file-too-many-rows", self.limits.max_rows));
        }
        if text.len() > self.limits.max_cell_chars
            && text.chars().count() > self.limits.max_cell_chars
        {
            return Err(over("err-file-cell-too-long", self.limits.max_cell_chars));
        }
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(over("err-file-too-many-cells", self.limits.max_cells));
        }
        let number = row + 1;
        if self.current.as_ref().is_some_and(|r| r.number != number) {
            self.flush()?;
        }
        let current = self.current.get_or_insert_with(|| SheetRow {
            number,
            cells: Vec::new(),
        });
        if current.cells.len() <= column {
            current.cells.resize(column + 1, String::new());
        }
        current.cells[column] = text;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        match self.current.take() {
            Some(row) => (self.each)(row),
            None => Ok(()),
        }
    }
}

fn read_xlsx(
    bytes: &[u8],
    limits: &SheetLimits,
    each: &mut dyn FnMut(SheetRow) -> Result<()>,
) -> Result<()> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| AppError::field("file", "err-file-empty"))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| unreadable())?;
    let mut rows = RowBuilder {
        limits,
        current: None,
        cells: 0,
        each,
    };
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, column) = cell.get_position();
        rows.cell(row as usize, column as usize, cell_text(cell.get_value()))?;
    }
    rows.flush()
}

/// Decodes CSV bytes: a UTF-8 BOM is dropped, valid UTF-8 is taken as is, anything else is read
/// as GBK (GB18030), which is what Excel on a Chinese Windows writes.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(encoding_rs::GB18030.decode(bytes).0.into_owned()),
    }
}

/// Refuses a CSV text whose records hold more fields than the reader should index, before it
/// indexes them: quotes are followed so commas inside quoted cells do not count.
fn check_csv_shape(text: &str) -> Result<()> {
    let mut quoted = false;
    let mut fields = 1usize;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                fields += 1;
                if fields > MAX_CSV_FIELDS {
                    return Err(over("err-file-too-many-columns", MAX_CSV_FIELDS));
                }
            }
            b'\n' if !quoted => fields = 1,
            _ => {}
        }
    }
    Ok(())
}

fn read_csv(
    bytes: &[u8],
    limits: &SheetLimits,
    each: &mut dyn FnMut(SheetRow) -> Result<()>,
) -> Result<()> {
    let text = decode_text(bytes);
    check_csv_shape(&text)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = RowBuilder {
        limits,
        current: None,
        cells: 0,
        each,
    };
    let mut record = csv::StringRecord::new();
    // The reader skips blank lines, and a record's position can point at the blank lines before
    // it; the line its first character is on is its row in Excel, counted here.
    let bytes = text.as_bytes();
    let (mut seen, mut line) = (0usize, 0usize);
    while reader.read_record(&mut record).map_err(|_| unreadable())? {
        let start = record.position().map_or(seen, |p| p.byte() as usize);
        let mut at = seen;
        while at < start.min(bytes.len()) {
            line += usize::from(bytes[at] == b'\n');
            at += 1;
        }
        while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
            line += usize::from(bytes[at] == b'\n');
            at += 1;
        }
        seen = at;
        let row = line;
        for (column, cell) in record.iter().enumerate() {
            rows.cell(row, column, cell.trim().to_string())?;
        }
    }
    rows.flush()
}

/// Rows of an uploaded sheet arriving from a reader on the blocking pool, a few at a time, so
/// an import holds one batch of rows in memory, never the sheet.
pub struct RowStream {
    rows: tokio::sync::mpsc::Receiver<Result<SheetRow>>,
    back: std::collections::VecDeque<SheetRow>,
    /// Rows in the sheet (blank rows not counted), known before the first is read.
    pub total: usize,
}

impl RowStream {
    /// Checks the whole sheet against `limits` first (nothing is handed on from a sheet that
    /// would be refused half-way), then streams its rows.
    pub async fn open(bytes: Vec<u8>, limits: SheetLimits) -> Result<RowStream> {
        let bytes = std::sync::Arc::new(bytes);
        let checked = bytes.clone();
        let total = tokio::task::spawn_blocking(move || check(&checked, &limits))
            .await
            .map_err(|e| AppError::Internal(format!("sheet check: {e}")))??;
        let (send, rows) = tokio::sync::mpsc::channel(1024);
        tokio::task::spawn_blocking(move || {
            let result = read_rows(&bytes, &limits, &mut |row| {
                // The import stopped listening (an error of its own): stop reading.
                send.blocking_send(Ok(row))
                    .map_err(|_| AppError::Internal("import stopped".into()))
            });
            if let Err(e) = result {
                let _ = send.blocking_send(Err(e));
            }
        });
        Ok(RowStream {
            rows,
            back: Default::default(),
            total,
        })
    }

    /// The next row, or None at the end of the sheet.
    pub async fn next(&mut self) -> Result<Option<SheetRow>> {
        if let Some(row) = self.back.pop_front() {
            return Ok(Some(row));
        }
        self.rows.recv().await.transpose()
    }

    /// Up to `n` rows.
    pub async fn take(&mut self, n: usize) -> Result<Vec<SheetRow>> {
        let mut out = Vec::with_capacity(n.min(1024));
        while out.len() < n {
            match self.next().await? {
                Some(row) => out.push(row),
                None => break,
            }
        }
        Ok(out)
    }

    /// The header of the sheet as offices lay it out, with the data rows left to read: the
    /// first of the first `HEADER_SEARCH_ROWS` rows in which `known` recognizes two cells or
    /// more (a title such as 「XX社区居民信息登记表」 and note rows above it are skipped). A row
    /// right below it made only of column names (the lower half of a two-row header whose upper
    /// cells are merged, such as 住址 over 楼栋 单元 房号) fills the columns the header left
    /// blank or unrecognized. Without such a row, the first non-blank row is the header, so the
    /// caller can say which column is missing.
    pub async fn header(
        &mut self,
        known: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<SheetRow>> {
        let first = self.take(HEADER_SEARCH_ROWS).await?;
        let recognized = |r: &SheetRow| r.cells.iter().filter(|c| known(c)).count();
        let Some(at) = first
            .iter()
            .position(|r| recognized(r) >= 2)
            .or_else(|| first.iter().position(|r| !r.is_blank()))
        else {
            return Ok(None);
        };
        let mut rest = first.into_iter().skip(at);
        let Some(mut header) = rest.next() else {
            return Ok(None);
        };
        let mut rest: Vec<SheetRow> = rest.collect();
        if let Some(below) = rest.first()
            && below.number == header.number + 1
            && !below.is_blank()
            && below.cells.iter().all(|c| c.is_empty() || known(c))
        {
            let below = rest.remove(0);
            if header.cells.len() < below.cells.len() {
                header.cells.resize(below.cells.len(), String::new());
            }
            for (i, name) in below.cells.into_iter().enumerate() {
                if !name.is_empty() && !known(&header.cells[i]) {
                    header.cells[i] = name;
                }
            }
        }
        for row in rest.into_iter().rev() {
            self.back.push_front(row);
        }
        Ok(Some(header))
    }
}

/// How far down a sheet its header is looked for.
pub const HEADER_SEARCH_ROWS: usize = 10;

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

    /// Writes the finished file to `path` (exports too large to keep in memory).
    pub fn finish_to(mut self, path: &std::path::Path) -> Result<()> {
        self.book.save(path).map_err(xlsx_error)
    }
}

/// A sheet written into a file a page of rows at a time, on a blocking thread: an export of any
/// length holds at most two pages in memory, and the runtime's threads never wait on the writer
/// (a full channel suspends the reader's task, not its thread). A sheet dropped before `finish`
/// writes no file, so an export that failed half-way leaves nothing behind its own clean-up.
pub struct SheetFile {
    pages: tokio::sync::mpsc::Sender<Vec<Vec<String>>>,
    finished: std::sync::Arc<std::sync::atomic::AtomicBool>,
    writer: Option<tokio::task::JoinHandle<Result<()>>>,
}

impl SheetFile {
    /// Starts writing a sheet named `name` under `header` into `path`.
    pub fn create(path: std::path::PathBuf, name: String, header: Vec<String>) -> SheetFile {
        // Two pages in flight at most: the reader waits for the writer rather than piling up rows.
        let (pages, mut incoming) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(2);
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let told = finished.clone();
        let writer = tokio::task::spawn_blocking(move || {
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut w = SheetWriter::new(&name, &header)?;
            while let Some(page) = incoming.blocking_recv() {
                for row in page {
                    w.push(&row)?;
                }
            }
            if !told.load(std::sync::atomic::Ordering::Acquire) {
                return Err(AppError::Internal("sheet abandoned".into()));
            }
            w.finish_to(&path)
        });
        SheetFile {
            pages,
            finished,
            writer: Some(writer),
        }
    }

    /// Appends a page of rows; fails with the writer's own error if it stopped.
    pub async fn push(&mut self, page: Vec<Vec<String>>) -> Result<()> {
        if self.pages.send(page).await.is_ok() {
            return Ok(());
        }
        match self.writer.take() {
            Some(writer) => match writer.await {
                Ok(Err(e)) => Err(e),
                Ok(Ok(())) => Err(AppError::Internal("sheet writer ended early".into())),
                Err(e) => Err(AppError::Internal(format!("sheet writer: {e}"))),
            },
            None => Err(AppError::Internal("sheet writer stopped".into())),
        }
    }

    /// Finishes the file once every page is written.
    pub async fn finish(self) -> Result<()> {
        let SheetFile {
            pages,
            finished,
            writer,
        } = self;
        finished.store(true, std::sync::atomic::Ordering::Release);
        drop(pages);
        let writer = writer.ok_or_else(|| AppError::Internal("sheet writer stopped".into()))?;
        writer
            .await
            .map_err(|e| AppError::Internal(format!("sheet writer: {e}")))?
    }
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
            cell_text(&DataRef::Float(110105194912310020.0)),
            LOST_PRECISION
        );
        assert_eq!(cell_text(&DataRef::Float(13812345678.0)), "13812345678");
    }

    fn refusal(r: Result<impl std::fmt::Debug>) -> (&'static str, Option<i64>) {
        match r {
            Err(AppError::Invalid(f)) => (f.0[0].key, f.0[0].limit),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// An .xlsx whose first sheet's XML is `sheet` (and no shared strings).
    fn xlsx_with_sheet(sheet: &str) -> Vec<u8> {
        let mut w = SheetWriter::new("s", &["姓名"]).unwrap();
        w.push(&["x"]).unwrap();
        let original = w.finish().unwrap();
        let mut from = zip::ZipArchive::new(Cursor::new(original)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..from.len() {
            let mut part = from.by_index(i).unwrap();
            let name = part.name().to_string();
            let mut body = Vec::new();
            part.read_to_end(&mut body).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                body = sheet.as_bytes().to_vec();
            }
            out.start_file(name, options).unwrap();
            out.write_all(&body).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

    #[test]
    fn a_cell_at_the_far_corner_is_refused_by_its_reference() {
        let sheet = format!(
            r#"{SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
        );
        let file = xlsx_with_sheet(&sheet);
        assert!(file.len() < 8 * 1024);
        assert_eq!(
            refusal(read_table(&file)),
            ("err-file-too-many-columns", Some(64))
        );
        let limits = SheetLimits {
            max_columns: 20_000,
            ..SheetLimits::default()
        };
        assert_eq!(
            refusal(check(&file, &limits)),
            ("err-file-too-many-rows", Some(100_000))
        );
    }

    #[test]
    fn a_zip_bomb_stops_at_the_inflated_limit() {
        // 300 MB of one repeated byte in a text run inflates from about 300 KB.
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("xl/sharedStrings.xml", options).unwrap();
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..40 {
            out.write_all(&chunk).unwrap();
        }
        let bomb = out.finish().unwrap().into_inner();
        assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
        let (key, _) = refusal(read_table(&bomb));
        assert!(
            key == "err-file-unzipped-too-large" || key == "err-file-cell-too-long",
            "{key}"
        );
    }

    #[test]
    fn csv_limits_hold_before_the_reader_indexes_a_record() {
        let commas = ",".repeat(5_000_000);
        assert_eq!(
            refusal(read_table(commas.as_bytes())),
            ("err-file-too-many-columns", Some(MAX_CSV_FIELDS as i64))
        );
        let wide = format!("{}x\n", ",".repeat(70));
        assert_eq!(
            refusal(read_table(wide.as_bytes())),
            ("err-file-too-many-columns", Some(64))
        );
        let long = format!("姓名\n{}\n", "长".repeat(1001));
        assert_eq!(
            refusal(read_table(long.as_bytes())),
            ("err-file-cell-too-long", Some(1000))
        );
        let rows = "a\n".repeat(11);
        let limits = SheetLimits {
            max_rows: 10,
            ..SheetLimits::default()
        };
        assert_eq!(
            refusal(check(rows.as_bytes(), &limits)),
            ("err-file-too-many-rows", Some(10))
        );
        assert_eq!(check("a\n".repeat(10).as_bytes(), &limits).unwrap(), 10);
        // Quoted commas are one cell, trailing empty cells cost nothing.
        let quoted = format!("\"{}\",b,,,\n", ",".repeat(900));
        assert_eq!(read_table(quoted.as_bytes()).unwrap()[0][1], "b");
    }

    #[test]
    fn rows_keep_the_numbers_the_sheet_shows() {
        let mut rows = Vec::new();
        read_rows(
            "标题\n\n姓名,房号\n张三,101\n".as_bytes(),
            &SheetLimits::default(),
            &mut |r| {
                rows.push(r.number);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(rows, vec![1, 3, 4]);
    }

    #[test]
    fn a_sheet_file_holds_every_page_once_finished_and_is_not_written_when_abandoned() {
        let folder = std::env::temp_dir().join(format!("sanshe-sheet-file-{}", crate::new_id()));
        std::fs::create_dir_all(&folder).unwrap();
        let (finished, abandoned) = (folder.join("finished.xlsx"), folder.join("abandoned.xlsx"));
        let header = vec!["姓名".to_string(), "身份证号".to_string()];
        let page = |from: usize| {
            (from..from + 3)
                .map(|i| vec![format!("居民{i}"), format!("1201041949010{i:04}")])
                .collect::<Vec<_>>()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut sheet = SheetFile::create(finished.clone(), "居民".into(), header.clone());
            sheet.push(page(0)).await.unwrap();
            sheet.push(page(3)).await.unwrap();
            sheet.finish().await.unwrap();

            // A failure between two pages drops the sheet unfinished. Four pages through a
            // channel of two: the writer has started on them before the drop.
            let mut sheet = SheetFile::create(abandoned.clone(), "居民".into(), header.clone());
            for from in [0, 3, 6, 9] {
                sheet.push(page(from)).await.unwrap();
            }
        });
        // Dropping the runtime waits for its blocking threads: the abandoned writer has ended.
        drop(runtime);
        let table = read_table(&std::fs::read(&finished).unwrap()).unwrap();
        assert_eq!(table.len(), 7);
        assert_eq!(table[0], header);
        assert_eq!(table[6], vec!["居民5", "12010419490100005"]);
        assert!(!abandoned.exists());
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
