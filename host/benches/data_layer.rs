//! The data-layer benchmark: ingest, full-range reads, latest prices and streamed-read memory,
//! each reported as a ratio to a baseline measured in the same run on the same table.
//!
//! ```sh
//! DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test cargo bench -p candlewick --bench data_layer
//! ```
//! `CANDLEWICK_BENCH_BARS` sets the bar count (default 2,000,000 one-minute bars over 4 symbols).
//! The run works in a schema of its own, dropped at the end.

// A counting global allocator is the one place that needs `unsafe`: it measures the peak heap of
// a streamed read, which RSS cannot resolve at this scale.
#![allow(unsafe_code, reason = "a counting global allocator measures the peak heap of a streamed read")]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use candlewick::bars_file::{FileDefaults, Preset, ReadOptions};
use candlewick::domain::{Bar, Fields, Symbol, SymbolSet, TimeRange, Timeframe, Timestamp};
use candlewick::pg::ConnectionSettings;
use candlewick::reader::{
    DEFAULT_BATCH_ROWS, MarketDataReader, PgMarketDataReader, PgReaderConfig, RangeCursor, RangeRequest,
    RangeStream,
};
use candlewick_testdb::TestDb;
use mimalloc::MiMalloc;

mod common;
use common::{ALL_COLUMNS, MINUTE, START, SYMBOLS, copy_drain, generate, plain_copy, verdict, write_csv};

/// mimalloc, as the `candlewick` binary allocates (`host/src/main.rs`), counting live bytes.
struct CountingAllocator;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { MiMalloc.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Peak heap growth, in bytes, while `work` runs.
fn peak_heap_during<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = work();
    (result, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn request(symbol: &str, range: TimeRange) -> RangeRequest {
    RangeRequest {
        symbol: Symbol::new(symbol).unwrap(),
        timeframe: Timeframe::Minute1,
        range,
        fields: Fields::ALL,
    }
}

fn streamed_rows(reader: &PgMarketDataReader, request: RangeRequest, batch_rows: usize) -> usize {
    RangeStream::new(reader, RangeCursor::new(request, batch_rows).unwrap())
        .map(|batch| batch.unwrap().len())
        .sum()
}

/// Best of `runs` timings of `work`, which returns the rows it moved.
fn best_rate(runs: usize, mut work: impl FnMut() -> usize) -> f64 {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let rows = work();
            rows as f64 / started.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The bars as Dukascopy's CSV export, one file per symbol: `Gmt time,Open,High,Low,Close,Volume`.
fn write_dukascopy(
    dir: &std::path::Path,
    rows: &[(&'static str, Bar)],
) -> std::io::Result<Vec<(&'static str, std::path::PathBuf)>> {
    use std::io::Write;
    let mut files = Vec::new();
    for symbol in SYMBOLS {
        let path = dir.join(format!("{symbol}_Candlestick_1_M_BID.csv"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        write!(out, "Gmt time,Open,High,Low,Close,Volume\r\n")?;
        for (_, bar) in rows.iter().filter(|(s, _)| *s == symbol) {
            let time =
                bar.ts.to_datetime().expect("generated bars are in range").format("%d.%m.%Y %H:%M:%S%.3f");
            write!(out, "{time},{},{},{},{},{}.00\r\n", bar.open, bar.high, bar.low, bar.close, bar.volume)?;
        }
        out.flush()?;
        files.push((symbol, path));
    }
    Ok(files)
}

/// The bars as a CSV file without a volume column.
fn write_without_volume(path: &std::path::Path, rows: &[(&'static str, Bar)]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "symbol,timeframe,timestamp,open,high,low,close")?;
    for (symbol, bar) in rows {
        writeln!(out, "{symbol},1m,{},{},{},{},{}", bar.ts, bar.open, bar.high, bar.low, bar.close)?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // CANDLEWICK_LOG=debug shows ingest's phases (staging COPY, merge).
    let per_symbol = common::bars_from_env() / SYMBOLS.len();
    let db = TestDb::new();
    let mut client = db.client();
    candlewick::pg::migrate::migrate(&mut client)?;
    let rows = generate(per_symbol);
    let dir = tempfile::TempDir::new()?;
    let csv = dir.path().join("bars.csv");
    write_csv(&csv, &rows)?;
    println!(
        "data layer benchmark: {} one-minute bars over {} symbols, schema {}",
        rows.len(),
        SYMBOLS.len(),
        db.schema()
    );

    // Ingest against plain COPY, each into the empty table with its primary key and four indexes.
    let mut copy_rate: f64 = 0.0;
    let mut ingest_rate: f64 = 0.0;
    for _ in 0..2 {
        client.batch_execute("TRUNCATE market_data")?;
        let started = Instant::now();
        plain_copy(&mut client, &rows)?;
        copy_rate = copy_rate.max(rows.len() as f64 / started.elapsed().as_secs_f64());
        client.batch_execute("TRUNCATE market_data")?;
        let started = Instant::now();
        let report = candlewick::pg::ingest::ingest_file(&mut client, &csv, &FileDefaults::default())?;
        ingest_rate = ingest_rate.max(report.rows as f64 / started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    let again = candlewick::pg::ingest::ingest_file(&mut client, &csv, &FileDefaults::default())?;
    let reingest_rate = again.rows as f64 / started.elapsed().as_secs_f64();
    assert_eq!(again.written, 0, "a re-ingest rewrites nothing");
    client.batch_execute("VACUUM ANALYZE market_data")?;
    println!("\ningest (CSV file -> staging COPY -> upsert), best of 2:");
    println!("  plain binary COPY      {copy_rate:>12.0} rows/s");
    println!(
        "  candlewick ingest      {ingest_rate:>12.0} rows/s  {:.2}x COPY  (target >= 0.6x: {})",
        ingest_rate / copy_rate,
        verdict(ingest_rate / copy_rate >= 0.6)
    );
    println!("  re-ingest, unchanged   {reingest_rate:>12.0} rows/s  (writes nothing)");

    // The same bars as Dukascopy exports them, one file per symbol, read through `--format
    // dukascopy` (strftime-parsed `02.01.2024 00:00:00.000`, header aliases, delimiter detection).
    let dukascopy = write_dukascopy(dir.path(), &rows)?;
    let options = ReadOptions::default().with_preset(Preset::Dukascopy);
    let mut preset_rate: f64 = 0.0;
    for _ in 0..2 {
        client.batch_execute("TRUNCATE market_data")?;
        let started = Instant::now();
        let mut ingested = 0;
        for (symbol, path) in &dukascopy {
            let defaults = FileDefaults {
                symbol: Some(Symbol::new(*symbol)?),
                timeframe: Some(Timeframe::Minute1),
                only_where_missing: false,
            };
            ingested +=
                candlewick::pg::ingest::ingest_file_with(&mut client, path, &defaults, &options)?.rows;
        }
        preset_rate = preset_rate.max(ingested as f64 / started.elapsed().as_secs_f64());
    }
    println!(
        "  --format dukascopy     {preset_rate:>12.0} rows/s  {:.2}x COPY  (target >= 0.6x: {})",
        preset_rate / copy_rate,
        verdict(preset_rate / copy_rate >= 0.6)
    );

    // The same bars without a volume column over the stored ones: each row's volume is kept, by one
    // primary-key probe per row before the merge.
    let no_volume = dir.path().join("bars_no_volume.csv");
    write_without_volume(&no_volume, &rows)?;
    let started = Instant::now();
    let kept = candlewick::pg::ingest::ingest_file(&mut client, &no_volume, &FileDefaults::default())?;
    let kept_rate = kept.rows as f64 / started.elapsed().as_secs_f64();
    assert_eq!((kept.written, kept.volumes_kept), (0, kept.rows), "missing volumes keep the stored ones");
    println!("  re-ingest, no volumes  {kept_rate:>12.0} rows/s  (every stored volume kept)");

    // Full-range reads of every symbol against the COPY drain.
    let settings = ConnectionSettings::parse(db.url())?;
    let reader = PgMarketDataReader::connect(&settings, &PgReaderConfig::default())?;
    let all = TimeRange::all();
    let drain_rate = best_rate(3, || {
        for symbol in SYMBOLS {
            copy_drain(&mut client, symbol, ALL_COLUMNS).unwrap();
        }
        rows.len()
    });
    let whole_rate =
        best_rate(3, || SYMBOLS.iter().map(|s| reader.range(&request(s, all)).unwrap().len()).sum());
    println!("\nfull-range read of {} bars (all columns), best of 3:", rows.len());
    println!("  COPY TO STDOUT binary, drained   {drain_rate:>12.0} rows/s");
    println!(
        "  reader.range (whole)             {whole_rate:>12.0} rows/s  {:.2}x drain",
        whole_rate / drain_rate
    );
    for batch_rows in [1_024, 8_192, DEFAULT_BATCH_ROWS, 65_536] {
        let rate = best_rate(3, || {
            SYMBOLS.iter().map(|s| streamed_rows(&reader, request(s, all), batch_rows)).sum()
        });
        let target = if batch_rows == DEFAULT_BATCH_ROWS {
            format!("  (default; target >= 0.9x: {})", verdict(rate / drain_rate >= 0.9))
        } else {
            String::new()
        };
        println!(
            "  streamed, {batch_rows:>6} rows/batch       {rate:>12.0} rows/s  {:.2}x drain{target}",
            rate / drain_rate
        );
    }

    // Latest prices: 4 symbols, and 100 (96 more symbols with a few bars each).
    let extra: Vec<String> = (0..96).map(|i| format!("X{i:03}")).collect();
    let extra_rows: Vec<(&str, Bar)> = extra
        .iter()
        .flat_map(|s| generate(100).into_iter().take(100).map(move |(_, bar)| (s.as_str(), bar)))
        .collect();
    plain_copy(&mut client, &extra_rows)?;
    client.batch_execute("ANALYZE market_data")?;
    let four = SymbolSet::parse(&SYMBOLS)?;
    let hundred = SymbolSet::parse(
        &SYMBOLS.iter().map(|s| s.to_string()).chain(extra.iter().cloned()).collect::<Vec<_>>(),
    )?;
    println!("\nlatest prices, median of 500 calls after 50 warm-up:");
    for (label, symbols) in [("4 symbols", &four), ("100 symbols", &hundred)] {
        for _ in 0..50 {
            reader.latest(symbols, Timeframe::Minute1, Timestamp::MAX)?;
        }
        let samples = (0..500)
            .map(|_| {
                let started = Instant::now();
                let answer = reader.latest(symbols, Timeframe::Minute1, Timestamp::MAX).unwrap();
                assert_eq!(answer.len(), symbols.len());
                started.elapsed()
            })
            .collect();
        let median = median(samples);
        let target = if symbols.len() == 100 {
            format!("  (target < 1 ms: {})", verdict(median < Duration::from_millis(1)))
        } else {
            String::new()
        };
        println!("  {label:<12} {:>8.3} ms{target}", median.as_secs_f64() * 1e3);
    }

    // Peak heap of streamed reads: one day against the whole series.
    println!("\npeak heap of a read (counting allocator), {DEFAULT_BATCH_ROWS} rows/batch:");
    let day = TimeRange::new(Timestamp::from_micros(START), Timestamp::from_micros(START + 1439 * MINUTE))?;
    let mut peaks = Vec::new();
    for (label, range) in [("1 day", day), ("whole series", all)] {
        let (count, peak) =
            peak_heap_during(|| streamed_rows(&reader, request("SYM0", range), DEFAULT_BATCH_ROWS));
        println!("  streamed, {label:<13} {count:>8} bars  {:>8.2} MiB", peak as f64 / (1 << 20) as f64);
        peaks.push(peak);
    }
    let (count, peak) = peak_heap_during(|| reader.range(&request("SYM0", all)).unwrap().len());
    println!(
        "  whole,    whole series  {count:>8} bars  {:>8.2} MiB  (for contrast)",
        peak as f64 / (1 << 20) as f64
    );
    let ratio = peaks[1] as f64 / peaks[0].max(1) as f64;
    println!(
        "  streamed long/short peak ratio {ratio:.2}  (target: flat in range length: {})",
        verdict(ratio < 1.5)
    );
    Ok(())
}
