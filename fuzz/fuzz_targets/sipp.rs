//! Arbitrary bytes as a SIPp XML scenario through `cwsim::sipp::compile`: compilation must
//! never panic, whatever the input (not XML, not UTF-8, deep nesting, stray brackets).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = ["home_domain".to_string()];
    if let Ok(script) = cwsim::sipp::compile("fuzz.xml", data, &keys) {
        // A compiled script is internally consistent: every jump lands on a step or the end.
        for step in &script.steps {
            for target in [step.common.next, step.common.ontimeout].into_iter().flatten() {
                assert!(target <= script.steps.len());
            }
        }
    }
});
