//! Inputs a file share really holds: broken and foreign encodings, empty and binary files,
//! huge single lines, broken JSON, symbolic links (loops, dangling), special files, size limits
//! and walk options. One bad input never stops the scan: it is listed (`errors` or `skipped`)
//! and the rest is scanned.
//!
//! Tests run as root in CI, so unreadable files are produced by other means than chmod 000.

use crate::util::{pimap, scan_paths, scan_tree, Dir, Finding, Scan};
use std::time::Duration;

fn masked_values(findings: &[&Finding]) -> Vec<String> {
    findings.iter().map(|f| f.masked.clone()).collect()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// GB18030 encoding of a string (the characters used here are all in GBK's two-byte range).
fn gb18030(text: &str) -> Vec<u8> {
    // A tiny table is enough for the text used below (codes checked with Python's gb18030
    // codec), so the test does not decode with the library the product uses.
    let table: &[(char, [u8; 2])] = &[
        ('姓', [0xD0, 0xD5]),
        ('名', [0xC3, 0xFB]),
        ('手', [0xCA, 0xD6]),
        ('机', [0xBB, 0xFA]),
        ('号', [0xBA, 0xC5]),
        ('身', [0xC9, 0xED]),
        ('份', [0xB7, 0xDD]),
        ('证', [0xD6, 0xA4]),
        ('张', [0xD5, 0xC5]),
        ('伟', [0xCE, 0xB0]),
        ('李', [0xC0, 0xEE]),
        ('娜', [0xC4, 0xC8]),
        ('备', [0xB1, 0xB8]),
        ('注', [0xD7, 0xA2]),
    ];
    let mut out = Vec::new();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else {
            let (_, bytes) = table
                .iter()
                .find(|(k, _)| *k == c)
                .unwrap_or_else(|| panic!("{c} not in the test's GBK table"));
            out.extend_from_slice(bytes);
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// Encodings.

#[test]
fn invalid_utf8_in_the_middle_of_a_small_utf8_file() {
    let dir = Dir::new();
    let mut bytes = "客户资料（内部）\n手机：13812345678\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"broken \xff\xfe\xc3( bytes here\n");
    bytes.extend_from_slice(
        "银行卡号：6222021234567890128\n邮箱 zhang.wei@example.com\n身份证号 11010519491231002X\n".as_bytes(),
    );
    dir.write("notes.txt", bytes);
    let scan = scan_tree(&dir, "bad-utf8", &[]);
    let found = scan.findings_for("notes.txt");
    let got: Vec<(String, Option<u64>)> = found
        .iter()
        .map(|f| (f.detector.clone(), f.loc_u64("line")))
        .collect();
    for want in [
        ("cn_mobile", 2),
        ("bank_card", 4),
        ("email", 5),
        ("cn_resident_id", 6),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), Some(want.1))),
            "{want:?} not found (the file is UTF-8 with a few bad bytes; its Chinese context \
             words must survive):\n{}",
            scan.describe()
        );
    }
    let e = scan
        .inventory
        .error("notes.txt")
        .unwrap_or_else(|| panic!("no error entry for the bad bytes:\n{}", scan.describe()));
    let msg = e.error.to_lowercase();
    assert!(
        msg.contains("utf-8") || msg.contains("encod"),
        "error does not mention the encoding: {}",
        e.error
    );
    assert_eq!(scan.inventory.error_kind("notes.txt"), "encoding");
    scan.output.expect_code(1);
}

#[test]
fn invalid_utf8_after_the_first_64_kib() {
    let dir = Dir::new();
    let mut bytes = "日志 正常内容 没有号码\n".repeat(4000).into_bytes();
    assert!(bytes.len() > 64 << 10);
    bytes.extend_from_slice(b"broken \xff\xfe\xc3( bytes here\n");
    bytes.extend_from_slice("手机 13912345678 邮箱 li.na@example.cn\n".as_bytes());
    dir.write("app.log", bytes);
    let scan = scan_tree(&dir, "late-bad-utf8", &[]);
    let found = scan.findings_for("app.log");
    assert_eq!(
        masked_values(&found),
        ["139****5678", "l***@example.cn"],
        "{}",
        scan.describe()
    );
    assert_eq!(found[0].loc_u64("line"), Some(4002));
    let e = scan.inventory.error("app.log").expect("error entry");
    let msg = e.error.to_lowercase();
    assert!(msg.contains("utf-8") || msg.contains("encod"), "{}", e.error);
    assert_eq!(scan.inventory.error_kind("app.log"), "encoding");
    scan.output.expect_code(1);
}

#[test]
fn gb18030_csv_with_chinese_headers() {
    let dir = Dir::new();
    dir.write(
        "export.csv",
        gb18030("姓名,手机号,身份证号,备注\r\n张伟,13812345678,11010519491231002X,\r\n李娜,13912345678,,手机 13712345678\r\n"),
    );
    let scan = scan_tree(&dir, "gbk", &[]);
    scan.output.expect_code(0);
    let got: Vec<(u64, String, String)> = scan
        .findings
        .iter()
        .map(|f| {
            (
                f.loc_u64("row").unwrap_or(0),
                f.loc_str("column").unwrap_or("").to_string(),
                f.masked.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "姓名".to_string(), "张*".to_string()),
            (1, "手机号".to_string(), "138****5678".to_string()),
            (1, "身份证号".to_string(), "110105********002X".to_string()),
            (2, "姓名".to_string(), "李*".to_string()),
            (2, "手机号".to_string(), "139****5678".to_string()),
            (2, "备注".to_string(), "137****5678".to_string()),
        ],
        "{}",
        scan.describe()
    );
    let entry = scan.inventory.file("export.csv").unwrap();
    assert_eq!(entry.format, "csv");
    assert!(
        entry.encoding.as_deref().unwrap_or("").contains("GB18030"),
        "encoding {:?}",
        entry.encoding
    );
    let columns: Vec<(&str, &str)> = entry
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.detector.as_str()))
        .collect();
    assert!(columns.contains(&("手机号", "cn_mobile")), "{columns:?}");
}

fn check_utf16(big_endian: bool) {
    let text = "客户资料\n手机：13812345678\n邮箱 zhang.wei@example.com\n";
    let dir = Dir::new();
    dir.write("u16.txt", utf16(text, big_endian));
    let scan = scan_tree(&dir, "utf16", &[]);
    scan.output.expect_code(0);
    let found = scan.findings_for("u16.txt");
    assert_eq!(
        masked_values(&found),
        ["138****5678", "z***@example.com"],
        "{}",
        scan.describe()
    );
    // Offsets are into the decoded (UTF-8) text, without the BOM.
    assert_eq!(found[0].loc_u64("offset"), Some(text.find("138").unwrap() as u64));
    assert_eq!(
        (found[0].loc_u64("line"), found[0].loc_u64("column")),
        (Some(2), Some(4))
    );
    assert_eq!(
        found[1].loc_u64("offset"),
        Some(text.find("zhang").unwrap() as u64)
    );
    let want = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
    let enc = scan.inventory.file("u16.txt").unwrap().encoding.clone();
    assert!(enc.as_deref().unwrap_or("").contains(want), "encoding {enc:?}");
}

#[test]
fn utf16le_tab_separated_excel_unicode_text() {
    // Excel's "Unicode text" export: UTF-16LE with BOM, tab-separated, CRLF.
    let dir = Dir::new();
    let text = "姓名\t手机号\t身份证号\r\n张伟\t13812345678\t11010519491231002X\r\n";
    dir.write("export.tsv", utf16(text, false));
    let scan = scan_tree(&dir, "utf16-tsv", &[]);
    scan.output.expect_code(0);
    let got: Vec<(Option<u64>, Option<&str>, &str)> = scan
        .findings
        .iter()
        .map(|f| (f.loc_u64("row"), f.loc_str("column"), f.masked.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(1), Some("姓名"), "张*"),
            (Some(1), Some("手机号"), "138****5678"),
            (Some(1), Some("身份证号"), "110105********002X"),
        ],
        "{}",
        scan.describe()
    );
}

#[test]
fn utf16le_with_bom() {
    check_utf16(false);
}

#[test]
fn utf16be_with_bom() {
    check_utf16(true);
}

// ------------------------------------------------------------------------------------------
// Empty, binary and huge files.

#[test]
fn empty_file_is_scanned_without_error() {
    let dir = Dir::new();
    dir.write("empty.txt", "");
    dir.write("empty.csv", "");
    dir.write("empty.json", "");
    let scan = scan_tree(&dir, "empty", &[]);
    scan.output.expect_code(0);
    for name in ["empty.txt", "empty.csv"] {
        let f = scan
            .inventory
            .file(name)
            .unwrap_or_else(|| panic!("{name} not listed:\n{}", scan.describe()));
        assert_eq!((f.size, f.findings), (0, 0));
    }
    assert!(scan.inventory.errors.is_empty(), "{}", scan.describe());
    assert!(scan.findings.is_empty());
}

#[test]
fn binary_file_is_skipped_not_an_error() {
    let dir = Dir::new();
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    bytes.extend_from_slice("手机 13812345678 身份证 11010519491231002X".as_bytes());
    bytes.extend_from_slice(&[0u8; 64]);
    dir.write("tool.bin", bytes);
    dir.write("ok.txt", "手机 13912345678\n");
    let scan = scan_tree(&dir, "binary", &[]);
    scan.output.expect_code(0);
    let s = scan
        .inventory
        .skipped("tool.bin")
        .unwrap_or_else(|| panic!("binary not listed as skipped:\n{}", scan.describe()));
    assert!(!s.reason.is_empty());
    assert!(scan.inventory.error("tool.bin").is_none());
    assert!(scan.inventory.file("tool.bin").is_none());
    assert!(scan.findings_for("tool.bin").is_empty());
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}

/// A 20 MiB file with no line break and three values away from any 1 MiB boundary.
fn huge_line(dir: &Dir) -> (Scan, [usize; 3]) {
    const MIB: usize = 1 << 20;
    let len = 20 * MIB;
    let mut bytes = vec![b'a'; len];
    let at = [1_000, 10 * MIB + 300_000, len - 5_000];
    for (pos, value) in at.iter().zip([" 13812345678 ", " 13912345678 ", " 13712345678 "]) {
        bytes[*pos..pos + value.len()].copy_from_slice(value.as_bytes());
    }
    dir.write("one-line.txt", bytes);
    let scan = scan_tree(dir, "huge", &["--chunk-size", "1M"]);
    (scan, at.map(|p| p + 1))
}

#[test]
fn huge_single_line_values_are_found() {
    let dir = Dir::new();
    let (scan, offsets) = huge_line(&dir);
    scan.output.expect_code(0);
    let found = scan.findings_for("one-line.txt");
    assert_eq!(
        masked_values(&found),
        ["138****5678", "139****5678", "137****5678"],
        "{}",
        scan.describe()
    );
    for (f, offset) in found.iter().zip(offsets) {
        assert_eq!(f.loc_u64("line"), Some(1));
        assert_eq!(f.loc_u64("offset"), Some(offset as u64), "{f:?}");
    }
}

#[test]
fn huge_single_line_columns_count_from_the_line_start() {
    let dir = Dir::new();
    let (scan, offsets) = huge_line(&dir);
    let found = scan.findings_for("one-line.txt");
    assert_eq!(found.len(), 3, "{}", scan.describe());
    for (f, offset) in found.iter().zip(offsets) {
        // ASCII line: the character column is the byte offset plus one.
        assert_eq!(
            f.loc_u64("column"),
            Some(offset as u64 + 1),
            "column must count characters from the start of the line, not of the chunk: {f:?}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Broken JSON.

const BROKEN_JSON: &str =
    "{\"orders\":[{\"phone\":\"13812345678\"},\n{\"phone\": oops 13912345678 邮箱 li.na@example.cn}]}\n";
const BROKEN_NDJSON: &str = "{\"user\":{\"mobile\":\"13812345678\"}}\n{\"user\": oops, \"note\": \"手机 13912345678\"}\n{\"user\":{\"mobile\":\"13712345678\"}}\n";

#[test]
fn invalid_json_values_after_the_break_are_found_as_text() {
    let dir = Dir::new();
    dir.write("api.json", BROKEN_JSON);
    let scan = scan_tree(&dir, "broken-json", &[]);
    scan.output.expect_code(1);
    assert!(
        scan.inventory.error("api.json").is_some(),
        "no error entry:\n{}",
        scan.describe()
    );
    assert_eq!(scan.inventory.error_kind("api.json"), "corrupt");
    let found = scan.findings_for("api.json");
    assert_eq!(
        masked_values(&found),
        ["138****5678", "139****5678", "l***@example.cn"],
        "{}",
        scan.describe()
    );
    assert_eq!(found[0].loc_str("pointer"), Some("/orders/0/phone"));
    for (f, needle) in found[1..].iter().zip(["139", "li.na"]) {
        assert_eq!(f.loc_u64("line"), Some(2), "{f:?}");
        assert_eq!(
            f.loc_u64("offset"),
            Some(BROKEN_JSON.find(needle).unwrap() as u64),
            "{f:?}"
        );
    }
}

#[test]
fn ndjson_with_one_bad_line() {
    let dir = Dir::new();
    dir.write("events.ndjson", BROKEN_NDJSON);
    let scan = scan_tree(&dir, "broken-ndjson", &[]);
    scan.output.expect_code(1);
    let e = scan
        .inventory
        .error("events.ndjson")
        .unwrap_or_else(|| panic!("no error entry:\n{}", scan.describe()));
    assert!(
        e.error.contains("line 2"),
        "error does not say which line: {}",
        e.error
    );
    assert_eq!(e.kind.as_deref(), Some("corrupt"));
    let found = scan.findings_for("events.ndjson");
    assert_eq!(
        masked_values(&found),
        ["138****5678", "139****5678", "137****5678"],
        "{}",
        scan.describe()
    );
    assert_eq!(found[0].loc_str("pointer"), Some("/user/mobile"));
    assert_eq!(found[1].loc_u64("line"), Some(2));
    assert_eq!(
        found[1].loc_u64("offset"),
        Some(BROKEN_NDJSON.find("139").unwrap() as u64)
    );
    assert_eq!(
        found[2].loc_str("pointer"),
        Some("/user/mobile"),
        "lines after the bad one"
    );
}

#[test]
fn text_fallback_columns_count_from_the_line_start() {
    let dir = Dir::new();
    dir.write("api.json", BROKEN_JSON);
    dir.write("events.ndjson", BROKEN_NDJSON);
    let scan = scan_tree(&dir, "fallback-columns", &[]);
    let column_of = |text: &str, needle: &str| {
        let at = text.find(needle).unwrap();
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text[line_start..at].chars().count() as u64 + 1
    };
    let mut wrong = Vec::new();
    for (path, text, needle) in [
        ("api.json", BROKEN_JSON, "139"),
        ("api.json", BROKEN_JSON, "li.na"),
        ("events.ndjson", BROKEN_NDJSON, "139"),
    ] {
        let want = column_of(text, needle);
        let f = scan
            .findings_for(path)
            .into_iter()
            .find(|f| f.loc_u64("offset") == Some(text.find(needle).unwrap() as u64))
            .unwrap_or_else(|| panic!("{path}: {needle} not found:\n{}", scan.describe()));
        if f.loc_u64("column") != Some(want) {
            wrong.push(format!(
                "{path} {needle}: column {:?}, expected {want}",
                f.loc_u64("column")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ------------------------------------------------------------------------------------------
// Symbolic links and special files.

#[cfg(unix)]
#[test]
fn symlink_loop_with_follow() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    dir.write("sub/b.txt", "手机 13912345678\n");
    dir.symlink("..", "sub/up");
    let scan = scan_tree(&dir, "loop", &["--follow"]);
    scan.output.expect_code(1);
    let looped = scan
        .inventory
        .errors
        .iter()
        .find(|e| e.error.to_lowercase().contains("loop"))
        .unwrap_or_else(|| panic!("no error entry mentions a loop:\n{}", scan.describe()));
    assert_eq!(looped.kind.as_deref(), Some("io"));
    assert_eq!(scan.findings_for("a.txt").len(), 1, "the scan continues");
    assert_eq!(scan.findings_for("sub/b.txt").len(), 1, "the scan continues");
}

#[cfg(unix)]
#[test]
fn dangling_symlink_with_follow() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    dir.symlink("does-not-exist.txt", "gone.txt");
    let scan = scan_tree(&dir, "dangling", &["--follow"]);
    scan.output.expect_code(1);
    let e = scan
        .inventory
        .error("gone.txt")
        .unwrap_or_else(|| panic!("no error entry:\n{}", scan.describe()));
    assert!(!e.error.is_empty());
    assert_eq!(e.kind.as_deref(), Some("not_found"), "{e:?}");
    assert_eq!(scan.findings_for("a.txt").len(), 1);
}

#[cfg(unix)]
#[test]
fn symlink_without_follow_is_skipped() {
    let dir = Dir::new();
    dir.write("real.txt", "手机 13812345678\n");
    dir.symlink("real.txt", "alias.txt");
    dir.mkdir("elsewhere");
    dir.write("elsewhere/c.txt", "手机 13912345678\n");
    dir.symlink("elsewhere", "dirlink");
    let scan = scan_tree(&dir, "nofollow", &[]);
    scan.output.expect_code(0);
    let s = scan
        .inventory
        .skipped("alias.txt")
        .unwrap_or_else(|| panic!("link not listed as skipped:\n{}", scan.describe()));
    assert!(!s.reason.is_empty());
    assert!(scan.findings_for("alias.txt").is_empty());
    assert_eq!(scan.findings_for("real.txt").len(), 1);
    assert!(scan.findings.iter().all(|f| !f.path.starts_with("dirlink/")));
    assert!(scan.inventory.skipped("dirlink").is_some(), "{}", scan.describe());
}

#[cfg(unix)]
#[test]
fn fifo_is_skipped_and_does_not_hang() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let fifo = dir.path("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
    for follow in [false, true] {
        let findings = dir.out(&format!("fifo-{follow}.jsonl"));
        let inventory = dir.out(&format!("fifo-{follow}.json"));
        let out = pimap()
            .arg("scan")
            .arg(dir.root())
            .arg("--findings")
            .arg(&findings)
            .arg("-o")
            .arg(&inventory)
            .arg("-q")
            .args(follow.then_some("--follow"))
            .timeout(Duration::from_secs(60))
            .run();
        out.expect_code(0);
        let inv = crate::util::parse_inventory(&std::fs::read_to_string(&inventory).unwrap());
        let s = inv
            .skipped("pipe")
            .unwrap_or_else(|| panic!("FIFO not listed as skipped (follow={follow}): {inv:?}"));
        assert!(!s.reason.is_empty());
        assert!(inv.file("a.txt").is_some());
    }
}

#[test]
fn max_filesize_skips_big_files() {
    let dir = Dir::new();
    dir.write("big.txt", "手机 13812345678 这一行超过十个字节\n");
    dir.write("tiny.txt", "短");
    let scan = scan_tree(&dir, "maxsize", &["--max-filesize", "10"]);
    scan.output.expect_code(0);
    let s = scan
        .inventory
        .skipped("big.txt")
        .unwrap_or_else(|| panic!("big file not skipped:\n{}", scan.describe()));
    assert!(!s.reason.is_empty());
    assert!(scan.findings.is_empty(), "{}", scan.describe());
    assert!(scan.inventory.file("tiny.txt").is_some(), "{}", scan.describe());
    assert!(scan.inventory.file("big.txt").is_none());
}

#[test]
fn nonexistent_root_exits_2() {
    let dir = Dir::new();
    let missing = dir.path("no-such-folder");
    let out = pimap().arg("scan").arg(&missing).arg("-q").run();
    out.expect_code(2);
    assert!(
        out.stderr_str().contains("no-such-folder"),
        "message does not name the path: {}",
        out.stderr_str()
    );
}

// ------------------------------------------------------------------------------------------
// Walk options.

#[test]
fn exclude_globs_are_honoured() {
    let dir = Dir::new();
    for rel in [
        "keep.txt",
        "backup.bak",
        "old/archive.bak",
        "secret/x.txt",
        "logs/tmp_1.txt",
        "logs/keep.txt",
    ] {
        dir.write(rel, "手机 13812345678\n");
    }
    let scan = scan_tree(
        &dir,
        "exclude",
        &["--exclude", "*.bak", "--exclude", "secret/", "--exclude", "tmp_*"],
    );
    scan.output.expect_code(0);
    let mut paths: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["keep.txt", "logs/keep.txt"], "{}", scan.describe());
    for gone in ["backup.bak", "old/archive.bak", "secret/x.txt", "logs/tmp_1.txt"] {
        assert!(scan.inventory.file(gone).is_none(), "{gone} was scanned");
    }
}

#[test]
fn hidden_files_are_scanned() {
    let dir = Dir::new();
    dir.write(".env", "ADMIN_MOBILE=13812345678\n");
    dir.write(".cache/notes.txt", "手机 13912345678\n");
    let scan = scan_tree(&dir, "hidden", &[]);
    let mut paths: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, [".cache/notes.txt", ".env"], "{}", scan.describe());
}

fn ignore_tree() -> Dir {
    let dir = Dir::new();
    dir.write(".gitignore", "ignored.txt\nbuild/\n");
    dir.write("ignored.txt", "手机 13812345678\n");
    dir.write("build/out.txt", "手机 13912345678\n");
    dir.write("kept.txt", "手机 13712345678\n");
    dir.write("sub/.ignore", "local.txt\n");
    dir.write("sub/local.txt", "手机 13612345678\n");
    dir
}

#[test]
fn gitignore_is_not_honoured_by_default() {
    let dir = ignore_tree();
    let scan = scan_tree(&dir, "noignore", &[]);
    let mut paths: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["build/out.txt", "ignored.txt", "kept.txt", "sub/local.txt"],
        "a file share is not a repository:\n{}",
        scan.describe()
    );
}

#[test]
fn gitignore_is_honoured_with_respect_ignore() {
    let dir = ignore_tree();
    let scan = scan_tree(&dir, "ignore", &["--respect-ignore"]);
    let paths: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["kept.txt"], "{}", scan.describe());
}

#[test]
fn several_roots_are_prefixed_and_a_file_root_keeps_its_path() {
    let dir = Dir::new();
    dir.write("one/a.txt", "手机 13812345678\n");
    dir.write("two/b.txt", "手机 13912345678\n");
    let one = dir.path("one");
    let b = dir.path("two/b.txt");
    let scan = scan_paths(&dir, "roots", &[one.as_os_str(), b.as_os_str()], &[]);
    scan.output.expect_code(0);
    let paths: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{}", scan.describe());
    assert!(paths[0].ends_with("one/a.txt"), "{paths:?}");
    assert_eq!(paths[1], b.to_string_lossy(), "a file root is reported as passed");
}

/// Issue 9: a root that is not there (a share not mounted) is a usage error, and nothing
/// is written, even when other roots are fine.
#[test]
fn a_missing_root_among_others_is_a_usage_error() {
    let dir = Dir::new();
    dir.write("ok.txt", "手机 13812345678");
    let missing = dir.path("no-such-folder");
    let inv = dir.out("inv.json");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg(&missing)
        .arg("-o")
        .arg(&inv)
        .arg("--findings")
        .arg(dir.out("f.jsonl"))
        .run();
    out.expect_code(2);
    assert!(
        out.stderr_str().contains("no-such-folder"),
        "{}",
        out.stderr_str()
    );
    assert!(!inv.exists() && !dir.out("f.jsonl").exists());
}

/// C7/H4: an absurd thread count is capped (it panicked with "capacity overflow", or spun
/// thousands of threads), with a note, and the output is what -j1 gives.
#[test]
fn an_absurd_thread_count_is_capped() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    dir.write("b.txt", "手机 13912345678\n");
    let one = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--findings", "-", "-q", "-j", "1"])
        .run();
    one.expect_code(0);
    for j in ["18446744073709551615", "10000"] {
        let many = pimap()
            .arg("scan")
            .arg(dir.root())
            .args(["--findings", "-", "-q", "-j", j])
            .run();
        many.expect_code(0);
        assert_eq!(many.stdout, one.stdout, "-j {j}");
        assert!(
            many.stderr_str().contains("threads per core"),
            "{}",
            many.stderr_str()
        );
    }
}

/// M6: the files that configure a run are read up to what such a file can be, not whole.
#[test]
fn an_oversized_policy_or_key_is_a_usage_error() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let policy = dir.out("policy.toml");
    std::fs::write(&policy, "#".repeat(2 << 20)).unwrap();
    let key = dir.out("key");
    std::fs::write(&key, "k".repeat(1 << 20)).unwrap();
    for (flag, file) in [("--policy", &policy), ("--key-file", &key)] {
        let out = pimap()
            .arg("scan")
            .arg(dir.root())
            .arg(flag)
            .arg(file)
            .arg("-q")
            .run();
        out.expect_code(2);
        let err = out.stderr_str();
        assert!(
            err.contains("larger than") && err.trim().lines().count() == 1,
            "{flag}: {err}"
        );
    }
}
