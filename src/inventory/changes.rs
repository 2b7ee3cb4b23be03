//! Differences between two inventories: `scan --baseline` and `pimap diff`.
//!
//! Files are matched by path. Per-file deltas come from the files' own counts; the overall
//! deltas come from the inventories' totals and action lists, so they stay right even when a
//! file list was cut or edited by hand. Only counts are compared: an inventory holds no
//! values, and neither do its changes.

use super::{ActionKind, Changes, FileChange, ImageChange, Inventory, PolicyInfo};
use crate::finding::Category;
use crate::terminal::{display_width, printable};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Lines per file list in the text form; `--json` lists all.
pub const TEXT_LIST_LIMIT: usize = 50;

/// Paths longer than this are not padded to (they push their line's numbers right instead).
const PATH_COLUMN_MAX: usize = 60;

/// What changed from `old` to `new`. When `new` was made by a refresh, `reused` and
/// `rescanned` count its entries taken over and read (`reuse_counts`) and `reuse_note` is
/// its own; `baseline_file` is left for the caller.
pub fn compare(old: &Inventory, new: &Inventory) -> Changes {
    let before = counts_by_path(old);
    let after = counts_by_path(new);
    let unreadable: std::collections::BTreeSet<&str> = new.errors.iter().map(|e| e.path.as_str()).collect();

    let mut changes = Changes {
        baseline_scanned_at: old.scanned_at.clone(),
        ..Changes::default()
    };
    for (path, old_counts) in &before {
        match after.get(path) {
            None if unreadable.contains(path) => {
                changes
                    .unreadable
                    .push(file_change(path, old_counts, &FileCounts::default()))
            }
            None => changes
                .removed
                .push(file_change(path, old_counts, &FileCounts::default())),
            Some(new_counts) => {
                let mut change = file_change(path, old_counts, new_counts);
                let same_counts = change.before == change.after && change.by_category.is_empty();
                change.content_changed = same_counts && !same_content(old_counts, new_counts);
                if same_counts && !change.content_changed {
                    changes.unchanged += 1;
                } else {
                    changes.changed.push(change);
                }
            }
        }
    }
    for (path, new_counts) in &after {
        if !before.contains_key(path) {
            changes
                .new
                .push(file_change(path, &FileCounts::default(), new_counts));
        }
    }
    // `new` and `removed` come out in path order from the maps.
    let size = |change: &FileChange| change.after.abs_diff(change.before);
    changes
        .changed
        .sort_by(|a, b| size(b).cmp(&size(a)).then_with(|| a.path.cmp(&b.path)));

    changes.by_category = category_deltas(&old.totals.by_category, &new.totals.by_category);
    for category in Category::ALL {
        changes
            .by_category
            .entry(category.as_str().to_string())
            .or_insert(0);
    }
    changes.findings = signed_delta(old.totals.findings, new.totals.findings);
    if let Some((reused, read)) = reuse_counts(new) {
        changes.reused = reused;
        changes.rescanned = read;
    }
    changes.reuse_note = new.changes.as_ref().and_then(|c| c.reuse_note.clone());
    let images = |inv: &Inventory| -> BTreeMap<String, super::ImageKind> {
        inv.suspected_id_images
            .iter()
            .map(|i| (i.path.clone(), i.kind))
            .collect()
    };
    let (old_images, new_images) = (images(old), images(new));
    let listed = |from: &BTreeMap<String, super::ImageKind>, not_in: &BTreeMap<String, super::ImageKind>| {
        from.iter()
            .filter(|(path, _)| !not_in.contains_key(*path))
            .map(|(path, kind)| ImageChange {
                store: None,
                path: path.clone(),
                kind: *kind,
            })
            .collect()
    };
    changes.new_suspected_id_images = listed(&new_images, &old_images);
    changes.removed_suspected_id_images = listed(&old_images, &new_images);
    changes.policy_changed = policy_changed(&old.policy, &new.policy);

    let old_actions = actions_by_kind(old);
    let new_actions = actions_by_kind(new);
    changes.actions = ActionKind::ALL
        .iter()
        .map(|kind| {
            let count = |counts: &BTreeMap<ActionKind, u64>| counts.get(kind).copied().unwrap_or(0);
            (
                kind.as_str().to_string(),
                signed_delta(count(&old_actions), count(&new_actions)),
            )
        })
        .collect();
    changes
}

/// How a refreshed inventory came about: its entries taken over from the baseline without
/// reading them, and its entries read. Counted over the inventory's files, archive members
/// included: the same entries that `new`, `changed` and `unchanged` count, so the two add up
/// to the same total (the files of the walk would count an archive once, and its members
/// not at all). None for an inventory not made by a refresh.
pub fn reuse_counts(inventory: &Inventory) -> Option<(u64, u64)> {
    let reused = inventory.files.iter().filter(|f| f.reused).count() as u64;
    (reused > 0 || inventory.changes.is_some()).then(|| (reused, inventory.files.len() as u64 - reused))
}

/// Whether two inventories were judged by different policies: by the digests when both
/// have one, else (older inventories) by the policy file's name and the rule names.
fn policy_changed(old: &PolicyInfo, new: &PolicyInfo) -> bool {
    match (&old.digest, &new.digest) {
        (Some(a), Some(b)) => a != b,
        _ => old.file != new.file || old.rules != new.rules,
    }
}

impl Changes {
    /// Nothing differs: no file came, went or changed, and no total or action count moved.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.removed.is_empty()
            && self.unreadable.is_empty()
            && self.changed.is_empty()
            && self.new_suspected_id_images.is_empty()
            && self.removed_suspected_id_images.is_empty()
            && self.findings == 0
            && self.by_category.values().all(|&n| n == 0)
            && self.actions.values().all(|&n| n == 0)
    }
}

/// One path's findings.
#[derive(Debug, Default)]
struct FileCounts {
    findings: u64,
    by_category: BTreeMap<String, u64>,
    /// What identifies the content besides the counts (see `same_content`).
    size: u64,
    modified: Option<String>,
    content_hash: Option<String>,
    distinct: BTreeMap<String, u64>,
}

/// Whether two entries of a path describe the same content, judged on what both record:
/// the content hash when both have one (a `touch` changes nothing), else the modification
/// time; an older inventory has no distinct counts.
fn same_content(a: &FileCounts, b: &FileCounts) -> bool {
    let same_bytes = match (a.content_hash.as_deref(), b.content_hash.as_deref()) {
        (Some(x), Some(y)) => x == y,
        _ => a.modified == b.modified,
    };
    a.size == b.size
        && same_bytes
        && (a.distinct.is_empty() || b.distinct.is_empty() || a.distinct == b.distinct)
}

/// Counts per path. A path listed twice (hand-edited or merged inventories) is counted once
/// with the sum of its entries, so the file deltas still add up to the totals.
fn counts_by_path(inventory: &Inventory) -> BTreeMap<&str, FileCounts> {
    let mut counts: BTreeMap<&str, FileCounts> = BTreeMap::new();
    for file in &inventory.files {
        let entry = counts.entry(file.path.as_str()).or_default();
        entry.findings = entry.findings.saturating_add(file.findings);
        entry.size = file.size;
        entry.modified = file.modified.clone();
        entry.content_hash = file.content_hash.clone();
        entry.distinct = file.distinct.clone();
        for (category, &n) in &file.by_category {
            let total = entry.by_category.entry(category.clone()).or_default();
            *total = total.saturating_add(n);
        }
    }
    counts
}

fn file_change(path: &str, before: &FileCounts, after: &FileCounts) -> FileChange {
    FileChange {
        store: None,
        path: path.to_string(),
        before: before.findings,
        after: after.findings,
        by_category: category_deltas(&before.by_category, &after.by_category),
        content_changed: false,
    }
}

/// after − before for every category in either map; a missing category counts as 0 and
/// categories with no change are left out.
fn category_deltas(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, i64> {
    before
        .keys()
        .chain(after.keys())
        .filter_map(|category| {
            let count = |counts: &BTreeMap<String, u64>| counts.get(category).copied().unwrap_or(0);
            let delta = signed_delta(count(before), count(after));
            (delta != 0).then(|| (category.clone(), delta))
        })
        .collect()
}

fn actions_by_kind(inventory: &Inventory) -> BTreeMap<ActionKind, u64> {
    let mut counts = BTreeMap::new();
    for action in &inventory.actions {
        *counts.entry(action.kind).or_default() += 1;
    }
    counts
}

/// after − before, clamped to the range of `i64` (only absurd hand-made counts get there).
fn signed_delta(before: u64, after: u64) -> i64 {
    let delta = i128::from(after) - i128::from(before);
    i64::try_from(delta).unwrap_or(if delta < 0 { i64::MIN } else { i64::MAX })
}

// ------------------------------------------------------------------------------------------
// The text form.

/// What a changed policy means for the action counts; said by `pimap diff` and after a
/// refresh alike.
pub const POLICY_NOTE: &str =
    "policy: changed since the baseline (other rules or settings): action counts may \
     change because of it, and an action no longer listed is not necessarily dealt with";

/// `files: 2 new, 1 removed, 1 changed, 5 unchanged (3 reused, 5 read)`, or
/// `no changes: 8 files unchanged (...)`: the file counts as `pimap diff` and the summary
/// after a refresh both say them.
pub fn files_phrase(changes: &Changes) -> String {
    files_phrase_counting(changes, (changes.reused, changes.rescanned))
}

/// `files_phrase` with the entries reused and read given apart (see `reuse_counts`).
pub fn files_phrase_counting(changes: &Changes, (reused, read): (u64, u64)) -> String {
    let reuse = if reused > 0 || read > 0 {
        format!(" ({} reused, {} read)", thousands(reused), thousands(read))
    } else {
        String::new()
    };
    if changes.is_empty() {
        return format!(
            "no changes: {} {} unchanged{reuse}",
            thousands(changes.unchanged),
            plural(changes.unchanged, "file", "files")
        );
    }
    let unreadable = if changes.unreadable.is_empty() {
        String::new()
    } else {
        format!(", {} unreadable", thousands(changes.unreadable.len() as u64))
    };
    format!(
        "files: {} new, {} removed, {} changed, {} unchanged{unreadable}{reuse}",
        thousands(changes.new.len() as u64),
        thousands(changes.removed.len() as u64),
        thousands(changes.changed.len() as u64),
        thousands(changes.unchanged),
    )
}

/// `findings: +1,717`, with the categories after it when `by_category` is set.
pub fn findings_phrase(changes: &Changes, by_category: bool) -> String {
    let mut out = format!("findings: {}", signed_thousands(changes.findings));
    let categories = category_list(&changes.by_category, signed_thousands);
    if by_category && !categories.is_empty() {
        let _ = write!(out, " ({categories})");
    }
    out
}

/// The changes for people: a summary, then the new, removed and changed files.
pub fn render_text(changes: &Changes) -> String {
    let mut out = String::from("Changes since ");
    if changes.baseline_scanned_at.is_empty() {
        out.push_str("the baseline");
    } else {
        out.push_str(&printable(&changes.baseline_scanned_at));
    }
    if let Some(file) = &changes.baseline_file {
        let _ = write!(out, " ({})", printable(file));
    }
    out.push('\n');

    let _ = writeln!(out, "  {}", files_phrase(changes));
    push_reuse_note(&mut out, changes);
    if changes.policy_changed {
        let _ = writeln!(out, "  {POLICY_NOTE}");
    }
    if changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "  {}", findings_phrase(changes, true));
    let actions: Vec<String> = ActionKind::ALL
        .iter()
        .filter_map(|kind| {
            let delta = changes.actions.get(kind.as_str()).copied().unwrap_or(0);
            (delta != 0).then(|| format!("{} {}", kind.as_str(), signed_thousands(delta)))
        })
        .collect();
    let under = if changes.policy_changed {
        " (judged by another policy than the baseline's)"
    } else {
        ""
    };
    if actions.is_empty() {
        let _ = writeln!(out, "  actions: no change{under}");
    } else {
        let _ = writeln!(out, "  actions: {}{under}", actions.join(", "));
    }

    let (new, removed, changed) = (
        shown(&changes.new),
        shown(&changes.removed),
        shown(&changes.changed),
    );
    let path_width = new
        .iter()
        .chain(removed)
        .chain(changed)
        .map(|file| display_width(&printable(&file.path)))
        .max()
        .unwrap_or(0)
        .min(PATH_COLUMN_MAX);
    let count_width = new
        .iter()
        .map(|file| file.after)
        .chain(removed.iter().map(|file| file.before))
        .map(|n| thousands(n).len())
        .max()
        .unwrap_or(0);
    let widths = Widths {
        path: path_width,
        count: count_width,
    };
    let mut lists = String::new();
    push_file_list(&mut lists, "New files", '+', &changes.new, &widths, |file| {
        file.after
    });
    push_file_list(
        &mut lists,
        "Removed files",
        '-',
        &changes.removed,
        &widths,
        |file| file.before,
    );
    push_file_list(
        &mut lists,
        "Unreadable now (still there, see the inventory's errors)",
        '!',
        &changes.unreadable,
        &widths,
        |file| file.before,
    );
    push_changed_list(&mut lists, &changes.changed, widths.path);
    for (title, sign, images) in [
        ("New suspected ID images", '+', &changes.new_suspected_id_images),
        (
            "Suspected ID images gone",
            '-',
            &changes.removed_suspected_id_images,
        ),
    ] {
        if images.is_empty() {
            continue;
        }
        let _ = writeln!(lists, "{title} ({}):", images.len());
        for image in images.iter().take(TEXT_LIST_LIMIT) {
            let _ = writeln!(
                lists,
                "  {sign} {}  {}",
                printable(&image.path),
                image.kind.as_str()
            );
        }
        push_more(&mut lists, images.len());
    }
    if !lists.is_empty() {
        out.push('\n');
        out.push_str(&lists);
    }
    out
}

fn push_reuse_note(out: &mut String, changes: &Changes) {
    if let Some(note) = &changes.reuse_note {
        let _ = writeln!(out, "  reuse: {}", printable(note));
    }
}

/// Columns shared by the new and removed lists, so both read as one table.
struct Widths {
    path: usize,
    count: usize,
}

/// `  + path    1,234 findings (phone 1,000, national_id 234)`: the file's own counts, which
/// are its after counts when new and its before counts when removed.
fn push_file_list(
    out: &mut String,
    title: &str,
    sign: char,
    files: &[FileChange],
    widths: &Widths,
    findings: impl Fn(&FileChange) -> u64,
) {
    if files.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title} ({}):", thousands(files.len() as u64));
    for file in shown(files) {
        let n = findings(file);
        let _ = write!(
            out,
            "  {sign} {}  {:>width$} {}",
            padded(&file.path, widths.path),
            thousands(n),
            plural(n, "finding", "findings"),
            width = widths.count
        );
        let categories = category_list(&file.by_category, |delta| thousands(delta.unsigned_abs()));
        if !categories.is_empty() {
            let _ = write!(out, " ({categories})");
        }
        out.push('\n');
    }
    push_more(out, files.len());
}

/// `  ~ path    100 → 150 (phone +50)`.
fn push_changed_list(out: &mut String, files: &[FileChange], path_width: usize) {
    if files.is_empty() {
        return;
    }
    let _ = writeln!(out, "Changed files ({}):", thousands(files.len() as u64));
    let width = |count: fn(&FileChange) -> u64| {
        shown(files)
            .iter()
            .map(|f| thousands(count(f)).len())
            .max()
            .unwrap_or(0)
    };
    let (before_width, after_width) = (width(|f| f.before), width(|f| f.after));
    for file in shown(files) {
        let _ = write!(
            out,
            "  ~ {}  {:>before_width$} → {:>after_width$}",
            padded(&file.path, path_width),
            thousands(file.before),
            thousands(file.after)
        );
        let categories = category_list(&file.by_category, signed_thousands);
        if !categories.is_empty() {
            let _ = write!(out, " ({categories})");
        } else if file.content_changed {
            out.push_str(" (contents changed, same counts)");
        }
        out.push('\n');
    }
    push_more(out, files.len());
}

/// The part of a list the text form shows.
fn shown(files: &[FileChange]) -> &[FileChange] {
    &files[..files.len().min(TEXT_LIST_LIMIT)]
}

fn push_more(out: &mut String, listed: usize) {
    if listed > TEXT_LIST_LIMIT {
        let _ = writeln!(
            out,
            "  … and {} more (pimap diff --json lists all)",
            thousands((listed - TEXT_LIST_LIMIT) as u64)
        );
    }
}

/// `phone +1,000, email -12`: the non-zero categories, largest change first.
fn category_list(deltas: &BTreeMap<String, i64>, format: impl Fn(i64) -> String) -> String {
    let mut nonzero: Vec<(&String, i64)> = deltas
        .iter()
        .filter(|(_, &n)| n != 0)
        .map(|(c, &n)| (c, n))
        .collect();
    nonzero.sort_by_key(|&(category, n)| (Reverse(n.unsigned_abs()), category));
    nonzero
        .iter()
        .map(|&(category, n)| format!("{} {}", printable(category), format(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `1234567` → `1,234,567` (the reports use it too).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `+1,234`, `-12`, `0`.
pub fn signed_thousands(n: i64) -> String {
    let sign = match n.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    format!("{sign}{}", thousands(n.unsigned_abs()))
}

/// The path padded to `width` terminal columns (never cut: a long path shifts its line).
fn padded(path: &str, width: usize) -> String {
    let shown = printable(path);
    let pad = width.saturating_sub(display_width(&shown));
    shown.into_owned() + &" ".repeat(pad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{empty_by_category, Action, Evidence, FileEntry, Severity, Totals};

    fn file(path: &str, categories: &[(&str, u64)]) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            findings: categories.iter().map(|&(_, n)| n).sum(),
            by_category: categories.iter().map(|&(c, n)| (c.to_string(), n)).collect(),
            ..FileEntry::default()
        }
    }

    fn action(kind: ActionKind) -> Action {
        Action {
            store: None,
            kind,
            severity: Severity::Low,
            path: "x.csv".to_string(),
            table: None,
            column: None,
            detector: None,
            rule: "rule".to_string(),
            evidence: Evidence::default(),
        }
    }

    /// An inventory as the scan writes it: totals add up the files, every category listed.
    fn inventory(files: Vec<FileEntry>, actions: &[ActionKind]) -> Inventory {
        let mut totals = Totals {
            by_category: empty_by_category(),
            ..Totals::default()
        };
        for f in &files {
            totals.add_file(f);
        }
        Inventory {
            schema: crate::inventory::SCHEMA.to_string(),
            scanned_at: "2026-11-01T03:00:00Z".to_string(),
            totals,
            files,
            actions: actions.iter().map(|&k| action(k)).collect(),
            ..Inventory::default()
        }
    }

    fn deltas(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|&(c, n)| (c.to_string(), n)).collect()
    }

    fn paths(files: &[FileChange]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn files_are_new_removed_changed_or_unchanged_by_path() {
        let old = inventory(
            vec![
                file("same.csv", &[("phone", 2)]),
                file("gone.csv", &[("email", 1)]),
                file("grew.csv", &[("phone", 1)]),
                file("empty.txt", &[]),
                file("gone-empty.txt", &[]),
            ],
            &[],
        );
        let new = inventory(
            vec![
                file("same.csv", &[("phone", 2)]),
                file("grew.csv", &[("phone", 3), ("email", 1)]),
                file("empty.txt", &[]),
                file("added.csv", &[("national_id", 1)]),
                file("added-empty.txt", &[]),
            ],
            &[],
        );
        let changes = compare(&old, &new);
        assert_eq!(paths(&changes.new), ["added-empty.txt", "added.csv"]);
        assert_eq!(paths(&changes.removed), ["gone-empty.txt", "gone.csv"]);
        assert_eq!(paths(&changes.changed), ["grew.csv"]);
        assert_eq!(changes.unchanged, 2);
        assert_eq!(changes.baseline_scanned_at, "2026-11-01T03:00:00Z");
        assert_eq!(changes.baseline_file, None);
        assert_eq!(
            (changes.reused, changes.rescanned, changes.reuse_note.clone()),
            (0, 0, None)
        );

        let added = &changes.new[1];
        assert_eq!((added.before, added.after), (0, 1));
        assert_eq!(added.by_category, deltas(&[("national_id", 1)]));
        let gone = &changes.removed[1];
        assert_eq!((gone.before, gone.after), (1, 0));
        assert_eq!(gone.by_category, deltas(&[("email", -1)]));
        let grew = &changes.changed[0];
        assert_eq!((grew.before, grew.after), (1, 4));
        assert_eq!(grew.by_category, deltas(&[("phone", 2), ("email", 1)]));
        assert!(changes.new[0].by_category.is_empty());
    }

    #[test]
    fn new_content_with_the_same_counts_is_a_change_and_unreadable_is_not_removed() {
        let mut rewritten = file("orders.csv", &[("phone", 3)]);
        rewritten.content_hash = Some("aa".into());
        let mut again = rewritten.clone();
        again.content_hash = Some("bb".into());
        let old = inventory(vec![rewritten, file("locked.csv", &[("phone", 2)])], &[]);
        let mut new = inventory(vec![again], &[]);
        new.errors.push(crate::inventory::ErrorEntry {
            store: None,
            path: "locked.csv".into(),
            error: "cannot open: permission denied".into(),
            kind: Some(crate::error::ErrorKind::Permission),
        });
        let changes = compare(&old, &new);
        assert_eq!(paths(&changes.changed), ["orders.csv"]);
        assert!(changes.changed[0].content_changed);
        assert!(changes.removed.is_empty());
        assert_eq!(paths(&changes.unreadable), ["locked.csv"]);
        let text = render_text(&changes);
        assert!(text.contains("contents changed, same counts"), "{text}");
        assert!(text.contains("! locked.csv"), "{text}");
    }

    #[test]
    fn a_file_whose_categories_shift_is_changed_even_with_the_same_total() {
        let old = inventory(vec![file("a.csv", &[("phone", 5)])], &[]);
        let new = inventory(vec![file("a.csv", &[("phone", 2), ("email", 3)])], &[]);
        let changes = compare(&old, &new);
        assert_eq!(changes.unchanged, 0);
        assert_eq!(changes.changed.len(), 1);
        let shifted = &changes.changed[0];
        assert_eq!((shifted.before, shifted.after), (5, 5));
        assert_eq!(shifted.by_category, deltas(&[("phone", -3), ("email", 3)]));
        assert_eq!(changes.findings, 0);
        assert!(!changes.is_empty());
    }

    #[test]
    fn totals_deltas_list_every_category_and_action_kind() {
        let old = inventory(
            vec![file("a.csv", &[("phone", 10), ("email", 4)])],
            &[
                ActionKind::MaskColumn,
                ActionKind::MaskColumn,
                ActionKind::DuplicateCopy,
            ],
        );
        let new = inventory(
            vec![file("a.csv", &[("phone", 7), ("email", 4), ("bank_card", 2)])],
            &[
                ActionKind::RetentionOverdue,
                ActionKind::MaskColumn,
                ActionKind::DuplicateCopy,
            ],
        );
        let changes = compare(&old, &new);
        for category in Category::ALL {
            assert!(
                changes.by_category.contains_key(category.as_str()),
                "{category:?}"
            );
        }
        assert_eq!(changes.by_category.len(), Category::ALL.len());
        assert_eq!(changes.by_category["phone"], -3);
        assert_eq!(changes.by_category["bank_card"], 2);
        assert_eq!(changes.by_category["email"], 0);
        assert_eq!(changes.by_category["passport"], 0);
        assert_eq!(changes.findings, -1);

        let expected: BTreeMap<String, i64> = [
            ("retention_overdue", 1),
            ("forbidden_location", 0),
            ("mask_column", -1),
            ("duplicate_copy", 0),
        ]
        .iter()
        .map(|&(k, n)| (k.to_string(), n))
        .collect();
        assert_eq!(changes.actions, expected);
        assert_eq!(changes.actions.len(), ActionKind::ALL.len());
    }

    #[test]
    fn missing_and_zero_counts_are_the_same() {
        let mut old = inventory(vec![file("a.csv", &[("phone", 1), ("email", 0)])], &[]);
        let new = inventory(vec![file("a.csv", &[("phone", 1)])], &[]);
        // Totals written without the zero categories (hand-made or older tools).
        old.totals.by_category.retain(|_, n| *n > 0);
        let changes = compare(&old, &new);
        assert_eq!(changes.unchanged, 1);
        assert!(changes.changed.is_empty());
        assert!(changes.by_category.values().all(|&n| n == 0));
        assert!(changes.is_empty());
    }

    #[test]
    fn changed_files_are_sorted_by_size_of_change_then_path_and_lists_by_path() {
        let old = inventory(
            vec![
                file("z-removed.csv", &[]),
                file("b.csv", &[("phone", 10)]),
                file("a.csv", &[("phone", 10)]),
                file("c.csv", &[("phone", 100)]),
                file("d.csv", &[("phone", 1)]),
                file("a-removed.csv", &[]),
            ],
            &[],
        );
        let new = inventory(
            vec![
                file("z-new.csv", &[]),
                file("b.csv", &[("phone", 15)]),
                file("a.csv", &[("phone", 5)]),
                file("c.csv", &[("phone", 50)]),
                file("d.csv", &[("phone", 2)]),
                file("a-new.csv", &[]),
            ],
            &[],
        );
        let changes = compare(&old, &new);
        assert_eq!(paths(&changes.changed), ["c.csv", "a.csv", "b.csv", "d.csv"]);
        assert_eq!(paths(&changes.new), ["a-new.csv", "z-new.csv"]);
        assert_eq!(paths(&changes.removed), ["a-removed.csv", "z-removed.csv"]);
    }

    #[test]
    fn a_path_listed_twice_counts_once_with_the_sum() {
        let old = inventory(
            vec![file("a.csv", &[("phone", 1)]), file("a.csv", &[("phone", 2)])],
            &[],
        );
        let new = inventory(vec![file("a.csv", &[("phone", 3)])], &[]);
        let changes = compare(&old, &new);
        assert_eq!(changes.unchanged, 1);
        assert!(changes.is_empty());
    }

    #[test]
    fn absurd_counts_do_not_overflow() {
        let old = inventory(vec![file("a.csv", &[("phone", u64::MAX)])], &[]);
        let new = inventory(vec![file("a.csv", &[])], &[]);
        let changes = compare(&old, &new);
        assert_eq!(changes.changed[0].by_category["phone"], i64::MIN);
        assert_eq!(changes.findings, i64::MIN);
        let text = render_text(&changes);
        assert!(
            text.contains("  ~ a.csv  18,446,744,073,709,551,615 → 0 (phone -9,223,372,036,854,775,808)\n")
        );
    }

    #[test]
    fn inventory_with_itself_has_no_changes() {
        let inv = inventory(
            vec![file("a.csv", &[("phone", 3)]), file("b.txt", &[])],
            &[ActionKind::MaskColumn],
        );
        let changes = compare(&inv, &inv);
        assert!(changes.is_empty());
        assert_eq!(changes.unchanged, 2);
        let text = render_text(&changes);
        assert_eq!(
            text,
            "Changes since 2026-11-01T03:00:00Z\n  no changes: 2 files unchanged\n"
        );
    }

    #[test]
    fn version_1_inventories_compare() {
        // As pimap 0.1 wrote them: no key, policy, actions, duplicates or detector digest.
        let v1 = |phones: u64| {
            format!(
                r#"{{"schema":"pimap.inventory/1","scanned_at":"2026-10-01T03:00:00Z","roots":["/share"],
                "tool":{{"name":"pimap","version":"0.1.0","min_confidence":0.5,"detectors":["cn_mobile"]}},
                "totals":{{"files":1,"bytes":10,"files_with_findings":1,"findings":{phones},
                  "by_category":{{"phone":{phones}}},"by_sensitivity":{{"general":{phones}}},
                  "skipped":0,"errors":0,"elapsed_seconds":0.1}},
                "files":[{{"path":"a.csv","size":10,"modified":"2026-10-01T00:00:00Z","format":"csv",
                  "findings":{phones},"by_detector":{{"cn_mobile":{phones}}},"by_category":{{"phone":{phones}}},
                  "columns":[]}}],
                "skipped":[],"errors":[]}}"#
            )
        };
        let old: Inventory = serde_json::from_str(&v1(2)).expect("v1 inventory");
        let new: Inventory = serde_json::from_str(&v1(5)).expect("v1 inventory");
        let changes = compare(&old, &new);
        assert_eq!(changes.baseline_scanned_at, "2026-10-01T03:00:00Z");
        assert_eq!(paths(&changes.changed), ["a.csv"]);
        assert_eq!(changes.by_category["phone"], 3);
        assert_eq!(changes.by_category.len(), Category::ALL.len());
        assert_eq!(changes.actions.len(), ActionKind::ALL.len());
        assert!(changes.actions.values().all(|&n| n == 0));
        assert!(render_text(&changes).contains("  actions: no change\n"));
    }

    #[test]
    fn text_summarizes_then_lists_each_kind_of_change() {
        let old = inventory(
            vec![
                file("exports/orders.csv", &[("phone", 100)]),
                file("old/2019.csv", &[("phone", 500), ("email", 67)]),
                file("same.txt", &[]),
            ],
            &[ActionKind::MaskColumn],
        );
        let new = inventory(
            vec![
                file("exports/orders.csv", &[("phone", 150)]),
                file("exports/2026-11.csv", &[("phone", 1000), ("national_id", 1234)]),
                file("same.txt", &[]),
            ],
            &[ActionKind::RetentionOverdue, ActionKind::RetentionOverdue],
        );
        let mut changes = compare(&old, &new);
        changes.baseline_file = Some("baseline.json".to_string());
        let expected = "\
Changes since 2026-11-01T03:00:00Z (baseline.json)
  files: 1 new, 1 removed, 1 changed, 1 unchanged
  findings: +1,717 (national_id +1,234, phone +550, email -67)
  actions: retention_overdue +2, mask_column -1

New files (1):
  + exports/2026-11.csv  2,234 findings (national_id 1,234, phone 1,000)
Removed files (1):
  - old/2019.csv           567 findings (phone 500, email 67)
Changed files (1):
  ~ exports/orders.csv   100 → 150 (phone +50)
";
        assert_eq!(render_text(&changes), expected);
    }

    #[test]
    fn text_mentions_reuse_only_when_there_was_any() {
        let old = inventory(vec![file("a.csv", &[("phone", 1)])], &[]);
        let new = inventory(vec![file("a.csv", &[("phone", 2)])], &[]);
        let mut changes = compare(&old, &new);
        assert!(!render_text(&changes).contains("reused"));
        changes.reused = 1_180;
        changes.rescanned = 6;
        assert!(render_text(&changes).contains("0 unchanged (1,180 reused, 6 read)\n"));
        changes.reused = 0;
        changes.rescanned = 0;
        changes.reuse_note = Some("other detectors than the baseline".to_string());
        let text = render_text(&changes);
        assert!(!text.contains("reused,"));
        assert!(text.contains("  reuse: other detectors than the baseline\n"));
    }

    #[test]
    fn reuse_is_counted_over_the_entries_that_the_file_counts_count() {
        let entry = |path: &str, reused: bool, archive: bool| FileEntry {
            reused,
            archive,
            ..file(path, &[("phone", 1)])
        };
        let old = inventory(
            vec![
                entry("a.zip", false, true),
                entry("a.zip!x.csv", false, false),
                entry("a.zip!y.csv", false, false),
                entry("b.csv", false, false),
                entry("gone.csv", false, false),
            ],
            &[],
        );
        // The archive was taken over with its members; b.csv was read again; c.csv is new.
        let mut new = inventory(
            vec![
                entry("a.zip", true, true),
                entry("a.zip!x.csv", true, false),
                entry("a.zip!y.csv", true, false),
                entry("b.csv", false, false),
                entry("c.csv", false, false),
            ],
            &[],
        );
        assert_eq!(reuse_counts(&new), Some((3, 2)));
        let changes = compare(&old, &new);
        assert_eq!((changes.reused, changes.rescanned), (3, 2));
        let files = changes.new.len() as u64 + changes.changed.len() as u64 + changes.unchanged;
        assert_eq!(changes.reused + changes.rescanned, files);
        assert_eq!(
            files_phrase(&changes),
            "files: 1 new, 1 removed, 0 changed, 4 unchanged (3 reused, 2 read)"
        );
        // A plain scan was not a refresh: nothing to say about reuse.
        for f in &mut new.files {
            f.reused = false;
        }
        assert_eq!(reuse_counts(&new), None);
        assert_eq!(compare(&old, &new).reused + compare(&old, &new).rescanned, 0);
        // A refresh that could reuse nothing still says it read everything, and why.
        new.changes = Some(Changes {
            reuse_note: Some("another key".into()),
            ..Changes::default()
        });
        let changes = compare(&old, &new);
        assert_eq!((changes.reused, changes.rescanned), (0, 5));
        assert_eq!(changes.reuse_note.as_deref(), Some("another key"));
    }

    #[test]
    fn a_changed_policy_is_said_and_fewer_actions_are_not_called_progress() {
        let old = inventory(
            vec![file("a.csv", &[("national_id", 3)])],
            &[ActionKind::MaskColumn, ActionKind::MaskColumn],
        );
        let mut new = inventory(vec![file("a.csv", &[("national_id", 3)])], &[]);
        let mut with = |old_digest: Option<&str>, new_digest: Option<&str>| {
            let mut old = old.clone();
            old.policy.digest = old_digest.map(str::to_string);
            new.policy.digest = new_digest.map(str::to_string);
            compare(&old, &new)
        };
        assert!(!with(Some("aaaa"), Some("aaaa")).policy_changed);
        let changes = with(Some("aaaa"), Some("bbbb"));
        assert!(changes.policy_changed);
        let text = render_text(&changes);
        assert!(text.contains(&format!("\n  {POLICY_NOTE}\n")), "{text}");
        assert!(
            text.contains("  actions: mask_column -2 (judged by another policy than the baseline's)\n"),
            "{text}"
        );
        // The same policy: no note, and the counts are the data's.
        let same = render_text(&with(Some("aaaa"), Some("aaaa")));
        assert!(!same.contains("policy"), "{same}");
        assert!(same.contains("  actions: mask_column -2\n"), "{same}");
        // Older inventories have no digest: their rule names and file tell.
        assert!(!with(None, Some("bbbb")).policy_changed);
        let mut renamed = old.clone();
        renamed.policy.rules = vec!["mask".into()];
        new.policy.digest = None;
        assert!(compare(&renamed, &new).policy_changed);
    }

    #[test]
    fn text_lists_are_capped_and_say_how_many_more() {
        let many: Vec<FileEntry> = (0..TEXT_LIST_LIMIT + 7)
            .map(|i| file(&format!("f{i:03}.csv"), &[("phone", 1)]))
            .collect();
        let changes = compare(&inventory(Vec::new(), &[]), &inventory(many, &[]));
        assert_eq!(changes.new.len(), TEXT_LIST_LIMIT + 7);
        let text = render_text(&changes);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("  + ")).count(),
            TEXT_LIST_LIMIT
        );
        assert!(text.contains("New files (57):\n"));
        assert!(text.contains("\n  … and 7 more (pimap diff --json lists all)\n"));
        assert!(!text.contains("f050.csv"));

        let exactly = (0..TEXT_LIST_LIMIT)
            .map(|i| file(&format!("f{i:03}.csv"), &[]))
            .collect();
        let text = render_text(&compare(&inventory(exactly, &[]), &inventory(Vec::new(), &[])));
        assert_eq!(
            text.lines().filter(|l| l.starts_with("  - ")).count(),
            TEXT_LIST_LIMIT
        );
        assert!(!text.contains("more"));
    }

    #[test]
    fn text_columns_align_up_to_a_limit() {
        let long = format!("deep/{}.csv", "x".repeat(80));
        let new = inventory(
            vec![
                file("a.csv", &[("phone", 1)]),
                file("客户.csv", &[("phone", 10)]),
                file(&long, &[("phone", 1000)]),
            ],
            &[],
        );
        let text = render_text(&compare(&inventory(Vec::new(), &[]), &new));
        let line = |start: &str| {
            text.lines()
                .find(|l| l.starts_with(start))
                .expect(start)
                .to_string()
        };
        // Short paths are padded to 60 columns, not to the long path's 89.
        assert_eq!(
            line("  + a.csv"),
            format!("  + a.csv{}      1 finding (phone 1)", " ".repeat(55))
        );
        // 客户 is four terminal columns wide.
        assert_eq!(
            line("  + 客户"),
            format!("  + 客户.csv{}     10 findings (phone 10)", " ".repeat(52))
        );
        assert_eq!(
            line("  + deep/"),
            format!("  + {long}  1,000 findings (phone 1,000)")
        );
    }

    #[test]
    fn text_escapes_control_characters_in_paths() {
        let new = inventory(vec![file("evil\nname\u{1b}[31m.csv", &[("phone", 1)])], &[]);
        let text = render_text(&compare(&inventory(Vec::new(), &[]), &new));
        assert!(text.contains("  + evil\\nname\\u{1b}[31m.csv"), "{text}");
        assert!(!text.contains('\u{1b}'));
        assert_eq!(text.lines().filter(|l| l.contains("evil")).count(), 1);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(signed_thousands(0), "0");
        assert_eq!(signed_thousands(12_345), "+12,345");
        assert_eq!(signed_thousands(-100_000), "-100,000");
        assert_eq!(signed_thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }
}
