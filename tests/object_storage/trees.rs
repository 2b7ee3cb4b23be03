//! Generated inputs for the object-storage tests: every format pimap reads, small ones and
//! ones past the 8 MiB fetch-ahead limit, with synthetic values (valid check digits, nobody
//! real).

use crate::util::{with_id_check, with_luhn, Dir};
use std::io::Write;

/// A CSV of `rows` customers, every `every`th with a phone, a resident ID and a bank card,
/// each row padded with `filler` characters of remarks.
pub fn customers_csv(rows: u32, filler: usize, every: u32) -> String {
    let mut out = String::from("编号,手机号,身份证号,银行卡号,备注\n");
    let pad = "备".repeat(filler);
    for i in 0..rows {
        if i % every != 0 {
            out.push_str(&format!("{i},,,,{pad}\n"));
            continue;
        }
        let id = with_id_check(&format!(
            "3301061980{:02}{:02}{:03}",
            1 + i % 12,
            1 + i % 28,
            i % 1000
        ));
        let card = with_luhn(&format!("62220212{:010}", i));
        out.push_str(&format!("{i},138{:08},{id},{card},{pad}\n", i * 7 % 100_000_000));
    }
    out
}

pub fn zip_bytes(files: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let options = if stored {
        options.compression_method(zip::CompressionMethod::Stored)
    } else {
        options
    };
    for (name, data) in files {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

pub fn sqlite(path: &std::path::Path, rows: u32, blob: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE member (id INTEGER PRIMARY KEY, phone TEXT, card_no TEXT, photo BLOB); BEGIN;",
    )
    .unwrap();
    for i in 0..rows {
        db.execute(
            "INSERT INTO member VALUES (?1, ?2, ?3, zeroblob(?4))",
            rusqlite::params![
                i,
                format!("139{:08}", i * 13),
                with_luhn(&format!("62148301{:010}", i)),
                blob as i64
            ],
        )
        .unwrap();
    }
    db.execute_batch("COMMIT;").unwrap();
}

/// Every format pimap reads, small ones and ones past the 8 MiB fetch-ahead limit.
pub fn formats_tree(dir: &Dir) {
    dir.write("small/orders.csv", customers_csv(20, 0, 1));
    dir.write(
        "small/notes.txt",
        "客户电话 13900000003，邮箱 li.na@example.com\n",
    );
    dir.write(
        "small/api.json",
        r#"[{"mobile":"13700000004","email":"wang@example.com"}]"#,
    );
    dir.write(
        "small/dump.sql",
        "CREATE TABLE `u` (`id` int, `mobile` varchar(20));\nINSERT INTO `u` VALUES (1,'13712345678'),(2,'13712345679');\n",
    );
    dir.write("small/dump.sql.gz", gzip(customers_csv(30, 0, 1).as_bytes()));
    let csv = customers_csv(10, 0, 1);
    dir.write(
        "small/backup.zip",
        zip_bytes(&[("2024/orders.csv", csv.as_bytes())], false),
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "手机号", "身份证号"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..20u32 {
        sheet.write_string(r, 0, "王芳").unwrap();
        sheet.write_string(r, 1, format!("1381234{:04}", r)).unwrap();
        sheet
            .write_string(
                r,
                2,
                with_id_check(&format!("110105199001{:02}{:03}", 1 + r % 28, r)),
            )
            .unwrap();
    }
    dir.write("small/members.xlsx", book.save_to_buffer().unwrap());
    sqlite(&dir.path("small/app.db"), 20, 0);
    dir.write(
        "small/员工.docx",
        crate::documents::docx(&[&["员工资料"], &["手机 13812345678"], &["邮箱 zhao@example.com"]]),
    );
    dir.write(
        "small/合同.pdf",
        crate::documents::pdf(
            &["BT /F1 12 Tf 72 700 Td (Tel 13812345678 mail li.na@example.com) Tj ET".to_string()],
            "姓名",
            "",
        ),
    );
    // Past 8 MiB: a CSV (streamed), a zip of a stored CSV and a SQLite file (spilled).
    let big = customers_csv(120_000, 25, 20);
    assert!(big.len() > 9 << 20, "{}", big.len());
    dir.write("big/customers.csv", &big);
    let member = customers_csv(100_000, 30, 20);
    let zip = zip_bytes(
        &[
            ("export/customers.csv", member.as_bytes()),
            ("readme.txt", b"no data"),
        ],
        true,
    );
    assert!(zip.len() > 9 << 20, "{}", zip.len());
    dir.write("big/export.zip", zip);
    sqlite(&dir.path("big/members.db"), 3000, 3000);
    assert!(std::fs::metadata(dir.path("big/members.db")).unwrap().len() > 8 << 20);
}
