//! What a SIPp request's text decides in the deployment, read when it is sent: the
//! subscriber a REGISTER registers (its To user), the caller and callee of an INVITE (From,
//! Request-URI), the binding lifetime a REGISTER asks for (Contact `expires`, else
//! `Expires`, else `reg_max_expires`; capped at `reg_max_expires`; 0 removes the binding),
//! and `<Global>` variables shared by every call. Expected values are hand counts written
//! beside each assertion.

use cwsim::engine::RunControl;
use cwsim::model::clearwater::flows::HttpOp;
use cwsim::model::clearwater::{self, ClearwaterResult, SippFailure};
use cwsim::scenario;

use crate::support::Dir;

/// One 60 s replication, no warm-up, one Sprout without Bono (Clearwater's core-only
/// tests), 10 subscribers; `load` after `profile`.
fn run(reg_max_expires: &str, load: &str) -> ClearwaterResult {
    run_on(0, reg_max_expires, load)
}

/// The same with `bono` Bonos in front of the Sprout.
fn run_on(bono: u32, reg_max_expires: &str, load: &str) -> ClearwaterResult {
    let text = format!(
        "[simulation]\nduration = \"60s\"\nwarmup = \"0s\"\n[[site]]\nname = \"a\"\nbono = {{ nodes = {bono} }}\n\
         sprout = {{ nodes = 1 }}\nhomestead = {{ nodes = 1 }}\n[sip]\nreg_max_expires = \"{reg_max_expires}\"\n\
         [load]\nprofile = \"sipp\"\nsubscribers = 10\n{load}"
    );
    let s = scenario::parse("identity.toml", "identity", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    clearwater::run(&s, 0, &RunControl::default())
}

/// A digest REGISTER of `aor` (text written in its To header) with `headers` added.
fn register(aor: &str, headers: &str) -> String {
    format!(
        "<send><![CDATA[\nREGISTER sip:example.com SIP/2.0\nTo: <{aor}>\n{headers}\n]]></send>\
         <recv response=\"401\" auth=\"true\"/>\
         <send><![CDATA[\nREGISTER sip:example.com SIP/2.0\nTo: <{aor}>\n{headers}\n\
         [authentication username=a password=b]\n]]></send><recv response=\"200\"/>"
    )
}

#[test]
fn a_register_registers_the_subscriber_its_to_header_names() {
    let dir = Dir::new("sipp-identity-to");
    // The To URI comes from a variable set from the injection field ([$var] at send time).
    let xml = dir.file(
        "reg.xml",
        &format!(
            "<scenario><nop><action><assignstr assign_to=\"aor\" value=\"sip:[field0]@example.com\"/></action></nop>\
             {}</scenario>",
            register("[$aor]", "")
        ),
    );
    // u3, u7, u13 name subscribers 3, 7 and 13 mod 10 = 3: two distinct subscribers end
    // bound, whatever line each call takes.
    let inf = dir.file("named.csv", "SEQUENTIAL\nu3\nu7\nu13\n");
    let r = run("3600s", &format!("scenario = \"{xml}\"\ninf = \"{inf}\"\nrate = 1\npreregistered = false\n"));
    // Calls at t = 0…59 s end registered; the one at 60 s is still registering.
    let t = &r.sipp[0].totals;
    assert_eq!((t.successful, t.live), (60, 1), "{t:?}");
    assert_eq!(r.bound_end, 2);
    // Users without a number name no one: each call keeps the subscriber its line gives
    // (line 0, 1, 2 → subscribers 0, 1, 2): three bound.
    let inf = dir.file("unnamed.csv", "SEQUENTIAL\nalice\nbob\ncarol\n");
    let r = run("3600s", &format!("scenario = \"{xml}\"\ninf = \"{inf}\"\nrate = 1\npreregistered = false\n"));
    assert_eq!(r.bound_end, 3);
}

/// Deregisters (or re-registers, per `expires`) field 0, then calls it from field 1 and
/// expects the 480 Sprout answers for a callee without a binding.
fn dereg_then_call(dir: &Dir, name: &str, expires: &str) -> ClearwaterResult {
    let xml = dir.file(
        name,
        &format!(
            "<scenario>{}<send><![CDATA[\nINVITE sip:[field0]@example.com SIP/2.0\n\
             From: <sip:[field1]@example.com>;tag=1\nTo: <sip:[field0]@example.com>\n]]></send>\
             <recv response=\"100\" optional=\"true\"/><recv response=\"480\"/>\
             <send><![CDATA[\nACK sip:[field0]@example.com SIP/2.0\n]]></send></scenario>",
            register("sip:[field0]@example.com", &format!("Expires: {expires}"))
        ),
    );
    let inf = dir.file("users.csv", "SEQUENTIAL\n6505550004;6505550002\n");
    // All 10 subscribers start registered; one call.
    run("3600s", &format!("scenario = \"{xml}\"\ninf = \"{inf}\"\nrate = 1\nmax_calls = 1\n"))
}

#[test]
fn expires_0_removes_the_binding_and_the_invite_goes_to_its_request_uri() {
    let dir = Dir::new("sipp-identity-dereg");
    // Expires: 0 removes subscriber 4's binding (SAR dereg-user to the HSS); the INVITE from
    // 2 to 4 then gets 480: the call succeeds as scripted, 9 of 10 stay bound.
    let r = dereg_then_call(&dir, "dereg.xml", "0");
    let t = &r.sipp[0].totals;
    assert_eq!((t.created, t.successful), (1, 1), "{t:?}");
    assert_eq!(r.bound_end, 9);
    assert_eq!(r.ops.http_op(HttpOp::SarDereg), 1);
    assert_eq!(r.counters.bindings_expired, 0, "removed by the REGISTER, not by a timer");
    // Expires: 300 re-registers 4: the INVITE reaches it and rings, which the script does
    // not expect (it waits for a 480): FailedUnexpectedMessage; all 10 stay bound.
    let r = dereg_then_call(&dir, "rereg.xml", "300");
    let t = &r.sipp[0].totals;
    assert_eq!(t.failed[SippFailure::UnexpectedMessage as usize], 1, "{t:?}");
    assert_eq!(r.bound_end, 10);
    assert_eq!(r.ops.http_op(HttpOp::SarDereg), 0);
}

#[test]
fn the_binding_lasts_what_the_register_asks_up_to_reg_max_expires() {
    let dir = Dir::new("sipp-identity-expires");
    let one = |name: &str, headers: &str, reg_max: &str| {
        let xml = dir.file(name, &format!("<scenario>{}</scenario>", register("sip:5@example.com", headers)));
        run(reg_max, &format!("scenario = \"{xml}\"\nrate = 1\nmax_calls = 1\npreregistered = false\n"))
    };
    // Registered at t ≈ 0 for 2 s: Chronos pops the binding timer at 2 s and the binding is
    // removed (one expiry); at 60 s nothing is bound.
    let r = one("short.xml", "Expires: 2", "3600s");
    assert_eq!((r.counters.bindings_expired, r.bound_end), (1, 0));
    // 300 s outlasts the run.
    let r = one("long.xml", "Expires: 300", "3600s");
    assert_eq!((r.counters.bindings_expired, r.bound_end), (0, 1));
    // The Contact's expires parameter wins over the Expires header (RFC 3261 §10.2.1.1).
    let r = one("contact.xml", "Contact: <sip:5@10.0.0.1>;expires=2\nExpires: 300", "3600s");
    assert_eq!((r.counters.bindings_expired, r.bound_end), (1, 0));
    // Sprout grants at most reg_max_expires (2 s here), and that is also what a REGISTER
    // stating no expiry gets [src sprout: registrarsproutlet.cpp].
    let r = one("capped.xml", "Expires: 300", "2s");
    assert_eq!((r.counters.bindings_expired, r.bound_end), (1, 0));
    let r = one("unstated.xml", "", "2s");
    assert_eq!((r.counters.bindings_expired, r.bound_end), (1, 0));
}

#[test]
fn global_variables_are_shared_by_every_call_from_init_on() {
    let dir = Dir::new("sipp-identity-globals");
    // <init> sets g = 10; each call adds 1, and calls that see g > 12.5 take the 3 s
    // branch. Call k (k = 1…61, one a second) sees g = 10 + k: calls 1 and 2 are short,
    // the other 59 long.
    let steps = "<nop><action><add assign_to=\"g\" value=\"1\"/>\
                 <test assign_to=\"big\" variable=\"g\" compare=\"greater_than\" value=\"12.5\"/></action></nop>\
                 <nop test=\"big\" next=\"long\"/><pause milliseconds=\"1000\" next=\"end\"/>\
                 <label id=\"long\"/><pause milliseconds=\"3000\"/><label id=\"end\"/>";
    let init = "<init><nop><action><assign assign_to=\"g\" value=\"10\"/></action></nop></init>";
    let shared = dir.file("global.xml", &format!("<scenario><Global variables=\"g\"/>{init}{steps}</scenario>"));
    let r = run("3600s", &format!("scenario = \"{shared}\"\nrate = 1\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[2].passed, c.steps[3].passed), (2, 59), "{c:?}");
    // Undeclared, g is per call: every call sees 1 (init's value is not kept): 61 short.
    let per_call = dir.file("per-call.xml", &format!("<scenario>{init}{steps}</scenario>"));
    let r = run("3600s", &format!("scenario = \"{per_call}\"\nrate = 1\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[2].passed, c.steps[3].passed), (61, 0), "{c:?}");
}

#[test]
fn one_socket_keeps_bonos_authenticated_flow_and_tcp_never_retransmits() {
    let dir = Dir::new("sipp-identity-transport");
    let xml = dir.file("reg.xml", &format!("<scenario>{}</scenario>", register("sip:3@example.com", "")));
    let twice = |transport: &str| {
        run_on(
            1,
            "3600s",
            &format!(
                "scenario = \"{xml}\"\nrate = 1\nmax_calls = 2\npreregistered = false\ntransport = \"{transport}\"\n"
            ),
        )
    };
    // u1 (SIPp's default), one socket: the first call's REGISTER authenticates subscriber 3
    // on Bono's flow, so the second call's REGISTER is integrity-protected and answered 200
    // at once, where its script waits for a 401: FailedUnexpectedMessage.
    let t = twice("u1").sipp[0].totals.clone();
    assert_eq!((t.successful, t.failed[SippFailure::UnexpectedMessage as usize]), (1, 1), "{t:?}");
    // Preregistered subscribers were registered before the instance opened its socket: its
    // first REGISTER of subscriber 3 is challenged, even over u1.
    let load = format!("scenario = \"{xml}\"\nrate = 1\nmax_calls = 1\ntransport = \"u1\"\n");
    let t = run_on(1, "3600s", &load).sipp[0].totals.clone();
    assert_eq!((t.successful, t.created), (1, 1), "{t:?}");
    // tn, a connection per call: each REGISTER opens a new flow and is challenged.
    let t = twice("tn").sipp[0].totals.clone();
    assert_eq!((t.successful, t.created), (2, 2), "{t:?}");

    // A REGISTER always lost, retrans="500", the 401 waited for 20 s: over UDP SIPp
    // retransmits 9 times (0.5, 1, 2, 4, 4… s: 31.5 s in all, past the 20 s) and the recv
    // times out first; over TCP it never retransmits.
    let lost = dir.file(
        "lost.xml",
        "<scenario><send retrans=\"500\" lost=\"100\"><![CDATA[\nREGISTER sip:example.com SIP/2.0\n\
         To: <sip:3@example.com>\n]]></send><recv response=\"401\" timeout=\"20000\"/></scenario>",
    );
    let once = |transport: &str| {
        let load = format!("scenario = \"{lost}\"\nrate = 1\nmax_calls = 1\ntransport = \"{transport}\"\n");
        run("3600s", &load).sipp[0].totals.clone()
    };
    // By 20 s the UDP timer has fired at 0.5, 1.5, 3.5, 7.5, 11.5, 15.5 and 19.5 s: 7.
    let t = once("u1");
    assert_eq!((t.retransmissions, t.failed[SippFailure::TimeoutOnRecv as usize]), (7, 1), "{t:?}");
    let t = once("t1");
    assert_eq!((t.retransmissions, t.failed[SippFailure::TimeoutOnRecv as usize]), (0, 1), "{t:?}");
}

#[test]
fn the_head_of_a_message_ends_at_its_first_blank_line() {
    let s = cwsim::sipp::compile(
        "t.xml",
        b"<scenario><send><![CDATA[\n  INVITE sip:[field0]@x SIP/2.0\n  Via: SIP/2.0/UDP [local_ip];branch=[branch]\n  \
          To: <sip:[field0]@x>\n  [field0]\n  CSeq: [cseq] INVITE\n  f: <sip:u[field0]@x>;tag=[call_number]\n\n  \
          v=0\n  o=[field0]\n]]></send></scenario>",
        &[],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cwsim::sipp::script::StepKind::Send(send) = &s.steps[0].kind else { panic!("a send") };
    let fields = ["7".to_string()];
    let env = cwsim::sipp::eval::Env { fields: &fields, keys: &[], call_number: 1, cseq: 1, now_us: 0 };
    let whole = cwsim::sipp::eval::render(&send.message, &env, &[]);
    let head = cwsim::sipp::eval::render(&send.head, &env, &[]);
    // Indentation dropped as SIPp drops it; the request line, To and From (compact) kept; Via,
    // CSeq and a line that starts with a keyword left out; nothing after the blank line.
    assert_eq!(head, "INVITE sip:7@x SIP/2.0\nTo: <sip:7@x>\nf: <sip:u7@x>;tag=1\n");
    assert!(whole.contains("CSeq: 1 INVITE\n") && whole.ends_with("\n\nv=0\no=7\n"), "{whole:?}");
}
