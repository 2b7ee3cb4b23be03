//! What pimap leaves behind must not become a new leak: without `--reveal` no raw value
//! reaches stdout, stderr, the findings or the inventory, in any written form; output files
//! are private (0600) even when they existed before; the scanned tree is never modified; and
//! outputs written inside the scanned tree are not scanned themselves.

#[cfg(unix)]
use crate::util::mode;
use crate::util::{parse_findings, parse_inventory, pimap, scan_tree, with_id_check, with_luhn, Dir};
use std::collections::BTreeSet;

/// Planted raw values, as normalized digits.
fn planted() -> (Vec<String>, String) {
    let id = with_id_check("33010619900715042");
    let id_x = with_id_check("11010519491231002");
    let card = with_luhn("622202123456789012");
    let mobile = "13912345678".to_string();
    let landline = "057187654321".to_string();
    let text = format!(
        "身份证号：{id}\n证件号码 {}\n身份证 {} {} {}\n银行卡号 {card}\n卡号 {} {} {} {} {}\n\
         手机 {mobile}\n电话 {}-{}-{}\n座机 0571-87654321\n邮箱 secret.person@example.com\n",
        id_x.to_lowercase(),
        &id[..6],
        &id[6..14],
        &id[14..],
        &card[..4],
        &card[4..8],
        &card[8..12],
        &card[12..16],
        &card[16..],
        "138",
        "1234",
        "5678",
    );
    (
        vec![
            id,
            id_x,
            card,
            mobile,
            "13812345678".into(),
            landline,
            "secret.person@example.com".into(),
        ],
        text,
    )
}

/// The ways a value may be written: plain, grouped with each separator, lower-case x,
/// full-width digits.
fn forms(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string(), value.to_lowercase()];
    if !value.is_ascii() {
        // Names and addresses are written as they are.
        return out;
    }
    if value.contains('@') {
        out.push(value.split('@').next().unwrap().to_string());
        return out;
    }
    let layouts: &[&[usize]] = match value.len() {
        11 => &[&[3, 4, 4], &[3, 8]],
        12 => &[&[4, 8], &[4, 4, 4]],
        18 => &[&[6, 8, 4], &[4, 4, 4, 4, 2]],
        19 => &[&[4, 4, 4, 4, 3], &[6, 13]],
        _ => &[],
    };
    for layout in layouts {
        for sep in [" ", "-", "."] {
            let mut parts = Vec::new();
            let mut i = 0;
            for n in *layout {
                parts.push(&value[i..i + n]);
                i += n;
            }
            out.push(parts.join(sep));
        }
    }
    out.push(
        value
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0xFF10 + d).unwrap(),
                None => c,
            })
            .collect(),
    );
    out
}

#[test]
fn no_raw_value_leaves_without_reveal() {
    let dir = Dir::new();
    let (mut values, text) = planted();
    dir.write("planted/notes.txt", &text);
    dir.write(
        "planted/orders.csv",
        format!("姓名,手机号,身份证号\n张伟,{},{}\n", values[4], values[0]),
    );
    dir.copy_fixtures("fixtures", &["text", "csv", "json", "ndjson", "sql"]);

    // What is there to leak: the planted values, plus everything --reveal shows.
    let revealed = scan_tree(&dir, "reveal", &["--reveal"]);
    let shown: BTreeSet<String> = revealed
        .findings
        .iter()
        .map(|f| f.value.clone().expect("value with --reveal"))
        .collect();
    for v in &values {
        assert!(
            shown.contains(v),
            "planted value {v} not found at all; the test would prove nothing"
        );
    }
    values.extend(shown);
    values.sort();
    values.dedup();

    // One run writing everything: findings to a file and to stdout, summary on stderr.
    let findings_file = dir.out("findings.jsonl");
    let inventory_file = dir.out("inventory.json");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--findings")
        .arg(&findings_file)
        .arg("-o")
        .arg(&inventory_file)
        .run();
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr_str());
    let to_stdout = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["--findings", "-"])
        .run();
    let outputs = [
        ("findings file", std::fs::read_to_string(&findings_file).unwrap()),
        ("inventory", std::fs::read_to_string(&inventory_file).unwrap()),
        ("stderr", out.stderr_str()),
        ("stdout", out.stdout_str()),
        ("stdout (--findings -)", to_stdout.stdout_str()),
        ("stderr (--findings -)", to_stdout.stderr_str()),
    ];
    assert!(
        parse_findings(&outputs[4].1).len() >= values.len() / 2,
        "suspiciously few findings"
    );
    crate::util::findings_json(&outputs[0].1);
    crate::util::inventory_json(&outputs[1].1);
    let mut leaks = Vec::new();
    for v in &values {
        for form in forms(v) {
            for (what, content) in &outputs {
                if content.contains(&form) {
                    leaks.push(format!("{what} contains {form:?}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "raw values leaked:\n{}", leaks.join("\n"));
    for line in outputs[0].1.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v.get("value").is_none(), "value field without --reveal: {line}");
    }
}

#[test]
fn reveal_shows_the_value_and_masks_agree_with_it() {
    let dir = Dir::new();
    let (_, text) = planted();
    dir.write("notes.txt", text);
    let scan = scan_tree(&dir, "reveal", &["--reveal"]);
    assert!(scan.findings.len() >= 7, "{}", scan.describe());
    for f in &scan.findings {
        let value = f.value.as_deref().unwrap_or_else(|| panic!("no value: {f:?}"));
        assert!(!value.is_empty());
        assert!(
            !value.contains([' ', '-', '.']) || f.detector == "email",
            "value not normalized: {value:?}"
        );
        if f.detector != "email" {
            assert!(
                !value.contains('x'),
                "check character must be upper-case: {value:?}"
            );
        }
        assert_ne!(f.masked, value, "masked equals the raw value");
        if f.detector != "email" {
            // Same length, and every visible character is the value's own.
            let (m, v): (Vec<char>, Vec<char>) = (f.masked.chars().collect(), value.chars().collect());
            assert_eq!(m.len(), v.len(), "{} vs {value}", f.masked);
            for (a, b) in m.iter().zip(&v) {
                assert!(*a == '*' || a == b, "{} does not mask {value}", f.masked);
            }
            let hidden = m.iter().filter(|&&c| c == '*').count();
            assert!(hidden * 3 >= v.len(), "{} hides less than a third", f.masked);
        }
    }
}

#[cfg(unix)]
#[test]
fn new_output_files_are_private() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let scan = scan_tree(&dir, "fresh", &[]);
    scan.output.expect_code(0);
    assert_eq!(mode(&dir.out("fresh.inventory.json")), 0o600, "inventory mode");
    assert_eq!(mode(&dir.out("fresh.findings.jsonl")), 0o600, "findings mode");
}

#[cfg(unix)]
#[test]
fn existing_output_files_become_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    let inv = dir.out("inv.json");
    let fnd = dir.out("found.jsonl");
    for p in [&inv, &fnd] {
        std::fs::write(
            p,
            "old content that is much longer than what will be written later ".repeat(200),
        )
        .unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(mode(p), 0o644);
    }
    pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&inv)
        .arg("--findings")
        .arg(&fnd)
        .arg("-q")
        .run()
        .expect_code(0);
    assert_eq!(mode(&inv), 0o600, "existing inventory kept its mode");
    assert_eq!(mode(&fnd), 0o600, "existing findings file kept its mode");
    let inv_text = std::fs::read_to_string(&inv).unwrap();
    assert!(!inv_text.contains("old content"), "inventory not truncated");
    parse_inventory(&inv_text);
    let found = std::fs::read_to_string(&fnd).unwrap();
    assert!(!found.contains("old content"), "findings not truncated");
    assert_eq!(parse_findings(&found).len(), 1);
}

#[cfg(unix)]
#[test]
fn scanned_tree_is_not_modified() {
    let dir = Dir::new();
    dir.copy_fixtures("fixtures", &["text", "csv", "json", "ndjson", "sql"]);
    dir.write(".hidden/secret.txt", "手机 13812345678\n");
    dir.write("bin.dat", b"\x00\x01\x02 13812345678 \x00");
    dir.write("empty.txt", "");
    dir.symlink("bin.dat", "link-to-bin");
    dir.symlink("nowhere", "dangling");
    // Give everything an old, distinctive mtime so any write or touch shows.
    for rel in ["fixtures/text/mixed_valid.txt", ".hidden/secret.txt", "empty.txt"] {
        let f = std::fs::File::options().append(true).open(dir.path(rel)).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000))
            .unwrap();
    }
    let before = crate::util::snapshot(&dir.root());
    scan_tree(&dir, "a", &[]);
    scan_tree(&dir, "b", &["--follow", "--reveal", "-j1"]);
    let after = crate::util::snapshot(&dir.root());
    if before != after {
        let mut diff = Vec::new();
        for (k, v) in &before {
            match after.get(k) {
                Some(w) if w == v => {}
                Some(w) => diff.push(format!("changed {k}: {v} -> {w}")),
                None => diff.push(format!("removed {k}")),
            }
        }
        for k in after.keys().filter(|k| !before.contains_key(*k)) {
            diff.push(format!("added {k}"));
        }
        panic!("the scan modified the tree:\n{}", diff.join("\n"));
    }
}

#[test]
fn outputs_inside_the_tree_are_not_scanned() {
    let dir = Dir::new();
    dir.write("data/a.txt", "手机 13812345678\n身份证 11010519491231002X\n");
    let inv = dir.path("inventory.json");
    let fnd = dir.path("reports/findings.jsonl");
    std::fs::create_dir_all(dir.path("reports")).unwrap();
    // Twice: the second run meets the first run's outputs (with raw values) in the tree.
    for _ in 0..2 {
        pimap()
            .arg("scan")
            .arg(dir.root())
            .arg("-o")
            .arg(&inv)
            .arg("--findings")
            .arg(&fnd)
            .args(["--reveal", "-q"])
            .run()
            .expect_code(0);
        let inventory = parse_inventory(&std::fs::read_to_string(&inv).unwrap());
        let findings = parse_findings(&std::fs::read_to_string(&fnd).unwrap());
        for own in ["inventory.json", "reports/findings.jsonl"] {
            assert!(!inventory.mentions(own), "{own} listed in its own inventory");
            assert!(findings.iter().all(|f| f.path != own), "{own} was scanned");
        }
        assert_eq!(inventory.totals.files, 1, "{:?}", inventory.files);
        assert_eq!(findings.len(), 2);
    }
}

#[test]
fn relative_outputs_inside_the_tree_are_not_scanned() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13812345678\n");
    for _ in 0..2 {
        pimap()
            .current_dir(dir.root())
            .args([
                "scan",
                ".",
                "-o",
                "inv.json",
                "--findings",
                "found.jsonl",
                "--reveal",
                "-q",
            ])
            .run()
            .expect_code(0);
        let inventory = parse_inventory(&std::fs::read_to_string(dir.path("inv.json")).unwrap());
        let findings = parse_findings(&std::fs::read_to_string(dir.path("found.jsonl")).unwrap());
        for own in ["inv.json", "found.jsonl", "./inv.json", "./found.jsonl"] {
            assert!(!inventory.mentions(own), "{own} listed in its own inventory");
        }
        assert_eq!(inventory.totals.files, 1, "{:?}", inventory.files);
        assert_eq!(findings.len(), 1);
    }
}

#[test]
fn json_keys_that_are_values_do_not_leak_through_pointers() {
    let dir = crate::util::Dir::new();
    dir.write(
        "map.json",
        r#"{"13812345678": {"mobile": "13912345678"}, "wang@example.com": {"phone": "13712345678"}, "list": [{"tel": "13612345678"}]}"#,
    );
    let scan = crate::util::scan_tree(&dir, "keys", &[]);
    assert!(
        !scan.findings_text.contains("13812345678"),
        "{}",
        scan.findings_text
    );
    assert!(
        !scan.findings_text.contains("wang@example.com"),
        "{}",
        scan.findings_text
    );
    let pointers: Vec<&str> = scan
        .findings
        .iter()
        .filter_map(|f| f.loc_str("pointer"))
        .collect();
    assert!(pointers.contains(&"/*/mobile"), "{pointers:?}");
    assert!(pointers.contains(&"/list/0/tel"), "{pointers:?}");
    assert!(
        !scan.inventory_text.contains("13812345678"),
        "{}",
        scan.inventory_text
    );
    assert!(
        !scan.inventory_text.contains("wang@example.com"),
        "{}",
        scan.inventory_text
    );
}

#[test]
fn values_taken_for_names_never_become_column_names() {
    let dir = crate::util::Dir::new();
    // No header row, phones written with hyphens, addresses: the first row is data.
    dir.write(
        "no_header.csv",
        "张三,138-1234-5678,浙江省杭州市西湖区文三路100号\n李四,139-2345-6789,浙江省杭州市西湖区文三路101号\n",
    );
    // Keys that are a spaced phone and an address.
    dir.write(
        "keys.json",
        r#"{"contacts": {"137 1234 5678": "13612345678"}, "浙江省杭州市西湖区文三路102号": {"phone": "13512345678"}}"#,
    );
    let scan = crate::util::scan_tree(&dir, "names", &[]);
    for leaked in ["138-1234-5678", "137 1234 5678", "文三路100号", "文三路102号"] {
        assert!(!scan.inventory_text.contains(leaked), "{leaked} in the inventory");
        assert!(!scan.findings_text.contains(leaked), "{leaked} in the findings");
    }
    // The first CSV row was read as data: both phones are found.
    assert_eq!(
        scan.inventory.file("no_header.csv").unwrap().by_detector["cn_mobile"],
        2
    );
}
