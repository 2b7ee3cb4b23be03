use super::*;

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
