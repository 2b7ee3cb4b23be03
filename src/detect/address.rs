//! Chinese postal addresses: find spans that reach a household, resolve province, city and
//! district.
//!
//! Addresses have no checksum and place names are everywhere (西湖龙井, 新疆棉, shop names,
//! logistics traces), so a span is reported only when its structure reaches a household: a
//! number with a unit (号, 室, 栋, 单元, 座, 组 …), a building letter (B座) or a `4-3-804`
//! triple. Admin names from the gazetteer (historical GB/T 2260 names plus short forms), a road
//! and an estate raise confidence; a column header or label naming an address lowers the bar.
//! Spans stop at punctuation, brackets and field labels (电话, 收货人 …); labels are context,
//! not part of the value.
//!
//! Deliberately not done here: English addresses, checking that the admin chain is
//! consistent (real exports contain inconsistent and invented chains that are still
//! addresses), parsing below the county beyond these structural cues.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// Administrative level of a gazetteer name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Province,
    Prefecture,
    County,
}

#[derive(Debug, Clone)]
struct Place {
    /// The official name (for `parts`), even when a short form matched.
    name: &'static str,
    level: Level,
    code: u32,
}

/// Province, city and district an address resolves to (any may be unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub province: Option<&'static str>,
    pub city: Option<&'static str>,
    pub district: Option<&'static str>,
}

/// One address found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressHit {
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
    pub parts: Parts,
}

/// Words that mark a household: the address must reach one of them.
const HOUSEHOLD_UNITS: &[&str] = &[
    "号", "室", "栋", "幢", "座", "单元", "号楼", "楼", "层", "户", "组", "弄", "号院",
];
/// Places where parcels are handed over (campus and community pickup points): as good as a
/// household for a delivery address, though unnumbered.
const PICKUP_POINTS: &[&str] = &[
    "菜鸟驿站",
    "驿站",
    "快递点",
    "快递柜",
    "丰巢",
    "代收点",
    "代收",
    "收发室",
    "传达室",
    "门卫室",
    "门卫",
];
/// Road-level words.
const ROADS: &[&str] = &["路", "街", "大街", "大道", "巷", "胡同", "道", "里", "弄"];
/// Estates and landmarks where people live or receive parcels.
const ESTATES: &[&str] = &[
    "小区", "花园", "苑", "公寓", "大厦", "广场", "家园", "新村", "嘉园", "华庭", "名邸", "府", "园区",
    "校区", "宿舍", "驿站", "商铺", "超市", "村", "社区", "大院", "山庄", "城", "里", "中心",
];
/// Field labels that end a span (the next field starts) or that lead into one.
const LABELS: &[&str] = &[
    "电话",
    "手机",
    "收货人",
    "收件人",
    "联系人",
    "联系方式",
    "姓名",
    "邮编",
    "邮政编码",
    "备注",
    "订单",
    "身份证",
    "邮箱",
    "快递",
    "运单",
    "地址",
    "收货地址",
    "收件地址",
    "详细地址",
    "住址",
    "家庭住址",
    "寄到",
    "送到",
    "发到",
    "改到",
    "改成",
    "地址是",
    "地址为",
];

/// The gazetteer, built once from `data/cn_regions.tsv`.
struct Gazetteer {
    names: AhoCorasick,
    places: Vec<Place>,
}

const TABLE: &str = include_str!("../../data/cn_regions.tsv");

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let mut names: Vec<String> = Vec::new();
        let mut places = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut add = |form: &str, place: &Place, names: &mut Vec<String>, places: &mut Vec<Place>| {
            if form.chars().count() >= 2 && seen.insert((form.to_string(), place.code)) {
                names.push(form.to_string());
                places.push(place.clone());
            }
        };
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            let Ok(code) = code.parse::<u32>() else { continue };
            if matches!(name, "-" | "市辖区" | "县" | "郊区" | "城区" | "矿区")
                || name.contains("直辖")
                || name.chars().count() < 2
            {
                continue;
            }
            let level = if code % 10_000 == 0 {
                Level::Province
            } else if code % 100 == 0 {
                Level::Prefecture
            } else {
                Level::County
            };
            let name: &'static str = Box::leak(name.to_string().into_boxed_str());
            let place = Place { name, level, code };
            add(name, &place, &mut names, &mut places);
            for short in short_forms(name, level) {
                add(&short, &place, &mut names, &mut places);
            }
        }
        let names_ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .expect("gazetteer names compile");
        Gazetteer {
            names: names_ac,
            places,
        }
    })
}

/// Short forms people write: 浙江 for 浙江省, 杭州 for 杭州市, 新疆 for 新疆维吾尔自治区.
fn short_forms(name: &str, level: Level) -> Vec<String> {
    const PROVINCE_SUFFIXES: &[&str] = &[
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ];
    const PREFECTURE_SUFFIXES: &[&str] = &["地区", "市", "盟"];
    let suffixes = match level {
        Level::Province => PROVINCE_SUFFIXES,
        Level::Prefecture => PREFECTURE_SUFFIXES,
        Level::County => return Vec::new(),
    };
    suffixes
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .filter(|stem| stem.chars().count() >= 2)
        .map(str::to_string)
        .take(1)
        .collect()
}

/// Compiled address matcher (shared by all threads).
pub struct AddressMatcher {
    units: AhoCorasick,
    pickups: AhoCorasick,
    /// Units and pickup points together: one pass over long texts.
    anchor_words: AhoCorasick,
    roads: AhoCorasick,
    estates: AhoCorasick,
    labels: AhoCorasick,
}

impl std::fmt::Debug for AddressMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddressMatcher")
    }
}

impl Default for AddressMatcher {
    fn default() -> Self {
        Self::new()
    }
}

/// Below this many bytes, anchors are found by a char loop instead of Aho-Corasick.
const SHORT_TEXT: usize = 256;

/// First characters of the anchor words (household units and pickup points).
fn is_anchor_char(c: char) -> bool {
    matches!(
        c,
        '号' | '室'
            | '栋'
            | '幢'
            | '座'
            | '单'
            | '楼'
            | '层'
            | '户'
            | '组'
            | '弄'
            | '驿'
            | '快'
            | '丰'
            | '代'
            | '收'
            | '传'
            | '门'
    )
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
        // Every anchor is a Chinese word: text without any is not looked at (most cells).
        if !text.bytes().any(|b| b >= 0xE0) {
            return;
        }
        anchors.clear();
        if text.len() < SHORT_TEXT {
            // Short texts (table cells): a char loop beats the multi-pattern searchers'
            // setup cost.
            for (i, c) in text.char_indices() {
                if is_anchor_char(c) {
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
            }
        } else {
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
        for label in self.labels.find_iter(&text[s..e]) {
            let (ls, le) = (s + label.start(), s + label.end());
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
        let mut admin: Vec<(usize, usize, &Place)> = Vec::new();
        for m in g.names.find_iter(span) {
            // 北京路 in 广州, 东莞街: a place name that names a road is not the address's
            // admin chain.
            if self.roads.find(&span[m.end()..]).is_some_and(|r| r.start() == 0) {
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
            let mut l: Vec<Level> = admin.iter().filter(|a| a.1 <= end).map(|a| a.2.level).collect();
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
        // Where the address starts: the first admin name, else the span start.
        let start = admin.first().map_or(0, |a| a.0);
        let value_span = &span[start..end];
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

/// Province, city, district from the admin names in order, preferring a consistent chain.
fn resolve(admin: &[(usize, usize, &Place)]) -> Parts {
    let mut parts = Parts::default();
    let (mut province, mut prefecture) = (0u32, 0u32);
    for (_, _, p) in admin {
        match p.level {
            Level::Province if parts.province.is_none() => {
                parts.province = Some(p.name);
                province = p.code / 10_000;
            }
            Level::Prefecture if parts.city.is_none() && (province == 0 || p.code / 10_000 == province) => {
                parts.city = Some(p.name);
                prefecture = p.code / 100;
                if parts.province.is_none() {
                    province = p.code / 10_000;
                }
            }
            Level::County
                if parts.district.is_none()
                    && (province == 0 || p.code / 10_000 == province)
                    && (prefecture == 0 || p.code / 100 == prefecture) =>
            {
                parts.district = Some(p.name);
            }
            _ => {}
        }
    }
    // Municipalities: the city is the province (北京市 朝阳区).
    if parts.city.is_none() && matches!(province, 11 | 12 | 31 | 50) {
        parts.city = parts.province;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, labelled: bool) -> Vec<(String, f32, Parts)> {
        let m = AddressMatcher::new();
        let mut out = Vec::new();
        m.find(text, &mut Vec::new(), &mut out);
        if labelled {
            out.iter_mut().for_each(|h| h.confidence += 0.3);
        }
        out.into_iter()
            .map(|h| (text[h.start..h.end].to_string(), h.confidence, h.parts))
            .collect()
    }

    #[test]
    fn labelled_full_address_with_room() {
        let hits = find(
            "收货地址：浙江省杭州市西湖区文三路477号华星科技大厦3幢501室，电话13812345678",
            false,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "浙江省杭州市西湖区文三路477号华星科技大厦3幢501室");
        assert!(hits[0].1 >= 0.85);
        assert_eq!(hits[0].2.province, Some("浙江省"));
        assert_eq!(hits[0].2.city, Some("杭州市"));
        assert_eq!(hits[0].2.district, Some("西湖区"));
    }

    #[test]
    fn spaced_export_address_and_village_group() {
        let hits = find(
            "甘肃省 定西市 岷县 长安镇 书院北大街972号绿地小区2栋2308室",
            false,
        );
        assert_eq!(
            hits[0].0,
            "甘肃省 定西市 岷县 长安镇 书院北大街972号绿地小区2栋2308室"
        );
        let hits = find("广东省 梅州市 梅江区 东岗镇 北山乡孙家村5组72号", false);
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn road_named_after_a_province_in_another_city() {
        // 北京路 in 广州: the road is not a province; the chain still resolves to 广州.
        let hits = find("广州市越秀区北京路128号", false);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].2.city, Some("广州市"));
        assert_eq!(hits[0].2.province, None);
        assert_eq!(hits[0].2.district, Some("越秀区"));
    }

    #[test]
    fn not_addresses() {
        // Product titles, logistics traces and bare place names reach no household.
        for text in [
            "西湖龙井茶叶明前特级250g礼盒装",
            "【杭州市】快件已到达 杭州转运中心",
            "新疆棉短袖T恤男宽松潮流",
            "浙江省杭州市",
            "云南普洱茶熟茶357g饼",
            "婴儿纸尿裤L码84片（升级款）",
        ] {
            assert!(
                find(text, false).iter().all(|h| h.1 < 0.5),
                "{text}: {:?}",
                find(text, false)
            );
        }
    }

    #[test]
    fn detail_only_addresses_need_a_label() {
        let text = "胜利东大街424号馨园府29号楼4单元806";
        assert!(find(text, true)[0].1 >= 0.5);
        assert!(
            find(text, false)[0].1 >= 0.5,
            "road + estate + rooms is an address"
        );
        assert!(find("3号", false).is_empty());
    }

    #[test]
    fn building_unit_room_triple() {
        let hits = find("辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804", false);
        assert_eq!(hits[0].0, "辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804");
    }
}
