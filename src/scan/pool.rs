//! The task pool and the ordered writer.
//!
//! Tasks are numbered `0..count` and run on a rayon thread pool; what a task emits (batches
//! while it runs, then one output) reaches the writer, on the calling thread, strictly in task
//! order, so the result is the same for any thread count. The writer admits the tasks: it
//! spawns the first `lookahead` (`LOOKAHEAD`, or twice the threads if that is more), and each
//! time task `i` is written it spawns task `i + lookahead`. So no task runs further ahead of
//! the writer than that, at the cost of a little idling behind one slow task; and nothing
//! sleeps, polls or waits to be admitted.
//!
//! That bounds tasks; the bytes held are bounded too: a task ahead of the writer waits before
//! handing over a batch once the batches waiting for the writer weigh `MAX_HELD` (`Gate`).
//! That cannot deadlock because the writer's task never waits and is always running: tasks
//! start in the order they are admitted (rayon takes jobs injected from outside the pool
//! first in, first out), so a task ahead started after it. Tasks must not use rayon inside
//! (a join could run a task ahead, waiting at the gate, on the stack of the writer's task).
//!
//! Tasks are a sequence, not files: `parts::TaskTable` makes each file a task and the parts
//! of a big delimited file consecutive tasks, whose outputs the writer (`InOrder::finish`)
//! gathers to finish the file at its last part. The pool needs no change for that: batches
//! are written part after part, in order, and the lookahead counts parts.

use std::collections::BTreeMap;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex};

/// Tasks that may run ahead of the one the writer waits for.
pub(super) const LOOKAHEAD: usize = 8;

/// Bytes of batches that tasks ahead of the writer may leave waiting for it, all together: a
/// task ahead waits before handing over a batch that would pass this, until the writer
/// catches up. Without it, a slow file (a workbook in its child process) in front of a big
/// one with dense findings held all of the big one's findings in memory.
pub(super) const MAX_HELD: usize = 64 << 20;

/// What the writer tells the tasks: the task it writes now, and the weight of the batches
/// waiting for it.
struct Gate {
    state: Mutex<GateState>,
    moved: Condvar,
}

struct GateState {
    next: usize,
    held: usize,
    /// The writer has gone (it panicked, or the run ends): nobody waits any more.
    closed: bool,
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called by task `task` before it hands over a batch of `weight`: waits while the task
    /// is ahead of the writer and the batches already waiting weigh too much (a batch alone
    /// always goes). Returns the weight the batch adds to those waiting: 0 if it is the
    /// writer's task's, whose batches are written at once.
    fn enter(&self, task: usize, weight: usize) -> usize {
        let mut state = self.lock();
        while task != state.next && !state.closed && state.held > 0 && state.held + weight > MAX_HELD {
            state = self.moved.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if task == state.next {
            return 0;
        }
        state.held += weight;
        weight
    }

    /// The writer moved on: to task `next`, and `written` bytes of waiting batches are out.
    fn advance(&self, next: usize, written: usize) {
        let mut state = self.lock();
        state.next = next;
        state.held -= written.min(state.held);
        self.moved.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.moved.notify_all();
    }
}

/// Closes the gate when the writer's loop ends, however it ends.
struct CloseOnDrop<'g>(&'g Gate);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// What the pool runs. Shared by all threads.
pub(super) trait Tasks: Sync {
    /// What a thread keeps from one task to the next (scratch buffers, readers).
    type State: Send;
    /// A part of a task's output handed over while it runs (a batch of findings).
    type Batch: Send;
    /// What a task ends with (a file's summaries).
    type Output: Send;

    fn new_state(&self) -> Self::State;
    /// Bytes a batch holds while it waits for the writer (see `MAX_HELD`).
    fn weight(&self, batch: &Self::Batch) -> usize;
    /// Runs task `task`; what it gives `emit` is written in order before its output.
    fn run(&self, state: &mut Self::State, task: usize, emit: &mut dyn FnMut(Self::Batch)) -> Self::Output;
    /// The output of a task that panicked: a bug must cost one task, not the run. The state
    /// it ran with may be half-changed, so it is dropped and made anew.
    fn panicked(&self, task: usize) -> Self::Output;
}

/// The writer, on the calling thread: it sees each task's batches, then its output, task
/// after task.
pub(super) trait InOrder<B, O> {
    /// An error stops admitting tasks; the run ends with it once the admitted ones are done.
    fn write(&mut self, task: usize, batch: B) -> io::Result<()>;
    fn finish(&mut self, task: usize, output: O);
}

enum Msg<B, O> {
    /// Task, batch, and the weight it added to those waiting (`Gate::enter`).
    Batch(usize, B, usize),
    Done(usize, O),
}

/// Runs tasks `0..count` on `pool` (see `thread_pool`); `writer` sees them in order, on this
/// thread.
pub(super) fn run_in_order<T: Tasks>(
    pool: &rayon::ThreadPool,
    tasks: &T,
    count: usize,
    writer: &mut dyn InOrder<T::Batch, T::Output>,
) -> io::Result<()> {
    // Thread states not in use: a task takes one (or makes one) and puts it back when it
    // ends, so there are no more than threads, and scratch buffers and readers are reused.
    let idle: Mutex<Vec<T::State>> = Mutex::new(Vec::new());
    let gate = Gate {
        state: Mutex::new(GateState {
            next: 0,
            held: 0,
            closed: false,
        }),
        moved: Condvar::new(),
    };
    let mut write_error = None;
    pool.in_place_scope(|scope| {
        // Before the channel: dropped after it while unwinding, it still releases waiting
        // tasks, whose sends then fail.
        let _close = CloseOnDrop(&gate);
        // Bounded: a task whose batches the writer cannot take yet (a slow findings reader)
        // waits for it instead of piling them up in memory. Made inside the scope: if the
        // writer panics, the receiver is dropped while unwinding, the tasks' sends fail and
        // the scope's wait for them ends (outside, a full channel would block them forever).
        // Enough tasks in flight to keep every thread busy behind one slow task.
        let lookahead = LOOKAHEAD.max(2 * pool.current_num_threads());
        let (tx, rx) = crossbeam_channel::bounded::<Msg<T::Batch, T::Output>>(lookahead * 2);
        let admit = |i: usize| {
            let (tx, idle, gate) = (tx.clone(), &idle, &gate);
            scope.spawn(move |_| {
                let ran = panic::catch_unwind(AssertUnwindSafe(|| {
                    let state = idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
                    let mut state = state.unwrap_or_else(|| tasks.new_state());
                    let output = tasks.run(&mut state, i, &mut |batch| {
                        let held = gate.enter(i, tasks.weight(&batch));
                        // Fails only once the writer has gone, and then nobody wants it.
                        let _ = tx.send(Msg::Batch(i, batch, held));
                    });
                    idle.lock().unwrap_or_else(|e| e.into_inner()).push(state);
                    output
                }));
                // A panic has dropped the state it ran with (it may be half-changed) instead of
                // putting it back: the next task that finds no idle state makes a new one.
                let output = ran.unwrap_or_else(|_| tasks.panicked(i));
                let _ = tx.send(Msg::Done(i, output));
            });
        };
        let mut admitted = count.min(lookahead);
        (0..admitted).for_each(&admit);
        // Messages of tasks ahead of `next` wait in `pending`; whatever `next` has is written
        // as soon as it arrives.
        type Pending<B, O> = (Vec<(B, usize)>, Option<O>);
        let mut pending: BTreeMap<usize, Pending<T::Batch, T::Output>> = BTreeMap::new();
        let mut next = 0;
        while next < admitted {
            // Every admitted task sends `Done`, and this thread holds a sender: no hang, no
            // disconnection.
            let Ok(msg) = rx.recv() else { break };
            match msg {
                Msg::Batch(i, b, held) => pending.entry(i).or_default().0.push((b, held)),
                Msg::Done(i, d) => pending.entry(i).or_default().1 = Some(d),
            }
            while let Some((batches, done)) = pending.get_mut(&next) {
                let mut written = 0;
                for (batch, held) in batches.drain(..) {
                    if write_error.is_none() {
                        write_error = writer.write(next, batch).err();
                    }
                    written += held;
                }
                if written > 0 {
                    gate.advance(next, written);
                }
                let Some(output) = done.take() else { break };
                pending.remove(&next);
                writer.finish(next, output);
                next += 1;
                gate.advance(next, 0);
                // After a write error nothing more is admitted; those running finish.
                if admitted < count && write_error.is_none() {
                    admit(admitted);
                    admitted += 1;
                }
            }
        }
    });
    // The writer's first error.
    match write_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A pool of `threads` threads, or of fewer: a container with a low process limit refuses
/// threads, and a scan with those it gives beats none. An error only when not even one
/// thread starts.
pub(super) fn thread_pool(threads: usize) -> io::Result<rayon::ThreadPool> {
    let mut n = threads.max(1);
    loop {
        let built = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("pimap-worker-{i}"))
            .build();
        match built {
            Ok(pool) => return Ok(pool),
            // Displays as the system's error (rayon's own is only a wrapper).
            Err(e) if n == 1 => return Err(io::Error::other(e)),
            Err(_) => n /= 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[derive(Debug, Clone, PartialEq)]
    enum Event {
        Batch(usize, u32),
        Finish(usize, Result<usize, &'static str>),
    }

    /// Records what it is given; fails the batches of task `fail_at`.
    struct Log {
        events: Vec<Event>,
        finished: Arc<AtomicUsize>,
        fail_at: Option<usize>,
    }

    impl InOrder<(usize, u32), Result<usize, &'static str>> for Log {
        fn write(&mut self, task: usize, batch: (usize, u32)) -> io::Result<()> {
            assert_eq!(batch.0, task, "a batch reaches the writer as its own task's");
            if self.fail_at == Some(task) {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.events.push(Event::Batch(task, batch.1));
            Ok(())
        }

        fn finish(&mut self, task: usize, output: Result<usize, &'static str>) {
            self.events.push(Event::Finish(task, output));
            self.finished.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct ProbeState {
        /// Set by a task that then panics: a state must not be used after that.
        broken: bool,
    }

    /// Runs `body` for each task and watches how far ahead of the writer tasks start.
    struct Probe<F> {
        body: F,
        finished: Arc<AtomicUsize>,
        started: AtomicUsize,
        most_ahead: AtomicUsize,
        states: AtomicUsize,
        broken_state_reused: AtomicBool,
    }

    impl<F> Probe<F> {
        fn new(body: F) -> Self {
            Probe {
                body,
                finished: Arc::new(AtomicUsize::new(0)),
                started: AtomicUsize::new(0),
                most_ahead: AtomicUsize::new(0),
                states: AtomicUsize::new(0),
                broken_state_reused: AtomicBool::new(false),
            }
        }
    }

    impl<F> Tasks for Probe<F>
    where
        F: Fn(usize, &mut ProbeState, &mut dyn FnMut((usize, u32))) -> usize + Sync,
    {
        type State = ProbeState;
        type Batch = (usize, u32);
        type Output = Result<usize, &'static str>;

        fn new_state(&self) -> ProbeState {
            self.states.fetch_add(1, Ordering::SeqCst);
            ProbeState { broken: false }
        }

        fn weight(&self, batch: &(usize, u32)) -> usize {
            batch.1 as usize
        }

        fn run(
            &self,
            state: &mut ProbeState,
            task: usize,
            emit: &mut dyn FnMut((usize, u32)),
        ) -> Self::Output {
            if state.broken {
                self.broken_state_reused.store(true, Ordering::SeqCst);
            }
            self.started.fetch_add(1, Ordering::SeqCst);
            let ahead = task.saturating_sub(self.finished.load(Ordering::SeqCst));
            self.most_ahead.fetch_max(ahead, Ordering::SeqCst);
            Ok((self.body)(task, state, emit))
        }

        fn panicked(&self, _: usize) -> Self::Output {
            Err("panicked")
        }
    }

    fn run_probe<F>(
        threads: usize,
        count: usize,
        fail_at: Option<usize>,
        body: F,
    ) -> (io::Result<()>, Log, Probe<F>)
    where
        F: Fn(usize, &mut ProbeState, &mut dyn FnMut((usize, u32))) -> usize + Sync,
    {
        let probe = Probe::new(body);
        let mut log = Log {
            events: Vec::new(),
            finished: probe.finished.clone(),
            fail_at,
        };
        let result = run_in_order(&thread_pool(threads).unwrap(), &probe, count, &mut log);
        (result, log, probe)
    }

    /// A writer that panics when task 0 is finished.
    struct PanickingWriter;

    impl InOrder<(usize, u32), Result<usize, &'static str>> for PanickingWriter {
        fn write(&mut self, _: usize, _: (usize, u32)) -> io::Result<()> {
            Ok(())
        }

        fn finish(&mut self, _: usize, _: Result<usize, &'static str>) {
            panic!("writer bug");
        }
    }

    #[test]
    fn a_panicking_writer_ends_the_run_instead_of_hanging_it() {
        // Tasks emit far more batches than the channel holds: with the receiver outliving
        // the writer's panic, they would block in `send` and the scope would wait forever.
        // Heavy batches make tasks ahead wait at the gate instead, which must open too.
        for scale in [1, (MAX_HELD / 64) as u32] {
            panicking_writer_case(scale);
        }
    }

    fn panicking_writer_case(scale: u32) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let probe = Probe::new(
                move |i: usize, _: &mut ProbeState, emit: &mut dyn FnMut((usize, u32))| {
                    (0..200).for_each(|n| emit((i, n * scale)));
                    i
                },
            );
            let ran = panic::catch_unwind(AssertUnwindSafe(|| {
                run_in_order(
                    &thread_pool(2).unwrap(),
                    &probe,
                    3 * LOOKAHEAD,
                    &mut PanickingWriter,
                )
            }));
            let _ = done_tx.send(ran.is_err());
        });
        let panicked = done_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the run hung after the writer panicked");
        assert!(panicked, "the writer's panic was swallowed (scale {scale})");
    }

    fn in_order(count: usize) -> Vec<Event> {
        (0..count)
            .flat_map(|i| [Event::Batch(i, 0), Event::Batch(i, 1), Event::Finish(i, Ok(i))])
            .collect()
    }

    #[test]
    fn output_is_in_task_order_whatever_the_completion_order() {
        // Early tasks are the slow ones: later ones finish first.
        let (result, log, probe) = run_probe(4, 40, None, |i, _, emit| {
            emit((i, 0));
            std::thread::sleep(Duration::from_millis((40 - i as u64) % 7 * 3));
            emit((i, 1));
            i
        });
        result.unwrap();
        assert_eq!(log.events, in_order(40));
        assert_eq!(probe.started.load(Ordering::SeqCst), 40);
        // A state per thread at most, reused from task to task.
        assert!(probe.states.load(Ordering::SeqCst) <= 4);
    }

    #[test]
    fn no_more_than_lookahead_tasks_run_ahead_of_the_writer() {
        // Task 0 is slow: the others may run only while they are within reach of it.
        let (result, log, probe) = run_probe(4, 3 * LOOKAHEAD, None, |i, _, emit| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(200));
            }
            emit((i, 0));
            emit((i, 1));
            i
        });
        result.unwrap();
        assert_eq!(log.events, in_order(3 * LOOKAHEAD));
        // Task `LOOKAHEAD - 1` starts before task 0 is written (the lookahead is used), task
        // `LOOKAHEAD` never does.
        assert_eq!(probe.most_ahead.load(Ordering::SeqCst), LOOKAHEAD - 1);
    }

    #[test]
    fn many_threads_get_a_longer_lookahead() {
        // With 8 threads, 16 tasks may be in flight behind a slow task 0, not 8: each thread
        // stays busy.
        let (result, _, probe) = run_probe(8, 6 * LOOKAHEAD, None, |i, _, emit| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(300));
            }
            emit((i, 0));
            i
        });
        result.unwrap();
        assert_eq!(probe.most_ahead.load(Ordering::SeqCst), 2 * 8 - 1);
    }

    #[test]
    fn tasks_ahead_wait_once_their_batches_weigh_too_much() {
        // Task 0 is slow; the others hand over ten heavy batches each. While task 0 runs,
        // at most four of them may wait for the writer.
        let heavy = (MAX_HELD / 4) as u32;
        let handed_early = AtomicUsize::new(0);
        let first_done = AtomicBool::new(false);
        let (result, log, _) = run_probe(4, 12, None, |i, _, emit| {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(300));
                emit((i, heavy));
                first_done.store(true, Ordering::SeqCst);
                return i;
            }
            for _ in 0..10 {
                emit((i, heavy));
                if !first_done.load(Ordering::SeqCst) {
                    handed_early.fetch_add(1, Ordering::SeqCst);
                }
            }
            i
        });
        result.unwrap();
        assert_eq!(log.events.len(), 11 * 11 + 2, "every batch and output is written");
        let handed = handed_early.load(Ordering::SeqCst);
        assert!(
            (1..=4).contains(&handed),
            "{handed} heavy batches handed over behind task 0"
        );
    }

    #[test]
    fn a_write_error_stops_admitting_tasks() {
        let count = 1000;
        let (result, log, probe) = run_probe(2, count, Some(3), |i, _, emit| {
            emit((i, 0));
            emit((i, 1));
            std::thread::sleep(Duration::from_millis(1));
            i
        });
        match result {
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("{other:?}"),
        }
        let started = probe.started.load(Ordering::SeqCst);
        // Those admitted when the error came still run, no others.
        assert!(started <= 4 + LOOKAHEAD, "{started} tasks started");
        // Nothing of a task after the failed one is written.
        assert!(
            !log.events
                .iter()
                .any(|e| matches!(e, Event::Batch(i, _) if *i > 3)),
            "{:?}",
            log.events
        );
    }

    #[test]
    fn a_panicking_task_becomes_its_own_output_and_the_others_go_on() {
        let count = 30;
        let (result, log, probe) = run_probe(2, count, None, |i, state, emit| {
            if i == 5 {
                state.broken = true;
                panic!("task 5 fails");
            }
            emit((i, 0));
            emit((i, 1));
            i
        });
        result.unwrap();
        let expected: Vec<Event> = (0..count)
            .flat_map(|i| match i {
                5 => vec![Event::Finish(5, Err("panicked"))],
                _ => vec![Event::Batch(i, 0), Event::Batch(i, 1), Event::Finish(i, Ok(i))],
            })
            .collect();
        assert_eq!(log.events, expected);
        assert!(
            !probe.broken_state_reused.load(Ordering::SeqCst),
            "the state of a panicked task was reused"
        );
        assert!(
            probe.states.load(Ordering::SeqCst) >= 2,
            "a state is made anew after a panic"
        );
    }

    #[test]
    fn no_tasks_no_output() {
        let (result, log, _) = run_probe(3, 0, None, |i, _, _| i);
        result.unwrap();
        assert!(log.events.is_empty());
    }

    #[test]
    fn zero_threads_means_one() {
        assert_eq!(thread_pool(0).unwrap().current_num_threads(), 1);
        assert_eq!(thread_pool(3).unwrap().current_num_threads(), 3);
    }
}
