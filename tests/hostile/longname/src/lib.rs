//! Hostile plugin `longname`: a sampler that returns one column named `n` repeated `name_bytes`
//! times (default 16 MiB, which made a 56 MB Parquet file of 125 rows before names were bounded),
//! of ten rows at the window's start. It describes a name of 256 bytes, so `name_bytes: 256` is a
//! table the host writes.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

/// 16 MiB.
const DEFAULT_NAME_BYTES: i64 = 16 << 20;

/// The length of the name it describes.
const DESCRIBED_NAME_BYTES: usize = 256;

const ROWS: i64 = 10;

struct LongName;

impl bindings::Guest for LongName {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "longname".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "returns a column with a very long name".to_string(),
            params: vec![ParamSpec {
                name: "name_bytes".to_string(),
                default: ParamValue::Int(DEFAULT_NAME_BYTES),
                description: "bytes of the column's name".to_string(),
            }],
            outputs: vec!["n".repeat(DESCRIBED_NAME_BYTES)],
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let name_bytes = unit
            .params
            .iter()
            .find_map(|p| match p.value {
                ParamValue::Int(v) if p.name == "name_bytes" => usize::try_from(v).ok(),
                _ => None,
            })
            .unwrap_or(DEFAULT_NAME_BYTES as usize);
        let ts = (0..ROWS).map(|i| unit.window.start + i).collect();
        let column =
            Column { name: "n".repeat(name_bytes), values: ColumnValues::Float(vec![1.0; ROWS as usize]) };
        Ok(Table { ts, columns: vec![column] })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::LongName;
    crate::bindings::export!(LongName with_types_in crate::bindings);
}
