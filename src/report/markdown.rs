//! The Markdown report: the facts a personal information protection impact assessment
//! (PIPL Art. 55-56) quotes, ready to paste: the scan, totals by category and class, the
//! actions and the most urgent of them, the riskiest files, the columns holding sensitive
//! data, and how many files could not be read. Tables are short (`MARKDOWN_ROWS`); the CSV
//! has everything.
//!
//! Paths and names come from scanned data, so they are written as code spans (where no
//! markup works) and other text is escaped: a file name can neither break a table nor
//! inject HTML into a rendered assessment.

use super::document::{Col, Facts, MARKDOWN_ROWS, TOP_FILES};
use super::i18n::{self, Label};
use super::Lang;
use crate::finding::Sensitivity;
use crate::terminal::printable;
use std::fmt::Write;

pub(crate) fn render(facts: &Facts<'_>, lang: Lang) -> String {
    let doc = Doc { facts, lang };
    let mut out = String::with_capacity(16 << 10);
    let _ = writeln!(out, "# {}\n", doc.t(Label::Title));
    doc.scan_facts(&mut out);
    if !facts.inventory.stores.is_empty() {
        doc.stores(&mut out);
    }
    doc.categories(&mut out);
    doc.actions(&mut out);
    doc.attention(&mut out);
    doc.riskiest(&mut out);
    doc.sensitive_columns(&mut out);
    doc.id_images(&mut out);
    doc.names(&mut out);
    doc.errors(&mut out);
    let _ = writeln!(out, "---\n\n{}", doc.t(Label::PrivacyNote));
    out
}

/// Text in a table cell: one line, Markdown and HTML characters taken literally, and no
/// control character (a name's escape sequence would drive the terminal the Markdown is
/// printed on, or hide in a rendered page).
fn cell(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A path or name as a code span, shown exactly as it is. Inside a table a `|` still needs
/// its backslash (GFM splits cells first); the fence is longer than any run of backticks in
/// the text.
fn code(text: &str) -> String {
    if text.is_empty() {
        return "—".into();
    }
    let text = printable(text).replace('|', "\\|");
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

struct Doc<'f, 'a> {
    facts: &'f Facts<'a>,
    lang: Lang,
}

impl Doc<'_, '_> {
    fn t(&self, label: Label) -> String {
        cell(label.text(self.lang))
    }

    /// A detector: its Chinese name with the id in zh, the id as code in en.
    fn detector(&self, id: &str) -> String {
        match self.lang {
            Lang::Zh => cell(&i18n::detector(self.lang, id)),
            Lang::En => code(id),
        }
    }

    /// A file's path as a code span; with stores, its store first (`tmall: `exports/a.csv``).
    fn path(&self, path: &str) -> String {
        match self.facts.in_store(path) {
            Some((store, rest)) => format!("{}: {}", cell(store), code(rest)),
            None => code(path),
        }
    }

    /// A table of cells already escaped; a note follows when `total` exceeds the rows.
    fn table(&self, out: &mut String, columns: &[Col], rows: &[Vec<String>], total: usize) {
        if rows.is_empty() {
            let _ = writeln!(out, "{}\n", self.t(Label::NoneFound));
            return;
        }
        let head: Vec<String> = columns
            .iter()
            .map(|col| match *col {
                Col::Text(l) | Col::Short(l) | Col::Num(l) => self.t(l),
            })
            .collect();
        let align: String = columns
            .iter()
            .map(|col| match col {
                Col::Num(_) => "---:|",
                Col::Text(_) | Col::Short(_) => "---|",
            })
            .collect();
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(out, "|{align}");
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out.push('\n');
        if rows.len() < total {
            let _ = writeln!(
                out,
                "{}\n",
                cell(&i18n::rows_left_out(self.lang, rows.len(), total))
            );
        }
    }

    fn scan_facts(&self, out: &mut String) {
        let inv = self.facts.inventory;
        let totals = &inv.totals;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionScanFacts));
        let roots: Vec<String> = inv.roots.iter().map(|r| code(r)).collect();
        let key = self.t(if inv.key.cross_scan {
            Label::KeyStable
        } else {
            Label::KeyPerScan
        });
        let policy = inv
            .policy
            .file
            .as_deref()
            .map_or_else(|| self.t(Label::BuiltinPolicy), code);
        let rows: Vec<Vec<String>> = [
            (
                Label::ScannedAt,
                cell(&self.facts.time(self.lang, &inv.scanned_at)),
            ),
            (Label::Roots, roots.join(", ")),
            (
                Label::ToolVersion,
                cell(&format!("{} {}", inv.tool.name, inv.tool.version)),
            ),
            (Label::FingerprintKey, key),
            (Label::Policy, policy),
            (Label::Files, i18n::count(totals.files)),
            (Label::DataVolume, i18n::bytes(totals.bytes)),
            (Label::FilesWithFindings, i18n::count(totals.files_with_findings)),
            (Label::Findings, i18n::count(totals.findings)),
            (
                Label::SensitiveFindings,
                i18n::count(self.facts.sensitive_findings()),
            ),
            (Label::Minors, i18n::count(totals.minors)),
            (Label::MaskedValues, i18n::count(self.facts.masked_values())),
            (Label::ErrorsTotal, i18n::count(totals.errors)),
            (Label::SkippedTotal, i18n::count(totals.skipped)),
            (
                Label::NameFindingsTotal,
                i18n::count(inv.names.iter().map(|n| n.findings).sum()),
            ),
            (
                Label::IdImagesTotal,
                i18n::count(inv.suspected_id_images.len() as u64),
            ),
        ]
        .into_iter()
        .map(|(label, value)| vec![self.t(label), value])
        .collect();
        self.table(
            out,
            &[Col::Text(Label::Item), Col::Text(Label::Value)],
            &rows,
            rows.len(),
        );
    }

    /// Each store's share (`scan --store`), in the order the stores were given.
    fn stores(&self, out: &mut String) {
        let stores = &self.facts.inventory.stores;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionStores));
        let _ = writeln!(out, "{}\n", self.t(Label::IntroStores));
        let rows: Vec<Vec<String>> = stores
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|store| {
                let t = &store.totals;
                let categories: Vec<String> = Facts::store_categories(t)
                    .iter()
                    .map(|&(c, n)| format!("{} {}", i18n::category(self.lang, c), i18n::count(n)))
                    .collect();
                vec![
                    cell(&store.name),
                    code(&store.root),
                    i18n::count(t.files),
                    i18n::count(t.files_with_findings),
                    i18n::count(t.findings),
                    if categories.is_empty() {
                        "—".into()
                    } else {
                        cell(&categories.join(if self.lang == Lang::Zh { "，" } else { ", " }))
                    },
                    i18n::count(Facts::store_high_risk(t)),
                    i18n::count(Facts::store_actions(t)),
                    i18n::count(t.errors),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Store),
                Col::Text(Label::StoreRoot),
                Col::Num(Label::Files),
                Col::Num(Label::FilesWithFindings),
                Col::Num(Label::Findings),
                Col::Text(Label::ByCategory),
                Col::Num(Label::HighRiskFiles),
                Col::Num(Label::ActionsTotal),
                Col::Num(Label::ErrorsTotal),
            ],
            &rows,
            stores.len(),
        );
    }

    fn categories(&self, out: &mut String) {
        let facts = self.facts;
        let totals = &facts.inventory.totals;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionCategories));
        let rows: Vec<Vec<String>> = facts
            .categories()
            .iter()
            .map(|c| {
                vec![
                    cell(&i18n::category(self.lang, c.category)),
                    c.sensitivity
                        .map_or_else(|| "—".into(), |s| cell(i18n::sensitivity(self.lang, s))),
                    i18n::count(c.findings),
                    i18n::count(c.masked),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Category),
                Col::Text(Label::Class),
                Col::Num(Label::Findings),
                Col::Num(Label::Masked),
            ],
            &rows,
            rows.len(),
        );
        let files_by_class = facts.files_by_sensitivity();
        let rows: Vec<Vec<String>> = [Sensitivity::Sensitive, Sensitivity::General]
            .into_iter()
            .map(|s| {
                let key = s.as_str();
                vec![
                    cell(i18n::sensitivity(self.lang, s)),
                    i18n::count(totals.by_sensitivity.get(key).copied().unwrap_or(0)),
                    i18n::count(files_by_class.get(key).copied().unwrap_or(0)),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Class),
                Col::Num(Label::Findings),
                Col::Num(Label::FilesCount),
            ],
            &rows,
            rows.len(),
        );
        let _ = writeln!(out, "{}\n", self.t(Label::IntroSensitive));
        let by_risk = facts.files_by_risk();
        if !by_risk.is_empty() {
            let _ = writeln!(out, "### {}\n", self.t(Label::FilesByRisk));
            let rows: Vec<Vec<String>> = by_risk
                .iter()
                .map(|(level, n)| vec![cell(&i18n::level_key(self.lang, level)), i18n::count(*n)])
                .collect();
            self.table(
                out,
                &[Col::Text(Label::RiskLevel), Col::Num(Label::FilesCount)],
                &rows,
                rows.len(),
            );
        }
    }

    fn actions(&self, out: &mut String) {
        let actions = &self.facts.inventory.actions;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionActions));
        let rows: Vec<Vec<String>> = self
            .facts
            .actions_by_kind()
            .iter()
            .map(|(kind, n)| vec![cell(&i18n::action_kind_key(self.lang, kind)), i18n::count(*n)])
            .collect();
        self.table(
            out,
            &[Col::Text(Label::Kind), Col::Num(Label::Count)],
            &rows,
            rows.len(),
        );
        if actions.is_empty() {
            let _ = writeln!(out, "{}\n", self.t(Label::NoActions));
            return;
        }
        let _ = writeln!(out, "### {}\n", self.t(Label::SectionTopActions));
        let rows: Vec<Vec<String>> = actions
            .iter()
            .take(TOP_FILES)
            .map(|a| {
                let mut place: Vec<String> = [a.table.as_deref(), a.column.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(code)
                    .collect();
                place.extend(a.detector.as_deref().map(|d| self.detector(d)));
                vec![
                    cell(i18n::level(self.lang, a.severity)),
                    cell(i18n::action_kind(self.lang, a.kind)),
                    self.path(&a.path),
                    if place.is_empty() {
                        "—".into()
                    } else {
                        place.join(" · ")
                    },
                    cell(&self.facts.evidence(self.lang, a)),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Short(Label::Severity),
                Col::Short(Label::Kind),
                Col::Text(Label::Path),
                Col::Text(Label::Location),
                Col::Text(Label::Evidence),
            ],
            &rows,
            actions.len(),
        );
    }

    /// Files with children's IDs and columns Excel damaged: few, and each needs a person.
    fn attention(&self, out: &mut String) {
        let facts = self.facts;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionAttention));
        let minors = facts.files_with_minors();
        let _ = writeln!(out, "### {}\n", self.t(Label::FilesWithMinors));
        let _ = writeln!(out, "{}\n", self.t(Label::IntroMinors));
        let rows: Vec<Vec<String>> = minors
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|f| vec![self.path(&f.path), i18n::count(f.minors), i18n::count(f.findings)])
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Num(Label::MinorsCount),
                Col::Num(Label::Findings),
            ],
            &rows,
            minors.len(),
        );
        let damaged = facts.precision_lost_columns();
        let _ = writeln!(out, "### {}\n", self.t(Label::ColumnsPrecisionLost));
        let _ = writeln!(out, "{}\n", self.t(Label::IntroPrecisionLost));
        let rows: Vec<Vec<String>> = damaged
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|&(file, c)| {
                vec![
                    self.path(&file.path),
                    c.table.as_deref().map_or_else(|| "—".into(), code),
                    code(&c.name),
                    self.detector(&c.detector),
                    i18n::count(c.precision_lost.unwrap_or(0)),
                    i18n::count(c.rows),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Table),
                Col::Text(Label::Column),
                Col::Text(Label::Detector),
                Col::Num(Label::PrecisionLost),
                Col::Num(Label::Rows),
            ],
            &rows,
            damaged.len(),
        );
    }

    fn riskiest(&self, out: &mut String) {
        let files = self.facts.riskiest();
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionRiskiest));
        if files.is_empty() {
            let _ = writeln!(out, "{}\n", self.t(Label::NoRisk));
            return;
        }
        let rows: Vec<Vec<String>> = files
            .iter()
            .take(TOP_FILES)
            .filter_map(|f| {
                let risk = f.risk.as_ref()?;
                let factors = [
                    (Label::FactorWhat, risk.factors.what),
                    (Label::FactorVolume, risk.factors.volume),
                    (Label::FactorAge, risk.factors.age),
                    (Label::FactorExposure, risk.factors.exposure),
                ]
                .iter()
                .map(|(l, n)| format!("{} {n}", l.text(self.lang)))
                .collect::<Vec<_>>()
                .join(" · ");
                Some(vec![
                    self.path(&f.path),
                    risk.score.to_string(),
                    cell(i18n::level(self.lang, risk.level)),
                    cell(&factors),
                    cell(&i18n::category_list(self.lang, Facts::file_categories(f))),
                    i18n::count(f.findings),
                ])
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Num(Label::RiskScore),
                Col::Text(Label::RiskLevel),
                Col::Text(Label::Factors),
                Col::Text(Label::Categories),
                Col::Num(Label::Findings),
            ],
            &rows,
            files.len().min(TOP_FILES),
        );
    }

    fn sensitive_columns(&self, out: &mut String) {
        let facts = self.facts;
        let columns: Vec<_> = facts
            .columns()
            .into_iter()
            .filter(|(_, c)| facts.column_sensitivity(c) == Some(Sensitivity::Sensitive))
            .collect();
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionSensitiveColumns));
        let rows: Vec<Vec<String>> = columns
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|&(file, c)| {
                vec![
                    self.path(&file.path),
                    c.table.as_deref().map_or_else(|| "—".into(), code),
                    code(&c.name),
                    facts
                        .column_category(c)
                        .map_or_else(|| "—".into(), |cat| cell(&i18n::category(self.lang, cat))),
                    i18n::count(c.hits),
                    i18n::count(c.rows),
                    i18n::percent(c.share),
                    c.masked_share.map_or_else(|| "—".into(), i18n::percent),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Table),
                Col::Text(Label::Column),
                Col::Text(Label::Category),
                Col::Num(Label::Hits),
                Col::Num(Label::Rows),
                Col::Num(Label::Share),
                Col::Num(Label::MaskedShare),
            ],
            &rows,
            columns.len(),
        );
    }

    /// Images named as ID documents (never read), riskiest first.
    fn id_images(&self, out: &mut String) {
        let images = self.facts.suspected_id_images();
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionIdImages));
        if images.is_empty() {
            let _ = writeln!(out, "{}\n", self.t(Label::NoneFound));
            return;
        }
        let _ = writeln!(out, "{}\n", self.t(Label::IntroIdImages));
        let rows: Vec<Vec<String>> = images
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|i| {
                vec![
                    self.path(&i.path),
                    cell(i18n::image_kind(self.lang, i.kind)),
                    cell(&i18n::image_reason(self.lang, &i.reason)),
                    i.risk
                        .as_ref()
                        .map_or_else(|| "—".into(), |r| r.score.to_string()),
                    i.modified
                        .as_deref()
                        .map_or_else(|| "—".into(), |m| cell(&self.facts.time(self.lang, m))),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Kind),
                Col::Text(Label::Reason),
                Col::Num(Label::RiskScore),
                Col::Text(Label::Date),
            ],
            &rows,
            images.len(),
        );
    }

    /// Files and folders whose names hold personal data.
    fn names(&self, out: &mut String) {
        let names = &self.facts.inventory.names;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionNames));
        if names.is_empty() {
            let _ = writeln!(out, "{}\n", self.t(Label::NoneFound));
            return;
        }
        let _ = writeln!(out, "{}\n", self.t(Label::IntroNames));
        let rows: Vec<Vec<String>> = names
            .iter()
            .take(MARKDOWN_ROWS)
            .map(|n| {
                let categories: Vec<&str> = n.by_category.keys().map(String::as_str).collect();
                vec![
                    self.path(&n.path),
                    cell(&i18n::path_part(self.lang, n.path_component, n.depth)),
                    cell(&i18n::category_list(self.lang, categories)),
                    i18n::count(n.findings),
                ]
            })
            .collect();
        self.table(
            out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::PathPart),
                Col::Text(Label::Categories),
                Col::Num(Label::Findings),
            ],
            &rows,
            names.len(),
        );
    }

    fn errors(&self, out: &mut String) {
        let inv = self.facts.inventory;
        let _ = writeln!(out, "## {}\n", self.t(Label::SectionErrorsAndSkipped));
        let (errors, skipped) = (
            i18n::count(inv.errors.len() as u64),
            i18n::count(inv.skipped.len() as u64),
        );
        let sentence = match self.lang {
            Lang::Zh => format!(
                "{errors} 个文件未能完整读取，{skipped} 个文件未扫描（如 PDF、Word 文档、超过大小上限的文件）；详见清单中的 errors 与 skipped 字段。"
            ),
            Lang::En => format!(
                "{errors} files could not be read in full and {skipped} were skipped (PDFs, Word documents, files over the size limit...); the inventory's errors and skipped lists name them."
            ),
        };
        let _ = writeln!(out, "{}\n", cell(&sentence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::tests::{sample_inventory, stores_inventory, v1_inventory};

    fn markdown(inv: &crate::inventory::Inventory, lang: Lang) -> String {
        render(&Facts::new(inv), lang)
    }

    #[test]
    fn cells_stay_one_literal_line() {
        assert_eq!(cell("a|b\nc"), "a\\|b\\\\nc");
        assert_eq!(cell("x\u{1b}[31m"), "x\\\\u{1b}\\[31m");
        assert_eq!(cell("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
        assert_eq!(cell("100%"), "100%");
        assert_eq!(code("exports/orders_2021.csv"), "`exports/orders_2021.csv`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("two\nlines"), "`two\\nlines`");
        assert_eq!(code("a\u{1b}]0;x\u{7}"), "`a\\u{1b}]0;x\\u{7}`");
        assert_eq!(code(""), "—");
    }

    #[test]
    fn a_hostile_path_cannot_break_a_table() {
        let mut inv = sample_inventory();
        inv.files[1].path = "exports/<script>x</script>|\n| evil |.csv".into();
        inv.files[1].columns[1].name = "身份证|号\n".into();
        let md = markdown(&inv, Lang::En);
        let section = md.split("## Columns with sensitive").nth(1).unwrap();
        let row = section
            .lines()
            .find(|l| l.contains("evil"))
            .expect("the hostile row");
        // Every cell separator is the table's: the row has as many cells as the header.
        let header = section.lines().find(|l| l.starts_with("| Path")).unwrap();
        let separators = |l: &str| l.replace("\\|", "").matches('|').count();
        assert_eq!(separators(row), separators(header), "{row}");
        assert!(
            row.contains("`exports/<script>x</script>\\|\\n\\| evil \\|.csv`"),
            "{row}"
        );
        assert!(row.contains("`身份证\\|号\\n`"), "{row}");
        assert!(
            !md.lines().any(|l| l.starts_with("| evil")),
            "a name broke a line"
        );
    }

    #[test]
    fn holds_the_assessment_facts() {
        let md = markdown(&sample_inventory(), Lang::En);
        for text in [
            "# Personal data inventory report",
            "| Files scanned | 5 |",
            "| Findings | 3,970 |",
            "| Sensitive personal information | 420 |",
            "| Resident IDs of children under 14 | 3 |",
            "| Errors | 1 |",
            "| Policy | `policy.toml` |",
            "| Resident ID | Sensitive | 300 | 0 |",
            "| Phone | General | 3,550 | 12 |",
            "| Sensitive | 420 | 2 |",
            "| Retention overdue | 1 |",
            "| High | Retention overdue | `exports/orders_2021.csv` | — | data is 1,200 days old (limit 1,095)",
            "| Medium | Column to mask | `exports/orders_2021.csv` | `身份证号` · `cn_resident_id` | 300 of 1,800 values are not masked |",
            "| `exports/orders_2021.csv` | 88 | High | what 40 · volume 30 · age 15 · exposure 3 | Resident ID, Phone | 2,100 |",
            "| `finance/cards.zip!2020/cards.csv` | — | `卡号` | Bank card | 120 | 120 | 100% | 0% |",
            "1 files could not be read in full and 1 were skipped",
        ] {
            assert!(md.contains(text), "missing {text}\n{md}");
        }
        assert!(
            !md.contains("`联系手机`"),
            "general columns are not in the sensitive list"
        );
    }

    #[test]
    fn in_chinese() {
        let md = markdown(&sample_inventory(), Lang::Zh);
        for text in [
            "# 个人信息数据清单报告",
            "## 扫描概况",
            "| 扫描文件数 | 5 |",
            "| 身份证号 | 敏感个人信息 | 300 | 0 |",
            "| 保存期限超期 | 1 |",
            "## 含敏感个人信息的数据列",
            "1 个文件未能完整读取",
        ] {
            assert!(md.contains(text), "missing {text}\n{md}");
        }
    }

    #[test]
    fn children_s_ids_and_damaged_columns_are_listed_with_why() {
        let mut inv = sample_inventory();
        inv.files[1].columns[1].precision_lost = Some(17);
        let md = markdown(&inv, Lang::En);
        let section = md
            .split("## Data that needs attention")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("an attention section");
        assert!(
            section.contains("PIPL Art. 28") && section.contains("Art. 31"),
            "{section}"
        );
        assert!(
            section.contains("| `exports/orders_2021.csv` | 3 | 2,100 |"),
            "{section}"
        );
        assert!(section.contains("digits past the 15th are lost"), "{section}");
        assert!(
            section
                .contains("| `exports/orders_2021.csv` | — | `身份证号` | `cn_resident_id` | 17 | 1,800 |"),
            "{section}"
        );
        let zh = markdown(&inv, Lang::Zh);
        assert!(zh.contains("## 需要特别注意的数据"));
        assert!(zh.contains("| `exports/orders_2021.csv` | — | `身份证号` | 居民身份证号（cn\\_resident\\_id） | 17 | 1,800 |"), "{zh}");
        // Nothing to report: the section says so rather than vanishing.
        let none = markdown(&v1_inventory(), Lang::En);
        let section = none.split("## Data that needs attention").nth(1).unwrap();
        assert!(section.split("\n## ").next().unwrap().contains("None"));
    }

    #[test]
    fn chinese_reports_carry_no_english_of_pimap_s_own() {
        let inv = sample_inventory();
        let md = render(
            &Facts::new(&inv).in_zone(crate::report::i18n::Zone::fixed(8 * 3600)),
            Lang::Zh,
        );
        assert!(md.contains("| 扫描时间 | 2026-11-29 11:10 (UTC+08:00) |"), "{md}");
        for english in [
            "Retention overdue",
            "Column to mask",
            "data is",
            "not masked",
            "High",
            "Sensitive",
            "UTC |",
        ] {
            assert!(!md.contains(english), "{english} in:\n{md}");
        }
        assert!(md.contains("居民身份证号（cn\\_resident\\_id）"), "{md}");
    }

    #[test]
    fn long_lists_are_capped() {
        let mut inv = sample_inventory();
        let template = inv.files[1].clone();
        for i in 0..MARKDOWN_ROWS + 10 {
            let mut f = template.clone();
            f.path = format!("bulk/{i:03}.csv");
            inv.files.push(f);
        }
        let md = markdown(&inv, Lang::En);
        let section = md.split("## Columns with sensitive").nth(1).unwrap();
        let section = section.split("\n## ").next().unwrap();
        let rows = section.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(rows, MARKDOWN_ROWS);
        assert!(
            section.contains("Showing the first 50 rows; 12 more are not shown"),
            "{section}"
        );
        let riskiest = md
            .split("## Riskiest files")
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap();
        assert_eq!(
            riskiest.lines().filter(|l| l.starts_with("| `")).count(),
            TOP_FILES
        );
    }

    #[test]
    fn stores_have_their_table_and_files_their_store() {
        let inv = stores_inventory();
        let md = markdown(&inv, Lang::En);
        let section = md
            .split("## Stores\n")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("a stores section");
        for row in [
            "| Store | Scanned folder | Files scanned | Files with personal data | Findings | By category | High-risk files | Actions | Errors |",
            "| tmall | `/mnt/tmall` | 2 | 2 | 3,850 | Resident ID 300, Phone 3,550 | 1 | 3 | 0 |",
            "| taobao | `/mnt/taobao` | 3 | 1 | 120 | Bank card 120 | 1 | 1 | 1 |",
        ] {
            assert!(section.contains(row), "missing {row}\n{section}");
        }
        assert!(
            md.find("## Stores") < md.find("## By category"),
            "after the scan facts"
        );
        for path in [
            "| High | Retention overdue | tmall: `exports/orders_2021.csv` |",
            "| taobao: `finance/cards.zip!2020/cards.csv` | — | `卡号` |",
            "| Low | Duplicate copy | tmall: `exports/backup/orders_copy.csv` | — | copy of tmall: exports/orders\\_2021.csv;",
        ] {
            assert!(md.contains(path), "missing {path}\n{md}");
        }
        let zh = markdown(&inv, Lang::Zh);
        assert!(zh.contains("## 各店铺概况"));
        assert!(
            zh.contains(
                "| tmall | `/mnt/tmall` | 2 | 2 | 3,850 | 身份证号 300，手机号/电话 3,550 | 1 | 3 | 0 |"
            ),
            "{zh}"
        );
        // Names that are Markdown stay literal.
        let mut odd = stores_inventory();
        odd.stores[0].name = "t|*m*".into();
        assert!(markdown(&odd, Lang::En).contains("| t\\|\\*m\\* |"));
    }

    #[test]
    fn renders_a_schema_1_inventory() {
        let md = markdown(&v1_inventory(), Lang::En);
        assert!(md.contains("| Findings | 7 |"));
        assert!(md.contains("| Policy | built-in default policy |"));
        assert!(md.contains("This inventory has no risk scores"));
        assert!(md.contains("No actions."));
    }
}
