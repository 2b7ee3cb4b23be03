//! The decompression-bomb guard every decompressor's output passes through, and the readers
//! that feed it: what was consumed underneath (for the ratio) and what was read on top (for
//! the size a member is recorded with).

use super::Budget;
use crate::error::{self, ErrorKind};
use std::cell::Cell;
use std::io::{self, Read};

/// What a guarded reader's expansion ratio is measured against.
#[derive(Clone, Copy)]
pub(super) enum Packed<'a> {
    /// The compressed size, known before reading (a zip member's, a sparse member's stored
    /// bytes).
    Known(u64),
    /// The compressed bytes a decompressor has consumed so far (a gzip stream's).
    Counted(&'a Cell<u64>),
}

impl Packed<'_> {
    fn bytes(self) -> u64 {
        match self {
            Packed::Known(n) => n,
            Packed::Counted(n) => n.get(),
        }
    }
}

/// Counts expanded bytes against the budget; fails when a guard trips. Errors of the reader
/// underneath are tagged with their kind (`tag_decoding`).
pub(super) struct Guarded<'a, R> {
    inner: R,
    budget: &'a Budget<'a>,
    packed: Packed<'a>,
    expanded: u64,
}

impl<'a, R: Read> Guarded<'a, R> {
    pub(super) fn new(inner: R, budget: &'a Budget<'a>, packed: Packed<'a>) -> Self {
        Guarded {
            inner,
            budget,
            packed,
            expanded: 0,
        }
    }

    pub(super) fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(tag_decoding)?;
        self.expanded += n as u64;
        let used = self.budget.used.get() + n as u64;
        self.budget.used.set(used);
        if used > self.budget.max_total {
            return Err(error::tag(
                ErrorKind::Bomb,
                format!(
                    "archive guard: members expand to more than {} MiB in total (possible decompression bomb)",
                    self.budget.max_total >> 20
                ),
            ));
        }
        if self.expanded > self.budget.ratio_floor
            && self.expanded / self.packed.bytes().max(1) > self.budget.max_ratio
        {
            return Err(error::tag(
                ErrorKind::Bomb,
                format!(
                    "archive guard: member expands more than {}x (possible decompression bomb)",
                    self.budget.max_ratio
                ),
            ));
        }
        Ok(n)
    }
}

/// An error of a member's reader, with its kind: the decompressor's errors are about the
/// data; a system error, or one already tagged (by a guard of an enclosing archive), keeps
/// its own.
pub(super) fn tag_decoding(e: io::Error) -> io::Error {
    let kind = ErrorKind::of_decoding(&e);
    if e.kind() == io::ErrorKind::Interrupted || kind == ErrorKind::of_io(&e) {
        e
    } else {
        error::tag(kind, e)
    }
}

/// Counts the bytes a decompressor takes from its input, for the ratio of what it gives.
pub(super) struct Counting<'a, R> {
    pub(super) inner: R,
    pub(super) taken: &'a Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

/// A member's reader that counts what is read through it, so that a member is recorded with
/// the size it held rather than the size its archive declared (hostile E5: 8.6 GB of
/// declared sizes in a 9.6 MB zip).
pub struct Measured<'a> {
    inner: &'a mut dyn Read,
    read: u64,
}

impl<'a> Measured<'a> {
    pub fn new(inner: &'a mut dyn Read) -> Self {
        Measured { inner, read: 0 }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}

impl Read for Measured<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::MemoryBudget;
    use std::io::Cursor;

    #[test]
    fn the_ratio_follows_what_the_decompressor_consumed() {
        let memory = MemoryBudget::new(1 << 20);
        let budget = Budget::new(1 << 40, &memory);
        let consumed = Cell::new(0);
        // 1 KiB consumed for 40 MiB given: over 500x once past the 16 MiB floor.
        consumed.set(1 << 10);
        let mut guarded = Guarded::new(
            io::repeat(b'a').take(40 << 20),
            &budget,
            Packed::Counted(&consumed),
        );
        let e = io::copy(&mut guarded, &mut io::sink()).unwrap_err();
        assert_eq!(ErrorKind::of_io(&e), ErrorKind::Bomb);
        assert!(e.to_string().contains("expands more than 500x"), "{e}");
        // As consumption keeps up, the same output passes.
        let budget = Budget::new(1 << 40, &memory);
        consumed.set(1 << 20);
        let mut guarded = Guarded::new(
            io::repeat(b'a').take(40 << 20),
            &budget,
            Packed::Counted(&consumed),
        );
        assert_eq!(io::copy(&mut guarded, &mut io::sink()).unwrap(), 40 << 20);
    }

    #[test]
    fn measured_counts_what_was_read() {
        let mut data = Cursor::new(vec![7u8; 1000]);
        let mut measured = Measured::new(&mut data);
        let mut head = [0u8; 300];
        measured.read_exact(&mut head).unwrap();
        assert_eq!(measured.bytes_read(), 300);
        io::copy(&mut measured, &mut io::sink()).unwrap();
        assert_eq!(measured.bytes_read(), 1000);
    }
}
