//! The contract vocabulary (`../shared/findings-contract.md`): categories and locations.
//!
//! Everything else may use it; it uses only the detectors' own vocabulary (address parts,
//! the detector set an encoder names detectors from).
//! Names and JSON shapes here are part of the stable output contract; change them only
//! by adding. `Found`, `FindingSink` and `FindingEncoder` are where the scan and whatever
//! writes findings out meet, so that neither depends on the other.

use crate::detect::DetectorSet;
use serde::{Deserialize, Serialize};
use std::io;
use std::sync::Arc;

/// What kind of personal data a detector finds (contract field `category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    NationalId,
    Phone,
    BankCard,
    Address,
    Email,
    Passport,
    Name,
    Other,
}

impl Category {
    /// Every category in contract order.
    pub const ALL: [Category; 8] = [
        Category::NationalId,
        Category::Phone,
        Category::BankCard,
        Category::Address,
        Category::Email,
        Category::Passport,
        Category::Name,
        Category::Other,
    ];

    /// The contract's snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::NationalId => "national_id",
            Category::Phone => "phone",
            Category::BankCard => "bank_card",
            Category::Address => "address",
            Category::Email => "email",
            Category::Passport => "passport",
            Category::Name => "name",
            Category::Other => "other",
        }
    }
}

/// Where a finding sits inside its file; the JSON shape depends on the source kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    /// Plain text: 1-based line, 1-based character column, 0-based byte offset into the
    /// decoded text.
    Text { line: u64, column: u64, offset: u64 },
    /// Database dump: table, 1-based row within the table, column name (or 1-based position).
    /// A live database's table adds the row's primary key, column by column, when it has one.
    Table {
        table: Arc<str>,
        row: u64,
        column: Arc<str>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        key: Option<Box<std::collections::BTreeMap<String, String>>>,
    },
    /// Spreadsheet: sheet name, A1-style cell, column header (or letter).
    Sheet {
        sheet: Arc<str>,
        cell: String,
        column: Arc<str>,
    },
    /// Delimited file: 1-based data row (the header row is not counted) and the header name,
    /// or the 1-based column index when the file has no header.
    Row { row: u64, column: Arc<str> },
    /// JSON: RFC 6901 pointer. NDJSON values get the pointer inside their own line, prefixed
    /// by nothing; `line` says which one (1-based).
    Pointer {
        pointer: Arc<str>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        line: Option<u64>,
    },
    /// PDF: 1-based page, 1-based line of the page in reading order, 1-based character
    /// column in that line.
    Page { page: u64, line: u64, column: u64 },
    /// Presentation: 1-based slide and paragraph within the slide; `part` is `notes` for
    /// the slide's speaker notes.
    Slide {
        slide: u64,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        part: Option<Arc<str>>,
        paragraph: u64,
    },
    /// Word-processing document: 1-based paragraph (table cells' paragraphs included) of
    /// the body, or of the `part` named (`header1`, `footer2`, `footnotes`, `endnotes`,
    /// `comments`), counted within that part.
    Paragraph {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        part: Option<Arc<str>>,
        paragraph: u64,
    },
    /// A file's or folder's name (`scan::names`): `file_name`, or `directory` with its depth
    /// under the root (1: a folder right under it). The finding's `path` is that file or
    /// folder.
    PathComponent {
        path_component: crate::inventory::PathComponent,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        depth: Option<u64>,
    },
}

/// Data-protection class of a detector's findings under PIPL (Art. 28 sensitive vs general).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// PIPL Art. 28: identity documents, financial accounts.
    Sensitive,
    /// Personal information that is not sensitive: phones, e-mails, addresses.
    #[default]
    General,
}

impl Sensitivity {
    /// The snake_case name the JSON outputs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Sensitive => "sensitive",
            Sensitivity::General => "general",
        }
    }
}

/// One reported value, before it is written.
#[derive(Debug, Clone)]
pub struct Found {
    pub detector: usize,
    pub confidence: f32,
    pub location: Location,
    pub value: String,
    /// Addresses: province, city, district.
    pub parts: Option<crate::detect::address::Parts>,
    /// An address joined from several fields of one record (省, 市, 区 and detail columns):
    /// those fields' names, the finding's own (where it is located) last.
    pub fields: Option<Box<[Arc<str>]>>,
}

/// Where a scan's findings go. Findings are encoded on the worker threads, each with an
/// encoder of its own (so encoding runs in parallel), and the encoded bytes are handed to the
/// sink on one thread, file after file in path order (so the output is the same for any
/// thread count).
pub trait FindingSink {
    /// An encoder for the workers (each takes a `fresh` one of its own); None when nobody
    /// wants the findings themselves, only the inventory: workers then skip encoding.
    fn encoder(&self) -> Option<Box<dyn FindingEncoder>>;
    /// Writes encoded findings; an error ends the scan (a reader that went away is
    /// `BrokenPipe`).
    fn write(&mut self, encoded: &[u8]) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
}

/// Turns a batch of one file's findings into bytes for a `FindingSink`. Shared read-only by
/// all workers to make their own (`fresh`), hence `Sync`.
pub trait FindingEncoder: Send + Sync {
    /// Appends the findings of the file (or archive member) at `path` to `out`.
    fn encode(&mut self, path: &str, detectors: &DetectorSet, batch: &[Found], out: &mut Vec<u8>);
    /// A new encoder with the same settings, for another worker (or one rebuilt after a
    /// panic): encoders keep scratch state between batches.
    fn fresh(&self) -> Box<dyn FindingEncoder>;
}
