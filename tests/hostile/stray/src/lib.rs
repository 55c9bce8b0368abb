//! Hostile plugin `stray`: a sampler that returns one row at a timestamp chosen by `at`, to check
//! that the host keeps a sampler's rows within what its unit may read:
//!
//! - `after-as-of`: a microsecond after the as-of time;
//! - `before-warm-up`: a microsecond before the warm-up start;
//! - `min`, `max`: the ends of the timestamp range (pandas reads them back as `NaT`);
//! - `start`: the window's start (the control: it succeeds).

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Stray;

impl bindings::Guest for Stray {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "stray".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "returns a row outside what its unit may read".to_string(),
            params: vec![ParamSpec {
                name: "at".to_string(),
                default: ParamValue::Text("start".to_string()),
                description: "after-as-of, before-warm-up, min, max or start".to_string(),
            }],
            outputs: vec!["x".to_string()],
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let at = unit
            .params
            .iter()
            .find_map(|p| match (p.name.as_str(), &p.value) {
                ("at", ParamValue::Text(at)) => Some(at.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let ts = match at.as_str() {
            "after-as-of" => unit.as_of + 1,
            "before-warm-up" => unit.warm_up_from - 1,
            "min" => i64::MIN,
            "max" => i64::MAX,
            "start" => unit.window.start,
            other => return Err(PluginError::InvalidParams(format!("at {other:?} is not a case"))),
        };
        Ok(Table {
            ts: vec![ts],
            columns: vec![Column { name: "x".to_string(), values: ColumnValues::Float(vec![1.0]) }],
        })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Stray;
    crate::bindings::export!(Stray with_types_in crate::bindings);
}
