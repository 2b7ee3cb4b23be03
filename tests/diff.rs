//! `pimap diff OLD NEW [--json]`: two scans of a tree that changed in between (a file added,
//! one deleted, one with more phone numbers) compared as text and as JSON; an inventory
//! against itself; an older (`/1`) baseline; unreadable inputs; a reader that stops early;
//! `--fail-on` conditions for schedulers (exit 3).

use crate::util::{diff_json, pimap, read_inventory_json, Dir, Output, BIN};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const CATEGORIES: [&str; 8] = [
    "national_id",
    "phone",
    "bank_card",
    "address",
    "email",
    "passport",
    "name",
    "other",
];

const ACTION_KINDS: [&str; 4] = [
    "retention_overdue",
    "forbidden_location",
    "mask_column",
    "duplicate_copy",
];

/// `pimap scan -q ROOT -o out/NAME`; returns the inventory's path.
#[track_caller]
fn scan_to(dir: &Dir, name: &str) -> PathBuf {
    let inventory = dir.out(name);
    pimap()
        .args(["scan", "-q"])
        .arg(dir.root())
        .arg("-o")
        .arg(&inventory)
        .run()
        .expect_code(0);
    inventory
}

fn diff(old: &Path, new: &Path, extra: &[&str]) -> Output {
    pimap().arg("diff").arg(old).arg(new).args(extra).run()
}

#[track_caller]
fn read_json(path: &Path) -> Value {
    read_inventory_json(path)
}

#[track_caller]
fn parse_json(output: &Output) -> Value {
    output.expect_code(0);
    diff_json(&output.stdout_str())
}

/// The paths of a `changes` list.
fn paths(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list of files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect()
}

/// Two inventories of one tree: before and after a file was added, one deleted and one
/// given two more phone numbers. Two files stay as they were, one of them without findings.
struct History {
    dir: Dir,
    old: PathBuf,
    new: PathBuf,
}

fn history() -> History {
    let dir = Dir::new();
    dir.write("keep.csv", "id,手机号\n1,13812345678\n2,13912345678\n");
    dir.write("grow.txt", "手机 13812345678\n");
    dir.write("gone.txt", "邮箱 zhang.wei@example.com\n");
    dir.write("nothing.txt", "没有个人信息\n");
    let old = scan_to(&dir, "old.json");

    dir.write(
        "added.csv",
        "id,身份证号,手机号\n1,11010519491231002X,13512345678\n",
    );
    std::fs::remove_file(dir.path("gone.txt")).expect("delete gone.txt");
    dir.write(
        "grow.txt",
        "手机 13812345678\n手机 13712345678\n手机 13612345678\n",
    );
    let new = scan_to(&dir, "new.json");
    History { dir, old, new }
}

#[test]
fn text_names_each_changed_file_with_its_sign_and_counts() {
    let h = history();
    let out = diff(&h.old, &h.new, &[]);
    out.expect_code(0);
    let text = out.stdout_str();
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{text}"))
    };
    let old_scanned_at = read_json(&h.old)["scanned_at"].as_str().unwrap().to_string();
    assert_eq!(
        text.lines().next().unwrap(),
        format!("Changes since {old_scanned_at} ({})", h.old.display())
    );
    assert_eq!(
        line("  files:"),
        "  files: 1 new, 1 removed, 1 changed, 2 unchanged"
    );
    assert_eq!(
        line("  findings:"),
        "  findings: +3 (phone +3, email -1, national_id +1)"
    );

    let added = line("  + added.csv");
    assert!(added.ends_with(" 2 findings (national_id 1, phone 1)"), "{added}");
    let gone = line("  - gone.txt");
    assert!(gone.ends_with(" 1 finding (email 1)"), "{gone}");
    let grew = line("  ~ grow.txt");
    assert!(grew.ends_with(" 1 → 3 (phone +2)"), "{grew}");

    assert!(!text.contains("keep.csv"), "{text}");
    assert!(!text.contains("nothing.txt"), "{text}");
    assert!(!text.contains("no changes"), "{text}");
    assert!(out.stderr.is_empty(), "{}", out.stderr_str());
}

#[test]
fn json_lists_the_files_and_the_deltas() {
    let h = history();
    let changes = parse_json(&diff(&h.old, &h.new, &["--json"]));
    let (old, new) = (read_json(&h.old), read_json(&h.new));

    assert_eq!(changes["baseline_scanned_at"], old["scanned_at"]);
    assert_eq!(changes["baseline_file"], h.old.display().to_string());

    assert_eq!(
        changes["new"],
        json!([{"path": "added.csv", "before": 0, "after": 2,
                "by_category": {"national_id": 1, "phone": 1}}])
    );
    assert_eq!(
        changes["removed"],
        json!([{"path": "gone.txt", "before": 1, "after": 0, "by_category": {"email": -1}}])
    );
    assert_eq!(
        changes["changed"],
        json!([{"path": "grow.txt", "before": 1, "after": 3, "by_category": {"phone": 2}}])
    );
    assert_eq!(changes["unchanged"], 2);
    assert_eq!(changes["findings"], 3);

    let by_category = changes["by_category"].as_object().expect("by_category");
    assert_eq!(by_category.len(), CATEGORIES.len(), "{by_category:?}");
    for category in CATEGORIES {
        let expected = match category {
            "phone" => 3,
            "national_id" => 1,
            "email" => -1,
            _ => 0,
        };
        assert_eq!(by_category[category], expected, "{category}");
        let totals = |inv: &Value| inv["totals"]["by_category"][category].as_i64().unwrap_or(0);
        assert_eq!(by_category[category], totals(&new) - totals(&old), "{category}");
    }

    // Whatever the policy makes of these files, the deltas are the two inventories' counts.
    let actions = changes["actions"].as_object().expect("actions");
    assert_eq!(actions.len(), ACTION_KINDS.len(), "{actions:?}");
    for kind in ACTION_KINDS {
        let count = |inv: &Value| {
            inv["actions"]
                .as_array()
                .map_or(0, |list| list.iter().filter(|a| a["kind"] == kind).count() as i64)
        };
        assert_eq!(actions[kind], count(&new) - count(&old), "{kind}");
    }
}

#[test]
fn an_inventory_against_itself_has_no_changes() {
    let h = history();
    let out = diff(&h.new, &h.new, &[]);
    out.expect_code(0);
    let text = out.stdout_str();
    assert!(text.contains("\n  no changes: 4 files unchanged\n"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");

    let changes = parse_json(&diff(&h.new, &h.new, &["--json"]));
    for list in ["new", "removed", "changed"] {
        assert_eq!(changes[list], json!([]), "{list}");
    }
    assert_eq!(changes["unchanged"], 4);
    assert_eq!(changes["findings"], 0);
    assert!(changes["by_category"]
        .as_object()
        .unwrap()
        .values()
        .all(|n| n == 0));
}

/// Only the fields `pimap.inventory/1` had: what pimap 0.1 wrote.
fn as_version_1(inventory: &Value) -> Value {
    let keep = |value: &Value, fields: &[&str]| -> Value {
        fields
            .iter()
            .filter_map(|&f| value.get(f).map(|v| (f.to_string(), v.clone())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut v1 = keep(inventory, &["scanned_at", "roots", "skipped", "errors"]);
    v1["schema"] = json!("pimap.inventory/1");
    v1["tool"] = keep(
        &inventory["tool"],
        &["name", "version", "min_confidence", "detectors"],
    );
    v1["totals"] = keep(
        &inventory["totals"],
        &[
            "files",
            "bytes",
            "files_with_findings",
            "findings",
            "by_category",
            "by_sensitivity",
            "skipped",
            "errors",
            "elapsed_seconds",
        ],
    );
    let file_fields = [
        "path",
        "size",
        "modified",
        "format",
        "encoding",
        "findings",
        "by_detector",
        "by_category",
        "sensitivity",
        "columns",
    ];
    v1["files"] = inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| keep(f, &file_fields))
        .collect();
    v1
}

#[test]
fn a_version_1_baseline_compares_like_the_current_one() {
    let h = history();
    let v1 = as_version_1(&read_json(&h.old));
    assert!(v1.get("actions").is_none() && v1["tool"].get("detector_digest").is_none());
    let v1_path = h.dir.out("old-v1.json");
    std::fs::write(&v1_path, serde_json::to_vec(&v1).unwrap()).expect("write v1 inventory");

    let mut from_v1 = parse_json(&diff(&v1_path, &h.new, &["--json"]));
    let mut from_v2 = parse_json(&diff(&h.old, &h.new, &["--json"]));
    from_v1["baseline_file"] = Value::Null;
    from_v2["baseline_file"] = Value::Null;
    // No actions in a /1 baseline: its counts are 0, so the deltas are the new counts,
    // and they come from the policy the /1 baseline did not have.
    from_v1["actions"] = Value::Null;
    from_v2["actions"] = Value::Null;
    assert_eq!(from_v1["policy_changed"], true);
    assert_eq!(from_v2["policy_changed"], false);
    from_v1["policy_changed"] = Value::Null;
    from_v2["policy_changed"] = Value::Null;
    assert_eq!(from_v1, from_v2);
}

#[test]
fn a_missing_or_foreign_file_fails_with_status_2_and_one_line() {
    let h = history();
    let findings = h.dir.out("findings.jsonl");
    std::fs::write(
        &findings,
        "{\"path\":\"a.txt\",\"detector\":\"cn_mobile\"}\n{\"path\":\"b.txt\"}\n",
    )
    .unwrap();
    let empty_object = h.dir.out("empty.json");
    std::fs::write(&empty_object, "{}").unwrap();
    let text = h.dir.out("notes.txt");
    std::fs::write(&text, "not JSON at all\n").unwrap();
    let missing = h.dir.out("missing.json");

    for bad in [&missing, &findings, &empty_object, &text] {
        for (old, new) in [(bad, &h.new), (&h.old, bad)] {
            for extra in [&[][..], &["--json"][..]] {
                let out = diff(old, new, extra);
                out.expect_code(2);
                assert!(out.stdout.is_empty(), "{}", out.stdout_str());
                let stderr = out.stderr_str();
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
                assert!(
                    stderr.starts_with("pimap: ") && stderr.contains(&*bad.to_string_lossy()),
                    "{stderr}"
                );
            }
        }
    }
}

/// A hand-made inventory with `files` files of one phone number each.
fn synthetic_inventory(prefix: &str, files: usize) -> Value {
    let entries: Vec<Value> = (0..files)
        .map(|i| {
            json!({"path": format!("{prefix}/{i:06}.txt"), "size": 20, "format": "text",
                   "findings": 1, "by_detector": {"cn_mobile": 1},
                   "by_category": {"phone": 1}, "columns": []})
        })
        .collect();
    json!({
        "schema": "pimap.inventory/2", "scanned_at": "2026-11-01T03:00:00Z", "roots": ["/share"],
        "tool": {"name": "pimap", "version": "0.1.0", "min_confidence": 0.5, "detectors": ["cn_mobile"]},
        "totals": {"files": files, "bytes": 20 * files, "files_with_findings": files,
                   "findings": files, "by_category": {"phone": files},
                   "by_sensitivity": {"general": files}, "skipped": 0, "errors": 0,
                   "elapsed_seconds": 0.1},
        "files": entries, "skipped": [], "errors": []
    })
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let dir = Dir::new();
    let (old, new) = (dir.out("old.json"), dir.out("new.json"));
    // Far more JSON than a pipe holds: pimap is still writing when the reader leaves.
    std::fs::write(&old, synthetic_inventory("before", 20_000).to_string()).unwrap();
    std::fs::write(&new, synthetic_inventory("after", 20_000).to_string()).unwrap();
    // `pimap diff old.json new.json --json | head -c 100`
    let mut child = std::process::Command::new(BIN)
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn pimap");
    let mut start = [0u8; 100];
    child
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut start)
        .expect("the start of the JSON");
    assert!(start.starts_with(b"{"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pimap diff kept running after its stdout was closed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn long_lists_are_cut_in_the_text_but_complete_in_json() {
    let dir = Dir::new();
    let (old, new) = (dir.out("old.json"), dir.out("new.json"));
    std::fs::write(&old, synthetic_inventory("before", 3).to_string()).unwrap();
    std::fs::write(&new, synthetic_inventory("after", 1_234).to_string()).unwrap();

    let out = diff(&old, &new, &[]);
    out.expect_code(0);
    let text = out.stdout_str();
    assert!(
        text.contains("  files: 1,234 new, 3 removed, 0 changed, 0 unchanged\n"),
        "{text}"
    );
    assert!(text.contains("  findings: +1,231 (phone +1,231)\n"), "{text}");
    assert!(text.contains("New files (1,234):\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("  + after/")).count(), 50);
    assert!(
        text.contains("  … and 1,184 more (pimap diff --json lists all)\n"),
        "{text}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with("  - before/")).count(), 3);

    let changes = parse_json(&diff(&old, &new, &["--json"]));
    assert_eq!(changes["new"].as_array().unwrap().len(), 1_234);
    assert_eq!(
        paths(&changes["removed"]),
        ["before/000000.txt", "before/000001.txt", "before/000002.txt"]
    );
}

const KEY: &str = "test-key-for-diff-000000000001";

/// A zip archive holding `members` (name, contents).
fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, contents) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip member");
        std::io::Write::write_all(&mut zip, contents.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

/// `pimap scan ROOT -o out/NAME [extra]` with the test key, summary on stderr.
#[track_caller]
fn keyed_scan(dir: &Dir, name: &str, extra: &[&str]) -> (PathBuf, String) {
    let inventory = dir.out(name);
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&inventory)
        .args(extra)
        .env("PIMAP_KEY", KEY)
        .run();
    out.expect_code(0);
    (inventory, out.stderr_str())
}

/// The line of `text` that starts with `start` (after leading spaces).
#[track_caller]
fn line_of<'t>(text: &'t str, start: &str) -> &'t str {
    text.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{text}"))
}

#[test]
fn the_refresh_summary_counts_what_diff_counts() {
    let dir = Dir::new();
    dir.write("keep.csv", "id,手机号\n1,13812345678\n2,13912345678\n");
    dir.write("grow.txt", "手机 13812345678\n");
    dir.write("gone.txt", "邮箱 zhang.wei@example.com\n");
    dir.write(
        "orders.zip",
        zip_of(&[
            ("2024/a.csv", "手机号\n13712345678\n"),
            ("2024/b.txt", "电话 13612345678\n"),
        ]),
    );
    let (old, _) = keyed_scan(&dir, "old.json", &[]);
    dir.write("added.csv", "id,身份证号\n1,11010519491231002X\n");
    std::fs::remove_file(dir.path("gone.txt")).expect("delete gone.txt");
    dir.write("grow.txt", "手机 13812345678\n手机 13712345678\n");
    let base = old.to_str().unwrap().to_string();
    let (new, summary) = keyed_scan(&dir, "new.json", &["--baseline", &base]);
    let diff_out = diff(&old, &new, &[]);
    diff_out.expect_code(0);
    let text = diff_out.stdout_str();

    // The archive and its two members were taken over, keep.csv too: 4 entries reused.
    let expected = "files: 1 new, 1 removed, 1 changed, 4 unchanged (4 reused, 2 read)";
    assert_eq!(line_of(&text, "files:"), expected, "{text}");
    let since = line_of(&summary, "since the baseline:");
    assert_eq!(
        since,
        format!("since the baseline: {expected}; findings: +1"),
        "{summary}"
    );
    let findings = line_of(&text, "findings:");
    assert!(findings.starts_with("findings: +1 ("), "{findings}");

    // Both count the inventory's entries: reused + read = every entry = new + changed + unchanged.
    let inv = read_json(&new);
    let entries = inv["files"].as_array().unwrap();
    assert_eq!(inv["totals"]["files"], entries.len());
    assert_eq!(entries.len(), 6);
    let reused = entries.iter().filter(|f| f["reused"] == true).count();
    assert_eq!(reused, 4);
    let changes = parse_json(&diff(&old, &new, &["--json"]));
    assert_eq!(
        (changes["reused"].as_u64(), changes["rescanned"].as_u64()),
        (Some(4), Some(2))
    );
    assert!(
        summary.contains("(0.0 MB; 4 unchanged since the baseline, not read)"),
        "{summary}"
    );
}

#[test]
fn a_changed_policy_is_said_by_diff_and_refresh() {
    let dir = Dir::new();
    dir.write(
        "exports/members.csv",
        "身份证号,手机号\n11010519491231002X,13812345678\n",
    );
    let strict = dir.out("strict.toml");
    std::fs::write(
        &strict,
        "[[rule]]\nname = \"mask\"\ncategories = [\"national_id\"]\nmask = true\n",
    )
    .unwrap();
    // The same rule written otherwise: not a change.
    let reformatted = dir.out("reformatted.toml");
    std::fs::write(
        &reformatted,
        "# the same rule\n[[rule]]\nmask = true\ncategories = [ \"national_id\" ]\nname = \"mask\"\n",
    )
    .unwrap();
    let lenient = dir.out("lenient.toml");
    std::fs::write(
        &lenient,
        "[[rule]]\nname = \"mask\"\ncategories = [\"national_id\"]\nmask = true\nmax_unmasked = 5\n",
    )
    .unwrap();
    let policy = |p: &PathBuf| p.to_str().unwrap().to_string();
    let (old, _) = keyed_scan(&dir, "old.json", &["--policy", &policy(&strict)]);
    let base = old.to_str().unwrap().to_string();
    let (same, summary) = keyed_scan(
        &dir,
        "same.json",
        &["--policy", &policy(&reformatted), "--baseline", &base],
    );
    let digest = read_json(&old)["policy"]["digest"].clone();
    assert_eq!(digest.as_str().map(str::len), Some(16), "{digest}");
    assert_eq!(read_json(&same)["policy"]["digest"], digest);
    assert_eq!(read_json(&same)["changes"]["policy_changed"], false);
    assert!(!summary.contains("policy"), "{summary}");

    let (new, summary) = keyed_scan(
        &dir,
        "new.json",
        &["--policy", &policy(&lenient), "--baseline", &base],
    );
    let inv = read_json(&new);
    assert_ne!(inv["policy"]["digest"], digest);
    assert_eq!(inv["changes"]["policy_changed"], true);
    assert_eq!(inv["changes"]["actions"]["mask_column"], -1);
    assert!(
        summary.contains("policy: changed since the baseline")
            && summary.contains("not necessarily dealt with"),
        "{summary}"
    );
    let text = diff(&old, &new, &[]).stdout_str();
    assert!(text.contains("\n  policy: changed since the baseline"), "{text}");
    assert_eq!(
        line_of(&text, "actions:"),
        "actions: mask_column -1 (judged by another policy than the baseline's)"
    );
    assert_eq!(parse_json(&diff(&old, &new, &["--json"]))["policy_changed"], true);
    // The same data under the same policy is no change.
    let text = diff(&old, &same, &[]).stdout_str();
    assert!(!text.contains("policy"), "{text}");
}

#[test]
fn fail_on_exits_3_for_each_condition_that_holds_and_names_what_triggered() {
    let h = history();
    // The history adds an ID number, phone numbers and a file: each condition holds.
    let sensitive = diff(&h.old, &h.new, &["--fail-on", "new-sensitive"]);
    sensitive.expect_code(3);
    assert_eq!(
        sensitive.stderr_str(),
        "pimap: fail-on new-sensitive: added.csv (new file): +1 national_id\n"
    );
    assert!(
        sensitive.stdout_str().contains("  + added.csv"),
        "the changes are still printed"
    );
    let data = diff(&h.old, &h.new, &["--fail-on", "new-data", "--json"]);
    data.expect_code(3);
    let lines: Vec<String> = data.stderr_str().lines().map(String::from).collect();
    assert_eq!(
        lines,
        [
            "pimap: fail-on new-data: added.csv (new file): +1 national_id, +1 phone",
            "pimap: fail-on new-data: grow.txt (changed): +2 phone",
        ]
    );
    let json = diff_json(&data.stdout_str());
    assert_eq!(json["findings"], 3);
    // The new file's ID number column is one to mask: one more action than before.
    let actions = diff(&h.old, &h.new, &["--fail-on", "actions"]);
    actions.expect_code(3);
    assert_eq!(actions.stderr_str(), "pimap: fail-on actions: mask_column +1\n");
    assert_eq!(read_json(&h.new)["totals"]["actions"]["mask_column"], 1);
    assert_eq!(read_json(&h.old)["totals"]["actions"]["mask_column"], 0);

    // Going back, the ID number, phone numbers and action went away: only the e-mail of
    // gone.txt is new.
    let back = diff(&h.new, &h.old, &["--fail-on", "new-sensitive,actions"]);
    back.expect_code(0);
    assert!(back.stderr.is_empty(), "{}", back.stderr_str());
    let back = diff(
        &h.new,
        &h.old,
        &["--fail-on", "new-sensitive", "--fail-on", "new-data"],
    );
    back.expect_code(3);
    assert_eq!(
        back.stderr_str(),
        "pimap: fail-on new-data: gone.txt (new file): +1 email\n"
    );
    // Without --fail-on, diff exits 0 whatever changed.
    diff(&h.old, &h.new, &[]).expect_code(0);
    // An unknown condition is a usage error.
    diff(&h.old, &h.new, &["--fail-on", "anything"]).expect_code(2);
}
