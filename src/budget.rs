//! One memory budget for the whole scan, shared by every worker.
//!
//! Whatever a reader holds in proportion to its input rather than to a fixed buffer (a
//! workbook or archive member read into memory, a cell or a JSON string that is megabytes
//! long, per-column state, the address space of a child process that parses a workbook) is
//! reserved here first. A file that needs more than the whole budget is an error of kind
//! `too_large` naming what it needed; a file that would fit once other workers release what
//! they hold waits for them (bounded), so two large files on two threads are read one after
//! the other instead of both failing or both exhausting memory.
//!
//! Per-worker caps would let N workers take N times the memory and still fail a file one
//! worker alone could read; one shared figure is what the user can reason about (`--max-memory`).

use crate::error::{Classified, ErrorKind};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The default of `--max-memory`: what the held-in-memory parts of a scan may take together.
pub const DEFAULT_LIMIT: u64 = 1 << 30;

/// How long a reservation that would fit waits for other workers to release memory.
const WAIT: Duration = Duration::from_secs(60);

/// The scan's memory budget.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    used: Mutex<u64>,
    released: Condvar,
}

/// A file needed more memory than the budget had for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverBudget {
    #[error("{what} needs over {} MiB, more than the memory budget of {} MiB (raise it with --max-memory)", mib(*.needed), mib(*.limit))]
    TooBig {
        what: &'static str,
        needed: u64,
        limit: u64,
    },
    #[error("{what} needs {} MiB and other files held the rest of the {} MiB memory budget for over {} s (use fewer threads or a larger --max-memory)", mib(*.needed), mib(*.limit), WAIT.as_secs())]
    Busy {
        what: &'static str,
        needed: u64,
        limit: u64,
    },
}

impl Classified for OverBudget {
    fn kind(&self) -> ErrorKind {
        ErrorKind::TooLarge
    }
}

fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

impl MemoryBudget {
    pub fn new(limit: u64) -> Self {
        MemoryBudget {
            limit,
            used: Mutex::new(0),
            released: Condvar::new(),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes reserved now, by all workers.
    pub fn in_use(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An empty reservation, to grow as a reader learns what it needs.
    pub fn start(&self, what: &'static str) -> Reservation<'_> {
        Reservation {
            budget: self,
            bytes: 0,
            what,
        }
    }

    /// Reserves `bytes` for `what` (named in the error).
    pub fn reserve(&self, bytes: u64, what: &'static str) -> Result<Reservation<'_>, OverBudget> {
        let mut r = self.start(what);
        r.grow(bytes)?;
        Ok(r)
    }

    /// Takes `more` bytes on behalf of a reservation that holds `held`. Waits while other
    /// reservations hold what is missing, up to `WAIT`.
    fn take(&self, held: u64, more: u64, what: &'static str) -> Result<(), OverBudget> {
        let needed = held.saturating_add(more);
        if needed > self.limit {
            return Err(OverBudget::TooBig {
                what,
                needed,
                limit: self.limit,
            });
        }
        let deadline = Instant::now() + WAIT;
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if *used + more <= self.limit {
                *used += more;
                return Ok(());
            }
            // Only others can release what is missing; if they hold nothing, nothing will come.
            let others = *used - held;
            let now = Instant::now();
            if others == 0 || now >= deadline {
                return Err(OverBudget::Busy {
                    what,
                    needed,
                    limit: self.limit,
                });
            }
            used = self
                .released
                .wait_timeout(used, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn give_back(&self, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(bytes);
        drop(used);
        self.released.notify_all();
    }
}

/// Memory held against the budget; released when dropped.
#[derive(Debug)]
pub struct Reservation<'a> {
    budget: &'a MemoryBudget,
    bytes: u64,
    what: &'static str,
}

impl Reservation<'_> {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The whole budget's size.
    pub fn limit(&self) -> u64 {
        self.budget.limit
    }

    /// Reserves `more` bytes on top of what is held.
    pub fn grow(&mut self, more: u64) -> Result<(), OverBudget> {
        if more == 0 {
            return Ok(());
        }
        self.budget.take(self.bytes, more, self.what)?;
        self.bytes += more;
        Ok(())
    }

    /// Makes the reservation at least `total` bytes.
    pub fn grow_to(&mut self, total: u64) -> Result<(), OverBudget> {
        self.grow(total.saturating_sub(self.bytes))
    }

    /// Gives back what is held above `total` bytes.
    pub fn shrink_to(&mut self, total: u64) {
        if total < self.bytes {
            self.budget.give_back(self.bytes - total);
            self.bytes = total;
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn reservations_are_released_when_dropped() {
        let budget = MemoryBudget::new(100);
        let a = budget.reserve(60, "a").unwrap();
        assert_eq!(budget.in_use(), 60);
        let mut b = budget.start("b");
        b.grow(40).unwrap();
        assert_eq!(budget.in_use(), 100);
        b.shrink_to(10);
        assert_eq!(budget.in_use(), 70);
        drop(a);
        drop(b);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn more_than_the_whole_budget_fails_at_once_and_names_what() {
        let budget = MemoryBudget::new(10 << 20);
        let held = budget.reserve(4 << 20, "a cell").unwrap();
        let mut r = budget.start("a cell");
        let err = r.grow(20 << 20).unwrap_err();
        assert!(matches!(err, OverBudget::TooBig { .. }), "{err:?}");
        assert!(err.to_string().starts_with("a cell needs over 20 MiB"), "{err}");
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        // What it held before the refused request is still held, and nothing more.
        drop(held);
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_request_that_only_others_block_waits_for_them() {
        let budget = Arc::new(MemoryBudget::new(100));
        let held = budget.reserve(80, "first").unwrap();
        let waiter = {
            let budget = Arc::clone(&budget);
            std::thread::spawn(move || budget.reserve(50, "second").map(|r| r.bytes()))
        };
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
        assert_eq!(waiter.join().unwrap(), Ok(50));
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn growing_past_the_limit_with_nobody_else_holding_fails_without_waiting() {
        let budget = MemoryBudget::new(100);
        let mut r = budget.reserve(70, "rows").unwrap();
        let started = Instant::now();
        // 70 + 40 > 100 but needed (110) is also over the limit: TooBig.
        assert!(matches!(r.grow(40), Err(OverBudget::TooBig { .. })));
        let other = budget.reserve(20, "other").unwrap();
        drop(other);
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(r.bytes(), 70);
    }
}
