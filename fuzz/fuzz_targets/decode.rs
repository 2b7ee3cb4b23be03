//! Target `decode`: see `pimap_fuzz::decode` (fuzz/src/lib.rs) for what it drives and checks.

#![no_main]

libfuzzer_sys::fuzz_target!(|input: &[u8]| pimap_fuzz::decode(input));
