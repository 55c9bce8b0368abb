//! Hostile plugin `chatty`: reads its window again and again, `calls` times (default 100,000:
//! 400,031 PostgreSQL transactions in 13 s before reader calls were counted). It reports how many
//! calls were answered as its error, so a test can check that the host stopped it at its reader
//! call limit rather than serving them all.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader;
use bindings::candlewick::market_data::types::Fields;

struct Chatty;

impl bindings::Guest for Chatty {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "chatty".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "reads its window in a loop".to_string(),
            params: vec![ParamSpec {
                name: "calls".to_string(),
                default: ParamValue::Int(100_000),
                description: "reader calls to make".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let calls = unit
            .params
            .iter()
            .find_map(|p| match p.value {
                ParamValue::Int(calls) if p.name == "calls" => Some(calls),
                _ => None,
            })
            .unwrap_or(100_000);
        let mut bars = 0;
        for _ in 0..calls {
            bars += reader::range(&unit.symbol, unit.timeframe, unit.window, Fields::CLOSE)
                .map_err(PluginError::Read)?
                .ts
                .len();
        }
        Err(PluginError::Failed(format!("the reader answered all {calls} calls ({bars} bars)")))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Chatty;
    crate::bindings::export!(Chatty with_types_in crate::bindings);
}
