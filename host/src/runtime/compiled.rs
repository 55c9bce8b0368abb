//! Compiled plugins on disk, one file per component and engine, mapped rather than read back.
//!
//! `<cache_dir>/compiled/<sha256>-<engine>.cwasm` holds a component as [`Component::serialize`]
//! wrote it: `sha256` is the component's own hash (the one provenance records, so a load hashes
//! its bytes once), `engine` a hash of everything that makes compiled code incompatible (wasmtime's
//! version, the engine's settings, the CPU features: [`Engine::precompile_compatibility_hash`]).
//! A warm start maps the file ([`Component::deserialize_file`]): nothing is decompressed or
//! copied, the pages of code a plugin never runs are never read, and the initial contents of a
//! plugin's linear memory (a Python or JavaScript interpreter's heap, tens of megabytes) are
//! mapped copy-on-write from the same file into each instance.
//!
//! A miss compiles the component (seconds to a minute for an interpreter: the user is told how
//! long to expect, on a terminal) and writes the file once, through a temporary file and a
//! rename, so a reader never maps a half-written one; files are never changed after that.

use std::hash::{Hash, Hasher};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use wasmtime::Engine;
use wasmtime::component::Component;

/// Compile rate assumed before this machine has compiled anything: bytes of component per second
/// and core (wasmtime compiles a component's functions in parallel). Measured on 2 cores: the
/// 18.4 MB Python `zscore` at about 900 kB/s per core when the machine is quiet, 80 kB/s when
/// a dozen builds share it (`cargo bench -p candlewick --bench job -- start`); after its first
/// compile a machine uses its own last rate.
const DEFAULT_BYTES_PER_CORE_SECOND: f64 = 300_000.0;

/// Where compiled components are kept, and how this machine compiles.
#[derive(Debug, Clone)]
pub(super) struct CompiledCache {
    dir: PathBuf,
    engine_key: String,
}

/// How a component came to be loaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compilation {
    /// Mapped from the cache.
    Cached,
    /// Compiled in this call, and cached when a cache directory is set.
    Compiled { seconds: f64 },
}

impl CompiledCache {
    pub(super) fn new(dir: &Path, engine: &Engine) -> CompiledCache {
        // FNV-1a over the engine's compatibility hash: stable across runs of one build, which is
        // all a key must be (a new build with other settings only compiles again).
        let mut hasher = Fnv1a::default();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        CompiledCache { dir: dir.join("compiled"), engine_key: format!("{:016x}", hasher.finish()) }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// Whether the component of hash `sha256` is compiled for this engine.
    pub(super) fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_file()
    }

    /// The cached component, or `None` when it is not cached (or its file cannot be used: it is
    /// then compiled again and replaced).
    #[allow(unsafe_code, reason = "mapping compiled code is unsafe: the file must be ours and unchanged")]
    fn load(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self.path(sha256);
        if !path.is_file() {
            return None;
        }
        // SAFETY: the file was written by `store` below from `Component::serialize` on an engine
        // of the same compatibility hash (its name says so), in full before its rename, and no
        // code of this crate writes to it after that. wasmtime checks the header and the engine
        // settings recorded in it, and refuses a file that does not match.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => Some(component),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %crate::domain::error_chain(&*err), "compiled plugin unusable; compiling again");
                None
            }
        }
    }

    /// Writes `component` under `sha256`; a failure costs the next run a compile, nothing else.
    fn store(&self, component: &Component, sha256: &str) {
        let path = self.path(sha256);
        let written = (|| -> anyhow::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let bytes = component.serialize()?;
            // A name of this process's own, so two runs compiling at once never share one.
            let temp = path.with_extension(format!("cwasm.{}.tmp", std::process::id()));
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temp, &path).inspect_err(|_| {
                let _ = std::fs::remove_file(&temp);
            })?;
            Ok(())
        })();
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), error = %format!("{err:#}"), "could not cache the compiled plugin");
        }
    }

    /// Bytes of component this machine compiled per second and core, from the last compile.
    fn rate(&self) -> f64 {
        std::fs::read_to_string(self.dir.join("compile-rate"))
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|rate| rate.is_finite() && *rate > 0.0)
            .unwrap_or(DEFAULT_BYTES_PER_CORE_SECOND)
    }

    fn record_rate(&self, rate: f64) {
        let _ = std::fs::create_dir_all(&self.dir)
            .and_then(|_| std::fs::write(self.dir.join("compile-rate"), format!("{rate:.0}\n")));
    }
}

/// Why [`component`] has none: the file could not be read again, or did not compile.
pub(super) enum Miss {
    Read(std::io::Error),
    Compile(wasmtime::Error),
}

/// The component at `path` (hash `sha256`): mapped from `cache` when it is there, else read,
/// compiled (and cached). `notify` says a compile is starting and how long it should take, on a
/// terminal unless quiet; always in the log. A file whose bytes no longer hash to `sha256` (it
/// changed since it was hashed) is an error rather than a wrong entry in the cache.
pub(super) fn component(
    engine: &Engine,
    cache: Option<&CompiledCache>,
    path: &Path,
    sha256: &str,
    quiet: bool,
) -> Result<(Component, Compilation), Miss> {
    if let Some(component) = cache.and_then(|cache| cache.load(engine, sha256)) {
        return Ok((component, Compilation::Cached));
    }
    let bytes = std::fs::read(path).map_err(Miss::Read)?;
    if format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes)) != sha256 {
        return Err(Miss::Read(std::io::Error::other("the file changed while it was being loaded")));
    }
    compile(engine, cache, path, &bytes, sha256, quiet).map_err(Miss::Compile)
}

fn compile(
    engine: &Engine,
    cache: Option<&CompiledCache>,
    path: &Path,
    bytes: &[u8],
    sha256: &str,
    quiet: bool,
) -> wasmtime::Result<(Component, Compilation)> {
    let is_component = bytes.starts_with(COMPONENT_HEADER);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let rate = cache.map_or(DEFAULT_BYTES_PER_CORE_SECOND, CompiledCache::rate);
    let expected = bytes.len() as f64 / (rate * cores);
    let where_kept = match cache {
        Some(cache) => format!("once per plugin version; kept in {}", cache.dir.display()),
        None => "no cache directory: every run compiles".to_owned(),
    };
    // Said on a terminal, where a user waits for it; a log (CI, a pipe) has it at `info`, so that
    // a file that fails to load is one line of error there.
    let terminal = is_component && !quiet && std::io::stderr().is_terminal();
    if terminal {
        eprintln!(
            "compiling plugin {} ({:.1} MB) for this machine, about {} ({where_kept})",
            path.display(),
            bytes.len() as f64 / 1e6,
            about(expected)
        );
    }
    let started = Instant::now();
    let component = Component::new(engine, bytes)?;
    let seconds = started.elapsed().as_secs_f64();
    if terminal {
        eprintln!("compiled {} in {seconds:.1} s", path.display());
    }
    tracing::info!(plugin = %path.display(), seconds, expected, "compiled ({where_kept})");
    if let Some(cache) = cache {
        cache.store(&component, sha256);
        // Small components compile in less time than the measurement can resolve.
        if bytes.len() > 1_000_000 && seconds > 0.5 {
            cache.record_rate(bytes.len() as f64 / (seconds * cores));
        }
    }
    Ok((component, Compilation::Compiled { seconds }))
}

/// A duration as a person estimates it: "5 s", "40 s", "2 min".
fn about(seconds: f64) -> String {
    if seconds < 90.0 { format!("{:.0} s", seconds.max(1.0)) } else { format!("{:.0} min", seconds / 60.0) }
}

/// The first bytes of a Wasm component: the magic `\0asm`, then the component's version and layer.
pub(super) const COMPONENT_HEADER: &[u8] = b"\0asm\x0d\0\x01\0";

/// 64-bit FNV-1a: a fixed, seedless hash for the engine key.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_reads_as_a_person_says_it() {
        assert_eq!(about(0.2), "1 s");
        assert_eq!(about(40.4), "40 s");
        assert_eq!(about(150.0), "2 min");
    }
}
