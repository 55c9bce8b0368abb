//! Hostile plugin `hoard`: opens `cursors` cursors over its window (default 100,000, which failed
//! in wasmtime's words, `store handle limit exceeded`, before open cursors were counted) and drops
//! none of them. It reports how many it held as its error, so a test can check that the host
//! stopped it at its open cursor limit.

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

struct Hoard;

impl bindings::Guest for Hoard {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "hoard".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "opens cursors and keeps them all".to_string(),
            params: vec![ParamSpec {
                name: "cursors".to_string(),
                default: ParamValue::Int(100_000),
                description: "cursors to open and keep open".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let wanted = unit
            .params
            .iter()
            .find_map(|p| match p.value {
                ParamValue::Int(cursors) if p.name == "cursors" => usize::try_from(cursors).ok(),
                _ => None,
            })
            .unwrap_or(100_000);
        let mut held = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            held.push(
                reader::open_range(&unit.symbol, unit.timeframe, unit.window, Fields::CLOSE, 64)
                    .map_err(PluginError::Read)?,
            );
        }
        Err(PluginError::Failed(format!("held all {} cursors open", held.len())))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Hoard;
    crate::bindings::export!(Hoard with_types_in crate::bindings);
}
