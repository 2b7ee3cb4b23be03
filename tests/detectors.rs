//! The detector lint (Nosey Parker's `rules check`): the built-in set is clean, ids and
//! categories follow the contract, every example is found and no negative example is, both
//! through the library and through the CLI; `--detectors DIR` rejects broken definitions
//! (exit 2, naming the file and the id) and uses valid ones.

use crate::util::{pimap, scan_tree, Dir};
use pimap::detect::DetectorSet;
use std::collections::{BTreeMap, BTreeSet};

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

/// The contract's core ids and their categories.
const CORE: [(&str, &str); 6] = [
    ("cn_resident_id", "national_id"),
    ("cn_mobile", "phone"),
    ("cn_landline", "phone"),
    ("bank_card", "bank_card"),
    ("cn_address", "address"),
    ("email", "email"),
];

fn is_snake_case(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

#[test]
fn builtin_lint_is_clean() {
    let set = DetectorSet::builtin();
    let problems: Vec<String> = set.lint().iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "detector lint:\n  {}", problems.join("\n  "));
    assert!(set.detectors().len() >= 5, "too few built-in detectors");
}

#[test]
fn ids_are_unique_snake_case_with_contract_categories() {
    let set = DetectorSet::builtin();
    let mut seen = BTreeSet::new();
    for d in set.detectors() {
        assert!(is_snake_case(&d.id), "id {:?} is not snake_case", d.id);
        assert!(seen.insert(d.id.clone()), "duplicate id {:?}", d.id);
        let category = d.category.as_str();
        assert!(
            CATEGORIES.contains(&category),
            "{}: category {category:?} is not a contract category",
            d.id
        );
        if let Some((_, want)) = CORE.iter().find(|(id, _)| *id == d.id) {
            assert_eq!(category, *want, "core detector {} has the wrong category", d.id);
        }
        assert!(
            !d.examples.is_empty() && !d.negative_examples.is_empty(),
            "{}: needs examples and negative examples",
            d.id
        );
        assert!(!d.description.is_empty(), "{}: no description", d.id);
    }
    for id in ["cn_resident_id", "cn_mobile", "cn_landline", "bank_card", "email"] {
        assert!(seen.contains(id), "core detector {id} missing");
    }
}

#[test]
fn lint_catches_a_broken_example() {
    // The lint must be able to fail: a detector whose example cannot match.
    let toml = detector_toml("lint_probe", r"PROBE-(\d{6})", "no probe here", None);
    let sources = vec![("lint_probe.toml".to_string(), toml)];
    let set = DetectorSet::from_sources(sources.into_iter()).expect("compiles");
    let problems: Vec<String> = set.lint().iter().map(|p| p.to_string()).collect();
    assert!(problems.iter().any(|p| p.contains("lint_probe")), "{problems:?}");
}

#[test]
fn examples_and_negatives_through_the_cli() {
    let set = DetectorSet::builtin();
    let dir = Dir::new();
    // file path -> (detector id, expected to be found)
    let mut cases: BTreeMap<String, (String, bool, String)> = BTreeMap::new();
    for d in set.detectors() {
        for (i, ex) in d.examples.iter().enumerate() {
            let rel = format!("examples/{}/{i}.txt", d.id);
            dir.write(&rel, format!("{ex}\n"));
            // A detector with `report = false` recognises its examples (the lint checks that)
            // but never reports them.
            cases.insert(rel, (d.id.clone(), d.report, ex.clone()));
        }
        for (i, ex) in d.negative_examples.iter().enumerate() {
            let rel = format!("negatives/{}/{i}.txt", d.id);
            dir.write(&rel, format!("{ex}\n"));
            cases.insert(rel, (d.id.clone(), false, ex.clone()));
        }
    }
    let scan = scan_tree(&dir, "examples", &[]);
    scan.output.expect_code(0);
    let mut problems = Vec::new();
    for (rel, (id, positive, text)) in &cases {
        let found = scan.findings_for(rel).iter().any(|f| &f.detector == id);
        if found != *positive {
            problems.push(format!(
                "{id}: {} {text:?} ({rel})",
                if *positive {
                    "example not found"
                } else {
                    "negative example found"
                }
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "through the CLI:\n  {}",
        problems.join("\n  ")
    );
}

// ------------------------------------------------------------------------------------------
// --detectors DIR

/// A user detector of token kind "regex".
fn detector_toml(id: &str, regex: &str, example: &str, validator: Option<&str>) -> String {
    let validator = validator
        .map(|v| format!("validator = \"{v}\"\n"))
        .unwrap_or_default();
    format!(
        r#"id = "{id}"
category = "other"
description = "employee number (test detector)"
mask = {{ style = "ends", keep_start = 2, keep_end = 2 }}
context = ["工号"]
examples = ["{example}"]
negative_examples = ["EMP-12", "EMPLOYEE 123456"]

[[pattern]]
name = "EMP- and six digits"
token = "regex"
regex = '{regex}'
{validator}score = 0.9
"#
    )
}

fn expect_rejected(file: &str, toml: &str, id: Option<&str>) {
    let dir = Dir::new();
    dir.write("a.txt", "工号 EMP-654321 手机 13812345678\n");
    let defs = dir.out("detectors");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::write(defs.join(file), toml).unwrap();
    let out = pimap()
        .arg("scan")
        .arg(dir.root())
        .arg("--detectors")
        .arg(&defs)
        .args(["-q", "--findings", "-"])
        .run();
    let stderr = out.stderr_str();
    assert_eq!(
        out.code,
        Some(2),
        "{file}: broken detector accepted (exit {:?}); stderr:\n{stderr}",
        out.code
    );
    assert!(
        stderr.contains(file),
        "{file}: message does not name the file:\n{stderr}"
    );
    if let Some(id) = id {
        assert!(
            stderr.contains(id),
            "{file}: message does not name the id {id}:\n{stderr}"
        );
    }
    assert!(
        out.stdout.is_empty(),
        "{file}: findings written despite the usage error"
    );
}

#[test]
fn detectors_dir_example_not_found_exits_2() {
    expect_rejected(
        "no_match.toml",
        &detector_toml("emp_no_match", r"EMP-(\d{6})", "工号 E-123", None),
        Some("emp_no_match"),
    );
}

#[test]
fn detectors_dir_bad_regex_exits_2() {
    expect_rejected(
        "bad_regex.toml",
        &detector_toml("emp_bad_regex", r"EMP-(\d{6}", "工号 EMP-123456", None),
        Some("emp_bad_regex"),
    );
}

#[test]
fn detectors_dir_unknown_validator_exits_2() {
    expect_rejected(
        "bad_validator.toml",
        &detector_toml(
            "emp_bad_validator",
            r"EMP-(\d{6})",
            "工号 EMP-123456",
            Some("no_such_validator"),
        ),
        Some("emp_bad_validator"),
    );
}

#[test]
fn detectors_dir_neighbours_without_a_required_label_exits_2() {
    let toml = detector_toml("emp_neighbours", r"EMP-(\d{6})", "工号 EMP-123456", None)
        .replace("score = 0.9", "neighbours = true\nscore = 0.9");
    expect_rejected("neighbours.toml", &toml, Some("emp_neighbours"));
}

#[test]
fn detectors_dir_invalid_toml_exits_2() {
    expect_rejected("broken_syntax.toml", "id = \"unterminated\ncategory = ", None);
}

#[test]
fn detectors_dir_duplicate_builtin_id_exits_2() {
    expect_rejected(
        "dup.toml",
        &detector_toml("cn_mobile", r"EMP-(\d{6})", "工号 EMP-123456", None),
        Some("cn_mobile"),
    );
}

#[test]
fn detectors_dir_regex_detector_is_used() {
    let dir = Dir::new();
    dir.write("staff.txt", "员工工号 EMP-654321，手机 13812345678\n");
    let defs = dir.out("detectors");
    std::fs::create_dir_all(&defs).unwrap();
    std::fs::write(
        defs.join("employee_no.toml"),
        detector_toml("employee_no", r"EMP-(\d{6})", "工号 EMP-123456", None),
    )
    .unwrap();
    let defs_arg = defs.to_string_lossy().into_owned();
    let scan = scan_tree(&dir, "extra", &["--detectors", &defs_arg, "--reveal"]);
    scan.output.expect_code(0);
    let emp: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.detector == "employee_no")
        .collect();
    assert_eq!(emp.len(), 1, "{}", scan.describe());
    assert_eq!(emp[0].category, "other");
    assert_eq!(
        emp[0].value.as_deref(),
        Some("654321"),
        "capture group 1 is the value"
    );
    assert_eq!(emp[0].masked, "65**21");
    assert!(emp[0].confidence >= 0.5);
    // The built-ins still run beside it.
    assert!(scan.findings.iter().any(|f| f.detector == "cn_mobile"));
    assert_eq!(
        scan.inventory
            .file("staff.txt")
            .unwrap()
            .by_detector
            .get("employee_no"),
        Some(&1)
    );
    // And `pimap detectors` lists it.
    let list = pimap().arg("detectors").arg("--detectors").arg(&defs).run();
    list.expect_code(0);
    assert!(list.stdout_str().contains("employee_no"), "{}", list.stdout_str());
}

/// The code outside tests of one source file: what comes before its `#[cfg(test)]` module
/// (files that are test modules as a whole are left out).
fn code_outside_tests(path: &std::path::Path) -> Option<String> {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return None;
    }
    let text = std::fs::read_to_string(path).expect("read source");
    let mut end = text.len();
    let mut at = 0;
    while let Some(found) = text[at..].find("#[cfg(test)]\n") {
        let start = at + found;
        let next_line = text[start..].lines().nth(1).unwrap_or("");
        if next_line.contains("mod tests") {
            end = start;
            break;
        }
        at = start + 1;
    }
    Some(text[..end].to_string())
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Issue 14: a new detector is one file. What the engine, the inventory and the reports
/// need to know of a detector comes from its file, so no code outside tests names a
/// built-in detector. Ids that are also category names (`email`, `bank_card`) are the contract's
/// category there, and are not looked for.
#[test]
fn no_code_outside_tests_names_a_built_in_detector() {
    let set = DetectorSet::builtin();
    let ids: Vec<String> = set
        .detectors()
        .iter()
        .map(|d| d.id.clone())
        .filter(|id| !CATEGORIES.contains(&id.as_str()))
        .collect();
    assert!(ids.len() >= 7, "{ids:?}");
    let mut files = Vec::new();
    rust_files(&crate::util::manifest_dir().join("src"), &mut files);
    assert!(files.len() > 50);
    let mut named = Vec::new();
    for path in &files {
        let Some(code) = code_outside_tests(path) else {
            continue;
        };
        for id in &ids {
            if code.contains(&format!("\"{id}\"")) {
                named.push(format!("{} names \"{id}\"", path.display()));
            }
        }
    }
    assert!(named.is_empty(), "{}", named.join("\n"));
}

/// Data flows one way: the command line (`cli.rs`, dispatched by `lib.rs` and `main.rs`) uses
/// the domain modules, never the reverse.
#[test]
fn domain_code_does_not_import_command_line_types() {
    let src = crate::util::manifest_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let entry = ["cli.rs", "lib.rs", "main.rs"].map(|f| src.join(f));
    let importing: Vec<String> = files
        .iter()
        .filter(|path| !entry.contains(path))
        .filter(|path| {
            let code = std::fs::read_to_string(path).unwrap_or_default();
            code.contains("crate::cli") || code.contains("use super::cli")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(files.len() > 50);
    assert!(importing.is_empty(), "CLI types imported by: {importing:?}");
}
