//! `resample`: a sampler plugin that resamples a unit's bars to a higher timeframe, with periods
//! on the UTC clock (5m … 1d from midnight, weeks from Monday, calendar months).
//!
//! This file only wires the WIT bindings to the plain-Rust pieces, which test natively:
//! `resample` (the aggregation and completeness rules), `clock` and `calendar` (period
//! boundaries), `timeframe` (labels and lengths), `convert` (the unit's timeframe); through
//! `guest-support`'s glue (parameters, the streamed read, the output table).

mod calendar;
mod clock;
mod convert;
mod resample;
mod timeframe;

use std::ops::ControlFlow;

use guest_support::Window;

use crate::bindings::candlewick::market_data::plugin::{
    Param, Plan, PluginError, PluginInfo, Table, UnitOfWork,
};
use crate::bindings::candlewick::market_data::types::Fields;
use crate::resample::{Bar, COLUMNS, Config, Resampler};

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
    use super::{Resample, bindings};
    bindings::export!(Resample with_types_in bindings);
}

/// The plugin, as the `sampler` world's exports.
struct Resample;

impl bindings::Guest for Resample {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "resample".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "clock resampling to a higher timeframe: OHLCV per UTC period, stamped at its start"
                .into(),
            params: resample::param_specs().iter().map(glue::param_spec_to_wit).collect(),
            outputs: COLUMNS.iter().map(|name| name.to_string()).collect(),
        }
    }

    /// The unit's own series, every field, without warm-up: a period reaching before the window's
    /// start is incomplete whatever came before. The target timeframe is checked against the
    /// source's in `sample`, which knows the unit's timeframe.
    fn plan(params: Vec<Param>) -> Result<Plan, PluginError> {
        let specs = resample::param_specs();
        resample::target(&glue::params(&specs, &params)?).map_err(glue::invalid_params)?;
        let fields = Fields::OPEN | Fields::HIGH | Fields::LOW | Fields::CLOSE | Fields::VOLUME;
        Ok(glue::plan([glue::own_series(fields, 0)]))
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let specs = resample::param_specs();
        let params = glue::params(&specs, &unit.params)?;
        let window = Window { start: unit.window.start, end: unit.window.end };
        let source = convert::timeframe_from_wit(unit.timeframe);
        let mut resampler =
            Resampler::new(Config::new(&params, source, window).map_err(glue::invalid_params)?);

        // Only the window (the plan declares no warm-up): a period reaching before its start is
        // incomplete whatever came before.
        glue::read_batches(&unit, window.end, |batch| {
            for i in 0..batch.ts.len() {
                let bar = Bar {
                    ts: batch.ts[i],
                    open: batch.open[i],
                    high: batch.high[i],
                    low: batch.low[i],
                    close: batch.close[i],
                    volume: batch.volume[i],
                };
                resampler.push(bar).map_err(glue::failed)?;
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(glue::table_to_wit(resampler.finish()))
    }
}
