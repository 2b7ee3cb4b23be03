//! Streaming walk over JSON and NDJSON that reports every string and number
//! scalar together with its RFC 6901 pointer, its nearest object key and its
//! byte offset, so detectors can scan structured files with field context
//! ("/orders/3/buyer/phone") instead of as flat text.
//!
//! Memory is O(nesting depth + longest escaped string): strings without
//! escapes are handed out as slices of the input, and the pointer, key and
//! scratch buffers are reused for the whole document. The walker is a loop
//! over an explicit stack, so hostile nesting returns an error instead of
//! overflowing the thread stack.
//!
//! What it deliberately does not do:
//! - build a DOM or convert numbers: numbers are reported exactly as written,
//!   because IDs above 2^53 would lose digits through `f64`;
//! - emit object keys, `true`, `false` or `null` as scalars (keys only appear
//!   in pointers and in [`JsonScalar::key`]);
//! - recover after a syntax error: everything before the error has been
//!   emitted, and the caller decides whether to fall back to a text scan;
//! - reject raw control characters inside strings or duplicate keys: RFC 8259
//!   forbids the first and leaves the second open, but neither hides data, and
//!   a scanner should read sloppy exports rather than refuse them;
//! - parse JSON5, comments, `NaN`/`Infinity` or JSON text in other encodings
//!   (the caller transcodes to UTF-8 first).

use memchr::memchr2;
use std::fmt;

/// Deepest container nesting accepted. Real exports stay far below it; deeper
/// input is almost certainly garbage or an attack on the caller's memory.
pub const MAX_DEPTH: usize = 512;

const BOM: &[u8] = b"\xEF\xBB\xBF";
const REPLACEMENT: char = '\u{FFFD}';

/// One scalar found in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonScalar<'a> {
    /// RFC 6901 pointer relative to the scalar's top-level value, e.g.
    /// `/orders/3/buyer/phone`, with `~` and `/` in keys escaped as `~0` and
    /// `~1`. A top-level scalar has the empty pointer.
    pub pointer: &'a str,
    /// Decoded key of the innermost object member containing the scalar; for
    /// array elements the key of the nearest enclosing member (`phones` for
    /// `/phones/2`). `None` when no object encloses the scalar.
    pub key: Option<&'a str>,
    /// Strings with escapes resolved (invalid UTF-8 and unpaired surrogates
    /// become U+FFFD); numbers verbatim as written.
    pub text: &'a str,
    /// 0-based index of the top-level value (NDJSON record); 0 for plain JSON.
    pub record: u64,
    /// Byte offset of the scalar's first byte in the input (the opening quote
    /// for strings); a skipped BOM still counts.
    pub offset: u64,
}

/// Why a walk stopped early. Every variant carries the byte offset of the
/// problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonWalkError {
    /// The input ended inside a value.
    UnexpectedEof { offset: u64, expected: &'static str },
    /// A byte that cannot appear at this position.
    Syntax {
        offset: u64,
        expected: &'static str,
        found: u8,
    },
    /// Containers nested deeper than [`MAX_DEPTH`].
    TooDeep { offset: u64, limit: usize },
}

impl JsonWalkError {
    /// Byte offset in the input where the walk stopped.
    #[must_use]
    pub fn offset(&self) -> u64 {
        match *self {
            JsonWalkError::UnexpectedEof { offset, .. }
            | JsonWalkError::Syntax { offset, .. }
            | JsonWalkError::TooDeep { offset, .. } => offset,
        }
    }
}

impl fmt::Display for JsonWalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            JsonWalkError::UnexpectedEof { offset, expected } => write!(
                f,
                "invalid JSON at byte {offset}: unexpected end of input, expected {expected}"
            ),
            JsonWalkError::Syntax {
                offset,
                expected,
                found,
            } => {
                write!(f, "invalid JSON at byte {offset}: expected {expected}, found ")?;
                if found.is_ascii_graphic() || found == b' ' {
                    write!(f, "'{}'", found as char)
                } else {
                    write!(f, "byte 0x{found:02X}")
                }
            }
            JsonWalkError::TooDeep { offset, limit } => write!(
                f,
                "invalid JSON at byte {offset}: nesting deeper than {limit} levels"
            ),
        }
    }
}

impl std::error::Error for JsonWalkError {}

/// True when `head` (the first bytes of a file) starts like a JSON object or
/// array after an optional UTF-8 BOM and whitespace. Top-level scalars are
/// valid JSON too, but sniffing on them would claim every file of digits.
#[must_use]
pub fn looks_like_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    head.iter()
        .find(|b| !is_ws(**b))
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

/// Walks `input` and calls `emit` for each string/number scalar in document
/// order. Object keys are not emitted as scalars (they only appear in
/// pointers and `key`). Several top-level values in a row (NDJSON, or
/// concatenated JSON) are walked one after the other, each a new `record`.
///
/// # Errors
///
/// Returns the first syntax error, premature end of input or excessive
/// nesting, with its byte offset. The scalars before it have already been
/// emitted.
pub fn walk_json(input: &[u8], emit: &mut dyn FnMut(&JsonScalar<'_>)) -> Result<(), JsonWalkError> {
    // One up-front validation (tens of GB/s) lets every escape-free string
    // be sliced out of `valid` instead of being validated on its own, which
    // dominated the cost for short keys and values.
    let valid = match std::str::from_utf8(input) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default(),
    };
    walk_validated(input, valid, emit)
}

/// `walk_json` for text that is already known to be UTF-8 (decoded chunks): skips the
/// up-front validation.
pub fn walk_json_str(input: &str, emit: &mut dyn FnMut(&JsonScalar<'_>)) -> Result<(), JsonWalkError> {
    walk_validated(input.as_bytes(), input, emit)
}

/// `valid` is the longest valid UTF-8 prefix of `input`.
fn walk_validated(
    input: &[u8],
    valid: &str,
    emit: &mut dyn FnMut(&JsonScalar<'_>),
) -> Result<(), JsonWalkError> {
    let mut walker = Walker {
        input,
        valid,
        pos: if input.starts_with(BOM) { BOM.len() } else { 0 },
        record: 0,
        pointer: String::new(),
        keys: String::new(),
        scratch: String::new(),
        stack: Vec::new(),
    };
    loop {
        walker.skip_ws();
        if walker.pos >= input.len() {
            return Ok(());
        }
        walker.top_level_value(emit)?;
        walker.record += 1;
    }
}

/// One open container.
struct Frame {
    is_object: bool,
    /// Pointer length up to (excluding) this container's member segment.
    pointer_len: usize,
    /// Length of `Walker::keys` when the container opened; an object stores
    /// its current member key right after it.
    keys_base: usize,
    /// Range in `Walker::keys` of the key reported for scalars directly in
    /// this container: the current member key for an object, inherited from
    /// the parent for an array.
    key: Option<(usize, usize)>,
    /// Current element index (arrays only).
    index: u64,
}

struct Walker<'a> {
    input: &'a [u8],
    /// The longest valid UTF-8 prefix of `input`.
    valid: &'a str,
    pos: usize,
    record: u64,
    pointer: String,
    /// Decoded keys of the open members, stacked like the frames; kept apart
    /// from `pointer` because the pointer holds them `~`-escaped.
    keys: String,
    /// Decoded text of the last string that had escapes or invalid UTF-8.
    scratch: String,
    stack: Vec<Frame>,
}

impl<'a> Walker<'a> {
    /// Walks one complete top-level value starting at `self.pos` (which is on
    /// a non-whitespace byte).
    fn top_level_value(&mut self, emit: &mut dyn FnMut(&JsonScalar<'_>)) -> Result<(), JsonWalkError> {
        let input = self.input;
        self.pointer.clear();
        self.keys.clear();
        self.stack.clear();
        'value: loop {
            // Here `self.pos` is where a value must start, whitespace skipped.
            let Some(&b) = input.get(self.pos) else {
                return Err(self.eof(self.pos, "a value"));
            };
            match b {
                b'{' | b'[' => {
                    let is_object = b == b'{';
                    self.open(is_object)?;
                    self.skip_ws();
                    let close = if is_object { b'}' } else { b']' };
                    if input.get(self.pos) == Some(&close) {
                        self.pos += 1;
                        self.close();
                    } else {
                        if is_object {
                            self.member_key()?;
                        } else {
                            self.set_index_segment();
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    let start = self.pos;
                    let borrowed = self.string()?;
                    let text = match borrowed {
                        Some(s) => s,
                        None => self.scratch.as_str(),
                    };
                    self.report(text, start, emit);
                }
                b'-' | b'0'..=b'9' => {
                    let start = self.pos;
                    let text = self.number()?;
                    self.report(text, start, emit);
                }
                b't' => self.literal(b"true", "'true'")?,
                b'f' => self.literal(b"false", "'false'")?,
                b'n' => self.literal(b"null", "'null'")?,
                _ => return Err(self.syntax(self.pos, "a value")),
            }

            // A value just ended: close every container that ends here, then
            // either move on to the next member/element or finish the record.
            loop {
                let Some(top) = self.stack.last() else {
                    return Ok(());
                };
                let is_object = top.is_object;
                self.skip_ws();
                match (input.get(self.pos), is_object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        self.skip_ws();
                        self.member_key()?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        if let Some(top) = self.stack.last_mut() {
                            top.index += 1;
                        }
                        self.set_index_segment();
                        self.skip_ws();
                        continue 'value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        self.close();
                    }
                    (None, true) => return Err(self.eof(self.pos, "',' or '}' in object")),
                    (None, false) => return Err(self.eof(self.pos, "',' or ']' in array")),
                    (Some(_), true) => return Err(self.syntax(self.pos, "',' or '}' after object member")),
                    (Some(_), false) => return Err(self.syntax(self.pos, "',' or ']' after array element")),
                }
            }
        }
    }

    fn report(&self, text: &str, offset: usize, emit: &mut dyn FnMut(&JsonScalar<'_>)) {
        let key = self
            .stack
            .last()
            .and_then(|f| f.key)
            .and_then(|(start, end)| self.keys.get(start..end));
        emit(&JsonScalar {
            pointer: &self.pointer,
            key,
            text,
            record: self.record,
            offset: offset as u64,
        });
    }

    /// Pushes a frame for the `{` or `[` at `self.pos` and steps over it.
    fn open(&mut self, is_object: bool) -> Result<(), JsonWalkError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(JsonWalkError::TooDeep {
                offset: self.pos as u64,
                limit: MAX_DEPTH,
            });
        }
        let inherited = if is_object {
            None
        } else {
            self.stack.last().and_then(|f| f.key)
        };
        self.stack.push(Frame {
            is_object,
            pointer_len: self.pointer.len(),
            keys_base: self.keys.len(),
            key: inherited,
            index: 0,
        });
        self.pos += 1;
        Ok(())
    }

    /// Pops the innermost container, dropping its pointer segment and keys so
    /// the buffers never grow with the number of siblings.
    fn close(&mut self) {
        if let Some(frame) = self.stack.pop() {
            self.pointer.truncate(frame.pointer_len);
            if frame.is_object {
                self.keys.truncate(frame.keys_base);
            }
        }
    }

    fn set_index_segment(&mut self) {
        if let Some(top) = self.stack.last() {
            self.pointer.truncate(top.pointer_len);
            self.pointer.push('/');
            push_u64(&mut self.pointer, top.index);
        }
    }

    /// Reads `"key"` and the `:` after it (`self.pos` on the opening quote),
    /// leaving `self.pos` on the member's value.
    fn member_key(&mut self) -> Result<(), JsonWalkError> {
        match self.input.get(self.pos) {
            Some(b'"') => {}
            Some(_) => return Err(self.syntax(self.pos, "'\"' to start an object key")),
            None => return Err(self.eof(self.pos, "an object key")),
        }
        let borrowed = self.string()?;
        let key = match borrowed {
            Some(s) => s,
            None => self.scratch.as_str(),
        };
        if let Some(top) = self.stack.last_mut() {
            self.keys.truncate(top.keys_base);
            self.keys.push_str(key);
            top.key = Some((top.keys_base, self.keys.len()));
            self.pointer.truncate(top.pointer_len);
            self.pointer.push('/');
            push_escaped_key(&mut self.pointer, key);
        }
        self.skip_ws();
        match self.input.get(self.pos) {
            Some(b':') => {}
            Some(_) => return Err(self.syntax(self.pos, "':' after object key")),
            None => return Err(self.eof(self.pos, "':' after object key")),
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// Reads the string whose opening quote is at `self.pos`. Returns the
    /// text borrowed from the input when it needs no decoding, otherwise
    /// `None` with the decoded text in `self.scratch`.
    fn string(&mut self) -> Result<Option<&'a str>, JsonWalkError> {
        let input = self.input;
        let start = self.pos + 1;
        let Some(stop) = find_quote_or_backslash(input, start) else {
            return Err(self.eof(input.len(), "closing '\"' of string"));
        };
        self.scratch.clear();
        if input[stop] == b'"' {
            self.pos = stop + 1;
            // Both ends sit next to an ASCII quote, so they are char
            // boundaries whenever they lie in the validated prefix.
            if let Some(s) = self.valid.get(start..stop) {
                return Ok(Some(s));
            }
            let raw = &input[start..stop];
            return Ok(match std::str::from_utf8(raw) {
                Ok(s) => Some(s),
                Err(_) => {
                    push_lossy(&mut self.scratch, raw);
                    None
                }
            });
        }
        self.escaped_string(start, stop)?;
        Ok(None)
    }

    /// Decodes a string into `self.scratch` from `run` (first content byte)
    /// where `backslash` is the position of its first escape.
    fn escaped_string(&mut self, mut run: usize, backslash: usize) -> Result<(), JsonWalkError> {
        let input = self.input;
        let mut at = backslash;
        loop {
            // `at` is on a backslash.
            push_lossy(&mut self.scratch, &input[run..at]);
            run = self.escape(at)?;
            let Some(stop) = find_quote_or_backslash(input, run) else {
                return Err(self.eof(input.len(), "closing '\"' of string"));
            };
            at = stop;
            if input[at] == b'"' {
                push_lossy(&mut self.scratch, &input[run..at]);
                self.pos = at + 1;
                return Ok(());
            }
        }
    }

    /// Decodes the escape whose backslash is at `at` into `self.scratch` and
    /// returns the position after it.
    fn escape(&mut self, at: usize) -> Result<usize, JsonWalkError> {
        let input = self.input;
        let Some(&c) = input.get(at + 1) else {
            return Err(self.eof(input.len(), "an escape character after '\\'"));
        };
        let decoded = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at + 2)?;
                let mut next = at + 6;
                let ch = match unit {
                    0xD800..=0xDBFF => {
                        // Only an immediately following `\uDC00`..`\uDFFF`
                        // completes the pair; anything else is left for the
                        // main loop, and the high half alone is unpaired.
                        let low = input
                            .get(next..next + 6)
                            .filter(|s| s.starts_with(b"\\u"))
                            .and_then(|s| parse_hex4(&s[2..]))
                            .filter(|u| (0xDC00..=0xDFFF).contains(u));
                        match low {
                            Some(low) => {
                                next += 6;
                                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                                    .unwrap_or(REPLACEMENT)
                            }
                            None => REPLACEMENT,
                        }
                    }
                    _ => char::from_u32(unit).unwrap_or(REPLACEMENT),
                };
                self.scratch.push(ch);
                return Ok(next);
            }
            _ => {
                return Err(self.syntax(
                    at + 1,
                    "one of '\"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'u' after '\\'",
                ))
            }
        };
        self.scratch.push(decoded);
        Ok(at + 2)
    }

    fn hex4(&self, at: usize) -> Result<u32, JsonWalkError> {
        let mut unit = 0;
        for p in at..at + 4 {
            let Some(&b) = self.input.get(p) else {
                return Err(self.eof(self.input.len(), "4 hex digits after '\\u'"));
            };
            let Some(d) = hex_digit(b) else {
                return Err(self.syntax(p, "4 hex digits after '\\u'"));
            };
            unit = unit * 16 + d;
        }
        Ok(unit)
    }

    /// Validates the number at `self.pos` against the RFC 8259 grammar and
    /// returns it verbatim.
    fn number(&mut self) -> Result<&'a str, JsonWalkError> {
        let input = self.input;
        let start = self.pos;
        let mut p = start;
        if input.get(p) == Some(&b'-') {
            p += 1;
        }
        match input.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => p = skip_digits(input, p + 1),
            Some(_) => return Err(self.syntax(p, "a digit in number")),
            None => return Err(self.eof(p, "a digit in number")),
        }
        if input.get(p) == Some(&b'.') {
            p = self.digits(p + 1, "a digit after '.' in number")?;
        }
        if matches!(input.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(input.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            p = self.digits(p, "a digit in exponent")?;
        }
        self.pos = p;
        self.delimiter("',', ']', '}' or whitespace after number")?;
        // The grammar above admits only ASCII, so this never falls back.
        Ok(match self.valid.get(start..p) {
            Some(s) => s,
            None => std::str::from_utf8(&input[start..p]).unwrap_or_default(),
        })
    }

    /// Requires at least one digit at `p`; returns the position after the run.
    fn digits(&self, p: usize, expected: &'static str) -> Result<usize, JsonWalkError> {
        match self.input.get(p) {
            Some(b'0'..=b'9') => Ok(skip_digits(self.input, p + 1)),
            Some(_) => Err(self.syntax(p, expected)),
            None => Err(self.eof(p, expected)),
        }
    }

    fn literal(&mut self, word: &'static [u8], expected: &'static str) -> Result<(), JsonWalkError> {
        let rest = &self.input[self.pos..];
        if rest.starts_with(word) {
            self.pos += word.len();
            return self.delimiter("',', ']', '}' or whitespace after literal");
        }
        let same = rest.iter().zip(word).take_while(|(a, b)| a == b).count();
        if same == rest.len() {
            Err(self.eof(self.input.len(), expected))
        } else {
            Err(self.syntax(self.pos + same, expected))
        }
    }

    /// Numbers and literals have no closing byte, so without this check
    /// `0123` or `truex` would silently split into several values.
    fn delimiter(&self, expected: &'static str) -> Result<(), JsonWalkError> {
        match self.input.get(self.pos) {
            None | Some(b',' | b']' | b'}') => Ok(()),
            Some(&b) if is_ws(b) => Ok(()),
            Some(_) => Err(self.syntax(self.pos, expected)),
        }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.input.get(self.pos) {
            if !is_ws(b) {
                break;
            }
            self.pos += 1;
        }
    }

    fn eof(&self, offset: usize, expected: &'static str) -> JsonWalkError {
        JsonWalkError::UnexpectedEof {
            offset: offset as u64,
            expected,
        }
    }

    fn syntax(&self, offset: usize, expected: &'static str) -> JsonWalkError {
        JsonWalkError::Syntax {
            offset: offset as u64,
            expected,
            found: self.input.get(offset).copied().unwrap_or(0),
        }
    }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn skip_digits(input: &[u8], mut p: usize) -> usize {
    while input.get(p).is_some_and(u8::is_ascii_digit) {
        p += 1;
    }
    p
}

fn hex_digit(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn parse_hex4(s: &[u8]) -> Option<u32> {
    s.iter()
        .take(4)
        .try_fold(0, |acc, &b| hex_digit(b).map(|d| acc * 16 + d))
}

/// Appends `bytes`, replacing each maximal invalid UTF-8 sequence with U+FFFD
/// (the same policy as `String::from_utf8_lossy`, without its allocation).
fn push_lossy(dst: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => dst.push_str(s),
        Err(_) => {
            for chunk in bytes.utf8_chunks() {
                dst.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    dst.push(REPLACEMENT);
                }
            }
        }
    }
}

/// Position of the first `"` or `\` at or after `from`.
#[inline]
fn find_quote_or_backslash(input: &[u8], from: usize) -> Option<usize> {
    // Most keys and values are a few bytes long, where memchr's setup costs
    // more than a plain loop; long strings still get the SIMD search.
    const SHORT: usize = 16;
    let hay = input.get(from..)?;
    for (i, &b) in hay.iter().take(SHORT).enumerate() {
        if b == b'"' || b == b'\\' {
            return Some(from + i);
        }
    }
    if hay.len() <= SHORT {
        return None;
    }
    memchr2(b'"', b'\\', &hay[SHORT..]).map(|i| from + SHORT + i)
}

/// Longest key written into a pointer segment, in bytes; a longer one is cut and marked
/// with `…`. A pointer is handed out with every scalar, so a megabyte-long key (hostile C6)
/// must not make every scalar under it cost a megabyte.
pub const MAX_SEGMENT: usize = 256;

fn push_escaped_key(dst: &mut String, key: &str) {
    if key.len() > MAX_SEGMENT {
        push_escaped_key(dst, &key[..super::floor_char(key, MAX_SEGMENT)]);
        dst.push('…');
        return;
    }
    // Keys are short; a plain scan beats memchr's setup cost here.
    if !key.bytes().any(|b| b == b'~' || b == b'/') {
        dst.push_str(key);
        return;
    }
    for c in key.chars() {
        match c {
            '~' => dst.push_str("~0"),
            '/' => dst.push_str("~1"),
            c => dst.push(c),
        }
    }
}

fn push_u64(dst: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        dst.push(d as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (pointer, key, text, record, offset) of every emitted scalar.
    type Row = (String, Option<String>, String, u64, u64);

    fn walk(input: &[u8]) -> (Vec<Row>, Result<(), JsonWalkError>) {
        let mut rows = Vec::new();
        let result = walk_json(input, &mut |s| {
            rows.push((
                s.pointer.to_string(),
                s.key.map(str::to_string),
                s.text.to_string(),
                s.record,
                s.offset,
            ))
        });
        (rows, result)
    }

    fn ok(input: &[u8]) -> Vec<Row> {
        let (rows, result) = walk(input);
        assert_eq!(result, Ok(()), "input {:?}", String::from_utf8_lossy(input));
        rows
    }

    fn row(pointer: &str, key: Option<&str>, text: &str, record: u64, offset: u64) -> Row {
        (
            pointer.to_string(),
            key.map(str::to_string),
            text.to_string(),
            record,
            offset,
        )
    }

    /// Just the texts, for tests about decoding.
    fn texts(input: &[u8]) -> Vec<String> {
        ok(input).into_iter().map(|r| r.2).collect()
    }

    #[test]
    fn nested_pointers_keys_and_offsets() {
        let input = br#"{"orders":[{"buyer":{"phone":"13812345678"},"n":7},{"id":5}],"x":"y","t":true,"z":null,"f":false,"e":{},"a":[]}"#;
        assert_eq!(
            ok(input),
            vec![
                row("/orders/0/buyer/phone", Some("phone"), "13812345678", 0, 29),
                row("/orders/0/n", Some("n"), "7", 0, 48),
                row("/orders/1/id", Some("id"), "5", 0, 57),
                row("/x", Some("x"), "y", 0, 65),
            ]
        );
    }

    #[test]
    fn pretty_printed_document() {
        let input = b"{\n  \"a\" : [\n    1 ,\n    \"two\"\n  ] ,\n  \"b\":\t{ \"c\" : -3 }\r\n}\n";
        assert_eq!(
            ok(input),
            vec![
                row("/a/0", Some("a"), "1", 0, 16),
                row("/a/1", Some("a"), "two", 0, 24),
                row("/b/c", Some("c"), "-3", 0, 51),
            ]
        );
    }

    #[test]
    fn key_escaping_in_pointer_but_not_in_key() {
        let input = br#"{"a/b":{"m~n":"v","~1":"w","":"empty","\u007e/":"u"}}"#;
        assert_eq!(
            ok(input),
            vec![
                row("/a~1b/m~0n", Some("m~n"), "v", 0, 14),
                row("/a~1b/~01", Some("~1"), "w", 0, 23),
                row("/a~1b/", Some(""), "empty", 0, 30),
                row("/a~1b/~0~1", Some("~/"), "u", 0, 48),
            ]
        );
    }

    #[test]
    fn simple_escapes() {
        assert_eq!(
            texts(br#"["a\"b\\c\/d\be\ff\ng\rh\ti"]"#),
            vec!["a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"]
        );
    }

    #[test]
    fn unicode_escapes_and_surrogates() {
        assert_eq!(
            texts(br#"["\u00e9\u00E9", "\ud83d\ude00", "x\ud83d", "\ud83dx", "\ude00", "\ud83d\ud83d\ude00", "\ud83d\u0041", "\u0000"]"#),
            vec![
                "\u{e9}\u{e9}",
                "\u{1F600}",
                "x\u{FFFD}",
                "\u{FFFD}x",
                "\u{FFFD}",
                "\u{FFFD}\u{1F600}",
                "\u{FFFD}A",
                "\u{0}",
            ]
        );
    }

    #[test]
    fn chinese_escaped_and_raw() {
        let input = "{\"name\":\"\\u5f20\\u4e09\",\"city\":\"北京\"}".as_bytes();
        assert_eq!(
            ok(input),
            vec![
                row("/name", Some("name"), "张三", 0, 8),
                row("/city", Some("city"), "北京", 0, 30),
            ]
        );
        // Escaped key decodes for `key`; the pointer carries it decoded too.
        assert_eq!(
            ok(br#"{"\u59d3\u540d":"x"}"#),
            vec![row("/姓名", Some("姓名"), "x", 0, 16)]
        );
    }

    #[test]
    fn big_integers_kept_verbatim() {
        assert_eq!(
            texts(b"[3508387573846167959, 13812345678, 123456789012345678901234567890, 9007199254740993]"),
            vec![
                "3508387573846167959",
                "13812345678",
                "123456789012345678901234567890",
                "9007199254740993",
            ]
        );
    }

    #[test]
    fn negative_float_exponent_numbers() {
        assert_eq!(
            texts(b"[0,-0,-1,-0.5,1.5e3,2E-7,1e+10,12.50]"),
            vec!["0", "-0", "-1", "-0.5", "1.5e3", "2E-7", "1e+10", "12.50"]
        );
    }

    #[test]
    fn invalid_numbers_are_errors() {
        let cases: &[(&[u8], JsonWalkError)] = &[
            (
                b"[01]",
                JsonWalkError::Syntax {
                    offset: 2,
                    expected: "',', ']', '}' or whitespace after number",
                    found: b'1',
                },
            ),
            (
                b"[-]",
                JsonWalkError::Syntax {
                    offset: 2,
                    expected: "a digit in number",
                    found: b']',
                },
            ),
            (
                b"[1.]",
                JsonWalkError::Syntax {
                    offset: 3,
                    expected: "a digit after '.' in number",
                    found: b']',
                },
            ),
            (
                b"1e",
                JsonWalkError::UnexpectedEof {
                    offset: 2,
                    expected: "a digit in exponent",
                },
            ),
            (
                b"[+1]",
                JsonWalkError::Syntax {
                    offset: 1,
                    expected: "a value",
                    found: b'+',
                },
            ),
        ];
        for (input, expected) in cases {
            let (rows, result) = walk(input);
            assert!(rows.is_empty());
            assert_eq!(result.as_ref(), Err(expected), "{:?}", input);
        }
    }

    #[test]
    fn ndjson_records_with_blank_lines() {
        let input = b"{\"a\":1}\n\n  \n{\"a\":\"x\",\"b\":[2]}\r\n\r\n[3]\n\"s\"\n42\n{}\n[true]\n{\"c\":4}";
        assert_eq!(
            ok(input),
            vec![
                row("/a", Some("a"), "1", 0, 5),
                row("/a", Some("a"), "x", 1, 17),
                row("/b/0", Some("b"), "2", 1, 26),
                row("/0", None, "3", 2, 34),
                row("", None, "s", 3, 37),
                row("", None, "42", 4, 41),
                row("/c", Some("c"), "4", 7, 59),
            ]
        );
    }

    #[test]
    fn top_level_scalars_and_concatenated_values() {
        assert_eq!(ok(b" \"only\" "), vec![row("", None, "only", 0, 1)]);
        assert_eq!(
            ok(br#"{"a":1}{"a":2}"#),
            vec![row("/a", Some("a"), "1", 0, 5), row("/a", Some("a"), "2", 1, 12)]
        );
        assert_eq!(ok(b""), vec![]);
        assert_eq!(ok(b" \n\t\r "), vec![]);
    }

    #[test]
    fn truncated_input_reports_offset_and_keeps_earlier_scalars() {
        let (rows, result) = walk(br#"{"a":1,"b":[2,"#);
        assert_eq!(
            rows,
            vec![
                row("/a", Some("a"), "1", 0, 5),
                row("/b/0", Some("b"), "2", 0, 12)
            ]
        );
        let err = result.unwrap_err();
        assert_eq!(
            err,
            JsonWalkError::UnexpectedEof {
                offset: 14,
                expected: "a value"
            }
        );
        assert_eq!(err.offset(), 14);
        assert_eq!(
            err.to_string(),
            "invalid JSON at byte 14: unexpected end of input, expected a value"
        );

        let (rows, result) = walk(br#"{"a":"xy"#);
        assert!(rows.is_empty());
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 8: unexpected end of input, expected closing '\"' of string"
        );

        let (_, result) = walk(br#"{"a":"x\u12"#);
        assert_eq!(
            result,
            Err(JsonWalkError::UnexpectedEof {
                offset: 11,
                expected: "4 hex digits after '\\u'"
            })
        );

        let (rows, result) = walk(b"{\"a\":[1]");
        assert_eq!(rows, vec![row("/a/0", Some("a"), "1", 0, 6)]);
        assert_eq!(
            result,
            Err(JsonWalkError::UnexpectedEof {
                offset: 8,
                expected: "',' or '}' in object"
            })
        );

        let (_, result) = walk(b"[tru");
        assert_eq!(
            result,
            Err(JsonWalkError::UnexpectedEof {
                offset: 4,
                expected: "'true'"
            })
        );
    }

    #[test]
    fn syntax_errors_report_offset_and_found_byte() {
        let (_, result) = walk(br#"{"a" 1}"#);
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 5: expected ':' after object key, found '1'"
        );
        let (_, result) = walk(b"hello");
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 0: expected a value, found 'h'"
        );
        let (_, result) = walk(b"{\"a\":1,}");
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 7: expected '\"' to start an object key, found '}'"
        );
        let (_, result) = walk(b"[1 2]");
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 3: expected ',' or ']' after array element, found '2'"
        );
        let (_, result) = walk(br#"["\x"]"#);
        assert_eq!(
            result,
            Err(JsonWalkError::Syntax {
                offset: 3,
                expected: "one of '\"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'u' after '\\'",
                found: b'x'
            })
        );
        let (_, result) = walk(b"[nul!]");
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 4: expected 'null', found '!'"
        );
        let (_, result) = walk(b"[\x01]");
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 1: expected a value, found byte 0x01"
        );
    }

    #[test]
    fn trailing_garbage_after_ndjson_record() {
        let (rows, result) = walk(b"{\"a\":1}\n{\"a\":2} x\n{\"a\":3}");
        assert_eq!(
            rows,
            vec![row("/a", Some("a"), "1", 0, 5), row("/a", Some("a"), "2", 1, 13)]
        );
        assert_eq!(
            result,
            Err(JsonWalkError::Syntax {
                offset: 16,
                expected: "a value",
                found: b'x'
            })
        );
        let (_, result) = walk(b"[1]]");
        assert_eq!(
            result,
            Err(JsonWalkError::Syntax {
                offset: 3,
                expected: "a value",
                found: b']'
            })
        );
        let (_, result) = walk(b"truex");
        assert_eq!(
            result,
            Err(JsonWalkError::Syntax {
                offset: 4,
                expected: "',', ']', '}' or whitespace after literal",
                found: b'x'
            })
        );
    }

    #[test]
    fn nesting_limit() {
        let mut ok_input = "[".repeat(MAX_DEPTH);
        ok_input.push('1');
        ok_input.push_str(&"]".repeat(MAX_DEPTH));
        let rows = ok(ok_input.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "/0".repeat(MAX_DEPTH));
        assert_eq!(rows[0].1, None);

        let deep = "[".repeat(100_000);
        let (rows, result) = walk(deep.as_bytes());
        assert!(rows.is_empty());
        assert_eq!(
            result,
            Err(JsonWalkError::TooDeep {
                offset: 512,
                limit: 512
            })
        );
        assert_eq!(
            result.unwrap_err().to_string(),
            "invalid JSON at byte 512: nesting deeper than 512 levels"
        );

        let deep_objects = "{\"k\":".repeat(600);
        let (_, result) = walk(deep_objects.as_bytes());
        assert_eq!(
            result,
            Err(JsonWalkError::TooDeep {
                offset: 512 * 5,
                limit: 512
            })
        );
    }

    #[test]
    fn bom_is_skipped_but_counted_in_offsets() {
        assert_eq!(
            ok(b"\xEF\xBB\xBF{\"a\":\"b\"}"),
            vec![row("/a", Some("a"), "b", 0, 8)]
        );
        // A BOM anywhere else is garbage.
        let (_, result) = walk(b"{}\xEF\xBB\xBF");
        assert_eq!(
            result,
            Err(JsonWalkError::Syntax {
                offset: 2,
                expected: "a value",
                found: 0xEF
            })
        );
    }

    #[test]
    fn key_of_array_elements_is_nearest_member() {
        let input = br#"{"phones":["1","2",["3"]],"o":{"p":[{"q":"4"},"5"]}}"#;
        assert_eq!(
            ok(input),
            vec![
                row("/phones/0", Some("phones"), "1", 0, 11),
                row("/phones/1", Some("phones"), "2", 0, 15),
                row("/phones/2/0", Some("phones"), "3", 0, 20),
                row("/o/p/0/q", Some("q"), "4", 0, 41),
                row("/o/p/1", Some("p"), "5", 0, 46),
            ]
        );
        assert_eq!(
            ok(b"[[\"a\"],\"b\"]"),
            vec![row("/0/0", None, "a", 0, 2), row("/1", None, "b", 0, 7)]
        );
    }

    #[test]
    fn key_buffer_does_not_leak_between_siblings() {
        let input = br#"{"list":[{"aaaa":1},{"b":2}],"after":{"c":[3]},"last":4}"#;
        assert_eq!(
            ok(input),
            vec![
                row("/list/0/aaaa", Some("aaaa"), "1", 0, 17),
                row("/list/1/b", Some("b"), "2", 0, 25),
                row("/after/c/0", Some("c"), "3", 0, 43),
                row("/last", Some("last"), "4", 0, 54),
            ]
        );
    }

    #[test]
    fn string_containing_json_is_just_a_string() {
        let input = br#"{"payload":"{\"phone\":\"13812345678\",\"ids\":[1,2]}"}"#;
        assert_eq!(
            ok(input),
            vec![row(
                "/payload",
                Some("payload"),
                r#"{"phone":"13812345678","ids":[1,2]}"#,
                0,
                11
            )]
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_character() {
        assert_eq!(
            texts(b"[\"a\xFFb\", \"\\n\xC3\", \"ok\xE5\xBC\xA0\", \"\xE5\xBC\"]"),
            vec!["a\u{FFFD}b", "\n\u{FFFD}", "ok张", "\u{FFFD}"]
        );
        assert_eq!(
            ok(b"{\"k\xFF\":1}"),
            vec![row("/k\u{FFFD}", Some("k\u{FFFD}"), "1", 0, 6)]
        );
    }

    #[test]
    fn raw_control_characters_in_strings_are_tolerated() {
        assert_eq!(texts(b"[\"a\tb\nc\"]"), vec!["a\tb\nc"]);
    }

    #[test]
    fn long_strings_and_many_escapes() {
        let long = "x".repeat(1 << 20);
        let input = format!("[\"{long}\",\"{}\"]", "\\u5f20".repeat(10_000));
        assert_eq!(texts(input.as_bytes()), vec![long, "张".repeat(10_000)]);
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_json(b"{\"a\":1}"));
        assert!(looks_like_json(b"  \r\n\t[1,2"));
        assert!(looks_like_json(b"\xEF\xBB\xBF {"));
        assert!(!looks_like_json(b""));
        assert!(!looks_like_json(b"   "));
        assert!(!looks_like_json(b"\"str\""));
        assert!(!looks_like_json(b"123"));
        assert!(!looks_like_json(b"name,phone\n"));
        assert!(!looks_like_json(b"\xEF\xBB"));
    }
}
