//! Refresh (`--baseline`): results of files unchanged since an earlier inventory are taken
//! over instead of read again, when the earlier scan used the same build, detectors,
//! threshold and key.

use super::ScanConfig;
use crate::fingerprint;
use crate::inventory::{self, ErrorEntry, FileEntry, Inventory, SkippedEntry};
use crate::walk::InputFile;
use rustc_hash::{FxHashMap, FxHashSet};

/// Which files of the walk may be taken over from the baseline.
pub(super) struct Reuse<'b> {
    baseline: Option<&'b Inventory>,
    /// Baseline entries by path.
    index: FxHashMap<&'b str, usize>,
    must_read: FxHashSet<&'b str>,
}

impl<'b> Reuse<'b> {
    /// `baseline`: the reusable baseline (`reusable_baseline`), if any.
    pub(super) fn new(baseline: Option<&'b Inventory>) -> Self {
        let index = baseline
            .map(|b| {
                b.files
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.path.as_str(), i))
                    .collect()
            })
            .unwrap_or_default();
        let must_read = baseline.map(must_read_again).unwrap_or_default();
        Reuse {
            baseline,
            index,
            must_read,
        }
    }

    /// A file of the walk may be taken over if the baseline has it with the same size and
    /// modification time: its baseline entry and content hash. The hash decides (in the
    /// worker, which reads the samples).
    pub(super) fn candidate(&self, file: &InputFile) -> Option<(usize, &'b str)> {
        let &b = self.index.get(file.display.as_str())?;
        if self.must_read.contains(file.display.as_str()) {
            return None;
        }
        let entry = &self.baseline?.files[b];
        let same = entry.size == file.size && entry.modified == file.modified.and_then(inventory::rfc3339);
        same.then_some(())?;
        Some((b, entry.content_hash.as_deref()?))
    }
}

/// What decides whether results can be reused: the scanner build, its version, the detector
/// definitions and the confidence threshold.
pub(super) fn tool_digest(config: &ScanConfig) -> String {
    digest_of(&config.detectors, config.min_confidence)
}

/// `tool_digest` of this build with these detectors and this threshold (what `merge` checks
/// its parts against).
pub(crate) fn digest_of(detectors: &crate::detect::DetectorSet, min_confidence: f32) -> String {
    use sha2::Digest;
    let text = format!(
        "{}\0{}\0{}\0{}",
        env!("CARGO_PKG_VERSION"),
        env!("PIMAP_BUILD_DIGEST"),
        detectors.digest(),
        min_confidence
    );
    sha2::Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The baseline inventory if its results may be reused, else why not.
pub(super) fn reusable_baseline<'a>(
    config: &'a ScanConfig,
    digest: &str,
) -> (Option<&'a Inventory>, Option<String>) {
    let Some(baseline) = &config.baseline else {
        return (None, None);
    };
    let old = &baseline.inventory;
    let key_id = config.key.is_stable().then(|| config.key.id());
    match why_not_reusable(old, key_id.as_deref(), digest, config.fingerprints) {
        Some(note) => (None, Some(note.to_string())),
        None => (Some(old), None),
    }
}

/// Why the results of `old` cannot be reused by a scan (or a merge) with this stable key id
/// (None: no stable key), tool digest and `--fingerprints`; None when they can.
pub(crate) fn why_not_reusable(
    old: &Inventory,
    key_id: Option<&str>,
    digest: &str,
    fingerprints: bool,
) -> Option<&'static str> {
    if key_id.is_none() {
        Some("no stable key (PIMAP_KEY or --key-file): content hashes cannot be compared, every file was read again")
    } else if old.key.key_id.as_deref() != key_id {
        Some("the baseline was made with another fingerprint key (or none): every file was read again")
    } else if old.tool.detector_digest != digest {
        Some("the baseline was made by another pimap build, other detectors or another --min-confidence: every file was read again")
    } else if fingerprints && !old.key.fingerprints {
        Some("the baseline has no fingerprints and --fingerprints asks for them: every file was read again")
    } else {
        None
    }
}

/// Baseline entries whose results may not be taken over even if the file is unchanged: those
/// with errors (a read failure may have been passing) and those counting children under 14
/// (the count changes with time). Holds the paths of the files of the walk concerned: the
/// entry's own path and, for archive members, every path before a `!`.
pub(super) fn must_read_again(baseline: &Inventory) -> FxHashSet<&str> {
    fn tops(path: &str) -> Vec<&str> {
        let mut out: Vec<&str> = path.match_indices('!').map(|(i, _)| &path[..i]).collect();
        out.push(path);
        out
    }
    let errored = baseline.errors.iter().map(|e| e.path.as_str());
    let minors = baseline
        .files
        .iter()
        .filter(|f| f.minors > 0)
        .map(|f| f.path.as_str());
    errored.chain(minors).flat_map(tops).collect()
}

/// What a taken-over entry keeps of its baseline's fingerprints (`ScanConfig::fingerprints`,
/// `ScanConfig::keeps_sketches`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Kept {
    pub fingerprints: bool,
    pub sketches: bool,
}

/// Takes a file's entries (its own and its archive members'), errors and skipped members
/// over from the baseline. Only the permissions are read again: `chmod` does not change the
/// modification time.
pub(super) fn take_over(
    file: &InputFile,
    (baseline, at): (&Inventory, usize),
    files: &mut Vec<FileEntry>,
    skipped: &mut Vec<SkippedEntry>,
    errors: &mut Vec<ErrorEntry>,
    sketches: &mut FxHashMap<String, (u64, Vec<u64>)>,
    kept: Kept,
) {
    let top = &baseline.files[at].path;
    // Only an archive has members (a file may have a `!` in its name).
    let member_prefix = if baseline.files[at].archive {
        format!("{top}!")
    } else {
        format!("{top}\0")
    };
    let belongs = |path: &str| path == top || path.starts_with(&member_prefix);
    // Entries are sorted by path: the members are the run that starts with `top!`.
    let members = baseline
        .files
        .partition_point(|f| f.path.as_str() < member_prefix.as_str());
    let own = std::iter::once(&baseline.files[at]);
    let members = baseline.files[members..]
        .iter()
        .take_while(|f| f.path.starts_with(&member_prefix));
    for entry in own.chain(members) {
        let mut entry = entry.clone();
        entry.reused = true;
        if !kept.fingerprints {
            entry.fingerprints.clear();
        }
        if !kept.sketches {
            entry.sketch = None;
        }
        entry.mode = file.mode.map(|m| format!("{m:04o}"));
        entry.world_readable = file.mode.is_some_and(|m| m & 0o004 != 0);
        let distinct_total: u64 = entry.distinct.values().sum();
        if let Some(sketch) = entry.sketch.as_deref().and_then(fingerprint::decode_prints) {
            sketches.insert(entry.path.clone(), (distinct_total, sketch));
        }
        files.push(entry);
    }
    skipped.extend(baseline.skipped.iter().filter(|s| belongs(&s.path)).cloned());
    errors.extend(baseline.errors.iter().filter(|e| belongs(&e.path)).cloned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{test_config, Baseline};
    use std::collections::BTreeMap;
    use std::time::{Duration, UNIX_EPOCH};

    fn entry(path: &str, archive: bool) -> FileEntry {
        FileEntry {
            path: path.into(),
            size: 10,
            archive,
            format: "text".into(),
            distinct: BTreeMap::from([("cn_mobile".to_string(), 1)]),
            sketch: Some(fingerprint::encode_prints(&[42])),
            ..FileEntry::default()
        }
    }

    fn error(path: &str) -> ErrorEntry {
        ErrorEntry {
            store: None,
            path: path.into(),
            error: "cannot read".into(),
            kind: None,
        }
    }

    #[test]
    fn the_digest_changes_with_the_threshold() {
        let mut config = test_config(Vec::new());
        let digest = tool_digest(&config);
        assert_eq!(digest.len(), 16);
        assert_eq!(digest, tool_digest(&config));
        config.min_confidence = 0.9;
        assert_ne!(digest, tool_digest(&config));
    }

    #[test]
    fn a_baseline_is_reused_only_under_the_same_stable_key() {
        let mut config = test_config(Vec::new());
        assert!(matches!(reusable_baseline(&config, "d"), (None, None)));
        config.baseline = Some(Baseline {
            file: "old.json".into(),
            inventory: Inventory::default(),
        });
        let (reusable, note) = reusable_baseline(&config, "d");
        assert!(reusable.is_none());
        assert!(note.unwrap().starts_with("no stable key"));
    }

    #[test]
    fn files_with_errors_or_minors_are_read_again() {
        let mut minors = entry("kids.csv", false);
        minors.minors = 2;
        let baseline = Inventory {
            files: vec![entry("a.zip", true), minors, entry("plain.txt", false)],
            errors: vec![error("a.zip!in/b.zip!c.txt")],
            ..Inventory::default()
        };
        let again = must_read_again(&baseline);
        for path in ["a.zip", "a.zip!in/b.zip", "a.zip!in/b.zip!c.txt", "kids.csv"] {
            assert!(again.contains(path), "{path}");
        }
        assert!(!again.contains("plain.txt"));
    }

    #[test]
    fn an_unchanged_file_is_a_candidate_and_a_changed_one_is_not() {
        let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut old = entry("a.txt", false);
        old.modified = inventory::rfc3339(modified);
        old.content_hash = Some("h".into());
        let baseline = Inventory {
            files: vec![entry("0.txt", false), old],
            ..Inventory::default()
        };
        let reuse = Reuse::new(Some(&baseline));
        let mut file = InputFile {
            path: "/x/a.txt".into(),
            display: "a.txt".into(),
            size: 10,
            modified: Some(modified),
            mode: None,
        };
        assert_eq!(reuse.candidate(&file), Some((1, "h")));
        assert_eq!(Reuse::new(None).candidate(&file), None);
        file.size = 11;
        assert_eq!(reuse.candidate(&file), None);
        file.size = 10;
        file.modified = Some(modified + Duration::from_secs(1));
        assert_eq!(reuse.candidate(&file), None);
    }

    #[test]
    fn taking_over_an_archive_takes_its_members_and_nothing_else() {
        let baseline = Inventory {
            files: vec![
                entry("a.zip", true),
                entry("a.zip!m.txt", false),
                entry("a.zipx", false),
                entry("b.txt", false),
            ],
            skipped: vec![SkippedEntry {
                store: None,
                path: "a.zip!big.bin".into(),
                size: 1,
                reason: "binary".into(),
            }],
            errors: vec![error("a.zip!bad.csv"), error("b.txt")],
            ..Inventory::default()
        };
        let file = InputFile {
            path: "/x/a.zip".into(),
            display: "a.zip".into(),
            size: 10,
            modified: None,
            mode: Some(0o644),
        };
        let (mut files, mut skipped, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        let mut sketches = FxHashMap::default();
        take_over(
            &file,
            (&baseline, 0),
            &mut files,
            &mut skipped,
            &mut errors,
            &mut sketches,
            Kept {
                fingerprints: false,
                sketches: false,
            },
        );
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.zip", "a.zip!m.txt"]);
        assert!(files.iter().all(|f| f.reused && f.sketch.is_none()));
        assert_eq!(files[0].mode.as_deref(), Some("0644"));
        assert!(files[0].world_readable);
        assert_eq!(skipped.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "a.zip!bad.csv");
        // Without --fingerprints the sketches are not kept, so none is known.
        assert!(sketches.is_empty());
        take_over(
            &file,
            (&baseline, 0),
            &mut files,
            &mut skipped,
            &mut errors,
            &mut sketches,
            Kept {
                fingerprints: true,
                sketches: true,
            },
        );
        assert_eq!(sketches.get("a.zip"), Some(&(1, vec![42])));
    }
}
