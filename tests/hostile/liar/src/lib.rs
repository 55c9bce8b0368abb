//! Hostile plugin `liar`: a feature builder whose table is well formed but not what its unit asks
//! for, one way per `case`. The host must fail the unit, naming what is wrong:
//!
//! - `partial`: reads only the window's first 9 bars and returns those 9 rows;
//! - `nothing`: reads nothing and returns no rows;
//! - `undescribed`: returns the window's rows with a column it does not describe;
//! - `peek`: reads an hour past its window's end (to label a bar with the next one's close);
//! - `whole`: reads its window in batches and returns one row per bar (the control: it succeeds).

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};
use bindings::candlewick::market_data::reader;
use bindings::candlewick::market_data::types::{Fields, TimeRange};

const HOUR: i64 = 3_600_000_000;

struct Liar;

/// The window's bars, read in batches of `batch_rows`; only the first batch when `first_only`.
fn window(unit: &UnitOfWork, batch_rows: u32, first_only: bool) -> Result<(Vec<i64>, Vec<f64>), PluginError> {
    let range = TimeRange { start: unit.window.start, end: unit.window.end };
    let cursor = reader::open_range(&unit.symbol, unit.timeframe, range, Fields::CLOSE, batch_rows)
        .map_err(PluginError::Read)?;
    let (mut ts, mut close) = (Vec::new(), Vec::new());
    while let Some(batch) = cursor.next_batch().map_err(PluginError::Read)? {
        ts.extend(batch.ts);
        close.extend(batch.close);
        if first_only {
            break;
        }
    }
    Ok((ts, close))
}

fn float(name: &str, values: Vec<f64>) -> Column {
    Column { name: name.to_string(), values: ColumnValues::Float(values) }
}

impl bindings::Guest for Liar {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "liar".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "returns rows or columns its unit does not ask for".to_string(),
            params: vec![ParamSpec {
                name: "case".to_string(),
                default: ParamValue::Text("whole".to_string()),
                description: "partial, nothing, undescribed, peek or whole".to_string(),
            }],
            outputs: vec!["close".to_string()],
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let case = unit
            .params
            .iter()
            .find_map(|p| match (p.name.as_str(), &p.value) {
                ("case", ParamValue::Text(case)) => Some(case.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let (ts, close) = match case.as_str() {
            "partial" => window(&unit, 9, true)?,
            "nothing" => (Vec::new(), Vec::new()),
            "peek" => {
                let range = TimeRange { start: unit.window.start, end: unit.window.end + HOUR };
                let bars = reader::range(&unit.symbol, unit.timeframe, range, Fields::CLOSE)
                    .map_err(PluginError::Read)?;
                let rows = bars.ts.iter().filter(|&&ts| ts <= unit.window.end).count();
                (bars.ts[..rows].to_vec(), bars.close[1..=rows].to_vec())
            }
            "undescribed" | "whole" => window(&unit, 1000, false)?,
            other => return Err(PluginError::InvalidParams(format!("case {other:?} is not a case"))),
        };
        let mut columns = vec![float("close", close.clone())];
        if case == "undescribed" {
            columns.push(float("secret", close));
        }
        Ok(Table { ts, columns })
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Liar;
    crate::bindings::export!(Liar with_types_in crate::bindings);
}
