//! Reading a workbook in a child process under limits, as Apache Tika's ForkParser does.
//!
//! calamine allocates what a hostile file asks for (a dense grid sized from an xls header, a
//! loop in a compound file's sector chain that grows a Vec forever, 98 million repeated ods
//! cells, a 2 GB shared-strings table from 10 MB of xlsx), and an allocation that fails aborts
//! the process: no `catch_unwind` helps. So the CLI parses every workbook in a child: the
//! pimap executable itself, run as `pimap __read-sheet KIND ADDRESS_SPACE CPU_SECONDS PARENT`
//! with the workbook as its standard input (the open file of the walk, or a memfd holding an
//! archive member: both seekable, as calamine needs) and the frames of `frame` on its standard
//! output. Its standard error is discarded: it could quote a cell.
//!
//! Limits, and why these figures:
//! - Address space (RLIMIT_AS): a share of the scan's `--max-memory` budget, reserved from
//!   the budget for the child's lifetime. First a quarter of the budget (256 MiB of the
//!   default 1 GiB, so several workbooks are read side by side); a child that runs out of it
//!   is run again with three quarters, which is all one workbook may take while leaving the
//!   parent room to hold cells, and the records its first run gave are not given twice (the
//!   child's output is the same for the same file). Still out of memory: the file's error,
//!   kind `too_large`. The share includes what the executable maps itself: a small
//!   workbook is read within 16 MiB, not within 12.
//! - CPU time (RLIMIT_CPU): 120 s, room for a workbook of about a gigabyte (a 5 MB xlsx of
//!   720,000 cells takes half a second); a parse that takes longer loops. Kind `too_large`.
//! - Wall clock: killed after 300 s without output. Time the child spends blocked on a full
//!   pipe is the parent's (scanning the cells it sent), so only silence counts; a loop that
//!   burns CPU is the CPU limit's. Kind `too_large`.
//! - No core dumps (RLIMIT_CORE 0: a core holds cells), and the child dies with its parent
//!   (PR_SET_PDEATHSIG).
//!
//! A child killed by SIGABRT (how Rust ends on a failed allocation; panics are caught inside
//! it) or by the kernel's SIGKILL ran out of memory; another signal is a crash on malformed
//! data (`corrupt`); an exit without a result is a bug (`internal`). Records received before
//! it ended stand. Every child is reaped, whatever happens to the parent's read.
//!
//! Cost: about 2 ms of CPU per workbook, 10-15 % on a large one (figures in
//! `SheetReader`'s documentation).

use super::SheetKind;
use crate::error::{Classified, ErrorKind};
use std::ffi::OsString;
use std::time::Duration;

/// The hidden first argument that makes the executable a workbook reader (see `run_child`).
pub const CHILD_COMMAND: &str = "__read-sheet";

/// CPU seconds a child may use.
const CPU_SECONDS: u64 = 120;

/// How long a child may write nothing before it is killed.
const IDLE: Duration = Duration::from_secs(300);

/// Why the child that read a workbook gave no result. The texts say nothing of the file's
/// content.
#[derive(Debug, thiserror::Error)]
pub enum IsolationError {
    #[error("the spreadsheet reader needs more memory than the budget allows ({} MiB; --max-memory)", .share >> 20)]
    OutOfMemory { share: u64 },
    #[error("the spreadsheet reader used more than {CPU_SECONDS} s of CPU time: stopped")]
    CpuTime,
    #[error("the spreadsheet reader wrote nothing for {} s: stopped", IDLE.as_secs())]
    Stalled,
    #[error("corrupt spreadsheet: the reader crashed on malformed data (signal {0})")]
    Crashed(i32),
    #[error("the spreadsheet reader ended without a result ({}): a bug, please report it", exit_text(*.0))]
    NoResult(Option<i32>),
    #[error("the spreadsheet reader's output cannot be read ({0}): a bug, please report it")]
    Garbled(#[source] super::frame::FrameError),
    #[error("cannot start the spreadsheet reader: {0}")]
    Spawn(#[source] std::io::Error),
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit status {code}"),
        None => "no exit status".into(),
    }
}

impl Classified for IsolationError {
    fn kind(&self) -> ErrorKind {
        match self {
            IsolationError::OutOfMemory { .. } | IsolationError::CpuTime | IsolationError::Stalled => {
                ErrorKind::TooLarge
            }
            IsolationError::Crashed(_) => ErrorKind::Corrupt,
            IsolationError::NoResult(_) | IsolationError::Garbled(_) => ErrorKind::Internal,
            IsolationError::Spawn(e) => ErrorKind::of_io(e),
        }
    }
}

/// The child's side: `args` are what follows `CHILD_COMMAND`. Returns the exit status; the
/// result itself is the last frame on standard output.
pub fn run_child(args: &[OsString]) -> u8 {
    #[cfg(target_os = "linux")]
    {
        linux::run_child(args)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = args;
        2
    }
}

#[cfg(target_os = "linux")]
pub(super) use linux::read;

#[cfg(target_os = "linux")]
mod linux {
    use super::super::book::{BookWriter, Refusal};
    use super::super::frame::{Frame, FrameError, FrameReader, FrameWriter, Sequence};
    use super::super::parse::{parse, Events};
    use super::super::{Failure, SheetError};
    use super::*;
    use std::fs::File;
    use std::io::{self, BufReader, BufWriter, Read};
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::process::ExitStatusExt;
    use std::path::Path;
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
    use std::time::Instant;

    /// Pipe buffers on both sides.
    const BUFFER: usize = 64 << 10;

    /// How long a child whose output ended may take to exit before it is killed.
    const GRACE: Duration = Duration::from_secs(10);

    /// Reads the workbook `input` in a child, into `book`. `book`'s base reservation holds
    /// the input's own copy in memory, if any; the child's share is added to it.
    pub(in super::super) fn read(
        exe: &Path,
        input: &File,
        kind: SheetKind,
        budget_limit: u64,
        book: &mut BookWriter<'_, '_>,
    ) -> Result<(), SheetError> {
        let copy = book.base();
        let shares = [budget_limit / 4, budget_limit / 4 * 3];
        let mut delivered = 0;
        for (attempt, &share) in shares.iter().enumerate() {
            let last = attempt + 1 == shares.len();
            book.reserve_base(copy.saturating_add(share))?;
            let error = match run(exe, input, kind, share, &mut delivered, book)? {
                // At the smaller share, a crash may be a stack that could not grow, and a
                // panic an allocation refused where code panics instead of aborting.
                Ended::OutOfMemory | Ended::Crashed(_) | Ended::Result(Err(SheetError::Panicked))
                    if !last =>
                {
                    continue
                }
                Ended::Result(result) => return result,
                Ended::OutOfMemory => IsolationError::OutOfMemory { share },
                Ended::Crashed(signal) => IsolationError::Crashed(signal),
                Ended::CpuTime => IsolationError::CpuTime,
                Ended::Stalled => IsolationError::Stalled,
                Ended::NoResult(code) => IsolationError::NoResult(code),
                Ended::Garbled(e) => IsolationError::Garbled(e),
            };
            return Err(error.into());
        }
        Ok(())
    }

    /// How a child's run ended.
    enum Ended {
        Result(Result<(), SheetError>),
        OutOfMemory,
        CpuTime,
        Stalled,
        Crashed(i32),
        NoResult(Option<i32>),
        Garbled(FrameError),
    }

    /// One child run. The first `delivered` frames went to `book` in an earlier run and are
    /// passed over; `delivered` counts the ones this run gives.
    fn run(
        exe: &Path,
        input: &File,
        kind: SheetKind,
        share: u64,
        delivered: &mut u64,
        book: &mut BookWriter<'_, '_>,
    ) -> Result<Ended, SheetError> {
        let stdin = input.try_clone().map_err(IsolationError::Spawn)?;
        let child = Command::new(exe)
            .arg(CHILD_COMMAND)
            .arg(kind.name())
            .arg(share.to_string())
            .arg(CPU_SECONDS.to_string())
            .arg(std::process::id().to_string())
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(IsolationError::Spawn)?;
        let mut running = Running(child);
        let Some(stdout) = running.0.stdout.take() else {
            return Ok(Ended::NoResult(None));
        };
        let pipe = IdlePipe {
            pipe: stdout,
            idle: IDLE,
        };
        let mut frames = FrameReader::new(BufReader::with_capacity(BUFFER, pipe));
        let mut order = Sequence::default();
        let mut seen = 0;
        let stopped = loop {
            let frame = match frames.next() {
                Ok(Some(frame)) => frame,
                Ok(None) => break None,
                Err(e) => break Some(e),
            };
            if let Err(e) = order.check(&frame) {
                break Some(e);
            }
            let frame = match frame {
                // Nothing more to read: `running` kills and reaps the child as it goes.
                Frame::Result(result) => return Ok(Ended::Result(result)),
                frame => frame,
            };
            seen += 1;
            if seen <= *delivered {
                continue;
            }
            match frame {
                Frame::Result(_) => {}
                Frame::Sheet { name, .. } => book.sheet(&name),
                Frame::SheetEnd { outcome, .. } => book.sheet_end(outcome),
                Frame::Cell { row, col, len, .. } => {
                    let taken = match book.admit(len) {
                        Ok(()) => match frames.text() {
                            Ok(Some(text)) => {
                                book.accept(row, col, text);
                                Ok(())
                            }
                            Ok(None) => {
                                book.refuse(row, col, len, Refusal::Allocation);
                                Ok(())
                            }
                            Err(e) => Err(e),
                        },
                        Err(why) => {
                            book.refuse(row, col, len, Refusal::Budget(why));
                            Ok(())
                        }
                    };
                    frames.release_text();
                    book.cell_done();
                    if let Err(e) = taken {
                        break Some(e);
                    }
                }
            }
            *delivered = seen;
        };
        // No result: how the child ended says why. Not read any more, it cannot block on its
        // output while it is waited for.
        drop(frames);
        Ok(match stopped {
            Some(FrameError::Read(e)) if e.kind() == io::ErrorKind::TimedOut => Ended::Stalled,
            Some(e @ (FrameError::Truncated | FrameError::Read(_))) | Some(e @ FrameError::Header) => {
                match running.end(GRACE) {
                    Ok(Some(status)) if status.signal().is_some() => ended_by(status),
                    _ => Ended::Garbled(e),
                }
            }
            // The child writes what it must; anything else is not worth waiting for.
            Some(e) => Ended::Garbled(e),
            None => match running.end(GRACE) {
                Ok(Some(status)) => ended_by(status),
                // It closed its output but did not exit.
                Ok(None) => Ended::NoResult(None),
                Err(e) => Ended::Garbled(FrameError::Read(e)),
            },
        })
    }

    /// What a child that gave no result died of.
    fn ended_by(status: ExitStatus) -> Ended {
        match status.signal() {
            // Rust aborts when an allocation fails (RLIMIT_AS); the kernel's OOM killer sends
            // SIGKILL. Panics do not get here: the child catches them.
            Some(libc::SIGABRT | libc::SIGKILL) => Ended::OutOfMemory,
            Some(libc::SIGXCPU) => Ended::CpuTime,
            Some(signal) => Ended::Crashed(signal),
            None => Ended::NoResult(status.code()),
        }
    }

    /// A child that is killed and reaped when dropped, however the read ends.
    struct Running(Child);

    impl Running {
        /// Waits up to `grace` for the child to exit by itself: its status, or `None` if it
        /// had to be killed (then its status would be the parent's signal, not its own end).
        fn end(&mut self, grace: Duration) -> io::Result<Option<ExitStatus>> {
            let deadline = Instant::now() + grace;
            let mut pause = Duration::from_millis(1);
            loop {
                if let Some(status) = self.0.try_wait()? {
                    return Ok(Some(status));
                }
                if Instant::now() >= deadline {
                    let _ = self.0.kill();
                    self.0.wait()?;
                    return Ok(None);
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            // Both are no-ops for a child already reaped (std remembers its status).
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// The child's standard output, read with a limit on silence.
    struct IdlePipe<R> {
        pipe: R,
        idle: Duration,
    }

    impl<R: Read + AsRawFd> Read for IdlePipe<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let timeout = i32::try_from(self.idle.as_millis()).unwrap_or(i32::MAX);
            loop {
                let mut ready = libc::pollfd {
                    fd: self.pipe.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one pollfd, alive for the call; the descriptor is owned by `pipe`.
                match unsafe { libc::poll(&mut ready, 1, timeout) } {
                    0 => return Err(io::Error::new(io::ErrorKind::TimedOut, "no output")),
                    n if n > 0 => return self.pipe.read(buf),
                    _ => {
                        let e = io::Error::last_os_error();
                        if e.kind() != io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                }
            }
        }
    }

    /// The child: limits itself, reads the workbook on standard input and writes frames.
    pub(super) fn run_child(args: &[OsString]) -> u8 {
        let Some(request) = Request::parse(args) else {
            return 2;
        };
        // Silent panics: a message could quote a cell, and `parse` catches them anyway.
        std::panic::set_hook(Box::new(|_| {}));
        if limit_self(&request).is_err() {
            return 3;
        }
        let (Ok(input), Ok(output)) = (
            io::stdin().as_fd().try_clone_to_owned(),
            io::stdout().as_fd().try_clone_to_owned(),
        ) else {
            return 4;
        };
        let input = File::from(input);
        let Ok(frames) = FrameWriter::new(BufWriter::with_capacity(BUFFER, File::from(output))) else {
            return 5;
        };
        let frames = Arc::new(Mutex::new(frames));
        // Without it the buffer would go out only when full; a child dying in a cell that
        // takes all its memory would lose the cells before it.
        let _ = std::thread::Builder::new().stack_size(64 << 10).spawn({
            let frames = Arc::clone(&frames);
            move || loop {
                std::thread::sleep(FLUSH_EVERY);
                if locked(&frames).flush().is_err() {
                    return;
                }
            }
        });
        let result = parse(&input, request.kind, &mut Shared(&frames));
        // The flusher thread ends with the process.
        let finished = locked(&frames).finish(&result);
        match finished {
            Ok(()) => 0,
            Err(_) => 5,
        }
    }

    /// How often the child sends what it has buffered.
    const FLUSH_EVERY: Duration = Duration::from_millis(20);

    type Frames = Mutex<FrameWriter<BufWriter<File>>>;

    fn locked(frames: &Frames) -> MutexGuard<'_, FrameWriter<BufWriter<File>>> {
        frames.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The frame writer, shared with the thread that flushes it.
    struct Shared<'a>(&'a Frames);

    impl Events for Shared<'_> {
        fn sheet(&mut self, name: &str) {
            locked(self.0).sheet(name);
        }
        fn cell(&mut self, row: u32, col: u32, text: &str) {
            locked(self.0).cell(row, col, text);
        }
        fn sheet_end(&mut self, outcome: Result<(), Failure>) {
            locked(self.0).sheet_end(outcome);
        }
    }

    /// The child's command line after `CHILD_COMMAND`.
    struct Request {
        kind: SheetKind,
        address_space: u64,
        cpu_seconds: u64,
        parent: u32,
    }

    impl Request {
        fn parse(args: &[OsString]) -> Option<Request> {
            let text = |i: usize| args.get(i).and_then(|a| a.to_str());
            let number = |i: usize| text(i).and_then(|t| t.parse::<u64>().ok());
            Some(Request {
                kind: SheetKind::from_name(text(0)?)?,
                address_space: number(1)?,
                cpu_seconds: number(2)?,
                parent: u32::try_from(number(3)?).ok()?,
            })
        }
    }

    fn limit_self(request: &Request) -> io::Result<()> {
        lower_limit(libc::RLIMIT_CORE, 0, 0)?;
        // The soft limit sends SIGXCPU; the hard one, a little later, SIGKILL.
        lower_limit(
            libc::RLIMIT_CPU,
            request.cpu_seconds,
            request.cpu_seconds.saturating_add(5),
        )?;
        lower_limit(libc::RLIMIT_AS, request.address_space, request.address_space)?;
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // A parent gone before the line above would not kill this one: nobody would read it.
        // SAFETY: getppid cannot fail.
        if unsafe { libc::getppid() } as u32 != request.parent {
            return Err(io::Error::other("the parent has gone"));
        }
        Ok(())
    }

    #[cfg(target_env = "gnu")]
    type Resource = libc::__rlimit_resource_t;
    #[cfg(not(target_env = "gnu"))]
    type Resource = libc::c_int;

    /// Sets a limit to at most `soft`/`hard`, never above what this process has already (an
    /// unprivileged process cannot raise its hard limit).
    fn lower_limit(resource: Resource, soft: u64, hard: u64) -> io::Result<()> {
        let mut now = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the one struct it is given.
        if unsafe { libc::getrlimit(resource, &mut now) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let max = hard.min(now.rlim_max);
        let new = libc::rlimit {
            rlim_cur: soft.min(max),
            rlim_max: max,
        };
        // SAFETY: setrlimit reads the one struct it is given.
        if unsafe { libc::setrlimit(resource, &new) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn how_a_child_ended_is_classified() {
            let signal = |s: i32| ExitStatus::from_raw(s);
            let exit = |code: i32| ExitStatus::from_raw(code << 8);
            assert!(matches!(ended_by(signal(libc::SIGABRT)), Ended::OutOfMemory));
            assert!(matches!(ended_by(signal(libc::SIGKILL)), Ended::OutOfMemory));
            assert!(matches!(ended_by(signal(libc::SIGXCPU)), Ended::CpuTime));
            assert!(matches!(
                ended_by(signal(libc::SIGSEGV)),
                Ended::Crashed(libc::SIGSEGV)
            ));
            assert!(matches!(ended_by(exit(0)), Ended::NoResult(Some(0))));
            assert!(matches!(ended_by(exit(3)), Ended::NoResult(Some(3))));
        }

        #[test]
        fn errors_say_what_limit_and_their_kind() {
            let oom = IsolationError::OutOfMemory { share: 768 << 20 };
            assert_eq!(
                oom.to_string(),
                "the spreadsheet reader needs more memory than the budget allows (768 MiB; --max-memory)"
            );
            assert_eq!(oom.kind(), ErrorKind::TooLarge);
            assert_eq!(IsolationError::CpuTime.kind(), ErrorKind::TooLarge);
            assert_eq!(IsolationError::Stalled.kind(), ErrorKind::TooLarge);
            assert_eq!(IsolationError::Crashed(11).kind(), ErrorKind::Corrupt);
            assert_eq!(IsolationError::NoResult(Some(1)).kind(), ErrorKind::Internal);
            assert_eq!(
                IsolationError::Garbled(FrameError::Truncated).kind(),
                ErrorKind::Internal
            );
            for e in [
                IsolationError::CpuTime.to_string(),
                IsolationError::Stalled.to_string(),
                IsolationError::Crashed(11).to_string(),
                IsolationError::NoResult(None).to_string(),
            ] {
                assert!(!e.contains('\n') && e.len() < 120, "{e}");
            }
        }

        #[test]
        fn a_silent_pipe_times_out_and_a_closed_one_ends() {
            let (reader, writer) = io::pipe().unwrap();
            let mut pipe = IdlePipe {
                pipe: reader,
                idle: Duration::from_millis(50),
            };
            let started = Instant::now();
            let e = pipe.read(&mut [0u8; 8]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::TimedOut);
            assert!(started.elapsed() >= Duration::from_millis(50));
            drop(writer);
            assert_eq!(pipe.read(&mut [0u8; 8]).unwrap(), 0);
        }

        #[test]
        fn the_child_refuses_a_malformed_command_line() {
            let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
            assert!(Request::parse(&args(&["xlsx", "1024", "120", "1"])).is_some());
            assert!(Request::parse(&args(&["docx", "1024", "120", "1"])).is_none());
            assert!(Request::parse(&args(&["xlsx", "-1", "120", "1"])).is_none());
            assert!(Request::parse(&args(&["xlsx", "1024", "120"])).is_none());
            assert_eq!(run_child(&args(&["xlsx"])), 2);
        }
    }
}
