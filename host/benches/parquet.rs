//! What the job's Parquet settings cost: the `indicators` output over N one-minute bars (default
//! 500,000: one unit of the job benchmark) written by `ParquetWriter`, as ratios to the settings
//! it replaced (Snappy and page statistics on every column) measured in the same run.
//!
//! ```sh
//! cargo bench -p candlewick --bench parquet
//! ```

use std::time::Instant;

use candlewick::domain::{ColumnValues, Table};
use candlewick::output::{record_batch, writer_properties};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

mod common;
use common::generate;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bars = std::env::var("CANDLEWICK_BENCH_BARS").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let rows = generate(bars);
    let (ts, close, high, low) = rows.iter().filter(|(symbol, _)| *symbol == common::SYMBOLS[0]).fold(
        (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        |(mut ts, mut close, mut high, mut low), (_, bar)| {
            ts.push(bar.ts.as_micros());
            close.push(bar.close);
            high.push(bar.high);
            low.push(bar.low);
            (ts, close, high, low)
        },
    );
    let bars = indicators::table::Bars { ts, close, high, low };
    let features =
        indicators::table::features_in_window(&bars, i64::MIN, &indicators::params::Params::default())?;
    let table = Table {
        ts: features.ts,
        columns: features
            .columns
            .into_iter()
            .map(|column| {
                let values = match column.values {
                    guest_support::Values::Float(v) => ColumnValues::Float(v),
                    guest_support::Values::Int(v) => ColumnValues::Int(v),
                };
                (column.name.to_owned(), values)
            })
            .collect(),
    };
    let batch = record_batch(table)?;
    let previous = WriterProperties::builder()
        .set_dictionary_enabled(false)
        .set_compression(Compression::SNAPPY)
        .build();
    println!(
        "parquet benchmark: indicators output, {} rows x {} columns, best of 5",
        batch.num_rows(),
        batch.num_columns()
    );
    let mut measured = Vec::new();
    for (name, properties) in [
        ("candlewick", writer_properties(batch.schema_ref(), Vec::new(), true)),
        ("snappy, page statistics", previous),
    ] {
        let mut best = f64::MAX;
        let mut size = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let mut file = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), Some(properties.clone()))?;
            writer.write(&batch)?;
            writer.close()?;
            best = best.min(started.elapsed().as_secs_f64());
            size = file.len();
        }
        measured.push((name, best, size));
    }
    let (_, base_s, base_size) = measured[1];
    for (name, seconds, size) in measured {
        println!(
            "  {name:<24} {:>7.1} ms  {:.2}x time  {:>6.1} MB  {:.2}x size",
            seconds * 1e3,
            seconds / base_s,
            size as f64 / 1e6,
            size as f64 / base_size as f64
        );
    }
    Ok(())
}
