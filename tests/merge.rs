//! Fleet scale (issue 12): a scan split into parts (`--shard K/N`, `--files-from`) and joined
//! by `pimap merge` must give the inventory of one scan of the whole, field for field but for
//! run timings; parts that cannot make one scan are refused with one line, nothing written.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: &str = "test-key-for-fleet-merge-00000001";
const OTHER_KEY: &str = "another-key-for-fleet-merge-0002";

fn dev_store() -> PathBuf {
    manifest_dir().join("../shared/eval-dev/corpus")
}

fn read_json(path: &Path) -> Value {
    read_inventory_json(path)
}

/// `pimap scan ROOT -o OUT -q [extra]` with the test key; the inventory.
#[track_caller]
fn scan_whole(root: &Path, out: &Path, extra: &[&str]) -> Value {
    let run = pimap()
        .arg("scan")
        .arg(root)
        .arg("-q")
        .arg("-o")
        .arg(out)
        .args(extra)
        .env("PIMAP_KEY", KEY)
        .run();
    assert!(
        matches!(run.code, Some(0 | 1)),
        "scan failed: {}",
        run.stderr_str()
    );
    read_json(out)
}

/// The N parts of a scan (`--shard K/N` for K = 1..N), written as `{tag}-K-of-N.json`.
#[track_caller]
fn scan_shards(root: &Path, dir: &Dir, tag: &str, n: u32, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let out = dir.out(&format!("{tag}-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            scan_whole(root, &out, &[&["--shard", shard.as_str()], extra].concat());
            out
        })
        .collect()
}

fn merge_cmd(parts: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    pimap()
        .arg("merge")
        .args(parts)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .args(extra)
        .run()
}

#[track_caller]
fn merge(parts: &[PathBuf], out: &Path, extra: &[&str]) -> Value {
    let run = merge_cmd(parts, out, extra);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "merge failed: {}",
        run.stderr_str()
    );
    read_json(out)
}

/// The JSON paths where two inventories differ, run timings aside.
fn differences(a: &Value, b: &Value) -> Vec<String> {
    fn walk(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let here = format!("{at}/{key}");
                    // Run times: each part stamps its own files' first_seen.
                    if here == "/scanned_at" || here == "/totals/elapsed_seconds" || key == "first_seen" {
                        continue;
                    }
                    match (x.get(key), y.get(key)) {
                        (Some(v), Some(w)) => walk(v, w, &here, out),
                        _ => out.push(format!("{here} present in only one")),
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    walk(v, w, &format!("{at}/{i}"), out);
                }
            }
            _ if a != b => out.push(format!("{at}: {} vs {}", short(a), short(b))),
            _ => {}
        }
    }
    fn short(v: &Value) -> String {
        v.to_string().chars().take(120).collect()
    }
    let mut out = Vec::new();
    walk(a, b, "", &mut out);
    out
}

#[track_caller]
fn assert_same_inventory(one: &Value, merged: &Value, what: &str) {
    let diffs = differences(one, merged);
    assert!(
        diffs.is_empty(),
        "{what}: the merged inventory differs from one scan's at {} places:\n{}",
        diffs.len(),
        diffs.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn paths(inv: &Value) -> Vec<String> {
    inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shards_of_the_dev_store_merge_into_the_one_process_inventory() {
    let dir = Dir::new();
    let one = scan_whole(&dev_store(), &dir.out("one.json"), &[]);
    assert!(
        one["files"].as_array().unwrap().len() > 20,
        "the dev store is there"
    );
    for n in [1, 2, 3, 7] {
        let parts = scan_shards(&dev_store(), &dir, "dev", n, &[]);
        let mut holding = 0;
        let mut listed = 0;
        for (k, part) in parts.iter().enumerate() {
            let inv = read_json(part);
            assert_eq!(inv["part"]["shard"]["index"], k as u64 + 1);
            assert_eq!(inv["part"]["shard"]["count"], n);
            let files = inv["files"].as_array().unwrap().len();
            holding += usize::from(files > 0);
            listed += files;
        }
        assert_eq!(
            listed,
            one["files"].as_array().unwrap().len(),
            "each file in one part"
        );
        assert!(holding >= (n as usize).min(2), "{n} shards: the files are spread");
        let merged = merge(&parts, &dir.out(&format!("merged-{n}.json")), &[]);
        assert!(merged.get("part").is_none(), "a merged inventory is not a part");
        assert_same_inventory(&one, &merged, &format!("{n} shards"));
    }
    // With every fingerprint kept (what `locate` reads).
    let one = scan_whole(&dev_store(), &dir.out("one-fp.json"), &["--fingerprints"]);
    let parts = scan_shards(&dev_store(), &dir, "dev-fp", 3, &["--fingerprints"]);
    let merged = merge(&parts, &dir.out("merged-fp.json"), &[]);
    assert!(merged["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["fingerprints"].is_array()));
    assert_same_inventory(&one, &merged, "3 shards with --fingerprints");
}

/// Synthetic customers: (resident ID, mobile).
fn customers(n: usize, seed: u32) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let i = i as u32 + seed * 1000;
            let id = with_id_check(&format!(
                "3301061985{:02}{:02}{:03}",
                1 + i % 12,
                1 + i % 28,
                i % 1000
            ));
            (id, format!("137{:08}", 20_000_000 + i))
        })
        .collect()
}

const POLICY: &str = r#"
[duplicates]
min_overlap = 0.9
min_values = 10

[[rule]]
name = "orders: keep 3 years"
categories = ["phone", "national_id"]
max_age_days = 1095

[[rule]]
name = "IDs only for customs"
categories = ["national_id"]
allowed_in = ["customs/**"]

[[rule]]
name = "mask phones"
categories = ["phone"]
mask = true
"#;

/// A shop's share with what spans files: copies of one export in several folders, an archive
/// with members, an old file, a broken workbook, a binary, names that mask alike.
fn shop_tree(dir: &Dir) {
    let people = customers(40, 1);
    let mut orders = String::from("下单时间,收货人手机,身份证号\n");
    for (id, phone) in &people {
        orders.push_str(&format!("2026-11-01 10:00:00,{phone},{id}\n"));
    }
    dir.write("exports/orders.csv", &orders);
    for copy in [
        "backup/orders (1).csv",
        "old/orders.bak.csv",
        "mail/附件/orders.csv",
        "u/x/orders - 副本.csv",
    ] {
        dir.write(copy, &orders);
    }
    // A subset of the customers: an extract, not a copy.
    dir.write(
        "exports/vip.csv",
        orders.lines().take(8).collect::<Vec<_>>().join("\n"),
    );
    for i in 0..30 {
        let (id, phone) = &customers(1, 10 + i)[0];
        dir.write(&format!("chat/{i:02}.txt"), format!("客户 {phone} 证件 {id}\n"));
    }
    dir.write(
        "customs/decl.csv",
        format!("报关单,身份证号\nD1,{}\n", people[0].0),
    );
    set_age(&dir.path("customs/decl.csv"), 2000);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("inner/refunds.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, orders.as_bytes()).unwrap();
    dir.write("archive/2025.zip", zip.finish().unwrap().into_inner());
    dir.write("broken/book.xlsx", b"PK\x03\x04 this is not a workbook");
    dir.write("tools/app.bin", [0u8, 1, 2, 3, 0, 0, 0, 7].repeat(100));
    // Two names that mask alike: 138****5678.
    dir.write("names/客户_13812345678.txt", "备注\n");
    dir.write("names/客户_13899995678.txt", "备注\n");
}

#[test]
fn merge_equals_one_scan_with_copies_fingerprints_a_policy_archives_errors_and_masked_names() {
    let dir = Dir::new();
    shop_tree(&dir);
    let policy = dir.out("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let policy = policy.to_str().unwrap();
    for extra in [vec!["--fingerprints", "--policy", policy], vec![]] {
        let one = scan_whole(&dir.root(), &dir.out("one.json"), &extra);
        // The tree has what spans files, or the test would prove little.
        assert!(!one["duplicates"].as_array().unwrap().is_empty(), "copies found");
        assert!(
            !one["errors"].as_array().unwrap().is_empty(),
            "the broken workbook"
        );
        assert!(!one["skipped"].as_array().unwrap().is_empty(), "the binary");
        let listed = paths(&one);
        assert!(
            listed.iter().any(|p| p.ends_with("~2")),
            "names masked alike: {listed:?}"
        );
        assert!(
            listed.iter().any(|p| p.starts_with("archive/2025.zip!")),
            "members listed"
        );
        for n in [2, 3, 7] {
            let parts = scan_shards(&dir.root(), &dir, &format!("shop{}", extra.len()), n, &extra);
            let merged_path = dir.out(&format!("shop-merged-{n}.json"));
            let merge_extra: Vec<&str> = if extra.is_empty() {
                vec![]
            } else {
                vec!["--policy", policy]
            };
            let merged = merge(&parts, &merged_path, &merge_extra);
            assert_same_inventory(&one, &merged, &format!("{n} shards with {extra:?}"));
            // The five copies cannot all be in one part of seven: copies were found across parts.
            if n == 7 {
                let group = &merged["duplicates"][0]["files"];
                let shards: std::collections::BTreeSet<u64> = parts
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        let part = read_json(p);
                        group
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|m| paths(&part).contains(&m["path"].as_str().unwrap().to_string()))
                    })
                    .map(|(k, _)| k as u64)
                    .collect();
                assert!(shards.len() > 1, "the copies were in one part only");
            }
            if !extra.is_empty() {
                let kinds = &merged["totals"]["actions"];
                for kind in [
                    "retention_overdue",
                    "forbidden_location",
                    "mask_column",
                    "duplicate_copy",
                ] {
                    assert!(kinds[kind].as_u64().unwrap() > 0, "{kind}: {kinds}");
                }
            }
        }
    }
}

#[test]
fn a_fleet_refresh_reads_only_what_changed_and_merges_like_one_refresh() {
    let dir = Dir::new();
    shop_tree(&dir);
    let n = 3;
    let first_parts = scan_shards(&dir.root(), &dir, "week1", n, &[]);
    let baseline = dir.out("week1.json");
    merge(&first_parts, &baseline, &[]);
    // A week later: one export changed, one file added, one removed.
    let people = customers(5, 7);
    dir.write(
        "exports/vip.csv",
        format!(
            "收货人手机\n{}\n",
            people.iter().map(|p| p.1.as_str()).collect::<Vec<_>>().join("\n")
        ),
    );
    dir.write("chat/new.txt", format!("新客户 {}\n", people[0].1));
    std::fs::remove_file(dir.path("chat/03.txt")).unwrap();
    let baseline_arg = baseline.to_str().unwrap();
    let one = scan_whole(&dir.root(), &dir.out("one.json"), &["--baseline", baseline_arg]);
    assert!(
        one["totals"]["reused"].as_u64().unwrap() > 10,
        "one refresh reused files"
    );
    // Each part's baseline: the same part of last week, or last week's merged inventory.
    for per_part in [true, false] {
        let parts: Vec<PathBuf> = (1..=n)
            .map(|k| {
                let out = dir.out(&format!("week2-{per_part}-{k}.json"));
                let old = if per_part {
                    first_parts[k as usize - 1].clone()
                } else {
                    baseline.clone()
                };
                let shard = format!("{k}/{n}");
                let extra = ["--shard", shard.as_str(), "--baseline", old.to_str().unwrap()];
                scan_whole(&dir.root(), &out, &extra);
                out
            })
            .collect();
        let mut read_again = Vec::new();
        for part in &parts {
            let inv = read_json(part);
            assert!(
                inv["changes"]["removed"].as_array().unwrap().len() <= 1,
                "a part's changes are its own files' only"
            );
            read_again.extend(
                inv["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["reused"] != true)
                    .map(|f| f["path"].as_str().unwrap().to_string()),
            );
        }
        read_again.sort();
        let mut one_read: Vec<String> = one["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["reused"] != true)
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        one_read.sort();
        assert_eq!(read_again, one_read, "the parts read what one refresh reads");
        for changed in ["chat/new.txt", "exports/vip.csv"] {
            assert!(read_again.contains(&changed.to_string()), "{changed} read again");
        }
        assert!(
            read_again.len() <= 4,
            "only what changed (and files with errors): {read_again:?}"
        );
        let merged = merge(&parts, &dir.out("week2.json"), &["--baseline", baseline_arg]);
        assert_same_inventory(&one, &merged, &format!("refresh, per-part baselines: {per_part}"));
        let changes = &merged["changes"];
        assert_eq!(changes["new"][0]["path"], "chat/new.txt");
        assert_eq!(changes["removed"][0]["path"], "chat/03.txt");
    }
}

/// Runs a merge that must be refused: exit 2, one line naming the reason, and the output
/// (which held an earlier inventory) untouched.
#[track_caller]
fn assert_refused(dir: &Dir, parts: &[PathBuf], extra: &[&str], reason: &str) {
    let out = dir.out("refused.json");
    std::fs::write(&out, "{\"schema\":\"pimap.inventory/2\",\"earlier\":true}\n").unwrap();
    let run = merge_cmd(parts, &out, extra);
    let stderr = run.stderr_str();
    assert_eq!(run.code, Some(2), "{reason}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("pimap: ") && stderr.contains(reason),
        "{reason}: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "{\"schema\":\"pimap.inventory/2\",\"earlier\":true}\n",
        "{reason}: the earlier output was replaced"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.out(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".refused") || n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn parts_that_cannot_make_one_scan_are_refused_and_nothing_is_written() {
    let dir = Dir::new();
    shop_tree(&dir);
    let parts = scan_shards(&dir.root(), &dir, "p", 3, &[]);
    assert_refused(&dir, &parts[..2], &[], "shard 3 of 3 is missing");
    assert_refused(
        &dir,
        &[parts.clone(), vec![parts[1].clone()]].concat(),
        &[],
        "are both shard 2/3",
    );
    let halves = scan_shards(&dir.root(), &dir, "h", 2, &[]);
    assert_refused(&dir, &[parts.clone(), halves].concat(), &[], "a shard of 3");
    let low = scan_shards(&dir.root(), &dir, "low", 3, &["--min-confidence", "0.3"]);
    assert_refused(
        &dir,
        &[parts[..2].to_vec(), low[2..].to_vec()].concat(),
        &[],
        "differ in pimap build, detectors or --min-confidence",
    );
    let other_key = dir.out("other-key.json");
    let run = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--shard", "3/3", "-q", "-o"])
        .arg(&other_key)
        .env("PIMAP_KEY", OTHER_KEY)
        .run();
    assert!(matches!(run.code, Some(0 | 1)));
    assert_refused(
        &dir,
        &[&parts[..2], &[other_key]].concat(),
        &[],
        "differ in fingerprint key",
    );
    let policy = dir.out("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    assert_refused(
        &dir,
        &parts,
        &["--policy", policy.to_str().unwrap()],
        "give the same --policy",
    );
    let whole = dir.out("whole.json");
    scan_whole(&dir.root(), &whole, &[]);
    assert_refused(&dir, &[whole], &[], "is not a part");
    // A part relabelled as another shard holds files that are not that shard's.
    let mut relabelled = read_json(&parts[0]);
    relabelled["part"]["shard"]["index"] = 2.into();
    let relabelled_path = dir.out("relabelled2.json");
    std::fs::write(&relabelled_path, relabelled.to_string()).unwrap();
    assert_refused(
        &dir,
        &[relabelled_path, parts[0].clone(), parts[2].clone()],
        &[],
        "which belongs to shard 1",
    );
    // Missing, truncated and foreign parts.
    assert_refused(
        &dir,
        &[parts[0].clone(), dir.out("nope.json")],
        &[],
        "cannot read",
    );
    let text = std::fs::read(&parts[1]).unwrap();
    let truncated = dir.out("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    assert_refused(
        &dir,
        &[parts[0].clone(), truncated, parts[2].clone()],
        &[],
        "is not a pimap inventory",
    );
    let foreign = dir.out("foreign.json");
    std::fs::write(&foreign, r#"{"schema":"other/1","files":[]}"#).unwrap();
    assert_refused(&dir, &[foreign], &[], "is not a pimap inventory");
    // A part may not be overwritten by the merge.
    let run = merge_cmd(&parts, &parts[0], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr_str());
    assert!(
        read_json(&parts[0])["part"].is_object(),
        "the part is still there"
    );
}

#[test]
fn file_lists_select_files_and_their_parts_merge_like_one_scan() {
    let dir = Dir::new();
    shop_tree(&dir);
    let one = scan_whole(&dir.root(), &dir.out("one.json"), &[]);
    let all = paths(&one);
    // Top-level paths of the walk, split in two lists: folders and files, some spelt `./`.
    let first = "exports\n./chat/00.txt\nchat/01.txt\nchat/00.txt\r\nbackup\narchive/2025.zip\nbroken/book.xlsx\ntools\n";
    let mut second: Vec<String> = vec![
        "customs".into(),
        "old".into(),
        "mail".into(),
        "u".into(),
        "names".into(),
    ];
    second.extend((2..30).map(|i| format!("chat/{i:02}.txt")));
    let first_list = dir.out("first.txt");
    std::fs::write(&first_list, first).unwrap();
    let second_list = dir.out("second.lst");
    std::fs::write(&second_list, second.join("\0") + "\0").unwrap();
    let a = scan_whole(
        &dir.root(),
        &dir.out("a.json"),
        &["--files-from", first_list.to_str().unwrap()],
    );
    assert_eq!(a["part"]["listed"], 8);
    assert!(
        paths(&a).contains(&"exports/orders.csv".to_string()),
        "a listed folder is read"
    );
    assert_eq!(
        paths(&a).iter().filter(|p| *p == "chat/00.txt").count(),
        1,
        "listed twice, read once"
    );
    // The second list through standard input, NUL-separated.
    let b_path = dir.out("b.json");
    let run = pimap()
        .args([
            "scan",
            dir.root().to_str().unwrap(),
            "--files-from",
            "-",
            "-q",
            "-o",
        ])
        .arg(&b_path)
        .env("PIMAP_KEY", KEY)
        .stdin_file(&second_list)
        .run();
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr_str());
    let b = read_json(&b_path);
    let mut both = [paths(&a), paths(&b)].concat();
    both.sort();
    assert_eq!(both, all, "the two lists cover the tree");
    let merged = merge(&[dir.out("a.json"), b_path.clone()], &dir.out("ab.json"), &[]);
    assert_same_inventory(&one, &merged, "two file lists");
    // A list naming a path twice over two parts is refused; one naming a missing file says so.
    let overlap = dir.out("overlap.txt");
    std::fs::write(&overlap, "exports/orders.csv\nnot/there.csv\n../escape.csv\n").unwrap();
    let c_path = dir.out("c.json");
    let run = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--files-from", overlap.to_str().unwrap(), "-q", "-o"])
        .arg(&c_path)
        .env("PIMAP_KEY", KEY)
        .run();
    assert_eq!(
        run.code,
        Some(1),
        "missing listed files are errors: {}",
        run.stderr_str()
    );
    let c = read_json(&c_path);
    let errors: Vec<(&str, &str)> = c["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [("../escape.csv", "not_found"), ("not/there.csv", "not_found")]
    );
    assert_refused(
        &dir,
        &[dir.out("a.json"), c_path],
        &[],
        "both list exports/orders.csv",
    );
}

#[test]
fn shards_need_a_stable_key_and_a_well_formed_shard() {
    let dir = Dir::new();
    dir.write("a.txt", "13800000001\n");
    let run = pimap()
        .args(["scan", dir.root().to_str().unwrap(), "--shard", "1/2", "-q", "-o"])
        .arg(dir.out("x.json"))
        .run();
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr_str().contains("--shard needs a stable key"),
        "{}",
        run.stderr_str()
    );
    for bad in ["0/2", "3/2", "2", "x/y"] {
        let run = pimap()
            .args(["scan", dir.root().to_str().unwrap(), "--shard", bad, "-q"])
            .env("PIMAP_KEY", KEY)
            .run();
        assert_eq!(run.code, Some(2), "{bad}");
    }
    assert!(!dir.out("x.json").exists());
}
