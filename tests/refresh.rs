//! Scheduled refresh (issue 5): `scan --baseline` reuses unchanged files and records what
//! changed; anything that could make old results wrong makes it read files again.

use crate::util::*;
use serde_json::Value;
use std::time::{Duration, SystemTime};

const KEY: &str = "test-key-for-refresh-000000001";

fn scan(dir: &Dir, tag: &str, extra: &[&str]) -> Value {
    scan_keyed(dir, tag, Some(KEY), extra)
}

fn scan_keyed(dir: &Dir, tag: &str, key: Option<&str>, extra: &[&str]) -> Value {
    let (run, inventory) = scan_json(dir, tag, key, extra);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "scan failed: {}",
        run.stderr_str()
    );
    inventory
}

fn baseline(dir: &Dir, tag: &str) -> String {
    dir.out(&format!("{tag}.json")).to_string_lossy().into_owned()
}

/// Paths of the files read again (not taken over from the baseline).
fn rescanned(inv: &Value) -> Vec<String> {
    rescanned_entries(inv)
}

/// Entries read again, archive members included.
fn rescanned_entries(inv: &Value) -> Vec<String> {
    inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["reused"] != true)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn tree(dir: &Dir) {
    dir.write("a.csv", "手机号\n13800000001\n13800000002\n");
    dir.write("b/notes.txt", "客户电话 13900000003，邮箱 li@example.com\n");
    dir.write("c.json", r#"[{"mobile":"13700000004"}]"#);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("inner/orders.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, "联系电话\n13600000005\n".as_bytes()).unwrap();
    dir.write("d.zip", zip.finish().unwrap().into_inner());
}

/// The inventory's files without what may differ between a scan and its refresh.
fn comparable(inv: &Value) -> Vec<Value> {
    inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let o = f.as_object_mut().unwrap();
            o.remove("reused");
            o.remove("risk");
            f
        })
        .collect()
}

#[test]
fn an_unchanged_tree_is_taken_over_whole() {
    let dir = Dir::new();
    tree(&dir);
    let first = scan(&dir, "first", &[]);
    let base = baseline(&dir, "first");
    let second = scan(&dir, "second", &["--baseline", &base]);
    assert!(
        rescanned(&second).is_empty(),
        "nothing changed, nothing read: {:?}",
        rescanned(&second)
    );
    assert_eq!(
        comparable(&first),
        comparable(&second),
        "the same entries, archive members included"
    );
    assert!(second["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "d.zip!inner/orders.csv"));
    assert_eq!(first["totals"]["by_category"], second["totals"]["by_category"]);
    let changes = &second["changes"];
    // Counted over inventory entries, as `diff` counts: the zip's member too.
    assert_eq!(changes["reused"], 5);
    assert_eq!(changes["rescanned"], 0);
    assert_eq!(changes["findings"], 0);
    assert_eq!(second["totals"]["reused"], 4);
    for list in ["new", "removed", "changed"] {
        assert!(
            changes[list].as_array().unwrap().is_empty(),
            "{list}: {}",
            changes[list]
        );
    }
    assert_eq!(changes["baseline_scanned_at"], first["scanned_at"]);
}

#[test]
fn a_touched_file_is_the_only_one_read_again() {
    let dir = Dir::new();
    tree(&dir);
    scan(&dir, "first", &[]);
    // Same size, new content, old modification time: only the content hash can tell.
    let a = dir.path("a.csv");
    let old_mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::fs::write(&a, "手机号\n13800000009\n13800000002\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&a)
        .unwrap()
        .set_modified(old_mtime)
        .unwrap();
    // A new modification time with the same content is read again too (cheap, and safe).
    let notes = dir.path("b/notes.txt");
    let later = SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&notes)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let second = scan(&dir, "second", &["--baseline", &baseline(&dir, "first")]);
    assert_eq!(rescanned(&second), ["a.csv", "b/notes.txt"]);
    assert_eq!(second["changes"]["reused"], 3);
    assert_eq!(second["changes"]["rescanned"], 2);
}

#[test]
fn new_and_removed_files_are_listed_as_changes() {
    let dir = Dir::new();
    tree(&dir);
    scan(&dir, "first", &[]);
    std::fs::remove_file(dir.path("c.json")).unwrap();
    dir.write("e.csv", "手机号\n13500000006\n13500000007\n");
    let second = scan(&dir, "second", &["--baseline", &baseline(&dir, "first")]);
    assert_eq!(rescanned(&second), ["e.csv"]);
    let changes = &second["changes"];
    let paths = |list: &str| -> Vec<String> {
        changes[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths("new"), ["e.csv"]);
    assert_eq!(paths("removed"), ["c.json"]);
    assert_eq!(changes["by_category"]["phone"], 1, "two phones came, one went");
    assert_eq!(changes["findings"], 1);
}

#[test]
fn other_detectors_or_settings_mean_reading_everything_again() {
    let dir = Dir::new();
    tree(&dir);
    scan(&dir, "first", &[]);
    let base = baseline(&dir, "first");
    // An extra detector definition.
    let extra = dir.out("detectors");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("order_no.toml"),
        r#"id = "shop_member_no"
category = "other"
description = "member numbers of our shop (test detector)"
mask = { style = "ends", keep_start = 2, keep_end = 2 }
context = ["会员"]
examples = ["会员 MEM-123456"]
negative_examples = ["MEM-12", "MEMBER 123456"]

[[pattern]]
name = "MEM- and six digits"
token = "regex"
regex = 'MEM-(\d{6})'
score = 0.9
"#,
    )
    .unwrap();
    let lint = pimap().arg("detectors").arg("--detectors").arg(&extra).run();
    assert_eq!(
        lint.code,
        Some(0),
        "the test detector must be valid: {}",
        lint.stderr_str()
    );
    let with_detector = scan(
        &dir,
        "detector",
        &["--baseline", &base, "--detectors", extra.to_str().unwrap()],
    );
    assert_eq!(
        rescanned(&with_detector).len(),
        5,
        "every file (and member) read again"
    );
    assert!(with_detector["changes"]["reuse_note"]
        .as_str()
        .unwrap()
        .contains("detectors"));
    // Another confidence threshold.
    let threshold = scan(
        &dir,
        "threshold",
        &["--baseline", &base, "--min-confidence", "0.9"],
    );
    assert_eq!(rescanned(&threshold).len(), 5);
    // No stable key: content hashes mean nothing across scans.
    let keyless = scan_keyed(&dir, "keyless", None, &["--baseline", &base]);
    assert_eq!(rescanned(&keyless).len(), 5);
    assert!(keyless["changes"]["reuse_note"].as_str().unwrap().contains("key"));
    // Another key.
    let other = scan_keyed(
        &dir,
        "other",
        Some("another-key-for-refresh-00001"),
        &["--baseline", &base],
    );
    assert_eq!(rescanned(&other).len(), 5);
}

#[cfg(unix)]
#[test]
fn permissions_are_read_again_for_reused_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    tree(&dir);
    std::fs::set_permissions(dir.path("a.csv"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let first = scan(&dir, "first", &[]);
    let a = |inv: &Value| {
        inv["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "a.csv")
            .unwrap()
            .clone()
    };
    assert_eq!(a(&first)["world_readable"], true);
    assert_eq!(a(&first)["mode"], "0644");
    // chmod does not change the modification time: the entry is reused, its exposure is not.
    std::fs::set_permissions(dir.path("a.csv"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let second = scan(&dir, "second", &["--baseline", &baseline(&dir, "first")]);
    assert_eq!(a(&second)["reused"], true);
    assert!(a(&second).get("world_readable").is_none_or(|w| w == false));
    assert_eq!(a(&second)["mode"], "0600");
}

#[test]
fn a_refresh_without_fingerprints_drops_the_baseline_s() {
    let dir = Dir::new();
    tree(&dir);
    let first = scan(&dir, "first", &["--fingerprints"]);
    assert!(first["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.get("fingerprints").is_some()));
    let second = scan(&dir, "second", &["--baseline", &baseline(&dir, "first")]);
    assert!(rescanned(&second).is_empty());
    let text = std::fs::read_to_string(dir.out("second.json")).unwrap();
    assert!(
        !text.contains("\"fingerprints\": ["),
        "reused entries keep no fingerprint sets"
    );
    assert!(!text.contains("\"sketch\""));
    assert_eq!(second["key"]["fingerprints"], false);
}

#[test]
fn odd_modification_times_and_writing_over_the_baseline_are_safe() {
    let dir = Dir::new();
    tree(&dir);
    scan(&dir, "inv", &[]);
    // Before 1970, as some SMB/NTFS shares report.
    let old = dir.write("old.txt", "电话 13800000008\n");
    let before_1970 = SystemTime::UNIX_EPOCH - Duration::from_secs(DAY_SECONDS);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(before_1970)
        .unwrap();
    let base = baseline(&dir, "inv");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "--baseline", &base, "-o", &base])
        .env("PIMAP_KEY", KEY)
        .run();
    out.expect_code(0);
    let inv = read_inventory_json(std::path::Path::new(&base));
    let entry = inv["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "old.txt")
        .unwrap()
        .clone();
    assert!(
        entry.get("modified").is_none(),
        "a time RFC 3339 cannot write is left out"
    );
    assert_eq!(entry["findings"], 1);
    assert_eq!(
        inv["changes"]["reused"], 5,
        "the baseline was read before being replaced"
    );
}

const DAY_SECONDS: u64 = 86_400;

#[test]
fn a_baseline_that_is_not_an_inventory_is_a_usage_error() {
    let dir = Dir::new();
    tree(&dir);
    let bad = dir.out("bad.json");
    std::fs::write(&bad, "{\"not\": \"an inventory\"}").unwrap();
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-q")
        .arg("--baseline")
        .arg(&bad)
        .run();
    out.expect_code(2);
    assert!(
        out.stderr_str().contains("not a pimap inventory"),
        "{}",
        out.stderr_str()
    );
}
