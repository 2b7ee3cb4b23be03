use super::*;
use crate::source::delimited::{self, Layout, SPLIT_MAX_RECORD};
use crate::source::{Origin, TextReader, HEAD};
use std::sync::Arc;

/// SplitMix64, for generated files without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A generated CSV: optional title lines, a header (or none), rows of 2-4 cells with quoted
/// multi-line values, doubled quotes, empty quoted values, blank and `""` lines.
fn generated(seed: u64, rows: usize, crlf: bool) -> String {
    let mut rng = Rng(seed);
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if rng.below(3) == 0 {
        text.push_str(&format!(
            "天猫订单导出 店铺：优品生活{eol}导出时间 2024-04-01{eol}"
        ));
    }
    if rng.below(4) != 0 {
        text.push_str(&format!("姓名,手机号,备注,地址{eol}"));
    }
    for i in 0..rows {
        let width = [3, 3, 3, 2, 4, 1][rng.below(6)];
        let cells: Vec<String> = (0..width)
            .map(|_| match rng.below(12) {
                0 => format!("\"第一行{eol}第二行, 还有{eol}第三行\""),
                1 => "\"他说\"\"你好\"\"\"".to_owned(),
                2 => "\"\"".to_owned(),
                3 => String::new(),
                4 => format!("\"{eol}\""),
                5 => "\"a,b\"".to_owned(),
                6 => "张三".to_owned(),
                7 => format!("1381234{:04}", i % 10_000),
                8 => "\"\"\"\"".to_owned(),
                _ => format!("value {i}"),
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push_str(eol);
        match rng.below(20) {
            0 => text.push_str(eol),
            1 => text.push_str(&format!("\"\"{eol}")),
            _ => {}
        }
    }
    if rng.below(2) == 0 {
        text.truncate(text.len() - eol.len());
    }
    text
}

#[test]
fn summary_counts_both_start_states() {
    // From outside quotes: `x` ends a row, `"a\nb"` is one value, `""` is skipped, `d` a row.
    // From inside: the first quote closes a field and `b"` puts a quote mid-field.
    let piece = b"x\n\"a\nb\",c\n\"\"\nd\n";
    let summary = summarize(b"\n", piece, Some(b','));
    assert_eq!(summary.len, piece.len() as u64);
    assert_eq!(summary.newlines, 5);
    assert!(!summary.odd_quotes);
    assert!(summary.after_newline);
    let outside = summary.from[0];
    assert_eq!(outside.rows, 3);
    assert_eq!(
        outside.first,
        Some(NewlineAt {
            offset: 1,
            rows: 1,
            newlines: 1
        })
    );
    assert_eq!(outside.last_newline, Some(14));
    assert!(!outside.stray_quote);
    let inside = summary.from[1];
    assert!(inside.stray_quote);
    assert_eq!(
        inside.first,
        Some(NewlineAt {
            offset: 4,
            rows: 1,
            newlines: 2
        })
    );

    // Doubled quotes inside a field that started before the piece: only "inside" fits.
    let summary = summarize(b"\n\"ab", b"\"\"c\r\nd\",e\r\nf\r\n", Some(b','));
    assert!(summary.from[0].stray_quote);
    let inside = summary.from[1];
    assert!(!inside.stray_quote);
    assert_eq!(inside.rows, 2);
    assert_eq!(inside.first.map(|f| f.offset), Some(10));
    assert_eq!(summary.carriage_returns, 3);
    assert_eq!(summary.crlf, 3);
    assert!(summary.odd_quotes);

    // No newline at all: nowhere to cut, nothing ended.
    let summary = summarize(b"\n", b"abc,\"d", Some(b','));
    assert_eq!(summary.from[0].first, None);
    assert_eq!(summary.from[0].rows, 0);
    assert!(summary.odd_quotes);
}

#[test]
fn summaries_do_not_depend_on_how_the_piece_is_fed() {
    let text = generated(3, 60, true);
    let bytes = text.as_bytes();
    let whole_piece = summarize(&bytes[..4], &bytes[4..], Some(b','));
    for step in [1, 3, 63, 64, 65, 200] {
        let mut scanner = PieceScanner::new(&bytes[..4], Some(b','));
        for part in bytes[4..].chunks(step) {
            scanner.feed(part);
        }
        assert_eq!(scanner.finish(), whole_piece, "step {step}");
    }
}

/// Pieces of `len` bytes from `body` (as `plan` makes them), summarised and resolved.
fn cuts_of(bytes: &[u8], body: &Cut, len: usize, max_record: u64) -> Result<Vec<Cut>, Unsplittable> {
    let start = body.offset as usize;
    let pieces: Vec<Piece> = (start..bytes.len())
        .step_by(len)
        .map(|at| summarize(&bytes[..at], &bytes[at..bytes.len().min(at + len)], Some(b',')))
        .collect();
    let cuts = resolve(body, &pieces, max_record)?;
    assert_eq!(
        cuts,
        plan(
            bytes,
            bytes.len() as u64,
            body,
            len as u64,
            Some(b','),
            max_record
        )
        .unwrap()?
    );
    Ok(cuts)
}

#[test]
fn cuts_move_past_multiline_fields_and_land_on_record_boundaries() {
    let text = b"h\n\"1\n2\n3\n4\",a\nb\n\n\"\"\nc,d\n";
    let body = Cut {
        offset: 2,
        rows_before: 0,
        line: 2,
    };
    let cut = |offset, rows_before, line| Cut {
        offset,
        rows_before,
        line,
    };
    // Pieces start at 2, 6, 10, 14, 18, 22. Those at 6 and 10 are inside the quoted field:
    // both cut just past it, at 14 (one cut), where the piece at 14 starts exactly at a
    // record. The one at 18 is inside `""`: 20, after the blank and `""` lines (not rows).
    // The one at 22 would cut at the end of the file.
    assert_eq!(
        cuts_of(text, &body, 4, 64).unwrap(),
        vec![Cut::START, cut(14, 1, 6), cut(20, 2, 9)]
    );
    // A piece starting exactly at a record start is cut there.
    assert_eq!(
        cuts_of(text, &body, 12, 64).unwrap(),
        vec![Cut::START, cut(14, 1, 6)]
    );
    // Too long a record: not split.
    let long = [b"h\n".as_slice(), &[b'x'; 100], b"\nshort\n"].concat();
    let body = Cut {
        offset: 2,
        rows_before: 0,
        line: 2,
    };
    assert_eq!(cuts_of(&long, &body, 7, 64), Err(Unsplittable::LongRecord));
    assert!(cuts_of(&long, &body, 7, 101).is_ok());
    assert_eq!(cuts_of(&long[..90], &body, 7, 64), Err(Unsplittable::LongRecord));
}

// Reading the parts: what `delimited::read_part` emits from the cuts, against `read`.

/// One emitted cell: row, column index, column name, text.
type Cell = (u64, usize, String, String);

fn push_cell(out: &mut Vec<Cell>, record: crate::source::Record<'_>) {
    if let Origin::Cell { row, index, column } = record.origin {
        out.push((row, index, column.to_string(), record.text.to_owned()));
    }
}

/// What `read_text` would emit for the whole file.
fn whole(bytes: &[u8], chunk: usize) -> Vec<Cell> {
    let head = bytes[..bytes.len().min(HEAD)].to_vec();
    let rest = std::io::Cursor::new(bytes[head.len()..].to_vec());
    let reader = TextReader::new(head, rest, chunk, bytes.len() as u64);
    let mut out = Vec::new();
    delimited::read(reader, &mut |r| push_cell(&mut out, r)).unwrap();
    out
}

fn layout_of(bytes: &[u8], chunk: usize) -> Option<Layout> {
    let head = &bytes[..bytes.len().min(HEAD)];
    let rest = std::io::Cursor::new(bytes[head.len()..].to_vec());
    delimited::layout(head, rest, bytes.len() as u64, chunk).unwrap()
}

/// The file read part by part, as the scanner will: the cells of all parts in order, and
/// the cuts (aligned to windows of `window` rows). Every part must end at a record boundary
/// with the rows the plan said.
fn by_parts(bytes: &[u8], target: u64, window: u64, chunk: usize) -> Result<(Vec<Cell>, Vec<Cut>), String> {
    let layout = layout_of(bytes, chunk).ok_or("no layout")?;
    let size = bytes.len() as u64;
    let cuts = layout
        .plan(bytes, size, target, window)
        .unwrap()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (k, cut) in cuts.iter().enumerate() {
        let end = cuts.get(k + 1).map_or(size, |next| next.offset);
        let part = Section::new(bytes, cut.offset, end);
        let facts = delimited::read_part(part, end - cut.offset, cut, &layout, chunk, &mut |r| {
            push_cell(&mut out, r)
        })
        .unwrap();
        if let Some(next) = cuts.get(k + 1) {
            assert!(!facts.ended_inside, "part {k} at {cut:?} ends inside a record");
            assert_eq!(
                facts.rows,
                next.rows_before - cut.rows_before,
                "part {k} at {cut:?}"
            );
        } else {
            assert_eq!(facts.ended_inside, !bytes.ends_with(b"\n"));
        }
    }
    Ok((out, cuts))
}

/// The lines (1-based) and data rows before each cut, counted the slow way.
fn check_cut_lines(bytes: &[u8], cuts: &[Cut]) {
    for cut in cuts {
        let before = &bytes[..cut.offset as usize];
        assert_eq!(
            cut.line,
            1 + before.iter().filter(|&&b| b == b'\n').count() as u64
        );
        assert!(cut.offset == 0 || before.ends_with(b"\n"), "{cut:?}");
    }
}

fn assert_parts_equal_whole(bytes: &[u8], targets: &[u64], window: u64, chunk: usize) -> usize {
    let expected = whole(bytes, chunk);
    let mut cuts_seen = 0;
    for &target in targets {
        let (cells, cuts) =
            by_parts(bytes, target, window, chunk).unwrap_or_else(|e| panic!("target {target}: {e}"));
        check_cut_lines(bytes, &cuts);
        assert!(cuts.iter().all(|cut| cut.rows_before % window == 0), "{cuts:?}");
        assert_eq!(cells, expected, "target {target}, window {window}, cuts {cuts:?}");
        cuts_seen += cuts.len() - 1;
    }
    cuts_seen
}

#[test]
fn parts_emit_what_the_whole_file_emits() {
    for seed in 0..12 {
        for crlf in [false, true] {
            let text = generated(seed, 150, crlf);
            let cuts = assert_parts_equal_whole(text.as_bytes(), &[7, 64, 1000, 1 << 20], 1, 1 << 20);
            assert!(cuts > 100, "seed {seed}: only {cuts} cuts");
        }
    }
    // Small decoding chunks: records cut by chunk boundaries inside parts too.
    let text = generated(99, 80, true);
    assert_parts_equal_whole(text.as_bytes(), &[7, 333], 1, 16);
    assert_parts_equal_whole(text.as_bytes(), &[7, 333], 5, 16);
}

#[test]
fn gbk_and_bom_files_split_like_utf8() {
    for seed in 20..26 {
        let text = generated(seed, 120, seed % 2 == 0);
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable);
        let layout = layout_of(&gbk, 1 << 20).unwrap();
        assert_eq!(layout.encoding, encoding_rs::GB18030, "seed {seed}");
        assert_parts_equal_whole(&gbk, &[7, 64, 1000], 1, 1 << 20);
        assert_parts_equal_whole(&gbk, &[7, 64], 4, 1 << 20);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(layout_of(&bom, 1 << 20).unwrap().encoding_name, "UTF-8 (BOM)");
        assert_parts_equal_whole(&bom, &[7, 64, 1000], 1, 1 << 20);
    }
}

#[test]
fn utf16_and_undecided_headers_are_not_split() {
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "a,b\n1,2\n3,4\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    assert!(layout_of(&utf16, 1 << 20).is_none());
    // A file without a newline: the header is decided at its end, not on a line break.
    assert!(layout_of(b"name,phone,13812345678", 1 << 20).is_none());
    // Single cells only: title lines or a one-column file, undecided until the end.
    assert!(layout_of("手机号\n13812345678\n".as_bytes(), 1 << 20).is_none());
}

#[test]
fn the_layout_is_the_header_decision() {
    let text = "天猫订单导出\n导出时间 2024-04-01\n姓名,手机号\r\n张三,13812345678\n";
    let layout = layout_of(text.as_bytes(), 1 << 20).unwrap();
    let header_end = text.find("\r\n").unwrap() + 2;
    assert_eq!(
        layout.body,
        Cut {
            offset: header_end as u64,
            rows_before: 2,
            line: 4
        }
    );
    assert_eq!(
        layout.columns,
        vec![Arc::<str>::from("姓名"), Arc::from("手机号")]
    );
    assert_eq!(layout.delimiter, b',');
    // Without a header the first row is data, and the decision comes after it.
    let layout = layout_of(b"13812345678\t110105194912310021\nx\ty\n", 1 << 20).unwrap();
    assert_eq!(
        layout.body,
        Cut {
            offset: 31,
            rows_before: 1,
            line: 2
        }
    );
    assert_eq!(layout.delimiter, b'\t');
}

/// Random bytes from small alphabets: whatever the plan accepts must read identically, and
/// it must accept files with quoted values, not only files without quotes.
#[test]
fn random_bytes_split_correctly_or_not_at_all() {
    let alphabets: [&[&str]; 3] = [
        // Well formed: always split.
        &["a", ",", " ", "\n", "\r\n", "中"],
        // Quoted values: multi-line, doubled quotes, empty (and below, now and then a quote
        // alone somewhere).
        &[
            "a",
            ",",
            "\n",
            "\r\n",
            "中",
            ",\"a\"",
            ",\"a\nb\"",
            ",\"x\"\"y\"",
            "\n\"q\r\n\"",
            "\n\"\"",
        ],
        // Anything, a carriage return alone too.
        &["a", ",", "\"", "\n", "\r\n", "\r", "中", " ", "\"\""],
    ];
    let mut rng = Rng(7);
    let (mut accepted, mut accepted_quoted, mut refused) = (0, 0, 0);
    for _ in 0..600 {
        let alphabet = alphabets[rng.below(alphabets.len())];
        let mut text = String::from("name,phone\n");
        for _ in 0..1 + rng.below(120) {
            text.push_str(alphabet[rng.below(alphabet.len())]);
        }
        if rng.below(3) == 0 {
            let at = super::super::floor_char(&text, 11 + rng.below(text.len() - 10));
            text.insert(at, '"');
        }
        let bytes = text.as_bytes();
        let expected = whole(bytes, 1 << 20);
        // Windows of 2 rows too: cuts moved by the scanner's row rule must still read right.
        for (target, window) in [(1, 1), (5, 1), (17, 1), (1, 2)] {
            match by_parts(bytes, target, window, 1 << 20) {
                Ok((cells, cuts)) => {
                    check_cut_lines(bytes, &cuts);
                    assert!(cuts.iter().all(|cut| cut.rows_before % window == 0));
                    assert_eq!(
                        cells, expected,
                        "{text:?} target {target} window {window} cuts {cuts:?}"
                    );
                    accepted += 1;
                    accepted_quoted += usize::from(text.contains('"') && cuts.len() > 2);
                }
                Err(_) => refused += 1,
            }
        }
    }
    assert!(
        accepted > 500 && accepted_quoted > 100 && refused > 300,
        "{accepted} accepted ({accepted_quoted} with quotes), {refused} refused"
    );
}

#[test]
fn doubtful_files_are_not_split() {
    let refused = |text: &str| by_parts(text.as_bytes(), 4, 1, 1 << 20).map(|(_, cuts)| cuts);
    fn why<T>(e: Unsplittable) -> Result<T, String> {
        Err(e.to_string())
    }
    // A quote opened and never closed swallows the rest of the file.
    assert_eq!(
        refused("name,phone\n\"x,1\nb,2\nc,3\n"),
        why(Unsplittable::UnbalancedQuote)
    );
    // A quote inside an unquoted value is a character to csv-core, whatever the count.
    assert_eq!(
        refused("name,height\nzhang,5'11\"\nli,6'\"\nwang,\"5\"\n"),
        why(Unsplittable::StrayQuote)
    );
    assert_eq!(
        refused("name,note\nzhang,\"ab\"cd\"\nli,x\n"),
        why(Unsplittable::StrayQuote)
    );
    // A carriage return alone ends a record to csv-core.
    assert_eq!(
        refused("name,phone\nzhang,1\rli,2\nwang,3\n"),
        why(Unsplittable::LoneCarriageReturn)
    );
    // In GB18030 a `|` may end a character: a quoted value after it stops the split.
    let (gbk, _, _) =
        encoding_rs::GB18030.encode("姓名|手机号|地址\n张三|13812345678|\"北京\"\n李四|1|上海\n");
    let layout = layout_of(&gbk, 1 << 20).unwrap();
    assert_eq!(layout.split_delimiter(), None);
    assert_eq!(
        by_parts(&gbk, 4, 1, 1 << 20).map(|_| ()),
        why(Unsplittable::StrayQuote)
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode("姓名|手机号|地址\n张三|13812345678|北京\n李四|1|上海\n");
    assert_parts_equal_whole(&gbk, &[4], 1, 1 << 20);
    assert_parts_equal_whole(&gbk, &[4], 2, 1 << 20);
}

#[test]
fn a_file_after_the_header_without_newline_is_one_part() {
    let text = b"name,phone\nzhang,13812345678";
    let (cells, cuts) = by_parts(text, 3, 1, 1 << 20).unwrap();
    assert_eq!(cuts, vec![Cut::START]);
    assert_eq!(cells, whole(text, 1 << 20));
}

#[test]
fn a_plan_reads_a_file_by_positions() {
    let text = generated(5, 400, false);
    let mut file = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    let layout = layout_of(text.as_bytes(), 1 << 20).unwrap();
    let size = text.len() as u64;
    let from_file = layout.plan(&file, size, 512, 3).unwrap().unwrap();
    assert_eq!(
        from_file,
        layout.plan(text.as_bytes(), size, 512, 3).unwrap().unwrap()
    );
    assert!(from_file.len() > 4);
    let mut part = String::new();
    Section::new(&file, from_file[1].offset, from_file[2].offset)
        .read_to_string(&mut part)
        .unwrap();
    assert_eq!(
        part,
        text[from_file[1].offset as usize..from_file[2].offset as usize]
    );
    // Past the end of the source: an error, not a panic.
    assert!(Section::new(text.as_bytes(), size - 2, size + 5)
        .read_to_end(&mut Vec::new())
        .is_err());
    assert_eq!(SPLIT_MAX_RECORD, (16 << 20) / 3);
}

// Aligning the cuts to windows of rows.

#[test]
fn cuts_move_to_window_starts() {
    // Rows: `a` (1), the quoted two-line value (2), `b` (3), `c` (4); a blank line and a
    // `""` line between the second and third, none of them rows; CRLF throughout.
    let text = b"h\r\na\r\n\"1\r\n2\",x\r\n\r\n\"\"\r\nb\r\nc\r\n";
    let size = text.len() as u64;
    let cut = |offset, rows_before, line| Cut {
        offset,
        rows_before,
        line,
    };
    // Every record start after the header.
    let cuts = [
        Cut::START,
        cut(6, 1, 3),
        cut(16, 2, 5),
        cut(18, 2, 6),
        cut(22, 2, 7),
        cut(25, 3, 8),
    ];
    let align = |window| align(text.as_slice(), size, &cuts, window, Some(b',')).unwrap();
    assert_eq!(align(1), cuts);
    assert_eq!(align(0), cuts);
    // The cut at 6 moves past the quoted value to 16; those at 16, 18 and 22 start a window
    // already (parts of a blank line hold no rows); the one at 25 would move to the end.
    assert_eq!(
        align(2),
        vec![Cut::START, cut(16, 2, 5), cut(18, 2, 6), cut(22, 2, 7)]
    );
    // All move to 25, which starts a window: one cut.
    assert_eq!(align(3), vec![Cut::START, cut(25, 3, 8)]);
    // Row 4 ends the file, and no window ends in it.
    assert_eq!(align(4), vec![Cut::START]);
    assert_eq!(align(1 << 40), vec![Cut::START]);
    // The same over a plan.
    let body = cut(3, 0, 2);
    assert_eq!(
        plan(text.as_slice(), size, &body, 1, Some(b','), 64)
            .unwrap()
            .unwrap(),
        cuts
    );
}

/// Every record start from `body` on with the data rows before it, the slow way: the
/// offsets after a newline where a one-thread read of the file up to there ends outside a
/// record, and the rows it read.
fn record_starts(bytes: &[u8], layout: &Layout) -> Vec<Cut> {
    let mut starts = Vec::new();
    for end in layout.body.offset as usize..bytes.len() {
        if end > 0 && bytes[end - 1] != b'\n' {
            continue;
        }
        let part = Section::new(bytes, 0, end as u64);
        let facts =
            delimited::read_part(part, end as u64, &Cut::START, layout, 1 << 20, &mut |_| {}).unwrap();
        if !facts.ended_inside {
            starts.push(Cut {
                offset: end as u64,
                rows_before: facts.rows,
                line: 1 + bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64,
            });
        }
    }
    starts
}

#[test]
fn aligned_cuts_are_the_first_window_starts_after_the_plan() {
    let mut moved = 0;
    for seed in 0..8 {
        for crlf in [false, true] {
            let text = generated(seed + 40, 120, crlf);
            let bytes = text.as_bytes();
            let size = bytes.len() as u64;
            let layout = layout_of(bytes, 1 << 20).unwrap();
            let starts = record_starts(bytes, &layout);
            for target in [7, 100, 1000] {
                let cuts = layout.plan(bytes, size, target, 1).unwrap().unwrap();
                for window in [1, 2, 3, 16, 64, 100_000] {
                    let aligned = layout.plan(bytes, size, target, window).unwrap().unwrap();
                    // Each cut moves to the first record start at or after it that starts a
                    // window, before the end of the file; cuts moving to the same place
                    // make one.
                    let mut expected = vec![Cut::START];
                    for cut in &cuts[1..] {
                        let to = starts
                            .iter()
                            .find(|s| s.offset >= cut.offset && s.rows_before % window == 0);
                        if let Some(&to) = to.filter(|to| to.offset < size) {
                            if expected.last() != Some(&to) {
                                expected.push(to);
                            }
                        }
                    }
                    assert_eq!(aligned, expected, "seed {seed} target {target} window {window}");
                    moved += aligned.iter().filter(|cut| !cuts.contains(cut)).count();
                    if window == 1 {
                        assert_eq!(aligned, cuts);
                    }
                    if window == 100_000 {
                        assert_eq!(aligned, vec![Cut::START]);
                    }
                }
            }
            for window in [2, 7, 30] {
                assert_parts_equal_whole(bytes, &[7, 100], window, 1 << 20);
            }
        }
    }
    assert!(moved > 500, "only {moved} cuts moved");
}

/// Windows longer than a read block: the scan for a window's end reads on, block after
/// block, and lands where short scans from nearer cuts do.
#[test]
fn windows_longer_than_a_read_block() {
    let text = generated(77, 120_000, true);
    let bytes = text.as_bytes();
    let size = bytes.len() as u64;
    let window = 50_000;
    let (cells, cuts) = by_parts(bytes, 1 << 18, window, 1 << 20).unwrap();
    check_cut_lines(bytes, &cuts);
    let rows: Vec<u64> = cuts.iter().map(|cut| cut.rows_before).collect();
    assert_eq!(rows, [0, window, 2 * window]);
    assert_eq!(cells, whole(bytes, 1 << 20));
    // From the first cut of the plan alone, a megabyte or more before either window start.
    let layout = layout_of(bytes, 1 << 20).unwrap();
    let first = &layout.plan(bytes, size, 1 << 18, 1).unwrap().unwrap()[..2];
    for (window, to) in [(window, cuts[1]), (2 * window, cuts[2])] {
        assert!(to.offset - first[1].offset > READ as u64);
        assert_eq!(
            align(bytes, size, first, window, Some(b',')).unwrap(),
            [Cut::START, to]
        );
    }
}
