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
    build_digest();
}

/// `PIMAP_BUILD_DIGEST`: a hash of the scanner's code and data. `scan --baseline` reuses a
/// file's earlier results only under the same digest, so a build that finds things
/// differently never carries over what an older one found.
fn build_digest() {
    use std::hash::Hasher;
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut files = Vec::new();
    for dir in ["src", "detectors", "data"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
        collect(&root.join(dir), &mut files);
    }
    files.sort();
    // SipHash with fixed keys: deterministic, and collisions are not a threat here.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    for path in &files {
        hasher.write(
            path.strip_prefix(&root)
                .unwrap_or(path)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.write(&fs::read(path).unwrap_or_default());
    }
    println!("cargo:rustc-env=PIMAP_BUILD_DIGEST={:016x}", hasher.finish());
}

fn collect(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
