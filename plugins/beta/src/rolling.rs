//! Log returns and their rolling beta and correlation, from plain columns.

/// The output columns, in the order `build` returns them.
pub const OUTPUTS: [&str; 3] = ["beta", "correlation", "reference_log_return"];

/// `ln(close[i] / close[i − 1])` per bar; NaN at the first bar and wherever either close is NaN.
pub fn log_returns(close: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(close.len());
    out.extend(close.first().map(|_| f64::NAN));
    out.extend(close.windows(2).map(|pair| (pair[1] / pair[0]).ln()));
    out
}

/// Rolling beta and correlation of `unit` returns to `reference` returns (same length, one value
/// per bar), each over the `window` returns ending at the bar:
///
/// - beta = cov(unit, reference) / var(reference), the slope of the least-squares line of the unit's
///   returns on the reference's;
/// - correlation = cov(unit, reference) / (sd(unit) × sd(reference)), Pearson's.
///
/// Both are ratios, so the normalisation of the covariance (`n` or `n − 1`) cancels. NaN until
/// `window` returns are there, while any return in the window is NaN, and where a variance in the
/// denominator is 0. Each window is computed afresh with centred sums (two passes), which stays
/// accurate whatever the level of the returns, at `window` operations per bar.
pub fn beta_and_correlation(unit: &[f64], reference: &[f64], window: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(unit.len(), reference.len(), "return columns of unequal lengths");
    assert!(window >= 2, "a window of {window} returns (expected at least 2)");
    let n = unit.len();
    let (mut beta, mut correlation) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    for end in window.saturating_sub(1)..n {
        let (y, x) = (&unit[end + 1 - window..=end], &reference[end + 1 - window..=end]);
        if y.iter().chain(x).any(|v| !v.is_finite()) {
            continue;
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / window as f64;
        let (my, mx) = (mean(y), mean(x));
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (&yi, &xi) in y.iter().zip(x) {
            let (dy, dx) = (yi - my, xi - mx);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if sxx > 0.0 {
            beta[end] = sxy / sxx;
            if syy > 0.0 {
                correlation[end] = sxy / (sxx * syy).sqrt();
            }
        }
    }
    (beta, correlation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn log_returns_start_with_nan() {
        let r = log_returns(&[100.0, 110.0, f64::NAN, 99.0]);
        assert!(r[0].is_nan() && r[2].is_nan() && r[3].is_nan());
        assert!(close(r[1], (1.1f64).ln()));
        assert!(log_returns(&[]).is_empty());
    }

    #[test]
    fn a_scaled_series_has_that_beta_and_full_correlation() {
        let x = [0.01, -0.02, 0.015, 0.003, -0.007];
        let y: Vec<f64> = x.iter().map(|v| -2.0 * v + 0.001).collect();
        let (beta, corr) = beta_and_correlation(&y, &x, 3);
        assert!(beta[..2].iter().chain(&corr[..2]).all(|v| v.is_nan()));
        for i in 2..5 {
            assert!(close(beta[i], -2.0) && close(corr[i], -1.0), "{i}: {} {}", beta[i], corr[i]);
        }
    }

    #[test]
    fn beta_and_correlation_by_hand() {
        // x = (1, 2, 3), y = (1, 3, 2): means 2 and 2; Σdxdy = (−1)(−1) + 0 + (1)(0) = 1,
        // Σdx² = 2, Σdy² = 2: beta 1/2, correlation 1/2.
        let (beta, corr) = beta_and_correlation(&[1.0, 3.0, 2.0], &[1.0, 2.0, 3.0], 3);
        assert!(close(beta[2], 0.5) && close(corr[2], 0.5), "{beta:?} {corr:?}");
    }

    #[test]
    fn a_nan_in_the_window_or_a_flat_reference_gives_nan() {
        let x = [f64::NAN, 0.01, 0.02, 0.03, 0.0, 0.0, 0.0];
        let y = [0.0, 0.01, 0.03, 0.02, 0.01, 0.02, 0.03];
        let (beta, corr) = beta_and_correlation(&y, &x, 3);
        assert!(beta[2].is_nan(), "the window holds the NaN");
        assert!(beta[3].is_finite() && corr[3].is_finite());
        assert!(beta[6].is_nan() && corr[6].is_nan(), "flat reference: no variance");
        let (beta, corr) = beta_and_correlation(&[0.0; 3], &[0.01, 0.02, 0.03], 3);
        assert!(close(beta[2], 0.0) && corr[2].is_nan(), "flat unit: beta 0, no correlation");
    }
}
