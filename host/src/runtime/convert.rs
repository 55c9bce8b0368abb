//! Conversions between the WIT types of the bindings and the host's domain types.

use super::bindings::types as wit;
use super::scope::AlignedBars;
use crate::domain::Availability;
use crate::domain::{
    AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, TimeRange, Timeframe, Timestamp,
};

pub(super) fn timeframe_from_wit(tf: wit::Timeframe) -> Timeframe {
    match tf {
        wit::Timeframe::Tick => Timeframe::Tick,
        wit::Timeframe::Min1 => Timeframe::Minute1,
        wit::Timeframe::Min5 => Timeframe::Minute5,
        wit::Timeframe::Min15 => Timeframe::Minute15,
        wit::Timeframe::Min30 => Timeframe::Minute30,
        wit::Timeframe::Hour1 => Timeframe::Hour1,
        wit::Timeframe::Hour4 => Timeframe::Hour4,
        wit::Timeframe::Day1 => Timeframe::Day1,
        wit::Timeframe::Week1 => Timeframe::Week1,
        wit::Timeframe::Month1 => Timeframe::Month1,
    }
}

pub(super) fn timeframe_to_wit(tf: Timeframe) -> wit::Timeframe {
    match tf {
        Timeframe::Tick => wit::Timeframe::Tick,
        Timeframe::Minute1 => wit::Timeframe::Min1,
        Timeframe::Minute5 => wit::Timeframe::Min5,
        Timeframe::Minute15 => wit::Timeframe::Min15,
        Timeframe::Minute30 => wit::Timeframe::Min30,
        Timeframe::Hour1 => wit::Timeframe::Hour1,
        Timeframe::Hour4 => wit::Timeframe::Hour4,
        Timeframe::Day1 => wit::Timeframe::Day1,
        Timeframe::Week1 => wit::Timeframe::Week1,
        Timeframe::Month1 => wit::Timeframe::Month1,
    }
}

/// Each WIT field flag and the domain field it is.
const FIELDS: [(wit::Fields, Fields); 5] = [
    (wit::Fields::OPEN, Fields::OPEN),
    (wit::Fields::HIGH, Fields::HIGH),
    (wit::Fields::LOW, Fields::LOW),
    (wit::Fields::CLOSE, Fields::CLOSE),
    (wit::Fields::VOLUME, Fields::VOLUME),
];

pub(super) fn fields_from_wit(flags: wit::Fields) -> Fields {
    FIELDS
        .into_iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .fold(Fields::NONE, |all, (_, field)| all | field)
}

pub(super) fn fields_to_wit(fields: Fields) -> wit::Fields {
    FIELDS
        .into_iter()
        .filter(|(_, field)| fields.contains(*field))
        .fold(wit::Fields::empty(), |all, (flag, _)| all | flag)
}

/// A guest's window; `start > end` is the guest's mistake.
pub(super) fn range_from_wit(range: wit::TimeRange) -> Result<TimeRange, ReadError> {
    Ok(TimeRange::new(Timestamp::from_micros(range.start), Timestamp::from_micros(range.end))?)
}

pub(super) fn range_to_wit(range: TimeRange) -> wit::TimeRange {
    wit::TimeRange { start: range.start().as_micros(), end: range.end().as_micros() }
}

pub(super) fn columns_to_wit(columns: BarColumns) -> wit::BarColumns {
    let BarColumns { ts, open, high, low, close, volume } = columns;
    wit::BarColumns { ts, open, high, low, close, volume }
}

pub(super) fn aligned_to_wit(aligned: AlignedBars) -> super::bindings::v0_2::reader::AlignedBars {
    let AlignedBars { ts, source_ts, open, high, low, close, volume } = aligned;
    super::bindings::v0_2::reader::AlignedBars { ts, source_ts, open, high, low, close, volume }
}

pub(super) fn latest_to_wit(latest: LatestBar) -> wit::LatestBar {
    let bar = latest.bar;
    wit::LatestBar {
        symbol: latest.symbol.to_string(),
        ts: bar.ts.as_micros(),
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: bar.volume,
    }
}

pub(super) fn availability_to_wit(a: Availability) -> wit::AvailabilityInfo {
    wit::AvailabilityInfo {
        count: a.count,
        earliest: a.earliest.map(Timestamp::as_micros),
        latest: a.latest.map(Timestamp::as_micros),
    }
}

pub(super) fn entry_to_wit(entry: AvailabilityEntry) -> wit::AvailabilityEntry {
    wit::AvailabilityEntry {
        symbol: entry.symbol.to_string(),
        timeframe: timeframe_to_wit(entry.timeframe),
        availability: availability_to_wit(entry.availability),
    }
}

/// What the guest is told. Unavailable carries no text: the database's message stays in the
/// host's log (the caller logs the whole chain before converting).
pub(super) fn error_to_wit(err: ReadError) -> wit::Error {
    match err {
        ReadError::InvalidArgument(err) => wit::Error::InvalidArgument(err.to_string()),
        ReadError::OutOfScope(message) => wit::Error::OutOfScope(message),
        ReadError::TooLarge { what, limit } => {
            wit::Error::TooLarge(wit::LimitExceeded { what: what.to_owned(), limit })
        }
        ReadError::Unavailable(_) => wit::Error::Unavailable,
    }
}

/// The conversions of the `plugin` interface's types that both contract versions share (0.2 kept
/// 0.1's parameters, tables and errors as they were), for one version's generated module.
macro_rules! plugin_interface {
    ($($wit_plugin:tt)+) => {
        use $($wit_plugin)+ as wit_plugin;
        use crate::domain::{ColumnValues, ParamSpec, ParamValue, Table};
        use crate::runtime::untrusted::{MAX_TEXT_BYTES, escape};

        fn param_from_wit(value: wit_plugin::ParamValue) -> ParamValue {
            match value {
                wit_plugin::ParamValue::Int(v) => ParamValue::Int(v),
                wit_plugin::ParamValue::Float(v) => ParamValue::Float(v),
                wit_plugin::ParamValue::Text(v) => ParamValue::Text(v),
                wit_plugin::ParamValue::Boolean(v) => ParamValue::Boolean(v),
            }
        }

        fn param_to_wit(value: &ParamValue) -> wit_plugin::ParamValue {
            match value {
                ParamValue::Int(v) => wit_plugin::ParamValue::Int(*v),
                ParamValue::Float(v) => wit_plugin::ParamValue::Float(*v),
                ParamValue::Text(v) => wit_plugin::ParamValue::Text(v.clone()),
                ParamValue::Boolean(v) => wit_plugin::ParamValue::Boolean(*v),
            }
        }

        fn param_specs_from_wit(params: Vec<wit_plugin::ParamSpec>) -> Vec<ParamSpec> {
            params
                .into_iter()
                .map(|p| ParamSpec { name: p.name, default: param_from_wit(p.default), description: p.description })
                .collect()
        }

        pub(in crate::runtime) fn params_to_wit(params: &[(String, ParamValue)]) -> Vec<wit_plugin::Param> {
            params.iter().map(|(name, value)| wit_plugin::Param { name: name.clone(), value: param_to_wit(value) }).collect()
        }

        fn columns_from_wit(columns: Vec<wit_plugin::Column>) -> Vec<(String, ColumnValues)> {
            columns
                .into_iter()
                .map(|c| {
                    let values = match c.values {
                        wit_plugin::ColumnValues::Float(v) => ColumnValues::Float(v),
                        wit_plugin::ColumnValues::Int(v) => ColumnValues::Int(v),
                    };
                    (c.name, values)
                })
                .collect()
        }

        pub(in crate::runtime) fn table_from_wit(table: wit_plugin::Table) -> Table {
            Table { ts: table.ts, columns: columns_from_wit(table.columns) }
        }

        /// A plugin's own account of its failure, for the unit's error message: untrusted text,
        /// every part of it (a `read` error is the plugin's to fill in too), so escaped and bounded.
        pub(in crate::runtime) fn plugin_error_text(err: wit_plugin::PluginError) -> String {
            match err {
                wit_plugin::PluginError::InvalidParams(message) => {
                    format!("invalid parameters: {}", escape(&message, MAX_TEXT_BYTES))
                }
                wit_plugin::PluginError::Read(err) => {
                    format!("read failed: {}", escape(&super::wit_error_text(&err), MAX_TEXT_BYTES))
                }
                wit_plugin::PluginError::Failed(message) => escape(&message, MAX_TEXT_BYTES),
            }
        }
    };
}

/// `candlewick:market-data@0.1.0`'s plugin interface.
pub(super) mod v0_1 {
    plugin_interface!(crate::runtime::bindings::v0_1::plugin);

    use super::{range_to_wit, timeframe_to_wit};
    use crate::domain::{PluginInfo, UnitOfWork};

    /// What the plugin describes, and the warm-up it describes (0.1's fixed `warm-up-bars`).
    pub(in crate::runtime) fn info_from_wit(info: wit_plugin::PluginInfo) -> (PluginInfo, u32) {
        let described = PluginInfo {
            name: info.name,
            version: info.version,
            description: info.description,
            params: param_specs_from_wit(info.params),
            outputs: info.outputs,
        };
        (described, info.warm_up_bars)
    }

    pub(in crate::runtime) fn unit_to_wit(unit: &UnitOfWork) -> wit_plugin::UnitOfWork {
        wit_plugin::UnitOfWork {
            symbol: unit.symbol.to_string(),
            timeframe: timeframe_to_wit(unit.timeframe),
            window: range_to_wit(unit.window),
            warm_up_from: unit.warm_up_from.as_micros(),
            as_of: unit.as_of.as_micros(),
            params: params_to_wit(&unit.params),
        }
    }
}

/// `candlewick:market-data@0.2.0`'s plugin interface: plans, scoped inputs, the cross-section
/// unit and its long table.
pub(super) mod v0_2 {
    plugin_interface!(crate::runtime::bindings::v0_2::plugin);

    use super::{fields_from_wit, fields_to_wit, range_to_wit, timeframe_from_wit, timeframe_to_wit};
    use crate::domain::{
        CrossSectionUnit, Input, Plan, PluginInfo, ScopedInput, Symbol, SymbolSelector, UnitOfWork,
    };

    pub(in crate::runtime) fn info_from_wit(info: wit_plugin::PluginInfo) -> PluginInfo {
        PluginInfo {
            name: info.name,
            version: info.version,
            description: info.description,
            params: param_specs_from_wit(info.params),
            outputs: info.outputs,
        }
    }

    /// The plan, or what is wrong with one of its inputs (untrusted text, escaped).
    pub(in crate::runtime) fn plan_from_wit(plan: wit_plugin::Plan) -> Result<Plan, String> {
        let inputs = plan
            .inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let symbols = match input.symbols {
                    wit_plugin::SymbolSelector::UnitSymbol => SymbolSelector::Own,
                    wit_plugin::SymbolSelector::EverySymbol => SymbolSelector::Every,
                    wit_plugin::SymbolSelector::Fixed(symbol) => {
                        SymbolSelector::Fixed(Symbol::new(&symbol).map_err(|err| {
                            format!("plan input [{i}]: {}", escape(&err.to_string(), MAX_TEXT_BYTES))
                        })?)
                    }
                };
                Ok(Input {
                    timeframe: input.timeframe.map(timeframe_from_wit),
                    symbols,
                    fields: fields_from_wit(input.fields),
                    warm_up_bars: input.warm_up_bars,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Plan { inputs })
    }

    fn inputs_to_wit(inputs: &[ScopedInput]) -> Vec<wit_plugin::ScopedInput> {
        inputs
            .iter()
            .map(|input| wit_plugin::ScopedInput {
                symbols: input.symbols.iter().map(ToString::to_string).collect(),
                timeframe: timeframe_to_wit(input.timeframe),
                fields: fields_to_wit(input.fields),
                warm_up_from: input.warm_up_from.as_micros(),
            })
            .collect()
    }

    pub(in crate::runtime) fn unit_to_wit(unit: &UnitOfWork) -> wit_plugin::UnitOfWork {
        wit_plugin::UnitOfWork {
            symbol: unit.symbol.to_string(),
            timeframe: timeframe_to_wit(unit.timeframe),
            window: range_to_wit(unit.window),
            as_of: unit.as_of.as_micros(),
            inputs: inputs_to_wit(&unit.inputs),
            params: params_to_wit(&unit.params),
        }
    }

    pub(in crate::runtime) fn cross_section_unit_to_wit(
        unit: &CrossSectionUnit,
    ) -> wit_plugin::CrossSectionUnit {
        wit_plugin::CrossSectionUnit {
            symbols: unit.symbols.iter().map(ToString::to_string).collect(),
            timeframe: timeframe_to_wit(unit.timeframe),
            window: range_to_wit(unit.window),
            as_of: unit.as_of.as_micros(),
            inputs: inputs_to_wit(&unit.inputs),
            params: params_to_wit(&unit.params),
        }
    }

    /// A long table as each row's symbol index and the table of timestamps and columns.
    pub(in crate::runtime) fn long_table_from_wit(table: wit_plugin::LongTable) -> (Vec<u32>, Table) {
        (table.symbol, Table { ts: table.ts, columns: columns_from_wit(table.columns) })
    }
}

fn wit_error_text(err: &wit::Error) -> String {
    match err {
        wit::Error::InvalidArgument(m) => format!("invalid argument: {m}"),
        wit::Error::OutOfScope(m) => format!("out of scope: {m}"),
        wit::Error::TooLarge(l) => format!("too large: more than {} {}", l.limit, l.what),
        wit::Error::Unavailable => "market data source unavailable".to_owned(),
    }
}
