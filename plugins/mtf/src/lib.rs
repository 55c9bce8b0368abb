//! The `mtf` feature builder: higher-timeframe features on a unit's intraday bars, as a
//! Candlewick Wasm component (world `feature-builder` of `candlewick:market-data@0.2.0`).
//!
//! Per bar of the unit (1h, say) it returns
//!
//! - `daily_rsi`: RSI (Wilder, TA-Lib's convention) of the unit's symbol's **1d** closes, at the
//!   last daily bar that had closed by the row's close;
//! - `prior_week_high_distance`: `(close − H) / H`, where `close` is the row's close and `H` the
//!   high of the last **1w** bar that had closed by the row's close (the prior completed week).
//!
//! Both joins are the host's point-in-time `reader.aligned` read: a daily bar (close = next UTC
//! midnight) first shows at the row that closes at that midnight (the 23:00 hourly bar), never on
//! the rows of its own day; a weekly bar (Monday to Monday) first shows at the row that closes on
//! the next Monday 00:00. The plugin never joins timestamps itself.
//!
//! The math ([`params`], [`features`]) does not touch the generated bindings, so it is tested
//! natively; `component` wires bindings → params → reads → features.

mod component;

pub mod features;
pub mod params;

/// The generated bindings of world `feature-builder`; private, like any glue.
// A generated canonical-ABI shim takes nine flattened raw arguments (strings, records and flags
// become several each); clippy's limit of seven is for code people write.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../wit" });
}

/// Parameters, tables, the plan's inputs and the streamed read between the bindings and
/// `guest-support`'s plain values.
mod glue {
    guest_support::plugin_glue!(crate::bindings);
}
