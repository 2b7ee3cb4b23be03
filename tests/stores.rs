//! Many stores in one inventory (issue 12): `scan --store NAME=ROOT` keeps paths relative to
//! their store, names the store everywhere, counts per store and overall, finds copies across
//! stores; `merge` joins scans of different stores.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: &str = "test-key-for-many-stores-0000001";

fn read_json(path: &Path) -> Value {
    read_inventory_json(path)
}

/// Two shops' shares: the same export name in both (one a copy of the other), IDs in a
/// customs folder of one and outside it in the other.
fn two_shops(dir: &Dir) -> (PathBuf, PathBuf) {
    let mut orders = String::from("收货人手机,身份证号\n");
    for i in 0..30u32 {
        let id = with_id_check(&format!("4403051990{:02}{:02}{:03}", 1 + i % 12, 1 + i % 28, i));
        orders.push_str(&format!("135{:08},{id}\n", 30_000_000 + i));
    }
    dir.write("tmall/exports/orders.csv", &orders);
    dir.write(
        "tmall/customs/decl.csv",
        format!("身份证号\n{}\n", with_id_check("44030519900101001")),
    );
    dir.write("taobao/exports/orders.csv", &orders);
    dir.write("taobao/notes.txt", "客户电话 13600000001\n");
    dir.write("taobao/broken.xlsx", b"PK\x03\x04 not a workbook");
    (dir.path("tmall"), dir.path("taobao"))
}

const POLICY: &str = r#"
[[rule]]
name = "IDs only for customs"
categories = ["national_id"]
allowed_in = ["customs/**"]
"#;

fn scan_stores(dir: &Dir, tag: &str, stores: &[(&str, &Path)], extra: &[&str]) -> (Output, Value) {
    let out = dir.out(&format!("{tag}.json"));
    let mut cmd = pimap().arg("scan");
    for (name, root) in stores {
        cmd = cmd.arg("--store").arg(format!("{name}={}", root.display()));
    }
    let run = cmd
        .arg("-q")
        .arg("-o")
        .arg(&out)
        .args(extra)
        .env("PIMAP_KEY", KEY)
        .run();
    let inv = match run.code {
        Some(0 | 1) => read_json(&out),
        _ => Value::Null,
    };
    (run, inv)
}

fn entries<'a>(inv: &'a Value, section: &str) -> Vec<(&'a str, &'a str)> {
    inv[section]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["store"].as_str().unwrap_or("-"), e["path"].as_str().unwrap()))
        .collect()
}

#[test]
fn stores_keep_their_paths_name_their_store_count_alone_and_share_copies() {
    let dir = Dir::new();
    let (tmall, taobao) = two_shops(&dir);
    let policy = dir.out("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let findings = dir.out("findings.jsonl");
    let extra = [
        "--policy",
        policy.to_str().unwrap(),
        "--findings",
        findings.to_str().unwrap(),
    ];
    let (run, inv) = scan_stores(&dir, "both", &[("tmall", &tmall), ("taobao", &taobao)], &extra);
    assert_eq!(run.code, Some(1), "the broken workbook: {}", run.stderr_str());
    assert_eq!(
        entries(&inv, "files"),
        [
            ("taobao", "broken.xlsx"),
            ("taobao", "exports/orders.csv"),
            ("taobao", "notes.txt"),
            ("tmall", "customs/decl.csv"),
            ("tmall", "exports/orders.csv"),
        ]
    );
    assert_eq!(entries(&inv, "errors"), [("taobao", "broken.xlsx")]);
    let names: Vec<&str> = inv["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tmall", "taobao"], "in the order given");
    // Per store and overall.
    let store = |name: &str| {
        inv["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["totals"]
            .clone()
    };
    let (t, b) = (store("tmall"), store("taobao"));
    assert_eq!(t["files"], 2);
    assert_eq!(b["files"], 3);
    assert_eq!(b["errors"], 1);
    for field in ["files", "findings", "bytes", "files_with_findings", "errors"] {
        assert_eq!(
            t[field].as_u64().unwrap() + b[field].as_u64().unwrap(),
            inv["totals"][field].as_u64().unwrap(),
            "{field}"
        );
    }
    // The policy's globs are relative to each store: tmall's customs folder is allowed.
    let forbidden: Vec<(&str, &str)> = inv["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "forbidden_location")
        .map(|a| (a["store"].as_str().unwrap(), a["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        forbidden,
        [("taobao", "exports/orders.csv"), ("tmall", "exports/orders.csv")]
    );
    assert_eq!(t["actions"]["forbidden_location"], 1);
    assert_eq!(b["actions"]["forbidden_location"], 1);
    // A copy across stores.
    let group: Vec<(&str, &str)> = inv["duplicates"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["store"].as_str().unwrap(), m["path"].as_str().unwrap()))
        .collect();
    assert_eq!(group.len(), 2, "{group:?}");
    assert!(
        group.contains(&("tmall", "exports/orders.csv")) && group.contains(&("taobao", "exports/orders.csv"))
    );
    // Every finding names its store.
    let lines = parse_findings(&std::fs::read_to_string(&findings).unwrap());
    assert!(!lines.is_empty());
    let raw: Vec<Value> = std::fs::read_to_string(&findings)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(raw
        .iter()
        .all(|f| f["store"] == "tmall" || f["store"] == "taobao"));
    assert!(raw
        .iter()
        .any(|f| f["store"] == "tmall" && f["path"] == "customs/decl.csv"));

    // A refresh of stores reuses what did not change, and diff names stores too.
    let baseline = dir.out("both.json");
    dir.write("taobao/notes.txt", "客户电话 13600000002 13600000003\n");
    let (_, again) = scan_stores(
        &dir,
        "again",
        &[("tmall", &tmall), ("taobao", &taobao)],
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert_eq!(
        again["totals"]["reused"], 3,
        "unchanged files of both stores reused"
    );
    let changed = &again["changes"]["changed"];
    assert_eq!(changed.as_array().unwrap().len(), 1, "{changed}");
    assert_eq!(
        (changed[0]["store"].as_str(), changed[0]["path"].as_str()),
        (Some("taobao"), Some("notes.txt"))
    );
    let diff = pimap()
        .arg("diff")
        .arg(&baseline)
        .arg(dir.out("again.json"))
        .arg("--json")
        .run();
    let diff = diff_json(&diff.stdout_str());
    assert_eq!(diff["changed"][0]["store"], "taobao");
}

#[test]
fn scans_of_different_stores_merge_like_one_scan_of_all() {
    let dir = Dir::new();
    let (tmall, taobao) = two_shops(&dir);
    let (_, one) = scan_stores(&dir, "one", &[("tmall", &tmall), ("taobao", &taobao)], &[]);
    let mut parts = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        scan_stores(
            &dir,
            &format!("tmall-{k}"),
            &[("tmall", &tmall)],
            &["--shard", &shard],
        );
        parts.push(dir.out(&format!("tmall-{k}.json")));
    }
    scan_stores(&dir, "taobao", &[("taobao", &taobao)], &["--shard", "1/1"]);
    parts.push(dir.out("taobao.json"));
    let merged_path = dir.out("merged.json");
    let run = pimap()
        .arg("merge")
        .args(&parts)
        .arg("-o")
        .arg(&merged_path)
        .arg("-q")
        .run();
    assert_eq!(run.code, Some(1), "the broken workbook: {}", run.stderr_str());
    let mut merged = read_json(&merged_path);
    let mut one = one;
    for inv in [&mut one, &mut merged] {
        inv.as_object_mut().unwrap().remove("scanned_at");
        inv["totals"].as_object_mut().unwrap().remove("elapsed_seconds");
    }
    assert_eq!(merged, one, "merged stores differ from one scan of both");
    assert_eq!(
        merged["duplicates"].as_array().unwrap().len(),
        1,
        "the copy across stores"
    );

    // Refused: one store in two scans, and other folders that are not stores.
    let (_, _) = scan_stores(&dir, "tmall-again", &[("tmall", &taobao)], &["--shard", "1/1"]);
    let run = pimap()
        .arg("merge")
        .args(&parts)
        .arg(dir.out("tmall-again.json"))
        .arg("-o")
        .arg(dir.out("x.json"))
        .run();
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr_str().contains("the store tmall is in"),
        "{}",
        run.stderr_str()
    );
    for (tag, root) in [("plain-a", &tmall), ("plain-b", &taobao)] {
        let run = pimap()
            .arg("scan")
            .arg(root)
            .args(["--shard", "1/1", "-q", "-o"])
            .arg(dir.out(&format!("{tag}.json")))
            .env("PIMAP_KEY", KEY)
            .run();
        assert!(matches!(run.code, Some(0 | 1)));
    }
    let run = pimap()
        .arg("merge")
        .arg(dir.out("plain-a.json"))
        .arg(dir.out("plain-b.json"))
        .arg("-o")
        .arg(dir.out("x.json"))
        .run();
    assert_eq!(run.code, Some(2));
    assert!(run.stderr_str().contains("not as stores"), "{}", run.stderr_str());
    assert!(!dir.out("x.json").exists());
}

#[test]
fn store_arguments_are_checked() {
    let dir = Dir::new();
    let (tmall, taobao) = two_shops(&dir);
    let t = format!("tmall={}", tmall.display());
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--store".into(), t.clone(), tmall.display().to_string()],
            "cannot be mixed",
        ),
        (
            vec!["--store".into(), format!("a/b={}", tmall.display())],
            "cannot be empty",
        ),
        (
            vec![
                "--store".into(),
                t.clone(),
                "--store".into(),
                format!("tmall={}", taobao.display()),
            ],
            "named twice",
        ),
        (vec!["--store".into(), "tmall".into()], "write NAME=FOLDER"),
        (
            vec![
                "--store".into(),
                format!("all={}", dir.root().display()),
                "--store".into(),
                t.clone(),
            ],
            "stores overlap",
        ),
    ];
    for (args, reason) in cases {
        let run = pimap().arg("scan").args(&args).arg("-q").run();
        assert_eq!(run.code, Some(2), "{args:?}");
        assert!(
            run.stderr_str().contains(reason),
            "{args:?}: {}",
            run.stderr_str()
        );
    }
}
