//! Hostile plugin `wasi-http`: a feature builder that sends an HTTP request through
//! `wasi:http/outgoing-handler`, a WASI capability the host does not link. Loading it must fail
//! with an error naming the import; nothing of the job may run.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{Fields, OutgoingRequest};

struct WasiHttp;

impl bindings::Guest for WasiHttp {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "wasi-http".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "sends an HTTP request".to_string(),
            params: Vec::new(),
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(unit: UnitOfWork) -> Result<Table, PluginError> {
        let request = OutgoingRequest::new(Fields::new());
        let sent = outgoing_handler::handle(request, None);
        Err(PluginError::Failed(format!("sent {} out: {}", unit.symbol, sent.is_ok())))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::WasiHttp;
    crate::bindings::export!(WasiHttp with_types_in crate::bindings);
}
