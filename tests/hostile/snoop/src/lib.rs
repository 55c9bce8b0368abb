//! Hostile plugin `snoop`: reads outside its unit of work, one way per `case`, and reports the
//! reader's answer as its error, so a test can check that the host said `out-of-scope`:
//!
//! - `other-symbol`: the window of another symbol (GBPUSD, or EURUSD for a GBPUSD unit);
//! - `other-timeframe`: its symbol's window in another timeframe (1d, or 1h for a 1d unit);
//! - `before-warm-up`: from an hour before its warm-up start;
//! - `after-as-of`: to an hour after the as-of time;
//! - `latest`: the latest bar and the availability of its own series, which must not reveal a
//!   bar after the as-of time: it reports both timestamps.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader;
use bindings::candlewick::market_data::types::{Fields, TimeRange, Timeframe};

const HOUR: i64 = 3_600_000_000;

struct Snoop;

impl bindings::Guest for Snoop {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "snoop".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "reads outside its unit of work".to_string(),
            params: vec![ParamSpec {
                name: "case".to_string(),
                default: ParamValue::Text("other-symbol".to_string()),
                description: "other-symbol, other-timeframe, before-warm-up, after-as-of or latest"
                    .to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let case = unit
            .params
            .iter()
            .find_map(|p| match (p.name.as_str(), &p.value) {
                ("case", ParamValue::Text(case)) => Some(case.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let window = TimeRange { start: unit.window.start, end: unit.window.end };
        let (symbol, timeframe, range) = match case.as_str() {
            "other-symbol" => {
                let other = if unit.symbol == "GBPUSD" { "EURUSD" } else { "GBPUSD" };
                (other.to_string(), unit.timeframe, window)
            }
            "other-timeframe" => {
                let other =
                    if unit.timeframe == Timeframe::Day1 { Timeframe::Hour1 } else { Timeframe::Day1 };
                (unit.symbol.clone(), other, window)
            }
            "before-warm-up" => (
                unit.symbol.clone(),
                unit.timeframe,
                TimeRange { start: unit.warm_up_from - HOUR, end: window.end },
            ),
            "after-as-of" => (
                unit.symbol.clone(),
                unit.timeframe,
                TimeRange { start: window.start, end: unit.as_of + HOUR },
            ),
            "latest" => {
                let latest = reader::latest(std::slice::from_ref(&unit.symbol), unit.timeframe)
                    .map_err(PluginError::Read)?;
                let available =
                    reader::availability(&unit.symbol, unit.timeframe).map_err(PluginError::Read)?;
                return Err(PluginError::Failed(format!(
                    "latest {:?}; availability latest {:?}; as-of {}",
                    latest.first().map(|bar| bar.ts),
                    available.latest,
                    unit.as_of
                )));
            }
            other => return Err(PluginError::InvalidParams(format!("case {other:?} is not a case"))),
        };
        let bars = reader::range(&symbol, timeframe, range, Fields::CLOSE).map_err(PluginError::Read)?;
        Err(PluginError::Failed(format!("scope leak: the reader served {} bars for {case}", bars.ts.len())))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Snoop;
    crate::bindings::export!(Snoop with_types_in crate::bindings);
}
