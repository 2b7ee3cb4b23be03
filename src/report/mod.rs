//! Writing results out: findings as JSON Lines, the inventory as JSON, and what a person
//! sees on stderr (the summary).
//!
//! Files are created with mode 0600: an inventory or findings file is itself a record of
//! where personal data lives. Raw values are written only when `reveal` is set.

pub mod document;
mod html;
mod i18n;
mod markdown;
pub mod output;
pub mod sink;
mod table;
mod workbook;

use crate::detect::mask::mask_finding;
use crate::detect::DetectorSet;
use crate::finding::{Found, Location};
use crate::identity::Ids;
use crate::inventory::Inventory;
use crate::terminal::printable;
use output::{Output, OutputError};
use std::io::{self, BufWriter, Write};

/// What a report is written as. (`clap::ValueEnum` lets the command line name them as they
/// are, without a second list to keep in step.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
    Csv,
    Md,
    // An Excel workbook, one sheet per table (`workbook`). A plain comment: clap would show
    // a doc comment in --help for this value alone.
    Xlsx,
}

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Chinese when the environment's locale is Chinese, English otherwise.
    pub fn from_env() -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_default();
        if locale.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// Formats findings as JSON Lines (contract: one object per finding). Each worker thread
/// has one, so formatting runs in parallel; the writer only copies bytes.
#[derive(Debug, Clone)]
pub struct FindingsFormatter {
    reveal: bool,
    masked: String,
    /// Paths are `STORE/path` (`scan --store`): written as `"path"` and `"store"`.
    stores: bool,
    /// The key of the findings' `id`s.
    ids: Ids,
    /// The previous finding's location (JSON), for the ordinal of findings that share one.
    previous_location: Vec<u8>,
}

impl FindingsFormatter {
    /// A formatter whose ids use the public id key (`Ids::default`) until `with_ids`.
    pub fn new(reveal: bool) -> Self {
        FindingsFormatter {
            reveal,
            masked: String::new(),
            stores: false,
            ids: Ids::default(),
            previous_location: Vec::new(),
        }
    }

    /// Findings' ids under the scan's key (`Ids::of`).
    pub fn with_ids(mut self, ids: Ids) -> Self {
        self.ids = ids;
        self
    }

    /// Findings of a scan of stores name their store.
    pub fn with_stores(mut self, stores: bool) -> Self {
        self.stores = stores;
        self
    }

    /// Appends one line per finding of the file at `path` to `out`.
    pub fn format(&mut self, path: &str, detectors: &DetectorSet, batch: &[Found], out: &mut Vec<u8>) {
        let mut path_json = Vec::with_capacity(path.len() + 2);
        match self
            .stores
            .then(|| crate::inventory::stores::split(path))
            .flatten()
        {
            Some((store, rest)) => {
                write_json_str(&mut path_json, rest);
                path_json.extend_from_slice(b",\"store\":");
                write_json_str(&mut path_json, store);
            }
            None => write_json_str(&mut path_json, path),
        }
        // The id is derived from the path as the scan shows it (`STORE/path` with stores).
        let file_ids = self.ids.file(path);
        let mut previous_detector = usize::MAX;
        let mut ordinal = 0u32;
        self.previous_location.clear();
        for f in batch {
            let det = &detectors.detectors()[f.detector];
            out.extend_from_slice(b"{\"path\":");
            out.extend_from_slice(&path_json);
            out.extend_from_slice(b",\"detector\":\"");
            out.extend_from_slice(det.id.as_bytes());
            out.extend_from_slice(b"\",\"category\":\"");
            out.extend_from_slice(det.category.as_str().as_bytes());
            out.extend_from_slice(b"\",\"confidence\":");
            write_confidence(out, f.confidence);
            out.extend_from_slice(b",\"location\":");
            let location_start = out.len();
            write_location(out, &f.location);
            let location = &out[location_start..];
            // Findings of one detector at one location (two phones in a cell) are adjacent.
            if f.detector == previous_detector && location == self.previous_location.as_slice() {
                ordinal += 1;
            } else {
                ordinal = 0;
                previous_detector = f.detector;
                self.previous_location.clear();
                self.previous_location.extend_from_slice(location);
            }
            let id = file_ids.finding(&det.id, location, ordinal);
            out.extend_from_slice(b",\"masked\":");
            self.masked.clear();
            mask_finding(&f.value, f.parts.as_ref(), &det.mask, &mut self.masked);
            write_json_str(out, &self.masked);
            if let Some(parts) = &f.parts {
                out.extend_from_slice(b",\"parts\":{");
                let fields = [
                    ("province", parts.province),
                    ("city", parts.city),
                    ("district", parts.district),
                    ("town", parts.town),
                ];
                let mut first = true;
                for (key, value) in fields {
                    if let Some(v) = value {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        write_json_str(out, key);
                        out.push(b':');
                        write_json_str(out, v);
                    }
                }
                out.push(b'}');
            }
            if let Some(fields) = &f.fields {
                out.extend_from_slice(b",\"fields\":[");
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_json_str(out, field);
                }
                out.push(b']');
            }
            if self.reveal {
                out.extend_from_slice(b",\"value\":");
                write_json_str(out, &f.value);
            }
            out.extend_from_slice(b",\"id\":\"");
            out.extend_from_slice(&id);
            out.extend_from_slice(b"\"}\n");
        }
    }
}

/// A JSON string. Nearly every string written (paths, column names, masked values) needs
/// no escaping: those are copied as they are; the rest get serde_json's escaping (writing
/// into a Vec cannot fail).
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        let _ = serde_json::to_writer(out, s);
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// `,"part":"…"` when there is a part.
fn write_part(out: &mut Vec<u8>, part: Option<&str>) {
    if let Some(part) = part {
        out.extend_from_slice(b",\"part\":");
        write_json_str(out, part);
    }
}

/// A decimal integer, without the formatting machinery (several per finding).
fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Writes formatted findings to their destination.
pub struct FindingsWriter {
    out: Option<BufWriter<Output>>,
    /// The reader of a pipe went away (`pimap scan --findings - | head`).
    reader_gone: bool,
    /// Whether a reader going away ends the scan (nothing else is wanted from it) or only
    /// the findings (the inventory is still wanted).
    stop_when_reader_gone: bool,
}

impl FindingsWriter {
    /// `out = None` discards findings (only the inventory is wanted).
    pub fn new(out: Option<Output>, stop_when_reader_gone: bool) -> Self {
        FindingsWriter {
            out: out.map(|w| BufWriter::with_capacity(256 << 10, w)),
            reader_gone: false,
            stop_when_reader_gone,
        }
    }

    /// Whether findings are wanted at all (workers skip formatting otherwise).
    pub fn wanted(&self) -> bool {
        self.out.is_some() && !self.reader_gone
    }

    /// Whether the findings' reader went away before the end.
    pub fn reader_gone(&self) -> bool {
        self.reader_gone
    }

    /// Writes `bytes`. A reader that went away is an error (by its kind, `BrokenPipe`) only
    /// when it ends the scan; otherwise the rest of the findings are dropped.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.reader_gone {
            return Ok(());
        }
        match self.out.as_mut().map(|out| out.write_all(bytes)) {
            Some(Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.reader_gone = true;
                if self.stop_when_reader_gone {
                    Err(e)
                } else {
                    Ok(())
                }
            }
            Some(result) => result,
            None => Ok(()),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(_) if self.reader_gone => Ok(()),
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }

    /// The output, flushed, to be committed (or discarded) by the caller; None when there is
    /// none or its reader went away.
    pub fn into_output(self) -> Result<Option<Output>, OutputError> {
        let Some(out) = self.out else { return Ok(None) };
        if self.reader_gone {
            // What is buffered has nowhere to go, and flushing it would fail again.
            let (output, _) = out.into_parts();
            output.discard();
            return Ok(None);
        }
        out.into_inner().map(Some).map_err(|e| {
            let (error, writer) = e.into_parts();
            let shown = writer.get_ref().shown().to_string();
            OutputError::Io {
                path: shown,
                source: error,
            }
        })
    }
}

/// Writes a confidence with at most two decimals ("0.95", "0.8", "1") without float
/// formatting machinery: it runs once per finding.
fn write_confidence(out: &mut Vec<u8>, c: f32) {
    let hundredths = (c.clamp(0.0, 1.0) * 100.0).round() as u32;
    if hundredths == 100 {
        out.push(b'1');
        return;
    }
    out.extend_from_slice(b"0.");
    out.push(b'0' + (hundredths / 10) as u8);
    if !hundredths.is_multiple_of(10) {
        out.push(b'0' + (hundredths % 10) as u8);
    }
}

/// A location as JSON, field for field what serde writes for `Location` (untagged, fields
/// in declaration order); a test holds the two together.
fn write_location(out: &mut Vec<u8>, location: &Location) {
    match location {
        Location::Text { line, column, offset } => {
            out.extend_from_slice(b"{\"line\":");
            write_u64(out, *line);
            out.extend_from_slice(b",\"column\":");
            write_u64(out, *column);
            out.extend_from_slice(b",\"offset\":");
            write_u64(out, *offset);
        }
        Location::Table {
            table,
            row,
            column,
            key,
        } => {
            out.extend_from_slice(b"{\"table\":");
            write_json_str(out, table);
            out.extend_from_slice(b",\"row\":");
            write_u64(out, *row);
            out.extend_from_slice(b",\"column\":");
            write_json_str(out, column);
            if let Some(key) = key {
                out.extend_from_slice(b",\"key\":{");
                for (i, (name, value)) in key.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_json_str(out, name);
                    out.push(b':');
                    write_json_str(out, value);
                }
                out.push(b'}');
            }
        }
        Location::Sheet { sheet, cell, column } => {
            out.extend_from_slice(b"{\"sheet\":");
            write_json_str(out, sheet);
            out.extend_from_slice(b",\"cell\":");
            write_json_str(out, cell);
            out.extend_from_slice(b",\"column\":");
            write_json_str(out, column);
        }
        Location::Row { row, column } => {
            out.extend_from_slice(b"{\"row\":");
            write_u64(out, *row);
            out.extend_from_slice(b",\"column\":");
            write_json_str(out, column);
        }
        Location::Pointer { pointer, line } => {
            out.extend_from_slice(b"{\"pointer\":");
            write_json_str(out, pointer);
            if let Some(line) = line {
                out.extend_from_slice(b",\"line\":");
                write_u64(out, *line);
            }
        }
        Location::Page { page, line, column } => {
            out.extend_from_slice(b"{\"page\":");
            write_u64(out, *page);
            out.extend_from_slice(b",\"line\":");
            write_u64(out, *line);
            out.extend_from_slice(b",\"column\":");
            write_u64(out, *column);
        }
        Location::Slide {
            slide,
            part,
            paragraph,
        } => {
            out.extend_from_slice(b"{\"slide\":");
            write_u64(out, *slide);
            write_part(out, part.as_deref());
            out.extend_from_slice(b",\"paragraph\":");
            write_u64(out, *paragraph);
        }
        Location::Paragraph { part, paragraph } => {
            out.push(b'{');
            if let Some(part) = part {
                out.extend_from_slice(b"\"part\":");
                write_json_str(out, part);
                out.push(b',');
            }
            out.extend_from_slice(b"\"paragraph\":");
            write_u64(out, *paragraph);
        }
        Location::PathComponent {
            path_component,
            depth,
        } => {
            out.extend_from_slice(b"{\"path_component\":");
            write_json_str(out, path_component.as_str());
            if let Some(depth) = depth {
                out.extend_from_slice(b",\"depth\":");
                write_u64(out, *depth);
            }
        }
    }
    out.push(b'}');
}

/// Writes the inventory as pretty JSON and commits the output (`Output::commit`: a failed
/// write leaves what was there before).
pub fn write_inventory(out: Output, inventory: &Inventory) -> Result<(), OutputError> {
    // Entries of stores are written with their store and a store-relative path.
    let split;
    let inventory = if inventory.stores.is_empty() {
        inventory
    } else {
        let mut copy = inventory.clone();
        copy.split_paths();
        split = copy;
        &split
    };
    write_document(out, |w| {
        serde_json::to_writer_pretty(&mut *w, inventory)?;
        w.write_all(b"\n")
    })
}

/// Writes a document with `write` and commits it; on failure the output is discarded.
pub fn write_document(
    out: Output,
    write: impl FnOnce(&mut BufWriter<Output>) -> io::Result<()>,
) -> Result<(), OutputError> {
    let mut w = BufWriter::new(out);
    let written = write(&mut w).and_then(|()| w.flush());
    let out = match w.into_inner() {
        Ok(out) => out,
        Err(e) => {
            let (error, writer) = e.into_parts();
            let shown = writer.get_ref().shown().to_string();
            // Dropping the writer removes its temporary file.
            return Err(OutputError::Io {
                path: shown,
                source: error,
            });
        }
    };
    match written {
        Ok(()) => out.commit(),
        Err(source) => {
            let path = out.shown().to_string();
            out.discard();
            Err(OutputError::Io { path, source })
        }
    }
}

/// The short human summary printed on stderr after a scan. `written` is where the inventory
/// went, if it was written: the summary points there only then. Names are escaped for the
/// terminal.
pub fn summary(inv: &Inventory, written: Option<&str>) -> String {
    let see = |section: &str| match written {
        Some(file) => format!("see \"{section}\" in {}", printable(file)),
        None => "write the inventory with -o FILE for the list".to_string(),
    };
    let t = &inv.totals;
    let mb = t.bytes as f64 / 1e6;
    let rate = if t.elapsed_seconds > 0.0 {
        mb / t.elapsed_seconds
    } else {
        0.0
    };
    // A refresh reads only what changed: a rate over all bytes would mean nothing.
    let reused = inv.files.iter().filter(|f| f.reused).count();
    let mut s = if reused > 0 {
        format!(
            "pimap: inventoried {} files ({:.1} MB; {reused} unchanged since the baseline, not read) in {:.2}s: {} findings in {} files",
            t.files, mb, t.elapsed_seconds, t.findings, t.files_with_findings
        )
    } else {
        format!(
            "pimap: scanned {} files ({:.1} MB) in {:.2}s ({:.0} MB/s): {} findings in {} files",
            t.files, mb, t.elapsed_seconds, rate, t.findings, t.files_with_findings
        )
    };
    let cats: Vec<String> = t
        .by_category
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    if !cats.is_empty() {
        s.push_str(&format!("\n  by category: {}", cats.join(", ")));
    }
    let actions: Vec<String> = t
        .actions
        .iter()
        .filter(|(_, &n)| n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !actions.is_empty() {
        s.push_str(&format!(
            "\n  actions: {} ({})",
            actions.join(", "),
            see("actions")
        ));
    }
    if t.minors > 0 {
        s.push_str(&format!(
            "\n  minors: {} resident ID findings of children under 14 (sensitive under PIPL)",
            t.minors
        ));
    }
    if !inv.names.is_empty() {
        let findings: u64 = inv.names.iter().map(|n| n.findings).sum();
        s.push_str(&format!(
            "\n  names: {findings} findings in {} file and folder names ({})",
            inv.names.len(),
            see("names")
        ));
    }
    if !inv.suspected_id_images.is_empty() {
        s.push_str(&format!(
            "\n  suspected ID images: {} images named as ID, passport or bank card photos, not read ({})",
            inv.suspected_id_images.len(),
            see("suspected_id_images")
        ));
    }
    if !inv.duplicates.is_empty() {
        let copies: usize = inv.duplicates.iter().map(|g| g.files.len() - 1).sum();
        s.push_str(&format!(
            "\n  duplicates: {} groups, {copies} copies ({})",
            inv.duplicates.len(),
            see("duplicates")
        ));
    }
    if let Some(c) = &inv.changes {
        use crate::inventory::changes;
        // Reuse is counted over the same entries as the file counts, as `pimap diff` counts
        // it: the walk's count would take an archive for one file and its members for none.
        let reuse = changes::reuse_counts(inv).unwrap_or((c.reused, c.rescanned));
        s.push_str(&format!(
            "\n  since the baseline: {}; {}",
            changes::files_phrase_counting(c, reuse),
            changes::findings_phrase(c, false)
        ));
        if let Some(note) = &c.reuse_note {
            s.push_str(&format!("\n  note: {note}"));
        }
        if c.policy_changed {
            s.push_str(&format!("\n  {}", changes::POLICY_NOTE));
        }
    }
    if !inv.key.cross_scan {
        s.push_str(&format!(
            "\n  note: no stable key ({}): fingerprints are valid for this scan only (no refresh, no locate)",
            crate::fingerprint::KEY_VAR
        ));
    }
    if t.skipped > 0 {
        s.push_str(&format!("\n  skipped: {} files ({})", t.skipped, see("skipped")));
    }
    if t.errors > 0 {
        s.push_str(&format!("\n  errors: {} ({})", t.errors, see("errors")));
        for e in inv.errors.iter().take(5) {
            s.push_str(&format!("\n    {}: {}", printable(&e.path), printable(&e.error)));
        }
        if inv.errors.len() > 5 {
            s.push_str(&format!("\n    ... and {} more", inv.errors.len() - 5));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn hand_written_json_is_what_serde_writes() {
        for s in [
            "",
            "plain",
            "收货地址",
            "a\"b",
            "back\\slash",
            "tab\there",
            "\u{1}\u{1f}",
            "line\nend",
            "\u{7f}é",
        ] {
            let mut ours = Vec::new();
            write_json_str(&mut ours, s);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
        let name: Arc<str> = Arc::from("手机\"号");
        let locations = [
            Location::Text {
                line: 1,
                column: 0,
                offset: u64::MAX,
            },
            Location::Table {
                table: Arc::from("t_user"),
                row: 10,
                column: name.clone(),
                key: None,
            },
            Location::Table {
                table: Arc::from("orders"),
                row: 3,
                column: name.clone(),
                key: Some(Box::new(
                    [
                        ("id".to_string(), "4\"2".to_string()),
                        ("shop".to_string(), "a".to_string()),
                    ]
                    .into_iter()
                    .collect(),
                )),
            },
            Location::Sheet {
                sheet: Arc::from("Sheet\n1"),
                cell: "B12".into(),
                column: name.clone(),
            },
            Location::Row {
                row: 0,
                column: name.clone(),
            },
            Location::Pointer {
                pointer: Arc::from("/a/0/b"),
                line: Some(7),
            },
            Location::Pointer {
                pointer: Arc::from("/x\\y"),
                line: None,
            },
            Location::PathComponent {
                path_component: crate::inventory::PathComponent::FileName,
                depth: None,
            },
            Location::PathComponent {
                path_component: crate::inventory::PathComponent::Directory,
                depth: Some(2),
            },
        ];
        for location in &locations {
            let mut ours = Vec::new();
            write_location(&mut ours, location);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(location).unwrap()
            );
        }
        for n in [0, 7, 10, 99, 100, 1_234_567_890, u64::MAX] {
            let mut ours = Vec::new();
            write_u64(&mut ours, n);
            assert_eq!(String::from_utf8(ours).unwrap(), n.to_string());
        }
    }
}
