//! The scan: the only module that knows all the others.
//!
//! walk (sorted entries) → N worker threads, each with its own `Worker` (scratch buffers,
//! per-file state) → a channel of findings batches and file summaries → one writer (this
//! thread) that emits files in path order, so the output is the same for any thread count.
//! Workers may run at most `LOOKAHEAD` files ahead of the writer, which bounds the memory
//! held for files that finished early.

use crate::detect::context::Cue;
use crate::detect::{DetectorSet, Hit, Scratch};
use crate::finding::{Category, Location, Sensitivity};
use crate::inventory::{self, ColumnEntry, ErrorEntry, FileEntry, Inventory, SkippedEntry, ToolInfo, Totals};
use crate::report::{FindingsFormatter, FindingsWriter, Progress};
use crate::source::{self, archive, sheet, sqlite, ArchiveKind, Claim, Format, Origin, Record};
use crate::walk::{self, Entry, InputFile, WalkOptions};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Files a worker may be ahead of the writer. Findings of files that finish before an
/// earlier one are held until it is written, so this bounds that memory (a few files'
/// findings), at the cost of a little idling behind one slow file.
const LOOKAHEAD: usize = 8;

/// Findings a worker holds for one file before handing a batch to the writer.
const BATCH: usize = 16_384;

/// A column needs this many candidates of a detector's shape before the column rule
/// (most fail validation → the rest are coincidences) applies.
const COLUMN_EVIDENCE: u64 = 10;

/// Validated settings for one scan.
pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub threads: usize,
    pub min_confidence: f32,
    pub detectors: DetectorSet,
    /// Size of the decoded text chunks read at a time.
    pub chunk: usize,
    pub progress: bool,
    /// Findings carry their raw value (`--reveal`).
    pub reveal: bool,
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
}

/// What a worker says about a finished input (a file, or a member of an archive).
#[derive(Debug, Default)]
struct FileSummary {
    path: Arc<str>,
    size: u64,
    modified: Option<SystemTime>,
    /// An archive: its members follow as their own summaries.
    container: bool,
    format: Option<&'static str>,
    encoding: Option<&'static str>,
    skipped: Option<String>,
    error: Option<String>,
    by_detector: Vec<u64>,
    columns: Vec<ColumnEntry>,
}

enum Msg {
    /// Findings of file `usize` (or its archive members), formatted as JSON Lines.
    Batch(usize, Vec<u8>),
    Done(usize, Vec<FileSummary>),
}

/// Runs a scan; findings go to `findings` as they are ready, the inventory is returned.
pub fn run(config: &ScanConfig, findings: &mut FindingsWriter) -> Result<Inventory, String> {
    let started = Instant::now();
    let scanned_at = inventory::rfc3339(SystemTime::now());
    let entries = walk::walk(&config.roots, &config.walk)?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        match entry {
            Entry::File(f) => files.push(f),
            Entry::Skipped { file, reason } => skipped.push(SkippedEntry {
                path: file.display,
                size: file.size,
                reason,
            }),
            Entry::Error { display, message } => errors.push(ErrorEntry {
                path: display,
                error: message,
            }),
        }
    }
    let total_bytes = files.iter().map(|f| f.size).sum();
    let progress = Progress::new(config.progress, total_bytes);
    let detectors = &config.detectors;
    let mut file_entries: Vec<FileEntry> = Vec::with_capacity(files.len());
    let next_job = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(LOOKAHEAD * 2);
    let formatter = findings.wanted().then(|| FindingsFormatter::new(config.reveal));
    let formatter = &formatter;
    let mut write_error = None;
    std::thread::scope(|s| {
        for _ in 0..config.threads.max(1) {
            let tx = tx.clone();
            let (files, next_job, written, stop) = (&files, &next_job, &written, &stop);
            s.spawn(move || {
                let mut worker = Worker::new(detectors, config, formatter.clone());
                loop {
                    let i = next_job.fetch_add(1, Ordering::SeqCst);
                    if i >= files.len() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    while i >= written.load(Ordering::Acquire) + LOOKAHEAD && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    // A bug must cost one file, not the scan: the panic becomes its error.
                    let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        worker.scan_file(&files[i], &mut |batch| {
                            let _ = tx.send(Msg::Batch(i, batch));
                        })
                    }));
                    let summaries = scanned.unwrap_or_else(|_| {
                        worker = Worker::new(detectors, config, formatter.clone());
                        vec![FileSummary {
                            path: files[i].display.as_str().into(),
                            size: files[i].size,
                            error: Some(INTERNAL_ERROR.into()),
                            ..FileSummary::default()
                        }]
                    });
                    if tx.send(Msg::Done(i, summaries)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // The writer: emits files strictly in order. Messages of files ahead of `next` wait
        // in `pending`; whatever `next` has is written as soon as it arrives.
        type Pending = (Vec<Vec<u8>>, Option<Vec<FileSummary>>);
        let mut pending: BTreeMap<usize, Pending> = BTreeMap::new();
        let mut next = 0;
        for msg in rx.iter() {
            match msg {
                Msg::Batch(i, b) => pending.entry(i).or_default().0.push(b),
                Msg::Done(i, d) => pending.entry(i).or_default().1 = Some(d),
            }
            while let Some((batches, done)) = pending.get_mut(&next) {
                for b in batches.drain(..) {
                    if let Err(e) = findings.write(&b) {
                        write_error.get_or_insert(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                let Some(d) = done.take() else { break };
                pending.remove(&next);
                finish(
                    &files[next],
                    d,
                    detectors,
                    &mut file_entries,
                    &mut skipped,
                    &mut errors,
                    &progress,
                );
                next += 1;
                written.store(next, Ordering::Release);
            }
        }
    });
    progress.finish();
    if let Some(e) = write_error {
        return Err(format!("cannot write findings: {e}"));
    }
    findings
        .flush()
        .map_err(|e| format!("cannot write findings: {e}"))?;
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    file_entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut totals = Totals {
        by_category: inventory::empty_by_category(),
        ..Totals::default()
    };
    for f in &file_entries {
        totals.add_file(f);
    }
    for f in &file_entries {
        for (d, n) in &f.by_detector {
            if let Some(det) = detectors.detectors().iter().find(|x| &x.id == d) {
                let key = sensitivity_name(det.sensitivity);
                *totals.by_sensitivity.entry(key.to_string()).or_default() += n;
            }
        }
    }
    totals.skipped = skipped.len() as u64;
    totals.errors = errors.len() as u64;
    totals.elapsed_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(Inventory {
        schema: inventory::SCHEMA.to_string(),
        scanned_at,
        roots: config
            .roots
            .iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect(),
        tool: ToolInfo {
            name: "pimap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            min_confidence: config.min_confidence,
            detectors: detectors.detectors().iter().map(|d| d.id.clone()).collect(),
            ..ToolInfo::default()
        },
        totals,
        files: file_entries,
        skipped,
        errors,
        ..Inventory::default()
    })
}

fn sensitivity_name(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Sensitive => "sensitive",
        Sensitivity::General => "general",
    }
}

/// Turns a worker's summaries of one input file (several for an archive) into inventory
/// entries.
fn finish(
    file: &InputFile,
    summaries: Vec<FileSummary>,
    detectors: &DetectorSet,
    files: &mut Vec<FileEntry>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
    progress: &Progress,
) {
    progress.advance(file.size);
    for s in summaries {
        let path = s.path.to_string();
        if let Some(reason) = s.skipped {
            skipped.push(SkippedEntry {
                path,
                size: s.size,
                reason,
            });
            continue;
        }
        if let Some(error) = s.error {
            errors.push(ErrorEntry {
                path: path.clone(),
                error,
            });
        }
        let Some(format) = s.format else { continue };
        let mut by_detector = BTreeMap::new();
        let mut by_category = BTreeMap::new();
        let mut sensitivity = None;
        for (d, &n) in s.by_detector.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let det = &detectors.detectors()[d];
            by_detector.insert(det.id.clone(), n);
            *by_category.entry(det.category.as_str().to_string()).or_default() += n;
            if sensitivity != Some(Sensitivity::Sensitive) {
                sensitivity = Some(det.sensitivity);
            }
        }
        files.push(FileEntry {
            path,
            size: s.size,
            modified: s.modified.map(inventory::rfc3339),
            format: format.to_string(),
            encoding: s.encoding.map(str::to_string),
            findings: s.by_detector.iter().sum(),
            by_detector,
            by_category,
            sensitivity,
            columns: s.columns,
            archive: s.container,
            ..FileEntry::default()
        });
    }
}

/// Per-column counts in one file.
struct ColumnState {
    table: Option<Arc<str>>,
    name: Arc<str>,
    cue: Option<Cue>,
    rows: u64,
    /// Per detector: validated values (any confidence), shape matches that failed
    /// validation, values reported.
    valid: Vec<u64>,
    rejected: Vec<u64>,
    reported: Vec<u64>,
    /// The ID or card detector the header names, if any: its cells can lose digits in Excel.
    long_number: Option<usize>,
    /// Cells of such a column written in scientific notation (`1.10105E+17`).
    precision_lost: u64,
    /// The slot that came after this one last time (see `column_slot`).
    successor: u32,
}

/// A worker: everything one thread needs to scan files, reused across files.
struct Worker<'a> {
    detectors: &'a DetectorSet,
    /// None when nobody wants the findings themselves (only the inventory).
    formatter: Option<FindingsFormatter>,
    min_confidence: f32,
    chunk: usize,
    scratch: Scratch,
    hits: Vec<Hit>,
    rejected: Vec<u32>,
    // Per-file state.
    found: Vec<Found>,
    found_column: Vec<u32>,
    columns: Vec<ColumnState>,
    /// Column slots by table ("" outside dumps), then column name.
    slots: FxHashMap<Box<str>, FxHashMap<Box<str>, u32>>,
    cell_slots: Vec<u32>,
    /// The column slot used last (see `column_slot`).
    last_slot: u32,
    by_detector: Vec<u64>,
}

/// An input to scan: a file of the walk or a member of an archive.
struct Input<'a> {
    path: Arc<str>,
    size: u64,
    modified: Option<SystemTime>,
    data: Data<'a>,
}

enum Data<'a> {
    File(&'a std::path::Path, std::fs::File),
    Stream(&'a mut dyn Read),
}

/// The open input while it is read.
enum Reader<'a> {
    File(std::fs::File),
    Stream(&'a mut dyn Read),
}

impl Reader<'_> {
    fn as_read(&mut self) -> &mut dyn Read {
        match self {
            Reader::File(f) => f,
            Reader::Stream(r) => *r,
        }
    }
}

/// The error recorded for a panic. The panic's own message is not used: it may quote the
/// text being scanned (personal data), and this text goes into the inventory.
const INTERNAL_ERROR: &str =
    "internal error while scanning (a bug, please report it); the rest of this input was not scanned";

/// Bytes all members of one top-level archive may expand to (decompression-bomb guard).
const MAX_EXPANDED: u64 = 16 << 30;

/// Archives inside archives are opened this deep.
const MAX_ARCHIVE_DEPTH: usize = 3;

/// Largest member read into memory (formats that need random access inside archives).
const MAX_IN_MEMORY: u64 = 1 << 30;

/// `found_column` value of findings outside any column.
const NO_COLUMN: u32 = u32::MAX;

impl<'a> Worker<'a> {
    fn new(detectors: &'a DetectorSet, config: &ScanConfig, formatter: Option<FindingsFormatter>) -> Self {
        let n = detectors.detectors().len();
        Worker {
            detectors,
            formatter,
            min_confidence: config.min_confidence,
            chunk: config.chunk,
            scratch: Scratch::default(),
            hits: Vec::new(),
            rejected: vec![0; n],
            found: Vec::new(),
            found_column: Vec::new(),
            columns: Vec::new(),
            slots: FxHashMap::default(),
            cell_slots: Vec::new(),
            last_slot: NO_COLUMN,
            by_detector: vec![0; n],
        }
    }

    /// Scans one file of the walk; an archive yields a summary per member after its own.
    fn scan_file(&mut self, file: &InputFile, send: &mut dyn FnMut(Vec<u8>)) -> Vec<FileSummary> {
        let mut out = Vec::new();
        let path: Arc<str> = file.display.as_str().into();
        let handle = match std::fs::File::open(&file.path) {
            Ok(h) => h,
            Err(e) => {
                out.push(FileSummary {
                    path,
                    size: file.size,
                    modified: file.modified,
                    error: Some(format!("cannot open: {e}")),
                    ..FileSummary::default()
                });
                return out;
            }
        };
        let budget = archive::Budget::new(MAX_EXPANDED);
        let input = Input {
            path,
            size: file.size,
            modified: file.modified,
            data: Data::File(&file.path, handle),
        };
        self.scan_input(input, 0, &budget, send, &mut out);
        out
    }

    /// Scans a file or an archive member, recursing into archives.
    fn scan_input(
        &mut self,
        input: Input<'_>,
        depth: usize,
        budget: &archive::Budget,
        send: &mut dyn FnMut(Vec<u8>),
        out: &mut Vec<FileSummary>,
    ) {
        let mut summary = FileSummary {
            path: input.path.clone(),
            size: input.size,
            modified: input.modified,
            ..FileSummary::default()
        };
        let (disk_path, mut data) = match input.data {
            Data::File(path, file) => (Some(path), Reader::File(file)),
            Data::Stream(r) => (None, Reader::Stream(r)),
        };
        let head = match source::read_head(data.as_read()) {
            Ok(h) => h,
            Err(e) => {
                summary.error = Some(source::io_message(&e));
                out.push(summary);
                return;
            }
        };
        let name = std::path::Path::new(&*input.path);
        let format = match source::claim(name, &head) {
            Claim::Read(f) => f,
            Claim::Skip(reason) => {
                summary.skipped = Some(reason);
                out.push(summary);
                return;
            }
        };
        summary.format = Some(format.name());
        if let Format::Archive(kind) = format {
            summary.container = true;
            if depth >= MAX_ARCHIVE_DEPTH {
                summary.error = Some(format!(
                    "archive nested more than {MAX_ARCHIVE_DEPTH} levels deep: not opened"
                ));
                out.push(summary);
                return;
            }
            let at = out.len();
            out.push(summary);
            let result = self.scan_archive(
                kind,
                &input.path,
                head,
                data,
                input.modified,
                depth,
                budget,
                send,
                out,
            );
            if let Err(e) = result {
                out[at].error = Some(e);
            }
            return;
        }
        let path = input.path.clone();
        let chunk = self.chunk;
        self.reset();
        // A bug (or a parser's panic on hostile input) costs this input, not its siblings
        // in an archive nor what was already found in it.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut emit = |record: Record<'_>| self.on_record(record, &path, send);
            match (format, disk_path, &mut data) {
                (f, _, data) if f.is_text() => {
                    source::read_text(f, head, data.as_read(), input.size, chunk, &mut emit)
                }
                (Format::Sqlite, Some(path), _) => sqlite::read_path(path, &mut emit),
                (Format::Sqlite, None, data) => source::read_all(head, data.as_read(), MAX_IN_MEMORY)
                    .and_then(|b| sqlite::read_bytes(b, &mut emit)),
                (Format::Sheet(kind), _, Reader::File(file)) => match file.rewind() {
                    Ok(()) => sheet::read(&mut *file, kind, &mut emit),
                    Err(e) => Err(source::io_message(&e)),
                },
                (Format::Sheet(kind), _, data) => source::read_all(head, data.as_read(), MAX_IN_MEMORY)
                    .and_then(|b| sheet::read(std::io::Cursor::new(b), kind, &mut emit)),
                (f, _, _) => Err(format!("cannot read {} here", f.name())),
            }
        }));
        let result = read.unwrap_or_else(|_| Err(INTERNAL_ERROR.into()));
        self.flush(&path, send);
        match result {
            Ok(facts) => {
                summary.encoding = facts.encoding;
                let mut problems = facts.warnings;
                if facts.lossy {
                    problems.push("some bytes are not valid in the detected encoding (replaced)".into());
                }
                if !problems.is_empty() {
                    summary.error = Some(problems.join("; "));
                }
            }
            Err(e) => summary.error = Some(e),
        }
        summary.by_detector = self.by_detector.clone();
        summary.columns = self.column_entries();
        out.push(summary);
    }

    /// Scans each member of an archive as an input of its own (`archive!member`).
    #[allow(clippy::too_many_arguments)]
    fn scan_archive(
        &mut self,
        kind: ArchiveKind,
        path: &Arc<str>,
        head: Vec<u8>,
        mut data: Reader<'_>,
        modified: Option<SystemTime>,
        depth: usize,
        budget: &archive::Budget,
        send: &mut dyn FnMut(Vec<u8>),
        out: &mut Vec<FileSummary>,
    ) -> Result<(), String> {
        let mut visit = |member: archive::Member<'_>| {
            let member_path: Arc<str> = format!("{path}!{}", member.name).into();
            let modified = member.modified.or(modified);
            match member.reader {
                Some(reader) => {
                    let input = Input {
                        path: member_path,
                        size: member.size,
                        modified,
                        data: Data::Stream(reader),
                    };
                    self.scan_input(input, depth + 1, budget, send, out);
                }
                None => out.push(FileSummary {
                    path: member_path,
                    size: member.size,
                    modified,
                    error: member.problem,
                    ..FileSummary::default()
                }),
            }
        };
        match (kind, &mut data) {
            (ArchiveKind::Zip, Reader::File(file)) => {
                file.rewind().map_err(|e| source::io_message(&e))?;
                archive::for_each_member_seekable(kind, file, budget, &mut visit)
            }
            (ArchiveKind::Zip, data) => {
                let bytes = source::read_all(head, data.as_read(), MAX_IN_MEMORY)?;
                archive::for_each_member_seekable(kind, &mut std::io::Cursor::new(bytes), budget, &mut visit)
            }
            (_, data) => {
                let mut stream = std::io::Cursor::new(head).chain(data.as_read());
                archive::for_each_member_stream(kind, path, &mut stream, budget, &mut visit)
            }
        }
    }

    /// Records that `slot` followed the previous slot, and makes it the previous one.
    fn follow(&mut self, slot: u32) -> u32 {
        if let Some(c) = self.columns.get_mut(self.last_slot as usize) {
            c.successor = slot;
        }
        self.last_slot = slot;
        slot
    }

    /// Clears the per-input state.
    fn reset(&mut self) {
        self.found.clear();
        self.found_column.clear();
        self.columns.clear();
        self.slots.clear();
        self.cell_slots.clear();
        self.last_slot = NO_COLUMN;
        self.by_detector.iter_mut().for_each(|n| *n = 0);
    }

    fn column_slot(&mut self, table: Option<&str>, name: &str, shared: Option<&Arc<str>>) -> u32 {
        // Records repeat the same sequence of columns (JSON keys, dump columns): try the slot
        // that followed the last one the previous time before hashing.
        let previous = self.last_slot as usize;
        let guess = self.columns.get(previous).map_or(0, |c| c.successor as usize);
        for s in [guess, previous.wrapping_add(1)] {
            if let Some(c) = self.columns.get(s) {
                if same_text(&c.name, name)
                    && same_text(c.table.as_deref().unwrap_or(""), table.unwrap_or(""))
                {
                    return self.follow(s as u32);
                }
            }
        }
        if let Some(&slot) = self.slots.get(table.unwrap_or("")).and_then(|t| t.get(name)) {
            return self.follow(slot);
        }
        let n = self.detectors.detectors().len();
        let slot = self.columns.len() as u32;
        self.slots
            .entry(table.unwrap_or("").into())
            .or_default()
            .insert(name.into(), slot);
        // A column the header does not explain takes its table's name as context
        // (`user_address.detail`), unless that names a business record.
        let cue = self.detectors.header_cue(name).or_else(|| {
            table
                .and_then(|t| self.detectors.header_cue(t))
                .filter(|c| !matches!(c, Cue::Business))
        });
        let long_number = self
            .detectors
            .detectors()
            .iter()
            .enumerate()
            .find_map(|(d, det)| {
                let long = matches!(det.category, Category::NationalId | Category::BankCard);
                (long && cue.is_some_and(|c| c.names(d))).then_some(d)
            });
        self.columns.push(ColumnState {
            table: table.map(Arc::from),
            name: shared.cloned().unwrap_or_else(|| Arc::from(name)),
            cue,
            long_number,
            precision_lost: 0,
            rows: 0,
            valid: vec![0; n],
            rejected: vec![0; n],
            reported: vec![0; n],
            successor: 0,
        });
        self.follow(slot)
    }

    fn on_record(&mut self, record: Record<'_>, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        let slot = match record.origin {
            Origin::Text { .. } => NO_COLUMN,
            Origin::Cell { index, column, .. } => {
                if index >= self.cell_slots.len() {
                    self.cell_slots.resize(index + 1, NO_COLUMN);
                }
                if self.cell_slots[index] == NO_COLUMN {
                    self.cell_slots[index] = self.column_slot(None, column, Some(column));
                }
                self.cell_slots[index]
            }
            Origin::Json { key: Some(key), .. } => {
                // Keys become inventory column names: a key that is a value is not shown.
                let key = if looks_like_value(key) { "*" } else { key };
                self.column_slot(None, key, None)
            }
            Origin::Json { key: None, .. } => NO_COLUMN,
            Origin::Table { table, column, .. } => self.column_slot(Some(table), column, None),
            Origin::Sheet { sheet, column, .. } => self.column_slot(Some(sheet), column, Some(column)),
        };
        if record.text.bytes().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let cue = if slot == NO_COLUMN {
            None
        } else {
            let col = &mut self.columns[slot as usize];
            col.rows += 1;
            if col.long_number.is_some() && looks_scientific(record.text) {
                col.precision_lost += 1;
            }
            col.cue
        };
        self.hits.clear();
        self.rejected.iter_mut().for_each(|n| *n = 0);
        self.detectors.scan(
            record.text,
            cue,
            &mut self.scratch,
            &mut self.hits,
            &mut self.rejected,
        );
        if slot != NO_COLUMN {
            let col = &mut self.columns[slot as usize];
            for (d, &n) in self.rejected.iter().enumerate() {
                col.rejected[d] += u64::from(n);
            }
            for h in &self.hits {
                col.valid[h.detector] += 1;
            }
        }
        let mut cursor = TextCursor::default();
        for hit in self.hits.drain(..) {
            if hit.confidence < self.min_confidence {
                continue;
            }
            let location = match record.origin {
                Origin::Text { offset, line, column } => {
                    cursor.locate(record.text, hit.start, offset, (line, column))
                }
                Origin::Cell { row, column, .. } => Location::Row {
                    row,
                    column: column.clone(),
                },
                Origin::Json { pointer, line, .. } => Location::Pointer {
                    pointer: masked_pointer(pointer),
                    line,
                },
                Origin::Sheet { cell, .. } => {
                    let col = &self.columns[slot as usize];
                    Location::Sheet {
                        sheet: col.table.clone().unwrap_or_else(|| Arc::from("")),
                        cell: cell.to_string(),
                        column: col.name.clone(),
                    }
                }
                Origin::Table { row, .. } => {
                    let col = &self.columns[slot as usize];
                    Location::Table {
                        table: col.table.clone().unwrap_or_else(|| Arc::from("")),
                        row,
                        column: col.name.clone(),
                    }
                }
            };
            self.found.push(Found {
                detector: hit.detector,
                confidence: (hit.confidence * 100.0).round() / 100.0,
                location,
                value: hit.value,
                parts: hit.parts,
            });
            self.found_column.push(slot);
        }
        if self.found.len() >= BATCH {
            self.flush(path, send);
        }
    }

    /// Applies the column rule and hands the batch over.
    fn flush(&mut self, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        if self.found.is_empty() {
            return;
        }
        let mut batch = Vec::with_capacity(self.found.len());
        for (f, &slot) in self.found.drain(..).zip(&self.found_column) {
            if slot != NO_COLUMN {
                let col = &mut self.columns[slot as usize];
                if look_alike_column(col, f.detector) {
                    continue;
                }
                col.reported[f.detector] += 1;
            }
            self.by_detector[f.detector] += 1;
            batch.push(f);
        }
        self.found_column.clear();
        if let (false, Some(formatter)) = (batch.is_empty(), self.formatter.as_mut()) {
            let mut bytes = Vec::with_capacity(batch.len() * 160);
            formatter.format(path, self.detectors, &batch, &mut bytes);
            send(bytes);
        }
    }

    fn column_entries(&self) -> Vec<ColumnEntry> {
        let mut out = Vec::new();
        for col in &self.columns {
            for (d, &hits) in col.reported.iter().enumerate() {
                let lost =
                    (col.long_number == Some(d) && col.precision_lost > 0).then_some(col.precision_lost);
                if hits == 0 && lost.is_none() {
                    continue;
                }
                out.push(ColumnEntry {
                    name: col.name.to_string(),
                    table: col.table.as_deref().map(str::to_string),
                    detector: self.detectors.detectors()[d].id.clone(),
                    hits,
                    rows: col.rows,
                    share: (hits as f64 / col.rows.max(1) as f64 * 1000.0).round() / 1000.0,
                    precision_lost: lost,
                    ..ColumnEntry::default()
                });
            }
        }
        out
    }
}

/// A JSON pointer fit for output: object keys can themselves be personal data (a map keyed
/// by phone number or e-mail), so a segment holding a long number or an `@` is shown as `*`.
fn masked_pointer(pointer: &str) -> String {
    if !pointer.split('/').any(looks_like_value) {
        return pointer.to_string();
    }
    pointer
        .split('/')
        .map(|segment| if looks_like_value(segment) { "*" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// A JSON key (or pointer segment) that may itself be personal data: a long number or an
/// e-mail.
fn looks_like_value(key: &str) -> bool {
    let mut run = 0;
    key.contains('@')
        || key.bytes().any(|b| {
            run = if b.is_ascii_digit() { run + 1 } else { 0 };
            run >= 7
        })
}

/// A number in scientific notation (`1.10105E+17`, `6.217e18`): what Excel shows, and
/// saves to CSV, for numbers of 12 or more digits. Its digits past the 15th are gone.
fn looks_scientific(text: &str) -> bool {
    let t = text.trim().as_bytes();
    let mut i = usize::from(t.first() == Some(&b'-'));
    let start = i;
    while i < t.len() && t[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !matches!(t.get(i), Some(b'e' | b'E')) {
        return false;
    }
    i += 1;
    if t.get(i) == Some(&b'+') {
        i += 1;
    }
    let exponent = i;
    while i < t.len() && t[i].is_ascii_digit() {
        i += 1;
    }
    i == t.len() && i > exponent
}

/// String equality without a libc call for the short strings column names are.
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A column whose header does not name the detector and where most candidates of the
/// detector's shape fail validation holds look-alikes (serials, codes): its few valid
/// values are coincidences.
fn look_alike_column(col: &ColumnState, d: usize) -> bool {
    if col.cue.is_some_and(|c| c.names(d)) {
        return false;
    }
    let total = col.valid[d] + col.rejected[d];
    total >= COLUMN_EVIDENCE && col.valid[d] * 2 < total
}

/// Turns byte offsets in a text record into lines and character columns, walking forward.
#[derive(Default)]
struct TextCursor {
    /// Bytes of the record already walked, and the position there.
    pos: usize,
    line: u64,
    column: u64,
}

impl TextCursor {
    fn locate(&mut self, text: &str, at: usize, base_offset: u64, start: (u64, u64)) -> Location {
        if self.line == 0 || at < self.pos {
            (self.pos, self.line, self.column) = (0, start.0, start.1);
        }
        (self.line, self.column) =
            source::text::advance(&text.as_bytes()[self.pos..at], self.line, self.column);
        self.pos = at;
        Location::Text {
            line: self.line,
            column: self.column,
            offset: base_offset + at as u64,
        }
    }
}
