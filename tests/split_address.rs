//! Addresses split across the fields of one record (issue 13): 省/市/区 and detail columns
//! in CSV and workbooks, `province, city, district, detail` in a dump, `receiver_state` …
//! `receiver_address` in JSON (keys in any order) become one finding at the detail, its value
//! the fields joined, with `parts` and `fields`. Fields that are no place names, and details
//! that are no address, join nothing.

use crate::util::*;

/// The address findings of `path`, by where they are (row, table row or pointer).
fn addresses<'a>(scan: &'a Scan, path: &str) -> Vec<&'a Finding> {
    scan.findings_for(path)
        .into_iter()
        .filter(|f| f.category == "address")
        .collect()
}

fn parts(f: &Finding) -> Vec<(&str, &str)> {
    f.parts
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn csv_columns_of_province_city_district_and_detail_make_one_address() {
    let dir = Dir::new();
    dir.write(
        "exports/orders.csv",
        "订单号,收货人,省,市,区,详细地址,宝贝标题\n\
         1,王芳,浙江省,杭州市,西湖区,文三路477号华星科技大厦3幢501室,茶叶\n\
         2,李强,北京市,北京市,朝阳区,望京西园三区312号楼1单元602,大米\n\
         3,张伟,其他,未知,,金丰花园3-2-501,面膜\n\
         4,赵敏,湖北省,黄冈市,英山县,,苹果\n\
         5,刘洋,浙江省,杭州市,西湖区,其他,茶叶\n",
    );
    let scan = scan_tree(&dir, "csv", &["--reveal"]);
    let found = addresses(&scan, "exports/orders.csv");
    let rows: Vec<u64> = found.iter().map(|f| f.loc_u64("row").unwrap()).collect();
    // One finding per address, none for a record without a detail or with `其他` as one.
    assert_eq!(rows, [1, 2, 3], "{}", scan.describe());
    let first = found[0];
    assert_eq!(first.loc_str("column"), Some("详细地址"));
    assert_eq!(
        first.value.as_deref(),
        Some("浙江省杭州市西湖区文三路477号华星科技大厦3幢501室")
    );
    assert_eq!(
        parts(first),
        [("city", "杭州市"), ("district", "西湖区"), ("province", "浙江省")]
    );
    assert_eq!(
        first.fields.as_deref(),
        Some(&["省", "市", "区", "详细地址"].map(String::from)[..])
    );
    // A municipality's city repeats its province: written once.
    assert_eq!(
        found[1].value.as_deref(),
        Some("北京市朝阳区望京西园三区312号楼1单元602")
    );
    // `其他` and `未知` are no places: the detail stands alone.
    assert_eq!(found[2].value.as_deref(), Some("金丰花园3-2-501"));
    assert_eq!(found[2].fields, None);
}

#[test]
fn the_masked_form_shows_the_joined_parts_and_hides_the_detail() {
    let dir = Dir::new();
    dir.write(
        "orders.csv",
        "id,province,city,district,detail\n1,湖北省,黄冈市,英山县,府前北路4号明珠公寓26幢1801\n",
    );
    let scan = scan_tree(&dir, "masked", &[]);
    let found = addresses(&scan, "orders.csv");
    assert_eq!(found.len(), 1, "{}", scan.describe());
    assert_eq!(found[0].masked, "湖北省黄冈市英山县****");
    assert_eq!(found[0].value, None);
    assert!(!scan.findings_text.contains("府前北路"), "{}", scan.findings_text);
}

#[test]
fn a_detail_too_weak_alone_is_an_address_with_its_fields() {
    let dir = Dir::new();
    // `detail` is no address word: alone, `3幢501` is not reported (b.csv); with the
    // record's province, city and district it reaches a household in a known place.
    dir.write(
        "a.csv",
        "id,province,city,district,detail\n1,浙江省,杭州市,西湖区,3幢501\n2,浙江省,杭州市,西湖区,文三路\n",
    );
    dir.write("b.csv", "id,detail\n1,3幢501\n2,文三路\n");
    let scan = scan_tree(&dir, "weak", &["--reveal"]);
    assert!(addresses(&scan, "b.csv").is_empty(), "{}", scan.describe());
    let found = addresses(&scan, "a.csv");
    let values: Vec<&str> = found.iter().filter_map(|f| f.value.as_deref()).collect();
    // A bare road is no household, fields or not.
    assert_eq!(values, ["浙江省杭州市西湖区3幢501"], "{}", scan.describe());
    assert_eq!(found[0].loc_str("column"), Some("detail"));
    // The inventory counts it in the detail column.
    let file = scan.inventory.file("a.csv").expect("a.csv in the inventory");
    let column = file
        .columns
        .iter()
        .find(|c| c.detector == "cn_address")
        .expect("an address column");
    assert_eq!((column.name.as_str(), column.hits), ("detail", 1), "{file:?}");
}

#[test]
fn dump_rows_and_json_objects_join_their_fields_in_any_order() {
    let dir = Dir::new();
    dir.write(
        "db/shop.sql",
        "CREATE TABLE `user_address` (`id` int, `consignee` varchar(32), `province` varchar(16), \
         `city` varchar(16), `district` varchar(16), `detail` varchar(255));\n\
         INSERT INTO `user_address` VALUES (1,'朱丽娟','湖北省','黄冈市','英山县','府前北路4号明珠公寓26幢1801'),\
         (2,'周璐','黑龙江省','牡丹江市','爱民区','五四路966号温馨创意园11楼');\n",
    );
    // Keys sorted: the detail comes before the district and province.
    dir.write(
        "api/orders.json",
        r#"{"orders":[{"address":{"city":"黄冈市","detail":"府前北路4号明珠公寓26幢1801","district":"英山县","province":"湖北省"},"phone":"13812345678"},{"address":{"city":"杭州市","detail":"其他"},"phone":"13912345678"}]}"#,
    );
    dir.write(
        "api/trades.ndjson",
        "{\"receiver_state\":\"河北省\",\"receiver_city\":\"邯郸市\",\"receiver_district\":\"邱县\",\"receiver_town\":\"\",\"receiver_address\":\"望京南大道97号世纪家园19栋3单元1308室\",\"orders\":{\"order\":[{\"title\":\"耳机\"}]}}\n\
         {\"receiver_state\":\"重庆市\",\"receiver_city\":\"重庆市\",\"receiver_district\":\"渝中区\",\"receiver_address\":\"解放碑步行街8号2单元301\"}\n",
    );
    let scan = scan_tree(&dir, "dump-json", &["--reveal"]);
    let dump = addresses(&scan, "db/shop.sql");
    let values: Vec<&str> = dump.iter().filter_map(|f| f.value.as_deref()).collect();
    assert_eq!(
        values,
        [
            "湖北省黄冈市英山县府前北路4号明珠公寓26幢1801",
            "黑龙江省牡丹江市爱民区五四路966号温馨创意园11楼"
        ],
        "{}",
        scan.describe()
    );
    assert_eq!(dump[0].loc_str("column"), Some("detail"));
    assert_eq!(dump[0].loc_str("table"), Some("user_address"));
    let json = addresses(&scan, "api/orders.json");
    assert_eq!(json.len(), 1, "{}", scan.describe());
    assert_eq!(json[0].loc_str("pointer"), Some("/orders/0/address/detail"));
    assert_eq!(
        json[0].value.as_deref(),
        Some("湖北省黄冈市英山县府前北路4号明珠公寓26幢1801")
    );
    assert_eq!(
        json[0].fields.as_deref(),
        Some(&["city", "district", "province", "detail"].map(String::from)[..])
    );
    let lines = addresses(&scan, "api/trades.ndjson");
    let by_line: Vec<(u64, &str)> = lines
        .iter()
        .map(|f| (f.loc_u64("line").unwrap(), f.value.as_deref().unwrap()))
        .collect();
    assert_eq!(
        by_line,
        [
            (1, "河北省邯郸市邱县望京南大道97号世纪家园19栋3单元1308室"),
            (2, "重庆市渝中区解放碑步行街8号2单元301")
        ],
        "{}",
        scan.describe()
    );
    assert_eq!(parts(lines[1]).len(), 3, "{:?}", lines[1]);
}

#[test]
fn a_workbook_region_column_joins_its_detail() {
    let dir = Dir::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["订单编号", "所在地区", "详细地址"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "A1001").unwrap();
    sheet.write_string(1, 1, "浙江省 杭州市 西湖区").unwrap();
    sheet.write_string(1, 2, "蒋村花园5幢2单元301").unwrap();
    dir.write("exports/订单.xlsx", book.save_to_buffer().unwrap());
    let scan = scan_tree(&dir, "xlsx", &["--reveal"]);
    let found = addresses(&scan, "exports/订单.xlsx");
    assert_eq!(found.len(), 1, "{}", scan.describe());
    assert_eq!(found[0].loc_str("cell"), Some("C2"));
    assert_eq!(
        found[0].value.as_deref(),
        Some("浙江省杭州市西湖区蒋村花园5幢2单元301")
    );
    assert_eq!(
        found[0].fields.as_deref(),
        Some(&["所在地区", "详细地址"].map(String::from)[..])
    );
}

#[test]
fn a_joined_address_is_located_like_the_same_address_written_whole() {
    let dir = Dir::new();
    dir.write(
        "db/address.csv",
        "id,province,city,district,detail\n1,湖北省,黄冈市,英山县,府前北路4号明珠公寓26幢1801\n",
    );
    dir.write(
        "exports/orders.csv",
        "订单号,收货地址\n9,湖北省黄冈市英山县府前北路4号明珠公寓26幢1801\n",
    );
    let inventory = dir.out("fp.inventory.json");
    let key = "split-address-test-key-0123456789";
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("-o")
        .arg(&inventory)
        .args(["--fingerprints", "-q"])
        .env("PIMAP_KEY", key)
        .run();
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr_str());
    let out = pimap()
        .arg("locate")
        .arg("--inventory")
        .arg(&inventory)
        .arg("--json")
        .arg("湖北省黄冈市英山县府前北路4号明珠公寓26幢1801")
        .env("PIMAP_KEY", key)
        .run();
    let answer: serde_json::Value = serde_json::from_str(&out.stdout_str()).unwrap_or_default();
    let mut paths: Vec<&str> = answer["queries"][0]["found"]
        .as_array()
        .map(|found| found.iter().filter_map(|p| p["path"].as_str()).collect())
        .unwrap_or_default();
    paths.sort();
    assert_eq!(paths, ["db/address.csv", "exports/orders.csv"], "{answer}");
}
