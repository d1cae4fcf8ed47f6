//! SIPp's run-time semantics: variables and actions evaluated at their step (SIPp's
//! `call::executeAction`), `test`/`condexec`/`jump` deciding the path, `lost` and `retrans`
//! (SIPp's UDP timer), `send_timeout`, `-default_behaviors` and USER injection order.
//! Expected values come from SIPp's documented behaviour and hand counts written beside
//! each assertion.

use cwsim::engine::{Rng, RngFactory, RunControl, StreamId};
use cwsim::model::clearwater::{self, ClearwaterResult, SippFailure};
use cwsim::scenario;

use crate::support::Dir;
use cwsim::scenario::sipp_load::Behaviors;
use cwsim::sipp::eval::{self, ActionFailure, Env, Value};
use cwsim::sipp::response;
use cwsim::sipp::script::{Script, StepKind};

fn compile(body: &str) -> Script {
    let xml = format!("<scenario>{body}</scenario>");
    cwsim::sipp::compile("t.xml", xml.as_bytes(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn rng() -> Rng {
    RngFactory::new(7, 0).stream(StreamId::new(1, 0))
}

const ENV: Env = Env { fields: &[], keys: &[], call_number: 3, cseq: 2, now_us: 3_500_000 };

/// Runs the first step's actions on fresh variables against `text`.
fn act(body: &str, text: &str) -> (Script, Vec<Value>, eval::Outcome) {
    let s = compile(&format!("<nop><action>{body}</action></nop>"));
    let mut vars = vec![Value::Unset; s.variables.len()];
    let out = eval::run(&s.steps[0].common.actions, &mut vars, &ENV, text, &mut rng());
    (s, vars, out)
}

fn var<'a>(s: &Script, vars: &'a [Value], name: &str) -> &'a Value {
    &vars[s.variables.iter().position(|v| v == name).unwrap_or_else(|| panic!("no variable {name}"))]
}

#[test]
fn arithmetic_tests_and_strings_as_sipp_evaluates_them() {
    // 10, +5 = 15, -3 = 12, ×2 = 24, ÷4 = 6; ÷0 (a variable that is 0) leaves 6 (SIPp warns).
    let (s, v, out) = act(
        "<assign assign_to=\"x\" value=\"10\"/><add assign_to=\"x\" value=\"5\"/>\
         <subtract assign_to=\"x\" value=\"3\"/><multiply assign_to=\"x\" value=\"2\"/>\
         <divide assign_to=\"x\" value=\"4\"/><assign assign_to=\"z\" value=\"0\"/>\
         <divide assign_to=\"x\" variable=\"z\"/>\
         <test assign_to=\"big\" variable=\"x\" compare=\"greater_than\" value=\"5\"/>\
         <test assign_to=\"small\" variable=\"x\" compare=\"less_than_equal\" value=\"5\"/>",
        "",
    );
    assert_eq!(out, eval::Outcome::default());
    assert_eq!(var(&s, &v, "x"), &Value::Double(6.0));
    assert_eq!((var(&s, &v, "big").is_set(), var(&s, &v, "small").is_set()), (true, false));
    // A double is "set" when non-zero (SIPp's isSet); an unset variable is not.
    assert!(!var(&s, &v, "z").is_set());
    // assignstr with keywords, ereg on a variable, todouble, strcmp.
    let (s, v, out) = act(
        "<assignstr assign_to=\"u\" value=\"alice@example.com:[call_number]\"/>\
         <ereg regexp=\"([a-z]+)@([a-z.]+):([0-9]+)\" search_in=\"var\" variable=\"u\" assign_to=\"all,user,host,n\"/>\
         <todouble assign_to=\"d\" variable=\"n\"/>\
         <strcmp assign_to=\"same\" variable=\"user\" value=\"alice\"/>\
         <strcmp assign_to=\"differ\" variable=\"user\" value=\"bob\"/>\
         <gettimeofday assign_to=\"sec,usec\"/>",
        "",
    );
    assert_eq!(out.failure, None);
    assert_eq!(var(&s, &v, "all").string(), "alice@example.com:3"); // [call_number] is 3
    assert_eq!((var(&s, &v, "user").string(), var(&s, &v, "host").string()), ("alice", "example.com"));
    assert_eq!(var(&s, &v, "d"), &Value::Double(3.0));
    // strcmp: 0 when equal; "alice" < "bob": negative.
    assert_eq!(var(&s, &v, "same"), &Value::Double(0.0));
    assert!(var(&s, &v, "differ").double() < 0.0);
    // Simulated time 3.5 s: 3 s and 500 000 µs.
    assert_eq!((var(&s, &v, "sec"), var(&s, &v, "usec")), (&Value::Double(3.0), &Value::Double(500_000.0)));
    // [$var] writes an integral double as an integer, another with six decimals (SIPp's %lf).
    let mut text = String::new();
    Value::Double(6.0).render(&mut text);
    Value::Double(2.5).render(&mut text);
    assert_eq!(text, "62.500000");
}

#[test]
fn failed_checks_name_sipps_failure_and_jumps_give_the_index() {
    let msg = "SIP/2.0 200 OK\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n";
    let cases = [
        ("<ereg regexp=\"xyz\" search_in=\"msg\" check_it=\"true\" assign_to=\"m\"/>", ActionFailure::RegexpDoesntMatch),
        ("<ereg regexp=\"200\" search_in=\"msg\" check_it_inverse=\"true\" assign_to=\"m\"/>", ActionFailure::RegexpShouldntMatch),
        (
            "<ereg regexp=\".*\" search_in=\"hdr\" header=\"Contact:\" check_it=\"true\" assign_to=\"m\"/>",
            ActionFailure::RegexpHdrNotFound,
        ),
        (
            "<assign assign_to=\"x\" value=\"1\"/><test variable=\"x\" compare=\"equal\" value=\"2\" check_it=\"true\"/>",
            ActionFailure::TestDoesntMatch,
        ),
        (
            "<assign assign_to=\"x\" value=\"1\"/><test variable=\"x\" compare=\"equal\" value=\"1\" check_it_inverse=\"true\"/>",
            ActionFailure::TestShouldntMatch,
        ),
        ("<strcmp variable=\"x\" value=\"a\" check_it=\"true\"/>", ActionFailure::StrcmpDoesntMatch),
        ("<strcmp variable=\"x\" value=\"\" check_it_inverse=\"true\"/>", ActionFailure::StrcmpShouldntMatch),
    ];
    for (body, want) in cases {
        assert_eq!(act(body, msg).2.failure, Some(want), "{body}");
    }
    // A header's value (case-insensitive name), captured by group.
    let (s, v, out) =
        act("<ereg regexp=\"([0-9]+) ([A-Z]+)\" search_in=\"hdr\" header=\"cseq:\" assign_to=\"m,n,meth\"/>", msg);
    assert_eq!(out.failure, None);
    assert_eq!((var(&s, &v, "n").string(), var(&s, &v, "meth").string()), ("2", "INVITE"));
    // No match without check_it: the variables stay unset, nothing fails.
    let (s, v, out) = act("<ereg regexp=\"xyz\" search_in=\"msg\" assign_to=\"m\"/>", msg);
    assert_eq!((out.failure, var(&s, &v, "m").is_set()), (None, false));
    assert_eq!(act("<jump value=\"4\"/>", "").2.jump, Some(4));
}

#[test]
fn sample_draws_from_sipps_distributions() {
    // fixed: the value; uniform(1, 2): inside; normal(0, 1) over 20 000 draws: the mean
    // within 4 standard errors (4/√20000 = 0.028) of 0, the variance within 0.05 of 1.
    let s = compile(
        "<nop><action><sample assign_to=\"f\" distribution=\"fixed\" value=\"7\"/>\
         <sample assign_to=\"u\" distribution=\"uniform\" min=\"1\" max=\"2\"/>\
         <sample assign_to=\"n\" distribution=\"normal\" mean=\"0\" stdev=\"1\"/></action></nop>",
    );
    let mut r = rng();
    let (mut sum, mut sq) = (0.0, 0.0);
    let draws = 20_000;
    for _ in 0..draws {
        let mut v = vec![Value::Unset; s.variables.len()];
        eval::run(&s.steps[0].common.actions, &mut v, &ENV, "", &mut r);
        assert_eq!(v[0], Value::Double(7.0));
        assert!((1.0..=2.0).contains(&v[1].double()));
        sum += v[2].double();
        sq += v[2].double() * v[2].double();
    }
    let mean = sum / draws as f64;
    assert!(mean.abs() < 0.028, "{mean}");
    assert!((sq / draws as f64 - mean * mean - 1.0).abs() < 0.05);
}

/// One 60 s replication on a one-Sprout deployment without Bono; `load` after `profile`.
fn run_with(subscribers: u64, load: &str) -> ClearwaterResult {
    run_granting("3600s", subscribers, load)
}

/// `run_with` with Sprout's `reg_max_expires` set to `max_expires`.
fn run_granting(max_expires: &str, subscribers: u64, load: &str) -> ClearwaterResult {
    let text = format!(
        "[simulation]\nduration = \"60s\"\n[[site]]\nname = \"a\"\nbono = {{ nodes = 0 }}\nsprout = {{ nodes = 1 }}\n\
         homestead = {{ nodes = 1 }}\n[sip]\nreg_max_expires = \"{max_expires}\"\n[load]\nprofile = \"sipp\"\n\
         subscribers = {subscribers}\n{load}"
    );
    let s = scenario::parse("one.toml", "one", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    clearwater::run(&s, 0, &RunControl::default())
}

fn errors(load: &str) -> String {
    let text = format!(
        "[simulation]\nduration = \"60s\"\n[[site]]\nname = \"a\"\nsprout = {{ nodes = 1 }}\nhomestead = {{ nodes = 1 }}\n\
         [load]\nprofile = \"sipp\"\nsubscribers = 10\n{load}"
    );
    scenario::parse("e.toml", "e", text.as_bytes()).map(|_| ()).unwrap_err().to_string()
}

const REGISTER: &str =
    "<send{A}><![CDATA[\nREGISTER sip:example.com SIP/2.0\n]]></send><recv response=\"401\" auth=\"true\"/>\
    <send><![CDATA[\nREGISTER sip:example.com SIP/2.0\n[authentication username=a password=b]\n]]></send>\
    <recv response=\"200\"/>";

fn register(attrs: &str) -> String {
    REGISTER.replace("{A}", attrs)
}

fn index_of(s: &Script, f: impl Fn(&StepKind) -> bool) -> usize {
    s.steps.iter().position(|st| f(&st.kind)).unwrap()
}

#[test]
fn test_next_condexec_jump_and_pause_variable_decide_the_path() {
    let dir = Dir::new("sipp-actions-path");
    // A quarter of the calls register: a uniform draw below 0.25 sets t, and the tested
    // next goes to the REGISTER; the others pause 1 ms and end.
    let body = format!(
        "<nop><action><sample assign_to=\"r\" distribution=\"uniform\" min=\"0\" max=\"1\"/>\
         <test assign_to=\"t\" variable=\"r\" compare=\"less_than\" value=\"0.25\"/></action></nop>\
         <nop test=\"t\" next=\"reg\"/><pause milliseconds=\"1\" next=\"end\"/><label id=\"reg\"/>{}<label id=\"end\"/>",
        register("")
    );
    let xml = dir.file("quarter.xml", &format!("<scenario>{body}</scenario>"));
    let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 10\n"));
    let c = &r.sipp[0];
    let script = compile(&body);
    let reg = index_of(&script, |k| matches!(k, StepKind::Send(_)));
    // 601 calls (t = 0, 0.1, …, 60 s); registering ones ~ Binomial(601, 0.25): 150 ± 4σ
    // (σ = √(601 × 0.25 × 0.75) = 10.6).
    let (created, registered) = (c.totals.created as f64, c.steps[reg].passed as f64);
    assert_eq!(created, 601.0);
    assert!((registered - created * 0.25).abs() < 4.0 * (created * 0.25 * 0.75f64).sqrt(), "{registered}");
    assert_eq!(c.steps[reg].passed + c.steps[reg - 1].passed, c.totals.created, "one path or the other");
    let deployment: u64 = [clearwater::ReqType::RegisterInitial, clearwater::ReqType::RegisterRefresh]
        .iter()
        .map(|t| r.req_total[*t].started)
        .sum();
    assert_eq!(deployment, c.steps[reg].passed, "the deployment saw exactly the REGISTERs sent");

    // pause variable: 2 000 ms from an assign, so every call lasts 2 s exactly; jump 3 skips
    // the 5 s pause at index 2 (to index 3: SIPp's msg_index = 3 - 1, then the next one);
    // condexec on an unset variable skips its step.
    let body = "<nop><action><assign assign_to=\"d\" value=\"2000\"/><jump value=\"3\"/></action></nop>\
                <pause milliseconds=\"7000\"/><pause milliseconds=\"5000\"/>\
                <pause variable=\"d\"/><pause milliseconds=\"9000\" condexec=\"never\"/>";
    let xml = dir.file("jump.xml", &format!("<scenario>{body}</scenario>"));
    let r = run_with(10, &format!("scenario = \"{xml}\"\nrate = 1\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[1].passed, c.steps[2].passed, c.steps[4].passed), (0, 0, 0), "{c:?}");
    assert_eq!(c.steps[3].passed, c.totals.created);
    assert_eq!(c.totals.call_length.mean_ns(), 2e9);
    // Calls at t = 0..=58 end by 60 s (2 s each): 59; the ones at 59 and 60 are live.
    assert_eq!((c.totals.successful, c.totals.live), (59, 2));
}

#[test]
fn a_failed_check_fails_the_call_when_it_ends() {
    let dir = Dir::new("sipp-actions-check");
    // The test fails at the first step; the call goes on through its pause (SIPp marks it
    // failed and continues) and ends counted FailedTestDoesntMatch.
    let xml = dir.file(
        "check.xml",
        "<scenario><nop><action><assign assign_to=\"x\" value=\"1\"/>\
         <test variable=\"x\" compare=\"equal\" value=\"2\" check_it=\"true\"/></action></nop>\
         <pause milliseconds=\"500\"/></scenario>",
    );
    let r = run_with(10, &format!("scenario = \"{xml}\"\nrate = 2\n"));
    let t = &r.sipp[0].totals;
    assert_eq!(r.sipp[0].steps[1].passed, t.created);
    assert_eq!(t.successful, 0);
    assert_eq!(t.failed[SippFailure::TestDoesntMatch as usize], t.created - t.live);
    // An ereg on the 200 a REGISTER gets: the status line is there (no failure), a header no
    // one sends is not (FailedRegexpHdrNotFound).
    for (re, failed) in
        [("search_in=\"msg\" regexp=\"^SIP/2.0 200\"", 0), ("search_in=\"hdr\" header=\"X-Nope:\" regexp=\".\"", 1)]
    {
        let body = register("").replace(
            "<recv response=\"200\"/>",
            &format!("<recv response=\"200\"><action><ereg {re} check_it=\"true\" assign_to=\"m\"/></action></recv>"),
        );
        let xml = dir.file("ereg.xml", &format!("<scenario>{body}</scenario>"));
        let r = run_with(100, &format!("scenario = \"{xml}\"\nrate = 1\n"));
        let t = &r.sipp[0].totals;
        let ended = t.created - t.live;
        assert_eq!(t.failed[SippFailure::RegexpHdrNotFound as usize], failed * ended, "{re}: {t:?}");
        assert_eq!(t.successful, (1 - failed) * ended, "{re}");
    }
}

#[test]
fn runaway_step_loops_end_the_call() {
    let dir = Dir::new("sipp-actions-loop");
    let xml = dir.file("loop.xml", "<scenario><label id=\"a\"/><nop next=\"a\"/></scenario>");
    let r = run_with(10, &format!("scenario = \"{xml}\"\nrate = 1\nmax_calls = 3\n"));
    assert_eq!(r.sipp[0].totals.failed[SippFailure::Loop as usize], 3);
}

/// SIPp's retransmission times after a send at 0 with T1 = 500 ms (ms): doubling, capped
/// at T2 = 4 s except for an INVITE; 5 retransmissions for an INVITE, 9 otherwise; the
/// call fails at the expiry after the last one.
fn retrans_schedule(invite: bool) -> (Vec<u64>, u64) {
    let (mut at, mut delay, mut out) = (0u64, 500u64, Vec::new());
    let max = if invite { 5 } else { 9 };
    for _ in 0..max {
        at += delay;
        out.push(at);
        delay = if invite { delay * 2 } else { (delay * 2).min(4000) };
    }
    (out, at + delay)
}

#[test]
fn lost_messages_are_retransmitted_on_sipps_timer_until_it_gives_up() {
    let dir = Dir::new("sipp-actions-lost");
    // INVITE: 0.5, 1.5, 3.5, 7.5, 15.5 s, failing at 31.5 s; REGISTER: 0.5, 1.5, 3.5, 7.5,
    // 11.5, 15.5, 19.5, 23.5, 27.5 s, failing at 31.5 s (both SIPp's 64 × T1).
    assert_eq!(retrans_schedule(true), (vec![500, 1500, 3500, 7500, 15500], 31500));
    assert_eq!(retrans_schedule(false).1, 31500);
    for invite in [true, false] {
        let body = if invite {
            "<send retrans=\"500\" lost=\"100\"><![CDATA[\nINVITE sip:b@example.com SIP/2.0\n]]></send>\
             <recv response=\"200\"/><send><![CDATA[\nACK sip:b@example.com SIP/2.0\n]]></send>"
                .to_string()
        } else {
            register(" retrans=\"500\" lost=\"100\"")
        };
        let xml = dir.file("lost.xml", &format!("<scenario>{body}</scenario>"));
        let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 2\n"));
        let c = &r.sipp[0];
        // Calls at t = 0, 0.5, …, 60 s; a call at t0 fails at t0 + 31.5 s when that is within
        // the run, and has retransmitted at each scheduled time up to 60 s.
        let (times, fail) = retrans_schedule(invite);
        let starts: Vec<u64> = (0..=120).map(|k| k * 500).collect();
        let failed = starts.iter().filter(|&&t0| t0 + fail <= 60_000).count() as u64;
        let retrans: u64 = starts.iter().map(|&t0| times.iter().filter(|&&t| t0 + t <= 60_000).count() as u64).sum();
        assert_eq!(c.totals.failed[SippFailure::MaxUdpRetrans as usize], failed, "invite {invite}: {c:?}");
        assert_eq!((c.totals.retransmissions, c.steps[0].retrans), (retrans, retrans));
        // Every send and retransmission was dropped: the deployment saw none.
        assert_eq!(c.steps[0].lost, c.totals.created + retrans);
        let sent: u64 = r.req_total.iter().map(|t| t.started).sum();
        assert_eq!(sent, 0);
    }
    // Half the INVITEs dropped, retransmitted after 500 ms: every call still gets through
    // (five retransmissions lost in a row: 1/64 of calls fail, at 31.5 s).
    let xml = dir.file(
        "half.xml",
        "<scenario><send retrans=\"500\" lost=\"50\"><![CDATA[\nINVITE sip:b@example.com SIP/2.0\n]]></send>\
         <recv response=\"100\" optional=\"true\"/><recv response=\"180\" optional=\"true\"/><recv response=\"200\"/>\
         <send><![CDATA[\nACK sip:b@example.com SIP/2.0\n]]></send><pause milliseconds=\"100\"/>\
         <send><![CDATA[\nBYE sip:b@example.com SIP/2.0\n]]></send><recv response=\"200\"/></scenario>",
    );
    let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 2\n"));
    let c = &r.sipp[0];
    let (lost, retrans) = (c.steps[0].lost, c.steps[0].retrans);
    let (failed, live) = (c.totals.failed[SippFailure::MaxUdpRetrans as usize], c.totals.live);
    // Copies sent: each call's first plus its retransmissions; half dropped, so the dropped
    // ones ~ Binomial(copies, 0.5), within 4σ.
    let copies = (c.totals.created + retrans) as f64;
    assert!((lost as f64 - copies / 2.0).abs() < 4.0 * (copies * 0.25).sqrt(), "{c:?}");
    // The deployment answers in far less than 500 ms, so a copy is retransmitted exactly
    // when it was dropped: a call that got through has as many retransmissions as drops, a
    // failed one (6 drops, 5 retransmissions) one drop more, a live one at most one more.
    assert!(failed <= lost - retrans && lost - retrans <= failed + live, "{c:?}");
    // 1/64 of the calls (the first copy and five retransmissions dropped) fail, ~2 of 121.
    assert!(failed <= 8, "{c:?}");
    let invites = r.req_total[clearwater::ReqType::InviteSetup].started;
    let created = c.totals.created;
    assert!(created - failed - live <= invites && invites <= created - failed, "{invites} INVITEs: {c:?}");
    assert_eq!(c.totals.successful + failed + live, created);
}

#[test]
fn a_lost_response_is_waited_for_and_the_retransmission_brings_it_again() {
    let dir = Dir::new("sipp-actions-lost-recv");
    // The 200 to the REGISTER with credentials is always dropped: without retransmission
    // the call waits until its recv times out (2 s).
    let body =
        register("").replace("<recv response=\"200\"/>", "<recv response=\"200\" lost=\"100\" timeout=\"2000\"/>");
    let xml = dir.file("r.xml", &format!("<scenario>{body}</scenario>"));
    let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 1\n"));
    let c = &r.sipp[0];
    let ended = c.totals.created - c.totals.live;
    assert_eq!(c.totals.failed[SippFailure::TimeoutOnRecv as usize], ended, "{c:?}");
    assert!(c.steps[3].lost >= ended);
    // Dropped half the time, with the credentials REGISTER retransmitted every 500 ms: the
    // retransmission meets the deployment's completed transaction, which answers 200 again.
    let body = register("")
        .replace(
            "<send><![CDATA[\nREGISTER sip:example.com SIP/2.0\n[auth",
            "<send retrans=\"500\"><![CDATA[\nREGISTER sip:example.com SIP/2.0\n[auth",
        )
        .replace("<recv response=\"200\"/>", "<recv response=\"200\" lost=\"50\"/>");
    let xml = dir.file("r2.xml", &format!("<scenario>{body}</scenario>"));
    let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 1\n"));
    let c = &r.sipp[0];
    let ended = c.totals.created - c.totals.live;
    assert!(c.steps[3].lost > 10, "{c:?}");
    // Every dropped 200 is brought again by a retransmission, but for the calls still live.
    assert!(c.steps[3].lost - c.steps[2].retrans <= c.totals.live, "{c:?}");
    assert_eq!(c.totals.successful, ended, "{c:?}");
}

#[test]
fn a_send_that_cannot_go_waits_for_send_timeout() {
    let dir = Dir::new("sipp-actions-send-timeout");
    let xml = dir.file("reg.xml", &format!("<scenario>{}</scenario>", register("")));
    // Two subscribers, 50 REGISTERs a second: each UE's registration is still running
    // when the next call for it comes. Without a send timeout the call fails at once
    // (FailedOutboundCongestion); with one it waits, and those that wait past it fail
    // FailedTimeoutOnSend.
    let r = run_with(2, &format!("scenario = \"{xml}\"\nrate = 50\n"));
    let t = &r.sipp[0].totals;
    assert!(t.failed[SippFailure::OutboundCongestion as usize] > 100, "{t:?}");
    let r = run_with(2, &format!("scenario = \"{xml}\"\nrate = 50\nsend_timeout = \"200ms\"\n"));
    let t = &r.sipp[0].totals;
    assert_eq!(t.failed[SippFailure::OutboundCongestion as usize], 0, "{t:?}");
    assert!(t.failed[SippFailure::TimeoutOnSend as usize] > 100, "{t:?}");
    assert!(t.successful > 0);
    assert_eq!(t.created, t.successful + t.failed.iter().sum::<u64>() + t.live);
}

#[test]
fn default_behaviors_parse_and_act_as_sipps() {
    assert_eq!(Behaviors::parse("all").unwrap(), Behaviors::ALL);
    assert_eq!(Behaviors::parse("none").unwrap(), Behaviors::NONE);
    // The list starts from none: "bye" alone is bye only.
    assert_eq!(Behaviors::parse("bye").unwrap(), Behaviors { bye: true, ..Behaviors::NONE });
    assert_eq!(Behaviors::parse("all,-bye").unwrap(), Behaviors { bye: false, ..Behaviors::ALL });
    assert_eq!(Behaviors::parse("all,-abortunexp,+abortunexp").unwrap(), Behaviors::ALL);
    assert!(Behaviors::parse("all,-byee").unwrap_err().contains("unknown default behaviour \"byee\""));
    let e = errors("scenario = \"tests/sipp/uac.xml\"\ndefault_behaviors = \"all,-nope\"\n");
    assert!(e.contains("load.default_behaviors") && e.contains("unknown default behaviour \"nope\""), "{e}");

    let dir = Dir::new("sipp-actions-behaviours");
    // A call scenario that waits for the 200 alone: a 180 before it is unexpected. With
    // abortunexp (the default) a call that gets one fails FailedUnexpectedMessage; without
    // it the 180 is counted and ignored, and the 200 after it completes the call.
    let xml = dir.file(
        "no180.xml",
        "<scenario><send><![CDATA[\nINVITE sip:a@b SIP/2.0\n]]></send><recv response=\"200\"/>\
         <send><![CDATA[\nACK sip:a@b SIP/2.0\n]]></send><pause milliseconds=\"100\"/>\
         <send><![CDATA[\nBYE sip:a@b SIP/2.0\n]]></send><recv response=\"200\"/></scenario>",
    );
    // (A 180 reaches the caller when the callee rings before it answers: here about half
    // the calls.)
    for (behaviours, abort) in [("all", true), ("all,-abortunexp", false)] {
        let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 2\ndefault_behaviors = \"{behaviours}\"\n"));
        let c = &r.sipp[0];
        let ended = c.totals.created - c.totals.live;
        let (failed, seen) = (c.totals.failed[SippFailure::UnexpectedMessage as usize], c.steps[1].unexpected);
        assert!(seen > 10, "{c:?}");
        if abort {
            assert_eq!((failed, c.totals.successful), (seen, ended - seen), "{c:?}");
        } else {
            assert_eq!((failed, c.totals.successful), (0, ended), "{c:?}");
        }
    }
    // bye: a call abandoned while ringing (recv 180 times out after 1 ms) is hung up when
    // answered; without bye (`-bye`) it is left as it stands: no BYE at all.
    let xml = dir.file(
        "ring.xml",
        "<scenario><send><![CDATA[\nINVITE sip:a@b SIP/2.0\n]]></send><recv response=\"180\" timeout=\"1\"/>\
         <recv response=\"200\"/></scenario>",
    );
    for (behaviours, byes) in [("all", true), ("all,-bye", false)] {
        let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 2\ndefault_behaviors = \"{behaviours}\"\n"));
        let (invites, bye) =
            (r.req_total[clearwater::ReqType::InviteSetup].started, r.req_total[clearwater::ReqType::Bye].started);
        if byes {
            assert!(invites - bye <= 1, "{invites} INVITEs, {bye} BYEs");
        } else {
            assert_eq!(bye, 0);
        }
    }
}

#[test]
fn user_order_gives_each_user_its_own_line() {
    let dir = Dir::new("sipp-actions-user");
    // Users 1, 2, 3 read lines 0, 1, 2 (fields 0, 1, 2). The field decides the call's
    // length: 3 s for field 2, else 1 s. Each user's calls follow one another at once, so
    // over 60 s (its last instant included) users 1 and 2 start 61 calls each (t = 0..=60)
    // and user 3 starts 21 (t = 0, 3, …, 60).
    let body = "<nop><action><assignstr assign_to=\"f\" value=\"[field0]\"/><todouble assign_to=\"v\" variable=\"f\"/>\
                <test assign_to=\"long\" variable=\"v\" compare=\"greater_than\" value=\"1.5\"/></action></nop>\
                <nop test=\"long\" next=\"long\"/><pause milliseconds=\"1000\" next=\"end\"/>\
                <label id=\"long\"/><pause milliseconds=\"3000\"/><label id=\"end\"/>";
    let xml = dir.file("u.xml", &format!("<scenario>{body}</scenario>"));
    let csv = dir.file("u.csv", "USER\n0;\n1;\n2;\n");
    let r = run_with(10, &format!("scenario = \"{xml}\"\ninf = \"{csv}\"\nusers = 3\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[2].passed, c.steps[3].passed), (122, 21), "{c:?}");
    // SEQUENTIAL hands lines out call by call instead: the long calls are a third of all.
    let csv = dir.file("s.csv", "SEQUENTIAL\n0;\n1;\n2;\n");
    let r = run_with(10, &format!("scenario = \"{xml}\"\ninf = \"{csv}\"\nusers = 3\n"));
    assert_ne!(r.sipp[0].steps[3].passed, 21);
    // USER needs users, and a line for each.
    let csv = dir.file("u2.csv", "USER\n0;\n1;\n");
    let e = errors(&format!("scenario = \"{xml}\"\ninf = \"{csv}\"\nrate = 1\n"));
    assert!(e.contains("load.inf: USER order gives each -users user its own line: set users"), "{e}");
    let e = errors(&format!("scenario = \"{xml}\"\ninf = \"{csv}\"\nusers = 3\n"));
    assert!(e.contains("load.users: the USER-ordered injection file has 2 data lines, yet 3 users"), "{e}");
}

#[test]
fn what_lost_cannot_drop_is_refused() {
    let dir = Dir::new("sipp-actions-lost-refused");
    let body = register("")
        .replace("<recv response=\"401\" auth=\"true\"/>", "<recv response=\"401\" auth=\"true\" lost=\"5\"/>");
    let xml = dir.file("a.xml", &format!("<scenario>{body}</scenario>"));
    let e = errors(&format!("scenario = \"{xml}\"\n"));
    assert!(e.contains("lost on a challenge (recv auth)"), "{e}");
    let body = register("").replace(
        "<send><![CDATA[\nREGISTER sip:example.com SIP/2.0\n[auth",
        "<send lost=\"5\"><![CDATA[\nREGISTER sip:example.com SIP/2.0\n[auth",
    );
    let xml = dir.file("b.xml", &format!("<scenario>{body}</scenario>"));
    let e = errors(&format!("scenario = \"{xml}\"\n"));
    assert!(e.contains("lost on a send the procedure makes itself"), "{e}");
}

#[test]
fn the_benchmark_scenarios_load() {
    // benches/sipp/: the README's XML-against-built-in benchmark; kept loadable here. The
    // two SIPp ones offer what the built-in one does: 40 calls/s and 20 000 registrations
    // every 290 s.
    for name in ["builtin", "xml", "xml-actions"] {
        let path = crate::support::repo().join(format!("benches/sipp/{name}.toml"));
        let s = scenario::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let scenario::Load::Sipp(l) = &s.load {
            assert_eq!((l.sources[0].per_second(), l.sources[1].per_second()), (40.0, 20_000.0 / 290.0), "{name}");
        }
    }
}

#[test]
fn user_variables_last_from_one_of_a_users_calls_to_the_next() {
    let dir = Dir::new("sipp-actions-user-vars");
    // Each call adds 1 to n; from a user's third call on (n > 2.5) the call lasts 3 s, before
    // that 1 s. Each user's calls follow one another at once: calls at t = 0 and 1 are short,
    // then t = 2, 5, …, 59 are long (20 of them; the last still live at 60 s). Two users each
    // keep their own n: 2 × 2 short and 2 × 20 long. Without `<User variables>`, n is a
    // per-call variable and is 1 in every call: 2 × 61 short calls (t = 0..=60), no long one.
    let steps = "<nop><action><add assign_to=\"n\" value=\"1\"/>\
                 <test assign_to=\"third\" variable=\"n\" compare=\"greater_than\" value=\"2.5\"/></action></nop>\
                 <nop test=\"third\" next=\"long\"/><pause milliseconds=\"1000\" next=\"end\"/>\
                 <label id=\"long\"/><pause milliseconds=\"3000\"/><label id=\"end\"/>";
    let kept = dir.file("kept.xml", &format!("<scenario><User variables=\"n\"/>{steps}</scenario>"));
    let r = run_with(10, &format!("scenario = \"{kept}\"\nusers = 2\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[2].passed, c.steps[3].passed), (4, 40), "{c:?}");
    let per_call = dir.file("per-call.xml", &format!("<scenario>{steps}</scenario>"));
    let r = run_with(10, &format!("scenario = \"{per_call}\"\nusers = 2\n"));
    let c = &r.sipp[0];
    assert_eq!((c.steps[2].passed, c.steps[3].passed), (122, 0), "{c:?}");
}

/// The header lines of `text` named `name` (values), in order.
fn lines_of<'t>(text: &'t str, name: &str) -> Vec<&'t str> {
    let head = text.split("\r\n\r\n").next().unwrap();
    head.split("\r\n").filter_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(": "))).collect()
}

fn reply(code: u16, request: &str, call_number: u64, bono: bool) -> String {
    let method = request.split_whitespace().next().unwrap_or("INVITE");
    let r = response::Reply { code, request, method, call_number, cseq: 2, granted_expires_s: 300, bono };
    response::text(&r)
}

#[test]
fn a_response_copies_the_request_as_rfc_3261_says_and_carries_clearwaters_headers() {
    // A REGISTER as a scenario writes it (indented, LF line ends, a compact `f:`).
    let register = "
        REGISTER sip:example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1
        Via: SIP/2.0/TCP 10.0.0.2:5058;branch=z9hG4bK-2
        f: <sip:alice@example.com>;tag=abc
        To: <sip:alice@example.com>
        Call-ID: reg-1@10.0.0.1
        CSeq: 7 REGISTER
        Contact: <sip:alice@10.0.0.1:5060;transport=udp>
        Expires: 3600
        Content-Length: 0

    ";
    let t = reply(401, register, 3, true);
    assert!(t.starts_with("SIP/2.0 401 Unauthorized\r\n"), "{t}");
    // §8.2.6.2: every Via in order, From, Call-ID and CSeq as the request had them.
    assert_eq!(
        lines_of(&t, "Via"),
        ["SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1", "SIP/2.0/TCP 10.0.0.2:5058;branch=z9hG4bK-2"]
    );
    assert_eq!(lines_of(&t, "From"), ["<sip:alice@example.com>;tag=abc"]);
    assert_eq!(lines_of(&t, "Call-ID"), ["reg-1@10.0.0.1"]);
    assert_eq!(lines_of(&t, "CSeq"), ["7 REGISTER"]);
    // The To with a tag added (the request's had none).
    let to = lines_of(&t, "To");
    assert_eq!(to.len(), 1);
    let tag = to[0].strip_prefix("<sip:alice@example.com>;tag=").unwrap_or_else(|| panic!("{t}"));
    assert!(!tag.is_empty() && !tag.contains(';'), "{tag}");
    // Sprout's challenge: Digest, the realm of the domain, MD5, qop "auth", a nonce and an
    // opaque.
    let www = lines_of(&t, "WWW-Authenticate");
    assert_eq!(www.len(), 1, "{t}");
    assert!(www[0].starts_with("Digest realm=\"example.com\", nonce=\""), "{t}");
    assert!(www[0].contains("\", opaque=\"") && www[0].ends_with(", algorithm=MD5, qop=\"auth\""), "{t}");
    assert!(t.ends_with("Content-Length: 0\r\n\r\n"), "{t}");
    // The same call gets the same tag; another call another one.
    assert_eq!(lines_of(&reply(200, register, 3, true), "To"), to);
    assert_ne!(lines_of(&reply(200, register, 4, true), "To"), to);
    // A 100 gets no tag (§8.2.6.2).
    assert_eq!(lines_of(&reply(100, register, 3, true), "To"), ["<sip:alice@example.com>"]);

    // The 200: the contact with the granted expiry (asked 3600, granted at most 300), the
    // S-CSCF's Service-Route and the registered identity as P-Associated-URI.
    let t = reply(200, register, 3, true);
    assert_eq!(lines_of(&t, "Contact"), ["<sip:alice@10.0.0.1:5060;transport=udp>;expires=300"], "{t}");
    assert_eq!(lines_of(&t, "Service-Route").len(), 1, "{t}");
    assert_eq!(lines_of(&t, "P-Associated-URI"), ["<sip:alice@example.com>"], "{t}");
    assert!(lines_of(&t, "WWW-Authenticate").is_empty());
    // Asking less than the grant gets what it asked; the contact's own parameter wins over
    // the Expires header.
    let short =
        register.replace("Contact: <sip:alice@10.0.0.1:5060;transport=udp>", "Contact: <sip:alice@h>;expires=60");
    assert_eq!(lines_of(&reply(200, &short, 3, true), "Contact"), ["<sip:alice@h>;expires=60"]);

    // A 200 to an INVITE: a To tag, a Contact for the callee, a Record-Route per proxy
    // (Bono, Sprout, Bono), and an SDP body its Content-Length counts.
    let invite = "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-3\n\
                  From: <sip:alice@example.com>;tag=1\nt: <sip:bob@example.com>\nCall-ID: c-1\nCSeq: 1 INVITE\n\n";
    let t = reply(200, invite, 3, true);
    assert!(lines_of(&t, "To")[0].starts_with("<sip:bob@example.com>;tag="), "{t}");
    let contact = lines_of(&t, "Contact");
    assert!(contact.len() == 1 && contact[0].starts_with("<sip:bob@"), "{t}");
    let rr = lines_of(&t, "Record-Route");
    assert!(rr.len() == 3 && rr.iter().all(|r| r.starts_with("<sip:") && r.ends_with(";lr>")), "{t}");
    assert_eq!(lines_of(&reply(200, invite, 3, false), "Record-Route").len(), 1, "Sprout alone");
    let (_, body) = t.split_once("\r\n\r\n").unwrap();
    assert!(body.starts_with("v=0\r\n"), "{t}");
    assert_eq!(lines_of(&t, "Content-Length"), [body.len().to_string()]);
    // A To that has a tag is copied as it is (a response inside the dialog).
    let bye = "BYE sip:bob@example.com SIP/2.0\nTo: <sip:bob@example.com>;tag=xyz\nCSeq: 2 BYE\n\n";
    assert_eq!(lines_of(&reply(200, bye, 3, true), "To"), ["<sip:bob@example.com>;tag=xyz"]);
    // No request text: the CSeq and Call-ID the call numbers give.
    let t = reply(200, "", 3, true);
    assert_eq!((lines_of(&t, "CSeq"), lines_of(&t, "Call-ID")), (vec!["2 INVITE"], vec!["3///0-0@cwsim"]));

    // ereg's header search names headers as written, case-insensitively (no compact form
    // needed): `to:` finds the To line, and captures its tag.
    let t = reply(401, register, 3, true);
    let (s, v, out) = act(
        "<ereg search_in=\"hdr\" header=\"to:\" regexp=\";tag=([^;]+)\" check_it=\"true\" assign_to=\"all,tag\"/>",
        &t,
    );
    assert_eq!(out.failure, None);
    assert_eq!(var(&s, &v, "tag").string(), tag);
    let (s, v, out) =
        act("<ereg search_in=\"hdr\" header=\"WWW-Authenticate:\" regexp=\"realm=&quot;([^&quot;]*)&quot;\" assign_to=\"all,realm\"/>", &t);
    assert_eq!((out.failure, var(&s, &v, "realm").string()), (None, "example.com"));
}

/// A registration whose requests carry the headers a real one does (keywords the model does
/// not render, such as `[local_ip]`, left empty); `check` is the 200's action.
fn register_with_headers(check: &str) -> String {
    let req = |auth: &str| {
        format!(
            "<send><![CDATA[\nREGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\n\
             From: <sip:alice@example.com>;tag=[call_number]\nTo: <sip:alice@example.com>\nCall-ID: [call_id]\n\
             CSeq: [cseq] REGISTER\nContact: <sip:alice@[local_ip]:[local_port]>\nExpires: 3600\n{auth}Content-Length: 0\n\n]]></send>"
        )
    };
    format!(
        "{}<recv response=\"401\" auth=\"true\"><action><ereg search_in=\"hdr\" header=\"WWW-Authenticate:\" \
         regexp=\"realm=&quot;([^&quot;]*)&quot;\" check_it=\"true\" assign_to=\"w,realm\"/></action></recv>\
         {}<recv response=\"200\"><action>{check}</action></recv>",
        req(""),
        req("[authentication username=alice password=b]\n")
    )
}

#[test]
fn ereg_finds_the_headers_of_the_responses_the_deployment_sends() {
    let dir = Dir::new("sipp-actions-ereg-headers");
    // The 200's To tag and the contact's granted expiry are captured, then checked: the tag
    // is not empty, the realm is the To's domain, and the expiry is the 300 s Sprout grants
    // (reg_max_expires 300 s here, below the 3600 s asked).
    let check = "<ereg search_in=\"hdr\" header=\"To:\" regexp=\";tag=([^;]+)\" check_it=\"true\" assign_to=\"all,tag\"/>\
                 <ereg search_in=\"hdr\" header=\"Contact:\" regexp=\";expires=([0-9]+)\" check_it=\"true\" assign_to=\"c,exp\"/>";
    let verdict = "<nop><action><strcmp variable=\"tag\" value=\"\" check_it_inverse=\"true\"/>\
                   <strcmp variable=\"realm\" value=\"example.com\" check_it=\"true\"/>\
                   <todouble assign_to=\"e\" variable=\"exp\"/>\
                   <test variable=\"e\" compare=\"equal\" value=\"300\" check_it=\"true\"/></action></nop>";
    let body = format!("{}{verdict}", register_with_headers(check));
    let xml = dir.file("tag.xml", &format!("<scenario>{body}</scenario>"));
    let r = run_granting("300s", 100, &format!("scenario = \"{xml}\"\nrate = 1\n"));
    let t = &r.sipp[0].totals;
    let ended = t.created - t.live;
    assert!(ended > 50, "{t:?}");
    assert_eq!(t.failed.iter().sum::<u64>(), 0, "{t:?}");
    assert_eq!(t.successful, ended, "{t:?}");
    // Control: a header no one sends fails every call with the header-not-found reason.
    let nope = "<ereg search_in=\"hdr\" header=\"X-Nope:\" regexp=\".\" check_it=\"true\" assign_to=\"n\"/>";
    let xml = dir.file("nope.xml", &format!("<scenario>{}</scenario>", register_with_headers(nope)));
    let r = run_with(100, &format!("scenario = \"{xml}\"\nrate = 1\n"));
    let t = &r.sipp[0].totals;
    let ended = t.created - t.live;
    assert!(ended > 50, "{t:?}");
    assert_eq!((t.failed[SippFailure::RegexpHdrNotFound as usize], t.successful), (ended, 0), "{t:?}");

    // A call: the 200's tag is captured and written into the BYE's To; the 200 to the BYE
    // copies that To, tag and all, so the tag captured again is the same. The 200 to the
    // INVITE is record-routed by Sprout.
    let xml = dir.file(
        "call.xml",
        "<scenario><send><![CDATA[\nINVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP [local_ip];branch=[branch]\n\
         From: <sip:alice@example.com>;tag=[call_number]\nTo: <sip:bob@example.com>\nCall-ID: [call_id]\n\
         CSeq: 1 INVITE\nContent-Length: 0\n\n]]></send>\
         <recv response=\"100\" optional=\"true\"/><recv response=\"180\" optional=\"true\"/>\
         <recv response=\"200\"><action><ereg search_in=\"hdr\" header=\"To:\" regexp=\";tag=([^;]+)\" check_it=\"true\" assign_to=\"a,tag\"/>\
         <ereg search_in=\"hdr\" header=\"Record-Route:\" regexp=\";lr&gt;$\" check_it=\"true\" assign_to=\"rr\"/>\
         <ereg search_in=\"body\" regexp=\"^v=0\" check_it=\"true\" assign_to=\"sdp\"/></action></recv>\
         <send><![CDATA[\nACK sip:bob@example.com SIP/2.0\nTo: <sip:bob@example.com>;tag=[$tag]\nCSeq: 1 ACK\n\n]]></send>\
         <pause milliseconds=\"100\"/>\
         <send><![CDATA[\nBYE sip:bob@example.com SIP/2.0\nTo: <sip:bob@example.com>;tag=[$tag]\nCSeq: 2 BYE\n\n]]></send>\
         <recv response=\"200\"><action><ereg search_in=\"hdr\" header=\"To:\" regexp=\"^&lt;sip:bob@example.com&gt;;tag=([^;]+)$\" check_it=\"true\" assign_to=\"b,again\"/>\
         <strcmp variable=\"again\" variable2=\"tag\" check_it=\"true\"/></action></recv></scenario>",
    );
    let r = run_with(200, &format!("scenario = \"{xml}\"\nrate = 2\n"));
    let t = &r.sipp[0].totals;
    let ended = t.created - t.live;
    assert!(ended > 50, "{t:?}");
    assert_eq!(t.failed.iter().sum::<u64>(), 0, "{t:?}");
    assert_eq!(t.successful, ended, "{t:?}");
}
