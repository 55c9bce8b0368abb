//! Candlewick's native kernels: the numeric work of a plugin — rolling windows, smoothing, TA-Lib's
//! indicators, returns — as pure functions over `f64` columns, which the host serves to plugins
//! through the `kernels` interface of `candlewick:market-data@0.2.0` (`wit/kernels.wit`, whose
//! doc comments are the contract; the README's "Native kernels" section lists every kernel's
//! formula and source).
//!
//! Conventions, the same for every kernel:
//!
//! - **Shape.** Each output column has the input's length; its value at `i` belongs to bar `i`.
//!   NaN marks a bar without a value: the first `look-back` bars (TA-Lib's `*_Lookback` where
//!   TA-Lib has the function).
//! - **NaN in the input** splits it into runs of values. Window and recursive kernels run on each
//!   run on its own, as if it were the whole column (so a window never spans a NaN, an EMA seeds
//!   afresh after one, and the leading NaNs of another kernel's warm-up are skipped). Element-wise
//!   kernels are NaN where an operand is; [`cumulative_sum`] skips a NaN.
//! - **Sources.** TA-Lib's functions are the `ta-lib` crate's (0.8, the official Rust port,
//!   generated from the same definitions as C TA-Lib). [`rsi`] answers C TA-Lib's 0, not the
//!   crate's 50, where there was neither a gain nor a loss (0/0).
//! - **Arguments** out of range are a [`KernelError`] naming the kernel, the argument, its value
//!   and the range; nothing is computed.

mod own;
mod runs;
mod view;

pub use view::View;

use std::fmt;

use ta_lib::{Core, MAType};

use runs::{per_bar_run, per_run, per_run3, value_runs};

/// The longest period or lag a kernel takes: TA-Lib's bound on every period.
pub const MAX_PERIOD: u32 = 100_000;

/// The longest column a kernel takes: TA-Lib's index limit (`Core::INDEX_MAX`), 100M values.
pub const MAX_VALUES: usize = Core::INDEX_MAX;

/// Why a kernel computed nothing: one line naming the kernel, the argument, its value and what
/// was expected, such as `rsi: period 1 is out of range 2..=100000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError {
    message: String,
}

impl KernelError {
    fn new(kernel: &str, problem: impl fmt::Display) -> KernelError {
        KernelError { message: format!("{kernel}: {problem}") }
    }

    /// The message, as [`Display`](fmt::Display) shows it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KernelError {}

/// Which variance and standard deviation: the sum of squared deviations from the window's mean
/// divided by `n` or by `n − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deviation {
    /// Divide by n: TA-Lib's `VAR` and `STDDEV`, and Bollinger Bands.
    Population,
    /// Divide by n − 1: pandas' default (`ddof=1`).
    Sample,
}

/// MACD's three lines.
#[derive(Debug, Clone, PartialEq)]
pub struct MacdLines {
    /// Fast EMA − slow EMA.
    pub macd: Vec<f64>,
    /// EMA of `macd` over the signal period.
    pub signal: Vec<f64>,
    /// `macd` − `signal`.
    pub hist: Vec<f64>,
}

/// Bollinger Bands.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// `middle` + deviations up × the window's population standard deviation.
    pub upper: Vec<f64>,
    /// The window's simple moving average.
    pub middle: Vec<f64>,
    /// `middle` − deviations down × that deviation.
    pub lower: Vec<f64>,
}

type Column = Result<Vec<f64>, KernelError>;

/// `value` as TA-Lib's `i32` period, if it is within `min..=MAX_PERIOD`.
fn period(kernel: &str, name: &str, value: u32, min: u32) -> Result<i32, KernelError> {
    if (min..=MAX_PERIOD).contains(&value) {
        Ok(value as i32)
    } else {
        Err(KernelError::new(kernel, format!("{name} {value} is out of range {min}..={MAX_PERIOD}")))
    }
}

fn length(kernel: &str, values: &[f64]) -> Result<(), KernelError> {
    if values.len() > MAX_VALUES {
        return Err(KernelError::new(
            kernel,
            format!("a column of {} values is longer than the {MAX_VALUES} a kernel takes", values.len()),
        ));
    }
    Ok(())
}

fn same_lengths(kernel: &str, high: &[f64], low: &[f64], close: &[f64]) -> Result<(), KernelError> {
    if high.len() != close.len() || low.len() != close.len() {
        return Err(KernelError::new(
            kernel,
            format!(
                "columns of different lengths: high {}, low {}, close {} (expected one value per bar in each)",
                high.len(),
                low.len(),
                close.len()
            ),
        ));
    }
    length(kernel, close)
}

fn finite(kernel: &str, name: &str, value: f64) -> Result<f64, KernelError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(KernelError::new(kernel, format!("{name} {value} is not a finite number")))
    }
}

fn core() -> Core {
    Core::new()
}

/// Sum of the last `period` values (TA-Lib `SUM`; a period of 1 is the column itself).
/// `period` 1..=100000; look-back `period − 1`.
pub fn rolling_sum(values: &[f64], period: u32) -> Column {
    let p = self::period("rolling-sum", "period", period, 1)?;
    length("rolling-sum", values)?;
    if p == 1 {
        return Ok(values.to_vec());
    }
    let core = core();
    per_run("rolling-sum", values, p as usize - 1, |x, out| core.sum(0, x.len() - 1, x, p, out))
}

/// Mean of the last `period` values, the simple moving average (TA-Lib `SMA`). `period`
/// 1..=100000; look-back `period − 1`.
pub fn rolling_mean(values: &[f64], period: u32) -> Column {
    let p = self::period("rolling-mean", "period", period, 1)?;
    length("rolling-mean", values)?;
    let core = core();
    per_run("rolling-mean", values, p as usize - 1, |x, out| core.sma(0, x.len() - 1, x, p, out))
}

fn var_kernel(kernel: &'static str, values: &[f64], period: u32, deviation: Deviation) -> Column {
    let min = match deviation {
        Deviation::Population => 1,
        Deviation::Sample => 2,
    };
    let p = self::period(kernel, "period", period, min)?;
    length(kernel, values)?;
    let core = core();
    let mut var = per_run(kernel, values, p as usize - 1, |x, out| core.var(0, x.len() - 1, x, p, 1.0, out))?;
    if deviation == Deviation::Sample {
        let scale = f64::from(p) / f64::from(p - 1);
        var.iter_mut().for_each(|v| *v *= scale);
    }
    Ok(var)
}

/// Variance of the last `period` values (TA-Lib `VAR`, population; the sample's is that × n /
/// (n − 1)). `period` 1..=100000 (population) or 2..=100000 (sample); look-back `period − 1`.
pub fn rolling_var(values: &[f64], period: u32, deviation: Deviation) -> Column {
    var_kernel("rolling-var", values, period, deviation)
}

/// Standard deviation of the last `period` values: the square root of [`rolling_var`] (the
/// population's is TA-Lib `STDDEV` with one deviation). Arguments as [`rolling_var`].
pub fn rolling_std(values: &[f64], period: u32, deviation: Deviation) -> Column {
    let mut out = var_kernel("rolling-std", values, period, deviation)?;
    out.iter_mut().for_each(|v| *v = v.sqrt());
    Ok(out)
}

/// Lowest of the last `period` values (TA-Lib `MIN`). `period` 2..=100000; look-back `period − 1`.
pub fn rolling_min(values: &[f64], period: u32) -> Column {
    let p = self::period("rolling-min", "period", period, 2)?;
    length("rolling-min", values)?;
    let core = core();
    per_run("rolling-min", values, p as usize - 1, |x, out| core.min(0, x.len() - 1, x, p, out))
}

/// Highest of the last `period` values (TA-Lib `MAX`). `period` 2..=100000; look-back
/// `period − 1`.
pub fn rolling_max(values: &[f64], period: u32) -> Column {
    let p = self::period("rolling-max", "period", period, 2)?;
    length("rolling-max", values)?;
    let core = core();
    per_run("rolling-max", values, p as usize - 1, |x, out| core.max(0, x.len() - 1, x, p, out))
}

fn index_kernel(kernel: &'static str, values: &[f64], period: u32, lowest: bool) -> Column {
    let p = self::period(kernel, "period", period, 2)?;
    length(kernel, values)?;
    let core = core();
    let lookback = p as usize - 1;
    let mut out = vec![f64::NAN; values.len()];
    let mut index = Vec::new();
    for run in value_runs(values) {
        let x = &values[run.clone()];
        if x.len() <= lookback {
            continue;
        }
        index.clear();
        index.resize(x.len() - lookback, 0i32);
        let range = if lowest {
            core.minindex(0, x.len() - 1, x, p, &mut index)
        } else {
            core.maxindex(0, x.len() - 1, x, p, &mut index)
        }
        .map_err(|code| runs::refused(kernel, code))?;
        for (k, &at) in index[..range.count].iter().enumerate() {
            out[run.start + range.beg_idx + k] = (run.start + at as usize) as f64;
        }
    }
    Ok(out)
}

/// Index (0-based, into `values`) of the lowest of the last `period` values; a tie names the
/// newest (TA-Lib `MININDEX`). `period` 2..=100000; look-back `period − 1`.
pub fn rolling_argmin(values: &[f64], period: u32) -> Column {
    index_kernel("rolling-argmin", values, period, true)
}

/// Index of the highest of the last `period` values; a tie names the newest (TA-Lib `MAXINDEX`).
/// `period` 2..=100000; look-back `period − 1`.
pub fn rolling_argmax(values: &[f64], period: u32) -> Column {
    index_kernel("rolling-argmax", values, period, false)
}

/// Rank of each value among the last `period` values: 1 for the lowest, ties given their average
/// rank (pandas' `rolling(period).rank()`). `period` 2..=100000; look-back `period − 1`.
pub fn rolling_rank(values: &[f64], period: u32) -> Column {
    let p = self::period("rolling-rank", "period", period, 2)? as usize;
    length("rolling-rank", values)?;
    let mut out = vec![f64::NAN; values.len()];
    for run in value_runs(values) {
        own::rank_run(&values[run.clone()], p, &mut out[run]);
    }
    Ok(out)
}

/// Z-score of each value within the last `period` values: (x − mean) / standard deviation of the
/// window ([`rolling_mean`], [`rolling_std`] with `deviation`); NaN where that deviation is 0.
/// `period` 2..=100000; look-back `period − 1`.
pub fn zscore(values: &[f64], period: u32, deviation: Deviation) -> Column {
    self::period("zscore", "period", period, 2)?;
    length("zscore", values)?;
    let mean = rolling_mean(values, period)?;
    let mut out = var_kernel("zscore", values, period, deviation)?;
    for ((z, &x), &m) in out.iter_mut().zip(values).zip(&mean) {
        let sd = z.sqrt();
        *z = if sd > 0.0 { (x - m) / sd } else { f64::NAN };
    }
    Ok(out)
}

/// Exponential moving average, k = 2 / (period + 1), seeded with the mean of the first `period`
/// values (TA-Lib `EMA`). `period` 1..=100000; look-back `period − 1`.
pub fn ema(values: &[f64], period: u32) -> Column {
    let p = self::period("ema", "period", period, 1)?;
    length("ema", values)?;
    let core = core();
    per_run("ema", values, p as usize - 1, |x, out| core.ema(0, x.len() - 1, x, p, out))
}

/// Wilder's smoothing: seeded with the mean of the first `period` values, then
/// s = (s·(period − 1) + x) / period (the smoothing of TA-Lib's `ATR`, step for step). `period`
/// 1..=100000; look-back `period − 1`.
pub fn wilder(values: &[f64], period: u32) -> Column {
    let p = self::period("wilder", "period", period, 1)? as usize;
    length("wilder", values)?;
    let mut out = vec![f64::NAN; values.len()];
    for run in value_runs(values) {
        own::wilder_run(&values[run.clone()], p, &mut out[run]);
    }
    Ok(out)
}

/// Wilder's relative strength index, 0..=100 (TA-Lib `RSI`); 0 where the smoothed gain and loss
/// are both 0, C TA-Lib's answer (the `ta-lib` crate's is 50). `period` 2..=100000; look-back
/// `period`.
pub fn rsi(values: &[f64], period: u32) -> Column {
    let p = self::period("rsi", "period", period, 2)? as usize;
    length("rsi", values)?;
    let mut out = vec![f64::NAN; values.len()];
    for run in value_runs(values) {
        own::rsi_run(&values[run.clone()], p, &mut out[run]);
    }
    Ok(out)
}

/// MACD (TA-Lib `MACD`): fast EMA − slow EMA, its signal EMA, the histogram. TA-Lib starts both
/// EMAs at the slow one's first bar: look-back `slow − 1 + signal − 1`. `fast` 2..=100000 and
/// below `slow`, `slow` 2..=100000, `signal` 1..=100000.
pub fn macd(values: &[f64], fast: u32, slow: u32, signal: u32) -> Result<MacdLines, KernelError> {
    let f = period("macd", "fast period", fast, 2)?;
    let s = period("macd", "slow period", slow, 2)?;
    let g = period("macd", "signal period", signal, 1)?;
    if f >= s {
        return Err(KernelError::new("macd", format!("fast period {fast} must be below slow period {slow}")));
    }
    length("macd", values)?;
    let core = core();
    let lookback = core.macd_lookback(f, s, g).map_err(|code| runs::refused("macd", code))?;
    let [macd, signal, hist] =
        per_run3("macd", values, lookback, |x, a, b, c| core.macd(0, x.len() - 1, x, f, s, g, a, b, c))?;
    Ok(MacdLines { macd, signal, hist })
}

/// True range: max(high, previous close) − min(low, previous close) (TA-Lib `TRANGE`). Look-back 1.
pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Column {
    same_lengths("true-range", high, low, close)?;
    let core = core();
    per_bar_run("true-range", high, low, close, 1, |h, l, c, out| core.trange(0, c.len() - 1, h, l, c, out))
}

/// Average true range: Wilder's smoothing of the true range (TA-Lib `ATR`). `period` 1..=100000;
/// look-back `period`.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: u32) -> Column {
    let p = self::period("atr", "period", period, 1)?;
    same_lengths("atr", high, low, close)?;
    let core = core();
    let lookback = core.atr_lookback(p).map_err(|code| runs::refused("atr", code))?;
    per_bar_run("atr", high, low, close, lookback, |h, l, c, out| core.atr(0, c.len() - 1, h, l, c, p, out))
}

/// Bollinger Bands over the simple moving average and the window's population standard deviation
/// (TA-Lib `BBANDS`, MA type SMA). `period` 2..=100000, multipliers finite; look-back `period − 1`.
pub fn bollinger(
    values: &[f64],
    period: u32,
    deviations_up: f64,
    deviations_down: f64,
) -> Result<Bands, KernelError> {
    let p = self::period("bollinger", "period", period, 2)?;
    let up = finite("bollinger", "deviations-up", deviations_up)?;
    let down = finite("bollinger", "deviations-down", deviations_down)?;
    length("bollinger", values)?;
    let core = core();
    let [upper, middle, lower] = per_run3("bollinger", values, p as usize - 1, |x, a, b, c| {
        core.bbands(0, x.len() - 1, x, p, up, down, MAType::SMA, a, b, c)
    })?;
    Ok(Bands { upper, middle, lower })
}

/// `f(x[t], x[t − lag])` at every bar from `lag` on, NaN before it and where an operand is NaN.
fn lagged(kernel: &str, values: &[f64], lag: u32, min: u32, f: impl Fn(f64, f64) -> f64) -> Column {
    let lag = period(kernel, "lag", lag, min)? as usize;
    length(kernel, values)?;
    let mut out = vec![f64::NAN; values.len()];
    if values.len() > lag {
        for ((o, &now), &then) in out[lag..].iter_mut().zip(&values[lag..]).zip(values) {
            if !(now.is_nan() || then.is_nan()) {
                *o = f(now, then);
            }
        }
    }
    Ok(out)
}

/// ln(x[t] / x[t − lag]); NaN unless both are > 0. `lag` 1..=100000; look-back `lag`.
pub fn log_return(values: &[f64], lag: u32) -> Column {
    lagged(
        "log-return",
        values,
        lag,
        1,
        |now, then| {
            if now > 0.0 && then > 0.0 { (now / then).ln() } else { f64::NAN }
        },
    )
}

/// (x[t] − x[t − lag]) / x[t − lag], a fraction; 0 where x[t − lag] is 0 (TA-Lib `ROCP`'s
/// arithmetic and its 0/0 answer). `lag` 1..=100000; look-back `lag`.
pub fn pct_change(values: &[f64], lag: u32) -> Column {
    lagged("pct-change", values, lag, 1, |now, then| if then != 0.0 { (now - then) / then } else { 0.0 })
}

/// x[t] − x[t − lag] (TA-Lib `MOM`'s arithmetic). `lag` 1..=100000; look-back `lag`.
pub fn diff(values: &[f64], lag: u32) -> Column {
    lagged("diff", values, lag, 1, |now, then| now - then)
}

/// x[t − lag], NaN over the first `lag` bars: past values only. `lag` 0..=100000.
pub fn shift(values: &[f64], lag: u32) -> Column {
    let lag = period("shift", "lag", lag, 0)? as usize;
    length("shift", values)?;
    let mut out = vec![f64::NAN; values.len()];
    if values.len() > lag {
        out[lag..].copy_from_slice(&values[..values.len() - lag]);
    }
    Ok(out)
}

/// The arithmetic of [`combine`], [`combine_scalar`] and [`combine_reversed`], IEEE 754's: x / 0
/// is ±inf, 0 / 0 is NaN, NaN propagates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// x + y.
    Add,
    /// x − y.
    Subtract,
    /// x × y.
    Multiply,
    /// x / y.
    Divide,
}

impl Operator {
    /// `x op y`.
    pub fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            Operator::Add => x + y,
            Operator::Subtract => x - y,
            Operator::Multiply => x * y,
            Operator::Divide => x / y,
        }
    }
}

/// `x[i] op y[i]` for every bar; columns of different lengths are refused.
pub fn combine(x: &[f64], op: Operator, y: &[f64]) -> Column {
    if x.len() != y.len() {
        return Err(KernelError::new(
            "combine",
            format!("columns of {} and {} values (expected one length)", x.len(), y.len()),
        ));
    }
    Ok(x.iter().zip(y).map(|(&x, &y)| op.apply(x, y)).collect())
}

/// `x[i] op value` for every bar.
pub fn combine_scalar(x: &[f64], op: Operator, value: f64) -> Column {
    Ok(x.iter().map(|&x| op.apply(x, value)).collect())
}

/// `value op x[i]` for every bar (`1 / x` is `combine_reversed(x, Divide, 1.0)`).
pub fn combine_reversed(x: &[f64], op: Operator, value: f64) -> Column {
    Ok(x.iter().map(|&x| op.apply(value, x)).collect())
}

/// The running sum from the first bar; a NaN is skipped (NaN at its bar, the sum carries on), as
/// pandas' `cumsum`.
pub fn cumulative_sum(values: &[f64]) -> Column {
    length("cumulative-sum", values)?;
    let mut total = 0.0;
    Ok(values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                return f64::NAN;
            }
            total += v;
            total
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_kernel_argument_value_and_range() {
        assert_eq!(rsi(&[1.0], 1).unwrap_err().to_string(), "rsi: period 1 is out of range 2..=100000");
        assert_eq!(
            rolling_mean(&[1.0], 0).unwrap_err().to_string(),
            "rolling-mean: period 0 is out of range 1..=100000"
        );
        assert_eq!(
            atr(&[1.0], &[1.0, 2.0], &[1.0], 14).unwrap_err().to_string(),
            "atr: columns of different lengths: high 1, low 2, close 1 (expected one value per bar in each)"
        );
        assert_eq!(
            macd(&[1.0], 26, 12, 9).unwrap_err().to_string(),
            "macd: fast period 26 must be below slow period 12"
        );
        assert_eq!(
            bollinger(&[1.0], 20, f64::NAN, 2.0).unwrap_err().to_string(),
            "bollinger: deviations-up NaN is not a finite number"
        );
        assert_eq!(
            rolling_std(&[1.0], 1, Deviation::Sample).unwrap_err().to_string(),
            "rolling-std: period 1 is out of range 2..=100000"
        );
        assert_eq!(
            shift(&[1.0], 100_001).unwrap_err().to_string(),
            "shift: lag 100001 is out of range 0..=100000"
        );
    }

    #[test]
    fn empty_columns_give_empty_columns() {
        assert!(rolling_mean(&[], 3).unwrap().is_empty());
        assert!(rsi(&[], 14).unwrap().is_empty());
        assert!(macd(&[], 12, 26, 9).unwrap().macd.is_empty());
        assert!(atr(&[], &[], &[], 14).unwrap().is_empty());
        assert!(rolling_argmax(&[], 3).unwrap().is_empty());
    }

    #[test]
    fn combine_is_ieee_754_element_by_element_and_refuses_unequal_lengths() {
        assert_eq!(
            combine(&[1.0, -1.0], Operator::Divide, &[0.0, 0.0]).unwrap(),
            [f64::INFINITY, f64::NEG_INFINITY]
        );
        assert!(combine(&[0.0], Operator::Divide, &[0.0]).unwrap()[0].is_nan());
        assert!(combine_scalar(&[f64::NAN], Operator::Add, 1.0).unwrap()[0].is_nan());
        assert_eq!(combine_scalar(&[1.0, 3.0], Operator::Subtract, 1.0).unwrap(), [0.0, 2.0]);
        assert_eq!(combine_reversed(&[1.0, 3.0], Operator::Subtract, 1.0).unwrap(), [0.0, -2.0]);
        assert_eq!(combine(&[1.5], Operator::Multiply, &[4.0]).unwrap(), [6.0]);
        assert_eq!(
            combine(&[1.0, 2.0], Operator::Add, &[1.0]).unwrap_err().message(),
            "combine: columns of 2 and 1 values (expected one length)"
        );
    }
}
