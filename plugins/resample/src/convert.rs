//! The unit's timeframe as a plain value (the rest of the WIT glue is `guest-support`'s, in
//! `lib.rs`).

use crate::bindings::candlewick::market_data::types::Timeframe as WitTimeframe;
use crate::timeframe::Timeframe;

/// The unit's timeframe as a plain value.
pub fn timeframe_from_wit(timeframe: WitTimeframe) -> Timeframe {
    match timeframe {
        WitTimeframe::Tick => Timeframe::Tick,
        WitTimeframe::Min1 => Timeframe::Min1,
        WitTimeframe::Min5 => Timeframe::Min5,
        WitTimeframe::Min15 => Timeframe::Min15,
        WitTimeframe::Min30 => Timeframe::Min30,
        WitTimeframe::Hour1 => Timeframe::Hour1,
        WitTimeframe::Hour4 => Timeframe::Hour4,
        WitTimeframe::Day1 => Timeframe::Day1,
        WitTimeframe::Week1 => Timeframe::Week1,
        WitTimeframe::Month1 => Timeframe::Month1,
    }
}
