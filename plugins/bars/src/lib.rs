//! `bars`: a sampler plugin that builds information-driven bars (tick, volume or dollar bars)
//! from a unit's rows in the window.
//!
//! This file only wires the WIT bindings to `bars` (the sampling rules, plain Rust that tests
//! natively), through `guest-support`'s glue (parameters, the streamed read, the output table).

mod bars;

use std::ops::ControlFlow;

use crate::bars::{BarSampler, COLUMNS, Config};
use crate::bindings::candlewick::market_data::plugin::{
    Param, Plan, PluginError, PluginInfo, Table, UnitOfWork,
};
use crate::bindings::candlewick::market_data::types::Fields;

// The generated glue behind `sample` takes the unit of work lowered to nine canonical-ABI values.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../wit" });
}

/// Parameters, tables and the streamed read between the bindings and `guest-support`'s plain values.
mod glue {
    guest_support::plugin_glue!(crate::bindings);
}

// wit-bindgen's `export!` expands to the component's entry points: `#[unsafe(export_name)]`
// functions with `unsafe` blocks that lift and lower canonical-ABI values. That generated glue
// is the only unsafe code in this crate, so the allow covers this module alone.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::{Bars, bindings};
    bindings::export!(Bars with_types_in bindings);
}

/// What a row is read as: its close and volume.
const FIELDS: Fields = Fields::CLOSE.union(Fields::VOLUME);

/// The plugin, as the `sampler` world's exports.
struct Bars;

impl bindings::Guest for Bars {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "bars".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "information-driven bars: a bar closes when its row count, volume or dollar value reaches a threshold"
                .into(),
            params: bars::param_specs().iter().map(glue::param_spec_to_wit).collect(),
            outputs: COLUMNS.iter().map(|name| name.to_string()).collect(),
        }
    }

    /// The unit's own series, close and volume, without warm-up: bars start afresh at the
    /// window's start, whatever the parameters.
    fn plan(params: Vec<Param>) -> Result<Plan, PluginError> {
        let specs = bars::param_specs();
        Config::new(&glue::params(&specs, &params)?).map_err(glue::invalid_params)?;
        Ok(glue::plan([glue::own_series(FIELDS, 0)]))
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = bars::param_specs();
        let params = glue::params(&specs, &unit.params)?;
        let mut sampler = BarSampler::new(Config::new(&params).map_err(glue::invalid_params)?);

        // Only the window (the plan declares no warm-up): bars start afresh at its start.
        glue::read_batches(&unit, unit.window.end, |batch| {
            for ((&ts, &close), &volume) in batch.ts.iter().zip(&batch.close).zip(&batch.volume) {
                sampler.push(ts, close, volume).map_err(glue::failed)?;
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(glue::table_to_wit(sampler.finish()))
    }
}
