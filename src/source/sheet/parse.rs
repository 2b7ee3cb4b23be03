//! The calamine side: opens a workbook and reports what it finds as `Events` (each sheet's
//! name, its cells rendered as text in row order, how the sheet ended). This is all that runs
//! in the child process when workbooks are read in isolation; the header logic and records
//! stay with the caller (`BookWriter`), so both ways give the same records.
//!
//! calamine indexes into records of the file without always checking their length, so every
//! call into it runs under `catch_unwind`: a panic ends the file as an `Err`. What a panic
//! cannot cover (allocations it cannot make, loops) is why the CLI runs this in a child.

use super::render::render;
use super::{Failure, SheetError, SheetKind};
use crate::error::ErrorKind;
use calamine::{
    Cell, CellType, DataRef, DataType, Ods, OdsError, Range, Reader, Sheet, SheetType, Xls, XlsError, Xlsb,
    XlsbError, Xlsx, XlsxError,
};
use std::fmt::Display;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a workbook holds, in order: per sheet `sheet`, its non-empty cells in row order, then
/// `sheet_end`. A sheet that cannot be opened has no cells and a failed end.
pub(super) trait Events {
    fn sheet(&mut self, name: &str);
    /// A cell's text as Excel shows it; `row` and `col` are 0-based.
    fn cell(&mut self, row: u32, col: u32, text: &str);
    fn sheet_end(&mut self, outcome: Result<(), Failure>);
}

/// Longest reason kept from a calamine error. Its messages are a line; a longer one quotes a
/// hostile file's content at length.
const MAX_REASON: usize = 1024;

/// What the four calamine error types have in common.
trait CalamineError: Display {
    fn password(&self) -> bool;
    fn io(&self) -> Option<&io::Error>;
    fn zip(&self) -> Option<&zip::result::ZipError>;

    fn failure(&self) -> Failure {
        let kind = match (self.io(), self.zip()) {
            (Some(e), _) => ErrorKind::of_io(e),
            (_, Some(e)) => crate::source::archive::zip_kind(e),
            _ => ErrorKind::Corrupt,
        };
        // calamine quotes what it failed on: an unknown cell type attribute, an error cell's
        // text, an entity name, all of which a hostile file can make a phone number.
        let reason = crate::source::redact(&self.to_string());
        Failure {
            kind,
            reason: super::truncated(&reason, MAX_REASON).into_owned(),
        }
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

/// Reads every sheet of a workbook, from its first byte whatever the reader's position.
///
/// `kind` comes from the file name; the container's magic bytes overrule it where they
/// disagree, because renamed exports are common: an OLE file is read as xls (or reported as
/// encrypted: that is how an encrypted xlsx looks), and a zip named `.xls` as xlsx.
///
/// An encrypted workbook and a file calamine cannot open are an `Err`; a sheet that cannot be
/// read is a failed `sheet_end` and the other sheets are still read.
pub(super) fn parse<RS: Read + Seek>(
    mut reader: RS,
    kind: SheetKind,
    events: &mut dyn Events,
) -> Result<(), SheetError> {
    let kind = match (sniff(&mut reader)?, kind) {
        (Container::Ole, _) => SheetKind::Xls,
        (Container::Zip, SheetKind::Xls) => SheetKind::Xlsx,
        (_, kind) => kind,
    };
    match kind {
        SheetKind::Xlsx => {
            let mut wb = guard(|| Xlsx::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let opened = guard(|| wb.worksheet_cells_reader(&name))?;
                // A chart sheet listed as a sheet: nothing to read.
                if let Err(XlsxError::NotAWorksheet(_)) = opened {
                    continue;
                }
                events.sheet(&name);
                let outcome = match opened {
                    Ok(mut cells) => stream(|| guard(|| cells.next_cell()), events)?,
                    Err(e) => Err(e.failure()),
                };
                events.sheet_end(outcome);
            }
        }
        SheetKind::Xlsb => {
            let mut wb = guard(|| Xlsb::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let opened = guard(|| wb.worksheet_cells_reader(&name))?;
                events.sheet(&name);
                let outcome = match opened {
                    Ok(mut cells) => stream(|| guard(|| cells.next_cell()), events)?,
                    Err(e) => Err(e.failure()),
                };
                events.sheet_end(outcome);
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
                events.sheet(&name);
                let outcome = match guard(|| wb.worksheet_range(&name))? {
                    Ok(range) => walk_range(&range, events),
                    Err(e) => Err(e.failure()),
                };
                events.sheet_end(outcome);
            }
        }
        SheetKind::Ods => {
            let mut wb = guard(|| Ods::new(&mut reader))?.map_err(CalamineError::into_sheet_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                events.sheet(&name);
                let outcome = match guard(|| wb.worksheet_range(&name))? {
                    Ok(range) => walk_range(&range, events),
                    Err(e) => Err(e.failure()),
                };
                events.sheet_end(outcome);
            }
        }
    }
    Ok(())
}

enum Container {
    Zip,
    Ole,
    Other,
}

/// The container by its magic bytes; leaves the reader at the start.
fn sniff<RS: Read + Seek>(reader: &mut RS) -> io::Result<Container> {
    reader.seek(SeekFrom::Start(0))?;
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

/// Streams a sheet cell by cell (xlsx, xlsb). `Ok(Err(reason))` is a sheet that broke off
/// (the cells before it stand); `Err` a panic in calamine, which ends the file.
fn stream<'a, E: CalamineError>(
    mut next: impl FnMut() -> Result<Result<Option<Cell<DataRef<'a>>>, E>, SheetError>,
    events: &mut dyn Events,
) -> Result<Result<(), Failure>, SheetError> {
    let mut buf = String::new();
    loop {
        match next()? {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                if let Some(text) = render(cell.get_value(), &mut buf) {
                    events.cell(row, col, text);
                }
            }
            Ok(None) => return Ok(Ok(())),
            Err(e) => return Ok(Err(e.failure())),
        }
    }
}

/// Walks a sheet loaded as a range (xls, ods).
fn walk_range<T: CellType + DataType>(range: &Range<T>, events: &mut dyn Events) -> Result<(), Failure> {
    // `used_cells` counts from the range's top-left cell, not from A1.
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut buf = String::new();
    for (r, c, value) in range.used_cells() {
        if let Some(text) = render(value, &mut buf) {
            let row = u32::try_from(r).map_or(u32::MAX, |r| row0.saturating_add(r));
            let col = u32::try_from(c).map_or(u32::MAX, |c| col0.saturating_add(c));
            events.cell(row, col, text);
        }
    }
    Ok(())
}
