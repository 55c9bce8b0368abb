//! Maps between the WIT types of the bindings and the plugin's own.

use crate::bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, Param, ParamSpec, ParamValue, Table,
};
use crate::params::{self, InvalidParams, Params, Value};
use crate::table::FeatureTable;

/// A WIT parameter value as ours.
pub fn value(value: &ParamValue) -> Value {
    match value {
        ParamValue::Int(v) => Value::Int(*v),
        ParamValue::Float(v) => Value::Float(*v),
        ParamValue::Text(v) => Value::Text(v.clone()),
        ParamValue::Boolean(v) => Value::Boolean(*v),
    }
}

/// Our parameter value as WIT's.
pub fn param_value(value: &Value) -> ParamValue {
    match value {
        Value::Int(v) => ParamValue::Int(*v),
        Value::Float(v) => ParamValue::Float(*v),
        Value::Text(v) => ParamValue::Text(v.clone()),
        Value::Boolean(v) => ParamValue::Boolean(*v),
    }
}

/// A parameter spec as `describe` returns it.
pub fn param_spec(spec: &params::ParamSpec) -> ParamSpec {
    ParamSpec {
        name: spec.name.to_string(),
        default: param_value(&spec.default),
        description: spec.description.to_string(),
    }
}

/// The unit's parameters, validated.
pub fn params_from_unit(given: &[Param]) -> Result<Params, InvalidParams> {
    let values: Vec<(&str, Value)> = given.iter().map(|p| (p.name.as_str(), value(&p.value))).collect();
    Params::parse(values.iter().map(|(name, v)| (*name, v)))
}

/// The feature table as WIT's, columns in the same order.
pub fn table(features: FeatureTable) -> Table {
    Table {
        ts: features.ts,
        columns: features
            .columns
            .into_iter()
            .map(|(name, values)| Column { name: name.to_string(), values: ColumnValues::Float(values) })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_from_unit_reads_wit_values() {
        let given = [
            Param { name: "sma_period".into(), value: ParamValue::Int(7) },
            Param { name: "bb_stddev".into(), value: ParamValue::Float(2.5) },
        ];
        let params = params_from_unit(&given).unwrap();
        assert_eq!(params, Params { sma_period: 7, bb_stddev: 2.5, ..Params::default() });
    }

    #[test]
    fn params_from_unit_rejects_wrong_wit_type() {
        let given = [Param { name: "atr_period".into(), value: ParamValue::Boolean(true) }];
        assert_eq!(
            params_from_unit(&given).unwrap_err().0,
            "parameter \"atr_period\" must be an int, got boolean true"
        );
    }

    #[test]
    fn param_spec_keeps_default_type() {
        let specs: Vec<ParamSpec> = params::specs().iter().map(param_spec).collect();
        let stddev = specs.iter().find(|s| s.name == "bb_stddev").unwrap();
        assert!(matches!(stddev.default, ParamValue::Float(v) if v == 2.0));
        let sma = specs.iter().find(|s| s.name == "sma_period").unwrap();
        assert!(matches!(sma.default, ParamValue::Int(20)));
    }

    #[test]
    fn table_keeps_rows_and_column_order() {
        let features = FeatureTable {
            ts: vec![1, 2],
            columns: vec![("sma", vec![f64::NAN, 1.0]), ("ema", vec![2.0, 3.0])],
        };
        let table = table(features);
        assert_eq!(table.ts, [1, 2]);
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["sma", "ema"]);
        let ColumnValues::Float(sma) = &table.columns[0].values else { panic!("sma is not a float column") };
        assert!(sma[0].is_nan() && sma[1] == 1.0);
    }
}
