//! The `bars` plugin of contract 0.1 (`candlewick:market-data@0.1.0`), frozen as it was at commit
//! bde0337: its source verbatim but for the WIT path and guest-support's 0.1 glue, copied beside it
//! (`glue_0_1.rs`). `host/tests/contract_versions.rs` runs it beside today's `bars` (contract 0.2)
//! to show that a 0.1 plugin still loads and gives bit-identical output. Never update it.
//!
//! `bars`: a sampler plugin that builds information-driven bars (tick, volume or dollar bars)
//! from a unit's rows in the window.
//!
//! This file only wires the WIT bindings to `bars` (the sampling rules, plain Rust that tests
//! natively), through `guest-support`'s glue (parameters, the streamed read, the output table).

mod bars;
#[macro_use]
mod glue_0_1;

use std::ops::ControlFlow;

use crate::bars::{BarSampler, COLUMNS, Config};
use crate::bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};
use crate::bindings::candlewick::market_data::types::{Fields, TimeRange};

// The generated glue behind `sample` takes the unit of work lowered to nine canonical-ABI values.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

/// Parameters, tables and the streamed read between the bindings and `guest-support`'s plain values.
mod glue {
    plugin_glue_0_1!(crate::bindings);
}

// wit-bindgen's `export!` expands to the component's entry points: `#[unsafe(export_name)]`
// functions with `unsafe` blocks that lift and lower canonical-ABI values. That generated glue
// is the only unsafe code in this crate, so the allow covers this module alone.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::{Bars, bindings};
    bindings::export!(Bars with_types_in bindings);
}

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
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = bars::param_specs();
        let params = glue::params(&specs, &unit.params)?;
        let mut sampler = BarSampler::new(Config::new(&params).map_err(glue::invalid_params)?);

        // Only the window: bars start afresh at its start.
        let range = TimeRange { start: unit.window.start, end: unit.window.end };
        glue::read_batches(&unit, range, Fields::CLOSE | Fields::VOLUME, |batch| {
            for ((&ts, &close), &volume) in batch.ts.iter().zip(&batch.close).zip(&batch.volume) {
                sampler.push(ts, close, volume).map_err(glue::failed)?;
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(glue::table_to_wit(sampler.finish()))
    }
}
