//! Fixtures that state their own answers (tokei's `tests/data`): every
//! `fixtures/<format>/<case>.<ext>.expect.jsonl` lists the findings a scan of
//! `fixtures/<format>/<case>.<ext>` must print. The expectations come from
//! `fixtures/generate.py`, which computes them from what it planted, not from pimap's output.
//!
//! A new fixture is a new case here with nothing to register. The one test runs them all and
//! reports every mismatch at once.

use crate::util::{manifest_dir, parse_findings, pimap, Finding};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of an `.expect.jsonl` file.
#[derive(Debug, Deserialize)]
struct Expected {
    detector: String,
    category: String,
    location: BTreeMap<String, Value>,
    masked: String,
}

impl Expected {
    /// Does `f` match? Every location field stated here must be equal; fields the
    /// expectation does not state (additions such as an NDJSON `line`) are not compared.
    fn matches(&self, f: &Finding) -> bool {
        f.detector == self.detector
            && f.category == self.category
            && f.masked == self.masked
            && self.location.iter().all(|(k, v)| f.location.get(k) == Some(v))
    }
}

fn show_expected(e: &Expected) -> String {
    format!(
        "{} {} {} {}",
        e.detector,
        e.category,
        serde_json::to_string(&e.location).unwrap(),
        e.masked
    )
}

fn show_finding(f: &Finding) -> String {
    format!(
        "{} {} {} {} (confidence {})",
        f.detector,
        f.category,
        serde_json::to_string(&f.location).unwrap(),
        f.masked,
        f.confidence
    )
}

/// Every `*.expect.jsonl` under `dir`, sorted.
fn expectation_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read fixtures dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            expectation_files(&path, out);
        } else if path.to_string_lossy().ends_with(".expect.jsonl") {
            out.push(path);
        }
    }
    out.sort();
}

/// Checks one fixture; returns its problems.
fn check_fixture(expect_path: &Path) -> Vec<String> {
    let root = manifest_dir();
    let fixture = PathBuf::from(expect_path.to_string_lossy().trim_end_matches(".expect.jsonl"));
    let rel = fixture
        .strip_prefix(&root)
        .expect("fixture under the crate")
        .to_string_lossy()
        .into_owned();
    if !fixture.is_file() {
        return vec![format!("{rel}: fixture file missing")];
    }
    let expected: Vec<Expected> = std::fs::read_to_string(expect_path)
        .expect("read expectations")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{rel}.expect.jsonl: {e}: {l}")))
        .collect();
    let out = pimap()
        .current_dir(&root)
        .args(["scan", &rel, "--findings", "-", "-q"])
        .run();
    let mut problems = Vec::new();
    if out.code != Some(0) {
        problems.push(format!(
            "exit status {:?} (expected 0); stderr: {}",
            out.code,
            out.stderr_str().trim()
        ));
    }
    let actual: Vec<Finding> = parse_findings(&out.stdout_str());
    for f in &actual {
        if f.path != rel {
            problems.push(format!("path {:?}, expected {rel:?}", f.path));
        }
        if f.confidence < 0.5 {
            problems.push(format!("confidence below 0.5: {}", show_finding(f)));
        }
        if f.value.is_some() {
            problems.push(format!("raw value without --reveal: {}", show_finding(f)));
        }
    }
    // Multiset matching: each expectation consumes one matching finding.
    let mut used = vec![false; actual.len()];
    for e in &expected {
        match (0..actual.len()).find(|&i| !used[i] && e.matches(&actual[i])) {
            Some(i) => used[i] = true,
            None => problems.push(format!("missing:    {}", show_expected(e))),
        }
    }
    for (f, used) in actual.iter().zip(&used) {
        if !used {
            problems.push(format!("unexpected: {}", show_finding(f)));
        }
    }
    problems.into_iter().map(|p| format!("{rel}: {p}")).collect()
}

#[test]
fn fixtures_match_their_expectations() {
    let mut files = Vec::new();
    expectation_files(&manifest_dir().join("fixtures"), &mut files);
    assert!(
        files.len() >= 15,
        "only {} fixtures found; run python3 fixtures/generate.py",
        files.len()
    );
    let mut problems = Vec::new();
    for f in &files {
        problems.extend(check_fixture(f));
    }
    assert!(
        problems.is_empty(),
        "{} fixture mismatches in {} fixtures (regenerate with python3 fixtures/generate.py \
         only if the generator changed):\n{}",
        problems.len(),
        files.len(),
        problems.join("\n")
    );
}

#[test]
fn every_fixture_has_an_expectation() {
    let root = manifest_dir().join("fixtures");
    let mut orphans = Vec::new();
    let mut formats = 0;
    for entry in std::fs::read_dir(&root).expect("fixtures dir") {
        let dir = entry.expect("entry").path();
        // `identity/` has a truth file of its own (tests/identity_documents.rs).
        if !dir.is_dir() || dir.ends_with("identity") {
            continue;
        }
        formats += 1;
        for file in std::fs::read_dir(&dir).expect("format dir") {
            let path = file.expect("entry").path();
            let name = path.to_string_lossy().into_owned();
            if !name.ends_with(".expect.jsonl") && !Path::new(&format!("{name}.expect.jsonl")).is_file() {
                orphans.push(name);
            }
        }
    }
    assert!(
        formats >= 5,
        "expected text, csv, json, ndjson and sql fixture folders"
    );
    assert!(orphans.is_empty(), "fixtures without .expect.jsonl: {orphans:?}");
}
