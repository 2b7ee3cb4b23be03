//! Opening a file as a format and turning it into text records with locations.
//!
//! Each format is one module with one entry point that pushes `Record`s into a callback
//! (ripgrep's sink model: the source owns and reuses its buffers). Sources know nothing of
//! detectors; the scanner knows nothing of formats. They meet at `Record`.
//!
//! `registry` declares each format once: its inventory name, what its reader needs (a text
//! stream, a file on disk, a byte stream) and the extensions that name it; the scanner
//! feeds a file by that declaration. Adding a text format takes its module (a `read` over a
//! `TextReader` that calls `emit`), a `Format` variant and one `registry::FORMATS` entry;
//! `claim` only changes when extensions are not enough to tell the format (magic bytes,
//! content).

pub mod archive;
pub mod bucket;
mod decode;
pub mod delimited;
pub mod document;
pub mod json;
pub mod json_walk;
pub mod live_db;
pub mod registry;
pub mod sheet;
pub mod split;
pub mod sql;
pub mod sql_walk;
pub mod sqlite;
pub mod text;

pub use archive::ArchiveKind;
pub use decode::{sniff_encoding, TextReader, CHUNK};
pub use document::DocumentKind;
pub use registry::{Access, TextRead};
pub use sheet::SheetKind;

use crate::budget::{OverBudget, Reservation};
use crate::error::{Classified, ErrorKind, Problem};
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// Columns of one table (or keys of one document) that get a name and counts of their own;
/// the rest of a wider file is counted together under `MORE_COLUMNS`.
pub const MAX_COLUMNS: usize = 4096;

/// The column name of everything past `MAX_COLUMNS`.
pub const MORE_COLUMNS: &str = "(more columns)";

/// The character boundary at or before byte `at` of `text` (its end if `at` is past it):
/// where a text can be cut.
pub fn floor_char(text: &str, mut at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// How many bytes are read up front to decide the format and the encoding.
pub const HEAD: usize = 64 << 10;

/// The formats pimap reads; `registry::FORMATS` says how each is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Delimited,
    Json,
    Ndjson,
    SqlDump,
    Sheet(SheetKind),
    Sqlite,
    Archive(ArchiveKind),
    Document(DocumentKind),
}

/// What to do with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Read(Format),
    /// Not read: the reason says why (binary, a format not supported yet).
    Skip(String),
    /// Not read, and an error: named as a format pimap reads, it is another one.
    Misnamed(Misnamed),
}

/// An archive of a kind pimap does not open (7z, rar) named as one it does (`.zip`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {found} archive named .{ext}: {found} archives are not read")]
pub struct Misnamed {
    pub found: &'static str,
    pub ext: String,
}

/// Why an input could not be read to the end. Records already emitted stand.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading failed; the kind is the I/O error's, or the one a reader tagged inside it
    /// (a decompression bomb, a corrupt compressed stream).
    #[error("{}", io_message(.0))]
    Read(#[from] io::Error),
    /// The format needs the whole input in memory, and it is larger than that may be.
    #[error("too large to read into memory (over {} MiB)", .cap >> 20)]
    TooLarge { cap: u64 },
    /// The format needs the whole input in memory, and the memory budget cannot take it.
    #[error(transparent)]
    Memory(#[from] OverBudget),
    #[error(transparent)]
    Misnamed(#[from] Misnamed),
    #[error(transparent)]
    Archive(#[from] archive::ArchiveError),
    #[error(transparent)]
    Sheet(#[from] sheet::SheetError),
    #[error(transparent)]
    Sqlite(#[from] sqlite::SqliteError),
    #[error(transparent)]
    Document(#[from] document::DocumentError),
    /// A format reached a reader that cannot take it (a bug).
    #[error("cannot read {0} here")]
    Misrouted(&'static str),
}

impl Classified for SourceError {
    fn kind(&self) -> ErrorKind {
        match self {
            SourceError::Read(e) => ErrorKind::of_io(e),
            SourceError::TooLarge { .. } | SourceError::Memory(_) => ErrorKind::TooLarge,
            SourceError::Misnamed(_) => ErrorKind::Unsupported,
            SourceError::Archive(e) => e.kind(),
            SourceError::Sheet(e) => e.kind(),
            SourceError::Sqlite(e) => e.kind(),
            SourceError::Document(e) => e.kind(),
            SourceError::Misrouted(_) => ErrorKind::Internal,
        }
    }
}

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A chunk of plain text starting at this byte offset (decoded), 1-based line and
    /// 1-based character column (a record may start mid-line).
    Text { offset: u64, line: u64, column: u64 },
    /// A table cell: 1-based data row, 0-based column index and its name.
    Cell {
        row: u64,
        index: usize,
        column: &'a Arc<str>,
    },
    /// A JSON scalar; `line` is set for NDJSON (1-based).
    Json {
        pointer: &'a str,
        key: Option<&'a str>,
        line: Option<u64>,
    },
    /// A value in a database dump, SQLite table or live database table; `key` is the row's
    /// primary key (column, value) when a live database table has one (empty otherwise).
    Table {
        table: &'a str,
        row: u64,
        column: &'a str,
        key: &'a [(&'a str, &'a str)],
    },
    /// A spreadsheet cell: sheet name, A1-style cell reference, 0-based column index and
    /// the column's header (or its letter when the sheet has no header row).
    Sheet {
        sheet: &'a str,
        cell: &'a str,
        index: usize,
        column: &'a Arc<str>,
    },
    /// A line of a PDF page in reading order: 1-based page and line, and the 1-based
    /// character column the record starts at.
    Page { page: u64, line: u64, column: u64 },
    /// A paragraph of a document (1-based), of which slide (1-based) in a deck, and of
    /// which part when it is not the body or a slide (`header1`, `footnotes`, `notes`).
    Paragraph {
        slide: Option<u64>,
        part: Option<&'a str>,
        paragraph: u64,
    },
}

/// A piece of text to scan, and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub text: &'a str,
    pub origin: Origin<'a>,
}

/// What reading a file found out about it.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub encoding: Option<&'static str>,
    /// Undecodable bytes were replaced.
    pub lossy: bool,
    /// Problems that did not stop the file from being read (the rest was scanned as text).
    pub warnings: Vec<Problem>,
    /// Read, and nothing in it to scan: listed as skipped for this reason (a PDF of
    /// scanned images has no text layer).
    pub skipped: Option<&'static str>,
}

/// Decides how to read a file from its name and first bytes.
pub fn claim(path: &Path, head: &[u8]) -> Claim {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let name = path.to_string_lossy().to_ascii_lowercase();
    let unsupported = |what: &str| Claim::Skip(format!("{what}: format not read yet"));
    let zip_magic = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
    let ole_magic = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let tar_magic = head.len() > 262 && &head[257..262] == b"ustar";
    if head.starts_with(b"SQLite format 3\0") {
        return Claim::Read(Format::Sqlite);
    }
    if let Some(found) = foreign_archive(head) {
        // Named as a container pimap opens, it would be reported as a corrupt one. Whoever
        // named it expects its content to be scanned, so it is an error, not a skip.
        return match ext.as_str() {
            "zip" | "gz" | "tgz" | "gzip" | "tar" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => {
                Claim::Misnamed(Misnamed { found, ext })
            }
            _ => unsupported("archive"),
        };
    }
    match ext.as_str() {
        // Named like a workbook: read it as one (a damaged one gets calamine's reason).
        "xlsx" | "xlsm" => return Claim::Read(Format::Sheet(SheetKind::Xlsx)),
        "xlsb" => return Claim::Read(Format::Sheet(SheetKind::Xlsb)),
        "ods" => return Claim::Read(Format::Sheet(SheetKind::Ods)),
        "xls" if !zip_magic => return Claim::Read(Format::Sheet(SheetKind::Xls)),
        "xls" => return Claim::Read(Format::Sheet(SheetKind::Xlsx)),
        "7z" | "rar" | "bz2" | "xz" | "zst" | "lz4" => return unsupported("archive"),
        "mdb" | "accdb" => return unsupported("database file"),
        "pdf" => return Claim::Read(Format::Document(DocumentKind::Pdf)),
        // Named like one, it is read as one (a damaged one gets the zip's reason).
        "docx" | "docm" => return Claim::Read(Format::Document(DocumentKind::Docx)),
        "pptx" | "pptm" => return Claim::Read(Format::Document(DocumentKind::Pptx)),
        "rtf" => return Claim::Read(Format::Document(DocumentKind::Rtf)),
        "doc" | "wps" if head.starts_with(b"{\\rtf") => {
            return Claim::Read(Format::Document(DocumentKind::Rtf))
        }
        "doc" | "ppt" | "wps" | "odt" => return unsupported("document"),
        _ => {}
    }
    // Some writers put bytes before the header; readers look for it in the first kilobyte.
    if memchr::memmem::find(&head[..head.len().min(1024)], b"%PDF-").is_some() {
        return Claim::Read(Format::Document(DocumentKind::Pdf));
    }
    // RTF saved under another name (Word does so under .doc): the content decides.
    if head.starts_with(b"{\\rtf") {
        return Claim::Read(Format::Document(DocumentKind::Rtf));
    }
    if ole_magic {
        return unsupported("OLE compound document");
    }
    if head.starts_with(&[0x1F, 0x8B]) || matches!(ext.as_str(), "gz" | "tgz" | "gzip") {
        let tarball = ext == "tgz" || name.ends_with(".tar.gz");
        return Claim::Read(Format::Archive(if tarball {
            ArchiveKind::TarGz
        } else {
            ArchiveKind::Gzip
        }));
    }
    if zip_magic || ext == "zip" {
        return Claim::Read(Format::Archive(ArchiveKind::Zip));
    }
    if tar_magic || ext == "tar" {
        return Claim::Read(Format::Archive(ArchiveKind::Tar));
    }
    let bom = |b: &[u8]| b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]);
    if !bom(head) && looks_binary(head) {
        return Claim::Skip("binary file".into());
    }
    if let Some(format) = registry::by_extension(&ext) {
        return Claim::Read(format);
    }
    Claim::Read(match ext.as_str() {
        "sql" | "dump" if looks_like_dump(head) => Format::SqlDump,
        _ if json_walk::looks_like_json(head) => {
            if ext == "txt" || ext == "log" {
                Format::Text
            } else {
                Format::Json
            }
        }
        _ if ext.is_empty() && looks_like_dump(head) => Format::SqlDump,
        _ => Format::Text,
    })
}

/// Archives recognised by their magic bytes that pimap does not open.
fn foreign_archive(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        Some("7z")
    } else if head.starts_with(b"Rar!\x1A\x07") {
        // RAR 4 (`Rar!\x1A\x07\x00`) and RAR 5 (`Rar!\x1A\x07\x01\x00`).
        Some("rar")
    } else {
        None
    }
}

fn looks_like_dump(head: &[u8]) -> bool {
    let n = head.len().min(HEAD);
    let text = String::from_utf8_lossy(&head[..n]);
    sql_walk::looks_like_sql_dump(&text)
}

/// Binary: a NUL byte, or many control characters, in the first bytes.
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    if memchr::memchr(0, sample).is_some() {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x1B))
        .count();
    control * 10 > sample.len().max(1)
}

/// Reads up to `HEAD` bytes from the start of an input.
pub fn read_head(input: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD);
    input.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Reads a text-stream format: `head` (the first bytes) then `rest`, pushing records into
/// `emit`. An `Err` means the input could not be read to the end; records already pushed
/// stand. What a format must hold whole (a JSON document) is held against `memory`.
pub fn read_text<R: Read>(
    format: Format,
    head: Vec<u8>,
    rest: R,
    size: u64,
    chunk: usize,
    memory: &crate::budget::MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let mut rest = rest;
    match format.access() {
        Access::TextStream(read) => registry::read_stream(read, head, &mut rest, size, chunk, memory, emit),
        Access::File | Access::ByteStream => Err(SourceError::Misrouted(format.name())),
    }
}

/// Reads all of `head` + `rest` into memory (formats that need random access, inside
/// archives), refusing more than `cap` bytes. The memory is reserved in `held` before it is
/// taken; the caller keeps the reservation as long as the bytes.
///
/// `expected` is the size the container declares (0 if none). It is reserved in one step
/// when the budget could ever hold it: readers on several threads that each grew their
/// reservation bit by bit would each hold part of what they need while waiting for the
/// rest, and all time out together. Input larger than declared (a lying header) grows the
/// reservation as it comes.
pub fn read_all(
    mut head: Vec<u8>,
    rest: &mut dyn Read,
    cap: u64,
    expected: u64,
    held: &mut Reservation<'_>,
) -> Result<Vec<u8>, SourceError> {
    /// The smallest step the buffer grows by.
    const STEP: u64 = 1 << 20;
    let declared = expected.min(cap);
    if declared > 0 && declared < held.limit() {
        // One byte more than declared tells input that is longer.
        let want = declared + 1;
        held.grow_to(want.max(head.capacity() as u64))?;
        let want_usize = usize::try_from(want).map_err(|_| SourceError::TooLarge { cap })?;
        if head
            .try_reserve_exact(want_usize.saturating_sub(head.len()))
            .is_err()
        {
            return Err(SourceError::TooLarge { cap });
        }
        held.grow_to(head.capacity() as u64)?;
        let missing = want.saturating_sub(head.len() as u64);
        if missing > 0 && rest.take(missing).read_to_end(&mut head)? < missing as usize {
            // Shorter than declared (a lying header): what was reserved for the claim and
            // not used goes back, or a zip inside would hold it while its members wait.
            head.shrink_to_fit();
            held.shrink_to(head.capacity() as u64);
            return Ok(head);
        }
    }
    held.grow_to(head.capacity() as u64)?;
    loop {
        let len = head.len() as u64;
        if len > cap {
            return Err(SourceError::TooLarge { cap });
        }
        // As much again, up to one byte past the cap (which tells a file over it).
        let room = len.max(STEP).min(cap.saturating_add(1) - len);
        held.grow_to(len + room)?;
        let room_usize = usize::try_from(room).map_err(|_| SourceError::TooLarge { cap })?;
        if head.try_reserve_exact(room_usize).is_err() {
            return Err(SourceError::TooLarge { cap });
        }
        held.grow_to(head.capacity() as u64)?;
        if rest.take(room).read_to_end(&mut head)? < room_usize {
            return Ok(head);
        }
    }
}

/// One-line message for an I/O error while reading.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::InvalidData => format!("cannot decode: {e}"),
        _ => format!("read failed: {e}"),
    }
}

/// Bytes read from each sampled place of a file for its content hash.
const SAMPLE: u64 = 4096;

/// Opens a file of the walk for reading. A file swapped for a FIFO after the walk would
/// block a plain `open` forever (hostile H1), so it is opened without blocking and judged by
/// what was opened: anything but a regular file is `None`. Unless the walk follows links,
/// a file swapped for a symbolic link (to a file outside the scanned tree) is `None` too.
#[cfg(unix)]
pub fn open_regular(path: &Path, follow_links: bool) -> io::Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if !follow_links {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if !follow_links && e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Ok(None);
    }
    // SAFETY: fcntl on a descriptor owned by `file`, with the flags read from it.
    unsafe {
        let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
    Ok(Some(file))
}

#[cfg(not(unix))]
pub fn open_regular(path: &Path, _follow_links: bool) -> io::Result<Option<std::fs::File>> {
    let file = std::fs::File::open(path)?;
    Ok(file.metadata()?.is_file().then_some(file))
}

/// Four 4 KiB samples of a file (start, one third, two thirds, end; the whole file when it
/// is small): what `scan --baseline` hashes to notice a file rewritten with its old size and
/// modification time, without reading it all.
pub fn read_samples(file: &std::fs::File, size: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity((4 * SAMPLE).min(size) as usize);
    let starts: Vec<u64> = if size <= 4 * SAMPLE {
        vec![0]
    } else {
        vec![0, size / 3, size * 2 / 3, size - SAMPLE]
    };
    let len = if size <= 4 * SAMPLE { size } else { SAMPLE };
    for start in starts {
        let at = out.len();
        out.resize(at + len as usize, 0);
        read_exact_at(file, &mut out[at..], start)?;
    }
    Ok(out)
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)?;
    f.seek(SeekFrom::Start(0)).map(|_| ())
}

/// A name (header cell, JSON key, pointer segment) that may itself be personal data: many
/// digits, counted across separators (`138-1234-5678`, `138 **** 5678`, dates), or an
/// e-mail. Names are written out, so hiding a harmless one costs little.
#[inline]
pub fn looks_like_value(name: &str) -> bool {
    name.contains('@') || name.bytes().filter(u8::is_ascii_digit).count() >= 7
}

/// A library's reason (which may quote what it failed on: a cell's text, a header field, a
/// table name) with every word that looks like a value replaced by `*`. A word is a run
/// between spaces, quotes and brackets; numbers written in groups (`138 1234 5678`) count
/// as one. For messages of other code only: pimap's own say byte offsets and row numbers,
/// which this would hide.
pub fn redact(message: &str) -> String {
    fn separator(c: char) -> bool {
        c.is_whitespace() || "'\"`()[]{}<>,;=".contains(c)
    }
    fn numeric(word: &str) -> bool {
        word.chars().all(|c| c.is_ascii_digit() || "+-./".contains(c))
    }
    // Words and the separators after them, as (word, gap) pairs.
    let mut parts: Vec<(&str, &str)> = Vec::new();
    let mut rest = message;
    while !rest.is_empty() {
        let word_end = rest.find(separator).unwrap_or(rest.len());
        let after = &rest[word_end..];
        let gap_end = after.find(|c: char| !separator(c)).unwrap_or(after.len());
        parts.push((&rest[..word_end], &after[..gap_end]));
        rest = &after[gap_end..];
    }
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < parts.len() {
        // A run of numeric words with only blanks between them: one number.
        let mut j = i;
        let mut digits = 0;
        while j < parts.len() && !parts[j].0.is_empty() && numeric(parts[j].0) {
            digits += parts[j].0.bytes().filter(u8::is_ascii_digit).count();
            let blank_gap = parts[j].1.chars().all(|c| c == ' ');
            j += 1;
            if !blank_gap {
                break;
            }
        }
        if j > i && digits >= 7 {
            out.push('*');
            out.push_str(parts[j - 1].1);
            i = j;
            continue;
        }
        let (word, gap) = parts[i];
        out.push_str(if looks_like_value(word) { "*" } else { word });
        out.push_str(gap);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_all_reserves_what_it_holds() {
        let memory = crate::budget::MemoryBudget::new(8 << 20);
        let data = vec![b'x'; 3 << 20];
        let mut held = memory.start("a test file");
        let bytes = read_all(b"head".to_vec(), &mut &data[..], 4 << 20, 0, &mut held).unwrap();
        assert_eq!(bytes.len(), 4 + (3 << 20));
        assert!(held.bytes() >= bytes.len() as u64 && held.bytes() <= bytes.capacity() as u64);
        drop(held);
        assert_eq!(memory.in_use(), 0);
        // Over the cap, and over the memory budget: both too large.
        let mut held = memory.start("a test file");
        let e = read_all(Vec::new(), &mut &data[..], 1 << 20, 0, &mut held).unwrap_err();
        assert!(matches!(e, SourceError::TooLarge { .. }), "{e}");
        let big = vec![b'x'; 10 << 20];
        let e = read_all(Vec::new(), &mut &big[..], 1 << 30, 0, &mut held).unwrap_err();
        assert!(matches!(e, SourceError::Memory(_)), "{e}");
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert!(e.to_string().starts_with("a test file needs"), "{e}");
    }

    #[test]
    fn read_all_takes_a_declared_size_in_one_reservation() {
        let memory = crate::budget::MemoryBudget::new(64 << 20);
        let data = vec![b'x'; 5 << 20];
        let mut held = memory.start("a test file");
        let bytes = read_all(Vec::new(), &mut &data[..], 1 << 30, 5 << 20, &mut held).unwrap();
        assert_eq!(bytes, data);
        // What was declared (and one byte to tell a longer input), not twice as much.
        assert!(held.bytes() <= (5 << 20) + 4096, "{}", held.bytes());
        drop(held);
        // Declared too small (a lying header): the rest is still read, as it comes.
        let mut held = memory.start("a test file");
        let bytes = read_all(b"he".to_vec(), &mut &data[..], 1 << 30, 1000, &mut held).unwrap();
        assert_eq!(bytes.len(), 2 + data.len());
        drop(held);
        // Declared more than the budget can hold: read as it comes, not refused for the claim.
        let mut held = memory.start("a test file");
        let bytes = read_all(Vec::new(), &mut &data[..], 1 << 30, 1 << 40, &mut held).unwrap();
        assert_eq!(bytes.len(), data.len());
        drop(held);
        // Declared more than it holds: the unused part of the reservation is given back.
        let mut held = memory.start("a test file");
        let bytes = read_all(Vec::new(), &mut &data[..1000], 1 << 30, 32 << 20, &mut held).unwrap();
        assert_eq!(bytes.len(), 1000);
        assert!(held.bytes() < 1 << 20, "{}", held.bytes());
        drop(held);
        assert_eq!(memory.in_use(), 0);
    }

    /// H1: a file swapped for a FIFO nobody writes is refused at once, not waited on.
    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_opened_as_a_file_and_does_not_block() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("orders.csv");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let started = std::time::Instant::now();
        assert!(open_regular(&fifo, false).unwrap().is_none());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let file = dir.path().join("a.csv");
        std::fs::write(&file, "phone\n13812345678\n").unwrap();
        let mut text = String::new();
        open_regular(&file, false)
            .unwrap()
            .expect("a regular file")
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "phone\n13812345678\n");
        assert!(
            open_regular(dir.path(), false).unwrap().is_none(),
            "a folder is not a file"
        );
    }

    #[test]
    fn a_file_swapped_for_a_link_is_opened_only_when_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.csv");
        std::fs::write(&outside, "phone\n13812345678\n").unwrap();
        let listed = dir.path().join("tree.csv");
        std::os::unix::fs::symlink(&outside, &listed).unwrap();
        assert!(open_regular(&listed, false).unwrap().is_none());
        assert!(open_regular(&listed, true).unwrap().is_some());
    }

    #[test]
    fn redact_hides_words_that_look_like_values() {
        assert_eq!(
            redact(r#"Unknown cell 't' attribute: "13812345678""#),
            r#"Unknown cell 't' attribute: "*""#
        );
        assert_eq!(
            redact("numeric field was not a number: 138 1234 5678 when getting size for a.txt"),
            "numeric field was not a number: * when getting size for a.txt"
        );
        assert_eq!(redact("no such module: li.na@example.com"), "no such module: *");
        assert_eq!(redact("table \"t_13812345678\" (x)"), "table \"*\" (x)");
        assert_eq!(redact("+86-138-1234-5678"), "*");
        // Short numbers and ordinary words stay.
        assert_eq!(
            redact("invalid checksum at 1234, row 56 of 'orders'"),
            "invalid checksum at 1234, row 56 of 'orders'"
        );
        assert_eq!(redact("year 2024 12 31"), "year *");
        assert_eq!(redact(""), "");
        assert_eq!(redact("  leading and trailing  "), "  leading and trailing  ");
    }

    #[test]
    fn misnamed_7z_and_rar_archives_are_errors_others_skipped() {
        let seven = [b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4, 1, 2, 3];
        let rar5 = *b"Rar!\x1A\x07\x01\x00rest";
        for (head, found) in [(&seven[..], "7z"), (&rar5[..], "rar")] {
            for name in ["backup.zip", "dump.sql.gz", "orders.XLSX", "logs.tar"] {
                match claim(Path::new(name), head) {
                    Claim::Misnamed(m) => {
                        assert_eq!(m.found, found);
                        let e = SourceError::from(m);
                        assert_eq!(e.kind(), ErrorKind::Unsupported);
                        assert!(e.to_string().contains(found), "{e}");
                    }
                    other => panic!("{name}: {other:?}"),
                }
            }
            for name in ["backup.7z", "backup.rar", "blob.bin", "noext"] {
                assert!(matches!(claim(Path::new(name), head), Claim::Skip(_)), "{name}");
            }
        }
    }
}
