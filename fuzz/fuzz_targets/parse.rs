//! cargo-fuzz target `parse`: text to syntax tree and back through the printer (body: `linkwise_fuzz::parse`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwise_fuzz::parse(data));
