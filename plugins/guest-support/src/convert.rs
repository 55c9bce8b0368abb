//! The WIT glue every sampler needs, written once.
//!
//! wit-bindgen generates distinct types in each plugin crate, so this crate cannot name them; a
//! declarative macro can. `plugin_convert!(crate::bindings::candlewick::market_data::plugin)`
//! expands, in the calling module, the conversions between that crate's generated `plugin` types
//! and this crate's plain values.

/// Expands `param_from_wit`, `param_spec_to_wit`, `table_to_wit`, `invalid_params` and `failed`
/// for the generated `plugin` module at the given path.
#[macro_export]
macro_rules! plugin_convert {
    ($($wit:tt)+) => {
        use $($wit)+ as wit;

        /// A job's parameter as a (name, plain value) pair.
        pub fn param_from_wit(param: wit::Param) -> (String, $crate::ParamValue) {
            let value = match param.value {
                wit::ParamValue::Int(v) => $crate::ParamValue::Int(v),
                wit::ParamValue::Float(v) => $crate::ParamValue::Float(v),
                wit::ParamValue::Text(v) => $crate::ParamValue::Text(v),
                wit::ParamValue::Boolean(v) => $crate::ParamValue::Boolean(v),
            };
            (param.name, value)
        }

        /// A declared parameter as `describe` reports it.
        pub fn param_spec_to_wit(spec: &$crate::ParamSpec) -> wit::ParamSpec {
            let default = match &spec.default {
                $crate::ParamValue::Int(v) => wit::ParamValue::Int(*v),
                $crate::ParamValue::Float(v) => wit::ParamValue::Float(*v),
                $crate::ParamValue::Text(v) => wit::ParamValue::Text(v.clone()),
                $crate::ParamValue::Boolean(v) => wit::ParamValue::Boolean(*v),
            };
            wit::ParamSpec { name: spec.name.into(), default, description: spec.description.into() }
        }

        /// The output table.
        pub fn table_to_wit(table: $crate::Table) -> wit::Table {
            let columns = table.columns.into_iter().map(|column| wit::Column {
                name: column.name.into(),
                values: match column.values {
                    $crate::Values::Float(values) => wit::ColumnValues::Float(values),
                    $crate::Values::Int(values) => wit::ColumnValues::Int(values),
                },
            });
            wit::Table { ts: table.ts, columns: columns.collect() }
        }

        /// Bad parameters: the job's mistake.
        pub fn invalid_params(err: $crate::ParamError) -> wit::PluginError {
            wit::PluginError::InvalidParams(err.to_string())
        }

        /// Anything else that stops the unit, described.
        pub fn failed(err: impl std::fmt::Display) -> wit::PluginError {
            wit::PluginError::Failed(err.to_string())
        }
    };
}
