//! Per-file dispatch: a `Worker` (one per thread, reused across files) opens a file of the
//! walk, tells its format, reads it with the right reader and recurses into archives; each
//! record read goes to `record`, and the counts end up in a `FileSummary` per input.

use super::joined::JoinedAddress;
use super::tally::Tally;
use super::values::{masked_detectors, minor_cutoff};
use super::ScanConfig;
use crate::budget::MemoryBudget;
use crate::detect::date;
use crate::detect::redact::Redactor;
use crate::detect::{DetectorSet, Hit, Scratch};
use crate::error::{ErrorKind, Problem};
use crate::finding::{FindingEncoder, Found};
use crate::fingerprint::Key;
use crate::inventory::{self, ColumnEntry, FingerprintSet};
use crate::source::{
    self, archive, registry, sheet, sqlite, Access, ArchiveKind, Claim, Format, Record, SourceError,
};
use crate::walk::InputFile;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::{Read, Seek};
use std::sync::Arc;
use std::time::SystemTime;

/// What a worker says about a finished input (a file, or a member of an archive).
#[derive(Debug, Default)]
pub(super) struct FileSummary {
    pub(super) path: Arc<str>,
    pub(super) size: u64,
    pub(super) modified: Option<SystemTime>,
    /// An archive: its members follow as their own summaries.
    pub(super) container: bool,
    pub(super) format: Option<&'static str>,
    pub(super) encoding: Option<&'static str>,
    pub(super) skipped: Option<String>,
    /// Why it could not be read, or only in part; the first problem gives the entry's kind.
    pub(super) problems: Vec<Problem>,
    pub(super) by_detector: Vec<u64>,
    pub(super) columns: Vec<ColumnEntry>,
    /// Per detector: distinct values, and whether some count is an estimate.
    pub(super) distinct: Vec<u64>,
    pub(super) distinct_estimated: bool,
    pub(super) masked: Vec<u64>,
    pub(super) minors: u64,
    /// Newest date in the input's date columns, in days since the Unix epoch.
    pub(super) newest_day: Option<i64>,
    /// The smallest fingerprints of the input's values (for finding copies).
    pub(super) sketch: Vec<u64>,
    pub(super) fingerprints: Vec<FingerprintSet>,
    /// Keyed hash of the file's samples (top-level files, stable key only).
    pub(super) content_hash: Option<String>,
    /// An archive: members counted instead of listed (see `MAX_LISTED_MEMBERS`).
    pub(super) unlisted: inventory::UnlistedMembers,
}

/// What a worker made of one file of the walk.
pub(super) enum Outcome {
    /// Read: a summary for the file, then one per archive member.
    Scanned(Vec<FileSummary>),
    /// Unchanged since the baseline: its entries there (this index in `files`) still hold.
    Reused(usize),
}

/// A worker: everything one thread needs to scan files, reused across files.
pub(super) struct Worker<'a> {
    pub(super) detectors: &'a DetectorSet,
    /// The scan's memory budget, shared with the other workers.
    pub(super) memory: &'a MemoryBudget,
    /// Whether the walk follows symbolic links: if not, a file swapped for one after the
    /// walk is not opened.
    pub(super) follow_links: bool,
    /// None when nobody wants the findings themselves (only the inventory).
    pub(super) encoder: Option<Box<dyn FindingEncoder>>,
    pub(super) min_confidence: f32,
    pub(super) chunk: usize,
    pub(super) scratch: Scratch,
    pub(super) hits: Vec<Hit>,
    pub(super) rejected: Vec<u32>,
    // Per-file state.
    pub(super) found: Vec<Found>,
    pub(super) found_column: Vec<u32>,
    /// Indices into `found`, ascending, of the unjudged findings that count only if their
    /// column supports them (`Hit::awaits_column`).
    pub(super) found_awaiting: Vec<usize>,
    /// Findings at the start of `found` already judged by the column rule (`judge`);
    /// `found_column` holds the columns of the rest.
    pub(super) judged: usize,
    /// What the input adds up to.
    pub(super) tally: Tally<'a>,
    /// The look-alike rule's window of rows the last record was in, and its table (None in
    /// a delimited file).
    pub(super) window: u64,
    pub(super) window_table: Option<Box<str>>,
    pub(super) key: Key,
    pub(super) keep_fingerprints: bool,
    /// The last pointer's parent, raw and as shown (see `shown_pointer`).
    pub(super) parent_pointer: (String, String),
    /// Pointer segments already checked for values (true: holds one), for this input.
    pub(super) segment_verdicts: FxHashMap<Box<str>, bool>,
    /// The detector a masked value of each kind is counted for (by `MaskedKind as usize`).
    pub(super) masked_detector: [Option<usize>; crate::detect::masked::KINDS],
    /// Days since the Unix epoch: the scan's today, and the latest birth date of a person who
    /// is 14 or older.
    pub(super) today: i64,
    pub(super) minor_cutoff: i64,
    /// Masks values in archive member names (None with `--reveal`).
    pub(super) names: Option<Redactor<'a>>,
    /// `--exclude` applied to member paths inside archives.
    pub(super) member_excludes: Option<ignore::gitignore::Gitignore>,
    /// Reads workbooks (in a child process under limits when the config names one).
    pub(super) sheets: sheet::SheetReader,
    /// The address fields of the record being read.
    pub(super) joined: JoinedAddress,
    /// Open sessions to the scan's live databases (by index in `ScanConfig::databases`),
    /// kept from one table to the next.
    pub(super) databases: Vec<Option<crate::source::live_db::Conn>>,
}

/// `--exclude` globs as a matcher for paths inside archives (`dir/x.bak` of `a.zip`); the
/// walk applies the same globs to files on disk.
pub(super) fn member_excludes(globs: &[String]) -> Option<ignore::gitignore::Gitignore> {
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

/// An input to scan: a file of the walk, a bucket's object or a member of an archive.
pub(super) struct Input<'a> {
    pub(super) path: Arc<str>,
    pub(super) size: u64,
    pub(super) modified: Option<SystemTime>,
    pub(super) data: Data<'a>,
}

pub(super) enum Data<'a> {
    File(&'a std::path::Path, std::fs::File),
    Stream(&'a mut dyn Read),
}

/// The open input while it is read.
pub(super) enum Reader<'a> {
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
pub(super) fn changed_while_read(file: &std::fs::File, listed: u64) -> Option<Problem> {
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

/// The keyed hash of a file of the walk's samples and size, which tells whether a baseline
/// entry still holds; None when the key is not stable (the hash means something only across
/// scans under one key) or the samples cannot be read.
pub(super) fn content_hash(key: &Key, file: &std::fs::File, size: u64) -> Option<String> {
    if !key.is_stable() {
        return None;
    }
    let samples = source::read_samples(file, size).ok()?;
    Some(key.content_hash(&[&size.to_le_bytes(), &samples]))
}

/// The problem of an input with bytes not valid in its encoding.
pub(super) fn lossy_problem() -> Problem {
    Problem::new(
        ErrorKind::Encoding,
        "some bytes are not valid in the detected encoding (replaced)",
    )
}

/// The error recorded for a panic. The panic's own message is not used: it may quote the
/// text being scanned (personal data), and this text goes into the inventory.
pub(super) fn internal_error() -> Problem {
    Problem::new(
        ErrorKind::Internal,
        "internal error while scanning (a bug, please report it); the rest of this input was not scanned",
    )
}

/// Bytes all members of one top-level archive may expand to (decompression-bomb guard).
pub(super) const MAX_EXPANDED: u64 = 16 << 30;

/// Members of one archive listed one by one before members with nothing to report are
/// only counted (`FileEntry::unlisted_members`).
pub(super) const MAX_LISTED_MEMBERS: usize = 10_000;

/// A member summary that says nothing a count would not: read with no finding and no
/// problem, or skipped.
pub(super) fn nothing_to_report(s: &FileSummary) -> bool {
    s.problems.is_empty()
        && !s.container
        && s.by_detector.iter().all(|&n| n == 0)
        && s.masked.iter().all(|&n| n == 0)
}

/// Archives inside archives are opened this deep.
pub(super) const MAX_ARCHIVE_DEPTH: usize = 3;

/// Largest member read into memory (formats that need random access inside archives).
pub(super) const MAX_IN_MEMORY: u64 = 1 << 30;

impl<'a> Worker<'a> {
    pub(super) fn new(
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
            found_awaiting: Vec::new(),
            judged: 0,
            tally: Tally::new(detectors),
            window: 0,
            window_table: None,
            key: config.key.clone(),
            keep_fingerprints: config.fingerprints,
            segment_verdicts: FxHashMap::default(),
            parent_pointer: (String::new(), String::new()),
            joined: JoinedAddress::default(),
            masked_detector: masked_detectors(detectors),
            today: date::days_of(config.now),
            minor_cutoff: minor_cutoff(config.now),
            names: (!config.reveal).then(|| Redactor::new(detectors)),
            member_excludes: member_excludes(&config.walk.excludes),
            sheets: sheet::SheetReader::new(config.isolate_with.as_deref(), config.memory.clone()),
            databases: Vec::new(),
        }
    }

    /// Scans one file of the walk; an archive yields a summary per member after its own.
    /// `reuse`: the baseline entry that may still hold, and its content hash.
    pub(super) fn scan_file(
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
        let content_hash = content_hash(&self.key, &handle, file.size);
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
    pub(super) fn scan_input(
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
                (input.size, input.modified),
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
            match (format.access(), disk_path, &mut data) {
                // A file of the walk is read up to the size the walk saw: one growing faster
                // than it is read (a live log) would never end (hostile H3).
                (Access::TextStream(read), Some(_), data) => {
                    let rest = input.size.saturating_sub(head.len() as u64);
                    let mut bounded = data.as_read().take(rest);
                    registry::read_stream(read, head, &mut bounded, input.size, chunk, memory, &mut emit)
                }
                (Access::TextStream(read), None, data) => {
                    registry::read_stream(read, head, data.as_read(), input.size, chunk, memory, &mut emit)
                }
                // These readers take different things (a path, a workbook kind), hence one
                // arm each.
                (Access::File, Some(path), Reader::File(file)) => match format {
                    Format::Sqlite => {
                        sqlite::read_path(path, input.size, memory, &mut emit).map_err(SourceError::from)
                    }
                    Format::Sheet(kind) => sheets.read_file(file, kind, &mut emit).map_err(SourceError::from),
                    Format::Document(kind) => {
                        source::document::read_file(kind, file, input.size, MAX_IN_MEMORY, memory, &mut emit)
                    }
                    f => Err(SourceError::Misrouted(f.name())),
                },
                (Access::File, _, data) => match format {
                    Format::Sqlite => {
                        let mut held = budget.memory().start("a SQLite file inside an archive");
                        source::read_all(head, data.as_read(), MAX_IN_MEMORY, input.size, &mut held)
                            .and_then(|b| Ok(sqlite::read_bytes(b, memory, &mut emit)?))
                    }
                    Format::Sheet(kind) => {
                        sheets.read_stream(head, data.as_read(), MAX_IN_MEMORY, kind, &mut emit)
                    }
                    Format::Document(kind) => source::document::read_stream(
                        kind,
                        head,
                        data.as_read(),
                        input.size,
                        MAX_IN_MEMORY,
                        memory,
                        &mut emit,
                    ),
                    f => Err(SourceError::Misrouted(f.name())),
                },
                (Access::ByteStream, _, _) => Err(SourceError::Misrouted(format.name())),
            }
        }));
        self.finish_input(&path, send);
        match read {
            Ok(Ok(facts)) => {
                summary.encoding = facts.encoding;
                summary.problems.extend(facts.warnings);
                summary.skipped = facts.skipped.map(String::from);
                if facts.lossy {
                    summary.problems.push(lossy_problem());
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
        self.tally.summarize(&mut summary, self.keep_fingerprints);
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
        (size, modified): (u64, Option<SystemTime>),
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
        let done = match (Format::Archive(kind).access(), &mut data) {
            (Access::File, Reader::File(file)) => {
                file.rewind()?;
                archive::for_each_member_seekable(kind, file, budget, &mut visit)
            }
            (Access::File, data) => {
                let mut held = budget.memory().start("a zip archive inside an archive");
                let bytes = source::read_all(head, data.as_read(), MAX_IN_MEMORY, size, &mut held)?;
                archive::for_each_member_seekable(kind, &mut std::io::Cursor::new(bytes), budget, &mut visit)
            }
            (Access::ByteStream | Access::TextStream(_), data) => {
                let mut stream = std::io::Cursor::new(head).chain(data.as_read());
                archive::for_each_member_stream(kind, path, &mut stream, budget, &mut visit)
            }
        };
        Ok(done?)
    }

    /// Clears the per-input state.
    pub(super) fn reset(&mut self) {
        self.found.clear();
        self.found_column.clear();
        self.found_awaiting.clear();
        self.judged = 0;
        // Left zeroed after each use, unless a detector panicked halfway through.
        self.rejected.iter_mut().for_each(|n| *n = 0);
        self.tally.clear();
        self.window = 0;
        self.window_table = None;
        self.segment_verdicts.clear();
        self.parent_pointer = (String::new(), String::new());
        self.joined.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_only_file, test_config};

    /// The summary of scanning `x.txt`, a file of the walk that `change` alters after the
    /// walk and before it is read.
    fn summary_after(change: impl FnOnce(&std::path::Path)) -> FileSummary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        std::fs::write(&path, "手机 13812345678\n").unwrap();
        let config = test_config(vec![dir.path().to_path_buf()]);
        scan_only_file(&config, change).into_iter().next().unwrap()
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

    /// An archive's members follow its own summary, named `archive!member`.
    #[test]
    fn archive_members_follow_the_archive() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("a.zip");
        let mut zip = ::zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        zip.start_file("in.txt", ::zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all("手机 13812345678\n".as_bytes()).unwrap();
        zip.finish().unwrap();
        let config = test_config(vec![dir.path().to_path_buf()]);
        let summaries = scan_only_file(&config, |_| {});
        assert_eq!(summaries.len(), 2);
        assert!(summaries[0].container);
        assert!(
            summaries[1].path.ends_with("a.zip!in.txt"),
            "{}",
            summaries[1].path
        );
        assert_eq!(summaries[1].by_detector.iter().sum::<u64>(), 1);
    }
}
