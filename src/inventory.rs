//! The data inventory: what was scanned, where personal data sits, what could not be read.
//!
//! Built by one owner (the writer side of the scan) from per-file reports, in path order.
//! Field names follow `../shared/findings-contract.md` (schema `pimap.inventory/1`); fields
//! beyond the contract are additions, documented in `docs/inventory.md`.

use crate::finding::{Category, Sensitivity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema id written into every inventory.
pub const SCHEMA: &str = "pimap.inventory/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inventory {
    pub schema: String,
    pub scanned_at: String,
    pub roots: Vec<String>,
    pub tool: ToolInfo,
    pub totals: Totals,
    pub files: Vec<FileEntry>,
    /// Files seen but not read, with the reason.
    pub skipped: Vec<SkippedEntry>,
    pub errors: Vec<ErrorEntry>,
}

/// Which scanner and settings produced the inventory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub min_confidence: f32,
    /// Detector ids in use.
    pub detectors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub files_with_findings: u64,
    pub findings: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_sensitivity: BTreeMap<String, u64>,
    pub skipped: u64,
    pub errors: u64,
    pub elapsed_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modified: Option<String>,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub encoding: Option<String>,
    pub findings: u64,
    pub by_detector: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// The strictest PIPL class among its findings ("sensitive", "general"), if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sensitivity: Option<Sensitivity>,
    pub columns: Vec<ColumnEntry>,
    /// An archive: its members are listed as `archive!member` entries of their own.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub archive: bool,
}

/// One detector in one column of a table (CSV/TSV, JSON key, dump table).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
    pub detector: String,
    /// Reported values in the column.
    pub hits: u64,
    /// Non-empty cells looked at.
    pub rows: u64,
    /// hits / rows, rounded to 3 decimals.
    pub share: f64,
    /// Cells of an ID or card column written in scientific notation (`1.10105E+17`): the
    /// export (Excel) dropped their digits past the 15th. The values are damaged, not found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub precision_lost: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SkippedEntry {
    pub path: String,
    pub size: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub path: String,
    pub error: String,
}

impl Totals {
    /// Adds one file's counts. An archive's bytes are counted through its members.
    pub fn add_file(&mut self, entry: &FileEntry) {
        self.files += 1;
        if !entry.archive {
            self.bytes += entry.size;
        }
        self.findings += entry.findings;
        if entry.findings > 0 {
            self.files_with_findings += 1;
        }
        for (cat, n) in &entry.by_category {
            *self.by_category.entry(cat.clone()).or_default() += n;
        }
    }
}

/// Counts per category, with every category present (zeros included) so consumers need
/// no defaults.
pub fn empty_by_category() -> BTreeMap<String, u64> {
    Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), 0))
        .collect()
}

/// RFC 3339 UTC time with seconds.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}
