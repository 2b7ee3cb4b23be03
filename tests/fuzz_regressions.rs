//! Fuzz regressions (issue 10): every input the fuzz targets (`fuzz/`, `tools/fuzz.sh`) found
//! a crash or hang with is kept in `tests/fixtures/fuzz/<target>/` and runs here on stable:
//! - through the target's own code (`fuzz/src/lib.rs`, included below: the same entry
//!   points and checks the fuzzer ran), with a time limit;
//! - through the binary, as a file of a scanned tree named for its format (`pimap scan`),
//!   or as the policy (`scan --policy`) or inventory (`report`, `diff`) it is: the run must
//!   end with a status of the contract, and a scan must record no `internal` error.
//!
//! Adding one: copy the crash file (`fuzz/artifacts/<target>/crash-...`) into
//! `tests/fixtures/fuzz/<target>/` under a name that says what it is; see fuzz/README.md.

use crate::util::{manifest_dir, parse_inventory, pimap, Dir};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

/// How long one saved input may take through its target (the fuzzer's limit is 10 s with
/// sanitizers; a test build is slower than the fuzz build, and machines are shared).
const LIMIT: Duration = Duration::from_secs(60);

/// The saved inputs of `target`, sorted.
fn saved(target: &str) -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/fixtures/fuzz").join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .map(|e| e.expect("fixture entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

#[test]
fn fuzz_fixture_folders_are_targets() {
    let root = manifest_dir().join("tests/fixtures/fuzz");
    for entry in std::fs::read_dir(&root).expect("tests/fixtures/fuzz") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            name == "README.md" || harness::TARGETS.iter().any(|(t, _)| *t == name),
            "tests/fixtures/fuzz/{name} is not a fuzz target's folder"
        );
    }
}

#[test]
fn fuzz_inputs_pass_their_targets() {
    for (target, run) in harness::TARGETS {
        for path in saved(target) {
            let input = std::fs::read(&path).expect("read fixture");
            let shown = path.display().to_string();
            let (done, wait) = mpsc::channel();
            // A thread per input: a panic names the input, a hang fails instead of blocking.
            std::thread::Builder::new()
                .name(format!("fuzz {target}"))
                .spawn(move || {
                    let outcome = std::panic::catch_unwind(|| run(&input));
                    let _ = done.send(outcome.is_ok());
                })
                .expect("spawn");
            match wait.recv_timeout(LIMIT) {
                Ok(true) => {}
                Ok(false) => panic!("{shown}: the {target} target panicked (message above)"),
                Err(_) => panic!("{shown}: the {target} target did not finish within {LIMIT:?}"),
            }
        }
    }
}

/// The file name a saved input of a format target gets in a scanned tree, and its content
/// (the selector byte stripped, as the target reads it).
fn as_files(target: &str, input: &[u8]) -> Vec<(String, Vec<u8>)> {
    let Some((&selector, data)) = input.split_first() else {
        return Vec::new();
    };
    let one = |name: &str| vec![(name.to_string(), data.to_vec())];
    match target {
        "json_walk" => vec![
            ("input.json".into(), data.to_vec()),
            ("input.ndjson".into(), data.to_vec()),
        ],
        "sql_walk" => one("input.sql"),
        "delimited" => one("input.csv"),
        "decode" => one("input.txt"),
        "archive_members" => {
            one(["input.zip", "input.gz", "input.tar", "input.tgz"][usize::from(selector & 3)])
        }
        "sheet" => one(["input.xlsx", "input.xlsb", "input.xls", "input.ods"][usize::from(selector & 3)]),
        "claim" => {
            let (name, head) = match input.iter().position(|&b| b == 0) {
                Some(nul) if nul <= 255 => (&input[..nul], &input[nul + 1..]),
                _ => (&b"file"[..], input),
            };
            // A name usable as one file name in the tree (the target reads it as a path).
            let name: String = String::from_utf8_lossy(name)
                .chars()
                .map(|c| {
                    if c == '/' || c == '\\' || c.is_control() {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            // At most 200 bytes (replacement characters make a lossy name longer).
            let mut end = name.len().min(200);
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            let name = match name[..end].trim_matches('.') {
                "" => "file".to_string(),
                _ => name[..end].to_string(),
            };
            vec![(name, head.to_vec())]
        }
        _ => Vec::new(),
    }
}

#[test]
fn fuzz_inputs_scan_through_the_binary() {
    for (target, _) in harness::TARGETS {
        for path in saved(target) {
            let input = std::fs::read(&path).expect("read fixture");
            let files = as_files(target, &input);
            if files.is_empty() {
                continue;
            }
            let dir = Dir::new();
            for (name, data) in &files {
                dir.write(name, data);
            }
            let out = dir.out("inventory.json");
            let run = pimap()
                .arg("scan")
                .arg(dir.root())
                .arg("-q")
                .arg("-o")
                .arg(&out)
                .run();
            let shown = path.display();
            assert!(
                matches!(run.code, Some(0 | 1)),
                "{shown}: pimap scan exited with {:?}\n{}",
                run.code,
                run.stderr_str()
            );
            let inventory = parse_inventory(&std::fs::read_to_string(&out).expect("inventory written"));
            for (name, _) in &files {
                assert!(
                    inventory.mentions(name),
                    "{shown}: {name} is not in the inventory"
                );
            }
            let internal: Vec<_> = inventory
                .errors
                .iter()
                .filter(|e| e.kind.as_deref() == Some("internal"))
                .collect();
            assert!(internal.is_empty(), "{shown}: internal errors {internal:?}");
        }
    }
}

#[test]
fn fuzz_policies_and_inventories_through_the_binary() {
    for path in saved("policy") {
        let dir = Dir::new();
        dir.write("notes.txt", "call 13812345678\n");
        let run = pimap()
            .arg("scan")
            .arg(dir.root())
            .arg("-q")
            .arg("--policy")
            .arg(&path)
            .arg("-o")
            .arg(dir.out("inventory.json"))
            .run();
        // 0: a valid policy; 2: one refused with a message.
        assert!(
            matches!(run.code, Some(0 | 2)),
            "{}: exit {:?}\n{}",
            path.display(),
            run.code,
            run.stderr_str()
        );
    }
    for path in saved("inventory") {
        let input = std::fs::read(&path).expect("read fixture");
        let dir = Dir::new();
        let (old, new) = match input.iter().position(|&b| b == 0) {
            Some(nul) => (&input[..nul], &input[nul + 1..]),
            None => (&input[..], &input[..]),
        };
        let old_path = dir.out("old.json");
        let new_path = dir.out("new.json");
        std::fs::write(&old_path, old).expect("write");
        std::fs::write(&new_path, new).expect("write");
        let runs = [
            pimap().arg("diff").arg(&old_path).arg(&new_path).run(),
            pimap()
                .arg("report")
                .arg(&new_path)
                .args(["--format", "md"])
                .run(),
        ];
        for run in runs {
            assert!(
                matches!(run.code, Some(0 | 2)),
                "{}: pimap {:?} exited with {:?}\n{}",
                path.display(),
                run.args,
                run.code,
                run.stderr_str()
            );
        }
    }
}
