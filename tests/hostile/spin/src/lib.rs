//! Hostile plugin `spin`: `build` loops forever, computing (`how: compute`) or asking the reader
//! the same cheap question again and again (`how: reader`): time in host calls counts too. The
//! host's CPU time limit per call must stop it, fail this unit naming the limit, and let the other
//! units run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader;

struct Spin;

impl bindings::Guest for Spin {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "spin".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "loops forever".to_string(),
            params: vec![ParamSpec {
                name: "how".to_string(),
                default: ParamValue::Text("compute".to_string()),
                description: "compute (a busy loop) or reader (a loop of reader calls)".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let on_reader = unit
            .params
            .iter()
            .any(|p| matches!(&p.value, ParamValue::Text(how) if p.name == "how" && how == "reader"));
        // `black_box` keeps the optimiser from proving the loop does nothing.
        let mut turns: u64 = 0;
        loop {
            if on_reader {
                let count = reader::availability(&unit.symbol, unit.timeframe).map_or(0, |a| a.count);
                turns = std::hint::black_box(turns.wrapping_add(count));
            } else {
                turns = std::hint::black_box(turns.wrapping_add(1));
            }
        }
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Spin;
    crate::bindings::export!(Spin with_types_in crate::bindings);
}
