//! Domain types shared by every part of the host: no database, no Wasm.

mod availability;
mod bar;
mod error;
mod plan;
mod plugin;
mod symbol;
mod time;
mod timeframe;

pub use availability::{Availability, AvailabilityEntry, LatestBar};
pub use bar::{Bar, BarColumns, Fields};
pub use error::{InvalidArgument, ReadError, error_chain, quoted};
pub use plan::{FieldNames, Input, Plan, ScopedInput, SymbolSelector};
pub use plugin::{
    ColumnValues, Contract, CrossSectionUnit, ParamSpec, ParamValue, PluginInfo, PluginKind, Table,
    UnitOfWork,
};
pub use symbol::{MAX_SYMBOL_CHARS, Symbol, SymbolSet};
pub use time::{TimeRange, Timestamp};
pub use timeframe::{Timeframe, UnknownTimeframe};
