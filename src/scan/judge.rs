//! The inventory's judgements: a worker's summaries become file entries (`finish`, in path
//! order as files are written), then the whole inventory is judged (`judge`): copies, risk,
//! the policy's actions and their totals.

use super::worker::FileSummary;
use super::ScanConfig;
use crate::detect::{date, DetectorSet};
use crate::finding::Sensitivity;
use crate::fingerprint;
use crate::inventory::policy::Policy;
use crate::inventory::{self, duplicates, ErrorEntry, FileEntry, Inventory, SkippedEntry, Totals};
use crate::walk::InputFile;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// What judges an inventory: the same for a scan and for the merge of its parts.
pub(crate) struct Judges<'a> {
    pub policy: &'a Policy,
    pub detectors: &'a DetectorSet,
    /// The scan's "today" (ages of files).
    pub now: SystemTime,
}

impl<'a> Judges<'a> {
    pub(super) fn of(config: &'a ScanConfig) -> Self {
        Judges {
            policy: &config.policy,
            detectors: &config.detectors,
            now: config.now,
        }
    }
}

/// The totals of the files, skipped files and errors listed (what `judge` adds comes later):
/// `reused` files were taken over from a baseline.
pub(crate) fn count_totals(
    files: &[FileEntry],
    skipped: usize,
    errors: usize,
    reused: u64,
    detectors: &DetectorSet,
) -> Totals {
    let mut totals = Totals {
        by_category: inventory::empty_by_category(),
        ..Totals::default()
    };
    for f in files {
        totals.add_file(f);
        for (d, n) in &f.by_detector {
            if let Some(det) = detectors.detectors().iter().find(|x| &x.id == d) {
                let key = det.sensitivity.as_str();
                *totals.by_sensitivity.entry(key.to_string()).or_default() += n;
            }
        }
    }
    // Skipped members counted on their archive (`add_file`) are added to the listed ones.
    totals.skipped += skipped as u64;
    totals.errors = errors as u64;
    totals.reused = reused;
    totals
}

/// Whole-inventory judgements: copies, risk per file, the policy's actions, their totals.
pub(crate) fn judge(
    inventory: &mut Inventory,
    judges: &Judges<'_>,
    sketches: &FxHashMap<String, (u64, Vec<u64>)>,
    baseline: Option<&Inventory>,
) {
    let (min_overlap, min_values) = judges.policy.duplicate_settings();
    let candidates: Vec<duplicates::Candidate<'_>> = inventory
        .files
        .iter()
        .filter_map(|f| {
            let (distinct, sketch) = sketches.get(&f.path)?;
            Some(duplicates::Candidate {
                path: &f.path,
                distinct: *distinct,
                sketch,
                modified: f.modified.as_deref(),
            })
        })
        .collect();
    inventory.duplicates = duplicates::find(&candidates, min_overlap, min_values);
    // Without --fingerprints reused files bring no sketch; copies among them were found when
    // they were read and still hold (their data did not change).
    if let Some(baseline) = baseline {
        let reused: rustc_hash::FxHashSet<&str> = inventory
            .files
            .iter()
            .filter(|f| f.reused && !sketches.contains_key(&f.path))
            .map(|f| f.path.as_str())
            .collect();
        let carried: Vec<_> = baseline
            .duplicates
            .iter()
            .filter(|g| g.files.iter().all(|m| reused.contains(m.path.as_str())))
            .cloned()
            .collect();
        inventory.duplicates.extend(carried);
    }
    let totals = &mut inventory.totals;
    for f in &mut inventory.files {
        f.risk = inventory::risk::assess(f, judges.now);
        if let Some(risk) = &f.risk {
            *totals
                .files_by_risk
                .entry(risk.level.as_str().to_string())
                .or_default() += 1;
        }
        if let Some(s) = f.sensitivity {
            *totals
                .files_by_sensitivity
                .entry(s.as_str().to_string())
                .or_default() += 1;
        }
        totals.minors += f.minors;
        for (d, n) in &f.masked {
            if let Some(det) = judges.detectors.detectors().iter().find(|x| &x.id == d) {
                *totals
                    .masked_by_category
                    .entry(det.category.as_str().to_string())
                    .or_default() += n;
            }
        }
    }
    // An image named as an ID document is one sensitive value (PIPL Art. 28).
    for image in &mut inventory.suspected_id_images {
        image.risk = inventory::risk::assess(&image.as_file_entry(), judges.now);
    }
    inventory.count_name_totals();
    inventory.actions = judges.policy.evaluate(inventory, judges.now);
    let totals = &mut inventory.totals;
    totals.actions = inventory::ActionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), 0))
        .collect();
    for a in &inventory.actions {
        *totals.actions.entry(a.kind.as_str().to_string()).or_default() += 1;
    }
    inventory.count_store_totals();
}

/// Turns a worker's summaries of one input file (several for an archive) into inventory
/// entries.
pub(super) fn finish(
    file: &InputFile,
    summaries: Vec<FileSummary>,
    config: &ScanConfig,
    files: &mut Vec<FileEntry>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
    sketches: &mut FxHashMap<String, (u64, Vec<u64>)>,
) {
    let detectors = config.detectors.detectors();
    for s in summaries {
        let path = s.path.to_string();
        if let Some(reason) = s.skipped {
            skipped.push(SkippedEntry {
                store: None,
                path,
                size: s.size,
                reason,
            });
            continue;
        }
        if let Some(first) = s.problems.first() {
            let reasons: Vec<&str> = s.problems.iter().map(|p| p.message.as_str()).collect();
            errors.push(ErrorEntry {
                store: None,
                path: path.clone(),
                error: reasons.join("; "),
                kind: Some(first.kind),
            });
        }
        let Some(format) = s.format else { continue };
        let mut by_detector = BTreeMap::new();
        let mut by_category = BTreeMap::new();
        let mut distinct = BTreeMap::new();
        let mut masked = BTreeMap::new();
        let mut sensitivity = None;
        for (d, det) in detectors.iter().enumerate() {
            if let Some(&n) = s.masked.get(d).filter(|&&n| n > 0) {
                masked.insert(det.id.clone(), n);
            }
            let n = s.by_detector.get(d).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            by_detector.insert(det.id.clone(), n);
            distinct.insert(det.id.clone(), s.distinct.get(d).copied().unwrap_or(0));
            *by_category.entry(det.category.as_str().to_string()).or_default() += n;
            if sensitivity != Some(Sensitivity::Sensitive) {
                sensitivity = Some(det.sensitivity);
            }
        }
        // Only files that can take part in duplicate detection keep their sketch (in memory
        // for this scan; with --fingerprints, or in a part, also in the inventory, 4 KiB of
        // hex at most, for a refresh or a merge to find copies of files it does not read).
        let distinct_total: u64 = distinct.values().sum();
        let (_, min_values) = config.policy.duplicate_settings();
        let can_be_a_copy = distinct_total > 0 && distinct_total >= min_values;
        let sketch =
            (config.keeps_sketches() && can_be_a_copy).then(|| fingerprint::encode_prints(&s.sketch));
        if can_be_a_copy {
            sketches.insert(path.clone(), (distinct_total, s.sketch));
        }
        files.push(FileEntry {
            store: None,
            path,
            size: s.size,
            modified: s.modified.and_then(inventory::rfc3339),
            // Stamped with the inventory (`inventory::lineage`).
            first_seen: None,
            format: format.to_string(),
            encoding: s.encoding.map(str::to_string),
            findings: s.by_detector.iter().sum(),
            by_detector,
            by_category,
            sensitivity,
            columns: s.columns,
            archive: s.container,
            distinct,
            distinct_estimated: s.distinct_estimated,
            masked,
            minors: s.minors,
            newest_date: s.newest_day.map(date::format_days),
            mode: file.mode.map(|m| format!("{m:04o}")),
            world_readable: file.mode.is_some_and(|m| m & 0o004 != 0),
            risk: None,
            content_hash: s.content_hash,
            sketch,
            fingerprints: s.fingerprints,
            reused: false,
            unlisted_members: (s.unlisted != inventory::UnlistedMembers::default()).then_some(s.unlisted),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Problem};
    use crate::scan::test_config;

    fn input(path: &str) -> InputFile {
        InputFile {
            path: path.into(),
            display: path.into(),
            size: 100,
            modified: None,
            mode: Some(0o600),
        }
    }

    #[test]
    fn summaries_become_entries_errors_and_skipped_members() {
        let config = test_config(Vec::new());
        let detectors = config.detectors.detectors();
        let d = detectors.iter().position(|x| x.id == "cn_resident_id").unwrap();
        let mut by_detector = vec![0; detectors.len()];
        by_detector[d] = 3;
        let mut distinct = vec![0; detectors.len()];
        distinct[d] = 2;
        let summaries = vec![
            FileSummary {
                path: "a.zip".into(),
                size: 100,
                container: true,
                format: Some("zip"),
                ..FileSummary::default()
            },
            FileSummary {
                path: "a.zip!ids.txt".into(),
                size: 50,
                format: Some("text"),
                by_detector,
                distinct,
                problems: vec![
                    Problem::new(ErrorKind::Encoding, "first"),
                    Problem::new(ErrorKind::Io, "second"),
                ],
                ..FileSummary::default()
            },
            FileSummary {
                path: "a.zip!x.bin".into(),
                skipped: Some("binary".into()),
                ..FileSummary::default()
            },
            FileSummary {
                path: "a.zip!gone.txt".into(),
                problems: vec![Problem::new(ErrorKind::Io, "cannot read")],
                ..FileSummary::default()
            },
        ];
        let (mut files, mut skipped, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        let mut sketches = FxHashMap::default();
        let file = input("a.zip");
        finish(
            &file,
            summaries,
            &config,
            &mut files,
            &mut skipped,
            &mut errors,
            &mut sketches,
        );
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.zip", "a.zip!ids.txt"]);
        let ids = &files[1];
        assert_eq!(ids.findings, 3);
        assert_eq!(ids.by_detector.get("cn_resident_id"), Some(&3));
        assert_eq!(ids.distinct.get("cn_resident_id"), Some(&2));
        assert_eq!(ids.by_category.get("national_id"), Some(&3));
        assert_eq!(ids.sensitivity, Some(Sensitivity::Sensitive));
        assert_eq!(ids.mode.as_deref(), Some("0600"));
        assert!(!ids.world_readable);
        assert!(files[0].archive && files[0].findings == 0 && files[0].sensitivity.is_none());
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].path, "a.zip!x.bin");
        let errors: Vec<(&str, &str, Option<ErrorKind>)> = errors
            .iter()
            .map(|e| (e.path.as_str(), e.error.as_str(), e.kind))
            .collect();
        assert_eq!(
            errors,
            [
                ("a.zip!ids.txt", "first; second", Some(ErrorKind::Encoding)),
                ("a.zip!gone.txt", "cannot read", Some(ErrorKind::Io)),
            ]
        );
    }

    #[test]
    fn judging_counts_every_action_kind_and_risky_files() {
        let config = test_config(Vec::new());
        let mut inventory = Inventory::default();
        judge(&mut inventory, &Judges::of(&config), &FxHashMap::default(), None);
        assert!(inventory.duplicates.is_empty());
        assert_eq!(inventory.totals.actions.len(), inventory::ActionKind::ALL.len());
        assert!(inventory.totals.actions.values().all(|&n| n == 0));
    }
}
