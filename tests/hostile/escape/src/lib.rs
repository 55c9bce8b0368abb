//! Hostile plugin `escape`: names itself `../../escaped`, a path out of the job's output folder.
//! The host must refuse it at load, before any unit runs, and write nothing anywhere.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};

struct Escape;

impl bindings::Guest for Escape {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "../../escaped".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "names itself with a path out of the output folder".to_string(),
            params: Vec::new(),
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        Err(PluginError::Failed(format!("escape ran on {}: it must not load", unit.symbol)))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Escape;
    crate::bindings::export!(Escape with_types_in crate::bindings);
}
