//! Hostile plugin `twins`: describes two parameters named `period`. A job would give it both
//! values while its metadata recorded one; the host must refuse it at load, naming the field.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Twins;

impl bindings::Guest for Twins {
    fn describe() -> PluginInfo {
        let period = |default: i64| ParamSpec {
            name: "period".to_string(),
            default: ParamValue::Int(default),
            description: "bars".to_string(),
        };
        PluginInfo {
            name: "twins".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "two parameters of one name".to_string(),
            params: vec![period(10), period(20)],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        Err(PluginError::Failed("twins never runs: its description is refused".to_string()))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Twins;
    crate::bindings::export!(Twins with_types_in crate::bindings);
}
