//! PostgreSQL plumbing shared by the reader, ingest and migrations: connection settings and the
//! binary codec for `timestamptz`.

mod settings;
mod timestamp;

pub use settings::{ConnectionSettings, mask_password};
pub use timestamp::PgTimestamp;

/// The table every part of Candlewick reads or writes, resolved through the `search_path`.
pub const MARKET_DATA: &str = "market_data";
