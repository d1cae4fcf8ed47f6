//! Port tables as data and what `cwsim ports` does with them: the firewall rules a
//! deployment needs, and audits of existing rule sets.
//!
//! `csv_input` (CSV with known columns, file:line errors), `table` (the port-table format),
//! `bundled` (the tables compiled in), `deployment` (sites, roles, features), `rules` (the
//! rules a deployment needs), `audit` (a rule set against them).

pub mod audit;
pub mod bundled;
pub mod command;
pub mod csv_input;
pub mod deployment;
pub mod rules;
pub mod table;

pub use csv_input::InputError;
