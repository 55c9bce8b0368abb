//! The kernels against independent references:
//!
//! - TA-Lib's own published regression values on the 252-bar series of its `ta_regtest` tool
//!   (`tests/fixtures/talib`, BSD-3-Clause; the values are those of `src/tools/ta_regtest/
//!   ta_test_func/test_ma.c`, `test_rsi.c`, `test_macd.c` and `test_bbands.c` in TA-Lib's
//!   repository), each within one unit of its last published decimal;
//! - Stock.Indicators' reference outputs on 502 SPY daily bars (`tests/fixtures/skender`,
//!   Apache-2.0; an independent C# implementation) for the true range, ATR and the population
//!   standard deviation, at 1e-6 relative;
//! - the definitions, computed here the slow way (every window summed or scanned afresh), for
//!   the rolling windows, z-score, rank and the element-wise kernels.

use candlewick_kernels::{self as k, Deviation};
use serde_json::Value as Json;

const TALIB: &str = include_str!("../../../tests/fixtures/talib/ta_regtest_daily_252.csv");
const QUOTES: &str = include_str!("../../../tests/fixtures/skender/default.csv");
const ATR: &str = include_str!("../../../tests/fixtures/skender/atr.standard.json");
const STDEV: &str = include_str!("../../../tests/fixtures/skender/stdev.standard.json");

/// (high, low, close) of TA-Lib's series.
fn talib() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut high, mut low, mut close) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in TALIB.lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0].parse::<usize>(), Ok(i), "row {i} out of order: {line}");
        let number = |k: usize| fields[k].parse::<f64>().unwrap_or_else(|e| panic!("row {i}: {e}: {line}"));
        high.push(number(2));
        low.push(number(3));
        close.push(number(4));
    }
    assert_eq!(close.len(), 252);
    (high, low, close)
}

/// NaN before `first`, a number there, and each listed (bar, published value) within one unit of
/// the value's last decimal.
fn assert_published(values: &[f64], name: &str, first: usize, expected: &[(usize, &str)]) {
    assert!(values[..first].iter().all(|v| v.is_nan()), "{name} before bar {first}: {:?}", &values[..first]);
    assert!(values[first].is_finite(), "{name} at bar {first} is {}", values[first]);
    for &(i, published) in expected {
        let want: f64 = published.parse().unwrap();
        let decimals = published.split_once('.').map_or(0, |(_, d)| d.len());
        let tolerance = 10f64.powi(-(decimals as i32));
        assert!(
            (values[i] - want).abs() <= tolerance,
            "{name} at bar {i}: got {}, published {published} (tolerance {tolerance})",
            values[i]
        );
    }
}

#[test]
fn sma_matches_talib_published_values() {
    let (_, _, close) = talib();
    let sma30 = k::rolling_mean(&close, 30).unwrap();
    // test_ma.c: output index n is bar 29 + n.
    assert_published(
        &sma30,
        "SMA(30)",
        29,
        &[(29, "90.42"), (30, "90.21"), (31, "89.96"), (58, "87.12"), (251, "108.42")],
    );
    let sma2 = k::rolling_mean(&close, 2).unwrap();
    assert_published(&sma2, "SMA(2)", 1, &[(1, "93.15"), (2, "94.59"), (3, "94.73"), (251, "108.31")]);
    let sma1 = k::rolling_mean(&close, 1).unwrap();
    assert_published(&sma1, "SMA(1)", 0, &[(0, "91.50"), (251, "107.87")]);
}

#[test]
fn ema_matches_talib_published_values() {
    let (_, _, close) = talib();
    let ema10 = k::ema(&close, 10).unwrap();
    assert_published(&ema10, "EMA(10)", 9, &[(9, "93.22"), (10, "93.75"), (29, "86.46"), (251, "108.97")]);
    let ema2 = k::ema(&close, 2).unwrap();
    assert_published(&ema2, "EMA(2)", 1, &[(1, "93.15"), (2, "93.96"), (251, "108.21")]);
}

#[test]
fn rsi_macd_and_bollinger_match_talib_published_values() {
    let (_, _, close) = talib();
    assert_published(&k::rsi(&close, 14).unwrap(), "RSI(14)", 14, &[(14, "49.1473")]);
    let macd = k::macd(&close, 12, 26, 9).unwrap();
    assert_published(&macd.macd, "MACD", 33, &[(33, "-1.9738")]);
    assert_published(&macd.signal, "MACD signal", 33, &[(33, "-2.7071")]);
    assert_published(&macd.hist, "MACD hist", 33, &[(33, "0.7333")]);
    let bands = k::bollinger(&close, 20, 2.0, 2.0).unwrap();
    assert_published(&bands.upper, "BBANDS upper", 19, &[(19, "98.0734")]);
    assert_published(&bands.middle, "BBANDS middle", 19, &[(19, "92.8910")]);
    assert_published(&bands.lower, "BBANDS lower", 19, &[(19, "87.7086")]);
}

/// (high, low, close) of the SPY quotes, and a reference column (null → NaN).
fn skender(json: &str, field: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut high, mut low, mut close) = (Vec::new(), Vec::new(), Vec::new());
    for line in QUOTES.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let number = |k: usize| fields[k].parse::<f64>().unwrap_or_else(|e| panic!("{e}: {line}"));
        high.push(number(2));
        low.push(number(3));
        close.push(number(4));
    }
    let rows: Vec<Json> = serde_json::from_str(json).unwrap();
    let reference = rows.iter().map(|row| row[field].as_f64().unwrap_or(f64::NAN)).collect();
    (high, low, close, reference)
}

fn assert_reference(got: &[f64], want: &[f64], name: &str) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if w.is_nan() {
            assert!(g.is_nan(), "{name} at bar {i}: got {g}, the reference has no value yet");
        } else {
            assert!((g - w).abs() <= 1e-6 * w.abs().max(1.0), "{name} at bar {i}: got {g}, reference {w}");
        }
    }
}

#[test]
fn true_range_atr_and_stddev_match_stock_indicators() {
    let (high, low, close, tr) = skender(ATR, "tr");
    assert_reference(&k::true_range(&high, &low, &close).unwrap(), &tr, "true range");
    let (_, _, _, atr) = skender(ATR, "atr");
    assert_reference(&k::atr(&high, &low, &close, 14).unwrap(), &atr, "ATR(14)");
    let (_, _, _, stdev) = skender(STDEV, "stdDev");
    assert_reference(&k::rolling_std(&close, 14, Deviation::Population).unwrap(), &stdev, "StdDev(14)");
}

/// A deterministic wiggly series with repeated values, a flat stretch and a negative stretch.
fn series(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| match i {
            40..=49 => 7.0,
            _ => ((i * 7919) % 101) as f64 / 4.0 - if i > 150 { 30.0 } else { 0.0 },
        })
        .collect()
}

fn close_to(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_columns(got: &[f64], want: &[f64], name: &str) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close_to(*g, *w), "{name} at {i}: got {g}, expected {w}");
    }
}

/// `f` over each full window of `p` values ending at each bar, NaN before.
fn by_window(x: &[f64], p: usize, f: impl Fn(&[f64], usize) -> f64) -> Vec<f64> {
    (0..x.len()).map(|i| if i + 1 >= p { f(&x[i + 1 - p..=i], i) } else { f64::NAN }).collect()
}

fn mean(w: &[f64]) -> f64 {
    w.iter().sum::<f64>() / w.len() as f64
}

fn var(w: &[f64], ddof: usize) -> f64 {
    let m = mean(w);
    w.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (w.len() - ddof) as f64
}

#[test]
fn rolling_windows_match_their_definitions() {
    let x = series(300);
    for p in [2usize, 5, 20] {
        let q = p as u32;
        assert_columns(&k::rolling_sum(&x, q).unwrap(), &by_window(&x, p, |w, _| w.iter().sum()), "sum");
        assert_columns(&k::rolling_mean(&x, q).unwrap(), &by_window(&x, p, |w, _| mean(w)), "mean");
        for (d, ddof) in [(Deviation::Population, 0), (Deviation::Sample, 1)] {
            let want_var = by_window(&x, p, |w, _| var(w, ddof));
            assert_columns(&k::rolling_var(&x, q, d).unwrap(), &want_var, "var");
            let want_std: Vec<f64> = want_var.iter().map(|v| v.sqrt()).collect();
            assert_columns(&k::rolling_std(&x, q, d).unwrap(), &want_std, "std");
            let want_z = by_window(&x, p, |w, _| {
                let sd = var(w, ddof).sqrt();
                if sd > 0.0 { (w[w.len() - 1] - mean(w)) / sd } else { f64::NAN }
            });
            assert_columns(&k::zscore(&x, q, d).unwrap(), &want_z, "zscore");
        }
        let lowest = |w: &[f64]| w.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = |w: &[f64]| w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_columns(&k::rolling_min(&x, q).unwrap(), &by_window(&x, p, |w, _| lowest(w)), "min");
        assert_columns(&k::rolling_max(&x, q).unwrap(), &by_window(&x, p, |w, _| highest(w)), "max");
        // The newest bar of a tie.
        let argmin =
            by_window(&x, p, |w, i| (i + 1 - p + w.iter().rposition(|v| *v == lowest(w)).unwrap()) as f64);
        assert_columns(&k::rolling_argmin(&x, q).unwrap(), &argmin, "argmin");
        let argmax =
            by_window(&x, p, |w, i| (i + 1 - p + w.iter().rposition(|v| *v == highest(w)).unwrap()) as f64);
        assert_columns(&k::rolling_argmax(&x, q).unwrap(), &argmax, "argmax");
        let rank = by_window(&x, p, |w, _| {
            let v = w[w.len() - 1];
            let less = w.iter().filter(|u| **u < v).count() as f64;
            let equal = w.iter().filter(|u| **u == v).count() as f64;
            less + (equal + 1.0) / 2.0
        });
        assert_columns(&k::rolling_rank(&x, q).unwrap(), &rank, "rank");
    }
}

#[test]
fn element_wise_kernels_match_their_definitions() {
    let x = [100.0, 110.0, 0.0, 99.0, -5.0, 104.0, f64::NAN, 100.0];
    let nan = f64::NAN;
    assert_columns(
        &k::log_return(&x, 1).unwrap(),
        &[nan, (1.1f64).ln(), nan, nan, nan, nan, nan, nan],
        "log-return",
    );
    assert_columns(
        &k::log_return(&x, 2).unwrap(),
        &[nan, nan, nan, (0.9f64).ln(), nan, (104.0f64 / 99.0).ln(), nan, (100.0f64 / 104.0).ln()],
        "log-return lag 2",
    );
    // (0 - 110) / 110, then 0 where the earlier value is 0 (TA-Lib ROCP).
    assert_columns(
        &k::pct_change(&x, 1).unwrap(),
        &[nan, 0.1, -1.0, 0.0, -104.0 / 99.0, -21.8, nan, nan],
        "pct-change",
    );
    assert_columns(&k::diff(&x, 1).unwrap(), &[nan, 10.0, -110.0, 99.0, -104.0, 109.0, nan, nan], "diff");
    assert_columns(&k::shift(&x, 2).unwrap(), &[nan, nan, 100.0, 110.0, 0.0, 99.0, -5.0, 104.0], "shift");
    assert_columns(&k::shift(&x, 0).unwrap(), &x, "shift 0");
    assert_columns(
        &k::cumulative_sum(&x).unwrap(),
        &[100.0, 210.0, 210.0, 309.0, 304.0, 408.0, nan, 508.0],
        "cumulative sum",
    );
}

#[test]
fn rsi_is_the_talib_crate_bit_for_bit_except_c_talib_zero_for_no_gain_no_loss() {
    let (_, _, close) = talib();
    let core = ta_lib::Core::new();
    let mut port = vec![0.0; close.len() - 14];
    let range = core.rsi(0, close.len() - 1, &close, 14, &mut port).unwrap();
    let ours = k::rsi(&close, 14).unwrap();
    assert_eq!(range.beg_idx, 14);
    for (i, p) in port[..range.count].iter().enumerate() {
        assert_eq!(ours[14 + i].to_bits(), p.to_bits(), "bar {}", 14 + i);
    }
    // A flat start: neither a gain nor a loss over the seed, 0/0. The crate says 50, C TA-Lib 0.
    let flat = [1.25; 20];
    let mut port = vec![0.0; 6];
    core.rsi(0, 19, &flat, 14, &mut port).unwrap();
    assert_eq!(port[0], 50.0, "the ta-lib crate's answer changed: revisit the C TA-Lib note");
    let ours = k::rsi(&flat, 14).unwrap();
    assert!(ours[14..].iter().all(|v| *v == 0.0), "{ours:?}");
}

#[test]
fn wilder_of_the_true_range_is_atr_bit_for_bit() {
    let (high, low, close) = talib();
    let tr = k::true_range(&high, &low, &close).unwrap();
    let smoothed = k::wilder(&tr, 14).unwrap();
    let atr = k::atr(&high, &low, &close, 14).unwrap();
    for i in 0..close.len() {
        assert_eq!(smoothed[i].to_bits(), atr[i].to_bits(), "bar {i}: wilder {} atr {}", smoothed[i], atr[i]);
    }
}

#[test]
fn population_std_is_talib_stddev() {
    let (_, _, close) = talib();
    let core = ta_lib::Core::new();
    let mut port = vec![0.0; close.len()];
    let range = core.stddev(0, close.len() - 1, &close, 20, 1.0, &mut port).unwrap();
    let ours = k::rolling_std(&close, 20, Deviation::Population).unwrap();
    for i in 0..range.count {
        assert!(close_to(ours[range.beg_idx + i], port[i]), "bar {}", range.beg_idx + i);
    }
}

#[test]
fn a_nan_splits_the_column_into_runs_each_computed_on_its_own() {
    let (_, _, close) = talib();
    let mut gappy = vec![f64::NAN; 3];
    gappy.extend_from_slice(&close[..100]);
    gappy.push(f64::NAN);
    gappy.extend_from_slice(&close[100..]);
    let whole = |f: &dyn Fn(&[f64]) -> Vec<f64>| {
        let (a, b) = (f(&close[..100]), f(&close[100..]));
        let mut want = vec![f64::NAN; 3];
        want.extend(a);
        want.push(f64::NAN);
        want.extend(b);
        want
    };
    type Kernel = fn(&[f64]) -> Vec<f64>;
    let kernels: [(&str, Kernel); 6] = [
        ("ema", |x| k::ema(x, 10).unwrap()),
        ("rsi", |x| k::rsi(x, 14).unwrap()),
        ("rolling-mean", |x| k::rolling_mean(x, 20).unwrap()),
        ("rolling-std", |x| k::rolling_std(x, 20, Deviation::Sample).unwrap()),
        ("rolling-argmax", |x| k::rolling_argmax(x, 5).unwrap()),
        ("macd", |x| k::macd(x, 12, 26, 9).unwrap().signal),
    ];
    for (name, f) in kernels {
        let got = f(&gappy);
        let mut want = whole(&f);
        if name == "rolling-argmax" {
            // Indices count from the whole column's first bar.
            want[3..103].iter_mut().for_each(|v| *v += 3.0);
            want[104..].iter_mut().for_each(|v| *v += 104.0);
        }
        assert_columns(&got, &want, name);
    }
    // Another kernel's warm-up is skipped: the volatility of log returns starts at bar 20.
    let vol = k::rolling_std(&k::log_return(&close, 1).unwrap(), 20, Deviation::Sample).unwrap();
    assert!(vol[..20].iter().all(|v| v.is_nan()) && vol[20..].iter().all(|v| v.is_finite()));
}

#[test]
fn several_columns_split_where_any_is_nan() {
    let (mut high, low, close) = talib();
    high[50] = f64::NAN;
    let atr = k::atr(&high, &low, &close, 14).unwrap();
    let after = k::atr(&high[51..], &low[51..], &close[51..], 14).unwrap();
    assert!(atr[50..65].iter().all(|v| v.is_nan()), "{:?}", &atr[50..66]);
    assert_columns(&atr[51..], &after, "atr after the gap");
}
