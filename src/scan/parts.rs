//! Big files read in parts side by side.
//!
//! Each big delimited file or SQL dump (two parts' worth or more; with more than one thread)
//! is read in parts that start where a window of the look-alike rule starts
//! (`columns::WINDOW_ROWS`), so that every window is read by one part:
//! - a delimited file is planned before the pool starts: its layout (delimiter, encoding,
//!   header) and the record starts where it can be cut (`source::split`, one SIMD pass per
//!   byte at several GB/s, in parallel over pieces), moved to window boundaries;
//! - a dump gets a part per `--split-size` bytes, and a planner thread walks it (the SQL
//!   walker, ~0.5 GB/s) while the parts are read, publishing the rows where a window of their
//!   table starts, with the walker's state there (`dump_plan`, `source::sql::plan`).
//!
//! Each part is then a task of its own, read by `Worker::scan_part` into a tally of its own;
//! the writer merges the parts' tallies in order and finishes the file at its last part. The
//! result is what one reader from the start gives, for any part size and thread count. A file
//! that cannot be cut (a quote the split cannot follow, UTF-16, a dump not in plain UTF-8, a
//! baseline entry that may still hold) is one task, read whole. Planning reads a file once
//! more: I/O twice for a file larger than the page cache.

use super::columns::WINDOW_ROWS;
use super::dump_plan::{DumpCuts, DumpJob, Planner};
use super::refresh::Reuse;
use super::tally::Tally;
use super::worker::{changed_while_read, content_hash, internal_error, Worker};
use super::ScanConfig;
use crate::error::{ErrorKind, Problem};
use crate::source::delimited::{self, Layout};
use crate::source::split::{Cut, Section};
use crate::source::sql;
use crate::source::{self, Claim, FileFacts, Format, Record, SourceError, TextReader};
use crate::walk::InputFile;
use rayon::prelude::*;
use std::sync::Arc;

/// Default size of a part (`--split-size`): big enough that the per-part costs (a plan
/// entry, a tally merged by the writer) vanish, small enough that two cores share a file of
/// a few hundred megabytes evenly, and that a part ahead of the writer rarely fills the
/// pool's `MAX_HELD` with its findings (a dense dump gives 6 bytes of findings per byte):
/// 200 MB of CSV at -j2 took 2.09 s with 8 MiB parts, 2.64 s with 32 MiB ones; 200 MB of
/// dump 3.20 s against 4.52 s.
pub const DEFAULT_PART: u64 = 8 << 20;

/// A big file planned into parts.
pub(super) struct PartPlan {
    pub(super) cuts: PartCuts,
    /// The file's content hash, taken while planning (see `Worker::scan_file`).
    pub(super) content_hash: Option<String>,
    /// A dump's job for the planner thread, until it starts.
    dump: Option<DumpJob>,
}

/// Where each part starts; part `k` ends where part `k + 1` starts, the last at the file's
/// size.
pub(super) enum PartCuts {
    Delimited {
        layout: Layout,
        cuts: Vec<Cut>,
    },
    /// Found while the parts are read (`dump_plan`).
    Sql(Arc<DumpCuts>),
}

impl PartPlan {
    pub(super) fn parts(&self) -> usize {
        match &self.cuts {
            PartCuts::Delimited { cuts, .. } => cuts.len(),
            PartCuts::Sql(cuts) => cuts.parts(),
        }
    }

    /// Where part `part` starts: where the part before ends (the file's size past the last
    /// part). For a dump, known once the part before has its bounds.
    pub(super) fn start(&self, part: usize, size: u64) -> u64 {
        match &self.cuts {
            PartCuts::Delimited { cuts, .. } => cuts.get(part).map_or(size, |c| c.offset),
            PartCuts::Sql(_) if part == 0 => 0,
            PartCuts::Sql(cuts) => cuts.bounds(part - 1).1.map_or(size, |c| c.offset),
        }
    }

    pub(super) fn format(&self) -> Format {
        match self.cuts {
            PartCuts::Delimited { .. } => Format::Delimited,
            PartCuts::Sql(_) => Format::SqlDump,
        }
    }

    /// The encoding as a whole read names it.
    pub(super) fn encoding(&self) -> &'static str {
        match &self.cuts {
            PartCuts::Delimited { layout, .. } => layout.encoding_name,
            PartCuts::Sql(_) => "UTF-8",
        }
    }
}

/// What the pool runs: a whole file of the walk, or one part of a big one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    Whole(usize),
    Part { file: usize, part: usize },
}

/// The tasks of a scan, in the order their output is written: the files in path order, a
/// big file's parts one after the other.
pub(super) struct TaskTable {
    pub(super) tasks: Vec<Task>,
    /// By file index: the plan of a file read in parts.
    pub(super) plans: Vec<Option<PartPlan>>,
    /// Finds the cuts of big dumps while their parts are read; stopped when the table goes.
    _planner: Option<Planner>,
}

impl TaskTable {
    /// Plans the big files among `files` (run inside the scan's thread pool: planning is
    /// parallel over a file's pieces). One thread gains nothing from parts and would pay for
    /// the planning read: it reads every file whole, with the same output.
    pub(super) fn new(files: &[InputFile], config: &ScanConfig, reuse: &Reuse<'_>) -> Self {
        let threads = rayon::current_num_threads();
        // Side by side: a CSV's planning, and a dump's set-up for the planner thread.
        let mut plans: Vec<Option<PartPlan>> = files
            .par_iter()
            .map(|file| {
                let big = config.split > 0 && threads > 1 && file.size / 2 >= config.split;
                // A planning bug on a hostile file costs the speed-up, not the scan: the file
                // is read whole, by the reader that reports what is wrong with it.
                let plan = || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan_file(file, config, reuse)))
                        .ok()
                        .flatten()
                };
                big.then(plan).flatten()
            })
            .collect();
        let mut tasks = Vec::with_capacity(files.len());
        let mut dumps = Vec::new();
        for (i, plan) in plans.iter_mut().enumerate() {
            match plan {
                Some(plan) => {
                    tasks.extend((0..plan.parts()).map(|part| Task::Part { file: i, part }));
                    dumps.extend(plan.dump.take());
                }
                None => tasks.push(Task::Whole(i)),
            }
        }
        let planner = (!dumps.is_empty()).then(|| Planner::start(dumps, config.chunk, config.walk.follow));
        TaskTable {
            tasks,
            plans,
            _planner: planner,
        }
    }

    /// The plan of the file of a part task.
    pub(super) fn plan(&self, file: usize) -> &PartPlan {
        self.plans[file].as_ref().expect("a part task's file has a plan")
    }
}

/// The plan of a big file, or None to read it whole (it is no delimited file or dump, it
/// cannot be cut, or it may be reused from the baseline). Errors are left to the whole read,
/// which reports them.
fn plan_file(file: &InputFile, config: &ScanConfig, reuse: &Reuse<'_>) -> Option<PartPlan> {
    let handle = source::open_regular(&file.path, config.walk.follow).ok()??;
    let content_hash = content_hash(&config.key, &handle, file.size);
    if reuse
        .candidate(file)
        .is_some_and(|(_, old)| content_hash.as_deref() == Some(old))
    {
        return None;
    }
    let mut reader = std::io::Read::take(&handle, file.size);
    let head = source::read_head(&mut reader).ok()?;
    let name = std::path::Path::new(&file.display);
    let mut dump = None;
    let cuts = match source::claim(name, &head) {
        Claim::Read(Format::Delimited) => {
            let layout = delimited::layout(&head, reader, file.size, config.chunk).ok()??;
            let cuts = layout
                .plan(&handle, file.size, config.split, WINDOW_ROWS)
                .ok()?
                .ok()?;
            PartCuts::Delimited { layout, cuts }
        }
        Claim::Read(Format::SqlDump) => {
            // Cuts are offsets in the file: only a dump in plain UTF-8 (no BOM) is split.
            if TextReader::new(head, std::io::empty(), 4096, 0).encoding() != "UTF-8" {
                return None;
            }
            let job = DumpJob::new(file.path.clone(), file.size, config.split);
            let cuts = PartCuts::Sql(job.cuts.clone());
            dump = Some(job);
            cuts
        }
        _ => return None,
    };
    let plan = PartPlan {
        cuts,
        content_hash,
        dump,
    };
    (plan.parts() > 1).then_some(plan)
}

/// What a worker made of one part of a big file.
pub(super) struct PartOutcome<'a> {
    pub(super) tally: Tally<'a>,
    pub(super) problems: Vec<Problem>,
    /// Some bytes were not valid in the file's encoding.
    pub(super) lossy: bool,
    /// The last part: the file's size is not the one listed any more.
    pub(super) changed: Option<Problem>,
}

impl<'a> PartOutcome<'a> {
    /// The outcome of a part whose reading panicked: a bug costs the part.
    pub(super) fn failed(config: &'a ScanConfig) -> Self {
        PartOutcome {
            tally: Tally::new(&config.detectors),
            problems: vec![internal_error()],
            lossy: false,
            changed: None,
        }
    }
}

impl<'a> Worker<'a> {
    /// Scans part `part` of `file` as planned by `plan`; findings go to `send` in row order.
    pub(super) fn scan_part(
        &mut self,
        file: &InputFile,
        plan: &PartPlan,
        part: usize,
        send: &mut dyn FnMut(Vec<u8>),
    ) -> PartOutcome<'a> {
        let (start, end) = (plan.start(part, file.size), plan.start(part + 1, file.size));
        let last = part + 1 == plan.parts();
        let mut problems = Vec::new();
        let mut lossy = false;
        let mut changed = None;
        self.reset();
        let path: Arc<str> = file.display.as_str().into();
        match source::open_regular(&file.path, self.follow_links) {
            Ok(Some(handle)) => {
                let (size, chunk) = (file.size, self.chunk);
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut emit = |record: Record<'_>| self.on_record(record, &path, send);
                    read_part(&handle, size, &plan.cuts, part, chunk, &mut emit)
                }));
                self.finish_input(&path, send);
                match read {
                    Ok(Ok((facts, met))) => {
                        problems.extend(facts.warnings);
                        lossy = facts.lossy;
                        // The parts meet where the plan says: else the file changed under
                        // the reader, or the plan is wrong; either way the figures are off.
                        if !met {
                            problems.push(Problem::new(
                                ErrorKind::Io,
                                format!(
                                    "part {} of {} (bytes {start}-{end}) did not end where planned (the file changed while read?): its row numbers may be off",
                                    part + 1,
                                    plan.parts()
                                ),
                            ));
                        }
                    }
                    Ok(Err(e)) => problems.push(Problem::of(&e)),
                    Err(_) => problems.push(internal_error()),
                }
                if last {
                    changed = changed_while_read(&handle, file.size);
                }
            }
            Ok(None) => problems.push(Problem::of(&SourceError::Read(std::io::Error::other(
                "not a regular file any more",
            )))),
            Err(e) => problems.push(Problem::new(ErrorKind::of_io(&e), format!("cannot open: {e}"))),
        }
        let tally = std::mem::replace(&mut self.tally, Tally::new(self.detectors));
        PartOutcome {
            tally,
            problems,
            lossy,
            changed,
        }
    }
}

/// Reads part `part` of the file in `handle` (`size` bytes) as `cuts` say: its facts, and
/// whether it ended where the next part starts, as planned.
fn read_part(
    handle: &std::fs::File,
    size: u64,
    cuts: &PartCuts,
    part: usize,
    chunk: usize,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(FileFacts, bool), SourceError> {
    match cuts {
        PartCuts::Delimited { layout, cuts } => {
            let (cut, next) = (&cuts[part], cuts.get(part + 1));
            let end = next.map_or(size, |c| c.offset);
            let section = Section::new(handle, cut.offset, end);
            let read = delimited::read_part(section, end - cut.offset, cut, layout, chunk, emit)?;
            let met = next.is_none_or(|n| !read.ended_inside && cut.rows_before + read.rows == n.rows_before);
            Ok((read.facts, met))
        }
        PartCuts::Sql(cuts) => {
            let (Some(cut), next) = cuts.bounds(part) else {
                // Past the last cut found: the part before read to the end.
                return Ok((FileFacts::default(), true));
            };
            let read = sql::read_part(handle, size, &cut, next.as_deref(), chunk, emit)?;
            Ok((read.facts, read.met))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::test_config;
    use crate::walk::{self, Entry};
    use std::fmt::Write as _;

    /// The files under the config's roots, as the walk lists them.
    fn walked_files(config: &ScanConfig) -> Vec<InputFile> {
        walk::walk(&config.roots, &config.stores, &config.walk)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e {
                Entry::File(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// The task table of `files`, planned in a pool of `threads` threads.
    fn task_table(threads: usize, files: &[InputFile], config: &ScanConfig) -> TaskTable {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| TaskTable::new(files, config, &Reuse::new(None)))
    }

    #[test]
    fn a_big_csv_is_planned_into_parts_at_window_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("手机号,备注\n");
        for i in 0..20_000 {
            writeln!(csv, "1380000{i:04},第{i}行").unwrap();
        }
        std::fs::write(dir.path().join("big.csv"), &csv).unwrap();
        std::fs::write(dir.path().join("small.csv"), "手机号\n13800000000\n").unwrap();
        let mut config = test_config(vec![dir.path().to_path_buf()]);
        config.split = 32 << 10;
        let files = walked_files(&config);
        let table = task_table(2, &files, &config);
        let big = files.iter().position(|f| f.display.ends_with("big.csv")).unwrap();
        let small = files
            .iter()
            .position(|f| f.display.ends_with("small.csv"))
            .unwrap();
        let parts: Vec<usize> = table
            .tasks
            .iter()
            .filter_map(|t| match *t {
                Task::Part { file, part } if file == big => Some(part),
                _ => None,
            })
            .collect();
        assert_eq!(
            parts,
            [0, 1, 2, 3, 4],
            "cut at rows 4,096, 8,192, 12,288 and 16,384"
        );
        assert!(table.tasks.contains(&Task::Whole(small)));
        let PartCuts::Delimited { cuts, .. } = &table.plan(big).cuts else {
            panic!("a CSV plan")
        };
        assert!(cuts.iter().all(|c| c.rows_before % WINDOW_ROWS == 0), "{cuts:?}");
        // The cut after row 4,096 is where that row's line ends.
        let row_4097 = csv.find("13800004096").unwrap() as u64;
        assert_eq!((cuts[1].offset, cuts[1].line), (row_4097, 4098));
        // Read whole by one thread, and with splitting off.
        let table = task_table(1, &files, &config);
        assert!(table.tasks.iter().all(|t| matches!(t, Task::Whole(_))));
        config.split = 0;
        let table = task_table(2, &files, &config);
        assert!(table.tasks.iter().all(|t| matches!(t, Task::Whole(_))));
    }

    #[test]
    fn a_part_of_a_file_gone_since_planning_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("手机号\n");
        for i in 0..10_000 {
            writeln!(csv, "1380000{i:04}").unwrap();
        }
        let path = dir.path().join("big.csv");
        std::fs::write(&path, &csv).unwrap();
        let mut config = test_config(vec![dir.path().to_path_buf()]);
        config.split = 16 << 10;
        let files = walked_files(&config);
        let table = task_table(2, &files, &config);
        let plan = table.plan(0);
        assert_eq!(plan.parts(), 3, "cut at rows 4,096 and 8,192");
        let mut worker = Worker::new(&config.detectors, &config, None);
        let read = worker.scan_part(&files[0], plan, 1, &mut |_| {});
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.tally.by_detector.iter().sum::<u64>(), 4096);
        std::fs::remove_file(&path).unwrap();
        let gone = worker.scan_part(&files[0], plan, 2, &mut |_| {});
        assert_eq!(gone.problems.len(), 1);
        assert_eq!(gone.problems[0].kind, ErrorKind::NotFound, "{}", gone.problems[0]);
        assert_eq!(gone.tally.by_detector.iter().sum::<u64>(), 0);
    }
}
