//! `{{name}}`: a Candlewick feature builder (world `feature-builder` of
//! `candlewick:market-data@0.2.0`). It returns `mean`, the mean close of the last `period` bars,
//! NaN until `period` bars exist.
//!
//! Three exports: `describe` says what it is; `plan` says, for the job's parameters, what it will
//! read (its inputs: the unit's own series, the close only, `period - 1` bars of warm-up); `build`
//! reads exactly that and returns the window's rows. `guest-support`, the toolkit of the
//! workspace's Rust plugins, does the glue: the parameters checked against their specs, the plan's
//! inputs, the streamed read, the output table.

use std::ops::ControlFlow;

use guest_support::{Column, ParamSpec, ParamValue, join};

// The generated bindings. A generated canonical-ABI shim takes many flattened arguments;
// clippy's limit is for code people write.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "wit" });
}

/// Parameters, tables and the streamed read between the bindings and `guest-support`'s plain values.
mod glue {
    guest_support::plugin_glue!(crate::bindings);
}

use bindings::candlewick::market_data::plugin::{Param, Plan, PluginError, PluginInfo, Table, UnitOfWork};
use bindings::candlewick::market_data::types::Fields;

const DEFAULT_PERIOD: i64 = 20;

/// The parameters `describe` reports and `plan` and `build` check.
fn param_specs() -> Vec<ParamSpec> {
    vec![ParamSpec {
        name: "period",
        default: ParamValue::Int(DEFAULT_PERIOD),
        description: "bars in the mean (>= 1)",
    }]
}

struct Plugin;

impl bindings::Guest for Plugin {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "The mean close of the last `period` bars".into(),
            params: param_specs().iter().map(glue::param_spec_to_wit).collect(),
            outputs: vec!["mean".into()],
        }
    }

    /// What it reads for these parameters: one input, the unit's own series (`own_series`: its
    /// symbol at its timeframe), the close only (reading another field is out of scope), and the
    /// `period - 1` stored bars before the window that the window's first mean needs. A bad
    /// `period` refuses the job here, before any unit runs.
    fn plan(params: Vec<Param>) -> Result<Plan, PluginError> {
        let period = period(&params)?;
        // A period above u32::MAX bars cannot be served; the host refuses far less (its
        // `limits.warm_up_bars`, 100,000 bars by default), naming the input.
        let warm_up = glue::warm_up_bars("period", usize::try_from(period - 1).unwrap_or(usize::MAX))?;
        Ok(glue::plan([glue::own_series(Fields::CLOSE, warm_up)]))
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let period = period(&unit.params)?;
        // One streamed read of what the plan declared: the close, from the own series' warm-up
        // start (the host resolved `period - 1` bars to a time) through the window's end.
        let (mut ts, mut close) = (Vec::new(), Vec::new());
        glue::read_batches(&unit, unit.window.end, |batch| {
            ts.push(batch.ts);
            close.push(batch.close);
            Ok(ControlFlow::Continue(()))
        })?;
        let (ts, close) = (join(ts), join(close));
        // A period longer than the bars leaves every mean NaN, however long it is.
        let mean = rolling_mean(&close, usize::try_from(period).unwrap_or(usize::MAX));
        // A feature builder returns exactly the window's bars.
        let first = ts.partition_point(|&t| t < unit.window.start);
        let mean = Column::float("mean", mean[first..].to_vec());
        Ok(glue::table_to_wit(guest_support::Table { ts: ts[first..].to_vec(), columns: vec![mean] }))
    }
}

/// `period`, checked: a whole number of bars, at least 1.
fn period(given: &[Param]) -> Result<i64, PluginError> {
    let specs = param_specs();
    glue::params(&specs, given)?.int_at_least("period", 1).map_err(glue::invalid_params)
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
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
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
