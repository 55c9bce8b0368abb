//! Hostile plugin `hog`: `build` allocates and touches 1 MiB after 1 MiB and keeps them all. The
//! host's memory limit must stop it, fail this unit naming the limit, and let the other units run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};

/// One allocation: a MiB, written so that the memory is really used.
const CHUNK_BYTES: usize = 1 << 20;

struct Hog;

impl bindings::Guest for Hog {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "hog".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "allocates memory until it is stopped".to_string(),
            params: Vec::new(),
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(std::hint::black_box(vec![0xA5; CHUNK_BYTES]));
        }
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Hog;
    crate::bindings::export!(Hog with_types_in crate::bindings);
}
