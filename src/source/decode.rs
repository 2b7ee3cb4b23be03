//! Reading a file as UTF-8 text, in bounded chunks, whatever it was saved as.
//!
//! Order of evidence: a BOM (UTF-8, UTF-16LE/BE); else strict UTF-8 on the first 64 KiB;
//! else GB18030 (a superset of GBK, which Excel in China uses for CSV by default). Bytes that
//! still do not decode become U+FFFD and the file is marked as lossy. Memory stays at about
//! two chunks whatever the file size: a 3 GiB single-line file is cut at chunk boundaries.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::io::{self, Read};

/// Default size of one chunk of decoded text.
pub const CHUNK: usize = 8 << 20;

/// How much of the file decides the encoding.
const SNIFF: usize = 64 << 10;

/// Largest chunk allowed. A chunk ends at a line break unless its line is longer than the
/// chunk; then the line is cut at a character boundary (a value spanning the cut may be
/// missed).
const MAX_CHUNK: usize = 64 << 20;

/// Streams a file as UTF-8 chunks that end at a line break where possible.
pub struct TextReader<R: Read> {
    inner: Input<R>,
    /// Allocated (and zeroed) once; holds decoded bytes in `start..end`.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    /// Byte offset (in decoded text) of `buf[0]`.
    base: u64,
    encoding: &'static str,
    lossy: bool,
    /// A chunk with invalid bytes, repaired.
    repaired: String,
    /// The decoder is transcoding (GB18030, UTF-16): its replacements show as U+FFFD.
    transcoding: bool,
}

/// One decoded chunk.
pub struct Chunk<'a> {
    pub text: &'a str,
    /// Byte offset of `text` in the decoded file.
    pub offset: u64,
    /// Bytes not valid in the encoding were replaced, in this chunk or before it.
    pub lossy: bool,
}

/// Picks the encoding from the first bytes.
pub fn sniff_encoding(head: &[u8]) -> &'static Encoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        UTF_8
    } else if head.starts_with(&[0xFF, 0xFE]) {
        UTF_16LE
    } else if head.starts_with(&[0xFE, 0xFF]) {
        UTF_16BE
    } else if mostly_utf8(head) {
        UTF_8
    } else {
        GB18030
    }
}

/// UTF-8 with at most a few bad sequences (a stray byte in a UTF-8 file must not turn all
/// of its Chinese text into GB18030 mojibake). GBK byte pairs often happen to form valid
/// two-byte UTF-8, but rarely valid three-byte sequences (how UTF-8 writes Chinese), so
/// those are what is counted against the bad sequences.
fn mostly_utf8(head: &[u8]) -> bool {
    if valid_utf8_prefix(head) {
        return true;
    }
    let (mut valid_multibyte, mut invalid) = (0usize, 0usize);
    let mut rest = head;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += s.bytes().filter(|&b| b >= 0xE0).count();
                break;
            }
            Err(e) => {
                let good = &rest[..e.valid_up_to()];
                valid_multibyte += good.iter().filter(|&&b| b >= 0xE0).count();
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        rest = &rest[e.valid_up_to() + n..];
                    }
                    None => break, // cut at the end of the sample
                }
            }
        }
    }
    valid_multibyte >= 3 * invalid.max(1)
}

/// Valid UTF-8, allowing a character cut off at the end of the sample.
fn valid_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Picks the encoding from `head` (the first bytes of the stream, already read by the caller
/// to sniff the format) and returns a reader of UTF-8 over `head` followed by `rest`, with the
/// encoding's display name ("UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16LE (BOM)").
pub fn decoded<R: Read>(mut head: Vec<u8>, rest: R) -> (Input<R>, &'static str) {
    let sample = &head[..head.len().min(SNIFF)];
    let encoding = sniff_encoding(sample);
    let name = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        "UTF-8 (BOM)"
    } else if encoding == UTF_16LE {
        "UTF-16LE (BOM)"
    } else if encoding == UTF_16BE {
        "UTF-16BE (BOM)"
    } else if encoding == GB18030 {
        "GB18030"
    } else {
        "UTF-8"
    };
    if encoding == UTF_8 {
        // UTF-8 needs no transcoding: read the file directly (no extra copy).
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            head.drain(..3);
        }
        return (Input::Utf8(io::Cursor::new(head).chain(rest)), name);
    }
    let reader = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .strip_bom(true)
        .build(io::Cursor::new(head).chain(rest));
    (Input::Transcoded(reader), name)
}

/// UTF-8 of a part of a file from a cut on, in the encoding sniffed from the file's start.
/// Nothing is sniffed again and nothing is taken for a BOM unless the part starts the file
/// (`at_start`): a GBK part that happens to look like UTF-8, or to start with the bytes of a
/// BOM, decodes exactly as the whole file does from there on.
pub fn resumed<R: Read>(rest: R, encoding: &'static Encoding, at_start: bool) -> Input<R> {
    let input = io::Cursor::new(Vec::new()).chain(rest);
    if encoding == UTF_8 && !at_start {
        return Input::Utf8(input);
    }
    let mut builder = DecodeReaderBytesBuilder::new();
    // Without an encoding the bytes pass through as they are (UTF-8, checked by the reader);
    // `strip_bom` drops the BOM of a file's first part as `decoded` does.
    builder.bom_sniffing(false).strip_bom(at_start);
    if encoding != UTF_8 {
        builder.encoding(Some(encoding));
    }
    Input::Transcoded(builder.build(input))
}

/// The stream a decoder reads: the sniffed head, then the rest of the file.
pub type Head<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// A file as UTF-8 bytes: read as is, or transcoded.
pub enum Input<R: Read> {
    Utf8(Head<R>),
    Transcoded(DecodeReaderBytes<Head<R>, Vec<u8>>),
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Utf8(r) => r.read(buf),
            Input::Transcoded(r) => r.read(buf),
        }
    }
}

impl<R: Read> TextReader<R> {
    /// Chunks of at most about `chunk` bytes over `head` followed by `rest`. `size_hint` (the
    /// file size) keeps the buffer small for small files.
    pub fn new(head: Vec<u8>, rest: R, chunk: usize, size_hint: u64) -> Self {
        let (inner, encoding) = decoded(head, rest);
        Self::over(inner, encoding, chunk, size_hint)
    }

    /// Chunks of a part of a file from a cut on (see `resumed`), read as `name` (what
    /// `encoding()` said for the whole file).
    pub fn resume(
        rest: R,
        encoding: &'static Encoding,
        name: &'static str,
        at_start: bool,
        chunk: usize,
        size_hint: u64,
    ) -> Self {
        Self::over(resumed(rest, encoding, at_start), name, chunk, size_hint)
    }

    fn over(inner: Input<R>, encoding: &'static str, chunk: usize, size_hint: u64) -> Self {
        // Transcoding UTF-16 can grow the text by half; leave room to finish in one read.
        let wanted = usize::try_from(size_hint.saturating_mul(2).saturating_add(16)).unwrap_or(usize::MAX);
        TextReader {
            inner,
            buf: vec![0; chunk.clamp(16, MAX_CHUNK).min(wanted.max(4096))].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            base: 0,
            transcoding: !encoding.starts_with("UTF-8"),
            encoding,
            lossy: false,
            repaired: String::new(),
        }
    }
    /// The encoding the file was read as ("UTF-8", "UTF-8 (BOM)", "GB18030", ...).
    pub fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// Whether undecodable bytes were replaced by U+FFFD.
    pub fn lossy(&self) -> bool {
        self.lossy
    }

    /// The next chunk, or None at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk<'_>>> {
        // Move the carried-over tail (an unfinished line) to the front.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.base += self.start as u64;
            self.start = 0;
        }
        while !self.eof && self.end < self.buf.len() {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.end == 0 {
            return Ok(None);
        }
        let mut cut = self.end;
        if !self.eof {
            // End at the last line break; without one, at a character boundary.
            match memchr::memrchr(b'\n', &self.buf[..cut]) {
                Some(nl) => cut = nl + 1,
                None => {
                    while cut > 0 && (self.buf[cut - 1] & 0xC0) == 0x80 {
                        cut -= 1;
                    }
                    if cut > 0 && self.buf[cut - 1] >= 0xC0 {
                        cut -= 1;
                    }
                    if cut == 0 {
                        cut = self.end;
                    }
                }
            }
        }
        self.start = cut;
        let offset = self.base;
        let text = match simdutf8::basic::from_utf8(&self.buf[..cut]) {
            Ok(text) => {
                if self.transcoding && !self.lossy {
                    self.lossy = memchr::memmem::find(text.as_bytes(), "\u{FFFD}".as_bytes()).is_some();
                }
                text
            }
            Err(_) => {
                // Invalid bytes in a file that looked like UTF-8 (or a cut inside a
                // character of an overlong line): replace them, keep going.
                self.lossy = true;
                self.repaired = String::from_utf8_lossy(&self.buf[..cut]).into_owned();
                &self.repaired
            }
        };
        Ok(Some(Chunk {
            text,
            offset,
            lossy: self.lossy,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(bytes: &[u8], chunk: usize) -> (Vec<(String, u64)>, &'static str, bool) {
        let head = bytes[..bytes.len().min(16)].to_vec();
        let rest = io::Cursor::new(bytes[head.len()..].to_vec());
        let mut r = TextReader::new(head, rest, chunk, u64::MAX);
        let mut out = Vec::new();
        while let Some(c) = r.next_chunk().unwrap() {
            out.push((c.text.to_owned(), c.offset));
        }
        (out, r.encoding(), r.lossy())
    }

    #[test]
    fn utf8_chunks_end_at_line_breaks() {
        let text = "第一行 13812345678\n第二行\n第三行 end";
        let (c, enc, lossy) = chunks(text.as_bytes(), 32);
        assert_eq!(enc, "UTF-8");
        assert!(!lossy);
        assert_eq!(c.iter().map(|x| x.0.as_str()).collect::<String>(), text);
        for (t, _) in &c[..c.len() - 1] {
            assert!(t.ends_with('\n'), "{t:?}");
        }
        let mut expect = 0;
        for (t, off) in &c {
            assert_eq!(*off, expect);
            expect += t.len() as u64;
        }
    }

    #[test]
    fn gb18030_and_utf16() {
        let (gbk, _, _) = GB18030.encode("收货人电话,13812345678\n");
        let (c, enc, _) = chunks(&gbk, 1024);
        assert_eq!(enc, "GB18030");
        assert_eq!(c[0].0, "收货人电话,13812345678\n");
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "手机 13812345678".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (c, enc, _) = chunks(&utf16, 1024);
        assert_eq!(enc, "UTF-16LE (BOM)");
        assert_eq!(c[0].0, "手机 13812345678");
    }

    #[test]
    fn huge_line_is_cut_at_char_boundaries() {
        let line = "电话".repeat(1000);
        let (c, _, _) = chunks(line.as_bytes(), 100);
        assert!(c.len() > 10);
        assert_eq!(c.iter().map(|x| x.0.as_str()).collect::<String>(), line);
    }

    #[test]
    fn a_stray_byte_does_not_make_utf8_text_gb18030() {
        let text = "手机：13812345678\nbad \u{1} here\n银行卡号：6222021234567890128\n".replace('\u{1}', "");
        let mut bytes = text.into_bytes();
        bytes.splice(30..30, [0xFF, 0xFE]);
        assert_eq!(sniff_encoding(&bytes), UTF_8);
        let (gbk, _, _) = GB18030.encode("收货人电话,手机号码,地址\n张三,13812345678,北京市\n");
        assert_eq!(sniff_encoding(&gbk), GB18030);
    }

    #[test]
    fn a_resumed_part_is_decoded_as_the_whole_file_is() {
        let read = |bytes: &[u8], encoding, name, at_start| {
            let mut r = TextReader::resume(io::Cursor::new(bytes.to_vec()), encoding, name, at_start, 16, 64);
            let mut text = String::new();
            while let Some(c) = r.next_chunk().unwrap() {
                text.push_str(c.text);
            }
            (text, r.encoding(), r.lossy())
        };
        // Mid-file, the bytes of a UTF-8 BOM are GBK text, not a mark to obey or drop.
        let bytes = b"\xEF\xBB\xBFab\n\xD5\xC5\xC8\xFD\n";
        let (text, name, _) = read(bytes, GB18030, "GB18030", false);
        assert_eq!(text, GB18030.decode_without_bom_handling(bytes).0);
        assert_eq!(name, "GB18030");
        // A GBK part is decoded as GBK, without sniffing.
        let (gbk, _, _) = GB18030.encode("手机号 13812345678\n");
        assert_eq!(read(&gbk, GB18030, "GB18030", false).0, "手机号 13812345678\n");
        // UTF-8: a BOM is dropped at the start of the file only; bad bytes mark it lossy.
        let (text, _, lossy) = read(b"\xEF\xBB\xBFa,b\n", UTF_8, "UTF-8 (BOM)", true);
        assert_eq!((text.as_str(), lossy), ("a,b\n", false));
        assert_eq!(
            read(b"\xEF\xBB\xBFa\n", UTF_8, "UTF-8 (BOM)", false).0,
            "\u{feff}a\n"
        );
        let (text, _, lossy) = read(b"a\xFF\n", UTF_8, "UTF-8", false);
        assert_eq!((text.as_str(), lossy), ("a\u{fffd}\n", true));
    }

    #[test]
    fn invalid_utf8_after_the_sniffed_head_is_replaced() {
        let mut bytes = "a".repeat(100).into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe 13812345678\n");
        let (c, _, lossy) = chunks(&bytes, 1 << 20);
        assert!(lossy);
        assert!(c.iter().any(|x| x.0.contains("13812345678")));
    }
}
