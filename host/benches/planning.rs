//! The planning benchmark (issue 14 §3): a streamed read planned once against the same read
//! planned page after page, on the table the server has — a plain table in CI, a TimescaleDB
//! hypertable (7-day chunks) where TimescaleDB is loaded, as on the replaced system.
//!
//! The table holds EURUSD 1h 2007–2018 mid prices (`/work/shared/data/lean_eurusd_hour`, 74,439
//! bars: on a hypertable, 627 chunks) and a generated series of `CANDLEWICK_BENCH_BARS` one-minute
//! bars (default 2,000,000) from 2007-01-01. Each read is timed three ways, best of three in
//! turns: the reader as it runs (`plan_cache_mode` = [`PLAN_CACHE_MODE`]), the reader with the
//! server's default `plan_cache_mode=auto` (each page planned while its custom plan looks
//! cheaper: the behaviour before), and binary COPY of the same rows, drained (the baseline).
//! The server reports the plans it made (`debug_print_plan`), so each line gives its plan count.
//!
//! ```sh
//! DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test cargo bench -p candlewick --bench planning
//! ```

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Instant;

use candlewick::domain::{Bar, Fields, Symbol, TimeRange, Timeframe, Timestamp};
use candlewick::reader::{
    DEFAULT_BATCH_ROWS, PLAN_CACHE_MODE, PgMarketDataReader, RangeCursor, RangeRequest, RangeStream,
};
use candlewick_testdb::TestDb;

mod common;
#[path = "../tests/support/plans.rs"]
mod plans;
use common::{ALL_COLUMNS, MINUTE, copy_drain, plain_copy, verdict};
use plans::counting_reader;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EURUSD_ZIP: &str = "/work/shared/data/lean_eurusd_hour/eurusd.zip";
/// 2007-01-01T00:00:00Z.
const START_2007: i64 = 1_167_609_600_000_000;
const ROUNDS: usize = 3;

/// EURUSD 1h mid bars from Lean's `eurusd.csv` (`yyyyMMdd HH:mm,bid OHLC,bid volume,ask OHLC,ask
/// volume`, UTC).
fn eurusd() -> Result<Vec<Bar>, Box<dyn std::error::Error>> {
    let output = std::process::Command::new("unzip").args(["-p", EURUSD_ZIP, "eurusd.csv"]).output()?;
    if !output.status.success() {
        return Err(format!("unzip -p {EURUSD_ZIP}: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let text = String::from_utf8(output.stdout)?;
    let mut bars = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let bad = || format!("{EURUSD_ZIP}: eurusd.csv line {}: {line:?}", number + 1);
        if fields.len() != 11 {
            return Err(bad().into());
        }
        let time = chrono::NaiveDateTime::parse_from_str(fields[0], "%Y%m%d %H:%M").map_err(|_| bad())?;
        let price = |i: usize| fields[i].parse::<f64>().map_err(|_| bad());
        let mid = |bid: usize| -> Result<f64, String> { Ok((price(bid)? + price(bid + 5)?) / 2.0) };
        bars.push(Bar {
            ts: Timestamp::from_micros(time.and_utc().timestamp_micros()),
            open: mid(1)?,
            high: mid(2)?,
            low: mid(3)?,
            close: mid(4)?,
            volume: 0,
        });
    }
    Ok(bars)
}

/// `count` one-minute bars of a random walk from 2007-01-01, every minute.
fn minute_series(count: usize) -> Vec<(&'static str, Bar)> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut price = 1.3;
    (0..count)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let step = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.0004;
            let open = price;
            price *= 1.0 + step;
            let bar = Bar {
                ts: Timestamp::from_micros(START_2007 + i as i64 * MINUTE),
                open,
                high: open.max(price) * 1.0001,
                low: open.min(price) * 0.9999,
                close: price,
                volume: (state % 1000) as i64,
            };
            ("MIN2M", bar)
        })
        .collect()
}

/// Hourly bars in by text COPY (the generic `plain_copy` writes one-minute rows).
fn copy_hourly(
    client: &mut postgres::Client,
    symbol: &str,
    bars: &[Bar],
) -> Result<(), Box<dyn std::error::Error>> {
    let mut sink = client.copy_in(
        "COPY market_data (symbol, timeframe, \"timestamp\", open_price, high_price, low_price, close_price, volume) \
         FROM STDIN",
    )?;
    for bar in bars {
        let ts = bar.ts.to_datetime().ok_or("bar time out of range")?.format("%Y-%m-%d %H:%M:%S+00");
        writeln!(
            sink,
            "{symbol}\t1h\t{ts}\t{}\t{}\t{}\t{}\t{}",
            bar.open, bar.high, bar.low, bar.close, bar.volume
        )?;
    }
    sink.finish()?;
    Ok(())
}

fn streamed(reader: &PgMarketDataReader, request: &RangeRequest) -> usize {
    RangeStream::new(reader, RangeCursor::new(request.clone(), DEFAULT_BATCH_ROWS).unwrap())
        .map(|batch| batch.unwrap().len())
        .sum()
}

/// Best time of each of `work`'s entries over [`ROUNDS`] rounds, taking turns.
fn best_in_turns(work: &mut [&mut dyn FnMut() -> usize]) -> Vec<(f64, usize)> {
    let mut best = vec![(f64::MAX, 0); work.len()];
    for _ in 0..ROUNDS {
        for (entry, best) in work.iter_mut().zip(&mut best) {
            let started = Instant::now();
            let rows = entry();
            *best = (best.0.min(started.elapsed().as_secs_f64()), rows);
        }
    }
    best
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bars = common::bars_from_env();
    let db = TestDb::new();
    let mut client = db.client();
    candlewick::pg::migrate::migrate(&mut client)?;
    let chunks = |client: &mut postgres::Client| -> Option<i64> {
        client
            .query_one(
                "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'market_data' \
                 AND hypertable_schema = current_schema()",
                &[],
            )
            .ok()
            .map(|row| row.get(0))
    };
    let hourly = match eurusd() {
        Ok(hourly) => hourly,
        Err(err) => {
            println!("EURUSD 1h not read ({err}); the table holds the generated series only");
            Vec::new()
        }
    };
    copy_hourly(&mut client, "EURUSD", &hourly)?;
    plain_copy(&mut client, &minute_series(bars))?;
    client.batch_execute("VACUUM ANALYZE market_data")?;
    let table = match chunks(&mut client) {
        Some(n) => format!("a TimescaleDB hypertable of {n} chunks"),
        None => "a plain table".to_owned(),
    };
    println!(
        "planning benchmark: {} EURUSD 1h bars and {bars} one-minute bars in {table}, schema {}",
        hourly.len(),
        db.schema()
    );

    let (once, once_plans) = counting_reader(&db, "")?;
    let (per_page, per_page_plans) = counting_reader(&db, "-c plan_cache_mode=auto")?;
    let read = |symbol: &str, timeframe: Timeframe| RangeRequest {
        symbol: Symbol::new(symbol).unwrap(),
        timeframe,
        range: TimeRange::all(),
        fields: Fields::ALL,
    };
    let mut reads = vec![("MIN2M 1m", read("MIN2M", Timeframe::Minute1), bars)];
    if !hourly.is_empty() {
        reads.push(("EURUSD 1h", read("EURUSD", Timeframe::Hour1), hourly.len()));
    }
    println!(
        "\nstreamed reads ({DEFAULT_BATCH_ROWS} rows a page), best of {ROUNDS} in turns; plans as the server \
         reports them:"
    );
    for (label, request, count) in reads {
        let pages = count / DEFAULT_BATCH_ROWS + 1;
        let symbol = request.symbol.to_string();
        let minute = request.timeframe == Timeframe::Minute1;
        once_plans.store(0, Ordering::Relaxed);
        per_page_plans.store(0, Ordering::Relaxed);
        let mut drain = || {
            if minute { copy_drain(&mut client, &symbol, ALL_COLUMNS).unwrap() } else { 0 }
        };
        let mut planned_once = || streamed(&once, &request);
        let mut planned_per_page = || streamed(&per_page, &request);
        let times = best_in_turns(&mut [&mut drain, &mut planned_once, &mut planned_per_page]);
        let [(drain_s, _), (once_s, once_rows), (per_page_s, per_page_rows)] = times[..] else {
            unreachable!()
        };
        assert_eq!((once_rows, per_page_rows), (count, count), "{label}: every bar read");
        println!("  {label}: {count} bars, {pages} pages");
        if minute {
            println!("    COPY TO STDOUT binary, drained       {drain_s:>8.3} s");
        }
        println!(
            "    planned once ({PLAN_CACHE_MODE})   {once_s:>8.3} s  {:>5} plans in {ROUNDS} reads{}",
            once_plans.load(Ordering::Relaxed),
            if minute {
                format!(
                    "  {:.2}x drain (target >= 0.9x: {})",
                    drain_s / once_s,
                    verdict(drain_s / once_s >= 0.9)
                )
            } else {
                String::new()
            }
        );
        println!(
            "    planned per page (auto, before)      {per_page_s:>8.3} s  {:>5} plans in {ROUNDS} reads  {:.2}x planned once",
            per_page_plans.load(Ordering::Relaxed),
            per_page_s / once_s
        );
    }
    Ok(())
}
