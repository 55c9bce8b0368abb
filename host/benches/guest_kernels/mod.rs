//! The job benchmark's `guest-kernels` part (issue 14 §1): plugins written in Python over the
//! host's native kernels, each against a baseline measured in the same run, over the benchmark's
//! bars held in memory (one unit per symbol, the window alone, no warm-up), so reads from a
//! database weigh on neither side; what the reader, the kernels and the table cost through the
//! contract does, on both:
//!
//! - `indicators-py` (plugins/python/indicators-py: the Rust `indicators` plugin's twelve columns
//!   through `series` over host-held columns) against the Rust `indicators` plugin, both world
//!   `columnar-feature-builder` (target <= 1.5x);
//! - `zscore` (plugins/python/zscore, on host-held columns) against `zscore_loops`, the same plugin
//!   as it was, its math in Python loops over lists (tests/bench-plugins/zscore_loops; target >= 10x
//!   faster).
//!
//! Both pairs' outputs are compared too (largest difference, printed), so a fast wrong plugin does
//! not pass for a fast one.
//!
//! ```sh
//! scripts/build-plugins && scripts/build-bench-plugins
//! cargo bench -p candlewick --bench job -- guest-kernels
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candlewick::domain::{Bar, ColumnValues, Input, Plan, Symbol, Table, TimeRange, Timeframe, UnitOfWork};
use candlewick::reader::{MarketDataReader, MemoryMarketDataReader};
use candlewick::runtime::{Plugin, PluginRuntime, RuntimeLimits};
use candlewick::unit::{resolve_params, unit_of_work};

use super::common::{SYMBOLS, verdict};
use super::{ROUNDS, best_in_turns};

/// A built component: `target/<folder>/<name>.wasm`, or a message saying how to build it.
fn component(folder: &str, name: &str, build: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/{folder}/{name}.wasm"));
    assert!(path.exists(), "{} is missing: run {build} first", path.display());
    path
}

/// A loaded plugin and its units, one per symbol over the window with its default parameters and
/// no warm-up (every plugin computes over the same bars; the `kernels` part's native side too).
pub(super) struct Bench {
    pub(super) plugin: Plugin,
    pub(super) units: Vec<UnitOfWork>,
}

impl Bench {
    pub(super) fn new(
        runtime: &PluginRuntime,
        memory: &dyn MarketDataReader,
        path: &Path,
        window: TimeRange,
    ) -> Result<Bench, Box<dyn std::error::Error>> {
        let plugin = runtime.load(path)?;
        let params = resolve_params(plugin.info(), &Default::default())?;
        let plan = Plan {
            inputs: plugin
                .plan(&params)?
                .inputs
                .into_iter()
                .map(|i| Input { warm_up_bars: 0, ..i })
                .collect(),
        };
        let symbols: Vec<Symbol> = SYMBOLS.iter().map(|s| Symbol::new(*s).unwrap()).collect();
        let units = symbols
            .iter()
            .map(|symbol| {
                unit_of_work(
                    memory,
                    symbol,
                    &symbols,
                    Timeframe::Minute1,
                    window,
                    window.end(),
                    &plan,
                    params.clone(),
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(Bench { plugin, units })
    }

    /// Every unit, in turn; their tables.
    fn run(&self, memory: &Arc<dyn MarketDataReader>) -> Vec<Table> {
        self.units.iter().map(|unit| self.plugin.run(Arc::clone(memory), unit).unwrap().table).collect()
    }
}

/// `baseline` and `candidate` in turns (best of [`ROUNDS`]): their seconds, and a line saying how
/// far apart their outputs are.
fn race(baseline: &Bench, candidate: &Bench, memory: &Arc<dyn MarketDataReader>) -> (f64, f64, String) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (a_s, b_s) = best_in_turns(|| a = baseline.run(memory), || b = candidate.run(memory));
    let (difference, nan_mismatches) = largest_difference(&a, &b);
    let same = format!(
        "    same values: largest difference {difference:.1e} relative, {nan_mismatches} NaN mismatches"
    );
    (a_s, b_s, same)
}

/// The largest difference between two runs' columns of the same name, relative to
/// `max(1, |a|, |b|)`, and the count of values where exactly one of them is NaN.
fn largest_difference(a: &[Table], b: &[Table]) -> (f64, usize) {
    let (mut largest, mut nan_mismatches) = (0.0_f64, 0);
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a.ts, b.ts, "the two plugins return different rows");
        for (name, values) in &a.columns {
            let Some((_, other)) = b.columns.iter().find(|(n, _)| n == name) else { continue };
            let (ColumnValues::Float(x), ColumnValues::Float(y)) = (values, other) else { continue };
            for (x, y) in x.iter().zip(y) {
                match (x.is_nan(), y.is_nan()) {
                    (true, true) => {}
                    (false, false) => largest = largest.max((x - y).abs() / 1f64.max(x.abs()).max(y.abs())),
                    _ => nan_mismatches += 1,
                }
            }
        }
    }
    (largest, nan_mismatches)
}

pub fn bench(
    rows: &[(&'static str, Bar)],
    window: TimeRange,
    cache: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let memory: Arc<dyn MarketDataReader> = Arc::new(MemoryMarketDataReader::from_stored_rows(
        rows.iter().map(|(symbol, bar)| (*symbol, "1m", *bar)),
    ));
    let runtime = PluginRuntime::new(Some(cache), RuntimeLimits::default())?;
    let plugins = |name: &str| component("plugins", name, "scripts/build-plugins");
    let rust = Bench::new(&runtime, &*memory, &plugins("indicators"), window)?;
    let python = Bench::new(&runtime, &*memory, &plugins("indicators-py"), window)?;
    let zscore = Bench::new(&runtime, &*memory, &plugins("zscore"), window)?;
    let loops = Bench::new(
        &runtime,
        &*memory,
        &component("bench-plugins", "zscore_loops", "scripts/build-bench-plugins"),
        window,
    )?;

    println!(
        "\nPython plugins over the host's kernels, {} bars in memory, best of {ROUNDS} in turns:",
        rows.len()
    );
    let (rust_s, python_s, same) = race(&rust, &python, &memory);
    println!("  indicators (Rust)                  {rust_s:>8.3} s");
    println!(
        "  indicators-py (Python, kernels)    {python_s:>8.3} s  {:.2}x Rust  (target <= 1.5x: {})",
        python_s / rust_s,
        verdict(python_s / rust_s <= 1.5)
    );
    println!("{same}");

    let (loops_s, zscore_s, same) = race(&loops, &zscore, &memory);
    println!("  zscore_loops (Python loops)        {loops_s:>8.3} s");
    println!(
        "  zscore (Python, kernels)           {zscore_s:>8.3} s  {:.1}x faster  (target >= 10x: {})",
        loops_s / zscore_s,
        verdict(loops_s / zscore_s >= 10.0)
    );
    println!("{same}");
    Ok(())
}
