//! The retention and minimization policy: rules that turn the inventory into actions.
//!
//! A policy file (`--policy pimap-policy.toml`, format in `docs/policy.md`) lists rules;
//! each names the categories and paths it covers and what it asks for:
//!
//! - `max_age_days`: data older than this is overdue for deletion (`retention_overdue`;
//!   PIPL Art. 19 and 47: keep personal information no longer than its purpose needs);
//! - `allowed_in` / `forbidden_in`: where the categories may (not) be stored
//!   (`forbidden_location`);
//! - `mask`: columns of these categories must not hold full values (`mask_column`;
//!   Art. 6 minimization: `138****5678` serves most reports as well).
//!
//! Files the duplicate detection grouped give `duplicate_copy` actions under the implied
//! rule [`DUPLICATES_RULE`]. Without `--policy`, [`BUILTIN_POLICY`] applies.
//!
//! Archives are judged through their members (`archive.zip!inner.csv`), never as a whole:
//! a glob matches a member when it matches the member's whole path or its archive's path.

use super::risk::{builtin_detector_category, category_findings, category_named, data_age_days};
use super::risk::{holds_sensitive, is_sensitive};
use super::{Action, ActionKind, ColumnEntry, Evidence, FileEntry, Inventory, PolicyInfo, Severity};
use crate::finding::{Category, Sensitivity};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {}: {source}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not TOML: the parser's reason.
    #[error("policy is not valid TOML: {0}")]
    Toml(String),
    /// A table or key breaks the policy's rules: where (`policy rule "name"`), and what.
    #[error("{context}: {message}")]
    Invalid { context: String, message: String },
}

impl PolicyError {
    fn invalid(context: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError::Invalid {
            context: context.into(),
            message: message.into(),
        }
    }
}

/// The rule name of `duplicate_copy` actions: they come from the `[duplicates]` settings
/// (or their defaults), not from a `[[rule]]`, so no rule may take this name.
pub const DUPLICATES_RULE: &str = "duplicate copies";

/// The policy used without `--policy`: full resident IDs and card numbers have no place in
/// a column; everything else needs the seller's own retention periods.
pub const BUILTIN_POLICY: &str = r#"
[[rule]]
name = "Mask sensitive columns"
categories = ["national_id", "bank_card"]
mask = true
"#;

/// Findings (or full values in a column) from which an action is `high` whatever the
/// category: a thousand customers' data is a reportable incident if it leaks.
pub const LARGE_VOLUME: u64 = 1000;

const RULE_KEYS: [&str; 9] = [
    "name",
    "categories",
    "paths",
    "exclude",
    "max_age_days",
    "allowed_in",
    "forbidden_in",
    "mask",
    "max_unmasked",
];
const DUPLICATES_KEYS: [&str; 2] = ["min_overlap", "min_values"];

/// A parsed policy file, or the built-in default.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub file: Option<String>,
    rules: Vec<Rule>,
    duplicates: DuplicateSettings,
}

/// When two files count as copies of each other (`[duplicates]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicateSettings {
    /// Share of the smaller file's distinct values the other file holds.
    pub min_overlap: f64,
    /// Files with fewer distinct values are not compared.
    pub min_values: u64,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings {
            min_overlap: 0.9,
            min_values: 10,
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    name: String,
    /// None: every category.
    categories: Option<Vec<Category>>,
    /// None: everywhere.
    paths: Option<Globs>,
    exclude: Option<Globs>,
    max_age_days: Option<u64>,
    allowed_in: Option<Globs>,
    forbidden_in: Option<Globs>,
    /// Some (full values tolerated per column) when the rule masks.
    max_unmasked: Option<u64>,
}

/// Globs as written, and compiled.
#[derive(Debug, Clone)]
struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Policy {
    /// The categories rules name that none of `reported` is: such a rule matches nothing
    /// (a `name` rule before names were detected, `passport` without a passport detector),
    /// which the user should hear about rather than trust. (rule name, category) pairs.
    pub fn categories_not_reported(&self, reported: &[Category]) -> Vec<(&str, Category)> {
        self.rules
            .iter()
            .flat_map(|r| {
                r.categories
                    .iter()
                    .flatten()
                    .filter(|c| !reported.contains(c))
                    .map(|c| (r.name.as_str(), *c))
            })
            .collect()
    }

    /// The policy used without `--policy`.
    pub fn builtin() -> Policy {
        Policy::parse(BUILTIN_POLICY).expect("the built-in policy is valid")
    }

    /// Reads and checks a policy file; problems are one readable message.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = crate::settings_file::read_text(path, crate::settings_file::DEFINITION_CAP).map_err(
            |source| PolicyError::Read {
                path: path.to_path_buf(),
                source,
            },
        )?;
        let mut policy = Policy::parse(&text)?;
        policy.file = Some(path.display().to_string());
        Ok(policy)
    }

    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let document: toml::Table =
            toml::from_str(text).map_err(|e| PolicyError::Toml(e.to_string().trim_end().to_string()))?;
        let mut policy = Policy::default();
        for key in document.keys() {
            if key != "duplicates" && key != "rule" {
                return Err(PolicyError::invalid(
                    "policy",
                    format!("unknown key {key:?} (use [duplicates] and [[rule]])"),
                ));
            }
        }
        if let Some(value) = document.get("duplicates") {
            policy.duplicates = parse_duplicates(value)?;
        }
        if let Some(value) = document.get("rule") {
            let Some(rules) = value.as_array() else {
                return Err(PolicyError::invalid(
                    "policy",
                    "`rule` must be a list of tables: write each rule as [[rule]]",
                ));
            };
            for (index, value) in rules.iter().enumerate() {
                let rule = parse_rule(index + 1, value)?;
                if let Some(earlier) = policy.rules.iter().position(|r| r.name == rule.name) {
                    return Err(PolicyError::invalid(
                        format!("policy rule {:?}", rule.name),
                        format!("rule #{} has the same name; names must be unique", earlier + 1),
                    ));
                }
                policy.rules.push(rule);
            }
        }
        Ok(policy)
    }

    pub fn info(&self) -> PolicyInfo {
        PolicyInfo {
            file: self.file.clone(),
            rules: self.rules.iter().map(|r| r.name.clone()).collect(),
            digest: Some(self.digest()),
        }
    }

    /// The first 16 hex digits of SHA-256 over a canonical form of what the policy asks:
    /// rules sorted by their (unique) names, each rule's categories sorted, its globs in file
    /// order (the first match is reported), numbers as parsed, then the `[duplicates]`
    /// settings. Comments, spacing, key order, rule order and the file's name do not count,
    /// so a refresh can tell a changed policy from a reformatted or moved one.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let globs = |g: &Option<Globs>| g.as_ref().map(|g| g.patterns.clone());
        let mut rules: Vec<(&str, serde_json::Value)> = self
            .rules
            .iter()
            .map(|r| {
                let categories = r.categories.as_ref().map(|c| {
                    let mut names: Vec<&str> = c.iter().map(|c| c.as_str()).collect();
                    names.sort_unstable();
                    names
                });
                let rule = serde_json::json!({
                    "name": r.name,
                    "categories": categories,
                    "paths": globs(&r.paths),
                    "exclude": globs(&r.exclude),
                    "max_age_days": r.max_age_days,
                    "allowed_in": globs(&r.allowed_in),
                    "forbidden_in": globs(&r.forbidden_in),
                    "max_unmasked": r.max_unmasked,
                });
                (r.name.as_str(), rule)
            })
            .collect();
        rules.sort_by(|a, b| a.0.cmp(b.0));
        let canonical = serde_json::json!({
            "pimap.policy": 1,
            "rules": rules.into_iter().map(|(_, rule)| rule).collect::<Vec<_>>(),
            "duplicates": {
                "min_overlap": self.duplicates.min_overlap,
                "min_values": self.duplicates.min_values,
            },
        });
        sha2::Sha256::digest(canonical.to_string().as_bytes())[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Duplicate detection settings: minimum overlap and minimum distinct values.
    pub fn duplicate_settings(&self) -> (f64, u64) {
        (self.duplicates.min_overlap, self.duplicates.min_values)
    }

    /// The actions for an inventory whose files, risk and duplicates are filled in, most
    /// urgent first: by severity, kind, path, table and column.
    pub fn evaluate(&self, inventory: &Inventory, now: SystemTime) -> Vec<Action> {
        let mut actions = Vec::new();
        for file in inventory.files.iter().filter(|f| !f.archive) {
            let findings = category_findings(file);
            // Globs match a path as its store sees it.
            let path = inventory.store_relative(&file.path);
            for rule in self.rules.iter().filter(|r| r.applies_to(path)) {
                rule.judge(file, path, &findings, now, &mut actions);
            }
        }
        // A suspected ID image holds one value of its document's category (never read, so
        // no columns): retention and location rules apply to it as to a file.
        for image in &inventory.suspected_id_images {
            let file = image.as_file_entry();
            let findings = category_findings(&file);
            let path = inventory.store_relative(&file.path);
            for rule in self.rules.iter().filter(|r| r.applies_to(path)) {
                rule.judge(&file, path, &findings, now, &mut actions);
            }
        }
        actions.extend(duplicate_actions(inventory));
        actions.sort_by(|a, b| {
            (a.severity, a.kind, &a.path, &a.table, &a.column)
                .cmp(&(b.severity, b.kind, &b.path, &b.table, &b.column))
        });
        actions
    }
}

impl Rule {
    fn applies_to(&self, path: &str) -> bool {
        self.paths
            .as_ref()
            .is_none_or(|globs| globs.first_match(path).is_some())
            && self
                .exclude
                .as_ref()
                .is_none_or(|globs| globs.first_match(path).is_none())
    }

    fn covers(&self, category: Category) -> bool {
        self.categories
            .as_ref()
            .is_none_or(|covered| covered.contains(&category))
    }

    /// Adds this rule's actions for a file it applies to.
    fn judge(
        &self,
        file: &FileEntry,
        path: &str,
        findings: &BTreeMap<Category, u64>,
        now: SystemTime,
        actions: &mut Vec<Action>,
    ) {
        let concerned = Concerned::of(self, findings);
        if concerned.count > 0 {
            actions.extend(self.retention(file, &concerned, now));
            actions.extend(self.location(file, path, &concerned));
        }
        if let Some(max_unmasked) = self.max_unmasked {
            actions.extend(self.unmasked_columns(file, max_unmasked));
        }
    }

    fn retention(&self, file: &FileEntry, concerned: &Concerned, now: SystemTime) -> Option<Action> {
        let max_age_days = self.max_age_days?;
        let age_days = data_age_days(file, now).filter(|&age| age > max_age_days)?;
        Some(self.action(
            ActionKind::RetentionOverdue,
            concerned.severity(),
            file,
            Evidence {
                categories: concerned.names(),
                findings: Some(concerned.count),
                modified: file.modified.clone(),
                newest_date: file.newest_date.clone(),
                age_days: Some(age_days),
                max_age_days: Some(max_age_days),
                ..Evidence::default()
            },
        ))
    }

    fn location(&self, file: &FileEntry, path: &str, concerned: &Concerned) -> Option<Action> {
        let outside_allowed = self
            .allowed_in
            .as_ref()
            .filter(|allowed| allowed.first_match(path).is_none());
        let forbidding = self.forbidden_in.as_ref().and_then(|f| f.first_match(path));
        if outside_allowed.is_none() && forbidding.is_none() {
            return None;
        }
        Some(self.action(
            ActionKind::ForbiddenLocation,
            concerned.severity(),
            file,
            Evidence {
                categories: concerned.names(),
                findings: Some(concerned.count),
                allowed_in: outside_allowed.map(|a| a.patterns.clone()).unwrap_or_default(),
                forbidden_in: forbidding.map(str::to_string),
                ..Evidence::default()
            },
        ))
    }

    fn unmasked_columns<'a>(
        &'a self,
        file: &'a FileEntry,
        max_unmasked: u64,
    ) -> impl Iterator<Item = Action> + 'a {
        file.columns.iter().filter_map(move |column| {
            let category = column_category(column);
            // `hits` counts full values only: masked ones (`masked`) are minimized already.
            if !self.covers(category) || column.hits <= max_unmasked {
                return None;
            }
            let sensitive = column.sensitivity == Some(Sensitivity::Sensitive) || is_sensitive(category);
            let mut action = self.action(
                ActionKind::MaskColumn,
                severity(sensitive, column.hits),
                file,
                Evidence {
                    unmasked: Some(column.hits),
                    masked: Some(column.masked),
                    rows: Some(column.rows),
                    ..Evidence::default()
                },
            );
            action.table = column.table.clone();
            action.column = Some(column.name.clone());
            action.detector = Some(column.detector.clone());
            Some(action)
        })
    }

    fn action(&self, kind: ActionKind, severity: Severity, file: &FileEntry, evidence: Evidence) -> Action {
        Action {
            store: None,
            kind,
            severity,
            path: file.path.clone(),
            table: None,
            column: None,
            detector: None,
            rule: self.name.clone(),
            evidence,
        }
    }
}

/// The findings of a file in the categories a rule covers.
struct Concerned {
    categories: Vec<Category>,
    count: u64,
}

impl Concerned {
    fn of(rule: &Rule, findings: &BTreeMap<Category, u64>) -> Concerned {
        let mut concerned = Concerned {
            categories: Vec::new(),
            count: 0,
        };
        for (&category, &n) in findings.iter().filter(|(c, _)| rule.covers(**c)) {
            concerned.categories.push(category);
            concerned.count = concerned.count.saturating_add(n);
        }
        concerned
    }

    fn names(&self) -> Vec<String> {
        self.categories.iter().map(|c| c.as_str().to_string()).collect()
    }

    fn severity(&self) -> Severity {
        severity(self.categories.iter().any(|c| is_sensitive(*c)), self.count)
    }
}

/// `high` for sensitive personal information or a large volume, else `medium`.
fn severity(sensitive: bool, volume: u64) -> Severity {
    if sensitive || volume >= LARGE_VOLUME {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// A column's category; older inventories name only the detector. Unknown detectors
/// without a category are `other`.
fn column_category(column: &ColumnEntry) -> Category {
    column
        .category
        .as_deref()
        .and_then(category_named)
        .or_else(|| builtin_detector_category(&column.detector))
        .unwrap_or(Category::Other)
}

/// Every member of a duplicate group after the first is a copy of the first. Copies are
/// `high` when they hold sensitive personal information, else `low`: the data itself is
/// judged by the other rules; a copy only multiplies where it can leak from.
fn duplicate_actions(inventory: &Inventory) -> Vec<Action> {
    let files: HashMap<&str, &FileEntry> = inventory.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut actions = Vec::new();
    for group in &inventory.duplicates {
        let Some((kept, copies)) = group.files.split_first() else {
            continue;
        };
        for copy in copies {
            let sensitive = files.get(copy.path.as_str()).is_some_and(|f| holds_sensitive(f));
            actions.push(Action {
                store: None,
                kind: ActionKind::DuplicateCopy,
                severity: if sensitive { Severity::High } else { Severity::Low },
                path: copy.path.clone(),
                table: None,
                column: None,
                detector: None,
                rule: DUPLICATES_RULE.to_string(),
                evidence: Evidence {
                    copy_of: Some(kept.path.clone()),
                    shared: Some(copy.shared),
                    overlap: Some(copy.overlap),
                    ..Evidence::default()
                },
            });
        }
    }
    actions
}

impl Globs {
    /// The first pattern (in file order) matching the path or, for an archive member
    /// (`archive.zip!inner.csv`), the archive's own path.
    fn first_match(&self, path: &str) -> Option<&str> {
        let mut hits = self.set.matches(path);
        if let Some((archive, _member)) = path.split_once('!') {
            hits.extend(self.set.matches(archive));
        }
        hits.into_iter().min().map(|i| self.patterns[i].as_str())
    }
}

fn parse_duplicates(value: &toml::Value) -> Result<DuplicateSettings, PolicyError> {
    let Some(table) = value.as_table() else {
        return Err(PolicyError::invalid(
            "policy",
            "`duplicates` must be a table: write [duplicates]",
        ));
    };
    let fields = Fields {
        context: "policy [duplicates]".into(),
        table,
    };
    fields.check_keys(&DUPLICATES_KEYS)?;
    let defaults = DuplicateSettings::default();
    let min_overlap = fields.number("min_overlap")?.unwrap_or(defaults.min_overlap);
    if !(min_overlap > 0.0 && min_overlap <= 1.0) {
        return Err(fields.error(&format!(
            "min_overlap must be a share above 0 and at most 1, like 0.9, not {min_overlap}"
        )));
    }
    let min_values = fields.whole_number("min_values")?.unwrap_or(defaults.min_values);
    if min_values == 0 {
        return Err(fields.error("min_values must be at least 1"));
    }
    Ok(DuplicateSettings {
        min_overlap,
        min_values,
    })
}

fn parse_rule(position: usize, value: &toml::Value) -> Result<Rule, PolicyError> {
    let Some(table) = value.as_table() else {
        return Err(PolicyError::invalid(
            format!("policy rule #{position}"),
            "must be a table: write it as [[rule]]",
        ));
    };
    let unnamed = Fields {
        context: format!("policy rule #{position}"),
        table,
    };
    let name = match unnamed.string("name")? {
        Some(name) if !name.trim().is_empty() => name.to_string(),
        Some(_) => return Err(unnamed.error("name is empty")),
        None => return Err(unnamed.error("missing key \"name\" (every rule needs a unique name)")),
    };
    let fields = Fields {
        context: format!("policy rule {name:?}"),
        table,
    };
    fields.check_keys(&RULE_KEYS)?;
    if name == DUPLICATES_RULE {
        return Err(fields.error("this name is reserved for the actions of [duplicates]"));
    }
    let categories = match fields.strings("categories", r#"["phone", "address"]"#)? {
        Some(names) => Some(parse_categories(&fields, &names)?),
        None => None,
    };
    let paths = fields.globs("paths")?;
    let exclude = fields.globs("exclude")?;
    let max_age_days = fields.whole_number("max_age_days")?;
    let allowed_in = fields.globs("allowed_in")?;
    let forbidden_in = fields.globs("forbidden_in")?;
    let mask = fields.boolean("mask")?.unwrap_or(false);
    let max_unmasked = fields.whole_number("max_unmasked")?;
    if max_unmasked.is_some() && !mask {
        return Err(fields.error("max_unmasked only applies with mask = true"));
    }
    if max_age_days.is_none() && allowed_in.is_none() && forbidden_in.is_none() && !mask {
        return Err(fields.error(
            "the rule asks for nothing: give at least one of max_age_days, allowed_in, forbidden_in, mask = true",
        ));
    }
    Ok(Rule {
        name,
        categories,
        paths,
        exclude,
        max_age_days,
        allowed_in,
        forbidden_in,
        max_unmasked: mask.then(|| max_unmasked.unwrap_or(0)),
    })
}

fn parse_categories(fields: &Fields<'_>, names: &[String]) -> Result<Vec<Category>, PolicyError> {
    let mut categories = Vec::new();
    for name in names {
        let Some(category) = category_named(name) else {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            return Err(fields.error(&format!("unknown category {name:?} (use {})", known.join(", "))));
        };
        if !categories.contains(&category) {
            categories.push(category);
        }
    }
    Ok(categories)
}

/// The keys of one table of the policy file, read with errors that name where they are.
struct Fields<'a> {
    /// `policy rule "name"` or `policy [duplicates]`.
    context: String,
    table: &'a toml::Table,
}

impl Fields<'_> {
    fn error(&self, message: &str) -> PolicyError {
        PolicyError::invalid(self.context.clone(), message)
    }

    fn check_keys(&self, known: &[&str]) -> Result<(), PolicyError> {
        match self.table.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => Err(self.error(&format!("unknown key {key:?} (use {})", known.join(", ")))),
            None => Ok(()),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&str>, PolicyError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(&format!("{key} must be text in quotes, not {}", describe(other)))),
        }
    }

    /// A non-empty list of strings; `example` shows the expected form.
    fn strings(&self, key: &str, example: &str) -> Result<Option<Vec<String>>, PolicyError> {
        let Some(value) = self.table.get(key) else {
            return Ok(None);
        };
        let wrong = || {
            self.error(&format!(
                "{key} must be a list like {example}, not {}",
                describe(value)
            ))
        };
        let items = value.as_array().ok_or_else(wrong)?;
        if items.is_empty() {
            let hint = if key == "allowed_in" {
                r#" (to forbid the categories everywhere, write forbidden_in = ["**"])"#
            } else {
                ""
            };
            return Err(self.error(&format!("{key} is empty: leave the key out instead{hint}")));
        }
        items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    self.error(&format!(
                        "{key} must list text in quotes, like {example}, not {}",
                        describe(item)
                    ))
                })
            })
            .collect::<Result<Vec<String>, PolicyError>>()
            .map(Some)
    }

    /// Globs over inventory paths: `*` stays within a folder, `**` crosses folders.
    fn globs(&self, key: &str) -> Result<Option<Globs>, PolicyError> {
        let Some(patterns) = self.strings(key, r#"["exports/**"]"#)? else {
            return Ok(None);
        };
        let mut set = GlobSetBuilder::new();
        for pattern in &patterns {
            if pattern.is_empty() {
                return Err(self.error(&format!("empty glob in {key}")));
            }
            if pattern.starts_with("./") {
                return Err(self.error(&format!(
                    "glob {pattern:?} in {key}: leave out the leading \"./\" (paths are relative to the scanned folder, like exports/orders.csv)"
                )));
            }
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| self.error(&format!("bad glob {pattern:?} in {key}: {}", e.kind())))?;
            set.add(glob);
        }
        let set = set
            .build()
            .map_err(|e| self.error(&format!("bad globs in {key}: {}", e.kind())))?;
        Ok(Some(Globs { patterns, set }))
    }

    fn whole_number(&self, key: &str) -> Result<Option<u64>, PolicyError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) => u64::try_from(*n)
                .map(Some)
                .map_err(|_| self.error(&format!("{key} must be 0 or more, not {n}"))),
            Some(other) => Err(self.error(&format!("{key} must be a whole number, not {}", describe(other)))),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, PolicyError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Float(x)) => Ok(Some(*x)),
            Some(toml::Value::Integer(n)) => Ok(Some(*n as f64)),
            Some(other) => Err(self.error(&format!("{key} must be a number, not {}", describe(other)))),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, PolicyError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(&format!("{key} must be true or false, not {}", describe(other)))),
        }
    }
}

/// A wrong value as the user wrote it when it is short, else what it is.
fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) if s.chars().count() <= 24 => format!("{s:?}"),
        toml::Value::String(_) => "a long text".into(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(_) => "a date".into(),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{DuplicateGroup, DuplicateMember};

    fn now() -> SystemTime {
        humantime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap()
    }

    fn file(path: &str, by_category: &[(&str, u64)]) -> FileEntry {
        FileEntry {
            path: path.into(),
            findings: by_category.iter().map(|(_, n)| n).sum(),
            by_category: by_category.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            modified: Some("2026-05-01T00:00:00Z".into()),
            ..Default::default()
        }
    }

    fn column(name: &str, detector: &str, category: Option<&str>, hits: u64, masked: u64) -> ColumnEntry {
        ColumnEntry {
            name: name.into(),
            detector: detector.into(),
            category: category.map(str::to_string),
            hits,
            masked,
            rows: hits + masked,
            ..Default::default()
        }
    }

    fn inventory(files: Vec<FileEntry>) -> Inventory {
        Inventory {
            files,
            ..Default::default()
        }
    }

    fn evaluate(policy: &str, files: Vec<FileEntry>) -> Vec<Action> {
        Policy::parse(policy).unwrap().evaluate(&inventory(files), now())
    }

    /// (kind, path) of each action, in order.
    fn listed(actions: &[Action]) -> Vec<(ActionKind, &str)> {
        actions.iter().map(|a| (a.kind, a.path.as_str())).collect()
    }

    fn paths_flagged(policy: &str, paths: &[&str]) -> Vec<String> {
        let files = paths.iter().map(|p| file(p, &[("phone", 5)])).collect();
        evaluate(policy, files).into_iter().map(|a| a.path).collect()
    }

    fn parse_error(policy: &str) -> String {
        Policy::parse(policy).unwrap_err().to_string()
    }

    const KEEP_ONE_YEAR: &str = r#"
        [[rule]]
        name = "Keep a year"
        categories = ["phone"]
        max_age_days = 365
    "#;

    #[test]
    fn retention_by_the_newest_date_inside() {
        let mut old = file("exports/2023.csv", &[("phone", 40), ("email", 3)]);
        old.newest_date = Some("2024-01-31".into());
        let fresh = file("exports/2026.csv", &[("phone", 40)]);
        let actions = evaluate(KEEP_ONE_YEAR, vec![old, fresh]);
        assert_eq!(
            listed(&actions),
            [(ActionKind::RetentionOverdue, "exports/2023.csv")]
        );
        let action = &actions[0];
        assert_eq!(action.rule, "Keep a year");
        assert_eq!(action.severity, Severity::Medium);
        assert_eq!(
            action.evidence,
            Evidence {
                categories: vec!["phone".into()],
                findings: Some(40),
                modified: Some("2026-05-01T00:00:00Z".into()),
                newest_date: Some("2024-01-31".into()),
                age_days: Some(852),
                max_age_days: Some(365),
                ..Evidence::default()
            }
        );
    }

    #[test]
    fn retention_falls_back_to_the_modification_time() {
        let mut old = file("a.csv", &[("phone", 2)]);
        old.modified = Some("2025-05-31T00:00:00Z".into());
        let mut exactly = file("b.csv", &[("phone", 2)]);
        exactly.modified = Some("2025-06-01T00:00:00Z".into());
        // A recent date inside outweighs an old modification time.
        let mut copied_recently = file("c.csv", &[("phone", 2)]);
        copied_recently.modified = Some("2020-01-01T00:00:00Z".into());
        copied_recently.newest_date = Some("2026-01-01".into());
        let actions = evaluate(KEEP_ONE_YEAR, vec![old, exactly, copied_recently]);
        assert_eq!(listed(&actions), [(ActionKind::RetentionOverdue, "a.csv")]);
        assert_eq!(actions[0].evidence.age_days, Some(366));
    }

    #[test]
    fn retention_skips_unknown_ages_other_categories_and_archives() {
        let mut undated = file("undated.csv", &[("phone", 2)]);
        undated.modified = Some("last tuesday".into());
        undated.newest_date = Some("2019-02-30".into());
        let mut emails_only = file("emails.csv", &[("email", 2)]);
        emails_only.newest_date = Some("2019-01-01".into());
        let mut container = file("old.zip", &[("phone", 2)]);
        container.archive = true;
        container.newest_date = Some("2019-01-01".into());
        let mut member = file("old.zip!orders.csv", &[("phone", 2)]);
        member.newest_date = Some("2019-01-01".into());
        let actions = evaluate(KEEP_ONE_YEAR, vec![undated, emails_only, container, member]);
        assert_eq!(
            listed(&actions),
            [(ActionKind::RetentionOverdue, "old.zip!orders.csv")]
        );
    }

    #[test]
    fn no_categories_means_every_category() {
        let policy = r#"
            [[rule]]
            name = "Nothing older than a year"
            max_age_days = 365
        "#;
        let mut f = file("x.csv", &[("email", 1), ("passport", 1), ("other", 1)]);
        f.newest_date = Some("2020-01-01".into());
        let actions = evaluate(policy, vec![f]);
        assert_eq!(actions.len(), 1);
        assert_eq!(actions[0].evidence.categories, ["email", "passport", "other"]);
        assert_eq!(actions[0].evidence.findings, Some(3));
        // Passports are sensitive.
        assert_eq!(actions[0].severity, Severity::High);
    }

    #[test]
    fn older_inventories_are_read_by_detector() {
        let mut f = FileEntry {
            path: "old.csv".into(),
            findings: 7,
            by_detector: [("cn_mobile".to_string(), 4), ("cn_landline".to_string(), 3)].into(),
            newest_date: Some("2020-01-01".into()),
            ..Default::default()
        };
        f.columns.push(column("身份证", "cn_resident_id", None, 3, 0));
        let policy = format!("{KEEP_ONE_YEAR}\n{BUILTIN_POLICY}");
        let actions = evaluate(&policy, vec![f]);
        assert_eq!(
            listed(&actions),
            [
                (ActionKind::MaskColumn, "old.csv"),
                (ActionKind::RetentionOverdue, "old.csv")
            ]
        );
        assert_eq!(actions[1].evidence.findings, Some(7));
    }

    #[test]
    fn allowed_in_flags_files_outside() {
        let policy = r#"
            [[rule]]
            name = "IDs only for customs"
            categories = ["national_id"]
            allowed_in = ["customs/**", "clearance/*.csv"]
        "#;
        let files = vec![
            file("customs/2026/declarations.csv", &[("national_id", 5)]),
            file("customs.zip!ids.csv", &[("national_id", 5)]),
            file("customs/batch.zip!ids.csv", &[("national_id", 5)]),
            file("clearance/ids.csv", &[("national_id", 5)]),
            file("clearance/old/ids.csv", &[("national_id", 5)]),
            file("exports/orders.csv", &[("national_id", 5), ("phone", 9)]),
            file("exports/phones.csv", &[("phone", 9)]),
        ];
        let actions = evaluate(policy, files);
        assert_eq!(
            listed(&actions),
            [
                (ActionKind::ForbiddenLocation, "clearance/old/ids.csv"),
                (ActionKind::ForbiddenLocation, "customs.zip!ids.csv"),
                (ActionKind::ForbiddenLocation, "exports/orders.csv"),
            ]
        );
        let evidence = &actions[2].evidence;
        assert_eq!(evidence.categories, ["national_id"]);
        assert_eq!(evidence.findings, Some(5));
        assert_eq!(evidence.allowed_in, ["customs/**", "clearance/*.csv"]);
        assert_eq!(evidence.forbidden_in, None);
        assert!(actions.iter().all(|a| a.severity == Severity::High));
    }

    #[test]
    fn forbidden_in_names_the_glob_that_matched() {
        let policy = r#"
            [[rule]]
            name = "Nothing personal in shared folders"
            forbidden_in = ["public/**", "**/共享/**"]
        "#;
        let files = vec![
            file("public/index.csv", &[("email", 2)]),
            file("team/共享/客户.xlsx", &[("phone", 2), ("address", 1)]),
            file("private/list.csv", &[("phone", 2)]),
            file("public/empty.txt", &[]),
        ];
        let actions = evaluate(policy, files);
        assert_eq!(
            listed(&actions),
            [
                (ActionKind::ForbiddenLocation, "public/index.csv"),
                (ActionKind::ForbiddenLocation, "team/共享/客户.xlsx"),
            ]
        );
        assert_eq!(actions[0].evidence.forbidden_in.as_deref(), Some("public/**"));
        assert_eq!(actions[1].evidence.forbidden_in.as_deref(), Some("**/共享/**"));
        assert_eq!(actions[1].evidence.categories, ["phone", "address"]);
        assert!(actions[1].evidence.allowed_in.is_empty());
        assert_eq!(actions[1].severity, Severity::Medium);
    }

    #[test]
    fn star_stays_in_its_folder_double_star_crosses() {
        let rule =
            |paths: &str| format!("[[rule]]\nname = \"r\"\npaths = [{paths:?}]\nforbidden_in = [\"**\"]\n");
        let paths = [
            "exports/a.csv",
            "exports/sub/b.csv",
            "a.csv",
            "other/exports/c.csv",
        ];
        assert_eq!(paths_flagged(&rule("exports/*"), &paths), ["exports/a.csv"]);
        assert_eq!(
            paths_flagged(&rule("exports/**"), &paths),
            ["exports/a.csv", "exports/sub/b.csv"]
        );
        assert_eq!(paths_flagged(&rule("*.csv"), &paths), ["a.csv"]);
        assert_eq!(
            paths_flagged(&rule("**/*.csv"), &paths),
            [
                "a.csv",
                "exports/a.csv",
                "exports/sub/b.csv",
                "other/exports/c.csv"
            ]
        );
    }

    #[test]
    fn archive_members_match_by_their_archive_or_whole_path() {
        let rule =
            |paths: &str| format!("[[rule]]\nname = \"r\"\npaths = [{paths:?}]\nforbidden_in = [\"**\"]\n");
        let paths = [
            "backup/2024.zip!orders/jan.csv",
            "backup/2024.zip!readme.txt",
            "backup/x.csv",
        ];
        assert_eq!(paths_flagged(&rule("backup/*.zip"), &paths), &paths[..2]);
        assert_eq!(
            paths_flagged(&rule("backup/2024.zip!orders/*"), &paths),
            &paths[..1]
        );
        // `*` does not cross the member's folders either.
        assert!(paths_flagged(&rule("backup/2024.zip!*.csv"), &paths).is_empty());
        // The member path alone is not a path of its own.
        assert!(paths_flagged(&rule("orders/**"), &paths).is_empty());
    }

    #[test]
    fn exclude_takes_files_out_of_a_rule() {
        let policy = r#"
            [[rule]]
            name = "r"
            paths = ["exports/**"]
            exclude = ["exports/keep/**", "*.zip"]
            forbidden_in = ["**"]
        "#;
        let paths = [
            "exports/a.csv",
            "exports/keep/a.csv",
            "exports/b.zip!a.csv",
            "b.zip!a.csv",
        ];
        assert_eq!(
            paths_flagged(policy, &paths),
            ["exports/a.csv", "exports/b.zip!a.csv"]
        );
    }

    #[test]
    fn mask_flags_columns_with_full_values_only() {
        let policy = r#"
            [[rule]]
            name = "Mask phones"
            categories = ["phone"]
            mask = true
            max_unmasked = 2
        "#;
        let mut f = file("orders.csv", &[("phone", 1003), ("email", 9)]);
        f.columns = vec![
            column("收货人手机", "cn_mobile", Some("phone"), 1000, 20),
            // Masked values are minimized already: 500 of them do not count.
            column("联系电话", "cn_mobile", Some("phone"), 0, 500),
            // Up to max_unmasked full values are tolerated.
            column("备注", "cn_landline", Some("phone"), 2, 0),
            column("客服电话", "cn_landline", Some("phone"), 3, 0),
            column("邮箱", "email", Some("email"), 9, 0),
        ];
        f.columns[3].table = Some("Sheet1".into());
        let actions = evaluate(policy, vec![f]);
        assert_eq!(
            listed(&actions),
            [
                (ActionKind::MaskColumn, "orders.csv"),
                (ActionKind::MaskColumn, "orders.csv")
            ]
        );
        let large = &actions[0];
        assert_eq!(large.severity, Severity::High);
        assert_eq!(large.column.as_deref(), Some("收货人手机"));
        assert_eq!(large.table, None);
        assert_eq!(large.detector.as_deref(), Some("cn_mobile"));
        assert_eq!(
            large.evidence,
            Evidence {
                unmasked: Some(1000),
                masked: Some(20),
                rows: Some(1020),
                ..Evidence::default()
            }
        );
        let small = &actions[1];
        assert_eq!(small.severity, Severity::Medium);
        assert_eq!(small.table.as_deref(), Some("Sheet1"));
        assert_eq!(small.column.as_deref(), Some("客服电话"));
    }

    #[test]
    fn builtin_masks_ids_and_cards() {
        let policy = Policy::builtin();
        assert_eq!(
            policy.info(),
            PolicyInfo {
                file: None,
                rules: vec!["Mask sensitive columns".into()],
                digest: Some(policy.digest()),
            }
        );
        assert_eq!(policy.duplicate_settings(), (0.9, 10));
        let mut f = file(
            "orders.csv",
            &[("national_id", 3), ("bank_card", 1), ("phone", 5000)],
        );
        f.columns = vec![
            column("身份证号", "cn_resident_id", Some("national_id"), 3, 0),
            column("身份证号(脱敏)", "cn_resident_id", Some("national_id"), 0, 40),
            column("退款卡号", "bank_card", Some("bank_card"), 1, 0),
            column("手机", "cn_mobile", Some("phone"), 5000, 0),
        ];
        let mut old = file("old.csv", &[("phone", 5000)]);
        old.newest_date = Some("2010-01-01".into());
        let actions = policy.evaluate(&inventory(vec![f, old]), now());
        let columns: Vec<_> = actions.iter().map(|a| a.column.as_deref().unwrap()).collect();
        assert_eq!(columns, ["身份证号", "退款卡号"]);
        assert!(actions
            .iter()
            .all(|a| a.severity == Severity::High && a.kind == ActionKind::MaskColumn));
    }

    fn member(path: &str, shared: u64, overlap: f64) -> DuplicateMember {
        DuplicateMember {
            store: None,
            path: path.into(),
            distinct: 100,
            shared,
            overlap,
        }
    }

    #[test]
    fn duplicate_copies_after_the_first() {
        let mut inventory = inventory(vec![
            file("orders.csv", &[("national_id", 100)]),
            file("copy.csv", &[("national_id", 100)]),
            file("phones.csv", &[("phone", 5000)]),
            file("phones (1).csv", &[("phone", 5000)]),
        ]);
        inventory.duplicates = vec![
            DuplicateGroup {
                files: vec![member("orders.csv", 100, 1.0), member("copy.csv", 97, 0.97)],
            },
            DuplicateGroup {
                files: vec![member("phones.csv", 100, 1.0), member("phones (1).csv", 100, 1.0)],
            },
            DuplicateGroup { files: vec![] },
        ];
        let actions = Policy::parse("").unwrap().evaluate(&inventory, now());
        assert_eq!(
            listed(&actions),
            [
                (ActionKind::DuplicateCopy, "copy.csv"),
                (ActionKind::DuplicateCopy, "phones (1).csv")
            ]
        );
        assert_eq!(actions[0].severity, Severity::High);
        assert_eq!(actions[0].rule, DUPLICATES_RULE);
        assert_eq!(
            actions[0].evidence,
            Evidence {
                copy_of: Some("orders.csv".into()),
                shared: Some(97),
                overlap: Some(0.97),
                ..Evidence::default()
            }
        );
        // No sensitive data: low, however many values.
        assert_eq!(actions[1].severity, Severity::Low);
    }

    #[test]
    fn actions_are_sorted_by_severity_kind_path_table_column() {
        let policy = r#"
            [[rule]]
            name = "everything"
            max_age_days = 30
            forbidden_in = ["**"]
            mask = true
        "#;
        let mut a = file("a.csv", &[("phone", 5)]);
        a.newest_date = Some("2020-01-01".into());
        a.columns = vec![
            column("z", "cn_mobile", None, 5, 0),
            column("b", "cn_mobile", None, 5, 0),
        ];
        a.columns[0].table = Some("t".into());
        let mut b = file("b.csv", &[("bank_card", 5)]);
        b.newest_date = Some("2020-01-01".into());
        let actions = evaluate(policy, vec![a, b]);
        let order: Vec<_> = actions
            .iter()
            .map(|a| (a.severity, a.kind, a.path.as_str(), a.column.as_deref()))
            .collect();
        assert_eq!(
            order,
            [
                (Severity::High, ActionKind::RetentionOverdue, "b.csv", None),
                (Severity::High, ActionKind::ForbiddenLocation, "b.csv", None),
                (Severity::Medium, ActionKind::RetentionOverdue, "a.csv", None),
                (Severity::Medium, ActionKind::ForbiddenLocation, "a.csv", None),
                (Severity::Medium, ActionKind::MaskColumn, "a.csv", Some("b")),
                (Severity::Medium, ActionKind::MaskColumn, "a.csv", Some("z")),
            ]
        );
    }

    #[test]
    fn settings_and_rule_names() {
        let policy = Policy::parse(
            r#"
            [duplicates]
            min_overlap = 1
            min_values = 50

            [[rule]]
            name = "b"
            mask = true

            [[rule]]
            name = "a"
            max_age_days = 0
            "#,
        )
        .unwrap();
        assert_eq!(policy.duplicate_settings(), (1.0, 50));
        assert_eq!(policy.info().rules, ["b", "a"]);
        let empty = Policy::parse("").unwrap();
        assert_eq!(empty.duplicate_settings(), (0.9, 10));
        assert!(empty.info().rules.is_empty());
    }

    #[test]
    fn the_digest_names_what_the_policy_asks_not_how_it_is_written() {
        let policy = r#"
            [[rule]]
            name = "orders"
            categories = ["phone", "address"]
            paths = ["exports/**"]
            max_age_days = 1095

            [[rule]]
            name = "ids"
            categories = ["national_id"]
            allowed_in = ["customs/**"]
        "#;
        let digest = Policy::parse(policy).unwrap().digest();
        assert_eq!(digest.len(), 16);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
        // Rules reordered, keys reordered, categories reordered, comments: the same policy.
        let rewritten = r#"
            # IDs first now
            [[rule]]
            allowed_in = ["customs/**"]
            categories = ["national_id"]
            name = "ids"
            [[rule]]
            name = "orders"
            max_age_days = 1095
            paths = ["exports/**"]
            categories = ["address", "phone"]
        "#;
        assert_eq!(Policy::parse(rewritten).unwrap().digest(), digest);
        // What the policy asks changes the digest.
        for (from, to) in [
            ("1095", "1096"),
            ("customs/**", "customs/*"),
            ("\"address\"]", "\"address\", \"email\"]"),
            ("name = \"ids\"", "name = \"IDs\""),
        ] {
            let changed = policy.replace(from, to);
            assert_ne!(
                Policy::parse(&changed).unwrap().digest(),
                digest,
                "{from} -> {to}"
            );
        }
        let settings = format!("{policy}\n[duplicates]\nmin_overlap = 0.8\n");
        assert_ne!(Policy::parse(&settings).unwrap().digest(), digest);
        // The default settings written out are the defaults.
        let defaults = format!("{policy}\n[duplicates]\nmin_overlap = 0.9\nmin_values = 10\n");
        assert_eq!(Policy::parse(&defaults).unwrap().digest(), digest);
        // The built-in policy has one too, and the inventory records it.
        let builtin = Policy::builtin();
        assert_eq!(builtin.info().digest, Some(builtin.digest()));
        assert_ne!(builtin.digest(), digest);
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, BUILTIN_POLICY).unwrap();
        let policy = Policy::load(&path).unwrap();
        assert_eq!(policy.info().file, Some(path.display().to_string()));
        let missing = Policy::load(&dir.path().join("missing.toml")).unwrap_err();
        assert!(
            matches!(&missing, PolicyError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
        );
        assert!(missing.to_string().starts_with("cannot read "), "{missing}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert_eq!(
            parse_error("[[rule]]\nname = \"Keep\"\nmax_age = 30\n"),
            "policy rule \"Keep\": unknown key \"max_age\" (use name, categories, paths, exclude, \
             max_age_days, allowed_in, forbidden_in, mask, max_unmasked)"
        );
        assert_eq!(
            parse_error("[duplicates]\noverlap = 0.9\n"),
            "policy [duplicates]: unknown key \"overlap\" (use min_overlap, min_values)"
        );
        assert_eq!(
            parse_error("[[rules]]\nname = \"x\"\n"),
            "policy: unknown key \"rules\" (use [duplicates] and [[rule]])"
        );
    }

    #[test]
    fn categories_no_detector_reports_are_named() {
        let policy = Policy::parse(
            "[[rule]]\nname = \"passports\"\ncategories = [\"passport\", \"phone\"]\nmax_age_days = 30\n\
             [[rule]]\nname = \"all\"\nmax_age_days = 30\n",
        )
        .unwrap();
        assert_eq!(
            policy.categories_not_reported(&[Category::Phone]),
            [("passports", Category::Passport)]
        );
        assert!(policy
            .categories_not_reported(&[Category::Phone, Category::Passport])
            .is_empty());
    }

    #[test]
    fn unknown_category_is_an_error() {
        assert_eq!(
            parse_error(
                "[[rule]]\nname = \"IDs only for customs\"\ncategories = [\"idcard\"]\nallowed_in = [\"customs/**\"]\n"
            ),
            "policy rule \"IDs only for customs\": unknown category \"idcard\" (use national_id, phone, \
             bank_card, address, email, passport, name, other)"
        );
    }

    #[test]
    fn bad_globs_are_errors() {
        let error = parse_error("[[rule]]\nname = \"r\"\nforbidden_in = [\"public/[ab\"]\n");
        assert!(
            error.starts_with("policy rule \"r\": bad glob \"public/[ab\" in forbidden_in: "),
            "{error}"
        );
        let error = parse_error("[[rule]]\nname = \"r\"\npaths = [\"./exports/**\"]\nmask = true\n");
        assert!(error.contains("leave out the leading \"./\""), "{error}");
        let error = parse_error("[[rule]]\nname = \"r\"\nexclude = [\"\"]\nmask = true\n");
        assert_eq!(error, "policy rule \"r\": empty glob in exclude");
    }

    #[test]
    fn rule_without_an_action_is_an_error() {
        assert_eq!(
            parse_error("[[rule]]\nname = \"Phones\"\ncategories = [\"phone\"]\nmask = false\n"),
            "policy rule \"Phones\": the rule asks for nothing: give at least one of max_age_days, \
             allowed_in, forbidden_in, mask = true"
        );
        assert_eq!(
            parse_error("[[rule]]\nname = \"r\"\nmax_unmasked = 3\nmax_age_days = 1\n"),
            "policy rule \"r\": max_unmasked only applies with mask = true"
        );
    }

    #[test]
    fn duplicate_and_missing_names_are_errors() {
        let twice = "[[rule]]\nname = \"r\"\nmask = true\n[[rule]]\nname = \"s\"\nmask = true\n\
                     [[rule]]\nname = \"r\"\nmax_age_days = 9\n";
        assert_eq!(
            parse_error(twice),
            "policy rule \"r\": rule #1 has the same name; names must be unique"
        );
        assert_eq!(
            parse_error("[[rule]]\nname = \"r\"\nmask = true\n[[rule]]\nmask = true\n"),
            "policy rule #2: missing key \"name\" (every rule needs a unique name)"
        );
        assert_eq!(
            parse_error("[[rule]]\nname = \" \"\nmask = true\n"),
            "policy rule #1: name is empty"
        );
        assert_eq!(
            parse_error("[[rule]]\nname = \"duplicate copies\"\nmask = true\n"),
            "policy rule \"duplicate copies\": this name is reserved for the actions of [duplicates]"
        );
    }

    #[test]
    fn wrong_types_and_values_are_errors() {
        let cases = [
            ("name = 3\nmask = true", "policy rule #1: name must be text in quotes, not 3"),
            (
                "name = \"r\"\nmax_age_days = \"3 years\"",
                "policy rule \"r\": max_age_days must be a whole number, not \"3 years\"",
            ),
            ("name = \"r\"\nmax_age_days = -1", "policy rule \"r\": max_age_days must be 0 or more, not -1"),
            ("name = \"r\"\nmask = \"yes\"", "policy rule \"r\": mask must be true or false, not \"yes\""),
            (
                "name = \"r\"\nmask = true\npaths = \"exports/**\"",
                "policy rule \"r\": paths must be a list like [\"exports/**\"], not \"exports/**\"",
            ),
            (
                "name = \"r\"\nmask = true\ncategories = [\"phone\", 1]",
                "policy rule \"r\": categories must list text in quotes, like [\"phone\", \"address\"], not 1",
            ),
            (
                "name = \"r\"\nmask = true\ncategories = []",
                "policy rule \"r\": categories is empty: leave the key out instead",
            ),
            (
                "name = \"r\"\nallowed_in = []",
                "policy rule \"r\": allowed_in is empty: leave the key out instead (to forbid the \
                 categories everywhere, write forbidden_in = [\"**\"])",
            ),
        ];
        for (rule, expected) in cases {
            assert_eq!(parse_error(&format!("[[rule]]\n{rule}\n")), expected);
        }
        assert_eq!(
            parse_error("[duplicates]\nmin_overlap = 1.5\n"),
            "policy [duplicates]: min_overlap must be a share above 0 and at most 1, like 0.9, not 1.5"
        );
        assert_eq!(
            parse_error("[duplicates]\nmin_values = 0\n"),
            "policy [duplicates]: min_values must be at least 1"
        );
        assert_eq!(
            parse_error("duplicates = 1\n"),
            "policy: `duplicates` must be a table: write [duplicates]"
        );
        assert_eq!(
            parse_error("[rule]\nname = \"r\"\n"),
            "policy: `rule` must be a list of tables: write each rule as [[rule]]"
        );
        assert!(parse_error("[[rule]\n").starts_with("policy is not valid TOML: "));
    }

    #[test]
    fn example_policy_parses_and_judges() {
        let policy = Policy::parse(include_str!("../../examples/pimap-policy.toml")).unwrap();
        assert!(policy.info().rules.len() >= 4, "{:?}", policy.info().rules);
        let mut shipped = file("订单导出/2022/orders.csv", &[("phone", 10), ("address", 10)]);
        shipped.newest_date = Some("2022-01-01".into());
        let actions = policy.evaluate(&inventory(vec![shipped]), now());
        assert!(
            actions.iter().any(|a| a.kind == ActionKind::RetentionOverdue),
            "{actions:?}"
        );
    }

    #[test]
    fn documented_example_parses() {
        let doc = include_str!("../../docs/policy.md");
        let blocks: Vec<&str> = doc
            .split("```toml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert!(!blocks.is_empty());
        for block in blocks {
            Policy::parse(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        }
    }
}
