//! `candlewick inspect PLUGIN.wasm`: what a plugin says about itself, as text or JSON.

use super::Exit;
use std::io::Write;
use std::path::PathBuf;

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
}

pub fn run(args: &InspectArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    // The job's cache: inspecting a plugin compiles it once for `run` and `test` too.
    let runtime = PluginRuntime::new(runtime::default_cache_dir().as_deref(), RuntimeLimits::default())?;
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
