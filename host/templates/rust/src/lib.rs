//! `{{name}}`: a Candlewick feature builder (world `feature-builder` of
//! `candlewick:market-data@0.2.0`). It returns `mean`, the mean close of the last `period` bars,
//! NaN until `period` bars exist.
//!
//! Three exports: `describe` says what it is; `plan` says, for the job's parameters, what it will
//! read (its inputs: the unit's own series, the close only, `period - 1` bars of warm-up); `build`
//! reads exactly that and returns the window's rows. `guest-support`, the toolkit of the
//! workspace's Rust plugins, does the glue: the parameters checked against their specs, the plan's
//! inputs, the streamed read, the output table.
//!
//! The mean itself is one call of the host's native kernels (`wit/kernels.wit`: rolling windows,
//! EMA, RSI, MACD, ATR, Bollinger Bands, returns, ...): the host computes the whole column at
//! native speed and returns it, NaN over the kernel's look-back, one value per bar.

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

use bindings::candlewick::market_data::kernels;
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
        // The host's kernel: the mean of each close and the `period - 1` before it (TA-Lib's SMA),
        // NaN until `period` closes exist. A period longer than the bars leaves every mean NaN.
        let period =
            u32::try_from(period).map_err(|_| glue::failed(format!("period {period} is too long")))?;
        let mean = kernels::rolling_mean(&close, period).map_err(|err| glue::failed(kernel_error(err)))?;
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

/// A kernel's refusal in words: an argument out of range, or columns past the memory limit.
fn kernel_error(err: kernels::KernelError) -> String {
    match err {
        kernels::KernelError::InvalidArgument(message) => message,
        kernels::KernelError::TooLarge(limit) => format!("too large: {} limit {}", limit.what, limit.limit),
    }
}

// `export!` expands to the canonical-ABI entry points, which wit-bindgen writes with `unsafe`.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Plugin;
    crate::bindings::export!(Plugin with_types_in crate::bindings);
}

// The mean is the host's (its kernels run in the host, not in a native test): the scenario checks
// it through the built component. Natively, the parameter checks.
#[cfg(test)]
mod tests {
    use super::*;

    use bindings::candlewick::market_data::plugin::ParamValue;

    fn param(value: i64) -> Vec<Param> {
        vec![Param { name: "period".into(), value: ParamValue::Int(value) }]
    }

    #[test]
    fn the_period_defaults_to_20_and_must_be_at_least_1() {
        assert_eq!(period(&[]).unwrap(), DEFAULT_PERIOD);
        assert_eq!(period(&param(5)).unwrap(), 5);
        assert!(period(&param(0)).is_err());
    }
}
