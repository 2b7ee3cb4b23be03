//! Candidate extraction: the only code that looks at every byte of the text.
//!
//! Instead of running one regex per detector over the text, the engine finds the few places
//! that can hold a value (digit runs, `@`) and hands those to the detectors. A digit token
//! is a run of ASCII or full-width digits, possibly split into groups by one space, hyphen
//! or dot (`138 1234 5678`, `6222-0212-…`), possibly ending in a check `X` or an extension
//! (`17012345678转1234`). A token touching an ASCII letter or another digit is not a value
//! (order numbers, hashes, SKU codes): that is the digit-boundary rule, enforced here once
//! for every detector.

/// Most groups a token keeps; longer chains (version strings, OIDs) are cut here.
pub const MAX_GROUPS: usize = 12;

/// What joins a group to the one before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sep {
    /// The token's first group.
    #[default]
    None,
    Space,
    Hyphen,
    /// `.`: a dotted phone (`138.1234.5678`), or the decimal point of an amount.
    Dot,
    /// The group follows a bracketed area code: `(0755)37097734`.
    Bracket,
    /// An extension marker (`转`, `分机`, `,`, `#`) before the last group: `17012345678转1234`.
    Extension,
}

/// One group of a digit token.
#[derive(Debug, Clone, Copy, Default)]
pub struct Group {
    /// Index of the group's first digit in `DigitToken::digits`.
    pub digit_start: usize,
    /// Digits in the group (a trailing check `X` counts).
    pub len: usize,
    /// Byte span of the group in the text.
    pub start: usize,
    pub end: usize,
    /// What joins it to the group before.
    pub sep: Sep,
}

/// A run of digit groups with its normalized digits (ASCII, upper-case `X`).
#[derive(Debug, Default)]
pub struct DigitToken {
    pub digits: Vec<u8>,
    pub groups: Vec<Group>,
    /// The first group touches a letter or digit before it: no window may include it.
    pub attached_start: bool,
    /// The last group touches a letter or digit after it.
    pub attached_end: bool,
    /// The token is followed by `@`: its digits may be an e-mail's local part (the engine
    /// knows whether a real e-mail follows).
    pub before_at: bool,
    /// A chain longer than `MAX_GROUPS` is read as several tokens: the width of the group
    /// just before this token in the same chain (0: none), and just after it.
    pub width_before: usize,
    pub width_after: usize,
}

impl DigitToken {
    /// All digits of the token.
    pub fn all(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or("")
    }
}

#[inline]
fn is_ascii_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Length in bytes of a digit starting at `i` (1 for ASCII, 3 for full-width), or 0.
#[inline]
fn digit_at(text: &[u8], i: usize) -> (usize, u8) {
    let b = text[i];
    if b.is_ascii_digit() {
        (1, b)
    } else if b == 0xEF && i + 2 < text.len() && text[i + 1] == 0xBC && (0x90..=0x99).contains(&text[i + 2]) {
        (3, b'0' + (text[i + 2] - 0x90))
    } else {
        (0, 0)
    }
}

/// Is the character ending just before byte `i` a letter or digit (ASCII or full-width)?
fn touches_before(text: &[u8], i: usize) -> bool {
    if i == 0 {
        return false;
    }
    let b = text[i - 1];
    if is_ascii_alnum(b) {
        return true;
    }
    // Full-width digit U+FF10..FF19 is EF BC 90..99.
    i >= 3 && text[i - 3] == 0xEF && text[i - 2] == 0xBC && (0x90..=0x99).contains(&b)
}

fn touches_after(text: &[u8], i: usize) -> bool {
    i < text.len() && (is_ascii_alnum(text[i]) || digit_at(text, i).0 > 0)
}

/// Bytes that can start something interesting: ASCII digits and the full-width lead byte.
static DIGIT_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    t[0xEF] = true;
    t
};

/// The index of the next ASCII digit or 0xEF byte (full-width lead) at or after `i`, or
/// `text.len()`. Eight bytes at a time (SWAR): most text has long stretches without digits.
#[inline]
pub(super) fn skip_to_digit_lead(text: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= text.len() {
        let word = u64::from_le_bytes(text[i..i + 8].try_into().expect("8 bytes"));
        // Bytes 0x30..=0x39 become 0x00..=0x09 after the xor; "some byte < 10" is exact
        // for the has-less-than trick because 10 < 128. A zero byte after xor with 0xEF
        // marks a full-width lead.
        let t = word ^ (0x30 * ONES);
        let digit = t.wrapping_sub(10 * ONES) & !t & HIGHS;
        let e = word ^ (0xEF * ONES);
        let lead = e.wrapping_sub(ONES) & !e & HIGHS;
        if digit | lead != 0 {
            break;
        }
        i += 8;
    }
    while i < text.len() && !DIGIT_LEAD[text[i] as usize] {
        i += 1;
    }
    i
}

/// Calls `f` for each digit token of at least `min_digits` digits in `text`, in order.
/// `tok` is reused scratch space.
pub fn for_each_digit_token(
    text: &[u8],
    min_digits: usize,
    tok: &mut DigitToken,
    f: impl FnMut(&DigitToken),
) {
    for_each_token(text, min_digits, tok, f, None::<fn(usize) -> usize>);
}

/// `for_each_digit_token`, and in the same pass `letters(i)` for each digit run starting at
/// `i` that touches an ASCII letter or is followed by a bracket (`E12345678`,
/// `A123456(3)`, `1234567(8)`): the start of an alphanumeric candidate (`alnum.rs`). It
/// returns where that candidate ends; runs before that point are not offered again.
pub fn for_each_token(
    text: &[u8],
    min_digits: usize,
    tok: &mut DigitToken,
    mut f: impl FnMut(&DigitToken),
    mut letters: Option<impl FnMut(usize) -> usize>,
) {
    let n = text.len();
    let mut i = 0;
    let mut letters_done = 0;
    // Where a chain cut at MAX_GROUPS goes on, and the width of the group before the cut.
    let (mut resume_at, mut carried) = (usize::MAX, 0);
    while i < n {
        i = skip_to_digit_lead(text, i);
        if i >= n {
            break;
        }
        let (w, _) = digit_at(text, i);
        if w == 0 {
            i += 1;
            continue;
        }
        // Most digit runs are short (times, amounts, counts): step over a run that cannot
        // grow into a candidate without building a token.
        let mut end = i;
        while end < n && text[end].is_ascii_digit() {
            end += 1;
        }
        if let Some(letters) = letters.as_mut() {
            let lettered = (i > 0 && text[i - 1].is_ascii_alphabetic())
                || (end < n && (text[end].is_ascii_alphabetic() || text[end] == b'(' || text[end] == 0xEF));
            if lettered && i >= letters_done {
                letters_done = letters(i);
            }
        }
        if end - i < min_digits && !extends(text, end) && area_code_before(text, i).is_none() {
            i = if end < n && is_ascii_alnum(text[end]) {
                skip_alnum_run(text, end)
            } else {
                end
            };
            continue;
        }
        let width_before = if i == resume_at { carried } else { 0 };
        i = read_token(text, i, tok, width_before);
        if tok.width_after > 0 {
            resume_at = i + separator_at(text, i).map_or(1, |(_, w)| w);
            carried = tok.groups.last().map_or(0, |g| g.len);
        }
        if tok.digits.len() >= min_digits {
            f(tok);
        }
    }
}

/// Whether a digit run ending at `end` can go on: a separator, a check `X` or a full-width
/// digit follows.
#[inline]
fn extends(text: &[u8], end: usize) -> bool {
    match text.get(end) {
        Some(b' ' | b'-' | b'.' | b'X' | b'x' | 0xEF) => true,
        Some(0xC2 | 0xE3) => wide_space(text, end) > 0,
        _ => false,
    }
}

/// Skips the rest of an alphanumeric run (so digits inside `a3f9…` or `SKU123` are not
/// tokens of their own); full-width digits count as part of it.
fn skip_alnum_run(text: &[u8], mut i: usize) -> usize {
    let n = text.len();
    while i < n {
        let b = text[i];
        if ALNUM[b as usize] {
            i += 1;
        } else if b == 0xEF && digit_at(text, i).0 == 3 {
            i += 3;
        } else {
            break;
        }
    }
    i
}

/// ASCII letters and digits.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// Reads the token starting at `start`; returns the index just past it. `width_before`: the
/// width of the group before it when it goes on a chain cut at `MAX_GROUPS`, else 0.
fn read_token(text: &[u8], start: usize, tok: &mut DigitToken, width_before: usize) -> usize {
    tok.digits.clear();
    tok.groups.clear();
    tok.attached_start = touches_before(text, start);
    tok.before_at = false;
    tok.width_before = width_before;
    tok.width_after = 0;
    let mut sep = Sep::None;
    if let Some(area) = area_code_before(text, start) {
        // `(0755)37097734`: the bracketed area code is the token's first group; in
        // `+86 (10) 6318 8587` the country code comes first.
        let mut from = area.open;
        if let Some((cc_start, digits)) = area.country {
            tok.digits.extend_from_slice(&text[digits.0..digits.1]);
            push_group(tok, 0, cc_start, digits.1, Sep::None);
            from = cc_start;
        }
        let digit_start = tok.digits.len();
        tok.digits.extend_from_slice(&text[area.digits.0..area.digits.1]);
        let area_sep = if area.country.is_some() {
            Sep::Space
        } else {
            Sep::None
        };
        push_group(tok, digit_start, area.open, area.digits.1, area_sep);
        tok.attached_start = touches_before(text, from);
        tok.width_before = 0;
        sep = Sep::Bracket;
    }
    let n = text.len();
    let mut i = start;
    loop {
        let group_start = i;
        let digit_start = tok.digits.len();
        i = read_digits(text, i, tok);
        // A check character ends the token: `…002X`.
        if i < n && (text[i] == b'X' || text[i] == b'x') && !touches_after(text, i + 1) {
            tok.digits.push(b'X');
            i += 1;
            push_group(tok, digit_start, group_start, i, sep);
            tok.attached_end = false;
            return i;
        }
        push_group(tok, digit_start, group_start, i, sep);
        // One separator followed by another digit continues the token.
        let next = separator_at(text, i).filter(|&(_, w)| i + w < n && digit_at(text, i + w).0 > 0);
        if let Some((next, width)) = next {
            if tok.groups.len() < MAX_GROUPS {
                sep = next;
                i += width;
                continue;
            }
            // The chain goes on as the next token: the groups either side of the cut stay
            // neighbours for the run rule.
            tok.width_after = digits_from(text, i + width);
        } else if tok.groups.len() < MAX_GROUPS && tok.groups[tok.groups.len() - 1].len >= 7 {
            // `17012345678转1234`: a phone number's extension (platform virtual numbers).
            if let Some((ext_start, ext_end)) = extension_at(text, i) {
                let digit_start = tok.digits.len();
                i = read_digits(text, ext_start, tok);
                debug_assert_eq!(i, ext_end);
                push_group(tok, digit_start, ext_start, i, Sep::Extension);
            }
        }
        // Digits before an `@` may be an e-mail's local part (`13812345678@139.com` is one
        // finding, not two); the engine decides once it knows whether a real e-mail follows.
        tok.before_at = i < n && text[i] == b'@';
        tok.attached_end = touches_after(text, i);
        if tok.attached_end {
            i = skip_alnum_run(text, i);
        }
        return i;
    }
}

/// Appends the ASCII and full-width digits starting at `i` to `tok.digits`; returns the
/// index past them.
#[inline]
fn read_digits(text: &[u8], mut i: usize, tok: &mut DigitToken) -> usize {
    let n = text.len();
    loop {
        let run = i;
        while i < n && text[i].is_ascii_digit() {
            i += 1;
        }
        tok.digits.extend_from_slice(&text[run..i]);
        match if i < n { digit_at(text, i) } else { (0, 0) } {
            (3, d) => {
                tok.digits.push(d);
                i += 3;
            }
            _ => return i,
        }
    }
}

/// How many digits (ASCII or full-width) start at `i`.
fn digits_from(text: &[u8], mut i: usize) -> usize {
    let mut count = 0;
    while i < text.len() {
        match digit_at(text, i) {
            (0, _) => break,
            (w, _) => {
                i += w;
                count += 1;
            }
        }
    }
    count
}

/// Byte length of a no-break space (U+00A0) or an ideographic space (U+3000) at `i`, or 0:
/// numbers copied from web pages and spreadsheets are grouped with them.
#[inline]
fn wide_space(text: &[u8], i: usize) -> usize {
    match text.get(i..i + 2) {
        Some([0xC2, 0xA0]) => 2,
        Some([0xE3, 0x80]) if text.get(i + 2) == Some(&0x80) => 3,
        _ => 0,
    }
}

/// A group separator at `i`: one space (ASCII, no-break or ideographic), hyphen or dot,
/// with its byte length.
#[inline]
fn separator_at(text: &[u8], i: usize) -> Option<(Sep, usize)> {
    match text.get(i)? {
        b' ' => Some((Sep::Space, 1)),
        b'-' => Some((Sep::Hyphen, 1)),
        b'.' => Some((Sep::Dot, 1)),
        _ => match wide_space(text, i) {
            0 => None,
            w => Some((Sep::Space, w)),
        },
    }
}

/// Extension markers after a phone number, longest first.
const EXTENSION_MARKERS: [&[u8]; 5] = [
    "转分机".as_bytes(),
    "转".as_bytes(),
    "分机".as_bytes(),
    b",",
    b"#",
];

/// Most digits an extension has.
const MAX_EXTENSION: usize = 6;

/// An extension right after a phone number ending at `i`: a marker (`转`, `分机`, `转分机`,
/// optionally between single spaces, or `,` or `#`), then 1 to 6 ASCII digits not followed
/// by another digit. Returns the digits' span. `-1234` is an ordinary group of the token.
pub fn extension_at(text: &[u8], i: usize) -> Option<(usize, usize)> {
    // Most numbers end in punctuation or a line break: one byte says no.
    if !matches!(text.get(i), Some(b' ' | b',' | b'#' | 0xE5 | 0xE8)) {
        return None;
    }
    let rest = &text[i..];
    let (space_before, rest) = match rest.strip_prefix(b" ") {
        Some(r) => (1, r),
        None => (0, rest),
    };
    let marker = EXTENSION_MARKERS.iter().find(|m| rest.starts_with(m))?;
    let ascii = marker.len() == 1;
    if ascii && space_before == 1 {
        return None;
    }
    let mut start = i + space_before + marker.len();
    if !ascii && text.get(start) == Some(&b' ') {
        start += 1;
    }
    let mut end = start;
    while end < text.len() && text[end].is_ascii_digit() && end - start <= MAX_EXTENSION {
        end += 1;
    }
    let len = end - start;
    ((1..=MAX_EXTENSION).contains(&len) && !(end < text.len() && digit_at(text, end).0 > 0))
        .then_some((start, end))
}

/// A bracketed area code before a token.
struct AreaCode {
    /// Index of the opening bracket.
    open: usize,
    /// The code's digits.
    digits: (usize, usize),
    /// A country code before the bracket when the area code is written without its trunk
    /// 0 (`+86 (10) …`, `0086 (755) …`): where it starts (`+` or the first `0`), its digits.
    country: Option<(usize, (usize, usize))>,
}

/// A bracketed area code right before `start`, optionally followed by one space: `(010)`,
/// `（0755）`, or after a country code and without the trunk 0, `+86 (10)`, `0086（755）`.
fn area_code_before(text: &[u8], start: usize) -> Option<AreaCode> {
    let mut end = start;
    if end > 0 && text[end - 1] == b' ' {
        end -= 1;
    }
    let close = if end >= 1 && text[end - 1] == b')' {
        1
    } else if end >= 3 && text[end - 3..end] == [0xEF, 0xBC, 0x89] {
        3
    } else {
        return None;
    };
    let digits_end = end - close;
    let mut digits_start = digits_end;
    while digits_start > 0 && digits_end - digits_start < 4 && text[digits_start - 1].is_ascii_digit() {
        digits_start -= 1;
    }
    let open = if digits_start >= 1 && text[digits_start - 1] == b'(' {
        digits_start - 1
    } else if digits_start >= 3 && text[digits_start - 3..digits_start] == [0xEF, 0xBC, 0x88] {
        digits_start - 3
    } else {
        return None;
    };
    let len = digits_end - digits_start;
    let digits = (digits_start, digits_end);
    if (3..=4).contains(&len) && text[digits_start] == b'0' {
        return Some(AreaCode {
            open,
            digits,
            country: None,
        });
    }
    if !(2..=3).contains(&len) || text[digits_start] == b'0' {
        return None;
    }
    let country = country_code_before(text, open)?;
    Some(AreaCode {
        open,
        digits,
        country: Some(country),
    })
}

/// An international prefix right before `open`, optionally followed by one space: `+` and
/// 1 to 3 digits, or `00` and 1 to 3 digits. Returns where it starts and its digits (the
/// `00` included: detectors strip `0086` and `86` alike).
fn country_code_before(text: &[u8], open: usize) -> Option<(usize, (usize, usize))> {
    let mut end = open;
    if end > 0 && text[end - 1] == b' ' {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && end - start < 5 && text[start - 1].is_ascii_digit() {
        start -= 1;
    }
    let len = end - start;
    if start > 0 && text[start - 1].is_ascii_digit() {
        return None;
    }
    if start > 0 && text[start - 1] == b'+' && (1..=3).contains(&len) {
        Some((start - 1, (start, end)))
    } else if (3..=5).contains(&len) && text[start..start + 2] == *b"00" && text[start + 2] != b'0' {
        Some((start, (start, end)))
    } else {
        None
    }
}

fn push_group(tok: &mut DigitToken, digit_start: usize, start: usize, end: usize, sep: Sep) {
    tok.groups.push(Group {
        digit_start,
        len: tok.digits.len() - digit_start,
        start,
        end,
        sep,
    });
}

/// An e-mail candidate: byte span in the text, and where its `@` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSpan {
    pub start: usize,
    pub end: usize,
    pub at: usize,
}

fn local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Calls `f` for each `local@domain` shape around an `@` (memchr-driven).
pub fn for_each_email(text: &[u8], mut f: impl FnMut(EmailSpan)) {
    for at in memchr::memchr_iter(b'@', text) {
        let mut s = at;
        while s > 0 && at - s < 64 && local_char(text[s - 1]) {
            s -= 1;
        }
        while s < at && matches!(text[s], b'.' | b'-' | b'+') {
            s += 1;
        }
        let mut e = at + 1;
        while e < text.len() && e - at <= 253 && domain_char(text[e]) {
            e += 1;
        }
        while e > at + 1 && matches!(text[e - 1], b'.' | b'-') {
            e -= 1;
        }
        if s == at || e == at + 1 || (s > 0 && local_char(text[s - 1])) {
            continue;
        }
        f(EmailSpan { start: s, end: e, at });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<(String, Vec<usize>, bool, bool)> {
        let mut out = Vec::new();
        let mut tok = DigitToken::default();
        for_each_digit_token(s.as_bytes(), 1, &mut tok, |t| {
            out.push((
                t.all().to_string(),
                t.groups.iter().map(|g| g.len).collect(),
                t.attached_start,
                t.attached_end,
            ))
        });
        out
    }

    #[test]
    fn groups_and_boundaries() {
        let t = tokens("手机138 1234 5678，卡6222-0212-3456-7890-128。");
        assert_eq!(t[0].0, "13812345678");
        assert_eq!(t[0].1, vec![3, 4, 4]);
        assert_eq!(t[1].1, vec![4, 4, 4, 4, 3]);
        assert!(!t[0].2 && !t[0].3);
        let t = tokens("tid=3508387573846167959 SF2116775686687; 12ab");
        assert_eq!(t.len(), 3);
        assert!(!t[0].2 && !t[0].3);
        assert!(t[1].2, "digits after letters are attached");
        assert!(t[2].3, "digits before letters are attached");
        // A space joins groups: the attached edge only removes its own group.
        let t = tokens("SF2116775686687 13812345678");
        assert_eq!(t[0].1, vec![13, 11]);
        assert!(t[0].2 && !t[0].3);
    }

    #[test]
    fn check_character_and_full_width() {
        let t = tokens("身份证：11010519491231002x，电话１３８１２３４５６７８");
        assert_eq!(t[0].0, "11010519491231002X");
        assert_eq!(t[1].0, "13812345678");
        assert!(!t[1].2 && !t[1].3);
        // `0x1f` is hex, not a check character.
        let t = tokens("0x1f");
        assert!(t[0].3);
    }

    #[test]
    fn skipping_finds_every_digit_lead() {
        let text = "中文没有数字的一段话，然后x7和全角１再来一段很长的中文文字没有任何数字9".as_bytes();
        let mut expect = Vec::new();
        let mut got = Vec::new();
        for i in 0..text.len() {
            if DIGIT_LEAD[text[i] as usize] {
                expect.push(i);
            }
        }
        let mut i = 0;
        while i < text.len() {
            i = skip_to_digit_lead(text, i);
            if i < text.len() {
                got.push(i);
                i += 1;
            }
        }
        assert_eq!(got, expect);
    }

    #[test]
    fn bracketed_area_codes() {
        let t = tokens("电话(0755)37097734，（010） 8888 8888");
        let shenzhen = t.iter().find(|x| x.0 == "075537097734").expect("merged");
        assert_eq!(shenzhen.1, vec![4, 8]);
        let beijing = t.iter().find(|x| x.0 == "01088888888").expect("merged");
        assert_eq!(beijing.1, vec![3, 4, 4]);
    }

    #[test]
    fn email_local_part_digits() {
        // Before `@` the digits may be a local part: the engine decides, the token says so.
        let t = tokens("13812345678@139.com li.13912345678@qq.com 138-1234-8131@晨报");
        assert!(!t[0].3);
        let mut tok = DigitToken::default();
        let mut before_at = Vec::new();
        for_each_digit_token(
            "13812345678@139.com 13812345678 @x".as_bytes(),
            11,
            &mut tok,
            |t| before_at.push(t.before_at),
        );
        assert_eq!(before_at, [true, false]);
    }

    /// Group lengths and separators of each token.
    fn layouts(s: &str) -> Vec<(Vec<usize>, Vec<Sep>)> {
        let mut out = Vec::new();
        let mut tok = DigitToken::default();
        for_each_digit_token(s.as_bytes(), 1, &mut tok, |t| {
            out.push((
                t.groups.iter().map(|g| g.len).collect(),
                t.groups.iter().map(|g| g.sep).collect(),
            ))
        });
        out
    }

    #[test]
    fn international_bracketed_area_codes() {
        use Sep::*;
        // The country code and the area code without its trunk 0 lead the token.
        for (text, lens) in [
            ("电话 +86 (10) 8765 4321", vec![2, 2, 4, 4]),
            ("+86(21)6234 5678", vec![2, 2, 4, 4]),
            ("0086 (755) 2345 6789", vec![4, 3, 4, 4]),
            ("+86（571）88123456", vec![2, 3, 8]),
        ] {
            let t = layouts(text);
            let last = t.last().expect("a token");
            assert_eq!(last.0, lens, "{text}");
            assert_eq!(&last.1[..3], [None, Space, Bracket], "{text}");
        }
        let t = tokens("+86 (10) 8765 4321");
        assert_eq!(t.last().map(|x| x.0.as_str()), Some("861087654321"));
        // Without a country code, or with a trunk 0 where none belongs, nothing is joined.
        assert_eq!(
            layouts("电话 (10) 8765 4321").last().map(|x| x.0.clone()),
            Some(vec![4, 4])
        );
        assert_eq!(
            layouts("12345 (10) 8765 4321").last().map(|x| x.0.clone()),
            Some(vec![4, 4])
        );
        assert_eq!(
            layouts("+86 (010) 8765 4321").last().map(|x| x.0.clone()),
            Some(vec![3, 4, 4])
        );
    }

    #[test]
    fn extensions_join_a_phone_number() {
        use Sep::*;
        for text in [
            "17012345678转1234",
            "17012345678分机1234",
            "17012345678转分机 1234",
            "17012345678 转 1234",
            "17012345678,1234",
            "17012345678#1234",
            "17012345678-1234",
        ] {
            let t = layouts(text);
            assert_eq!(t.len(), 1, "{text}");
            assert_eq!(t[0].0, [11, 4], "{text}");
            let sep = if text.contains('-') { Hyphen } else { Extension };
            assert_eq!(t[0].1, [None, sep], "{text}");
        }
        // Not extensions: too long, after a short number, a comma-separated list.
        assert_eq!(layouts("17012345678转1234567")[0].0, [11]);
        assert_eq!(layouts("第2024转1234")[0].0, [4]);
        assert_eq!(layouts("13812345678,13912345678")[0].0, [11]);
        assert_eq!(layouts("17012345678 ,1234")[0].0, [11]);
    }

    #[test]
    fn separators_and_decimals() {
        use Sep::*;
        let t = layouts("13800000000.00 138.1234.5678");
        assert_eq!(t[0].0, [11, 2, 3, 4, 4]);
        assert_eq!(t[0].1, [None, Dot, Space, Dot, Dot]);
        // No-break and ideographic spaces group digits as a space does.
        let t = layouts("6222\u{a0}0212\u{a0}3456\u{a0}7890 / 6222\u{3000}0212\u{3000}3456");
        assert_eq!(t[0].0, [4, 4, 4, 4]);
        assert_eq!(t[1].0, [4, 4, 4]);
        assert_eq!(t[1].1, [None, Space, Space]);
    }

    #[test]
    fn a_cut_chain_keeps_its_neighbours() {
        // 14 groups of four: cut after MAX_GROUPS; both parts know the chain goes on.
        let row = vec!["1234"; 14].join(" ");
        let mut tok = DigitToken::default();
        let mut seen = Vec::new();
        for_each_digit_token(row.as_bytes(), 1, &mut tok, |t| {
            seen.push((t.groups.len(), t.width_before, t.width_after))
        });
        assert_eq!(seen, [(MAX_GROUPS, 0, 4), (14 - MAX_GROUPS, 4, 0)]);
        // An ordinary token has no neighbours.
        seen.clear();
        for_each_digit_token("卡 6222 0212 3456 7890 128。".as_bytes(), 1, &mut tok, |t| {
            seen.push((t.groups.len(), t.width_before, t.width_after))
        });
        assert_eq!(seen, [(5, 0, 0)]);
    }

    #[test]
    fn emails() {
        let s = "发票发我邮箱 gang491215@163.com。或者 Li.Na@Example.com.cn, icon@2x.png @昵称";
        let mut found = Vec::new();
        for_each_email(s.as_bytes(), |e| found.push(&s[e.start..e.end]));
        assert_eq!(
            found,
            vec!["gang491215@163.com", "Li.Na@Example.com.cn", "icon@2x.png"]
        );
        let mut ats = Vec::new();
        for_each_email(s.as_bytes(), |e| ats.push(s.as_bytes()[e.at]));
        assert!(ats.iter().all(|&b| b == b'@'));
    }
}
