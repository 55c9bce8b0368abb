//! guest-support's `plugin_glue!` for contract 0.1, frozen as it was at commit bde0337 (the
//! toolkit has moved to 0.2), renamed `plugin_glue_0_1!` and local to this crate: `$crate` is
//! `::guest_support`, whose plain types (parameters, tables, batch checks) it still uses.
//!
//! The WIT glue every Rust plugin needs, written once.
//!
//! wit-bindgen generates distinct types in each plugin crate, so this crate cannot name them; a
//! declarative macro can. `plugin_glue!(crate::bindings)` expands, in the calling module, the
//! conversions between that crate's generated types and this crate's plain values, and the
//! streamed read every plugin does through the generated reader import.

/// Expands, for the wit-bindgen bindings at the given path (a `feature-builder` or `sampler`
/// world of `candlewick:market-data`), in a module of its own (it imports the names `wit`, `reader`
/// and `types` there):
///
/// - `params`: the unit's parameters checked against the plugin's [`ParamSpec`](crate::ParamSpec)s;
/// - `param_spec_to_wit`, `table_to_wit`: what `describe` and the unit return;
/// - `invalid_params`, `failed`: the two ways a plugin refuses a unit;
/// - `read_batches`: a streamed read of [`BATCH_ROWS`](crate::BATCH_ROWS) bars a batch, each batch
///   checked with [`BatchCheck`](crate::BatchCheck); `read_batches_from` is the same over any
///   source of batches, for native tests.
macro_rules! plugin_glue_0_1 {
    ($($bindings:tt)+) => {
        use $($bindings)+::candlewick::market_data::plugin as wit;
        use $($bindings)+::candlewick::market_data::{reader, types};

        /// The unit's parameters, checked against `specs`; defaults fill what the job leaves out.
        pub fn params<'s>(
            specs: &'s [::guest_support::ParamSpec],
            given: &[wit::Param],
        ) -> Result<::guest_support::Params<'s>, wit::PluginError> {
            ::guest_support::Params::parse(specs, given.iter().map(param_from_wit)).map_err(invalid_params)
        }

        /// A job's parameter as a (name, plain value) pair.
        fn param_from_wit(param: &wit::Param) -> (String, ::guest_support::ParamValue) {
            let value = match &param.value {
                wit::ParamValue::Int(v) => ::guest_support::ParamValue::Int(*v),
                wit::ParamValue::Float(v) => ::guest_support::ParamValue::Float(*v),
                wit::ParamValue::Text(v) => ::guest_support::ParamValue::Text(v.clone()),
                wit::ParamValue::Boolean(v) => ::guest_support::ParamValue::Boolean(*v),
            };
            (param.name.clone(), value)
        }

        /// A declared parameter as `describe` reports it.
        pub fn param_spec_to_wit(spec: &::guest_support::ParamSpec) -> wit::ParamSpec {
            let default = match &spec.default {
                ::guest_support::ParamValue::Int(v) => wit::ParamValue::Int(*v),
                ::guest_support::ParamValue::Float(v) => wit::ParamValue::Float(*v),
                ::guest_support::ParamValue::Text(v) => wit::ParamValue::Text(v.clone()),
                ::guest_support::ParamValue::Boolean(v) => wit::ParamValue::Boolean(*v),
            };
            wit::ParamSpec { name: spec.name.into(), default, description: spec.description.into() }
        }

        /// The output table.
        pub fn table_to_wit(table: ::guest_support::Table) -> wit::Table {
            let columns = table.columns.into_iter().map(|column| wit::Column {
                name: column.name.into(),
                values: match column.values {
                    ::guest_support::Values::Float(values) => wit::ColumnValues::Float(values),
                    ::guest_support::Values::Int(values) => wit::ColumnValues::Int(values),
                },
            });
            wit::Table { ts: table.ts, columns: columns.collect() }
        }

        /// Bad parameters: the job's mistake.
        pub fn invalid_params(err: ::guest_support::ParamError) -> wit::PluginError {
            wit::PluginError::InvalidParams(err.to_string())
        }

        /// Anything else that stops the unit, described.
        pub fn failed(err: impl std::fmt::Display) -> wit::PluginError {
            wit::PluginError::Failed(err.to_string())
        }

        /// Reads `fields` of the unit's series over `range` in batches of `guest_support::BATCH_ROWS`
        /// bars, handing each batch to `each` until the cursor ends or `each` breaks. A reader error is passed on as `plugin-error::read`; a batch
        /// that breaks the reader's promises (see `read_batches_from`) fails the unit.
        pub fn read_batches(
            unit: &wit::UnitOfWork,
            range: types::TimeRange,
            fields: types::Fields,
            each: impl FnMut(types::BarColumns) -> Result<::std::ops::ControlFlow<()>, wit::PluginError>,
        ) -> Result<(), wit::PluginError> {
            let cursor = reader::open_range(&unit.symbol, unit.timeframe, range, fields, ::guest_support::BATCH_ROWS)
                .map_err(wit::PluginError::Read)?;
            read_batches_from(|| cursor.next_batch(), fields, each)
        }

        /// `read_batches` after the cursor is open: the batches `next` yields until it has no
        /// more, each checked to hold one value per bar in every column of `fields` and
        /// timestamps ascending strictly, also across batches.
        pub fn read_batches_from(
            mut next: impl FnMut() -> Result<Option<types::BarColumns>, types::Error>,
            fields: types::Fields,
            mut each: impl FnMut(types::BarColumns) -> Result<::std::ops::ControlFlow<()>, wit::PluginError>,
        ) -> Result<(), wit::PluginError> {
            let mut check = ::guest_support::BatchCheck::default();
            while let Some(batch) = next().map_err(wit::PluginError::Read)? {
                let columns = [
                    (types::Fields::OPEN, "open", batch.open.len()),
                    (types::Fields::HIGH, "high", batch.high.len()),
                    (types::Fields::LOW, "low", batch.low.len()),
                    (types::Fields::CLOSE, "close", batch.close.len()),
                    (types::Fields::VOLUME, "volume", batch.volume.len()),
                ];
                let asked: Vec<(&'static str, usize)> = columns
                    .into_iter()
                    .filter(|(field, _, _)| fields.contains(*field))
                    .map(|(_, name, len)| (name, len))
                    .collect();
                // The host broke the contract: reported, not trapped on.
                check.check(&batch.ts, &asked).map_err(failed)?;
                if each(batch)?.is_break() {
                    break;
                }
            }
            Ok(())
        }
    };
}
