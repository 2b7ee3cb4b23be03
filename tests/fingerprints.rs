//! Keyed fingerprints (issue 5): distinct counts, stable vs per-scan keys, no raw value or
//! unkeyed hash in the inventory, and `pimap locate` across formats.

use crate::util::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

const KEY: &str = "test-key-for-fingerprints-0001";
const OTHER_KEY: &str = "test-key-for-fingerprints-0002";

/// The planted person: synthetic values with valid checksums.
struct Person {
    id: String,
    phone: &'static str,
    card: String,
    email: &'static str,
}

fn person() -> Person {
    Person {
        id: with_id_check("11010519850302123"),
        phone: "13987654321",
        card: with_luhn("622202100012345678"),
        email: "wang.fang@example.com",
    }
}

fn inventory_json(path: &std::path::Path) -> Value {
    read_inventory_json(path)
}

fn scan_with_key(dir: &Dir, tag: &str, key: &str, extra: &[&str]) -> (Output, Value) {
    let (run, inventory) = scan_json(dir, tag, Some(key), extra);
    let inventory = if run.code == Some(0) {
        inventory
    } else {
        Value::Null
    };
    (run, inventory)
}

fn file<'a>(inv: &'a Value, path: &str) -> &'a Value {
    file_json(inv, path)
}

/// The fingerprints of one detector in one column of a file.
fn prints(inv: &Value, path: &str, detector: &str, column: Option<&str>) -> Vec<String> {
    file(inv, path)["fingerprints"]
        .as_array()
        .expect("fingerprint sets")
        .iter()
        .filter(|s| s["detector"] == detector && s["column"].as_str() == column)
        .flat_map(|s| {
            let hex = s["values"].as_str().expect("values").to_string();
            assert_eq!(hex.len() % 16, 0, "16 hex digits per fingerprint");
            (0..hex.len())
                .step_by(16)
                .map(move |i| hex[i..i + 16].to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn same_value_same_fingerprint_with_one_key_and_another_with_another() {
    let dir = Dir::new();
    let p = person();
    dir.write(
        "a/orders.csv",
        format!("买家,手机号\n甲,{}\n乙,13800000001\n", p.phone),
    );
    dir.write("b/members.csv", format!("会员,联系电话\n丙,{}\n", p.phone));
    let (run, one) = scan_with_key(&dir, "one", KEY, &["--fingerprints"]);
    run.expect_code(0);
    let (run, again) = scan_with_key(&dir, "again", KEY, &["--fingerprints"]);
    run.expect_code(0);
    let (run, other) = scan_with_key(&dir, "other", OTHER_KEY, &["--fingerprints"]);
    run.expect_code(0);

    let in_b = prints(&one, "b/members.csv", "cn_mobile", Some("联系电话"));
    assert_eq!(in_b.len(), 1);
    let in_a = prints(&one, "a/orders.csv", "cn_mobile", Some("手机号"));
    assert_eq!(in_a.len(), 2);
    assert!(
        in_a.contains(&in_b[0]),
        "the shared phone has one fingerprint in both files"
    );
    assert_eq!(
        in_b,
        prints(&again, "b/members.csv", "cn_mobile", Some("联系电话")),
        "stable key"
    );
    let with_other = prints(&other, "b/members.csv", "cn_mobile", Some("联系电话"));
    assert_ne!(in_b, with_other, "another key gives other fingerprints");
    assert_eq!(one["key"]["kind"], "stable");
    assert_eq!(one["key"]["cross_scan"], true);
    assert_ne!(one["key"]["key_id"], other["key"]["key_id"]);
    assert_eq!(one["key"]["key_id"], again["key"]["key_id"]);
}

#[test]
fn distinct_values_are_counted_per_file_and_column() {
    let dir = Dir::new();
    let phones = [
        "13800000001",
        "13800000002",
        "13800000001",
        "13800000003",
        "13800000002",
    ];
    let mut csv = String::from("收货人,手机号,备用电话\n");
    for (i, p) in phones.iter().enumerate() {
        csv.push_str(&format!("客户{i},{p},13800000001\n"));
    }
    dir.write("orders.csv", csv);
    let (run, inv) = scan_with_key(&dir, "inv", KEY, &[]);
    run.expect_code(0);
    let f = file(&inv, "orders.csv");
    assert_eq!(f["findings"], 10);
    assert_eq!(
        f["distinct"]["cn_mobile"], 3,
        "three different phones in the file"
    );
    let columns = f["columns"].as_array().unwrap();
    let column = |name: &str| columns.iter().find(|c| c["name"] == name).expect("column");
    assert_eq!(column("手机号")["distinct"], 3);
    assert_eq!(column("备用电话")["distinct"], 1);
    assert_eq!(column("手机号")["category"], "phone");
    assert_eq!(column("手机号")["sensitivity"], "general");
}

#[test]
fn the_inventory_holds_no_raw_value_and_no_unkeyed_hash() {
    let dir = Dir::new();
    let p = person();
    dir.write(
        "customers.csv",
        format!(
            "姓名,身份证号,手机号,银行卡号,邮箱\n王芳,{},{},{},{}\n",
            p.id, p.phone, p.card, p.email
        ),
    );
    dir.write(
        "notes.txt",
        format!("客户王芳 手机 {} 邮箱 {}\n", p.phone, p.email),
    );
    let (run, _) = scan_with_key(&dir, "inv", KEY, &["--fingerprints"]);
    run.expect_code(0);
    let text = std::fs::read_to_string(dir.out("inv.json")).unwrap();
    for value in [p.id.as_str(), p.phone, p.card.as_str(), p.email] {
        assert!(!text.contains(value), "raw value in the inventory");
        for form in [
            value.to_string(),
            value.to_lowercase(),
            format!("cn_mobile\0{value}"),
        ] {
            let hex: String = Sha256::digest(form.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                !text.contains(&hex[..16]),
                "an unkeyed SHA-256 of a value is in the inventory"
            );
        }
    }
    // The masked forms are not in it either: the inventory holds counts, not values.
    assert!(!text.contains("139****4321"));
}

#[test]
fn fingerprints_need_a_stable_key() {
    let dir = Dir::new();
    dir.write("a.txt", "手机 13987654321\n");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "--fingerprints", "-o"])
        .arg(dir.out("inv.json"))
        .run();
    out.expect_code(2);
    assert!(out.stderr_str().contains("PIMAP_KEY"), "{}", out.stderr_str());

    // A stable key without --fingerprints: no fingerprint of any value is stored.
    let many: String = (0..12).map(|i| format!("1380000{i:04}\n")).collect();
    dir.write("many.csv", format!("手机号\n{many}"));
    let (run, inv) = scan_with_key(&dir, "no_prints", KEY, &[]);
    run.expect_code(0);
    let text = std::fs::read_to_string(dir.out("no_prints.json")).unwrap();
    assert!(
        !text.contains("\"sketch\"") && !text.contains("\"fingerprints\": ["),
        "opt-in only"
    );
    assert!(
        file(&inv, "many.csv").get("content_hash").is_some(),
        "refresh still works"
    );
    std::fs::remove_file(dir.path("many.csv")).unwrap();

    // Without a key the scan works; the inventory says cross-scan features are off.
    let plain = pimap()
        .arg("scan")
        .arg(dir.root())
        .args(["-q", "-o"])
        .arg(dir.out("plain.json"))
        .run();
    plain.expect_code(0);
    let inv = inventory_json(&dir.out("plain.json"));
    assert_eq!(inv["key"]["kind"], "per_scan");
    assert_eq!(inv["key"]["cross_scan"], false);
    assert!(inv["key"].get("key_id").is_none());
    let f = file(&inv, "a.txt");
    assert!(f.get("content_hash").is_none() && f.get("sketch").is_none());
    assert_eq!(
        f["distinct"]["cn_mobile"], 1,
        "distinct counts work with a per-scan key too"
    );

    // A key that is too short is refused, from a file as from the environment.
    let short = dir.out("short.key");
    std::fs::write(&short, "short\n").unwrap();
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--key-file")
        .arg(&short)
        .arg("-q")
        .run();
    out.expect_code(2);
}

/// Writes the planted person into a CSV export, an xlsx workbook, a mysqldump and a chat log,
/// among other people's rows.
fn plant_everywhere(dir: &Dir, p: &Person) {
    dir.write(
        "exports/orders.csv",
        format!(
            "订单号,收货人,手机号,身份证号\nT1,李雷,13800000001,{}\nT2,王芳,{},{}\n",
            with_id_check("11010519900101001"),
            p.phone,
            p.id
        ),
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("会员").unwrap();
    for (c, h) in ["姓名", "银行卡号", "邮箱"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "王芳").unwrap();
    sheet.write_string(1, 1, &p.card).unwrap();
    sheet.write_string(1, 2, p.email).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    dir.write("members/members.xlsx", bytes);
    dir.write(
        "db/shop.sql",
        format!(
            "CREATE TABLE `customer` (`id` int, `mobile` varchar(20), `id_card` varchar(18));\n\
             INSERT INTO `customer` VALUES (1,'13800000002','{}'),(2,'{}','{}');\n",
            with_id_check("11010519900101002"),
            p.phone,
            p.id
        ),
    );
    dir.write(
        "chat/2024-05.txt",
        format!("买家: 我的邮箱是 {} 电话 {}\n", p.email, p.phone),
    );
}

fn locate(dir: &Dir, inventory: &str, key: &str, values: &[&str]) -> (Output, Value) {
    let out = pimap()
        .arg("locate")
        .arg("--inventory")
        .arg(dir.out(inventory))
        .arg("--json")
        .args(values)
        .env("PIMAP_KEY", key)
        .run();
    let json = serde_json::from_str(&out.stdout_str()).unwrap_or(Value::Null);
    (out, json)
}

/// (path, table, column) of every place a query was found.
fn places(query: &Value) -> Vec<(String, Option<String>, Option<String>)> {
    query["found"]
        .as_array()
        .expect("found")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["table"].as_str().map(str::to_string),
                p["column"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn locate_finds_a_person_across_csv_xlsx_dump_and_text() {
    let dir = Dir::new();
    let p = person();
    plant_everywhere(&dir, &p);
    let (run, _) = scan_with_key(&dir, "inv", KEY, &["--fingerprints"]);
    run.expect_code(0);

    // Values typed as people type them.
    let phone_typed = "+86 139-8765-4321";
    let email_typed = "Wang.Fang@Example.com";
    let (out, json) = locate(&dir, "inv.json", KEY, &[&p.id, phone_typed, &p.card, email_typed]);
    out.expect_code(0);
    let q = json["queries"].as_array().expect("queries");
    assert_eq!(q.len(), 4);
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        places(&q[0]),
        vec![
            ("db/shop.sql".into(), s("customer"), s("id_card")),
            ("exports/orders.csv".into(), None, s("身份证号")),
        ]
    );
    assert_eq!(
        places(&q[1]),
        vec![
            ("chat/2024-05.txt".into(), None, None),
            ("db/shop.sql".into(), s("customer"), s("mobile")),
            ("exports/orders.csv".into(), None, s("手机号")),
        ]
    );
    assert_eq!(
        places(&q[2]),
        vec![("members/members.xlsx".into(), s("会员"), s("银行卡号"))]
    );
    assert_eq!(
        places(&q[3]),
        vec![
            ("chat/2024-05.txt".into(), None, None),
            ("members/members.xlsx".into(), s("会员"), s("邮箱")),
        ]
    );
    // The output shows values masked only.
    let stdout = out.stdout_str();
    for raw in [p.id.as_str(), p.phone, p.card.as_str(), p.email] {
        assert!(!stdout.contains(raw), "raw value in locate's output");
    }
    assert_eq!(q[1]["value"], "139****4321");

    // Someone who is not there: exit status 1, "not found".
    let (out, json) = locate(&dir, "inv.json", KEY, &["13700000000"]);
    out.expect_code(1);
    assert!(json["queries"][0]["found"].as_array().unwrap().is_empty());
    let text = pimap()
        .args(["locate", "--inventory"])
        .arg(dir.out("inv.json"))
        .arg("13700000000")
        .env("PIMAP_KEY", KEY)
        .run();
    assert!(text.stdout_str().contains("not found"), "{}", text.stdout_str());
}

#[test]
fn locate_matches_the_other_spelling_of_a_resident_id() {
    let dir = Dir::new();
    // An 18-digit ID of someone born in the 1900s is found by its 15-digit spelling too.
    let id18 = with_id_check("11010519700101123");
    dir.write("ids.csv", format!("姓名,身份证号\n张伟,{id18}\n"));
    let (run, _) = scan_with_key(&dir, "inv", KEY, &["--fingerprints"]);
    run.expect_code(0);
    let id15 = format!("{}{}", &id18[..6], &id18[8..17]);
    let (out, json) = locate(&dir, "inv.json", KEY, &[&id15]);
    out.expect_code(0);
    assert_eq!(places(&json["queries"][0]).len(), 1);
}

#[test]
fn locate_reads_a_bare_number_as_every_detector_it_can_be() {
    // Nine digits typed alone may be a passport number or a QQ number: each is looked for,
    // and the reading the inventory holds is the one shown.
    let dir = Dir::new();
    dir.write("cs/contacts.txt", "客服记录 QQ号 123456789\n护照号码 987654321\n");
    let (run, _) = scan_with_key(&dir, "inv", KEY, &["--fingerprints"]);
    run.expect_code(0);
    let (out, json) = locate(&dir, "inv.json", KEY, &["123456789", "987654321"]);
    out.expect_code(0);
    let q = json["queries"].as_array().expect("queries");
    assert_eq!(q[0]["detector"], "qq_id", "{json}");
    assert_eq!(places(&q[0]), vec![("cs/contacts.txt".into(), None, None)]);
    assert_eq!(q[1]["detector"], "cn_passport", "{json}");
    assert_eq!(places(&q[1]).len(), 1);
}

#[test]
fn locate_refuses_the_wrong_key_and_inventories_without_fingerprints() {
    let dir = Dir::new();
    dir.write("a.csv", "手机号\n13987654321\n");
    scan_with_key(&dir, "with", KEY, &["--fingerprints"])
        .0
        .expect_code(0);
    scan_with_key(&dir, "without", KEY, &[]).0.expect_code(0);
    let (out, _) = locate(&dir, "with.json", OTHER_KEY, &["13987654321"]);
    out.expect_code(2);
    assert!(out.stderr_str().contains("key"), "{}", out.stderr_str());
    let (out, _) = locate(&dir, "without.json", KEY, &["13987654321"]);
    out.expect_code(2);
    assert!(
        out.stderr_str().contains("--fingerprints"),
        "{}",
        out.stderr_str()
    );
    let no_key = pimap()
        .args(["locate", "--inventory"])
        .arg(dir.out("with.json"))
        .arg("13987654321")
        .run();
    no_key.expect_code(2);
    assert!(no_key.stderr_str().contains("PIMAP_KEY"));
    // The key may come from a file instead of the environment.
    let key_file = dir.out("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let locate_with_file = || {
        pimap()
            .args(["locate", "--inventory"])
            .arg(dir.out("with.json"))
            .arg("--key-file")
            .arg(&key_file)
            .arg("13987654321")
            .run()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let shared = locate_with_file();
        shared.expect_code(0);
        assert!(
            shared.stderr_str().contains("readable by other users"),
            "{}",
            shared.stderr_str()
        );
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let from_file = locate_with_file();
    from_file.expect_code(0);
    assert!(
        !from_file.stderr_str().contains("warning"),
        "{}",
        from_file.stderr_str()
    );
}

#[test]
fn locate_says_an_inventory_made_without_a_stable_key_cannot_be_searched() {
    let dir = Dir::new();
    dir.write("a.csv", "手机号\n13987654321\n");
    let (run, _) = scan_json(&dir, "random", None, &[]);
    run.expect_code(0);
    // With or without a key now: the inventory's random key is gone either way.
    for key in [None, Some(KEY)] {
        let mut cmd = pimap()
            .args(["locate", "--inventory"])
            .arg(dir.out("random.json"))
            .arg("13987654321");
        if let Some(key) = key {
            cmd = cmd.env("PIMAP_KEY", key);
        }
        let out = cmd.run();
        out.expect_code(2);
        let err = out.stderr_str();
        assert_eq!(err.lines().count(), 1, "{err}");
        for needed in [
            "without a stable key",
            "cannot be searched",
            "PIMAP_KEY",
            "--fingerprints",
        ] {
            assert!(err.contains(needed), "{needed} missing: {err}");
        }
        assert!(
            !err.contains("was made with: set"),
            "asks for a key that is gone: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn locate_into_a_closed_pipe_ends_without_a_panic() {
    let dir = Dir::new();
    dir.write("a.csv", "手机号\n13987654321\n");
    scan_with_key(&dir, "inv", KEY, &["--fingerprints"])
        .0
        .expect_code(0);
    // Far more answer than a pipe holds, so writing must meet the closed end.
    let values: Vec<String> = (0..6000).map(|i| format!("1380000{i:04}")).collect();
    let mut child = std::process::Command::new(BIN)
        .args(["locate", "--inventory"])
        .arg(dir.out("inv.json"))
        .args(&values)
        .env("PIMAP_KEY", KEY)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn pimap");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("pimap finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "panicked: {stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "none of the values is there: {stderr}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn locate_in_stores_names_the_store_of_each_place() {
    let dir = Dir::new();
    let p = person();
    // The same export name in both stores; the person is in both, and in a chat of one.
    let orders = |other: &str| {
        format!(
            "订单号,手机号,身份证号\nT1,{other},{}\nT2,{},{}\n",
            with_id_check("44030519900101001"),
            p.phone,
            p.id
        )
    };
    dir.write("tmall/exports/orders.csv", orders("13800000001"));
    dir.write("taobao/exports/orders.csv", orders("13800000002"));
    dir.write("taobao/chat/2024-05.txt", format!("买家电话 {}\n", p.phone));
    dir.write("tmall/readme.txt", "no personal data\n");
    let run = pimap()
        .arg("scan")
        .arg("--store")
        .arg(format!("tmall={}", dir.path("tmall").display()))
        .arg("--store")
        .arg(format!("taobao={}", dir.path("taobao").display()))
        .args(["-q", "--fingerprints", "-o"])
        .arg(dir.out("stores.json"))
        .env("PIMAP_KEY", KEY)
        .run();
    run.expect_code(0);

    let (out, json) = locate(&dir, "stores.json", KEY, &[p.phone, &p.id, "13800000002"]);
    out.expect_code(0);
    let found = |q: usize| -> Vec<(String, String, Option<String>)> {
        json["queries"][q]["found"]
            .as_array()
            .expect("found")
            .iter()
            .map(|place| {
                (
                    place["store"].as_str().expect("a store").to_string(),
                    place["path"].as_str().unwrap().to_string(),
                    place["column"].as_str().map(str::to_string),
                )
            })
            .collect()
    };
    let place = |store: &str, path: &str, column: Option<&str>| {
        (store.to_string(), path.to_string(), column.map(str::to_string))
    };
    assert_eq!(
        found(0),
        [
            place("taobao", "chat/2024-05.txt", None),
            place("taobao", "exports/orders.csv", Some("手机号")),
            place("tmall", "exports/orders.csv", Some("手机号")),
        ]
    );
    assert_eq!(
        found(1),
        [
            place("taobao", "exports/orders.csv", Some("身份证号")),
            place("tmall", "exports/orders.csv", Some("身份证号")),
        ]
    );
    assert_eq!(found(2), [place("taobao", "exports/orders.csv", Some("手机号"))]);

    // The text answer puts the store before each path.
    let text = pimap()
        .args(["locate", "--inventory"])
        .arg(dir.out("stores.json"))
        .arg(p.phone)
        .env("PIMAP_KEY", KEY)
        .run();
    text.expect_code(0);
    let stdout = text.stdout_str();
    assert!(stdout.contains("): 3 place(s) in 3 file(s)\n"), "{stdout}");
    for line in [
        "  taobao: chat/2024-05.txt  (text)\n",
        "  taobao: exports/orders.csv  column 手机号\n",
        "  tmall: exports/orders.csv  column 手机号\n",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains(p.phone), "raw value in locate's output");
}
