//! Target `sql_walk`: see `pimap_fuzz::sql_walk` (fuzz/src/lib.rs) for what it drives and checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| pimap_fuzz::sql_walk(input));
