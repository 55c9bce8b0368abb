//! Hostile plugin `misnamed`: describes a parameter whose name has a space and a terminal escape
//! code. The host must refuse it at load, naming the field and quoting the name escaped.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Misnamed;

impl bindings::Guest for Misnamed {
    fn describe() -> PluginInfo {
        let param = |name: &str| ParamSpec {
            name: name.to_string(),
            default: ParamValue::Int(1),
            description: String::new(),
        };
        PluginInfo {
            name: "misnamed".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "a parameter whose name is not a name".to_string(),
            params: vec![param("period"), param("x y\u{1b}[2J")],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        Err(PluginError::Failed("misnamed never runs: its description is refused".to_string()))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Misnamed;
    crate::bindings::export!(Misnamed with_types_in crate::bindings);
}
