//! The CSV report: the whole inventory as one table for spreadsheet users, one row per
//! file × detector (`record` = `file`) and one row per column (`record` = `column`). Every
//! file gets at least one row, so the CSV lists all of them; nothing is capped.
//!
//! With `--lang en` the header row is English snake_case and so are the values
//! (`national_id`, `sensitive`, `high`): scripts and pivot tables rely on them. With
//! `--lang zh` the same columns in the same order carry Chinese headers and labels (身份证号,
//! 敏感个人信息, 高; detectors as 手机号码（cn_mobile）), for people who open it in Excel.
//! Numbers, paths, formats and times are the same in both; times are RFC 3339 in the
//! machine's time zone (`2021-03-01T18:00:00+08:00`). `sensitivity` is the class of the
//! row's own data (the detector's, or the column's); a file row without findings has it empty.
//! `minors` (on a file's resident ID row) and `precision_lost` (on a column row) come with a
//! `note` saying why they matter. An inventory of several stores (`scan --store`) adds a
//! `store` column after `record`, and `path` is relative to that store's folder.
//!
//! For Excel: the file starts with a UTF-8 BOM (without it Chinese Excel reads GBK and
//! garbles every path), and text that Excel would take for a formula (`=`, `+`, `-`, `@`,
//! tab, CR first) gets a leading `'`, since paths and column names come from scanned data.
//! Printed on a terminal, names have their control characters escaped.

use super::document::Facts;
use super::i18n;
use super::Lang;
use crate::finding::{Category, Sensitivity};
use crate::inventory::{ColumnEntry, FileEntry, Severity};

/// Columns of every row.
const WIDTH: usize = 23;

const HEADER: [&str; WIDTH] = [
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
    "minors",
    "precision_lost",
    "note",
];

/// `HEADER` for people reading Chinese, column for column.
const HEADER_ZH: [&str; WIDTH] = [
    "记录类型",
    "路径",
    "格式",
    "大小（字节）",
    "修改时间",
    "文件内最新日期",
    "敏感程度",
    "风险评分",
    "风险等级",
    "检测器",
    "类别",
    "发现数",
    "去重后数量",
    "已脱敏数",
    "表/工作表",
    "列名",
    "命中数",
    "非空行数",
    "占比",
    "已脱敏比例",
    "未成年人身份证号",
    "精度丢失的单元格",
    "备注",
];

/// A row with `store` inserted after `record`.
fn with_store(row: Row, store: String) -> Vec<String> {
    let mut row = Vec::from(row);
    row.insert(1, store);
    row
}

const BOM: &str = "\u{feff}";

type Row = [String; WIDTH];

pub(crate) fn render(facts: &Facts<'_>, lang: Lang, to_terminal: bool) -> Vec<u8> {
    let table = Table {
        facts,
        lang,
        to_terminal,
    };
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = match lang {
        Lang::En => HEADER,
        Lang::Zh => HEADER_ZH,
    };
    // Writing into a Vec cannot fail.
    if facts.inventory.stores.is_empty() {
        let _ = out.write_record(header);
    } else {
        let store = match lang {
            Lang::En => "store",
            Lang::Zh => "店铺",
        };
        let _ = out.write_record(with_store(header.map(String::from), store.into()));
    }
    for file in &facts.inventory.files {
        let rows = table.file_rows(file).into_iter();
        let rows = rows.chain(file.columns.iter().map(|column| table.column_row(file, column)));
        if facts.inventory.stores.is_empty() {
            for row in rows {
                let _ = out.write_record(row);
            }
        } else {
            // The store in its own column, the path relative to it.
            let (store, path) = facts.in_store(&file.path).unwrap_or(("", &file.path));
            for mut row in rows {
                row[1] = table.name(path);
                let _ = out.write_record(with_store(row, table.name(store)));
            }
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

struct Table<'f, 'a> {
    facts: &'f Facts<'a>,
    lang: Lang,
    to_terminal: bool,
}

impl Table<'_, '_> {
    /// A name from the scanned share (path, column, table): inert for spreadsheets, and
    /// without control characters on a terminal.
    fn name(&self, value: &str) -> String {
        if self.to_terminal {
            text(&crate::terminal::printable(value))
        } else {
            text(value)
        }
    }

    fn class(&self, sensitivity: Option<Sensitivity>) -> String {
        match (sensitivity, self.lang) {
            (None, _) => String::new(),
            (Some(s), Lang::En) => s.as_str().into(),
            (Some(s), Lang::Zh) => i18n::sensitivity(Lang::Zh, s).into(),
        }
    }

    fn level(&self, level: Severity) -> String {
        match self.lang {
            Lang::En => level.as_str().into(),
            Lang::Zh => i18n::level(Lang::Zh, level).into(),
        }
    }

    fn category(&self, category: Option<&str>) -> String {
        match (category, self.lang) {
            (None, _) => String::new(),
            (Some(c), Lang::En) => self.name(c),
            (Some(c), Lang::Zh) => self.name(&i18n::category(Lang::Zh, c)),
        }
    }

    fn detector(&self, id: &str) -> String {
        self.name(&i18n::detector(self.lang, id))
    }

    fn record(&self, file_row: bool) -> String {
        match (file_row, self.lang) {
            (true, Lang::En) => "file".into(),
            (false, Lang::En) => "column".into(),
            (true, Lang::Zh) => "文件".into(),
            (false, Lang::Zh) => "列".into(),
        }
    }

    /// A row with `record`, the file's own fields and everything else empty.
    fn base_row(&self, file_row: bool, file: &FileEntry) -> Row {
        let mut row: Row = Default::default();
        row[0] = self.record(file_row);
        row[1] = self.name(&file.path);
        row[2] = self.name(&file.format);
        row
    }

    fn file_rows(&self, file: &FileEntry) -> Vec<Row> {
        let facts = self.facts;
        let mut row = self.base_row(true, file);
        row[3] = number(file.size);
        row[4] = file
            .modified
            .as_deref()
            .map(|m| text(&i18n::rfc3339_local(&facts.zone, m)))
            .unwrap_or_default();
        row[5] = file.newest_date.as_deref().map(text).unwrap_or_default();
        if let Some(risk) = &file.risk {
            row[7] = number(u64::from(risk.score));
            row[8] = self.level(risk.level);
        }
        // One row per detector with findings or already-masked values (a column masked
        // throughout has no findings, and is still worth a row).
        let detectors: std::collections::BTreeSet<&String> =
            file.by_detector.keys().chain(file.masked.keys()).collect();
        let mut rows: Vec<Row> = if detectors.is_empty() {
            row[11] = number(file.findings);
            vec![row]
        } else {
            detectors
                .iter()
                .map(|&detector| {
                    let findings = file.by_detector.get(detector).copied().unwrap_or(0);
                    let mut row = row.clone();
                    row[6] = self.class(facts.detector_sensitivity(detector));
                    row[9] = self.detector(detector);
                    row[10] = self.category(facts.detector_category(detector));
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
        };
        if file.minors > 0 {
            // Children's IDs are national ID findings: on that row, so the column adds up.
            let at = detectors
                .iter()
                .position(|d| facts.detector_category(d) == Some(Category::NationalId.as_str()))
                .unwrap_or(0);
            rows[at][20] = number(file.minors);
            rows[at][22] = i18n::minors_note(self.lang).into();
        }
        rows
    }

    fn column_row(&self, file: &FileEntry, column: &ColumnEntry) -> Row {
        let facts = self.facts;
        let mut row = self.base_row(false, file);
        row[6] = self.class(facts.column_sensitivity(column));
        row[9] = self.detector(&column.detector);
        row[10] = self.category(facts.column_category(column));
        row[12] = column.distinct.map(number).unwrap_or_default();
        row[13] = number(column.masked);
        row[14] = column.table.as_deref().map(|t| self.name(t)).unwrap_or_default();
        row[15] = self.name(&column.name);
        row[16] = number(column.hits);
        row[17] = number(column.rows);
        row[18] = ratio(column.share);
        row[19] = column.masked_share.map(ratio).unwrap_or_default();
        if let Some(lost) = column.precision_lost.filter(|&n| n > 0) {
            row[21] = number(lost);
            row[22] = i18n::precision_lost_note(self.lang).into();
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::tests::{sample_inventory, stores_inventory, v1_inventory};
    use crate::report::i18n::Zone;

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
        let rows = records(&render(&Facts::new(&inv), Lang::En, false));
        assert!(rows.iter().any(|r| cell(r, "path") == "'=cmd|' /C calc'!A0.csv"));
        assert!(rows.iter().any(|r| cell(r, "column") == "'@SUM(1+1)"));
        assert!(!rows
            .iter()
            .flatten()
            .any(|c| c.starts_with('=') || c.starts_with('@')));
    }

    #[test]
    fn starts_with_a_bom_and_a_stable_english_header() {
        let bytes = render(&Facts::new(&sample_inventory()), Lang::En, false);
        assert!(bytes.starts_with(b"\xEF\xBB\xBFrecord,path,format,size,modified,newest_date,"));
        assert_eq!(records(&bytes)[0], HEADER);
    }

    #[test]
    fn lists_every_file_and_column() {
        let inv = sample_inventory();
        let rows = records(&render(&Facts::new(&inv), Lang::En, false));
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
        let rows = records(&render(&Facts::new(&inv), Lang::En, false));
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
    fn in_chinese_headers_and_labels_are_chinese_and_the_numbers_the_same() {
        let inv = sample_inventory();
        let zh = records(&render(&Facts::new(&inv), Lang::Zh, false));
        let en = records(&render(&Facts::new(&inv), Lang::En, false));
        assert_eq!(zh[0], HEADER_ZH);
        assert_eq!(zh.len(), en.len());
        let ids = zh
            .iter()
            .find(|r| r[9] == "居民身份证号（cn_resident_id）" && r[0] == "文件")
            .expect("the ID row in Chinese");
        assert_eq!(
            (
                ids[1].as_str(),
                ids[6].as_str(),
                ids[8].as_str(),
                ids[10].as_str(),
                ids[11].as_str()
            ),
            ("exports/orders_2021.csv", "敏感个人信息", "高", "身份证号", "300")
        );
        let column = zh
            .iter()
            .find(|r| r[0] == "列" && r[15] == "卡号")
            .expect("a column row");
        assert_eq!(
            (column[6].as_str(), column[10].as_str()),
            ("敏感个人信息", "银行卡号")
        );
        // No English label is left in a Chinese CSV's labelled columns.
        for row in &zh[1..] {
            for at in [0, 6, 8, 10] {
                assert!(
                    row[at].is_empty() || row[at].chars().any(|c| c >= '\u{4e00}'),
                    "{}: {:?}",
                    HEADER[at],
                    row[at]
                );
            }
        }
        // The numbers are the same in both languages.
        for (z, e) in zh[1..].iter().zip(&en[1..]) {
            for at in [1, 3, 4, 7, 11, 12, 13, 16, 17, 18, 20, 21] {
                assert_eq!(z[at], e[at], "{}", HEADER[at]);
            }
        }
    }

    #[test]
    fn times_are_local_rfc_3339() {
        let inv = sample_inventory();
        let modified_in = |zone: Zone| {
            let rows = records(&render(&Facts::new(&inv).in_zone(zone), Lang::En, false));
            let orders = rows
                .iter()
                .find(|r| cell(r, "path") == "exports/orders_2021.csv" && cell(r, "record") == "file")
                .unwrap();
            cell(orders, "modified").to_string()
        };
        assert_eq!(modified_in(Zone::fixed(8 * 3600)), "2021-03-01T18:00:00+08:00");
        assert_eq!(modified_in(Zone::unknown()), "2021-03-01T10:00:00+00:00");
    }

    #[test]
    fn children_s_ids_and_damaged_columns_come_with_a_note() {
        let mut inv = sample_inventory();
        inv.files[1].columns[1].precision_lost = Some(17);
        for lang in [Lang::En, Lang::Zh] {
            let rows = records(&render(&Facts::new(&inv), lang, false));
            let minors: Vec<&Vec<String>> = rows[1..].iter().filter(|r| !r[20].is_empty()).collect();
            assert_eq!(minors.len(), 1, "once per file, on its ID row");
            assert_eq!(minors[0][1], "exports/orders_2021.csv");
            assert_eq!(minors[0][20], "3");
            assert!(minors[0][9].contains("cn_resident_id"));
            assert_eq!(minors[0][22], i18n::minors_note(lang));
            let damaged: Vec<&Vec<String>> = rows[1..].iter().filter(|r| !r[21].is_empty()).collect();
            assert_eq!(damaged.len(), 1);
            assert_eq!(
                (damaged[0][15].as_str(), damaged[0][21].as_str()),
                ("身份证号", "17")
            );
            assert_eq!(damaged[0][22], i18n::precision_lost_note(lang));
        }
        assert!(i18n::minors_note(Lang::En).contains("under 14"));
        assert!(i18n::precision_lost_note(Lang::En).contains("digits"));
    }

    #[test]
    fn on_a_terminal_names_lose_their_control_characters() {
        let mut inv = sample_inventory();
        inv.files[0].path = "evil\u{1b}]0;x\u{7}\nname.csv".into();
        inv.files[0].columns[0].name = "手机\r号".into();
        let printed = render(&Facts::new(&inv), Lang::En, true);
        let text = std::str::from_utf8(&printed).unwrap();
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text}");
        assert!(text.contains("evil\\u{1b}]0;x\\u{7}\\nname.csv"), "{text}");
        assert!(text.contains("手机\\r号"));
        // A file keeps the names as they are (quoted by the CSV rules).
        let saved = render(&Facts::new(&inv), Lang::En, false);
        let rows = records(&saved);
        assert!(rows
            .iter()
            .any(|r| cell(r, "path") == "evil\u{1b}]0;x\u{7}\nname.csv"));
    }

    #[test]
    fn stores_have_a_column_and_paths_relative_to_them() {
        let inv = stores_inventory();
        let rows = records(&render(&Facts::new(&inv), Lang::En, false));
        assert_eq!(rows[0][..3], ["record", "store", "path"]);
        assert_eq!(rows[0][3..], HEADER[2..]);
        assert!(rows.iter().all(|r| r.len() == WIDTH + 1));
        let stored: std::collections::BTreeSet<(&str, &str)> =
            rows[1..].iter().map(|r| (r[1].as_str(), r[2].as_str())).collect();
        assert_eq!(
            stored.into_iter().collect::<Vec<_>>(),
            [
                ("taobao", "finance/cards.zip"),
                ("taobao", "finance/cards.zip!2020/cards.csv"),
                ("taobao", "readme.txt"),
                ("tmall", "exports/backup/orders_copy.csv"),
                ("tmall", "exports/orders_2021.csv"),
            ]
        );
        let zh = records(&render(&Facts::new(&inv), Lang::Zh, false));
        assert_eq!(zh[0][..3], ["记录类型", "店铺", "路径"]);
        // A store's name is inert for spreadsheets like any name.
        let mut odd = stores_inventory();
        odd.files[0].path = "=cmd/exports/x.csv".into();
        let rows = records(&render(&Facts::new(&odd), Lang::En, false));
        assert!(rows.iter().any(|r| r[1] == "'=cmd" && r[2] == "exports/x.csv"));
    }

    #[test]
    fn schema_1_inventories_too() {
        let rows = records(&render(&Facts::new(&v1_inventory()), Lang::En, false));
        assert_eq!(rows.len(), 1 + 2 + 1);
        let column = rows.iter().find(|r| cell(r, "record") == "column").unwrap();
        assert_eq!(cell(column, "category"), "phone", "from the built-in detector");
        assert_eq!(cell(column, "masked_share"), "");
    }
}
