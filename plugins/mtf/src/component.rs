//! The component's exports: `describe`, `plan` and `build`, wiring the bindings to the plain-Rust
//! modules.

use std::ops::ControlFlow;

use guest_support::{Column, Table, join};

use crate::bindings::Guest;
use crate::bindings::candlewick::market_data::plugin::{
    Param, Plan, PluginError, PluginInfo, Table as WitTable, UnitOfWork,
};
use crate::bindings::candlewick::market_data::reader;
use crate::bindings::candlewick::market_data::types::{Fields, TimeRange, Timeframe};
use crate::features::{OUTPUTS, at_sources, high_distance, rsi};
use crate::glue;
use crate::params::{Params, WEEKLY_WARM_UP_BARS, daily_warm_up_bars, param_specs};

/// The exported plugin.
struct Mtf;

/// The plan's inputs, in this order: the unit's own closes (no warm-up: each row needs only its
/// own close), the symbol's daily closes (the RSI's warm-up) and its weekly highs.
const DAILY_INPUT: usize = 1;

impl Guest for Mtf {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "daily RSI (Wilder, TA-Lib) and the distance of close to the prior week's high, \
                          each from the last higher-timeframe bar closed by the row's close"
                .to_string(),
            params: param_specs().iter().map(glue::param_spec_to_wit).collect(),
            outputs: OUTPUTS.iter().map(|name| name.to_string()).collect(),
        }
    }

    fn plan(params: Vec<Param>) -> Result<Plan, PluginError> {
        let specs = param_specs();
        let params = Params::new(&glue::params(&specs, &params)?).map_err(glue::invalid_params)?;
        Ok(glue::plan([
            glue::own_series(Fields::CLOSE, 0),
            glue::own_symbol_at(
                Timeframe::Day1,
                Fields::CLOSE,
                glue::warm_up_bars("the daily RSI", daily_warm_up_bars(&params))?,
            ),
            glue::own_symbol_at(Timeframe::Week1, Fields::HIGH, WEEKLY_WARM_UP_BARS as u32),
        ]))
    }

    fn build(unit: UnitOfWork) -> Result<WitTable, PluginError> {
        let specs = param_specs();
        let params = Params::new(&glue::params(&specs, &unit.params)?).map_err(glue::invalid_params)?;
        let (rows, close) = own_closes(&unit)?;

        // The daily RSI over every daily bar read (warm-up included), then each row's value at
        // the last daily bar closed by the row's close.
        let daily_from = unit.inputs.get(DAILY_INPUT).map(|input| input.warm_up_from).ok_or_else(|| {
            glue::failed("the unit has no daily input (expected the plan's second input, 1d close)")
        })?;
        let (daily_ts, daily_close) = series_closes(
            &unit.symbol,
            Timeframe::Day1,
            TimeRange { start: daily_from, end: unit.window.end },
        )?;
        let daily_rsi = rsi(&daily_close, params.rsi_period).map_err(glue::failed)?;
        let daily = reader::aligned(&unit.symbol, &unit.symbol, Timeframe::Day1, unit.window, Fields::CLOSE)
            .map_err(PluginError::Read)?;
        same_rows("1d", &rows, &daily.ts)?;
        let daily_rsi = at_sources(&rows, &daily.source_ts, &daily_ts, &daily_rsi).map_err(glue::failed)?;

        let weekly = reader::aligned(&unit.symbol, &unit.symbol, Timeframe::Week1, unit.window, Fields::HIGH)
            .map_err(PluginError::Read)?;
        same_rows("1w", &rows, &weekly.ts)?;
        let distance = high_distance(&close, &weekly.high);

        Ok(glue::table_to_wit(Table {
            ts: rows,
            columns: vec![Column::float(OUTPUTS[0], daily_rsi), Column::float(OUTPUTS[1], distance)],
        }))
    }
}

/// The unit's own bars in the window: open times and closes.
fn own_closes(unit: &UnitOfWork) -> Result<(Vec<i64>, Vec<f64>), PluginError> {
    let (mut ts, mut close) = (Vec::new(), Vec::new());
    glue::read_batches(unit, unit.window.end, |batch| {
        ts.push(batch.ts);
        close.push(batch.close);
        Ok(ControlFlow::Continue(()))
    })?;
    let (ts, close) = (join(ts), join(close));
    // Another input of the unit's own series (a daily unit's daily input) widens the read to its
    // warm-up: the rows are the window's bars only.
    let first = ts.partition_point(|&t| t < unit.window.start);
    Ok((ts[first..].to_vec(), close[first..].to_vec()))
}

/// Open times and closes of `symbol` at `timeframe` over `range`, streamed.
fn series_closes(
    symbol: &str,
    timeframe: Timeframe,
    range: TimeRange,
) -> Result<(Vec<i64>, Vec<f64>), PluginError> {
    let (mut ts, mut close) = (Vec::new(), Vec::new());
    glue::read_range_batches(symbol, timeframe, range, Fields::CLOSE, |batch| {
        ts.push(batch.ts);
        close.push(batch.close);
        Ok(ControlFlow::Continue(()))
    })?;
    Ok((join(ts), join(close)))
}

/// The aligned read's rows are the unit's bars in the window, as the contract says; anything else
/// is the host's fault, reported rather than trapped on.
fn same_rows(what: &str, rows: &[i64], aligned: &[i64]) -> Result<(), PluginError> {
    if rows == aligned {
        return Ok(());
    }
    Err(glue::failed(format!(
        "the aligned {what} read returned {} rows, the range read {} (expected the unit's bars in the window)",
        aligned.len(),
        rows.len()
    )))
}

// `export!` expands to the canonical-ABI entry points: `#[unsafe(export_name)]` functions and
// `unsafe` blocks generated by wit-bindgen, the one place this crate needs `unsafe`.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Mtf;
    crate::bindings::export!(Mtf with_types_in crate::bindings);
}

#[cfg(test)]
mod tests {
    use super::*;

    // `describe` and `plan` call no import, so they run natively; `build` reads through the host
    // and is covered end to end (host/tests/examples_0_2.rs).
    #[test]
    fn describe_reports_the_parameter_and_outputs() {
        let info = Mtf::describe();
        assert_eq!((info.name.as_str(), info.version.as_str()), ("mtf", "0.1.0"));
        assert_eq!(info.outputs, OUTPUTS);
        assert_eq!(info.params.len(), 1);
        assert_eq!(info.params[0].name, "rsi_period");
    }

    #[test]
    fn plan_declares_own_closes_daily_closes_with_the_rsi_warm_up_and_weekly_highs() {
        let plan = Mtf::plan(Vec::new()).unwrap();
        let inputs: Vec<_> = plan.inputs.iter().map(|i| (i.timeframe, i.fields, i.warm_up_bars)).collect();
        assert_eq!(
            inputs,
            [
                (None, Fields::CLOSE, 0),
                (Some(Timeframe::Day1), Fields::CLOSE, 388),
                (Some(Timeframe::Week1), Fields::HIGH, 2)
            ]
        );
        let err = Mtf::plan(vec![Param {
            name: "rsi_period".into(),
            value: crate::bindings::candlewick::market_data::plugin::ParamValue::Int(1),
        }])
        .unwrap_err();
        assert!(matches!(&err, PluginError::InvalidParams(m) if m.contains("rsi_period")), "{err:?}");
    }
}
