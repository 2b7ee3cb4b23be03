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
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

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
    },
}

impl Entry {
    fn display(&self) -> &str {
        match self {
            Entry::File(f) | Entry::Skipped { file: f, .. } => &f.display,
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
}

/// Walks `roots` and returns every entry, sorted by display path.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let prefix_roots = roots.len() > 1;
    for root in roots {
        walk_root(root, prefix_roots, opts, &mut entries)?;
    }
    entries.sort_by(|a, b| a.display().cmp(b.display()));
    Ok(entries)
}

fn walk_root(root: &Path, prefix_root: bool, opts: &WalkOptions, out: &mut Vec<Entry>) -> Result<(), String> {
    // A missing root is an input that cannot be read, not a usage error: the other roots
    // are still scanned (exit 2 only when nothing could be).
    let meta = match std::fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) => {
            out.push(Entry::Error {
                display: root.to_string_lossy().into_owned(),
                message: format!("cannot read: {e}"),
                kind: ErrorKind::of_io(&e),
            });
            return Ok(());
        }
    };
    let display_of = |path: &Path| -> String {
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel = rel.to_string_lossy().replace('\\', "/");
        if meta.is_file() || (meta.file_type().is_symlink() && rel.is_empty()) {
            path.to_string_lossy().into_owned()
        } else if prefix_root {
            format!("{}/{}", root.to_string_lossy().trim_end_matches('/'), rel)
        } else {
            rel
        }
    };
    let mut overrides = OverrideBuilder::new(root);
    for glob in &opts.excludes {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| format!("--exclude {glob:?}: {e}"))?;
    }
    let overrides = overrides.build().map_err(|e| format!("--exclude: {e}"))?;
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .ignore(opts.respect_ignore)
        .git_ignore(opts.respect_ignore)
        .git_global(opts.respect_ignore)
        .git_exclude(opts.respect_ignore)
        .parents(opts.respect_ignore)
        .require_git(false)
        .follow_links(opts.follow)
        .overrides(overrides)
        .threads(opts.threads.max(1))
        .build_parallel();
    let found = Mutex::new(Vec::new());
    walker.run(|| {
        let found = &found;
        let display_of = &display_of;
        Box::new(move |result| {
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
    Ok(())
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
                })
            }
        }
    } else {
        meta
    };
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
        display: path.map(|p| display_of(&p)).unwrap_or_default(),
        message,
        kind,
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
