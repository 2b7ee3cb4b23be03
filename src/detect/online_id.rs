//! Online ids: the nickname a buyer goes by on a platform (买家会员名, 旺旺, `buyer_nick`).
//!
//! A nickname has no shape at all (`大大的胖虎1542`, `tb6020543032_38`), so only a column
//! whose header names nicknames makes its cells online ids, and in text only what follows
//! a label (`旺旺：tb_8812`) up to the next space or punctuation.
//! It is personal information under PIPL (it identifies the buyer on the platform and leads
//! to the order), but not a name: a category of its own would break the contract, so it is
//! reported as `other` by its own detector.

use super::name::{cell_value, CellVerdict, Labels};

/// Longest nickname (characters): platforms allow 20-32; longer cells are notes.
const MAX_CHARS: usize = 64;

/// Judges a whole cell of a column headed as nicknames.
pub fn cell(text: &str) -> CellVerdict {
    const PLACEHOLDERS: &[&str] = &["-", "--", "无", "null", "NULL", "None", "N/A", "匿名", "匿名用户"];
    let Some((start, trimmed)) = cell_value(text, PLACEHOLDERS) else {
        return CellVerdict::Blank;
    };
    let n = trimmed.chars().count();
    let only_digits = trimmed.bytes().all(|b| b.is_ascii_digit());
    if !(2..=MAX_CHARS).contains(&n) || only_digits || trimmed.contains(['@', '\n']) {
        return CellVerdict::NotAName;
    }
    CellVerdict::Name(start, start + trimmed.len())
}

/// Appends the byte spans of the nicknames that follow a label in `text`.
pub fn find(labels: &Labels, text: &str, out: &mut Vec<(usize, usize)>) {
    // A nickname has no shape to check: the label must be set off (`旺旺：`, `旺旺 `).
    labels.for_each_value(text, |start, separated| {
        if !separated {
            return;
        }
        let len = text[start..]
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || "，,。；;、：:！!？?（）()【】[]{}\\\"'“”".contains(c))
            .map_or(text.len() - start, |(i, _)| i);
        if let CellVerdict::Name(s, e) = cell(&text[start..start + len]) {
            out.push((start + s, start + e));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_of_every_shape() {
        for nick in [
            "大大的胖虎1542",
            "tb6020543032_38",
            "jd_6cb98411",
            "小王同学",
            " gtian8128 ",
        ] {
            assert!(matches!(cell(nick), CellVerdict::Name(..)), "{nick}");
        }
        assert!(matches!(cell(" abc "), CellVerdict::Name(1, 4)));
        for blank in ["", "t***8", "匿名用户", "-"] {
            assert_eq!(cell(blank), CellVerdict::Blank, "{blank}");
        }
        for not in ["1", "13812345678", "a@b.com", &"长".repeat(65)] {
            assert_eq!(cell(not), CellVerdict::NotAName, "{not}");
        }
    }

    #[test]
    fn nicknames_after_labels() {
        let labels = Labels::new(&["旺旺".into(), "买家会员名".into(), "nick".into()]);
        let text = "旺旺：tb_8812 说要改地址，买家会员名是小猫咪2020。nick: abc, the nick xyz";
        let mut out = Vec::new();
        find(&labels, text, &mut out);
        let found: Vec<&str> = out.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["tb_8812", "小猫咪2020", "abc"]);
    }
}
