//! `{{name}}`: a Candlewick feature builder (world `feature-builder` of
//! `candlewick:market-data@0.1.0`). It returns `mean`, the mean close of the last `period` bars,
//! NaN until `period` bars exist.

// The generated bindings. A generated canonical-ABI shim takes many flattened arguments;
// clippy's limit is for code people write.
#[allow(clippy::too_many_arguments)]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../wit" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader::range;
use bindings::candlewick::market_data::types::{Fields, TimeRange};

const DEFAULT_PERIOD: i64 = 20;

struct Plugin;

impl bindings::Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "The mean close of the last `period` bars".into(),
            params: vec![ParamSpec {
                name: "period".into(),
                default: ParamValue::Int(DEFAULT_PERIOD),
                description: "bars in the mean (>= 1)".into(),
            }],
            outputs: vec!["mean".into()],
            // The bars before the window the default period needs; a job that sets a longer
            // period says so with `warm_up_bars` (describe cannot see parameters).
            warm_up_bars: (DEFAULT_PERIOD - 1) as u32,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let period = period(&unit)?;
        // One read of the close only, from the warm-up through the window's end.
        let span = TimeRange { start: unit.warm_up_from, end: unit.window.end };
        let bars = range(&unit.symbol, unit.timeframe, span, Fields::CLOSE).map_err(PluginError::Read)?;
        let mean = rolling_mean(&bars.close, period);
        // A feature builder returns exactly the window's bars.
        let first = bars.ts.partition_point(|&ts| ts < unit.window.start);
        Ok(Table {
            ts: bars.ts[first..].to_vec(),
            columns: vec![Column { name: "mean".into(), values: ColumnValues::Float(mean[first..].to_vec()) }],
        })
    }
}

fn period(unit: &UnitOfWork) -> Result<usize, PluginError> {
    match unit.params.iter().find(|p| p.name == "period").map(|p| &p.value) {
        None => Ok(DEFAULT_PERIOD as usize),
        Some(ParamValue::Int(n)) if *n >= 1 => Ok(*n as usize),
        Some(ParamValue::Int(n)) => Err(PluginError::InvalidParams(format!("period: expected an integer >= 1, got {n}"))),
        Some(_) => Err(PluginError::InvalidParams("period: expected an integer >= 1".into())),
    }
}

/// The mean of each value and the `period - 1` before it; NaN until there are `period` values.
pub fn rolling_mean(values: &[f64], period: usize) -> Vec<f64> {
    let mut sum = 0.0;
    values
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            sum += value;
            if i >= period {
                sum -= values[i - period];
            }
            if i + 1 >= period { sum / period as f64 } else { f64::NAN }
        })
        .collect()
}

// `export!` expands to the canonical-ABI entry points, which wit-bindgen writes with `unsafe`.
#[allow(unsafe_code)]
mod export {
    use super::Plugin;
    crate::bindings::export!(Plugin with_types_in crate::bindings);
}

#[cfg(test)]
mod tests {
    use super::rolling_mean;

    #[test]
    fn the_mean_starts_once_period_values_exist() {
        let mean = rolling_mean(&[1.0, 2.0, 3.0, 4.0], 2);
        assert!(mean[0].is_nan());
        assert_eq!(mean[1..], [1.5, 2.5, 3.5]);
    }
}
