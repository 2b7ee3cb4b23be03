//! `pimap report --format xlsx`, as a user runs it: scan a generated shop tree, write the
//! workbook, and read it back as a spreadsheet would (calamine): the sheet set in English
//! and Chinese, one row per file with findings, column, action, error and skipped file,
//! numbers as numeric cells, names that look like formulas kept as text, no raw value, a
//! private file. If LibreOffice is installed, it must convert the workbook headless.
//!
//! All values are synthetic: IDs built with their MOD 11-2 check, cards with Luhn, phones
//! in 138/139.

use crate::util::{pimap, scan_tree, with_id_check, with_luhn, write_report, Dir};
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// File names a spreadsheet would take for formulas; each holds a phone number, so each is
/// a row of the Files sheet.
const FORMULA_NAMES: [&str; 5] = [
    "=HYPERLINK(\"evil.example\",\"click\").txt",
    "=1+1.txt",
    "+86 contacts.txt",
    "-2+3.txt",
    "@SUM(A1).txt",
];

const SHEETS_EN: [&str; 9] = [
    "Summary",
    "Categories",
    "Files",
    "Columns",
    "Actions",
    "Minors",
    "Excel-damaged columns",
    "Errors",
    "Skipped",
];

const SHEETS_ZH: [&str; 9] = [
    "摘要",
    "个人信息类别",
    "文件",
    "列",
    "整改事项",
    "未成年人",
    "Excel损坏列",
    "错误",
    "已跳过",
];

/// The raw values planted in the tree (none may appear in the workbook).
struct Planted {
    values: Vec<String>,
}

/// A shop share with a bit of everything a workbook sheet lists: an orders export (IDs,
/// phones, cards: columns and a masking action), children's IDs and IDs Excel damaged,
/// files named like formulas, broken JSON (an error), a binary file (skipped).
fn shop() -> (Dir, Planted) {
    let dir = Dir::new();
    let mut values = Vec::new();
    let mut orders = String::from("订单编号,身份证号,收货人手机,银行卡号\n");
    for i in 0..12u64 {
        let id = with_id_check(&format!("11010519850302{:03}", 100 + i));
        let phone = format!("138{:08}", 22_340_000 + i);
        let card = with_luhn(&format!("622202{:012}", 223_456_789_000 + i));
        orders.push_str(&format!("T{i},{id},{phone},{card}\n"));
        values.extend([id, phone, card]);
    }
    dir.write("exports/orders_2023.csv", orders);
    let child = with_id_check("11010520200101123");
    dir.write(
        "会员/members.csv",
        format!("身份证号\n{child}\n1.10105E+17\n1.10105E+17\n"),
    );
    values.push(child);
    for (i, name) in FORMULA_NAMES.iter().enumerate() {
        let phone = format!("139{:08}", 55_510_000 + i);
        dir.write(name, format!("客户手机 {phone}\n"));
        values.push(phone);
    }
    dir.write(
        "api.json",
        "{\"orders\":[{\"phone\":\"13812345678\"},\n{\"phone\": oops}]}\n",
    );
    let mut binary = b"\x7fELF\x02\x01\x01\x00".to_vec();
    binary.extend_from_slice(&[0u8; 64]);
    dir.write("tool.bin", binary);
    dir.write("readme.txt", "no personal data here\n");
    (dir, Planted { values })
}

/// Scans the shop; the inventory's path and its JSON.
fn scanned_shop() -> (Dir, Planted, PathBuf, Value) {
    let (dir, planted) = shop();
    let scan = scan_tree(&dir, "shop", &[]);
    let json: Value = serde_json::from_str(&scan.inventory_text).expect("inventory JSON");
    assert!(
        !scan.inventory.errors.is_empty() && !scan.inventory.skipped.is_empty(),
        "the tree did not scan as planned:\n{}",
        scan.describe()
    );
    let inventory_path = dir.out("shop.inventory.json");
    (dir, planted, inventory_path, json)
}

/// `pimap report INVENTORY --format xlsx --lang LANG -o OUT`, which must succeed silently
/// and write a private file; the workbook read back.
#[track_caller]
fn workbook(inventory: &Path, lang: &str, out: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    write_report(inventory, "xlsx", lang, out);
    calamine::open_workbook(out).expect("calamine reads the workbook")
}

fn rows<R: std::io::Read + std::io::Seek>(book: &mut Xlsx<R>, sheet: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet}: {e}"));
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        Data::Empty => "",
        other => panic!("not a text cell: {other:?}"),
    }
}

/// The column of the header row named `name`.
#[track_caller]
fn column(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| text(h) == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

fn count(json: &Value, key: &str) -> usize {
    json[key].as_array().map_or(0, Vec::len)
}

#[test]
fn the_workbook_has_every_sheet_and_the_inventory_s_counts() {
    let (dir, _, inventory_path, json) = scanned_shop();
    let mut en = workbook(&inventory_path, "en", &dir.out("report-en.xlsx"));
    let mut zh = workbook(&inventory_path, "zh", &dir.out("report-zh.xlsx"));
    assert_eq!(en.sheet_names(), SHEETS_EN);
    assert_eq!(zh.sheet_names(), SHEETS_ZH);

    let files = rows(&mut en, "Files");
    assert_eq!(text(&files[0][0]), "Path");
    let with_findings = json["totals"]["files_with_findings"].as_u64().unwrap() as usize;
    assert!(with_findings >= 2 + FORMULA_NAMES.len());
    assert_eq!(files.len(), 1 + with_findings, "one row per file with findings");
    let columns = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| count(f, "columns"))
        .sum::<usize>();
    assert!(columns >= 3);
    assert_eq!(rows(&mut en, "Columns").len(), 1 + columns);
    assert!(
        count(&json, "actions") >= 1,
        "the built-in policy masks ID columns"
    );
    assert_eq!(rows(&mut en, "Actions").len(), 1 + count(&json, "actions"));
    assert_eq!(rows(&mut en, "Errors").len(), 1 + count(&json, "errors"));
    assert_eq!(rows(&mut en, "Skipped").len(), 1 + count(&json, "skipped"));
    let minors = rows(&mut en, "Minors");
    assert_eq!(minors.len(), 2);
    assert_eq!(text(&minors[1][0]), "会员/members.csv");
    assert_eq!(minors[1][1], Data::Float(1.0));
    let damaged = rows(&mut en, "Excel-damaged columns");
    assert_eq!(damaged.len(), 2);
    assert_eq!(text(&damaged[1][2]), "身份证号");
    assert_eq!(
        damaged[1][column(&damaged, "Cells with lost digits")],
        Data::Float(2.0)
    );

    // Counts and sizes are numbers a spreadsheet sums, equal to the inventory's.
    let orders = files
        .iter()
        .find(|r| text(&r[0]) == "exports/orders_2023.csv")
        .expect("the orders export");
    let entry = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "exports/orders_2023.csv")
        .unwrap();
    let size = column(&files, "Size (bytes)");
    assert_eq!(orders[size], Data::Float(entry["size"].as_u64().unwrap() as f64));
    let findings = column(&files, "Findings");
    assert_eq!(
        orders[findings],
        Data::Float(entry["findings"].as_u64().unwrap() as f64)
    );
    let total: f64 = files[1..]
        .iter()
        .map(|r| match r[findings] {
            Data::Float(n) => n,
            ref other => panic!("findings not a number: {other:?}"),
        })
        .sum();
    assert_eq!(total, json["totals"]["findings"].as_u64().unwrap() as f64);
    // Since when (issue 16): a first scan's files and columns were first seen at its time,
    // and each column row carries the column entry's stable id.
    let scanned_at = rows(&mut en, "Summary")
        .into_iter()
        .find(|r| text(&r[0]) == "Scanned at")
        .map(|r| text(&r[1]).to_string())
        .expect("the scan time");
    let first_seen = column(&files, "First seen");
    for row in &files[1..] {
        assert_eq!(text(&row[first_seen]), scanned_at, "{row:?}");
    }
    let column_rows = rows(&mut en, "Columns");
    let ids: Vec<&str> = column_rows[1..]
        .iter()
        .map(|r| text(&r[column(&column_rows, "Column id")]))
        .collect();
    let mut expected: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["columns"].as_array().unwrap())
        .map(|c| c["id"].as_str().expect("a column id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "every column's id, once");
    let summary = rows(&mut en, "Summary");
    let files_scanned = summary
        .iter()
        .find(|r| text(&r[0]) == "Files scanned")
        .expect("the files total");
    assert_eq!(
        files_scanned[1],
        Data::Float(json["totals"]["files"].as_u64().unwrap() as f64)
    );

    // The same rows in Chinese, with Chinese headers and labels.
    for (e, z) in SHEETS_EN.iter().zip(SHEETS_ZH) {
        assert_eq!(rows(&mut en, e).len(), rows(&mut zh, z).len(), "{e} / {z}");
    }
    let files_zh = rows(&mut zh, "文件");
    assert_eq!(text(&files_zh[0][0]), "路径");
    let orders_zh = files_zh
        .iter()
        .find(|r| text(&r[0]) == "exports/orders_2023.csv")
        .unwrap();
    assert_eq!(text(&orders_zh[column(&files_zh, "敏感程度")]), "敏感个人信息");
    assert_eq!(text(&rows(&mut zh, "摘要")[0][0]), "项目");
}

#[test]
fn names_that_look_like_formulas_stay_text_and_no_raw_value_is_written() {
    let (dir, planted, inventory_path, _) = scanned_shop();
    for lang in ["en", "zh"] {
        let mut book = workbook(&inventory_path, lang, &dir.out(&format!("r-{lang}.xlsx")));
        let mut cells = Vec::new();
        for sheet in book.sheet_names() {
            let formulas = book.worksheet_formula(&sheet).expect("formulas");
            assert!(
                formulas.rows().flatten().all(String::is_empty),
                "{sheet} holds a formula: {formulas:?}"
            );
            cells.extend(rows(&mut book, &sheet).into_iter().flatten());
        }
        let strings: Vec<&str> = cells
            .iter()
            .filter_map(|c| match c {
                Data::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for name in FORMULA_NAMES {
            assert!(strings.contains(&name), "{lang}: {name} is not a literal cell");
        }
        for value in &planted.values {
            assert!(
                !strings.iter().any(|s| s.contains(value.as_str())),
                "{lang}: a raw value is in the workbook"
            );
        }
    }
}

#[test]
fn an_xlsx_report_goes_to_a_pipe() {
    let (_dir, _, inventory_path, _) = scanned_shop();
    // The tests' stdout is a pipe: only a terminal is refused (see document::refusal).
    let output = pimap()
        .arg("report")
        .arg(&inventory_path)
        .args(["--format", "xlsx", "--lang", "en"])
        .run();
    output.expect_code(0);
    assert!(output.stdout.starts_with(b"PK\x03\x04"), "a zip file");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(output.stdout)).expect("a workbook");
    assert_eq!(book.sheet_names(), SHEETS_EN);
    assert!(rows(&mut book, "Files").len() > 1);
}

/// `soffice` on the PATH, if LibreOffice is installed.
fn soffice() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("soffice"))
        .find(|p| p.is_file())
}

/// Converts the workbook's first sheet to UTF-8 CSV with LibreOffice headless, in a profile
/// of its own under `work` (so tests never share or touch a user's profile).
fn convert_to_csv(soffice: &Path, work: &Path, workbook: &Path) -> String {
    let profile = format!("file://{}", work.join("lo-profile").display());
    let output = Command::new("timeout")
        .args(["-k", "10", "180"])
        .arg(soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args([
            "--headless",
            "--norestore",
            // Comma-separated, `"` quotes, UTF-8 (76), text unquoted (the 7th token), numbers
            // as they are rather than as shown (the 9th): the first sheet.
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
            "--outdir",
        ])
        .arg(work)
        .arg(workbook)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run soffice under timeout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "soffice failed ({:?}): {stderr}",
        output.status
    );
    // LibreOffice without Java says so on stderr; anything else is a problem.
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("javaldx"))
        .collect();
    assert!(problems.is_empty(), "soffice: {problems:?}");
    let stem = workbook.file_stem().unwrap().to_str().unwrap();
    std::fs::read_to_string(work.join(format!("{stem}.csv"))).expect("the CSV LibreOffice wrote")
}

#[test]
fn libreoffice_converts_the_workbook_headless() {
    let Some(soffice) = soffice() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "soffice is missing: CI must install LibreOffice to run this test"
        );
        eprintln!("skipped: soffice not installed (apt-get install libreoffice-calc-nogui)");
        return;
    };
    let (dir, _, inventory_path, json) = scanned_shop();
    let work = tempfile::Builder::new()
        .prefix("pimap-soffice-")
        .tempdir()
        .expect("temp dir");
    let findings = json["totals"]["findings"].as_u64().unwrap();
    for (lang, header, label) in [("en", "Item,Value", "Findings"), ("zh", "项目,内容", "发现总数")] {
        let book = dir.out(&format!("assessment-{lang}.xlsx"));
        workbook(&inventory_path, lang, &book);
        let csv = convert_to_csv(&soffice, work.path(), &book);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(header), "{lang}: {csv}");
        let row = format!("{label},{findings}");
        assert!(csv.lines().any(|l| l == row), "{lang}: no {row:?} in {csv}");
    }
}
