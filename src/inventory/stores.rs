//! Several stores in one inventory (`scan --store NAME=ROOT`, `merge` of different stores).
//!
//! Written, every entry of a store names it (`store`) and its `path` is relative to the
//! store's root, so the same `orders.csv` in two shops is two entries. In memory the entry is
//! known by `NAME/path` instead: unique across stores, so a refresh, copies, changes, shards
//! and merges key entries by path alone, as for one root. A store's name has no `/`, so the
//! two forms convert both ways (`split_paths` before writing, `join_paths` after reading).

use super::{ActionKind, Changes, Inventory, StoreTotals};

/// Why a store's name cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreNameError {
    #[error("--store {0:?}: write NAME=FOLDER, e.g. --store tmall-flagship=/mnt/shares/tmall")]
    Syntax(String),
    #[error("--store {0:?}: a store's name cannot be empty, start with a dot, or hold '/', '\\', '!', ':' or control characters")]
    Name(String),
    #[error("--store {0:?} is named twice")]
    Twice(String),
}

/// Checks a store's name: it becomes the first segment of its entries' paths in memory.
pub fn check_name(name: &str) -> Result<(), StoreNameError> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.len() > 200
        || name
            .chars()
            .any(|c| matches!(c, '/' | '\\' | '!' | ':') || c.is_control());
    if bad {
        return Err(StoreNameError::Name(name.to_string()));
    }
    Ok(())
}

/// The store and the store-relative path of an entry known by `NAME/path`.
pub fn split(path: &str) -> Option<(&str, &str)> {
    path.split_once('/')
}

/// `NAME/path`.
pub fn join(store: &str, path: &str) -> String {
    format!("{store}/{path}")
}

impl Inventory {
    /// The path as its store sees it (policy globs match it): the whole path without stores.
    pub fn store_relative<'p>(&self, path: &'p str) -> &'p str {
        match self.stores.is_empty() {
            true => path,
            false => split(path).map_or(path, |(_, rest)| rest),
        }
    }

    /// From the in-memory form (`NAME/path`) to the written one (`store`, relative `path`).
    pub fn split_paths(&mut self) {
        if !self.stores.is_empty() {
            self.for_each_entry(to_store);
        }
    }

    /// From the written form to the in-memory one (see the module's comment).
    pub fn join_paths(&mut self) {
        self.for_each_entry(|store, path| {
            if let Some(name) = store.take() {
                *path = join(&name, path);
            }
        });
    }

    /// Calls `visit` with the store and path of every entry that has them.
    fn for_each_entry(&mut self, mut visit: impl FnMut(&mut Option<String>, &mut String)) {
        for f in &mut self.files {
            visit(&mut f.store, &mut f.path);
        }
        for s in &mut self.skipped {
            visit(&mut s.store, &mut s.path);
        }
        for e in &mut self.errors {
            visit(&mut e.store, &mut e.path);
        }
        for a in &mut self.actions {
            visit(&mut a.store, &mut a.path);
        }
        for n in &mut self.names {
            visit(&mut n.store, &mut n.path);
        }
        for i in &mut self.suspected_id_images {
            visit(&mut i.store, &mut i.path);
        }
        for g in &mut self.duplicates {
            for m in &mut g.files {
                visit(&mut m.store, &mut m.path);
            }
        }
        if let Some(changes) = &mut self.changes {
            for c in changes_mut(changes) {
                visit(&mut c.store, &mut c.path);
            }
            for i in changes
                .new_suspected_id_images
                .iter_mut()
                .chain(&mut changes.removed_suspected_id_images)
            {
                visit(&mut i.store, &mut i.path);
            }
        }
    }

    /// Each store's share of the totals (after `judge`).
    pub fn count_store_totals(&mut self) {
        if self.stores.is_empty() {
            return;
        }
        let index: std::collections::HashMap<String, usize> = self
            .stores
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        let mut totals: Vec<StoreTotals> = self
            .stores
            .iter()
            .map(|_| StoreTotals {
                by_category: super::empty_by_category(),
                actions: ActionKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_string(), 0))
                    .collect(),
                ..StoreTotals::default()
            })
            .collect();
        let store_of = |path: &str| split(path).and_then(|(name, _)| index.get(name).copied());
        for f in &self.files {
            let Some(i) = store_of(&f.path) else { continue };
            let t = &mut totals[i];
            // As `Totals::add_file`: an archive's bytes are its members'.
            let mut whole = super::Totals::default();
            whole.add_file(f);
            t.files += whole.files;
            t.bytes += whole.bytes;
            t.skipped += whole.skipped;
            t.findings += f.findings;
            t.files_with_findings += whole.files_with_findings;
            for (cat, n) in &f.by_category {
                *t.by_category.entry(cat.clone()).or_default() += n;
            }
            if let Some(risk) = &f.risk {
                *t.files_by_risk
                    .entry(risk.level.as_str().to_string())
                    .or_default() += 1;
            }
        }
        for s in &self.skipped {
            if let Some(i) = store_of(&s.path) {
                totals[i].skipped += 1;
            }
        }
        for e in &self.errors {
            if let Some(i) = store_of(&e.path) {
                totals[i].errors += 1;
            }
        }
        for a in &self.actions {
            if let Some(i) = store_of(&a.path) {
                *totals[i].actions.entry(a.kind.as_str().to_string()).or_default() += 1;
            }
        }
        for (store, t) in self.stores.iter_mut().zip(totals) {
            store.totals = t;
        }
    }
}

/// `split_paths` for a `changes` section (also `pimap diff --json`).
pub fn split_change_paths(changes: &mut Changes) {
    for c in changes_mut(changes) {
        to_store(&mut c.store, &mut c.path);
    }
    for i in changes
        .new_suspected_id_images
        .iter_mut()
        .chain(&mut changes.removed_suspected_id_images)
    {
        to_store(&mut i.store, &mut i.path);
    }
}

/// An entry known by `NAME/path` as its store and store-relative path.
fn to_store(store: &mut Option<String>, path: &mut String) {
    if store.is_some() {
        return;
    }
    if let Some((name, rest)) = split(path) {
        let (name, rest) = (name.to_string(), rest.to_string());
        *store = Some(name);
        *path = rest;
    }
}

fn changes_mut(changes: &mut Changes) -> impl Iterator<Item = &mut super::FileChange> {
    changes
        .new
        .iter_mut()
        .chain(changes.removed.iter_mut())
        .chain(changes.unreadable.iter_mut())
        .chain(changes.changed.iter_mut())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{ErrorEntry, FileEntry, StoreEntry};

    #[test]
    fn names_that_cannot_be_a_path_segment_are_refused() {
        for good in ["tmall-flagship", "淘宝店", "shop_1", "a.b"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", ".hidden", "a/b", "a!b", "a:b", "a\nb", "a\\b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_split_for_writing_and_join_back_and_stores_get_their_totals() {
        let file = |path: &str, findings: u64| FileEntry {
            path: path.into(),
            size: 10,
            findings,
            by_category: [("phone".to_string(), findings)].into(),
            ..FileEntry::default()
        };
        let mut inv = Inventory {
            files: vec![
                file("a/orders.csv", 3),
                file("b/orders.csv", 2),
                file("b/x/y.txt", 0),
            ],
            errors: vec![ErrorEntry {
                store: None,
                path: "b/broken.xlsx".into(),
                error: "corrupt".into(),
                kind: None,
            }],
            stores: vec![
                StoreEntry {
                    name: "a".into(),
                    root: "/mnt/a".into(),
                    ..StoreEntry::default()
                },
                StoreEntry {
                    name: "b".into(),
                    root: "/mnt/b".into(),
                    ..StoreEntry::default()
                },
            ],
            ..Inventory::default()
        };
        assert_eq!(inv.store_relative("b/x/y.txt"), "x/y.txt");
        inv.count_store_totals();
        let (a, b) = (&inv.stores[0].totals, &inv.stores[1].totals);
        assert_eq!(
            (a.files, a.findings, a.files_with_findings, a.errors),
            (1, 3, 1, 0)
        );
        assert_eq!(
            (b.files, b.findings, b.files_with_findings, b.errors),
            (2, 2, 1, 1)
        );
        assert_eq!(b.by_category["phone"], 2);
        inv.split_paths();
        let written: Vec<(Option<&str>, &str)> = inv
            .files
            .iter()
            .map(|f| (f.store.as_deref(), f.path.as_str()))
            .collect();
        assert_eq!(
            written,
            [
                (Some("a"), "orders.csv"),
                (Some("b"), "orders.csv"),
                (Some("b"), "x/y.txt")
            ]
        );
        assert_eq!(inv.errors[0].store.as_deref(), Some("b"));
        inv.join_paths();
        assert_eq!(inv.files[1].path, "b/orders.csv");
        assert!(inv.files.iter().all(|f| f.store.is_none()));
        assert_eq!(inv.errors[0].path, "b/broken.xlsx");
    }
}
