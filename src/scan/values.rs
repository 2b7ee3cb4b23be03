//! The small rules behind what an input's values add up to (`tally`): shares, the detector
//! an already-masked value counts for, the resident IDs of children under 14.

use crate::detect::date;
use crate::detect::masked;
use crate::detect::DetectorSet;
use std::time::SystemTime;

pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    (part as f64 / whole.max(1) as f64 * 1000.0).round() / 1000.0
}

/// The detector each kind of masked value counts for, by `MaskedKind as usize`.
pub(super) fn masked_detectors(detectors: &DetectorSet) -> [Option<usize>; masked::KINDS] {
    let mut map = [None; masked::KINDS];
    for (d, det) in detectors.detectors().iter().enumerate() {
        for &kind in &det.masked_shapes {
            map[kind as usize].get_or_insert(d);
        }
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
    fn masked_values_count_for_the_detector_whose_file_names_their_shape() {
        use crate::detect::masked::MaskedKind;
        let detectors = DetectorSet::builtin();
        let map = masked_detectors(&detectors);
        let id = |d: Option<usize>| d.map(|d| detectors.detectors()[d].id.as_str());
        assert_eq!(id(map[MaskedKind::Mobile as usize]), Some("cn_mobile"));
        assert_eq!(id(map[MaskedKind::ResidentId as usize]), Some("cn_resident_id"));
        assert_eq!(id(map[MaskedKind::Address as usize]), Some("cn_address"));
        assert_eq!(
            id(map[MaskedKind::PrivacyNumber as usize]),
            Some("cn_privacy_number")
        );
    }
}
