//! Hostile plugin `wide`: a sampler that returns `columns` float columns `c0`, `c1`, … (default
//! 140,000; 100,000 took the host 14 s and 1.4 GB before output columns were counted) of `rows`
//! rows at the window's start, every value `value` (a float parameter that may be NaN or
//! infinite). It describes its first 100 columns, so `columns: 100` is a table the host writes.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

/// Columns it describes.
const DESCRIBED: usize = 100;

struct Wide;

fn int_param(unit: &UnitOfWork, name: &str, default: usize) -> usize {
    unit.params
        .iter()
        .find_map(|p| match p.value {
            ParamValue::Int(v) if p.name == name => usize::try_from(v).ok(),
            _ => None,
        })
        .unwrap_or(default)
}

impl bindings::Guest for Wide {
    fn describe() -> PluginInfo {
        let int = |name: &str, default: i64, description: &str| ParamSpec {
            name: name.to_string(),
            default: ParamValue::Int(default),
            description: description.to_string(),
        };
        PluginInfo {
            name: "wide".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "returns a table of very many columns".to_string(),
            params: vec![
                int("columns", 140_000, "float columns to return"),
                int("rows", 10, "rows to return"),
                ParamSpec {
                    name: "value".to_string(),
                    default: ParamValue::Float(0.0),
                    description: "every value of the table".to_string(),
                },
            ],
            outputs: (0..DESCRIBED).map(|c| format!("c{c}")).collect(),
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let (columns, rows) = (int_param(&unit, "columns", 140_000), int_param(&unit, "rows", 10));
        let value = unit
            .params
            .iter()
            .find_map(|p| match p.value {
                ParamValue::Float(v) if p.name == "value" => Some(v),
                _ => None,
            })
            .unwrap_or(0.0);
        let ts = (0..rows as i64).map(|i| unit.window.start + i).collect();
        let columns = (0..columns)
            .map(|c| Column { name: format!("c{c}"), values: ColumnValues::Float(vec![value; rows]) })
            .collect();
        Ok(Table { ts, columns })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Wide;
    crate::bindings::export!(Wide with_types_in crate::bindings);
}
