//! The sheets of the workbook, one method each: which rows a table has and what is in
//! their cells. How a sheet is laid out (header, widths, filter, the row cap) is `Book::sheet`.

use super::{Book, Cell, Row};
use crate::finding::Sensitivity;
use crate::inventory::{FileEntry, Severity};
use crate::report::document::Facts;
use crate::report::i18n::{self, Label};
use crate::report::Lang;
use rust_xlsxwriter::XlsxError;
use std::borrow::Cow;

impl<'a> Book<'_, 'a> {
    /// The scan and its key figures, then what the figures mean, as item-value rows.
    pub(super) fn summary(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let inv = facts.inventory;
        let totals = &inv.totals;
        let lang = self.lang;
        let mut rows: Vec<(Cow<'_, str>, Cell<'_>)> = Vec::new();
        let mut item = |label: Label, value: Cell<'a>| rows.push((label.text(lang).into(), value));
        item(Label::ScannedAt, self.time(Some(&inv.scanned_at)));
        for root in &inv.roots {
            item(Label::Roots, Cell::text(root.as_str()));
        }
        item(
            Label::ToolVersion,
            Cell::text(format!("{} {}", inv.tool.name, inv.tool.version)),
        );
        item(Label::Schema, Cell::text(inv.schema.as_str()));
        item(
            Label::FingerprintKey,
            Cell::text(self.t(if inv.key.cross_scan {
                Label::KeyStable
            } else {
                Label::KeyPerScan
            })),
        );
        item(
            Label::Policy,
            inv.policy
                .file
                .as_deref()
                .map_or_else(|| Cell::text(self.t(Label::BuiltinPolicy)), Cell::text),
        );
        // f32 → f64 would show 0.6 as 0.6000000238.
        let confidence = (f64::from(inv.tool.min_confidence) * 1000.0).round() / 1000.0;
        item(Label::MinConfidence, Cell::Number(confidence));
        item(
            Label::ElapsedSeconds,
            Cell::Number((totals.elapsed_seconds * 1000.0).round() / 1000.0),
        );
        item(Label::Files, Cell::Count(totals.files));
        item(Label::DataVolumeBytes, Cell::Count(totals.bytes));
        item(Label::FilesWithFindings, Cell::Count(totals.files_with_findings));
        item(Label::Findings, Cell::Count(totals.findings));
        item(Label::SensitiveFindings, Cell::Count(facts.sensitive_findings()));
        let general = totals.by_sensitivity.get(Sensitivity::General.as_str());
        item(Label::GeneralFindings, Cell::Count(general.copied().unwrap_or(0)));
        let by_class = facts.files_by_sensitivity();
        let files_of = |s: Sensitivity| by_class.get(s.as_str()).copied().unwrap_or(0);
        item(
            Label::SensitiveFiles,
            Cell::Count(files_of(Sensitivity::Sensitive)),
        );
        item(Label::GeneralFiles, Cell::Count(files_of(Sensitivity::General)));
        item(Label::Minors, Cell::Count(totals.minors));
        item(Label::MaskedValues, Cell::Count(facts.masked_values()));
        let by_risk = facts.files_by_risk();
        let high = by_risk.iter().find(|(level, _)| level == Severity::High.as_str());
        item(Label::HighRiskFiles, Cell::Count(high.map_or(0, |&(_, n)| n)));
        let by_kind = facts.actions_by_kind();
        let actions = by_kind.iter().fold(0u64, |sum, (_, n)| sum.saturating_add(*n));
        item(Label::ActionsTotal, Cell::Count(actions));
        item(Label::ErrorsTotal, Cell::Count(totals.errors));
        item(Label::SkippedTotal, Cell::Count(totals.skipped));
        let names = inv
            .names
            .iter()
            .fold(0u64, |sum, n| sum.saturating_add(n.findings));
        item(Label::NameFindingsTotal, Cell::Count(names));
        item(
            Label::IdImagesTotal,
            Cell::Count(inv.suspected_id_images.len() as u64),
        );
        // Each action kind's count, named "Actions · Retention overdue".
        for (kind, n) in &by_kind {
            let name = format!(
                "{} · {}",
                self.t(Label::ActionsTotal),
                i18n::action_kind_key(lang, kind)
            );
            rows.push((name.into(), Cell::Count(*n)));
        }
        let mut item = |label: Label, value: Cell<'a>| rows.push((label.text(lang).into(), value));
        if !facts.zone.is_known() {
            item(Label::Note, Cell::text(self.t(Label::TimeZoneUnknown)));
        }
        item(
            Label::SensitiveFindings,
            Cell::text(self.t(Label::IntroSensitive)),
        );
        item(Label::FilesWithMinors, Cell::text(self.t(Label::IntroMinors)));
        item(
            Label::ColumnsPrecisionLost,
            Cell::text(self.t(Label::IntroPrecisionLost)),
        );
        item(Label::Note, Cell::text(self.t(Label::PrivacyNote)));
        let rows = rows
            .into_iter()
            .map(|(label, value)| vec![Cell::Text(label), value])
            .collect();
        self.sheet(Label::SheetSummary, &[Label::Item, Label::Value], rows)
    }

    pub(super) fn stores(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let rows = self
            .facts
            .inventory
            .stores
            .iter()
            .map(|store| {
                let t = &store.totals;
                let categories: Vec<String> = Facts::store_categories(t)
                    .iter()
                    .map(|&(c, n)| format!("{} {}", i18n::category(lang, c), i18n::count(n)))
                    .collect();
                vec![
                    Cell::text(store.name.as_str()),
                    Cell::text(store.root.as_str()),
                    Cell::Count(t.files),
                    Cell::Count(t.files_with_findings),
                    Cell::Count(t.findings),
                    Cell::text(categories.join(if lang == Lang::Zh { "，" } else { ", " })),
                    Cell::Count(Facts::store_high_risk(t)),
                    Cell::Count(Facts::store_actions(t)),
                    Cell::Count(t.errors),
                ]
            })
            .collect();
        let header = [
            Label::Store,
            Label::StoreRoot,
            Label::Files,
            Label::FilesWithFindings,
            Label::Findings,
            Label::ByCategory,
            Label::HighRiskFiles,
            Label::ActionsTotal,
            Label::ErrorsTotal,
        ];
        self.sheet(Label::SheetStores, &header, rows)
    }

    pub(super) fn categories(&mut self) -> Result<(), XlsxError> {
        let rows = self
            .facts
            .categories()
            .iter()
            .map(|c| {
                vec![
                    Cell::text(i18n::category(self.lang, c.category).into_owned()),
                    self.class(c.sensitivity),
                    Cell::Count(c.findings),
                    Cell::Count(c.masked),
                    Cell::Count(c.files),
                ]
            })
            .collect();
        let header = [
            Label::Category,
            Label::Class,
            Label::Findings,
            Label::Masked,
            Label::FilesCount,
        ];
        self.sheet(Label::SheetCategories, &header, rows)
    }

    /// One row per file with findings, in the inventory's order.
    pub(super) fn files(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Path,
            Label::Format,
            Label::SizeBytes,
            Label::Modified,
            Label::FirstSeen,
            Label::NewestDate,
            Label::Findings,
            Label::Masked,
            Label::Categories,
            Label::Sensitivity,
            Label::RiskScore,
            Label::RiskLevel,
            Label::MinorsCount,
            Label::WorldReadable,
            Label::Mode,
            Label::Encoding,
        ]);
        let rows = self
            .facts
            .files_with_findings()
            .map(|f| self.file_row(f))
            .collect();
        self.sheet(Label::SheetFiles, &header, rows)
    }

    fn file_row(&self, file: &'a FileEntry) -> Row<'a> {
        let mut row = Vec::with_capacity(16);
        self.push_path(&mut row, &file.path);
        let masked = file.masked.values().fold(0u64, |sum, &n| sum.saturating_add(n));
        row.extend([
            Cell::text(file.format.as_str()),
            Cell::Count(file.size),
            self.time(file.modified.as_deref()),
            self.time(file.first_seen.as_deref()),
            Cell::opt_text(file.newest_date.as_deref()),
            Cell::Count(file.findings),
            Cell::Count(masked),
            Cell::text(i18n::category_list(self.lang, Facts::file_categories(file))),
            self.class(file.sensitivity),
            Cell::opt_count(file.risk.as_ref().map(|r| u64::from(r.score))),
            file.risk.as_ref().map_or(Cell::Empty, |r| self.level(r.level)),
            Cell::Count(file.minors),
            self.yes_no(file.world_readable),
            Cell::opt_text(file.mode.as_deref()),
            Cell::opt_text(file.encoding.as_deref()),
        ]);
        row
    }

    /// Every column of every file, sensitive ones first (`Facts::columns`).
    pub(super) fn columns(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let header = self.with_store(&[
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::Category,
            Label::Sensitivity,
            Label::Hits,
            Label::Rows,
            Label::Share,
            Label::Distinct,
            Label::Masked,
            Label::MaskedShare,
            Label::PrecisionLost,
            Label::FirstSeen,
            Label::ColumnId,
        ]);
        let rows = facts
            .columns()
            .into_iter()
            .map(|(file, c)| {
                let mut row = Vec::with_capacity(14);
                self.push_path(&mut row, &file.path);
                row.extend([
                    Cell::opt_text(c.table.as_deref()),
                    Cell::text(c.name.as_str()),
                    Cell::text(i18n::detector(self.lang, &c.detector)),
                    facts.column_category(c).map_or(Cell::Empty, |cat| {
                        Cell::text(i18n::category(self.lang, cat).into_owned())
                    }),
                    self.class(facts.column_sensitivity(c)),
                    Cell::Count(c.hits),
                    Cell::Count(c.rows),
                    Cell::Ratio(c.share),
                    Cell::opt_count(c.distinct),
                    Cell::Count(c.masked),
                    c.masked_share.map_or(Cell::Empty, Cell::Ratio),
                    Cell::opt_count(c.precision_lost),
                    self.time(c.first_seen.as_deref()),
                    Cell::opt_text(c.id.as_deref()),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetColumns, &header, rows)
    }

    /// The policy's actions in the inventory's order (most urgent first), each with why.
    pub(super) fn actions(&mut self) -> Result<(), XlsxError> {
        let facts = self.facts;
        let lang = self.lang;
        let header = self.with_store(&[
            Label::Severity,
            Label::Kind,
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::Rule,
            Label::Evidence,
        ]);
        let rows = facts
            .inventory
            .actions
            .iter()
            .map(|a| {
                let mut row = vec![
                    self.level(a.severity),
                    Cell::text(i18n::action_kind(lang, a.kind)),
                ];
                self.push_path(&mut row, &a.path);
                row.extend([
                    Cell::opt_text(a.table.as_deref()),
                    Cell::opt_text(a.column.as_deref()),
                    a.detector
                        .as_deref()
                        .map_or(Cell::Empty, |d| Cell::text(i18n::detector(lang, d))),
                    Cell::text(i18n::rule(lang, &a.rule)),
                    Cell::text(facts.evidence(lang, a)),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetActions, &header, rows)
    }

    pub(super) fn minors(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::MinorsCount, Label::Findings, Label::RiskScore]);
        let rows = self
            .facts
            .files_with_minors()
            .into_iter()
            .map(|f| {
                let mut row = Vec::with_capacity(5);
                self.push_path(&mut row, &f.path);
                row.extend([
                    Cell::Count(f.minors),
                    Cell::Count(f.findings),
                    Cell::opt_count(f.risk.as_ref().map(|r| u64::from(r.score))),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetMinors, &header, rows)
    }

    pub(super) fn precision_lost(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Path,
            Label::Table,
            Label::Column,
            Label::Detector,
            Label::PrecisionLost,
            Label::Rows,
        ]);
        let rows = self
            .facts
            .precision_lost_columns()
            .into_iter()
            .map(|(file, c)| {
                let mut row = Vec::with_capacity(7);
                self.push_path(&mut row, &file.path);
                row.extend([
                    Cell::opt_text(c.table.as_deref()),
                    Cell::text(c.name.as_str()),
                    Cell::text(i18n::detector(self.lang, &c.detector)),
                    Cell::opt_count(c.precision_lost),
                    Cell::Count(c.rows),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetPrecisionLost, &header, rows)
    }

    pub(super) fn id_images(&mut self) -> Result<(), XlsxError> {
        let lang = self.lang;
        let header = self.with_store(&[
            Label::Path,
            Label::Kind,
            Label::Reason,
            Label::SizeBytes,
            Label::Modified,
            Label::WorldReadable,
            Label::RiskScore,
        ]);
        let rows = self
            .facts
            .suspected_id_images()
            .into_iter()
            .map(|i| {
                let mut row = Vec::with_capacity(8);
                self.push_path(&mut row, &i.path);
                row.extend([
                    Cell::text(i18n::image_kind(lang, i.kind)),
                    Cell::text(i18n::image_reason(lang, &i.reason)),
                    Cell::Count(i.size),
                    self.time(i.modified.as_deref()),
                    self.yes_no(i.world_readable),
                    Cell::opt_count(i.risk.as_ref().map(|r| u64::from(r.score))),
                ]);
                row
            })
            .collect();
        self.sheet(Label::SheetIdImages, &header, rows)
    }

    /// Files new, removed or changed since the baseline scan, with their findings before
    /// and after.
    pub(super) fn changes(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[
            Label::Change,
            Label::Path,
            Label::Before,
            Label::After,
            Label::FindingsChange,
        ]);
        let Some(changes) = &self.facts.inventory.changes else {
            return self.sheet(Label::SheetChanges, &header, Vec::new());
        };
        let groups = [
            (Label::NewFiles, &changes.new),
            (Label::RemovedFiles, &changes.removed),
            (Label::ChangedFiles, &changes.changed),
        ];
        let mut rows = Vec::new();
        for (label, files) in groups {
            for change in files {
                let mut row = vec![Cell::text(self.t(label))];
                self.push_path(&mut row, &change.path);
                row.extend([
                    Cell::Count(change.before),
                    Cell::Count(change.after),
                    // Findings are far below 2^53: the difference is exact.
                    Cell::Number(change.after as f64 - change.before as f64),
                ]);
                rows.push(row);
            }
        }
        self.sheet(Label::SheetChanges, &header, rows)
    }

    pub(super) fn errors(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::Kind, Label::Error]);
        let rows = self
            .facts
            .inventory
            .errors
            .iter()
            .map(|e| {
                let mut row = Vec::with_capacity(4);
                self.push_path(&mut row, &e.path);
                row.push(Cell::opt_text(e.kind.map(|k| k.as_str())));
                row.push(Cell::text(e.error.as_str()));
                row
            })
            .collect();
        self.sheet(Label::SheetErrors, &header, rows)
    }

    pub(super) fn skipped(&mut self) -> Result<(), XlsxError> {
        let header = self.with_store(&[Label::Path, Label::SizeBytes, Label::Reason]);
        let rows = self
            .facts
            .inventory
            .skipped
            .iter()
            .map(|s| {
                let mut row = Vec::with_capacity(4);
                self.push_path(&mut row, &s.path);
                row.push(Cell::Count(s.size));
                row.push(Cell::text(i18n::skip_reason(self.lang, &s.reason)));
                row
            })
            .collect();
        self.sheet(Label::SheetSkipped, &header, rows)
    }
}
