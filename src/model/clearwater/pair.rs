//! A pair of subscribers running Clearwater's stress script, and where it is in it.

/// A pair of subscribers running Clearwater's stress script.
#[derive(Copy, Clone, Debug)]
pub struct Pair {
    pub step: PairScript,
    pub gen: u32,
    /// Pause after the current call (the 270 s budget minus the pre-call delay).
    pub post_call: crate::engine::SimDuration,
}

/// Where a pair is in the stress script [src sprout: sip-stress.xml]: register A, register B,
/// then either pause or place a call, then loop.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PairScript {
    Start,
    RegisteringA,
    RegisteringB,
    Pausing,
    PreCall,
    InCall,
    PostCall,
}
