//! Checksums and plausibility checks, called on normalized values only.
//!
//! Each validator answers `Valid`, `Weak` (the hard checks pass, a soft signal fails: keep
//! the value at reduced confidence) or `Invalid` (drop it). Detector files name them through
//! `VALIDATORS`. Adding a checksum = one `fn` here, one row in the table, one test below.

use super::check_ids;
use super::region;

/// A validator's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Weak,
    Invalid,
}

/// A validator: normalized value in, verdict out.
pub type Validator = fn(&str) -> Validity;

/// The validators detector files may name.
pub const VALIDATORS: &[(&str, Validator)] = &[
    ("gb11643", resident_id_18),
    ("gb11643_legacy15", resident_id_15),
    ("mobile_segment", mobile_segment),
    ("landline_area_code", landline_area_code),
    ("privacy_number", privacy_number),
    ("card_iin_luhn", card_iin_luhn),
    ("email_domain", email_domain),
    ("gb11643_residence_permit", check_ids::residence_permit),
    ("foreign_pr_2023", check_ids::foreign_pr_2023),
    ("hkid_mod11", check_ids::hk_id),
    ("twid_checksum", check_ids::tw_id),
    ("gb32100", check_ids::uscc),
    ("luhn", |v| {
        if luhn(v) {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    }),
];

/// Looks a validator up by its detector-file name. A built-in detector's id names the
/// validator of its first validated pattern (`validator = "bank_card"`: as `bank_card`
/// checks), which also keeps detector files written before the validators had names of
/// their own working.
pub fn validator(name: &str) -> Option<Validator> {
    let by_name = |name: &str| VALIDATORS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
    by_name(name).or_else(|| {
        let spec = super::builtin_spec(name)?;
        spec.patterns
            .iter()
            .find_map(|p| p.validator.as_deref())
            .and_then(by_name)
    })
}

fn digit(b: u8) -> u32 {
    (b - b'0') as u32
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643-1999 §5.2):
/// weights 2^(18-i) mod 11, check = "10X98765432"[sum mod 11].
pub fn mod11_2_check(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&b, w)| digit(b) * w).sum();
    CHECK[(sum % 11) as usize]
}

/// Proleptic Gregorian date check; `today` bounds it from above (no births in the future).
pub(super) fn plausible_birth_date(year: u32, month: u32, day: u32, today: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days && year * 10_000 + month * 100 + day <= today
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, &b| n * 10 + digit(b))
}

/// 18-character PRC resident ID (GB 11643-1999): all digits but an optional final `X`,
/// MOD 11-2 check character, a real birth date 1870..today, a known province. The county
/// code is a soft signal: numbers never change when counties are renamed or merged, so an
/// unknown county under a known prefecture is `Weak`, not `Invalid` (detectors.md §1.4).
pub fn resident_id_18(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X') || mod11_2_check(&b[..17]) != b[17] {
        return Validity::Invalid;
    }
    let year = number(&b[6..10]);
    if year < 1870 || !plausible_birth_date(year, number(&b[10..12]), number(&b[12..14]), today()) {
        return Validity::Invalid;
    }
    let weak_year = year < 1900;
    match region::classify(number(&b[..6])) {
        region::RegionMatch::Invalid => Validity::Invalid,
        region::RegionMatch::County if !weak_year => Validity::Valid,
        _ => Validity::Weak,
    }
}

/// 15-digit legacy ID (GB 11643-1989): region + YYMMDD (19YY) + sequence, no check digit.
/// Always `Weak` at best: without a checksum only context makes it an ID (waybills collide).
pub fn resident_id_15(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() != 15 || !b.iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    let year = 1900 + number(&b[6..8]);
    if !plausible_birth_date(year, number(&b[8..10]), number(&b[10..12]), today()) {
        return Validity::Invalid;
    }
    match region::classify(number(&b[..6])) {
        region::RegionMatch::County => Validity::Weak,
        _ => Validity::Invalid,
    }
}

/// Today as YYYYMMDD (UTC), computed once.
pub(super) fn today() -> u32 {
    use std::sync::OnceLock;
    static TODAY: OnceLock<u32> = OnceLock::new();
    *TODAY.get_or_init(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (y, m, d) = civil_from_days((secs / 86_400) as i64);
        (y as u32) * 10_000 + m * 100 + d
    })
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's public-domain algorithm.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Mainland mobile number, 11 digits, in an allocated segment. The segment list follows
/// libphonenumber's CN mobile metadata (9.0.x), see detectors.md §2.1: all of 13x, 18x;
/// 145 147; 15x but 154; 19x but 194; 162 165 166 167; 170-173 175-178; 1610x; 17400-17405.
/// 14x IoT blocks and unallocated segments are not personal numbers.
pub fn mobile_segment(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() != 11 || b[0] != b'1' || !b.iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    let ok = match (b[1], b[2]) {
        (b'3' | b'8', _) => true,
        (b'4', b'5' | b'7') => true,
        (b'5', c) => c != b'4',
        (b'9', c) => c != b'4',
        (b'6', b'2' | b'5' | b'6' | b'7') => true,
        (b'6', b'1') => b[3] == b'0',
        (b'7', b'0'..=b'3' | b'5'..=b'8') => true,
        (b'7', b'4') => b[3] == b'0' && b[4] <= b'5',
        _ => false,
    };
    if ok {
        Validity::Valid
    } else {
        Validity::Invalid
    }
}

/// Platform virtual number: an 11-digit host number in an allocated mobile segment followed
/// by its 4-digit extension (`17012345678` + `1234`), as Taobao, Pinduoduo and WeChat shops
/// issue them (detectors.md §2.1).
pub fn privacy_number(v: &str) -> Validity {
    if v.len() != 15 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Validity::Invalid;
    }
    mobile_segment(&v[..11])
}

/// Mainland landline with its trunk 0: 3-digit area codes 010, 020-025, 027-029 take 8-digit
/// numbers; 4-digit codes 03xx-09xx take 7 or 8. Subscriber numbers do not start with 0 or 1,
/// nor with 95/96 (national and local service codes such as 95588); 400/800 numbers are
/// business numbers and never start with 0, so they fail here by construction.
pub fn landline_area_code(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() < 10 || b.len() > 12 || b[0] != b'0' || !b.iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    let area_len = match (b[1], b[2]) {
        (b'1', b'0') => 3,
        (b'2', b'0'..=b'5' | b'7'..=b'9') => 3,
        (b'3'..=b'9', _) => 4,
        _ => return Validity::Invalid,
    };
    let subscriber = &b[area_len..];
    let len_ok = if area_len == 3 {
        subscriber.len() == 8
    } else {
        subscriber.len() == 7 || subscriber.len() == 8
    };
    let service = subscriber[0] == b'9' && matches!(subscriber[1], b'5' | b'6');
    if len_ok && (b'2'..=b'9').contains(&subscriber[0]) && !service {
        Validity::Valid
    } else {
        Validity::Invalid
    }
}

/// Luhn (ISO/IEC 7812-1 Annex B): from the right, double every second digit.
pub fn luhn(v: &str) -> bool {
    let mut sum = 0;
    for (i, b) in v.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = digit(b);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !v.is_empty() && sum % 10 == 0
}

/// Which card scheme an IIN prefix belongs to, with the lengths it issues (detectors.md §3.1).
fn card_scheme(b: &[u8]) -> Option<(&'static str, &'static [usize])> {
    let p2 = number(&b[..2]);
    let p3 = number(&b[..3]);
    let p4 = number(&b[..4]);
    let p6 = number(&b[..6]);
    Some(match p2 {
        62 => ("unionpay", &[16, 17, 18, 19]),
        40..=49 => ("visa", &[16, 19]),
        51..=55 => ("mastercard", &[16]),
        22..=27 if (2221..=2720).contains(&p4) => ("mastercard", &[16]),
        35 if (3528..=3589).contains(&p4) => ("jcb", &[16, 17, 18, 19]),
        60 if p4 == 6011 => ("discover", &[16, 19]),
        64 | 65 if p3 >= 644 => ("discover", &[16, 19]),
        36 | 38 | 39 => ("diners", &[16, 17, 18, 19]),
        30 if (300..=305).contains(&p3) || p4 == 3095 => ("diners", &[16, 17, 18, 19]),
        // Chinese domestic BINs (MII 9 "national assignment" and 60xxxx bank BINs).
        95 | 94 | 91 | 98 | 84 | 87 | 68 => ("cn_domestic", &[16, 17, 18, 19]),
        60 if (601_000..=603_999).contains(&p6) => ("cn_domestic", &[16, 17, 18, 19]),
        _ => return None,
    })
}

/// A Chinese issuer prefix: some of these cards fail Luhn (hutool #2510, gogf/gf #3360).
fn chinese_bin(b: &[u8]) -> bool {
    let p2 = number(&b[..2]);
    matches!(p2, 62 | 95 | 94 | 91 | 98 | 84 | 87 | 68) || (601_000..=603_999).contains(&number(&b[..6]))
}

/// Bank card: 16-19 digits in a scheme's IIN range and length, Luhn-valid. A Chinese BIN that
/// fails Luhn is `Weak` (only reported with a card keyword or header).
pub fn card_iin_luhn(v: &str) -> Validity {
    let b = v.as_bytes();
    if !(16..=19).contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    if b.iter().all(|&d| d == b[0]) {
        return Validity::Invalid;
    }
    let Some((_, lengths)) = card_scheme(b) else {
        return Validity::Invalid;
    };
    if !lengths.contains(&b.len()) {
        return Validity::Invalid;
    }
    if luhn(v) {
        Validity::Valid
    } else if chinese_bin(b) {
        Validity::Weak
    } else {
        Validity::Invalid
    }
}

/// E-mail domain: at least two labels, sane label syntax, and a suffix in the Public Suffix
/// List (so `icon@2x.png` and `pkg@1.2.3` are rejected).
pub fn email_domain(v: &str) -> Validity {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return Validity::Invalid;
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 || v.len() > 254 {
        return Validity::Invalid;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Validity::Invalid;
    }
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'));
    if !labels_ok || !domain.contains('.') {
        return Validity::Invalid;
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if tld.bytes().all(|c| c.is_ascii_digit()) {
        return Validity::Invalid;
    }
    match psl::suffix(domain.as_bytes()) {
        Some(s) if s.is_known() && s.as_bytes().len() < domain.len() => Validity::Valid,
        _ => Validity::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod11_2_published_example_and_twin() {
        // The standard's own example and its broken twin.
        assert_eq!(resident_id_18("11010519491231002X"), Validity::Valid);
        assert_eq!(resident_id_18("110105194912310021"), Validity::Invalid);
        assert_eq!(mod11_2_check(b"11010519491231002"), b'X');
        // The standard's 1880 example: valid checksum, pre-1900 birth => weak.
        assert_eq!(resident_id_18("440524188001010014"), Validity::Weak);
        assert_eq!(resident_id_18("440524188001010015"), Validity::Invalid);
    }

    #[test]
    fn resident_id_dates_and_regions() {
        let with_check = |s17: &str| {
            let c = mod11_2_check(s17.as_bytes()) as char;
            format!("{s17}{c}")
        };
        // 29 February only in leap years.
        assert_eq!(resident_id_18(&with_check("11010520000229001")), Validity::Valid);
        assert_eq!(
            resident_id_18(&with_check("11010519990229001")),
            Validity::Invalid
        );
        // Born in the future.
        assert_eq!(
            resident_id_18(&with_check("11010521990101001")),
            Validity::Invalid
        );
        // Province 99 does not exist.
        assert_eq!(
            resident_id_18(&with_check("99010519900101001")),
            Validity::Invalid
        );
        // Retired county codes still validate (商水县 412723, retired 2000).
        assert_eq!(resident_id_18(&with_check("41272319900101001")), Validity::Valid);
        // Unknown county under a known prefecture: weak, not rejected.
        assert_eq!(resident_id_18(&with_check("11019819900101001")), Validity::Weak);
    }

    #[test]
    fn legacy_15_digit() {
        assert_eq!(resident_id_15("110105491231002"), Validity::Weak);
        assert_eq!(resident_id_15("110105491331002"), Validity::Invalid);
    }

    #[test]
    fn mobile_segments() {
        assert_eq!(mobile_segment("13812345678"), Validity::Valid);
        assert_eq!(mobile_segment("19212345678"), Validity::Valid);
        assert_eq!(mobile_segment("16101234567"), Validity::Valid);
        assert_eq!(mobile_segment("14012345678"), Validity::Invalid);
        assert_eq!(mobile_segment("15412345678"), Validity::Invalid);
        assert_eq!(mobile_segment("12812345678"), Validity::Invalid);
        assert_eq!(mobile_segment("17412345678"), Validity::Invalid);
        assert_eq!(mobile_segment("17400345678"), Validity::Valid);
    }

    #[test]
    fn privacy_numbers() {
        assert_eq!(privacy_number("170123456781234"), Validity::Valid);
        assert_eq!(privacy_number("130123456789876"), Validity::Valid);
        // The host number must be an allocated mobile segment.
        assert_eq!(privacy_number("140123456781234"), Validity::Invalid);
        assert_eq!(privacy_number("17012345678123"), Validity::Invalid);
        assert_eq!(privacy_number("1701234567812a4"), Validity::Invalid);
    }

    #[test]
    fn landlines() {
        assert_eq!(landline_area_code("01088888888"), Validity::Valid);
        assert_eq!(landline_area_code("075522345678"), Validity::Valid);
        // Subscriber numbers never start with 1.
        assert_eq!(landline_area_code("075512345678"), Validity::Invalid);
        assert_eq!(landline_area_code("05718765432"), Validity::Valid);
        assert_eq!(landline_area_code("0261234567"), Validity::Invalid);
        assert_eq!(landline_area_code("4008261180"), Validity::Invalid);
        assert_eq!(landline_area_code("01095588000"), Validity::Invalid);
        assert_eq!(landline_area_code("01096123456"), Validity::Invalid);
        assert_eq!(landline_area_code("01098765432"), Validity::Valid);
    }

    #[test]
    fn luhn_published_and_twin() {
        assert!(luhn("6222021234567890128"));
        assert!(!luhn("6222021234567890127"));
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert_eq!(card_iin_luhn("6222021234567890128"), Validity::Valid);
        // A real Chinese card number that fails Luhn (hutool #2510): weak, never dropped.
        assert_eq!(card_iin_luhn("6214832018989180"), Validity::Weak);
        // Luhn-valid but no card scheme starts with 1.
        assert_eq!(card_iin_luhn("1234567812345670"), Validity::Invalid);
        // Visa never issues 17 digits.
        assert_eq!(card_iin_luhn("41111111111111113"), Validity::Invalid);
    }

    #[test]
    fn email_domains() {
        assert_eq!(email_domain("zhang.san@163.com"), Validity::Valid);
        assert_eq!(email_domain("a@example.com.cn"), Validity::Valid);
        assert_eq!(email_domain("icon@2x.png"), Validity::Invalid);
        assert_eq!(email_domain("pkg@1.2.3"), Validity::Invalid);
        assert_eq!(email_domain("x@localhost"), Validity::Invalid);
        assert_eq!(email_domain("x@foo.notatld"), Validity::Invalid);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
