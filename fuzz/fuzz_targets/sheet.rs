//! Target `sheet`: see `pimap_fuzz::sheet` (fuzz/src/lib.rs) for what it drives and checks.
//!
//! calamine panics on some malformed files; pimap catches them (`SheetError::Panicked`), so
//! this target replaces libfuzzer-sys's abort-on-panic hook with one that does not abort
//! (and is silent for panics in calamine's code): a panic caught inside `read` is not a
//! finding, one that escapes it still aborts (libfuzzer-sys aborts when the target unwinds).
//! calamine's out-of-memory aborts on hostile xls/ods are known (the product reads
//! workbooks in an isolated child process); `tools/fuzz.sh` runs this target in fork mode
//! with `-ignore_ooms=1` so it keeps going (see README.md).

#![no_main]

use std::sync::Once;

static PANIC_HOOK: Once = Once::new();

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    PANIC_HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info.location().is_some_and(|l| l.file().contains("calamine"));
            if !in_calamine {
                default(info);
            }
        }))
    });
    pimap_fuzz::sheet(input)
});
