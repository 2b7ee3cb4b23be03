//! The scan: the only module that knows all the others.
//!
//! walk (sorted entries) → N worker threads, each with its own `Worker` (scratch buffers,
//! per-file state) → a channel of findings batches and file summaries → one writer (this
//! thread) that emits files in path order, so the output is the same for any thread count.
//! Workers may run at most `LOOKAHEAD` files ahead of the writer, which bounds the memory
//! held for files that finished early.

use crate::budget::MemoryBudget;
use crate::detect::context::Cue;
use crate::detect::date::{self, DateColumn};
use crate::detect::masked::{self, ColumnHint, MaskedKind};
use crate::detect::redact::Redactor;
use crate::detect::{DetectorSet, Hit, Scratch};
use crate::error::{ErrorKind, Problem};
use crate::finding::{Category, FindingEncoder, FindingSink, Found, Location, Sensitivity};
use crate::fingerprint::{self, Key};
use crate::inventory::distinct::{BottomK, Distinct};
use crate::inventory::policy::Policy;
use crate::inventory::{
    self, duplicates, ColumnEntry, ErrorEntry, FileEntry, FingerprintSet, Inventory, SkippedEntry, ToolInfo,
    Totals,
};
use crate::progress::Progress;
use crate::source::{
    self, archive, looks_like_value, sheet, sqlite, ArchiveKind, Claim, Format, Origin, Record, SourceError,
};
use crate::walk::{self, Entry, InputFile, WalkOptions};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
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
    /// Fingerprints values (distinct counts, copies, `locate`).
    pub key: Key,
    /// Keep every fingerprint in the inventory (`--fingerprints`).
    pub fingerprints: bool,
    /// Judges the files (actions).
    pub policy: Policy,
    /// An earlier inventory whose results are reused for unchanged files (`--baseline`).
    pub baseline: Option<Baseline>,
    /// The scan's "today": ages of files and of resident-ID holders are taken at this time.
    pub now: SystemTime,
    /// What readers may hold in memory, all workers together (`--max-memory`).
    pub memory: std::sync::Arc<crate::budget::MemoryBudget>,
    /// The pimap executable, to parse risky formats in a child process under limits; None
    /// parses them in this process (the library's own tests).
    pub isolate_with: Option<PathBuf>,
}

/// Why a scan could not finish (inputs that cannot be read are not this: they are the
/// inventory's `errors`).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The walk could not start (an `--exclude` glob that does not parse).
    #[error(transparent)]
    Walk(#[from] crate::walk::WalkError),
    /// Writing the findings failed; a reader that stopped early is `BrokenPipe`.
    #[error("cannot write findings: {0}")]
    Findings(#[source] std::io::Error),
    /// Not even one worker thread could be started (a process limit).
    #[error("cannot start a worker thread: {0}")]
    Threads(#[source] std::io::Error),
}

impl ScanError {
    /// The I/O error behind it, if any (to tell a closed pipe from a full disk).
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            ScanError::Findings(e) | ScanError::Threads(e) => Some(e),
            ScanError::Walk(_) => None,
        }
    }

    /// The findings' reader has gone away (`--findings - | head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.io_error()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// An earlier inventory given with `--baseline`.
pub struct Baseline {
    pub file: PathBuf,
    pub inventory: Inventory,
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
    /// Why it could not be read, or only in part; the first problem gives the entry's kind.
    problems: Vec<Problem>,
    by_detector: Vec<u64>,
    columns: Vec<ColumnEntry>,
    /// Per detector: distinct values, and whether some count is an estimate.
    distinct: Vec<u64>,
    distinct_estimated: bool,
    masked: Vec<u64>,
    minors: u64,
    /// Newest date in the input's date columns, in days since the Unix epoch.
    newest_day: Option<i64>,
    /// The smallest fingerprints of the input's values (for finding copies).
    sketch: Vec<u64>,
    fingerprints: Vec<FingerprintSet>,
    /// Keyed hash of the file's samples (top-level files, stable key only).
    content_hash: Option<String>,
    /// An archive: members counted instead of listed (see `MAX_LISTED_MEMBERS`).
    unlisted: inventory::UnlistedMembers,
}

/// What a worker made of one file of the walk.
enum Outcome {
    /// Read: a summary for the file, then one per archive member.
    Scanned(Vec<FileSummary>),
    /// Unchanged since the baseline: its entries there (this index in `files`) still hold.
    Reused(usize),
}

enum Msg {
    /// Findings of file `usize` (or its archive members), formatted as JSON Lines.
    Batch(usize, Vec<u8>),
    Done(usize, Outcome),
}

/// Runs a scan; findings go to `findings` as they are ready, the inventory is returned.
pub fn run(config: &ScanConfig, findings: &mut dyn FindingSink) -> Result<Inventory, ScanError> {
    let started = Instant::now();
    let scanned_at = inventory::rfc3339(SystemTime::now()).unwrap_or_default();
    let mut entries = walk::walk(&config.roots, &config.walk).map_err(ScanError::Walk)?;
    let mut redactor = Redactor::new(&config.detectors);
    if !config.reveal {
        mask_names(&mut entries, &mut redactor);
    }
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
            Entry::Error {
                display,
                message,
                kind,
            } => errors.push(ErrorEntry {
                path: display,
                error: message,
                kind: Some(kind),
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
    // Workers too far ahead wait here until the writer advances (it was a 1 ms sleep-poll:
    // 200k empty files took 29 s with two threads, hostile H7).
    let advanced = (std::sync::Mutex::new(()), std::sync::Condvar::new());
    let (tx, rx) = crossbeam_channel::bounded::<Msg>(LOOKAHEAD * 2);
    let encoder = findings.encoder();
    let encoder = &encoder;
    let mut write_error = None;
    let digest = tool_digest(config);
    let (reusable, reuse_note) = reusable_baseline(config, &digest);
    let reuse_index: FxHashMap<&str, usize> = reusable
        .map(|b| {
            b.files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_str(), i))
                .collect()
        })
        .unwrap_or_default();
    let must_read = reusable.map(must_read_again).unwrap_or_default();
    // A file of the walk may be taken over if the baseline has it with the same size and
    // modification time; its content hash decides (in the worker, which reads the samples).
    let reuse_candidate = |file: &InputFile| -> Option<(usize, &str)> {
        let &b = reuse_index.get(file.display.as_str())?;
        if must_read.contains(file.display.as_str()) {
            return None;
        }
        let entry = &reusable?.files[b];
        let same = entry.size == file.size && entry.modified == file.modified.and_then(inventory::rfc3339);
        same.then_some(())?;
        Some((b, entry.content_hash.as_deref()?))
    };
    let reuse_candidate = &reuse_candidate;
    let mut sketches: FxHashMap<String, (u64, Vec<u64>)> = FxHashMap::default();
    let mut reused = 0u64;
    let mut spawn_error = None;
    let mut workers = 0;
    std::thread::scope(|s| {
        for n in 0..config.threads.max(1) {
            let tx = tx.clone();
            let (files, next_job, written, stop, advanced) = (&files, &next_job, &written, &stop, &advanced);
            // A container with a low process limit refuses threads: scan with those it gave.
            let spawned = std::thread::Builder::new()
                .name(format!("pimap-worker-{n}"))
                .spawn_scoped(s, move || {
                    let mut worker = Worker::new(detectors, config, encoder.as_ref().map(|e| e.fresh()));
                    loop {
                        let i = next_job.fetch_add(1, Ordering::SeqCst);
                        if i >= files.len() || stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let too_far = || {
                            i >= written.load(Ordering::Acquire) + LOOKAHEAD && !stop.load(Ordering::Relaxed)
                        };
                        if too_far() {
                            let (lock, cvar) = advanced;
                            let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                            while too_far() {
                                // The timeout only guards against a wake-up this loop did not foresee.
                                guard = cvar
                                    .wait_timeout(guard, std::time::Duration::from_millis(100))
                                    .unwrap_or_else(|e| e.into_inner())
                                    .0;
                            }
                        }
                        // A bug must cost one file, not the scan: the panic becomes its error.
                        let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            worker.scan_file(&files[i], reuse_candidate(&files[i]), &mut |batch| {
                                let _ = tx.send(Msg::Batch(i, batch));
                            })
                        }));
                        let outcome = scanned.unwrap_or_else(|_| {
                            worker = Worker::new(detectors, config, encoder.as_ref().map(|e| e.fresh()));
                            Outcome::Scanned(vec![FileSummary {
                                path: files[i].display.as_str().into(),
                                size: files[i].size,
                                problems: vec![internal_error()],
                                ..FileSummary::default()
                            }])
                        });
                        if tx.send(Msg::Done(i, outcome)).is_err() {
                            break;
                        }
                    }
                });
            match spawned {
                Ok(_) => workers += 1,
                Err(e) => {
                    spawn_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        // The writer: emits files strictly in order. Messages of files ahead of `next` wait
        // in `pending`; whatever `next` has is written as soon as it arrives.
        type Pending = (Vec<Vec<u8>>, Option<Outcome>);
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
                        drop(advanced.0.lock().unwrap_or_else(|e| e.into_inner()));
                        advanced.1.notify_all();
                    }
                }
                let Some(outcome) = done.take() else { break };
                pending.remove(&next);
                let file = &files[next];
                progress.advance(file.size);
                match outcome {
                    Outcome::Scanned(summaries) => finish(
                        file,
                        summaries,
                        config,
                        &mut file_entries,
                        &mut skipped,
                        &mut errors,
                        &mut sketches,
                    ),
                    Outcome::Reused(b) => {
                        reused += 1;
                        take_over(
                            file,
                            (reusable.expect("reuse needs a baseline"), b),
                            &mut file_entries,
                            &mut skipped,
                            &mut errors,
                            &mut sketches,
                            config.fingerprints,
                        );
                    }
                }
                next += 1;
                written.store(next, Ordering::Release);
                // Taking the lock orders this after a worker's check of `written`: a worker
                // that saw the old value is waiting by now, and is woken.
                drop(advanced.0.lock().unwrap_or_else(|e| e.into_inner()));
                advanced.1.notify_all();
            }
        }
    });
    progress.finish();
    if let (0, Some(e)) = (workers, spawn_error) {
        return Err(ScanError::Threads(e));
    }
    if let Some(e) = write_error {
        return Err(ScanError::Findings(e));
    }
    findings.flush().map_err(ScanError::Findings)?;
    if !config.reveal {
        // Parsers quote what they choke on (a cell, a table or sheet name): mask it as values.
        for e in &mut errors {
            if let Cow::Owned(masked) = redactor.redact(&e.error) {
                e.error = masked;
            }
        }
        for s in &mut skipped {
            if let Cow::Owned(masked) = redactor.redact(&s.reason) {
                s.reason = masked;
            }
        }
    }
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
                let key = det.sensitivity.as_str();
                *totals.by_sensitivity.entry(key.to_string()).or_default() += n;
            }
        }
    }
    // Skipped members counted on their archive (`add_file`) are added to the listed ones.
    totals.skipped += skipped.len() as u64;
    totals.errors = errors.len() as u64;
    totals.reused = reused;
    let mut inventory = Inventory {
        schema: inventory::SCHEMA.to_string(),
        scanned_at,
        roots: config
            .roots
            .iter()
            .map(|r| {
                let shown = walk::display_name(r);
                match config.reveal {
                    true => shown,
                    false => redactor.redact(&shown).into_owned(),
                }
            })
            .collect(),
        tool: ToolInfo {
            name: "pimap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            min_confidence: config.min_confidence,
            detectors: detectors.detectors().iter().map(|d| d.id.clone()).collect(),
            detector_digest: digest,
        },
        totals,
        files: file_entries,
        skipped,
        errors,
        key: config.key.info(config.fingerprints),
        policy: config.policy.info(),
        ..Inventory::default()
    };
    judge(&mut inventory, config, &sketches, reusable);
    if let Some(baseline) = &config.baseline {
        let mut changes = inventory::changes::compare(&baseline.inventory, &inventory);
        changes.baseline_file = Some(baseline.file.display().to_string());
        changes.reuse_note = reuse_note;
        inventory.changes = Some(changes);
    }
    inventory.totals.elapsed_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(inventory)
}

/// Without `--reveal`, names are masked like values (`detect::redact`). Names that mask
/// alike (`138****5678.txt` from two phone numbers) get `~2`, `~3`... in the order of their
/// real names, so that each stays an entry of its own.
fn mask_names(entries: &mut [Entry], redactor: &mut Redactor) {
    let mut changed = false;
    for entry in entries.iter_mut() {
        if let Cow::Owned(masked) = redactor.redact(entry.display()) {
            *entry.display_mut() = masked;
            changed = true;
        }
    }
    if !changed {
        return;
    }
    // Stable: entries with equal masked names keep the order of their real names.
    entries.sort_by(|a, b| a.display().cmp(b.display()));
    let mut taken: rustc_hash::FxHashSet<String> = entries.iter().map(|e| e.display().to_string()).collect();
    let mut first = 0;
    while first < entries.len() {
        let base = entries[first].display().to_string();
        let end = first
            + 1
            + entries[first + 1..]
                .iter()
                .take_while(|e| e.display() == base)
                .count();
        let mut n = 2;
        for entry in &mut entries[first + 1..end] {
            while taken.contains(&format!("{base}~{n}")) {
                n += 1;
            }
            let unique = format!("{base}~{n}");
            taken.insert(unique.clone());
            *entry.display_mut() = unique;
        }
        first = end;
    }
    entries.sort_by(|a, b| a.display().cmp(b.display()));
}

/// What decides whether results can be reused: the scanner build, its version, the detector
/// definitions and the confidence threshold.
fn tool_digest(config: &ScanConfig) -> String {
    use sha2::Digest;
    let text = format!(
        "{}\0{}\0{}\0{}",
        env!("CARGO_PKG_VERSION"),
        env!("PIMAP_BUILD_DIGEST"),
        config.detectors.digest(),
        config.min_confidence
    );
    sha2::Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The baseline inventory if its results may be reused, else why not.
fn reusable_baseline<'a>(config: &'a ScanConfig, digest: &str) -> (Option<&'a Inventory>, Option<String>) {
    let Some(baseline) = &config.baseline else {
        return (None, None);
    };
    let old = &baseline.inventory;
    let why_not = if !config.key.is_stable() {
        Some("no stable key (PIMAP_KEY or --key-file): content hashes cannot be compared, every file was read again")
    } else if old.key.key_id.as_deref() != Some(config.key.id().as_str()) {
        Some("the baseline was made with another fingerprint key (or none): every file was read again")
    } else if old.tool.detector_digest != digest {
        Some("the baseline was made by another pimap build, other detectors or another --min-confidence: every file was read again")
    } else if config.fingerprints && !old.key.fingerprints {
        Some("the baseline has no fingerprints and --fingerprints asks for them: every file was read again")
    } else {
        None
    };
    match why_not {
        Some(note) => (None, Some(note.to_string())),
        None => (Some(old), None),
    }
}

/// Baseline entries whose results may not be taken over even if the file is unchanged: those
/// with errors (a read failure may have been passing) and those counting children under 14
/// (the count changes with time). Holds the paths of the files of the walk concerned: the
/// entry's own path and, for archive members, every path before a `!`.
fn must_read_again(baseline: &Inventory) -> rustc_hash::FxHashSet<&str> {
    fn tops(path: &str) -> Vec<&str> {
        let mut out: Vec<&str> = path.match_indices('!').map(|(i, _)| &path[..i]).collect();
        out.push(path);
        out
    }
    let errored = baseline.errors.iter().map(|e| e.path.as_str());
    let minors = baseline
        .files
        .iter()
        .filter(|f| f.minors > 0)
        .map(|f| f.path.as_str());
    errored.chain(minors).flat_map(tops).collect()
}

/// Whole-inventory judgements: copies, risk per file, the policy's actions, their totals.
fn judge(
    inventory: &mut Inventory,
    config: &ScanConfig,
    sketches: &FxHashMap<String, (u64, Vec<u64>)>,
    baseline: Option<&Inventory>,
) {
    let (min_overlap, min_values) = config.policy.duplicate_settings();
    let candidates: Vec<duplicates::Candidate<'_>> = inventory
        .files
        .iter()
        .filter_map(|f| {
            let (distinct, sketch) = sketches.get(&f.path)?;
            Some(duplicates::Candidate {
                path: &f.path,
                distinct: *distinct,
                sketch,
                modified: f.modified.as_deref(),
            })
        })
        .collect();
    inventory.duplicates = duplicates::find(&candidates, min_overlap, min_values);
    // Without --fingerprints reused files bring no sketch; copies among them were found when
    // they were read and still hold (their data did not change).
    if let Some(baseline) = baseline {
        let reused: rustc_hash::FxHashSet<&str> = inventory
            .files
            .iter()
            .filter(|f| f.reused && !sketches.contains_key(&f.path))
            .map(|f| f.path.as_str())
            .collect();
        let carried: Vec<_> = baseline
            .duplicates
            .iter()
            .filter(|g| g.files.iter().all(|m| reused.contains(m.path.as_str())))
            .cloned()
            .collect();
        inventory.duplicates.extend(carried);
    }
    let totals = &mut inventory.totals;
    for f in &mut inventory.files {
        f.risk = inventory::risk::assess(f, config.now);
        if let Some(risk) = &f.risk {
            *totals
                .files_by_risk
                .entry(risk.level.as_str().to_string())
                .or_default() += 1;
        }
        if let Some(s) = f.sensitivity {
            *totals
                .files_by_sensitivity
                .entry(s.as_str().to_string())
                .or_default() += 1;
        }
        totals.minors += f.minors;
        for (d, n) in &f.masked {
            if let Some(det) = config.detectors.detectors().iter().find(|x| &x.id == d) {
                *totals
                    .masked_by_category
                    .entry(det.category.as_str().to_string())
                    .or_default() += n;
            }
        }
    }
    inventory.actions = config.policy.evaluate(inventory, config.now);
    let totals = &mut inventory.totals;
    totals.actions = inventory::ActionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), 0))
        .collect();
    for a in &inventory.actions {
        *totals.actions.entry(a.kind.as_str().to_string()).or_default() += 1;
    }
}

/// Turns a worker's summaries of one input file (several for an archive) into inventory
/// entries.
fn finish(
    file: &InputFile,
    summaries: Vec<FileSummary>,
    config: &ScanConfig,
    files: &mut Vec<FileEntry>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
    sketches: &mut FxHashMap<String, (u64, Vec<u64>)>,
) {
    let detectors = config.detectors.detectors();
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
        if let Some(first) = s.problems.first() {
            let reasons: Vec<&str> = s.problems.iter().map(|p| p.message.as_str()).collect();
            errors.push(ErrorEntry {
                path: path.clone(),
                error: reasons.join("; "),
                kind: Some(first.kind),
            });
        }
        let Some(format) = s.format else { continue };
        let mut by_detector = BTreeMap::new();
        let mut by_category = BTreeMap::new();
        let mut distinct = BTreeMap::new();
        let mut masked = BTreeMap::new();
        let mut sensitivity = None;
        for (d, det) in detectors.iter().enumerate() {
            if let Some(&n) = s.masked.get(d).filter(|&&n| n > 0) {
                masked.insert(det.id.clone(), n);
            }
            let n = s.by_detector.get(d).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            by_detector.insert(det.id.clone(), n);
            distinct.insert(det.id.clone(), s.distinct.get(d).copied().unwrap_or(0));
            *by_category.entry(det.category.as_str().to_string()).or_default() += n;
            if sensitivity != Some(Sensitivity::Sensitive) {
                sensitivity = Some(det.sensitivity);
            }
        }
        // Only files that can take part in duplicate detection keep their sketch (in memory
        // for this scan; with --fingerprints also in the inventory, 4 KiB of hex at most, for
        // a refresh to find copies of files it does not read).
        let distinct_total: u64 = distinct.values().sum();
        let (_, min_values) = config.policy.duplicate_settings();
        let can_be_a_copy = distinct_total > 0 && distinct_total >= min_values;
        let sketch = (config.fingerprints && can_be_a_copy).then(|| fingerprint::encode_prints(&s.sketch));
        if can_be_a_copy {
            sketches.insert(path.clone(), (distinct_total, s.sketch));
        }
        files.push(FileEntry {
            path,
            size: s.size,
            modified: s.modified.and_then(inventory::rfc3339),
            format: format.to_string(),
            encoding: s.encoding.map(str::to_string),
            findings: s.by_detector.iter().sum(),
            by_detector,
            by_category,
            sensitivity,
            columns: s.columns,
            archive: s.container,
            distinct,
            distinct_estimated: s.distinct_estimated,
            masked,
            minors: s.minors,
            newest_date: s.newest_day.map(date::format_days),
            mode: file.mode.map(|m| format!("{m:04o}")),
            world_readable: file.mode.is_some_and(|m| m & 0o004 != 0),
            risk: None,
            content_hash: s.content_hash,
            sketch,
            fingerprints: s.fingerprints,
            reused: false,
            unlisted_members: (s.unlisted != inventory::UnlistedMembers::default()).then_some(s.unlisted),
        });
    }
}

/// Takes a file's entries (its own and its archive members'), errors and skipped members
/// over from the baseline. Only the permissions are read again: `chmod` does not change the
/// modification time.
fn take_over(
    file: &InputFile,
    (baseline, at): (&Inventory, usize),
    files: &mut Vec<FileEntry>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
    sketches: &mut FxHashMap<String, (u64, Vec<u64>)>,
    keep_fingerprints: bool,
) {
    let top = &baseline.files[at].path;
    // Only an archive has members (a file may have a `!` in its name).
    let member_prefix = if baseline.files[at].archive {
        format!("{top}!")
    } else {
        format!("{top}\0")
    };
    let belongs = |path: &str| path == top || path.starts_with(&member_prefix);
    // Entries are sorted by path: the members are the run that starts with `top!`.
    let members = baseline
        .files
        .partition_point(|f| f.path.as_str() < member_prefix.as_str());
    let own = std::iter::once(&baseline.files[at]);
    let members = baseline.files[members..]
        .iter()
        .take_while(|f| f.path.starts_with(&member_prefix));
    for entry in own.chain(members) {
        let mut entry = entry.clone();
        entry.reused = true;
        if !keep_fingerprints {
            entry.fingerprints.clear();
            entry.sketch = None;
        }
        entry.mode = file.mode.map(|m| format!("{m:04o}"));
        entry.world_readable = file.mode.is_some_and(|m| m & 0o004 != 0);
        let distinct_total: u64 = entry.distinct.values().sum();
        if let Some(sketch) = entry.sketch.as_deref().and_then(fingerprint::decode_prints) {
            sketches.insert(entry.path.clone(), (distinct_total, sketch));
        }
        files.push(entry);
    }
    skipped.extend(baseline.skipped.iter().filter(|s| belongs(&s.path)).cloned());
    errors.extend(baseline.errors.iter().filter(|e| belongs(&e.path)).cloned());
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
    /// Per detector: distinct reported values, already-masked values.
    distinct: Vec<Distinct>,
    masked: Vec<u64>,
    /// Whether the cells date the file (order times) or must not (birth dates).
    date_role: DateColumn,
    /// What the header says, for telling masked IDs from masked cards.
    masked_hint: ColumnHint,
}

/// A worker: everything one thread needs to scan files, reused across files.
struct Worker<'a> {
    detectors: &'a DetectorSet,
    /// The scan's memory budget, shared with the other workers.
    memory: &'a MemoryBudget,
    /// Whether the walk follows symbolic links: if not, a file swapped for one after the
    /// walk is not opened.
    follow_links: bool,
    /// None when nobody wants the findings themselves (only the inventory).
    encoder: Option<Box<dyn FindingEncoder>>,
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
    key: Key,
    keep_fingerprints: bool,
    /// Per detector: distinct values outside any column; already-masked values.
    outside: Vec<Distinct>,
    masked: Vec<u64>,
    minors: u64,
    newest_day: Option<i64>,
    sketch: BottomK,
    /// The last pointer's parent, raw and as shown (see `shown_pointer`).
    parent_pointer: (String, String),
    /// Pointer segments already checked for values (true: holds one), for this input.
    segment_verdicts: FxHashMap<Box<str>, bool>,
    /// The detector a masked value of each kind is counted for (by `MaskedKind as usize`).
    masked_detector: [Option<usize>; 6],
    /// Days since the Unix epoch: the scan's today, and the latest birth date of a person who
    /// is 14 or older.
    today: i64,
    minor_cutoff: i64,
    /// The slot counting columns past `source::MAX_COLUMNS` in this input, once there is one.
    more_columns: Option<u32>,
    /// The last table of a finding in the `more_columns` slot, and its name as shown.
    more_columns_table: (String, Arc<str>),
    /// Masks values in archive member names (None with `--reveal`).
    names: Option<Redactor<'a>>,
    /// `--exclude` applied to member paths inside archives.
    member_excludes: Option<ignore::gitignore::Gitignore>,
    /// Reads workbooks (in a child process under limits when the config names one).
    sheets: sheet::SheetReader,
}

/// `--exclude` globs as a matcher for paths inside archives (`dir/x.bak` of `a.zip`); the
/// walk applies the same globs to files on disk.
fn member_excludes(globs: &[String]) -> Option<ignore::gitignore::Gitignore> {
    if globs.is_empty() {
        return None;
    }
    let mut builder = ignore::gitignore::GitignoreBuilder::new("");
    for glob in globs {
        // The walk has refused invalid globs already.
        let _ = builder.add_line(None, glob);
    }
    builder.build().ok()
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

/// A file of the walk whose size is not the one the walk saw once it has been read: its
/// figures describe the first bytes only (hostile E10).
fn changed_while_read(file: &std::fs::File, listed: u64) -> Option<Problem> {
    let now = file.metadata().ok()?.len();
    let how = match now.cmp(&listed) {
        std::cmp::Ordering::Equal => return None,
        std::cmp::Ordering::Greater => "grew",
        std::cmp::Ordering::Less => "shrank",
    };
    Some(Problem::new(
        ErrorKind::Io,
        if now > listed {
            format!("{how} while being read ({listed} bytes when listed, {now} now): the figures are of the first {listed} bytes")
        } else {
            // Where it was cut is not known: it may have shrunk after most of it was read.
            format!("{how} while being read ({listed} bytes when listed, {now} now): the figures are of what was read before it shrank")
        },
    ))
}

/// The error recorded for a panic. The panic's own message is not used: it may quote the
/// text being scanned (personal data), and this text goes into the inventory.
fn internal_error() -> Problem {
    Problem::new(
        ErrorKind::Internal,
        "internal error while scanning (a bug, please report it); the rest of this input was not scanned",
    )
}

/// Bytes all members of one top-level archive may expand to (decompression-bomb guard).
const MAX_EXPANDED: u64 = 16 << 30;

/// Members of one archive listed one by one before members with nothing to report are
/// only counted (`FileEntry::unlisted_members`).
const MAX_LISTED_MEMBERS: usize = 10_000;

/// A member summary that says nothing a count would not: read with no finding and no
/// problem, or skipped.
fn nothing_to_report(s: &FileSummary) -> bool {
    s.problems.is_empty()
        && !s.container
        && s.by_detector.iter().all(|&n| n == 0)
        && s.masked.iter().all(|&n| n == 0)
}

/// Archives inside archives are opened this deep.
const MAX_ARCHIVE_DEPTH: usize = 3;

/// Largest member read into memory (formats that need random access inside archives).
const MAX_IN_MEMORY: u64 = 1 << 30;

/// Bytes of a record checked at once: its hits are held until the piece is done.
const PIECE: usize = 1 << 20;

/// Context read on each side of a piece: longer than any value and the keywords near it.
const PIECE_CONTEXT: usize = 4096;

/// Longest column name, table name or JSON pointer written out, in bytes.
const MAX_NAME: usize = 256;

/// The end of the piece that starts at byte `at`: `PIECE` bytes on, at a character boundary.
fn piece_end(text: &str, at: usize) -> usize {
    if text.len() - at <= PIECE {
        text.len()
    } else {
        source::floor_char(text, at + PIECE).max(at + 1)
    }
}

/// `name` cut to `MAX_NAME` bytes with an ellipsis; names are shown, and one can be a
/// megabyte-long JSON key.
fn shortened(name: &str) -> Cow<'_, str> {
    if name.len() <= MAX_NAME {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{}…", &name[..source::floor_char(name, MAX_NAME)]))
    }
}

/// `found_column` value of findings outside any column.
const NO_COLUMN: u32 = u32::MAX;

impl<'a> Worker<'a> {
    fn new(
        detectors: &'a DetectorSet,
        config: &'a ScanConfig,
        encoder: Option<Box<dyn FindingEncoder>>,
    ) -> Self {
        let n = detectors.detectors().len();
        Worker {
            detectors,
            memory: &config.memory,
            follow_links: config.walk.follow,
            encoder,
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
            key: config.key.clone(),
            keep_fingerprints: config.fingerprints,
            outside: vec![Distinct::default(); n],
            masked: vec![0; n],
            minors: 0,
            newest_day: None,
            sketch: BottomK::new(duplicates::SKETCH),
            segment_verdicts: FxHashMap::default(),
            parent_pointer: (String::new(), String::new()),
            masked_detector: masked_detectors(detectors),
            today: date::days_of(config.now),
            minor_cutoff: minor_cutoff(config.now),
            more_columns: None,
            more_columns_table: (String::new(), Arc::from("")),
            names: (!config.reveal).then(|| Redactor::new(detectors)),
            member_excludes: member_excludes(&config.walk.excludes),
            sheets: sheet::SheetReader::new(config.isolate_with.as_deref(), config.memory.clone()),
        }
    }

    /// Scans one file of the walk; an archive yields a summary per member after its own.
    /// `reuse`: the baseline entry that may still hold, and its content hash.
    fn scan_file(
        &mut self,
        file: &InputFile,
        reuse: Option<(usize, &str)>,
        send: &mut dyn FnMut(Vec<u8>),
    ) -> Outcome {
        let mut out = Vec::new();
        let path: Arc<str> = file.display.as_str().into();
        let handle = match source::open_regular(&file.path, self.follow_links) {
            Ok(Some(h)) => h,
            Ok(None) => {
                out.push(FileSummary {
                    path,
                    size: file.size,
                    modified: file.modified,
                    skipped: Some("not a regular file any more (it became a symbolic link, FIFO, socket or device after it was listed)".into()),
                    ..FileSummary::default()
                });
                return Outcome::Scanned(out);
            }
            Err(e) => {
                out.push(FileSummary {
                    path,
                    size: file.size,
                    modified: file.modified,
                    problems: vec![Problem::new(ErrorKind::of_io(&e), format!("cannot open: {e}"))],
                    ..FileSummary::default()
                });
                return Outcome::Scanned(out);
            }
        };
        // A content hash only means something across scans under a stable key.
        let content_hash = if self.key.is_stable() {
            source::read_samples(&handle, file.size)
                .ok()
                .map(|samples| self.key.content_hash(&[&file.size.to_le_bytes(), &samples]))
        } else {
            None
        };
        if let (Some((at, old)), Some(new)) = (reuse, content_hash.as_deref()) {
            if old == new {
                return Outcome::Reused(at);
            }
        }
        let budget = archive::Budget::new(MAX_EXPANDED, self.memory);
        let input = Input {
            path,
            size: file.size,
            modified: file.modified,
            data: Data::File(&file.path, handle),
        };
        self.scan_input(input, 0, &budget, send, &mut out);
        if let Some(first) = out.first_mut() {
            first.content_hash = content_hash;
        }
        Outcome::Scanned(out)
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
        // Like the rest of a file of the walk, its head is read up to the size the walk saw.
        let head_read = match disk_path {
            Some(_) => source::read_head(&mut data.as_read().take(input.size)),
            None => source::read_head(data.as_read()),
        };
        let head = match head_read {
            Ok(h) => h,
            Err(e) => {
                summary.problems.push(Problem::of(&SourceError::Read(e)));
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
            Claim::Misnamed(m) => {
                summary.problems.push(Problem::of(&SourceError::Misnamed(m)));
                out.push(summary);
                return;
            }
        };
        summary.format = Some(format.name());
        if let Format::Archive(kind) = format {
            summary.container = true;
            if depth >= MAX_ARCHIVE_DEPTH {
                // A depth limit, like the size limits: archives of archives of archives are
                // how recursive bombs are built, and rare otherwise.
                summary.problems.push(Problem::new(
                    ErrorKind::TooLarge,
                    format!("archive nested more than {MAX_ARCHIVE_DEPTH} levels deep: not opened"),
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
                out[at].problems.push(Problem::of(&e));
            }
            return;
        }
        let path = input.path.clone();
        let chunk = self.chunk;
        let memory = self.memory;
        let sheets = self.sheets.clone();
        self.reset();
        // A bug (or a parser's panic on hostile input) costs this input, not its siblings
        // in an archive nor what was already found in it.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut emit = |record: Record<'_>| self.on_record(record, &path, send);
            match (format, disk_path, &mut data) {
                // A file of the walk is read up to the size the walk saw: one growing faster
                // than it is read (a live log) would never end (hostile H3).
                (f, Some(_), data) if f.is_text() => {
                    let rest = input.size.saturating_sub(head.len() as u64);
                    let mut bounded = data.as_read().take(rest);
                    source::read_text(f, head, &mut bounded, input.size, chunk, memory, &mut emit)
                }
                (f, None, data) if f.is_text() => {
                    source::read_text(f, head, data.as_read(), input.size, chunk, memory, &mut emit)
                }
                (Format::Sqlite, Some(path), _) => {
                    sqlite::read_path(path, input.size, memory, &mut emit).map_err(SourceError::from)
                }
                (Format::Sqlite, None, data) => {
                    let mut held = budget.memory().start("a SQLite file inside an archive");
                    source::read_all(head, data.as_read(), MAX_IN_MEMORY, &mut held)
                        .and_then(|b| Ok(sqlite::read_bytes(b, memory, &mut emit)?))
                }
                (Format::Sheet(kind), _, Reader::File(file)) => {
                    sheets.read_file(file, kind, &mut emit).map_err(SourceError::from)
                }
                (Format::Sheet(kind), _, data) => {
                    sheets.read_stream(head, data.as_read(), MAX_IN_MEMORY, kind, &mut emit)
                }
                (f, _, _) => Err(SourceError::Misrouted(f.name())),
            }
        }));
        self.flush(&path, send);
        match read {
            Ok(Ok(facts)) => {
                summary.encoding = facts.encoding;
                summary.problems.extend(facts.warnings);
                if facts.lossy {
                    summary.problems.push(Problem::new(
                        ErrorKind::Encoding,
                        "some bytes are not valid in the detected encoding (replaced)",
                    ));
                }
            }
            Ok(Err(e)) => summary.problems.push(Problem::of(&e)),
            Err(_) => summary.problems.push(internal_error()),
        }
        if let Reader::File(file) = &data {
            if let Some(problem) = changed_while_read(file, input.size) {
                summary.problems.push(problem);
            }
        }
        if self.more_columns.is_some() {
            summary.problems.push(Problem::new(
                ErrorKind::TooLarge,
                format!(
                    "more than {} columns or keys: the rest are counted together as '{}'",
                    source::MAX_COLUMNS,
                    source::MORE_COLUMNS
                ),
            ));
        }
        summary.by_detector = self.by_detector.clone();
        summary.columns = self.column_entries();
        self.summarize_values(&mut summary);
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
    ) -> Result<(), SourceError> {
        // The archive's own summary, pushed by the caller just before its members.
        let own = out.len() - 1;
        let mut listed = 0usize;
        let mut visit = |member: archive::Member<'_>| {
            if let Some(excludes) = &self.member_excludes {
                let inner = member.name.trim_start_matches('/');
                if !inner.is_empty() && excludes.matched_path_or_any_parents(inner, false).is_ignore() {
                    return;
                }
            }
            let name = match self.names.as_mut() {
                Some(names) => names.redact(&member.name),
                None => Cow::Borrowed(member.name.as_str()),
            };
            let member_path: Arc<str> = format!("{path}!{name}").into();
            let modified = member.modified.or(modified);
            match member.reader {
                Some(reader) => {
                    let mut measured = archive::Measured::new(reader);
                    let input = Input {
                        path: member_path,
                        size: member.size,
                        modified,
                        data: Data::Stream(&mut measured),
                    };
                    let first = out.len();
                    self.scan_input(input, depth + 1, budget, send, out);
                    if let Some(summary) = out.get_mut(first) {
                        // The size it held, not the one declared (hostile E5); a skipped
                        // member was only looked at.
                        if summary.skipped.is_none() {
                            summary.size = measured.bytes_read();
                        }
                        summary.problems.extend(member.warning.as_ref().map(Problem::of));
                    }
                    // An archive of millions of small members would hold a summary each
                    // (hostile M4: 2M members took 2.2 GB): past the first ones, members
                    // with nothing to report are counted on the archive instead.
                    listed += out.len() - first;
                    if listed > MAX_LISTED_MEMBERS && out.len() == first + 1 && nothing_to_report(&out[first])
                    {
                        let member = out.pop().expect("pushed above");
                        let unlisted = &mut out[own].unlisted;
                        match member.skipped {
                            Some(_) => unlisted.skipped += 1,
                            None => unlisted.clean += 1,
                        }
                        unlisted.bytes += member.size;
                        listed -= 1;
                    }
                }
                None => out.push(FileSummary {
                    path: member_path,
                    size: member.size,
                    modified,
                    problems: member.problem.iter().map(Problem::of).collect(),
                    ..FileSummary::default()
                }),
            }
        };
        let done = match (kind, &mut data) {
            (ArchiveKind::Zip, Reader::File(file)) => {
                file.rewind()?;
                archive::for_each_member_seekable(kind, file, budget, &mut visit)
            }
            (ArchiveKind::Zip, data) => {
                let mut held = budget.memory().start("a zip archive inside an archive");
                let bytes = source::read_all(head, data.as_read(), MAX_IN_MEMORY, &mut held)?;
                archive::for_each_member_seekable(kind, &mut std::io::Cursor::new(bytes), budget, &mut visit)
            }
            (_, data) => {
                let mut stream = std::io::Cursor::new(head).chain(data.as_read());
                archive::for_each_member_stream(kind, path, &mut stream, budget, &mut visit)
            }
        };
        Ok(done?)
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
        self.outside.iter_mut().for_each(Distinct::clear);
        self.masked.iter_mut().for_each(|n| *n = 0);
        self.minors = 0;
        self.newest_day = None;
        self.sketch.clear();
        self.segment_verdicts.clear();
        self.parent_pointer = (String::new(), String::new());
        self.more_columns = None;
        self.more_columns_table = (String::new(), Arc::from(""));
    }

    /// The slot that counts the columns of a file past `source::MAX_COLUMNS`, together.
    fn more_columns_slot(&mut self) -> u32 {
        match self.more_columns {
            Some(slot) => slot,
            None => {
                // Made while there is room for it: the cap applies to the slots before. It
                // belongs to no table: findings in it name theirs (`shown_table`).
                let slot = self.new_column(None, source::MORE_COLUMNS, None);
                self.more_columns = Some(slot);
                slot
            }
        }
    }

    fn column_slot(&mut self, table: Option<&str>, name: &str, shared: Option<&Arc<str>>) -> u32 {
        // A name is shown and kept per column: a megabyte-long JSON key is cut.
        let (name, shared) = match shortened(name) {
            Cow::Borrowed(name) => (Cow::Borrowed(name), shared),
            long => (long, None),
        };
        let table = table.map(shortened);
        let (name, table) = (&*name, table.as_deref());
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
        // Per-file column state is capped (a header of millions of fields, a JSON map keyed
        // by order numbers, hostile M3): the rest is counted together.
        if self.columns.len() >= source::MAX_COLUMNS {
            return self.more_columns_slot();
        }
        let slot = self.new_column(table, name, shared);
        self.slots
            .entry(table.unwrap_or("").into())
            .or_default()
            .insert(name.into(), slot);
        self.follow(slot)
    }

    /// Adds the state of a column and returns its slot.
    fn new_column(&mut self, table: Option<&str>, name: &str, shared: Option<&Arc<str>>) -> u32 {
        let n = self.detectors.detectors().len();
        let slot = self.columns.len() as u32;
        // A column name is written out (inventory, findings, reports): one that holds a value
        // (a header row that was data, a JSON key that is an address) is shown as `*`.
        let shown: Arc<str> = if name_holds_value(self.detectors, name) {
            Arc::from("*")
        } else {
            shared.cloned().unwrap_or_else(|| Arc::from(name))
        };
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
        let names_category = |category: Category| {
            cue.is_some_and(|c| {
                (0..n).any(|d| self.detectors.detectors()[d].category == category && c.names(d))
            })
        };
        let masked_hint = ColumnHint {
            card: names_category(Category::BankCard),
            address: names_category(Category::Address),
        };
        self.columns.push(ColumnState {
            distinct: vec![Distinct::default(); n],
            masked: vec![0; n],
            date_role: DateColumn::of_header(name),
            masked_hint,
            table: table.map(|t| self.shown_table_name(t)),
            name: shown,
            cue,
            long_number,
            precision_lost: 0,
            rows: 0,
            valid: vec![0; n],
            rejected: vec![0; n],
            reported: vec![0; n],
            successor: 0,
        });
        slot
    }

    fn on_record(&mut self, record: Record<'_>, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        let slot = match record.origin {
            Origin::Text { .. } => NO_COLUMN,
            Origin::Cell { index, .. } if index >= source::MAX_COLUMNS => self.more_columns_slot(),
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
                let key = shortened(key);
                let key = if looks_like_value(&key) { "*" } else { &key };
                self.column_slot(None, key, None)
            }
            Origin::Json { key: None, .. } => NO_COLUMN,
            Origin::Table { table, column, .. } => self.column_slot(Some(table), column, None),
            Origin::Sheet { sheet, column, .. } => self.column_slot(Some(sheet), column, Some(column)),
        };
        if record.text.bytes().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let (cue, masked_hint) = if slot == NO_COLUMN {
            (None, ColumnHint::default())
        } else {
            let col = &mut self.columns[slot as usize];
            col.rows += 1;
            if col.long_number.is_some() && looks_scientific(record.text) {
                col.precision_lost += 1;
            }
            if let Some(day) = date::parse_cell(record.text, col.date_role) {
                // Future dates (delivery promises, typos) and pre-1990 ones say nothing about
                // when the data was collected.
                if (DATE_FLOOR..=self.today + 1).contains(&day) && self.newest_day.is_none_or(|n| day > n) {
                    self.newest_day = Some(day);
                }
            }
            (col.cue, col.masked_hint)
        };
        let (columns, file_masked, masked_detector) =
            (&mut self.columns, &mut self.masked, &self.masked_detector);
        masked::find_masked(record.text, masked_hint, |kind| {
            if let Some(d) = masked_detector[kind as usize] {
                file_masked[d] += 1;
                if let Some(col) = columns.get_mut(slot as usize) {
                    col.masked[d] += 1;
                }
            }
        });
        let mut cursor = TextCursor::default();
        // The pointer shown for this record's findings, made once: a JSON key can be
        // megabytes long (hostile C6), and every finding under it shares the one copy.
        let mut shown_pointer: Option<Arc<str>> = None;
        let text = record.text;
        let mut piece = 0;
        loop {
            // A record is checked in pieces so that the hits held at once stay bounded
            // however long it is (a cell or JSON string of millions of phones, hostile
            // C4). Each piece is read with `PIECE_CONTEXT` bytes of context either side and
            // keeps the hits that start inside it, so a value across a cut is found once.
            let keep_to = piece_end(text, piece);
            let from = source::floor_char(text, piece.saturating_sub(PIECE_CONTEXT));
            let to = source::floor_char(text, keep_to.saturating_add(PIECE_CONTEXT)).max(keep_to);
            self.hits.clear();
            self.rejected.iter_mut().for_each(|n| *n = 0);
            self.detectors.scan(
                &text[from..to],
                cue,
                &mut self.scratch,
                &mut self.hits,
                &mut self.rejected,
            );
            // A record of one piece (nearly all of them) needs no shifting or sorting out.
            if !(piece == 0 && keep_to == text.len()) {
                self.hits.retain_mut(|h| {
                    h.start += from;
                    h.end += from;
                    (piece..keep_to).contains(&h.start)
                });
            }
            if slot != NO_COLUMN {
                let col = &mut self.columns[slot as usize];
                for (d, &n) in self.rejected.iter().enumerate() {
                    col.rejected[d] += u64::from(n);
                }
                for h in &self.hits {
                    col.valid[h.detector] += 1;
                }
            }
            self.take_hits(&record, slot, &mut cursor, &mut shown_pointer);
            if self.found.len() >= BATCH {
                self.flush(path, send);
            }
            if keep_to >= text.len() {
                break;
            }
            piece = keep_to;
        }
    }

    /// Turns the hits of one piece of `record` into findings located in the record.
    fn take_hits(
        &mut self,
        record: &Record<'_>,
        slot: u32,
        cursor: &mut TextCursor,
        shown_pointer: &mut Option<Arc<str>>,
    ) {
        // Taken out and put back so that its allocation is reused across records.
        let mut hits = std::mem::take(&mut self.hits);
        for hit in hits.drain(..) {
            if hit.confidence < self.min_confidence {
                continue;
            }
            let location = match record.origin {
                Origin::Text { offset, line, column } => {
                    cursor.locate(record.text, hit.start, offset, (line, column))
                }
                Origin::Cell { row, .. } => Location::Row {
                    row,
                    column: self.columns[slot as usize].name.clone(),
                },
                Origin::Json { pointer, line, .. } => {
                    let shown = match shown_pointer {
                        Some(p) => p.clone(),
                        None => {
                            let p: Arc<str> = self.shown_pointer(pointer).into();
                            *shown_pointer = Some(p.clone());
                            p
                        }
                    };
                    Location::Pointer { pointer: shown, line }
                }
                Origin::Sheet { sheet, cell, .. } => Location::Sheet {
                    sheet: self.shown_table(slot, sheet),
                    cell: cell.to_string(),
                    column: self.columns[slot as usize].name.clone(),
                },
                Origin::Table { table, row, .. } => Location::Table {
                    table: self.shown_table(slot, table),
                    row,
                    column: self.columns[slot as usize].name.clone(),
                },
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
        self.hits = hits;
    }

    /// The table (or sheet) of a finding in column `slot`, as findings show it. Columns past
    /// the cap share one slot whatever their table, so theirs is worked out per table.
    fn shown_table(&mut self, slot: u32, table: &str) -> Arc<str> {
        if self.more_columns != Some(slot) {
            let col = &self.columns[slot as usize];
            return col.table.clone().unwrap_or_else(|| Arc::from(""));
        }
        if self.more_columns_table.0 != table {
            let shown = self.shown_table_name(&shortened(table));
            self.more_columns_table = (table.to_string(), shown);
        }
        self.more_columns_table.1.clone()
    }

    /// A table or sheet name as written out: one that holds a value is shown as `*`.
    fn shown_table_name(&self, table: &str) -> Arc<str> {
        if name_holds_value(self.detectors, table) {
            Arc::from("*")
        } else {
            Arc::from(table)
        }
    }

    /// A JSON pointer as findings show it: segments that hold values masked (the walker has
    /// cut long keys already).
    fn shown_pointer(&mut self, pointer: &str) -> String {
        // Scalars of one array or object share all but the last segment: that part is
        // masked once (a pointer can be deep, hostile C6).
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            return self.masked_pointer(pointer);
        };
        if self.parent_pointer.0 != parent {
            let shown = self.masked_pointer(parent);
            self.parent_pointer = (parent.to_string(), shown);
        }
        let last = self.masked_pointer(last);
        let mut shown = String::with_capacity(self.parent_pointer.1.len() + 1 + last.len());
        shown.push_str(&self.parent_pointer.1);
        shown.push('/');
        shown.push_str(&last);
        shown
    }

    /// `pointer` with the segments that hold values masked.
    fn masked_pointer(&mut self, pointer: &str) -> String {
        let (segment_verdicts, detectors) = (&mut self.segment_verdicts, self.detectors);
        masked_pointer(pointer, &mut |segment| {
            // Bounded: a map keyed by values has as many segments as rows.
            if segment_verdicts.len() > 65_536 {
                segment_verdicts.clear();
            }
            if plain_segment(segment) {
                return true;
            }
            // Looked up before inserting: `entry` would copy the key every time.
            if let Some(&holds_value) = segment_verdicts.get(segment) {
                return !holds_value;
            }
            let holds_value = name_holds_value(detectors, segment);
            segment_verdicts.insert(segment.into(), holds_value);
            !holds_value
        })
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
            let det = &self.detectors.detectors()[f.detector];
            let print = self
                .key
                .fingerprint(&det.id, &fingerprint::normal_form(det.category, &f.value));
            match self.columns.get_mut(slot as usize) {
                Some(col) => col.distinct[f.detector].insert(print),
                None => self.outside[f.detector].insert(print),
            }
            self.sketch.insert(print);
            if det.category == Category::NationalId && born_after(&f.value, self.minor_cutoff) {
                self.minors += 1;
            }
            batch.push(f);
        }
        self.found_column.clear();
        if let (false, Some(encoder)) = (batch.is_empty(), self.encoder.as_mut()) {
            let mut bytes = Vec::with_capacity(batch.len() * 160);
            encoder.encode(path, self.detectors, &batch, &mut bytes);
            send(bytes);
        }
    }

    fn column_entries(&self) -> Vec<ColumnEntry> {
        let mut out = Vec::new();
        for col in &self.columns {
            for (d, &hits) in col.reported.iter().enumerate() {
                let lost =
                    (col.long_number == Some(d) && col.precision_lost > 0).then_some(col.precision_lost);
                if hits == 0 && lost.is_none() && col.masked[d] == 0 {
                    continue;
                }
                let det = &self.detectors.detectors()[d];
                let masked = col.masked[d];
                out.push(ColumnEntry {
                    name: col.name.to_string(),
                    table: col.table.as_deref().map(str::to_string),
                    detector: det.id.clone(),
                    hits,
                    rows: col.rows,
                    share: ratio(hits, col.rows),
                    precision_lost: lost,
                    category: Some(det.category.as_str().to_string()),
                    sensitivity: Some(det.sensitivity),
                    distinct: (hits > 0).then(|| col.distinct[d].count()),
                    masked,
                    masked_share: (masked > 0).then(|| ratio(masked, hits + masked)),
                });
            }
        }
        out
    }
}

impl Worker<'_> {
    /// Fills in what the input's values add up to: distinct counts, masked values, minors,
    /// the newest date, the sketch and (with `--fingerprints`) the fingerprint sets.
    fn summarize_values(&self, summary: &mut FileSummary) {
        let detectors = self.detectors.detectors();
        summary.distinct = vec![0; detectors.len()];
        for d in 0..detectors.len() {
            if self.by_detector[d] == 0 {
                continue;
            }
            let sets: Vec<&Distinct> = std::iter::once(&self.outside[d])
                .chain(self.columns.iter().map(|c| &c.distinct[d]))
                .filter(|s| s.count() > 0)
                .collect();
            let (count, exact) = match sets.as_slice() {
                [only] => (only.count(), only.is_exact()),
                _ => {
                    let mut all = Distinct::default();
                    sets.iter().for_each(|s| all.merge(s));
                    (all.count(), all.is_exact())
                }
            };
            summary.distinct[d] = count;
            summary.distinct_estimated |= !exact;
        }
        summary.masked = self.masked.clone();
        summary.minors = self.minors;
        summary.newest_day = self.newest_day;
        summary.sketch = self.sketch.values().to_vec();
        if !self.keep_fingerprints {
            return;
        }
        let mut push = |d: usize, set: &Distinct, table: Option<&str>, column: Option<&str>| {
            if set.count() == 0 {
                return;
            }
            let values = set.sorted().unwrap_or_default();
            summary.fingerprints.push(FingerprintSet {
                detector: detectors[d].id.clone(),
                table: table.map(str::to_string),
                column: column.map(str::to_string),
                values: fingerprint::encode_prints(&values),
                complete: set.is_exact(),
            });
        };
        for (d, set) in self.outside.iter().enumerate() {
            push(d, set, None, None);
        }
        for col in &self.columns {
            for (d, set) in col.distinct.iter().enumerate() {
                push(d, set, col.table.as_deref(), Some(&col.name));
            }
        }
    }
}

/// Dates before this (1990-01-01, days since the Unix epoch) do not date a file's data.
const DATE_FLOOR: i64 = 7305;

fn ratio(part: u64, whole: u64) -> f64 {
    (part as f64 / whole.max(1) as f64 * 1000.0).round() / 1000.0
}

/// The detector each kind of masked value counts for, by `MaskedKind as usize`.
fn masked_detectors(detectors: &DetectorSet) -> [Option<usize>; 6] {
    let by_id = |id: &str| detectors.detectors().iter().position(|d| d.id == id);
    let mut map = [None; 6];
    for (kind, id) in [
        (MaskedKind::ResidentId, "cn_resident_id"),
        (MaskedKind::Mobile, "cn_mobile"),
        (MaskedKind::Landline, "cn_landline"),
        (MaskedKind::BankCard, "bank_card"),
        (MaskedKind::Email, "email"),
        (MaskedKind::Address, "cn_address"),
    ] {
        map[kind as usize] = by_id(id);
    }
    map
}

/// The latest birth day (days since the Unix epoch) of someone who is 14 at `now`: PIPL
/// Art. 28 and 31 treat the data of children under 14 as sensitive.
fn minor_cutoff(now: SystemTime) -> i64 {
    let today = date::format_days(date::days_of(now));
    let (y, m, d): (i64, u32, u32) = (
        today[..4].parse().unwrap_or(1970),
        today[5..7].parse().unwrap_or(1),
        today[8..].parse().unwrap_or(1),
    );
    date::days_from_civil(y - 14, m, d)
        .or_else(|| date::days_from_civil(y - 14, m, 28))
        .unwrap_or(0)
}

/// Whether a resident ID (18 or 15 characters, validated) belongs to someone born after
/// `cutoff`.
fn born_after(id: &str, cutoff: i64) -> bool {
    let b = id.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| -> Option<u32> { std::str::from_utf8(b.get(r)?).ok()?.parse().ok() };
    let birth = match b.len() {
        18 => digits(6..10).zip(digits(10..12)).zip(digits(12..14)),
        15 => digits(6..8)
            .map(|y| y + 1900)
            .zip(digits(8..10))
            .zip(digits(10..12)),
        _ => None,
    };
    birth
        .and_then(|((y, m), d)| date::days_from_civil(i64::from(y), m, d))
        .is_some_and(|day| day > cutoff)
}

/// A JSON pointer fit for output: object keys can themselves be personal data (a map keyed
/// by phone number or e-mail), so a segment holding a long number or an `@` is shown as `*`.
fn masked_pointer(pointer: &str, harmless: &mut dyn FnMut(&str) -> bool) -> String {
    if pointer.split('/').all(&mut *harmless) {
        return pointer.to_string();
    }
    let shown: Vec<&str> = pointer
        .split('/')
        .map(|segment| if harmless(segment) { segment } else { "*" })
        .collect();
    shown.join("/")
}

/// A pointer segment that cannot hold a value: an array index or a short ASCII name
/// (`orders`, `buyer_phone`). Only other segments are checked with the detectors.
fn plain_segment(segment: &str) -> bool {
    segment.len() <= 32
        && !looks_like_value(segment)
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
}

/// Whether a column, table or key name holds personal data: what `looks_like_value` catches,
/// anything a detector finds in it, or a masked value.
fn name_holds_value(detectors: &DetectorSet, name: &str) -> bool {
    if looks_like_value(name) {
        return true;
    }
    let mut hits = Vec::new();
    let mut rejected = vec![0; detectors.detectors().len()];
    let mut scratch = Scratch::default();
    detectors.scan(name, None, &mut scratch, &mut hits, &mut rejected);
    let mut masked = false;
    masked::find_masked(name, ColumnHint::default(), |_| masked = true);
    !hits.is_empty() || masked
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(roots: Vec<PathBuf>) -> ScanConfig {
        ScanConfig {
            roots,
            walk: WalkOptions {
                follow: false,
                respect_ignore: false,
                excludes: Vec::new(),
                max_filesize: u64::MAX,
                threads: 1,
                own_outputs: Vec::new(),
            },
            threads: 1,
            min_confidence: crate::DEFAULT_MIN_CONFIDENCE,
            detectors: DetectorSet::builtin(),
            chunk: source::CHUNK,
            progress: false,
            reveal: false,
            key: Key::per_scan(),
            fingerprints: false,
            policy: Policy::builtin(),
            baseline: None,
            now: SystemTime::now(),
            memory: std::sync::Arc::new(crate::budget::MemoryBudget::new(crate::budget::DEFAULT_LIMIT)),
            isolate_with: None,
        }
    }

    /// The summary of scanning `x.txt`, a file of the walk that `change` alters after the
    /// walk and before it is read.
    fn summary_after(change: impl FnOnce(&std::path::Path)) -> FileSummary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        std::fs::write(&path, "手机 13812345678\n").unwrap();
        let config = config(vec![dir.path().to_path_buf()]);
        let entries = walk::walk(&config.roots, &config.walk).unwrap();
        let [Entry::File(file)] = &entries[..] else {
            panic!("{entries:?}")
        };
        change(&path);
        let mut worker = Worker::new(&config.detectors, &config, None);
        match worker.scan_file(file, None, &mut |_| {}) {
            Outcome::Scanned(summaries) => summaries.into_iter().next().unwrap(),
            Outcome::Reused(_) => panic!("nothing to reuse"),
        }
    }

    fn problems_after(change: impl FnOnce(&std::path::Path)) -> Vec<Problem> {
        summary_after(change).problems
    }

    #[test]
    fn a_file_gone_since_the_walk_is_not_found() {
        let problems = problems_after(|path| std::fs::remove_file(path).unwrap());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ErrorKind::NotFound, "{}", problems[0]);
        assert!(
            problems[0].message.starts_with("cannot open: "),
            "{}",
            problems[0]
        );
    }

    /// H3/E10: a file that grew since the walk is read up to the size the walk saw, and
    /// says so; one that shrank says so too.
    #[test]
    fn a_file_that_changed_size_is_read_as_listed_and_says_so() {
        use std::io::Write;
        let grew = summary_after(|path| {
            let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
            f.write_all("手机 13912345678\n".repeat(1000).as_bytes()).unwrap();
        });
        assert_eq!(
            grew.by_detector.iter().sum::<u64>(),
            1,
            "only what was listed is read"
        );
        assert_eq!(grew.problems.len(), 1, "{:?}", grew.problems);
        assert!(
            grew.problems[0].message.starts_with("grew while being read"),
            "{}",
            grew.problems[0]
        );
        let shrank = summary_after(|path| std::fs::write(path, "x\n").unwrap());
        assert!(
            shrank.problems[0].message.starts_with("shrank"),
            "{:?}",
            shrank.problems
        );
        let same = summary_after(|_| {});
        assert!(same.problems.is_empty(), "{:?}", same.problems);
    }

    /// H1: what is opened is judged, not what the walk saw: a file swapped for a folder, a
    /// FIFO (which would block a plain open forever) or, without --follow, a symbolic link
    /// (to a file outside the tree) is skipped with the reason.
    #[cfg(unix)]
    #[test]
    fn a_file_that_became_a_folder_or_a_fifo_is_skipped() {
        use std::os::unix::ffi::OsStrExt;
        let folder = summary_after(|path| {
            std::fs::remove_file(path).unwrap();
            std::fs::create_dir(path).unwrap();
        });
        let fifo = summary_after(|path| {
            std::fs::remove_file(path).unwrap();
            let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        });
        let link = summary_after(|path| {
            let outside = path.with_extension("outside");
            std::fs::write(&outside, "手机 13912345678\n").unwrap();
            std::fs::remove_file(path).unwrap();
            std::os::unix::fs::symlink(&outside, path).unwrap();
        });
        for summary in [folder, fifo, link] {
            assert!(summary.problems.is_empty(), "{:?}", summary.problems);
            let reason = summary.skipped.expect("skipped");
            assert!(reason.contains("not a regular file any more"), "{reason}");
        }
    }

    /// A sink whose reader has gone away (`--findings - | head`).
    struct GoneReader;

    impl FindingSink for GoneReader {
        fn encoder(&self) -> Option<Box<dyn FindingEncoder>> {
            Some(Box::new(CountingEncoder))
        }
        fn write(&mut self, _: &[u8]) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// One byte per finding.
    struct CountingEncoder;

    impl FindingEncoder for CountingEncoder {
        fn encode(&mut self, _: &str, _: &DetectorSet, batch: &[Found], out: &mut Vec<u8>) {
            out.extend(batch.iter().map(|_| b'.'));
        }
        fn fresh(&self) -> Box<dyn FindingEncoder> {
            Box::new(CountingEncoder)
        }
    }

    #[test]
    fn a_closed_findings_pipe_is_recognised_by_its_io_kind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "手机 13812345678\n").unwrap();
        let e = run(&config(vec![dir.path().to_path_buf()]), &mut GoneReader).unwrap_err();
        assert!(matches!(e, ScanError::Findings(_)), "{e}");
        assert_eq!(
            e.io_error().map(std::io::Error::kind),
            Some(std::io::ErrorKind::BrokenPipe)
        );
        assert!(e.is_broken_pipe());
        // ENOSPC: a full disk is an error, not a reader that stopped.
        assert!(!ScanError::Findings(std::io::Error::from_raw_os_error(28)).is_broken_pipe());
    }
}
