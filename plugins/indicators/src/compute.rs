//! The features over a series of bars, each computed by the host's native kernels over columns
//! it holds ([`guest_support::columns`], `wit/columns.wit`): TA-Lib's SMA, EMA, RSI, MACD, ATR and Bollinger
//! Bands (the `ta-lib` crate, with C TA-Lib's RSI of 0 where there was neither a gain nor a loss),
//! log returns and their rolling sample standard deviation.
//!
//! Every kernel returns one value per bar, NaN over its look-back, so the columns line up with the
//! bars' timestamps as they come. In the built component each call is a method of the host's
//! `columns.column`; in a native build (the tests, the job benchmark's baseline) the same kernels
//! run in-process.

use std::fmt;

use guest_support::columns::Column;
use guest_support::kernels::{Deviation, KernelError};
use ta_lib::RetCode;

use crate::params::Params;

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

/// A kernel or a TA-Lib look-back refused validated [`Params`]: a bug here or there, or a unit
/// whose columns pass the memory limit (`too-large`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComputeError {
    /// A TA-Lib look-back function (the plan's warm-up) refused.
    Lookback {
        /// The function.
        function: &'static str,
        /// What it answered.
        code: RetCode,
    },
    /// A kernel computed nothing.
    Kernel(KernelError),
}

impl fmt::Display for ComputeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputeError::Lookback { function, code } => write!(
                f,
                "ta-lib {function} failed with {code:?} (expected success for validated parameters)"
            ),
            ComputeError::Kernel(err) => write!(f, "kernel: {err}"),
        }
    }
}

impl std::error::Error for ComputeError {}

impl From<KernelError> for ComputeError {
    fn from(err: KernelError) -> Self {
        ComputeError::Kernel(err)
    }
}

/// A validated period as the kernels take it.
fn bars(period: i32) -> u32 {
    u32::try_from(period).expect("validated periods are positive")
}

/// The price columns the features need, held by the host in the component (natively, in
/// process), one value per bar, oldest first, all of one length.
#[derive(Debug, Clone, Copy)]
pub struct PriceColumns<'a> {
    pub close: &'a Column,
    pub high: &'a Column,
    pub low: &'a Column,
}

/// Every feature over `prices`, one value per bar, NaN until each has warmed up: one column per
/// entry of [`OUTPUTS`], in that order, each as long as the input. The component's path: in Wasm
/// each kernel runs in the host on columns it holds, and nothing is copied into the plugin.
pub fn compute_columns(
    prices: PriceColumns<'_>,
    params: &Params,
) -> Result<Vec<(&'static str, Column)>, ComputeError> {
    let PriceColumns { close, high, low } = prices;
    assert!(
        high.len() == close.len() && low.len() == close.len(),
        "price columns of unequal lengths: close {}, high {}, low {}",
        close.len(),
        high.len(),
        low.len()
    );
    let sma = close.rolling_mean(bars(params.sma_period))?;
    let ema = close.ema(bars(params.ema_period))?;
    let rsi = close.rsi(bars(params.rsi_period))?;
    let macd = close.macd(bars(params.macd_fast), bars(params.macd_slow), bars(params.macd_signal))?;
    let atr = Column::atr(high, low, close, bars(params.atr_period))?;
    let k = params.bb_stddev;
    let bands = close.bollinger(bars(params.bb_period), k, k)?;
    let log_return = close.log_return(1)?;
    // The first return is NaN (no previous close): the kernel's window starts after it, so the
    // first volatility is at bar `volatility_window`.
    let volatility = log_return.rolling_std(bars(params.volatility_window), Deviation::Sample)?;

    let columns = [
        sma,
        ema,
        rsi,
        macd.macd,
        macd.signal,
        macd.hist,
        atr,
        bands.upper,
        bands.middle,
        bands.lower,
        log_return,
        volatility,
    ];
    Ok(OUTPUTS.into_iter().zip(columns).collect())
}

/// [`compute_columns`] over plain slices, natively (the tests): the same kernels, in process.
#[cfg(not(target_arch = "wasm32"))]
pub fn compute(prices: Prices<'_>, params: &Params) -> Result<Features, ComputeError> {
    let Prices { close, high, low } = prices;
    let (close, high, low) = (Column::new(close), Column::new(high), Column::new(low));
    let columns = compute_columns(PriceColumns { close: &close, high: &high, low: &low }, params)?;
    Ok(columns.into_iter().map(|(name, column)| (name, column.into_values())).collect())
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
    fn compute_rsi_of_a_flat_start_is_c_talib_zero() {
        // No gain and no loss over the first 14 changes: 0/0, which C TA-Lib answers 0 (the Rust
        // port of TA-Lib 50); a rise after it is all gain, 100.
        let mut close = vec![1.2345; 20];
        close.push(1.2346);
        let features =
            compute(Prices { close: &close, high: &close, low: &close }, &Params::default()).unwrap();
        let rsi = column(&features, "rsi");
        assert!(rsi[..14].iter().all(|v| v.is_nan()), "{rsi:?}");
        assert!(rsi[14..20].iter().all(|v| *v == 0.0), "{rsi:?}");
        assert_eq!(rsi[20], 100.0);
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
