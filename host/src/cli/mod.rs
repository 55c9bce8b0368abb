//! The `candlewick` command line: flags are parsed here, then each subcommand runs against a
//! reader or client it is handed and writes to the output it is handed, so tests can drive it with
//! a buffer.

mod database;
mod ingest;
mod inspect;
mod migrate;
mod new;
mod run;
mod test;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use database::{DatabaseArgs, SourceArgs};

/// A WebAssembly-plugged query host for market data.
#[derive(Debug, Parser)]
#[command(name = "candlewick", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the market_data schema (adopts an existing table of the replaced system)
    Migrate(migrate::MigrateArgs),
    /// Upsert bar files (CSV or Parquet) into market_data, each file all or nothing
    Ingest(ingest::IngestArgs),
    /// Show what data is stored: one row per symbol and timeframe
    Availability(inspect::AvailabilityArgs),
    /// Show the latest bar of each symbol
    Latest(inspect::LatestArgs),
    /// Run a job: plugins over symbols and a window, one Parquet file per plugin and symbol
    Run(run::RunArgs),
    /// Show what a plugin says about itself: parameters, outputs, warm-up
    Inspect(run::InspectArgs),
    /// Run a plugin over fixture bars (no database) and print or check its output; or run scenario folders
    Test(test::TestArgs),
    /// Create a plugin from a template (Rust, Python or JavaScript) that builds and passes its test
    New(new::NewArgs),
}

/// Runs one subcommand; the exit code tells success from failure.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Migrate(args) => migrate::run(&args, out),
        Command::Ingest(args) => ingest::run(&args, out),
        Command::Availability(args) => inspect::availability(&args, out),
        Command::Latest(args) => inspect::latest(&args, out),
        Command::Run(args) => run::run(&args, out),
        Command::Inspect(args) => run::inspect(&args, out),
        Command::Test(args) => test::run(&args, out),
        Command::New(args) => new::run(&args, out),
    }
}
