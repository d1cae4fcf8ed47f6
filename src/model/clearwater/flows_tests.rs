//! The message-flow programs against the counts CLEARWATER_FACTS.md lists.

use super::*;
use crate::model::clearwater::deregister as D;
use crate::model::clearwater::program::Program;

fn count(steps: &[Step], f: impl Fn(&Step) -> bool) -> usize {
    steps.iter().filter(|s| f(s)).count()
}

#[test]
fn gr_programs_repeat_each_bindings_write_and_its_get_remotely() {
    // CLEARWATER_FACTS.md: "In GR every bindings write (and its preceding get) is repeated
    // against the remote site's memcached."
    for (single, gr) in [
        (REGISTER_AUTH_INITIAL, REGISTER_AUTH_INITIAL_GR),
        (REGISTER_AUTH_REFRESH, REGISTER_AUTH_REFRESH_GR),
        (REGISTER_UNCHALLENGED_REFRESH, REGISTER_UNCHALLENGED_REFRESH_GR),
        (REGISTER_UNCHALLENGED_INITIAL, REGISTER_UNCHALLENGED_INITIAL_GR),
        (BINDING_EXPIRY, BINDING_EXPIRY_GR),
        (D::DEREGISTER_AUTH, D::DEREGISTER_AUTH_GR),
        (D::DEREGISTER_AUTH_KEEP_TIMER, D::DEREGISTER_AUTH_KEEP_TIMER_GR),
        (D::DEREGISTER_UNCHALLENGED, D::DEREGISTER_UNCHALLENGED_GR),
    ] {
        let writes = count(single, |s| matches!(s, Step::Mc(op, K::Bindings) if op.is_write()));
        let remote = count(gr, |s| matches!(s, Step::Mc(_, K::RemoteBindings)));
        assert_eq!(writes, 1);
        assert_eq!(remote, 2, "one get and one write");
        assert_eq!(gr.len(), single.len() + 2);
    }
}

#[test]
fn the_documented_era_keeps_the_challenge_timer_and_reads_the_av_when_it_pops() {
    // Each documented-era program is its later counterpart without the challenge
    // timer's DELETE; the pop then costs one memcached GET of the AV record. Per
    // registration: 3 Chronos operations later (POST, DELETE, binding timer), 2 in the
    // documented era; memcached 6 (initial) or 7 (refresh) later, one more documented.
    let del = Step::Chronos(ChronosOp::Delete, TimerKind::Challenge);
    for (later, kept) in [
        (Program::RegisterAuthInitial, Program::RegisterAuthInitialKeepTimer),
        (Program::RegisterAuthRefresh, Program::RegisterAuthRefreshKeepTimer),
        (Program::RegisterAuthInitialGr, Program::RegisterAuthInitialKeepTimerGr),
        (Program::RegisterAuthRefreshGr, Program::RegisterAuthRefreshKeepTimerGr),
        (Program::DeregisterAuth, Program::DeregisterAuthKeepTimer),
        (Program::DeregisterAuthGr, Program::DeregisterAuthKeepTimerGr),
    ] {
        let without: Vec<Step> = later.steps().iter().copied().filter(|s| *s != del).collect();
        assert_eq!(without, kept.steps(), "{later:?}");
        assert_eq!(later.keeping_challenge_timer(), kept);
        assert_eq!(later.gr().keeping_challenge_timer(), kept.gr());
    }
    let ch = |s: &Step| matches!(s, Step::Chronos(..));
    let mc = |s: &Step| matches!(s, Step::Mc(..));
    for (second, mc_ops) in [(REGISTER_AUTH_INITIAL_KEEP_TIMER, 7), (REGISTER_AUTH_REFRESH_KEEP_TIMER, 8)] {
        assert_eq!(count(REGISTER_CHALLENGE, ch) + count(second, ch), 2);
        assert_eq!(count(REGISTER_CHALLENGE, mc) + count(second, mc) + count(AUTH_TIMEOUT, mc), mc_ops);
    }
}

#[test]
fn registration_programs_match_the_documented_counts() {
    // CLEARWATER_FACTS.md: an initial registration makes 4 Homestead requests, 6 memcached
    // operations and 3 Chronos operations; a re-registration 7 memcached operations.
    let http = |s: &Step| matches!(s, Step::Http(_));
    let mc = |s: &Step| matches!(s, Step::Mc(..));
    let ch = |s: &Step| matches!(s, Step::Chronos(..));
    for (second, mc_ops) in [(REGISTER_AUTH_INITIAL, 6), (REGISTER_AUTH_REFRESH, 7)] {
        assert_eq!(count(REGISTER_CHALLENGE, http) + count(second, http), 4);
        assert_eq!(count(REGISTER_CHALLENGE, mc) + count(second, mc), mc_ops);
        assert_eq!(count(REGISTER_CHALLENGE, ch) + count(second, ch), 3);
    }
}

#[test]
fn a_deregistration_removes_the_binding_deletes_its_timer_and_tells_the_hss() {
    // Registrar on expiry 0 [src sprout: registrarsproutlet.cpp]: the AoR written back
    // (get + CAS), the binding timer deleted, one SAR dereg-user, no SAR reg; with
    // credentials, the AV consumed as for any authenticated REGISTER.
    for p in [Program::DeregisterAuth, Program::DeregisterUnchallenged] {
        let s = p.steps();
        assert!(p.is_register());
        assert_eq!(count(s, |x| *x == Step::Http(HttpOp::SarDereg)), 1, "{p:?}");
        assert_eq!(count(s, |x| *x == Step::Http(HttpOp::Sar)), 0, "{p:?}");
        assert_eq!(count(s, |x| *x == Step::Chronos(ChronosOp::Delete, TimerKind::Binding)), 1, "{p:?}");
        assert_eq!(count(s, |x| matches!(x, Step::Mc(McOp::Cas, K::Bindings))), 1, "{p:?}");
    }
    let av = |s: &Step| matches!(s, Step::Mc(_, K::Av));
    assert_eq!(count(Program::DeregisterAuth.steps(), av), count(REGISTER_AUTH_REFRESH, av));
    assert_eq!(count(Program::DeregisterUnchallenged.steps(), av), 0);
}
