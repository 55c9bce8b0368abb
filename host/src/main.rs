//! The `candlewick` binary: parse flags, run the subcommand, print the whole error chain once.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("CANDLEWICK_LOG").unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let cli = candlewick::cli::Cli::parse();
    let mut out = std::io::stdout().lock();
    match candlewick::cli::run(cli, &mut out) {
        Ok(code) => code,
        Err(err) => {
            let _ = out.flush();
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
