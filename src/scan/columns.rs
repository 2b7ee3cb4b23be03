//! The columns of one input: a registry that gives each (table, column name) a slot with its
//! counts (`ColumnState`), cheap for records that repeat the same sequence of columns and
//! capped at `source::MAX_COLUMNS`; and the look-alike rule that drops a column's few valid
//! values when most of its candidates fail validation.
//!
//! The rule weighs the candidates of a window: in a delimited file, the rows of each block of
//! `WINDOW_ROWS` (numbered from the file's start); in a dump or SQLite file, likewise the
//! rows of each block of a table's rows, where a row of another table also ends the window;
//! elsewhere, everything read so far. A window depends only on its own rows, so a big file
//! read in parts cut at window boundaries (`source::split`, `source::sql::plan`) keeps and
//! drops exactly the values one reader from the start does.

use super::values::ratio;
use crate::detect::address::fields::{self, FieldRole};
use crate::detect::context::Cue;
use crate::detect::date::DateColumn;
use crate::detect::masked::{self, ColumnHint};
use crate::detect::{DetectorSet, Scratch};
use crate::finding::Category;
use crate::inventory::distinct::Distinct;
use crate::inventory::ColumnEntry;
use crate::source::{self, looks_like_value};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::Arc;

/// A column needs this many candidates of a detector's shape before the column rule
/// (most fail validation → the rest are coincidences) applies.
pub(super) const COLUMN_EVIDENCE: u64 = 10;

/// Rows of a delimited file or a table weighed together by the look-alike rule (see above): enough
/// candidates to tell a look-alike column, few enough findings to hold until the window ends.
pub(crate) const WINDOW_ROWS: u64 = 4096;

/// Longest column name, table name or JSON pointer written out, in bytes.
pub(super) const MAX_NAME: usize = 256;

/// `found_column` value of findings outside any column.
pub(super) const NO_COLUMN: u32 = u32::MAX;

/// Per-column counts in one file.
pub(super) struct ColumnState {
    pub(super) table: Option<Arc<str>>,
    pub(super) name: Arc<str>,
    pub(super) cue: Option<Cue>,
    pub(super) rows: u64,
    /// Per detector: validated values (any confidence), shape matches that failed
    /// validation, values reported.
    pub(super) valid: Vec<u64>,
    pub(super) rejected: Vec<u64>,
    pub(super) reported: Vec<u64>,
    /// `valid` and `rejected` when the look-alike rule's window started, taken when the
    /// column is first touched in window number `window` (`Columns::touch`).
    pub(super) window_valid: Vec<u64>,
    pub(super) window_rejected: Vec<u64>,
    window: u64,
    /// The ID or card detector the header names, if any: its cells can lose digits in Excel.
    pub(super) long_number: Option<usize>,
    /// Cells of such a column written in scientific notation (`1.10105E+17`).
    pub(super) precision_lost: u64,
    /// The slot that came after this one last time (see `column_slot`).
    pub(super) successor: u32,
    /// Per detector: distinct reported values, already-masked values.
    pub(super) distinct: Vec<Distinct>,
    pub(super) masked: Vec<u64>,
    /// Whether the cells date the file (order times) or must not (birth dates).
    pub(super) date_role: DateColumn,
    /// What the header says, for telling masked IDs from masked cards.
    pub(super) masked_hint: ColumnHint,
    /// The part of an address the column holds, when its name says (省, `receiver_city`,
    /// 详细地址): its cells are joined with the record's other parts (`joined`).
    pub(super) address_field: Option<FieldRole>,
}

/// The column slots of one input, in the order they were first seen.
pub(super) struct Columns<'a> {
    detectors: &'a DetectorSet,
    states: Vec<ColumnState>,
    /// Column slots by table ("" outside dumps), then column name.
    slots: FxHashMap<Box<str>, FxHashMap<Box<str>, u32>>,
    /// Slots of delimited files' columns by index (their names come once, in the header).
    cell_slots: Vec<u32>,
    /// The column slot used last (see `slot`).
    last_slot: u32,
    /// The slot counting columns past `source::MAX_COLUMNS` in this input, once there is one.
    more_columns: Option<u32>,
    /// The last table of a finding in the `more_columns` slot, and its name as shown.
    more_columns_table: (String, Arc<str>),
    /// Windows of the look-alike rule started in this input.
    window: u64,
}

impl<'a> Columns<'a> {
    pub(super) fn new(detectors: &'a DetectorSet) -> Self {
        Columns {
            detectors,
            states: Vec::new(),
            slots: FxHashMap::default(),
            cell_slots: Vec::new(),
            last_slot: NO_COLUMN,
            more_columns: None,
            more_columns_table: (String::new(), Arc::from("")),
            window: 0,
        }
    }

    /// Forgets the columns (a new input starts), keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.states.clear();
        self.slots.clear();
        self.cell_slots.clear();
        self.last_slot = NO_COLUMN;
        self.more_columns = None;
        self.more_columns_table = (String::new(), Arc::from(""));
        self.window = 0;
    }

    /// Starts a window of the look-alike rule: candidates counted so far no longer weigh.
    /// Constant time: each column takes its counts at the window's start when first touched
    /// in it (they cannot have changed before), so a dump of one row per table for 500,000
    /// tables does not copy every column's counts at every row.
    pub(super) fn start_window(&mut self) {
        self.window += 1;
    }

    /// Brings column `slot` into the current window; call before counting into it.
    pub(super) fn touch(&mut self, slot: u32) {
        let window = self.window;
        let col = &mut self.states[slot as usize];
        if col.window != window {
            col.window_valid.clone_from(&col.valid);
            col.window_rejected.clone_from(&col.rejected);
            col.window = window;
        }
    }

    /// Adds the columns of the input's next part: a column of `next` counts into the one of
    /// the same table and name here, or becomes a new one after those here (as it would have
    /// been first seen after them by one reader).
    pub(super) fn merge(&mut self, next: &Columns<'_>) {
        let mut keys: Vec<Option<(&str, &str)>> = vec![None; next.states.len()];
        for (table, names) in &next.slots {
            for (name, &slot) in names {
                keys[slot as usize] = Some((table, name));
            }
        }
        for (theirs, key) in next.states.iter().zip(keys) {
            let slot = match key {
                // A table of "" is one outside tables (`slot` keys both alike).
                Some((table, name)) => {
                    let table = theirs.table.as_ref().map(|_| table);
                    self.slot(table, name, Some(&theirs.name))
                }
                None => self.more_columns_slot(),
            };
            let mine = &mut self.states[slot as usize];
            mine.rows += theirs.rows;
            mine.precision_lost += theirs.precision_lost;
            for (counts, more) in [
                (&mut mine.valid, &theirs.valid),
                (&mut mine.rejected, &theirs.rejected),
                (&mut mine.reported, &theirs.reported),
                (&mut mine.masked, &theirs.masked),
            ] {
                super::tally::add(counts, more);
            }
            for (set, more) in mine.distinct.iter_mut().zip(&theirs.distinct) {
                set.merge(more);
            }
        }
    }

    /// Whether the input had more columns than are counted one by one.
    pub(super) fn overflowed(&self) -> bool {
        self.more_columns.is_some()
    }

    pub(super) fn get_mut(&mut self, slot: u32) -> Option<&mut ColumnState> {
        self.states.get_mut(slot as usize)
    }

    pub(super) fn get(&self, slot: u32) -> Option<&ColumnState> {
        self.states.get(slot as usize)
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, ColumnState> {
        self.states.iter()
    }

    /// The slot of the delimited file's column at `index`, named `column` in its header.
    pub(super) fn cell_slot(&mut self, index: usize, column: &Arc<str>) -> u32 {
        if index >= source::MAX_COLUMNS {
            return self.more_columns_slot();
        }
        if index >= self.cell_slots.len() {
            self.cell_slots.resize(index + 1, NO_COLUMN);
        }
        if self.cell_slots[index] == NO_COLUMN {
            self.cell_slots[index] = self.slot(None, column, Some(column));
        }
        self.cell_slots[index]
    }

    /// The slot of column `name` of `table` (None outside dumps and workbooks), made on first
    /// sight; `shared` is the reader's own copy of the name, kept instead of a new one.
    pub(super) fn slot(&mut self, table: Option<&str>, name: &str, shared: Option<&Arc<str>>) -> u32 {
        // A name is shown and kept per column: a megabyte-long JSON key is cut.
        let (name, shared) = match shortened(name) {
            Cow::Borrowed(name) => (Cow::Borrowed(name), shared),
            long => (long, None),
        };
        let table = table.map(shortened);
        let (name, table) = (&*name, table.as_deref());
        // Records repeat the same sequence of columns (JSON keys, dump columns): try the slot
        // that followed the last one the previous time before hashing.
        let previous = self.last_slot as usize;
        let guess = self.states.get(previous).map_or(0, |c| c.successor as usize);
        for s in [guess, previous.wrapping_add(1)] {
            if let Some(c) = self.states.get(s) {
                if same_text(&c.name, name)
                    && same_text(c.table.as_deref().unwrap_or(""), table.unwrap_or(""))
                {
                    return self.follow(s as u32);
                }
            }
        }
        if let Some(&slot) = self.slots.get(table.unwrap_or("")).and_then(|t| t.get(name)) {
            return self.follow(slot);
        }
        // Per-file column state is capped (a header of millions of fields, a JSON map keyed
        // by order numbers, hostile M3): the rest is counted together.
        if self.states.len() >= source::MAX_COLUMNS {
            return self.more_columns_slot();
        }
        let slot = self.new_column(table, name, shared);
        self.slots
            .entry(table.unwrap_or("").into())
            .or_default()
            .insert(name.into(), slot);
        self.follow(slot)
    }

    /// Records that `slot` followed the previous slot, and makes it the previous one.
    fn follow(&mut self, slot: u32) -> u32 {
        if let Some(c) = self.states.get_mut(self.last_slot as usize) {
            c.successor = slot;
        }
        self.last_slot = slot;
        slot
    }

    /// The slot that counts the columns of a file past `source::MAX_COLUMNS`, together.
    pub(super) fn more_columns_slot(&mut self) -> u32 {
        match self.more_columns {
            Some(slot) => slot,
            None => {
                // Made while there is room for it: the cap applies to the slots before. It
                // belongs to no table: findings in it name theirs (`shown_table`).
                let slot = self.new_column(None, source::MORE_COLUMNS, None);
                self.more_columns = Some(slot);
                slot
            }
        }
    }

    /// Adds the state of a column and returns its slot.
    fn new_column(&mut self, table: Option<&str>, name: &str, shared: Option<&Arc<str>>) -> u32 {
        let n = self.detectors.detectors().len();
        let slot = self.states.len() as u32;
        // A column name is written out (inventory, findings, reports): one that holds a value
        // (a header row that was data, a JSON key that is an address) is shown as `*`.
        let shown: Arc<str> = if name_holds_value(self.detectors, name) {
            Arc::from("*")
        } else {
            shared.cloned().unwrap_or_else(|| Arc::from(name))
        };
        // A column the header does not explain takes its table's name as context
        // (`user_address.detail`), unless that names a business record.
        let cue = self.detectors.header_cue(name).or_else(|| {
            table
                .and_then(|t| self.detectors.header_cue(t))
                .filter(|c| !matches!(c, Cue::Business))
        });
        let long_number = self
            .detectors
            .detectors()
            .iter()
            .enumerate()
            .find_map(|(d, det)| {
                let long = matches!(det.category, Category::NationalId | Category::BankCard);
                (long && cue.is_some_and(|c| c.names(d))).then_some(d)
            });
        let names_category = |category: Category| {
            cue.is_some_and(|c| {
                (0..n).any(|d| self.detectors.detectors()[d].category == category && c.names(d))
            })
        };
        let masked_hint = ColumnHint {
            card: names_category(Category::BankCard),
            address: names_category(Category::Address),
        };
        // A column whose own name is an address word (not its table's: `user_address.id`)
        // and names no admin level holds the detail.
        let address_field = fields::field_role(name).or_else(|| {
            let d = self.detectors.address_detector()?;
            let own = self.detectors.header_cue(name)?;
            own.names(d).then_some(FieldRole::Detail)
        });
        self.states.push(ColumnState {
            address_field,
            distinct: vec![Distinct::default(); n],
            masked: vec![0; n],
            date_role: DateColumn::of_header(name),
            masked_hint,
            table: table.map(|t| self.shown_table_name(t)),
            name: shown,
            cue,
            long_number,
            precision_lost: 0,
            rows: 0,
            valid: vec![0; n],
            rejected: vec![0; n],
            reported: vec![0; n],
            window_valid: vec![0; n],
            window_rejected: vec![0; n],
            window: self.window,
            successor: 0,
        });
        slot
    }

    /// The table (or sheet) of a finding in column `slot`, as findings show it. Columns past
    /// the cap share one slot whatever their table, so theirs is worked out per table.
    pub(super) fn shown_table(&mut self, slot: u32, table: &str) -> Arc<str> {
        if self.more_columns != Some(slot) {
            let col = &self.states[slot as usize];
            return col.table.clone().unwrap_or_else(|| Arc::from(""));
        }
        if self.more_columns_table.0 != table {
            let shown = self.shown_table_name(&shortened(table));
            self.more_columns_table = (table.to_string(), shown);
        }
        self.more_columns_table.1.clone()
    }

    /// A table or sheet name as written out: one that holds a value is shown as `*`.
    fn shown_table_name(&self, table: &str) -> Arc<str> {
        if name_holds_value(self.detectors, table) {
            Arc::from("*")
        } else {
            Arc::from(table)
        }
    }

    /// The inventory's column entries: each column and detector with something to report.
    pub(super) fn entries(&self) -> Vec<ColumnEntry> {
        let mut out = Vec::new();
        for col in &self.states {
            for (d, &hits) in col.reported.iter().enumerate() {
                let lost =
                    (col.long_number == Some(d) && col.precision_lost > 0).then_some(col.precision_lost);
                if hits == 0 && lost.is_none() && col.masked[d] == 0 {
                    continue;
                }
                let det = &self.detectors.detectors()[d];
                let masked = col.masked[d];
                out.push(ColumnEntry {
                    // Both are stamped with the inventory (`inventory::lineage`).
                    id: None,
                    first_seen: None,
                    name: col.name.to_string(),
                    table: col.table.as_deref().map(str::to_string),
                    detector: det.id.clone(),
                    hits,
                    rows: col.rows,
                    share: ratio(hits, col.rows),
                    precision_lost: lost,
                    category: Some(det.category.as_str().to_string()),
                    sensitivity: Some(det.sensitivity),
                    distinct: (hits > 0).then(|| col.distinct[d].count()),
                    masked,
                    masked_share: (masked > 0).then(|| ratio(masked, hits + masked)),
                });
            }
        }
        out
    }
}

impl std::ops::Index<u32> for Columns<'_> {
    type Output = ColumnState;

    fn index(&self, slot: u32) -> &ColumnState {
        &self.states[slot as usize]
    }
}

impl std::ops::IndexMut<u32> for Columns<'_> {
    fn index_mut(&mut self, slot: u32) -> &mut ColumnState {
        &mut self.states[slot as usize]
    }
}

/// `name` cut to `MAX_NAME` bytes with an ellipsis; names are shown, and one can be a
/// megabyte-long JSON key.
pub(super) fn shortened(name: &str) -> Cow<'_, str> {
    if name.len() <= MAX_NAME {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{}…", &name[..source::floor_char(name, MAX_NAME)]))
    }
}

/// Whether a column, table or key name holds personal data: what `looks_like_value` catches,
/// anything a detector finds in it, or a masked value.
pub(super) fn name_holds_value(detectors: &DetectorSet, name: &str) -> bool {
    if looks_like_value(name) {
        return true;
    }
    let mut hits = Vec::new();
    let mut rejected = vec![0; detectors.detectors().len()];
    let mut scratch = Scratch::default();
    detectors.scan(name, None, &mut scratch, &mut hits, &mut rejected);
    let mut masked = false;
    masked::find_masked(name, ColumnHint::default(), |_| masked = true);
    !hits.is_empty() || masked
}

/// A number in scientific notation (`1.10105E+17`, `6.217e18`): what Excel shows, and
/// saves to CSV, for numbers of 12 or more digits. Its digits past the 15th are gone.
pub(super) fn looks_scientific(text: &str) -> bool {
    let t = text.trim().as_bytes();
    let mut i = usize::from(t.first() == Some(&b'-'));
    let start = i;
    while i < t.len() && t[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !matches!(t.get(i), Some(b'e' | b'E')) {
        return false;
    }
    i += 1;
    if t.get(i) == Some(&b'+') {
        i += 1;
    }
    let exponent = i;
    while i < t.len() && t[i].is_ascii_digit() {
        i += 1;
    }
    i == t.len() && i > exponent
}

/// String equality without a libc call for the short strings column names are.
pub(super) fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A column whose header does not name the detector and where most candidates of the
/// detector's shape fail validation holds look-alikes (serials, codes): its few valid
/// values are coincidences. For a detector whose values are whole cells (names), the header
/// is what makes cells candidates, so it excuses nothing: a `name` column where most cells
/// are not names holds products or shops.
pub(super) fn look_alike_column(col: &ColumnState, d: usize, cell_valued: bool) -> bool {
    if col.cue.is_some_and(|c| c.names(d)) && !cell_valued {
        return false;
    }
    let valid = col.valid[d] - col.window_valid[d];
    let total = valid + col.rejected[d] - col.window_rejected[d];
    total >= COLUMN_EVIDENCE && valid * 2 < total
}

/// Values of a detector, found without the neighbour rule in a column's window, that make
/// the column support an unlabelled value of a `neighbours` pattern (a 15-digit ID among
/// 18-digit ones).
pub(super) const NEIGHBOUR_SUPPORT: u64 = 2;

/// Whether column `col`'s window supports an unlabelled value of detector `d`'s
/// `neighbours` pattern (`Hit::awaits_column`): the header names `d`, or the window holds
/// `NEIGHBOUR_SUPPORT` of its other values. A business header (订单号) never does.
pub(super) fn supports(col: &ColumnState, d: usize) -> bool {
    match col.cue {
        Some(Cue::Business) => false,
        Some(c) if c.names(d) => true,
        _ => col.valid[d] - col.window_valid[d] >= NEIGHBOUR_SUPPORT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(columns: &mut Columns<'_>, table: Option<&str>, names: &[&str]) -> Vec<u32> {
        names.iter().map(|n| columns.slot(table, n, None)).collect()
    }

    #[test]
    fn repeated_column_sequences_get_the_same_slots() {
        let detectors = DetectorSet::builtin();
        let mut columns = Columns::new(&detectors);
        let record = ["id", "name", "mobile"];
        assert_eq!(slots(&mut columns, None, &record), [0, 1, 2]);
        for _ in 0..3 {
            assert_eq!(slots(&mut columns, None, &record), [0, 1, 2]);
        }
        // Out of sequence (the guesses miss) and in another table.
        assert_eq!(slots(&mut columns, None, &["mobile", "id"]), [2, 0]);
        assert_eq!(slots(&mut columns, Some("users"), &record), [3, 4, 5]);
        assert_eq!(slots(&mut columns, Some("users"), &record), [3, 4, 5]);
        assert_eq!(slots(&mut columns, None, &record), [0, 1, 2]);
        assert_eq!(columns.iter().count(), 6);
        assert_eq!(columns[4].table.as_deref(), Some("users"));
        // A delimited file's columns by index: named once, then looked up by position.
        let header: Arc<str> = Arc::from("mobile");
        assert_eq!(columns.cell_slot(7, &header), 2);
        assert_eq!(columns.cell_slot(7, &Arc::from("ignored")), 2);
        columns.clear();
        assert_eq!(columns.iter().count(), 0);
        assert_eq!(slots(&mut columns, None, &["mobile"]), [0]);
    }

    #[test]
    fn past_max_columns_the_rest_share_the_more_columns_slot() {
        let detectors = DetectorSet::builtin();
        let mut columns = Columns::new(&detectors);
        for i in 0..source::MAX_COLUMNS {
            assert_eq!(columns.slot(None, &format!("c{i}"), None), i as u32);
        }
        assert!(!columns.overflowed());
        let more = columns.slot(None, "one too many", None);
        assert_eq!(more as usize, source::MAX_COLUMNS);
        assert!(columns.overflowed());
        assert_eq!(&*columns[more].name, source::MORE_COLUMNS);
        assert_eq!(columns.slot(Some("orders"), "another", None), more);
        assert_eq!(columns.cell_slot(source::MAX_COLUMNS + 3, &Arc::from("x")), more);
        // Columns seen before the cap keep their own slots.
        assert_eq!(columns.slot(None, "c7", None), 7);
        // Findings in the shared slot name their own table.
        assert_eq!(&*columns.shown_table(more, "orders"), "orders");
        assert_eq!(&*columns.shown_table(more, "13812345678"), "*");
        columns.clear();
        assert!(!columns.overflowed());
    }

    #[test]
    fn names_that_hold_values_are_shown_as_a_star() {
        let detectors = DetectorSet::builtin();
        let mut columns = Columns::new(&detectors);
        let slot = columns.slot(Some("zhang@example.com"), "13812345678", None);
        assert_eq!(&*columns[slot].name, "*");
        assert_eq!(columns[slot].table.as_deref(), Some("*"));
        let long = "k".repeat(MAX_NAME * 2);
        let slot = columns.slot(None, &long, None);
        assert!(columns[slot].name.len() <= MAX_NAME + '…'.len_utf8());
        assert!(columns[slot].name.ends_with('…'));
        assert!(!name_holds_value(&detectors, "mobile"));
        assert!(name_holds_value(&detectors, "13812345678"));
    }

    #[test]
    fn merged_columns_count_together_and_keep_first_sight_order() {
        let detectors = DetectorSet::builtin();
        let mut first = Columns::new(&detectors);
        let mut next = Columns::new(&detectors);
        slots(&mut first, None, &["id", "mobile"]);
        assert_eq!(slots(&mut next, None, &["mobile", "email"]), [0, 1]);
        slots(&mut next, Some("users"), &["mobile"]);
        first[1].rows = 3;
        first[1].valid[0] = 2;
        next[0].rows = 4;
        next[0].valid[0] = 5;
        next[0].distinct[0].insert(7);
        first.merge(&next);
        let names: Vec<(Option<&str>, &str)> = first.iter().map(|c| (c.table.as_deref(), &*c.name)).collect();
        assert_eq!(
            names,
            [
                (None, "id"),
                (None, "mobile"),
                (None, "email"),
                (Some("users"), "mobile")
            ]
        );
        assert_eq!((first[1].rows, first[1].valid[0]), (7, 7));
        assert_eq!(first[1].distinct[0].count(), 1);
    }

    #[test]
    fn look_alike_column_verdicts() {
        let detectors = DetectorSet::builtin();
        let d = detectors
            .detectors()
            .iter()
            .position(|x| x.id == "cn_mobile")
            .unwrap();
        let mut columns = Columns::new(&detectors);
        let serial = columns.slot(None, "serial", None);
        let mobile = columns.slot(None, "receiver_mobile", None);
        assert!(
            columns[mobile].cue.is_some_and(|c| c.names(d)),
            "the header names the detector"
        );
        let mut verdict = |slot: u32, valid: u64, rejected: u64| {
            let col = &mut columns[slot];
            (col.valid[d], col.rejected[d]) = (valid, rejected);
            look_alike_column(col, d, false)
        };
        // Most candidates fail validation: the valid few are coincidences.
        assert!(verdict(serial, 4, 6));
        // Half valid is not "most fail".
        assert!(!verdict(serial, 5, 5));
        // Too few candidates to tell.
        assert!(!verdict(serial, 1, 8));
        // A header that names the detector keeps its values however many fail.
        assert!(!verdict(mobile, 1, 100));
        // Unless the detector's values are whole cells: a `name` column of product names.
        let col = &mut columns[mobile];
        (col.valid[d], col.rejected[d]) = (1, 100);
        assert!(look_alike_column(col, d, true));
        (col.valid[d], col.rejected[d]) = (90, 10);
        assert!(!look_alike_column(col, d, true));
        let mut verdict = |slot: u32, valid: u64, rejected: u64| {
            let col = &mut columns[slot];
            (col.valid[d], col.rejected[d]) = (valid, rejected);
            look_alike_column(col, d, false)
        };
        // A new window weighs only the candidates counted after its start.
        verdict(serial, 4, 6);
        columns.start_window();
        columns.touch(serial);
        let col = &mut columns[serial];
        (col.valid[d], col.rejected[d]) = (4 + 9, 6 + 1);
        assert!(!look_alike_column(col, d, false), "9 of 10 valid in this window");
        (col.valid[d], col.rejected[d]) = (4 + 2, 6 + 8);
        assert!(look_alike_column(col, d, false), "2 of 10 valid in this window");
        // A window's start costs nothing per column: a column takes its counts when first
        // touched in the window, as they were at its start.
        columns.start_window();
        assert_eq!(
            columns[serial].window_valid[d], 4,
            "not copied at the window's start"
        );
        columns.touch(serial);
        assert_eq!(columns[serial].window_valid[d], 6, "taken when first touched");
    }

    #[test]
    fn scientific_notation_is_recognised() {
        for yes in ["1.10105E+17", "6.217e18", "-1E5", " 1.5E+17 "] {
            assert!(looks_scientific(yes), "{yes}");
        }
        for no in ["110105199001011234", "1.5", "E5", "1e", "1e+", "1.5E+17x", ""] {
            assert!(!looks_scientific(no), "{no}");
        }
    }
}
