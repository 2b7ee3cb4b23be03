//! What the inventory says for minimization and retention (issue 5): already-masked values,
//! minors, the newest date inside a file, risk, and the policy's actions end to end.

use crate::util::*;
use serde_json::Value;
use std::time::{Duration, SystemTime};

const DAY: u64 = 86_400;

fn scan(dir: &Dir, tag: &str, extra: &[&str]) -> Value {
    let (run, inventory) = scan_json(dir, tag, None, extra);
    assert_eq!(run.code, Some(0), "scan failed: {}", run.stderr_str());
    inventory
}

fn file<'a>(inv: &'a Value, path: &str) -> &'a Value {
    file_json(inv, path)
}

fn column<'a>(inv: &'a Value, path: &str, name: &str, detector: &str) -> &'a Value {
    file(inv, path)["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name && c["detector"] == detector)
        .unwrap_or_else(|| panic!("column {name}/{detector} not in {path}"))
}

fn actions<'a>(inv: &'a Value, kind: &str) -> Vec<&'a Value> {
    inv["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

fn action_paths(inv: &Value, kind: &str) -> Vec<String> {
    let mut paths: Vec<String> = actions(inv, kind)
        .iter()
        .map(|a| a["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

/// Rows of synthetic customers: (ID, phone).
fn customers(n: usize, seed: u32) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let i = i as u32 + seed * 1000;
            let id = with_id_check(&format!(
                "1101051980{:02}{:02}{:03}",
                1 + i % 12,
                1 + i % 28,
                i % 1000
            ));
            (id, format!("139{:08}", 10_000_000 + i))
        })
        .collect()
}

#[test]
fn already_masked_values_are_counted_per_column_not_as_findings() {
    let dir = Dir::new();
    let full = with_id_check("11010519491231002");
    dir.write(
        "taobao_export.csv",
        format!(
            "订单号,收货人手机,买家身份证,银行卡\n\
             T1,138****5678,110105********002X,6222 **** **** 1234\n\
             T2,139****0000,{full},6222 **** **** 5678\n\
             T3,13700001111,3301**********0021,\n"
        ),
    );
    let inv = scan(&dir, "inv", &[]);
    let phone = column(&inv, "taobao_export.csv", "收货人手机", "cn_mobile");
    assert_eq!(
        (phone["hits"].as_u64(), phone["masked"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(phone["masked_share"], 0.667);
    let id = column(&inv, "taobao_export.csv", "买家身份证", "cn_resident_id");
    assert_eq!((id["hits"].as_u64(), id["masked"].as_u64()), (Some(1), Some(2)));
    // A column that is masked throughout is listed with no hits: already minimized.
    let card = column(&inv, "taobao_export.csv", "银行卡", "bank_card");
    assert_eq!(
        (card["hits"].as_u64(), card["masked"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(card["masked_share"], 1.0);
    let f = file(&inv, "taobao_export.csv");
    assert_eq!(f["findings"], 2, "masked values are not findings");
    assert_eq!(f["masked"]["cn_mobile"], 2);
    assert_eq!(inv["totals"]["masked_by_category"]["bank_card"], 2);
}

#[test]
fn resident_ids_of_children_under_14_are_counted() {
    let dir = Dir::new();
    let today = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / DAY;
    // Born about 5 years ago, and about 30 years ago.
    let year = 1970 + (today / 365) as u32;
    let child = with_id_check(&format!("110105{}0601123", year - 5));
    let adult = with_id_check(&format!("110105{}0601123", year - 30));
    dir.write(
        "students.csv",
        format!("姓名,身份证号\n小明,{child}\n老王,{adult}\n"),
    );
    let inv = scan(&dir, "inv", &[]);
    assert_eq!(file(&inv, "students.csv")["minors"], 1);
    assert_eq!(inv["totals"]["minors"], 1);
}

#[test]
fn the_newest_order_date_dates_the_data_not_birth_dates() {
    let dir = Dir::new();
    dir.write(
        "orders.csv",
        "下单时间,出生日期,手机号,证件有效期\n\
         2019-03-01 10:00:00,2020-01-01,13800000001,2035-01-01\n\
         2019-05-20 08:00:00,1990-01-01,13800000002,2036-01-01\n",
    );
    dir.write(
        "events.json",
        r#"[{"ts":"2021-07-01 10:00:00","phone":"13800000003"},{"ts":"2021-06-01 09:00:00"}]"#,
    );
    let inv = scan(&dir, "inv", &[]);
    assert_eq!(file(&inv, "orders.csv")["newest_date"], "2019-05-20");
    assert_eq!(
        file(&inv, "events.json")["newest_date"],
        "2021-07-01",
        "date-times date a file under any key"
    );
}

#[test]
fn risk_grows_with_sensitivity_volume_age_and_exposure() {
    let dir = Dir::new();
    let mut ids = String::from("身份证号\n");
    for (id, _) in customers(200, 1) {
        ids.push_str(&id);
        ids.push('\n');
    }
    dir.write("ids.csv", ids);
    dir.write("one_phone.txt", "客服电话 13800000001\n");
    dir.write("nothing.txt", "no personal data here\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path("ids.csv"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path("one_phone.txt"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    set_age(&dir.path("ids.csv"), 4 * 365);
    let inv = scan(&dir, "inv", &[]);
    let high = &file(&inv, "ids.csv")["risk"];
    let low = &file(&inv, "one_phone.txt")["risk"];
    assert!(
        file(&inv, "nothing.txt").get("risk").is_none(),
        "no findings, no risk"
    );
    assert!(high["score"].as_u64() > low["score"].as_u64(), "{high} vs {low}");
    assert_eq!(high["level"], "high");
    assert_eq!(low["level"], "low");
    for factor in ["what", "volume", "age", "exposure"] {
        assert!(
            high["factors"][factor].as_u64().unwrap() > 0,
            "{factor} in {high}"
        );
    }
    assert_eq!(inv["totals"]["files_by_risk"]["high"], 1);
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
name = "mask IDs"
categories = ["national_id"]
mask = true
"#;

#[test]
fn a_policy_file_yields_each_kind_of_action_with_its_evidence() {
    let dir = Dir::new();
    let people = customers(30, 2);
    let mut csv = String::from("下单时间,收货人手机,身份证号\n");
    // Last month's orders, whenever the test runs.
    let recent = SystemTime::now() - Duration::from_secs(30 * DAY);
    let recent = humantime::format_rfc3339_seconds(recent).to_string();
    let recent = format!("{} {}", &recent[..10], &recent[11..19]);
    for (id, phone) in &people {
        csv.push_str(&format!("{recent},{phone},{id}\n"));
    }
    dir.write("exports/orders.csv", &csv);
    dir.write("backup/orders (copy).csv", &csv);
    // Customs declarations may hold IDs; this one is old.
    dir.write(
        "customs/decl.csv",
        format!("报关单,身份证号\nD1,{}\n", people[0].0),
    );
    set_age(&dir.path("customs/decl.csv"), 2000);
    // Re-saved last week, but its newest order is from 2019.
    dir.write(
        "exports/2019.csv",
        "下单时间,手机号\n2019-03-01 10:00:00,13800000001\n",
    );
    // IDs masked at export: minimized, nothing to mask.
    dir.write(
        "exports/masked.csv",
        "身份证号\n110105********002X\n3301**********0021\n",
    );
    let policy = dir.out("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let inv = scan(&dir, "inv", &["--policy", policy.to_str().unwrap()]);

    assert_eq!(
        action_paths(&inv, "retention_overdue"),
        ["customs/decl.csv", "exports/2019.csv"]
    );
    let by_content = actions(&inv, "retention_overdue")
        .into_iter()
        .find(|a| a["path"] == "exports/2019.csv")
        .unwrap();
    assert_eq!(by_content["evidence"]["newest_date"], "2019-03-01");
    assert_eq!(by_content["evidence"]["max_age_days"], 1095);
    assert!(by_content["evidence"]["age_days"].as_u64().unwrap() > 1095);
    assert_eq!(by_content["rule"], "orders: keep 3 years");

    assert_eq!(
        action_paths(&inv, "forbidden_location"),
        ["backup/orders (copy).csv", "exports/orders.csv"],
        "IDs outside customs/"
    );
    let forbidden = actions(&inv, "forbidden_location")[0];
    assert_eq!(forbidden["evidence"]["allowed_in"][0], "customs/**");
    assert_eq!(forbidden["severity"], "high");

    let mask = actions(&inv, "mask_column");
    assert!(mask
        .iter()
        .all(|a| a["column"] == "身份证号" && a["detector"] == "cn_resident_id"));
    assert!(
        !mask.iter().any(|a| a["path"] == "exports/masked.csv"),
        "masked values count as minimized"
    );
    assert!(mask
        .iter()
        .any(|a| a["path"] == "exports/orders.csv" && a["evidence"]["unmasked"] == 30));

    let copies = actions(&inv, "duplicate_copy");
    assert_eq!(copies.len(), 1, "{:?}", inv["duplicates"]);
    let copy = copies[0];
    let other = if copy["path"] == "exports/orders.csv" {
        "backup/orders (copy).csv"
    } else {
        "exports/orders.csv"
    };
    assert_eq!(copy["evidence"]["copy_of"], other);
    assert_eq!(copy["evidence"]["overlap"], 1.0);
    assert_eq!(inv["duplicates"].as_array().unwrap().len(), 1);
    assert_eq!(inv["policy"]["file"], policy.to_str().unwrap());
    assert_eq!(inv["totals"]["actions"]["duplicate_copy"], 1);
}

#[test]
fn without_a_policy_file_sensitive_columns_are_still_judged() {
    let dir = Dir::new();
    let mut csv = String::from("身份证号\n");
    for (id, _) in customers(3, 3) {
        csv.push_str(&id);
        csv.push('\n');
    }
    dir.write("members.csv", csv);
    let inv = scan(&dir, "inv", &[]);
    assert_eq!(action_paths(&inv, "mask_column"), ["members.csv"]);
    assert!(inv["policy"].get("file").is_none());
}

#[test]
fn a_broken_policy_file_is_a_usage_error_before_scanning() {
    let dir = Dir::new();
    dir.write("a.txt", "13800000001\n");
    let policy = dir.out("policy.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nname = \"x\"\ncategories = [\"idcard\"]\nmask = true\n",
    )
    .unwrap();
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--policy")
        .arg(&policy)
        .arg("-q")
        .run();
    out.expect_code(2);
    assert!(out.stderr_str().contains("idcard"), "{}", out.stderr_str());
    assert_eq!(
        out.stderr_str().trim().lines().count(),
        1,
        "one line: {}",
        out.stderr_str()
    );
}

#[test]
fn the_export_is_kept_and_its_backup_is_the_copy() {
    let dir = Dir::new();
    let mut csv = String::from("收货人手机\n");
    for (_, phone) in customers(20, 4) {
        csv.push_str(&phone);
        csv.push('\n');
    }
    // The backup sorts first by path, is shallower-or-equal, and is older: its name decides.
    dir.write("Backup/orders - 副本.csv", &csv);
    dir.write("exports/orders.csv", &csv);
    set_age(&dir.path("Backup/orders - 副本.csv"), 10);
    let inv = scan(&dir, "inv", &[]);
    let group = &inv["duplicates"][0]["files"];
    assert_eq!(group[0]["path"], "exports/orders.csv", "{group}");
    assert_eq!(group[1]["path"], "Backup/orders - 副本.csv", "{group}");
    let copies = actions(&inv, "duplicate_copy");
    assert_eq!(copies.len(), 1, "{:?}", inv["actions"]);
    assert_eq!(copies[0]["path"], "Backup/orders - 副本.csv");
    assert_eq!(copies[0]["evidence"]["copy_of"], "exports/orders.csv");

    // The reports tell the same: the backup is the copy of the export.
    let inventory = dir.out("inv.json");
    let report = |format: &str| {
        let out = pimap()
            .args(["report", "--lang", "en", "--format", format])
            .arg(&inventory)
            .run();
        out.expect_code(0);
        out.stdout_str()
    };
    let md = report("md");
    let row = md
        .lines()
        .find(|l| l.contains("Duplicate copy") && l.contains('`'))
        .unwrap_or_else(|| panic!("no duplicate action in:\n{md}"));
    assert!(
        row.contains("`Backup/orders - 副本.csv`") && row.contains("copy of exports/orders.csv"),
        "{row}"
    );
    let html = report("html");
    let duplicates = html
        .split("<section id=\"duplicates\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("a duplicates section");
    let kept = duplicates
        .find("<td>keep</td><td><span class=\"path\">exports/")
        .expect("exports kept");
    let copy = duplicates
        .find("<td>copy</td><td><span class=\"path\">Backup/")
        .expect("backup is the copy");
    assert!(kept < copy, "{duplicates}");
}
