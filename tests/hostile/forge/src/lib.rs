//! Hostile plugin `forge`: a sampler whose text would forge the host's output, one way per `case`.
//! The host must show every string of it escaped and bounded, and fail the unit, not the job:
//!
//! - `escape`: an error message of terminal escape codes, a carriage return, a bell and NUL
//!   around a fake summary line, `units: 4 ok, 0 failed`;
//! - `huge`: an error message of 64 MiB (printed in full, twice, before messages were bounded);
//! - `column`: a column whose name clears the screen;
//! - `chatter`: 100 KiB on stderr (past what the host keeps), an escape code, then a panic: the
//!   failure quotes its last words;
//! - `ok`: one row at the window's start, so the escaped version reaches a file's metadata.
//!
//! Its version and description hold escape codes too, for `inspect` and the metadata.

// A generated canonical-ABI shim takes more flattened arguments than clippy's limit of seven.
#[allow(clippy::too_many_arguments, reason = "generated wit-bindgen glue")]
mod bindings {
    wit_bindgen::generate!({ world: "sampler", path: "../../../wit/0.1.0" });
}

use bindings::candlewick::market_data::plugin::{
    Column, ColumnValues, ParamSpec, ParamValue, PluginError, PluginInfo, Table, UnitOfWork,
};

struct Forge;

/// Bytes of the `huge` message.
const HUGE_BYTES: usize = 64 << 20;

impl bindings::Guest for Forge {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "forge".to_string(),
            version: "0.1.0\u{1b}[31m".to_string(),
            description: "forges\u{1b}[2J the host's output\nunits: 9 ok, 0 failed".to_string(),
            params: vec![ParamSpec {
                name: "case".to_string(),
                default: ParamValue::Text("ok".to_string()),
                description: "escape, huge, column, chatter or ok\u{7}".to_string(),
            }],
            outputs: vec!["c0".to_string()],
            warm_up_bars: 0,
        }
    }

    fn sample(unit: UnitOfWork) -> Result<Table, PluginError> {
        let case = unit.params.iter().find_map(|p| match (p.name.as_str(), &p.value) {
            ("case", ParamValue::Text(case)) => Some(case.as_str()),
            _ => None,
        });
        let row = |name: &str| Table {
            ts: vec![unit.window.start],
            columns: vec![Column { name: name.to_string(), values: ColumnValues::Float(vec![1.0]) }],
        };
        match case {
            Some("escape") => {
                Err(PluginError::Failed("boom\n\u{1b}[2K\runits: 4 ok, 0 failed\u{7}\0".to_string()))
            }
            Some("huge") => Err(PluginError::Failed("E".repeat(HUGE_BYTES))),
            Some("column") => Ok(row("c0\u{1b}[2J")),
            Some("chatter") => {
                for i in 0..1_000 {
                    eprintln!("chatter {i:03} {}", "-".repeat(90));
                }
                eprintln!("\u{1b}[2Jcleared on {}", unit.symbol);
                panic!("the forge's last words on {}", unit.symbol);
            }
            _ => Ok(row("c0")),
        }
    }
}

// `export!` expands to `#[unsafe(export_name)]` entry points: the one place this crate needs
// `unsafe`, on a module because rustc ignores attributes on a macro invocation.
#[allow(unsafe_code, reason = "wit-bindgen's generated export glue is unsafe by construction")]
mod export {
    use super::Forge;
    crate::bindings::export!(Forge with_types_in crate::bindings);
}
