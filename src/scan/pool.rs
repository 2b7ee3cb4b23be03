//! The task pool and the ordered writer.
//!
//! Tasks are numbered `0..count` and run on worker threads; what a task emits (batches while
//! it runs, then one output) reaches the writer, on the calling thread, strictly in task
//! order, so the result is the same for any thread count. Tasks run at most `LOOKAHEAD`
//! ahead of the writer: the emissions of tasks that finish before an earlier one are held
//! until it is written, so this bounds that memory (a few tasks' findings), at the cost of a
//! little idling behind one slow task.

use crossbeam_channel::Sender;
use std::collections::BTreeMap;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Tasks that may run ahead of the one the writer waits for.
pub(super) const LOOKAHEAD: usize = 8;

/// What the pool runs. Shared by all threads.
pub(super) trait Tasks: Sync {
    /// What a thread keeps from one task to the next (scratch buffers, readers).
    type State: Send;
    /// A part of a task's output handed over while it runs (a batch of findings).
    type Batch: Send;
    /// What a task ends with (a file's summaries).
    type Output: Send;

    fn new_state(&self) -> Self::State;
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

#[derive(Debug)]
pub(super) enum PoolError {
    /// Not even one worker thread could be started (a process limit).
    Threads(io::Error),
    /// The writer's first error.
    Write(io::Error),
}

enum Msg<B, O> {
    Batch(usize, B),
    Done(usize, O),
}

/// Runs tasks `0..count` on `threads` threads; `writer` sees them in order.
pub(super) fn run_in_order<T: Tasks>(
    threads: usize,
    tasks: &T,
    count: usize,
    writer: &mut dyn InOrder<T::Batch, T::Output>,
) -> Result<(), PoolError> {
    let next_job = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Workers too far ahead wait here until the writer advances (it was a 1 ms sleep-poll:
    // 200k empty files took 29 s with two threads, hostile H7).
    let advanced = (Mutex::new(()), Condvar::new());
    let wake = || {
        // Taking the lock orders this after a worker's check of `written`: a worker that saw
        // the old value is waiting by now, and is woken.
        drop(advanced.0.lock().unwrap_or_else(|e| e.into_inner()));
        advanced.1.notify_all();
    };
    let (tx, rx) = crossbeam_channel::bounded::<Msg<T::Batch, T::Output>>(LOOKAHEAD * 2);
    let mut write_error = None;
    let mut spawn_error = None;
    let mut workers = 0;
    std::thread::scope(|s| {
        for n in 0..threads.max(1) {
            let tx: Sender<Msg<T::Batch, T::Output>> = tx.clone();
            let (next_job, written, stop, advanced) = (&next_job, &written, &stop, &advanced);
            // A container with a low process limit refuses threads: run with those it gave.
            let spawned = std::thread::Builder::new()
                .name(format!("pimap-worker-{n}"))
                .spawn_scoped(s, move || {
                    let mut state = tasks.new_state();
                    loop {
                        let i = next_job.fetch_add(1, Ordering::SeqCst);
                        if i >= count || stop.load(Ordering::Relaxed) {
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
                        let ran = panic::catch_unwind(AssertUnwindSafe(|| {
                            tasks.run(&mut state, i, &mut |batch| {
                                let _ = tx.send(Msg::Batch(i, batch));
                            })
                        }));
                        let output = ran.unwrap_or_else(|_| {
                            state = tasks.new_state();
                            tasks.panicked(i)
                        });
                        if tx.send(Msg::Done(i, output)).is_err() {
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
        // Messages of tasks ahead of `next` wait in `pending`; whatever `next` has is
        // written as soon as it arrives.
        type Pending<B, O> = (Vec<B>, Option<O>);
        let mut pending: BTreeMap<usize, Pending<T::Batch, T::Output>> = BTreeMap::new();
        let mut next = 0;
        for msg in rx.iter() {
            match msg {
                Msg::Batch(i, b) => pending.entry(i).or_default().0.push(b),
                Msg::Done(i, d) => pending.entry(i).or_default().1 = Some(d),
            }
            while let Some((batches, done)) = pending.get_mut(&next) {
                for batch in batches.drain(..) {
                    if write_error.is_some() {
                        continue;
                    }
                    if let Err(e) = writer.write(next, batch) {
                        write_error = Some(e);
                        stop.store(true, Ordering::Relaxed);
                        wake();
                    }
                }
                let Some(output) = done.take() else { break };
                pending.remove(&next);
                writer.finish(next, output);
                next += 1;
                written.store(next, Ordering::Release);
                wake();
            }
        }
    });
    if let (0, Some(e)) = (workers, spawn_error) {
        return Err(PoolError::Threads(e));
    }
    match write_error {
        Some(e) => Err(PoolError::Write(e)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    ) -> (Result<(), PoolError>, Log, Probe<F>)
    where
        F: Fn(usize, &mut ProbeState, &mut dyn FnMut((usize, u32))) -> usize + Sync,
    {
        let finished = Arc::new(AtomicUsize::new(0));
        let probe = Probe {
            body,
            finished: finished.clone(),
            started: AtomicUsize::new(0),
            most_ahead: AtomicUsize::new(0),
            states: AtomicUsize::new(0),
            broken_state_reused: AtomicBool::new(false),
        };
        let mut log = Log {
            events: Vec::new(),
            finished,
            fail_at,
        };
        let result = run_in_order(threads, &probe, count, &mut log);
        (result, log, probe)
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
    fn a_write_error_stops_admitting_tasks() {
        let count = 1000;
        let (result, log, probe) = run_probe(2, count, Some(3), |i, _, emit| {
            emit((i, 0));
            emit((i, 1));
            std::thread::sleep(Duration::from_millis(1));
            i
        });
        match result {
            Err(PoolError::Write(e)) => assert_eq!(e.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("{other:?}"),
        }
        let started = probe.started.load(Ordering::SeqCst);
        // Those admitted when the error came (and one a thread had taken) still run.
        assert!(started <= 4 + LOOKAHEAD + 2, "{started} tasks started");
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
}
