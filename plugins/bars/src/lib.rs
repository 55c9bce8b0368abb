//! `bars`: a sampler plugin that builds information-driven bars (tick, volume or dollar bars)
//! from a unit's rows in the window.
//!
//! This file only wires the WIT bindings to the plain-Rust pieces, which test natively: `bars`
//! (the sampling rules) and `convert` (WIT ↔ plain values).

mod bars;
mod convert;

use guest_support::{BATCH_ROWS, BatchCheck, Params};

use crate::bars::{BarSampler, COLUMNS, Config};
use crate::bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};
use crate::bindings::candlewick::market_data::reader;
use crate::bindings::candlewick::market_data::types::{Fields, TimeRange};

// The generated glue behind `sample` takes the unit of work lowered to nine canonical-ABI values.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../wit" });
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
            params: bars::param_specs().iter().map(convert::param_spec_to_wit).collect(),
            outputs: COLUMNS.iter().map(|name| name.to_string()).collect(),
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = bars::param_specs();
        let params = Params::parse(&specs, unit.params.into_iter().map(convert::param_from_wit))
            .map_err(convert::invalid_params)?;
        let mut sampler = BarSampler::new(Config::new(&params).map_err(convert::invalid_params)?);

        // Only the window: bars start afresh at its start.
        let range = TimeRange { start: unit.window.start, end: unit.window.end };
        let cursor = reader::open_range(
            &unit.symbol,
            unit.timeframe,
            range,
            Fields::CLOSE | Fields::VOLUME,
            BATCH_ROWS,
        )
        .map_err(PluginError::Read)?;
        let mut check = BatchCheck::default();
        while let Some(batch) = cursor.next_batch().map_err(PluginError::Read)? {
            let columns = [("close", batch.close.len()), ("volume", batch.volume.len())];
            check.check(&batch.ts, &columns).map_err(convert::failed)?;
            for ((&ts, &close), &volume) in batch.ts.iter().zip(&batch.close).zip(&batch.volume) {
                sampler.push(ts, close, volume).map_err(convert::failed)?;
            }
        }
        Ok(convert::table_to_wit(sampler.finish()))
    }
}
