//! Conversions between the generated WIT types and `guest-support`'s plain values.

guest_support::plugin_convert!(crate::bindings::candlewick::market_data::plugin);
