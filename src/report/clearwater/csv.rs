//! The CSV files of a Clearwater run: timeseries.csv (per node and sample), requests.csv (per
//! request type and sample) and outages.csv (per outage). The columns are a contract
//! (README.md, "Outputs").

use crate::model::clearwater::{ClearwaterResult, FailCause};
use crate::scenario::Scenario;

pub const TIMESERIES_COLUMNS: &str = "replication,time_s,site,tier,node,cpu,queue,latency_ms,requests,rejected,\
registrations,chronos_timers,connections,token_rate,smoothed_latency_ms,admitted,penalties,\
chronos_token_rate,chronos_smoothed_latency_ms,chronos_admitted,chronos_rejected";

pub fn timeseries_csv(results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(TIMESERIES_COLUMNS);
    out.push('\n');
    for r in results {
        for row in &r.rows {
            let n = &r.nodes[row.node as usize];
            let connections: Vec<String> =
                row.connections.iter().map(|(s, c)| format!("{}:{c}", r.nodes[*s as usize].label)).collect();
            let (rate, smoothed, admitted, penalties) = match &row.throttle {
                Some(t) => (
                    format!("{:.3}", t.token_rate),
                    format!("{:.3}", t.smoothed_latency_ms),
                    t.admitted.to_string(),
                    t.penalties.to_string(),
                ),
                None => Default::default(),
            };
            let chronos = match &row.chronos {
                Some(t) => format!("{:.3},{:.3},{},{}", t.token_rate, t.smoothed_latency_ms, t.admitted, t.rejected),
                None => ",,,".to_string(),
            };
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{},{},{},{},{},{},{rate},{smoothed},{admitted},{penalties},{chronos}\n",
                r.replication,
                row.time.as_secs_f64(),
                n.site,
                n.tier.name(),
                n.label,
                row.cpu,
                row.queue,
                row.latency_ms.map(|l| format!("{l:.6}")).unwrap_or_default(),
                row.requests,
                row.rejected,
                row.registrations,
                row.chronos_timers,
                connections.join(";")
            ));
        }
    }
    out.into_bytes()
}

pub const REQUESTS_COLUMNS: &str = "replication,time_s,request,started,ok,timeout,rejected_503,transport,other";

pub fn requests_csv(results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(REQUESTS_COLUMNS);
    out.push('\n');
    for r in results {
        for row in &r.request_rows {
            let c = &row.counts;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.replication,
                row.time.as_secs_f64(),
                row.kind.name(),
                c.started,
                c.ok,
                c.failed[FailCause::Timeout],
                c.failed[FailCause::Rejected503],
                c.failed[FailCause::Transport],
                c.failed[FailCause::Other]
            ));
        }
    }
    out.into_bytes()
}

pub const OUTAGES_COLUMNS: &str = "replication,subscriber,site,start_s,end_s,duration_s,cause,open";

pub fn outages_csv(s: &Scenario, results: &[ClearwaterResult]) -> Vec<u8> {
    let mut out = String::from(OUTAGES_COLUMNS);
    out.push('\n');
    for r in results {
        let mut rows: Vec<_> = r.outages.iter().collect();
        rows.sort_by_key(|o| (o.ue, o.start));
        for o in rows {
            out.push_str(&format!(
                "{},{},{},{},{},{:.6},{},{}\n",
                r.replication,
                o.ue,
                s.sites[r.ue_sites[o.ue as usize] as usize].name,
                o.start.as_secs_f64(),
                o.end.as_secs_f64(),
                o.end.since(o.start).as_secs_f64(),
                o.cause.name(),
                o.open
            ));
        }
    }
    out.into_bytes()
}
