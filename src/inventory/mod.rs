//! The data inventory: what was scanned, where personal data sits, what could not be read.
//!
//! Built by one owner (the writer side of the scan) from per-file reports, in path order,
//! then judged as a whole: duplicate copies, risk per file, policy actions and the changes
//! against a baseline. Field names follow `../shared/findings-contract.md`; schema
//! `pimap.inventory/2` only adds fields to `/1`. Every field is documented in
//! `docs/inventory.md`. No field ever holds a raw value: only counts, paths, column names,
//! reasons and keyed fingerprints.

pub mod alerts;
pub mod changes;
pub mod distinct;
pub mod duplicates;
pub mod lineage;
pub mod policy;
pub mod risk;
pub mod shrink;
pub mod stores;

use crate::finding::{Category, Sensitivity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema id written into every inventory.
pub const SCHEMA: &str = "pimap.inventory/2";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
    /// The fingerprint key: stable (cross-scan features on) or per scan.
    #[serde(default)]
    pub key: KeyInfo,
    /// The policy the actions were judged by.
    #[serde(default)]
    pub policy: PolicyInfo,
    /// What to do: policy findings with their evidence, most urgent first.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Groups of files that hold mostly the same personal data (copies of one export).
    #[serde(default)]
    pub duplicates: Vec<DuplicateGroup>,
    /// Differences from the baseline inventory (`scan --baseline`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub changes: Option<Changes>,
    /// `scan --store NAME=ROOT`: the stores scanned, each with its totals. In memory an
    /// entry of a store is known by `NAME/path` (see `stores`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub stores: Vec<StoreEntry>,
    /// Present when this inventory is one part of a larger scan (`scan --shard`,
    /// `--files-from`), for `pimap merge`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub part: Option<PartInfo>,
    /// File and folder names holding personal data (`scan::names`): each file or folder
    /// once, whatever became of its content (read, skipped, an error).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub names: Vec<NameEntry>,
    /// Images whose name (or folder) says they show an identity document, a bank card or a
    /// hand-held ID photo: listed, never read.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub suspected_id_images: Vec<SuspectedImage>,
    /// Each root's kind (`path`, `postgres`, `mysql`) and address (never a password), in
    /// the order of `roots`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sources: Vec<SourceEntry>,
}

/// A root of the scan: a folder or file (`path`), or a live database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceEntry {
    /// `path`, `s3`, `postgres` or `mysql` (MySQL and MariaDB).
    pub kind: String,
    /// The path as `roots` shows it, or the database's URL without a password
    /// (`postgres://reader@127.0.0.1:5432/shop`).
    pub address: String,
    /// A live database: rows read per table (`--db-sample`: a number, or `all`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sample: Option<String>,
    /// A live database: tables listed (each is an entry `ADDRESS!table`); absent when it
    /// could not be reached.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tables: Option<u64>,
    /// A bucket: objects listed under its prefix (each is an entry `s3://BUCKET/KEY`);
    /// absent when it could not be listed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub objects: Option<u64>,
}

/// Which part of a path a name finding is in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathComponent {
    /// The file's own name (its extension left out).
    #[default]
    FileName,
    /// A folder's name; `depth` 1 is a folder right under the scanned root.
    Directory,
}

impl PathComponent {
    pub fn as_str(self) -> &'static str {
        match self {
            PathComponent::FileName => "file_name",
            PathComponent::Directory => "directory",
        }
    }
}

/// A file or folder whose name holds personal data (findings located
/// `{"path_component": ...}`). A folder is listed once, not once per file in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NameEntry {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    /// The file or folder as reached from the root (masked like every name).
    pub path: String,
    pub path_component: PathComponent,
    /// Folders: 1 for a folder right under the root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub depth: Option<u64>,
    pub findings: u64,
    pub by_detector: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// The strictest PIPL class among the name's findings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sensitivity: Option<Sensitivity>,
}

/// What a suspected ID image shows, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    IdCard,
    Passport,
    BankCard,
    /// A person holding their ID (手持身份证), as shops and platforms ask for.
    HandheldId,
}

impl ImageKind {
    pub const ALL: [ImageKind; 4] = [
        ImageKind::IdCard,
        ImageKind::Passport,
        ImageKind::BankCard,
        ImageKind::HandheldId,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::IdCard => "id_card",
            ImageKind::Passport => "passport",
            ImageKind::BankCard => "bank_card",
            ImageKind::HandheldId => "handheld_id",
        }
    }

    /// The category of the data the image holds: all of them are sensitive personal
    /// information (PIPL Art. 28).
    pub fn category(self) -> Category {
        match self {
            ImageKind::IdCard | ImageKind::HandheldId => Category::NationalId,
            ImageKind::Passport => Category::Passport,
            ImageKind::BankCard => Category::BankCard,
        }
    }
}

/// An image named as an identity document, a bank card or a hand-held ID photo, listed
/// without reading it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SuspectedImage {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    /// Why: the words of the name (`name contains 身份证`), never a value.
    pub reason: String,
    pub kind: ImageKind,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub world_readable: bool,
    /// As a file's risk, the image counting as one sensitive value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk: Option<Risk>,
}

impl SuspectedImage {
    /// The image as a file entry holding one value of its category: what risk and policy
    /// judge (its age from `modified`, its exposure from `world_readable`).
    pub fn as_file_entry(&self) -> FileEntry {
        let category = self.kind.category().as_str().to_string();
        FileEntry {
            store: self.store.clone(),
            path: self.path.clone(),
            size: self.size,
            modified: self.modified.clone(),
            format: "image".into(),
            findings: 1,
            by_category: [(category, 1)].into_iter().collect(),
            sensitivity: Some(Sensitivity::Sensitive),
            mode: self.mode.clone(),
            world_readable: self.world_readable,
            ..FileEntry::default()
        }
    }
}

/// One store of a scan of several (`scan --store NAME=ROOT`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StoreEntry {
    pub name: String,
    /// The folder scanned, as given (masked like names unless `--reveal`).
    pub root: String,
    pub totals: StoreTotals,
}

/// A store's share of `totals`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StoreTotals {
    pub files: u64,
    pub bytes: u64,
    pub files_with_findings: u64,
    pub findings: u64,
    pub by_category: BTreeMap<String, u64>,
    pub files_by_risk: BTreeMap<String, u64>,
    pub skipped: u64,
    pub errors: u64,
    /// Actions per kind (every kind present).
    pub actions: BTreeMap<String, u64>,
}

/// How a part was chosen: what `pimap merge` checks before joining parts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PartInfo {
    /// `--shard K/N`: `{"index": K, "count": N}`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shard: Option<crate::shard::Shard>,
    /// `--files-from`: how many paths the list named.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub listed: Option<u64>,
    /// Names are shown unmasked (`--reveal`): parts must agree, or one file could be listed
    /// under two names.
    pub reveal: bool,
}

/// How values were fingerprinted. A fingerprint is the first 8 bytes of
/// HMAC-SHA256(key, detector id, 0x00, normalized value), written as 16 hex digits.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KeyInfo {
    /// `stable` (from `PIMAP_KEY` or `--key-file`) or `per_scan` (random, forgotten after
    /// the scan).
    pub kind: KeyKind,
    /// Identifies a stable key without revealing it (HMAC of a fixed label); absent for a
    /// per-scan key.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key_id: Option<String>,
    /// Fingerprints and content hashes can be compared with other scans (locate, refresh).
    pub cross_scan: bool,
    /// The inventory holds per-file fingerprint sets (`--fingerprints`).
    pub fingerprints: bool,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Stable,
    #[default]
    PerScan,
}

/// Which policy judged the files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PolicyInfo {
    /// The policy file as given on the command line; absent for the built-in default.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    /// Rule names in file order.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Names what the policy asks, not how its file is written: the first 16 hex digits of
    /// SHA-256 over a canonical form (`Policy::digest`). Absent in older inventories.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest: Option<String>,
}

/// One thing to do about the data, with the evidence that calls for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Action {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub kind: ActionKind,
    /// `high` (sensitive data or large volume), `medium`, `low`.
    pub severity: Severity,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detector: Option<String>,
    /// The policy rule that asks for it (its `name`).
    pub rule: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Personal data older than the rule's maximum age: delete or archive it.
    RetentionOverdue,
    /// A category where the policy does not allow it: move or delete it.
    ForbiddenLocation,
    /// A column holding full (unmasked) values the policy wants masked.
    MaskColumn,
    /// A copy of another file's personal data: delete the copy.
    DuplicateCopy,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] = [
        ActionKind::RetentionOverdue,
        ActionKind::ForbiddenLocation,
        ActionKind::MaskColumn,
        ActionKind::DuplicateCopy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::RetentionOverdue => "retention_overdue",
            ActionKind::ForbiddenLocation => "forbidden_location",
            ActionKind::MaskColumn => "mask_column",
            ActionKind::DuplicateCopy => "duplicate_copy",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    #[default]
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Why an action is listed. Only the fields of its kind are present.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    /// Categories concerned (retention, forbidden location).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub categories: Vec<String>,
    /// Findings of those categories in the file (or column).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub findings: Option<u64>,
    /// retention_overdue: the file's modification time, the newest date found inside, the
    /// age of the data in days (from the newest date inside, else from the mtime), the limit.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modified: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub newest_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub age_days: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_age_days: Option<u64>,
    /// forbidden_location: the globs where the category is allowed, or the glob that forbids it.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub allowed_in: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub forbidden_in: Option<String>,
    /// mask_column: full values, already-masked values and non-empty cells in the column.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unmasked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub masked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rows: Option<u64>,
    /// duplicate_copy: the file this one copies (the group's first), the distinct values
    /// the two share, and shared / distinct values of the smaller file.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub copy_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shared: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overlap: Option<f64>,
}

/// Files that share most of their personal data. `files[0]` is the one kept (not a backup or
/// copy by its name, then the most distinct values, the shallowest path, the oldest; see
/// `duplicates::keep_first`); the others are copies of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DuplicateGroup {
    pub files: Vec<DuplicateMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DuplicateMember {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    /// Distinct values in the file (all detectors).
    pub distinct: u64,
    /// Distinct values shared with `files[0]` (estimated for files with more than
    /// `duplicates::SKETCH` values).
    pub shared: u64,
    /// shared / min(distinct of this file, distinct of files[0]), 3 decimals.
    pub overlap: f64,
}

/// A file's risk: what, how much, how old, how exposed. See `risk.rs` for the formula.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Risk {
    /// 0-100: the sum of the factors.
    pub score: u32,
    /// `high` (60+), `medium` (30+), `low`.
    pub level: Severity,
    pub factors: RiskFactors,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RiskFactors {
    /// 0-40: sensitive personal information (+ minors) or only general.
    pub what: u32,
    /// 0-30: how many distinct values.
    pub volume: u32,
    /// 0-15: how old the data is.
    pub age: u32,
    /// 0-15: who can read the file.
    pub exposure: u32,
}

/// Keyed fingerprints of the distinct values of one detector in one column (or, with no
/// column, outside any column) of a file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FingerprintSet {
    pub detector: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<String>,
    /// The fingerprints, sorted, 16 hex digits each, concatenated: one string per set keeps
    /// inventories of millions of values small and quick to read again (`--baseline`).
    pub values: String,
    /// False when the file had more distinct values than are kept (`distinct::EXACT_LIMIT`).
    #[serde(skip_serializing_if = "is_true", default = "yes")]
    pub complete: bool,
}

impl FingerprintSet {
    /// Whether the set holds a fingerprint (16 hex digits).
    pub fn contains(&self, print: &str) -> bool {
        let n = self.values.len() / 16;
        let at = |i: usize| self.values.get(i * 16..i * 16 + 16).unwrap_or("");
        // Binary search over the fixed-width, sorted entries.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match at(mid).cmp(print) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

/// What changed since the baseline inventory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Changes {
    /// The baseline: when it was scanned, and the file it was read from (if any).
    pub baseline_scanned_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub baseline_file: Option<String>,
    /// Files taken over from the baseline without reading them, and files read.
    pub reused: u64,
    pub rescanned: u64,
    /// Why files could not be taken over, if none were (other detectors, no stable key...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reuse_note: Option<String>,
    pub new: Vec<FileChange>,
    pub removed: Vec<FileChange>,
    /// Files of the baseline that are still there but could not be read now (they are in
    /// `errors`): not removed, and their data may still be there.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unreadable: Vec<FileChange>,
    /// Files in both whose findings differ (in number or by category).
    pub changed: Vec<FileChange>,
    /// Files in both with the same findings.
    pub unchanged: u64,
    /// New minus old findings, per category (every category present).
    pub by_category: BTreeMap<String, i64>,
    pub findings: i64,
    /// New minus old actions, per kind.
    pub actions: BTreeMap<String, i64>,
    /// The two inventories were judged by different policies: action counts may differ
    /// because of that, and an action no longer listed need not have been dealt with.
    #[serde(default)]
    pub policy_changed: bool,
    /// Suspected ID images listed now and not in the baseline, and the other way round
    /// (by path).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub new_suspected_id_images: Vec<ImageChange>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub removed_suspected_id_images: Vec<ImageChange>,
}

/// A suspected ID image that came or went (`changes`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageChange {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    pub kind: ImageKind,
}

/// One file in `changes`: findings before and after, and the delta per category.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FileChange {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    pub before: u64,
    pub after: u64,
    /// after - before per category; categories with no change are left out.
    pub by_category: BTreeMap<String, i64>,
    /// The file's content changed (size, modification time, content hash or distinct values)
    /// although its counts did not: other people's data in the same amount.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub content_changed: bool,
}

/// Which scanner and settings produced the inventory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub min_confidence: f32,
    /// Detector ids in use.
    pub detectors: Vec<String>,
    /// Hash of the scanner version, confidence threshold and every detector definition:
    /// a baseline's results are reused only under the same digest.
    #[serde(default)]
    pub detector_digest: String,
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
    /// Files with findings by their strictest PIPL class.
    #[serde(default)]
    pub files_by_sensitivity: BTreeMap<String, u64>,
    /// Files by risk level (`high`, `medium`, `low`); files without findings are not counted.
    #[serde(default)]
    pub files_by_risk: BTreeMap<String, u64>,
    /// Already-masked values seen (`138****5678`), per category.
    #[serde(default)]
    pub masked_by_category: BTreeMap<String, u64>,
    /// Resident IDs of people under 14 at scan time (PIPL Art. 28/31).
    #[serde(default)]
    pub minors: u64,
    /// Actions per kind (every kind present).
    #[serde(default)]
    pub actions: BTreeMap<String, u64>,
    /// Files taken over from the baseline without reading them.
    #[serde(default)]
    pub reused: u64,
    /// Findings in file and folder names (`names`), not counted in `findings`.
    #[serde(default)]
    pub name_findings: u64,
    /// Those findings per category (categories with findings only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub name_findings_by_category: BTreeMap<String, u64>,
    /// Entries of `suspected_id_images`.
    #[serde(default)]
    pub suspected_id_images: u64,
}

/// Members of a very large archive counted instead of listed (see `FileEntry`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlistedMembers {
    /// Members read with nothing found.
    pub clean: u64,
    /// Members skipped (binary, a format not read).
    pub skipped: u64,
    /// Their bytes (as read).
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileEntry {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modified: Option<String>,
    /// When an inventory first listed this path: the `scanned_at` of the earliest scan in the
    /// chain of `--baseline` refreshes that led to this one (`lineage`). Absent in
    /// inventories written before it existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_seen: Option<String>,
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
    /// Distinct values per detector (by keyed fingerprint).
    #[serde(default)]
    pub distinct: BTreeMap<String, u64>,
    /// True when a count in `distinct` is an estimate (more than `distinct::EXACT_LIMIT`
    /// values in the file).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub distinct_estimated: bool,
    /// Already-masked values per detector (`138****5678`): minimized, not findings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub masked: BTreeMap<String, u64>,
    /// Resident IDs (findings) of people under 14 at scan time.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub minors: u64,
    /// The newest date found in the file's date columns (`YYYY-MM-DD`; order, payment or
    /// creation times; birth dates and expiry dates are not used).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub newest_date: Option<String>,
    /// Unix permission bits (`0644`); a member has its archive's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mode: Option<String>,
    /// Anyone on the machine may read it (the `o+r` bit).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub world_readable: bool,
    /// Absent for a file without findings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub risk: Option<Risk>,
    /// Keyed hash of the size and sampled content (stable key only): with size and mtime,
    /// what `--baseline` compares.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub content_hash: Option<String>,
    /// The smallest fingerprints of the file's values (stable key only): lets a later
    /// scan find copies of this file without reading it again.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sketch: Option<String>,
    /// With `--fingerprints`: every distinct value's fingerprint, per column and detector.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fingerprints: Vec<FingerprintSet>,
    /// Taken over from the baseline (unchanged), not read in this scan.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub reused: bool,
    /// An archive with very many members: members past the first ones listed that held
    /// nothing to report (read with no findings, or skipped as not text) are counted here
    /// instead of listed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub unlisted_members: Option<UnlistedMembers>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One detector in one column of a table (CSV/TSV, JSON key, dump table).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ColumnEntry {
    /// Stable id of this column and detector (`identity`): the same in every scan and
    /// refresh of the file, keyed by the stable key when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
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
    /// The detector's category and PIPL class.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sensitivity: Option<Sensitivity>,
    /// Distinct reported values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub distinct: Option<u64>,
    /// Already-masked values of the detector's kind in the column (`138****5678`).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub masked: u64,
    /// masked / (hits + masked), 3 decimals: how much of the column is minimized already.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub masked_share: Option<f64>,
    /// When an inventory first listed this column with this detector (see
    /// `FileEntry::first_seen`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SkippedEntry {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    pub size: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// With `scan --store NAME=ROOT`: the store, `path` being relative to its root.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub store: Option<String>,
    pub path: String,
    pub error: String,
    /// What kind of problem, for grouping. Absent in inventories written before kinds
    /// existed; a kind this version does not know reads as absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::error::lenient_kind"
    )]
    pub kind: Option<crate::error::ErrorKind>,
}

impl Inventory {
    /// Keeps only the entries whose path `owns` (a shard's share of a baseline), with the
    /// contract's totals counted again over them.
    pub fn keep_only(&mut self, owns: impl Fn(&str) -> bool) {
        self.files.retain(|f| owns(&f.path));
        self.skipped.retain(|s| owns(&s.path));
        self.errors.retain(|e| owns(&e.path));
        self.actions.retain(|a| owns(&a.path));
        self.names.retain(|n| owns(&n.path));
        self.suspected_id_images.retain(|i| owns(&i.path));
        self.duplicates.retain(|g| g.files.iter().all(|m| owns(&m.path)));
        let mut totals = Totals {
            by_category: empty_by_category(),
            ..Totals::default()
        };
        for f in &self.files {
            totals.add_file(f);
        }
        totals.skipped += self.skipped.len() as u64;
        totals.errors = self.errors.len() as u64;
        self.totals = totals;
        self.count_name_totals();
    }

    /// `totals.name_findings`, `name_findings_by_category` and `suspected_id_images` from
    /// the lists.
    pub fn count_name_totals(&mut self) {
        let totals = &mut self.totals;
        totals.name_findings = self.names.iter().map(|n| n.findings).sum();
        totals.name_findings_by_category.clear();
        for n in &self.names {
            for (cat, k) in &n.by_category {
                *totals.name_findings_by_category.entry(cat.clone()).or_default() += k;
            }
        }
        totals.suspected_id_images = self.suspected_id_images.len() as u64;
    }
}

impl Totals {
    /// Adds one file's counts. An archive's bytes are counted through its members.
    pub fn add_file(&mut self, entry: &FileEntry) {
        self.files += 1;
        if !entry.archive {
            self.bytes += entry.size;
        }
        // Members counted instead of listed are files read (or skipped) all the same.
        if let Some(unlisted) = &entry.unlisted_members {
            self.files += unlisted.clean;
            self.skipped += unlisted.skipped;
            self.bytes += unlisted.bytes;
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

/// RFC 3339 UTC time with seconds; None for times RFC 3339 cannot write (before 1970 on
/// some shares, or a tar member's absurd mtime).
pub fn rfc3339(t: std::time::SystemTime) -> Option<String> {
    let after_epoch = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    // humantime writes years up to 9999 (253402300799 s).
    (after_epoch.as_secs() < 253_402_300_800).then(|| humantime::format_rfc3339_seconds(t).to_string())
}
