//! What both benchmarks share: generated bars, plain COPY in, and the COPY drain baseline.
#![allow(dead_code, reason = "each bench binary uses a different part of this module")]

use std::io::{Read, Write};
use std::path::Path;

use candlewick::domain::{Bar, Timestamp};
use candlewick::pg::PgTimestamp;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;

pub const SYMBOLS: [&str; 4] = ["SYM0", "SYM1", "SYM2", "SYM3"];
pub const MINUTE: i64 = 60_000_000;
pub const START: i64 = 1_577_836_800_000_000; // 2020-01-01T00:00:00Z
/// Every column a bar read returns, for the COPY drain.
pub const ALL_COLUMNS: &str = "timestamp, open_price, high_price, low_price, close_price, volume";

/// A deterministic random walk per symbol, so every run measures the same data.
pub fn generate(bars_per_symbol: usize) -> Vec<(&'static str, Bar)> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut rows = Vec::with_capacity(bars_per_symbol * SYMBOLS.len());
    for symbol in SYMBOLS {
        let mut price = 100.0;
        for i in 0..bars_per_symbol {
            let open = price;
            let close = open * (1.0 + (next() - 0.5) * 0.002);
            let high = open.max(close) * (1.0 + next() * 0.001);
            let low = open.min(close) * (1.0 - next() * 0.001);
            let volume = (next() * 10_000.0) as i64;
            price = close;
            rows.push((
                symbol,
                Bar { ts: Timestamp::from_micros(START + i as i64 * MINUTE), open, high, low, close, volume },
            ));
        }
    }
    rows
}

pub fn write_csv(path: &Path, rows: &[(&str, Bar)]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "symbol,timeframe,timestamp,open,high,low,close,volume")?;
    for (symbol, bar) in rows {
        writeln!(
            out,
            "{symbol},1m,{},{},{},{},{},{}",
            bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume
        )?;
    }
    out.flush()
}

/// The baseline for ingest: the rows, already in memory, binary-COPied straight into the table.
pub fn plain_copy(client: &mut postgres::Client, rows: &[(&str, Bar)]) -> Result<(), postgres::Error> {
    let sink = client.copy_in(
        "COPY market_data (symbol, timeframe, \"timestamp\", open_price, high_price, low_price, close_price, volume) \
         FROM STDIN (FORMAT binary)",
    )?;
    let types = [
        Type::VARCHAR,
        Type::VARCHAR,
        Type::TIMESTAMPTZ,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::INT8,
    ];
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    for (symbol, bar) in rows {
        writer.write(&[
            symbol,
            &"1m",
            &PgTimestamp(bar.ts),
            &bar.open,
            &bar.high,
            &bar.low,
            &bar.close,
            &bar.volume,
        ])?;
    }
    writer.finish()?;
    Ok(())
}

/// The baseline for reads: the same rows as binary COPY, drained without decoding. COPY takes no
/// parameters, so the symbol is a literal here (the benchmark's own, safe to inline).
pub fn copy_drain(
    client: &mut postgres::Client,
    symbol: &str,
    columns: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    let sql = format!(
        "COPY (SELECT {columns} FROM market_data \
         WHERE symbol = '{symbol}' AND timeframe = '1m' AND timestamp >= '-infinity' AND timestamp <= 'infinity' \
         ORDER BY timestamp) TO STDOUT (FORMAT binary)"
    );
    let mut reader = client.copy_out(&sql)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(bytes);
        }
        bytes += n;
    }
}

/// The bar count (`CANDLEWICK_BENCH_BARS`, default 2,000,000); also sets up logging
/// (`CANDLEWICK_LOG`).
pub fn bars_from_env() -> usize {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CANDLEWICK_LOG"))
        .init();
    std::env::var("CANDLEWICK_BENCH_BARS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000)
}

pub fn verdict(ok: bool) -> &'static str {
    if ok { "meets target" } else { "MISSES target" }
}
