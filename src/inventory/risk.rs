//! A file's risk score (stub: filled in by the risk/policy work).

use super::{FileEntry, Risk};
use std::time::SystemTime;

/// The risk of one file at `now`; None for a file without findings.
pub fn assess(file: &FileEntry, now: SystemTime) -> Option<Risk> {
    let _ = (file, now);
    None
}
