//! Domain types shared by every part of the host: no database, no Wasm.

mod availability;
mod bar;
mod error;
mod plugin;
mod symbol;
mod time;
mod timeframe;

pub use availability::{Availability, AvailabilityEntry, LatestBar};
pub use bar::{Bar, BarColumns, Fields};
pub use error::{InvalidArgument, ReadError, error_chain, quoted};
pub use plugin::{ColumnValues, ParamSpec, ParamValue, PluginInfo, PluginKind, Table, UnitOfWork};
pub use symbol::{MAX_SYMBOL_CHARS, Symbol, SymbolSet};
pub use time::{TimeRange, Timestamp};
pub use timeframe::{Timeframe, UnknownTimeframe};
