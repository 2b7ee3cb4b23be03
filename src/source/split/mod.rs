//! Where a large delimited file can be cut into parts read side by side (issue 11), so that
//! the parts together emit exactly what one reader from the start emits: the same records,
//! row numbers and column names, a multi-line quoted value neither lost nor read twice.
//!
//! A part must start at a record start: just after a newline outside quotes. Whether a
//! newline is outside quotes depends on everything before it, so the file is planned in two
//! steps:
//!
//! 1. Fixed pieces (one per nominal part, independent of the thread count) are summarised
//!    independently, each in one pass that does not know the quote state at its start and
//!    so works for both: from inside a quoted field, the newlines outside quotes are the ones
//!    after an odd number of quotes since the piece start instead of an even number
//!    (`summarize`, `PieceScanner`; rayon tasks in `plan`).
//! 2. A cheap sequential pass over the summaries learns each piece's true start state (the
//!    one before, flipped by an odd number of quotes), the absolute row and line counts, and
//!    moves each nominal cut forward to the first newline outside quotes (`resolve`).
//!
//! Quotes are csv-core's, not simply counted: a quote opens a quoted field only at a field's
//! start (after the delimiter, a line break, or the quote closing the field it doubles), and
//! is a literal character anywhere else (`5'11"`). Counting quotes is right exactly while
//! every quote that would open a field stands at such a start; the pass checks each, and a
//! file with a quote elsewhere is not split (`Unsplittable::StrayQuote`) rather than split by
//! a count that no longer matches the parser. Likewise a carriage return alone (a record end
//! to csv-core, not counted here), a file ending inside a quoted field, and a record long
//! enough for the reader to hand it out in pieces (which numbers each piece as a row).
//!
//! Rows are what `delimited` numbers: csv-core records, less blank lines (which csv-core
//! skips) and lines holding only `""` (one empty field, which `delimited` skips). Title
//! lines and the header are before the first cut: the planner starts from the record
//! boundary where the header was decided (`delimited::Layout::body`), with its row count.
//!
//! Encodings: the plan reads raw bytes. It is valid for UTF-8 and GB18030/GBK, where the
//! bytes it looks at (`\n`, `\r`, `"`, the delimiter) decode to themselves wherever they
//! stand: every byte of a UTF-8 multi-byte character is >= 0x80, and a GB18030 trail byte is
//! 0x30-0x39, 0x40-0x7E or 0x80-0xFE, while encoding_rs hands an ASCII byte that breaks a
//! sequence back to be decoded on its own (`gb18030.rs`, `unread()`). The one exception is
//! `|` (0x7C), a possible GBK trail byte: with it the caller passes no delimiter, and a
//! quoted field after `|` then stops the split. UTF-16 is never split (its newline is two
//! bytes, either of which may be part of another character).
//!
//! Use (the caller, for a large file of `Format::Delimited` read from disk):
//!
//! 1. `delimited::layout(&head, rest, size, chunk)`, on the calling thread: reads the first
//!    chunk as `read` would and decides delimiter, encoding, columns and `body`, the record
//!    boundary after the header. `None`: read the file whole, as before.
//! 2. `layout.plan(&file, size, target, window)`: the summaries as rayon tasks (one per
//!    piece of `target` bytes, each reading its piece in 1 MiB blocks), then `resolve`, then
//!    `align`: each cut moves forward to the next start of a window of `window` data rows
//!    (`WINDOW_ROWS` in `scan`), numbered from the file's start, or goes. The look-alike rule
//!    judges a window's findings by that window's own rows, so a part must hold whole
//!    windows for the parts to keep and drop what one reader does. `Ok(Err(_))`: read the
//!    file whole.
//! 3. For each cut, a rayon task: `delimited::read_part(Section::new(&file, cut, next),
//!    next - cut, &cut, &layout, chunk, emit)`. Records of part k all come before those of
//!    part k + 1 in a one-thread read; `rows` (against the next cut's `rows_before`) and
//!    `ended_inside` (false except in the last part) check that the parts met.

use rayon::prelude::*;
use std::io::{self, Read};

#[cfg(test)]
mod tests;

/// Bytes examined together, one bit of a `u64` each.
const BLOCK: usize = 64;

/// Bytes read at a time per piece by `plan`: memory stays at this per thread.
const READ: usize = 1 << 20;

/// At most this many pieces: a tiny target on a huge file gets larger pieces, not millions
/// of summaries.
const MAX_PIECES: u64 = 1 << 16;

/// Bytes before a piece that the checks look back at (`\n""\r` before a newline).
const LOOK_BEHIND: usize = 4;

/// Where a part of a file starts: a record start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Byte offset in the file as stored (before decoding).
    pub offset: u64,
    /// Data rows before the offset: the part's first row is `rows_before + 1`, as
    /// `Origin::Cell::row` numbers it.
    pub rows_before: u64,
    /// 1-based line at the offset: newline bytes before it, plus one.
    pub line: u64,
}

impl Cut {
    /// The start of the file: the first part, which also reads the header.
    pub const START: Cut = Cut {
        offset: 0,
        rows_before: 0,
        line: 1,
    };
}

/// Why a file is read by one reader from the start after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsplittable {
    #[error("a quoted field is still open at the end of the file")]
    UnbalancedQuote,
    #[error("a quote in the middle of an unquoted field")]
    StrayQuote,
    #[error("a carriage return without a line feed")]
    LoneCarriageReturn,
    #[error("a record longer than the split limit")]
    LongRecord,
}

/// What a piece holds from either quote state at its start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Piece {
    pub len: u64,
    /// Newline bytes, quoted or not.
    pub newlines: u64,
    /// An odd number of quote bytes: the piece ends in the other state than it starts in.
    pub odd_quotes: bool,
    /// The byte before the piece is a newline: starting outside quotes, the piece starts at
    /// a record.
    pub after_newline: bool,
    pub carriage_returns: u64,
    /// `\r\n` pairs whose `\n` is in the piece.
    pub crlf: u64,
    /// Index 0: starting outside quotes; index 1: inside a quoted field.
    pub from: [Track; 2],
}

/// What a piece holds from one start state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Track {
    /// Data rows ended in the piece.
    pub rows: u64,
    /// The first newline outside quotes: where a part can start, just after it.
    pub first: Option<NewlineAt>,
    /// Offset of the last newline outside quotes.
    pub last_newline: Option<u64>,
    /// Longest distance between two newlines outside quotes (distances under 64 bytes are
    /// not measured).
    pub longest_gap: u64,
    /// A quote that csv-core reads as a literal character would open a quoted field by count.
    pub stray_quote: bool,
    /// The newline outside quotes that ends the scanner's goal-th data row, if it was given
    /// one (`PieceScanner::with_goal`) and the piece gets that far.
    pub goal: Option<NewlineAt>,
}

/// A newline outside quotes, and what the piece holds up to and including it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewlineAt {
    /// Offset of the newline byte in the piece.
    pub offset: u64,
    pub rows: u64,
    pub newlines: u64,
}

/// The bytes a block is examined for, one bit per byte.
#[derive(Debug, Clone, Copy, Default)]
struct Masks {
    quote: u64,
    lf: u64,
    cr: u64,
    delimiter: u64,
}

/// Summarises one piece incrementally, so a piece can be read in bounded blocks.
#[derive(Debug, Clone)]
pub struct PieceScanner {
    delimiter: Option<u8>,
    /// Data rows after which `Track::goal` is noted.
    goal: Option<u64>,
    piece: Piece,
    /// Starting outside quotes: all ones while inside a quoted field (block to block).
    inside: u64,
    /// The previous block's masks, looked back at across the block boundary.
    prev: Masks,
    /// Bytes of an unfinished block.
    tail: [u8; BLOCK],
    tail_len: usize,
}

impl PieceScanner {
    /// A scanner of the piece right after `before` (the bytes before it: at least
    /// `LOOK_BEHIND` of them, or all there are near the start of the file). `delimiter` is
    /// the one a quote may follow when opening a field; `None` when that cannot be told from
    /// raw bytes (`|` in GB18030).
    pub fn new(before: &[u8], delimiter: Option<u8>) -> Self {
        let before = &before[before.len().saturating_sub(LOOK_BEHIND)..];
        // The bytes before the piece, at the end of an imaginary block; the start of the
        // file reads like a line break (a record starts there).
        let mut block = [0u8; BLOCK];
        let at = BLOCK - before.len();
        block[at..].copy_from_slice(before);
        let mut valid = (!0u64).checked_shl(at as u32).unwrap_or(0);
        if before.len() < LOOK_BEHIND {
            block[at - 1] = b'\n';
            valid |= 1 << (at - 1);
        }
        let prev = masks_of(&block, delimiter, valid);
        PieceScanner {
            delimiter,
            goal: None,
            piece: Piece {
                after_newline: block[BLOCK - 1] == b'\n',
                ..Piece::default()
            },
            inside: 0,
            prev,
            tail: [0; BLOCK],
            tail_len: 0,
        }
    }

    /// Also notes where the piece's `rows`-th data row ends (`Track::goal`), so that a cut
    /// can be moved by an exact number of rows with the row rule the summaries use. A goal of
    /// zero rows is none.
    pub fn with_goal(mut self, rows: u64) -> Self {
        self.goal = (rows > 0).then_some(rows);
        self
    }

    /// Where the goal row ends starting outside quotes, once a fed block reached it (bytes
    /// short of a whole block wait for more, or for `finish`).
    pub fn reached(&self) -> Option<NewlineAt> {
        self.piece.from[0].goal
    }

    /// The next bytes of the piece.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        if self.tail_len > 0 {
            let take = (BLOCK - self.tail_len).min(bytes.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&bytes[..take]);
            self.tail_len += take;
            bytes = &bytes[take..];
            if self.tail_len < BLOCK {
                return;
            }
            let block = self.tail;
            self.tail_len = 0;
            self.block(&block, BLOCK);
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                self.block(block, BLOCK);
            }
        }
        let rest = blocks.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    /// The summary of everything fed.
    pub fn finish(mut self) -> Piece {
        if self.tail_len > 0 {
            let mut block = [0u8; BLOCK];
            block[..self.tail_len].copy_from_slice(&self.tail[..self.tail_len]);
            self.block(&block, self.tail_len);
        }
        self.piece.odd_quotes = self.inside != 0;
        self.piece
    }

    /// Examines one block of which the first `len` bytes are the piece's.
    fn block(&mut self, block: &[u8; BLOCK], len: usize) {
        let valid = if len >= BLOCK { !0 } else { (1u64 << len) - 1 };
        let m = masks_of(block, self.delimiter, valid);
        let p = std::mem::replace(&mut self.prev, m);
        let behind = |now: u64, before: u64, k: u32| (now << k) | (before >> (64 - k));
        let quote = |k| behind(m.quote, p.quote, k);
        let lf = |k| behind(m.lf, p.lf, k);
        let cr1 = behind(m.cr, p.cr, 1);
        // Where csv-core is at a field's start if outside quotes, or just past a closing
        // quote (a quote there doubles it).
        let may_open = behind(
            m.delimiter | m.lf | m.cr | m.quote,
            p.delimiter | p.lf | p.cr | p.quote,
            1,
        );
        // A newline ending nothing: csv-core skips blank lines.
        let blank = lf(1) | (cr1 & lf(2));
        // A newline ending a line of just `""`: one empty field, skipped by `delimited`.
        let empty_quoted = (quote(1) & quote(2) & lf(3)) | (cr1 & quote(2) & quote(3) & lf(4));

        // Inside quotes when starting outside, by the count of quotes so far (a quote itself
        // counts: an opening one is marked, a closing one is not).
        let inside = prefix_xor(m.quote) ^ self.inside;
        self.inside = ((inside as i64) >> 63) as u64;

        let base = self.piece.len;
        let newlines_before = self.piece.newlines;
        let goal = self.goal;
        for (track, inside) in self.piece.from.iter_mut().zip([inside, !inside]) {
            track.stray_quote |= m.quote & inside & !may_open != 0;
            let outside_lf = m.lf & !inside;
            if outside_lf == 0 {
                continue;
            }
            let rows = outside_lf & !blank & !empty_quoted;
            let first = u64::from(outside_lf.trailing_zeros());
            let last = u64::from(63 - outside_lf.leading_zeros());
            match track.last_newline {
                Some(before) => track.longest_gap = track.longest_gap.max(base + first - before),
                None => {
                    let upto = !0u64 >> (63 - first);
                    track.first = Some(NewlineAt {
                        offset: base + first,
                        rows: u64::from((rows & upto).count_ones()),
                        newlines: newlines_before + u64::from((m.lf & upto).count_ones()),
                    });
                }
            }
            track.last_newline = Some(base + last);
            let ended = u64::from(rows.count_ones());
            if let Some(goal) = goal.filter(|&goal| track.goal.is_none() && track.rows + ended >= goal) {
                let at = u64::from(nth_one(rows, goal - track.rows));
                let upto = !0u64 >> (63 - at);
                track.goal = Some(NewlineAt {
                    offset: base + at,
                    rows: goal,
                    newlines: newlines_before + u64::from((m.lf & upto).count_ones()),
                });
            }
            track.rows += ended;
        }
        self.piece.newlines += u64::from(m.lf.count_ones());
        self.piece.carriage_returns += u64::from(m.cr.count_ones());
        self.piece.crlf += u64::from((m.lf & cr1).count_ones());
        self.piece.len += len as u64;
    }
}

/// Summarises `piece`, which follows `before` in the file (see `PieceScanner::new`).
pub fn summarize(before: &[u8], piece: &[u8], delimiter: Option<u8>) -> Piece {
    let mut scanner = PieceScanner::new(before, delimiter);
    scanner.feed(piece);
    scanner.finish()
}

/// Bit `i` set where bit `i` or an odd number of bits below it are set: inside quotes.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The position of the `n`-th one bit of `x` (from 1, lowest first); `x` has at least `n`.
fn nth_one(mut x: u64, n: u64) -> u32 {
    for _ in 1..n {
        x &= x.wrapping_sub(1);
    }
    // Fewer ones than `n` would leave none: still a position the caller can shift by.
    x.trailing_zeros().min(63)
}

#[inline(always)]
fn masks_of(block: &[u8; BLOCK], delimiter: Option<u8>, valid: u64) -> Masks {
    let [quote, lf, cr, delimiter] = match delimiter {
        Some(d) => eq_masks(block, [b'"', b'\n', b'\r', d]),
        None => {
            let [q, l, c, _] = eq_masks(block, [b'"', b'\n', b'\r', b'\n']);
            [q, l, c, 0]
        }
    };
    Masks {
        quote: quote & valid,
        lf: lf & valid,
        cr: cr & valid,
        delimiter: delimiter & valid,
    }
}

/// For each needle, a bit per byte of `block` equal to it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn eq_masks(block: &[u8; BLOCK], needles: [u8; 4]) -> [u64; 4] {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let mut out = [0u64; 4];
    // SAFETY: SSE2 is part of every x86_64 CPU (the target's baseline), and each load reads
    // the 16 bytes at 16 * lane, inside the 64-byte block.
    unsafe {
        for lane in 0..BLOCK / 16 {
            let bytes = _mm_loadu_si128(block.as_ptr().add(16 * lane).cast());
            for (mask, &needle) in out.iter_mut().zip(&needles) {
                let equal = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(needle as i8));
                *mask |= u64::from(_mm_movemask_epi8(equal) as u16) << (16 * lane);
            }
        }
    }
    out
}

/// For each needle, a bit per byte of `block` equal to it (16 bytes at a time, which the
/// compiler vectorises better than 64).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn eq_masks(block: &[u8; BLOCK], needles: [u8; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (lane, bytes) in block.chunks_exact(16).enumerate() {
        for (mask, &needle) in out.iter_mut().zip(&needles) {
            let mut bits = 0u16;
            for (i, &b) in bytes.iter().enumerate() {
                bits |= u16::from(b == needle) << i;
            }
            *mask |= u64::from(bits) << (16 * lane);
        }
    }
    out
}

/// The cuts, from the summaries of the consecutive pieces that start at `body` (a record
/// boundary whose counts are known: where the header was decided) and run to the end of the
/// file. The first cut is `Cut::START`; each further piece gives one just after its first
/// newline outside quotes (or at its start, when the byte before it is one), if it has one.
/// `max_record` (64 or more) is the longest record allowed, newline to newline.
pub fn resolve(body: &Cut, pieces: &[Piece], max_record: u64) -> Result<Vec<Cut>, Unsplittable> {
    let mut cuts = vec![Cut::START];
    let mut inside = false;
    let (mut at, mut rows, mut newlines) = (body.offset, body.rows_before, body.line.saturating_sub(1));
    // Where the record being measured started: just after the newline before it.
    let mut record_start = body.offset;
    let (mut carriage_returns, mut crlf) = (0, 0);
    for (k, piece) in pieces.iter().enumerate() {
        let track = &piece.from[usize::from(inside)];
        if track.stray_quote {
            return Err(Unsplittable::StrayQuote);
        }
        let cut = if k == 0 {
            None
        } else if !inside && piece.after_newline {
            Some(Cut {
                offset: at,
                rows_before: rows,
                line: newlines + 1,
            })
        } else {
            track.first.map(|first| Cut {
                offset: at + first.offset + 1,
                rows_before: rows + first.rows,
                line: newlines + first.newlines + 1,
            })
        };
        // The previous piece's first newline may have been its last byte: the same cut.
        if let Some(cut) = cut.filter(|cut| cuts.last().is_none_or(|last| last.offset < cut.offset)) {
            cuts.push(cut);
        }
        if let (Some(first), Some(last)) = (track.first, track.last_newline) {
            let gap = (at + first.offset + 1).saturating_sub(record_start);
            if gap.max(track.longest_gap) > max_record {
                return Err(Unsplittable::LongRecord);
            }
            record_start = at + last + 1;
        }
        carriage_returns += piece.carriage_returns;
        crlf += piece.crlf;
        rows += track.rows;
        newlines += piece.newlines;
        inside ^= piece.odd_quotes;
        at += piece.len;
    }
    if inside {
        return Err(Unsplittable::UnbalancedQuote);
    }
    if carriage_returns != crlf {
        return Err(Unsplittable::LoneCarriageReturn);
    }
    if at.saturating_sub(record_start) > max_record {
        return Err(Unsplittable::LongRecord);
    }
    // A newline at the very end would start an empty part.
    cuts.retain(|cut| cut.offset == 0 || cut.offset < at);
    Ok(cuts)
}

/// Positional reads: many threads read one file without sharing a cursor.
pub trait ReadAt: Sync {
    /// Fills `buf` from byte `offset`; an error if the source ends first.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

impl ReadAt for std::fs::File {
    #[cfg(unix)]
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self, buf, offset)
    }

    /// `seek_read` moves the file's cursor, but never reads from it: threads do not race.
    #[cfg(windows)]
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            match self.seek_read(buf, offset) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    #[cfg(not(any(unix, windows)))]
    fn read_exact_at(&self, _buf: &mut [u8], _offset: u64) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let from = usize::try_from(offset).unwrap_or(usize::MAX);
        let bytes = from
            .checked_add(buf.len())
            .and_then(|to| self.get(from..to))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// Bytes `start..end` of a positional source as a stream: one part, for its reader.
pub struct Section<'a, S: ReadAt + ?Sized> {
    source: &'a S,
    at: u64,
    end: u64,
}

impl<'a, S: ReadAt + ?Sized> Section<'a, S> {
    pub fn new(source: &'a S, start: u64, end: u64) -> Self {
        Section {
            source,
            at: start,
            end: end.max(start),
        }
    }
}

impl<S: ReadAt + ?Sized> Read for Section<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = usize::try_from(self.end - self.at)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        self.source.read_exact_at(&mut buf[..n], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Plans the parts of a file of `size` bytes whose records from `body` on are data (see
/// `resolve`): pieces of about `target` bytes from `body`, each summarised by a rayon task
/// reading it in 1 MiB blocks, then resolved in order. `Ok(Err(_))` says why the file is
/// better read by one reader; the caller then reads it whole, as before.
pub fn plan<S: ReadAt + ?Sized>(
    source: &S,
    size: u64,
    body: &Cut,
    target: u64,
    delimiter: Option<u8>,
    max_record: u64,
) -> io::Result<Result<Vec<Cut>, Unsplittable>> {
    let span = size.saturating_sub(body.offset);
    let piece_len = target.max(1).max(span.div_ceil(MAX_PIECES));
    let count = usize::try_from(span.div_ceil(piece_len)).unwrap_or(usize::MAX);
    let pieces = (0..count)
        .into_par_iter()
        .map(|k| {
            let start = body.offset + k as u64 * piece_len;
            summarize_range(
                source,
                start,
                size.min(start.saturating_add(piece_len)),
                delimiter,
            )
        })
        .collect::<io::Result<Vec<Piece>>>()?;
    Ok(resolve(body, &pieces, max_record))
}

/// Summarises bytes `start..end` of `source`.
fn summarize_range<S: ReadAt + ?Sized>(
    source: &S,
    start: u64,
    end: u64,
    delimiter: Option<u8>,
) -> io::Result<Piece> {
    scan_range(source, start, end, delimiter, 0)
}

/// Summarises bytes `start..end` of `source`, reading no further once the `goal`-th data row
/// from outside quotes has ended (no goal: 0).
fn scan_range<S: ReadAt + ?Sized>(
    source: &S,
    start: u64,
    end: u64,
    delimiter: Option<u8>,
    goal: u64,
) -> io::Result<Piece> {
    let from = start.saturating_sub(LOOK_BEHIND as u64);
    let mut before = [0u8; LOOK_BEHIND];
    let before = &mut before[..(start - from) as usize];
    source.read_exact_at(before, from)?;
    let mut scanner = PieceScanner::new(before, delimiter).with_goal(goal);
    let mut buf = vec![0u8; usize::try_from(end.saturating_sub(start)).map_or(READ, |n| n.min(READ))];
    let mut at = start;
    while at < end && scanner.reached().is_none() {
        let n = usize::try_from(end - at).map_or(buf.len(), |n| n.min(buf.len()));
        source.read_exact_at(&mut buf[..n], at)?;
        scanner.feed(&buf[..n]);
        at += n as u64;
    }
    Ok(scanner.finish())
}

/// Moves each cut after the first forward to the first record start at or after it whose
/// `rows_before` is a multiple of `window` (0 counts as 1): the start of a window of rows as
/// the scan numbers them from the file's start, so that every window is read whole by one
/// part. `cuts` are a plan of the file of `size` bytes in `source` (`plan`, whose checks
/// make the raw bytes' rows the reader's). A cut that would move onto the next one or the end
/// of the file, or finds no window start before them, is dropped: the part before it runs
/// longer. Each cut is moved by a rayon task reading at most up to the next cut, in 1 MiB
/// blocks.
pub fn align<S: ReadAt + ?Sized>(
    source: &S,
    size: u64,
    cuts: &[Cut],
    window: u64,
    delimiter: Option<u8>,
) -> io::Result<Vec<Cut>> {
    let window = window.max(1);
    // The first window start at or past the next cut is also the first at or after the next
    // cut, which moves there itself (or is dropped at the end): no task need look past its
    // next cut, so the tasks are independent.
    let moved = cuts
        .par_iter()
        .enumerate()
        .skip(1)
        .map(|(k, cut)| {
            let end = cuts.get(k + 1).map_or(size, |next| next.offset).min(size);
            align_cut(source, cut, end, window, delimiter)
        })
        .collect::<io::Result<Vec<Option<Cut>>>>()?;
    let mut aligned: Vec<Cut> = cuts.first().copied().into_iter().collect();
    for cut in moved.into_iter().flatten() {
        if cut.offset < size && aligned.last().is_none_or(|last| last.offset < cut.offset) {
            aligned.push(cut);
        }
    }
    Ok(aligned)
}

/// `cut` moved to the first window start at or after it and before `end`, if there is one.
fn align_cut<S: ReadAt + ?Sized>(
    source: &S,
    cut: &Cut,
    end: u64,
    window: u64,
    delimiter: Option<u8>,
) -> io::Result<Option<Cut>> {
    let into = cut.rows_before % window;
    if into == 0 {
        return Ok(Some(*cut));
    }
    if cut.offset >= end {
        return Ok(None);
    }
    let goal = window - into;
    let piece = scan_range(source, cut.offset, end, delimiter, goal)?;
    Ok(piece.from[0]
        .goal
        .map(|at| Cut {
            offset: cut.offset + at.offset + 1,
            rows_before: cut.rows_before.saturating_add(goal),
            line: cut.line + at.newlines,
        })
        .filter(|moved| moved.offset < end))
}
