//! Hostile plugin `sandbox`: tries the capabilities WASI could grant — a file, a directory, the
//! environment, the arguments, a TCP connection, the wall clock — and reports what it got as its
//! error, so a test can check that the host granted none of them.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "feature-builder", path: "../../../wit/0.1.0" });
}

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

use bindings::candlewick::market_data::plugin::{PluginError, PluginInfo, Table, UnitOfWork};

/// `allowed <value>` or `denied (<why>)`.
fn outcome<T: Debug, E: std::fmt::Display>(result: Result<T, E>) -> String {
    match result {
        Ok(value) => format!("allowed {value:?}"),
        Err(err) => format!("denied ({err})"),
    }
}

struct Sandbox;

impl bindings::Guest for Sandbox {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "sandbox".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            description: "tries files, environment, network and clock".to_string(),
            params: Vec::new(),
            outputs: Vec::new(),
            warm_up_bars: 0,
        }
    }

    fn build(_unit: UnitOfWork) -> Result<Table, PluginError> {
        let file = outcome(std::fs::read("/etc/passwd").map(|bytes| bytes.len()));
        let dir = outcome(std::fs::read_dir(".").map(|entries| entries.count()));
        let env = std::env::vars().count();
        let args = std::env::args().count();
        let tcp = outcome(std::net::TcpStream::connect(("127.0.0.1", 5432)).map(|_| "connected"));
        let clock = outcome(SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs()));
        Err(PluginError::Failed(format!(
            "file: {file}; dir: {dir}; env vars: {env}; args: {args}; tcp: {tcp}; clock: {clock}"
        )))
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Sandbox;
    crate::bindings::export!(Sandbox with_types_in crate::bindings);
}
