//! Person names: a Chinese name (a surname from the lexicon and one to three given
//! characters) or a pinyin name, reported only where something says it is a name.
//!
//! A name has no checksum and two characters are everywhere in Chinese text, so a run of
//! characters is a name only with evidence beyond its shape:
//! - **a column** whose header names names (收货人, 姓名, `receiver_name`, `holder`): the whole
//!   cell is the candidate (`cell`);
//! - **a label** in text right before it (`收货人：王芳`, `户名张伟`): the label is one of the
//!   detector's context words (`find`);
//! - **收 right after it**, the way a parcel is addressed (`…3304，王芳收，138…`);
//! - **an identifier beside it** in the same clause (`张伟 11010519491231002X`, a card then
//!   `王芳`): the engine hands over the spans of the IDs, cards and phones it validated.
//!
//! Free-text names without any of these (`王芳说今天到`) are out of scope: without a label a
//! surname-led pair of characters is as often a word (高兴, 金额, 安装) as a name.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const SURNAMES: &str = include_str!("../../data/cn_surnames.tsv");
const GIVEN_CHARS: &str = include_str!("../../data/cn_given_chars.txt");

/// How common a surname is: names found without a label need a common one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Common,
    Rare,
}

struct Lexicon {
    single: HashMap<char, Tier>,
    compound: HashSet<(char, char)>,
    /// Pinyin of every surname (`zhang`, `ouyang`).
    pinyin: HashSet<&'static str>,
    given: HashSet<char>,
}

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let mut lex = Lexicon {
            single: HashMap::new(),
            compound: HashSet::new(),
            pinyin: HashSet::new(),
            given: GIVEN_CHARS
                .lines()
                .filter(|l| !l.starts_with('#'))
                .flat_map(str::chars)
                .filter(|c| !c.is_whitespace())
                .collect(),
        };
        for line in SURNAMES.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(surname), Some(pinyin), Some(tier)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            let mut chars = surname.chars();
            match (chars.next(), chars.next(), tier) {
                (Some(a), Some(b), "compound") => {
                    lex.compound.insert((a, b));
                }
                (Some(a), None, "common") => {
                    lex.single.insert(a, Tier::Common);
                }
                (Some(a), None, _) => {
                    lex.single.entry(a).or_insert(Tier::Rare);
                }
                _ => continue,
            }
            lex.pinyin.insert(pinyin);
        }
        lex
    })
}

/// Han characters, including the extension blocks rare given names use (䶮, 𠇔).
pub fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{20000}'..='\u{3134F}'
        | '\u{F900}'..='\u{FAFF}')
}

/// Characters that end or make up words that are never given names: places, shops,
/// goods, roles and units (高级, 金额, 王者荣耀店 would otherwise pass a surname check).
const NOT_IN_GIVEN_NAMES: &str = "店铺司公行部省市区县镇乡村路街号楼室栋元件个台只箱包袋瓶盒套份次单款码色味装货品类型价钱费额账户的了是在有和与或不没也都就吗呢吧啊哦嗯么你我他她它们这那哪谁什啥客服亲快递物流网站厂店馆院校所站场处科组队会局厅";

/// Words that often follow a name in a sentence (联系人张伟明天到): a given character is not
/// taken when one of them starts there.
const AFTER_NAME: &[&str] = &[
    "明天", "今天", "后天", "已经", "现在", "马上", "电话", "手机", "地址", "在家", "不在", "收到", "签收",
];

/// Titles written after a surname instead of a given name (王先生, 李女士): a way to address
/// someone, not a name.
const TITLES: &[&str] = &[
    "先生", "女士", "小姐", "老师", "师傅", "总", "经理", "同学", "阿姨", "大哥", "姐",
];

/// Where a name was found, which decides its confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The whole cell of a column headed as names.
    Column,
    /// Right after a label in text.
    Label,
    /// Right before 收.
    Addressee,
    /// Beside an ID, card or phone number in the same clause.
    BesideIdentifier,
}

impl Evidence {
    /// The confidence before context: every kind reaches the default threshold, and a label
    /// or header adds the detector's context boost on top.
    pub fn score(self) -> f32 {
        match self {
            Evidence::Column | Evidence::Label | Evidence::Addressee => 0.6,
            Evidence::BesideIdentifier => 0.55,
        }
    }
}

/// One name in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameHit {
    pub start: usize,
    pub end: usize,
    pub evidence: Evidence,
}

/// What a cell of a name column turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellVerdict {
    /// A name at this byte span of the cell.
    Name(usize, usize),
    /// Not a name (counts against the column: a product "name" column holds look-alikes).
    NotAName,
    /// Nothing to judge: empty, a placeholder (无, -, null) or already masked (王*).
    Blank,
}

/// A detector's context words used as labels that lead into a value in text: Chinese ones
/// anywhere (`收货人：王芳`, `户名张伟`), English ones only as a key (`"receiver_name": "王芳"`,
/// `real_name=王芳`): a bare English `name` in a log line is as often a file's or a product's.
/// Whether `text` holds a character of three UTF-8 bytes (every Han character this module
/// reads), skipping ASCII eight bytes at a time: most cells and log lines hold none.
pub fn has_han(text: &str) -> bool {
    let b = text.as_bytes();
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        if word & 0x8080_8080_8080_8080 != 0 && chunk.iter().any(|&c| (0xE0..0xF0).contains(&c)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| (0xE0..0xF0).contains(&c))
}

/// A set of characters of the Basic Multilingual Plane as a bitmap (8 KiB): whether a text
/// holds one of them is one pass of loads and bit tests, cheaper than starting an automaton
/// on each of the millions of short cells that hold none.
pub struct CharSet(Box<[u64; 1024]>);

impl std::fmt::Debug for CharSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CharSet")
    }
}

impl CharSet {
    pub fn new(chars: impl IntoIterator<Item = char>) -> Self {
        let mut map = Box::new([0u64; 1024]);
        for c in chars.into_iter().map(|c| c as usize).filter(|&c| c < 0x10000) {
            map[c >> 6] |= 1 << (c & 63);
        }
        CharSet(map)
    }

    pub fn union(&mut self, other: &CharSet) {
        self.0.iter_mut().zip(other.0.iter()).for_each(|(a, b)| *a |= b);
    }

    /// Whether `text` holds one of the characters (only three-byte UTF-8 ones are looked at:
    /// every Chinese label character is one).
    pub fn any_in(&self, text: &str) -> bool {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 2 < b.len() {
            if b[i] < 0xE0 || b[i] >= 0xF0 {
                i += 1;
                continue;
            }
            let c = (usize::from(b[i] & 0x0F) << 12)
                | (usize::from(b[i + 1] & 0x3F) << 6)
                | usize::from(b[i + 2] & 0x3F);
            if self.0[c >> 6] & (1 << (c & 63)) != 0 {
                return true;
            }
            i += 3;
        }
        false
    }
}

pub struct Labels {
    /// The Chinese words.
    han: Option<AhoCorasick>,
    /// Their first characters.
    pub han_starts: CharSet,
    /// The English words, lower-case: they count only as keys (`"real_name": `, `nick=`).
    keys: HashSet<String>,
}

impl std::fmt::Debug for Labels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Labels")
    }
}

impl Labels {
    pub fn new(context: &[String]) -> Self {
        let build = || {
            let words: Vec<&String> = context.iter().filter(|w| !w.is_ascii()).collect();
            (!words.is_empty()).then(|| {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&words)
                    .expect("labels compile")
            })
        };
        Labels {
            han: build(),
            han_starts: CharSet::new(
                context
                    .iter()
                    .filter(|w| !w.is_ascii())
                    .filter_map(|w| w.chars().next()),
            ),
            keys: context
                .iter()
                .filter(|w| w.is_ascii() && !w.is_empty())
                .map(|w| w.to_ascii_lowercase())
                .collect(),
        }
    }

    /// Calls `value_at` with the offset where each label's value starts (after `：`, `是` …)
    /// and whether a separator came between (`收货人：王芳`, not `客户过来`: a label word glued to
    /// what follows may be an ordinary noun in a sentence).
    pub fn for_each_value(&self, text: &str, mut value_at: impl FnMut(usize, bool)) {
        let bytes = text.as_bytes();
        if let Some(han) = self.han.as_ref().filter(|_| self.han_starts.any_in(text)) {
            for m in han.find_iter(text) {
                let at = skip_label_separator(text, m.end());
                value_at(at, at > m.end());
            }
        }
        if !self.keys.is_empty() {
            for_each_key(bytes, |key, at| {
                let mut lower = [0u8; MAX_KEY];
                lower[..key.len()].copy_from_slice(key);
                lower[..key.len()].make_ascii_lowercase();
                if std::str::from_utf8(&lower[..key.len()]).is_ok_and(|k| self.keys.contains(k)) {
                    value_at(at, true);
                }
            });
        }
    }
}

/// Longest key looked at (`receiver_name`, `consigneeName`).
const MAX_KEY: usize = 32;

/// Calls `found(key, value_start)` for every `key: value`, `"key": "value"`, `\\"key\\":
/// \\"value\\"` and `key=value` in `bytes`: a word of letters, digits, `_` or `-` (not
/// starting with a digit: `12:30`) right before a `:` or `=`. One look per separator, so a
/// log line costs a few comparisons, not an automaton.
fn for_each_key(bytes: &[u8], mut found: impl FnMut(&[u8], usize)) {
    let quote = |b: u8| matches!(b, b'"' | b'\'' | b'\\' | b' ');
    for sep in memchr::memchr2_iter(b':', b'=', bytes) {
        let mut end = sep;
        while end > 0 && quote(bytes[end - 1]) {
            end -= 1;
        }
        let mut start = end;
        while start > 0
            && (bytes[start - 1].is_ascii_alphanumeric() || matches!(bytes[start - 1], b'_' | b'-'))
        {
            start -= 1;
        }
        if start == end || end - start > MAX_KEY || bytes[start].is_ascii_digit() {
            continue;
        }
        let mut at = sep + 1;
        while at < bytes.len() && quote(bytes[at]) {
            at += 1;
        }
        found(&bytes[start..end], at);
    }
}

/// Compiled name matcher for one detector.
pub struct NameMatcher {
    labels: Labels,
}

impl std::fmt::Debug for NameMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameMatcher")
    }
}

impl NameMatcher {
    /// `context`: the detector's context words (its Chinese ones are labels in text).
    pub fn new(context: &[String]) -> Self {
        let _ = lexicon();
        NameMatcher {
            labels: Labels::new(context),
        }
    }

    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// Judges a whole cell of a column headed as names.
    pub fn cell(&self, text: &str) -> CellVerdict {
        const PLACEHOLDERS: &[&str] = &[
            "-", "--", "无", "空", "null", "NULL", "None", "none", "N/A", "n/a", "匿名",
        ];
        let Some((start, trimmed)) = cell_value(text, PLACEHOLDERS) else {
            return CellVerdict::Blank;
        };
        let ok = if trimmed.is_ascii() {
            is_pinyin_name(trimmed)
        } else if trimmed.contains([' ', '\u{3000}']) {
            // Two-character names are often typed with a space between (王 芳).
            let joined: String = trimmed.chars().filter(|&c| c != ' ' && c != '\u{3000}').collect();
            joined.chars().count() <= 4 && chinese_name_len(&joined, false) == Some(joined.len())
        } else {
            chinese_name_len(trimmed, false) == Some(trimmed.len()) || is_minority_name(trimmed)
        };
        if ok {
            CellVerdict::Name(start, start + trimmed.len())
        } else {
            CellVerdict::NotAName
        }
    }

    /// Appends the names in free text: after a label, before 收, beside an identifier
    /// (`identifiers`: byte spans of the IDs, cards and phones validated in `text`).
    pub fn find(&self, text: &str, identifiers: &[(usize, usize)], out: &mut Vec<NameHit>) {
        let first = out.len();
        self.labels.for_each_value(text, |at, separated| {
            if let Some((s, e)) = name_at(text, at).filter(|&(s, e)| separated || bare_name(&text[s..e])) {
                out.push(NameHit {
                    start: s,
                    end: e,
                    evidence: Evidence::Label,
                });
            }
        });
        for at in memchr::memmem::find_iter(text.as_bytes(), "收".as_bytes()) {
            if let Some((s, e)) = addressee_before(text, at) {
                out.push(NameHit {
                    start: s,
                    end: e,
                    evidence: Evidence::Addressee,
                });
            }
        }
        for &(s, e) in identifiers {
            for span in [name_before(text, s), name_after(text, e)].into_iter().flatten() {
                out.push(NameHit {
                    start: span.0,
                    end: span.1,
                    evidence: Evidence::BesideIdentifier,
                });
            }
        }
        // One hit per name: the strongest evidence (label first), in text order.
        let hits = &mut out[first..];
        hits.sort_by_key(|h| (h.start, h.evidence as u8));
        let mut kept = first;
        for i in first..out.len() {
            if kept > first && out[kept - 1].end > out[i].start {
                continue;
            }
            out[kept] = out[i];
            kept += 1;
        }
        out.truncate(kept);
    }
}

/// A cell's value without surrounding blanks and quotes, with its byte offset in `text`;
/// None when there is nothing to judge: empty, one of `placeholders`, or already masked.
pub fn cell_value<'a>(text: &'a str, placeholders: &[&str]) -> Option<(usize, &'a str)> {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    if trimmed.is_empty() || placeholders.contains(&trimmed) || trimmed.contains(['*', '＊']) {
        return None;
    }
    Some((trimmed.as_ptr() as usize - text.as_ptr() as usize, trimmed))
}

/// Separators a label may have before its name: `收货人：王芳`, `姓名 王芳`, `户名是王芳`.
fn skip_label_separator(text: &str, mut at: usize) -> usize {
    let mut separators = 0;
    while let Some(c) = text[at..].chars().next() {
        if matches!(c, ':' | '：' | ' ' | '\u{3000}' | '=' | '是' | '为' | '\t') && separators < 3 {
            at += c.len_utf8();
            separators += 1;
        } else {
            break;
        }
    }
    at
}

/// The name that starts at `start`, right after a label.
fn name_at(text: &str, start: usize) -> Option<(usize, usize)> {
    let run_end = han_run_end(text, start);
    if run_end == start {
        return None;
    }
    // Letters or a short number glued to the run make it a nickname (客户：阳光猫咪288); a
    // phone may follow a name directly (联系人张伟13812345678).
    let rest = &text[run_end..];
    let glued_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if rest.starts_with(|c: char| c.is_ascii_alphabetic()) || (1..7).contains(&glued_digits) {
        return None;
    }
    let len = chinese_name_len(&text[start..run_end], true)?;
    Some((start, start + len))
}

/// The name right before the 收 at `at` (`，王芳收，`): the run must start at a boundary and the
/// 收 end one, or it is a word (签收, 验收, 接收).
fn addressee_before(text: &str, at: usize) -> Option<(usize, usize)> {
    let after = text[at + '收'.len_utf8()..].chars().next();
    if after.is_some_and(|c| is_han(c) || c.is_ascii_alphabetic()) {
        return None;
    }
    let start = han_run_start(text, at);
    let run = &text[start..at];
    (chinese_name_len(run, false) == Some(run.len()) && bare_name(run)).then_some((start, at))
}

/// A name written just before an identifier (`张伟 110105…`, `实名，王芳 3301…`).
fn name_before(text: &str, at: usize) -> Option<(usize, usize)> {
    let end = text[..at]
        .trim_end_matches([' ', '\u{3000}', ':', '：', '\t'])
        .len();
    if end == at && at > 0 && text[..at].chars().next_back().is_some_and(is_han) {
        // Glued to the digits: 手机13812345678 is a label, not a name.
        return None;
    }
    let start = han_run_start(text, end);
    plausible_bare_name(text, start, end)
}

/// A name written just after an identifier (`6222 0212 3456 7890 王芳`).
fn name_after(text: &str, at: usize) -> Option<(usize, usize)> {
    let rest = &text[at..];
    let start = at + (rest.len() - rest.trim_start_matches([' ', '\u{3000}', '\t']).len());
    if start == at {
        return None;
    }
    let end = han_run_end(text, start);
    plausible_bare_name(text, start, end)
}

/// A run with no label: a common surname, given characters all common in names, two or
/// three characters in all, and a clause boundary on both sides.
fn plausible_bare_name(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    if start >= end {
        return None;
    }
    if !bare_name(&text[start..end]) {
        return None;
    }
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let boundary = |c: Option<char>| c.is_none_or(|c| !is_han(c) && !c.is_ascii_alphanumeric());
    (boundary(before) && boundary(after)).then_some((start, end))
}

/// Whether `run` can be a name with nothing but its neighbours to say so: a common surname
/// (or a compound one), two or three characters in all, every given character common in
/// names (居然要, 谢某 and 高速 are not names).
fn bare_name(run: &str) -> bool {
    let chars: Vec<char> = run.chars().collect();
    if !(2..=4).contains(&chars.len()) {
        return false;
    }
    let given = match surname_len(&chars) {
        Some((1, Tier::Common)) if chars.len() <= 3 => &chars[1..],
        Some((2, _)) => &chars[2..],
        _ => return false,
    };
    let lex = lexicon();
    !given.is_empty() && given.iter().all(|c| lex.given.contains(c))
}

/// The surname that starts `chars`: its length and tier.
fn surname_len(chars: &[char]) -> Option<(usize, Tier)> {
    let lex = lexicon();
    if chars.len() >= 3 && lex.compound.contains(&(chars[0], chars[1])) {
        return Some((2, Tier::Common));
    }
    lex.single.get(chars.first()?).map(|t| (1, *t))
}

/// The byte length of the Chinese name that starts `run`: a surname, then one to three
/// given characters (one or two after a compound surname). Without `prefix` the name must be
/// all of `run`; with it (text after a label) more words may follow, and then the name is
/// cut where the lexicon says: the given characters must all be common in names, and a
/// common surname is needed (收货人信息有误 is not 信息).
fn chinese_name_len(run: &str, prefix: bool) -> Option<usize> {
    let chars: Vec<char> = run.chars().take_while(|&c| is_han(c)).take(8).collect();
    if !prefix && chars.len() != run.chars().count() {
        return None;
    }
    let (surname, tier) = surname_len(&chars)?;
    let rest = chars.len() - surname;
    let max_given = if surname == 2 { 2 } else { 3 };
    let lex = lexicon();
    let common = |given: usize| {
        tier == Tier::Common
            && chars[surname..surname + given]
                .iter()
                .all(|c| lex.given.contains(c))
    };
    let follows_at = |i: usize| {
        let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
        rest.starts_with('收') || AFTER_NAME.iter().any(|w| rest.starts_with(w))
    };
    // After a label, a run longer than a name is a name only where a word that follows
    // names starts (收件人王芳收, 联系人李强明天到); otherwise it is a word or a nickname
    // (客户：阳光猫咪, 收货人信息有误), not a name cut out of it.
    let given = if prefix && follows_at(surname + 1) && common(1) {
        1
    } else if prefix && rest > 2 && follows_at(surname + 2) && common(2) {
        2
    } else if !prefix || rest <= 2 {
        rest
    } else {
        return None;
    };
    if given == 0 || given > max_given {
        return None;
    }
    let after_surname: String = chars[surname..].iter().collect();
    if chars[surname..surname + given]
        .iter()
        .any(|c| NOT_IN_GIVEN_NAMES.contains(*c))
        || TITLES.iter().any(|t| after_surname.starts_with(t))
    {
        return None;
    }
    Some(chars[..surname + given].iter().map(|c| c.len_utf8()).sum())
}

/// Names of Uyghur, Kazakh and other minorities, written with a middle dot (阿依古丽·买买提):
/// no Han surname to check, so only in a column headed as names.
fn is_minority_name(text: &str) -> bool {
    let parts: Vec<&str> = text.split(['·', '•', '・', '.']).collect();
    let n = text.chars().count();
    parts.len() >= 2
        && parts.len() <= 4
        && (4..=20).contains(&n)
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(is_han))
        && !text.chars().any(|c| NOT_IN_GIVEN_NAMES.contains(c))
}

/// Where the run of Han characters that ends at `end` starts.
fn han_run_start(text: &str, end: usize) -> usize {
    let mut start = end;
    for (i, c) in text[..end].char_indices().rev() {
        if !is_han(c) {
            break;
        }
        start = i;
    }
    start
}

/// Where the run of Han characters that starts at `start` ends.
fn han_run_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for (i, c) in text[start..].char_indices() {
        if !is_han(c) {
            break;
        }
        end = start + i + c.len_utf8();
    }
    end
}

/// Every syllable of Hanyu Pinyin (without tones), for telling `Zhang Wei` from `Blue Shirt`.
const PINYIN_SYLLABLES: &str = "a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu lv lu luan lue lve lun luo ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nv nuan nue nve nuo o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo";

fn syllables() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| PINYIN_SYLLABLES.split(' ').collect())
}

/// Whether a lower-case word is one or more pinyin syllables (`xiaoming`, `ouyang`).
fn is_pinyin_word(word: &str) -> bool {
    let s = syllables();
    let n = word.len();
    // can[i]: word[..i] splits into syllables.
    let mut can = vec![false; n + 1];
    can[0] = true;
    for i in 0..n {
        if !can[i] {
            continue;
        }
        for len in 1..=6.min(n - i) {
            if s.contains(&word[i..i + len]) {
                can[i + len] = true;
            }
        }
    }
    can[n]
}

/// `Zhang Wei`, `ZHANG Xiaoming`, `Wei Zhang`, `Ouyang Na`: two or three words of pinyin
/// (at most three syllables a word), one of the outer ones a surname.
fn is_pinyin_name(text: &str) -> bool {
    let words: Vec<String> = text
        .split([' ', '-', '.', ','])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if !(2..=3).contains(&words.len()) {
        return false;
    }
    let alphabetic = words
        .iter()
        .all(|w| w.len() <= 18 && w.bytes().all(|b| b.is_ascii_lowercase()));
    let lex = lexicon();
    alphabetic
        && words.iter().all(|w| is_pinyin_word(w))
        && (lex.pinyin.contains(words[0].as_str()) || lex.pinyin.contains(words[words.len() - 1].as_str()))
}

/// The surname of a normalized name (for masking: 王* and 欧阳**); for a pinyin name, its
/// first word's initial.
pub fn visible_part(value: &str) -> &str {
    let chars: Vec<char> = value.chars().take(3).collect();
    if value.is_ascii() {
        return &value[..value.len().min(1)];
    }
    match surname_len(&chars) {
        Some((n, _)) if chars.len() > n => &value[..chars[..n].iter().map(|c| c.len_utf8()).sum::<usize>()],
        _ => &value[..chars.first().map_or(0, |c| c.len_utf8())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> NameMatcher {
        NameMatcher::new(&[
            "收货人".into(),
            "收件人".into(),
            "联系人".into(),
            "姓名".into(),
            "户名".into(),
        ])
    }

    fn found(text: &str, ids: &[(usize, usize)]) -> Vec<(String, Evidence)> {
        let mut out = Vec::new();
        matcher().find(text, ids, &mut out);
        out.iter()
            .map(|h| (text[h.start..h.end].to_string(), h.evidence))
            .collect()
    }

    #[test]
    fn cells_of_name_columns() {
        let m = matcher();
        for name in [
            "王芳",
            "欧阳娜娜",
            "司马相",
            "李建国",
            " 张伟 ",
            "王 芳",
            "Zhang Wei",
            "OUYANG Xiaoming",
            "阿依古丽·买买提",
        ] {
            assert!(matches!(m.cell(name), CellVerdict::Name(..)), "{name}");
        }
        for blank in ["", "王*", "欧阳**", "-", "null", "  "] {
            assert_eq!(m.cell(blank), CellVerdict::Blank, "{blank:?}");
        }
        for not in [
            "纯棉四件套",
            "优品生活旗舰店",
            "王先生",
            "李女士",
            "13812345678",
            "Blue Shirt",
            "iPhone 15",
            "王",
            "张三李四王五赵六",
            "金额",
        ] {
            assert_eq!(m.cell(not), CellVerdict::NotAName, "{not}");
        }
        // Rare-character given names (extension blocks) are names.
        assert!(matches!(m.cell("王䶮"), CellVerdict::Name(..)));
        assert!(matches!(m.cell("刘𠇔"), CellVerdict::Name(..)));
    }

    #[test]
    fn labels_lead_into_names() {
        assert_eq!(
            found("收货人：王芳，电话13812345678", &[]),
            [("王芳".into(), Evidence::Label)]
        );
        assert_eq!(found("户名张伟", &[]), [("张伟".into(), Evidence::Label)]);
        assert_eq!(
            found("姓名 欧阳娜娜 身份证", &[]),
            [("欧阳娜娜".into(), Evidence::Label)]
        );
        // The name ends where the next words start.
        assert_eq!(found("联系人李强明天到", &[]), [("李强".into(), Evidence::Label)]);
        // A label followed by no name.
        assert!(found("收货人：请填写", &[]).is_empty());
        assert!(found("收货人信息有误", &[]).is_empty());
        assert!(found("联系人王先生", &[]).is_empty());
        // Nicknames after a label are not names cut out of them.
        for text in [
            "联系人：阳光猫咪288",
            "联系人：安静的猫咪",
            "联系人 王芳abc",
            "有联系人过来",
            "联系人居多",
        ] {
            assert!(found(text, &[]).is_empty(), "{text}");
        }
        assert_eq!(
            found("联系人张伟13812345678", &[]),
            [("张伟".into(), Evidence::Label)]
        );
        // English labels only as keys (JSON in a cell, escaped JSON, key=value).
        let m = NameMatcher::new(&["name".into(), "real_name".into()]);
        for (text, name) in [
            (r#"{"name": "王芳", "phone": "13812345678"}"#, "王芳"),
            (r#"{\"real_name\": \"欧阳娜娜\"}"#, "欧阳娜娜"),
            ("real_name=李建国&x=1", "李建国"),
        ] {
            let mut out = Vec::new();
            m.find(text, &[], &mut out);
            let got: Vec<&str> = out.iter().map(|h| &text[h.start..h.end]).collect();
            assert_eq!(got, [name], "{text}");
        }
        for text in ["the name 王芳 is", r#"{"skuName": "王芳"}"#, "rename: 王芳"] {
            let mut out = Vec::new();
            m.find(text, &[], &mut out);
            assert!(out.is_empty(), "{text}");
        }
    }

    #[test]
    fn addressee_before_shou() {
        assert_eq!(
            found("3单元502，王芳收，13812345678", &[]),
            [("王芳".into(), Evidence::Addressee)]
        );
        for text in [
            "已签收，谢谢",
            "验收合格",
            "请注意查收",
            "王芳收到了",
            "，居然要收费",
            "大道1号_谢某收",
        ] {
            assert!(found(text, &[]).is_empty(), "{text}");
        }
    }

    #[test]
    fn names_beside_identifiers() {
        let text = "海关要实名，张伟 11010519491231002X";
        let at = text.find('1').unwrap();
        assert_eq!(
            found(text, &[(at, text.len())]),
            [("张伟".into(), Evidence::BesideIdentifier)]
        );
        let text = "6222 0212 3456 7890 王芳";
        assert_eq!(
            found(text, &[(0, 19)]),
            [("王芳".into(), Evidence::BesideIdentifier)]
        );
        // Words beside numbers are not names: uncommon given characters, no boundary, labels.
        for text in [
            "金额 13812345678",
            "安装 13812345678",
            "手机13812345678",
            "中国银行 6222021234567890",
        ] {
            let at = text.find(|c: char| c.is_ascii_digit()).unwrap();
            assert!(found(text, &[(at, text.len())]).is_empty(), "{text}");
        }
    }

    #[test]
    fn masks_keep_the_surname() {
        assert_eq!(visible_part("王芳"), "王");
        assert_eq!(visible_part("欧阳娜娜"), "欧阳");
        assert_eq!(visible_part("Zhang Wei"), "Z");
    }

    #[test]
    fn pinyin_needs_pinyin_words_and_a_surname() {
        assert!(is_pinyin_name("Li Xiaolong"));
        assert!(is_pinyin_name("Wei Zhang"));
        assert!(!is_pinyin_name("John Smith"));
        assert!(!is_pinyin_name("Xiaolong"));
        assert!(!is_pinyin_name("Hong Kong Ltd"));
    }
}
