//! Hostile plugin `recurse`: `build` recurses a billion calls deep. The host must stop it at its
//! stack limit, fail this unit as a stack overflow, and let the other units run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

/// How deep `dive` goes unless the job says otherwise: far past any stack.
const DEPTH: i64 = 1_000_000_000;

/// Recurses `limit - depth` calls deep. The subtraction after the call keeps it from being a tail
/// call, and is not commutative, so the optimiser cannot turn the recursion into a loop.
#[inline(never)]
fn dive(depth: u64, limit: u64) -> u64 {
    if depth >= limit {
        return depth;
    }
    depth.rotate_left(7).wrapping_sub(dive(depth + 1, limit))
}

struct Recurse;

impl bindings::Guest for Recurse {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "recurse".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "recurses without end".to_string(),
            params: vec![ParamSpec {
                name: "depth".to_string(),
                default: ParamValue::Int(DEPTH),
                description: "calls deep to recurse".to_string(),
            }],
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let depth = unit
            .params
            .iter()
            .find_map(|p| match (p.name.as_str(), &p.value) {
                ("depth", ParamValue::Int(depth)) => Some(*depth),
                _ => None,
            })
            .unwrap_or(DEPTH);
        let came_back = dive(0, depth.unsigned_abs());
        Err(PluginError::Failed(format!("came back from {depth} calls deep ({came_back})")))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Recurse;
    crate::bindings::export!(Recurse with_types_in crate::bindings);
}
