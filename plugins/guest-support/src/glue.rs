//! The WIT glue every Rust plugin needs, written once.
//!
//! wit-bindgen generates distinct types in each plugin crate, so this crate cannot name them; a
//! declarative macro can. `plugin_glue!(crate::bindings)` expands, in the calling module, the
//! conversions between that crate's generated types and this crate's plain values, the inputs of
//! a plan, and the streamed read every plugin does through the generated reader import.

/// Expands, for the wit-bindgen bindings at the given path (any world of
/// `candlewick:market-data@0.2.0`: `feature-builder`, `sampler` or `cross-section`), in a module
/// of its own (it imports the names `wit`, `reader` and `types` there):
///
/// - `params`: the unit's (or `plan`'s) parameters checked against the plugin's
///   [`ParamSpec`](crate::ParamSpec)s;
/// - `param_spec_to_wit`, `table_to_wit`, `long_table_to_wit`: what `describe` and a unit return;
/// - `invalid_params`, `failed`: the two ways a plugin refuses parameters or a unit;
/// - `plan`, `own_series`, `own_symbol_at`, `fixed_symbol`, `every_symbol`, `warm_up_bars`: what
///   `plan` returns, input by input;
/// - `timeframe_name`: a timeframe as job files spell it (`1h`);
/// - `own_series_scope`: what the unit may read of its own series (fields, warm-up start);
/// - `read_batches`: the unit's own series streamed from its warm-up start, with the fields the
///   plan declared, [`BATCH_ROWS`](crate::BATCH_ROWS) bars a batch, each batch checked with
///   [`BatchCheck`](crate::BatchCheck); `read_range_batches` streams any declared series;
///   `read_batches_from` is the same over any source of batches, for native tests.
///
/// Timestamps are µs since the Unix epoch (UTC), as everywhere in the contract; warm-ups are
/// counted in stored bars of the input's series.
#[macro_export]
macro_rules! plugin_glue {
    ($($bindings:tt)+) => {
        use $($bindings)+::candlewick::market_data::plugin as wit;
        use $($bindings)+::candlewick::market_data::{reader, types};

        /// The unit's parameters, checked against `specs`; defaults fill what the job leaves out.
        pub fn params<'s>(
            specs: &'s [$crate::ParamSpec],
            given: &[wit::Param],
        ) -> Result<$crate::Params<'s>, wit::PluginError> {
            $crate::Params::parse(specs, given.iter().map(param_from_wit)).map_err(invalid_params)
        }

        /// A job's parameter as a (name, plain value) pair.
        fn param_from_wit(param: &wit::Param) -> (String, $crate::ParamValue) {
            let value = match &param.value {
                wit::ParamValue::Int(v) => $crate::ParamValue::Int(*v),
                wit::ParamValue::Float(v) => $crate::ParamValue::Float(*v),
                wit::ParamValue::Text(v) => $crate::ParamValue::Text(v.clone()),
                wit::ParamValue::Boolean(v) => $crate::ParamValue::Boolean(*v),
            };
            (param.name.clone(), value)
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

        /// The long table of a cross-section unit: `symbol[i]` is row `i`'s symbol, an index
        /// into the unit's `symbols`; `table` holds the rows' bar open times and the columns.
        pub fn long_table_to_wit(symbol: Vec<u32>, table: $crate::Table) -> wit::LongTable {
            let wit::Table { ts, columns } = table_to_wit(table);
            wit::LongTable { symbol, ts, columns }
        }

        /// What `plan` returns: these inputs, in order (the unit's `inputs` keep that order).
        pub fn plan(inputs: impl IntoIterator<Item = wit::Input>) -> wit::Plan {
            wit::Plan { inputs: inputs.into_iter().collect() }
        }

        /// An input of the unit's own series (its symbol at its timeframe): `fields`, and
        /// `warm_up_bars` stored bars before the window's start.
        pub fn own_series(fields: types::Fields, warm_up_bars: u32) -> wit::Input {
            wit::Input { timeframe: None, symbols: wit::SymbolSelector::UnitSymbol, fields, warm_up_bars }
        }

        /// An input of the unit's own symbol at another `timeframe` (a daily RSI on hourly rows):
        /// `fields`, and `warm_up_bars` bars of that timeframe before the window's start.
        pub fn own_symbol_at(timeframe: types::Timeframe, fields: types::Fields, warm_up_bars: u32) -> wit::Input {
            wit::Input { timeframe: Some(timeframe), symbols: wit::SymbolSelector::UnitSymbol, fields, warm_up_bars }
        }

        /// An input of one fixed `symbol` (a market index, say) at `timeframe` (`None`: the unit's).
        pub fn fixed_symbol(
            symbol: &str,
            timeframe: Option<types::Timeframe>,
            fields: types::Fields,
            warm_up_bars: u32,
        ) -> wit::Input {
            wit::Input { timeframe, symbols: wit::SymbolSelector::Fixed(symbol.into()), fields, warm_up_bars }
        }

        /// An input of every symbol of the job at `timeframe` (`None`: the unit's).
        pub fn every_symbol(timeframe: Option<types::Timeframe>, fields: types::Fields, warm_up_bars: u32) -> wit::Input {
            wit::Input { timeframe, symbols: wit::SymbolSelector::EverySymbol, fields, warm_up_bars }
        }

        /// A warm-up counted in `usize` bars as the contract's `u32`; above `u32::MAX` is refused
        /// as `invalid-params` naming `what` (the host refuses far less: its warm-up limit).
        pub fn warm_up_bars(what: &str, bars: usize) -> Result<u32, wit::PluginError> {
            u32::try_from(bars).map_err(|_| {
                wit::PluginError::InvalidParams(format!(
                    "{what} needs a warm-up of {bars} bars (expected at most {})",
                    u32::MAX
                ))
            })
        }

        /// A timeframe as job files spell it: `tick`, `1m`, `5m`, `15m`, `30m`, `1h`, `4h`, `1d`,
        /// `1w`, `1M`.
        pub fn timeframe_name(timeframe: types::Timeframe) -> &'static str {
            match timeframe {
                types::Timeframe::Tick => "tick",
                types::Timeframe::Min1 => "1m",
                types::Timeframe::Min5 => "5m",
                types::Timeframe::Min15 => "15m",
                types::Timeframe::Min30 => "30m",
                types::Timeframe::Hour1 => "1h",
                types::Timeframe::Hour4 => "4h",
                types::Timeframe::Day1 => "1d",
                types::Timeframe::Week1 => "1w",
                types::Timeframe::Month1 => "1M",
            }
        }

        /// What the unit may read of its own series (its symbol at its timeframe): the fields of
        /// every scoped input that holds it, from the earliest of their warm-up starts (µs since
        /// the Unix epoch; `i64::MIN` when the series is read from its first bar). The host serves
        /// exactly that (WIT `reader`). Fails, naming the series, when the plan declares no
        /// input holding it.
        pub fn own_series_scope(unit: &wit::UnitOfWork) -> Result<(types::Fields, types::Timestamp), wit::PluginError> {
            unit.inputs
                .iter()
                .filter(|input| input.timeframe == unit.timeframe && input.symbols.contains(&unit.symbol))
                .map(|input| (input.fields, input.warm_up_from))
                .reduce(|(fields, from), (more, other)| (fields | more, from.min(other)))
                .ok_or_else(|| {
                    failed(format!(
                        "the unit's inputs hold no {} {} series (expected the plan to declare the unit's own \
                         series, e.g. `own_series(fields, warm_up_bars)`)",
                        unit.symbol,
                        timeframe_name(unit.timeframe)
                    ))
                })
        }

        /// Streams the unit's own series from its warm-up start (see `own_series_scope`) to `end`
        /// (µs, inclusive: the window's end for a feature builder, up to `unit.as_of` for a
        /// sampler that looks forward), with the fields the plan declared for it, handing each
        /// batch to `each` until the cursor ends or `each` breaks. A reader error is passed on as
        /// `plugin-error::read`; a batch that breaks the reader's promises (see
        /// `read_batches_from`) fails the unit.
        pub fn read_batches(
            unit: &wit::UnitOfWork,
            end: types::Timestamp,
            each: impl FnMut(types::BarColumns) -> Result<::std::ops::ControlFlow<()>, wit::PluginError>,
        ) -> Result<(), wit::PluginError> {
            let (fields, start) = own_series_scope(unit)?;
            read_range_batches(&unit.symbol, unit.timeframe, types::TimeRange { start, end }, fields, each)
        }

        /// Streams `fields` of `symbol` at `timeframe` over `range` (µs, inclusive) in batches of
        /// `guest_support::BATCH_ROWS` bars, as `read_batches` does: for series other than the
        /// unit's own, which the plan must declare too (else the reader answers `out-of-scope`).
        pub fn read_range_batches(
            symbol: &str,
            timeframe: types::Timeframe,
            range: types::TimeRange,
            fields: types::Fields,
            each: impl FnMut(types::BarColumns) -> Result<::std::ops::ControlFlow<()>, wit::PluginError>,
        ) -> Result<(), wit::PluginError> {
            let cursor = reader::open_range(symbol, timeframe, range, fields, $crate::BATCH_ROWS)
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
            let mut check = $crate::BatchCheck::default();
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
