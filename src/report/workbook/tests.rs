//! The workbook read back with calamine, and its sheets' XML.

use super::*;
use crate::inventory::{FileEntry, Inventory};
use crate::report::document::tests::{sample_inventory, stores_inventory, v1_inventory};
use calamine::{Data, Reader, Xlsx};

type ReadBack = Xlsx<std::io::Cursor<Vec<u8>>>;

fn open(bytes: Vec<u8>) -> ReadBack {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook calamine reads")
}

fn made(inventory: &Inventory, lang: Lang) -> ReadBack {
    open(render(&Facts::new(inventory), lang).expect("a workbook"))
}

fn rows(book: &mut ReadBack, sheet: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(sheet).expect("the sheet");
    assert_eq!(range.start(), Some((0, 0)), "{sheet}: the header starts at A1");
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        Data::Empty => "",
        other => panic!("not text: {other:?}"),
    }
}

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

#[test]
fn widths_count_chinese_characters_twice() {
    assert_eq!(display_width(""), 0);
    assert_eq!(display_width("exports/a.csv"), 13);
    assert_eq!(display_width("身份证号"), 8);
    // 订单 / 2021 年 （ 导出 ） .csv
    assert_eq!(
        display_width("订单/2021年（导出）.csv"),
        4 + 1 + 4 + 2 + 2 + 4 + 2 + 4
    );
    assert_eq!(display_width("ｘ￥。"), 6, "full-width forms and CJK punctuation");
    assert_eq!(display_width("한국"), 4);
    assert_eq!(display_width("short\na much longer line"), 18, "the longest line");
    assert_eq!(column_width(0), MIN_WIDTH);
    assert_eq!(column_width(10), 12);
    assert_eq!(column_width(display_width(&"长".repeat(100))), MAX_WIDTH);
    assert_eq!(column_width(usize::MAX), MAX_WIDTH);
}

/// The XML of each sheet, in order.
fn sheet_xml(bytes: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    (1..)
        .map_while(|n| {
            let mut xml = String::new();
            let mut entry = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).ok()?;
            entry.read_to_string(&mut xml).expect("UTF-8 XML");
            Some(xml)
        })
        .collect()
}

#[test]
fn every_sheet_is_frozen_filtered_and_sized_for_its_text() {
    let inv = sample_inventory();
    let bytes = render(&Facts::new(&inv), Lang::Zh).expect("a workbook");
    let sheets = sheet_xml(&bytes);
    assert_eq!(sheets.len(), open(bytes.clone()).sheet_names().len());
    for xml in &sheets {
        assert!(
            xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#),
            "{xml}"
        );
        assert!(xml.contains("<autoFilter ref=\"A1:"), "{xml}");
        assert!(!xml.contains("<f>"), "a formula: {xml}");
    }
    // Files (the third sheet): 16 columns, a header and three files with findings.
    assert!(
        sheets[2].contains(r#"<autoFilter ref="A1:P4"/>"#),
        "{}",
        sheets[2]
    );
    // Categories: 手机号/电话 is 11 columns wide on screen (6 characters), 2 padding.
    assert!(
        sheets[1].contains(r#"<col min="1" max="1" width="13."#),
        "{}",
        sheets[1]
    );
}

#[test]
fn over_long_text_is_cut_to_what_a_cell_holds() {
    let long = "错".repeat(MAX_CELL_TEXT + 10);
    let cut = fit(&long);
    assert_eq!(cut.encode_utf16().count(), MAX_CELL_TEXT);
    assert!(cut.ends_with('…'));
    // Astral characters are two UTF-16 units: never split.
    let astral = "𠀀".repeat(MAX_CELL_TEXT);
    assert!(fit(&astral).encode_utf16().count() <= MAX_CELL_TEXT);
    assert!(matches!(fit("short"), Cow::Borrowed("short")));
    let mut inv = sample_inventory();
    inv.errors[0].error = long;
    let mut book = made(&inv, Lang::En);
    let errors = rows(&mut book, "Errors");
    assert_eq!(text(&errors[1][2]).encode_utf16().count(), MAX_CELL_TEXT);
}

#[test]
fn sheets_and_headers_in_both_languages() {
    let inv = sample_inventory();
    let mut en = made(&inv, Lang::En);
    let names = en.sheet_names();
    // The sample has ID images and changes: their sheets come before errors.
    assert_eq!(
        names,
        [
            &SHEETS_EN[..7],
            &["Suspected ID images", "Changes"],
            &SHEETS_EN[7..]
        ]
        .concat()
    );
    let mut zh = made(&inv, Lang::Zh);
    assert_eq!(
        zh.sheet_names(),
        [
            "摘要",
            "个人信息类别",
            "文件",
            "列",
            "整改事项",
            "未成年人",
            "Excel损坏列",
            "疑似证件照片",
            "变化",
            "错误",
            "已跳过"
        ]
    );
    assert_eq!(rows(&mut en, "Files")[0][0], Data::String("Path".into()));
    assert_eq!(rows(&mut zh, "文件")[0][0], Data::String("路径".into()));
    assert_eq!(rows(&mut zh, "列")[0][2], Data::String("列名".into()));
    // The same rows in both languages.
    for (e, z) in en.sheet_names().iter().zip(zh.sheet_names()) {
        assert_eq!(rows(&mut en, e).len(), rows(&mut zh, &z).len(), "{e}");
    }
}

#[test]
fn every_table_has_its_rows_and_numbers_are_numbers() {
    let inv = sample_inventory();
    let mut book = made(&inv, Lang::En);
    let files = rows(&mut book, "Files");
    let with_findings = inv.files.iter().filter(|f| f.findings > 0).count();
    assert_eq!(files.len(), 1 + with_findings);
    let orders = files
        .iter()
        .find(|r| text(&r[0]) == "exports/orders_2021.csv")
        .expect("the orders file");
    let at = |name: &str| files[0].iter().position(|h| text(h) == name).expect(name);
    assert_eq!(orders[at("Size (bytes)")], Data::Float(1_048_576.0));
    assert_eq!(orders[at("Findings")], Data::Float(2100.0));
    assert_eq!(orders[at("Risk score")], Data::Float(88.0));
    assert_eq!(orders[at("Risk level")], Data::String("High".into()));
    assert_eq!(orders[at("Children's IDs")], Data::Float(3.0));
    assert_eq!(orders[at("Sensitivity")], Data::String("Sensitive".into()));
    assert_eq!(text(&orders[at("Categories")]), "Resident ID, Phone");
    assert_eq!(orders[at("World-readable")], Data::String("yes".into()));
    let columns = rows(&mut book, "Columns");
    assert_eq!(
        columns.len(),
        1 + inv.files.iter().map(|f| f.columns.len()).sum::<usize>()
    );
    assert_eq!(columns[1][2], Data::String("身份证号".into()), "sensitive first");
    assert_eq!(columns[1][6], Data::Float(300.0));
    assert_eq!(rows(&mut book, "Actions").len(), 1 + inv.actions.len());
    assert_eq!(rows(&mut book, "Errors").len(), 1 + inv.errors.len());
    assert_eq!(rows(&mut book, "Skipped").len(), 1 + inv.skipped.len());
    assert_eq!(rows(&mut book, "Minors").len(), 2);
    let categories = rows(&mut book, "Categories");
    let ids = categories.iter().find(|r| text(&r[0]) == "Resident ID").unwrap();
    assert_eq!(
        ids[1..].to_vec(),
        [
            Data::String("Sensitive".into()),
            Data::Float(300.0),
            Data::Float(0.0),
            Data::Float(1.0)
        ]
    );
    let summary = rows(&mut book, "Summary");
    let value = |item: &str| {
        summary
            .iter()
            .find(|r| text(&r[0]) == item)
            .map(|r| r[1].clone())
            .expect(item)
    };
    assert_eq!(value("Findings"), Data::Float(inv.totals.findings as f64));
    assert_eq!(value("Files scanned"), Data::Float(inv.totals.files as f64));
    assert_eq!(value("Errors"), Data::Float(1.0));
}

#[test]
fn names_that_look_like_formulas_stay_text() {
    let mut inv = sample_inventory();
    let odd = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "=1+1",
        "+86 phone.csv",
        "-2+3",
        "@SUM(A1)",
    ];
    for (file, name) in inv.files.iter_mut().zip(odd) {
        file.path = name.to_string();
    }
    inv.files[0].columns[0].name = "=cmd|' /C calc'!A0".into();
    inv.errors[0].path = "=1+2".into();
    inv.skipped[0].reason = "@reason".into();
    let mut book = made(&inv, Lang::En);
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).expect("formulas");
        assert!(
            formulas.rows().flatten().all(String::is_empty),
            "{sheet}: {formulas:?}"
        );
    }
    let files: Vec<String> = rows(&mut book, "Files")
        .iter()
        .map(|r| text(&r[0]).to_string())
        .collect();
    assert!(files.contains(&odd[0].to_string()), "{files:?}");
    assert!(files.contains(&"=1+1".to_string()), "{files:?}");
    let columns = rows(&mut book, "Columns");
    assert!(columns.iter().any(|r| text(&r[2]) == "=cmd|' /C calc'!A0"));
    assert_eq!(text(&rows(&mut book, "Errors")[1][0]), "=1+2");
}

#[test]
fn a_table_longer_than_a_sheet_ends_with_a_note() {
    let mut inv = sample_inventory();
    let template = inv.files[1].clone();
    inv.files = (0..20)
        .map(|i| FileEntry {
            path: format!("exports/{i:02}.csv"),
            ..template.clone()
        })
        .collect();
    for (lang, sheet, errors, needle) in [
        (Lang::En, "Files", "Errors", "12 more"),
        (Lang::Zh, "文件", "错误", "另有 12 行"),
    ] {
        let mut book = open(render_rows(&Facts::new(&inv), lang, 10).expect("a workbook"));
        let files = rows(&mut book, sheet);
        assert_eq!(files.len(), 10, "header, 8 files, the note");
        assert_eq!(text(&files[8][0]), "exports/07.csv");
        let note = text(&files[9][0]);
        assert!(note.contains("1,048,576") && note.contains(needle), "{note}");
        // Short tables are whole.
        assert_eq!(rows(&mut book, errors).len(), 2);
    }
}

#[test]
fn stores_get_their_own_column_and_sheet() {
    let inv = stores_inventory();
    let mut book = made(&inv, Lang::En);
    assert_eq!(book.sheet_names()[1], "Stores");
    let stores = rows(&mut book, "Stores");
    assert_eq!(stores.len(), 3);
    assert_eq!(text(&stores[1][0]), "tmall");
    assert_eq!(stores[1][4], Data::Float(3850.0));
    let files = rows(&mut book, "Files");
    assert_eq!((text(&files[0][0]), text(&files[0][1])), ("Store", "Path"));
    assert!(files
        .iter()
        .any(|r| text(&r[0]) == "tmall" && text(&r[1]) == "exports/orders_2021.csv"));
    let actions = rows(&mut book, "Actions");
    assert_eq!(text(&actions[0][2]), "Store");
    let without = made(&sample_inventory(), Lang::Zh);
    assert!(!without.sheet_names().contains(&"店铺".to_string()));
}

#[test]
fn odd_and_old_inventories_make_a_workbook() {
    let mut huge = sample_inventory();
    huge.totals.findings = u64::MAX;
    huge.files[0].findings = u64::MAX;
    huge.files[0].columns[0].share = f64::NAN;
    huge.files[1].path = String::new();
    for inventory in [huge, Inventory::default(), v1_inventory()] {
        for lang in [Lang::Zh, Lang::En] {
            let mut book = made(&inventory, lang);
            assert!(book.sheet_names().len() >= SHEETS_EN.len());
            for sheet in book.sheet_names() {
                assert!(!rows(&mut book, &sheet)[0].is_empty(), "{sheet}: a header row");
            }
        }
    }
    let mut empty = made(&Inventory::default(), Lang::En);
    assert_eq!(empty.sheet_names(), SHEETS_EN);
    assert_eq!(rows(&mut empty, "Files").len(), 1, "the header alone");
}
