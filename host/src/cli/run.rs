//! `candlewick run JOB.yaml` and `candlewick inspect PLUGIN.wasm`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use crate::job::{Job, run_job};
use crate::runtime::{PluginRuntime, RuntimeLimits};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job file (YAML): source, symbols, timeframe, window, plugins, output
    pub job: PathBuf,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A plugin component (.wasm)
    pub plugin: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 when every unit succeeded, 2 when some failed; a job that cannot run is an error (1).
pub fn run(args: &RunArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let job = Job::load(&args.job)?;
    let summary = run_job(&job)?;
    write!(out, "{}", summary.render(&job.output))?;
    Ok(summary.exit_code())
}

pub fn inspect(args: &InspectArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    // The job's cache: inspecting a plugin compiles it once for `run` and `test` too.
    let runtime = PluginRuntime::new(crate::job::default_cache_dir().as_deref(), RuntimeLimits::default())?;
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
        return Ok(ExitCode::SUCCESS);
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
    Ok(ExitCode::SUCCESS)
}
