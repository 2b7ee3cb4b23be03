//! `pimap locate`: where a person's values are, answered from an inventory's fingerprints
//! (PIPL Art. 44-47 requests to see or delete one's data) without rescanning and without the
//! inventory holding any value.
//!
//! Each value the user gives is read by the same detectors as a scan, so `138 1234 5678`,
//! `+86-138-1234-5678` and `13812345678` are the same query, then fingerprinted with the
//! inventory's key and looked up in every file's fingerprint sets.

use crate::cli::LocateArgs;
use crate::detect::check::mod11_2_check;
use crate::detect::mask::mask_finding;
use crate::detect::{DetectorSet, Scratch};
use crate::fingerprint::{self, Key};
use crate::inventory::Inventory;
use crate::Exit;
use serde::Serialize;

/// One value asked for, as pimap understood it.
#[derive(Debug, Serialize)]
pub struct Query {
    /// The value masked (what the output shows of it).
    pub value: String,
    /// The detector that recognized it; absent if none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    pub found: Vec<Place>,
}

/// A file (and column) holding a value.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub detector: String,
}

#[derive(Debug, Serialize)]
struct LocateReport<'a> {
    inventory: String,
    scanned_at: &'a str,
    queries: Vec<Query>,
    /// Files whose fingerprint sets are incomplete (too many values): they may hold a value
    /// without it being found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    incomplete: Vec<String>,
    /// Files the scan could not read (wholly or in part) or skipped: an answer to a subject
    /// request must say they were not searched.
    not_searched: usize,
}

/// Why a lookup cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    /// The inventory cannot be read: the reason.
    #[error("{0}")]
    Inventory(String),
    #[error(transparent)]
    Key(#[from] fingerprint::KeyError),
    #[error("locate needs the key {} was made with: set {} or pass --key-file", .0.display(), fingerprint::KEY_VAR)]
    NoKey(std::path::PathBuf),
    #[error("this inventory holds no fingerprints: scan again with --fingerprints (and a stable key)")]
    NoFingerprints,
    #[error("the key is not the one this inventory was made with (key id {given} here, {made_with} in the inventory)")]
    OtherKey { given: String, made_with: String },
    #[error("this inventory was made with a per-scan key: its fingerprints cannot be matched")]
    PerScanKey,
    /// `--detectors` cannot be loaded: the problems.
    #[error("{0}")]
    Detectors(String),
    #[error("cannot write the answer: {0}")]
    Json(#[from] serde_json::Error),
}

pub fn run(args: &LocateArgs) -> Result<Exit, LocateError> {
    let inventory = crate::read_inventory(&args.inventory).map_err(LocateError::Inventory)?;
    let key =
        Key::stable(args.key_file.as_deref())?.ok_or_else(|| LocateError::NoKey(args.inventory.clone()))?;
    check_inventory(&inventory, &key)?;
    let detectors = crate::cli::load_detectors(args.detectors.as_ref()).map_err(LocateError::Detectors)?;
    let queries: Vec<Query> = args
        .values
        .iter()
        .map(|v| locate(&inventory, &detectors, &key, v))
        .collect();
    let mut incomplete: Vec<String> = inventory
        .files
        .iter()
        .filter(|f| f.fingerprints.iter().any(|s| !s.complete))
        .map(|f| f.path.clone())
        .collect();
    incomplete.dedup();
    let any_found = queries.iter().any(|q| !q.found.is_empty());
    let report = LocateReport {
        inventory: args.inventory.display().to_string(),
        scanned_at: &inventory.scanned_at,
        queries,
        incomplete,
        not_searched: inventory.errors.len() + inventory.skipped.len(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_text(&report));
    }
    Ok(if any_found { Exit::Ok } else { Exit::Partial })
}

/// The inventory must hold fingerprints made with this key.
fn check_inventory(inventory: &Inventory, key: &Key) -> Result<(), LocateError> {
    if !inventory.key.fingerprints {
        return Err(LocateError::NoFingerprints);
    }
    match inventory.key.key_id.as_deref() {
        Some(id) if id == key.id() => Ok(()),
        Some(id) => Err(LocateError::OtherKey {
            given: key.id(),
            made_with: id.to_string(),
        }),
        None => Err(LocateError::PerScanKey),
    }
}

/// Finds one value.
pub fn locate(inventory: &Inventory, detectors: &DetectorSet, key: &Key, value: &str) -> Query {
    let spellings = recognize(detectors, value);
    let Some((d, normal)) = spellings.first().cloned() else {
        return Query {
            value: crate::detect::mask::mask(
                value.trim(),
                &crate::detect::spec::MaskSpec::Ends {
                    keep_start: 2,
                    keep_end: 2,
                },
            ),
            detector: None,
            found: Vec::new(),
        };
    };
    let det = &detectors.detectors()[d];
    let mut masked = String::new();
    mask_finding(&normal, None, &det.mask, &mut masked);
    let prints: Vec<(String, String)> = spellings
        .iter()
        .map(|(d, v)| {
            let det = &detectors.detectors()[*d];
            let print = key.fingerprint(&det.id, &fingerprint::normal_form(det.category, v));
            (det.id.clone(), format!("{print:016x}"))
        })
        .collect();
    let mut found = Vec::new();
    for file in &inventory.files {
        for set in &file.fingerprints {
            let hit = prints
                .iter()
                .any(|(id, print)| *id == set.detector && set.contains(print));
            if hit {
                found.push(Place {
                    path: file.path.clone(),
                    table: set.table.clone(),
                    column: set.column.clone(),
                    detector: set.detector.clone(),
                });
            }
        }
    }
    found.sort();
    found.dedup();
    Query {
        value: masked,
        detector: Some(det.id.clone()),
        found,
    }
}

/// The detector values a typed value stands for: what the detectors read in it (the first
/// is the main reading), plus the other spelling of a resident ID (15 ↔ 18 digits: both
/// forms circulate for people born before 2000).
fn recognize(detectors: &DetectorSet, value: &str) -> Vec<(usize, String)> {
    let mut scratch = Scratch::default();
    let mut hits = Vec::new();
    let mut rejected = vec![0; detectors.detectors().len()];
    detectors.scan(value.trim(), None, &mut scratch, &mut hits, &mut rejected);
    // The reading that covers most of what was typed.
    hits.sort_by_key(|h| std::cmp::Reverse(h.end - h.start));
    let mut out: Vec<(usize, String)> = hits.into_iter().take(1).map(|h| (h.detector, h.value)).collect();
    if let Some((d, v)) = out.first().cloned() {
        if detectors.detectors()[d].id == "cn_resident_id" {
            if let Some(other) = other_id_spelling(&v) {
                out.push((d, other));
            }
        }
    }
    out
}

/// The 18-digit form of a 15-digit resident ID and back (GB 11643-1999: insert the century,
/// add the check character).
fn other_id_spelling(id: &str) -> Option<String> {
    let b = id.as_bytes();
    match b.len() {
        15 => {
            let mut first17 = Vec::with_capacity(17);
            first17.extend_from_slice(&b[..6]);
            first17.extend_from_slice(b"19");
            first17.extend_from_slice(&b[6..]);
            let check = mod11_2_check(&first17);
            first17.push(check);
            String::from_utf8(first17).ok()
        }
        18 if &b[6..8] == b"19" => {
            let mut v = Vec::with_capacity(15);
            v.extend_from_slice(&b[..6]);
            v.extend_from_slice(&b[8..17]);
            String::from_utf8(v).ok()
        }
        _ => None,
    }
}

fn render_text(report: &LocateReport<'_>) -> String {
    let mut out = String::new();
    for q in &report.queries {
        match (&q.detector, q.found.is_empty()) {
            (None, _) => out.push_str(&format!(
                "{}: not recognized as a resident ID, phone, bank card, e-mail or address\n",
                q.value
            )),
            (Some(d), true) => out.push_str(&format!("{} ({d}): not found\n", q.value)),
            (Some(d), false) => {
                let files = q
                    .found
                    .iter()
                    .map(|p| &p.path)
                    .collect::<std::collections::BTreeSet<_>>();
                out.push_str(&format!(
                    "{} ({d}): {} place(s) in {} file(s)\n",
                    q.value,
                    q.found.len(),
                    files.len()
                ));
                for p in &q.found {
                    let place = match (&p.table, &p.column) {
                        (Some(t), Some(c)) => format!("  {}  table/sheet {t}, column {c}", p.path),
                        (None, Some(c)) => format!("  {}  column {c}", p.path),
                        _ => format!("  {}  (text)", p.path),
                    };
                    out.push_str(&place);
                    out.push('\n');
                }
            }
        }
    }
    if report.not_searched > 0 {
        out.push_str(&format!(
            "note: {} file(s) could not be read or were skipped by the scan (see the inventory's errors and skipped); they were not searched\n",
            report.not_searched
        ));
    }
    if !report.incomplete.is_empty() {
        out.push_str(&format!(
            "note: {} file(s) had too many values to keep every fingerprint and may hold these values too: {}\n",
            report.incomplete.len(),
            report.incomplete.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_read_like_scanned_ones() {
        let detectors = DetectorSet::builtin();
        let id = |s: &str| {
            recognize(&detectors, s)
                .first()
                .map(|(d, v)| (detectors.detectors()[*d].id.clone(), v.clone()))
        };
        assert_eq!(
            id("+86 138-1234-5678"),
            Some(("cn_mobile".into(), "13812345678".into()))
        );
        assert_eq!(
            id("11010519491231002x"),
            Some(("cn_resident_id".into(), "11010519491231002X".into()))
        );
        assert_eq!(id("hello"), None);
    }

    #[test]
    fn resident_ids_have_two_spellings() {
        let eighteen = other_id_spelling("110105491231002").unwrap();
        assert_eq!(eighteen.len(), 18);
        assert!(eighteen.starts_with("11010519491231002"));
        assert_eq!(other_id_spelling(&eighteen).as_deref(), Some("110105491231002"));
        assert_eq!(
            other_id_spelling("110105200012310021"),
            None,
            "born after 1999: one spelling"
        );
    }
}
