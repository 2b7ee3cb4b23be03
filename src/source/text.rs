//! Plain text and logs: the decoded file in chunks that end at line breaks.
//!
//! No per-line work happens here: a chunk is one record, and the scanner turns byte offsets
//! of its hits into lines and columns. That keeps the cost per byte at one pass for
//! candidates plus one newline count.

use super::{FileFacts, Origin, Record, SourceError, TextReader};
use std::io::Read;

/// Reads `reader` as plain text.
pub fn read<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let (mut line, mut column) = (1, 1);
    while let Some(chunk) = reader.next_chunk()? {
        emit(Record {
            text: chunk.text,
            origin: Origin::Text {
                offset: chunk.offset,
                line,
                column,
            },
        });
        (line, column) = advance(chunk.text.as_bytes(), line, column);
    }
    Ok(FileFacts {
        encoding: Some(reader.encoding()),
        lossy: reader.lossy(),
        warnings: Vec::new(),
        skipped: None,
    })
}

/// The (line, column) just after `text`, which starts at (`line`, `column`).
pub fn advance(text: &[u8], line: u64, column: u64) -> (u64, u64) {
    match memchr::memrchr(b'\n', text) {
        Some(nl) => (line + count_newlines(text), 1 + count_chars(&text[nl + 1..])),
        None => (line, column + count_chars(text)),
    }
}

/// Characters in valid UTF-8 `bytes` (bytes that do not continue a character).
pub fn count_chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// Newlines in `bytes`; a plain counting loop that the compiler vectorizes.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
