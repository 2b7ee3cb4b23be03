//! Bucket roots in the scan: each root is listed on the writer's thread (`list`: a root that
//! cannot be listed is one error entry), and each object becomes a task of the pool after the
//! files' tasks, named `s3://BUCKET/KEY` and read like a file of the walk
//! (`Worker::scan_object`): its formats, archives, columns and findings are the same.
//!
//! Small objects (`PREFETCH_MAX`) are fetched ahead, many at once, while the workers scan,
//! since each request costs a round trip that a local disk does not; memory for them is
//! bounded (`PREFETCH_BYTES`) and taken in task order, so the object the writer waits for is
//! never starved by ones ahead of it. A bigger object is streamed as it is read, or, for a
//! format that needs to seek (zip, workbooks, SQLite, documents), copied first to a private
//! temporary file that is removed when it has been read.
//!
//! Refresh: an object whose ETag, size and last-modified time are the baseline's is taken
//! over without a request (`ObjectTask::reuse`).

use super::names::{self, NameScan, ObjectName};
use super::refresh::Reuse;
use super::worker::{self, internal_error, Data, FileSummary, Input, Outcome, Worker};
use super::ScanConfig;
use crate::detect::redact::Redactor;
use crate::error::{ErrorKind, Problem};
use crate::inventory::{ErrorEntry, SkippedEntry, SourceEntry};
use crate::source::bucket::{BucketError, Client};
use crate::source::{self, archive, Access, Claim};
use crate::walk::InputFile;
use bytes::Bytes;
use object_store::path::Path as Key;
use std::io::{Read, Seek, Write};
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

/// Objects up to this size are fetched ahead into memory.
const PREFETCH_MAX: u64 = 8 << 20;
/// What objects fetched ahead may hold in memory, all together (in KiB: semaphore permits).
const PREFETCH_BYTES: u64 = 96 << 20;
/// Requests for objects fetched ahead in flight at once.
const PREFETCH_REQUESTS: usize = 16;

/// An object fetched ahead, with the memory it holds (released when dropped).
type Fetched = Result<(Bytes, OwnedSemaphorePermit), object_store::Error>;

/// An object to read.
pub(super) struct ObjectTask {
    /// Index of its root in `ScanConfig::buckets`.
    root: usize,
    key: Key,
    /// What the inventory calls it (`s3://BUCKET/KEY`, masked without `--reveal`).
    pub(super) file: InputFile,
    /// The keyed hash of its ETag and size: refresh's `content_hash`.
    content_hash: Option<String>,
    /// Unchanged since the baseline: its entries there (this index in `files`) hold.
    reuse: Option<usize>,
}

/// The objects of a scan and the client that reads them.
#[derive(Default)]
pub(super) struct Objects {
    client: Option<Client>,
    pub(super) tasks: Vec<ObjectTask>,
    /// Per task: the object fetched ahead, when it is one.
    fetched: Vec<Mutex<Option<oneshot::Receiver<Fetched>>>>,
}

impl Objects {
    pub(super) fn bytes(&self) -> u64 {
        self.tasks
            .iter()
            .filter(|t| t.reuse.is_none())
            .map(|t| t.file.size)
            .sum()
    }
}

/// Lists every bucket root; a root that cannot be listed is an error entry of its own, and
/// the rest are scanned. Also returns each root's `sources` entry, and what the objects'
/// names hold (`names::scan_objects`: suspected ID images become skipped entries).
pub(super) fn list(
    config: &ScanConfig,
    reuse: &Reuse<'_>,
    redactor: &mut Redactor<'_>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
) -> (Objects, Vec<SourceEntry>, NameScan) {
    let mut sources: Vec<SourceEntry> = config
        .buckets
        .iter()
        .map(|root| SourceEntry {
            kind: "s3".to_string(),
            address: shown(config, redactor, &root.address()),
            sample: None,
            tables: None,
            objects: None,
        })
        .collect();
    if config.buckets.is_empty() {
        return (Objects::default(), sources, NameScan::default());
    }
    let client = match Client::new(&config.buckets, &config.s3) {
        Ok(client) => client,
        Err(e) => {
            for source in &sources {
                errors.push(root_error(source, &e));
            }
            return (Objects::default(), sources, NameScan::default());
        }
    };
    let excludes = worker::member_excludes(&config.walk.excludes);
    let mut tasks = Vec::new();
    for (i, root) in config.buckets.iter().enumerate() {
        let listing = match client.list(i, root) {
            Ok(listing) => listing,
            Err(e) => {
                errors.push(root_error(&sources[i], &e));
                continue;
            }
        };
        for (folder, e) in listing.failed {
            errors.push(ErrorEntry {
                store: None,
                path: shown(config, redactor, &root.object_url(&folder)),
                error: format!("cannot list this folder: {}", e.message),
                kind: Some(e.kind),
            });
        }
        sources[i].objects = Some(listing.objects.len() as u64);
        for object in listing.objects {
            let key = object.key.as_ref();
            if excludes
                .as_ref()
                .is_some_and(|ex| ex.matched_path_or_any_parents(key, false).is_ignore())
            {
                continue;
            }
            let file = InputFile {
                path: std::path::PathBuf::new(),
                display: shown(config, redactor, &root.object_url(key)),
                size: object.size,
                modified: Some(object.modified),
                mode: None,
            };
            if object.size > config.walk.max_filesize {
                skipped.push(SkippedEntry {
                    store: None,
                    path: file.display,
                    size: object.size,
                    reason: format!("larger than --max-filesize ({} bytes)", config.walk.max_filesize),
                });
                continue;
            }
            let content_hash = object
                .etag
                .as_ref()
                .filter(|_| config.key.is_stable())
                .map(|etag| {
                    config
                        .key
                        .content_hash(&[b"s3 object", etag.as_bytes(), &object.size.to_le_bytes()])
                });
            tasks.push(ObjectTask {
                root: i,
                key: object.key,
                file,
                content_hash,
                reuse: None,
            });
        }
    }
    // Two objects whose names mask alike stay entries of their own; only then is each
    // matched with the baseline's entry of its own name.
    let mut seen = rustc_hash::FxHashMap::<String, u32>::default();
    for t in &mut tasks {
        let n = seen.entry(t.file.display.clone()).or_default();
        *n += 1;
        if *n > 1 {
            t.file.display = format!("{}~{n}", t.file.display);
        }
        t.reuse = match (reuse.candidate(&t.file), &t.content_hash) {
            (Some((at, old)), Some(new)) if old == new => Some(at),
            _ => None,
        };
    }
    let (named, images) = scan_names(config, &sources, &tasks, redactor);
    for (i, reason) in images.into_iter().rev() {
        let task = tasks.remove(i);
        skipped.push(SkippedEntry {
            store: None,
            path: task.file.display,
            size: task.file.size,
            reason,
        });
    }
    let fetched = fetch_ahead(&client, &tasks);
    let objects = Objects {
        client: Some(client),
        tasks,
        fetched,
    };
    (objects, sources, named)
}

/// The objects' names as data: each key below its root's prefix.
fn scan_names(
    config: &ScanConfig,
    sources: &[SourceEntry],
    tasks: &[ObjectTask],
    redactor: &mut Redactor<'_>,
) -> (NameScan, Vec<(usize, String)>) {
    let names: Vec<ObjectName<'_>> = tasks
        .iter()
        .map(|t| {
            let key = t.key.as_ref();
            let prefix = config.buckets[t.root].prefix.as_str();
            let below = match key.strip_prefix(prefix) {
                _ if prefix.is_empty() => key,
                // The root names this object: its name only, no folders.
                Some("") => key.rsplit('/').next().unwrap_or(key),
                Some(rest) => rest.strip_prefix('/').unwrap_or(key),
                None => key,
            };
            ObjectName {
                root: &sources[t.root].address,
                below,
                display: &t.file.display,
                size: t.file.size,
                modified: t.file.modified,
            }
        })
        .collect();
    names::scan_objects(&names, config, redactor)
}

/// A name as the inventory shows it: values in it masked unless `--reveal`.
fn shown(config: &ScanConfig, redactor: &mut Redactor<'_>, name: &str) -> String {
    match config.reveal {
        true => name.to_string(),
        false => redactor.redact(name).into_owned(),
    }
}

fn root_error(source: &SourceEntry, e: &BucketError) -> ErrorEntry {
    ErrorEntry {
        store: None,
        path: source.address.clone(),
        error: format!("cannot list the bucket: {}", e.message),
        kind: Some(e.kind),
    }
}

/// Starts fetching the small objects that will be read, in task order, and returns where
/// each will arrive.
fn fetch_ahead(client: &Client, tasks: &[ObjectTask]) -> Vec<Mutex<Option<oneshot::Receiver<Fetched>>>> {
    let memory = Arc::new(Semaphore::new((PREFETCH_BYTES >> 10) as usize));
    let requests = Arc::new(Semaphore::new(PREFETCH_REQUESTS));
    let mut slots = Vec::with_capacity(tasks.len());
    let mut jobs = Vec::new();
    for task in tasks {
        if task.reuse.is_some() || task.file.size == 0 || task.file.size > PREFETCH_MAX {
            slots.push(Mutex::new(None));
            continue;
        }
        let (send, receive) = oneshot::channel();
        slots.push(Mutex::new(Some(receive)));
        let kib = (task.file.size >> 10).max(1) as u32;
        jobs.push((client.store(task.root), task.key.clone(), kib, send));
    }
    if jobs.is_empty() {
        return slots;
    }
    client.handle().spawn(async move {
        for (store, key, kib, send) in jobs {
            // Acquired in task order, here and nowhere else: see the module's comment.
            let (Ok(held), Ok(request)) = (
                memory.clone().acquire_many_owned(kib).await,
                requests.clone().acquire_owned().await,
            ) else {
                return;
            };
            tokio::spawn(async move {
                if send.is_closed() {
                    return;
                }
                let got = Client::fetch(store, key).await;
                drop(request);
                let _ = send.send(got.map(|bytes| (bytes, held)));
            });
        }
    });
    slots
}

impl Worker<'_> {
    /// Reads one object of a bucket; an archive yields a summary per member after its own.
    pub(super) fn scan_object(
        &mut self,
        objects: &Objects,
        t: usize,
        send: &mut dyn FnMut(Vec<u8>),
    ) -> Outcome {
        let task = &objects.tasks[t];
        if let Some(at) = task.reuse {
            return Outcome::Reused(at);
        }
        let path: Arc<str> = task.file.display.as_str().into();
        let failed = |problem: Problem| {
            Outcome::Scanned(vec![FileSummary {
                path: path.clone(),
                size: task.file.size,
                modified: task.file.modified,
                problems: vec![problem],
                ..FileSummary::default()
            }])
        };
        let Some(client) = objects.client.as_ref() else {
            return failed(internal_error());
        };
        let ahead = objects.fetched[t]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let budget = archive::Budget::new(worker::MAX_EXPANDED, self.memory);
        let mut out = Vec::new();
        let input = |data| Input {
            path: path.clone(),
            size: task.file.size,
            modified: task.file.modified,
            data,
        };
        match ahead.map(|receive| client.handle().block_on(receive)) {
            // Nothing to fetch: read as the empty file it is.
            None if task.file.size == 0 => {
                let mut body = std::io::empty();
                self.scan_input(input(Data::Stream(&mut body)), 0, &budget, send, &mut out);
            }
            Some(Ok(Ok((bytes, _held)))) => {
                let mut body = std::io::Cursor::new(bytes);
                self.scan_input(input(Data::Stream(&mut body)), 0, &budget, send, &mut out);
            }
            Some(Ok(Err(e))) => return failed(client.error(&e, None).problem()),
            // Not fetched ahead (big), or the fetch was given up: read it now.
            Some(Err(_)) | None => {
                let mut reader = match client.open(task.root, &task.key) {
                    Ok(reader) => reader,
                    Err(e) => return failed(e.problem()),
                };
                let head = match source::read_head(&mut reader) {
                    Ok(head) => head,
                    Err(e) => return failed(Problem::new(ErrorKind::Io, format!("cannot read: {e}"))),
                };
                let seeks = match source::claim(std::path::Path::new(&*path), &head) {
                    Claim::Read(format) => matches!(format.access(), Access::File),
                    _ => false,
                };
                let mut body = std::io::Cursor::new(head).chain(reader);
                if seeks {
                    let spilled = match spill(&mut body, task.file.size) {
                        Ok(spilled) => spilled,
                        Err(e) => return failed(e),
                    };
                    let file = match spilled.reopen() {
                        Ok(file) => file,
                        Err(e) => {
                            return failed(Problem::new(
                                ErrorKind::Io,
                                format!("cannot reopen its temporary copy: {e}"),
                            ))
                        }
                    };
                    self.scan_input(
                        input(Data::File(spilled.path(), file)),
                        0,
                        &budget,
                        send,
                        &mut out,
                    );
                } else {
                    self.scan_input(input(Data::Stream(&mut body)), 0, &budget, send, &mut out);
                }
            }
        }
        if let Some(first) = out.first_mut() {
            first.content_hash = task.content_hash.clone();
        }
        Outcome::Scanned(out)
    }
}

/// Copies an object to a private temporary file (mode 0600, removed when dropped) for a
/// format that seeks; `size` is what the listing said, and the copy stops there.
fn spill(body: &mut dyn Read, size: u64) -> Result<tempfile::NamedTempFile, Problem> {
    let io = |what: &str, e: std::io::Error| Problem::new(ErrorKind::Io, format!("{what}: {e}"));
    let mut copy = tempfile::Builder::new()
        .prefix("pimap-object-")
        .tempfile()
        .map_err(|e| io("cannot make a temporary copy", e))?;
    let copied = std::io::copy(&mut body.take(size), copy.as_file_mut()).map_err(|e| match e.kind() {
        std::io::ErrorKind::Other => Problem::new(ErrorKind::Io, format!("cannot read: {e}")),
        _ => io("cannot write its temporary copy", e),
    })?;
    if copied < size {
        return Err(Problem::new(
            ErrorKind::Truncated,
            format!("ended after {copied} of the {size} bytes listed"),
        ));
    }
    copy.as_file_mut()
        .flush()
        .and_then(|_| copy.as_file_mut().rewind())
        .map_err(|e| io("cannot write its temporary copy", e))?;
    Ok(copy)
}
