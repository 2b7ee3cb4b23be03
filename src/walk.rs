//! Enumerating the inputs under the scanned roots.
//!
//! A file share is not a repository: hidden files are scanned and `.gitignore` files are
//! ignored unless asked for. Symbolic links are listed, not followed, unless `--follow`
//! (then loops are reported). Nothing is dropped silently: every entry ends up as a file
//! to scan, a skipped file with its reason, or an error. The list is sorted, so the output
//! does not depend on the walk's thread timing.

use crate::error::ErrorKind;
use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Why a scan cannot start: the roots or the walk options are wrong (a usage error: nothing
/// is written).
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{}: no such file or folder (is the share mounted?)", .0.display())]
    RootMissing(PathBuf),
    #[error("cannot read {}: {source}", .root.display())]
    RootUnreadable { root: PathBuf, source: std::io::Error },
    #[error("{}: not a file or folder (a FIFO, socket or device): give the folder to scan", .0.display())]
    RootSpecial(PathBuf),
    #[error("{}: on a kernel pseudo-filesystem ({kind}), which holds no stored data: give a folder of files to scan", .root.display())]
    RootPseudo { root: PathBuf, kind: &'static str },
    #[error("--exclude {glob:?}: {reason}")]
    Exclude { glob: String, reason: String },
}

/// A file's identity: device and inode on Unix, so two paths are the same file whatever
/// links, `..` or hard links lie between them; elsewhere the canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileId {
    Inode { dev: u64, ino: u64 },
    Path(PathBuf),
}

impl FileId {
    /// The identity of the file `path` names (links followed); None if it does not exist.
    pub fn of_path(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        FileId::of(path, &meta)
    }

    #[cfg(unix)]
    pub fn of(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId::Inode {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
        std::fs::canonicalize(path).ok().map(FileId::Path)
    }
}

/// A path as shown in outputs: `/`-separated, and bytes that are not UTF-8 written as `\xNN`,
/// so that two names differing only there stay two names (lossy decoding made both U+FFFD).
pub fn display_name(path: &Path) -> String {
    let shown = escape_non_utf8(path.as_os_str());
    if std::path::MAIN_SEPARATOR == '\\' {
        shown.replace('\\', "/")
    } else {
        shown
    }
}

#[cfg(unix)]
fn escape_non_utf8(name: &OsStr) -> String {
    use std::fmt::Write;
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::with_capacity(name.len());
    for chunk in name.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

#[cfg(not(unix))]
fn escape_non_utf8(name: &OsStr) -> String {
    // Windows names are UTF-16: only unpaired surrogates are lost, and Explorer cannot make them.
    name.to_string_lossy().into_owned()
}

/// The roots of a scan, checked: each must exist and be a readable file or folder (else a
/// usage error, before anything is written: a share that is not mounted must not turn into an
/// empty inventory). A root named twice, or inside another root, is scanned once; the notes
/// say so.
pub fn check_roots(roots: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>), WalkError> {
    struct Kept {
        root: PathBuf,
        id: Option<FileId>,
        canonical: Option<PathBuf>,
    }
    let mut kept: Vec<Kept> = Vec::new();
    let mut notes = Vec::new();
    for root in roots {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(WalkError::RootMissing(root.clone()))
            }
            Err(source) => {
                return Err(WalkError::RootUnreadable {
                    root: root.clone(),
                    source,
                })
            }
        };
        let readable = if meta.is_dir() {
            std::fs::read_dir(root).map(drop)
        } else if meta.is_file() {
            std::fs::File::open(root).map(drop)
        } else {
            return Err(WalkError::RootSpecial(root.clone()));
        };
        if let Some(kind) = pseudo_filesystem(root) {
            return Err(WalkError::RootPseudo {
                root: root.clone(),
                kind,
            });
        }
        readable.map_err(|source| WalkError::RootUnreadable {
            root: root.clone(),
            source,
        })?;
        let this = Kept {
            root: root.clone(),
            id: FileId::of(root, &meta),
            canonical: std::fs::canonicalize(root).ok(),
        };
        let inside = |inner: &Kept, outer: &Kept| match (&inner.canonical, &outer.canonical) {
            (Some(i), Some(o)) => i.starts_with(o),
            _ => inner.id.is_some() && inner.id == outer.id,
        };
        if let Some(outer) = kept.iter().find(|k| inside(&this, k)) {
            notes.push(format!(
                "{} is {} {}: scanned once",
                display_name(root),
                if this.id == outer.id {
                    "the same as"
                } else {
                    "inside"
                },
                display_name(&outer.root)
            ));
            continue;
        }
        // A root that holds roots kept before takes their place.
        kept.retain(|k| {
            let covered = inside(k, &this);
            if covered {
                notes.push(format!(
                    "{} is inside {}: scanned once",
                    display_name(&k.root),
                    display_name(root)
                ));
            }
            !covered
        });
        kept.push(this);
    }
    Ok((kept.into_iter().map(|k| k.root).collect(), notes))
}

/// A file to scan.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path as reported: relative to its root (prefixed by the root when several are
    /// scanned).
    pub display: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
    /// Unix permission bits (None elsewhere).
    pub mode: Option<u32>,
}

/// One entry found by the walk.
#[derive(Debug, Clone)]
pub enum Entry {
    File(InputFile),
    Skipped {
        file: InputFile,
        reason: String,
    },
    Error {
        display: String,
        message: String,
        kind: ErrorKind,
        /// The file (or folder) as found, when the error names one: its name is still
        /// scanned (`scan::names`).
        path: Option<PathBuf>,
    },
}

impl Entry {
    /// The file (or folder) as found on disk, if known.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Entry::File(f) | Entry::Skipped { file: f, .. } => Some(&f.path),
            Entry::Error { path, .. } => path.as_deref(),
        }
    }

    /// The path as reported.
    pub fn display(&self) -> &str {
        match self {
            Entry::File(f) | Entry::Skipped { file: f, .. } => &f.display,
            Entry::Error { display, .. } => display,
        }
    }

    pub fn display_mut(&mut self) -> &mut String {
        match self {
            Entry::File(f) | Entry::Skipped { file: f, .. } => &mut f.display,
            Entry::Error { display, .. } => display,
        }
    }
}

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub follow: bool,
    pub respect_ignore: bool,
    pub excludes: Vec<String>,
    pub max_filesize: u64,
    pub threads: usize,
    /// pimap's own outputs (inventory, findings, their temporary files, the baseline): never
    /// inputs, wherever they are and whatever their names.
    pub own_outputs: Vec<FileId>,
}

/// Walks `roots` (checked by `check_roots`) and returns every entry, sorted by display path.
/// Paths are relative to their root, prefixed by the root's label (`stores`: a store's name)
/// or, with several roots and no labels, by the root itself.
pub fn walk(roots: &[PathBuf], stores: &[String], opts: &WalkOptions) -> Result<Vec<Entry>, WalkError> {
    let mut entries = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        let prefix = match stores.get(i) {
            Some(name) => Some(name.clone()),
            None if roots.len() > 1 => Some(display_name(root).trim_end_matches('/').to_string()),
            None => None,
        };
        walk_root(root, prefix.as_deref(), opts, &mut entries)?;
    }
    entries.sort_by(|a, b| a.display().cmp(b.display()));
    Ok(entries)
}

fn walk_root(
    root: &Path,
    prefix: Option<&str>,
    opts: &WalkOptions,
    out: &mut Vec<Entry>,
) -> Result<(), WalkError> {
    let overrides = excludes(root, opts)?;
    walk_from(root, root, prefix, opts, &overrides, out);
    Ok(())
}

/// The `--exclude` globs, relative to `root`.
fn excludes(root: &Path, opts: &WalkOptions) -> Result<ignore::overrides::Override, WalkError> {
    let mut overrides = OverrideBuilder::new(root);
    for glob in &opts.excludes {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| WalkError::Exclude {
                glob: glob.clone(),
                reason: e.to_string(),
            })?;
    }
    overrides.build().map_err(|e| WalkError::Exclude {
        glob: opts.excludes.join(" "),
        reason: e.to_string(),
    })
}

/// Walks the paths of a list (`--files-from`), each relative to the folder `root` (or
/// absolute, inside it), as the walk of `root` would list them: a listed folder is walked
/// whole, a path listed twice (or inside a listed folder) is listed once, `--exclude` globs
/// apply, and a path that is not there is an error (`not_found`).
/// `prefix`: the store's name, with `--store`.
pub fn walk_listed(
    root: &Path,
    prefix: Option<&str>,
    listed: &[PathBuf],
    opts: &WalkOptions,
) -> Result<Vec<Entry>, WalkError> {
    let overrides = excludes(root, opts)?;
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rel in listed {
        let inside = rel.strip_prefix(root).unwrap_or(rel);
        let mut clean = PathBuf::new();
        let mut escapes = inside.is_absolute();
        for part in inside.components() {
            match part {
                std::path::Component::Normal(p) => clean.push(p),
                std::path::Component::CurDir => {}
                _ => escapes = true,
            }
        }
        if escapes {
            let shown = display_name(rel);
            entries.push(Entry::Error {
                display: prefix.map_or_else(|| shown.clone(), |p| format!("{p}/{shown}")),
                message: "listed in --files-from but not inside the scanned folder: not read".into(),
                kind: ErrorKind::NotFound,
                path: None,
            });
            continue;
        }
        let path = root.join(&clean);
        // The walk never yields its own start as excluded: check the path and its folders.
        let excluded = clean.ancestors().filter(|a| !a.as_os_str().is_empty()).any(|a| {
            overrides
                .matched(root.join(a), a != clean.as_path() || path.is_dir())
                .is_ignore()
        });
        if clean.as_os_str().is_empty() || excluded || !seen.insert(clean) {
            continue;
        }
        walk_from(root, &path, prefix, opts, &overrides, &mut entries);
    }
    entries.sort_by(|a, b| a.display().cmp(b.display()));
    // A file listed and also inside a listed folder.
    entries.dedup_by(|a, b| a.display() == b.display());
    Ok(entries)
}

/// Walks `start` (the root, or a path under it from a list), showing paths relative to
/// `root`, after `prefix/` if given.
fn walk_from(
    root: &Path,
    start: &Path,
    prefix: Option<&str>,
    opts: &WalkOptions,
    overrides: &ignore::overrides::Override,
    out: &mut Vec<Entry>,
) {
    // Checked before the scan (`check_roots`), but it may have vanished since.
    let meta = match std::fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) => {
            out.push(Entry::Error {
                display: display_name(root),
                message: format!("cannot read: {e}"),
                kind: ErrorKind::of_io(&e),
                path: None,
            });
            return;
        }
    };
    let display_of = |path: &Path| -> String {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel = display_name(rel);
        if meta.is_file() || (meta.file_type().is_symlink() && rel.is_empty()) {
            display_name(path)
        } else if let Some(prefix) = prefix {
            format!("{prefix}/{rel}")
        } else {
            rel
        }
    };
    if start != root {
        if let Err(e) = std::fs::symlink_metadata(start) {
            out.push(Entry::Error {
                display: display_of(start),
                message: format!("listed in --files-from but cannot be read: {e}"),
                kind: ErrorKind::of_io(&e),
                path: Some(start.to_path_buf()),
            });
            return;
        }
    }
    let walker = WalkBuilder::new(start)
        .hidden(false)
        .ignore(opts.respect_ignore)
        .git_ignore(opts.respect_ignore)
        .git_global(opts.respect_ignore)
        .git_exclude(opts.respect_ignore)
        .parents(opts.respect_ignore)
        .require_git(false)
        .follow_links(opts.follow)
        .overrides(overrides.clone())
        .threads(opts.threads.max(1))
        .build_parallel();
    let found = Mutex::new(Vec::new());
    walker.run(|| {
        let found = &found;
        let display_of = &display_of;
        Box::new(move |result| {
            // A kernel pseudo-filesystem holds no stored data, and some of its files block
            // when read (/proc/kmsg) or are endless (hostile H2): it is skipped whole.
            if let Ok(dent) = &result {
                if dent.file_type().is_some_and(|t| t.is_dir()) {
                    if let Some(kind) = pseudo_filesystem(dent.path()) {
                        let entry = skipped_folder(dent.path(), display_of, kind);
                        found.lock().expect("walk results lock").push(entry);
                        return ignore::WalkState::Skip;
                    }
                }
            }
            let entry = match result {
                Ok(dent) => classify(dent, display_of, opts),
                Err(err) => Some(walk_error(err, display_of)),
            };
            if let Some(e) = entry {
                found.lock().expect("walk results lock").push(e);
            }
            ignore::WalkState::Continue
        })
    });
    out.extend(found.into_inner().expect("walk results lock"));
}

/// The kind of kernel pseudo-filesystem `path` is on (proc, sysfs...), if it is on one.
#[cfg(target_os = "linux")]
pub fn pseudo_filesystem(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut fs = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: statfs writes into `fs` and reads the NUL-terminated `c_path`.
    let fs = unsafe {
        if libc::statfs(c_path.as_ptr(), fs.as_mut_ptr()) != 0 {
            return None;
        }
        fs.assume_init()
    };
    // Magic numbers from linux/magic.h.
    #[allow(clippy::unnecessary_cast)]
    Some(match fs.f_type as i64 {
        0x9fa0 => "proc",
        0x6265_6572 => "sysfs",
        0x6462_6720 => "debugfs",
        0x7472_6163 => "tracefs",
        0x0027_e0eb | 0x6367_7270 => "cgroup",
        0x7363_6673 => "securityfs",
        0x1cd1 => "devpts",
        0xcafe_4a11 => "bpf",
        0x6265_6570 => "configfs",
        0x6165_676c => "pstore",
        0xde5e_81e4 => "efivarfs",
        0x6573_5543 => "fusectl",
        _ => return None,
    })
}

#[cfg(not(target_os = "linux"))]
pub fn pseudo_filesystem(_path: &Path) -> Option<&'static str> {
    None
}

/// A folder (or a link to a file) on a pseudo-filesystem, listed as skipped.
fn skipped_folder(path: &Path, display_of: &dyn Fn(&Path) -> String, kind: &str) -> Entry {
    let meta = std::fs::symlink_metadata(path).ok();
    Entry::Skipped {
        file: InputFile {
            path: path.to_path_buf(),
            display: display_of(path),
            size: 0,
            modified: meta.as_ref().and_then(|m| m.modified().ok()),
            mode: meta.as_ref().and_then(permission_bits),
        },
        reason: format!("on a kernel pseudo-filesystem ({kind}): holds no stored data, not read"),
    }
}

fn classify(
    dent: ignore::DirEntry,
    display_of: &dyn Fn(&Path) -> String,
    opts: &WalkOptions,
) -> Option<Entry> {
    let file_type = dent.file_type()?;
    if file_type.is_dir() {
        return None;
    }
    let path = dent.path().to_path_buf();
    let display = display_of(&path);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            return Some(Entry::Error {
                display,
                message: format!("cannot stat: {e}"),
                kind: ErrorKind::of_io(&e),
                path: Some(path),
            })
        }
    };
    let meta = if opts.follow && meta.file_type().is_symlink() {
        match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                return Some(Entry::Error {
                    display,
                    message: format!("broken symbolic link: {e}"),
                    kind: ErrorKind::of_io(&e),
                    path: Some(path),
                })
            }
        }
    } else {
        meta
    };
    if opts.follow && dent.path_is_symlink() {
        if let Some(kind) = pseudo_filesystem(&path) {
            return Some(skipped_folder(&path, display_of, kind));
        }
    }
    if !opts.own_outputs.is_empty()
        && FileId::of(&path, &meta).is_some_and(|id| opts.own_outputs.contains(&id))
    {
        return None;
    }
    let file = InputFile {
        path,
        display,
        size: meta.len(),
        modified: meta.modified().ok(),
        mode: permission_bits(&meta),
    };
    let skip = |reason: &str| {
        Some(Entry::Skipped {
            file: file.clone(),
            reason: reason.to_string(),
        })
    };
    if meta.file_type().is_symlink() {
        return skip("symbolic link not followed (use --follow)");
    }
    if !meta.is_file() {
        return skip("not a regular file (FIFO, socket or device)");
    }
    if meta.len() > opts.max_filesize {
        return Some(Entry::Skipped {
            reason: format!("larger than --max-filesize ({} bytes)", opts.max_filesize),
            file,
        });
    }
    Some(Entry::File(file))
}

fn walk_error(err: ignore::Error, display_of: &dyn Fn(&Path) -> String) -> Entry {
    let mut path = None;
    let mut e = &err;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert_with(|| p.clone());
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => e = err,
            ignore::Error::Loop { child, .. } => {
                path.get_or_insert_with(|| child.clone());
                break;
            }
            _ => break,
        }
    }
    let (message, kind) = match e {
        ignore::Error::Loop { ancestor, .. } => (
            format!("symbolic link loop (points back to {})", ancestor.display()),
            ErrorKind::Io,
        ),
        ignore::Error::Io(io) => (format!("cannot read: {io}"), ErrorKind::of_io(io)),
        other => (other.to_string(), ErrorKind::Io),
    };
    Entry::Error {
        display: path.as_deref().map(display_of).unwrap_or_default(),
        message,
        kind,
        path,
    }
}

#[cfg(unix)]
fn permission_bits(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn permission_bits(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_pseudo_filesystems_are_recognised_and_refused_as_roots() {
        // Only the file system's type is read (statfs); nothing under /proc is opened.
        assert_eq!(pseudo_filesystem(Path::new("/proc/self")), Some("proc"));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(pseudo_filesystem(dir.path()), None);
        let err = check_roots(&[PathBuf::from("/proc")]).unwrap_err();
        assert!(matches!(err, WalkError::RootPseudo { kind: "proc", .. }), "{err}");
    }
}
