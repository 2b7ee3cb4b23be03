//! Big dumps planned while they are read.
//!
//! A dump can only be planned by walking it from the start on one thread (`sql::plan`, ~0.5
//! GB/s), so its parts are not planned before the pool starts: the number of parts is fixed
//! from the size (`--split-size`), a planner thread of its own walks the big dumps in task
//! order and publishes each cut as it finds it (`DumpCuts`), and each part waits only for the
//! cut at its own end. The first part starts after the first cut is found, not after the
//! whole dump has been walked, and the walk overlaps the scanning of everything else.
//!
//! Whatever the planner manages (every cut, some, none: a panic, an I/O error, an invalid
//! byte, a cancelled run), the parts cover the dump exactly: a part past the last cut found is
//! empty and the part before reads to the end, which is what one reader gives.

use super::columns::WINDOW_ROWS;
use crate::source::sql::{self, SqlCut};
use crate::source::{self, TextReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// The cuts of one big dump, published by the planner as it finds them.
pub(super) struct DumpCuts {
    /// Parts the dump's tasks read; the planner finds at most this many cuts (the start
    /// included).
    parts: usize,
    found: Mutex<Found>,
    moved: Condvar,
}

struct Found {
    /// Cut `k` starts part `k`; the first is the start of the dump.
    cuts: Vec<Arc<SqlCut>>,
    /// No cut will be added any more.
    done: bool,
}

impl DumpCuts {
    pub(super) fn new(parts: usize) -> Self {
        DumpCuts {
            parts,
            found: Mutex::new(Found {
                cuts: vec![Arc::new(SqlCut::start())],
                done: false,
            }),
            moved: Condvar::new(),
        }
    }

    pub(super) fn parts(&self) -> usize {
        self.parts
    }

    /// The cut that starts part `part` (None: the part is empty) and the one that ends it
    /// (None: the part reads to the end), once both are known.
    pub(super) fn bounds(&self, part: usize) -> (Option<Arc<SqlCut>>, Option<Arc<SqlCut>>) {
        let mut found = self.lock();
        while found.cuts.len() <= part + 1 && !found.done {
            found = self.moved.wait(found).unwrap_or_else(|e| e.into_inner());
        }
        (found.cuts.get(part).cloned(), found.cuts.get(part + 1).cloned())
    }

    /// Adds the next cut; false once the parts have all their cuts.
    fn publish(&self, cut: SqlCut) -> bool {
        let mut found = self.lock();
        if found.cuts.len() < self.parts {
            found.cuts.push(Arc::new(cut));
        }
        let room = found.cuts.len() < self.parts;
        drop(found);
        self.moved.notify_all();
        room
    }

    fn finish(&self) {
        self.lock().done = true;
        self.moved.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Found> {
        self.found.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Most parts a dump is read in: past this, parts are bigger than `--split-size` (a task
/// per part must stay cheap next to reading it).
const MAX_PARTS: u64 = 16_384;

/// A dump for the planner: where it is, the size of its parts, and where its cuts go.
pub(super) struct DumpJob {
    pub(super) path: PathBuf,
    pub(super) size: u64,
    pub(super) split: u64,
    pub(super) cuts: Arc<DumpCuts>,
}

impl DumpJob {
    /// The job of a dump of `size` bytes read in parts of about `split` bytes (`split` > 0).
    pub(super) fn new(path: PathBuf, size: u64, split: u64) -> Self {
        let split = split.max(size.div_ceil(MAX_PARTS)).max(1);
        let parts = usize::try_from(size.div_ceil(split)).unwrap_or(usize::MAX);
        DumpJob {
            path,
            size,
            split,
            cuts: Arc::new(DumpCuts::new(parts)),
        }
    }
}

/// Finishes a dump's cuts however its planning ends (a panic included), so that no part
/// waits for ever.
struct FinishOnDrop<'a>(&'a DumpCuts);

impl Drop for FinishOnDrop<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// The planner thread; dropping it stops the walk and waits for the thread.
pub(super) struct Planner {
    cancel: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Planner {
    /// Plans `jobs` in order on a thread of its own, reading as a whole read would (`chunk`,
    /// `follow`). If no thread can be had, every dump is left with its start only: its first
    /// part reads it whole.
    pub(super) fn start(jobs: Vec<DumpJob>, chunk: usize, follow: bool) -> Planner {
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let cuts: Vec<Arc<DumpCuts>> = jobs.iter().map(|j| j.cuts.clone()).collect();
        let thread = std::thread::Builder::new()
            .name("pimap-planner".into())
            .spawn(move || {
                for job in &jobs {
                    let _finish = FinishOnDrop(&job.cuts);
                    if stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    // A planning bug costs the speed-up: the parts read on from what was found.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        plan_dump(job, chunk, follow, &stop)
                    }));
                }
            })
            .ok();
        if thread.is_none() {
            cuts.iter().for_each(|c| c.finish());
        }
        Planner { cancel, thread }
    }
}

impl Drop for Planner {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Walks one dump and publishes its cuts, as long as the run goes on and parts want them.
fn plan_dump(job: &DumpJob, chunk: usize, follow: bool, stop: &AtomicBool) {
    let Ok(Some(handle)) = source::open_regular(&job.path, follow) else {
        return;
    };
    let mut rest = std::io::Read::take(&handle, job.size);
    let Ok(head) = source::read_head(&mut rest) else {
        return;
    };
    // Read as a whole read reads it, so that the parts' chunks are its chunks.
    let text = TextReader::new(head, rest, chunk, job.size);
    let _ = sql::plan(text, job.split, WINDOW_ROWS, &mut |cut| {
        !stop.load(Ordering::Relaxed) && job.cuts.publish(cut)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_part_waits_for_the_cut_at_its_end_and_a_finished_plan_ends_the_rest() {
        let cuts = Arc::new(DumpCuts::new(4));
        let planner = {
            let cuts = cuts.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                assert!(cuts.publish(SqlCut::start()), "room for more cuts");
                std::thread::sleep(Duration::from_millis(50));
                cuts.finish();
            })
        };
        // Part 0 returns once cut 1 is published, part 1 once the plan is finished.
        let (start, end) = cuts.bounds(0);
        assert!(start.is_some() && end.is_some());
        let (start, end) = cuts.bounds(1);
        assert!(
            start.is_some() && end.is_none(),
            "the last cut found reads to the end"
        );
        assert!(
            cuts.bounds(2).0.is_none() && cuts.bounds(3).0.is_none(),
            "empty parts"
        );
        planner.join().unwrap();
    }

    #[test]
    fn a_huge_dump_gets_bigger_parts_not_more_tasks() {
        let job = DumpJob::new(PathBuf::from("x.sql"), 1 << 40, 1);
        assert_eq!(job.cuts.parts() as u64, MAX_PARTS);
        assert_eq!(job.split, (1 << 40) / MAX_PARTS);
        assert_eq!(
            DumpJob::new(PathBuf::from("x.sql"), 100 << 20, 8 << 20)
                .cuts
                .parts(),
            13
        );
    }

    #[test]
    fn the_planner_stops_at_the_parts_count() {
        let cuts = DumpCuts::new(2);
        assert!(!cuts.publish(SqlCut::start()), "2 parts: the start and one cut");
        assert!(!cuts.publish(SqlCut::start()));
        cuts.finish();
        assert_eq!(cuts.lock().cuts.len(), 2);
    }

    #[test]
    fn a_dump_the_planner_cannot_read_is_read_whole_by_its_first_part() {
        let dir = tempfile::tempdir().unwrap();
        let job = DumpJob::new(dir.path().join("gone.sql"), 1 << 20, 1 << 18);
        let cuts = job.cuts.clone();
        assert_eq!(cuts.parts(), 4);
        let planner = Planner::start(vec![job], 4096, false);
        let (start, end) = cuts.bounds(0);
        assert_eq!(start.map(|c| c.offset), Some(0));
        assert!(end.is_none());
        drop(planner);
    }

    #[test]
    fn a_dump_is_planned_into_cuts_at_window_starts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.sql");
        let mut sql = String::from("CREATE TABLE t (id int, phone text);\n");
        for statement in 0..40 {
            sql += "INSERT INTO t VALUES ";
            let rows: Vec<String> = (0..1000)
                .map(|k| format!("({},'1380000{:04}')", statement * 1000 + k, k))
                .collect();
            sql += &rows.join(",");
            sql += ";\n";
        }
        std::fs::write(&path, &sql).unwrap();
        let size = sql.len() as u64;
        let split = 200_000;
        let job = DumpJob::new(path, size, split);
        let cuts = job.cuts.clone();
        let planner = Planner::start(vec![job], 1 << 20, false);
        let mut previous = 0;
        for part in 0..cuts.parts() {
            let (Some(start), end) = cuts.bounds(part) else {
                continue;
            };
            assert!(start.offset >= previous, "cuts in order");
            if part > 0 {
                assert!(start.offset >= part as u64 * split, "at or past the part's share");
                assert!(sql[..start.offset as usize].ends_with('('), "just into a tuple");
            }
            previous = start.offset;
            if end.is_none() {
                break;
            }
        }
        assert!(previous > size / 2, "cuts throughout the dump");
        drop(planner);
    }
}
