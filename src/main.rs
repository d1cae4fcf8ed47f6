//! The `cwsim` binary: everything lives in the library; see `cli.rs`.

fn main() {
    std::process::exit(cwsim::cli::main());
}
