//! Hostile plugin `panic`: `build` panics (`how: panic`) or aborts (`how: abort`). The host must
//! fail this unit as panicked or aborted, quoting the panic message, and let the other units run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Panic;

impl bindings::Guest for Panic {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "panic".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "panics or aborts".to_string(),
            params: vec![ParamSpec {
                name: "how".to_string(),
                default: ParamValue::Text("panic".to_string()),
                description: "panic (with a message) or abort (without)".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let how = unit.params.iter().find_map(|p| match (p.name.as_str(), &p.value) {
            ("how", ParamValue::Text(how)) => Some(how.as_str()),
            _ => None,
        });
        match how {
            Some("abort") => std::process::abort(),
            _ => panic!("the hostile plugin panics on {}", unit.symbol),
        }
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Panic;
    crate::bindings::export!(Panic with_types_in crate::bindings);
}
