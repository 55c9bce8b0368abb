//! Running a job: open the source, load the plugins, run every unit, write every table.

use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use sha2::Digest;

use super::config::{Job, PluginJob, Source};
use super::coverage;
use crate::bars_file::FileDefaults;
use crate::domain::{Contract, ParamValue, Plan, PluginKind, Symbol, UnitOfWork};
use crate::output::{OutputName, ParquetWriter, Provenance};
use crate::pg::ConnectionSettings;
use crate::reader::{
    MarketDataReader, MemoryMarketDataReader, NoBars, PgMarketDataReader, PgReaderConfig, SharedSeries,
};
use crate::runtime::{self, Plugin, PluginRuntime, RuntimeLimits, UnitFailure};
use crate::unit;

/// How one unit ended.
#[derive(Debug)]
pub struct UnitReport {
    /// The entry's output name.
    pub plugin: String,
    pub symbol: Symbol,
    pub outcome: UnitOutcome,
}

/// What a unit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOutcome {
    /// It wrote its file.
    Written(UnitWritten),
    /// Its table had no rows (a window without bars, under `allow_empty`, or a sampler that found
    /// nothing): no file is written, so an earlier file with rows is never replaced by an empty one.
    Empty { rows_in: u64 },
    /// Why it failed.
    Failed(String),
}

impl UnitOutcome {
    pub fn is_failed(&self) -> bool {
        matches!(self, UnitOutcome::Failed(_))
    }

    /// Bars read and rows written.
    fn rows(&self) -> (u64, usize) {
        match self {
            UnitOutcome::Written(w) => (w.rows_in, w.rows_out),
            UnitOutcome::Empty { rows_in } => (*rows_in, 0),
            UnitOutcome::Failed(_) => (0, 0),
        }
    }
}

/// What a unit that succeeded wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitWritten {
    /// The Parquet file.
    pub path: PathBuf,
    /// Bars the plugin read, warm-up included.
    pub rows_in: u64,
    /// Rows of the table written.
    pub rows_out: usize,
}

/// What a job did.
#[derive(Debug)]
pub struct JobSummary {
    pub units: Vec<UnitReport>,
    pub elapsed: Duration,
}

impl JobSummary {
    pub fn failed(&self) -> impl Iterator<Item = &UnitReport> {
        self.units.iter().filter(|u| u.outcome.is_failed())
    }

    /// The closing summary: units, rows, time, files and failures.
    pub fn render(&self, output: &std::path::Path) -> String {
        let failed = self.failed().count();
        let empty = self.units.iter().filter(|u| matches!(u.outcome, UnitOutcome::Empty { .. })).count();
        let (rows_in, rows_out) = self
            .units
            .iter()
            .map(|u| u.outcome.rows())
            .fold((0u64, 0usize), |(i, o), (unit_in, unit_out)| (i + unit_in, o + unit_out));
        let empty = if empty > 0 { format!(" ({empty} empty)") } else { String::new() };
        let mut text = format!(
            "units: {} ok{empty}, {failed} failed; rows in {rows_in}, rows out {rows_out}; {:.2} s\noutput: {}\n",
            self.units.len() - failed,
            self.elapsed.as_secs_f64(),
            output.display()
        );
        for unit in &self.units {
            match &unit.outcome {
                UnitOutcome::Written(w) => {
                    text.push_str(&format!("  {} ({} rows)\n", w.path.display(), w.rows_out))
                }
                UnitOutcome::Empty { .. } => {
                    text.push_str(&format!("  {} {}: no rows, nothing written\n", unit.plugin, unit.symbol))
                }
                UnitOutcome::Failed(err) => text.push_str(&format!("  FAILED {err}\n")),
            }
        }
        text
    }
}

/// The job's source as a reader: its database, its fixture file or the embedded sample.
pub fn open_reader(job: &Job) -> anyhow::Result<Arc<dyn MarketDataReader>> {
    Ok(match &job.source {
        Source::Embedded => Arc::new(MemoryMarketDataReader::embedded_sample()),
        Source::Fixture(path) => Arc::new(MemoryMarketDataReader::from_file(path, &FileDefaults::default())?),
        Source::Database(settings) => Arc::new(connect(settings, job)?),
    })
}

/// The job's pool: a connection per worker, since a running unit holds at most one at a time
/// (see [`PgReaderConfig::max_connections`]).
fn connect(settings: &ConnectionSettings, job: &Job) -> anyhow::Result<PgMarketDataReader> {
    let config = PgReaderConfig {
        statement_timeout: job.statement_timeout,
        max_connections: u32::try_from(job.workers).unwrap_or(u32::MAX).max(1),
        ..PgReaderConfig::default()
    };
    PgMarketDataReader::connect(settings, &config).with_context(|| format!("connecting to {settings}"))
}

struct LoadedPlugin {
    plugin: Plugin,
    /// Its output folder's name: the entry's `name:` or the plugin's own.
    name: OutputName,
    params: Vec<(String, ParamValue)>,
    /// What it reads with these parameters, checked against the source.
    plan: Plan,
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
                "plugins[{first}] ({}) and plugins[{i}] ({}) would both write to {} (expected each entry \
                 its own output folder: give one a `name:`)",
                job.plugins[first].path.display(),
                entry.path.display(),
                job.output.join(name.as_str()).display()
            );
        }
        names.push(name);
    }
    Ok(names)
}

/// Runs `job`. Errors are for a job that cannot run (source, plugins, parameters); a unit's
/// failure is reported in the summary and the other units go on (unless `fail_fast`).
pub fn run_job(job: &Job) -> anyhow::Result<JobSummary> {
    let started = Instant::now();
    let reader = open_reader(job)?;
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
    let runtime = PluginRuntime::new(
        cache_dir.as_deref(),
        RuntimeLimits { memory_bytes, max_instances, ..job.limits.clone() },
    )?;
    let loaded = job
        .plugins
        .iter()
        .map(|p| load_plugin(&runtime, p, cache_dir.as_deref()))
        .collect::<anyhow::Result<Vec<_>>>()?;
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

    let writer = ParquetWriter::new(&job.output);
    // The unit of work is a symbol over the window for every plugin of the job: its plugins run
    // side by side, each in its own store, and their reads of the symbol's own series share one
    // read of the source (`reader::SharedSeries`). A cross-section plugin has one unit over every
    // symbol. Units run on `workers` threads: while one waits on PostgreSQL another computes, so
    // the database's core and the host's are both busy (job benchmark, 2M bars on 2 cores: from
    // 0.49x to 0.58x of the COPY drain).
    let per_symbol: Vec<(usize, &LoadedPlugin)> =
        plugins.iter().enumerate().filter(|(_, p)| p.plugin.kind() != PluginKind::CrossSection).collect();
    let mut work: Vec<Work> = Vec::new();
    if !per_symbol.is_empty() {
        work.extend(job.symbols.iter().map(Work::Symbol));
    }
    work.extend(
        plugins
            .iter()
            .enumerate()
            .filter(|(_, p)| p.plugin.kind() == PluginKind::CrossSection)
            .map(|(i, p)| Work::CrossSection(i, p)),
    );
    let total = work.len();
    // One step per plugin and symbol: a cross-section unit reports each symbol's file.
    let progress = progress_bar(plugins.len() * job.symbols.len());
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Each report with its plugin's and symbol's index: the summary lists them plugin by plugin,
    // then symbol by symbol, whatever order they finished in.
    let reports: Mutex<Vec<((usize, usize), UnitReport)>> = Mutex::new(Vec::new());
    let symbol_index = |symbol: &Symbol| job.symbols.iter().position(|s| s == symbol).unwrap_or(usize::MAX);
    let record = |plugin: usize, report: UnitReport| {
        let name = &report.plugin;
        let symbol = &report.symbol;
        match &report.outcome {
            UnitOutcome::Written(unit) => log_unit(
                &progress,
                format!("{name} {symbol}: ok, {} bars in, {} rows out", unit.rows_in, unit.rows_out),
            ),
            UnitOutcome::Empty { rows_in } => log_unit(
                &progress,
                format!("{name} {symbol}: ok, {rows_in} bars in, no rows (nothing written)"),
            ),
            UnitOutcome::Failed(err) => log_unit(&progress, err.clone()),
        }
        progress.inc(1);
        if report.outcome.is_failed() && job.fail_fast {
            stop.store(true, Ordering::Relaxed);
        }
        let key = (plugin, symbol_index(&report.symbol));
        reports.lock().expect("no worker panics holding the lock").push((key, report));
    };
    std::thread::scope(|scope| {
        for _ in 0..job.workers.clamp(1, total.max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match work[index] {
                        Work::Symbol(symbol) => {
                            progress.set_message(symbol.to_string());
                            run_symbol(job, &reader, &per_symbol, symbol, &writer, &record);
                        }
                        Work::CrossSection(i, loaded) => {
                            progress.set_message(format!("{} cross-section", loaded.name));
                            for report in run_cross_section_unit(job, &reader, loaded, &writer) {
                                record(i, report);
                            }
                        }
                    }
                }
            });
        }
    });
    let mut reports = reports.into_inner().expect("workers are done");
    reports.sort_by_key(|(key, _)| *key);
    let units = reports.into_iter().map(|(_, report)| report).collect();
    progress.finish_and_clear();
    Ok(JobSummary { units, elapsed: started.elapsed() })
}

/// What a worker takes on next.
#[derive(Clone, Copy)]
enum Work<'a> {
    /// A symbol, for every plugin but the cross-section ones.
    Symbol(&'a Symbol),
    /// A cross-section plugin (its index), over every symbol.
    CrossSection(usize, &'a LoadedPlugin),
}

/// Runs `plugins` (each with its index in the job) over `symbol` side by side, each plugin in a
/// thread of its own, their reads of the symbol's own series served by one shared read; hands each
/// unit's report to `record` as it ends.
fn run_symbol(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    plugins: &[(usize, &LoadedPlugin)],
    symbol: &Symbol,
    writer: &ParquetWriter,
    record: &(dyn Fn(usize, UnitReport) + Sync),
) {
    if let [(index, loaded)] = plugins {
        // One plugin: nothing to share, it reads the source itself.
        let outcome = run_unit(job, reader, loaded, symbol, writer).unwrap_or_else(UnitOutcome::Failed);
        record(*index, UnitReport { plugin: loaded.name.to_string(), symbol: symbol.clone(), outcome });
        return;
    }
    let batch_rows = NonZeroUsize::new(job.limits.batch_rows).unwrap_or(NonZeroUsize::MIN);
    let series =
        SharedSeries::new(Arc::clone(reader), symbol.clone(), job.timeframe, plugins.len(), batch_rows);
    std::thread::scope(|scope| {
        scope.spawn(|| series.produce());
        for (k, &(index, loaded)) in plugins.iter().enumerate() {
            let own = Arc::new(series.reader(k));
            scope.spawn(move || {
                let shared: Arc<dyn MarketDataReader> = own.clone();
                let outcome =
                    run_unit(job, &shared, loaded, symbol, writer).unwrap_or_else(UnitOutcome::Failed);
                own.finish();
                record(
                    index,
                    UnitReport { plugin: loaded.name.to_string(), symbol: symbol.clone(), outcome },
                );
            });
        }
    });
}

fn run_unit(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    loaded: &LoadedPlugin,
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
    let rows_out = output.table.ts.len();
    if rows_out == 0 {
        return Ok(UnitOutcome::Empty { rows_in: output.rows_read });
    }
    let provenance = provenance(job, &loaded.plugin, &unit);
    let path = writer
        .write(&loaded.name, symbol, output.table, &provenance)
        .map_err(|err| format!("{who} on {symbol}: {:#}", anyhow::Error::from(err)))?;
    Ok(UnitOutcome::Written(UnitWritten { path, rows_in: output.rows_read, rows_out }))
}

/// Compiles (or loads from the cache) one entry's plugin, saying so first when this host has not
/// compiled it before: the first run of a large component takes seconds to a minute.
fn load_plugin(
    runtime: &PluginRuntime,
    entry: &PluginJob,
    cache_dir: Option<&Path>,
) -> anyhow::Result<Plugin> {
    let bytes =
        std::fs::read(&entry.path).with_context(|| format!("reading plugin {}", entry.path.display()))?;
    let sha256 = format!("{:x}", sha2::Sha256::digest(&bytes));
    // A file that is not a component fails to load at once, with its own one-line error.
    let component = bytes.starts_with(COMPONENT_HEADER);
    drop(bytes);
    // A marker per host version and component, beside the engine's cache: wasmtime's cache does
    // not say whether it holds a component, and the marker is enough to tell a first run.
    let marker =
        cache_dir.map(|dir| dir.join("compiled").join(format!("{}-{sha256}", env!("CARGO_PKG_VERSION"))));
    let first = component && marker.as_ref().is_none_or(|m| !m.exists());
    let cache = match cache_dir {
        Some(dir) => format!("first run; cached afterwards in {}", dir.display()),
        None => "no cache directory: every run compiles".to_owned(),
    };
    // Said on a terminal, where a user waits for it; a log (CI, a pipe) has it at `info`, so that
    // a plugin that fails to load is one line of error there.
    let terminal = std::io::stderr().is_terminal();
    if first && terminal {
        eprintln!("compiling plugin {} ({cache})", entry.path.display());
    }
    let started = Instant::now();
    let plugin = runtime.load_with_limits(&entry.path, entry.limits.clone())?;
    if first {
        let seconds = started.elapsed().as_secs_f64();
        if terminal {
            eprintln!("compiled {} in {seconds:.1} s", entry.path.display());
        }
        tracing::info!(plugin = %entry.path.display(), seconds, "compiled ({cache})");
        if let Some(marker) = marker {
            // Only a note for the next run: a marker that cannot be written costs a message.
            let _ = marker
                .parent()
                .map(std::fs::create_dir_all)
                .transpose()
                .and_then(|_| std::fs::write(&marker, b""));
        }
    }
    Ok(plugin)
}

/// The first bytes of a Wasm component: the magic `\0asm`, then the component's version and layer.
const COMPONENT_HEADER: &[u8] = b"\0asm\x0d\0\x01\0";

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
/// rows as that symbol's file. Reports one per symbol; the unit's reads are counted on the
/// first symbol's report.
fn run_cross_section_unit(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    loaded: &LoadedPlugin,
    writer: &ParquetWriter,
) -> Vec<UnitReport> {
    let name = loaded.name.to_string();
    let info = loaded.plugin.info();
    let failed_all = |message: String| {
        job.symbols
            .iter()
            .map(|symbol| UnitReport {
                plugin: name.clone(),
                symbol: symbol.clone(),
                outcome: UnitOutcome::Failed(message.clone()),
            })
            .collect()
    };
    let unit = match unit::cross_section_unit(
        &**reader,
        job.symbols.as_slice(),
        job.timeframe,
        job.window,
        &loaded.plan,
        loaded.params.clone(),
    ) {
        Ok(unit) => unit,
        Err(err) => {
            return failed_all(format!(
                "plugin {} on the cross-section: finding the warm-up start: {err}",
                info.name
            ));
        }
    };
    let output = match loaded.plugin.run_cross_section(Arc::clone(reader), &unit) {
        Ok(output) => output,
        Err(err) => return failed_all(err.to_string()),
    };
    let warm_up_from = unit.inputs.iter().map(|i| i.warm_up_from).min().unwrap_or(unit.window.start());
    let mut rows_in = output.rows_read;
    output
        .tables
        .into_iter()
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
            let rows_out = table.ts.len();
            let outcome = match writer.write(&loaded.name, &symbol, table, &provenance) {
                Ok(path) => UnitOutcome::Written(UnitWritten {
                    path,
                    rows_in: std::mem::take(&mut rows_in),
                    rows_out,
                }),
                Err(err) => UnitOutcome::Failed(format!(
                    "plugin {} on {symbol}: {:#}",
                    info.name,
                    anyhow::Error::from(err)
                )),
            };
            UnitReport { plugin: name.clone(), symbol, outcome }
        })
        .collect()
}

/// The `candlewick.*` metadata of an output file. Never a credential: the source is its kind.
/// `params` is JSON, with NaN and infinities as strings (`unit::params_json`).
fn provenance(job: &Job, plugin: &Plugin, unit: &UnitOfWork) -> Provenance {
    let source = match &job.source {
        Source::Database(_) => "database".to_owned(),
        Source::Fixture(path) => format!("fixture {}", path.display()),
        Source::Embedded => "embedded sample".to_owned(),
    };
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

/// A bar on a terminal; plain log lines on stderr otherwise.
fn progress_bar(total: usize) -> ProgressBar {
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

fn log_unit(progress: &ProgressBar, line: String) {
    if progress.is_hidden() {
        eprintln!("{line}");
    } else {
        progress.println(line);
    }
}
