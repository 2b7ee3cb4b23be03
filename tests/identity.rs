//! Stable identities (issue 16, item 2): every finding and column entry has an id derived
//! from what it is, the same in two runs and across a refresh; `first_seen` of files and
//! columns is carried over from the `--baseline`.

use crate::util::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const KEY: &str = "test-key-for-identity-00000001";

fn tree(dir: &Dir) {
    // Two phones in one cell: same detector, same location, two findings.
    dir.write(
        "a.csv",
        "手机号,备注\n13800000001,无\n13800000002,13900000009/13900000010\n",
    );
    dir.write("b/notes.txt", "客户电话 13900000003，邮箱 li@example.com\n");
    dir.write(
        "c.json",
        r#"[{"mobile":"13700000004","email":"wang@example.com"}]"#,
    );
}

/// `pimap scan` with findings and inventory under `out/`, keyed by `key` when given.
fn scan(dir: &Dir, tag: &str, key: Option<&str>, extra: &[&str]) -> (Vec<Value>, Value) {
    let findings = dir.out(&format!("{tag}.findings.jsonl"));
    let findings_arg = findings.to_string_lossy().into_owned();
    let mut args = vec!["--findings", findings_arg.as_str()];
    args.extend_from_slice(extra);
    let (run, inventory) = scan_json(dir, tag, key, &args);
    assert_eq!(run.code, Some(0), "scan failed: {}", run.stderr_str());
    let lines = std::fs::read_to_string(&findings)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, inventory)
}

/// Finding ids by (path, detector, location, masked value), which together tell findings
/// apart in these trees.
fn finding_ids(findings: &[Value]) -> BTreeMap<String, String> {
    findings
        .iter()
        .map(|f| {
            let what = format!(
                "{} {} {} {}",
                f["path"], f["detector"], f["location"], f["masked"]
            );
            let id = f["id"]
                .as_str()
                .unwrap_or_else(|| panic!("finding without id: {f}"));
            (what, id.to_string())
        })
        .collect()
}

/// Column ids by (path, table, column, detector).
fn column_ids(inventory: &Value) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    for file in inventory["files"].as_array().unwrap() {
        for c in file["columns"].as_array().into_iter().flatten() {
            let what = format!("{} {} {} {}", file["path"], c["table"], c["name"], c["detector"]);
            let id = c["id"]
                .as_str()
                .unwrap_or_else(|| panic!("column without id: {c}"));
            ids.insert(what, id.to_string());
        }
    }
    ids
}

fn is_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[test]
fn ids_are_unique_well_formed_and_the_same_in_two_runs() {
    let dir = Dir::new();
    tree(&dir);
    for key in [Some(KEY), None] {
        let (findings1, inventory1) = scan(&dir, "one", key, &[]);
        let (findings2, inventory2) = scan(&dir, "two", key, &[]);
        let ids = finding_ids(&findings1);
        assert_eq!(ids.len(), findings1.len(), "findings told apart: {findings1:?}");
        assert!(findings1.len() >= 8, "{findings1:?}");
        let distinct: BTreeSet<&String> = ids.values().collect();
        assert_eq!(distinct.len(), ids.len(), "two findings share an id: {ids:?}");
        assert!(ids.values().all(|id| is_id(id)), "{ids:?}");
        assert_eq!(
            ids,
            finding_ids(&findings2),
            "key {key:?}: finding ids changed between runs"
        );
        let columns = column_ids(&inventory1);
        assert!(columns.len() >= 3, "{inventory1}");
        assert!(columns.values().all(|id| is_id(id)), "{columns:?}");
        assert_eq!(
            columns,
            column_ids(&inventory2),
            "key {key:?}: column ids changed between runs"
        );
    }
    // The two phones of one cell are two findings with two ids.
    let (findings, _) = scan(&dir, "cell", Some(KEY), &[]);
    let in_cell: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == "a.csv" && f["location"]["row"] == 2 && f["location"]["column"] == "备注")
        .collect();
    assert_eq!(in_cell.len(), 2, "{findings:?}");
    assert_ne!(in_cell[0]["id"], in_cell[1]["id"]);
}

#[test]
fn ids_are_keyed_by_the_stable_key() {
    let dir = Dir::new();
    tree(&dir);
    let (keyed, keyed_inv) = scan(&dir, "keyed", Some(KEY), &[]);
    let (other, other_inv) = scan(&dir, "other", Some("another-key-for-identity-0002"), &[]);
    let (public, _) = scan(&dir, "public", None, &[]);
    let keyed = finding_ids(&keyed);
    assert_eq!(keyed.len(), other.len());
    for (what, id) in finding_ids(&other) {
        assert_ne!(keyed[&what], id, "{what}: the same id under two keys");
    }
    for (what, id) in finding_ids(&public) {
        assert_ne!(keyed[&what], id, "{what}: the keyed id equals the public one");
    }
    let keyed_columns = column_ids(&keyed_inv);
    for (what, id) in column_ids(&other_inv) {
        assert_ne!(
            keyed_columns[&what], id,
            "{what}: the same column id under two keys"
        );
    }
}

#[test]
fn a_refresh_keeps_ids_and_carries_first_seen_over() {
    let dir = Dir::new();
    tree(&dir);
    let (findings1, inventory1) = scan(&dir, "first", Some(KEY), &[]);
    let scanned1 = inventory1["scanned_at"].as_str().unwrap().to_string();
    for file in inventory1["files"].as_array().unwrap() {
        assert_eq!(
            file["first_seen"],
            scanned1.as_str(),
            "a first scan stamps its own time: {file}"
        );
        for c in file["columns"].as_array().into_iter().flatten() {
            assert_eq!(c["first_seen"], scanned1.as_str(), "{c}");
        }
    }
    // The baseline says everything was first seen in March (as after months of refreshes).
    let march = "2026-03-01T02:00:00Z";
    let mut baseline = inventory1.clone();
    for file in baseline["files"].as_array_mut().unwrap() {
        file["first_seen"] = march.into();
        for c in file["columns"].as_array_mut().into_iter().flatten() {
            c["first_seen"] = march.into();
        }
    }
    let base = dir.out("baseline.json");
    std::fs::write(&base, serde_json::to_vec_pretty(&baseline).unwrap()).unwrap();
    // a.csv is read again (its time changed, its content did not); d.csv is new.
    set_age(&dir.root().join("a.csv"), 2);
    dir.write("d.csv", "邮箱\nzhao@example.com\n");
    let (findings2, inventory2) = scan(
        &dir,
        "second",
        Some(KEY),
        &["--baseline", &base.to_string_lossy()],
    );
    let scanned2 = inventory2["scanned_at"].as_str().unwrap().to_string();

    let a = file_json(&inventory2, "a.csv");
    assert_ne!(a["reused"], true, "a.csv must have been read again: {a}");
    assert_eq!(file_json(&inventory2, "c.json")["reused"], true);
    for path in ["a.csv", "b/notes.txt", "c.json"] {
        let file = file_json(&inventory2, path);
        assert_eq!(file["first_seen"], march, "{path}: {file}");
        for c in file["columns"].as_array().into_iter().flatten() {
            assert_eq!(c["first_seen"], march, "{path}: {c}");
        }
    }
    let d = file_json(&inventory2, "d.csv");
    assert_eq!(d["first_seen"], scanned2.as_str(), "{d}");
    assert_eq!(d["columns"][0]["first_seen"], scanned2.as_str(), "{d}");

    // a.csv's findings, read again, have the ids of the first run; so do all columns.
    let first_ids = finding_ids(&findings1);
    let again: Vec<&Value> = findings2.iter().filter(|f| f["path"] == "a.csv").collect();
    assert!(!again.is_empty(), "{findings2:?}");
    for (what, id) in finding_ids(&findings2)
        .iter()
        .filter(|(w, _)| w.starts_with("\"a.csv\""))
    {
        assert_eq!(first_ids.get(what), Some(id), "{what}");
    }
    let columns2 = column_ids(&inventory2);
    for (what, id) in column_ids(&inventory1) {
        assert_eq!(columns2.get(&what), Some(&id), "{what}");
    }
}
