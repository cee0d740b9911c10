//! `cargo xtask`: see the library documentation of this crate.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = xtask::Cli::parse();
    xtask::init_logging();
    match xtask::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
