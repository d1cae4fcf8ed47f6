//! `cwsim ports --audit`: planted missing, superfluous, over-broad and conflicting rules are
//! found, a clean rule set passes, and bad input names file:line.

use crate::support::{cwsim, stderr, stdout, temp_dir};

const SCENARIO: &str = "scenarios/gr-site-failure-realistic.toml";

fn required_csv() -> String {
    let out = cwsim(&["ports", SCENARIO, "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_rules_cwsim_prints_pass_their_own_audit() {
    let dir = temp_dir("ports-audit-clean");
    let rules = dir.join("rules.csv");
    std::fs::write(&rules, required_csv()).unwrap();
    let out = cwsim(&["ports", SCENARIO, "--audit", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("No problems found."));
}

#[test]
fn an_audit_finds_planted_missing_extra_wide_and_conflicting_rules() {
    let dir = temp_dir("ports-audit-planted");
    let clean = required_csv();
    let mut lines: Vec<String> = clean.lines().map(str::to_string).collect();
    let before = lines.len();
    // Missing: memcached between the sites, one direction (seeds/001 8.27.5).
    lines.retain(|l| !l.starts_with("sprout@site-a,sprout@site-b,TCP,11211,"));
    assert_eq!(lines.len(), before - 1);
    // Over-broad: the two I-CSCF/S-CSCF ports from site A's Bonos opened as 5000-5100.
    lines.retain(|l| !l.starts_with("bono@site-a,sprout@site-a,TCP,505"));
    lines.push("bono@site-a,sprout@site-a,TCP,5000-5100,allow,planted".into());
    // Superfluous: nothing listens on 8080 on Sprout.
    lines.push("world,sprout@site-b,TCP,8080,allow,planted".into());
    // Conflict: Chronos allowed above and denied here.
    lines.push("sprout@site-a,sprout@site-a,TCP,7253,deny,planted".into());
    let rules = dir.join("planted.csv");
    std::fs::write(&rules, lines.join("\n") + "\n").unwrap();
    let path = rules.to_str().unwrap();

    let out = cwsim(&["ports", SCENARIO, "--audit", path]);
    assert_eq!(out.status.code(), Some(3), "problems found: exit 3\n{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("missing (1):"), "{text}");
    assert!(text.contains("sprout@site-a -> sprout@site-b TCP/11211"), "{text}");
    assert!(text.contains("breaks: shared registration store (memcached)"), "{text}");
    assert!(
        text.contains("too-wide (1):") && text.contains("opens 101 ports where 2 are needed: 5052, 5054"),
        "{text}"
    );
    assert!(text.contains("superfluous (1):") && text.contains("allow world -> sprout@site-b TCP/8080"), "{text}");
    assert!(text.contains("conflict (1):") && text.contains("sprout@site-a -> sprout@site-a TCP/7253"), "{text}");
    assert!(text.contains("4 problem(s) found."), "{text}");

    let out = cwsim(&["ports", SCENARIO, "--audit", path, "--csv"]);
    assert_eq!(out.status.code(), Some(3));
    let csv = stdout(&out);
    let kinds: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(csv.lines().next(), Some("kind,rule,detail"));
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["conflict", "missing", "superfluous", "too-wide"], "{csv}");
}

#[test]
fn an_audit_of_another_table_finds_a_port_range_wider_than_its_seed() {
    let dir = temp_dir("ports-audit-expressway");
    let dep = dir.join("cluster.csv");
    std::fs::write(&dep, "site,role,nodes\nlondon,expressway,3\n").unwrap();
    // Seeds/004 Table 2 and 3 (X8.8 onwards): TCP 4371, 4372, 5061; UDP 1719, 36000-59999.
    let rules = dir.join("rules.csv");
    std::fs::write(
        &rules,
        "source,destination,protocol,port\nexpressway,expressway,TCP,4369-4380\nexpressway,expressway,UDP,1719\n\
         expressway,expressway,UDP,36000-59999\n",
    )
    .unwrap();
    let out = cwsim(&[
        "ports",
        "--table",
        "expressway",
        "--deployment",
        dep.to_str().unwrap(),
        "--audit",
        rules.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(text.contains("expressway@london -> expressway@london TCP/5061"), "{text}");
    assert!(text.contains("opens 12 ports where 2 are needed: 4371-4372"), "{text}");
    // The same rules fit the older era's Table 1 range, but not its other rows.
    let out = cwsim(&["ports", "--table", "expressway", "--era", "pre-x8.8", "--audit", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!stdout(&out).contains("too-wide"), "{}", stdout(&out));
}

#[test]
fn bad_tables_deployments_and_rule_sets_exit_2_naming_file_and_line() {
    let dir = temp_dir("ports-bad");
    let w = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let cols = "role,peer,protocol,port,direction,scope,purpose,section";
    let cases = [
        (w("t1.csv", &format!("{cols},colour\n")), vec![], "t1.csv:1: unknown column \"colour\""),
        (
            w(
                "t2.csv",
                &format!(
                    "# a comment\n{cols}\nweb,world,TCP,80,in,external,http,s 1\nweb,world,SCTP,80,in,external,x,s 2\n"
                ),
            ),
            vec![],
            "t2.csv:4: protocol \"SCTP\"",
        ),
        (
            w("t3.csv", &format!("{cols}\nweb,world,TCP,90-80,in,external,x,s\n")),
            vec![],
            "t3.csv:2: port range \"90-80\" runs backwards",
        ),
        (
            w("t4.csv", &format!("{cols}\nweb,world,TCP,80,sideways,external,x,s\n")),
            vec![],
            "t4.csv:2: direction \"sideways\"",
        ),
        (
            w("t5.csv", &format!("#! default_era = later\n{cols}\nweb,world,TCP,80,in,external,x,s\n")),
            vec![],
            "default era \"later\"",
        ),
        (
            w("t6.csv", &format!("#! colour = blue\n{cols}\nweb,world,TCP,80,in,external,x,s\n")),
            vec![],
            "t6.csv:1: unknown directive",
        ),
        (
            "clearwater".into(),
            vec!["--deployment".to_string(), w("d1.csv", "site,role,nodes\na,sprout,2\na,ellis,many\n")],
            "d1.csv:3: nodes \"many\"",
        ),
        (
            "clearwater".into(),
            vec!["--deployment".to_string(), w("d2.csv", "site,role,nodes\na,bonoo,2\n")],
            "d2.csv:2: unknown role \"bonoo\"",
        ),
        (
            "clearwater".into(),
            vec!["--deployment".to_string(), w("d3.csv", "site,role,nodes\n,feature:radius,\n")],
            "d3.csv:2: unknown feature \"radius\"",
        ),
        (
            "clearwater".into(),
            vec![
                "--audit".to_string(),
                w("r1.csv", "source,destination,protocol,port\nworld,bono,TCP,5060\nworld,bono,TCP,99999\n"),
            ],
            "r1.csv:3: port \"99999\"",
        ),
        (
            "clearwater".into(),
            vec![
                "--audit".to_string(),
                w("r2.csv", "source,destination,protocol,port,action\nworld,bono,TCP,5060,permit\n"),
            ],
            "r2.csv:2: action \"permit\"",
        ),
        (
            "clearwater".into(),
            vec!["--audit".to_string(), w("r3.csv", "source,destination,protocol,port,x,y,z\n")],
            "r3.csv:1: unknown column \"x\"",
        ),
        ("clearwater".into(), vec!["--era".to_string(), "middle".into()], "table clearwater has eras newer, older"),
        ("nosuch".into(), vec![], "neither a bundled table"),
    ];
    for (table, extra, expected) in cases {
        let mut args = vec!["ports", "--table", table.as_str()];
        args.extend(extra.iter().map(String::as_str));
        let out = cwsim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(expected), "{args:?}: expected {expected:?} in {}", stderr(&out));
    }
    // A scenario deploys Clearwater only.
    let out = cwsim(&["ports", "--table", "jtel", "--deployment", "scenarios/default.toml"]);
    assert_eq!(out.status.code(), Some(2));
    // A bad file of a good table still runs: the table is read from a file like a bundled one.
    let ok = w("t7.csv", &format!("{cols}\nweb,world,TCP,80,in,external,http,s 1\n"));
    let out = cwsim(&["ports", "--table", &ok]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.split_whitespace().take(4).eq(["world", "web", "TCP", "80"])), "{text}");
}
