//! The Wasm runtime: loads plugin components once per job and runs each unit of work in a fresh
//! store whose only data access is the scoped reader.
//!
//! - `bindings.rs`: the generated bindings (private);
//! - `host.rs`: the reader imports, implemented over the port;
//! - `kernels.rs`: the kernels imports of 0.2: native vectorised kernels, pure;
//! - `scope.rs`: what a unit may read (the look-ahead guard);
//! - `window.rs`: what a unit read of its window, to check a feature builder's rows;
//! - `budget.rs`: how much it may read, per call and in all;
//! - `calls.rs`: how often it may call the reader, how many cursors it may hold open;
//! - `limits.rs`: the limits policy: defaults, units, the memory limiter;
//! - `convert.rs`: WIT types to and from domain types;
//! - `plugin.rs`: loading, describing and running a plugin;
//! - `compiled.rs`: compiled plugins cached on disk and mapped back;
//! - `failure.rs`: why a plugin did not load or a unit failed, in words;
//! - `untrusted.rs`: every string from a plugin checked (names) or escaped and bounded (text);
//! - `tail_pipe.rs`, `last_words.rs`: a plugin's stdout and stderr kept, and quoted in a failure.
//!
//! A plugin gets no WASI capabilities: no preopened directories, environment, arguments or
//! network; its clocks are frozen at the epoch and its stdout/stderr go to the host log.

mod bindings;
mod budget;
mod calls;
mod columns;
mod compiled;
mod convert;
mod failure;
mod host;
mod kernels;
mod last_words;
mod limits;
mod plugin;
mod scope;
mod tail_pipe;
mod untrusted;
mod window;

use std::path::Path;
use std::time::Duration;

use thiserror::Error;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ProfilingStrategy};

pub use budget::{ReadBudget, ReadLimits};
pub use compiled::Compilation;
pub use failure::{Cause, LoadError, PROVIDED_IMPORTS, PlanFailure, UnitFailure};
pub use limits::{
    DEFAULT_BYTES_PER_CALL, DEFAULT_BYTES_PER_UNIT, DEFAULT_CALL_TIMEOUT, DEFAULT_MEMORY_BYTES,
    DEFAULT_NAME_BYTES, DEFAULT_OPEN_CURSORS, DEFAULT_OUTPUT_BYTES, DEFAULT_OUTPUT_COLUMNS,
    DEFAULT_OUTPUT_ROWS, DEFAULT_READER_CALLS_PER_UNIT, DEFAULT_ROWS_PER_UNIT, DEFAULT_WARM_UP_BARS,
    LimitExceeded, MAX_ROWS_PER_CALL, MIB, RuntimeLimits,
};
pub use plugin::{CrossSectionOutput, Plugin, UnitOutput};
pub use scope::{AlignedBars, UnitScope};
pub use untrusted::{
    BadName, InvalidDescription, MAX_NAME_BYTES, MAX_TEXT_BYTES, MAX_VERSION_BYTES, NAME_RULE, check_name,
    escape, quote,
};

use host::UnitState;

/// The default cache of compiled plugins: `$XDG_CACHE_HOME/candlewick` or `~/.cache/candlewick`.
pub fn default_cache_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cache")))
        .map(|dir| dir.join("candlewick"))
}

/// How often the epoch advances: the resolution of the per-call CPU time limit.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Set to `perfmap` to have the engine write `/tmp/perf-PID.map`, which names plugin functions in
/// `perf report` (`CANDLEWICK_PROFILE=perfmap perf record -g candlewick run JOB.yaml`).
pub const PROFILE_ENV: &str = "CANDLEWICK_PROFILE";

/// Linear memory a pooled slot keeps mapped between units, so the next unit does not fault it in.
const KEEP_RESIDENT_BYTES: usize = 256 << 20;

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("setting up the Wasm engine")]
    Engine(#[source] wasmtime::Error),
}

/// One engine and linker for a job: plugins compiled on it share the on-disk code cache.
pub struct PluginRuntime {
    engine: Engine,
    linker: Linker<UnitState>,
    limits: RuntimeLimits,
    cache: Option<compiled::CompiledCache>,
    /// No compile notice on the terminal (the log still has it).
    quiet: bool,
}

impl std::fmt::Debug for PluginRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRuntime").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl PluginRuntime {
    /// An engine with epoch interruption and, when `cache_dir` is given, compiled code cached
    /// there by the component's hash, so a rerun maps it instead of compiling (`compiled.rs`).
    pub fn new(cache_dir: Option<&Path>, limits: RuntimeLimits) -> Result<Self, RuntimeError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Relaxed SIMD's multiply-add is then always fused (the hardware FMA, or an exact
        // fallback): a plugin's output does not depend on the host's CPU, and a plugin can use it
        // as a fast exact `fma` (guest_support::export_fma!).
        config.relaxed_simd_deterministic(true);
        if std::env::var_os(PROFILE_ENV).is_some_and(|v| v == "perfmap") {
            config.profiler(ProfilingStrategy::PerfMap);
        }
        // Pooled instances reuse their linear memory; keeping it resident saves the page faults
        // of zeroing fresh memory for every unit (job benchmark, 2M bars: Wasm compute from 3.4x
        // to 2.7x of native).
        let mut pool = PoolingAllocationConfig::new();
        let instances = limits.max_instances.max(1);
        pool.total_component_instances(instances)
            .total_core_instances(instances * 8)
            .total_memories(instances * 2)
            .total_tables(instances * 4)
            .max_memory_size(limits.memory_bytes)
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES.min(limits.memory_bytes));
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(RuntimeError::Engine)?;
        let cache = cache_dir.map(|dir| compiled::CompiledCache::new(dir, &engine));
        let mut linker = Linker::new(&engine);
        // WASI is linked so that components built by standard toolchains instantiate; the
        // context each store gets (see `plugin.rs`) grants no capability.
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(RuntimeError::Engine)?;
        // Both contract versions: a 0.1 plugin imports 0.1's reader, a 0.2 plugin 0.2's.
        bindings::v0_1::reader::add_to_linker::<UnitState, HasSelf<UnitState>>(&mut linker, |state| state)
            .map_err(RuntimeError::Engine)?;
        bindings::v0_2::reader::add_to_linker::<UnitState, HasSelf<UnitState>>(&mut linker, |state| state)
            .map_err(RuntimeError::Engine)?;
        // 0.2's kernels, to every plugin: one built before they existed does not import them and
        // instantiates as before.
        bindings::v0_2::kernels::add_to_linker::<UnitState, HasSelf<UnitState>>(&mut linker, |state| state)
            .map_err(RuntimeError::Engine)?;
        // 0.2's host-held columns, likewise.
        bindings::v0_2::columns::add_to_linker::<UnitState, HasSelf<UnitState>>(&mut linker, |state| state)
            .map_err(RuntimeError::Engine)?;
        spawn_epoch_ticker(&engine);
        Ok(PluginRuntime { engine, linker, limits, cache, quiet: false })
    }

    /// No notice of a first compile on the terminal (`--quiet`); the log still has it.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// Whether the component of hash `sha256` is compiled in the cache for this engine: loading
    /// it then maps it instead of compiling.
    pub fn is_compiled(&self, sha256: &str) -> bool {
        self.cache.as_ref().is_some_and(|cache| cache.contains(sha256))
    }

    /// Compiles (or loads from the cache) the component at `path` and asks it to describe itself;
    /// its units run under the runtime's limits.
    pub fn load(&self, path: &Path) -> Result<Plugin, LoadError> {
        Plugin::load(self, path, self.limits.clone())
    }

    /// [`load`](Self::load), with limits of the plugin's own. Its memory limit cannot pass the
    /// runtime's, the size of the instance pool's slots.
    pub fn load_with_limits(&self, path: &Path, limits: RuntimeLimits) -> Result<Plugin, LoadError> {
        Plugin::load(self, path, limits)
    }

    pub fn limits(&self) -> &RuntimeLimits {
        &self.limits
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] for as long as the engine lives.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("candlewick-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}
