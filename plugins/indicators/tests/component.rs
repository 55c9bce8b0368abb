//! The built `indicators` component through the fixture host (`candlewick-plugin-test`): the same
//! contract, runtime and scope as a job, with TA-Lib's 252-bar reference series as the bars.

use candlewick_plugin_test::{Bar, Bars, PluginKind, Timeframe, Timestamp, this_plugin};

const SERIES: &str = include_str!("../../../tests/fixtures/talib/ta_regtest_daily_252.csv");
const DAY: i64 = 86_400_000_000;

/// TA-Lib's `idx,open,high,low,close,volume` rows as daily bars from 2000-01-03.
fn talib_bars() -> Bars {
    Bars::series("TALIB", Timeframe::Day1, talib_series())
}

fn talib_series() -> Vec<Bar> {
    let start = Timestamp::parse("2000-01-03").unwrap().as_micros();
    SERIES
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
            Bar {
                ts: Timestamp::from_micros(start + i as i64 * DAY),
                open: f[1],
                high: f[2],
                low: f[3],
                close: f[4],
                volume: f[5] as i64,
            }
        })
        .collect()
}

/// NaN before `first`, then `published` (four decimals) at `first`, within its last decimal.
fn assert_first_value(values: &[f64], first: usize, published: f64) {
    assert!(values[..first].iter().all(|v| v.is_nan()), "values before index {first} should be NaN");
    assert!((values[first] - published).abs() <= 1e-4, "index {first}: {} vs {published}", values[first]);
}

#[test]
fn talib_published_values_come_out_of_the_component() {
    let output = this_plugin!().run(&talib_bars()).param("sma_period", 30).ok();
    assert_eq!(output.table.ts.len(), 252);
    assert_eq!(output.rows_read, 252);
    assert_first_value(output.float("sma"), 29, 90.4263);
    assert_first_value(output.float("rsi"), 14, 49.1473);
    assert_first_value(output.float("macd"), 33, -1.9738);
    assert_first_value(output.float("macd_signal"), 33, -2.7071);
}

#[test]
fn the_window_is_warmed_up_from_the_bars_before_it() {
    let plugin = this_plugin!();
    let bars = talib_bars();
    let whole = plugin.run(&bars).ok();
    // Bar 100 onwards; the plugin reads its 33 warm-up bars before that through the reader.
    let start = Timestamp::from_micros(whole.table.ts[100]).to_string();
    let end = Timestamp::from_micros(whole.table.ts[251]).to_string();
    let part = plugin.run(&bars).window(&start, &end).ok();
    assert_eq!(part.table.ts, whole.table.ts[100..]);
    assert_eq!(part.rows_read, 152 + 33);
    // Moving windows need only their look-back: identical to the whole series' values. (EMA-based
    // columns are seeded at the first bar read, so they differ until the seed has decayed.)
    for column in ["sma", "bb_middle"] {
        assert_eq!(part.float(column), &whole.float(column)[100..], "{column}");
    }
}

#[test]
fn describe_and_parameter_errors() {
    let plugin = this_plugin!();
    assert_eq!(plugin.kind(), PluginKind::FeatureBuilder);
    assert_eq!(plugin.plan(&[]).unwrap().own_warm_up_bars(), 33);
    // Refused by the plan, before any unit runs.
    let err = plugin.run(&talib_bars()).param("sma_period", 0).call().unwrap_err();
    assert_eq!(
        err,
        "plugin indicators: plan: invalid parameters: parameter \"sma_period\" is 0 (expected 1..=100000 bars)"
    );
}

#[test]
fn the_component_computes_what_the_native_code_does_bit_for_bit() {
    // EMA and MACD call `f64::mul_add` on every bar. In Wasm that is the plugin's own `fma`
    // (guest_support::export_fma!), which must round once, as the native one does: a separate
    // multiply and add would differ in the last bits and then drift through the recursion.
    let series = talib_series();
    let output = this_plugin!().run(&talib_bars()).ok();
    let [close, high, low] = [|b: &Bar| b.close, |b: &Bar| b.high, |b: &Bar| b.low]
        .map(|field| series.iter().map(field).collect::<Vec<f64>>());
    let prices = indicators::compute::Prices { close: &close, high: &high, low: &low };
    let native = indicators::compute::compute(prices, &indicators::params::Params::default()).unwrap();
    let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    for (name, expected) in &native {
        let actual = output.float(name);
        if ["log_return", "volatility"].contains(name) {
            // `ln` is the C library's on each side (musl's in Wasm, glibc's natively): both within
            // about half an ulp, not always the same one.
            for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
                let same = (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-14 * e.abs();
                assert!(same, "{name}[{i}]: {a} in Wasm, {e} native");
            }
        } else {
            assert_eq!(bits(actual), bits(expected), "{name}");
        }
    }
}
