//! The HTML report: one self-contained page a seller can open offline and show their boss.
//!
//! No script, no network, no external asset: the Content-Security-Policy forbids them all,
//! charts are inline SVG and styles are inline CSS (screen, phone width and print). Every
//! text taken from the inventory goes through `escape`: paths, column names and errors come
//! from scanned data, and a file may well be named `<script>...`.

use super::document::{Col, Facts, CHART_BARS, HTML_ROWS, TOP_FILES};
use super::i18n::{self, Label};
use super::Lang;
use crate::finding::Sensitivity;
use crate::inventory::{FileChange, FileEntry, Risk, Severity};
use std::fmt::Write;

/// `text` with the five HTML-significant characters replaced: safe in element content and
/// in quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn render(facts: &Facts<'_>, lang: Lang) -> String {
    let page = Page { facts, lang };
    let mut sections: Vec<(&str, Label, String)> = vec![("summary", Label::SectionSummary, page.summary())];
    if !facts.inventory.stores.is_empty() {
        sections.push(("stores", Label::SectionStores, page.stores()));
    }
    sections.push(("categories", Label::SectionCategories, page.categories()));
    let charts = page.charts();
    if !charts.is_empty() {
        sections.push(("charts", Label::SectionCharts, charts));
    }
    sections.extend([
        ("folders", Label::SectionFolders, page.folders()),
        ("actions", Label::SectionActions, page.actions()),
        ("attention", Label::SectionAttention, page.attention()),
        ("riskiest", Label::SectionRiskiest, page.riskiest()),
        ("oldest", Label::SectionOldest, page.oldest()),
        ("columns", Label::SectionColumns, page.columns()),
    ]);
    if !facts.inventory.duplicates.is_empty() {
        sections.push(("duplicates", Label::SectionDuplicates, page.duplicates()));
    }
    if !facts.inventory.suspected_id_images.is_empty() {
        sections.push(("id-images", Label::SectionIdImages, page.id_images()));
    }
    if !facts.inventory.names.is_empty() {
        sections.push(("names", Label::SectionNames, page.names()));
    }
    if facts.inventory.changes.is_some() {
        sections.push(("changes", Label::SectionChanges, page.changes()));
    }
    sections.push(("errors", Label::SectionErrorsAndSkipped, page.errors()));

    let mut out = String::with_capacity(64 << 10);
    page.head(&mut out);
    out.push_str("<nav class=\"toc\" aria-label=\"");
    out.push_str(&page.t(Label::Contents));
    out.push_str("\"><ol>");
    for (id, label, _) in &sections {
        let _ = write!(out, "<li><a href=\"#{id}\">{}</a></li>", page.t(*label));
    }
    out.push_str("</ol></nav>\n<main>\n");
    for (id, label, body) in &sections {
        let _ = write!(
            out,
            "<section id=\"{id}\">\n<h2>{}</h2>\n{body}</section>\n",
            page.t(*label)
        );
    }
    out.push_str("</main>\n");
    page.footer(&mut out);
    out.push_str("</body>\n</html>\n");
    out
}

/// Rendering context: the facts and the language.
struct Page<'f, 'a> {
    facts: &'f Facts<'a>,
    lang: Lang,
}

impl Page<'_, '_> {
    /// A label, escaped.
    fn t(&self, label: Label) -> String {
        escape(label.text(self.lang))
    }

    /// The document's head (policy, styles) and the page header: title and scan facts.
    fn head(&self, out: &mut String) {
        let lang = match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        };
        let inv = self.facts.inventory;
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <meta name=\"generator\" content=\"pimap {}\">\n\
             <title>{} · {}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
            escape(&inv.tool.version),
            self.t(Label::Title),
            escape(&self.facts.time(self.lang, &inv.scanned_at)),
            if inv.stores.is_empty() { "" } else { STORES_STYLE },
        );
        let _ = write!(
            out,
            "<header class=\"top\">\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n<dl class=\"meta\">\n",
            self.t(Label::Title),
            self.t(Label::Subtitle)
        );
        let roots: Vec<String> = inv.roots.iter().map(|r| path_cell(r)).collect();
        let key = if inv.key.cross_scan {
            match &inv.key.key_id {
                Some(id) => format!(
                    "{}{}{} {}{}",
                    self.t(Label::KeyStable),
                    self.open_paren(),
                    self.t(Label::KeyId),
                    escape(id),
                    self.close_paren()
                ),
                None => self.t(Label::KeyStable),
            }
        } else {
            self.t(Label::KeyPerScan)
        };
        let policy = match &inv.policy.file {
            Some(file) => path_cell(file),
            None => self.t(Label::BuiltinPolicy),
        };
        let rows = [
            (
                Label::ScannedAt,
                escape(&self.facts.time(self.lang, &inv.scanned_at)),
            ),
            (Label::Roots, roots.join("<br>")),
            (
                Label::ToolVersion,
                format!("{} {}", escape(&inv.tool.name), escape(&inv.tool.version)),
            ),
            (Label::FingerprintKey, key),
            (Label::Policy, policy),
            (
                Label::MinConfidence,
                escape(&format!("{}", inv.tool.min_confidence)),
            ),
            (
                Label::Elapsed,
                format!(
                    "{:.1} {}",
                    finite(inv.totals.elapsed_seconds),
                    self.t(Label::Seconds)
                ),
            ),
            (Label::Schema, escape(&inv.schema)),
        ];
        for (label, value) in rows {
            let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", self.t(label));
        }
        out.push_str("</dl>\n");
        if !self.facts.zone.is_known() {
            let _ = writeln!(out, "<p class=\"sub\">{}</p>", self.t(Label::TimeZoneUnknown));
        }
        out.push_str("</header>\n");
    }

    fn footer(&self, out: &mut String) {
        let inv = self.facts.inventory;
        let _ = write!(
            out,
            "<footer>\n<p>{}</p>\n<p>{} {} · {}</p>\n</footer>\n",
            self.t(Label::PrivacyNote),
            self.t(Label::GeneratedBy),
            escape(&inv.tool.version),
            escape(&self.facts.time(self.lang, &inv.scanned_at)),
        );
    }

    fn summary(&self) -> String {
        let facts = self.facts;
        let totals = &facts.inventory.totals;
        let has_risk =
            facts.inventory.files.iter().any(|f| f.risk.is_some()) || !totals.files_by_risk.is_empty();
        let high_risk = facts
            .files_by_risk()
            .iter()
            .find(|(level, _)| level == Severity::High.as_str())
            .map_or(0, |(_, n)| *n);
        let actions = facts
            .actions_by_kind()
            .iter()
            .fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
        let cards: [(Label, String, bool); 11] = [
            (Label::Files, i18n::count(totals.files), false),
            (Label::DataVolume, i18n::bytes(totals.bytes), false),
            (
                Label::FilesWithFindings,
                i18n::count(totals.files_with_findings),
                false,
            ),
            (Label::Findings, i18n::count(totals.findings), false),
            (
                Label::SensitiveFindings,
                i18n::count(facts.sensitive_findings()),
                facts.sensitive_findings() > 0,
            ),
            (Label::Minors, i18n::count(totals.minors), totals.minors > 0),
            (
                Label::HighRiskFiles,
                if has_risk {
                    i18n::count(high_risk)
                } else {
                    "—".into()
                },
                high_risk > 0,
            ),
            (Label::ActionsTotal, i18n::count(actions), actions > 0),
            (Label::MaskedValues, i18n::count(facts.masked_values()), false),
            (Label::ErrorsTotal, i18n::count(totals.errors), totals.errors > 0),
            (Label::SkippedTotal, i18n::count(totals.skipped), false),
        ];
        let mut out = String::from("<div class=\"cards\">\n");
        for (label, value, alert) in cards {
            let _ = writeln!(
                out,
                "<div class=\"card{}\"><div class=\"n\">{value}</div><div class=\"l\">{}</div></div>",
                if alert { " alert" } else { "" },
                self.t(label)
            );
        }
        out.push_str("</div>\n");
        out
    }

    fn categories(&self) -> String {
        let facts = self.facts;
        let totals = &facts.inventory.totals;
        let mut out = format!(
            "<p class=\"note\">{}</p>\n<div class=\"split\">\n<div>\n<h3>{}</h3>\n",
            self.t(Label::IntroSensitive),
            self.t(Label::ByCategory)
        );
        let rows: Vec<Vec<String>> = facts
            .categories()
            .iter()
            .map(|c| {
                vec![
                    self.category_chip(c.category),
                    c.sensitivity.map_or_else(|| "—".into(), |s| self.class_badge(s)),
                    i18n::count(c.findings),
                    share(c.findings, totals.findings),
                    i18n::count(c.masked),
                ]
            })
            .collect();
        let total = rows.len();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Category),
                Col::Text(Label::Class),
                Col::Num(Label::Findings),
                Col::Num(Label::Share),
                Col::Num(Label::Masked),
            ],
            rows,
            total,
        );

        let _ = writeln!(out, "<h3>{}</h3>", self.t(Label::BySensitivity));
        let files_by_class = facts.files_by_sensitivity();
        let mut classes: Vec<&str> = totals
            .by_sensitivity
            .keys()
            .chain(files_by_class.keys())
            .map(String::as_str)
            .collect();
        classes.sort_by_key(|c| (*c != "sensitive", *c != "general", *c));
        classes.dedup();
        let rows: Vec<Vec<String>> = classes
            .iter()
            .map(|&class| {
                vec![
                    match class {
                        "sensitive" => self.class_badge(Sensitivity::Sensitive),
                        "general" => self.class_badge(Sensitivity::General),
                        other => escape(other),
                    },
                    i18n::count(totals.by_sensitivity.get(class).copied().unwrap_or(0)),
                    i18n::count(files_by_class.get(class).copied().unwrap_or(0)),
                ]
            })
            .collect();
        let total = rows.len();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Class),
                Col::Num(Label::Findings),
                Col::Num(Label::FilesCount),
            ],
            rows,
            total,
        );

        out.push_str("</div>\n<div>\n");
        let _ = writeln!(out, "<h3>{}</h3>", self.t(Label::FilesByRisk));
        let by_risk = facts.files_by_risk();
        if by_risk.is_empty() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", self.t(Label::NoRisk));
        } else {
            let rows: Vec<Vec<String>> = by_risk
                .iter()
                .map(|(level, n)| vec![self.level_badge_key(level), i18n::count(*n)])
                .collect();
            let total = rows.len();
            self.table(
                &mut out,
                &[Col::Text(Label::RiskLevel), Col::Num(Label::FilesCount)],
                rows,
                total,
            );
        }

        let _ = writeln!(out, "<h3>{}</h3>", self.t(Label::ActionsByKind));
        let rows: Vec<Vec<String>> = facts
            .actions_by_kind()
            .iter()
            .map(|(kind, n)| vec![escape(&i18n::action_kind_key(self.lang, kind)), i18n::count(*n)])
            .collect();
        let total = rows.len();
        self.table(
            &mut out,
            &[Col::Text(Label::Kind), Col::Num(Label::Count)],
            rows,
            total,
        );
        out.push_str("</div>\n</div>\n");
        out
    }

    /// Each store's share (`scan --store`): a table in the order the stores were given, and
    /// a chart of their findings by category.
    fn stores(&self) -> String {
        let stores = &self.facts.inventory.stores;
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroStores));
        let rows: Vec<Vec<String>> = stores
            .iter()
            .take(HTML_ROWS)
            .map(|store| {
                let t = &store.totals;
                let categories: Vec<String> = Facts::store_categories(t)
                    .iter()
                    .map(|&(c, n)| format!("{} {}", self.category_chip(c), i18n::count(n)))
                    .collect();
                vec![
                    store_chip(&store.name),
                    path_cell(&store.root),
                    i18n::count(t.files),
                    i18n::count(t.files_with_findings),
                    i18n::count(t.findings),
                    if categories.is_empty() {
                        "—".into()
                    } else {
                        categories.join(" ")
                    },
                    i18n::count(Facts::store_high_risk(t)),
                    i18n::count(Facts::store_actions(t)),
                    i18n::count(t.errors),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Short(Label::Store),
                Col::Text(Label::StoreRoot),
                Col::Num(Label::Files),
                Col::Num(Label::FilesWithFindings),
                Col::Num(Label::Findings),
                Col::Text(Label::ByCategory),
                Col::Num(Label::HighRiskFiles),
                Col::Num(Label::ActionsTotal),
                Col::Num(Label::ErrorsTotal),
            ],
            rows,
            stores.len(),
        );
        out.push_str(&self.store_chart());
        out
    }

    /// One stacked bar per store (most findings first): its findings by category.
    fn store_chart(&self) -> String {
        const WIDTH: u32 = 760;
        const LABEL_END: u32 = 150;
        const BAR_START: u32 = 158;
        const BAR_MAX: f64 = 500.0;
        const ROW: u32 = 28;
        let facts = self.facts;
        // (name, findings by category, their sum)
        type Bar<'s> = (&'s str, Vec<(&'s str, u64)>, u64);
        let mut stores: Vec<Bar<'_>> = facts
            .inventory
            .stores
            .iter()
            .map(|s| {
                let categories = Facts::store_categories(&s.totals);
                let sum = categories.iter().fold(0u64, |sum, &(_, n)| sum.saturating_add(n));
                (s.name.as_str(), categories, sum)
            })
            .collect();
        // Stable: stores with as many findings keep the order they were given in.
        stores.sort_by_key(|s| std::cmp::Reverse(s.2));
        let total = stores.len();
        stores.truncate(STORE_BARS);
        let max = stores.iter().map(|s| s.2).max().unwrap_or(1).max(1);
        let title = Label::StoreChart.text(self.lang);
        let height = stores.len() as u32 * ROW + 8;
        let mut svg = format!(
            "<svg class=\"chart stores\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">\n",
            escape(title)
        );
        for (i, (name, categories, sum)) in stores.iter().enumerate() {
            let y = 4 + i as u32 * ROW;
            let _ = write!(
                svg,
                "<g class=\"store\"><title>{}: {}</title><text x=\"{LABEL_END}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                escape(name),
                i18n::count(*sum),
                y + 18,
                escape(&shorten(name, 22)),
            );
            let mut x = f64::from(BAR_START);
            for &(category, n) in categories {
                let width = ((n as f64 / max as f64) * BAR_MAX).max(1.0);
                let _ = write!(
                    svg,
                    "<rect class=\"bar {}\" x=\"{x:.1}\" y=\"{}\" width=\"{width:.1}\" height=\"18\"><title>{} · {}: {}</title></rect>",
                    category_class(category),
                    y + 5,
                    escape(name),
                    escape(&i18n::category(self.lang, category)),
                    i18n::count(n),
                );
                x += width;
            }
            let _ = writeln!(
                svg,
                "<text class=\"val\" x=\"{:.1}\" y=\"{}\">{}</text></g>",
                x + 6.0,
                y + 18,
                i18n::count(*sum),
            );
        }
        svg.push_str("</svg>\n");
        let legend: Vec<String> = facts
            .categories()
            .iter()
            .filter(|c| c.findings > 0)
            .map(|c| self.category_chip(c.category))
            .collect();
        let mut out = format!(
            "<figure class=\"stores\">\n<figcaption>{}</figcaption>\n{svg}<p class=\"legend\">{}</p>\n",
            escape(title),
            legend.join(" ")
        );
        if stores.len() < total {
            let _ = writeln!(
                out,
                "<p class=\"note cap\">{}</p>",
                escape(&i18n::rows_left_out(self.lang, stores.len(), total))
            );
        }
        out.push_str("</figure>\n");
        out
    }

    /// One bar chart per category with findings: the folders holding most of it.
    fn charts(&self) -> String {
        let charts: Vec<String> = self
            .facts
            .categories()
            .iter()
            .filter(|c| c.findings > 0)
            .filter_map(|c| {
                let folders = self.facts.top_folders_for(c.category, CHART_BARS);
                if folders.is_empty() {
                    // Totals without files behind them (a hand-edited inventory): no bars.
                    return None;
                }
                let title = format!(
                    "{} · {}",
                    i18n::category(self.lang, c.category),
                    Label::TopFoldersFor.text(self.lang)
                );
                Some(format!(
                    "<figure>\n<figcaption>{}</figcaption>\n{}</figure>\n",
                    escape(&title),
                    self.bar_chart(c.category, &title, &folders)
                ))
            })
            .collect();
        if charts.is_empty() {
            return String::new();
        }
        format!(
            "<p class=\"note\">{}</p>\n<div class=\"charts\">\n{}</div>\n",
            self.t(Label::IntroCharts),
            charts.concat()
        )
    }

    /// A horizontal bar chart: folder names on the left, bars scaled to the largest count.
    fn bar_chart(&self, category: &str, title: &str, rows: &[(&str, u64)]) -> String {
        // Sized to show at about 1:1 in a half-width figure, so the text stays 12px.
        const WIDTH: u32 = 520;
        const LABEL_END: u32 = 196;
        const BAR_START: u32 = 204;
        const BAR_MAX: f64 = 240.0;
        const ROW: u32 = 28;
        let height = rows.len() as u32 * ROW + 8;
        let max = rows.iter().map(|&(_, n)| n).max().unwrap_or(1).max(1);
        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">\n",
            escape(title)
        );
        for (i, &(folder, n)) in rows.iter().enumerate() {
            let y = 4 + i as u32 * ROW;
            let width = ((n as f64 / max as f64) * BAR_MAX).max(2.0);
            let name = self.folder_label(folder);
            let _ = writeln!(
                svg,
                "<g><title>{}: {}</title><text x=\"{LABEL_END}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                 <rect class=\"bar {}\" x=\"{BAR_START}\" y=\"{}\" width=\"{width:.1}\" height=\"18\" rx=\"3\"></rect>\
                 <text class=\"val\" x=\"{:.1}\" y=\"{}\">{}</text></g>",
                escape(&name),
                i18n::count(n),
                y + 18,
                escape(&shorten(&name, 30)),
                category_class(category),
                y + 5,
                f64::from(BAR_START) + width + 6.0,
                y + 18,
                i18n::count(n),
            );
        }
        svg.push_str("</svg>\n");
        svg
    }

    fn folders(&self) -> String {
        let folders = self.facts.folders();
        let rows: Vec<Vec<String>> = folders
            .iter()
            .take(HTML_ROWS)
            .map(|f| {
                vec![
                    self.folder_cell(f.folder),
                    i18n::count(f.findings),
                    i18n::count(f.files_with_findings),
                    i18n::count(f.sensitive_files),
                    f.highest_risk.map_or_else(|| "—".into(), |r| self.risk_cell(r)),
                ]
            })
            .collect();
        let mut out = String::new();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Folder),
                Col::Num(Label::Findings),
                Col::Num(Label::FilesWithFindings),
                Col::Num(Label::SensitiveFiles),
                Col::Text(Label::HighestRisk),
            ],
            rows,
            folders.len(),
        );
        out
    }

    fn actions(&self) -> String {
        let actions = &self.facts.inventory.actions;
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroActions));
        if actions.is_empty() {
            let _ = writeln!(out, "<p class=\"empty\">{}</p>", self.t(Label::NoActions));
            return out;
        }
        let rows: Vec<Vec<String>> = actions
            .iter()
            .take(HTML_ROWS)
            .map(|a| {
                let detector = a.detector.as_deref().map(|d| i18n::detector(self.lang, d));
                let place: Vec<&str> = [a.table.as_deref(), a.column.as_deref(), detector.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                vec![
                    self.level_badge(a.severity),
                    escape(i18n::action_kind(self.lang, a.kind)),
                    self.file_cell(&a.path),
                    if place.is_empty() {
                        "—".into()
                    } else {
                        escape(&place.join(" · "))
                    },
                    escape(&i18n::rule(self.lang, &a.rule)),
                    escape(&self.facts.evidence(self.lang, a)),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Short(Label::Severity),
                Col::Short(Label::Kind),
                Col::Text(Label::Path),
                Col::Text(Label::Location),
                Col::Text(Label::Rule),
                Col::Text(Label::Evidence),
            ],
            rows,
            actions.len(),
        );
        out
    }

    /// Files with children's IDs and columns whose numbers Excel cut short, each with why
    /// it matters: both need a person to act, and neither shows in the risk ranking alone.
    fn attention(&self) -> String {
        let facts = self.facts;
        let minors = facts.files_with_minors();
        let mut out = format!(
            "<h3>{} ({})</h3>\n<p class=\"note\">{}</p>\n",
            self.t(Label::FilesWithMinors),
            i18n::count(minors.len() as u64),
            self.t(Label::IntroMinors)
        );
        let rows: Vec<Vec<String>> = minors
            .iter()
            .take(HTML_ROWS)
            .map(|f| {
                vec![
                    self.file_cell(&f.path),
                    i18n::count(f.minors),
                    i18n::count(f.findings),
                    f.risk.as_ref().map_or_else(|| "—".into(), |r| self.risk_cell(r)),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Num(Label::MinorsCount),
                Col::Num(Label::Findings),
                Col::Text(Label::RiskScore),
            ],
            rows,
            minors.len(),
        );
        let damaged = facts.precision_lost_columns();
        let _ = write!(
            out,
            "<h3>{} ({})</h3>\n<p class=\"note\">{}</p>\n",
            self.t(Label::ColumnsPrecisionLost),
            i18n::count(damaged.len() as u64),
            self.t(Label::IntroPrecisionLost)
        );
        let rows: Vec<Vec<String>> = damaged
            .iter()
            .take(HTML_ROWS)
            .map(|&(file, c)| {
                vec![
                    self.file_cell(&file.path),
                    c.table.as_deref().map_or_else(|| "—".into(), escape),
                    escape(&c.name),
                    escape(&i18n::detector(self.lang, &c.detector)),
                    i18n::count(c.precision_lost.unwrap_or(0)),
                    i18n::count(c.rows),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Table),
                Col::Text(Label::Column),
                Col::Text(Label::Detector),
                Col::Num(Label::PrecisionLost),
                Col::Num(Label::Rows),
            ],
            rows,
            damaged.len(),
        );
        out
    }

    fn riskiest(&self) -> String {
        let files = self.facts.riskiest();
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroRiskiest));
        if files.is_empty() {
            let _ = writeln!(out, "<p class=\"empty\">{}</p>", self.t(Label::NoRisk));
            return out;
        }
        let rows: Vec<Vec<String>> = files
            .iter()
            .take(TOP_FILES)
            .filter_map(|f| {
                let risk = f.risk.as_ref()?;
                Some(vec![
                    self.file_cell(&f.path),
                    self.risk_cell(risk),
                    escape(&self.factors(risk)),
                    escape(&self.file_categories(f)),
                    i18n::count(f.findings),
                ])
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::RiskScore),
                Col::Text(Label::Factors),
                Col::Text(Label::Categories),
                Col::Num(Label::Findings),
            ],
            rows,
            files.len().min(TOP_FILES),
        );
        out
    }

    fn oldest(&self) -> String {
        let files = self.facts.oldest_sensitive();
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroOldest));
        let rows: Vec<Vec<String>> = files
            .iter()
            .take(TOP_FILES)
            .map(|d| {
                vec![
                    self.file_cell(&d.file.path),
                    escape(&d.date),
                    self.t(if d.from_content {
                        Label::NewestDateInside
                    } else {
                        Label::ModifiedTime
                    }),
                    escape(&self.file_categories(d.file)),
                    i18n::count(d.file.findings),
                    d.file
                        .risk
                        .as_ref()
                        .map_or_else(|| "—".into(), |r| self.risk_cell(r)),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Date),
                Col::Text(Label::DateSource),
                Col::Text(Label::Categories),
                Col::Num(Label::Findings),
                Col::Text(Label::RiskScore),
            ],
            rows,
            files.len().min(TOP_FILES),
        );
        out
    }

    fn columns(&self) -> String {
        let columns = self.facts.columns();
        let rows: Vec<Vec<String>> = columns
            .iter()
            .take(HTML_ROWS)
            .map(|&(file, c)| {
                vec![
                    self.file_cell(&file.path),
                    c.table.as_deref().map_or_else(|| "—".into(), escape),
                    escape(&c.name),
                    escape(&i18n::detector(self.lang, &c.detector)),
                    self.facts
                        .column_category(c)
                        .map_or_else(|| "—".into(), |cat| self.category_chip(cat)),
                    self.facts
                        .column_sensitivity(c)
                        .map_or_else(|| "—".into(), |s| self.class_badge(s)),
                    i18n::count(c.hits),
                    i18n::count(c.rows),
                    i18n::percent(c.share),
                    c.distinct.map_or_else(|| "—".into(), i18n::count),
                    c.masked_share.map_or_else(|| "—".into(), i18n::percent),
                ]
            })
            .collect();
        let mut out = String::new();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Table),
                Col::Text(Label::Column),
                Col::Text(Label::Detector),
                Col::Text(Label::Category),
                Col::Text(Label::Sensitivity),
                Col::Num(Label::Hits),
                Col::Num(Label::Rows),
                Col::Num(Label::Share),
                Col::Num(Label::Distinct),
                Col::Num(Label::MaskedShare),
            ],
            rows,
            columns.len(),
        );
        out
    }

    fn duplicates(&self) -> String {
        let groups = &self.facts.inventory.duplicates;
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroDuplicates));
        // Each group is a few rows; the cap counts rows across groups.
        let mut rows_left = HTML_ROWS;
        let mut shown_groups = 0;
        for (i, group) in groups.iter().enumerate() {
            if rows_left == 0 {
                break;
            }
            let rows: Vec<Vec<String>> = group
                .files
                .iter()
                .take(rows_left)
                .enumerate()
                .map(|(j, m)| {
                    vec![
                        self.t(if j == 0 { Label::Kept } else { Label::CopyRole }),
                        self.file_cell(&m.path),
                        i18n::count(m.distinct),
                        i18n::count(m.shared),
                        i18n::percent(m.overlap),
                    ]
                })
                .collect();
            rows_left -= rows.len();
            shown_groups += 1;
            let _ = writeln!(out, "<h3>{} {}</h3>", self.t(Label::Group), i + 1);
            self.table(
                &mut out,
                &[
                    Col::Text(Label::Role),
                    Col::Text(Label::Path),
                    Col::Num(Label::Distinct),
                    Col::Num(Label::SharedValues),
                    Col::Num(Label::Overlap),
                ],
                rows,
                group.files.len(),
            );
        }
        if shown_groups < groups.len() {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}</p>",
                escape(&i18n::rows_left_out(self.lang, shown_groups, groups.len()))
            );
        }
        out
    }

    fn changes(&self) -> String {
        let Some(changes) = &self.facts.inventory.changes else {
            return String::new();
        };
        let mut out = String::from("<dl class=\"facts\">\n");
        let mut facts = vec![(
            Label::Baseline,
            escape(&self.facts.time(self.lang, &changes.baseline_scanned_at)),
        )];
        if let Some(file) = &changes.baseline_file {
            facts.push((Label::BaselineFile, path_cell(file)));
        }
        for (label, value) in facts {
            let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", self.t(label));
        }
        out.push_str("</dl>\n");
        if changes.policy_changed {
            let _ = writeln!(out, "<p class=\"note cap\">{}</p>", self.t(Label::PolicyChanged));
        }
        out.push_str("<div class=\"cards\">\n");
        let actions_delta: i64 = changes
            .actions
            .values()
            .fold(0i64, |sum, &n| sum.saturating_add(n));
        // The same entries as the file counts (see `changes::reuse_counts`).
        let (reused, read) = crate::inventory::changes::reuse_counts(self.facts.inventory)
            .unwrap_or((changes.reused, changes.rescanned));
        let cards = [
            (Label::NewFiles, i18n::count(changes.new.len() as u64)),
            (Label::RemovedFiles, i18n::count(changes.removed.len() as u64)),
            (Label::ChangedFiles, i18n::count(changes.changed.len() as u64)),
            (Label::UnchangedFiles, i18n::count(changes.unchanged)),
            (Label::ReusedFiles, i18n::count(reused)),
            (Label::ReadFiles, i18n::count(read)),
            (Label::FindingsChange, i18n::signed(changes.findings)),
            (
                if changes.policy_changed {
                    Label::ActionsChangeOtherPolicy
                } else {
                    Label::ActionsChange
                },
                i18n::signed(actions_delta),
            ),
        ];
        for (label, value) in cards {
            let _ = writeln!(
                out,
                "<div class=\"card\"><div class=\"n\">{value}</div><div class=\"l\">{}</div></div>",
                self.t(label)
            );
        }
        out.push_str("</div>\n");
        let rows: Vec<Vec<String>> = changes
            .by_category
            .iter()
            .filter(|(_, &n)| n != 0)
            .map(|(category, &n)| vec![self.category_chip(category), i18n::signed(n)])
            .collect();
        if !rows.is_empty() {
            let _ = writeln!(out, "<h3>{}</h3>", self.t(Label::ByCategory));
            let total = rows.len();
            self.table(
                &mut out,
                &[Col::Text(Label::Category), Col::Num(Label::Change)],
                rows,
                total,
            );
        }
        for (label, list) in [
            (Label::NewFiles, &changes.new),
            (Label::RemovedFiles, &changes.removed),
            (Label::ChangedFiles, &changes.changed),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "<h3>{}</h3>", self.t(label));
            let rows: Vec<Vec<String>> = list.iter().take(HTML_ROWS).map(|c| self.change_row(c)).collect();
            self.table(
                &mut out,
                &[
                    Col::Text(Label::Path),
                    Col::Num(Label::Before),
                    Col::Num(Label::After),
                    Col::Text(Label::Change),
                ],
                rows,
                list.len(),
            );
        }
        out
    }

    fn change_row(&self, change: &FileChange) -> Vec<String> {
        let deltas: Vec<String> = change
            .by_category
            .iter()
            .map(|(category, &n)| format!("{} {}", i18n::category(self.lang, category), i18n::signed(n)))
            .collect();
        vec![
            self.file_cell(&change.path),
            i18n::count(change.before),
            i18n::count(change.after),
            escape(&deltas.join(if self.lang == Lang::Zh { "，" } else { ", " })),
        ]
    }

    /// Images named as ID documents (never read), riskiest first.
    fn id_images(&self) -> String {
        let images = self.facts.suspected_id_images();
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroIdImages));
        let rows: Vec<Vec<String>> = images
            .iter()
            .take(HTML_ROWS)
            .map(|i| {
                vec![
                    self.file_cell(&i.path),
                    escape(i18n::image_kind(self.lang, i.kind)),
                    escape(&i18n::image_reason(self.lang, &i.reason)),
                    i.risk.as_ref().map_or_else(|| "—".into(), |r| self.risk_cell(r)),
                    i.modified
                        .as_deref()
                        .map_or_else(|| "—".into(), |m| escape(&self.facts.time(self.lang, m))),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::Kind),
                Col::Text(Label::Reason),
                Col::Text(Label::RiskScore),
                Col::Text(Label::Date),
            ],
            rows,
            images.len(),
        );
        out
    }

    /// Files and folders whose names hold personal data.
    fn names(&self) -> String {
        let names = &self.facts.inventory.names;
        let mut out = format!("<p class=\"note\">{}</p>\n", self.t(Label::IntroNames));
        let rows: Vec<Vec<String>> = names
            .iter()
            .take(HTML_ROWS)
            .map(|n| {
                let categories: Vec<&str> = n.by_category.keys().map(String::as_str).collect();
                vec![
                    self.file_cell(&n.path),
                    escape(&i18n::path_part(self.lang, n.path_component, n.depth)),
                    escape(&i18n::category_list(self.lang, categories)),
                    i18n::count(n.findings),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Text(Label::PathPart),
                Col::Text(Label::Categories),
                Col::Num(Label::Findings),
            ],
            rows,
            names.len(),
        );
        out
    }

    fn errors(&self) -> String {
        let inv = self.facts.inventory;
        let mut out = format!(
            "<h3>{} ({})</h3>\n",
            self.t(Label::ErrorsTotal),
            i18n::count(inv.errors.len() as u64)
        );
        let rows: Vec<Vec<String>> = inv
            .errors
            .iter()
            .take(HTML_ROWS)
            .map(|e| vec![self.file_cell(&e.path), escape(&e.error)])
            .collect();
        self.table(
            &mut out,
            &[Col::Text(Label::Path), Col::Text(Label::Error)],
            rows,
            inv.errors.len(),
        );
        let heading = format!(
            "{} ({})",
            self.t(Label::SkippedTotal),
            i18n::count(inv.skipped.len() as u64)
        );
        if inv.skipped.is_empty() {
            let _ = writeln!(out, "<h3>{heading}</h3>");
            return out;
        }
        // Skipped files (PDFs, binaries) are many and rarely news: folded, but printed.
        let _ = writeln!(out, "<details>\n<summary>{heading}</summary>");
        let rows: Vec<Vec<String>> = inv
            .skipped
            .iter()
            .take(HTML_ROWS)
            .map(|s| {
                vec![
                    self.file_cell(&s.path),
                    i18n::bytes(s.size),
                    escape(&i18n::skip_reason(self.lang, &s.reason)),
                ]
            })
            .collect();
        self.table(
            &mut out,
            &[
                Col::Text(Label::Path),
                Col::Num(Label::Size),
                Col::Text(Label::Reason),
            ],
            rows,
            inv.skipped.len(),
        );
        out.push_str("</details>\n");
        out
    }

    /// A table of pre-rendered cells; `total` rows exist, and when fewer are given a note
    /// says how many were left out and where to find them.
    fn table(&self, out: &mut String, columns: &[Col], rows: Vec<Vec<String>>, total: usize) {
        if rows.is_empty() {
            let _ = writeln!(out, "<p class=\"empty\">{}</p>", self.t(Label::NoneFound));
            return;
        }
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for col in columns {
            let _ = match col {
                Col::Text(label) | Col::Short(label) => write!(out, "<th>{}</th>", self.t(*label)),
                Col::Num(label) => write!(out, "<th class=\"num\">{}</th>", self.t(*label)),
            };
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        let shown = rows.len();
        for row in rows {
            out.push_str("<tr>");
            for (cell, col) in row.iter().zip(columns) {
                let _ = match col {
                    Col::Text(_) => write!(out, "<td>{cell}</td>"),
                    Col::Short(_) => write!(out, "<td class=\"short\">{cell}</td>"),
                    Col::Num(_) => write!(out, "<td class=\"num\">{cell}</td>"),
                };
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        if shown < total {
            let _ = writeln!(
                out,
                "<p class=\"note cap\">{}</p>",
                escape(&i18n::rows_left_out(self.lang, shown, total))
            );
        }
    }

    fn open_paren(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "（",
            Lang::En => " (",
        }
    }

    fn close_paren(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "）",
            Lang::En => ")",
        }
    }

    fn folder_name(&self, folder: &str) -> String {
        if folder.is_empty() {
            Label::RootFolder.text(self.lang).to_string()
        } else {
            folder.to_string()
        }
    }

    /// A folder as text (a chart's label): with stores, `tmall: exports`.
    fn folder_label(&self, folder: &str) -> String {
        match self.store_folder(folder) {
            Some((store, rest)) => format!("{store}: {}", self.folder_name(rest)),
            None => self.folder_name(folder),
        }
    }

    /// A folder in a table: with stores, its store's chip and the folder in it.
    fn folder_cell(&self, folder: &str) -> String {
        match self.store_folder(folder) {
            Some((store, "")) => {
                format!("{} {}", store_chip(store), self.t(Label::RootFolder))
            }
            Some((store, rest)) => format!("{} {}", store_chip(store), path_cell(rest)),
            None => path_cell(&self.folder_name(folder)),
        }
    }

    /// With stores, a folder's store and the folder in it ("" for the store's root).
    fn store_folder<'p>(&self, folder: &'p str) -> Option<(&'p str, &'p str)> {
        if self.facts.inventory.stores.is_empty() || folder.is_empty() {
            return None;
        }
        Some(self.facts.in_store(folder).unwrap_or((folder, "")))
    }

    /// A file's path: with stores, its store's chip and the path in the store.
    fn file_cell(&self, path: &str) -> String {
        match self.facts.in_store(path) {
            Some((store, rest)) => format!("{} {}", store_chip(store), path_cell(rest)),
            None => path_cell(path),
        }
    }

    fn category_chip(&self, category: &str) -> String {
        format!(
            "<span class=\"chip {}\">{}</span>",
            category_class(category),
            escape(&i18n::category(self.lang, category))
        )
    }

    fn class_badge(&self, sensitivity: Sensitivity) -> String {
        let class = match sensitivity {
            Sensitivity::Sensitive => "cls-sensitive",
            Sensitivity::General => "cls-general",
        };
        format!(
            "<span class=\"badge {class}\">{}</span>",
            escape(i18n::sensitivity(self.lang, sensitivity))
        )
    }

    fn level_badge(&self, level: Severity) -> String {
        format!(
            "<span class=\"badge lvl-{}\">{}</span>",
            level.as_str(),
            escape(i18n::level(self.lang, level))
        )
    }

    fn level_badge_key(&self, level: &str) -> String {
        match [Severity::High, Severity::Medium, Severity::Low]
            .into_iter()
            .find(|s| s.as_str() == level)
        {
            Some(level) => self.level_badge(level),
            None => escape(level),
        }
    }

    /// "88 High" with the level as a badge.
    fn risk_cell(&self, risk: &Risk) -> String {
        format!(
            "<span class=\"score\">{}</span> {}",
            risk.score,
            self.level_badge(risk.level)
        )
    }

    fn factors(&self, risk: &Risk) -> String {
        let f = &risk.factors;
        [
            (Label::FactorWhat, f.what),
            (Label::FactorVolume, f.volume),
            (Label::FactorAge, f.age),
            (Label::FactorExposure, f.exposure),
        ]
        .iter()
        .map(|(label, n)| format!("{} {n}", label.text(self.lang)))
        .collect::<Vec<_>>()
        .join(" · ")
    }

    fn file_categories(&self, file: &FileEntry) -> String {
        i18n::category_list(self.lang, Facts::file_categories(file))
    }
}

/// A store's name, as a chip before the paths of its files.
fn store_chip(store: &str) -> String {
    format!("<span class=\"store\">{}</span>", escape(store))
}

/// A path that wraps at its slashes (a name longer than its column still breaks anywhere).
fn path_cell(path: &str) -> String {
    format!(
        "<span class=\"path\">{}</span>",
        escape(path).replace('/', "/<wbr>")
    )
}

/// A known category's CSS class (colours); unknown names from a newer inventory share one.
fn category_class(category: &str) -> &'static str {
    match category {
        "national_id" => "c-national_id",
        "phone" => "c-phone",
        "bank_card" => "c-bank_card",
        "address" => "c-address",
        "email" => "c-email",
        "passport" => "c-passport",
        "name" => "c-name",
        _ => "c-other",
    }
}

/// `part` of `whole` as a percentage; "—" when there is no whole.
fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    i18n::percent(part as f64 / whole as f64)
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// `text` cut to about `width` columns (a Chinese character counts two), keeping the end:
/// the last folders of a path say the most.
fn shorten(text: &str, width: usize) -> String {
    let columns = |c: char| if c as u32 >= 0x2e80 { 2 } else { 1 };
    if text.chars().map(columns).sum::<usize>() <= width {
        return text.to_string();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1; // the ellipsis
    for c in text.chars().rev() {
        if used + columns(c) > width {
            break;
        }
        used += columns(c);
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Stores in the per-store chart (the table lists them all).
const STORE_BARS: usize = 40;

/// What a report of stores adds to `STYLE` (a report without stores is as before).
const STORES_STYLE: &str = r#".store{display:inline-block;padding:0 6px;margin-right:2px;border-radius:4px;background:#e3ebf5;color:var(--accent);font-size:12px;font-weight:600;white-space:nowrap}
figure.stores{margin-top:14px}
figure.stores svg.chart{max-width:900px}
.legend{margin:6px 0 0;display:flex;flex-wrap:wrap;gap:6px}
"#;

const STYLE: &str = r#"
:root{--ink:#1d2733;--muted:#5b6776;--line:#dde3ea;--bg:#f4f6f9;--card:#fff;--accent:#1f4e79;--high:#b03a2e;--medium:#9a6300;--low:#1e6b41}
*{box-sizing:border-box}
body{margin:0;font:14px/1.55 system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","WenQuanYi Micro Hei",sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:var(--accent);color:#fff;padding:28px max(24px,calc((100% - 1152px)/2))}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650}
header.top .sub{margin:0 0 18px;opacity:.85}
header.top .path{font-size:13px}
dl.meta,dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0;font-size:13.5px}
dl.meta dt{opacity:.75}
dl.facts{margin-bottom:14px}
dl.facts dt{color:var(--muted)}
dd{margin:0;word-break:break-word}
nav.toc{max-width:1200px;margin:16px auto 0;padding:0 24px}
nav.toc ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px 8px}
nav.toc a{display:inline-block;padding:3px 10px;border:1px solid var(--line);border-radius:14px;background:var(--card);color:var(--accent);text-decoration:none;font-size:13px}
main{max-width:1200px;margin:0 auto;padding:4px 24px 24px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:16px 0}
h2{font-size:19px;margin:0 0 12px;color:var(--accent);border-bottom:2px solid var(--line);padding-bottom:6px}
h3{font-size:15px;margin:18px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:12px;margin-bottom:8px}
.card{border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:8px;padding:10px 14px;background:#fafbfd}
.card .n{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.3}
.card .l{color:var(--muted);font-size:12.5px}
.card.alert{border-left-color:var(--high)}
.card.alert .n{color:var(--high)}
.split{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(340px,100%),1fr));gap:8px 28px}
.split h3:first-child{margin-top:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfd}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.path{font-family:ui-monospace,"SF Mono",Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-size:12.5px;overflow-wrap:break-word}
td.short{white-space:nowrap}
.badge,.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.lvl-high,.cls-sensitive{background:#fbe9e7;color:var(--high)}
.lvl-medium{background:#fdf3e1;color:var(--medium)}
.lvl-low{background:#e8f5ee;color:var(--low)}
.cls-general{background:#e8f0fa;color:var(--accent)}
.chip{font-weight:500;border:1px solid currentColor;background:#fff}
.score{font-weight:650;font-variant-numeric:tabular-nums;display:inline-block;min-width:1.8em;text-align:right}
.note,.empty{color:var(--muted);font-size:12.5px;margin:6px 0 10px}
.cap{color:var(--medium)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(460px,100%),1fr));gap:14px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px 12px 6px}
figcaption{font-weight:600;margin-bottom:6px}
svg.chart{display:block;height:auto;max-width:600px}
svg.chart text{font-size:12px;fill:var(--ink)}
svg.chart text.val{fill:var(--muted)}
.c-national_id{color:#b03a2e;fill:#c0483b}
.c-phone{color:#1f6fb2;fill:#2f7fc1}
.c-bank_card{color:#8e44ad;fill:#9b59b6}
.c-address{color:#b9770e;fill:#d68910}
.c-email{color:#16806a;fill:#1a9a80}
.c-passport{color:#a93226;fill:#cb4335}
.c-name{color:#566573;fill:#717d8a}
.c-other{color:#566573;fill:#95a5a6}
details summary{cursor:pointer;font-weight:600;font-size:15px;margin:18px 0 8px}
footer{max-width:1200px;margin:0 auto;padding:0 24px 32px;color:var(--muted);font-size:12.5px}
@media (max-width:640px){
 header.top{padding:18px 14px}
 header.top h1{font-size:21px}
 dl.meta,dl.facts{grid-template-columns:1fr;gap:0}
 dl.meta dt,dl.facts dt{margin-top:6px}
 nav.toc,main,footer{padding-left:8px;padding-right:8px}
 section{padding:14px 12px;border-radius:8px}
 .cards{grid-template-columns:repeat(2,minmax(0,1fr))}
 .card .n{font-size:20px}
}
@media print{
 @page{margin:14mm}
 body{background:#fff;font-size:10pt}
 header.top{background:none;color:var(--ink);padding:0 0 10px;border-bottom:3px solid var(--accent)}
 nav.toc{display:none}
 main,footer{max-width:none;padding:0}
 section{border:none;border-radius:0;padding:0;margin:18px 0}
 h2,h3{break-after:avoid}
 figure,.card,tr{break-inside:avoid}
 thead{display:table-header-group}
 .scroll{overflow:visible}
 .charts{grid-template-columns:1fr 1fr}
 details::details-content{content-visibility:visible;display:block}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::tests::{sample_inventory, stores_inventory, v1_inventory};
    use crate::report::document::Facts;

    fn html(inv: &crate::inventory::Inventory, lang: Lang) -> String {
        render(&Facts::new(inv), lang)
    }

    #[test]
    fn escapes_html_significant_characters() {
        assert_eq!(
            escape(r#"<script>alert("x&'y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("订单/客户.csv"), "订单/客户.csv");
    }

    #[test]
    fn inventory_text_is_never_markup() {
        let mut inv = sample_inventory();
        let evil = "<script>alert(1)</script>.csv";
        inv.files[0].path = format!("exports/{evil}");
        inv.files[0].columns[0].name = "<img src=x onerror=alert(2)>".into();
        inv.actions[0].path = format!("exports/{evil}");
        inv.actions[3].evidence.copy_of = Some("<b>bold</b>".into());
        inv.errors[0].error = "bad </td></tr></table><iframe>".into();
        inv.roots = vec!["\"><svg onload=alert(3)>".into()];
        inv.policy.file = Some("<policy>".into());
        let page = html(&inv, Lang::En);
        for raw in [
            "<script>alert",
            "<img src",
            "<b>bold",
            "<iframe>",
            "<svg onload",
            "<policy>",
        ] {
            assert!(!page.contains(raw), "{raw} reached the page unescaped");
        }
        assert!(page.contains("exports/<wbr>&lt;script&gt;alert(1)&lt;/<wbr>script&gt;.csv"));
        assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
        assert!(page.contains("copy of &lt;b&gt;bold&lt;/b&gt;"));
        // The only script-like content is none at all.
        assert!(!page.to_lowercase().contains("<script"));
    }

    #[test]
    fn self_contained_with_a_strict_policy() {
        let page = html(&sample_inventory(), Lang::Zh);
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""));
        for external in ["http://", "https://", "<link", "@import", "url(", "<script"] {
            assert!(!page.contains(external), "{external} in a self-contained page");
        }
        assert!(html(&sample_inventory(), Lang::En).contains("<html lang=\"en\">"));
    }

    #[test]
    fn shows_the_totals_and_every_section() {
        let page = html(&sample_inventory(), Lang::En);
        // Totals: 5 files, 3,970 findings, 420 sensitive, 3 minors, 12 masked.
        for card in [
            "<div class=\"n\">5</div><div class=\"l\">Files scanned</div>",
            "<div class=\"n\">3,970</div><div class=\"l\">Findings</div>",
            "<div class=\"n\">420</div><div class=\"l\">Sensitive personal information</div>",
            "<div class=\"n\">3</div><div class=\"l\">Resident IDs of children under 14</div>",
            "<div class=\"n\">2</div><div class=\"l\">High-risk files</div>",
            "<div class=\"n\">4</div><div class=\"l\">Actions</div>",
            "<div class=\"n\">12</div><div class=\"l\">Already-masked values</div>",
        ] {
            assert!(page.contains(card), "missing {card}");
        }
        for id in [
            "summary",
            "categories",
            "charts",
            "folders",
            "actions",
            "riskiest",
            "oldest",
            "columns",
            "duplicates",
            "changes",
            "errors",
        ] {
            assert!(
                page.contains(&format!("<section id=\"{id}\">")),
                "no section {id}"
            );
            assert!(page.contains(&format!("<a href=\"#{id}\">")), "no link to {id}");
        }
        assert!(page.contains("stable: comparable with other scans (key id k-1f2e)"));
        assert!(page.contains("<span class=\"path\">policy.toml</span>"));
        assert!(page.contains("<span class=\"path\">exports/<wbr>orders_2021.csv</span>"));
        assert!(page.contains("data is 1,200 days old (limit 1,095)"));
        assert!(page.contains("copy of exports/orders_2021.csv; 97% of values shared (873)"));
        assert!(page.contains("what 40 · volume 30 · age 15 · exposure 3"));
        assert!(page.contains("invalid JSON at byte 1234"));
        assert!(page.contains("scans/<wbr>contract.pdf"));
        assert!(page.contains("+1,750"), "per-category change");
    }

    #[test]
    fn one_chart_per_category_with_its_top_folders() {
        let page = html(&sample_inventory(), Lang::En);
        assert_eq!(
            page.matches("<svg class=\"chart\"").count(),
            3,
            "national_id, phone, bank_card"
        );
        let bank = page
            .split("<figure>")
            .find(|f| f.contains("Bank card · folders with the most findings"))
            .expect("a bank card chart");
        // The archive member counts for the archive's folder.
        assert!(bank.contains(">finance</text>"), "{bank}");
        assert!(bank.contains("class=\"bar c-bank_card\""));
        assert_eq!(bank.matches("<rect").count(), 1);
        let phone = page
            .split("<figure>")
            .find(|f| f.contains("Phone · folders"))
            .expect("a phone chart");
        assert_eq!(phone.matches("<rect").count(), 2);
        // The biggest folder gets the full bar.
        assert!(phone.contains("width=\"240.0\""), "{phone}");
    }

    #[test]
    fn chinese_labels_in_chinese() {
        let page = html(&sample_inventory(), Lang::Zh);
        for text in [
            "个人信息数据清单报告",
            "敏感个人信息",
            "一般个人信息",
            "身份证号",
            "银行卡号",
            "保存期限超期",
            "禁止存放位置",
            "需脱敏列",
            "重复副本",
            "风险评分",
            "数据已保存 1,200 天（期限 1,095 天）",
            "扫描文件数",
        ] {
            assert!(page.contains(text), "missing {text}");
        }
        assert!(!page.contains("Files scanned"));
        assert!(!page.contains("Retention overdue"));
    }

    #[test]
    fn chinese_pages_say_pimap_s_words_in_chinese_and_local_times() {
        let mut inv = sample_inventory();
        inv.skipped[0].reason = "document: format not read yet".into();
        let facts = Facts::new(&inv).in_zone(crate::report::i18n::Zone::fixed(8 * 3600));
        let page = render(&facts, Lang::Zh);
        for text in [
            "<dt>扫描时间</dt><dd>2026-11-29 11:10 (UTC+08:00)</dd>",
            "<dt>基线扫描时间</dt><dd>2026-10-01 08:00 (UTC+08:00)</dd>",
            "居民身份证号（cn_resident_id）",
            "手机号码（cn_mobile）",
            "文档：暂不支持读取此格式",
        ] {
            assert!(page.contains(text), "missing {text}");
        }
        for english in [
            "UTC<",
            " UTC ",
            "format not read yet",
            ">cn_mobile<",
            ">cn_resident_id<",
            "data is ",
            "copy of ",
        ] {
            assert!(!page.contains(english), "{english} in a Chinese page");
        }
        let en = render(
            &Facts::new(&inv).in_zone(crate::report::i18n::Zone::fixed(8 * 3600)),
            Lang::En,
        );
        assert!(en.contains("<dt>Scanned at</dt><dd>2026-11-29 11:10 (UTC+08:00)</dd>"));
        // Without a known zone: UTC, and the page says so.
        let unknown = render(
            &Facts::new(&inv).in_zone(crate::report::i18n::Zone::unknown()),
            Lang::En,
        );
        assert!(unknown.contains("2026-11-29 03:10 (UTC, local time zone unknown)"));
        assert!(unknown.contains("The local time zone could not be determined"));
        assert!(!en.contains("could not be determined"));
    }

    #[test]
    fn children_s_ids_and_damaged_columns_have_their_section() {
        let mut inv = sample_inventory();
        inv.files[1].columns[1].precision_lost = Some(17);
        let page = html(&inv, Lang::En);
        let section = page
            .split("<section id=\"attention\">")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("an attention section");
        assert!(page.contains("<a href=\"#attention\">"));
        assert!(
            section.contains("Files with children&#39;s resident IDs (1)"),
            "{section}"
        );
        assert!(section.contains("PIPL Art. 28"));
        assert!(section.contains("<td class=\"num\">3</td>"), "{section}");
        assert!(
            section.contains("Columns whose numbers Excel cut short (1)"),
            "{section}"
        );
        assert!(section.contains("digits past the 15th are lost"));
        assert!(section.contains("<td class=\"num\">17</td>"), "{section}");
        let zh = html(&inv, Lang::Zh);
        assert!(zh.contains("含未成年人身份证号的文件 (1)") && zh.contains("第三十一条"));
    }

    #[test]
    fn a_changed_policy_is_not_shown_as_progress() {
        let mut inv = sample_inventory();
        let page = html(&inv, Lang::En);
        assert!(page.contains("<div class=\"l\">Change in actions</div>"));
        assert!(!page.contains("different policies"));
        inv.changes.as_mut().unwrap().policy_changed = true;
        let page = html(&inv, Lang::En);
        assert!(page.contains("<div class=\"l\">Change in actions (other policy)</div>"));
        assert!(page.contains("has not necessarily been dealt with"));
    }

    #[test]
    fn long_tables_are_capped_with_a_note() {
        let mut inv = sample_inventory();
        let template = inv.files[1].clone();
        for i in 0..HTML_ROWS + 50 {
            let mut f = template.clone();
            f.path = format!("bulk/{i:04}/orders.csv");
            inv.files.push(f);
        }
        let page = html(&inv, Lang::En);
        let columns = page
            .split("<section id=\"columns\">")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("columns section");
        assert_eq!(
            columns.matches("<tr>").count(),
            HTML_ROWS + 1,
            "header + capped rows"
        );
        let left_out = inv.files.iter().map(|f| f.columns.len()).sum::<usize>() - HTML_ROWS;
        assert!(
            columns.contains(&format!(
                "Showing the first 300 rows; {left_out} more are not shown"
            )),
            "{}",
            &columns[columns.len().saturating_sub(600)..]
        );
        assert!(columns.contains("The CSV report"));
        let riskiest = page.split("<section id=\"riskiest\">").nth(1).unwrap();
        let riskiest = riskiest.split("</section>").next().unwrap();
        assert_eq!(riskiest.matches("<tr>").count(), TOP_FILES + 1);
    }

    #[test]
    fn renders_a_schema_1_inventory() {
        let page = html(&v1_inventory(), Lang::Zh);
        assert!(page.contains("<div class=\"n\">7</div><div class=\"l\">发现总数</div>"));
        assert!(page.contains("本清单未包含风险评分"));
        assert!(page.contains("单次扫描随机密钥"));
        assert!(page.contains("内置默认策略"));
        assert!(page.contains("未发现需要整改的事项"));
        assert!(!page.contains("<section id=\"changes\">"));
        assert!(!page.contains("<section id=\"duplicates\">"));
        assert!(page.contains(">tel<"), "the column table lists v1 columns");
    }

    #[test]
    fn renders_an_empty_inventory() {
        let page = html(&crate::inventory::Inventory::default(), Lang::En);
        assert!(page.contains("<div class=\"n\">0</div><div class=\"l\">Findings</div>"));
        assert!(!page.contains("<section id=\"charts\">"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn stores_have_a_table_a_chart_and_name_the_store_of_each_file() {
        let inv = stores_inventory();
        let page = html(&inv, Lang::En);
        let section = page
            .split("<section id=\"stores\">")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("a stores section");
        assert!(page.contains("<a href=\"#stores\">Stores</a>"));
        // The table: tmall holds the export and its copy, taobao the cards and the error.
        assert!(
            section.contains(
                "<tr><td class=\"short\"><span class=\"store\">tmall</span></td><td><span class=\"path\">/<wbr>mnt/<wbr>tmall</span></td>\
                 <td class=\"num\">2</td><td class=\"num\">2</td><td class=\"num\">3,850</td>"
            ),
            "{section}"
        );
        assert!(
            section.contains("<td class=\"num\">1</td><td class=\"num\">3</td><td class=\"num\">0</td></tr>"),
            "tmall: 1 high-risk file, 3 actions, no error\n{section}"
        );
        assert!(section.contains("<span class=\"chip c-bank_card\">Bank card</span> 120"));
        // The chart: one stacked bar per store, a segment per category, most findings first.
        let chart = section
            .split("<svg class=\"chart stores\"")
            .nth(1)
            .and_then(|s| s.split("</svg>").next())
            .expect("a stores chart");
        let bars: Vec<&str> = chart.split("<g class=\"store\">").skip(1).collect();
        assert_eq!(bars.len(), 2);
        assert!(bars[0].contains(">tmall</text>") && bars[1].contains(">taobao</text>"));
        assert_eq!(bars[0].matches("<rect").count(), 2, "IDs and phones");
        // The store with most findings fills the bar: 158 + 500, its total after.
        assert!(bars[0].contains("<text class=\"val\" x=\"664.0\""), "{}", bars[0]);
        assert!(bars[0].contains("<title>tmall · Phone: 3,550</title>"));
        assert_eq!(bars[1].matches("class=\"bar c-bank_card\"").count(), 1);
        // Per-category charts are as before.
        assert_eq!(page.matches("<svg class=\"chart\"").count(), 3);
        // Files are shown in their store, by the path inside it.
        for listed in [
            "<span class=\"store\">tmall</span> <span class=\"path\">exports/<wbr>orders_2021.csv</span>",
            "<span class=\"store\">taobao</span> <span class=\"path\">api/<wbr>broken.json</span>",
            "<span class=\"store\">taobao</span> <span class=\"path\">scans/<wbr>contract.pdf</span>",
            "<span class=\"store\">tmall</span> <span class=\"path\">exports/<wbr>backup/<wbr>orders_copy.csv</span>",
            // A folder of a store, and a store's root.
            "<td><span class=\"store\">taobao</span> <span class=\"path\">finance</span></td>",
            ">taobao: finance</text>",
        ] {
            assert!(page.contains(listed), "missing {listed}");
        }
        assert!(page.contains("copy of tmall: exports/orders_2021.csv; 97% of values shared"));
        assert!(!page.contains("tmall/<wbr>exports"), "a store shown as a folder");
        assert!(!page.contains("tmall/exports"), "a store shown as a folder");
        let zh = html(&inv, Lang::Zh);
        assert!(zh.contains("<h2>各店铺概况</h2>") && zh.contains("<th>店铺</th>"));
        assert!(zh.contains("各店铺按类别的发现数"));
    }

    #[test]
    fn store_names_are_text_too() {
        let mut inv = stores_inventory();
        inv.stores[0].name = "<b>x</b>".into();
        inv.files[0].path = "<b>x</b>/exports/a.csv".into();
        let page = html(&inv, Lang::En);
        assert!(!page.contains("<b>x"));
        assert!(page.contains("<span class=\"store\">&lt;b&gt;x&lt;/b&gt;</span>"));
    }

    #[test]
    fn shortens_long_folder_names_from_the_left() {
        assert_eq!(shorten("exports", 40), "exports");
        let long = "a/".repeat(30) + "orders";
        let short = shorten(&long, 20);
        assert!(short.starts_with('…') && short.ends_with("/orders"), "{short}");
        assert_eq!(short.chars().count(), 20);
        let chinese = "客户资料/".repeat(10);
        let short = shorten(&chinese, 20);
        let width: usize = short
            .chars()
            .map(|c| if c as u32 >= 0x2e80 { 2 } else { 1 })
            .sum();
        assert!(
            (18..=20).contains(&width) && short.ends_with("客户资料/"),
            "{short}"
        );
    }
}
