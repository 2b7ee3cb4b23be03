//! Duplicate copies (stub: filled in by the duplicates work).

use super::DuplicateGroup;

/// Fingerprints kept per file for finding copies: the smallest `SKETCH` of its values.
pub const SKETCH: usize = 256;

/// One file as duplicate detection sees it.
pub struct Candidate<'a> {
    pub path: &'a str,
    /// Distinct values in the file (all detectors).
    pub distinct: u64,
    /// The file's smallest fingerprints, sorted ascending, at most `SKETCH` (all of them when
    /// the file has fewer).
    pub sketch: &'a [u64],
}

/// Groups of files sharing at least `min_overlap` of their values (of the smaller file),
/// among files with at least `min_values` distinct values.
pub fn find(files: &[Candidate<'_>], min_overlap: f64, min_values: u64) -> Vec<DuplicateGroup> {
    let _ = (files, min_overlap, min_values);
    Vec::new()
}

/// A sketch as stored in the inventory: 16 hex digits per fingerprint, concatenated.
pub fn encode_sketch(sketch: &[u64]) -> String {
    sketch.iter().map(|v| format!("{v:016x}")).collect()
}

/// The inverse of `encode_sketch`; None if the text is not a sketch.
pub fn decode_sketch(text: &str) -> Option<Vec<u64>> {
    if !text.len().is_multiple_of(16) {
        return None;
    }
    (0..text.len())
        .step_by(16)
        .map(|i| u64::from_str_radix(text.get(i..i + 16)?, 16).ok())
        .collect()
}
