//! Arbitrary bytes as a scenario file: validation must never panic, and a scenario it
//! accepts must run (clamped to 20 000 events per replication) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = cwsim::scenario::parse_with("fuzz.toml", "fuzz", data, &[]) {
        common::run_clamped(s);
    }
});
