//! `pimap report`: an inventory turned into a document for people: HTML for the boss,
//! CSV for spreadsheets, Markdown for an impact assessment (PIPL Art. 55-56), an Excel
//! workbook for the assessment team.
//!
//! The facts every format shows (folders, the riskiest and oldest files, which detector
//! belongs to which category) are worked out once here, in `Facts`; the format modules only
//! lay them out. The report is written with mode 0600: it records where personal data lives.

use super::i18n::Zone;
use super::{html, i18n, markdown, table, workbook};
use super::{Lang, ReportFormat};
use crate::detect::DetectorSet;
use crate::finding::Sensitivity;
use crate::inventory::{Action, ActionKind, ColumnEntry, FileEntry, Inventory, Risk, Severity, StoreTotals};
use crate::Exit;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Rows a long HTML table shows; the CSV has them all.
pub(crate) const HTML_ROWS: usize = 300;
/// Rows a long Markdown table shows: an assessment quotes, it does not list.
pub(crate) const MARKDOWN_ROWS: usize = 50;
/// Files in the "riskiest" and "oldest" lists, and urgent actions in the Markdown.
pub(crate) const TOP_FILES: usize = 20;
/// Folders in each category's chart.
pub(crate) const CHART_BARS: usize = 10;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}", one_line(&.0.to_string()))]
    Inventory(#[from] crate::InventoryError),
    /// Not where it is going (an HTML page on a terminal): the hint.
    #[error("{0}")]
    Refused(String),
    #[error("{}: is the inventory itself (the same file): choose another output file", one_line(.0))]
    SameFile(String),
    #[error("{}", one_line(&.0.to_string()))]
    Output(#[from] super::output::OutputError),
    #[error("cannot write the report: {0}")]
    Stdout(#[source] std::io::Error),
    /// The xlsx writer refused a cell or a sheet: a bug of the workbook's layout.
    #[error("cannot make the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

/// What `pimap report` is asked for.
#[derive(Debug)]
pub struct ReportRequest<'a> {
    /// The inventory (JSON) written by `pimap scan -o`.
    pub inventory: &'a Path,
    pub format: ReportFormat,
    /// Where to write the report; standard output when None.
    pub output: Option<&'a Path>,
    /// None: from the locale.
    pub lang: Option<Lang>,
}

pub fn run(args: &ReportRequest<'_>) -> Result<Exit, ReportError> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    if let Some(hint) = refusal(args.format, to_terminal) {
        return Err(ReportError::Refused(hint));
    }
    // read_inventory also refuses other tools' JSON (the schema must be pimap.inventory/*).
    let inventory = crate::read_inventory(args.inventory)?;
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let document = render_for(&inventory, args.format, lang, to_terminal)?;
    match args.output {
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&document).and_then(|()| out.flush()) {
                Ok(()) => {}
                // `pimap report ... | head` is not a failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(ReportError::Stdout(e)),
            }
        }
        Some(path) => {
            let out = super::output::Output::open(path)?;
            // By identity: a hard link or another spelling of the inventory is the inventory.
            if out.must_differ(args.inventory).is_err() {
                return Err(ReportError::SameFile(out.shown().to_string()));
            }
            super::write_document(out, |w| w.write_all(&document))?;
        }
    }
    Ok(Exit::Ok)
}

/// Why a report must not be printed where it is going, as the one-line hint to give: an
/// HTML page on a terminal is 50 KB of markup scrolling past, never what was meant, and a
/// workbook is binary (zip) that would garble the terminal.
pub(crate) fn refusal(format: ReportFormat, to_terminal: bool) -> Option<String> {
    if !to_terminal {
        return None;
    }
    match format {
        ReportFormat::Html => Some(
            "an HTML report is a page to open, not to print on a terminal: use -o report.html or redirect (> report.html)"
                .to_string(),
        ),
        ReportFormat::Xlsx => Some(
            "an xlsx report is a binary workbook to open in a spreadsheet, not to print on a terminal: use -o report.xlsx or redirect (> report.xlsx)"
                .to_string(),
        ),
        ReportFormat::Csv | ReportFormat::Md => None,
    }
}

/// The report as bytes, for a file or a pipe. For tests and the fuzzer: a workbook the
/// writer refuses (a bug of its layout, never of the inventory) panics.
pub fn render(inventory: &Inventory, format: ReportFormat, lang: Lang) -> Vec<u8> {
    match render_for(inventory, format, lang, false) {
        Ok(bytes) => bytes,
        Err(e) => panic!("{format:?} report: {e}"),
    }
}

/// The report as bytes; `to_terminal`: the CSV escapes control characters in names, which
/// a file keeps as they are (the Markdown escapes them always: it is read as text).
fn render_for(
    inventory: &Inventory,
    format: ReportFormat,
    lang: Lang,
    to_terminal: bool,
) -> Result<Vec<u8>, ReportError> {
    let facts = Facts::new(inventory);
    Ok(match format {
        ReportFormat::Html => html::render(&facts, lang).into_bytes(),
        ReportFormat::Csv => table::render(&facts, lang, to_terminal),
        ReportFormat::Md => markdown::render(&facts, lang).into_bytes(),
        ReportFormat::Xlsx => workbook::render(&facts, lang)?,
    })
}

/// A column of a report table: its heading, and how its cells are laid out.
#[derive(Clone, Copy)]
pub(crate) enum Col {
    Text(crate::report::i18n::Label),
    /// Short text that reads badly wrapped (action kinds, levels).
    Short(crate::report::i18n::Label),
    /// Numbers: right-aligned.
    Num(crate::report::i18n::Label),
}

/// Paths and serde messages may hold newlines; the caller prints one line.
fn one_line(message: &str) -> String {
    message.replace(['\n', '\r'], " ")
}

/// What the formats show, worked out once from the inventory.
pub(crate) struct Facts<'a> {
    pub inventory: &'a Inventory,
    /// Detector id → (category, PIPL class): the built-in definitions, overridden by what
    /// the inventory's own columns say (they carry the scan's definitions, custom ones too).
    detectors: HashMap<String, (String, Sensitivity)>,
    /// Paths of archives, to tell `a.zip!x.csv` (a member) from a file named `hi!.txt`.
    archives: HashSet<&'a str>,
    /// Where times are shown: the machine's time zone.
    pub zone: Zone,
}

/// One folder's share of the personal data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FolderStats<'a> {
    /// The parent directory; "" for files at the top of a scanned root.
    pub folder: &'a str,
    pub findings: u64,
    pub files_with_findings: u64,
    pub sensitive_files: u64,
    pub highest_risk: Option<&'a Risk>,
}

/// A file with sensitive data and the date its age is judged by.
pub(crate) struct DatedFile<'a> {
    pub file: &'a FileEntry,
    /// `YYYY-MM-DD` (a modification time's day in the report's zone).
    pub date: std::borrow::Cow<'a, str>,
    /// The date is the newest one found inside (else the modification time).
    pub from_content: bool,
}

/// A category's totals.
pub(crate) struct CategoryTotals<'a> {
    pub category: &'a str,
    pub findings: u64,
    pub masked: u64,
    /// Files with findings of the category.
    pub files: u64,
    /// Sensitive when any detector of the category is; None when no known detector has it.
    pub sensitivity: Option<Sensitivity>,
}

impl<'a> Facts<'a> {
    pub fn new(inventory: &'a Inventory) -> Facts<'a> {
        let mut detectors: HashMap<String, (String, Sensitivity)> = DetectorSet::builtin()
            .detectors()
            .iter()
            .map(|d| (d.id.clone(), (d.category.as_str().to_string(), d.sensitivity)))
            .collect();
        for file in &inventory.files {
            for column in &file.columns {
                if let (Some(category), Some(sensitivity)) = (&column.category, column.sensitivity) {
                    detectors.insert(column.detector.clone(), (category.clone(), sensitivity));
                }
            }
        }
        let archives = inventory
            .files
            .iter()
            .filter(|f| f.archive)
            .map(|f| f.path.as_str())
            .collect();
        Facts {
            inventory,
            detectors,
            archives,
            zone: Zone::local(),
        }
    }

    /// The same facts with times shown in `zone`.
    #[cfg(test)]
    pub fn in_zone(mut self, zone: Zone) -> Facts<'a> {
        self.zone = zone;
        self
    }

    /// A time as people read it here: `2026-12-06 20:56 (UTC+08:00)`.
    pub fn time(&self, lang: Lang, rfc3339: &'a str) -> std::borrow::Cow<'a, str> {
        i18n::timestamp(lang, &self.zone, rfc3339)
    }

    /// Files holding resident IDs of children under 14, most first.
    pub fn files_with_minors(&self) -> Vec<&'a FileEntry> {
        let mut files: Vec<&'a FileEntry> = self.inventory.files.iter().filter(|f| f.minors > 0).collect();
        files.sort_by(|a, b| b.minors.cmp(&a.minors).then(a.path.cmp(&b.path)));
        files
    }

    /// Columns whose ID or card numbers Excel turned into floats, most cells first.
    pub fn precision_lost_columns(&self) -> Vec<(&'a FileEntry, &'a ColumnEntry)> {
        let mut columns: Vec<(&'a FileEntry, &'a ColumnEntry)> = self
            .inventory
            .files
            .iter()
            .flat_map(|f| f.columns.iter().map(move |c| (f, c)))
            .filter(|(_, c)| c.precision_lost.unwrap_or(0) > 0)
            .collect();
        columns.sort_by(|a, b| {
            b.1.precision_lost
                .cmp(&a.1.precision_lost)
                .then(a.0.path.cmp(&b.0.path))
                .then(a.1.name.cmp(&b.1.name))
        });
        columns
    }

    pub fn detector_category(&self, detector: &str) -> Option<&str> {
        self.detectors.get(detector).map(|(c, _)| c.as_str())
    }

    pub fn detector_sensitivity(&self, detector: &str) -> Option<Sensitivity> {
        self.detectors.get(detector).map(|&(_, s)| s)
    }

    /// A column's PIPL class: its own, else its detector's.
    pub fn column_sensitivity(&self, column: &ColumnEntry) -> Option<Sensitivity> {
        column
            .sensitivity
            .or_else(|| self.detector_sensitivity(&column.detector))
    }

    /// A column's category: its own, else its detector's.
    pub fn column_category<'c>(&'c self, column: &'c ColumnEntry) -> Option<&'c str> {
        column
            .category
            .as_deref()
            .or_else(|| self.detector_category(&column.detector))
    }

    fn category_sensitivity(&self, category: &str) -> Option<Sensitivity> {
        let mut classes = self
            .detectors
            .values()
            .filter(|(c, _)| c == category)
            .map(|&(_, s)| s);
        let first = classes.next()?;
        Some(
            if first == Sensitivity::Sensitive || classes.any(|s| s == Sensitivity::Sensitive) {
                Sensitivity::Sensitive
            } else {
                Sensitivity::General
            },
        )
    }

    /// Categories worth a row: those with findings or masked values, and those a detector
    /// of the scan looks for (a zero there is news too). Contract order, then unknown ones.
    pub fn categories(&self) -> Vec<CategoryTotals<'a>> {
        let totals = &self.inventory.totals;
        let scanned: HashSet<&str> = self
            .inventory
            .tool
            .detectors
            .iter()
            .filter_map(|d| self.detector_category(d))
            .collect();
        let mut names: Vec<&'a str> = totals
            .by_category
            .keys()
            .chain(totals.masked_by_category.keys())
            .map(String::as_str)
            .collect();
        names.sort_by_key(|name| (contract_rank(name), *name));
        names.dedup();
        let mut files: HashMap<&str, u64> = HashMap::new();
        for file in self.files_with_findings() {
            for (category, _) in file.by_category.iter().filter(|(_, &n)| n > 0) {
                *files.entry(category.as_str()).or_default() += 1;
            }
        }
        names
            .into_iter()
            .map(|category| CategoryTotals {
                category,
                findings: totals.by_category.get(category).copied().unwrap_or(0),
                masked: totals.masked_by_category.get(category).copied().unwrap_or(0),
                files: files.get(category).copied().unwrap_or(0),
                sensitivity: self.category_sensitivity(category),
            })
            .filter(|c| c.findings > 0 || c.masked > 0 || scanned.contains(c.category))
            .collect()
    }

    /// The folder a path counts for: its parent directory, or for an archive member
    /// (`a/b.zip!x/y.csv`) the archive's.
    pub fn folder_of(&self, path: &'a str) -> &'a str {
        let container = path
            .match_indices('!')
            .map(|(i, _)| &path[..i])
            .find(|prefix| self.archives.contains(prefix) || looks_like_archive(prefix))
            .unwrap_or(path);
        match container.rsplit_once('/') {
            Some(("", _)) => "/",
            Some((parent, _)) => parent,
            None => "",
        }
    }

    /// Files with findings, folder by folder, most findings first.
    pub fn folders(&self) -> Vec<FolderStats<'a>> {
        let mut by_folder: HashMap<&'a str, FolderStats<'a>> = HashMap::new();
        for file in self.files_with_findings() {
            let folder = self.folder_of(&file.path);
            let stats = by_folder.entry(folder).or_insert(FolderStats {
                folder,
                findings: 0,
                files_with_findings: 0,
                sensitive_files: 0,
                highest_risk: None,
            });
            stats.findings = stats.findings.saturating_add(file.findings);
            stats.files_with_findings += 1;
            if file.sensitivity == Some(Sensitivity::Sensitive) {
                stats.sensitive_files += 1;
            }
            if let Some(risk) = &file.risk {
                if stats.highest_risk.is_none_or(|r| risk.score > r.score) {
                    stats.highest_risk = Some(risk);
                }
            }
        }
        let mut folders: Vec<FolderStats<'a>> = by_folder.into_values().collect();
        folders.sort_by(|a, b| b.findings.cmp(&a.findings).then(a.folder.cmp(b.folder)));
        folders
    }

    /// The `limit` folders with the most findings of `category`, most first.
    pub fn top_folders_for(&self, category: &str, limit: usize) -> Vec<(&'a str, u64)> {
        let mut by_folder: HashMap<&'a str, u64> = HashMap::new();
        for file in self.files_with_findings() {
            if let Some(&n) = file.by_category.get(category).filter(|&&n| n > 0) {
                let total = by_folder.entry(self.folder_of(&file.path)).or_default();
                *total = total.saturating_add(n);
            }
        }
        let mut folders: Vec<(&'a str, u64)> = by_folder.into_iter().collect();
        folders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        folders.truncate(limit);
        folders
    }

    /// Files by risk score, highest first (files without a score are left out).
    /// Suspected ID images, riskiest first, then by path.
    pub fn suspected_id_images(&self) -> Vec<&'a crate::inventory::SuspectedImage> {
        let mut images: Vec<_> = self.inventory.suspected_id_images.iter().collect();
        let score = |i: &crate::inventory::SuspectedImage| i.risk.as_ref().map_or(0, |r| r.score);
        images.sort_by(|a, b| score(b).cmp(&score(a)).then(a.path.cmp(&b.path)));
        images
    }

    pub fn riskiest(&self) -> Vec<&'a FileEntry> {
        let mut files: Vec<&'a FileEntry> =
            self.inventory.files.iter().filter(|f| f.risk.is_some()).collect();
        files.sort_by(|a, b| {
            let score = |f: &FileEntry| f.risk.as_ref().map_or(0, |r| r.score);
            score(b)
                .cmp(&score(a))
                .then(b.findings.cmp(&a.findings))
                .then(a.path.cmp(&b.path))
        });
        files
    }

    /// Files with sensitive data by the age of that data, oldest first; files with no date
    /// at all are left out.
    pub fn oldest_sensitive(&self) -> Vec<DatedFile<'a>> {
        let mut files: Vec<DatedFile<'a>> = self
            .inventory
            .files
            .iter()
            .filter(|f| f.sensitivity == Some(Sensitivity::Sensitive))
            .filter_map(|file| {
                let (date, from_content) = match (&file.newest_date, &file.modified) {
                    (Some(d), _) => (d, true),
                    (None, Some(m)) => (m, false),
                    (None, None) => return None,
                };
                Some(DatedFile {
                    file,
                    date: i18n::local_date(&self.zone, date),
                    from_content,
                })
            })
            .collect();
        files.sort_by(|a, b| a.date.cmp(&b.date).then(a.file.path.cmp(&b.file.path)));
        files
    }

    /// Files with findings by their strictest class: the inventory's totals, or counted
    /// from the files for inventories written before those totals existed.
    pub fn files_by_sensitivity(&self) -> BTreeMap<String, u64> {
        let totals = &self.inventory.totals.files_by_sensitivity;
        if !totals.is_empty() {
            return totals.clone();
        }
        let mut counts = BTreeMap::new();
        for file in self.files_with_findings() {
            if let Some(s) = file.sensitivity {
                *counts.entry(s.as_str().to_string()).or_default() += 1;
            }
        }
        counts
    }

    /// Files with findings by risk level, high first (from the totals, else the files).
    pub fn files_by_risk(&self) -> Vec<(String, u64)> {
        let mut counts = self.inventory.totals.files_by_risk.clone();
        if counts.is_empty() {
            for risk in self.inventory.files.iter().filter_map(|f| f.risk.as_ref()) {
                *counts.entry(risk.level.as_str().to_string()).or_default() += 1;
            }
        }
        let rank = |level: &str| {
            [Severity::High, Severity::Medium, Severity::Low]
                .iter()
                .position(|s| s.as_str() == level)
                .unwrap_or(usize::MAX)
        };
        let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
        counts.sort_by_key(|(level, _)| rank(level));
        counts
    }

    /// Actions per kind, every known kind present (from the totals, else the actions).
    pub fn actions_by_kind(&self) -> Vec<(String, u64)> {
        let mut counts = self.inventory.totals.actions.clone();
        if counts.values().all(|&n| n == 0) && !self.inventory.actions.is_empty() {
            counts.clear();
            for action in &self.inventory.actions {
                *counts.entry(action.kind.as_str().to_string()).or_default() += 1;
            }
        }
        for kind in ActionKind::ALL {
            counts.entry(kind.as_str().to_string()).or_default();
        }
        let rank = |key: &str| {
            ActionKind::ALL
                .iter()
                .position(|k| k.as_str() == key)
                .unwrap_or(usize::MAX)
        };
        let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
        counts.sort_by_key(|(kind, _)| rank(kind));
        counts
    }

    /// Every column of every file, sensitive ones first, then by hits.
    pub fn columns(&self) -> Vec<(&'a FileEntry, &'a ColumnEntry)> {
        let mut columns: Vec<(&'a FileEntry, &'a ColumnEntry)> = self
            .inventory
            .files
            .iter()
            .flat_map(|f| f.columns.iter().map(move |c| (f, c)))
            .collect();
        columns.sort_by(|a, b| {
            let sensitive = |c: &ColumnEntry| self.column_sensitivity(c) == Some(Sensitivity::Sensitive);
            sensitive(b.1)
                .cmp(&sensitive(a.1))
                .then(b.1.hits.cmp(&a.1.hits))
                .then(a.0.path.cmp(&b.0.path))
        });
        columns
    }

    /// Findings of the sensitive class (PIPL Art. 28).
    pub fn sensitive_findings(&self) -> u64 {
        self.inventory
            .totals
            .by_sensitivity
            .get("sensitive")
            .copied()
            .unwrap_or(0)
    }

    pub fn masked_values(&self) -> u64 {
        self.inventory
            .totals
            .masked_by_category
            .values()
            .fold(0u64, |sum, &n| sum.saturating_add(n))
    }

    /// The categories a file holds, in contract order.
    pub fn file_categories(file: &'a FileEntry) -> Vec<&'a str> {
        let mut categories: Vec<&'a str> = file
            .by_category
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(c, _)| c.as_str())
            .collect();
        categories.sort_by_key(|c| (contract_rank(c), *c));
        categories
    }

    /// With stores (`scan --store`), the store and the store-relative path of an entry
    /// known by `NAME/path`; None for an inventory without stores.
    pub fn in_store<'p>(&self, path: &'p str) -> Option<(&'p str, &'p str)> {
        if self.inventory.stores.is_empty() {
            return None;
        }
        crate::inventory::stores::split(path)
    }

    /// Why an action is listed, in a sentence; with stores, the file it copies is named
    /// `store: path` like the files the report lists.
    pub fn evidence(&self, lang: Lang, action: &Action) -> String {
        if let Some((store, path)) = action.evidence.copy_of.as_deref().and_then(|c| self.in_store(c)) {
            let mut shown = action.clone();
            shown.evidence.copy_of = Some(format!("{store}: {path}"));
            return i18n::evidence(lang, &self.zone, &shown);
        }
        i18n::evidence(lang, &self.zone, action)
    }

    /// A store's categories with findings, in contract order.
    pub fn store_categories(totals: &StoreTotals) -> Vec<(&str, u64)> {
        let mut categories: Vec<(&str, u64)> = totals
            .by_category
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(c, &n)| (c.as_str(), n))
            .collect();
        categories.sort_by_key(|&(c, _)| (contract_rank(c), c));
        categories
    }

    /// A store's files of high risk.
    pub fn store_high_risk(totals: &StoreTotals) -> u64 {
        totals
            .files_by_risk
            .get(Severity::High.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// A store's actions, all kinds.
    pub fn store_actions(totals: &StoreTotals) -> u64 {
        totals
            .actions
            .values()
            .fold(0u64, |sum, &n| sum.saturating_add(n))
    }

    pub fn files_with_findings(&self) -> impl Iterator<Item = &'a FileEntry> + 'a {
        self.inventory.files.iter().filter(|f| f.findings > 0)
    }
}

/// A category's place in the contract's order (unknown ones after).
fn contract_rank(category: &str) -> usize {
    crate::finding::Category::ALL
        .iter()
        .position(|c| c.as_str() == category)
        .unwrap_or(usize::MAX)
}

/// For inventories without the `archive` flag: a container name pimap opens as an archive.
fn looks_like_archive(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".zip", ".gz", ".tgz", ".tar"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inventory::{
        Action, Changes, DuplicateGroup, DuplicateMember, ErrorEntry, Evidence, FileChange, KeyInfo, KeyKind,
        PolicyInfo, RiskFactors, SkippedEntry, Totals,
    };

    fn risk(score: u32) -> Risk {
        Risk {
            score,
            level: match score {
                60.. => Severity::High,
                30.. => Severity::Medium,
                _ => Severity::Low,
            },
            factors: RiskFactors {
                what: score.min(40),
                volume: score.saturating_sub(40).min(30),
                age: score.saturating_sub(70).min(15),
                exposure: score.saturating_sub(85),
            },
        }
    }

    fn column(
        name: &str,
        detector: &str,
        category: &str,
        sensitive: bool,
        hits: u64,
        rows: u64,
    ) -> ColumnEntry {
        ColumnEntry {
            id: Some(crate::identity::Ids::default().column("exports/orders.csv", None, name, detector)),
            first_seen: Some("2026-03-01T02:00:00Z".into()),
            name: name.into(),
            table: None,
            detector: detector.into(),
            hits,
            rows,
            share: (hits as f64 / rows as f64 * 1000.0).round() / 1000.0,
            precision_lost: None,
            category: Some(category.into()),
            sensitivity: Some(if sensitive {
                Sensitivity::Sensitive
            } else {
                Sensitivity::General
            }),
            distinct: Some(hits / 2),
            masked: 0,
            masked_share: Some(0.0),
        }
    }

    /// A synthetic inventory with every schema-2 field filled: three files with findings
    /// in two folders and an archive, one without, actions of every kind, a duplicate
    /// group, changes, an error and a skipped file. No value in it is a real person's.
    pub(crate) fn sample_inventory() -> Inventory {
        let orders = FileEntry {
            path: "exports/orders_2021.csv".into(),
            size: 1_048_576,
            modified: Some("2021-03-01T10:00:00Z".into()),
            format: "csv".into(),
            encoding: Some("GB18030".into()),
            findings: 2100,
            by_detector: [("cn_mobile".into(), 1800), ("cn_resident_id".into(), 300)].into(),
            by_category: [("phone".into(), 1800), ("national_id".into(), 300)].into(),
            sensitivity: Some(Sensitivity::Sensitive),
            columns: vec![
                column("联系手机", "cn_mobile", "phone", false, 1800, 1800),
                column("身份证号", "cn_resident_id", "national_id", true, 300, 1800),
            ],
            distinct: [("cn_mobile".into(), 900), ("cn_resident_id".into(), 150)].into(),
            masked: [("cn_mobile".into(), 12)].into(),
            minors: 3,
            newest_date: Some("2021-02-27".into()),
            mode: Some("0644".into()),
            world_readable: true,
            risk: Some(risk(88)),
            ..FileEntry::default()
        };
        let copy = FileEntry {
            path: "exports/backup/orders_copy.csv".into(),
            size: 1_000_000,
            modified: Some("2022-01-01T00:00:00Z".into()),
            format: "csv".into(),
            findings: 1750,
            by_detector: [("cn_mobile".into(), 1750)].into(),
            by_category: [("phone".into(), 1750)].into(),
            sensitivity: Some(Sensitivity::General),
            columns: vec![column("手机", "cn_mobile", "phone", false, 1750, 1750)],
            risk: Some(risk(45)),
            ..FileEntry::default()
        };
        let archive = FileEntry {
            path: "finance/cards.zip".into(),
            size: 5000,
            format: "zip".into(),
            archive: true,
            ..FileEntry::default()
        };
        let member = FileEntry {
            path: "finance/cards.zip!2020/cards.csv".into(),
            size: 20_000,
            modified: Some("2020-06-30T08:00:00Z".into()),
            format: "csv".into(),
            findings: 120,
            by_detector: [("bank_card".into(), 120)].into(),
            by_category: [("bank_card".into(), 120)].into(),
            sensitivity: Some(Sensitivity::Sensitive),
            columns: vec![column("卡号", "bank_card", "bank_card", true, 120, 120)],
            risk: Some(risk(72)),
            ..FileEntry::default()
        };
        let clean = FileEntry {
            path: "readme.txt".into(),
            size: 10,
            modified: Some("2024-01-01T00:00:00Z".into()),
            format: "text".into(),
            ..FileEntry::default()
        };
        let files = vec![copy, orders, archive, member, clean];
        let mut totals = Totals::default();
        for f in &files {
            totals.add_file(f);
        }
        totals.by_sensitivity = [("sensitive".into(), 420), ("general".into(), 3550)].into();
        totals.files_by_sensitivity = [("sensitive".into(), 2), ("general".into(), 1)].into();
        totals.files_by_risk = [("high".into(), 2), ("medium".into(), 1), ("low".into(), 0)].into();
        totals.masked_by_category = [("phone".into(), 12)].into();
        totals.minors = 3;
        totals.errors = 1;
        totals.skipped = 1;
        totals.actions = ActionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), 1))
            .collect();
        let actions = vec![
            Action {
                store: None,
                kind: ActionKind::RetentionOverdue,
                severity: Severity::High,
                path: "exports/orders_2021.csv".into(),
                table: None,
                column: None,
                detector: None,
                rule: "orders-3y".into(),
                evidence: Evidence {
                    categories: vec!["national_id".into(), "phone".into()],
                    findings: Some(2100),
                    newest_date: Some("2021-02-27".into()),
                    age_days: Some(1200),
                    max_age_days: Some(1095),
                    ..Evidence::default()
                },
            },
            Action {
                store: None,
                kind: ActionKind::ForbiddenLocation,
                severity: Severity::High,
                path: "finance/cards.zip!2020/cards.csv".into(),
                table: None,
                column: None,
                detector: None,
                rule: "cards-only-in-vault".into(),
                evidence: Evidence {
                    categories: vec!["bank_card".into()],
                    findings: Some(120),
                    allowed_in: vec!["vault/**".into()],
                    ..Evidence::default()
                },
            },
            Action {
                store: None,
                kind: ActionKind::MaskColumn,
                severity: Severity::Medium,
                path: "exports/orders_2021.csv".into(),
                table: None,
                column: Some("身份证号".into()),
                detector: Some("cn_resident_id".into()),
                rule: "mask-ids".into(),
                evidence: Evidence {
                    unmasked: Some(300),
                    masked: Some(0),
                    rows: Some(1800),
                    ..Evidence::default()
                },
            },
            Action {
                store: None,
                kind: ActionKind::DuplicateCopy,
                severity: Severity::Low,
                path: "exports/backup/orders_copy.csv".into(),
                table: None,
                column: None,
                detector: None,
                rule: "duplicates".into(),
                evidence: Evidence {
                    copy_of: Some("exports/orders_2021.csv".into()),
                    shared: Some(873),
                    overlap: Some(0.97),
                    ..Evidence::default()
                },
            },
        ];
        Inventory {
            schema: crate::inventory::SCHEMA.into(),
            scanned_at: "2026-11-29T03:10:00Z".into(),
            roots: vec!["/mnt/shop-share".into()],
            sources: Vec::new(),
            tool: crate::inventory::ToolInfo {
                name: "pimap".into(),
                version: "0.1.0".into(),
                min_confidence: 0.5,
                detectors: vec!["cn_resident_id".into(), "bank_card".into(), "cn_mobile".into()],
                detector_digest: "d".into(),
            },
            totals,
            files,
            skipped: vec![SkippedEntry {
                store: None,
                path: "scans/contract.pdf".into(),
                size: 300_000,
                reason: "PDF: not read".into(),
            }],
            errors: vec![ErrorEntry {
                store: None,
                path: "api/broken.json".into(),
                error: "invalid JSON at byte 1234".into(),
                kind: Some(crate::error::ErrorKind::Corrupt),
            }],
            key: KeyInfo {
                kind: KeyKind::Stable,
                key_id: Some("k-1f2e".into()),
                cross_scan: true,
                fingerprints: false,
            },
            policy: PolicyInfo {
                file: Some("policy.toml".into()),
                rules: vec!["orders-3y".into()],
                digest: Some("0123456789abcdef".into()),
            },
            actions,
            duplicates: vec![DuplicateGroup {
                files: vec![
                    DuplicateMember {
                        store: None,
                        path: "exports/orders_2021.csv".into(),
                        distinct: 900,
                        shared: 900,
                        overlap: 1.0,
                    },
                    DuplicateMember {
                        store: None,
                        path: "exports/backup/orders_copy.csv".into(),
                        distinct: 875,
                        shared: 873,
                        overlap: 0.97,
                    },
                ],
            }],
            changes: Some(Changes {
                baseline_scanned_at: "2026-10-01T00:00:00Z".into(),
                baseline_file: Some("old.json".into()),
                reused: 1,
                rescanned: 4,
                reuse_note: None,
                new: vec![FileChange {
                    store: None,
                    path: "exports/backup/orders_copy.csv".into(),
                    before: 0,
                    after: 1750,
                    by_category: [("phone".into(), 1750)].into(),
                    content_changed: false,
                }],
                removed: vec![FileChange {
                    store: None,
                    path: "old/leads.csv".into(),
                    before: 40,
                    after: 0,
                    by_category: [("email".into(), -40)].into(),
                    content_changed: false,
                }],
                unreadable: vec![],
                changed: vec![],
                unchanged: 3,
                by_category: [("phone".into(), 1750), ("email".into(), -40)].into(),
                findings: 1710,
                actions: [("duplicate_copy".into(), 1)].into(),
                policy_changed: false,
                new_suspected_id_images: vec![crate::inventory::ImageChange {
                    store: None,
                    path: "客服/王芳-手持身份证.png".into(),
                    kind: crate::inventory::ImageKind::HandheldId,
                }],
                removed_suspected_id_images: Vec::new(),
            }),
            part: None,
            stores: Vec::new(),
            names: vec![crate::inventory::NameEntry {
                store: None,
                path: "客服/张伟_138****5678_发票.txt".into(),
                path_component: crate::inventory::PathComponent::FileName,
                depth: None,
                findings: 2,
                by_detector: [("cn_mobile".into(), 1), ("cn_name".into(), 1)].into(),
                by_category: [("phone".into(), 1), ("name".into(), 1)].into(),
                sensitivity: Some(Sensitivity::General),
            }],
            suspected_id_images: vec![crate::inventory::SuspectedImage {
                store: None,
                path: "客服/王芳-手持身份证.png".into(),
                reason: "name contains 身份证, name contains 手持".into(),
                kind: crate::inventory::ImageKind::HandheldId,
                size: 183_204,
                modified: Some("2025-06-01T08:00:00Z".into()),
                mode: Some("0644".into()),
                world_readable: true,
                risk: None,
            }],
        }
    }

    /// `sample_inventory` as a scan of two stores, as `read_inventory` gives it (paths
    /// `NAME/path`): `tmall` holds the exports, `taobao` the rest.
    pub(crate) fn stores_inventory() -> Inventory {
        let mut inv = sample_inventory();
        let in_store = |path: &mut String| {
            let store = if path.starts_with("exports/") {
                "tmall"
            } else {
                "taobao"
            };
            *path = crate::inventory::stores::join(store, path);
        };
        inv.files.iter_mut().for_each(|f| in_store(&mut f.path));
        inv.skipped.iter_mut().for_each(|f| in_store(&mut f.path));
        inv.errors.iter_mut().for_each(|f| in_store(&mut f.path));
        for action in &mut inv.actions {
            in_store(&mut action.path);
            action.evidence.copy_of.as_mut().map(in_store);
        }
        for group in &mut inv.duplicates {
            group.files.iter_mut().for_each(|f| in_store(&mut f.path));
        }
        if let Some(changes) = &mut inv.changes {
            changes.new.iter_mut().for_each(|f| in_store(&mut f.path));
            changes.removed.iter_mut().for_each(|f| in_store(&mut f.path));
        }
        inv.roots = vec!["/mnt/tmall".into(), "/mnt/taobao".into()];
        inv.stores = [("tmall", "/mnt/tmall"), ("taobao", "/mnt/taobao")]
            .into_iter()
            .map(|(name, root)| crate::inventory::StoreEntry {
                name: name.into(),
                root: root.into(),
                ..Default::default()
            })
            .collect();
        inv.count_store_totals();
        inv
    }

    /// What an inventory of schema 1 holds: no key, policy, risk, actions, duplicates,
    /// changes, distinct or masked counts.
    pub(crate) fn v1_inventory() -> Inventory {
        let json = r#"{
          "schema": "pimap.inventory/1",
          "scanned_at": "2025-01-01T00:00:00Z",
          "roots": ["share"],
          "tool": {"name": "pimap", "version": "0.0.9", "min_confidence": 0.5, "detectors": ["cn_mobile"]},
          "totals": {"files": 2, "bytes": 300, "files_with_findings": 1, "findings": 7,
                     "by_category": {"phone": 7, "national_id": 0},
                     "by_sensitivity": {"general": 7}, "skipped": 0, "errors": 0, "elapsed_seconds": 0.1},
          "files": [
            {"path": "a/b.csv", "size": 200, "format": "csv", "findings": 7,
             "by_detector": {"cn_mobile": 7}, "by_category": {"phone": 7}, "sensitivity": "general",
             "columns": [{"name": "tel", "detector": "cn_mobile", "hits": 7, "rows": 7, "share": 1.0}]},
            {"path": "c.txt", "size": 100, "format": "text", "findings": 0, "by_detector": {},
             "by_category": {}, "columns": []}
          ],
          "skipped": [],
          "errors": []
        }"#;
        serde_json::from_str(json).expect("a v1 inventory loads")
    }

    #[test]
    fn folders_count_archive_members_for_the_archive_folder() {
        let inv = sample_inventory();
        let facts = Facts::new(&inv);
        assert_eq!(facts.folder_of("finance/cards.zip!2020/cards.csv"), "finance");
        assert_eq!(facts.folder_of("exports/orders_2021.csv"), "exports");
        assert_eq!(facts.folder_of("readme.txt"), "");
        assert_eq!(facts.folder_of("/abs.txt"), "/");
        // `!` in a plain name is not an archive member.
        assert_eq!(facts.folder_of("notes/hi!/x.txt"), "notes/hi!");
        let folders = facts.folders();
        let names: Vec<&str> = folders.iter().map(|f| f.folder).collect();
        assert_eq!(names, ["exports", "exports/backup", "finance"]);
        assert_eq!(folders[0].findings, 2100);
        assert_eq!(folders[0].sensitive_files, 1);
        assert_eq!(folders[0].highest_risk.map(|r| r.score), Some(88));
        assert_eq!(facts.top_folders_for("bank_card", 10), [("finance", 120)]);
        assert_eq!(facts.top_folders_for("phone", 1), [("exports", 1800)]);
    }

    #[test]
    fn riskiest_and_oldest_files() {
        let inv = sample_inventory();
        let facts = Facts::new(&inv).in_zone(Zone::fixed(8 * 3600));
        let riskiest: Vec<&str> = facts.riskiest().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            riskiest,
            [
                "exports/orders_2021.csv",
                "finance/cards.zip!2020/cards.csv",
                "exports/backup/orders_copy.csv"
            ]
        );
        let oldest = facts.oldest_sensitive();
        let dated: Vec<(&str, &str, bool)> = oldest
            .iter()
            .map(|d| (d.file.path.as_str(), d.date.as_ref(), d.from_content))
            .collect();
        assert_eq!(
            dated,
            [
                ("finance/cards.zip!2020/cards.csv", "2020-06-30", false),
                ("exports/orders_2021.csv", "2021-02-27", true)
            ]
        );
    }

    #[test]
    fn old_inventories_get_counts_from_their_files() {
        let inv = v1_inventory();
        let facts = Facts::new(&inv);
        assert_eq!(facts.files_by_sensitivity(), [("general".to_string(), 1)].into());
        assert!(facts.files_by_risk().is_empty());
        let kinds = facts.actions_by_kind();
        assert_eq!(kinds.len(), ActionKind::ALL.len());
        assert!(kinds.iter().all(|(_, n)| *n == 0));
        let categories: Vec<&str> = facts.categories().iter().map(|c| c.category).collect();
        assert_eq!(
            categories,
            ["phone"],
            "national_id has no findings and no detector in this scan"
        );
        // The category comes from the built-in detector when the column has none.
        let (_, column) = facts.columns()[0];
        assert_eq!(facts.column_category(column), Some("phone"));
        assert_eq!(facts.column_sensitivity(column), Some(Sensitivity::General));
    }

    #[test]
    fn categories_know_their_class() {
        let inv = sample_inventory();
        let facts = Facts::new(&inv);
        let rows: Vec<(&str, u64, Option<Sensitivity>)> = facts
            .categories()
            .iter()
            .map(|c| (c.category, c.findings, c.sensitivity))
            .collect();
        assert_eq!(
            rows,
            [
                ("national_id", 300, Some(Sensitivity::Sensitive)),
                ("phone", 3550, Some(Sensitivity::General)),
                ("bank_card", 120, Some(Sensitivity::Sensitive)),
            ]
        );
    }

    #[test]
    fn odd_inventories_render_in_every_format() {
        let mut huge = sample_inventory();
        huge.totals.findings = u64::MAX;
        huge.totals.bytes = u64::MAX;
        huge.totals.actions = ActionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), u64::MAX))
            .collect();
        huge.files[0].findings = u64::MAX;
        huge.files[0].by_category.insert("phone".into(), u64::MAX);
        huge.files[1].by_category.insert("phone".into(), u64::MAX);
        huge.files[0].columns[0].share = f64::NAN;
        huge.files[0].columns[0].rows = 0;
        huge.files[1].path = String::new();
        huge.files[2].path = "!".into();
        huge.actions[0].evidence = Evidence::default();
        huge.totals
            .by_category
            .insert("a_category_from_the_future".into(), 7);
        let page = String::from_utf8(render(&huge, ReportFormat::Html, Lang::En)).unwrap();
        assert!(page.contains("<div class=\"n\">18,446,744,073,709,551,615</div>"));
        assert!(
            page.contains(">a_category_from_the_future<"),
            "unknown categories are shown as they are"
        );
        for inventory in [huge, Inventory::default(), v1_inventory()] {
            for format in [ReportFormat::Html, ReportFormat::Csv, ReportFormat::Md] {
                for lang in [Lang::Zh, Lang::En] {
                    let bytes = render(&inventory, format, lang);
                    assert!(std::str::from_utf8(&bytes).is_ok_and(|text| text.len() > 100));
                }
            }
        }
    }

    #[test]
    fn stores_have_their_totals_and_their_paths() {
        let inv = stores_inventory();
        let facts = Facts::new(&inv);
        let tmall = &inv.stores[0].totals;
        assert_eq!(
            (tmall.files, tmall.findings, tmall.errors),
            (2, 3850, 0),
            "the export and its copy"
        );
        assert_eq!(
            Facts::store_categories(tmall),
            [("national_id", 300), ("phone", 3550)]
        );
        assert_eq!(Facts::store_high_risk(tmall), 1);
        assert_eq!(Facts::store_actions(tmall), 3);
        let taobao = &inv.stores[1].totals;
        assert_eq!((taobao.findings, taobao.errors), (120, 1));
        assert_eq!(Facts::store_categories(taobao), [("bank_card", 120)]);
        assert_eq!(
            facts.in_store("tmall/exports/orders_2021.csv"),
            Some(("tmall", "exports/orders_2021.csv"))
        );
        let plain = sample_inventory();
        assert_eq!(Facts::new(&plain).in_store("exports/orders_2021.csv"), None);
    }

    #[test]
    fn without_stores_no_format_mentions_them() {
        for format in [ReportFormat::Html, ReportFormat::Csv, ReportFormat::Md] {
            for lang in [Lang::Zh, Lang::En] {
                let text = String::from_utf8(render(&sample_inventory(), format, lang)).unwrap();
                for store_word in [
                    "id=\"stores\"",
                    "class=\"store\"",
                    "## Stores",
                    "## 各店铺概况",
                    ",store,",
                    "店铺",
                ] {
                    assert!(!text.contains(store_word), "{format:?} {lang:?}: {store_word}");
                }
            }
        }
    }

    #[test]
    fn html_is_refused_on_a_terminal_only() {
        let hint = refusal(ReportFormat::Html, true).expect("refused");
        assert!(
            hint.contains("-o report.html") && hint.contains("redirect"),
            "{hint}"
        );
        assert!(!hint.contains('\n'));
        assert_eq!(refusal(ReportFormat::Html, false), None);
        assert_eq!(refusal(ReportFormat::Md, true), None);
        assert_eq!(refusal(ReportFormat::Csv, true), None);
        let hint = refusal(ReportFormat::Xlsx, true).expect("a workbook is refused too");
        assert!(hint.contains("-o report.xlsx") && !hint.contains('\n'), "{hint}");
        assert_eq!(refusal(ReportFormat::Xlsx, false), None);
    }

    #[test]
    fn sensitive_columns_come_first() {
        let inv = sample_inventory();
        let facts = Facts::new(&inv);
        let names: Vec<&str> = facts.columns().iter().map(|(_, c)| c.name.as_str()).collect();
        assert_eq!(names, ["身份证号", "卡号", "联系手机", "手机"]);
    }
}
