//! Contract 0.1 keeps working, bit for bit (issue 12 §1): the `bars` sampler frozen as a 0.1
//! component (`tests/contract-0.1/bars`, built into `target/contract-0.1/` by
//! `scripts/build-hostile`) and today's `bars` (contract 0.2, `target/plugins/`) run over the same
//! real bars through the fixture host, and every output must be identical to the last bit, with
//! the same bars read. `candlewick inspect` tells the two contracts apart.
//!
//! The bars: EURUSD 1h mids of 2017 (`plugins/indicators/tests/fixtures/eurusd-1h-mid`,
//! QuantConnect/Lean, Apache-2.0; volume 0, so tick bars) and SPY daily bars with volumes
//! (`tests/fixtures/skender/default.csv`, Stock.Indicators, Apache-2.0; volume and dollar bars).

mod support;

use std::path::{Path, PathBuf};

use candlewick::bars_file::BarRecord;
use candlewick::domain::{Bar, ColumnValues, Symbol, Table, Timeframe, Timestamp};
use candlewick::fixture_host::{FixtureHost, FixtureRequest};
use candlewick::reader::MemoryMarketDataReader;
use candlewick::runtime::{Plugin, PluginRuntime, RuntimeLimits, UnitOutput};
use support::{plugin_wasm, repo_path, run, stderr, stdout};

const EURUSD_1H: &str = "plugins/indicators/tests/fixtures/eurusd-1h-mid/bars.csv";
const SPY_DAILY: &str = "tests/fixtures/skender/default.csv";

/// The frozen 0.1 component.
fn frozen_wasm(name: &str) -> PathBuf {
    let path = repo_path(&format!("target/contract-0.1/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-hostile (scripts/test does)", path.display());
    path
}

/// SPY's `date,open,high,low,close,volume` rows as 1d bars at midnight UTC.
fn spy_daily() -> FixtureHost {
    let text = std::fs::read_to_string(repo_path(SPY_DAILY)).unwrap();
    let symbol = Symbol::new("SPY").unwrap();
    let records: Vec<BarRecord> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let price = |i: usize| f[i].parse::<f64>().unwrap_or_else(|e| panic!("{e}: {line}"));
            let bar = Bar {
                ts: Timestamp::parse(f[0]).unwrap(),
                open: price(1),
                high: price(2),
                low: price(3),
                close: price(4),
                volume: f[5].parse().unwrap_or_else(|e| panic!("{e}: {line}")),
            };
            BarRecord { symbol: symbol.clone(), timeframe: Timeframe::Day1, bar }
        })
        .collect();
    assert_eq!(records.len(), 502);
    FixtureHost::new(MemoryMarketDataReader::from_records(records))
}

fn request(params: &[(&str, serde_norway::Value)], window: Option<(&str, &str)>) -> FixtureRequest {
    let mut request = FixtureRequest::default();
    for (name, value) in params {
        request.params.insert((*name).to_owned(), value.clone());
    }
    if let Some((start, end)) = window {
        request.start = Some(Timestamp::parse(start).unwrap());
        request.end = Some(Timestamp::parse(end).unwrap());
    }
    request
}

/// Every value as its bits, so that NaN compares and -0.0 does not equal 0.0.
fn bits(table: &Table) -> Vec<(String, Vec<u64>)> {
    table
        .columns
        .iter()
        .map(|(name, values)| {
            let bits = match values {
                ColumnValues::Float(v) => v.iter().map(|x| x.to_bits()).collect(),
                ColumnValues::Int(v) => v.iter().map(|&x| x as u64).collect(),
            };
            (name.clone(), bits)
        })
        .collect()
}

fn load(runtime: &PluginRuntime, path: &Path) -> Plugin {
    runtime.load(path).unwrap_or_else(|err| panic!("loading {}: {err:#}", path.display()))
}

/// Runs both components over `host` with `request`: both outputs, after asserting they are
/// identical to the bit.
fn run_both(host: &FixtureHost, request: &FixtureRequest, case: &str) -> UnitOutput {
    let runtime = PluginRuntime::new(None, RuntimeLimits::default()).unwrap();
    let (old, new) = (load(&runtime, &frozen_wasm("bars")), load(&runtime, &plugin_wasm("bars")));
    let run = |plugin: &Plugin| host.run(plugin, request).unwrap_or_else(|err| panic!("{case}: {err}"));
    let (old_out, new_out) = (run(&old), run(&new));
    assert_eq!(old_out.table.ts, new_out.table.ts, "{case}: row times");
    assert_eq!(bits(&old_out.table), bits(&new_out.table), "{case}: columns");
    assert_eq!(old_out.rows_read, new_out.rows_read, "{case}: bars read");
    new_out
}

#[test]
fn a_0_1_plugin_and_its_0_2_port_give_bit_identical_tick_bars() {
    let host = FixtureHost::from_file(&repo_path(EURUSD_1H), &FixtureRequest::default()).unwrap();
    let tick = |threshold: f64| {
        vec![("kind", serde_norway::Value::from("tick")), ("threshold", serde_norway::Value::from(threshold))]
    };
    // A trading day of hours, every bar of the slice.
    let whole = run_both(&host, &request(&tick(24.0), None), "tick 24, whole slice");
    assert_eq!(whole.rows_read, 2_616);
    assert_eq!(whole.table.ts.len(), 2_616 / 24);
    // A fractional threshold, and a window that starts mid-week and ends on a Sunday open.
    let window = Some(("2017-06-19T13:00:00Z", "2017-08-06T21:00:00Z"));
    let part = run_both(&host, &request(&tick(7.5), window), "tick 7.5, window");
    assert!(!part.table.ts.is_empty());
}

#[test]
fn a_0_1_plugin_and_its_0_2_port_give_bit_identical_volume_and_dollar_bars() {
    let host = spy_daily();
    // About five days of SPY's volume (~80 million shares a day) and of its dollar value.
    let volume = [("kind", "volume".into()), ("threshold", 400_000_000.0.into())];
    let output = run_both(&host, &request(&volume, None), "volume bars");
    assert!(output.table.ts.len() > 50, "{} volume bars", output.table.ts.len());
    let dollar = [("kind", "dollar".into()), ("threshold", 1e11.into())];
    let window = Some(("2018-01-01", "2018-12-31"));
    let output = run_both(&host, &request(&dollar, window), "dollar bars, 2018");
    assert!(output.table.ts.len() > 20, "{} dollar bars", output.table.ts.len());
}

#[test]
fn inspect_reports_each_ones_contract_and_what_it_reads() {
    let inspect = |path: PathBuf| {
        let output = run(&["inspect", "--json", path.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str::<serde_json::Value>(&stdout(&output)).unwrap()
    };
    let old = inspect(frozen_wasm("bars"));
    let new = inspect(plugin_wasm("bars"));
    assert_eq!((&old["name"], &new["name"]), (&"bars".into(), &"bars".into()));
    assert_eq!(old["contract"], "candlewick:market-data@0.1.0");
    assert_eq!(new["contract"], "candlewick:market-data@0.2.0");
    // A 0.1 plugin may read every field of its own series; the 0.2 port declares what it reads.
    assert_eq!(old["inputs"][0]["fields"], serde_json::json!(["open", "high", "low", "close", "volume"]));
    assert_eq!(new["inputs"][0]["fields"], serde_json::json!(["close", "volume"]));
    assert_eq!((&old["warm_up_bars"], &new["warm_up_bars"]), (&0.into(), &0.into()));
}
