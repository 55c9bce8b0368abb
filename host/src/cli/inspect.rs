//! `candlewick inspect PLUGIN.wasm`: what a plugin says about itself, as text or JSON.

use super::Exit;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use crate::domain::{FieldNames, ParamValue, SymbolSelector};
use crate::runtime::{self, PluginRuntime, RuntimeLimits};
use crate::unit;

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
    // What it reads with its defaults: a 0.2 plugin's plan, a 0.1 plugin's own series.
    let defaults = unit::resolve_params(info, &Default::default()).map_err(anyhow::Error::msg)?;
    let plan = plugin.plan(&defaults)?;
    let timeframe = |tf: Option<crate::domain::Timeframe>| tf.map_or("unit".to_owned(), |tf| tf.to_string());
    if args.json {
        let default_json = |value: &ParamValue| match value {
            ParamValue::Int(v) => json!(v),
            ParamValue::Float(v) if v.is_finite() => json!(v),
            ParamValue::Float(v) => json!(v.to_string()),
            ParamValue::Text(v) => json!(v),
            ParamValue::Boolean(v) => json!(v),
        };
        let params: Vec<_> = info
            .params
            .iter()
            .map(|p| json!({"name": p.name, "type": p.default.type_name(), "default": default_json(&p.default), "description": p.description}))
            .collect();
        let inputs: Vec<_> = plan
            .inputs
            .iter()
            .map(|i| {
                let symbols = match &i.symbols {
                    SymbolSelector::Own => "unit".to_owned(),
                    SymbolSelector::Fixed(symbol) => symbol.to_string(),
                    SymbolSelector::Every => "every".to_owned(),
                };
                let fields = FieldNames(i.fields).to_string();
                let fields: Vec<&str> = fields.trim_matches(['[', ']']).split_whitespace().collect();
                json!({"symbols": symbols, "timeframe": timeframe(i.timeframe), "fields": fields, "warm_up_bars": i.warm_up_bars})
            })
            .collect();
        let value = json!({
            "name": info.name, "version": info.version, "kind": plugin.kind().to_string(),
            "world": plugin.world(),
            "contract": plugin.contract().to_string(), "description": info.description,
            "warm_up_bars": plan.own_warm_up_bars(), "inputs": inputs, "params": params,
            "outputs": info.outputs, "sha256": plugin.sha256(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(Exit::Success);
    }
    writeln!(out, "{} {} ({}, {})", info.name, info.version, plugin.world(), plugin.contract())?;
    writeln!(out, "{}", info.description)?;
    writeln!(out, "warm-up: {}", crate::domain::counted(plan.own_warm_up_bars() as u64, "bar"))?;
    writeln!(out, "reads (default parameters):")?;
    for input in &plan.inputs {
        writeln!(out, "  {input}")?;
    }
    writeln!(out, "params:")?;
    for p in &info.params {
        writeln!(out, "  {} ({}, default {}): {}", p.name, p.default.type_name(), p.default, p.description)?;
    }
    writeln!(out, "outputs: {}", info.outputs.join(", "))?;
    writeln!(out, "sha256: {}", plugin.sha256())?;
    Ok(Exit::Success)
}
