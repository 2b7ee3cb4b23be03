//! A refresh that would lose most of what the baseline knew is suspect.
//!
//! A scheduled `pimap scan /mnt/share --baseline w.json -o w.json` with the share not
//! mounted (an empty mount point) or half-synchronised would replace a good inventory with
//! an empty or partial one. Such a run refuses to write unless the user says the files are
//! really gone (`--allow-shrink`).

use super::Inventory;
use rustc_hash::FxHashSet;

/// Why the new inventory must not replace the baseline's results, if it must not: more
/// than half of the baseline's files are gone, or every file of one of its roots.
pub fn refusal(baseline: &Inventory, new: &Inventory) -> Option<String> {
    let old_paths = top_level_paths(baseline);
    if old_paths.is_empty() {
        return None;
    }
    let new_paths = top_level_paths(new);
    let gone = old_paths.iter().filter(|p| !new_paths.contains(*p)).count();
    if gone * 2 > old_paths.len() {
        return Some(format!(
            "{gone} of the baseline's {} files are not there any more",
            old_paths.len()
        ));
    }
    for (root, prefix) in root_prefixes(baseline)
        .into_iter()
        .filter(|(r, _)| new.roots.iter().any(|x| x == r))
    {
        let under =
            |paths: &FxHashSet<&str>| paths.iter().filter(|p| under_root(p, prefix.as_deref())).count();
        let before = under(&old_paths);
        if before > 0 && under(&new_paths) == 0 {
            return Some(format!("all {before} files under {root} are not there any more"));
        }
    }
    None
}

/// The roots of `inventory` under which it lists nothing at all.
pub fn empty_roots(inventory: &Inventory) -> Vec<&str> {
    let paths = top_level_paths(inventory);
    root_prefixes(inventory)
        .into_iter()
        .filter(|(_, prefix)| !paths.iter().any(|p| under_root(p, prefix.as_deref())))
        .map(|(root, _)| root)
        .collect()
}

/// Each root with the prefix of its paths: a store's name, or with several folder roots the
/// root itself; with one folder root, paths are relative to it (or, for a file root, the root
/// itself). A bucket's or a database's paths always start with its address.
fn root_prefixes(inventory: &Inventory) -> Vec<(&str, Option<String>)> {
    if !inventory.stores.is_empty() {
        return inventory
            .stores
            .iter()
            .map(|s| (s.root.as_str(), Some(s.name.clone())))
            .collect();
    }
    let is_folder = |root: &str| {
        inventory
            .sources
            .iter()
            .find(|s| s.address == root)
            .is_none_or(|s| s.kind == "path")
    };
    let several = inventory.roots.iter().filter(|r| is_folder(r)).count() > 1;
    inventory
        .roots
        .iter()
        .map(|r| {
            let prefixed = several || !is_folder(r);
            (r.as_str(), prefixed.then(|| r.trim_end_matches('/').to_string()))
        })
        .collect()
}

fn under_root(path: &str, prefix: Option<&str>) -> bool {
    let Some(prefix) = prefix else { return true };
    // A live database's tables are `ADDRESS!table`.
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('!'))
}

/// Paths of what the walk found (files read, skipped or failed), without archive members.
fn top_level_paths(inventory: &Inventory) -> FxHashSet<&str> {
    let archives: FxHashSet<&str> = inventory
        .files
        .iter()
        .filter(|f| f.archive)
        .map(|f| f.path.as_str())
        .collect();
    let is_member = |path: &str| {
        path.match_indices('!')
            .any(|(i, _)| archives.contains(&path[..i]))
    };
    let files = inventory.files.iter().map(|f| f.path.as_str());
    let skipped = inventory.skipped.iter().map(|s| s.path.as_str());
    let errors = inventory.errors.iter().map(|e| e.path.as_str());
    files
        .chain(skipped)
        .chain(errors)
        .filter(|p| !is_member(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::FileEntry;

    fn inventory(roots: &[&str], paths: &[&str]) -> Inventory {
        Inventory {
            roots: roots.iter().map(|r| r.to_string()).collect(),
            files: paths
                .iter()
                .map(|p| FileEntry {
                    path: p.to_string(),
                    archive: p.ends_with(".zip"),
                    ..FileEntry::default()
                })
                .collect(),
            ..Inventory::default()
        }
    }

    #[test]
    fn losing_most_files_is_refused() {
        let old = inventory(
            &["/mnt/share"],
            &["a.csv", "b.csv", "c.csv", "d.zip", "d.zip!x.csv"],
        );
        let empty = inventory(&["/mnt/share"], &[]);
        assert!(refusal(&old, &empty)
            .unwrap()
            .contains("4 of the baseline's 4 files"));
        let half = inventory(&["/mnt/share"], &["a.csv", "b.csv"]);
        assert_eq!(refusal(&old, &half), None, "half is not more than half");
        let one = inventory(&["/mnt/share"], &["a.csv"]);
        assert!(refusal(&old, &one).is_some());
        // Members do not count: an archive that lost members is one file still there.
        let members_gone = inventory(&["/mnt/share"], &["a.csv", "b.csv", "c.csv", "d.zip"]);
        assert_eq!(refusal(&old, &members_gone), None);
        assert_eq!(refusal(&empty, &empty), None);
    }

    #[test]
    fn losing_a_whole_root_is_refused() {
        let old = inventory(
            &["/a", "/b"],
            &[
                "/a/1.csv", "/a/2.csv", "/a/3.csv", "/a/4.csv", "/a/5.csv", "/b/x.csv",
            ],
        );
        let new = inventory(
            &["/a", "/b"],
            &["/a/1.csv", "/a/2.csv", "/a/3.csv", "/a/4.csv", "/a/5.csv"],
        );
        assert!(refusal(&old, &new).unwrap().contains("under /b"));
        assert_eq!(empty_roots(&new), vec!["/b"]);
        // /ab is not under /a.
        assert!(!under_root("/ab/x.csv", Some("/a")));
    }
}
