//! `candlewick inspect PLUGIN.wasm`: what a plugin says about itself, as text or JSON.

use super::Exit;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use crate::runtime::{self, PluginRuntime, RuntimeLimits};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A plugin component (.wasm)
    pub plugin: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Seconds `describe` may take (its CPU limit) before the plugin is given up on
    #[arg(long, value_name = "SECS", default_value_t = DESCRIBE_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

/// `describe` returns constants: it takes milliseconds, CPython's start in a Python plugin
/// included (the 18 MB `zscore` example is inspected in 1.6 s, almost all of it loading its
/// compiled code). 10 s is ample, and a `describe` that loops is given up on in 10 s rather than
/// at a job's 300 s CPU limit. A job describes its plugins under its own CPU limit
/// (`limits.call_timeout_secs`).
const DESCRIBE_TIMEOUT_SECS: u64 = 10;

pub fn run(args: &InspectArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    // The job's cache: inspecting a plugin compiles it once for `run` and `test` too.
    let limits =
        RuntimeLimits { call_timeout: Duration::from_secs(args.timeout), ..RuntimeLimits::default() };
    let runtime = PluginRuntime::new(runtime::default_cache_dir().as_deref(), limits)?;
    let plugin = runtime.load(&args.plugin)?;
    let info = plugin.info();
    if args.json {
        let params: Vec<_> = info
            .params
            .iter()
            .map(|p| json!({"name": p.name, "type": p.default.type_name(), "default": p.default.to_string(), "description": p.description}))
            .collect();
        let value = json!({
            "name": info.name, "version": info.version, "kind": plugin.kind().to_string(),
            "description": info.description, "warm_up_bars": info.warm_up_bars, "params": params,
            "outputs": info.outputs, "sha256": plugin.sha256(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(Exit::Success);
    }
    writeln!(out, "{} {} ({})", info.name, info.version, plugin.kind())?;
    writeln!(out, "{}", info.description)?;
    writeln!(out, "warm-up: {} bars", info.warm_up_bars)?;
    writeln!(out, "params:")?;
    for p in &info.params {
        writeln!(out, "  {} ({}, default {}): {}", p.name, p.default.type_name(), p.default, p.description)?;
    }
    writeln!(out, "outputs: {}", info.outputs.join(", "))?;
    writeln!(out, "sha256: {}", plugin.sha256())?;
    Ok(Exit::Success)
}
