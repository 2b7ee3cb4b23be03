//! Opening a file as a format and turning it into text records with locations.
//!
//! Each format is one module with one entry point that pushes `Record`s into a callback
//! (ripgrep's sink model: the source owns and reuses its buffers). Sources know nothing of
//! detectors; the scanner knows nothing of formats. They meet at `Record`.

mod decode;
pub mod delimited;
pub mod json;
pub mod json_walk;
pub mod sheet;
pub mod sql;
pub mod sql_walk;
pub mod sqlite;
pub mod text;

pub use decode::{sniff_encoding, TextReader, CHUNK};

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// How many bytes are read up front to decide the format and the encoding.
pub const HEAD: usize = 64 << 10;

/// The formats pimap reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Delimited,
    Json,
    Ndjson,
    SqlDump,
}

impl Format {
    /// The inventory's `format` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Delimited => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::SqlDump => "sql",
        }
    }
}

/// What to do with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Read(Format),
    /// Not read: the reason says why (binary, a format not supported yet).
    Skip(String),
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
    /// A value in a database dump or SQLite table.
    Table {
        table: &'a str,
        row: u64,
        column: &'a str,
    },
    /// A spreadsheet cell: sheet name, A1-style cell reference, 0-based column index and
    /// the column's header (or its letter when the sheet has no header row).
    Sheet {
        sheet: &'a str,
        cell: &'a str,
        index: usize,
        column: &'a Arc<str>,
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
    pub warnings: Vec<String>,
}

/// Decides how to read a file from its name and first bytes.
pub fn claim(path: &Path, head: &[u8]) -> Claim {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if head.starts_with(b"SQLite format 3\0") {
        return Claim::Skip("SQLite database: not read yet".into());
    }
    let unsupported = |what: &str| Claim::Skip(format!("{what}: format not read yet"));
    match ext.as_str() {
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => return unsupported("spreadsheet"),
        "zip" | "gz" | "tgz" | "tar" | "7z" | "rar" | "bz2" | "xz" | "zst" => return unsupported("archive"),
        "db" | "sqlite" | "sqlite3" | "mdb" | "accdb" => return unsupported("database file"),
        "pdf" | "doc" | "docx" | "ppt" | "pptx" | "wps" => return unsupported("document"),
        _ => {}
    }
    let bom = |b: &[u8]| b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]);
    if !bom(head) && looks_binary(head) {
        return Claim::Skip("binary file".into());
    }
    Claim::Read(match ext.as_str() {
        "csv" | "tsv" | "tab" | "psv" => Format::Delimited,
        "json" | "geojson" => Format::Json,
        "ndjson" | "jsonl" | "ldjson" => Format::Ndjson,
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

/// Reads up to `HEAD` bytes from the start of an open file.
pub fn read_head(file: &mut File) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD);
    file.by_ref().take(HEAD as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Reads `file` (whose first bytes are `head`) as `format`, pushing records into `emit`.
/// An `Err` means the file could not be read to the end; records already pushed stand.
pub fn read(
    format: Format,
    head: Vec<u8>,
    file: File,
    size: u64,
    chunk: usize,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, String> {
    let reader = TextReader::new(head, file, chunk, size);
    match format {
        Format::Text => text::read(reader, emit),
        Format::Delimited => delimited::read(reader, emit),
        Format::Json => json::read_document(reader, emit),
        Format::Ndjson => json::read_lines(reader, emit),
        Format::SqlDump => sql::read(reader, emit),
    }
}

/// One-line message for an I/O error while reading.
pub fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::InvalidData => format!("cannot decode: {e}"),
        _ => format!("read failed: {e}"),
    }
}
