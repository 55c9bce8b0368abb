//! What data a (symbol, timeframe) pair holds.

use super::{Symbol, Timeframe, Timestamp};

/// Row count and time span of one (symbol, timeframe). No data is `count == 0` with no
/// timestamps, never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    pub count: u64,
    pub earliest: Option<Timestamp>,
    pub latest: Option<Timestamp>,
}

/// One row of the availability summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityEntry {
    pub symbol: Symbol,
    pub timeframe: Timeframe,
    pub availability: Availability,
}

/// The latest bar of one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestBar {
    pub symbol: Symbol,
    pub bar: super::Bar,
}
