//! The xlsx report: the inventory as an Excel workbook for an assessment team, one sheet per
//! table (summary, categories, files, columns, actions, children's IDs, columns Excel
//! damaged, errors, skipped files; stores, suspected ID images and changes when the
//! inventory has them). Every sheet has its header row even when it has no data, so a
//! team's formulas and macros can rely on the sheet set.
//!
//! Each sheet is ready to filter: the header row is frozen and bold, an autofilter covers
//! the data, and columns are as wide as their text, Chinese characters counting twice (they
//! are drawn twice as wide). Counts, sizes and scores are numeric cells, so they sum and
//! sort; shares are numbers shown as percentages.
//!
//! Paths, column names and error messages come from scanned data, so every text goes in as a
//! string cell: a name like `=HYPERLINK(...)` stays text, never a formula. An Excel sheet
//! holds at most 1,048,576 rows: a longer table is cut and its last row says how many rows
//! were left out. Rows go to an unnamed temporary file as they are written, so the workbook
//! of a huge inventory needs little memory beyond the inventory's. Like every report, the
//! workbook holds counts, paths and names, never a personal data value the inventory does
//! not hold.
//!
//! `sheets` says what each sheet holds; this module how any sheet is laid out.

use super::document::Facts;
use super::i18n::{self, Label};
use super::Lang;
use crate::finding::Sensitivity;
use crate::inventory::Severity;
use rust_xlsxwriter::{
    ColNum, Color, DocProperties, Format, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;

mod sheets;

/// Rows of an Excel sheet, the header row included.
const EXCEL_ROWS: usize = 1_048_576;
/// Characters (UTF-16 units) in an Excel cell.
const MAX_CELL_TEXT: usize = 32_767;
/// Column widths, in Excel's units (about one Latin character): wider text wraps.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;
/// Columns the autofilter's button covers in a header cell.
const FILTER_BUTTON: usize = 2;

pub(crate) fn render(facts: &Facts<'_>, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    render_rows(facts, lang, EXCEL_ROWS)
}

/// The workbook with at most `sheet_rows` rows a sheet (Excel's limit, smaller in tests).
fn render_rows(facts: &Facts<'_>, lang: Lang, sheet_rows: usize) -> Result<Vec<u8>, XlsxError> {
    let mut book = Book::new(facts, lang, sheet_rows);
    book.summary()?;
    if !facts.inventory.stores.is_empty() {
        book.stores()?;
    }
    book.categories()?;
    book.files()?;
    book.columns()?;
    book.actions()?;
    book.minors()?;
    book.precision_lost()?;
    if !facts.inventory.suspected_id_images.is_empty() {
        book.id_images()?;
    }
    if facts.inventory.changes.is_some() {
        book.changes()?;
    }
    book.errors()?;
    book.skipped()?;
    book.workbook.set_properties(
        &DocProperties::new()
            .set_title(Label::Title.text(lang))
            .set_comment(Label::PrivacyNote.text(lang)),
    );
    book.workbook.save_to_buffer()
}

/// A cell of a table row.
enum Cell<'a> {
    Text(Cow<'a, str>),
    /// A count, size or score: a number shown with thousands separators.
    Count(u64),
    /// A share (0.973): a number shown as a percentage.
    Ratio(f64),
    /// A number shown as it is (seconds, a confidence).
    Number(f64),
    Empty,
}

impl<'a> Cell<'a> {
    fn text(text: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Text(text.into())
    }

    fn opt_text(text: Option<&'a str>) -> Cell<'a> {
        text.map_or(Cell::Empty, Cell::text)
    }

    fn opt_count(n: Option<u64>) -> Cell<'a> {
        n.map_or(Cell::Empty, Cell::Count)
    }

    /// The columns the cell takes on screen, as Excel shows it.
    fn width(&self) -> usize {
        match self {
            Cell::Text(text) => display_width(text),
            Cell::Count(n) => i18n::count(*n).len(),
            Cell::Ratio(x) => i18n::percent(*x).chars().count(),
            Cell::Number(x) => x.to_string().len(),
            Cell::Empty => 0,
        }
    }
}

/// Columns a text takes in a spreadsheet: its longest line, East Asian wide characters
/// (Chinese, Japanese, Korean, full-width forms) counting 2.
pub(crate) fn display_width(text: &str) -> usize {
    text.split(['\n', '\r'])
        .map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

/// East Asian Wide and Fullwidth characters (Unicode UAX #11), by their blocks.
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F // Hangul Jamo initials
        | 0x2E80..=0x303E // CJK radicals, punctuation (。、「」)
        | 0x3041..=0x33FF // kana, bopomofo, CJK compatibility
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xA000..=0xA4CF // Yi
        | 0xAC00..=0xD7A3 // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFE30..=0xFE4F // CJK compatibility forms
        | 0xFF00..=0xFF60 // full-width forms (（）：，)
        | 0xFFE0..=0xFFE6 // full-width signs (￥)
        | 0x1F300..=0x1F64F // emoji
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD // CJK extensions B and later
    )
}

/// A column's width for its widest cell: a little padding, within bounds.
pub(crate) fn column_width(widest: usize) -> usize {
    widest.saturating_add(2).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// Text as Excel can hold it in one cell: cut to its limit (an error message can be long).
fn fit(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_CELL_TEXT || text.encode_utf16().count() <= MAX_CELL_TEXT {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        // One unit is left for the ellipsis.
        if units + c.len_utf16() > MAX_CELL_TEXT - 1 {
            break;
        }
        units += c.len_utf16();
        end = at + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

struct Formats {
    header: Format,
    count: Format,
    ratio: Format,
    wrap: Format,
    note: Format,
}

struct Book<'f, 'a> {
    facts: &'f Facts<'a>,
    lang: Lang,
    workbook: Workbook,
    formats: Formats,
    sheet_rows: usize,
    /// The inventory has stores (`scan --store`): tables get a store column.
    stores: bool,
}

type Row<'a> = Vec<Cell<'a>>;

impl<'f, 'a> Book<'f, 'a> {
    fn new(facts: &'f Facts<'a>, lang: Lang, sheet_rows: usize) -> Self {
        Book {
            facts,
            lang,
            workbook: Workbook::new(),
            formats: Formats {
                header: Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xDD_EB_F7))
                    .set_border_bottom(FormatBorder::Thin),
                count: Format::new().set_num_format("#,##0"),
                ratio: Format::new().set_num_format("0.0%"),
                wrap: Format::new().set_text_wrap(),
                note: Format::new().set_italic(),
            },
            // A header, a data row and the note must fit.
            sheet_rows: sheet_rows.max(3),
            stores: !facts.inventory.stores.is_empty(),
        }
    }

    fn t(&self, label: Label) -> &'static str {
        label.text(self.lang)
    }

    /// The header with a store column before the path when the inventory has stores.
    fn with_store(&self, header: &[Label]) -> Vec<Label> {
        let mut header = header.to_vec();
        if self.stores {
            let at = header.iter().position(|&l| l == Label::Path).unwrap_or(0);
            header.insert(at, Label::Store);
        }
        header
    }

    /// A path's cells: with stores, the store and the path relative to it.
    fn push_path(&self, row: &mut Row<'a>, path: &'a str) {
        if self.stores {
            let (store, rest) = self.facts.in_store(path).unwrap_or(("", path));
            row.push(Cell::text(store));
            row.push(Cell::text(rest));
        } else {
            row.push(Cell::text(path));
        }
    }

    fn class(&self, sensitivity: Option<Sensitivity>) -> Cell<'a> {
        sensitivity.map_or(Cell::Empty, |s| Cell::text(i18n::sensitivity(self.lang, s)))
    }

    fn level(&self, level: Severity) -> Cell<'a> {
        Cell::text(i18n::level(self.lang, level))
    }

    fn yes_no(&self, yes: bool) -> Cell<'a> {
        Cell::text(self.t(if yes { Label::Yes } else { Label::No }))
    }

    fn time(&self, rfc3339: Option<&'a str>) -> Cell<'a> {
        rfc3339.map_or(Cell::Empty, |t| Cell::Text(self.facts.time(self.lang, t)))
    }

    /// One sheet: the header, the rows (cut to fit, with a note saying how many did not), a
    /// frozen header row, an autofilter over the data and widths that fit the text.
    fn sheet(&mut self, name: Label, header: &[Label], rows: Vec<Row<'_>>) -> Result<(), XlsxError> {
        let lang = self.lang;
        let room = self.sheet_rows - 1;
        let (shown, note) = if rows.len() <= room {
            (rows.len(), None)
        } else {
            let shown = room - 1;
            (shown, Some(i18n::sheet_rows_left_out(lang, shown, rows.len())))
        };
        let rows = &rows[..shown];
        // The filter's drop-down button sits over the header's last two columns.
        let mut widest: Vec<usize> = header
            .iter()
            .map(|l| display_width(l.text(lang)) + FILTER_BUTTON)
            .collect();
        for row in rows {
            debug_assert_eq!(row.len(), header.len(), "{name:?}");
            for (w, cell) in widest.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let wraps: Vec<bool> = widest.iter().map(|&w| column_width(w) < w).collect();

        let formats = &self.formats;
        let sheet = new_sheet(&mut self.workbook);
        sheet.set_name(name.text(lang))?;
        for (col, label) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col as ColNum, label.text(lang), &formats.header)?;
        }
        for (at, row) in rows.iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                write_cell(
                    sheet,
                    formats,
                    (at + 1) as RowNum,
                    col as ColNum,
                    cell,
                    wraps[col],
                )?;
            }
        }
        if let Some(note) = note {
            sheet.write_string_with_format((shown + 1) as RowNum, 0, note, &formats.note)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let last_col = header.len().saturating_sub(1) as ColNum;
        sheet.autofilter(0, 0, shown as RowNum, last_col)?;
        for (col, &w) in widest.iter().enumerate() {
            sheet.set_column_width(col as ColNum, column_width(w) as f64)?;
        }
        Ok(())
    }
}

/// A sheet whose rows go to an unnamed temporary file as they are written (the rows are
/// written in order), so a workbook of a huge inventory does not hold all its cells; where
/// no temporary file can be made, an ordinary sheet.
fn new_sheet(workbook: &mut Workbook) -> &mut Worksheet {
    if workbook.add_worksheet_with_low_memory().is_err() {
        workbook.add_worksheet();
    }
    workbook
        .worksheets_mut()
        .last_mut()
        .expect("a sheet was just added")
}

/// Writes one cell: text always as a string cell (never a formula, whatever it starts
/// with), numbers as numbers; NaN and infinities (not numbers Excel can hold) stay empty.
fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: RowNum,
    col: ColNum,
    cell: &Cell<'_>,
    wrap: bool,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) if text.is_empty() => {}
        Cell::Text(text) if wrap => {
            sheet.write_string_with_format(row, col, fit(text), &formats.wrap)?;
        }
        Cell::Text(text) => {
            sheet.write_string(row, col, fit(text))?;
        }
        Cell::Count(n) => {
            sheet.write_number_with_format(row, col, *n as f64, &formats.count)?;
        }
        Cell::Ratio(x) if x.is_finite() => {
            sheet.write_number_with_format(row, col, *x, &formats.ratio)?;
        }
        Cell::Number(x) if x.is_finite() => {
            sheet.write_number(row, col, *x)?;
        }
        Cell::Ratio(_) | Cell::Number(_) | Cell::Empty => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
