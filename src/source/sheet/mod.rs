//! Spreadsheets (xlsx, xlsm, xlsb, xls, ods) through calamine: every non-empty cell of every
//! sheet (hidden ones included) is a record located by sheet, A1-style cell and column.
//!
//! Per sheet, the first non-empty row is a header when it reads like labels (the rule of
//! delimited files), or the first wider row under a title line or two; the header's cells
//! then name the columns and are not scanned. Other columns are named by their letter.
//!
//! Cells are rendered as a person sees them in Excel (`render`). xlsx and xlsb sheets are
//! streamed cell by cell; xls and ods workbooks are loaded whole by calamine (its only
//! interface for them). Formulas are not evaluated: the value Excel saved with the cell is
//! read. Error cells (`#N/A`), empty cells, charts and macros are skipped.
//!
//! An encrypted workbook and a file calamine cannot open are an `Err`; a sheet that cannot be
//! read is a warning and the other sheets are still read.
//!
//! Layers: `parse` drives calamine and reports `Events`; `book` turns events into records
//! (header rows, column names, warnings) and holds what it keeps against the memory budget.
//! The CLI runs `parse` in a child process under limits (`child`, speaking `frame` on a pipe),
//! because calamine's allocations on hostile files cannot be caught; library callers without
//! an executable to run parse in-process. Both give the same records.

mod book;
mod child;
mod frame;
mod parse;
mod render;
#[cfg(test)]
mod tests;

pub use child::{run_child, IsolationError, CHILD_COMMAND};
pub use frame::FrameError;

use super::{FileFacts, Record, SourceError};
use crate::budget::{MemoryBudget, OverBudget};
use crate::error::{Classified, ErrorKind, Problem};
use book::BookWriter;
use std::borrow::Cow;
use std::fmt::{self, Display};
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

/// Workbook container kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl SheetKind {
    /// The inventory's `format` name, which also names the kind to the child process.
    pub fn name(self) -> &'static str {
        super::Format::Sheet(self).name()
    }

    pub fn from_name(name: &str) -> Option<SheetKind> {
        [SheetKind::Xlsx, SheetKind::Xlsb, SheetKind::Xls, SheetKind::Ods]
            .into_iter()
            .find(|k| k.name() == name)
    }
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
    /// The memory budget has no room for reading it.
    #[error(transparent)]
    Memory(#[from] OverBudget),
    /// The child process reading it gave no result.
    #[error(transparent)]
    Isolated(#[from] IsolationError),
    /// Another error, as the child process that met it reported it.
    #[error("{0}")]
    Relayed(Problem),
}

impl Classified for SheetError {
    fn kind(&self) -> ErrorKind {
        match self {
            SheetError::Encrypted => ErrorKind::Encrypted,
            SheetError::Unreadable(f) => f.kind,
            SheetError::Panicked => ErrorKind::Corrupt,
            SheetError::Read(e) => ErrorKind::of_io(e),
            SheetError::Memory(e) => e.kind(),
            SheetError::Isolated(e) => e.kind(),
            SheetError::Relayed(p) => p.kind,
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

/// `text` cut to at most `max` bytes on a character boundary, `…` marking the cut.
fn truncated(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let end = super::floor_char(text, max.saturating_sub('…'.len_utf8()));
    Cow::Owned(format!("{}…", &text[..end]))
}

/// Reads workbooks: in a child process under limits when given the pimap executable (the
/// CLI), else in this process. Either way, what is held in memory is reserved from the
/// scan's budget: the child's address space, a workbook copied out of an archive, cells.
///
/// What the child costs (`isolation_cost` in tests/hostile_sheets.rs: the reader alone,
/// median of 5, on the shared 2-core build machine, whose load made wall times vary 1.5x):
///
/// | workbooks | in process: wall, CPU | in a child: wall, CPU |
/// | --- | --- | --- |
/// | 200 xlsx of 8 KB (459 cells each) | 0.09-0.14 s, 0.07 s | 0.48-0.78 s, 0.45-0.51 s |
/// | one xlsx of 4.9 MB (720,000 cells) | 0.61-0.88 s, 0.44 s | 0.63-1.01 s, 0.48-0.50 s |
///
/// About 2 ms of CPU per workbook (starting the executable is 1.2 ms of it), and 10-15 %
/// on a large one (the cells cross a pipe). A whole `pimap scan -j2` of 200 such small
/// workbooks takes 0.55 s.
#[derive(Clone)]
pub struct SheetReader {
    isolate_with: Option<Arc<Path>>,
    memory: Arc<MemoryBudget>,
}

impl SheetReader {
    /// `isolate_with`: the pimap executable (`ScanConfig::isolate_with`). Isolation needs
    /// Linux; elsewhere workbooks are read in this process.
    pub fn new(isolate_with: Option<&Path>, memory: Arc<MemoryBudget>) -> Self {
        SheetReader {
            isolate_with: isolate_with.map(Arc::from),
            memory,
        }
    }

    /// The executable to run as the child, if workbooks are read in one.
    fn child(&self) -> Option<&Path> {
        if cfg!(target_os = "linux") {
            self.isolate_with.as_deref()
        } else {
            None
        }
    }

    /// Reads a workbook file; `kind` comes from its name (see `parse::parse`).
    pub fn read_file(
        &self,
        file: &mut File,
        kind: SheetKind,
        emit: &mut dyn FnMut(Record<'_>),
    ) -> Result<FileFacts, SheetError> {
        let mut book = BookWriter::new(emit, &self.memory);
        let result = match self.child() {
            #[cfg(target_os = "linux")]
            Some(exe) => child::read(exe, file, kind, self.memory.limit(), &mut book),
            _ => parse::parse(&mut *file, kind, &mut book),
        };
        book.finish(result)
    }

    /// Reads a workbook that is not a file of its own (an archive member): `head` and then
    /// `rest`, at most `cap` bytes, are copied into memory first, held against the budget.
    pub fn read_stream(
        &self,
        head: Vec<u8>,
        rest: &mut dyn Read,
        cap: u64,
        kind: SheetKind,
        emit: &mut dyn FnMut(Record<'_>),
    ) -> Result<FileFacts, SourceError> {
        let mut book = BookWriter::new(emit, &self.memory);
        let result = match self.child() {
            #[cfg(target_os = "linux")]
            Some(exe) => {
                let mut copy = memfd().map_err(SourceError::Read)?;
                copy_held(head, rest, cap, &mut copy, &mut book)?;
                child::read(exe, &copy, kind, self.memory.limit(), &mut book)
            }
            _ => {
                let mut copy = Vec::new();
                copy_held(head, rest, cap, &mut copy, &mut book)?;
                parse::parse(io::Cursor::new(copy), kind, &mut book)
            }
        };
        Ok(book.finish(result)?)
    }
}

/// Reads a workbook in this process, with no memory budget (library use and tests).
pub fn read<RS: Read + Seek>(
    reader: RS,
    kind: SheetKind,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SheetError> {
    let unlimited = MemoryBudget::new(u64::MAX);
    let mut book = BookWriter::new(emit, &unlimited);
    let result = parse::parse(reader, kind, &mut book);
    book.finish(result)
}

/// Copies `head` and `rest` into `out`, at most `cap` bytes, holding what is copied as the
/// book's base reservation.
fn copy_held(
    head: Vec<u8>,
    rest: &mut dyn Read,
    cap: u64,
    out: &mut impl Write,
    book: &mut BookWriter<'_, '_>,
) -> Result<(), SourceError> {
    let mut total = head.len() as u64;
    book.reserve_base(total).map_err(SheetError::from)?;
    out.write_all(&head)?;
    drop(head);
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match rest.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SourceError::Read(e)),
        };
        total += n as u64;
        if total > cap {
            return Err(SourceError::TooLarge { cap });
        }
        book.reserve_base(total).map_err(SheetError::from)?;
        out.write_all(&buf[..n])?;
    }
}

/// An anonymous file in memory, for the child to read (and seek) an archive member.
#[cfg(target_os = "linux")]
fn memfd() -> io::Result<File> {
    use std::os::fd::FromRawFd;
    // SAFETY: a NUL-terminated name and flags; the descriptor returned is owned by the File.
    let fd = unsafe { libc::memfd_create(c"pimap-workbook".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}
