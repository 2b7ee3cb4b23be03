use super::book::{push_letters, BookWriter, MAX_SHEET_NAME};
use super::render::{push_number, render};
use super::*;
use crate::error::Problem;
use crate::source::Origin;
use std::io::{Cursor, Write};

/// (sheet, cell, column, text) of every record.
type Rec = (String, String, String, String);

fn records(bytes: &[u8], kind: SheetKind) -> Result<(Vec<Rec>, FileFacts), SheetError> {
    let mut out = Vec::new();
    let facts = read(Cursor::new(bytes), kind, &mut |r| {
        if let Origin::Sheet {
            sheet, cell, column, ..
        } = r.origin
        {
            out.push((
                sheet.to_string(),
                cell.to_string(),
                column.to_string(),
                r.text.to_string(),
            ));
        }
    })?;
    Ok((out, facts))
}

fn rec(sheet: &str, cell: &str, column: &str, text: &str) -> Rec {
    (sheet.into(), cell.into(), column.into(), text.into())
}

/// Two sheets as a Qianniu export would have them: a header row over phones stored as
/// numbers, an 18-digit ID stored as a number, amounts and dates; and a headerless sheet
/// that starts at C3.
fn workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let ws = wb.add_worksheet();
    ws.set_name("订单").unwrap();
    for (c, h) in ["姓名", "手机号", "身份证号", "金额", "下单时间", "", "已付"]
        .iter()
        .enumerate()
    {
        if !h.is_empty() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
    }
    ws.write_string(1, 0, "张三").unwrap();
    ws.write_number(1, 1, 13812345678.0).unwrap();
    ws.write_number(1, 2, 110105194912310021.0).unwrap();
    ws.write_number(1, 3, 12.5).unwrap();
    let day = ExcelDateTime::from_ymd(2024, 1, 31).unwrap();
    ws.write_datetime_with_format(1, 4, &day, &date).unwrap();
    ws.write_string(1, 5, "无表头列").unwrap();
    ws.write_boolean(1, 6, true).unwrap();
    ws.write_string(1, 8, "超出表头").unwrap();
    ws.write_string(2, 0, "李四").unwrap();
    ws.write_string(2, 1, "13912345678").unwrap();
    ws.write_number(2, 3, 0.1 + 0.2).unwrap();
    let at = day.clone().and_hms(8, 5, 0).unwrap();
    ws.write_datetime_with_format(2, 4, &at, &stamp).unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Sheet2").unwrap();
    ws.write_number(2, 2, 15012345678.0).unwrap();
    ws.write_string(2, 3, "110105194912310021").unwrap();
    ws.write_number(3, 2, 13512345678.0).unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_cells_are_located_and_rendered_as_shown() {
    let (recs, facts) = records(&workbook(), SheetKind::Xlsx).unwrap();
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    assert_eq!(facts.encoding, None);
    assert_eq!(
        recs,
        vec![
            rec("订单", "A2", "姓名", "张三"),
            rec("订单", "B2", "手机号", "13812345678"),
            // Lost digits stay visibly lost: the scanner notes them, never a wrong ID.
            rec("订单", "C2", "身份证号", "1.10105E+17"),
            rec("订单", "D2", "金额", "12.5"),
            rec("订单", "E2", "下单时间", "2024-01-31"),
            // An empty header cell, and a column past the header, go by letter.
            rec("订单", "F2", "F", "无表头列"),
            rec("订单", "G2", "已付", "TRUE"),
            rec("订单", "I2", "I", "超出表头"),
            rec("订单", "A3", "姓名", "李四"),
            rec("订单", "B3", "手机号", "13912345678"),
            rec("订单", "D3", "金额", "0.3"),
            rec("订单", "E3", "下单时间", "2024-01-31 08:05:00"),
            // No header: the first row is data, columns are letters, cells absolute.
            rec("Sheet2", "C3", "C", "15012345678"),
            rec("Sheet2", "D3", "D", "110105194912310021"),
            rec("Sheet2", "C4", "C", "13512345678"),
        ]
    );
}

/// A sheet from strings, one row per slice, starting at A1; `None` leaves a row empty.
fn sheet_of(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn columns_and_cells(bytes: &[u8]) -> Vec<(String, String)> {
    let (recs, _) = records(bytes, SheetKind::Xlsx).unwrap();
    recs.into_iter().map(|(_, cell, col, _)| (cell, col)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn a_title_row_above_the_header_is_data_and_the_header_below_it_names_columns() {
    let book = sheet_of(&[
        &["天猫订单明细  导出时间：2024-04-01 09:00"],
        &[],
        &["订单号", "手机号"],
        &["3955492994440712161", "18000777417"],
    ]);
    assert_eq!(
        columns_and_cells(&book),
        pairs(&[("A1", "A"), ("A4", "订单号"), ("B4", "手机号")])
    );
    // A single-column list: its one-cell first row is still the header...
    let book = sheet_of(&[&["手机号"], &["13812345678"], &["13912345678"]]);
    assert_eq!(
        columns_and_cells(&book),
        pairs(&[("A2", "手机号"), ("A3", "手机号")])
    );
    // ...and a headerless one stays headerless, however long.
    let phones: Vec<[&str; 1]> = vec![["13812345678"]; 6];
    let rows: Vec<&[&str]> = phones.iter().map(|r| &r[..]).collect();
    let cells = columns_and_cells(&sheet_of(&rows));
    assert_eq!(cells.len(), 6);
    assert!(cells.iter().all(|(_, col)| col == "A"));
    // A title over data rows that are not labels: the title is the first row's rule.
    let book = sheet_of(&[&["2024年订单"], &["13812345678", "张三"]]);
    assert_eq!(
        columns_and_cells(&book),
        pairs(&[("A2", "2024年订单"), ("B2", "B")])
    );
}

#[test]
fn a_zip_named_xls_is_read_as_xlsx() {
    let (recs, _) = records(&workbook(), SheetKind::Xls).unwrap();
    assert_eq!(recs.len(), 15);
}

#[test]
fn numbers_read_as_excel_shows_them() {
    let show = |f: f64| {
        let mut s = String::new();
        push_number(f, &mut s);
        s
    };
    assert_eq!(show(13812345678.0), "13812345678");
    assert_eq!(show(-42.0), "-42");
    assert_eq!(show(0.0), "0");
    assert_eq!(show(12.5), "12.5");
    assert_eq!(show(0.1 + 0.2), "0.3");
    assert_eq!(show(0.000123), "0.000123");
    assert_eq!(show(999_999_999_999_999.0), "999999999999999");
    assert_eq!(show(110105194912310021.0), "1.10105E+17");
    assert_eq!(show(6222021234567890123.0), "6.22202E+18");
    assert_eq!(show(1e15), "1E+15");
    assert_eq!(show(-1.5e20), "-1.5E+20");
    assert_eq!(show(1e-10), "1E-10");
    assert_eq!(show(f64::NAN), "");
}

#[test]
fn other_cell_types_render_or_are_skipped() {
    use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType};
    let show = |d: Data| {
        let mut buf = String::new();
        render(&d, &mut buf).map(str::to_string)
    };
    assert_eq!(show(Data::Int(13812345678)).as_deref(), Some("13812345678"));
    assert_eq!(show(Data::Bool(false)).as_deref(), Some("FALSE"));
    assert_eq!(show(Data::Error(CellErrorType::NA)), None);
    assert_eq!(show(Data::Empty), None);
    assert_eq!(show(Data::String("  ".into())), None);
    let dt = |v, t| Data::DateTime(ExcelDateTime::new(v, t, false));
    assert_eq!(
        show(dt(45322.0, ExcelDateTimeType::DateTime)).as_deref(),
        Some("2024-01-31")
    );
    assert_eq!(
        show(dt(0.5, ExcelDateTimeType::DateTime)).as_deref(),
        Some("12:00:00")
    );
    assert_eq!(
        show(dt(1.5, ExcelDateTimeType::TimeDelta)).as_deref(),
        Some("36:00:00")
    );
    assert_eq!(
        show(Data::DateTimeIso("2024-01-31T08:05:00".into())).as_deref(),
        Some("2024-01-31T08:05:00")
    );
}

#[test]
fn column_letters() {
    let letters = |c| {
        let mut s = String::new();
        push_letters(c, &mut s);
        s
    };
    assert_eq!(letters(0), "A");
    assert_eq!(letters(25), "Z");
    assert_eq!(letters(26), "AA");
    assert_eq!(letters(701), "ZZ");
    assert_eq!(letters(702), "AAA");
    assert_eq!(letters(16383), "XFD");
}

fn zip(members: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

fn manifest(entry: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{entry}</manifest:file-entry>
</manifest:manifest>"#
    )
}

const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:spreadsheet>
  <table:table table:name="客户">
   <table:table-row>
<table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>电话</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
<table:table-cell office:value-type="string"><text:p>王五</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="13712345678"><text:p>13712345678</text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <table:table table:name="备注">
   <table:table-row>
<table:table-cell/>
<table:table-cell office:value-type="float" office:value="110105194912310021"><text:p>1.10105E+17</text:p></table:table-cell>
   </table:table-row>
  </table:table>
 </office:spreadsheet></office:body>
</office:document-content>"#;

/// Without the indentation: calamine, like LibreOffice's writer, expects none between
/// cells.
fn ods_content() -> String {
    ODS_CONTENT.lines().map(str::trim).collect()
}

#[test]
fn ods_sheets_are_read() {
    let ods = zip(&[
        ("mimetype", ODS_MIME),
        ("META-INF/manifest.xml", &manifest("")),
        ("content.xml", &ods_content()),
    ]);
    let (recs, facts) = records(&ods, SheetKind::Ods).unwrap();
    assert!(facts.warnings.is_empty());
    assert_eq!(
        recs,
        vec![
            rec("客户", "A2", "姓名", "王五"),
            rec("客户", "B2", "电话", "13712345678"),
            rec("备注", "B1", "B", "1.10105E+17"),
        ]
    );
}

#[test]
fn encrypted_ods_is_an_error() {
    let entry = r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>"#;
    let ods = zip(&[
        ("mimetype", ODS_MIME),
        ("META-INF/manifest.xml", &manifest(entry)),
        ("content.xml", &ods_content()),
    ]);
    let e = records(&ods, SheetKind::Ods).unwrap_err();
    assert!(matches!(e, SheetError::Encrypted), "{e}");
    assert_eq!(e.kind(), ErrorKind::Encrypted);
}

/// A minimal OLE compound file (version 3, 512-byte sectors) holding the two streams an
/// encrypted xlsx consists of: sector 0 is the FAT, sector 1 the directory.
fn encrypted_xlsx() -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut f = vec![0u8; 512 * 3];
    f[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    f[24..26].copy_from_slice(&0x3Eu16.to_le_bytes()); // minor version
    f[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version
    f[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // little-endian
    f[30..32].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    f[32..34].copy_from_slice(&6u16.to_le_bytes()); // 64-byte mini sectors
    f[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
    f[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
    f[56..60].copy_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
    f[60..64].copy_from_slice(&END.to_le_bytes()); // no mini FAT
    f[68..72].copy_from_slice(&END.to_le_bytes()); // no DIFAT sectors
    for (i, slot) in f[76..512].chunks_mut(4).enumerate() {
        slot.copy_from_slice(&(if i == 0 { 0 } else { FREE }).to_le_bytes());
    }
    let fat = &mut f[512..1024];
    for (i, slot) in fat.chunks_mut(4).enumerate() {
        let v = match i {
            0 => 0xFFFF_FFFD, // the FAT sector itself
            1 => END,         // the directory chain
            _ => FREE,
        };
        slot.copy_from_slice(&v.to_le_bytes());
    }
    let dir = &mut f[1024..1536];
    for (i, (name, typ)) in [
        ("Root Entry", 5u8),
        ("EncryptionInfo", 2),
        ("EncryptedPackage", 2),
    ]
    .iter()
    .enumerate()
    {
        let e = &mut dir[i * 128..(i + 1) * 128];
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        e[64..66].copy_from_slice(&((utf16.len() + 2) as u16).to_le_bytes());
        e[66] = *typ;
        e[68..80].copy_from_slice(&[0xFF; 12]); // no siblings, no child
        e[116..120].copy_from_slice(&END.to_le_bytes()); // empty stream
    }
    dir[68..80].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0]);
    dir[128 + 68..128 + 72].copy_from_slice(&2u32.to_le_bytes());
    f
}

#[test]
fn encrypted_xlsx_is_an_error_whatever_it_is_named() {
    let file = encrypted_xlsx();
    for kind in [SheetKind::Xlsx, SheetKind::Xlsb, SheetKind::Xls, SheetKind::Ods] {
        let e = records(&file, kind).unwrap_err();
        assert!(matches!(e, SheetError::Encrypted), "{kind:?}: {e}");
        assert_eq!(e.kind(), ErrorKind::Encrypted);
    }
}

#[test]
fn truncated_and_garbled_files_are_errors_not_panics() {
    let full = workbook();
    let cut = records(&full[..full.len() / 2], SheetKind::Xlsx).unwrap_err();
    // Cut in half, the zip container has lost its directory.
    assert_eq!(cut.kind(), ErrorKind::Corrupt, "{cut}");
    let cut = cut.to_string();
    assert!(cut.starts_with("corrupt spreadsheet: "), "{cut}");
    assert!(!cut.contains('\n'));
    let empty = records(b"", SheetKind::Xlsx).unwrap_err();
    assert!(empty.to_string().starts_with("corrupt spreadsheet: "));
    assert_eq!(empty.kind(), ErrorKind::Corrupt);
    assert!(records(b"not a workbook", SheetKind::Ods).is_err());
    // Every cut of every container must come back as Ok or Err, never unwind.
    let ole = encrypted_xlsx();
    for (bytes, kind) in [(&full, SheetKind::Xlsx), (&ole, SheetKind::Xls)] {
        for n in (0..bytes.len()).step_by(97) {
            let _ = records(&bytes[..n], kind);
            let _ = records(&bytes[..n], SheetKind::Xlsb);
        }
    }
    // Flipped bytes inside the OLE header and directory.
    for i in (0..ole.len()).step_by(7) {
        let mut bad = ole.clone();
        bad[i] ^= 0x5A;
        let _ = records(&bad, SheetKind::Xls);
    }
}

/// Rewrites a zip, replacing the member `name`.
fn replace_member(bytes: &[u8], name: &str, body: &str) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let member = src.by_index(i).unwrap();
        if member.name().unwrap() == name {
            drop(member);
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        } else {
            w.raw_copy_file(member).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_broken_sheet_is_a_warning_and_the_others_are_read() {
    let broken = replace_member(
        &workbook(),
        "xl/worksheets/sheet2.xml",
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>13812345678</t></is></c>"#,
    );
    let (recs, facts) = records(&broken, SheetKind::Xlsx).unwrap();
    assert_eq!(recs.iter().filter(|r| r.0 == "订单").count(), 12);
    // What the broken sheet gave before it broke off is kept.
    assert_eq!(recs.last().unwrap(), &rec("Sheet2", "A1", "A", "13812345678"));
    assert_eq!(facts.warnings.len(), 1);
    assert!(
        facts.warnings[0].message.starts_with("sheet 'Sheet2': "),
        "{:?}",
        facts.warnings
    );
    assert_eq!(facts.warnings[0].kind, ErrorKind::Corrupt);
}

#[test]
fn a_value_in_a_malformed_cell_is_not_quoted_in_the_reason() {
    let sheet = |t: &str| {
        format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="{t}"><v>1</v></c></row></sheetData></worksheet>"#
        )
    };
    for t in ["13812345678", "138 1234 5678", "li.na@example.com"] {
        let broken = replace_member(&workbook(), "xl/worksheets/sheet2.xml", &sheet(t));
        let (_, facts) = records(&broken, SheetKind::Xlsx).unwrap();
        assert_eq!(facts.warnings.len(), 1, "{t}: {:?}", facts.warnings);
        let message = &facts.warnings[0].message;
        assert!(!message.contains(t), "{message}");
        assert!(!message.contains("5678"), "{message}");
        assert!(
            message.contains('*'),
            "the reason says where something was left out: {message}"
        );
    }
}

/// Records (sheet, cell, column, text) and warnings of events given straight to a
/// `BookWriter` under a budget of `limit` bytes.
fn book_of(limit: u64, events: impl FnOnce(&mut BookWriter<'_, '_>)) -> (Vec<Rec>, Vec<Problem>) {
    use super::parse::Events;
    let budget = MemoryBudget::new(limit);
    let mut out = Vec::new();
    let mut emit = |r: Record<'_>| {
        if let Origin::Sheet {
            sheet, cell, column, ..
        } = r.origin
        {
            out.push(rec(sheet, cell, column, r.text));
        }
    };
    let mut book = BookWriter::new(&mut emit, &budget);
    events(&mut book);
    book.sheet_end(Ok(()));
    let facts = book.finish(Ok(())).unwrap();
    assert_eq!(budget.in_use(), 0, "everything held is given back");
    (out, facts.warnings)
}

#[test]
fn a_cell_far_right_costs_one_column_name_not_one_per_column() {
    use super::parse::Events;
    // `r="ZZZZZZ2"` (hostile C3) and the last column a u32 can name.
    let (recs, warnings) = book_of(64 << 20, |book| {
        book.sheet("s");
        book.cell(0, 0, "phone");
        book.cell(1, 321_272_405, "13812345678");
        book.cell(2, u32::MAX, "13912345678");
    });
    assert!(warnings.is_empty());
    assert_eq!(
        recs,
        vec![
            rec("s", "ZZZZZZ2", "ZZZZZZ", "13812345678"),
            rec("s", "MWLQKWV3", "MWLQKWV", "13912345678"),
        ]
    );
    // Past Excel's 16,384 columns, names are made per cell instead of kept.
    let (recs, _) = book_of(64 << 20, |book| {
        book.sheet("wide");
        book.cell(0, 0, "编号");
        book.cell(0, 1, "手机号");
        for col in 0..20_000 {
            book.cell(1, col, "x");
        }
        book.cell(2, 1, "13812345678");
        book.cell(2, 19_999, "13912345678");
    });
    assert_eq!(recs.len(), 20_002);
    assert_eq!(recs[20_000], rec("wide", "B3", "手机号", "13812345678"));
    assert_eq!(recs[20_001], rec("wide", "ACOF3", "ACOF", "13912345678"));
}

#[test]
fn a_cell_over_the_memory_budget_is_a_warning_and_the_rest_is_read() {
    use super::parse::Events;
    let huge = "13812345678 ".repeat(500_000);
    let (recs, warnings) = book_of(4 << 20, |book| {
        book.sheet("客户");
        book.cell(0, 0, "备注");
        book.cell(1, 0, &huge);
        book.cell(2, 0, "13912345678");
    });
    assert_eq!(recs, vec![rec("客户", "A3", "备注", "13912345678")]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, ErrorKind::TooLarge);
    assert_eq!(
        warnings[0].message,
        "sheet '客户': cell A2 (6 MiB of text) not scanned: more than the memory budget (4 MiB; --max-memory) leaves for it"
    );
    // Rows held back until the header is known count too: the first row's cells are held
    // while they fit, and the ones that do not are warnings.
    // Values, not labels: the first row is data, emitted once the second row starts.
    let cell = "13812345678 ".repeat(87_382);
    let (recs, warnings) = book_of(8 << 20, |book| {
        book.sheet("宽");
        for col in 0..12 {
            book.cell(0, col, &cell);
        }
        book.cell(1, 0, "13912345678");
    });
    assert!((1..12).contains(&warnings.len()), "{}", warnings.len());
    assert!(warnings.iter().all(|w| w.kind == ErrorKind::TooLarge));
    assert_eq!(recs.len(), 12 - warnings.len() + 1);
    assert_eq!(recs.last(), Some(&rec("宽", "A2", "A", "13912345678")));
}

#[test]
fn sheet_names_are_cut_and_value_like_ones_are_not_named_in_reasons() {
    use super::parse::Events;
    let long = "表".repeat(1000);
    let (recs, _) = book_of(64 << 20, |book| {
        book.sheet(&long);
        book.cell(0, 0, "13812345678");
    });
    let name = &recs[0].0;
    assert!(
        name.len() <= MAX_SHEET_NAME && name.ends_with('…'),
        "{}",
        name.len()
    );
    assert!(long.starts_with(name.trim_end_matches('…')));
    let (_, warnings) = book_of(1 << 20, |book| {
        book.sheet("13812345678");
        book.cell(0, 0, &"x".repeat(2 << 20));
    });
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].message.starts_with("sheet '*': cell A1"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn a_workbook_copied_from_an_archive_is_held_against_the_budget() {
    let book = workbook();
    let reader = |limit| SheetReader::new(None, std::sync::Arc::new(MemoryBudget::new(limit)));
    let read = |limit: u64, cap: u64| {
        let mut n = 0;
        let (head, rest) = book.split_at(100);
        reader(limit)
            .read_stream(head.to_vec(), &mut &rest[..], cap, SheetKind::Xlsx, &mut |_| {
                n += 1
            })
            .map(|_| n)
    };
    assert_eq!(read(64 << 20, 1 << 30).unwrap(), 15);
    let small = read(book.len() as u64 / 2, 1 << 30).unwrap_err();
    assert_eq!(small.kind(), ErrorKind::TooLarge, "{small}");
    let capped = read(64 << 20, 1000).unwrap_err();
    assert!(matches!(capped, SourceError::TooLarge { cap: 1000 }), "{capped}");
}
