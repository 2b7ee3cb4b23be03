//! Embeds every `detectors/*.toml` into the binary, so adding a detector is adding one file.
//!
//! Writes `$OUT_DIR/builtin_detectors.rs`: a sorted `&[(file name, contents)]` list of
//! `include_str!`s. Sorting keeps the built-in order (and so the output) stable across machines.

use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("detectors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("detectors/ directory")
        .map(|e| e.expect("readable detectors/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push(']');
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("builtin_detectors.rs");
    fs::write(dest, out).expect("write builtin_detectors.rs");
}
