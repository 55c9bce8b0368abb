//! A loaded plugin: its compiled component, what it says about itself, what it plans to read,
//! and how one unit of work runs through it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{ResourceTable, types::ComponentItem};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::bindings::{v0_1, v0_2};
use super::budget::ReadLimits;
use super::calls::CallCounter;
use super::compiled::Compilation;
use super::convert;
use super::failure::{Cause, LoadError, PlanFailure, UnitFailure};
use super::host::UnitState;
use super::limits::{DEFAULT_NAME_BYTES, LimitExceeded, RuntimeLimits, UnitLimiter};
use super::scope::UnitScope;
use super::tail_pipe::TailPipe;
use super::untrusted::{MAX_TEXT_BYTES, check_column_names, check_info, escape};
use super::window::WindowReads;
use super::{EPOCH_TICK, PluginRuntime};
use crate::domain::{
    Contract, CrossSectionUnit, Fields, ParamValue, Plan, PluginInfo, PluginKind, Symbol, Table, TimeRange,
    Timeframe, Timestamp, UnitOfWork,
};
use crate::reader::{MarketDataReader, NoBars, RangeRequest};

/// Bytes of a plugin's stdout and of its stderr kept per call for the host log: the last ones,
/// where a failure's explanation is.
const PLUGIN_OUTPUT_BYTES: usize = 64 * 1024;

/// What one unit of work produced.
#[derive(Debug, Clone)]
pub struct UnitOutput {
    pub table: Table,
    /// Bars the plugin read through the reader.
    pub rows_read: u64,
}

/// What one cross-section unit produced: a table per symbol of the unit, in the unit's order.
#[derive(Debug, Clone)]
pub struct CrossSectionOutput {
    pub tables: Vec<(Symbol, Table)>,
    /// Bars the plugin read through the reader.
    pub rows_read: u64,
}

enum Pre {
    FeatureBuilder(v0_1::feature_builder::FeatureBuilderPre<UnitState>),
    Sampler(v0_1::sampler::SamplerPre<UnitState>),
    FeatureBuilder2(v0_2::feature_builder::FeatureBuilderPre<UnitState>),
    Sampler2(v0_2::sampler::SamplerPre<UnitState>),
    CrossSection(v0_2::cross_section::CrossSectionPre<UnitState>),
    /// A feature builder whose table is host-held columns (`columnar-feature-builder`).
    ColumnarFeatureBuilder(v0_2::columnar_feature_builder::ColumnarFeatureBuilderPre<UnitState>),
    /// A sampler whose table is host-held columns (`columnar-sampler`).
    ColumnarSampler(v0_2::columnar_sampler::ColumnarSamplerPre<UnitState>),
}

/// A compiled, linked plugin, ready to run units of work.
pub struct Plugin {
    path: PathBuf,
    sha256: String,
    kind: PluginKind,
    contract: Contract,
    info: PluginInfo,
    /// A 0.1 plugin's described warm-up; 0 for a 0.2 plugin, whose plan says.
    described_warm_up: u32,
    pre: Pre,
    runtime: RuntimeHandle,
    compilation: Compilation,
}

/// What a plugin needs of its runtime to make stores: the engine, and the limits its units run
/// under.
#[derive(Clone)]
struct RuntimeHandle {
    engine: wasmtime::Engine,
    limits: RuntimeLimits,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("contract", &self.contract)
            .field("info", &self.info)
            .finish()
    }
}

/// A clock that never moves: plugins get no wall clock, and frozen time keeps them deterministic.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
    fn now(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    /// One nanosecond past the clock's (arbitrary) origin, always: not 0, because Go's runtime
    /// aborts at start-up when its monotonic clock reads 0 ("nanotime returning zero"), which
    /// would make every Go plugin fail before `describe`.
    fn now(&self) -> u64 {
        1
    }
}

/// A columnar world's answer as a plain one: its table's held columns taken out of the store.
fn held_answer(
    store: &mut Store<UnitState>,
    answer: Result<v0_2::plugin::HeldTable, v0_2::plugin::PluginError>,
) -> wasmtime::Result<Result<Table, String>> {
    Ok(match answer {
        Ok(table) => Ok(store.data_mut().held_table(table)?),
        Err(err) => Err(convert::v0_2::plugin_error_text(err)),
    })
}

/// The contract and world a component's exports say it implements.
fn world_of(exports: &[String]) -> Option<(Contract, PluginKind)> {
    let has = |name: &str| exports.iter().any(|e| e == name);
    let contract = if has("plan") { Contract::V0_2 } else { Contract::V0_1 };
    let kind = if has("build") {
        PluginKind::FeatureBuilder
    } else if has("sample") {
        PluginKind::Sampler
    } else if has("cross-section") && contract == Contract::V0_2 {
        PluginKind::CrossSection
    } else {
        return None;
    };
    Some((contract, kind))
}

impl Plugin {
    pub(super) fn load(
        runtime: &PluginRuntime,
        path: &Path,
        limits: RuntimeLimits,
    ) -> Result<Plugin, LoadError> {
        // Hashed as it is read, not held: a warm start maps the compiled component and never
        // needs the file's bytes (an 18 MB Python component would be 18 MB of peak memory).
        let read = |source| LoadError::Read { path: path.to_owned(), source };
        let sha256 = crate::output::file_sha256(path).map_err(read)?;
        let (component, compilation) =
            super::compiled::component(&runtime.engine, runtime.cache.as_ref(), path, &sha256, runtime.quiet)
                .map_err(|err| match err {
                    super::compiled::Miss::Read(source) => read(source),
                    super::compiled::Miss::Compile(source) => {
                        LoadError::Compile { path: path.to_owned(), source }
                    }
                })?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&runtime.engine)
            .filter(|(_, export)| matches!(export.ty, ComponentItem::ComponentFunc(_)))
            .map(|(name, _)| name.to_owned())
            .collect();
        let link = |source| LoadError::link(path.to_owned(), source);
        let (contract, kind) =
            world_of(&exports).ok_or_else(|| LoadError::UnknownWorld { path: path.to_owned() })?;
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(link)?;
        let pre = match (contract, kind) {
            (Contract::V0_1, PluginKind::FeatureBuilder) => Pre::FeatureBuilder(
                v0_1::feature_builder::FeatureBuilderPre::new(instance_pre).map_err(link)?,
            ),
            (Contract::V0_1, _) => Pre::Sampler(v0_1::sampler::SamplerPre::new(instance_pre).map_err(link)?),
            // A columnar world exports the same names with another table type: its typed exports
            // tell them apart.
            (Contract::V0_2, PluginKind::FeatureBuilder) => {
                match v0_2::columnar_feature_builder::ColumnarFeatureBuilderPre::new(instance_pre.clone()) {
                    Ok(pre) => Pre::ColumnarFeatureBuilder(pre),
                    Err(_) => Pre::FeatureBuilder2(
                        v0_2::feature_builder::FeatureBuilderPre::new(instance_pre).map_err(link)?,
                    ),
                }
            }
            (Contract::V0_2, PluginKind::Sampler) => {
                match v0_2::columnar_sampler::ColumnarSamplerPre::new(instance_pre.clone()) {
                    Ok(pre) => Pre::ColumnarSampler(pre),
                    Err(_) => Pre::Sampler2(v0_2::sampler::SamplerPre::new(instance_pre).map_err(link)?),
                }
            }
            (Contract::V0_2, PluginKind::CrossSection) => {
                Pre::CrossSection(v0_2::cross_section::CrossSectionPre::new(instance_pre).map_err(link)?)
            }
        };
        // The instance pool's slots are as large as the runtime's memory limit: no plugin's can
        // be larger.
        let limits =
            RuntimeLimits { memory_bytes: limits.memory_bytes.min(runtime.limits.memory_bytes), ..limits };
        let runtime = RuntimeHandle { engine: runtime.engine.clone(), limits };
        let mut plugin = Plugin {
            path: path.to_owned(),
            sha256,
            kind,
            contract,
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                description: String::new(),
                params: Vec::new(),
                outputs: Vec::new(),
            },
            described_warm_up: 0,
            pre,
            runtime,
            compilation,
        };
        let (info, described_warm_up) =
            plugin.describe().map_err(|cause| LoadError::Describe { path: path.to_owned(), cause })?;
        // Output names are bounded by the name limit, but never below its default here: a job that
        // lowers the limit refuses the units that return such a column, as for any output limit,
        // rather than the plugin.
        let output_name_bytes = plugin.runtime.limits.name_bytes.max(DEFAULT_NAME_BYTES);
        plugin.info = check_info(info, output_name_bytes)
            .map_err(|problem| LoadError::InvalidDescription { path: path.to_owned(), problem })?;
        plugin.described_warm_up = described_warm_up;
        Ok(plugin)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hex sha256 of the component's bytes: the plugin's identity in provenance.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Whether loading it compiled it or mapped it from the cache.
    pub fn compilation(&self) -> Compilation {
        self.compilation
    }

    pub fn kind(&self) -> PluginKind {
        self.kind
    }

    /// The WIT world it implements: its kind's (`feature-builder`, `sampler`, `cross-section`), or
    /// that kind's columnar world (`columnar-feature-builder`, `columnar-sampler`).
    pub fn world(&self) -> &'static str {
        match self.pre {
            Pre::FeatureBuilder(_) | Pre::FeatureBuilder2(_) => "feature-builder",
            Pre::Sampler(_) | Pre::Sampler2(_) => "sampler",
            Pre::CrossSection(_) => "cross-section",
            Pre::ColumnarFeatureBuilder(_) => "columnar-feature-builder",
            Pre::ColumnarSampler(_) => "columnar-sampler",
        }
    }

    /// The contract version it was built against.
    pub fn contract(&self) -> Contract {
        self.contract
    }

    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The limits its units run under.
    pub fn limits(&self) -> &RuntimeLimits {
        &self.runtime.limits
    }

    /// A store for one call, with a reader confined to `scope`, under the plugin's limits.
    fn store(
        &self,
        plugin: &str,
        reader: Arc<dyn MarketDataReader>,
        scope: UnitScope,
        window: TimeRange,
    ) -> Store<UnitState> {
        let stdout = TailPipe::new(PLUGIN_OUTPUT_BYTES);
        let stderr = TailPipe::new(PLUGIN_OUTPUT_BYTES);
        // The capabilities a plugin gets: none. No preopens, env, args or network are granted;
        // the clocks are frozen; stdout and stderr are captured for the log.
        let wasi = WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .build();
        let limits = &self.runtime.limits;
        let state = UnitState {
            reader,
            scope,
            plugin: plugin.to_owned(),
            table: ResourceTable::new(),
            wasi,
            limiter: UnitLimiter::new(limits.memory_bytes),
            stdout,
            stderr,
            window: WindowReads::new(window),
            calls: CallCounter::new(limits),
        };
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.limiter);
        // What the plugin may hand the host in one call: a table within the output limits.
        store.set_hostcall_fuel(limits.transfer_bytes());
        // The CPU limit: the call's wall time, counted in epoch ticks from now. At the deadline
        // the plugin traps with the limit's own error rather than a bare interrupt.
        let limit = limits.call_timeout;
        store.set_epoch_deadline(ticks(limit));
        store.epoch_deadline_callback(move |_| Err(LimitExceeded::CpuTime { limit }.into()));
        store
    }

    /// A store for a call that reads nothing (`describe`, `plan`): an empty reader, a scope of
    /// nothing.
    fn store_without_data(&self, name: &str) -> Store<UnitState> {
        let nothing = TimeRange::new(Timestamp::MIN, Timestamp::MIN).expect("an empty window");
        let scope = UnitScope::single(
            Symbol::new("DESCRIBE").expect("a valid symbol"),
            Timeframe::Tick,
            nothing,
            ReadLimits::NONE,
        );
        self.store(name, Arc::new(NoBars), scope, nothing)
    }

    /// `describe`'s answer, and a 0.1 plugin's described warm-up.
    fn describe(&self) -> Result<(PluginInfo, u32), Cause> {
        let name = self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut store = self.store_without_data(&name);
        let info = match &self.pre {
            Pre::FeatureBuilder(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(convert::v0_1::info_from_wit),
            Pre::Sampler(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(convert::v0_1::info_from_wit),
            Pre::FeatureBuilder2(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(|info| (convert::v0_2::info_from_wit(info), 0)),
            Pre::Sampler2(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(|info| (convert::v0_2::info_from_wit(info), 0)),
            Pre::CrossSection(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(|info| (convert::v0_2::info_from_wit(info), 0)),
            Pre::ColumnarFeatureBuilder(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(|info| (convert::v0_2::info_from_wit(info), 0)),
            Pre::ColumnarSampler(pre) => pre
                .instantiate(&mut store)
                .and_then(|i| i.call_describe(&mut store))
                .map(|info| (convert::v0_2::info_from_wit(info), 0)),
        };
        log_output(&name, &store);
        info.map_err(|err| self.cause(&err, &store))
    }

    /// What the plugin reads with `params` (resolved, defaults filled in): a 0.2 plugin's `plan`,
    /// or a 0.1 plugin's own series with its described warm-up. Reads nothing.
    pub fn plan(&self, params: &[(String, ParamValue)]) -> Result<Plan, PlanFailure> {
        let plugin = self.info.name.clone();
        let mut store = self.store_without_data(&plugin);
        let wit_params = convert::v0_2::params_to_wit(params);
        let answer = match &self.pre {
            Pre::FeatureBuilder(_) | Pre::Sampler(_) => return Ok(Plan::own_series(self.described_warm_up)),
            Pre::FeatureBuilder2(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_plan(&mut store, &wit_params))
            }
            Pre::Sampler2(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_plan(&mut store, &wit_params))
            }
            Pre::CrossSection(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_plan(&mut store, &wit_params))
            }
            Pre::ColumnarFeatureBuilder(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_plan(&mut store, &wit_params))
            }
            Pre::ColumnarSampler(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_plan(&mut store, &wit_params))
            }
        };
        log_output(&plugin, &store);
        let answer = answer.map_err(|err| PlanFailure::Stopped {
            plugin: plugin.clone(),
            cause: self.cause(&err, &store),
        })?;
        let refused = |message| PlanFailure::Refused { plugin: plugin.clone(), message };
        let plan = answer.map_err(|err| refused(convert::v0_2::plugin_error_text(err)))?;
        convert::v0_2::plan_from_wit(plan).map_err(refused)
    }

    /// Runs one unit of work in a fresh store. A trap, a limit, a plugin error or a malformed
    /// table fails this unit only; the store is discarded either way, so nothing of a failed
    /// call reaches the next unit.
    ///
    /// A feature builder reads up to its window's end, whatever the unit's as-of: a row's features
    /// have no reason to see later bars, so it is given, and may read, as-of = the window's end.
    /// A sampler (labels that look forward) reads up to the unit's as-of.
    pub fn run(
        &self,
        reader: Arc<dyn MarketDataReader>,
        unit: &UnitOfWork,
    ) -> Result<UnitOutput, UnitFailure> {
        let feature_unit;
        let unit = match self.kind {
            PluginKind::FeatureBuilder if unit.as_of != unit.window.end() => {
                feature_unit = UnitOfWork { as_of: unit.window.end(), ..unit.clone() };
                &feature_unit
            }
            _ => unit,
        };
        let plugin = self.info.name.clone();
        let on = unit.symbol.to_string();
        let readable =
            TimeRange::new(unit.warm_up_from.min(unit.as_of), unit.as_of).expect("start at or before end");
        let scope = UnitScope::new(
            unit.symbol.clone(),
            unit.timeframe,
            unit.inputs.clone(),
            unit.as_of,
            ReadLimits::from(&self.runtime.limits),
        );
        let started = std::time::Instant::now();
        let mut store = self.store(&plugin, Arc::clone(&reader), scope, unit.window);
        let outcome = match &self.pre {
            Pre::FeatureBuilder(pre) => {
                let wit_unit = convert::v0_1::unit_to_wit(unit);
                pre.instantiate(&mut store).and_then(|i| i.call_build(&mut store, &wit_unit)).map(|answer| {
                    answer.map(convert::v0_1::table_from_wit).map_err(convert::v0_1::plugin_error_text)
                })
            }
            Pre::Sampler(pre) => {
                let wit_unit = convert::v0_1::unit_to_wit(unit);
                pre.instantiate(&mut store).and_then(|i| i.call_sample(&mut store, &wit_unit)).map(|answer| {
                    answer.map(convert::v0_1::table_from_wit).map_err(convert::v0_1::plugin_error_text)
                })
            }
            Pre::FeatureBuilder2(pre) => {
                let wit_unit = convert::v0_2::unit_to_wit(unit);
                pre.instantiate(&mut store).and_then(|i| i.call_build(&mut store, &wit_unit)).map(|answer| {
                    answer.map(convert::v0_2::table_from_wit).map_err(convert::v0_2::plugin_error_text)
                })
            }
            Pre::Sampler2(pre) => {
                let wit_unit = convert::v0_2::unit_to_wit(unit);
                pre.instantiate(&mut store).and_then(|i| i.call_sample(&mut store, &wit_unit)).map(|answer| {
                    answer.map(convert::v0_2::table_from_wit).map_err(convert::v0_2::plugin_error_text)
                })
            }
            // The table's columns are handles into the store: taken out of it after the call.
            Pre::ColumnarFeatureBuilder(pre) => {
                let wit_unit = convert::v0_2::unit_to_wit(unit);
                pre.instantiate(&mut store)
                    .and_then(|i| i.call_build(&mut store, &wit_unit))
                    .and_then(|answer| held_answer(&mut store, answer))
            }
            Pre::ColumnarSampler(pre) => {
                let wit_unit = convert::v0_2::unit_to_wit(unit);
                pre.instantiate(&mut store)
                    .and_then(|i| i.call_sample(&mut store, &wit_unit))
                    .and_then(|answer| held_answer(&mut store, answer))
            }
            Pre::CrossSection(_) => {
                return Err(UnitFailure::Plugin {
                    plugin,
                    unit: on,
                    message:
                        "a cross-section plugin runs over all of a job's symbols at once, not one symbol"
                            .to_owned(),
                });
            }
        };
        let called = started.elapsed();
        log_output(&plugin, &store);
        let table = self.answer(outcome, &plugin, &on, &store)?;
        let invalid = |message| UnitFailure::Output { plugin: plugin.clone(), unit: on.clone(), message };
        table.check_shape().map_err(invalid)?;
        match self.kind {
            // Usually the plugin read its whole window, in order: its rows must be those bars.
            // Otherwise ask the reader for the window's timestamps.
            PluginKind::FeatureBuilder => {
                if store.data().window.complete() != Some(&table.ts[..]) {
                    check_rows_are_bars(&*reader, &unit.symbol, unit.timeframe, unit.window, &table.ts)
                        .map_err(invalid)?;
                }
            }
            PluginKind::Sampler | PluginKind::CrossSection => {
                check_within(&table, readable).map_err(invalid)?
            }
        }
        tracing::debug!(plugin, symbol = %unit.symbol, ?called, checked = ?(started.elapsed() - called), "unit ran");
        Ok(UnitOutput { table, rows_read: store.data().scope.rows_served() })
    }

    /// Runs one cross-section unit: every symbol of the job over one window. Its rows must be the
    /// (symbol, ts) pairs of the symbols' bars in the window, ascending by time, then by symbol;
    /// they come back split by symbol.
    pub fn run_cross_section(
        &self,
        reader: Arc<dyn MarketDataReader>,
        unit: &CrossSectionUnit,
    ) -> Result<CrossSectionOutput, UnitFailure> {
        let plugin = self.info.name.clone();
        let on = format!(
            "the cross-section of {} symbols from {} to {}",
            unit.symbols.len(),
            unit.window.start(),
            unit.window.end()
        );
        let Pre::CrossSection(pre) = &self.pre else {
            return Err(UnitFailure::Plugin {
                plugin,
                unit: on,
                message: format!("a {} runs over one symbol at a time, not a cross-section", self.kind),
            });
        };
        let first = unit.symbols.first().cloned().ok_or_else(|| UnitFailure::Plugin {
            plugin: plugin.clone(),
            unit: on.clone(),
            message: "the job has no symbols".to_owned(),
        })?;
        let scope = UnitScope::new(
            first,
            unit.timeframe,
            unit.inputs.clone(),
            unit.as_of,
            ReadLimits::from(&self.runtime.limits),
        );
        let mut store = self.store(&plugin, Arc::clone(&reader), scope, unit.window);
        let wit_unit = convert::v0_2::cross_section_unit_to_wit(unit);
        let outcome = pre
            .instantiate(&mut store)
            .and_then(|i| i.call_cross_section(&mut store, &wit_unit))
            .map(|answer| {
                answer.map(convert::v0_2::long_table_from_wit).map_err(convert::v0_2::plugin_error_text)
            });
        log_output(&plugin, &store);
        let (symbol_index, table) = self.answer(outcome, &plugin, &on, &store)?;
        let invalid = |message| UnitFailure::Output { plugin: plugin.clone(), unit: on.clone(), message };
        let tables = split_long_table(&unit.symbols, &symbol_index, table).map_err(invalid)?;
        for (symbol, table) in &tables {
            check_rows_are_bars(&*reader, symbol, unit.timeframe, unit.window, &table.ts)
                .map_err(|problem| invalid(format!("symbol {symbol}: {problem}")))?;
        }
        Ok(CrossSectionOutput { tables, rows_read: store.data().scope.rows_served() })
    }

    /// A unit's answer as a table, or why the unit failed: a trap, an error of the plugin's, or
    /// a table past a limit, with columns other than described or badly named.
    fn answer<T: AsTable>(
        &self,
        outcome: wasmtime::Result<Result<T, String>>,
        plugin: &str,
        on: &str,
        store: &Store<UnitState>,
    ) -> Result<T, UnitFailure> {
        let answer = outcome.map_err(|err| {
            tracing::debug!(plugin, unit = on, error = ?err, "unit trapped");
            UnitFailure::Stopped {
                plugin: plugin.to_owned(),
                unit: on.to_owned(),
                cause: self.cause(&err, store),
            }
        })?;
        let answer = answer.map_err(|message| UnitFailure::Plugin {
            plugin: plugin.to_owned(),
            unit: on.to_owned(),
            message,
        })?;
        let table = answer.table();
        self.runtime.limits.check_output(table).map_err(|limit| UnitFailure::Stopped {
            plugin: plugin.to_owned(),
            unit: on.to_owned(),
            cause: limit.into(),
        })?;
        let invalid =
            |message| UnitFailure::Output { plugin: plugin.to_owned(), unit: on.to_owned(), message };
        check_column_names(table).map_err(invalid)?;
        self.check_columns(table).map_err(invalid)?;
        Ok(answer)
    }

    /// What stopped a call, given its store: the limits it ran under, the plugin's stderr.
    fn cause(&self, err: &wasmtime::Error, store: &Store<UnitState>) -> Cause {
        Cause::of(err, &self.runtime.limits, &store.data().stderr.contents().tail)
    }

    /// The columns returned are the outputs described, in order.
    fn check_columns(&self, table: &Table) -> Result<(), String> {
        let returned = table.columns.iter().map(|(name, _)| name.as_str());
        if returned.clone().eq(self.info.outputs.iter().map(String::as_str)) {
            return Ok(());
        }
        let list = |names: Vec<&str>| format!("[{}]", names.join(", "));
        Err(format!(
            "returned columns {} (expected the outputs it describes, in order: {})",
            list(returned.collect()),
            list(self.info.outputs.iter().map(String::as_str).collect())
        ))
    }
}

/// What a unit returns that holds a table: a feature builder's or sampler's table, or a
/// cross-section's symbol indices and table.
trait AsTable {
    fn table(&self) -> &Table;
}

impl AsTable for Table {
    fn table(&self) -> &Table {
        self
    }
}

impl AsTable for (Vec<u32>, Table) {
    fn table(&self) -> &Table {
        &self.1
    }
}

/// Rows at `rows` are `symbol`'s bars in `window` at `timeframe`, one for one.
fn check_rows_are_bars(
    reader: &dyn MarketDataReader,
    symbol: &Symbol,
    timeframe: Timeframe,
    window: TimeRange,
    rows: &[i64],
) -> Result<(), String> {
    let request = RangeRequest { symbol: symbol.clone(), timeframe, range: window, fields: Fields::NONE };
    let bars = reader
        .range(&request)
        .map_err(|err| format!("reading the window's timestamps to check alignment: {err}"))?;
    if bars.ts != rows {
        let first =
            bars.ts.iter().zip(rows).position(|(a, b)| a != b).unwrap_or(bars.ts.len().min(rows.len()));
        return Err(format!(
            "{} rows where the window has {} bars; first difference at row {first} (expected the bars' timestamps)",
            rows.len(),
            bars.ts.len()
        ));
    }
    Ok(())
}

/// A long table split by symbol: checks that its columns have one value per row, that every
/// symbol index names one of `symbols`, and that rows ascend by time, then by symbol.
fn split_long_table(
    symbols: &[Symbol],
    symbol_index: &[u32],
    table: Table,
) -> Result<Vec<(Symbol, Table)>, String> {
    let rows = table.ts.len();
    if symbol_index.len() != rows {
        return Err(format!("{} symbol indices for {rows} rows (expected one per row)", symbol_index.len()));
    }
    for (name, values) in &table.columns {
        if values.len() != rows {
            return Err(format!(
                "column {name:?} has {} values (expected {rows}, one per row)",
                values.len()
            ));
        }
    }
    if let Some(row) = symbol_index.iter().position(|&i| i as usize >= symbols.len()) {
        return Err(format!(
            "row {row} names symbol index {} (expected below {}, the unit's symbol count)",
            symbol_index[row],
            symbols.len()
        ));
    }
    let key = |row: usize| (table.ts[row], symbol_index[row]);
    if let Some(row) = (1..rows).find(|&row| key(row - 1) >= key(row)) {
        return Err(format!(
            "rows not strictly ascending by time, then symbol, at row {row} ({} {} then {} {})",
            Timestamp::from_micros(table.ts[row - 1]),
            symbols[symbol_index[row - 1] as usize],
            Timestamp::from_micros(table.ts[row]),
            symbols[symbol_index[row] as usize]
        ));
    }
    let mut split: Vec<(Symbol, Table)> = symbols
        .iter()
        .map(|symbol| {
            let columns = table
                .columns
                .iter()
                .map(|(name, values)| (name.clone(), crate::domain::ColumnValues::empty_like(values)))
                .collect();
            (symbol.clone(), Table { ts: Vec::new(), columns })
        })
        .collect();
    for row in 0..rows {
        let (_, part) = &mut split[symbol_index[row] as usize];
        part.ts.push(table.ts[row]);
        for ((_, from), (_, to)) in table.columns.iter().zip(&mut part.columns) {
            to.push_from(from, row);
        }
    }
    Ok(split)
}

/// A sampler's rows lie within what its unit may read, from the warm-up start to as-of; never at
/// the ends of the timestamp range (which pandas reads back as `NaT`). Rows are ascending, so the
/// first and the last tell.
fn check_within(table: &Table, readable: TimeRange) -> Result<(), String> {
    let (Some(&first), Some(&last)) = (table.ts.first(), table.ts.last()) else {
        return Ok(());
    };
    let inside = |ts: i64| {
        ts > Timestamp::MIN.as_micros()
            && ts < Timestamp::MAX.as_micros()
            && ts >= readable.start().as_micros()
            && ts <= readable.end().as_micros()
    };
    let (row, ts) = if inside(first) { (table.ts.len() - 1, last) } else { (0, first) };
    if inside(ts) {
        return Ok(());
    }
    let limit = if ts == Timestamp::MIN.as_micros() || ts == Timestamp::MAX.as_micros() {
        "at an end of the timestamp range"
    } else if ts < readable.start().as_micros() {
        "before the warm-up start"
    } else {
        "after as-of"
    };
    Err(format!(
        "row {row} at {} is {limit} (expected a sampler's rows within {} ..= {})",
        Timestamp::from_micros(ts),
        readable.start(),
        readable.end()
    ))
}

/// Epoch ticks in `duration`, rounded up: at least one.
fn ticks(duration: std::time::Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos();
    u64::try_from(duration.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX).max(1)
}

/// The plugin's captured stdout and stderr, one log line per line, under its name: each line
/// escaped and bounded, as all text from a plugin (`untrusted.rs`).
fn log_output(plugin: &str, store: &Store<UnitState>) {
    for (stream, pipe) in [("stdout", &store.data().stdout), ("stderr", &store.data().stderr)] {
        let captured = pipe.contents();
        if captured.dropped > 0 {
            let dropped = captured.dropped;
            tracing::info!(target: "candlewick::plugin", plugin, stream, "… ({dropped} earlier bytes not kept)");
        }
        for line in String::from_utf8_lossy(&captured.tail).lines() {
            let line = escape(line, MAX_TEXT_BYTES);
            tracing::info!(target: "candlewick::plugin", plugin, stream, "{line}");
        }
    }
}
