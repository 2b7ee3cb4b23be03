//! SQLite database files: every table and column, opened read-only and immutable.
//! (Stub: being written.)

use super::{FileFacts, Record};
use std::path::Path;

/// Reads a SQLite database file on disk.
pub fn read_path(_path: &Path, _emit: &mut dyn FnMut(Record<'_>)) -> Result<FileFacts, String> {
    Err("SQLite files are not read yet".into())
}

/// Reads a SQLite database held in memory (a member of an archive).
pub fn read_bytes(_bytes: Vec<u8>, _emit: &mut dyn FnMut(Record<'_>)) -> Result<FileFacts, String> {
    Err("SQLite files are not read yet".into())
}
