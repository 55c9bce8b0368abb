//! `candlewick test`: a plugin over fixture bars through the fixture host, printed or compared with
//! an expected output; or scenario folders.

use super::Exit;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;

use crate::domain::{ParamValue, PluginInfo, Symbol, Timeframe, Timestamp};
use crate::fixture_host::{Expected, FixtureHost, FixtureRequest, Scenario, ScenarioOutcome, Tolerance};
use crate::output::{text_table, write_csv};
use crate::runtime::{Plugin, PluginRuntime, RuntimeLimits};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The plugin component (.wasm)
    #[arg(required_unless_present = "scenario", conflicts_with = "scenario")]
    pub plugin: Option<PathBuf>,
    /// Bars to serve: a CSV or Parquet file, as `candlewick ingest` reads it
    #[arg(long, required_unless_present = "scenario")]
    pub fixture: Option<PathBuf>,
    #[command(flatten)]
    pub unit: UnitArgs,
    /// The latest instant the plugin may read (default: the window's end)
    #[arg(long)]
    pub as_of: Option<Timestamp>,
    /// Compare the output with this CSV (`ts` then columns, as --csv prints them)
    #[arg(long, value_name = "EXPECTED.csv")]
    pub expect: Option<PathBuf>,
    /// How close floats must be: |actual - expected| <= tolerance * max(1, |expected|)
    #[arg(long, default_value_t = 1e-9, requires = "expect")]
    pub tolerance: f64,
    /// Print the output as CSV (every row) instead of a table
    #[arg(long)]
    pub csv: bool,
    /// Rows the table shows (the first and last halves)
    #[arg(long, default_value_t = 20)]
    pub rows: usize,
    /// Run scenario folders instead (scenario.yaml, a fixture, expected.csv or expected-error.txt)
    #[arg(long, num_args = 1.., value_name = "DIR")]
    pub scenario: Vec<PathBuf>,
}

/// Which unit of a fixture to run, as `test` and `check` take it: parameters, series, window.
#[derive(Debug, Args)]
pub struct UnitArgs {
    /// Parameters as name=value (value typed as the plugin declares it)
    #[arg(long, num_args = 1.., value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The symbol to run on (default: the fixture's only one); the symbol of a fixture without a symbol column
    #[arg(long)]
    pub symbol: Option<Symbol>,
    /// The timeframe to run on (default: the fixture's only one); that of a fixture without a timeframe column
    #[arg(long)]
    pub timeframe: Option<Timeframe>,
    /// The window's first instant (default: the fixture's first bar)
    #[arg(long)]
    pub start: Option<Timestamp>,
    /// The window's last instant (default: the fixture's last bar)
    #[arg(long)]
    pub end: Option<Timestamp>,
}

impl UnitArgs {
    /// The fixture request these flags name, with `as_of`, parameters typed as `info` declares.
    pub(super) fn request(
        &self,
        info: &PluginInfo,
        as_of: Option<Timestamp>,
    ) -> anyhow::Result<FixtureRequest> {
        Ok(FixtureRequest {
            symbol: self.symbol.clone(),
            timeframe: self.timeframe,
            start: self.start,
            end: self.end,
            as_of,
            params: cli_params(info, &self.params)?,
        })
    }
}

pub fn run(args: &TestArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let runtime =
        PluginRuntime::new(crate::runtime::default_cache_dir().as_deref(), RuntimeLimits::default())?;
    if !args.scenario.is_empty() {
        return scenarios(&runtime, &args.scenario, out);
    }
    let (Some(path), Some(fixture)) = (&args.plugin, &args.fixture) else {
        unreachable!("clap requires a plugin and a fixture without --scenario");
    };
    if !(args.tolerance >= 0.0 && args.tolerance.is_finite()) {
        bail!("--tolerance: expected a finite number >= 0, got {}", args.tolerance);
    }
    let plugin = runtime.load(path)?;
    let request = args.unit.request(plugin.info(), args.as_of)?;
    let output = FixtureHost::from_file(fixture, &request)?.run(&plugin, &request)?;
    match &args.expect {
        None if args.csv => write_csv(&output.table, out)?,
        None => writeln!(out, "{}", text_table(&output.table, args.rows))?,
        Some(path) => {
            let comparison = Expected::load(path)?.compare(&output.table, Tolerance(args.tolerance))?;
            writeln!(out, "{comparison}")?;
            if !comparison.matched() {
                return Ok(Exit::Failure);
            }
        }
    }
    Ok(Exit::Success)
}

/// `name=value` pairs as the job file's parameters: a text parameter takes the value as it is;
/// any other is read as a YAML scalar (`14`, `2.5`, `true`) and checked against its type.
fn cli_params(
    info: &PluginInfo,
    given: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, serde_norway::Value>> {
    given
        .iter()
        .map(|pair| {
            let (name, value) =
                pair.split_once('=').with_context(|| format!("--params {pair:?}: expected NAME=VALUE"))?;
            let declared = info.params.iter().find(|p| p.name == name).map(|p| &p.default);
            let value = match declared {
                Some(ParamValue::Text(_)) => serde_norway::Value::String(value.to_owned()),
                _ => serde_norway::from_str(value)
                    .unwrap_or_else(|_| serde_norway::Value::String(value.to_owned())),
            };
            Ok((name.to_owned(), value))
        })
        .collect()
}

/// Runs each scenario; one line per scenario (a diff under a failed comparison), then a total.
fn scenarios(runtime: &PluginRuntime, dirs: &[PathBuf], out: &mut dyn Write) -> anyhow::Result<Exit> {
    let mut loaded: HashMap<PathBuf, Arc<Plugin>> = HashMap::new();
    let mut load = |path: &Path| -> anyhow::Result<Arc<Plugin>> {
        if let Some(plugin) = loaded.get(path) {
            return Ok(Arc::clone(plugin));
        }
        let plugin = Arc::new(runtime.load(path)?);
        loaded.insert(path.to_owned(), Arc::clone(&plugin));
        Ok(plugin)
    };
    let (mut passed, mut failed) = (0, 0);
    for dir in dirs {
        let outcome = match Scenario::load(dir) {
            Ok(scenario) => scenario.run(&mut load),
            Err(err) => ScenarioOutcome::Failed(err.to_string()),
        };
        match outcome {
            ScenarioOutcome::Passed(summary) => {
                passed += 1;
                writeln!(out, "ok     {}: {summary}", dir.display())?;
            }
            ScenarioOutcome::Failed(why) => {
                failed += 1;
                writeln!(out, "FAILED {}: {why}", dir.display())?;
            }
        }
    }
    writeln!(out, "scenarios: {passed} passed, {failed} failed")?;
    Ok(if failed == 0 { Exit::Success } else { Exit::Failure })
}
