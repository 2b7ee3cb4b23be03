//! Duplicate copies: groups of files that hold mostly the same personal data (the same
//! export saved under three names, a backup, most of the rows saved again).
//!
//! Each file brings a bottom-k sketch: the `SKETCH` smallest keyed fingerprints of its
//! distinct values. Fingerprints are uniform, so a sketch is a random sample of the file's
//! values, and two sketches are samples taken with the same "dice" (Broder 1997; Cohen and
//! Kaplan 2007). Two files are compared by
//!
//! - exact counting when both sketches hold all their file's values (fewer than `SKETCH`);
//! - otherwise the bottom-k estimate: of the k smallest fingerprints of the union of both
//!   sketches (k = the shorter sketch's length), the share J found in both estimates the
//!   Jaccard similarity, and shared ≈ J × (dA + dB) / (1 + J), at most min(dA, dB).
//!
//! `overlap = shared / min(dA, dB)`: a subset copy (most of the order list saved again)
//! overlaps fully. Files with overlap ≥ `min_overlap` are joined (union-find). In a group,
//! the file to keep comes first (see `keep_first`: not a backup or copy by its name, then the
//! most values, then the shallowest, the oldest, the first path) and every member is
//! described against it. Because joining is transitive, a member of a chain can overlap the
//! first file less than `min_overlap`; its own numbers say so.
//!
//! Finding pairs without comparing all of them:
//!
//! 1. Files with identical sketches (exact copies) are bucketed and joined directly; only
//!    one of each bucket takes part further, so any number of copies of one export costs
//!    one sort.
//! 2. An inverted index maps every sketch fingerprint to the files holding it. A file looks
//!    up only a prefix of its sketch: for a complete sketch (all values), a file that has
//!    ≥ `min_overlap` of its values in another must share one of its
//!    `len - ⌈min_overlap × len⌉ + 1` smallest (prefix filtering, Chaudhuri et al. 2006);
//!    an incomplete sketch looks up all of it.
//! 3. A value held by very many files (the shop's own service phone) has a long posting
//!    list. A file reads its lists shortest first, at most `POSTINGS_PER_FILE` entries, and
//!    computes at most `COMPARISONS_PER_FILE` overlaps with files not already in its group.
//!    Real copies share rare values and are reached first; the common value's list is read
//!    last and cut off. The work is therefore at most about
//!    files × (`POSTINGS_PER_FILE` + `COMPARISONS_PER_FILE` × 2 × `SKETCH`) steps.

use super::{DuplicateGroup, DuplicateMember};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;
use std::time::SystemTime;

/// Fingerprints kept per file for finding copies: the smallest `SKETCH` of its values.
pub const SKETCH: usize = 256;

/// Posting-list entries one file reads while looking for partners.
pub const POSTINGS_PER_FILE: usize = 8 * SKETCH;
/// Overlaps one file computes with partners not yet in its group.
pub const COMPARISONS_PER_FILE: usize = 64;

/// Overlaps are rounded to this many decimals before they are compared with the minimum.
const OVERLAP_DECIMALS: i32 = 3;

/// One file as duplicate detection sees it.
pub struct Candidate<'a> {
    pub path: &'a str,
    /// Distinct values in the file (all detectors).
    pub distinct: u64,
    /// The file's smallest fingerprints, sorted ascending, at most `SKETCH` (all of them when
    /// the file has fewer).
    pub sketch: &'a [u64],
    /// Modification time (RFC 3339), if known: of two otherwise equal copies the older is kept.
    pub modified: Option<&'a str>,
}

/// Groups of files sharing at least `min_overlap` of their values (of the smaller file),
/// among files with at least `min_values` distinct values; the file to keep comes first.
pub fn find(files: &[Candidate<'_>], min_overlap: f64, min_values: u64) -> Vec<DuplicateGroup> {
    find_counting(files, min_overlap, min_values).0
}

/// What a search cost, for the tests that bound it.
#[derive(Debug, Default)]
struct Work {
    postings: usize,
    comparisons: usize,
}

fn find_counting(files: &[Candidate<'_>], min_overlap: f64, min_values: u64) -> (Vec<DuplicateGroup>, Work) {
    let mut work = Work::default();
    let mut joined = UnionFind::new(files.len());
    let mut eligible: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].distinct >= min_values && !files[i].sketch.is_empty())
        .collect();

    // Identical sketches next to each other; one representative each.
    eligible.sort_by(|&a, &b| {
        files[a]
            .sketch
            .cmp(files[b].sketch)
            .then(files[a].path.cmp(files[b].path))
    });
    let mut representatives = Vec::new();
    for bucket in eligible.chunk_by(|&a, &b| files[a].sketch == files[b].sketch) {
        let first = bucket[0];
        for &copy in &bucket[1..] {
            if is_copy(&files[first], &files[copy], min_overlap) {
                joined.union(first, copy);
            }
        }
        representatives.push(first);
    }

    // Inverted index over the representatives' sketches: (fingerprint, representative,
    // position in its sketch), sorted, so a posting list is one run of entries.
    let mut index: Vec<(u64, u32, u32)> = Vec::new();
    for (r, &file) in representatives.iter().enumerate() {
        let sketch = files[file].sketch;
        index.extend(sketch.iter().enumerate().map(|(at, &v)| (v, r as u32, at as u32)));
    }
    index.sort_unstable();
    index.dedup_by_key(|&mut (v, r, _)| (v, r));

    // Each representative's posting lists for its probe prefix, in one pass over the index
    // (looking every fingerprint up instead costs a cache miss per step). A fingerprint
    // only one file holds pairs it with nobody, and most values are such.
    let probe: Vec<usize> = representatives
        .iter()
        .map(|&f| probe_len(&files[f], min_overlap))
        .collect();
    let mut lists: Vec<Vec<Range<usize>>> = vec![Vec::new(); representatives.len()];
    let mut start = 0;
    for run in index.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            for &(_, r, at) in run {
                if (at as usize) < probe[r as usize] {
                    lists[r as usize].push(start..start + run.len());
                }
            }
        }
        start += run.len();
    }

    let mut last_seen_by = vec![usize::MAX; representatives.len()];
    for (r, &file) in representatives.iter().enumerate() {
        let candidate = &files[file];
        let lists = &mut lists[r];
        lists.sort_by_key(|list| list.len());
        let mut postings = 0;
        let mut comparisons = 0;
        'lists: for list in lists.iter() {
            for &(_, other, _) in &index[list.clone()] {
                if postings == POSTINGS_PER_FILE {
                    break 'lists;
                }
                postings += 1;
                let other = other as usize;
                if other == r || last_seen_by[other] == r {
                    continue;
                }
                last_seen_by[other] = r;
                let partner = representatives[other];
                if joined.find(file) == joined.find(partner) {
                    continue;
                }
                if comparisons == COMPARISONS_PER_FILE {
                    break 'lists;
                }
                comparisons += 1;
                if is_copy(candidate, &files[partner], min_overlap) {
                    joined.union(file, partner);
                }
            }
        }
        work.postings += postings;
        work.comparisons += comparisons;
    }

    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for &file in &eligible {
        members.entry(joined.find(file)).or_default().push(file);
    }
    let mut groups: Vec<DuplicateGroup> = members
        .into_values()
        .filter(|group| group.len() > 1)
        .map(|group| describe_group(files, group))
        .collect();
    groups.sort_by(|a, b| {
        let (a, b) = (&a.files[0], &b.files[0]);
        b.distinct.cmp(&a.distinct).then_with(|| a.path.cmp(&b.path))
    });
    (groups, work)
}

/// The group with the file to keep first and every member described against it.
fn describe_group(files: &[Candidate<'_>], group: Vec<usize>) -> DuplicateGroup {
    let times: Vec<Option<SystemTime>> = group
        .iter()
        .map(|&i| {
            files[i]
                .modified
                .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
        })
        .collect();
    let primary = (0..group.len())
        .min_by(|&a, &b| keep_first((&files[group[a]], times[a]), (&files[group[b]], times[b])))
        .map_or(group[0], |at| group[at]);
    let mut copies: Vec<DuplicateMember> = group
        .iter()
        .filter(|&&i| i != primary)
        .map(|&i| {
            let overlap = compare(&files[primary], &files[i]);
            DuplicateMember {
                store: None,
                path: files[i].path.to_string(),
                distinct: files[i].distinct,
                shared: overlap.shared,
                overlap: overlap.overlap,
            }
        })
        .collect();
    copies.sort_by(|a, b| b.overlap.total_cmp(&a.overlap).then_with(|| a.path.cmp(&b.path)));
    let first = DuplicateMember {
        store: None,
        path: files[primary].path.to_string(),
        distinct: files[primary].distinct,
        shared: files[primary].distinct,
        overlap: 1.0,
    };
    DuplicateGroup {
        files: std::iter::once(first).chain(copies).collect(),
    }
}

/// Which of two copies a person keeps (`Less`: `a`). The others are marked for deletion, so
/// the choice must match what people do with copies:
///
/// 1. not a backup or copy by its path (`Backup/`, `orders - 副本.csv`, `orders (1).csv`,
///    `.bak`: see `looks_like_a_copy`);
/// 2. the most distinct values: a copy may hold only part of the data (half the rows saved
///    again), and deleting the complete file for it would lose the rest;
/// 3. the shallowest path: the export where it was made, not the one filed away below;
/// 4. the oldest modification time (unknown times last): copies are made after the original;
/// 5. the first path in sort order, so the choice never depends on scan order.
fn keep_first(a: (&Candidate<'_>, Option<SystemTime>), b: (&Candidate<'_>, Option<SystemTime>)) -> Ordering {
    let ((a, a_time), (b, b_time)) = (a, b);
    let oldest_first = match (a_time, b_time) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    looks_like_a_copy(a.path)
        .cmp(&looks_like_a_copy(b.path))
        .then(b.distinct.cmp(&a.distinct))
        .then(depth(a.path).cmp(&depth(b.path)))
        .then(oldest_first)
        .then(a.path.cmp(b.path))
}

/// Folders and files in a path; an archive member is one level below its archive.
fn depth(path: &str) -> usize {
    path.split(['/', '\\', '!'])
        .filter(|part| !part.is_empty())
        .count()
}

/// Words that name a backup, a copy or a scratch file in English file names.
const COPY_WORDS: [&str; 8] = ["backup", "backups", "bak", "copy", "copies", "old", "tmp", "temp"];
/// The same in Chinese names (备份 backup, 副本 Windows' "- 副本" copies, 复件 older Windows'
/// "复件 " copies, 拷贝 copy, 旧 old, 临时 temporary).
const COPY_MARKS: [&str; 6] = ["备份", "副本", "复件", "拷贝", "旧", "临时"];

/// Whether a folder or the file name of `path` says it is a backup or a copy: one of
/// `COPY_WORDS` as a word (`Backup/`, `copy of orders.csv`, `orders_old.csv`, `a.csv.bak`,
/// not `template.csv`), one of `COPY_MARKS` anywhere in a name, a download counter
/// (`orders (1).csv`, `orders（2）.csv`) or an editor's `~`.
pub fn looks_like_a_copy(path: &str) -> bool {
    path.split(['/', '\\', '!']).any(|name| {
        let lower = name.to_lowercase();
        let stem = lower.rsplit_once('.').map_or(lower.as_str(), |(stem, _)| stem);
        lower.contains("backup")
            || lower
                .split(|c: char| !c.is_alphanumeric() || !c.is_ascii())
                .any(|word| COPY_WORDS.contains(&word))
            || COPY_MARKS.iter().any(|mark| lower.contains(mark))
            || has_counter(stem.trim_end())
            || lower.ends_with('~')
    })
}

/// `orders (1)`, `orders(12)`, `orders（2）`: the number a browser or file manager appends to
/// the name of a second download or copy.
fn has_counter(stem: &str) -> bool {
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(inside) = stem
            .strip_suffix(close)
            .and_then(|s| s.rsplit_once(open))
            .map(|(_, inside)| inside)
        {
            if !inside.is_empty() && inside.len() <= 3 && inside.bytes().all(|b| b.is_ascii_digit()) {
                return true;
            }
        }
    }
    false
}

/// The sketch holds every value of its file.
fn is_complete(file: &Candidate<'_>) -> bool {
    file.sketch.len() < SKETCH && file.sketch.len() as u64 == file.distinct
}

/// How much of a sketch to look up. A complete sketch X that shares at least
/// ⌈t × |X|⌉ values with another file's has at most |X| - ⌈t × |X|⌉ values outside it, so
/// one of its |X| - ⌈t × |X|⌉ + 1 smallest is shared (the other file indexes all of its
/// sketch). Overlaps are rounded before the comparison, so t is lowered by half a unit of
/// the last decimal, and a hair more against floating-point error: needing fewer shared
/// values only lengthens the prefix.
fn probe_len(file: &Candidate<'_>, min_overlap: f64) -> usize {
    const FLOAT_SLACK: f64 = 1e-9;
    let len = file.sketch.len();
    if !is_complete(file) {
        return len;
    }
    let half_unit = 0.5 * 10f64.powi(-OVERLAP_DECIMALS);
    let needed = ((min_overlap - half_unit) * len as f64 - FLOAT_SLACK).ceil();
    let needed = if needed.is_finite() && needed >= 1.0 {
        needed as usize
    } else {
        1
    };
    (len + 1).saturating_sub(needed).clamp(1, len)
}

/// The smaller of two copies holds at least this share of the larger one's values: a chat log
/// mentioning 60 customers of a 4,000-row database, or a courier's extract of a tenth of the
/// orders, shares all its values with the bigger file but is not a copy of it (deleting it
/// would lose the conversation, not a duplicate).
pub const MIN_SIZE_RATIO: f64 = 0.5;

/// Whether two files are copies of one another: similar sizes and mostly the same values.
fn is_copy(a: &Candidate<'_>, b: &Candidate<'_>, min_overlap: f64) -> bool {
    let (small, large) = (a.distinct.min(b.distinct), a.distinct.max(b.distinct));
    small as f64 >= MIN_SIZE_RATIO * large as f64 && compare(a, b).overlap >= min_overlap
}

/// Distinct values two files share, and their overlap (shared / the smaller distinct count).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Overlap {
    shared: u64,
    overlap: f64,
}

fn compare(a: &Candidate<'_>, b: &Candidate<'_>) -> Overlap {
    let smaller = a.distinct.min(b.distinct);
    if smaller == 0 {
        return Overlap {
            shared: 0,
            overlap: 0.0,
        };
    }
    let shared = if is_complete(a) && is_complete(b) {
        in_both(a.sketch, b.sketch, usize::MAX) as u64
    } else {
        let k = a.sketch.len().min(b.sketch.len());
        if k == 0 {
            0
        } else {
            let jaccard = in_both(a.sketch, b.sketch, k) as f64 / k as f64;
            let estimate = jaccard * (a.distinct as f64 + b.distinct as f64) / (1.0 + jaccard);
            (estimate.round() as u64).min(smaller)
        }
    };
    let scale = 10f64.powi(OVERLAP_DECIMALS);
    Overlap {
        shared,
        overlap: (shared as f64 / smaller as f64 * scale).round() / scale,
    }
}

/// Of the `limit` smallest fingerprints of the union of two sorted sketches, how many are
/// in both.
fn in_both(a: &[u64], b: &[u64], limit: usize) -> usize {
    let (mut i, mut j, mut taken, mut both) = (0, 0, 0, 0);
    while taken < limit && i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
        taken += 1;
    }
    both
}

/// Disjoint sets with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for uniform fingerprints (SplitMix64).
    fn mix(i: u64) -> u64 {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A file's distinct count and sketch, built from the integers standing for its values.
    struct File {
        path: String,
        distinct: u64,
        sketch: Vec<u64>,
    }

    fn file(path: &str, values: impl IntoIterator<Item = u64>) -> File {
        let mut fingerprints: Vec<u64> = values.into_iter().map(mix).collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        let distinct = fingerprints.len() as u64;
        fingerprints.truncate(SKETCH);
        File {
            path: path.to_string(),
            distinct,
            sketch: fingerprints,
        }
    }

    fn candidates(files: &[File]) -> Vec<Candidate<'_>> {
        files
            .iter()
            .map(|f| Candidate {
                path: &f.path,
                distinct: f.distinct,
                sketch: &f.sketch,
                modified: None,
            })
            .collect()
    }

    fn groups(files: &[File], min_overlap: f64, min_values: u64) -> Vec<DuplicateGroup> {
        find(&candidates(files), min_overlap, min_values)
    }

    fn paths(groups: &[DuplicateGroup]) -> Vec<Vec<&str>> {
        groups
            .iter()
            .map(|g| g.files.iter().map(|m| m.path.as_str()).collect())
            .collect()
    }

    fn overlap(a: &File, b: &File) -> Overlap {
        let c = candidates(std::slice::from_ref(a));
        let d = candidates(std::slice::from_ref(b));
        compare(&c[0], &d[0])
    }

    #[test]
    fn exact_copies_form_a_group() {
        let files = [
            file("b.csv", 0..100),
            file("other.csv", 1000..1100),
            file("a.csv", 0..100),
        ];
        let found = groups(&files, 0.9, 10);
        assert_eq!(paths(&found), [["a.csv", "b.csv"]]);
        let expected = DuplicateMember {
            store: None,
            path: "b.csv".into(),
            distinct: 100,
            shared: 100,
            overlap: 1.0,
        };
        assert_eq!(found[0].files[1], expected);
        assert_eq!(found[0].files[0].shared, 100);
    }

    #[test]
    fn a_95_percent_copy_is_found_at_90() {
        let files = [file("orders.csv", 0..200), file("orders-edited.csv", 10..210)];
        let found = groups(&files, 0.9, 10);
        assert_eq!(paths(&found), [["orders-edited.csv", "orders.csv"]]);
        assert_eq!((found[0].files[1].shared, found[0].files[1].overlap), (190, 0.95));
        assert!(groups(&files, 0.96, 10).is_empty());
    }

    #[test]
    fn half_overlap_is_not_a_copy() {
        let files = [file("a.csv", 0..100), file("b.csv", 50..150)];
        assert!(groups(&files, 0.9, 10).is_empty());
        assert_eq!(overlap(&files[0], &files[1]).overlap, 0.5);
        assert_eq!(paths(&groups(&files, 0.5, 10)), [["a.csv", "b.csv"]]);
    }

    #[test]
    fn a_subset_is_a_copy_of_the_larger_file() {
        let files = [file("orders_part.csv", 0..150), file("orders.csv", 0..200)];
        let found = groups(&files, 0.9, 10);
        assert_eq!(paths(&found), [["orders.csv", "orders_part.csv"]]);
        assert_eq!(
            found[0].files[1],
            DuplicateMember {
                store: None,
                path: "orders_part.csv".into(),
                distinct: 150,
                shared: 150,
                overlap: 1.0
            }
        );
        assert_eq!(found[0].files[0].distinct, 200);
    }

    #[test]
    fn a_small_extract_is_not_a_copy() {
        // A chat log naming 60 of a database's 4,000 customers shares all its values.
        let files = [
            file("chat.txt", 0..60),
            file("shop.sql", 0..4000),
            file("courier.csv", 1000..1400),
        ];
        assert!(groups(&files, 0.9, 10).is_empty());
    }

    #[test]
    fn primary_then_members_by_overlap_and_path() {
        let files = [
            file("c.csv", 0..180),
            file("b.csv", (10..200).chain(5000..5010)),
            file("a.csv", 0..200),
        ];
        let found = groups(&files, 0.9, 10);
        // a and b both have 200 values: the smaller path is the primary.
        assert_eq!(paths(&found), [["a.csv", "c.csv", "b.csv"]]);
        let overlaps: Vec<f64> = found[0].files.iter().map(|m| m.overlap).collect();
        assert_eq!(overlaps, [1.0, 1.0, 0.95]);
    }

    #[test]
    fn backups_and_copies_are_told_by_their_names() {
        for copy in [
            "Backup/orders.csv",
            "backups/2024/orders.csv",
            "exports/MyBackup2024/orders.csv",
            "bak/orders.csv",
            "exports/orders.csv.bak",
            "exports/orders.old",
            "exports/orders_old.csv",
            "Old Orders/orders.csv",
            "exports/copy of orders.csv",
            "exports/Copy of orders.csv",
            "exports/orders - Copy.csv",
            "exports/orders - 副本.csv",
            "备份/orders.csv",
            "订单备份2024/orders.csv",
            "复件 orders.csv",
            "旧数据/orders.csv",
            "临时/orders.csv",
            "tmp/orders.csv",
            "Temp/orders.csv",
            "exports/orders (1).csv",
            "exports/orders(12).csv",
            "exports/orders（2）.csv",
            "exports/orders.csv~",
            "backup.zip!orders.csv",
        ] {
            assert!(looks_like_a_copy(copy), "{copy}");
        }
        for original in [
            "exports/orders.csv",
            "exports/template.csv",
            "exports/temperature.csv",
            "exports/bold.csv",
            "exports/folder/orders.csv",
            "exports/copyright.txt",
            "exports/orders (final).csv",
            "exports/orders 2024.csv",
            "订单/2024-01.csv",
            "exports.zip!orders.csv",
        ] {
            assert!(!looks_like_a_copy(original), "{original}");
        }
    }

    #[test]
    fn the_copy_a_person_keeps_comes_first() {
        fn dated(files: &[File], modified: &[Option<&str>]) -> Vec<Vec<String>> {
            let mut candidates = candidates(files);
            for (c, m) in candidates.iter_mut().zip(modified) {
                c.modified = *m;
            }
            find(&candidates, 0.9, 10)
                .iter()
                .map(|g| g.files.iter().map(|m| m.path.clone()).collect())
                .collect()
        }
        // The backup sorts first by path, and is still the copy.
        let files = [
            file("Backup/orders - 副本.csv", 0..100),
            file("exports/orders.csv", 0..100),
        ];
        assert_eq!(
            dated(&files, &[]),
            [["exports/orders.csv", "Backup/orders - 副本.csv"]]
        );
        // Neither a backup: the shallower one is kept, whatever the times say.
        let files = [file("a/b/c/orders.csv", 0..100), file("z/orders.csv", 0..100)];
        let times = [Some("2020-01-01T00:00:00Z"), Some("2024-01-01T00:00:00Z")];
        assert_eq!(dated(&files, &times), [["z/orders.csv", "a/b/c/orders.csv"]]);
        // Same depth: the older is kept; an unknown time counts as newest.
        let files = [
            file("a/orders.csv", 0..100),
            file("b/orders.csv", 0..100),
            file("c/orders.csv", 0..100),
        ];
        let times = [Some("2024-05-01T00:00:00Z"), None, Some("2023-01-01T08:00:00Z")];
        assert_eq!(
            dated(&files, &times),
            [["c/orders.csv", "a/orders.csv", "b/orders.csv"]]
        );
        // Nothing else to go by: the first path.
        assert_eq!(
            dated(&files, &[]),
            [["a/orders.csv", "b/orders.csv", "c/orders.csv"]]
        );
        // A part of the data is not kept in place of the whole, shallower or older though it is.
        let files = [file("h1.csv", 0..120), file("exports/2025/all.csv", 0..200)];
        let times = [Some("2020-01-01T00:00:00Z"), Some("2025-01-01T00:00:00Z")];
        assert_eq!(dated(&files, &times), [["exports/2025/all.csv", "h1.csv"]]);
        // But a backup is not kept even when it holds a few more values.
        let files = [
            file("备份/orders.csv", 0..105),
            file("exports/orders.csv", 0..100),
        ];
        let found = find(&candidates(&files), 0.9, 10);
        assert_eq!(found[0].files[0].path, "exports/orders.csv");
        assert_eq!(
            (found[0].files[1].shared, found[0].files[1].overlap),
            (100, 1.0),
            "members are described against the file kept"
        );
    }

    #[test]
    fn groups_are_sorted_by_the_primary_s_values() {
        let files = [
            file("small.csv", 0..20),
            file("small-copy.csv", 0..20),
            file("large.csv", 100..400),
            file("large-copy.csv", 100..400),
        ];
        let found = groups(&files, 0.9, 10);
        assert_eq!(
            paths(&found),
            [["large.csv", "large-copy.csv"], ["small.csv", "small-copy.csv"]]
        );
    }

    #[test]
    fn small_files_are_not_compared() {
        let files = [file("a.csv", 0..9), file("b.csv", 0..9)];
        assert!(groups(&files, 0.9, 10).is_empty());
        assert_eq!(groups(&files, 0.9, 9).len(), 1);
        // Nor are files without a sketch (nothing to compare by).
        let empty = [file("x.csv", 0..0), file("y.csv", 0..0)];
        assert!(groups(&empty, 0.9, 0).is_empty());
    }

    #[test]
    fn a_hundred_identical_copies_are_one_group_without_comparisons() {
        // 300 values: the sketches are partial, so the overlap is estimated.
        let files: Vec<File> = (0..100)
            .map(|i| file(&format!("copy-{i:03}.csv"), 0..300))
            .collect();
        let (found, work) = find_counting(&candidates(&files), 0.9, 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].files.len(), 100);
        assert_eq!(found[0].files[0].path, "copy-000.csv");
        assert!(found[0].files.iter().all(|m| m.overlap == 1.0 && m.shared == 300));
        assert_eq!(work.comparisons, 0, "bucketed, not compared pair by pair");
    }

    #[test]
    fn near_copies_in_a_large_cluster_are_one_group() {
        // 150 exports of the same 200 customers, each missing a different one.
        let files: Vec<File> = (0..150)
            .map(|i| file(&format!("day-{i:03}.csv"), (0..200).filter(move |&v| v != i)))
            .collect();
        let (found, work) = find_counting(&candidates(&files), 0.9, 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].files.len(), 150);
        assert!(work.comparisons < 150 * 4, "{work:?}");
    }

    /// The shop's own service phone in every file must not pair every file with every other.
    /// Its fingerprint here is the smallest there is, so every file looks it up.
    #[test]
    fn a_value_in_every_file_does_not_blow_up() {
        fn with_service_phone(path: &str, values: impl IntoIterator<Item = u64>) -> File {
            let mut f = file(path, values);
            f.sketch.insert(0, 0);
            f.distinct += 1;
            f
        }
        let n = 2000u64;
        let mut files: Vec<File> = (0..n)
            .map(|i| with_service_phone(&format!("order-{i:04}.csv"), i * 20..i * 20 + 20))
            .collect();
        // One real copy among them: 20 of its 21 values are in order-0007.csv.
        files.push(with_service_phone(
            "order-0007 (copy).csv",
            (141..160).chain([9_999_999]),
        ));
        let (found, work) = find_counting(&candidates(&files), 0.9, 10);
        assert_eq!(paths(&found), [["order-0007.csv", "order-0007 (copy).csv"]]);
        let all_pairs = (n * (n + 1) / 2) as usize;
        assert!(work.comparisons <= files.len() * COMPARISONS_PER_FILE, "{work:?}");
        assert!(work.comparisons < all_pairs / 10, "{work:?}");
        assert!(work.postings <= files.len() * POSTINGS_PER_FILE, "{work:?}");
    }

    #[test]
    fn estimates_for_large_files_are_close() {
        let n = 20_000u64;
        let cases = [
            // (second file's values, true shared values)
            (n / 20..n + n / 20, n - n / 20),  // 95%
            (n / 5..n + n / 5, n - n / 5),     // 80%
            (n / 2..n + n / 2, n / 2),         // 50%
            (0..n / 2, n / 2),                 // a subset
            (n / 4..3 * n / 4 + n, 3 * n / 4), // 75% of the smaller, sizes differ
        ];
        let first = file("first.csv", 0..n);
        for (values, shared) in cases {
            let second = file("second.csv", values);
            let truth = shared as f64 / first.distinct.min(second.distinct) as f64;
            let estimate = overlap(&first, &second);
            assert!(
                (estimate.overlap - truth).abs() < 0.05,
                "true {truth}, estimated {estimate:?}"
            );
            assert!(estimate.shared <= first.distinct.min(second.distinct));
        }
    }

    #[test]
    fn large_copies_are_found_by_estimate() {
        let files = [
            file("2025.csv", 0..50_000),
            file("2025-h1.csv", 0..25_000),
            file("other.csv", 50_000..90_000),
        ];
        let found = groups(&files, 0.9, 10);
        assert_eq!(paths(&found), [["2025.csv", "2025-h1.csv"]]);
    }

    #[test]
    fn many_files_stay_fast_and_exact() {
        // 10 000 files of 20-300 values, every 50th with a near copy, all with one common value.
        let mut files = Vec::new();
        for i in 0..10_000u64 {
            let start = i * 1000;
            let len = 20 + (mix(i) % 281);
            files.push(file(
                &format!("f{i:05}.csv"),
                (start..start + len).chain([u64::MAX]),
            ));
            if i % 50 == 0 {
                files.push(file(
                    &format!("f{i:05}-copy.csv"),
                    (start + 1..start + len).chain([u64::MAX]),
                ));
            }
        }
        let started = std::time::Instant::now();
        let (found, work) = find_counting(&candidates(&files), 0.9, 10);
        let elapsed = started.elapsed();
        assert_eq!(found.len(), 200);
        assert!(found
            .iter()
            .all(|g| g.files.len() == 2 && g.files[1].path.ends_with("-copy.csv")));
        assert!(work.comparisons <= files.len() * COMPARISONS_PER_FILE, "{work:?}");
        eprintln!("{} files: {elapsed:?}, {work:?}", files.len());
    }

    #[test]
    fn probe_prefix_is_long_enough_for_exact_sketches() {
        let f = file("x.csv", 0..10);
        let c = &candidates(std::slice::from_ref(&f))[0];
        // 9 of 10 shared: one of the 2 smallest is shared.
        assert_eq!(probe_len(c, 0.9), 2);
        assert_eq!(probe_len(c, 1.0), 1);
        assert_eq!(probe_len(c, 0.05), 10);
        let big = file("y.csv", 0..1000);
        assert_eq!(probe_len(&candidates(std::slice::from_ref(&big))[0], 0.9), SKETCH);
    }

    #[test]
    fn sketches_round_trip() {
        use crate::fingerprint::{decode_prints, encode_prints};
        let sketch = file("x.csv", 0..300).sketch;
        let text = encode_prints(&sketch);
        assert_eq!(text.len(), 16 * SKETCH);
        assert_eq!(decode_prints(&text), Some(sketch));
        assert_eq!(decode_prints(""), Some(vec![]));
        assert_eq!(decode_prints("000000000000000f"), Some(vec![15]));
        for bad in [
            "0",
            "00000000000000000",
            "zzzzzzzzzzzzzzzz",
            "+00000000000000f",
            "00000000000000é",
        ] {
            assert_eq!(decode_prints(bad), None, "{bad:?}");
        }
    }
}
