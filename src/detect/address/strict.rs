//! Free text: spans anchored on a household word, judged by their structure.

use super::gazetteer::{gazetteer, resolve, Level, Place};
use super::*;
use aho_corasick::{AhoCorasickBuilder, MatchKind};

/// Below this many bytes, anchors are found by a char loop instead of Aho-Corasick.
const SHORT_TEXT: usize = 256;

/// First characters of the anchor words (household units, pickup points).
const ANCHOR_CHARS: [char; 18] = [
    '号', '室', '栋', '幢', '座', '单', '楼', '层', '户', '组', '弄', '驿', '快', '丰', '代', '收', '传',
    '门',
];

/// `ANCHOR_CHARS` as a bitmap over the Basic Multilingual Plane (8 KiB): this test runs on
/// every Chinese character of every cell, so it is one load and a bit test.
static ANCHOR_BITMAP: [u64; 1024] = {
    let mut map = [0u64; 1024];
    let mut i = 0;
    while i < ANCHOR_CHARS.len() {
        let c = ANCHOR_CHARS[i] as usize;
        map[c >> 6] |= 1 << (c & 63);
        i += 1;
    }
    map
};

/// Is this the UTF-8 of a first character of an anchor word? `utf8` starts with the lead
/// byte of a three-byte character (every anchor character is one).
#[inline]
fn is_anchor_char(utf8: &[u8]) -> bool {
    let c = (usize::from(utf8[0] & 0x0F) << 12)
        | (usize::from(utf8[1] & 0x3F) << 6)
        | usize::from(utf8[2] & 0x3F);
    ANCHOR_BITMAP[c >> 6] & (1 << (c & 63)) != 0
}

/// Longest span looked at around a household word (characters).
const MAX_SPAN: usize = 80;

fn is_delimiter(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\t'
            | ','
            | ';'
            | '|'
            | '"'
            | '\''
            | ':'
            | '!'
            | '?'
            | '，'
            | '。'
            | '；'
            | '、'
            | '：'
            | '！'
            | '？'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '（'
            | '）'
            | '('
            | ')'
            | '【'
            | '】'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '《'
            | '》'
            | '='
            | '~'
            | '～'
            | '/'
            | '\\'
    )
}

impl AddressMatcher {
    pub fn new() -> Self {
        let build = |words: &[&str]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(words)
                .expect("address words compile")
        };
        // Build the gazetteer now rather than on the first text.
        let _ = gazetteer();
        AddressMatcher {
            units: build(HOUSEHOLD_UNITS),
            pickups: build(PICKUP_POINTS),
            anchor_words: build(&[HOUSEHOLD_UNITS, PICKUP_POINTS].concat()),
            roads: build(ROADS),
            estates: build(ESTATES),
            labels: build(LABELS),
        }
    }

    /// Appends the addresses in `text` to `out`, with a confidence from structure alone
    /// (labels and headers are applied by the caller, like every detector's context).
    /// `anchors` is scratch space kept by the caller.
    pub fn find(&self, text: &str, anchors: &mut Vec<(usize, usize)>, out: &mut Vec<AddressHit>) {
        let mut covered = 0;
        anchors.clear();
        if text.len() < SHORT_TEXT {
            // Short texts (table cells): a char loop beats the multi-pattern searchers'
            // setup cost, and text without a Chinese character costs one pass over its bytes.
            let bytes = text.as_bytes();
            let mut i = 0;
            while i + 2 < bytes.len() {
                // Every anchor character is three bytes of UTF-8 starting with E4..E9.
                if !(0xE4..=0xE9).contains(&bytes[i]) {
                    i += 1;
                    continue;
                }
                if is_anchor_char(&bytes[i..i + 3]) {
                    let rest = &text[i..];
                    let word = HOUSEHOLD_UNITS
                        .iter()
                        .chain(PICKUP_POINTS)
                        .filter(|w| rest.starts_with(*w))
                        .max_by_key(|w| w.len());
                    if let Some(w) = word {
                        anchors.push((i, i + w.len()));
                    }
                }
                i += 3;
            }
            if anchors.is_empty() {
                return;
            }
        } else {
            // Every anchor is a Chinese word: text without any is not searched.
            if !text.bytes().any(|b| b >= 0xE0) {
                return;
            }
            anchors.extend(self.anchor_words.find_iter(text).map(|m| (m.start(), m.end())));
        }
        for &(unit_start, unit_end) in anchors.iter() {
            if unit_start < covered {
                continue;
            }
            // A unit word counts only after a number or letter (`5组`, not `组织`); pickup
            // points stand alone.
            let numbered = text[..unit_start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || "一二三四五六七八九十".contains(c));
            if !numbered && !PICKUP_POINTS.iter().any(|p| text[unit_start..].starts_with(p)) {
                continue;
            }
            let (s, e) = self.span_around(text, unit_start, unit_end);
            if e <= covered || s >= e {
                continue;
            }
            if let Some(hit) = self.judge(text, s.max(covered), e) {
                covered = hit.end;
                out.push(hit);
            }
        }
    }

    /// The run of non-delimiter text around a household word, cut at field labels.
    fn span_around(&self, text: &str, at: usize, unit_end: usize) -> (usize, usize) {
        let mut s = at;
        for (n, (i, c)) in text[..at].char_indices().rev().enumerate() {
            if is_delimiter(c) || n >= MAX_SPAN {
                break;
            }
            s = i;
        }
        let mut e = unit_end;
        for (n, (i, c)) in text[unit_end..].char_indices().enumerate() {
            if is_delimiter(c) || n >= MAX_SPAN / 2 {
                break;
            }
            e = unit_end + i + c.len_utf8();
        }
        // A label inside the span ends the field before it or starts the one after it.
        let base = s;
        for label in self.labels.find_iter(&text[base..e]) {
            let (ls, le) = (base + label.start(), base + label.end());
            if le <= at {
                s = le;
            } else if ls >= unit_end {
                e = ls;
                break;
            }
        }
        (s, e)
    }

    /// Decides whether `text[s..e]` is an address and how sure that is.
    fn judge(&self, text: &str, s: usize, e: usize) -> Option<AddressHit> {
        let span = &text[s..e];
        let g = gazetteer();
        let mut admin: Vec<(usize, usize, &[Place])> = Vec::new();
        for m in g.names.find_iter(span) {
            // 北京路 in 广州, 东莞街: a place name that names a road is not the address's
            // admin chain.
            let rest = &span[m.end()..];
            if ROADS.iter().any(|r| rest.starts_with(r)) {
                continue;
            }
            admin.push((m.start(), m.end(), &g.places[m.pattern().as_usize()]));
        }
        let bytes = span.as_bytes();
        // Household: a unit word right after a digit or letter, or a 4-3-804 triple, or a
        // village group.
        let mut last_detail = 0;
        let mut household = false;
        let mut numbered_units = 0;
        for u in self.units.find_iter(span) {
            let before = span[..u.start()].chars().next_back();
            let numbered =
                before.is_some_and(|c| c.is_ascii_alphanumeric() || "一二三四五六七八九十".contains(c));
            if numbered {
                household = true;
                numbered_units += 1;
                last_detail = last_detail.max(u.end());
            }
        }
        let mut pickup = false;
        for p in self.pickups.find_iter(span) {
            household = true;
            pickup = true;
            last_detail = last_detail.max(p.end());
        }
        if let Some(end) = dash_triple(bytes) {
            household = true;
            last_detail = last_detail.max(end);
        }
        if !household {
            return None;
        }
        let road = self.roads.find_iter(span).any(|r| {
            span[r.end()..].starts_with(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        });
        let estate = pickup || self.estates.find(span).is_some();
        // Trailing digits and letters belong to the last unit (`…1单元1305`).
        let mut end = last_detail;
        while end < bytes.len()
            && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-' || bytes[end] == b'#')
        {
            end += 1;
        }
        for extra in ["室", "号", "房"] {
            if span[end..].starts_with(extra) {
                end += extra.len();
            }
        }
        // A landmark after the number belongs to the address (`…962号对面超市代收`); other
        // trailing text (`谢谢`) does not.
        if self.estates.find(&span[end..]).is_some() || self.pickups.find(&span[end..]).is_some() {
            end = span.trim_end().len();
        }
        let levels = {
            let mut l: Vec<Level> = admin
                .iter()
                .filter(|a| a.1 <= end)
                .map(|a| a.2[0].level)
                .collect();
            l.sort();
            l.dedup();
            l.len()
        };
        // Unknown names with admin suffixes (invented or newer counties) count a little.
        let suffixed = ["省", "市", "区", "县", "旗", "州", "镇", "乡", "街道"]
            .iter()
            .filter(|suffix| span[..end].contains(*suffix))
            .count();
        let confidence = match (levels, road, estate) {
            (2.., _, _) => 0.9,
            (1, true, _) | (1, _, true) => 0.85,
            (1, false, false) => 0.6,
            (0, true, true) => 0.6,
            (0, true, false) | (0, false, true) => 0.45,
            (0, false, false) => 0.3,
        };
        let confidence: f32 = confidence
            + if levels == 0 && suffixed >= 2 { 0.15 } else { 0.0 }
            // 249号…34幢2301: several numbered units are a household, not a product code.
            + if numbered_units >= 2 { 0.15 } else { 0.0 };
        // Where the address starts: the first province or official admin name (cutting a
        // lead-in such as 我家在), else the span start.
        let start = admin
            .iter()
            .filter(|a| a.0 < end)
            .find(|a| a.2.iter().any(|p| p.full || p.level == Level::Province))
            .map_or(0, |a| a.0);
        // Offsets come from several searches: never trust them to agree.
        let value_span = span.get(start..end)?;
        if value_span.chars().count() < 4 {
            return None;
        }
        Some(AddressHit {
            start: s + start,
            end: s + end,
            confidence: confidence.min(0.99),
            parts: resolve(&admin),
        })
    }
}

/// `4-3-804` (building-unit-room) in a span; the end of the first one.
fn dash_triple(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            let mut groups = 0;
            loop {
                let g = j;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                if j == g {
                    break;
                }
                groups += 1;
                if j < bytes.len() && bytes[j] == b'-' && groups < 3 {
                    j += 1;
                } else {
                    break;
                }
            }
            if groups == 3 {
                return Some(j);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_characters_start_every_anchor_word_but_the_longer_forms() {
        // 菜鸟驿站 is found through its 驿站: every other word's first character must be an
        // anchor character, and every anchor character must start a word.
        for w in HOUSEHOLD_UNITS.iter().chain(PICKUP_POINTS) {
            let first = w.chars().next().unwrap();
            assert!(ANCHOR_CHARS.contains(&first) || *w == "菜鸟驿站", "{w}");
            let mut utf8 = [0u8; 4];
            first.encode_utf8(&mut utf8);
            assert_eq!(is_anchor_char(&utf8), ANCHOR_CHARS.contains(&first), "{w}");
        }
        for c in ANCHOR_CHARS {
            assert!(
                HOUSEHOLD_UNITS
                    .iter()
                    .chain(PICKUP_POINTS)
                    .any(|w| w.starts_with(c)),
                "{c}"
            );
        }
        assert!(!is_anchor_char("路".as_bytes()) && !is_anchor_char("中".as_bytes()));
    }
}
