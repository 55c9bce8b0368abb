//! Momentum per symbol, streamed, and the rank and z-score across symbols per time.

use std::collections::VecDeque;

/// The output columns, in the order `cross-section` returns them.
pub const OUTPUTS: [&str; 3] = ["momentum", "rank", "zscore"];

/// `close / close[t − lookback] − 1` over a stream of one symbol's closes, keeping only the last
/// `lookback` of them.
#[derive(Debug, Clone)]
pub struct Momentum {
    lookback: usize,
    closes: VecDeque<f64>,
}

impl Momentum {
    pub fn new(lookback: usize) -> Self {
        assert!(lookback >= 1, "a look-back of {lookback} bars (expected at least 1)");
        Momentum { lookback, closes: VecDeque::with_capacity(lookback + 1) }
    }

    /// The momentum at the next bar, whose close is `close`: NaN until `lookback` bars precede it.
    pub fn push(&mut self, close: f64) -> f64 {
        let value = match self.closes.front() {
            Some(&base) if self.closes.len() == self.lookback => close / base - 1.0,
            _ => f64::NAN,
        };
        self.closes.push_back(close);
        if self.closes.len() > self.lookback {
            self.closes.pop_front();
        }
        value
    }
}

/// One row of the long table: a symbol (index into the unit's symbols), a bar time (µs) and its
/// momentum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub ts: i64,
    pub symbol: u32,
    pub momentum: f64,
}

/// Per row, its rank and z-score among the rows of its time (see the crate's docs for the
/// conventions). `rows` must be sorted by time; within a time, any order.
pub fn rank_and_zscore(rows: &[Row]) -> (Vec<f64>, Vec<f64>) {
    let (mut rank, mut zscore) = (vec![f64::NAN; rows.len()], vec![f64::NAN; rows.len()]);
    let mut start = 0;
    while start < rows.len() {
        let ts = rows[start].ts;
        let end = start + rows[start..].partition_point(|row| row.ts == ts);
        let group: Vec<usize> = (start..end).filter(|&i| rows[i].momentum.is_finite()).collect();
        rank_group(rows, &group, &mut rank);
        zscore_group(rows, &group, &mut zscore);
        start = end;
    }
    (rank, zscore)
}

/// `(r − 1) / (n − 1)` with ties at their average rank, for the rows `group` of one time.
fn rank_group(rows: &[Row], group: &[usize], rank: &mut [f64]) {
    let n = group.len();
    if n < 2 {
        return;
    }
    let mut order = group.to_vec();
    order.sort_by(|&a, &b| rows[a].momentum.total_cmp(&rows[b].momentum));
    let mut i = 0;
    while i < n {
        // Ties: positions i..j hold one value; 1-based ranks i + 1 ..= j average to (i + j + 1) / 2.
        let j = i + order[i..].partition_point(|&k| rows[k].momentum == rows[order[i]].momentum);
        let average = (i + j + 1) as f64 / 2.0;
        for &k in &order[i..j] {
            rank[k] = (average - 1.0) / (n - 1) as f64;
        }
        i = j;
    }
}

/// `(m − mean) / sd`, population `sd`, for the rows `group` of one time.
fn zscore_group(rows: &[Row], group: &[usize], zscore: &mut [f64]) {
    let n = group.len();
    if n < 2 {
        return;
    }
    let mean = group.iter().map(|&k| rows[k].momentum).sum::<f64>() / n as f64;
    let variance = group.iter().map(|&k| (rows[k].momentum - mean).powi(2)).sum::<f64>() / n as f64;
    let sd = variance.sqrt();
    if sd > 0.0 {
        for &k in group {
            zscore[k] = (rows[k].momentum - mean) / sd;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ts: i64, symbol: u32, momentum: f64) -> Row {
        Row { ts, symbol, momentum }
    }

    #[test]
    fn momentum_compares_with_the_close_lookback_bars_back() {
        let mut momentum = Momentum::new(2);
        let values: Vec<f64> = [100.0, 50.0, 110.0, 100.0].into_iter().map(|c| momentum.push(c)).collect();
        assert!(values[0].is_nan() && values[1].is_nan());
        assert!((values[2] - 0.1).abs() < 1e-15 && (values[3] - 1.0).abs() < 1e-15, "{values:?}");
    }

    #[test]
    fn ranks_average_ties_and_scale_to_0_1() {
        // Momenta 0.3, 0.1, 0.1, 0.5: ranks 3, 1.5, 1.5, 4 → (r − 1) / 3.
        let rows = [row(1, 0, 0.3), row(1, 1, 0.1), row(1, 2, 0.1), row(1, 3, 0.5)];
        let (rank, _) = rank_and_zscore(&rows);
        assert_eq!(rank, [2.0 / 3.0, 0.5 / 3.0, 0.5 / 3.0, 1.0]);
    }

    #[test]
    fn zscores_use_the_population_standard_deviation() {
        // Momenta −1, 0, 1, 4: mean 1, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
        let rows = [row(1, 0, -1.0), row(1, 1, 0.0), row(1, 2, 1.0), row(1, 3, 4.0)];
        let (_, zscore) = rank_and_zscore(&rows);
        let sd = 3.5f64.sqrt();
        for (z, m) in zscore.iter().zip([-1.0, 0.0, 1.0, 4.0]) {
            assert!((z - (m - 1.0) / sd).abs() < 1e-15, "{zscore:?}");
        }
    }

    #[test]
    fn each_time_is_its_own_cross_section_and_nan_rows_do_not_count() {
        let rows = [
            row(1, 0, 0.5),
            row(1, 1, f64::NAN),
            row(1, 2, 0.25),
            row(2, 0, 0.5),
            row(2, 2, f64::NAN),
            row(3, 0, 0.1),
            row(3, 1, 0.1),
        ];
        let (rank, zscore) = rank_and_zscore(&rows);
        assert_eq!((rank[0], rank[2]), (1.0, 0.0));
        assert_eq!((zscore[0], zscore[2]), (1.0, -1.0), "two values sit one sd either side");
        assert!(rank[1].is_nan() && zscore[1].is_nan(), "no momentum");
        assert!(rank[3].is_nan() && zscore[3].is_nan(), "alone at its time");
        assert_eq!((rank[5], rank[6]), (0.5, 0.5), "a tie of two");
        assert!(zscore[5].is_nan() && zscore[6].is_nan(), "no dispersion");
    }
}
