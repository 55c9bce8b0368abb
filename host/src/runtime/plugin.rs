//! A loaded plugin: its compiled component, what it says about itself, and how one unit of
//! work runs through it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::Store;
use wasmtime::component::{Component, ResourceTable, types::ComponentItem};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::bindings::{feature_builder::FeatureBuilderPre, sampler::SamplerPre};
use super::budget::ReadLimits;
use super::calls::CallCounter;
use super::convert::{info_from_wit, plugin_error_text, table_from_wit, unit_to_wit};
use super::failure::{Cause, LoadError, UnitFailure};
use super::host::UnitState;
use super::limits::{DEFAULT_NAME_BYTES, LimitExceeded, RuntimeLimits, UnitLimiter};
use super::scope::UnitScope;
use super::tail_pipe::TailPipe;
use super::untrusted::{MAX_TEXT_BYTES, check_column_names, check_info, escape};
use super::window::WindowReads;
use super::{EPOCH_TICK, PluginRuntime};
use crate::domain::{
    Fields, PluginInfo, PluginKind, Symbol, Table, TimeRange, Timeframe, Timestamp, UnitOfWork,
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

enum Pre {
    FeatureBuilder(FeatureBuilderPre<UnitState>),
    Sampler(SamplerPre<UnitState>),
}

/// A compiled, linked plugin, ready to run units of work.
pub struct Plugin {
    path: PathBuf,
    sha256: String,
    kind: PluginKind,
    info: PluginInfo,
    pre: Pre,
    runtime: RuntimeHandle,
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
    fn now(&self) -> u64 {
        0
    }
}

impl Plugin {
    pub(super) fn load(
        runtime: &PluginRuntime,
        path: &Path,
        limits: RuntimeLimits,
    ) -> Result<Plugin, LoadError> {
        let bytes =
            std::fs::read(path).map_err(|source| LoadError::Read { path: path.to_owned(), source })?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let component = Component::new(&runtime.engine, &bytes)
            .map_err(|source| LoadError::Compile { path: path.to_owned(), source })?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&runtime.engine)
            .filter(|(_, export)| matches!(export.ty, ComponentItem::ComponentFunc(_)))
            .map(|(name, _)| name.to_owned())
            .collect();
        let link = |source| LoadError::link(path.to_owned(), source);
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(link)?;
        let (kind, pre) = if exports.iter().any(|e| e == "build") {
            (
                PluginKind::FeatureBuilder,
                Pre::FeatureBuilder(FeatureBuilderPre::new(instance_pre).map_err(link)?),
            )
        } else if exports.iter().any(|e| e == "sample") {
            (PluginKind::Sampler, Pre::Sampler(SamplerPre::new(instance_pre).map_err(link)?))
        } else {
            return Err(LoadError::UnknownWorld { path: path.to_owned() });
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
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                description: String::new(),
                params: Vec::new(),
                outputs: Vec::new(),
                warm_up_bars: 0,
            },
            pre,
            runtime,
        };
        let info = plugin.describe().map_err(|cause| LoadError::Describe { path: path.to_owned(), cause })?;
        // Output names are bounded by the name limit, but never below its default here: a job that
        // lowers the limit refuses the units that return such a column, as for any output limit,
        // rather than the plugin.
        let output_name_bytes = plugin.runtime.limits.name_bytes.max(DEFAULT_NAME_BYTES);
        plugin.info = check_info(info, output_name_bytes)
            .map_err(|problem| LoadError::InvalidDescription { path: path.to_owned(), problem })?;
        Ok(plugin)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hex sha256 of the component's bytes: the plugin's identity in provenance.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn kind(&self) -> PluginKind {
        self.kind
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
            limiter: UnitLimiter { memory_bytes: limits.memory_bytes },
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

    fn describe(&self) -> Result<PluginInfo, Cause> {
        let name = self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // Describing reads nothing: an empty reader, a scope of nothing.
        let scope = UnitScope::new(
            Symbol::new("DESCRIBE").expect("a valid symbol"),
            Timeframe::Tick,
            TimeRange::new(Timestamp::MIN, Timestamp::MIN).expect("an empty window"),
            ReadLimits::NONE,
        );
        let window = scope.readable;
        let mut store = self.store(&name, Arc::new(NoBars), scope, window);
        let info = match &self.pre {
            Pre::FeatureBuilder(pre) => pre.instantiate(&mut store).and_then(|i| i.call_describe(&mut store)),
            Pre::Sampler(pre) => pre.instantiate(&mut store).and_then(|i| i.call_describe(&mut store)),
        };
        log_output(&name, &store);
        let info = info.map_err(|err| self.cause(&err, &store))?;
        Ok(info_from_wit(info))
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
        let readable = TimeRange::new(unit.warm_up_from, unit.as_of).map_err(|err| UnitFailure::Plugin {
            plugin: plugin.clone(),
            symbol: unit.symbol.clone(),
            message: err.to_string(),
        })?;
        let scope = UnitScope::new(
            unit.symbol.clone(),
            unit.timeframe,
            readable,
            ReadLimits::from(&self.runtime.limits),
        );
        let started = std::time::Instant::now();
        let mut store = self.store(&plugin, Arc::clone(&reader), scope, unit.window);
        let wit_unit = unit_to_wit(unit);
        let outcome = match &self.pre {
            Pre::FeatureBuilder(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_build(&mut store, &wit_unit))
            }
            Pre::Sampler(pre) => {
                pre.instantiate(&mut store).and_then(|i| i.call_sample(&mut store, &wit_unit))
            }
        };
        let called = started.elapsed();
        log_output(&plugin, &store);
        let trap = |err: wasmtime::Error| {
            tracing::debug!(plugin, symbol = %unit.symbol, error = ?err, "unit trapped");
            UnitFailure::Stopped {
                plugin: plugin.clone(),
                symbol: unit.symbol.clone(),
                cause: self.cause(&err, &store),
            }
        };
        let table = match outcome.map_err(trap)? {
            Ok(table) => table_from_wit(table),
            Err(err) => {
                return Err(UnitFailure::Plugin {
                    plugin: plugin.clone(),
                    symbol: unit.symbol.clone(),
                    message: plugin_error_text(err),
                });
            }
        };
        self.runtime.limits.check_output(&table).map_err(|limit| UnitFailure::Stopped {
            plugin: plugin.clone(),
            symbol: unit.symbol.clone(),
            cause: limit.into(),
        })?;
        let invalid =
            |message| UnitFailure::Output { plugin: plugin.clone(), symbol: unit.symbol.clone(), message };
        check_column_names(&table).map_err(invalid)?;
        table.check_shape().map_err(invalid)?;
        self.check_columns(&table).map_err(invalid)?;
        match self.kind {
            // Usually the plugin read its whole window, in order: its rows must be those bars.
            // Otherwise ask the reader for the window's timestamps.
            PluginKind::FeatureBuilder => {
                if store.data().window.complete() != Some(&table.ts[..]) {
                    self.check_aligned(&*reader, unit, &table).map_err(invalid)?;
                }
            }
            PluginKind::Sampler => check_within(&table, readable).map_err(invalid)?,
        }
        tracing::debug!(plugin, symbol = %unit.symbol, ?called, checked = ?(started.elapsed() - called), "unit ran");
        Ok(UnitOutput { table, rows_read: store.data().scope.rows_served() })
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

    /// A feature builder's rows are the unit's bars in the window, one for one.
    fn check_aligned(
        &self,
        reader: &dyn MarketDataReader,
        unit: &UnitOfWork,
        table: &Table,
    ) -> Result<(), String> {
        let request = RangeRequest {
            symbol: unit.symbol.clone(),
            timeframe: unit.timeframe,
            range: unit.window,
            fields: Fields::NONE,
        };
        let bars = reader
            .range(&request)
            .map_err(|err| format!("reading the window's timestamps to check alignment: {err}"))?;
        if bars.ts != table.ts {
            let first = bars
                .ts
                .iter()
                .zip(&table.ts)
                .position(|(a, b)| a != b)
                .unwrap_or(bars.ts.len().min(table.ts.len()));
            return Err(format!(
                "{} rows where the window has {} bars; first difference at row {first} (expected the bars' timestamps)",
                table.ts.len(),
                bars.ts.len()
            ));
        }
        Ok(())
    }
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
