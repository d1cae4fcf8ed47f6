//! `cwsim ports`: from the command's arguments to its report. Loads the table (bundled by
//! name, or a file), the deployment (a Clearwater scenario, a CSV file, or the whole table)
//! and, for `--audit`, the rule set; nothing here prints.

use super::audit::{audit, parse_rules};
use super::bundled;
use super::csv_input::InputError;
use super::deployment::Deployment;
use super::rules::required;
use super::table::Table;
use crate::report::ports as render;
use crate::scenario::Scenario;
use std::io::Read;
use std::path::Path;

/// Largest input file read (port tables, deployments and rule sets are small texts).
pub const FILE_MAX: u64 = 4 << 20;

/// Where the deployment comes from.
pub enum DeploymentFrom<'a> {
    /// A Clearwater scenario, already loaded, and its file name.
    Scenario(&'a Scenario, &'a str),
    File(&'a Path),
    /// No deployment: every role of the table.
    Whole,
}

pub struct Request<'a> {
    pub table: &'a str,
    pub deployment: DeploymentFrom<'a>,
    pub era: Option<&'a str>,
    pub audit: Option<&'a Path>,
    pub csv: bool,
}

/// A report, and whether the audit found problems.
pub struct Report {
    pub text: String,
    pub problems: bool,
}

fn read_text(path: &Path) -> Result<String, Vec<String>> {
    let name = path.display().to_string();
    let fail = |m: String| vec![format!("{name}: {m}")];
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    let mut bytes = Vec::new();
    file.take(FILE_MAX + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > FILE_MAX {
        return Err(fail(format!("larger than {} MiB", FILE_MAX >> 20)));
    }
    String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))
}

fn errors(e: Vec<InputError>) -> Vec<String> {
    e.into_iter().map(|e| e.to_string()).collect()
}

/// The table named `spec` (a bundled table) or in the file `spec`.
pub fn load_table(spec: &str) -> Result<Table, Vec<String>> {
    if let Some(t) = bundled::table(spec) {
        return Ok(t);
    }
    let path = Path::new(spec);
    if !path.exists() {
        return Err(vec![format!(
            "--table {spec}: neither a bundled table ({}) nor a file",
            bundled::names().join(", ")
        )]);
    }
    let text = read_text(path)?;
    let name = path.file_stem().map_or("table".into(), |s| s.to_string_lossy().into_owned());
    Table::parse(&name, spec, &text).map_err(errors)
}

pub fn run(req: &Request<'_>) -> Result<Report, Vec<String>> {
    let table = load_table(req.table)?;
    let era = table.era(req.era).map_err(|e| vec![format!("--era {e}")])?;
    let (deployment, what) = match &req.deployment {
        DeploymentFrom::Scenario(s, file) => {
            if table.name != "clearwater" {
                return Err(vec![format!(
                    "{file}: a scenario deploys Clearwater; with --table {} give a deployment CSV (site,role,nodes)",
                    req.table
                )]);
            }
            (Deployment::of_scenario(s), format!("scenario {} ({} site(s))", s.name, s.sites.len()))
        }
        DeploymentFrom::File(path) => {
            let text = read_text(path)?;
            let d = Deployment::parse(&path.display().to_string(), &text, &table).map_err(errors)?;
            let what = format!("deployment {} ({} site(s))", path.display(), d.sites.len());
            (d, what)
        }
        DeploymentFrom::Whole => (Deployment::whole_table(&table), "every role of the table, every condition".into()),
    };
    let rules = required(&table, era.as_deref(), &deployment);
    let era_text = era.as_ref().map_or(String::new(), |e| format!(", era {e}"));
    let title = format!("Firewall rules for {what}, from port table {}{era_text}:", table.name);
    let Some(audit_path) = req.audit else {
        let text = if req.csv { render::rules_csv(&rules) } else { render::rules_text(&title, &rules) };
        return Ok(Report { text, problems: false });
    };
    let file = audit_path.display().to_string();
    let given = parse_rules(&file, &read_text(audit_path)?).map_err(errors)?;
    let findings = audit(&rules, &given);
    let title = format!("Audit of {file} against port table {}{era_text} for {what}:", table.name);
    let text = if req.csv {
        render::audit_csv(&file, &findings)
    } else {
        render::audit_text(&title, &file, rules.len(), given.len(), &findings)
    };
    Ok(Report { text, problems: !findings.is_empty() })
}
