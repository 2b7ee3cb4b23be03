//! The output contract (`../shared/findings-contract.md`), checked from the outside: outputs
//! are parsed into this module's own serde types (unknown fields allowed: the contract grows
//! by addition), location shapes are checked per source kind, inventory totals must agree
//! with the findings, and exit statuses and `--help` behave as documented.

use crate::util::{parse_findings, pimap, read_inventory_json, scan_tree, Dir};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

// ------------------------------------------------------------------------------------------
// The contract, mirrored.

#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
enum Category {
    NationalId,
    Phone,
    BankCard,
    Address,
    Email,
    Passport,
    Name,
    Other,
}

const CATEGORIES: [&str; 8] = [
    "national_id",
    "phone",
    "bank_card",
    "address",
    "email",
    "passport",
    "name",
    "other",
];

/// Location shapes by source kind. Order matters for `untagged`: the shapes with more
/// required fields come first.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(untagged)]
enum Location {
    Text { line: u64, column: u64, offset: u64 },
    Table { table: String, row: u64, column: String },
    Row { row: u64, column: String },
    Sheet { sheet: String, cell: String },
    Pointer { pointer: String },
}

#[derive(Debug, Deserialize)]
struct Finding {
    path: String,
    detector: String,
    category: Category,
    confidence: f64,
    location: Location,
    masked: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Inventory {
    schema: String,
    scanned_at: String,
    roots: Vec<String>,
    totals: Totals,
    files: Vec<FileEntry>,
    errors: Vec<ErrorEntry>,
}

#[derive(Debug, Deserialize)]
struct Totals {
    files: u64,
    bytes: u64,
    files_with_findings: u64,
    findings: u64,
    by_category: BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
struct FileEntry {
    path: String,
    size: u64,
    modified: String,
    format: String,
    findings: u64,
    by_detector: BTreeMap<String, u64>,
    columns: Vec<ColumnEntry>,
}

#[derive(Debug, Deserialize)]
struct ColumnEntry {
    name: String,
    detector: String,
    hits: u64,
    rows: u64,
}

#[derive(Debug, Deserialize)]
struct ErrorEntry {
    path: String,
    error: String,
    /// Added: absent in inventories written before it.
    #[serde(default)]
    kind: Option<String>,
}

/// The values of an error entry's `kind` (docs/inventory.md).
const ERROR_KINDS: [&str; 11] = [
    "io",
    "permission",
    "not_found",
    "corrupt",
    "encrypted",
    "too_large",
    "bomb",
    "encoding",
    "truncated",
    "unsupported",
    "internal",
];

// ------------------------------------------------------------------------------------------
// Helpers.

fn is_snake_case(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

#[track_caller]
fn parse_contract_findings(text: &str) -> Vec<Finding> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("finding does not follow the contract ({e}): {l}"))
        })
        .collect()
}

/// One file of each kind the scanner reads, each holding a phone, an ID and an e-mail.
fn mixed_tree(dir: &Dir) {
    dir.write(
        "notes.txt",
        "客户张伟 手机：13812345678\n身份证号:11010519491231002X\n邮箱 zhang.wei@example.com\n",
    );
    dir.write(
        "exports/orders.csv",
        "姓名,手机号,身份证号,邮箱\n张伟,13812345678,11010519491231002X,zhang.wei@example.com\n李娜,13912345678,,li.na@example.cn\n",
    );
    dir.write(
        "api/orders.json",
        r#"{"orders":[{"buyer":{"phone":"13812345678","id_card":"11010519491231002X","email":"zhang.wei@example.com"}}]}"#,
    );
    dir.write(
        "api/events.ndjson",
        "{\"user\":{\"mobile\":\"13812345678\"}}\n{\"user\":{\"email\":\"li.na@example.cn\"}}\n",
    );
    dir.write("empty/nothing.txt", "没有个人信息\n");
}

/// A tiny mysqldump with one table.
const DUMP: &str = "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n\
--\n\
-- Host: localhost    Database: shop\n\
-- ------------------------------------------------------\n\
DROP TABLE IF EXISTS `customers`;\n\
CREATE TABLE `customers` (\n  `id` int NOT NULL,\n  `mobile` varchar(20) DEFAULT NULL,\n  `id_card` varchar(18) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\
LOCK TABLES `customers` WRITE;\n\
INSERT INTO `customers` VALUES (1,'13812345678','11010519491231002X'),(2,'13912345678',NULL);\n\
UNLOCK TABLES;\n";

/// Scans a tree holding one file and returns its findings, checked against the contract.
fn findings_of_single_file(rel: &str, contents: &str) -> Vec<Finding> {
    let dir = Dir::new();
    dir.write(rel, contents);
    let scan = scan_tree(&dir, "single", &[]);
    let findings = parse_contract_findings(&scan.findings_text);
    assert!(!findings.is_empty(), "no findings in {rel}:\n{}", scan.describe());
    for f in &findings {
        assert_eq!(f.path, rel, "path must be relative to the scanned root");
    }
    findings
}

// ------------------------------------------------------------------------------------------
// Findings.

#[test]
fn findings_have_contract_fields_and_types() {
    let dir = Dir::new();
    mixed_tree(&dir);
    let scan = scan_tree(&dir, "mixed", &[]);
    scan.output.expect_code(0);
    let findings = parse_contract_findings(&scan.findings_text);
    assert!(findings.len() >= 10, "too few findings:\n{}", scan.describe());
    for (line, f) in scan.findings_text.lines().zip(&findings) {
        let raw: Value = serde_json::from_str(line).unwrap();
        for key in ["path", "detector", "category", "confidence", "location", "masked"] {
            assert!(raw.get(key).is_some(), "{key} missing: {line}");
        }
        assert!(
            raw.get("value").is_none(),
            "value present without --reveal: {line}"
        );
        assert!(f.value.is_none());
        assert!(is_snake_case(&f.detector), "detector id {:?}", f.detector);
        assert!((0.0..=1.0).contains(&f.confidence), "confidence {}", f.confidence);
        assert!(!f.path.is_empty() && !f.path.starts_with('/'), "{line}");
        assert!(f.masked.contains('*'), "masked value hides nothing: {line}");
        let expected_category = match f.detector.as_str() {
            "cn_resident_id" => Some(Category::NationalId),
            "cn_mobile" | "cn_landline" => Some(Category::Phone),
            "bank_card" => Some(Category::BankCard),
            "cn_address" => Some(Category::Address),
            "email" => Some(Category::Email),
            _ => None,
        };
        if let Some(c) = expected_category {
            assert_eq!(f.category, c, "core detector with the wrong category: {line}");
        }
    }
    // The contract's own examples of masking.
    let masks: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.detector.as_str(), f.masked.as_str()))
        .collect();
    assert!(
        masks.contains(&("cn_resident_id", "110105********002X")),
        "{masks:?}"
    );
    assert!(masks.contains(&("cn_mobile", "138****5678")), "{masks:?}");
    assert!(masks.contains(&("email", "z***@example.com")), "{masks:?}");
}

#[test]
fn reveal_adds_normalized_value() {
    let dir = Dir::new();
    dir.write(
        "forms.txt",
        "身份证 1101 0519 4912 3100 2x\n手机 138-1234-5678\n电话 １３９１２３４５６７８\n",
    );
    let scan = scan_tree(&dir, "reveal", &["--reveal"]);
    let findings = parse_contract_findings(&scan.findings_text);
    let values: Vec<&str> = findings
        .iter()
        .map(|f| f.value.as_deref().expect("value with --reveal"))
        .collect();
    assert_eq!(
        values,
        ["11010519491231002X", "13812345678", "13912345678"],
        "values must be normalized (no separators, upper-case X, ASCII digits)"
    );
}

#[test]
fn text_location_shape() {
    let text = "第一行\n客户 张伟 手机 13812345678\n";
    let findings = findings_of_single_file("notes.txt", text);
    assert_eq!(findings.len(), 2, "the name after 客户 and the phone");
    for (f, (column, at)) in findings.iter().zip([(4, "张伟"), (10, "138")]) {
        match f.location {
            Location::Text {
                line,
                column: c,
                offset,
            } => {
                assert_eq!((line, c), (2, column), "1-based line, 1-based character column");
                assert_eq!(offset as usize, text.find(at).unwrap(), "0-based byte offset");
            }
            ref other => panic!("text file, location {other:?}"),
        }
    }
}

#[test]
fn csv_location_shape() {
    let text = "姓名,手机号\n张伟,13812345678\n李娜,13912345678\n";
    let findings = findings_of_single_file("orders.csv", text);
    let locs: Vec<&Location> = findings.iter().map(|f| &f.location).collect();
    assert_eq!(
        locs,
        [
            &Location::Row {
                row: 1,
                column: "姓名".into()
            },
            &Location::Row {
                row: 1,
                column: "手机号".into()
            },
            &Location::Row {
                row: 2,
                column: "姓名".into()
            },
            &Location::Row {
                row: 2,
                column: "手机号".into()
            }
        ],
        "CSV: 1-based data row (header not counted) and header name"
    );
}

#[test]
fn tsv_without_header_location_shape() {
    let text = "张伟\t13812345678\n李娜\t13912345678\n";
    let findings = findings_of_single_file("list.tsv", text);
    let locs: Vec<&Location> = findings.iter().map(|f| &f.location).collect();
    assert_eq!(
        locs,
        [
            &Location::Row {
                row: 1,
                column: "2".into()
            },
            &Location::Row {
                row: 2,
                column: "2".into()
            }
        ],
        "delimited without header: the 1-based column index"
    );
}

#[test]
fn json_location_shape() {
    let text = r#"{"orders":[{"buyer":{"phone":"13812345678"}},{"buyer":{"phone":"13912345678"}}]}"#;
    let findings = findings_of_single_file("api.json", text);
    let locs: Vec<&Location> = findings.iter().map(|f| &f.location).collect();
    assert_eq!(
        locs,
        [
            &Location::Pointer {
                pointer: "/orders/0/buyer/phone".into()
            },
            &Location::Pointer {
                pointer: "/orders/1/buyer/phone".into()
            }
        ]
    );
}

#[test]
fn ndjson_location_shape() {
    let text = "{\"user\":{\"mobile\":\"13812345678\"}}\n{\"user\":{\"mobile\":\"13912345678\"}}\n";
    let findings = findings_of_single_file("events.ndjson", text);
    for f in &findings {
        assert_eq!(
            f.location,
            Location::Pointer {
                pointer: "/user/mobile".into()
            }
        );
    }
    assert_eq!(findings.len(), 2);
}

#[test]
fn sql_dump_location_shape() {
    let findings = findings_of_single_file("shop_backup.sql", DUMP);
    let locs: Vec<(&str, &Location)> = findings
        .iter()
        .map(|f| (f.detector.as_str(), &f.location))
        .collect();
    let table = |row, column: &str| Location::Table {
        table: "customers".into(),
        row,
        column: column.into(),
    };
    assert_eq!(
        locs,
        [
            ("cn_mobile", &table(1, "mobile")),
            ("cn_resident_id", &table(1, "id_card")),
            ("cn_mobile", &table(2, "mobile")),
        ],
        "database dump: {{table, row, column}}"
    );
}

#[test]
fn paths_are_relative_to_each_root() {
    let dir = Dir::new();
    dir.write("a/b/deep.txt", "手机 13812345678\n");
    let scan = scan_tree(&dir, "paths", &[]);
    assert_eq!(scan.findings.len(), 1, "{}", scan.describe());
    assert_eq!(scan.findings[0].path, "a/b/deep.txt");
    assert_eq!(scan.inventory.files[0].path, "a/b/deep.txt");
    assert_eq!(scan.inventory.roots, [dir.root().to_string_lossy().into_owned()]);
}

#[test]
fn findings_to_stdout_and_to_file_are_identical() {
    let dir = Dir::new();
    mixed_tree(&dir);
    let file = dir.out("f.jsonl");
    let to_file = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--findings")
        .arg(&file)
        .arg("-q")
        .run();
    to_file.expect_code(0);
    assert!(
        to_file.stdout.is_empty(),
        "stdout must stay empty with --findings FILE"
    );
    let to_stdout = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--findings", "-", "-q"])
        .run();
    to_stdout.expect_code(0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), to_stdout.stdout_str());
    assert!(!parse_findings(&to_stdout.stdout_str()).is_empty());
}

// ------------------------------------------------------------------------------------------
// Inventory.

#[test]
fn inventory_has_contract_fields_and_types() {
    let dir = Dir::new();
    mixed_tree(&dir);
    let scan = scan_tree(&dir, "inv", &[]);
    let inv: Inventory = serde_json::from_str(&scan.inventory_text)
        .unwrap_or_else(|e| panic!("inventory does not follow the contract ({e})"));
    assert_eq!(inv.schema, "pimap.inventory/2");
    assert!(is_rfc3339(&inv.scanned_at), "scanned_at {:?}", inv.scanned_at);
    assert_eq!(inv.roots, [dir.root().to_string_lossy().into_owned()]);
    for key in inv.totals.by_category.keys() {
        assert!(CATEGORIES.contains(&key.as_str()), "by_category key {key:?}");
    }
    assert_eq!(inv.files.len(), 5, "{}", scan.describe());
    for f in &inv.files {
        assert!(is_rfc3339(&f.modified), "modified {:?}", f.modified);
        assert!(!f.format.is_empty());
        let on_disk = std::fs::metadata(dir.path(&f.path)).unwrap().len();
        assert_eq!(f.size, on_disk, "size of {}", f.path);
        for (d, n) in &f.by_detector {
            assert!(is_snake_case(d) && *n > 0, "by_detector {d}: {n}");
        }
        for c in &f.columns {
            assert!(!c.name.is_empty() && is_snake_case(&c.detector));
            assert!(c.hits >= 1 && c.hits <= c.rows, "column {c:?}");
        }
    }
    assert_eq!(
        inv.files
            .iter()
            .find(|f| f.path == "exports/orders.csv")
            .unwrap()
            .format,
        "csv"
    );
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    // An error entry has the contract's two fields.
    let bad = Dir::new();
    bad.write("ok.txt", "手机 13812345678\n");
    #[cfg(unix)]
    bad.symlink("missing-target.txt", "dangling.txt");
    #[cfg(unix)]
    {
        let scan = scan_tree(&bad, "bad", &["--follow"]);
        let inv: Inventory = serde_json::from_str(&scan.inventory_text).unwrap();
        let e: &ErrorEntry = inv
            .errors
            .iter()
            .find(|e| e.path == "dangling.txt")
            .unwrap_or_else(|| panic!("no error entry:\n{}", scan.describe()));
        assert!(!e.error.is_empty());
        assert_eq!(e.kind.as_deref(), Some("not_found"), "{e:?}");
    }
}

#[test]
fn every_error_entry_has_a_documented_kind() {
    let dir = Dir::new();
    dir.write("ok.txt", "手机 13812345678\n");
    dir.write("broken.json", "{\"phone\": oops}");
    let mut bad = "客户资料\n手机 13812345678\n".as_bytes().to_vec();
    bad.extend_from_slice(b"broken \xff\xfe\xc3( bytes\n");
    dir.write("bad.txt", bad);
    dir.write(
        "cut.csv.gz",
        [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4B],
    );
    dir.write("backup.zip", b"7z\xBC\xAF\x27\x1C\x00\x04 rest of a 7z");
    let scan = scan_tree(&dir, "kinds", &[]);
    let inv: Inventory = serde_json::from_str(&scan.inventory_text).unwrap();
    assert_eq!(inv.errors.len(), 4, "{}", scan.describe());
    for e in &inv.errors {
        let kind = e.kind.as_deref().unwrap_or_else(|| panic!("no kind: {e:?}"));
        assert!(ERROR_KINDS.contains(&kind), "undocumented kind {kind:?}: {e:?}");
        assert!(!e.path.is_empty() && !e.error.is_empty(), "{e:?}");
    }
}

/// An inventory as pimap wrote it before error kinds: `kind` removed from every entry.
/// One entry gets a kind from the future instead, which must read as unknown, not fail.
fn without_kinds(inventory: &str) -> String {
    let mut value: Value = serde_json::from_str(inventory).unwrap();
    let errors = value["errors"].as_array_mut().expect("errors");
    assert!(errors.len() >= 2, "the scan should have had errors: {errors:?}");
    for e in errors.iter_mut() {
        e.as_object_mut().unwrap().remove("kind");
    }
    errors[0]["kind"] = Value::from("from_a_later_version");
    serde_json::to_string(&value).unwrap()
}

#[test]
fn inventories_without_error_kinds_are_still_read() {
    const KEY: &str = "contract-test-key-0123456789abcdef";
    let dir = Dir::new();
    dir.write("ok.csv", "手机号\n13812345678\n");
    dir.write("broken.json", "{\"phone\": oops 13912345678}");
    dir.write(
        "cut.csv.gz",
        [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4B],
    );
    let written = dir.out("with-kinds.json");
    pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "--fingerprints", "-o"])
        .arg(&written)
        .env("PIMAP_KEY", KEY)
        .run()
        .expect_code(1);
    let old = dir.out("old.json");
    std::fs::write(&old, without_kinds(&std::fs::read_to_string(&written).unwrap())).unwrap();

    for format in ["html", "csv", "md"] {
        let out = pimap()
            .args(["report", "--format", format, "-o"])
            .arg(dir.out(&format!("old.{format}")))
            .arg(&old)
            .run();
        out.expect_code(0);
    }
    pimap().arg("diff").arg(&old).arg(&written).run().expect_code(0);
    pimap()
        .arg("diff")
        .arg(&written)
        .arg(&old)
        .arg("--json")
        .run()
        .expect_code(0);
    let located = pimap()
        .args(["locate", "--inventory"])
        .arg(&old)
        .arg("13812345678")
        .env("PIMAP_KEY", KEY)
        .run();
    located.expect_code(0);
    assert!(
        located.stdout_str().contains("ok.csv"),
        "{}",
        located.stdout_str()
    );
    let refreshed = dir.out("refreshed.json");
    pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "--fingerprints", "--baseline"])
        .arg(&old)
        .arg("-o")
        .arg(&refreshed)
        .env("PIMAP_KEY", KEY)
        .run()
        .expect_code(1);
    // The files with errors are read again, so their entries have kinds again.
    let inv: Inventory = serde_json::from_value(read_inventory_json(&refreshed)).unwrap();
    assert!(!inv.errors.is_empty());
    assert!(inv.errors.iter().all(|e| e.kind.is_some()), "{:?}", inv.errors);
}

#[test]
fn inventory_totals_agree_with_findings() {
    let dir = Dir::new();
    mixed_tree(&dir);
    let scan = scan_tree(&dir, "totals", &[]);
    let inv: Inventory = serde_json::from_str(&scan.inventory_text).unwrap();
    let findings = parse_contract_findings(&scan.findings_text);
    let t = &inv.totals;
    assert_eq!(t.files, inv.files.len() as u64);
    assert_eq!(t.bytes, inv.files.iter().map(|f| f.size).sum::<u64>());
    assert_eq!(t.findings, findings.len() as u64);
    assert_eq!(t.findings, inv.files.iter().map(|f| f.findings).sum::<u64>());
    assert_eq!(
        t.files_with_findings,
        inv.files.iter().filter(|f| f.findings > 0).count() as u64
    );
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    for f in &findings {
        *by_category
            .entry(CATEGORIES[f.category as usize].to_string())
            .or_default() += 1;
    }
    for c in CATEGORIES {
        assert_eq!(
            t.by_category.get(c).copied().unwrap_or(0),
            by_category.get(c).copied().unwrap_or(0),
            "totals.by_category.{c}"
        );
    }
    for file in &inv.files {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.path == file.path).collect();
        assert_eq!(file.findings, mine.len() as u64, "findings of {}", file.path);
        let mut by_detector: BTreeMap<String, u64> = BTreeMap::new();
        for f in &mine {
            *by_detector.entry(f.detector.clone()).or_default() += 1;
        }
        assert_eq!(file.by_detector, by_detector, "by_detector of {}", file.path);
        if file.format == "csv" {
            for c in &file.columns {
                let hits = mine
                    .iter()
                    .filter(|f| {
                        f.detector == c.detector
                            && matches!(&f.location, Location::Row { column, .. } if *column == c.name)
                    })
                    .count() as u64;
                assert_eq!(c.hits, hits, "column {c:?} of {}", file.path);
            }
            let names: Vec<(&str, &str)> = file
                .columns
                .iter()
                .map(|c| (c.name.as_str(), c.detector.as_str()))
                .collect();
            assert!(names.contains(&("手机号", "cn_mobile")), "{names:?}");
            assert!(names.contains(&("身份证号", "cn_resident_id")), "{names:?}");
        }
    }
    // Every file with a finding is in the inventory.
    for f in &findings {
        assert!(
            inv.files.iter().any(|x| x.path == f.path),
            "{} not in files",
            f.path
        );
    }
}

// ------------------------------------------------------------------------------------------
// Exit statuses and the command line.

#[test]
fn exit_0_with_and_without_findings() {
    let dir = Dir::new();
    dir.write("clean.txt", "今天天气不错\n");
    pimap().arg("scan").arg(dir.root()).arg("-q").run().expect_code(0);
    dir.write("pii.txt", "手机 13812345678\n");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "--findings", "-"])
        .run();
    out.expect_code(0);
    assert_eq!(out.findings().len(), 1);
}

#[cfg(unix)]
#[test]
fn exit_1_when_some_input_cannot_be_read() {
    let dir = Dir::new();
    dir.write("ok.txt", "手机 13812345678\n");
    dir.symlink("no-such-file.txt", "dangling.txt");
    let scan = scan_tree(&dir, "partial", &["--follow"]);
    scan.output.expect_code(1);
    assert!(
        scan.inventory.error("dangling.txt").is_some(),
        "{}",
        scan.describe()
    );
    assert_eq!(scan.findings_for("ok.txt").len(), 1, "the scan goes on");
}

#[test]
fn exit_2_on_usage_errors() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let root = dir.root();
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["scan".into(), "--no-such-flag".into(), root.clone().into()],
        vec!["scan".into(), "--threads".into(), "0".into(), root.clone().into()],
        vec!["scan".into(), "-j".into(), "many".into(), root.clone().into()],
        vec![
            "scan".into(),
            "--min-confidence".into(),
            "1.5".into(),
            root.clone().into(),
        ],
        vec![
            "scan".into(),
            "--max-filesize".into(),
            "lots".into(),
            root.clone().into(),
        ],
        vec![
            "scan".into(),
            "--exclude".into(),
            "a[".into(),
            root.clone().into(),
        ],
        vec!["no-such-command".into()],
        vec![],
    ];
    for args in cases {
        let out = pimap().args(&args).run();
        assert_eq!(
            out.code,
            Some(2),
            "pimap {args:?}: exit {:?}, stderr: {}",
            out.code,
            out.stderr_str()
        );
        assert!(!out.stderr.is_empty(), "pimap {args:?}: no message on stderr");
        assert!(out.stdout.is_empty(), "pimap {args:?}: usage error on stdout");
    }
}

#[cfg(unix)]
#[test]
fn exit_2_when_nothing_could_be_scanned() {
    let dir = Dir::new();
    let link = dir.symlink("/nonexistent/pimap-target", "dangling");
    let out = pimap().arg("scan").arg(&link).args(["--follow", "-q"]).run();
    out.expect_code(2);
}

#[test]
fn help_shows_examples_and_exits_0() {
    let out = pimap().args(["scan", "--help"]).run();
    out.expect_code(0);
    let help = out.stdout_str();
    assert!(help.contains("Examples:"), "no examples:\n{help}");
    let examples = help
        .lines()
        .filter(|l| l.trim_start().starts_with("pimap scan "))
        .count();
    assert!(examples >= 2, "fewer than two example command lines:\n{help}");
    for flag in [
        "--inventory",
        "--findings",
        "--reveal",
        "--threads",
        "--exclude",
        "--detectors",
        "--quiet",
    ] {
        assert!(help.contains(flag), "{flag} missing from help:\n{help}");
    }
    assert!(
        help.contains("Exit status"),
        "exit statuses not documented:\n{help}"
    );
    let top = pimap().arg("--help").run();
    top.expect_code(0);
    assert!(top.stdout_str().contains("scan"));
    pimap().args(["scan", "-h"]).run().expect_code(0);
}

#[test]
fn rfc3339_checker_works() {
    // The checker itself must be able to say no, or the inventory test proves nothing.
    assert!(is_rfc3339("2024-03-01T10:00:00Z"));
    assert!(is_rfc3339("2024-03-01T10:00:00.123+08:00"));
    assert!(!is_rfc3339("2024-03-01 10:00"));
    assert!(!is_rfc3339("1709287200"));
    assert!(!is_rfc3339("2024-03-01T10:00:00"));
}

#[test]
fn default_path_is_the_current_directory() {
    let dir = Dir::new();
    dir.write("sub/a.txt", "手机 13812345678\n");
    let out = pimap()
        .current_dir(dir.root())
        .args(["scan", "--findings", "-", "-q"])
        .run();
    out.expect_code(0);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(paths, ["sub/a.txt"]);
}

#[test]
fn broken_pipe_on_stdout_exits_0() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};
    let dir = Dir::new();
    dir.write("big.txt", "手机 13812345678\n".repeat(200_000));
    // `pimap scan … --findings - | head -1`
    let mut child = std::process::Command::new(crate::util::BIN)
        .arg("scan")
        .arg(dir.root())
        .args(["--findings", "-", "-q"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn pimap");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("138****5678"), "{first}");
    // The reader is dropped here: the pipe is closed under pimap's feet.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pimap kept running after its stdout was closed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(
        status.code(),
        Some(0),
        "a closed stdout is not an error: {status:?}"
    );
}
