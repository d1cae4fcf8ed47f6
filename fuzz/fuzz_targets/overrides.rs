//! `--set` overrides on scenarios/default.toml: the input is split into up to 8
//! `KEY=VALUE` strings (at newlines, or at NUL bytes when it has no newline), each parsed by
//! `Override::parse` as the command line does; the valid ones are applied to the default
//! scenario. Validation must never panic, and an accepted scenario must run (clamped) without
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

const DEFAULT: &[u8] = include_bytes!("../../scenarios/default.toml");
const OVERRIDES_MAX: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sep = if text.contains('\n') { '\n' } else { '\0' };
    let overrides: Vec<cwsim::scenario::Override> =
        text.split(sep).take(OVERRIDES_MAX).filter_map(|s| cwsim::scenario::Override::parse(s).ok()).collect();
    if let Ok(s) = cwsim::scenario::parse_with("default.toml", "default", DEFAULT, &overrides) {
        common::run_clamped(s);
    }
});
