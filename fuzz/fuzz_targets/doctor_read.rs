//! cargo-fuzz target `doctor_read`: doctor's readers on bytes as an object, archive or import member (body: `linkwise_fuzz::doctor_read`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwise_fuzz::doctor_read(data));
