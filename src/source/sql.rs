//! Database dumps (mysqldump, pg_dump plain): every value is a record located by table,
//! row and column, without restoring a database. SQL the walker does not model is scanned
//! as plain text, so nothing is dropped.

use super::sql_walk::{SqlEvent, SqlWalker};
use super::text::count_newlines;
use super::{io_message, FileFacts, Origin, Record, TextReader};
use std::io::Read;

/// Reads `reader` as a SQL dump.
pub fn read<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, String> {
    let mut walker = SqlWalker::new();
    let mut facts = FileFacts::default();
    // Line numbers of passthrough text: counted lazily within a chunk, carried across chunks.
    let mut lines_before = 0;
    let mut end = 0;
    while let Some(chunk) = reader.next_chunk().map_err(|e| io_message(&e))? {
        let mut counter = LineCounter::new(chunk.text, chunk.offset, lines_before);
        walker.feed(chunk.text, &mut |event| forward(event, &mut counter, emit));
        lines_before += count_newlines(chunk.text.as_bytes());
        end = chunk.offset + chunk.text.len() as u64;
    }
    let mut counter = LineCounter::new("", end, lines_before);
    if let Err(message) = walker.finish(&mut |event| forward(event, &mut counter, emit)) {
        facts.warnings.push(message);
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    Ok(facts)
}

fn forward(event: SqlEvent<'_>, lines: &mut LineCounter<'_>, emit: &mut dyn FnMut(Record<'_>)) {
    match event {
        SqlEvent::Value(v) => emit(Record {
            text: v.text,
            origin: Origin::Table {
                table: v.table,
                row: v.row,
                column: v.column,
            },
        }),
        SqlEvent::Text(t) => emit(Record {
            text: t.text,
            origin: Origin::Text {
                offset: t.offset,
                line: lines.line_of(t.offset, t.text),
            },
        }),
    }
}

/// Line numbers of offsets inside one chunk, asked in increasing order.
struct LineCounter<'a> {
    text: &'a str,
    base: u64,
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str, base: u64, lines_before: u64) -> Self {
        LineCounter {
            text,
            base,
            pos: 0,
            line: lines_before,
        }
    }

    /// Line of passthrough `text` at `offset`. Text that began in an earlier chunk (a
    /// statement cut by the chunk boundary) is a verbatim copy of the input, so its own
    /// newlines tell how far back it started.
    fn line_of(&mut self, offset: u64, text: &str) -> u64 {
        if offset >= self.base {
            return self.line_at(offset);
        }
        let back = ((self.base - offset) as usize).min(text.len());
        self.line_at(self.base) - count_newlines(&text.as_bytes()[..back])
    }

    fn line_at(&mut self, offset: u64) -> u64 {
        let at = (offset.saturating_sub(self.base) as usize).min(self.text.len());
        if at >= self.pos {
            self.line += count_newlines(&self.text.as_bytes()[self.pos..at]);
            self.pos = at;
        }
        self.line + 1
    }
}
