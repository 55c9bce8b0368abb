//! Running a job: open the source, load the plugins, run every unit, write every table.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::config::{Job, Source};
use crate::bars_file::FileDefaults;
use crate::domain::{ParamValue, PluginKind, Symbol, UnitOfWork};
use crate::output::{OutputName, ParquetWriter, Provenance};
use crate::pg::ConnectionSettings;
use crate::reader::{MarketDataReader, MemoryMarketDataReader, PgMarketDataReader, PgReaderConfig};
use crate::runtime::{self, Plugin, PluginRuntime, RuntimeLimits};
use crate::unit;

/// How one unit ended.
#[derive(Debug)]
pub struct UnitReport {
    pub plugin: String,
    pub symbol: Symbol,
    /// What the unit wrote, or why it failed.
    pub outcome: Result<UnitWritten, String>,
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
        self.units.iter().filter(|u| u.outcome.is_err())
    }

    /// The closing summary: units, rows, time, files and failures.
    pub fn render(&self, output: &std::path::Path) -> String {
        let ok = self.units.iter().filter(|u| u.outcome.is_ok()).count();
        let (rows_in, rows_out) = self
            .units
            .iter()
            .filter_map(|u| u.outcome.as_ref().ok())
            .fold((0u64, 0usize), |(i, o), unit| (i + unit.rows_in, o + unit.rows_out));
        let mut text = format!(
            "units: {ok} ok, {} failed; rows in {rows_in}, rows out {rows_out}; {:.2} s\noutput: {}\n",
            self.units.len() - ok,
            self.elapsed.as_secs_f64(),
            output.display()
        );
        for unit in &self.units {
            match &unit.outcome {
                Ok(unit) => text.push_str(&format!("  {} ({} rows)\n", unit.path.display(), unit.rows_out)),
                Err(err) => text.push_str(&format!("  FAILED {err}\n")),
            }
        }
        text
    }
}

fn open_reader(job: &Job) -> anyhow::Result<Arc<dyn MarketDataReader>> {
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
    warm_up_bars: u32,
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
    let runtime =
        PluginRuntime::new(cache_dir.as_deref(), RuntimeLimits { memory_bytes, ..job.limits.clone() })?;
    let loaded = job
        .plugins
        .iter()
        .map(|p| runtime.load_with_limits(&p.path, p.limits.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let names = output_names(job, &loaded)?;
    let plugins = job
        .plugins
        .iter()
        .zip(loaded)
        .zip(names)
        .map(|((p, plugin), name)| {
            let params = unit::resolve_params(plugin.info(), &p.params)
                .map_err(|err| anyhow::anyhow!("plugin {}: {err}", p.path.display()))?;
            let warm_up_bars = p.warm_up_bars.unwrap_or(plugin.info().warm_up_bars);
            Ok(LoadedPlugin { plugin, name, params, warm_up_bars })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    tracing::info!(plugins = plugins.len(), elapsed = ?started.elapsed(), "plugins loaded");

    let writer = ParquetWriter::new(&job.output);
    let total = plugins.len() * job.symbols.len();
    let progress = progress_bar(total);
    // Units run on `workers` threads: while one waits on PostgreSQL another computes, so the
    // database's core and the host's are both busy (job benchmark, 2M bars on 2 cores: from
    // 0.49x to 0.58x of the COPY drain). Reports keep the order plugin, then symbol.
    let work: Vec<(&LoadedPlugin, &Symbol)> =
        plugins.iter().flat_map(|p| job.symbols.iter().map(move |s| (p, s))).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let reports: Mutex<Vec<Option<UnitReport>>> = Mutex::new((0..total).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..job.workers.clamp(1, total.max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (loaded, symbol) = work[index];
                    let name = loaded.name.to_string();
                    progress.set_message(format!("{name} {symbol}"));
                    let outcome = run_unit(job, &reader, loaded, symbol, &writer);
                    match &outcome {
                        Ok(unit) => log_unit(
                            &progress,
                            format!(
                                "{name} {symbol}: ok, {} bars in, {} rows out",
                                unit.rows_in, unit.rows_out
                            ),
                        ),
                        Err(err) => log_unit(&progress, err.clone()),
                    }
                    progress.inc(1);
                    if outcome.is_err() && job.fail_fast {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let report = UnitReport { plugin: name, symbol: symbol.clone(), outcome };
                    reports.lock().expect("no worker panics holding the lock")[index] = Some(report);
                }
            });
        }
    });
    let units = reports.into_inner().expect("workers are done").into_iter().flatten().collect();
    progress.finish_and_clear();
    Ok(JobSummary { units, elapsed: started.elapsed() })
}

fn run_unit(
    job: &Job,
    reader: &Arc<dyn MarketDataReader>,
    loaded: &LoadedPlugin,
    symbol: &Symbol,
    writer: &ParquetWriter,
) -> Result<UnitWritten, String> {
    let info = loaded.plugin.info();
    let unit = unit::unit_of_work(
        &**reader,
        symbol,
        job.timeframe,
        job.window,
        job.as_of,
        loaded.warm_up_bars,
        loaded.params.clone(),
    )
    .map_err(|err| {
        // The summary gets the port's message; the log gets its whole chain (the server's words).
        let chain = crate::domain::error_chain(&err);
        tracing::error!(plugin = %info.name, %symbol, error = %chain, "finding the warm-up start failed");
        format!("plugin {} on {symbol}: finding the warm-up start: {err}", info.name)
    })?;
    let output = loaded.plugin.run(Arc::clone(reader), &unit).map_err(|err| err.to_string())?;
    let provenance = provenance(job, &loaded.plugin, &unit);
    let rows_out = output.table.ts.len();
    let path = writer
        .write(&loaded.name, symbol, output.table, &provenance)
        .map_err(|err| format!("plugin {} on {symbol}: {:#}", info.name, anyhow::Error::from(err)))?;
    Ok(UnitWritten { path, rows_in: output.rows_read, rows_out })
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
                    PluginKind::FeatureBuilder => unit.window.end(),
                    PluginKind::Sampler => unit.as_of,
                }
                .to_string(),
            ),
            ("warm_up_from", unit.warm_up_from.to_string()),
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
