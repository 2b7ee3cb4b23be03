//! The CSV report: the whole inventory as one table for spreadsheet users, one row per
//! file × detector (`record` = `file`) and one row per column (`record` = `column`). Every
//! file gets at least one row, so the CSV lists all of them; nothing is capped.
//!
//! The header row is stable English snake_case whatever `--lang` says, and so are the
//! values (`national_id`, `sensitive`, `high`): scripts and pivot tables rely on them.
//! `sensitivity` is the class of the row's own data (the detector's, or the column's); a
//! file row without findings has it empty.
//!
//! For Excel: the file starts with a UTF-8 BOM (without it Chinese Excel reads GBK and
//! garbles every path), and text that Excel would take for a formula (`=`, `+`, `-`, `@`,
//! tab, CR first) gets a leading `'`, since paths and column names come from scanned data.

use super::document::Facts;
use crate::finding::Sensitivity;
use crate::inventory::{ColumnEntry, FileEntry};

const HEADER: [&str; 20] = [
    "record",
    "path",
    "format",
    "size",
    "modified",
    "newest_date",
    "sensitivity",
    "risk_score",
    "risk_level",
    "detector",
    "category",
    "findings",
    "distinct",
    "masked",
    "table",
    "column",
    "hits",
    "rows",
    "share",
    "masked_share",
];

const BOM: &str = "\u{feff}";

pub(crate) fn render(facts: &Facts<'_>) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = out.write_record(HEADER);
    for file in &facts.inventory.files {
        for row in file_rows(facts, file) {
            let _ = out.write_record(row);
        }
        for column in &file.columns {
            let _ = out.write_record(column_row(facts, file, column));
        }
    }
    let mut bytes = BOM.as_bytes().to_vec();
    bytes.extend(out.into_inner().unwrap_or_default());
    bytes
}

/// A cell of text from the inventory, made inert for spreadsheets.
fn text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn number(n: u64) -> String {
    n.to_string()
}

fn ratio(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        String::new()
    }
}

fn class(sensitivity: Option<Sensitivity>) -> String {
    match sensitivity {
        Some(Sensitivity::Sensitive) => "sensitive".into(),
        Some(Sensitivity::General) => "general".into(),
        None => String::new(),
    }
}

/// A row with `record`, the file's own fields and everything else empty.
fn base_row(record: &str, file: &FileEntry) -> [String; 20] {
    let mut row: [String; 20] = Default::default();
    row[0] = record.into();
    row[1] = text(&file.path);
    row[2] = text(&file.format);
    row
}

fn file_rows(facts: &Facts<'_>, file: &FileEntry) -> Vec<[String; 20]> {
    let mut row = base_row("file", file);
    row[3] = number(file.size);
    row[4] = file.modified.as_deref().map(text).unwrap_or_default();
    row[5] = file.newest_date.as_deref().map(text).unwrap_or_default();
    if let Some(risk) = &file.risk {
        row[7] = number(u64::from(risk.score));
        row[8] = risk.level.as_str().into();
    }
    // One row per detector with findings or already-masked values (a column masked
    // throughout has no findings, and is still worth a row).
    let detectors: std::collections::BTreeSet<&String> =
        file.by_detector.keys().chain(file.masked.keys()).collect();
    if detectors.is_empty() {
        row[11] = number(file.findings);
        return vec![row];
    }
    detectors
        .into_iter()
        .map(|detector| {
            let findings = file.by_detector.get(detector).copied().unwrap_or(0);
            let mut row = row.clone();
            row[6] = class(facts.detector_sensitivity(detector));
            row[9] = text(detector);
            row[10] = facts.detector_category(detector).map(text).unwrap_or_default();
            row[11] = number(findings);
            row[12] = file
                .distinct
                .get(detector)
                .map(|&n| number(n))
                .unwrap_or_default();
            row[13] = file.masked.get(detector).map(|&n| number(n)).unwrap_or_default();
            row
        })
        .collect()
}

fn column_row(facts: &Facts<'_>, file: &FileEntry, column: &ColumnEntry) -> [String; 20] {
    let mut row = base_row("column", file);
    row[6] = class(facts.column_sensitivity(column));
    row[9] = text(&column.detector);
    row[10] = facts.column_category(column).map(text).unwrap_or_default();
    row[12] = column.distinct.map(number).unwrap_or_default();
    row[13] = number(column.masked);
    row[14] = column.table.as_deref().map(text).unwrap_or_default();
    row[15] = text(&column.name);
    row[16] = number(column.hits);
    row[17] = number(column.rows);
    row[18] = ratio(column.share);
    row[19] = column.masked_share.map(ratio).unwrap_or_default();
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::tests::{sample_inventory, v1_inventory};

    fn records(bytes: &[u8]) -> Vec<Vec<String>> {
        let text = std::str::from_utf8(bytes).expect("UTF-8");
        let text = text.strip_prefix(BOM).expect("a BOM first");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| r.expect("a CSV record").iter().map(String::from).collect())
            .collect()
    }

    fn cell<'r>(row: &'r [String], name: &str) -> &'r str {
        &row[HEADER.iter().position(|h| *h == name).expect("a header")]
    }

    #[test]
    fn guards_against_formula_injection() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("+86 phone"), "'+86 phone");
        assert_eq!(text("-2+3"), "'-2+3");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("\rx"), "'\rx");
        assert_eq!(text("exports/a.csv"), "exports/a.csv");
        assert_eq!(text(""), "");
        let mut inv = sample_inventory();
        inv.files[0].path = "=cmd|' /C calc'!A0.csv".into();
        inv.files[0].columns[0].name = "@SUM(1+1)".into();
        let rows = records(&render(&Facts::new(&inv)));
        assert!(rows.iter().any(|r| cell(r, "path") == "'=cmd|' /C calc'!A0.csv"));
        assert!(rows.iter().any(|r| cell(r, "column") == "'@SUM(1+1)"));
        assert!(!rows
            .iter()
            .flatten()
            .any(|c| c.starts_with('=') || c.starts_with('@')));
    }

    #[test]
    fn starts_with_a_bom_and_a_stable_english_header() {
        let bytes = render(&Facts::new(&sample_inventory()));
        assert!(bytes.starts_with(b"\xEF\xBB\xBFrecord,path,format,size,modified,newest_date,"));
        assert_eq!(records(&bytes)[0], HEADER);
    }

    #[test]
    fn lists_every_file_and_column() {
        let inv = sample_inventory();
        let rows = records(&render(&Facts::new(&inv)));
        let data = &rows[1..];
        assert!(data.iter().all(|r| r.len() == HEADER.len()));
        // Every file has a row, findings or not.
        for f in &inv.files {
            assert!(
                data.iter()
                    .any(|r| cell(r, "record") == "file" && cell(r, "path") == f.path),
                "{}",
                f.path
            );
        }
        let file_rows: Vec<&Vec<String>> = data.iter().filter(|r| cell(r, "record") == "file").collect();
        // One per detector of each file, one for each file without findings.
        assert_eq!(file_rows.len(), 1 + 2 + 1 + 1 + 1);
        let findings: u64 = file_rows
            .iter()
            .map(|r| cell(r, "findings").parse::<u64>().unwrap())
            .sum();
        assert_eq!(findings, inv.totals.findings);
        let ids = file_rows
            .iter()
            .find(|r| cell(r, "detector") == "cn_resident_id")
            .expect("an ID row");
        assert_eq!(cell(ids, "path"), "exports/orders_2021.csv");
        assert_eq!(cell(ids, "category"), "national_id");
        assert_eq!(cell(ids, "sensitivity"), "sensitive");
        assert_eq!(cell(ids, "findings"), "300");
        assert_eq!(cell(ids, "distinct"), "150");
        assert_eq!(cell(ids, "risk_score"), "88");
        assert_eq!(cell(ids, "risk_level"), "high");
        assert_eq!(cell(ids, "newest_date"), "2021-02-27");
        assert_eq!(cell(ids, "column"), "", "not applicable to a file row");
        let clean = file_rows
            .iter()
            .find(|r| cell(r, "path") == "readme.txt")
            .unwrap();
        assert_eq!((cell(clean, "detector"), cell(clean, "findings")), ("", "0"));

        let columns: Vec<&Vec<String>> = data.iter().filter(|r| cell(r, "record") == "column").collect();
        assert_eq!(columns.len(), 4);
        let card = columns.iter().find(|r| cell(r, "column") == "卡号").unwrap();
        assert_eq!(cell(card, "path"), "finance/cards.zip!2020/cards.csv");
        assert_eq!(cell(card, "hits"), "120");
        assert_eq!(cell(card, "share"), "1");
        assert_eq!(cell(card, "sensitivity"), "sensitive");
        assert_eq!(cell(card, "size"), "");
    }

    #[test]
    fn a_file_with_only_masked_values_has_a_row_per_masked_detector() {
        let mut inv = sample_inventory();
        let file = &mut inv.files[0];
        file.by_detector.clear();
        file.findings = 0;
        file.masked = [("cn_mobile".to_string(), 7)].into();
        let path = file.path.clone();
        let rows = records(&render(&Facts::new(&inv)));
        let row = rows
            .iter()
            .find(|r| cell(r, "record") == "file" && cell(r, "path") == path)
            .expect("file row");
        assert_eq!(
            (cell(row, "detector"), cell(row, "masked"), cell(row, "findings")),
            ("cn_mobile", "7", "0")
        );
    }

    #[test]
    fn schema_1_inventories_too() {
        let rows = records(&render(&Facts::new(&v1_inventory())));
        assert_eq!(rows.len(), 1 + 2 + 1);
        let column = rows.iter().find(|r| cell(r, "record") == "column").unwrap();
        assert_eq!(cell(column, "category"), "phone", "from the built-in detector");
        assert_eq!(cell(column, "masked_share"), "");
    }
}
