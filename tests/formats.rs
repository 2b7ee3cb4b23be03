//! Issue 3's formats through the CLI: spreadsheets (located by sheet/cell/column, numbers shown
//! as a person sees them, precision-lost notes), SQLite files (table/row/column, never
//! modified), a dump with a 50 MB extended INSERT line, and column classification in the
//! inventory. Every input is generated here.

use crate::util::{scan_tree, with_id_check, with_luhn, Dir};

#[test]
fn xlsx_cells_are_located_and_columns_classified() {
    let dir = Dir::new();
    let id = with_id_check("33010619850612301");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("订单").unwrap();
    for (col, header) in ["姓名", "手机号", "身份证号", "备注"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    // A phone stored as a number, an ID as text, and one ID that Excel stored as a number
    // (its digits past the 15th are gone).
    sheet.write_string(1, 0, "张三").unwrap();
    sheet.write_number(1, 1, 13812345678.0).unwrap();
    sheet.write_string(1, 2, &id).unwrap();
    sheet.write_string(2, 0, "李四").unwrap();
    sheet.write_number(2, 1, 13912345678.0).unwrap();
    sheet.write_number(2, 2, 110105194912310021.0).unwrap();
    sheet.write_string(2, 3, "联系邮箱 li.si@example.com").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    dir.write("exports/订单.xlsx", bytes);
    let scan = scan_tree(&dir, "xlsx", &[]);
    let found = scan.findings_for("exports/订单.xlsx");
    assert_eq!(found.len(), 6, "{}", scan.describe());
    let names: Vec<&str> = found
        .iter()
        .filter(|f| f.category == "name")
        .map(|f| f.masked.as_str())
        .collect();
    assert_eq!(names, ["张*", "李*"], "{}", scan.describe());
    let phone = found.iter().find(|f| f.masked == "138****5678").expect("phone");
    assert_eq!(phone.loc_str("sheet"), Some("订单"));
    assert_eq!(phone.loc_str("cell"), Some("B2"));
    assert_eq!(phone.loc_str("column"), Some("手机号"));
    assert!(found
        .iter()
        .any(|f| f.detector == "cn_resident_id" && f.loc_str("cell") == Some("C2")));
    assert!(found
        .iter()
        .any(|f| f.detector == "email" && f.loc_str("cell") == Some("D3")));
    // The damaged ID is no finding, but a note on its column.
    let file = scan.inventory.file("exports/订单.xlsx").unwrap();
    assert_eq!(file.format, "xlsx");
    let id_col: serde_json::Value = serde_json::from_str(&scan.inventory_text).unwrap();
    let columns = id_col["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "exports/订单.xlsx")
        .unwrap()["columns"]
        .as_array()
        .unwrap()
        .clone();
    let ids = columns
        .iter()
        .find(|c| c["name"] == "身份证号" && c["detector"] == "cn_resident_id")
        .expect("ID column");
    assert_eq!(ids["hits"], 1);
    assert_eq!(ids["rows"], 2);
    assert_eq!(ids["precision_lost"], 1);
    assert_eq!(ids["table"], "订单");
    let phones = columns
        .iter()
        .find(|c| c["name"] == "手机号")
        .expect("phone column");
    assert_eq!(phones["hits"], 2);
}

#[test]
fn corrupt_and_encrypted_workbooks_and_databases_are_errors() {
    let dir = Dir::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "手机号").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    dir.write("cut.xlsx", &bytes[..bytes.len() / 3]);
    // An encrypted workbook is an OLE container whatever its extension; this one is only
    // the OLE signature plus garbage, which must be an error too.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend(std::iter::repeat_n(0u8, 600));
    dir.write("locked.xlsx", ole);
    // A SQLite header over garbage.
    let mut db = b"SQLite format 3\0".to_vec();
    db.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    dir.write("garbled.db", db);
    dir.write("ok.txt", "手机 13812345678");
    let scan = scan_tree(&dir, "badbooks", &[]);
    assert_eq!(scan.output.code, Some(1));
    assert!(scan.inventory.error("cut.xlsx").is_some(), "{}", scan.describe());
    assert!(
        scan.inventory.error("locked.xlsx").is_some(),
        "{}",
        scan.describe()
    );
    assert_eq!(scan.inventory.error_kind("cut.xlsx"), "corrupt");
    assert_eq!(scan.inventory.error_kind("locked.xlsx"), "corrupt");
    assert_eq!(
        scan.inventory.error_kind("garbled.db"),
        "corrupt",
        "{}",
        scan.describe()
    );
    assert_eq!(scan.findings_for("ok.txt").len(), 1);
}

#[test]
fn sqlite_tables_are_read_and_the_file_is_untouched() {
    let dir = Dir::new();
    let path = dir.path("app/members.db");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let card = with_luhn("622202123456789012");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE member (id INTEGER, phone INTEGER, card_no TEXT, avatar BLOB);",
        )
        .unwrap();
        db.execute(
            "INSERT INTO member VALUES (1, 13812345678, ?1, x'00ff00ff')",
            [&card],
        )
        .unwrap();
    }
    let before: Vec<(String, Vec<u8>)> = listing(&dir.path("app"));
    let scan = scan_tree(&dir, "sqlite", &[]);
    assert_eq!(before, listing(&dir.path("app")), "the database folder changed");
    let found = scan.findings_for("app/members.db");
    assert_eq!(found.len(), 2, "{}", scan.describe());
    let phone = found.iter().find(|f| f.detector == "cn_mobile").unwrap();
    assert_eq!(phone.loc_str("table"), Some("member"));
    assert_eq!(phone.loc_u64("row"), Some(1));
    assert_eq!(phone.loc_str("column"), Some("phone"));
    assert!(found
        .iter()
        .any(|f| f.detector == "bank_card" && f.loc_str("column") == Some("card_no")));
    assert_eq!(scan.inventory.file("app/members.db").unwrap().format, "sqlite");
}

fn listing(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_50_mb_extended_insert_line_is_parsed_row_by_row() {
    let dir = Dir::new();
    let mut sql = String::from(
        "-- MySQL dump 10.13\nCREATE TABLE `orders` (\n  `id` int NOT NULL,\n  `note` text,\n  `mobile` varchar(20)\n);\nINSERT INTO `orders` VALUES ",
    );
    let rows = 550_000;
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        // Quotes and backslashes inside strings must not derail the parser.
        let mobile = if i % 100_000 == 7 { "'13812345678'" } else { "NULL" };
        sql.push_str(&format!(
            "({i},'O\\'Neil''s order \\\\ {i} padding padding padding padding padding padding padding',{mobile})"
        ));
    }
    sql.push_str(";\n");
    assert!(sql.len() > 50 << 20, "line is {} bytes", sql.len());
    dir.write("dump.sql", sql);
    let scan = scan_tree(&dir, "bigline", &[]);
    let found = scan.findings_for("dump.sql");
    assert_eq!(found.len(), 6, "{}", scan.describe());
    let rows_found: Vec<u64> = found.iter().filter_map(|f| f.loc_u64("row")).collect();
    assert_eq!(rows_found, vec![8, 100_008, 200_008, 300_008, 400_008, 500_008]);
    assert!(found.iter().all(|f| f.loc_str("column") == Some("mobile")));
    assert!(scan.inventory.errors.is_empty(), "{}", scan.describe());
}

#[test]
fn addresses_are_found_resolved_and_masked() {
    let dir = Dir::new();
    dir.write(
        "chat.txt",
        "客户：收货地址：浙江省杭州市西湖区文三路477号华星科技大厦3幢501室，电话13812345678\n\
         客服：亲，西湖龙井明前特级250g礼盒装已发货\n\
         物流：【杭州市】快件已到达 杭州转运中心\n",
    );
    dir.write(
        "orders.csv",
        "收货地址,宝贝标题\n广东省 深圳市 南山区 科苑路15号A栋1单元802室,新疆棉短袖T恤\n",
    );
    let scan = scan_tree(&dir, "addresses", &[]);
    let chat: Vec<_> = scan
        .findings_for("chat.txt")
        .into_iter()
        .filter(|f| f.category == "address")
        .collect();
    assert_eq!(chat.len(), 1, "{}", scan.describe());
    assert_eq!(chat[0].masked, "浙江省杭州市西湖区****");
    assert_eq!(chat[0].loc_u64("line"), Some(1));
    let raw: serde_json::Value = serde_json::from_str(
        scan.findings_text
            .lines()
            .find(|l| l.contains("cn_address") && l.contains("chat.txt"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(raw["parts"]["province"], "浙江省");
    assert_eq!(raw["parts"]["city"], "杭州市");
    assert_eq!(raw["parts"]["district"], "西湖区");
    assert!(raw.get("value").is_none(), "no raw value without --reveal");
    let csv: Vec<_> = scan
        .findings_for("orders.csv")
        .into_iter()
        .filter(|f| f.category == "address")
        .collect();
    assert_eq!(csv.len(), 1, "{}", scan.describe());
    assert_eq!(csv[0].loc_str("column"), Some("收货地址"));
    assert_eq!(csv[0].masked, "广东省深圳市南山区****");
}
