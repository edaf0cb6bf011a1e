//! `messenger`: the command-line face of the library, for administrators, demos and benchmarks.
//!
//! `messenger cert …`, `messenger telegram …`, `messenger xmpp …`; each area parses its own
//! arguments in its own file.

use std::process::ExitCode;

mod cert;
mod setting;
mod telegram;
mod xmpp;

const USAGE: &str =
    "usage: messenger <cert|telegram|xmpp> [arguments]  (messenger <area> --help for more)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let rest = args.get(2..).map(<[String]>::to_vec).unwrap_or_default();
    match args.get(1).map(String::as_str) {
        Some("cert") => cert::run(rest),
        Some("telegram") => telegram::run(rest),
        Some("xmpp") => xmpp::run(rest),
        Some("--version" | "-V") => {
            println!("messenger {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
