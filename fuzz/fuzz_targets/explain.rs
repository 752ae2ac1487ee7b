//! cargo-fuzz target `explain`: `linkwise explain`'s report of a module that compiles (body: `linkwise_fuzz::explain`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwise_fuzz::explain(data));
