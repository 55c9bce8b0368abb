//! Conversions between the generated WIT types and `guest-support`'s plain values, plus the
//! unit's timeframe.

use crate::bindings::candlewick::market_data::types::Timeframe as WitTimeframe;
use crate::timeframe::Timeframe;

guest_support::plugin_convert!(crate::bindings::candlewick::market_data::plugin);

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
