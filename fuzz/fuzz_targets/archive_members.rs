//! Target `archive_members`: see `pimap_fuzz::archive_members` (fuzz/src/lib.rs) for what it drives and checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| pimap_fuzz::archive_members(input));
