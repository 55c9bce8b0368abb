//! `candlewick check PLUGIN.wasm --fixture bars.csv` or `candlewick check JOB.yaml`: the two
//! research invariants (no look-ahead, start-invariance) for one plugin over a fixture, or for
//! every plugin and symbol of a job over its source (see `crate::check`).

use super::Exit;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::check::{self, ABSOLUTE_FLOOR, Invariant, RELATIVE_TOLERANCE, Subject, Trial};
use crate::domain::TimeRange;
use crate::fixture_host::FixtureHost;

use super::test::UnitArgs;
use crate::job::Job;
use crate::runtime::{self, PluginRuntime, RuntimeLimits};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A plugin component (.wasm), run over --fixture; or a job file (.yaml), run over its source
    pub target: PathBuf,
    /// Bars to serve a plugin: a CSV or Parquet file, as `candlewick ingest` reads it
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    #[command(flatten)]
    pub unit: UnitArgs,
    /// Check one invariant only (a sampler of labels looks forward by design: check its start-invariance)
    #[arg(long, value_enum)]
    pub only: Option<Invariant>,
}

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let invariants: Vec<Invariant> = match args.only {
        Some(one) => vec![one],
        None => vec![Invariant::LookAhead, Invariant::StartInvariance],
    };
    let is_job = args.target.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let runtime = PluginRuntime::new(runtime::default_cache_dir().as_deref(), RuntimeLimits::default())?;
    let mut trials = Vec::new();
    if is_job {
        if args.fixture.is_some()
            || !args.unit.params.is_empty()
            || args.unit.symbol.is_some()
            || args.unit.timeframe.is_some()
        {
            bail!(
                "{}: a job names its own source, plugins, parameters, symbols and timeframe (expected no \
                 --fixture, --params, --symbol or --timeframe with a job file)",
                args.target.display()
            );
        }
        let job = Job::load(&args.target)?;
        let reader = crate::job::open_reader(&job)?;
        let window = TimeRange::new(
            args.unit.start.unwrap_or(job.window.start()),
            args.unit.end.unwrap_or(job.window.end()),
        )
        .context("--start/--end")?;
        for (index, entry) in job.plugins.iter().enumerate() {
            let plugin = runtime.load_with_limits(&entry.path, entry.limits.clone())?;
            let params = crate::unit::resolve_params(plugin.info(), &entry.params)
                .map_err(|err| anyhow::anyhow!("plugins[{index}] ({}): {err}", entry.path.display()))?;
            let plan = crate::job::plan(&*reader, &job, index, &plugin, &params)?;
            for symbol in job.symbols.iter() {
                let subject = Subject {
                    plugin: &plugin,
                    reader: reader.clone(),
                    symbol: symbol.clone(),
                    symbols: job.symbols.as_slice().to_vec(),
                    timeframe: job.timeframe,
                    params: params.clone(),
                    plan: plan.clone(),
                };
                trials.extend(report(&subject, window, &invariants, out)?);
            }
        }
    } else {
        let Some(fixture) = &args.fixture else {
            bail!(
                "{}: a plugin is checked over bars: give --fixture BARS.csv (or check a job file)",
                args.target.display()
            );
        };
        let plugin = runtime.load(&args.target)?;
        let request = args.unit.request(plugin.info(), None)?;
        let host = FixtureHost::from_file(fixture, &request)?;
        let unit = host.unit(&plugin, &request)?;
        let subject = Subject {
            plugin: &plugin,
            reader: host.shared_reader(),
            symbol: unit.symbol.clone(),
            symbols: host.symbols_at(unit.timeframe)?,
            timeframe: unit.timeframe,
            plan: host.plan(&plugin, &unit.params, unit.timeframe)?,
            params: unit.params,
        };
        trials.extend(report(&subject, unit.window, &invariants, out)?);
    }
    let failed = trials.iter().filter(|t| !t.passed()).count();
    writeln!(
        out,
        "result: {} of {} runs {} (start-invariance within {RELATIVE_TOLERANCE:e} relative, {ABSOLUTE_FLOOR:e} \
         absolute; look-ahead bit for bit)",
        failed,
        trials.len(),
        if failed == 1 { "found a violation" } else { "found violations" }
    )?;
    Ok(if failed == 0 { Exit::Success } else { Exit::Failure })
}

/// Checks one subject and prints its trials: each run's outcome, and under a failed one each
/// differing column's first difference.
fn report(
    subject: &Subject,
    window: TimeRange,
    invariants: &[Invariant],
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Trial>> {
    let info = subject.plugin.info();
    writeln!(
        out,
        "{} ({}) on {} {}, {} to {}",
        info.name,
        subject.plugin.kind(),
        subject.symbol,
        subject.timeframe,
        window.start(),
        window.end()
    )?;
    let trials = check::check(subject, window, invariants)
        .map_err(|err| anyhow::anyhow!("plugin {} on {}: {err}", info.name, subject.symbol))?;
    for trial in &trials {
        match &trial.outcome {
            Ok(differences) if differences.is_empty() => {
                writeln!(out, "  {}, {}: ok", trial.invariant, trial.what)?
            }
            Ok(differences) => {
                writeln!(out, "  {}, {}: VIOLATED", trial.invariant, trial.what)?;
                for difference in differences {
                    writeln!(out, "    {difference}")?;
                }
            }
            Err(err) => writeln!(out, "  {}, {}: the run failed: {err}", trial.invariant, trial.what)?,
        }
    }
    Ok(trials)
}
