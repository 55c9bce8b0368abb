//! Hostile plugin `heap` (world `columnar-feature-builder`): makes `columns` host-held columns of
//! `len` values each (`columns.column.filled`), keeping every one (`keep`, the default) or dropping
//! each at once, so a test can check that the columns the host holds count against the unit's
//! memory limit, and that a dropped column gives its room back. Refused, it reports which column
//! and the error as its own failure. Having made them all, it returns the window's rows as a
//! table of every kind a columnar world may return: host-held times, a held column (`double`,
//! the close × 2, made in the host), the close copied into the plugin and given back as a list
//! (`close`) and an int list (`made`, the columns made).

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "columnar-feature-builder", path: "../../../wit" });
}

use bindings::candlewick::market_data::columns::{Column, Operator};
use bindings::candlewick::market_data::kernels::KernelError;
use bindings::candlewick::market_data::plugin::{
    HeldColumn, HeldTable, HeldTimes, HeldValues, Input, Param, ParamSpec, ParamValue, Plan, PluginError,
    PluginInfo, SymbolSelector, UnitOfWork,
};
use bindings::candlewick::market_data::reader;
use bindings::candlewick::market_data::types::Fields;

struct Heap;

/// The parameter `name` as an int, or `default`.
fn int(params: &[Param], name: &str, default: i64) -> i64 {
    params
        .iter()
        .find_map(|p| match p.value {
            ParamValue::Int(v) if p.name == name => Some(v),
            _ => None,
        })
        .unwrap_or(default)
}

fn spec(name: &str, default: ParamValue, description: &str) -> ParamSpec {
    ParamSpec { name: name.to_string(), default, description: description.to_string() }
}

impl bindings::Guest for Heap {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "heap".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "holds host columns until refused".to_string(),
            params: vec![
                spec("columns", ParamValue::Int(1_000), "columns to make"),
                spec("len", ParamValue::Int(1_000_000), "values per column"),
                spec("keep", ParamValue::Boolean(true), "keep every column (else drop each)"),
            ],
            outputs: vec!["double".to_string(), "close".to_string(), "made".to_string()],
        }
    }

    fn plan(_params: Vec<Param>) -> Result<Plan, PluginError> {
        Ok(Plan {
            inputs: vec![Input {
                timeframe: None,
                symbols: SymbolSelector::UnitSymbol,
                fields: Fields::CLOSE,
                warm_up_bars: 0,
            }],
        })
    }

    fn build(unit: UnitOfWork) -> Result<HeldTable, PluginError> {
        let (columns, len) = (int(&unit.params, "columns", 1_000), int(&unit.params, "len", 1_000_000));
        let keep =
            !unit.params.iter().any(|p| p.name == "keep" && matches!(p.value, ParamValue::Boolean(false)));
        let mut held = Vec::new();
        for i in 0..columns {
            match Column::filled(1.0, len as u32) {
                Ok(column) if keep => held.push(column),
                Ok(column) => drop(column),
                Err(KernelError::TooLarge(limit)) => {
                    return Err(PluginError::Failed(format!(
                        "column {i} refused: too-large, {} limit {}",
                        limit.what, limit.limit
                    )));
                }
                Err(KernelError::InvalidArgument(message)) => return Err(PluginError::Failed(message)),
            }
        }
        drop(held);
        let bars = reader::series(&unit.symbol, unit.timeframe, unit.window, Fields::CLOSE)
            .map_err(PluginError::Read)?;
        let double = bars
            .close
            .combine_scalar(Operator::Multiply, 2.0)
            .map_err(|e| PluginError::Failed(format!("{e:?}")))?;
        let rows = bars.ts.len() as usize;
        Ok(HeldTable {
            ts: HeldTimes::Held(bars.ts),
            columns: vec![
                HeldColumn { name: "double".to_string(), values: HeldValues::Held(double) },
                HeldColumn { name: "close".to_string(), values: HeldValues::Float(bars.close.values()) },
                HeldColumn { name: "made".to_string(), values: HeldValues::Int(vec![columns; rows]) },
            ],
        })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Heap;
    crate::bindings::export!(Heap with_types_in crate::bindings);
}
