//! `cwsim ports` against Clearwater's port table (CLEARWATER_FACTS.md, "Port usage").

use crate::support::{cwsim, stdout};

#[test]
fn ports_of_the_realistic_gr_deployment() {
    let out = cwsim(&["ports", "scenarios/gr-site-failure-realistic.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    let has = |src: &str, dst: &str, proto: &str, port: &str| {
        rows.iter().any(|r| r.len() >= 4 && r[0] == src && r[1] == dst && r[2] == proto && r[3] == port)
    };
    let sites = ["site-a", "site-b"];
    // From the port table, for two sites with Bono, Sprout, Homestead and Homer (one
    // Homestead and one Homer per site, no HSS, no Ralf):
    for a in sites {
        for port in ["5060", "5062", "3478"] {
            assert!(has("world", &format!("bono@{a}"), "TCP", port), "world → Bono TCP/{port}");
        }
        assert!(has("world", &format!("bono@{a}"), "UDP", "32768-65535"));
        // Sprout uses only its own site's Homestead (8888) and Homer (7888); Chronos clusters
        // are per site (7253 within a site only).
        assert!(has(&format!("sprout@{a}"), &format!("homestead@{a}"), "TCP", "8888"));
        assert!(has(&format!("sprout@{a}"), &format!("homer@{a}"), "TCP", "7888"));
        assert!(has(&format!("sprout@{a}"), &format!("sprout@{a}"), "TCP", "7253"));
        for b in sites {
            // Bonos fail over to the other site's Sprouts; Sprout reaches callees' Bonos and
            // writes both sites' memcached.
            assert!(has(&format!("bono@{a}"), &format!("sprout@{b}"), "TCP", "5054"));
            assert!(has(&format!("bono@{a}"), &format!("sprout@{b}"), "TCP", "5052"));
            assert!(has(&format!("sprout@{a}"), &format!("bono@{b}"), "TCP", "5058"));
            assert!(has(&format!("sprout@{a}"), &format!("sprout@{b}"), "TCP", "11211"));
            if a != b {
                assert!(!has(&format!("sprout@{a}"), &format!("sprout@{b}"), "TCP", "7253"), "Chronos is per site");
                assert!(!has(&format!("sprout@{a}"), &format!("homestead@{b}"), "TCP", "8888"));
                // Cassandra spans the sites.
                assert!(has(&format!("homestead@{a}"), &format!("homestead@{b}"), "TCP", "7000"));
                assert!(has(&format!("homer@{a}"), &format!("homer@{b}"), "TCP", "7000"));
            }
        }
    }
    // No Homestead→Sprout 9888 without an HSS, no Ralf.
    assert!(!text.contains("9888") && !text.contains("10888"));
    for (proto, port) in [("TCP", "2380"), ("TCP", "4000"), ("UDP", "161-162"), ("TCP", "22")] {
        assert!(
            has("all", "nodes", proto, port) || text.contains(&format!("{proto}      {port}")),
            "management {port}"
        );
    }
}
