//! Spreadsheets (xlsx, xlsm, xlsb, xls, ods) through calamine: every non-empty cell of every
//! sheet (hidden ones included) is a record located by sheet, A1-style cell and column.
//!
//! Per sheet, the first non-empty row is a header when it reads like labels (the rule of
//! delimited files), or the first wider row under a title line or two; the header's cells
//! then name the columns and are not scanned. Other columns are named by their letter.
//!
//! Cells are rendered as a person sees them in Excel: a phone stored as the number
//! 13812345678 reads "13812345678", and a number too long for Excel's 15 significant digits
//! (an 18-digit ID typed into a number cell) reads "1.10105E+17", as in Excel's General
//! format, so that it is noticed as damaged instead of mistaken for an ID.
//!
//! xlsx and xlsb sheets are streamed cell by cell; xls and ods workbooks are loaded whole by
//! calamine (its only interface for them), and one sheet's range is copied out at a time.
//! Formulas are not evaluated: the value Excel saved with the cell is read. Error cells
//! (`#N/A`), empty cells, charts and macros are skipped.
//!
//! An encrypted workbook and a file calamine cannot open are an `Err`; a sheet that cannot be
//! read is a warning and the other sheets are still read. calamine indexes into records of
//! the file without always checking their length, so every call into it runs under
//! `catch_unwind`: a hostile file ends as an `Err`, never as a crashed scan.

use super::delimited::looks_like_header;
use super::{FileFacts, Origin, Record};
use crate::error::{Classified, ErrorKind, Problem};
use calamine::{
    Cell, CellType, DataRef, DataType, ExcelDateTime, Ods, OdsError, Range, Reader, Sheet, SheetType, Xls,
    XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use std::fmt::{self, Display, Write as _};
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Workbook container kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

/// Why a workbook cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// A password to open (not just to edit).
    #[error("encrypted or password-protected workbook: cannot be read")]
    Encrypted,
    /// calamine cannot open it, or could read none of its sheets.
    #[error("corrupt spreadsheet: {0}")]
    Unreadable(Failure),
    /// calamine panicked on malformed data. Its message is not kept: it could quote cells.
    #[error("corrupt spreadsheet: the reader failed on malformed data")]
    Panicked,
    #[error("{}", super::io_message(.0))]
    Read(#[from] io::Error),
}

impl Classified for SheetError {
    fn kind(&self) -> ErrorKind {
        match self {
            SheetError::Encrypted => ErrorKind::Encrypted,
            SheetError::Unreadable(f) => f.kind,
            SheetError::Panicked => ErrorKind::Corrupt,
            SheetError::Read(e) => ErrorKind::of_io(e),
        }
    }
}

/// calamine's reason for a failure, with what may be cell content redacted, and its kind:
/// `corrupt`, unless it is an I/O error or a damaged zip container underneath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    kind: ErrorKind,
    reason: String,
}

impl Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What the four calamine error types have in common.
trait CalamineError: Display {
    fn password(&self) -> bool;
    fn io(&self) -> Option<&io::Error>;
    fn zip(&self) -> Option<&zip::result::ZipError>;

    fn failure(&self) -> Failure {
        let kind = match (self.io(), self.zip()) {
            (Some(e), _) => ErrorKind::of_io(e),
            (_, Some(e)) => super::archive::zip_kind(e),
            _ => ErrorKind::Corrupt,
        };
        // calamine quotes what it failed on: an unknown cell type attribute, an error cell's
        // text, an entity name, all of which a hostile file can make a phone number.
        let reason = super::redact(&self.to_string());
        Failure { kind, reason }
    }

    fn into_sheet_error(self) -> SheetError
    where
        Self: Sized,
    {
        if self.password() {
            SheetError::Encrypted
        } else {
            SheetError::Unreadable(self.failure())
        }
    }
}

macro_rules! calamine_error {
    ($t:ident $(, $zip:ident)?) => {
        impl CalamineError for $t {
            fn password(&self) -> bool {
                matches!(self, $t::Password)
            }
            fn io(&self) -> Option<&io::Error> {
                match self {
                    $t::Io(e) => Some(e),
                    _ => None,
                }
            }
            fn zip(&self) -> Option<&zip::result::ZipError> {
                $(if let $t::$zip(e) = self {
                    return Some(e);
                })?
                None
            }
        }
    };
}

calamine_error!(XlsxError, Zip);
calamine_error!(XlsbError, Zip);
calamine_error!(OdsError, Zip);
calamine_error!(XlsError);

/// Reads every sheet of a workbook.
///
/// `kind` comes from the file name; the container's magic bytes overrule it where they
/// disagree, because renamed exports are common: an OLE file is read as xls (or reported as
/// encrypted: that is how an encrypted xlsx looks), and a zip named `.xls` as xlsx.
pub fn read<RS: Read + Seek>(
    mut reader: RS,
    kind: SheetKind,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SheetError> {
    let kind = match (sniff(&mut reader)?, kind) {
        (Container::Ole, _) => SheetKind::Xls,
        (Container::Zip, SheetKind::Xls) => SheetKind::Xlsx,
        (_, kind) => kind,
    };
    let mut book = Tally::default();
    match kind {
        SheetKind::Xlsx => {
            let mut wb = guard(|| Xlsx::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let outcome = match guard(|| wb.worksheet_cells_reader(&name))? {
                    Ok(mut cells) => stream(&name, || guard(|| cells.next_cell()), emit)?,
                    // A chart sheet listed as a sheet: nothing to read.
                    Err(XlsxError::NotAWorksheet(_)) => continue,
                    Err(e) => Err(e.failure()),
                };
                book.sheet(&name, outcome);
            }
        }
        SheetKind::Xlsb => {
            let mut wb = guard(|| Xlsb::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let outcome = match guard(|| wb.worksheet_cells_reader(&name))? {
                    Ok(mut cells) => stream(&name, || guard(|| cells.next_cell()), emit)?,
                    Err(e) => Err(e.failure()),
                };
                book.sheet(&name, outcome);
            }
        }
        SheetKind::Xls => {
            let opened = guard(|| Xls::new(&mut reader))?;
            let mut wb = match opened {
                Ok(wb) => wb,
                Err(XlsError::Password) => return Err(SheetError::Encrypted),
                Err(e) => {
                    // An encrypted xlsx is an OLE file without a Workbook stream, so Xls fails
                    // on it; calamine's xlsx opener is what recognises its EncryptedPackage.
                    reader.seek(SeekFrom::Start(0))?;
                    if let Ok(Err(XlsxError::Password)) = guard(|| Xlsx::new(&mut reader)) {
                        return Err(SheetError::Encrypted);
                    }
                    return Err(SheetError::Unreadable(e.failure()));
                }
            };
            for name in worksheets(wb.sheets_metadata()) {
                let outcome = match guard(|| wb.worksheet_range(&name))? {
                    Ok(range) => walk_range(&name, &range, emit),
                    Err(e) => Err(e.failure()),
                };
                book.sheet(&name, outcome);
            }
        }
        SheetKind::Ods => {
            let mut wb = guard(|| Ods::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let outcome = match guard(|| wb.worksheet_range(&name))? {
                    Ok(range) => walk_range(&name, &range, emit),
                    Err(e) => Err(e.failure()),
                };
                book.sheet(&name, outcome);
            }
        }
    }
    book.finish()
}

enum Container {
    Zip,
    Ole,
    Other,
}

fn sniff<RS: Read + Seek>(reader: &mut RS) -> io::Result<Container> {
    let mut magic = [0u8; 8];
    let mut n = 0;
    while n < magic.len() {
        match reader.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    reader.seek(SeekFrom::Start(0))?;
    Ok(if magic.starts_with(b"PK\x03\x04") {
        Container::Zip
    } else if magic == *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" {
        Container::Ole
    } else {
        Container::Other
    })
}

/// Runs a calamine call; a panic in it becomes the file's `Err`. The workbook may be left
/// half-updated by the panic, so nothing more is read from it.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| SheetError::Panicked)
}

/// Sheets that can hold cells, in workbook order. Chart and VBA sheets have none.
fn worksheets(sheets: &[Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| !matches!(s.typ, SheetType::ChartSheet | SheetType::Vba))
        .map(|s| s.name.clone())
        .collect()
}

/// Counts sheets read and failed.
#[derive(Default)]
struct Tally {
    facts: FileFacts,
    read: usize,
    failed: usize,
}

impl Tally {
    fn sheet(&mut self, name: &str, outcome: Result<(), Failure>) {
        match outcome {
            Ok(()) => self.read += 1,
            Err(e) => {
                self.failed += 1;
                // A sheet named after a value (a customer's phone) is not named.
                let name = if super::looks_like_value(name) { "*" } else { name };
                self.facts
                    .warnings
                    .push(Problem::new(e.kind, format!("sheet '{name}': {e}")));
            }
        }
    }

    /// A workbook none of whose sheets could be read is broken, not merely damaged.
    fn finish(mut self) -> Result<FileFacts, SheetError> {
        if self.read == 0 && self.failed > 0 {
            let first = self.facts.warnings.remove(0);
            return Err(SheetError::Unreadable(Failure {
                kind: first.kind,
                reason: first.message,
            }));
        }
        Ok(self.facts)
    }
}

/// Streams a sheet cell by cell (xlsx, xlsb). `Ok(Err(reason))` is a sheet that broke off;
/// `Err` a panic in calamine, which ends the file.
fn stream<'a, E: CalamineError>(
    name: &str,
    mut next: impl FnMut() -> Result<Result<Option<Cell<DataRef<'a>>>, E>, SheetError>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<Result<(), Failure>, SheetError> {
    let mut sheet = SheetWriter::new(name);
    let mut buf = String::new();
    let outcome = loop {
        match next() {
            Ok(Ok(Some(cell))) => {
                let (row, col) = cell.get_position();
                if let Some(text) = render(cell.get_value(), &mut buf) {
                    sheet.cell(row, col, text, emit);
                }
            }
            Ok(Ok(None)) => break Ok(()),
            Ok(Err(e)) => break Err(e.failure()),
            Err(panic) => {
                sheet.finish(emit);
                return Err(panic);
            }
        }
    };
    // Cells read before a sheet broke off stand, like records before a read error.
    sheet.finish(emit);
    Ok(outcome)
}

/// Walks a sheet loaded as a range (xls, ods).
fn walk_range<T: CellType + DataType>(
    name: &str,
    range: &Range<T>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(), Failure> {
    // `used_cells` counts from the range's top-left cell, not from A1.
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut sheet = SheetWriter::new(name);
    let mut buf = String::new();
    for (r, c, value) in range.used_cells() {
        if let Some(text) = render(value, &mut buf) {
            sheet.cell(row0 + r as u32, col0 + c as u32, text, emit);
        }
    }
    sheet.finish(emit);
    Ok(())
}

/// Lone-cell rows (a title, an export time) that may stand above a header row.
const MAX_BANNER_ROWS: usize = 3;

/// Turns one sheet's cells, in row order, into records: holds back the leading rows until it
/// is known which, if any, is the header.
///
/// The header is the first non-empty row when it reads like labels, as for delimited files.
/// Exports from Chinese shop back-ends often put a title in a merged first row
/// ("天猫订单明细  导出时间：…  店铺：…") above the real header, so one to
/// `MAX_BANNER_ROWS` rows of a single cell followed by a wider row that reads like labels make
/// that wider row the header; the title rows are scanned as data under their column letter.
struct SheetWriter<'s> {
    sheet: &'s str,
    /// Column names by 0-based sheet column; filled with letters as columns appear.
    columns: Vec<Arc<str>>,
    /// Leading rows and their cells, until the header is known.
    held: Vec<(u32, Vec<(u32, String)>)>,
    decided: bool,
    cell: String,
}

impl<'s> SheetWriter<'s> {
    fn new(sheet: &'s str) -> Self {
        SheetWriter {
            sheet,
            columns: Vec::new(),
            held: Vec::new(),
            decided: false,
            cell: String::new(),
        }
    }

    fn cell(&mut self, row: u32, col: u32, text: &str, emit: &mut dyn FnMut(Record<'_>)) {
        if !self.decided {
            let new_row = self.held.last().is_none_or(|(r, _)| *r != row);
            // A new row means the last one is complete.
            if new_row && self.held_enough() {
                self.decide(emit);
            }
            if !self.decided {
                if new_row {
                    self.held.push((row, Vec::new()));
                }
                if let Some((_, cells)) = self.held.last_mut() {
                    cells.push((col, text.to_owned()));
                }
                return;
            }
        }
        self.emit(row, col, text, emit);
    }

    /// The header is known once a complete row is wider than one cell, or once more
    /// lone-cell rows were seen than a title block has.
    fn held_enough(&self) -> bool {
        self.held
            .last()
            .is_some_and(|(_, cells)| cells.len() > 1 || self.held.len() > MAX_BANNER_ROWS)
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        if !self.decided {
            self.decide(emit);
        }
    }

    fn decide(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        self.decided = true;
        let held = std::mem::take(&mut self.held);
        let labels = |i: usize| {
            let texts: Vec<&str> = held[i].1.iter().map(|(_, t)| t.as_str()).collect();
            looks_like_header(&texts)
        };
        // Rows before the first wide one all have one cell (see `held_enough`).
        let wide = held.iter().position(|(_, cells)| cells.len() > 1);
        let header = match wide {
            Some(k) if k > 0 && labels(k) => Some(k),
            _ if !held.is_empty() && labels(0) => Some(0),
            _ => None,
        };
        for (i, (row, cells)) in held.iter().enumerate() {
            if Some(i) == header {
                for (col, text) in cells {
                    self.ensure_column(*col);
                    let name = text.trim();
                    if !name.is_empty() {
                        self.columns[*col as usize] = Arc::from(name);
                    }
                }
            } else {
                for (col, text) in cells {
                    self.emit(*row, *col, text, emit);
                }
            }
        }
    }

    fn ensure_column(&mut self, col: u32) {
        let col = col as usize;
        while self.columns.len() <= col {
            let mut letters = String::new();
            push_letters(self.columns.len() as u32, &mut letters);
            self.columns.push(Arc::from(letters));
        }
    }

    fn emit(&mut self, row: u32, col: u32, text: &str, emit: &mut dyn FnMut(Record<'_>)) {
        self.ensure_column(col);
        self.cell.clear();
        push_letters(col, &mut self.cell);
        let _ = write!(self.cell, "{}", u64::from(row) + 1);
        emit(Record {
            text,
            origin: Origin::Sheet {
                sheet: self.sheet,
                cell: &self.cell,
                index: col as usize,
                column: &self.columns[col as usize],
            },
        });
    }
}

/// Column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
fn push_letters(col: u32, out: &mut String) {
    let mut n = col as u64 + 1;
    let mut rev = [0u8; 8];
    let mut len = 0;
    while n > 0 {
        n -= 1;
        rev[len] = b'A' + (n % 26) as u8;
        len += 1;
        n /= 26;
    }
    out.extend(rev[..len].iter().rev().map(|&b| b as char));
}

/// The text of a cell as Excel shows it, or `None` for empty and error cells.
fn render<'v, T: DataType>(value: &'v T, buf: &'v mut String) -> Option<&'v str> {
    if let Some(s) = value.get_string() {
        return (!s.trim().is_empty()).then_some(s);
    }
    if let Some(s) = value.get_datetime_iso().or_else(|| value.get_duration_iso()) {
        return Some(s);
    }
    buf.clear();
    if let Some(i) = value.get_int() {
        let _ = write!(buf, "{i}");
    } else if let Some(f) = value.get_float() {
        push_number(f, buf);
    } else if let Some(b) = value.get_bool() {
        buf.push_str(if b { "TRUE" } else { "FALSE" });
    } else if let Some(d) = value.get_datetime() {
        push_datetime(&d, buf);
    } else {
        return None;
    }
    (!buf.is_empty()).then_some(buf.as_str())
}

/// A number as Excel's General format shows it: at most 15 significant digits (Excel keeps
/// no more), no trailing zeros; from 1e15 up, where integers have already lost digits, and
/// for tiny fractions, scientific notation with 6 significant digits (`1.10105E+17`).
fn push_number(f: f64, buf: &mut String) {
    if !f.is_finite() {
        return;
    }
    if f == 0.0 {
        buf.push('0');
        return;
    }
    let abs = f.abs();
    if !(1e-9..1e15).contains(&abs) {
        push_scientific(f, buf);
        return;
    }
    // Round to 15 significant digits, then lay the digits out as a plain decimal.
    let sci = format!("{:.14e}", abs);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if f < 0.0 {
        buf.push('-');
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            buf.push_str(digits);
            buf.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            buf.push_str(&digits[..int_len]);
            buf.push('.');
            buf.push_str(&digits[int_len..]);
        }
    } else {
        buf.push_str("0.");
        buf.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        buf.push_str(digits);
    }
}

/// `1.10105E+17`: 6 significant digits, trailing zeros dropped, a signed exponent of at
/// least two digits, as Excel's General format writes it.
fn push_scientific(f: f64, buf: &mut String) {
    let sci = format!("{:.5e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let _ = write!(buf, "{mantissa}E{sign}{:02}", exp.unsigned_abs());
}

/// Dates as `2024-01-31`, date-times as `2024-01-31 08:05:00`, times of day as `08:05:00`,
/// durations as total hours `36:00:00`.
fn push_datetime(d: &ExcelDateTime, buf: &mut String) {
    let value = d.as_f64();
    if d.is_duration() {
        let secs = (value * 86_400.0).round() as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.unsigned_abs();
        let _ = write!(
            buf,
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        return;
    }
    let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
    let has_date = value >= 1.0;
    let has_time = value.fract() != 0.0;
    if has_date || !has_time {
        let _ = write!(buf, "{y:04}-{mo:02}-{da:02}");
    }
    if has_time {
        if has_date {
            buf.push(' ');
        }
        let _ = write!(buf, "{h:02}:{mi:02}:{s:02}");
        if ms != 0 {
            let _ = write!(buf, ".{ms:03}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// (sheet, cell, column, text) of every record.
    type Rec = (String, String, String, String);

    fn records(bytes: &[u8], kind: SheetKind) -> Result<(Vec<Rec>, FileFacts), SheetError> {
        let mut out = Vec::new();
        let facts = read(Cursor::new(bytes), kind, &mut |r| {
            if let Origin::Sheet {
                sheet, cell, column, ..
            } = r.origin
            {
                out.push((
                    sheet.to_string(),
                    cell.to_string(),
                    column.to_string(),
                    r.text.to_string(),
                ));
            }
        })?;
        Ok((out, facts))
    }

    fn rec(sheet: &str, cell: &str, column: &str, text: &str) -> Rec {
        (sheet.into(), cell.into(), column.into(), text.into())
    }

    /// Two sheets as a Qianniu export would have them: a header row over phones stored as
    /// numbers, an 18-digit ID stored as a number, amounts and dates; and a headerless sheet
    /// that starts at C3.
    fn workbook() -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let ws = wb.add_worksheet();
        ws.set_name("订单").unwrap();
        for (c, h) in ["姓名", "手机号", "身份证号", "金额", "下单时间", "", "已付"]
            .iter()
            .enumerate()
        {
            if !h.is_empty() {
                ws.write_string(0, c as u16, *h).unwrap();
            }
        }
        ws.write_string(1, 0, "张三").unwrap();
        ws.write_number(1, 1, 13812345678.0).unwrap();
        ws.write_number(1, 2, 110105194912310021.0).unwrap();
        ws.write_number(1, 3, 12.5).unwrap();
        let day = ExcelDateTime::from_ymd(2024, 1, 31).unwrap();
        ws.write_datetime_with_format(1, 4, &day, &date).unwrap();
        ws.write_string(1, 5, "无表头列").unwrap();
        ws.write_boolean(1, 6, true).unwrap();
        ws.write_string(1, 8, "超出表头").unwrap();
        ws.write_string(2, 0, "李四").unwrap();
        ws.write_string(2, 1, "13912345678").unwrap();
        ws.write_number(2, 3, 0.1 + 0.2).unwrap();
        let at = day.clone().and_hms(8, 5, 0).unwrap();
        ws.write_datetime_with_format(2, 4, &at, &stamp).unwrap();
        let ws = wb.add_worksheet();
        ws.set_name("Sheet2").unwrap();
        ws.write_number(2, 2, 15012345678.0).unwrap();
        ws.write_string(2, 3, "110105194912310021").unwrap();
        ws.write_number(3, 2, 13512345678.0).unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_cells_are_located_and_rendered_as_shown() {
        let (recs, facts) = records(&workbook(), SheetKind::Xlsx).unwrap();
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
        assert_eq!(facts.encoding, None);
        assert_eq!(
            recs,
            vec![
                rec("订单", "A2", "姓名", "张三"),
                rec("订单", "B2", "手机号", "13812345678"),
                // Lost digits stay visibly lost: the scanner notes them, never a wrong ID.
                rec("订单", "C2", "身份证号", "1.10105E+17"),
                rec("订单", "D2", "金额", "12.5"),
                rec("订单", "E2", "下单时间", "2024-01-31"),
                // An empty header cell, and a column past the header, go by letter.
                rec("订单", "F2", "F", "无表头列"),
                rec("订单", "G2", "已付", "TRUE"),
                rec("订单", "I2", "I", "超出表头"),
                rec("订单", "A3", "姓名", "李四"),
                rec("订单", "B3", "手机号", "13912345678"),
                rec("订单", "D3", "金额", "0.3"),
                rec("订单", "E3", "下单时间", "2024-01-31 08:05:00"),
                // No header: the first row is data, columns are letters, cells absolute.
                rec("Sheet2", "C3", "C", "15012345678"),
                rec("Sheet2", "D3", "D", "110105194912310021"),
                rec("Sheet2", "C4", "C", "13512345678"),
            ]
        );
    }

    /// A sheet from strings, one row per slice, starting at A1; `None` leaves a row empty.
    fn sheet_of(rows: &[&[&str]]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    ws.write_string(r as u32, c as u16, *text).unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    fn columns_and_cells(bytes: &[u8]) -> Vec<(String, String)> {
        let (recs, _) = records(bytes, SheetKind::Xlsx).unwrap();
        recs.into_iter().map(|(_, cell, col, _)| (cell, col)).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn a_title_row_above_the_header_is_data_and_the_header_below_it_names_columns() {
        let book = sheet_of(&[
            &["天猫订单明细  导出时间：2024-04-01 09:00"],
            &[],
            &["订单号", "手机号"],
            &["3955492994440712161", "18000777417"],
        ]);
        assert_eq!(
            columns_and_cells(&book),
            pairs(&[("A1", "A"), ("A4", "订单号"), ("B4", "手机号")])
        );
        // A single-column list: its one-cell first row is still the header...
        let book = sheet_of(&[&["手机号"], &["13812345678"], &["13912345678"]]);
        assert_eq!(
            columns_and_cells(&book),
            pairs(&[("A2", "手机号"), ("A3", "手机号")])
        );
        // ...and a headerless one stays headerless, however long.
        let phones: Vec<[&str; 1]> = vec![["13812345678"]; 6];
        let rows: Vec<&[&str]> = phones.iter().map(|r| &r[..]).collect();
        let cells = columns_and_cells(&sheet_of(&rows));
        assert_eq!(cells.len(), 6);
        assert!(cells.iter().all(|(_, col)| col == "A"));
        // A title over data rows that are not labels: the title is the first row's rule.
        let book = sheet_of(&[&["2024年订单"], &["13812345678", "张三"]]);
        assert_eq!(
            columns_and_cells(&book),
            pairs(&[("A2", "2024年订单"), ("B2", "B")])
        );
    }

    #[test]
    fn a_zip_named_xls_is_read_as_xlsx() {
        let (recs, _) = records(&workbook(), SheetKind::Xls).unwrap();
        assert_eq!(recs.len(), 15);
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let show = |f: f64| {
            let mut s = String::new();
            push_number(f, &mut s);
            s
        };
        assert_eq!(show(13812345678.0), "13812345678");
        assert_eq!(show(-42.0), "-42");
        assert_eq!(show(0.0), "0");
        assert_eq!(show(12.5), "12.5");
        assert_eq!(show(0.1 + 0.2), "0.3");
        assert_eq!(show(0.000123), "0.000123");
        assert_eq!(show(999_999_999_999_999.0), "999999999999999");
        assert_eq!(show(110105194912310021.0), "1.10105E+17");
        assert_eq!(show(6222021234567890123.0), "6.22202E+18");
        assert_eq!(show(1e15), "1E+15");
        assert_eq!(show(-1.5e20), "-1.5E+20");
        assert_eq!(show(1e-10), "1E-10");
        assert_eq!(show(f64::NAN), "");
    }

    #[test]
    fn other_cell_types_render_or_are_skipped() {
        use calamine::{CellErrorType, Data, ExcelDateTimeType};
        let show = |d: Data| {
            let mut buf = String::new();
            render(&d, &mut buf).map(str::to_string)
        };
        assert_eq!(show(Data::Int(13812345678)).as_deref(), Some("13812345678"));
        assert_eq!(show(Data::Bool(false)).as_deref(), Some("FALSE"));
        assert_eq!(show(Data::Error(CellErrorType::NA)), None);
        assert_eq!(show(Data::Empty), None);
        assert_eq!(show(Data::String("  ".into())), None);
        let dt = |v, t| Data::DateTime(ExcelDateTime::new(v, t, false));
        assert_eq!(
            show(dt(45322.0, ExcelDateTimeType::DateTime)).as_deref(),
            Some("2024-01-31")
        );
        assert_eq!(
            show(dt(0.5, ExcelDateTimeType::DateTime)).as_deref(),
            Some("12:00:00")
        );
        assert_eq!(
            show(dt(1.5, ExcelDateTimeType::TimeDelta)).as_deref(),
            Some("36:00:00")
        );
        assert_eq!(
            show(Data::DateTimeIso("2024-01-31T08:05:00".into())).as_deref(),
            Some("2024-01-31T08:05:00")
        );
    }

    #[test]
    fn column_letters() {
        let letters = |c| {
            let mut s = String::new();
            push_letters(c, &mut s);
            s
        };
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(701), "ZZ");
        assert_eq!(letters(702), "AAA");
        assert_eq!(letters(16383), "XFD");
    }

    fn zip(members: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, body) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

    fn manifest(entry: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{entry}</manifest:file-entry>
</manifest:manifest>"#
        )
    }

    const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:spreadsheet>
  <table:table table:name="客户">
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>电话</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>王五</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="13712345678"><text:p>13712345678</text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <table:table table:name="备注">
   <table:table-row>
    <table:table-cell/>
    <table:table-cell office:value-type="float" office:value="110105194912310021"><text:p>1.10105E+17</text:p></table:table-cell>
   </table:table-row>
  </table:table>
 </office:spreadsheet></office:body>
</office:document-content>"#;

    /// Without the indentation: calamine, like LibreOffice's writer, expects none between
    /// cells.
    fn ods_content() -> String {
        ODS_CONTENT.lines().map(str::trim).collect()
    }

    #[test]
    fn ods_sheets_are_read() {
        let ods = zip(&[
            ("mimetype", ODS_MIME),
            ("META-INF/manifest.xml", &manifest("")),
            ("content.xml", &ods_content()),
        ]);
        let (recs, facts) = records(&ods, SheetKind::Ods).unwrap();
        assert!(facts.warnings.is_empty());
        assert_eq!(
            recs,
            vec![
                rec("客户", "A2", "姓名", "王五"),
                rec("客户", "B2", "电话", "13712345678"),
                rec("备注", "B1", "B", "1.10105E+17"),
            ]
        );
    }

    #[test]
    fn encrypted_ods_is_an_error() {
        let entry = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>"#;
        let ods = zip(&[
            ("mimetype", ODS_MIME),
            ("META-INF/manifest.xml", &manifest(entry)),
            ("content.xml", &ods_content()),
        ]);
        let e = records(&ods, SheetKind::Ods).unwrap_err();
        assert!(matches!(e, SheetError::Encrypted), "{e}");
        assert_eq!(e.kind(), ErrorKind::Encrypted);
    }

    /// A minimal OLE compound file (version 3, 512-byte sectors) holding the two streams an
    /// encrypted xlsx consists of: sector 0 is the FAT, sector 1 the directory.
    fn encrypted_xlsx() -> Vec<u8> {
        const END: u32 = 0xFFFF_FFFE;
        const FREE: u32 = 0xFFFF_FFFF;
        let mut f = vec![0u8; 512 * 3];
        f[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        f[24..26].copy_from_slice(&0x3Eu16.to_le_bytes()); // minor version
        f[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version
        f[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // little-endian
        f[30..32].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
        f[32..34].copy_from_slice(&6u16.to_le_bytes()); // 64-byte mini sectors
        f[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
        f[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
        f[56..60].copy_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
        f[60..64].copy_from_slice(&END.to_le_bytes()); // no mini FAT
        f[68..72].copy_from_slice(&END.to_le_bytes()); // no DIFAT sectors
        for (i, slot) in f[76..512].chunks_mut(4).enumerate() {
            slot.copy_from_slice(&(if i == 0 { 0 } else { FREE }).to_le_bytes());
        }
        let fat = &mut f[512..1024];
        for (i, slot) in fat.chunks_mut(4).enumerate() {
            let v = match i {
                0 => 0xFFFF_FFFD, // the FAT sector itself
                1 => END,         // the directory chain
                _ => FREE,
            };
            slot.copy_from_slice(&v.to_le_bytes());
        }
        let dir = &mut f[1024..1536];
        for (i, (name, typ)) in [
            ("Root Entry", 5u8),
            ("EncryptionInfo", 2),
            ("EncryptedPackage", 2),
        ]
        .iter()
        .enumerate()
        {
            let e = &mut dir[i * 128..(i + 1) * 128];
            let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            e[..utf16.len()].copy_from_slice(&utf16);
            e[64..66].copy_from_slice(&((utf16.len() + 2) as u16).to_le_bytes());
            e[66] = *typ;
            e[68..80].copy_from_slice(&[0xFF; 12]); // no siblings, no child
            e[116..120].copy_from_slice(&END.to_le_bytes()); // empty stream
        }
        dir[68..80].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0]);
        dir[128 + 68..128 + 72].copy_from_slice(&2u32.to_le_bytes());
        f
    }

    #[test]
    fn encrypted_xlsx_is_an_error_whatever_it_is_named() {
        let file = encrypted_xlsx();
        for kind in [SheetKind::Xlsx, SheetKind::Xlsb, SheetKind::Xls, SheetKind::Ods] {
            let e = records(&file, kind).unwrap_err();
            assert!(matches!(e, SheetError::Encrypted), "{kind:?}: {e}");
            assert_eq!(e.kind(), ErrorKind::Encrypted);
        }
    }

    #[test]
    fn truncated_and_garbled_files_are_errors_not_panics() {
        let full = workbook();
        let cut = records(&full[..full.len() / 2], SheetKind::Xlsx).unwrap_err();
        // Cut in half, the zip container has lost its directory.
        assert_eq!(cut.kind(), ErrorKind::Corrupt, "{cut}");
        let cut = cut.to_string();
        assert!(cut.starts_with("corrupt spreadsheet: "), "{cut}");
        assert!(!cut.contains('\n'));
        let empty = records(b"", SheetKind::Xlsx).unwrap_err();
        assert!(empty.to_string().starts_with("corrupt spreadsheet: "));
        assert_eq!(empty.kind(), ErrorKind::Corrupt);
        assert!(records(b"not a workbook", SheetKind::Ods).is_err());
        // Every cut of every container must come back as Ok or Err, never unwind.
        let ole = encrypted_xlsx();
        for (bytes, kind) in [(&full, SheetKind::Xlsx), (&ole, SheetKind::Xls)] {
            for n in (0..bytes.len()).step_by(97) {
                let _ = records(&bytes[..n], kind);
                let _ = records(&bytes[..n], SheetKind::Xlsb);
            }
        }
        // Flipped bytes inside the OLE header and directory.
        for i in (0..ole.len()).step_by(7) {
            let mut bad = ole.clone();
            bad[i] ^= 0x5A;
            let _ = records(&bad, SheetKind::Xls);
        }
    }

    /// Rewrites a zip, replacing the member `name`.
    fn replace_member(bytes: &[u8], name: &str, body: &str) -> Vec<u8> {
        let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..src.len() {
            let member = src.by_index(i).unwrap();
            if member.name().unwrap() == name {
                drop(member);
                w.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(body.as_bytes()).unwrap();
            } else {
                w.raw_copy_file(member).unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_broken_sheet_is_a_warning_and_the_others_are_read() {
        let broken = replace_member(
            &workbook(),
            "xl/worksheets/sheet2.xml",
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>13812345678</t></is></c>"#,
        );
        let (recs, facts) = records(&broken, SheetKind::Xlsx).unwrap();
        assert_eq!(recs.iter().filter(|r| r.0 == "订单").count(), 12);
        // What the broken sheet gave before it broke off is kept.
        assert_eq!(recs.last().unwrap(), &rec("Sheet2", "A1", "A", "13812345678"));
        assert_eq!(facts.warnings.len(), 1);
        assert!(
            facts.warnings[0].message.starts_with("sheet 'Sheet2': "),
            "{:?}",
            facts.warnings
        );
        assert_eq!(facts.warnings[0].kind, ErrorKind::Corrupt);
    }

    #[test]
    fn a_value_in_a_malformed_cell_is_not_quoted_in_the_reason() {
        let sheet = |t: &str| {
            format!(
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="{t}"><v>1</v></c></row></sheetData></worksheet>"#
            )
        };
        for t in ["13812345678", "138 1234 5678", "li.na@example.com"] {
            let broken = replace_member(&workbook(), "xl/worksheets/sheet2.xml", &sheet(t));
            let (_, facts) = records(&broken, SheetKind::Xlsx).unwrap();
            assert_eq!(facts.warnings.len(), 1, "{t}: {:?}", facts.warnings);
            let message = &facts.warnings[0].message;
            assert!(!message.contains(t), "{message}");
            assert!(!message.contains("5678"), "{message}");
            assert!(
                message.contains('*'),
                "the reason says where something was left out: {message}"
            );
        }
    }
}
