//! Hostile plugin `stall`: `describe` loops forever. `inspect` must give up at its `--timeout`,
//! and a job at its CPU limit, naming the limit, rather than wait for the default 300 s.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};

struct Stall;

impl bindings::Guest for Stall {
    fn describe() -> PluginInfo {
        // `black_box` keeps the optimiser from proving the loop does nothing.
        let mut turns: u64 = 0;
        loop {
            turns = std::hint::black_box(turns.wrapping_add(1));
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        Err(PluginError::Failed("stall never runs: it never finishes describing itself".to_string()))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Stall;
    crate::bindings::export!(Stall with_types_in crate::bindings);
}
