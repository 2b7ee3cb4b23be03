//! Text shown on a terminal. File names, sheet names and error texts come from the scanned
//! share: a name with a newline, an ANSI/OSC escape sequence or a bidirectional override must
//! not break a listing, drive the terminal or disguise itself, so every text pimap prints
//! for people passes through `printable`.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: control characters (C0, DEL, C1) and the
/// invisible formatting characters that reorder or hide text (bidi overrides, zero-width).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// `text` with unsafe characters written as Rust escapes (`\n`, `\u{1b}`).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Terminal columns taken by `text`. Paths on Chinese file shares are mostly CJK, which
/// terminals draw two columns wide; this covers the East Asian Wide blocks that occur in
/// file names, without a Unicode width table.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_drives_or_fools_a_terminal() {
        assert_eq!(printable("订单/a.csv"), "订单/a.csv");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable("x\u{1b}]0;pwned\u{7}"), "x\\u{1b}]0;pwned\\u{7}");
        assert_eq!(printable("a\rb"), "a\\rb");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn cjk_is_two_columns() {
        assert_eq!(display_width("订单a"), 5);
    }
}
