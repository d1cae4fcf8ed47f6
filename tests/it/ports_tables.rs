//! The bundled port tables against their seed documents (`../shared/seeds/`), and
//! Clearwater's rules against every row of both of its seeds. The expected values below are
//! copied from the seed texts, not from cwsim's output.

use crate::support::{cwsim, repo, stdout, temp_dir};

/// A bundled table's rows as column → value maps.
fn table_rows(name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let path = repo().join(format!("src/ports/tables/{name}.csv"));
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Whether the table has a row with these values (roles and peers as written, `a+b`).
fn has_row(rows: &[std::collections::BTreeMap<String, String>], want: &[(&str, &str)]) -> bool {
    rows.iter().any(|r| want.iter().all(|(k, v)| r.get(*k).map(String::as_str) == Some(*v)))
}

#[test]
fn each_bundled_table_loads_and_matches_its_seed_rows() {
    // Rows counted in the seeds (see each table's header for what is split or left out):
    // Clearwater: 000 lists 27 port lines and 001 section 8.27 lists 53, with 30 in common
    // or merged; PortaSwitch: 31 rows with ports in its three tables; jtel: 11 + 1 + 2 + 11
    // external and 27 internal; Expressway: 5 + 3 + 4 in Tables 1-3.
    for (name, rows, seed) in
        [("clearwater", 50, "00"), ("portaswitch", 31, "002"), ("jtel", 52, "003"), ("expressway", 12, "004")]
    {
        let out = cwsim(&["ports", "--table", name, "--csv"]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", crate::support::stderr(&out));
        let t = table_rows(name);
        assert_eq!(t.len(), rows, "{name}: rows");
        for r in &t {
            assert!(r["section"].starts_with(&format!("seeds/{seed}")), "{name}: row {r:?} cites its seed section");
        }
        // Every port of the table is written in its seed (where the seeds are present).
        for r in &t {
            let seeds = repo().join("../shared/seeds");
            let Ok(dir) = std::fs::read_dir(&seeds) else { continue };
            let mut text = String::new();
            for e in dir.flatten() {
                if e.file_name().to_string_lossy().starts_with(&r["section"][6..9]) {
                    text += &std::fs::read_to_string(e.path()).unwrap_or_default();
                }
            }
            for p in r["port"].split('-').filter(|p| !p.is_empty()) {
                assert!(text.contains(p), "{name}: port {p} of {r:?} is not in its seed");
            }
        }
    }
    let cw = table_rows("clearwater");
    // seeds/000 "Sprout": TCP/5058 open to all Bono nodes; seeds/001 8.27.5: TCP/5054, 5052.
    assert!(has_row(&cw, &[("role", "sprout"), ("peer", "bono"), ("port", "5058"), ("era", "older")]));
    assert!(has_row(&cw, &[("role", "sprout"), ("peer", "bono"), ("port", "5054"), ("era", "newer")]));
    assert!(has_row(&cw, &[("role", "sprout"), ("peer", "bono"), ("port", "5052"), ("era", "newer")]));
    // seeds/000 "All nodes": UDP/123 for NTP; M/Monit TCP/2812; statistics TCP/6666.
    assert!(has_row(&cw, &[("role", "all"), ("peer", "world"), ("protocol", "UDP"), ("port", "123")]));
    assert!(has_row(&cw, &[("role", "all"), ("protocol", "TCP"), ("port", "2812")]));
    assert!(has_row(&cw, &[("role", "bono+sprout"), ("protocol", "TCP"), ("port", "6666")]));
    // seeds/001 8.27.8: Ralf TCP/10888 from Sprout and Bono.
    assert!(has_row(&cw, &[("role", "ralf"), ("peer", "sprout+bono"), ("port", "10888")]));
    let px = table_rows("portaswitch");
    assert!(has_row(&px, &[("role", "radius"), ("protocol", "UDP"), ("port", "1812-1813")]));
    assert!(has_row(&px, &[("role", "processing-node"), ("protocol", "UDP"), ("port", "35000-64999")]));
    assert!(has_row(&px, &[("role", "processing-node"), ("protocol", "TCP"), ("port", "5065")]));
    assert!(has_row(&px, &[("role", "dispatching-sbc"), ("protocol", "TCP"), ("port", "5051")]));
    let jt = table_rows("jtel");
    assert!(has_row(&jt, &[("role", "acd-lb"), ("protocol", "TCP"), ("port", "7777")]));
    assert!(has_row(&jt, &[("role", "acd-tel"), ("protocol", "UDP"), ("port", "30000-34999")]));
    assert!(has_row(&jt, &[("protocol", "TCP"), ("port", "5701-5801")]));
    assert!(has_row(&jt, &[("protocol", "TCP"), ("port", "2224"), ("condition", "redundant")]));
    let ex = table_rows("expressway");
    assert!(has_row(&ex, &[("protocol", "TCP"), ("port", "4369-4380"), ("era", "pre-x8.8")]));
    assert!(has_row(&ex, &[("protocol", "51"), ("era", "pre-x8.8")]));
    assert!(has_row(&ex, &[("protocol", "UDP"), ("port", "36000-59999"), ("era", "x8.8")]));
    assert!(has_row(&ex, &[("protocol", "TCP"), ("port", "4372"), ("era", "x8.8")]));
}

/// (seed, role, peers, protocol, port): every port line of seeds/000 and of seeds/001
/// section 8.27, as the seeds state them (peer `world` for "open to the world", `all` for
/// "between every node", `monitoring` for the monitoring ports, whose source they leave open).
const SEED_ROWS: &[(&str, &str, &[&str], &str, &str)] = &[
    ("000", "all", &["world"], "TCP", "22"),
    ("000", "all", &["world"], "UDP", "123"),
    ("000", "all", &["monitoring"], "UDP", "161-162"),
    ("000", "all", &["monitoring"], "TCP", "2812"),
    ("000", "bono", &["world"], "TCP", "6666"),
    ("000", "sprout", &["world"], "TCP", "6666"),
    ("000", "ellis", &["world"], "TCP", "80"),
    ("000", "ellis", &["world"], "TCP", "443"),
    ("000", "bono", &["world"], "TCP", "3478"),
    ("000", "bono", &["world"], "UDP", "3478"),
    ("000", "bono", &["world"], "TCP", "5060"),
    ("000", "bono", &["world"], "UDP", "5060"),
    ("000", "bono", &["world"], "TCP", "5062"),
    ("000", "bono", &["world"], "UDP", "32768-65535"),
    ("000", "bono", &["bono", "sprout"], "TCP", "5058"),
    ("000", "sprout", &["bono"], "TCP", "5058"),
    ("000", "sprout", &["sprout"], "TCP", "11211"),
    ("000", "sprout", &["sprout"], "UDP", "11211"),
    ("000", "homestead", &["sprout", "ellis"], "TCP", "8888"),
    ("000", "homestead", &["homestead"], "TCP", "7000"),
    ("000", "homestead", &["homestead"], "TCP", "9160"),
    ("000", "homer", &["sprout", "ellis"], "TCP", "7888"),
    ("000", "homer", &["homer"], "TCP", "7000"),
    ("000", "homer", &["homer"], "TCP", "9160"),
    ("001", "all", &["world"], "TCP", "22"),
    ("001", "all", &["monitoring"], "UDP", "161-162"),
    ("001", "all", &["all"], "TCP", "2380"),
    ("001", "all", &["all"], "TCP", "4000"),
    ("001", "all-in-one", &["world"], "TCP", "80"),
    ("001", "all-in-one", &["world"], "TCP", "443"),
    ("001", "all-in-one", &["world"], "TCP", "3478"),
    ("001", "all-in-one", &["world"], "UDP", "3478"),
    ("001", "all-in-one", &["world"], "TCP", "5060"),
    ("001", "all-in-one", &["world"], "UDP", "5060"),
    ("001", "all-in-one", &["world"], "TCP", "5062"),
    ("001", "all-in-one", &["world"], "UDP", "32768-65535"),
    ("001", "ellis", &["world"], "TCP", "80"),
    ("001", "ellis", &["world"], "TCP", "443"),
    ("001", "bono", &["world"], "TCP", "3478"),
    ("001", "bono", &["world"], "UDP", "3478"),
    ("001", "bono", &["world"], "TCP", "5060"),
    ("001", "bono", &["world"], "UDP", "5060"),
    ("001", "bono", &["world"], "TCP", "5062"),
    ("001", "bono", &["world"], "UDP", "32768-65535"),
    ("001", "bono", &["bono", "sprout"], "TCP", "5058"),
    ("001", "sprout", &["bono"], "TCP", "5054"),
    ("001", "sprout", &["bono"], "TCP", "5052"),
    ("001", "sprout", &["sprout"], "TCP", "11211"),
    ("001", "sprout", &["sprout"], "TCP", "7253"),
    ("001", "sprout", &["sprout"], "TCP", "7000"),
    ("001", "sprout", &["sprout"], "TCP", "9160"),
    ("001", "sprout", &["homestead"], "TCP", "9888"),
    ("001", "sprout", &["world"], "TCP", "443"),
    ("001", "homestead", &["sprout", "ellis"], "TCP", "8888"),
    ("001", "homestead", &["ellis"], "TCP", "8889"),
    ("001", "homestead", &["homestead"], "TCP", "7000"),
    ("001", "homer", &["sprout", "ellis"], "TCP", "7888"),
    ("001", "homer", &["homer"], "TCP", "7000"),
    ("001", "ralf", &["sprout", "bono"], "TCP", "10888"),
    ("001", "ralf", &["ralf"], "TCP", "7253"),
    ("001", "ralf", &["ralf"], "TCP", "11211"),
    ("001", "standalone-as", &["sprout"], "TCP", "5054"),
    ("001", "standalone-as", &["standalone-as"], "TCP", "7000"),
    ("001", "standalone-as", &["standalone-as"], "TCP", "9160"),
    ("001", "standalone-as", &["homestead"], "TCP", "11888"),
    ("001", "standalone-as", &["world"], "TCP", "443"),
];

/// `cwsim ports … --csv` as (source, destination, protocol, port) rows.
fn rules(args: &[&str]) -> Vec<(String, String, String, String)> {
    let out = cwsim(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", crate::support::stderr(&out));
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), r[2].to_string(), r[3].to_string())
        })
        .collect()
}

/// The seed rows `deployed` covers that `rules` lacks, at site `site`.
fn uncovered(
    rules: &[(String, String, String, String)],
    seed: &str,
    site: &str,
    deployed: &[&str],
    singles: &[&str],
    conditional: bool,
) -> Vec<String> {
    let mut missing = Vec::new();
    for &(s, role, peers, proto, port) in SEED_ROWS.iter().filter(|r| r.0 == seed) {
        // 9888 with an HSS; Sprout's 7000, 9160 and 443 with a Memento AS.
        let condition = matches!((role, port), ("sprout", "9888" | "7000" | "9160" | "443"))
            || (role == "standalone-as" && port != "5054");
        if (condition && !conditional) || (role != "all" && !deployed.contains(&role)) {
            continue;
        }
        for peer in peers {
            let external = matches!(*peer, "world" | "monitoring");
            // A cluster of one node needs no rule to itself.
            if (!external && *peer != "all" && !deployed.contains(peer)) || (*peer == role && singles.contains(peer)) {
                continue;
            }
            // The peer at any site.
            let src = if external { peer.to_string() } else { format!("{peer}@") };
            let dst = format!("{role}@{site}");
            let from = |r: &str| if external { r == src } else { r.starts_with(&src) };
            if !rules.iter().any(|r| from(&r.0) && r.1 == dst && r.2 == proto && r.3 == port) {
                missing.push(format!("seeds/{s}: {src} -> {dst} {proto}/{port}"));
            }
        }
    }
    missing
}

#[test]
fn clearwater_rules_cover_every_row_of_both_seeds_for_the_deployed_roles() {
    // Every role, two sites, every condition: every row of both seeds, each in its era.
    let dir = temp_dir("ports-every-role");
    let roles = ["bono", "sprout", "homestead", "homer", "ralf", "ellis", "all-in-one", "standalone-as"];
    let mut csv = String::from("site,role,nodes\n,feature:hss,\n,feature:memento,\n");
    for site in ["a", "b"] {
        for r in roles {
            csv += &format!("{site},{r},2\n");
        }
    }
    let dep = dir.join("every-role.csv");
    std::fs::write(&dep, csv).unwrap();
    let dep = dep.to_str().unwrap();
    for (seed, era) in [("000", "older"), ("001", "newer")] {
        let r = rules(&["ports", "--table", "clearwater", "--deployment", dep, "--era", era, "--csv"]);
        let missing = uncovered(&r, seed, "a", &roles, &[], true);
        assert!(missing.is_empty(), "era {era} misses:\n{}", missing.join("\n"));
    }
    // The roles bundled scenarios deploy, by default (newer era) and in the older one.
    for (scenario, deployed, singles) in [
        ("scenarios/gr-site-failure-realistic.toml", &["bono", "sprout", "homestead", "homer"][..], &[][..]),
        (
            "scenarios/billing-ralf.toml",
            &["bono", "sprout", "homestead", "homer", "ralf"][..],
            &["homestead", "homer"][..],
        ),
    ] {
        let site = if scenario.contains("gr-") { "site-a" } else { "site" };
        for (seed, era) in [("000", None), ("001", None), ("000", Some("older")), ("001", Some("newer"))] {
            let mut args = vec!["ports", scenario, "--csv"];
            if let Some(e) = era {
                args.extend(["--era", e]);
            }
            let r = rules(&args);
            let site = r.iter().find_map(|x| x.1.split_once('@').map(|(_, s)| s.to_string())).unwrap_or(site.into());
            let missing = uncovered(&r, seed, &site, deployed, singles, false);
            // The default era is the newer one: only the older seed's TCP/5058 to Sprout,
            // UDP/11211 and TCP/9160 differ.
            let expected: Vec<&str> =
                if era.is_none() && seed == "000" { vec!["5058", "11211", "9160"] } else { vec![] };
            for m in &missing {
                assert!(expected.iter().any(|p| m.ends_with(&format!("/{p}"))), "{scenario} {era:?}: {m}");
            }
        }
    }
}
