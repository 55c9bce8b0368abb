//! `events`: a sampler plugin that finds CUSUM filter events in a unit's window and labels each
//! with the triple-barrier method, on closes only.
//!
//! This file only wires the WIT bindings to the plain-Rust pieces, which test natively: `events`
//! (the sampler), `cusum` (the filter), `barrier` (the labels), `convert` (WIT ↔ plain values).

mod barrier;
mod convert;
mod cusum;
mod events;

use guest_support::{BATCH_ROWS, BatchCheck, Params, Window};

use crate::bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};
use crate::bindings::candlewick::market_data::reader;
use crate::bindings::candlewick::market_data::types::{Fields, TimeRange};
use crate::events::{COLUMNS, Config, EventSampler};

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
            params: events::param_specs().iter().map(convert::param_spec_to_wit).collect(),
            outputs: COLUMNS.iter().map(|name| name.to_string()).collect(),
            // The close before the window's first bar, for its return.
            warm_up_bars: 1,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = events::param_specs();
        let params = Params::parse(&specs, unit.params.into_iter().map(convert::param_from_wit))
            .map_err(convert::invalid_params)?;
        let window = Window { start: unit.window.start, end: unit.window.end };
        let mut sampler = EventSampler::new(Config::new(&params).map_err(convert::invalid_params)?, window);

        // From the warm-up (the close before the window) up to the as-of time for the labels'
        // look-forward; the sampler stops the read as soon as no later bar can matter.
        let range = TimeRange { start: unit.warm_up_from.min(window.start), end: unit.as_of };
        let cursor = reader::open_range(&unit.symbol, unit.timeframe, range, Fields::CLOSE, BATCH_ROWS)
            .map_err(PluginError::Read)?;
        let mut check = BatchCheck::default();
        'read: while let Some(batch) = cursor.next_batch().map_err(PluginError::Read)? {
            check.check(&batch.ts, &[("close", batch.close.len())]).map_err(convert::failed)?;
            for (&ts, &close) in batch.ts.iter().zip(&batch.close) {
                if sampler.push(ts, close).map_err(convert::failed)?.is_break() {
                    break 'read;
                }
            }
        }
        Ok(convert::table_to_wit(sampler.finish()))
    }
}
