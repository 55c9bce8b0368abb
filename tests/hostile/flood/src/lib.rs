//! Hostile plugin `flood`: a sampler that returns `rows` rows of `columns` float columns, whatever
//! its input. The host must refuse a table past its output limit, naming it, and let the other
//! units run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Flood;

fn int_param(unit: &UnitOfWork, name: &str, default: i64) -> i64 {
    unit.params
        .iter()
        .find_map(|p| match &p.value {
            ParamValue::Int(v) if p.name == name => Some(*v),
            _ => None,
        })
        .unwrap_or(default)
}

impl bindings::Guest for Flood {
    fn describe() -> PluginInfo {
        let int = |name: &str, default: i64, description: &str| ParamSpec {
            name: name.to_string(),
            default: ParamValue::Int(default),
            description: description.to_string(),
        };
        PluginInfo {
            name: "flood".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "returns a huge table".to_string(),
            params: vec![
                int("rows", 1_000_000, "rows to return"),
                int("columns", 1, "float columns to return"),
            ],
            outputs: vec!["c0".to_string()],
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let rows = usize::try_from(int_param(&unit, "rows", 1_000_000)).unwrap_or(0);
        let columns = usize::try_from(int_param(&unit, "columns", 1)).unwrap_or(0);
        let ts: Vec<i64> = (0..rows as i64).map(|i| unit.window.start + i).collect();
        let columns = (0..columns)
            .map(|c| Column { name: format!("c{c}"), values: ColumnValues::Float(vec![c as f64; rows]) })
            .collect();
        Ok(Table { ts, columns })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Flood;
    crate::bindings::export!(Flood with_types_in crate::bindings);
}
