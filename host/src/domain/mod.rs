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

/// `n` and `noun`, the noun with an `s` unless `n` is 1: `counted(1, "bar")` is `1 bar`,
/// `counted(0, "row")` is `0 rows`. For the nouns Candlewick counts, which are all regular.
pub fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(super::counted(1u64, "bar"), "1 bar");
        assert_eq!(super::counted(0u64, "row"), "0 rows");
        assert_eq!(super::counted(2u32, "statement"), "2 statements");
    }
}
