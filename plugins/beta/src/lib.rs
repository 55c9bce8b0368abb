//! The `beta` feature builder: rolling beta and correlation of a unit's log returns to a fixed
//! reference symbol (a market index), as a Candlewick Wasm component (world `feature-builder` of
//! `candlewick:market-data@0.2.0`).
//!
//! The reference is read through the host's point-in-time `reader.aligned`: at each bar of the
//! unit, the reference's last bar that had closed by the unit bar's close. Where the reference has
//! no bar of its own at a unit bar (a holiday of its market, a missing row), that is its previous
//! bar, so its price is carried and its log return at that row is 0; the next row's return spans
//! both bars. Before the reference's first closed bar, its price and everything after it are NaN.
//!
//! The math ([`params`], [`rolling`]) does not touch the generated bindings, so it is tested
//! natively; `component` wires bindings → params → reads → statistics.

mod component;

pub mod params;
pub mod rolling;

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
