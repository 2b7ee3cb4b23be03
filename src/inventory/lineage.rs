//! What an entry's history is across refreshes: the stable id of each column entry, and when
//! an inventory first listed each file and column (`first_seen`), carried over from the
//! `--baseline` so that an assessment can say since when a folder has held ID numbers.
//!
//! First seen is the baseline's `first_seen` of the same path (or the same file, table,
//! column and detector), else the baseline's `scanned_at` if it listed the entry without one
//! (an inventory written before `first_seen` existed), else this scan's `scanned_at`. An entry
//! that leaves the inventory and comes back starts again: a baseline only knows what it lists.

use super::{ColumnEntry, Inventory};
use crate::identity::Ids;
use rustc_hash::FxHashMap;

/// Gives every column entry its id and every file and column entry its `first_seen`.
/// Paths are as the scan holds them (`STORE/path` with stores), in both inventories.
pub fn stamp(inventory: &mut Inventory, ids: &Ids, baseline: Option<&Inventory>) {
    let now = (!inventory.scanned_at.is_empty()).then(|| inventory.scanned_at.clone());
    let known = baseline.map(Known::of).unwrap_or_default();
    for file in &mut inventory.files {
        file.first_seen = known
            .files
            .get(file.path.as_str())
            .cloned()
            .or_else(|| now.clone());
        for column in &mut file.columns {
            column.id = Some(ids.column(
                &file.path,
                column.table.as_deref(),
                &column.name,
                &column.detector,
            ));
            column.first_seen = known
                .columns
                .get(&column_key(&file.path, column))
                .cloned()
                .or_else(|| now.clone());
        }
    }
}

/// A column entry as the baseline knows it: file, table, column name, detector.
type ColumnKey<'a> = (&'a str, Option<&'a str>, &'a str, &'a str);

fn column_key<'a>(path: &'a str, column: &'a ColumnEntry) -> ColumnKey<'a> {
    (path, column.table.as_deref(), &column.name, &column.detector)
}

/// The baseline's first-seen times, by path and by column.
#[derive(Default)]
struct Known<'b> {
    files: FxHashMap<&'b str, String>,
    columns: FxHashMap<ColumnKey<'b>, String>,
}

impl<'b> Known<'b> {
    fn of(baseline: &'b Inventory) -> Known<'b> {
        let scanned = (!baseline.scanned_at.is_empty()).then_some(baseline.scanned_at.as_str());
        let mut known = Known::default();
        for file in &baseline.files {
            let Some(first) = file.first_seen.as_deref().or(scanned) else {
                continue;
            };
            known.files.insert(file.path.as_str(), first.to_string());
            for column in &file.columns {
                if let Some(at) = column.first_seen.as_deref().or(scanned) {
                    known
                        .columns
                        .insert(column_key(&file.path, column), at.to_string());
                }
            }
        }
        known
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::FileEntry;

    fn column(name: &str, detector: &str) -> ColumnEntry {
        ColumnEntry {
            name: name.into(),
            detector: detector.into(),
            ..Default::default()
        }
    }

    fn inventory(at: &str, files: &[(&str, &[(&str, &str)])]) -> Inventory {
        Inventory {
            scanned_at: at.into(),
            files: files
                .iter()
                .map(|(path, columns)| FileEntry {
                    path: path.to_string(),
                    columns: columns.iter().map(|(n, d)| column(n, d)).collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_first_scan_stamps_its_own_time_and_ids() {
        let mut inv = inventory(
            "2026-03-01T02:00:00Z",
            &[("orders.csv", &[("phone", "cn_mobile")])],
        );
        stamp(&mut inv, &Ids::default(), None);
        let file = &inv.files[0];
        assert_eq!(file.first_seen.as_deref(), Some("2026-03-01T02:00:00Z"));
        assert_eq!(
            file.columns[0].first_seen.as_deref(),
            Some("2026-03-01T02:00:00Z")
        );
        assert_eq!(
            file.columns[0].id,
            Some(Ids::default().column("orders.csv", None, "phone", "cn_mobile"))
        );
    }

    #[test]
    fn refreshes_carry_first_seen_and_new_entries_start_now() {
        let march = "2026-03-01T02:00:00Z";
        let mut first = inventory(march, &[("orders.csv", &[("phone", "cn_mobile")])]);
        stamp(&mut first, &Ids::default(), None);
        let mut april = inventory(
            "2026-04-01T02:00:00Z",
            &[
                ("orders.csv", &[("phone", "cn_mobile"), ("id", "cn_resident_id")]),
                ("new.csv", &[("phone", "cn_mobile")]),
            ],
        );
        stamp(&mut april, &Ids::default(), Some(&first));
        let mut may = inventory(
            "2026-05-01T02:00:00Z",
            &[("orders.csv", &[("phone", "cn_mobile"), ("id", "cn_resident_id")])],
        );
        stamp(&mut may, &Ids::default(), Some(&april));
        let orders = &may.files[0];
        assert_eq!(
            orders.first_seen.as_deref(),
            Some(march),
            "carried over two refreshes"
        );
        assert_eq!(orders.columns[0].first_seen.as_deref(), Some(march));
        assert_eq!(
            orders.columns[1].first_seen.as_deref(),
            Some("2026-04-01T02:00:00Z")
        );
        assert_eq!(april.files[1].first_seen.as_deref(), Some("2026-04-01T02:00:00Z"));
        assert_eq!(
            orders.columns[0].id, first.files[0].columns[0].id,
            "same column, same id"
        );
    }

    #[test]
    fn a_baseline_without_first_seen_counts_from_its_scan_time() {
        let old = inventory(
            "2025-12-01T00:00:00Z",
            &[("orders.csv", &[("phone", "cn_mobile")])],
        );
        let mut new = inventory(
            "2026-01-01T00:00:00Z",
            &[("orders.csv", &[("phone", "cn_mobile")])],
        );
        stamp(&mut new, &Ids::default(), Some(&old));
        assert_eq!(new.files[0].first_seen.as_deref(), Some("2025-12-01T00:00:00Z"));
        assert_eq!(
            new.files[0].columns[0].first_seen.as_deref(),
            Some("2025-12-01T00:00:00Z")
        );
    }
}
