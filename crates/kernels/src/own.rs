//! The kernels TA-Lib does not have as such, or whose 0/0 answer differs between the `ta-lib`
//! crate and C TA-Lib: Wilder's smoothing, RSI, the rolling rank. Each runs over one run of
//! non-NaN values (the caller splits the column) and writes NaN over its look-back.

/// Wilder's smoothing over one run: the mean of the first `period` values at index `period − 1`,
/// then `s = β·s + α·x` with β = (period − 1) / period and α = 1 − β, the step of TA-Lib's `ATR`
/// (`ta_ATR.c`, one fused multiply-add) so that `wilder(true_range)` is `atr` bit for bit.
pub(crate) fn wilder_run(x: &[f64], period: usize, out: &mut [f64]) {
    out.fill(f64::NAN);
    if x.len() < period {
        return;
    }
    let beta = (period - 1) as f64 / period as f64;
    let alpha = 1.0 - beta;
    let mut s = x[..period].iter().fold(0.0, |total, v| total + v) / period as f64;
    out[period - 1] = s;
    for (o, &v) in out[period..].iter_mut().zip(&x[period..]) {
        s = beta.mul_add(s, alpha * v);
        *o = s;
    }
}

/// Wilder's RSI over one run, TA-Lib's `RSI` (`ta_RSI.c`) step for step — the same operations in
/// the same order as the `ta-lib` crate's, so every value is bit-identical to it — except where
/// the smoothed gain and loss are both 0 (no gain and no loss since the seed: 0/0). There C
/// TA-Lib answers 0 (`outReal = 0.0` when the total is zero) and the crate, since its issue
/// #480, 50; this answers C TA-Lib's 0.
pub(crate) fn rsi_run(x: &[f64], period: usize, out: &mut [f64]) {
    out.fill(f64::NAN);
    if x.len() <= period {
        return;
    }
    let inv = 1.0 / period as f64;
    let keep = (period - 1) as f64;
    let (mut gain, mut loss) = (0.0f64, 0.0f64);
    let mut prev = x[0];
    for &v in &x[1..=period] {
        let d = v - prev;
        prev = v;
        let up = if d > 0.0 { d } else { 0.0 };
        gain += up;
        loss += up - d;
    }
    loss *= inv;
    gain *= inv;
    let value = |gain: f64, loss: f64| {
        let total = gain + loss;
        if total > 0.0 { 100.0 * (gain / total) } else { 0.0 }
    };
    out[period] = value(gain, loss);
    for (o, &v) in out[period + 1..].iter_mut().zip(&x[period + 1..]) {
        let d = v - prev;
        prev = v;
        loss *= keep;
        gain *= keep;
        let up = if d > 0.0 { d } else { 0.0 };
        gain += up;
        loss += up - d;
        loss *= inv;
        gain *= inv;
        *o = value(gain, loss);
    }
}

/// The rank of each value among the last `period` values of one run (itself included): 1 for
/// the lowest, ties given the average of the ranks they span (pandas' `rolling(period).rank()`,
/// method "average"). A Fenwick tree of counts over the run's distinct values, slid one value in
/// and one out per bar: O(log n) per bar whatever the period.
pub(crate) fn rank_run(x: &[f64], period: usize, out: &mut [f64]) {
    out.fill(f64::NAN);
    if x.len() < period {
        return;
    }
    let mut distinct: Vec<f64> = x.to_vec();
    distinct.sort_by(|a, b| a.partial_cmp(b).expect("a run holds no NaN"));
    distinct.dedup();
    // 1-based positions in the tree.
    let position = |v: f64| distinct.partition_point(|d| *d < v) + 1;
    let slots: Vec<usize> = x.iter().map(|&v| position(v)).collect();
    let mut tree = vec![0u32; distinct.len() + 1];
    let add = |tree: &mut [u32], mut at: usize, delta: i32| {
        while at < tree.len() {
            tree[at] = tree[at].wrapping_add_signed(delta);
            at += at & at.wrapping_neg();
        }
    };
    let below_or_at = |tree: &[u32], mut at: usize| {
        let mut total = 0u32;
        while at > 0 {
            total += tree[at];
            at -= at & at.wrapping_neg();
        }
        total
    };
    for (i, &slot) in slots.iter().enumerate() {
        add(&mut tree, slot, 1);
        if i >= period {
            add(&mut tree, slots[i - period], -1);
        }
        if i + 1 >= period {
            let less = below_or_at(&tree, slot - 1) as f64;
            let equal = below_or_at(&tree, slot) as f64 - less;
            out[i] = less + (equal + 1.0) / 2.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&[f64], usize, &mut [f64]), x: &[f64], period: usize) -> Vec<f64> {
        let mut out = vec![0.0; x.len()];
        f(x, period, &mut out);
        out
    }

    #[test]
    fn wilder_seeds_with_the_mean_then_smooths() {
        // Period 2: seed (2 + 4) / 2 = 3 at index 1, then 3/2 + 8/2 = 5.5, 5.5/2 + 1/2 = 3.25.
        let out = run(wilder_run, &[2.0, 4.0, 8.0, 1.0], 2);
        assert!(out[0].is_nan());
        assert_eq!(&out[1..], &[3.0, 5.5, 3.25]);
    }

    #[test]
    fn rsi_of_a_flat_start_is_c_talib_zero_then_moves() {
        let out = run(rsi_run, &[5.0, 5.0, 5.0, 5.0, 6.0, 5.0], 3);
        assert!(out[..3].iter().all(|v| v.is_nan()), "{out:?}");
        assert_eq!(out[3], 0.0, "0/0 is C TA-Lib's 0");
        assert_eq!(out[4], 100.0, "only a gain");
        // gain (1/3)·(2/3) = 2/9, loss 1/3: 100 · (2/9) / (5/9) = 40.
        assert!((out[5] - 40.0).abs() < 1e-12, "{}", out[5]);
    }

    #[test]
    fn rank_averages_ties_and_slides() {
        // Windows of 3: [3,1,2] → 2 is 2nd; [1,2,2] → 2s share ranks 2,3 → 2.5; [2,2,5] → 3;
        // [2,5,1] → 1.
        let out = run(rank_run, &[3.0, 1.0, 2.0, 2.0, 5.0, 1.0], 3);
        assert!(out[..2].iter().all(|v| v.is_nan()));
        assert_eq!(&out[2..], &[2.0, 2.5, 3.0, 1.0]);
    }

    #[test]
    fn rank_matches_counting_on_a_long_series() {
        let x: Vec<f64> = (0..500).map(|i| ((i * 7919) % 37) as f64).collect();
        let out = run(rank_run, &x, 20);
        for i in 19..x.len() {
            let w = &x[i + 1 - 20..=i];
            let less = w.iter().filter(|v| **v < x[i]).count() as f64;
            let equal = w.iter().filter(|v| **v == x[i]).count() as f64;
            assert_eq!(out[i], less + (equal + 1.0) / 2.0, "index {i}");
        }
    }
}
