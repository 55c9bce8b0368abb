//! The `candlewick` command line: flags are parsed here, then each subcommand runs against a
//! reader or client it is handed and writes to the output it is handed, so tests can drive it with
//! a buffer.

mod availability;
mod build;
mod check;
mod database;
mod exit;
mod ingest;
mod inspect;
mod migrate;
mod new;
mod report;
mod run;
mod status;
mod test;

use std::io::Write;

use clap::{Parser, Subcommand};

pub use database::{DatabaseArgs, SourceArgs};
pub use exit::Exit;

/// A WebAssembly-plugged query host for market data.
#[derive(Debug, Parser)]
#[command(name = "candlewick", version, about, after_help = exit::HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Say less: no progress bar, no line per unit, only errors in the log
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: -v logs at info, -vv at debug (CANDLEWICK_LOG or RUST_LOG, when set, decide instead)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the market_data schema (adopts an existing table of the replaced system)
    Migrate(migrate::MigrateArgs),
    /// Upsert bar files (CSV or Parquet) into market_data, each file all or nothing
    Ingest(ingest::IngestArgs),
    /// Show what data is stored: one row per symbol and timeframe
    Availability(availability::AvailabilityArgs),
    /// Show the latest bar of each symbol
    Latest(availability::LatestArgs),
    /// Run a job: plugins over symbols and a window, a dataset per plugin (a Parquet file per symbol), a manifest
    Run(run::RunArgs),
    /// Write a job's output as one HTML page: charts per symbol (bars, features, events) and the run's summary
    Report(report::ReportArgs),
    /// Say whether a job's output is complete: each shard done, failed (which units), stopped, running or lost
    Status(status::StatusArgs),
    /// Show what a plugin says about itself: parameters, outputs, warm-up
    Inspect(inspect::InspectArgs),
    /// Run a plugin over fixture bars (no database) and print or check its output; or run scenario folders
    Test(test::TestArgs),
    /// Check a plugin (over a fixture) or a job for look-ahead and start-dependence
    Check(check::CheckArgs),
    /// Create a plugin project (Rust, Python, JavaScript or Go) in ./NAME that builds and passes its test
    New(new::NewArgs),
    /// Build a plugin's folder into a Wasm component, whatever its language, and say where it is
    Build(build::BuildArgs),
}

/// Runs one subcommand; the exit code tells success from failure.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Migrate(args) => migrate::run(&args, out),
        Command::Ingest(args) => ingest::run(&args, out),
        Command::Availability(args) => availability::availability(&args, out),
        Command::Latest(args) => availability::latest(&args, out),
        Command::Run(args) => run::run(&args, cli.quiet, out),
        Command::Report(args) => report::run(&args, out),
        Command::Status(args) => status::run(&args, out),
        Command::Inspect(args) => inspect::run(&args, out),
        Command::Test(args) => test::run(&args, out),
        Command::Check(args) => check::run(&args, out),
        Command::New(args) => new::run(&args, out),
        Command::Build(args) => build::run(&args, out),
    }
}
