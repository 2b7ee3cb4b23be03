//! The fuzz targets' bodies, one `pub fn` per target (`fuzz_targets/NAME.rs` only hands its
//! input to `NAME`), and what they share: how the first byte of an input picks the reading
//! conditions (chunk size, short reads, size hint, a failing stream), and what consuming a
//! record means (checking what must always hold of it).
//!
//! The targets drive pimap's own entry points the way `scan` does; see `README.md`. This
//! file has no dependency on libFuzzer: `tests/fuzz_regressions.rs` includes it (`#[path]`)
//! to run every saved crash input through the same code on stable, in `cargo test`.

use pimap::inventory::policy::{Policy, DUPLICATES_RULE};
use pimap::inventory::Inventory;
use pimap::source::archive::{for_each_member_seekable, for_each_member_stream, Budget, Member};
use pimap::source::{self, ArchiveKind, Format, Origin, Record, SheetKind};
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

/// Chunk sizes a selector picks from: the smallest `TextReader` allows, odd ones that cut
/// characters and lines anywhere, the CLI's smallest (`--chunk-size 64`), the default.
pub const CHUNKS: [usize; 8] = [16, 17, 64, 100, 255, 4096, 65536, source::CHUNK];

/// How a text input is presented to a reader, decided by the input's first byte.
#[derive(Debug, Clone, Copy)]
pub struct Conditions {
    pub chunk: usize,
    /// The stream hands out 1..=7 bytes per `read` (decompressors and pipes do).
    pub trickle: bool,
    /// The size the caller believes the input has (an archive member's declared size may
    /// be 0 or anything).
    pub size_hint: u64,
    /// After its bytes, the stream fails (a corrupt compressed member, an I/O error).
    pub fail_at_end: bool,
}

impl Conditions {
    /// The conditions from `selector`, for an input of `len` bytes.
    pub fn from_selector(selector: u8, len: usize) -> Conditions {
        let len = len as u64;
        Conditions {
            chunk: CHUNKS[usize::from(selector & 7)],
            trickle: selector & 8 != 0,
            size_hint: match (selector >> 4) & 3 {
                0 => len,
                1 => 0,
                2 => u64::MAX,
                _ => len / 2,
            },
            fail_at_end: selector & 0x40 != 0,
        }
    }

    /// A stream over `data` under these conditions.
    pub fn stream(self, data: &[u8]) -> Stream<'_> {
        Stream {
            data,
            trickle: self.trickle,
            step: 0,
            fail_at_end: self.fail_at_end,
        }
    }

    /// Reads `data` as `format` the way the scanner reads a member of an archive: the head
    /// (up to `source::HEAD` bytes) then the rest of the stream.
    pub fn read_text(
        self,
        format: Format,
        data: &[u8],
        emit: &mut dyn FnMut(Record<'_>),
    ) -> Result<source::FileFacts, source::SourceError> {
        let split = data.len().min(source::HEAD);
        let head = data[..split].to_vec();
        source::read_text(
            format,
            head,
            self.stream(&data[split..]),
            self.size_hint,
            self.chunk,
            &pimap::budget::MemoryBudget::new(pimap::budget::DEFAULT_LIMIT),
            emit,
        )
    }
}

/// A reader over a byte slice with the quirks of real streams.
pub struct Stream<'a> {
    data: &'a [u8],
    trickle: bool,
    step: usize,
    fail_at_end: bool,
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            if self.fail_at_end && !buf.is_empty() {
                self.fail_at_end = false;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "corrupt deflate stream",
                ));
            }
            return Ok(0);
        }
        let mut n = buf.len().min(self.data.len());
        if self.trickle {
            self.step = self.step % 7 + 1;
            n = n.min(self.step);
        }
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Checks what holds for every record and returns an owned copy of it, for comparisons:
/// its text and where it says it came from.
pub fn check(record: &Record<'_>) -> (String, String) {
    match record.origin {
        Origin::Text { line, column, .. } => {
            assert!(
                line >= 1 && column >= 1,
                "text record at line {line}, column {column}"
            );
        }
        Origin::Cell { row, column, .. } => {
            assert!(row >= 1, "cell record in data row {row}");
            let _ = column.len();
        }
        Origin::Json { line, .. } => assert!(line != Some(0), "NDJSON record on line 0"),
        Origin::Table { row, .. } => assert!(row >= 1, "table record in row {row}"),
        Origin::Sheet { cell, column, .. } => {
            assert!(!cell.is_empty(), "sheet record without a cell reference");
            let _ = column.len();
        }
        Origin::Page { page, line, column } => {
            assert!(
                page >= 1 && line >= 1 && column >= 1,
                "page record at {page}:{line}:{column}"
            );
        }
        Origin::Paragraph {
            slide,
            part,
            paragraph,
        } => {
            assert!(
                paragraph >= 1 && slide != Some(0) && part != Some(""),
                "paragraph record {slide:?}/{part:?}/{paragraph}"
            );
        }
    }
    (record.text.to_owned(), format!("{:?}", record.origin))
}

/// Consumes a record as cheaply as possible (when the records are not compared).
pub fn touch(record: &Record<'_>) -> usize {
    match record.origin {
        Origin::Text { line, column, .. } => {
            assert!(
                line >= 1 && column >= 1,
                "text record at line {line}, column {column}"
            );
        }
        Origin::Table { row, .. } => assert!(row >= 1, "table record in row {row}"),
        _ => {}
    }
    record.text.len()
}

/// Renders an error as the inventory would (its message and kind): both run code of
/// pimap's own (redaction, classification) on what the parser said.
pub fn describe<E: pimap::error::Classified + std::fmt::Display>(e: &E) -> usize {
    e.to_string().len() + e.kind().as_str().len()
}

// ------------------------------------------------------------------------------------------
// json_walk

/// A JSON document's scalars in document order, as serde_json reads them: `Some(text)` for
/// a string, `None` for a number (keys, booleans and nulls are not scalars of the walker).
struct Scalars(Vec<Option<String>>);

impl<'de> serde::de::Visitor<'de> for &mut Scalars {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.0.push(None);
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.0.push(None);
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.0.push(None);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push(Some(v.to_owned()));
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(&mut *self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            map.next_value_seed(&mut *self)?;
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut Scalars {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// The scalars of `data` when serde_json reads it as one JSON document.
fn serde_scalars(data: &[u8]) -> Option<Vec<Option<String>>> {
    let mut scalars = Scalars(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(data);
    serde::de::DeserializeSeed::deserialize(&mut scalars, &mut de).ok()?;
    de.end().ok()?;
    Some(scalars.0)
}

/// The reading conditions the chunked reads are compared with: one default chunk.
fn whole(len: usize) -> Conditions {
    Conditions {
        chunk: source::CHUNK,
        trickle: false,
        size_hint: len as u64,
        fail_at_end: false,
    }
}

/// Target `json_walk`: the JSON walker (`source::json_walk`) on raw bytes, and JSON/NDJSON
/// files as the scanner reads them (`source::read_text` with `Format::Json` and
/// `Format::Ndjson`).
///
/// Input: a selector byte (reading conditions, see `Conditions`), then the file. Checks
/// beyond "no crash, no hang":
/// - a document serde_json accepts is walked without error, with the same strings in the
///   same order and a scalar for each of its numbers;
/// - for valid UTF-8, the records do not depend on the chunk size or on short reads.
pub fn json_walk(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else {
        return;
    };

    let mut walked = Vec::new();
    let result = source::json_walk::walk_json(data, &mut |s| {
        assert!(
            s.offset <= data.len() as u64,
            "scalar offset {} past the end",
            s.offset
        );
        assert!(
            s.pointer.is_empty() || s.pointer.starts_with('/'),
            "pointer {:?}",
            s.pointer
        );
        walked.push((s.text.to_owned(), s.pointer.to_owned()));
    });
    if let Err(e) = &result {
        let _ = e.to_string();
    }
    if let Some(expected) = serde_scalars(data) {
        assert!(
            result.is_ok(),
            "serde_json reads it, the walker fails: {result:?}"
        );
        assert_eq!(
            walked.len(),
            expected.len(),
            "scalars: walker {walked:?}, serde {expected:?}"
        );
        for ((text, pointer), want) in walked.iter().zip(&expected) {
            if let Some(want) = want {
                assert_eq!(text, want, "string at {pointer}");
            }
        }
    }

    let conditions = Conditions::from_selector(selector, data.len());
    let comparable = !conditions.fail_at_end && std::str::from_utf8(data).is_ok();
    for format in [Format::Json, Format::Ndjson] {
        let mut records = Vec::new();
        match conditions.read_text(format, data, &mut |r| records.push(check(&r))) {
            Ok(facts) => warnings(&facts),
            Err(e) => {
                describe(&e);
            }
        }
        if comparable {
            let mut all = Vec::new();
            whole(data.len())
                .read_text(format, data, &mut |r| all.push(check(&r)))
                .expect("a slice reads without error");
            assert_eq!(records, all, "{format:?}: chunked as {conditions:?} vs whole");
        }
    }
}

/// Renders the warnings a reader noted, as the inventory would.
fn warnings(facts: &source::FileFacts) {
    for w in &facts.warnings {
        let _ = w.to_string();
    }
}

// ------------------------------------------------------------------------------------------
// sql_walk

/// What the SQL walker reported over a whole input.
#[derive(Debug, Default, PartialEq)]
struct SqlWalk {
    values: Vec<(String, u64, String, String, u64)>,
    text: String,
    tables: Vec<(String, u64)>,
    finish: Option<Result<(), String>>,
}

/// Walks `text` fed in pieces of the given byte lengths (moved to char boundaries).
fn sql_walk_in_pieces(text: &str, cuts: &mut dyn Iterator<Item = usize>) -> SqlWalk {
    use source::sql_walk::{SqlEvent, SqlWalker};
    let mut walker = SqlWalker::new();
    let mut out = SqlWalk::default();
    let record = |event: SqlEvent<'_>, out: &mut SqlWalk| match event {
        SqlEvent::Value(v) => {
            assert!(!v.text.is_empty(), "an empty value");
            assert!(v.row >= 1, "row {}", v.row);
            out.values.push((
                v.table.to_owned(),
                v.row,
                v.column.to_owned(),
                v.text.to_owned(),
                v.offset,
            ));
        }
        SqlEvent::Text(t) => {
            assert!(
                t.offset <= text.len() as u64,
                "text offset {} past the end",
                t.offset
            );
            out.text.push_str(t.text);
        }
    };
    let mut at = 0;
    while at < text.len() {
        let mut end = at
            .saturating_add(cuts.next().unwrap_or(usize::MAX).max(1))
            .min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        walker.feed(&text[at..end], &mut |e| record(e, &mut out));
        at = end;
    }
    out.finish = Some(
        walker
            .finish(&mut |e| record(e, &mut out))
            .map_err(|t| t.to_string()),
    );
    out.tables = walker.tables();
    out
}

/// Target `sql_walk`: the SQL dump walker (`source::sql_walk::SqlWalker`) fed in pieces, and
/// SQL dumps as the scanner reads them (`source::read_text` with `Format::SqlDump`).
///
/// Input: a selector byte (reading conditions, see `Conditions`; its value also seeds where
/// the walker's input is cut), then the dump. Checks beyond "no crash, no hang": the
/// walker's values, tables and end result do not depend on where its input is cut (its
/// documented contract: "values never do"), and neither does the passthrough text once its
/// pieces are joined.
pub fn sql_walk(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let _ = source::sql_walk::looks_like_sql_dump(&text);

    let whole_walk = sql_walk_in_pieces(&text, &mut std::iter::empty());
    // Cuts of 1..=16 bytes from a small generator seeded by the selector, and cuts of one byte.
    let mut state = u32::from(selector) | 0x100;
    let mut lcg = std::iter::repeat_with(move || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) as usize % 16 + 1
    });
    assert_eq!(
        whole_walk,
        sql_walk_in_pieces(&text, &mut lcg),
        "fed whole vs in pieces"
    );
    if text.len() <= 4096 {
        assert_eq!(
            whole_walk,
            sql_walk_in_pieces(&text, &mut std::iter::repeat(1)),
            "fed whole vs byte by byte"
        );
    }

    let conditions = Conditions::from_selector(selector, data.len());
    let mut n = 0;
    match conditions.read_text(Format::SqlDump, data, &mut |r| n += touch(&r)) {
        Ok(facts) => warnings(&facts),
        Err(e) => {
            describe(&e);
        }
    }
}

// ------------------------------------------------------------------------------------------
// delimited

/// Target `delimited`: delimited files (CSV, TSV, `;`, `|`) as the scanner reads them:
/// `source::read_text` with `Format::Delimited` (delimiter sniffing, header detection,
/// csv_core across chunks), and `sniff_delimiter` on its own.
///
/// Input: a selector byte (reading conditions, see `Conditions`), then the file. Checks
/// beyond "no crash, no hang": every record's location is well formed (`check`).
pub fn delimited(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let d = source::delimited::sniff_delimiter(&String::from_utf8_lossy(data));
    assert!(matches!(d, b',' | b'\t' | b';' | b'|'), "delimiter {d:#x}");

    let conditions = Conditions::from_selector(selector, data.len());
    match conditions.read_text(Format::Delimited, data, &mut |r| {
        check(&r);
    }) {
        Ok(facts) => warnings(&facts),
        Err(e) => {
            describe(&e);
        }
    }
}

// ------------------------------------------------------------------------------------------
// decode

/// Target `decode`: `sniff_encoding` and the `TextReader` every text format is read through
/// (BOMs, UTF-8 with stray bytes, GB18030, UTF-16; chunks cut at line breaks or characters).
///
/// Input: a selector byte (reading conditions, see `Conditions`), then the file. Checks
/// beyond "no crash, no hang": chunks follow each other without gaps (each starts where the
/// last ended) unless bytes were replaced, and valid UTF-8 comes out exactly as it went in
/// (less a BOM), not marked lossy.
pub fn decode(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let _ = source::sniff_encoding(data).name();

    let c = Conditions::from_selector(selector, data.len());
    let split = data.len().min(source::HEAD);
    let mut reader = source::TextReader::new(
        data[..split].to_vec(),
        c.stream(&data[split..]),
        c.chunk,
        c.size_hint,
    );
    let mut text = String::new();
    let mut next_offset = 0u64;
    let mut gaps = false;
    let failed = loop {
        match reader.next_chunk() {
            Ok(Some(chunk)) => {
                assert!(!chunk.text.is_empty(), "an empty chunk");
                if chunk.offset != next_offset {
                    gaps = true;
                }
                next_offset = chunk.offset + chunk.text.len() as u64;
                text.push_str(chunk.text);
            }
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    let lossy = reader.lossy();
    assert!(
        !gaps || lossy,
        "chunks with gaps or overlaps, nothing replaced ({c:?})"
    );
    if let (Ok(valid), false) = (std::str::from_utf8(data), failed) {
        let want = valid.strip_prefix('\u{FEFF}').unwrap_or(valid);
        assert!(
            reader.encoding().starts_with("UTF-8"),
            "valid UTF-8 read as {}",
            reader.encoding()
        );
        assert!(!lossy, "valid UTF-8 marked lossy ({c:?})");
        assert!(text == want, "valid UTF-8 changed by decoding ({c:?})");
    }
}

// ------------------------------------------------------------------------------------------
// claim

/// Target `claim`: format sniffing, `source::claim` (what a file is, from its name and first
/// bytes), with the format tests under it (`looks_like_json`, SQL dump detection, binary
/// detection).
///
/// Input: a file name (up to the first NUL, at most 255 bytes, read as lossy UTF-8), then
/// the file's head (at most `source::HEAD` bytes, as the scanner reads it). Checks beyond
/// "no crash, no hang": a claim names a format pimap reads, and a misnamed archive only
/// happens for names of containers pimap opens.
pub fn claim(input: &[u8]) {
    let (name, head) = match input.iter().position(|&b| b == 0) {
        Some(nul) if nul <= 255 => (&input[..nul], &input[nul + 1..]),
        _ => (&b"file"[..], input),
    };
    let name = String::from_utf8_lossy(name);
    let head = &head[..head.len().min(source::HEAD)];
    let _ = source::json_walk::looks_like_json(head);
    match source::claim(std::path::Path::new(&*name), head) {
        source::Claim::Read(format) => {
            assert!(!format.name().is_empty());
            let _ = format.is_text();
        }
        source::Claim::Skip(reason) => assert!(!reason.is_empty()),
        source::Claim::Misnamed(m) => {
            assert!(
                matches!(
                    m.ext.as_str(),
                    "zip" | "gz" | "tgz" | "gzip" | "tar" | "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"
                ),
                "misnamed with extension {:?}",
                m.ext
            );
            let _ = m.to_string();
        }
    }
}

// ------------------------------------------------------------------------------------------
// archive_members

/// What all members of one top-level archive may expand to here (the scanner allows 16 GiB;
/// a fuzz input of 64 KiB can hold a bomb of that size, and reading it would take minutes).
pub const ARCHIVE_MAX_EXPANDED: u64 = 8 << 20;
/// Archives inside archives are opened this deep (the scanner: 3).
const ARCHIVE_MAX_DEPTH: usize = 2;
/// Largest nested zip read into memory.
const ARCHIVE_MAX_IN_MEMORY: u64 = 8 << 20;

/// One top-level archive's guard, and the bytes its leaf members delivered.
struct ArchiveWalk<'m> {
    budget: Budget<'m>,
    delivered: Cell<u64>,
}

fn visit_member(member: Member<'_>, depth: usize, walk: &ArchiveWalk<'_>) {
    let budget = &walk.budget;
    if let Some(problem) = &member.problem {
        describe(problem);
    }
    let Some(reader) = member.reader else {
        assert!(
            member.problem.is_some(),
            "a member without a reader nor a problem"
        );
        return;
    };
    // The scanner reads the head, claims a format from name and head, then reads the rest.
    let head = match source::read_head(reader) {
        Ok(head) => head,
        Err(e) => {
            describe(&source::SourceError::Read(e));
            return;
        }
    };
    match source::claim(std::path::Path::new(&member.name), &head) {
        source::Claim::Read(Format::Archive(kind)) if depth < ARCHIVE_MAX_DEPTH => {
            let done = match kind {
                ArchiveKind::Zip => match source::read_all(
                    head,
                    reader,
                    ARCHIVE_MAX_IN_MEMORY,
                    member.size,
                    &mut budget.memory().start("a zip inside an archive"),
                ) {
                    Ok(bytes) => for_each_member_seekable(kind, &mut Cursor::new(bytes), budget, &mut |m| {
                        visit_member(m, depth + 1, walk)
                    }),
                    Err(e) => {
                        describe(&e);
                        return;
                    }
                },
                _ => {
                    let mut stream = Cursor::new(head).chain(reader);
                    for_each_member_stream(kind, &member.name, &mut stream, budget, &mut |m| {
                        visit_member(m, depth + 1, walk)
                    })
                }
            };
            if let Err(e) = done {
                describe(&e);
            }
        }
        _ => {
            walk.delivered.set(walk.delivered.get() + head.len() as u64);
            let mut buf = [0u8; 16 << 10];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => walk.delivered.set(walk.delivered.get() + n as u64),
                    Err(e) => {
                        describe(&source::SourceError::Read(e));
                        break;
                    }
                }
            }
        }
    }
}

/// Target `archive_members`: zip, gzip, tar and tar.gz through
/// `source::archive::for_each_member_seekable` and `for_each_member_stream`, the way the
/// scanner opens them: every member is read to its end (or until the bomb guard stops it),
/// members that are archives themselves are opened in turn (two levels deep here), and
/// every problem is rendered as the inventory would render it.
///
/// Input: a selector byte, then the archive. Selector bits 0-1 pick the kind (zip, gzip,
/// tar, tar.gz); bit 2 hands a non-zip archive over as a seekable input instead of a
/// stream; the high bits pick the stream's conditions (short reads, a failing end; see
/// `Conditions`). Checks beyond "no crash, no hang": members deliver no more than the
/// guard's total.
pub fn archive_members(input: &[u8]) {
    const KINDS: [ArchiveKind; 4] = [
        ArchiveKind::Zip,
        ArchiveKind::Gzip,
        ArchiveKind::Tar,
        ArchiveKind::TarGz,
    ];
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector & 3)];
    let seekable = selector & 4 != 0;
    let conditions = Conditions::from_selector(selector >> 3, data.len());
    let memory = pimap::budget::MemoryBudget::new(pimap::budget::DEFAULT_LIMIT);
    let mut budget = Budget::new(ARCHIVE_MAX_EXPANDED, &memory);
    // Low enough that the ratio check runs on what a fuzz input can expand to.
    budget.ratio_floor = 1 << 20;
    let walk = ArchiveWalk {
        budget,
        delivered: Cell::new(0),
    };
    let mut visitor = |m: Member<'_>| visit_member(m, 1, &walk);
    let done = if kind == ArchiveKind::Zip || seekable {
        for_each_member_seekable(kind, &mut Cursor::new(data), &walk.budget, &mut visitor)
    } else {
        let mut stream = conditions.stream(data);
        for_each_member_stream(kind, "fuzz.tar.gz", &mut stream, &walk.budget, &mut visitor)
    };
    if let Err(e) = done {
        describe(&e);
    }
    let delivered = walk.delivered.get();
    assert!(
        delivered <= ARCHIVE_MAX_EXPANDED,
        "members delivered {delivered} bytes past the guard"
    );
}

// ------------------------------------------------------------------------------------------
// sheet

/// Target `sheet`: spreadsheets through pimap's sheet source (`source::sheet::read` over a
/// `Cursor`, as the scanner reads a workbook inside an archive): calamine opens
/// xlsx/xlsb/xls/ods, pimap sniffs the container, guards every calamine call, finds header
/// rows and renders cells.
///
/// Input: a selector byte (its low two bits pick the kind the file name would give: xlsx,
/// xlsb, xls, ods; the container's magic overrules it as in the scanner), then the workbook.
/// Checks beyond "no crash, no hang": every record's location is well formed (`check`).
pub fn sheet(input: &[u8]) {
    const KINDS: [SheetKind; 4] = [SheetKind::Xlsx, SheetKind::Xlsb, SheetKind::Xls, SheetKind::Ods];
    let Some((&selector, data)) = input.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector & 3)];
    match source::sheet::read(Cursor::new(data), kind, &mut |r| {
        check(&r);
    }) {
        Ok(facts) => warnings(&facts),
        Err(e) => {
            describe(&e);
        }
    }
}

// ------------------------------------------------------------------------------------------
// policy

/// An inventory of the repo's fixtures (`fuzz/seeds/inventory/fixtures.json`), with paths
/// in folders, columns, ages, actions and duplicates for the rules to judge.
fn fixtures_inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let text = include_bytes!("../seeds/inventory/fixtures.json");
        pimap::parse_inventory(text, &|| "fixtures.json".into()).expect("the seed inventory reads")
    })
}

/// Target `policy`: the policy parser (`Policy::parse`, what `--policy FILE` reads), and a
/// parsed policy at work: its digest, its summary for the inventory, and its rules judged
/// against a fixed inventory (globs matched against paths, ages, masks, duplicates).
///
/// Input: the policy file (pimap reads policies as UTF-8 text; other bytes are ignored).
/// Checks beyond "no crash, no hang": parsing the same text again gives the same digest,
/// and every action names a rule of the policy (or the duplicates rule).
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let info = policy.info();
    let digest = policy.digest();
    assert_eq!(
        Policy::parse(text).expect("parses again").digest(),
        digest,
        "the digest of one policy changed"
    );
    let _ = policy.duplicate_settings();
    let later = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    for now in [later, UNIX_EPOCH] {
        for action in policy.evaluate(fixtures_inventory(), now) {
            assert!(
                action.rule == DUPLICATES_RULE || info.rules.contains(&action.rule),
                "an action of rule {:?}, not in the policy",
                action.rule
            );
        }
    }
}

// ------------------------------------------------------------------------------------------
// inventory

fn parse_inventory(data: &[u8]) -> Option<Inventory> {
    match pimap::parse_inventory(data, &|| "fuzz.json".into()) {
        Ok(inventory) => Some(inventory),
        Err(e) => {
            let _ = e.to_string();
            None
        }
    }
}

/// Target `inventory`: reading an inventory (`pimap::parse_inventory`, what `read_inventory`
/// does with the bytes of `report`, `diff`, `locate` and `scan --baseline` inputs), then
/// what those commands do with it: `diff` (compare, the text and JSON renderings), the
/// refresh guard (`shrink::refusal`), the scan summary, and `report` in one of its formats
/// and languages.
///
/// Input: an inventory JSON, or two separated by a NUL byte (old, then new, for `diff`).
/// The report format and language are picked by the input's length (rendering builds the
/// detector table, which is slow, so one report is made per input).
pub fn inventory(data: &[u8]) {
    use pimap::cli::{Lang, ReportFormat};
    use pimap::inventory::{changes, shrink};
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (parse_inventory(&data[..nul]), parse_inventory(&data[nul + 1..])),
        None => (parse_inventory(data), None),
    };
    let Some(old) = old else { return };
    let new = new.unwrap_or_else(|| old.clone());

    let delta = changes::compare(&old, &new);
    let _ = changes::render_text(&delta);
    let _ = serde_json::to_string_pretty(&delta).expect("changes encode as JSON");
    let _ = changes::files_phrase(&delta);
    let _ = changes::findings_phrase(&delta, true);
    let _ = shrink::refusal(&old, &new);
    let _ = shrink::empty_roots(&new);
    let _ = pimap::report::summary(&new, Some("inventory.json"));

    let formats = [ReportFormat::Html, ReportFormat::Csv, ReportFormat::Md];
    let langs = [Lang::Zh, Lang::En];
    let pick = data.len() % 6;
    let document = pimap::report::document::render(&new, formats[pick % 3], langs[pick / 3]);
    assert!(!document.is_empty(), "an empty report");
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for tools that run saved inputs (`tests/fuzz_regressions.rs`).
pub const TARGETS: [(&str, Target); 9] = [
    ("json_walk", json_walk),
    ("sql_walk", sql_walk),
    ("delimited", delimited),
    ("decode", decode),
    ("claim", claim),
    ("archive_members", archive_members),
    ("sheet", sheet),
    ("policy", policy),
    ("inventory", inventory),
];
