//! MMTEL: the application server in Sprout fetches each party's service settings from
//! Homer, and a call goes on without services when it cannot.

use cwsim::model::clearwater::{FailCause, HttpOp, ReqType};

use crate::faults::run1;

fn site(homer: &str, extra: &str) -> String {
    site_bhca(homer, extra, 1.3)
}

fn site_bhca(homer: &str, extra: &str, bhca: f64) -> String {
    format!(
        "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\n[sip]\nreg_max_expires = \"1h\"\n{extra}\
         [[site]]\nname = \"a\"\nbono = {{ nodes = 0 }}\nsprout = {{ nodes = 1, cores = 2 }}\nhomestead = {{ nodes = 1, cores = 2 }}\nhomer = {homer}\n\
         [load]\nprofile = \"core-only\"\nsubscribers = 20000\nbhca = {bhca}\n"
    )
}

#[test]
fn every_call_fetches_the_callers_and_the_callees_simservs() {
    // The MMTEL iFC has no session-case condition [doc 8.23.3]: MMTEL runs for the caller
    // (originating) and for the callee (terminating), each fetching that party's simservs
    // document: exactly 2 Homer requests per INVITE Sprout routes, and none for the
    // in-dialog requests.
    let r = run1(&site("{ nodes = 1 }", ""));
    let invites = r.ops.http_op(HttpOp::Lir); // one LIR per routed INVITE
    assert!(invites > 3000, "{invites} calls");
    assert_eq!(r.ops.http_op(HttpOp::Simservs), 2 * invites);
}

#[test]
fn a_call_goes_on_without_services_when_homer_cannot_answer() {
    // The only Homer dies silently for good at 5 min. Each fetch then waits out the HTTP
    // timeout on both attempts and fails; MMTEL carries on with no service enabled
    // [src sprout: mmtel.cpp], so calls still connect — each later by the two fetches'
    // timeouts. No INVITE fails because of Homer.
    let r = run1(&site(
        "{ nodes = 1 }",
        "[[fault]]\nat = \"5m\"\nkind = \"node-crash\"\nsite = \"a\"\ntier = \"homer\"\nindex = 0\nmode = \"silent\"\n",
    ));
    let setup = &r.req[ReqType::InviteSetup];
    assert!(setup.counts.ok > 3000);
    assert_eq!(setup.counts.failed.iter().sum::<u64>(), 0, "{:?}", setup.counts.failed);
    // After the first timeout each Sprout connects anew and gives up after the 50 ms
    // connect timeout (http_connect_timeout_local) while blacklisted and probing: every
    // fetch still fails, so the worst setups are seconds, not lost calls.
    assert!(r.counters.http_failures > 3000, "{}", r.counters.http_failures);
}

#[test]
fn an_overloaded_homer_refuses_and_sprout_counts_penalties() {
    // Homer with Crest's LoadMonitor (20 tokens, 10/s to start and at least) on a node that
    // serves 10 requests/s (100 ms each, 1 core) facing 22 simservs fetches/s (11 calls/s:
    // 20 000 subscribers × 4 BHCA / 2 / 3600, two fetches each): past its token rate it
    // refuses (503); Sprout retries the one Homer, counts a penalty when both attempts are
    // refused, and the call goes on without services. The penalties pull Sprout's own token
    // rate down until it refuses calls too — which it never does with Homer unthrottled.
    let throttled = site_bhca(
        "{ nodes = 1, cores = 1 }",
        "[costs]\nhomer_request = \"100ms\"\n[throttling]\ntiers = [\"sprout\", \"homer\"]\n",
        4.0,
    );
    let r = run1(&throttled);
    let homer = r.nodes.iter().position(|n| n.label == "homer-0").unwrap() as u16;
    let refused: u64 = r.rows.iter().filter(|row| row.node == homer).map(|row| row.rejected).sum();
    assert!(refused > 100, "Homer refused {refused}");
    // The run summary reports them as Homer's HTTP refusals after warm-up.
    let s = crate::clearwater::scenario(&throttled);
    let summary = cwsim::analysis::throttling::throttling(&s, std::slice::from_ref(&r));
    let reported = summary["homer"].rejected_by_method["http"];
    assert!(reported > 0 && reported <= refused, "{reported} of {refused}");
    let invite_refusals = |r: &cwsim::model::clearwater::ClearwaterResult| {
        r.counters.throttle_rejections[cwsim::scenario::Tier::Sprout as usize][1]
    }; // [1]: INVITE
    assert!(invite_refusals(&r) > 0, "Sprout's LoadMonitor, penalised, refuses INVITEs");
    let setup = &r.req[ReqType::InviteSetup];
    assert_eq!(setup.counts.failed[FailCause::Timeout], 0);
    // Without Homer's LoadMonitor, in the later era (Sprout's LoadMonitor does not time the
    // wait for Homer): no penalty, so Sprout, with CPU to spare, refuses no INVITE.
    let unthrottled_later = run1(&site_bhca(
        "{ nodes = 1, cores = 1 }",
        "[costs]\nhomer_request = \"100ms\"\n[throttling]\nprofile = \"later\"\ntiers = [\"sprout\"]\n",
        4.0,
    ));
    assert_eq!(invite_refusals(&unthrottled_later), 0, "without Homer's 503s Sprout has room");
    // In the documented era Sprout's LoadMonitor times the INVITE's wait for the overloaded
    // Homer (its queue grows without bound at 22 requests/s against 10/s): latency far past
    // the 100 ms target, and Sprout refuses INVITEs itself.
    let unthrottled_documented = run1(&site_bhca(
        "{ nodes = 1, cores = 1 }",
        "[costs]\nhomer_request = \"100ms\"\n[throttling]\ntiers = [\"sprout\"]\n",
        4.0,
    ));
    assert!(invite_refusals(&unthrottled_documented) > 100);
}
