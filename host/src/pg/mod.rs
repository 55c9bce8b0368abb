//! PostgreSQL, in one place: connection settings (the one way a connection is configured or
//! opened, passwords never shown), the binary codec for `timestamptz`, and the two writers of
//! `market_data`. The read side is the reader port's adapter (`reader/postgres/`); the `postgres`
//! crate is used there and here only.
//!
//! - `settings.rs`: [`ConnectionSettings`] and [`mask_password`];
//! - `timestamp.rs`: [`PgTimestamp`];
//! - [`ingest`]: the only writer of bars: idempotent, all-or-nothing upserts per file;
//! - [`migrate`]: the versioned schema, applied by refinery;
//! - [`replica`]: where a read replica stands (which server, how far behind the primary).

pub mod ingest;
pub mod migrate;
pub mod replica;
mod settings;
mod timestamp;

/// A connection of the synchronous client: what [`ConnectionSettings::connect`] opens and the
/// writers take.
pub use postgres::Client;
pub use settings::{ConnectionSettings, mask_password};
pub use timestamp::PgTimestamp;

/// The table every part of Candlewick reads or writes, resolved through the `search_path`.
pub const MARKET_DATA: &str = "market_data";

/// The database has no [`MARKET_DATA`] table: it was never migrated, or the `search_path` names
/// another schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "no market_data table in this database on its search_path (run `candlewick migrate` first, with the same URL)"
)]
pub struct NoMarketDataTable;

impl NoMarketDataTable {
    /// `err` is the server saying that `market_data` does not exist (SQLSTATE 42P01 naming it).
    pub fn is(err: &postgres::Error) -> bool {
        err.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE)
            && err.as_db_error().is_some_and(|db| db.message().contains(&format!("\"{MARKET_DATA}\"")))
    }
}
