//! JSON documents and NDJSON: every string and number is a record located by its JSON
//! pointer; the innermost object key is its column (context and inventory).
//!
//! A document is held in memory for the walk (up to `MAX_DOCUMENT`; larger ones are scanned
//! as text); NDJSON streams line by line. Broken JSON is not dropped: what cannot be walked
//! is scanned as plain text and the file gets a warning.

use super::json_walk::{walk_json_str, JsonScalar};
use super::text::{advance, count_chars};
use super::{FileFacts, Origin, Record, SourceError, TextReader};
use crate::budget::MemoryBudget;
use crate::error::{ErrorKind, Problem};
use std::io::Read;

/// Largest JSON document walked structurally.
const MAX_DOCUMENT: usize = 512 << 20;

fn scalar_record<'a>(s: &'a JsonScalar<'a>, line: Option<u64>) -> Record<'a> {
    Record {
        text: s.text,
        origin: Origin::Json {
            pointer: s.pointer,
            key: s.key,
            line,
        },
    }
}

/// Reads a whole JSON document (or several concatenated values). The document is held
/// against `memory`; one the budget cannot hold is scanned as text, like one over
/// `MAX_DOCUMENT`.
pub fn read_document<R: Read>(
    mut reader: TextReader<R>,
    memory: &MemoryBudget,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let mut doc = String::new();
    let mut held = memory.start("the JSON document");
    let mut facts = FileFacts::default();
    let (mut line, mut column) = (1, 1);
    let mut too_big = false;
    while let Some(chunk) = reader.next_chunk()? {
        if too_big {
            emit(Record {
                text: chunk.text,
                origin: Origin::Text {
                    offset: chunk.offset,
                    line,
                    column,
                },
            });
            (line, column) = advance(chunk.text.as_bytes(), line, column);
            continue;
        }
        doc.push_str(chunk.text);
        let refused = if doc.len() > MAX_DOCUMENT {
            Some(format!(
                "JSON document larger than {} MiB: scanned as text",
                MAX_DOCUMENT >> 20
            ))
        } else {
            held.grow_to(doc.capacity() as u64)
                .err()
                .map(|e| format!("{e}: scanned as text"))
        };
        if let Some(reason) = refused {
            facts.warnings.push(Problem::new(ErrorKind::TooLarge, reason));
            too_big = true;
            emit(Record {
                text: &doc,
                origin: Origin::Text {
                    offset: 0,
                    line: 1,
                    column: 1,
                },
            });
            (line, column) = advance(doc.as_bytes(), 1, 1);
            doc = String::new();
            held.shrink_to(0);
        }
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    if too_big {
        return Ok(facts);
    }
    let walked = walk_json_str(&doc, &mut |s| emit(scalar_record(s, None)));
    if let Err(e) = walked {
        // Keep the values after the break: scan the rest as text.
        let at = (e.offset() as usize).min(doc.len());
        let at = (0..=at).rev().find(|&i| doc.is_char_boundary(i)).unwrap_or(0);
        facts.warnings.push(Problem::new(
            ErrorKind::Corrupt,
            format!("{e}; the rest was scanned as text"),
        ));
        let (line, column) = advance(&doc.as_bytes()[..at], 1, 1);
        emit(Record {
            text: &doc[at..],
            origin: Origin::Text {
                offset: at as u64,
                line,
                column,
            },
        });
    }
    Ok(facts)
}

/// Longest NDJSON line walked as JSON; a longer one is scanned as text.
const MAX_LINE: usize = 64 << 20;

/// Reads newline-delimited JSON, one value per line.
pub fn read_lines<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let mut lines = LineWalker::default();
    // A line longer than a chunk arrives in pieces: it is carried until its newline.
    let mut carry = String::new();
    let mut carry_offset = 0;
    while let Some(chunk) = reader.next_chunk()? {
        let mut text = chunk.text;
        let mut offset = chunk.offset;
        if !carry.is_empty() {
            let end = memchr::memchr(b'\n', text.as_bytes()).map_or(text.len(), |nl| nl + 1);
            carry.push_str(&text[..end]);
            text = &text[end..];
            offset += end as u64;
            if carry.ends_with('\n') || carry.len() > MAX_LINE {
                lines.line(&carry, carry_offset, emit);
                carry.clear();
            }
        }
        for line in text.split_inclusive('\n') {
            if line.ends_with('\n') {
                lines.line(line, offset, emit);
            } else {
                carry_offset = offset;
                carry.push_str(line);
            }
            offset += line.len() as u64;
        }
    }
    if !carry.is_empty() {
        lines.line(&carry, carry_offset, emit);
    }
    let mut facts = FileFacts::default();
    if lines.bad > 0 {
        facts.warnings.push(Problem::new(
            ErrorKind::Corrupt,
            format!(
                "{} line(s) are not valid JSON (first: {}); scanned as text",
                lines.bad, lines.first_bad
            ),
        ));
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    Ok(facts)
}

/// Walks NDJSON lines one at a time, counting them.
#[derive(Default)]
struct LineWalker {
    number: u64,
    bad: u64,
    first_bad: String,
}

impl LineWalker {
    fn line(&mut self, line: &str, offset: u64, emit: &mut dyn FnMut(Record<'_>)) {
        self.number += 1;
        let line_no = self.number;
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            return;
        }
        let walked = if body.len() > MAX_LINE {
            Err((0, format!("line longer than {} MiB", MAX_LINE >> 20)))
        } else {
            walk_json_str(body, &mut |s| emit(scalar_record(s, Some(line_no))))
                .map_err(|e| (e.offset() as usize, e.to_string()))
        };
        let Err((at, message)) = walked else { return };
        self.bad += 1;
        if self.first_bad.is_empty() {
            self.first_bad = format!("line {line_no}: {message}");
        }
        // The values before the break were emitted; scan the rest of the line as text.
        let at = (0..=at.min(body.len()))
            .rev()
            .find(|&i| body.is_char_boundary(i))
            .unwrap_or(0);
        emit(Record {
            text: &body[at..],
            origin: Origin::Text {
                offset: offset + at as u64,
                line: line_no,
                column: 1 + count_chars(&body.as_bytes()[..at]),
            },
        });
    }
}
