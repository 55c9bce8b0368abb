//! `events`: a sampler plugin that finds CUSUM filter events in a unit's window and labels each
//! with the triple-barrier method, on closes only.
//!
//! This file only wires the WIT bindings to the plain-Rust pieces, which test natively: `events`
//! (the sampler), `cusum` (the filter), `barrier` (the labels); through `guest-support`'s glue
//! (parameters, the streamed read, the output table).

mod barrier;
mod cusum;
mod events;

use std::ops::ControlFlow;

use guest_support::Window;

use crate::bindings::candlewick::market_data::plugin::{
    Param, Plan, PluginError, PluginInfo, Table, UnitOfWork,
};
use crate::bindings::candlewick::market_data::types::Fields;
use crate::events::{COLUMNS, Config, EventSampler};

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
    use super::{Events, bindings};
    bindings::export!(Events with_types_in bindings);
}

/// The plugin, as the `sampler` world's exports.
struct Events;

impl bindings::Guest for Events {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "events".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "symmetric CUSUM filter events on log returns, labelled by triple barriers on closes".into(),
            params: events::param_specs().iter().map(glue::param_spec_to_wit).collect(),
            outputs: COLUMNS.iter().map(|name| name.to_string()).collect(),
        }
    }

    /// The unit's own series, close only, with one bar of warm-up whatever the parameters: the
    /// close before the window's first bar, for its return.
    fn plan(params: Vec<Param>) -> Result<Plan, PluginError> {
        let specs = events::param_specs();
        Config::new(&glue::params(&specs, &params)?).map_err(glue::invalid_params)?;
        Ok(glue::plan([glue::own_series(Fields::CLOSE, 1)]))
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = events::param_specs();
        let params = glue::params(&specs, &unit.params)?;
        let window = Window { start: unit.window.start, end: unit.window.end };
        let mut sampler = EventSampler::new(Config::new(&params).map_err(glue::invalid_params)?, window);

        // From the warm-up (the close before the window) up to the as-of time for the labels'
        // look-forward; the sampler stops the read as soon as no later bar can matter.
        glue::read_batches(&unit, unit.as_of, |batch| {
            for (&ts, &close) in batch.ts.iter().zip(&batch.close) {
                if sampler.push(ts, close).map_err(glue::failed)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(glue::table_to_wit(sampler.finish()))
    }
}
