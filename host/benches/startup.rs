//! Plugin start-up: loading each built plugin (`target/plugins/*.wasm`, every language) with an
//! empty compiled-code cache (first run: wasmtime compiles the component) and again with the cache
//! it filled (a rerun: the compiled code is read back). Reported per plugin with its size, and as
//! the ratio cached / first run, both measured in this run.
//!
//! ```sh
//! scripts/build-plugins && cargo bench -p candlewick --bench startup
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use candlewick::runtime::{PluginRuntime, RuntimeLimits};

/// Seconds to make a runtime on `cache` and load (compile or fetch, link, describe) the plugin.
fn load_seconds(wasm: &Path, cache: &Path) -> Result<f64, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let runtime = PluginRuntime::new(Some(cache), RuntimeLimits::default())?;
    runtime.load(wasm)?;
    Ok(started.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins");
    let mut plugins: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|err| format!("{}: {err} (run scripts/build-plugins first)", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    plugins.retain(|p| p.extension().is_some_and(|e| e == "wasm"));
    plugins.sort();
    println!("{:<12} {:>9} {:>12} {:>10} {:>8}", "plugin", "size MB", "first run s", "cached s", "ratio");
    for wasm in &plugins {
        let cache = tempfile::tempdir()?;
        let first = load_seconds(wasm, cache.path())?;
        // The best of three cached loads: the cache is warm after the first.
        let cached = (0..3).map(|_| load_seconds(wasm, cache.path())).collect::<Result<Vec<_>, _>>()?;
        let cached = cached.into_iter().fold(f64::MAX, f64::min);
        let size = std::fs::metadata(wasm)?.len() as f64 / 1e6;
        let name = wasm.file_stem().unwrap_or_default().to_string_lossy();
        println!("{name:<12} {size:>9.2} {first:>12.3} {cached:>10.3} {:>7.3}x", cached / first);
    }
    Ok(())
}
