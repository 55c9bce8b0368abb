//! Why a plugin could not be loaded, or why one of its units failed, in words that name the
//! plugin, the symbol and the cause: a limit with its value, a stack overflow, a panic, a
//! missing import.

use std::path::PathBuf;

use thiserror::Error;
use wasmtime::Trap;

use super::last_words::last_words;
use super::limits::{LimitExceeded, RuntimeLimits};
use super::untrusted::{InvalidDescription, MAX_TEXT_BYTES, escape};

/// What a plugin may import: everything else fails at load, naming the import.
pub const PROVIDED_IMPORTS: &str = "a plugin may import only candlewick:market-data/reader (0.1.0 or 0.2.0), \
    candlewick:market-data/kernels and candlewick:market-data/columns (0.2.0) and the WASI 0.2 interfaces wasi:cli, wasi:clocks, wasi:filesystem, \
    wasi:io, wasi:random and wasi:sockets, which grant it nothing";

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("reading plugin {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a Wasm component (expected a component built for wasm32-wasip2)", path.display())]
    Compile { path: PathBuf, source: wasmtime::Error },
    #[error(
        "{} exports none of `build` (feature-builder), `sample` (sampler) or `cross-section` (expected a \
         world of candlewick:market-data@0.1.0 or @0.2.0)",
        path.display()
    )]
    UnknownWorld { path: PathBuf },
    /// The plugin imports a function, resource or interface the host does not define.
    #[error("plugin {} imports {import}, which the host does not provide ({PROVIDED_IMPORTS})", path.display())]
    UnknownImport { path: PathBuf, import: String },
    /// The plugin imports something the host defines, with another type (another contract version).
    #[error("plugin {} imports {import} with a type other than the host's: {reason}", path.display())]
    ImportMismatch { path: PathBuf, import: String, reason: String },
    #[error("{} cannot be linked", path.display())]
    Link { path: PathBuf, source: wasmtime::Error },
    #[error("plugin {}: describe: {cause}", path.display())]
    Describe { path: PathBuf, cause: Cause },
    /// `describe` returned, but what it says is not acceptable: the field and why.
    #[error("plugin {}: describe: {problem}", path.display())]
    InvalidDescription { path: PathBuf, problem: InvalidDescription },
}

impl LoadError {
    /// The link error for `path`, naming the import wasmtime could not satisfy.
    pub(super) fn link(path: PathBuf, source: wasmtime::Error) -> LoadError {
        match unlinked_import(&source) {
            Some(Unlinked { import, missing: true, .. }) => LoadError::UnknownImport { path, import },
            Some(Unlinked { import, reason, .. }) => LoadError::ImportMismatch { path, import, reason },
            None => LoadError::Link { path, source },
        }
    }
}

/// Why a 0.2 plugin's `plan` gave no plan for a set of parameters.
#[derive(Debug, Error)]
pub enum PlanFailure {
    /// The plugin trapped or passed a limit in `plan`.
    #[error("plugin {plugin}: plan: {cause}")]
    Stopped { plugin: String, cause: Cause },
    /// The plugin refused the parameters, or returned a plan that is not one.
    #[error("plugin {plugin}: plan: {message}")]
    Refused { plugin: String, message: String },
}

/// Why one unit of work failed. The message names the plugin, the unit (its symbol, or a
/// cross-section's window) and the cause.
#[derive(Debug, Error)]
pub enum UnitFailure {
    /// The plugin trapped (a panic, a stack overflow, its memory or CPU limit) or returned a
    /// table past its output limit; its store was discarded.
    #[error("plugin {plugin} on {unit}: {cause}")]
    Stopped { plugin: String, unit: String, cause: Cause },
    /// The plugin returned an error.
    #[error("plugin {plugin} on {unit}: {message}")]
    Plugin { plugin: String, unit: String, message: String },
    /// The plugin returned a table of the wrong shape.
    #[error("plugin {plugin} on {unit}: invalid output: {message}")]
    Output { plugin: String, unit: String, message: String },
}

impl UnitFailure {
    /// The cause, when the unit trapped or passed a limit.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            UnitFailure::Stopped { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

/// Why a call into a plugin did not return.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Cause {
    /// One of the plugin's limits: memory, CPU time, output size.
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    #[error("stack overflow (deep recursion)")]
    StackOverflow,
    /// A panic, an abort, an uncaught exception or an `unreachable`: the plugin gave up. Its last
    /// words on stderr, if any.
    #[error("panicked or aborted{}", its_stderr(.stderr))]
    Aborted { stderr: String },
    /// Another trap of the plugin's code (a division by zero, an access out of bounds), with its
    /// last words on stderr, if any.
    #[error("trapped: {trap}{}", its_stderr(.stderr))]
    Trapped { trap: String, stderr: String },
    /// Any other trap, or a host error that trapped the call.
    #[error("trapped: {0}")]
    Other(String),
}

fn its_stderr(last_words: &str) -> String {
    if last_words.is_empty() { String::new() } else { format!("; its stderr ends: {last_words}") }
}

impl Cause {
    /// Classifies the error a call returned, given the store's limits and the plugin's stderr.
    pub(super) fn of(err: &wasmtime::Error, limits: &RuntimeLimits, stderr: &[u8]) -> Cause {
        if let Some(limit) = limits.exceeded(err) {
            return Cause::Limit(limit);
        }
        match err.downcast_ref::<Trap>() {
            // Only when no deadline callback is installed; ours reports the limit itself.
            Some(Trap::Interrupt) => Cause::Limit(LimitExceeded::CpuTime { limit: limits.call_timeout }),
            Some(Trap::StackOverflow) => Cause::StackOverflow,
            Some(Trap::UnreachableCodeReached) => Cause::Aborted { stderr: last_words(stderr) },
            Some(trap) => Cause::Trapped { trap: trap.to_string(), stderr: last_words(stderr) },
            None => Cause::Other(escape(
                // The outermost context of a trap is its Wasm backtrace: multi-line, for the log.
                &err.chain()
                    .map(|e| e.to_string())
                    .filter(|m| !m.starts_with("error while executing at wasm backtrace"))
                    .collect::<Vec<_>>()
                    .join(": "),
                MAX_TEXT_BYTES,
            )),
        }
    }
}

/// An import wasmtime's linker could not satisfy.
#[derive(Debug, PartialEq, Eq)]
struct Unlinked {
    /// `interface#function`, or the interface alone.
    import: String,
    /// Not defined at all, rather than defined with another type.
    missing: bool,
    /// The innermost message.
    reason: String,
}

/// Reads wasmtime's link error: an outer "component imports instance `NAME`, but a matching
/// implementation was not found in the linker", then "instance export `ITEM` has the wrong type"
/// for each level, then the reason ("function implementation is missing", or a type mismatch).
fn unlinked_import(err: &wasmtime::Error) -> Option<Unlinked> {
    let mut chain = err.chain().map(|e| e.to_string());
    let outer = chain.next()?;
    if !outer.starts_with("component imports ") {
        return None;
    }
    let mut import = backticked(&outer)?.to_owned();
    let mut reason = String::new();
    for message in chain {
        match message.strip_prefix("instance export ") {
            Some(rest) => {
                import.push(if import.contains('#') { '/' } else { '#' });
                import.push_str(backticked(rest)?);
            }
            None => reason = message,
        }
    }
    let missing = reason.is_empty() || reason.ends_with("implementation is missing");
    Some(Unlinked { import, missing, reason })
}

/// The first `quoted` part of `text`.
fn backticked(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once('`')?;
    Some(rest.split_once('`')?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_function_is_named_with_its_interface() {
        let err = wasmtime::Error::msg("function implementation is missing")
            .context("instance export `connect` has the wrong type")
            .context(
                "component imports instance `evil:net/socket`, but a matching implementation was not found \
                 in the linker",
            );
        let unlinked = unlinked_import(&err).unwrap();
        assert_eq!(unlinked.import, "evil:net/socket#connect");
        assert!(unlinked.missing);
        let load = LoadError::link("x.wasm".into(), err);
        assert_eq!(
            load.to_string(),
            format!(
                "plugin x.wasm imports evil:net/socket#connect, which the host does not provide ({PROVIDED_IMPORTS})"
            )
        );
    }

    #[test]
    fn a_type_mismatch_says_so() {
        let err = wasmtime::Error::msg("expected func found instance")
            .context("instance export `range` has the wrong type")
            .context("component imports instance `candlewick:market-data/reader@0.1.0`, but a matching implementation was not found in the linker");
        let load = LoadError::link("x.wasm".into(), err);
        assert_eq!(
            load.to_string(),
            "plugin x.wasm imports candlewick:market-data/reader@0.1.0#range with a type other than the \
             host's: expected func found instance"
        );
    }

    #[test]
    fn other_link_errors_keep_wasmtimes_words() {
        let err = wasmtime::Error::msg("cross-`Engine` instantiation is not currently supported");
        assert!(matches!(LoadError::link("x.wasm".into(), err), LoadError::Link { .. }));
    }

    #[test]
    fn a_panic_or_a_trap_quotes_the_end_of_stderr() {
        let limits = RuntimeLimits::default();
        let stderr =
            b"\nthread '<unnamed>' panicked at src/lib.rs:9:5:\nboom\nnote: run with `RUST_BACKTRACE=1` \
            environment variable to display a backtrace\n";
        assert_eq!(
            Cause::of(&Trap::UnreachableCodeReached.into(), &limits, stderr).to_string(),
            "panicked or aborted; its stderr ends: thread '<unnamed>' panicked at src/lib.rs:9:5: boom"
        );
        assert_eq!(
            Cause::of(&Trap::UnreachableCodeReached.into(), &limits, b"").to_string(),
            "panicked or aborted"
        );
        assert_eq!(
            Cause::of(&Trap::MemoryOutOfBounds.into(), &limits, b"reading row 7\n").to_string(),
            "trapped: wasm trap: out of bounds memory access; its stderr ends: reading row 7"
        );
    }

    #[test]
    fn traps_map_to_their_cause() {
        let limits = RuntimeLimits::default();
        let of = |err: wasmtime::Error| Cause::of(&err, &limits, b"");
        assert_eq!(of(Trap::StackOverflow.into()), Cause::StackOverflow);
        assert_eq!(
            of(Trap::Interrupt.into()).to_string(),
            "CPU time limit 300 s per call exceeded",
            "an interrupt is the CPU limit"
        );
        assert_eq!(
            of(Trap::IntegerDivisionByZero.into()).to_string(),
            "trapped: wasm trap: integer divide by zero"
        );
        let memory = LimitExceeded::Memory { limit_bytes: 1 << 26 };
        assert_eq!(of(wasmtime::Error::from(memory.clone()).context("growing")), Cause::Limit(memory));
    }
}
