//! cargo-fuzz target `check`: parse and check (body: `linkwise_fuzz::check`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwise_fuzz::check(data));
