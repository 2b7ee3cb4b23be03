//! Chinese postal addresses: find spans that reach a household, resolve province, city and
//! district.
//!
//! Addresses have no checksum and place names are everywhere (西湖龙井, 新疆棉, shop names,
//! logistics traces), so in free text a span is reported only when its structure reaches a
//! household: a number with a unit (号, 室, 栋, 单元, 座, 组 …), a building letter (B座) or a
//! `4-3-804` triple (`strict`). Admin names from the gazetteer (historical GB/T 2260 names plus
//! short forms), a road and an estate raise confidence. Spans stop at punctuation, brackets
//! and field labels (电话, 收货人 …); labels are context, not part of the value.
//!
//! Where something says an address follows, the bar is lower (`labelled`): a cell of a column
//! whose header names an address is taken whole, and so is the clause after a label
//! (送到, 地址：, 新地址 …), when it looks like a place. Company and village addresses
//! (…村…有限公司, …工业区) often reach no household, and are addresses all the same.
//!
//! Deliberately not done here: English addresses, checking that the admin chain is
//! consistent (real exports contain inconsistent and invented chains that are still
//! addresses), parsing below the county beyond these structural cues.

pub mod fields;
mod gazetteer;
mod labelled;
mod strict;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
pub use gazetteer::Level;

/// Province, city, district and town an address resolves to (any may be unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub province: Option<&'static str>,
    pub city: Option<&'static str>,
    pub district: Option<&'static str>,
    /// The township (镇, 乡, 街道 …) when its name resolves to one place. Not part of the
    /// masked form: it says more about where someone lives than a finding should show.
    pub town: Option<&'static str>,
}

/// One address found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressHit {
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
    pub parts: Parts,
    /// A label in the text or the column header vouches for it: the caller scores it as if a
    /// context word named it, even when none is near.
    pub labelled: bool,
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
    "校区", "宿舍", "驿站", "商铺", "超市", "村", "社区", "大院", "山庄", "城", "中心",
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

/// Compiled address matcher (shared by all threads).
pub struct AddressMatcher {
    units: AhoCorasick,
    pickups: AhoCorasick,
    /// Units and pickup points together: one pass over long texts.
    anchor_words: AhoCorasick,
    roads: AhoCorasick,
    estates: AhoCorasick,
    labels: AhoCorasick,
    /// Labels leading into an address and phrases following one (`labelled::CUES`).
    cues: AhoCorasick,
    /// Words that say what a labelled candidate is (`labelled::WORDS`).
    words: AhoCorasick,
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

impl AddressMatcher {
    pub fn new() -> Self {
        let build = |words: &[&str]| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(words)
                .expect("address words compile")
        };
        // Build the gazetteer now rather than on the first text.
        let _ = gazetteer::gazetteer();
        AddressMatcher {
            units: build(HOUSEHOLD_UNITS),
            pickups: build(PICKUP_POINTS),
            anchor_words: build(&[HOUSEHOLD_UNITS, PICKUP_POINTS].concat()),
            roads: build(ROADS),
            estates: build(ESTATES),
            labels: build(LABELS),
            cues: build(&labelled::CUES.iter().map(|c| c.0).collect::<Vec<_>>()),
            words: build(&labelled::WORDS.iter().map(|w| w.0).collect::<Vec<_>>()),
        }
    }

    /// Appends the addresses in `text` to `out` in text order, with a confidence from
    /// structure alone (context words and headers are applied by the caller, like every
    /// detector's context; `labelled` hits as if one named them). `labelled`: the text is a
    /// cell of a column whose header names an address. `anchors` is scratch space kept by the
    /// caller.
    pub fn find(
        &self,
        text: &str,
        labelled: bool,
        anchors: &mut Vec<(usize, usize)>,
        out: &mut Vec<AddressHit>,
    ) {
        // A cell taken whole needs no household-anchored spans: they would lie inside it.
        if labelled && self.labelled_cell(text, out) {
            return;
        }
        let first = out.len();
        if self.find_strict(text, anchors, out) {
            self.labelled_clauses(text, first, out);
        }
    }
}

/// Characters that end a span or a clause.
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

#[cfg(test)]
mod tests;
