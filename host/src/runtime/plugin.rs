//! A loaded plugin: its compiled component, what it says about itself, and how one unit of
//! work runs through it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use thiserror::Error;
use wasmtime::component::{Component, ResourceTable, types::ComponentItem};
use wasmtime::{Store, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::bindings::{feature_builder::FeatureBuilderPre, sampler::SamplerPre};
use super::convert::{info_from_wit, plugin_error_text, table_from_wit, unit_to_wit};
use super::host::UnitState;
use super::scope::UnitScope;
use super::{EPOCH_TICK, PluginRuntime};
use crate::domain::{
    Fields, PluginInfo, PluginKind, Symbol, Table, TimeRange, Timeframe, Timestamp, UnitOfWork,
};
use crate::reader::{MarketDataReader, MemoryMarketDataReader, RangeRequest};

/// Bytes of a plugin's stdout and of its stderr kept per call for the host log.
const PLUGIN_OUTPUT_BYTES: usize = 64 * 1024;

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("reading plugin {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a Wasm component (expected a component built for wasm32-wasip2)", path.display())]
    Compile { path: PathBuf, source: wasmtime::Error },
    #[error("{} exports neither `build` (feature-builder) nor `sample` (sampler)", path.display())]
    UnknownWorld { path: PathBuf },
    #[error("{} cannot be linked: it imports what the host does not provide", path.display())]
    Link { path: PathBuf, source: wasmtime::Error },
    #[error("{}: describe failed", path.display())]
    Describe { path: PathBuf, source: wasmtime::Error },
}

/// Why one unit of work failed. The message names the plugin, the symbol and the cause.
#[derive(Debug, Error)]
pub enum UnitFailure {
    #[error("plugin {plugin} on {symbol}: trapped: {cause}")]
    Trap { plugin: String, symbol: Symbol, cause: String },
    #[error("plugin {plugin} on {symbol}: {message}")]
    Plugin { plugin: String, symbol: Symbol, message: String },
    #[error("plugin {plugin} on {symbol}: invalid output: {message}")]
    Output { plugin: String, symbol: Symbol, message: String },
}

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

/// What a plugin needs of its runtime to make stores.
#[derive(Clone)]
struct RuntimeHandle {
    engine: wasmtime::Engine,
    limits: super::RuntimeLimits,
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
    pub(super) fn load(runtime: &PluginRuntime, path: &Path) -> Result<Plugin, LoadError> {
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
        let link = |source| LoadError::Link { path: path.to_owned(), source };
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
        let runtime = RuntimeHandle { engine: runtime.engine.clone(), limits: runtime.limits.clone() };
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
        plugin.info =
            plugin.describe().map_err(|source| LoadError::Describe { path: path.to_owned(), source })?;
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

    /// A store for one call, with a reader confined to `scope`.
    fn store(
        &self,
        plugin: &str,
        reader: Arc<dyn MarketDataReader>,
        scope: UnitScope,
        window: TimeRange,
    ) -> Store<UnitState> {
        let stdout = MemoryOutputPipe::new(PLUGIN_OUTPUT_BYTES);
        let stderr = MemoryOutputPipe::new(PLUGIN_OUTPUT_BYTES);
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
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.runtime.limits.memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        let state = UnitState {
            reader,
            scope,
            plugin: plugin.to_owned(),
            table: ResourceTable::new(),
            wasi,
            limits,
            stdout,
            stderr,
            rows_served: 0,
            window,
            window_ts: Vec::new(),
        };
        let mut store = Store::new(&self.runtime.engine, state);
        store.limiter(|state| &mut state.limits);
        let ticks = (self.runtime.limits.call_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
    }

    fn describe(&self) -> wasmtime::Result<PluginInfo> {
        let name = self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // Describing reads nothing: an empty reader, a scope of nothing.
        let scope = UnitScope {
            symbol: Symbol::new("DESCRIBE").expect("a valid symbol"),
            timeframe: Timeframe::Tick,
            readable: TimeRange::new(Timestamp::MIN, Timestamp::MIN).expect("an empty window"),
            max_rows_per_call: 0,
            max_batch_rows: 0,
        };
        let window = scope.readable;
        let mut store = self.store(&name, Arc::new(MemoryMarketDataReader::default()), scope, window);
        let info = match &self.pre {
            Pre::FeatureBuilder(pre) => pre.instantiate(&mut store)?.call_describe(&mut store)?,
            Pre::Sampler(pre) => pre.instantiate(&mut store)?.call_describe(&mut store)?,
        };
        log_output(&name, &store);
        Ok(info_from_wit(info))
    }

    /// Runs one unit of work in a fresh store. A trap, a plugin error or a malformed table fails
    /// this unit only; the store is dropped either way.
    pub fn run(
        &self,
        reader: Arc<dyn MarketDataReader>,
        unit: &UnitOfWork,
    ) -> Result<UnitOutput, UnitFailure> {
        let plugin = self.info.name.clone();
        let readable = TimeRange::new(unit.warm_up_from, unit.as_of).map_err(|err| UnitFailure::Plugin {
            plugin: plugin.clone(),
            symbol: unit.symbol.clone(),
            message: err.to_string(),
        })?;
        let scope = UnitScope {
            symbol: unit.symbol.clone(),
            timeframe: unit.timeframe,
            readable,
            max_rows_per_call: self.runtime.limits.rows_per_call,
            max_batch_rows: self.runtime.limits.batch_rows,
        };
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
        let trap = |err: wasmtime::Error| UnitFailure::Trap {
            plugin: plugin.clone(),
            symbol: unit.symbol.clone(),
            cause: format!("{err:#}"),
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
        let invalid =
            |message| UnitFailure::Output { plugin: plugin.clone(), symbol: unit.symbol.clone(), message };
        table.check_shape().map_err(invalid)?;
        if self.kind == PluginKind::FeatureBuilder {
            // Usually the plugin read its window once, in order: its rows must be those bars.
            // Otherwise ask the reader for the window's timestamps.
            if store.data().window_ts != table.ts {
                self.check_aligned(&*reader, unit, &table).map_err(invalid)?;
            }
        }
        tracing::debug!(plugin, symbol = %unit.symbol, ?called, checked = ?(started.elapsed() - called), "unit ran");
        Ok(UnitOutput { table, rows_read: store.data().rows_served })
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

/// The plugin's captured stdout and stderr, one log line per line, under its name.
fn log_output(plugin: &str, store: &Store<UnitState>) {
    for (stream, pipe) in [("stdout", &store.data().stdout), ("stderr", &store.data().stderr)] {
        let contents = pipe.contents();
        for line in String::from_utf8_lossy(&contents).lines() {
            tracing::info!(target: "candlewick::plugin", plugin, stream, "{line}");
        }
    }
}
