//! Database dumps (mysqldump, pg_dump plain): every value is a record located by table,
//! row and column, without restoring a database. SQL the walker does not model is scanned
//! as plain text, so nothing is dropped.
//!
//! A big dump can be read in parts side by side (`plan`, `read_part`): the planner walks the
//! dump once without detectors and keeps the walker's state where rows of a table start a
//! new window of rows (the look-alike rule's unit, see `scan::columns`), and each part goes on
//! from such a state. A part reads its text in the chunks a whole read gets, so passthrough
//! text arrives in the same pieces and a part gives exactly the records of a whole read.

use super::split::{ReadAt, Section};
use super::sql_walk::{SqlEvent, SqlWalker, MAX_TABLES};
use super::text::{advance, count_chars, count_newlines};
use super::{FileFacts, Origin, Record, SourceError, TextReader};
use crate::error::{ErrorKind, Problem};
use encoding_rs::UTF_8;
use std::io::Read;

/// Reads `reader` as a SQL dump.
pub fn read<R: Read>(
    reader: TextReader<R>,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<FileFacts, SourceError> {
    let mut walk = Walk::new(SqlWalker::new(), (1, 1), 0);
    let encoding = reader.encoding();
    let lossy = walk.read(reader, 0, emit)?;
    let mut facts = walk.finish(emit);
    facts.encoding = Some(encoding);
    facts.lossy = lossy;
    Ok(facts)
}

/// Where a big dump may be cut: the start of a row whose table has a multiple of the
/// window's rows before it, with the walker's state there.
#[derive(Debug, Clone)]
pub struct SqlCut {
    pub offset: u64,
    /// Where the chunk of a whole read that holds `offset` ends: a part reads on from there
    /// in the chunks of a whole read.
    pub chunk_end: u64,
    line: u64,
    column: u64,
    walker: Box<SqlWalker>,
}

impl SqlCut {
    /// The start of the dump.
    pub fn start() -> Self {
        SqlCut {
            offset: 0,
            chunk_end: 0,
            line: 1,
            column: 1,
            walker: Box::new(SqlWalker::new()),
        }
    }
}

/// Walks a dump read whole by `reader` (built as `read` gets it) and hands `found` its cuts
/// in order: for k = 1, 2, ..., the first row start at or past k x `target` bytes (and past
/// the previous cut) where a window of `window` rows of its table begins. Stops when `found`
/// says so. Only plain UTF-8 is planned, because the cuts' offsets must be offsets in the
/// file: nothing is found in a dump in another encoding or with a BOM, and nothing from the
/// first chunk with an invalid byte on.
pub fn plan<R: Read>(
    mut reader: TextReader<R>,
    target: u64,
    window: u64,
    found: &mut dyn FnMut(SqlCut) -> bool,
) -> Result<(), SourceError> {
    if reader.encoding() != "UTF-8" || target == 0 {
        return Ok(());
    }
    let mut walker = SqlWalker::new();
    let mut next = target;
    let mut position = (1, 1);
    let ignore = &mut |_: SqlEvent<'_>| {};
    while let Some(chunk) = reader.next_chunk()? {
        if chunk.lossy {
            return Ok(());
        }
        let (text, offset) = (chunk.text, chunk.offset);
        let chunk_end = offset + text.len() as u64;
        let mut at = 0;
        while at < text.len() {
            if offset + (at as u64) < next {
                // Up to the next target, or the chunk's end, the walk need not stop.
                let to = usize::try_from(next - offset).map_or(text.len(), |t| super::floor_char(text, t));
                if to > at {
                    walker.feed(&text[at..to], ignore);
                    position = advance(&text.as_bytes()[at..to], position.0, position.1);
                    at = to;
                    continue;
                }
            }
            let used = walker.feed_to_window(&text[at..], window, ignore);
            position = advance(&text.as_bytes()[at..at + used], position.0, position.1);
            at += used;
            if at < text.len() {
                let cut = SqlCut {
                    offset: offset + at as u64,
                    chunk_end,
                    line: position.0,
                    column: position.1,
                    walker: Box::new(walker.clone()),
                };
                next = next.saturating_add(target);
                if !found(cut) {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

/// What a part of a dump gave besides its records.
#[derive(Debug)]
pub struct SqlPartFacts {
    pub facts: FileFacts,
    /// The part ended where the next one starts, in the state the planner saw there (always
    /// true for the last part). False means the file changed since it was planned.
    pub met: bool,
}

/// Reads the part from `cut` to `next` (None: to the end) of a dump of `size` bytes stored
/// in `source`, as `plan` planned it with chunks of `chunk` bytes. The records are those
/// `read` emits for the part, in order.
pub fn read_part<S: ReadAt + ?Sized>(
    source: &S,
    size: u64,
    cut: &SqlCut,
    next: Option<&SqlCut>,
    chunk: usize,
    emit: &mut dyn FnMut(Record<'_>),
) -> Result<SqlPartFacts, SourceError> {
    let end = next.map_or(size, |n| n.offset);
    // The rest of the whole read's chunk that holds the cut, as one chunk (a buffer for its
    // length holds it), then the whole read's chunks (the same size hint gives the same
    // buffer): passthrough text arrives in the same pieces.
    let turn = cut.chunk_end.clamp(cut.offset, end);
    let section = Section::new(source, cut.offset, turn);
    let first = TextReader::resume(section, UTF_8, "UTF-8", cut.offset == 0, chunk, turn - cut.offset);
    let rest = TextReader::resume(
        Section::new(source, turn, end),
        UTF_8,
        "UTF-8",
        turn == 0,
        chunk,
        size,
    );
    let mut walk = Walk::new((*cut.walker).clone(), (cut.line, cut.column), cut.offset);
    let mut lossy = walk.read(first, cut.offset, emit)?;
    lossy |= walk.read(rest, turn, emit)?;
    let (mut facts, met) = match next {
        Some(next) => (FileFacts::default(), walk.walker.same_place(&next.walker)),
        None => (walk.finish(emit), true),
    };
    facts.encoding = Some("UTF-8");
    facts.lossy = lossy;
    Ok(SqlPartFacts { facts, met })
}

/// A walk over a dump's text.
struct Walk {
    walker: SqlWalker,
    /// Line and column where the next chunk starts.
    start: (u64, u64),
    /// Offset where the text fed so far ends.
    end: u64,
}

impl Walk {
    /// A walk that goes on from `walker`, at `end` of the dump and (line, column) `start`.
    fn new(walker: SqlWalker, start: (u64, u64), end: u64) -> Self {
        Walk { walker, start, end }
    }

    /// Feeds every chunk of `reader`, whose text starts at offset `base` of the dump;
    /// returns whether bytes were not valid.
    fn read<R: Read>(
        &mut self,
        mut reader: TextReader<R>,
        base: u64,
        emit: &mut dyn FnMut(Record<'_>),
    ) -> Result<bool, SourceError> {
        while let Some(chunk) = reader.next_chunk()? {
            let offset = base + chunk.offset;
            let mut counter = Positions::new(chunk.text, offset, self.start);
            self.walker
                .feed(chunk.text, &mut |event| forward(event, &mut counter, emit));
            self.start = advance(chunk.text.as_bytes(), self.start.0, self.start.1);
            self.end = offset + chunk.text.len() as u64;
        }
        Ok(reader.lossy())
    }

    /// The end of the dump: what the walker still holds, and what it says about the dump.
    fn finish(&mut self, emit: &mut dyn FnMut(Record<'_>)) -> FileFacts {
        let mut facts = FileFacts::default();
        let mut counter = Positions::new("", self.end, self.start);
        if let Err(truncated) = self
            .walker
            .finish(&mut |event| forward(event, &mut counter, emit))
        {
            facts.warnings.push(Problem::of(&truncated));
        }
        if self.walker.forgotten_tables() > 0 {
            facts.warnings.push(Problem::new(
                ErrorKind::TooLarge,
                format!(
                    "more than {MAX_TABLES} tables: the rest were read without being remembered (a table whose rows are not together restarts its row numbers and may lose its column names)"
                ),
            ));
        }
        facts
    }
}

fn forward(event: SqlEvent<'_>, positions: &mut Positions<'_>, emit: &mut dyn FnMut(Record<'_>)) {
    match event {
        SqlEvent::Value(v) => emit(Record {
            text: v.text,
            origin: Origin::Table {
                table: v.table,
                row: v.row,
                column: v.column,
                key: &[],
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A dump with what a planner must step around: comments and `SET` lines, extended and
    /// one-row INSERTs, strings with `;`, `),(` and newlines, a pg COPY block, a second
    /// table between rows of the first, and passthrough text after the data.
    fn dump() -> String {
        let mut d = String::from("-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\n");
        d += "CREATE TABLE `orders` (`id` int, `phone` varchar(20), `note` text);\n";
        for stmt in 0..40 {
            d += "INSERT INTO `orders` VALUES ";
            let tuples: Vec<String> = (0..7)
                .map(|k| {
                    let n = stmt * 7 + k;
                    format!("({n},'1380013{n:04}','a\\'b;),(\nc {n}')")
                })
                .collect();
            d += &tuples.join(",");
            d += ";\n";
            if stmt % 6 == 2 {
                // Passthrough text over several lines, and a line longer than small chunks.
                d += "/* export note 13912345678\n  second line, 客户 13812345678, and more words\n  third line */\n";
                d += &format!("SELECT '{}';\n", "长".repeat(40));
            }
            if stmt % 9 == 4 {
                d += "-- 备注 contact 13912345678\nINSERT INTO `other` VALUES (1,'x'),(2,'y');\n";
            }
        }
        for n in 0..60 {
            d += &format!("INSERT INTO `single` VALUES ({n},'u{n}@example.com');\n");
        }
        d += "COPY public.members (id, mobile) FROM stdin;\n";
        for n in 0..90 {
            d += &format!("{n}\t1370000{n:04}\n");
        }
        d += "\\.\n\nSELECT 'trailing 13512345678';\n";
        d
    }

    /// The start and every cut `plan` finds.
    fn planned<R: Read>(reader: TextReader<R>, target: u64, window: u64) -> Vec<SqlCut> {
        let mut cuts = vec![SqlCut::start()];
        plan(reader, target, window, &mut |cut| {
            cuts.push(cut);
            true
        })
        .unwrap();
        cuts
    }

    fn owned(record: Record<'_>) -> String {
        format!("{:?}|{}", record.origin, record.text)
    }

    fn whole(text: &str, chunk: usize) -> (Vec<String>, FileFacts) {
        let mut records = Vec::new();
        let reader = TextReader::new(
            Vec::new(),
            Cursor::new(text.as_bytes().to_vec()),
            chunk,
            text.len() as u64,
        );
        let facts = read(reader, &mut |r| records.push(owned(r))).unwrap();
        (records, facts)
    }

    fn in_parts(
        text: &str,
        chunk: usize,
        target: u64,
        window: u64,
    ) -> (Vec<String>, Vec<SqlPartFacts>, usize) {
        let size = text.len() as u64;
        let reader = TextReader::new(Vec::new(), Cursor::new(text.as_bytes().to_vec()), chunk, size);
        let cuts = planned(reader, target, window);
        let mut records = Vec::new();
        let mut facts = Vec::new();
        for (k, cut) in cuts.iter().enumerate() {
            let emit = &mut |r: Record<'_>| records.push(owned(r));
            facts.push(read_part(text.as_bytes(), size, cut, cuts.get(k + 1), chunk, emit).unwrap());
        }
        (records, facts, cuts.len())
    }

    #[test]
    fn parts_give_the_records_of_a_whole_read() {
        let text = dump();
        for chunk in [64, 300, 4096, 1 << 20] {
            let (expected, whole_facts) = whole(&text, chunk);
            assert!(
                expected.iter().any(|r| r.contains("row: 280")),
                "the dump's last extended row"
            );
            for (target, window) in [(1, 1), (200, 3), (700, 7), (2000, 100), (5000, 16)] {
                let (records, facts, parts) = in_parts(&text, chunk, target, window);
                assert_eq!(
                    records, expected,
                    "chunk {chunk}, target {target}, window {window}"
                );
                assert!(
                    facts.iter().all(|f| f.met),
                    "every part ends where the next starts"
                );
                let last = &facts.last().unwrap().facts;
                assert_eq!(last.warnings.len(), whole_facts.warnings.len());
                assert!(parts >= 3, "chunk {chunk}, target {target}: {parts} parts");
            }
        }
        // No table has a window's rows past the start: nowhere to cut.
        let reader = TextReader::new(
            Vec::new(),
            Cursor::new(text.as_bytes().to_vec()),
            4096,
            text.len() as u64,
        );
        assert_eq!(planned(reader, 100, 4096).len(), 1);
    }

    #[test]
    fn cuts_fall_where_windows_of_rows_start() {
        let text = dump();
        let reader = TextReader::new(
            Vec::new(),
            Cursor::new(text.as_bytes().to_vec()),
            4096,
            text.len() as u64,
        );
        let cuts = planned(reader, 1, 7);
        assert_eq!(cuts[0].offset, 0);
        for cut in &cuts[1..] {
            let at = &text[cut.offset as usize..];
            // Just into a tuple of an INSERT, or at a line of the COPY block.
            let before = &text[..cut.offset as usize];
            assert!(before.ends_with('(') || before.ends_with('\n'), "{:?}", &at[..20]);
            let (line, _) = advance(&text.as_bytes()[..cut.offset as usize], 1, 1);
            assert_eq!(line, cut.line);
        }
        // 280 rows of `orders` in windows of 7: a cut before rows 8, 15, ... of it.
        let orders = cuts
            .iter()
            .filter(|c| text[..c.offset as usize].ends_with('('))
            .count();
        assert!(orders >= 39, "{orders}");
        let copy = cuts
            .iter()
            .filter(|c| text[..c.offset as usize].ends_with('\n'))
            .count();
        assert_eq!(copy, 12, "90 COPY rows in windows of 7");
    }

    #[test]
    fn a_dump_that_changed_after_planning_does_not_meet_its_next_part() {
        let text = dump();
        let size = text.len() as u64;
        let reader = TextReader::new(Vec::new(), Cursor::new(text.as_bytes().to_vec()), 4096, size);
        let cuts = planned(reader, 3000, 16);
        // Part 0 now sees a string opened where the file had a digit of its last tuple: it
        // does not end in the state the planner saw at the next cut.
        let end = cuts[1].offset;
        let mut changed = text.as_bytes()[..end as usize].to_vec();
        let digit = changed.iter().rposition(|&b| b.is_ascii_digit()).unwrap();
        changed[digit] = b'\'';
        let facts = read_part(&changed[..], end, &cuts[0], Some(&cuts[1]), 4096, &mut |_| {}).unwrap();
        assert!(!facts.met);
    }

    #[test]
    fn only_plain_utf8_is_planned() {
        let text = dump();
        let chinese = text.replace("note", "备注");
        let (gbk, _, _) = encoding_rs::GB18030.encode(&chinese);
        let reader = TextReader::new(Vec::new(), Cursor::new(gbk.into_owned()), 4096, u64::MAX);
        assert!(
            planned(reader, 100, 7).len() == 1,
            "GB18030 offsets are not the text's"
        );
        // Invalid bytes past the sniffed start: the cuts before their chunk are kept.
        let mut invalid = text.repeat(5).into_bytes();
        let bad = invalid.len() * 4 / 5;
        let bad = bad + invalid[bad..].iter().position(|&b| b == b'\n').unwrap();
        invalid.insert(bad, 0xFF);
        let size = invalid.len() as u64;
        let reader = TextReader::new(Vec::new(), Cursor::new(invalid), 4096, size);
        let cuts = planned(reader, 100, 7);
        assert!(cuts.len() > 10, "{} cuts", cuts.len());
        assert!(
            cuts.iter().all(|c| c.chunk_end <= bad as u64),
            "no cut in or past the invalid chunk"
        );
    }
}
