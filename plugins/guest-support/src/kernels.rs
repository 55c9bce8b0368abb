//! The host's native kernels (`wit/kernels.wit`): rolling windows, smoothing, TA-Lib's indicators
//! and returns over whole columns, computed natively by the host instead of in the plugin's Wasm.
//!
//! ```no_run
//! use guest_support::kernels::{self, Deviation};
//! # fn f(close: Vec<f64>) -> Result<(), guest_support::kernels::KernelError> {
//! let rsi = kernels::rsi(&close, 14)?;
//! let returns = kernels::log_return(&close, 1)?;
//! let volatility = kernels::rolling_std(&returns, 20, Deviation::Sample)?;
//! # Ok(()) }
//! ```
//!
//! Every output column has its input's length, its value at `i` on bar `i`, NaN over the
//! kernel's look-back (TA-Lib's where TA-Lib has the function). A NaN in an input splits it into
//! runs that window and recursive kernels compute on their own, so another kernel's warm-up is
//! skipped. The README's "Native kernels" section gives each kernel's formula, look-back and
//! source; `wit/kernels.wit` is the contract.
//!
//! In a plugin built for `wasm32` each call is the host's `kernels` import; built natively (the
//! plugin's own `cargo test`, the job benchmark's native baseline) it calls the same
//! `candlewick-kernels` crate the host serves them from, so the two give the same values, bit for
//! bit.

use std::fmt;

/// Which variance and standard deviation: divide by n or by n − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deviation {
    /// Divide by n: TA-Lib's `VAR` and `STDDEV`, Bollinger Bands.
    Population,
    /// Divide by n − 1: pandas' default (`ddof=1`).
    Sample,
}

/// MACD's three lines, each as long as the input.
#[derive(Debug, Clone, PartialEq)]
pub struct MacdLines {
    /// Fast EMA − slow EMA.
    pub macd: Vec<f64>,
    /// EMA of `macd` over the signal period.
    pub signal: Vec<f64>,
    /// `macd` − `signal`.
    pub hist: Vec<f64>,
}

/// Bollinger Bands, each as long as the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// `middle` + deviations up × the window's population standard deviation.
    pub upper: Vec<f64>,
    /// The window's simple moving average.
    pub middle: Vec<f64>,
    /// `middle` − deviations down × that deviation.
    pub lower: Vec<f64>,
}

/// Why a kernel computed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// An argument out of range, named with its value and the range, such as
    /// `rsi: period 1 is out of range 2..=100000`.
    InvalidArgument(String),
    /// The call's columns (inputs and outputs) would pass the unit's memory limit.
    TooLarge {
        /// What is limited, with its unit.
        what: String,
        /// The limit.
        limit: u64,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::InvalidArgument(message) => f.write_str(message),
            KernelError::TooLarge { what, limit } => write!(f, "kernel call too large: {what} limit {limit}"),
        }
    }
}

impl std::error::Error for KernelError {}

/// A kernel's one output column, or why it computed nothing.
pub type Column = Result<Vec<f64>, KernelError>;

pub use imp::*;

#[cfg(target_arch = "wasm32")]
pub(crate) mod imp {
    use super::{Bands, Column, Deviation, KernelError, MacdLines};

    /// The `kernels` import; `columns` reuses its types.
    pub(crate) mod bindings {
        wit_bindgen::generate!({
            inline: "
                package candlewick:guest-support;
                world kernels {
                    import candlewick:market-data/kernels@0.2.0;
                }
            ",
            path: "../../wit",
            world: "candlewick:guest-support/kernels",
            // `types` is imported only for `limit-exceeded`; its other types come along.
            generate_all,
        });
    }

    use bindings::candlewick::market_data::kernels as wit;

    pub(crate) fn error(err: wit::KernelError) -> KernelError {
        match err {
            wit::KernelError::InvalidArgument(message) => KernelError::InvalidArgument(message),
            wit::KernelError::TooLarge(limit) => {
                KernelError::TooLarge { what: limit.what, limit: limit.limit }
            }
        }
    }

    pub(crate) fn deviation(d: Deviation) -> wit::Deviation {
        match d {
            Deviation::Population => wit::Deviation::Population,
            Deviation::Sample => wit::Deviation::Sample,
        }
    }

    pub fn rolling_sum(values: &[f64], period: u32) -> Column {
        wit::rolling_sum(values, period).map_err(error)
    }
    pub fn rolling_mean(values: &[f64], period: u32) -> Column {
        wit::rolling_mean(values, period).map_err(error)
    }
    pub fn rolling_var(values: &[f64], period: u32, d: Deviation) -> Column {
        wit::rolling_var(values, period, deviation(d)).map_err(error)
    }
    pub fn rolling_std(values: &[f64], period: u32, d: Deviation) -> Column {
        wit::rolling_std(values, period, deviation(d)).map_err(error)
    }
    pub fn rolling_min(values: &[f64], period: u32) -> Column {
        wit::rolling_min(values, period).map_err(error)
    }
    pub fn rolling_max(values: &[f64], period: u32) -> Column {
        wit::rolling_max(values, period).map_err(error)
    }
    pub fn rolling_argmin(values: &[f64], period: u32) -> Column {
        wit::rolling_argmin(values, period).map_err(error)
    }
    pub fn rolling_argmax(values: &[f64], period: u32) -> Column {
        wit::rolling_argmax(values, period).map_err(error)
    }
    pub fn rolling_rank(values: &[f64], period: u32) -> Column {
        wit::rolling_rank(values, period).map_err(error)
    }
    pub fn zscore(values: &[f64], period: u32, d: Deviation) -> Column {
        wit::zscore(values, period, deviation(d)).map_err(error)
    }
    pub fn ema(values: &[f64], period: u32) -> Column {
        wit::ema(values, period).map_err(error)
    }
    pub fn wilder(values: &[f64], period: u32) -> Column {
        wit::wilder(values, period).map_err(error)
    }
    pub fn rsi(values: &[f64], period: u32) -> Column {
        wit::rsi(values, period).map_err(error)
    }
    pub fn macd(values: &[f64], fast: u32, slow: u32, signal: u32) -> Result<MacdLines, KernelError> {
        wit::macd(values, fast, slow, signal)
            .map(|l| MacdLines { macd: l.macd, signal: l.signal, hist: l.hist })
            .map_err(error)
    }
    pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Column {
        wit::true_range(high, low, close).map_err(error)
    }
    pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: u32) -> Column {
        wit::atr(high, low, close, period).map_err(error)
    }
    pub fn bollinger(values: &[f64], period: u32, up: f64, down: f64) -> Result<Bands, KernelError> {
        wit::bollinger(values, period, up, down)
            .map(|b| Bands { upper: b.upper, middle: b.middle, lower: b.lower })
            .map_err(error)
    }
    pub fn log_return(values: &[f64], lag: u32) -> Column {
        wit::log_return(values, lag).map_err(error)
    }
    pub fn pct_change(values: &[f64], lag: u32) -> Column {
        wit::pct_change(values, lag).map_err(error)
    }
    pub fn diff(values: &[f64], lag: u32) -> Column {
        wit::diff(values, lag).map_err(error)
    }
    pub fn shift(values: &[f64], lag: u32) -> Column {
        wit::shift(values, lag).map_err(error)
    }
    pub fn cumulative_sum(values: &[f64]) -> Column {
        wit::cumulative_sum(values).map_err(error)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{Bands, Column, Deviation, KernelError, MacdLines};
    use candlewick_kernels as k;

    fn error(err: k::KernelError) -> KernelError {
        KernelError::InvalidArgument(err.to_string())
    }

    fn deviation(d: Deviation) -> k::Deviation {
        match d {
            Deviation::Population => k::Deviation::Population,
            Deviation::Sample => k::Deviation::Sample,
        }
    }

    pub fn rolling_sum(values: &[f64], period: u32) -> Column {
        k::rolling_sum(values, period).map_err(error)
    }
    pub fn rolling_mean(values: &[f64], period: u32) -> Column {
        k::rolling_mean(values, period).map_err(error)
    }
    pub fn rolling_var(values: &[f64], period: u32, d: Deviation) -> Column {
        k::rolling_var(values, period, deviation(d)).map_err(error)
    }
    pub fn rolling_std(values: &[f64], period: u32, d: Deviation) -> Column {
        k::rolling_std(values, period, deviation(d)).map_err(error)
    }
    pub fn rolling_min(values: &[f64], period: u32) -> Column {
        k::rolling_min(values, period).map_err(error)
    }
    pub fn rolling_max(values: &[f64], period: u32) -> Column {
        k::rolling_max(values, period).map_err(error)
    }
    pub fn rolling_argmin(values: &[f64], period: u32) -> Column {
        k::rolling_argmin(values, period).map_err(error)
    }
    pub fn rolling_argmax(values: &[f64], period: u32) -> Column {
        k::rolling_argmax(values, period).map_err(error)
    }
    pub fn rolling_rank(values: &[f64], period: u32) -> Column {
        k::rolling_rank(values, period).map_err(error)
    }
    pub fn zscore(values: &[f64], period: u32, d: Deviation) -> Column {
        k::zscore(values, period, deviation(d)).map_err(error)
    }
    pub fn ema(values: &[f64], period: u32) -> Column {
        k::ema(values, period).map_err(error)
    }
    pub fn wilder(values: &[f64], period: u32) -> Column {
        k::wilder(values, period).map_err(error)
    }
    pub fn rsi(values: &[f64], period: u32) -> Column {
        k::rsi(values, period).map_err(error)
    }
    pub fn macd(values: &[f64], fast: u32, slow: u32, signal: u32) -> Result<MacdLines, KernelError> {
        k::macd(values, fast, slow, signal)
            .map(|l| MacdLines { macd: l.macd, signal: l.signal, hist: l.hist })
            .map_err(error)
    }
    pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Column {
        k::true_range(high, low, close).map_err(error)
    }
    pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: u32) -> Column {
        k::atr(high, low, close, period).map_err(error)
    }
    pub fn bollinger(values: &[f64], period: u32, up: f64, down: f64) -> Result<Bands, KernelError> {
        k::bollinger(values, period, up, down)
            .map(|b| Bands { upper: b.upper, middle: b.middle, lower: b.lower })
            .map_err(error)
    }
    pub fn log_return(values: &[f64], lag: u32) -> Column {
        k::log_return(values, lag).map_err(error)
    }
    pub fn pct_change(values: &[f64], lag: u32) -> Column {
        k::pct_change(values, lag).map_err(error)
    }
    pub fn diff(values: &[f64], lag: u32) -> Column {
        k::diff(values, lag).map_err(error)
    }
    pub fn shift(values: &[f64], lag: u32) -> Column {
        k::shift(values, lag).map_err(error)
    }
    pub fn cumulative_sum(values: &[f64]) -> Column {
        k::cumulative_sum(values).map_err(error)
    }
}
