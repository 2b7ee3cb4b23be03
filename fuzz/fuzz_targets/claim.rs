//! Target `claim`: see `pimap_fuzz::claim` (fuzz/src/lib.rs) for what it drives and checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| pimap_fuzz::claim(input));
