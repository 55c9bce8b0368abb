//! Preparing a job: the output folder, the source, the plugins, their parameters and datasets,
//! all checked before any unit runs; and one unit of a plugin, from its reads to its file.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::config::{Job, PluginJob, Source};
use super::coverage;
use super::dataset::{self, Dataset};
use super::execute::{Prepared, RunOptions, execute};
use super::output_dir;
use super::shard;
use super::stale;
use super::store::ObjectOutput;
use super::summary::{JobSummary, UnitOutcome, UnitWritten};
use crate::bars_file::FileDefaults;
use crate::domain::{Contract, ParamValue, Plan, PluginKind, Symbol, Table, Timestamp, UnitOfWork};
use crate::output::{OutputName, ParquetWriter, Provenance, checked_symbol_partition};
use crate::pg::ConnectionSettings;
use crate::reader::{
    MarketDataReader, MemoryMarketDataReader, NoBars, PgMarketDataReader, PgReaderConfig, ReplicaReader,
};
use crate::runtime::{self, Plugin, PluginRuntime, RuntimeLimits, UnitFailure};
use crate::unit;

/// The job's source as a reader: its database (its read replicas, when it names any), its fixture
/// file or the embedded sample.
pub fn open_reader(job: &Job) -> anyhow::Result<Arc<dyn MarketDataReader>> {
    Ok(match (&job.source, &job.read_replicas) {
        (Source::Embedded, _) => Arc::new(MemoryMarketDataReader::embedded_sample()),
        (Source::Fixture(path), _) => {
            Arc::new(MemoryMarketDataReader::from_file(path, &FileDefaults::default())?)
        }
        (Source::Database(settings), None) => Arc::new(connect(settings, job)?),
        (Source::Database(settings), Some(replicas)) => {
            Arc::new(ReplicaReader::connect(settings, replicas, &reader_config(job), &job.symbols)?)
        }
    })
}

/// The job's pools: a connection per worker, since a running unit holds at most one at a time
/// (see [`PgReaderConfig::max_connections`]).
fn reader_config(job: &Job) -> PgReaderConfig {
    PgReaderConfig {
        statement_timeout: job.statement_timeout,
        max_connections: u32::try_from(job.workers).unwrap_or(u32::MAX).max(1),
        ..PgReaderConfig::default()
    }
}

fn connect(settings: &ConnectionSettings, job: &Job) -> anyhow::Result<PgMarketDataReader> {
    PgMarketDataReader::connect(settings, &reader_config(job))
        .with_context(|| format!("connecting to {settings}"))
}

pub(super) struct LoadedPlugin {
    pub plugin: Plugin,
    /// Its dataset's name: the entry's `name:` or the plugin's own.
    pub name: OutputName,
    pub params: Vec<(String, ParamValue)>,
    /// What it reads with these parameters, checked against the source.
    pub plan: Plan,
}

impl LoadedPlugin {
    /// How messages name the entry: `plugin indicators`, or `sma30 (plugin indicators)` when the
    /// job gives it a `name:` of its own.
    fn who(&self) -> String {
        let plugin = &self.plugin.info().name;
        if self.name.as_str() == plugin {
            format!("plugin {plugin}")
        } else {
            format!("{} (plugin {plugin})", self.name)
        }
    }

    /// A runtime message (`plugin indicators on EURUSD: …`) naming the entry as [`who`](Self::who).
    fn named(&self, message: String) -> String {
        let prefix = format!("plugin {} ", self.plugin.info().name);
        match message.strip_prefix(&prefix) {
            Some(rest) if self.name.as_str() != self.plugin.info().name => format!("{} {rest}", self.who()),
            _ => message,
        }
    }
}

/// Each entry's output name, refusing a plugin name that cannot name a folder and two entries
/// that would write to the same folder, before any unit runs.
fn output_names(job: &Job, plugins: &[Plugin]) -> anyhow::Result<Vec<OutputName>> {
    let mut names: Vec<OutputName> = Vec::with_capacity(plugins.len());
    for (i, (entry, plugin)) in job.plugins.iter().zip(plugins).enumerate() {
        let name = match &entry.name {
            Some(name) => name.clone(),
            None => OutputName::new(&plugin.info().name).map_err(|err| {
                anyhow::anyhow!(
                    "plugins[{i}] ({}): the plugin's name {err}; give the entry a `name:`",
                    entry.path.display()
                )
            })?,
        };
        if let Some(first) = names.iter().position(|n| *n == name) {
            anyhow::bail!(
                "plugins[{first}] ({}) and plugins[{i}] ({}) would both be the dataset {name} in {} (expected \
                 each entry a dataset of its own: give one a `name:`)",
                job.plugins[first].path.display(),
                entry.path.display(),
                job.output.display()
            );
        }
        names.push(name);
    }
    Ok(names)
}

/// Runs `job` with the default options. Errors are for a job that cannot run (output, source,
/// plugins, parameters); a unit's failure is reported in the summary and the other units go on
/// (unless `fail_fast`).
pub fn run_job(job: &Job) -> anyhow::Result<JobSummary> {
    run_job_with(job, &RunOptions::default())
}

/// Runs `job`: everything that can be checked is checked before the first unit runs — the output
/// folder and its manifest, the source, the plugins, their parameters, the datasets' names, the
/// symbols' folder names — then [`execute`] runs the units.
pub fn run_job_with(job: &Job, options: &RunOptions) -> anyhow::Result<JobSummary> {
    let Some(remote) = &job.remote else { return run_in(job, options, None) };
    // An output in object storage: checked first (the store answers, the credentials may write,
    // this run's manifest is not committed), then the run writes to a staging folder, from which
    // each file is uploaded (see `store.rs`). Messages name the URL, not the staging folder.
    let manifest_name =
        options.shard.map_or_else(|| super::manifest::MANIFEST_FILE.to_owned(), |s| s.manifest_file());
    let store = Arc::new(ObjectOutput::open(remote, job.joined.is_some())?);
    store.check(&manifest_name, options.resume, &job.file_sha256)?;
    let staged = Job { output: store.staging().to_owned(), ..job.clone() };
    let summary = run_in(&staged, options, Some(Arc::clone(&store)))
        .map_err(|err| anyhow::anyhow!(store.rename_in(&format!("{err:#}"))))?;
    Ok(shown_in_store(summary, &store))
}

/// The summary with the staging folder's files named by their URLs.
fn shown_in_store(mut summary: JobSummary, store: &ObjectOutput) -> JobSummary {
    for unit in &mut summary.units {
        if let UnitOutcome::Written(w) | UnitOutcome::Resumed(w) = &mut unit.outcome {
            w.path = store.display_path(&w.path);
        }
        if let UnitOutcome::Failed(err) = &mut unit.outcome {
            *err = store.rename_in(err);
        }
    }
    summary.manifest = summary.manifest.map_err(|err| store.rename_in(&err));
    summary
}

/// [`run_job_with`] into `job.output`, a local folder (the staging folder of `store`).
fn run_in(job: &Job, options: &RunOptions, store: Option<Arc<ObjectOutput>>) -> anyhow::Result<JobSummary> {
    let started = Instant::now();
    let started_at = Timestamp::from(chrono::Utc::now());
    let manifest_name =
        options.shard.map_or_else(|| super::manifest::MANIFEST_FILE.to_owned(), |s| s.manifest_file());
    let earlier = output_dir::check(job, &manifest_name)?;
    // Watched: a job whose units fail while its source is unavailable exits 75 (transient).
    let (reader, unavailable) = super::watch::Watched::wrap(open_reader(job)?);
    let shard = options.shard.map(|shard| shard::plan_for(job, &*reader, shard)).transpose()?;
    let cache_dir = job.cache_dir.clone().or_else(runtime::default_cache_dir);
    // The instance pool's slots fit the largest memory limit of any plugin.
    let memory_bytes =
        job.plugins.iter().map(|p| p.limits.memory_bytes).fold(job.limits.memory_bytes, usize::max);
    // A symbol's plugins run side by side: up to `workers` symbols' worth of instances at once,
    // and the describe and parameter-check calls beside them.
    let max_instances = u32::try_from(job.workers.max(1).saturating_mul(job.plugins.len().max(1)))
        .unwrap_or(u32::MAX / 2)
        .saturating_add(4)
        .max(job.limits.max_instances);
    let mut runtime = PluginRuntime::new(
        cache_dir.as_deref(),
        RuntimeLimits { memory_bytes, max_instances, ..job.limits.clone() },
    )?;
    runtime.set_quiet(options.quiet);
    let loaded = job.plugins.iter().map(|p| load_plugin(&runtime, p)).collect::<anyhow::Result<Vec<_>>>()?;
    let names = output_names(job, &loaded)?;
    let plugins = job
        .plugins
        .iter()
        .zip(loaded)
        .zip(names)
        .enumerate()
        .map(|(i, ((p, plugin), name))| {
            let params = unit::resolve_params(plugin.info(), &p.params)
                .map_err(|err| anyhow::anyhow!("plugin {}: {err}", p.path.display()))?;
            let plan = plan(&*reader, job, i, &plugin, &params)?;
            Ok(LoadedPlugin { plugin, name, params, plan })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (i, loaded) in plugins.iter().enumerate() {
        check_params(job, loaded).map_err(|err| anyhow::anyhow!("plugins[{i}] ({}): {err}", loaded.who()))?;
    }
    tracing::info!(plugins = plugins.len(), elapsed = ?started.elapsed(), "plugins loaded");

    let mut datasets: Vec<Dataset> = plugins
        .iter()
        .zip(&job.plugins)
        .map(|(l, entry)| {
            dataset::plugin_dataset(l.name.clone(), &l.plugin, &l.params, job.timeframe, entry.warm_up_bars)
        })
        .collect();
    let joined = match &job.joined {
        Some(name) if datasets.iter().any(|d| d.name == *name) => anyhow::bail!(
            "joined: {name}: a plugin entry has that name too (expected the joined table a name of its own)"
        ),
        Some(name) => {
            let outputs: Vec<&[String]> =
                plugins.iter().map(|p| p.plugin.info().outputs.as_slice()).collect();
            Some(dataset::joined(name.clone(), &datasets, &outputs).map_err(|err| anyhow::anyhow!(err))?)
        }
        None => None,
    };
    datasets.extend(joined.as_ref().map(|j| j.dataset.clone()));
    for symbol in job.symbols.iter() {
        checked_symbol_partition(symbol).map_err(|err| anyhow::anyhow!("symbols: {err}"))?;
    }
    output_dir::prepare(&job.output)?;
    // A shard's own symbols' folders only: another shard may be writing beside it.
    let partitions: Option<std::collections::BTreeSet<String>> =
        shard.as_ref().map(|plan| plan.symbols.iter().map(crate::output::symbol_partition).collect());
    stale::remove_temporaries_where(&job.output, |f| {
        partitions.as_ref().is_none_or(|p| stale::in_partitions(f, p))
    })
    .with_context(|| format!("removing temporary files of earlier runs in {}", job.output.display()))?;
    if let Some(signal) = options.stop.first() {
        tracing::info!(signal, "stopped before any unit ran");
    }
    if let (Some(store), Some(earlier), true) = (&store, &earlier, options.resume) {
        store.fetch_for_resume(earlier, &datasets.iter().map(|d| d.dir.to_string()).collect())?;
    }
    let prepared = Prepared {
        job: job.clone(),
        reader,
        plugins,
        datasets,
        joined,
        earlier,
        started,
        started_at,
        shard,
        store,
        unavailable,
    };
    execute(prepared, options)
}

/// Runs one plugin's unit of `symbol` and writes its table to its dataset.
pub(super) fn run_unit(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    loaded: &LoadedPlugin,
    dataset: &Dataset,
    symbol: &Symbol,
    writer: &ParquetWriter,
) -> Result<UnitOutcome, String> {
    let who = loaded.who();
    // The summary gets the port's message; the log gets its whole chain (the server's words).
    let read_failed = |doing: &str, err: crate::domain::ReadError| {
        let chain = crate::domain::error_chain(&err);
        tracing::error!(plugin = %who, %symbol, error = %chain, "{doing} failed");
        format!("{who} on {symbol}: {doing}: {err}")
    };
    let unit = unit::unit_of_work(
        &**reader,
        symbol,
        job.symbols.as_slice(),
        job.timeframe,
        job.window,
        job.as_of,
        &loaded.plan,
        loaded.params.clone(),
    )
    .map_err(|err| read_failed("finding the warm-up start", err))?;
    let run = loaded.plugin.run(Arc::clone(reader), &unit).map_err(|err| loaded.named(err.to_string()));
    // A unit with no rows, or one that failed, may have had no bars to work on: then that is what
    // it says, with what is stored for the symbol. (Asked afterwards, so that a plugin meets the
    // reader's own errors first.)
    if !run.as_ref().is_ok_and(|output| !output.table.ts.is_empty()) {
        match coverage::window_has_bars(&**reader, symbol, job.timeframe, job.window) {
            Ok(true) => {}
            Ok(false) if job.allow_empty && run.is_ok() => return Ok(UnitOutcome::Empty { rows_in: 0 }),
            Ok(false) => {
                let message = coverage::no_bars_message(&**reader, symbol, job.timeframe, job.window);
                return Err(format!("{who} on {symbol}: {message}"));
            }
            // The unit's own failure says more.
            Err(err) if run.is_err() => {
                let _ = read_failed("looking for the window's bars", err);
            }
            Err(err) => return Err(read_failed("looking for the window's bars", err)),
        }
    }
    let output = run?;
    let provenance = provenance(job, &loaded.plugin, &unit);
    write_unit(writer, dataset, symbol, output.table, &provenance, output.rows_read)
        .map_err(|err| format!("{who} on {symbol}: {err}"))
}

/// The one way a unit's table reaches its dataset: `symbol`'s file, or no file for a table
/// without rows (so a file with rows is never replaced by an empty one). A unit of many symbols
/// writes each symbol's table through it.
pub(super) fn write_unit(
    writer: &ParquetWriter,
    dataset: &Dataset,
    symbol: &Symbol,
    table: Table,
    provenance: &Provenance,
    rows_in: u64,
) -> Result<UnitOutcome, String> {
    let rows_out = table.ts.len() as u64;
    if rows_out == 0 {
        return Ok(UnitOutcome::Empty { rows_in });
    }
    let file = writer
        .write(&dataset.dir, symbol, table, provenance)
        .map_err(|err| format!("{:#}", anyhow::Error::from(err)))?;
    Ok(UnitOutcome::Written(UnitWritten {
        path: file.path,
        rows_in,
        rows_out,
        sha256: file.sha256,
        bytes: file.bytes,
    }))
}

/// Compiles (or maps from the cache) one entry's plugin. The runtime says so first when this host
/// has not compiled it before, with the time to expect (`runtime/compiled.rs`).
fn load_plugin(runtime: &PluginRuntime, entry: &PluginJob) -> anyhow::Result<Plugin> {
    Ok(runtime.load_with_limits(&entry.path, entry.limits.clone())?)
}

/// Parameters are checked before any unit runs: the plugin is called once over a unit that can
/// read nothing, and an `invalid-params` answer stops the job (a plugin checks its parameters
/// before it reads). Any other outcome of that call is left to the real units.
fn check_params(job: &Job, loaded: &LoadedPlugin) -> Result<(), String> {
    let Some(symbol) = job.symbols.iter().next() else { return Ok(()) };
    let Ok(probe) = unit::unit_of_work(
        &NoBars,
        symbol,
        job.symbols.as_slice(),
        job.timeframe,
        job.window,
        job.as_of,
        &loaded.plan,
        loaded.params.clone(),
    ) else {
        return Ok(());
    };
    match loaded.plugin.run(Arc::new(NoBars), &probe) {
        Err(UnitFailure::Plugin { message, .. }) if message.starts_with(INVALID_PARAMS) => {
            Err(format!("{message} (checked before any unit ran)"))
        }
        _ => Ok(()),
    }
}

/// How the runtime words a plugin's `invalid-params` error.
const INVALID_PARAMS: &str = "invalid parameters";

/// `plugins[index]`'s plan for `params`, checked against the source before any unit runs. A 0.1
/// plugin's warm-up may be set by the job (`warm_up_bars:`); a 0.2 plugin's plan declares its own.
pub fn plan(
    reader: &dyn MarketDataReader,
    job: &Job,
    index: usize,
    plugin: &Plugin,
    params: &[(String, ParamValue)],
) -> anyhow::Result<Plan> {
    let entry = &job.plugins[index];
    let plan = match (entry.warm_up_bars, plugin.contract()) {
        (Some(bars), Contract::V0_1) => Plan::own_series(bars),
        (Some(_), Contract::V0_2) => anyhow::bail!(
            "plugins[{index}] ({}): `warm_up_bars` sets a 0.1 plugin's warm-up; this plugin is {} and its plan \
             declares the warm-up for its parameters (expected no `warm_up_bars`)",
            entry.path.display(),
            plugin.contract()
        ),
        (None, _) => plugin
            .plan(params)
            .map_err(|err| anyhow::anyhow!("plugins[{index}] ({}): {err}", entry.path.display()))?,
    };
    unit::check_plan(reader, &plan, job.timeframe, entry.limits.warm_up_bars).map_err(|err| {
        anyhow::anyhow!("plugins[{index}] ({}): plugin {}: {err}", entry.path.display(), plugin.info().name)
    })?;
    Ok(plan)
}

/// Runs a cross-section plugin's one unit, over every symbol of the job, and writes each symbol's
/// rows as that symbol's file through [`write_unit`]. An outcome per symbol it returned rows
/// for; the unit's reads are counted on the first. A shard runs the whole unit (its values need
/// every symbol) and writes only its own symbols' files, `mine`.
pub(super) fn run_cross_section_unit(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    loaded: &LoadedPlugin,
    dataset: &Dataset,
    writer: &ParquetWriter,
    mine: &[Symbol],
) -> Result<Vec<(Symbol, UnitOutcome)>, String> {
    let who = loaded.who();
    let unit = unit::cross_section_unit(
        &**reader,
        job.symbols.as_slice(),
        job.timeframe,
        job.window,
        &loaded.plan,
        loaded.params.clone(),
    )
    .map_err(|err| format!("{who} on the cross-section: finding the warm-up start: {err}"))?;
    let output = loaded
        .plugin
        .run_cross_section(Arc::clone(reader), &unit)
        .map_err(|err| loaded.named(err.to_string()))?;
    let warm_up_from = unit.inputs.iter().map(|i| i.warm_up_from).min().unwrap_or(unit.window.start());
    let mut rows_in = output.rows_read;
    Ok(output
        .tables
        .into_iter()
        .filter(|(symbol, _)| mine.contains(symbol))
        .map(|(symbol, table)| {
            let facts = UnitOfWork {
                symbol: symbol.clone(),
                timeframe: unit.timeframe,
                window: unit.window,
                warm_up_from,
                as_of: unit.as_of,
                inputs: unit.inputs.clone(),
                params: unit.params.clone(),
            };
            let provenance = provenance(job, &loaded.plugin, &facts);
            let outcome =
                write_unit(writer, dataset, &symbol, table, &provenance, std::mem::take(&mut rows_in))
                    .unwrap_or_else(|err| UnitOutcome::Failed(format!("{who} on {symbol}: {err}")));
            (symbol, outcome)
        })
        .collect())
}

/// The `candlewick.*` metadata of an output file. Never a credential: the source is its kind.
/// `params` is JSON, with NaN and infinities as strings (`unit::params_json`).
fn provenance(job: &Job, plugin: &Plugin, unit: &UnitOfWork) -> Provenance {
    let source = source_name(job);
    let info = plugin.info();
    Provenance {
        entries: vec![
            ("plugin", info.name.clone()),
            ("plugin_version", info.version.clone()),
            ("plugin_sha256", plugin.sha256().to_owned()),
            ("params", unit::params_json(&unit.params).to_string()),
            ("symbol", unit.symbol.to_string()),
            ("timeframe", unit.timeframe.to_string()),
            ("window_start", unit.window.start().to_string()),
            ("window_end", unit.window.end().to_string()),
            // What the plugin could read up to: a feature builder's window's end, a sampler's as-of.
            (
                "as_of",
                match plugin.kind() {
                    PluginKind::FeatureBuilder | PluginKind::CrossSection => unit.window.end(),
                    PluginKind::Sampler => unit.as_of,
                }
                .to_string(),
            ),
            ("warm_up_from", unit.warm_up_from.to_string()),
            // What it could read: each input of its plan, as scoped for the unit.
            ("inputs", unit.inputs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")),
            ("source", source),
            ("host_version", env!("CARGO_PKG_VERSION").to_owned()),
        ],
    }
}

/// The job's source as provenance and the manifest name it: its kind, never a credential.
pub(super) fn source_name(job: &Job) -> String {
    match &job.source {
        Source::Database(_) => "database".to_owned(),
        Source::Fixture(path) => format!("fixture {}", path.display()),
        Source::Embedded => "embedded sample".to_owned(),
    }
}

/// A bar on a terminal; plain log lines on stderr otherwise.
pub(super) fn progress_bar(total: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} units  {msg}")
            .expect("a valid template"),
    );
    bar
}

pub(super) fn log_unit(progress: &ProgressBar, line: String) {
    if progress.is_hidden() {
        eprintln!("{line}");
    } else {
        progress.println(line);
    }
}
