//! Names and messages pass through the same masking as values.
//!
//! File names (`李娜_13812345678_发票.txt`), archive members, table names quoted by a parser's
//! error and sheet names in warnings can hold personal data. Without `--reveal` they are
//! written with each value the detectors find replaced by its masked form (`138****5678`).
//! Names are short and carry no context, so every hit counts whatever its confidence, and a
//! long digit run glued to letters (`t13812345678`) is checked on its own as well.

use super::mask::mask_finding;
use super::{DetectorSet, Hit, Scratch};
use std::borrow::Cow;

/// Digit runs shorter than this hold no identifier the detectors know.
const MIN_RUN: usize = 7;

/// Masks the values in names and messages; one per thread (it keeps scratch space).
pub struct Redactor<'a> {
    detectors: &'a DetectorSet,
    scratch: Scratch,
    hits: Vec<Hit>,
    run_hits: Vec<Hit>,
    rejected: Vec<u32>,
    masked: String,
}

impl<'a> Redactor<'a> {
    pub fn new(detectors: &'a DetectorSet) -> Self {
        Redactor {
            detectors,
            scratch: Scratch::default(),
            hits: Vec::new(),
            run_hits: Vec::new(),
            rejected: vec![0; detectors.detectors().len()],
            masked: String::new(),
        }
    }

    /// `text` with every value found in it masked; borrowed when there is none.
    pub fn redact<'t>(&mut self, text: &'t str) -> Cow<'t, str> {
        // Most names hold no digit run and no `@`: nothing a detector but the address one
        // could find, and addresses need digits or 号/室-like markers that come with digits.
        let has_candidate =
            text.contains('@') || text.bytes().any(|b| b.is_ascii_digit()) || !text.is_ascii();
        if !has_candidate {
            return Cow::Borrowed(text);
        }
        self.hits.clear();
        self.detectors
            .scan(text, None, &mut self.scratch, &mut self.hits, &mut self.rejected);
        self.digit_runs(text);
        self.addresses_before_an_extension(text);
        if self.hits.is_empty() {
            return Cow::Borrowed(text);
        }
        self.hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for hit in &self.hits {
            if hit.start < at || hit.end > text.len() {
                continue; // overlaps one already masked
            }
            out.push_str(&text[at..hit.start]);
            self.masked.clear();
            let det = &self.detectors.detectors()[hit.detector];
            mask_finding(&hit.value, hit.parts.as_ref(), &det.mask, &mut self.masked);
            out.push_str(&self.masked);
            at = hit.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Long digit runs that no hit covers are scanned alone: inside a name they are often
    /// glued to letters or underscores, which the token boundaries of running text refuse.
    fn digit_runs(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // A resident ID's check character.
            if i < bytes.len() && matches!(bytes[i], b'X' | b'x') {
                i += 1;
            }
            let end = i;
            let covered = self.hits.iter().any(|h| h.start < end && start < h.end);
            if end - start < MIN_RUN || covered {
                continue;
            }
            self.scan_span(text, start, end);
        }
    }

    /// Scans `text[start..end]` alone and keeps its hits (placed in `text`); whether any.
    fn scan_span(&mut self, text: &str, start: usize, end: usize) -> bool {
        self.run_hits.clear();
        self.detectors.scan(
            &text[start..end],
            None,
            &mut self.scratch,
            &mut self.run_hits,
            &mut self.rejected,
        );
        let found = !self.run_hits.is_empty();
        for mut hit in self.run_hits.drain(..) {
            hit.start += start;
            hit.end += start;
            self.hits.push(hit);
        }
        found
    }

    /// `buyer@example.com.eml`: a file named after an e-mail address gets an extension
    /// that makes the domain invalid. Each `@` no hit covers is tried again with up to two
    /// trailing `.suffix` parts cut off.
    fn addresses_before_an_extension(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let email_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'%');
        for at in memchr::memchr_iter(b'@', bytes) {
            if self.hits.iter().any(|h| h.start <= at && at < h.end) {
                continue;
            }
            let start = bytes[..at]
                .iter()
                .rposition(|&b| !email_byte(b))
                .map_or(0, |i| i + 1);
            let mut end = bytes[at + 1..]
                .iter()
                .position(|&b| !email_byte(b))
                .map_or(bytes.len(), |i| at + 1 + i);
            for _ in 0..2 {
                let Some(dot) = bytes[at + 1..end].iter().rposition(|&b| b == b'.') else {
                    break;
                };
                end = at + 1 + dot;
                if self.scan_span(text, start, end) {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        let set = DetectorSet::builtin();
        Redactor::new(&set).redact(text).into_owned()
    }

    #[test]
    fn values_in_names_are_masked() {
        assert_eq!(redact("exports/13812345678.txt"), "exports/138****5678.txt");
        assert_eq!(redact("李娜_13812345678_发票.txt"), "李娜_138****5678_发票.txt");
        assert_eq!(redact("table t13812345678"), "table t138****5678");
        let id = redact("身份证 11010519491231002X.jpg");
        assert!(!id.contains("11010519491231002X"), "{id}");
        let mail = redact("from buyer.wang@example.com.eml");
        assert!(!mail.contains("buyer.wang@example.com"), "{mail}");
    }

    #[test]
    fn harmless_names_stay() {
        for name in [
            "exports/orders-2024-03.csv",
            "订单/2024年3月.xlsx",
            "backup.zip!dir/a.csv",
            "v1.2.3",
        ] {
            assert_eq!(redact(name), name);
        }
        assert!(matches!(
            Redactor::new(&DetectorSet::builtin()).redact("plain.csv"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn error_texts_are_masked() {
        let msg = redact("invalid cell: Unknown cell 't' attribute: 13812345678");
        assert!(!msg.contains("13812345678"), "{msg}");
        assert!(msg.starts_with("invalid cell: Unknown cell 't' attribute: "));
    }
}
