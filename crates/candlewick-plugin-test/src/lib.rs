//! Test support for Rust plugin authors: a plugin's own `cargo test` loads its built component,
//! serves it fixture bars through Candlewick's fixture host (the same contract, runtime and scope as
//! a job, no database) and asserts on the columns it returns.
//!
//! ```no_run
//! use candlewick_plugin_test::{Bars, this_plugin};
//!
//! let plugin = this_plugin!();
//! let bars = Bars::file("tests/fixtures/bars.csv");
//! let output = plugin.run(&bars).param("period", 3).ok();
//! assert!(output.float("mean")[..2].iter().all(|v| v.is_nan()));
//! output.assert_matches("tests/fixtures/expected.csv", 1e-9);
//! ```
//!
//! The component is the one `scripts/build-plugins` (or `cargo build --target wasm32-wasip2
//! --profile plugin -p NAME`) leaves in `target/wasm32-wasip2/plugin/`. A missing or stale one
//! fails the test with the command that builds it: a test never runs old code silently.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use candlewick::bars_file::BarRecord;
use candlewick::domain::error_chain;
use candlewick::fixture_host::{Expected, FixtureError, FixtureHost, FixtureRequest, Tolerance};
use candlewick::reader::MemoryMarketDataReader;
use candlewick::runtime::{Plugin, PluginRuntime, RuntimeLimits};

pub use candlewick::domain::{
    Bar, ColumnValues, Fields, Input, ParamValue, Plan, PluginInfo, PluginKind, Symbol, SymbolSelector,
    Table, Timeframe, Timestamp,
};

/// The component of the package this test belongs to, built for wasm32-wasip2.
#[macro_export]
macro_rules! this_plugin {
    () => {
        $crate::Component::built(env!("CARGO_PKG_NAME"), env!("CARGO_MANIFEST_DIR"))
    };
}

/// A loaded plugin component.
#[derive(Debug)]
pub struct Component {
    plugin: Plugin,
    // The runtime's engine outlives the plugin's stores; kept for as long as the plugin is used.
    _runtime: PluginRuntime,
}

impl Component {
    /// The component cargo built for `package` (whose manifest is in `manifest_dir`). Panics,
    /// saying how to build it, when it is missing or older than the package's sources.
    pub fn built(package: &str, manifest_dir: &str) -> Component {
        let manifest_dir = Path::new(manifest_dir);
        let target = target_dir(manifest_dir);
        let path = target.join("wasm32-wasip2/plugin").join(format!("{}.wasm", package.replace('-', "_")));
        let build = format!(
            "build it with `scripts/build-plugins` or `cargo build --target wasm32-wasip2 --profile plugin -p {package}`"
        );
        let built = modified(&path).unwrap_or_else(|| panic!("{} does not exist: {build}", path.display()));
        // Sources only: a manifest change cargo does not rebuild for (a dev-dependency) must not
        // make the component look stale forever.
        if newest(&manifest_dir.join("src")).is_some_and(|sources| sources > built) {
            panic!("{} is older than the sources of {package}: {build}", path.display());
        }
        // Compiled code is cached in the target directory: each test loads the component, and
        // only the first compiles it.
        Component::load_cached(&path, Some(&target.join("candlewick-cache")))
            .unwrap_or_else(|err| panic!("{err}"))
    }

    /// The component at `path`. The error is the host's, naming the path and the cause.
    pub fn load(path: &Path) -> Result<Component, String> {
        Component::load_cached(path, None)
    }

    /// The component at `path`, its compiled code cached in `cache_dir`.
    pub fn load_cached(path: &Path, cache_dir: Option<&Path>) -> Result<Component, String> {
        let runtime =
            PluginRuntime::new(cache_dir, RuntimeLimits::default()).map_err(|err| format!("{err:#}"))?;
        let plugin = runtime.load(path).map_err(|err| format!("{:#}", error_chain(&err)))?;
        Ok(Component { plugin, _runtime: runtime })
    }

    /// What `describe` returned.
    pub fn info(&self) -> &PluginInfo {
        self.plugin.info()
    }

    pub fn kind(&self) -> PluginKind {
        self.plugin.kind()
    }

    /// What the plugin reads with `params` (by name; the rest at their defaults), as a job asks
    /// it: a 0.2 plugin's `plan`, a 0.1 plugin's own series with its described warm-up. The error
    /// is the host's.
    pub fn plan(&self, params: &[(&str, ParamValue)]) -> Result<Plan, String> {
        let given = params.iter().map(|(name, value)| ((*name).to_owned(), param_to_yaml(value))).collect();
        let resolved = candlewick::unit::resolve_params(self.plugin.info(), &given)?;
        self.plugin.plan(&resolved).map_err(|err| err.to_string())
    }

    /// A run over `bars`: by default their only series, all of them as the window, the plugin's
    /// default parameters.
    pub fn run<'a>(&'a self, bars: &'a Bars) -> Run<'a> {
        Run { component: self, bars, request: FixtureRequest::default() }
    }
}

/// Bars the fixture host serves.
#[derive(Debug, Clone)]
pub struct Bars {
    host: FixtureHost,
}

impl Bars {
    /// A CSV or Parquet bar file, as `candlewick ingest` reads it (relative paths are relative
    /// to the package, where `cargo test` runs). Panics with the file's error.
    pub fn file(path: impl AsRef<Path>) -> Bars {
        let path = path.as_ref();
        Bars {
            host: FixtureHost::from_file(path, &FixtureRequest::default())
                .unwrap_or_else(|err| panic!("{}", error_chain(&err))),
        }
    }

    /// One series from bars in memory.
    pub fn series(symbol: &str, timeframe: Timeframe, bars: impl IntoIterator<Item = Bar>) -> Bars {
        let symbol = Symbol::new(symbol).unwrap_or_else(|err| panic!("{err}"));
        let records = bars.into_iter().map(|bar| BarRecord { symbol: symbol.clone(), timeframe, bar });
        Bars { host: FixtureHost::new(MemoryMarketDataReader::from_records(records)) }
    }

    /// One series of flat bars (open = high = low = close, volume 1) with these closes, one
    /// `timeframe` apart from `start` (RFC 3339 or `YYYY-MM-DD`). For timeframes of fixed length.
    pub fn from_closes(symbol: &str, timeframe: Timeframe, start: &str, closes: &[f64]) -> Bars {
        let start = Timestamp::parse(start).unwrap_or_else(|err| panic!("{err}"));
        let step = timeframe
            .step_micros()
            .unwrap_or_else(|| panic!("{timeframe} bars have no fixed length: build them with Bars::series"));
        Bars::series(
            symbol,
            timeframe,
            closes.iter().enumerate().map(|(i, &close)| Bar {
                ts: Timestamp::from_micros(start.as_micros() + i as i64 * step),
                open: close,
                high: close,
                low: close,
                close,
                volume: 1,
            }),
        )
    }
}

/// One run being set up; `call` (or `ok`) runs it.
#[derive(Debug)]
pub struct Run<'a> {
    component: &'a Component,
    bars: &'a Bars,
    request: FixtureRequest,
}

impl Run<'_> {
    /// Sets a parameter; checked against the plugin's declared type when the run starts.
    pub fn param(mut self, name: &str, value: impl Into<ParamValue>) -> Self {
        self.request.params.insert(name.to_owned(), param_to_yaml(&value.into()));
        self
    }

    /// The series to run on, when the bars hold several.
    pub fn series(mut self, symbol: &str, timeframe: Timeframe) -> Self {
        self.request.symbol = Some(Symbol::new(symbol).unwrap_or_else(|err| panic!("{err}")));
        self.request.timeframe = Some(timeframe);
        self
    }

    /// The window (inclusive; RFC 3339 or `YYYY-MM-DD`). Bars before it are the warm-up.
    pub fn window(mut self, start: &str, end: &str) -> Self {
        self.request.start = Some(Timestamp::parse(start).unwrap_or_else(|err| panic!("{err}")));
        self.request.end = Some(Timestamp::parse(end).unwrap_or_else(|err| panic!("{err}")));
        self
    }

    /// The latest instant the plugin may read (default: the window's end).
    pub fn as_of(mut self, as_of: &str) -> Self {
        self.request.as_of = Some(Timestamp::parse(as_of).unwrap_or_else(|err| panic!("{err}")));
        self
    }

    /// Runs the plugin; the error is the message a job would report for this unit.
    pub fn call(self) -> Result<Output, String> {
        let output = self.bars.host.run(&self.component.plugin, &self.request).map_err(|err| match err {
            FixtureError::Unit(failure) => failure.to_string(),
            other => error_chain(&other),
        })?;
        Ok(Output { table: output.table, rows_read: output.rows_read })
    }

    /// Runs the plugin and panics with its error if it fails.
    pub fn ok(self) -> Output {
        self.call().unwrap_or_else(|err| panic!("the plugin failed: {err}"))
    }
}

/// What a run returned.
#[derive(Debug, Clone)]
pub struct Output {
    pub table: Table,
    /// Bars the plugin read through the reader.
    pub rows_read: u64,
}

impl Output {
    pub fn ts(&self) -> Vec<Timestamp> {
        self.table.ts.iter().map(|&t| Timestamp::from_micros(t)).collect()
    }

    /// A float column; panics naming the columns there are.
    pub fn float(&self, name: &str) -> &[f64] {
        match self.column(name) {
            ColumnValues::Float(values) => values,
            ColumnValues::Int(_) => panic!("column {name:?} holds integers, not floats"),
        }
    }

    /// An integer column; panics naming the columns there are.
    pub fn int(&self, name: &str) -> &[i64] {
        match self.column(name) {
            ColumnValues::Int(values) => values,
            ColumnValues::Float(_) => panic!("column {name:?} holds floats, not integers"),
        }
    }

    fn column(&self, name: &str) -> &ColumnValues {
        self.table.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v).unwrap_or_else(|| {
            let names: Vec<&str> = self.table.columns.iter().map(|(n, _)| n.as_str()).collect();
            panic!("no column {name:?} in the output (it has {})", names.join(", "))
        })
    }

    /// Compares with an expected CSV (`ts`, then columns) as `candlewick test --expect` does;
    /// panics with the differences side by side.
    pub fn assert_matches(&self, expected: impl AsRef<Path>, tolerance: f64) {
        let comparison = Expected::load(expected.as_ref())
            .and_then(|e| e.compare(&self.table, Tolerance(tolerance)))
            .unwrap_or_else(|err| panic!("{}", error_chain(&err)));
        assert!(comparison.matched(), "{comparison}");
    }
}

/// The target directory: `CARGO_TARGET_DIR`, else the workspace's `target/` (the nearest
/// ancestor of the package holding a Cargo.lock).
fn target_dir(manifest_dir: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .unwrap_or(manifest_dir)
        .join("target")
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() { newest(&path) } else { modified(&path) }
        })
        .max()
}

/// A parameter as a job file spells it.
fn param_to_yaml(value: &ParamValue) -> serde_norway::Value {
    match value {
        ParamValue::Int(v) => serde_norway::Value::from(*v),
        ParamValue::Float(v) => serde_norway::Value::from(*v),
        ParamValue::Text(v) => serde_norway::Value::from(v.as_str()),
        ParamValue::Boolean(v) => serde_norway::Value::from(*v),
    }
}
