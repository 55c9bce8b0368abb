//! Python plugins over the host's kernels (issue 14 §1), through the fixture host: `indicators-py`
//! (plugins/python/indicators-py, the Rust `indicators` plugin's twelve columns composed of
//! kernels through `series`) gives the Rust plugin's values on real EURUSD bars, at the defaults
//! and at other periods, and TA-Lib's published values on TA-Lib's regression series.
//!
//! The Rust plugin's columns come from its own code (the `ta-lib` crate, or the same kernels
//! through guest-support); what differs is everything around them, so this holds the Python
//! plugin's parameters, warm-up, windowing and wiring of each column to the Rust plugin's. The
//! values themselves are checked against an independent textbook computation by the scenario
//! `tests/scenarios/indicators-py-talib`, and against TA-Lib's published values here.

mod support;

use std::collections::BTreeMap;

use support::{candlewick, plugin_wasm, repo_path, stderr};

/// Real EURUSD 1h mid bars, 2,616 of 2017 (QuantConnect/Lean, Apache-2.0).
const EURUSD: &str = "plugins/indicators/tests/fixtures/eurusd-1h-mid/bars.csv";
/// TA-Lib's 252 daily regression bars, dated from 2000-01-03.
const TALIB_BARS: &str = "tests/scenarios/indicators-sma-talib/bars.csv";

/// The same rule as the Rust plugin's start-invariance test: `|a − b| ≤ 1e-9 · max(1, |a|, |b|)`.
const TOLERANCE: f64 = 1e-9;

/// A plugin's output over a fixture, as `candlewick test --csv` prints it: the header's columns
/// (without `ts`) by name, each a float per row, and the row count.
fn output(plugin: &str, fixture: &str, params: &[&str]) -> (usize, BTreeMap<String, Vec<f64>>) {
    let mut command = candlewick();
    command.arg("test").arg(plugin_wasm(plugin)).arg("--fixture").arg(repo_path(fixture)).arg("--csv");
    for param in params {
        command.args(["--params", param]);
    }
    let output = command.env_remove("DATABASE_URL").output().expect("candlewick runs");
    assert!(output.status.success(), "candlewick test {plugin} failed: {}", stderr(&output));
    let text = String::from_utf8(output.stdout).expect("UTF-8 output");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(header[0], "ts", "{header:?}");
    let mut columns: BTreeMap<String, Vec<f64>> =
        header[1..].iter().map(|h| (h.to_string(), Vec::new())).collect();
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        for (name, cell) in header[1..].iter().zip(&cells[1..]) {
            let value = cell.parse().unwrap_or_else(|_| panic!("{plugin}: {name} {cell:?} is not a number"));
            columns.get_mut(*name).unwrap().push(value);
        }
        rows += 1;
    }
    (rows, columns)
}

fn assert_same(params: &[&str]) {
    let (rust_rows, rust) = output("indicators", EURUSD, params);
    let (python_rows, python) = output("indicators-py", EURUSD, params);
    assert_eq!(python_rows, rust_rows);
    assert_eq!(python.keys().collect::<Vec<_>>(), rust.keys().collect::<Vec<_>>());
    for (name, expected) in &rust {
        let got = &python[name];
        let defined = expected.iter().filter(|v| !v.is_nan()).count();
        assert!(defined > 2_000, "{name} {params:?}: only {defined} values");
        for (i, (a, b)) in got.iter().zip(expected).enumerate() {
            let same =
                (a.is_nan() && b.is_nan()) || (a - b).abs() <= TOLERANCE * 1f64.max(a.abs()).max(b.abs());
            assert!(same, "{name} {params:?} at row {i}: Python {a}, Rust {b}");
        }
    }
}

#[test]
fn indicators_py_gives_the_rust_plugins_values_on_eurusd_at_the_defaults() {
    assert_same(&[]);
}

#[test]
fn indicators_py_gives_the_rust_plugins_values_at_other_periods() {
    assert_same(&[
        "sma_period=50",
        "ema_period=9",
        "rsi_period=30",
        "macd_fast=5",
        "macd_slow=35",
        "macd_signal=5",
        "atr_period=7",
        "bb_period=30",
        "bb_stddev=1.5",
        "volatility_window=60",
    ]);
}

#[test]
fn indicators_py_gives_talib_published_values() {
    // TA-Lib's regression tool (ta_regtest): SMA(30) first 90.4263 at index 29, last 108.42;
    // RSI(14) first 49.1473 at index 14; MACD(12, 26, 9) first at 33: −1.9738, signal −2.7071.
    let (rows, columns) = output("indicators-py", TALIB_BARS, &["sma_period=30"]);
    assert_eq!(rows, 252);
    let at = |name: &str, i: usize, places: i32| {
        let scale = 10f64.powi(places);
        (columns[name][i] * scale).round() / scale
    };
    assert!(columns["sma"][..29].iter().all(|v| v.is_nan()));
    assert_eq!((at("sma", 29, 4), at("sma", 251, 2)), (90.4263, 108.42));
    assert!(columns["rsi"][..14].iter().all(|v| v.is_nan()));
    assert_eq!(at("rsi", 14, 4), 49.1473);
    assert!(columns["macd"][..33].iter().all(|v| v.is_nan()));
    assert_eq!(
        (at("macd", 33, 4), at("macd_signal", 33, 4), at("macd_hist", 33, 4)),
        (-1.9738, -2.7071, 0.7333)
    );
}
