//! The end-to-end benchmark: a job over N one-minute bars (default 2,000,000 over 4 symbols) from
//! PostgreSQL through the `indicators` plugin into Parquet, as ratios to baselines measured in
//! the same run, each the best of three rounds that take turns with its baseline:
//! - end to end against `COPY (SELECT ts, high, low, close …) TO STDOUT (FORMAT binary)` drained
//!   (the columns the plugin reads);
//! - the plugin's compute against the same indicator code compiled natively, both over bars
//!   held in memory, so reads do not weigh on either side;
//! - one read per unit: a job of four plugins that each read `close` against a job of one, and a
//!   plugin that reads `close` against the same plugin reading all five fields (the hostile
//!   `planner`, cases `ok` and `all`: it reads and returns, so the reads are what is measured).
//! - plugin start-up: a warm start of Python and JavaScript plugins and a unit's set-up against
//!   the Rust `bars` plugin's, and the first compile of each (the `start` part, [`start`]).
//!
//! ```sh
//! scripts/build-plugins
//! DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test cargo bench -p candlewick --bench job
//! ```
//!
//! `-- end-to-end`, `-- compute` or `-- shared-read` runs one part alone, e.g. under `perf record`;
//! the compute part needs no database. `scripts/build-hostile` builds `planner`. The
//! `guest-kernels` part (Python plugins over the host's kernels against the Rust plugin and the
//! pure-Python baseline, [`guest_kernels`]) needs `scripts/build-bench-plugins` too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use candlewick::domain::{Bar, Fields, Symbol, SymbolSet, TimeRange, Timeframe, Timestamp};
use candlewick::job::{Job, run_job};
use candlewick::pg::ConnectionSettings;
use candlewick::reader::{
    DEFAULT_BATCH_ROWS, MarketDataReader, MemoryMarketDataReader, PgMarketDataReader, PgReaderConfig,
    RangeCursor, RangeRequest, RangeStream,
};
use candlewick::runtime::{PluginRuntime, RuntimeLimits};
use candlewick_testdb::TestDb;
use guest_support::columns::{Column, Timestamps};

mod common;
use common::{MINUTE, START, SYMBOLS, copy_drain, generate, plain_copy, verdict};
mod guest_kernels;
mod start;

/// The benchmark allocates as the `candlewick` binary does (`host/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rounds of each run in turn, baseline then candidate, and the best time of each. Taking turns,
/// both meet the same moments of a noisy machine; the same number of tries gives both the same
/// chance of a quiet one.
const ROUNDS: usize = 3;

fn best_in_turns(mut baseline: impl FnMut(), mut candidate: impl FnMut()) -> (f64, f64) {
    let time = |work: &mut dyn FnMut()| {
        let started = Instant::now();
        work();
        started.elapsed().as_secs_f64()
    };
    let (mut best_baseline, mut best_candidate) = (f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        best_baseline = best_baseline.min(time(&mut baseline));
        best_candidate = best_candidate.min(time(&mut candidate));
    }
    (best_baseline, best_candidate)
}

/// Which parts run: all, unless the arguments name some.
fn parts() -> (bool, bool, bool) {
    (wants("end-to-end"), wants("compute"), wants("shared-read"))
}

/// Whether `part` runs: every part does unless the arguments name some.
fn wants(part: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    args.is_empty() || args.iter().any(|a| a == part)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [.., flag, wasm, cache] = &args[..]
        && flag == start::CHILD
    {
        return start::child(Path::new(wasm), Path::new(cache));
    }
    // CANDLEWICK_LOG=debug shows each unit's call and check times.
    let per_symbol = common::bars_from_env() / SYMBOLS.len();
    let wasm = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins/indicators.wasm");
    assert!(wasm.exists(), "{} is missing: run scripts/build-plugins first", wasm.display());
    let rows = generate(per_symbol);
    let window = TimeRange::new(
        Timestamp::from_micros(START),
        Timestamp::from_micros(START + (per_symbol as i64 - 1) * MINUTE),
    )?;
    let cache = tempfile::TempDir::new()?;
    let (end_to_end, compute, shared_read) = parts();
    if end_to_end || shared_read {
        let db = TestDb::new();
        let mut client = db.client();
        candlewick::pg::migrate::migrate(&mut client)?;
        plain_copy(&mut client, &rows)?;
        client.batch_execute("VACUUM ANALYZE market_data")?;
        println!(
            "job benchmark: {} one-minute bars over {} symbols, schema {}",
            rows.len(),
            SYMBOLS.len(),
            db.schema()
        );
        if end_to_end {
            bench_end_to_end(&db, rows.len(), window, &wasm, cache.path())?;
        }
        if shared_read {
            bench_shared_read(&db, rows.len(), window, cache.path())?;
        }
    }
    // `kernels` is the same part by the name of issue 14 §1: the plugin's compute is the host's
    // native kernels, called through the contract.
    if compute || wants("kernels") {
        bench_compute(&rows, window, &wasm, cache.path())?;
    }
    if wants("guest-kernels") {
        guest_kernels::bench(&rows, window, cache.path())?;
    }
    if start::wanted() {
        start::bench()?;
    }
    Ok(())
}

/// A job over the benchmark's bars in `db` with `plugins` (YAML entries).
fn job_over(
    db: &TestDb,
    window: TimeRange,
    cache: &Path,
    out: &Path,
    plugins: &str,
) -> Result<Job, Box<dyn std::error::Error>> {
    let text = format!(
        "database:\n  url: {}\nsymbols: [{}]\ntimeframe: 1m\nstart: {}\nend: {}\noutput: {}\ncache_dir: {}\n\
         plugins:\n{plugins}",
        db.url(),
        SYMBOLS.join(", "),
        window.start(),
        window.end(),
        out.join("out").display(),
        cache.display(),
    );
    Ok(Job::parse(&text, &out.join("job.yaml"), &|_| None)?)
}

/// One read per unit: four plugins reading `close` against one; `close` alone against all five
/// fields.
fn bench_shared_read(
    db: &TestDb,
    bars: usize,
    window: TimeRange,
    cache: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let planner = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/hostile/planner.wasm");
    assert!(planner.exists(), "{} is missing: run scripts/build-hostile first", planner.display());
    let entry = |name: &str, case: &str| {
        format!("  - path: {}\n    name: {name}\n    params: {{ case: {case} }}\n", planner.display())
    };
    let out = tempfile::TempDir::new()?;
    let one = job_over(db, window, cache, out.path(), &entry("close-0", "ok"))?;
    let four: String = (0..4).map(|i| entry(&format!("close-{i}"), "ok")).collect();
    let four = job_over(db, window, cache, out.path(), &four)?;
    let all = job_over(db, window, cache, out.path(), &entry("all-fields", "all"))?;
    let run = |job: &Job| {
        let summary = run_job(job).unwrap();
        assert_eq!(summary.failed().count(), 0, "every unit succeeds");
    };
    println!(
        "\none read per unit ({bars} bars; plugin: planner, reads and returns close), best of {ROUNDS} in turns:"
    );
    let (one_s, four_s) = best_in_turns(|| run(&one), || run(&four));
    println!("  1 plugin reading close     {one_s:>8.3} s");
    println!(
        "  4 plugins reading close    {four_s:>8.3} s  {:.2}x one  (target <= 1.3x: {})",
        four_s / one_s,
        verdict(four_s / one_s <= 1.3)
    );
    // The read itself: the reader's streamed read of every symbol, as a plugin's cursor drives it.
    let reader =
        PgMarketDataReader::connect(&ConnectionSettings::parse(db.url())?, &PgReaderConfig::default())?;
    let drain = |fields: Fields| {
        for symbol in SYMBOLS {
            let request = RangeRequest {
                symbol: Symbol::new(symbol).unwrap(),
                timeframe: Timeframe::Minute1,
                range: window,
                fields,
            };
            let rows: usize =
                RangeStream::new(&reader, RangeCursor::new(request, DEFAULT_BATCH_ROWS).unwrap())
                    .map(|batch| batch.unwrap().len())
                    .sum();
            assert_eq!(rows, bars / SYMBOLS.len());
        }
    };
    let (close_s, all_s) = best_in_turns(|| drain(Fields::CLOSE), || drain(Fields::ALL));
    println!("  streamed read of close      {close_s:>8.3} s");
    println!(
        "  streamed read of all five   {all_s:>8.3} s  close only is {:.2}x faster  (target >= 1.5x: {})",
        all_s / close_s,
        verdict(all_s / close_s >= 1.5)
    );
    let (close_s, all_s) = best_in_turns(|| run(&one), || run(&all));
    println!("  job reading close only     {close_s:>8.3} s");
    println!(
        "  job reading all five       {all_s:>8.3} s  {:.2}x (the job's writing and the plugin's copying included)",
        all_s / close_s
    );
    Ok(())
}

/// `candlewick run` from PostgreSQL to Parquet against a COPY drain of the columns it reads.
fn bench_end_to_end(
    db: &TestDb,
    bars: usize,
    window: TimeRange,
    wasm: &Path,
    cache: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut client = db.client();
    // End to end: the job as `candlewick run` runs it, PostgreSQL to Parquet.
    let out = tempfile::TempDir::new()?;
    let job = job_over(db, window, cache, out.path(), &format!("  - path: {}\n", wasm.display()))?;
    // Against the drain of the columns the plugin reads.
    let (drain_s, job_s) = best_in_turns(
        || {
            for symbol in SYMBOLS {
                copy_drain(&mut client, symbol, "timestamp, high_price, low_price, close_price").unwrap();
            }
        },
        || {
            let summary = run_job(&job).unwrap();
            assert_eq!(summary.failed().count(), 0, "every unit succeeds");
        },
    );
    let (drain_rate, job_rate) = (bars as f64 / drain_s, bars as f64 / job_s);
    println!("\nend to end (PostgreSQL -> indicators plugin -> Parquet), best of {ROUNDS} in turns:");
    println!("  COPY drain of ts, high, low, close   {drain_rate:>12.0} bars/s");
    println!(
        "  candlewick run                      {job_rate:>12.0} bars/s  {:.2}x drain  (target >= 0.9x: {})",
        job_rate / drain_rate,
        verdict(job_rate / drain_rate >= 0.9)
    );
    Ok(())
}

/// The plugin in Wasm against the same code native, over bars in memory, so reads weigh on
/// neither side. Its indicators are the host's native kernels over columns (`guest_support::columns`):
/// in Wasm the series read, each kernel and the table are calls through the contract on columns the
/// host holds (nothing is copied into the plugin), natively the same code on columns in process; the
/// ratio is what the boundary, the instance and the plugin's own glue cost.
fn bench_compute(
    rows: &[(&'static str, Bar)],
    window: TimeRange,
    wasm: &Path,
    cache: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let memory: Arc<dyn MarketDataReader> = Arc::new(MemoryMarketDataReader::from_stored_rows(
        rows.iter().map(|(symbol, bar)| (*symbol, "1m", *bar)),
    ));
    let runtime = PluginRuntime::new(Some(cache), RuntimeLimits::default())?;
    // The window alone, no warm-up: the native side computes over the same bars.
    let guest_kernels::Bench { plugin, units } = guest_kernels::Bench::new(&runtime, &*memory, wasm, window)?;
    let native_params = indicators::params::Params::default();
    let (native_s, wasm_s) = best_in_turns(
        || {
            for symbol in SymbolSet::parse(&SYMBOLS).unwrap().iter() {
                let request = RangeRequest {
                    symbol: symbol.clone(),
                    timeframe: Timeframe::Minute1,
                    range: window,
                    fields: Fields::HIGH | Fields::LOW | Fields::CLOSE,
                };
                let bars = memory.range(&request).unwrap();
                // The plugin's own code, natively: its columns hold their values in process.
                let bars = indicators::table::ColumnBars {
                    ts: Timestamps::from_vec(bars.ts),
                    close: Column::from_vec(bars.close),
                    high: Column::from_vec(bars.high),
                    low: Column::from_vec(bars.low),
                };
                let table =
                    indicators::table::columns_in_window(&bars, window.start().as_micros(), &native_params)
                        .unwrap();
                // The table's columns as the host takes a plugin's: moved out, copied only if shared.
                let columns: Vec<Vec<f64>> =
                    table.columns.into_iter().map(|(_, c)| c.into_values()).collect();
                std::hint::black_box((table.ts.into_values(), columns));
            }
        },
        || {
            for unit in &units {
                plugin.run(Arc::clone(&memory), unit).unwrap();
            }
        },
    );
    println!("\nindicators compute over {} bars in memory, best of {ROUNDS} in turns:", rows.len());
    println!("  native (same Rust code, kernels in-process)  {:>8.3} s", native_s);
    println!(
        "  plugin (Wasm component, host kernels)        {:>8.3} s  {:.2}x native  (target <= 1.3x: {})",
        wasm_s,
        wasm_s / native_s,
        verdict(wasm_s / native_s <= 1.3)
    );
    Ok(())
}
