//! Addresses split across the fields of one record (省, 市, 区 and detail columns; an order
//! API's `receiver_state` … `receiver_address`; a dump's `province, city, district, detail`)
//! become one finding: the detail's, located where the detail is, its value the fields
//! joined, with the parts they resolve to and the fields' names (`Found::fields`).
//!
//! The fields of a record arrive one by one, in any order (JSON keys may be sorted), so the
//! record's admin values and its detail are held until the record ends: a record of another
//! row or JSON object with such a field, a new window, or the end of the input. Until then
//! the detail's own finding, if it had one, is kept in the batch (`holds_finding`), so that
//! it can still be changed.

use super::columns::NO_COLUMN;
use super::record::BATCH;
use super::worker::Worker;
use crate::detect::address::fields::{self, FieldRole};
use crate::finding::{Found, Location};
use crate::source::{Origin, Record};
use std::sync::Arc;

/// Longest detail held: longer cells are no one address.
const MAX_DETAIL: usize = 1024;
/// Admin fields held per record (a record repeating them is not an address record).
const MAX_ADMIN: usize = 8;

/// The address fields of the record being read.
#[derive(Default)]
pub(super) struct JoinedAddress {
    /// Which record: the table or sheet (or a JSON object's pointer) and the row (or NDJSON
    /// line) of its fields; `open` when fields were seen.
    table: String,
    row: u64,
    open: bool,
    admin: Vec<(FieldRole, String, Arc<str>)>,
    detail: Option<Detail>,
}

/// The detail field of a record.
struct Detail {
    text: String,
    slot: u32,
    name: Arc<str>,
    location: Location,
    /// Its own address finding (an index into `Worker::found`), if it had one.
    found: Option<usize>,
}

impl JoinedAddress {
    /// Forgets everything (a new input starts).
    pub(super) fn clear(&mut self) {
        self.open = false;
        self.admin.clear();
        self.detail = None;
    }

    /// Whether a finding of the current record may still change: the batch holding it is
    /// not handed over until the record ends.
    pub(super) fn holds_finding(&self) -> bool {
        self.detail.as_ref().is_some_and(|d| d.found.is_some())
    }
}

/// The record a field belongs to: (table, row) of a table or sheet cell, (parent pointer,
/// line) of a JSON value.
fn record_of<'a>(origin: &Origin<'a>) -> Option<(&'a str, u64)> {
    match *origin {
        Origin::Text { .. } => None,
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
    /// Called before the fields of `record` (in column `slot`, holding part `role` of an
    /// address) are checked: the record before it ends if this is another one.
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
    /// `first_found`): keeps what it holds of an address.
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
        if role != FieldRole::Detail {
            if self.joined.admin.len() < MAX_ADMIN && fields::holds_only_places(record.text) {
                self.joined.admin.push((role, record.text.to_string(), name));
            }
            return;
        }
        if self.joined.detail.is_some() || record.text.len() > MAX_DETAIL {
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
        self.joined.detail = Some(Detail {
            text: record.text.to_string(),
            slot,
            name,
            location,
            found,
        });
    }

    /// Ends the record being read: a detail with admin fields becomes (or replaces) the
    /// detail's finding with the address they make together.
    pub(super) fn end_address_record(&mut self) {
        let j = &mut self.joined;
        j.open = false;
        let Some(detail) = j.detail.take() else {
            j.admin.clear();
            return;
        };
        let admin: Vec<(FieldRole, &str)> = j.admin.iter().map(|(r, v, _)| (*r, v.as_str())).collect();
        let joined = fields::join(&admin, &detail.text);
        let mut names: Vec<Arc<str>> = j.admin.iter().map(|(_, _, n)| n.clone()).collect();
        j.admin.clear();
        let Some((text, detail_at)) = joined else {
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
        match detail.found.filter(|&i| i < self.found.len() && i >= self.judged) {
            Some(i) => {
                let f = &mut self.found[i];
                f.confidence = f.confidence.max((hit.confidence * 100.0).round() / 100.0);
                f.value = value;
                f.parts = hit.parts;
                f.fields = fields;
            }
            None if detail.found.is_none() && hit.confidence >= self.min_confidence => {
                if let Some(col) = self.tally.columns.get_mut(detail.slot) {
                    col.valid[hit.detector] += 1;
                }
                self.found.push(Found {
                    detector: hit.detector,
                    confidence: (hit.confidence * 100.0).round() / 100.0,
                    location: detail.location,
                    value,
                    parts: hit.parts,
                    fields,
                });
                self.found_column.push(detail.slot);
            }
            None => {}
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
