//! `candlewick ingest FILE…`

use super::Exit;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use super::DatabaseArgs;
use crate::bars_file::FileDefaults;
use crate::domain::{Symbol, Timeframe};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// CSV or Parquet bar files: timestamp, open, high, low, close, optional volume, symbol, timeframe
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The symbol of every bar, for files without a symbol column
    #[arg(long, value_parser = parse_symbol)]
    pub symbol: Option<Symbol>,
    /// The timeframe of every bar, for files without a timeframe column (tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)
    #[arg(long)]
    pub timeframe: Option<Timeframe>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn parse_symbol(text: &str) -> Result<Symbol, String> {
    Symbol::new(text).map_err(|err| err.to_string())
}

/// Ingests the files in order, each in its own transaction; stops at the first file that fails,
/// whose rows are not written (the files before it are).
pub fn run(args: &IngestArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let defaults =
        FileDefaults { symbol: args.symbol.clone(), timeframe: args.timeframe, only_where_missing: false };
    let mut client = args.database.client()?;
    for (done, path) in args.files.iter().enumerate() {
        let started = Instant::now();
        let report = crate::pg::ingest::ingest_file(&mut client, path, &defaults).with_context(|| {
            if done == 0 {
                "ingesting (nothing was written)".to_owned()
            } else {
                format!("ingesting (nothing of this file was written; the {done} file(s) before it were)")
            }
        })?;
        let seconds = started.elapsed().as_secs_f64();
        writeln!(
            out,
            "{}: {} rows, {} written, {} unchanged ({:.0} rows/s)",
            path.display(),
            report.rows,
            report.written,
            report.rows - report.written,
            report.rows as f64 / seconds.max(1e-9)
        )?;
    }
    Ok(Exit::Success)
}
