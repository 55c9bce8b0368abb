//! Log returns and their rolling standard deviation: the two features TA-Lib does not provide.
//!
//! Both return one value per input bar, NaN where there is none yet, like the TA-Lib columns after
//! alignment.

/// `ln(close[t] / close[t-1])` at every bar; NaN at the first, which has no previous close.
pub fn log_returns(close: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(close.len());
    if !close.is_empty() {
        out.push(f64::NAN);
    }
    out.extend(close.windows(2).map(|w| (w[1] / w[0]).ln()));
    out
}

/// The standard deviation of the last `window` values at every index, dividing the sum of squared
/// deviations by `window - ddof` (`ddof` 1: the sample estimate; 0: the population's). NaN until the
/// window is full, and while it holds a value that is not finite — so over [`log_returns`] the first
/// value is at index `window`.
///
/// The window slides in O(1) per bar with Welford's update (mean and sum of squared deviations, not
/// raw sums of squares, which cancel catastrophically when the mean is large against the spread), so
/// a window of up to `MAX_PERIOD_BARS` over years of minute bars stays linear. The sums are summed
/// afresh every `window` bars, which costs O(1) per bar amortized and keeps rounding from drifting
/// over a long series, and once a non-finite value has left the window.
pub fn rolling_std(values: &[f64], window: usize, ddof: usize) -> Vec<f64> {
    assert!(window > ddof, "window {window} must exceed ddof {ddof}");
    let mut out = vec![f64::NAN; values.len()];
    let n = window as f64;
    // Mean, sum of squared deviations, and bars slid since they were summed afresh; `None` while the
    // window is not full of finite values.
    let mut sums: Option<(f64, f64, usize)> = None;
    let mut finite_run = 0;
    for (i, &x) in values.iter().enumerate() {
        finite_run = if x.is_finite() { finite_run + 1 } else { 0 };
        if finite_run < window {
            sums = None;
            continue;
        }
        let (mean, m2, slid) = match sums {
            Some((mean, m2, slid)) if slid < window => {
                let old = values[i - window];
                let new_mean = mean + (x - old) / n;
                (new_mean, m2 + (x - old) * (x - new_mean + old - mean), slid + 1)
            }
            _ => {
                let w = &values[i + 1 - window..=i];
                let mean = w.iter().sum::<f64>() / n;
                (mean, w.iter().map(|v| (v - mean) * (v - mean)).sum(), 0)
            }
        };
        sums = Some((mean, m2, slid));
        // Rounding can take a zero sum of squares a hair below 0.
        out[i] = (m2.max(0.0) / (window - ddof) as f64).sqrt();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "lengths of {actual:?} and {expected:?}");
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            let same = (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-12 * e.abs().max(1.0);
            assert!(same, "index {i}: got {a}, expected {e}");
        }
    }

    #[test]
    fn log_returns_are_ln_of_ratios_with_nan_first() {
        let close = [100.0, 110.0, 99.0, 99.0];
        assert_close(&log_returns(&close), &[f64::NAN, 1.1f64.ln(), 0.9f64.ln(), 0.0]);
    }

    #[test]
    fn log_returns_of_empty_and_single_bar() {
        assert!(log_returns(&[]).is_empty());
        assert_close(&log_returns(&[5.0]), &[f64::NAN]);
    }

    #[test]
    fn rolling_std_sample_matches_hand_computation() {
        // Windows of 3: [1, 2, 4] mean 7/3, squares 16/9 + 1/9 + 25/9 = 42/9, / 2 = 7/3;
        // [2, 4, 8] mean 14/3, squares 64/9 + 4/9 + 100/9 = 168/9, / 2 = 28/3.
        let got = rolling_std(&[1.0, 2.0, 4.0, 8.0], 3, 1);
        assert_close(&got, &[f64::NAN, f64::NAN, (7.0f64 / 3.0).sqrt(), (28.0f64 / 3.0).sqrt()]);
    }

    #[test]
    fn rolling_std_population_divides_by_window() {
        let got = rolling_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 8, 0);
        assert_close(&got[7..], &[2.0]);
    }

    #[test]
    fn rolling_std_is_nan_while_window_holds_nan() {
        let got = rolling_std(&[f64::NAN, 1.0, 3.0, 5.0], 2, 1);
        assert_close(&got, &[f64::NAN, f64::NAN, 2f64.sqrt(), 2f64.sqrt()]);
    }

    #[test]
    fn rolling_std_restarts_after_non_finite_leaves_window() {
        let got = rolling_std(&[1.0, f64::INFINITY, 1.0, 3.0, 5.0], 2, 1);
        assert_close(&got, &[f64::NAN, f64::NAN, f64::NAN, 2f64.sqrt(), 2f64.sqrt()]);
    }

    #[test]
    fn rolling_std_sliding_agrees_with_fresh_sums() {
        // A deterministic wiggle around a large level, where raw sums of squares would lose digits.
        let values: Vec<f64> = (0..2000).map(|i| 1.0e4 + ((i * 7919) % 101) as f64 * 0.01).collect();
        for window in [2, 3, 20, 499, 2000] {
            let got = rolling_std(&values, window, 1);
            let expected: Vec<f64> = (0..values.len())
                .map(|i| {
                    if i + 1 < window {
                        return f64::NAN;
                    }
                    let w = &values[i + 1 - window..=i];
                    let mean = w.iter().sum::<f64>() / window as f64;
                    let squares: f64 = w.iter().map(|v| (v - mean) * (v - mean)).sum();
                    (squares / (window - 1) as f64).sqrt()
                })
                .collect();
            for (i, (a, e)) in got.iter().zip(&expected).enumerate() {
                let same = (a.is_nan() && e.is_nan()) || (a - e).abs() <= 1e-10 * e.abs();
                assert!(same, "window {window}, index {i}: got {a}, expected {e}");
            }
        }
    }

    #[test]
    fn rolling_std_shorter_than_window_is_all_nan() {
        assert_close(&rolling_std(&[1.0, 2.0], 3, 1), &[f64::NAN, f64::NAN]);
    }

    #[test]
    fn volatility_of_log_returns_matches_hand_computation() {
        // Returns ln 2, ln 2, ln 0.5 have mean ln2 / 3, deviations (2/3, 2/3, -4/3) ln 2, and sample
        // variance (4/9 + 4/9 + 16/9) (ln 2)^2 / 2 = 4/3 (ln 2)^2.
        let returns = log_returns(&[1.0, 2.0, 4.0, 2.0]);
        let got = rolling_std(&returns, 3, 1);
        let expected = (4.0f64 / 3.0).sqrt() * 2f64.ln();
        assert_close(&got, &[f64::NAN, f64::NAN, f64::NAN, expected]);
    }
}
