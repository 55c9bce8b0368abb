//! Conversions between the generated WIT types and this crate's plain values.
//!
//! The same shapes as in `bars` and `events`: wit-bindgen generates distinct types in each crate,
//! so a shared crate could only hold this glue by generating the bindings itself.

use guest_support::{ParamError, ParamSpec, ParamValue, Table, Values};

use crate::bindings::candlewick::market_data::plugin as wit;
use crate::bindings::candlewick::market_data::types::Timeframe as WitTimeframe;
use crate::timeframe::Timeframe;

/// A job's parameter as a (name, plain value) pair.
pub fn param_from_wit(param: wit::Param) -> (String, ParamValue) {
    let value = match param.value {
        wit::ParamValue::Int(v) => ParamValue::Int(v),
        wit::ParamValue::Float(v) => ParamValue::Float(v),
        wit::ParamValue::Text(v) => ParamValue::Text(v),
        wit::ParamValue::Boolean(v) => ParamValue::Boolean(v),
    };
    (param.name, value)
}

/// A declared parameter as `describe` reports it.
pub fn param_spec_to_wit(spec: &ParamSpec) -> wit::ParamSpec {
    let default = match &spec.default {
        ParamValue::Int(v) => wit::ParamValue::Int(*v),
        ParamValue::Float(v) => wit::ParamValue::Float(*v),
        ParamValue::Text(v) => wit::ParamValue::Text(v.clone()),
        ParamValue::Boolean(v) => wit::ParamValue::Boolean(*v),
    };
    wit::ParamSpec { name: spec.name.into(), default, description: spec.description.into() }
}

/// The output table.
pub fn table_to_wit(table: Table) -> wit::Table {
    let columns = table.columns.into_iter().map(|column| wit::Column {
        name: column.name.into(),
        values: match column.values {
            Values::Float(values) => wit::ColumnValues::Float(values),
            Values::Int(values) => wit::ColumnValues::Int(values),
        },
    });
    wit::Table { ts: table.ts, columns: columns.collect() }
}

/// Bad parameters: the job's mistake.
pub fn invalid_params(err: ParamError) -> wit::PluginError {
    wit::PluginError::InvalidParams(err.to_string())
}

/// Anything else that stops the unit, described.
pub fn failed(err: impl std::fmt::Display) -> wit::PluginError {
    wit::PluginError::Failed(err.to_string())
}

/// The unit's timeframe as a plain value.
pub fn timeframe_from_wit(timeframe: WitTimeframe) -> Timeframe {
    match timeframe {
        WitTimeframe::Tick => Timeframe::Tick,
        WitTimeframe::Min1 => Timeframe::Min1,
        WitTimeframe::Min5 => Timeframe::Min5,
        WitTimeframe::Min15 => Timeframe::Min15,
        WitTimeframe::Min30 => Timeframe::Min30,
        WitTimeframe::Hour1 => Timeframe::Hour1,
        WitTimeframe::Hour4 => Timeframe::Hour4,
        WitTimeframe::Day1 => Timeframe::Day1,
        WitTimeframe::Week1 => Timeframe::Week1,
        WitTimeframe::Month1 => Timeframe::Month1,
    }
}
