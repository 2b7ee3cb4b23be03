//! Person names and nicknames (issue 13): where they are found (name columns, labels, 收,
//! beside an identifier), where they are not (product `name` columns, free text, masked
//! cells), how they are masked, and how `locate` answers for a name.

use crate::util::*;
use serde_json::Value;

const KEY: &str = "names-test-key-0123456789abcdef";

fn names_of<'a>(scan: &'a Scan, path: &str) -> Vec<&'a str> {
    let mut v: Vec<&str> = scan
        .findings_for(path)
        .iter()
        .filter(|f| f.category == "name")
        .map(|f| f.value.as_deref().unwrap_or(""))
        .collect();
    v.sort();
    v
}

fn plant(dir: &Dir) {
    dir.write(
        "exports/orders.csv",
        "订单编号,收货人姓名,买家会员名,联系手机,宝贝标题\n\
         10001,王芳,小猫咪2020,13812345678,纯棉四件套\n\
         10002,欧阳娜娜,tb_88120,13912345678,东北大米\n\
         10003,陈*,abc***,139****5678,蚕丝被\n\
         10004,李 强,jd_6cb9,13712345678,面膜\n\
         10005,Zhang Wei,wx_li,13612345678,茶叶\n",
    );
    // A product `name` column: the header names names, the cells are not.
    let mut products = String::from("sku,name,price\n");
    for (i, title) in [
        "纯棉四件套",
        "东北大米",
        "王老吉凉茶",
        "蚕丝被双人",
        "高山云雾茶",
        "金典牛奶",
        "白色T恤",
        "日本面膜",
        "红富士苹果",
        "黄金搭档",
        "安慕希酸奶",
        "丁香花茶",
    ]
    .iter()
    .enumerate()
    {
        products.push_str(&format!("{},{title},{}.00\n", 500 + i, 10 + i));
    }
    dir.write("catalog/products.csv", products);
    dir.write(
        "api/trades.json",
        r#"{"trades":[{"receiver_name":"赵建国","buyer_nick":"maping5990","extend_info":"{\"idcard\": \"x\", \"real_name\": \"孙丽华\"}"}]}"#,
    );
    dir.write(
        "chat/qianniu.txt",
        "买家> 收货人：周杰，电话13812345678\n\
         买家> 寄到杭州市西湖区文三路477号3幢501室，吴秀英收，13912345678\n\
         买家> 海关说要实名，郑伟 11010519491231002X\n\
         买家> 王芳说今天到，高兴\n\
         客服> 已签收，收货人信息有误请核对\n",
    );
}

#[test]
fn names_in_name_columns_labels_and_chat_lines_and_not_elsewhere() {
    let dir = Dir::new();
    plant(&dir);
    let scan = scan_tree(&dir, "names", &["--reveal"]);
    assert_eq!(
        names_of(&scan, "exports/orders.csv"),
        ["Zhang Wei", "李 强", "欧阳娜娜", "王芳"]
    );
    assert!(
        names_of(&scan, "catalog/products.csv").is_empty(),
        "{}",
        scan.describe()
    );
    assert_eq!(names_of(&scan, "api/trades.json"), ["孙丽华", "赵建国"]);
    // Labelled, addressed with 收, beside an ID; not the unlabelled 王芳 nor 收货人信息.
    assert_eq!(names_of(&scan, "chat/qianniu.txt"), ["吴秀英", "周杰", "郑伟"]);
    // Nicknames are online ids (category other), masked cells are not.
    let mut nicks: Vec<&str> = scan
        .findings_for("exports/orders.csv")
        .iter()
        .filter(|f| f.detector == "online_id")
        .map(|f| f.value.as_deref().unwrap_or(""))
        .collect();
    nicks.sort();
    assert_eq!(nicks, ["jd_6cb9", "tb_88120", "wx_li", "小猫咪2020"]);
    let nick = scan.findings_for("api/trades.json");
    assert!(nick
        .iter()
        .any(|f| f.detector == "online_id" && f.category == "other"));
    // The inventory counts names per column.
    let file = scan
        .inventory
        .file("exports/orders.csv")
        .expect("orders in the inventory");
    assert_eq!(file.by_detector.get("cn_name"), Some(&4), "{file:?}");
    let column = file
        .columns
        .iter()
        .find(|c| c.detector == "cn_name")
        .expect("a name column");
    assert_eq!((column.name.as_str(), column.hits), ("收货人姓名", 4), "{file:?}");
}

#[test]
fn names_are_masked_to_the_surname_without_reveal() {
    let dir = Dir::new();
    plant(&dir);
    let scan = scan_tree(&dir, "masked", &[]);
    let masked: Vec<&str> = scan
        .findings_for("exports/orders.csv")
        .iter()
        .filter(|f| f.category == "name")
        .map(|f| f.masked.as_str())
        .collect();
    assert!(
        masked.contains(&"王*") && masked.contains(&"欧阳**"),
        "{masked:?}"
    );
    assert!(!scan.findings_text.contains("王芳") && !scan.findings_text.contains("娜娜"));
    assert!(!scan.inventory_text.contains("王芳"));
}

fn locate(dir: &Dir, values: &[&str]) -> Value {
    let out = pimap()
        .arg("locate")
        .arg("--inventory")
        .arg(dir.out("fp.inventory.json"))
        .arg("--json")
        .args(values)
        .env("PIMAP_KEY", KEY)
        .run();
    serde_json::from_str(&out.stdout_str()).unwrap_or(Value::Null)
}

#[test]
fn locate_shows_a_name_only_with_another_value_of_the_person() {
    let dir = Dir::new();
    plant(&dir);
    // The same name in a second file without that person's phone.
    dir.write("exports/other.csv", "收件人,手机\n王芳,13500000000\n");
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(dir.out("fp.inventory.json"))
        .args(["--fingerprints", "-q"])
        .env("PIMAP_KEY", KEY)
        .run();
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr_str());
    let alone = locate(&dir, &["王芳"]);
    let q = &alone["queries"][0];
    assert_eq!(q["detector"], "cn_name", "{alone}");
    assert_eq!(q["files_holding_name"], 2, "{alone}");
    assert!(q["found"].as_array().unwrap().is_empty(), "{alone}");
    let with_phone = locate(&dir, &["王芳", "138 1234 5678"]);
    let found: Vec<&str> = with_phone["queries"][0]["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["exports/orders.csv"], "{with_phone}");
    // The text answer says why the places are not listed.
    let text = pimap()
        .arg("locate")
        .arg("--inventory")
        .arg(dir.out("fp.inventory.json"))
        .arg("王芳")
        .env("PIMAP_KEY", KEY)
        .run()
        .stdout_str();
    assert!(
        text.contains("held by 2 file(s)") && text.contains("does not single out"),
        "{text}"
    );
    assert!(!text.contains("王芳"), "the name is masked: {text}");
}
