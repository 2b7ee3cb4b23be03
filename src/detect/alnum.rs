//! Alphanumeric candidates: identity documents written with letters (`E12345678`,
//! `A123456(3)`, `A123456789`, `91110000600037341L`).
//!
//! Like digit tokens these are found from the digits they hold, so text without digits costs
//! nothing: at each digit run the engine widens to the whole run of ASCII letters and digits
//! around it. A candidate holds at least one letter, or ends in a bracketed check character
//! (`1234567(8)`). Anything that is not an ASCII letter or digit ends it: a CJK character, a
//! space, punctuation. So `护照E12345678` holds the candidate `E12345678`, while
//! `SKUE12345678` and `E12345678X9` are longer tokens that hold none.

/// Shortest and longest candidate (letters and digits, the bracketed check included).
const MIN_LEN: usize = 5;
const MAX_LEN: usize = 24;

/// One candidate: its byte span and its upper-cased text (`A123456(3)`; full-width
/// brackets written as ASCII ones).
#[derive(Debug, Default)]
pub struct AlnumToken {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// Letters and digits in `text` (brackets not counted).
    pub len: usize,
}

#[inline]
fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A bracketed check character at `i`: `(3)`, `（A）`. Returns (character, end).
fn bracketed_check(text: &[u8], i: usize) -> Option<(u8, usize)> {
    let open = match text.get(i..)? {
        [b'(', ..] => 1,
        [0xEF, 0xBC, 0x88, ..] => 3,
        _ => return None,
    };
    let c = *text.get(i + open)?;
    if !alnum(c) {
        return None;
    }
    let close = match text.get(i + open + 1..)? {
        [b')', ..] => 1,
        [0xEF, 0xBC, 0x89, ..] => 3,
        _ => return None,
    };
    let end = i + open + 1 + close;
    (text.get(end).is_none_or(|&b| !alnum(b))).then_some((c.to_ascii_uppercase(), end))
}

/// The alphanumeric candidate around the digit run starting at `i` (the tokenizer offers
/// runs that touch a letter or a bracket), filled into `tok`: true if there is one. Returns
/// it and the index where the run (with its bracketed check) ends.
pub fn alnum_at(text: &[u8], i: usize, tok: &mut AlnumToken) -> (bool, usize) {
    let n = text.len();
    let mut start = i;
    while start > 0 && alnum(text[start - 1]) {
        start -= 1;
    }
    let mut letters = start < i;
    let mut end = i;
    while end < n && alnum(text[end]) {
        letters |= text[end].is_ascii_alphabetic();
        end += 1;
    }
    let check = bracketed_check(text, end);
    let len = end - start + usize::from(check.is_some());
    let stop = check.map_or(end, |(_, e)| e);
    // A full-width digit touching the run makes it part of a longer number.
    let wide_digit = |at: usize| matches!(text.get(at..at + 3), Some([0xEF, 0xBC, 0x90..=0x99]));
    let wide = (start >= 3 && wide_digit(start - 3)) || wide_digit(end);
    if !(letters || check.is_some()) || !(MIN_LEN..=MAX_LEN).contains(&len) || wide {
        return (false, stop);
    }
    tok.start = start;
    tok.text.clear();
    tok.text
        .extend(text[start..end].iter().map(|b| b.to_ascii_uppercase() as char));
    tok.end = end;
    if let Some((c, check_end)) = check {
        tok.text.push('(');
        tok.text.push(c as char);
        tok.text.push(')');
        tok.end = check_end;
    }
    tok.len = len;
    (true, stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, &str)> {
        let mut tok = AlnumToken::default();
        let mut digits = super::super::tokens::DigitToken::default();
        let mut out = Vec::new();
        let letters = |i: usize| {
            let (found, end) = alnum_at(text.as_bytes(), i, &mut tok);
            if found {
                out.push((tok.text.clone(), &text[tok.start..tok.end]));
            }
            end
        };
        super::super::tokens::for_each_token(text.as_bytes(), 1, &mut digits, |_| {}, Some(letters));
        out
    }

    #[test]
    fn cjk_and_punctuation_end_a_candidate_letters_and_digits_do_not() {
        assert_eq!(tokens("护照E12345678"), [("E12345678".to_string(), "E12345678")]);
        assert_eq!(
            tokens("护照号码: e12345678。"),
            [("E12345678".to_string(), "e12345678")]
        );
        assert_eq!(
            tokens("SKU-E12345678X9"),
            [("E12345678X9".to_string(), "E12345678X9")]
        );
        assert_eq!(
            tokens("香港身份证A123456(3)，"),
            [("A123456(3)".to_string(), "A123456(3)")]
        );
        assert_eq!(
            tokens("澳门 1234567（8） 号"),
            [("1234567(8)".to_string(), "1234567（8）")]
        );
        // Digits alone, words alone and very long runs are no candidates.
        assert!(tokens("12345678 hello 2024").is_empty());
        assert!(tokens("sha 3f786850e387550fdab836ed7e6dc881de23001b").is_empty());
        // Touching a full-width digit: part of a longer number.
        assert!(tokens("A12345６").is_empty());
    }
}
