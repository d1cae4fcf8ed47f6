//! `cwsim ports` output: the rules a deployment needs (text or CSV) and audit findings
//! (text or CSV). The rules' CSV has the columns of an audited rule set, so it can be
//! audited as it is.

use crate::ports::audit::Finding;
use crate::ports::rules::Rule;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rules as a table, under `title`.
pub fn rules_text(title: &str, rules: &[Rule]) -> String {
    let mut out = format!("{title}\n");
    out.push_str(&format!("{:<22} {:<22} {:<8} {:<12} {}\n", "source", "destination", "protocol", "port", "purpose"));
    for r in rules {
        let port = if r.ports.is_none() { "-".to_string() } else { r.port_text() };
        out.push_str(&format!(
            "{:<22} {:<22} {:<8} {:<12} {}\n",
            r.source.to_string(),
            r.destination.to_string(),
            r.protocol.to_string(),
            port,
            r.purpose
        ));
    }
    out
}

/// The rules as CSV: `source,destination,protocol,port,action,comment` (comment: purpose and
/// the table's sections).
pub fn rules_csv(rules: &[Rule]) -> String {
    let mut out = String::from("source,destination,protocol,port,action,comment\n");
    for r in rules {
        out.push_str(&format!(
            "{},{},{},{},allow,{}\n",
            r.source,
            r.destination,
            r.protocol,
            r.port_text(),
            csv_field(&format!("{} [{}]", r.purpose, r.section))
        ));
    }
    out
}

fn rule_text(r: &Rule) -> String {
    let port = if r.ports.is_none() { String::new() } else { format!("/{}", r.port_text()) };
    format!("{} -> {} {}{}", r.source, r.destination, r.protocol, port)
}

fn lines(v: &[u64]) -> String {
    v.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(" ")
}

/// (kind, rule or line, detail) of one finding.
fn parts(f: &Finding, file: &str) -> (String, String) {
    match f {
        Finding::Missing { rule, partly } => {
            let mut d = format!("breaks: {} [{}]", rule.purpose, rule.section);
            if !partly.is_empty() {
                d.push_str(&format!("; only partly matched or denied by {file} line {}", lines(partly)));
            }
            (rule_text(rule), d)
        }
        Finding::Conflict { rule, allowed, denied } => (
            rule_text(rule),
            format!("allowed by line {} and denied by line {} ({})", lines(allowed), lines(denied), rule.purpose),
        ),
        Finding::Superfluous { given } => {
            (format!("{file}:{}: {}", given.line, given.text()), "admits no flow the table requires".into())
        }
        Finding::TooWide { given, needed } => {
            let n: Vec<String> = needed.iter().map(|p| p.to_string()).collect();
            let allowed = given.ports.map_or(65535, |p| p.count());
            let used: u32 = needed.iter().map(|p| p.count()).sum();
            (
                format!("{file}:{}: {}", given.line, given.text()),
                format!("opens {allowed} ports where {used} are needed: {}", n.join(", ")),
            )
        }
    }
}

/// Audit findings as text, with a count line.
pub fn audit_text(title: &str, file: &str, required: usize, given: usize, findings: &[Finding]) -> String {
    let mut out = format!("{title}\n{required} rules required, {given} given in {file}.\n");
    for kind in ["missing", "conflict", "too-wide", "superfluous"] {
        let of: Vec<&Finding> = findings.iter().filter(|f| f.kind() == kind).collect();
        if of.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{kind} ({}):\n", of.len()));
        for f in of {
            let (what, detail) = parts(f, file);
            out.push_str(&format!("  {what}\n      {detail}\n"));
        }
    }
    if findings.is_empty() {
        out.push_str("No problems found.\n");
    } else {
        out.push_str(&format!("\n{} problem(s) found.\n", findings.len()));
    }
    out
}

/// Audit findings as CSV: `kind,rule,detail`.
pub fn audit_csv(file: &str, findings: &[Finding]) -> String {
    let mut out = String::from("kind,rule,detail\n");
    for f in findings {
        let (what, detail) = parts(f, file);
        out.push_str(&format!("{},{},{}\n", f.kind(), csv_field(&what), csv_field(&detail)));
    }
    out
}
