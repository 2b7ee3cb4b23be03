//! `pimap locate`: where a person's values are, answered from an inventory's fingerprints
//! (PIPL Art. 44-47 requests to see or delete one's data) without rescanning and without the
//! inventory holding any value.
//!
//! Each value the user gives is read by the same detectors as a scan, so `138 1234 5678`,
//! `+86-138-1234-5678` and `13812345678` are the same query, then fingerprinted with the
//! inventory's key and looked up in every file's fingerprint sets.

use crate::detect::check::mod11_2_check;
use crate::detect::mask::mask_finding;
use crate::detect::spec::EquivalentForms;
use crate::detect::DetectorsError;
use crate::detect::{DetectorSet, Scratch};
use crate::fingerprint::{self, Key};
use crate::inventory::Inventory;
use crate::terminal::printable;
use crate::Exit;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// One value asked for, as pimap understood it.
#[derive(Debug, Serialize)]
pub struct Query {
    /// The value masked (what the output shows of it).
    pub value: String,
    /// The detector that recognized it; absent if none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detector: Option<String>,
    pub found: Vec<Place>,
    /// Names only: how many files hold the name. A name alone does not single out a person,
    /// so `found` lists only the files that also hold another value asked for in the same
    /// command (the inventory keeps files and columns, not records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_holding_name: Option<usize>,
}

/// A file (and column) holding a value.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// With stores (`scan --store`): the store, `path` being relative to its folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
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
    incomplete: Vec<FileName>,
    /// Files the scan could not read (wholly or in part) or skipped: an answer to a subject
    /// request must say they were not searched.
    not_searched: usize,
}

/// A file named in the answer: its path, or with stores `{"store": ..., "path": ...}`.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
enum FileName {
    Path(String),
    InStore { store: String, path: String },
}

impl FileName {
    fn of(inventory: &Inventory, path: &str) -> FileName {
        match in_store(inventory, path) {
            (Some(store), path) => FileName::InStore { store, path },
            (None, path) => FileName::Path(path),
        }
    }

    /// `store: path`, or the path, printable.
    fn shown(&self) -> String {
        match self {
            FileName::Path(path) => printable(path).into_owned(),
            FileName::InStore { store, path } => format!("{}: {}", printable(store), printable(path)),
        }
    }
}

/// The store and store-relative path of an entry's path (in memory `NAME/path`) when the
/// inventory has stores; else no store and the path.
fn in_store(inventory: &Inventory, path: &str) -> (Option<String>, String) {
    match (inventory.stores.is_empty(), crate::inventory::stores::split(path)) {
        (false, Some((store, rest))) => (Some(store.to_string()), rest.to_string()),
        _ => (None, path.to_string()),
    }
}

/// Why a lookup cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error(transparent)]
    Inventory(#[from] crate::InventoryError),
    #[error(transparent)]
    Key(#[from] fingerprint::KeyError),
    #[error("locate needs the key {} was made with: set {} or pass --key-file", printable(&.0.display().to_string()), fingerprint::KEY_VAR)]
    NoKey(std::path::PathBuf),
    #[error(
        "{} was made without a stable key (a random key, forgotten after the scan), so it cannot be searched: \
         set {} or pass --key-file, then scan again with --fingerprints",
        printable(.0), fingerprint::KEY_VAR
    )]
    PerScanKey(String),
    #[error("{} holds no fingerprints, so it cannot be searched: scan again with --fingerprints (and the same key)", printable(.0))]
    NoFingerprints(String),
    #[error("the key is not the one this inventory was made with (key id {given} here, {} in the inventory)", printable(.made_with))]
    OtherKey { given: String, made_with: String },
    #[error(transparent)]
    Detectors(#[from] DetectorsError),
    #[error("cannot write the answer: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the answer: {0}")]
    Write(#[source] std::io::Error),
}

/// What `pimap locate` is asked for.
#[derive(Debug)]
pub struct LocateRequest<'a> {
    /// An inventory made with `scan --fingerprints` and a stable key.
    pub inventory: &'a Path,
    /// The values to look for, as typed.
    pub values: &'a [String],
    /// Where the key is; None: the environment (`fingerprint::KEY_VAR`).
    pub key_file: Option<&'a Path>,
    /// The answer as JSON instead of text.
    pub json: bool,
    /// The extra detector definitions the inventory was made with.
    pub detectors: Option<&'a Path>,
}

pub fn run(args: &LocateRequest<'_>) -> Result<Exit, LocateError> {
    let inventory = crate::read_inventory(args.inventory)?;
    // Before asking for a key: an inventory made with a random key can never be searched,
    // and asking for "the key it was made with" would send the user after one that is gone.
    searchable(&inventory, &args.inventory.display().to_string())?;
    let key = Key::stable(args.key_file)?.ok_or_else(|| LocateError::NoKey(args.inventory.to_path_buf()))?;
    check_key(&inventory, &key)?;
    let detectors = crate::detect::load_detectors(args.detectors)?;
    let mut queries: Vec<Query> = args
        .values
        .iter()
        .map(|v| locate(&inventory, &detectors, &key, v))
        .collect();
    names_only_with_other_values(&mut queries, &detectors);
    let mut incomplete: Vec<FileName> = inventory
        .files
        .iter()
        .filter(|f| f.fingerprints.iter().any(|s| !s.complete))
        .map(|f| FileName::of(&inventory, &f.path))
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
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        render_text(&report)
    };
    write_out(&mut std::io::stdout().lock(), &text)?;
    Ok(if any_found { Exit::Ok } else { Exit::Partial })
}

/// Writes the answer; a reader that stops early (`pimap locate ... | head -1`) is no error.
fn write_out(out: &mut impl Write, text: &str) -> Result<(), LocateError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(LocateError::Write(e)),
        _ => Ok(()),
    }
}

/// Whether the inventory can be searched at all: made with a stable key and with
/// fingerprints. The message says how to make one that can.
fn searchable(inventory: &Inventory, name: &str) -> Result<(), LocateError> {
    if !inventory.key.cross_scan || inventory.key.key_id.is_none() {
        return Err(LocateError::PerScanKey(name.to_string()));
    }
    if !inventory.key.fingerprints {
        return Err(LocateError::NoFingerprints(name.to_string()));
    }
    Ok(())
}

/// The key must be the one the inventory's fingerprints were made with.
fn check_key(inventory: &Inventory, key: &Key) -> Result<(), LocateError> {
    match inventory.key.key_id.as_deref() {
        Some(id) if id == key.id() => Ok(()),
        Some(id) => Err(LocateError::OtherKey {
            given: key.id(),
            made_with: id.to_string(),
        }),
        None => Err(LocateError::PerScanKey("this inventory".into())),
    }
}

/// Finds one value.
pub fn locate(inventory: &Inventory, detectors: &DetectorSet, key: &Key, value: &str) -> Query {
    let spellings = recognize(detectors, value);
    if spellings.is_empty() {
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
            files_holding_name: None,
        };
    }
    let prints: Vec<(String, String)> = spellings
        .iter()
        .map(|(d, v)| {
            let det = &detectors.detectors()[*d];
            let print = key.fingerprint(&det.id, &fingerprint::normal_form(det.normal_form, v));
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
                let (store, path) = in_store(inventory, &file.path);
                found.push(Place {
                    store,
                    path,
                    table: set.table.clone(),
                    column: set.column.clone(),
                    detector: set.detector.clone(),
                });
            }
        }
    }
    found.sort();
    found.dedup();
    // Of several readings (a passport or a QQ number), the one the inventory holds is shown.
    let (d, normal) = spellings
        .iter()
        .find(|(d, _)| found.iter().any(|p| p.detector == detectors.detectors()[*d].id))
        .unwrap_or(&spellings[0])
        .clone();
    let det = &detectors.detectors()[d];
    let mut masked = String::new();
    mask_finding(&normal, None, &det.mask, &mut masked);
    Query {
        value: masked,
        detector: Some(det.id.clone()),
        found,
        files_holding_name: None,
    }
}

/// A name is shown where it is only in files that also hold another value of the same
/// command (`locate 王芳 13812345678`); otherwise only how many files hold it.
fn names_only_with_other_values(queries: &mut [Query], detectors: &DetectorSet) {
    let is_name = |q: &Query| {
        q.detector.as_ref().is_some_and(|id| {
            detectors
                .detectors()
                .iter()
                .any(|d| d.id == *id && d.category == crate::finding::Category::Name)
        })
    };
    let others: std::collections::BTreeSet<(Option<String>, String)> = queries
        .iter()
        .filter(|q| !is_name(q))
        .flat_map(|q| q.found.iter().map(|p| (p.store.clone(), p.path.clone())))
        .collect();
    for q in queries.iter_mut().filter(|q| is_name(q)) {
        let files: std::collections::BTreeSet<(&Option<String>, &String)> =
            q.found.iter().map(|p| (&p.store, &p.path)).collect();
        q.files_holding_name = Some(files.len());
        q.found
            .retain(|p| others.contains(&(p.store.clone(), p.path.clone())));
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
    if hits.is_empty() {
        // A value typed alone has no label: values that count only with one (a 15-digit
        // ID, a passport number, a QQ number) are read as if a header named their detector,
        // each detector on its own, since one typed value can be several of them (nine
        // digits: a passport or a QQ number).
        let labelled = detectors
            .detectors()
            .iter()
            .enumerate()
            .filter(|(_, d)| d.category != crate::finding::Category::Name && !d.cell_valued);
        let mut read = Vec::new();
        for (i, _) in labelled {
            let cue = Some(crate::detect::context::Cue::Names(1 << i));
            read.clear();
            detectors.scan(value.trim(), cue, &mut scratch, &mut read, &mut rejected);
            hits.extend(read.drain(..).filter(|h| h.detector == i));
        }
    }
    if hits.is_empty() {
        // A name typed alone has no label: read it as a cell of a name column.
        let names = detectors
            .detectors()
            .iter()
            .enumerate()
            .filter(|(_, d)| d.category == crate::finding::Category::Name)
            .fold(0u64, |bits, (i, _)| bits | 1 << i);
        if names != 0 {
            let cue = Some(crate::detect::context::Cue::Names(names));
            detectors.scan(value.trim(), cue, &mut scratch, &mut hits, &mut rejected);
            hits.retain(|h| names & (1 << h.detector) != 0);
        }
    }
    // The readings that cover most of what was typed, in the detectors' priority order.
    let widest = hits.iter().map(|h| h.end - h.start).max().unwrap_or(0);
    hits.retain(|h| h.end - h.start == widest);
    hits.sort_by_key(|h| h.detector);
    hits.dedup_by(|a, b| a.detector == b.detector && a.value == b.value);
    let mut out: Vec<(usize, String)> = hits.into_iter().map(|h| (h.detector, h.value)).collect();
    if let Some((d, v)) = out.first().cloned() {
        if detectors.detectors()[d].equivalent_forms == Some(EquivalentForms::ResidentId15And18) {
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

/// The answer for people. Paths, tables and columns come from the scanned share and the
/// value from the command line: all pass through `printable`.
fn render_text(report: &LocateReport<'_>) -> String {
    let mut out = String::new();
    for q in &report.queries {
        let value = printable(&q.value);
        match (&q.detector, q.found.is_empty()) {
            (None, _) => out.push_str(&format!(
                "{value}: not recognized as a resident ID, phone, bank card, e-mail or address\n"
            )),
            (Some(d), _) if q.files_holding_name.is_some_and(|n| n > 0) && q.found.is_empty() => {
                out.push_str(&format!(
                    "{value} ({}): held by {} file(s); a name alone does not single out a person: give it with the person's phone, ID or e-mail to see the files that hold both\n",
                    printable(d),
                    q.files_holding_name.unwrap_or_default()
                ))
            }
            (Some(d), true) => out.push_str(&format!("{value} ({}): not found\n", printable(d))),
            (Some(d), false) => {
                let files = q
                    .found
                    .iter()
                    .map(|p| (&p.store, &p.path))
                    .collect::<std::collections::BTreeSet<_>>();
                out.push_str(&format!(
                    "{value} ({}): {} place(s) in {} file(s)\n",
                    printable(d),
                    q.found.len(),
                    files.len()
                ));
                if let Some(n) = q.files_holding_name {
                    out.push_str(&format!(
                        "  (only the files that also hold another value asked for; the name is in {n} file(s))\n"
                    ));
                }
                for p in &q.found {
                    // With stores: `tmall: exports/orders.csv`.
                    let path = match &p.store {
                        Some(store) => format!("{}: {}", printable(store), printable(&p.path)),
                        None => printable(&p.path).into_owned(),
                    };
                    let place = match (&p.table, &p.column) {
                        (Some(t), Some(c)) => {
                            format!("  {path}  table/sheet {}, column {}", printable(t), printable(c))
                        }
                        (None, Some(c)) => format!("  {path}  column {}", printable(c)),
                        _ => format!("  {path}  (text)"),
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
        let names: Vec<String> = report.incomplete.iter().map(FileName::shown).collect();
        out.push_str(&format!(
            "note: {} file(s) had too many values to keep every fingerprint and may hold these values too: {}\n",
            report.incomplete.len(),
            names.join(", ")
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

    fn report_with(queries: Vec<Query>, incomplete: Vec<FileName>) -> LocateReport<'static> {
        LocateReport {
            inventory: "inv.json".into(),
            scanned_at: "2026-12-01T00:00:00Z",
            queries,
            incomplete,
            not_searched: 0,
        }
    }

    #[test]
    fn printed_names_cannot_drive_the_terminal() {
        let found = Query {
            value: "138****5678".into(),
            detector: Some("cn_mobile".into()),
            found: vec![Place {
                store: None,
                path: "evil\u{1b}]0;owned\u{7}\nname.csv".into(),
                table: Some("t\r".into()),
                column: Some("手机\u{202e}号".into()),
                detector: "cn_mobile".into(),
            }],
            files_holding_name: None,
        };
        let odd = Query {
            value: "ab\u{1b}[2Jcd".into(),
            detector: None,
            found: Vec::new(),
            files_holding_name: None,
        };
        let text = render_text(&report_with(
            vec![found, odd],
            vec![FileName::Path("big\n.csv".into())],
        ));
        assert!(
            !text
                .chars()
                .any(|c| c == '\u{1b}' || c == '\r' || c == '\u{202e}'),
            "{text:?}"
        );
        assert!(
            text.contains(
                "  evil\\u{1b}]0;owned\\u{7}\\nname.csv  table/sheet t\\r, column 手机\\u{202e}号\n"
            ),
            "{text}"
        );
        assert!(text.contains("ab\\u{1b}[2Jcd: not recognized"), "{text}");
        assert!(text.contains("may hold these values too: big\\n.csv\n"), "{text}");
        // One line per place, value and note: no name adds a line.
        assert_eq!(text.lines().count(), 4, "{text}");
    }

    #[test]
    fn with_stores_each_place_names_its_store() {
        let place = |store: Option<&str>, path: &str| Place {
            store: store.map(String::from),
            path: path.into(),
            table: None,
            column: Some("手机号".into()),
            detector: "cn_mobile".into(),
        };
        let found = Query {
            value: "138****5678".into(),
            detector: Some("cn_mobile".into()),
            found: vec![
                place(Some("taobao"), "exports/orders.csv"),
                place(Some("tmall"), "exports/orders.csv"),
            ],
            files_holding_name: None,
        };
        let incomplete = vec![FileName::InStore {
            store: "tmall".into(),
            path: "big.csv".into(),
        }];
        let report = report_with(vec![found], incomplete);
        let text = render_text(&report);
        assert!(
            text.contains("2 place(s) in 2 file(s)"),
            "the same path in two stores\n{text}"
        );
        assert!(
            text.contains("\n  taobao: exports/orders.csv  column 手机号\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  tmall: exports/orders.csv  column 手机号\n"),
            "{text}"
        );
        assert!(
            text.contains("may hold these values too: tmall: big.csv\n"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["queries"][0]["found"][1]["store"], "tmall");
        assert_eq!(json["queries"][0]["found"][1]["path"], "exports/orders.csv");
        assert_eq!(
            json["incomplete"],
            serde_json::json!([{"store": "tmall", "path": "big.csv"}])
        );
        // Without stores: no store field, incomplete files are paths.
        let plain = report_with(
            vec![Query {
                value: "x".into(),
                detector: Some("cn_mobile".into()),
                found: vec![place(None, "a.csv")],
                files_holding_name: None,
            }],
            vec![FileName::Path("big.csv".into())],
        );
        let json = serde_json::to_value(&plain).unwrap();
        assert!(json["queries"][0]["found"][0].get("store").is_none());
        assert_eq!(json["incomplete"], serde_json::json!(["big.csv"]));
    }

    /// A writer whose reader went away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A writer that fails for another reason.
    struct FullDisk;

    impl Write for FullDisk {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("no space left on device"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_ends_quietly_other_write_errors_do_not() {
        assert!(write_out(&mut ClosedPipe, "x\n").is_ok());
        let err = write_out(&mut FullDisk, "x\n").unwrap_err().to_string();
        assert!(err.contains("no space left"), "{err}");
    }

    #[test]
    fn an_inventory_without_a_stable_key_is_not_searchable() {
        let mut inv = Inventory::default();
        let err = searchable(&inv, "inv.json").unwrap_err().to_string();
        for needed in [
            "inv.json",
            "without a stable key",
            "cannot be searched",
            "PIMAP_KEY",
            "--key-file",
            "--fingerprints",
        ] {
            assert!(err.contains(needed), "{needed}: {err}");
        }
        assert!(!err.contains("the key inv.json was made with"), "{err}");
        inv.key.kind = crate::inventory::KeyKind::Stable;
        inv.key.key_id = Some("abc".into());
        inv.key.cross_scan = true;
        let err = searchable(&inv, "inv.json").unwrap_err().to_string();
        assert!(
            err.contains("no fingerprints") && err.contains("--fingerprints"),
            "{err}"
        );
        inv.key.fingerprints = true;
        assert!(searchable(&inv, "inv.json").is_ok());
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
