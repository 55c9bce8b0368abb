//! From a unit's bars to its output table: compute over every bar read, warm-up included, then keep
//! the rows inside the window.
//!
//! The warm-up bars (before `window.start`) feed the indicators' look-back but are not the unit's to
//! report: another unit, or nobody, owns those timestamps.

#[cfg(not(target_arch = "wasm32"))]
use guest_support::Table;
use guest_support::columns::{Column, ColumnTable, Timestamps};

use crate::compute::{ComputeError, PriceColumns, compute_columns};
#[cfg(not(target_arch = "wasm32"))]
use crate::compute::{OUTPUTS, Prices, compute};
use crate::params::Params;

/// The bars of one unit, as columns, ascending by timestamp (microseconds since the Unix epoch, UTC).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bars {
    pub ts: Vec<i64>,
    pub close: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
}

/// The bars of one unit as host-held columns (natively, in process): what the component reads.
#[derive(Debug)]
pub struct ColumnBars {
    pub ts: Timestamps,
    pub close: Column,
    pub high: Column,
    pub low: Column,
}

/// What `build` returns: the timestamps of every bar with `ts >= window_start` and one float
/// column per feature ([`crate::compute::OUTPUTS`], in order), computed over all of `bars`.
pub fn columns_in_window(
    bars: &ColumnBars,
    window_start: i64,
    params: &Params,
) -> Result<ColumnTable, ComputeError> {
    let prices = PriceColumns { close: &bars.close, high: &bars.high, low: &bars.low };
    let features = compute_columns(prices, params)?;
    // Bars are ascending, so the window is a suffix.
    let (first, len) = (bars.ts.first_at_or_after(window_start), bars.ts.len());
    let columns = features.into_iter().map(|(name, values)| (name, values.slice(first, len)));
    Ok(ColumnTable { ts: bars.ts.slice(first, len), columns: columns.collect() })
}

/// [`columns_in_window`] over plain columns, natively (the tests): the same kernels, in process.
#[cfg(not(target_arch = "wasm32"))]
pub fn features_in_window(bars: &Bars, window_start: i64, params: &Params) -> Result<Table, ComputeError> {
    let prices = Prices { close: &bars.close, high: &bars.high, low: &bars.low };
    let features = compute(prices, params)?;
    let first = bars.ts.partition_point(|&ts| ts < window_start);
    debug_assert_eq!(features.len(), OUTPUTS.len());
    let columns = features.into_iter().map(|(name, mut values)| {
        values.drain(..first);
        guest_support::Column::float(name, values)
    });
    Ok(Table { ts: bars.ts[first..].to_vec(), columns: columns.collect() })
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
        assert_eq!(table.names(), OUTPUTS);
        assert!(OUTPUTS.iter().all(|name| table.floats(name).len() == 60));
    }

    #[test]
    fn features_in_window_keeps_values_computed_over_warm_up() {
        let bars = bars(100);
        let whole = features_in_window(&bars, i64::MIN, &Params::default()).unwrap();
        let window = features_in_window(&bars, bars.ts[33], &Params::default()).unwrap();
        for name in OUTPUTS {
            let (all, tail) = (whole.floats(name), window.floats(name));
            assert_eq!(&all[33..], tail, "{name}");
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
        assert!(OUTPUTS.iter().all(|name| table.floats(name).is_empty()));
    }

    #[test]
    fn features_in_window_of_no_bars_is_empty() {
        let table = features_in_window(&Bars::default(), 0, &Params::default()).unwrap();
        assert!(table.ts.is_empty());
        assert_eq!(table.columns.len(), OUTPUTS.len());
    }
}
