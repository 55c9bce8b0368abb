//! The indicators against TA-Lib's own published regression values, on the 252-bar series of its
//! `ta_regtest` tool (`tests/fixtures/talib`, BSD-3-Clause).
//!
//! The published values are rounded (to four decimals, the last SMA to two), so each is compared
//! within one unit of its last published decimal: 1e-4 for most.

use indicators::compute::{Features, Prices, compute};
use indicators::params::Params;

const SERIES: &str = include_str!("../../../tests/fixtures/talib/ta_regtest_daily_252.csv");

/// `idx,open,high,low,close,volume` rows as (high, low, close) columns.
fn series() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut high, mut low, mut close) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in SERIES.lines().skip(1).enumerate() {
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

fn features(params: &Params) -> Features {
    let (high, low, close) = series();
    compute(Prices { close: &close, high: &high, low: &low }, params).expect("ta-lib accepts the parameters")
}

fn column<'a>(features: &'a Features, name: &str) -> &'a [f64] {
    &features.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no column {name}")).1
}

/// `values` is NaN before `first` and, at each listed index, within one unit of the published
/// value's last decimal (given as text, so its precision is the one published).
fn assert_published(values: &[f64], name: &str, first: usize, expected: &[(usize, &str)]) {
    assert!(
        values[..first].iter().all(|v| v.is_nan()),
        "{name} before index {first}: {:?}",
        &values[..first]
    );
    assert!(values[first].is_finite(), "{name} at index {first} is {}", values[first]);
    for &(i, published) in expected {
        let want: f64 = published.parse().unwrap();
        let decimals = published.split_once('.').map_or(0, |(_, d)| d.len());
        let tolerance = 10f64.powi(-(decimals as i32));
        let got = values[i];
        assert!(
            (got - want).abs() <= tolerance,
            "{name} at index {i}: got {got}, published {published} (tolerance {tolerance})"
        );
    }
}

#[test]
fn sma_30_matches_published_first_and_last() {
    let features = features(&Params { sma_period: 30, ..Params::default() });
    assert_published(column(&features, "sma"), "sma", 29, &[(29, "90.4263"), (251, "108.42")]);
}

#[test]
fn rsi_14_matches_published_first() {
    let features = features(&Params { rsi_period: 14, ..Params::default() });
    assert_published(column(&features, "rsi"), "rsi", 14, &[(14, "49.1473")]);
}

#[test]
fn macd_12_26_9_matches_published_first() {
    let params = Params { macd_fast: 12, macd_slow: 26, macd_signal: 9, ..Params::default() };
    let features = features(&params);
    assert_published(column(&features, "macd"), "macd", 33, &[(33, "-1.9738")]);
    assert_published(column(&features, "macd_signal"), "macd_signal", 33, &[(33, "-2.7071")]);
    // The histogram is the line less the signal: -1.9738 - -2.7071.
    assert_published(column(&features, "macd_hist"), "macd_hist", 33, &[(33, "0.7333")]);
}
