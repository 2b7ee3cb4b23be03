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
//! were left out. Like every report, the workbook holds counts, paths and names, never a
//! personal data value the inventory does not hold.

use super::document::Facts;
use super::i18n::{self, Label};
use super::Lang;
use crate::finding::Sensitivity;
use crate::inventory::{FileEntry, Severity};
use rust_xlsxwriter::{
    ColNum, Color, DocProperties, Format, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;

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

    /// The scan and its key figures, then what the figures mean, as item-value rows.
    fn summary(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let inv = facts.inventory;
        let totals = &inv.totals;
        let lang = self.lang;
        let mut rows: Vec<(Cow<'_, str>, Cell<'_>)> = Vec::new();
        let mut item = |label: Label, value: Cell<'a>| rows.push((label.text(lang).into(), value));
        item(Label::ScannedAt, self.time(Some(&inv.scanned_at)));
        for root in &inv.roots {
            item(Label::Roots, Cell::text(root.as_str()));
        }
        item(
            Label::ToolVersion,
            Cell::text(format!("{} {}", inv.tool.name, inv.tool.version)),
        );
        item(Label::Schema, Cell::text(inv.schema.as_str()));
        item(
            Label::FingerprintKey,
            Cell::text(self.t(if inv.key.cross_scan {
                Label::KeyStable
            } else {
                Label::KeyPerScan
            })),
        );
        item(
            Label::Policy,
            inv.policy
                .file
                .as_deref()
                .map_or_else(|| Cell::text(self.t(Label::BuiltinPolicy)), Cell::text),
        );
        // f32 → f64 would show 0.6 as 0.6000000238.
        let confidence = (f64::from(inv.tool.min_confidence) * 1000.0).round() / 1000.0;
        item(Label::MinConfidence, Cell::Number(confidence));
        item(
            Label::ElapsedSeconds,
            Cell::Number((totals.elapsed_seconds * 1000.0).round() / 1000.0),
        );
        item(Label::Files, Cell::Count(totals.files));
        item(Label::DataVolumeBytes, Cell::Count(totals.bytes));
        item(Label::FilesWithFindings, Cell::Count(totals.files_with_findings));
        item(Label::Findings, Cell::Count(totals.findings));
        item(Label::SensitiveFindings, Cell::Count(facts.sensitive_findings()));
        let general = totals.by_sensitivity.get(Sensitivity::General.as_str());
        item(Label::GeneralFindings, Cell::Count(general.copied().unwrap_or(0)));
        let by_class = facts.files_by_sensitivity();
        let files_of = |s: Sensitivity| by_class.get(s.as_str()).copied().unwrap_or(0);
        item(
            Label::SensitiveFiles,
            Cell::Count(files_of(Sensitivity::Sensitive)),
        );
        item(Label::GeneralFiles, Cell::Count(files_of(Sensitivity::General)));
        item(Label::Minors, Cell::Count(totals.minors));
        item(Label::MaskedValues, Cell::Count(facts.masked_values()));
        let by_risk = facts.files_by_risk();
        let high = by_risk.iter().find(|(level, _)| level == Severity::High.as_str());
        item(Label::HighRiskFiles, Cell::Count(high.map_or(0, |&(_, n)| n)));
        let by_kind = facts.actions_by_kind();
        let actions = by_kind.iter().fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
        item(Label::ActionsTotal, Cell::Count(actions));
        item(Label::ErrorsTotal, Cell::Count(totals.errors));
        item(Label::SkippedTotal, Cell::Count(totals.skipped));
        let names = inv
            .names
            .iter()
            .fold(0u64, |sum, n| sum.saturating_add(n.findings));
        item(Label::NameFindingsTotal, Cell::Count(names));
        item(
            Label::IdImagesTotal,
            Cell::Count(inv.suspected_id_images.len() as u64),
        );
        // Each action kind's count, named "Actions · Retention overdue".
        for (kind, n) in &by_kind {
            let name = format!(
                "{} · {}",
                self.t(Label::ActionsTotal),
                i18n::action_kind_key(lang, kind)
            );
            rows.push((name.into(), Cell::Count(*n)));
        }
        let mut item = |label: Label, value: Cell<'a>| rows.push((label.text(lang).into(), value));
        if !facts.zone.is_known() {
            item(Label::Note, Cell::text(self.t(Label::TimeZoneUnknown)));
        }
        item(
            Label::SensitiveFindings,
            Cell::text(self.t(Label::IntroSensitive)),
        );
        item(Label::FilesWithMinors, Cell::text(self.t(Label::IntroMinors)));
        item(
            Label::ColumnsPrecisionLost,
            Cell::text(self.t(Label::IntroPrecisionLost)),
        );
        item(Label::Note, Cell::text(self.t(Label::PrivacyNote)));
        let rows = rows
            .into_iter()
            .map(|(label, value)| vec![Cell::Text(label), value])
            .collect();
        self.sheet(Label::SheetSummary, &[Label::Item, Label::Value], rows)
    }

    fn stores(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let rows = self
            .facts
            .inventory
            .stores
            .iter()
            .map(|store| {
                let t = &store.totals;
                let categories: Vec<String> = Facts::store_categories(t)
                    .iter()
                    .map(|&(c, n)| format!("{} {}", i18n::category(lang, c), i18n::count(n)))
                    .collect();
                vec![
                    Cell::text(store.name.as_str()),
                    Cell::text(store.root.as_str()),
                    Cell::Count(t.files),
                    Cell::Count(t.files_with_findings),
                    Cell::Count(t.findings),
                    Cell::text(categories.join(if lang == Lang::Zh { "，" } else { ", " })),
                    Cell::Count(Facts::store_high_risk(t)),
                    Cell::Count(Facts::store_actions(t)),
                    Cell::Count(t.errors),
                ]
            })
            .collect();
        let header = [
            Label::Store,
            Label::StoreRoot,
            Label::Files,
            Label::FilesWithFindings,
            Label::Findings,
            Label::ByCategory,
            Label::HighRiskFiles,
            Label::ActionsTotal,
            Label::ErrorsTotal,
        ];
        self.sheet(Label::SheetStores, &header, rows)
    }

    fn categories(&mut self) -> Result<(), XlsxError> {
        let rows = self
            .facts
            .categories()
            .iter()
            .map(|c| {
                vec![
                    Cell::text(i18n::category(self.lang, c.category).into_owned()),
                    self.class(c.sensitivity),
                    Cell::Count(c.findings),
                    Cell::Count(c.masked),
                    Cell::Count(c.files),
                ]
            })
            .collect();
        let header = [
            Label::Category,
            Label::Class,
            Label::Findings,
            Label::Masked,
            Label::FilesCount,
        ];
        self.sheet(Label::SheetCategories, &header, rows)
    }

    /// One row per file with findings, in the inventory's order.
    fn files(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Path,
            Label::Format,
            Label::SizeBytes,
            Label::Modified,
            Label::NewestDate,
            Label::Findings,
            Label::Masked,
            Label::Categories,
            Label::Sensitivity,
            Label::RiskScore,
            Label::RiskLevel,
            Label::MinorsCount,
            Label::WorldReadable,
            Label::Mode,
            Label::Encoding,
        ]);
        let rows = self
            .facts
            .files_with_findings()
            .map(|f| self.file_row(f))
            .collect();
        self.sheet(Label::SheetFiles, &header, rows)
    }

    fn file_row(&self, file: &'a FileEntry) -> Row<'a> {
        let mut row = Vec::with_capacity(16);
        self.push_path(&mut row, &file.path);
        let masked = file.masked.values().fold(0u64, |sum, &n| sum.saturating_add(n));
        row.extend([
            Cell::text(file.format.as_str()),
            Cell::Count(file.size),
            self.time(file.modified.as_deref()),
            Cell::opt_text(file.newest_date.as_deref()),
            Cell::Count(file.findings),
            Cell::Count(masked),
            Cell::text(i18n::category_list(self.lang, Facts::file_categories(file))),
            self.class(file.sensitivity),
            Cell::opt_count(file.risk.as_ref().map(|r| u64::from(r.score))),
            file.risk.as_ref().map_or(Cell::Empty, |r| self.level(r.level)),
            Cell::Count(file.minors),
            self.yes_no(file.world_readable),
            Cell::opt_text(file.mode.as_deref()),
            Cell::opt_text(file.encoding.as_deref()),
        ]);
        row
    }

    /// Every column of every file, sensitive ones first (`Facts::columns`).
    fn columns(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let header = self.with_store(&[
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::Category,
            Label::Sensitivity,
            Label::Hits,
            Label::Rows,
            Label::Share,
            Label::Distinct,
            Label::Masked,
            Label::MaskedShare,
            Label::PrecisionLost,
        ]);
        let rows = facts
            .columns()
            .into_iter()
            .map(|(file, c)| {
                let mut row = Vec::with_capacity(14);
                self.push_path(&mut row, &file.path);
                row.extend([
                    Cell::opt_text(c.table.as_deref()),
                    Cell::text(c.name.as_str()),
                    Cell::text(i18n::detector(self.lang, &c.detector)),
                    facts.column_category(c).map_or(Cell::Empty, |cat| {
                        Cell::text(i18n::category(self.lang, cat).into_owned())
                    }),
                    self.class(facts.column_sensitivity(c)),
                    Cell::Count(c.hits),
                    Cell::Count(c.rows),
                    Cell::Ratio(c.share),
                    Cell::opt_count(c.distinct),
                    Cell::Count(c.masked),
                    c.masked_share.map_or(Cell::Empty, Cell::Ratio),
                    Cell::opt_count(c.precision_lost),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetColumns, &header, rows)
    }

    /// The policy's actions in the inventory's order (most urgent first), each with why.
    fn actions(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let lang = self.lang;
        let header = self.with_store(&[
            Label::Severity,
            Label::Kind,
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::Rule,
            Label::Evidence,
        ]);
        let rows = facts
            .inventory
            .actions
            .iter()
            .map(|a| {
                let mut row = vec![
                    self.level(a.severity),
                    Cell::text(i18n::action_kind(lang, a.kind)),
                ];
                self.push_path(&mut row, &a.path);
                row.extend([
                    Cell::opt_text(a.table.as_deref()),
                    Cell::opt_text(a.column.as_deref()),
                    a.detector
                        .as_deref()
                        .map_or(Cell::Empty, |d| Cell::text(i18n::detector(lang, d))),
                    Cell::text(i18n::rule(lang, &a.rule)),
                    Cell::text(facts.evidence(lang, a)),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetActions, &header, rows)
    }

    fn minors(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::MinorsCount, Label::Findings, Label::RiskScore]);
        let rows = self
            .facts
            .files_with_minors()
            .into_iter()
            .map(|f| {
                let mut row = Vec::with_capacity(5);
                self.push_path(&mut row, &f.path);
                row.extend([
                    Cell::Count(f.minors),
                    Cell::Count(f.findings),
                    Cell::opt_count(f.risk.as_ref().map(|r| u64::from(r.score))),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetMinors, &header, rows)
    }

    fn precision_lost(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::PrecisionLost,
            Label::Rows,
        ]);
        let rows = self
            .facts
            .precision_lost_columns()
            .into_iter()
            .map(|(file, c)| {
                let mut row = Vec::with_capacity(7);
                self.push_path(&mut row, &file.path);
                row.extend([
                    Cell::opt_text(c.table.as_deref()),
                    Cell::text(c.name.as_str()),
                    Cell::text(i18n::detector(self.lang, &c.detector)),
                    Cell::opt_count(c.precision_lost),
                    Cell::Count(c.rows),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetPrecisionLost, &header, rows)
    }

    fn id_images(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let header = self.with_store(&[
            Label::Path,
            Label::Kind,
            Label::Reason,
            Label::SizeBytes,
            Label::Modified,
            Label::WorldReadable,
            Label::RiskScore,
        ]);
        let rows = self
            .facts
            .suspected_id_images()
            .into_iter()
            .map(|i| {
                let mut row = Vec::with_capacity(8);
                self.push_path(&mut row, &i.path);
                row.extend([
                    Cell::text(i18n::image_kind(lang, i.kind)),
                    Cell::text(i18n::image_reason(lang, &i.reason)),
                    Cell::Count(i.size),
                    self.time(i.modified.as_deref()),
                    self.yes_no(i.world_readable),
                    Cell::opt_count(i.risk.as_ref().map(|r| u64::from(r.score))),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetIdImages, &header, rows)
    }

    /// Files new, removed or changed since the baseline scan, with their findings before
    /// and after.
    fn changes(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Change,
            Label::Path,
            Label::Before,
            Label::After,
            Label::FindingsChange,
        ]);
        let Some(changes) = &self.facts.inventory.changes else {
            return self.sheet(Label::SheetChanges, &header, Vec::new());
        };
        let groups = [
            (Label::NewFiles, &changes.new),
            (Label::RemovedFiles, &changes.removed),
            (Label::ChangedFiles, &changes.changed),
        ];
        let mut rows = Vec::new();
        for (label, files) in groups {
            for change in files {
                let mut row = vec![Cell::text(self.t(label))];
                self.push_path(&mut row, &change.path);
                row.extend([
                    Cell::Count(change.before),
                    Cell::Count(change.after),
                    // Findings are far below 2^53: the difference is exact.
                    Cell::Number(change.after as f64 - change.before as f64),
                ]);
                rows.push(row);
            }
        }
        self.sheet(Label::SheetChanges, &header, rows)
    }

    fn errors(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::Kind, Label::Error]);
        let rows = self
            .facts
            .inventory
            .errors
            .iter()
            .map(|e| {
                let mut row = Vec::with_capacity(4);
                self.push_path(&mut row, &e.path);
                row.push(Cell::opt_text(e.kind.map(|k| k.as_str())));
                row.push(Cell::text(e.error.as_str()));
                row
            })
            .collect();
        self.sheet(Label::SheetErrors, &header, rows)
    }

    fn skipped(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::SizeBytes, Label::Reason]);
        let rows = self
            .facts
            .inventory
            .skipped
            .iter()
            .map(|s| {
                let mut row = Vec::with_capacity(4);
                self.push_path(&mut row, &s.path);
                row.push(Cell::Count(s.size));
                row.push(Cell::text(i18n::skip_reason(self.lang, &s.reason)));
                row
            })
            .collect();
        self.sheet(Label::SheetSkipped, &header, rows)
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
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::report::document::tests::{sample_inventory, stores_inventory, v1_inventory};
    use calamine::{Data, Reader, Xlsx};

    type Book = Xlsx<std::io::Cursor<Vec<u8>>>;

    fn open(bytes: Vec<u8>) -> Book {
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook calamine reads")
    }

    fn made(inventory: &Inventory, lang: Lang) -> Book {
        open(render(&Facts::new(inventory), lang).expect("a workbook"))
    }

    fn rows(book: &mut Book, sheet: &str) -> Vec<Vec<Data>> {
        let range = book.worksheet_range(sheet).expect("the sheet");
        assert_eq!(range.start(), Some((0, 0)), "{sheet}: the header starts at A1");
        range.rows().map(<[Data]>::to_vec).collect()
    }

    fn text(cell: &Data) -> &str {
        match cell {
            Data::String(s) => s,
            Data::Empty => "",
            other => panic!("not text: {other:?}"),
        }
    }

    const SHEETS_EN: [&str; 9] = [
        "Summary",
        "Categories",
        "Files",
        "Columns",
        "Actions",
        "Minors",
        "Excel-damaged columns",
        "Errors",
        "Skipped",
    ];

    #[test]
    fn widths_count_chinese_characters_twice() {
        assert_eq!(display_width(""), 0);
        assert_eq!(display_width("exports/a.csv"), 13);
        assert_eq!(display_width("身份证号"), 8);
        // 订单 / 2021 年 （ 导出 ） .csv
        assert_eq!(
            display_width("订单/2021年（导出）.csv"),
            4 + 1 + 4 + 2 + 2 + 4 + 2 + 4
        );
        assert_eq!(display_width("ｘ￥。"), 6, "full-width forms and CJK punctuation");
        assert_eq!(display_width("한국"), 4);
        assert_eq!(display_width("short\na much longer line"), 18, "the longest line");
        assert_eq!(column_width(0), MIN_WIDTH);
        assert_eq!(column_width(10), 12);
        assert_eq!(column_width(display_width(&"长".repeat(100))), MAX_WIDTH);
        assert_eq!(column_width(usize::MAX), MAX_WIDTH);
    }

    /// The XML of each sheet, in order.
    fn sheet_xml(bytes: &[u8]) -> Vec<String> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
        (1..)
            .map_while(|n| {
                let mut xml = String::new();
                let mut entry = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).ok()?;
                entry.read_to_string(&mut xml).expect("UTF-8 XML");
                Some(xml)
            })
            .collect()
    }

    #[test]
    fn every_sheet_is_frozen_filtered_and_sized_for_its_text() {
        let inv = sample_inventory();
        let bytes = render(&Facts::new(&inv), Lang::Zh).expect("a workbook");
        let sheets = sheet_xml(&bytes);
        assert_eq!(sheets.len(), open(bytes.clone()).sheet_names().len());
        for xml in &sheets {
            assert!(
                xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#),
                "{xml}"
            );
            assert!(xml.contains("<autoFilter ref=\"A1:"), "{xml}");
            assert!(!xml.contains("<f>"), "a formula: {xml}");
        }
        // Files (the third sheet): 15 columns, a header and three files with findings.
        assert!(
            sheets[2].contains(r#"<autoFilter ref="A1:O4"/>"#),
            "{}",
            sheets[2]
        );
        // Categories: 手机号/电话 is 11 columns wide on screen (6 characters), 2 padding.
        assert!(
            sheets[1].contains(r#"<col min="1" max="1" width="13."#),
            "{}",
            sheets[1]
        );
    }

    #[test]
    fn over_long_text_is_cut_to_what_a_cell_holds() {
        let long = "错".repeat(MAX_CELL_TEXT + 10);
        let cut = fit(&long);
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_TEXT);
        assert!(cut.ends_with('…'));
        // Astral characters are two UTF-16 units: never split.
        let astral = "𠀀".repeat(MAX_CELL_TEXT);
        assert!(fit(&astral).encode_utf16().count() <= MAX_CELL_TEXT);
        assert!(matches!(fit("short"), Cow::Borrowed("short")));
        let mut inv = sample_inventory();
        inv.errors[0].error = long;
        let mut book = made(&inv, Lang::En);
        let errors = rows(&mut book, "Errors");
        assert_eq!(text(&errors[1][2]).encode_utf16().count(), MAX_CELL_TEXT);
    }

    #[test]
    fn sheets_and_headers_in_both_languages() {
        let inv = sample_inventory();
        let mut en = made(&inv, Lang::En);
        let names = en.sheet_names();
        // The sample has ID images and changes: their sheets come before errors.
        assert_eq!(
            names,
            [
                &SHEETS_EN[..7],
                &["Suspected ID images", "Changes"],
                &SHEETS_EN[7..]
            ]
            .concat()
        );
        let mut zh = made(&inv, Lang::Zh);
        assert_eq!(
            zh.sheet_names(),
            [
                "摘要",
                "个人信息类别",
                "文件",
                "列",
                "整改事项",
                "未成年人",
                "Excel损坏列",
                "疑似证件照片",
                "变化",
                "错误",
                "已跳过"
            ]
        );
        assert_eq!(rows(&mut en, "Files")[0][0], Data::String("Path".into()));
        assert_eq!(rows(&mut zh, "文件")[0][0], Data::String("路径".into()));
        assert_eq!(rows(&mut zh, "列")[0][2], Data::String("列名".into()));
        // The same rows in both languages.
        for (e, z) in en.sheet_names().iter().zip(zh.sheet_names()) {
            assert_eq!(rows(&mut en, e).len(), rows(&mut zh, &z).len(), "{e}");
        }
    }

    #[test]
    fn every_table_has_its_rows_and_numbers_are_numbers() {
        let inv = sample_inventory();
        let mut book = made(&inv, Lang::En);
        let files = rows(&mut book, "Files");
        let with_findings = inv.files.iter().filter(|f| f.findings > 0).count();
        assert_eq!(files.len(), 1 + with_findings);
        let orders = files
            .iter()
            .find(|r| text(&r[0]) == "exports/orders_2021.csv")
            .expect("the orders file");
        let at = |name: &str| files[0].iter().position(|h| text(h) == name).expect(name);
        assert_eq!(orders[at("Size (bytes)")], Data::Float(1_048_576.0));
        assert_eq!(orders[at("Findings")], Data::Float(2100.0));
        assert_eq!(orders[at("Risk score")], Data::Float(88.0));
        assert_eq!(orders[at("Risk level")], Data::String("High".into()));
        assert_eq!(orders[at("Children's IDs")], Data::Float(3.0));
        assert_eq!(orders[at("Sensitivity")], Data::String("Sensitive".into()));
        assert_eq!(text(&orders[at("Categories")]), "Resident ID, Phone");
        assert_eq!(orders[at("World-readable")], Data::String("yes".into()));
        let columns = rows(&mut book, "Columns");
        assert_eq!(
            columns.len(),
            1 + inv.files.iter().map(|f| f.columns.len()).sum::<usize>()
        );
        assert_eq!(columns[1][2], Data::String("身份证号".into()), "sensitive first");
        assert_eq!(columns[1][6], Data::Float(300.0));
        assert_eq!(rows(&mut book, "Actions").len(), 1 + inv.actions.len());
        assert_eq!(rows(&mut book, "Errors").len(), 1 + inv.errors.len());
        assert_eq!(rows(&mut book, "Skipped").len(), 1 + inv.skipped.len());
        assert_eq!(rows(&mut book, "Minors").len(), 2);
        let categories = rows(&mut book, "Categories");
        let ids = categories.iter().find(|r| text(&r[0]) == "Resident ID").unwrap();
        assert_eq!(
            ids[1..].to_vec(),
            [
                Data::String("Sensitive".into()),
                Data::Float(300.0),
                Data::Float(0.0),
                Data::Float(1.0)
            ]
        );
        let summary = rows(&mut book, "Summary");
        let value = |item: &str| {
            summary
                .iter()
                .find(|r| text(&r[0]) == item)
                .map(|r| r[1].clone())
                .expect(item)
        };
        assert_eq!(value("Findings"), Data::Float(inv.totals.findings as f64));
        assert_eq!(value("Files scanned"), Data::Float(inv.totals.files as f64));
        assert_eq!(value("Errors"), Data::Float(1.0));
    }

    #[test]
    fn names_that_look_like_formulas_stay_text() {
        let mut inv = sample_inventory();
        let odd = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=1+1",
            "+86 phone.csv",
            "-2+3",
            "@SUM(A1)",
        ];
        for (file, name) in inv.files.iter_mut().zip(odd) {
            file.path = name.to_string();
        }
        inv.files[0].columns[0].name = "=cmd|' /C calc'!A0".into();
        inv.errors[0].path = "=1+2".into();
        inv.skipped[0].reason = "@reason".into();
        let mut book = made(&inv, Lang::En);
        for sheet in book.sheet_names() {
            let formulas = book.worksheet_formula(&sheet).expect("formulas");
            assert!(
                formulas.rows().flatten().all(String::is_empty),
                "{sheet}: {formulas:?}"
            );
        }
        let files: Vec<String> = rows(&mut book, "Files")
            .iter()
            .map(|r| text(&r[0]).to_string())
            .collect();
        assert!(files.contains(&odd[0].to_string()), "{files:?}");
        assert!(files.contains(&"=1+1".to_string()), "{files:?}");
        let columns = rows(&mut book, "Columns");
        assert!(columns.iter().any(|r| text(&r[2]) == "=cmd|' /C calc'!A0"));
        assert_eq!(text(&rows(&mut book, "Errors")[1][0]), "=1+2");
    }

    #[test]
    fn a_table_longer_than_a_sheet_ends_with_a_note() {
        let mut inv = sample_inventory();
        let template = inv.files[1].clone();
        inv.files = (0..20)
            .map(|i| FileEntry {
                path: format!("exports/{i:02}.csv"),
                ..template.clone()
            })
            .collect();
        for (lang, sheet, errors, needle) in [
            (Lang::En, "Files", "Errors", "12 more"),
            (Lang::Zh, "文件", "错误", "另有 12 行"),
        ] {
            let mut book = open(render_rows(&Facts::new(&inv), lang, 10).expect("a workbook"));
            let files = rows(&mut book, sheet);
            assert_eq!(files.len(), 10, "header, 8 files, the note");
            assert_eq!(text(&files[8][0]), "exports/07.csv");
            let note = text(&files[9][0]);
            assert!(note.contains("1,048,576") && note.contains(needle), "{note}");
            // Short tables are whole.
            assert_eq!(rows(&mut book, errors).len(), 2);
        }
    }

    #[test]
    fn stores_get_their_own_column_and_sheet() {
        let inv = stores_inventory();
        let mut book = made(&inv, Lang::En);
        assert_eq!(book.sheet_names()[1], "Stores");
        let stores = rows(&mut book, "Stores");
        assert_eq!(stores.len(), 3);
        assert_eq!(text(&stores[1][0]), "tmall");
        assert_eq!(stores[1][4], Data::Float(3850.0));
        let files = rows(&mut book, "Files");
        assert_eq!((text(&files[0][0]), text(&files[0][1])), ("Store", "Path"));
        assert!(files
            .iter()
            .any(|r| text(&r[0]) == "tmall" && text(&r[1]) == "exports/orders_2021.csv"));
        let actions = rows(&mut book, "Actions");
        assert_eq!(text(&actions[0][2]), "Store");
        let without = made(&sample_inventory(), Lang::Zh);
        assert!(!without.sheet_names().contains(&"店铺".to_string()));
    }

    #[test]
    fn odd_and_old_inventories_make_a_workbook() {
        let mut huge = sample_inventory();
        huge.totals.findings = u64::MAX;
        huge.files[0].findings = u64::MAX;
        huge.files[0].columns[0].share = f64::NAN;
        huge.files[1].path = String::new();
        for inventory in [huge, Inventory::default(), v1_inventory()] {
            for lang in [Lang::Zh, Lang::En] {
                let mut book = made(&inventory, lang);
                assert!(book.sheet_names().len() >= SHEETS_EN.len());
                for sheet in book.sheet_names() {
                    assert!(!rows(&mut book, &sheet)[0].is_empty(), "{sheet}: a header row");
                }
            }
        }
        let mut empty = made(&Inventory::default(), Lang::En);
        assert_eq!(empty.sheet_names(), SHEETS_EN);
        assert_eq!(rows(&mut empty, "Files").len(), 1, "the header alone");
    }
}
