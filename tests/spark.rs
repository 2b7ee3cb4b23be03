//! The Spark job (`deploy/spark/pimap_spark.py`) in local mode: `deploy/spark/test-local.sh`
//! runs it with `local[2]` and 3 shards on the dev corpus and the one-process scan with the
//! same key, and compares the two inventories with `inventory_equal.py`; then the same for a
//! refresh (each task against its own part of the first run, the merge against the first
//! merged inventory). This test runs the script with the binary under test, then checks the
//! first outputs itself as well: the merged inventory equals the one-process one apart from
//! run timings, and the three parts really split the files between them (a job that let one
//! task scan everything would pass the comparison alone).
//!
//! Needs Java and the pinned pyspark venv (`target/spark-venv`, or `PIMAP_SPARK_VENV`); the
//! script installs it when missing, which the first time builds pyspark's 317 MB sdist, so
//! `.ci/run` does that as its own step first.

use crate::util::{manifest_dir, strip_first_seen, Dir, BIN};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

/// For the whole script, venv install included: coreutils `timeout` kills its process group
/// (Spark's JVM and Python workers with it).
const TIMEOUT_SECONDS: &str = "900";

const SHARDS: usize = 3;

#[test]
fn spark_local_job_merges_to_the_one_process_inventory() {
    let dir = Dir::new();
    let work = dir.out("spark");
    let corpus = manifest_dir().join("../shared/eval-dev/corpus");
    assert!(corpus.is_dir(), "no dev corpus at {}", corpus.display());

    let output = Command::new("timeout")
        .args(["-k", "30", TIMEOUT_SECONDS, "bash"])
        .arg(manifest_dir().join("deploy/spark/test-local.sh"))
        .arg(BIN)
        .arg(&corpus)
        .arg(&work)
        // A key in the developer's environment must not matter: the script sets its own.
        .env_remove("PIMAP_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run bash deploy/spark/test-local.sh under timeout");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "deploy/spark/test-local.sh exited with {} (124: timed out after {TIMEOUT_SECONDS} s)\n\
         stdout:\n{stdout}\nstderr (last 60 lines):\n{}",
        output.status,
        tail(&stderr, 60)
    );
    // One line for the first scan, one for the refresh.
    assert_eq!(
        stdout.matches("inventories are equal").count(),
        2,
        "test-local.sh succeeded without saying both pairs of inventories are equal:\n{stdout}"
    );

    // The same comparison, independently of inventory_equal.py.
    let merged = without_timings(read_json(&work.join("merged.json")));
    let one = without_timings(read_json(&work.join("one.json")));
    if let Some(difference) = first_difference(&merged, &one, "$") {
        panic!("merged inventory differs from the one-process inventory: {difference}");
    }

    // The parts split the files: each merged file in exactly one part, and more than one
    // part holding files.
    let merged_files = file_paths(&merged);
    assert!(
        merged_files.len() >= SHARDS,
        "the corpus has too few files to shard"
    );
    let mut seen = BTreeSet::new();
    let mut parts_with_files = 0;
    for k in 1..=SHARDS {
        let path = work.join(format!("parts/part-{k}-of-{SHARDS}.json"));
        let part = read_json(&path);
        assert!(
            part.get("part").is_some_and(Value::is_object),
            "{} has no part object",
            path.display()
        );
        let files = file_paths(&part);
        if !files.is_empty() {
            parts_with_files += 1;
        }
        for file in files {
            assert!(seen.insert(file.clone()), "{file} is in two parts");
        }
        #[cfg(unix)]
        assert_eq!(
            crate::util::mode(&path),
            0o600,
            "{} is not private",
            path.display()
        );
    }
    assert_eq!(
        seen, merged_files,
        "the parts' files are not the merged inventory's"
    );
    assert!(
        parts_with_files > 1,
        "one part held every file: the job did not shard the scan"
    );
}

fn read_json(path: &Path) -> Value {
    crate::util::read_inventory_json(path)
}

/// The inventory without what differs between any two runs.
fn without_timings(mut inventory: Value) -> Value {
    let object = inventory.as_object_mut().expect("inventory is an object");
    object.remove("scanned_at").expect("scanned_at");
    object
        .get_mut("totals")
        .and_then(Value::as_object_mut)
        .expect("totals")
        .remove("elapsed_seconds")
        .expect("totals.elapsed_seconds");
    strip_first_seen(&mut inventory);
    inventory
}

/// Where `a` and `b` first differ, as a JSON path with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(v), Some(w)) => first_difference(v, w, &format!("{path}.{k}")),
                (v, w) => Some(format!("{path}.{k}: {v:?} vs {w:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]")))
            .or_else(|| (x.len() != y.len()).then(|| format!("{path}: {} vs {} elements", x.len(), y.len()))),
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

fn file_paths(inventory: &Value) -> BTreeSet<String> {
    inventory["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("files[].path").to_owned())
        .collect()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
