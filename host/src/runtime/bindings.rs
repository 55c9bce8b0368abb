//! Generated bindings for the two plugin worlds. They stay private to the runtime: the rest of
//! the host sees only domain types.
//!
//! Both worlds import the same interfaces; the sampler's bindings reuse the feature builder's
//! (`with`), so one `Host` implementation and one linker serve both.

pub(super) mod feature_builder {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "feature-builder",
        // A host function returns `wasmtime::Result`: `Err` is a host bug and traps the guest;
        // a plugin's mistake is the WIT `error` value inside `Ok`.
        imports: { default: trappable },
        with: {
            "candlewick:market-data/reader.range-cursor": crate::reader::RangeCursor,
        },
    });
}

pub(super) mod sampler {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "sampler",
        imports: { default: trappable },
        with: {
            "candlewick:market-data/types": super::feature_builder::candlewick::market_data::types,
            "candlewick:market-data/reader": super::feature_builder::candlewick::market_data::reader,
            "candlewick:market-data/plugin": super::feature_builder::candlewick::market_data::plugin,
        },
    });
}

pub(super) use feature_builder::candlewick::market_data::{plugin, reader, types};
