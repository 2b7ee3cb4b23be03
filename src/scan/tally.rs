//! What one input adds up to while it is read: its columns and their counts, the findings per
//! detector, distinct values, already-masked values, minors, the newest date and the sketch.
//! The parts of a big file read side by side each keep one, and the writer merges them in
//! order (`merge`): the result is the tally of one reader from the start.

use super::columns::Columns;
use super::worker::FileSummary;
use crate::detect::DetectorSet;
use crate::error::{ErrorKind, Problem};
use crate::fingerprint;
use crate::inventory::distinct::{BottomK, Distinct};
use crate::inventory::{duplicates, FingerprintSet};
use crate::source;

pub(super) struct Tally<'a> {
    detectors: &'a DetectorSet,
    /// The input's columns and their counts.
    pub(super) columns: Columns<'a>,
    pub(super) by_detector: Vec<u64>,
    /// Per detector: distinct values outside any column; already-masked values.
    pub(super) outside: Vec<Distinct>,
    pub(super) masked: Vec<u64>,
    pub(super) minors: u64,
    /// Newest date in the input's date columns, in days since the Unix epoch.
    pub(super) newest_day: Option<i64>,
    /// The smallest fingerprints of the input's values (for finding copies).
    pub(super) sketch: BottomK,
}

impl<'a> Tally<'a> {
    pub(super) fn new(detectors: &'a DetectorSet) -> Self {
        let n = detectors.detectors().len();
        Tally {
            detectors,
            columns: Columns::new(detectors),
            by_detector: vec![0; n],
            outside: vec![Distinct::default(); n],
            masked: vec![0; n],
            minors: 0,
            newest_day: None,
            sketch: BottomK::new(duplicates::SKETCH),
        }
    }

    /// Forgets everything (a new input starts), keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.columns.clear();
        self.by_detector.iter_mut().for_each(|n| *n = 0);
        self.outside.iter_mut().for_each(Distinct::clear);
        self.masked.iter_mut().for_each(|n| *n = 0);
        self.minors = 0;
        self.newest_day = None;
        self.sketch.clear();
    }

    /// Adds the tally of the input's next part: counts add up, distinct values and the
    /// sketch are unions, and columns first seen in `next` come after this one's.
    pub(super) fn merge(&mut self, next: &Tally<'_>) {
        self.columns.merge(&next.columns);
        add(&mut self.by_detector, &next.by_detector);
        for (mine, theirs) in self.outside.iter_mut().zip(&next.outside) {
            mine.merge(theirs);
        }
        add(&mut self.masked, &next.masked);
        self.minors += next.minors;
        self.newest_day = self.newest_day.max(next.newest_day);
        next.sketch.values().iter().for_each(|&f| self.sketch.insert(f));
    }

    /// Fills in the summary's counts: findings per detector, columns, distinct counts, masked
    /// values, minors, the newest date, the sketch and (with `keep_fingerprints`) the
    /// fingerprint sets.
    pub(super) fn summarize(&self, summary: &mut FileSummary, keep_fingerprints: bool) {
        if self.columns.overflowed() {
            summary.problems.push(Problem::new(
                ErrorKind::TooLarge,
                format!(
                    "more than {} columns or keys: the rest are counted together as '{}'",
                    source::MAX_COLUMNS,
                    source::MORE_COLUMNS
                ),
            ));
        }
        summary.by_detector = self.by_detector.clone();
        summary.columns = self.columns.entries();
        let detectors = self.detectors.detectors();
        summary.distinct = vec![0; detectors.len()];
        for d in 0..detectors.len() {
            if self.by_detector[d] == 0 {
                continue;
            }
            let sets: Vec<&Distinct> = std::iter::once(&self.outside[d])
                .chain(self.columns.iter().map(|c| &c.distinct[d]))
                .filter(|s| s.count() > 0)
                .collect();
            let (count, exact) = match sets.as_slice() {
                [only] => (only.count(), only.is_exact()),
                _ => {
                    let mut all = Distinct::default();
                    sets.iter().for_each(|s| all.merge(s));
                    (all.count(), all.is_exact())
                }
            };
            summary.distinct[d] = count;
            summary.distinct_estimated |= !exact;
        }
        summary.masked = self.masked.clone();
        summary.minors = self.minors;
        summary.newest_day = self.newest_day;
        summary.sketch = self.sketch.values().to_vec();
        if !keep_fingerprints {
            return;
        }
        let mut push = |d: usize, set: &Distinct, table: Option<&str>, column: Option<&str>| {
            if set.count() == 0 {
                return;
            }
            let values = set.sorted().unwrap_or_default();
            summary.fingerprints.push(FingerprintSet {
                detector: detectors[d].id.clone(),
                table: table.map(str::to_string),
                column: column.map(str::to_string),
                values: fingerprint::encode_prints(&values),
                complete: set.is_exact(),
            });
        };
        for (d, set) in self.outside.iter().enumerate() {
            push(d, set, None, None);
        }
        for col in self.columns.iter() {
            for (d, set) in col.distinct.iter().enumerate() {
                push(d, set, col.table.as_deref(), Some(&col.name));
            }
        }
    }
}

pub(super) fn add(total: &mut [u64], more: &[u64]) {
    for (t, m) in total.iter_mut().zip(more) {
        *t += m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_only_file, test_config};

    #[test]
    fn merged_parts_add_up_to_the_whole() {
        let detectors = DetectorSet::builtin();
        let mut whole = Tally::new(&detectors);
        let mut parts = [Tally::new(&detectors), Tally::new(&detectors)];
        let values: [(usize, u64, Option<i64>); 4] =
            [(0, 5, Some(10)), (1, 6, None), (1, 5, Some(3)), (2, 9, None)];
        for (i, &(d, print, day)) in values.iter().enumerate() {
            for tally in [&mut whole, &mut parts[i / 2]] {
                tally.by_detector[d] += 1;
                tally.outside[d].insert(print);
                tally.sketch.insert(print);
                tally.newest_day = tally.newest_day.max(day);
                tally.masked[d] += 2;
                tally.minors += 1;
            }
        }
        let [mut merged, next] = parts;
        merged.merge(&next);
        let summary = |t: &Tally| {
            let mut s = FileSummary::default();
            t.summarize(&mut s, true);
            s
        };
        let (a, b) = (summary(&whole), summary(&merged));
        assert_eq!(a.by_detector, b.by_detector);
        assert_eq!(a.distinct, b.distinct);
        assert_eq!(a.masked, b.masked);
        assert_eq!((a.minors, a.newest_day), (b.minors, b.newest_day));
        assert_eq!(a.sketch, b.sketch);
        assert_eq!(a.sketch.len(), 3);
        let prints =
            |s: &FileSummary| -> Vec<String> { s.fingerprints.iter().map(|f| f.values.clone()).collect() };
        assert_eq!(prints(&a), prints(&b));
    }

    #[test]
    fn distinct_values_are_counted_across_columns_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let text = "手机 13812345678\n手机 13812345678\n手机 13912345678\n手机 138****5678\n";
        std::fs::write(dir.path().join("x.txt"), text).unwrap();
        let mut config = test_config(vec![dir.path().to_path_buf()]);
        config.fingerprints = true;
        let summaries = scan_only_file(&config, |_| {});
        let d = config
            .detectors
            .detectors()
            .iter()
            .position(|x| x.id == "cn_mobile")
            .unwrap();
        let summary = &summaries[0];
        assert_eq!(summary.by_detector[d], 3);
        assert_eq!(summary.distinct[d], 2);
        assert!(!summary.distinct_estimated);
        assert_eq!(summary.masked[d], 1);
        assert_eq!(summary.sketch.len(), 2);
        assert_eq!(summary.fingerprints.len(), 1);
        assert_eq!(summary.fingerprints[0].detector, "cn_mobile");
    }
}
