//! SIPp's statistics files: `sipp_stats.csv` has the header SIPp writes (byte for byte the
//! reference sample's for uac.xml), SIPp's time formats, and counts that agree with
//! requests.csv; `sipp_rtt.csv` has one row per response time measured.

use cwsim::report::clearwater::sipp_stats::{date, g6, header, hms, hms_us};

use crate::support::{cwsim, repo, stderr, temp_dir};

fn sample_header() -> String {
    let text = std::fs::read_to_string(repo().join("tests/sipp/uac_stat_sample.csv")).unwrap();
    format!("{}\n", text.lines().next().unwrap())
}

#[test]
fn the_header_is_sipps_byte_for_byte() {
    let text = "[simulation]\nduration = \"1m\"\n[[site]]\nname = \"a\"\nsprout = { nodes = 1 }\n[load]\n\
                profile = \"sipp\"\nsubscribers = 10\nscenario = \"tests/sipp/uac.xml\"\n[output]\nsipp_stats = true\n";
    let s = cwsim::scenario::parse("h.toml", "h", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let cwsim::scenario::Load::Sipp(load) = &s.load else { panic!() };
    assert_eq!(header(&load.sources[0]), sample_header());
}

#[test]
fn sipps_time_and_number_formats() {
    // The sample's first StartTime, from its epoch seconds.
    assert_eq!(date(1_795_462_898_515_061_000), "2026-11-23\t19:41:38.515061\t1795462898.515061");
    assert_eq!(date(0), "1970-01-01\t00:00:00.000000\t0.000000");
    assert_eq!(hms(3_723_000_000_000), "01:02:03");
    assert_eq!(hms_us(8e6), "00:00:00:008000");
    assert_eq!(hms_us(61_000_001e3), "00:01:01:000001");
    // The sample's rates, to C++ streams' 6 significant digits.
    assert_eq!(g6(18.943_215), "18.9432");
    assert_eq!(g6(21.021), "21.021");
    assert_eq!(g6(20.0), "20");
    assert_eq!(g6(0.0), "0");
}

#[test]
fn the_reference_pair_writes_stats_consistent_with_requests_csv() {
    let dir = temp_dir("sipp-stats");
    let out = cwsim(&["run", "scenarios/sipp/uac-uas.toml", "--quiet", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stats = std::fs::read_to_string(dir.join("sipp_stats.csv")).unwrap();
    let mut lines = stats.lines();
    let head = lines.next().unwrap();
    assert_eq!(format!("{head}\n"), sample_header());
    let columns: Vec<&str> = head.split(';').collect();
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap_or_else(|| panic!("{name}"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    // A row at the start and one every 5 s sample over the 2 minutes.
    assert_eq!(rows.len(), 1 + 120 / 5);
    // requests.csv: replication,time_s,request,started,ok,… per 5 s sample.
    let requests = std::fs::read_to_string(dir.join("requests.csv")).unwrap();
    let mut bye_ok_by = std::collections::BTreeMap::new();
    for l in requests.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f[2] == "bye" {
            bye_ok_by.insert(f[1].parse::<u64>().unwrap(), f[4].parse::<u64>().unwrap());
        }
    }
    let mut answered = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), columns.len(), "row {i}");
        let t = 5 * i as u64;
        answered += bye_ok_by.get(&t).copied().unwrap_or(0);
        // A SIPp call succeeds when its BYE is answered: the same count as requests.csv's.
        assert_eq!(r[col("SuccessfulCall(C)")].parse::<u64>().unwrap(), answered, "row {i}");
        // 20 calls/s from t = 0: 20 t created by the sample at t.
        let created: u64 = r[col("TotalCallCreated")].parse().unwrap();
        assert_eq!(created, 20 * t, "row {i}");
        assert_eq!(r[col("OutgoingCall(C)")], r[col("TotalCallCreated")]);
        assert_eq!(r[col("FailedCall(C)")], "0");
        assert_eq!(r[col("ElapsedTime(C)")], hms(t * 1_000_000_000));
    }
    // One response time per INVITE answered (uac.xml's rtd="true" on the 200).
    let rtt = std::fs::read_to_string(dir.join("sipp_rtt.csv")).unwrap();
    let report = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    let line = report.lines().find(|l| l.contains("<- 200") && !l.contains("opt")).unwrap();
    let answered_invites: usize = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert_eq!(rtt.lines().count() - 1, answered_invites);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sipp_stats_need_a_sipp_load() {
    let text =
        std::fs::read_to_string(repo().join("scenarios/default.toml")).unwrap() + "\n[output]\nsipp_stats = true\n";
    let e = cwsim::scenario::parse("d.toml", "d", text.as_bytes()).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("output.sipp_stats: SIPp statistics need a SIPp load"), "{e}");
}

#[test]
fn every_replication_writes_its_own_sipp_statistics() {
    // A replication is one SIPp run: replication 1's files carry `.rep1`, and its final
    // SuccessfulCall(C) is replication 1's answered BYEs in requests.csv.
    let dir = temp_dir("sipp-stats-reps");
    let out = cwsim(&[
        "run",
        "scenarios/sipp/uac-uas.toml",
        "--quiet",
        "--replications",
        "2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = std::fs::read_to_string(dir.join("requests.csv")).unwrap();
    for (rep, name) in [(0, "sipp_stats.csv"), (1, "sipp_stats.rep1.csv")] {
        let stats = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let head: Vec<&str> = stats.lines().next().unwrap().split(';').collect();
        let col = head.iter().position(|c| *c == "SuccessfulCall(C)").unwrap();
        let last: u64 = stats.lines().last().unwrap().split(';').nth(col).unwrap().parse().unwrap();
        let byes: u64 = requests
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[0] == rep.to_string() && f[2] == "bye")
            .map(|f| f[4].parse::<u64>().unwrap())
            .sum();
        assert!(byes > 0, "replication {rep} answered no BYE");
        assert_eq!(last, byes, "{name}");
        assert!(dir.join(name.replace("stats", "rtt")).exists(), "{name}'s rtt file");
    }
    assert!(!dir.join("sipp_stats.rep2.csv").exists());
}
