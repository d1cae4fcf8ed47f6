//! The port tables compiled into cwsim, transcribed from the project's seed documents; each
//! row cites its seed section.

use super::table::Table;
use std::sync::OnceLock;

/// (name, file, text, what it is).
pub const BUNDLED: [(&str, &str, &str, &str); 4] = [
    (
        "clearwater",
        "src/ports/tables/clearwater.csv",
        include_str!("tables/clearwater.csv"),
        "Project Clearwater IMS core (eras: older, newer)",
    ),
    ("portaswitch", "src/ports/tables/portaswitch.csv", include_str!("tables/portaswitch.csv"), "PortaSwitch"),
    ("jtel", "src/ports/tables/jtel.csv", include_str!("tables/jtel.csv"), "jtel ACD platform"),
    (
        "expressway",
        "src/ports/tables/expressway.csv",
        include_str!("tables/expressway.csv"),
        "Cisco Expressway cluster (eras: pre-x8.8, x8.8)",
    ),
];

/// A bundled table by name, parsed.
pub fn table(name: &str) -> Option<Table> {
    BUNDLED.iter().find(|(n, ..)| *n == name).map(|(n, file, text, _)| match Table::parse(n, file, text) {
        Ok(t) => t,
        // The bundled tables are checked by the tests; a bad one is a build defect.
        Err(e) => panic!("bundled port table {n}: {}", e[0]),
    })
}

/// Clearwater's table, parsed once (the model's block-port faults are validated against it).
pub fn clearwater() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| table("clearwater").unwrap_or_else(|| unreachable!("clearwater is bundled")))
}

pub fn names() -> Vec<&'static str> {
    BUNDLED.iter().map(|(n, ..)| *n).collect()
}
