//! The JSON Schemas of `docs/schema/` themselves: valid draft 2020-12 documents, printed as they
//! are by `pimap schema`, in step with the code's closed sets, and strict enough that a field
//! the code adds or drops without the schema fails the tests (`schema_check`).

use crate::schema_check::{DIFF, FINDINGS, INVENTORY};
use crate::util::{manifest_dir, pimap, scan_tree, Dir};
use serde_json::{json, Value};

const NAMES: [&str; 3] = ["inventory", "findings", "diff"];

fn schema_file(name: &str) -> String {
    let path = manifest_dir()
        .join("docs/schema")
        .join(format!("{name}.schema.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema(name: &str) -> Value {
    serde_json::from_str(&schema_file(name)).unwrap()
}

#[test]
fn every_schema_is_a_valid_draft_2020_12_schema() {
    for name in NAMES {
        let doc = schema(name);
        let errors: Vec<String> = jsonschema::draft202012::meta::validator()
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}.schema.json: {errors:#?}");
        assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
        for key in ["$id", "title", "description"] {
            assert!(doc[key].is_string(), "{name}.schema.json has no {key}");
        }
        assert!(
            doc["description"].as_str().unwrap().contains("additive"),
            "{name}.schema.json states that changes stay additive"
        );
    }
}

/// Strictness and documentation, everywhere: every object with fixed keys forbids others,
/// lists only keys it has as required, and every property says what it is.
#[test]
fn every_object_is_closed_and_every_property_described() {
    fn walk(name: &str, at: &str, node: &Value, problems: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    if map.get("additionalProperties") != Some(&Value::Bool(false)) {
                        problems.push(format!(
                            "{name} {at}: properties without additionalProperties: false"
                        ));
                    }
                    for required in map
                        .get("required")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let key = required.as_str().unwrap_or_default();
                        if !props.contains_key(key) {
                            problems.push(format!("{name} {at}: requires {key}, which it does not define"));
                        }
                    }
                    for (key, prop) in props {
                        if !prop.get("description").is_some_and(Value::is_string) {
                            problems.push(format!("{name} {at}/properties/{key}: no description"));
                        }
                    }
                }
                for (key, child) in map {
                    walk(name, &format!("{at}/{key}"), child, problems);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(name, &format!("{at}/{i}"), child, problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    for name in NAMES {
        walk(name, "", &schema(name), &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn pimap_schema_prints_the_file_in_docs() {
    for name in NAMES {
        let out = pimap().args(["schema", name]).run();
        out.expect_code(0);
        assert_eq!(out.stdout_str(), schema_file(name), "pimap schema {name}");
        assert!(out.stderr.is_empty(), "{}", out.stderr_str());
    }
    let help = pimap().args(["schema", "--help"]).run();
    help.expect_code(0);
    assert!(help.stdout_str().contains("JSON Schema"), "{}", help.stdout_str());
    pimap().args(["schema", "report"]).run().expect_code(2);
    pimap().arg("schema").run().expect_code(2);
}

/// `pimap diff --json` prints an inventory's `changes`: the diff schema is that definition
/// with its own header, the shared definitions identical, so the two cannot disagree.
#[test]
fn the_diff_schema_is_the_inventorys_changes() {
    let inventory = schema("inventory");
    let diff = schema("diff");
    let changes = &inventory["$defs"]["changes"];
    for key in ["type", "properties", "required", "additionalProperties"] {
        assert_eq!(
            diff[key], changes[key],
            "diff.schema.json {key} differs from $defs/changes"
        );
    }
    for (name, def) in diff["$defs"].as_object().unwrap() {
        assert_eq!(
            def, &inventory["$defs"][name],
            "$defs/{name} differs between diff and inventory"
        );
    }
}

/// The closed sets the schemas enumerate are the code's.
#[test]
fn the_schemas_enums_are_the_codes() {
    use pimap::inventory::{ActionKind, ImageKind};
    let inventory = schema("inventory");
    let defs = &inventory["$defs"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap_or_else(|| panic!("not an enum: {v}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        strings(&defs["action_kind"]["enum"]),
        ActionKind::ALL.map(|k| k.as_str().to_string())
    );
    assert_eq!(
        strings(&defs["image_kind"]["enum"]),
        ImageKind::ALL.map(|k| k.as_str().to_string())
    );
    assert_eq!(
        strings(&defs["error"]["properties"]["kind"]["enum"]),
        pimap::error::ErrorKind::ALL.map(|k| k.as_str().to_string())
    );
    assert_eq!(
        strings(&defs["level"]["enum"]),
        ["high", "medium", "low"].map(String::from)
    );
    assert_eq!(
        inventory["properties"]["schema"]["const"],
        pimap::inventory::SCHEMA,
        "the schema's version is the one the code writes"
    );
}

fn valid_scan() -> (Value, Vec<Value>) {
    let dir = Dir::new();
    dir.write(
        "orders.csv",
        "姓名,手机号,身份证号\n王芳,13812345678,11010519491231002X\n李雷,13912345678,110105194912310021\n",
    );
    dir.write("notes.txt", "call 13812345678 or mail wang.fang@example.com\n");
    let scan = scan_tree(&dir, "valid", &["--reveal"]);
    let inventory: Value = serde_json::from_str(&scan.inventory_text).unwrap();
    let findings = scan
        .findings_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (inventory, findings)
}

/// Validation bites: an unknown field anywhere, a missing required one, a wrong type or
/// format, a bad id are all reported with where they are.
#[test]
fn validation_rejects_what_the_code_must_not_write() {
    let (inventory, findings) = valid_scan();
    assert!(
        INVENTORY.errors(&inventory).is_empty(),
        "{:?}",
        INVENTORY.errors(&inventory)
    );
    let csv = inventory["files"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["path"] == "orders.csv")
        .expect("orders.csv listed");
    assert!(
        !inventory["files"][csv]["columns"].as_array().unwrap().is_empty(),
        "the CSV has columns"
    );

    let mut extra = inventory.clone();
    extra["files"][csv]["columns"][0]["foo"] = json!(1);
    let errors = INVENTORY.errors(&extra);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!("/files/{csv}/columns/0: ")) && errors[0].contains("foo"),
        "{errors:?}"
    );

    let mut top = inventory.clone();
    top["surprise"] = json!(true);
    assert!(INVENTORY
        .errors(&top)
        .iter()
        .any(|e| e.starts_with("/: ") && e.contains("surprise")));

    let mut missing = inventory.clone();
    missing["totals"].as_object_mut().unwrap().remove("files_by_risk");
    let errors = INVENTORY.errors(&missing);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/totals: ") && e.contains("files_by_risk")),
        "{errors:?}"
    );

    let mut several = inventory.clone();
    several["schema"] = json!("pimap.inventory/3");
    several["scanned_at"] = json!("yesterday");
    several["files"][csv]["first_seen"] = json!("2026-13-01T00:00:00Z");
    several["files"][csv]["columns"][0]["id"] = json!("ABCDEF0123456789");
    several["files"][csv]["risk"]["level"] = json!("severe");
    let errors = INVENTORY.errors(&several);
    for at in [
        "/schema: ".to_string(),
        "/scanned_at: ".to_string(),
        format!("/files/{csv}/first_seen: "),
        format!("/files/{csv}/columns/0/id: "),
        format!("/files/{csv}/risk/level: "),
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(&at)),
            "no error at {at}: {errors:#?}"
        );
    }

    // The fields being added (ids, first_seen) are welcome in their form.
    let mut added = inventory.clone();
    added["files"][csv]["first_seen"] = json!("2026-11-29T03:10:00Z");
    added["files"][csv]["columns"][0]["id"] = json!("0123456789abcdef");
    added["files"][csv]["columns"][0]["first_seen"] = json!("2026-11-29T03:10:00Z");
    assert!(
        INVENTORY.errors(&added).is_empty(),
        "{:?}",
        INVENTORY.errors(&added)
    );

    let finding = &findings[0];
    assert!(
        FINDINGS.errors(finding).is_empty(),
        "{:?}",
        FINDINGS.errors(finding)
    );
    let mut with_id = finding.clone();
    with_id["id"] = json!("00ff00ff00ff00ff");
    assert!(FINDINGS.errors(&with_id).is_empty());
    for bad in [json!("00FF00FF00FF00FF"), json!("00ff"), json!(42)] {
        let mut bad_id = finding.clone();
        bad_id["id"] = bad.clone();
        let errors = FINDINGS.errors(&bad_id);
        assert!(
            errors.iter().any(|e| e.starts_with("/id: ")),
            "id {bad}: {errors:?}"
        );
    }
    let mut no_masked = finding.clone();
    no_masked.as_object_mut().unwrap().remove("masked");
    assert!(!FINDINGS.errors(&no_masked).is_empty());
    let mut odd_location = finding.clone();
    odd_location["location"]["cell"] = json!("B2");
    assert!(FINDINGS
        .errors(&odd_location)
        .iter()
        .any(|e| e.starts_with("/location: ")));

    let diff = json!({
        "baseline_scanned_at": "2026-11-29T03:10:00Z", "reused": 0, "rescanned": 0,
        "new": [], "removed": [], "changed": [{"path": "a.csv", "before": 1, "after": 2,
        "by_category": {"phone": 1}, "content_changed": false}], "unchanged": 0,
        "by_category": {"phone": 1}, "findings": 1, "actions": {"mask_column": 0},
        "policy_changed": false
    });
    let errors = DIFF.errors(&diff);
    assert!(
        errors.len() == 1 && errors[0].starts_with("/changed/0/content_changed: "),
        "content_changed is written only when true: {errors:?}"
    );
}

/// The example finding of the contract, upstream (`../shared/findings-contract.md`) and ours,
/// is a valid line: the schema describes that contract, not a narrower one.
#[test]
fn the_contracts_example_finding_matches_the_schema() {
    for path in [
        manifest_dir().join("../shared/findings-contract.md"),
        manifest_dir().join("docs/findings-contract.md"),
    ] {
        let Ok(text) = std::fs::read_to_string(&path) else {
            // shared/ lies beside the repository for developers and CI; only ours must be here.
            assert!(
                !path.starts_with(manifest_dir().join("docs")),
                "{} is missing",
                path.display()
            );
            continue;
        };
        // The indented block under the findings heading.
        let section = text
            .split("## Findings")
            .nth(1)
            .unwrap_or_else(|| panic!("{}: no findings section", path.display()));
        let example: String = section
            .lines()
            .skip_while(|l| !l.trim_start().starts_with('{'))
            .take_while(|l| !l.trim().is_empty())
            .collect();
        let finding: Value = serde_json::from_str(&example)
            .unwrap_or_else(|e| panic!("{}: example is not JSON ({e}): {example}", path.display()));
        assert!(finding["value"].is_string(), "the example has a value: {finding}");
        FINDINGS.check(&finding, &format!("the example finding of {}", path.display()));
    }
}
