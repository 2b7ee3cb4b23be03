//! Database dumps (mysqldump, pg_dump plain): every value is a record located by table,
//! row and column, without restoring a database. SQL the walker does not model is scanned
//! as plain text, so nothing is dropped.

use super::sql_walk::{SqlEvent, SqlWalker, MAX_TABLES};
use super::text::{advance, count_chars, count_newlines};
use super::{FileFacts, Origin, Record, SourceError, TextReader};
use crate::error::{ErrorKind, Problem};
use std::io::Read;

/// Reads `reader` as a SQL dump.
pub fn read<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let mut walker = SqlWalker::new();
    let mut facts = FileFacts::default();
    // Positions of passthrough text: counted lazily within a chunk, carried across chunks.
    let mut start = (1, 1);
    let mut end = 0;
    while let Some(chunk) = reader.next_chunk()? {
        let mut counter = Positions::new(chunk.text, chunk.offset, start);
        walker.feed(chunk.text, &mut |event| forward(event, &mut counter, emit));
        start = advance(chunk.text.as_bytes(), start.0, start.1);
        end = chunk.offset + chunk.text.len() as u64;
    }
    let mut counter = Positions::new("", end, start);
    if let Err(truncated) = walker.finish(&mut |event| forward(event, &mut counter, emit)) {
        facts.warnings.push(Problem::of(&truncated));
    }
    if walker.forgotten_tables() > 0 {
        facts.warnings.push(Problem::new(
            ErrorKind::TooLarge,
            format!(
                "more than {MAX_TABLES} tables: the rest were read without being remembered (a table whose rows are not together restarts its row numbers and may lose its column names)"
            ),
        ));
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    Ok(facts)
}

fn forward(event: SqlEvent<'_>, positions: &mut Positions<'_>, emit: &mut dyn FnMut(Record<'_>)) {
    match event {
        SqlEvent::Value(v) => emit(Record {
            text: v.text,
            origin: Origin::Table {
                table: v.table,
                row: v.row,
                column: v.column,
            },
        }),
        SqlEvent::Text(t) => {
            let (line, column) = positions.of(t.offset, t.text);
            emit(Record {
                text: t.text,
                origin: Origin::Text {
                    offset: t.offset,
                    line,
                    column,
                },
            })
        }
    }
}

/// Lines and columns of offsets inside one chunk, asked in increasing order.
struct Positions<'a> {
    text: &'a str,
    base: u64,
    /// Position of `text[pos]`.
    pos: usize,
    at: (u64, u64),
}

impl<'a> Positions<'a> {
    fn new(text: &'a str, base: u64, start: (u64, u64)) -> Self {
        Positions {
            text,
            base,
            pos: 0,
            at: start,
        }
    }

    /// Position of passthrough `text` at `offset`. Text that began in an earlier chunk (a
    /// statement cut by the chunk boundary) is a verbatim copy of the input, so its own
    /// characters tell how far back it started.
    fn of(&mut self, offset: u64, text: &str) -> (u64, u64) {
        if offset >= self.base {
            let at = ((offset - self.base) as usize).min(self.text.len());
            if at >= self.pos {
                self.at = advance(&self.text.as_bytes()[self.pos..at], self.at.0, self.at.1);
                self.pos = at;
            }
            return self.at;
        }
        let back = &text.as_bytes()[..((self.base - offset) as usize).min(text.len())];
        let (line, column) = self.of(self.base, "");
        let newlines = count_newlines(back);
        if newlines == 0 {
            (line, column.saturating_sub(count_chars(back)).max(1))
        } else {
            // Its column on that earlier line is not known here.
            (line - newlines, 1)
        }
    }
}
