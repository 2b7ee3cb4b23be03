//! The JSON Schemas of `docs/schema/`, compiled once per test binary, and the checks that every
//! output the tests read goes through (`util` calls them when it parses an inventory, a
//! findings line or a `diff --json` output). A field the code writes that the schema does not
//! know, a required field it stops writing, a value of the wrong type or format: each fails the
//! test that saw it, with every error and where it is, so the schema cannot drift from the code.

#![allow(dead_code)]

use serde_json::Value;
use std::sync::LazyLock;

/// One schema, compiled.
pub struct Checker {
    /// The file's name under `docs/schema/`, for messages.
    file: &'static str,
    validator: jsonschema::Validator,
}

fn compile(file: &'static str, text: &str) -> Checker {
    let schema: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("docs/schema/{file} is not JSON: {e}"));
    // Draft 2020-12 only annotates `format` unless told to assert it: date-times and dates are
    // part of what the schemas promise.
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("docs/schema/{file} does not compile: {e}"));
    Checker { file, validator }
}

pub static INVENTORY: LazyLock<Checker> = LazyLock::new(|| {
    compile(
        "inventory.schema.json",
        include_str!("../docs/schema/inventory.schema.json"),
    )
});

pub static FINDINGS: LazyLock<Checker> = LazyLock::new(|| {
    compile(
        "findings.schema.json",
        include_str!("../docs/schema/findings.schema.json"),
    )
});

pub static DIFF: LazyLock<Checker> = LazyLock::new(|| {
    compile(
        "diff.schema.json",
        include_str!("../docs/schema/diff.schema.json"),
    )
});

/// A message longer than this is cut: some quote the whole instance (an inventory's entry).
const MESSAGE_MAX: usize = 300;

impl Checker {
    /// Every validation error of `instance`, one per line: `/files/3/columns/0: message`.
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        self.validator
            .iter_errors(instance)
            .map(|e| {
                let path = e.instance_path().to_string();
                let path = if path.is_empty() { "/".to_string() } else { path };
                let mut message = e.to_string();
                if message.len() > MESSAGE_MAX {
                    let mut cut = MESSAGE_MAX;
                    while !message.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    message.truncate(cut);
                    message.push('…');
                }
                format!("{path}: {message}")
            })
            .collect()
    }

    /// Panics, listing every error, unless `instance` matches the schema. `what` says which
    /// output it is (a file, a command line).
    #[track_caller]
    pub fn check(&self, instance: &Value, what: &str) {
        let errors = self.errors(instance);
        if !errors.is_empty() {
            panic!(
                "{what} does not match docs/schema/{} ({} errors):\n  {}\n\
                 If the code is right, update the schema (additively) and the docs.",
                self.file,
                errors.len(),
                errors.join("\n  ")
            );
        }
    }
}

/// Checks an inventory (`scan -o`, `merge -o`) given as JSON text; returns it parsed.
#[track_caller]
pub fn inventory(text: &str, what: &str) -> Value {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not an inventory ({e}):\n{text}"));
    INVENTORY.check(&value, what);
    value
}

/// Checks an inventory already parsed.
#[track_caller]
pub fn inventory_value(value: &Value, what: &str) {
    INVENTORY.check(value, what);
}

/// Checks every non-empty line of a findings file (JSON Lines) as one finding.
#[track_caller]
pub fn findings(text: &str, what: &str) {
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{what}, line {}: not JSON ({e}): {line}", n + 1));
        FINDINGS.check(&value, &format!("{what}, line {}", n + 1));
    }
}

/// Checks the output of `pimap diff --json`; returns it parsed.
#[track_caller]
pub fn diff(text: &str, what: &str) -> Value {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{text}"));
    DIFF.check(&value, what);
    value
}
