//! `messenger telegram …`: not available in this version yet.

use std::process::ExitCode;

pub fn run(_args: Vec<String>) -> ExitCode {
    eprintln!("messenger telegram: not available in this version");
    ExitCode::from(2)
}
