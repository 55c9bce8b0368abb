//! Hostile plugin `greedy`: asks for ten years of bars before the as-of time, all fields, in one
//! `range` call (`how: one-call`) or through a cursor it drains (`how: stream`). It reports what
//! the reader answered as its error, so a test can check that the host said `too-large` instead of
//! serving the bars.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader;
use bindings::candlewick::market_data::types::{Fields, TimeRange};

/// Ten years of 365.25 days, in microseconds.
const TEN_YEARS: i64 = 3_652 * 86_400_000_000 + 12 * 3_600_000_000;

/// Bars per batch when streaming: the largest a plugin may ask for.
const BATCH_ROWS: u32 = u32::MAX;

struct Greedy;

impl bindings::Guest for Greedy {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "greedy".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "reads ten years of bars at once".to_string(),
            params: vec![ParamSpec {
                name: "how".to_string(),
                default: ParamValue::Text("one-call".to_string()),
                description: "one-call (a single range read) or stream (a cursor, drained)".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let stream = unit
            .params
            .iter()
            .any(|p| matches!(&p.value, ParamValue::Text(how) if p.name == "how" && how == "stream"));
        let range = TimeRange { start: unit.as_of.saturating_sub(TEN_YEARS), end: unit.as_of };
        let served = if stream {
            let cursor = reader::open_range(&unit.symbol, unit.timeframe, range, Fields::all(), BATCH_ROWS)
                .map_err(PluginError::Read)?;
            let mut served = 0;
            while let Some(batch) = cursor.next_batch().map_err(PluginError::Read)? {
                served += batch.ts.len();
            }
            served
        } else {
            reader::range(&unit.symbol, unit.timeframe, range, Fields::all())
                .map_err(PluginError::Read)?
                .ts
                .len()
        };
        Err(PluginError::Failed(format!("the reader served all {served} bars of ten years")))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Greedy;
    crate::bindings::export!(Greedy with_types_in crate::bindings);
}
