//! The indicators against the reference outputs of Skender's Stock.Indicators (an independent C#
//! implementation) on 502 SPY daily bars (`tests/fixtures/skender`, Apache-2.0).
//!
//! Every non-null reference value is compared at a relative tolerance of 1e-6, and the warm-up
//! (null there, NaN here) must end at the same bar. The one legitimate difference is MACD's
//! warm-up: see [`macd_line_differs_from_reference_only_by_fast_ema_seed`].

use guest_support::kernels::{self, Deviation};
use indicators::compute::{Features, Prices, compute};
use indicators::params::Params;
use serde_json::Value as Json;

const QUOTES: &str = include_str!("../../../tests/fixtures/skender/default.csv");
const SMA: &str = include_str!("../../../tests/fixtures/skender/sma.standard.json");
const EMA: &str = include_str!("../../../tests/fixtures/skender/ema.standard.json");
const RSI: &str = include_str!("../../../tests/fixtures/skender/rsi.standard.json");
const MACD: &str = include_str!("../../../tests/fixtures/skender/macd.standard.json");
const ATR: &str = include_str!("../../../tests/fixtures/skender/atr.standard.json");
const BB: &str = include_str!("../../../tests/fixtures/skender/bb.standard.json");
const STDEV: &str = include_str!("../../../tests/fixtures/skender/stdev.standard.json");

const RELATIVE_TOLERANCE: f64 = 1e-6;

/// The quotes' dates and prices.
struct Quotes {
    dates: Vec<String>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
}

/// `date,open,high,low,close,volume` rows.
fn quotes() -> Quotes {
    let mut quotes = Quotes { dates: Vec::new(), high: Vec::new(), low: Vec::new(), close: Vec::new() };
    for line in QUOTES.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let number = |k: usize| fields[k].parse::<f64>().unwrap_or_else(|e| panic!("{e}: {line}"));
        quotes.dates.push(fields[0].to_string());
        quotes.high.push(number(2));
        quotes.low.push(number(3));
        quotes.close.push(number(4));
    }
    assert_eq!(quotes.close.len(), 502);
    quotes
}

/// The features with the reference's parameters, which are our defaults.
fn features(quotes: &Quotes) -> Features {
    let prices = Prices { close: &quotes.close, high: &quotes.high, low: &quotes.low };
    compute(prices, &Params::default()).expect("ta-lib accepts the default parameters")
}

fn column<'a>(features: &'a Features, name: &str) -> &'a [f64] {
    &features.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no column {name}")).1
}

/// One field of a `*.standard.json` reference, null as `None`, checked to be on the quotes' dates.
fn reference(json: &str, field: &str, quotes: &Quotes) -> Vec<Option<f64>> {
    let rows: Json = serde_json::from_str(json).expect("reference is JSON");
    let rows = rows.as_array().expect("reference is an array");
    assert_eq!(rows.len(), quotes.dates.len(), "rows of {field}");
    rows.iter()
        .zip(&quotes.dates)
        .map(|(row, date)| {
            assert_eq!(row["timestamp"].as_str(), Some(format!("{date}T00:00:00").as_str()));
            let value = &row[field];
            assert!(value.is_null() || value.is_number(), "{field} on {date} is {value}");
            value.as_f64()
        })
        .collect()
}

/// The first index holding a value.
fn first_defined(values: impl IntoIterator<Item = bool>) -> Option<usize> {
    values.into_iter().position(|defined| defined)
}

/// From index `from` on, `ours` is NaN exactly where the reference is null and within the relative
/// tolerance of it elsewhere; before `from`, nothing is compared.
fn assert_matches_from(name: &str, ours: &[f64], theirs: &[Option<f64>], from: usize) {
    assert_eq!(ours.len(), theirs.len(), "{name} lengths");
    let mut compared = 0;
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate().skip(from) {
        match b {
            None => assert!(a.is_nan(), "{name} at index {i}: got {a}, reference null"),
            Some(b) => {
                let error = (a - b).abs();
                assert!(
                    error <= RELATIVE_TOLERANCE * b.abs(),
                    "{name} at index {i}: got {a}, reference {b} (relative error {:e})",
                    error / b.abs()
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 0, "{name}: nothing compared from index {from}");
}

/// `ours` has its first value where the reference does, and matches it from there on.
fn assert_matches(name: &str, ours: &[f64], theirs: &[Option<f64>]) {
    let our_first = first_defined(ours.iter().map(|v| !v.is_nan()));
    let their_first = first_defined(theirs.iter().map(Option::is_some));
    assert_eq!(our_first, their_first, "{name}: first value");
    assert_matches_from(name, ours, theirs, 0);
}

#[test]
fn sma_20_matches_reference() {
    let quotes = quotes();
    assert_matches("sma", column(&features(&quotes), "sma"), &reference(SMA, "sma", &quotes));
}

#[test]
fn ema_20_matches_reference() {
    // Both seed the EMA with the SMA of the first 20 closes, so they agree from the first value.
    let quotes = quotes();
    assert_matches("ema", column(&features(&quotes), "ema"), &reference(EMA, "ema", &quotes));
}

#[test]
fn rsi_14_matches_reference() {
    let quotes = quotes();
    assert_matches("rsi", column(&features(&quotes), "rsi"), &reference(RSI, "rsi", &quotes));
}

#[test]
fn atr_14_matches_reference() {
    let quotes = quotes();
    assert_matches("atr", column(&features(&quotes), "atr"), &reference(ATR, "atr", &quotes));
}

#[test]
fn bollinger_20_2_matches_reference() {
    let quotes = quotes();
    let features = features(&quotes);
    assert_matches("bb_upper", column(&features, "bb_upper"), &reference(BB, "upperBand", &quotes));
    assert_matches("bb_middle", column(&features, "bb_middle"), &reference(BB, "sma", &quotes));
    assert_matches("bb_lower", column(&features, "bb_lower"), &reference(BB, "lowerBand", &quotes));
}

#[test]
fn rolling_population_stddev_14_matches_reference() {
    // The reference's StdDev(14) of closes is a population deviation: the rolling-std kernel's
    // population case. The volatility column is the same kernel's sample case.
    let quotes = quotes();
    let ours = kernels::rolling_std(&quotes.close, 14, Deviation::Population).unwrap();
    assert_matches("stddev", &ours, &reference(STDEV, "stdDev", &quotes));
}

/// TA-Lib's MACD starts at bar 33 (`slow - 1 + signal - 1`), the reference's line at bar 25 and
/// its signal at 33: the reference seeds the fast EMA with the SMA of the first 12 closes and runs
/// it from bar 11, TA-Lib starts both EMAs at the slow one's first bar (25), seeding the fast one
/// with the SMA of the 12 closes up to it (14..=25). The slow EMAs are the same, so the lines differ
/// by the gap between the two fast EMAs at bar 25, shrinking by the fast EMA's `1 - 2/13` per bar.
struct MacdSeedGap {
    /// TA-Lib's fast EMA less the reference's, at bar 25.
    at_slow_start: f64,
}

const MACD_SLOW_START: usize = 25;
const FAST_EMA_DECAY: f64 = 1.0 - 2.0 / 13.0;

impl MacdSeedGap {
    fn new(quotes: &Quotes) -> MacdSeedGap {
        let their_fast =
            reference(MACD, "fastEma", quotes)[MACD_SLOW_START].expect("reference fast EMA at 25");
        let our_fast = quotes.close[MACD_SLOW_START - 11..=MACD_SLOW_START].iter().sum::<f64>() / 12.0;
        MacdSeedGap { at_slow_start: our_fast - their_fast }
    }

    /// The gap between the two MACD lines at bar `i`.
    fn at(&self, i: usize) -> f64 {
        self.at_slow_start * FAST_EMA_DECAY.powi((i - MACD_SLOW_START) as i32)
    }
}

#[test]
fn macd_warm_up_ends_at_talib_lookback() {
    let quotes = quotes();
    let features = features(&quotes);
    for name in ["macd", "macd_signal", "macd_hist"] {
        assert_eq!(first_defined(column(&features, name).iter().map(|v| !v.is_nan())), Some(33), "{name}");
    }
    assert_eq!(first_defined(reference(MACD, "macd", &quotes).iter().map(Option::is_some)), Some(25));
    assert_eq!(first_defined(reference(MACD, "signal", &quotes).iter().map(Option::is_some)), Some(33));
}

#[test]
fn macd_line_differs_from_reference_only_by_fast_ema_seed() {
    let quotes = quotes();
    let gap = MacdSeedGap::new(&quotes);
    // About 0.16 on these bars: far above the tolerance, so this checks the explanation.
    assert!(gap.at_slow_start.abs() > 0.1, "seed gap {}", gap.at_slow_start);
    let ours = column(&features(&quotes), "macd").to_vec();
    let theirs = reference(MACD, "macd", &quotes);
    for i in 33..ours.len() {
        let difference = ours[i] - theirs[i].expect("reference macd after 25");
        assert!(
            (difference - gap.at(i)).abs() <= 1e-9,
            "macd at index {i}: differs from reference by {difference:e}, the seed gap is {:e}",
            gap.at(i)
        );
    }
}

#[test]
fn macd_matches_reference_once_seed_gap_vanishes() {
    let quotes = quotes();
    let gap = MacdSeedGap::new(&quotes);
    // From where the gap is below 1e-12, a millionth of the tolerance for values down to 1e-6.
    let from = (33..quotes.close.len()).find(|&i| gap.at(i).abs() < 1e-12).expect("gap vanishes");
    assert!(from < 200, "compare from {from}: most of the series");
    let features = features(&quotes);
    assert_matches_from("macd", column(&features, "macd"), &reference(MACD, "macd", &quotes), from);
    assert_matches_from(
        "macd_signal",
        column(&features, "macd_signal"),
        &reference(MACD, "signal", &quotes),
        from,
    );
    assert_matches_from(
        "macd_hist",
        column(&features, "macd_hist"),
        &reference(MACD, "histogram", &quotes),
        from,
    );
}
