//! Hostile plugin `unknown-import`: a feature builder that also imports `evil:net/socket` (see
//! `wit/evil.wit`), which the host does not provide. Loading it must fail with an error naming the
//! import; nothing of the job may run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({
        world: "evil:net/feature-builder-with-socket",
        // The contract first: the socket world includes its feature-builder world.
        path: ["../../../wit/0.1.0", "wit"],
        // Bindings for the contract's interfaces too, not only the socket's.
        generate_all,
    });
}

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};
use bindings::evil::net::socket;

struct UnknownImport;

impl bindings::Guest for UnknownImport {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "unknown-import".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "imports a socket".to_string(),
            params: Vec::new(),
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        // The call keeps the import: an import no code uses is dropped from the component.
        let connected = socket::connect("db.internal", 5432);
        Err(PluginError::Failed(format!("the socket answered {connected:?}")))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::UnknownImport;
    crate::bindings::export!(UnknownImport with_types_in crate::bindings);
}
