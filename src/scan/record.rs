//! One record at a time: the detectors run over it in pieces of bounded size, hits become
//! findings located in the record (text lines and columns, cells, JSON pointers with the
//! segments that hold values masked), and `flush` applies the look-alike rule, counts and
//! fingerprints what is reported and hands the batch over, encoded.

use super::columns::{
    look_alike_column, looks_scientific, name_holds_value, shortened, supports, NO_COLUMN, WINDOW_ROWS,
};
use super::tally::Tally;
use super::values::born_after;
use super::worker::Worker;
use crate::detect::masked::{self, ColumnHint};
use crate::detect::{date, DetectorSet};
use crate::finding::{Category, Found, Location};
use crate::fingerprint;
use crate::source::{self, looks_like_value, Origin, Record};
use std::sync::Arc;

/// Findings a worker holds for one file before handing a batch to the writer.
pub(super) const BATCH: usize = 16_384;

/// Bytes of a record checked at once: its hits are held until the piece is done.
pub(super) const PIECE: usize = 1 << 20;

/// Context read on each side of a piece: longer than any value and the keywords near it.
pub(super) const PIECE_CONTEXT: usize = 4096;

/// Dates before this (1990-01-01, days since the Unix epoch) do not date a file's data.
pub(super) const DATE_FLOOR: i64 = 7305;

/// The end of the piece that starts at byte `at`: `PIECE` bytes on, at a character boundary.
pub(super) fn piece_end(text: &str, at: usize) -> usize {
    if text.len() - at <= PIECE {
        text.len()
    } else {
        source::floor_char(text, at + PIECE).max(at + 1)
    }
}

impl Worker<'_> {
    /// Checks one record of the input: column counts, masked values, dates, then the
    /// detectors, piece by piece; findings are batched and handed to `send` encoded.
    pub(super) fn on_record(&mut self, record: Record<'_>, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        match record.origin {
            Origin::Cell { row, .. } => self.enter_window(None, row, path, send),
            Origin::Table { table, row, .. } => self.enter_window(Some(table), row, path, send),
            _ => {}
        }
        let slot = match record.origin {
            Origin::Text { .. } | Origin::Page { .. } | Origin::Paragraph { .. } => NO_COLUMN,
            Origin::Cell { index, column, .. } => self.tally.columns.cell_slot(index, column),
            Origin::Json { key: Some(key), .. } => {
                // Keys become inventory column names: a key that is a value is not shown.
                let key = shortened(key);
                let key = if looks_like_value(&key) { "*" } else { &key };
                self.tally.columns.slot(None, key, None)
            }
            Origin::Json { key: None, .. } => NO_COLUMN,
            Origin::Table { table, column, .. } => self.tally.columns.slot(Some(table), column, None),
            Origin::Sheet { sheet, column, .. } => self.tally.columns.slot(Some(sheet), column, Some(column)),
        };
        if slot != NO_COLUMN {
            self.tally.columns.touch(slot);
        }
        let address_field = self.tally.columns.get(slot).and_then(|c| c.address_field);
        if address_field.is_some() {
            self.enter_address_record(&record.origin);
        }
        if record.text.bytes().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let first_found = self.found.len();
        let (cue, masked_hint) = if slot == NO_COLUMN {
            (None, ColumnHint::default())
        } else {
            let col = &mut self.tally.columns[slot];
            col.rows += 1;
            if col.long_number.is_some() && looks_scientific(record.text) {
                col.precision_lost += 1;
            }
            if let Some(day) = date::parse_cell(record.text, col.date_role) {
                // Future dates (delivery promises, typos) and pre-1990 ones say nothing about
                // when the data was collected.
                if (DATE_FLOOR..=self.today + 1).contains(&day)
                    && self.tally.newest_day.is_none_or(|n| day > n)
                {
                    self.tally.newest_day = Some(day);
                }
            }
            (col.cue, col.masked_hint)
        };
        let (columns, file_masked, masked_detector) = (
            &mut self.tally.columns,
            &mut self.tally.masked,
            &self.masked_detector,
        );
        masked::find_masked(record.text, masked_hint, |kind| {
            if let Some(d) = masked_detector[kind as usize] {
                file_masked[d] += 1;
                if let Some(col) = columns.get_mut(slot) {
                    col.masked[d] += 1;
                }
            }
        });
        let mut cursor = TextCursor::default();
        // The pointer shown for this record's findings, made once: a JSON key can be
        // megabytes long (hostile C6), and every finding under it shares the one copy.
        let mut shown_pointer: Option<Arc<str>> = None;
        let text = record.text;
        let mut piece = 0;
        loop {
            // A record is checked in pieces so that the hits held at once stay bounded
            // however long it is (a cell or JSON string of millions of phones, hostile
            // C4). Each piece is read with `PIECE_CONTEXT` bytes of context either side and
            // keeps the hits that start inside it, so a value across a cut is found once.
            let keep_to = piece_end(text, piece);
            let from = source::floor_char(text, piece.saturating_sub(PIECE_CONTEXT));
            let to = source::floor_char(text, keep_to.saturating_add(PIECE_CONTEXT)).max(keep_to);
            self.hits.clear();
            let scan = if slot == NO_COLUMN {
                DetectorSet::scan
            } else {
                DetectorSet::scan_awaiting_columns
            };
            scan(
                self.detectors,
                &text[from..to],
                cue,
                &mut self.scratch,
                &mut self.hits,
                &mut self.rejected,
            );
            // A record of one piece (nearly all of them) needs no shifting or sorting out.
            if !(piece == 0 && keep_to == text.len()) {
                self.hits.retain_mut(|h| {
                    h.start += from;
                    h.end += from;
                    (piece..keep_to).contains(&h.start)
                });
            }
            // Most cells reject nothing: one comparison of the counters instead of two
            // passes over every detector. They are left zeroed for the next piece.
            if self.rejected.iter().any(|&n| n != 0) {
                if let Some(col) = self.tally.columns.get_mut(slot) {
                    for (total, n) in col.rejected.iter_mut().zip(&self.rejected) {
                        *total += u64::from(*n);
                    }
                }
                self.rejected.iter_mut().for_each(|n| *n = 0);
            }
            if let (Some(col), false) = (self.tally.columns.get_mut(slot), self.hits.is_empty()) {
                for h in self.hits.iter().filter(|h| !h.awaits_column) {
                    col.valid[h.detector] += 1;
                }
            }
            self.take_hits(&record, slot, &mut cursor, &mut shown_pointer);
            // Judged when the window's own findings fill a batch, as at its end: the same
            // places in a whole read and in parts.
            if self.found.len() - self.judged >= BATCH && self.may_flush_mid_record() {
                self.flush(path, send);
            }
            if keep_to >= text.len() {
                break;
            }
            piece = keep_to;
        }
        if let Some(role) = address_field {
            // A flush above may have ended the record: its fields are then read alone.
            self.note_address_field(role, &record, slot, first_found.min(self.found.len()));
        }
    }

    /// The findings of a window are judged by its own candidates (`columns`): a row of
    /// another window, or of another table, ends the window.
    fn enter_window(
        &mut self,
        table: Option<&str>,
        row: u64,
        path: &Arc<str>,
        send: &mut dyn FnMut(Vec<u8>),
    ) {
        let window = row.saturating_sub(1) / WINDOW_ROWS;
        if window != self.window || table != self.window_table.as_deref() {
            // Judged now, handed over once a batch is full: windows can be one row long
            // (a dump of one-row tables).
            self.end_address_record();
            self.judge();
            if self.found.len() >= BATCH {
                self.flush(path, send);
            }
            self.tally.columns.start_window();
            self.window = window;
            self.window_table = table.map(Box::from);
        }
    }

    /// Turns the hits of one piece of `record` into findings located in the record.
    fn take_hits(
        &mut self,
        record: &Record<'_>,
        slot: u32,
        cursor: &mut TextCursor,
        shown_pointer: &mut Option<Arc<str>>,
    ) {
        // Taken out and put back so that its allocation is reused across records.
        let mut hits = std::mem::take(&mut self.hits);
        for hit in hits.drain(..) {
            if hit.confidence < self.min_confidence {
                continue;
            }
            if hit.awaits_column {
                self.found_awaiting.push(self.found.len());
            }
            let location = match record.origin {
                Origin::Text { offset, line, column } => {
                    cursor.locate(record.text, hit.start, offset, (line, column))
                }
                // A page's line holds no line break: the cursor only counts characters.
                Origin::Page { page, line, column } => {
                    match cursor.locate(record.text, hit.start, 0, (line, column)) {
                        Location::Text { line, column, .. } => Location::Page { page, line, column },
                        other => other,
                    }
                }
                _ => self.cell_location(record, slot, shown_pointer),
            };
            self.found.push(Found {
                detector: hit.detector,
                confidence: (hit.confidence * 100.0).round() / 100.0,
                location,
                value: hit.value,
                parts: hit.parts,
                fields: None,
            });
            self.found_column.push(slot);
        }
        self.hits = hits;
    }

    /// Where a value of `record`, a cell or JSON value (in column `slot`), is: the record
    /// itself. `shown_pointer` caches the masked pointer for the record's other values.
    pub(super) fn cell_location(
        &mut self,
        record: &Record<'_>,
        slot: u32,
        shown_pointer: &mut Option<Arc<str>>,
    ) -> Location {
        let column = |w: &Self| match w.tally.columns.get(slot) {
            Some(col) => col.name.clone(),
            None => Arc::from(""),
        };
        match record.origin {
            Origin::Cell { row, .. } => Location::Row {
                row,
                column: column(self),
            },
            Origin::Json { pointer, line, .. } => {
                let shown = match shown_pointer {
                    Some(p) => p.clone(),
                    None => {
                        let p: Arc<str> = self.shown_pointer(pointer).into();
                        *shown_pointer = Some(p.clone());
                        p
                    }
                };
                Location::Pointer { pointer: shown, line }
            }
            Origin::Sheet { sheet, cell, .. } => Location::Sheet {
                sheet: self.tally.columns.shown_table(slot, sheet),
                cell: cell.to_string(),
                column: column(self),
            },
            Origin::Table { table, row, key, .. } => Location::Table {
                table: self.tally.columns.shown_table(slot, table),
                row,
                column: column(self),
                key: (!key.is_empty()).then(|| Box::new(self.shown_key(key))),
            },
            // Text is located by its `TextCursor`; never asked here.
            Origin::Text { offset, line, column } => Location::Text { line, column, offset },
            Origin::Page { page, line, column } => Location::Page { page, line, column },
            Origin::Paragraph {
                slide: Some(slide),
                part,
                paragraph,
            } => Location::Slide {
                slide,
                part: part.map(Arc::from),
                paragraph,
            },
            Origin::Paragraph {
                slide: None,
                part,
                paragraph,
            } => Location::Paragraph {
                part: part.map(Arc::from),
                paragraph,
            },
        }
    }

    /// A live database row's primary key as findings show it: without `--reveal`, values
    /// in it are masked like names (a key may be a phone number or an ID).
    fn shown_key(&mut self, key: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        key.iter()
            .map(|(name, value)| {
                let value = shortened(value);
                let value = match self.names.as_mut() {
                    Some(names) => names.redact(&value).into_owned(),
                    None => value.into_owned(),
                };
                (shortened(name).into_owned(), value)
            })
            .collect()
    }

    /// A JSON pointer as findings show it: segments that hold values masked (the walker has
    /// cut long keys already).
    fn shown_pointer(&mut self, pointer: &str) -> String {
        // Scalars of one array or object share all but the last segment: that part is
        // masked once (a pointer can be deep, hostile C6).
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            return self.masked_pointer(pointer);
        };
        if self.parent_pointer.0 != parent {
            let shown = self.masked_pointer(parent);
            self.parent_pointer = (parent.to_string(), shown);
        }
        let last = self.masked_pointer(last);
        let mut shown = String::with_capacity(self.parent_pointer.1.len() + 1 + last.len());
        shown.push_str(&self.parent_pointer.1);
        shown.push('/');
        shown.push_str(&last);
        shown
    }

    /// `pointer` with the segments that hold values masked.
    fn masked_pointer(&mut self, pointer: &str) -> String {
        let (segment_verdicts, detectors) = (&mut self.segment_verdicts, self.detectors);
        masked_pointer(pointer, &mut |segment| {
            // Bounded: a map keyed by values has as many segments as rows.
            if segment_verdicts.len() > 65_536 {
                segment_verdicts.clear();
            }
            if plain_segment(segment) {
                return true;
            }
            // Looked up before inserting: `entry` would copy the key every time.
            if let Some(&holds_value) = segment_verdicts.get(segment) {
                return !holds_value;
            }
            let holds_value = name_holds_value(detectors, segment);
            segment_verdicts.insert(segment.into(), holds_value);
            !holds_value
        })
    }

    /// Applies the column rule to the findings not judged yet (those of the current window):
    /// drops look-alikes, counts and fingerprints the rest; they stay in the batch.
    pub(super) fn judge(&mut self) {
        let pending = self.found.len() - self.judged;
        if pending != self.found_column.len() {
            // Only after a panic halfway through a record: its findings are not counted.
            self.found.truncate(self.judged);
            self.found_column.clear();
            self.found_awaiting.clear();
            return;
        }
        // Filtered in place, keeping order: findings are large, and moving each into a new
        // batch showed as memmove in profiles.
        let Worker {
            found,
            found_column,
            found_awaiting,
            judged,
            tally:
                Tally {
                    columns,
                    by_detector,
                    outside,
                    sketch,
                    minors,
                    ..
                },
            detectors,
            key,
            minor_cutoff,
            ..
        } = self;
        let mut kept = *judged;
        let mut awaiting = found_awaiting.iter().peekable();
        for (i, &slot) in (*judged..found.len()).zip(found_column.iter()) {
            let f = &found[i];
            let awaits_column = awaiting.next_if_eq(&&i).is_some();
            if slot != NO_COLUMN {
                let col = &mut columns[slot];
                if look_alike_column(col, f.detector, detectors.detectors()[f.detector].cell_valued)
                    || (awaits_column && !supports(col, f.detector))
                {
                    continue;
                }
                col.reported[f.detector] += 1;
            } else if awaits_column {
                continue;
            }
            by_detector[f.detector] += 1;
            let det = &detectors.detectors()[f.detector];
            let print = key.fingerprint(&det.id, &fingerprint::normal_form(det.normal_form, &f.value));
            match columns.get_mut(slot) {
                Some(col) => col.distinct[f.detector].insert(print),
                None => outside[f.detector].insert(print),
            }
            sketch.insert(print);
            if det.category == Category::NationalId && born_after(&f.value, *minor_cutoff) {
                *minors += 1;
            }
            if kept != i {
                found.swap(kept, i);
            }
            kept += 1;
        }
        found.truncate(kept);
        found_column.clear();
        found_awaiting.clear();
        *judged = kept;
    }

    /// Ends the input: its last record, then its last batch.
    pub(super) fn finish_input(&mut self, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        self.end_address_record();
        self.flush(path, send);
    }

    /// Judges what is pending and hands the batch over, encoded.
    pub(super) fn flush(&mut self, path: &Arc<str>, send: &mut dyn FnMut(Vec<u8>)) {
        // A record whose detail finding is in this batch ends with it (bounded, see
        // `may_flush_mid_record`); any other record's fields carry over to the next batch.
        if self.joined.holds_finding() {
            self.end_address_record();
        }
        self.judge();
        // Taken out while encoding: if the encoder panics, these findings (counted already)
        // are neither counted nor written again.
        let mut found = std::mem::take(&mut self.found);
        self.judged = 0;
        if let (false, Some(encoder)) = (found.is_empty(), self.encoder.as_mut()) {
            let mut bytes = Vec::with_capacity(found.len() * 160);
            encoder.encode(path, self.detectors, &found, &mut bytes);
            send(bytes);
        }
        found.clear();
        self.found = found;
    }
}

/// A JSON pointer fit for output: object keys can themselves be personal data (a map keyed
/// by phone number or e-mail), so a segment holding a long number or an `@` is shown as `*`.
pub(super) fn masked_pointer(pointer: &str, harmless: &mut dyn FnMut(&str) -> bool) -> String {
    if pointer.split('/').all(&mut *harmless) {
        return pointer.to_string();
    }
    let shown: Vec<&str> = pointer
        .split('/')
        .map(|segment| if harmless(segment) { segment } else { "*" })
        .collect();
    shown.join("/")
}

/// A pointer segment that cannot hold a value: an array index or a short ASCII name
/// (`orders`, `buyer_phone`). Only other segments are checked with the detectors.
pub(super) fn plain_segment(segment: &str) -> bool {
    segment.len() <= 32
        && !looks_like_value(segment)
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
}

/// Turns byte offsets in a text record into lines and character columns, walking forward.
#[derive(Default)]
pub(super) struct TextCursor {
    /// Bytes of the record already walked, and the position there.
    pos: usize,
    line: u64,
    column: u64,
}

impl TextCursor {
    fn locate(&mut self, text: &str, at: usize, base_offset: u64, start: (u64, u64)) -> Location {
        if self.line == 0 || at < self.pos {
            (self.pos, self.line, self.column) = (0, start.0, start.1);
        }
        (self.line, self.column) =
            source::text::advance(&text.as_bytes()[self.pos..at], self.line, self.column);
        self.pos = at;
        Location::Text {
            line: self.line,
            column: self.column,
            offset: base_offset + at as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::test_config;

    #[test]
    fn the_text_cursor_walks_forward_and_starts_over_going_back() {
        let text = "ab\ncé\nef";
        let mut cursor = TextCursor::default();
        let at = |l: u64, c: u64, o: u64| Location::Text {
            line: l,
            column: c,
            offset: o,
        };
        assert_eq!(cursor.locate(text, 1, 100, (1, 1)), at(1, 2, 101));
        // `é` is two bytes, one character.
        assert_eq!(cursor.locate(text, 7, 100, (1, 1)), at(3, 1, 107));
        assert_eq!(cursor.locate(text, 3, 100, (1, 1)), at(2, 1, 103));
        // A record that starts mid-line counts from where it starts.
        let mut cursor = TextCursor::default();
        assert_eq!(cursor.locate(text, 1, 0, (5, 10)), at(5, 11, 1));
    }

    #[test]
    fn pieces_end_on_character_boundaries() {
        assert_eq!(piece_end("short", 0), 5);
        let long = "é".repeat(PIECE);
        let end = piece_end(&long, 1 << 10);
        assert!(long.is_char_boundary(end));
        assert!(end - (1 << 10) <= PIECE && end - (1 << 10) >= PIECE - 1);
    }

    #[test]
    fn pointer_segments_that_hold_values_are_masked() {
        let config = test_config(Vec::new());
        let mut worker = Worker::new(&config.detectors, &config, None);
        assert_eq!(
            worker.shown_pointer("/orders/0/buyer_phone"),
            "/orders/0/buyer_phone"
        );
        assert_eq!(
            worker.shown_pointer("/by_phone/13812345678/name"),
            "/by_phone/*/name"
        );
        assert_eq!(
            worker.shown_pointer("/by_phone/13812345678/city"),
            "/by_phone/*/city"
        );
        assert_eq!(worker.shown_pointer("/zhang@example.com"), "/*");
        assert!(plain_segment("buyer_phone") && plain_segment("0"));
        assert!(!plain_segment("13812345678") && !plain_segment("收货人"));
        assert_eq!(masked_pointer("/a/b", &mut |s| s != "b"), "/a/*");
    }

    /// C4: a record longer than a piece is checked in pieces; a value across a cut is found
    /// once, where it is.
    #[test]
    fn a_value_across_a_piece_boundary_is_found_once() {
        let config = test_config(Vec::new());
        let mut worker = Worker::new(&config.detectors, &config, None);
        let value = "手机 13812345678";
        let start = PIECE - 8;
        let text = format!("{}{value}\n{}", "x ".repeat(start / 2), "y ".repeat(PIECE / 2));
        let record = Record {
            text: &text,
            origin: Origin::Text {
                offset: 0,
                line: 1,
                column: 1,
            },
        };
        worker.on_record(record, &Arc::from("a.txt"), &mut |_| {
            panic!("one finding is no batch")
        });
        let offsets: Vec<&Location> = worker.found.iter().map(|f| &f.location).collect();
        let at = (start + value.find('1').unwrap()) as u64;
        assert_eq!(
            offsets,
            [&Location::Text {
                line: 1,
                column: 1 + start as u64 + 3,
                offset: at
            }]
        );
        let mut batches = Vec::new();
        worker.flush(&Arc::from("a.txt"), &mut |b| batches.push(b));
        assert!(batches.is_empty(), "no encoder: nothing is encoded");
        assert_eq!(worker.tally.by_detector.iter().sum::<u64>(), 1);
    }
}
