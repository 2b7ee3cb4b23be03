//! `pimap report`, as a user runs it: scan a generated tree of synthetic shop data, then turn
//! the inventory into HTML, CSV and Markdown and check what a person (or a spreadsheet, or a
//! browser) gets: the right totals, private files, no raw value, one-line errors. The HTML
//! is also opened in headless Chromium: it must load with no console message at all (the
//! page has no script, so any message is an error or a CSP violation) and show the totals.
//!
//! All values are synthetic: IDs built with their MOD 11-2 check, cards with Luhn, phones
//! in 138/139, e-mails at example.com.

use crate::util::{
    pimap, read_inventory_json, scan_tree, with_id_check, with_luhn, write_report, Dir, Inventory, Output,
};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rows in the generated orders export.
const ORDERS: u64 = 40;

/// A path whose name is markup: it must show as text in every report.
const MARKUP_PATH: &str = "<script>alert(1)</script>.csv";

/// The raw values planted in the tree (none may appear in a report).
fn planted_values() -> Vec<String> {
    let mut values = Vec::new();
    for i in 0..ORDERS {
        values.push(with_id_check(&format!("11010519491231{:03}", 100 + i)));
        values.push(format!("138{:08}", 12_340_000 + i));
        values.push(with_luhn(&format!("622202{:012}", 123_456_789_000 + i)));
        values.push(format!("buyer{i}@example.com"));
    }
    values
}

/// A small shop share: an orders export with IDs, phones, cards and e-mails; a chat log; a
/// file named like markup; a file without personal data.
fn shop_tree() -> Dir {
    let dir = Dir::new();
    let values = planted_values();
    let mut orders = String::from("订单编号,身份证号,收货人手机,银行卡号,邮箱\n");
    for row in values.chunks(4) {
        orders.push_str(&format!(
            "T2023{},{},{},{},{}\n",
            &row[1][3..],
            row[0],
            row[1],
            row[2],
            row[3]
        ));
    }
    dir.write("exports/orders_2023.csv", orders);
    dir.write(
        "客服/chat-2024.txt",
        "客户电话 13912345678，邮箱 service.desk@example.com\n",
    );
    dir.write(MARKUP_PATH, "手机\n13812345699\n");
    dir.write("readme.txt", "no personal data here\n");
    dir
}

/// Scans the shop tree; returns the inventory file and its parsed contents.
fn scanned_shop() -> (Dir, PathBuf, Inventory) {
    let dir = shop_tree();
    let scan = scan_tree(&dir, "shop", &[]);
    let inventory = scan.inventory;
    assert!(
        inventory.totals.by_category["national_id"] >= ORDERS
            && inventory.totals.by_category["bank_card"] >= ORDERS
            && inventory.file(MARKUP_PATH).is_some_and(|f| f.findings > 0),
        "the generated tree did not scan as planned:\n{:#?}",
        inventory.totals
    );
    let inventory_path = dir.out("shop.inventory.json");
    (dir, inventory_path, inventory)
}

/// `pimap report INVENTORY --format FORMAT -o OUT --lang LANG`, which must succeed silently.
#[track_caller]
fn report(inventory: &Path, format: &str, lang: &str, out: &Path) -> String {
    write_report(inventory, format, lang, out);
    std::fs::read_to_string(out).expect("the report is UTF-8")
}

/// 1234567 → "1,234,567" (the reports' grouping), written independently of pimap's.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut groups = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    groups.join(",")
}

/// A summary card of the HTML report.
fn card(value: u64, label: &str) -> String {
    format!(
        "<div class=\"n\">{}</div><div class=\"l\">{label}</div>",
        grouped(value)
    )
}

#[track_caller]
fn expect_one_line_error(output: &Output, needle: &str) {
    output.expect_code(2);
    let stderr = output.stderr_str();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("pimap: ") && stderr.contains(needle),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn html_report_shows_the_scan_totals_in_both_languages() {
    let (dir, inventory_path, inventory) = scanned_shop();
    let totals = &inventory.totals;
    let zh = report(&inventory_path, "html", "zh", &dir.out("report-zh.html"));
    assert!(zh.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    for expected in [
        card(totals.files, "扫描文件数"),
        card(totals.findings, "发现总数"),
        card(totals.files_with_findings, "含个人信息的文件"),
        "身份证号".into(),
        "银行卡号".into(),
        "敏感个人信息".into(),
        "内置默认策略".into(),
    ] {
        assert!(zh.contains(&expected), "missing {expected}");
    }
    let en = report(&inventory_path, "html", "en", &dir.out("report-en.html"));
    assert!(en.contains(&card(totals.findings, "Findings")));
    assert!(en.contains("Resident ID") && !en.contains("身份证号</span>"));
    for page in [&zh, &en] {
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/<wbr>script&gt;.csv"));
        assert!(
            !page.contains("<script"),
            "markup from a file name reached the page"
        );
        // One chart per category found.
        let categories = totals.by_category.values().filter(|&&n| n > 0).count();
        assert_eq!(page.matches("<svg class=\"chart\"").count(), categories);
    }
}

#[test]
fn csv_report_lists_every_file_and_adds_up() {
    let (dir, inventory_path, inventory) = scanned_shop();
    let out = dir.out("inventory.csv");
    // An existing, world-readable file is made private.
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = report(&inventory_path, "csv", "en", &out);
    let body = text.strip_prefix('\u{feff}').expect("a UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..3],
        ["record", "path", "format"],
        "English keys with --lang en"
    );
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    let file_rows: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == "file").collect();
    for file in &inventory.files {
        assert!(
            file_rows.iter().any(|r| r[at("path")] == file.path),
            "{} not listed",
            file.path
        );
    }
    let findings: u64 = file_rows
        .iter()
        .map(|r| r[at("findings")].parse::<u64>().unwrap())
        .sum();
    assert_eq!(findings, inventory.totals.findings);
    let columns = rows.iter().filter(|r| &r[0] == "column").count();
    assert_eq!(
        columns,
        inventory.files.iter().map(|f| f.columns.len()).sum::<usize>()
    );
    let id_column = rows
        .iter()
        .find(|r| &r[0] == "column" && &r[at("column")] == "身份证号")
        .expect("the ID column");
    assert_eq!(&id_column[at("category")], "national_id");
    assert_eq!(&id_column[at("sensitivity")], "sensitive");
    assert_eq!(id_column[at("hits")].parse::<u64>().unwrap(), ORDERS);

    // In Chinese: the same table, with Chinese headers and labels, and a BOM still.
    let zh = report(&inventory_path, "csv", "zh", &dir.out("inventory-zh.csv"));
    let body = zh.strip_prefix('\u{feff}').expect("a UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let zh_header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(zh_header.len(), header.len());
    assert_eq!(&zh_header[..3], ["记录类型", "路径", "格式"]);
    let zh_rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(zh_rows.len(), rows.len());
    let id_column = zh_rows
        .iter()
        .find(|r| &r[0] == "列" && &r[at("column")] == "身份证号")
        .expect("the ID column");
    assert_eq!(&id_column[at("category")], "身份证号");
    assert_eq!(&id_column[at("sensitivity")], "敏感个人信息");
    assert_eq!(&id_column[at("detector")], "居民身份证号（cn_resident_id）");
    assert_eq!(id_column[at("hits")].parse::<u64>().unwrap(), ORDERS);
}

#[test]
fn an_html_report_still_goes_to_a_pipe() {
    let (_dir, inventory_path, inventory) = scanned_shop();
    // The tests' stdout is a pipe: only a terminal is refused (see document::refusal).
    let output = pimap()
        .arg("report")
        .arg(&inventory_path)
        .args(["--lang", "en"])
        .run();
    output.expect_code(0);
    let page = output.stdout_str();
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", output.stderr_str());
    assert!(page.contains(&card(inventory.totals.findings, "Findings")));
}

#[test]
fn times_are_shown_in_the_local_zone_or_said_to_be_utc() {
    let (_dir, inventory_path, _) = scanned_shop();
    let scanned_at = {
        let json = read_inventory_json(&inventory_path);
        json["scanned_at"].as_str().unwrap().to_string()
    };
    let md = |tz: &str, lang: &str| {
        let output = pimap()
            .arg("report")
            .arg(&inventory_path)
            .args(["--format", "md", "--lang", lang])
            .env("TZ", tz)
            .run();
        output.expect_code(0);
        output.stdout_str()
    };
    // A POSIX rule needs no time zone database: 8 hours east of UTC, no daylight saving.
    let utc = humantime::parse_rfc3339(&scanned_at).unwrap();
    let east = humantime::format_rfc3339(utc + std::time::Duration::from_secs(8 * 3600)).to_string();
    let shown = format!("{} {} (UTC+08:00)", &east[..10], &east[11..16]);
    for lang in ["zh", "en"] {
        let text = md("CST-8", lang);
        assert!(text.contains(&shown), "{shown} not in:\n{text}");
        assert!(!text.contains(" UTC |"), "{text}");
    }
    // A zone that cannot be found: UTC, and said so.
    let text = md("Nowhere/Atlantis", "en");
    let shown = format!(
        "{} {} (UTC, local time zone unknown)",
        &scanned_at[..10],
        &scanned_at[11..16]
    );
    assert!(text.contains(&shown), "{shown} not in:\n{text}");
    assert!(md("Nowhere/Atlantis", "zh").contains("(UTC，本机时区未知)"));
}

#[test]
fn children_s_ids_and_excel_damaged_columns_are_in_every_format() {
    let dir = Dir::new();
    let child = with_id_check("11010520200101123");
    let adult = with_id_check("11010519850302123");
    dir.write(
        "members.csv",
        format!("身份证号\n{child}\n{adult}\n1.10105E+17\n1.10105E+17\n"),
    );
    let scan = scan_tree(&dir, "members", &[]);
    let file = scan.inventory.file("members.csv").expect("members.csv scanned");
    assert!(file.findings >= 2, "{:?}", scan.inventory.totals);
    let inventory = dir.out("members.inventory.json");
    let html = report(&inventory, "html", "en", &dir.out("r.html"));
    let md = report(&inventory, "md", "en", &dir.out("r.md"));
    let csv = report(&inventory, "csv", "en", &dir.out("r.csv"));
    for (name, text) in [("html", &html), ("md", &md)] {
        for needed in ["PIPL Art. 28", "digits past the 15th are lost", "members.csv"] {
            assert!(text.contains(needed), "{name} lacks {needed}");
        }
    }
    let body = csv.strip_prefix('\u{feff}').unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let minors: u64 = rows
        .iter()
        .filter_map(|r| r[at("minors")].parse::<u64>().ok())
        .sum();
    assert_eq!(minors, 1, "one child's ID");
    let lost: u64 = rows
        .iter()
        .filter_map(|r| r[at("precision_lost")].parse::<u64>().ok())
        .sum();
    assert_eq!(lost, 2, "two cells written as 1.10105E+17");
    assert!(rows.iter().any(|r| r[at("note")].contains("under 14")));
    assert!(rows
        .iter()
        .any(|r| r[at("note")].contains("digits past the 15th")));
}

#[test]
fn markdown_report_for_an_impact_assessment() {
    let (dir, inventory_path, inventory) = scanned_shop();
    let md = report(&inventory_path, "md", "en", &dir.out("assessment.md"));
    let totals = &inventory.totals;
    for expected in [
        "# Personal data inventory report".to_string(),
        format!("| Files scanned | {} |", grouped(totals.files)),
        format!("| Findings | {} |", grouped(totals.findings)),
        format!(
            "| Resident ID | Sensitive | {} |",
            grouped(totals.by_category["national_id"])
        ),
        "## Columns with sensitive personal information".into(),
        "| `exports/orders_2023.csv` | — | `身份证号` | Resident ID |".into(),
    ] {
        assert!(md.contains(&expected), "missing {expected}\n{md}");
    }
    let zh = report(&inventory_path, "md", "zh", &dir.out("assessment-zh.md"));
    assert!(zh.contains(&format!("| 发现总数 | {} |", grouped(totals.findings))));
}

#[test]
fn reports_hold_no_raw_value() {
    let (dir, inventory_path, _) = scanned_shop();
    let mut reports = Vec::new();
    for format in ["html", "csv", "md"] {
        reports.push(report(
            &inventory_path,
            format,
            "en",
            &dir.out(&format!("r.{format}")),
        ));
    }
    for value in planted_values().iter().chain([&"13912345678".to_string()]) {
        for (report, format) in reports.iter().zip(["html", "csv", "md"]) {
            assert!(
                !report.contains(value.as_str()),
                "{format} report holds a raw value"
            );
        }
    }
}

#[test]
fn report_goes_to_stdout_without_an_output_file() {
    let (_dir, inventory_path, inventory) = scanned_shop();
    let output = pimap()
        .arg("report")
        .arg(&inventory_path)
        .args(["--format", "md", "--lang", "en"])
        .run();
    output.expect_code(0);
    assert!(output
        .stdout_str()
        .contains(&format!("| Findings | {} |", grouped(inventory.totals.findings))));
}

#[test]
fn unreadable_or_foreign_inventories_are_usage_errors() {
    let dir = Dir::new();
    let missing = pimap()
        .arg("report")
        .arg(dir.out("missing.json"))
        .args(["-o"])
        .arg(dir.out("r.html"))
        .run();
    expect_one_line_error(&missing, "cannot read");
    assert!(!dir.out("r.html").exists(), "no report for a missing inventory");

    let foreign = dir.out("package.json");
    std::fs::write(
        &foreign,
        "{\n  \"name\": \"shop\",\n  \"version\": \"1.0.0\"\n}\n",
    )
    .unwrap();
    let output = pimap().arg("report").arg(&foreign).run();
    expect_one_line_error(&output, "is not a pimap inventory");

    let not_json = dir.out("notes.json");
    std::fs::write(&not_json, "订单\n13812345678\n").unwrap();
    expect_one_line_error(
        &pimap().arg("report").arg(&not_json).run(),
        "is not a pimap inventory",
    );

    // Shaped like an inventory, but another tool's schema.
    let other = dir.out("other.json");
    let mut value = judged_inventory_json();
    value["schema"] = json!("other.inventory/1");
    std::fs::write(&other, value.to_string()).unwrap();
    expect_one_line_error(&pimap().arg("report").arg(&other).run(), "schema");
}

#[test]
fn refuses_to_overwrite_the_inventory() {
    let (_dir, inventory_path, _) = scanned_shop();
    let before = std::fs::read(&inventory_path).unwrap();
    let output = pimap()
        .arg("report")
        .arg(&inventory_path)
        .arg("-o")
        .arg(&inventory_path)
        .run();
    expect_one_line_error(&output, "inventory itself");
    assert_eq!(std::fs::read(&inventory_path).unwrap(), before);
}

/// The shop scan with what the policy, risk and baseline work add (until the scanner fills
/// them itself): risk scores, one action of each kind, a duplicate group and changes.
fn judged_inventory_json() -> Value {
    let shop = shop_tree();
    let scan = scan_tree(&shop, "judged", &[]);
    let mut value: Value = serde_json::from_str(&scan.inventory_text).unwrap();
    let mut with_findings = Vec::new();
    for (i, file) in value["files"].as_array_mut().unwrap().iter_mut().enumerate() {
        if file["findings"].as_u64().unwrap_or(0) == 0 {
            continue;
        }
        // 85, 70, 55, 85...: the factors add up to the score.
        let score = 85 - 15 * (with_findings.len() as u64 % 3);
        let level = if score >= 60 { "high" } else { "medium" };
        file["risk"] = json!({"score": score, "level": level,
            "factors": {"what": 40, "volume": score - 55, "age": 10, "exposure": 5}});
        file["newest_date"] = json!(format!("2021-0{}-15", 1 + i % 9));
        with_findings.push(file["path"].as_str().unwrap().to_string());
    }
    let orders = "exports/orders_2023.csv";
    value["actions"] = json!([
        {"kind": "retention_overdue", "severity": "high", "path": orders, "rule": "orders-3y",
         "evidence": {"categories": ["national_id", "bank_card"], "findings": 160,
                      "newest_date": "2021-08-01", "age_days": 1216, "max_age_days": 1095}},
        {"kind": "forbidden_location", "severity": "high", "path": MARKUP_PATH, "rule": "no-pi-in-root",
         "evidence": {"categories": ["phone"], "findings": 1, "forbidden_in": "*"}},
        {"kind": "mask_column", "severity": "medium", "path": orders, "column": "身份证号",
         "detector": "cn_resident_id", "rule": "mask-ids",
         "evidence": {"unmasked": 40, "masked": 0, "rows": 40}},
        {"kind": "duplicate_copy", "severity": "low", "path": "客服/chat-2024.txt", "rule": "duplicates",
         "evidence": {"copy_of": orders, "shared": 1, "overlap": 0.5}}
    ]);
    value["totals"]["actions"] =
        json!({"retention_overdue": 1, "forbidden_location": 1, "mask_column": 1, "duplicate_copy": 1});
    value["totals"]["files_by_risk"] = json!({"high": 2, "medium": 1, "low": 0});
    value["totals"]["minors"] = json!(0);
    value["duplicates"] = json!([{"files": [
        {"path": orders, "distinct": 160, "shared": 160, "overlap": 1.0},
        {"path": "客服/chat-2024.txt", "distinct": 2, "shared": 1, "overlap": 0.5}
    ]}]);
    value["changes"] = json!({
        "baseline_scanned_at": "2026-10-01T00:00:00Z", "baseline_file": "old.inventory.json",
        "reused": 0, "rescanned": 4,
        "new": [{"path": MARKUP_PATH, "before": 0, "after": 1, "by_category": {"phone": 1}}],
        "removed": [], "changed": [], "unchanged": 3,
        "by_category": {"phone": 1}, "findings": 1, "actions": {"forbidden_location": 1}
    });
    value["key"] = json!({"kind": "stable", "key_id": "k-5e1f", "cross_scan": true, "fingerprints": false});
    value["policy"] =
        json!({"file": "shop-policy.toml", "rules": ["orders-3y", "no-pi-in-root", "mask-ids"]});
    assert!(with_findings.len() >= 3, "{with_findings:?}");
    value
}

// ------------------------------------------------------------------------------------------
// Several stores (`scan --store NAME=ROOT`).

/// Two shops' shares scanned as stores: `tmall` with the full orders export (IDs, phones,
/// cards, e-mails) and a clean file, `taobao` with an export of the same name holding phones
/// only, and a chat log. Returns the inventory file and the inventory as written.
fn scanned_stores() -> (Dir, PathBuf, Value) {
    let dir = Dir::new();
    let shop = shop_tree();
    let orders = std::fs::read(shop.path("exports/orders_2023.csv")).unwrap();
    dir.write("tmall/exports/orders_2023.csv", orders);
    dir.write("tmall/readme.txt", "no personal data here\n");
    let mut phones = String::from("收货人手机\n");
    for i in 0..12 {
        phones.push_str(&format!("139{:08}\n", 22_220_000 + i));
    }
    dir.write("taobao/exports/orders_2023.csv", phones);
    dir.write(
        "taobao/客服/chat-2024.txt",
        "客户电话 13912345678，邮箱 service.desk@example.com\n",
    );
    let inventory = dir.out("stores.inventory.json");
    let run = pimap()
        .arg("scan")
        .arg("--store")
        .arg(format!("tmall={}", dir.path("tmall").display()))
        .arg("--store")
        .arg(format!("taobao={}", dir.path("taobao").display()))
        .args(["-q", "-o"])
        .arg(&inventory)
        .run();
    run.expect_code(0);
    let value = read_inventory_json(&inventory);
    let names: Vec<&str> = value["stores"]
        .as_array()
        .expect("stores in the inventory")
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tmall", "taobao"]);
    (dir, inventory, value)
}

/// A store's totals in the written inventory.
fn store_totals<'v>(inventory: &'v Value, name: &str) -> &'v Value {
    &inventory["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no store {name}"))["totals"]
}

fn n(value: &Value) -> u64 {
    value.as_u64().expect("a count")
}

/// A store's actions, all kinds.
fn store_actions(totals: &Value) -> u64 {
    totals["actions"].as_object().unwrap().values().map(n).sum()
}

/// A store's categories with findings.
fn store_categories(totals: &Value) -> Vec<(&str, u64)> {
    totals["by_category"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(c, v)| (c.as_str(), n(v)))
        .filter(|&(_, v)| v > 0)
        .collect()
}

#[test]
fn reports_of_stores_have_a_row_per_store_and_name_the_store_of_each_file() {
    let (dir, inventory_path, inventory) = scanned_stores();
    let (tmall, taobao) = (
        store_totals(&inventory, "tmall"),
        store_totals(&inventory, "taobao"),
    );
    assert!(
        n(&tmall["by_category"]["bank_card"]) >= ORDERS && n(&taobao["by_category"]["bank_card"]) == 0,
        "the generated stores did not scan as planned: {tmall} {taobao}"
    );
    let root = |name: &str| {
        inventory["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["root"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Markdown: a row per store, with its figures; files named with their store.
    let md = report(&inventory_path, "md", "en", &dir.out("stores.md"));
    let section = md
        .split("## Stores\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no stores section in:\n{md}"));
    for (name, totals) in [("tmall", tmall), ("taobao", taobao)] {
        let start = format!(
            "| {name} | `{}` | {} | {} | {} | ",
            root(name),
            grouped(n(&totals["files"])),
            grouped(n(&totals["files_with_findings"])),
            grouped(n(&totals["findings"])),
        );
        let row = section
            .lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no row {start} in:\n{section}"));
        let end = format!(
            " | {} | {} | {} |",
            // A level no file has may be left out.
            grouped(totals["files_by_risk"]["high"].as_u64().unwrap_or(0)),
            grouped(store_actions(totals)),
            grouped(n(&totals["errors"])),
        );
        assert!(row.ends_with(&end), "{row} does not end with {end}");
        assert_eq!(
            row.contains(&format!(
                "Bank card {}",
                grouped(n(&totals["by_category"]["bank_card"]))
            )),
            name == "tmall",
            "{row}"
        );
        assert!(
            row.contains(&format!("Phone {}", grouped(n(&totals["by_category"]["phone"])))),
            "{row}"
        );
    }
    let riskiest = md
        .split("## Riskiest files")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    for listed in [
        "tmall: `exports/orders_2023.csv`",
        "taobao: `exports/orders_2023.csv`",
    ] {
        assert!(riskiest.contains(listed), "{listed} not in:\n{riskiest}");
    }
    assert!(!md.contains("`tmall/"), "a store shown as a folder:\n{md}");
    let zh = report(&inventory_path, "md", "zh", &dir.out("stores-zh.md"));
    assert!(
        zh.contains("## 各店铺概况\n") && zh.contains("| 店铺 | 扫描目录 |"),
        "{zh}"
    );

    // CSV: a store column on every row, the path relative to the store; per store, the
    // file rows add up to the store's findings.
    let csv = report(&inventory_path, "csv", "en", &dir.out("stores.csv"));
    let mut reader = csv::Reader::from_reader(csv.strip_prefix('\u{feff}').unwrap().as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..3], ["record", "store", "path"]);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let written: std::collections::BTreeSet<(String, String)> = inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["store"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    let listed: std::collections::BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r[at("store")].to_string(), r[at("path")].to_string()))
        .collect();
    assert_eq!(
        listed, written,
        "every row is a file of the inventory, every file has rows"
    );
    assert!(listed.contains(&("taobao".into(), "exports/orders_2023.csv".into())));
    for (name, totals) in [("tmall", tmall), ("taobao", taobao)] {
        let findings: u64 = rows
            .iter()
            .filter(|r| &r[0] == "file" && &r[at("store")] == name)
            .map(|r| r[at("findings")].parse::<u64>().unwrap())
            .sum();
        assert_eq!(findings, n(&totals["findings"]), "{name}");
    }
    let zh = report(&inventory_path, "csv", "zh", &dir.out("stores-zh.csv"));
    assert!(zh.starts_with("\u{feff}记录类型,店铺,路径,"), "{}", &zh[..80]);

    // HTML: the table, one stacked bar per store with a segment per category, and files
    // in their store.
    let html = report(&inventory_path, "html", "en", &dir.out("stores.html"));
    let section = html
        .split("<section id=\"stores\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("a stores section");
    for (name, totals) in [("tmall", tmall), ("taobao", taobao)] {
        let row = format!(
            "<span class=\"store\">{name}</span></td><td><span class=\"path\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            root(name).replace('/', "/<wbr>"),
            grouped(n(&totals["files"])),
            grouped(n(&totals["files_with_findings"])),
            grouped(n(&totals["findings"])),
        );
        assert!(section.contains(&row), "no row {row} in:\n{section}");
        let bar = section
            .split("<g class=\"store\">")
            .find(|g| g.contains(&format!(">{name}</text>")))
            .unwrap_or_else(|| panic!("no bar for {name}"));
        let bar = bar.split("</g>").next().unwrap();
        assert_eq!(
            bar.matches("<rect").count(),
            store_categories(totals).len(),
            "{bar}"
        );
        assert!(
            bar.contains(&format!(">{}</text>", grouped(n(&totals["findings"])))),
            "{bar}"
        );
    }
    assert_eq!(section.matches("<svg class=\"chart stores\"").count(), 1);
    assert!(html.contains(
        "<span class=\"store\">taobao</span> <span class=\"path\">exports/<wbr>orders_2023.csv</span>"
    ));
    let zh = report(&inventory_path, "html", "zh", &dir.out("stores-zh.html"));
    assert!(zh.contains("<h2>各店铺概况</h2>") && zh.contains("各店铺按类别的发现数"));
}

// ------------------------------------------------------------------------------------------
// Headless Chromium.

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs Chromium headless on `page` with a fresh profile under `work`, bounded by
/// coreutils `timeout` (which kills Chromium's whole process group).
fn chromium(work: &Path, profile: &str, page: &Path, action: &[OsString]) -> std::process::Output {
    let mut url = OsString::from("file://");
    url.push(page);
    let mut profile_arg = OsString::from("--user-data-dir=");
    profile_arg.push(work.join(profile));
    Command::new("timeout")
        .args(["-k", "10", "120", CHROMIUM])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(profile_arg)
        .args(action)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run chromium under timeout")
}

/// Console output of a page without scripts is always an error: a CSP violation, an
/// uncaught exception, a blocked load.
fn console_problems(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Refused to")
                || l.contains("Content Security Policy")
        })
        .collect()
}

/// Loads `page`, dumps its DOM and takes a screenshot; returns the DOM, or what went wrong.
fn load_in_chromium(work: &Path, name: &str, page: &Path) -> Result<String, String> {
    let dump = chromium(work, &format!("{name}-dom"), page, &["--dump-dom".into()]);
    let stderr = String::from_utf8_lossy(&dump.stderr);
    if !dump.status.success() {
        return Err(format!("chromium --dump-dom {name}: {:?}\n{stderr}", dump.status));
    }
    let problems = console_problems(&stderr);
    if !problems.is_empty() {
        return Err(format!("{name}: console messages:\n{}", problems.join("\n")));
    }
    let dom = String::from_utf8_lossy(&dump.stdout).into_owned();
    if !dom.contains("</html>") {
        return Err(format!("{name}: no document dumped:\n{dom}"));
    }
    let png = work.join(format!("{name}.png"));
    let mut screenshot = OsString::from("--screenshot=");
    screenshot.push(&png);
    let shot = chromium(
        work,
        &format!("{name}-shot"),
        page,
        &[screenshot, "--window-size=1280,3000".into()],
    );
    let stderr = String::from_utf8_lossy(&shot.stderr);
    let problems = console_problems(&stderr);
    if !shot.status.success() || !problems.is_empty() {
        return Err(format!(
            "chromium --screenshot {name}: {:?}\n{}",
            shot.status,
            problems.join("\n")
        ));
    }
    match std::fs::read(&png) {
        Ok(bytes) if bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000 => Ok(dom),
        Ok(bytes) => Err(format!("{name}: a screenshot of {} bytes", bytes.len())),
        Err(e) => Err(format!("{name}: no screenshot: {e}")),
    }
}

#[test]
fn html_report_loads_in_chromium_and_shows_the_totals() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is missing: CI installs it (.ci/run) and must run this test"
        );
        eprintln!("skipped: chromium not installed ({CHROMIUM}); apt-get install chromium");
        return;
    }
    let (_dir, inventory_path, inventory) = scanned_shop();
    let work = tempfile::Builder::new()
        .prefix("pimap-chromium-")
        .tempdir()
        .unwrap();
    let zh_page = work.path().join("report-zh.html");
    report(&inventory_path, "html", "zh", &zh_page);
    let judged = judged_inventory_json();
    let judged_path = work.path().join("judged.inventory.json");
    std::fs::write(&judged_path, serde_json::to_string_pretty(&judged).unwrap()).unwrap();
    let en_page = work.path().join("report-en.html");
    report(&judged_path, "html", "en", &en_page);

    let mut failures = Vec::new();
    let totals = &inventory.totals;
    match load_in_chromium(work.path(), "report-zh", &zh_page) {
        Err(e) => failures.push(e),
        Ok(dom) => {
            for expected in [
                card(totals.findings, "发现总数"),
                card(totals.files, "扫描文件数"),
                "身份证号".into(),
                "银行卡号".into(),
                "手机号/电话".into(),
                "电子邮箱".into(),
                // The markup file name is text in the DOM, not an element.
                "&lt;script&gt;alert(1)&lt;/<wbr>script&gt;.csv".into(),
            ] {
                if !dom.contains(&expected) {
                    failures.push(format!("report-zh: the DOM lacks {expected}"));
                }
            }
            if dom.contains("<script") {
                failures.push("report-zh: a script element in the DOM".into());
            }
        }
    }
    match load_in_chromium(work.path(), "report-en", &en_page) {
        Err(e) => failures.push(e),
        Ok(dom) => {
            for expected in [
                card(totals.findings, "Findings"),
                card(4, "Actions"),
                card(2, "High-risk files"),
                "data is 1,216 days old (limit 1,095)".into(),
                "Retention overdue".into(),
                "Duplicate copies".into(),
                "Changes since the baseline scan".into(),
                "stable: comparable with other scans".into(),
            ] {
                if !dom.contains(&expected) {
                    failures.push(format!("report-en: the DOM lacks {expected}"));
                }
            }
        }
    }
    if !failures.is_empty() {
        let kept = work.keep();
        panic!(
            "{}\n(pages, DOM profiles and screenshots kept in {})",
            failures.join("\n"),
            kept.display()
        );
    }
}

#[test]
fn html_report_of_stores_loads_in_chromium_with_its_chart() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMIUM} is missing: CI installs it (.ci/run) and must run this test"
        );
        eprintln!("skipped: chromium not installed ({CHROMIUM}); apt-get install chromium");
        return;
    }
    let (_dir, inventory_path, inventory) = scanned_stores();
    let work = tempfile::Builder::new()
        .prefix("pimap-chromium-")
        .tempdir()
        .unwrap();
    let page = work.path().join("stores.html");
    report(&inventory_path, "html", "zh", &page);
    let failures: Vec<String> = match load_in_chromium(work.path(), "stores", &page) {
        Err(e) => vec![e],
        Ok(dom) => {
            let mut failures = Vec::new();
            let chart = dom
                .split("<svg class=\"chart stores\"")
                .nth(1)
                .and_then(|s| s.split("</svg>").next())
                .unwrap_or_default();
            let bars: Vec<&str> = chart.split("<g class=\"store\">").skip(1).collect();
            if bars.len() != 2 {
                failures.push(format!(
                    "stores: {} bars in the chart, not 2:\n{chart}",
                    bars.len()
                ));
            }
            for name in ["tmall", "taobao"] {
                let segments = store_categories(store_totals(&inventory, name)).len();
                match bars.iter().find(|b| b.contains(&format!(">{name}</text>"))) {
                    None => failures.push(format!("stores: no bar for {name}")),
                    Some(bar) if bar.matches("<rect class=\"bar ").count() != segments => {
                        failures.push(format!("stores: {name} has not {segments} segments: {bar}"))
                    }
                    Some(_) => {}
                }
                if !dom.contains(&format!("<span class=\"store\">{name}</span>")) {
                    failures.push(format!("stores: the DOM lacks {name}'s chip"));
                }
            }
            if !dom.contains("各店铺概况") {
                failures.push("stores: no stores section".into());
            }
            failures
        }
    };
    if !failures.is_empty() {
        let kept = work.keep();
        panic!(
            "{}\n(page, DOM profiles and screenshots kept in {})",
            failures.join("\n"),
            kept.display()
        );
    }
}
