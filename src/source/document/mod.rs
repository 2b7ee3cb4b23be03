//! Documents people write and read page by page: PDF text layers (`pdf`), Word documents
//! and PowerPoint decks (`office`, both zip packages of XML), Rich Text Format (`rtf`). Each yields text records in
//! reading order, located by page and line (PDF), paragraph (DOCX) or slide and paragraph
//! (PPTX).
//!
//! A PDF is held whole in memory (lopdf parses from a slice), reserved from the memory
//! budget; DOCX and PPTX parts are streamed out of their zip. Both are parsed in this
//! process: lopdf bounds what it decompresses (`MAX_INFLATED`), the depth it recurses to
//! and reference cycles; the XML of office parts is read event by event with what is held
//! reserved from the budget. A panic in either costs the one input (the scanner catches it).
//! Time is bounded too (`SECONDS`): the clock is looked at between pages, every few thousand
//! drawing operations and XML events. lopdf's first parse of the file (its cross-reference
//! table and objects) is not interruptible; the file it parses is held against the memory
//! budget.

pub mod office;
pub mod pdf;
pub mod rtf;

use super::{FileFacts, Record, SourceError};
use crate::budget::{MemoryBudget, OverBudget};
use crate::error::{Classified, ErrorKind};
use std::io::{Read, Seek};
use std::time::Instant;

/// Document kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    Docx,
    Pptx,
    Rtf,
}

/// The reason a PDF without any text is skipped.
pub const NO_TEXT_LAYER: &str = "no text layer";

/// Seconds one document may take to read. A 1,000-page PDF takes about a second; past
/// this a hostile file (a content stream of millions of tiny operations, a deck of
/// thousands of parts) is stopped so that a scheduled scan always ends. The pages and
/// paragraphs read by then are scanned, and the file's error says where it stopped.
pub const SECONDS: u64 = 120;

/// When a document started now must be done.
fn deadline() -> Instant {
    Instant::now() + std::time::Duration::from_secs(SECONDS)
}

/// A paragraph longer than this is passed on in pieces of about this size.
const MAX_PARAGRAPH: usize = 1 << 20;

/// Bytes one stream (a page's content, a font's map, an object stream) may inflate to.
pub const MAX_INFLATED: usize = 64 << 20;

/// Why a document cannot be read. Texts never quote the document's content.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("encrypted or password-protected {0}: cannot be read")]
    Encrypted(&'static str),
    #[error("corrupt {what}: {reason}")]
    Corrupt { what: &'static str, reason: String },
    /// A stream inflates past `MAX_INFLATED` (a decompression bomb, or a page no reader needs).
    #[error("a {0} stream inflates past {mib} MiB (possible decompression bomb): not read", mib = MAX_INFLATED >> 20)]
    Bomb(&'static str),
    /// Reading took longer than `SECONDS`: what was read stands.
    #[error("reading the {what} took more than {secs} s ({read}): the rest is not scanned", secs = SECONDS)]
    TimeLimit { what: &'static str, read: String },
    #[error(transparent)]
    Memory(#[from] OverBudget),
    /// Reading a streamed document failed.
    #[error("{0}")]
    Read(#[source] std::io::Error),
}

impl Classified for DocumentError {
    fn kind(&self) -> ErrorKind {
        match self {
            DocumentError::Encrypted(_) => ErrorKind::Encrypted,
            DocumentError::Corrupt { .. } => ErrorKind::Corrupt,
            DocumentError::Bomb(_) => ErrorKind::Bomb,
            DocumentError::TimeLimit { .. } => ErrorKind::TooLarge,
            DocumentError::Memory(e) => e.kind(),
            DocumentError::Read(e) => ErrorKind::of_io(e),
        }
    }
}

/// Reads a document on disk (`file`, `size` bytes as listed).
pub fn read_file(
    kind: DocumentKind,
    file: &mut std::fs::File,
    size: u64,
    cap: u64,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    match kind {
        DocumentKind::Pdf => {
            file.rewind()?;
            let mut held = memory.start("a PDF document");
            let bytes = super::read_all(Vec::new(), &mut file.take(size), cap, size, &mut held)?;
            Ok(pdf::read(&bytes, &mut held, deadline(), emit)?)
        }
        DocumentKind::Docx | DocumentKind::Pptx => {
            file.rewind()?;
            Ok(office::read(kind, file, memory, deadline(), emit)?)
        }
        DocumentKind::Rtf => {
            file.rewind()?;
            let mut held = memory.start("an RTF document");
            Ok(rtf::read(file.take(size), &mut held, deadline(), emit)?)
        }
    }
}

/// Reads a document that is not a file of its own (an archive member): `head`, then `rest`,
/// copied into memory (at most `cap` bytes, held against the budget).
pub fn read_stream(
    kind: DocumentKind,
    head: Vec<u8>,
    rest: &mut dyn Read,
    size: u64,
    cap: u64,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    if kind == DocumentKind::Rtf {
        let mut held = memory.start("an RTF document inside an archive");
        let input = std::io::Cursor::new(head).chain(rest.take(size));
        return Ok(rtf::read(input, &mut held, deadline(), emit)?);
    }
    let mut held = memory.start("a document inside an archive");
    let bytes = super::read_all(head, rest, cap, size, &mut held)?;
    match kind {
        DocumentKind::Pdf => Ok(pdf::read(&bytes, &mut held, deadline(), emit)?),
        DocumentKind::Docx | DocumentKind::Pptx => Ok(office::read(
            kind,
            std::io::Cursor::new(bytes),
            memory,
            deadline(),
            emit,
        )?),
        DocumentKind::Rtf => unreachable!("streamed above"),
    }
}
