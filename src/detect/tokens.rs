//! Candidate extraction: the only code that looks at every byte of the text.
//!
//! Instead of running one regex per detector over the text, the engine finds the few places
//! that can hold a value (digit runs, `@`) and hands those to the detectors. A digit token
//! is a run of ASCII or full-width digits, possibly split into groups by one space, hyphen
//! or dot (`138 1234 5678`, `6222-0212-…`), possibly ending in a check `X`. A token touching an
//! ASCII letter or another digit is not a value (order numbers, hashes, SKU codes): that is
//! the digit-boundary rule, enforced here once for every detector.

/// Most groups a token keeps; longer chains (version strings, OIDs) are cut here.
pub const MAX_GROUPS: usize = 12;

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
fn skip_to_digit_lead(text: &[u8], mut i: usize) -> usize {
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
    mut f: impl FnMut(&DigitToken),
) {
    let n = text.len();
    let mut i = 0;
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
        let extends = end < n && matches!(text[end], b' ' | b'-' | b'.' | b'X' | b'x' | 0xEF);
        if end - i < min_digits && !extends && area_code_before(text, i).is_none() {
            i = if end < n && is_ascii_alnum(text[end]) {
                skip_alnum_run(text, end)
            } else {
                end
            };
            continue;
        }
        i = read_token(text, i, tok);
        if tok.digits.len() >= min_digits {
            f(tok);
        }
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

/// Reads the token starting at `start`; returns the index just past it.
fn read_token(text: &[u8], start: usize, tok: &mut DigitToken) -> usize {
    tok.digits.clear();
    tok.groups.clear();
    tok.attached_start = touches_before(text, start);
    if let Some((open, area)) = area_code_before(text, start) {
        // `(0755)37097734`: the bracketed area code is the token's first group.
        tok.digits.extend_from_slice(&text[area.0..area.1]);
        push_group(tok, 0, open, area.1);
        tok.attached_start = touches_before(text, open);
    }
    let n = text.len();
    let mut i = start;
    loop {
        let group_start = i;
        let digit_start = tok.digits.len();
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
                _ => break,
            }
        }
        // A check character ends the token: `…002X`.
        if i < n && (text[i] == b'X' || text[i] == b'x') && !touches_after(text, i + 1) {
            tok.digits.push(b'X');
            i += 1;
            push_group(tok, digit_start, group_start, i);
            tok.attached_end = false;
            return i;
        }
        push_group(tok, digit_start, group_start, i);
        // One separator followed by another digit continues the token.
        let sep = i < n && matches!(text[i], b' ' | b'-' | b'.');
        if sep && i + 1 < n && digit_at(text, i + 1).0 > 0 && tok.groups.len() < MAX_GROUPS {
            i += 1;
            continue;
        }
        // Digits before an `@` are an e-mail's local part, reported as the e-mail
        // (`13812345678@139.com` is one finding, not two).
        tok.attached_end = touches_after(text, i) || (i < n && text[i] == b'@');
        if tok.attached_end {
            i = skip_alnum_run(text, i);
        }
        return i;
    }
}

/// A bracketed area code right before `start`: `(010)`, `（0755）`, optionally followed by one
/// space. Returns the opening bracket's index and the digits' span.
fn area_code_before(text: &[u8], start: usize) -> Option<(usize, (usize, usize))> {
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
    let len = digits_end - digits_start;
    if !(3..=4).contains(&len) || text[digits_start] != b'0' {
        return None;
    }
    if digits_start >= 1 && text[digits_start - 1] == b'(' {
        Some((digits_start - 1, (digits_start, digits_end)))
    } else if digits_start >= 3 && text[digits_start - 3..digits_start] == [0xEF, 0xBC, 0x88] {
        Some((digits_start - 3, (digits_start, digits_end)))
    } else {
        None
    }
}

fn push_group(tok: &mut DigitToken, digit_start: usize, start: usize, end: usize) {
    tok.groups.push(Group {
        digit_start,
        len: tok.digits.len() - digit_start,
        start,
        end,
    });
}

/// An e-mail candidate: byte span in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailSpan {
    pub start: usize,
    pub end: usize,
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
        f(EmailSpan { start: s, end: e });
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
        let t = tokens("13812345678@139.com li.13912345678@qq.com");
        assert!(t[0].3);
        assert!(t.iter().any(|x| x.0 == "13912345678" && x.3));
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
    }
}
