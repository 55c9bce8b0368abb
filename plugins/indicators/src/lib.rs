//! The `indicators` feature builder: classic technical indicators over a unit's bars, as a
//! Candlewick Wasm component (world `columnar-feature-builder` of `candlewick:market-data@0.2.0`).
//!
//! Its `plan` declares the unit's own series with close, high and low and the warm-up its actual
//! parameters need; it reads them into columns the host holds (the reader's `series`, one call over
//! the unit's warm-up and window), computes SMA, EMA, RSI, MACD, ATR and Bollinger Bands (TA-Lib's,
//! with C TA-Lib's RSI of 0 where there was neither a gain nor a loss) plus log returns and their
//! rolling volatility through the host's native kernels on those columns
//! (`guest_support::columns`), and returns the rows in the window as host-held columns too: no
//! value is copied into the plugin. Values where an indicator has not warmed up are NaN.
//!
//! The plan's warm-up ([`warm_up`]) is the look-back of the actual parameters plus, for the
//! recursive indicators, the bars their seed takes to decay below 1e-12: a value at a bar does not
//! depend on where the window starts (the README's start-invariance rule).
//!
//! The math ([`params`], [`compute`], [`table`], [`warm_up`]) does not touch the generated
//! bindings, so it is tested natively (the kernels then run in-process); `component` wires
//! bindings → params → read → compute, with `guest-support`'s parameters, tables and streamed read
//! (`glue`, below).

mod component;

pub mod compute;
pub mod params;
pub mod table;
pub mod warm_up;

/// The generated bindings of world `columnar-feature-builder`; private, like any glue.
// A generated canonical-ABI shim takes nine flattened raw arguments (strings, records and flags
// become several each); clippy's limit of seven is for code people write.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "columnar-feature-builder", path: "../../wit" });
}

/// Parameters, tables and the streamed read between the bindings and `guest-support`'s plain values.
mod glue {
    guest_support::plugin_glue!(crate::bindings);
    #[cfg(target_arch = "wasm32")]
    guest_support::columns_glue!(crate::bindings);
}
