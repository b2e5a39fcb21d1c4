#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gateway_doctor_fuzz::doctor::retry_after(data));
