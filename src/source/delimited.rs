//! Delimited files (CSV, TSV, semicolon, pipe): every cell is a record located by data row
//! and column header.
//!
//! The delimiter is sniffed from the first lines; the first row is a header when it reads
//! like labels (no long digit runs, mostly non-numeric). Quoting, embedded delimiters and
//! multi-line fields are the `csv` crate's job. Rows of uneven length are accepted.
//!
//! A large file can also be read in parts side by side (`layout`, `read_part`, with the
//! cuts planned by `super::split`), emitting exactly what `read` emits.

use super::split::{self, Cut, ReadAt, Unsplittable};
use super::{FileFacts, Origin, Record, SourceError, TextReader, MAX_COLUMNS, MORE_COLUMNS};
use crate::error::{ErrorKind, Problem};
use encoding_rs::{Encoding, GB18030, UTF_8};
use std::io::{self, Read};
use std::sync::Arc;

/// Longest record held in memory; longer ones are handed out in pieces.
const MAX_RECORD_BYTES: usize = 16 << 20;

/// Single-cell lines (a title, an export time) that may stand above a header row.
const MAX_TITLE_ROWS: usize = 3;

/// Candidate delimiters, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Picks the delimiter that splits the first lines most consistently.
pub fn sniff_delimiter(sample: &str) -> u8 {
    let lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let lines = if lines.len() > 1 && !sample.ends_with('\n') {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize, 0usize);
    for &d in &DELIMITERS {
        let counts: Vec<usize> = lines.iter().map(|l| count_unquoted(l, d)).collect();
        let Some(&first) = counts.first() else { continue };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (d, consistent, first);
        }
    }
    best.0
}

fn count_unquoted(line: &str, d: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == d && !quoted
        })
        .count()
}

/// A first row reads as a header when no cell holds many digits and most non-empty cells
/// are not numbers.
pub(crate) fn looks_like_header(fields: &[&str]) -> bool {
    let non_empty: Vec<&&str> = fields.iter().filter(|f| !f.trim().is_empty()).collect();
    if non_empty.is_empty() {
        return false;
    }
    // A long number or an e-mail is a value, never a label (and a header is written out
    // as a column name, so a value taken for one would leak).
    if non_empty.iter().any(|f| super::looks_like_value(f)) {
        return false;
    }
    let numeric = non_empty
        .iter()
        .filter(|f| f.trim().parse::<f64>().is_ok())
        .count();
    numeric * 2 < non_empty.len()
}

/// Column names: the header cell, or the 1-based index where a header cell is empty. Only
/// the first `MAX_COLUMNS` columns are named: a row of millions of fields (hostile M3) must
/// not cost a name each; the rest share `MORE_COLUMNS`.
fn column_names(header: Option<&[&str]>, width: usize) -> Vec<Arc<str>> {
    (0..width.min(MAX_COLUMNS))
        .map(|i| {
            match header
                .and_then(|h| h.get(i))
                .map(|s| s.trim().trim_start_matches('\u{feff}'))
            {
                Some(name) if !name.is_empty() => Arc::from(name),
                _ => Arc::from((i + 1).to_string()),
            }
        })
        .collect()
}

/// Reads `reader` as a delimited file.
pub fn read<R: Read>(
    reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    read_rows(reader, None, TableState::default(), emit).map(|(facts, _)| facts)
}

/// Reads records into `state` with `delimiter` (sniffed from the first chunk when `None`);
/// also says whether the input ended at a record boundary.
fn read_rows<R: Read>(
    mut reader: TextReader<R>,
    delimiter: Option<u8>,
    mut state: TableState,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<(FileFacts, TableState), SourceError> {
    let mut parser = delimiter.map(parser_for);
    while let Some(chunk) = reader.next_chunk()? {
        let parser = parser.get_or_insert_with(|| parser_for(sniff_first(chunk.text)));
        // csv_core is incremental: a record cut by the chunk boundary continues with the
        // next chunk.
        state.parse(parser, chunk.text.as_bytes(), false, emit);
    }
    let records = state.records;
    if let Some(parser) = parser.as_mut() {
        state.parse(parser, &[], true, emit);
    }
    state.ended_inside = state.records != records;
    if state.columns.is_none() {
        state.release_held(emit);
    }
    let mut warnings = Vec::new();
    if state.overlong {
        warnings.push(Problem::new(
            ErrorKind::Corrupt,
            format!(
                "a record runs past {} MiB (an unbalanced quote?): it was scanned in pieces, its locations are approximate",
                MAX_RECORD_BYTES >> 20
            ),
        ));
    }
    let facts = FileFacts {
        encoding: Some(reader.encoding()),
        lossy: reader.lossy(),
        warnings,
        ..FileFacts::default()
    };
    Ok((facts, state))
}

/// The delimiter of a file, from its first chunk.
fn sniff_first(text: &str) -> u8 {
    sniff_delimiter(text.get(..16 << 10).unwrap_or(text))
}

fn parser_for(delimiter: u8) -> csv_core::Reader {
    csv_core::ReaderBuilder::new().delimiter(delimiter).build()
}

/// What the parts of a delimited file share, decided once from its start: how to decode and
/// split its bytes, and the header.
#[derive(Debug, Clone)]
pub struct Layout {
    pub delimiter: u8,
    pub encoding: &'static Encoding,
    /// The encoding as `TextReader::encoding` names it.
    pub encoding_name: &'static str,
    /// Column names as decided from the header (or numbers). Rows wider than this name
    /// their further columns by number, in every part alike.
    pub columns: Vec<Arc<str>>,
    /// The record boundary just after the row that decided the header: the earliest cut,
    /// with the rows (title lines, or a headerless file's first row) and lines before it.
    pub body: Cut,
}

/// Longest record (newline to newline, as stored) in a file that is split: a record past
/// `MAX_RECORD_BYTES` once decoded is handed out in pieces, each numbered as a row, which the
/// planner cannot count. Decoding at most triples a byte (an invalid one becomes U+FFFD).
pub const SPLIT_MAX_RECORD: u64 = (MAX_RECORD_BYTES / 3) as u64;

impl Layout {
    /// The delimiter as the planner may trust it before a quote: in GB18030 a `|` byte may
    /// be the second half of a character, so none.
    pub fn split_delimiter(&self) -> Option<u8> {
        (self.encoding != GB18030 || self.delimiter != b'|').then_some(self.delimiter)
    }

    /// The cuts of the file of `size` bytes in `source`, each at the start of a window of
    /// `window` rows (see `split::plan` and `split::align`).
    pub fn plan<S: ReadAt + ?Sized>(
        &self,
        source: &S,
        size: u64,
        target: u64,
        window: u64,
    ) -> io::Result<Result<Vec<Cut>, Unsplittable>> {
        let delimiter = self.split_delimiter();
        let cuts = match split::plan(source, size, &self.body, target, delimiter, SPLIT_MAX_RECORD)? {
            Ok(cuts) => cuts,
            Err(why) => return Ok(Err(why)),
        };
        split::align(source, size, &cuts, window, delimiter).map(Ok)
    }
}

/// Decides the layout of a delimited file as `read` would: `head` (the file's first bytes,
/// at least up to the end of the header) and `rest`, with the `chunk` and `size` that
/// `read_text` gets (the delimiter is sniffed from the first chunk). `None` when the file is
/// not to be split: UTF-16, or no header decision on a line break within `head`.
pub fn layout<R: Read>(head: &[u8], rest: R, size: u64, chunk: usize) -> Result<Option<Layout>, SourceError> {
    let mut reader = TextReader::new(head.to_vec(), rest, chunk, size);
    let mut state = TableState {
        stop_when_decided: true,
        ..TableState::default()
    };
    let mut parser: Option<(u8, csv_core::Reader)> = None;
    let mut newlines = 0u64;
    while let Some(chunk) = reader.next_chunk()? {
        let (delimiter, parser) = parser.get_or_insert_with(|| {
            let d = sniff_first(chunk.text);
            (d, parser_for(d))
        });
        let text = chunk.text.as_bytes();
        let used = state.parse(parser, text, false, &mut |_| {});
        let Some(columns) = state.columns.clone() else {
            newlines += memchr::memchr_iter(b'\n', text).count() as u64;
            if chunk.offset + text.len() as u64 >= head.len() as u64 {
                return Ok(None); // past the head: its offset could not be told
            }
            continue;
        };
        let consumed = text.get(..used).unwrap_or(text);
        newlines += memchr::memchr_iter(b'\n', consumed).count() as u64;
        // csv_core returns a record after its `\r` of a `\r\n`; the `\n` belongs with it.
        match (consumed.last(), text.get(used)) {
            (Some(b'\n'), _) => {}
            (Some(b'\r'), Some(b'\n')) => newlines += 1,
            _ => return Ok(None),
        }
        let encoding = match reader.encoding() {
            "UTF-8" | "UTF-8 (BOM)" => UTF_8,
            "GB18030" => GB18030,
            _ => return Ok(None),
        };
        // Newline bytes are the same in the file as in its text (see `split`).
        let nth = usize::try_from(newlines).ok().and_then(|n| n.checked_sub(1));
        let Some(end) = nth.and_then(|n| memchr::memchr_iter(b'\n', head).nth(n)) else {
            return Ok(None);
        };
        return Ok(Some(Layout {
            delimiter: *delimiter,
            encoding,
            encoding_name: reader.encoding(),
            columns,
            body: Cut {
                offset: end as u64 + 1,
                rows_before: state.row,
                line: newlines + 1,
            },
        }));
    }
    Ok(None)
}

/// What reading one part found.
#[derive(Debug, Clone)]
pub struct PartFacts {
    pub facts: FileFacts,
    /// Data rows the part emitted (rows without a non-empty cell count too).
    pub rows: u64,
    /// The part ended inside a record. The last part does when the file does not end with
    /// a newline; any other part ending so means its end was no record boundary, and its
    /// rows and the next part's are not what `read` gives (a bug, or a file changed while
    /// read): together with `rows` against the next cut, the caller's check.
    pub ended_inside: bool,
}

/// Reads the part of a delimited file that starts at `cut`: `part` streams its bytes as
/// stored (up to the next cut, `len` of them), and the records emitted are exactly those
/// `read` emits for them, rows numbered from `cut.rows_before + 1`. The part at the start of
/// the file reads the header as `read` does; the others take `layout.columns`.
pub fn read_part<R: Read>(
    part: R,
    len: u64,
    cut: &Cut,
    layout: &Layout,
    chunk: usize,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<PartFacts, SourceError> {
    let at_start = cut.offset == 0;
    let reader = TextReader::resume(part, layout.encoding, layout.encoding_name, at_start, chunk, len);
    let state = if at_start {
        TableState::default()
    } else {
        TableState {
            columns: Some(layout.columns.clone()),
            row: cut.rows_before,
            ..TableState::default()
        }
    };
    let (facts, state) = read_rows(reader, Some(layout.delimiter), state, emit)?;
    Ok(PartFacts {
        facts,
        rows: state.row - cut.rows_before,
        ended_inside: state.ended_inside,
    })
}

/// Row assembly over `csv_core`, which parses from borrowed input without copying it twice.
#[derive(Default)]
struct TableState {
    /// Single-cell rows at the top, held until it is known whether a header follows.
    held: Vec<String>,
    /// The row being finished is the header: not data.
    skip_next: bool,
    /// Field spans of the row being finished (reused).
    spans: Vec<(usize, usize)>,
    /// Bytes of the current record already handed out (see `hand_out_overlong`).
    dropped: usize,
    /// Some record was longer than `MAX_RECORD_BYTES`.
    overlong: bool,
    fields: Vec<u8>,
    ends: Vec<usize>,
    columns: Option<Vec<Arc<str>>>,
    /// The name shared by columns past `MAX_COLUMNS`.
    more_columns: Option<Arc<str>>,
    /// Data rows emitted so far (the last one's number).
    row: u64,
    /// Records csv_core returned, blank ones included.
    records: u64,
    /// The input ended inside a record (the final flush returned one).
    ended_inside: bool,
    /// `parse` returns just after the record that decides the header (`layout`).
    stop_when_decided: bool,
}

impl TableState {
    /// Parses complete records from `input`; returns how many bytes were consumed. At
    /// `eof`, the final partial record is flushed.
    fn parse(
        &mut self,
        parser: &mut csv_core::Reader,
        input: &[u8],
        eof: bool,
        emit: &mut dyn FnMut(Record<'_>),
    ) -> usize {
        use csv_core::ReadRecordResult as R;
        let mut pos = 0;
        let mut out = [0u8; 16 << 10];
        let mut ends = [0usize; 256];
        loop {
            let slice = &input[pos..];
            if slice.is_empty() && !eof {
                break;
            }
            let (res, nin, nout, nend) = parser.read_record(slice, &mut out, &mut ends);
            pos += nin;
            self.fields.extend_from_slice(&out[..nout]);
            // csv_core's field ends count from the start of the record, across calls; bytes
            // already handed out of an overlong record are subtracted.
            let dropped = self.dropped;
            self.ends.extend(ends[..nend].iter().map(|e| e - dropped));
            match res {
                R::InputEmpty if !eof => break,
                R::InputEmpty | R::OutputFull | R::OutputEndsFull => {}
                R::Record => {
                    self.records += 1;
                    let fields = std::mem::take(&mut self.fields);
                    self.finish_row(&fields, emit);
                    self.fields = fields;
                    self.fields.clear();
                    self.ends.clear();
                    self.dropped = 0;
                    if self.stop_when_decided && self.columns.is_some() {
                        break;
                    }
                }
                R::End => break,
            }
            if self.fields.len() > MAX_RECORD_BYTES {
                self.hand_out_overlong(emit);
            }
        }
        pos
    }

    /// A record past `MAX_RECORD_BYTES` (usually an unbalanced quote swallowing the rest of
    /// the file): its bytes so far are scanned as a row of their own, so memory stays bounded
    /// and nothing is skipped; the file gets a warning, since locations are then approximate.
    fn hand_out_overlong(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        // Cut before a character that may be incomplete.
        let mut cut = self.fields.len();
        while cut > 0 && (self.fields[cut - 1] & 0xC0) == 0x80 {
            cut -= 1;
        }
        cut = cut.saturating_sub(1).max(1);
        let tail = self.fields.split_off(cut);
        self.ends.retain(|&e| e < cut);
        self.ends.push(cut);
        let fields = std::mem::take(&mut self.fields);
        self.finish_row(&fields, emit);
        self.dropped += cut;
        self.fields = tail;
        self.ends.clear();
        self.overlong = true;
    }

    fn finish_row(&mut self, bytes: &[u8], emit: &mut dyn FnMut(Record<'_>)) {
        // Chunks are valid UTF-8 and csv_core only removes ASCII quotes and delimiters, so
        // the row is valid and field ends are character boundaries.
        let row = simdutf8::basic::from_utf8(bytes).unwrap_or("");
        if self.ends.len() == 1 && self.ends[0] == 0 {
            return; // blank line
        }
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        let mut start = 0;
        for &end in &self.ends {
            spans.push((start, end));
            start = end;
        }
        if self.columns.is_none() {
            self.decide_header(row, &spans, emit);
        }
        if self.columns.is_some() {
            self.emit_row(row, &spans, emit);
        }
        self.spans = spans;
    }

    /// Decides the columns from the first rows; the row itself is emitted by the caller when
    /// columns are set and it is not the header.
    fn decide_header(&mut self, row: &str, spans: &[(usize, usize)], emit: &mut dyn FnMut(Record<'_>)) {
        let first: Vec<&str> = spans.iter().map(|&(a, b)| row.get(a..b).unwrap_or("")).collect();
        if first.len() == 1 && self.held.len() < MAX_TITLE_ROWS {
            // Maybe a title line above the header: decide when a wider row comes.
            self.held.push(first[0].to_owned());
            return;
        }
        let header = looks_like_header(&first);
        if !self.held.is_empty() {
            if header {
                // Title lines, then the header: the titles are data of their own.
                self.columns = Some(column_names(None, 1));
                for title in std::mem::take(&mut self.held) {
                    self.emit_row(&title, &[(0, title.len())], emit);
                }
                self.columns = Some(column_names(Some(&first), first.len()));
                self.skip_next = true;
                return;
            }
            self.release_held(emit);
            return;
        }
        if header {
            self.columns = Some(column_names(Some(&first), first.len()));
            self.skip_next = true;
        } else {
            self.columns = Some(column_names(None, first.len()));
        }
    }

    /// Rows held as possible titles turned out to be a one-column file (or titles over
    /// unlabelled data): the usual first-row rule decides whether the first is its header.
    fn release_held(&mut self, emit: &mut dyn FnMut(Record<'_>)) {
        let held = std::mem::take(&mut self.held);
        let Some(first) = held.first() else { return };
        let header = looks_like_header(&[first.as_str()]);
        self.columns = Some(if header {
            column_names(Some(&[first.as_str()]), 1)
        } else {
            column_names(None, 1)
        });
        for row in &held[usize::from(header)..] {
            self.emit_row(row, &[(0, row.len())], emit);
        }
    }

    fn emit_row(&mut self, row: &str, spans: &[(usize, usize)], emit: &mut dyn FnMut(Record<'_>)) {
        if std::mem::take(&mut self.skip_next) {
            return; // the header row
        }
        let columns = self.columns.as_mut().expect("decided before rows are emitted");
        let named = spans.len().min(MAX_COLUMNS);
        if columns.len() < named {
            let from = columns.len();
            columns.extend((from..named).map(|i| Arc::from((i + 1).to_string())));
        }
        let more = self.more_columns.get_or_insert_with(|| Arc::from(MORE_COLUMNS));
        self.row += 1;
        for (index, &(a, b)) in spans.iter().enumerate() {
            let column = columns.get(index).unwrap_or(more);
            let text = row.get(a..b).unwrap_or("");
            if text.is_empty() {
                continue;
            }
            emit(Record {
                text,
                origin: Origin::Cell {
                    row: self.row,
                    index,
                    column,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str, chunk: usize) -> Vec<(u64, String, String)> {
        let bytes = text.as_bytes().to_vec();
        let reader = TextReader::new(Vec::new(), std::io::Cursor::new(bytes), chunk, u64::MAX);
        let mut out = Vec::new();
        read(reader, &mut |r| {
            if let Origin::Cell { row, column, .. } = r.origin {
                out.push((row, column.to_string(), r.text.to_string()));
            }
        })
        .unwrap();
        out
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter("\"x,y\";b\n\"1,2\";3\n"), b';');
    }

    #[test]
    fn header_rows_and_quoted_multiline_fields() {
        let t = "姓名,手机号,备注\n张三,13812345678,\"第一行\n第二行, 还有\"\n李四,13912345678,\n";
        let c = cells(t, 1 << 20);
        assert_eq!(c[1], (1, "手机号".into(), "13812345678".into()));
        assert_eq!(c[2], (1, "备注".into(), "第一行\n第二行, 还有".into()));
        assert_eq!(c[4], (2, "手机号".into(), "13912345678".into()));
        // Identical whatever the chunk size.
        assert_eq!(cells(t, 16), c);
    }

    #[test]
    fn title_lines_above_the_header() {
        let t = "天猫订单导出 店铺：优品生活\n导出时间 2024-04-01\n姓名,手机号\n张三,13812345678\n";
        let c = cells(t, 1 << 20);
        assert_eq!(c[0], (1, "1".into(), "天猫订单导出 店铺：优品生活".into()));
        assert_eq!(c[3], (3, "手机号".into(), "13812345678".into()));
        // A one-column file keeps its header.
        let c = cells(
            "手机号\n13812345678\n13912345678\n13712345678\n13612345678\n",
            1 << 20,
        );
        assert_eq!(c[0], (1, "手机号".into(), "13812345678".into()));
        assert_eq!(c.len(), 4);
        let c = cells("手机号\n13812345678\n", 1 << 20);
        assert_eq!(c, vec![(1, "手机号".into(), "13812345678".into())]);
    }

    #[test]
    fn an_unbalanced_quote_is_handed_out_in_bounded_pieces() {
        let mut text = String::from("name,phone\n\"x,13812345678\n");
        let line = "张三,13912345678,备注\n";
        while text.len() < 3 * MAX_RECORD_BYTES {
            text.push_str(line);
        }
        text.push_str("end,13712345678\n");
        let bytes = text.into_bytes();
        let reader = TextReader::new(Vec::new(), std::io::Cursor::new(bytes), 1 << 20, u64::MAX);
        let mut largest = 0;
        let mut phones = 0;
        let facts = read(reader, &mut |r| {
            largest = largest.max(r.text.len());
            phones += r.text.matches("13912345678").count();
        })
        .unwrap();
        assert!(largest <= MAX_RECORD_BYTES + (1 << 20), "{largest}");
        assert!(facts.warnings[0].message.contains("unbalanced quote"));
        assert_eq!(facts.warnings[0].kind, crate::error::ErrorKind::Corrupt);
        // Every line was scanned (a line cut at a piece boundary may lose one value).
        let lines = 3 * MAX_RECORD_BYTES / line.len();
        assert!(phones + 4 >= lines, "{phones} of {lines}");
    }

    #[test]
    fn a_first_row_of_values_is_not_a_header() {
        let c = cells("zhangsan@qq.com,王五\nlisi@163.com,赵六\n", 1 << 20);
        assert_eq!(c[0], (1, "1".into(), "zhangsan@qq.com".into()));
    }

    #[test]
    fn headerless_files_use_column_numbers() {
        let c = cells("13812345678,110105194912310021\n13912345678,x", 1 << 20);
        assert_eq!(c[0], (1, "1".into(), "13812345678".into()));
        assert_eq!(c[3], (2, "2".into(), "x".into()));
    }
}
