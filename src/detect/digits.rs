//! Digit tokens to hits: which windows of a token's groups are values.
//!
//! A token (`tokens.rs`) is a chain of digit groups; a value is one group, or a window of
//! consecutive groups in a layout its pattern accepts. Widest windows first, patterns in
//! priority order: the first that validates claims the window. Some windows are not values
//! whatever they validate to, and are not counted as rejected either:
//! - digits before `@` when a real e-mail follows: the e-mail's local part, reported as the
//!   e-mail (`13812345678@139.com`); before `@南京晨报` they are a phone;
//! - a window of groups of one width next to another group of that width: a slice of a
//!   longer run (`1234 2222 3333 4444 6789`, rows of 4-digit feature ids), where nothing marks
//!   where a value would start or end. A layout with a group of another width is anchored by
//!   it (`138 1234 5678 2024` still holds a phone);
//! - an amount: a window followed by a decimal point and one or two digits that end the
//!   number (`13800000000.00`), unless a context word or the column names the detector (a
//!   phone column that went through a spreadsheet as floats: `13812345678.0`).

use super::context::Cue;
use super::tokens::{DigitToken, Group, Sep};
use super::{DetectorSet, Hit, Out, MAX_WINDOW_GROUPS};

impl DetectorSet {
    /// Scores one digit token. `email_ats`: the `@` of every e-mail a detector reported in
    /// this text, ascending.
    pub(super) fn score_digits(
        &self,
        text: &[u8],
        tok: &DigitToken,
        header: Option<Cue>,
        email_ats: &[usize],
        floor: &mut usize,
        out: &mut Out<'_>,
    ) {
        let groups = &tok.groups;
        let digits = tok.all();
        let last = groups.len() - 1;
        let local_part = tok.before_at && email_ats.binary_search(&groups[last].end).is_ok();
        let first = usize::from(tok.attached_start);
        let end = groups.len() - usize::from(tok.attached_end || local_part);
        let mut i = first;
        while i < end {
            let mut claimed = None;
            // An unlabelled value of a `neighbours` pattern: it claims its window only if no
            // other pattern does, so a card or phone of the same digits keeps them.
            let mut awaiting: Option<(Hit, usize)> = None;
            'windows: for j in (i..end.min(i + MAX_WINDOW_GROUPS)).rev() {
                let window = &digits[groups[i].digit_start..groups[j].digit_start + groups[j].len];
                let Some(candidates) = self.by_length.get(window.len()) else {
                    continue;
                };
                if candidates.is_empty() {
                    continue;
                }
                let grouped = j > i;
                if grouped && slice_of_run(tok, i, j) {
                    continue;
                }
                let (start, stop) = (groups[i].start, groups[j].end);
                let amount = amount_after(groups, j);
                for &pi in candidates {
                    let p = &self.patterns[pi];
                    if grouped && !p.layouts.iter().any(|l| layout_is(l, &groups[i..=j])) {
                        continue;
                    }
                    if p.extension && !(grouped && matches!(groups[j].sep, Sep::Hyphen | Sep::Extension)) {
                        continue;
                    }
                    if p.misses_its_prefix(window) {
                        // A shape-only value (no checksum): a candidate of its length with
                        // another prefix is what a failed check is to others, so that the
                        // look-alike rule tells a column of 16-digit codes whose few
                        // `2088…` are coincidences.
                        out.rejected[p.detector] += 1;
                        continue;
                    }
                    let Some(captured) = p.capture(window, &mut out.captures[pi]) else {
                        continue;
                    };
                    let mut awaits_column = false;
                    if p.context_required
                        && !(self.may_hold(p, out.labels)
                            && self.labelled(p.detector, text, (start, stop), *floor, header))
                    {
                        if !(p.neighbours
                            && awaiting.is_none()
                            && !self.business_before(text, start, *floor, header))
                        {
                            continue;
                        }
                        awaits_column = true;
                    }
                    if amount {
                        let cue = self.context.near(text, start, stop, *floor).or(header);
                        if !cue.is_some_and(|c| c.names(p.detector)) {
                            continue;
                        }
                    }
                    let prefixed;
                    let value = if p.value_prefix.is_empty() {
                        captured
                    } else {
                        prefixed = format!("{}{captured}", p.value_prefix);
                        &prefixed
                    };
                    // Unlabelled failures are not counted: the column rule weighs what the
                    // pattern looks at, and without a label it would not look.
                    let mut uncounted = 0;
                    let rejected = if awaits_column {
                        &mut uncounted
                    } else {
                        &mut out.rejected[p.detector]
                    };
                    let Some(base) = p.base_score(value, rejected) else {
                        continue;
                    };
                    let base = base + if grouped { p.layout_boost } else { 0.0 };
                    // Supported later, it is as good as labelled.
                    let cue = if awaits_column {
                        Some(Cue::Names(1 << p.detector))
                    } else {
                        self.context.near(text, start, stop, *floor).or(header)
                    };
                    let hit = Hit {
                        detector: p.detector,
                        start,
                        end: stop,
                        value: value.to_owned(),
                        confidence: self.with_context(p.detector, base, cue),
                        parts: None,
                        awaits_column,
                    };
                    if awaits_column {
                        awaiting = Some((hit, j));
                        continue;
                    }
                    out.hits.push(hit);
                    claimed = Some(j);
                    break 'windows;
                }
            }
            if claimed.is_none() {
                if let Some((hit, j)) = awaiting {
                    out.hits.push(hit);
                    claimed = Some(j);
                }
            }
            i = match claimed {
                Some(j) => {
                    *floor = groups[j].end;
                    j + 1
                }
                None => i + 1,
            };
        }
        *floor = groups[last].end;
    }
}

pub(super) fn layout_is(layout: &[usize], groups: &[Group]) -> bool {
    layout.len() == groups.len() && layout.iter().zip(groups).all(|(&l, g)| l == g.len)
}

/// Whether groups `i..=j` all have one width and a neighbouring group of the chain has it
/// too (an extension, `转1234`, is not part of a run).
fn slice_of_run(tok: &DigitToken, i: usize, j: usize) -> bool {
    let groups = &tok.groups;
    let width = groups[i].len;
    if groups[i + 1..=j].iter().any(|g| g.len != width) {
        return false;
    }
    let before = if i > 0 {
        groups[i - 1].len
    } else {
        tok.width_before
    };
    let after = match groups.get(j + 1) {
        Some(g) if g.sep == Sep::Extension => 0,
        Some(g) => g.len,
        None => tok.width_after,
    };
    before == width || after == width
}

/// Whether the window ending at group `j` is the integer part of an amount: a decimal point
/// and one or two digits follow, and the number ends there (`1.2.3` is not an amount).
fn amount_after(groups: &[Group], j: usize) -> bool {
    match groups.get(j + 1) {
        Some(g) if g.sep == Sep::Dot && g.len <= 2 => groups.get(j + 2).is_none_or(|g| g.sep != Sep::Dot),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::luhn;
    use super::super::Scratch;
    use super::*;

    /// (detector id, value, confidence) of every hit at the default confidence, and the
    /// rejections per detector id.
    fn scan(set: &DetectorSet, text: &str, header: Option<&str>) -> (Vec<(String, String)>, Vec<String>) {
        let mut hits = Vec::new();
        let mut rejected = vec![0; set.detectors().len()];
        let cue = header.and_then(|h| set.header_cue(h));
        set.scan(text, cue, &mut Scratch::default(), &mut hits, &mut rejected);
        let id = |d: usize| set.detectors()[d].id.clone();
        let found = hits
            .iter()
            .filter(|h| h.confidence >= crate::DEFAULT_MIN_CONFIDENCE)
            .map(|h| (id(h.detector), h.value.clone()))
            .collect();
        let rejected = (0..rejected.len()).filter(|&d| rejected[d] > 0).map(id).collect();
        (found, rejected)
    }

    fn found(set: &DetectorSet, text: &str) -> Vec<(String, String)> {
        scan(set, text, None).0
    }

    fn one(id: &str, value: &str) -> Vec<(String, String)> {
        vec![(id.to_string(), value.to_string())]
    }

    #[test]
    fn digits_before_at_are_a_local_part_only_before_a_real_email() {
        let set = DetectorSet::builtin();
        assert_eq!(
            found(&set, "记者 138-1234-8131@南京晨报"),
            one("cn_mobile", "13812348131")
        );
        assert_eq!(
            found(&set, "联系 13987654321@公众号"),
            one("cn_mobile", "13987654321")
        );
        // `@qq` is no e-mail (no public suffix): the phone is what is left.
        assert_eq!(
            found(&set, "13987654321@qq 加我"),
            one("cn_mobile", "13987654321")
        );
        assert_eq!(
            found(&set, "13812345678@163.com"),
            one("email", "13812345678@163.com")
        );
        assert_eq!(
            found(&set, "邮箱 li.13912345678@qq.com"),
            one("email", "li.13912345678@qq.com")
        );
        // A role mailbox is no e-mail finding; its digits are not a phone either way.
        assert_eq!(
            found(&set, "noreply@example.com 13812345678"),
            one("cn_mobile", "13812345678")
        );
    }

    #[test]
    fn windows_of_a_longer_run_are_not_values() {
        let set = DetectorSet::builtin();
        // 2222 3333 4444 6789 alone would be a Mastercard number.
        assert_eq!(
            found(&set, "2222 3333 4444 6789"),
            one("bank_card", "2222333344446789")
        );
        assert_eq!(found(&set, "1234 2222 3333 4444 6789"), []);
        assert_eq!(found(&set, "卡号 2222 3333 4444 6789 1234"), []);
        // Rows of 4-digit feature ids, longer than a token keeps (cut at MAX_GROUPS): the
        // card at the row's end is no card either.
        let row = "0012 4431 9876 5543 1234 8876 0012 4431 9876 5543 1234 8876 4367 4212 3456 7896";
        assert_eq!(found(&set, row), []);
        assert_eq!(found(&set, &format!("features: {row}\n{row}")), []);
        // Whole tokens and anchored layouts are kept.
        assert_eq!(
            found(&set, "4367 4212 3456 7896"),
            one("bank_card", "4367421234567896")
        );
        assert_eq!(
            found(&set, "卡 6222 0212 3456 7890 128"),
            one("bank_card", "6222021234567890128")
        );
        assert_eq!(found(&set, "138 1234 5678"), one("cn_mobile", "13812345678"));
        assert_eq!(found(&set, "138 1234 5678 2024"), one("cn_mobile", "13812345678"));
        assert_eq!(
            found(&set, "138 1234 5678 139 8765 4321"),
            [one("cn_mobile", "13812345678"), one("cn_mobile", "13987654321")].concat()
        );
        assert_eq!(
            found(&set, "电话 0755 2234 5678"),
            one("cn_landline", "075522345678")
        );
        assert_eq!(found(&set, "电话 0755 2234 5678 1234"), []);
        // An ID's layout has a group of another width.
        assert_eq!(
            found(&set, "身份证 1101 0519 4912 3100 2X"),
            one("cn_resident_id", "11010519491231002X")
        );
    }

    #[test]
    fn amounts_are_not_phones_unless_the_column_says_so() {
        let set = DetectorSet::builtin();
        for text in [
            "15021911040.0",
            "金额 13800000000.00 元",
            "合计13800000000.5",
            "amount=13812345678.00",
        ] {
            assert_eq!(found(&set, text), [], "{text}");
        }
        for header in ["amount", "退款金额", "备注"] {
            assert_eq!(scan(&set, "13800000000.00", Some(header)).0, [], "{header}");
        }
        // No rejections are counted for amounts: they are not candidates.
        assert_eq!(
            scan(&set, "14000000000.00", Some("amount")).1,
            Vec::<String>::new()
        );
        // A phone column that went through a spreadsheet as floats.
        assert_eq!(
            scan(&set, "13812345678.0", Some("手机")).0,
            one("cn_mobile", "13812345678")
        );
        assert_eq!(
            found(&set, "手机：13812345678.0"),
            one("cn_mobile", "13812345678")
        );
        // Dotted phones, versions and a dot that ends a sentence are not amounts.
        assert_eq!(found(&set, "138.1234.5678"), one("cn_mobile", "13812345678"));
        assert_eq!(found(&set, "电话13812345678."), one("cn_mobile", "13812345678"));
        assert_eq!(found(&set, "13812345678 1.5kg"), one("cn_mobile", "13812345678"));
    }

    #[test]
    fn international_landlines_with_bracketed_area_codes() {
        let set = DetectorSet::builtin();
        for (text, value) in [
            ("+86 (10) 8765 4321", "01087654321"),
            ("+86(21)6234 5678", "02162345678"),
            ("0086 (755) 2345 6789", "075523456789"),
            ("Tel: +86 (571) 8812 3456", "057188123456"),
            ("+86（20）87654321", "02087654321"),
            ("+86 (010) 8765 4321", "01087654321"),
        ] {
            assert_eq!(found(&set, text), one("cn_landline", value), "{text}");
        }
        // A mobile written the same way is still a mobile.
        assert_eq!(
            found(&set, "+86 (138) 1234 5678"),
            one("cn_mobile", "13812345678")
        );
    }

    #[test]
    fn privacy_numbers_are_not_the_buyers_mobile() {
        let set = DetectorSet::builtin();
        for text in [
            "17012345678-1234",
            "收货人手机 17012345678转1234",
            "17012345678分机1234",
            "17012345678,1234",
            "17012345678#1234",
        ] {
            assert_eq!(
                found(&set, text),
                one("cn_privacy_number", "170123456781234"),
                "{text}"
            );
        }
        // Not virtual numbers: a phone and another number.
        assert_eq!(found(&set, "17012345678 1234"), one("cn_mobile", "17012345678"));
        assert_eq!(found(&set, "17012345678-12345"), one("cn_mobile", "17012345678"));
        assert_eq!(found(&set, "170123456781234"), []);
    }

    #[test]
    fn role_mailboxes_are_not_reported_nor_rejected() {
        let set = DetectorSet::builtin();
        for text in [
            "noreply@example.com",
            "No-Reply@example.com",
            "bounces+1234@mail.example.com",
            "mailer-daemon@example.com",
            "notifications@example.com",
            "dependabot@example.com",
            "ci@example.com",
        ] {
            assert_eq!(scan(&set, text, Some("from")), (vec![], vec![]), "{text}");
        }
        for text in [
            "ci.wang@example.com",
            "noreplyzhang@example.com",
            "abuser@example.com",
        ] {
            assert_eq!(found(&set, text).len(), 1, "{text}");
        }
    }

    /// `prefix` completed to `len` digits (pseudo-random fill) with a Luhn check digit, or
    /// with the check digit off by one.
    fn card(prefix: &str, len: usize, luhn_ok: bool, seed: u64) -> String {
        let mut s = prefix.to_string();
        let mut x = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        while s.len() < len - 1 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s.push(char::from(b'0' + ((x >> 33) % 10) as u8));
        }
        let check = (0..10u8)
            .find(|d| luhn(&format!("{s}{d}")))
            .expect("a check digit");
        let check = if luhn_ok { check } else { (check + 1) % 10 };
        s.push(char::from(b'0' + check));
        s
    }

    #[test]
    fn grouped_and_ungrouped_cards_get_the_same_decision() {
        let set = DetectorSet::builtin();
        let d = set
            .detectors()
            .iter()
            .position(|d| d.id == "bank_card")
            .expect("bank_card");
        let layouts: Vec<Vec<usize>> = set
            .patterns
            .iter()
            .filter(|p| p.detector == d)
            .flat_map(|p| p.layouts.clone())
            .collect();
        assert!(layouts.len() >= 4);
        let mut checked = 0;
        for (n, layout) in layouts.iter().enumerate() {
            let len: usize = layout.iter().sum();
            for (prefix, luhn_ok) in [
                ("622848", true),
                ("622848", false),
                ("955880", false),
                ("436742", true),
            ] {
                let number = card(prefix, len, luhn_ok, n as u64);
                let mut grouped = Vec::new();
                let mut at = 0;
                for &w in layout {
                    grouped.push(&number[at..at + w]);
                    at += w;
                }
                for (context, sep) in [("", " "), ("卡号 ", " "), ("银行卡：", "-"), ("退款账户 ", " ")]
                {
                    let flat = found(&set, &format!("{context}{number}"));
                    let spaced = found(&set, &format!("{context}{}", grouped.join(sep)));
                    let is_card =
                        |f: &Vec<(String, String)>| f.iter().any(|(id, v)| id == "bank_card" && *v == number);
                    // Grouping adds its layout boost: it may find what the bare run does not,
                    // never the reverse.
                    assert!(
                        !is_card(&flat) || is_card(&spaced),
                        "{context}{number} vs {layout:?}"
                    );
                    if !context.is_empty() {
                        assert_eq!(
                            is_card(&flat),
                            is_card(&spaced),
                            "{context}{number} vs {layout:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 100);
    }

    #[test]
    fn an_unlabelled_legacy_id_counts_beside_an_id_on_its_line_and_awaits_a_column_otherwise() {
        let set = DetectorSet::builtin();
        let legacy = "110105491231002";
        let id = "11010519491231002X";
        let text = format!("张三 {id} 李四 {legacy}\n王五 {legacy}");
        assert_eq!(
            found(&set, &text),
            [one("cn_resident_id", id), one("cn_resident_id", legacy)].concat(),
            "the second line's has no neighbour"
        );
        // A cell's candidate waits for its column; `scan` drops it, a business word silences it.
        let mut hits = Vec::new();
        let mut rejected = vec![0; set.detectors().len()];
        let mut scratch = Scratch::default();
        let resident_id = set
            .detectors()
            .iter()
            .position(|d| d.id == "cn_resident_id")
            .unwrap();
        set.scan_awaiting_columns(legacy, None, &mut scratch, &mut hits, &mut rejected);
        assert!(hits.len() == 1 && hits[0].awaits_column && hits[0].value == legacy);
        assert!(found(&set, legacy).is_empty());
        hits.clear();
        set.scan_awaiting_columns(
            &format!("订单号 {legacy}"),
            None,
            &mut scratch,
            &mut hits,
            &mut rejected,
        );
        assert!(hits.is_empty());
        // Unlabelled failures are not counted against the column.
        set.scan_awaiting_columns("110105491331002", None, &mut scratch, &mut hits, &mut rejected);
        assert!(hits.is_empty() && rejected[resident_id] == 0);
        set.scan_awaiting_columns(
            "身份证 110105491331002",
            None,
            &mut scratch,
            &mut hits,
            &mut rejected,
        );
        assert_eq!(rejected[resident_id], 1, "a labelled failure counts");
    }
}
