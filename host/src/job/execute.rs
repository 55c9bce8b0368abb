//! Running a job's units once it is prepared: worker threads take units in order (the plugins'
//! units, then the joined table's), the main thread collects their outcomes, rewrites the
//! manifest as they finish, and watches for a stop: a signal (start no more units, give the
//! running ones a grace period, then give up on them) or `fail_fast`. `--resume` first keeps
//! the units an earlier run finished, when the manifest lists them with the same provenance and
//! their files still have the recorded checksum.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::config::Job;
use super::dataset::{Dataset, DatasetKind, Joined};
use super::join::{Member, joined_batch};
use super::manifest::{
    DatasetRecord, JobFileRecord, MANIFEST_FILE, MANIFEST_VERSION, Manifest, RunStatus, ShardRecord,
    UnitRecord, UnitStatus, WindowRecord,
};
use super::run::{LoadedPlugin, log_unit, progress_bar, run_cross_section_unit, run_unit, source_name};
use super::shard::{Shard, ShardPlan};
use super::stale;
use super::stop::{StopReason, StopSignal};
use super::store::ObjectOutput;
use super::summary::{JobSummary, UnitOutcome, UnitReport, UnitWritten};
use crate::domain::{PluginKind, Symbol, Timestamp};
use crate::output::{ParquetWriter, Provenance, file_sha256, symbol_partition};
use crate::reader::query_cost::{CostMeter, QueryCost};
use crate::reader::{MarketDataReader, SharedSeries};

/// How a job runs, beyond its file: the command line's choices.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Keep the units an earlier run finished (see the module's doc).
    pub resume: bool,
    /// Remove the files in the output that the manifest does not list, after a complete run.
    pub prune: bool,
    /// Signals heard by the command line.
    pub stop: StopSignal,
    /// How long running units may finish after the first signal before the job gives up on them.
    pub grace: Duration,
    /// No progress bar and no line per unit.
    pub quiet: bool,
    /// Run only this shard's units (`--shard I/N`, or a Kubernetes Indexed Job's variables).
    pub shard: Option<Shard>,
}

/// Kubernetes waits 30 s (`terminationGracePeriodSeconds`) between SIGTERM and SIGKILL: units
/// get 20 s of it, the manifest and the summary the rest.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(20);

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            resume: false,
            prune: false,
            stop: StopSignal::new(),
            grace: DEFAULT_GRACE,
            quiet: false,
            shard: None,
        }
    }
}

/// The manifest is rewritten at most this often while units finish (and once at the end): a run
/// of thousands of units does not rewrite it thousands of times, and a run killed outright loses
/// at most this much of its record (those units run again on `--resume`).
const MANIFEST_INTERVAL: Duration = Duration::from_secs(1);

/// How often the main thread looks for a signal while units run.
const POLL: Duration = Duration::from_millis(50);

/// A job ready to run: its plugins loaded, its datasets named, its output folder checked.
pub(super) struct Prepared {
    pub job: Job,
    pub reader: Arc<dyn MarketDataReader>,
    pub plugins: Vec<LoadedPlugin>,
    /// The plugins' datasets, in the job's order, then the joined table's.
    pub datasets: Vec<Dataset>,
    pub joined: Option<Joined>,
    /// The manifest of the run before, if the output has one (of this job).
    pub earlier: Option<Manifest>,
    pub started: Instant,
    pub started_at: Timestamp,
    /// The shard's part of the job, when it runs in shards.
    pub shard: Option<ShardPlan>,
    /// Reads that failed because the source was unavailable (`watch::Watched` counts them).
    pub unavailable: Arc<std::sync::atomic::AtomicU64>,
    /// The object store `job.output` (a staging folder) goes to, for `output: s3://…`.
    pub store: Option<Arc<ObjectOutput>>,
}

impl Prepared {
    /// The symbols whose units this process runs: its shard's, or all the job's.
    fn symbols(&self) -> &[Symbol] {
        match &self.shard {
            Some(plan) => &plan.symbols,
            None => self.job.symbols.as_slice(),
        }
    }

    /// The manifest's file name: `manifest.json`, or the shard's `manifest-shard-I-of-N.json`.
    fn manifest_name(&self) -> String {
        self.shard.as_ref().map_or_else(|| MANIFEST_FILE.to_owned(), |plan| plan.shard.manifest_file())
    }

    /// Whether a file under the output (relative, with `/`) is this process's to remove: any file
    /// for a run of the whole job; for a shard, one in its own symbols' folders.
    fn owns(&self) -> impl Fn(&str) -> bool + use<> {
        let partitions: Option<BTreeSet<String>> =
            self.shard.as_ref().map(|plan| plan.symbols.iter().map(symbol_partition).collect());
        move |file: &str| partitions.as_ref().is_none_or(|p| stale::in_partitions(file, p))
    }
}

/// One unit: a dataset (an index into [`Prepared::datasets`]) and a symbol.
#[derive(Debug, Clone)]
struct Work {
    dataset: usize,
    symbol: Symbol,
}

/// What a worker takes on: a symbol for every plugin but the cross-section ones (their units,
/// indices into the work, run side by side over one shared read of the series); a cross-section
/// plugin's one call over every symbol, which ends the units of its dataset at once; or one unit
/// (of the joined table).
#[derive(Debug, Clone)]
enum Task {
    Symbol(Vec<usize>),
    CrossSection { dataset: usize, units: std::ops::Range<usize> },
    Unit(usize),
}

/// A unit's end, sent by a worker.
struct Done {
    index: usize,
    outcome: UnitOutcome,
    seconds: f64,
}

/// What the workers share.
struct Shared {
    prepared: Prepared,
    writer: ParquetWriter,
    work: Vec<Work>,
    tasks: Vec<Task>,
    next: AtomicUsize,
    /// Start no more units.
    halt: AtomicBool,
    /// Outcomes so far, by unit: the joined units read their members'.
    outcomes: Mutex<Vec<Option<UnitOutcome>>>,
    running: Mutex<BTreeSet<usize>>,
    progress: ProgressBar,
    quiet: bool,
    /// What each unit's reads cost the database, by unit (`reader::query_cost`).
    costs: Mutex<BTreeMap<usize, QueryCost>>,
}

impl Shared {
    /// Runs `f`, charging the reads it runs on this thread to unit `index`.
    fn metered<T>(&self, index: usize, f: impl FnOnce() -> T) -> T {
        let meter = CostMeter::new();
        let value = meter.measure(f);
        self.charge(index, meter.total());
        value
    }

    fn charge(&self, index: usize, cost: QueryCost) {
        let mut costs = self.costs.lock().expect("no panic holding it");
        let total = costs.entry(index).or_default();
        *total = total.plus(cost);
    }

    /// Unit `index`'s cost for the manifest and the summary: none unless the source is a database.
    fn cost(&self, index: usize) -> Option<QueryCost> {
        if !matches!(self.prepared.job.source, super::config::Source::Database(_)) {
            return None;
        }
        self.costs.lock().expect("no panic holding it").get(&index).copied()
    }
}

pub(super) fn execute(prepared: Prepared, options: &RunOptions) -> anyhow::Result<JobSummary> {
    let job = &prepared.job;
    let mine = prepared.symbols();
    let symbols = mine.len();
    let work: Vec<Work> = (0..prepared.datasets.len())
        .flat_map(|dataset| mine.iter().map(move |symbol| Work { dataset, symbol: symbol.clone() }))
        .collect();
    // The unit of work is a symbol over the window for every plugin of the job: its plugins run
    // side by side, each in its own store, and their reads of the symbol's own series share one
    // read of the source (`reader::SharedSeries`). A cross-section plugin has one unit over every
    // symbol. Tasks run on `workers` threads: while one waits on PostgreSQL another computes, so
    // the database's core and the host's are both busy (job benchmark, 2M bars on 2 cores: from
    // 0.49x to 0.58x of the COPY drain).
    let cross_section = |d: usize| prepared.datasets[d].kind == DatasetKind::Plugin(PluginKind::CrossSection);
    let per_symbol: Vec<usize> = (0..prepared.plugins.len()).filter(|&d| !cross_section(d)).collect();
    let mut tasks: Vec<Task> = Vec::new();
    if !per_symbol.is_empty() {
        tasks
            .extend((0..symbols).map(|s| Task::Symbol(per_symbol.iter().map(|d| d * symbols + s).collect())));
    }
    tasks.extend(
        (0..prepared.plugins.len())
            .filter(|&d| cross_section(d))
            .map(|dataset| Task::CrossSection { dataset, units: dataset * symbols..(dataset + 1) * symbols }),
    );
    tasks.extend((prepared.plugins.len() * symbols..work.len()).map(Task::Unit));
    // The plugins' units, then the joined table's, which read the plugins' files.
    let plugin_tasks = tasks
        .iter()
        .position(|t| matches!(t, Task::Unit(i) if work[*i].dataset >= prepared.plugins.len()))
        .unwrap_or(tasks.len());
    let mut outcomes: Vec<Option<UnitOutcome>> = vec![None; work.len()];
    if options.resume {
        for (index, unit) in work.iter().enumerate() {
            outcomes[index] = resumed(&prepared, unit);
        }
    }
    let mut seconds = vec![0.0; work.len()];
    let abandoned_flag = Arc::new(AtomicBool::new(false));
    let writer = ParquetWriter::new(&job.output)
        .with_abandon_flag(Arc::clone(&abandoned_flag))
        .with_publish(prepared.store.clone().map(|s| s as Arc<dyn crate::output::Publish>));
    let progress = if options.quiet { ProgressBar::hidden() } else { progress_bar(work.len()) };
    progress.inc(outcomes.iter().filter(|o| o.is_some()).count() as u64);
    let shared = Arc::new(Shared {
        prepared,
        writer,
        work,
        tasks,
        next: AtomicUsize::new(0),
        halt: AtomicBool::new(false),
        outcomes: Mutex::new(outcomes),
        running: Mutex::new(BTreeSet::new()),
        progress,
        quiet: options.quiet,
        costs: Mutex::new(BTreeMap::new()),
    });

    let manifest_name = shared.prepared.manifest_name();
    if shared.prepared.shard.is_some() {
        // A shard's manifest is there from its start: `candlewick status` tells a shard that runs
        // (or died) from one that never started, and a later shard takes the split's weights from it.
        let manifest = compose(&shared, &seconds, None, false);
        manifest.write_named(&shared.prepared.job.output, &manifest_name).map_err(|err| {
            anyhow::anyhow!("writing {}: {err}", shared.prepared.job.output.join(&manifest_name).display())
        })?;
        if let Some(store) = &shared.prepared.store {
            store.progress(&manifest_name, true);
        }
    }
    let phases = [0..plugin_tasks, plugin_tasks..shared.tasks.len()];
    let mut stopped: Option<StopReason> = None;
    let mut abandoned: Vec<usize> = Vec::new();
    let mut last_write: Option<Instant> = None;
    let mut any_finished = shared.outcomes.lock().expect("no panic holding it").iter().any(Option::is_some);
    'phases: for phase in phases {
        if stopped.is_some() || phase.is_empty() {
            continue;
        }
        if let Some(signal) = options.stop.first() {
            stopped = Some(StopReason::Signal(signal));
            break;
        }
        shared.next.store(phase.start, Ordering::SeqCst);
        let (tx, rx) = mpsc::channel::<Done>();
        let workers = shared.prepared.job.workers.clamp(1, phase.len());
        for _ in 0..workers {
            let (shared, tx, end) = (Arc::clone(&shared), tx.clone(), phase.end);
            std::thread::spawn(move || work_loop(&shared, end, &tx));
        }
        drop(tx);
        let mut grace_until: Option<Instant> = None;
        loop {
            match rx.recv_timeout(POLL) {
                Ok(done) => {
                    if done.outcome.is_failed() && shared.prepared.job.fail_fast && stopped.is_none() {
                        stopped = Some(StopReason::FailFast);
                        shared.halt.store(true, Ordering::SeqCst);
                    }
                    seconds[done.index] = done.seconds;
                    shared.outcomes.lock().expect("no panic holding it")[done.index] = Some(done.outcome);
                    any_finished = true;
                    if last_write.is_none_or(|t| t.elapsed() >= MANIFEST_INTERVAL) {
                        let manifest = compose(&shared, &seconds, None, false);
                        if let Err(err) = manifest.write_named(&shared.prepared.job.output, &manifest_name) {
                            tracing::warn!(error = %err, "writing the manifest failed");
                        } else if let Some(store) = &shared.prepared.store {
                            store.progress(&manifest_name, false);
                        }
                        last_write = Some(Instant::now());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if let Some(signal) = options.stop.first()
                && grace_until.is_none()
            {
                stopped = Some(StopReason::Signal(signal));
                shared.halt.store(true, Ordering::SeqCst);
                let running = shared.running.lock().expect("no panic holding it").len();
                grace_until = Some(Instant::now() + options.grace);
                if running > 0 {
                    log_unit(
                        &shared.progress,
                        format!(
                            "{}: starting no more units; waiting up to {} s for the {running} running (again to stop now)",
                            StopReason::Signal(signal).name(),
                            options.grace.as_secs()
                        ),
                    );
                }
            }
            let give_up =
                grace_until.is_some_and(|until| Instant::now() >= until || options.stop.count() >= 2);
            if give_up {
                // Writes still under way give up, leaving nothing; then every temporary file goes.
                abandoned_flag.store(true, Ordering::SeqCst);
                abandoned = shared.running.lock().expect("no panic holding it").iter().copied().collect();
                if let Err(err) =
                    stale::remove_temporaries_where(&shared.prepared.job.output, shared.prepared.owns())
                {
                    tracing::warn!(error = %err, "removing temporary files failed");
                }
                break 'phases;
            }
        }
    }
    shared.progress.finish_and_clear();

    let finished: Vec<Option<UnitOutcome>> = shared.outcomes.lock().expect("no panic holding it").clone();
    let reports: Vec<UnitReport> = finished
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            let unit = &shared.work[index];
            let outcome = match outcome {
                Some(outcome) => outcome.clone(),
                None if abandoned.contains(&index) => UnitOutcome::Abandoned,
                None => UnitOutcome::NotRun,
            };
            UnitReport {
                plugin: shared.prepared.datasets[unit.dataset].name.to_string(),
                symbol: unit.symbol.clone(),
                outcome,
                seconds: seconds[index],
                database: shared.cost(index),
            }
        })
        .collect();
    let output = &shared.prepared.job.output;
    let manifest = if any_finished || shared.prepared.shard.is_some() {
        let mut manifest = compose(&shared, &seconds, stopped, true);
        for (record, report) in manifest.units.iter_mut().zip(&reports) {
            if report.outcome == UnitOutcome::Abandoned {
                record.status = UnitStatus::Abandoned;
            }
        }
        let path = output.join(&manifest_name);
        manifest
            .write_named(output, &manifest_name)
            .map(|()| path.clone())
            .map_err(|err| format!("writing {}: {err}", path.display()))
            .and_then(|path| match &shared.prepared.store {
                // Uploaded as progress, or committed when every unit succeeded (store.rs).
                Some(store) => store.publish(&manifest_name, &manifest).map(PathBuf::from),
                None => Ok(path),
            })
    } else {
        Err("no unit ran".to_owned())
    };
    let listed: BTreeSet<String> =
        reports.iter().filter_map(|r| r.outcome.written()).map(|w| relative(output, &w.path)).collect();
    // A run that stopped early lists only what it did: the rest is not stale, only not yet redone.
    // A shard judges only the files of its own symbols: the others are other shards' to write.
    let owns = shared.prepared.owns();
    let stale = match (&manifest, stopped) {
        (Ok(_), None) => {
            let found = match &shared.prepared.store {
                Some(store) => store.stale_files(&listed).map_err(std::io::Error::other),
                None => stale::stale_files(output, &listed),
            };
            found.unwrap_or_default().into_iter().filter(|f| owns(f)).collect()
        }
        _ => Vec::new(),
    };
    let pruned = options.prune && !stale.is_empty();
    if pruned {
        match &shared.prepared.store {
            Some(store) => store.delete(&stale).map_err(std::io::Error::other),
            None => stale::prune(output, &stale),
        }
        .map_err(|err| anyhow::anyhow!("--prune: removing stale files: {err}"))?;
    }
    Ok(JobSummary {
        units: reports,
        elapsed: shared.prepared.started.elapsed(),
        stopped,
        stale,
        pruned,
        manifest,
        reads_unavailable: shared.prepared.unavailable.load(Ordering::Relaxed),
        store_unavailable: shared.prepared.store.as_ref().map_or(0, |store| store.unavailable()),
    })
}

/// A worker: takes the next task of the phase until there is none, or the job halts.
fn work_loop(shared: &Shared, end: usize, tx: &mpsc::Sender<Done>) {
    loop {
        if shared.halt.load(Ordering::SeqCst) {
            break;
        }
        let task = shared.next.fetch_add(1, Ordering::SeqCst);
        if task >= end {
            break;
        }
        let units: Vec<usize> = match &shared.tasks[task] {
            Task::Unit(index) => vec![*index],
            Task::Symbol(units) => units.clone(),
            Task::CrossSection { units, .. } => units.clone().collect(),
        };
        {
            let outcomes = shared.outcomes.lock().expect("no panic holding it");
            if units.iter().all(|&i| outcomes[i].is_some()) {
                continue; // kept by --resume
            }
        }
        shared.running.lock().expect("no panic holding it").extend(units.iter().copied());
        let started = Instant::now();
        let outcomes = run_task(shared, &shared.tasks[task]);
        let seconds = started.elapsed().as_secs_f64();
        let mut gone = false;
        for (index, outcome) in outcomes {
            let unit = &shared.work[index];
            let name = &shared.prepared.datasets[unit.dataset].name;
            if !shared.quiet {
                let symbol = &unit.symbol;
                let line = match &outcome {
                    UnitOutcome::Written(w) => {
                        format!(
                            "{name} {symbol}: ok, {} in, {} out",
                            crate::domain::counted(w.rows_in, "bar"),
                            crate::domain::counted(w.rows_out, "row")
                        )
                    }
                    UnitOutcome::Empty { rows_in } => {
                        format!("{name} {symbol}: ok, {rows_in} bars in, no rows (nothing written)")
                    }
                    UnitOutcome::Failed(err) => err.clone(),
                    other => format!("{name} {symbol}: {other:?}"),
                };
                log_unit(&shared.progress, line);
            }
            shared.progress.inc(1);
            if outcome.is_failed() && shared.prepared.job.fail_fast {
                // Before this worker takes another unit; the main thread records why.
                shared.halt.store(true, Ordering::SeqCst);
            }
            gone |= tx.send(Done { index, outcome, seconds }).is_err();
            shared.running.lock().expect("no panic holding it").remove(&index);
        }
        if gone {
            break; // the job gave up on its units
        }
    }
}

/// Runs one task: each of its units with its outcome.
fn run_task(shared: &Shared, task: &Task) -> Vec<(usize, UnitOutcome)> {
    let prepared = &shared.prepared;
    match task {
        Task::Symbol(units) => {
            // The units `--resume` kept are not run again.
            let todo: Vec<usize> = {
                let outcomes = shared.outcomes.lock().expect("no panic holding it");
                units.iter().copied().filter(|&i| outcomes[i].is_none()).collect()
            };
            let symbol = &shared.work[todo[0]].symbol;
            shared.progress.set_message(symbol.to_string());
            run_symbol(shared, symbol, &todo)
        }
        Task::Unit(index) => {
            let unit = &shared.work[*index];
            shared.progress.set_message(format!("{} {}", prepared.datasets[unit.dataset].name, unit.symbol));
            let outcome = if unit.dataset < prepared.plugins.len() {
                shared.metered(*index, || {
                    run_unit(
                        &prepared.job,
                        &prepared.reader,
                        &prepared.plugins[unit.dataset],
                        &prepared.datasets[unit.dataset],
                        &unit.symbol,
                        &shared.writer,
                    )
                    .unwrap_or_else(UnitOutcome::Failed)
                })
            } else {
                run_joined_unit(shared, &unit.symbol)
            };
            vec![(*index, outcome)]
        }
        Task::CrossSection { dataset, units } => {
            shared.progress.set_message(format!("{} cross-section", prepared.datasets[*dataset].name));
            // One call over every symbol: its reads are counted on its first unit.
            let result = shared.metered(units.start, || {
                run_cross_section_unit(
                    &prepared.job,
                    &prepared.reader,
                    &prepared.plugins[*dataset],
                    &prepared.datasets[*dataset],
                    &shared.writer,
                    prepared.symbols(),
                )
            });
            units
                .clone()
                .map(|index| {
                    let symbol = &shared.work[index].symbol;
                    let outcome = match &result {
                        Err(err) => UnitOutcome::Failed(err.clone()),
                        Ok(outcomes) => outcomes
                            .iter()
                            .find(|(s, _)| s == symbol)
                            .map_or(UnitOutcome::Empty { rows_in: 0 }, |(_, outcome)| outcome.clone()),
                    };
                    (index, outcome)
                })
                .collect()
        }
    }
}

/// Runs the units of `symbol` (indices into the work, each of another plugin) side by side, each
/// plugin in a thread of its own, their reads of the symbol's own series served by one shared read.
fn run_symbol(shared: &Shared, symbol: &Symbol, units: &[usize]) -> Vec<(usize, UnitOutcome)> {
    let prepared = &shared.prepared;
    let job = &prepared.job;
    let batch_rows = NonZeroUsize::new(job.limits.batch_rows).unwrap_or(NonZeroUsize::MIN);
    let series = SharedSeries::new(
        Arc::clone(&prepared.reader),
        symbol.clone(),
        job.timeframe,
        units.len(),
        batch_rows,
    );
    let results = Mutex::new(Vec::with_capacity(units.len()));
    // The shared read's cost is counted on the symbol's first unit.
    let shared_read = CostMeter::new();
    std::thread::scope(|scope| {
        scope.spawn(|| shared_read.measure(|| series.produce()));
        for (k, &index) in units.iter().enumerate() {
            let own = Arc::new(series.reader(k));
            let results = &results;
            scope.spawn(move || {
                let dataset = shared.work[index].dataset;
                let reader: Arc<dyn MarketDataReader> = own.clone();
                let outcome = shared.metered(index, || {
                    run_unit(
                        job,
                        &reader,
                        &prepared.plugins[dataset],
                        &prepared.datasets[dataset],
                        symbol,
                        &shared.writer,
                    )
                    .unwrap_or_else(UnitOutcome::Failed)
                });
                own.finish();
                results.lock().expect("no panic holding it").push((index, outcome));
            });
        }
    });
    if let Some(&first) = units.first() {
        shared.charge(first, shared_read.total());
    }
    let mut results = results.into_inner().expect("every plugin's thread is done");
    results.sort_by_key(|(index, _)| *index);
    results
}

/// The joined table of `symbol`: its members' files side by side, once every member has one.
fn run_joined_unit(shared: &Shared, symbol: &Symbol) -> UnitOutcome {
    let prepared = &shared.prepared;
    let joined = prepared.joined.as_ref().expect("joined units only when the job joins");
    let name = &joined.dataset.name;
    let symbols = prepared.symbols();
    let at = symbols.iter().position(|s| s == symbol).expect("a symbol of the job");
    let outcomes = shared.outcomes.lock().expect("no panic holding it").clone();
    let mut files = Vec::new();
    for &member in &joined.members {
        let member_name = &prepared.datasets[member].name;
        match &outcomes[member * symbols.len() + at] {
            Some(UnitOutcome::Written(w) | UnitOutcome::Resumed(w)) => files.push(w.path.clone()),
            Some(UnitOutcome::Empty { .. }) => return UnitOutcome::Empty { rows_in: 0 },
            _ => {
                return UnitOutcome::Failed(format!(
                    "joined {name} on {symbol}: {member_name} on {symbol} did not succeed"
                ));
            }
        }
    }
    let members: Vec<Member<'_>> = joined
        .members
        .iter()
        .zip(&files)
        .zip(&joined.columns)
        .map(|((&m, file), columns)| Member { name: prepared.datasets[m].name.as_str(), file, columns })
        .collect();
    let batch = match joined_batch(&members) {
        Ok(batch) => batch,
        Err(err) => return UnitOutcome::Failed(format!("joined {name} on {symbol}: {err}")),
    };
    let job = &prepared.job;
    let provenance = Provenance {
        entries: vec![
            ("plugin", "joined".to_owned()),
            ("joined", joined.dataset.identity.to_string()),
            ("symbol", symbol.to_string()),
            ("timeframe", job.timeframe.to_string()),
            ("window_start", job.window.start().to_string()),
            ("window_end", job.window.end().to_string()),
            ("as_of", job.window.end().to_string()),
            ("source", source_name(job)),
            ("host_version", env!("CARGO_PKG_VERSION").to_owned()),
        ],
    };
    let rows_out = batch.num_rows() as u64;
    match shared.writer.write_batch(&joined.dataset.dir, symbol, &batch, &provenance) {
        Ok(file) => UnitOutcome::Written(UnitWritten {
            path: file.path,
            rows_in: 0,
            rows_out,
            sha256: file.sha256,
            bytes: file.bytes,
        }),
        Err(err) => UnitOutcome::Failed(format!("joined {name} on {symbol}: {:#}", anyhow::Error::from(err))),
    }
}

/// The unit as an earlier run left it, when `--resume` may keep it: the earlier manifest is of
/// the same source, timeframe, window and as-of, its dataset has the same hash (plugin,
/// parameters), the unit succeeded, and its file is there with the recorded checksum.
fn resumed(prepared: &Prepared, unit: &Work) -> Option<UnitOutcome> {
    let earlier = prepared.earlier.as_ref()?;
    let job = &prepared.job;
    let same_run = earlier.source == source_name(job)
        && earlier.timeframe == job.timeframe.as_str()
        && earlier.window == window_record(job)
        && earlier.as_of == job.as_of.to_string();
    let dataset = &prepared.datasets[unit.dataset];
    let record = earlier.dataset(dataset.name.as_str())?;
    if !same_run || record.hash != dataset.hash {
        return None;
    }
    let kept = earlier
        .units
        .iter()
        .find(|u| u.dataset == dataset.name.as_str() && u.symbol == unit.symbol.as_str())?;
    match kept.status {
        UnitStatus::Empty => Some(UnitOutcome::Empty { rows_in: kept.rows_in }),
        UnitStatus::Ok => {
            let path = job.output.join(kept.file.as_deref()?);
            let sha256 = kept.sha256.clone()?;
            if file_sha256(&path).ok()? != sha256 || path != prepared_path(prepared, unit) {
                return None;
            }
            Some(UnitOutcome::Resumed(UnitWritten {
                path,
                rows_in: kept.rows_in,
                rows_out: kept.rows_out,
                sha256,
                bytes: kept.bytes.unwrap_or_default(),
            }))
        }
        _ => None,
    }
}

fn prepared_path(prepared: &Prepared, unit: &Work) -> PathBuf {
    ParquetWriter::new(&prepared.job.output).path_for(&prepared.datasets[unit.dataset].dir, &unit.symbol)
}

pub(super) fn window_record(job: &Job) -> WindowRecord {
    WindowRecord { start: job.window.start().to_string(), end: job.window.end().to_string() }
}

/// `path` relative to `root`, with `/`.
fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The manifest of the run so far (`last`: as it ends).
fn compose(shared: &Shared, seconds: &[f64], stopped: Option<StopReason>, last: bool) -> Manifest {
    let prepared = &shared.prepared;
    let job = &prepared.job;
    let output = &job.output;
    let outcomes = shared.outcomes.lock().expect("no panic holding it").clone();
    let units: Vec<UnitRecord> = outcomes
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            let unit = &shared.work[index];
            let dataset = prepared.datasets[unit.dataset].name.to_string();
            let mut record = UnitRecord {
                dataset,
                symbol: unit.symbol.to_string(),
                status: UnitStatus::NotRun,
                resumed: false,
                rows_in: 0,
                rows_out: 0,
                file: None,
                sha256: None,
                bytes: None,
                seconds: seconds[index],
                error: None,
                database: shared.cost(index),
            };
            match outcome {
                Some(UnitOutcome::Written(w) | UnitOutcome::Resumed(w)) => {
                    record.status = UnitStatus::Ok;
                    record.resumed = matches!(outcome, Some(UnitOutcome::Resumed(_)));
                    record.rows_in = w.rows_in;
                    record.rows_out = w.rows_out;
                    record.file = Some(relative(output, &w.path));
                    record.sha256 = Some(w.sha256.clone());
                    record.bytes = Some(w.bytes);
                }
                Some(UnitOutcome::Empty { rows_in }) => {
                    record.status = UnitStatus::Empty;
                    record.rows_in = *rows_in;
                }
                Some(UnitOutcome::Failed(err)) => {
                    record.status = UnitStatus::Failed;
                    record.error = Some(err.clone());
                }
                Some(UnitOutcome::Abandoned) => record.status = UnitStatus::Abandoned,
                Some(UnitOutcome::NotRun) | None => {}
            }
            record
        })
        .collect();
    let mut datasets = serde_json::Map::new();
    for (index, dataset) in prepared.datasets.iter().enumerate() {
        let files = units
            .iter()
            .zip(&shared.work)
            .filter(|(_, w)| w.dataset == index)
            .filter_map(|(u, _)| u.file.clone())
            .collect();
        let record = DatasetRecord {
            path: dataset.dir.to_string(),
            kind: dataset.kind.as_str().to_owned(),
            hash: dataset.hash.clone(),
            identity: dataset.identity.clone(),
            plugin_file: (dataset.kind != DatasetKind::Joined)
                .then(|| job.plugins[index].path.display().to_string()),
            files,
        };
        datasets.insert(dataset.name.to_string(), serde_json::to_value(record).expect("a record serialises"));
    }
    let complete = last && stopped.is_none();
    Manifest {
        manifest_version: MANIFEST_VERSION,
        status: if complete { RunStatus::Complete } else { RunStatus::Incomplete },
        stopped_by: stopped.map(StopReason::name),
        host_version: env!("CARGO_PKG_VERSION").to_owned(),
        job: job_record(job),
        started: prepared.started_at.to_string(),
        ended: last.then(|| Timestamp::from(chrono::Utc::now()).to_string()),
        source: source_name(job),
        timeframe: job.timeframe.to_string(),
        window: window_record(job),
        as_of: job.as_of.to_string(),
        symbols: prepared.symbols().iter().map(ToString::to_string).collect(),
        datasets,
        units,
        shard: prepared.shard.as_ref().map(|plan| ShardRecord {
            index: plan.shard.index,
            count: plan.shard.count,
            assignment: plan.assignment.clone(),
            job_symbols: job.symbols.len(),
            bars: plan.bars,
            estimated_bars: plan.estimated_bars.clone(),
        }),
    }
}

/// The job file: as given, absolute, and its hash.
pub(super) fn job_record(job: &Job) -> JobFileRecord {
    JobFileRecord {
        file: job.file.display().to_string(),
        path: std::path::absolute(&job.file).unwrap_or_else(|_| job.file.clone()).display().to_string(),
        sha256: job.file_sha256.clone(),
    }
}
