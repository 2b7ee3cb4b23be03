//! File and folder names as data (issue 14, item 4).
//!
//! A shop names files after the people in them: `张伟_13812345678_发票.txt`, a folder
//! `客户/李娜_13800005678/`, a scan `王芳-手持身份证.png`. Two things are read from names, and
//! from names only (no file is opened for them):
//!
//! - **Findings.** The detectors run over each file's name (its extension left out) and over
//!   each folder's name (once per folder, not once per file in it) as one line of plain text,
//!   `_` read as a space (a name's `_` is a word gap; the digit-boundary rule still refuses a
//!   run glued to a letter: `IMG20240301`, `v13812345678`). E-mail addresses keep their `_`.
//!   The findings are the scan's own (same threshold, same masking, same `--reveal`),
//!   located `{"path_component":"file_name"}` or `{"path_component":"directory","depth":N}`
//!   with the file or folder as `path`; the inventory lists each such file or folder once in
//!   `names`, whatever became of its content (read, skipped, an error).
//! - **Suspected ID images.** An image (`data/id_image_words.toml`: extensions) whose name or
//!   folder holds a document word (身份证, 护照, 银行卡, `idcard`, `passport`, ...) is listed in
//!   `suspected_id_images` with the words that made it suspect, and is not read at all (it is
//!   listed in `skipped` too). Words naming a side (正面, 反面, `back`) or a hand-held photo
//!   (手持) count only beside a document word: `正面.jpg` is as often a product photo; with
//!   one, a hand-held word makes the kind `handheld_id`.
//!
//! Names are known from the walk, which every scan makes whole (a refresh, each part of a
//! split scan), so these lists are made again by every scan, never taken over from a
//! baseline: a folder is counted once per inventory. A part of a split scan lists a folder
//! when the folder's own path falls in its shard (`Shard::owns`), as it lists a file.
//! A bucket's objects are named by their keys: the segments below the root's prefix are read
//! as folders and the last one as the file's name (`scan_objects`), alike. Archive members'
//! names are not scanned (yet).

use super::ScanConfig;
use crate::detect::redact::Redactor;
use crate::detect::{DetectorSet, Hit, Scratch};
use crate::finding::{Found, Location, Sensitivity};
use crate::inventory::{self, ImageKind, NameEntry, PathComponent, SuspectedImage};
use crate::walk::{self, Entry};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The words that make an image a suspected ID image, embedded at build time.
const WORDS: &str = include_str!("../../data/id_image_words.toml");

/// The detectors over names, with scratch space kept from name to name.
pub(crate) struct NameScanner<'a> {
    detectors: &'a DetectorSet,
    min_confidence: f32,
    scratch: Scratch,
    hits: Vec<Hit>,
    rejected: Vec<u32>,
    text: String,
}

impl<'a> NameScanner<'a> {
    pub fn new(detectors: &'a DetectorSet, min_confidence: f32) -> Self {
        NameScanner {
            detectors,
            min_confidence,
            scratch: Scratch::default(),
            hits: Vec::new(),
            rejected: vec![0; detectors.detectors().len()],
            text: String::new(),
        }
    }

    /// Appends the findings in `name` (a file's name when `component` is `FileName`: its
    /// extension is left out) to `out`.
    pub fn scan(&mut self, name: &str, component: PathComponent, depth: Option<u64>, out: &mut Vec<Found>) {
        let name = match component {
            PathComponent::FileName => stem(name),
            PathComponent::Directory => name,
        };
        name_text(name, &mut self.text);
        // Most names hold no digit, no `@` and no Han character: nothing to find.
        if self.text.is_ascii() && !self.text.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
            return;
        }
        self.hits.clear();
        self.detectors.scan(
            &self.text,
            None,
            &mut self.scratch,
            &mut self.hits,
            &mut self.rejected,
        );
        for hit in self.hits.drain(..) {
            if hit.confidence < self.min_confidence {
                continue;
            }
            out.push(Found {
                detector: hit.detector,
                confidence: (hit.confidence * 100.0).round() / 100.0,
                location: Location::PathComponent {
                    path_component: component,
                    depth,
                },
                value: hit.value,
                parts: hit.parts,
                fields: None,
            });
        }
    }
}

/// A file's name without its extension (`发票.txt` → `发票`; `.bashrc` stays whole).
pub(crate) fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(dot) if dot > 0 && is_extension(&name[dot + 1..]) => &name[..dot],
        _ => name,
    }
}

fn is_extension(ext: &str) -> bool {
    (1..=10).contains(&ext.len())
        && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        && ext.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The text the detectors read for a name: `_` becomes a space, except inside an e-mail
/// address (`li_na@example.com`). Same length as `name`, byte for byte.
pub(crate) fn name_text(name: &str, out: &mut String) {
    out.clear();
    out.push_str(name);
    if !name.contains('_') {
        return;
    }
    let bytes = name.as_bytes();
    let mut keep = vec![false; bytes.len()];
    let email_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+' | b'%');
    for at in memchr::memchr_iter(b'@', bytes) {
        let mut start = at;
        while start > 0 && email_byte(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'.' | b'-')) {
            end += 1;
        }
        keep[start..end].iter_mut().for_each(|k| *k = true);
    }
    // `_` and ` ` are both one ASCII byte: the string stays UTF-8, offsets stay the same.
    let replaced: Vec<u8> = bytes
        .iter()
        .zip(&keep)
        .map(|(&b, &k)| if b == b'_' && !k { b' ' } else { b })
        .collect();
    *out = String::from_utf8(replaced).expect("ASCII for ASCII keeps UTF-8");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordFile {
    extensions: Vec<String>,
    word: Vec<WordDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordDef {
    word: String,
    kind: String,
    alone: bool,
}

/// What a word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    Document(ImageKind),
    Handheld,
    Side,
}

struct Word {
    /// Chinese words (any non-ASCII word): matched anywhere in a name.
    text: String,
    /// ASCII words: the lower-case letter runs to find one after the other.
    tokens: Option<Vec<String>>,
    kind: WordKind,
    alone: bool,
}

/// The suspected-ID-image rules (`data/id_image_words.toml`).
pub(crate) struct ImageRules {
    extensions: Vec<String>,
    words: Vec<Word>,
}

/// The built-in rules; the data file is checked by a unit test.
pub(crate) fn image_rules() -> &'static ImageRules {
    static RULES: OnceLock<ImageRules> = OnceLock::new();
    RULES.get_or_init(|| ImageRules::parse(WORDS).expect("data/id_image_words.toml is valid"))
}

/// Lower-case runs of ASCII letters: the words of a name as the ASCII words match them.
fn ascii_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl ImageRules {
    fn parse(text: &str) -> Result<ImageRules, String> {
        let file: WordFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut words = Vec::new();
        for def in file.word {
            let kind = match def.kind.as_str() {
                "handheld" => WordKind::Handheld,
                "side" => WordKind::Side,
                other => WordKind::Document(
                    ImageKind::ALL
                        .into_iter()
                        .find(|k| k.as_str() == other && *k != ImageKind::HandheldId)
                        .ok_or_else(|| format!("{}: unknown kind {other:?}", def.word))?,
                ),
            };
            if matches!(kind, WordKind::Document(_)) != def.alone {
                return Err(format!(
                    "{}: document words, and only they, stand alone",
                    def.word
                ));
            }
            let tokens = def.word.is_ascii().then(|| ascii_tokens(&def.word));
            if tokens.as_ref().is_some_and(Vec::is_empty) || def.word.trim().is_empty() {
                return Err(format!("{:?}: no letters to match", def.word));
            }
            words.push(Word {
                text: def.word,
                tokens,
                kind,
                alone: def.alone,
            });
        }
        if file.extensions.is_empty() || words.is_empty() {
            return Err("no extensions or no words".into());
        }
        Ok(ImageRules {
            extensions: file.extensions.iter().map(|e| e.to_ascii_lowercase()).collect(),
            words,
        })
    }

    /// Whether a file of this name is an image (by its extension, without case).
    pub fn is_image(&self, file_name: &str) -> bool {
        file_name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| self.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
    }

    /// The words of the list in `text`, in list order.
    fn words_in<'r>(&'r self, text: &str) -> Vec<&'r Word> {
        let tokens = ascii_tokens(text);
        self.words
            .iter()
            .filter(|w| match &w.tokens {
                None => text.contains(&w.text),
                Some(seq) => tokens.windows(seq.len()).any(|win| win == seq.as_slice()),
            })
            .collect()
    }

    /// Whether an image named `file_name` in folders named `folders` (the root's own path
    /// left out) is a suspected ID image: what it shows and why.
    pub fn judge(&self, file_name: &str, folders: &[&str]) -> Option<(ImageKind, String)> {
        if !self.is_image(file_name) {
            return None;
        }
        let in_name = self.words_in(stem(file_name));
        let in_folders: Vec<&Word> = folders.iter().flat_map(|f| self.words_in(f)).collect();
        let document = |words: &[&'_ Word]| -> Option<(ImageKind, String)> {
            words.iter().find_map(|w| match w.kind {
                WordKind::Document(k) if w.alone => Some((k, w.text.clone())),
                _ => None,
            })
        };
        let (kind, word, place) = match (document(&in_name), document(&in_folders)) {
            (Some((k, w)), _) => (k, w, "name"),
            (None, Some((k, w))) => (k, w, "folder name"),
            (None, None) => return None,
        };
        // The document word first, then the side and hand-held words beside it.
        let mut reasons = vec![format!("{place} contains {word}")];
        for (words, place) in [(&in_name, "name"), (&in_folders, "folder name")] {
            for w in words.iter().filter(|w| !matches!(w.kind, WordKind::Document(_))) {
                let reason = format!("{place} contains {}", w.text);
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
        let handheld = in_name
            .iter()
            .chain(&in_folders)
            .any(|w| w.kind == WordKind::Handheld);
        let kind = if handheld { ImageKind::HandheldId } else { kind };
        Some((kind, reasons.join(", ")))
    }
}

/// What the names of a walk hold.
#[derive(Default)]
pub(super) struct NameScan {
    /// Findings per file or folder (its path as shown), in path order.
    pub findings: Vec<(String, Vec<Found>)>,
    pub names: Vec<NameEntry>,
    pub images: Vec<SuspectedImage>,
}

impl NameScan {
    /// Adds another scan's names (a bucket's objects after the walk's files), in path order.
    pub fn merge(&mut self, other: NameScan) {
        self.findings.extend(other.findings);
        self.names.extend(other.names);
        self.images.extend(other.images);
        self.findings.sort_by(|a, b| a.0.cmp(&b.0));
        self.names.sort_by(|a, b| a.path.cmp(&b.path));
        self.images.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Keeps what a part owns (`--shard`): files and folders by their path as shown.
    pub fn retain(&mut self, owns: impl Fn(&str) -> bool) {
        self.findings.retain(|(p, _)| owns(p));
        self.names.retain(|n| owns(&n.path));
        self.images.retain(|i| owns(&i.path));
    }
}

/// The root `path` was found under, and the path below it (empty for a root that is a file).
fn under_root<'p>(roots: &[PathBuf], path: &'p Path) -> Option<(usize, &'p Path)> {
    roots
        .iter()
        .enumerate()
        .filter_map(|(i, r)| path.strip_prefix(r).ok().map(|rel| (i, rel)))
        .max_by_key(|(_, rel)| std::cmp::Reverse(rel.components().count()))
}

/// The names under a path below its root, as text.
fn components(rel: &Path) -> Vec<String> {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(walk::display_name(Path::new(n))),
            _ => None,
        })
        .collect()
}

/// Scans the names of the walk's entries (displays already masked unless `--reveal`), and
/// turns images named as ID documents into skipped entries (they are never read).
pub(super) fn scan(entries: &mut [Entry], config: &ScanConfig, redactor: &mut Redactor) -> NameScan {
    let rules = image_rules();
    let mut scanner = NameScanner::new(&config.detectors, config.min_confidence);
    let mut out = NameScan::default();
    // Folders by root and path below it: each scanned once.
    let mut folders: BTreeMap<(usize, PathBuf), bool> = BTreeMap::new();
    let mut found = Vec::new();
    for entry in entries.iter_mut() {
        let Some(path) = entry.path().map(Path::to_path_buf) else {
            continue;
        };
        let Some((root, rel)) = under_root(&config.roots, &path) else {
            continue;
        };
        let names = components(rel);
        let is_folder = matches!(entry, Entry::Error { .. }) && path.is_dir();
        let dirs = if is_folder {
            names.len()
        } else {
            names.len().saturating_sub(1)
        };
        let mut below = PathBuf::new();
        for name in &names[..dirs] {
            below.push(name);
            folders.entry((root, below.clone())).or_insert(false);
        }
        if is_folder {
            continue;
        }
        let file_name = names.last().cloned().unwrap_or_else(|| {
            path.file_name()
                .map(|n| walk::display_name(Path::new(n)))
                .unwrap_or_default()
        });
        found.clear();
        scanner.scan(&file_name, PathComponent::FileName, None, &mut found);
        if !found.is_empty() {
            out.names.push(name_entry(
                entry.display(),
                PathComponent::FileName,
                None,
                &found,
                config,
            ));
            out.findings
                .push((entry.display().to_string(), std::mem::take(&mut found)));
        }
        let folder_names: Vec<&str> = names[..dirs].iter().map(String::as_str).collect();
        if let Some((kind, reason)) = rules.judge(&file_name, &folder_names) {
            if let Some(image) = suspect(entry, kind, reason) {
                out.images.push(image);
            }
        }
    }
    // Folders: shown as their files' paths are (prefix, masking), told apart by `~N` when two
    // mask alike.
    let mut shown_folders: BTreeMap<String, Vec<(usize, PathBuf)>> = BTreeMap::new();
    for (root, below) in folders.keys() {
        let rel = walk::display_name(below);
        let display = match prefix(config, *root) {
            Some(p) => format!("{p}/{rel}"),
            None => rel,
        };
        let shown = match config.reveal {
            true => display,
            false => super::mask_display(redactor, &display, !config.stores.is_empty()).unwrap_or(display),
        };
        shown_folders
            .entry(shown)
            .or_default()
            .push((*root, below.clone()));
    }
    for (shown, dirs) in shown_folders {
        for (n, (_, below)) in dirs.iter().enumerate() {
            let shown = match n {
                0 => shown.clone(),
                n => format!("{shown}~{}", n + 1),
            };
            let depth = below.components().count() as u64;
            let name = components(below).pop().unwrap_or_default();
            found.clear();
            scanner.scan(&name, PathComponent::Directory, Some(depth), &mut found);
            if found.is_empty() {
                continue;
            }
            out.names.push(name_entry(
                &shown,
                PathComponent::Directory,
                Some(depth),
                &found,
                config,
            ));
            out.findings.push((shown, std::mem::take(&mut found)));
        }
    }
    out.findings.sort_by(|a, b| a.0.cmp(&b.0));
    out.names.sort_by(|a, b| a.path.cmp(&b.path));
    out.images.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// A bucket's object, for `scan_objects`.
pub(super) struct ObjectName<'a> {
    /// Its root's address as shown (`s3://BUCKET/PREFIX`).
    pub root: &'a str,
    /// Its key below the root's prefix, raw (`客户/李娜_13800005678/发票.pdf`); the whole key
    /// when the root names the object itself.
    pub below: &'a str,
    /// Its path as shown.
    pub display: &'a str,
    pub size: u64,
    pub modified: Option<std::time::SystemTime>,
}

/// Scans bucket objects' names as `scan` does the walk's: the key's last segment as the
/// file's name, the segments between the root's prefix and it as folders (each once, shown
/// as `ROOT/FOLDER/...`). Also returns the objects that are suspected ID images, never to be
/// read, with the reason to skip them.
pub(super) fn scan_objects(
    objects: &[ObjectName<'_>],
    config: &ScanConfig,
    redactor: &mut Redactor,
) -> (NameScan, Vec<(usize, String)>) {
    let rules = image_rules();
    let mut scanner = NameScanner::new(&config.detectors, config.min_confidence);
    let mut out = NameScan::default();
    let mut images = Vec::new();
    let mut folders: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut found = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        let segments: Vec<&str> = object.below.split('/').filter(|s| !s.is_empty()).collect();
        let Some((file_name, dirs)) = segments.split_last() else {
            continue;
        };
        for depth in 1..=dirs.len() {
            folders
                .entry((object.root.to_string(), dirs[..depth].join("/")))
                .or_insert(depth as u64);
        }
        found.clear();
        scanner.scan(file_name, PathComponent::FileName, None, &mut found);
        if !found.is_empty() {
            out.names.push(name_entry(
                object.display,
                PathComponent::FileName,
                None,
                &found,
                config,
            ));
            out.findings
                .push((object.display.to_string(), std::mem::take(&mut found)));
        }
        if let Some((kind, reason)) = rules.judge(file_name, dirs) {
            images.push((i, format!("suspected ID image ({reason}): not read")));
            out.images.push(SuspectedImage {
                store: None,
                path: object.display.to_string(),
                reason,
                kind,
                size: object.size,
                modified: object.modified.and_then(inventory::rfc3339),
                mode: None,
                world_readable: false,
                risk: None,
            });
        }
    }
    let mut shown_folders: BTreeMap<String, u32> = BTreeMap::new();
    for ((root, below), depth) in folders {
        let display = format!("{root}/{below}");
        let mut shown = match config.reveal {
            true => display,
            false => super::mask_display(redactor, &display, false).unwrap_or(display),
        };
        let n = shown_folders.entry(shown.clone()).or_default();
        *n += 1;
        if *n > 1 {
            shown = format!("{shown}~{n}");
        }
        let name = below.rsplit('/').next().unwrap_or_default();
        found.clear();
        scanner.scan(name, PathComponent::Directory, Some(depth), &mut found);
        if found.is_empty() {
            continue;
        }
        out.names.push(name_entry(
            &shown,
            PathComponent::Directory,
            Some(depth),
            &found,
            config,
        ));
        out.findings.push((shown, std::mem::take(&mut found)));
    }
    (out, images)
}

/// What the walk put before a path below root `i`: a store's name, or the root with several.
fn prefix(config: &ScanConfig, i: usize) -> Option<String> {
    match config.stores.get(i) {
        Some(name) => Some(name.clone()),
        None if config.roots.len() > 1 => Some(
            walk::display_name(&config.roots[i])
                .trim_end_matches('/')
                .to_string(),
        ),
        None => None,
    }
}

/// A suspected ID image from a walk entry; a file to read becomes a skipped one.
fn suspect(entry: &mut Entry, kind: ImageKind, reason: String) -> Option<SuspectedImage> {
    let file = match entry {
        Entry::File(f) | Entry::Skipped { file: f, .. } => f.clone(),
        Entry::Error { .. } => return None,
    };
    if let Entry::File(_) = entry {
        *entry = Entry::Skipped {
            file: file.clone(),
            reason: format!("suspected ID image ({reason}): not read"),
        };
    }
    Some(SuspectedImage {
        store: None,
        path: file.display,
        reason,
        kind,
        size: file.size,
        modified: file.modified.and_then(inventory::rfc3339),
        mode: file.mode.map(|m| format!("{m:04o}")),
        world_readable: file.mode.is_some_and(|m| m & 0o004 != 0),
        risk: None,
    })
}

fn name_entry(
    path: &str,
    component: PathComponent,
    depth: Option<u64>,
    found: &[Found],
    config: &ScanConfig,
) -> NameEntry {
    let detectors = config.detectors.detectors();
    let mut entry = NameEntry {
        store: None,
        path: path.to_string(),
        path_component: component,
        depth,
        findings: found.len() as u64,
        ..NameEntry::default()
    };
    for f in found {
        let det = &detectors[f.detector];
        *entry.by_detector.entry(det.id.clone()).or_default() += 1;
        *entry
            .by_category
            .entry(det.category.as_str().to_string())
            .or_default() += 1;
        if entry.sensitivity != Some(Sensitivity::Sensitive) {
            entry.sensitivity = Some(det.sensitivity);
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> String {
        let mut out = String::new();
        name_text(name, &mut out);
        out
    }

    fn findings(name: &str, component: PathComponent) -> Vec<(String, String)> {
        let detectors = DetectorSet::builtin();
        let mut scanner = NameScanner::new(&detectors, crate::DEFAULT_MIN_CONFIDENCE);
        let mut out = Vec::new();
        scanner.scan(name, component, None, &mut out);
        out.into_iter()
            .map(|f| (detectors.detectors()[f.detector].id.clone(), f.value))
            .collect()
    }

    fn file(name: &str) -> Vec<(String, String)> {
        findings(name, PathComponent::FileName)
    }

    #[test]
    fn underscores_separate_words_except_in_e_mail_addresses() {
        assert_eq!(text("张伟_13812345678_发票"), "张伟 13812345678 发票");
        assert_eq!(text("li_na@example.com_备份"), "li_na@example.com 备份");
        assert_eq!(text("a_b@c.cn x_y"), "a_b@c.cn x y");
        assert_eq!(text("无下划线-13812345678"), "无下划线-13812345678");
    }

    #[test]
    fn the_extension_is_not_part_of_the_name() {
        assert_eq!(stem("张伟_13812345678_发票.txt"), "张伟_13812345678_发票");
        assert_eq!(stem("backup.tar.gz"), "backup.tar");
        assert_eq!(stem(".bashrc"), ".bashrc");
        assert_eq!(stem("v1.2"), "v1.2");
        assert_eq!(stem("李娜.13812345678"), "李娜.13812345678");
    }

    #[test]
    fn values_in_names_are_found_with_separators() {
        let phone = ("cn_mobile".to_string(), "13812345678".to_string());
        assert!(file("张伟_13812345678_发票.txt").contains(&phone));
        assert!(file("李娜-13812345678-发票.txt").contains(&phone));
        assert!(file("13812345678.csv").contains(&phone));
        assert!(file("20240301_13812345678_退货.csv").contains(&phone));
        // A name beside a phone is a name, as in text.
        assert!(file("张伟_13812345678_发票.txt").contains(&("cn_name".into(), "张伟".into())));
        assert!(file("身份证_11010519491231002X.pdf")
            .contains(&("cn_resident_id".into(), "11010519491231002X".into())));
        assert!(file("li_na@example.com.eml").contains(&("email".into(), "li_na@example.com".into())));
        // A folder keeps its dots: no extension.
        assert!(findings("客户_13812345678", PathComponent::Directory).contains(&phone));
    }

    #[test]
    fn look_alikes_in_names_are_not_findings() {
        for name in [
            "20240101.csv",
            "千牛聊天记录_2024-03-01.txt",
            "crm_20240301.sql",
            "ExportOrderList202402.csv",
            "订单备份_2023Q4.zip",
            "app-2024-03-11.log",
            "IMG_20240301_120000.jpg",
            "IMG20240301138123.jpg",
            "v13812345678.txt",
            "order_240301138123456789.csv",
            "release-1.2.3.tar.gz",
            "1710000000000.json",
            "王芳.txt",
        ] {
            assert_eq!(file(name), Vec::<(String, String)>::new(), "{name}");
        }
    }

    fn judge(name: &str, folders: &[&str]) -> Option<(&'static str, String)> {
        image_rules().judge(name, folders).map(|(k, r)| (k.as_str(), r))
    }

    #[test]
    fn the_word_list_parses_and_is_checked() {
        let rules = ImageRules::parse(WORDS).unwrap();
        assert!(rules.words.len() > 20);
        assert!(ImageRules::parse("extensions = []\nword = []").is_err());
        let bad_kind = "extensions = [\"jpg\"]\n[[word]]\nword = \"x\"\nkind = \"visa\"\nalone = true";
        assert!(ImageRules::parse(bad_kind).is_err());
        let lone_side = "extensions = [\"jpg\"]\n[[word]]\nword = \"正面\"\nkind = \"side\"\nalone = true";
        assert!(ImageRules::parse(lone_side).is_err());
    }

    #[test]
    fn images_named_as_documents_are_suspected_with_their_kind() {
        assert_eq!(judge("身份证正面.jpg", &[]).unwrap().0, "id_card");
        let (kind, reason) = judge("王芳-手持身份证.png", &[]).unwrap();
        assert_eq!(kind, "handheld_id");
        assert!(
            reason.contains("name contains 手持") && reason.contains("name contains 身份证"),
            "{reason}"
        );
        assert_eq!(judge("idcard_back.jpeg", &[]).unwrap().0, "id_card");
        assert_eq!(judge("ID-Card front.HEIC", &[]).unwrap().0, "id_card");
        assert_eq!(judge("护照首页.jpg", &[]).unwrap().0, "passport");
        assert_eq!(judge("passport_scan.webp", &[]).unwrap().0, "passport");
        assert_eq!(judge("银行卡.PNG", &[]).unwrap().0, "bank_card");
        assert_eq!(judge("sfz_1.tif", &[]).unwrap().0, "id_card");
        assert_eq!(judge("国徽面.bmp", &[]).unwrap().0, "id_card");
        assert_eq!(judge("身份證.gif", &[]).unwrap().0, "id_card");
        assert_eq!(judge("身份证.jpg", &[]).unwrap().1, "name contains 身份证");
        // A folder names the document for the images in it.
        let (kind, reason) = judge("正面.jpg", &["客户资料", "身份证"]).unwrap();
        assert_eq!(kind, "id_card");
        assert_eq!(reason, "folder name contains 身份证, name contains 正面");
        assert_eq!(judge("手持.jpg", &["身份证"]).unwrap().0, "handheld_id");
    }

    #[test]
    fn look_alike_image_names_are_not_suspected() {
        // Not an image.
        assert_eq!(judge("身份证复印件说明.docx", &[]), None);
        assert_eq!(judge("身份证号.csv", &["身份证"]), None);
        // A side or a hand-held word alone: product photos.
        for name in [
            "正面.jpg",
            "反面.png",
            "产品正面图.jpg",
            "手持风扇.jpg",
            "back.png",
            "front_view.jpeg",
        ] {
            assert_eq!(judge(name, &["商品图"]), None, "{name}");
        }
        // ASCII words are whole words.
        for name in [
            "feedback.png",
            "sfzx.jpg",
            "idcardholder.jpg",
            "bankcards.png",
            "id.jpg",
        ] {
            assert_eq!(judge(name, &[]), None, "{name}");
        }
    }
}
