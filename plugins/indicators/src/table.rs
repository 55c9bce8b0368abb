//! From a unit's bars to its output table: compute over every bar read, warm-up included, then keep
//! the rows inside the window.
//!
//! The warm-up bars (before `window.start`) feed the indicators' look-back but are not the unit's to
//! report: another unit, or nobody, owns those timestamps.

use crate::compute::{ComputeError, Features, Prices, compute};
use crate::params::Params;

/// The bars of one unit, as columns, ascending by timestamp (microseconds since the Unix epoch, UTC).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bars {
    pub ts: Vec<i64>,
    pub close: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
}

/// What `build` returns: the window's timestamps and one column per feature, of the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    pub ts: Vec<i64>,
    pub columns: Features,
}

/// The features of every bar with `ts >= window_start`, computed over all of `bars`.
pub fn features_in_window(
    bars: &Bars,
    window_start: i64,
    params: &Params,
) -> Result<FeatureTable, ComputeError> {
    let prices = Prices { close: &bars.close, high: &bars.high, low: &bars.low };
    let mut columns = compute(prices, params)?;
    // Bars are ascending, so the window is a suffix.
    let first = bars.ts.partition_point(|&ts| ts < window_start);
    for (_, values) in &mut columns {
        values.drain(..first);
    }
    Ok(FeatureTable { ts: bars.ts[first..].to_vec(), columns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::OUTPUTS;

    const DAY_US: i64 = 86_400_000_000;

    fn bars(n: usize) -> Bars {
        let close: Vec<f64> = (0..n).map(|i| 50.0 + (i as f64 * 0.7).sin() * 3.0 + i as f64 * 0.1).collect();
        Bars {
            ts: (0..n as i64).map(|i| 1_700_000_000_000_000 + i * DAY_US).collect(),
            high: close.iter().map(|c| c + 0.5).collect(),
            low: close.iter().map(|c| c - 0.5).collect(),
            close,
        }
    }

    #[test]
    fn features_in_window_excludes_warm_up_bars() {
        let bars = bars(100);
        let start = bars.ts[40];
        let table = features_in_window(&bars, start, &Params::default()).unwrap();
        assert_eq!(table.ts, bars.ts[40..]);
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, OUTPUTS);
        assert!(table.columns.iter().all(|(_, v)| v.len() == 60));
    }

    #[test]
    fn features_in_window_keeps_values_computed_over_warm_up() {
        let bars = bars(100);
        let whole = features_in_window(&bars, i64::MIN, &Params::default()).unwrap();
        let window = features_in_window(&bars, bars.ts[33], &Params::default()).unwrap();
        for ((name, all), (_, tail)) in whole.columns.iter().zip(&window.columns) {
            assert_eq!(&all[33..], tail.as_slice(), "{name}");
            // With the default warm-up of 33 bars, every feature has a value from the window's start.
            assert!(tail.iter().all(|v| v.is_finite()), "{name}: {tail:?}");
        }
    }

    #[test]
    fn features_in_window_start_between_bars_starts_at_next_bar() {
        let bars = bars(10);
        let table = features_in_window(&bars, bars.ts[3] + 1, &Params::default()).unwrap();
        assert_eq!(table.ts, bars.ts[4..]);
    }

    #[test]
    fn features_in_window_after_last_bar_is_empty() {
        let bars = bars(10);
        let table = features_in_window(&bars, bars.ts[9] + 1, &Params::default()).unwrap();
        assert!(table.ts.is_empty());
        assert!(table.columns.iter().all(|(_, v)| v.is_empty()));
    }

    #[test]
    fn features_in_window_of_no_bars_is_empty() {
        let table = features_in_window(&Bars::default(), 0, &Params::default()).unwrap();
        assert!(table.ts.is_empty());
        assert_eq!(table.columns.len(), OUTPUTS.len());
    }
}
