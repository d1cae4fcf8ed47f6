//! SIPp scenarios as the load: the XML-driven run offers the deployment the same work as the
//! equivalent built-in profile, the traffic options act as SIPp's do, and what the
//! simulation cannot run is refused before it starts.

use cwsim::engine::RunControl;
use cwsim::metrics::estimate::{Level, Sample};
use cwsim::model::clearwater::{self, ClearwaterResult};
use cwsim::scenario::{self, Scenario, Tier};

const DEPLOYMENT: &str = r#"
[simulation]
duration = "6m"
warmup = "1m"
sample_interval = "30s"
replications = 6
[[site]]
name = "a"
bono = { nodes = 0 }
sprout = { nodes = 2 }
homestead = { nodes = 1 }
[sip]
reg_max_expires = "3600s"
"#;

/// The built-in rate profile: 2 000 preregistered subscribers re-registering every 290 s,
/// 4 calls/s between pairs, answered after 1 s, 10 s long.
const BUILT_IN: &str = r#"
[load]
profile = "rate"
subscribers = 2000
reregister = "290s"
rate = "4/s"
answer_after = "1s"
call_length = "10s"
"#;

/// The same load as two SIPp instances side by side: SIPp's uac.xml at 4 calls/s with
/// `-d 10000` against a UAS that answers after 1 s, and a REGISTER scenario at
/// 2 000 registrations every 290 s (each subscriber once per 290 s, in sequence).
const XML: &str = r#"
[load]
profile = "sipp"
subscribers = 2000

[[load.source]]
scenario = "tests/sipp/uac.xml"
callee = "tests/sipp/uas-answer-1s.xml"
rate = 4
default_pause = "10s"

[[load.source]]
scenario = "tests/sipp/register.xml"
rate = 2000
rate_period = "290s"
"#;

fn parse(load: &str) -> Scenario {
    let text = format!("{DEPLOYMENT}\n{load}");
    scenario::parse("sipp-load.toml", "sipp-load", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn runs(s: &Scenario) -> Vec<ClearwaterResult> {
    (0..s.simulation.replications).map(|r| clearwater::run(s, r, &RunControl::default())).collect()
}

fn sprout_cpu(r: &ClearwaterResult) -> f64 {
    let sprouts: Vec<f64> = r.nodes.iter().filter(|n| n.tier == Tier::Sprout).map(|n| n.cpu).collect();
    sprouts.iter().sum::<f64>() / sprouts.len() as f64
}

/// Asserts that two sets of replications agree on a figure: the difference of their means
/// lies within the 99% Student-t interval of the difference (Welch), plus `slack` for what
/// differs by construction.
fn agree(what: &str, a: &[f64], b: &[f64], slack: f64) {
    let (ea, eb) = (Sample::of(a), Sample::of(b));
    let half = |e: &Sample| e.half_width(Level::P99).unwrap_or(0.0);
    let diff = (ea.mean - eb.mean).abs();
    let bound = (half(&ea).powi(2) + half(&eb).powi(2)).sqrt() + slack;
    assert!(diff <= bound, "{what}: built-in {:.6} vs XML {:.6} (|Δ| {diff:.6} > {bound:.6})", ea.mean, eb.mean);
}

#[test]
fn an_xml_load_matches_the_equivalent_built_in_profile() {
    let (built_in, xml) = (runs(&parse(BUILT_IN)), runs(&parse(XML)));
    // Sprout's CPU: the same requests through the same flows. Offered work per second:
    // 2000/290 = 6.9 registrations (each a challenge and a REGISTER with credentials) and
    // 4 calls (INVITE, ACK, BYE) in both; only the arrival pattern of registrations differs
    // (random phases against SIPp's even spacing), which moves no mean.
    agree(
        "Sprout CPU",
        &built_in.iter().map(sprout_cpu).collect::<Vec<_>>(),
        &xml.iter().map(sprout_cpu).collect::<Vec<_>>(),
        0.002,
    );
    for t in [
        clearwater::ReqType::RegisterRefresh,
        clearwater::ReqType::InviteSetup,
        clearwater::ReqType::InviteAnswer,
        clearwater::ReqType::Bye,
    ] {
        let count = |rs: &[ClearwaterResult]| rs.iter().map(|r| r.req[t].counts.ok as f64).collect::<Vec<_>>();
        let mean = |rs: &[ClearwaterResult]| rs.iter().map(|r| r.req[t].latency.mean_ns() / 1e6).collect::<Vec<_>>();
        let p95 = |rs: &[ClearwaterResult]| {
            rs.iter().map(|r| r.req[t].latency.quantile_us(0.95) as f64 / 1e3).collect::<Vec<_>>()
        };
        // Counts over the 5 measured minutes: 300 s × 6.9/s ≈ 2069 registrations and
        // 300 s × 4/s = 1200 calls, ± the calls in flight at the window's edges.
        agree(&format!("{} count", t.name()), &count(&built_in), &count(&xml), 0.02 * count(&built_in)[0] + 5.0);
        agree(&format!("{} mean latency ms", t.name()), &mean(&built_in), &mean(&xml), 0.5);
        // The tail is where the arrival pattern shows: SIPp's evenly spaced REGISTERs queue
        // less at Sprout than the built-in profile's random phases, so the XML run's p95 may
        // sit a little lower (by up to ~3%: 1.4 ms of 51 ms for REGISTER).
        let p95_slack = 0.03 * p95(&built_in).iter().sum::<f64>() / built_in.len() as f64;
        agree(&format!("{} p95 latency ms", t.name()), &p95(&built_in), &p95(&xml), p95_slack.max(1.0));
    }
    for r in &xml {
        assert_eq!(r.req_total[clearwater::ReqType::InviteSetup].failed.iter().sum::<u64>(), 0);
    }
}

fn sipp_errors(load: &str) -> String {
    let text = format!("{DEPLOYMENT}\n{load}");
    scenario::parse("sipp-load.toml", "sipp-load", text.as_bytes()).map(|_| ()).unwrap_err().to_string()
}

#[test]
fn keys_declare_keywords_and_send_options_are_read() {
    let core = "[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"scenarios/sipp/core-caller.xml\"\n\
                inf = \"scenarios/sipp/users.csv\"\n";
    let e = sipp_errors(core);
    assert!(
        e.contains("load.scenario: the SIPp scenario does not compile") && e.contains("unknown keyword [home_domain]"),
        "{e}"
    );
    let with_key = format!("{core}keys = {{ home_domain = \"example.com\" }}\n");
    scenario::parse("k.toml", "k", format!("{DEPLOYMENT}\n{with_key}").as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    // -send_timeout and -default_behaviors are accepted with SIPp's meaning (their effects:
    // sipp_actions.rs); a value of the wrong kind is refused by name.
    for (key, ok) in [("send_timeout", "\"2s\""), ("default_behaviors", "\"all,-bye\"")] {
        let text = format!("{DEPLOYMENT}\n{core}keys = {{ home_domain = \"x\" }}\n{key} = {ok}\n");
        scenario::parse("k.toml", "k", text.as_bytes()).unwrap_or_else(|e| panic!("{key}: {e}"));
        let e = sipp_errors(&format!("{core}keys = {{ home_domain = \"x\" }}\n{key} = true\n"));
        assert!(e.contains(&format!("load.{key}")), "{key}: {e}");
    }
}

#[test]
fn what_the_deployment_cannot_run_is_refused_before_the_run() {
    // uas.xml as the caller: it receives the INVITE and sends responses.
    let e = sipp_errors("[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"tests/sipp/uas.xml\"\n");
    assert!(e.contains("cannot run tests/sipp/uas.xml") && e.contains("<recv request=\"INVITE\">"), "{e}");
    // A field without an injection file; a missing file; a 3PCC controller.
    let e =
        sipp_errors("[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"scenarios/sipp/register-call.xml\"\n");
    assert!(e.contains("uses [field2]: give its injection file as inf"), "{e}");
    let e = sipp_errors("[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"nowhere.xml\"\n");
    assert!(e.contains("load.scenario: cannot read nowhere.xml"), "{e}");
    let e = sipp_errors("[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"tests/sipp/3pcc-C-A.xml\"\n");
    assert!(e.contains("<sendCmd>: unsupported: 3PCC"), "{e}");
    let e = sipp_errors("[load]\nprofile = \"sipp\"\nsubscribers = 10\n");
    assert!(e.contains("a SIPp load needs scenario"), "{e}");
}

#[test]
fn an_injection_file_is_read_as_sipp_reads_it() {
    let inf = cwsim::scenario::sipp_load::parse_inf("RANDOM\n# comment\na;b;c\n\nd;e;f\n").unwrap();
    assert_eq!(inf.order, cwsim::scenario::sipp_load::InfOrder::Random);
    assert_eq!(inf.lines, [vec!["a", "b", "c"], vec!["d", "e", "f"]]);
    assert!(cwsim::scenario::sipp_load::parse_inf("ORDERED\na\n").unwrap_err().contains("SEQUENTIAL, RANDOM or USER"));
}

/// One replication of a small SIPp load on a deployment without Bono; `load` holds the
/// source's keys after `profile` and `subscribers`.
fn one_run(load: &str) -> ClearwaterResult {
    let text = format!(
        "[simulation]\nduration = \"60s\"\n[[site]]\nname = \"a\"\nbono = {{ nodes = 0 }}\nsprout = {{ nodes = 1 }}\n\
         homestead = {{ nodes = 1 }}\n[sip]\nreg_max_expires = \"3600s\"\n[load]\nprofile = \"sipp\"\nsubscribers = 200\n{load}"
    );
    let s = scenario::parse("one.toml", "one", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    clearwater::run(&s, 0, &RunControl::default())
}

#[test]
fn traffic_options_act_as_sipps() {
    // -m 30 at 10 calls/s: exactly 30 calls, all created in the first 3 s.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\nrate = 10\ndefault_pause = \"1s\"\nmax_calls = 30\n");
    assert_eq!((r.sipp[0].totals.created, r.sipp[0].totals.successful), (30, 30));
    // -r 5 -rp 10s: one call every 2 s from t = 0, so t = 0, 2, …, 60 in a 60 s run (whose
    // last instant is included): 31.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\nrate = 5\nrate_period = \"10s\"\n");
    assert_eq!(r.sipp[0].totals.created, 31);
    // -l 5 with 10 s calls at 10/s: five calls at a time, so about 5 × 60 s / 10 s = 30
    // over the run (each call also waits its setup and BYE: a little fewer); the others
    // are not started.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\nrate = 10\ndefault_pause = \"10s\"\nlimit = 5\n");
    assert!((25..=30).contains(&r.sipp[0].totals.created), "{:?}", r.sipp[0]);
    assert!(r.sipp[0].refused_by_limit > 500, "{:?}", r.sipp[0]);
    // -rate_increase 1 every 10 s from 1/s up to 3/s: 10 calls in [0, 10 s), 20 in
    // [10, 20 s), then 3/s for 40 s: 150 (± one at each step's edge).
    let r = one_run(
        "scenario = \"tests/sipp/uac.xml\"\nrate = 1\nrate_increase = 1\nrate_interval = \"10s\"\nrate_max = 3\n",
    );
    assert!((148..=152).contains(&r.sipp[0].totals.created), "{:?}", r.sipp[0]);
}

#[test]
fn unexpected_responses_and_timeouts_fail_calls_as_sipp_counts_them() {
    use cwsim::model::clearwater::SippFailure;
    // A REGISTER scenario that does not expect the challenge: every 401 is unexpected.
    let dir = crate::support::temp_dir("sipp-unexpected");
    let xml = dir.join("reg.xml");
    std::fs::write(
        &xml,
        "<scenario><send><![CDATA[\nREGISTER sip:example.com SIP/2.0\n]]></send><recv response=\"200\"/></scenario>",
    )
    .unwrap();
    let r = one_run(&format!("scenario = \"{}\"\nrate = 2\n", xml.display()));
    let c = &r.sipp[0];
    assert_eq!(c.totals.successful, 0);
    assert_eq!(c.totals.failed[SippFailure::UnexpectedMessage as usize], c.steps[1].unexpected);
    assert!(c.totals.failed[SippFailure::UnexpectedMessage as usize] >= 118, "{c:?}");
    // A recv that cannot be met in 1 ms times out (FailedTimeoutOnRecv); with ontimeout
    // the call goes on at the label instead, and ends there successfully.
    let body = |attrs: &str| {
        format!(
            "<scenario><send><![CDATA[\nINVITE sip:a@b SIP/2.0\n]]></send><recv response=\"180\" timeout=\"1\"{attrs}/>\
             <recv response=\"200\"/><send><![CDATA[\nBYE sip:a@b SIP/2.0\n]]></send><recv response=\"200\"/>\
             <label id=\"done\"/></scenario>"
        )
    };
    std::fs::write(&xml, body("")).unwrap();
    let r = one_run(&format!("scenario = \"{}\"\nrate = 2\n", xml.display()));
    let c = &r.sipp[0];
    // (The call placed at the run's last instant has not timed out yet: it is live.)
    let ended = c.totals.created - c.totals.live;
    assert_eq!(c.totals.failed[SippFailure::TimeoutOnRecv as usize], ended, "{c:?}");
    assert_eq!(c.steps[1].timeouts, ended);
    std::fs::write(&xml, body(" ontimeout=\"done\"")).unwrap();
    let r = one_run(&format!("scenario = \"{}\"\nrate = 2\n", xml.display()));
    let c = &r.sipp[0];
    let ended = c.totals.created - c.totals.live;
    assert_eq!((c.totals.successful, c.steps[1].timeouts), (ended, ended), "{c:?}");
    // Every abandoned call was hung up when answered (SIPp's default "bye"), all but the one
    // placed at the run's last instant.
    let (invites, byes) =
        (r.req_total[clearwater::ReqType::InviteSetup].started, r.req_total[clearwater::ReqType::Bye].started);
    assert!(invites - byes <= 1, "{invites} INVITEs, {byes} BYEs");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sipp_run_is_deterministic() {
    let a = one_run("scenario = \"tests/sipp/regexp.xml\"\nrate = 3\n");
    let b = one_run("scenario = \"tests/sipp/regexp.xml\"\nrate = 3\n");
    assert_eq!(a.fingerprint.value(), b.fingerprint.value());
    assert_eq!(a.sipp, b.sipp);
}

#[test]
fn injected_fields_are_checked_as_message_text() {
    let dir = crate::support::temp_dir("sipp-inf");
    let csv = dir.join("users.csv");
    std::fs::write(
        &csv,
        "SEQUENTIAL\na;example.com;[authentication username=a password=\"p]q\"]\nb;example.com;[bogus]\n",
    )
    .unwrap();
    let load = format!(
        "[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"{}\"\ninf = \"{}\"\n",
        crate::support::repo().join("scenarios/sipp/register-call.xml").display(),
        csv.display()
    );
    let e = sipp_errors(&load);
    assert!(e.contains("load.inf: data line 2 field 2: unknown keyword [bogus]"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn closed_loop_users_global_timeout_and_default_recv_timeout() {
    use cwsim::model::clearwater::SippFailure;
    // -users 5: five calls at a time, each replaced as it ends. uac.xml with -d 10s lasts
    // 10 s plus its setup and BYE (tens of ms), so over 60 s each user places 6 calls
    // (the sixth starting just after 50 s): 30 created, 25 ended by the end.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\ndefault_pause = \"10s\"\nusers = 5\n");
    let t = &r.sipp[0].totals;
    assert_eq!((t.created, t.successful, t.live), (30, 25, 5), "{t:?}");
    // -timeout 20s at 2 calls/s: calls at t = 0, 0.5, …, 19.5 (40 of them); those ended by
    // then count (2 s calls: the ones started before ~18 s), the others are left live.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\nrate = 2\ndefault_pause = \"2s\"\ntimeout = \"20s\"\n");
    let t = &r.sipp[0].totals;
    assert_eq!(t.created, 40, "{t:?}");
    assert_eq!(t.successful + t.live, 40, "{t:?}");
    assert!((35..=37).contains(&t.successful), "{t:?}");
    // -recv_timeout 1ms: the first mandatory recv (uac.xml's 200) times out before any
    // answer can come back.
    let r = one_run("scenario = \"tests/sipp/uac.xml\"\nrate = 2\nrecv_timeout = \"1ms\"\n");
    let t = &r.sipp[0].totals;
    assert_eq!(t.failed[SippFailure::TimeoutOnRecv as usize], t.created - t.live, "{t:?}");
    // A closed loop needs a scenario that waits for a response (else its calls would end
    // and restart at the same instant forever).
    let dir = crate::support::temp_dir("sipp-users");
    let xml = dir.join("pause.xml");
    std::fs::write(&xml, "<scenario><pause milliseconds=\"0\"/><nop/></scenario>").unwrap();
    let e = sipp_errors(&format!(
        "[load]\nprofile = \"sipp\"\nsubscribers = 10\nscenario = \"{}\"\nusers = 2\n",
        xml.display()
    ));
    assert!(e.contains("load.users: a closed loop needs a scenario that waits"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
