//! `candlewick availability` and `candlewick latest`: what is stored, as a table or JSON.

use super::Exit;
use std::io::Write;

use clap::Args;
use comfy_table::{CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;

use super::SourceArgs;
use crate::domain::{AvailabilityEntry, LatestBar, SymbolSet, Timeframe, Timestamp};

#[derive(Debug, Args)]
pub struct AvailabilityArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Args)]
pub struct LatestArgs {
    /// Comma-separated symbols, such as EURUSD,SPY
    #[arg(long, required = true, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// The bars' timeframe (tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)
    #[arg(long)]
    pub timeframe: Timeframe,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

pub fn availability(args: &AvailabilityArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let entries = args.source.reader()?.summary()?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&availability_json(&entries))?)?;
    } else {
        writeln!(out, "{}", availability_table(&entries))?;
    }
    Ok(Exit::Success)
}

pub fn latest(args: &LatestArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let symbols = SymbolSet::parse(&args.symbols)?;
    let bars = args.source.reader()?.latest(&symbols, args.timeframe, Timestamp::MAX)?;
    // Said on stderr, so that stdout stays the table or the JSON a script reads.
    let missing: Vec<&str> =
        symbols.iter().filter(|s| !bars.iter().any(|b| &b.symbol == *s)).map(|s| s.as_str()).collect();
    if !missing.is_empty() {
        eprintln!("not found: {} (no {} bars stored)", missing.join(", "), args.timeframe);
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&latest_json(&bars, args.timeframe))?)?;
    } else {
        writeln!(out, "{}", latest_table(&bars, args.timeframe))?;
    }
    Ok(Exit::Success)
}

fn text(ts: Option<Timestamp>) -> String {
    ts.map(|ts| ts.to_string()).unwrap_or_default()
}

fn availability_json(entries: &[AvailabilityEntry]) -> serde_json::Value {
    entries
        .iter()
        .map(|e| {
            json!({
                "symbol": e.symbol.as_str(),
                "timeframe": e.timeframe.as_str(),
                "count": e.availability.count,
                "earliest": e.availability.earliest.map(|ts| ts.to_string()),
                "latest": e.availability.latest.map(|ts| ts.to_string()),
            })
        })
        .collect()
}

fn availability_table(entries: &[AvailabilityEntry]) -> Table {
    // The JSON's names: `count`, not `bars`.
    let mut table = new_table(&["symbol", "timeframe", "count", "earliest", "latest"]);
    for e in entries {
        table.add_row(vec![
            e.symbol.to_string(),
            e.timeframe.to_string(),
            e.availability.count.to_string(),
            text(e.availability.earliest),
            text(e.availability.latest),
        ]);
    }
    align_numbers(&mut table, &[2]);
    table
}

fn latest_json(bars: &[LatestBar], timeframe: Timeframe) -> serde_json::Value {
    bars.iter()
        .map(|b| {
            json!({
                "symbol": b.symbol.as_str(),
                "timeframe": timeframe.as_str(),
                "timestamp": b.bar.ts.to_string(),
                "open": b.bar.open,
                "high": b.bar.high,
                "low": b.bar.low,
                "close": b.bar.close,
                "volume": b.bar.volume,
            })
        })
        .collect()
}

fn latest_table(bars: &[LatestBar], timeframe: Timeframe) -> Table {
    let mut table =
        new_table(&["symbol", "timeframe", "timestamp", "open", "high", "low", "close", "volume"]);
    for b in bars {
        table.add_row(vec![
            b.symbol.to_string(),
            timeframe.to_string(),
            b.bar.ts.to_string(),
            b.bar.open.to_string(),
            b.bar.high.to_string(),
            b.bar.low.to_string(),
            b.bar.close.to_string(),
            b.bar.volume.to_string(),
        ]);
    }
    align_numbers(&mut table, &[3, 4, 5, 6, 7]);
    table
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(header.to_vec());
    table
}

fn align_numbers(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}
