//! cargo-fuzz target `pipeline`: text to object on the target the first byte picks, read back with `object` (body: `linkwise_fuzz::pipeline`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwise_fuzz::pipeline(data));
