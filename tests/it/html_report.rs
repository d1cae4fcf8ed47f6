//! report.html: self-contained, holding report.txt's tables as HTML tables and every chart
//! inline, for a run, a queue run and a sweep.

use crate::support::{cwsim, stderr, temp_dir};

fn run_into(name: &str, args: &[&str]) -> (std::path::PathBuf, String) {
    let dir = temp_dir(name);
    let mut all = args.to_vec();
    all.extend(["--out", dir.to_str().unwrap()]);
    let out = cwsim(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = String::from_utf8(std::fs::read(dir.join("report.html")).unwrap()).unwrap();
    (dir, html)
}

/// Nothing that would make a browser fetch anything: no script, link, src, import or url().
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    for needle in ["<script", "<link", "src=", "href=", "@import", "url(", "<img"] {
        assert!(!html.contains(needle), "report.html holds {needle}");
    }
}

/// Every chart the run wrote is inlined byte for byte.
fn assert_charts_inline(dir: &std::path::Path, html: &str) {
    let mut svgs = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(html.contains(svg.trim_end()), "{} not inlined", path.display());
            svgs += 1;
        }
    }
    assert!(svgs > 0);
}

#[test]
fn run_report_holds_the_summary_tables_and_every_chart() {
    let (dir, html) = run_into("html-run", &["run", "scenarios/default.toml", "--quiet"]);
    assert_self_contained(&html);
    assert_charts_inline(&dir, &html);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    // One row per tier and per request type started, with the summary's counts.
    for (tier, t) in v["tiers"].as_object().unwrap() {
        let row = format!("<tr><td>{tier}</td><td>{}</td><td>{}</td>", t["nodes"], t["cores"]);
        assert!(html.contains(&row), "{row}");
    }
    let mut rows = 0;
    for (request, r) in v["requests"].as_object().unwrap() {
        if r["started"].as_u64().unwrap() > 0 {
            let row =
                format!("<tr><td>{request}</td><td>{}</td><td>{}</td><td>{}</td>", r["started"], r["ok"], r["failed"]);
            assert!(html.contains(&row), "{row}");
            rows += 1;
        }
    }
    assert!(rows >= 4, "the stress profile registers, invites, updates and hangs up");
    // report.txt itself closes the page, escaped.
    let txt = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    let fingerprint_line = txt.lines().last().unwrap();
    assert!(html.contains(&format!("{fingerprint_line}\n</pre>")));
}

#[test]
fn queue_report_puts_the_simulation_beside_erlang_c() {
    // M/M/4, λ = 3/s, μ = 1/s (a = 3): Σ_{k<4} 3^k/k! = 1 + 3 + 4.5 + 4.5 = 13 and
    // 3^4/4! · 4/(4 − 3) = 13.5, so P(wait) = 13.5 / 26.5 = 0.50943; Wq = P(wait)/(cμ − λ)
    // = 0.50943 s; W = 1.50943 s; Lq = λWq = 1.52830; L = λW = 4.52830; ρ = 0.75.
    let (dir, html) = run_into("html-queue", &["run", "scenarios/mmc.toml", "--quiet", "--replications", "2"]);
    assert_self_contained(&html);
    assert_charts_inline(&dir, &html);
    for (measure, theory) in [
        ("utilisation", "0.7500"),
        ("P(wait)", "0.5094"),
        ("mean wait (s)", "0.5094"),
        ("mean sojourn (s)", "1.5094"),
        ("mean in system", "4.5283"),
        ("mean queued", "1.5283"),
    ] {
        let at = html.find(&format!("<tr><td>{measure}</td>")).unwrap_or_else(|| panic!("{measure}"));
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        assert!(row.ends_with(&format!("<td>{theory}</td>")), "{row}");
        assert!(row.contains(" ± "), "{row}: two replications give an interval");
    }
}

#[test]
fn sweep_report_ranks_every_point() {
    let (dir, html) = run_into(
        "html-sweep",
        &[
            "sweep",
            "scenarios/default.toml",
            "--set",
            "load.subscribers=200,400",
            "--fix",
            "simulation.duration=300s",
            "--fix",
            "simulation.warmup=60s",
            "--replications",
            "2",
            "--quiet",
        ],
    );
    assert_self_contained(&html);
    assert_charts_inline(&dir, &html);
    assert!(html.contains("<th>load.subscribers</th>"));
    // Ranks 1 and 2, points 0 (200) and 1 (400), each once.
    for point in ["<td>0</td><td>200</td>", "<td>1</td><td>400</td>"] {
        assert_eq!(html.matches(point).count(), 1, "{point}");
    }
    assert!(html.contains("<td>best</td></tr>"), "the best point is marked");
}

#[test]
fn outage_table_puts_the_documentations_estimate_beside_the_measurement() {
    // A loud site failure under the documentation's assumptions (CLEARWATER_FACTS.md, "GR
    // outage estimate", doc 8.46.3): the 50% on site A's Bonos are affected; 10% of them hold
    // a DNS answer younger than the 30 s TTL and wait the 300 s back-off — 5% with a long
    // outage, 5% × 300 s = 15 s mean over everyone, 15 s / 50% = 30 s over the affected.
    let (_, html) = run_into(
        "html-outage",
        &[
            "run",
            "scenarios/gr-site-failure-loud.toml",
            "--quiet",
            "--replications",
            "1",
            "--set",
            "load.subscribers=2000",
        ],
    );
    assert_self_contained(&html);
    assert!(
        html.contains("<p class=\"warning\">WARNING: unlimited_cpu = true"),
        "unlimited_cpu said before the figures"
    );
    for (figure, estimate) in [
        ("mean over all subscribers (s)", "15.00"),
        ("affected (%)", "50.00"),
        ("out ≥ 250 s (%)", "5.00"),
        ("mean of the affected (s)", "30.00"),
    ] {
        let at = html.find(&format!("<tr><td>{figure}</td>")).unwrap_or_else(|| panic!("{figure}"));
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        assert!(row.ends_with(&format!("<td>{estimate}</td>")), "{row}");
    }
}
