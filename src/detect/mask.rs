//! Masked forms of values: what the inventory and findings show instead of the value.
//!
//! Conventions from Chinese practice (detectors.md §6): mobile 3+4, ID 6+4, card 6+4,
//! e-mail first letter + domain. The rule itself lives in each detector file.

use super::spec::MaskSpec;

/// Masks `value` (already normalized) by `rule`. Never returns the value unchanged: when a
/// value is too short for the rule, fewer characters stay visible.
pub fn mask(value: &str, rule: &MaskSpec) -> String {
    let mut out = String::with_capacity(value.len());
    mask_into(value, rule, &mut out);
    out
}

/// `mask`, appending to `out` (the findings writer reuses one buffer).
pub fn mask_into(value: &str, rule: &MaskSpec, out: &mut String) {
    match rule {
        MaskSpec::Ends { keep_start, keep_end } => mask_ends(value, *keep_start, *keep_end, out),
        MaskSpec::Email => match value.rsplit_once('@') {
            Some((local, domain)) => {
                out.extend(local.chars().next());
                out.push_str("***@");
                out.push_str(domain);
            }
            None => mask_ends(value, 1, 0, out),
        },
        // Without resolved parts (see `mask_address`), show nothing of it.
        MaskSpec::Address => out.push_str("****"),
        MaskSpec::Name => {
            let visible = super::name::visible_part(value);
            out.push_str(visible);
            let hidden = value[visible.len()..].chars().count().max(1);
            out.extend(std::iter::repeat_n('*', hidden));
        }
    }
}

/// The masked form of a finding: an address by its resolved parts, anything else by its
/// detector's rule.
pub fn mask_finding(value: &str, parts: Option<&super::address::Parts>, rule: &MaskSpec, out: &mut String) {
    match parts {
        Some(parts) => mask_address(parts, out),
        None => mask_into(value, rule, out),
    }
}

/// An address masked as its province, city and district, then `****`.
pub fn mask_address(parts: &super::address::Parts, out: &mut String) {
    let mut last = None;
    for part in [parts.province, parts.city, parts.district].into_iter().flatten() {
        if last != Some(part) {
            out.push_str(part);
        }
        last = Some(part);
    }
    out.push_str("****");
}

fn mask_ends(value: &str, keep_start: usize, keep_end: usize, out: &mut String) {
    let ascii = value.is_ascii();
    let n = if ascii { value.len() } else { value.chars().count() };
    let (mut a, mut b) = (keep_start, keep_end);
    // Hide at least a third of the value (and at least one character).
    let hidden = n.div_ceil(3).max(1);
    while a + b > 0 && a + b + hidden > n {
        if a >= b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    if ascii {
        // IDs, phones and cards (one per finding): whole slices instead of a char loop.
        out.push_str(&value[..a]);
        out.extend(std::iter::repeat_n('*', n - a - b));
        out.push_str(&value[n - b..]);
        return;
    }
    for (i, c) in value.chars().enumerate() {
        out.push(if i < a || i >= n - b { c } else { '*' });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_examples() {
        let id = MaskSpec::Ends {
            keep_start: 6,
            keep_end: 4,
        };
        assert_eq!(mask("11010519491231002X", &id), "110105********002X");
        let mobile = MaskSpec::Ends {
            keep_start: 3,
            keep_end: 4,
        };
        assert_eq!(mask("13812345678", &mobile), "138****5678");
        assert_eq!(mask("zhang@qq.com", &MaskSpec::Email), "z***@qq.com");
        assert_eq!(mask("王芳", &MaskSpec::Name), "王*");
        assert_eq!(mask("欧阳娜娜", &MaskSpec::Name), "欧阳**");
        assert_eq!(mask("李建国", &MaskSpec::Name), "李**");
    }

    #[test]
    fn short_values_stay_mostly_hidden() {
        let rule = MaskSpec::Ends {
            keep_start: 6,
            keep_end: 4,
        };
        let m = mask("12345678", &rule);
        assert_eq!(m.len(), 8);
        assert!(m.chars().filter(|&c| c == '*').count() >= 3, "{m}");
        assert_eq!(mask("1", &rule), "*");
    }
}
