//! The caller's side of reading a workbook: `Events` (from calamine in this process, or
//! decoded from a child's frames) become `Record`s. Per sheet a `SheetWriter` decides the
//! header; per workbook a `BookWriter` counts sheets read and failed and holds what it keeps in
//! memory against the scan's budget, so that both ways of reading give the same records.

use super::parse::Events;
use super::{Failure, SheetError};
use crate::budget::{MemoryBudget, OverBudget, Reservation};
use crate::error::{ErrorKind, Problem};
use crate::source::delimited::looks_like_header;
use crate::source::{looks_like_value, FileFacts, Origin, Record};
use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Lone-cell rows (a title, an export time) that may stand above a header row.
const MAX_BANNER_ROWS: usize = 3;

/// Longest sheet name shown. Excel allows 31 characters; a longer name is a hostile file's,
/// and it would be repeated in every finding of the sheet.
pub(super) const MAX_SHEET_NAME: usize = 256;

/// Columns per sheet whose names are kept (Excel's own limit). A cell reference may name any
/// column up to 2^32 (`ZZZZZZ2`); past this many distinct ones, a name is made per cell.
const MAX_NAMED_COLUMNS: usize = 16_384;

/// The reservation grows and shrinks in steps of this much, so the budget's lock is taken once
/// per step, not once per cell.
const STEP: u64 = 1 << 20;

/// Turns a workbook's events into records (see the module documentation).
pub(super) struct BookWriter<'e, 'm> {
    emit: &'e mut dyn FnMut(Record<'_>),
    sheet: Option<SheetWriter>,
    tally: Tally,
    memory: Holding<'m>,
}

/// Why a cell was not scanned.
pub(super) enum Refusal {
    /// Holding its text would overrun the memory budget.
    Budget(OverBudget),
    /// The budget allowed it, but this process could not allocate it.
    Allocation,
}

impl<'e, 'm> BookWriter<'e, 'm> {
    pub(super) fn new(emit: &'e mut dyn FnMut(Record<'_>), budget: &'m MemoryBudget) -> Self {
        BookWriter {
            emit,
            sheet: None,
            tally: Tally::default(),
            memory: Holding {
                budget,
                reservation: budget.start("the spreadsheet reader"),
                base: 0,
                cells: 0,
            },
        }
    }

    /// Holds `bytes` against the budget for the workbook's reading as a whole (the child's
    /// address space, a copy of the workbook), on top of the cells held.
    pub(super) fn reserve_base(&mut self, bytes: u64) -> Result<(), OverBudget> {
        self.memory.base = bytes;
        let cells = self.memory.cells;
        self.memory.hold(cells)
    }

    /// The base reserved now.
    pub(super) fn base(&self) -> u64 {
        self.memory.base
    }

    /// Reserves what holding a cell of `len` bytes takes, with the cells a sheet holds back
    /// until its header is known. Follow with `accept` or `refuse`, then `cell_done`.
    pub(super) fn admit(&mut self, len: u64) -> Result<(), OverBudget> {
        let held = self.sheet.as_ref().map_or(0, |s| s.held_bytes);
        self.memory.hold(held.saturating_add(len))
    }

    pub(super) fn accept(&mut self, row: u32, col: u32, text: &str) {
        if let Some(sheet) = &mut self.sheet {
            sheet.cell(row, col, text, self.emit);
        }
    }

    /// A cell that was not held: a warning instead of its records.
    pub(super) fn refuse(&mut self, row: u32, col: u32, len: u64, why: Refusal) {
        let mut cell = String::new();
        push_reference(row, col, &mut cell);
        let name = self.sheet.as_ref().map_or("", |s| s.name.as_str());
        let reason = match why {
            Refusal::Budget(OverBudget::TooBig { limit, .. }) => {
                format!(
                    "more than the memory budget ({} MiB; --max-memory) leaves for it",
                    limit >> 20
                )
            }
            Refusal::Budget(OverBudget::Busy { .. }) => "other files held the memory budget too long".into(),
            Refusal::Allocation => "pimap could not allocate memory for it".into(),
        };
        let message = format!(
            "sheet '{}': cell {cell} ({} MiB of text) not scanned: {reason}",
            shown(name),
            len.div_ceil(1 << 20)
        );
        self.tally.warn(Problem::new(ErrorKind::TooLarge, message));
    }

    /// Gives back what a cell took beyond what is still held.
    pub(super) fn cell_done(&mut self) {
        let held = self.sheet.as_ref().map_or(0, |s| s.held_bytes);
        self.memory.release(held);
    }

    /// The end of the workbook: the open sheet's held rows are written (records read before a
    /// failure stand), then `result` or the sheets' outcome.
    pub(super) fn finish(mut self, result: Result<(), SheetError>) -> Result<FileFacts, SheetError> {
        if let Some(mut sheet) = self.sheet.take() {
            sheet.finish(self.emit);
        }
        result?;
        self.tally.finish()
    }
}

impl Events for BookWriter<'_, '_> {
    fn sheet(&mut self, name: &str) {
        if let Some(mut open) = self.sheet.take() {
            open.finish(self.emit);
        }
        self.sheet = Some(SheetWriter::new(
            super::truncated(name, MAX_SHEET_NAME).into_owned(),
        ));
    }

    fn cell(&mut self, row: u32, col: u32, text: &str) {
        let len = text.len() as u64;
        match self.admit(len) {
            Ok(()) => self.accept(row, col, text),
            Err(why) => self.refuse(row, col, len, Refusal::Budget(why)),
        }
        self.cell_done();
    }

    fn sheet_end(&mut self, outcome: Result<(), Failure>) {
        if let Some(mut sheet) = self.sheet.take() {
            // Cells read before a sheet broke off stand, like records before a read error.
            sheet.finish(self.emit);
            self.tally.sheet(&sheet.name, outcome);
        }
        self.memory.release(0);
    }
}

/// A sheet name as reasons show it: one named after a value (a customer's phone) is not named.
fn shown(name: &str) -> &str {
    if looks_like_value(name) {
        "*"
    } else {
        name
    }
}

/// What the workbook holds against the budget: `base` plus the `cells` held now.
struct Holding<'m> {
    budget: &'m MemoryBudget,
    reservation: Reservation<'m>,
    base: u64,
    cells: u64,
}

impl Holding<'_> {
    /// Makes the reservation cover `base + cells`, a step more where the budget allows, so
    /// the next cells need not ask.
    fn hold(&mut self, cells: u64) -> Result<(), OverBudget> {
        let needed = self.base.saturating_add(cells);
        if needed > self.reservation.bytes() {
            let roomy = needed.saturating_add(STEP);
            // Not both in turn: each may wait for other workers.
            if roomy <= self.budget.limit() {
                self.reservation.grow_to(roomy)?;
            } else {
                self.reservation.grow_to(needed)?;
            }
        }
        self.cells = cells;
        Ok(())
    }

    /// Only `cells` bytes of cells are held now: gives back what is more than a step over.
    fn release(&mut self, cells: u64) {
        self.cells = cells;
        let needed = self.base.saturating_add(cells);
        if self.reservation.bytes() > needed.saturating_add(4 * STEP) {
            self.reservation.shrink_to(needed.saturating_add(STEP));
        }
    }
}

/// Counts sheets read and failed, and keeps the warnings.
#[derive(Default)]
struct Tally {
    facts: FileFacts,
    read: usize,
    failed: usize,
    /// Index in `facts.warnings` of the first sheet that failed.
    first_failure: Option<usize>,
}

impl Tally {
    fn sheet(&mut self, name: &str, outcome: Result<(), Failure>) {
        match outcome {
            Ok(()) => self.read += 1,
            Err(e) => {
                self.failed += 1;
                self.first_failure.get_or_insert(self.facts.warnings.len());
                self.warn(Problem::new(e.kind, format!("sheet '{}': {e}", shown(name))));
            }
        }
    }

    fn warn(&mut self, problem: Problem) {
        self.facts.warnings.push(problem);
    }

    /// A workbook none of whose sheets could be read is broken, not merely damaged.
    fn finish(mut self) -> Result<FileFacts, SheetError> {
        if let (0, Some(first)) = (self.read, self.first_failure) {
            let first = self.facts.warnings.remove(first);
            return Err(SheetError::Unreadable(Failure {
                kind: first.kind,
                reason: first.message,
            }));
        }
        Ok(self.facts)
    }
}

/// Turns one sheet's cells, in row order, into records: holds back the leading rows until it
/// is known which, if any, is the header.
///
/// The header is the first non-empty row when it reads like labels, as for delimited files.
/// Exports from Chinese shop back-ends often put a title in a merged first row
/// ("天猫订单明细  导出时间：…  店铺：…") above the real header, so one to
/// `MAX_BANNER_ROWS` rows of a single cell followed by a wider row that reads like labels make
/// that wider row the header; the title rows are scanned as data under their column letter.
struct SheetWriter {
    name: String,
    /// Column names by 0-based sheet column, as columns appear: the header's, else letters.
    /// Sparse: a cell may name any column up to 2^32.
    columns: FxHashMap<u32, Arc<str>>,
    /// Leading rows and their cells, until the header is known.
    held: Vec<(u32, Vec<(u32, String)>)>,
    /// Bytes of text in `held`.
    held_bytes: u64,
    decided: bool,
    /// The A1-style reference of the cell being written.
    cell: String,
}

impl SheetWriter {
    fn new(name: String) -> Self {
        SheetWriter {
            name,
            columns: FxHashMap::default(),
            held: Vec::new(),
            held_bytes: 0,
            decided: false,
            cell: String::new(),
        }
    }

    fn cell(&mut self, row: u32, col: u32, text: &str, emit: &mut dyn FnMut(Record<'_>)) {
        if !self.decided {
            let new_row = self.held.last().is_none_or(|(r, _)| *r != row);
            // A new row means the last one is complete.
            if new_row && self.held_enough() {
                self.decide(emit);
            }
            if !self.decided {
                if new_row {
                    self.held.push((row, Vec::new()));
                }
                if let Some((_, cells)) = self.held.last_mut() {
                    cells.push((col, text.to_owned()));
                    self.held_bytes += text.len() as u64;
                }
                return;
            }
        }
        self.emit(row, col, text, emit);
    }

    /// The header is known once a complete row is wider than one cell, or once more
    /// lone-cell rows were seen than a title block has.
    fn held_enough(&self) -> bool {
        self.held
            .last()
            .is_some_and(|(_, cells)| cells.len() > 1 || self.held.len() > MAX_BANNER_ROWS)
    }

    fn finish(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        if !self.decided {
            self.decide(emit);
        }
    }

    fn decide(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        self.decided = true;
        let held = std::mem::take(&mut self.held);
        self.held_bytes = 0;
        let labels = |i: usize| {
            let texts: Vec<&str> = held[i].1.iter().map(|(_, t)| t.as_str()).collect();
            looks_like_header(&texts)
        };
        // Rows before the first wide one all have one cell (see `held_enough`).
        let wide = held.iter().position(|(_, cells)| cells.len() > 1);
        let header = match wide {
            Some(k) if k > 0 && labels(k) => Some(k),
            _ if !held.is_empty() && labels(0) => Some(0),
            _ => None,
        };
        for (i, (row, cells)) in held.iter().enumerate() {
            if Some(i) == header {
                for (col, text) in cells {
                    let name = text.trim();
                    let room = self.columns.len() < MAX_NAMED_COLUMNS || self.columns.contains_key(col);
                    if !name.is_empty() && room {
                        self.columns.insert(*col, Arc::from(name));
                    }
                }
            } else {
                for (col, text) in cells {
                    self.emit(*row, *col, text, emit);
                }
            }
        }
    }

    fn emit(&mut self, row: u32, col: u32, text: &str, emit: &mut dyn FnMut(Record<'_>)) {
        self.cell.clear();
        push_reference(row, col, &mut self.cell);
        let unnamed;
        let column: &Arc<str> = if self.columns.len() < MAX_NAMED_COLUMNS {
            self.columns.entry(col).or_insert_with(|| letters(col))
        } else if let Some(name) = self.columns.get(&col) {
            name
        } else {
            unnamed = letters(col);
            &unnamed
        };
        emit(Record {
            text,
            origin: Origin::Sheet {
                sheet: &self.name,
                cell: &self.cell,
                index: col as usize,
                column,
            },
        });
    }
}

/// The A1-style reference of a 0-based cell: (1, 1) → B2.
fn push_reference(row: u32, col: u32, out: &mut String) {
    push_letters(col, out);
    let _ = write!(out, "{}", u64::from(row) + 1);
}

fn letters(col: u32) -> Arc<str> {
    let mut letters = String::new();
    push_letters(col, &mut letters);
    Arc::from(letters)
}

/// Column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
pub(super) fn push_letters(col: u32, out: &mut String) {
    let mut n = col as u64 + 1;
    let mut rev = [0u8; 8];
    let mut len = 0;
    while n > 0 {
        n -= 1;
        rev[len] = b'A' + (n % 26) as u8;
        len += 1;
        n /= 26;
    }
    out.extend(rev[..len].iter().rev().map(|&b| b as char));
}
