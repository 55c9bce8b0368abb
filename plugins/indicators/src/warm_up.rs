//! The warm-up the plan declares: for each column, its look-back plus, for the recursive
//! indicators, the bars it takes for the seed to stop mattering — so that a value at any bar does
//! not depend on where the window starts (the start-invariance rule, README).
//!
//! **The rule.** EMA, RSI (Wilder), ATR (Wilder) and MACD are recursive: TA-Lib seeds each with a
//! simple average at its look-back and then applies `s_t = s_{t-1} + α·(x_t − s_{t-1})`, so a seed
//! that differs by `d` (another window start seeds from other bars) still differs by
//! `d·(1 − α)^k` after `k` bars. TA-Lib calls these bars the function's *unstable period*
//! (`TA_SetUnstablePeriod`, TA-Lib's documentation, "Unstable period"). We read
//! [`decay_bars`]`(α)` = ⌈ln(ε) / ln(1 − α)⌉ bars beyond the look-back, the fewest with
//! `(1 − α)^k ≤ ε` for [`SEED_WEIGHT`] ε = 1e-12 (≈ 27.6 / α for small α): the seed's error is at
//! most the spread of the prices it was taken over, below the price itself, so the remaining error
//! is under 1e-12 of the value, a thousandth of the promised 1e-9. α is 2 / (n + 1) for EMA(n)
//! (TA-Lib's `ta_EMA.c`, `PER_TO_K`) and 1 / n for Wilder's smoothing of RSI(n) and ATR(n)
//! (Wilder, *New Concepts in Technical Trading Systems*, 1978; TA-Lib's `ta_RSI.c`, `ta_ATR.c`).
//! MACD's signal is an EMA of the MACD line, itself a difference of EMAs: both decays add up, the
//! slow EMA's and the signal's.
//!
//! Moving-window columns (SMA, Bollinger Bands, log returns, volatility) hold no state beyond
//! their window: their look-back suffices.

use ta_lib::{Core, MAType};

use crate::compute::{ComputeError, OUTPUTS};
use crate::params::Params;

/// ε: the weight a recursive indicator's seed may keep in a value the window reports: 1e-12, three
/// orders of magnitude below the promised relative agreement of 1e-9.
pub const SEED_WEIGHT: f64 = 1e-12;

/// The fewest bars `k` with `(1 − alpha)^k ≤ SEED_WEIGHT`: ⌈ln(ε) / ln(1 − α)⌉; 0 for `alpha` ≥ 1,
/// which keeps no state (an EMA of one bar, an ATR of one bar). `alpha` in (0, 1].
pub fn decay_bars(alpha: f64) -> usize {
    assert!(alpha > 0.0 && alpha <= 1.0, "smoothing factor {alpha} (expected 0 < α <= 1)");
    if alpha >= 1.0 {
        return 0;
    }
    // Both logarithms are negative; the quotient is at most about 27.7 / α ≈ 1.4 million bars for
    // the longest period, far inside `usize`.
    (SEED_WEIGHT.ln() / (-alpha).ln_1p()).ceil() as usize
}

/// The smoothing factor of TA-Lib's EMA of `period` bars: 2 / (period + 1).
fn ema_alpha(period: i32) -> f64 {
    2.0 / (f64::from(period) + 1.0)
}

/// The smoothing factor of Wilder's average over `period` bars: 1 / period.
fn wilder_alpha(period: i32) -> f64 {
    1.0 / f64::from(period)
}

/// Per column of [`OUTPUTS`], in that order, the bars before a bar that its value needs: the
/// look-back (TA-Lib's own look-back functions, so it cannot disagree with the values) plus, for
/// the recursive columns, the seed's decay.
pub fn warm_up_by_column(params: &Params) -> Result<[(&'static str, usize); 12], ComputeError> {
    let core = Core::new();
    let fail = |function| move |code| ComputeError::Lookback { function, code };
    let sma = core.sma_lookback(params.sma_period).map_err(fail("sma_lookback"))?;
    let ema = core.ema_lookback(params.ema_period).map_err(fail("ema_lookback"))?
        + decay_bars(ema_alpha(params.ema_period));
    let rsi = core.rsi_lookback(params.rsi_period).map_err(fail("rsi_lookback"))?
        + decay_bars(wilder_alpha(params.rsi_period));
    let macd = core
        .macd_lookback(params.macd_fast, params.macd_slow, params.macd_signal)
        .map_err(fail("macd_lookback"))?
        + decay_bars(ema_alpha(params.macd_slow))
        + decay_bars(ema_alpha(params.macd_signal));
    let atr = core.atr_lookback(params.atr_period).map_err(fail("atr_lookback"))?
        + decay_bars(wilder_alpha(params.atr_period));
    let k = params.bb_stddev;
    let bb = core.bbands_lookback(params.bb_period, k, k, MAType::SMA).map_err(fail("bbands_lookback"))?;
    // A volatility value needs `volatility_window` returns, and the first return a bar before it.
    let volatility = params.volatility_window as usize;
    let bars = [sma, ema, rsi, macd, macd, macd, atr, bb, bb, bb, 1, volatility];
    Ok(std::array::from_fn(|i| (OUTPUTS[i], bars[i])))
}

/// The warm-up of the plan: the most any column needs ([`warm_up_by_column`]).
pub fn warm_up_bars(params: &Params) -> Result<usize, ComputeError> {
    Ok(warm_up_by_column(params)?.iter().map(|(_, bars)| *bars).max().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bars for `(1 − α)^k ≤ 1e-12` by counting: multiply until the weight is small enough.
    fn counted(alpha: f64) -> usize {
        let (mut weight, mut k) = (1.0_f64, 0);
        while weight > SEED_WEIGHT {
            weight *= 1.0 - alpha;
            k += 1;
        }
        k
    }

    #[test]
    fn decay_bars_is_the_first_bar_the_seed_weight_is_below_epsilon() {
        for alpha in [2.0 / 21.0, 2.0 / 27.0, 2.0 / 10.0, 1.0 / 14.0, 0.5, 1e-3] {
            assert_eq!(decay_bars(alpha), counted(alpha), "alpha {alpha}");
        }
        assert_eq!(decay_bars(1.0), 0);
    }

    #[test]
    fn decay_bars_is_about_27_6_over_alpha_for_small_alpha() {
        // ln(1e12) = 27.63; -ln(1 − α) = α + α²/2 + …, so k is a little below 27.63 / α.
        let alpha = 2.0 / 201.0;
        let k = decay_bars(alpha) as f64;
        assert!(k <= 27.64 / alpha && k >= 27.63 / alpha - 0.5 * 27.63 - 1.0, "{k}");
    }

    #[test]
    fn defaults_need_517_bars_for_macd() {
        // MACD(12, 26, 9): TA-Lib's look-back 33, the slow EMA's decay (α = 2/27) 360 bars, the
        // signal's (α = 2/10) 124.
        assert_eq!((counted(2.0 / 27.0), counted(0.2)), (360, 124));
        assert_eq!(warm_up_bars(&Params::default()), Ok(33 + 360 + 124));
        let columns = warm_up_by_column(&Params::default()).unwrap();
        let expected = [
            ("sma", 19),
            ("ema", 19 + counted(2.0 / 21.0)),
            ("rsi", 14 + counted(1.0 / 14.0)),
            ("macd", 517),
            ("macd_signal", 517),
            ("macd_hist", 517),
            ("atr", 14 + counted(1.0 / 14.0)),
            ("bb_upper", 19),
            ("bb_middle", 19),
            ("bb_lower", 19),
            ("log_return", 1),
            ("volatility", 20),
        ];
        assert_eq!(columns, expected);
    }

    #[test]
    fn the_warm_up_follows_the_actual_parameters() {
        let params = Params { sma_period: 2000, ..Params::default() };
        assert_eq!(warm_up_bars(&params), Ok(1999));
        let params = Params { rsi_period: 30, ..Params::default() };
        assert_eq!(warm_up_bars(&params), Ok(30 + counted(1.0 / 30.0)));
        // EMA(1) and ATR(1) keep no state beyond one bar.
        let params = Params { ema_period: 1, atr_period: 1, ..Params::default() };
        let columns = warm_up_by_column(&params).unwrap();
        assert_eq!((columns[1], columns[6]), (("ema", 0), ("atr", 1)));
    }
}
