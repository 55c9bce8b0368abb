//! The job benchmark's `start` part (issue 14 §2): plugin start-up, for the Rust `bars` plugin
//! (the baseline), the Python `zscore` and the JavaScript `swings`, each start in a process of its
//! own as `candlewick` makes one:
//! - the first compile, into an empty cache;
//! - a warm start: the runtime made, the plugin mapped from the cache, described and planned,
//!   and the resident memory this adds to the process (its peak resident set grown past what it
//!   held before the runtime; target < 64 MB), and how much of what it holds after the plan is
//!   file-backed (`RssFile`: the compiled code mapped from the cache, which every process mapping
//!   the same file shares and the kernel may drop and read again) rather than the instance's own
//!   memory (`RssAnon`);
//! - a unit's set-up: one unit over a day of the bundled sample, run from the pre-instantiated
//!   component, whose compute is microseconds (target < 5 ms).
//!
//! Warm figures are the best of three processes; ratios are to `bars` in this run.
//!
//! ```sh
//! scripts/build-plugins && cargo bench -p candlewick --bench job -- start
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use candlewick::domain::{Symbol, TimeRange, Timeframe, Timestamp};
use candlewick::reader::{MarketDataReader, MemoryMarketDataReader};
use candlewick::runtime::{Compilation, PluginRuntime, RuntimeLimits};
use candlewick::unit::{resolve_params, unit_of_work};

use crate::common::verdict;

/// The argument that makes the benchmark's binary one measured start of a plugin.
pub const CHILD: &str = "--start-child";

const WARM_STARTS: usize = 3;

/// One start's figures, as the child prints them.
#[derive(Debug, Clone, Copy)]
struct Start {
    /// Runtime, load, describe, plan.
    seconds: f64,
    /// Peak resident bytes added.
    resident: f64,
    /// Of the resident bytes added by the end of the plan, those mapped from files.
    file_backed: f64,
    /// One unit's run (best of 20).
    unit_seconds: f64,
    /// Spent compiling: 0 when mapped from the cache.
    compile_seconds: f64,
}

fn start(wasm: &Path, cache: &Path) -> Result<Start, Box<dyn std::error::Error>> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args([CHILD, &wasm.display().to_string(), &cache.display().to_string()])
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let figures: Vec<f64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match figures[..] {
        [seconds, resident, file_backed, unit_seconds, compile_seconds] if output.status.success() => {
            Ok(Start { seconds, resident, file_backed, unit_seconds, compile_seconds })
        }
        _ => {
            Err(format!("start of {}: {text}{}", wasm.display(), String::from_utf8_lossy(&output.stderr))
                .into())
        }
    }
}

/// Whether the arguments ask for this part: by name, or by naming no part (then all run).
pub fn wanted() -> bool {
    let named: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    named.is_empty() || named.iter().any(|a| a == "start")
}

pub fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let plugins = [("bars", "Rust"), ("zscore", "Python"), ("swings", "JS")];
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
    println!("\nplugin start-up, each start a process of its own; warm: best of {WARM_STARTS}:");
    println!(
        "  {:<8} {:<7} {:>6} {:>10} {:>8} {:>7} {:>12} {:>13} {:>8} {:>7}",
        "plugin",
        "lang",
        "MB",
        "compile s",
        "warm ms",
        "x bars",
        "resident MB",
        "of it code MB",
        "unit ms",
        "x bars"
    );
    let mut baseline: Option<Start> = None;
    for (name, language) in plugins {
        let wasm = root.join(format!("{name}.wasm"));
        assert!(wasm.exists(), "{} is missing: run scripts/build-plugins first", wasm.display());
        let cache = tempfile::TempDir::new()?;
        let first = start(&wasm, cache.path())?;
        assert!(first.compile_seconds > 0.0, "an empty cache compiles");
        let warm = (0..WARM_STARTS).map(|_| start(&wasm, cache.path())).collect::<Result<Vec<_>, _>>()?;
        assert!(warm.iter().all(|w| w.compile_seconds == 0.0), "a warm start maps the compiled plugin");
        let best = Start {
            seconds: warm.iter().map(|w| w.seconds).fold(f64::MAX, f64::min),
            resident: warm.iter().map(|w| w.resident).fold(f64::MAX, f64::min),
            file_backed: warm.iter().map(|w| w.file_backed).fold(f64::MAX, f64::min),
            unit_seconds: warm.iter().map(|w| w.unit_seconds).fold(f64::MAX, f64::min),
            compile_seconds: first.compile_seconds,
        };
        let base = *baseline.get_or_insert(best);
        let size = std::fs::metadata(&wasm)?.len() as f64 / 1e6;
        println!(
            "  {name:<8} {language:<7} {size:>6.2} {:>10.1} {:>8.1} {:>6.1}x {:>12.1} {:>13.1} {:>8.2} {:>6.1}x",
            best.compile_seconds,
            best.seconds * 1e3,
            best.seconds / base.seconds,
            best.resident / 1e6,
            best.file_backed / 1e6,
            best.unit_seconds * 1e3,
            best.unit_seconds / base.unit_seconds,
        );
        if name != "bars" {
            println!(
                "           targets: warm < 50 ms: {}; resident < 64 MB: {}; unit set-up < 5 ms: {}",
                verdict(best.seconds < 0.05),
                verdict(best.resident < 64e6),
                verdict(best.unit_seconds < 0.005)
            );
        }
    }
    Ok(())
}

/// A resident-set figure of this process (`VmRSS`, `VmHWM`, `RssFile`), in bytes.
fn resident(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb * 1024.0)
}

/// One start of the plugin `wasm` on `cache`, its figures printed for [`bench`].
pub fn child(wasm: &Path, cache: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let (host, host_file) = (resident("VmRSS"), resident("RssFile"));
    // Linux: writing 5 resets the peak resident set (VmHWM) to the current one.
    std::fs::write("/proc/self/clear_refs", "5")?;
    let started = Instant::now();
    let runtime = PluginRuntime::new(Some(cache), RuntimeLimits::default())?;
    let plugin = runtime.load(wasm)?;
    let params = resolve_params(plugin.info(), &Default::default())?;
    let plan = plugin.plan(&params)?;
    let seconds = started.elapsed().as_secs_f64();
    let added = resident("VmHWM") - host;
    let file_backed = resident("RssFile") - host_file;
    let compile_seconds = match plugin.compilation() {
        Compilation::Cached => 0.0,
        Compilation::Compiled { seconds } => seconds,
    };
    let sample: Arc<dyn MarketDataReader> = Arc::new(MemoryMarketDataReader::embedded_sample());
    let symbol = Symbol::new("EURUSD")?;
    // 2018-06-01, 24 hourly bars.
    let first = 1_527_811_200_000_000;
    let day =
        TimeRange::new(Timestamp::from_micros(first), Timestamp::from_micros(first + 23 * 3_600_000_000))?;
    let unit = unit_of_work(
        &*sample,
        &symbol,
        std::slice::from_ref(&symbol),
        Timeframe::Hour1,
        day,
        day.end(),
        &plan,
        params,
    )?;
    let unit_seconds = (0..20)
        .map(|_| {
            let started = Instant::now();
            plugin.run(Arc::clone(&sample), &unit).unwrap();
            started.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min);
    println!("{seconds} {added} {file_backed} {unit_seconds} {compile_seconds}");
    Ok(())
}
