//! Addresses split across the fields of one record (省, 市, 区 and detail columns; an order
//! API's `receiver_state` … `receiver_address`; a dump's `province, city, district, detail`)
//! become one finding: the detail's, located where the detail is, its value the fields
//! joined, with the parts they resolve to and the fields' names (`Found::fields`).
//!
//! The fields of a record arrive one by one, in any order (JSON keys may be sorted), so the
//! record's admin values and its detail are held until the record ends: a record of another
//! row or JSON object with such a field, a new window, or the end of the input. Until then
//! the detail's own finding, if it had one, is kept in the batch (`holds_finding`), so that
//! it can still be changed; a batch handed over mid-record without it leaves the record open.

use super::columns::NO_COLUMN;
use super::record::BATCH;
use super::worker::Worker;
use crate::detect::address::fields::{self, FieldRole};
use crate::finding::{Found, Location};
use crate::source::{Origin, Record};
use rustc_hash::FxHashMap;
use std::ops::Range;
use std::sync::Arc;

/// Longest detail held: longer cells are no one address.
const MAX_DETAIL: usize = 1024;
/// Admin fields held per record (a record repeating them is not an address record).
const MAX_ADMIN: usize = 8;
/// Longest admin field held: a few place names.
const MAX_ADMIN_TEXT: usize = 96;

/// The address fields of the record being read.
#[derive(Default)]
pub(super) struct JoinedAddress {
    /// Which record: the table or sheet (or a JSON object's pointer) and the row (or NDJSON
    /// line) of its fields; `open` when fields were seen.
    table: String,
    row: u64,
    open: bool,
    /// The fields' texts, one after another (kept across records: no allocation per field).
    texts: String,
    /// Admin fields: their part, where their text is in `texts`, their column's name.
    admin: Vec<(FieldRole, Range<usize>, Arc<str>)>,
    detail: Option<Detail>,
    /// Admin field values already checked against the gazetteer (`holds_only_places`): a
    /// column repeats a few hundred place names over millions of rows. Bounded.
    places: FxHashMap<Box<str>, bool>,
}

/// Admin values whose verdict is kept (`JoinedAddress::places`) before it starts over.
const MAX_PLACES: usize = 8192;

/// The detail field of a record.
struct Detail {
    /// Where its text is in `JoinedAddress::texts`.
    text: Range<usize>,
    slot: u32,
    name: Arc<str>,
    location: Location,
    /// Its own address finding (an index into `Worker::found`), if it had one.
    found: Option<usize>,
}

impl JoinedAddress {
    /// Forgets the record's fields (it ended, or a new input starts).
    pub(super) fn clear(&mut self) {
        self.open = false;
        self.texts.clear();
        self.admin.clear();
        self.detail = None;
    }

    /// Whether a finding of the current record may still change: the batch holding it is
    /// not handed over until the record ends.
    pub(super) fn holds_finding(&self) -> bool {
        self.detail.as_ref().is_some_and(|d| d.found.is_some())
    }

    /// Keeps `text` in `texts` and returns where it is.
    fn keep(&mut self, text: &str) -> Range<usize> {
        let start = self.texts.len();
        self.texts.push_str(text);
        start..self.texts.len()
    }

    /// The address the record's fields make: the text joined, where the detail starts in
    /// it, and the names of the admin fields read into it. None when no admin field adds a
    /// place to the detail. Fields are checked against the gazetteer only when the detail
    /// does not write them already (most exports repeat them in the address column).
    fn joined(&mut self, detail: &Detail) -> Option<(String, usize, Vec<Arc<str>>)> {
        let detail_text = &self.texts[detail.text.clone()];
        let mut used: Vec<(FieldRole, &str)> = Vec::new();
        let mut names: Vec<Arc<str>> = Vec::new();
        for (role, at, name) in &self.admin {
            let value = &self.texts[at.clone()];
            if fields::written_in(detail_text, value) {
                continue;
            }
            let holds_places = match self.places.get(value) {
                Some(&verdict) => verdict,
                None => {
                    if self.places.len() >= MAX_PLACES {
                        self.places.clear();
                    }
                    let verdict = fields::holds_only_places(value);
                    self.places.insert(value.into(), verdict);
                    verdict
                }
            };
            if holds_places {
                used.push((*role, value));
                names.push(name.clone());
            }
        }
        if used.is_empty() {
            return None;
        }
        let (text, detail_at) = fields::join(&used, detail_text)?;
        Some((text, detail_at, names))
    }
}

/// The record a field belongs to: (table, row) of a table or sheet cell, (parent pointer,
/// line) of a JSON value.
fn record_of<'a>(origin: &Origin<'a>) -> Option<(&'a str, u64)> {
    match *origin {
        Origin::Text { .. } | Origin::Page { .. } | Origin::Paragraph { .. } => None,
        Origin::Cell { row, .. } => Some(("", row)),
        Origin::Table { table, row, .. } => Some((table, row)),
        Origin::Sheet { sheet, cell, .. } => {
            let row = cell.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            Some((sheet, row.parse().unwrap_or(0)))
        }
        Origin::Json { pointer, line, .. } => {
            let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
            Some((parent, line.unwrap_or(0)))
        }
    }
}

impl Worker<'_> {
    /// Called before the field `origin` (of a column holding part of an address) is
    /// checked: the record before it ends if this is another one.
    pub(super) fn enter_address_record(&mut self, origin: &Origin<'_>) {
        let Some((table, row)) = record_of(origin) else {
            return;
        };
        let j = &self.joined;
        if j.open && j.row == row && j.table == table {
            return;
        }
        self.end_address_record();
        let j = &mut self.joined;
        j.table.clear();
        j.table.push_str(table);
        j.row = row;
        j.open = true;
    }

    /// Called after the field `record` of column `slot` was checked (its findings start at
    /// `first_found`): keeps what it holds of an address (`role`).
    pub(super) fn note_address_field(
        &mut self,
        role: FieldRole,
        record: &Record<'_>,
        slot: u32,
        first_found: usize,
    ) {
        if !self.joined.open || slot == NO_COLUMN {
            return;
        }
        let name = self.tally.columns[slot].name.clone();
        let text = record.text.trim();
        if role != FieldRole::Detail {
            if self.joined.admin.len() < MAX_ADMIN && text.len() <= MAX_ADMIN_TEXT {
                let at = self.joined.keep(text);
                self.joined.admin.push((role, at, name));
            }
            return;
        }
        if self.joined.detail.is_some() || text.len() > MAX_DETAIL {
            return;
        }
        let d = self.detectors.address_detector();
        let found = (first_found..self.found.len()).find(|&i| Some(self.found[i].detector) == d);
        let location = match found {
            Some(i) => self.found[i].location.clone(),
            None => {
                let mut shown_pointer = None;
                self.cell_location(record, slot, &mut shown_pointer)
            }
        };
        let text = self.joined.keep(text);
        self.joined.detail = Some(Detail {
            text,
            slot,
            name,
            location,
            found,
        });
    }

    /// Ends the record being read: a detail with admin fields becomes (or replaces) the
    /// detail's finding with the address they make together.
    pub(super) fn end_address_record(&mut self) {
        let detail = self.joined.detail.take();
        let joined = match &detail {
            Some(detail) if self.joined.open => self.joined.joined(detail),
            _ => None,
        };
        self.joined.clear();
        let (Some((text, detail_at, mut names)), Some(detail)) = (joined, detail) else {
            return;
        };
        let Some(hit) = self
            .detectors
            .joined_address(&text, detail.found.is_some(), &mut self.scratch)
        else {
            return;
        };
        // The fields must have been read into it: a hit inside the detail alone is what the
        // detail's own finding says already.
        if hit.start >= detail_at || hit.end <= detail_at {
            return;
        }
        names.push(detail.name);
        let fields = Some(names.into_boxed_slice());
        let value = text[hit.start..hit.end].to_string();
        let confidence = (hit.confidence * 100.0).round() / 100.0;
        match detail.found {
            // Never one judged already: it was counted and fingerprinted as it was.
            Some(i) if i < self.found.len() && i >= self.judged => {
                let f = &mut self.found[i];
                f.confidence = f.confidence.max(confidence);
                f.value = value;
                f.parts = hit.parts;
                f.fields = fields;
            }
            None if hit.confidence >= self.min_confidence => {
                if let Some(col) = self.tally.columns.get_mut(detail.slot) {
                    col.valid[hit.detector] += 1;
                }
                self.found.push(Found {
                    detector: hit.detector,
                    confidence,
                    location: detail.location,
                    value,
                    parts: hit.parts,
                    fields,
                });
                self.found_column.push(detail.slot);
            }
            _ => {}
        }
    }

    /// Whether the batch can be handed over mid-record: not while a finding of the record
    /// may still change, unless the record holds far more than a batch (bounded memory).
    pub(super) fn may_flush_mid_record(&self) -> bool {
        !self.joined.holds_finding() || self.found.len() - self.judged >= 4 * BATCH
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::test_config;

    /// The address finding after JSON fields of one object, read in this order: `(key,
    /// text, times)`, each key at `/a/KEY`; and how many findings the batch still holds.
    fn address_after(fields: &[(&'static str, &'static str, usize)]) -> (Option<Found>, usize) {
        let config = test_config(Vec::new());
        let mut worker = Worker::new(&config.detectors, &config, None);
        let path: Arc<str> = Arc::from("a.json");
        let mut send = |_: Vec<u8>| {};
        for &(key, text, times) in fields {
            let pointer = format!("/a/{key}");
            for _ in 0..times {
                let origin = Origin::Json {
                    pointer: &pointer,
                    key: Some(key),
                    line: None,
                };
                worker.on_record(Record { text, origin }, &path, &mut send);
            }
        }
        worker.end_address_record();
        let held = worker.found.len();
        let d = config.detectors.address_detector();
        (worker.found.into_iter().find(|f| Some(f.detector) == d), held)
    }

    const DETAIL: &str = "文三路477号华星科技大厦3幢501室";

    /// The detail's finding stays in the batch until the record's last field (sorted keys:
    /// the province comes after thousands of other values), within a bound.
    fn joined_after(values_between: usize) -> Option<Box<[Arc<str>]>> {
        address_after(&[
            ("address", DETAIL, 1),
            ("phone", "13812345678", values_between),
            ("province", "浙江省", 1),
        ])
        .0
        .and_then(|f| f.fields)
    }

    #[test]
    fn admin_fields_carry_over_a_batch_handed_over_mid_record() {
        // More than a batch of phones between the province and the detail: one batch is
        // handed over (no encoder: it is dropped) while the record is open.
        let (joined, held) = address_after(&[
            ("province", "浙江省", 1),
            ("phone", "13812345678", BATCH + 10),
            ("detail", DETAIL, 1),
        ]);
        assert!(held < BATCH, "a batch was handed over");
        let joined = joined.expect("the address");
        assert_eq!(joined.value, "浙江省文三路477号华星科技大厦3幢501室");
    }

    #[test]
    fn a_detail_finding_waits_for_the_record_to_end_within_a_bound() {
        let names = joined_after(2 * BATCH).expect("joined after two batches of other values");
        assert_eq!(&*names, [Arc::from("province"), Arc::from("address")]);
        // Past four batches the batch is handed over: the detail's finding is gone from it.
        assert_eq!(joined_after(4 * BATCH + 10), None);
    }

    #[test]
    fn fields_of_one_row_or_object_belong_to_one_record() {
        let column: Arc<str> = Arc::from("省");
        let cell = |row| Origin::Cell {
            row,
            index: 2,
            column: &column,
        };
        assert_eq!(record_of(&cell(7)), Some(("", 7)));
        let sheet = Origin::Sheet {
            sheet: "订单",
            cell: "AB12",
            index: 27,
            column: &column,
        };
        assert_eq!(record_of(&sheet), Some(("订单", 12)));
        let json = Origin::Json {
            pointer: "/orders/3/address/city",
            key: Some("city"),
            line: None,
        };
        assert_eq!(record_of(&json), Some(("/orders/3/address", 0)));
        let line = Origin::Json {
            pointer: "/receiver_city",
            key: Some("receiver_city"),
            line: Some(4),
        };
        assert_eq!(record_of(&line), Some(("", 4)));
        assert_eq!(
            record_of(&Origin::Text {
                offset: 0,
                line: 1,
                column: 1
            }),
            None
        );
    }
}
