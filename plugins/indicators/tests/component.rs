//! The built `indicators` component through the fixture host (`candlewick-plugin-test`): the same
//! contract, runtime and scope as a job, with TA-Lib's 252-bar reference series as the bars.

use candlewick_plugin_test::{Bar, Bars, PluginKind, Run, Timeframe, Timestamp, this_plugin};

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

/// `run` with short periods.
fn short(run: Run<'_>) -> Run<'_> {
    run.param("sma_period", 30)
        .param("ema_period", 1)
        .param("rsi_period", 2)
        .param("macd_fast", 2)
        .param("macd_slow", 3)
        .param("macd_signal", 1)
        .param("atr_period", 1)
}

#[test]
fn the_window_is_warmed_up_from_the_bars_before_it() {
    let plugin = this_plugin!();
    let bars = talib_bars();
    // Short periods: SMA(30) needs 29 bars, RSI(2) and MACD(2, 3, 1) TA-Lib's look-back of 2 plus
    // 40 bars for their seed to decay (α = 1/2, 0.5^40 ≤ 1e-12): the plan asks 42.
    let whole = short(plugin.run(&bars)).ok();
    // Bar 100 onwards; the plugin reads its warm-up bars before that through the reader.
    let start = Timestamp::from_micros(whole.table.ts[100]).to_string();
    let end = Timestamp::from_micros(whole.table.ts[251]).to_string();
    let part = short(plugin.run(&bars)).window(&start, &end).ok();
    assert_eq!(part.table.ts, whole.table.ts[100..]);
    assert_eq!(part.rows_read, 152 + 42);
    // Moving windows need only their look-back: the whole series' values, to the last bits of
    // TA-Lib's running sum.
    for column in ["sma", "bb_middle"] {
        for (a, b) in part.float(column).iter().zip(&whole.float(column)[100..]) {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "{column}: {a} vs {b}");
        }
    }
}

#[test]
fn a_warm_up_longer_than_the_history_reads_from_the_first_bar() {
    let plugin = this_plugin!();
    let bars = talib_bars();
    let whole = plugin.run(&bars).ok();
    let start = Timestamp::from_micros(whole.table.ts[100]).to_string();
    let end = Timestamp::from_micros(whole.table.ts[251]).to_string();
    // The defaults ask 517 bars; 100 are stored before the window: all of them are read, and every
    // column is the whole run's, bit for bit.
    let part = plugin.run(&bars).window(&start, &end).ok();
    assert_eq!(part.rows_read, 252);
    for column in indicators::compute::OUTPUTS {
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
        assert_eq!(bits(part.float(column)), bits(&whole.float(column)[100..]), "{column}");
    }
}

#[test]
fn describe_and_parameter_errors() {
    let plugin = this_plugin!();
    assert_eq!(plugin.kind(), PluginKind::FeatureBuilder);
    // MACD(12, 26, 9): TA-Lib's look-back of 33 bars, then 360 for the slow EMA's seed (α = 2/27)
    // and 124 for the signal's (α = 2/10) to weigh at most 1e-12.
    assert_eq!(plugin.plan(&[]).unwrap().own_warm_up_bars(), 33 + 360 + 124);
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

#[test]
fn a_warm_up_above_the_job_limit_is_refused_before_any_unit() {
    // EMA(10,000): 9,999 bars of look-back and 138,156 for the seed to decay, above the host's
    // default limit of 100,000 bars.
    let err = this_plugin!().run(&talib_bars()).param("ema_period", 10_000).call().unwrap_err();
    assert!(err.contains("warm-up of 148155 bars is above the job's limit of 100000"), "{err}");
}
