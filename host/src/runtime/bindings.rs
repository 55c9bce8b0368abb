//! Generated bindings for the plugin worlds of both contract versions. They stay private to the
//! runtime (this module is private; its items are `pub` so that one version's bindings can
//! re-export another's): the rest of the host sees only domain types.
//!
//! - `v0_1`: `candlewick:market-data@0.1.0` (`wit/0.1.0/`), worlds `feature-builder` and `sampler`;
//! - `v0_2`: `candlewick:market-data@0.2.0` (`wit/`), the same two worlds with `plan`, and
//!   `cross-section`; every 0.2 world imports `kernels` and `columns` too; and the columnar
//!   worlds, `columnar-feature-builder` and `columnar-sampler`, whose table is host-held columns.
//!
//! Within a version, the worlds reuse the feature builder's interfaces (`with`), so one `Host`
//! implementation serves them all. 0.2's `types` interface is 0.1's unchanged, so it reuses 0.1's
//! generated types too: the two readers differ only in what 0.2 adds.

pub mod v0_1 {
    pub mod feature_builder {
        wasmtime::component::bindgen!({
            path: "../wit/0.1.0",
            world: "feature-builder",
            // A host function returns `wasmtime::Result`: `Err` is a host bug and traps the guest;
            // a plugin's mistake is the WIT `error` value inside `Ok`.
            imports: { default: trappable },
            with: {
                "candlewick:market-data/reader.range-cursor": crate::reader::RangeCursor,
            },
        });
    }

    pub mod sampler {
        wasmtime::component::bindgen!({
            path: "../wit/0.1.0",
            world: "sampler",
            imports: { default: trappable },
            with: {
                "candlewick:market-data/types": super::feature_builder::candlewick::market_data::types,
                "candlewick:market-data/reader": super::feature_builder::candlewick::market_data::reader,
                "candlewick:market-data/plugin": super::feature_builder::candlewick::market_data::plugin,
            },
        });
    }

    pub use feature_builder::candlewick::market_data::{plugin, reader, types};
}

pub mod v0_2 {
    pub mod feature_builder {
        wasmtime::component::bindgen!({
            path: "../wit",
            world: "feature-builder",
            imports: { default: trappable },
            with: {
                "candlewick:market-data/types": crate::runtime::bindings::v0_1::types,
                "candlewick:market-data/reader.range-cursor": crate::reader::RangeCursor,
                "candlewick:market-data/columns.column": crate::runtime::columns::HeldColumn,
                "candlewick:market-data/columns.timestamps": crate::runtime::columns::HeldTimestamps,
            },
        });
    }

    /// The bindings of a 0.2 world besides `feature-builder`, its interfaces those of
    /// `feature-builder`'s bindings: one `Host` implementation serves every world.
    macro_rules! world {
        ($module:ident, $world:literal) => {
            pub mod $module {
                wasmtime::component::bindgen!({
                    path: "../wit",
                    world: $world,
                    imports: { default: trappable },
                    with: {
                        "candlewick:market-data/types": crate::runtime::bindings::v0_1::types,
                        "candlewick:market-data/reader": super::feature_builder::candlewick::market_data::reader,
                        "candlewick:market-data/plugin": super::feature_builder::candlewick::market_data::plugin,
                        "candlewick:market-data/kernels": super::feature_builder::candlewick::market_data::kernels,
                        "candlewick:market-data/columns": super::feature_builder::candlewick::market_data::columns,
                    },
                });
            }
        };
    }

    world!(sampler, "sampler");
    world!(cross_section, "cross-section");
    world!(columnar_feature_builder, "columnar-feature-builder");
    world!(columnar_sampler, "columnar-sampler");

    pub use feature_builder::candlewick::market_data::{columns, kernels, plugin, reader};
}

pub use v0_1::types;
