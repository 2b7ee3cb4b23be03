//! Issue 14, item 4: file and folder names are scanned too (findings located as the path
//! itself, each folder once), and images named as ID, passport, bank-card or hand-held ID
//! photos are listed as `suspected_id_images` without being read. All data is generated and
//! fake.

use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: &str = "test-key-for-file-names-000000001";

fn read_json(path: &Path) -> Value {
    read_inventory_json(path)
}

/// `pimap scan ROOT -q -o OUT [extra]` with a stable key: the run and the inventory as JSON.
#[track_caller]
fn scan_json(root: &Path, out: &Path, extra: &[&str]) -> (Output, Value) {
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
    (run, read_json(out))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
}

/// `names[]` as (path, path_component, depth, findings).
fn names(inv: &Value) -> Vec<(String, String, Option<u64>, u64)> {
    inv["names"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    (
                        n["path"].as_str().unwrap().to_string(),
                        n["path_component"].as_str().unwrap().to_string(),
                        n["depth"].as_u64(),
                        n["findings"].as_u64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `suspected_id_images[]` as (path, kind).
fn images(inv: &Value) -> Vec<(String, String)> {
    inv["suspected_id_images"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["path"].as_str().unwrap().to_string(),
                        i["kind"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A shop share whose names hold data: a phone in a file's name, a phone in a folder holding
/// three files, a dated export (no data in its name).
fn named_tree() -> Dir {
    let dir = Dir::new();
    dir.write("张伟_13812345678_发票.txt", "发票已开\n");
    for f in ["a.txt", "b.txt", "sub/c.txt"] {
        dir.write(&format!("客户/李娜_13800005678/{f}"), "无\n");
    }
    dir.write("exports/订单导出_2024-03-01.csv", "订单号,金额\n1,2\n");
    dir
}

#[test]
fn names_hold_findings_located_as_the_path_itself_and_masked() {
    let dir = named_tree();
    let scan = scan_tree(&dir, "masked", &[]);
    let from_names: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| f.location.contains_key("path_component"))
        .collect();
    let file: Vec<&&Finding> = from_names
        .iter()
        .filter(|f| f.loc_str("path_component") == Some("file_name"))
        .collect();
    assert!(
        file.iter().any(|f| f.path == "张伟_138****5678_发票.txt"
            && f.detector == "cn_mobile"
            && f.masked == "138****5678"
            && f.value.is_none()
            && f.location.len() == 1),
        "{}",
        scan.findings_text
    );
    // The name beside the phone is a name, as in text.
    assert!(
        file.iter().any(|f| f.detector == "cn_name" && f.masked == "张*"),
        "{}",
        scan.findings_text
    );
    // The folder: once, not once per file in it (three files); depth 2 under the root; its
    // phone, and the name beside it.
    let mut folder: Vec<(&str, &str, Option<u64>, &str)> = from_names
        .iter()
        .filter(|f| f.loc_str("path_component") == Some("directory"))
        .map(|f| {
            (
                f.path.as_str(),
                f.detector.as_str(),
                f.loc_u64("depth"),
                f.masked.as_str(),
            )
        })
        .collect();
    folder.sort();
    assert_eq!(
        folder,
        [
            ("客户/李娜_138****5678", "cn_mobile", Some(2), "138****5678"),
            ("客户/李娜_138****5678", "cn_name", Some(2), "李*"),
        ],
        "{}",
        scan.findings_text
    );
    // Nothing in a dated export's name, nor anywhere the raw value.
    assert!(!scan.findings_text.contains("13812345678") && !scan.findings_text.contains("13800005678"));
    assert!(!scan.inventory_text.contains("13812345678") && !scan.inventory_text.contains("13800005678"));
    assert!(from_names.iter().all(|f| !f.path.starts_with("exports")));

    // The inventory: each name once, counted apart from the files' findings.
    let inv = read_json(&dir.out("masked.inventory.json"));
    assert_eq!(
        names(&inv),
        [
            (
                "客户/李娜_138****5678".to_string(),
                "directory".to_string(),
                Some(2),
                2
            ),
            (
                "张伟_138****5678_发票.txt".to_string(),
                "file_name".to_string(),
                None,
                2
            ),
        ]
    );
    assert_eq!(inv["totals"]["name_findings"], 4);
    assert_eq!(inv["totals"]["name_findings_by_category"]["phone"], 2);
    assert_eq!(inv["totals"]["findings"], 0, "{}", scan.inventory_text);

    // --reveal: the names and values as they are.
    let revealed = scan_tree(&dir, "revealed", &["--reveal"]);
    assert!(revealed.findings.iter().any(|f| f.path == "客户/李娜_13800005678"
        && f.loc_str("path_component") == Some("directory")
        && f.value.as_deref() == Some("13800005678")));
    assert!(revealed
        .findings
        .iter()
        .any(|f| f.path == "张伟_13812345678_发票.txt" && f.value.as_deref() == Some("13812345678")));
}

#[test]
fn files_that_are_not_read_still_report_their_names() {
    let dir = Dir::new();
    // Binary: skipped.
    dir.write(
        "13812345678_李娜.bin",
        b"\x00\x01\x02\x03binary\x00\x00".as_slice(),
    );
    // Over --max-filesize: skipped.
    dir.write("大文件_13900001111.txt", "x".repeat(5000));
    // A FIFO: skipped, never opened.
    mkfifo(&dir.path("管道_18612345678.txt"));
    // A dangling link followed: an error.
    dir.symlink("missing-target", "链接_15012345678.csv");
    // One file read (a scan that reads nothing at all is a usage error).
    dir.write("说明.txt", "无\n");
    let scan = scan_tree(&dir, "unread", &["--max-filesize", "1K", "--follow", "--reveal"]);
    let named: Vec<(&str, &str)> = scan
        .findings
        .iter()
        .filter(|f| f.loc_str("path_component") == Some("file_name") && f.detector == "cn_mobile")
        .map(|f| (f.path.as_str(), f.value.as_deref().unwrap_or("")))
        .collect();
    for (path, value) in [
        ("13812345678_李娜.bin", "13812345678"),
        ("大文件_13900001111.txt", "13900001111"),
        ("管道_18612345678.txt", "18612345678"),
        ("链接_15012345678.csv", "15012345678"),
    ] {
        assert!(
            named.contains(&(path, value)),
            "{path}: {named:?}\n{}",
            scan.describe()
        );
    }
    assert!(
        scan.inventory.skipped("13812345678_李娜.bin").is_some(),
        "{}",
        scan.describe()
    );
    assert!(scan.inventory.skipped("大文件_13900001111.txt").is_some());
    assert!(scan.inventory.skipped("管道_18612345678.txt").is_some());
    assert!(
        scan.inventory.error("链接_15012345678.csv").is_some(),
        "{}",
        scan.describe()
    );
    let inv = read_json(&dir.out("unread.inventory.json"));
    assert_eq!(names(&inv).len(), 4, "{:?}", names(&inv));
}

#[test]
fn suspected_id_images_are_listed_with_their_reason_and_never_read() {
    let dir = Dir::new();
    // Text inside: read, it would be a finding. Named as ID photos, it is not read.
    let inside = "手机 13812345678\n";
    dir.write("身份证正面.jpg", inside);
    dir.write("客服/王芳-手持身份证.png", inside);
    dir.write("护照首页.JPG", inside);
    dir.write("资料/银行卡/正面.jpeg", inside);
    mkfifo(&dir.path("idcard_back.jpeg"));
    // Look-alikes: a product photo's side, a hand-held fan, a document about ID copies.
    dir.write("商品图/正面.jpg", inside);
    dir.write("商品图/手持风扇.png", inside);
    dir.write("身份证复印件说明.txt", "复印件需加盖公章\n");
    let scan = scan_tree(&dir, "images", &[]);
    let inv = read_json(&dir.out("images.inventory.json"));
    assert_eq!(
        images(&inv),
        [
            ("idcard_back.jpeg".to_string(), "id_card".to_string()),
            ("客服/王芳-手持身份证.png".to_string(), "handheld_id".to_string()),
            ("护照首页.JPG".to_string(), "passport".to_string()),
            ("资料/银行卡/正面.jpeg".to_string(), "bank_card".to_string()),
            ("身份证正面.jpg".to_string(), "id_card".to_string()),
        ],
        "{}",
        scan.inventory_text
    );
    assert_eq!(inv["totals"]["suspected_id_images"], 5);
    let first = &inv["suspected_id_images"].as_array().unwrap()[4];
    assert_eq!(first["reason"], "name contains 身份证, name contains 正面");
    assert_eq!(first["size"], inside.len() as u64);
    assert!(first["modified"].is_string());
    assert_eq!(
        first["risk"]["factors"]["what"], 30,
        "sensitive personal information"
    );
    let bank = &inv["suspected_id_images"].as_array().unwrap()[3];
    assert_eq!(bank["reason"], "folder name contains 银行卡, name contains 正面");
    // Not read: no content finding for any of them, listed as skipped with the reason; the
    // FIFO keeps the walk's reason, and nothing is an error.
    for path in [
        "身份证正面.jpg",
        "客服/王芳-手持身份证.png",
        "护照首页.JPG",
        "资料/银行卡/正面.jpeg",
    ] {
        assert!(scan.findings_for(path).is_empty(), "{path} was read");
        let skipped = scan.inventory.skipped(path).unwrap_or_else(|| panic!("{path}"));
        assert!(
            skipped.reason.starts_with("suspected ID image ("),
            "{}",
            skipped.reason
        );
    }
    assert!(scan.inventory.errors.is_empty(), "{}", scan.describe());
    // The look-alikes are read as any file (the text inside is found).
    assert!(
        !scan.findings_for("商品图/正面.jpg").is_empty(),
        "{}",
        scan.describe()
    );
    assert!(!scan.findings_for("商品图/手持风扇.png").is_empty());
    assert!(scan.inventory.file("身份证复印件说明.txt").is_some());
}

#[test]
fn a_policy_acts_on_suspected_id_images_and_reports_list_them() {
    let dir = Dir::new();
    dir.write("share/客服/身份证.jpg", "x");
    dir.write("share/customs/护照.png", "x");
    let policy = dir.write(
        "policy.toml",
        "[[rule]]\nname = \"证件只放在报关目录\"\ncategories = [\"national_id\", \"passport\"]\nallowed_in = [\"customs/**\"]\n",
    );
    let out = dir.out("policy.json");
    let (_, inv) = scan_json(&dir.path("share"), &out, &["--policy", policy.to_str().unwrap()]);
    let actions: Vec<(&str, &str)> = inv["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["path"].as_str().unwrap()))
        .collect();
    assert_eq!(actions, [("forbidden_location", "客服/身份证.jpg")], "{inv}");
    for (lang, heading) in [("en", "Suspected ID images"), ("zh", "疑似证件照片")] {
        let md = dir.out(&format!("report-{lang}.md"));
        pimap()
            .args([
                "report",
                out.to_str().unwrap(),
                "--format",
                "md",
                "--lang",
                lang,
                "-o",
            ])
            .arg(&md)
            .run()
            .expect_code(0);
        let text = std::fs::read_to_string(&md).unwrap();
        assert!(text.contains(heading), "{text}");
        assert!(text.contains("客服/身份证.jpg"), "{text}");
        let html = dir.out(&format!("report-{lang}.html"));
        pimap()
            .args([
                "report",
                out.to_str().unwrap(),
                "--format",
                "html",
                "--lang",
                lang,
                "-o",
            ])
            .arg(&html)
            .run()
            .expect_code(0);
        let page = std::fs::read_to_string(&html).unwrap();
        // The HTML lets a path break at its slashes (`客服/<wbr>身份证.jpg`).
        assert!(
            page.contains("id=\"id-images\"") && page.contains("身份证.jpg"),
            "{page}"
        );
    }
}

/// The folder entries of an inventory's names.
fn folders(inv: &Value) -> Vec<(String, Option<u64>, u64)> {
    names(inv)
        .into_iter()
        .filter(|(_, c, _, _)| c == "directory")
        .map(|(p, _, d, n)| (p, d, n))
        .collect()
}

#[test]
fn a_refresh_counts_a_folder_once_and_lists_images_that_came_and_went() {
    let dir = named_tree();
    dir.write("证件/旧护照.jpg", "x");
    let root = dir.root();
    let base = dir.out("base.json");
    let (_, first) = scan_json(&root, &base, &[]);
    let expected = vec![("客户/李娜_138****5678".to_string(), Some(2), 2)];
    assert_eq!(folders(&first), expected);
    // Unchanged: the files are taken over, the names counted once again, not twice.
    let next = dir.out("next.json");
    let (_, second) = scan_json(&root, &next, &["--baseline", base.to_str().unwrap()]);
    assert!(second["totals"]["reused"].as_u64().unwrap() > 0, "{second}");
    assert_eq!(folders(&second), expected);
    assert_eq!(
        second["totals"]["name_findings"],
        first["totals"]["name_findings"]
    );
    assert!(second["changes"].get("new_suspected_id_images").is_none());
    // A new ID photo, the old passport gone.
    std::fs::remove_file(dir.path("证件/旧护照.jpg")).unwrap();
    dir.write("客户/李娜_13800005678/身份证反面.png", "x");
    let third_out = dir.out("third.json");
    let (_, third) = scan_json(&root, &third_out, &["--baseline", next.to_str().unwrap()]);
    assert_eq!(folders(&third), expected);
    let changes = &third["changes"];
    assert_eq!(
        changes["new_suspected_id_images"][0]["path"],
        "客户/李娜_138****5678/身份证反面.png"
    );
    assert_eq!(changes["new_suspected_id_images"][0]["kind"], "id_card");
    assert_eq!(
        changes["removed_suspected_id_images"][0]["path"],
        "证件/旧护照.jpg"
    );
    // `pimap diff` says the same.
    let diff = pimap().arg("diff").arg(&next).arg(&third_out).run();
    let text = diff.stdout_str();
    assert!(text.contains("New suspected ID images (1)"), "{text}");
    assert!(text.contains("Suspected ID images gone (1)"), "{text}");
}

#[test]
fn merged_parts_count_a_folder_once() {
    let dir = named_tree();
    dir.write("客户/身份证.png", "x");
    let root = dir.root();
    let (_, whole) = scan_json(&root, &dir.out("whole.json"), &[]);
    // Shards: each folder is listed by the shard its own path falls in.
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let out = dir.out(&format!("part-{k}.json"));
            scan_json(&root, &out, &["--shard", &format!("{k}/3")]);
            out
        })
        .collect();
    let listed: usize = parts.iter().map(|p| folders(&read_json(p)).len()).sum();
    assert_eq!(listed, 1, "one part lists the folder");
    let merged = dir.out("merged.json");
    pimap()
        .arg("merge")
        .args(&parts)
        .arg("-o")
        .arg(&merged)
        .arg("-q")
        .env("PIMAP_KEY", KEY)
        .run()
        .expect_code(0);
    let merged = read_json(&merged);
    assert_eq!(merged["names"], whole["names"]);
    assert_eq!(merged["suspected_id_images"], whole["suspected_id_images"]);
    assert_eq!(
        merged["totals"]["name_findings"],
        whole["totals"]["name_findings"]
    );
    assert_eq!(merged["totals"]["suspected_id_images"], 1);
    // Lists: two parts with files of one folder both list it; the merge keeps one.
    let mut list_parts = Vec::new();
    for (i, files) in [
        vec!["客户/李娜_13800005678/a.txt", "张伟_13812345678_发票.txt"],
        vec![
            "客户/李娜_13800005678/b.txt",
            "客户/李娜_13800005678/sub/c.txt",
            "exports/订单导出_2024-03-01.csv",
            "客户/身份证.png",
        ],
    ]
    .iter()
    .enumerate()
    {
        let list = dir.out(&format!("list-{i}.txt"));
        std::fs::write(&list, files.join("\n")).unwrap();
        let out = dir.out(&format!("listed-{i}.json"));
        let (_, part) = scan_json(&root, &out, &["--files-from", list.to_str().unwrap()]);
        assert_eq!(folders(&part).len(), 1, "{part}");
        list_parts.push(out);
    }
    let merged_lists = dir.out("merged-lists.json");
    pimap()
        .arg("merge")
        .args(&list_parts)
        .arg("-o")
        .arg(&merged_lists)
        .arg("-q")
        .env("PIMAP_KEY", KEY)
        .run()
        .expect_code(0);
    let merged_lists = read_json(&merged_lists);
    assert_eq!(merged_lists["names"], whole["names"]);
    assert_eq!(
        merged_lists["totals"]["name_findings"],
        whole["totals"]["name_findings"]
    );
}

#[test]
fn the_dev_store_names_hold_no_look_alikes() {
    let corpus = manifest_dir().join("../shared/eval-dev/corpus");
    if !corpus.is_dir() {
        eprintln!("dev store not found: skipped");
        return;
    }
    let out = pimap()
        .arg("scan")
        .arg(&corpus)
        .args(["--findings", "-", "-q", "--reveal"])
        .run();
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr_str());
    let from_names: Vec<Finding> = out
        .findings()
        .into_iter()
        .filter(|f| f.location.contains_key("path_component"))
        .collect();
    // Its names hold dates (2024-03-01, 20240301, 202402), periods (2024Q1, 2023Q4) only.
    assert!(from_names.is_empty(), "{from_names:?}");
}
