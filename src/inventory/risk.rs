//! A file's risk score: what it holds, how much, how old, how exposed.
//!
//! ```text
//! score = what + volume + age + exposure                                  (0-100)
//!
//! what     (0-40)  sensitive personal information (national_id, bank_card, passport)  30
//!                  + resident IDs of children under 14 (PIPL Art. 28, 31)              +10
//!                  only general personal information                                   15
//! volume   (0-30)  round(10 × log10(1 + distinct values)), at most 30 (reached at ~1000)
//! age      (0-15)  data age under 365 days 0; 365-1095 days 8; over 1095 days 15; unknown 0
//! exposure (0-15)  readable by every user of the machine (o+r) 15, else 0
//!
//! level    high from 60, medium from 30, else low
//! ```
//!
//! Distinct values are the sum of the file's per-detector distinct counts, or its findings
//! when an older inventory has no distinct counts. The data age is the time since the
//! newest date found inside the file (an order or payment time), else since its
//! modification time: a file copied yesterday may hold orders from 2019, and it is the
//! orders' age that tells whether their purpose has ended (PIPL Art. 19, 47).
//!
//! The factors answer the questions of a personal information protection impact
//! assessment (PIPL Art. 55-56): how sensitive, how many people, kept how long, open to
//! whom. The weights favour the first: a few hundred IDs outrank a large list of e-mails.
//!
//! The helpers for what a file holds and how old it is live here and are shared with the
//! policy, so the score and the actions never disagree about a file.

use super::{FileEntry, Risk, RiskFactors, Severity};
use crate::finding::{Category, Sensitivity};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// `what` for files with sensitive personal information (PIPL Art. 28).
pub const WHAT_SENSITIVE: u32 = 30;
/// Added to `what` when the file holds resident IDs of children under 14.
pub const WHAT_MINORS: u32 = 10;
/// `what` for files with only general personal information.
pub const WHAT_GENERAL: u32 = 15;
/// Points per tenfold increase in distinct values.
pub const VOLUME_PER_DECADE: f64 = 10.0;
pub const VOLUME_MAX: u32 = 30;
/// Data at least this old is past a typical order's after-sales purpose.
pub const STALE_AFTER_DAYS: u64 = 365;
pub const AGE_STALE: u32 = 8;
/// Data older than this is kept long past any order's purpose.
pub const OLD_AFTER_DAYS: u64 = 3 * 365;
pub const AGE_OLD: u32 = 15;
pub const EXPOSURE_WORLD_READABLE: u32 = 15;
/// Scores from which a file is `high` or `medium` risk.
pub const HIGH_FROM: u32 = 60;
pub const MEDIUM_FROM: u32 = 30;

const SECONDS_PER_DAY: u64 = 86_400;

/// The risk of one file at `now`; None for a file without findings and for an archive
/// (its members are judged one by one).
pub fn assess(file: &FileEntry, now: SystemTime) -> Option<Risk> {
    if file.findings == 0 || file.archive {
        return None;
    }
    let factors = RiskFactors {
        what: what_factor(file),
        volume: volume_factor(distinct_values(file)),
        age: age_factor(data_age_days(file, now)),
        exposure: if file.world_readable {
            EXPOSURE_WORLD_READABLE
        } else {
            0
        },
    };
    let score = factors.what + factors.volume + factors.age + factors.exposure;
    let level = if score >= HIGH_FROM {
        Severity::High
    } else if score >= MEDIUM_FROM {
        Severity::Medium
    } else {
        Severity::Low
    };
    Some(Risk {
        score,
        level,
        factors,
    })
}

fn what_factor(file: &FileEntry) -> u32 {
    // Minors' IDs are resident IDs, so they count as sensitive even if an inconsistent
    // inventory says otherwise.
    if holds_sensitive(file) || file.minors > 0 {
        WHAT_SENSITIVE + if file.minors > 0 { WHAT_MINORS } else { 0 }
    } else {
        WHAT_GENERAL
    }
}

fn volume_factor(distinct: u64) -> u32 {
    let points = (VOLUME_PER_DECADE * (1.0 + distinct as f64).log10()).round();
    (points as u32).min(VOLUME_MAX)
}

fn age_factor(age_days: Option<u64>) -> u32 {
    match age_days {
        Some(days) if days > OLD_AFTER_DAYS => AGE_OLD,
        Some(days) if days >= STALE_AFTER_DAYS => AGE_STALE,
        _ => 0,
    }
}

/// Distinct values in the file (all detectors); its findings for inventories without
/// distinct counts.
pub fn distinct_values(file: &FileEntry) -> u64 {
    if file.distinct.is_empty() {
        file.findings
    } else {
        file.distinct.values().fold(0u64, |sum, n| sum.saturating_add(*n))
    }
}

/// Categories of PIPL sensitive personal information (Art. 28) among those pimap finds.
pub fn is_sensitive(category: Category) -> bool {
    matches!(
        category,
        Category::NationalId | Category::BankCard | Category::Passport
    )
}

/// The file holds sensitive personal information, by its recorded class or its categories.
pub fn holds_sensitive(file: &FileEntry) -> bool {
    file.sensitivity == Some(Sensitivity::Sensitive)
        || category_findings(file).keys().any(|c| is_sensitive(*c))
}

/// Findings per category (only categories with findings). Inventories without
/// `by_category` are read through the core detectors' categories.
pub fn category_findings(file: &FileEntry) -> BTreeMap<Category, u64> {
    let mut counts = BTreeMap::new();
    let named: Vec<(Option<Category>, u64)> = if file.by_category.is_empty() {
        file.by_detector
            .iter()
            .map(|(detector, n)| (builtin_detector_category(detector), *n))
            .collect()
    } else {
        file.by_category
            .iter()
            .map(|(name, n)| (category_named(name), *n))
            .collect()
    };
    for (category, n) in named {
        if let (Some(category), 1..) = (category, n) {
            let sum: &mut u64 = counts.entry(category).or_default();
            *sum = sum.saturating_add(n);
        }
    }
    counts
}

/// The category with this contract name.
pub fn category_named(name: &str) -> Option<Category> {
    Category::ALL.into_iter().find(|c| c.as_str() == name)
}

/// The category of a built-in detector (`detectors/*.toml`), for inventories written before
/// columns and files named their categories.
pub fn builtin_detector_category(detector: &str) -> Option<Category> {
    crate::detect::builtin_spec(detector).map(|s| s.category)
}

/// Whole days from the data's date to `now`: from the newest date found inside the file,
/// else from its modification time; None when neither can be read. Dates after `now` give 0.
pub fn data_age_days(file: &FileEntry, now: SystemTime) -> Option<u64> {
    let newest_inside = file.newest_date.as_deref().and_then(parse_date);
    let dated = newest_inside.or_else(|| file.modified.as_deref().and_then(parse_time))?;
    let age = now.duration_since(dated).unwrap_or(Duration::ZERO);
    Some(age.as_secs() / SECONDS_PER_DAY)
}

/// `YYYY-MM-DD` as midnight UTC (a full timestamp is accepted too).
fn parse_date(text: &str) -> Option<SystemTime> {
    if text.len() == "YYYY-MM-DD".len() {
        parse_time(&format!("{text}T00:00:00Z"))
    } else {
        parse_time(text)
    }
}

/// RFC 3339 time; offsets other than UTC (`+08:00`) are applied, which humantime leaves out.
fn parse_time(text: &str) -> Option<SystemTime> {
    if let Ok(t) = humantime::parse_rfc3339_weak(text) {
        return Some(t);
    }
    let offset_at = text.len().checked_sub("+08:00".len())?;
    let (local, offset) = (text.get(..offset_at)?, text.get(offset_at..)?.as_bytes());
    let sign = offset[0];
    if !(sign == b'+' || sign == b'-') || offset[3] != b':' {
        return None;
    }
    let hours: u64 = std::str::from_utf8(&offset[1..3]).ok()?.parse().ok()?;
    let minutes: u64 = std::str::from_utf8(&offset[4..6]).ok()?.parse().ok()?;
    let shift = Duration::from_secs(hours * 3600 + minutes * 60);
    let local = humantime::parse_rfc3339_weak(local).ok()?;
    // Local time = UTC + offset, so UTC = local - offset.
    if sign == b'+' {
        local.checked_sub(shift)
    } else {
        local.checked_add(shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        humantime::parse_rfc3339(text).unwrap()
    }

    fn now() -> SystemTime {
        at("2026-06-01T00:00:00Z")
    }

    fn file(by_category: &[(&str, u64)]) -> FileEntry {
        FileEntry {
            path: "orders.csv".into(),
            findings: by_category.iter().map(|(_, n)| n).sum(),
            by_category: by_category.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn no_findings_no_risk() {
        assert_eq!(assess(&file(&[]), now()), None);
        let mut archive = file(&[("phone", 5)]);
        archive.archive = true;
        assert_eq!(assess(&archive, now()), None);
    }

    #[test]
    fn general_data_small_fresh_private_is_low() {
        let mut f = file(&[("phone", 9)]);
        f.distinct = [("cn_mobile".to_string(), 9)].into();
        f.modified = Some("2026-05-01T00:00:00Z".into());
        let risk = assess(&f, now()).unwrap();
        // 10 × log10(10) = 10.
        assert_eq!(
            risk.factors,
            RiskFactors {
                what: WHAT_GENERAL,
                volume: 10,
                age: 0,
                exposure: 0
            }
        );
        assert_eq!(risk.score, 25);
        assert_eq!(risk.level, Severity::Low);
    }

    #[test]
    fn sensitive_large_old_world_readable_is_high() {
        let mut f = file(&[("national_id", 5000), ("phone", 5000)]);
        f.distinct = [
            ("cn_resident_id".to_string(), 4000),
            ("cn_mobile".to_string(), 4000),
        ]
        .into();
        f.newest_date = Some("2021-01-01".into());
        f.world_readable = true;
        f.minors = 3;
        let risk = assess(&f, now()).unwrap();
        assert_eq!(
            risk.factors,
            RiskFactors {
                what: WHAT_SENSITIVE + WHAT_MINORS,
                volume: VOLUME_MAX,
                age: AGE_OLD,
                exposure: EXPOSURE_WORLD_READABLE
            }
        );
        assert_eq!(risk.score, 100);
        assert_eq!(risk.level, Severity::High);
    }

    #[test]
    fn sensitivity_field_alone_counts() {
        let mut f = file(&[("other", 3)]);
        f.sensitivity = Some(Sensitivity::Sensitive);
        assert_eq!(assess(&f, now()).unwrap().factors.what, WHAT_SENSITIVE);
        // Categories alone count too, and older inventories are read by detector.
        let mut by_detector = FileEntry {
            findings: 2,
            by_detector: [("bank_card".to_string(), 2)].into(),
            ..Default::default()
        };
        assert_eq!(assess(&by_detector, now()).unwrap().factors.what, WHAT_SENSITIVE);
        by_detector.by_detector = [("cn_mobile".to_string(), 2)].into();
        assert_eq!(assess(&by_detector, now()).unwrap().factors.what, WHAT_GENERAL);
    }

    #[test]
    fn volume_uses_findings_without_distinct_counts() {
        let f = file(&[("email", 99)]);
        // round(10 × log10(100)) = 20.
        assert_eq!(assess(&f, now()).unwrap().factors.volume, 20);
        assert_eq!(volume_factor(0), 0);
        assert_eq!(volume_factor(1), 3);
        assert_eq!(volume_factor(u64::MAX), VOLUME_MAX);
    }

    #[test]
    fn age_boundaries() {
        assert_eq!(age_factor(None), 0);
        assert_eq!(age_factor(Some(364)), 0);
        assert_eq!(age_factor(Some(365)), AGE_STALE);
        assert_eq!(age_factor(Some(1095)), AGE_STALE);
        assert_eq!(age_factor(Some(1096)), AGE_OLD);
    }

    #[test]
    fn level_boundaries() {
        // what 15 + volume 15 (round(10 × log10(32)) = 15) = 30: medium.
        let mut f = file(&[("phone", 31)]);
        assert_eq!(assess(&f, now()).unwrap().score, 30);
        assert_eq!(assess(&f, now()).unwrap().level, Severity::Medium);
        // + exposure 15 + age 15 = 60: high.
        f.world_readable = true;
        f.newest_date = Some("2020-01-01".into());
        assert_eq!(assess(&f, now()).unwrap().score, 60);
        assert_eq!(assess(&f, now()).unwrap().level, Severity::High);
    }

    #[test]
    fn data_age_prefers_the_newest_date_inside() {
        let mut f = file(&[("phone", 1)]);
        f.modified = Some("2026-05-31T00:00:00Z".into());
        f.newest_date = Some("2023-06-01".into());
        assert_eq!(data_age_days(&f, now()), Some(1096));
        f.newest_date = None;
        assert_eq!(data_age_days(&f, now()), Some(1));
    }

    #[test]
    fn data_age_survives_odd_times() {
        let mut f = file(&[("phone", 1)]);
        assert_eq!(data_age_days(&f, now()), None);
        for odd in [
            "",
            "yesterday",
            "2026-13-45",
            "２０２４-01-01",
            "2026-01-01T00:00:00+0x:00",
            "-",
        ] {
            f.newest_date = Some(odd.into());
            f.modified = Some(odd.into());
            assert_eq!(data_age_days(&f, now()), None, "{odd:?}");
            assert!(assess(&f, now()).is_some());
        }
        // An unreadable date inside falls back to the modification time.
        f.modified = Some("2025-06-01T00:00:00Z".into());
        assert_eq!(data_age_days(&f, now()), Some(365));
        // The future is age 0, not an error.
        f.newest_date = Some("2030-01-01".into());
        assert_eq!(data_age_days(&f, now()), Some(0));
    }

    #[test]
    fn offsets_are_applied() {
        assert_eq!(
            parse_time("2026-05-31T08:00:00+08:00"),
            Some(at("2026-05-31T00:00:00Z"))
        );
        assert_eq!(
            parse_time("2026-05-30T19:00:00-05:00"),
            Some(at("2026-05-31T00:00:00Z"))
        );
        assert_eq!(
            parse_time("2026-05-31T00:00:00Z"),
            Some(at("2026-05-31T00:00:00Z"))
        );
    }
}
