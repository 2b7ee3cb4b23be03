//! Plain text and logs: the decoded file in chunks that end at line breaks.
//!
//! No per-line work happens here: a chunk is one record, and the scanner turns byte offsets
//! of its hits into lines and columns. That keeps the cost per byte at one pass for
//! candidates plus one newline count.

use super::{io_message, FileFacts, Origin, Record, TextReader};
use std::io::Read;

/// Reads `reader` as plain text.
pub fn read<R: Read>(
    mut reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, String> {
    let mut line = 1u64;
    while let Some(chunk) = reader.next_chunk().map_err(|e| io_message(&e))? {
        emit(Record {
            text: chunk.text,
            origin: Origin::Text {
                offset: chunk.offset,
                line,
            },
        });
        line += count_newlines(chunk.text.as_bytes());
    }
    Ok(FileFacts {
        encoding: Some(reader.encoding()),
        lossy: reader.lossy(),
        warnings: Vec::new(),
    })
}

/// Newlines in `bytes`; a plain counting loop that the compiler vectorizes.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
