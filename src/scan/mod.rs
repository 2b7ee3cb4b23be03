//! The scan: the only module that knows all the others.
//!
//! walk (sorted entries) → the task table (`parts`: each file is a task, a big delimited file
//! one task per part) → a pool of worker threads (`pool`) where a `Worker` keeps its scratch
//! buffers from task to task (`worker`: formats and archives; `record`: detectors over each
//! record; `columns`; `tally`; `values`) → encoded findings batches and file summaries (or a
//! part's tally) → one writer (this thread) that takes tasks in order, so the output is the
//! same for any thread count and part size → inventory entries (`judge::finish`, or
//! `refresh::take_over` for files unchanged since a baseline) → the inventory, judged.

mod columns;
mod dump_plan;
mod joined;
pub(crate) mod judge;
mod live;
pub(crate) mod names;
mod objects;
mod parts;
mod pool;
mod record;
pub(crate) mod refresh;
mod tally;
mod values;
mod worker;

use crate::detect::redact::Redactor;
use crate::detect::DetectorSet;
use crate::finding::{FindingEncoder, FindingSink};
use crate::fingerprint::Key;
use crate::inventory::policy::Policy;
use crate::inventory::{self, ErrorEntry, FileEntry, Inventory, SkippedEntry, ToolInfo};
use crate::progress::Progress;
use crate::shard::Shard;
use crate::walk::{self, Entry, InputFile, WalkOptions};
use parts::{PartOutcome, Task, TaskTable};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};
use worker::{internal_error, FileSummary, Outcome, Worker};

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
    /// Big delimited files are read in parts of about this many bytes side by side (`parts`);
    /// 0 reads every file whole. The output is the same either way.
    pub split: u64,
    /// Which files of the roots are read: all of them, or a part (`--files-from`, `--shard`).
    pub selection: Selection,
    /// `--store NAME=ROOT`: the name of each root (empty: plain roots).
    pub stores: Vec<String>,
    /// Live databases to scan (URL roots), after the folder and file roots.
    pub databases: Vec<crate::source::live_db::Target>,
    /// How their tables are read (`--db-sample`, `--db-timeout`).
    pub db: crate::source::live_db::Settings,
    /// Object storage roots (`s3://BUCKET/PREFIX`), after the folder and file roots.
    pub buckets: Vec<crate::source::bucket::BucketRoot>,
    /// The S3 endpoint, region and credentials (only used with `buckets`).
    pub s3: crate::source::bucket::S3Settings,
}

/// The files a scan reads, when it is one part of a larger scan (`pimap merge` joins the
/// parts). Default: every file under the roots.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--files-from`: only these paths (relative to the one root; a listed folder is read
    /// whole).
    pub listed: Option<Vec<PathBuf>>,
    /// `--shard K/N`: only the files of the walk whose path hashes to shard K.
    pub shard: Option<Shard>,
}

impl Selection {
    /// The inventory will be one part of a merged one.
    pub fn is_part(&self) -> bool {
        self.listed.is_some() || self.shard.is_some()
    }
}

impl ScanConfig {
    /// Whether file entries carry their sketch (the bottom fingerprints that find copies):
    /// with `--fingerprints`, and in a part made with a stable key, so that `pimap merge`
    /// finds copies across parts as one scan finds them.
    pub fn keeps_sketches(&self) -> bool {
        self.fingerprints || (self.selection.is_part() && self.key.is_stable())
    }
}

pub use parts::DEFAULT_PART;

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

/// Runs a scan; findings go to `findings` as they are ready, the inventory is returned.
pub fn run(config: &ScanConfig, findings: &mut dyn FindingSink) -> Result<Inventory, ScanError> {
    let started = Instant::now();
    let scanned_at = inventory::rfc3339(SystemTime::now()).unwrap_or_default();
    let mut entries = match &config.selection.listed {
        Some(listed) => walk::walk_listed(
            &config.roots[0],
            config.stores.first().map(String::as_str),
            listed,
            &config.walk,
        ),
        None => walk::walk(&config.roots, &config.stores, &config.walk),
    }
    .map_err(ScanError::Walk)?;
    let mut redactor = Redactor::new(&config.detectors);
    if !config.reveal {
        mask_names(&mut entries, &mut redactor, !config.stores.is_empty());
    }
    // Names are scanned over the whole walk (a folder is named once whichever part reads
    // its files), and images named as ID documents become skipped entries, never read.
    let mut named = names::scan(&mut entries, config, &mut redactor);
    // After masking: every part masks the whole walk's names alike, and a shard is chosen by
    // the name the inventory shows, so `merge` can check which part holds which file.
    if let Some(shard) = config.selection.shard {
        entries.retain(|e| shard.owns(e.display()));
        named.retain(|path| shard.owns(path));
    }
    write_name_findings(findings, config, &named)?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        match entry {
            Entry::File(f) => files.push(f),
            Entry::Skipped { file, reason } => skipped.push(SkippedEntry {
                store: None,
                path: file.display,
                size: file.size,
                reason,
            }),
            Entry::Error {
                display,
                message,
                kind,
                ..
            } => errors.push(ErrorEntry {
                store: None,
                path: display,
                error: message,
                kind: Some(kind),
            }),
        }
    }
    let detectors = &config.detectors;
    let digest = refresh::tool_digest(config);
    let (reusable, reuse_note) = refresh::reusable_baseline(config, &digest);
    let reuse = refresh::Reuse::new(reusable);
    let (objects, bucket_sources, object_names) =
        objects::list(config, &reuse, &mut redactor, &mut skipped, &mut errors);
    write_name_findings(findings, config, &object_names)?;
    named.merge(object_names);
    let (db_tables, db_sources) = live::list(config, &mut redactor, &mut errors);
    let total_bytes = files.iter().map(|f| f.size).sum::<u64>() + objects.bytes();
    let progress = Progress::new(config.progress, total_bytes);
    let encoder = findings.encoder();
    let pool = pool::thread_pool(config.threads).map_err(ScanError::Threads)?;
    let table = pool.install(|| TaskTable::new(&files, config, &reuse));
    let tasks = FileTasks {
        files: &files,
        table: &table,
        config,
        encoder: &encoder,
        reuse: &reuse,
        objects: &objects,
        db_tables: &db_tables,
    };
    let mut written = InPathOrder {
        sink: &mut *findings,
        files: &files,
        table: &table,
        objects: &objects,
        db_tables: &db_tables,
        open: None,
        config,
        progress: &progress,
        reusable,
        file_entries: Vec::with_capacity(files.len()),
        skipped,
        errors,
        sketches: FxHashMap::default(),
        reused: 0,
    };
    let count = table.tasks.len() + objects.tasks.len() + db_tables.len();
    let pooled = pool::run_in_order(&pool, &tasks, count, &mut written);
    progress.finish();
    let InPathOrder {
        mut file_entries,
        mut skipped,
        mut errors,
        sketches,
        reused,
        ..
    } = written;
    pooled.map_err(ScanError::Findings)?;
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
    let totals = judge::count_totals(&file_entries, skipped.len(), errors.len(), reused, detectors);
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
            .chain(bucket_sources.iter().map(|s| s.address.clone()))
            .chain(db_sources.iter().map(|s| s.address.clone()))
            .collect(),
        tool: ToolInfo {
            name: "pimap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            min_confidence: config.min_confidence,
            detectors: detectors
                .detectors()
                .iter()
                .filter(|d| d.report)
                .map(|d| d.id.clone())
                .collect(),
            detector_digest: digest,
        },
        totals,
        files: file_entries,
        skipped,
        errors,
        key: config.key.info(config.fingerprints),
        policy: config.policy.info(),
        stores: config
            .stores
            .iter()
            .zip(&config.roots)
            .map(|(name, root)| inventory::StoreEntry {
                name: name.clone(),
                root: match config.reveal {
                    true => walk::display_name(root),
                    false => redactor.redact(&walk::display_name(root)).into_owned(),
                },
                ..inventory::StoreEntry::default()
            })
            .collect(),
        part: config.selection.is_part().then(|| inventory::PartInfo {
            shard: config.selection.shard,
            listed: config.selection.listed.as_ref().map(|l| l.len() as u64),
            reveal: config.reveal,
        }),
        names: named.names,
        suspected_id_images: named.images,
        ..Inventory::default()
    };
    inventory.sources = inventory
        .roots
        .iter()
        .take(config.roots.len())
        .map(|root| inventory::SourceEntry {
            kind: "path".to_string(),
            address: root.clone(),
            sample: None,
            tables: None,
            objects: None,
        })
        .chain(bucket_sources)
        .chain(db_sources)
        .collect();
    judge::judge(&mut inventory, &judge::Judges::of(config), &sketches, reusable);
    inventory::lineage::stamp(
        &mut inventory,
        &crate::identity::Ids::of(&config.key),
        config.baseline.as_ref().map(|b| &b.inventory),
    );
    if let Some(baseline) = &config.baseline {
        let mut changes = inventory::changes::compare(&baseline.inventory, &inventory);
        changes.baseline_file = Some(baseline.file.display().to_string());
        changes.reuse_note = reuse_note;
        inventory.changes = Some(changes);
    }
    inventory.totals.elapsed_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    Ok(inventory)
}

/// Writes what the names of files, folders or objects hold to the findings sink.
fn write_name_findings(
    findings: &mut dyn FindingSink,
    config: &ScanConfig,
    named: &names::NameScan,
) -> Result<(), ScanError> {
    if let Some(mut encoder) = findings.encoder() {
        let mut encoded = Vec::new();
        for (path, found) in &named.findings {
            encoder.encode(path, &config.detectors, found, &mut encoded);
        }
        if !encoded.is_empty() {
            findings.write(&encoded).map_err(ScanError::Findings)?;
        }
    }
    Ok(())
}

/// Without `--reveal`, names are masked like values (`detect::redact`). Names that mask
/// alike (`138****5678.txt` from two phone numbers) get `~2`, `~3`... in the order of their
/// real names, so that each stays an entry of its own.
fn mask_names(entries: &mut [Entry], redactor: &mut Redactor, stores: bool) {
    let mut changed = false;
    for entry in entries.iter_mut() {
        let Some(shown) = mask_display(redactor, entry.display(), stores) else {
            continue;
        };
        *entry.display_mut() = shown;
        changed = true;
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

/// A path as shown with the values in it masked; None when it holds none. A store's name
/// (`stores`: the path starts with it) is the user's label, not a name found on the share.
fn mask_display(redactor: &mut Redactor, display: &str, stores: bool) -> Option<String> {
    let (store, name) = match stores.then(|| inventory::stores::split(display)).flatten() {
        Some((store, name)) => (Some(store), name),
        None => (None, display),
    };
    match (redactor.redact(name), store) {
        (Cow::Borrowed(_), _) => None,
        (Cow::Owned(masked), Some(store)) => Some(inventory::stores::join(store, &masked)),
        (Cow::Owned(masked), None) => Some(masked),
    }
}

/// The files of the walk as the pool's tasks (`parts::TaskTable`): a file, or a part of a
/// big one.
struct FileTasks<'a> {
    files: &'a [InputFile],
    table: &'a TaskTable,
    config: &'a ScanConfig,
    /// Each worker encodes with a `fresh` copy of it.
    encoder: &'a Option<Box<dyn FindingEncoder>>,
    reuse: &'a refresh::Reuse<'a>,
    /// Objects of buckets: tasks after the files' (`objects`).
    objects: &'a objects::Objects,
    /// Tables of live databases: tasks after the objects' (`live`).
    db_tables: &'a [live::DbTable],
}

/// What a task number stands for: files' tasks come first, then objects, then tables.
enum TaskKind {
    File(usize),
    Object(usize),
    Table(usize),
}

fn task_kind(task: usize, files: usize, objects: usize) -> TaskKind {
    match task.checked_sub(files) {
        None => TaskKind::File(task),
        Some(o) if o < objects => TaskKind::Object(o),
        Some(o) => TaskKind::Table(o - objects),
    }
}

/// What a task ends with.
enum TaskOutput<'a> {
    File(Outcome),
    Part(Box<PartOutcome<'a>>),
}

impl<'a> pool::Tasks for FileTasks<'a> {
    type State = Worker<'a>;
    type Batch = Vec<u8>;
    type Output = TaskOutput<'a>;

    fn new_state(&self) -> Worker<'a> {
        let encoder = self.encoder.as_ref().map(|e| e.fresh());
        Worker::new(&self.config.detectors, self.config, encoder)
    }

    fn weight(&self, encoded: &Vec<u8>) -> usize {
        encoded.len()
    }

    fn run(&self, worker: &mut Worker<'a>, task: usize, emit: &mut dyn FnMut(Vec<u8>)) -> TaskOutput<'a> {
        match task_kind(task, self.table.tasks.len(), self.objects.tasks.len()) {
            TaskKind::File(_) => {}
            TaskKind::Object(o) => return TaskOutput::File(worker.scan_object(self.objects, o, emit)),
            TaskKind::Table(db) => {
                let summary = worker.scan_table(&self.db_tables[db], self.config, emit);
                return TaskOutput::File(Outcome::Scanned(vec![summary]));
            }
        }
        match self.table.tasks[task] {
            Task::Whole(i) => {
                let file = &self.files[i];
                TaskOutput::File(worker.scan_file(file, self.reuse.candidate(file), emit))
            }
            Task::Part { file, part } => {
                let plan = self.table.plan(file);
                TaskOutput::Part(Box::new(worker.scan_part(&self.files[file], plan, part, emit)))
            }
        }
    }

    fn panicked(&self, task: usize) -> TaskOutput<'a> {
        let other = match task_kind(task, self.table.tasks.len(), self.objects.tasks.len()) {
            TaskKind::File(_) => None,
            TaskKind::Object(o) => Some(&self.objects.tasks[o].file),
            TaskKind::Table(db) => Some(&self.db_tables[db].file),
        };
        if let Some(file) = other {
            return TaskOutput::File(Outcome::Scanned(vec![FileSummary {
                path: file.display.as_str().into(),
                size: file.size,
                problems: vec![internal_error()],
                ..FileSummary::default()
            }]));
        }
        match self.table.tasks[task] {
            Task::Whole(i) => {
                let file = &self.files[i];
                TaskOutput::File(Outcome::Scanned(vec![FileSummary {
                    path: file.display.as_str().into(),
                    size: file.size,
                    problems: vec![internal_error()],
                    ..FileSummary::default()
                }]))
            }
            Task::Part { .. } => TaskOutput::Part(Box::new(PartOutcome::failed(self.config))),
        }
    }
}

/// The writer's side, on this thread: findings go to the sink and files become inventory
/// entries, both in path order.
struct InPathOrder<'a, 's> {
    sink: &'s mut dyn FindingSink,
    files: &'a [InputFile],
    table: &'a TaskTable,
    objects: &'a objects::Objects,
    db_tables: &'a [live::DbTable],
    /// The parts of a big file read so far, merged.
    open: Option<PartOutcome<'a>>,
    config: &'a ScanConfig,
    progress: &'a Progress,
    /// The baseline whose entries unchanged files take over.
    reusable: Option<&'a Inventory>,
    file_entries: Vec<FileEntry>,
    skipped: Vec<SkippedEntry>,
    errors: Vec<ErrorEntry>,
    /// Per file path: distinct values and the sketch, for finding copies.
    sketches: FxHashMap<String, (u64, Vec<u64>)>,
    reused: u64,
}

impl<'a> InPathOrder<'a, '_> {
    fn finish_file(&mut self, file: &InputFile, summaries: Vec<FileSummary>) {
        judge::finish(
            file,
            summaries,
            self.config,
            &mut self.file_entries,
            &mut self.skipped,
            &mut self.errors,
            &mut self.sketches,
        );
    }

    /// Adds part `part` of file `i`; the last one finishes the file.
    fn add_part(&mut self, i: usize, part: usize, outcome: PartOutcome<'a>) {
        let (file, plan) = (&self.files[i], self.table.plan(i));
        self.progress
            .advance(plan.start(part + 1, file.size) - plan.start(part, file.size));
        let merged = match self.open.take() {
            None => outcome,
            Some(mut open) => {
                open.tally.merge(&outcome.tally);
                // Each part of a file that vanished says so: once is enough.
                for problem in outcome.problems {
                    if !open.problems.contains(&problem) {
                        open.problems.push(problem);
                    }
                }
                open.lossy |= outcome.lossy;
                open.changed = outcome.changed;
                open
            }
        };
        if part + 1 < plan.parts() {
            self.open = Some(merged);
            return;
        }
        let mut summary = FileSummary {
            path: file.display.as_str().into(),
            size: file.size,
            modified: file.modified,
            format: Some(plan.format().name()),
            encoding: Some(plan.encoding()),
            content_hash: plan.content_hash.clone(),
            problems: merged.problems,
            ..FileSummary::default()
        };
        // In the order a whole read gives them.
        if merged.lossy {
            summary.problems.push(worker::lossy_problem());
        }
        summary.problems.extend(merged.changed);
        merged.tally.summarize(&mut summary, self.config.fingerprints);
        self.finish_file(file, vec![summary]);
    }
}

impl<'a> pool::InOrder<Vec<u8>, TaskOutput<'a>> for InPathOrder<'a, '_> {
    fn write(&mut self, _: usize, encoded: Vec<u8>) -> std::io::Result<()> {
        self.sink.write(&encoded)
    }

    fn finish(&mut self, task: usize, output: TaskOutput<'a>) {
        let file = match task_kind(task, self.table.tasks.len(), self.objects.tasks.len()) {
            TaskKind::Table(db) => {
                if let TaskOutput::File(Outcome::Scanned(summaries)) = output {
                    self.finish_file(&self.db_tables[db].file, summaries);
                }
                return;
            }
            TaskKind::Object(o) => &self.objects.tasks[o].file,
            TaskKind::File(task) => match (self.table.tasks[task], &output) {
                (Task::Part { file, part }, TaskOutput::Part(_)) => {
                    let TaskOutput::Part(outcome) = output else {
                        unreachable!("matched above")
                    };
                    return self.add_part(file, part, *outcome);
                }
                (Task::Whole(i), TaskOutput::File(_)) => &self.files[i],
                _ => unreachable!("a task's output is of its kind"),
            },
        };
        let TaskOutput::File(outcome) = output else {
            unreachable!("a task's output is of its kind")
        };
        self.progress.advance(file.size);
        match outcome {
            Outcome::Scanned(summaries) => self.finish_file(file, summaries),
            Outcome::Reused(b) => {
                self.reused += 1;
                refresh::take_over(
                    file,
                    (self.reusable.expect("reuse needs a baseline"), b),
                    &mut self.file_entries,
                    &mut self.skipped,
                    &mut self.errors,
                    &mut self.sketches,
                    refresh::Kept {
                        fingerprints: self.config.fingerprints,
                        sketches: self.config.keeps_sketches(),
                    },
                );
            }
        }
    }
}

/// What a worker makes of the only file under `config`'s roots (tests): `before_read` runs
/// on its path between the walk and the read.
#[cfg(test)]
fn scan_only_file(config: &ScanConfig, before_read: impl FnOnce(&std::path::Path)) -> Vec<FileSummary> {
    let entries = walk::walk(&config.roots, &config.stores, &config.walk).unwrap();
    let [Entry::File(file)] = &entries[..] else {
        panic!("{entries:?}")
    };
    before_read(&file.path);
    let mut worker = Worker::new(&config.detectors, config, None);
    match worker.scan_file(file, None, &mut |_| {}) {
        Outcome::Scanned(summaries) => summaries,
        Outcome::Reused(_) => panic!("nothing to reuse"),
    }
}

/// A scan's settings for tests: one thread, built-in detectors and policy, a per-scan key.
#[cfg(test)]
pub(super) fn test_config(roots: Vec<PathBuf>) -> ScanConfig {
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
        chunk: crate::source::CHUNK,
        progress: false,
        reveal: false,
        key: Key::per_scan(),
        fingerprints: false,
        policy: Policy::builtin(),
        baseline: None,
        now: SystemTime::now(),
        memory: std::sync::Arc::new(crate::budget::MemoryBudget::new(crate::budget::DEFAULT_LIMIT)),
        isolate_with: None,
        split: DEFAULT_PART,
        selection: Selection::default(),
        stores: Vec::new(),
        databases: Vec::new(),
        db: crate::source::live_db::Settings::default(),
        buckets: Vec::new(),
        s3: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Found;

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
        let e = run(&test_config(vec![dir.path().to_path_buf()]), &mut GoneReader).unwrap_err();
        assert!(matches!(e, ScanError::Findings(_)), "{e}");
        assert_eq!(
            e.io_error().map(std::io::Error::kind),
            Some(std::io::ErrorKind::BrokenPipe)
        );
        assert!(e.is_broken_pipe());
        // ENOSPC: a full disk is an error, not a reader that stopped.
        assert!(!ScanError::Findings(std::io::Error::from_raw_os_error(28)).is_broken_pipe());
    }

    /// Names that mask alike stay entries of their own (`~2`), in the order of their names.
    #[test]
    fn names_that_mask_alike_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        // A mobile number shows its first three and last four digits: these two mask alike.
        for name in ["13812345678.txt", "13800005678.txt", "plain.txt"] {
            std::fs::write(dir.path().join(name), "x\n").unwrap();
        }
        let inventory = run(&test_config(vec![dir.path().to_path_buf()]), &mut NoFindings).unwrap();
        let paths: Vec<&str> = inventory.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths.len(), 3, "{paths:?}");
        assert!(
            paths
                .iter()
                .all(|p| !p.contains("12345678") && !p.contains("00005678")),
            "{paths:?}"
        );
        assert_eq!(paths.iter().filter(|p| p.ends_with("~2")).count(), 1, "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with("plain.txt")), "{paths:?}");
    }

    /// Only the inventory is wanted.
    struct NoFindings;

    impl FindingSink for NoFindings {
        fn encoder(&self) -> Option<Box<dyn FindingEncoder>> {
            None
        }
        fn write(&mut self, _: &[u8]) -> std::io::Result<()> {
            unreachable!("no encoder, no findings")
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
