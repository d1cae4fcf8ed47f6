//! SIPp message keywords and actions: each one compiled, each unsupported one refused by
//! name. Expected pieces are read off the message text written in each test.

use cwsim::sipp::script::*;

use crate::sipp_compile::{compile, compile_keys, err, ok};

/// The pieces of a one-message scenario whose INVITE's second line is `line`.
fn pieces(line: &str) -> Vec<Piece> {
    pieces_keys(line, &[])
}

fn pieces_keys(line: &str, keys: &[&str]) -> Vec<Piece> {
    let s = compile_keys(&format!("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n{line}\n]]></send>"), keys)
        .unwrap_or_else(|e| panic!("{e}"));
    let StepKind::Send(send) = &s.steps[0].kind else { panic!() };
    let mut p = send.message.0.clone();
    // Drop the first line and the trailing newline.
    let Piece::Literal(first) = &p[0] else { panic!("{p:?}") };
    let rest = first.strip_prefix("INVITE sip:a@b SIP/2.0\n").expect("first line").to_string();
    if rest.is_empty() {
        p.remove(0);
    } else {
        p[0] = Piece::Literal(rest);
    }
    if let Some(Piece::Literal(t)) = p.last_mut() {
        *t = t.trim_end_matches('\n').to_string();
        if t.is_empty() {
            p.pop();
        }
    }
    p
}

fn kw(keyword: Keyword) -> Piece {
    Piece::Keyword { keyword, offset: 0 }
}

#[test]
fn every_simple_keyword() {
    for (name, want) in [
        ("service", Keyword::Service),
        ("remote_ip", Keyword::RemoteIp),
        ("remote_port", Keyword::RemotePort),
        ("local_ip", Keyword::LocalIp),
        ("local_ip_type", Keyword::LocalIpType),
        ("local_port", Keyword::LocalPort),
        ("transport", Keyword::Transport),
        ("call_id", Keyword::CallId),
        ("call_number", Keyword::CallNumber),
        ("cseq", Keyword::Cseq),
        ("branch", Keyword::Branch),
        ("len", Keyword::Len),
        ("peer_tag_param", Keyword::PeerTagParam),
        ("routes", Keyword::Routes),
        ("next_url", Keyword::NextUrl),
        ("pid", Keyword::Pid),
        ("sipp_version", Keyword::SippVersion),
    ] {
        assert_eq!(pieces(&format!("X: [{name}]")), [Piece::Literal("X: ".into()), kw(want)], "{name}");
    }
    for carried in ["media_ip", "media_port", "media_ip_type", "auto_media_port", "server_ip"] {
        assert_eq!(pieces(&format!("[{carried}]")), [kw(Keyword::Carried(carried.into()))]);
    }
}

#[test]
fn offsets_hex_escapes_and_stray_brackets() {
    assert_eq!(pieces("[cseq+1]"), [Piece::Keyword { keyword: Keyword::Cseq, offset: 1 }]);
    assert_eq!(pieces("[call_number-2]"), [Piece::Keyword { keyword: Keyword::CallNumber, offset: -2 }]);
    assert_eq!(pieces("a\\x5Bb"), [Piece::Literal("a[b".into())], "\\x5B is a literal '['");
    // A second '[' before the ']' leaves the first as text (SIPp's rule).
    assert_eq!(pieces("[x [pid]"), [Piece::Literal("[x ".into()), kw(Keyword::Pid)]);
    // A ']' inside double quotes does not close a keyword.
    let e = err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n[foo \"]\"]\n]]></send>");
    assert!(e.contains("unknown keyword [foo]"), "{e}");
    let e = err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\nX: [pid\n]]></send>");
    assert!(e.contains("t.xml:5:4: <send>: a '[' opens a keyword that is never closed"), "{e}");
}

#[test]
fn last_header_keywords_keep_the_name_as_written() {
    assert_eq!(pieces("[last_Via:]"), [kw(Keyword::Last("Via:".into()))]);
    assert_eq!(pieces("[last_Cseq:]"), [kw(Keyword::Last("Cseq:".into()))]);
    assert!(err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n[last_]\n]]></send>").contains("names no header"));
}

#[test]
fn fields_variables_and_keys() {
    assert_eq!(pieces("[field0]"), [kw(Keyword::Field { n: 0, file: None, line: None })]);
    let p = pieces("[field3 file=\"users.csv\" line=2]");
    let [Piece::Keyword { keyword: Keyword::Field { n: 3, file: Some(f), line: Some(line) }, .. }] = p.as_slice()
    else {
        panic!("{p:?}")
    };
    assert_eq!(f, "users.csv");
    assert_eq!(line.0, [Piece::Literal("2".into())]);
    let s = ok("<send><![CDATA[\nINVITE sip:[field2]@b SIP/2.0\n]]></send>");
    assert_eq!(s.fields_used, 3, "fields 0..2");
    assert_eq!(pieces("[$callee]"), [kw(Keyword::Var(0))]);
    assert!(err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n[$]\n]]></send>").contains("names no variable"));
    assert_eq!(pieces_keys("[home_domain]", &["home_domain"]), [kw(Keyword::Key("home_domain".into()))]);
    let e = err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\nX: [home_domain]\n]]></send>");
    assert!(e.contains("t.xml:5:4: <send>: unknown keyword [home_domain]"), "{e}");
    assert!(e.contains("supported: service, remote_ip"), "{e}");
}

#[test]
fn authentication_with_nested_keywords_and_quotes() {
    assert_eq!(pieces("[authentication]"), [kw(Keyword::Authentication(vec![]))]);
    let p = pieces("[authentication username=[field0]@[field1] password=\"a]b c\"]");
    let [Piece::Keyword { keyword: Keyword::Authentication(params), .. }] = p.as_slice() else { panic!("{p:?}") };
    assert_eq!(params.len(), 2);
    assert_eq!(params[0].0, "username");
    assert_eq!(
        params[0].1 .0,
        [
            kw(Keyword::Field { n: 0, file: None, line: None }),
            Piece::Literal("@".into()),
            kw(Keyword::Field { n: 1, file: None, line: None })
        ]
    );
    assert_eq!(params[1], ("password".into(), Message(vec![Piece::Literal("a]b c".into())])));
    let e = err("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n[authentication user=x]\n]]></send>");
    assert!(e.contains("unknown parameter user; supported: username, password"), "{e}");
}

#[test]
fn refused_keywords_are_named() {
    for (k, why) in
        [("cryptotag1audio", "SRTP"), ("tdmmap", "TDM"), ("fill text=x", "[fill]"), ("file name=x", "[file]")]
    {
        let e = err(&format!("<send><![CDATA[\nINVITE sip:a@b SIP/2.0\n[{k}]\n]]></send>"));
        assert!(e.contains("unsupported keyword") && e.contains(why), "{k}: {e}");
    }
}

fn actions(xml: &str) -> Vec<Action> {
    ok(&format!("<nop><action>{xml}</action></nop>")).steps[0].common.actions.clone()
}

#[test]
fn every_action() {
    assert_eq!(
        actions("<ereg regexp=\"a(b)\" search_in=\"hdr\" header=\"From:\" occurrence=\"last\" check_it=\"true\" assign_to=\"m,g\"/>"),
        [Action::Ereg(Ereg {
            regexp: "a(b)".into(),
            search_in: SearchIn::Hdr { header: "From:".into(), occurrence: Occurrence::Last },
            case_indep: false,
            start_line: false,
            check: Check::FailIfNoMatch,
            assign_to: vec![0, 1],
        })]
    );
    let a = actions("<ereg regexp=\"x\" search_in=\"var\" variable=\"v\" check_it_inverse=\"true\" case_indep=\"true\" assign_to=\"w\"/>");
    let [Action::Ereg(e)] = a.as_slice() else { panic!() };
    assert_eq!((&e.search_in, e.check, e.case_indep), (&SearchIn::Var(0), Check::FailIfMatch, true));
    let a = actions("<ereg regexp=\"x\" search_in=\"body\" assign_to=\"w\"/>");
    assert!(matches!(&a[0], Action::Ereg(Ereg { search_in: SearchIn::Body, .. })));
    assert_eq!(
        actions("<assign assign_to=\"x\" value=\"2.5\"/>"),
        [Action::Assign { to: 0, value: Operand::Value(2.5) }]
    );
    for (name, op) in [
        ("add", ArithOp::Add),
        ("subtract", ArithOp::Subtract),
        ("multiply", ArithOp::Multiply),
        ("divide", ArithOp::Divide),
    ] {
        assert_eq!(
            actions(&format!("<{name} assign_to=\"x\" variable=\"y\"/>")),
            [Action::Arith { op, to: 0, value: Operand::Variable(1) }]
        );
    }
    assert_eq!(
        actions("<test assign_to=\"t\" variable=\"x\" compare=\"greater_than_equal\" value=\"3\"/>"),
        [Action::Test {
            to: Some(0),
            variable: 1,
            compare: Compare::GreaterThanEqual,
            value: Operand::Value(3.0),
            check: Check::No
        }]
    );
    assert_eq!(
        actions("<test variable=\"x\" variable2=\"y\" compare=\"equal\" check_it=\"true\"/>"),
        [Action::Test {
            to: None,
            variable: 0,
            compare: Compare::Equal,
            value: Operand::Variable(1),
            check: Check::FailIfNoMatch
        }]
    );
    assert_eq!(
        actions("<strcmp assign_to=\"r\" variable=\"s\" value=\"abc\"/>"),
        [Action::Strcmp { to: Some(0), variable: 1, value: StrOperand::Value("abc".into()), check: Check::No }]
    );
    assert_eq!(actions("<todouble assign_to=\"d\" variable=\"s\"/>"), [Action::Todouble { to: 0, variable: 1 }]);
    assert_eq!(
        actions("<assignstr assign_to=\"s\" value=\"sip:[field0]@x\"/>"),
        [Action::Assignstr {
            to: 0,
            value: Message(vec![
                Piece::Literal("sip:".into()),
                kw(Keyword::Field { n: 0, file: None, line: None }),
                Piece::Literal("@x".into())
            ])
        }]
    );
    assert_eq!(actions("<gettimeofday assign_to=\"s,us\"/>"), [Action::Gettimeofday { seconds: 0, micros: 1 }]);
    assert_eq!(actions("<jump value=\"3\"/>"), [Action::Jump(Operand::Value(3.0))]);
    let s = ok("<nop><action><log message=\"a\"/><warning message=\"b\"/><exec command=\"ls\"/>\
                <exec int_cmd=\"stop_call\"/></action></nop>");
    assert_eq!(
        s.steps[0].common.actions,
        [Action::Ignored("log"), Action::Ignored("warning"), Action::Ignored("exec"), Action::Ignored("exec")]
    );
    assert_eq!(s.ignored.len(), 3, "each no-op construct reported once: {:?}", s.ignored);
}

#[test]
fn action_errors() {
    let e = err("<nop><action><divide assign_to=\"x\" value=\"0\"/></action></nop>");
    assert!(e.contains("cannot have a value of zero"), "{e}");
    let e = err("<nop><action><assign assign_to=\"x\"/></action></nop>");
    assert!(e.contains("needs a value or a variable"), "{e}");
    let e = err("<nop><action><test variable=\"x\" value=\"1\" compare=\"about\" assign_to=\"t\"/></action></nop>");
    assert!(e.contains("unknown compare \"about\""), "{e}");
    let e = err("<nop><action><gettimeofday assign_to=\"s\"/></action></nop>");
    assert!(e.contains("two variables"), "{e}");
    let e = err("<nop><action><ereg regexp=\"x\" search_in=\"hdr\" assign_to=\"v\"/></action></nop>");
    assert!(e.contains("the attribute header is required"), "{e}");
    // A regular expression that does not compile is refused when the scenario compiles.
    let e = err("<nop><action><ereg regexp=\"a(b\" assign_to=\"v\"/></action></nop>");
    assert!(
        e.contains("<ereg regexp>") && e.contains("not a usable regular expression") && e.contains("unclosed group"),
        "{e}"
    );
    for refused in ["verifyauth", "setdest", "lookup", "error", "urlencode"] {
        let e = err(&format!("<nop><action><{refused}/></action></nop>"));
        assert!(e.contains(&format!("unsupported action <{refused}>")) && e.contains("supported: ereg, assign"), "{e}");
    }
    let e = err("<nop><action><dance/></action></nop>");
    assert!(e.contains("t.xml:3:15: <dance>: unknown action <dance>; supported:"), "{e}");
}

#[test]
fn clearwater_style_scenarios_compile() {
    let dir = crate::support::repo().join("scenarios/sipp");
    let keys = vec!["home_domain".to_string()];
    for name in ["uac.xml", "uas.xml", "register-call.xml", "core-caller.xml", "core-callee.xml"] {
        cwsim::sipp::load(&dir.join(name), &keys).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The caller uses assignstr with keywords, nop hide, pause next, [routes] and
    // [peer_tag_param].
    let caller = cwsim::sipp::load(&dir.join("core-caller.xml"), &keys).unwrap();
    assert_eq!(caller.keys_used, ["home_domain"]);
    assert!(matches!(caller.steps[0].common.actions[0], Action::Assignstr { .. }) && caller.steps[0].common.hide);
    let pause = caller.steps.iter().find(|s| matches!(s.kind, StepKind::Pause { .. })).unwrap();
    assert!(pause.common.next.is_some());
    assert!(compile("").is_err());
}
