//! Labelled text: a cell under a header naming an address, or the clause after a label
//! (送到, 地址：, 新地址 …) or before a question about delivery (… 这个能送到吗).
//!
//! The label vouches that an address follows, so the candidate need not reach a household:
//! company, market and village addresses (…镇…村…有限公司, …工业区) rarely do. It must
//! still look like a place (an admin name, a named road, town, village, estate, zone or
//! organisation, a number) and not like a product title, a status word or a sentence: 送到
//! also leads into 房间 and 送到了. A header vouches more than a label in free text, so a
//! cell needs one sign of a place and a clause two.

use super::gazetteer::{admin_names, resolve, Admin, Level};
use super::*;

/// Every cue holds one of these characters: text without any is not searched for cues.
pub(super) const CUE_CHARS: [char; 4] = ['到', '址', '成', '往'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cue {
    /// The address follows (送到 …, 地址：…).
    Lead,
    /// The address came before (… 这个能送到吗).
    Trail,
}

/// Labels that lead into an address and questions that follow one.
pub(super) const CUES: &[(&str, Cue)] = &[
    ("寄到", Cue::Lead),
    ("发到", Cue::Lead),
    ("送到", Cue::Lead),
    ("邮到", Cue::Lead),
    ("改到", Cue::Lead),
    ("寄往", Cue::Lead),
    ("发往", Cue::Lead),
    ("送往", Cue::Lead),
    ("改成", Cue::Lead),
    ("换成", Cue::Lead),
    ("地址", Cue::Lead),
    ("地址是", Cue::Lead),
    ("地址为", Cue::Lead),
    ("新地址", Cue::Lead),
    ("住址", Cue::Lead),
    ("能送到吗", Cue::Trail),
    ("能不能送到", Cue::Trail),
    ("可以送到吗", Cue::Trail),
    ("送得到吗", Cue::Trail),
    ("能寄到吗", Cue::Trail),
    ("可以寄到吗", Cue::Trail),
    ("能发到吗", Cue::Trail),
];

/// After a label whose own clause is no address (地址写错了), the next clause may hold it
/// when it starts with one of these (…，应该是 …).
const FOLLOW_ONS: &[&str] = &["应该是", "应是", "改为", "改成", "换成", "是", "为"];

/// What a word in a candidate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Word {
    /// Township or village (镇, 乡, 街道, 村 …), named by at least this many characters.
    Town(u8),
    /// Road or lane.
    Road(u8),
    /// Estate, zone, market, organisation or landmark.
    Place(u8),
    /// A shop name or product title, not a place (旗舰店, 礼盒).
    NotPlace,
    /// A word of a sentence rather than an address (了, 我, 什么): a candidate of free text
    /// holding one is not taken.
    Chat,
    /// A word of a reply (吗, 我, 你) rather than an address: not taken even from a cell.
    StrongChat,
    /// An instruction or courtesy after the address (谢谢, 到了打电话, 电联): the candidate
    /// ends before it.
    Trailer,
    /// A field label (电话, 收货人): with its value after it, the next field starts.
    Field,
}

pub(super) const WORDS: &[(&str, Word)] = &[
    ("镇", Word::Town(1)),
    ("乡", Word::Town(1)),
    ("街道", Word::Town(1)),
    ("苏木", Word::Town(1)),
    ("办事处", Word::Town(2)),
    ("村", Word::Town(1)),
    ("社区", Word::Town(1)),
    ("居委会", Word::Town(1)),
    ("村委会", Word::Town(1)),
    ("嘎查", Word::Town(1)),
    ("屯", Word::Town(1)),
    ("路", Word::Road(1)),
    ("街", Word::Road(1)),
    ("大街", Word::Road(1)),
    ("大道", Word::Road(1)),
    ("巷", Word::Road(1)),
    ("胡同", Word::Road(1)),
    ("弄", Word::Road(1)),
    ("道", Word::Road(2)),
    ("里", Word::Road(2)),
    ("公路", Word::Road(1)),
    ("小区", Word::Place(1)),
    ("花园", Word::Place(1)),
    ("苑", Word::Place(1)),
    ("公寓", Word::Place(1)),
    ("大厦", Word::Place(1)),
    ("广场", Word::Place(1)),
    ("家园", Word::Place(1)),
    ("新村", Word::Place(1)),
    ("嘉园", Word::Place(1)),
    ("华庭", Word::Place(1)),
    ("名邸", Word::Place(1)),
    ("豪庭", Word::Place(1)),
    ("公馆", Word::Place(1)),
    ("府", Word::Place(2)),
    ("山庄", Word::Place(1)),
    ("城", Word::Place(2)),
    ("园", Word::Place(2)),
    ("中心", Word::Place(2)),
    ("大楼", Word::Place(1)),
    ("商厦", Word::Place(1)),
    ("写字楼", Word::Place(1)),
    ("商住楼", Word::Place(1)),
    ("别墅", Word::Place(1)),
    ("大院", Word::Place(1)),
    ("宿舍", Word::Place(2)),
    ("校区", Word::Place(1)),
    ("园区", Word::Place(1)),
    ("工业区", Word::Place(1)),
    ("工业园", Word::Place(1)),
    ("开发区", Word::Place(1)),
    ("产业园", Word::Place(1)),
    ("科技园", Word::Place(1)),
    ("创业园", Word::Place(1)),
    ("经济区", Word::Place(1)),
    ("保税区", Word::Place(1)),
    ("市场", Word::Place(1)),
    ("商城", Word::Place(1)),
    ("基地", Word::Place(1)),
    ("码头", Word::Place(2)),
    ("机场", Word::Place(2)),
    ("车站", Word::Place(2)),
    ("航站楼", Word::Place(1)),
    ("公司", Word::Place(2)),
    ("厂", Word::Place(2)),
    ("集团", Word::Place(2)),
    ("学校", Word::Place(2)),
    ("大学", Word::Place(2)),
    ("学院", Word::Place(2)),
    ("中学", Word::Place(1)),
    ("小学", Word::Place(1)),
    ("幼儿园", Word::Place(1)),
    ("医院", Word::Place(2)),
    ("卫生院", Word::Place(1)),
    ("诊所", Word::Place(2)),
    ("银行", Word::Place(2)),
    ("支行", Word::Place(2)),
    ("酒店", Word::Place(2)),
    ("宾馆", Word::Place(2)),
    ("饭店", Word::Place(2)),
    ("超市", Word::Place(2)),
    ("店", Word::Place(2)),
    ("馆", Word::Place(2)),
    ("局", Word::Place(2)),
    ("政府", Word::Place(2)),
    ("委员会", Word::Place(2)),
    ("管委会", Word::Place(1)),
    ("营业部", Word::Place(2)),
    ("项目部", Word::Place(2)),
    ("办公室", Word::Place(2)),
    ("仓库", Word::Place(2)),
    ("菜鸟驿站", Word::Place(0)),
    ("驿站", Word::Place(2)),
    ("快递点", Word::Place(0)),
    ("快递柜", Word::Place(0)),
    ("丰巢", Word::Place(0)),
    ("收发室", Word::Place(0)),
    ("传达室", Word::Place(0)),
    ("门卫室", Word::Place(0)),
    ("旗舰店", Word::NotPlace),
    ("专卖店", Word::NotPlace),
    ("专营店", Word::NotPlace),
    ("官方店", Word::NotPlace),
    ("直营店", Word::NotPlace),
    ("礼盒", Word::NotPlace),
    ("包邮", Word::NotPlace),
    ("正品", Word::NotPlace),
    ("新款", Word::NotPlace),
    ("同款", Word::NotPlace),
    ("尺码", Word::NotPlace),
    ("现货", Word::NotPlace),
    ("特价", Word::NotPlace),
    ("了", Word::StrongChat),
    ("吗", Word::StrongChat),
    ("呢", Word::StrongChat),
    ("我", Word::StrongChat),
    ("你", Word::StrongChat),
    ("您", Word::StrongChat),
    ("他", Word::Chat),
    ("她", Word::Chat),
    ("很", Word::Chat),
    ("没", Word::Chat),
    ("也", Word::Chat),
    ("就", Word::Chat),
    ("才", Word::Chat),
    ("把", Word::Chat),
    ("被", Word::Chat),
    ("让", Word::Chat),
    ("给", Word::Chat),
    ("说", Word::Chat),
    ("还", Word::Chat),
    ("离", Word::Chat),
    ("而", Word::Chat),
    ("是", Word::Chat),
    ("等", Word::Chat),
    ("去", Word::Chat),
    ("拿", Word::Chat),
    ("个", Word::Chat),
    ("要", Word::Chat),
    ("自己", Word::Chat),
    ("小时", Word::Chat),
    ("分钟", Word::Chat),
    ("这", Word::Chat),
    ("哪", Word::Chat),
    ("啊", Word::Chat),
    ("呀", Word::Chat),
    ("嘛", Word::Chat),
    ("什么", Word::Chat),
    ("怎么", Word::Chat),
    ("时候", Word::Chat),
    ("因为", Word::Chat),
    ("所以", Word::Chat),
    ("但是", Word::Chat),
    ("然后", Word::Chat),
    ("已经", Word::Chat),
    ("觉得", Word::Chat),
    ("感觉", Word::Chat),
    ("一下", Word::Chat),
    ("不错", Word::Chat),
    ("比较", Word::Chat),
    ("非常", Word::Chat),
    ("可以", Word::Chat),
    ("谢谢", Word::Trailer),
    ("多谢", Word::Trailer),
    ("感谢", Word::Trailer),
    ("麻烦", Word::Trailer),
    ("辛苦", Word::Trailer),
    ("到了", Word::Trailer),
    ("打电话", Word::Trailer),
    ("电话联系", Word::Trailer),
    ("电联", Word::Trailer),
    ("尽快", Word::Trailer),
    ("急用", Word::Trailer),
    ("这个能", Word::Trailer),
    ("这个地址", Word::Trailer),
    ("别寄", Word::Trailer),
    ("别发", Word::Trailer),
    ("电话", Word::Field),
    ("手机", Word::Field),
    ("收货人", Word::Field),
    ("收件人", Word::Field),
    ("联系人", Word::Field),
    ("联系方式", Word::Field),
    ("姓名", Word::Field),
    ("邮编", Word::Field),
    ("备注", Word::Field),
    ("身份证", Word::Field),
    ("邮箱", Word::Field),
    ("运单", Word::Field),
    ("订单", Word::Field),
];

/// Labels a cell may repeat before its value.
const CELL_LABELS: &[&str] = &[
    "收货地址",
    "收件地址",
    "收件人地址",
    "详细地址",
    "家庭住址",
    "通讯地址",
    "联系地址",
    "邮寄地址",
    "住址",
    "地址",
];

/// Which bar a candidate is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bar {
    /// A cell of a column whose header names an address.
    Cell,
    /// A clause after (or before) a label in free text.
    Clause,
    /// A clause holding a household-anchored span: the household vouches as a header does.
    Vouched,
}

/// Signs of a place, as bits.
const ADMIN: u8 = 1;
const TOWN: u8 = 2;
const ROAD: u8 = 4;
const PLACE: u8 = 8;
const NUMBER: u8 = 16;

/// Longest cell taken whole (characters): longer ones are notes, not an address field.
const MAX_CELL: usize = 100;
/// Longest clause taken (characters).
const MAX_CLAUSE: usize = 60;
/// A digit run this long is a phone, an ID or an order number, not part of an address.
const LONG_DIGITS: usize = 7;

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

impl AddressMatcher {
    /// A cell of an address column, taken whole when it looks like a place. False when the
    /// cell is not one address field (several fields, a note, a region, a name …); the
    /// caller then treats it as free text.
    pub(super) fn labelled_cell(&self, text: &str, out: &mut Vec<AddressHit>) -> bool {
        if text.len() > MAX_CELL * 4
            || !text.bytes().any(|b| b >= 0xE0)
            || text.contains('\n')
            || text.chars().count() > MAX_CELL
            || long_digits(text)
        {
            return false;
        }
        let (mut s, e) = trim(text, 0, text.len());
        // A label repeated in the cell (收货地址：…) is not part of the value.
        if let Some(label) = CELL_LABELS.iter().find(|l| text[s..e].starts_with(**l)) {
            s = skip_separators(text, s + label.len());
        }
        let e = strip_postcode(text, s, e);
        match self.weigh(text, s, e, None) {
            Some(hit) => {
                out.push(hit);
                true
            }
            None => false,
        }
    }

    /// Clauses after labels and before delivery questions, merged into `out` (from `first`):
    /// a clause taken replaces the household-anchored hits it overlaps.
    pub(super) fn labelled_clauses(&self, text: &str, first: usize, out: &mut Vec<AddressHit>) {
        let mut taken = 0;
        for m in self.cues.find_iter(text) {
            if m.start() < taken {
                continue;
            }
            let hit = match CUES[m.pattern().as_usize()].1 {
                Cue::Lead => {
                    let s = skip_separators(text, m.end());
                    let e = clause_end(text, s);
                    self.weigh(text, s, e, Some((out, first)))
                        .or_else(|| self.follow_on(text, s, e, out, first))
                }
                Cue::Trail => {
                    let e = m.start();
                    let s = clause_start(text, e).max(taken);
                    let (s, e) = trim(text, s, e);
                    let e = strip_suffixes(text, s, e, &["这个地址", "这个", "这里", "这"]);
                    self.weigh(text, s, e, Some((out, first)))
                }
            };
            if let Some(hit) = hit {
                taken = hit.end;
                merge(out, first, hit);
            }
        }
    }

    /// `地址写错了，应该是 …`: the clause after a label's clause, when it starts with a
    /// follow-on word.
    fn follow_on(
        &self,
        text: &str,
        s: usize,
        e: usize,
        out: &[AddressHit],
        first: usize,
    ) -> Option<AddressHit> {
        if text[s..e].chars().count() > 8 {
            return None;
        }
        let next = text[e..]
            .chars()
            .next()
            .filter(|c| is_delimiter(*c) && *c != '\n')?;
        let s = skip_spaces(text, e + next.len_utf8());
        let word = FOLLOW_ONS.iter().find(|w| text[s..].starts_with(**w))?;
        let s = skip_separators(text, s + word.len());
        let e = clause_end(text, s);
        self.weigh(text, s, e, Some((out, first)))
    }

    /// Judges the candidate `text[s..e]`: a cell (`clause` None) or a clause of free text
    /// (with the household-anchored hits found in it, from `first` in `out`). The candidate
    /// ends before a courtesy or instruction (谢谢, 到了打电话) and, in a clause, before a
    /// field label with its value (电话：…); a cell holding one is several fields.
    fn weigh(
        &self,
        text: &str,
        s: usize,
        e: usize,
        clause: Option<(&[AddressHit], usize)>,
    ) -> Option<AddressHit> {
        let (s, e) = trim(text, s, e);
        let whole = text.get(s..e)?;
        if !whole.bytes().any(|b| b >= 0xE0) {
            return None;
        }
        let admin = admin_names(whole);
        // A town is a sign of its own: the chain above it is what a region is made of (浙江省
        // 杭州市 is a region, …余杭区良渚街道 a place in it).
        let in_chain = |i: usize| {
            admin
                .iter()
                .any(|a| a.0 <= i && i < a.1 && a.2[0].level != Level::Town)
        };
        let (mut signs, mut named_words, mut not_place, mut chat) = (0, 0, false, false);
        let mut cut = whole.len();
        for m in self.words.find_iter(whole) {
            let word = WORDS[m.pattern().as_usize()].1;
            match word {
                Word::Trailer => {
                    cut = m.start();
                    break;
                }
                Word::Field if value_follows(&whole[m.end()..]) => {
                    // A cell holding another field is not one address field.
                    clause?;
                    cut = m.start();
                    break;
                }
                _ => {}
            }
            if in_chain(m.start()) {
                continue;
            }
            let (sign, min_name) = match word {
                Word::StrongChat => return None,
                Word::Chat => {
                    chat = true;
                    continue;
                }
                Word::NotPlace => {
                    not_place = true;
                    continue;
                }
                Word::Town(n) => (TOWN, n),
                Word::Road(n) => (ROAD, n),
                Word::Place(n) => (PLACE, n),
                Word::Trailer | Word::Field => continue,
            };
            if name_length(&whole[..m.start()], min_name) >= usize::from(min_name) {
                signs |= sign;
                // Two roads (…道和…道) are a street corner, not yet an address.
                named_words += usize::from(sign != ROAD);
            }
        }
        let e = end_particles(text, s, s + cut);
        let span = &text[s..e];
        let bar = match clause {
            None => Bar::Cell,
            Some((out, first)) if out[first..].iter().any(|h| h.start < e && s < h.end) => Bar::Vouched,
            Some(_) => Bar::Clause,
        };
        let (mut chars, mut cjk) = (0, 0);
        for c in span.chars() {
            chars += usize::from(!is_space(c));
            cjk += usize::from(is_cjk(c));
        }
        let (min, max) = match bar {
            Bar::Cell => (4, MAX_CELL),
            Bar::Clause | Bar::Vouched => (5, MAX_CLAUSE),
        };
        if cjk < 2 || chars < min || chars > max || (chat && bar == Bar::Clause) {
            return None;
        }
        let admin: Vec<Admin> = admin.into_iter().filter(|a| a.1 <= span.len()).collect();
        let chain: Vec<Admin> = admin
            .iter()
            .filter(|a| a.2[0].level != Level::Town)
            .copied()
            .collect();
        if !chain.is_empty() {
            signs |= ADMIN;
        }
        if chain.len() < admin.len() {
            signs |= TOWN;
        }
        let numbers = numbers(span);
        if numbers.product {
            return None;
        }
        if numbers.any {
            signs |= NUMBER;
        }
        if numbers.part {
            signs |= PLACE;
            named_words += 1;
        }
        // A shop or product name (…旗舰店) is a place only with a road, town or number.
        if not_place && signs & (ROAD | TOWN | NUMBER) == 0 {
            return None;
        }
        // Two named places (…开发区…城, …镇…村) say more than one.
        let count = signs.count_ones() + u32::from(named_words >= 2);
        let after = after_chain(span, &chain);
        let taken = match bar {
            Bar::Cell => signs & !ADMIN != 0 || after,
            // The household word is the number: something else has to name a place.
            Bar::Vouched => signs & !(ADMIN | NUMBER) != 0 || after,
            Bar::Clause => count >= 2 || (chain.len() >= 2 && after),
        };
        if !taken {
            return None;
        }
        // A header vouches for the cell, so its signs weigh more than a clause's; with the
        // header's boost, a full address (admin, road, estate, number) reaches the top.
        let confidence = match bar {
            Bar::Cell => 0.35 + 0.1 * count.min(4) as f32,
            Bar::Clause | Bar::Vouched => 0.3 + 0.05 * count.min(5) as f32,
        };
        Some(AddressHit {
            start: s,
            end: e,
            confidence,
            parts: resolve(&admin),
            labelled: true,
        })
    }
}

/// Where a candidate ends without the particles closing a chat line (…号 谢谢亲, …8层吧).
fn end_particles(text: &str, s: usize, e: usize) -> usize {
    let mut e = trim(text, s, e).1;
    while let Some(c) = text[s..e].chars().next_back() {
        let before = text[s..e - c.len_utf8()].chars().next_back();
        let particle = matches!(c, '亲' | '哦' | '哈' | '啦' | '呀' | '啊' | '嘛')
            || (c == '吧' && before.is_some_and(|b| b.is_ascii_alphanumeric() || "楼层室号栋".contains(b)));
        if !particle {
            break;
        }
        e = trim(text, s, e - c.len_utf8()).1;
    }
    e
}

/// Whether a field label is followed by its value (电话：, 手机 138…), not a word (手机店).
fn value_follows(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == ':' || c == '：' || is_space(c))
}

/// A digit run of `LONG_DIGITS` or more: a phone, an ID or an order number.
fn long_digits(text: &str) -> bool {
    let mut digits = 0;
    text.bytes().any(|b| {
        digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
        digits >= LONG_DIGITS
    })
}

/// The end of the clause starting at `s`: a delimiter, a long digit run, or `MAX_CLAUSE`
/// characters.
fn clause_end(text: &str, s: usize) -> usize {
    let mut e = s;
    let mut digits = 0;
    for (n, (i, c)) in text[s..].char_indices().enumerate() {
        if ends_clause(text, s + i, c) || n >= MAX_CLAUSE {
            break;
        }
        if c.is_ascii_digit() {
            digits += 1;
            if digits == LONG_DIGITS {
                // Back to where the run started.
                return s + i + 1 - LONG_DIGITS;
            }
        } else {
            digits = 0;
        }
        e = s + i + c.len_utf8();
    }
    e
}

/// Whether a name follows the admin chain (浙江省杭州市 阳山畈, 上海市 MDNS): a region
/// alone (浙江省 杭州市 西湖区) is no address. The chain ends at the last name that goes a
/// level deeper; a name after it that does not (a county after a county) is part of the
/// rest, but the rest needs a character outside every admin name.
fn after_chain(span: &str, admin: &[Admin]) -> bool {
    let mut deepest: Option<Level> = None;
    let mut chain_end = None;
    for a in admin {
        let level = a.2[0].level;
        if deepest.is_none_or(|d| level > d) {
            deepest = Some(level);
            chain_end = Some(a.1);
        }
    }
    let Some(end) = chain_end else {
        return false;
    };
    let (mut name, mut outside) = (0, 0);
    for (i, c) in span[end..].char_indices() {
        if is_cjk(c) || c.is_ascii_alphanumeric() {
            name += 1;
            outside += usize::from(!admin.iter().any(|a| a.0 <= end + i && end + i < a.1));
        }
    }
    name >= 2 && outside >= 1
}

/// Puts a labelled hit into `out` (text order from `first`), replacing the hits it overlaps
/// and keeping the best confidence of them.
fn merge(out: &mut Vec<AddressHit>, first: usize, mut hit: AddressHit) {
    let mut i = first;
    while i < out.len() {
        let h = &out[i];
        if h.start < hit.end && hit.start < h.end {
            hit.confidence = hit.confidence.max(h.confidence);
            // A household word may reach past where the clause was cut (…号 后门): the
            // household judge knows where the address ends.
            if h.end > hit.end && h.start >= hit.start {
                hit.end = h.end;
            }
            out.remove(i);
        } else {
            i += 1;
        }
    }
    let at = out[first..]
        .iter()
        .position(|h| h.start > hit.start)
        .map_or(out.len(), |p| first + p);
    out.insert(at, hit);
}

/// How many name characters (Chinese, letters, digits) come right before a place word, up
/// to `enough`: not a function word (送到的酒店) nor a number (3号航站楼 is a terminal,
/// not a name).
fn name_length(before: &str, enough: u8) -> usize {
    before
        .chars()
        .rev()
        .take(usize::from(enough))
        .take_while(|c| (is_cjk(*c) || c.is_ascii_alphanumeric()) && !"号栋幢层室的了到在是".contains(*c))
        .count()
}

/// What the numbers of a candidate say.
#[derive(Debug, Default)]
struct Numbers {
    /// A digit, or a Chinese numeral before a household word after a place (…村十组,
    /// …苑三号楼; not 对面三栋别墅, a count).
    any: bool,
    /// A numbered part of an estate or a building number after a name: 2期, 三区,
    /// 71-11-1105, 117-1460 (not a date).
    part: bool,
    /// A quantity of goods (250g, 5斤, 6袋): a product title, not an address.
    product: bool,
}

fn numbers(span: &str) -> Numbers {
    const GOODS: &[&str] = &["g", "kg", "ml", "斤", "克", "袋", "盒", "瓶", "箱", "罐", "件套"];
    let mut found = Numbers::default();
    let mut prev: Option<char> = None;
    let mut rest = span;
    while let Some(c) = rest.chars().next() {
        let ascii = c.is_ascii_digit();
        let chinese = strict::is_cn_digit(c);
        if !(ascii || chinese || ('０'..='９').contains(&c)) {
            prev = Some(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let run_len = if ascii {
            rest.len()
                - rest
                    .trim_start_matches(|d: char| d.is_ascii_digit() || d == '-' || d == '.')
                    .len()
        } else if chinese {
            rest.len() - rest.trim_start_matches(strict::is_cn_digit).len()
        } else {
            c.len_utf8()
        };
        let (run, after) = rest.split_at(run_len);
        let next = after.chars().next();
        let named = prev.is_some_and(is_cjk);
        found.any |= !chinese
            || (prev.is_some_and(strict::is_place_end)
                && next.is_some_and(|n| {
                    matches!(
                        n,
                        '号' | '栋' | '幢' | '楼' | '层' | '单' | '室' | '组' | '弄' | '座'
                    )
                }));
        if named && matches!(next, Some('期' | '区')) {
            found.part = true;
        }
        if ascii && named {
            let groups = run.trim_end_matches(['-', '.']).split('-');
            let (mut count, mut short) = (0, true);
            for g in groups {
                count += 1;
                short &= (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit());
            }
            found.part |= count >= 2 && short;
        }
        if ascii {
            found.product |= GOODS.iter().any(|u| {
                after.starts_with(u)
                    && !after[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(|n| n.is_ascii_alphanumeric())
            });
        }
        prev = run.chars().next_back();
        rest = after;
    }
    found
}

/// `text[s..e]` without surrounding spaces and filler (`_`, `-`).
fn trim(text: &str, s: usize, e: usize) -> (usize, usize) {
    let span = &text[s..e];
    let is_filler = |c: char| is_space(c) || matches!(c, '_' | '-' | '—' | '·' | '.' | '。' | '，' | ',');
    let lead = span.len() - span.trim_start_matches(is_filler).len();
    let tail = span.trim_end_matches(is_filler).len();
    if lead >= tail {
        return (s, s);
    }
    (s + lead, s + tail)
}

fn skip_spaces(text: &str, i: usize) -> usize {
    i + (text[i..].len() - text[i..].trim_start_matches(is_space).len())
}

/// Past spaces and a colon after a label.
fn skip_separators(text: &str, i: usize) -> usize {
    let rest = &text[i..];
    i + (rest.len()
        - rest
            .trim_start_matches(|c: char| is_space(c) || c == ':' || c == '：')
            .len())
}

/// Where the clause ending at `e` starts.
fn clause_start(text: &str, e: usize) -> usize {
    let mut s = e;
    for (n, (i, c)) in text[..e].char_indices().rev().enumerate() {
        if ends_clause(text, i, c) || n >= MAX_CLAUSE {
            break;
        }
        s = i;
    }
    s
}

/// Whether `c` at `i` ends a clause: a delimiter, but not a slash (桃花苑7号/中信银行) nor
/// 、 between numbers (工人北路167、169号), which people type inside one address.
fn ends_clause(text: &str, i: usize, c: char) -> bool {
    match c {
        '/' => false,
        '、' => {
            let before = text[..i].chars().next_back();
            let after = text[i + c.len_utf8()..].chars().next();
            !(before.is_some_and(|b| b.is_ascii_digit()) && after.is_some_and(|a| a.is_ascii_digit()))
        }
        _ => is_delimiter(c),
    }
}

/// A trailing postcode (`(310000)`, ` 310000`, `邮编310000`) is not part of the address.
fn strip_postcode(text: &str, s: usize, e: usize) -> usize {
    let span = &text[s..e];
    let body = span
        .strip_suffix(')')
        .or_else(|| span.strip_suffix('）'))
        .unwrap_or(span);
    let digits = body.len() - body.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits != 6 {
        return e;
    }
    let before = &body[..body.len() - 6];
    let cut = if body.len() < span.len() {
        before.strip_suffix('(').or_else(|| before.strip_suffix('（'))
    } else {
        before
            .strip_suffix("邮编")
            .or_else(|| before.strip_suffix("邮编:"))
            .or_else(|| before.strip_suffix("邮编："))
            .or_else(|| {
                (before.ends_with(is_space) || before.ends_with(',') || before.ends_with('，'))
                    .then_some(before)
            })
    };
    match cut {
        Some(rest) => trim(text, s, s + rest.len()).1,
        None => e,
    }
}

/// `text[s..e]` without one of `suffixes` at its end.
fn strip_suffixes(text: &str, s: usize, e: usize, suffixes: &[&str]) -> usize {
    let span = &text[s..e];
    suffixes
        .iter()
        .find_map(|x| span.strip_suffix(x))
        .map_or(e, |rest| s + rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cue_holds_a_cue_character() {
        for (cue, _) in CUES {
            assert!(cue.chars().any(|c| CUE_CHARS.contains(&c)), "{cue}");
        }
    }
}
