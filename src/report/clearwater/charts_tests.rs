//! What the charts draw, checked on their data (series, colours, markers, axes), on small
//! versions of the bundled scenarios.

use super::*;
use crate::engine::RunControl;
use crate::model::clearwater;
use crate::scenario::{parse_with, Override};

fn scenario(file: &str, sets: &[&str]) -> Scenario {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    parse_with(&path, "t", &bytes, &sets).unwrap()
}

fn run(s: &Scenario) -> Vec<(&'static str, Chart)> {
    let results: Vec<_> =
        (0..s.simulation.replications).map(|rep| clearwater::run(s, rep, &RunControl::default())).collect();
    charts(s, &results)
}

fn chart<'a>(all: &'a [(&'static str, Chart)], name: &str) -> &'a Chart {
    &all.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no chart {name}")).1
}

fn names(c: &Chart) -> Vec<&str> {
    c.series.iter().map(|s| s.name.as_str()).collect()
}

/// The GR loud failure at 1/10 of its population, two replications: 2 sites × (2 Bonos,
/// 2 Sprouts, 1 Homestead, 1 Homer), warm-up 5 min, site A fails at 10 min.
fn gr_loud() -> (Scenario, Vec<(&'static str, Chart)>) {
    let s = scenario("gr-site-failure-loud.toml", &["load.subscribers=2000", "simulation.replications=2"]);
    let c = run(&s);
    (s, c)
}

#[test]
fn cpu_is_drawn_per_node_with_warmup_and_fault_markers_and_the_unlimited_cpu_warning() {
    let (_, all) = gr_loud();
    let cpu = chart(&all, "cpu");
    // One line per node (12), not one per tier: tier by tier, each site's nodes.
    assert_eq!(
        names(cpu),
        [
            "site-a bono-0",
            "site-a bono-1",
            "site-b bono-0",
            "site-b bono-1",
            "site-a sprout-0",
            "site-a sprout-1",
            "site-b sprout-0",
            "site-b sprout-1",
            "site-a homestead-0",
            "site-b homestead-0",
            "site-a homer-0",
            "site-b homer-0",
        ]
    );
    // Warm-up ends at 5 min = 300 s; the site fails at 10 min = 600 s (no recovery).
    let m: Vec<(f64, &str, Colour)> = cpu.markers.iter().map(|m| (m.x, m.label.as_str(), m.colour)).collect();
    assert_eq!(m, [(300.0, "warm-up end", WARMUP), (600.0, "site-failure site-a (loud)", EVENT)]);
    // Every chart of an unlimited-CPU run carries the warning.
    for (name, c) in &all {
        assert_eq!(c.warning.as_deref(), Some(UNLIMITED_CPU_WARNING), "{name}");
    }
}

#[test]
fn outcomes_are_green_and_red_and_goodput_is_drawn_against_offered_load() {
    let s = scenario("default.toml", &["load.subscribers=400", "simulation.duration=15m", "simulation.warmup=5m"]);
    let all = run(&s);
    let req = chart(&all, "requests");
    let colours: Vec<(&str, Option<Colour>)> = req.series.iter().map(|x| (x.name.as_str(), x.colour)).collect();
    assert_eq!(colours, [("succeeded", Some(SUCCESS)), ("failed", Some(FAILURE))]);
    assert_eq!(req.markers.len(), 1, "warm-up end only: no fault");
    assert!(req.warning.is_none(), "CPU limited: no warning");
    let g = chart(&all, "goodput");
    let colours: Vec<(&str, Option<Colour>)> = g.series.iter().map(|x| (x.name.as_str(), x.colour)).collect();
    assert_eq!(
        colours,
        [
            ("calls offered", Some(OFFERED)),
            ("calls answered (goodput)", Some(SUCCESS)),
            ("registrations offered", Some(REG_OFFERED)),
            ("registrations completed", Some(REG_DONE)),
        ]
    );
    // Without overload, what is answered is at most what was offered, summed over the run
    // (an answer follows its INVITE by the answer delay, so per sample it can lag).
    let total = |i: usize| g.series[i].points.iter().map(|p| p.1).sum::<f64>();
    assert!(total(0) > 0.0 && total(1) <= total(0) && total(1) > 0.8 * total(0));
    // The Chronos LoadMonitor of each Sprout is drawn (both Sprouts, maybe as one line).
    let chronos = chart(&all, "chronos_token_rate");
    let drawn: String = names(chronos).join(", ");
    assert!(drawn.contains("sprout-0") && drawn.contains("sprout-1"), "{drawn}");
}

#[test]
fn latency_is_drawn_against_percentile_on_the_hdr_axis_to_four_nines() {
    let s = scenario("default.toml", &["load.subscribers=400", "simulation.duration=15m", "simulation.warmup=5m"]);
    let all = run(&s);
    let lat = chart(&all, "latency");
    assert_eq!(lat.x_axis, XAxis::Percentile);
    for series in &lat.series {
        let xs: Vec<f64> = series.points.iter().map(|p| p.0).collect();
        // x = 1/(1−q): q = 0 → 1; q = 0.9999 → 10 000; ten points per decade.
        assert_eq!(xs.len(), 41);
        assert!((xs[0] - 1.0).abs() < 1e-9 && (xs[10] - 10.0).abs() < 1e-9 && (xs[40] - 1e4).abs() < 1e-6);
        // A percentile distribution never decreases.
        assert!(series.points.windows(2).all(|w| w[1].1 >= w[0].1), "{}", series.name);
    }
    assert!(names(lat).contains(&"register_initial"));
}

#[test]
fn outage_cdf_is_on_a_log_axis_with_the_documentations_estimate_marked() {
    let (_, all) = gr_loud();
    let o = chart(&all, "outage_cdf");
    assert_eq!(o.x_axis, XAxis::Log);
    let cdf = &o.series[0].points;
    assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-12);
    // The estimate for a site holding f = 0.5 of the subscribers, registrations every
    // T = 300 s, TTL L = 30 s, retry R = 300 s: a UE whose cached answer is younger than L
    // (probability L/T = 0.1) retries the dead site once, out R = 300 s; the others
    // re-resolve at once: (L/T)·R = 30 s per subscriber of the failed site.
    let estimate = o.markers.iter().find(|m| m.colour == REFERENCE).unwrap();
    assert!((estimate.x - 30.0).abs() < 1e-9, "{}", estimate.x);
    assert!(estimate.label.contains("documentation's estimate"));
    let measured = o.markers.iter().find(|m| m.colour == SUCCESS).unwrap();
    let n = cdf.len() as f64;
    assert!((measured.x - cdf.iter().map(|p| p.0).sum::<f64>() / n).abs() < 1e-9);
}

#[test]
fn a_scaling_run_draws_each_sprouts_share_of_bono_connections_and_marks_the_scale_up() {
    // scale-up.toml at 1/50 of its population and 20 minutes: a second Sprout at 10 min.
    let s =
        scenario("scale-up.toml", &["load.subscribers=2000", "simulation.duration=20m", "simulation.replications=1"]);
    let all = run(&s);
    let conn = chart(&all, "connections");
    assert_eq!(names(conn), ["sprout-0", "sprout-1"]);
    // Shares of one total: they add up to 100% at every sample where both are listed.
    let one: BTreeMap<u64, f64> = conn.series[1].points.iter().map(|p| (p.0 as u64, p.1)).collect();
    for &(t, share) in &conn.series[0].points {
        let other = one.get(&(t as u64)).copied().unwrap_or(0.0);
        assert!((share + other - 100.0).abs() < 1e-9, "t={t}: {share} + {other}");
    }
    // All on sprout-0 before the scale-up.
    assert!(conn.series[0].points.iter().filter(|p| p.0 < 600.0).all(|p| (p.1 - 100.0).abs() < 1e-9));
    assert!(conn.markers.iter().any(|m| m.x == 600.0 && m.label == "scale site1 sprout to 2 nodes"));
    // CPU per node: the new Sprout is its own line, not averaged into the tier.
    assert!(names(chart(&all, "cpu")).contains(&"sprout-1"));
}

#[test]
fn identical_token_rate_lines_are_drawn_once_named_together() {
    // Two Sprouts that never engage their LoadMonitor sit at the same rate throughout.
    let s = scenario("default.toml", &["load.subscribers=400", "simulation.duration=15m", "simulation.warmup=5m"]);
    let all = run(&s);
    let rates = chart(&all, "token_rate");
    let drawn = names(rates);
    assert!(drawn.iter().all(|n| !n.is_empty()));
    let mut points: Vec<&Vec<(f64, f64)>> = rates.series.iter().map(|s| &s.points).collect();
    points.dedup();
    assert_eq!(points.len(), rates.series.len(), "no two drawn lines are identical");
}
