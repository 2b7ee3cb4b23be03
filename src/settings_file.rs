//! Reading the files that configure a run: the key, the policy, detector definitions, an
//! inventory given to `--baseline`, `report`, `diff` or `locate`.
//!
//! Each has a size it can sensibly have, and each was read whole before, so `--policy
//! /dev/zero` or a runaway file exhausted memory (hostile M6). They are read up to a cap,
//! and a device is refused; a FIFO (`--baseline <(zcat old.json.gz)`) is read like a file.

use std::io::{self, Read};
use std::path::Path;

/// The fingerprint key: a secret of some bytes, not a document.
pub const KEY_CAP: u64 = 64 << 10;
/// A policy or a detector definition: a page of TOML.
pub const DEFINITION_CAP: u64 = 1 << 20;
/// A list of paths (`--files-from`): ten million paths of 100 bytes.
pub const LIST_CAP: u64 = 1 << 30;
/// An inventory: with `--fingerprints` about 2% of the data it describes (22 MB for 1 GiB).
pub const INVENTORY_CAP: u64 = 2 << 30;

/// The file's bytes, if it is no larger than `cap`.
pub fn read(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if is_device(&meta) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a device, not a file",
        ));
    }
    if meta.is_file() && meta.len() > cap {
        return Err(too_large(cap));
    }
    let mut bytes = Vec::with_capacity(if meta.is_file() { meta.len() as usize } else { 0 });
    std::fs::File::open(path)?.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// The file as UTF-8 text, if it is no larger than `cap`.
pub fn read_text(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read(path, cap)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "is not UTF-8 text"))
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("is larger than {} bytes, more than such a file can be", cap),
    )
}

#[cfg(unix)]
fn is_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device() || meta.file_type().is_block_device()
}

#[cfg(not(unix))]
fn is_device(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_cap_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.toml");
        std::fs::write(&small, "[[rule]]\n").unwrap();
        assert_eq!(read_text(&small, 100).unwrap(), "[[rule]]\n");
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 101]).unwrap();
        let e = read(&big, 100).unwrap_err();
        assert!(e.to_string().contains("larger than 100 bytes"), "{e}");
        std::fs::write(&big, [0xff, 0xfe]).unwrap();
        assert!(read_text(&big, 100).is_err());
    }

    /// A FIFO that never ends (what /dev/zero is to a reader) stops at the cap.
    #[cfg(unix)]
    #[test]
    fn an_endless_fifo_stops_at_the_cap() {
        use std::io::Write;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("endless");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
            let block = [0u8; 4096];
            // Ends when the reader has gone (broken pipe), or after 64 MiB at the most.
            for _ in 0..16_384 {
                if w.write_all(&block).is_err() {
                    break;
                }
            }
        });
        let e = read(&fifo, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        writer.join().unwrap();
    }
}
