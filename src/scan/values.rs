//! What an input's values add up to: distinct counts, already-masked values, the resident
//! IDs of children under 14, fingerprints; and the small rules behind them.

use super::worker::{FileSummary, Worker};
use crate::detect::date;
use crate::detect::masked::MaskedKind;
use crate::detect::DetectorSet;
use crate::fingerprint;
use crate::inventory::distinct::Distinct;
use crate::inventory::FingerprintSet;
use std::time::SystemTime;

impl Worker<'_> {
    /// Fills in what the input's values add up to: distinct counts, masked values, minors,
    /// the newest date, the sketch and (with `--fingerprints`) the fingerprint sets.
    pub(super) fn summarize_values(&self, summary: &mut FileSummary) {
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
        if !self.keep_fingerprints {
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

pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    (part as f64 / whole.max(1) as f64 * 1000.0).round() / 1000.0
}

/// The detector each kind of masked value counts for, by `MaskedKind as usize`.
pub(super) fn masked_detectors(detectors: &DetectorSet) -> [Option<usize>; 6] {
    let by_id = |id: &str| detectors.detectors().iter().position(|d| d.id == id);
    let mut map = [None; 6];
    for (kind, id) in [
        (MaskedKind::ResidentId, "cn_resident_id"),
        (MaskedKind::Mobile, "cn_mobile"),
        (MaskedKind::Landline, "cn_landline"),
        (MaskedKind::BankCard, "bank_card"),
        (MaskedKind::Email, "email"),
        (MaskedKind::Address, "cn_address"),
    ] {
        map[kind as usize] = by_id(id);
    }
    map
}

/// The latest birth day (days since the Unix epoch) of someone who is 14 at `now`: PIPL
/// Art. 28 and 31 treat the data of children under 14 as sensitive.
pub(super) fn minor_cutoff(now: SystemTime) -> i64 {
    let today = date::format_days(date::days_of(now));
    let (y, m, d): (i64, u32, u32) = (
        today[..4].parse().unwrap_or(1970),
        today[5..7].parse().unwrap_or(1),
        today[8..].parse().unwrap_or(1),
    );
    date::days_from_civil(y - 14, m, d)
        .or_else(|| date::days_from_civil(y - 14, m, 28))
        .unwrap_or(0)
}

/// Whether a resident ID (18 or 15 characters, validated) belongs to someone born after
/// `cutoff`.
pub(super) fn born_after(id: &str, cutoff: i64) -> bool {
    let b = id.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| -> Option<u32> { std::str::from_utf8(b.get(r)?).ok()?.parse().ok() };
    let birth = match b.len() {
        18 => digits(6..10).zip(digits(10..12)).zip(digits(12..14)),
        15 => digits(6..8)
            .map(|y| y + 1900)
            .zip(digits(8..10))
            .zip(digits(10..12)),
        _ => None,
    };
    birth
        .and_then(|((y, m), d)| date::days_from_civil(i64::from(y), m, d))
        .is_some_and(|day| day > cutoff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_only_file, test_config};
    use std::time::{Duration, UNIX_EPOCH};

    fn day(y: i64, m: u32, d: u32) -> i64 {
        date::days_from_civil(y, m, d).unwrap()
    }

    #[test]
    fn ratios_have_three_decimals_and_survive_an_empty_whole() {
        assert_eq!(ratio(1, 3), 0.333);
        assert_eq!(ratio(2, 3), 0.667);
        assert_eq!(ratio(0, 0), 0.0);
        assert_eq!(ratio(3, 0), 3.0);
    }

    #[test]
    fn children_under_14_are_those_born_after_the_cutoff() {
        let at = |y, m, d| UNIX_EPOCH + Duration::from_secs(day(y, m, d) as u64 * 86_400 + 3600);
        assert_eq!(minor_cutoff(at(2024, 3, 1)), day(2010, 3, 1));
        // 14 years before a 29 February is the 28th.
        assert_eq!(minor_cutoff(at(2024, 2, 29)), day(2010, 2, 28));
        let cutoff = day(2010, 3, 1);
        assert!(!born_after("110105201003011234", cutoff), "14 today");
        assert!(born_after("11010520100302123X", cutoff));
        assert!(!born_after("110105199001011234", cutoff));
        // 15-digit IDs are from the 1900s.
        assert!(!born_after("110105100302123", cutoff));
        assert!(born_after("110105100302123", day(1910, 3, 1)));
        assert!(!born_after("1101052010030", cutoff), "not an ID");
    }

    #[test]
    fn masked_values_count_for_their_detector() {
        let detectors = DetectorSet::builtin();
        let map = masked_detectors(&detectors);
        let id = |d: Option<usize>| d.map(|d| detectors.detectors()[d].id.as_str());
        assert_eq!(id(map[MaskedKind::Mobile as usize]), Some("cn_mobile"));
        assert_eq!(id(map[MaskedKind::ResidentId as usize]), Some("cn_resident_id"));
        assert_eq!(id(map[MaskedKind::Address as usize]), Some("cn_address"));
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
