//! One input down every code path must give one answer (ripgrep's `SearcherTester`): the
//! number of worker threads and the size of the chunks text is read in must not change the
//! findings file (byte for byte) or the inventory (apart from `scanned_at` and
//! `totals.elapsed_seconds`).
//!
//! Text lines in these trees stay under 64 bytes, so `--chunk-size 64` never has to cut inside
//! a line of plain text (a value straddling such a cut may legitimately be missed). Structured
//! formats (CSV, JSON, NDJSON, SQL dumps) have no such excuse: their records must come out the
//! same however the bytes were chunked.

use crate::util::{scan_tree, strip_first_seen, with_id_check, with_luhn, Dir, Scan};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }

    fn mobile(&mut self) -> String {
        let seg = ["138", "139", "150", "186", "177", "199", "166", "135"];
        format!("{}{}", seg[(self.next() % 8) as usize], self.digits(8))
    }

    fn id(&mut self) -> String {
        let regions = ["110105", "330106", "440305", "310115"];
        let region = regions[(self.next() % 4) as usize];
        let year = 1960 + self.next() % 40;
        let month = 1 + self.next() % 12;
        let day = 1 + self.next() % 28;
        let seq = self.next() % 1000;
        with_id_check(&format!("{region}{year}{month:02}{day:02}{seq:03}"))
    }

    fn card(&mut self) -> String {
        with_luhn(&format!("622202{}", self.digits(12)))
    }
}

fn text_files(dir: &Dir, rng: &mut Lcg) {
    for i in 0..40 {
        let mut s = String::new();
        for j in 0..(3 + i % 7) {
            match j % 5 {
                0 => writeln!(s, "客户{j} 手机 {}", rng.mobile()),
                1 => writeln!(s, "身份证号：{}", rng.id()),
                2 => writeln!(s, "银行卡号 {}", rng.card()),
                3 => writeln!(s, "张三 {} z{j}@example.com", rng.mobile()),
                _ => writeln!(s, "备注：没有个人信息 订单号 {}", rng.digits(19)),
            }
            .unwrap();
        }
        dir.write(&format!("notes/n{i:02}.txt"), s);
    }
    let mut log = String::new();
    for i in 0..3000 {
        if i % 10 == 0 {
            writeln!(log, "2024-03-11 INFO user={} login", rng.mobile()).unwrap();
        } else {
            writeln!(log, "2024-03-11 DEBUG tick {i}").unwrap();
        }
    }
    dir.write("logs/app.log", log);
}

fn csv_files(dir: &Dir, rng: &mut Lcg) {
    let mut csv = String::from("姓名,手机号,身份证号,银行卡号,备注\n");
    for i in 0..400 {
        let note = if i % 7 == 0 {
            format!("\"多行备注\n第二行 手机 {}, 还有\"\"引号\"\"\"", rng.mobile())
        } else {
            String::new()
        };
        writeln!(csv, "客户{i},{},{},{},{note}", rng.mobile(), rng.id(), rng.card()).unwrap();
    }
    dir.write("exports/customers.csv", csv);
    let mut tsv = String::from("退款单号\t买家手机\t退款账户\n");
    for _ in 0..200 {
        writeln!(tsv, "{}\t{}\t{}", rng.digits(19), rng.mobile(), rng.card()).unwrap();
    }
    dir.write("exports/refunds.tsv", tsv);
}

fn json_files(dir: &Dir, rng: &mut Lcg) {
    let mut items = Vec::new();
    for i in 0..300 {
        items.push(serde_json::json!({
            "tid": rng.digits(19),
            "buyer": {"name": format!("客户{i}"), "receiver_mobile": rng.mobile(), "id_card": rng.id()},
            "memo": format!("请尽快发货，电话 {}", rng.mobile()),
        }));
    }
    let doc = serde_json::json!({"total": 300, "orders": items});
    dir.write("api/orders.json", serde_json::to_string_pretty(&doc).unwrap());
}

fn ndjson_files(dir: &Dir, rng: &mut Lcg) {
    let mut s = String::new();
    for i in 0..300 {
        let rec = serde_json::json!({
            "seq": i,
            "event": "order_created",
            "receiver": {"name": format!("客户{i}"), "mobile": rng.mobile(), "id_card": rng.id()},
            "memo": "please deliver between nine and six",
        });
        writeln!(s, "{rec}").unwrap();
    }
    dir.write("api/events.ndjson", s);
}

fn sql_files(dir: &Dir, rng: &mut Lcg) {
    let mut s = String::from(
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: crm\n\
         -- ------------------------------------------------------\n\
         DROP TABLE IF EXISTS `members`;\n\
         CREATE TABLE `members` (\n  `id` int NOT NULL,\n  `name` varchar(32) DEFAULT NULL,\n  `mobile` varchar(20) DEFAULT NULL,\n  `id_card` varchar(18) DEFAULT NULL,\n  `note` text\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
         LOCK TABLES `members` WRITE;\nINSERT INTO `members` VALUES ",
    );
    for i in 0..400 {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            "({i},'客户{i}','{}','{}','备注\\n手机 {}')",
            rng.mobile(),
            rng.id(),
            rng.mobile()
        )
        .unwrap();
    }
    s.push_str(";\nUNLOCK TABLES;\n");
    dir.write("db/crm.sql", s);
}

/// The inventory as JSON without the fields that may differ between runs.
fn comparable_inventory(scan: &Scan) -> Value {
    let mut v: Value = serde_json::from_str(&scan.inventory_text).expect("inventory JSON");
    let obj = v.as_object_mut().expect("inventory object");
    obj.remove("scanned_at").expect("scanned_at present");
    obj.get_mut("totals")
        .and_then(Value::as_object_mut)
        .expect("totals object")
        .remove("elapsed_seconds");
    strip_first_seen(&mut v);
    v
}

/// Panics with a readable difference unless both scans said the same.
fn assert_same(a: &Scan, b: &Scan, what: &str) {
    let mut report = String::new();
    if a.findings_text != b.findings_text {
        let la: BTreeSet<&str> = a.findings_text.lines().collect();
        let lb: BTreeSet<&str> = b.findings_text.lines().collect();
        writeln!(
            report,
            "findings differ ({} vs {} lines)",
            a.findings.len(),
            b.findings.len()
        )
        .unwrap();
        for l in la.difference(&lb).take(15) {
            writeln!(report, "  only in first:  {l}").unwrap();
        }
        for l in lb.difference(&la).take(15) {
            writeln!(report, "  only in second: {l}").unwrap();
        }
        if la == lb {
            writeln!(report, "  (same lines, different order)").unwrap();
        }
    }
    let (ia, ib) = (comparable_inventory(a), comparable_inventory(b));
    if ia != ib {
        writeln!(report, "inventories differ").unwrap();
        for key in ["roots", "tool", "totals", "skipped", "errors"] {
            if ia.get(key) != ib.get(key) {
                writeln!(
                    report,
                    "  {key}:\n    {}\n    {}",
                    ia.get(key).map(Value::to_string).unwrap_or_default(),
                    ib.get(key).map(Value::to_string).unwrap_or_default()
                )
                .unwrap();
            }
        }
        let files = |v: &Value| {
            v.get("files")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (fa, fb) = (files(&ia), files(&ib));
        if fa.len() != fb.len() {
            writeln!(report, "  files: {} vs {} entries", fa.len(), fb.len()).unwrap();
        }
        for (x, y) in fa.iter().zip(&fb) {
            if x != y {
                writeln!(report, "  file entry differs:\n    {x}\n    {y}").unwrap();
            }
        }
    }
    assert!(report.is_empty(), "{what}:\n{report}");
    assert!(
        !a.findings.is_empty(),
        "{what}: the tree produced no findings at all"
    );
}

#[test]
fn thread_count_does_not_change_output() {
    let dir = Dir::new();
    let mut rng = Lcg(7);
    dir.copy_fixtures("fixtures", &["text", "csv", "json", "ndjson", "sql"]);
    text_files(&dir, &mut rng);
    csv_files(&dir, &mut rng);
    json_files(&dir, &mut rng);
    ndjson_files(&dir, &mut rng);
    sql_files(&dir, &mut rng);
    let one = scan_tree(&dir, "j1", &["-j1"]);
    for threads in ["-j2", "-j8"] {
        let many = scan_tree(&dir, threads, &[threads]);
        assert_same(&one, &many, &format!("-j1 vs {threads}"));
    }
    assert!(one.inventory.files.len() >= 60);
    // Output order is by path, whatever finished first.
    let paths: Vec<&str> = one.findings.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "findings are not in path order");
}

fn chunk_case(build: &dyn Fn(&Dir, &mut Lcg), what: &str) {
    let dir = Dir::new();
    build(&dir, &mut Lcg(11));
    let default = scan_tree(&dir, "default", &["-j2"]);
    let tiny = scan_tree(&dir, "tiny", &["-j2", "--chunk-size", "64"]);
    assert_same(
        &default,
        &tiny,
        &format!("{what}: default chunks vs --chunk-size 64"),
    );
}

#[test]
fn chunk_size_does_not_change_text_output() {
    chunk_case(
        &|dir, rng| {
            dir.copy_fixtures("fixtures", &["text"]);
            text_files(dir, rng);
        },
        "text",
    );
}

#[test]
fn chunk_size_does_not_change_csv_output() {
    chunk_case(
        &|dir, rng| {
            dir.copy_fixtures("fixtures", &["csv"]);
            csv_files(dir, rng);
        },
        "csv",
    );
}

#[test]
fn chunk_size_does_not_change_json_output() {
    chunk_case(
        &|dir, rng| {
            dir.copy_fixtures("fixtures", &["json"]);
            json_files(dir, rng);
        },
        "json",
    );
}

#[test]
fn chunk_size_does_not_change_ndjson_output() {
    chunk_case(
        &|dir, rng| {
            dir.copy_fixtures("fixtures", &["ndjson"]);
            ndjson_files(dir, rng);
        },
        "ndjson",
    );
}

#[test]
fn chunk_size_does_not_change_sql_output() {
    chunk_case(
        &|dir, rng| {
            dir.copy_fixtures("fixtures", &["sql"]);
            sql_files(dir, rng);
        },
        "sql",
    );
}

/// A big export: more rows than three of the look-alike rule's windows (4,096 rows), with
/// multi-line quoted notes, a column of look-alike codes, and a value that can be placed
/// across a nominal cut.
/// The code of 0-based row `row` in a column of ID-shaped codes, most with a wrong check
/// digit (a look-alike column whose few valid ones are coincidences), except rows
/// 4,097-8,192, where all are valid, and the last 1,288 rows of the third window: too few to
/// outweigh the rest of that window, enough to outweigh it in a part that starts among them,
/// which is why parts start at window boundaries.
fn look_alike_code(rng: &mut Lcg, row: usize) -> String {
    let id = rng.id();
    if (4096..8192).contains(&row) || (11_000..12_288).contains(&row) {
        id
    } else {
        format!("{}{}", &id[..17], rng.next() % 10)
    }
}

/// Scans `dir` in parts of several sizes (and of `across` bytes, which puts a nominal cut
/// inside a value) at -j2 and -j8, each expected to say exactly what `whole` says.
fn assert_parts_say_what_one_reader_says(dir: &Dir, whole: &Scan, across: &str, what: &str) {
    for (split, threads) in [
        ("64K", "-j2"),
        ("100001", "-j2"),
        ("300K", "-j8"),
        (across, "-j2"),
    ] {
        let parts = scan_tree(dir, "parts", &[threads, "--reveal", "--split-size", split]);
        assert_same(
            whole,
            &parts,
            &format!("{what}: whole vs --split-size {split} {threads}"),
        );
    }
}

/// Where findings of `value` are: (row, column) of each.
fn locations_of<'a>(scan: &'a Scan, value: &str) -> Vec<(Option<u64>, Option<&'a str>)> {
    scan.findings
        .iter()
        .filter(|f| f.value.as_deref() == Some(value))
        .map(|f| (f.loc_u64("row"), f.loc_str("column")))
        .collect()
}

/// Reported values of each column named `name` in `file`'s entry.
fn column_hits(scan: &Scan, file: &str, name: &str) -> Vec<u64> {
    let entry = scan.inventory.file(file).expect("the file's entry");
    entry
        .columns
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.hits)
        .collect()
}

fn big_csv(rng: &mut Lcg, crlf: bool) -> (String, String) {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut csv = format!("订单号,收货人,手机号,身份证号,银行卡号,备用,备注{eol}");
    let mut marked = String::new();
    for i in 0..14_000 {
        let note = match i % 23 {
            0 => format!("\"多行备注{eol}第二行 手机 {}, 还有\"\"引号\"\"\"", rng.mobile()),
            5 => format!("\"联系 {} 或 {}\"", rng.mobile(), rng.mobile()),
            _ => String::new(),
        };
        let code = look_alike_code(rng, i);
        let phone = rng.mobile();
        if i == 9_000 {
            marked = phone.clone();
        }
        write!(
            csv,
            "{},客户{i},{phone},{},{},{code},{note}{eol}",
            rng.digits(19),
            rng.id(),
            rng.card()
        )
        .unwrap();
        if i % 1000 == 999 {
            csv.push_str(eol); // a blank line: no row
        }
    }
    (csv, marked)
}

/// Issue 11: a big delimited file read in parts side by side says exactly what one reader
/// from the start says, whatever the part size and thread count, including a value placed
/// across a nominal cut, CRLF line ends and GB18030.
#[test]
fn part_size_does_not_change_big_file_output() {
    for (crlf, gb18030) in [(false, false), (true, false), (false, true)] {
        let dir = Dir::new();
        let (csv, marked) = big_csv(&mut Lcg(23), crlf);
        let bytes = match gb18030 {
            true => encoding_rs::GB18030.encode(&csv).0.into_owned(),
            false => csv.clone().into_bytes(),
        };
        dir.write("exports/big.csv", &bytes);
        dir.write("exports/small.csv", "手机号\n13812345678\n");
        let whole = scan_tree(&dir, "whole", &["-j1", "--reveal", "--split-size", "0"]);
        // The first nominal cut falls inside the marked phone number.
        let header = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let at = bytes
            .windows(marked.len())
            .position(|w| w == marked.as_bytes())
            .unwrap();
        let across = (at + 5 - header).to_string();
        let what = format!("crlf {crlf}, gb18030 {gb18030}");
        assert_parts_say_what_one_reader_says(&dir, &whole, &across, &what);
        assert_eq!(
            locations_of(&whole, &marked),
            [(Some(9001), Some("手机号"))],
            "the marked phone, once, where it is"
        );
        let file = whole.inventory.file("exports/big.csv").expect("big.csv entry");
        assert!(file.findings > 30_000, "{} findings", file.findings);
        assert_eq!(
            file.encoding.as_deref(),
            Some(if gb18030 { "GB18030" } else { "UTF-8" })
        );
        assert!(whole.inventory.errors.is_empty(), "{:?}", whole.inventory.errors);
        assert_eq!(
            column_hits(&whole, "exports/big.csv", "备用"),
            [4096],
            "only the window of valid codes is reported"
        );
    }
}

/// Delimited files the planner cannot cut, or that are malformed, are read as one reader
/// reads them, with the same errors, whatever the part size.
#[test]
fn malformed_big_files_read_in_parts_say_what_one_reader_says() {
    let dir = Dir::new();
    // Doubled quotes past the 16 MiB a record may hold: read in pieces, never split.
    dir.write("quotes.csv", [&b"\"".repeat(34 << 20)[..], b"\""].concat());
    dir.write(
        "nul.csv",
        [
            &b"name,phone\n"[..],
            &b"a,b\n".repeat(20_000),
            b"x\x00y,13812345678\n",
            &[0u8; 1000],
            b",13912345679\n",
        ]
        .concat(),
    );
    dir.write(
        "stray.csv",
        [
            &b"h,phone\n"[..],
            &b"5'11\" tall,13812345678\n".repeat(30_000),
            &b"\"q\",13912345678\n".repeat(30_000),
        ]
        .concat(),
    );
    dir.write(
        "lone_cr.csv",
        [&b"h,phone\r"[..], &b"a,13812345678\r".repeat(30_000)].concat(),
    );
    dir.write("wide.csv", format!("{}\n", vec!["1"; 100_000].join(",")));
    let whole = scan_tree(&dir, "whole", &["-j2", "--split-size", "0"]);
    for split in ["1K", "64K"] {
        let parts = scan_tree(&dir, "parts", &["-j2", "--split-size", split]);
        assert_same(&whole, &parts, &format!("whole vs --split-size {split}"));
    }
    let errors: Vec<&str> = whole.inventory.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(errors, ["quotes.csv", "wide.csv"], "{:?}", whole.inventory.errors);
}

/// A dump of `orders` (extended INSERTs with strings holding `;`, `),(`, quotes and newlines,
/// and a look-alike column like `big_csv`'s), comments with phones between statements, a
/// second table, one-row INSERTs and a pg COPY block; and a phone placed in `orders`.
fn big_dump(rng: &mut Lcg) -> (String, String) {
    let mut sql = String::from("-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\n");
    sql += "CREATE TABLE `orders` (`id` bigint, `buyer` varchar(32), `mobile` varchar(20), `id_card` char(18), `spare` varchar(20), `note` text);\n";
    let mut marked = String::new();
    let mut row = 0;
    for statement in 0..90 {
        sql += "INSERT INTO `orders` VALUES ";
        for k in 0..150 {
            let code = look_alike_code(rng, row);
            let phone = rng.mobile();
            if row == 9_000 {
                marked = phone.clone();
            }
            let note = match row % 17 {
                0 => format!("'多行\\n备注;),(\n 联系 {} O\\'Neil'", rng.mobile()),
                3 => "NULL".to_string(),
                _ => "''".to_string(),
            };
            if k > 0 {
                sql.push(',');
            }
            write!(
                sql,
                "({row},'客户{row}','{phone}','{}','{code}',{note})",
                rng.id()
            )
            .unwrap();
            row += 1;
        }
        sql += ";\n";
        // Rows of another table end a window of `orders` (rows 1,951 and 8,101 start
        // new ones), in a whole read as in parts.
        if statement % 40 == 13 {
            writeln!(sql, "/* 备注 {}\n   第二行 {} */", rng.mobile(), rng.mobile()).unwrap();
            writeln!(
                sql,
                "INSERT INTO `refunds` VALUES (1,'{}'),(2,'{}');",
                rng.mobile(),
                rng.card()
            )
            .unwrap();
        }
    }
    for n in 0..3000 {
        writeln!(sql, "INSERT INTO `members` VALUES ({n},'{}');", rng.mobile()).unwrap();
    }
    sql += "COPY public.addresses (id, mobile, id_card) FROM stdin;\n";
    for n in 0..9000 {
        writeln!(sql, "{n}\t{}\t{}", rng.mobile(), rng.id()).unwrap();
    }
    sql += "\\.\n\n-- 导出完成 13812345678\n";
    (sql, marked)
}

/// Issue 11: a big SQL dump read in parts side by side says exactly what one reader from the
/// start says (rows numbered across parts, passthrough text in the same pieces, the
/// look-alike rule per window of a table's rows), whatever the part size and thread count.
#[test]
fn part_size_does_not_change_big_dump_output() {
    let dir = Dir::new();
    let (sql, marked) = big_dump(&mut Lcg(29));
    dir.write("db/big.sql", &sql);
    dir.write("db/small.sql", "INSERT INTO t VALUES (1,'13812345678');\n");
    let whole = scan_tree(&dir, "whole", &["-j1", "--reveal", "--split-size", "0"]);
    // A nominal cut inside the marked phone number: the cut moves to the next window.
    let across = (sql.find(&marked).unwrap() + 4).to_string();
    assert_parts_say_what_one_reader_says(&dir, &whole, &across, "dump");
    assert_eq!(
        locations_of(&whole, &marked),
        [(Some(9001), Some("mobile"))],
        "the marked phone, once, where it is"
    );
    let file = whole.inventory.file("db/big.sql").expect("big.sql entry");
    assert!(file.findings > 40_000, "{} findings", file.findings);
    assert_eq!(file.encoding.as_deref(), Some("UTF-8"));
    assert!(whole.inventory.errors.is_empty(), "{:?}", whole.inventory.errors);
    assert_eq!(
        column_hits(&whole, "db/big.sql", "spare"),
        [4096],
        "only the window of valid codes is reported"
    );
}
