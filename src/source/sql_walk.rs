//! Incremental walk over SQL dump text (mysqldump / MariaDB dump and pg_dump
//! plain format) that reports every literal value of the dumped data together
//! with its table, 1-based row and column, so detectors can say
//! "`customer.id_card`, row 17" instead of "byte 3 MB of one giant line".
//!
//! The caller feeds decoded UTF-8 chunks in order, cut anywhere at char
//! boundaries; the events do not depend on where the cuts fall (text
//! passthrough may arrive in different pieces, values never do). Understood
//! are:
//! - `INSERT [IGNORE] INTO t [(cols)] VALUES (...),(...);`, `REPLACE INTO`,
//!   pg `--inserts` / `--column-inserts`, tuples of any size on one line;
//! - pg `COPY t (cols) FROM stdin;` text-format blocks up to the `\.` line;
//! - `CREATE TABLE` column lists, which name the columns of later INSERTs
//!   without a column list (matched by position).
//!
//! Everything else (comments, `SET`, `LOCK TABLES`, `ALTER`, other `CREATE`
//! statements, unknown SQL, the tail of an INSERT after its tuples such as
//! `ON DUPLICATE KEY UPDATE`) is passed through as [`SqlText`] so the caller
//! can scan it as plain text. `CREATE TABLE` statements are both parsed and
//! passed through. The syntax of understood statements (`INSERT INTO t
//! VALUES`, `COPY ... FROM stdin;`) is not emitted.
//!
//! Memory is O(longest value), capped at [`MAX_VALUE_BYTES`] (the copy buffer
//! never exceeds twice that), plus a statement head of at most 64 KiB and the
//! column names of the tables seen; nothing grows with statement or line
//! length. Offsets of events are stream offsets and may lie in an earlier
//! chunk when a value or statement head straddled the boundary. Values that
//! lie inside one chunk and need no unescaping are handed out as slices of
//! the chunk; only escaped values and values cut by a chunk boundary are
//! copied. A value longer than the cap is delivered as several consecutive
//! [`SqlValue`]s for the same cell (see [`MAX_VALUE_BYTES`]).
//!
//! What it deliberately does not do:
//! - execute SQL or check values against column types: it only tokenizes, so
//!   `'abc'` in an `int` column is reported as `abc`;
//! - emit `NULL`/`\N`, empty strings, binary literals (`_binary'..'`,
//!   `X'..'`, `B'..'`, `0x..`, `0b..`) or `::type` casts: none is text a
//!   person could be identified by, and hex blobs would flood the detectors
//!   with digit runs (they are still parsed, so the walk stays in sync);
//! - evaluate expressions: in a value like `CONCAT('a','b')` every literal is
//!   reported separately under the same cell, bare words included;
//! - resolve octal/hex/unicode escapes (`\101`, `\x41`, `\u0041`) in pg
//!   `E'..'` strings and COPY data: they are kept verbatim, because decoding
//!   them could produce invalid UTF-8 and pg_dump never writes them for text;
//! - parse CSV/binary COPY (`COPY .. FROM stdin WITH (FORMAT csv)`): such
//!   blocks are passed through line by line as text, rows counted by line;
//! - distinguish schemas: `a.t` and `b.t` share the table name `t`, because
//!   the inventory reports tables by name and dumps rarely repeat names.
//!
//! Dialect: MySQL is assumed (backslash escapes in strings) until a
//! `-- PostgreSQL database dump` comment, a `SET standard_conforming_strings`
//! or a `COPY ... FROM stdin` says otherwise; pg then reads `'..'` without
//! backslash escapes (unless `standard_conforming_strings = off`) and knows
//! `$tag$` quoting.

use memchr::{memchr, memchr2, memchr3, memmem};
use std::collections::HashMap;

/// Longest decoded text delivered in one [`SqlValue`]. A longer value is split
/// at char boundaries into pieces of at most this size, delivered in order with
/// the same table/row/column; piece k's offset is the value's offset plus the
/// decoded bytes of the pieces before it (exact when the value has no
/// escapes). Split points depend only on the value, never on chunking.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// Statement heads are buffered until they can be classified; a head longer
/// than this is treated as unknown SQL and passed through as text.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Classification re-reads the head at every top-level `(`; real heads need at
/// most three reads, so more means garbage and quadratic work.
const MAX_CLASSIFY_RUNS: u32 = 8;
/// Positional column names ("1", "2", ...) are cached up to this count; MySQL
/// and pg cap tables at 4096 and 1600 columns, so beyond is garbage and the
/// name is formatted per value instead of growing the cache.
const MAX_CACHED_POSITIONS: usize = 4096;
/// Tables remembered per dump (name, row count, `CREATE TABLE` columns): a dump of millions
/// of tables (hostile M3) must not cost memory per table. Past this, only the table being
/// read and the last `CREATE TABLE` are kept, which is right for dumps that keep a table's
/// definition and rows together; a forgotten table seen again restarts its row numbers and
/// names its columns by position.
pub const MAX_TABLES: usize = 10_000;
/// Bytes of each line comment kept to recognise dump headers.
const PROBE_BYTES: usize = 48;
/// Longer `$tag$` delimiters are not treated as dollar quotes.
const MAX_DOLLAR_TAG: usize = 63;
/// An introducer like `_utf8mb4` is short; a longer `_word` is just a word.
const MAX_INTRODUCER: usize = 64;

/// Where a value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlValue<'a> {
    /// Unquoted table name without schema (`public.members` -> `members`).
    pub table: &'a str,
    /// 1-based row within the table, counted across all INSERT statements and
    /// COPY blocks of that table.
    pub row: u64,
    /// Column name from the INSERT/COPY column list or the earlier `CREATE
    /// TABLE`, else the 1-based position as text (`"3"`).
    pub column: &'a str,
    /// The value with quotes removed and escapes resolved; unquoted tokens
    /// (numbers, `true`) verbatim. Never empty.
    pub text: &'a str,
    /// Byte offset in the concatenated input of the value's first byte; for
    /// quoted strings the opening quote (also after a prefix like `E` or
    /// `_utf8mb4`).
    pub offset: u64,
}

/// Text the walker did not understand as dump data (comments, `SET`, `CREATE`,
/// unknown SQL). May arrive in several pieces; pieces never split a char.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlText<'a> {
    pub text: &'a str,
    /// Byte offset of `text` in the concatenated input.
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlEvent<'a> {
    Value(SqlValue<'a>),
    Text(SqlText<'a>),
}

/// A dump that ends inside a data statement, string, comment or COPY block: the rows
/// after the cut are missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Truncated(String);

impl crate::error::Classified for Truncated {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Truncated
    }
}

/// Streaming SQL dump walker; see the module docs.
#[derive(Debug, Clone)]
pub struct SqlWalker {
    /// Stream offset of the first byte of the chunk being fed.
    base: u64,
    mode: Mode,
    lex: Lexer,
    head: String,
    head_off: u64,
    head_runs: u32,
    /// Set once the head is known to need its `;` (CREATE TABLE, COPY with
    /// options), so a `(` no longer triggers classification.
    head_wait_semi: bool,
    probe: Vec<u8>,
    probe_done: bool,
    pg: bool,
    /// pg `standard_conforming_strings`: `'..'` has no backslash escapes.
    std_strings: bool,
    scs_explicit: bool,
    data: Data,
    acc: Acc,
    /// Paren depth inside the current tuple; 1 = the tuple itself.
    depth: u32,
    prefix: Prefix,
    copy_raw: bool,
    /// While `feed_to_window` runs: rows per window (else 0), and whether it is to stop.
    stop_window: u64,
    stopped: bool,
    /// The COPY line `feed_to_window` last stopped before.
    copy_stop: u64,
}

impl Default for SqlWalker {
    fn default() -> Self {
        Self::new()
    }
}

impl SqlWalker {
    pub fn new() -> Self {
        SqlWalker {
            base: 0,
            mode: Mode::Idle,
            lex: Lexer::default(),
            head: String::new(),
            head_off: 0,
            head_runs: 0,
            head_wait_semi: false,
            probe: Vec::with_capacity(PROBE_BYTES),
            probe_done: true,
            pg: false,
            std_strings: false,
            scs_explicit: false,
            data: Data::default(),
            acc: Acc::default(),
            depth: 0,
            prefix: Prefix::None,
            copy_raw: false,
            stop_window: 0,
            stopped: false,
            copy_stop: u64::MAX,
        }
    }

    /// Feeds the next chunk. Calls `emit` for every complete value and for
    /// passthrough text.
    pub fn feed(&mut self, chunk: &str, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        self.feed_some(chunk, emit);
    }

    /// Feeds `chunk` as `feed` does, but stops where a row begins whose table has a
    /// multiple of `window` rows before it (just after an INSERT tuple's `(`, just before a
    /// COPY data line), before any of its values: returns the bytes consumed, all of them
    /// when no such row begins in `chunk`. Feeding the rest afterwards goes on as if nothing
    /// had stopped, so a clone taken at the stop is the walker's state at that offset: where
    /// a big dump can be cut and read on by a second walker (`sql::plan`). Rows are counted
    /// as `begin_row` numbers them, so windows are those of the rows the walker reports.
    pub fn feed_to_window(&mut self, chunk: &str, window: u64, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        self.stop_window = window;
        let used = self.feed_some(chunk, emit);
        self.stop_window = 0;
        used
    }

    /// Whether `other` is at the same place of the same input: same offset, state and row.
    pub fn same_place(&self, other: &SqlWalker) -> bool {
        self.base == other.base
            && self.mode == other.mode
            && self.data.cur == other.data.cur
            && self.data.row == other.data.row
            && self.data.tables.len() == other.data.tables.len()
    }

    /// Begins a row of the current table; `feed_to_window` stops right after when the row
    /// starts a window.
    fn begin_row(&mut self) {
        self.stopped = self.window_starts();
        self.data.begin_row();
    }

    /// Whether the next row of the current table starts a window of `feed_to_window`.
    fn window_starts(&self) -> bool {
        let rows = self.data.tables.get(self.data.cur).map_or(0, |t| t.1);
        self.stop_window > 0 && rows > 0 && rows.is_multiple_of(self.stop_window)
    }

    fn feed_some(&mut self, chunk: &str, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let n = chunk.len();
        let mut i = 0;
        let mut stalls = 0u32;
        while i < n {
            let at = i;
            i = match self.mode {
                Mode::Idle => self.run_idle(chunk, i, emit),
                Mode::IdleDash(o) => self.run_idle_dash(chunk, i, o, emit),
                Mode::IdleSlash(o) => self.run_idle_slash(chunk, i, o, emit),
                Mode::LineComment => self.run_line(chunk, i, emit),
                Mode::BlockComment { .. } => self.run_block(chunk, i, i, emit),
                Mode::Head => self.run_head(chunk, i, emit),
                Mode::Pass => self.run_pass(chunk, i, emit),
                Mode::Tuples(_) => self.run_tuples(chunk, i, emit),
                Mode::CopyPreamble => self.run_copy_preamble(chunk, i, emit),
                Mode::Copy(_) => self.run_copy(chunk, i, emit),
            };
            if self.stopped {
                self.stopped = false;
                self.base += i as u64;
                return i;
            }
            // Every state consumes input or hands over to one that does; a
            // cycle would be a bug, and hanging on a customer's file is worse
            // than losing one char of structure, so resynchronise instead.
            if i == at {
                stalls += 1;
                if stalls > 8 {
                    let mut next = at + 1;
                    while !chunk.is_char_boundary(next) {
                        next += 1;
                    }
                    text(emit, chunk.get(at..next).unwrap_or(""), self.off(at));
                    self.reset_to_idle();
                    i = next;
                    stalls = 0;
                }
            } else {
                stalls = 0;
            }
        }
        self.base += n as u64;
        n
    }

    /// End of input: flushes a pending value or text and reports whether the
    /// input ended inside a data statement, string, comment or COPY block.
    /// An unknown statement without its final `;` is not an error (scripts
    /// often omit it); an INSERT/COPY/CREATE without its end is.
    pub fn finish(&mut self, emit: &mut dyn FnMut(SqlEvent<'_>)) -> Result<(), Truncated> {
        let mode = std::mem::replace(&mut self.mode, Mode::Idle);
        let res = match mode {
            Mode::Idle | Mode::LineComment => Ok(()),
            Mode::IdleDash(o) => {
                text(emit, "-", o);
                Ok(())
            }
            Mode::IdleSlash(o) => {
                text(emit, "/", o);
                Ok(())
            }
            Mode::BlockComment { .. } => {
                Err("truncated SQL dump: input ended inside a /* comment */".to_string())
            }
            Mode::Head => {
                let head = std::mem::take(&mut self.head);
                text(emit, &head, self.head_off);
                if self.lex.in_literal() {
                    Err(format!(
                        "truncated SQL dump: input ended inside a quoted string or comment \
                         in the statement at byte {} ({})",
                        self.head_off,
                        snippet(&head)
                    ))
                } else if is_data_head(&head) {
                    Err(format!(
                        "truncated SQL dump: input ended inside the statement at byte {} ({})",
                        self.head_off,
                        snippet(&head)
                    ))
                } else {
                    Ok(())
                }
            }
            Mode::Pass => {
                if self.lex.in_literal() {
                    Err(format!(
                        "truncated SQL dump: input ended inside a quoted string or comment \
                         in the statement at byte {}",
                        self.head_off
                    ))
                } else {
                    Ok(())
                }
            }
            Mode::Tuples(t) => {
                let what = format!("INSERT INTO `{}`", self.data.shown_table_name());
                let row = self.data.row;
                match t {
                    Tup::Between => Err(format!(
                        "truncated SQL dump: input ended after row {row} of {what} \
                         without the closing `;`"
                    )),
                    Tup::In => Err(format!(
                        "truncated SQL dump: input ended inside {what} (row {row})"
                    )),
                    Tup::Str { pending, .. } => {
                        self.acc.finish("", &self.data, emit);
                        if pending == Pend::Quote {
                            Err(format!(
                                "truncated SQL dump: input ended inside {what} (row {row})"
                            ))
                        } else {
                            Err(format!(
                                "truncated SQL dump: input ended inside a string in {what} \
                                 (row {row})"
                            ))
                        }
                    }
                    Tup::Bare => {
                        self.end_bare("", b' ', emit);
                        Err(format!(
                            "truncated SQL dump: input ended inside {what} (row {row})"
                        ))
                    }
                }
            }
            Mode::CopyPreamble => Err(format!(
                "truncated SQL dump: input ended at the start of COPY data for `{}`",
                self.data.shown_table_name()
            )),
            Mode::Copy(c) => {
                let what = format!("COPY data for `{}`", self.data.shown_table_name());
                match c {
                    // `\.` right at the end: the block is complete.
                    Cp::BsDot(_) => Ok(()),
                    Cp::Field { .. } => {
                        self.end_field("", emit);
                        Err(format!(
                            "truncated SQL dump: input ended inside {what} (row {}) \
                             before the `\\.` line",
                            self.data.row
                        ))
                    }
                    _ => Err(format!(
                        "truncated SQL dump: input ended inside {what} after row {} \
                         before the `\\.` line",
                        self.data.row
                    )),
                }
            }
        };
        self.reset_to_idle();
        res.map_err(Truncated)
    }

    /// Rows seen per table in first-seen order; tables only defined by
    /// `CREATE TABLE` are listed with 0 rows.
    pub fn tables(&self) -> Vec<(String, u64)> {
        self.data.tables.clone()
    }

    /// How often the table being read past `MAX_TABLES` changed (a table defined in one
    /// place and filled in another counts twice): more than 0 means tables were forgotten.
    pub fn forgotten_tables(&self) -> u64 {
        self.data.forgotten
    }

    fn off(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    fn dialect(&self) -> Dialect {
        Dialect {
            pg: self.pg,
            backslash_single: !self.std_strings,
        }
    }

    fn reset_to_idle(&mut self) {
        self.mode = Mode::Idle;
        self.acc.buf.clear();
        self.head.clear();
        self.lex.reset();
    }

    fn start_head(&mut self, off: u64) {
        self.head.clear();
        self.head_off = off;
        self.head_runs = 0;
        self.head_wait_semi = false;
        self.lex.reset();
        self.mode = Mode::Head;
    }

    fn start_line_comment(&mut self, probe: bool) {
        self.probe.clear();
        self.probe_done = !probe;
        self.mode = Mode::LineComment;
    }

    // ---- between statements -------------------------------------------

    fn run_idle(&mut self, s: &str, mut i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        loop {
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            // A BOM the decoder left in would otherwise start a statement
            // and hide the dump header comment behind it.
            if b[i..].starts_with("\u{feff}".as_bytes()) {
                i += 3;
            } else {
                break;
            }
        }
        if i == n {
            return n;
        }
        let off = self.off(i);
        match b[i] {
            b';' => i + 1,
            c @ (b'-' | b'/') => {
                if i + 1 == n {
                    self.mode = if c == b'-' {
                        Mode::IdleDash(off)
                    } else {
                        Mode::IdleSlash(off)
                    };
                    return n;
                }
                match (c, b[i + 1]) {
                    (b'-', b'-') => {
                        self.start_line_comment(true);
                        i
                    }
                    (b'/', b'*') => {
                        self.mode = Mode::BlockComment { star: false };
                        self.run_block(s, i, i + 2, emit)
                    }
                    _ => {
                        self.start_head(off);
                        i
                    }
                }
            }
            // psql meta-commands (`\connect db`, `\restrict key`) are
            // line-based; as a statement head they would swallow the next
            // statement up to its `;`.
            b'\\' => {
                self.start_line_comment(false);
                i
            }
            _ => {
                self.start_head(off);
                i
            }
        }
    }

    fn run_idle_dash(&mut self, s: &str, i: usize, o: u64, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        if s.as_bytes()[i] == b'-' {
            // The first dash ended the previous chunk; it goes out as its own
            // piece now that we know it opened a comment.
            text(emit, "-", o);
            self.start_line_comment(true);
            self.probe.push(b'-');
        } else {
            self.start_head(o);
            self.head.push('-');
            let d = self.dialect();
            self.lex.run(b"-", true, d);
        }
        i
    }

    fn run_idle_slash(&mut self, s: &str, i: usize, o: u64, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        if s.as_bytes()[i] == b'*' {
            text(emit, "/", o);
            self.mode = Mode::BlockComment { star: false };
            self.run_block(s, i, i + 1, emit)
        } else {
            self.start_head(o);
            self.head.push('/');
            let d = self.dialect();
            self.lex.run(b"/", true, d);
            i
        }
    }

    fn run_line(&mut self, s: &str, i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let nl = memchr(b'\n', &b[i..]).map(|d| i + d);
        let end = nl.unwrap_or(b.len());
        if !self.probe_done {
            let take = (PROBE_BYTES - self.probe.len()).min(end - i);
            self.probe.extend_from_slice(&b[i..i + take]);
            if self.probe.len() >= PROBE_BYTES || nl.is_some() {
                self.probe_done = true;
                self.check_probe();
            }
        }
        text(emit, s.get(i..end).unwrap_or(""), self.off(i));
        match nl {
            Some(j) => {
                self.mode = Mode::Idle;
                j + 1
            }
            None => b.len(),
        }
    }

    fn check_probe(&mut self) {
        let p = &self.probe[..];
        if p.starts_with(b"-- MySQL dump") || p.starts_with(b"-- MariaDB dump") {
            self.pg = false;
            self.std_strings = false;
        } else if p.starts_with(b"-- PostgreSQL database") {
            self.pg = true;
            if !self.scs_explicit {
                self.std_strings = true;
            }
        }
    }

    /// Block comment from `text_from`; `k` is where to look for the closing
    /// `*/` (past the opening `/*`).
    fn run_block(
        &mut self,
        s: &str,
        text_from: usize,
        mut k: usize,
        emit: &mut dyn FnMut(SqlEvent<'_>),
    ) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let mut star = matches!(self.mode, Mode::BlockComment { star: true });
        if star && k < n && b[k] == b'/' {
            return self.close_block(s, text_from, k, emit);
        }
        star = false;
        while k < n {
            match memchr(b'*', &b[k..]) {
                None => break,
                Some(d) => {
                    let j = k + d;
                    if j + 1 == n {
                        star = true;
                        break;
                    }
                    if b[j + 1] == b'/' {
                        return self.close_block(s, text_from, j + 1, emit);
                    }
                    k = j + 1;
                }
            }
        }
        text(emit, s.get(text_from..).unwrap_or(""), self.off(text_from));
        self.mode = Mode::BlockComment { star };
        n
    }

    fn close_block(
        &mut self,
        s: &str,
        text_from: usize,
        slash: usize,
        emit: &mut dyn FnMut(SqlEvent<'_>),
    ) -> usize {
        text(
            emit,
            s.get(text_from..slash + 1).unwrap_or(""),
            self.off(text_from),
        );
        self.mode = Mode::Idle;
        slash + 1
    }

    // ---- statement heads ---------------------------------------------

    fn run_head(&mut self, s: &str, i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let room = MAX_HEAD_BYTES.saturating_sub(self.head.len());
        let mut limit = n.min(i + room);
        while !s.is_char_boundary(limit) {
            limit -= 1;
        }
        let d = self.dialect();
        match self.lex.run(&b[i..limit], !self.head_wait_semi, d) {
            Some(k) => {
                let end = i + k + 1;
                self.head.push_str(s.get(i..end).unwrap_or(""));
                self.decide(b[i + k] == b';', emit);
                end
            }
            None => {
                self.head.push_str(s.get(i..limit).unwrap_or(""));
                if limit < n {
                    self.head_unknown(false, emit);
                }
                limit
            }
        }
    }

    fn decide(&mut self, ended: bool, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        self.head_runs += 1;
        let class = if self.head_runs > MAX_CLASSIFY_RUNS {
            Class::Unknown
        } else {
            classify(&self.head, ended, self.dialect())
        };
        match class {
            Class::NeedMore => {}
            Class::WaitSemi => self.head_wait_semi = true,
            Class::Unknown => self.head_unknown(ended, emit),
            Class::Set(on) => {
                self.pg = true;
                self.std_strings = on;
                self.scs_explicit = true;
                self.head_unknown(true, emit);
            }
            Class::Create { table, cols } => {
                self.data.define(table, cols);
                self.head_unknown(true, emit);
            }
            Class::Insert { table, cols } => {
                self.data.begin_statement(&table, cols);
                self.depth = 1;
                self.prefix = Prefix::None;
                self.begin_row();
                self.head.clear();
                self.mode = Mode::Tuples(Tup::In);
            }
            Class::Copy { table, cols, raw } => {
                self.pg = true;
                if !self.scs_explicit {
                    self.std_strings = true;
                }
                self.data.begin_statement(&table, cols);
                self.copy_raw = raw;
                self.head.clear();
                self.mode = Mode::CopyPreamble;
            }
        }
    }

    /// Passes the buffered head through as text; the statement continues in
    /// passthrough unless it already ended.
    fn head_unknown(&mut self, ended: bool, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        text(emit, &self.head, self.head_off);
        self.head.clear();
        self.mode = if ended { Mode::Idle } else { Mode::Pass };
    }

    fn run_pass(&mut self, s: &str, i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let d = self.dialect();
        match self.lex.run(&b[i..], false, d) {
            Some(k) => {
                let end = i + k + 1;
                text(emit, s.get(i..end).unwrap_or(""), self.off(i));
                self.mode = Mode::Idle;
                end
            }
            None => {
                text(emit, s.get(i..).unwrap_or(""), self.off(i));
                b.len()
            }
        }
    }

    // ---- INSERT tuples -------------------------------------------------

    fn run_tuples(&mut self, s: &str, mut i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        loop {
            let tup = match self.mode {
                Mode::Tuples(t) => t,
                _ => return i,
            };
            match tup {
                Tup::Between => {
                    while i < n && (is_ws(b[i]) || b[i] == b',') {
                        i += 1;
                    }
                    if i == n {
                        return n;
                    }
                    match b[i] {
                        b'(' => {
                            self.begin_row();
                            self.depth = 1;
                            self.prefix = Prefix::None;
                            self.mode = Mode::Tuples(Tup::In);
                            i += 1;
                            if self.stopped {
                                return i;
                            }
                        }
                        b';' => {
                            self.mode = Mode::Idle;
                            return i + 1;
                        }
                        _ => {
                            // `ON DUPLICATE KEY UPDATE`, `ON CONFLICT`,
                            // `RETURNING`: not data, but may name things.
                            self.lex.reset();
                            self.head_off = self.off(i);
                            self.mode = Mode::Pass;
                            return i;
                        }
                    }
                }
                Tup::In => {
                    while i < n && is_ws(b[i]) {
                        i += 1;
                    }
                    if i == n {
                        return n;
                    }
                    let c = b[i];
                    match c {
                        b'\'' | b'"' => {
                            let (esc, discard) = self.string_kind(c);
                            self.acc.start(self.off(i), discard, false);
                            self.prefix = Prefix::None;
                            self.mode = Mode::Tuples(Tup::Str {
                                q: c,
                                esc,
                                pending: Pend::None,
                            });
                            i += 1;
                        }
                        b',' => {
                            if self.depth == 1 {
                                self.data.next_col();
                            }
                            self.prefix = Prefix::None;
                            i += 1;
                        }
                        b'(' => {
                            self.depth = self.depth.saturating_add(1);
                            self.prefix = Prefix::None;
                            i += 1;
                        }
                        b')' => {
                            self.depth = self.depth.saturating_sub(1);
                            self.prefix = Prefix::None;
                            i += 1;
                            if self.depth == 0 {
                                self.mode = Mode::Tuples(Tup::Between);
                            }
                        }
                        b';' => {
                            // Malformed tuple; resynchronise on the `;`.
                            self.mode = Mode::Idle;
                            return i + 1;
                        }
                        _ => {
                            self.acc.start(self.off(i), false, true);
                            self.mode = Mode::Tuples(Tup::Bare);
                        }
                    }
                }
                Tup::Str { q, esc, pending } => {
                    if i == n {
                        return n;
                    }
                    i = self.scan_str(s, i, q, esc, pending, emit);
                }
                Tup::Bare => {
                    if i == n {
                        return n;
                    }
                    i = self.scan_bare(s, i, emit);
                }
            }
        }
    }

    fn string_kind(&self, q: u8) -> (Esc, bool) {
        let discard = self.prefix == Prefix::Binary;
        let esc = if q == b'\'' {
            if self.prefix == Prefix::E {
                Esc::PgE
            } else if self.std_strings {
                Esc::None
            } else {
                Esc::MySql
            }
        } else if self.pg {
            Esc::None
        } else {
            Esc::MySql
        };
        (esc, discard)
    }

    /// Continues a quoted string at `i` (`i < len`); returns where scanning
    /// stopped: after the closing quote, or the chunk end.
    fn scan_str(
        &mut self,
        s: &str,
        mut i: usize,
        q: u8,
        esc: Esc,
        pending: Pend,
        emit: &mut dyn FnMut(SqlEvent<'_>),
    ) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let mut run = i;
        match pending {
            Pend::None => {}
            Pend::Backslash => {
                run = self.resolve_escape(esc, b[i], i);
                i += 1;
            }
            Pend::Quote => {
                if b[i] == q {
                    self.acc.push(&[q], &self.data, emit);
                    i += 1;
                    run = i;
                } else {
                    self.acc.finish("", &self.data, emit);
                    self.mode = Mode::Tuples(Tup::In);
                    return i;
                }
            }
        }
        loop {
            let hit = if esc == Esc::None {
                memchr(q, &b[i..])
            } else {
                memchr2(q, b'\\', &b[i..])
            };
            let Some(d) = hit else {
                self.acc.push(&b[run..], &self.data, emit);
                self.mode = Mode::Tuples(Tup::Str {
                    q,
                    esc,
                    pending: Pend::None,
                });
                return n;
            };
            let j = i + d;
            if b[j] == q {
                if j + 1 == n {
                    // Could be the first half of a doubled quote.
                    self.acc.push(&b[run..j], &self.data, emit);
                    self.mode = Mode::Tuples(Tup::Str {
                        q,
                        esc,
                        pending: Pend::Quote,
                    });
                    return n;
                }
                if b[j + 1] == q {
                    self.acc.push(&b[run..=j], &self.data, emit);
                    i = j + 2;
                    run = i;
                    continue;
                }
                self.acc.finish(s.get(run..j).unwrap_or(""), &self.data, emit);
                self.mode = Mode::Tuples(Tup::In);
                return j + 1;
            }
            self.acc.push(&b[run..j], &self.data, emit);
            if j + 1 == n {
                self.mode = Mode::Tuples(Tup::Str {
                    q,
                    esc,
                    pending: Pend::Backslash,
                });
                return n;
            }
            run = self.resolve_escape(esc, b[j + 1], j + 1);
            i = j + 2;
        }
    }

    /// Applies the escape `\c` where `c` sits at `at`, the text before the
    /// backslash having been pushed already; returns where the next run of
    /// literal text starts.
    fn resolve_escape(&mut self, esc: Esc, c: u8, at: usize) -> usize {
        match escape(esc, c) {
            EscOut::Byte(x) => {
                self.acc.buf_push_byte(x);
                at + 1
            }
            EscOut::Keep => {
                self.acc.buf_push_byte(b'\\');
                at
            }
            EscOut::Drop => at,
            EscOut::Null => at + 1,
        }
    }

    fn scan_bare(&mut self, s: &str, i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let mut j = i;
        while j < n && !DELIM[b[j] as usize] {
            j += 1;
        }
        if j == n {
            self.acc.push(&b[i..], &self.data, emit);
            return n;
        }
        self.end_bare(s.get(i..j).unwrap_or(""), b[j], emit);
        self.mode = Mode::Tuples(Tup::In);
        j
    }

    /// Completes an unquoted token whose last part is `tail`, given the byte
    /// that ended it.
    fn end_bare(&mut self, tail: &str, term: u8, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        self.prefix = Prefix::None;
        if self.acc.discard || self.acc.sent > 0 {
            // A hex blob being skipped, or a huge token already streaming.
            self.acc.finish(tail, &self.data, emit);
            return;
        }
        if self.acc.buf.len() + tail.len() > MAX_VALUE_BYTES && !self.acc.buf.is_empty() {
            // Too long for a NULL or an introducer: the overflow check
            // decides between dropping (hex) and streaming it.
            self.acc.push(tail.as_bytes(), &self.data, emit);
            self.acc.finish("", &self.data, emit);
            return;
        }
        let use_buf = !self.acc.buf.is_empty();
        if use_buf {
            self.acc.buf.extend_from_slice(tail.as_bytes());
        }
        let kind = {
            let tok = if use_buf {
                std::str::from_utf8(&self.acc.buf).unwrap_or("")
            } else {
                tail
            };
            let kind = bare_kind(tok, term);
            if kind == BareKind::Emit {
                emit_pieces(tok, self.acc.off, &self.data, emit);
            }
            kind
        };
        self.acc.buf.clear();
        if let BareKind::Prefix(p) = kind {
            self.prefix = p;
        }
    }

    // ---- COPY ----------------------------------------------------------

    fn run_copy_preamble(&mut self, s: &str, i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        match memchr(b'\n', &b[i..]) {
            Some(d) => {
                text(emit, s.get(i..i + d).unwrap_or(""), self.off(i));
                self.mode = Mode::Copy(Cp::LineStart);
                i + d + 1
            }
            None => {
                text(emit, s.get(i..).unwrap_or(""), self.off(i));
                b.len()
            }
        }
    }

    fn run_copy(&mut self, s: &str, mut i: usize, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        loop {
            if i >= n {
                return n;
            }
            let cp = match self.mode {
                Mode::Copy(c) => c,
                _ => return i,
            };
            match cp {
                Cp::LineStart => {
                    if b[i] == b'\\' {
                        self.mode = Mode::Copy(Cp::Bs(self.off(i)));
                        i += 1;
                        continue;
                    }
                    // Stops before the line, so that the walker there is the one a part
                    // that ends there ends with; once, to go on from there.
                    if self.window_starts() && self.off(i) != self.copy_stop {
                        self.copy_stop = self.off(i);
                        self.stopped = true;
                        return i;
                    }
                    self.copy_row(self.off(i));
                }
                Cp::Bs(o) => {
                    if b[i] == b'.' {
                        self.mode = Mode::Copy(Cp::BsDot(o));
                        i += 1;
                        continue;
                    }
                    self.copy_row(o);
                    if self.copy_raw {
                        text(emit, "\\", o);
                    } else {
                        self.mode = Mode::Copy(Cp::Field { bs: true });
                    }
                }
                Cp::BsDot(o) => {
                    if b[i] == b'\n' || b[i] == b'\r' {
                        // A `\r` of `\.\r\n` ends the block; the `\n` is
                        // whitespace to the next statement.
                        self.mode = Mode::Idle;
                        return i + 1;
                    }
                    self.copy_row(o);
                    if self.copy_raw {
                        text(emit, "\\.", o);
                    } else {
                        self.acc.buf_push_byte(b'.');
                    }
                }
                Cp::Field { bs } => i = self.scan_field(s, i, bs, emit),
                Cp::Raw => match memchr(b'\n', &b[i..]) {
                    Some(d) => {
                        text(emit, s.get(i..i + d).unwrap_or(""), self.off(i));
                        self.mode = Mode::Copy(Cp::LineStart);
                        i += d + 1;
                    }
                    None => {
                        text(emit, s.get(i..).unwrap_or(""), self.off(i));
                        return n;
                    }
                },
            }
        }
    }

    fn copy_row(&mut self, off: u64) {
        self.data.begin_row();
        self.acc.start(off, false, false);
        self.mode = Mode::Copy(if self.copy_raw {
            Cp::Raw
        } else {
            Cp::Field { bs: false }
        });
    }

    fn scan_field(&mut self, s: &str, i: usize, bs: bool, emit: &mut dyn FnMut(SqlEvent<'_>)) -> usize {
        let b = s.as_bytes();
        let n = b.len();
        let mut run = i;
        let mut k = i;
        if bs {
            run = self.resolve_escape(Esc::Copy, b[i], i);
            k = i + 1;
        }
        loop {
            let Some(d) = memchr3(b'\t', b'\n', b'\\', &b[k..]) else {
                self.acc.push(&b[run..], &self.data, emit);
                self.mode = Mode::Copy(Cp::Field { bs: false });
                return n;
            };
            let j = k + d;
            match b[j] {
                b'\t' => {
                    self.end_field(s.get(run..j).unwrap_or(""), emit);
                    self.data.next_col();
                    self.acc.start(self.off(j + 1), false, false);
                    run = j + 1;
                    k = j + 1;
                }
                b'\n' => {
                    let mut tail = s.get(run..j).unwrap_or("");
                    // Data CRs are escaped as `\r`; a raw one before the
                    // newline is a CRLF line ending.
                    if let Some(t) = tail.strip_suffix('\r') {
                        tail = t;
                    } else if tail.is_empty() && self.acc.buf.last() == Some(&b'\r') {
                        self.acc.buf.pop();
                    }
                    self.end_field(tail, emit);
                    self.mode = Mode::Copy(Cp::LineStart);
                    return j + 1;
                }
                _ => {
                    self.acc.push(&b[run..j], &self.data, emit);
                    if j + 1 == n {
                        self.mode = Mode::Copy(Cp::Field { bs: true });
                        return n;
                    }
                    run = self.resolve_escape(Esc::Copy, b[j + 1], j + 1);
                    k = j + 2;
                }
            }
        }
    }

    fn end_field(&mut self, tail: &str, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        self.acc.finish(tail, &self.data, emit);
    }
}

/// Whether the head (first ~64 KiB) of a text file looks like an SQL dump:
/// a mysqldump/MariaDB/pg_dump header comment, or an `INSERT INTO`,
/// `REPLACE INTO`, `CREATE TABLE` or `COPY ... FROM stdin;` statement at the
/// start of a line.
pub fn looks_like_sql_dump(head: &str) -> bool {
    let b = head.as_bytes();
    for marker in [
        &b"-- MySQL dump"[..],
        b"-- MariaDB dump",
        b"-- PostgreSQL database dump",
    ] {
        if memmem::find(b, marker).is_some() {
            return true;
        }
    }
    let mut start = 0;
    while start < b.len() {
        let end = memchr(b'\n', &b[start..]).map_or(b.len(), |d| start + d);
        let mut line = &b[start..end];
        while let [c, rest @ ..] = line {
            if *c == b' ' || *c == b'\t' {
                line = rest;
            } else {
                break;
            }
        }
        let words = leading_words(line, 3);
        let w = |k: usize, kw: &str| {
            words
                .get(k)
                .is_some_and(|x| x.eq_ignore_ascii_case(kw.as_bytes()))
        };
        if (w(0, "INSERT") && (w(1, "INTO") || (w(1, "IGNORE") && w(2, "INTO"))))
            || (w(0, "REPLACE") && w(1, "INTO"))
            || (w(0, "CREATE") && w(1, "TABLE"))
        {
            return true;
        }
        if w(0, "COPY") {
            let lower: Vec<u8> = line.iter().map(u8::to_ascii_lowercase).collect();
            if memmem::find(&lower, b"from stdin").is_some() {
                return true;
            }
        }
        start = end + 1;
    }
    false
}

fn leading_words(line: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(max);
    let mut i = 0;
    while out.len() < max {
        while i < line.len() && is_ws(line[i]) {
            i += 1;
        }
        let st = i;
        while i < line.len() && (line[i].is_ascii_alphanumeric() || line[i] == b'_') {
            i += 1;
        }
        if i == st {
            break;
        }
        out.push(&line[st..i]);
    }
    out
}

// ---- state ---------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Idle,
    /// `-` or `/` was the last byte of a chunk, at this offset.
    IdleDash(u64),
    IdleSlash(u64),
    LineComment,
    BlockComment {
        star: bool,
    },
    Head,
    Pass,
    Tuples(Tup),
    CopyPreamble,
    Copy(Cp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tup {
    Between,
    In,
    Str { q: u8, esc: Esc, pending: Pend },
    Bare,
}

/// What the previous chunk ended with inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pend {
    None,
    Backslash,
    /// A quote that is either the end or the first half of `''`.
    Quote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cp {
    LineStart,
    /// Line started with `\` at this offset: `\.` terminator or an escape.
    Bs(u64),
    BsDot(u64),
    Field {
        bs: bool,
    },
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    None,
    Text,
    Binary,
    E,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    MySql,
    PgE,
    Copy,
}

enum EscOut {
    /// Replace `\c` by this byte.
    Byte(u8),
    /// Keep `\c` verbatim.
    Keep,
    /// Drop the backslash, keep `c`.
    Drop,
    /// Drop both (COPY `\N`: a NULL field decodes to nothing).
    Null,
}

fn escape(kind: Esc, c: u8) -> EscOut {
    use EscOut::*;
    match kind {
        Esc::MySql => match c {
            b'0' => Byte(0),
            b'b' => Byte(8),
            b'n' => Byte(b'\n'),
            b'r' => Byte(b'\r'),
            b't' => Byte(b'\t'),
            b'Z' => Byte(0x1a),
            // LIKE wildcards keep their backslash in MySQL.
            b'%' | b'_' => Keep,
            _ => Drop,
        },
        Esc::PgE => match c {
            b'b' => Byte(8),
            b'f' => Byte(0x0c),
            b'n' => Byte(b'\n'),
            b'r' => Byte(b'\r'),
            b't' => Byte(b'\t'),
            b'0'..=b'7' | b'x' | b'u' | b'U' => Keep,
            _ => Drop,
        },
        Esc::Copy => match c {
            b'b' => Byte(8),
            b'f' => Byte(0x0c),
            b'n' => Byte(b'\n'),
            b'r' => Byte(b'\r'),
            b't' => Byte(b'\t'),
            b'v' => Byte(0x0b),
            b'N' => Null,
            b'0'..=b'7' | b'x' => Keep,
            _ => Drop,
        },
        Esc::None => Keep,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BareKind {
    Skip,
    Emit,
    Prefix(Prefix),
}

fn bare_kind(tok: &str, term: u8) -> BareKind {
    let t = tok.as_bytes();
    if t.is_empty() || tok.eq_ignore_ascii_case("null") || t[0] == b':' {
        return BareKind::Skip;
    }
    if t.len() >= 2 && t[0] == b'0' && matches!(t[1], b'x' | b'X' | b'b' | b'B') {
        return BareKind::Skip;
    }
    if t.len() == 1 && term == b'\'' {
        match t[0] | 0x20 {
            b'x' | b'b' => return BareKind::Prefix(Prefix::Binary),
            b'e' => return BareKind::Prefix(Prefix::E),
            b'n' => return BareKind::Prefix(Prefix::Text),
            _ => {}
        }
    }
    if t[0] == b'_'
        && t.len() > 1
        && t.len() <= MAX_INTRODUCER
        && t[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return BareKind::Prefix(if tok.eq_ignore_ascii_case("_binary") {
            Prefix::Binary
        } else {
            Prefix::Text
        });
    }
    BareKind::Emit
}

/// Bytes that end an unquoted token inside a tuple.
const DELIM: [bool; 256] = {
    let mut t = [false; 256];
    let d = b" \t\n\r\x0b\x0c,()'\";";
    let mut k = 0;
    while k < d.len() {
        t[d[k] as usize] = true;
        k += 1;
    }
    t
};

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn text(emit: &mut dyn FnMut(SqlEvent<'_>), s: &str, offset: u64) {
    if !s.is_empty() {
        emit(SqlEvent::Text(SqlText { text: s, offset }));
    }
}

/// The statement's first words for an error message: only up to the first quote or digit, so
/// no value (a phone, an ID) can leak into the inventory's `errors`.
fn snippet(head: &str) -> String {
    let line = head.lines().next().unwrap_or("").trim();
    let line = &line[..line
        .find(|c: char| c == '\'' || c == '"' || c == '(' || c.is_ascii_digit() || !c.is_ascii())
        .unwrap_or(line.len())]
        .trim_end();
    let mut cut = line.len().min(60);
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    if cut < line.len() {
        format!("{}...", &line[..cut])
    } else {
        line.to_string()
    }
}

fn is_data_head(head: &str) -> bool {
    let w = leading_words(head.as_bytes(), 1);
    w.first().is_some_and(|w| {
        ["INSERT", "REPLACE", "COPY", "CREATE"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k.as_bytes()))
    })
}

/// Table bookkeeping and the cell the walker is in.
#[derive(Debug, Default, Clone)]
struct Data {
    tables: Vec<(String, u64)>,
    index: HashMap<String, usize>,
    schemas: HashMap<String, Vec<String>>,
    /// The last `CREATE TABLE` past `MAX_TABLES` (table, columns).
    last_schema: Option<(String, Vec<String>)>,
    /// Tables past `MAX_TABLES` (each time the one not remembered changed).
    forgotten: u64,
    cur: usize,
    cols: Vec<String>,
    positional: Vec<String>,
    row: u64,
    col: usize,
}

impl Data {
    fn table_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        if self.tables.len() < MAX_TABLES {
            self.tables.push((name.to_string(), 0));
            self.index.insert(name.to_string(), self.tables.len() - 1);
            return self.tables.len() - 1;
        }
        // Past the cap one more entry is reused by every table not remembered.
        if self.tables.len() == MAX_TABLES {
            self.tables.push((String::new(), 0));
        }
        let unremembered = &mut self.tables[MAX_TABLES];
        if unremembered.0 != name {
            self.forgotten += 1;
            unremembered.0.clear();
            unremembered.0.push_str(name);
            unremembered.1 = 0;
        }
        MAX_TABLES
    }

    /// Keeps the columns a `CREATE TABLE` names, for the `INSERT`s without a column list.
    fn define(&mut self, table: String, cols: Vec<String>) {
        self.table_id(&table);
        if self.schemas.len() < MAX_TABLES || self.schemas.contains_key(&table) {
            self.schemas.insert(table, cols);
        } else {
            self.last_schema = Some((table, cols));
        }
    }

    fn schema(&self, table: &str) -> Option<&Vec<String>> {
        self.schemas.get(table).or(match &self.last_schema {
            Some((name, cols)) if name == table => Some(cols),
            _ => None,
        })
    }

    fn table_name(&self) -> &str {
        self.tables.get(self.cur).map_or("", |t| t.0.as_str())
    }

    /// The table's name for a message: `*` when the name looks like a value, as the scan
    /// shows such names elsewhere.
    fn shown_table_name(&self) -> &str {
        let name = self.table_name();
        if super::looks_like_value(name) {
            "*"
        } else {
            name
        }
    }

    fn begin_statement(&mut self, table: &str, cols: Vec<String>) {
        self.cur = self.table_id(table);
        self.cols = if cols.is_empty() {
            self.schema(table).cloned().unwrap_or_default()
        } else {
            cols
        };
        self.col = 0;
        self.ensure_positional();
    }

    fn begin_row(&mut self) {
        if let Some(t) = self.tables.get_mut(self.cur) {
            t.1 += 1;
            self.row = t.1;
        }
        self.col = 0;
    }

    fn next_col(&mut self) {
        self.col += 1;
        self.ensure_positional();
    }

    fn ensure_positional(&mut self) {
        if self.col >= self.cols.len() && self.col < MAX_CACHED_POSITIONS {
            while self.positional.len() <= self.col {
                self.positional.push((self.positional.len() + 1).to_string());
            }
        }
    }

    fn emit(&self, text: &str, offset: u64, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        if text.is_empty() {
            return;
        }
        let owned;
        let column: &str = match self.cols.get(self.col) {
            Some(c) => c,
            None => match self.positional.get(self.col) {
                Some(c) => c,
                None => {
                    owned = (self.col + 1).to_string();
                    &owned
                }
            },
        };
        emit(SqlEvent::Value(SqlValue {
            table: self.table_name(),
            row: self.row,
            column,
            text,
            offset,
        }));
    }
}

/// Decoded text of the value being read, for values that need copying.
#[derive(Debug, Default, Clone)]
struct Acc {
    buf: Vec<u8>,
    off: u64,
    /// Decoded bytes already delivered as pieces of an over-long value.
    sent: u64,
    discard: bool,
    /// Unquoted token: an over-long one may be a hex blob to drop.
    bare: bool,
}

impl Acc {
    fn start(&mut self, off: u64, discard: bool, bare: bool) {
        self.buf.clear();
        self.off = off;
        self.sent = 0;
        self.discard = discard;
        self.bare = bare;
    }

    fn buf_push_byte(&mut self, b: u8) {
        if !self.discard {
            self.buf.push(b);
        }
    }

    fn push(&mut self, bytes: &[u8], data: &Data, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        // In slices so the buffer stays below twice the cap even when a
        // whole chunk is appended; cuts depend only on the content.
        for part in bytes.chunks(MAX_VALUE_BYTES) {
            if self.discard {
                return;
            }
            self.buf.extend_from_slice(part);
            if self.buf.len() > MAX_VALUE_BYTES {
                self.overflow(data, emit);
            }
        }
    }

    fn overflow(&mut self, data: &Data, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        // Same rule as for a token seen whole, so chunking cannot change it.
        if self.bare
            && self.sent == 0
            && bare_kind(std::str::from_utf8(&self.buf).unwrap_or(""), b' ') == BareKind::Skip
        {
            self.discard = true;
            self.buf.clear();
            return;
        }
        let mut start = 0;
        while self.buf.len() - start > MAX_VALUE_BYTES {
            let rest = &self.buf[start..];
            let mut cut = MAX_VALUE_BYTES;
            while cut > 0 && (rest[cut] & 0xC0) == 0x80 {
                cut -= 1;
            }
            let piece = std::str::from_utf8(&rest[..cut]).unwrap_or("");
            data.emit(piece, self.off + self.sent, emit);
            self.sent += cut as u64;
            start += cut;
        }
        self.buf.drain(..start);
    }

    /// Completes the value; `tail` is its last part, still in the chunk.
    fn finish(&mut self, tail: &str, data: &Data, emit: &mut dyn FnMut(SqlEvent<'_>)) {
        if self.discard {
            self.buf.clear();
            return;
        }
        if self.buf.is_empty() {
            emit_pieces(tail, self.off + self.sent, data, emit);
            return;
        }
        self.push(tail.as_bytes(), data, emit);
        if !self.discard {
            let s = std::str::from_utf8(&self.buf).unwrap_or("");
            emit_pieces(s, self.off + self.sent, data, emit);
        }
        self.buf.clear();
    }
}

/// Emits `text` in pieces of at most [`MAX_VALUE_BYTES`], cut exactly where
/// [`Acc::overflow`] would cut, so chunking cannot change the pieces.
fn emit_pieces(text: &str, mut off: u64, data: &Data, emit: &mut dyn FnMut(SqlEvent<'_>)) {
    let mut t = text;
    while t.len() > MAX_VALUE_BYTES {
        let mut cut = MAX_VALUE_BYTES;
        while !t.is_char_boundary(cut) {
            cut -= 1;
        }
        data.emit(&t[..cut], off, emit);
        off += cut as u64;
        t = &t[cut..];
    }
    data.emit(t, off, emit);
}

// ---- statement-level lexer -------------------------------------------------

/// Tracks quotes and comments across chunks so a `;` or `(` inside them is
/// not taken for syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lx {
    Normal,
    Dash,
    Slash,
    Line,
    Block,
    BlockStar,
    Quote(u8),
    QuoteEsc(u8),
    DollarTag,
    DollarBody,
    DollarClose(u8),
}

#[derive(Debug, Clone, Copy)]
struct Dialect {
    pg: bool,
    backslash_single: bool,
}

#[derive(Debug, Clone)]
struct Lexer {
    st: Lx,
    /// `$` after an identifier char belongs to the identifier in pg.
    prev_ident: bool,
    tag: Vec<u8>,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer {
            st: Lx::Normal,
            prev_ident: false,
            tag: Vec::new(),
        }
    }
}

impl Lexer {
    fn reset(&mut self) {
        self.st = Lx::Normal;
        self.prev_ident = false;
        self.tag.clear();
    }

    fn in_literal(&self) -> bool {
        !matches!(self.st, Lx::Normal | Lx::Dash | Lx::Slash | Lx::Line)
    }

    /// Advances over `b`; returns the index of the first top-level `;` (or
    /// `(` when `paren`), having consumed it.
    fn run(&mut self, b: &[u8], paren: bool, d: Dialect) -> Option<usize> {
        let n = b.len();
        let mut i = 0;
        while i < n {
            let c = b[i];
            match self.st {
                Lx::Normal => {
                    match c {
                        b';' => {
                            self.prev_ident = false;
                            return Some(i);
                        }
                        b'(' if paren => {
                            self.prev_ident = false;
                            return Some(i);
                        }
                        b'\'' | b'"' | b'`' => self.st = Lx::Quote(c),
                        b'-' => self.st = Lx::Dash,
                        b'/' => self.st = Lx::Slash,
                        b'$' if d.pg && !self.prev_ident => {
                            self.tag.clear();
                            self.st = Lx::DollarTag;
                        }
                        _ => {}
                    }
                    self.prev_ident = is_ident(c);
                    i += 1;
                }
                Lx::Dash => {
                    if c == b'-' {
                        self.st = Lx::Line;
                        i += 1;
                    } else {
                        self.st = Lx::Normal;
                    }
                }
                Lx::Slash => {
                    if c == b'*' {
                        self.st = Lx::Block;
                        i += 1;
                    } else {
                        self.st = Lx::Normal;
                    }
                }
                Lx::Line => match memchr(b'\n', &b[i..]) {
                    Some(k) => {
                        self.st = Lx::Normal;
                        self.prev_ident = false;
                        i += k + 1;
                    }
                    None => i = n,
                },
                Lx::Block => match memchr(b'*', &b[i..]) {
                    Some(k) => {
                        self.st = Lx::BlockStar;
                        i += k + 1;
                    }
                    None => i = n,
                },
                Lx::BlockStar => {
                    self.st = match c {
                        b'/' => {
                            self.prev_ident = false;
                            Lx::Normal
                        }
                        b'*' => Lx::BlockStar,
                        _ => Lx::Block,
                    };
                    i += 1;
                }
                Lx::Quote(q) => {
                    let esc = (q == b'\'' && d.backslash_single) || (q == b'"' && !d.pg);
                    let hit = if esc {
                        memchr2(q, b'\\', &b[i..])
                    } else {
                        memchr(q, &b[i..])
                    };
                    match hit {
                        None => i = n,
                        Some(k) => {
                            let j = i + k;
                            if b[j] == q {
                                // `''` closes and reopens: same outcome.
                                self.st = Lx::Normal;
                                self.prev_ident = false;
                            } else {
                                self.st = Lx::QuoteEsc(q);
                            }
                            i = j + 1;
                        }
                    }
                }
                Lx::QuoteEsc(q) => {
                    self.st = Lx::Quote(q);
                    i += 1;
                }
                Lx::DollarTag => {
                    if c == b'$' {
                        self.st = Lx::DollarBody;
                        i += 1;
                    } else if is_ident(c)
                        && !(self.tag.is_empty() && c.is_ascii_digit())
                        && self.tag.len() < MAX_DOLLAR_TAG
                    {
                        self.tag.push(c);
                        i += 1;
                    } else {
                        // `$1` or similar: not a quote; re-read `c`.
                        self.st = Lx::Normal;
                        self.prev_ident = true;
                    }
                }
                Lx::DollarBody => match memchr(b'$', &b[i..]) {
                    Some(k) => {
                        self.st = Lx::DollarClose(0);
                        i += k + 1;
                    }
                    None => i = n,
                },
                Lx::DollarClose(m) => {
                    let m = m as usize;
                    self.st = if m == self.tag.len() {
                        if c == b'$' {
                            self.prev_ident = false;
                            Lx::Normal
                        } else {
                            Lx::DollarBody
                        }
                    } else if c == self.tag[m] {
                        Lx::DollarClose((m + 1) as u8)
                    } else if c == b'$' {
                        Lx::DollarClose(0)
                    } else {
                        Lx::DollarBody
                    };
                    i += 1;
                }
            }
        }
        None
    }
}

// ---- statement classification ------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum Class {
    NeedMore,
    WaitSemi,
    Unknown,
    Set(bool),
    Insert {
        table: String,
        cols: Vec<String>,
    },
    Copy {
        table: String,
        cols: Vec<String>,
        raw: bool,
    },
    Create {
        table: String,
        cols: Vec<String>,
    },
}

#[derive(Debug, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Quoted(String),
    /// String literal, raw content between the quotes.
    Str(&'a str),
    Punct(u8),
}

/// Tokenizes a statement head; `None` if it ends inside a quote.
fn tokenize(h: &str, d: Dialect) -> Option<Vec<Tok<'_>>> {
    let b = h.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if is_ws(c) {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i = memchr(b'\n', &b[i..]).map_or(n, |k| i + k + 1);
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = memmem::find(&b[i + 2..], b"*/").map_or(n, |k| i + 2 + k + 2);
        } else if c == b'\'' {
            let st = i + 1;
            let mut j = st;
            loop {
                match b.get(j) {
                    None => return None,
                    Some(b'\\') if d.backslash_single => j += 2,
                    Some(b'\'') => break,
                    Some(_) => j += 1,
                }
            }
            out.push(Tok::Str(h.get(st..j).unwrap_or("")));
            i = j + 1;
        } else if c == b'`' || c == b'"' {
            let mut name = Vec::new();
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => return None,
                    Some(&x) if x == c => {
                        if b.get(j + 1) == Some(&c) {
                            name.push(c);
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    Some(&x) => {
                        name.push(x);
                        j += 1;
                    }
                }
            }
            out.push(Tok::Quoted(String::from_utf8_lossy(&name).into_owned()));
            i = j + 1;
        } else if is_ident(c) {
            let st = i;
            while i < n && is_ident(b[i]) {
                i += 1;
            }
            out.push(Tok::Word(h.get(st..i).unwrap_or("")));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    Some(out)
}

struct Parser<'t, 'a> {
    t: &'t [Tok<'a>],
    i: usize,
}

impl<'a> Parser<'_, 'a> {
    fn at_end(&self) -> bool {
        self.i >= self.t.len()
    }

    fn peek(&self) -> Option<&Tok<'a>> {
        self.t.get(self.i)
    }

    fn kw(&mut self, k: &str) -> bool {
        if let Some(Tok::Word(w)) = self.peek() {
            if w.eq_ignore_ascii_case(k) {
                self.i += 1;
                return true;
            }
        }
        false
    }

    fn punct(&mut self, c: u8) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.i += 1;
            return true;
        }
        false
    }

    fn name(&mut self) -> Option<String> {
        let n = match self.peek()? {
            Tok::Word(w) => w.to_string(),
            Tok::Quoted(q) => q.clone(),
            _ => return None,
        };
        self.i += 1;
        Some(n)
    }

    /// `a.b.c` -> `c`.
    fn qualified(&mut self) -> Option<String> {
        let mut last = self.name()?;
        while self.punct(b'.') {
            last = self.name()?;
        }
        Some(last)
    }

    /// Identifier list after its `(`.
    fn ident_list(&mut self) -> Result<Vec<String>, ()> {
        let mut v = Vec::new();
        if self.punct(b')') {
            return Ok(v);
        }
        loop {
            v.push(self.name().ok_or(())?);
            if self.punct(b')') {
                return Ok(v);
            }
            if !self.punct(b',') {
                return Err(());
            }
        }
    }
}

/// Classifies a statement head ending at a top-level `(` or, if `ended`, `;`.
fn classify(head: &str, ended: bool, d: Dialect) -> Class {
    // Out of tokens before the statement is recognisable: wait for more,
    // unless it already ended.
    let more = if ended { Class::Unknown } else { Class::NeedMore };
    let Some(toks) = tokenize(head, d) else {
        return more;
    };
    let mut p = Parser { t: &toks, i: 0 };
    if p.kw("INSERT") || p.kw("REPLACE") {
        while p.kw("LOW_PRIORITY") || p.kw("DELAYED") || p.kw("HIGH_PRIORITY") || p.kw("IGNORE") {}
        p.kw("INTO");
        let Some(table) = p.qualified() else {
            return if p.at_end() { more } else { Class::Unknown };
        };
        let mut cols = Vec::new();
        if p.punct(b'(') {
            match p.ident_list() {
                Ok(v) => cols = v,
                Err(()) => return if p.at_end() { more } else { Class::Unknown },
            }
        }
        if p.kw("OVERRIDING") {
            p.i += 1;
            p.kw("VALUE");
        }
        if p.at_end() {
            return more;
        }
        if !(p.kw("VALUES") || p.kw("VALUE")) {
            return Class::Unknown;
        }
        if p.at_end() {
            return more;
        }
        if !ended && p.punct(b'(') && p.at_end() {
            return Class::Insert { table, cols };
        }
        return Class::Unknown;
    }
    if p.kw("COPY") {
        let Some(table) = p.qualified() else {
            return if p.at_end() { more } else { Class::Unknown };
        };
        let mut cols = Vec::new();
        if p.punct(b'(') {
            match p.ident_list() {
                Ok(v) => cols = v,
                Err(()) => return if p.at_end() { more } else { Class::Unknown },
            }
        }
        if p.at_end() {
            return more;
        }
        if !p.kw("FROM") {
            return Class::Unknown;
        }
        if p.at_end() {
            return more;
        }
        if !p.kw("STDIN") {
            return Class::Unknown;
        }
        if !ended {
            return Class::WaitSemi;
        }
        // Anything between `stdin` and `;` is an option list, which could
        // switch to CSV or another delimiter.
        let raw = toks.len() - p.i > 1;
        return Class::Copy { table, cols, raw };
    }
    if p.kw("CREATE") {
        if p.kw("OR") && !p.kw("REPLACE") {
            return Class::Unknown;
        }
        while p.kw("TEMPORARY") || p.kw("TEMP") || p.kw("UNLOGGED") || p.kw("GLOBAL") || p.kw("LOCAL") {}
        if p.at_end() {
            return more;
        }
        if !p.kw("TABLE") {
            return Class::Unknown;
        }
        if p.kw("IF") {
            p.kw("NOT");
            p.kw("EXISTS");
        }
        let Some(table) = p.qualified() else {
            return if p.at_end() { more } else { Class::Unknown };
        };
        if !ended {
            return if p.at_end() || p.peek() == Some(&Tok::Punct(b'(')) {
                Class::WaitSemi
            } else {
                Class::Unknown
            };
        }
        if !p.punct(b'(') {
            return Class::Unknown;
        }
        let cols = column_defs(&mut p, d.pg);
        return Class::Create { table, cols };
    }
    if p.kw("SET") {
        if !ended {
            return Class::Unknown;
        }
        p.kw("SESSION");
        p.kw("LOCAL");
        if p.kw("standard_conforming_strings") && (p.punct(b'=') || p.kw("TO")) {
            let v = match p.peek() {
                Some(Tok::Word(w)) | Some(Tok::Str(w)) => *w,
                _ => "",
            };
            if v.eq_ignore_ascii_case("on") || v.eq_ignore_ascii_case("true") {
                return Class::Set(true);
            }
            if v.eq_ignore_ascii_case("off") || v.eq_ignore_ascii_case("false") {
                return Class::Set(false);
            }
        }
        return Class::Unknown;
    }
    Class::Unknown
}

/// Column names of a `CREATE TABLE` body (after its `(`), skipping key,
/// index and constraint clauses.
fn column_defs(p: &mut Parser<'_, '_>, pg: bool) -> Vec<String> {
    const CLAUSES: [&str; 7] = [
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "FOREIGN",
        "EXCLUDE",
        "LIKE",
    ];
    // Index clauses exist only in MySQL; in pg these words are legal
    // unquoted column names.
    const MYSQL_CLAUSES: [&str; 4] = ["KEY", "INDEX", "FULLTEXT", "SPATIAL"];
    let mut cols = Vec::new();
    let mut depth = 0u32;
    let mut at_start = true;
    while let Some(t) = p.t.get(p.i) {
        p.i += 1;
        let first = at_start;
        at_start = false;
        match t {
            Tok::Punct(b'(') => depth += 1,
            Tok::Punct(b')') => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Tok::Punct(b',') if depth == 0 => at_start = true,
            Tok::Word(w) if first => {
                let clause = CLAUSES.iter().any(|k| w.eq_ignore_ascii_case(k))
                    || (!pg && MYSQL_CLAUSES.iter().any(|k| w.eq_ignore_ascii_case(k)));
                if !clause {
                    cols.push(w.to_string());
                }
            }
            Tok::Quoted(q) if first => cols.push(q.clone()),
            _ => {}
        }
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Ev {
        V(String, u64, String, String, u64),
        T(String, u64),
    }

    struct Walk {
        events: Vec<Ev>,
        result: Result<(), String>,
        tables: Vec<(String, u64)>,
    }

    impl Walk {
        /// (table, row, column, text, offset) of every value.
        fn values(&self) -> Vec<(&str, u64, &str, &str, u64)> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Ev::V(t, r, c, x, o) => Some((t.as_str(), *r, c.as_str(), x.as_str(), *o)),
                    Ev::T(..) => None,
                })
                .collect()
        }

        /// Passthrough text, contiguous pieces merged.
        fn texts(&self) -> Vec<&str> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Ev::T(t, _) => Some(t.as_str()),
                    Ev::V(..) => None,
                })
                .collect()
        }
    }

    /// Cuts `s` into pieces of about `size` bytes at char boundaries.
    fn split(s: &str, size: usize) -> Vec<&str> {
        let mut out = Vec::new();
        let mut st = 0;
        while st < s.len() {
            let mut end = (st + size).min(s.len());
            while !s.is_char_boundary(end) {
                end += 1;
            }
            out.push(&s[st..end]);
            st = end;
        }
        out
    }

    fn walk_chunks(chunks: &[&str]) -> Walk {
        let mut w = SqlWalker::new();
        let mut events: Vec<Ev> = Vec::new();
        let mut on = |e: SqlEvent<'_>| match e {
            SqlEvent::Value(v) => {
                assert!(!v.text.is_empty());
                assert!(v.text.len() <= MAX_VALUE_BYTES);
                events.push(Ev::V(
                    v.table.to_string(),
                    v.row,
                    v.column.to_string(),
                    v.text.to_string(),
                    v.offset,
                ));
            }
            SqlEvent::Text(t) => {
                assert!(!t.text.is_empty());
                if let Some(Ev::T(prev, off)) = events.last_mut() {
                    if *off + prev.len() as u64 == t.offset {
                        prev.push_str(t.text);
                        return;
                    }
                }
                events.push(Ev::T(t.text.to_string(), t.offset));
            }
        };
        for c in chunks {
            w.feed(c, &mut on);
        }
        let result = w.finish(&mut on).map_err(|e| e.to_string());
        Walk {
            events,
            result,
            tables: w.tables(),
        }
    }

    fn walk(s: &str) -> Walk {
        walk_chunks(&[s])
    }

    fn at(hay: &str, needle: &str) -> u64 {
        hay.find(needle).expect(needle) as u64
    }

    fn tables(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    const MYSQL: &str = "-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)\n\
/*!40101 SET NAMES utf8mb4 */;\n\
DROP TABLE IF EXISTS `customer`;\n\
CREATE TABLE `customer` (\n\
  `id` int(11) NOT NULL AUTO_INCREMENT,\n\
  `name` varchar(32) DEFAULT NULL COMMENT '姓名; (real)',\n\
  `mobile` bigint(20) DEFAULT NULL,\n\
  `note` text,\n\
  `avatar` blob,\n\
  `flags` varbinary(4),\n\
  PRIMARY KEY (`id`),\n\
  KEY `idx_mobile` (`mobile`),\n\
  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `x` (`id`)\n\
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
INSERT INTO `customer` VALUES (1,'周建平',15253295411,'It\\'s C:\\\\dir; ''q'' \\\"d\\\"\\nline2',_binary 'ab\\'c',0x0A0B),(2,NULL,-3.5,'',NULL,X'0102');\n";

    #[test]
    fn mysqldump_create_insert_escapes_null_binary() {
        let w = walk(MYSQL);
        assert_eq!(w.result, Ok(()));
        let s = MYSQL;
        assert_eq!(
            w.values(),
            vec![
                ("customer", 1, "id", "1", at(s, "(1,") + 1),
                ("customer", 1, "name", "周建平", at(s, "'周建平'")),
                ("customer", 1, "mobile", "15253295411", at(s, "15253295411")),
                (
                    "customer",
                    1,
                    "note",
                    "It's C:\\dir; 'q' \"d\"\nline2",
                    at(s, "'It\\'s")
                ),
                ("customer", 2, "id", "2", at(s, "(2,") + 1),
                ("customer", 2, "mobile", "-3.5", at(s, "-3.5")),
            ]
        );
        assert_eq!(w.tables, tables(&[("customer", 2)]));
        let texts = w.texts();
        assert_eq!(
            texts[0],
            "-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)"
        );
        assert_eq!(texts[1], "/*!40101 SET NAMES utf8mb4 */");
        assert_eq!(texts[2], "DROP TABLE IF EXISTS `customer`;");
        assert!(texts[3].starts_with("CREATE TABLE `customer` (\n"));
        assert!(texts[3].ends_with("DEFAULT CHARSET=utf8mb4;"));
        assert_eq!(texts.len(), 4);
    }

    #[test]
    fn insert_with_column_list_ignore_and_replace() {
        let s = "INSERT INTO `t` (`b`, a) VALUES ('x', 1, 'extra'),('y',2,NULL);\n\
                 INSERT IGNORE INTO shop.t VALUES ('z');\n\
                 REPLACE INTO \"t\" (a) VALUE (3);\n\
                 INSERT INTO t (a) VALUES (N'n', _utf8mb4'u', e'E', CONCAT('c', 4));\n";
        let w = walk(s);
        assert_eq!(w.result, Ok(()));
        assert_eq!(
            w.values(),
            vec![
                ("t", 1, "b", "x", at(s, "'x'")),
                ("t", 1, "a", "1", at(s, " 1,") + 1),
                ("t", 1, "3", "extra", at(s, "'extra'")),
                ("t", 2, "b", "y", at(s, "'y'")),
                ("t", 2, "a", "2", at(s, ",2,") + 1),
                ("t", 3, "1", "z", at(s, "'z'")),
                ("t", 4, "a", "3", at(s, "(3)") + 1),
                ("t", 5, "a", "n", at(s, "'n'")),
                ("t", 5, "2", "u", at(s, "'u'")),
                ("t", 5, "3", "E", at(s, "'E'")),
                ("t", 5, "4", "CONCAT", at(s, "CONCAT")),
                ("t", 5, "4", "c", at(s, "'c'")),
                ("t", 5, "4", "4", at(s, " 4)") + 1),
            ]
        );
        assert!(w.texts().is_empty());
        assert_eq!(w.tables, tables(&[("t", 5)]));
    }

    const PG: &str = "--\n-- PostgreSQL database dump\n--\n\n\
SET standard_conforming_strings = on;\n\
SELECT pg_catalog.set_config('search_path', '', false);\n\
CREATE TABLE public.members (\n    id integer NOT NULL,\n    name character varying(32),\n    key text,\n    note text\n);\n\
CREATE FUNCTION public.f() RETURNS integer AS $_$ SELECT 1; COPY x FROM stdin; $_$ LANGUAGE sql;\n\
COPY public.members (id, name, note) FROM stdin;\n\
1\t陈金凤\t会员日\\t赠品\n\
2\t\\N\tC:\\\\dir\n\
\\N\tx\tline\\nbreak\n\
4\tcr\tend\r\n\
\\.\n\
INSERT INTO public.members VALUES (5, 'C:\\dir', 'it''s', E'a\\'b\\nc');\n";

    #[test]
    fn pg_copy_with_nulls_escapes_and_terminator() {
        let w = walk(PG);
        assert_eq!(w.result, Ok(()));
        let s = PG;
        assert_eq!(
            w.values(),
            vec![
                ("members", 1, "id", "1", at(s, "1\t陈")),
                ("members", 1, "name", "陈金凤", at(s, "陈金凤")),
                ("members", 1, "note", "会员日\t赠品", at(s, "会员日")),
                ("members", 2, "id", "2", at(s, "2\t\\N")),
                ("members", 2, "note", "C:\\dir", at(s, "C:\\\\dir")),
                ("members", 3, "name", "x", at(s, "\tx\t") + 1),
                ("members", 3, "note", "line\nbreak", at(s, "line\\n")),
                ("members", 4, "id", "4", at(s, "4\tcr")),
                ("members", 4, "name", "cr", at(s, "cr\t")),
                ("members", 4, "note", "end", at(s, "end\r")),
                // --inserts after COPY: columns from CREATE TABLE, where
                // `key` is a column in pg, and plain strings keep backslashes.
                ("members", 5, "id", "5", at(s, "(5,") + 1),
                ("members", 5, "name", "C:\\dir", at(s, "'C:\\dir'")),
                ("members", 5, "key", "it's", at(s, "'it''s'")),
                ("members", 5, "note", "a'b\nc", at(s, "'a\\'b")),
            ]
        );
        assert_eq!(w.tables, tables(&[("members", 5)]));
        let texts = w.texts();
        assert!(texts.contains(&"-- PostgreSQL database dump"));
        assert!(texts.contains(&"SET standard_conforming_strings = on;"));
        assert!(texts.contains(&"SELECT pg_catalog.set_config('search_path', '', false);"));
        // The dollar-quoted body hides its `;` and its COPY.
        assert!(texts.contains(
            &"CREATE FUNCTION public.f() RETURNS integer AS $_$ SELECT 1; COPY x FROM stdin; $_$ LANGUAGE sql;"
        ));
    }

    #[test]
    fn pg_column_inserts() {
        let s = "--\n-- PostgreSQL database dump\n--\n\
INSERT INTO public.members (id, name, mobile) VALUES (1, '张霞', '15982713291');\n\
INSERT INTO public.members (id, name, mobile) OVERRIDING SYSTEM VALUE VALUES (2, 'O''Brien\\', NULL);\n\
INSERT INTO \"public\".\"Members\" (\"ID\") VALUES (3) ON CONFLICT DO NOTHING;\n";
        let w = walk(s);
        assert_eq!(w.result, Ok(()));
        assert_eq!(
            w.values(),
            vec![
                ("members", 1, "id", "1", at(s, "(1,") + 1),
                ("members", 1, "name", "张霞", at(s, "'张霞'")),
                ("members", 1, "mobile", "15982713291", at(s, "'15982713291'")),
                ("members", 2, "id", "2", at(s, "(2,") + 1),
                ("members", 2, "name", "O'Brien\\", at(s, "'O''")),
                ("Members", 1, "ID", "3", at(s, "(3)") + 1),
            ]
        );
        assert_eq!(w.texts().last(), Some(&"ON CONFLICT DO NOTHING;"));
        assert_eq!(w.tables, tables(&[("members", 2), ("Members", 1)]));
    }

    #[test]
    fn truncated_input_is_an_error() {
        let w = walk("INSERT INTO `orders` VALUES (1,'a'),(2,'abc");
        assert_eq!(
            w.result,
            Err(
                "truncated SQL dump: input ended inside a string in INSERT INTO `orders` (row 2)".to_string()
            )
        );
        // The partial value is still delivered for scanning.
        assert_eq!(w.values().last().unwrap().3, "abc");

        let w = walk("INSERT INTO t VALUES (1),(2)\n");
        assert_eq!(
            w.result,
            Err("truncated SQL dump: input ended after row 2 of INSERT INTO `t` \
                 without the closing `;`"
                .to_string())
        );
        let w = walk("INSERT INTO t VALUES (1,2");
        assert_eq!(
            w.result,
            Err("truncated SQL dump: input ended inside INSERT INTO `t` (row 1)".to_string())
        );
        assert_eq!(w.values().len(), 2);

        let w = walk("COPY public.m (a) FROM stdin;\n1\n2\n");
        assert_eq!(
            w.result,
            Err(
                "truncated SQL dump: input ended inside COPY data for `m` after row 2 \
                 before the `\\.` line"
                    .to_string()
            )
        );
        let w = walk("COPY public.m (a) FROM stdin;\n1\n2\tx");
        assert_eq!(
            w.result,
            Err(
                "truncated SQL dump: input ended inside COPY data for `m` (row 2) \
                 before the `\\.` line"
                    .to_string()
            )
        );
        assert_eq!(w.values().last().unwrap().3, "x");

        let w = walk("CREATE TABLE `t` (\n  `a` int,\n");
        assert_eq!(
            w.result,
            Err("truncated SQL dump: input ended inside the statement at byte 0 \
                 (CREATE TABLE `t`)"
                .to_string())
        );
        assert_eq!(w.texts(), vec!["CREATE TABLE `t` (\n  `a` int,\n"]);

        // A table named after a value is not named (the inventory shows it as `*` too).
        let w = walk("INSERT INTO `t_13812345678` VALUES (1,'abc");
        let message = w.result.unwrap_err();
        assert!(message.contains("INSERT INTO `*`"), "{message}");
        assert!(!message.contains("1381234"), "{message}");
        let w = walk("COPY \"li.na@example.com\" (a) FROM stdin;\n1\n");
        assert!(!w.result.unwrap_err().contains("li.na"));

        let w = walk("SELECT 'abc");
        assert!(w.result.unwrap_err().contains("inside a quoted string"));
        assert!(walk("/* open").result.is_err());

        // Complete inputs, including a `\.` at the very end and an unknown
        // statement without its `;`.
        assert_eq!(walk("COPY m (a) FROM stdin;\n1\n\\.").result, Ok(()));
        assert_eq!(walk("SET x = 1").result, Ok(()));
        assert_eq!(walk("-- only a comment").result, Ok(()));
    }

    #[test]
    fn unknown_statements_pass_through_as_text() {
        let s = "LOCK TABLES `t` WRITE;\n\
                 /* c 13800138000 */\n\
                 ALTER TABLE t ADD x int COMMENT 'a;(b';\n\
                 INSERT INTO t SELECT * FROM u WHERE id IN (1,2);\n\
                 \\connect crm\n\
                 INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a=VALUES(a);\n\
                 GRANT ALL ON t TO 'bob'@'%';";
        let w = walk(s);
        assert_eq!(w.result, Ok(()));
        assert_eq!(
            w.texts(),
            vec![
                "LOCK TABLES `t` WRITE;",
                "/* c 13800138000 */",
                "ALTER TABLE t ADD x int COMMENT 'a;(b';",
                "INSERT INTO t SELECT * FROM u WHERE id IN (1,2);",
                "\\connect crm",
                "ON DUPLICATE KEY UPDATE a=VALUES(a);",
                "GRANT ALL ON t TO 'bob'@'%';",
            ]
        );
        assert_eq!(w.values(), vec![("t", 1, "1", "1", at(s, "(1)") + 1)]);
    }

    #[test]
    fn rows_count_across_statements_and_tables_in_first_seen_order() {
        let s = "CREATE TABLE `empty` (`a` int);\n\
                 INSERT INTO `a` VALUES (1),(2);\n\
                 INSERT INTO `b` VALUES ('x');\n\
                 INSERT INTO `a` VALUES (3);\n\
                 COPY a (v) FROM stdin;\n4\n\n\\.\n";
        let w = walk(s);
        assert_eq!(w.result, Ok(()));
        let rows: Vec<(&str, u64, &str)> = w.values().iter().map(|v| (v.0, v.1, v.3)).collect();
        assert_eq!(
            rows,
            vec![
                ("a", 1, "1"),
                ("a", 2, "2"),
                ("b", 1, "x"),
                ("a", 3, "3"),
                ("a", 4, "4"),
            ]
        );
        // The empty COPY line is a row with one empty value.
        assert_eq!(w.tables, tables(&[("empty", 0), ("a", 5), ("b", 1)]));
    }

    /// Sample-like dump text mixing both dialects and every construct.
    fn sample() -> String {
        let mut s = String::new();
        s.push_str(MYSQL);
        s.push_str("INSERT INTO `customer` VALUES ");
        for i in 0..300 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                "({i},'昵称{i}\\'s','王{i}',1380013{i:04},NULL,_binary '\\0\\'x',0xDEAD),"
            ));
            s.push_str(&format!("({i}00,'a''b\\\\c\\n',\"dq\\\"{i}\",-{i}.5,'',x'00')"));
        }
        s.push_str(";\n/*!40000 ALTER TABLE `customer` ENABLE KEYS */;\nUNLOCK TABLES;\n");
        s.push_str(PG);
        s.push_str("COPY public.members (id, name, note) FROM stdin;\n");
        for i in 0..300 {
            s.push_str(&format!("{i}\t张{i}\t备注\\t{i}\\\\x\\n\t\\N\n"));
        }
        s.push_str("\\.\n");
        s
    }

    #[test]
    fn chunk_boundaries_do_not_change_events() {
        let s = sample();
        let whole = walk(&s);
        assert_eq!(whole.result, Ok(()));
        assert!(whole.values().len() > 2000);
        for size in [1, 2, 3, 7, 64, 4096] {
            let got = walk_chunks(&split(&s, size));
            assert_eq!(got.result, whole.result, "chunk size {size}");
            assert_eq!(got.tables, whole.tables, "chunk size {size}");
            assert!(got.events == whole.events, "chunk size {size}");
        }
    }

    #[test]
    fn real_samples_are_chunk_invariant_when_present() {
        for path in [
            "/work/shared/eval-dev/corpus/db/shop_backup_20240301.sql",
            "/work/shared/eval-dev/corpus/db/crm_20240301.sql",
        ] {
            let Ok(s) = std::fs::read_to_string(path) else {
                continue;
            };
            let whole = walk(&s);
            assert_eq!(whole.result, Ok(()), "{path}");
            for size in [7, 4096] {
                let got = walk_chunks(&split(&s, size));
                assert!(got.events == whole.events, "{path} chunk size {size}");
            }
        }
    }

    #[test]
    fn long_values_are_split_at_the_cap_the_same_way_for_any_chunking() {
        let big: String = "手机13800138000，".repeat(MAX_VALUE_BYTES / 10);
        let hex = "AB".repeat(MAX_VALUE_BYTES);
        let s = format!("INSERT INTO t VALUES ('{big}\\n{big}', 0x{hex}, 'tail');\n");
        let whole = walk(&s);
        assert_eq!(whole.result, Ok(()));
        let vals = whole.values();
        let pieces: Vec<&str> = vals.iter().filter(|v| v.2 == "1").map(|v| v.3).collect();
        assert!(pieces.len() >= 3);
        assert_eq!(pieces.concat(), format!("{big}\n{big}"));
        let first = at(&s, "'手机");
        let mut off = first;
        for v in vals.iter().filter(|v| v.2 == "1") {
            assert_eq!(v.4, off);
            off += v.3.len() as u64;
        }
        // The hex blob is dropped however long it is.
        assert_eq!(vals.last().unwrap().2, "3");
        assert_eq!(vals.last().unwrap().3, "tail");
        for size in [4096, 1 << 16, 3_000_001] {
            let got = walk_chunks(&split(&s, size));
            assert!(got.events == whole.events, "chunk size {size}");
        }
    }

    #[test]
    fn garbage_never_panics_and_stays_chunk_invariant() {
        let alphabet: Vec<&str> = vec![
            "'",
            "\"",
            "`",
            "\\",
            ";",
            "(",
            ")",
            ",",
            "\n",
            "\t",
            " ",
            "-",
            "/",
            "*",
            "$",
            ".",
            "N",
            "x",
            "0",
            "_",
            "中",
            "INSERT INTO t VALUES (",
            "COPY t FROM stdin;\n",
            "\\.\n",
            "CREATE TABLE t (",
            "$$",
            "--",
            "/*",
            "*/",
            "E'",
            "NULL",
            "SET ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20 {
            let mut s = String::new();
            for _ in 0..3000 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let whole = walk(&s);
            for size in [1, 7, 64] {
                let got = walk_chunks(&split(&s, size));
                assert!(got.events == whole.events, "chunk size {size} on {s:?}");
                assert_eq!(got.result, whole.result);
            }
        }
    }

    #[test]
    fn leading_bom_does_not_hide_the_pg_header() {
        let s = "\u{feff}--\n-- PostgreSQL database dump\n--\nINSERT INTO t VALUES ('C:\\x');\n";
        let w = walk(s);
        assert_eq!(w.values(), vec![("t", 1, "1", "C:\\x", at(s, "'C:"))]);
    }

    #[test]
    fn detects_dumps_by_marker_or_statement() {
        assert!(looks_like_sql_dump("-- MySQL dump 10.13  Distrib 5.7.44\n"));
        assert!(looks_like_sql_dump("--\n-- PostgreSQL database dump\n--\n"));
        assert!(looks_like_sql_dump("x\n  insert into t values (1);\n"));
        assert!(looks_like_sql_dump("CREATE TABLE t (a int);"));
        assert!(looks_like_sql_dump("COPY public.t (a) FROM stdin;\n1\n\\.\n"));
        assert!(!looks_like_sql_dump("name,phone\n张三,13800138000\n"));
        assert!(!looks_like_sql_dump("we insert into the table later; copy it\n"));
    }

    #[test]
    fn tables_past_the_cap_are_read_without_being_remembered() {
        let mut dump = String::new();
        for t in 0..MAX_TABLES + 3 {
            dump.push_str(&format!(
                "CREATE TABLE t{t} (phone text);\nINSERT INTO t{t} VALUES ('a'),('b');\n"
            ));
        }
        // A remembered table seen again goes on counting; a forgotten one starts again, and
        // its `CREATE TABLE` columns are gone (values are named by position).
        dump.push_str("INSERT INTO t0 VALUES ('c');\n");
        dump.push_str(&format!("INSERT INTO t{} VALUES ('d');\n", MAX_TABLES));
        let mut w = SqlWalker::new();
        let mut seen = Vec::new();
        w.feed(&dump, &mut |e| {
            if let SqlEvent::Value(v) = e {
                seen.push((
                    v.table.to_string(),
                    v.row,
                    v.column.to_string(),
                    v.text.to_string(),
                ));
            }
        });
        w.finish(&mut |_| {}).unwrap();
        assert_eq!(seen.len(), 2 * (MAX_TABLES + 3) + 2);
        let last = format!("t{}", MAX_TABLES + 2);
        assert!(seen.contains(&(last.clone(), 2, "phone".into(), "b".into())));
        assert_eq!(seen[seen.len() - 2], ("t0".into(), 3, "phone".into(), "c".into()));
        assert_eq!(
            seen[seen.len() - 1],
            (format!("t{MAX_TABLES}"), 1, "1".into(), "d".into())
        );
        assert_eq!(w.forgotten_tables(), 4);
        assert_eq!(w.tables().len(), MAX_TABLES + 1);
        assert!(w.data.schemas.len() <= MAX_TABLES);
    }
}
