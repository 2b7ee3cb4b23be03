//! Rich Text Format (.rtf): what WordPad, TextEdit and older Word versions save, and what
//! many contract and invoice templates are still kept as. The file is read as a stream of
//! groups, control words and text (RTF 1.9.1); each paragraph (`\par`, `\line`, `\sect`,
//! `\page`, a table `\row`) is a record located as a Word document's paragraph is.
//!
//! Chinese text is written either as `\uN` escapes or as `\'hh` bytes in a code page: the
//! document's (`\ansicpg936`) or, as WordPad does on a Western system, the font's
//! (`\fcharset134` in the font table, chosen with `\fN`). Both are decoded, as readers do.
//! Destinations that are not body text (font and colour tables, style sheets, pictures,
//! embedded objects, field instructions, document properties, `{\*\…}`) are passed over;
//! headers and footers are body text here.
//!
//! Bounded: the paragraph is passed on in pieces past `MAX_PARAGRAPH`, groups nest at most
//! `MAX_DEPTH` deep, `\binN` data is skipped without being held, and the clock is looked at
//! every `BYTES_PER_CLOCK` bytes.

use super::{DocumentError, MAX_PARAGRAPH};
use crate::budget::Reservation;
use crate::error::{ErrorKind, Problem};
use crate::source::{FileFacts, Origin, Record};
use encoding_rs::Encoding;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

/// Groups may nest this deep (Word writes fewer than 20 levels).
const MAX_DEPTH: usize = 4096;

/// Bytes read between two looks at the clock.
const BYTES_PER_CLOCK: u64 = 1 << 16;

/// Destinations whose text is not the document's body.
const SKIPPED_DESTINATIONS: &[&str] = &[
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "objdata",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "fldinst",
    "xmlnstbl",
    "mmathPr",
    "pgdsctbl",
    "filetbl",
    "revtbl",
    "bkmkstart",
    "bkmkend",
    "nonshppict",
    "shppict",
    "sp",
    "sn",
    "sv",
    "template",
    "userprops",
    "wgrffmtfilter",
    "xe",
    "tc",
    "field_instructions",
];

/// Formatting state that a group scopes.
#[derive(Clone, Copy)]
struct Group {
    /// Text of this group is not body text.
    skip: bool,
    /// Inside the font table: `\fN` and `\fcharsetN` define fonts there.
    font_table: bool,
    /// Fallback characters that follow a `\uN` (`\ucN`).
    fallback: u32,
    /// The current font (`\fN`).
    font: Option<i32>,
}

/// The decoder's state beyond the group stack.
struct Reader<'e> {
    groups: Vec<Group>,
    group: Group,
    /// The first token of a group decides whether it is a destination.
    group_start: bool,
    /// The document's code page (`\ansicpgN`).
    code_page: &'static Encoding,
    /// Code pages of fonts whose charset names one (`\fcharset134`).
    font_code_pages: HashMap<i32, &'static Encoding>,
    /// The font being defined in the font table.
    defining_font: Option<i32>,
    /// `\'hh` bytes not yet decoded.
    bytes: Vec<u8>,
    /// A `\uN` high surrogate waiting for its low half.
    high_surrogate: Option<u16>,
    /// Fallback characters still to skip after a `\uN`.
    skip_fallback: u32,
    text: String,
    paragraph: u64,
    emit: &'e mut dyn FnMut(Record<'_>),
}

/// Reads an RTF document from `input`, giving up at `deadline` (paragraphs read stand).
pub fn read(
    input: impl Read,
    held: &mut Reservation<'_>,
    deadline: Instant,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, DocumentError> {
    let base = held.bytes();
    let mut input = Bytes::new(BufReader::with_capacity(64 << 10, input));
    // Readers accept leading white space (and a byte order mark) before the first group.
    let mut first = input.next()?;
    if first == Some(0xEF) {
        for _ in 0..2 {
            input.next()?;
        }
        first = input.next()?;
    }
    while first.is_some_and(|b| b.is_ascii_whitespace()) {
        first = input.next()?;
    }
    let mut header = [0u8; 5];
    header[0] = first.unwrap_or(0);
    for slot in &mut header[1..] {
        *slot = input.next()?.unwrap_or(0);
    }
    if &header != b"{\\rtf" {
        return Err(DocumentError::Corrupt {
            what: "RTF document",
            reason: "it does not start with {\\rtf".into(),
        });
    }
    let top = Group {
        skip: false,
        font_table: false,
        fallback: 1,
        font: None,
    };
    let mut reader = Reader {
        groups: vec![top],
        group: top,
        group_start: false,
        code_page: encoding_rs::WINDOWS_1252,
        font_code_pages: HashMap::new(),
        defining_font: None,
        bytes: Vec::new(),
        high_surrogate: None,
        skip_fallback: 0,
        text: String::new(),
        paragraph: 1,
        emit,
    };
    // The header's version number (`\rtf1`) and its delimiting space.
    let mut next = input.next()?;
    while next.is_some_and(|b| b.is_ascii_digit()) {
        next = input.next()?;
    }
    if let Some(b) = next.filter(|&b| b != b' ') {
        input.push_back(b);
    }
    let mut clock = 0u64;
    let mut held_for = 0usize;
    let mut closed = false;
    while let Some(byte) = input.next()? {
        if input.read / BYTES_PER_CLOCK != clock {
            clock = input.read / BYTES_PER_CLOCK;
            if Instant::now() >= deadline {
                return Err(DocumentError::TimeLimit {
                    what: "RTF document",
                    read: format!("stopped in paragraph {}", reader.paragraph),
                });
            }
        }
        match byte {
            b'{' => {
                reader.decode_bytes();
                if reader.groups.len() >= MAX_DEPTH {
                    return Err(DocumentError::Corrupt {
                        what: "RTF document",
                        reason: format!("groups nest deeper than {MAX_DEPTH} levels"),
                    });
                }
                reader.groups.push(reader.group);
                reader.group_start = true;
            }
            b'}' => {
                reader.decode_bytes();
                reader.group = match reader.groups.pop() {
                    Some(group) if !reader.groups.is_empty() => group,
                    // The document's own group closed: what follows is not RTF.
                    _ => {
                        closed = true;
                        break;
                    }
                };
                reader.group_start = false;
            }
            b'\\' => reader.control(&mut input)?,
            b'\r' | b'\n' | 0 => {}
            _ => {
                reader.group_start = false;
                if reader.fallback_consumed() {
                    continue;
                }
                if byte.is_ascii() {
                    reader.decode_bytes();
                    reader.push_char(char::from(byte));
                } else {
                    // A raw 8-bit byte: in the current code page, as a `\'hh` would be.
                    reader.bytes.push(byte);
                }
            }
        }
        let holding = reader.text.capacity() + reader.groups.capacity() * std::mem::size_of::<Group>();
        if holding != held_for {
            held.grow_to(base.saturating_add(holding as u64))?;
            held_for = holding;
        }
        if reader.text.len() > MAX_PARAGRAPH {
            reader.flush();
        }
    }
    reader.decode_bytes();
    reader.flush();
    let mut facts = FileFacts::default();
    if !closed {
        facts.warnings.push(Problem::new(
            ErrorKind::Truncated,
            format!(
                "the RTF document ends inside {} open groups (cut short?); the text before the end was read",
                reader.groups.len()
            ),
        ));
    }
    Ok(facts)
}

impl Reader<'_> {
    /// After a `\`: a control word with its optional numeric parameter, or a control symbol.
    fn control<R: BufRead>(&mut self, input: &mut Bytes<R>) -> Result<(), DocumentError> {
        let Some(first) = input.next()? else {
            return Ok(());
        };
        if !first.is_ascii_alphabetic() {
            return self.symbol(first, input);
        }
        let mut word = [0u8; 32];
        let mut len = 0;
        word[0] = first;
        len += 1;
        let mut next = input.next()?;
        while let Some(b) = next.filter(u8::is_ascii_alphabetic) {
            if len < word.len() {
                word[len] = b;
                len += 1;
            }
            next = input.next()?;
        }
        let mut parameter: Option<i64> = None;
        let negative = next == Some(b'-');
        if negative {
            next = input.next()?;
        }
        while let Some(b) = next.filter(u8::is_ascii_digit) {
            let p = parameter.unwrap_or(0);
            // Parameters are 16- or 32-bit; longer digit runs saturate, never overflow.
            parameter = Some((p * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX)));
            next = input.next()?;
        }
        let parameter = parameter.map(|p| if negative { -p } else { p });
        // A space delimits the word and belongs to it; anything else is the next token.
        if let Some(b) = next.filter(|&b| b != b' ') {
            input.push_back(b);
        }
        let word = std::str::from_utf8(&word[..len]).unwrap_or("");
        self.word(word, parameter, input)
    }

    fn word<R: BufRead>(
        &mut self,
        word: &str,
        parameter: Option<i64>,
        input: &mut Bytes<R>,
    ) -> Result<(), DocumentError> {
        let starts_group = std::mem::take(&mut self.group_start);
        if word == "bin" {
            // Binary data of a picture or object: skipped unseen.
            input.skip(parameter.unwrap_or(0).max(0) as u64)?;
            return Ok(());
        }
        if starts_group && (word == "fonttbl" || SKIPPED_DESTINATIONS.contains(&word)) {
            self.group.skip = true;
            self.group.font_table = word == "fonttbl";
            return Ok(());
        }
        let number = parameter.map(|p| p.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
        if self.group.font_table {
            match (word, number) {
                ("f", Some(n)) => self.defining_font = Some(n),
                ("fcharset", Some(charset)) => {
                    if let (Some(font), Some(encoding)) = (self.defining_font, charset_encoding(charset)) {
                        self.font_code_pages.insert(font, encoding);
                    }
                }
                _ => {}
            }
            return Ok(());
        }
        match (word, number) {
            ("ansicpg", Some(page)) => {
                if let Some(encoding) = code_page_encoding(page) {
                    self.code_page = encoding;
                }
                return Ok(());
            }
            ("f", Some(font)) => {
                self.decode_bytes();
                self.group.font = Some(font);
                return Ok(());
            }
            ("uc", Some(n)) => {
                self.group.fallback = n.clamp(0, 16) as u32;
                return Ok(());
            }
            _ => {}
        }
        if self.group.skip {
            return Ok(());
        }
        match (word, number) {
            ("u", Some(n)) => {
                self.decode_bytes();
                // Values over 32767 are written negative (a signed 16-bit parameter).
                let unit = (n as i64).rem_euclid(65536) as u16;
                self.push_unit(unit);
                self.skip_fallback = self.group.fallback;
            }
            ("par" | "line" | "sect" | "page" | "row", _) => {
                self.decode_bytes();
                self.flush();
                self.paragraph += 1;
            }
            ("tab" | "cell" | "emspace" | "enspace" | "qmspace", _) => self.push_char(' '),
            ("emdash", _) => self.push_char('—'),
            ("endash", _) => self.push_char('–'),
            ("lquote", _) => self.push_char('‘'),
            ("rquote", _) => self.push_char('’'),
            ("ldblquote", _) => self.push_char('“'),
            ("rdblquote", _) => self.push_char('”'),
            ("bullet", _) => self.push_char('•'),
            _ => {}
        }
        Ok(())
    }

    /// A control symbol: `\'hh`, an escaped brace or backslash, `\~`, `\*`, ….
    fn symbol<R: BufRead>(&mut self, symbol: u8, input: &mut Bytes<R>) -> Result<(), DocumentError> {
        let starts_group = std::mem::take(&mut self.group_start);
        match symbol {
            b'*' if starts_group => self.group.skip = true,
            b'\'' => {
                let high = input.next()?;
                let low = input.next()?;
                let value = match (high.and_then(hex), low.and_then(hex)) {
                    (Some(h), Some(l)) => h << 4 | l,
                    _ => return Ok(()),
                };
                if self.group.skip || self.fallback_consumed() {
                    return Ok(());
                }
                self.bytes.push(value);
            }
            b'\\' | b'{' | b'}' if !self.group.skip && !self.fallback_consumed() => {
                self.decode_bytes();
                self.push_char(char::from(symbol));
            }
            b'~' if !self.group.skip => self.push_char(' '),
            b'_' if !self.group.skip => self.push_char('-'),
            // A line break written as `\` + newline is a paragraph, as `\par` is.
            b'\n' | b'\r' if !self.group.skip => {
                self.decode_bytes();
                self.flush();
                self.paragraph += 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether this character is a `\uN`'s fallback, to be dropped.
    fn fallback_consumed(&mut self) -> bool {
        if self.skip_fallback > 0 {
            self.skip_fallback -= 1;
            true
        } else {
            false
        }
    }

    fn push_unit(&mut self, unit: u16) {
        match (self.high_surrogate.take(), unit) {
            (_, 0xD800..=0xDBFF) => self.high_surrogate = Some(unit),
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            (_, unit) => self.push_char(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}')),
        }
    }

    fn push_char(&mut self, c: char) {
        if !self.group.skip {
            self.text.push(c);
        }
    }

    /// Decodes the pending `\'hh` bytes in the current font's code page, else the
    /// document's.
    fn decode_bytes(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        let encoding = self
            .group
            .font
            .and_then(|f| self.font_code_pages.get(&f).copied())
            .unwrap_or(self.code_page);
        let (text, _) = encoding.decode_without_bom_handling(&self.bytes);
        if !self.group.skip {
            self.text.push_str(&text);
        }
        self.bytes.clear();
    }

    /// Passes the paragraph on, if it holds anything but white space.
    fn flush(&mut self) {
        if !self.text.trim().is_empty() {
            (self.emit)(Record {
                text: &self.text,
                origin: Origin::Paragraph {
                    slide: None,
                    part: None,
                    paragraph: self.paragraph,
                },
            });
        }
        self.text.clear();
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The encoding of a Windows code page RTF names (`\ansicpgN`).
fn code_page_encoding(page: i32) -> Option<&'static Encoding> {
    let label: &[u8] = match page {
        936 => b"gbk",
        54936 => b"gb18030",
        950 => b"big5",
        932 => b"shift_jis",
        949 => b"euc-kr",
        65001 => b"utf-8",
        874 => b"windows-874",
        1250..=1258 => return Encoding::for_label(format!("windows-{page}").as_bytes()),
        10000 => b"macintosh",
        _ => return None,
    };
    Encoding::for_label(label)
}

/// The encoding of a font charset (`\fcharsetN`); 0 and 1 (ANSI, default) use the
/// document's code page.
fn charset_encoding(charset: i32) -> Option<&'static Encoding> {
    match charset {
        128 => code_page_encoding(932),
        129 => code_page_encoding(949),
        134 => code_page_encoding(936),
        136 => code_page_encoding(950),
        161 => code_page_encoding(1253),
        162 => code_page_encoding(1254),
        177 => code_page_encoding(1255),
        178 => code_page_encoding(1256),
        186 => code_page_encoding(1257),
        204 => code_page_encoding(1251),
        222 => code_page_encoding(874),
        238 => code_page_encoding(1250),
        _ => None,
    }
}

/// Bytes of the input one at a time, with one byte of look-back, counting what was read.
struct Bytes<R> {
    input: R,
    back: Option<u8>,
    read: u64,
}

impl<R: BufRead> Bytes<R> {
    fn new(input: R) -> Self {
        Bytes {
            input,
            back: None,
            read: 0,
        }
    }

    fn next(&mut self) -> Result<Option<u8>, DocumentError> {
        if let Some(b) = self.back.take() {
            return Ok(Some(b));
        }
        let buf = self.input.fill_buf().map_err(io_error)?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        self.read += 1;
        Ok(Some(b))
    }

    fn push_back(&mut self, b: u8) {
        self.back = Some(b);
    }

    fn skip(&mut self, mut n: u64) -> Result<(), DocumentError> {
        if n > 0 && self.back.take().is_some() {
            n -= 1;
        }
        while n > 0 {
            let buf = self.input.fill_buf().map_err(io_error)?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            self.input.consume(take);
            self.read += take as u64;
            n -= take as u64;
        }
        Ok(())
    }
}

fn io_error(e: std::io::Error) -> DocumentError {
    DocumentError::Read(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::MemoryBudget;

    fn paragraphs(rtf: &[u8]) -> Result<(Vec<(u64, String)>, FileFacts), DocumentError> {
        let memory = MemoryBudget::new(64 << 20);
        let mut held = memory.start("test");
        let mut out = Vec::new();
        let later = Instant::now() + std::time::Duration::from_secs(600);
        let facts = read(rtf, &mut held, later, &mut |r| {
            if let Origin::Paragraph { paragraph, .. } = r.origin {
                out.push((paragraph, r.text.to_owned()));
            }
        })?;
        Ok((out, facts))
    }

    #[test]
    fn code_page_bytes_unicode_escapes_and_paragraphs_are_decoded() {
        // 张伟 in GBK is d5c5 ceb0; 手机 as \u escapes with a one-character fallback.
        let rtf = br"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}
{\colortbl ;\red255\green0\blue0;}{\*\generator Riched20 10.0}\viewkind4\uc1
\pard\f0\fs22\lang2052 \'d5\'c5\'ce\'b0 \u25163?\u26426?\'a3\'ba138 1234 5678\par
\par
{\info{\author Someone}}second \{ok\} \\ done\line third\tab cell\par
}";
        let (got, facts) = paragraphs(rtf).unwrap();
        assert_eq!(
            got,
            vec![
                (1, "张伟 手机：138 1234 5678".to_string()),
                (3, "second {ok} \\ done".to_string()),
                (4, "third cell".to_string()),
            ]
        );
        assert!(facts.warnings.is_empty());
    }

    #[test]
    fn a_font_charset_decides_the_bytes_of_a_western_code_page_document() {
        // WordPad on a Western system: \ansicpg1252, Chinese bytes under a GB2312 font.
        let rtf =
            br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0\fswiss\fcharset0 Arial;}{\f1\fnil\fcharset134 SimSun;}}
\pard\f0 caf\'e9 {\f1\'c9\'ed\'b7\'dd\'d6\'a4} 110105\par}";
        let (got, _) = paragraphs(rtf).unwrap();
        assert_eq!(got, vec![(1, "café 身份证 110105".to_string())]);
    }

    #[test]
    fn pictures_objects_field_instructions_and_binary_data_are_passed_over() {
        let mut rtf = br"{\rtf1\ansi{\*\shppict{\pict\pngblip 89504e47 13812345678}}before {\field{\*\fldinst HYPERLINK 13900001111}{\fldrslt shown}} {\object\objdata 0102}".to_vec();
        rtf.extend_from_slice(br"{\pict\bin6 ");
        rtf.extend_from_slice(b"{}\\{}\x00");
        rtf.extend_from_slice(br"} after\par}");
        let (got, _) = paragraphs(&rtf).unwrap();
        assert_eq!(got, vec![(1, "before shown  after".to_string())]);
    }

    #[test]
    fn surrogate_pairs_and_negative_parameters_make_one_character() {
        // U+20BB7 (𠮷) as a surrogate pair written negative; U+9FA5 as -24667.
        let rtf = br"{\rtf1\uc0 \u-10174\u-8265 \u-24667 x\par}";
        let (got, _) = paragraphs(rtf).unwrap();
        assert_eq!(got, vec![(1, "𠮷龥x".to_string())]);
    }

    #[test]
    fn bad_documents_are_corrupt_and_cut_ones_warn() {
        assert!(matches!(paragraphs(b"hello"), Err(DocumentError::Corrupt { .. })));
        let deep: Vec<u8> = b"{\\rtf1 "
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'{', MAX_DEPTH + 1))
            .collect();
        assert!(matches!(paragraphs(&deep), Err(DocumentError::Corrupt { .. })));
        let (got, facts) = paragraphs(br"{\rtf1 {\b phone 13812345678").unwrap();
        assert_eq!(got, vec![(1, "phone 13812345678".to_string())]);
        assert_eq!(facts.warnings.len(), 1);
        assert_eq!(facts.warnings[0].kind, ErrorKind::Truncated);
    }

    #[test]
    fn a_passed_deadline_stops_the_reading() {
        let mut rtf = br"{\rtf1 ".to_vec();
        for i in 0..20_000 {
            rtf.extend_from_slice(format!("line {i}\\par\n").as_bytes());
        }
        rtf.push(b'}');
        let memory = MemoryBudget::new(64 << 20);
        let mut held = memory.start("test");
        let mut seen = 0;
        let result = read(&rtf[..], &mut held, Instant::now(), &mut |_| seen += 1);
        assert!(
            matches!(result, Err(DocumentError::TimeLimit { .. })),
            "{result:?}"
        );
        assert!(seen < 20_000);
    }
}
