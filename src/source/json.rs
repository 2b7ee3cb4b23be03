//! JSON documents and NDJSON: every string and number is a record located by its JSON
//! pointer; the innermost object key is its column (context and inventory).
//!
//! A document is held in memory for the walk (up to `MAX_DOCUMENT`; larger ones are scanned
//! as text); NDJSON streams line by line. Broken JSON is not dropped: what cannot be walked
//! is scanned as plain text and the file gets a warning.

use super::json_walk::{walk_json, JsonScalar};
use super::text::count_newlines;
use super::{io_message, FileFacts, Origin, Record, TextReader};
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

/// Reads a whole JSON document (or several concatenated values).
pub fn read_document<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, String> {
    let mut doc = String::new();
    let mut facts = FileFacts::default();
    let mut line = 1;
    let mut too_big = false;
    while let Some(chunk) = reader.next_chunk().map_err(|e| io_message(&e))? {
        if too_big {
            emit(Record {
                text: chunk.text,
                origin: Origin::Text {
                    offset: chunk.offset,
                    line,
                },
            });
            line += count_newlines(chunk.text.as_bytes());
            continue;
        }
        doc.push_str(chunk.text);
        if doc.len() > MAX_DOCUMENT {
            facts.warnings.push(format!(
                "JSON document larger than {} MiB: scanned as text",
                MAX_DOCUMENT >> 20
            ));
            too_big = true;
            emit(Record {
                text: &doc,
                origin: Origin::Text { offset: 0, line: 1 },
            });
            line += count_newlines(doc.as_bytes());
            doc = String::new();
        }
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    if too_big {
        return Ok(facts);
    }
    let walked = walk_json(doc.as_bytes(), &mut |s| emit(scalar_record(s, None)));
    if let Err(e) = walked {
        // Keep the values after the break: scan the rest as text.
        let at = (e.offset() as usize).min(doc.len());
        let at = (0..=at).rev().find(|&i| doc.is_char_boundary(i)).unwrap_or(0);
        facts.warnings.push(format!("{e}; the rest was scanned as text"));
        emit(Record {
            text: &doc[at..],
            origin: Origin::Text {
                offset: at as u64,
                line: 1 + count_newlines(&doc.as_bytes()[..at]),
            },
        });
    }
    Ok(facts)
}

/// Reads newline-delimited JSON, one value per line.
pub fn read_lines<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, String> {
    let mut facts = FileFacts::default();
    let mut line_no = 0u64;
    let mut bad_lines = 0u64;
    let mut first_bad = String::new();
    while let Some(chunk) = reader.next_chunk().map_err(|e| io_message(&e))? {
        let mut offset = chunk.offset;
        for line in chunk.text.split_inclusive('\n') {
            line_no += 1;
            let body = line.trim_end_matches(['\n', '\r']);
            if !body.trim().is_empty() {
                let walked = walk_json(body.as_bytes(), &mut |s| emit(scalar_record(s, Some(line_no))));
                if let Err(e) = walked {
                    bad_lines += 1;
                    if first_bad.is_empty() {
                        first_bad = format!("line {line_no}: {e}");
                    }
                    let at = (e.offset() as usize).min(body.len());
                    let at = (0..=at).rev().find(|&i| body.is_char_boundary(i)).unwrap_or(0);
                    emit(Record {
                        text: &body[at..],
                        origin: Origin::Text {
                            offset: offset + at as u64,
                            line: line_no,
                        },
                    });
                }
            }
            offset += line.len() as u64;
        }
    }
    if bad_lines > 0 {
        facts.warnings.push(format!(
            "{bad_lines} line(s) are not valid JSON (first: {first_bad}); scanned as text"
        ));
    }
    facts.encoding = Some(reader.encoding());
    facts.lossy = reader.lossy();
    Ok(facts)
}
