//! SIPp XML scenarios compiled into UE scripts: SIPp's own scenarios load unchanged, every
//! supported element, attribute and action compiles to what its SIPp documentation says,
//! and what is not supported is refused by name with file:line:column. Expected values are
//! read off the XML written in each test.

use cwsim::sipp::script::*;

use crate::support::{cwsim, repo, stderr, stdout};

/// Compiles a scenario body (the text inside `<scenario>`).
pub fn compile_keys(body: &str, keys: &[&str]) -> Result<Script, String> {
    let text = format!("<?xml version=\"1.0\"?>\n<scenario name=\"t\">\n{body}\n</scenario>\n");
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    cwsim::sipp::compile("t.xml", text.as_bytes(), &keys).map_err(|e| e.to_string())
}

pub fn compile(body: &str) -> Result<Script, String> {
    compile_keys(body, &[])
}

pub fn ok(body: &str) -> Script {
    compile(body).unwrap_or_else(|e| panic!("{e}"))
}

pub fn err(body: &str) -> String {
    match compile(body) {
        Ok(s) => panic!("compiled, expected an error: {s:?}"),
        Err(e) => e,
    }
}

/// A minimal request to send.
pub const INVITE: &str = "<send><![CDATA[\nINVITE sip:a@b SIP/2.0\nContent-Length: 0\n]]></send>";

fn file(name: &str) -> Result<Script, String> {
    cwsim::sipp::load(&repo().join("tests/sipp").join(name), &[]).map_err(|e| e.to_string())
}

fn kinds(s: &Script) -> Vec<String> {
    s.steps.iter().map(Step::label).collect()
}

#[test]
fn sipps_builtin_scenarios_load_unchanged() {
    // uac.xml, read top to bottom: INVITE, three optional provisional responses, 200 with
    // rtd, ACK, a <pause/> without attributes, BYE, 200.
    let uac = file("uac.xml").unwrap();
    assert_eq!(uac.name, "Basic Sipstone UAC");
    assert_eq!(
        kinds(&uac),
        ["INVITE ->", "<- 100", "<- 180", "<- 183", "<- 200", "ACK ->", "[pause]", "BYE ->", "<- 200"]
    );
    assert_eq!(uac.response_time_repartition, [10, 20, 30, 40, 50, 100, 150, 200]);
    assert_eq!(uac.call_length_repartition, [10, 50, 100, 500, 1000, 5000, 10000]);
    let StepKind::Send(invite) = &uac.steps[0].kind else { panic!() };
    assert_eq!(invite.retrans, Some(500));
    assert!(matches!(uac.steps[6].kind, StepKind::Pause { length: PauseLength::Default, timewait: false }));
    assert_eq!(uac.steps[4].common.rtd, [0]);
    assert_eq!(uac.rtds, ["1"], "rtd=\"true\" is RTD 1, as SIPp names it");

    let uas = file("uas.xml").unwrap();
    assert_eq!(kinds(&uas), ["<- INVITE", "180 ->", "200 ->", "<- ACK", "<- BYE", "200 ->", "[timewait]"]);
    assert!(matches!(
        &uas.steps[6].kind,
        StepKind::Pause { length: PauseLength::Dist(Distribution::Fixed(ms)), timewait: true } if *ms == 4000.0
    ));

    let regexp = file("regexp.xml").unwrap();
    let ereg: Vec<&Ereg> = regexp.steps[4]
        .common
        .actions
        .iter()
        .map(|a| match a {
            Action::Ereg(e) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ereg.len(), 3);
    assert_eq!(ereg[1].search_in, SearchIn::Hdr { header: "Contact:".into(), occurrence: Occurrence::Nth(1) });
    assert_eq!(ereg[2].assign_to.len(), 4, "assign_to=\"3,4,5,8\"");
    assert!(ereg[2].regexp.text.contains("[[:alnum:]]"), "brackets in attributes are not keywords");

    // branchc: recv 200 next="5" jumps over one recv to the step after <label id="5"/>.
    let branchc = file("branchc.xml").unwrap();
    assert_eq!(branchc.steps[1].common.next, Some(3));
    assert_eq!(kinds(&branchc)[3], "INVITE ->");
    let ack = branchc.steps.iter().position(|s| s.label() == "ACK ->").unwrap();
    assert_eq!(branchc.steps[ack].common.test, Some(0), "test=\"8\", the only variable");
    assert_eq!(branchc.variables, ["8"]);

    let branchs = file("branchs.xml").unwrap();
    assert_eq!(kinds(&branchs)[..3], ["<- REGISTER", "200 ->", "<- INVITE"]);
    for name in ["3pcc-A.xml", "3pcc-B.xml", "ooc_default.xml"] {
        file(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn three_pcc_and_pcap_play_are_refused_by_name() {
    for name in ["3pcc-C-A.xml", "3pcc-C-B.xml"] {
        let e = file(name).unwrap_err();
        assert!(e.contains("3PCC") && e.contains("<sendCmd>") && e.contains("<recvCmd>"), "{e}");
        assert!(e.contains("2 errors"), "both commands reported at once: {e}");
    }
    let e = file("uac_pcap.xml").unwrap_err();
    assert!(e.contains("uac_pcap.xml:87:30: <exec play_pcap_audio>: unsupported"), "{e}");
}

#[test]
fn a_raw_less_than_in_an_attribute_is_refused_with_its_line() {
    let e = err("<recv response=\"200\">\n<action>\n<ereg regexp=\"a<b\" assign_to=\"x\"/>\n</action>\n</recv>");
    // The scenario starts at line 3 (after the declaration and <scenario>); the ereg is on
    // the body's third line, so line 5; the '<' is the 16th character.
    assert!(e.contains("t.xml:5:16: XML: not well-formed XML: a raw '<'"), "{e}");
}

#[test]
fn malformed_xml_is_refused_with_its_position() {
    let e = compile("<send>").unwrap_err();
    assert!(e.contains("t.xml:") && e.contains("XML"), "{e}");
    let e =
        cwsim::sipp::compile("x.xml", b"<scenario><recv response=\"200\"></scenario>", &[]).unwrap_err().to_string();
    assert!(e.starts_with("error: x.xml:1:"), "{e}");
    let e = cwsim::sipp::compile("x.xml", b"", &[]).unwrap_err().to_string();
    assert!(e.contains("no XML element"), "{e}");
    let e = cwsim::sipp::compile("x.xml", b"<other/>", &[]).unwrap_err().to_string();
    assert!(e.contains("a SIPp scenario is a <scenario>"), "{e}");
    let e = compile("<recv response='200' response='180'/>").unwrap_err();
    assert!(e.contains("given twice"), "{e}");
}

#[test]
fn unknown_elements_and_attributes_are_named_with_what_is_supported() {
    let e = err(&format!("{INVITE}\n<recv response=\"200\" bogus=\"1\"/>\n<frobnicate/>"));
    assert!(e.contains("t.xml:7:22: <recv bogus>: unknown attribute bogus; <recv> supports:"), "{e}");
    assert!(e.contains("optional") && e.contains("rrs"), "the list: {e}");
    assert!(
        e.contains("t.xml:8:2: <frobnicate>: unknown element <frobnicate> in <scenario>; supported: send, recv"),
        "{e}"
    );
    assert!(e.contains("2 errors in SIPp scenario"), "all errors at once: {e}");
    let e = err(&format!("{INVITE}<recv response=\"200\"><foo/></recv>"));
    assert!(e.contains("unknown element <foo> in <recv>; supported: action"), "{e}");
    let e = err("<DefaultMessage id=\"x\"/>");
    assert!(e.contains("<DefaultMessage>: unsupported"), "{e}");
}

#[test]
fn send_attributes() {
    let s = ok("<send retrans=\"500\" timeout=\"2000\" start_rtd=\"setup\" rtd=\"a,b\" repeat_rtd=\"true\" \
                lost=\"10\" start_txn=\"inv\" crlf=\"true\" hide=\"true\" display=\"hello\" counter=\"c1\">\
                <![CDATA[\nINVITE sip:a@b SIP/2.0\n]]></send>\n\
                <recv response=\"200\" response_txn=\"inv\"/>\
                <send ack_txn=\"inv\" next=\"end\" test=\"v\" chance=\"0.25\" condexec=\"w\" condexec_inverse=\"true\">\
                <![CDATA[\nACK sip:a@b SIP/2.0\n]]></send>\
                <send><![CDATA[\n  SIP/2.0 486 Busy Here\n]]></send>\
                <label id=\"end\"/>");
    let StepKind::Send(inv) = &s.steps[0].kind else { panic!() };
    assert_eq!(inv.what, SendWhat::Request("INVITE".into()));
    assert_eq!((inv.retrans, inv.timeout, inv.start_txn.as_deref()), (Some(500), Some(2000), Some("inv")));
    let c = &s.steps[0].common;
    assert_eq!(s.rtds, ["setup", "a", "b"]);
    assert_eq!((c.start_rtd.as_slice(), c.rtd.as_slice(), c.repeat_rtd), (&[0][..], &[1, 2][..], true));
    assert_eq!(
        (c.lost, c.crlf, c.hide, c.display.as_deref(), c.counter.as_deref()),
        (Some(10.0), true, true, Some("hello"), Some("c1"))
    );
    let StepKind::Recv(r) = &s.steps[1].kind else { panic!() };
    assert_eq!(r.response_txn.as_deref(), Some("inv"));
    let StepKind::Send(ack) = &s.steps[2].kind else { panic!() };
    assert_eq!(ack.ack_txn.as_deref(), Some("inv"));
    let c = &s.steps[2].common;
    assert_eq!(c.next, Some(4), "the label after the last step names the end of the scenario");
    let var = |v: Option<VarId>| s.variables[v.unwrap() as usize].as_str();
    assert_eq!((var(c.test), c.chance), ("v", 0.25));
    assert_eq!((var(c.condexec.map(|c| c.0)), c.condexec.unwrap().1), ("w", true));
    let StepKind::Send(busy) = &s.steps[3].kind else { panic!() };
    assert_eq!(busy.what, SendWhat::Response(486), "a response's code, leading blanks dropped as SIPp does");
}

#[test]
fn send_errors() {
    assert!(err("<send></send>").contains("no message"));
    assert!(err("<send><![CDATA[\n[service] sip:a SIP/2.0\n]]></send>").contains("must start with literal text"));
    assert!(err("<send><![CDATA[\nSIP/2.0 99 Low\n]]></send>").contains("invalid status code \"99\""));
    assert!(err(&INVITE.replace("<send>", "<send retrans=\"-1\">")).contains("expected milliseconds"));
    assert!(err(&INVITE.replace("<send>", "<send lost=\"101\">")).contains("a percentage from 0 to 100"));
    assert!(err(&INVITE.replace("<send>", "<send chance=\"2\" next=\"x\">")).contains("not in range [0..1]"));
    assert!(err(&INVITE.replace("<send>", "<send test=\"v\">")).contains("there is no next"));
    let e = err(&INVITE.replace("<send>", "<send next=\"nowhere\">"));
    assert!(e.contains("<send next>: no <label id=\"nowhere\"> in the scenario (labels: none)"), "{e}");
}

#[test]
fn recv_attributes() {
    let s = ok(&format!(
        "{INVITE}\
         <recv response=\"100\" optional=\"true\"/>\
         <recv response=\"401\" auth=\"true\" timeout=\"5000\" ontimeout=\"retry\" crlf=\"true\" hide=\"true\" display=\"d\"/>\
         <recv response=\"200\" rrs=\"true\" rtd=\"true\" start_rtd=\"two\" next=\"retry\" test=\"v\" chance=\"0.5\" \
               optional=\"global\" ignoresdp=\"true\"/>\
         <label id=\"retry\"/>\
         <recv request=\"INF.*\" regexp_match=\"true\" advance_state=\"false\">\
           <action><assign assign_to=\"v\" value=\"1\"/></action></recv>"
    ));
    let r = |i: usize| match &s.steps[i].kind {
        StepKind::Recv(r) => r.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(r(1).optional, Optional::Yes);
    assert_eq!((r(2).auth, r(2).timeout, s.steps[2].common.ontimeout), (true, Some(5000), Some(4)));
    assert!(s.steps[2].common.crlf && s.steps[2].common.hide);
    assert_eq!(
        (r(3).rrs, r(3).optional, s.steps[3].common.next, s.steps[3].common.chance),
        (true, Optional::Global, Some(4), 0.5)
    );
    let rtd = |ids: &[RtdId]| ids.iter().map(|i| s.rtds[*i as usize].as_str()).collect::<Vec<_>>();
    assert_eq!((rtd(&s.steps[3].common.rtd), rtd(&s.steps[3].common.start_rtd)), (vec!["1"], vec!["two"]));
    assert_eq!(
        (r(4).matcher.clone(), r(4).regexp_match, r(4).advance_state),
        (RecvMatch::Request("INF.*".into()), true, false)
    );
    assert_eq!(s.steps[4].common.actions, [Action::Assign { to: 0, value: Operand::Value(1.0) }]);
    assert!(s.ignored.iter().any(|(w, _)| w.contains("ignoresdp")), "{:?}", s.ignored);
}

#[test]
fn recv_errors() {
    assert!(err("<recv/>").contains("needs a response or a request"));
    assert!(err("<recv response=\"200\" request=\"BYE\"/>").contains("not both"));
    assert!(err("<recv response=\"2000\"/>").contains("status code from 100 to 699"));
    assert!(err("<recv response=\"200\" optional=\"maybe\"/>").contains("true, false or global"));
    let e = err(&format!("<recv response=\"100\" optional=\"true\"/>{INVITE}"));
    assert!(e.contains("an optional <recv> must be followed by a mandatory <recv>, not <send>"), "{e}");
    assert!(err("<recv response=\"100\" optional=\"true\"/>").contains("cannot end a scenario"));
}

#[test]
fn pause_timewait_nop_and_label() {
    let s = ok("<label id=\"start\"/><pause/><pause milliseconds=\"250\"/><pause variable=\"d\"/>\
                <pause distribution=\"uniform\" min=\"1\" max=\"5\" next=\"start\"/><pause min=\"2\" max=\"3\"/>\
                <nop hide=\"true\" next=\"start\"/><timewait milliseconds=\"4000\"/>");
    let len = |i: usize| match &s.steps[i].kind {
        StepKind::Pause { length, .. } => length.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(len(0), PauseLength::Default);
    assert_eq!(len(1), PauseLength::Dist(Distribution::Fixed(250.0)));
    assert_eq!(len(2), PauseLength::Variable(0));
    assert_eq!(len(3), PauseLength::Dist(Distribution::Uniform { min: 1.0, max: 5.0 }));
    assert_eq!(s.steps[3].common.next, Some(0), "labels are words");
    assert_eq!(len(4), PauseLength::Dist(Distribution::Uniform { min: 2.0, max: 3.0 }), "SIPp's old-style min/max");
    assert!(matches!(s.steps[5].kind, StepKind::Nop) && s.steps[5].common.hide);
    assert!(matches!(s.steps[6].kind, StepKind::Pause { timewait: true, .. }));
    assert!(err("<timewait milliseconds=\"1\"/><nop/>").contains("<timewait> can only be the last"));
    assert!(err("<timewait milliseconds=\"1\" next=\"a\"/><label id=\"a\"/>").contains("not allowed in <timewait>"));
    assert!(err("<label id=\"a\"/><label id=\"a\"/><nop/>").contains("used twice"));
    assert!(err("<label/><nop/>").contains("the attribute id is required"));
    assert!(err("<scenario/>").contains("unknown element <scenario>"));
    assert!(compile("").unwrap_err().contains("no messages"));
}

#[test]
fn every_distribution() {
    for (attrs, want) in [
        ("distribution=\"fixed\" value=\"3\"", Distribution::Fixed(3.0)),
        ("distribution=\"uniform\" min=\"1\" max=\"2\"", Distribution::Uniform { min: 1.0, max: 2.0 }),
        ("distribution=\"normal\" mean=\"5\" stdev=\"1\"", Distribution::Normal { mean: 5.0, stdev: 1.0 }),
        ("distribution=\"lognormal\" mean=\"5\" stdev=\"1\"", Distribution::Lognormal { mean: 5.0, stdev: 1.0 }),
        ("distribution=\"exponential\" mean=\"7\"", Distribution::Exponential { mean: 7.0 }),
        ("distribution=\"weibull\" lambda=\"2\" k=\"3\"", Distribution::Weibull { lambda: 2.0, k: 3.0 }),
        ("distribution=\"pareto\" k=\"2\" x_m=\"3\"", Distribution::Pareto { k: 2.0, x_m: 3.0 }),
        (
            "distribution=\"gpareto\" shape=\"1\" scale=\"2\" location=\"3\"",
            Distribution::Gpareto { shape: 1.0, scale: 2.0, location: 3.0 },
        ),
        ("distribution=\"gamma\" k=\"2\" theta=\"3\"", Distribution::Gamma { k: 2.0, theta: 3.0 }),
        ("distribution=\"negbin\" n=\"2\" p=\"0.5\"", Distribution::Negbin { n: 2.0, p: 0.5 }),
    ] {
        let s = ok(&format!("<pause {attrs}/><nop><action><sample assign_to=\"x\" {attrs}/></action></nop>"));
        assert_eq!(s.steps[0].kind, StepKind::Pause { length: PauseLength::Dist(want.clone()), timewait: false });
        assert_eq!(s.steps[1].common.actions, [Action::Sample { to: 0, dist: want }]);
    }
    assert!(err("<pause distribution=\"zipf\"/>").contains("unknown distribution \"zipf\"; supported: fixed"));
    assert!(err("<pause distribution=\"normal\" mean=\"1\"/>").contains("the attribute stdev is required"));
    assert!(err("<pause distribution=\"exponential\" mean=\"0\"/>").contains("out of range"));
    assert!(err("<pause distribution=\"uniform\" min=\"3\" max=\"1\"/>").contains("below min"));
}

#[test]
fn init_and_variable_declarations() {
    let s = ok("<init><nop><action><assign assign_to=\"n\" value=\"5\"/></action></nop></init>\
                <User variables=\"u1,u2\"/><Global variables=\"g\"/><Reference variables=\"r\"/><nop/>");
    assert_eq!(s.init.len(), 1);
    assert_eq!(s.variables, ["n", "u1", "u2", "g", "r"]);
    assert!(err("<init><send/></init><nop/>").contains("invalid element <send> in <init>"));
    assert!(err("<ResponseTimeRepartition value=\"10, 5\"/><nop/>").contains("increasing milliseconds"));
}

#[test]
fn cli_sipp_check() {
    let out = cwsim(&["sipp", "check", "tests/sipp/uac.xml", "tests/sipp/uas.xml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().filter(|l| l.starts_with("ok: ")).count(), 2);
    let out = cwsim(&["sipp", "check", "tests/sipp/uac.xml", "tests/sipp/3pcc-C-A.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tests/sipp/3pcc-C-A.xml:67:4: <sendCmd>: unsupported: 3PCC"), "{}", stderr(&out));
    let out = cwsim(&["sipp", "check", "no-such-file.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-file.xml: cannot read the file"), "{}", stderr(&out));
    let out = cwsim(&["sipp", "check", "scenarios/sipp/core-caller.xml"]);
    assert_eq!(out.status.code(), Some(2), "[home_domain] is a -key keyword");
    assert!(stderr(&out).contains("unknown keyword [home_domain]"), "{}", stderr(&out));
    let out = cwsim(&["sipp", "check", "scenarios/sipp/core-caller.xml", "--key", "home_domain"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = cwsim(&["sipp", "check", "--help"]);
    assert!(stdout(&out).contains("Examples:"));
}

/// The fuzz target's property on a fixed budget: SIPp's own scenarios, cut, spliced and
/// flipped at random, never make the compiler panic.
#[test]
fn mutated_scenarios_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let seeds: Vec<Vec<u8>> = ["uac.xml", "uas.xml", "regexp.xml", "branchc.xml", "branchs.xml", "3pcc-C-A.xml"]
        .iter()
        .map(|n| std::fs::read(repo().join("tests/sipp").join(n)).unwrap())
        .collect();
    const PIECES: &[&[u8]] = &[
        b"<",
        b">",
        b"[",
        b"]",
        b"\"",
        b"<![CDATA[",
        b"]]>",
        b"&",
        b"\xff",
        b"[authentication ",
        b"next=\"1\" ",
        b"/>",
    ];
    for _ in 0..3000 {
        let mut text = seeds[rng.random_range(0..seeds.len())].clone();
        for _ in 0..rng.random_range(1..6) {
            let at = rng.random_range(0..=text.len());
            match rng.random_range(0..4) {
                0 => text.truncate(at),
                1 => {
                    let p = PIECES[rng.random_range(0..PIECES.len())];
                    text.splice(at..at, p.iter().copied());
                }
                2 if at < text.len() => text[at] = rng.random(),
                _ => {
                    let end = rng.random_range(at..=text.len().min(at + 40));
                    text.drain(at..end);
                }
            }
        }
        let _ = cwsim::sipp::compile("m.xml", &text, &["home_domain".to_string()]);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("<scenario>{}{}</scenario>", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let e = cwsim::sipp::compile("d.xml", deep.as_bytes(), &[]).unwrap_err().to_string();
    assert!(e.contains("nested deeper than 32"), "{e}");
    let auth = format!("{}x{}", "[authentication username=".repeat(1000), "]".repeat(1000));
    let e = err(&format!("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n{auth}\n]]></send>"));
    assert!(e.contains("nested more than 4 deep"), "{e}");
}

#[test]
fn a_scenario_has_at_most_ten_thousand_steps() {
    let e = err(&"<nop/>".repeat(10_001));
    assert!(e.contains("10001 messages: at most 10000 are supported"), "{e}");
    ok(&"<nop/>".repeat(10_000));
}
