//! The features, from plain columns: the RSI of a series, values picked at the aligned read's
//! source bars, and the distance of a close to a high. Timestamps are µs since the Unix epoch.

use std::fmt;

use ta_lib::{Core, RetCode};

/// The output columns, in the order `build` returns them.
pub const OUTPUTS: [&str; 2] = ["daily_rsi", "prior_week_high_distance"];

/// TA-Lib refused a call. A validated period never causes it, so it means a bug here or there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsiError(pub RetCode);

impl fmt::Display for RsiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ta-lib rsi failed with {:?} (expected success for a validated period)", self.0)
    }
}

impl std::error::Error for RsiError {}

/// RSI (Wilder) of `closes` over `period` bars, one value per bar, NaN before TA-Lib's first value
/// (index `period`). TA-Lib's convention: the first average gain and loss are the means of the
/// first `period` changes, each later one `(previous × (period − 1) + change) / period`;
/// RSI = 100 × gain / (gain + loss). Source: TA-Lib `ta_RSI.c`; Wilder, *New Concepts in
/// Technical Trading Systems* (1978).
pub fn rsi(closes: &[f64], period: i32) -> Result<Vec<f64>, RsiError> {
    let n = closes.len();
    let mut out = vec![f64::NAN; n];
    let core = Core::new();
    let lookback = core.rsi_lookback(period).map_err(RsiError)?;
    if n <= lookback {
        return Ok(out);
    }
    // TA-Lib writes its first value, which belongs to bar `lookback`, at the buffer's start.
    let range = core.rsi(0, n - 1, closes, period, &mut out[lookback..]).map_err(RsiError)?;
    if range.beg_idx != lookback || range.beg_idx + range.count != n {
        return Err(RsiError(RetCode::InternalError));
    }
    Ok(out)
}

/// A row's source bar is not among the bars read: the aligned read and the range read disagree,
/// which the contract rules out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSource {
    /// The row's open time.
    pub row: i64,
    /// The source bar's open time the aligned read gave.
    pub source: i64,
}

impl fmt::Display for UnknownSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the aligned read gave the row at {} µs a bar at {} µs that the range read did not return \
             (expected every aligned bar among the series' bars)",
            self.row, self.source
        )
    }
}

impl std::error::Error for UnknownSource {}

/// Per row, the value of its source bar: `values[i]` belongs to the bar opening at `bar_ts[i]`
/// (ascending); a row without a source bar (`None`, before the series' first closed bar) is NaN.
pub fn at_sources(
    rows: &[i64],
    sources: &[Option<i64>],
    bar_ts: &[i64],
    values: &[f64],
) -> Result<Vec<f64>, UnknownSource> {
    rows.iter()
        .zip(sources)
        .map(|(&row, source)| match *source {
            None => Ok(f64::NAN),
            Some(source) => {
                bar_ts.binary_search(&source).map(|i| values[i]).map_err(|_| UnknownSource { row, source })
            }
        })
        .collect()
}

/// `(close − high) / high` per row: ≤ 0 while the close is below the high, a fraction (−0.01 is
/// 1 % below). NaN where the high is NaN (no closed bar yet) or not above 0.
pub fn high_distance(close: &[f64], high: &[f64]) -> Vec<f64> {
    close.iter().zip(high).map(|(&c, &h)| if h > 0.0 { (c - h) / h } else { f64::NAN }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TA-Lib's regression input (`tests/fixtures/talib`), whose published RSI(14) starts at
    /// 49.1473 at index 14 (TA-Lib `ta_regtest`, test_rsi.c).
    fn talib_regtest_closes() -> Vec<f64> {
        let text = include_str!("../../../tests/fixtures/talib/ta_regtest_daily_252.csv");
        text.lines().skip(1).map(|line| line.split(',').nth(4).unwrap().parse().unwrap()).collect()
    }

    #[test]
    fn rsi_matches_talibs_published_first_value() {
        let values = rsi(&talib_regtest_closes(), 14).unwrap();
        assert!(values[..14].iter().all(|v| v.is_nan()));
        assert!((values[14] - 49.1473).abs() < 5e-5, "{}", values[14]);
    }

    #[test]
    fn rsi_by_hand_on_three_changes() {
        // Changes +1, −1, +2: seed gain (1 + 0) / 2 = 0.5, loss 0.5 → 50; then gain
        // (0.5 × 1 + 2) / 2 = 1.25, loss (0.5 × 1 + 0) / 2 = 0.25 → 100 × 1.25 / 1.5.
        let values = rsi(&[10.0, 11.0, 10.0, 12.0], 2).unwrap();
        assert!(values[0].is_nan() && values[1].is_nan());
        assert!((values[2] - 50.0).abs() < 1e-12, "{values:?}");
        assert!((values[3] - 100.0 * 1.25 / 1.5).abs() < 1e-12, "{values:?}");
    }

    #[test]
    fn rsi_of_a_short_series_is_all_nan() {
        assert!(rsi(&[1.0, 2.0], 14).unwrap().iter().all(|v| v.is_nan()));
        assert!(rsi(&[], 14).unwrap().is_empty());
    }

    #[test]
    fn at_sources_picks_each_rows_bar_and_nan_before_the_first() {
        let values = at_sources(&[5, 6, 7], &[None, Some(20), Some(10)], &[10, 20], &[1.5, 2.5]).unwrap();
        assert!(values[0].is_nan());
        assert_eq!(&values[1..], &[2.5, 1.5]);
        assert_eq!(
            at_sources(&[5], &[Some(15)], &[10, 20], &[1.5, 2.5]),
            Err(UnknownSource { row: 5, source: 15 })
        );
    }

    #[test]
    fn high_distance_is_relative_to_the_high() {
        let d = high_distance(&[99.0, 101.0, 1.0, 1.0], &[100.0, 100.0, f64::NAN, 0.0]);
        assert!((d[0] + 0.01).abs() < 1e-15 && (d[1] - 0.01).abs() < 1e-15, "{d:?}");
        assert!(d[2].is_nan() && d[3].is_nan());
    }
}
