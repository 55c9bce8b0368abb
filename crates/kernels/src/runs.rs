//! Runs of values between NaNs, and TA-Lib's output placed on the bars it belongs to.
//!
//! A NaN splits a column into runs; a window or recursive kernel runs on each run on its own (see
//! the crate docs). TA-Lib writes a call's values from index 0 of the buffer it is given and says,
//! as `OutRange`, which input index the first belongs to (`beg_idx`, its look-back) and how many
//! it wrote. Handing it each output from the look-back on puts the values on their bars; [`place`]
//! moves them if TA-Lib says otherwise and leaves NaN everywhere else.

use std::ops::Range;

use ta_lib::{OutRange, RetCode};

use crate::KernelError;

/// The maximal runs of indices `0..len` where `valid` holds, in order.
pub(crate) fn runs(len: usize, valid: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..len {
        match (valid(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..len);
    }
    out
}

/// The runs of non-NaN values of `values`.
#[allow(clippy::single_range_in_vec_init, reason = "one run, the whole column: a list of one range")]
pub(crate) fn value_runs(values: &[f64]) -> Vec<Range<usize>> {
    if !values.iter().any(|v| v.is_nan()) {
        // The common case, a column without gaps: one run, no second pass.
        return if values.is_empty() { Vec::new() } else { vec![0..values.len()] };
    }
    runs(values.len(), |i| !values[i].is_nan())
}

/// TA-Lib refusing checked arguments: a bug here or in the crate, said so rather than a panic in
/// the host.
pub(crate) fn refused(kernel: &'static str, code: RetCode) -> KernelError {
    KernelError::new(
        kernel,
        format!("ta-lib answered {code:?} for checked arguments (a bug, please report it)"),
    )
}

/// Puts TA-Lib's `range.count` values, written from `out[written_at]`, at `range.beg_idx`, and NaN
/// on every other bar of `out`.
pub(crate) fn place(out: &mut [f64], written_at: usize, range: OutRange) {
    let OutRange { beg_idx, count } = range;
    if count == 0 {
        out.fill(f64::NAN);
        return;
    }
    if beg_idx != written_at {
        out.copy_within(written_at..written_at + count, beg_idx);
    }
    out[..beg_idx].fill(f64::NAN);
    out[beg_idx + count..].fill(f64::NAN);
}

/// A one-column TA-Lib function of one column, per run: `call(run, out)` computes over the run
/// and writes from `out[0]`, the run's bar `lookback`.
pub(crate) fn per_run(
    kernel: &'static str,
    values: &[f64],
    lookback: usize,
    call: impl Fn(&[f64], &mut [f64]) -> Result<OutRange, RetCode>,
) -> Result<Vec<f64>, KernelError> {
    let mut out = vec![f64::NAN; values.len()];
    for run in value_runs(values) {
        let (x, o) = (&values[run.clone()], &mut out[run]);
        if x.len() > lookback {
            let range = call(x, &mut o[lookback..]).map_err(|code| refused(kernel, code))?;
            place(o, lookback, range);
        }
    }
    Ok(out)
}

/// A three-column TA-Lib function of one column (MACD, Bollinger Bands), per run.
#[allow(clippy::type_complexity, reason = "the shape of TA-Lib's three-output calls, used twice")]
pub(crate) fn per_run3(
    kernel: &'static str,
    values: &[f64],
    lookback: usize,
    call: impl Fn(&[f64], &mut [f64], &mut [f64], &mut [f64]) -> Result<OutRange, RetCode>,
) -> Result<[Vec<f64>; 3], KernelError> {
    let n = values.len();
    let [mut a, mut b, mut c] = [vec![f64::NAN; n], vec![f64::NAN; n], vec![f64::NAN; n]];
    for run in value_runs(values) {
        let x = &values[run.clone()];
        if x.len() > lookback {
            let (oa, ob, oc) = (&mut a[run.clone()], &mut b[run.clone()], &mut c[run.clone()]);
            let range = call(x, &mut oa[lookback..], &mut ob[lookback..], &mut oc[lookback..])
                .map_err(|code| refused(kernel, code))?;
            for o in [oa, ob, oc] {
                place(o, lookback, range);
            }
        }
    }
    Ok([a, b, c])
}

/// A one-column TA-Lib function of high, low and close (of equal lengths), per run of bars where
/// none of the three is NaN.
pub(crate) fn per_bar_run(
    kernel: &'static str,
    high: &[f64],
    low: &[f64],
    close: &[f64],
    lookback: usize,
    call: impl Fn(&[f64], &[f64], &[f64], &mut [f64]) -> Result<OutRange, RetCode>,
) -> Result<Vec<f64>, KernelError> {
    let n = close.len();
    let mut out = vec![f64::NAN; n];
    for run in runs(n, |i| !(high[i].is_nan() || low[i].is_nan() || close[i].is_nan())) {
        let (h, l, c) = (&high[run.clone()], &low[run.clone()], &close[run.clone()]);
        let o = &mut out[run];
        if c.len() > lookback {
            let range = call(h, l, c, &mut o[lookback..]).map_err(|code| refused(kernel, code))?;
            place(o, lookback, range);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_invalid_indices() {
        let values = [f64::NAN, 1.0, 2.0, f64::NAN, f64::NAN, 3.0];
        assert_eq!(value_runs(&values), vec![1..3, 5..6]);
        assert_eq!(value_runs(&[1.0, 2.0]), vec![0..2]);
        assert!(value_runs(&[]).is_empty());
        assert!(value_runs(&[f64::NAN]).is_empty());
    }

    #[test]
    fn place_moves_values_to_their_bars() {
        let mut out = [1.0, 2.0, 0.0, 0.0, 0.0];
        place(&mut out, 0, OutRange { beg_idx: 3, count: 2 });
        assert!(out[..3].iter().all(|v| v.is_nan()), "{out:?}");
        assert_eq!(&out[3..], &[1.0, 2.0]);
    }

    #[test]
    fn place_without_values_is_all_nan() {
        let mut out = [0.0; 3];
        place(&mut out, 0, OutRange::EMPTY);
        assert!(out.iter().all(|v| v.is_nan()), "{out:?}");
    }
}
