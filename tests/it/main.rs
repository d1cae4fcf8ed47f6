//! Integration tests: one binary, one module per concern.

mod architecture;
mod bad_input;
mod billing;
mod calibration;
mod clearwater;
mod cli;
mod determinism;
mod engine;
mod era;
mod faults;
mod fingerprints;
mod gr;
mod hardening;
mod interrupt;
mod load_monitor;
mod mmtel;
mod mutations;
mod outage;
mod plan;
mod ports;
mod queueing;
mod scaling;
mod schema_keys;
mod sources;
mod support;
mod throttling;
