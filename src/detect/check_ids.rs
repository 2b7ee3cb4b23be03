//! Validators of identity documents other than the mainland resident ID (issue 14): the
//! residence permits of Hong Kong, Macau and Taiwan residents, the foreigner's permanent
//! residence ID, the Hong Kong and Taiwan identity cards, and the unified social credit code
//! that organisations carry (recognised so that it is not taken for a person's number).
//! Formats and check algorithms: `../shared/design/detectors.md` §1.1 and §5.

use super::check::{mod11_2_check, plausible_birth_date, resident_id_18, today, Validity};
use super::region::{self, RegionMatch};

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0'))
}

fn verdict(ok: bool) -> Validity {
    if ok {
        Validity::Valid
    } else {
        Validity::Invalid
    }
}

/// 17 digits, a MOD 11-2 check character and a birth date 1900..today at positions 7-14:
/// what the residence permit and the 2023 permanent residence ID share with GB 11643.
fn mod11_2_with_birth_date(b: &[u8]) -> bool {
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if mod11_2_check(&b[..17]) != b[17] {
        return false;
    }
    let year = number(&b[6..10]);
    year >= 1900 && plausible_birth_date(year, number(&b[10..12]), number(&b[12..14]), today())
}

/// Residence permit of Hong Kong, Macau or Taiwan residents (港澳台居民居住证, 2018): an
/// 18-character GB 11643 number whose address code is 810000, 820000 or 830000.
pub fn residence_permit(v: &str) -> Validity {
    let b = v.as_bytes();
    let prefix = b.len() == 18 && matches!(&b[..6], b"810000" | b"820000" | b"830000");
    verdict(prefix && mod11_2_with_birth_date(b))
}

/// Foreigner's permanent residence ID, 2023 card: 18 characters, first digit 9 (no
/// resident ID starts with 9), the province that accepted it at positions 2-3, MOD 11-2
/// check as GB 11643, birth date at positions 7-14.
pub fn foreign_pr_2023(v: &str) -> Validity {
    let b = v.as_bytes();
    let province = b.len() == 18
        && b[1..3].iter().all(u8::is_ascii_digit)
        && matches!(number(&b[1..3]), 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65);
    verdict(b.first() == Some(&b'9') && province && mod11_2_with_birth_date(b))
}

/// Hong Kong identity card: 1 or 2 letters, 6 digits, check character 0-9 or A (brackets
/// already removed). Letters are worth A=10..Z=35, a single letter is led by a space worth
/// 36; weights 9..2 over the 8 positions; check = (11 - S mod 11) mod 11, 10 written `A`.
pub fn hk_id(v: &str) -> Validity {
    let b = v.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if !(b.len() == 8 || b.len() == 9) || letters != b.len() - 7 {
        return Validity::Invalid;
    }
    if !b[letters..b.len() - 1].iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => u32::from(c - b'0'),
        }
    };
    let mut sum = if letters == 1 { 36 * 9 } else { 0 };
    let body = &b[..b.len() - 1];
    let first_weight = if letters == 1 { 8 } else { 9 };
    for (i, &c) in body.iter().enumerate() {
        sum += value(c) * (first_weight - i as u32);
    }
    let check = (11 - sum % 11) % 11;
    let want = if check == 10 { b'A' } else { b'0' + check as u8 };
    verdict(b[b.len() - 1] == want)
}

/// Taiwan national ID (and the 2021 resident certificate): a letter, 1/2 (or 8/9 for
/// foreign residents), 8 digits. The letter maps to two digits (A=10 … with I=34, O=35,
/// W=32, X=30, Y=31, Z=33); weights 1,9,8,7,6,5,4,3,2,1,1; the sum is ≡ 0 (mod 10).
pub fn tw_id(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() != 10 || !b[0].is_ascii_uppercase() || !b[1..].iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    if !matches!(b[1], b'1' | b'2' | b'8' | b'9') {
        return Validity::Invalid;
    }
    const CODES: [u32; 26] = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31,
        33,
    ];
    let code = CODES[usize::from(b[0] - b'A')];
    let mut sum = code / 10 + (code % 10) * 9;
    for (i, &c) in b[1..].iter().enumerate() {
        let w = if i < 8 { 8 - i as u32 } else { 1 };
        sum += u32::from(c - b'0') * w;
    }
    verdict(sum.is_multiple_of(10))
}

/// The 31 symbols of GB 32100 (no I, O, S, V, Z), in value order.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Unified social credit code (GB 32100-2015): registration authority and entity type, a
/// known region code (100000 for national bodies), organisation code, and the mod-31 check
/// (weights 3^i mod 31). A value that is also a valid resident ID is left to be one: the
/// code's job is to keep organisation numbers from being taken for people's.
pub fn uscc(v: &str) -> Validity {
    let b = v.as_bytes();
    if b.len() != 18 {
        return Validity::Invalid;
    }
    let types: &[u8] = match b[0] {
        b'1' | b'5' => b"1239",
        b'9' => b"123",
        b'2' | b'4' | b'6' | b'8' | b'A' => b"19",
        b'3' => b"123459",
        b'7' => b"129",
        b'N' => b"1239",
        b'Y' => b"1",
        _ => return Validity::Invalid,
    };
    if !types.contains(&b[1]) || !b[2..8].iter().all(u8::is_ascii_digit) {
        return Validity::Invalid;
    }
    let code = number(&b[2..8]);
    if code != 100_000
        && !matches!(
            region::classify(code),
            RegionMatch::County | RegionMatch::Prefecture
        )
    {
        return Validity::Invalid;
    }
    let mut sum = 0;
    let mut weight = 1;
    for &c in &b[..17] {
        let Some(value) = USCC_ALPHABET.iter().position(|&a| a == c) else {
            return Validity::Invalid;
        };
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let check = USCC_ALPHABET[(31 - sum % 31) % 31];
    if b[17] != check || resident_id_18(v) != Validity::Invalid {
        return Validity::Invalid;
    }
    Validity::Valid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(s17: &str) -> String {
        format!("{s17}{}", mod11_2_check(s17.as_bytes()) as char)
    }

    #[test]
    fn residence_permits() {
        assert_eq!(residence_permit("810000199001010019"), Validity::Valid);
        assert_eq!(
            residence_permit(&with_check("83000019851231004")),
            Validity::Valid
        );
        assert_eq!(residence_permit("810000199001010018"), Validity::Invalid);
        // A mainland ID is not a permit.
        assert_eq!(residence_permit("11010519491231002X"), Validity::Invalid);
        // 31 February.
        assert_eq!(
            residence_permit(&with_check("82000019900231001")),
            Validity::Invalid
        );
    }

    #[test]
    fn foreign_permanent_residence_2023() {
        let id = with_check("93184019850612001");
        assert_eq!(foreign_pr_2023(&id), Validity::Valid);
        assert_eq!(resident_id_18(&id), Validity::Invalid);
        let mut broken = id.clone().into_bytes();
        broken[17] = if broken[17] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            foreign_pr_2023(std::str::from_utf8(&broken).unwrap()),
            Validity::Invalid
        );
        assert_eq!(foreign_pr_2023("11010519491231002X"), Validity::Invalid);
        // No province 99.
        assert_eq!(
            foreign_pr_2023(&with_check("99011219841015495")),
            Validity::Invalid
        );
    }

    #[test]
    fn hong_kong_published_examples() {
        assert_eq!(hk_id("A1234563"), Validity::Valid);
        assert_eq!(hk_id("AB9876543"), Validity::Valid);
        assert_eq!(hk_id("G123456A"), Validity::Valid);
        assert_eq!(hk_id("A1234564"), Validity::Invalid);
        assert_eq!(hk_id("A123456"), Validity::Invalid);
    }

    #[test]
    fn taiwan_published_examples() {
        assert_eq!(tw_id("A123456789"), Validity::Valid);
        assert_eq!(tw_id("A123456788"), Validity::Invalid);
        assert_eq!(tw_id("A323456789"), Validity::Invalid);
    }

    #[test]
    fn uscc_published_examples() {
        assert_eq!(uscc("91110000600037341L"), Validity::Valid);
        assert_eq!(uscc("91310000775785552L"), Validity::Valid);
        assert_eq!(uscc("91110000600037341M"), Validity::Invalid);
        // A valid resident ID stays one.
        assert_eq!(uscc("11010519491231002X"), Validity::Invalid);
    }
}
