//! Context words: what the text says next to a value, or what its column is called.
//!
//! One Aho-Corasick automaton holds every detector's context words plus the business-number
//! words (订单号, 运单号, tracking, ...). English words match as whole tokens (`tel` is not in
//! `hotel`), camelCase and snake_case splits count (`bankCardNo`, `receiver_mobile`);
//! Chinese words match anywhere. The nearest word before a value decides: in
//! `订单号 … 手机 13812345678` the value is a phone, not an order number.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// What a context word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Names the data of these detectors (bit i = detector i).
    Names(u64),
    /// Names a business identifier (order, waybill, trade, serial number).
    Business,
}

impl Cue {
    /// Does this cue name detector `d`?
    pub fn names(self, d: usize) -> bool {
        matches!(self, Cue::Names(bits) if bits & (1 << d) != 0)
    }
}

/// How far before a value (bytes) context words are looked for: about a dozen Chinese
/// characters or a short English label.
const BEFORE: usize = 40;
/// How far after: only naming words count there (`6222… 中国工商银行`).
const AFTER: usize = 24;

/// The compiled context words.
#[derive(Debug)]
pub struct ContextWords {
    ac: AhoCorasick,
    cues: Vec<Cue>,
    ascii: Vec<bool>,
    /// Every word holds a letter or a non-ASCII character: a window of digits and
    /// punctuation (the rest of a cell around a value, most of the time) holds none.
    words_need_letters: bool,
}

/// Whether `window` has a letter or a non-ASCII byte, without which no word can be in it.
fn has_letter(window: &[u8]) -> bool {
    window.iter().any(|&b| b >= 0x80 || b.is_ascii_alphabetic())
}

impl ContextWords {
    /// `words`: (word, cue) pairs; the same word may come several times (its cues merge;
    /// a business word wins over naming words).
    pub fn new(words: &[(String, Cue)]) -> Self {
        let mut merged: Vec<(String, Cue)> = Vec::new();
        for (w, cue) in words {
            let w = w.to_lowercase();
            if w.is_empty() {
                continue;
            }
            match merged.iter_mut().find(|(m, _)| *m == w) {
                Some((_, c)) => {
                    *c = match (*c, *cue) {
                        (Cue::Names(a), Cue::Names(b)) => Cue::Names(a | b),
                        _ => Cue::Business,
                    }
                }
                None => merged.push((w, *cue)),
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(merged.iter().map(|(w, _)| w.as_bytes()))
            .expect("context words compile");
        ContextWords {
            words_need_letters: merged.iter().all(|(w, _)| has_letter(w.as_bytes())),
            ascii: merged.iter().map(|(w, _)| w.is_ascii()).collect(),
            cues: merged.into_iter().map(|(_, c)| c).collect(),
            ac,
        }
    }

    /// English words need token boundaries; camelCase humps count as boundaries.
    fn whole_token(&self, hay: &[u8], pattern: usize, s: usize, e: usize) -> bool {
        if !self.ascii[pattern] {
            return true;
        }
        let before_ok = s == 0 || {
            let p = hay[s - 1];
            !p.is_ascii_alphabetic() || (p.is_ascii_lowercase() && hay[s].is_ascii_uppercase())
        };
        // A camelCase hump after the word ends it for naming words (`mobilePhone`), but not
        // for business words: `OrderService` is a class name in a log, not an order number.
        let camel_ok = matches!(self.cues[pattern], Cue::Names(_));
        let after_ok = e >= hay.len() || {
            let n = hay[e];
            !n.is_ascii_alphabetic()
                || (camel_ok && n.is_ascii_uppercase() && hay[e - 1].is_ascii_lowercase())
        };
        before_ok && after_ok
    }

    /// The cue of the last context word in `hay` (a column header: its head noun comes last,
    /// `收货人手机号`, `order_id`).
    pub fn last_cue(&self, hay: &str) -> Option<Cue> {
        let b = hay.as_bytes();
        self.ac
            .find_iter(b)
            .filter(|m| self.whole_token(b, m.pattern().as_usize(), m.start(), m.end()))
            .last()
            .map(|m| self.cues[m.pattern().as_usize()])
    }

    /// The cue nearest to the value at `start..end` in `text`: the closest word in the
    /// `BEFORE` window (not reaching back past `floor`, the end of the previous candidate, nor
    /// over a line break), else the first naming word in the `AFTER` window.
    pub fn near(&self, text: &[u8], start: usize, end: usize, floor: usize) -> Option<Cue> {
        if let Some(cue) = self.before(text, start, floor) {
            return Some(cue);
        }
        let mut hi = (end + AFTER).min(text.len());
        if let Some(nl) = memchr::memchr(b'\n', &text[end..hi]) {
            hi = end + nl;
        }
        let after = &text[end..hi];
        if self.words_need_letters && !has_letter(after) {
            return None;
        }
        self.ac
            .find_iter(after)
            .filter(|m| self.whole_token(after, m.pattern().as_usize(), m.start(), m.end()))
            .map(|m| self.cues[m.pattern().as_usize()])
            .find(|c| matches!(c, Cue::Names(_)))
    }

    /// The cue of the closest context word before `start` in the `BEFORE` window (not
    /// reaching back past `floor` nor over a line break): a label, as `labelled` values need
    /// (a word after a value may name the next one: `examples/wechat_id/0.txt`).
    pub fn before(&self, text: &[u8], start: usize, floor: usize) -> Option<Cue> {
        let mut lo = start.saturating_sub(BEFORE).max(floor).min(start);
        if let Some(nl) = memchr::memrchr(b'\n', &text[lo..start]) {
            lo += nl + 1;
        }
        let before = &text[lo..start];
        if self.words_need_letters && !has_letter(before) {
            return None;
        }
        self.ac
            .find_iter(before)
            .filter(|m| self.whole_token(before, m.pattern().as_usize(), m.start(), m.end()))
            .last()
            .map(|m| self.cues[m.pattern().as_usize()])
    }
}

/// Which detectors' words occur anywhere in a text: a cheap gate before a regex pass that
/// only matters next to one of them. Substrings, no token rule (the label is checked
/// properly at each match): words that hold another word of the same detector are left out,
/// and English words are matched in lower, upper and title case, so the automaton stays
/// small enough for the SIMD searcher (Teddy) instead of a state machine.
#[derive(Debug)]
pub struct LabelGate {
    ac: AhoCorasick,
    /// The same words as a plain DFA without prefilter, for short texts (table cells), where
    /// the packed searcher falls back to Rabin-Karp.
    short: AhoCorasick,
    bits: Vec<u64>,
    /// Every word holds a letter or a non-ASCII byte, so a text without one (a number, a
    /// date, a price: most table cells) holds no word and is not searched.
    words_need_letters: bool,
}

/// Texts shorter than this are searched with the DFA.
const SHORT_TEXT: usize = 128;

impl LabelGate {
    /// `words`: (word, detector bit) pairs.
    pub fn new(words: &[(String, u64)]) -> Self {
        let mut kept: Vec<(String, u64)> = Vec::new();
        for (w, bit) in words {
            let w = w.to_lowercase();
            let covered = words
                .iter()
                .any(|(o, b)| b == bit && o.len() < w.len() && w.contains(&o.to_lowercase()));
            if w.is_empty() || covered {
                continue;
            }
            let mut title = w.clone();
            if let Some(first) = title.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            for v in [w.clone(), w.to_ascii_uppercase(), title] {
                if !kept.iter().any(|(k, b)| *k == v && b == bit) {
                    kept.push((v, *bit));
                }
            }
        }
        LabelGate {
            // Leftmost semantics: the packed SIMD searcher is only used with them.
            ac: AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(kept.iter().map(|(w, _)| w.as_bytes()))
                .expect("gate words compile"),
            short: AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .prefilter(false)
                .build(kept.iter().map(|(w, _)| w.as_bytes()))
                .expect("gate words compile"),
            words_need_letters: kept.iter().all(|(w, _)| has_letter(w.as_bytes())),
            bits: kept.into_iter().map(|(_, b)| b).collect(),
        }
    }

    /// The bits of every detector whose word occurs in `hay`.
    pub fn names_in(&self, hay: &[u8]) -> u64 {
        if self.words_need_letters && !has_letter(hay) {
            return 0;
        }
        let ac = if hay.len() < SHORT_TEXT {
            &self.short
        } else {
            &self.ac
        };
        ac.find_iter(hay)
            .fold(0, |bits, m| bits | self.bits[m.pattern().as_usize()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> ContextWords {
        ContextWords::new(&[
            ("手机".into(), Cue::Names(1)),
            ("tel".into(), Cue::Names(1)),
            ("card".into(), Cue::Names(2)),
            ("订单号".into(), Cue::Business),
            ("order".into(), Cue::Business),
        ])
    }

    #[test]
    fn nearest_word_before_decides() {
        let w = words();
        let t = "订单号 1234567890 手机 13812345678".as_bytes();
        let s = t.len() - 11;
        assert_eq!(w.near(t, s, t.len(), 0), Some(Cue::Names(1)));
        let t = "订单号 13812345678".as_bytes();
        assert_eq!(w.near(t, t.len() - 11, t.len(), 0), Some(Cue::Business));
    }

    #[test]
    fn english_words_are_whole_tokens() {
        let w = words();
        assert_eq!(w.last_cue("hotel"), None);
        assert_eq!(w.last_cue("bankCardNo"), Some(Cue::Names(2)));
        assert_eq!(w.last_cue("receiver_tel"), Some(Cue::Names(1)));
        assert_eq!(w.last_cue("buyer_tel_order"), Some(Cue::Business));
        assert_eq!(w.last_cue("c.s.o.OrderService"), None);
    }

    #[test]
    fn the_label_gate_sees_every_case_and_spelling() {
        let gate = LabelGate::new(&[
            ("微信".into(), 1),
            ("微信号".into(), 1),
            ("wechat".into(), 1),
            ("车牌".into(), 2),
        ]);
        assert_eq!(gate.names_in("加微信号 abc".as_bytes()), 1);
        assert_eq!(gate.names_in(b"WECHAT: abc"), 1);
        assert_eq!(gate.names_in("Wechat 与 车牌".as_bytes()), 3);
        assert_eq!(gate.names_in("电话 138".as_bytes()), 0);
        assert_eq!(gate.names_in(b"2024-03-01 13800138000"), 0);
        // A word without a letter turns the shortcut off rather than going unseen.
        let gate = LabelGate::new(&[("#".into(), 4), ("qq".into(), 8)]);
        assert_eq!(gate.names_in(b"# 12345"), 4);
    }

    #[test]
    fn line_breaks_end_the_window() {
        let w = words();
        let t = "手机\n13812345678".as_bytes();
        assert_eq!(w.near(t, t.len() - 11, t.len(), 0), None);
    }
}
