//! `plugin_glue!` expanded against real bindings (world `sampler` of contract 0.2), as a plugin
//! expands it: the conversions, a plan's inputs, the own series' scope, and the streamed read over
//! made-up batches (the cursor itself is a host import, which only a component can call). It also
//! expands against the `cross-section` world, whose plugins use the same glue.

use std::ops::ControlFlow;

use guest_support::{Column, ParamSpec, ParamValue, Table, join};

// The generated glue behind `sample` takes the unit of work lowered to nine canonical-ABI values.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../wit" });
}

/// The glue compiles for every world: here the cross-section one.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
#[allow(dead_code, reason = "only expanded, to check that it compiles for this world")]
mod cross_section {
    mod bindings {
        wit_bindgen::generate!({ world: "cross-section", path: "../../wit" });
    }
    mod glue {
        guest_support::plugin_glue!(super::bindings);
    }
}

#[allow(dead_code, reason = "`read_batches` opens a cursor through the reader import: a component's to call")]
mod glue {
    guest_support::plugin_glue!(crate::bindings);
}

use bindings::candlewick::market_data::plugin::{self as wit, ColumnValues, PluginError};
use bindings::candlewick::market_data::types::{
    BarColumns, Error as ReadError, Fields, TimeRange, Timeframe,
};

fn specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec { name: "period", default: ParamValue::Int(20), description: "bars" },
        ParamSpec { name: "k", default: ParamValue::Float(2.0), description: "deviations" },
    ]
}

#[test]
fn params_reads_wit_values_and_fills_defaults() {
    let specs = specs();
    let given = [wit::Param { name: "k".into(), value: wit::ParamValue::Float(2.5) }];
    let params = glue::params(&specs, &given).unwrap();
    assert_eq!((params.int("period"), params.float("k")), (20, 2.5));
}

#[test]
fn params_refuses_a_wrong_wit_type_as_invalid_params() {
    let specs = specs();
    let given = [wit::Param { name: "period".into(), value: wit::ParamValue::Boolean(true) }];
    let Err(PluginError::InvalidParams(message)) = glue::params(&specs, &given) else {
        panic!("expected invalid-params")
    };
    assert_eq!(message, r#"parameter "period" must be an int, got boolean true"#);
}

#[test]
fn param_spec_to_wit_keeps_the_default_type() {
    let specs: Vec<wit::ParamSpec> = specs().iter().map(glue::param_spec_to_wit).collect();
    assert!(matches!(specs[0].default, wit::ParamValue::Int(20)), "{:?}", specs[0]);
    assert!(matches!(specs[1].default, wit::ParamValue::Float(v) if v == 2.0), "{:?}", specs[1]);
    assert_eq!((specs[1].name.as_str(), specs[1].description.as_str()), ("k", "deviations"));
}

#[test]
fn table_to_wit_keeps_rows_and_column_order() {
    let table = Table {
        ts: vec![1, 2],
        columns: vec![Column::float("sma", vec![f64::NAN, 1.0]), Column::int("n", vec![3, 4])],
    };
    let table = glue::table_to_wit(table);
    assert_eq!(table.ts, [1, 2]);
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["sma", "n"]);
    let ColumnValues::Float(sma) = &table.columns[0].values else { panic!("sma is not a float column") };
    assert!(sma[0].is_nan() && sma[1] == 1.0);
    assert!(matches!(&table.columns[1].values, ColumnValues::Int(n) if n == &[3, 4]));
}

#[test]
fn long_table_to_wit_keeps_the_symbol_indices_beside_the_rows() {
    let table = Table { ts: vec![5, 5], columns: vec![Column::float("rank", vec![0.0, 1.0])] };
    let long = glue::long_table_to_wit(vec![0, 1], table);
    assert_eq!((long.symbol, long.ts), (vec![0, 1], vec![5, 5]));
    assert_eq!(long.columns[0].name, "rank");
}

#[test]
fn plan_inputs_say_series_fields_and_warm_up() {
    let plan = glue::plan([
        glue::own_series(Fields::CLOSE, 199),
        glue::own_symbol_at(Timeframe::Day1, Fields::HIGH, 5),
        glue::fixed_symbol("SPX", None, Fields::CLOSE, 60),
        glue::every_symbol(Some(Timeframe::Hour1), Fields::CLOSE | Fields::VOLUME, 0),
    ]);
    let inputs = &plan.inputs;
    assert_eq!(inputs.len(), 4);
    assert!(matches!(inputs[0].symbols, wit::SymbolSelector::UnitSymbol) && inputs[0].timeframe.is_none());
    assert_eq!((inputs[0].fields, inputs[0].warm_up_bars), (Fields::CLOSE, 199));
    assert!(matches!(inputs[1].symbols, wit::SymbolSelector::UnitSymbol));
    assert_eq!(
        (inputs[1].timeframe, inputs[1].fields, inputs[1].warm_up_bars),
        (Some(Timeframe::Day1), Fields::HIGH, 5)
    );
    assert!(matches!(&inputs[2].symbols, wit::SymbolSelector::Fixed(s) if s == "SPX"));
    assert_eq!((inputs[2].timeframe, inputs[2].warm_up_bars), (None, 60));
    assert!(matches!(inputs[3].symbols, wit::SymbolSelector::EverySymbol));
    assert_eq!(
        (inputs[3].timeframe, inputs[3].fields),
        (Some(Timeframe::Hour1), Fields::CLOSE | Fields::VOLUME)
    );
}

#[test]
fn warm_up_bars_refuses_more_than_a_u32_naming_what_needs_it() {
    assert_eq!(glue::warm_up_bars("ema_period 20", 287).unwrap(), 287);
    let Err(PluginError::InvalidParams(message)) = glue::warm_up_bars("ema_period 20", 1 << 33) else {
        panic!("expected invalid-params")
    };
    assert_eq!(message, "ema_period 20 needs a warm-up of 8589934592 bars (expected at most 4294967295)");
}

/// A unit of EURUSD 1h over [100, 200] µs with these scoped inputs.
fn unit(inputs: Vec<wit::ScopedInput>) -> wit::UnitOfWork {
    wit::UnitOfWork {
        symbol: "EURUSD".into(),
        timeframe: Timeframe::Hour1,
        window: TimeRange { start: 100, end: 200 },
        as_of: 200,
        inputs,
        params: Vec::new(),
    }
}

fn scoped(symbols: &[&str], timeframe: Timeframe, fields: Fields, warm_up_from: i64) -> wit::ScopedInput {
    wit::ScopedInput {
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        timeframe,
        fields,
        warm_up_from,
    }
}

#[test]
fn own_series_scope_joins_the_inputs_holding_the_unit_series() {
    let unit = unit(vec![
        scoped(&["EURUSD"], Timeframe::Hour1, Fields::CLOSE, 40),
        // Another timeframe and another symbol: not the own series, whatever they declare.
        scoped(&["EURUSD"], Timeframe::Day1, Fields::OPEN, 1),
        scoped(&["SPX"], Timeframe::Hour1, Fields::VOLUME, 2),
        // Every symbol of the job at the unit's timeframe holds the own series too.
        scoped(&["AAA", "EURUSD"], Timeframe::Hour1, Fields::HIGH, 70),
    ]);
    assert_eq!(glue::own_series_scope(&unit).unwrap(), (Fields::CLOSE | Fields::HIGH, 40));
}

#[test]
fn timeframe_name_is_the_job_file_spelling() {
    let names = [Timeframe::Tick, Timeframe::Min15, Timeframe::Hour4, Timeframe::Week1, Timeframe::Month1]
        .map(glue::timeframe_name);
    assert_eq!(names, ["tick", "15m", "4h", "1w", "1M"]);
}

#[test]
fn own_series_scope_without_an_input_for_it_fails_naming_the_series() {
    let unit = unit(vec![scoped(&["SPX"], Timeframe::Hour1, Fields::CLOSE, 0)]);
    let Err(PluginError::Failed(message)) = glue::own_series_scope(&unit) else {
        panic!("expected a failure")
    };
    assert!(
        message.starts_with("the unit's inputs hold no EURUSD 1h series (expected the plan"),
        "{message}"
    );
}

/// A batch of close, high and low at `ts` (close = ts, high = close + 1, low = close - 1).
fn batch(ts: &[i64]) -> BarColumns {
    let close: Vec<f64> = ts.iter().map(|&t| t as f64).collect();
    BarColumns {
        ts: ts.to_vec(),
        open: Vec::new(),
        high: close.iter().map(|c| c + 1.0).collect(),
        low: close.iter().map(|c| c - 1.0).collect(),
        close,
        volume: Vec::new(),
    }
}

/// A cursor that yields `list`, then nothing.
fn cursor(
    list: Vec<Result<Option<BarColumns>, ReadError>>,
) -> impl FnMut() -> Result<Option<BarColumns>, ReadError> {
    let mut list = list.into_iter();
    move || list.next().expect("read past the end of the cursor")
}

const PRICES: Fields = Fields::CLOSE.union(Fields::HIGH).union(Fields::LOW);

/// Every batch's ts and close, joined, or the plugin error.
fn read(list: Vec<Result<Option<BarColumns>, ReadError>>) -> Result<(Vec<i64>, Vec<f64>), PluginError> {
    let (mut ts, mut close) = (Vec::new(), Vec::new());
    glue::read_batches_from(cursor(list), PRICES, |batch| {
        ts.push(batch.ts);
        close.push(batch.close);
        Ok(ControlFlow::Continue(()))
    })?;
    Ok((join(ts), join(close)))
}

#[test]
fn read_batches_hands_on_every_batch_in_order() {
    let (ts, close) = read(vec![Ok(Some(batch(&[1, 2]))), Ok(Some(batch(&[3]))), Ok(None)]).unwrap();
    assert_eq!(ts, [1, 2, 3]);
    assert_eq!(close, [1.0, 2.0, 3.0]);
}

#[test]
fn read_batches_of_an_empty_cursor_hands_on_nothing() {
    assert_eq!(read(vec![Ok(None)]).unwrap(), (vec![], vec![]));
}

#[test]
fn read_batches_passes_a_reader_error_on() {
    let got = read(vec![Ok(Some(batch(&[1]))), Err(ReadError::Unavailable)]);
    assert!(matches!(got, Err(PluginError::Read(ReadError::Unavailable))), "{got:?}");
}

#[test]
fn read_batches_refuses_a_batch_missing_an_asked_column() {
    let mut short = batch(&[1, 2]);
    short.low.clear();
    let got = read(vec![Ok(Some(short))]);
    let Err(PluginError::Failed(message)) = got else { panic!("expected a failure, got {got:?}") };
    assert_eq!(message, "reader returned 0 low values for 2 bars (expected one per bar)");
}

#[test]
fn read_batches_does_not_check_columns_not_asked_for() {
    // `batch` leaves open and volume empty, which PRICES does not ask for.
    assert!(read(vec![Ok(Some(batch(&[1]))), Ok(None)]).is_ok());
}

#[test]
fn read_batches_refuses_timestamps_not_ascending_across_batches() {
    let got = read(vec![Ok(Some(batch(&[1, 5]))), Ok(Some(batch(&[5])))]);
    let Err(PluginError::Failed(message)) = got else { panic!("expected a failure, got {got:?}") };
    assert!(message.contains("at 5 µs after one at 5 µs"), "{message}");
}

#[test]
fn read_batches_stops_when_the_plugin_breaks() {
    let mut seen = 0;
    // The cursor would panic if asked for a third batch.
    let list = vec![Ok(Some(batch(&[1]))), Ok(Some(batch(&[2])))];
    glue::read_batches_from(cursor(list), PRICES, |_| {
        seen += 1;
        Ok(if seen == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
    })
    .unwrap();
    assert_eq!(seen, 2);
}
