//! Values that were already masked before they reached the file (`138****5678`,
//! `110105********002X`, `6222 **** **** 1234`, `z***@example.com`, `浙江省杭州市****`).
//!
//! Platforms and careful sellers export masked values; they are minimized data, not findings,
//! and the inventory counts them so a column can be judged "already masked". Only the shape
//! is checked (there is nothing left to validate): the total length of digits and stars,
//! the visible prefix, an `@` for e-mails, a Chinese place before the stars for addresses.

use memchr::memchr_iter;

/// What a masked value was (detector files name these in `masked_shapes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskedKind {
    ResidentId,
    Mobile,
    Landline,
    BankCard,
    Email,
    Address,
    /// A platform virtual number's host number with its extension (`170****5678-1234`): it
    /// counts for the detector that reports the unmasked ones, not as a masked mobile.
    PrivacyNumber,
}

/// How many kinds there are (`MaskedKind as usize` indexes tables of this size).
pub const KINDS: usize = 7;

/// Hints from the column the text is in: the header settles lengths both IDs and cards have.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColumnHint {
    pub card: bool,
    pub address: bool,
}

/// Fewest mask characters for a run to count as masking (`1*3` is not a masked value).
const MIN_STARS: usize = 3;

/// Calls `found` once per masked value in `text`.
pub fn find_masked(text: &str, hint: ColumnHint, mut found: impl FnMut(MaskedKind)) {
    let bytes = text.as_bytes();
    // Only the ASCII star starts a search: exports mask with it, and looking for the
    // full-width '＊' would stop at every full-width comma of Chinese text (same first byte).
    let mut resume = 0;
    for at in memchr_iter(b'*', bytes) {
        if at < resume {
            continue;
        }
        let (start, end) = token_bounds(bytes, at);
        resume = end;
        let (start, end) = narrow(bytes, start, end, at);
        match classify(bytes, start, end, hint) {
            Some(MaskedKind::Mobile) if extension_after(bytes, end) => found(MaskedKind::PrivacyNumber),
            Some(kind) => found(kind),
            None => {}
        }
    }
}

fn is_star(b: &[u8], at: usize) -> bool {
    b[at] == b'*' || b[at..].starts_with("＊".as_bytes())
}

fn star_len(b: &[u8], at: usize) -> usize {
    if b[at] == b'*' {
        1
    } else {
        3
    }
}

fn is_email_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+' | b'*')
}

/// The masked token around the star at `at`: digits, stars, `X`, and single spaces or
/// hyphens between groups; for an e-mail, the local part and the domain.
fn token_bounds(b: &[u8], at: usize) -> (usize, usize) {
    let mut start = at;
    loop {
        if start > 0
            && (b[start - 1].is_ascii_alphanumeric() || matches!(b[start - 1], b'*' | b'.' | b'_' | b'+'))
        {
            start -= 1;
        } else if start >= 3 && b[start - 3..].starts_with("＊".as_bytes()) {
            start -= 3;
        } else if start >= 2
            && matches!(b[start - 1], b' ' | b'-')
            && (b[start - 2].is_ascii_digit() || b[start - 2] == b'*')
        {
            start -= 1;
        } else {
            break;
        }
    }
    let mut end = at;
    loop {
        if end < b.len() && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'.' | b'_' | b'+' | b'@')) {
            end += 1;
        } else if end < b.len() && is_star(b, end) {
            end += star_len(b, end);
        } else if end + 1 < b.len()
            && matches!(b[end], b' ' | b'-')
            && (b[end + 1].is_ascii_digit() || b[end + 1] == b'*')
            && !b[start..end].contains(&b'@')
        {
            end += 1;
        } else {
            break;
        }
    }
    (start, end)
}

/// Group lengths (characters between spaces or hyphens) of masked values written in groups:
/// phones 3-4-4 and area code + number, cards in fours (or 6-6-4), IDs 6-8-4. A token with
/// separators in any other layout is several things side by side (`2024-03-01 138****5678`).
const LAYOUTS: [&[usize]; 14] = [
    &[3, 4, 4],
    &[3, 8],
    &[4, 7],
    &[4, 8],
    &[4, 4, 4],
    &[4, 3, 4],
    &[4, 4, 4, 4],
    &[4, 4, 4, 3],
    &[4, 4, 4, 4, 3],
    &[4, 4, 4, 4, 2],
    &[4, 4, 4, 4, 4],
    &[6, 6, 4],
    &[6, 8, 4],
    &[6, 4, 4, 4],
];

/// The part of a token that is one value: the whole token if its groups form a known layout,
/// else the group holding the star at `at`.
fn narrow(b: &[u8], start: usize, end: usize, at: usize) -> (usize, usize) {
    // In an e-mail a hyphen is part of the address (`my-shop.com`); only spaces separate.
    let email = b[start..end].contains(&b'@');
    let is_separator = |i: usize| b[i] == b' ' || (b[i] == b'-' && !email);
    if !(start..end).any(is_separator) {
        return (start, end);
    }
    let mut lengths = Vec::new();
    let (mut group_start, mut chars, mut i) = (start, 0, start);
    let mut star_group = (start, end);
    while i <= end {
        if i == end || is_separator(i) {
            lengths.push(chars);
            if (group_start..i.max(group_start + 1)).contains(&at) {
                star_group = (group_start, i);
            }
            chars = 0;
            group_start = i + 1;
            i += 1;
        } else {
            chars += 1;
            i += if is_star(b, i) { star_len(b, i) } else { 1 };
        }
    }
    if LAYOUTS.contains(&lengths.as_slice()) {
        (start, end)
    } else {
        star_group
    }
}

fn classify(b: &[u8], start: usize, end: usize, hint: ColumnHint) -> Option<MaskedKind> {
    let token = &b[start..end];
    if let Some(at_sign) = token.iter().position(|&c| c == b'@') {
        return masked_email(token, at_sign).then_some(MaskedKind::Email);
    }
    let (mut digits, mut stars, mut letters, mut first_digit) = (0usize, 0usize, 0usize, None);
    let mut i = start;
    while i < end {
        if b[i].is_ascii_digit() {
            digits += 1;
            first_digit.get_or_insert(b[i]);
            i += 1;
        } else if is_star(b, i) {
            stars += 1;
            i += star_len(b, i);
        } else if matches!(b[i], b'X' | b'x') && i + 1 == end {
            letters += 1;
            i += 1;
        } else if matches!(b[i], b' ' | b'-') {
            i += 1;
        } else {
            // Letters inside: a product code or a password mask, not a number.
            return None;
        }
    }
    if stars < MIN_STARS {
        return None;
    }
    if digits == 0 {
        return masked_address(b, start, hint).then_some(MaskedKind::Address);
    }
    if digits < 2 {
        return None;
    }
    let starts_with_digit = b[start].is_ascii_digit();
    let len = digits + stars + letters;
    match (len, first_digit) {
        (11, Some(b'1')) if starts_with_digit => Some(MaskedKind::Mobile),
        (10..=12, Some(b'0')) if starts_with_digit => Some(MaskedKind::Landline),
        (18, _) | (15, _) if !hint.card && letters <= 1 => Some(MaskedKind::ResidentId),
        (16..=19, _) if letters == 0 => Some(MaskedKind::BankCard),
        _ => None,
    }
}

/// A 4-digit extension right after a masked mobile ending at `end`: `-1234`, `转1234`,
/// `分机1234`, `,1234`, `#1234` (the shapes `tokens::extension_at` reads for unmasked ones).
fn extension_after(b: &[u8], end: usize) -> bool {
    let span = if b.get(end) == Some(&b'-') {
        let digits = b[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        Some((end + 1, end + 1 + digits))
    } else {
        super::tokens::extension_at(b, end)
    };
    span.is_some_and(|(s, e)| e - s == 4 && !b.get(e).is_some_and(|c| c.is_ascii_digit() || *c == b'*'))
}

/// `z***@example.com`: stars in the local part, a dotted domain after the `@`.
fn masked_email(token: &[u8], at_sign: usize) -> bool {
    let (local, domain) = (&token[..at_sign], &token[at_sign + 1..]);
    let stars = local.iter().filter(|&&c| c == b'*').count();
    stars >= MIN_STARS.min(local.len())
        && stars > 0
        && local.iter().all(|&c| is_email_local(c))
        && domain.contains(&b'.')
        && !domain.contains(&b'*')
        && domain
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        && !domain.starts_with(b".")
        && !domain.ends_with(b".")
}

/// Place words that make stars after Chinese text an address mask rather than a masked name
/// (`张**`) or a censored word.
const PLACE_WORDS: [&str; 10] = ["省", "市", "区", "县", "镇", "乡", "街道", "路", "村", "自治州"];

/// Stars with no digits: an address if the text just before ends in a place word (or the
/// column is an address column and a Chinese character precedes the stars).
fn masked_address(b: &[u8], start: usize, hint: ColumnHint) -> bool {
    let mut from = start.saturating_sub(12);
    // Start on a character boundary (skip UTF-8 continuation bytes).
    while from < start && (0x80..0xC0).contains(&b[from]) {
        from += 1;
    }
    let Ok(before) = std::str::from_utf8(&b[from..start]) else {
        return false;
    };
    let before = before.trim_end();
    let cjk_before = before
        .chars()
        .last()
        .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    cjk_before && (hint.address || PLACE_WORDS.iter().any(|w| before.ends_with(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, hint: ColumnHint) -> Vec<MaskedKind> {
        let mut out = Vec::new();
        find_masked(text, hint, |k| out.push(k));
        out
    }

    #[test]
    fn masked_values_of_each_kind() {
        let none = ColumnHint::default();
        use MaskedKind::*;
        let cases: [(&str, &[MaskedKind]); 26] = [
            ("138****5678", &[Mobile]),
            ("手机 138-****-5678 已发货", &[Mobile]),
            ("110105********002X", &[ResidentId]),
            ("1101**********0021", &[ResidentId]),
            ("110105******002", &[ResidentId]),
            ("6222 **** **** 1234", &[BankCard]),
            ("622202******1234", &[BankCard]),
            ("0755-****5678", &[Landline]),
            ("联系 z***@example.com 谢谢", &[Email]),
            ("浙江省杭州市西湖区****", &[Address]),
            ("138*＊＊＊5678", &[Mobile]),
            ("a, 138****5678, 139****0000", &[Mobile, Mobile]),
            ("13812345678", &[]),
            ("2024-03-01 138****5678 已签收", &[Mobile]),
            ("订单 12345 138****5678", &[Mobile]),
            ("数量 2 139****0000", &[Mobile]),
            ("110105 ******** 002X", &[ResidentId]),
            ("0755-****-5678", &[Landline]),
            ("qty 12 z***@example.com", &[Email]),
            ("密码 ******", &[]),
            // Platform virtual numbers: host number and extension.
            ("170****5678-1234", &[PrivacyNumber]),
            ("收货人 130****5678转1234", &[PrivacyNumber]),
            ("171****4321分机0042", &[PrivacyNumber]),
            (
                "170****5678,1234 170****5678#1234",
                &[PrivacyNumber, PrivacyNumber],
            ),
            // A different extension length or a space: a masked mobile and a number.
            ("170****5678-12345", &[Mobile]),
            ("170****5678 1234", &[Mobile]),
        ];
        for (text, want) in cases {
            assert_eq!(kinds(text, none), want, "{text}");
        }
    }

    #[test]
    fn look_alikes_are_not_masked_values() {
        let none = ColumnHint::default();
        for text in [
            "张**",                 // a masked name: not a detector's kind
            "1*3 = 3",              // arithmetic
            "SKU-AB****12",         // a code with letters
            "****",                 // nothing left to say what it was
            "2*3*4",                // too few stars per run
            "rating ***** 5 stars", // stars without digits or place
            "@***",                 // no local part, no domain
            "a***@b",               // no dotted domain
            "12****",               // too short for any kind
        ] {
            assert_eq!(kinds(text, none), [], "{text}");
        }
    }

    #[test]
    fn column_hints_settle_lengths() {
        let card = ColumnHint {
            card: true,
            address: false,
        };
        assert_eq!(kinds("622202**********12", card), [MaskedKind::BankCard]);
        assert_eq!(
            kinds("622202**********12", ColumnHint::default()),
            [MaskedKind::ResidentId]
        );
        let address = ColumnHint {
            card: false,
            address: true,
        };
        assert_eq!(kinds("西湖****", address), [MaskedKind::Address]);
        assert_eq!(kinds("西湖****", ColumnHint::default()), []);
    }
}
