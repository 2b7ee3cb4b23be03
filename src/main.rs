//! The `pimap` binary: parse the command line, run, map the outcome to the contract's exit
//! status. All logic lives in the library.

use clap::Parser;
use std::process::ExitCode;

/// glibc serves a large allocation from a thread's arena once one of that size has been
/// freed (its mmap threshold grows up to 32 MiB), and memory freed in an arena stays resident:
/// eight threads that each once read a 16 MiB archive member keep 8 x 16 MiB, whatever
/// `--max-memory` says, because the budget can only count what is live. Fixed thresholds
/// instead: buffers over 8 MiB are mapped on their own and returned when freed; an arena keeps
/// up to 24 MiB of free memory at its top, so that the buffers reused for every chunk and
/// batch (1-8 MiB) are not given back and faulted in again each time (with glibc's 128 KiB
/// default that cost 18x the page faults and twice the system time).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_when_freed() {
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, (8 << 20) + 1);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 24 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_when_freed() {}

fn main() -> ExitCode {
    return_large_buffers_when_freed();
    // The hidden entry point of the child that reads one workbook under limits (see
    // `pimap::source::sheet`). Checked before anything else runs; clap never sees it, so it is
    // not in --help.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == pimap::source::sheet::CHILD_COMMAND)
    {
        return ExitCode::from(pimap::source::sheet::run_child(&args[2..]));
    }
    // A panic on a worker thread is caught per file and reported in the inventory's
    // `errors` (a corrupt workbook can make a parser panic); printing it as well would only
    // alarm. Panics on the main thread are still printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            default_hook(info);
        }
    }));
    let args = match pimap::cli::Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(pimap::run(args) as u8)
}
