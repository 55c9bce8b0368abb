//! The `xsection` plugin: per bar time, the rank and z-score of each symbol's momentum across the
//! job's symbols, as a Candlewick Wasm component (world `cross-section` of
//! `candlewick:market-data@0.2.0`).
//!
//! Momentum is `close / close[t − lookback] − 1` over each symbol's own bars (20 by default: its
//! 20th bar back, not 20 calendar days). At each time `t`, the symbols with a bar at `t` and a
//! momentum there are the cross-section, of size `n`:
//!
//! - `rank` = `(r − 1) / (n − 1)`, `r` the 1-based rank of the symbol's momentum, ascending, ties
//!   taking the average of their ranks (pandas `rank(method="average")`): 0 for the lowest, 1 for
//!   the highest; NaN when `n < 2`;
//! - `zscore` = `(m − mean) / sd`, `sd` the *population* standard deviation (divisor `n`, numpy's
//!   default `ddof=0`) of the cross-section's momenta; NaN when `n < 2` or `sd` is 0.
//!
//! A row is every (symbol, bar) in the window, as the contract requires; one without a momentum
//! (warm-up) is NaN in all three columns and does not count in `n`. Each symbol's bars are
//! streamed in batches with the last `lookback` closes kept, so the read holds one batch and the
//! window's rows (symbol, time, momentum), not the series.
//!
//! The math ([`params`], [`cross`]) does not touch the generated bindings, so it is tested
//! natively; `component` wires bindings → params → reads → statistics.

mod component;

pub mod cross;
pub mod params;

/// The generated bindings of world `cross-section`; private, like any glue.
// A generated canonical-ABI shim takes nine flattened raw arguments (strings, records and flags
// become several each); clippy's limit of seven is for code people write.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "cross-section", path: "../../wit" });
}

/// Parameters, tables, the plan's inputs and the streamed read between the bindings and
/// `guest-support`'s plain values.
mod glue {
    guest_support::plugin_glue!(crate::bindings);
}
