//! Free text: spans anchored on a household word, judged by their structure.

use super::gazetteer::{admin_names, resolve, Level};
use super::*;

/// Below this many bytes, anchors are found by a char loop instead of Aho-Corasick.
const SHORT_TEXT: usize = 256;

/// First characters of the anchor words (household units, pickup points).
const ANCHOR_CHARS: [char; 18] = [
    '号', '室', '栋', '幢', '座', '单', '楼', '层', '户', '组', '弄', '驿', '快', '丰', '代', '收', '传',
    '门',
];

/// `ANCHOR_CHARS` and `labelled::CUE_CHARS` as two bitmaps over the Basic Multilingual Plane
/// (8 KiB each): this test runs on every Chinese character of every cell, so it is a load
/// and a bit test.
static CHAR_BITMAPS: [[u64; 1024]; 2] = {
    let mut maps = [[0u64; 1024]; 2];
    let mut i = 0;
    while i < ANCHOR_CHARS.len() {
        let c = ANCHOR_CHARS[i] as usize;
        maps[0][c >> 6] |= 1 << (c & 63);
        i += 1;
    }
    let mut i = 0;
    while i < labelled::CUE_CHARS.len() {
        let c = labelled::CUE_CHARS[i] as usize;
        maps[1][c >> 6] |= 1 << (c & 63);
        i += 1;
    }
    maps
};

/// Is this the UTF-8 of a first character of an anchor word, and of a character in a cue?
/// `utf8` starts with the lead byte of a three-byte character (every such character is one).
#[inline]
fn char_class(utf8: &[u8]) -> (bool, bool) {
    let c = (usize::from(utf8[0] & 0x0F) << 12)
        | (usize::from(utf8[1] & 0x3F) << 6)
        | usize::from(utf8[2] & 0x3F);
    let bit = 1 << (c & 63);
    (
        CHAR_BITMAPS[0][c >> 6] & bit != 0,
        CHAR_BITMAPS[1][c >> 6] & bit != 0,
    )
}

#[cfg(test)]
fn is_anchor_char(utf8: &[u8]) -> bool {
    char_class(utf8).0
}

/// Longest span looked at around a household word (characters).
const MAX_SPAN: usize = 80;

impl AddressMatcher {
    /// Appends the household-anchored spans in `text` to `out`. Says whether the text holds
    /// a character of a label (`labelled::CUES`), for the caller to look for labelled clauses.
    pub(super) fn find_strict(
        &self,
        text: &str,
        anchors: &mut Vec<(usize, usize)>,
        out: &mut Vec<AddressHit>,
    ) -> bool {
        let mut covered = 0;
        anchors.clear();
        let cue_seen;
        if text.len() < SHORT_TEXT {
            // Short texts (table cells): a char loop beats the multi-pattern searchers'
            // setup cost, and text without a Chinese character costs one pass over its bytes.
            let bytes = text.as_bytes();
            let mut cue = false;
            let mut i = 0;
            while i + 2 < bytes.len() {
                // Every anchor and cue character is three bytes of UTF-8 starting with E4..E9.
                if !(0xE4..=0xE9).contains(&bytes[i]) {
                    i += 1;
                    continue;
                }
                let (anchor, is_cue) = char_class(&bytes[i..i + 3]);
                cue |= is_cue;
                if anchor {
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
            cue_seen = cue;
            if anchors.is_empty() {
                return cue_seen;
            }
        } else {
            // Every anchor is a Chinese word: text without any is not searched.
            if !text.bytes().any(|b| b >= 0xE0) {
                return false;
            }
            cue_seen = true;
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
                .is_some_and(|c| c.is_ascii_alphanumeric() || is_cn_digit(c));
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
        cue_seen
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
        let admin = admin_names(span);
        let bytes = span.as_bytes();
        // Household: a numbered unit that says so (`unit_strength`), a named pickup point or a
        // 4-3-804 triple. Weak units (floors, a bare 3号) only say where the address ends.
        let mut last_detail = 0;
        let mut household = false;
        let mut numbered_units = 0;
        for u in self.units.find_iter(span) {
            match unit_strength(span, u.start(), u.end()) {
                Strength::Strong => {
                    household = true;
                    numbered_units += 1;
                    last_detail = last_detail.max(u.end());
                }
                Strength::Weak => last_detail = last_detail.max(u.end()),
                Strength::No => {}
            }
        }
        let mut pickup = false;
        for p in self.pickups.find_iter(span) {
            if named(&span[..p.start()]) {
                household = true;
                pickup = true;
                last_detail = last_detail.max(p.end());
            }
        }
        if let Some(end) = dash_triple(bytes) {
            household = true;
            last_detail = last_detail.max(end);
        }
        if !household {
            return None;
        }
        let road = self
            .roads
            .find_iter(span)
            .any(|r| span[r.end()..].starts_with(|c: char| c.is_ascii_digit() || is_cn_digit(c)));
        let estate = pickup || self.estates.find_iter(span).any(|m| named(&span[..m.start()]));
        let end = self.address_end(span, last_detail);
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
        let suffixed = || {
            ["省", "市", "区", "县", "旗", "州", "镇", "乡", "街道"]
                .iter()
                .filter(|suffix| span[..end].contains(*suffix))
                .count()
        };
        // One admin name and a numbered unit is a building of a hotel in a review (厦门宾馆的
        // 5号楼) as often as an address: a road or an estate has to say so too.
        let confidence = match (levels, road, estate) {
            (2.., _, _) => 0.9,
            (1, true, _) | (1, _, true) => 0.85,
            (1, false, false) => 0.45,
            (0, true, true) => 0.6,
            (0, true, false) | (0, false, true) => 0.45,
            (0, false, false) => 0.3,
        };
        let confidence: f32 = confidence
            + if levels == 0 && suffixed() >= 2 { 0.15 } else { 0.0 }
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
            labelled: false,
        })
    }

    /// Where the address whose last unit ends at `last_detail` ends in `span`: the room
    /// number, 之三, a position (门口, 对面) and a landmark after it belong to it; the next
    /// clause (谢谢, 到了打电话) does not.
    fn address_end(&self, span: &str, last_detail: usize) -> usize {
        let bytes = span.as_bytes();
        let room = |mut end: usize| {
            // Trailing digits and letters belong to the last unit (`…1单元1305`).
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
            end
        };
        let mut end = room(last_detail);
        // 188号之三702: a sub-number, then its room.
        if let Some(rest) = span[end..].strip_prefix('之') {
            let numeral = rest.len() - rest.trim_start_matches(is_cn_digit).len();
            if numeral > 0 {
                end = room(end + '之'.len_utf8() + numeral);
            }
        }
        if let Some(p) = POSITIONS.iter().find(|p| span[end..].starts_with(**p)) {
            end += p.len();
        }
        // A landmark after the number belongs to the address (`…962号对面超市代收`), up to
        // where a sentence or an instruction starts.
        let rest = &span[end..];
        let landmark = self
            .estates
            .find_iter(rest)
            .any(|m| named(&span[..end + m.start()]))
            || self.pickups.find(rest).is_some();
        if landmark {
            let stop = self
                .words
                .find_iter(rest)
                .find(|m| {
                    matches!(
                        labelled::WORDS[m.pattern().as_usize()].1,
                        labelled::Word::Trailer | labelled::Word::Chat | labelled::Word::StrongChat
                    )
                })
                .map_or(rest.len(), |m| m.start());
            end += rest[..stop].trim_end().len();
        }
        end
    }
}

/// Words of position after a house number that belong to the address (…号后门).
const POSITIONS: &[&str] = &[
    "门口", "附近", "对面", "旁边", "隔壁", "楼下", "后门", "边上", "东侧", "西侧", "南侧", "北侧", "东门",
    "西门", "南门", "北门", "正门", "大门", "路口",
];

/// What a numbered unit word says about a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// Not a household: a date (8月16号), an ordinal (第一楼), a count (一栋大楼), a metro
    /// line or a numbered object (2号线, 3号窗口, 1号桌), a floor plan (3室2厅).
    No,
    /// Where it is inside something, not which household: a floor (6楼, 3层) or a bare
    /// number (21号) with no road, village or estate before it.
    Weak,
    /// A household: 栋, 单元, 室 …, a number after a road or estate (文三路477号, 大厦15楼).
    Strong,
}

/// Characters before a number that make it a house number: the end of a road, lane,
/// village, town or estate word.
const PLACE_ENDS: &str =
    "路街道巷弄里段条桥村组区镇乡县市苑园城厦场院庄屯湾坊社队楼栋幢座期邸府庭墅馆学校司厂心寓舍";
/// Estate words before a floor number (大厦15楼, 中心8楼).
const ESTATE_ENDS: &str = "厦场心楼座栋幢苑园城寓区邸府庭馆";
/// Characters before a number that make it something else: an ordinal, a month (a date), a
/// weekday, a count.
const NOT_HOUSE: &str = "第月周每几这那哪约共近";
/// Characters after 号 that make it a numbered object: a metro line, a store room, a window,
/// a table, a seat, a bed, a shop of a chain, a size.
const OBJECTS: &str = "线库窗桌台机位床车厅店码球";

fn is_numeral(c: char) -> bool {
    is_cn_digit(c) || matches!(c, '百' | '零' | '〇' | '两')
}

/// 一 to 十.
pub(super) fn is_cn_digit(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

pub(super) fn is_place_end(c: char) -> bool {
    PLACE_ENDS.contains(c)
}

/// How strongly the unit word at `start..end` in `span` marks a household.
fn unit_strength(span: &str, start: usize, end: usize) -> Strength {
    let word = &span[start..end];
    let before = &span[..start];
    // The number: letters and digits (B座, 12, A22), else Chinese numerals (三号楼).
    let ascii = before.len()
        - before
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '-')
            .len();
    let (number, cjk) = if ascii > 0 {
        (&before[before.len() - ascii..], false)
    } else {
        let n = before.len() - before.trim_end_matches(is_numeral).len();
        (&before[before.len() - n..], true)
    };
    if number.is_empty() {
        return Strength::No;
    }
    let ahead = before[..before.len() - number.len()].chars().next_back();
    let after = span[end..].chars().next();
    if ahead.is_some_and(|c| NOT_HOUSE.contains(c)) {
        return Strength::No;
    }
    let place_before = ahead.is_some_and(is_place_end);
    // 一栋大楼, 三号黄金库: Chinese numerals count things unless a place names them.
    if cjk && !place_before {
        return Strength::No;
    }
    match word {
        "号" if after.is_some_and(|c| OBJECTS.contains(c)) => Strength::No,
        "号" if place_before || number.contains('-') => Strength::Strong,
        // 26号宿舍楼: the number of a building.
        "号" if ["宿舍", "公寓", "厂房"]
            .iter()
            .any(|b| span[end..].starts_with(b)) =>
        {
            Strength::Strong
        }
        "号" => Strength::Weak,
        "楼" | "层" if after.is_some_and(|c| "梯道".contains(c)) => Strength::No,
        "楼" | "层" if ahead.is_some_and(|c| ESTATE_ENDS.contains(c)) => Strength::Strong,
        "楼" | "层" => Strength::Weak,
        "室" if after == Some('厅') => Strength::No,
        "座" if after.is_some_and(|c| "车位椅".contains(c)) => Strength::No,
        "组" | "户" if !place_before => Strength::Weak,
        _ => Strength::Strong,
    }
}

/// Whether a name comes right before a word (`…小区`, `菜鸟驿站`), not a sentence (大连之行
/// 的驿站, 把餐给了门卫) or nothing.
fn named(before: &str) -> bool {
    before
        .chars()
        .next_back()
        .is_some_and(|c| (is_name_char(c)) && !"的了给在把被到去找放交让是和跟向对从往之".contains(c))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
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
