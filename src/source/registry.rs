//! Every format pimap reads, declared once: its inventory name, what its reader needs of
//! the input (`Access`), and the extensions that name it.
//!
//! The scanner feeds a file by its format's `Access`, so a new text format is its module, a
//! `Format` variant and one `FORMATS` entry. Formats read from a file on disk keep an arm
//! each in `scan::worker`: their readers take different things (a path, a workbook kind,
//! an archive's visitor).

use super::{
    delimited, json, sql, text, ArchiveKind, DocumentKind, FileFacts, Format, Record, SheetKind, SourceError,
    TextReader,
};
use crate::budget::MemoryBudget;
use std::io::Read;

/// The entry point of a format read from a text stream. The stream is a trait object so
/// that all text readers share one signature and fit in one table; it is called once per
/// buffer refill, never per record.
pub type TextRead = fn(
    TextReader<&mut dyn Read>,
    &MemoryBudget,
    &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError>;

/// What a format's reader needs of its input.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Decoded text front to back, in chunks, never held whole.
    TextStream(TextRead),
    /// A file on disk to seek in or open by name. An archive member has none, so it is
    /// read whole into memory first (under a size cap and the memory budget).
    File,
    /// Raw bytes front to back (compressed and tar streams), never held whole.
    ByteStream,
}

/// One format as pimap reads it.
#[derive(Debug)]
pub struct Entry {
    pub format: Format,
    /// The inventory's `format` name (docs/inventory.md).
    pub name: &'static str,
    pub access: Access,
    /// Lower-case extensions that make a file this format when nothing else has claimed it
    /// (magic bytes, container and workbook names, the binary test: see `claim`). Formats
    /// that must also be recognised by their content list none and are claimed there.
    pub extensions: &'static [&'static str],
}

impl Entry {
    const fn text(
        format: Format,
        name: &'static str,
        extensions: &'static [&'static str],
        read: TextRead,
    ) -> Self {
        Entry {
            format,
            name,
            access: Access::TextStream(read),
            extensions,
        }
    }

    const fn file(format: Format, name: &'static str) -> Self {
        Entry {
            format,
            name,
            access: Access::File,
            extensions: &[],
        }
    }

    const fn bytes(format: Format, name: &'static str) -> Self {
        Entry {
            format,
            name,
            access: Access::ByteStream,
            extensions: &[],
        }
    }
}

/// The formats, one entry each. Readers that hold nothing whole ignore the memory budget.
pub static FORMATS: &[Entry] = &[
    Entry::text(Format::Text, "text", &[], |text, _, emit| text::read(text, emit)),
    Entry::text(
        Format::Delimited,
        "csv",
        &["csv", "tsv", "tab", "psv"],
        |text, _, emit| delimited::read(text, emit),
    ),
    Entry::text(
        Format::Json,
        "json",
        &["json", "geojson"],
        |text, memory, emit| json::read_document(text, memory, emit),
    ),
    Entry::text(
        Format::Ndjson,
        "ndjson",
        &["ndjson", "jsonl", "ldjson"],
        |text, _, emit| json::read_lines(text, emit),
    ),
    // .sql and .dump files are dumps only when they read like one (`claim`).
    Entry::text(Format::SqlDump, "sql", &[], |text, _, emit| sql::read(text, emit)),
    Entry::file(Format::Sqlite, "sqlite"),
    Entry::file(Format::Sheet(SheetKind::Xlsx), "xlsx"),
    Entry::file(Format::Sheet(SheetKind::Xlsb), "xlsb"),
    Entry::file(Format::Sheet(SheetKind::Xls), "xls"),
    Entry::file(Format::Sheet(SheetKind::Ods), "ods"),
    Entry::file(Format::Archive(ArchiveKind::Zip), "zip"),
    Entry::bytes(Format::Archive(ArchiveKind::Gzip), "gzip"),
    Entry::bytes(Format::Archive(ArchiveKind::Tar), "tar"),
    Entry::bytes(Format::Archive(ArchiveKind::TarGz), "tar.gz"),
    Entry::file(Format::Document(DocumentKind::Pdf), "pdf"),
    Entry::file(Format::Document(DocumentKind::Docx), "docx"),
    Entry::file(Format::Document(DocumentKind::Pptx), "pptx"),
    Entry::file(Format::Document(DocumentKind::Rtf), "rtf"),
];

/// The format a lower-case extension names on its own, if any.
pub fn by_extension(ext: &str) -> Option<Format> {
    FORMATS
        .iter()
        .find(|entry| entry.extensions.contains(&ext))
        .map(|entry| entry.format)
}

impl Format {
    /// How this format is read. A linear search: it runs once per file, over a dozen entries.
    pub fn entry(self) -> &'static Entry {
        FORMATS
            .iter()
            .find(|entry| entry.format == self)
            .expect("every format has a registry entry (tested)")
    }

    /// The inventory's `format` name.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    pub fn access(self) -> Access {
        self.entry().access
    }

    /// Formats read from a text stream.
    pub fn is_text(self) -> bool {
        matches!(self.access(), Access::TextStream(_))
    }
}

/// Reads `head` then `rest` with a text format's reader.
pub fn read_stream(
    read: TextRead,
    head: Vec<u8>,
    rest: &mut dyn Read,
    size: u64,
    chunk: usize,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    read(TextReader::new(head, rest, chunk, size), memory, emit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Origin;
    use std::collections::HashSet;

    /// Every format.
    fn every_format() -> Vec<Format> {
        // Exhaustive: a new variant fails to compile here until it is added to the list.
        let _ = |format: Format| match format {
            Format::Text
            | Format::Delimited
            | Format::Json
            | Format::Ndjson
            | Format::SqlDump
            | Format::Sqlite
            | Format::Sheet(_)
            | Format::Archive(_)
            | Format::Document(_) => (),
        };
        let _ = |kind: DocumentKind| match kind {
            DocumentKind::Pdf | DocumentKind::Docx | DocumentKind::Pptx | DocumentKind::Rtf => (),
        };
        let _ = |kind: SheetKind| match kind {
            SheetKind::Xlsx | SheetKind::Xlsb | SheetKind::Xls | SheetKind::Ods => (),
        };
        let _ = |kind: ArchiveKind| match kind {
            ArchiveKind::Zip | ArchiveKind::Gzip | ArchiveKind::Tar | ArchiveKind::TarGz => (),
        };
        vec![
            Format::Text,
            Format::Delimited,
            Format::Json,
            Format::Ndjson,
            Format::SqlDump,
            Format::Sqlite,
            Format::Sheet(SheetKind::Xlsx),
            Format::Sheet(SheetKind::Xlsb),
            Format::Sheet(SheetKind::Xls),
            Format::Sheet(SheetKind::Ods),
            Format::Archive(ArchiveKind::Zip),
            Format::Archive(ArchiveKind::Gzip),
            Format::Archive(ArchiveKind::Tar),
            Format::Archive(ArchiveKind::TarGz),
            Format::Document(DocumentKind::Pdf),
            Format::Document(DocumentKind::Docx),
            Format::Document(DocumentKind::Pptx),
            Format::Document(DocumentKind::Rtf),
        ]
    }

    #[test]
    fn every_format_has_exactly_one_entry() {
        let formats = every_format();
        assert_eq!(FORMATS.len(), formats.len());
        for format in formats {
            let entries = FORMATS.iter().filter(|e| e.format == format).count();
            assert_eq!(entries, 1, "{format:?}");
        }
    }

    /// The names are the inventory's contract: docs/inventory.md lists them.
    #[test]
    fn names_are_unique_and_the_documented_ones() {
        let names: HashSet<&str> = FORMATS.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), FORMATS.len(), "a name used twice");
        let doc = include_str!("../../docs/inventory.md");
        let listed = doc
            .split_once("`format` is ")
            .and_then(|(_, after)| after.split_once(';'))
            .expect("docs/inventory.md says what `format` is")
            .0;
        let documented: HashSet<&str> = listed.split('`').skip(1).step_by(2).collect();
        assert_eq!(names, documented);
    }

    #[test]
    fn is_text_is_access_by_text_stream_and_only_text_formats_name_extensions() {
        for entry in FORMATS {
            let streamed = matches!(entry.access, Access::TextStream(_));
            assert_eq!(entry.format.is_text(), streamed, "{}", entry.name);
            if !streamed {
                assert!(entry.extensions.is_empty(), "{}", entry.name);
            }
            for ext in entry.extensions {
                assert_eq!(*ext, ext.to_ascii_lowercase());
                assert_eq!(by_extension(ext), Some(entry.format), "{ext}");
            }
        }
        let all: Vec<&str> = FORMATS
            .iter()
            .flat_map(|e| e.extensions.iter().copied())
            .collect();
        assert_eq!(
            all.iter().collect::<HashSet<_>>().len(),
            all.len(),
            "an extension claimed twice"
        );
        assert_eq!(by_extension(""), None);
        assert_eq!(by_extension("txt"), None);
    }

    /// What the registry's reader for `format` emits for `bytes`, as (text, location).
    fn read_through_registry(format: Format, bytes: &[u8]) -> Vec<(String, String)> {
        let Access::TextStream(read) = format.access() else {
            panic!("{format:?} is not a text format");
        };
        let memory = MemoryBudget::new(64 << 20);
        let split = bytes.len().min(8);
        let mut rest = &bytes[split..];
        let mut records = Vec::new();
        read_stream(
            read,
            bytes[..split].to_vec(),
            &mut rest,
            bytes.len() as u64,
            crate::source::CHUNK,
            &memory,
            &mut |r| {
                let at = match r.origin {
                    Origin::Cell { row, column, .. } => format!("row {row} {column}"),
                    Origin::Json { pointer, line, .. } => format!("line {line:?} {pointer}"),
                    other => format!("{other:?}"),
                };
                records.push((r.text.to_owned(), at));
            },
        )
        .unwrap();
        records
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn csv_and_ndjson_are_read_through_the_registry() {
        let csv = "name,phone\n李娜,13812345678\n王伟,13912345678\n";
        assert_eq!(by_extension("csv"), Some(Format::Delimited));
        assert_eq!(
            read_through_registry(Format::Delimited, csv.as_bytes()),
            pairs(&[
                ("李娜", "row 1 name"),
                ("13812345678", "row 1 phone"),
                ("王伟", "row 2 name"),
                ("13912345678", "row 2 phone"),
            ])
        );
        let ndjson = "{\"phone\":\"13812345678\"}\n{\"name\":\"李娜\"}\n";
        assert_eq!(by_extension("jsonl"), Some(Format::Ndjson));
        assert_eq!(
            read_through_registry(Format::Ndjson, ndjson.as_bytes()),
            pairs(&[
                ("13812345678", "line Some(1) /phone"),
                ("李娜", "line Some(2) /name")
            ])
        );
    }
}
