//! Start-invariance on real data (the README's rule): the built component over EURUSD 1h mid bars
//! (`tests/fixtures/eurusd-1h-mid`, 2,616 bars of 2017, QuantConnect/Lean, Apache-2.0), run over the
//! whole slice and over windows starting at several points with the warm-up its plan declares
//! served by the fixture host, agrees with the whole-history run at every bar of every column:
//! `|a − b| ≤ 1e-9 · max(|a|, |b|)`, NaN exactly where the other is NaN. The MACD columns cross 0,
//! where no relative bound can hold: they are differences of EMAs of close, so they are compared
//! on the close's scale, `|a − b| ≤ 1e-9 · max(|a|, |b|, close)`.
//!
//! The old fixed warm-up of 33 bars (0.1's `warm-up-bars` at the defaults) does not meet the rule:
//! checked too, so that this test can fail.

use candlewick_plugin_test::{Bars, Output, ParamValue, Run, Timestamp, this_plugin};
use indicators::compute::OUTPUTS;
use indicators::params::Params;
use indicators::table::{self, features_in_window};

const FIXTURE: &str = "tests/fixtures/eurusd-1h-mid/bars.csv";
const LAST_BAR: &str = "2017-08-31T23:00:00Z";
/// The relative agreement the plan's warm-up promises.
const RELATIVE: f64 = 1e-9;

/// Window starts: the (a Monday, bar 1,320 of the slice), mid-series on a Thursday
/// afternoon (bar 1,885), and the first bar after a weekend gap (Sunday 21:00 UTC, bar 2,157).
const STARTS: [&str; 3] = ["2017-06-19T00:00:00Z", "2017-07-20T13:00:00Z", "2017-08-06T21:00:00Z"];

/// Longer periods than the defaults: a warm-up of 1,036 bars (MACD(24, 52, 18)), still inside
/// the slice before each start.
fn long_periods() -> Vec<(&'static str, ParamValue)> {
    [
        ("sma_period", 200),
        ("ema_period", 50),
        ("rsi_period", 30),
        ("macd_fast", 24),
        ("macd_slow", 52),
        ("macd_signal", 18),
        ("atr_period", 30),
    ]
    .into_iter()
    .map(|(name, value)| (name, ParamValue::Int(value)))
    .collect()
}

/// The fixture's bars as the native code takes them, read from the file independently of the host.
fn native_bars() -> table::Bars {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let mut bars = table::Bars::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let number = |i: usize| f[i].parse::<f64>().unwrap_or_else(|e| panic!("{e}: {line}"));
        bars.ts.push(Timestamp::parse(f[0]).unwrap().as_micros());
        bars.high.push(number(4));
        bars.low.push(number(5));
        bars.close.push(number(6));
    }
    bars
}

/// Whether `a` and `b` agree: both NaN, or within [`RELATIVE`] of the larger of `|a|`, `|b|` and
/// `scale`.
fn agree(a: f64, b: f64, scale: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= RELATIVE * a.abs().max(b.abs()).max(scale)
}

/// The scale a column is compared on at a bar whose close is `close`: the close for the MACD
/// columns (differences of EMAs of close), none for the others.
fn scale(column: &str, close: f64) -> f64 {
    if column.starts_with("macd") { close.abs() } else { 0.0 }
}

/// The columns of `part` (rows from index `first` of `whole`) that break the rule somewhere, each
/// with its first bad row and both values.
fn violations(
    whole: &dyn Fn(&str) -> Vec<f64>,
    part: &dyn Fn(&str) -> Vec<f64>,
    first: usize,
    close: &[f64],
) -> Vec<String> {
    let mut bad = Vec::new();
    for name in OUTPUTS {
        let (all, window) = (whole(name), part(name));
        assert_eq!(window.len(), all.len() - first, "{name}: rows");
        let row =
            (0..window.len()).find(|&i| !agree(window[i], all[first + i], scale(name, close[first + i])));
        if let Some(i) = row {
            bad.push(format!("{name} at row {i}: {} (window) vs {} (whole)", window[i], all[first + i]));
        }
    }
    bad
}

/// The largest relative difference of each column over the window, for the log.
fn largest_differences(whole: &Output, part: &Output, first: usize, close: &[f64]) -> String {
    let mut out = Vec::new();
    for name in OUTPUTS {
        let (all, window) = (whole.float(name), part.float(name));
        let worst = window
            .iter()
            .zip(&all[first..])
            .zip(&close[first..])
            .filter(|((a, b), _)| a.is_finite() && b.is_finite())
            .map(|((a, b), c)| {
                (a - b).abs() / a.abs().max(b.abs()).max(scale(name, *c)).max(f64::MIN_POSITIVE)
            })
            .fold(0.0_f64, f64::max);
        out.push(format!("{name} {worst:.1e}"));
    }
    out.join(", ")
}

/// `run` with `params` set.
fn with<'a>(mut run: Run<'a>, params: &[(&str, ParamValue)]) -> Run<'a> {
    for (name, value) in params {
        run = run.param(name, value.clone());
    }
    run
}

fn assert_windows_agree_with_the_whole_history(params: &[(&str, ParamValue)]) {
    let plugin = this_plugin!();
    let bars = Bars::file(FIXTURE);
    let close = native_bars().close;
    let whole = with(plugin.run(&bars), params).ok();
    assert_eq!(whole.table.ts.len(), close.len());
    let warm_up = plugin.plan(params).unwrap().own_warm_up_bars() as usize;
    for start in STARTS {
        let first = whole.ts().iter().position(|t| t.to_string() == start).expect("a bar at the start");
        assert!(first >= warm_up, "{start}: only {first} bars before it, the plan asks {warm_up}");
        let part = with(plugin.run(&bars), params).window(start, LAST_BAR).ok();
        assert_eq!(part.table.ts, whole.table.ts[first..], "{start}: rows");
        // The host served the planned warm-up and the window, nothing more.
        assert_eq!(part.rows_read as usize, warm_up + close.len() - first, "{start}: bars read");
        let bad = violations(&|n| whole.float(n).to_vec(), &|n| part.float(n).to_vec(), first, &close);
        assert!(bad.is_empty(), "window from {start}, warm-up {warm_up} bars:\n{}", bad.join("\n"));
        eprintln!(
            "from {start}, warm-up {warm_up}: largest relative differences: {}",
            largest_differences(&whole, &part, first, &close)
        );
    }
}

#[test]
fn every_column_from_every_start_agrees_with_the_whole_history_at_the_defaults() {
    assert_windows_agree_with_the_whole_history(&[]);
}

#[test]
fn every_column_from_every_start_agrees_with_the_whole_history_at_long_periods() {
    assert_windows_agree_with_the_whole_history(&long_periods());
}

#[test]
fn the_old_fixed_warm_up_of_33_bars_breaks_the_rule_in_every_recursive_column() {
    // Natively (the component computes the same bits: tests/component.rs): the whole slice, and
    // each window with only the 33 bars before it.
    let bars = native_bars();
    let params = Params::default();
    let whole = features_in_window(&bars, i64::MIN, &params).unwrap();
    for start in STARTS {
        let first = bars.ts.iter().position(|&t| Timestamp::from_micros(t).to_string() == start).unwrap();
        let from = first - 33;
        let short = table::Bars {
            ts: bars.ts[from..].to_vec(),
            close: bars.close[from..].to_vec(),
            high: bars.high[from..].to_vec(),
            low: bars.low[from..].to_vec(),
        };
        let part = features_in_window(&short, bars.ts[first], &params).unwrap();
        let bad = violations(&|n| whole.floats(n).to_vec(), &|n| part.floats(n).to_vec(), first, &bars.close);
        let broken: Vec<&str> = bad.iter().map(|line| line.split(' ').next().unwrap()).collect();
        assert_eq!(broken, ["ema", "rsi", "macd", "macd_signal", "macd_hist", "atr"], "{start}: {bad:#?}");
        let rsi_gap = (part.floats("rsi")[0] - whole.floats("rsi")[first]).abs();
        eprintln!("from {start}, 33 bars of warm-up: RSI off by {rsi_gap:.4} points at the first row");
    }
}
