//! The features over a series of bars: TA-Lib for the classic indicators, [`crate::returns`] for log
//! returns and volatility.
//!
//! TA-Lib writes each output from index 0 of the caller's buffer and says, as `OutRange`, which
//! input bar that first value belongs to (`beg_idx`, the indicator's look-back) and how many it
//! wrote. [`compute`] hands it each column from the indicator's look-back on, so the values land on
//! their bars, and [`place`] fills NaN before `beg_idx`: every column lines up with the bars'
//! timestamps.

use std::fmt;

use ta_lib::{Core, MAType, OutRange, RetCode};

use crate::params::Params;
use crate::returns::{log_returns, rolling_std};

/// The output columns, in the order `build` returns them.
pub const OUTPUTS: [&str; 12] = [
    "sma",
    "ema",
    "rsi",
    "macd",
    "macd_signal",
    "macd_hist",
    "atr",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "log_return",
    "volatility",
];

/// The price columns the features need, one value per bar, oldest first, all of one length.
#[derive(Debug, Clone, Copy)]
pub struct Prices<'a> {
    pub close: &'a [f64],
    pub high: &'a [f64],
    pub low: &'a [f64],
}

/// One column per entry of [`OUTPUTS`], in that order, each as long as the input.
pub type Features = Vec<(&'static str, Vec<f64>)>;

/// TA-Lib refused a call. Validated [`Params`] never cause it, so it means a bug here or there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeError {
    /// The TA-Lib function that refused.
    pub function: &'static str,
    /// What it answered.
    pub code: RetCode,
}

impl fmt::Display for ComputeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ta-lib {} failed with {:?} (expected success for validated parameters)",
            self.function, self.code
        )
    }
}

impl std::error::Error for ComputeError {}

/// Every feature over `prices`, one value per bar, NaN until each has warmed up.
pub fn compute(prices: Prices<'_>, params: &Params) -> Result<Features, ComputeError> {
    let Prices { close, high, low } = prices;
    assert!(
        high.len() == close.len() && low.len() == close.len(),
        "price columns of unequal lengths: close {}, high {}, low {}",
        close.len(),
        high.len(),
        low.len()
    );
    let n = close.len();
    if n == 0 {
        // TA-Lib takes an inclusive end index, which an empty series does not have.
        return Ok(OUTPUTS.iter().map(|&name| (name, Vec::new())).collect());
    }
    let core = Core::new();
    let end = n - 1;
    let fail = |function| move |code| ComputeError { function, code };

    // Each column is allocated once, and TA-Lib writes its values straight to their bars: the
    // slice handed to it starts at the look-back, where its first value belongs (at the last bar
    // at most: a series no longer than the look-back gets no values, but TA-Lib wants a buffer).
    let mut sma = vec![0.0; n];
    let at = core.sma_lookback(params.sma_period).map_err(fail("sma_lookback"))?.min(end);
    let range = core.sma(0, end, close, params.sma_period, &mut sma[at..]).map_err(fail("sma"))?;
    place(&mut sma, at, range);

    let mut ema = vec![0.0; n];
    let at = core.ema_lookback(params.ema_period).map_err(fail("ema_lookback"))?.min(end);
    let range = core.ema(0, end, close, params.ema_period, &mut ema[at..]).map_err(fail("ema"))?;
    place(&mut ema, at, range);

    let mut rsi = vec![0.0; n];
    let at = core.rsi_lookback(params.rsi_period).map_err(fail("rsi_lookback"))?.min(end);
    let range = core.rsi(0, end, close, params.rsi_period, &mut rsi[at..]).map_err(fail("rsi"))?;
    place(&mut rsi, at, range);

    let (mut macd, mut signal, mut hist) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let at = core
        .macd_lookback(params.macd_fast, params.macd_slow, params.macd_signal)
        .map_err(fail("macd_lookback"))?
        .min(end);
    let range = core
        .macd(
            0,
            end,
            close,
            params.macd_fast,
            params.macd_slow,
            params.macd_signal,
            &mut macd[at..],
            &mut signal[at..],
            &mut hist[at..],
        )
        .map_err(fail("macd"))?;
    for column in [&mut macd, &mut signal, &mut hist] {
        place(column, at, range);
    }

    let mut atr = vec![0.0; n];
    let at = core.atr_lookback(params.atr_period).map_err(fail("atr_lookback"))?.min(end);
    let range = core.atr(0, end, high, low, close, params.atr_period, &mut atr[at..]).map_err(fail("atr"))?;
    place(&mut atr, at, range);

    let (mut upper, mut middle, mut lower) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let k = params.bb_stddev;
    let at =
        core.bbands_lookback(params.bb_period, k, k, MAType::SMA).map_err(fail("bbands_lookback"))?.min(end);
    let range = core
        .bbands(
            0,
            end,
            close,
            params.bb_period,
            k,
            k,
            MAType::SMA,
            &mut upper[at..],
            &mut middle[at..],
            &mut lower[at..],
        )
        .map_err(fail("bbands"))?;
    for column in [&mut upper, &mut middle, &mut lower] {
        place(column, at, range);
    }

    let log_return = log_returns(close);
    let volatility = rolling_std(&log_return, params.volatility_window as usize, 1);

    let columns = [sma, ema, rsi, macd, signal, hist, atr, upper, middle, lower, log_return, volatility];
    Ok(OUTPUTS.into_iter().zip(columns).collect())
}

/// Puts TA-Lib's `range.count` values, written from `out[written_at]`, at `range.beg_idx`, the bar
/// they belong to, and fills the rest with NaN. Written at the function's own look-back, they are
/// already in place and only the warm-up is filled.
fn place(out: &mut [f64], written_at: usize, range: OutRange) {
    let OutRange { beg_idx, count } = range;
    if count == 0 {
        // TA-Lib answers a series shorter than the look-back with no values and `beg_idx` 0.
        out.fill(f64::NAN);
        return;
    }
    if beg_idx != written_at {
        out.copy_within(written_at..written_at + count, beg_idx);
    }
    out[..beg_idx].fill(f64::NAN);
    out[beg_idx + count..].fill(f64::NAN);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column<'a>(features: &'a Features, name: &str) -> &'a [f64] {
        &features.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no column {name}")).1
    }

    fn ramp(n: usize) -> Vec<f64> {
        (0..n).map(|i| 100.0 + i as f64 + if i % 3 == 0 { 0.5 } else { -0.25 }).collect()
    }

    #[test]
    fn place_moves_values_to_their_bars() {
        let mut out = [1.0, 2.0, 0.0, 0.0, 0.0];
        place(&mut out, 0, OutRange { beg_idx: 3, count: 2 });
        assert!(out[..3].iter().all(|v| v.is_nan()), "{out:?}");
        assert_eq!(&out[3..], &[1.0, 2.0]);
    }

    #[test]
    fn place_written_at_their_bars_fills_only_the_rest() {
        let mut out = [0.0, 0.0, 1.0, 2.0, 0.0];
        place(&mut out, 2, OutRange { beg_idx: 2, count: 2 });
        assert!(out[..2].iter().all(|v| v.is_nan()) && out[4].is_nan(), "{out:?}");
        assert_eq!(&out[2..4], &[1.0, 2.0]);
    }

    #[test]
    fn place_without_values_is_all_nan() {
        let mut out = [0.0; 3];
        place(&mut out, 0, OutRange::EMPTY);
        assert!(out.iter().all(|v| v.is_nan()), "{out:?}");
    }

    #[test]
    fn compute_returns_outputs_in_order_with_input_length() {
        let close = ramp(60);
        let prices = Prices { close: &close, high: &close, low: &close };
        let features = compute(prices, &Params::default()).unwrap();
        let names: Vec<&str> = features.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, OUTPUTS);
        assert!(features.iter().all(|(_, v)| v.len() == 60));
    }

    #[test]
    fn compute_first_value_of_each_column_is_at_its_lookback() {
        let close = ramp(60);
        let high: Vec<f64> = close.iter().map(|c| c + 1.0).collect();
        let low: Vec<f64> = close.iter().map(|c| c - 1.0).collect();
        let features = compute(Prices { close: &close, high: &high, low: &low }, &Params::default()).unwrap();
        let expected_first = [
            ("sma", 19),
            ("ema", 19),
            ("rsi", 14),
            ("macd", 33),
            ("macd_signal", 33),
            ("macd_hist", 33),
            ("atr", 14),
            ("bb_upper", 19),
            ("bb_middle", 19),
            ("bb_lower", 19),
            ("log_return", 1),
            ("volatility", 20),
        ];
        for (name, first) in expected_first {
            let values = column(&features, name);
            assert!(values[..first].iter().all(|v| v.is_nan()), "{name} before {first}: {values:?}");
            assert!(values[first..].iter().all(|v| v.is_finite()), "{name} from {first}: {values:?}");
        }
    }

    #[test]
    fn compute_shorter_than_lookback_is_nan() {
        let close = ramp(10);
        let features =
            compute(Prices { close: &close, high: &close, low: &close }, &Params::default()).unwrap();
        for (name, values) in &features {
            let defined = values.iter().filter(|v| !v.is_nan()).count();
            let expected = if *name == "log_return" { 9 } else { 0 };
            assert_eq!(defined, expected, "{name}: {values:?}");
        }
    }

    #[test]
    fn compute_of_no_bars_is_empty_columns() {
        let features = compute(Prices { close: &[], high: &[], low: &[] }, &Params::default()).unwrap();
        assert_eq!(features.len(), OUTPUTS.len());
        assert!(features.iter().all(|(_, v)| v.is_empty()));
    }

    #[test]
    fn compute_bollinger_middle_is_sma_and_bands_are_symmetric() {
        let close = ramp(40);
        let params = Params { sma_period: 20, bb_period: 20, ..Params::default() };
        let features = compute(Prices { close: &close, high: &close, low: &close }, &params).unwrap();
        let (sma, middle) = (column(&features, "sma"), column(&features, "bb_middle"));
        let (upper, lower) = (column(&features, "bb_upper"), column(&features, "bb_lower"));
        for i in 19..40 {
            assert!((sma[i] - middle[i]).abs() < 1e-9, "index {i}");
            assert!(((upper[i] - middle[i]) - (middle[i] - lower[i])).abs() < 1e-9, "index {i}");
            assert!(upper[i] > middle[i], "index {i}");
        }
    }
}
